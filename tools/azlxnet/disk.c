// SPDX-License-Identifier: GPL-2.0-only
/*
 * azlxnet disk: show the disks' budgets and pacers, pace a disk with
 * dm-azlx at its budget, and unpace it.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "azlxnet.h"
#include "cmd.h"
#include "disk.h"
#include "disktel.h"
#include "print.h"
#include "tune/plan.h"
#include "tune/tune.h"

struct azlx_disk_opts azlx_disk_opts;

void azlx_disk_set_opt(int opt, const char *arg, const char *name)
{
	struct azlx_disk_opts *o = &azlx_disk_opts;

	if (!o->given)
		o->given = name;
	switch (opt) {
	case AZLX_OPT_BUDGET:
		o->budget = arg;
		break;
	case AZLX_OPT_FRACTION:
		o->fraction = arg;
		break;
	case AZLX_OPT_CRITICAL:
		o->critical = arg;
		break;
	case AZLX_OPT_NAME:
		o->name = arg;
		break;
	case AZLX_OPT_INTERVAL:
		o->interval = arg;
		break;
	case AZLX_OPT_LAT_TARGET:
		o->lat_target = arg;
		break;
	case AZLX_OPT_CREDIT:
		o->credit = arg;
		break;
	}
}

static int azlx_disk_help(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	printf("Usage: azlxnet disk show [ --root DIR ] [ --config FILE ]\n"
	       "                         [ --imds-file FILE | --no-imds ]\n"
	       "       azlxnet disk pace DEV [ --budget { auto | IOPS,MBPS[,BURST_IOPS,BURST_MBPS] } ]\n"
	       "                         [ --fraction PERCENT ] [ --critical { PATH[:PATH...] | none } ]\n"
	       "                         [ --lat-target US ] [ --credit PERCENT ]\n"
	       "                         [ --name NAME ] [ --dry-run ] [ --config FILE ]\n"
	       "                         [ --imds-file FILE | --no-imds ] [ --root DIR ]\n"
	       "       azlxnet disk unpace { NAME | DEV }\n"
	       "       azlxnet disk record { NAME | DEV }\n"
	       "       azlxnet disk telemetry [ on | off | show ]\n"
	       "       azlxnet disk top [ --interval SECS ] [ -c COUNT ]\n"
	       "       azlxnet disk help\n"
	       "where  DEV := { sdb | nvme0n2 | /dev/sdb | /dev/disk/by-... }\n");
	return AZLX_EXIT_OK;
}

/* Options that only some disk commands take: a usage error for the others. */
static int azlx_disk_only(const char *cmd, bool budget_opts, bool tune_opts)
{
	const struct azlx_disk_opts *o = &azlx_disk_opts;

	const char *opt = o->budget ? "--budget" : o->fraction ? "--fraction" :
			  o->critical ? "--critical" : o->name ? "--name" :
			  o->lat_target ? "--lat-target" : o->credit ? "--credit" : NULL;

	if (!budget_opts && opt)
		return azlx_error(AZLX_EXIT_USAGE, "option \"%s\" is not for \"disk %s\"",
				  opt, cmd);
	if (!tune_opts && azlx_tune_opts.given)
		return azlx_error(AZLX_EXIT_USAGE, "option \"%s\" is not for \"disk %s\"",
				  azlx_tune_opts.name, cmd);
	if (strcmp(cmd, "top") && o->interval)
		return azlx_error(AZLX_EXIT_USAGE, "option \"--interval\" is only for \"disk top\"");
	if (strcmp(cmd, "top") && azlx_opts.count)
		return azlx_error(AZLX_EXIT_USAGE, "option \"-c\" is only for \"monitor\" and \"disk top\"");
	if (strcmp(cmd, "pace") && (azlx_tune_opts.dry_run || azlx_tune_opts.profile ||
				    azlx_tune_opts.state_dir || azlx_tune_opts.persist ||
				    azlx_tune_opts.all) && tune_opts)
		return azlx_error(AZLX_EXIT_USAGE, "option \"%s\" is not for \"disk %s\"",
				  azlx_tune_opts.name, cmd);
	return AZLX_EXIT_OK;
}

/* ---- show ------------------------------------------------------------------ */

