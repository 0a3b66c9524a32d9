// SPDX-License-Identifier: GPL-2.0-only
/*
 * netvsc_sim: a test-only synthetic NIC that treats its VF the way hv_netvsc
 * does, for the azlxnet selftests (never installed).
 *
 *   ip link add NAME [link DEV] address MAC type netvsc_sim
 *
 * - A net device that registers (in any namespace) with the MAC of a
 *   netvsc_sim device that has no VF is claimed as its VF: rx_handler
 *   taken, master upper link, IFF_SLAVE (hv_netvsc's netvsc_vf_join()).
 * - Transmit goes to the VF while it is running, present and has carrier,
 *   checked per packet; otherwise the packet takes the "synthetic path":
 *   counted in this device's tx counters and consumed, or, with "link DEV",
 *   sent on DEV (the VMBus path to the host's switch). The VF's own
 *   counters count what went through it.
 * - With "link DEV", frames received on DEV are this device's (as frames
 *   received on the VF are): the synthetic path works both ways. DEV is
 *   let go when it unregisters.
 * - The VF is released when it unregisters (also on a namespace move) and
 *   when this device unregisters.
 * - Namespace moves (module parameter netns_mode):
 *   "follow": as recent 6.1.y and 6.12: once this device has moved, a
 *   delayed work moves the VF after it, vf_move_delay_ms later; a VF that
 *   registers in another namespace than its NIC is moved the same way.
 *   "stay": as older kernels: the VF stays where it is, still linked.
 * - Each device has a parent device bound to the platform driver
 *   "netvsc_sim" (as a hv_netvsc device's parent is bound to hv_netvsc);
 *   ethtool's drvinfo says "netvsc_sim" too and counts its calls in the
 *   read-only parameter drvinfo_calls.
 * - Devices return to the initial namespace when theirs is dismantled, like
 *   a device without rtnl_link_ops.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/etherdevice.h>
#include <linux/ethtool.h>
#include <linux/module.h>
#include <linux/netdevice.h>
#include <linux/platform_device.h>
#include <linux/rtnetlink.h>
#include <linux/workqueue.h>
#include <net/net_namespace.h>
#include <net/rtnetlink.h>

#define NETVSC_SIM_NAME	"netvsc_sim"

enum netvsc_sim_netns_mode {
	NETVSC_SIM_NETNS_FOLLOW,
	NETVSC_SIM_NETNS_STAY,
};

static int netvsc_sim_netns_mode = NETVSC_SIM_NETNS_FOLLOW;
static unsigned int vf_move_delay_ms = 100;
static atomic_t netvsc_sim_drvinfo_calls = ATOMIC_INIT(0);

struct netvsc_sim_priv {
	/* fast path */
	struct net_device __rcu	*vf;
	struct net_device __rcu	*lower;		/* the synthetic path, if any */
	atomic64_t		tx_packets;	/* the synthetic path */
	atomic64_t		tx_bytes;
	atomic64_t		tx_dropped;

	/* slow path: RTNL */
	struct net_device	*dev;
	struct platform_device	*pdev;
	struct list_head	list;
	struct delayed_work	vf_move_work;
};

static LIST_HEAD(netvsc_sim_list);	/* RTNL */

static const struct net_device_ops netvsc_sim_netdev_ops;

static struct netvsc_sim_priv *netvsc_sim_priv(struct net_device *dev)
{
	return netdev_priv(dev);
}

static bool netvsc_sim_is_ours(const struct net_device *dev)
{
	return dev->netdev_ops == &netvsc_sim_netdev_ops;
}

static bool netvsc_sim_vf_usable(const struct net_device *vf)
{
	return netif_running(vf) && netif_device_present(vf) &&
	       netif_carrier_ok(vf);
}

