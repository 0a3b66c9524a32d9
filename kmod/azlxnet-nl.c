// SPDX-License-Identifier: GPL-2.0-only
/* Do not edit: generated from Documentation/netlink/specs/azlxnet.yaml by scripts/genl-gen */

#include <net/genetlink.h>

#include "azlxnet-nl.h"

/* AZLXNET_CMD_VERSION - do */
static const struct nla_policy azlxnet_version_do_nl_policy[AZLXNET_A_INFO_MAX + 1] = {
};

/* AZLXNET_CMD_CONFIG_GET - do */
static const struct nla_policy azlxnet_config_get_do_nl_policy[AZLXNET_A_INFO_MAX + 1] = {
};

/* AZLXNET_CMD_CONFIG_SET - do */
static const struct nla_policy azlxnet_config_set_do_nl_policy[AZLXNET_A_INFO_MAX + 1] = {
	[AZLXNET_A_INFO_SYNTHETIC_DRIVERS] = {
		.type = NLA_NUL_STRING,
		.len = AZLXNET_DRIVERS_MAX_LEN,
	},
	[AZLXNET_A_INFO_VF_DRIVERS] = {
		.type = NLA_NUL_STRING,
		.len = AZLXNET_DRIVERS_MAX_LEN,
	},
};

/* Ops table for azlxnet */
const struct genl_ops azlxnet_nl_ops[3] = {
	{
		.cmd		= AZLXNET_CMD_VERSION,
		.doit		= azlxnet_nl_version_doit,
		.policy		= azlxnet_version_do_nl_policy,
		.maxattr	= AZLXNET_A_INFO_MAX,
	},
	{
		.cmd		= AZLXNET_CMD_CONFIG_GET,
		.doit		= azlxnet_nl_config_get_doit,
		.policy		= azlxnet_config_get_do_nl_policy,
		.maxattr	= AZLXNET_A_INFO_MAX,
	},
	{
		.cmd		= AZLXNET_CMD_CONFIG_SET,
		.doit		= azlxnet_nl_config_set_doit,
		.policy		= azlxnet_config_set_do_nl_policy,
		.maxattr	= AZLXNET_A_INFO_MAX,
		.flags		= GENL_ADMIN_PERM,
	},
};
