// SPDX-License-Identifier: GPL-2.0-only
/*
 * The NIC model: every synthetic NIC (hv_netvsc) and the accelerated-
 * networking VF it currently sends through.
 *
 * hv_netvsc makes the VF a lower device of the synthetic NIC, with the
 * synthetic NIC as its master upper; Azure host servicing unlinks and
 * relinks it. A netdevice notifier follows that, under RTNL, and keeps per
 * NIC the VF, its state, counters and the time spent without a usable VF.
 * A VF pairs only with a NIC in its own network namespace.
 * Drivers are recognised by the name ethtool reports, matched against the
 * synthetic_drivers and vf_drivers lists, so tests can stand a bond or team
 * in for hv_netvsc and a dummy or veth for the VF. The name comes from the
 * parent device's bound driver where there is one, as the ethtool core
 * finds it, rather than from a call into the driver at register time.
 *
 * The one fast-path reader is the kfunc bpf_azlxnet_tx_ifindex(): it finds a
 * NIC in an RCU hash by ifindex and tests its VF, an RCU pointer, for
 * running, present and carrier at call time (as veth and netkit test their
 * peer). Nothing on the packet path takes a lock.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/ethtool.h>
#include <linux/hashtable.h>
#include <linux/netdevice.h>
#include <linux/rtnetlink.h>
#include <linux/slab.h>
#include <linux/timekeeping.h>
#include <net/net_namespace.h>
#include <net/rtnetlink.h>

#include "azlxnet.h"

/*
 * NICs come from their own slab cache: /proc/slabinfo counts them (the
 * tests compare that with the NICs tracked), and destroying the cache at
 * unload complains about any that leaked.
 */
static struct kmem_cache *azlxnet_nic_cache __read_mostly;

static DEFINE_HASHTABLE(azlxnet_nic_hash, 6);	/* RCU; written under RTNL */
static LIST_HEAD(azlxnet_nic_list);		/* RTNL */
static bool azlxnet_nic_active;			/* RTNL: the notifier is live */

/* Bumped on every add and remove: lets dumps flag NLM_F_DUMP_INTR. RTNL. */
unsigned int azlxnet_nic_gen = 1;

/*
 * Parent drivers whose net devices ethtool names after another driver:
 * mlx4_en's net devices hang off the PCI function that mlx4_core drives.
 */
static const struct {
	const char	*parent;
	const char	*ethtool;
} azlxnet_parent_drivers[] = {
	{ "mlx4_core",	"mlx4_en" },
};

/*
 * @dev's driver as "ethtool -i" names it (what users put in the lists).
 * Where the core knows it, from the driver bound to the parent device
 * (hv_netvsc, mana, mlx5_core, mlx4_core mapped to mlx4_en), without calling
 * into the driver; else from get_drvinfo(), only while the device is present
 * (the ethtool core's guard; bonding, dummy, veth have no parent); else the
 * rtnl_link kind. @info is scratch space for get_drvinfo(). RTNL.
 */
static const char *azlxnet_dev_driver(struct net_device *dev,
				      struct ethtool_drvinfo *info)
{
	const struct device_driver *drv;
	unsigned int i;

	ASSERT_RTNL();
	drv = dev->dev.parent ? READ_ONCE(dev->dev.parent->driver) : NULL;
	if (drv && drv->name) {
		for (i = 0; i < ARRAY_SIZE(azlxnet_parent_drivers); i++)
			if (!strcmp(drv->name, azlxnet_parent_drivers[i].parent))
				return azlxnet_parent_drivers[i].ethtool;
		return drv->name;
	}
	if (dev->ethtool_ops && dev->ethtool_ops->get_drvinfo &&
	    netif_device_present(dev)) {
		memset(info, 0, sizeof(*info));
		dev->ethtool_ops->get_drvinfo(dev, info);
		return info->driver;
	}
	return dev->rtnl_link_ops ? dev->rtnl_link_ops->kind : NULL;
}

