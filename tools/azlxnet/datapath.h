/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The pod fast path's kernel state, as the tool manages it: the programs of
 * bpf/fastpath.bpf.c (loaded from their skeletons), the maps they share
 * (pinned under AZLXNET_PIN_DIR) and their tc attachments (clsact ingress,
 * handle AZLXNET_TC_HANDLE, priority AZLXNET_TC_PRIO).
 *
 * Functions report errors in a struct azlx_err instead of printing them, so
 * that the commands and the CNI plugin mode can each render them their way.
 */
#ifndef __AZLXNET_DATAPATH_H
#define __AZLXNET_DATAPATH_H

#include <stdbool.h>
#include <stdarg.h>
#include <stddef.h>

#include <linux/types.h>

#include <bpf/libbpf.h>

#include "fastpath.h"

/*
 * CNI error codes of the plugin (100 and up are the plugin's own, see
 * azlxnet(8)); the core sets one when its failure has a specific meaning.
 */
enum azlx_cni_code {
	AZLX_CNI_ERR_VERSION		= 1,	/* incompatible CNI version */
	AZLX_CNI_ERR_FIELD		= 2,	/* unsupported field in the configuration */
	AZLX_CNI_ERR_CONTAINER		= 3,	/* container unknown or does not exist */
	AZLX_CNI_ERR_ENV		= 4,	/* invalid necessary environment variables */
	AZLX_CNI_ERR_IO			= 5,	/* I/O failure */
	AZLX_CNI_ERR_DECODE		= 6,	/* failed to decode content */
	AZLX_CNI_ERR_CONFIG		= 7,	/* invalid network configuration */
	AZLX_CNI_ERR_AGAIN		= 11,	/* try again later */
	AZLX_CNI_ERR_FASTPATH		= 100,	/* the fast path could not be changed */
	AZLX_CNI_ERR_ADDR_IN_USE	= 101,	/* an address belongs to another pod */
	AZLX_CNI_ERR_LINK		= 102,	/* the interface is not a veth to the host */
	AZLX_CNI_ERR_CHECK		= 103,	/* CHECK: the pod's state is missing or wrong */
};

/* An error: a positive errno, a message, and its CNI code (0: default). */
struct azlx_err {
	int	err;
	int	cni_code;
	char	msg[512];
};

