/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * azlxnet tune, ethtool.c: channels, rings and features over ethtool netlink.
 */
#ifndef __AZLXNET_TUNE_ETHTOOL_H
#define __AZLXNET_TUNE_ETHTOOL_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

enum azlx_eth_setting {
	AZLX_ETH_COMBINED,
	AZLX_ETH_RX_CHANNELS,
	AZLX_ETH_TX_CHANNELS,
	AZLX_ETH_RX_RING,
	AZLX_ETH_TX_RING,
	AZLX_ETH_LRO,
	AZLX_ETH_NSETTINGS,
};

struct azlx_eth_value {
	bool		supported;	/* reported by the device */
	bool		fixed;		/* features: cannot be changed */
	unsigned long	cur;
	unsigned long	max;		/* 0: no maximum reported */
};

struct azlx_ethtool {
	struct azlx_eth_value	v[AZLX_ETH_NSETTINGS];
};

/* "channels combined", "rings rx", "features rx-lro" */
const char *azlx_eth_setting_name(enum azlx_eth_setting s);
int azlx_eth_setting_parse(const char *s, enum azlx_eth_setting *out);
/*
 * Reads @dev's channels, rings and LRO: ethtool netlink, or under a fake
 * root the files ROOT/ethtool/DEV/<setting> ("8", "on [fixed]"). 0 or -errno.
 */
int azlx_ethtool_get(const char *dev, struct azlx_ethtool *e, char *err, size_t err_len);
int azlx_ethtool_set(const char *dev, enum azlx_eth_setting s, unsigned long value,
		     char *err, size_t err_len);

struct nl_msg;
/* The requests, exposed for the host tests. */
int azlx_ethtool_msg_get(struct nl_msg *msg, int family, __u8 cmd, const char *dev);
int azlx_ethtool_msg_set(struct nl_msg *msg, int family, const char *dev,
			 enum azlx_eth_setting s, unsigned long value);

#endif /* __AZLXNET_TUNE_ETHTOOL_H */
