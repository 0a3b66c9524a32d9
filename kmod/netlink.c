// SPDX-License-Identifier: GPL-2.0-only
/*
 * Generic netlink family "azlxnet". Operations, policies and the uapi come
 * from Documentation/netlink/specs/azlxnet.yaml (see azlxnet-nl.c); this
 * file holds the family and the handlers.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bpf.h>
#include <linux/module.h>
#include <linux/rtnetlink.h>
#include <net/genetlink.h>
#include <net/sock.h>

#include "azlxnet.h"
#include "azlxnet-nl.h"

static struct genl_family azlxnet_nl_family __ro_after_init = {
	.name		= AZLXNET_FAMILY_NAME,
	.version	= AZLXNET_FAMILY_VERSION,
	.netnsok	= true,
	.parallel_ops	= true,
	.module		= THIS_MODULE,
	.ops		= azlxnet_nl_ops,
	.n_ops		= ARRAY_SIZE(azlxnet_nl_ops),
	.mcgrps		= azlxnet_nl_mcgrps,
	.n_mcgrps	= ARRAY_SIZE(azlxnet_nl_mcgrps),
};

static struct sk_buff *azlxnet_nl_reply_new(struct genl_info *info,
					    void **hdr)
{
	struct sk_buff *msg;

	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return NULL;
	*hdr = genlmsg_put_reply(msg, info, &azlxnet_nl_family, 0,
				 info->genlhdr->cmd);
	if (!*hdr) {
		nlmsg_free(msg);
		return NULL;
	}
	return msg;
}

int azlxnet_nl_version_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct sk_buff *msg;
	void *hdr;

	msg = azlxnet_nl_reply_new(info, &hdr);
	if (!msg)
		return -ENOMEM;
	if (nla_put_string(msg, AZLXNET_A_INFO_MODULE_VERSION, AZLXNET_VERSION) ||
	    nla_put_u32(msg, AZLXNET_A_INFO_API_VERSION, AZLXNET_API_VERSION))
		goto err_free_msg;
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);

err_free_msg:
	nlmsg_free(msg);
	return -EMSGSIZE;
}

int azlxnet_nl_config_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	char buf[AZLXNET_DRIVERS_MAX_LEN + 1];
	struct sk_buff *msg;
	void *hdr;

	msg = azlxnet_nl_reply_new(info, &hdr);
	if (!msg)
		return -ENOMEM;
	azlxnet_config_format(AZLXNET_DRV_SYNTHETIC, buf, sizeof(buf));
	if (nla_put_string(msg, AZLXNET_A_INFO_SYNTHETIC_DRIVERS, buf))
		goto err_free_msg;
	azlxnet_config_format(AZLXNET_DRV_VF, buf, sizeof(buf));
	if (nla_put_string(msg, AZLXNET_A_INFO_VF_DRIVERS, buf))
		goto err_free_msg;
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);

err_free_msg:
	nlmsg_free(msg);
	return -EMSGSIZE;
}

int azlxnet_nl_config_set_doit(struct sk_buff *skb, struct genl_info *info)
{
	static const int attr_of[AZLXNET_DRV_NLISTS] = {
		[AZLXNET_DRV_SYNTHETIC]	= AZLXNET_A_INFO_SYNTHETIC_DRIVERS,
		[AZLXNET_DRV_VF]	= AZLXNET_A_INFO_VF_DRIVERS,
	};
	const struct azlxnet_drvlist *lists[AZLXNET_DRV_NLISTS] = {};
	const struct nlattr *attrs[AZLXNET_DRV_NLISTS] = {};
	struct azlxnet_drvlist new[AZLXNET_DRV_NLISTS];
	bool any = false;
	int i, err;

	/* Parse everything first: a bad list leaves both unchanged. */
	for (i = 0; i < AZLXNET_DRV_NLISTS; i++) {
		const struct nlattr *attr = info->attrs[attr_of[i]];

		if (!attr)
			continue;
		/* The policy guarantees the NUL. */
		err = azlxnet_drvlist_parse(nla_data(attr), strlen(nla_data(attr)),
					    &new[i], info->extack, attr);
		if (err)
			return err;
		lists[i] = &new[i];
		attrs[i] = attr;
		any = true;
	}
	if (!any) {
		NL_SET_ERR_MSG(info->extack,
			       "config-set needs synthetic-drivers or vf-drivers");
		return -EINVAL;
	}
	err = azlxnet_config_set_disjoint(lists, attrs, info->extack);
	if (err)
		return err;
	azlxnet_nic_rescan();
	return 0;
}

