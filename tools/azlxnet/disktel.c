// SPDX-License-Identifier: GPL-2.0-only
/*
 * Disk latency telemetry: "disk telemetry on|off|show", "disk top", and
 * the reading API "disk show" uses (disktel.h). The programs are those of
 * bpf/disklat.bpf.c; "on" pins their links and maps under
 * AZLX_DISKTEL_PIN_DIR, "off" unpins them (the programs then detach).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "azlxnet.h"
#include "cmd.h"
#include "datapath.h"
#include "disk.h"
#include "disklat.skel.h"
#include "disktel.h"
#include "print.h"
#include "sysfs.h"

#define AZLX_DT_PIN_DISK	AZLX_DISKTEL_PIN_DIR "/azlxnet_dl_disk"
#define AZLX_DT_PIN_CGRP	AZLX_DISKTEL_PIN_DIR "/azlxnet_dl_cgrp"
#define AZLX_DT_PIN_ISSUE	AZLX_DISKTEL_PIN_DIR "/link_rq_issue"
#define AZLX_DT_PIN_COMPLETE	AZLX_DISKTEL_PIN_DIR "/link_rq_complete"
#define AZLX_DT_CGROUP_DEPTH	32
#define AZLX_DT_INTERVAL_MAX	3600.0

_Static_assert(sizeof(struct azlxnet_dl_hist) % 8 == 0,
	       "per-CPU values are copied 8-byte aligned");

static const char *const azlx_dt_pins[] = {
	AZLX_DT_PIN_ISSUE, AZLX_DT_PIN_COMPLETE, AZLX_DT_PIN_DISK, AZLX_DT_PIN_CGRP,
};

static const char *const azlx_dt_op_names[AZLXNET_DL_OPS] = { "read", "write", "other" };

/* ---- pure helpers -------------------------------------------------------- */

/* @v rounded to the nearest integer, 0 if negative (no libm) */
static unsigned long long azlx_dt_round(double v)
{
	return v > 0 ? (unsigned long long)(v + 0.5) : 0;
}

void azlx_disktel_hist_add(struct azlxnet_dl_hist *sum, const struct azlxnet_dl_hist *h)
{
	int i;

	sum->requests += h->requests;
	sum->units += h->units;
	sum->bytes += h->bytes;
	sum->lat_sum_ns += h->lat_sum_ns;
	for (i = 0; i < AZLXNET_DL_SLOTS; i++)
		sum->slots[i] += h->slots[i];
}

void azlx_disktel_hist_rw(const struct azlxnet_dl_hist op[AZLXNET_DL_OPS],
			  struct azlxnet_dl_hist *sum)
{
	memset(sum, 0, sizeof(*sum));
	azlx_disktel_hist_add(sum, &op[AZLXNET_DL_READ]);
	azlx_disktel_hist_add(sum, &op[AZLXNET_DL_WRITE]);
}

/* False if any counter of @now is below @then's: not the same entry. */
static bool azlx_dt_hist_sub(struct azlxnet_dl_hist *d, const struct azlxnet_dl_hist *now,
			     const struct azlxnet_dl_hist *then)
{
	int i;

	if (now->requests < then->requests || now->units < then->units ||
	    now->bytes < then->bytes || now->lat_sum_ns < then->lat_sum_ns)
		return false;
	for (i = 0; i < AZLXNET_DL_SLOTS; i++)
		if (now->slots[i] < then->slots[i])
			return false;
	d->requests = now->requests - then->requests;
	d->units = now->units - then->units;
	d->bytes = now->bytes - then->bytes;
	d->lat_sum_ns = now->lat_sum_ns - then->lat_sum_ns;
	for (i = 0; i < AZLXNET_DL_SLOTS; i++)
		d->slots[i] = now->slots[i] - then->slots[i];
	return true;
}

double azlx_disktel_percentile(const struct azlxnet_dl_hist *h, double pct)
{
	double total = 0, cum = 0, rank, lo, hi;
	int i;

	for (i = 0; i < AZLXNET_DL_SLOTS; i++)
		total += (double)h->slots[i];
	if (total <= 0)
		return 0;
	if (pct > 100)
		pct = 100;
	if (pct < 0)
		pct = 0;
	rank = pct / 100.0 * total;
	for (i = 0; i < AZLXNET_DL_SLOTS; i++) {
		double c = (double)h->slots[i];

		if (!c)
			continue;
		if (cum + c >= rank || i == AZLXNET_DL_SLOTS - 1) {
			lo = i ? (double)(1ULL << i) : 0;
			hi = (double)(1ULL << (i + 1));
			return lo + (hi - lo) * ((rank - cum) > 0 ? (rank - cum) / c : 0);
		}
		cum += c;
	}
	return 0;	/* not reached: the last non-empty slot returns */
}

int azlx_disktel_parse_uevent(const char *text, char *name, size_t len)
{
	const char *p = text;

	while (p && *p) {
		const char *eol = strchr(p, '\n');
		size_t n = eol ? (size_t)(eol - p) : strlen(p);

		if (n > 8 && !strncmp(p, "DEVNAME=", 8)) {
			n -= 8;
			if (!len || n >= len)
				return -ENOENT;
			memcpy(name, p + 8, n);
			name[n] = '\0';
			return 0;
		}
		p = eol ? eol + 1 : NULL;
	}
	return -ENOENT;
}

static int azlx_dt_cmp_disk(const void *a, const void *b)
{
	const struct azlx_disktel_disk *x = a, *y = b;

	if (x->major != y->major)
		return x->major < y->major ? -1 : 1;
	if (x->minor != y->minor)
		return x->minor < y->minor ? -1 : 1;
	return 0;
}

static int azlx_dt_cmp_cgroup(const void *a, const void *b)
{
	const struct azlx_disktel_cgroup *x = a, *y = b;

	if (x->major != y->major)
		return x->major < y->major ? -1 : 1;
	if (x->minor != y->minor)
		return x->minor < y->minor ? -1 : 1;
	if (x->id != y->id)
		return x->id < y->id ? -1 : 1;
	return 0;
}

const struct azlx_disktel_disk *azlx_disktel_find(const struct azlx_disktel_snap *s,
						  unsigned int major, unsigned int minor)
{
	struct azlx_disktel_disk key = { .major = major, .minor = minor };

	if (!s->ndisks)
		return NULL;
	return bsearch(&key, s->disks, s->ndisks, sizeof(key), azlx_dt_cmp_disk);
}

static const struct azlx_disktel_cgroup *
azlx_dt_find_cgroup(const struct azlx_disktel_snap *s, const struct azlx_disktel_cgroup *key)
{
	if (!s->ncgroups)
		return NULL;
	return bsearch(key, s->cgroups, s->ncgroups, sizeof(*key), azlx_dt_cmp_cgroup);
}

void azlx_disktel_snap_free(struct azlx_disktel_snap *s)
{
	free(s->disks);
	free(s->cgroups);
	memset(s, 0, sizeof(*s));
}

static void azlx_dt_ops_sub(struct azlxnet_dl_hist d[AZLXNET_DL_OPS],
			    const struct azlxnet_dl_hist now[AZLXNET_DL_OPS],
			    const struct azlxnet_dl_hist *then)
{
	int op;

	for (op = 0; op < AZLXNET_DL_OPS; op++)
		if (!then || !azlx_dt_hist_sub(&d[op], &now[op], &then[op]))
			d[op] = now[op];
}