static netdev_tx_t netvsc_sim_xmit(struct sk_buff *skb, struct net_device *dev)
{
	struct netvsc_sim_priv *priv = netvsc_sim_priv(dev);
	struct net_device *vf, *lower;
	unsigned int len = skb->len;

	vf = rcu_dereference_bh(priv->vf);
	if (vf && netvsc_sim_vf_usable(vf)) {
		skb->dev = vf;
		if (dev_queue_xmit(skb) != NET_XMIT_SUCCESS)
			atomic64_inc(&priv->tx_dropped);
		return NETDEV_TX_OK;
	}
	atomic64_inc(&priv->tx_packets);
	atomic64_add(len, &priv->tx_bytes);
	lower = rcu_dereference_bh(priv->lower);
	if (lower && netif_running(lower)) {
		skb->dev = lower;
		if (dev_queue_xmit(skb) != NET_XMIT_SUCCESS)
			atomic64_inc(&priv->tx_dropped);
		return NETDEV_TX_OK;
	}
	consume_skb(skb);
	return NETDEV_TX_OK;
}

static void netvsc_sim_get_stats64(struct net_device *dev,
				   struct rtnl_link_stats64 *stats)
{
	struct netvsc_sim_priv *priv = netvsc_sim_priv(dev);

	stats->tx_packets = atomic64_read(&priv->tx_packets);
	stats->tx_bytes = atomic64_read(&priv->tx_bytes);
	stats->tx_dropped = atomic64_read(&priv->tx_dropped);
}

/* Frames received on the VF belong to the synthetic NIC. */
static rx_handler_result_t netvsc_sim_vf_handle_frame(struct sk_buff **pskb)
{
	struct sk_buff *skb = *pskb;

	skb->dev = rcu_dereference(skb->dev->rx_handler_data);
	return RX_HANDLER_ANOTHER;
}

/*
 * Frames received on the synthetic path's device: the device's own MAC
 * differs from this one's, so eth_type_trans() took frames for this one
 * for another host's.
 */
static rx_handler_result_t netvsc_sim_lower_handle_frame(struct sk_buff **pskb)
{
	struct sk_buff *skb = *pskb;
	struct net_device *dev = rcu_dereference(skb->dev->rx_handler_data);

	if (skb->pkt_type == PACKET_OTHERHOST &&
	    ether_addr_equal(eth_hdr(skb)->h_dest, dev->dev_addr))
		skb->pkt_type = PACKET_HOST;
	skb->dev = dev;
	return RX_HANDLER_ANOTHER;
}

static int netvsc_sim_vf_join(struct netvsc_sim_priv *priv,
			      struct net_device *vf)
{
	int err;

	ASSERT_RTNL();
	err = netdev_rx_handler_register(vf, netvsc_sim_vf_handle_frame,
					 priv->dev);
	if (err) {
		netdev_err(priv->dev, "cannot take the rx_handler of %s: %d\n",
			   vf->name, err);
		return err;
	}
	err = netdev_master_upper_dev_link(vf, priv->dev, NULL, NULL, NULL);
	if (err) {
		netdev_err(priv->dev, "cannot link VF %s: %d\n", vf->name, err);
		netdev_rx_handler_unregister(vf);
		return err;
	}
	vf->flags |= IFF_SLAVE;
	dev_hold(vf);
	rcu_assign_pointer(priv->vf, vf);
	call_netdevice_notifiers(NETDEV_JOIN, vf);
	netdev_info(priv->dev, "VF %s joined\n", vf->name);
	return 0;
}

static void netvsc_sim_vf_release(struct netvsc_sim_priv *priv)
{
	struct net_device *vf = rtnl_dereference(priv->vf);

	if (!vf)
		return;
	netdev_rx_handler_unregister(vf);
	netdev_upper_dev_unlink(vf, priv->dev);
	vf->flags &= ~IFF_SLAVE;
	RCU_INIT_POINTER(priv->vf, NULL);
	netdev_info(priv->dev, "VF %s released\n", vf->name);
	dev_put(vf);
}

/* Let go of the synthetic path's device (RTNL). */
static void netvsc_sim_lower_release(struct netvsc_sim_priv *priv)
{
	struct net_device *lower = rtnl_dereference(priv->lower);

	if (!lower)
		return;
	netdev_rx_handler_unregister(lower);
	RCU_INIT_POINTER(priv->lower, NULL);
	netdev_info(priv->dev, "synthetic path %s released\n", lower->name);
	dev_put(lower);
}