static bool azlxnet_dev_driver_is(struct net_device *dev,
				  enum azlxnet_drvlist_id id, char *driver,
				  size_t len)
{
	struct ethtool_drvinfo info;
	const char *name;

	name = azlxnet_dev_driver(dev, &info);
	if (!name || !name[0] || !azlxnet_config_match(id, name))
		return false;
	if (driver)
		strscpy(driver, name, len);
	return true;
}

struct azlxnet_nic *azlxnet_nic_find(const struct net *net, int ifindex)
{
	struct azlxnet_nic *nic;

	hash_for_each_possible_rcu(azlxnet_nic_hash, nic, hnode, ifindex,
				   lockdep_rtnl_is_held())
		if (nic->ifindex == ifindex && net_eq(read_pnet(&nic->net), net))
			return nic;
	return NULL;
}

/* The NIC after @nic (the first if NULL) in @net, in creation order. RTNL. */
struct azlxnet_nic *azlxnet_nic_next(const struct net *net,
				     struct azlxnet_nic *nic)
{
	ASSERT_RTNL();
	nic = list_prepare_entry(nic, &azlxnet_nic_list, list);
	list_for_each_entry_continue(nic, &azlxnet_nic_list, list)
		if (net_eq(read_pnet(&nic->net), net))
			return nic;
	return NULL;
}

static struct azlxnet_nic *azlxnet_nic_of_dev(struct net_device *dev)
{
	return dev ? azlxnet_nic_find(dev_net(dev), dev->ifindex) : NULL;
}

u64 azlxnet_nic_slow_ns(const struct azlxnet_nic *nic, u64 now)
{
	return nic->slow_ns + (nic->slow_since ? now - nic->slow_since : 0);
}

u64 azlxnet_nic_last_slow_ns(const struct azlxnet_nic *nic, u64 now)
{
	return nic->slow_since ? now - nic->slow_since : nic->last_slow_ns;
}

/*
 * Can the VF carry traffic? What veth and netkit check of their peer per
 * packet: these are the device's own flags, set before linkwatch tells the
 * notifiers.
 */
static bool azlxnet_vf_usable(const struct net_device *vf)
{
	return netif_running(vf) && netif_device_present(vf) &&
	       netif_carrier_ok(vf);
}

static enum azlxnet_vf_state azlxnet_vf_state_of(const struct net_device *vf)
{
	if (!vf)
		return AZLXNET_VF_STATE_ABSENT;
	if (azlxnet_vf_usable(vf))
		return AZLXNET_VF_STATE_UP;
	return AZLXNET_VF_STATE_DOWN;
}

/**
 * azlxnet_nic_tx_ifindex_rcu - where @nic's traffic goes, from the live VF
 * @nic: a NIC found under RCU
 *
 * The VF is the device itself, read under RCU and tested at call time, not
 * the notifier's last view of it: a VF that lost carrier a moment ago is no
 * longer named, even before linkwatch has told the notifier. A VF that
 * leaves is cleared before it can be freed (its unregistration waits for
 * an RCU grace period after the notifiers).
 *
 * Return: the VF's ifindex while it is usable, else the NIC's.
 */
int azlxnet_nic_tx_ifindex_rcu(const struct azlxnet_nic *nic)
{
	const struct net_device *vf = rcu_dereference(nic->vf_rcu);

	return vf && azlxnet_vf_usable(vf) ? READ_ONCE(vf->ifindex) : nic->ifindex;
}

/*
 * Recompute the VF state and where traffic goes; account the time without a
 * usable VF. Return the old state.
 */
static enum azlxnet_vf_state azlxnet_nic_update(struct azlxnet_nic *nic)
{
	enum azlxnet_vf_state old = nic->vf_state;
	enum azlxnet_vf_state new = azlxnet_vf_state_of(nic->vf);
	u64 now = ktime_get_boottime_ns();

