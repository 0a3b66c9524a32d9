/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Block request latency telemetry: types shared by disklat.bpf.c and the
 * azlxnet tool (disk telemetry, disk show, disk top). See
 * Documentation/disk-telemetry.rst.
 */
#ifndef __AZLXNET_DISKLAT_H
#define __AZLXNET_DISKLAT_H

/*
 * Latency histograms: slot 0 counts 0 and 1 us, slot k (k >= 1) counts
 * [2^k, 2^(k+1)) us; the last slot also counts everything slower (from
 * 2^31 us, about 36 minutes). A power of two: the programs mask the index.
 */
#define AZLXNET_DL_SLOTS	32
/* Azure counts an I/O up to 256 KiB as one, a larger one as several. */
#define AZLXNET_DL_UNIT		(256 * 1024)

/* Maps of the telemetry, sized for the disks and cgroups of a node. */
#define AZLXNET_DL_DISKS_MAX	1024		/* (disk, op) pairs */
#define AZLXNET_DL_CGROUPS_MAX	8192		/* (disk, cgroup, op) triples */
#define AZLXNET_DL_INFLIGHT_MAX	65536		/* requests between issue and complete */

/* The operation of a request: what it is counted as. */
enum azlxnet_dl_op {
	AZLXNET_DL_READ,
	AZLXNET_DL_WRITE,
	AZLXNET_DL_OTHER,	/* flush, discard, write-zeroes, driver commands */

	AZLXNET_DL_OPS
};

/* Map azlxnet_dl_disk (per-CPU hash): a whole disk and an op -> counters. */
struct azlxnet_dl_disk_key {
	__u32	dev;		/* the kernel's dev_t: major << 20 | minor */
	__u32	op;		/* enum azlxnet_dl_op */
};

/* Map azlxnet_dl_cgrp (LRU hash, atomic adds): (disk, cgroup, op) -> counters. */
struct azlxnet_dl_cgrp_key {
	__u64	cgroup;		/* cgroup v2 id of the bio's blkcg; 0 if none */
	__u32	dev;
	__u32	op;
};

/* The counters of a request's completion, the same in both maps. */
struct azlxnet_dl_hist {
	__u64	requests;	/* completed requests */
	__u64	units;		/* the same, in Azure's units (ceil(bytes / 256 KiB), at least 1) */
	__u64	bytes;		/* bytes completed */
	__u64	lat_sum_ns;	/* sum of issue -> complete times */
	__u64	slots[AZLXNET_DL_SLOTS];
};

/* Map azlxnet_dl_req (LRU hash): a request in flight -> when it was issued. */
struct azlxnet_dl_start {
	__u64	issue_ns;	/* bpf_ktime_get_ns() */
	__u64	cgroup;		/* of its first bio's blkcg, 0 if none */
	__u64	units;		/* of its size at issue */
};

#define AZLXNET_DL_DEV_MAJOR(dev)	((dev) >> 20)
#define AZLXNET_DL_DEV_MINOR(dev)	((dev) & 0xfffff)

#endif /* __AZLXNET_DISKLAT_H */
