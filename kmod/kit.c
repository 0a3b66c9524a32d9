// SPDX-License-Identifier: GPL-2.0-only
/*
 * azlxkit: a pod network device pair, for kernels without netkit.
 *
 * The primary stays in the host's namespace, the peer goes into the pod's.
 * Each end's transmit hands the packet straight to the other end's receive
 * (one backlog hop, as veth and netkit do); no qdisc, no lock: the peer is
 * an RCU pointer tested on every packet, statistics are per CPU. Each end
 * runs its tc (SCHED_CLS) program there, an RCU pointer too, replaced
 * under RTNL through the generic netlink family; without one, or when it
 * leaves the verdict to it (TC_ACT_UNSPEC), the end's policy decides. A
 * program redirects through the kfunc bpf_azlxkit_redirect(), acted on
 * here once it has returned: into another pair's pod, or to any other
 * device's egress.
 *
 * A pair lives and dies as one: deleting either end, the namespace of
 * either end or the module (rtnl_link_unregister) deletes both.
 * See Documentation/azlxkit.rst.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/capability.h>
#include <linux/bpf.h>
#include <linux/etherdevice.h>
#include <linux/ethtool.h>
#include <linux/filter.h>
#include <linux/netdevice.h>
#include <linux/percpu.h>
#include <linux/skbuff.h>
#include <linux/u64_stats_sync.h>
#include <net/net_namespace.h>
#include <net/pkt_cls.h>
#include <net/rtnetlink.h>

#include <uapi/linux/azlxkit.h>

#include "azlxnet.h"
#include "compat.h"

/* A program's redirect verdict (TC_ACT_REDIRECT), beside enum azlxkit_action */
#define AZLXKIT_REDIRECT	TC_ACT_REDIRECT

/* What became of the redirects of one end's program: ethtool -S. */
enum azlxkit_stat {
	AZLXKIT_STAT_REDIRECT_POD,	/* into another pair's pod */
	AZLXKIT_STAT_REDIRECT_XMIT,	/* to another device's egress */
	AZLXKIT_STAT_REDIRECT_ERR,	/* dropped: no usable target */

	AZLXKIT_NSTATS
};

static const char azlxkit_stat_names[AZLXKIT_NSTATS][ETH_GSTRING_LEN] = {
	[AZLXKIT_STAT_REDIRECT_POD]	= "redirect_pod",
	[AZLXKIT_STAT_REDIRECT_XMIT]	= "redirect_xmit",
	[AZLXKIT_STAT_REDIRECT_ERR]	= "redirect_errors",
};

struct azlxkit_stats {
	u64_stats_t		ctr[AZLXKIT_NSTATS];
	struct u64_stats_sync	syncp;
};

struct azlxkit {
	/* fast path */
	struct net_device __rcu	*peer;
	struct bpf_prog __rcu	*prog;		/* written under RTNL */
	u32			policy;		/* enum azlxkit_action, READ_ONCE */
	struct azlxkit_stats __percpu *stats;

	/* slow path: RTNL */
	enum azlxkit_mode	mode;
	bool			primary;
	int			headroom;	/* what the stack asked of this end */
};

static struct rtnl_link_ops azlxkit_link_ops;

static struct azlxkit *azlxkit_priv(const struct net_device *dev)
{
	return netdev_priv(dev);
}

/*
 * Makes a packet sent on one end look received on @peer, as veth's
 * __dev_forward_skb() does once its checks have passed. Crossing
 * namespaces clears what belongs to the sender's (mark, priority, the EDT
 * timestamp); the socket stays attached until the receiving stack orphans
 * it. The program sees the packet so, from its Ethernet header on, with
 * skb->dev the receiving end (as netkit's programs do).
 */
static void azlxkit_scrub(struct sk_buff *skb, struct net_device *peer, bool xnet)
{
	skb_scrub_packet(skb, xnet);
	if (xnet)
		skb->priority = 0;
	skb->dev = peer;
}

/*
 * A redirect the running program asked for with bpf_azlxkit_redirect(),
 * acted on once the program has returned. The innermost program run on
 * this CPU owns the slot; transmit runs with bottom halves off, so nothing
 * else runs a program on this CPU meanwhile, except what the program
 * itself transmits (bpf_clone_redirect()): the skb tells the runs apart.
 */
struct azlxkit_redirect {
	const struct sk_buff	*skb;
	u32			ifindex;
	bool			set;
};

static DEFINE_PER_CPU(struct azlxkit_redirect *, azlxkit_redirect_slot);

