/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * kfuncs exported by azlxnet.ko to tc (BPF_PROG_TYPE_SCHED_CLS) programs.
 * The contract of each one is in Documentation/kfuncs.rst.
 */
#ifndef __AZLXNET_KFUNCS_H
#define __AZLXNET_KFUNCS_H

/* The module's API level (AZLXNET_API_VERSION in <linux/azlxnet.h>). */
__u32 __ksym bpf_azlxnet_api_version(void);

/*
 * The ifindex that carries synthetic NIC @ifindex's traffic now: its VF
 * while joined and up, else @ifindex; -ENODEV for an untracked ifindex.
 */
__s32 __ksym bpf_azlxnet_tx_ifindex(struct __sk_buff *skb, __u32 ifindex);

/*
 * In an azlxkit end's program: send the packet to @ifindex (another pair's
 * primary: into its pod; any other device: its egress) once the program
 * returns. Returns TC_ACT_REDIRECT to return, or TC_ACT_SHOT (bad @flags,
 * not an azlxkit program). @flags must be 0.
 */
int __ksym bpf_azlxkit_redirect(struct __sk_buff *skb, __u32 ifindex, __u64 flags);

#endif /* __AZLXNET_KFUNCS_H */
