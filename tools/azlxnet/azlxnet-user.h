/* SPDX-License-Identifier: GPL-2.0-only */
/* Do not edit: generated from Documentation/netlink/specs/azlxnet.yaml by scripts/genl-gen */

#ifndef __AZLXNET_USER_GEN_H
#define __AZLXNET_USER_GEN_H

#include <netlink/attr.h>

#include <linux/azlxnet.h>

/* The spec name of attribute @type of set "info", or NULL. */
const char *azlx_info_attr_name(int type);
/* libnl policy of set "info", for parsing what the module sends. */
extern const struct nla_policy azlx_info_policy[AZLXNET_A_INFO_MAX + 1];

/* The spec name of attribute @type of set "nic", or NULL. */
const char *azlx_nic_attr_name(int type);
/* libnl policy of set "nic", for parsing what the module sends. */
extern const struct nla_policy azlx_nic_policy[AZLXNET_A_NIC_MAX + 1];

/* The spec name of attribute @type of set "kit", or NULL. */
const char *azlx_kit_attr_name(int type);
/* libnl policy of set "kit", for parsing what the module sends. */
extern const struct nla_policy azlx_kit_policy[AZLXNET_A_KIT_MAX + 1];

/* The spec name of event operation @cmd ("vf-join"...), or NULL. */
const char *azlx_event_name(int cmd);

#endif /* __AZLXNET_USER_GEN_H */