int azlx_disktel_snap_sub(const struct azlx_disktel_snap *now,
			  const struct azlx_disktel_snap *then,
			  struct azlx_disktel_snap *delta)
{
	size_t i;

	memset(delta, 0, sizeof(*delta));
	delta->time_ns = now->time_ns > then->time_ns ? now->time_ns - then->time_ns : 0;
	if (now->ndisks) {
		delta->disks = calloc(now->ndisks, sizeof(*delta->disks));
		if (!delta->disks)
			goto nomem;
	}
	if (now->ncgroups) {
		delta->cgroups = calloc(now->ncgroups, sizeof(*delta->cgroups));
		if (!delta->cgroups)
			goto nomem;
	}
	for (i = 0; i < now->ndisks; i++) {
		const struct azlx_disktel_disk *n = &now->disks[i], *t;

		t = azlx_disktel_find(then, n->major, n->minor);
		delta->disks[i] = *n;
		azlx_dt_ops_sub(delta->disks[i].op, n->op, t ? t->op : NULL);
	}
	delta->ndisks = now->ndisks;
	for (i = 0; i < now->ncgroups; i++) {
		const struct azlx_disktel_cgroup *n = &now->cgroups[i], *t;

		t = azlx_dt_find_cgroup(then, n);
		delta->cgroups[i] = *n;
		azlx_dt_ops_sub(delta->cgroups[i].op, n->op, t ? t->op : NULL);
	}
	delta->ncgroups = now->ncgroups;
	return 0;
nomem:
	azlx_disktel_snap_free(delta);
	return -ENOMEM;
}

/* ---- the throttle detector ------------------------------------------------ */

const char *azlx_disktel_verdict_name(enum azlx_disktel_verdict v)
{
	switch (v) {
	case AZLX_DISKTEL_IDLE:
		return "idle";
	case AZLX_DISKTEL_NO_BUDGET:
		return "no-budget";
	case AZLX_DISKTEL_OK:
		return "ok";
	case AZLX_DISKTEL_AT_BUDGET:
		return "at-budget";
	case AZLX_DISKTEL_SLOW:
		return "slow";
	case AZLX_DISKTEL_THROTTLED:
		return "throttled";
	}
	return "unknown";
}

static bool azlx_dt_past_knee(double v, double base)
{
	if (base <= 0 || v <= 0)
		return false;
	if (base < AZLX_DISKTEL_BASE_MIN_US)
		base = AZLX_DISKTEL_BASE_MIN_US;
	return v >= AZLX_DISKTEL_KNEE * base;
}

void azlx_disktel_detect(const struct azlxnet_dl_hist *rw, double secs,
			 const struct azlx_disktel_budget *budget,
			 const struct azlx_disktel_baseline *base,
			 struct azlx_disktel_detection *out)
{
	double util = -1;

	memset(out, 0, sizeof(*out));
	out->utilisation = -1;
	if (!(secs > 0)) {
		out->verdict = AZLX_DISKTEL_IDLE;
		return;
	}
	out->iops = (double)rw->requests / secs;
	out->units_per_s = (double)rw->units / secs;
	out->mbps = (double)rw->bytes / secs / 1e6;
	out->p50_us = azlx_disktel_percentile(rw, 50);
	out->p99_us = azlx_disktel_percentile(rw, 99);
	if (budget && budget->iops > 0)
		util = out->units_per_s / budget->iops;
	if (budget && budget->mbps > 0 && out->mbps / budget->mbps > util)
		util = out->mbps / budget->mbps;
	out->utilisation = util;
	if (rw->requests < AZLX_DISKTEL_MIN_REQUESTS) {
		out->verdict = AZLX_DISKTEL_IDLE;
		return;
	}
	out->knee = base && (azlx_dt_past_knee(out->p50_us, base->p50_us) ||
			     azlx_dt_past_knee(out->p99_us, base->p99_us));
	if (util < 0)
		out->verdict = out->knee ? AZLX_DISKTEL_SLOW : AZLX_DISKTEL_NO_BUDGET;
	else if (util >= AZLX_DISKTEL_BUSY)
		out->verdict = out->knee ? AZLX_DISKTEL_THROTTLED : AZLX_DISKTEL_AT_BUDGET;
	else
		out->verdict = out->knee ? AZLX_DISKTEL_SLOW : AZLX_DISKTEL_OK;
}

void azlx_disktel_baseline_update(struct azlx_disktel_baseline *base,
				  const struct azlx_disktel_detection *d)
{
	if (d->verdict == AZLX_DISKTEL_IDLE)
		return;
	if (d->p50_us > 0 && (base->p50_us <= 0 || d->p50_us < base->p50_us))
		base->p50_us = d->p50_us;
	if (d->p99_us > 0 && (base->p99_us <= 0 || d->p99_us < base->p99_us))
		base->p99_us = d->p99_us;
}

/* ---- names ------------------------------------------------------------------ */

static void azlx_dt_disk_name(unsigned int major, unsigned int minor, char *name, size_t len)
{
	char rel[64], text[1024];

	snprintf(rel, sizeof(rel), "dev/block/%u:%u/uevent", major, minor);
	if (azlx_sysfs_read(rel, text, sizeof(text)) < 0 ||
	    azlx_disktel_parse_uevent(text, name, len))
		snprintf(name, len, "%u:%u", major, minor);
}

/* Depth-first search of @dir (whose path below the root is @rel) for @ino. */
static int azlx_dt_walk(int fd_dir, char *rel, size_t len, __u64 ino, int depth)
{
	size_t at = strlen(rel);
	struct dirent *de;
	int ret = -ENOENT;
	DIR *d;

	if (depth > AZLX_DT_CGROUP_DEPTH)
		return -ENOENT;
	d = fdopendir(fd_dir);
	if (!d) {
		close(fd_dir);
		return -ENOENT;
	}
	while (ret && (de = readdir(d))) {
		struct stat st;
		int fd;

		if (de->d_type != DT_DIR && de->d_type != DT_UNKNOWN)
			continue;
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) || !S_ISDIR(st.st_mode))
			continue;
		if (at + 1 + strlen(de->d_name) >= len)
			continue;
		snprintf(rel + at, len - at, "%s%s", at == 1 ? "" : "/", de->d_name);
		if ((__u64)st.st_ino == ino) {
			ret = 0;
			break;
		}
		fd = openat(dirfd(d), de->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd >= 0)
			ret = azlx_dt_walk(fd, rel, len, ino, depth + 1);
		if (ret)
			rel[at] = '\0';
	}
	closedir(d);
	return ret;
}

