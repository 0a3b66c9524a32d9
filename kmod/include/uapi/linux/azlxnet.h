/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/* Do not edit: generated from Documentation/netlink/specs/azlxnet.yaml by scripts/genl-gen */

#ifndef _UAPI_LINUX_AZLXNET_H
#define _UAPI_LINUX_AZLXNET_H

#define AZLXNET_FAMILY_NAME	"azlxnet"
/* Version of this generic netlink family (genlmsghdr.version). */
#define AZLXNET_FAMILY_VERSION	1
/*
 * API level of the module, returned by the version operation and by the
 * bpf_azlxnet_api_version() kfunc. Raised on every compatible extension of the
 * netlink or kfunc API.
 */
#define AZLXNET_API_VERSION	1
/* Longest driver-name list, in bytes, without the terminating NUL. */
#define AZLXNET_DRIVERS_MAX_LEN	255

enum {
	/* Version string of the loaded module (as in modinfo). */
	AZLXNET_A_INFO_MODULE_VERSION = 1,
	/* API level of the module (see api-version). */
	AZLXNET_A_INFO_API_VERSION = 2,
	/*
	 * Comma-separated names of the drivers whose net devices are synthetic
	 * NICs (default "hv_netvsc"). At most 8 names of at most 31 characters
	 * from [A-Za-z0-9_.-]; the empty string disables tracking.
	 */
	AZLXNET_A_INFO_SYNTHETIC_DRIVERS = 3,
	/*
	 * Comma-separated names of the drivers whose net devices are
	 * accelerated-networking VFs (default "mana,mlx5_core,mlx4_en"). Same
	 * syntax as synthetic-drivers.
	 */
	AZLXNET_A_INFO_VF_DRIVERS = 4,

	__AZLXNET_A_INFO_MAX,
	AZLXNET_A_INFO_MAX = (__AZLXNET_A_INFO_MAX - 1)
};

enum {
	/* Report the module's version and API level. */
	AZLXNET_CMD_VERSION = 1,
	/* Report the run-time configuration. */
	AZLXNET_CMD_CONFIG_GET = 2,
	/*
	 * Change the run-time configuration. Attributes left out keep their
	 * value; the change is all or nothing. Needs CAP_NET_ADMIN.
	 */
	AZLXNET_CMD_CONFIG_SET = 3,

	__AZLXNET_CMD_MAX,
	AZLXNET_CMD_MAX = (__AZLXNET_CMD_MAX - 1)
};

#endif /* _UAPI_LINUX_AZLXNET_H */