static void azlx_pacer_print(const struct azlx_pacer *p)
{
	const struct azlx_pacer_table *t = &p->table;
	const struct azlx_pacer_status *s = &p->status;
	int i;

	azlx_print_open_object(NULL);
	azlx_print_string(AZLX_PRINT_ANY, "name", "%s", p->name);
	azlx_print_string(AZLX_PRINT_ANY, "disk", " on %s", p->disk[0] ? p->disk : "?");
	azlx_print_uint(AZLX_PRINT_JSON, "major", NULL, t->dev_major);
	azlx_print_uint(AZLX_PRINT_JSON, "minor", NULL, t->dev_minor);
	azlx_print_uint(AZLX_PRINT_ANY, "iops", ": %llu IOPS", t->iops);
	azlx_print_uint(AZLX_PRINT_ANY, "mbps", " / %llu MB/s", t->mbps);
	if (t->burst_iops || t->burst_mbps) {
		azlx_print_uint(AZLX_PRINT_ANY, "burst_iops", ", burst %llu", t->burst_iops);
		azlx_print_uint(AZLX_PRINT_ANY, "burst_mbps", " / %llu", t->burst_mbps);
		azlx_print_uint(AZLX_PRINT_ANY, "burst_secs", " for %llu s", t->burst_secs);
	} else {
		azlx_print_uint(AZLX_PRINT_JSON, "burst_iops", NULL, 0);
		azlx_print_uint(AZLX_PRINT_JSON, "burst_mbps", NULL, 0);
	}
	azlx_print_uint(AZLX_PRINT_ANY, "unit_kb", ", unit %llu KiB", t->unit_kb);
	azlx_print_uint(AZLX_PRINT_ANY, "fraction", ", at %llu%%", t->fraction);
	azlx_print_string(AZLX_PRINT_ANY, "state", ", %s", s->state);
	azlx_print_int(AZLX_PRINT_ANY, "open_count", ", open %lld\n", p->open_count);
	azlx_print_string(AZLX_PRINT_ANY, "critical", "    critical: %s\n",
			  t->critical[0] ? t->critical : "none");
	if (t->caps[0] || azlx_print_is_json())
		azlx_print_string(AZLX_PRINT_ANY, "caps", "    caps: %s\n", t->caps);
	if (t->inflight_ms)
		azlx_print_uint(AZLX_PRINT_ANY, "inflight_ms", "    inflight_ms: %llu\n",
				t->inflight_ms);
	if (t->credit_pct || azlx_print_is_json())
		azlx_print_uint(AZLX_PRINT_ANY, "credit_pct", "    started with %llu%% credit\n",
				t->credit_pct);
	if (t->lat_target_us)
		azlx_print_uint(AZLX_PRINT_ANY, "lat_target_us", "    latency target %llu us",
				t->lat_target_us);
	else if (s->has_adapt || azlx_print_is_json())
		azlx_print_uint(AZLX_PRINT_ANY, "lat_target_us", "    latency target none", 0);
	if (s->has_adapt) {
		azlx_print_uint(AZLX_PRINT_ANY, "window_pct", ": window %llu%%", s->window_pct);
		azlx_print_uint(AZLX_PRINT_ANY, "timed", ", %llu completions timed", s->timed);
		azlx_print_uint(AZLX_PRINT_ANY, "slow", ", %llu slow", s->slow);
		azlx_print_uint(AZLX_PRINT_ANY, "shrinks", "; window shrunk %llu", s->shrinks);
		azlx_print_uint(AZLX_PRINT_ANY, "grows", ", grown %llu times\n", s->grows);
	} else {
		if (t->lat_target_us)
			azlx_print_text(" (the module reports no window)\n");
		azlx_print_null("window_pct");
		azlx_print_null("timed");
		azlx_print_null("slow");
		azlx_print_null("shrinks");
		azlx_print_null("grows");
	}
	if (t->other[0])
		azlx_print_string(AZLX_PRINT_ANY, "other", "    other: %s\n", t->other);
	azlx_print_int(AZLX_PRINT_ANY, "tokens_ios", "    tokens %lld I/Os", s->tokens_ios);
	azlx_print_int(AZLX_PRINT_ANY, "tokens_bytes", " %lld bytes", s->tokens_bytes);
	azlx_print_int(AZLX_PRINT_ANY, "credit_ios", ", credit %lld I/Os", s->credit_ios);
	azlx_print_int(AZLX_PRINT_ANY, "credit_bytes", " %lld bytes", s->credit_bytes);
	azlx_print_uint(AZLX_PRINT_ANY, "units", "; done %llu units", s->units);
	azlx_print_uint(AZLX_PRINT_ANY, "bytes", " %llu bytes", s->bytes);
	azlx_print_uint(AZLX_PRINT_ANY, "flushes", ", %llu flushes", s->flushes);
	if (s->inflight >= 0) {
		azlx_print_int(AZLX_PRINT_ANY, "inflight", "; at the disk %lld", s->inflight);
		azlx_print_int(AZLX_PRINT_ANY, "inflight_max", " of %lld units", s->inflight_max);
	}
	azlx_print_text("\n");
	azlx_print_text("    %-9s %8s %12s %12s %10s %12s\n", "class", "queued", "dispatched",
			"delayed", "promoted", "max wait us");
	azlx_print_open_object("classes");
	for (i = 0; i < AZLX_PACER_CLASSES; i++) {
		azlx_print_open_object(azlx_pacer_class_names[i]);
		azlx_print_text("    %-9s", azlx_pacer_class_names[i]);
		azlx_print_uint(AZLX_PRINT_ANY, "queued", " %8llu", s->queued[i]);
		azlx_print_uint(AZLX_PRINT_ANY, "dispatched", " %12llu", s->dispatched[i]);
		azlx_print_uint(AZLX_PRINT_ANY, "delayed", " %12llu", s->delayed[i]);
		azlx_print_uint(AZLX_PRINT_ANY, "promoted", " %10llu", s->promoted[i]);
		azlx_print_uint(AZLX_PRINT_ANY, "max_wait_us", " %12llu\n", s->max_wait_us[i]);
		azlx_print_close_object();
	}
	azlx_print_close_object();
	azlx_print_uint(AZLX_PRINT_ANY, "capped_now", "    capped: %llu waiting",
			s->capped_now);
	azlx_print_uint(AZLX_PRINT_ANY, "capped_total", ", %llu ever\n", s->capped_total);
	azlx_print_close_object();
}

static void azlx_disk_show_telemetry(void)
{
	struct azlx_disktel_snap s = { 0 };
	struct azlx_disktel t;
	char err[512];
	int ret;

	ret = azlx_disktel_open(&t, err, sizeof(err));
	if (ret == -ENOENT) {
		azlx_disktel_print(NULL, NULL, 0);
		return;
	}
	if (ret) {
		azlx_warn("disk telemetry: %s", err);
		return;
	}
	if (!azlx_disktel_snapshot(&t, &s, err, sizeof(err)))
		azlx_disktel_print(&s, NULL, AZLX_DISKTEL_PRINT_CGROUPS | AZLX_DISKTEL_PRINT_HIST);
	else
		azlx_warn("disk telemetry: %s", err);
	azlx_disktel_snap_free(&s);
	azlx_disktel_close(&t);
}