/* The kernfs file handle of a cgroup v2 directory is its id. */
static int azlx_dt_cgroup_by_handle(const char *root, __u64 id, char *path, size_t len)
{
	struct {
		struct file_handle	fh;
		__u64			id;
	} h = { .fh = { .handle_bytes = sizeof(__u64), .handle_type = 0xfe } };
	char proc[64], target[PATH_MAX];
	size_t rlen = strlen(root);
	int mfd, fd;
	ssize_t n;

	h.id = id;
	mfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (mfd < 0)
		return -ENOENT;
	fd = open_by_handle_at(mfd, &h.fh, O_RDONLY | O_CLOEXEC);
	close(mfd);
	if (fd < 0)
		return -ENOENT;
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	n = readlink(proc, target, sizeof(target) - 1);
	close(fd);
	if (n <= 0)
		return -ENOENT;
	target[n] = '\0';
	while (rlen > 1 && root[rlen - 1] == '/')
		rlen--;
	if (strncmp(target, root, rlen) || (target[rlen] && target[rlen] != '/'))
		return -ENOENT;
	if (snprintf(path, len, "%s", target[rlen] ? target + rlen : "/") >= (int)len)
		return -ENOENT;
	return 0;
}

int azlx_disktel_cgroup_path(const char *root, __u64 id, char *path, size_t len)
{
	struct stat st;
	int fd;

	if (!id || len < 2)
		return -ENOENT;
	if (stat(root, &st))
		return -ENOENT;
	if ((__u64)st.st_ino == id) {
		snprintf(path, len, "/");
		return 0;
	}
	if (!azlx_dt_cgroup_by_handle(root, id, path, len))
		return 0;
	fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -ENOENT;
	snprintf(path, len, "/");
	if (azlx_dt_walk(fd, path, len, id, 0)) {
		path[0] = '\0';
		return -ENOENT;
	}
	return 0;
}

/* Cgroup paths found, kept for the session: a cgroup keeps its id. */
struct azlx_dt_name {
	__u64	id;
	char	path[512];
};

struct azlx_dt_names {
	struct azlx_dt_name	*v;
	size_t			n;
};

static void azlx_dt_cgroup_name(struct azlx_disktel *t, __u64 id, char *path, size_t len)
{
	struct azlx_dt_names *names = t->names;
	char root[256];
	size_t i;

	path[0] = '\0';
	if (!id)
		return;
	if (!names) {
		names = calloc(1, sizeof(*names));
		if (!names)
			return;
		t->names = names;
	}
	for (i = 0; i < names->n; i++) {
		if (names->v[i].id == id) {
			snprintf(path, len, "%s", names->v[i].path);
			return;
		}
	}
	if (azlx_sysfs_path("fs/cgroup", root, sizeof(root)) ||
	    azlx_disktel_cgroup_path(root, id, path, len))
		return;
	/* only found ones: a cgroup not found now may be created later */
	if (names->n % 64 == 0) {
		struct azlx_dt_name *nv = realloc(names->v, (names->n + 64) * sizeof(*nv));

		if (!nv)
			return;
		names->v = nv;
	}
	names->v[names->n].id = id;
	snprintf(names->v[names->n].path, sizeof(names->v[0].path), "%s", path);
	names->n++;
}

static void azlx_dt_names_free(struct azlx_disktel *t)
{
	struct azlx_dt_names *names = t->names;

	if (names)
		free(names->v);
	free(names);
	t->names = NULL;
}

/* ---- the kernel side -------------------------------------------------------- */

static const char *azlx_dt_hint(int err)
{
	return err == EPERM || err == EACCES ?
	       " (needs CAP_BPF, CAP_PERFMON and CAP_SYS_ADMIN: run as root)" : "";
}

static int azlx_dt_fail(char *err, size_t len, int errnum, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int azlx_dt_fail(char *err, size_t len, int errnum, const char *fmt, ...)
{
	va_list ap;

	if (err && len) {
		va_start(ap, fmt);
		vsnprintf(err, len, fmt, ap);
		va_end(ap);
	}
	return -errnum;
}

static void azlx_dt_init(struct azlx_disktel *t)
{
	memset(t, 0, sizeof(*t));
	t->disk_fd = -1;
	t->cgrp_fd = -1;
	t->ncpus = libbpf_num_possible_cpus();
}

bool azlx_disktel_is_on(void)
{
	size_t i;

	for (i = 0; i < sizeof(azlx_dt_pins) / sizeof(azlx_dt_pins[0]); i++)
		if (access(azlx_dt_pins[i], F_OK))
			return false;
	return true;
}

static int azlx_dt_map_get(const char *path, __u32 key_size, __u32 value_size, int *fd,
			   char *err, size_t len)
{
	struct bpf_map_info info;
	__u32 ilen = sizeof(info);
	int e;

	*fd = bpf_obj_get(path);
	if (*fd < 0) {
		e = errno;
		*fd = -1;
		if (e == ENOENT)
			return azlx_dt_fail(err, len, ENOENT, "disk telemetry is off");
		return azlx_dt_fail(err, len, e, "cannot open %s: %s%s", path, strerror(e),
				    azlx_dt_hint(e));
	}
	memset(&info, 0, sizeof(info));
	e = bpf_map_get_info_by_fd(*fd, &info, &ilen);
	if (e)
		return azlx_dt_fail(err, len, -e, "cannot read the map %s: %s", path,
				    strerror(-e));
	if (info.key_size != key_size || info.value_size != value_size)
		return azlx_dt_fail(err, len, EPROTO,
				    "the map %s is not the one this version uses (key %u, value %u bytes; expected %u, %u): run \"azlxnet disk telemetry off\" and on again",
				    path, info.key_size, info.value_size, key_size, value_size);
	return 0;
}

int azlx_disktel_open(struct azlx_disktel *t, char *err, size_t err_len)
{
	int ret;

	azlx_dt_init(t);
	if (t->ncpus <= 0)
		return azlx_dt_fail(err, err_len, -t->ncpus, "cannot count the possible CPUs");
	ret = azlx_dt_map_get(AZLX_DT_PIN_DISK, sizeof(struct azlxnet_dl_disk_key),
			      sizeof(struct azlxnet_dl_hist), &t->disk_fd, err, err_len);
	if (!ret)
		ret = azlx_dt_map_get(AZLX_DT_PIN_CGRP, sizeof(struct azlxnet_dl_cgrp_key),
				      sizeof(struct azlxnet_dl_hist), &t->cgrp_fd, err, err_len);
	if (ret)
		azlx_disktel_close(t);
	return ret;
}

static const char *azlx_dt_load_reason(int e, char *buf, size_t len)
{
	/* the verifier's refusals are EACCES too: root is told what libbpf said */
	if (e == EPERM || (e == EACCES && geteuid()))
		snprintf(buf, len, "%s%s", strerror(e), azlx_dt_hint(e));
	else if (azlx_libbpf_warn[0])
		snprintf(buf, len, "%s", azlx_libbpf_warn);
	else
		libbpf_strerror(-e, buf, len);
	return buf;
}

/* Opens, loads and attaches the skeleton; *@out on success. */
static int azlx_dt_skel_load(struct disklat **out, char *err, size_t len)
{
	struct disklat *s;
	char why[256];
	int e;

	libbpf_set_print(azlx_libbpf_print);
	azlx_libbpf_warn[0] = '\0';
	s = disklat__open();
	if (!s) {
		e = errno ? errno : EINVAL;
		return azlx_dt_fail(err, len, e, "cannot open the disk telemetry programs: %s",
				    azlx_dt_load_reason(e, why, sizeof(why)));
	}
	e = disklat__load(s);
	if (!e)
		e = disklat__attach(s);
	if (e) {
		disklat__destroy(s);
		return azlx_dt_fail(err, len, -e, "cannot load the disk telemetry programs: %s",
				    azlx_dt_load_reason(-e, why, sizeof(why)));
	}
	*out = s;
	return 0;
}

int azlx_disktel_load(struct azlx_disktel *t, char *err, size_t err_len)
{
	struct disklat *s;
	int ret;

	azlx_dt_init(t);
	if (t->ncpus <= 0)
		return azlx_dt_fail(err, err_len, -t->ncpus, "cannot count the possible CPUs");
	ret = azlx_dt_skel_load(&s, err, err_len);
	if (ret)
		return ret;
	t->skel = s;
	t->disk_fd = bpf_map__fd(s->maps.azlxnet_dl_disk);
	t->cgrp_fd = bpf_map__fd(s->maps.azlxnet_dl_cgrp);
	return 0;
}

void azlx_disktel_close(struct azlx_disktel *t)
{
	if (t->skel) {
		disklat__destroy(t->skel);
	} else {
		if (t->disk_fd >= 0)
			close(t->disk_fd);
		if (t->cgrp_fd >= 0)
			close(t->cgrp_fd);
	}
	azlx_dt_names_free(t);
	t->skel = NULL;
	t->disk_fd = t->cgrp_fd = -1;
}

/* ---- snapshots --------------------------------------------------------------- */

static __u64 azlx_dt_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__u64)ts.tv_sec * 1000000000ULL + (__u64)ts.tv_nsec;
}

