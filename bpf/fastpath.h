/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The pod fast path: types shared by the tc programs (fastpath.bpf.c) and
 * the azlxnet tool, which fills the maps and reads the counters.
 * Documentation/datapath.rst describes which packet goes where.
 */
#ifndef __AZLXNET_FASTPATH_H
#define __AZLXNET_FASTPATH_H

/*
 * The maps and programs of one build are pinned in a directory of their own
 * under this one, named by their identity (AZLXNET_PIN_DIR/l2-<hash>, see
 * tools/azlxnet/datapath.c); AZLXNET_PIN_DIR itself is the tool's lock.
 */
#define AZLXNET_PIN_DIR		"/sys/fs/bpf/azlxnet"
/*
 * The layout of the maps below. A tool migrates state of another identity
 * (another layout or other programs) to its own; it reads endpoint values
 * of any size by their common start, so fields are only ever appended.
 */
#define AZLXNET_LAYOUT		3
#define AZLXNET_ENDPOINTS_MAX	16384
/* counter slots: one per pod and one per uplink */
#define AZLXNET_SLOTS_MAX	1024

/* tc attachment (kernels without tcx): clsact ingress, this handle and priority. */
#define AZLXNET_TC_HANDLE	0xa21e
#define AZLXNET_TC_PRIO		1

/*
 * Maps azlxnet_ep4 (key: the IPv4 address, __u32 network order) and
 * azlxnet_ep6 (key: struct azlxnet_in6): a pod address -> its endpoint.
 */
struct azlxnet_in6 {
	__u32	addr[4];		/* network order */
};

struct azlxnet_ep {
	__u32	host_ifindex;		/* host side of the pod's veth */
	__u8	pod_mac[6];		/* the pod interface's MAC */
	__u8	host_mac[6];		/* the host side's MAC */
	__u32	slot;			/* the pod's counters in azlxnet_stats */
#ifdef AZLXNET_LAYOUT_TEST
	__u32	layout_test;		/* a build for the upgrade test: another layout */
#endif
};

/* Map azlxnet_hosts: the host side of a pod (its ifindex) -> this. */
struct azlxnet_host {
	__u32	slot;			/* the pod's counters in azlxnet_stats */
};

/*
 * Map azlxnet_host_cache: an array in front of azlxnet_hosts, indexed by
 * ifindex % AZLXNET_HOST_CACHE, so that a pod's packets find their sender's
 * slot without a hash lookup; an entry counts only if its ifindex is the
 * packet's (else the hash answers: two pods whose ifindexes collide).
 */
#define AZLXNET_HOST_CACHE	65536
struct azlxnet_host_cache {
	__u32	ifindex;		/* 0: empty */
	__u32	slot;
};

/* Map azlxnet_uplinks: ifindex of a synthetic NIC with the fast path on -> this. */
struct azlxnet_uplink {
	__u32	slot;			/* the uplink's counters in azlxnet_stats */
};

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
 * Map azlxnet_stats: per-CPU counters, a per-CPU array indexed by the slot
 * of an endpoint or uplink. from_pod_* counts what the pod sent and the fast
 * path saw, to_pod_* what the fast path delivered into it. Each program run
 * counts one outcome (a redirect kind, a fallback or a drop), on the
 * endpoint it ran for: the sender for packets from a pod, the receiver for
 * packets from the uplink. An uplink's slot counts what pods sent out
 * through it: from_pod_* and its redirect_vf/uplink/neigh.
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