static int azlx_disk_show(int argc, char **argv)
{
	struct azlx_pacer *pacers = NULL;
	struct azlx_vmsize v;
	int npacers = 0;
	struct azlx_tconf c;
	struct azlx_node n;
	struct azlx_imds m;
	struct azlx_budget b;
	char err[512];
	int i, ret;

	if (argc && azlx_is_help(argv[0]))
		return azlx_disk_help(0, NULL);
	ret = azlx_no_args("disk show", argc, argv);
	if (!ret)
		ret = azlx_disk_only("show", false, true);
	if (!ret)
		ret = azlx_tune_node(&c, &n, &m);
	if (ret)
		return ret;
	/* the pacers are the running kernel's: none under a fake root */
	if (!azlx_root_is_fake()) {
		ret = azlx_pacer_list(&pacers, &npacers, err, sizeof(err));
		/* device-mapper answers root only: the rest is still worth showing */
		if (ret == -EACCES || ret == -EPERM) {
			azlx_warn("dm-azlx mappings: %s (they need root)", err);
			npacers = -1;
			ret = 0;
		}
		if (ret) {
			ret = azlx_error(AZLX_EXIT_ERR, "dm-azlx mappings: %s", err);
			goto out;
		}
	}

	azlx_vm_budget(&m, &c, &v);
	azlx_print_open_object(NULL);
	azlx_print_open_object("vm");
	azlx_print_string(AZLX_PRINT_ANY, "size", "vm: %s", v.name[0] ? v.name : "unknown");
	if (v.iops >= 0)
		azlx_print_uint(AZLX_PRINT_ANY, "iops", ", cap %llu IOPS", v.iops);
	else
		azlx_print_null("iops");
	if (v.mbps >= 0)
		azlx_print_uint(AZLX_PRINT_ANY, "mbps", " / %llu MB/s", v.mbps);
	else
		azlx_print_null("mbps");
	if (v.burst_iops >= 0) {
		azlx_print_uint(AZLX_PRINT_ANY, "burst_iops", " (burst %llu", v.burst_iops);
		azlx_print_uint(AZLX_PRINT_ANY, "burst_mbps", " / %llu)", v.burst_mbps);
	}
	azlx_print_string(AZLX_PRINT_ANY, "source", " (%s)\n", v.source);
	azlx_print_open_object("origin");
	azlx_origin_print(&v.origin);
	azlx_print_close_object();
	azlx_print_close_object();
	azlx_print_string(AZLX_PRINT_ANY, "imds", "imds: %s\n", m.valid ? m.source : "none");

	azlx_print_open_array("disks");
	for (i = 0; i < n.ndisks; i++) {
		const struct azlx_disk *d = &n.disks[i];
		int j;

		if (!d->azure)
			continue;
		azlx_disk_budget(&n, &m, &c, d, &b);
		azlx_print_open_object(NULL);
		azlx_print_string(AZLX_PRINT_ANY, "name", "%s", d->name);
		azlx_print_string(AZLX_PRINT_ANY, "kind", " %s", azlx_disk_kind_name(d->kind));
		if (d->lun >= 0)
			azlx_print_int(AZLX_PRINT_ANY, "lun", " lun %lld", d->lun);
		else
			azlx_print_null("lun");
		if (b.known) {
			azlx_print_string(AZLX_PRINT_ANY, "tier", ": %s", b.tier);
			azlx_print_uint(AZLX_PRINT_ANY, "iops", " %llu IOPS", b.iops);
			azlx_print_uint(AZLX_PRINT_ANY, "mbps", " / %llu MB/s", b.mbps);
			azlx_print_uint(AZLX_PRINT_ANY, "burst_iops", ", burst %llu IOPS", b.burst_iops);
			azlx_print_uint(AZLX_PRINT_ANY, "burst_mbps", " / %llu MB/s", b.burst_mbps);
			if (b.iops_unit_kib)
				azlx_print_uint(AZLX_PRINT_ANY, "iops_unit_kib", ", IOPS per %llu KiB",
						b.iops_unit_kib);
			else
				azlx_print_null("iops_unit_kib");
		} else {
			azlx_print_null("tier");
			azlx_print_text(": budget unknown");
		}
		azlx_print_string(AZLX_PRINT_ANY, "source", " (%s)\n", b.source);
		azlx_print_open_object("origin");
		azlx_origin_print(&b.origin);
		azlx_print_close_object();
		/* the pacers on this disk or its partitions */
		azlx_print_open_array("pacers");
		for (j = 0; j < npacers; j++) {
			size_t len = strlen(d->name);

			if (strncmp(pacers[j].disk, d->name, len))
				continue;
			azlx_print_string(AZLX_PRINT_ANY, NULL, "    paced by %s\n",
					  pacers[j].name);
		}
		azlx_print_close_array();
		azlx_print_close_object();
	}
	azlx_print_close_array();

	if (npacers < 0) {
		azlx_print_null("pacers");
		azlx_print_text("pacers: unknown (device-mapper needs root)\n");
	} else {
		azlx_print_open_array("pacers");
		azlx_print_text(npacers ? "pacers:\n" : "pacers: none\n");
		for (i = 0; i < npacers; i++) {
			azlx_print_text("  ");
			azlx_pacer_print(&pacers[i]);
		}
		azlx_print_close_array();
	}
	/* the latency telemetry, when it is on: the running kernel's too */
	if (!azlx_root_is_fake())
		azlx_disk_show_telemetry();
	azlx_print_close_object();
out:
	free(pacers);
	azlx_node_free(&n);
	return ret;
}

/* ---- pace / unpace -------------------------------------------------------- */

/* A block device as pace and unpace take it. */
struct azlx_blkdev {
	char		name[64];	/* "sdb", "sda2" */
	char		parent[64];	/* the whole disk: "sdb", "sda" */
	unsigned int	major, minor;
	uint64_t	sectors;
};

