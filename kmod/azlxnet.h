/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * azlxnet.ko internal interfaces.
 */
#ifndef _AZLXNET_H
#define _AZLXNET_H

#include <linux/if_ether.h>
#include <linux/list.h>
#include <linux/netdevice.h>
#include <linux/netlink.h>
#include <linux/rcupdate.h>
#include <linux/types.h>
#include <net/net_namespace.h>

#include <uapi/linux/azlxnet.h>

#include "version.h"

struct __sk_buff;

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

int azlxnet_drvlist_parse(const char *val, size_t len,
			  struct azlxnet_drvlist *list,
			  struct netlink_ext_ack *extack,
			  const struct nlattr *attr);
int azlxnet_config_init(void);
int azlxnet_config_set_disjoint(const struct azlxnet_drvlist *lists[AZLXNET_DRV_NLISTS],
				const struct nlattr *const attrs[AZLXNET_DRV_NLISTS],
				struct netlink_ext_ack *extack);
int azlxnet_config_format(enum azlxnet_drvlist_id id, char *buf, size_t size);
bool azlxnet_config_match(enum azlxnet_drvlist_id id, const char *driver);

/**
 * struct azlxnet_nic - a synthetic NIC and its accelerated-networking VF
 *
 * Created when a net device whose driver is in synthetic_drivers registers,
 * freed (after an RCU grace period) when it unregisters. The VF is the lower
 * device whose master is this NIC and whose driver is in vf_drivers.
 * Everything but the fast-path fields is read and written under RTNL.
 * vf_state and tx_ifindex are the model's view, as the netdevice notifier
 * last saw it (carrier changes reach it through linkwatch, up to a second
 * late); the kfunc checks the VF itself through vf_rcu instead.
 */
struct azlxnet_nic {
	/* fast path: read locklessly by bpf_azlxnet_tx_ifindex() */
	struct hlist_node	hnode;
	possible_net_t		net;
	int			ifindex;
	struct net_device __rcu	*vf_rcu;	/* @vf, for RCU readers */
	int			tx_ifindex;	/* READ_ONCE/WRITE_ONCE */

	/* slow path: RTNL */
	struct list_head	list;
	struct net_device	*dev;
	struct net_device	*vf;
	char			vf_driver[AZLXNET_DRIVER_NAMSIZ];
	enum azlxnet_vf_state	vf_state;
	u64			vf_joins;
	u64			vf_leaves;
	u64			vf_ups;
	u64			vf_downs;
	u64			last_change;	/* CLOCK_BOOTTIME, ns */
	u64			slow_ns;	/* closed periods without a usable VF */
	u64			slow_since;	/* start of the open period, 0 if none */
	u64			last_slow_ns;	/* length of the last closed period */
	struct rcu_head		rcu;
};

/* nic.c */
int azlxnet_nic_init(void);
void azlxnet_nic_exit(void);
void azlxnet_nic_rescan(void);
struct azlxnet_nic *azlxnet_nic_find(const struct net *net, int ifindex);
struct azlxnet_nic *azlxnet_nic_next(const struct net *net, struct azlxnet_nic *nic);
u64 azlxnet_nic_slow_ns(const struct azlxnet_nic *nic, u64 now);
u64 azlxnet_nic_last_slow_ns(const struct azlxnet_nic *nic, u64 now);
int azlxnet_nic_tx_ifindex_rcu(const struct azlxnet_nic *nic);
extern unsigned int azlxnet_nic_gen;

/* netlink.c */
int azlxnet_nl_init(void);
void azlxnet_nl_exit(void);
void azlxnet_nl_nic_notify(struct azlxnet_nic *nic, u8 cmd);

/* kfunc.c; the kfuncs themselves are called from BPF programs only */
int azlxnet_kfunc_init(void);
u32 bpf_azlxnet_api_version(void);
s32 bpf_azlxnet_tx_ifindex(struct __sk_buff *skb_ctx, u32 ifindex);
int bpf_azlxkit_redirect(struct __sk_buff *skb_ctx, u32 ifindex, u64 flags);

/* kit.c: the azlxkit device pair (rtnetlink link kind "azlxkit") */
int azlxkit_init(void);
void azlxkit_exit(void);
struct bpf_prog;
struct net_device *azlxkit_prog_dev(struct net *net, u32 ifindex,
				    const struct nlattr *attr, struct netlink_ext_ack *extack);
int azlxkit_prog_id(struct net_device *dev, u32 end);
struct sk_buff;
int azlxkit_redirect_record(const struct sk_buff *skb, u32 ifindex, u64 flags);
int azlxkit_prog_replace(struct net_device *dev, u32 end, struct bpf_prog *prog,
			 const struct nlattr *expected, struct netlink_ext_ack *extack);

#endif /* _AZLXNET_H */
