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
 * leaves the verdict to it (TC_ACT_UNSPEC), the end's policy decides.
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
#include <linux/skbuff.h>
#include <net/net_namespace.h>
#include <net/pkt_cls.h>
#include <net/rtnetlink.h>

#include <uapi/linux/azlxkit.h>

#include "azlxnet.h"
#include "compat.h"

struct azlxkit {
	/* fast path */
	struct net_device __rcu	*peer;
	struct bpf_prog __rcu	*prog;		/* written under RTNL */
	u32			policy;		/* enum azlxkit_action, READ_ONCE */

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

/* The program's verdict, as the end's policy when it leaves it open. */
static u32 azlxkit_run(const struct bpf_prog *prog, struct sk_buff *skb, u32 policy)
{
	struct azlxnet_bpf_net_ctx ctx;
	void *set;
	int ret;

	set = azlxnet_bpf_net_ctx_set(&ctx);
	bpf_compute_data_pointers(skb);
	ret = bpf_prog_run(prog, skb);
	azlxnet_bpf_net_ctx_clear(set);

	switch (ret) {
	case TC_ACT_UNSPEC:
		return policy;
	case TC_ACT_OK:
		return AZLXKIT_PASS;
	default:
		/* TC_ACT_SHOT; redirects are not supported yet */
		return AZLXKIT_DROP;
	}
}

static netdev_tx_t azlxkit_xmit(struct sk_buff *skb, struct net_device *dev)
{
	struct azlxkit *kit = azlxkit_priv(dev);
	u32 verdict = READ_ONCE(kit->policy);
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
		verdict = azlxkit_run(prog, skb, verdict);
		/* the program may have shrunk the packet */
		if (unlikely(!pskb_may_pull(skb, ETH_HLEN)))
			goto drop;
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
	return azlxnet_netdev_tstats_init(dev);
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

static const struct ethtool_ops azlxkit_ethtool_ops = {
	.get_drvinfo		= azlxkit_get_drvinfo,
	.get_link		= ethtool_op_get_link,
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
