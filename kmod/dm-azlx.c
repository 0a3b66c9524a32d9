// SPDX-License-Identifier: GPL-2.0-only
/*
 * dm-azlx: a device-mapper target that keeps an Azure disk's queue in the
 * guest.
 *
 * An Azure disk has a budget: IOPS counted in 256 KiB units, MB/s, and for
 * small disks credit-based bursting. Past it the host queues I/O first come,
 * first served, so node-critical I/O (kubelet, containerd, journald) waits
 * behind pod writeback. This target dispatches at a fraction of the budget,
 * counting the way Azure does, and holds what is over budget here, where the
 * order can still be chosen: critical cgroups, then sync reads, sync writes,
 * async writes and readahead, with an anti-starvation bound.
 *
 * Table: <dev> <offset> <iops> <mbps> [key=value ...]
 * See Documentation/dm-azlx.rst.
 */

#include <linux/bio.h>
#include <linux/blk-cgroup.h>
#include <linux/blkdev.h>
#include <linux/cache.h>
#include <linux/cgroup.h>
#include <linux/ctype.h>
#include <linux/device-mapper.h>
#include <linux/hrtimer.h>
#include <linux/ktime.h>
#include <linux/list.h>
#include <linux/sched/signal.h>
#include <linux/math64.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/percpu.h>
#include <linux/seqlock.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/wait.h>
#include <linux/workqueue.h>

#include "compat.h"

#define DM_MSG_PREFIX		"azlx"

#define AZLX_MAX_CGROUPS	16
#define AZLX_KEY_MAX		16

#define AZLX_DEF_BURST_SECS	1800	/* Azure: a full bucket lasts 30 min */
#define AZLX_DEF_UNIT_KB	256	/* Azure Premium and Standard SSD */
#define AZLX_DEF_FRACTION	95
#define AZLX_DEF_MAX_WAIT_MS	500
#define AZLX_DEF_INFLIGHT_MS	20
#define AZLX_DEF_MAX_HELD	256	/* per class */
#define AZLX_DEF_MAX_HELD_CG	64	/* per cgroup */

/* IOPS tokens count thousandths of a unit: rate x fraction stays exact. */
#define AZLX_MILLI		1000ULL
/* MB/s as Azure quotes it; the smaller reading, so neither cap is passed. */
#define AZLX_MB			1000000ULL
/*
 * Bucket depth: 20 ms of rate absorbs timer latency. While bios wait, up to
 * 250 ms: a worker held up by a busy CPU then catches up on what the budget
 * allowed meanwhile instead of losing it.
 */
#define AZLX_SLACK_DIV		50
#define AZLX_BACKLOG_DIV	4
/* Smallest bucket depths: one unit, one page. */
#define AZLX_MIN_CAP_UNITS	AZLX_MILLI
#define AZLX_MIN_CAP_BYTES	4096
/* Timer floor: at high rates a wakeup dispatches a batch, not one bio. */
#define AZLX_MIN_WAIT_NS	(500 * NSEC_PER_USEC)
/* Bios handed to the device per worker pass before it requeues itself. */
#define AZLX_BATCH		64
/* A class waiting past max_wait_ms gets one dispatch in this many. */
#define AZLX_STARVE_EVERY	4
/* The in-flight window holds at least this many units. */
#define AZLX_MIN_WINDOW_UNITS	4
/* Longest idle time accounted; longer just fills every bucket. */
#define AZLX_MAX_DT_NS		(1000000ULL * NSEC_PER_SEC)
/* Cgroups whose held bios are counted at once; more are not bounded apart. */
#define AZLX_CG_SLOTS		32
#define AZLX_NO_SLOT		0xff
/* The lock-free pass-through gets this fraction of a second of budget at a time. */
#define AZLX_FAST_DIV		1000
/* A submitter waiting for room looks again this often, woken or not. */
#define AZLX_ROOM_RECHECK	HZ

/*
 * The closed loop (lat_target_us): the window's scale in 1/1024ths of the
 * window, judged every AZLX_ADAPT_NS over at least AZLX_ADAPT_MIN_DONE
 * completions (at most every AZLX_ADAPT_MAX_NS). More than AZLX_SLOW_PCT
 * percent slower than the target, and AZLX_ADAPT_MIN_SLOW at least, halves
 * it, down to 1/64; otherwise it grows by 1/16, up to the whole window.
 * AZLX_CREDIT_SLOW_PERIODS slow periods in a row end the credit estimate:
 * a throttled host stays slow, a stall does not.
 */
#define AZLX_SCALE_ONE		1024
#define AZLX_SCALE_MIN		(AZLX_SCALE_ONE / 64)
#define AZLX_SCALE_STEP		(AZLX_SCALE_ONE / 16)
#define AZLX_ADAPT_NS		(100 * NSEC_PER_MSEC)
#define AZLX_ADAPT_MAX_NS	NSEC_PER_SEC
#define AZLX_ADAPT_MIN_DONE	8
#define AZLX_SLOW_PCT		5
#define AZLX_ADAPT_MIN_SLOW	2
#define AZLX_CREDIT_SLOW_PERIODS 3

enum azlx_class {
	AZLX_CRIT,
	AZLX_READ,
	AZLX_WRITE,
	AZLX_ASYNC,

	AZLX_NR_CLASSES
};

/* Cgroups named in the table: critical ones, or capped ones with their IOPS. */
struct azlx_cglist {
	unsigned int	n;
	char		*path[AZLX_MAX_CGROUPS];
	struct cgroup	*cg[AZLX_MAX_CGROUPS];		/* one reference each */
	u64		iops[AZLX_MAX_CGROUPS];
};

/* What the table line says; "dmsetup message" replaces it as a whole. */
struct azlx_conf {
	u64		iops;
	u64		mbps;
	u64		burst_iops;	/* 0: no IOPS bursting */
	u64		burst_mbps;	/* 0: no MB/s bursting */
	u64		burst_secs;
	u64		credit_pct;	/* credit of a new table, percent of full */
	u64		unit_kb;
	u64		fraction;	/* percent of the budget dispatched */
	u64		max_wait_ms;	/* anti-starvation bound */
	u64		inflight_ms;	/* budget allowed at the device at once */
	u64		max_held;	/* bios held per class */
	u64		max_held_cgroup; /* bios held per cgroup, outside critical */
	u64		lat_target_us;	/* completion latency target; 0: none */
	struct azlx_cglist crit;
	struct azlx_cglist cap;
};

struct azlx_bucket {
	s64	level;		/* tokens; negative while in debt */
	s64	cap;		/* most tokens held */
	s64	cap_backlog;	/* most tokens held while bios wait */
	s64	debt;		/* most owed after a suspend: a second of rate */
	u64	rate;		/* tokens per second */
	u64	rem;		/* part of a token accrued, in 1e-9 tokens */
};

/*
 * One dimension of the budget, IOPS units or bytes. The baseline bucket
 * refills at the baseline rate and what it cannot hold (unused baseline)
 * goes to the credit bucket. With bursting, a peak bucket refills at the
 * burst rate. A bio may go when the peak bucket and baseline plus credit
 * are positive; its cost comes out of the peak bucket, and out of the
 * baseline first, then the credit. Azure's model, at fraction x the rates.
 */
struct azlx_dim {
	struct azlx_bucket	base;
	struct azlx_bucket	peak;
	s64			credit;
	s64			credit_cap;
	bool			burst;
};

/* A per-cgroup IOPS cap: its bucket and the bios over it. */
struct azlx_cap {
	struct cgroup		*cg;		/* conf's reference */
	struct azlx_bucket	b;
	struct bio_list		q;
	unsigned int		depth;
};

/* Bios held for one cgroup (its id; free when held is 0). */
struct azlx_cgslot {
	u64		id;
	unsigned int	held;
};

/*
 * Counters every dispatch bumps, per CPU: the lock-free path has no other
 * place for them. struct azlx_stats holds what is added to their sums
 * (what a previous table counted, minus what clear_stats cleared).
 */
struct azlx_pcpu {
	u64	dispatched[AZLX_NR_CLASSES];
	u64	units;
	u64	bytes;
	u64	flushes;
	u64	fast;		/* dispatched without the lock */
	u64	timed;		/* completions timed against the target */
	u64	slow;		/* of those, slower than the target */
};

struct azlx_stats {
	u64	capped;		/* bios that waited for their cgroup's cap */
	u64	fast;
	u64	held_peak[AZLX_NR_CLASSES];
	u64	held_cg_peak;	/* most held for one cgroup */
	u64	throttled;	/* submitters that waited for room */
	u64	again;		/* REQ_NOWAIT bios failed with BLK_STS_AGAIN */
	u64	overbound;	/* held past the bound: the submitter could not wait */
	u64	dispatched[AZLX_NR_CLASSES];
	u64	delayed[AZLX_NR_CLASSES];
	u64	promoted[AZLX_NR_CLASSES];
	u64	max_wait_ns[AZLX_NR_CLASSES];
	u64	flushes;
	u64	units;
	u64	bytes;
	u64	timed;
	u64	slow;
	u64	shrinks;	/* periods judged slow */
	u64	grows;		/* periods the window grew */
};

struct azlx_c {
	/*
	 * Lock-free pass-through: tokens already taken from the buckets
	 * (thousandths of a unit, bytes), the window, what is at the device,
	 * the counters. The class lists change under cls_seq.
	 */
	atomic64_t		fast_mu;
	atomic64_t		fast_bytes;
	atomic64_t		inflight;	/* units at the device, thousandths */
	atomic64_t		inflight_bytes;	/* bytes at the device */
	u64			window;		/* the window now, thousandths */
	u64			window_bytes;	/* and in bytes */
	u64			lat_target_ns;	/* 0: completions are not timed */
	struct azlx_pcpu __percpu *pcpu;
	seqcount_spinlock_t	cls_seq;

	/* Under lock; apart from the atomics, which change without it. */
	spinlock_t		lock ____cacheline_aligned_in_smp;
	struct azlx_dim		units;
	struct azlx_dim		bytes;
	u64			last_ns;
	u64			unit_bytes;
	u64			max_wait_ns;
	struct bio_list		q[AZLX_NR_CLASSES];
	unsigned int		depth[AZLX_NR_CLASSES];
	unsigned int		nqueued;
	unsigned int		starve_tick;
	u64			inflight_base;	/* the window at the baseline rate */
	u64			inflight_peak;	/* at the burst rate, while credit lasts */
	u64			inflight_bbase;	/* the same in bytes */
	u64			inflight_bpeak;
	unsigned int		scale;		/* of the window, AZLX_SCALE_ONE: all */
	bool			lat_slow;	/* the disk is throttled: no credit */
	unsigned int		slow_periods;	/* slow periods in a row */
	u64			adapt_ns;	/* the period being judged began */
	u64			adapt_timed;	/* the per-CPU sums then */
	u64			adapt_slow;
	bool			bypass;		/* suspending: pass, still charged */
	bool			suspended;
	bool			stopped;	/* suspended or dying: no timer, no work */
	unsigned int		ncrit;
	struct cgroup		*crit[AZLX_MAX_CGROUPS];	/* conf's references */
	unsigned int		ncap;
	unsigned int		ncapq;		/* bios waiting for a cap */
	unsigned int		held[AZLX_NR_CLASSES];	/* in class and cap queues */
	unsigned int		max_held;
	unsigned int		max_held_cg;
	unsigned int		nwaiting;	/* submitters waiting for room */
	struct azlx_cgslot	cgs[AZLX_CG_SLOTS];
	struct azlx_cap		caps[AZLX_MAX_CGROUPS];
	struct azlx_cap		old_caps[AZLX_MAX_CGROUPS];	/* azlx_apply_caps() */
	struct azlx_stats	stats;
	struct hrtimer		timer;
	struct work_struct	work;

	/* Slow path. */
	/* submitters waiting for room in their class, in their cgroup */
	wait_queue_head_t	room[AZLX_NR_CLASSES];
	wait_queue_head_t	cg_room[AZLX_CG_SLOTS];
	wait_queue_head_t	drained;	/* the destructor waits for inflight 0 */
	struct dm_dev		*dev;
	sector_t		start;
	struct dm_target	*ti;
	struct mapped_device	*md;
	struct mutex		conf_lock;	/* serialises changes of conf */
	struct azlx_conf	conf;
	struct list_head	node;		/* in azlx_instances */
	bool			fresh;		/* never resumed */
};

