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

#endif /* _AZLXNET_COMPAT_H */