/* The entry of @major:@minor, added if absent (the array kept unsorted). */
static struct azlx_disktel_disk *azlx_dt_disk_slot(struct azlx_disktel_snap *s,
						   unsigned int major, unsigned int minor,
						   size_t *cap)
{
	struct azlx_disktel_disk *d;
	size_t i;

	for (i = 0; i < s->ndisks; i++)
		if (s->disks[i].major == major && s->disks[i].minor == minor)
			return &s->disks[i];
	if (s->ndisks == *cap) {
		size_t ncap = *cap ? *cap * 2 : 16;

		d = realloc(s->disks, ncap * sizeof(*d));
		if (!d)
			return NULL;
		s->disks = d;
		*cap = ncap;
	}
	d = &s->disks[s->ndisks++];
	memset(d, 0, sizeof(*d));
	d->major = major;
	d->minor = minor;
	return d;
}

static int azlx_dt_read_disks(struct azlx_disktel *t, struct azlx_disktel_snap *s,
			      char *err, size_t len)
{
	struct azlxnet_dl_disk_key key, next;
	struct azlxnet_dl_hist *vals;
	void *prev = NULL;
	size_t cap = 0;
	int e, cpu;

	vals = calloc(t->ncpus, sizeof(*vals));
	if (!vals)
		return azlx_dt_fail(err, len, ENOMEM, "out of memory");
	while (!(e = bpf_map_get_next_key(t->disk_fd, prev, &next))) {
		struct azlx_disktel_disk *d;
		struct azlxnet_dl_hist sum = {};

		key = next;
		prev = &key;
		if (bpf_map_lookup_elem(t->disk_fd, &key, vals))
			continue;	/* gone meanwhile */
		if (key.op >= AZLXNET_DL_OPS)
			continue;
		for (cpu = 0; cpu < t->ncpus; cpu++)
			azlx_disktel_hist_add(&sum, &vals[cpu]);
		d = azlx_dt_disk_slot(s, AZLXNET_DL_DEV_MAJOR(key.dev),
				      AZLXNET_DL_DEV_MINOR(key.dev), &cap);
		if (!d) {
			free(vals);
			return azlx_dt_fail(err, len, ENOMEM, "out of memory");
		}
		/* set, not added: a key may come twice when the map changes under us */
		d->op[key.op] = sum;
	}
	free(vals);
	if (e != -ENOENT)
		return azlx_dt_fail(err, len, -e, "cannot read the disk telemetry: %s",
				    strerror(-e));
	return 0;
}

static int azlx_dt_read_cgroups(struct azlx_disktel *t, struct azlx_disktel_snap *s,
				char *err, size_t len)
{
	struct azlxnet_dl_cgrp_key key, next;
	struct azlxnet_dl_hist val;
	void *prev = NULL;
	size_t cap = 0, i;
	int e;

	while (!(e = bpf_map_get_next_key(t->cgrp_fd, prev, &next))) {
		struct azlx_disktel_cgroup *c = NULL;
		unsigned int major, minor;

		key = next;
		prev = &key;
		if (bpf_map_lookup_elem(t->cgrp_fd, &key, &val) || key.op >= AZLXNET_DL_OPS)
			continue;
		major = AZLXNET_DL_DEV_MAJOR(key.dev);
		minor = AZLXNET_DL_DEV_MINOR(key.dev);
		for (i = 0; i < s->ncgroups; i++) {
			c = &s->cgroups[i];
			if (c->major == major && c->minor == minor && c->id == key.cgroup)
				break;
			c = NULL;
		}
		if (!c) {
			if (s->ncgroups == cap) {
				size_t ncap = cap ? cap * 2 : 16;
				struct azlx_disktel_cgroup *nv;

				nv = realloc(s->cgroups, ncap * sizeof(*nv));
				if (!nv)
					return azlx_dt_fail(err, len, ENOMEM, "out of memory");
				s->cgroups = nv;
				cap = ncap;
			}
			c = &s->cgroups[s->ncgroups++];
			memset(c, 0, sizeof(*c));
			c->major = major;
			c->minor = minor;
			c->id = key.cgroup;
		}
		c->op[key.op] = val;
	}
	if (e != -ENOENT)
		return azlx_dt_fail(err, len, -e, "cannot read the disk telemetry: %s",
				    strerror(-e));
	return 0;
}

static int azlx_dt_snapshot(struct azlx_disktel *t, struct azlx_disktel_snap *s,
			    bool cgroups, char *err, size_t len)
{
	size_t i;
	int ret;

	memset(s, 0, sizeof(*s));
	s->time_ns = azlx_dt_now_ns();
	ret = azlx_dt_read_disks(t, s, err, len);
	if (!ret && cgroups)
		ret = azlx_dt_read_cgroups(t, s, err, len);
	if (ret) {
		azlx_disktel_snap_free(s);
		return ret;
	}
	if (s->ndisks)
		qsort(s->disks, s->ndisks, sizeof(*s->disks), azlx_dt_cmp_disk);
	if (s->ncgroups)
		qsort(s->cgroups, s->ncgroups, sizeof(*s->cgroups), azlx_dt_cmp_cgroup);
	for (i = 0; i < s->ndisks; i++)
		azlx_dt_disk_name(s->disks[i].major, s->disks[i].minor, s->disks[i].name,
				  sizeof(s->disks[i].name));
	for (i = 0; i < s->ncgroups; i++) {
		struct azlx_disktel_cgroup *c = &s->cgroups[i];
		const struct azlx_disktel_disk *d = azlx_disktel_find(s, c->major, c->minor);

		if (d)
			snprintf(c->disk, sizeof(c->disk), "%s", d->name);
		else
			azlx_dt_disk_name(c->major, c->minor, c->disk, sizeof(c->disk));
		azlx_dt_cgroup_name(t, c->id, c->path, sizeof(c->path));
	}
	return 0;
}