/* Per-bio data. */
struct azlx_pbd {
	u64	enq_ns;
	u64	disp_ns;	/* dispatched, if timed; else 0 */
	u64	mu;		/* units it holds in the in-flight window */
	u64	bytes;		/* bytes it holds there */
	u8	cls;		/* while held */
	u8	slot;		/* while held: its cgroup's slot, or AZLX_NO_SLOT */
};

/* What a table hands to the table that replaces it. */
struct azlx_carry {
	struct azlx_dim		units;
	struct azlx_dim		bytes;
	u64			last_ns;
	unsigned int		scale;
	bool			lat_slow;
	unsigned int		slow_periods;
	struct azlx_stats	stats;
};

static struct workqueue_struct *azlx_wq;
static LIST_HEAD(azlx_instances);
static DEFINE_MUTEX(azlx_instances_lock);

/* ------------------------------------------------------------------------
 * Options: the table's key=value arguments and the messages share them.
 */

struct azlx_numopt {
	const char	*name;
	size_t		off;
	u64		min;
	u64		max;
	const char	*e_nan;
	const char	*e_neg;
	const char	*e_zero;
	const char	*e_big;
	const char	*e_twice;
};

#define AZLX_NUMOPT(_name, _min, _max)					\
	{								\
		.name	 = #_name,					\
		.off	 = offsetof(struct azlx_conf, _name),		\
		.min	 = _min,					\
		.max	 = _max,					\
		.e_nan	 = #_name ": not a decimal integer",		\
		.e_neg	 = #_name ": must not be negative",		\
		.e_zero	 = #_name ": must be greater than 0",		\
		.e_big	 = #_name ": too large (max " #_max ")",	\
		.e_twice = #_name ": given twice",			\
	}

enum azlx_numopt_id {
	AZLX_OPT_IOPS,
	AZLX_OPT_MBPS,
	AZLX_OPT_BURST_IOPS,
	AZLX_OPT_BURST_MBPS,
	AZLX_OPT_BURST_SECS,
	AZLX_OPT_CREDIT_PCT,
	AZLX_OPT_UNIT_KB,
	AZLX_OPT_FRACTION,
	AZLX_OPT_MAX_WAIT_MS,
	AZLX_OPT_INFLIGHT_MS,
	AZLX_OPT_MAX_HELD,
	AZLX_OPT_MAX_HELD_CGROUP,
	AZLX_OPT_LAT_TARGET_US,

	AZLX_NR_NUMOPTS
};

/*
 * Bounds keep every product below 2^63: rates in tokens/s (at most 1e12
 * bytes/s) times a second in ns goes through mul_u64_u64_div_u64().
 */
static const struct azlx_numopt azlx_numopts[AZLX_NR_NUMOPTS] = {
	[AZLX_OPT_IOPS]		= AZLX_NUMOPT(iops, 1, 100000000),
	[AZLX_OPT_MBPS]		= AZLX_NUMOPT(mbps, 1, 1000000),
	[AZLX_OPT_BURST_IOPS]	= AZLX_NUMOPT(burst_iops, 0, 100000000),
	[AZLX_OPT_BURST_MBPS]	= AZLX_NUMOPT(burst_mbps, 0, 1000000),
	[AZLX_OPT_BURST_SECS]	= AZLX_NUMOPT(burst_secs, 1, 86400),
	[AZLX_OPT_CREDIT_PCT]	= AZLX_NUMOPT(credit_pct, 0, 100),
	[AZLX_OPT_UNIT_KB]	= AZLX_NUMOPT(unit_kb, 1, 1048576),
	[AZLX_OPT_FRACTION]	= AZLX_NUMOPT(fraction, 1, 100),
	[AZLX_OPT_MAX_WAIT_MS]	= AZLX_NUMOPT(max_wait_ms, 1, 60000),
	[AZLX_OPT_INFLIGHT_MS]	= AZLX_NUMOPT(inflight_ms, 1, 10000),
	[AZLX_OPT_MAX_HELD]	= AZLX_NUMOPT(max_held, 1, 1048576),
	[AZLX_OPT_MAX_HELD_CGROUP] = AZLX_NUMOPT(max_held_cgroup, 1, 1048576),
	[AZLX_OPT_LAT_TARGET_US] = AZLX_NUMOPT(lat_target_us, 0, 10000000),
};

/* State of one parse: a table line or a message. */
struct azlx_parse {
	struct azlx_conf	*conf;
	unsigned long		seen;		/* numeric options given */
	bool			message;	/* critical=, cap= replace the lists */
	bool			crit_given;
	bool			cap_given;
	const char		*bad;		/* the argument at fault */
	bool			nomem;		/* it failed for want of memory */
};

static u64 *azlx_conf_field(struct azlx_conf *c, enum azlx_numopt_id id)
{
	return (u64 *)((char *)c + azlx_numopts[id].off);
}

static const char *azlx_parse_u64(const struct azlx_numopt *o, const char *s, u64 *v)
{
	int r;

	/* kstrtou64() takes a leading '+': digits only, as documented */
	if (*s == '-')
		return o->e_neg;
	if (!isdigit(*s))
		return o->e_nan;
	r = kstrtou64(s, 10, v);
	if (r == -ERANGE)
		return o->e_big;
	if (r)
		return o->e_nan;
	if (*v < o->min)
		return o->e_zero;
	if (*v > o->max)
		return o->e_big;
	return NULL;
}

static const char *azlx_parse_num(struct azlx_parse *p, enum azlx_numopt_id id,
				  const char *s)
{
	const struct azlx_numopt *o = &azlx_numopts[id];

	if (__test_and_set_bit(id, &p->seen))
		return o->e_twice;
	return azlx_parse_u64(o, s, azlx_conf_field(p->conf, id));
}

static void azlx_cglist_drop(struct azlx_cglist *l)
{
	unsigned int i;

	for (i = 0; i < l->n; i++) {
		if (l->cg[i])
			cgroup_put(l->cg[i]);
		kfree(l->path[i]);
		l->cg[i] = NULL;
		l->path[i] = NULL;
	}
	l->n = 0;
}

static void azlx_conf_drop(struct azlx_conf *c)
{
	azlx_cglist_drop(&c->crit);
	azlx_cglist_drop(&c->cap);
}

/* Add a cgroup path (not resolved yet) to a list. */
/*
 * Cgroup paths in a table line: a character that the line cannot carry as
 * it is (whitespace splits arguments, ':' a critical list, control
 * characters) is written as a backslash and three octal digits, as
 * /proc/self/mountinfo does, and a backslash as two. Any other backslash
 * is itself (systemd's "\x2d" in unit names), as it always was.
 */
static bool azlx_octal(const char *s)
{
	return s[0] >= '0' && s[0] <= '3' && isodigit(s[1]) && isodigit(s[2]) &&
	       (s[0] != '0' || s[1] != '0' || s[2] != '0');
}

static void azlx_unescape(char *s)
{
	char *o = s;

	while (*s) {
		if (s[0] == '\\' && s[1] == '\\') {
			*o++ = '\\';
			s += 2;
		} else if (s[0] == '\\' && azlx_octal(s + 1)) {
			*o++ = (s[1] - '0') << 6 | (s[2] - '0') << 3 | (s[3] - '0');
			s += 4;
		} else {
			*o++ = *s++;
		}
	}
	*o = '\0';
}

static const char *azlx_cglist_add(struct azlx_parse *p, struct azlx_cglist *l,
				   const char *s, size_t len, u64 iops,
				   const char * const *e)
{
	char *path;

	if (!len)
		return e[0];
	if (len >= PATH_MAX)
		return e[2];
	if (l->n >= AZLX_MAX_CGROUPS)
		return e[3];
	path = kstrndup(s, len, GFP_KERNEL);
	if (!path) {
		p->nomem = true;
		return e[4];
	}
	azlx_unescape(path);
	if (*path != '/') {
		kfree(path);
		return e[1];
	}
	l->path[l->n] = path;
	l->cg[l->n] = NULL;
	l->iops[l->n++] = iops;
	return NULL;
}

static const char * const azlx_e_crit[] = {
	"critical: empty cgroup path in the list",
	"critical: a cgroup path must start with '/' (the cgroup2 root)",
	"critical: cgroup path too long",
	"critical: too many cgroups (max 16)",
	"critical: out of memory",
	"critical: no such cgroup (paths are relative to the cgroup2 root)",
};

static const char * const azlx_e_cap[] = {
	"cap: empty cgroup path (expected <cgroup path>:<iops>)",
	"cap: a cgroup path must start with '/' (the cgroup2 root)",
	"cap: cgroup path too long",
	"cap: too many cgroups (max 16)",
	"cap: out of memory",
	"cap: no such cgroup (paths are relative to the cgroup2 root)",
};

/* The IOPS of a cap: the same bounds as the budget's. */
static const struct azlx_numopt azlx_cap_iops = {
	.name	= "cap",
	.min	= 1,
	.max	= 100000000,
	.e_nan	= "cap: iops after the last ':' not a decimal integer",
	.e_neg	= "cap: iops must not be negative",
	.e_zero	= "cap: iops must be greater than 0",
	.e_big	= "cap: iops too large (max 100000000)",
};

/* critical=PATH[:PATH...]; in a message, the first one replaces the list. */
static const char *azlx_parse_crit(struct azlx_parse *p, const char *val)
{
	struct azlx_cglist *l = &p->conf->crit;
	const char *s = val, *end, *err;

	if (p->message && !p->crit_given)
		azlx_cglist_drop(l);
	p->crit_given = true;
	if (p->message && !strcmp(val, "none"))
		return NULL;
	if (!*val)
		return "critical: empty cgroup list";
	while (*s) {
		end = strchrnul(s, ':');
		err = azlx_cglist_add(p, l, s, end - s, 0, azlx_e_crit);
		if (err)
			return err;
		s = *end ? end + 1 : end;
	}
	return NULL;
}

/* cap=PATH:IOPS, one per option; in a message, the first replaces the list. */
static const char *azlx_parse_cap(struct azlx_parse *p, const char *val)
{
	struct azlx_cglist *l = &p->conf->cap;
	const char *colon, *err;
	u64 iops;

	if (p->message && !p->cap_given)
		azlx_cglist_drop(l);
	p->cap_given = true;
	if (p->message && !strcmp(val, "none"))
		return NULL;
	colon = strrchr(val, ':');
	if (!colon)
		return "cap: expected <cgroup path>:<iops>";
	err = azlx_parse_u64(&azlx_cap_iops, colon + 1, &iops);
	if (err)
		return err;
	return azlx_cglist_add(p, l, val, colon - val, iops, azlx_e_cap);
}

static const char * const azlx_e_unknown[] = {
	"unknown option (expected burst_iops, burst_mbps, burst_secs, credit_pct, unit_kb, fraction, max_wait_ms, inflight_ms, max_held, max_held_cgroup, lat_target_us, critical or cap)",
	"unknown key (expected iops, mbps, burst_iops, burst_mbps, burst_secs, credit_pct, unit_kb, fraction, max_wait_ms, inflight_ms, max_held, max_held_cgroup, lat_target_us, critical or cap)",
	"unknown message (expected set, budget, fraction, critical, cap or clear_stats)",
};

static const char *azlx_parse_kv(struct azlx_parse *p, const char *key,
				 const char *val)
{
	unsigned int i;

	if (!strcmp(key, "critical"))
		return azlx_parse_crit(p, val);
	if (!strcmp(key, "cap"))
		return azlx_parse_cap(p, val);
	for (i = 0; i < AZLX_NR_NUMOPTS; i++) {
		/* The budget is positional in a table line. */
		if (!p->message && (i == AZLX_OPT_IOPS || i == AZLX_OPT_MBPS))
			continue;
		if (!strcmp(key, azlx_numopts[i].name))
			return azlx_parse_num(p, i, val);
	}
	return azlx_e_unknown[p->message];
}

/* key=value; the key is copied so that the argument stays intact. */
static const char *azlx_parse_arg(struct azlx_parse *p, const char *arg)
{
	char key[AZLX_KEY_MAX];
	const char *eq = strchr(arg, '=');

	p->bad = arg;
	if (!eq)
		return "option without '=' (expected key=value)";
	if (eq - arg >= AZLX_KEY_MAX)
		return azlx_parse_kv(p, "", "");
	memcpy(key, arg, eq - arg);
	key[eq - arg] = '\0';
	return azlx_parse_kv(p, key, eq + 1);
}