/*
 * Fill one nic message; RTNL. @cb: the dump it is part of, or NULL; a
 * message that is kept is checked against the dump's generation.
 */
static int azlxnet_nl_nic_fill(struct sk_buff *skb, struct azlxnet_nic *nic,
			       u32 portid, u32 seq, int flags, u8 cmd,
			       struct netlink_callback *cb)
{
	u64 now = ktime_get_boottime_ns();
	struct net_device *vf = nic->vf;
	void *hdr;

	ASSERT_RTNL();
	hdr = genlmsg_put(skb, portid, seq, &azlxnet_nl_family, flags, cmd);
	if (!hdr)
		return -EMSGSIZE;
	if (nla_put_u32(skb, AZLXNET_A_NIC_IFINDEX, nic->dev->ifindex) ||
	    nla_put_string(skb, AZLXNET_A_NIC_IFNAME, nic->dev->name) ||
	    nla_put(skb, AZLXNET_A_NIC_MAC, nic->dev->addr_len, nic->dev->dev_addr))
		goto err_cancel;
	if (vf &&
	    (nla_put_u32(skb, AZLXNET_A_NIC_VF_IFINDEX, vf->ifindex) ||
	     nla_put_string(skb, AZLXNET_A_NIC_VF_IFNAME, vf->name) ||
	     nla_put(skb, AZLXNET_A_NIC_VF_MAC, vf->addr_len, vf->dev_addr) ||
	     nla_put_string(skb, AZLXNET_A_NIC_VF_DRIVER, nic->vf_driver)))
		goto err_cancel;
	if (nla_put_u32(skb, AZLXNET_A_NIC_VF_STATE, nic->vf_state) ||
	    nla_put_u32(skb, AZLXNET_A_NIC_TX_IFINDEX, READ_ONCE(nic->tx_ifindex)) ||
	    nla_put_u64_64bit(skb, AZLXNET_A_NIC_VF_JOINS, nic->vf_joins,
			      AZLXNET_A_NIC_PAD) ||
	    nla_put_u64_64bit(skb, AZLXNET_A_NIC_VF_LEAVES, nic->vf_leaves,
			      AZLXNET_A_NIC_PAD) ||
	    nla_put_u64_64bit(skb, AZLXNET_A_NIC_VF_UPS, nic->vf_ups,
			      AZLXNET_A_NIC_PAD) ||
	    nla_put_u64_64bit(skb, AZLXNET_A_NIC_VF_DOWNS, nic->vf_downs,
			      AZLXNET_A_NIC_PAD) ||
	    nla_put_u64_64bit(skb, AZLXNET_A_NIC_LAST_CHANGE, nic->last_change,
			      AZLXNET_A_NIC_PAD) ||
	    nla_put_u64_64bit(skb, AZLXNET_A_NIC_SLOW_NS,
			      azlxnet_nic_slow_ns(nic, now), AZLXNET_A_NIC_PAD) ||
	    nla_put_u64_64bit(skb, AZLXNET_A_NIC_LAST_SLOW_NS,
			      azlxnet_nic_last_slow_ns(nic, now), AZLXNET_A_NIC_PAD))
		goto err_cancel;
	/*
	 * Only once the message is complete: checking a message that is then
	 * cancelled would record the new generation and lose the flag.
	 */
	if (cb)
		genl_dump_check_consistent(cb, hdr);
	genlmsg_end(skb, hdr);
	return 0;

err_cancel:
	genlmsg_cancel(skb, hdr);
	return -EMSGSIZE;
}

