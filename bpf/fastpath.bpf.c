// SPDX-License-Identifier: GPL-2.0-only
/*
 * The pod fast path (see Documentation/datapath.rst).
 *
 * azlxnet_from_pod, on tc ingress of the host side of each pod's veth:
 *   - to a local pod: TTL/hop limit down, MACs rewritten, bpf_redirect_peer()
 *     straight into the pod's namespace;
 *   - off node, when the FIB says the route leaves through an uplink with
 *     the fast path on: to the device bpf_azlxnet_tx_ifindex() names (the
 *     VF while it is up) with the FIB's MACs, or bpf_redirect_neigh() to the
 *     synthetic NIC while there is no neighbour entry yet;
 *   - everything else (ARP, ND and router messages, multicast, link-local,
 *     IPv6 extension headers, fragments, TTL/hop limit about to expire,
 *     what the FIB refuses, unknown destinations): TC_ACT_OK, the stack.
 * azlxnet_to_pod, on tc ingress of the uplink (synthetic NIC and VF):
 *   - to a local pod: bpf_redirect_peer() into it; else TC_ACT_OK.
 *
 * Built twice: fastpath.bpf.o calls the azlxnet.ko kfunc; fastpath_nomod
 * (AZLXNET_NO_KFUNC) is for nodes without the module and always uses the
 * synthetic NIC.
 */
#include "vmlinux.h"
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#include "fastpath.h"
#ifndef AZLXNET_NO_KFUNC
#include "azlxnet_kfuncs.h"
#endif

#define AF_INET		2
#define AF_INET6	10
#define ETH_ALEN	6
#define ETH_P_IP	0x0800
#define ETH_P_IPV6	0x86DD
#define IP_MF		0x2000
#define IP_OFFSET	0x1FFF
#define NEXTHDR_HOP	0
#define NEXTHDR_ROUTING	43
#define NEXTHDR_FRAGMENT 44
#define NEXTHDR_ICMP	58
#define NEXTHDR_DEST	60
#define NDISC_ROUTER_SOLICITATION	133
#define NDISC_REDIRECT			137
#define PACKET_HOST	0
#define TC_ACT_OK	0
#define TC_ACT_SHOT	2
#define TC_ACT_REDIRECT	7

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, AZLXNET_ENDPOINTS_MAX);
	__type(key, __u32);
	__type(value, struct azlxnet_ep);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} azlxnet_ep4 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, AZLXNET_ENDPOINTS_MAX);
	__type(key, struct azlxnet_in6);
	__type(value, struct azlxnet_ep);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} azlxnet_ep6 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, AZLXNET_SLOTS_MAX);
	__type(key, __u32);
	__type(value, struct azlxnet_host);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} azlxnet_hosts SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, AZLXNET_HOST_CACHE);
	__type(key, __u32);
	__type(value, struct azlxnet_host_cache);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} azlxnet_host_cache SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, AZLXNET_SLOTS_MAX);
	__type(key, __u32);
	__type(value, struct azlxnet_ep_stats);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} azlxnet_stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 64);
	__type(key, __u32);
	__type(value, struct azlxnet_uplink);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} azlxnet_uplinks SEC(".maps");

/* Where a parsed packet goes and what it needs. */
struct azlxnet_pkt {
	__u32			dst[4];		/* network order; IPv4 in [0] */
	__u32			src[4];
	__u8			family;
	__u8			l4_proto;
	__u8			tos;
	__u32			flowinfo;
};

/*
 * AZLXNET_BENCH_NO_COUNTERS: a build for the network benchmark only
 * (scripts/bench --variants), to see what the counters cost.
 */
static __always_inline struct azlxnet_ep_stats *azlxnet_stats_of(__u32 slot)
{
#ifdef AZLXNET_BENCH_NO_COUNTERS
	(void)slot;
	return NULL;
#else
	return bpf_map_lookup_elem(&azlxnet_stats, &slot);
#endif
}