static const char *azlx_conf_check(const struct azlx_conf *c)
{
	if (c->burst_iops && c->burst_iops <= c->iops)
		return "burst_iops: must exceed iops (or be 0 for no bursting)";
	if (c->burst_mbps && c->burst_mbps <= c->mbps)
		return "burst_mbps: must exceed mbps (or be 0 for no bursting)";
	return NULL;
}

/*
 * Bios are cut into units by size: a unit must be whole logical blocks of
 * the device (a 4Kn disk cannot take 1 KiB units). Block sizes are powers
 * of two.
 */
static const char *azlx_conf_check_dev(const struct azlx_conf *c, struct dm_dev *dev)
{
	if ((c->unit_kb * 1024) & (bdev_logical_block_size(dev->bdev) - 1))
		return "unit_kb: not a multiple of the device's logical block size";
	return NULL;
}

static int azlx_cglist_resolve(struct azlx_parse *p, struct azlx_cglist *l,
			       const char * const *e, const char **err)
{
	struct cgroup *cg;
	unsigned int i;

	for (i = 0; i < l->n; i++) {
		if (l->cg[i])
			continue;
		cg = cgroup_get_from_path(l->path[i]);
		if (IS_ERR(cg)) {
			p->bad = l->path[i];
			*err = e[5];
			return PTR_ERR(cg);
		}
		l->cg[i] = cg;
	}
	return 0;
}

/* Resolve the paths still without a cgroup; -ENOENT and p->bad if one is missing. */
static int azlx_conf_resolve(struct azlx_parse *p, const char **err)
{
	int r = azlx_cglist_resolve(p, &p->conf->crit, azlx_e_crit, err);

	return r ? r : azlx_cglist_resolve(p, &p->conf->cap, azlx_e_cap, err);
}

static void azlx_conf_defaults(struct azlx_conf *c)
{
	memset(c, 0, sizeof(*c));
	c->burst_secs = AZLX_DEF_BURST_SECS;
	c->unit_kb = AZLX_DEF_UNIT_KB;
	c->fraction = AZLX_DEF_FRACTION;
	c->max_wait_ms = AZLX_DEF_MAX_WAIT_MS;
	c->inflight_ms = AZLX_DEF_INFLIGHT_MS;
	c->max_held = AZLX_DEF_MAX_HELD;
	c->max_held_cgroup = AZLX_DEF_MAX_HELD_CG;
}

static int azlx_cglist_dup(struct azlx_cglist *dst, const struct azlx_cglist *src)
{
	unsigned int i;

	*dst = *src;
	for (i = 0; i < src->n; i++) {
		cgroup_get(dst->cg[i]);
		dst->path[i] = kstrdup(src->path[i], GFP_KERNEL);
		if (!dst->path[i]) {
			dst->n = i + 1;
			azlx_cglist_drop(dst);
			return -ENOMEM;
		}
	}
	return 0;
}

static int azlx_conf_dup(struct azlx_conf *dst, const struct azlx_conf *src)
{
	*dst = *src;
	if (azlx_cglist_dup(&dst->crit, &src->crit))
		goto err;
	if (azlx_cglist_dup(&dst->cap, &src->cap)) {
		azlx_cglist_drop(&dst->crit);
		goto err;
	}
	return 0;
err:
	memset(&dst->crit, 0, sizeof(dst->crit));
	memset(&dst->cap, 0, sizeof(dst->cap));
	return -ENOMEM;
}

/* ------------------------------------------------------------------------
 * Token buckets
 */

/* Tokens accrued over @dt ns, carrying the fraction of a token. */
static u64 azlx_accrue(struct azlx_bucket *b, u64 dt)
{
	u64 q = mul_u64_u64_div_u64(b->rate, dt, NSEC_PER_SEC);
	/* The remainder is below 1e9, so wrapping arithmetic gives it exactly. */
	u64 r = b->rate * dt - q * NSEC_PER_SEC + b->rem;

	if (r >= NSEC_PER_SEC) {
		q++;
		r -= NSEC_PER_SEC;
	}
	b->rem = r;
	return q;
}

/* Adds what accrued over @dt ns; returns what did not fit. */
static u64 azlx_fill(struct azlx_bucket *b, u64 dt, bool backlog)
{
	s64 lim = backlog ? b->cap_backlog : b->cap, over;

	b->level += azlx_accrue(b, dt);
	if (b->level <= lim)
		return 0;
	over = b->level - lim;
	b->level = lim;
	return over;
}

/*
 * Unused baseline becomes credit, unless the completions say the disk is
 * throttled (@slow): what dm-azlx did not send, the host still had queued.
 */
static void azlx_dim_refill(struct azlx_dim *d, u64 dt, bool backlog, bool slow)
{
	u64 over = azlx_fill(&d->base, dt, backlog);

	if (!d->burst)
		return;
	azlx_fill(&d->peak, dt, backlog);
	if (slow)
		return;
	if (over >= d->credit_cap - d->credit)
		d->credit = d->credit_cap;
	else
		d->credit += over;
}

static bool azlx_dim_ok(const struct azlx_dim *d)
{
	if (d->burst && d->peak.level <= 0)
		return false;
	return d->base.level + d->credit > 0;
}

/*
 * Take @cost out of a dimension. Pacing lets a bio go only while the
 * buckets are positive, so a debt is at most one bio; bios passed through
 * while suspending (@bounded) may owe at most a second of budget.
 */
static void azlx_dim_charge(struct azlx_dim *d, u64 cost, bool bounded)
{
	s64 m;

	if (d->burst) {
		d->peak.level -= cost;
		if (bounded)
			d->peak.level = max(d->peak.level, -d->peak.debt);
	}
	d->base.level -= cost;
	if (d->base.level < 0 && d->credit > 0) {
		m = min(-d->base.level, d->credit);
		d->base.level += m;
		d->credit -= m;
	}
	if (bounded)
		d->base.level = max(d->base.level, -d->base.debt);
}

/* ns until @b holds @need more tokens (rounded up). */
static u64 azlx_ns_until(const struct azlx_bucket *b, u64 need)
{
	return mul_u64_u64_div_u64(need, NSEC_PER_SEC, b->rate) + 1;
}

static u64 azlx_dim_wait(const struct azlx_dim *d)
{
	u64 wait = 0;
	s64 have;

	if (d->burst && d->peak.level <= 0)
		wait = azlx_ns_until(&d->peak, 1 - d->peak.level);
	have = d->base.level + d->credit;
	if (have <= 0)
		wait = max(wait, azlx_ns_until(&d->base, 1 - have));
	return wait;
}

static void azlx_bucket_setup(struct azlx_bucket *b, u64 rate, s64 min_cap,
			      bool fill)
{
	b->rate = rate;
	b->cap = max_t(s64, rate / AZLX_SLACK_DIV, min_cap);
	b->cap_backlog = max_t(s64, rate / AZLX_BACKLOG_DIV, min_cap);
	b->debt = max_t(s64, rate, min_cap);
	if (fill) {
		b->level = b->cap;
		b->rem = 0;
	} else {
		b->level = min(b->level, b->cap);
	}
}

/*
 * Rates for one dimension. A new table starts with full buckets and
 * @credit_pct of a full credit: a node that reboots does not get its
 * disk's credit back (the tool says what it estimated before); a budget
 * changed live keeps what the buckets hold, within the new bounds.
 */
static void azlx_dim_setup(struct azlx_dim *d, u64 base, u64 peak, u64 fraction,
			   u64 scale, u64 burst_secs, u64 credit_pct, s64 min_cap,
			   bool initial)
{
	bool had_burst = d->burst;

	azlx_bucket_setup(&d->base, base * scale / 100 * fraction, min_cap, initial);
	d->burst = peak > 0;
	if (d->burst) {
		azlx_bucket_setup(&d->peak, peak * scale / 100 * fraction, min_cap,
				  initial || !had_burst);
		d->credit_cap = (peak - base) * scale * burst_secs;
	} else {
		d->credit_cap = 0;
	}
	if (initial)
		d->credit = mul_u64_u64_div_u64(d->credit_cap, credit_pct, 100);
	else
		d->credit = clamp(d->credit, 0LL, d->credit_cap);
}

static struct azlx_pbd *azlx_pbd(struct bio *bio)
{
	return dm_per_bio_data(bio, sizeof(struct azlx_pbd));
}

/*
 * What a bio costs: Azure counts ceil(size / unit) I/Os (unit: 256 KiB)
 * whatever the offset, and its bytes. Discard, write-zeroes and secure
 * erase move no data: one I/O each. I/Os in thousandths.
 */
static void azlx_cost(const struct azlx_c *ac, struct bio *bio, u64 *mu, u64 *bytes)
{
	u64 size = bio->bi_iter.bi_size, unit = READ_ONCE(ac->unit_bytes);

	switch (bio_op(bio)) {
	case REQ_OP_READ:
	case REQ_OP_WRITE:
		*bytes = size;
		*mu = max_t(u64, div64_u64(size + unit - 1, unit), 1) * AZLX_MILLI;
		break;
	default:
		*bytes = 0;
		*mu = AZLX_MILLI;
		break;
	}
}

/* Under lock: a bio leaves its cgroup's cap. */
static void azlx_cap_take(struct azlx_c *ac, struct azlx_cap *cp, struct bio *bio)
{
	u64 mu, bytes;

	azlx_cost(ac, bio, &mu, &bytes);
	cp->b.level -= mu;
	if (ac->bypass)
		cp->b.level = max(cp->b.level, -cp->b.debt);
}

static void azlx_enqueue(struct azlx_c *ac, struct bio *bio, enum azlx_class cls)
{
	bio_list_add(&ac->q[cls], bio);
	ac->depth[cls]++;
	ac->nqueued++;
}

/*
 * The bound on held bios. A bio held (in a class queue or a cap's) counts
 * in its class and, outside the critical class, in its cgroup's slot until
 * it is dispatched. The critical class is the node's: its bios are bounded
 * by the class alone.
 */

/* Under lock: the slot holding bios for cgroup @id, or -1. */
static int azlx_cg_find(const struct azlx_c *ac, u64 id)
{
	unsigned int i;

	for (i = 0; i < AZLX_CG_SLOTS; i++)
		if (ac->cgs[i].held && ac->cgs[i].id == id)
			return i;
	return -1;
}

/* Under lock: the slot counting cgroup @id's held bios (AZLX_NO_SLOT: all in use). */
static u8 azlx_cg_slot(struct azlx_c *ac, u64 id)
{
	unsigned int i, free = AZLX_NO_SLOT;

	for (i = 0; i < AZLX_CG_SLOTS; i++) {
		if (!ac->cgs[i].held) {
			if (free == AZLX_NO_SLOT)
				free = i;
		} else if (ac->cgs[i].id == id) {
			return i;
		}
	}
	if (free != AZLX_NO_SLOT)
		ac->cgs[free].id = id;
	return free;
}

/*
 * Under lock: NULL if another bio of class @cls from cgroup @id may be
 * held, else the queue to wait on for room: the class's or the cgroup's
 * (whose slot stays its own while it holds bios).
 */
static wait_queue_head_t *azlx_full(struct azlx_c *ac, enum azlx_class cls, u64 id)
{
	int i;

	if (ac->held[cls] >= ac->max_held)
		return &ac->room[cls];
	if (cls == AZLX_CRIT)
		return NULL;
	i = azlx_cg_find(ac, id);
	if (i >= 0 && ac->cgs[i].held >= ac->max_held_cg)
		return &ac->cg_room[i];
	return NULL;
}

/* Under lock: @bio, of class @cls from cgroup @id, is held. */
static void azlx_hold(struct azlx_c *ac, struct bio *bio, enum azlx_class cls, u64 id)
{
	struct azlx_pbd *pbd = azlx_pbd(bio);
	struct azlx_cgslot *cs;

	pbd->cls = cls;
	pbd->slot = cls == AZLX_CRIT ? AZLX_NO_SLOT : azlx_cg_slot(ac, id);
	ac->held[cls]++;
	ac->stats.held_peak[cls] = max_t(u64, ac->stats.held_peak[cls], ac->held[cls]);
	if (pbd->slot != AZLX_NO_SLOT) {
		cs = &ac->cgs[pbd->slot];
		cs->held++;
		ac->stats.held_cg_peak = max_t(u64, ac->stats.held_cg_peak, cs->held);
	}
}

