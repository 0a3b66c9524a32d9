// SPDX-License-Identifier: GPL-2.0-only
/* Do not edit: generated from Documentation/netlink/specs/azlxnet.yaml by scripts/genl-gen */

#include <net/genetlink.h>

#include "azlxnet-nl.h"

/* Integer value ranges (read-only once the module is loaded) */
static struct netlink_range_validation azlxnet_a_nic_ifindex_range __ro_after_init = {
	.min	= 1,
	.max	= S32_MAX,
};

static struct netlink_range_validation azlxnet_a_kit_ifindex_range __ro_after_init = {
	.min	= 1,
	.max	= S32_MAX,
};

static struct netlink_range_validation azlxnet_a_kit_prog_fd_range __ro_after_init = {
	.min	= 0,
	.max	= S32_MAX,
};

/* AZLXNET_CMD_VERSION */
static const struct nla_policy azlxnet_version_nl_policy[AZLXNET_A_INFO_MAX + 1] = {
};

/* AZLXNET_CMD_CONFIG_GET */
static const struct nla_policy azlxnet_config_get_nl_policy[AZLXNET_A_INFO_MAX + 1] = {
};

/* AZLXNET_CMD_CONFIG_SET */
static const struct nla_policy azlxnet_config_set_nl_policy[AZLXNET_A_INFO_MAX + 1] = {
	[AZLXNET_A_INFO_SYNTHETIC_DRIVERS] = {
		.type = NLA_NUL_STRING,
		.len = AZLXNET_DRIVERS_MAX_LEN,
	},
	[AZLXNET_A_INFO_VF_DRIVERS] = {
		.type = NLA_NUL_STRING,
		.len = AZLXNET_DRIVERS_MAX_LEN,
	},
};

/* AZLXNET_CMD_NIC_GET */
static const struct nla_policy azlxnet_nic_get_nl_policy[AZLXNET_A_NIC_MAX + 1] = {
	[AZLXNET_A_NIC_IFINDEX] = NLA_POLICY_FULL_RANGE(NLA_U32, &azlxnet_a_nic_ifindex_range),
};

/* AZLXNET_CMD_KIT_PROG_ATTACH */
static const struct nla_policy azlxnet_kit_prog_attach_nl_policy[AZLXNET_A_KIT_MAX + 1] = {
	[AZLXNET_A_KIT_IFINDEX] = NLA_POLICY_FULL_RANGE(NLA_U32, &azlxnet_a_kit_ifindex_range),
	[AZLXNET_A_KIT_END] = NLA_POLICY_MAX(NLA_U32, 1),
	[AZLXNET_A_KIT_PROG_FD] = NLA_POLICY_FULL_RANGE(NLA_U32, &azlxnet_a_kit_prog_fd_range),
	[AZLXNET_A_KIT_EXPECTED_PROG_ID] = { .type = NLA_U32, },
};

/* AZLXNET_CMD_KIT_PROG_DETACH */
static const struct nla_policy azlxnet_kit_prog_detach_nl_policy[AZLXNET_A_KIT_MAX + 1] = {
	[AZLXNET_A_KIT_IFINDEX] = NLA_POLICY_FULL_RANGE(NLA_U32, &azlxnet_a_kit_ifindex_range),
	[AZLXNET_A_KIT_END] = NLA_POLICY_MAX(NLA_U32, 1),
	[AZLXNET_A_KIT_EXPECTED_PROG_ID] = { .type = NLA_U32, },
};

/* AZLXNET_CMD_KIT_PROG_GET */
static const struct nla_policy azlxnet_kit_prog_get_nl_policy[AZLXNET_A_KIT_MAX + 1] = {
	[AZLXNET_A_KIT_IFINDEX] = NLA_POLICY_FULL_RANGE(NLA_U32, &azlxnet_a_kit_ifindex_range),
	[AZLXNET_A_KIT_END] = NLA_POLICY_MAX(NLA_U32, 1),
};

/* Ops table for azlxnet */
const struct genl_ops azlxnet_nl_ops[7] = {
	{
		.cmd		= AZLXNET_CMD_VERSION,
		.doit		= azlxnet_nl_version_doit,
		.policy		= azlxnet_version_nl_policy,
		.maxattr	= AZLXNET_A_INFO_MAX,
	},
	{
		.cmd		= AZLXNET_CMD_CONFIG_GET,
		.doit		= azlxnet_nl_config_get_doit,
		.policy		= azlxnet_config_get_nl_policy,
		.maxattr	= AZLXNET_A_INFO_MAX,
	},
	{
		.cmd		= AZLXNET_CMD_CONFIG_SET,
		.doit		= azlxnet_nl_config_set_doit,
		.policy		= azlxnet_config_set_nl_policy,
		.maxattr	= AZLXNET_A_INFO_MAX,
		.flags		= GENL_ADMIN_PERM,
	},
	{
		.cmd		= AZLXNET_CMD_NIC_GET,
		.doit		= azlxnet_nl_nic_get_doit,
		.dumpit		= azlxnet_nl_nic_get_dumpit,
		.policy		= azlxnet_nic_get_nl_policy,
		.maxattr	= AZLXNET_A_NIC_MAX,
	},
	{
		.cmd		= AZLXNET_CMD_KIT_PROG_ATTACH,
		.doit		= azlxnet_nl_kit_prog_attach_doit,
		.policy		= azlxnet_kit_prog_attach_nl_policy,
		.maxattr	= AZLXNET_A_KIT_MAX,
		.flags		= GENL_ADMIN_PERM,
	},
	{
		.cmd		= AZLXNET_CMD_KIT_PROG_DETACH,
		.doit		= azlxnet_nl_kit_prog_detach_doit,
		.policy		= azlxnet_kit_prog_detach_nl_policy,
		.maxattr	= AZLXNET_A_KIT_MAX,
		.flags		= GENL_ADMIN_PERM,
	},
	{
		.cmd		= AZLXNET_CMD_KIT_PROG_GET,
		.doit		= azlxnet_nl_kit_prog_get_doit,
		.policy		= azlxnet_kit_prog_get_nl_policy,
		.maxattr	= AZLXNET_A_KIT_MAX,
		.flags		= GENL_ADMIN_PERM,
	},
};

const struct genl_multicast_group azlxnet_nl_mcgrps[] = {
	[AZLXNET_NLGRP_EVENTS] = { .name = AZLXNET_MCGRP_EVENTS, },
};
