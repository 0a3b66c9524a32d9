/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The one place where kernel API differences between the supported kernels
 * (6.1, 6.6, 6.12) are bridged. The AZLXNET_HAVE_* symbols come from header
 * probes in Kbuild; no other file tests kernel versions or features.
 */
#ifndef _AZLXNET_COMPAT_H
#define _AZLXNET_COMPAT_H

#include <linux/btf.h>
#include <linux/btf_ids.h>
#include <linux/filter.h>
#include <linux/netdevice.h>
#include <linux/percpu.h>

/*
 * kfunc definitions. 6.1 has neither __bpf_kfunc nor the start/end markers:
 * a kfunc is a plain global noinline function. The markers only silence
 * -Wmissing-prototypes, and azlxnet.h declares every kfunc, so on kernels
 * without them they can be empty.
 */
#ifndef AZLXNET_HAVE_BPF_KFUNC
#define __bpf_kfunc noinline
#endif

#ifndef AZLXNET_HAVE_BPF_KFUNC_DEFS
#define __bpf_kfunc_start_defs()
#define __bpf_kfunc_end_defs()
#endif

/*
 * kfunc ID sets. Since 6.9 a set must be declared with BTF_KFUNCS_START,
 * which marks it as a kfunc set; registering a plain BTF_SET8 then fails
 * with -EINVAL. Before, BTF_SET8_START was the only spelling.
 */
#ifndef AZLXNET_HAVE_BTF_KFUNCS_START
#define BTF_KFUNCS_START(name) BTF_SET8_START(name)
#define BTF_KFUNCS_END(name) BTF_SET8_END(name)
#endif

/*
 * Lockless transmit. 6.12 has a device flag (dev->lltx); before 6.11 it
 * was the feature bit NETIF_F_LLTX.
 */
static inline void azlxnet_netdev_set_lltx(struct net_device *dev)
{
#ifdef AZLXNET_HAVE_NETDEV_LLTX
	dev->lltx = true;
#else
	dev->features |= NETIF_F_LLTX;
#endif
}

/*
 * Per-CPU device statistics (dev->tstats). Since 6.7, and in the 6.1 and
 * 6.6 stable series that took it, the core allocates and frees them when
 * the device says which kind it keeps (pcpu_stat_type). Before, the
 * driver does, in ndo_init and its priv_destructor.
 */
#ifdef AZLXNET_HAVE_PCPU_STAT_TYPE
static inline void azlxnet_netdev_tstats_setup(struct net_device *dev)
{
	dev->pcpu_stat_type = NETDEV_PCPU_STAT_TSTATS;
}

static inline int azlxnet_netdev_tstats_init(struct net_device *dev)
{
	return 0;
}

static inline void azlxnet_netdev_tstats_free(struct net_device *dev)
{
}
#else
static inline void azlxnet_netdev_tstats_setup(struct net_device *dev)
{
}

static inline int azlxnet_netdev_tstats_init(struct net_device *dev)
{
	dev->tstats = netdev_alloc_pcpu_stats(struct pcpu_sw_netstats);
	return dev->tstats ? 0 : -ENOMEM;
}

static inline void azlxnet_netdev_tstats_free(struct net_device *dev)
{
	free_percpu(dev->tstats);
}
#endif

/*
 * Running a tc program outside the tc hooks. Since 6.11 the redirect
 * helpers keep their state in a per-task bpf_net_context that whoever runs
 * the program sets up (they dereference it unchecked); before, it was per
 * CPU and needed nothing.
 */
struct azlxnet_bpf_net_ctx {
#ifdef AZLXNET_HAVE_BPF_NET_CONTEXT
	struct bpf_net_context	ctx;
#endif
};

#ifdef AZLXNET_HAVE_BPF_NET_CONTEXT
static inline void *azlxnet_bpf_net_ctx_set(struct azlxnet_bpf_net_ctx *c)
{
	return bpf_net_ctx_set(&c->ctx);
}

static inline void azlxnet_bpf_net_ctx_clear(void *set)
{
	bpf_net_ctx_clear(set);
}
#else
static inline void *azlxnet_bpf_net_ctx_set(struct azlxnet_bpf_net_ctx *c)
{
	return NULL;
}

static inline void azlxnet_bpf_net_ctx_clear(void *set)
{
}
#endif

#endif /* _AZLXNET_COMPAT_H */