/* Under lock: a held bio is dispatched; a submitter waiting for room may go. */
static void azlx_unhold(struct azlx_c *ac, struct bio *bio)
{
	struct azlx_pbd *pbd = azlx_pbd(bio);

	ac->held[pbd->cls]--;
	if (pbd->slot != AZLX_NO_SLOT)
		ac->cgs[pbd->slot].held--;
	if (!ac->nwaiting)
		return;
	wake_up(&ac->room[pbd->cls]);
	if (pbd->slot != AZLX_NO_SLOT)
		wake_up(&ac->cg_room[pbd->slot]);
}

/* Under lock: every submitter waiting for room looks again. */
static void azlx_wake_all(struct azlx_c *ac)
{
	unsigned int i;

	if (!ac->nwaiting)
		return;
	for (i = 0; i < AZLX_NR_CLASSES; i++)
		wake_up_all(&ac->room[i]);
	for (i = 0; i < AZLX_CG_SLOTS; i++)
		wake_up_all(&ac->cg_room[i]);
}

/*
 * Under lock: bios waiting for a cap that has tokens (@all: every one) go
 * to their class queue, in order, charged to the cap. Their wait in the
 * class starts now: time held by their own cap does not make them starved.
 */
static void azlx_cap_release(struct azlx_c *ac, bool all, u64 now)
{
	struct azlx_cap *cp;
	struct bio *bio;
	unsigned int i;

	for (i = 0; ac->ncapq && i < ac->ncap; i++) {
		cp = &ac->caps[i];
		while ((bio = bio_list_peek(&cp->q)) && (all || cp->b.level > 0)) {
			bio_list_pop(&cp->q);
			cp->depth--;
			ac->ncapq--;
			azlx_cap_take(ac, cp, bio);
			azlx_pbd(bio)->enq_ns = now;
			azlx_enqueue(ac, bio, azlx_pbd(bio)->cls);
		}
	}
}

/*
 * Under lock: take the caps of @l. A cap whose cgroup stays keeps its
 * bucket; bios waiting for caps go on to their class queues first.
 */
static void azlx_apply_caps(struct azlx_c *ac, const struct azlx_cglist *l, bool initial)
{
	unsigned int i, j, nold = ac->ncap;
	struct azlx_cap *cp;
	bool kept;

	azlx_cap_release(ac, true, ac->last_ns);
	memcpy(ac->old_caps, ac->caps, sizeof(ac->caps));
	WRITE_ONCE(ac->ncap, l->n);
	for (j = 0; j < l->n; j++) {
		cp = &ac->caps[j];
		WRITE_ONCE(cp->cg, l->cg[j]);
		bio_list_init(&cp->q);
		cp->depth = 0;
		kept = false;
		for (i = 0; !initial && i < nold; i++) {
			if (ac->old_caps[i].cg == cp->cg) {
				cp->b = ac->old_caps[i].b;
				kept = true;
				break;
			}
		}
		azlx_bucket_setup(&cp->b, l->iops[j] * AZLX_MILLI, AZLX_MIN_CAP_UNITS, !kept);
	}
	/* azlx_classify() reads the list without the lock: no stale entries */
	for (; j < AZLX_MAX_CGROUPS; j++)
		WRITE_ONCE(ac->caps[j].cg, NULL);
}

/*
 * The in-flight window: what @rate (thousandths of a unit per second)
 * dispatches in @ms, and at least a largest bio. The device (the Azure
 * host) queues what it cannot serve at once; keeping that queue within the
 * window keeps the waiting, and so the choice of order, in the target even
 * when the budget and the disk disagree a little. At least a few units, so
 * that a slow disk is still kept busy.
 */
static u64 azlx_window(u64 rate, u64 ms)
{
	return max_t(u64, div_u64(rate * ms, MSEC_PER_SEC), AZLX_MIN_WINDOW_UNITS * AZLX_MILLI);
}

/*
 * The window in bytes: what the MB/s budget moves in @ms, and at least a
 * largest bio (@unit bytes). Without it, a disk with IOPS to spare and few
 * MB/s (a P30 moves 200 MB/s, 5000 x 256 KiB would be 1.3 GB/s) would take
 * several times inflight_ms of its MB/s budget into its queue.
 */
static u64 azlx_window_bytes(u64 rate, u64 ms, u64 unit)
{
	return max_t(u64, div_u64(rate * ms, MSEC_PER_SEC), unit);
}

/* Under lock: take @c as the live configuration. */
static void azlx_apply(struct azlx_c *ac, const struct azlx_conf *c, bool initial)
{
	unsigned int i;

	/* scale / 100 stays exact: AZLX_MILLI and AZLX_MB are multiples of 100. */
	azlx_dim_setup(&ac->units, c->iops, c->burst_iops, c->fraction, AZLX_MILLI,
		       c->burst_secs, c->credit_pct, AZLX_MIN_CAP_UNITS, initial);
	azlx_dim_setup(&ac->bytes, c->mbps, c->burst_mbps, c->fraction, AZLX_MB,
		       c->burst_secs, c->credit_pct, AZLX_MIN_CAP_BYTES, initial);
	/* read without the lock by azlx_map() to cut bios */
	WRITE_ONCE(ac->unit_bytes, c->unit_kb * 1024);
	ac->max_wait_ns = c->max_wait_ms * NSEC_PER_MSEC;
	ac->inflight_base = azlx_window(ac->units.base.rate, c->inflight_ms);
	ac->inflight_peak = ac->units.burst ?
			    azlx_window(ac->units.peak.rate, c->inflight_ms) : ac->inflight_base;
	ac->inflight_bbase = azlx_window_bytes(ac->bytes.base.rate, c->inflight_ms,
					       c->unit_kb * 1024);
	ac->inflight_bpeak = ac->bytes.burst ?
			     azlx_window_bytes(ac->bytes.peak.rate, c->inflight_ms,
					       c->unit_kb * 1024) : ac->inflight_bbase;
	ac->max_held = c->max_held;
	ac->max_held_cg = c->max_held_cgroup;
	/* read without the lock by azlx_count() and azlx_end_io() */
	WRITE_ONCE(ac->lat_target_ns, c->lat_target_us * NSEC_PER_USEC);
	if (!c->lat_target_us) {
		ac->scale = AZLX_SCALE_ONE;
		ac->lat_slow = false;
		ac->slow_periods = 0;
	}
	/* azlx_map() classifies without the lock */
	write_seqcount_begin(&ac->cls_seq);
	WRITE_ONCE(ac->ncrit, c->crit.n);
	for (i = 0; i < AZLX_MAX_CGROUPS; i++)
		WRITE_ONCE(ac->crit[i], i < c->crit.n ? c->crit.cg[i] : NULL);
	azlx_apply_caps(ac, &c->cap, initial);
	write_seqcount_end(&ac->cls_seq);
}

/* Add what the per-CPU completion counters hold to @timed and @slow. */
static void azlx_timed_sum(const struct azlx_c *ac, u64 *timed, u64 *slow)
{
	const struct azlx_pcpu *p;
	int cpu;

	for_each_possible_cpu(cpu) {
		p = per_cpu_ptr(ac->pcpu, cpu);
		*timed += READ_ONCE(p->timed);
		*slow += READ_ONCE(p->slow);
	}
}

/*
 * Under lock: the closed loop. A host that throttles the disk queues what
 * exceeds its budget, and the completions slow down long before anything
 * fails: that is when the window, the I/O dm-azlx lets into the host's
 * queue, must shrink, and when the credit dm-azlx believes the disk has is
 * spent whatever its estimate says. Fast completions grow the window back,
 * additively, as blk-iocost's vrate follows its QoS targets.
 */
static void azlx_adapt(struct azlx_c *ac, u64 now)
{
	u64 timed = 0, slow = 0, n, s, dt = now - ac->adapt_ns;

	if (!ac->lat_target_ns || dt < AZLX_ADAPT_NS)
		return;
	azlx_timed_sum(ac, &timed, &slow);
	n = timed - ac->adapt_timed;
	s = slow - ac->adapt_slow;
	if (n < AZLX_ADAPT_MIN_DONE && dt < AZLX_ADAPT_MAX_NS)
		return;
	ac->adapt_ns = now;
	ac->adapt_timed = timed;
	ac->adapt_slow = slow;
	if (!n)
		return;
	if (s * 100 > n * AZLX_SLOW_PCT && s >= AZLX_ADAPT_MIN_SLOW) {
		ac->scale = max_t(unsigned int, ac->scale / 2, AZLX_SCALE_MIN);
		ac->stats.shrinks++;
		if (ac->slow_periods < AZLX_CREDIT_SLOW_PERIODS)
			ac->slow_periods++;
		if (ac->slow_periods == AZLX_CREDIT_SLOW_PERIODS) {
			ac->lat_slow = true;
			ac->units.credit = 0;
			ac->bytes.credit = 0;
		}
		return;
	}
	ac->lat_slow = false;
	ac->slow_periods = 0;
	if (ac->scale < AZLX_SCALE_ONE) {
		ac->scale = min_t(unsigned int, ac->scale + AZLX_SCALE_STEP, AZLX_SCALE_ONE);
		ac->stats.grows++;
	}
}

static void azlx_refill(struct azlx_c *ac, u64 now)
{
	unsigned int i;
	u64 dt;

	if (now <= ac->last_ns)
		return;
	dt = min(now - ac->last_ns, AZLX_MAX_DT_NS);
	ac->last_ns = now;
	azlx_dim_refill(&ac->units, dt, ac->nqueued, ac->lat_slow);
	azlx_dim_refill(&ac->bytes, dt, ac->nqueued, ac->lat_slow);
	for (i = 0; i < ac->ncap; i++)
		azlx_fill(&ac->caps[i].b, dt, ac->caps[i].depth);
	azlx_adapt(ac, now);
}

static bool azlx_ok(const struct azlx_c *ac)
{
	return azlx_dim_ok(&ac->units) && azlx_dim_ok(&ac->bytes);
}

/*
 * Under lock: the window now (the burst rate's while credit lasts), scaled
 * by the closed loop, and never below what keeps the disk busy.
 */
static u64 azlx_window_now(const struct azlx_c *ac)
{
	const struct azlx_dim *d = &ac->units;
	u64 w = d->burst && d->credit > 0 ? ac->inflight_peak : ac->inflight_base;

	return max_t(u64, div_u64(w * ac->scale, AZLX_SCALE_ONE),
		     AZLX_MIN_WINDOW_UNITS * AZLX_MILLI);
}

static u64 azlx_window_bytes_now(const struct azlx_c *ac)
{
	const struct azlx_dim *d = &ac->bytes;
	u64 w = d->burst && d->credit > 0 ? ac->inflight_bpeak : ac->inflight_bbase;

	return max(div_u64(w * ac->scale, AZLX_SCALE_ONE), ac->unit_bytes);
}

/*
 * Under lock: the device's queue has room for another bio. Lock-free
 * dispatches add to inflight too, each only while it is below the window:
 * the device may hold one bio per CPU past it.
 */
static bool azlx_room(const struct azlx_c *ac)
{
	return atomic64_read(&ac->inflight) < azlx_window_now(ac) &&
	       atomic64_read(&ac->inflight_bytes) < azlx_window_bytes_now(ac);
}

/* A bio of @mu thousandths of a unit and @bytes, of class @cls, is dispatched. */
static void azlx_count(struct azlx_c *ac, struct bio *bio, enum azlx_class cls, u64 mu,
		       u64 bytes)
{
	struct azlx_pbd *pbd = azlx_pbd(bio);

	pbd->mu = mu;
	pbd->bytes = bytes;
	pbd->disp_ns = READ_ONCE(ac->lat_target_ns) ? ktime_get_ns() : 0;
	this_cpu_inc(ac->pcpu->dispatched[cls]);
	this_cpu_add(ac->pcpu->units, div_u64(mu, AZLX_MILLI));
	this_cpu_add(ac->pcpu->bytes, bytes);
}

/* Under lock: a bio is dispatched. */
static void azlx_charge(struct azlx_c *ac, struct bio *bio, enum azlx_class cls)
{
	u64 mu, bytes;

	azlx_cost(ac, bio, &mu, &bytes);
	azlx_dim_charge(&ac->units, mu, ac->bypass);
	azlx_dim_charge(&ac->bytes, bytes, ac->bypass);
	atomic64_add(bytes, &ac->inflight_bytes);
	atomic64_add(mu, &ac->inflight);
	azlx_count(ac, bio, cls, mu, bytes);
}