/* Fills @e; returns -@err so that callers can "return azlx_fail(...)". */
int azlx_fail(struct azlx_err *e, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Likewise, with a CNI code. */
int azlx_fail_cni(struct azlx_err *e, int cni_code, int err, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* Which skeleton: with the azlxnet.ko kfunc, or without. */
enum azlx_dp_variant {
	AZLX_DP_NONE,
	AZLX_DP_MOD,		/* struct fastpath */
	AZLX_DP_NOMOD,		/* struct fastpath_nomod */
};

const char *azlx_dp_variant_name(enum azlx_dp_variant v);

/* Programs to load: either or both. */
#define AZLX_DP_FROM_POD	(1u << 0)
#define AZLX_DP_TO_POD		(1u << 1)

/*
 * A session on the fast path's state. Changes happen under an exclusive
 * flock(2) on the pin directory, so that concurrent CNI invocations and
 * commands see each other's work whole.
 */
struct azlx_dp {
	int			lock_fd;	/* the pin directory, locked; or -1 */
	enum azlx_dp_variant	variant;	/* of the loaded skeleton */
	void			*skel;		/* struct fastpath{,_nomod} */
	int			from_pod_fd;	/* -1 unless loaded */
	int			to_pod_fd;
	int			endpoints_fd;	/* -1 when the maps do not exist */
	int			stats_fd;
	int			uplinks_fd;
	bool			own_map_fds;	/* from bpf_obj_get(), to close */
	int			ncpus;		/* possible CPUs (per-CPU values) */
};

/*
 * libbpf's print callback for every loader of the tool: keeps the first
 * warning since azlx_libbpf_warn[0] was cleared (why a load failed) and
 * prints libbpf's messages only with -v.
 */
extern char azlx_libbpf_warn[256];
int azlx_libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap);

void azlx_dp_init(struct azlx_dp *dp);

/*
 * Takes the lock, creating the pin directory (bpffs must be mounted at its
 * parent). Returns 0 or a negative errno.
 */
int azlx_dp_lock(struct azlx_dp *dp, struct azlx_err *e);

/*
 * Loads the programs of @progs (AZLX_DP_*) from the skeleton that fits the
 * node (with the kfunc when azlxnet.ko is loaded, falling back to the one
 * without if that fails), creating or reusing the pinned maps. Needs the
 * lock.
 */
int azlx_dp_load(struct azlx_dp *dp, unsigned int progs, struct azlx_err *e);

/*
 * Opens the pinned maps without loading anything. Returns 0, -ENOENT when
 * they do not exist (no fast path state at all), or another negative errno.
 */
int azlx_dp_maps_get(struct azlx_dp *dp, struct azlx_err *e);

/*
 * With the lock held: when no endpoint and no uplink remains (or there are
 * no maps), unpins the maps and removes the pin directory (unless something
 * else is pinned there). Returns 1 if it did, 0 if not.
 */
int azlx_dp_gc(struct azlx_dp *dp, struct azlx_err *e);

/* Releases everything (the pinned maps and attached programs stay). */
void azlx_dp_close(struct azlx_dp *dp);

/* True when azlxnet.ko is loaded (<sysfs>/module/azlxnet exists). */
bool azlx_dp_module_loaded(void);

/* tc */

enum azlx_tc_kind {
	AZLX_TC_FOREIGN,	/* a program that is not ours */
	AZLX_TC_FROM_POD,	/* azlxnet_from_pod */
	AZLX_TC_TO_POD,		/* azlxnet_to_pod */
};

struct azlx_tc_prog {
	__u32			id;
	char			name[16];	/* as the kernel keeps it (15 chars) */
	__u8			tag[8];
	enum azlx_tc_kind	kind;
};

/* The program name for @kind ("azlxnet_from_pod"), or NULL. */
const char *azlx_tc_kind_name(enum azlx_tc_kind kind);
/* The kind of a program named @name by the kernel (truncated to 15 chars). */
enum azlx_tc_kind azlx_tc_kind_of(const char *name);
/* A tag as 16 hex digits into @buf (17 bytes). */
const char *azlx_fmt_tag(const __u8 *tag, char *buf, size_t len);

/*
 * The program at our handle and priority on ingress of @ifindex: 0 and @p
 * filled, -ENOENT when there is none (or no clsact), or a negative errno.
 */
int azlx_tc_query(int ifindex, struct azlx_tc_prog *p, struct azlx_err *e);

/* Attaches @prog_fd there, replacing what is there; creates clsact. */
int azlx_tc_attach(int ifindex, int prog_fd, struct azlx_err *e);

/* Removes the filter there; 0 when there was none. */
int azlx_tc_detach(int ifindex, struct azlx_err *e);

/* Tag and id of a loaded program. */
int azlx_prog_info(int prog_fd, struct azlx_tc_prog *p, struct azlx_err *e);

/* Maps */

/* Every entry of azlxnet_endpoints, in the order of the map. */
struct azlx_ep_entry {
	struct azlxnet_ep_key	key;
	struct azlxnet_ep	ep;
};

struct azlx_ep_list {
	struct azlx_ep_entry	*v;
	size_t			n;
};

int azlx_dp_endpoints(struct azlx_dp *dp, struct azlx_ep_list *l, struct azlx_err *e);
void azlx_ep_list_free(struct azlx_ep_list *l);

/*
 * The counters of @ifindex summed over the CPUs: 0, -ENOENT without an
 * entry, or a negative errno.
 */
int azlx_dp_stats(struct azlx_dp *dp, __u32 ifindex, struct azlxnet_ep_stats *sum,
		  struct azlx_err *e);

/*
 * Sums @ncpus per-CPU values laid out @stride bytes apart (a multiple of
 * 8, as the kernel copies them) into @sum.
 */
void azlx_stats_sum(const void *percpu, int ncpus, size_t stride,
		    struct azlxnet_ep_stats *sum);

/* The uplinks' ifindexes, sorted; *@n of them in *@v (to free). */
int azlx_dp_uplinks(struct azlx_dp *dp, __u32 **v, size_t *n, struct azlx_err *e);

/*
 * With the lock: removes the counters of host ifindexes that no endpoint
 * uses any more.
 */
int azlx_dp_prune_stats(struct azlx_dp *dp, struct azlx_err *e);

/*
 * With the lock: removes the uplinks and the endpoint entries of
 * interfaces that no longer exist in this namespace (deleted without
 * "fastpath disable" or "pod del"), then their counters. Returns how many
 * entries went, or a negative errno.
 */
int azlx_dp_prune_gone(struct azlx_dp *dp, struct azlx_err *e);

/*
 * After a removal, with the lock: azlx_dp_prune_gone() (noting what it
 * removed), then azlx_dp_gc(). Failures are warnings.
 */
void azlx_dp_tidy(struct azlx_dp *dp);

#endif /* __AZLXNET_DATAPATH_H */