/* "sda2" -> "sda", "nvme0n1p2" -> "nvme0n1", as the kernel names partitions */
static void azlx_part_parent(const char *name, char *buf, size_t len)
{
	size_t n = strlen(name);

	while (n && name[n - 1] >= '0' && name[n - 1] <= '9')
		n--;
	if (n > 1 && name[n - 1] == 'p' && name[n - 2] >= '0' && name[n - 2] <= '9')
		n--;
	snprintf(buf, len, "%.*s", (int)n, name);
}

/*
 * Resolves DEV ("sdb", "/dev/sdb", a /dev/disk/by-* link) to its kernel
 * name, numbers and size from sysfs (under --root). An exit code.
 */
static int azlx_blkdev_resolve(const char *arg, struct azlx_blkdev *d)
{
	char path[PATH_MAX], val[64];
	const char *name = arg;
	long long size;
	char *end;

	memset(d, 0, sizeof(*d));
	if (arg[0] == '/') {
		char real[PATH_MAX];

		if (!azlx_root_is_fake()) {
			if (!realpath(arg, real))
				return azlx_error(AZLX_EXIT_ERR, "%s: %s", arg, strerror(errno));
			arg = real;
		}
		if (strncmp(arg, "/dev/", 5) || strchr(arg + 5, '/'))
			return azlx_error(AZLX_EXIT_USAGE,
					  "%s: not a block device (expected sdb or /dev/sdb)", arg);
		name = arg + 5;
	}
	if (!name[0] || strchr(name, '/') || !strcmp(name, ".") || !strcmp(name, "..") ||
	    strlen(name) >= sizeof(d->name))
		return azlx_error(AZLX_EXIT_USAGE, "\"%s\": not a block device name", arg);
	strcpy(d->name, name);
	azlx_strf(path, sizeof(path), "/sys/class/block/%s/dev", d->name);
	if (azlx_fs_read(path, val, sizeof(val)) < 0 ||
	    sscanf(val, "%u:%u", &d->major, &d->minor) != 2)
		return azlx_error(AZLX_EXIT_ERR, "%s: no such block device", d->name);
	azlx_strf(path, sizeof(path), "/sys/class/block/%s/size", d->name);
	if (azlx_fs_read(path, val, sizeof(val)) < 0)
		return azlx_error(AZLX_EXIT_ERR, "%s: size unknown", d->name);
	errno = 0;
	size = strtoll(val, &end, 10);
	if (errno || *end || size < 0)
		return azlx_error(AZLX_EXIT_ERR, "%s: size: \"%s\"", d->name, val);
	d->sectors = size;
	azlx_strf(path, sizeof(path), "/sys/class/block/%s/partition", d->name);
	if (azlx_fs_exists(path))
		azlx_part_parent(d->name, d->parent, sizeof(d->parent));
	else
		strcpy(d->parent, d->name);
	return AZLX_EXIT_OK;
}

/* Names a block device (as pace and unpace take it), quietly. */
static bool azlx_is_blkdev(const char *arg)
{
	char path[PATH_MAX];

	if (arg[0] == '/')
		return true;
	if (!arg[0] || strchr(arg, '/') || !strcmp(arg, ".") || !strcmp(arg, ".."))
		return false;
	azlx_strf(path, sizeof(path), "/sys/class/block/%s/dev", arg);
	return azlx_fs_exists(path);
}

/* "N" within [min, max] */
static int azlx_parse_num(const char *what, const char *s, long min, long max, long *v)
{
	char *end;

	errno = 0;
	*v = strtol(s, &end, 10);
	if (errno || end == s || *end || s[0] == '+' || s[0] == '-' || s[0] == ' ')
		return azlx_error(AZLX_EXIT_USAGE, "%s: \"%s\" is not a number", what, s);
	if (*v < min || *v > max)
		return azlx_error(AZLX_EXIT_USAGE, "%s: %ld is out of range (%ld to %ld)",
				  what, *v, min, max);
	return AZLX_EXIT_OK;
}

struct azlx_pace_budget {
	long		iops, mbps, burst_iops, burst_mbps, unit_kb;
	char		source[160];
};

/* --budget IOPS,MBPS[,BURST_IOPS,BURST_MBPS] */
static int azlx_budget_parse(const char *s, struct azlx_pace_budget *b)
{
	long *v[] = { &b->iops, &b->mbps, &b->burst_iops, &b->burst_mbps };
	static const char *const what[] = {
		"--budget: IOPS", "--budget: MBPS", "--budget: BURST_IOPS", "--budget: BURST_MBPS",
	};
	char buf[128], *tok, *save = NULL;
	int i = 0, ret;

	if (strlen(s) >= sizeof(buf))
		return azlx_error(AZLX_EXIT_USAGE, "--budget: too long");
	strcpy(buf, s);
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save), i++) {
		if (i == 4)
			return azlx_error(AZLX_EXIT_USAGE,
					  "--budget: expected auto or IOPS,MBPS[,BURST_IOPS,BURST_MBPS]");
		ret = azlx_parse_num(what[i], tok, 1, i & 1 ? 1000000 : 100000000, v[i]);
		if (ret)
			return ret;
	}
	if (i != 2 && i != 4)
		return azlx_error(AZLX_EXIT_USAGE,
				  "--budget: expected auto or IOPS,MBPS[,BURST_IOPS,BURST_MBPS]");
	if (i == 4 && (b->burst_iops <= b->iops || b->burst_mbps < b->mbps))
		return azlx_error(AZLX_EXIT_USAGE,
				  "--budget: the burst (%ld,%ld) must exceed the baseline (%ld,%ld)",
				  b->burst_iops, b->burst_mbps, b->iops, b->mbps);
	b->unit_kb = 256;
	azlx_strf(b->source, sizeof(b->source), "--budget");
	return AZLX_EXIT_OK;
}