/*
 * The lock-free pass-through. While nothing waits, the bio that takes the
 * lock to pass moves up to a millisecond of budget (what the buckets hold,
 * no more) out of the buckets into fast_mu and fast_bytes; bios that find
 * their cost there and room in the window pass without the lock. Whoever
 * must hold a bio, and anything that changes the rates or passes every bio,
 * gives back what is left first, so the buckets stay exact but for what is
 * spent at that moment.
 */

/* Tokens a dimension can give now (0 if none). */
static s64 azlx_dim_avail(const struct azlx_dim *d)
{
	s64 have = d->base.level + d->credit;

	if (d->burst)
		have = min(have, d->peak.level);
	return max_t(s64, have, 0);
}

/* The dispatch rate of a dimension now. */
static u64 azlx_dim_rate(const struct azlx_dim *d)
{
	return d->burst && d->credit > 0 ? d->peak.rate : d->base.rate;
}

static void azlx_dim_refund(struct azlx_dim *d, s64 v)
{
	if (v <= 0)
		return;
	if (d->burst)
		d->peak.level = min(d->peak.level + v, d->peak.cap_backlog);
	d->base.level = min(d->base.level + v, d->base.cap_backlog);
}

/* Under lock: what the lock-free path has left goes back to the buckets. */
static void azlx_fast_reclaim(struct azlx_c *ac)
{
	azlx_dim_refund(&ac->units, atomic64_xchg(&ac->fast_mu, 0));
	azlx_dim_refund(&ac->bytes, atomic64_xchg(&ac->fast_bytes, 0));
}

/* Under lock, with nothing held: a millisecond of budget for the lock-free path. */
static void azlx_fast_grant(struct azlx_c *ac)
{
	s64 mu, bytes;

	azlx_fast_reclaim(ac);
	if (ac->bypass || ac->nqueued || ac->ncapq)
		return;
	mu = min_t(s64, azlx_dim_avail(&ac->units), azlx_dim_rate(&ac->units) / AZLX_FAST_DIV);
	bytes = min_t(s64, azlx_dim_avail(&ac->bytes), azlx_dim_rate(&ac->bytes) / AZLX_FAST_DIV);
	if (mu < (s64)AZLX_MILLI || bytes < AZLX_MIN_CAP_BYTES)
		return;
	azlx_dim_charge(&ac->units, mu, false);
	azlx_dim_charge(&ac->bytes, bytes, false);
	WRITE_ONCE(ac->window, azlx_window_now(ac));
	WRITE_ONCE(ac->window_bytes, azlx_window_bytes_now(ac));
	atomic64_set(&ac->fast_bytes, bytes);
	atomic64_set(&ac->fast_mu, mu);
}

static bool azlx_fast_take(atomic64_t *a, s64 v)
{
	s64 old = atomic64_read(a);

	do {
		if (old < v)
			return false;
	} while (!atomic64_try_cmpxchg(a, &old, old - v));
	return true;
}

/* Without the lock: let @bio (class @cls, under no cap) go, if the budget given allows. */
static bool azlx_fast_pass(struct azlx_c *ac, struct bio *bio, enum azlx_class cls)
{
	u64 mu, bytes;

	azlx_cost(ac, bio, &mu, &bytes);
	if (!azlx_fast_take(&ac->fast_mu, mu))
		return false;
	if (!azlx_fast_take(&ac->fast_bytes, bytes))
		goto give_mu;
	if (atomic64_fetch_add(bytes, &ac->inflight_bytes) >= READ_ONCE(ac->window_bytes))
		goto give_bytes;
	if (atomic64_fetch_add(mu, &ac->inflight) >= READ_ONCE(ac->window))
		goto give_all;
	azlx_count(ac, bio, cls, mu, bytes);
	this_cpu_inc(ac->pcpu->fast);
	return true;

give_all:
	atomic64_sub(mu, &ac->inflight);
give_bytes:
	atomic64_sub(bytes, &ac->inflight_bytes);
	atomic64_add(bytes, &ac->fast_bytes);
give_mu:
	atomic64_add(mu, &ac->fast_mu);
	return false;
}

static u64 azlx_bucket_wait(const struct azlx_bucket *b)
{
	return b->level > 0 ? 0 : azlx_ns_until(b, 1 - b->level);
}

/* Under lock: ns until the budget lets the next bio go. */
static u64 azlx_wait(const struct azlx_c *ac)
{
	return max(azlx_dim_wait(&ac->units), azlx_dim_wait(&ac->bytes));
}

/* Under lock: wake the worker in @wait ns, unless it is woken earlier. */
static void azlx_arm_at(struct azlx_c *ac, u64 wait)
{
	ktime_t at = ktime_add_ns(ktime_get(), max_t(u64, wait, AZLX_MIN_WAIT_NS));

	if (ac->stopped)
		return;
	if (hrtimer_is_queued(&ac->timer) && !ktime_before(at, hrtimer_get_expires(&ac->timer)))
		return;
	hrtimer_start(&ac->timer, at, HRTIMER_MODE_ABS);
}

/*
 * Under lock: let the worker run, unless the target is stopped. The timer
 * and the worker start each other; once stopped is set under the lock
 * neither does, so cancelling them in either order leaves both idle.
 */
static void azlx_kick(struct azlx_c *ac)
{
	if (!ac->stopped)
		queue_work(azlx_wq, &ac->work);
}

/* Under lock: arm the timer for whatever waits, for the budget or a cap. */
static void azlx_schedule(struct azlx_c *ac)
{
	u64 wait = U64_MAX;
	unsigned int i;

	/* held by the in-flight window alone: a completion wakes the worker */
	if (ac->nqueued && !azlx_ok(ac))
		wait = azlx_wait(ac);
	for (i = 0; ac->ncapq && i < ac->ncap; i++)
		if (ac->caps[i].depth)
			wait = min(wait, azlx_bucket_wait(&ac->caps[i].b));
	if (wait != U64_MAX)
		azlx_arm_at(ac, wait);
}

/* ------------------------------------------------------------------------
 * Classes and dispatch
 */

/*
 * Read without the lock, under cls_seq and RCU: a list being changed may
 * show an entry not set yet (NULL) or one just replaced, whose cgroup a
 * message lets go only after an RCU grace period; the reader retries.
 */
static bool azlx_cgroup_critical(const struct azlx_c *ac, struct cgroup *cg)
{
	unsigned int i, n = min_t(unsigned int, READ_ONCE(ac->ncrit), AZLX_MAX_CGROUPS);
	struct cgroup *c;

	for (i = 0; i < n; i++) {
		c = READ_ONCE(ac->crit[i]);
		if (c && cgroup_is_descendant(cg, c))
			return true;
	}
	return false;
}

/* The deepest cap at or above @cg (at @level or deeper), or -1. */
static int azlx_cgroup_cap(const struct azlx_c *ac, struct cgroup *cg, int found, int *level)
{
	unsigned int i, n = min_t(unsigned int, READ_ONCE(ac->ncap), AZLX_MAX_CGROUPS);
	struct cgroup *c;

	for (i = 0; i < n; i++) {
		c = READ_ONCE(ac->caps[i].cg);
		if (c && c->level >= *level && cgroup_is_descendant(cg, c)) {
			*level = c->level + 1;
			found = i;
		}
	}
	return found;
}

/*
 * Under lock: the bio's class and cap (-1: none). File system metadata and
 * journal writes (REQ_META, REQ_PRIO: ext4's jbd2 commits, xfs's log) and
 * swap (REQ_SWAP) are the node's, whoever issues them: critical and under
 * no cap, as blk-iocost issues them as the root cgroup's
 * (bio_issue_as_root_blkg(), in a private block-layer header). Otherwise a
 * bio is critical, or capped, when its blkcg (bio_blkcg_css()) or the task
 * submitting it is in or below such a cgroup. dm hands targets clones
 * without a blkcg association on some kernels, and a task's blkcg is its
 * nearest ancestor with the io controller on; the task's own cgroup2
 * cgroup needs neither.
 */
static enum azlx_class azlx_classify(const struct azlx_c *ac, struct bio *bio, int *cap)
{
	struct cgroup_subsys_state *css;
	struct cgroup *task_cg = NULL;
	bool crit = false;
	int level = 0;

	*cap = -1;
	if (bio->bi_opf & (REQ_META | REQ_PRIO | REQ_SWAP))
		return AZLX_CRIT;
	if (READ_ONCE(ac->ncrit) || READ_ONCE(ac->ncap)) {
		rcu_read_lock();
		css = bio_blkcg_css(bio);
		if (in_task())
			task_cg = task_dfl_cgroup(current);
		if (css) {
			crit = azlx_cgroup_critical(ac, css->cgroup);
			*cap = azlx_cgroup_cap(ac, css->cgroup, *cap, &level);
		}
		if (task_cg) {
			crit = crit || azlx_cgroup_critical(ac, task_cg);
			*cap = azlx_cgroup_cap(ac, task_cg, *cap, &level);
		}
		rcu_read_unlock();
		if (crit)
			return AZLX_CRIT;
	}
	switch (bio_op(bio)) {
	case REQ_OP_READ:
		return bio->bi_opf & REQ_RAHEAD ? AZLX_ASYNC : AZLX_READ;
	case REQ_OP_WRITE:
		return op_is_sync(bio->bi_opf) ? AZLX_WRITE : AZLX_ASYNC;
	default:
		return AZLX_ASYNC;
	}
}

/*
 * Under lock: the class to serve next. Strict priority, except that when a
 * lower class's oldest bio has waited longer than max_wait_ms, one dispatch
 * in AZLX_STARVE_EVERY goes to the class that has waited longest.
 */
static int azlx_pick(struct azlx_c *ac, u64 now)
{
	int c, first = -1, starved = -1;
	u64 age, oldest = 0, enq;
	struct bio *bio;

	for (c = 0; c < AZLX_NR_CLASSES; c++) {
		bio = bio_list_peek(&ac->q[c]);
		if (!bio)
			continue;
		if (first < 0) {
			first = c;
			continue;
		}
		enq = azlx_pbd(bio)->enq_ns;
		age = now > enq ? now - enq : 0;
		if (age > ac->max_wait_ns && age > oldest) {
			oldest = age;
			starved = c;
		}
	}
	if (starved >= 0 && ++ac->starve_tick >= AZLX_STARVE_EVERY) {
		ac->starve_tick = 0;
		ac->stats.promoted[starved]++;
		return starved;
	}
	return first;
}

/*
 * Under lock: move up to @budget bios that the buckets allow (all of them
 * while bypassing) to @out. Returns true if more could go at once.
 */
static bool azlx_dispatch(struct azlx_c *ac, struct bio_list *out, u64 now,
			  unsigned int budget)
{
	struct bio *bio;
	u64 enq, wait;
	int c;

	azlx_refill(ac, now);
	azlx_cap_release(ac, ac->bypass, now);
	while (ac->nqueued) {
		if (!budget--)
			return true;
		if (!ac->bypass && (!azlx_ok(ac) || !azlx_room(ac)))
			break;
		c = azlx_pick(ac, now);
		bio = bio_list_pop(&ac->q[c]);
		ac->depth[c]--;
		ac->nqueued--;
		azlx_unhold(ac, bio);
		enq = azlx_pbd(bio)->enq_ns;
		wait = now > enq ? now - enq : 0;
		ac->stats.max_wait_ns[c] = max(ac->stats.max_wait_ns[c], wait);
		azlx_charge(ac, bio, c);
		bio_list_add(out, bio);
	}
	azlx_schedule(ac);
	return false;
}

static void azlx_submit(struct bio_list *out)
{
	struct blk_plug plug;
	struct bio *bio;

	if (bio_list_empty(out))
		return;
	blk_start_plug(&plug);
	while ((bio = bio_list_pop(out))) {
		/* its submitter did not wait for it: the device below may */
		bio->bi_opf &= ~REQ_NOWAIT;
		dm_submit_bio_remap(bio, NULL);
	}
	blk_finish_plug(&plug);
}

static void azlx_work_fn(struct work_struct *work)
{
	struct azlx_c *ac = container_of(work, struct azlx_c, work);
	struct bio_list out = BIO_EMPTY_LIST;
	bool more;

	spin_lock_irq(&ac->lock);
	more = azlx_dispatch(ac, &out, ktime_get_ns(), AZLX_BATCH);
	if (more)
		azlx_kick(ac);
	spin_unlock_irq(&ac->lock);
	azlx_submit(&out);
}

static enum hrtimer_restart azlx_timer_fn(struct hrtimer *timer)
{
	struct azlx_c *ac = container_of(timer, struct azlx_c, timer);
	unsigned long flags;