	ASSERT_RTNL();
	if (new == AZLXNET_VF_STATE_UP && nic->slow_since) {
		nic->last_slow_ns = now - nic->slow_since;
		nic->slow_ns += nic->last_slow_ns;
		nic->slow_since = 0;
	} else if (new != AZLXNET_VF_STATE_UP && !nic->slow_since) {
		nic->slow_since = now;
	}
	if (new != old)
		nic->last_change = now;
	nic->vf_state = new;
	WRITE_ONCE(nic->tx_ifindex, new == AZLXNET_VF_STATE_UP ?
		   nic->vf->ifindex : nic->dev->ifindex);
	return old;
}

/* @vf joins @nic; @notify is false where a nic-new will name it. */
static void azlxnet_nic_vf_join(struct azlxnet_nic *nic, struct net_device *vf,
				const char *driver, bool notify)
{
	nic->vf = vf;
	rcu_assign_pointer(nic->vf_rcu, vf);
	strscpy(nic->vf_driver, driver, sizeof(nic->vf_driver));
	nic->vf_joins++;
	nic->last_change = ktime_get_boottime_ns();
	azlxnet_nic_update(nic);
	if (notify)
		azlxnet_nl_nic_notify(nic, AZLXNET_CMD_VF_JOIN);
}

static void azlxnet_nic_vf_leave(struct azlxnet_nic *nic)
{
	nic->vf = NULL;
	RCU_INIT_POINTER(nic->vf_rcu, NULL);
	nic->vf_driver[0] = '\0';
	nic->vf_leaves++;
	nic->last_change = ktime_get_boottime_ns();
	azlxnet_nic_update(nic);
	azlxnet_nl_nic_notify(nic, AZLXNET_CMD_VF_LEAVE);
}

/* A joined VF went up or down (or gained or lost carrier). */
static void azlxnet_nic_vf_changed(struct azlxnet_nic *nic)
{
	enum azlxnet_vf_state old = azlxnet_nic_update(nic);

	if (old == nic->vf_state)
		return;
	if (nic->vf_state == AZLXNET_VF_STATE_UP) {
		nic->vf_ups++;
		azlxnet_nl_nic_notify(nic, AZLXNET_CMD_VF_UP);
	} else {
		nic->vf_downs++;
		azlxnet_nl_nic_notify(nic, AZLXNET_CMD_VF_DOWN);
	}
}

/*
 * Can @lower, a lower device whose master is @nic's device, be its VF? Only
 * in the same namespace: hv_netvsc leaves the VF linked in the old namespace
 * when the synthetic NIC moves (older kernels), or moves it after the NIC
 * from a delayed work (6.1.y, 6.12); until then the NIC has no usable VF,
 * and an ifindex from another namespace means nothing to its programs.
 */
static bool azlxnet_nic_vf_ok(struct azlxnet_nic *nic, struct net_device *lower,
			      char *driver, size_t len)
{
	return net_eq(dev_net(lower), dev_net(nic->dev)) &&
	       azlxnet_dev_driver_is(lower, AZLXNET_DRV_VF, driver, len);
}

/* Join the first lower device of @nic with a VF driver, except @skip. */
static void azlxnet_nic_find_vf(struct azlxnet_nic *nic, struct net_device *skip,
				bool notify)
{
	char driver[AZLXNET_DRIVER_NAMSIZ];
	struct net_device *lower;
	struct list_head *iter;

	if (nic->vf)
		return;
	netdev_for_each_lower_dev(nic->dev, lower, iter) {
		if (lower == skip ||
		    netdev_master_upper_dev_get(lower) != nic->dev ||
		    !azlxnet_nic_vf_ok(nic, lower, driver, sizeof(driver)))
			continue;
		azlxnet_nic_vf_join(nic, lower, driver, notify);
		return;
	}
}

