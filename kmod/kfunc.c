// SPDX-License-Identifier: GPL-2.0-only
/*
 * BPF kfuncs for tc (BPF_PROG_TYPE_SCHED_CLS) programs. Their contracts are
 * documented in Documentation/kfuncs.rst; declarations for BPF programs are
 * in bpf/azlxnet_kfuncs.h.
 *
 * Registration needs the module's own BTF: without it (a build that skipped
 * pahole) the kernel accepts the set silently and programs fail to load, so
 * init says so loudly.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bpf.h>
#include <linux/module.h>

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

__bpf_kfunc_end_defs();

BTF_KFUNCS_START(azlxnet_kfunc_ids)
BTF_ID_FLAGS(func, bpf_azlxnet_api_version)
BTF_KFUNCS_END(azlxnet_kfunc_ids)

static const struct btf_kfunc_id_set azlxnet_kfunc_set = {
	.owner	= THIS_MODULE,
	.set	= &azlxnet_kfunc_ids,
};

int azlxnet_kfunc_init(void)
{
#ifdef CONFIG_DEBUG_INFO_BTF_MODULES
	if (!THIS_MODULE->btf_data_size)
		pr_warn("module has no BTF: its kfuncs are unavailable to BPF programs\n");
#endif
	return register_btf_kfunc_id_set(BPF_PROG_TYPE_SCHED_CLS,
					 &azlxnet_kfunc_set);
}