/**
 * azlxkit_redirect_record - record the running program's redirect
 * @skb: the program's packet
 * @ifindex: the target, in the network namespace of @skb's device
 * @flags: none defined yet: must be 0
 *
 * Called by the kfunc bpf_azlxkit_redirect(). Records only: the target is
 * looked up and checked when the program has returned.
 *
 * Return: TC_ACT_REDIRECT, or TC_ACT_SHOT for unknown @flags or outside
 * an azlxkit end's program.
 */
int azlxkit_redirect_record(const struct sk_buff *skb, u32 ifindex, u64 flags)
{
	struct azlxkit_redirect *rd = this_cpu_read(azlxkit_redirect_slot);

	if (unlikely(!rd || rd->skb != skb || flags))
		return TC_ACT_SHOT;
	rd->ifindex = ifindex;
	rd->set = true;
	return TC_ACT_REDIRECT;
}

/*
 * The program's verdict, as the end's policy when it leaves it open;
 * AZLXKIT_REDIRECT with @rd filled in when it redirected through the
 * kfunc, AZLXKIT_REDIRECT with @rd unset when it returned TC_ACT_REDIRECT
 * without (bpf_redirect() cannot be acted on here).
 */
static u32 azlxkit_run(const struct bpf_prog *prog, struct sk_buff *skb, u32 policy,
		       struct azlxkit_redirect *rd)
{
	struct azlxnet_bpf_net_ctx ctx;
	struct azlxkit_redirect *prev;
	void *set;
	int ret;

	rd->skb = skb;
	rd->set = false;
	prev = this_cpu_read(azlxkit_redirect_slot);
	this_cpu_write(azlxkit_redirect_slot, rd);
	set = azlxnet_bpf_net_ctx_set(&ctx);
	bpf_compute_data_pointers(skb);
	ret = bpf_prog_run(prog, skb);
	azlxnet_bpf_net_ctx_clear(set);
	this_cpu_write(azlxkit_redirect_slot, prev);

	switch (ret) {
	case TC_ACT_UNSPEC:
		return policy;
	case TC_ACT_OK:
		return AZLXKIT_PASS;
	case TC_ACT_REDIRECT:
		return AZLXKIT_REDIRECT;
	default:
		return AZLXKIT_DROP;
	}
}

static void azlxkit_stats_inc(struct net_device *dev, enum azlxkit_stat stat)
{
	struct azlxkit_stats *stats = this_cpu_ptr(azlxkit_priv(dev)->stats);

	u64_stats_update_begin(&stats->syncp);
	u64_stats_inc(&stats->ctr[stat]);
	u64_stats_update_end(&stats->syncp);
}

/*
 * Delivers @skb into the pod of the pair whose primary is @target, as the
 * target's primary would after its program passed it: straight to the
 * target's peer's receive, one backlog hop in all. Neither the target
 * primary's program nor its policy see the packet (as with
 * bpf_redirect_peer() into a netkit pod). RCU.
 */
static bool azlxkit_redirect_pod(struct net_device *dev, struct sk_buff *skb,
				 struct net_device *target, unsigned int len)
{
	struct net_device *peer = rcu_dereference(azlxkit_priv(target)->peer);

	if (unlikely(!peer || !is_skb_forwardable(peer, skb)))
		return false;
	azlxkit_scrub(skb, peer, !net_eq(dev_net(dev), dev_net(peer)));
	skb->protocol = eth_type_trans(skb, peer);
	skb_postpull_rcsum(skb, eth_hdr(skb), ETH_HLEN);
	if (likely(__netif_rx(skb) == NET_RX_SUCCESS)) {
		dev_sw_netstats_tx_add(dev, 1, len);
		dev_sw_netstats_rx_add(peer, len);
		azlxkit_stats_inc(dev, AZLXKIT_STAT_REDIRECT_POD);
	} else {
		dev_core_stats_tx_dropped_inc(dev);
	}
	return true;
}

/*
 * Acts on a redirect to @ifindex, looked up in the namespace of the
 * packet's device (the receiving end), as bpf_redirect() does: another
 * pair's primary means that pair's pod; any other device, its egress,
 * with the socket still attached (TCP small queues, fq's EDT pacing).
 * Consumes @skb. RCU, bottom halves off.
 */