int azlx_disktel_snapshot(struct azlx_disktel *t, struct azlx_disktel_snap *s,
			  char *err, size_t err_len)
{
	return azlx_dt_snapshot(t, s, true, err, err_len);
}

/* ---- printing ----------------------------------------------------------------- */

static void azlx_dt_print_op(const char *key, const struct azlxnet_dl_hist *h,
			     unsigned int flags)
{
	double p50 = azlx_disktel_percentile(h, 50), p99 = azlx_disktel_percentile(h, 99);
	int i;

	azlx_print_open_object(key);
	azlx_print_text("    %-6s", key);
	azlx_print_uint(AZLX_PRINT_ANY, "requests", " %llu requests", h->requests);
	azlx_print_uint(AZLX_PRINT_ANY, "units", " (%llu units)", h->units);
	azlx_print_uint(AZLX_PRINT_ANY, "bytes", ", %llu bytes", h->bytes);
	azlx_print_uint(AZLX_PRINT_JSON, "lat_sum_ns", NULL, h->lat_sum_ns);
	azlx_print_uint(AZLX_PRINT_JSON, "p50_us", NULL, azlx_dt_round(p50));
	azlx_print_uint(AZLX_PRINT_JSON, "p99_us", NULL, azlx_dt_round(p99));
	if (h->requests)
		azlx_print_text(", latency avg %.0f us, p50 %.0f us, p99 %.0f us",
				(double)h->lat_sum_ns / (double)h->requests / 1000.0, p50, p99);
	azlx_print_text("\n");
	if (flags & AZLX_DISKTEL_PRINT_HIST) {
		azlx_print_open_array("hist_us");
		for (i = 0; i < AZLXNET_DL_SLOTS; i++) {
			if (!h->slots[i])
				continue;
			azlx_print_open_object(NULL);
			azlx_print_uint(AZLX_PRINT_ANY, "from_us", "      %8llu",
					i ? 1ULL << i : 0);
			azlx_print_uint(AZLX_PRINT_ANY, "to_us", " .. %-8llu us", 1ULL << (i + 1));
			azlx_print_uint(AZLX_PRINT_ANY, "count", " %llu\n", h->slots[i]);
			azlx_print_close_object();
		}
		azlx_print_close_array();
	}
	azlx_print_close_object();
}

static void azlx_dt_print_ops(const struct azlxnet_dl_hist op[AZLXNET_DL_OPS],
			      unsigned int flags)
{
	int i;

	for (i = 0; i < AZLXNET_DL_OPS; i++) {
		if (!azlx_print_is_json() && !op[i].requests && !op[i].bytes)
			continue;
		azlx_dt_print_op(azlx_dt_op_names[i], &op[i], flags);
	}
}

void azlx_disktel_print(const struct azlx_disktel_snap *s, const char *disk,
			unsigned int flags)
{
	size_t i;

	azlx_print_open_object("telemetry");
	azlx_print_bool(AZLX_PRINT_JSON, "on", NULL, s != NULL);
	if (!s) {
		azlx_print_text("disk telemetry: off (\"azlxnet disk telemetry on\" starts it)\n");
		azlx_print_close_object();
		return;
	}
	azlx_print_text("disk telemetry: on (issue to complete, below any dm-azlx queueing)\n");
	azlx_print_open_array("disks");
	for (i = 0; i < s->ndisks; i++) {
		const struct azlx_disktel_disk *d = &s->disks[i];

		if (disk && strcmp(disk, d->name))
			continue;
		azlx_print_open_object(NULL);
		azlx_print_string(AZLX_PRINT_ANY, "disk", "  %s", d->name);
		azlx_print_uint(AZLX_PRINT_ANY, "major", " (%llu", d->major);
		azlx_print_uint(AZLX_PRINT_ANY, "minor", ":%llu)\n", d->minor);
		azlx_dt_print_ops(d->op, flags);
		azlx_print_close_object();
	}
	azlx_print_close_array();
	if (flags & AZLX_DISKTEL_PRINT_CGROUPS) {
		azlx_print_open_array("cgroups");
		for (i = 0; i < s->ncgroups; i++) {
			const struct azlx_disktel_cgroup *c = &s->cgroups[i];

			if (disk && strcmp(disk, c->disk))
				continue;
			azlx_print_open_object(NULL);
			azlx_print_string(AZLX_PRINT_ANY, "disk", "  %s", c->disk);
			azlx_print_uint(AZLX_PRINT_JSON, "major", NULL, c->major);
			azlx_print_uint(AZLX_PRINT_JSON, "minor", NULL, c->minor);
			azlx_print_uint(AZLX_PRINT_ANY, "cgroup_id", " cgroup %llu", c->id);
			if (c->path[0])
				azlx_print_string(AZLX_PRINT_ANY, "cgroup", " %s\n", c->path);
			else
				azlx_print_string(AZLX_PRINT_ANY, "cgroup", "%s\n",
						  c->id ? NULL : "(none)");
			azlx_dt_print_ops(c->op, flags);
			azlx_print_close_object();
		}
		azlx_print_close_array();
	}
	azlx_print_close_object();
}

/* ---- disk telemetry on | off | show ------------------------------------------ */

static int azlx_dt_help(void)
{
	printf("Usage: azlxnet disk telemetry [ show ]\n"
	       "       azlxnet disk telemetry { on | off }\n"
	       "       azlxnet disk top [ --interval SECS ] [ -c COUNT ]\n"
	       "Block request latency histograms per disk and per cgroup, from the\n"
	       "block_rq_issue and block_rq_complete tracepoints: \"on\" pins the programs\n"
	       "and maps under %s, \"off\" removes them.\n", AZLX_DISKTEL_PIN_DIR);
	return AZLX_EXIT_OK;
}

static void azlx_dt_unpin_all(void)
{
	size_t i;

	for (i = 0; i < sizeof(azlx_dt_pins) / sizeof(azlx_dt_pins[0]); i++)
		if (unlink(azlx_dt_pins[i]) && errno != ENOENT)
			azlx_warn("cannot unpin %s: %s", azlx_dt_pins[i], strerror(errno));
	if (rmdir(AZLX_DISKTEL_PIN_DIR) && errno != ENOENT)
		azlx_warn("cannot remove %s: %s", AZLX_DISKTEL_PIN_DIR, strerror(errno));
	/* the fast path's pins may share the parent: it stays then */
	if (rmdir(AZLXNET_PIN_DIR) && errno != ENOENT && errno != ENOTEMPTY)
		azlx_warn("cannot remove %s: %s", AZLXNET_PIN_DIR, strerror(errno));
}

static bool azlx_dt_any_pinned(void)
{
	size_t i;

	for (i = 0; i < sizeof(azlx_dt_pins) / sizeof(azlx_dt_pins[0]); i++)
		if (!access(azlx_dt_pins[i], F_OK))
			return true;
	return !access(AZLX_DISKTEL_PIN_DIR, F_OK);
}

static int azlx_dt_pin(int fd_or_neg, const char *path, char *err, size_t len)
{
	if (fd_or_neg)
		return azlx_dt_fail(err, len, -fd_or_neg, "cannot pin %s: %s", path,
				    strerror(-fd_or_neg));
	return 0;
}

