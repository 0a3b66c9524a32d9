// SPDX-License-Identifier: GPL-2.0-only
/*
 * BPF kfuncs for tc (BPF_PROG_TYPE_SCHED_CLS) programs. Their contracts are
 * documented in Documentation/kfuncs.rst; declarations for BPF programs are
 * in bpf/azlxnet_kfuncs.h.
 *
 * Registration needs the module's own BTF: without it (a build that skipped
 * pahole) the kernel accepts the set silently and programs fail to load, so
 * init says so loudly. Registration can also fail (a kernel that refuses the
 * set): the module then runs without kfuncs. Either way the read-only
 * parameter "kfuncs" says why they are unavailable.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bpf.h>
#include <linux/filter.h>
#include <linux/module.h>
#include <linux/skbuff.h>

#include "azlxnet.h"
#include "compat.h"

__bpf_kfunc_start_defs();

/**
 * bpf_azlxnet_api_version - the module's API level
 *
 * Lets a program check, at run time, which azlxnet kfuncs and netlink
 * operations it may rely on.
 *
 * Return: AZLXNET_API_VERSION.
 */
__bpf_kfunc u32 bpf_azlxnet_api_version(void)
{
	return AZLXNET_API_VERSION;
}

/**
 * bpf_azlxnet_tx_ifindex - where a synthetic NIC's traffic goes right now
 * @skb_ctx: the program's context; the NIC is looked up in its device's
 *           network namespace
 * @ifindex: ifindex of a synthetic NIC
 *
 * Lockless: an RCU hash lookup, then the VF's own flags (running, present,
 * carrier) read at call time, not the notifier's last view of them. A packet
 * redirected to the answer can still find the VF gone by the time it is
 * transmitted: the answer holds for the call, not for the packet's journey.
 *
 * Return: the VF's ifindex while a VF is joined, running, present and has
 * carrier; else @ifindex; -ENODEV if @ifindex is not a tracked synthetic NIC.
 */
__bpf_kfunc s32 bpf_azlxnet_tx_ifindex(struct __sk_buff *skb_ctx, u32 ifindex)
{
	struct sk_buff *skb = (struct sk_buff *)skb_ctx;
	struct azlxnet_nic *nic;

	if (!skb->dev || !ifindex || ifindex > INT_MAX)
		return -ENODEV;
	nic = azlxnet_nic_find(dev_net(skb->dev), ifindex);
	return nic ? azlxnet_nic_tx_ifindex_rcu(nic) : -ENODEV;
}

/**
 * bpf_azlxkit_redirect - redirect the packet of an azlxkit end's program
 * @skb_ctx: the program's context
 * @ifindex: the target, in the network namespace of the packet's device
 *           (the end that would receive it)
 * @flags: none defined yet: must be 0
 *
 * Only records the target: the end's transmit acts on it once the program
 * returns TC_ACT_REDIRECT. Another pair's primary: the packet goes into
 * that pair's pod; any other device: to its egress (dev_queue_xmit()).
 * A target that is missing or down when the program has returned drops
 * the packet, counted in the end's redirect_errors (ethtool -S).
 *
 * Return: TC_ACT_REDIRECT, for the program to return; TC_ACT_SHOT for
 * unknown @flags or outside an azlxkit end's program.
 */
__bpf_kfunc int bpf_azlxkit_redirect(struct __sk_buff *skb_ctx, u32 ifindex, u64 flags)
{
	return azlxkit_redirect_record((struct sk_buff *)skb_ctx, ifindex, flags);
}

__bpf_kfunc_end_defs();

BTF_KFUNCS_START(azlxnet_kfunc_ids)
BTF_ID_FLAGS(func, bpf_azlxnet_api_version)
BTF_ID_FLAGS(func, bpf_azlxnet_tx_ifindex)
BTF_ID_FLAGS(func, bpf_azlxkit_redirect)
BTF_KFUNCS_END(azlxnet_kfunc_ids)

static const struct btf_kfunc_id_set azlxnet_kfunc_set = {
	.owner	= THIS_MODULE,
	.set	= &azlxnet_kfunc_ids,
};

/*
 * AZLXNET_TEST_KFUNC_FAIL is 1 only in a test build (kmod/Kbuild), whose
 * registration fails as on a kernel that refuses the set (a BTF mismatch
 * without CONFIG_MODULE_ALLOW_BTF_MISMATCH, a kernel without module BTF).
 */
static int azlxnet_kfunc_register(void)
{
	if (AZLXNET_TEST_KFUNC_FAIL)
		return -EINVAL;
	return register_btf_kfunc_id_set(BPF_PROG_TYPE_SCHED_CLS,
					 &azlxnet_kfunc_set);
}

/*
 * Whether the kfuncs are available, and if not why: the read-only module
 * parameter "kfuncs", which "azlxnet status" shows. Written once, at init.
 */
static char azlxnet_kfunc_status[64] = "unavailable: not registered";

static int azlxnet_kfunc_status_get(char *buf, const struct kernel_param *kp)
{
	return sysfs_emit(buf, "%s\n", azlxnet_kfunc_status);
}

static const struct kernel_param_ops azlxnet_kfunc_status_ops = {
	.get	= azlxnet_kfunc_status_get,
};

module_param_cb(kfuncs, &azlxnet_kfunc_status_ops, NULL, 0444);
__MODULE_PARM_TYPE(kfuncs, "string");
MODULE_PARM_DESC(kfuncs,
		 "Read-only: \"available\", or \"unavailable: \" and the reason");

/**
 * azlxnet_kfunc_init - register the kfuncs
 *
 * A failure is not fatal to the module (the NIC model and the netlink family
 * work without kfuncs); it is logged and kept in the parameter "kfuncs".
 *
 * Return: 0 or the registration's error.
 */
int azlxnet_kfunc_init(void)
{
	bool btf = true;
	int err;

#ifdef CONFIG_DEBUG_INFO_BTF_MODULES
	if (!THIS_MODULE->btf_data_size) {
		pr_warn("module has no BTF: its kfuncs are unavailable to BPF programs\n");
		btf = false;
	}
#endif
	err = azlxnet_kfunc_register();
	if (err)
		snprintf(azlxnet_kfunc_status, sizeof(azlxnet_kfunc_status),
			 "unavailable: registration failed with error %d", err);
	else if (!btf)
		strscpy(azlxnet_kfunc_status, "unavailable: the module has no BTF",
			sizeof(azlxnet_kfunc_status));
	else
		strscpy(azlxnet_kfunc_status, "available",
			sizeof(azlxnet_kfunc_status));
	return err;
}