	spin_lock_irqsave(&ac->lock, flags);
	azlx_kick(ac);
	spin_unlock_irqrestore(&ac->lock, flags);
	return HRTIMER_NORESTART;
}

/*
 * The cgroup a held bio counts against: its blkcg's, unless that is the
 * root's (no io controller on the way, or a clone without an association),
 * then the submitting task's.
 */
static u64 azlx_bio_cgroup(struct bio *bio)
{
	struct cgroup_subsys_state *css;
	struct cgroup *cg = NULL;
	u64 id;

	rcu_read_lock();
	css = bio_blkcg_css(bio);
	if (css && cgroup_parent(css->cgroup))
		cg = css->cgroup;
	else if (in_task())
		cg = task_dfl_cgroup(current);
	else if (css)
		cg = css->cgroup;
	id = cg ? cgroup_id(cg) : 0;
	rcu_read_unlock();
	return id;
}

/*
 * May the submitter of a bio sleep in map until there is room? Not with
 * bios pending on its bio list (current->bio_list: the bios submitted
 * while a ->submit_bio runs, and those waiting behind the one being
 * mapped): they may be ones this target let go, which the window counts
 * until they complete, and they are not submitted while we sleep. A
 * submitter with nothing pending holds nothing the worker needs: the timer,
 * the worker and completions free the room. Its plug is flushed when it
 * sleeps.
 */
static bool azlx_may_sleep(void)
{
	struct bio_list *l = current->bio_list;

	if (!in_task())
		return false;
	return !l || (bio_list_empty(&l[0]) && bio_list_empty(&l[1]));
}

/*
 * Sleep on @wq until class @cls and cgroup @id have room for another bio,
 * the target passes everything (suspending) or a fatal signal comes.
 * Waiters are exclusive: a bio leaving the held ones wakes one waiter of
 * its class and one of its cgroup. A waiter woken for room it cannot take
 * (its class has room, its cgroup none, or the other way round) passes the
 * wake-up on as it moves to the other queue; each waiter also looks again
 * every AZLX_ROOM_RECHECK. Returns false on a fatal signal.
 */
static bool azlx_wait_room(struct azlx_c *ac, enum azlx_class cls, u64 id,
			   wait_queue_head_t *wq)
{
	wait_queue_head_t *next;
	DEFINE_WAIT(wait);
	bool killed = false;

	spin_lock_irq(&ac->lock);
	ac->nwaiting++;
	ac->stats.throttled++;
	spin_unlock_irq(&ac->lock);
	for (;;) {
		prepare_to_wait_exclusive(wq, &wait, TASK_KILLABLE);
		spin_lock_irq(&ac->lock);
		next = ac->bypass || ac->stopped ? NULL : azlx_full(ac, cls, id);
		spin_unlock_irq(&ac->lock);
		if (next != wq) {
			finish_wait(wq, &wait);
			if (!next)
				break;
			wake_up(wq);
			wq = next;
			continue;
		}
		if (fatal_signal_pending(current)) {
			finish_wait(wq, &wait);
			killed = true;
			break;
		}
		io_schedule_timeout(AZLX_ROOM_RECHECK);
	}
	spin_lock_irq(&ac->lock);
	ac->nwaiting--;
	spin_unlock_irq(&ac->lock);
	return !killed;
}

static int azlx_map(struct dm_target *ti, struct bio *bio)
{
	struct azlx_c *ac = ti->private;
	bool pass, capwait, may_wait = true, waited = false;
	wait_queue_head_t *full;
	struct azlx_cap *cp;
	enum azlx_class cls;
	unsigned long flags;
	u64 now, unit, cgid;
	unsigned int seq;
	int capi;

	bio_set_dev(bio, ac->dev->bdev);
	azlx_pbd(bio)->mu = 0;
	/*
	 * A read or write larger than a unit is cut by size, so that each
	 * piece costs what the host counts for it: ceil(size / unit) for the
	 * whole bio, whatever its offset. Cutting at unit boundaries would
	 * charge 128 KiB at 192 KiB two units where Azure counts one. The
	 * device then gets no bio larger than a unit, which its own limits
	 * would cut where it pleases and the host count as more I/Os.
	 * dm core sends the rest as another bio. A debt is at most one unit.
	 */
	unit = READ_ONCE(ac->unit_bytes);
	if ((bio_op(bio) == REQ_OP_READ || bio_op(bio) == REQ_OP_WRITE) &&
	    bio->bi_iter.bi_size > unit)
		dm_accept_partial_bio(bio, unit >> SECTOR_SHIFT);
	if (unlikely(!bio->bi_iter.bi_size)) {
		/*
		 * An empty flush moves no data, and it only covers writes
		 * that completed, so left this queue, before it was issued:
		 * it goes at once, ahead of anything queued.
		 */
		this_cpu_inc(ac->pcpu->flushes);
		return DM_MAPIO_REMAPPED;
	}
	bio->bi_iter.bi_sector = ac->start + dm_target_offset(ti, bio->bi_iter.bi_sector);

	/* The class, and the cap, outside the lock. */
	do {
		seq = read_seqcount_begin(&ac->cls_seq);
		cls = azlx_classify(ac, bio, &capi);
	} while (read_seqcount_retry(&ac->cls_seq, seq));
	/* Nothing waits, under no cap: the budget given out may let it go. */
	if (capi < 0 && !READ_ONCE(ac->nqueued) && azlx_fast_pass(ac, bio, cls))
		return DM_MAPIO_REMAPPED;

retry:
	now = ktime_get_ns();
	spin_lock_irqsave(&ac->lock, flags);
	azlx_refill(ac, now);
	/* the lists changed since: classify again */
	if (read_seqcount_retry(&ac->cls_seq, seq))
		cls = azlx_classify(ac, bio, &capi);
	cp = NULL;
	if (capi >= 0)
		cp = &ac->caps[capi];
	capwait = cp && !ac->bypass && (cp->depth || cp->b.level <= 0);
	pass = ac->bypass || (!capwait && !ac->nqueued && azlx_ok(ac) && azlx_room(ac));
	if (pass) {
		if (cp)
			azlx_cap_take(ac, cp, bio);
		azlx_charge(ac, bio, cls);
		/* woken for room it did not take: the next waiter may */
		if (waited && ac->nwaiting)
			wake_up(&ac->room[cls]);
		azlx_fast_grant(ac);
		spin_unlock_irqrestore(&ac->lock, flags);
		return DM_MAPIO_REMAPPED;
	}
	/* A bio waits: the budget given to the lock-free path comes back. */
	azlx_fast_reclaim(ac);

	/* To be held: within the bound, or the submitter waits for room. */
	cgid = azlx_bio_cgroup(bio);
	full = azlx_full(ac, cls, cgid);
	if (full && !ac->bypass) {
		/*
		 * REQ_NOWAIT: the submitter must not sleep; it retries
		 * from a context that may (io_uring's worker). Not a
		 * polled bio: dm core would requeue it as it is, again
		 * and again.
		 */
		if ((bio->bi_opf & (REQ_NOWAIT | REQ_POLLED)) == REQ_NOWAIT) {
			ac->stats.again++;
			spin_unlock_irqrestore(&ac->lock, flags);
			bio->bi_status = BLK_STS_AGAIN;
			bio_endio(bio);
			return DM_MAPIO_SUBMITTED;
		}
		if (may_wait && azlx_may_sleep()) {
			spin_unlock_irqrestore(&ac->lock, flags);
			may_wait = azlx_wait_room(ac, cls, cgid, full);
			waited = true;
			goto retry;
		}
		ac->stats.overbound++;
	}
	azlx_hold(ac, bio, cls, cgid);
	azlx_pbd(bio)->enq_ns = now;
	ac->stats.delayed[cls]++;
	if (capwait) {
		/* Over its cgroup's cap: wait for the cap, then the budget. */
		bio_list_add(&cp->q, bio);
		ac->ncapq++;
		ac->stats.capped++;
		if (!cp->depth++)
			azlx_arm_at(ac, azlx_bucket_wait(&cp->b));
		spin_unlock_irqrestore(&ac->lock, flags);
		return DM_MAPIO_SUBMITTED;
	}
	if (cp)
		azlx_cap_take(ac, cp, bio);
	azlx_enqueue(ac, bio, cls);
	/*
	 * Whoever queues the first bio arms the timer for the budget; the
	 * worker re-arms it. Held by the window alone, a completion wakes it;
	 * one that left the window before seeing this bio queued may not
	 * have (azlx_end_io()), so look again.
	 */
	smp_mb();
	if (ac->nqueued == 1 && !azlx_ok(ac))
		azlx_arm_at(ac, azlx_wait(ac));
	else if (azlx_ok(ac) && azlx_room(ac))
		azlx_kick(ac);
	spin_unlock_irqrestore(&ac->lock, flags);
	return DM_MAPIO_SUBMITTED;
}

/* A timed bio has completed: was it slower than the target? */
static void azlx_time(struct azlx_c *ac, u64 disp_ns)
{
	u64 target = READ_ONCE(ac->lat_target_ns);

	this_cpu_inc(ac->pcpu->timed);
	if (target && ktime_get_ns() - disp_ns > target)
		this_cpu_inc(ac->pcpu->slow);
}

/*
 * A bio the target let go has completed: its units leave the window.
 * Without the lock while others stay in the window and nothing waits:
 * the destructor waits for the window to empty, and the completion that
 * empties it does so under the lock. Once the lock is dropped (or the
 * window left without it) the destructor may free @ac: nothing after it.
 */
static int azlx_end_io(struct dm_target *ti, struct bio *bio, blk_status_t *error)
{
	struct azlx_c *ac = ti->private;
	struct azlx_pbd *pbd = azlx_pbd(bio);
	unsigned long flags;
	s64 mu = pbd->mu, old;

	if (!mu)
		return DM_ENDIO_DONE;
	pbd->mu = 0;
	if (pbd->disp_ns)
		azlx_time(ac, pbd->disp_ns);
	/* before the units: whoever empties those may free @ac */
	atomic64_sub(pbd->bytes, &ac->inflight_bytes);
	if (!READ_ONCE(ac->nqueued)) {
		old = atomic64_read(&ac->inflight);
		while (old > mu)
			if (atomic64_try_cmpxchg(&ac->inflight, &old, old - mu))
				return DM_ENDIO_DONE;
	}
	spin_lock_irqsave(&ac->lock, flags);
	atomic64_sub(mu, &ac->inflight);
	if (ac->nqueued && azlx_ok(ac) && azlx_room(ac))
		azlx_kick(ac);
	if (!atomic64_read(&ac->inflight))
		wake_up(&ac->drained);
	spin_unlock_irqrestore(&ac->lock, flags);
	return DM_ENDIO_DONE;
}

/* ------------------------------------------------------------------------
 * Construction, suspend/resume, status and messages
 */

static const char * const azlx_missing[] = {
	"missing <dev> (table: <dev> <offset> <iops> <mbps> [key=value ...])",
	"missing <offset> (table: <dev> <offset> <iops> <mbps> [key=value ...])",
	"missing <iops> (table: <dev> <offset> <iops> <mbps> [key=value ...])",
	"missing <mbps> (table: <dev> <offset> <iops> <mbps> [key=value ...])",
};

static void azlx_log_bad(struct dm_target *ti, const char *what, const char *err,
			 const char *bad)
{
	DMERR("%s: %s: %s: '%s'", dm_device_name(dm_table_get_md(ti->table)), what,
	      err, bad);
}