int azlxnet_nl_nic_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct azlxnet_nic *nic;
	struct sk_buff *msg;
	int err;

	if (GENL_REQ_ATTR_CHECK(info, AZLXNET_A_NIC_IFINDEX))
		return -EINVAL;
	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;

	rtnl_lock();
	nic = azlxnet_nic_find(genl_info_net(info),
			       nla_get_u32(info->attrs[AZLXNET_A_NIC_IFINDEX]));
	if (!nic) {
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[AZLXNET_A_NIC_IFINDEX],
				    "no synthetic NIC with this ifindex");
		err = -ENODEV;
		goto err_unlock;
	}
	err = azlxnet_nl_nic_fill(msg, nic, info->snd_portid, info->snd_seq, 0,
				  AZLXNET_CMD_NIC_GET, NULL);
	if (err)
		goto err_unlock;
	rtnl_unlock();
	return genlmsg_reply(msg, info);

err_unlock:
	rtnl_unlock();
	nlmsg_free(msg);
	return err;
}

/* The end a kit-prog request names: the primary unless it says otherwise. */
static u32 azlxnet_nl_kit_end(struct genl_info *info)
{
	const struct nlattr *attr = info->attrs[AZLXNET_A_KIT_END];

	return attr ? nla_get_u32(attr) : AZLXNET_KIT_END_PRIMARY;
}

int azlxnet_nl_kit_prog_attach_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr **attrs = info->attrs;
	struct net_device *dev;
	struct bpf_prog *prog;
	int err;

	if (GENL_REQ_ATTR_CHECK(info, AZLXNET_A_KIT_IFINDEX) ||
	    GENL_REQ_ATTR_CHECK(info, AZLXNET_A_KIT_PROG_FD))
		return -EINVAL;
	prog = bpf_prog_get_type_dev(nla_get_u32(attrs[AZLXNET_A_KIT_PROG_FD]),
				     BPF_PROG_TYPE_SCHED_CLS, false);
	if (IS_ERR(prog)) {
		NL_SET_ERR_MSG_ATTR(info->extack, attrs[AZLXNET_A_KIT_PROG_FD],
				    "not the fd of a SCHED_CLS program");
		return PTR_ERR(prog);
	}

	rtnl_lock();
	dev = azlxkit_prog_dev(genl_info_net(info),
			       nla_get_u32(attrs[AZLXNET_A_KIT_IFINDEX]),
			       attrs[AZLXNET_A_KIT_IFINDEX], info->extack);
	if (IS_ERR(dev))
		err = PTR_ERR(dev);
	else
		err = azlxkit_prog_replace(dev, azlxnet_nl_kit_end(info), prog,
					   attrs[AZLXNET_A_KIT_EXPECTED_PROG_ID],
					   info->extack);
	rtnl_unlock();
	if (err)
		bpf_prog_put(prog);
	return err;
}

int azlxnet_nl_kit_prog_detach_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr **attrs = info->attrs;
	struct net_device *dev;
	int err;

	if (GENL_REQ_ATTR_CHECK(info, AZLXNET_A_KIT_IFINDEX))
		return -EINVAL;
	rtnl_lock();
	dev = azlxkit_prog_dev(genl_info_net(info),
			       nla_get_u32(attrs[AZLXNET_A_KIT_IFINDEX]),
			       attrs[AZLXNET_A_KIT_IFINDEX], info->extack);
	if (IS_ERR(dev))
		err = PTR_ERR(dev);
	else
		err = azlxkit_prog_replace(dev, azlxnet_nl_kit_end(info), NULL,
					   attrs[AZLXNET_A_KIT_EXPECTED_PROG_ID],
					   info->extack);
	rtnl_unlock();
	return err;
}