/*
 * The counters of the pod whose host side @ifindex is: the array first (the
 * verifier inlines its lookup), the hash when another ifindex has the
 * entry. The tool rewrites an entry only when a pod comes or goes; a packet
 * that races with that may count on the slot written before: counters,
 * never forwarding, depend on it.
 */
static __always_inline struct azlxnet_ep_stats *azlxnet_sender_stats(__u32 ifindex)
{
	__u32 idx = ifindex & (AZLXNET_HOST_CACHE - 1);
	struct azlxnet_host_cache *c;
	struct azlxnet_host *host;

#ifdef AZLXNET_BENCH_NO_COUNTERS
	return NULL;	/* no lookup at all */
#endif
	c = bpf_map_lookup_elem(&azlxnet_host_cache, &idx);
	if (c && c->ifindex == ifindex)
		return azlxnet_stats_of(c->slot);
	host = bpf_map_lookup_elem(&azlxnet_hosts, &ifindex);
	return host ? azlxnet_stats_of(host->slot) : NULL;
}

/* The endpoint of the packet's destination, if it is a local pod. */
static __always_inline struct azlxnet_ep *azlxnet_ep_of(const struct azlxnet_pkt *p)
{
	if (p->family == AF_INET)
		return bpf_map_lookup_elem(&azlxnet_ep4, &p->dst[0]);
	return bpf_map_lookup_elem(&azlxnet_ep6, p->dst);
}

static __always_inline int azlxnet_fallback(struct azlxnet_ep_stats *st)
{
	if (st)
		st->fallback++;
	return TC_ACT_OK;
}

static __always_inline int azlxnet_drop(struct azlxnet_ep_stats *st,
					enum azlxnet_drop_reason why)
{
	if (st && why < AZLXNET_DROP_MAX)
		st->drops[why]++;
	return TC_ACT_SHOT;
}

/* 169.254.0.0/16 (network order). */
static __always_inline bool azlxnet_ipv4_ll(__be32 a)
{
	return (bpf_ntohl(a) >> 16) == 0xa9fe;
}

/* fe80::/10 */
static __always_inline bool azlxnet_ipv6_ll(const struct in6_addr *a)
{
	return a->in6_u.u6_addr8[0] == 0xfe && (a->in6_u.u6_addr8[1] & 0xc0) == 0x80;
}

/*
 * Parse Ethernet + IPv4/IPv6 up to the addresses. Return 0 if the packet is
 * one the fast path forwards, else -1: the stack's. The stack keeps
 *   - multicast and broadcast;
 *   - anything with a link-local source or destination (these never cross
 *     a router, and a forwarder must not touch them);
 *   - neighbour discovery and router messages (ICMPv6 133-137): RFC 4861
 *     makes receivers drop them unless the hop limit is still 255, and a
 *     unicast neighbour advertisement between two pods on one bridge has
 *     global addresses on both sides;
 *   - IPv6 with an extension header before the transport header (a
 *     hop-by-hop, routing or destination options header can carry such a
 *     message too) and fragments of either family.
 * The TTL / hop limit that would expire is the forwarding step's to check.
 */
static __always_inline int azlxnet_parse(struct __sk_buff *skb,
					 struct azlxnet_pkt *p)
{
	void *data_end = (void *)(long)skb->data_end;
	void *data = (void *)(long)skb->data;
	struct ethhdr *eth = data;

	if ((void *)(eth + 1) > data_end)
		return -1;