static void azlxkit_redirect(struct net_device *dev, struct sk_buff *skb,
			     const struct azlxkit_redirect *rd, unsigned int len)
{
	struct net_device *target;

	if (unlikely(!rd->set))
		goto drop;
	target = dev_get_by_index_rcu(dev_net(skb->dev), rd->ifindex);
	if (unlikely(!target || !(target->flags & IFF_UP)))
		goto drop;
	if (target->rtnl_link_ops == &azlxkit_link_ops && azlxkit_priv(target)->primary) {
		if (likely(azlxkit_redirect_pod(dev, skb, target, len)))
			return;
		goto drop;
	}
	if (unlikely(!is_skb_forwardable(target, skb)))
		goto drop;
	/*
	 * Scrubbed already for the target's namespace (the receiving end's),
	 * before the program ran: what the program set (a tunnel key, the
	 * mark) stays. As bpf_redirect(): only an EDT (monotonic) timestamp
	 * goes on.
	 */
	skb->dev = target;
	skb_clear_tstamp(skb);
	dev_sw_netstats_tx_add(dev, 1, len);
	azlxkit_stats_inc(dev, AZLXKIT_STAT_REDIRECT_XMIT);
	/* the target counts its own drops; the core bounds recursion */
	dev_queue_xmit(skb);
	return;

drop:
	azlxkit_stats_inc(dev, AZLXKIT_STAT_REDIRECT_ERR);
	dev_core_stats_tx_dropped_inc(dev);
	kfree_skb(skb);
}

static netdev_tx_t azlxkit_xmit(struct sk_buff *skb, struct net_device *dev)
{
	struct azlxkit *kit = azlxkit_priv(dev);
	u32 verdict = READ_ONCE(kit->policy);
	struct azlxkit_redirect rd;
	const struct bpf_prog *prog;
	unsigned int len = skb->len;
	struct net_device *peer;

	rcu_read_lock();
	peer = rcu_dereference(kit->peer);
	/* is_skb_forwardable(): the peer is up and the packet fits its MTU */
	if (unlikely(!peer || !is_skb_forwardable(peer, skb) ||
		     !pskb_may_pull(skb, ETH_HLEN) ||
		     skb_orphan_frags(skb, GFP_ATOMIC)))
		goto drop;

	azlxkit_scrub(skb, peer, !net_eq(dev_net(dev), dev_net(peer)));
	prog = rcu_dereference(kit->prog);
	if (prog) {
		verdict = azlxkit_run(prog, skb, verdict, &rd);
		/* the program may have shrunk the packet */
		if (unlikely(!pskb_may_pull(skb, ETH_HLEN)))
			goto drop;
		if (verdict == AZLXKIT_REDIRECT) {
			azlxkit_redirect(dev, skb, &rd, len);
			rcu_read_unlock();
			return NETDEV_TX_OK;
		}
	}
	if (verdict != AZLXKIT_PASS)
		goto drop;

	skb->protocol = eth_type_trans(skb, peer);
	skb_postpull_rcsum(skb, eth_hdr(skb), ETH_HLEN);
	if (likely(__netif_rx(skb) == NET_RX_SUCCESS)) {
		dev_sw_netstats_tx_add(dev, 1, len);
		dev_sw_netstats_rx_add(peer, len);
	} else {
		/* the backlog is full: __netif_rx() freed the packet */
		dev_core_stats_tx_dropped_inc(dev);
	}
	rcu_read_unlock();
	return NETDEV_TX_OK;

drop:
	rcu_read_unlock();
	dev_core_stats_tx_dropped_inc(dev);
	kfree_skb(skb);
	return NETDEV_TX_OK;
}

/* Carrier: both ends have it while both are up. */
static int azlxkit_open(struct net_device *dev)
{
	struct azlxkit *kit = azlxkit_priv(dev);
	struct net_device *peer = rtnl_dereference(kit->peer);

	if (!peer)
		return -ENOTCONN;
	if (peer->flags & IFF_UP) {
		netif_carrier_on(dev);
		netif_carrier_on(peer);
	}
	return 0;
}

static int azlxkit_stop(struct net_device *dev)
{
	struct azlxkit *kit = azlxkit_priv(dev);
	struct net_device *peer = rtnl_dereference(kit->peer);

	netif_carrier_off(dev);
	if (peer)
		netif_carrier_off(peer);
	return 0;
}

static int azlxkit_dev_init(struct net_device *dev)
{
	struct azlxkit *kit = azlxkit_priv(dev);
	int err;

	err = azlxnet_netdev_tstats_init(dev);
	if (err)
		return err;
	kit->stats = netdev_alloc_pcpu_stats(struct azlxkit_stats);
	if (!kit->stats) {
		/* a failed ndo_init is not followed by the destructor */
		azlxnet_netdev_tstats_free(dev);
		return -ENOMEM;
	}
	return 0;
}

