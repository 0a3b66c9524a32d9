// SPDX-License-Identifier: GPL-2.0-only
/*
 * Generic netlink family "azlxnet". Operations, policies and the uapi come
 * from Documentation/netlink/specs/azlxnet.yaml (see azlxnet-nl.c); this
 * file holds the family and the handlers.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <net/genetlink.h>

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
	struct azlxnet_drvlist new[AZLXNET_DRV_NLISTS];
	bool any = false;
	int i, err;

	/* Parse everything first: a bad list leaves both unchanged. */
	for (i = 0; i < AZLXNET_DRV_NLISTS; i++) {
		const struct nlattr *attr = info->attrs[attr_of[i]];

		if (!attr)
			continue;
		err = azlxnet_drvlist_parse(nla_data(attr), &new[i],
					    info->extack, attr);
		if (err)
			return err;
		lists[i] = &new[i];
		any = true;
	}
	if (!any) {
		NL_SET_ERR_MSG(info->extack,
			       "config-set needs synthetic-drivers or vf-drivers");
		return -EINVAL;
	}
	return azlxnet_config_set(lists);
}

int azlxnet_nl_init(void)
{
	return genl_register_family(&azlxnet_nl_family);
}

void azlxnet_nl_exit(void)
{
	genl_unregister_family(&azlxnet_nl_family);
}
