/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The pod fast path's kernel state, as the tool manages it: the programs of
 * bpf/fastpath.bpf.c (loaded from their skeletons), the maps they share
 * (pinned in the directory of their identity under AZLXNET_PIN_DIR) and
 * their attachments to tc ingress: tcx links (pinned next to the maps) on
 * kernels that have tcx, else clsact filters at handle AZLXNET_TC_HANDLE,
 * priority AZLXNET_TC_PRIO.
 *
 * The identity of the state is the layout number and a hash of the BPF
 * objects the tool carries ("l2-0123456789abcdef"). A tool that finds
 * state of another identity (an older or newer build, or the first
 * release's pins straight in AZLXNET_PIN_DIR) migrates it to its own
 * before it changes anything: see azlx_dp_load().
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
/* azlxnet_from_kit, for pods on azlxkit pairs: needs azlxnet.ko's kfuncs */
#define AZLX_DP_FROM_KIT	(1u << 2)

/*
 * A pod address, as the tool handles it (the maps key IPv4 and IPv6 apart:
 * azlxnet_ep4, azlxnet_ep6).
 */
struct azlxnet_ep_key {
	__u8	family;			/* AF_INET or AF_INET6 */
	__u8	pad[3];
	__u32	addr[4];		/* network order; IPv4 in addr[0], rest 0 */
};

/* What the state directory records besides the maps (map azlx_meta). */
struct azlx_dp_meta {
	__u64	created;		/* CLOCK_REALTIME seconds */
	__u64	migrated;		/* 0, or when state of another build came */
	char	from[48];		/* that build's identity */
};

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
	int			from_kit_fd;
	int			ep4_fd;		/* -1 when the maps do not exist */
	int			ep6_fd;
	int			hosts_fd;
	int			host_cache_fd;
	int			stats_fd;
	int			uplinks_fd;
	int			meta_fd;
	bool			own_map_fds;	/* from bpf_obj_get(), to close */
	int			ncpus;		/* possible CPUs (per-CPU values) */
	int			migrated;	/* states moved by the last load */
};

/*
 * azlxkit pairs' programs (kit.c), over the generic netlink family, quietly:
 * 0 or a negative errno with @e filled. Pairs are named by their primary.
 */
/* The program of @end: its ID in *@id, 0 for none; -ENODEV: not a primary. */
int azlx_kit_prog_get_id(__u32 ifindex, __u32 end, __u32 *id, struct azlx_err *e);
/*
 * @prog_fd on @end (-1: detach), if the program there now is @expected
 * (0: none; -1: whatever is there).
 */
int azlx_kit_prog_set(__u32 ifindex, __u32 end, int prog_fd, long long expected,
		      struct azlx_err *e);
/*
 * 1 with its ID in *@id when the peer's program of the pair whose primary
 * is @ifindex is the fast path's (azlxnet_from_kit), 0 when it is another
 * or none or @ifindex is no primary, or a negative errno.
 */
int azlx_kit_prog_ours(__u32 ifindex, __u32 *id, struct azlx_err *e);

/* This tool's identity ("l2-" and 16 hex digits). */
const char *azlx_dp_identity(void);

/* Its state directory: AZLXNET_PIN_DIR "/" identity. */
const char *azlx_dp_dir(void);

/* True on kernels with tcx (probed once, not by version). */
bool azlx_dp_tcx(void);

/*
 * Identities of fast-path state of other builds on the node ("legacy" for
 * the first release's pins), up to @max into @ids: how many there are.
 */
int azlx_dp_others(char (*ids)[64], int max);

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
 *
 * When state of another identity is there, it first migrates it: loads
 * both programs, copies every endpoint and uplink into its own maps (new
 * counter slots: counters restart), moves every attachment of ours on
 * every device to its program in place (a tcx link update, a tc filter
 * replace, or on a tcx kernel a new tcx link before the old filter goes),
 * then removes the other state's pins. dp->migrated counts the states.
 * With @force, reloads its own programs and moves the attachments too.
 */
int azlx_dp_load(struct azlx_dp *dp, unsigned int progs, struct azlx_err *e);
int azlx_dp_reload(struct azlx_dp *dp, struct azlx_err *e);

/*
 * Opens the pinned maps without loading anything. Returns 0, -ENOENT when
 * they do not exist (no fast path state at all), -ESTALE (with a message)
 * when only state of another build is there, or another negative errno.
 */
int azlx_dp_maps_get(struct azlx_dp *dp, struct azlx_err *e);

/*
 * With the lock, for changes that load nothing (removals): the maps, after
 * migrating state of another build if there is any (which loads).
 */
int azlx_dp_state(struct azlx_dp *dp, struct azlx_err *e);

/* The meta record of the state (0), or -ENOENT. */
int azlx_dp_meta_get(struct azlx_dp *dp, struct azlx_dp_meta *m);

/*
 * With the lock held: when no endpoint and no uplink remains (or there are
 * no maps), unpins the maps and removes the pin directory (unless something
 * else is pinned there). Returns 1 if it did, 0 if not.
 */