int azlxnet_nl_kit_prog_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr **attrs = info->attrs;
	u32 end = azlxnet_nl_kit_end(info);
	struct net_device *dev;
	struct sk_buff *msg;
	void *hdr;
	int id;

	if (GENL_REQ_ATTR_CHECK(info, AZLXNET_A_KIT_IFINDEX))
		return -EINVAL;
	msg = azlxnet_nl_reply_new(info, &hdr);
	if (!msg)
		return -ENOMEM;
	rtnl_lock();
	dev = azlxkit_prog_dev(genl_info_net(info),
			       nla_get_u32(attrs[AZLXNET_A_KIT_IFINDEX]),
			       attrs[AZLXNET_A_KIT_IFINDEX], info->extack);
	id = IS_ERR(dev) ? PTR_ERR(dev) : azlxkit_prog_id(dev, end);
	if (id == -ENODEV && !IS_ERR(dev))
		NL_SET_ERR_MSG(info->extack, "azlxkit peer is gone");
	if (id >= 0)
		id = nla_put_u32(msg, AZLXNET_A_KIT_IFINDEX, dev->ifindex) ||
		     nla_put_u32(msg, AZLXNET_A_KIT_END, end) ||
		     nla_put_u32(msg, AZLXNET_A_KIT_PROG_ID, id) ? -EMSGSIZE : 0;
	rtnl_unlock();
	if (id < 0) {
		nlmsg_free(msg);
		return id;
	}
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);
}

/*
 * cb->args[0]: how many NICs of this namespace were dumped. Should the list
 * change between rounds, the generation count changes and the first message
 * filled after the change (or the NLMSG_DONE, if none is) carries
 * NLM_F_DUMP_INTR: the reader dumps again.
 */
int azlxnet_nl_nic_get_dumpit(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct net *net = sock_net(skb->sk);
	struct azlxnet_nic *nic = NULL;
	long idx = 0;
	int err = 0;

	rtnl_lock();
	cb->seq = azlxnet_nic_gen;
	while ((nic = azlxnet_nic_next(net, nic))) {
		if (idx++ < cb->args[0])
			continue;
		err = azlxnet_nl_nic_fill(skb, nic, NETLINK_CB(cb->skb).portid,
					  cb->nlh->nlmsg_seq, NLM_F_MULTI,
					  AZLXNET_CMD_NIC_GET, cb);
		if (err)
			break;
		cb->args[0] = idx;
	}
	rtnl_unlock();
	/* A full skb ends this round; the core calls again for the rest. */
	return err == -EMSGSIZE && skb->len ? skb->len : err ?: skb->len;
}

/**
 * azlxnet_nl_nic_notify - multicast an event for @nic to its namespace
 * @nic: the NIC, in its state after the change
 * @cmd: AZLXNET_CMD_VF_JOIN, _LEAVE, _UP, _DOWN, AZLXNET_CMD_NIC_NEW or _DEL
 */
void azlxnet_nl_nic_notify(struct azlxnet_nic *nic, u8 cmd)
{
	struct net *net = dev_net(nic->dev);
	struct sk_buff *msg;

	if (!genl_has_listeners(&azlxnet_nl_family, net, AZLXNET_NLGRP_EVENTS))
		return;
	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		goto err_report;
	if (azlxnet_nl_nic_fill(msg, nic, 0, 0, 0, cmd, NULL)) {
		nlmsg_free(msg);
		goto err_report;
	}
	genlmsg_multicast_netns(&azlxnet_nl_family, net, msg, 0,
				AZLXNET_NLGRP_EVENTS, GFP_KERNEL);
	return;

err_report:
	/*
	 * Listeners learn they missed an event: their next recvmsg() fails
	 * with ENOBUFS, as when their receive buffer overflows.
	 */
	genl_set_err(&azlxnet_nl_family, net, 0, AZLXNET_NLGRP_EVENTS, -ENOBUFS);
}

int azlxnet_nl_init(void)
{
	return genl_register_family(&azlxnet_nl_family);
}

void azlxnet_nl_exit(void)
{
	genl_unregister_family(&azlxnet_nl_family);
}