static void netvsc_sim_schedule_vf_move(struct netvsc_sim_priv *priv)
{
	schedule_delayed_work(&priv->vf_move_work,
			      msecs_to_jiffies(READ_ONCE(vf_move_delay_ms)));
}

/* "follow": move the VF, joined or not yet, into this device's namespace. */
static void netvsc_sim_vf_move_work(struct work_struct *work)
{
	struct netvsc_sim_priv *priv =
		container_of(to_delayed_work(work), struct netvsc_sim_priv,
			     vf_move_work);
	struct net_device *vf, *dev = priv->dev;
	int err;

	/* As hv_netvsc: uninit cancels this work under RTNL. */
	if (!rtnl_trylock()) {
		schedule_delayed_work(&priv->vf_move_work, 1);
		return;
	}
	vf = rtnl_dereference(priv->vf);
	if (!vf) {
		/* A VF claimed across namespaces is not joined: find it. */
		struct net *net;

		down_read(&net_rwsem);
		for_each_net(net) {
			for_each_netdev(net, vf)
				if (!netvsc_sim_is_ours(vf) &&
				    !netdev_master_upper_dev_get(vf) &&
				    vf->addr_len == ETH_ALEN &&
				    ether_addr_equal(vf->dev_addr, dev->dev_addr))
					goto found;
		}
		vf = NULL;
found:
		up_read(&net_rwsem);
	}
	if (vf && !net_eq(dev_net(vf), dev_net(dev))) {
		err = dev_change_net_namespace(vf, dev_net(dev), "eth%d");
		if (err)
			netdev_err(dev, "cannot move VF %s: %d\n", vf->name, err);
		else
			netdev_info(dev, "VF %s moved to the namespace of %s\n",
				    vf->name, dev->name);
	}
	rtnl_unlock();
}

/* NETDEV_REGISTER of a device that may be a VF (hv_netvsc's netvsc_register_vf). */
static void netvsc_sim_register_vf(struct net_device *vf)
{
	struct netvsc_sim_priv *priv;

	if (vf->addr_len != ETH_ALEN || (vf->flags & IFF_LOOPBACK) ||
	    netdev_master_upper_dev_get(vf))
		return;
	list_for_each_entry(priv, &netvsc_sim_list, list) {
		if (rtnl_dereference(priv->vf) ||
		    !ether_addr_equal(vf->dev_addr, priv->dev->dev_addr))
			continue;
		if (!net_eq(dev_net(vf), dev_net(priv->dev)) &&
		    READ_ONCE(netvsc_sim_netns_mode) == NETVSC_SIM_NETNS_FOLLOW) {
			netvsc_sim_schedule_vf_move(priv);
			return;
		}
		netvsc_sim_vf_join(priv, vf);
		return;
	}
}

static void netvsc_sim_unregister_vf(struct net_device *vf)
{
	struct netvsc_sim_priv *priv;

	list_for_each_entry(priv, &netvsc_sim_list, list) {
		if (rtnl_dereference(priv->lower) == vf) {
			netvsc_sim_lower_release(priv);
			return;
		}
		if (rtnl_dereference(priv->vf) == vf) {
			netvsc_sim_vf_release(priv);
			return;
		}
	}
}

static int netvsc_sim_netdev_event(struct notifier_block *nb,
				   unsigned long event, void *ptr)
{
	struct net_device *dev = netdev_notifier_info_to_dev(ptr);
	struct netvsc_sim_priv *priv;
	struct net_device *vf;

	if (netvsc_sim_is_ours(dev)) {
		/* Registered in a new namespace after a move. */
		if (event != NETDEV_REGISTER ||
		    READ_ONCE(netvsc_sim_netns_mode) != NETVSC_SIM_NETNS_FOLLOW)
			return NOTIFY_DONE;
		priv = netvsc_sim_priv(dev);
		vf = rtnl_dereference(priv->vf);
		if (vf && !net_eq(dev_net(vf), dev_net(dev)))
			netvsc_sim_schedule_vf_move(priv);
		return NOTIFY_DONE;
	}
	switch (event) {
	case NETDEV_REGISTER:
		netvsc_sim_register_vf(dev);
		break;
	case NETDEV_UNREGISTER:
		netvsc_sim_unregister_vf(dev);
		break;
	}
	return NOTIFY_DONE;
}

