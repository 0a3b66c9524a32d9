/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Generic netlink requests to the "azlxnet" family through libnl-genl-3.
 */
#ifndef __AZLXNET_GENL_H
#define __AZLXNET_GENL_H

#include <stdbool.h>
#include <stddef.h>

#include <linux/types.h>
#include <linux/azlxnet.h>

struct nl_sock;
struct nl_msg;
struct nlattr;
struct nlmsghdr;
struct sockaddr_nl;
struct ucred;

struct azlx_genl {
	struct nl_sock	*sk;
	int		family;
	/*
	 * NULL, or what replaces recvmsg() for the replies (as with
	 * nl_cb_overwrite_recv()): lets the host tests play the kernel.
	 */
	int		(*recv)(struct nl_sock *sk, struct sockaddr_nl *nla,
				unsigned char **buf, struct ucred **creds);
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

/*
 * Reads one reply message (whole, from its nlmsghdr). Returns 0, or a
 * negative errno with the reason in @err: the request then fails with
 * "malformed reply from the module: <err>".
 */
typedef int (*azlx_genl_reply_t)(const struct nlmsghdr *nlh, void *arg,
				 char *err, size_t err_len);

/* A request of any attribute set, "do" or "dump". */
struct azlx_genl_op {
	__u8			cmd;
	const char		*name;		/* "nic-get", in messages */
	bool			dump;
	azlx_genl_fill_t	fill;		/* or NULL */
	azlx_genl_reply_t	reply;		/* or NULL */
	/* names the attribute the kernel's extended ACK points at */
	const char		*(*attr_name)(int type);
	void			*arg;		/* of fill and reply */
	/* out: a dump whose replies came with NLM_F_DUMP_INTR */
	bool			interrupted;
	/* out: the kernel's errno (positive), 0 when it answered */
	int			error;
};

/*
 * Sends @op and reads the replies up to its ACK (do) or NLMSG_DONE (dump).
 * Returns an exit code, having printed the error as azlx_genl_do() does.
 */
int azlx_genl_request(struct azlx_genl *g, struct azlx_genl_op *op);

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
