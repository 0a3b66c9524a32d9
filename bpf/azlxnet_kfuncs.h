/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * kfuncs exported by azlxnet.ko to tc (BPF_PROG_TYPE_SCHED_CLS) programs.
 * The contract of each one is in Documentation/kfuncs.rst.
 */
#ifndef __AZLXNET_KFUNCS_H
#define __AZLXNET_KFUNCS_H

/* The module's API level (AZLXNET_API_VERSION in <linux/azlxnet.h>). */
__u32 __ksym bpf_azlxnet_api_version(void);

#endif /* __AZLXNET_KFUNCS_H */
