/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Generic netlink requests to the "azlxnet" family through libnl-genl-3.
 */
#ifndef __AZLXNET_GENL_H
#define __AZLXNET_GENL_H

#include <linux/types.h>
#include <linux/azlxnet.h>

struct nl_sock;
struct nl_msg;
struct nlattr;

struct azlx_genl {
	struct nl_sock	*sk;
	int		family;
};

/*
 * Opens a socket with extended ACKs on and resolves the family. Returns an
 * exit code, having printed the error: AZLX_EXIT_NOMOD when the family is
 * not registered, i.e. the module is not loaded.
 */
int azlx_genl_open(struct azlx_genl *g);
void azlx_genl_close(struct azlx_genl *g);

/* Adds the request's attributes; returns 0 or a negative libnl error. */
typedef int (*azlx_genl_fill_t)(struct nl_msg *msg, void *arg);
/* Reads a reply's attributes, tb[] indexed by AZLXNET_A_INFO_*. */
typedef void (*azlx_genl_parse_t)(struct nlattr **tb, void *arg);

/*
 * Sends command @cmd (named @op in messages: "config-set") and waits for its
 * ACK, passing any reply to @parse. Returns an exit code, having printed the
 * error (with the kernel's extended ACK message, if any).
 */
int azlx_genl_do(struct azlx_genl *g, __u8 cmd, const char *op,
		 azlx_genl_fill_t fill, azlx_genl_parse_t parse, void *arg);

/* Replies of the module. */
struct azlx_info_version {
	char	module_version[64];
	__u32	api_version;
	int	has_api_version;
};

struct azlx_info_config {
	char	synthetic_drivers[AZLXNET_DRIVERS_MAX_LEN + 1];
	char	vf_drivers[AZLXNET_DRIVERS_MAX_LEN + 1];
	int	has_synthetic_drivers;
	int	has_vf_drivers;
};

int azlx_genl_get_version(struct azlx_genl *g, struct azlx_info_version *ver);
int azlx_genl_get_config(struct azlx_genl *g, struct azlx_info_config *cfg);

#endif /* __AZLXNET_GENL_H */
