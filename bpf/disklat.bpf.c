// SPDX-License-Identifier: GPL-2.0-only
/*
 * Block request latency telemetry (see Documentation/disk-telemetry.rst).
 *
 * azlxnet_dl_issue, on tp_btf/block_rq_issue (blk_mq_start_request(): the
 * request goes to the driver), notes when and for which cgroup; and
 * azlxnet_dl_complete, on tp_btf/block_rq_complete (blk_update_request() and
 * the batched completion: the driver is done), counts the request, its
 * bytes and its issue -> complete time in a log2 histogram, per whole disk
 * and per (disk, cgroup), split into reads, writes and the rest.
 *
 * Both tracepoints have the same prototypes on 6.1 and 6.12:
 *   block_rq_issue(struct request *rq)
 *   block_rq_complete(struct request *rq, blk_status_t error, unsigned int nr_bytes)
 *
 * The per-disk counters are per-CPU; the per-cgroup ones take atomic adds
 * (one map entry per cgroup and disk, not per CPU). Requests in flight live
 * in an LRU hash keyed by their address: a request that is never completed
 * (or completed while the program could not run) is forgotten when the map
 * needs the room; a requeued request is timed again from its new issue.
 */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "disklat.h"

#define AZLXNET_REQ_OP_MASK	0xff	/* (1 << REQ_OP_BITS) - 1 on 6.1 and 6.12 */
#define AZLXNET_MINORBITS	20

#if AZLXNET_DL_SLOTS & (AZLXNET_DL_SLOTS - 1)
#error "AZLXNET_DL_SLOTS must be a power of two: the slot index is masked"
#endif

char LICENSE[] SEC("license") = "GPL";

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, AZLXNET_DL_INFLIGHT_MAX);
	__type(key, __u64);
	__type(value, struct azlxnet_dl_start);
} azlxnet_dl_req SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, AZLXNET_DL_DISKS_MAX);
	/* a node has a few disks: no per-CPU memory for all entries up front */
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct azlxnet_dl_disk_key);
	__type(value, struct azlxnet_dl_hist);
} azlxnet_dl_disk SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, AZLXNET_DL_CGROUPS_MAX);
	__type(key, struct azlxnet_dl_cgrp_key);
	__type(value, struct azlxnet_dl_hist);
} azlxnet_dl_cgrp SEC(".maps");

static const struct azlxnet_dl_hist azlxnet_dl_zero;

/* floor(log2(v)), 0 for 0 and 1; no loop */
static __always_inline __u32 azlxnet_log2(__u64 v)
{
	__u32 r, s;

	r = (v > 0xffffffffULL) << 5;
	v >>= r;
	s = (v > 0xffff) << 4;
	v >>= s;
	r |= s;
	s = (v > 0xff) << 3;
	v >>= s;
	r |= s;
	s = (v > 0xf) << 2;
	v >>= s;
	r |= s;
	s = (v > 0x3) << 1;
	v >>= s;
	r |= s;
	r |= (__u32)(v >> 1);
	return r;
}

static __always_inline __u32 azlxnet_dl_slot(__u64 ns)
{
	__u32 slot = azlxnet_log2(ns / 1000);

	return slot < AZLXNET_DL_SLOTS ? slot : AZLXNET_DL_SLOTS - 1;
}

static __always_inline __u32 azlxnet_dl_op_of(struct request *rq)
{
	__u32 op = rq->cmd_flags & AZLXNET_REQ_OP_MASK;

	if (op == REQ_OP_READ)
		return AZLXNET_DL_READ;
	if (op == REQ_OP_WRITE)
		return AZLXNET_DL_WRITE;
	return AZLXNET_DL_OTHER;
}

/* The whole disk's dev_t (the kernel's encoding), 0 without a disk. */
static __always_inline __u32 azlxnet_dl_dev_of(struct request *rq)
{
	struct gendisk *disk = rq->q->disk;

	if (!disk)
		return 0;
	return ((__u32)disk->major << AZLXNET_MINORBITS) | (__u32)disk->first_minor;
}