static struct notifier_block netvsc_sim_netdev_nb = {
	.notifier_call	= netvsc_sim_netdev_event,
};

static struct platform_driver netvsc_sim_platform_driver = {
	.driver	= {
		.name	= NETVSC_SIM_NAME,
	},
};

static int netvsc_sim_init(struct net_device *dev)
{
	struct netvsc_sim_priv *priv = netvsc_sim_priv(dev);

	priv->dev = dev;
	INIT_DELAYED_WORK(&priv->vf_move_work, netvsc_sim_vf_move_work);
	/* Probed synchronously: bound when the net device registers. */
	priv->pdev = platform_device_register_simple(NETVSC_SIM_NAME,
						     PLATFORM_DEVID_AUTO,
						     NULL, 0);
	if (IS_ERR(priv->pdev)) {
		int err = PTR_ERR(priv->pdev);

		priv->pdev = NULL;
		return err;
	}
	SET_NETDEV_DEV(dev, &priv->pdev->dev);
	list_add_tail(&priv->list, &netvsc_sim_list);
	return 0;
}

/* Real unregistration (not a namespace move): let the VF go. */
static void netvsc_sim_uninit(struct net_device *dev)
{
	struct netvsc_sim_priv *priv = netvsc_sim_priv(dev);

	ASSERT_RTNL();
	cancel_delayed_work_sync(&priv->vf_move_work);
	netvsc_sim_vf_release(priv);
	netvsc_sim_lower_release(priv);
	list_del(&priv->list);
}

/* After unregistration, outside RTNL; also on a failed registration. */
static void netvsc_sim_destructor(struct net_device *dev)
{
	struct netvsc_sim_priv *priv = netvsc_sim_priv(dev);

	if (priv->pdev)
		platform_device_unregister(priv->pdev);
}

/* "link DEV": DEV carries the synthetic path, both ways. */
static int netvsc_sim_newlink(struct net *src_net, struct net_device *dev,
			      struct nlattr *tb[], struct nlattr *data[],
			      struct netlink_ext_ack *extack)
{
	struct netvsc_sim_priv *priv = netvsc_sim_priv(dev);
	struct net_device *lower = NULL;
	int err;

	if (tb[IFLA_LINK]) {
		lower = __dev_get_by_index(src_net, nla_get_u32(tb[IFLA_LINK]));
		if (!lower) {
			NL_SET_ERR_MSG(extack, "no such link device");
			return -ENODEV;
		}
		if (netvsc_sim_is_ours(lower) || lower->addr_len != ETH_ALEN) {
			NL_SET_ERR_MSG(extack, "the link must be an Ethernet device");
			return -EINVAL;
		}
	}
	err = register_netdevice(dev);
	if (err || !lower)
		return err;
	err = netdev_rx_handler_register(lower, netvsc_sim_lower_handle_frame,
					 dev);
	if (err) {
		NL_SET_ERR_MSG(extack, "cannot take the link's rx_handler");
		unregister_netdevice(dev);
		return err;
	}
	dev_hold(lower);
	rcu_assign_pointer(priv->lower, lower);
	return 0;
}

static const struct net_device_ops netvsc_sim_netdev_ops = {
	.ndo_init		= netvsc_sim_init,
	.ndo_uninit		= netvsc_sim_uninit,
	.ndo_start_xmit		= netvsc_sim_xmit,
	.ndo_get_stats64	= netvsc_sim_get_stats64,
	.ndo_set_mac_address	= eth_mac_addr,
	.ndo_validate_addr	= eth_validate_addr,
};

static void netvsc_sim_get_drvinfo(struct net_device *dev,
				   struct ethtool_drvinfo *info)
{
	atomic_inc(&netvsc_sim_drvinfo_calls);
	strscpy(info->driver, NETVSC_SIM_NAME, sizeof(info->driver));
}

static const struct ethtool_ops netvsc_sim_ethtool_ops = {
	.get_drvinfo	= netvsc_sim_get_drvinfo,
	.get_link	= ethtool_op_get_link,
};