static int azlx_ctr(struct dm_target *ti, unsigned int argc, char **argv)
{
	struct azlx_parse p = { };
	unsigned long long start;
	struct azlx_c *ac;
	const char *err;
	unsigned int i;
	int r;

	if (argc < 4) {
		ti->error = (char *)azlx_missing[argc];
		return -EINVAL;
	}

	ac = kzalloc(sizeof(*ac), GFP_KERNEL);
	if (!ac) {
		ti->error = "cannot allocate the target context";
		return -ENOMEM;
	}
	azlx_conf_defaults(&ac->conf);
	p.conf = &ac->conf;

	r = -EINVAL;
	if (!isdigit(argv[1][0]) || kstrtoull(argv[1], 10, &start) ||
	    start != (sector_t)start) {
		ti->error = "offset: not a sector number";
		goto err_free;
	}
	ac->start = start;
	err = azlx_parse_num(&p, AZLX_OPT_IOPS, argv[2]);
	if (!err)
		err = azlx_parse_num(&p, AZLX_OPT_MBPS, argv[3]);
	for (i = 4; !err && i < argc; i++)
		err = azlx_parse_arg(&p, argv[i]);
	if (err) {
		if (p.bad)
			azlx_log_bad(ti, "table", err, p.bad);
		ti->error = (char *)err;
		if (p.nomem)
			r = -ENOMEM;
		goto err_drop_conf;
	}
	err = azlx_conf_check(&ac->conf);
	if (err) {
		ti->error = (char *)err;
		goto err_drop_conf;
	}

	r = dm_get_device(ti, argv[0], dm_table_get_mode(ti->table), &ac->dev);
	if (r) {
		azlx_log_bad(ti, "table", "cannot open the device", argv[0]);
		ti->error = "dev: device lookup failed";
		goto err_drop_conf;
	}
	err = azlx_conf_check_dev(&ac->conf, ac->dev);
	if (err) {
		r = -EINVAL;
		ti->error = (char *)err;
		goto err_put_device;
	}

	r = azlx_conf_resolve(&p, &err);
	if (r) {
		azlx_log_bad(ti, "table", err, p.bad);
		ti->error = (char *)err;
		goto err_put_device;
	}

	ac->pcpu = alloc_percpu(struct azlx_pcpu);
	if (!ac->pcpu) {
		r = -ENOMEM;
		ti->error = "cannot allocate the target's counters";
		goto err_put_device;
	}
	spin_lock_init(&ac->lock);
	seqcount_spinlock_init(&ac->cls_seq, &ac->lock);
	mutex_init(&ac->conf_lock);
	for (i = 0; i < AZLX_NR_CLASSES; i++)
		bio_list_init(&ac->q[i]);
	hrtimer_init(&ac->timer, CLOCK_MONOTONIC, HRTIMER_MODE_ABS);
	ac->timer.function = azlx_timer_fn;
	INIT_WORK(&ac->work, azlx_work_fn);
	init_waitqueue_head(&ac->drained);
	for (i = 0; i < AZLX_NR_CLASSES; i++)
		init_waitqueue_head(&ac->room[i]);
	for (i = 0; i < AZLX_CG_SLOTS; i++)
		init_waitqueue_head(&ac->cg_room[i]);
	ac->ti = ti;
	ac->md = dm_table_get_md(ti->table);
	ac->fresh = true;
	ac->last_ns = ktime_get_ns();
	ac->adapt_ns = ac->last_ns;
	ac->scale = AZLX_SCALE_ONE;
	spin_lock_irq(&ac->lock);
	azlx_apply(ac, &ac->conf, true);
	spin_unlock_irq(&ac->lock);

	ti->private = ac;
	ti->num_flush_bios = 1;
	ti->num_discard_bios = 1;
	ti->num_secure_erase_bios = 1;
	ti->num_write_zeroes_bios = 1;
	ti->per_io_data_size = sizeof(struct azlx_pbd);
	ti->accounts_remapped_io = true;

	mutex_lock(&azlx_instances_lock);
	list_add(&ac->node, &azlx_instances);
	mutex_unlock(&azlx_instances_lock);
	return 0;

err_put_device:
	dm_put_device(ti, ac->dev);
err_drop_conf:
	azlx_conf_drop(&ac->conf);
err_free:
	kfree(ac);
	return r;
}

/* Add the per-CPU counters to @st. */
static void azlx_stats_sum(const struct azlx_c *ac, struct azlx_stats *st)
{
	const struct azlx_pcpu *p;
	unsigned int i;
	int cpu;

	for_each_possible_cpu(cpu) {
		p = per_cpu_ptr(ac->pcpu, cpu);
		for (i = 0; i < AZLX_NR_CLASSES; i++)
			st->dispatched[i] += READ_ONCE(p->dispatched[i]);
		st->units += READ_ONCE(p->units);
		st->bytes += READ_ONCE(p->bytes);
		st->flushes += READ_ONCE(p->flushes);
		st->fast += READ_ONCE(p->fast);
	}
	azlx_timed_sum(ac, &st->timed, &st->slow);
}

static bool azlx_drained(struct azlx_c *ac)
{
	bool idle;

	spin_lock_irq(&ac->lock);
	idle = !atomic64_read(&ac->inflight);
	spin_unlock_irq(&ac->lock);
	return idle;
}

/* Under lock: every bio held, in the class queues or for a cap, to @out. */
static void azlx_take_held(struct azlx_c *ac, struct bio_list *out)
{
	unsigned int i;

	for (i = 0; i < AZLX_NR_CLASSES; i++) {
		bio_list_merge(out, &ac->q[i]);
		bio_list_init(&ac->q[i]);
		ac->depth[i] = 0;
	}
	for (i = 0; i < ac->ncap; i++) {
		bio_list_merge(out, &ac->caps[i].q);
		bio_list_init(&ac->caps[i].q);
		ac->caps[i].depth = 0;
	}
	ac->nqueued = 0;
	ac->ncapq = 0;
	memset(ac->held, 0, sizeof(ac->held));
	memset(ac->cgs, 0, sizeof(ac->cgs));
}

/*
 * The destructor never submits: a bio it let go would complete through
 * azlx_end_io() on freed memory. It stops the timer and the worker, fails
 * what is still held (dm suspends a table before destroying it, so nothing
 * should be), and waits for the bios it let go to complete: a suspend waits
 * for them, but dm_destroy() of a live table only calls presuspend and
 * postsuspend, so what presuspend dispatched may still be at the device.
 */
static void azlx_dtr(struct dm_target *ti)
{
	struct azlx_c *ac = ti->private;
	struct bio_list held = BIO_EMPTY_LIST;
	struct bio *bio;

	mutex_lock(&azlx_instances_lock);
	list_del(&ac->node);
	mutex_unlock(&azlx_instances_lock);

	spin_lock_irq(&ac->lock);
	ac->stopped = true;
	spin_unlock_irq(&ac->lock);
	hrtimer_cancel(&ac->timer);
	cancel_work_sync(&ac->work);

	spin_lock_irq(&ac->lock);
	azlx_take_held(ac, &held);
	spin_unlock_irq(&ac->lock);
	WARN_ON_ONCE(!bio_list_empty(&held));
	while ((bio = bio_list_pop(&held)))
		bio_io_error(bio);

	wait_event(ac->drained, azlx_drained(ac));
	/* azlx_end_io() woke us under the lock: wait until it has left it */
	spin_lock_irq(&ac->lock);
	spin_unlock_irq(&ac->lock);

	dm_put_device(ti, ac->dev);
	azlx_conf_drop(&ac->conf);
	mutex_destroy(&ac->conf_lock);
	free_percpu(ac->pcpu);
	kfree(ac);
}

/*
 * Suspending (and table reloads, which suspend the old table) must not wait
 * for the budget: everything queued goes now, in class order, and until
 * resume bios pass straight through. All of it is charged, so the buckets
 * owe (up to a second of budget) and pacing makes up for it after resume.
 */
static void azlx_presuspend(struct dm_target *ti)
{
	struct azlx_c *ac = ti->private;
	struct bio_list out = BIO_EMPTY_LIST;

	spin_lock_irq(&ac->lock);
	ac->bypass = true;
	azlx_fast_reclaim(ac);
	azlx_dispatch(ac, &out, ktime_get_ns(), UINT_MAX);
	/* submitters waiting for room pass too: suspend waits for them */
	azlx_wake_all(ac);
	spin_unlock_irq(&ac->lock);
	hrtimer_cancel(&ac->timer);
	azlx_submit(&out);
}

static void azlx_presuspend_undo(struct dm_target *ti)
{
	struct azlx_c *ac = ti->private;

	spin_lock_irq(&ac->lock);
	ac->bypass = false;
	spin_unlock_irq(&ac->lock);
}

static void azlx_postsuspend(struct dm_target *ti)
{
	struct azlx_c *ac = ti->private;

	spin_lock_irq(&ac->lock);
	ac->suspended = true;
	ac->stopped = true;
	spin_unlock_irq(&ac->lock);
	hrtimer_cancel(&ac->timer);
	cancel_work_sync(&ac->work);
}

static void azlx_dim_inherit(struct azlx_dim *d, const struct azlx_dim *old)
{
	d->base.level = min(old->base.level, d->base.cap);
	d->base.rem = old->base.rem;
	if (d->burst && old->burst) {
		d->peak.level = min(old->peak.level, d->peak.cap);
		d->peak.rem = old->peak.rem;
	}
	d->credit = clamp(old->credit, 0LL, d->credit_cap);
}

/*
 * A table replacing another on the same device and sector takes over its
 * buckets and counters: a reload neither refills the credit nor forgets a
 * debt, and the counters keep counting.
 */
static int azlx_preresume(struct dm_target *ti)
{
	struct azlx_c *ac = ti->private, *o;
	struct azlx_carry carry;
	bool found = false;

	if (!ac->fresh)
		return 0;
	mutex_lock(&azlx_instances_lock);
	list_for_each_entry(o, &azlx_instances, node) {
		if (o == ac || o->md != ac->md || o->ti->begin != ti->begin || o->fresh)
			continue;
		spin_lock_irq(&o->lock);
		found = o->suspended;
		if (found) {
			carry.units = o->units;
			carry.bytes = o->bytes;
			carry.last_ns = o->last_ns;
			carry.scale = o->scale;
			carry.lat_slow = o->lat_slow;
			carry.slow_periods = o->slow_periods;
			carry.stats = o->stats;
			azlx_stats_sum(o, &carry.stats);
		}
		spin_unlock_irq(&o->lock);
		if (found)
			break;
	}
	mutex_unlock(&azlx_instances_lock);
	if (!found)
		return 0;

	spin_lock_irq(&ac->lock);
	azlx_dim_inherit(&ac->units, &carry.units);
	azlx_dim_inherit(&ac->bytes, &carry.bytes);
	ac->last_ns = carry.last_ns;
	ac->adapt_ns = carry.last_ns;
	/* what the loop learnt about the disk holds for the new table too */
	if (ac->lat_target_ns) {
		ac->scale = carry.scale;
		ac->lat_slow = carry.lat_slow;
		ac->slow_periods = carry.slow_periods;
	}
	ac->stats = carry.stats;
	spin_unlock_irq(&ac->lock);
	return 0;
}

static void azlx_resume(struct dm_target *ti)
{
	struct azlx_c *ac = ti->private;

	spin_lock_irq(&ac->lock);
	ac->bypass = false;
	ac->suspended = false;
	ac->stopped = false;
	ac->fresh = false;
	if (ac->nqueued || ac->ncapq)
		azlx_kick(ac);
	spin_unlock_irq(&ac->lock);
}

/* " key=<path>", escaped as azlx_unescape() reads it */
static unsigned int azlx_emit_path(char *result, unsigned int maxlen, unsigned int sz,
				   const char *key, const char *path)
{
	DMEMIT(" %s=", key);
	for (; *path; path++) {
		if (*path == '\\')
			DMEMIT("\\\\");
		else if (isspace(*path) || iscntrl(*path) || *path == ':')
			DMEMIT("\\%03o", (unsigned char)*path);
		else
			DMEMIT("%c", *path);
	}
	return sz;
}

static void azlx_emit_table(struct azlx_c *ac, char *result, unsigned int maxlen,
			    unsigned int sz)
{
	const struct azlx_conf *c = &ac->conf;
	unsigned int i;

	DMEMIT("%s %llu %llu %llu", ac->dev->name, (unsigned long long)ac->start,
	       c->iops, c->mbps);
	if (c->burst_iops)
		DMEMIT(" burst_iops=%llu", c->burst_iops);
	if (c->burst_mbps)
		DMEMIT(" burst_mbps=%llu", c->burst_mbps);
	if ((c->burst_iops || c->burst_mbps) && c->burst_secs != AZLX_DEF_BURST_SECS)
		DMEMIT(" burst_secs=%llu", c->burst_secs);
	if (c->credit_pct)
		DMEMIT(" credit_pct=%llu", c->credit_pct);
	if (c->unit_kb != AZLX_DEF_UNIT_KB)
		DMEMIT(" unit_kb=%llu", c->unit_kb);
	if (c->fraction != AZLX_DEF_FRACTION)
		DMEMIT(" fraction=%llu", c->fraction);
	if (c->max_wait_ms != AZLX_DEF_MAX_WAIT_MS)
		DMEMIT(" max_wait_ms=%llu", c->max_wait_ms);
	if (c->inflight_ms != AZLX_DEF_INFLIGHT_MS)
		DMEMIT(" inflight_ms=%llu", c->inflight_ms);
	if (c->max_held != AZLX_DEF_MAX_HELD)
		DMEMIT(" max_held=%llu", c->max_held);
	if (c->max_held_cgroup != AZLX_DEF_MAX_HELD_CG)
		DMEMIT(" max_held_cgroup=%llu", c->max_held_cgroup);
	if (c->lat_target_us)
		DMEMIT(" lat_target_us=%llu", c->lat_target_us);
	for (i = 0; i < c->crit.n; i++)
		sz = azlx_emit_path(result, maxlen, sz, "critical", c->crit.path[i]);
	for (i = 0; i < c->cap.n; i++) {
		sz = azlx_emit_path(result, maxlen, sz, "cap", c->cap.path[i]);
		DMEMIT(":%llu", c->cap.iops[i]);
	}
}