	if (eth->h_proto == bpf_htons(ETH_P_IP)) {
		struct iphdr *ip = (void *)(eth + 1);

		if ((void *)(ip + 1) > data_end || ip->ihl < 5)
			return -1;
		if (ip->frag_off & bpf_htons(IP_MF | IP_OFFSET))
			return -1;
		if ((bpf_ntohl(ip->daddr) >> 28) == 0xe || ip->daddr == 0xffffffff)
			return -1;
		if (azlxnet_ipv4_ll(ip->daddr) || azlxnet_ipv4_ll(ip->saddr))
			return -1;
		p->family = AF_INET;
		p->dst[0] = ip->daddr;
		p->src[0] = ip->saddr;
		p->l4_proto = ip->protocol;
		p->tos = ip->tos;
		return 0;
	}
	if (eth->h_proto == bpf_htons(ETH_P_IPV6)) {
		struct ipv6hdr *ip6 = (void *)(eth + 1);

		if ((void *)(ip6 + 1) > data_end)
			return -1;
		if (ip6->daddr.in6_u.u6_addr8[0] == 0xff ||
		    azlxnet_ipv6_ll(&ip6->daddr) || azlxnet_ipv6_ll(&ip6->saddr))
			return -1;
		switch (ip6->nexthdr) {
		case NEXTHDR_HOP:
		case NEXTHDR_ROUTING:
		case NEXTHDR_FRAGMENT:
		case NEXTHDR_DEST:
			return -1;
		case NEXTHDR_ICMP: {
			__u8 *type = (void *)(ip6 + 1);

			if ((void *)(type + 1) > data_end)
				return -1;
			if (*type >= NDISC_ROUTER_SOLICITATION && *type <= NDISC_REDIRECT)
				return -1;
			break;
		}
		}
		p->family = AF_INET6;
		__builtin_memcpy(p->dst, ip6->daddr.in6_u.u6_addr32, 16);
		__builtin_memcpy(p->src, ip6->saddr.in6_u.u6_addr32, 16);
		p->l4_proto = ip6->nexthdr;
		p->flowinfo = *(__u32 *)ip6 & bpf_htonl(0x0FFFFFFF);
		return 0;
	}
	return -1;	/* ARP and everything else */
}

/*
 * What forwarding does to the L3 header: TTL or hop limit down by one (with
 * the IPv4 checksum fixed up incrementally, as ip_decrease_ttl() does).
 * Return -1 if it would expire: the stack then sends the ICMP error.
 */
static __always_inline int azlxnet_forward_l3(struct __sk_buff *skb,
					      struct azlxnet_pkt *p)
{
	void *data_end = (void *)(long)skb->data_end;
	void *data = (void *)(long)skb->data;

	if (p->family == AF_INET) {
		struct iphdr *ip = data + sizeof(struct ethhdr);
		__u32 check;

		if ((void *)(ip + 1) > data_end || ip->ttl <= 1)
			return -1;
		check = ip->check;
		check += bpf_htons(0x0100);
		ip->check = (__u16)(check + (check >= 0xFFFF));
		ip->ttl--;
		return 0;
	}
	{
		struct ipv6hdr *ip6 = data + sizeof(struct ethhdr);

		if ((void *)(ip6 + 1) > data_end || ip6->hop_limit <= 1)
			return -1;
		ip6->hop_limit--;
		return 0;
	}
}

static __always_inline int azlxnet_set_macs(struct __sk_buff *skb,
					    const __u8 *dst, const __u8 *src)
{
	void *data_end = (void *)(long)skb->data_end;
	struct ethhdr *eth = (void *)(long)skb->data;

	if ((void *)(eth + 1) > data_end)
		return -1;
	__builtin_memcpy(eth->h_dest, dst, ETH_ALEN);
	__builtin_memcpy(eth->h_source, src, ETH_ALEN);
	return 0;
}

/* A packet redirected into the pod of @ep, on its counters. */
static __always_inline void azlxnet_to_pod_count(const struct azlxnet_ep *ep,
						 struct __sk_buff *skb)
{
	struct azlxnet_ep_stats *dst_st = azlxnet_stats_of(ep->slot);

	if (dst_st) {
		dst_st->to_pod_packets++;
		dst_st->to_pod_bytes += skb->len;
	}
}