/* The budget of @dev's disk as "disk show" computes it. */
static int azlx_budget_auto(const struct azlx_blkdev *dev, struct azlx_pace_budget *pb)
{
	struct azlx_budget b;
	struct azlx_tconf c;
	struct azlx_node n;
	struct azlx_imds m;
	int i, ret;

	ret = azlx_tune_node(&c, &n, &m);
	if (ret)
		return ret;
	for (i = 0; i < n.ndisks; i++)
		if (!strcmp(n.disks[i].name, dev->parent))
			break;
	if (i == n.ndisks || !n.disks[i].azure) {
		ret = azlx_error(AZLX_EXIT_ERR,
				 "%s: not an Azure disk: give its budget (--budget IOPS,MBPS)",
				 dev->name);
		goto out;
	}
	azlx_disk_budget(&n, &m, &c, &n.disks[i], &b);
	if (!b.known) {
		ret = azlx_error(AZLX_EXIT_ERR,
				 "%s: budget %s: give it (--budget IOPS,MBPS)", dev->name, b.source);
		goto out;
	}
	pb->iops = b.iops;
	pb->mbps = b.mbps;
	if (b.burst_iops > b.iops || b.burst_mbps > b.mbps) {
		pb->burst_iops = b.burst_iops > b.iops ? b.burst_iops : b.iops + 1;
		pb->burst_mbps = b.burst_mbps > b.mbps ? b.burst_mbps : b.mbps;
	}
	/* not published (Standard HDD): 256 KiB, which never counts fewer I/Os than the host */
	pb->unit_kb = b.iops_unit_kib ? b.iops_unit_kib : 256;
	azlx_strf(pb->source, sizeof(pb->source), "%s", b.source);
out:
	azlx_node_free(&n);
	return ret;
}

/*
 * The default latency target of a bursting disk: a throttled host drains
 * dm-azlx's window (20 ms of the budget it dispatches) at its own rate, so
 * completions take the window's length times (our rate / the host's): twice
 * the window plus 10 ms of service says the host does less than about half
 * of what dm-azlx believes, as when the credit it estimates is spent.
 */
#define AZLX_DEF_LAT_TARGET_US	50000

/* The cgroups of system services (kubelet, containerd, journald): systemd's system.slice */
#define AZLX_DEFAULT_CRITICAL	"/system.slice"

/* --critical: cgroup v2 paths that exist; "none"; default system.slice if it exists */
static int azlx_critical_parse(const char *arg, char *out, size_t len)
{
	char buf[1024], path[PATH_MAX], *tok, *save = NULL;

	out[0] = '\0';
	if (!arg) {
		if (azlx_fs_is_dir("/sys/fs/cgroup" AZLX_DEFAULT_CRITICAL))
			azlx_strf(out, len, "%s", AZLX_DEFAULT_CRITICAL);
		return AZLX_EXIT_OK;
	}
	if (!strcmp(arg, "none"))
		return AZLX_EXIT_OK;
	if (strlen(arg) >= sizeof(buf) || strlen(arg) >= len)
		return azlx_error(AZLX_EXIT_USAGE, "--critical: too long");
	strcpy(buf, arg);
	for (tok = strtok_r(buf, ":", &save); tok; tok = strtok_r(NULL, ":", &save)) {
		if (tok[0] != '/' || strstr(tok, "/..") || strchr(tok, ' ') || strchr(tok, '='))
			return azlx_error(AZLX_EXIT_USAGE,
					  "--critical: \"%s\": a cgroup path starts with '/' (\"/system.slice\")",
					  tok);
		azlx_strf(path, sizeof(path), "/sys/fs/cgroup%s", tok);
		if (!azlx_fs_is_dir(path))
			return azlx_error(AZLX_EXIT_ERR, "--critical: %s: no such cgroup", tok);
		azlx_strf(out + strlen(out), len - strlen(out), "%s%s", out[0] ? ":" : "", tok);
	}
	if (!out[0])
		return azlx_error(AZLX_EXIT_USAGE, "--critical: no cgroup given");
	return AZLX_EXIT_OK;
}

static bool azlx_dm_name_ok(const char *s)
{
	if (!s[0] || strlen(s) >= AZLX_PACER_NAME_MAX || !strcmp(s, ".") || !strcmp(s, ".."))
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || strchr("._-+", *s)))
			return false;
	return true;
}

/* The pacer mapping @d (or, if @d is NULL, named @name); exit code, -ENOENT quietly */
static int azlx_pacer_find(const struct azlx_blkdev *d, const char *name, struct azlx_pacer *out,
			   bool *found)
{
	struct azlx_pacer *v;
	char err[512];
	int n, i;

	*found = false;
	if (azlx_pacer_list(&v, &n, err, sizeof(err)) < 0)
		return azlx_error(AZLX_EXIT_ERR, "dm-azlx mappings: %s", err);
	for (i = 0; i < n; i++) {
		if (d ? v[i].table.dev_major == d->major && v[i].table.dev_minor == d->minor :
			!strcmp(v[i].name, name)) {
			*out = v[i];
			*found = true;
			break;
		}
	}
	free(v);
	return AZLX_EXIT_OK;
}

/*
 * The credit a new mapping of @d with budget @b starts with: --credit, else
 * the state file's when it is for this budget (refilled since), else 0.
 * @src says which, for the output.
 */
