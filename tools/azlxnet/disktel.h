/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Disk latency telemetry: the programs of bpf/disklat.bpf.c, pinned under
 * AZLX_DISKTEL_PIN_DIR by "disk telemetry on", and the commands and the
 * reading API on top of their maps (Documentation/disk-telemetry.rst).
 *
 * Reading, as "disk show" does it:
 *
 *	struct azlx_disktel t;
 *	struct azlx_disktel_snap s;
 *
 *	if (azlx_disktel_open(&t, err, sizeof(err)) == -ENOENT)
 *		azlx_disktel_print(NULL, NULL, 0);		(telemetry off)
 *	else if (!azlx_disktel_snapshot(&t, &s, err, sizeof(err)))
 *		azlx_disktel_print(&s, "sdb", AZLX_DISKTEL_PRINT_CGROUPS);
 *	azlx_disktel_snap_free(&s);
 *	azlx_disktel_close(&t);
 *
 * Functions return 0 or a negative errno, with the reason in @err.
 */
#ifndef __AZLXNET_DISKTEL_H
#define __AZLXNET_DISKTEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <linux/types.h>

#include "disklat.h"
#include "fastpath.h"		/* AZLXNET_PIN_DIR */

#define AZLX_DISKTEL_PIN_DIR	AZLXNET_PIN_DIR "/disk"

/* azlxnet disk telemetry [ on | off | show | help ] */
int azlx_disk_telemetry(int argc, char **argv);
/* azlxnet disk top [ --interval SECS ] [ -c COUNT ] */
int azlx_disk_top(int argc, char **argv);

/* ---- reading ---------------------------------------------------------------- */

/* A reading session: the maps, pinned or (disk top) of a private load. */
struct azlx_disktel {
	int	disk_fd;	/* azlxnet_dl_disk, -1 if not open */
	int	cgrp_fd;	/* azlxnet_dl_cgrp */
	int	ncpus;		/* possible CPUs: values of the per-CPU map */
	void	*skel;		/* struct disklat of azlx_disktel_load(), or NULL */
	void	*names;		/* cgroup paths found so far (private) */
};

/* One whole disk: its counters per operation (enum azlxnet_dl_op). */
struct azlx_disktel_disk {
	unsigned int		major, minor;
	char			name[64];	/* DEVNAME from sysfs, else "MAJ:MIN" */
	struct azlxnet_dl_hist	op[AZLXNET_DL_OPS];
};

/* One cgroup's I/O on one disk. */
struct azlx_disktel_cgroup {
	unsigned int		major, minor;
	char			disk[64];	/* as above */
	__u64			id;		/* cgroup v2 id; 0: no blkcg (e.g. flushes) */
	char			path[512];	/* "/", "/kubepods.slice/..."; "" if not found */
	struct azlxnet_dl_hist	op[AZLXNET_DL_OPS];
};

struct azlx_disktel_snap {
	__u64				time_ns;	/* CLOCK_MONOTONIC when read */
	struct azlx_disktel_disk	*disks;		/* sorted by major:minor */
	size_t				ndisks;
	struct azlx_disktel_cgroup	*cgroups;	/* sorted by disk, id */
	size_t				ncgroups;
};

/* True when "disk telemetry on" holds: its links and maps are pinned. */
bool azlx_disktel_is_on(void);

/*
 * Opens the pinned maps: 0, -ENOENT when the telemetry is off, or another
 * negative errno (e.g. -EPROTO: pinned by another version of the tool).
 */
int azlx_disktel_open(struct azlx_disktel *t, char *err, size_t err_len);

/* Loads and attaches the programs for this process only (nothing pinned). */
int azlx_disktel_load(struct azlx_disktel *t, char *err, size_t err_len);

/* Closes the maps; a private load's programs detach. */
void azlx_disktel_close(struct azlx_disktel *t);

/* Reads every counter (per-CPU ones summed) and names disks and cgroups. */
int azlx_disktel_snapshot(struct azlx_disktel *t, struct azlx_disktel_snap *s,
			  char *err, size_t err_len);
void azlx_disktel_snap_free(struct azlx_disktel_snap *s);

/*
 * @delta = @now - @then, entry by entry (matched by disk, cgroup and op);
 * an entry of @now missing from @then, or whose counters went back (its
 * map entry was evicted and created again), is taken whole. Entries only
 * in @then are left out. @delta->time_ns is the time between them. Returns
 * 0 or -ENOMEM; free @delta with azlx_disktel_snap_free().
 */
int azlx_disktel_snap_sub(const struct azlx_disktel_snap *now,
			  const struct azlx_disktel_snap *then,
			  struct azlx_disktel_snap *delta);

/* @sum += @h (counters and slots). */
void azlx_disktel_hist_add(struct azlxnet_dl_hist *sum, const struct azlxnet_dl_hist *h);

/* Reads and writes of a disk's or cgroup's op[] merged (other excluded). */
void azlx_disktel_hist_rw(const struct azlxnet_dl_hist op[AZLXNET_DL_OPS],
			  struct azlxnet_dl_hist *sum);