/*
 * Deliver into a local pod. st: counters of the endpoint the run is for
 * (the sender's, or NULL); the receiver's come from its slot.
 */
static __always_inline int azlxnet_to_local(struct __sk_buff *skb,
					    struct azlxnet_pkt *p,
					    const struct azlxnet_ep *ep,
					    struct azlxnet_ep_stats *st)
{
	long ret;

	if (azlxnet_forward_l3(skb, p) ||
	    azlxnet_set_macs(skb, ep->pod_mac, ep->host_mac))
		return azlxnet_fallback(st);
	ret = bpf_redirect_peer(ep->host_ifindex, 0);
	if (ret != TC_ACT_REDIRECT)
		return azlxnet_drop(st, AZLXNET_DROP_REDIRECT);
	if (st)
		st->redirect_peer++;
	azlxnet_to_pod_count(ep, skb);
	return TC_ACT_REDIRECT;
}

/* How a packet left through an uplink. */
enum azlxnet_out {
	AZLXNET_OUT_VF,		/* to the VF under the uplink */
	AZLXNET_OUT_UPLINK,	/* to the uplink itself */
	AZLXNET_OUT_NEIGH,	/* to the stack's neighbour resolution */
};

/*
 * The result of a redirect out through an uplink: on the sender's (@st)
 * and the uplink's (@ust) counters, by @how when it was taken.
 */
static __always_inline int azlxnet_out_count(struct __sk_buff *skb, long ret,
					     enum azlxnet_out how,
					     struct azlxnet_ep_stats *st,
					     struct azlxnet_ep_stats *ust)
{
	if (ret != TC_ACT_REDIRECT) {
		azlxnet_drop(ust, AZLXNET_DROP_REDIRECT);
		return azlxnet_drop(st, AZLXNET_DROP_REDIRECT);
	}
	switch (how) {
	case AZLXNET_OUT_VF:
		if (st)
			st->redirect_vf++;
		if (ust)
			ust->redirect_vf++;
		break;
	case AZLXNET_OUT_UPLINK:
		if (st)
			st->redirect_uplink++;
		if (ust)
			ust->redirect_uplink++;
		break;
	case AZLXNET_OUT_NEIGH:
		if (st)
			st->redirect_neigh++;
		if (ust)
			ust->redirect_neigh++;
		break;
	}
	if (ust) {
		ust->from_pod_packets++;
		ust->from_pod_bytes += skb->len;
	}
	return TC_ACT_REDIRECT;
}

/* The route lookup's input for @p, as if it came in on @ifindex. */
static __always_inline void azlxnet_fib_init(struct bpf_fib_lookup *fib,
					     const struct azlxnet_pkt *p, __u32 ifindex)
{
	fib->ifindex = ifindex;
	fib->l4_protocol = p->l4_proto;
	/*
	 * tot_len stays 0: the helper then checks the skb itself against the
	 * egress MTU, GSO-aware. The IP length of a GSO packet is over the MTU
	 * though its segments are not, and would send bulk TCP to the stack.
	 */
	if (p->family == AF_INET) {
		fib->family = AF_INET;
		fib->tos = p->tos;
		fib->ipv4_src = p->src[0];
		fib->ipv4_dst = p->dst[0];
	} else {
		fib->family = AF_INET6;
		fib->flowinfo = p->flowinfo;
		__builtin_memcpy(fib->ipv6_src, p->src, 16);
		__builtin_memcpy(fib->ipv6_dst, p->dst, 16);
	}
}

static __always_inline int azlxnet_off_node(struct __sk_buff *skb,
					    struct azlxnet_pkt *p,
					    struct azlxnet_ep_stats *st)
{
	struct bpf_fib_lookup fib = {};
	struct azlxnet_ep_stats *ust;
	struct azlxnet_uplink *up;
	__s32 tx;
	long ret;