static long azlx_pace_credit(const struct azlx_blkdev *d, const struct azlx_pace_budget *b,
			     long given, char *src, size_t src_len)
{
	struct azlx_credit_budget cb = {
		.iops = b->iops, .mbps = b->mbps, .burst_iops = b->burst_iops,
		.burst_mbps = b->burst_mbps, .burst_secs = 1800,	/* the target's default */
	};
	char id[192], path[PATH_MAX], why[PATH_MAX + 256];
	struct azlx_credit c;
	long long now;
	long pct;
	int ret;

	if (given >= 0) {
		azlx_strf(src, src_len, "--credit");
		return given;
	}
	azlx_credit_id(d->name, d->parent, id, sizeof(id));
	azlx_credit_path(id, path, sizeof(path));
	now = azlx_credit_now();
	ret = azlx_credit_load(id, &cb, now, &c, &pct, why, sizeof(why));
	if (ret == -ENOENT) {
		azlx_strf(src, src_len, "none recorded in %s", path);
		return 0;
	}
	if (ret) {
		azlx_warn("burst credit: %s: ignored", why);
		azlx_strf(src, src_len, "%s ignored", path);
		return 0;
	}
	azlx_strf(src, src_len, "%ld%% recorded in %s %lld s ago", c.pct, path, now - c.time);
	return pct;
}

static int azlx_disk_pace(int argc, char **argv)
{
	const struct azlx_disk_opts *o = &azlx_disk_opts;
	struct azlx_pace_budget b = { 0 };
	char critical[1024], params[1536], table[1600], name[AZLX_PACER_NAME_MAX], err[512];
	char credit_src[PATH_MAX + 64] = "";
	struct azlx_blkdev d;
	struct azlx_pacer old;
	bool found;
	long fraction = 0, lat_target = -1, credit_given = -1, credit = 0;
	int ret, fd;

	if (argc && azlx_is_help(argv[0]))
		return azlx_disk_help(0, NULL);
	if (!argc)
		return azlx_error(AZLX_EXIT_USAGE, "\"disk pace\" needs a device (sdb, /dev/sdb)");
	ret = azlx_no_args("disk pace DEV", argc - 1, argv + 1);
	if (!ret)
		ret = azlx_disk_only("pace", true, true);
	if (ret)
		return ret;
	if (azlx_tune_opts.profile || azlx_tune_opts.state_dir || azlx_tune_opts.persist ||
	    azlx_tune_opts.all)
		return azlx_error(AZLX_EXIT_USAGE, "option \"%s\" is not for \"disk pace\"",
				  azlx_tune_opts.name);
	/* the usage errors first: nothing is read before they are out of the way */
	if (o->budget && strcmp(o->budget, "auto")) {
		ret = azlx_budget_parse(o->budget, &b);
		if (ret)
			return ret;
	}
	if (o->fraction) {
		ret = azlx_parse_num("--fraction", o->fraction, 1, 100, &fraction);
		if (ret)
			return ret;
	}
	if (o->lat_target) {
		ret = azlx_parse_num("--lat-target", o->lat_target, 0, 10000000, &lat_target);
		if (ret)
			return ret;
	}
	if (o->credit) {
		ret = azlx_parse_num("--credit", o->credit, 0, 100, &credit_given);
		if (ret)
			return ret;
	}
	if (o->name && !azlx_dm_name_ok(o->name))
		return azlx_error(AZLX_EXIT_USAGE,
				  "--name: \"%s\": letters, digits, '.', '_', '-' and '+' only", o->name);
	if (azlx_tune_opts.root && !azlx_tune_opts.dry_run)
		return azlx_error(AZLX_EXIT_USAGE, "--root: only with --dry-run");
	if (azlx_tune_opts.root) {
		char real[PATH_MAX];

		if (!realpath(azlx_tune_opts.root, real))
			return azlx_error(AZLX_EXIT_USAGE, "--root %s: %s", azlx_tune_opts.root,
					  strerror(errno));
		azlx_root_set(real);
	}
	ret = azlx_blkdev_resolve(argv[0], &d);
	if (ret)
		return ret;
	ret = azlx_critical_parse(o->critical, critical, sizeof(critical));
	if (ret)
		return ret;
	if (!b.iops) {
		ret = azlx_budget_auto(&d, &b);
		if (ret)
			return ret;
	}
	azlx_strf(name, sizeof(name), "azlx-%s", d.name);
	if (o->name)
		azlx_strf(name, sizeof(name), "%s", o->name);
	/*
	 * The closed loop, by default where the credit estimate can go wrong:
	 * where the budget bursts.
	 */
	if (lat_target < 0)
		lat_target = b.burst_iops ? AZLX_DEF_LAT_TARGET_US : 0;
	/* a credit only where the budget bursts */
	if (b.burst_iops)
		credit = azlx_pace_credit(&d, &b, credit_given, credit_src, sizeof(credit_src));
	else if (credit_given >= 0)
		azlx_warn("--credit: the budget of %s does not burst: no credit to start with",
			  d.name);

	azlx_strf(params, sizeof(params), "%u:%u 0 %ld %ld", d.major, d.minor, b.iops, b.mbps);
	if (b.burst_iops)
		azlx_strf(params + strlen(params), sizeof(params) - strlen(params),
			  " burst_iops=%ld burst_mbps=%ld", b.burst_iops, b.burst_mbps);
	if (credit)
		azlx_strf(params + strlen(params), sizeof(params) - strlen(params),
			  " credit_pct=%ld", credit);
	if (b.unit_kb != 256)
		azlx_strf(params + strlen(params), sizeof(params) - strlen(params),
			  " unit_kb=%ld", b.unit_kb);
	if (fraction)
		azlx_strf(params + strlen(params), sizeof(params) - strlen(params),
			  " fraction=%ld", fraction);
	if (lat_target)
		azlx_strf(params + strlen(params), sizeof(params) - strlen(params),
			  " lat_target_us=%ld", lat_target);
	if (critical[0])
		azlx_strf(params + strlen(params), sizeof(params) - strlen(params),
			  " critical=%s", critical);

	if (!azlx_tune_opts.dry_run) {
		if (azlx_pacer_load(err, sizeof(err)))
			return azlx_error(AZLX_EXIT_ERR, "%s", err);
		ret = azlx_pacer_find(&d, NULL, &old, &found);
		if (ret)
			return ret;
		if (found)
			return azlx_error(AZLX_EXIT_ERR, "%s is already paced by %s", d.name,
					  old.name);
		ret = azlx_pacer_get(name, &old, err, sizeof(err));
		if (ret != -ENOENT)
			return azlx_error(AZLX_EXIT_ERR, "a device-mapper device named %s exists",
					  name);
		/* a mounted or claimed disk: the target could not claim it either */
		azlx_strf(err, sizeof(err), "/dev/%s", d.name);
		fd = open(err, O_RDONLY | O_EXCL | O_CLOEXEC);
		if (fd < 0 && errno == EBUSY)
			return azlx_error(AZLX_EXIT_ERR,
					  "%s is in use (mounted, or held by another mapping): pace it before it is mounted",
					  d.name);
		if (fd >= 0)
			close(fd);
		ret = azlx_pacer_create(name, d.name, d.sectors, params, err, sizeof(err));
		if (ret == -EEXIST || ret == -EBUSY)
			return azlx_error(AZLX_EXIT_ERR, "%s: %s", name,
					  ret == -EEXIST ? "a mapping of that name exists" :
					  "the disk is in use");
		if (ret)
			return azlx_error(AZLX_EXIT_ERR,
					  "%s: the kernel refused the mapping (%s); its reason is in the kernel log",
					  name, err);
	}
	azlx_strf(table, sizeof(table), "0 %llu %s %s", (unsigned long long)d.sectors,
		  AZLX_PACER_TARGET, params);
	azlx_print_open_object(NULL);
	azlx_print_string(AZLX_PRINT_ANY, "name", "%s", name);
	azlx_print_text(azlx_tune_opts.dry_run ? " would pace" : " paces");
	azlx_print_string(AZLX_PRINT_ANY, "disk", " %s", d.name);
	azlx_print_uint(AZLX_PRINT_ANY, "iops", ": %llu IOPS", b.iops);
	azlx_print_uint(AZLX_PRINT_ANY, "mbps", " / %llu MB/s", b.mbps);
	if (b.burst_iops) {
		azlx_print_uint(AZLX_PRINT_ANY, "burst_iops", ", burst %llu", b.burst_iops);
		azlx_print_uint(AZLX_PRINT_ANY, "burst_mbps", " / %llu", b.burst_mbps);
	} else {
		azlx_print_uint(AZLX_PRINT_JSON, "burst_iops", NULL, 0);
		azlx_print_uint(AZLX_PRINT_JSON, "burst_mbps", NULL, 0);
	}
	azlx_print_uint(AZLX_PRINT_ANY, "unit_kb", ", unit %llu KiB", b.unit_kb);
	azlx_print_uint(AZLX_PRINT_ANY, "fraction", ", at %llu%%", fraction ? fraction : 95);
	azlx_print_string(AZLX_PRINT_ANY, "critical", ", critical %s",
			  critical[0] ? critical : "none");
	if (lat_target)
		azlx_print_uint(AZLX_PRINT_ANY, "lat_target_us", ", latency target %llu us",
				lat_target);
	else
		azlx_print_uint(AZLX_PRINT_JSON, "lat_target_us", NULL, 0);
	azlx_print_string(AZLX_PRINT_ANY, "source", " (%s)\n", b.source);
	if (b.burst_iops) {
		azlx_print_uint(AZLX_PRINT_ANY, "credit_pct", "credit: %llu%%", credit);
		azlx_print_string(AZLX_PRINT_ANY, "credit_source", " (%s)\n", credit_src);
	} else {
		azlx_print_null("credit_pct");
		azlx_print_null("credit_source");
	}
	azlx_print_string(AZLX_PRINT_ANY, "table", "table: %s\n", table);
	if (!azlx_tune_opts.dry_run) {
		azlx_strf(err, sizeof(err), "/dev/mapper/%s", name);
		azlx_print_string(AZLX_PRINT_ANY, "device", "device: %s\n", err);
	} else {
		azlx_print_null("device");
	}
	azlx_print_bool(AZLX_PRINT_JSON, "dry_run", NULL, azlx_tune_opts.dry_run);
	azlx_print_close_object();
	return AZLX_EXIT_OK;
}

