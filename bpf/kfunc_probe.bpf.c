// SPDX-License-Identifier: GPL-2.0-only
/*
 * Probes of the azlxnet kfuncs through BPF_PROG_TEST_RUN. They load only
 * when azlxnet.ko is loaded with its BTF. "azlxnet status" runs the API
 * level probe; the selftests run both.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

#include "azlxnet_kfuncs.h"

SEC("tc")
int azlxnet_kfunc_probe(struct __sk_buff *skb)
{
	return bpf_azlxnet_api_version();
}

/* Synthetic NIC to ask about; set by user space before each run. */
__u32 tx_probe_ifindex;

SEC("tc")
int azlxnet_tx_probe(struct __sk_buff *skb)
{
	return bpf_azlxnet_tx_ifindex(skb, tx_probe_ifindex);
}

char _license[] SEC("license") = "GPL";