int azlx_dp_gc(struct azlx_dp *dp, struct azlx_err *e);

/* Releases the programs (pinned, they stay); the maps stay open. */
void azlx_dp_close_progs(struct azlx_dp *dp);

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
	__u32			link_id;	/* its tcx link; 0: a tc filter */
};

/* The program name for @kind ("azlxnet_from_pod"), or NULL. */
const char *azlx_tc_kind_name(enum azlx_tc_kind kind);
/* The kind of a program named @name by the kernel (truncated to 15 chars). */
enum azlx_tc_kind azlx_tc_kind_of(const char *name);
/* A tag as 16 hex digits into @buf (17 bytes). */
const char *azlx_fmt_tag(const __u8 *tag, char *buf, size_t len);

/*
 * Our program on ingress of @ifindex: one of ours among its tcx programs,
 * else the tc filter at our handle and priority (ours or a foreign one).
 * Returns 0 and @p filled, -ENOENT when there is none, or a negative errno.
 */
int azlx_tc_query(int ifindex, struct azlx_tc_prog *p, struct azlx_err *e);

/*
 * Attaches @prog_fd there in place of ours: with tcx, updates our link (or
 * creates and pins one, then removes a tc filter of ours an older build
 * left); else replaces the filter at our handle, creating clsact.
 */
int azlx_tc_attach(int ifindex, int prog_fd, struct azlx_err *e);

/*
 * Detaches what azlx_tc_query() reports there: our tcx link and its pin,
 * or the filter at our handle. 0 when there was none.
 */
int azlx_tc_detach(int ifindex, struct azlx_err *e);

/*
 * Whether a program of @kind may go on @ifindex (named @name in messages):
 * 0 when nothing is there (*@present false) or one of @kind (*@present
 * true, @p filled); EBUSY for our other kind or a foreign program at our tc
 * handle (CNI code 102 for a pod's veth).
 */
int azlx_tc_claim(int ifindex, const char *name, enum azlx_tc_kind kind,
		  struct azlx_tc_prog *p, bool *present, struct azlx_err *e);

/* Detaches our program of @kind from @ifindex if it is there (*@changed). */
int azlx_tc_detach_kind(int ifindex, enum azlx_tc_kind kind, bool *changed,
			struct azlx_err *e);

/* Tag and id of a loaded program. */
int azlx_prog_info(int prog_fd, struct azlx_tc_prog *p, struct azlx_err *e);

/* Maps */

/* Endpoint entries by address: 0 or a negative errno (-ENOENT). */
int azlx_dp_ep_get(struct azlx_dp *dp, const struct azlxnet_ep_key *key,
		   struct azlxnet_ep *ep);
int azlx_dp_ep_put(struct azlx_dp *dp, const struct azlxnet_ep_key *key,
		   const struct azlxnet_ep *ep);
int azlx_dp_ep_del(struct azlx_dp *dp, const struct azlxnet_ep_key *key);

/*
 * The counter slot of pod host side @ifindex: 0 and *@slot, -ENOENT, or a
 * negative errno.
 */
int azlx_dp_host_get(struct azlx_dp *dp, __u32 ifindex, __u32 *slot);

/*
 * With the lock: the slot of @ifindex, a new one with zeroed counters if it
 * has none (*@created true), in azlxnet_hosts and, unless another live pod
 * has its entry, in azlxnet_host_cache. Returns 0 or a negative errno
 * (-ENOSPC). azlx_dp_host_del() empties the cache entry if it is @ifindex's.
 */
int azlx_dp_host_add(struct azlx_dp *dp, __u32 ifindex, __u32 *slot, bool *created,
		     struct azlx_err *e);
int azlx_dp_host_del(struct azlx_dp *dp, __u32 ifindex);

/* Likewise for uplinks. */
int azlx_dp_uplink_get(struct azlx_dp *dp, __u32 ifindex, __u32 *slot);
int azlx_dp_uplink_add(struct azlx_dp *dp, __u32 ifindex, bool *created,
		       struct azlx_err *e);
int azlx_dp_uplink_del(struct azlx_dp *dp, __u32 ifindex);

/* Every endpoint entry (IPv4, then IPv6), in the order of the maps. */
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
 * The counters of slot @slot summed over the CPUs: 0, -ENOENT without maps,
 * or a negative errno.
 */
int azlx_dp_stats(struct azlx_dp *dp, __u32 slot, struct azlxnet_ep_stats *sum,
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
 * With the lock: removes the uplinks, the endpoint entries and the counter
 * slots of interfaces that no longer exist in this namespace (deleted
 * without "fastpath disable" or "pod del"), slots no endpoint uses, and
 * the pins of tcx links whose device is gone. Returns how many entries
 * went, or a negative errno.
 */
int azlx_dp_prune_gone(struct azlx_dp *dp, struct azlx_err *e);

/*
 * After a removal, with the lock: azlx_dp_prune_gone() (noting what it
 * removed), then azlx_dp_gc(). Failures are warnings.
 */
void azlx_dp_tidy(struct azlx_dp *dp);

#endif /* __AZLXNET_DATAPATH_H */