	azlxnet_fib_init(&fib, p, skb->ingress_ifindex);
	ret = bpf_fib_lookup(skb, &fib, sizeof(fib), 0);
	if (ret == BPF_FIB_LKUP_RET_BLACKHOLE)
		return azlxnet_drop(st, AZLXNET_DROP_FIB_BLACKHOLE);
	if (ret != BPF_FIB_LKUP_RET_SUCCESS && ret != BPF_FIB_LKUP_RET_NO_NEIGH)
		return azlxnet_fallback(st);	/* unreachable, MTU, ... */
	/* Only routes out of an uplink with the fast path on. */
	up = bpf_map_lookup_elem(&azlxnet_uplinks, &fib.ifindex);
	if (!up)
		return azlxnet_fallback(st);
	ust = azlxnet_stats_of(up->slot);
	if (azlxnet_forward_l3(skb, p)) {
		azlxnet_fallback(ust);
		return azlxnet_fallback(st);
	}

	if (ret == BPF_FIB_LKUP_RET_NO_NEIGH)
		/* The stack resolves it; the next packets take the VF. */
		return azlxnet_out_count(skb, bpf_redirect_neigh(fib.ifindex, NULL, 0, 0),
					 AZLXNET_OUT_NEIGH, st, ust);

#ifndef AZLXNET_NO_KFUNC
	tx = bpf_azlxnet_tx_ifindex(skb, fib.ifindex);
#else
	tx = -1;
#endif
	if (azlxnet_set_macs(skb, fib.dmac, fib.smac)) {
		azlxnet_fallback(ust);
		return azlxnet_fallback(st);
	}
	if (tx > 0 && (__u32)tx != fib.ifindex)
		return azlxnet_out_count(skb, bpf_redirect(tx, 0), AZLXNET_OUT_VF, st, ust);
	return azlxnet_out_count(skb, bpf_redirect(fib.ifindex, 0), AZLXNET_OUT_UPLINK, st, ust);
}

SEC("tc")
int azlxnet_from_pod(struct __sk_buff *skb)
{
	__u32 ifindex = skb->ingress_ifindex;
	struct azlxnet_ep_stats *st;
	struct azlxnet_pkt p = {};
	struct azlxnet_ep *ep;

	st = azlxnet_sender_stats(ifindex);
	if (st) {
		st->from_pod_packets++;
		st->from_pod_bytes += skb->len;
	}
	if (azlxnet_parse(skb, &p))
		return azlxnet_fallback(st);
	ep = azlxnet_ep_of(&p);
	if (ep) {
		if (ep->host_ifindex == ifindex)
			return azlxnet_fallback(st);	/* to itself */
		return azlxnet_to_local(skb, &p, ep, st);
	}
	return azlxnet_off_node(skb, &p, st);
}

SEC("tc")
int azlxnet_to_pod(struct __sk_buff *skb)
{
	struct azlxnet_pkt p = {};
	struct azlxnet_ep *ep;

	/* Frames for other MACs (a promiscuous uplink) are not ours. */
	if (skb->pkt_type != PACKET_HOST)
		return TC_ACT_OK;
	if (azlxnet_parse(skb, &p))
		return TC_ACT_OK;
	ep = azlxnet_ep_of(&p);
	if (!ep)
		return TC_ACT_OK;
	return azlxnet_to_local(skb, &p, ep, azlxnet_stats_of(ep->slot));
}

#ifndef AZLXNET_NO_KFUNC
/*
 * azlxnet_from_kit: azlxnet_from_pod for a pod on an azlxkit pair, run in
 * the transmit of the pair's peer (the pod's end): skb->dev is already the
 * primary, the host side. bpf_redirect*() cannot be acted on there:
 * bpf_azlxkit_redirect() (azlxnet.ko) takes their place. The same parsing,
 * maps and counters as azlxnet_from_pod:
 *   - to a local pod: TTL/hop limit down, MACs rewritten, to the pod's
 *     host side: an azlxkit primary delivers straight into its pod, a veth
 *     transmits to its peer; one backlog hop either way (redirect_peer);
 *   - off node: as azlxnet_from_pod, to the VF or the synthetic NIC
 *     (redirect_vf, redirect_uplink); without a neighbour entry yet, the
 *     stack's, which resolves it (fallback): there is no
 *     bpf_redirect_neigh() here.
 * Loaded only on request ("?tc"): it needs a module with that kfunc.
 */