/* Both ends are past their last transmit: unregistering synchronized. */
static void azlxkit_dev_uninit(struct net_device *dev)
{
	struct bpf_prog *prog = rtnl_dereference(azlxkit_priv(dev)->prog);

	if (prog) {
		RCU_INIT_POINTER(azlxkit_priv(dev)->prog, NULL);
		bpf_prog_put(prog);
	}
}

static void azlxkit_dev_free(struct net_device *dev)
{
	free_percpu(azlxkit_priv(dev)->stats);
	azlxnet_netdev_tstats_free(dev);
}

static int azlxkit_get_iflink(const struct net_device *dev)
{
	struct azlxkit *kit = azlxkit_priv(dev);
	struct net_device *peer;
	int iflink = 0;

	rcu_read_lock();
	peer = rcu_dereference(kit->peer);
	if (peer)
		iflink = READ_ONCE(peer->ifindex);
	rcu_read_unlock();
	return iflink;
}

/* For bpf_redirect_peer() from the primary's tc ingress. RCU. */
static struct net_device *azlxkit_get_peer_dev(struct net_device *dev)
{
	return rcu_dereference(azlxkit_priv(dev)->peer);
}

static void azlxkit_set_rx_mode(struct net_device *dev)
{
	/* every packet the other end sends is for us: nothing to filter */
}

static int azlxkit_set_mac_address(struct net_device *dev, void *addr)
{
	if (azlxkit_priv(dev)->mode != AZLXKIT_L2)
		return -EOPNOTSUPP;
	return eth_mac_addr(dev, addr);
}

/*
 * A packet is built once, on the sending end: both ends need the larger
 * of the headrooms the stack asked of either. A negative @headroom resets
 * this end's request.
 */
static void azlxkit_set_rx_headroom(struct net_device *dev, int headroom)
{
	struct azlxkit *kit = azlxkit_priv(dev);
	struct net_device *peer;

	kit->headroom = headroom < 0 ? NET_SKB_PAD : headroom;
	rcu_read_lock();
	peer = rcu_dereference(kit->peer);
	if (peer) {
		headroom = max(kit->headroom, azlxkit_priv(peer)->headroom);
		peer->needed_headroom = headroom;
		dev->needed_headroom = headroom;
	}
	rcu_read_unlock();
}

static void azlxkit_get_stats64(struct net_device *dev, struct rtnl_link_stats64 *stats)
{
	/* the core adds its own drop counters (tx_dropped) to these */
	dev_fetch_sw_netstats(stats, dev->tstats);
}

static const struct net_device_ops azlxkit_netdev_ops = {
	.ndo_init		= azlxkit_dev_init,
	.ndo_uninit		= azlxkit_dev_uninit,
	.ndo_open		= azlxkit_open,
	.ndo_stop		= azlxkit_stop,
	.ndo_start_xmit		= azlxkit_xmit,
	.ndo_set_rx_mode	= azlxkit_set_rx_mode,
	.ndo_set_mac_address	= azlxkit_set_mac_address,
	.ndo_set_rx_headroom	= azlxkit_set_rx_headroom,
	.ndo_get_stats64	= azlxkit_get_stats64,
	.ndo_get_iflink		= azlxkit_get_iflink,
	.ndo_get_peer_dev	= azlxkit_get_peer_dev,
	.ndo_features_check	= passthru_features_check,
};

static void azlxkit_get_drvinfo(struct net_device *dev, struct ethtool_drvinfo *info)
{
	strscpy(info->driver, AZLXKIT_KIND, sizeof(info->driver));
	strscpy(info->version, AZLXNET_VERSION, sizeof(info->version));
}

static int azlxkit_get_sset_count(struct net_device *dev, int sset)
{
	return sset == ETH_SS_STATS ? AZLXKIT_NSTATS : -EOPNOTSUPP;
}

static void azlxkit_get_strings(struct net_device *dev, u32 sset, u8 *data)
{
	if (sset == ETH_SS_STATS)
		memcpy(data, azlxkit_stat_names, sizeof(azlxkit_stat_names));
}

static void azlxkit_get_ethtool_stats(struct net_device *dev, struct ethtool_stats *es,
				      u64 *data)
{
	struct azlxkit *kit = azlxkit_priv(dev);
	const struct azlxkit_stats *stats;
	u64 ctr[AZLXKIT_NSTATS];
	unsigned int start;
	int cpu, i;

	memset(data, 0, sizeof(ctr));
	for_each_possible_cpu(cpu) {
		stats = per_cpu_ptr(kit->stats, cpu);
		do {
			start = u64_stats_fetch_begin(&stats->syncp);
			for (i = 0; i < AZLXKIT_NSTATS; i++)
				ctr[i] = u64_stats_read(&stats->ctr[i]);
		} while (u64_stats_fetch_retry(&stats->syncp, start));
		for (i = 0; i < AZLXKIT_NSTATS; i++)
			data[i] += ctr[i];
	}
}