static int azlx_dt_on(char *err, size_t len)
{
	struct disklat *s;
	int ret;

	if (azlx_dt_any_pinned())
		azlx_dt_unpin_all();	/* what a failed "on" or another version left */
	if (mkdir(AZLX_DISKTEL_PIN_DIR, 0700) && errno != EEXIST)
		return azlx_dt_fail(err, len, errno, "cannot create %s: %s%s",
				    AZLX_DISKTEL_PIN_DIR, strerror(errno), azlx_dt_hint(errno));
	ret = azlx_dt_skel_load(&s, err, len);
	if (ret) {
		azlx_dt_unpin_all();
		return ret;
	}
	ret = azlx_dt_pin(bpf_map__pin(s->maps.azlxnet_dl_disk, AZLX_DT_PIN_DISK),
			  AZLX_DT_PIN_DISK, err, len);
	if (!ret)
		ret = azlx_dt_pin(bpf_map__pin(s->maps.azlxnet_dl_cgrp, AZLX_DT_PIN_CGRP),
				  AZLX_DT_PIN_CGRP, err, len);
	/* the links last: with them pinned, the telemetry is on */
	if (!ret)
		ret = azlx_dt_pin(bpf_link__pin(s->links.azlxnet_dl_issue, AZLX_DT_PIN_ISSUE),
				  AZLX_DT_PIN_ISSUE, err, len);
	if (!ret)
		ret = azlx_dt_pin(bpf_link__pin(s->links.azlxnet_dl_complete,
						AZLX_DT_PIN_COMPLETE),
				  AZLX_DT_PIN_COMPLETE, err, len);
	if (ret) {
		azlx_dt_unpin_all();
	} else {
		/* the pins keep the links: destroying the skeleton must not detach */
		bpf_link__disconnect(s->links.azlxnet_dl_issue);
		bpf_link__disconnect(s->links.azlxnet_dl_complete);
	}
	disklat__destroy(s);
	return ret;
}

static void azlx_dt_print_state(bool on, bool changed)
{
	azlx_print_open_object(NULL);
	azlx_print_bool(AZLX_PRINT_JSON, "on", NULL, on);
	azlx_print_bool(AZLX_PRINT_JSON, "changed", NULL, changed);
	azlx_print_string(AZLX_PRINT_JSON, "pin_dir", NULL, on ? AZLX_DISKTEL_PIN_DIR : NULL);
	azlx_print_text("disk telemetry: %s", on ? "on" : "off");
	if (!changed)
		azlx_print_text(" (already)");
	else if (on)
		azlx_print_text(" (pinned in %s)", AZLX_DISKTEL_PIN_DIR);
	azlx_print_text("\n");
	azlx_print_close_object();
}

/* Whether it is on, and what it counted so far. */
static int azlx_dt_show(void)
{
	struct azlx_disktel_snap s;
	struct azlx_disktel t;
	char err[512];
	int ret;

	ret = azlx_disktel_open(&t, err, sizeof(err));
	if (ret == -ENOENT) {
		azlx_print_open_object(NULL);
		azlx_print_null("pin_dir");
		azlx_disktel_print(NULL, NULL, 0);
		azlx_print_close_object();
		return AZLX_EXIT_OK;
	}
	if (!ret)
		ret = azlx_disktel_snapshot(&t, &s, err, sizeof(err));
	azlx_disktel_close(&t);
	if (ret)
		return azlx_error(AZLX_EXIT_ERR, "disk telemetry: %s", err);
	azlx_print_open_object(NULL);
	azlx_print_string(AZLX_PRINT_JSON, "pin_dir", NULL, AZLX_DISKTEL_PIN_DIR);
	azlx_disktel_print(&s, NULL, AZLX_DISKTEL_PRINT_CGROUPS | AZLX_DISKTEL_PRINT_HIST);
	azlx_print_close_object();
	azlx_disktel_snap_free(&s);
	return AZLX_EXIT_OK;
}

int azlx_disk_telemetry(int argc, char **argv)
{
	enum { SHOW, ON, OFF, HELP };
	static const struct azlx_cmd words[] = {
		{ "show", NULL }, { "on", NULL }, { "off", NULL }, { "help", NULL },
		{ NULL, NULL },
	};
	struct azlx_err e = {};
	struct azlx_dp dp;
	char err[512];
	int which = SHOW, ret;
	bool was_on;

	if (argc) {
		const struct azlx_cmd *w;

		w = azlx_cmd_lookup(words, argv[0], "command", "azlxnet disk telemetry");
		if (!w)
			return AZLX_EXIT_USAGE;
		which = (int)(w - words);
		if (argc > 1)
			return azlx_error(AZLX_EXIT_USAGE,
					  "\"disk telemetry %s\" takes no more arguments: \"%s\"",
					  w->name, argv[1]);
	}
	if (which == HELP)
		return azlx_dt_help();
	if (which == SHOW)
		return azlx_dt_show();

	/* the fast path's lock on the pin directory: one change at a time */
	azlx_dp_init(&dp);
	if (azlx_dp_lock(&dp, &e)) {
		azlx_dp_close(&dp);
		return azlx_error(AZLX_EXIT_ERR, "disk telemetry %s: %s", argv[0], e.msg);
	}
	was_on = azlx_disktel_is_on();
	ret = AZLX_EXIT_OK;
	if (which == ON && !was_on) {
		if (azlx_dt_on(err, sizeof(err)))
			ret = azlx_error(AZLX_EXIT_ERR, "disk telemetry on: %s", err);
	} else if (which == OFF && (was_on || azlx_dt_any_pinned())) {
		azlx_dt_unpin_all();
		if (azlx_dt_any_pinned())
			ret = azlx_error(AZLX_EXIT_ERR, "disk telemetry off: %s is still there",
					 AZLX_DISKTEL_PIN_DIR);
	} else if (which == OFF) {
		/* the lock may have made the pin directory: leave nothing */
		if (rmdir(AZLXNET_PIN_DIR) && errno != ENOENT && errno != ENOTEMPTY)
			azlx_warn("cannot remove %s: %s", AZLXNET_PIN_DIR, strerror(errno));
	}
	azlx_dp_close(&dp);
	if (ret)
		return ret;
	azlx_dt_print_state(which == ON, which == ON ? !was_on : was_on);
	return AZLX_EXIT_OK;
}

/* ---- disk top ------------------------------------------------------------------- */

/* The whole disk of @major:@minor (itself unless it is a partition). */
static void azlx_dt_whole_disk(unsigned int major, unsigned int minor,
			       unsigned int *wmajor, unsigned int *wminor)
{
	char rel[96], buf[64];

	*wmajor = major;
	*wminor = minor;
	snprintf(rel, sizeof(rel), "dev/block/%u:%u/partition", major, minor);
	if (azlx_sysfs_read(rel, buf, sizeof(buf)) < 0)
		return;
	snprintf(rel, sizeof(rel), "dev/block/%u:%u/../dev", major, minor);
	if (azlx_sysfs_read(rel, buf, sizeof(buf)) < 0 ||
	    sscanf(buf, "%u:%u", wmajor, wminor) != 2) {
		*wmajor = major;
		*wminor = minor;
	}
}

/* What disk top keeps per disk between intervals. */
struct azlx_dt_top_disk {
	unsigned int			major, minor;
	struct azlx_disktel_baseline	base;
};