static void netvsc_sim_setup(struct net_device *dev)
{
	ether_setup(dev);
	dev->netdev_ops = &netvsc_sim_netdev_ops;
	dev->ethtool_ops = &netvsc_sim_ethtool_ops;
	dev->needs_free_netdev = true;
	dev->priv_destructor = netvsc_sim_destructor;
	netdev_lockdep_set_classes(dev);
	eth_hw_addr_random(dev);
}

static struct rtnl_link_ops netvsc_sim_link_ops __read_mostly = {
	.kind		= NETVSC_SIM_NAME,
	.priv_size	= sizeof(struct netvsc_sim_priv),
	.setup		= netvsc_sim_setup,
	.newlink	= netvsc_sim_newlink,
	.netns_refund	= true,
};

/* Module parameters */

static int netvsc_sim_netns_mode_set(const char *val,
				     const struct kernel_param *kp)
{
	if (sysfs_streq(val, "follow"))
		WRITE_ONCE(netvsc_sim_netns_mode, NETVSC_SIM_NETNS_FOLLOW);
	else if (sysfs_streq(val, "stay"))
		WRITE_ONCE(netvsc_sim_netns_mode, NETVSC_SIM_NETNS_STAY);
	else
		return -EINVAL;
	return 0;
}

static int netvsc_sim_netns_mode_get(char *buf, const struct kernel_param *kp)
{
	return sysfs_emit(buf, "%s\n",
			  READ_ONCE(netvsc_sim_netns_mode) ==
			  NETVSC_SIM_NETNS_FOLLOW ? "follow" : "stay");
}

static const struct kernel_param_ops netvsc_sim_netns_mode_ops = {
	.set	= netvsc_sim_netns_mode_set,
	.get	= netvsc_sim_netns_mode_get,
};

module_param_cb(netns_mode, &netvsc_sim_netns_mode_ops, NULL, 0644);
__MODULE_PARM_TYPE(netns_mode, "string");
MODULE_PARM_DESC(netns_mode,
		 "follow: the VF is moved after its NIC by a delayed work; stay: it stays behind, linked");

module_param(vf_move_delay_ms, uint, 0644);
MODULE_PARM_DESC(vf_move_delay_ms, "Delay of the VF's move after its NIC's, ms (follow)");

static int netvsc_sim_drvinfo_calls_get(char *buf,
					const struct kernel_param *kp)
{
	return sysfs_emit(buf, "%d\n", atomic_read(&netvsc_sim_drvinfo_calls));
}

static const struct kernel_param_ops netvsc_sim_drvinfo_calls_ops = {
	.get	= netvsc_sim_drvinfo_calls_get,
};

module_param_cb(drvinfo_calls, &netvsc_sim_drvinfo_calls_ops, NULL, 0444);
__MODULE_PARM_TYPE(drvinfo_calls, "int");
MODULE_PARM_DESC(drvinfo_calls, "Calls of ethtool get_drvinfo so far (read-only)");

static int __init netvsc_sim_module_init(void)
{
	int err;

	err = platform_driver_register(&netvsc_sim_platform_driver);
	if (err)
		return err;
	err = register_netdevice_notifier(&netvsc_sim_netdev_nb);
	if (err)
		goto err_unregister_driver;
	err = rtnl_link_register(&netvsc_sim_link_ops);
	if (err)
		goto err_unregister_notifier;
	return 0;

err_unregister_notifier:
	unregister_netdevice_notifier(&netvsc_sim_netdev_nb);
err_unregister_driver:
	platform_driver_unregister(&netvsc_sim_platform_driver);
	return err;
}

static void __exit netvsc_sim_module_exit(void)
{
	/* Deletes every netvsc_sim device, in every namespace. */
	rtnl_link_unregister(&netvsc_sim_link_ops);
	unregister_netdevice_notifier(&netvsc_sim_netdev_nb);
	platform_driver_unregister(&netvsc_sim_platform_driver);
}

module_init(netvsc_sim_module_init);
module_exit(netvsc_sim_module_exit);

MODULE_DESCRIPTION("Test-only synthetic NIC that treats its VF as hv_netvsc does");
MODULE_LICENSE("GPL");
MODULE_ALIAS_RTNL_LINK(NETVSC_SIM_NAME);
