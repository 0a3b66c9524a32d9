// SPDX-License-Identifier: GPL-2.0-only
/* Do not edit: generated from Documentation/netlink/specs/azlxnet.yaml by scripts/genl-gen */

#include <stddef.h>

#include <netlink/attr.h>

#include "azlxnet-user.h"

const struct nla_policy azlx_info_policy[AZLXNET_A_INFO_MAX + 1] = {
	[AZLXNET_A_INFO_MODULE_VERSION] = { .type = NLA_STRING },
	[AZLXNET_A_INFO_API_VERSION] = { .type = NLA_U32 },
	[AZLXNET_A_INFO_SYNTHETIC_DRIVERS] = { .type = NLA_STRING, .maxlen = AZLXNET_DRIVERS_MAX_LEN + 1 },
	[AZLXNET_A_INFO_VF_DRIVERS] = { .type = NLA_STRING, .maxlen = AZLXNET_DRIVERS_MAX_LEN + 1 },
};

const char *azlx_info_attr_name(int type)
{
	static const char *const names[AZLXNET_A_INFO_MAX + 1] = {
		[AZLXNET_A_INFO_MODULE_VERSION] = "module-version",
		[AZLXNET_A_INFO_API_VERSION] = "api-version",
		[AZLXNET_A_INFO_SYNTHETIC_DRIVERS] = "synthetic-drivers",
		[AZLXNET_A_INFO_VF_DRIVERS] = "vf-drivers",
	};

	if (type < 0 || type > AZLXNET_A_INFO_MAX)
		return NULL;
	return names[type];
}

const struct nla_policy azlx_nic_policy[AZLXNET_A_NIC_MAX + 1] = {
	[AZLXNET_A_NIC_IFINDEX] = { .type = NLA_U32 },
	[AZLXNET_A_NIC_IFNAME] = { .type = NLA_STRING },
	[AZLXNET_A_NIC_MAC] = { .type = NLA_UNSPEC },
	[AZLXNET_A_NIC_VF_IFINDEX] = { .type = NLA_U32 },
	[AZLXNET_A_NIC_VF_IFNAME] = { .type = NLA_STRING },
	[AZLXNET_A_NIC_VF_MAC] = { .type = NLA_UNSPEC },
	[AZLXNET_A_NIC_VF_DRIVER] = { .type = NLA_STRING },
	[AZLXNET_A_NIC_VF_STATE] = { .type = NLA_U32 },
	[AZLXNET_A_NIC_TX_IFINDEX] = { .type = NLA_U32 },
	[AZLXNET_A_NIC_VF_JOINS] = { .type = NLA_U64 },
	[AZLXNET_A_NIC_VF_LEAVES] = { .type = NLA_U64 },
	[AZLXNET_A_NIC_VF_UPS] = { .type = NLA_U64 },
	[AZLXNET_A_NIC_VF_DOWNS] = { .type = NLA_U64 },
	[AZLXNET_A_NIC_LAST_CHANGE] = { .type = NLA_U64 },
	[AZLXNET_A_NIC_SLOW_NS] = { .type = NLA_U64 },
	[AZLXNET_A_NIC_LAST_SLOW_NS] = { .type = NLA_U64 },
	[AZLXNET_A_NIC_PAD] = { .type = NLA_UNSPEC },
};

const char *azlx_nic_attr_name(int type)
{
	static const char *const names[AZLXNET_A_NIC_MAX + 1] = {
		[AZLXNET_A_NIC_IFINDEX] = "ifindex",
		[AZLXNET_A_NIC_IFNAME] = "ifname",
		[AZLXNET_A_NIC_MAC] = "mac",
		[AZLXNET_A_NIC_VF_IFINDEX] = "vf-ifindex",
		[AZLXNET_A_NIC_VF_IFNAME] = "vf-ifname",
		[AZLXNET_A_NIC_VF_MAC] = "vf-mac",
		[AZLXNET_A_NIC_VF_DRIVER] = "vf-driver",
		[AZLXNET_A_NIC_VF_STATE] = "vf-state",
		[AZLXNET_A_NIC_TX_IFINDEX] = "tx-ifindex",
		[AZLXNET_A_NIC_VF_JOINS] = "vf-joins",
		[AZLXNET_A_NIC_VF_LEAVES] = "vf-leaves",
		[AZLXNET_A_NIC_VF_UPS] = "vf-ups",
		[AZLXNET_A_NIC_VF_DOWNS] = "vf-downs",
		[AZLXNET_A_NIC_LAST_CHANGE] = "last-change",
		[AZLXNET_A_NIC_SLOW_NS] = "slow-ns",
		[AZLXNET_A_NIC_LAST_SLOW_NS] = "last-slow-ns",
		[AZLXNET_A_NIC_PAD] = "pad",
	};

	if (type < 0 || type > AZLXNET_A_NIC_MAX)
		return NULL;
	return names[type];
}

const struct nla_policy azlx_kit_policy[AZLXNET_A_KIT_MAX + 1] = {
	[AZLXNET_A_KIT_IFINDEX] = { .type = NLA_U32 },
	[AZLXNET_A_KIT_END] = { .type = NLA_U32 },
	[AZLXNET_A_KIT_PROG_FD] = { .type = NLA_U32 },
	[AZLXNET_A_KIT_EXPECTED_PROG_ID] = { .type = NLA_U32 },
	[AZLXNET_A_KIT_PROG_ID] = { .type = NLA_U32 },
};

const char *azlx_kit_attr_name(int type)
{
	static const char *const names[AZLXNET_A_KIT_MAX + 1] = {
		[AZLXNET_A_KIT_IFINDEX] = "ifindex",
		[AZLXNET_A_KIT_END] = "end",
		[AZLXNET_A_KIT_PROG_FD] = "prog-fd",
		[AZLXNET_A_KIT_EXPECTED_PROG_ID] = "expected-prog-id",
		[AZLXNET_A_KIT_PROG_ID] = "prog-id",
	};

	if (type < 0 || type > AZLXNET_A_KIT_MAX)
		return NULL;
	return names[type];
}

const char *azlx_event_name(int cmd)
{
	static const char *const names[AZLXNET_CMD_MAX + 1] = {
		[AZLXNET_CMD_VF_JOIN] = "vf-join",
		[AZLXNET_CMD_VF_LEAVE] = "vf-leave",
		[AZLXNET_CMD_VF_UP] = "vf-up",
		[AZLXNET_CMD_VF_DOWN] = "vf-down",
		[AZLXNET_CMD_NIC_NEW] = "nic-new",
		[AZLXNET_CMD_NIC_DEL] = "nic-del",
	};

	if (cmd < 0 || cmd > AZLXNET_CMD_MAX)
		return NULL;
	return names[cmd];
}
