// SPDX-License-Identifier: GPL-2.0-only
/*
 * azlxnet.ko: fast pod networking for Kubernetes nodes on Azure.
 *
 * Tracks each synthetic NIC (hv_netvsc) and its accelerated-networking VF,
 * and exposes that model to user space (generic netlink family "azlxnet")
 * and to tc BPF programs (kfuncs); azlxkit, a netkit-class pod device
 * pair (link kind "azlxkit"). See Documentation/index.rst.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>

#include "azlxnet.h"

static int __init azlxnet_init(void)
{
	int err;

	/* First: a refused load must leave nothing registered. */
	err = azlxnet_config_init();
	if (err)
		return err;

	/*
	 * No unregister exists for kfuncs: they go away with the module BTF.
	 * Not fatal: the NIC model and the netlink family work without them,
	 * and the parameter "kfuncs" tells "azlxnet status" why.
	 */
	err = azlxnet_kfunc_init();
	if (err)
		pr_warn("kfuncs unavailable: registration failed: %d\n", err);

	err = azlxnet_nl_init();
	if (err) {
		pr_err("cannot register generic netlink family: %d\n", err);
		return err;
	}

	/* Last: from here on, NIC events go out on the netlink family. */
	err = azlxnet_nic_init();
	if (err) {
		pr_err("cannot register netdevice notifier: %d\n", err);
		goto err_unregister_nl;
	}

	err = azlxkit_init();
	if (err) {
		pr_err("cannot register link kind azlxkit: %d\n", err);
		goto err_nic_exit;
	}

	pr_info("version %s (api %u) loaded\n", AZLXNET_VERSION,
		AZLXNET_API_VERSION);
	return 0;

err_nic_exit:
	azlxnet_nic_exit();
err_unregister_nl:
	azlxnet_nl_exit();
	return err;
}

static void __exit azlxnet_exit(void)
{
	azlxkit_exit();
	azlxnet_nic_exit();
	azlxnet_nl_exit();
}

module_init(azlxnet_init);
module_exit(azlxnet_exit);

MODULE_DESCRIPTION("azlxnet: synthetic NIC/VF model, netlink API and BPF kfuncs for Azure nodes");
MODULE_VERSION(AZLXNET_VERSION);
MODULE_LICENSE("GPL");
MODULE_AUTHOR("azlxnet developers");
