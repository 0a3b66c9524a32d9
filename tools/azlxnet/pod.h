/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Pods on the fast path: their addresses (azlxnet_endpoints keys), their
 * counters, and adding, removing and checking them. The parsing and the
 * rendering are pure, for the host tests.
 */
#ifndef __AZLXNET_POD_H
#define __AZLXNET_POD_H

#include <stdbool.h>
#include <stddef.h>

#include <net/if.h>
#include <linux/types.h>

#include "datapath.h"

/* A pod has at most one IPv4 and one IPv6 address. */
#define AZLX_POD_ADDRS_MAX	2

struct azlx_addrs {
	size_t			n;
	struct azlxnet_ep_key	key[AZLX_POD_ADDRS_MAX];
};

/* @family's @addr (network order: 4 or 16 bytes) as a map key. */
void azlx_ep_key_build(int family, const void *addr, struct azlxnet_ep_key *key);

/* "10.1.0.5" or "fd00::5" into @buf; "?" for an unknown family. */
const char *azlx_ep_key_fmt(const struct azlxnet_ep_key *key, char *buf, size_t len);

/*
 * One address, "10.1.0.5" or "fd00::5", optionally with a prefix length
 * ("/24"), which is checked and dropped. Only unicast addresses are taken
 * (not unspecified, loopback, multicast, broadcast or IPv6 link-local).
 * Returns 0 or -EINVAL with the reason in @e.
 */
int azlx_addr_parse(const char *s, struct azlxnet_ep_key *key, struct azlx_err *e);

/*
 * Adds address @s to @a: at most one per family, no duplicate. Returns 0 or
 * -EINVAL.
 */
int azlx_addrs_add(struct azlx_addrs *a, const char *s, struct azlx_err *e);

/* "ADDR[,ADDR6]" into @a (emptied first). */
int azlx_addrs_parse(const char *list, struct azlx_addrs *a, struct azlx_err *e);

/* "02:00:0a:01:00:05" (also upper case): 0 or -EINVAL. */
int azlx_mac_parse(const char *s, __u8 mac[6]);

/* One endpoint: the entries of one host ifindex, and its counters. */
#define AZLX_POD_ROW_ADDRS	8

struct azlx_pod_row {
	__u32			host_ifindex;
	char			host_ifname[IFNAMSIZ];	/* "" when it is gone */
	size_t			naddrs;
	struct azlxnet_ep_key	addrs[AZLX_POD_ROW_ADDRS];	/* IPv4 first */
	__u8			pod_mac[6];
	__u8			host_mac[6];
	char			device[32];	/* host side's kind: "veth", "azlxkit"; "" unknown */
	bool			has_stats;
	struct azlxnet_ep_stats	stats;
};

/*
 * Groups the entries of @l by host ifindex into rows sorted by it (addresses
 * IPv4 first, then by value). Names and counters are left empty. Returns
 * the number of rows in *@rows (to free), or -ENOMEM.
 */
int azlx_pod_rows_build(const struct azlx_ep_entry *v, size_t n, struct azlx_pod_row **rows);

/* The name of drop reason @i ("fib_blackhole"), or NULL if unknown. */
const char *azlx_drop_reason_name(unsigned int i);

/*
 * One row: an object (host_ifindex, host_ifname, addresses, pod_mac,
 * host_mac and, with @counters, "stats": the fields of struct
 * azlxnet_ep_stats with drops{} by reason name, or null) or one line, and
 * two more with @counters.
 */
void azlx_pod_row_print(const struct azlx_pod_row *r, bool counters);

/*
 * The pods on the fast path, as "pod show" lists them: rows with their
 * names and counters in *@rows (to free). Returns their number, -ENOENT
 * when there is no fast path state, or another negative errno (in @e).
 */
int azlx_pod_rows_read(struct azlx_pod_row **rows, struct azlx_err *e);

/* What to add, check or remove. */
struct azlx_pod_req {
	const char		*netns;
	const char		*ifname;
	struct azlx_addrs	addrs;
	bool			has_mac;	/* IF's MAC must be this one */
	__u8			mac[6];
};

/*
 * Puts the pod of @req on the fast path: one endpoint entry per address
 * (replacing the pod's others, and stale ones of vanished interfaces),
 * zeroed counters, azlxnet_from_pod on its host side (a veth), or
 * azlxnet_from_kit on the peer's end of its azlxkit pair. All or nothing.
 * On success @row describes the pod.
 */
int azlx_pod_add(const struct azlx_pod_req *req, struct azlx_pod_row *row, struct azlx_err *e);

/* What a removal removed: one row per endpoint, counters empty. */
struct azlx_pod_removed {
	struct azlx_pod_row	*v;
	size_t			n;
};

void azlx_pod_removed_free(struct azlx_pod_removed *r);

/*
 * Removes the pod whose interface is @ifname in @netns: the entries and
 * counters of its host side, and the program there. Nothing to remove is
 * not an error (r->n == 0); a missing namespace or interface is (CNI
 * code 3).
 */
int azlx_pod_del_link(const char *netns, const char *ifname, struct azlx_pod_removed *r,
		      struct azlx_err *e);

/*
 * Removes the pods that own the addresses of @a, whole. With @gone_only,
 * a pod whose host side still exists is left alone (with a warning): for
 * CNI DEL without the namespace, an address that moved to a live pod is
 * that pod's now.
 */
int azlx_pod_del_addrs(const struct azlx_addrs *a, bool gone_only, struct azlx_pod_removed *r,
		       struct azlx_err *e);

/*
 * CNI CHECK: every address of @req points at the host side of its
 * interface with both MACs right, the counters exist and our program is on
 * the host side. Errors have CNI code 103 unless something else failed.
 */
int azlx_pod_check(const struct azlx_pod_req *req, struct azlx_err *e);

/* Options of pod, parsed by main() with the others. */
enum {
	AZLX_OPT_POD_FIRST = 0x200,
	AZLX_OPT_NETNS = AZLX_OPT_POD_FIRST,
	AZLX_OPT_IFNAME,
	AZLX_OPT_IP,
	AZLX_OPT_MAC,
	AZLX_OPT_POD_LAST = AZLX_OPT_MAC,
};

#define AZLX_POD_LONG_OPTS						\
	{ "netns",	required_argument,	NULL, AZLX_OPT_NETNS },		\
	{ "ifname",	required_argument,	NULL, AZLX_OPT_IFNAME },	\
	{ "ip",		required_argument,	NULL, AZLX_OPT_IP },		\
	{ "mac",	required_argument,	NULL, AZLX_OPT_MAC }

struct azlx_pod_opts {
	const char	*given;		/* the first one given ("--netns"), or NULL */
	const char	*netns, *ifname, *ip, *mac;
};

extern struct azlx_pod_opts azlx_pod_opts;

/* Records option @opt (AZLX_OPT_*) with its argument. */
void azlx_pod_set_opt(int opt, const char *arg);

int azlx_do_pod(int argc, char **argv);
int azlx_do_fastpath(int argc, char **argv);

#endif /* __AZLXNET_POD_H */