static const struct ethtool_ops azlxkit_ethtool_ops = {
	.get_drvinfo		= azlxkit_get_drvinfo,
	.get_link		= ethtool_op_get_link,
	.get_sset_count		= azlxkit_get_sset_count,
	.get_strings		= azlxkit_get_strings,
	.get_ethtool_stats	= azlxkit_get_ethtool_stats,
};

#define AZLXKIT_FEATURES_VLAN	(NETIF_F_HW_VLAN_CTAG_TX | NETIF_F_HW_VLAN_CTAG_RX | \
				 NETIF_F_HW_VLAN_STAG_TX | NETIF_F_HW_VLAN_STAG_RX)
/*
 * Nothing is ever computed or segmented on the way: checksums stay
 * partial and GSO packets (64 KiB TSO) reach the other end whole.
 */
#define AZLXKIT_FEATURES	(NETIF_F_SG | NETIF_F_FRAGLIST | NETIF_F_HW_CSUM | \
				 NETIF_F_RXCSUM | NETIF_F_SCTP_CRC | NETIF_F_HIGHDMA | \
				 NETIF_F_GSO_SOFTWARE | NETIF_F_GSO_ENCAP_ALL | \
				 AZLXKIT_FEATURES_VLAN)

static void azlxkit_setup(struct net_device *dev)
{
	ether_setup(dev);
	dev->min_mtu = ETH_MIN_MTU;
	dev->max_mtu = ETH_MAX_MTU;

	/* L3 until newlink says L2 */
	dev->flags |= IFF_NOARP;
	dev->priv_flags &= ~IFF_TX_SKB_SHARING;
	dev->priv_flags |= IFF_LIVE_ADDR_CHANGE | IFF_PHONY_HEADROOM | IFF_NO_QUEUE |
			   IFF_DISABLE_NETPOLL;
	azlxnet_netdev_set_lltx(dev);
	azlxnet_netdev_tstats_setup(dev);

	dev->netdev_ops = &azlxkit_netdev_ops;
	dev->ethtool_ops = &azlxkit_ethtool_ops;
	dev->features |= AZLXKIT_FEATURES;
	dev->hw_features = AZLXKIT_FEATURES;
	dev->hw_enc_features = AZLXKIT_FEATURES;
	dev->mpls_features = NETIF_F_HW_CSUM | NETIF_F_GSO_SOFTWARE;
	dev->vlan_features = dev->features & ~AZLXKIT_FEATURES_VLAN;
	netif_set_tso_max_size(dev, GSO_MAX_SIZE);

	dev->needs_free_netdev = true;
	dev->priv_destructor = azlxkit_dev_free;
}

static int azlxkit_check_policy(const struct nlattr *attr, u32 *policy,
				struct netlink_ext_ack *extack)
{
	*policy = nla_get_u32(attr);
	switch (*policy) {
	case AZLXKIT_PASS:
	case AZLXKIT_DROP:
		return 0;
	}
	NL_SET_ERR_MSG_ATTR(extack, attr, "azlxkit policy must be pass (0) or drop (2)");
	return -EINVAL;
}

static int azlxkit_validate(struct nlattr *tb[], struct nlattr *data[],
			    struct netlink_ext_ack *extack)
{
	const struct nlattr *attr = tb[IFLA_ADDRESS];

	if (!attr)
		return 0;
	if (nla_len(attr) != ETH_ALEN) {
		NL_SET_ERR_MSG_ATTR(extack, attr, "azlxkit address must be 6 bytes");
		return -EINVAL;
	}
	if (!is_valid_ether_addr(nla_data(attr))) {
		NL_SET_ERR_MSG_ATTR(extack, attr, "azlxkit address must be a unicast address");
		return -EADDRNOTAVAIL;
	}
	return 0;
}

/*
 * Registers one end, named @ifname unless the caller named @dev already,
 * with its mode, policy and (L2) an address.
 */
static int azlxkit_register(struct net_device *dev, enum azlxkit_mode mode, u32 policy,
			    bool primary, bool has_addr)
{
	struct azlxkit *kit = azlxkit_priv(dev);
	int err;

	kit->mode = mode;
	kit->policy = policy;
	kit->primary = primary;
	kit->headroom = NET_SKB_PAD;
	if (mode == AZLXKIT_L2 && !has_addr)
		eth_hw_addr_random(dev);

	err = register_netdevice(dev);
	if (err)
		return err;
	netif_carrier_off(dev);
	if (mode == AZLXKIT_L2)
		dev_change_flags(dev, dev->flags & ~IFF_NOARP, NULL);
	return 0;
}

