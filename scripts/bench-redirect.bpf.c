// SPDX-License-Identifier: GPL-2.0-only
/*
 * The smallest pod-to-pod tc program, for the network benchmark only: every
 * IPv4 packet gets the target pod's MACs and goes to one fixed device, with
 * bpf_redirect_peer() (into the device's peer, as the fast path does) or
 * bpf_redirect() (out of the device, through the veth and the backlog).
 * It measures the redirect itself against the full fast-path programs.
 * scripts/bench-helper sets the rodata and attaches it.
 */
#include "vmlinux.h"
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#define ETH_ALEN	6
#define ETH_P_IP	0x0800
#define TC_ACT_OK	0
#define TC_ACT_SHOT	2

const volatile __u32 bench_ifindex;
const volatile __u8 bench_peer = 1;
const volatile __u8 bench_dmac[ETH_ALEN];
const volatile __u8 bench_smac[ETH_ALEN];

SEC("tc")
int bench_redirect(struct __sk_buff *skb)
{
	void *data_end = (void *)(long)skb->data_end;
	struct ethhdr *eth = (void *)(long)skb->data;
	int i;

	if ((void *)(eth + 1) > data_end || eth->h_proto != bpf_htons(ETH_P_IP))
		return TC_ACT_OK;	/* ARP goes to the stack */
	for (i = 0; i < ETH_ALEN; i++) {
		eth->h_dest[i] = bench_dmac[i];
		eth->h_source[i] = bench_smac[i];
	}
	if (bench_peer)
		return bpf_redirect_peer(bench_ifindex, 0);
	return bpf_redirect(bench_ifindex, 0);
}

char _license[] SEC("license") = "GPL";