struct azlx_dt_top {
	struct azlx_dt_top_disk	*v;
	size_t			n;
	struct azlx_pacer	*pacers, *prev_pacers;
	int			npacers, nprev_pacers;
	bool			pacer_warned;
};

static struct azlx_disktel_baseline *azlx_dt_top_base(struct azlx_dt_top *top,
						      unsigned int major, unsigned int minor)
{
	struct azlx_dt_top_disk *nv;
	size_t i;

	for (i = 0; i < top->n; i++)
		if (top->v[i].major == major && top->v[i].minor == minor)
			return &top->v[i].base;
	nv = realloc(top->v, (top->n + 1) * sizeof(*nv));
	if (!nv)
		return NULL;
	top->v = nv;
	memset(&nv[top->n], 0, sizeof(nv[0]));
	nv[top->n].major = major;
	nv[top->n].minor = minor;
	return &nv[top->n++].base;
}

/* The first pacer on (a partition of) the disk, and the one of the last interval. */
static const struct azlx_pacer *azlx_dt_top_pacer(const struct azlx_dt_top *top,
						  unsigned int major, unsigned int minor,
						  const struct azlx_pacer **prev)
{
	const struct azlx_pacer *p = NULL;
	unsigned int wmaj, wmin;
	int i;

	*prev = NULL;
	for (i = 0; i < top->npacers; i++) {
		azlx_dt_whole_disk(top->pacers[i].table.dev_major, top->pacers[i].table.dev_minor,
				   &wmaj, &wmin);
		if (wmaj == major && wmin == minor) {
			p = &top->pacers[i];
			break;
		}
	}
	if (!p)
		return NULL;
	for (i = 0; i < top->nprev_pacers; i++)
		if (!strcmp(top->prev_pacers[i].name, p->name))
			*prev = &top->prev_pacers[i];
	return p;
}

static void azlx_dt_top_pacers(struct azlx_dt_top *top)
{
	char err[256];
	int n = 0;

	free(top->prev_pacers);
	top->prev_pacers = top->pacers;
	top->nprev_pacers = top->npacers;
	top->pacers = NULL;
	top->npacers = 0;
	if (azlx_pacer_list(&top->pacers, &n, err, sizeof(err))) {
		if (!top->pacer_warned)
			azlx_warn("disk top: cannot list the dm-azlx pacers: %s", err);
		top->pacer_warned = true;
		top->pacers = NULL;
		n = 0;
	}
	top->npacers = n;
}

static void azlx_dt_print_classes(const char *key, const uint64_t *now,
				  const uint64_t *then, enum azlx_print kind)
{
	int i;

	azlx_print_open_object(key);
	for (i = 0; i < AZLX_PACER_CLASSES; i++)
		azlx_print_uint(kind, azlx_pacer_class_names[i], i ? "/%llu" : "%llu",
				then && now[i] >= then[i] ? now[i] - then[i] : now[i]);
	azlx_print_close_object();
}

static void azlx_dt_top_disk(struct azlx_dt_top *top, const struct azlx_disktel_disk *d,
			     double secs)
{
	const struct azlx_pacer *p, *prev;
	struct azlx_disktel_budget budget = {};
	struct azlx_disktel_detection det;
	struct azlx_disktel_baseline *base;
	struct azlxnet_dl_hist rw;
	double pct = -1;

	azlx_disktel_hist_rw(d->op, &rw);
	p = azlx_dt_top_pacer(top, d->major, d->minor, &prev);
	if (p) {
		const struct azlx_pacer_table *tb = &p->table;
		bool burst = tb->burst_iops > 0 && p->status.credit_ios > 0;

		budget.iops = (double)(burst ? tb->burst_iops : tb->iops);
		budget.mbps = (double)(burst && tb->burst_mbps > 0 ? tb->burst_mbps : tb->mbps);
		/* of the budget's tighter dimension: I/Os or bytes */
		if (prev && p->status.units >= prev->status.units && budget.iops > 0)
			pct = (double)(p->status.units - prev->status.units) / secs /
			      budget.iops * 100.0;
		if (prev && p->status.bytes >= prev->status.bytes && budget.mbps > 0) {
			double bpct = (double)(p->status.bytes - prev->status.bytes) / secs /
				      (budget.mbps * 1e6) * 100.0;

			if (bpct > pct)
				pct = bpct;
		}
	}
	base = azlx_dt_top_base(top, d->major, d->minor);
	azlx_disktel_detect(&rw, secs, &budget, base, &det);
	if (base)
		azlx_disktel_baseline_update(base, &det);

	azlx_print_open_object(NULL);
	azlx_print_string(AZLX_PRINT_ANY, "disk", "%-12s", d->name);
	azlx_print_uint(AZLX_PRINT_JSON, "major", NULL, d->major);
	azlx_print_uint(AZLX_PRINT_JSON, "minor", NULL, d->minor);
	azlx_print_uint(AZLX_PRINT_JSON, "requests", NULL, rw.requests);
	azlx_print_uint(AZLX_PRINT_JSON, "bytes", NULL, rw.bytes);
	azlx_print_uint(AZLX_PRINT_JSON, "other_requests", NULL, d->op[AZLXNET_DL_OTHER].requests);
	azlx_print_uint(AZLX_PRINT_ANY, "iops", " %8llu", azlx_dt_round(det.iops));
	azlx_print_uint(AZLX_PRINT_JSON, "read_iops", NULL,
			azlx_dt_round(d->op[AZLXNET_DL_READ].requests / secs));
	azlx_print_uint(AZLX_PRINT_JSON, "write_iops", NULL,
			azlx_dt_round(d->op[AZLXNET_DL_WRITE].requests / secs));
	azlx_print_uint(AZLX_PRINT_JSON, "units_per_s", NULL,
			azlx_dt_round(det.units_per_s));
	azlx_print_uint(AZLX_PRINT_JSON, "bytes_per_s", NULL,
			azlx_dt_round(rw.bytes / secs));
	azlx_print_text(" %8.1f", det.mbps);
	azlx_print_uint(AZLX_PRINT_ANY, "p50_us", " %8llu", azlx_dt_round(det.p50_us));
	azlx_print_uint(AZLX_PRINT_ANY, "p99_us", " %8llu", azlx_dt_round(det.p99_us));
	if (pct >= 0) {
		azlx_print_uint(AZLX_PRINT_ANY, "budget_pct", " %7llu",
				azlx_dt_round(pct));
	} else {
		azlx_print_null("budget_pct");
		azlx_print_text(" %7s", "--");
	}
	if (det.utilisation >= 0)
		azlx_print_uint(AZLX_PRINT_JSON, "utilisation_pct", NULL,
				azlx_dt_round(det.utilisation * 100));
	else
		azlx_print_null("utilisation_pct");
	azlx_print_string(AZLX_PRINT_ANY, "verdict", "  %-10s",
			  azlx_disktel_verdict_name(det.verdict));
	if (p) {
		azlx_print_open_object("pacer");
		azlx_print_string(AZLX_PRINT_JSON, "name", NULL, p->name);
		azlx_print_uint(AZLX_PRINT_JSON, "budget_iops", NULL,
				azlx_dt_round(budget.iops));
		azlx_print_uint(AZLX_PRINT_JSON, "budget_mbps", NULL,
				azlx_dt_round(budget.mbps));
		azlx_print_uint(AZLX_PRINT_JSON, "fraction", NULL,
				(unsigned long long)p->table.fraction);
		if (prev && p->status.units >= prev->status.units)
			azlx_print_uint(AZLX_PRINT_JSON, "units_per_s", NULL,
					azlx_dt_round((p->status.units -
								     prev->status.units) / secs));
		else
			azlx_print_null("units_per_s");
		azlx_print_string(AZLX_PRINT_JSON, "state", NULL, p->status.state);
		azlx_print_text(" ");
		/* queued now; delayed: how many waited in the target this interval */
		azlx_dt_print_classes("queued", p->status.queued, NULL, AZLX_PRINT_ANY);
		azlx_dt_print_classes("delayed", p->status.delayed,
				      prev ? prev->status.delayed : NULL, AZLX_PRINT_JSON);
		azlx_print_close_object();
	} else {
		azlx_print_null("pacer");
		azlx_print_text(" --");
	}
	azlx_print_text("\n");
	azlx_print_close_object();
}