static int azlxkit_newlink(struct net *src_net, struct net_device *dev,
			   struct nlattr *tb[], struct nlattr *data[],
			   struct netlink_ext_ack *extack)
{
	struct nlattr *peer_tb[IFLA_MAX + 1], **ptb = tb;
	enum azlxkit_mode mode = AZLXKIT_L3;
	u32 policy_peer = AZLXKIT_PASS;
	u32 policy = AZLXKIT_PASS;
	struct ifinfomsg *ifmp = NULL;
	unsigned char name_type;
	struct net_device *peer;
	char ifname[IFNAMSIZ];
	struct net *net;
	int err;

	if (data && data[IFLA_AZLXKIT_MODE])
		mode = nla_get_u32(data[IFLA_AZLXKIT_MODE]);
	if (data && data[IFLA_AZLXKIT_POLICY]) {
		err = azlxkit_check_policy(data[IFLA_AZLXKIT_POLICY], &policy, extack);
		if (err)
			return err;
	}
	if (data && data[IFLA_AZLXKIT_PEER_POLICY]) {
		err = azlxkit_check_policy(data[IFLA_AZLXKIT_PEER_POLICY], &policy_peer,
					   extack);
		if (err)
			return err;
	}
	if (data && data[IFLA_AZLXKIT_PEER_INFO]) {
		ifmp = nla_data(data[IFLA_AZLXKIT_PEER_INFO]);
		err = rtnl_nla_parse_ifinfomsg(peer_tb, data[IFLA_AZLXKIT_PEER_INFO], extack);
		if (err)
			return err;
		err = azlxkit_validate(peer_tb, NULL, extack);
		if (err)
			return err;
		ptb = peer_tb;
	}
	if (mode != AZLXKIT_L2 && (tb[IFLA_ADDRESS] || (ifmp && ptb[IFLA_ADDRESS]))) {
		NL_SET_ERR_MSG(extack, "azlxkit L3 devices have no address to set");
		return -EOPNOTSUPP;
	}

	if (ifmp && ptb[IFLA_IFNAME]) {
		nla_strscpy(ifname, ptb[IFLA_IFNAME], IFNAMSIZ);
		name_type = NET_NAME_USER;
	} else {
		strscpy(ifname, AZLXKIT_KIND "%d", IFNAMSIZ);
		name_type = NET_NAME_ENUM;
	}

	/*
	 * The peer's namespace (IFLA_NET_NS_PID/FD of the peer). The core
	 * checked CAP_NET_ADMIN in the primary's only.
	 */
	net = rtnl_link_get_net(src_net, ptb);
	if (IS_ERR(net)) {
		NL_SET_ERR_MSG(extack, "azlxkit peer namespace not found");
		return PTR_ERR(net);
	}
	if (!ns_capable(net->user_ns, CAP_NET_ADMIN)) {
		put_net(net);
		NL_SET_ERR_MSG(extack, "azlxkit peer namespace needs CAP_NET_ADMIN");
		return -EPERM;
	}

	peer = rtnl_create_link(net, ifname, name_type, &azlxkit_link_ops, ptb, extack);
	if (IS_ERR(peer)) {
		put_net(net);
		return PTR_ERR(peer);
	}
	if (ifmp && dev->ifindex)
		peer->ifindex = ifmp->ifi_index;
	netif_inherit_tso_max(peer, dev);

	err = azlxkit_register(peer, mode, policy_peer, false, ifmp && ptb[IFLA_ADDRESS]);
	put_net(net);
	if (err)
		goto err_free_peer;
	/*
	 * Not ifmp: bringing the peer up is the pod's business, and it
	 * cannot open before it is paired.
	 */
	err = rtnl_configure_link(peer, NULL, 0, NULL);
	if (err)
		goto err_unregister_peer;

	if (tb[IFLA_IFNAME])
		nla_strscpy(dev->name, tb[IFLA_IFNAME], IFNAMSIZ);
	else
		strscpy(dev->name, AZLXKIT_KIND "%d", IFNAMSIZ);
	err = azlxkit_register(dev, mode, policy, true, tb[IFLA_ADDRESS]);
	if (err)
		goto err_unregister_peer;

	rcu_assign_pointer(azlxkit_priv(dev)->peer, peer);
	rcu_assign_pointer(azlxkit_priv(peer)->peer, dev);
	return 0;

err_unregister_peer:
	unregister_netdevice(peer);
	return err;
err_free_peer:
	free_netdev(peer);
	return err;
}

