/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * kfuncs exported by azlxnet.ko to tc (BPF_PROG_TYPE_SCHED_CLS) programs.
 * The contract of each one is in Documentation/kfuncs.rst.
 */
#ifndef __AZLXNET_KFUNCS_H
#define __AZLXNET_KFUNCS_H

/* The module's API level (AZLXNET_API_VERSION in <linux/azlxnet.h>). */
extern __u32 bpf_azlxnet_api_version(void) __ksym;

#endif /* __AZLXNET_KFUNCS_H */