static void azlx_dt_top_header(void)
{
	azlx_print_text("%-12s %8s %8s %8s %8s %7s  %-10s %s\n", "DISK", "IOPS", "MB/s",
			"P50(us)", "P99(us)", "BUDGET%", "VERDICT", "QUEUED(c/r/w/a)");
}

/* Every disk of @delta, and those with a pacer but no I/O yet. */
static void azlx_dt_top_print(struct azlx_dt_top *top, const struct azlx_disktel_snap *delta,
			      double secs, bool private_load)
{
	struct azlx_disktel_disk idle;
	unsigned int wmaj, wmin;
	size_t i;
	int j;

	azlx_print_open_object(NULL);
	azlx_print_uint(AZLX_PRINT_JSON, "time_ns", NULL, azlx_dt_now_ns());
	azlx_print_uint(AZLX_PRINT_JSON, "interval_ms", NULL,
			azlx_dt_round(secs * 1000));
	azlx_print_string(AZLX_PRINT_JSON, "telemetry", NULL, private_load ? "private" : "pinned");
	azlx_dt_top_header();
	azlx_print_open_array("disks");
	for (i = 0; i < delta->ndisks; i++)
		azlx_dt_top_disk(top, &delta->disks[i], secs);
	for (j = 0; j < top->npacers; j++) {
		azlx_dt_whole_disk(top->pacers[j].table.dev_major, top->pacers[j].table.dev_minor,
				   &wmaj, &wmin);
		if (azlx_disktel_find(delta, wmaj, wmin))
			continue;
		memset(&idle, 0, sizeof(idle));
		idle.major = wmaj;
		idle.minor = wmin;
		azlx_dt_disk_name(wmaj, wmin, idle.name, sizeof(idle.name));
		azlx_dt_top_disk(top, &idle, secs);
	}
	azlx_print_close_array();
	azlx_print_close_object();
	azlx_print_text("\n");
	/* the JSON object now, as one line; the text block is flushed too */
	azlx_print_flush();
}

static int azlx_dt_parse_interval(const char *arg, double *secs)
{
	char *end;
	double v;

	if (!arg) {
		*secs = 1.0;
		return 0;
	}
	errno = 0;
	v = strtod(arg, &end);
	if (errno || end == arg || *end || !(v >= 0.1) || v > AZLX_DT_INTERVAL_MAX)
		return azlx_error(AZLX_EXIT_USAGE,
				  "--interval: \"%s\" is not a number of seconds from 0.1 to %.0f",
				  arg, AZLX_DT_INTERVAL_MAX);
	*secs = v;
	return 0;
}

static void azlx_dt_top_free(struct azlx_dt_top *top)
{
	free(top->v);
	free(top->pacers);
	free(top->prev_pacers);
	memset(top, 0, sizeof(*top));
}

int azlx_disk_top(int argc, char **argv)
{
	struct azlx_disktel_snap prev = {}, now = {}, delta = {};
	struct signalfd_siginfo si;
	struct azlx_dt_top top = {};
	struct azlx_disktel t;
	unsigned long shown = 0;
	struct pollfd pfd;
	bool private_load = false;
	char err[512];
	sigset_t mask;
	double secs = 1.0;
	int ret, sfd;

	if (argc && azlx_is_help(argv[0]))
		return azlx_dt_help();
	if (argc)
		return azlx_error(AZLX_EXIT_USAGE, "\"disk top\" takes no argument: \"%s\"",
				  argv[0]);
	ret = azlx_dt_parse_interval(azlx_disk_opts.interval, &secs);
	if (ret)
		return ret;

	ret = azlx_disktel_open(&t, err, sizeof(err));
	if (ret == -ENOENT) {
		azlx_note("disk top: disk telemetry is off: loading it for this run only");
		ret = azlx_disktel_load(&t, err, sizeof(err));
		private_load = true;
	}
	if (ret)
		return azlx_error(AZLX_EXIT_ERR, "disk top: %s", err);

	/* stdout may be a pipe: each interval is written at once */
	setvbuf(stdout, NULL, _IOLBF, 0);
	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	if (sigprocmask(SIG_BLOCK, &mask, NULL)) {
		ret = azlx_error(AZLX_EXIT_ERR, "disk top: sigprocmask: %s", strerror(errno));
		goto out;
	}
	sfd = signalfd(-1, &mask, SFD_CLOEXEC);
	if (sfd < 0) {
		ret = azlx_error(AZLX_EXIT_ERR, "disk top: signalfd: %s", strerror(errno));
		goto out;
	}
	pfd.fd = sfd;
	pfd.events = POLLIN;

	ret = azlx_dt_snapshot(&t, &prev, false, err, sizeof(err));
	if (ret) {
		ret = azlx_error(AZLX_EXIT_ERR, "disk top: %s", err);
		goto out_sfd;
	}
	azlx_dt_top_pacers(&top);
	for (;;) {
		int n = poll(&pfd, 1, (int)azlx_dt_round(secs * 1000));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			ret = azlx_error(AZLX_EXIT_ERR, "disk top: poll: %s", strerror(errno));
			break;
		}
		if (n > 0) {
			/* SIGINT or SIGTERM: a normal end */
			if (read(sfd, &si, sizeof(si)) < 0)
				si.ssi_signo = 0;
			break;
		}
		ret = azlx_dt_snapshot(&t, &now, false, err, sizeof(err));
		if (ret) {
			ret = azlx_error(AZLX_EXIT_ERR, "disk top: %s", err);
			break;
		}
		azlx_dt_top_pacers(&top);
		if (azlx_disktel_snap_sub(&now, &prev, &delta)) {
			ret = azlx_error(AZLX_EXIT_ERR, "disk top: out of memory");
			break;
		}
		azlx_dt_top_print(&top, &delta, delta.time_ns ? delta.time_ns / 1e9 : secs,
				  private_load);
		azlx_disktel_snap_free(&delta);
		azlx_disktel_snap_free(&prev);
		prev = now;
		memset(&now, 0, sizeof(now));
		if (azlx_opts.count && ++shown >= azlx_opts.count)
			break;
	}
	azlx_disktel_snap_free(&prev);
	azlx_disktel_snap_free(&now);
out_sfd:
	close(sfd);
out:
	azlx_dt_top_free(&top);
	azlx_disktel_close(&t);
	return ret;
}
