// SPDX-License-Identifier: GPL-2.0-only
/*
 * Test programs for azlxkit redirects (kit_prog loads them).
 *
 * kit_redirect, in an azlxkit end: with target set, redirect every packet
 * there (bpf_azlxkit_redirect(), with flags); without, route IPv4 and IPv6
 * with bpf_fib_lookup() in the receiving end's namespace and redirect to
 * the route's device with the neighbour's addresses. With no neighbour
 * entry yet it redirects all the same: the pods' azlxkit devices are L3
 * and read no address. Destinations the FIB does not forward to (the
 * host's own addresses) and other protocols pass. No tot_len: the helper
 * then checks the packet against the route's MTU itself, GSO packets
 * included.
 *
 * sk_seen, on tc egress of a redirect's target: counts the packets that
 * still carry their socket and those that do not.
 */
#include "vmlinux.h"
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#include "azlxnet_kfuncs.h"

#define AF_INET		2
#define AF_INET6	10
#define ETH_ALEN	6
#define ETH_P_IP	0x0800
#define ETH_P_IPV6	0x86DD
#define TC_ACT_OK	0

__u32 target;
__u64 flags;

__u64 with_sk;
__u64 without_sk;

SEC("tc")
int kit_redirect(struct __sk_buff *skb)
{
	void *data_end = (void *)(long)skb->data_end;
	void *data = (void *)(long)skb->data;
	struct bpf_fib_lookup fib = {};
	struct ethhdr *eth = data;
	int ret;

	if (target)
		return bpf_azlxkit_redirect(skb, target, flags);
	if ((void *)(eth + 1) > data_end)
		return TC_ACT_OK;
	if (eth->h_proto == bpf_htons(ETH_P_IP)) {
		struct iphdr *ip = (void *)(eth + 1);

		if ((void *)(ip + 1) > data_end)
			return TC_ACT_OK;
		fib.family = AF_INET;
		fib.tos = ip->tos;
		fib.l4_protocol = ip->protocol;
		fib.ipv4_src = ip->saddr;
		fib.ipv4_dst = ip->daddr;
	} else if (eth->h_proto == bpf_htons(ETH_P_IPV6)) {
		struct ipv6hdr *ip6 = (void *)(eth + 1);

		if ((void *)(ip6 + 1) > data_end)
			return TC_ACT_OK;
		fib.family = AF_INET6;
		fib.l4_protocol = ip6->nexthdr;
		__builtin_memcpy(fib.ipv6_src, &ip6->saddr, sizeof(fib.ipv6_src));
		__builtin_memcpy(fib.ipv6_dst, &ip6->daddr, sizeof(fib.ipv6_dst));
	} else {
		return TC_ACT_OK;
	}
	fib.ifindex = skb->ifindex;
	ret = bpf_fib_lookup(skb, &fib, sizeof(fib), 0);
	if (ret == BPF_FIB_LKUP_RET_SUCCESS) {
		__builtin_memcpy(eth->h_dest, fib.dmac, ETH_ALEN);
		__builtin_memcpy(eth->h_source, fib.smac, ETH_ALEN);
	} else if (ret != BPF_FIB_LKUP_RET_NO_NEIGH) {
		return TC_ACT_OK;
	}
	return bpf_azlxkit_redirect(skb, fib.ifindex, flags);
}

SEC("tc")
int sk_seen(struct __sk_buff *skb)
{
	if (skb->sk)
		__sync_fetch_and_add(&with_sk, 1);
	else
		__sync_fetch_and_add(&without_sk, 1);
	return TC_ACT_OK;
}

char LICENSE[] SEC("license") = "GPL";
