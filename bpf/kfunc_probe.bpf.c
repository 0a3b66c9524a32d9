// SPDX-License-Identifier: GPL-2.0-only
/*
 * Proves the module-BTF and kfunc plumbing on this kernel: loads only when
 * azlxnet.ko is loaded with its BTF, and returns the module's API level from
 * BPF_PROG_TEST_RUN. "azlxnet status" and the selftests run it.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

#include "azlxnet_kfuncs.h"

SEC("tc")
int azlxnet_kfunc_probe(struct __sk_buff *skb)
{
	return bpf_azlxnet_api_version();
}

char _license[] SEC("license") = "GPL";
