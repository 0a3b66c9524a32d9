/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * azlxnet.ko internal interfaces.
 */
#ifndef _AZLXNET_H
#define _AZLXNET_H

#include <linux/netlink.h>
#include <linux/types.h>

#include <uapi/linux/azlxnet.h>

#include "version.h"

/* Driver-name lists: which drivers make synthetic NICs and which make VFs. */
enum azlxnet_drvlist_id {
	AZLXNET_DRV_SYNTHETIC,
	AZLXNET_DRV_VF,

	AZLXNET_DRV_NLISTS
};

#define AZLXNET_DRIVERS_MAX	8
#define AZLXNET_DRIVER_NAMSIZ	32

struct azlxnet_drvlist {
	unsigned int	n;
	char		name[AZLXNET_DRIVERS_MAX][AZLXNET_DRIVER_NAMSIZ];
};

int azlxnet_drvlist_parse(const char *val, struct azlxnet_drvlist *list,
			  struct netlink_ext_ack *extack,
			  const struct nlattr *attr);
int azlxnet_config_set(const struct azlxnet_drvlist *lists[AZLXNET_DRV_NLISTS]);
int azlxnet_config_format(enum azlxnet_drvlist_id id, char *buf, size_t size);

/* netlink.c */
int azlxnet_nl_init(void);
void azlxnet_nl_exit(void);

/* kfunc.c; the kfuncs themselves are called from BPF programs only */
int azlxnet_kfunc_init(void);
u32 bpf_azlxnet_api_version(void);

#endif /* _AZLXNET_H */