static __always_inline long azlxnet_kit_xmit(struct __sk_buff *skb, __u32 ifindex)
{
#ifdef AZLXNET_BENCH_NETKIT
	/*
	 * A build for the network benchmark only (netkit+prog): the same
	 * program on an in-kernel netkit peer, which acts on bpf_redirect()
	 * itself.
	 */
	return bpf_redirect(ifindex, 0);
#else
	return bpf_azlxkit_redirect(skb, ifindex, 0);
#endif
}

static __always_inline int azlxnet_kit_off_node(struct __sk_buff *skb,
						struct azlxnet_pkt *p,
						struct azlxnet_ep_stats *st)
{
	struct bpf_fib_lookup fib = {};
	struct azlxnet_ep_stats *ust;
	struct azlxnet_uplink *up;
	__s32 tx;
	long ret;

	azlxnet_fib_init(&fib, p, skb->ifindex);
	ret = bpf_fib_lookup(skb, &fib, sizeof(fib), 0);
	if (ret == BPF_FIB_LKUP_RET_BLACKHOLE)
		return azlxnet_drop(st, AZLXNET_DROP_FIB_BLACKHOLE);
	if (ret != BPF_FIB_LKUP_RET_SUCCESS)
		return azlxnet_fallback(st);	/* no neighbour, unreachable, MTU, ... */
	up = bpf_map_lookup_elem(&azlxnet_uplinks, &fib.ifindex);
	if (!up)
		return azlxnet_fallback(st);
	ust = azlxnet_stats_of(up->slot);
	if (azlxnet_forward_l3(skb, p) || azlxnet_set_macs(skb, fib.dmac, fib.smac)) {
		azlxnet_fallback(ust);
		return azlxnet_fallback(st);
	}
	tx = bpf_azlxnet_tx_ifindex(skb, fib.ifindex);
	if (tx > 0 && (__u32)tx != fib.ifindex)
		return azlxnet_out_count(skb, azlxnet_kit_xmit(skb, tx), AZLXNET_OUT_VF,
					 st, ust);
	return azlxnet_out_count(skb, azlxnet_kit_xmit(skb, fib.ifindex),
				 AZLXNET_OUT_UPLINK, st, ust);
}

SEC("?tc")
int azlxnet_from_kit(struct __sk_buff *skb)
{
	__u32 ifindex = skb->ifindex;
	struct azlxnet_ep_stats *st;
	struct azlxnet_pkt p = {};
	struct azlxnet_ep *ep;

	st = azlxnet_sender_stats(ifindex);
	if (st) {
		st->from_pod_packets++;
		st->from_pod_bytes += skb->len;
	}
	if (azlxnet_parse(skb, &p))
		return azlxnet_fallback(st);
	ep = azlxnet_ep_of(&p);
	if (!ep)
		return azlxnet_kit_off_node(skb, &p, st);
	if (ep->host_ifindex == ifindex)
		return azlxnet_fallback(st);	/* to itself */
	if (azlxnet_forward_l3(skb, &p) ||
	    azlxnet_set_macs(skb, ep->pod_mac, ep->host_mac))
		return azlxnet_fallback(st);
	if (azlxnet_kit_xmit(skb, ep->host_ifindex) != TC_ACT_REDIRECT)
		return azlxnet_drop(st, AZLXNET_DROP_REDIRECT);
	if (st)
		st->redirect_peer++;
	azlxnet_to_pod_count(ep, skb);
	return TC_ACT_REDIRECT;
}
#endif

char _license[] SEC("license") = "GPL";