/*
 * Writes the burst credit @p's target estimates to the state file of its
 * disk: 1 written (*@pct, @path), 0 when its budget does not burst, or a
 * negative errno with @err set.
 */
static int azlx_credit_record(const struct azlx_pacer *p, long *pct, char *path, size_t path_len,
			      char *err, size_t err_len)
{
	const struct azlx_pacer_table *t = &p->table;
	struct azlx_credit c = {
		.budget = {
			.iops = t->iops, .mbps = t->mbps, .burst_iops = t->burst_iops,
			.burst_mbps = t->burst_mbps, .burst_secs = t->burst_secs,
		},
	};
	char parent[64], part[PATH_MAX], id[192];
	int ret;

	if (!p->disk[0]) {
		azlx_strf(err, err_len, "%s: the disk below it is gone", p->name);
		return -ENODEV;
	}
	c.pct = azlx_credit_pct_of(&c.budget, p->status.credit_ios, p->status.credit_bytes);
	if (c.pct < 0)
		return 0;
	c.time = azlx_credit_now();
	azlx_strf(c.disk, sizeof(c.disk), "%s", p->disk);
	azlx_strf(c.mapping, sizeof(c.mapping), "%s", p->name);
	azlx_strf(part, sizeof(part), "/sys/class/block/%s/partition", p->disk);
	if (azlx_fs_exists(part))
		azlx_part_parent(p->disk, parent, sizeof(parent));
	else
		azlx_strf(parent, sizeof(parent), "%s", p->disk);
	azlx_credit_id(p->disk, parent, id, sizeof(id));
	azlx_credit_path(id, path, path_len);
	ret = azlx_credit_save(id, &c, err, err_len);
	if (ret)
		return ret;
	*pct = c.pct;
	return 1;
}