static void azlxnet_nic_add(struct net_device *dev)
{
	struct azlxnet_nic *nic;

	/* On failure the allocator has said so; the NIC goes untracked. */
	nic = kmem_cache_zalloc(azlxnet_nic_cache, GFP_KERNEL);
	if (!nic)
		return;
	nic->dev = dev;
	nic->ifindex = dev->ifindex;
	write_pnet(&nic->net, dev_net(dev));
	nic->vf_state = AZLXNET_VF_STATE_ABSENT;
	nic->last_change = ktime_get_boottime_ns();
	nic->slow_since = nic->last_change;
	nic->tx_ifindex = dev->ifindex;
	list_add_tail(&nic->list, &azlxnet_nic_list);
	hash_add_rcu(azlxnet_nic_hash, &nic->hnode, nic->ifindex);
	azlxnet_nic_gen++;
	/* Its VF may already be linked (module loaded after the devices, or
	 * both moved into this namespace): the nic-new names it.
	 */
	azlxnet_nic_find_vf(nic, NULL, false);
	azlxnet_nl_nic_notify(nic, AZLXNET_CMD_NIC_NEW);
}

static void azlxnet_nic_free_rcu(struct rcu_head *head)
{
	kmem_cache_free(azlxnet_nic_cache,
			container_of(head, struct azlxnet_nic, rcu));
}

/*
 * Stop tracking @nic. @notify: send its last state, the VF included, as a
 * nic-del (not as a VF leaving: a NIC that moves namespace is a del here
 * and a new there).
 */
static void azlxnet_nic_del(struct azlxnet_nic *nic, bool notify)
{
	if (notify)
		azlxnet_nl_nic_notify(nic, AZLXNET_CMD_NIC_DEL);
	nic->vf = NULL;
	RCU_INIT_POINTER(nic->vf_rcu, NULL);
	hash_del_rcu(&nic->hnode);
	list_del(&nic->list);
	azlxnet_nic_gen++;
	call_rcu(&nic->rcu, azlxnet_nic_free_rcu);
}

/* @dev is a lower device that may be, or may have been, a VF. */
static void azlxnet_lower_event(struct net_device *dev, unsigned long event,
				void *ptr)
{
	char driver[AZLXNET_DRIVER_NAMSIZ];
	struct netdev_notifier_changeupper_info *info;
	struct azlxnet_nic *nic;

	switch (event) {
	case NETDEV_CHANGEUPPER:
		info = ptr;
		nic = azlxnet_nic_of_dev(info->upper_dev);
		if (!nic)
			return;
		if (info->linking) {
			if (!nic->vf && info->master &&
			    azlxnet_nic_vf_ok(nic, dev, driver, sizeof(driver)))
				azlxnet_nic_vf_join(nic, dev, driver, true);
		} else if (nic->vf == dev) {
			azlxnet_nic_vf_leave(nic);
			azlxnet_nic_find_vf(nic, dev, true);
		}
		return;
	case NETDEV_REGISTER:
		nic = azlxnet_nic_of_dev(netdev_master_upper_dev_get(dev));
		if (nic)
			azlxnet_nic_find_vf(nic, NULL, true);
		return;
	case NETDEV_UNREGISTER:
		/* Normally unlinked before; a master that did not unlink. */
		list_for_each_entry(nic, &azlxnet_nic_list, list) {
			if (nic->vf == dev) {
				azlxnet_nic_vf_leave(nic);
				azlxnet_nic_find_vf(nic, dev, true);
				return;
			}
		}
		return;
	case NETDEV_UP:
	case NETDEV_DOWN:
	case NETDEV_CHANGE:
		nic = azlxnet_nic_of_dev(netdev_master_upper_dev_get(dev));
		if (nic && nic->vf == dev)
			azlxnet_nic_vf_changed(nic);
		return;
	}
}