/* " name=critical/read/write/async" */
static unsigned int azlx_emit_classes(char *result, unsigned int maxlen, unsigned int sz,
				      const char *name, const u64 *v)
{
	DMEMIT(" %s=%llu/%llu/%llu/%llu", name, v[AZLX_CRIT], v[AZLX_READ], v[AZLX_WRITE],
	       v[AZLX_ASYNC]);
	return sz;
}

static void azlx_status(struct dm_target *ti, status_type_t type,
			unsigned int status_flags, char *result, unsigned int maxlen)
{
	struct azlx_c *ac = ti->private;
	u64 depth[AZLX_NR_CLASSES], held[AZLX_NR_CLASSES];
	s64 tok_u, tok_b, cred_u, cred_b;
	u64 infl, infl_max, infl_b, infl_bmax;
	struct azlx_stats st;
	u64 wait_us[AZLX_NR_CLASSES];
	unsigned int sz = 0, i, capq, waiting, scale;
	bool bypass;

	switch (type) {
	case STATUSTYPE_INFO:
		spin_lock_irq(&ac->lock);
		azlx_fast_reclaim(ac);
		azlx_refill(ac, ktime_get_ns());
		tok_u = ac->units.base.level;
		tok_b = ac->bytes.base.level;
		cred_u = ac->units.credit;
		cred_b = ac->bytes.credit;
		infl = atomic64_read(&ac->inflight);
		infl_b = atomic64_read(&ac->inflight_bytes);
		infl_bmax = azlx_window_bytes_now(ac);
		infl_max = azlx_window_now(ac);
		scale = ac->scale;
		for (i = 0; i < AZLX_NR_CLASSES; i++) {
			depth[i] = ac->depth[i];
			held[i] = ac->held[i];
		}
		waiting = ac->nwaiting;
		st = ac->stats;
		bypass = ac->bypass;
		capq = ac->ncapq;
		spin_unlock_irq(&ac->lock);
		azlx_stats_sum(ac, &st);
		for (i = 0; i < AZLX_NR_CLASSES; i++)
			wait_us[i] = div_u64(st.max_wait_ns[i], NSEC_PER_USEC);
		DMEMIT("tokens=%lld/%lld credit=%lld/%lld",
		       div_s64(tok_u, AZLX_MILLI), tok_b, div_s64(cred_u, AZLX_MILLI), cred_b);
		sz = azlx_emit_classes(result, maxlen, sz, "queued", depth);
		sz = azlx_emit_classes(result, maxlen, sz, "dispatched", st.dispatched);
		sz = azlx_emit_classes(result, maxlen, sz, "delayed", st.delayed);
		sz = azlx_emit_classes(result, maxlen, sz, "promoted", st.promoted);
		sz = azlx_emit_classes(result, maxlen, sz, "max_wait_us", wait_us);
		DMEMIT(" capped=%u/%llu", capq, st.capped);
		DMEMIT(" flushes=%llu units=%llu bytes=%llu state=%s", st.flushes, st.units,
		       st.bytes, bypass ? "bypass" : "pacing");
		/* a bio goes while the window is not full: up to its size past it */
		DMEMIT(" inflight=%llu/%llu", DIV_ROUND_UP_ULL(infl, AZLX_MILLI),
		       DIV_ROUND_UP_ULL(infl_max, AZLX_MILLI));
		sz = azlx_emit_classes(result, maxlen, sz, "held", held);
		sz = azlx_emit_classes(result, maxlen, sz, "held_peak", st.held_peak);
		DMEMIT(" held_cgroup_peak=%llu throttled=%u/%llu again=%llu overbound=%llu",
		       st.held_cg_peak, waiting, st.throttled, st.again, st.overbound);
		DMEMIT(" fast=%llu inflight_bytes=%llu/%llu", st.fast, infl_b, infl_bmax);
		DMEMIT(" window_pct=%u timed=%llu slow=%llu shrinks=%llu grows=%llu",
		       DIV_ROUND_UP(scale * 100, AZLX_SCALE_ONE), st.timed, st.slow,
		       st.shrinks, st.grows);
		break;
	case STATUSTYPE_TABLE:
		mutex_lock(&ac->conf_lock);
		azlx_emit_table(ac, result, maxlen, sz);
		mutex_unlock(&ac->conf_lock);
		break;
	case STATUSTYPE_IMA:
		DMEMIT_TARGET_NAME_VERSION(ti->type);
		mutex_lock(&ac->conf_lock);
		DMEMIT(",device_name=%s,start=%llu,iops=%llu,mbps=%llu;", ac->dev->name,
		       (unsigned long long)ac->start, ac->conf.iops, ac->conf.mbps);
		mutex_unlock(&ac->conf_lock);
		break;
	}
}

static void azlx_clear_stats(struct azlx_c *ac)
{
	struct azlx_stats *st = &ac->stats;
	unsigned int i;

	spin_lock_irq(&ac->lock);
	/* the per-CPU counters count on: their sums are taken off */
	memset(st, 0, sizeof(*st));
	azlx_stats_sum(ac, st);
	for (i = 0; i < AZLX_NR_CLASSES; i++)
		st->dispatched[i] = -st->dispatched[i];
	st->units = -st->units;
	st->bytes = -st->bytes;
	st->flushes = -st->flushes;
	st->fast = -st->fast;
	st->timed = -st->timed;
	st->slow = -st->slow;
	spin_unlock_irq(&ac->lock);
}

/*
 * Messages: set KEY=VALUE..., budget IOPS MBPS, fraction PCT,
 * critical PATH[:PATH...]|none, cap PATH:IOPS...|none, clear_stats.
 * All or nothing: on any error the configuration is unchanged.
 */
static const char *azlx_parse_message(struct azlx_parse *p, unsigned int argc, char **argv)
{
	const char *err = NULL;
	unsigned int i;

	if (!strcasecmp(argv[0], "set")) {
		if (argc < 2)
			return "set: expected key=value ...";
		for (i = 1; !err && i < argc; i++)
			err = azlx_parse_arg(p, argv[i]);
	} else if (!strcasecmp(argv[0], "budget")) {
		if (argc != 3)
			return "budget: expected <iops> <mbps>";
		p->bad = argv[1];
		err = azlx_parse_num(p, AZLX_OPT_IOPS, argv[1]);
		if (!err) {
			p->bad = argv[2];
			err = azlx_parse_num(p, AZLX_OPT_MBPS, argv[2]);
		}
	} else if (!strcasecmp(argv[0], "fraction")) {
		if (argc != 2)
			return "fraction: expected <percent>";
		p->bad = argv[1];
		err = azlx_parse_num(p, AZLX_OPT_FRACTION, argv[1]);
	} else if (!strcasecmp(argv[0], "critical")) {
		if (argc != 2)
			return "critical: expected <path>[:<path>...] or none";
		p->bad = argv[1];
		err = azlx_parse_crit(p, argv[1]);
	} else if (!strcasecmp(argv[0], "cap")) {
		if (argc < 2)
			return "cap: expected <path>:<iops> ... or none";
		for (i = 1; !err && i < argc; i++) {
			p->bad = argv[i];
			err = azlx_parse_cap(p, argv[i]);
		}
	} else {
		p->bad = argv[0];
		err = azlx_e_unknown[2];
	}
	return err;
}

static int azlx_message(struct dm_target *ti, unsigned int argc, char **argv,
			char *result, unsigned int maxlen)
{
	struct azlx_c *ac = ti->private;
	struct azlx_parse p = { .message = true };
	struct azlx_conf *next, *old;
	const char *err;
	int r;

	if (!strcasecmp(argv[0], "clear_stats") && argc == 1) {
		azlx_clear_stats(ac);
		return 0;
	}

	next = kmalloc_array(2, sizeof(*next), GFP_KERNEL);
	if (!next)
		return -ENOMEM;
	old = next + 1;
	p.conf = next;
	mutex_lock(&ac->conf_lock);
	r = azlx_conf_dup(next, &ac->conf);
	if (r)
		goto out;
	r = -EINVAL;
	err = azlx_parse_message(&p, argc, argv);
	if (!err)
		err = azlx_conf_check(next);
	if (!err)
		err = azlx_conf_check_dev(next, ac->dev);
	if (!err)
		r = azlx_conf_resolve(&p, &err);
	if (err) {
		if (p.bad)
			DMERR("%s: message rejected: %s: '%s'", dm_device_name(ac->md),
			      err, p.bad);
		else
			DMERR("%s: message rejected: %s", dm_device_name(ac->md), err);
		azlx_conf_drop(next);
		r = r ? r : -EINVAL;
		if (p.nomem)
			r = -ENOMEM;
		goto out;
	}

	*old = ac->conf;
	spin_lock_irq(&ac->lock);
	azlx_fast_reclaim(ac);
	azlx_refill(ac, ktime_get_ns());
	ac->conf = *next;
	azlx_apply(ac, &ac->conf, false);
	/* credit_pct in a message: the credit is that share of a full one now */
	if (test_bit(AZLX_OPT_CREDIT_PCT, &p.seen)) {
		ac->units.credit = mul_u64_u64_div_u64(ac->units.credit_cap, next->credit_pct, 100);
		ac->bytes.credit = mul_u64_u64_div_u64(ac->bytes.credit_cap, next->credit_pct, 100);
	}
	/* The rates changed: let the worker recompute when to dispatch. */
	if (ac->nqueued || ac->ncapq)
		azlx_kick(ac);
	/* and the bounds may have: waiting submitters look again */
	azlx_wake_all(ac);
	spin_unlock_irq(&ac->lock);
	/* azlx_map() may still be classifying with the old cgroups */
	synchronize_rcu();
	azlx_conf_drop(old);
out:
	mutex_unlock(&ac->conf_lock);
	kfree(next);
	return r;
}

static int azlx_iterate_devices(struct dm_target *ti, iterate_devices_callout_fn fn,
				void *data)
{
	struct azlx_c *ac = ti->private;

	return fn(ti, ac->dev, ac->start, ti->len, data);
}

static struct target_type azlx_target = {
	.name			= "azlx",
	.version		= {1, 3, 0},
	.features		= DM_TARGET_NOWAIT,
	.module			= THIS_MODULE,
	.ctr			= azlx_ctr,
	.dtr			= azlx_dtr,
	.map			= azlx_map,
	.end_io			= azlx_end_io,
	.presuspend		= azlx_presuspend,
	.presuspend_undo	= azlx_presuspend_undo,
	.postsuspend		= azlx_postsuspend,
	.preresume		= azlx_preresume,
	.resume			= azlx_resume,
	.status			= azlx_status,
	.message		= azlx_message,
	.iterate_devices	= azlx_iterate_devices,
};

static int __init azlx_init(void)
{
	int r;

	/* unbound: a dispatch runs on any CPU, not behind the submitter's */
	azlx_wq = alloc_workqueue("dm-azlx", WQ_UNBOUND | WQ_MEM_RECLAIM | WQ_HIGHPRI, 0);
	if (!azlx_wq)
		return -ENOMEM;
	r = dm_register_target(&azlx_target);
	if (r) {
		DMERR("cannot register the target: %d", r);
		goto err_destroy_wq;
	}
	return 0;

err_destroy_wq:
	destroy_workqueue(azlx_wq);
	return r;
}

static void __exit azlx_exit(void)
{
	dm_unregister_target(&azlx_target);
	destroy_workqueue(azlx_wq);
}

module_init(azlx_init);
module_exit(azlx_exit);

MODULE_DESCRIPTION(DM_NAME " target pacing I/O to an Azure disk's budget, with priorities");
MODULE_LICENSE("GPL");
MODULE_AUTHOR("azlxnet developers");
