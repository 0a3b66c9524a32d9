/* SPDX-License-Identifier: GPL-2.0-only */
/* Do not edit: generated from Documentation/netlink/specs/azlxnet.yaml by scripts/genl-gen */

#ifndef _AZLXNET_NL_GEN_H
#define _AZLXNET_NL_GEN_H

#include <net/genetlink.h>

#include <uapi/linux/azlxnet.h>

int azlxnet_nl_version_doit(struct sk_buff *skb, struct genl_info *info);
int azlxnet_nl_config_get_doit(struct sk_buff *skb, struct genl_info *info);
int azlxnet_nl_config_set_doit(struct sk_buff *skb, struct genl_info *info);
int azlxnet_nl_nic_get_doit(struct sk_buff *skb, struct genl_info *info);
int azlxnet_nl_nic_get_dumpit(struct sk_buff *skb, struct netlink_callback *cb);
int azlxnet_nl_kit_prog_attach_doit(struct sk_buff *skb, struct genl_info *info);
int azlxnet_nl_kit_prog_detach_doit(struct sk_buff *skb, struct genl_info *info);
int azlxnet_nl_kit_prog_get_doit(struct sk_buff *skb, struct genl_info *info);

extern const struct genl_ops azlxnet_nl_ops[7];

enum {
	AZLXNET_NLGRP_EVENTS,
};

extern const struct genl_multicast_group azlxnet_nl_mcgrps[1];

#endif /* _AZLXNET_NL_GEN_H */