/*
 * Either end goes, both go: called for RTM_DELLINK, for the devices of a
 * namespace that exits, and for every device at rtnl_link_unregister().
 * Both ends are freed an RCU grace period after unregistering, so a
 * transmit that still sees the old peer pointer is safe.
 */
static void azlxkit_dellink(struct net_device *dev, struct list_head *head)
{
	struct azlxkit *kit = azlxkit_priv(dev);
	struct net_device *peer = rtnl_dereference(kit->peer);

	RCU_INIT_POINTER(kit->peer, NULL);
	unregister_netdevice_queue(dev, head);
	if (peer) {
		RCU_INIT_POINTER(azlxkit_priv(peer)->peer, NULL);
		unregister_netdevice_queue(peer, head);
	}
}

/* Only the primary's side may change, so a pod cannot undo a drop policy. */
static int azlxkit_changelink(struct net_device *dev, struct nlattr *tb[],
			      struct nlattr *data[], struct netlink_ext_ack *extack)
{
	struct azlxkit *kit = azlxkit_priv(dev);
	struct net_device *peer = rtnl_dereference(kit->peer);
	u32 policy = 0, policy_peer = 0;
	int err;

	if (!data)
		return 0;
	if (!kit->primary) {
		NL_SET_ERR_MSG(extack, "azlxkit settings change through the primary only");
		return -EPERM;
	}
	if (data[IFLA_AZLXKIT_MODE]) {
		NL_SET_ERR_MSG_ATTR(extack, data[IFLA_AZLXKIT_MODE],
				    "azlxkit mode is fixed at creation");
		return -EOPNOTSUPP;
	}
	if (data[IFLA_AZLXKIT_PEER_INFO]) {
		NL_SET_ERR_MSG_ATTR(extack, data[IFLA_AZLXKIT_PEER_INFO],
				    "azlxkit peer is fixed at creation");
		return -EOPNOTSUPP;
	}
	if (data[IFLA_AZLXKIT_POLICY]) {
		err = azlxkit_check_policy(data[IFLA_AZLXKIT_POLICY], &policy, extack);
		if (err)
			return err;
	}
	if (data[IFLA_AZLXKIT_PEER_POLICY]) {
		if (!peer) {
			NL_SET_ERR_MSG_ATTR(extack, data[IFLA_AZLXKIT_PEER_POLICY],
					    "azlxkit peer is gone");
			return -ENODEV;
		}
		err = azlxkit_check_policy(data[IFLA_AZLXKIT_PEER_POLICY], &policy_peer,
					   extack);
		if (err)
			return err;
	}

	/* all checked: apply both or nothing */
	if (data[IFLA_AZLXKIT_POLICY])
		WRITE_ONCE(kit->policy, policy);
	if (data[IFLA_AZLXKIT_PEER_POLICY])
		WRITE_ONCE(azlxkit_priv(peer)->policy, policy_peer);
	return 0;
}

/* The peer's namespace: IFLA_LINK_NETNSID, so "ip link" shows "@ifN". */
static struct net *azlxkit_get_link_net(const struct net_device *dev)
{
	struct net_device *peer = rtnl_dereference(azlxkit_priv(dev)->peer);

	return peer ? dev_net(peer) : dev_net(dev);
}

static size_t azlxkit_get_size(const struct net_device *dev)
{
	return nla_total_size(sizeof(u8)) +	/* IFLA_AZLXKIT_PRIMARY */
	       nla_total_size(sizeof(u32)) +	/* IFLA_AZLXKIT_MODE */
	       nla_total_size(sizeof(u32)) +	/* IFLA_AZLXKIT_POLICY */
	       nla_total_size(sizeof(u32));	/* IFLA_AZLXKIT_PEER_POLICY */
}

static int azlxkit_fill_info(struct sk_buff *skb, const struct net_device *dev)
{
	struct azlxkit *kit = azlxkit_priv(dev);
	struct net_device *peer = rtnl_dereference(kit->peer);

	if (nla_put_u8(skb, IFLA_AZLXKIT_PRIMARY, kit->primary) ||
	    nla_put_u32(skb, IFLA_AZLXKIT_MODE, kit->mode) ||
	    nla_put_u32(skb, IFLA_AZLXKIT_POLICY, READ_ONCE(kit->policy)))
		return -EMSGSIZE;
	if (peer && nla_put_u32(skb, IFLA_AZLXKIT_PEER_POLICY,
				READ_ONCE(azlxkit_priv(peer)->policy)))
		return -EMSGSIZE;
	return 0;
}