static int azlxnet_netdev_event(struct notifier_block *nb,
				unsigned long event, void *ptr)
{
	struct net_device *dev = netdev_notifier_info_to_dev(ptr);
	struct azlxnet_nic *nic;

	ASSERT_RTNL();
	if (!azlxnet_nic_active)
		return NOTIFY_DONE;

	switch (event) {
	case NETDEV_REGISTER:
		/* Also replayed for existing devices at notifier registration. */
		if (!azlxnet_nic_of_dev(dev) &&
		    azlxnet_dev_driver_is(dev, AZLXNET_DRV_SYNTHETIC, NULL, 0)) {
			azlxnet_nic_add(dev);
			return NOTIFY_DONE;
		}
		break;
	case NETDEV_UNREGISTER:
		/* Real unregistration, or a move to another namespace: the
		 * NIC is tracked anew (with new counters) where it lands.
		 */
		nic = azlxnet_nic_of_dev(dev);
		if (nic) {
			azlxnet_nic_del(nic, true);
			return NOTIFY_DONE;
		}
		break;
	}
	azlxnet_lower_event(dev, event, ptr);
	return NOTIFY_DONE;
}

static struct notifier_block azlxnet_netdev_nb = {
	.notifier_call	= azlxnet_netdev_event,
};

/**
 * azlxnet_nic_rescan - apply changed driver lists to existing devices
 *
 * NICs whose driver left synthetic_drivers are dropped, devices whose driver
 * joined it are tracked, VFs whose driver left vf_drivers leave and lower
 * devices whose driver joined it join.
 */
void azlxnet_nic_rescan(void)
{
	struct azlxnet_nic *nic, *tmp;
	struct net_device *dev;
	struct net *net;

	/* Parameters given at load are set before init: nothing to rescan. */
	if (!READ_ONCE(azlxnet_nic_active))
		return;
	rtnl_lock();
	if (!azlxnet_nic_active)
		goto out_unlock;
	list_for_each_entry_safe(nic, tmp, &azlxnet_nic_list, list) {
		if (!azlxnet_dev_driver_is(nic->dev, AZLXNET_DRV_SYNTHETIC, NULL, 0))
			azlxnet_nic_del(nic, true);
		else if (nic->vf && !azlxnet_dev_driver_is(nic->vf, AZLXNET_DRV_VF,
							   NULL, 0))
			azlxnet_nic_vf_leave(nic);
	}
	down_read(&net_rwsem);
	for_each_net(net) {
		for_each_netdev(net, dev) {
			if (!azlxnet_nic_of_dev(dev) &&
			    azlxnet_dev_driver_is(dev, AZLXNET_DRV_SYNTHETIC, NULL, 0))
				azlxnet_nic_add(dev);
		}
	}
	up_read(&net_rwsem);
	list_for_each_entry(nic, &azlxnet_nic_list, list)
		azlxnet_nic_find_vf(nic, NULL, true);
out_unlock:
	rtnl_unlock();
}

int azlxnet_nic_init(void)
{
	int err;

	azlxnet_nic_cache = KMEM_CACHE(azlxnet_nic, 0);
	if (!azlxnet_nic_cache)
		return -ENOMEM;

	rtnl_lock();
	WRITE_ONCE(azlxnet_nic_active, true);
	rtnl_unlock();
	/* Replays NETDEV_REGISTER and NETDEV_UP for every existing device. */
	err = register_netdevice_notifier(&azlxnet_netdev_nb);
	if (err) {
		rtnl_lock();
		WRITE_ONCE(azlxnet_nic_active, false);
		rtnl_unlock();
		kmem_cache_destroy(azlxnet_nic_cache);
	}
	return err;
}

void azlxnet_nic_exit(void)
{
	struct azlxnet_nic *nic, *tmp;

	/* Unregistering replays NETDEV_UNREGISTER: ignore it, it is not news. */
	rtnl_lock();
	WRITE_ONCE(azlxnet_nic_active, false);
	rtnl_unlock();
	unregister_netdevice_notifier(&azlxnet_netdev_nb);

	rtnl_lock();
	list_for_each_entry_safe(nic, tmp, &azlxnet_nic_list, list)
		azlxnet_nic_del(nic, false);
	rtnl_unlock();

	/* The RCU callbacks free into the cache and live in this module. */
	rcu_barrier();
	kmem_cache_destroy(azlxnet_nic_cache);
}
