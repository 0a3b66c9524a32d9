/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The pod fast path: types shared by the tc programs (fastpath.bpf.c) and
 * the azlxnet tool, which fills the maps and reads the counters.
 * Documentation/datapath.rst describes which packet goes where.
 */
#ifndef __AZLXNET_FASTPATH_H
#define __AZLXNET_FASTPATH_H

/* The maps are pinned here (bpffs), by name, shared by every program. */
#define AZLXNET_PIN_DIR		"/sys/fs/bpf/azlxnet"
#define AZLXNET_ENDPOINTS_MAX	16384

/* tc attachment: clsact ingress, this handle and priority on every device. */
#define AZLXNET_TC_HANDLE	0xa21e
#define AZLXNET_TC_PRIO		1

/* Map azlxnet_endpoints: a pod address -> its endpoint. */
struct azlxnet_ep_key {
	__u8	family;			/* AF_INET or AF_INET6 */
	__u8	pad[3];
	__u32	addr[4];		/* network order; IPv4 in addr[0], rest 0 */
};

struct azlxnet_ep {
	__u32	host_ifindex;		/* host side of the pod's veth */
	__u8	pod_mac[6];		/* the pod interface's MAC */
	__u8	host_mac[6];		/* the host side's MAC */
};

/* Map azlxnet_uplinks: ifindex of a synthetic NIC with the fast path on -> 1. */

/*
 * Why a packet was dropped (index into drops[]). Everything the programs do
 * not understand goes to the stack instead; they drop only what the stack
 * would drop silently too.
 */
enum azlxnet_drop_reason {
	AZLXNET_DROP_FIB_BLACKHOLE,	/* the route is a blackhole */
	AZLXNET_DROP_REDIRECT,		/* a redirect helper refused the packet */

	AZLXNET_DROP_MAX
};

/*
 * Map azlxnet_ep_stats: per-CPU counters per endpoint, keyed by its
 * host_ifindex. from_pod_* counts what the pod sent and the fast path saw,
 * to_pod_* what the fast path delivered into the pod. Each program run
 * counts one outcome (a redirect kind, a fallback or a drop), on the
 * endpoint it ran for: the sender for packets from a pod, the receiver for
 * packets from the uplink.
 */
struct azlxnet_ep_stats {
	__u64	from_pod_packets;
	__u64	from_pod_bytes;
	__u64	to_pod_packets;
	__u64	to_pod_bytes;
	__u64	redirect_peer;		/* to a local pod: bpf_redirect_peer() */
	__u64	redirect_vf;		/* off node, straight to the VF */
	__u64	redirect_uplink;	/* off node, to the synthetic NIC, MACs from the FIB */
	__u64	redirect_neigh;		/* off node, bpf_redirect_neigh(): no neighbour yet */
	__u64	fallback;		/* TC_ACT_OK: the stack handles it */
	__u64	drops[AZLXNET_DROP_MAX];
};

#endif /* __AZLXNET_FASTPATH_H */