/* The mapping named @arg, else the one on disk @arg; an exit code. */
static int azlx_pacer_find_arg(const char *arg, struct azlx_pacer *p)
{
	struct azlx_blkdev d;
	bool found;
	int ret;

	ret = azlx_pacer_find(NULL, arg, p, &found);
	if (ret)
		return ret;
	if (!found && azlx_is_blkdev(arg)) {
		ret = azlx_blkdev_resolve(arg, &d);
		if (!ret)
			ret = azlx_pacer_find(&d, NULL, p, &found);
		if (ret)
			return ret;
	}
	if (!found)
		return azlx_error(AZLX_EXIT_ERR, "%s: no dm-azlx mapping of that name or on that disk",
				  arg);
	return AZLX_EXIT_OK;
}

/* What azlx_credit_record() did, as record and unpace print it. */
static void azlx_credit_print(int rec, long pct, const char *path)
{
	if (rec > 0) {
		azlx_print_uint(AZLX_PRINT_ANY, "credit_pct", "burst credit %llu%%", pct);
		azlx_print_string(AZLX_PRINT_ANY, "credit_file", " recorded in %s\n", path);
	} else {
		if (!rec)
			azlx_print_text("no burst credit to record: the budget does not burst\n");
		azlx_print_null("credit_pct");
		azlx_print_null("credit_file");
	}
}

/* "disk CMD NAME": the pacer NAME is (a mapping, or the disk it paces) */
static int azlx_disk_pacer_arg(const char *cmd, int argc, char **argv, struct azlx_pacer *p)
{
	char usage[64];
	int ret;

	if (!argc)
		return azlx_error(AZLX_EXIT_USAGE,
				  "\"disk %s\" needs a mapping or device (azlx-sdb, sdb)", cmd);
	azlx_strf(usage, sizeof(usage), "disk %s NAME", cmd);
	ret = azlx_no_args(usage, argc - 1, argv + 1);
	if (!ret)
		ret = azlx_disk_only(cmd, false, false);
	if (!ret)
		ret = azlx_pacer_find_arg(argv[0], p);
	return ret;
}

static int azlx_disk_record(int argc, char **argv)
{
	char err[512], path[PATH_MAX];
	struct azlx_pacer p;
	long pct = 0;
	int ret;

	if (argc && azlx_is_help(argv[0]))
		return azlx_disk_help(0, NULL);
	ret = azlx_disk_pacer_arg("record", argc, argv, &p);
	if (ret)
		return ret;
	ret = azlx_credit_record(&p, &pct, path, sizeof(path), err, sizeof(err));
	if (ret < 0)
		return azlx_error(AZLX_EXIT_ERR, "burst credit of %s: %s", p.name, err);
	azlx_print_open_object(NULL);
	azlx_print_string(AZLX_PRINT_ANY, "name", "%s", p.name);
	azlx_print_string(AZLX_PRINT_ANY, "disk", " (%s): ", p.disk);
	azlx_credit_print(ret, pct, path);
	azlx_print_close_object();
	return AZLX_EXIT_OK;
}

static int azlx_disk_unpace(int argc, char **argv)
{
	char err[512], path[PATH_MAX];
	struct azlx_pacer p;
	long pct = 0;
	int ret, rec;

	if (argc && azlx_is_help(argv[0]))
		return azlx_disk_help(0, NULL);
	ret = azlx_disk_pacer_arg("unpace", argc, argv, &p);
	if (ret)
		return ret;
	if (p.open_count)
		return azlx_error(AZLX_EXIT_ERR, "%s is in use (open %d times: mounted?): unmount it first",
				  p.name, p.open_count);
	/* the credit first: the next mapping starts from it, the removal may fail */
	rec = azlx_credit_record(&p, &pct, path, sizeof(path), err, sizeof(err));
	if (rec < 0)
		azlx_warn("burst credit of %s not recorded: %s", p.name, err);
	ret = azlx_pacer_remove(p.name, err, sizeof(err));
	if (ret == -EBUSY)
		return azlx_error(AZLX_EXIT_ERR, "%s is in use: unmount it first", p.name);
	if (ret)
		return azlx_error(AZLX_EXIT_ERR, "%s", err);
	azlx_print_open_object(NULL);
	azlx_print_string(AZLX_PRINT_ANY, "name", "removed %s", p.name);
	azlx_print_string(AZLX_PRINT_ANY, "disk", " (%s", p.disk);
	azlx_print_uint(AZLX_PRINT_ANY, "units", ": %llu units", p.status.units);
	azlx_print_uint(AZLX_PRINT_ANY, "bytes", ", %llu bytes dispatched)\n", p.status.bytes);
	azlx_credit_print(rec, pct, path);
	azlx_print_close_object();
	return AZLX_EXIT_OK;
}

static int azlx_disk_telemetry_cmd(int argc, char **argv)
{
	int ret = azlx_disk_only("telemetry", false, false);

	return ret ? ret : azlx_disk_telemetry(argc, argv);
}

static int azlx_disk_top_cmd(int argc, char **argv)
{
	int ret = azlx_disk_only("top", false, false);

	return ret ? ret : azlx_disk_top(argc, argv);
}

static const struct azlx_cmd azlx_disk_cmds[] = {
	{ "show",	azlx_disk_show },
	{ "pace",	azlx_disk_pace },
	{ "unpace",	azlx_disk_unpace },
	{ "record",	azlx_disk_record },
	{ "telemetry",	azlx_disk_telemetry_cmd },
	{ "top",	azlx_disk_top_cmd },
	{ "help",	azlx_disk_help },
	{ NULL,		NULL },
};

int azlx_do_disk(int argc, char **argv)
{
	if (!argc)
		return azlx_disk_show(0, NULL);
	return azlx_cmd_run(azlx_disk_cmds, argc, argv, "azlxnet disk");
}