/* The cgroup v2 id of the request's first bio's blkcg, 0 if none. */
static __always_inline __u64 azlxnet_dl_cgroup_of(struct request *rq)
{
	struct blkcg_gq *blkg;
	struct bio *bio = rq->bio;

	if (!bio || !bpf_core_field_exists(bio->bi_blkg))
		return 0;
	blkg = BPF_CORE_READ(bio, bi_blkg);
	if (!blkg)
		return 0;
	return BPF_CORE_READ(blkg, blkcg, css.cgroup, kn, id);
}

/*
 * @slot masked where it indexes, hidden from the compiler so that the mask
 * stays: 6.1's verifier loses the bound of a copy the compiler checked.
 */
static __always_inline __u32 azlxnet_dl_bound(__u32 slot)
{
	barrier_var(slot);
	return slot & (AZLXNET_DL_SLOTS - 1);
}

SEC("tp_btf/block_rq_issue")
int BPF_PROG(azlxnet_dl_issue, struct request *rq)
{
	__u64 key = (__u64)(unsigned long)rq;
	struct azlxnet_dl_start st;
	__u64 bytes = rq->__data_len;

	/* a queue without a disk: NVMe's admin queue, SCSI's device probes */
	if (!azlxnet_dl_dev_of(rq))
		return 0;
	st.issue_ns = bpf_ktime_get_ns();
	st.cgroup = azlxnet_dl_cgroup_of(rq);
	st.units = bytes ? (bytes + AZLXNET_DL_UNIT - 1) / AZLXNET_DL_UNIT : 1;
	bpf_map_update_elem(&azlxnet_dl_req, &key, &st, BPF_ANY);
	return 0;
}

/* The counters of @key in @map, created zeroed if absent. */
static __always_inline struct azlxnet_dl_hist *azlxnet_dl_get(void *map, const void *key)
{
	struct azlxnet_dl_hist *h = bpf_map_lookup_elem(map, key);

	if (h)
		return h;
	bpf_map_update_elem(map, key, &azlxnet_dl_zero, BPF_NOEXIST);
	return bpf_map_lookup_elem(map, key);
}

SEC("tp_btf/block_rq_complete")
int BPF_PROG(azlxnet_dl_complete, struct request *rq, blk_status_t error,
	     unsigned int nr_bytes)
{
	__u64 key = (__u64)(unsigned long)rq;
	struct azlxnet_dl_cgrp_key ck = {};
	struct azlxnet_dl_disk_key dk = {};
	struct azlxnet_dl_start *st;
	struct azlxnet_dl_hist *h;
	__u64 lat = 0, units = 0;
	__u32 slot = 0;
	bool done;

	st = bpf_map_lookup_elem(&azlxnet_dl_req, &key);
	if (!st)
		return 0;	/* issued before the telemetry started */
	/*
	 * A partial completion (the driver finished part of the request) counts
	 * its bytes; the request and its time count when the rest is done.
	 */
	done = nr_bytes >= rq->__data_len;
	if (done) {
		__u64 now = bpf_ktime_get_ns();

		lat = now > st->issue_ns ? now - st->issue_ns : 0;
		slot = azlxnet_dl_slot(lat);
		units = st->units;
	}
	dk.dev = azlxnet_dl_dev_of(rq);
	dk.op = azlxnet_dl_op_of(rq);
	ck.dev = dk.dev;
	ck.op = dk.op;
	ck.cgroup = st->cgroup;
	if (done)
		bpf_map_delete_elem(&azlxnet_dl_req, &key);

	/* per-CPU: a program does not run nested on its own CPU */
	h = azlxnet_dl_get(&azlxnet_dl_disk, &dk);
	if (h) {
		h->bytes += nr_bytes;
		if (done) {
			h->requests++;
			h->units += units;
			h->lat_sum_ns += lat;
			h->slots[azlxnet_dl_bound(slot)]++;
		}
	}

	h = azlxnet_dl_get(&azlxnet_dl_cgrp, &ck);
	if (h) {
		__sync_fetch_and_add(&h->bytes, nr_bytes);
		if (done) {
			__sync_fetch_and_add(&h->requests, 1);
			__sync_fetch_and_add(&h->units, units);
			__sync_fetch_and_add(&h->lat_sum_ns, lat);
			__sync_fetch_and_add(&h->slots[azlxnet_dl_bound(slot)], 1);
		}
	}
	return 0;
}