/*
 * The latency under which @pct percent (0 < @pct <= 100) of the requests
 * of @h completed, in microseconds: the slot that holds that rank, linear
 * within the slot ([0, 2) us for slot 0, [2^k, 2^(k+1)) for slot k). 0 for
 * an empty histogram.
 */
double azlx_disktel_percentile(const struct azlxnet_dl_hist *h, double pct);

/* "sda" from the text of /sys/dev/block/M:m/uevent (DEVNAME=); 0 or -ENOENT. */
int azlx_disktel_parse_uevent(const char *text, char *name, size_t len);

/*
 * The path of cgroup @id below the cgroup v2 mount @root ("/" for the root,
 * whose id is its inode number as for every cgroup): 0, or -ENOENT.
 */
int azlx_disktel_cgroup_path(const char *root, __u64 id, char *path, size_t len);

/* The entry of disk @major:@minor in @s, or NULL. */
const struct azlx_disktel_disk *azlx_disktel_find(const struct azlx_disktel_snap *s,
						  unsigned int major, unsigned int minor);

/* What azlx_disktel_print() adds to the disks. */
#define AZLX_DISKTEL_PRINT_CGROUPS	(1u << 0)	/* the per-cgroup counters */
#define AZLX_DISKTEL_PRINT_HIST		(1u << 1)	/* the histograms' slots */

/*
 * Prints @s (NULL: the telemetry is off), the disk named @disk only if not
 * NULL: text lines, or in JSON a "telemetry" object in the object open now:
 *   {"on": true, "disks": [{"disk", "major", "minor", "read": {...},
 *    "write": {...}, "other": {...}}], "cgroups": [{"disk", "cgroup_id",
 *    "cgroup", "read", "write", "other"}]}
 * where each op is {"requests", "units", "bytes", "lat_sum_ns", "p50_us",
 * "p99_us" [, "hist_us": [{"le_us", "count"}...]]}.
 */
void azlx_disktel_print(const struct azlx_disktel_snap *s, const char *disk,
			unsigned int flags);

/* ---- the throttle detector ------------------------------------------------ */

/*
 * A disk is "throttled" (Azure holds its I/O at the budget) when, over one
 * interval with at least AZLX_DISKTEL_MIN_REQUESTS reads and writes:
 *
 *   1. dispatch is at the budget: max(units/s / budget IOPS,
 *      (bytes/s / 10^6) / budget MB/s) >= AZLX_DISKTEL_BUSY (90 %),
 *      counting reads and writes, in 256 KiB units; and
 *   2. latency is past the knee: p50 >= AZLX_DISKTEL_KNEE (4) x the baseline
 *      p50, or p99 >= 4 x the baseline p99, each baseline taken at least
 *      AZLX_DISKTEL_BASE_MIN_US (100 us).
 *
 * The baselines are the lowest p50 and p99 seen over such intervals
 * (azlx_disktel_baseline_update()). Otherwise the verdict is "at-budget"
 * (1 without 2: the disk is busy, the host does not hold it yet), "slow"
 * (2 without 1: latency rose under the budget, not the budget's doing),
 * "ok", "idle" (too few requests), or "no-budget" when no budget is known
 * (the disk has no dm-azlx pacer) and the latency is not past the knee.
 */
#define AZLX_DISKTEL_MIN_REQUESTS	16
#define AZLX_DISKTEL_BUSY		0.90
#define AZLX_DISKTEL_KNEE		4.0
#define AZLX_DISKTEL_BASE_MIN_US	100.0

enum azlx_disktel_verdict {
	AZLX_DISKTEL_IDLE,
	AZLX_DISKTEL_NO_BUDGET,
	AZLX_DISKTEL_OK,
	AZLX_DISKTEL_AT_BUDGET,
	AZLX_DISKTEL_SLOW,
	AZLX_DISKTEL_THROTTLED,
};

/* A disk's budget: Azure's IOPS (256 KiB units) and MB/s; 0 when unknown. */
struct azlx_disktel_budget {
	double	iops;
	double	mbps;
};

/* The lowest latencies seen; 0 when none yet. */
struct azlx_disktel_baseline {
	double	p50_us;
	double	p99_us;
};

struct azlx_disktel_detection {
	enum azlx_disktel_verdict	verdict;
	double	iops, units_per_s, mbps;	/* reads and writes */
	double	p50_us, p99_us;
	double	utilisation;			/* of the budget, 1.0 = 100 %; < 0 unknown */
	bool	knee;				/* latency past the knee */
};

/*
 * The verdict on one interval of @secs seconds of one disk: @rw is the
 * delta of its reads and writes merged (azlx_disktel_hist_rw() of a
 * azlx_disktel_snap_sub() delta). Pure: no I/O, no state.
 */
void azlx_disktel_detect(const struct azlxnet_dl_hist *rw, double secs,
			 const struct azlx_disktel_budget *budget,
			 const struct azlx_disktel_baseline *base,
			 struct azlx_disktel_detection *out);

/* Lowers @base to what @d measured, if the interval had enough requests. */
void azlx_disktel_baseline_update(struct azlx_disktel_baseline *base,
				  const struct azlx_disktel_detection *d);

/* "throttled", "at-budget", ... */
const char *azlx_disktel_verdict_name(enum azlx_disktel_verdict v);

#endif /* __AZLXNET_DISKTEL_H */