static const struct nla_policy azlxkit_policy[IFLA_AZLXKIT_MAX + 1] = {
	[IFLA_AZLXKIT_PEER_INFO]	= { .len = sizeof(struct ifinfomsg) },
	[IFLA_AZLXKIT_PRIMARY]		= { .type = NLA_REJECT,
					    .reject_message = "azlxkit primary is read only" },
	[IFLA_AZLXKIT_MODE]		= NLA_POLICY_MAX(NLA_U32, AZLXKIT_L3),
	[IFLA_AZLXKIT_POLICY]		= { .type = NLA_U32 },
	[IFLA_AZLXKIT_PEER_POLICY]	= { .type = NLA_U32 },
};

static struct rtnl_link_ops azlxkit_link_ops = {
	.kind		= AZLXKIT_KIND,
	.priv_size	= sizeof(struct azlxkit),
	.setup		= azlxkit_setup,
	.validate	= azlxkit_validate,
	.newlink	= azlxkit_newlink,
	.changelink	= azlxkit_changelink,
	.dellink	= azlxkit_dellink,
	.get_link_net	= azlxkit_get_link_net,
	.get_size	= azlxkit_get_size,
	.fill_info	= azlxkit_fill_info,
	.policy		= azlxkit_policy,
	.maxtype	= IFLA_AZLXKIT_MAX,
};

/*
 * The primary of a pair by ifindex in @net, for the generic netlink
 * family: programs are attached through the primary only, so a pod that
 * sees its peer cannot attach to it. RTNL.
 */
struct net_device *azlxkit_prog_dev(struct net *net, u32 ifindex,
				    const struct nlattr *attr, struct netlink_ext_ack *extack)
{
	struct net_device *dev;

	ASSERT_RTNL();
	dev = __dev_get_by_index(net, ifindex);
	if (!dev || dev->rtnl_link_ops != &azlxkit_link_ops) {
		NL_SET_ERR_MSG_ATTR(extack, attr, "no azlxkit device with this ifindex");
		return ERR_PTR(-ENODEV);
	}
	if (!azlxkit_priv(dev)->primary) {
		NL_SET_ERR_MSG_ATTR(extack, attr, "azlxkit programs attach through the primary");
		return ERR_PTR(-EPERM);
	}
	return dev;
}

/* The end of @dev's pair that @end names; NULL once the peer is gone. RTNL. */
static struct net_device *azlxkit_end(struct net_device *dev, u32 end)
{
	return end == AZLXNET_KIT_END_PEER ? rtnl_dereference(azlxkit_priv(dev)->peer) : dev;
}

/* ID of the program of @end of @dev's pair, 0 if none; -ENODEV. RTNL. */
int azlxkit_prog_id(struct net_device *dev, u32 end)
{
	struct bpf_prog *prog;

	dev = azlxkit_end(dev, end);
	if (!dev)
		return -ENODEV;
	prog = rtnl_dereference(azlxkit_priv(dev)->prog);
	return prog ? prog->aux->id : 0;
}

/*
 * Makes @prog (NULL: none) the program of @end of @dev's pair, if
 * @expected (when given) is the ID of the one attached now (0: none). The
 * old program is put: its memory goes an RCU grace period later, so a
 * transmit still running it is safe. Takes over the caller's reference to
 * @prog on success. RTNL.
 */
int azlxkit_prog_replace(struct net_device *dev, u32 end, struct bpf_prog *prog,
			 const struct nlattr *expected, struct netlink_ext_ack *extack)
{
	struct bpf_prog *old;
	struct azlxkit *kit;

	ASSERT_RTNL();
	dev = azlxkit_end(dev, end);
	if (!dev) {
		NL_SET_ERR_MSG(extack, "azlxkit peer is gone");
		return -ENODEV;
	}
	kit = azlxkit_priv(dev);
	old = rtnl_dereference(kit->prog);
	if (expected && nla_get_u32(expected) != (old ? old->aux->id : 0)) {
		NL_SET_ERR_MSG_ATTR(extack, expected, "attached program is not the expected one");
		return -EEXIST;
	}
	if (!prog && !old) {
		NL_SET_ERR_MSG(extack, "no program attached");
		return -ENOENT;
	}
	rcu_assign_pointer(kit->prog, prog);
	if (old)
		bpf_prog_put(old);
	return 0;
}

int azlxkit_init(void)
{
	return rtnl_link_register(&azlxkit_link_ops);
}

/* Deletes every pair, in every namespace. */
void azlxkit_exit(void)
{
	rtnl_link_unregister(&azlxkit_link_ops);
}

MODULE_ALIAS_RTNL_LINK(AZLXKIT_KIND);
