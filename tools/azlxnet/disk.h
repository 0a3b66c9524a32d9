/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * azlxnet disk: Azure disk budgets, the dm-azlx pacer and disk telemetry.
 *
 *   disk.c     the commands: show, pace, unpace, record (and the table of them)
 *   pacer.c    dm-azlx mappings through libdevmapper: list, create, remove,
 *              and the target's table and status lines
 *   disktel.c  the BPF latency telemetry (bpf/disklat.bpf.c) and disk top
 *   diskcredit.c  the burst credit carried from a mapping to the next
 */
#ifndef __AZLXNET_DISK_H
#define __AZLXNET_DISK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- options of "disk", parsed by main() with the others ---------------- */

enum {
	AZLX_OPT_DISK_FIRST = 0x300,
	AZLX_OPT_BUDGET = AZLX_OPT_DISK_FIRST,
	AZLX_OPT_FRACTION,
	AZLX_OPT_CRITICAL,
	AZLX_OPT_NAME,
	AZLX_OPT_INTERVAL,
	AZLX_OPT_LAT_TARGET,
	AZLX_OPT_CREDIT,
	AZLX_OPT_DISK_LAST = AZLX_OPT_CREDIT,
};

#define AZLX_DISK_LONG_OPTS						\
	{ "budget",	required_argument,	NULL, AZLX_OPT_BUDGET },	\
	{ "fraction",	required_argument,	NULL, AZLX_OPT_FRACTION },	\
	{ "critical",	required_argument,	NULL, AZLX_OPT_CRITICAL },	\
	{ "name",	required_argument,	NULL, AZLX_OPT_NAME },		\
	{ "interval",	required_argument,	NULL, AZLX_OPT_INTERVAL },	\
	{ "lat-target",	required_argument,	NULL, AZLX_OPT_LAT_TARGET },	\
	{ "credit",	required_argument,	NULL, AZLX_OPT_CREDIT }

struct azlx_disk_opts {
	const char	*given;		/* the first one given, as typed */
	const char	*budget, *fraction, *critical, *name, *interval;
	const char	*lat_target, *credit;
};

extern struct azlx_disk_opts azlx_disk_opts;

void azlx_disk_set_opt(int opt, const char *arg, const char *name);

int azlx_do_disk(int argc, char **argv);

/* ---- pacer.c -------------------------------------------------------------- */

#define AZLX_PACER_TARGET	"azlx"
#define AZLX_PACER_CLASSES	4	/* critical, read, write, async */
#define AZLX_PACER_NAME_MAX	128

extern const char *const azlx_pacer_class_names[AZLX_PACER_CLASSES];

/* What the target's table says (dmsetup table, normalised by the target). */
struct azlx_pacer_table {
	unsigned int	dev_major, dev_minor;	/* the disk below */
	uint64_t	offset;			/* sectors */
	long		iops, mbps;
	long		burst_iops, burst_mbps;	/* 0: no bursting */
	long		burst_secs;
	long		unit_kb;
	long		fraction;		/* percent */
	long		max_wait_ms;
	long		inflight_ms;		/* 0: the module's default */
	long		credit_pct;		/* credit a new table starts with, percent */
	long		lat_target_us;		/* completion latency target; 0: none */
	char		critical[1024];		/* "/a:/b", "" for none */
	char		caps[1024];		/* "/a:100 /b:50", "" for none */
	char		other[1024];		/* keys of a newer module, as given */
};

/* One dmsetup status line of the target. */
struct azlx_pacer_status {
	long long	tokens_ios, tokens_bytes;
	long long	credit_ios, credit_bytes;
	uint64_t	queued[AZLX_PACER_CLASSES];
	uint64_t	dispatched[AZLX_PACER_CLASSES];
	uint64_t	delayed[AZLX_PACER_CLASSES];
	uint64_t	promoted[AZLX_PACER_CLASSES];
	uint64_t	max_wait_us[AZLX_PACER_CLASSES];
	uint64_t	capped_now, capped_total;
	uint64_t	flushes, units, bytes;
	char		state[16];		/* "pacing", "bypass" */
	long long	inflight, inflight_max;	/* units at the disk / window; -1: not reported */
	/* the closed loop (1.3): all five fields, or none from an older module */
	bool		has_adapt;
	uint64_t	window_pct;		/* the window's scale now, 1..100 */
	uint64_t	timed, slow;		/* completions timed; slower than the target */
	uint64_t	shrinks, grows;		/* window changes */
};

struct azlx_pacer {
	char				name[AZLX_PACER_NAME_MAX];	/* dm name */
	unsigned int			major, minor;		/* of the mapping */
	char				disk[64];	/* "sdb", "sda2"; "" if gone */
	uint64_t			sectors;	/* length of the mapping */
	int				open_count;
	bool				suspended;
	struct azlx_pacer_table		table;
	struct azlx_pacer_status	status;
};

/*
 * Parses the target's parameters as dmsetup table / status print them
 * (after "<start> <len> azlx "). 0, or -EINVAL naming the field in @err.
 */
int azlx_pacer_table_parse(const char *params, struct azlx_pacer_table *t,
			   char *err, size_t err_len);
int azlx_pacer_status_parse(const char *params, struct azlx_pacer_status *s,
			    char *err, size_t err_len);
/*
 * The table's parameters as the target prints them (its defaults left out,
 * its keys in its order): what azlx_pacer_table_parse() read from them.
 */
void azlx_pacer_table_format(const struct azlx_pacer_table *t, char *buf, size_t len);

/*
 * Every mapping whose (single) target is "azlx", sorted by name; free()
 * *@out. 0, or a negative errno with @err set. No device-mapper at all is
 * an empty list.
 */
int azlx_pacer_list(struct azlx_pacer **out, int *n, char *err, size_t err_len);
/* True when device-mapper is loaded (a mapping may exist). */
bool azlx_pacer_present(void);
/* Loads dm-mod (libkmod) unless it is there; 0 or -errno with @err set. */
int azlx_pacer_load(char *err, size_t err_len);
/* One mapping by dm name; -ENOENT if absent, -EMEDIUMTYPE if not an azlx mapping. */
int azlx_pacer_get(const char *name, struct azlx_pacer *p, char *err, size_t err_len);
/* Creates mapping @name over the whole of /dev/@disk with @params; 0 or -errno. */
int azlx_pacer_create(const char *name, const char *disk, uint64_t sectors,
		      const char *params, char *err, size_t err_len);
/* Removes mapping @name; -EBUSY if it is open. */
int azlx_pacer_remove(const char *name, char *err, size_t err_len);

/* ---- diskcredit.c: the burst credit carried from a mapping to the next ---- */

#define AZLX_CREDIT_DIR		"/var/lib/azlxnet/disk"

/* The budget a credit estimate is of: a table's (burst 0: none) */
struct azlx_credit_budget {
	long		iops, mbps, burst_iops, burst_mbps, burst_secs;
};

/* One state file (the format: diskcredit.c) */
struct azlx_credit {
	struct azlx_credit_budget	budget;
	long				pct;		/* 0..100 of a full credit */
	long long			time;		/* CLOCK_REALTIME seconds */
	char				disk[64];
	char				mapping[AZLX_PACER_NAME_MAX];
};

/*
 * The state file's ID of block device @name (@parent its whole disk): the
 * disk's WWID made a file name, "-partN" for a partition, else @name.
 */
void azlx_credit_id(const char *name, const char *parent, char *buf, size_t len);
/* AZLX_CREDIT_DIR/ID.credit (a path under the root) */
void azlx_credit_path(const char *id, char *buf, size_t len);
/*
 * The target's credit=IOS/BYTES as percent of a full credit of @b, the
 * smaller of the two, rounded down, 0..100; -1 when @b does not burst.
 */
long azlx_credit_pct_of(const struct azlx_credit_budget *b, long long credit_ios,
			long long credit_bytes);
/*
 * @pct plus what Azure refills in @elapsed idle seconds (the baseline rate,
 * of a full credit, the slower dimension's), rounded down, 0..100.
 */
long azlx_credit_refill(const struct azlx_credit_budget *b, long pct, long long elapsed);
/* The file's text into @buf; its length or -ENAMETOOLONG. */
int azlx_credit_format(const struct azlx_credit *c, char *buf, size_t len);
/* 0, or -EINVAL with the reason in @err */
int azlx_credit_parse(const char *text, struct azlx_credit *c, char *err, size_t err_len);
/* Writes the file of @id (atomically, mode 0644); 0 or -errno with @err set. */
int azlx_credit_save(const char *id, const struct azlx_credit *c, char *err, size_t err_len);
/*
 * Reads the file of @id into @c and, when it is for budget @b and not from
 * after @now, the credit a new mapping starts with into *@pct (refilled):
 * 0. -ENOENT without a file (@why untouched); else a negative errno with
 * the reason it is ignored in @why: malformed (-EINVAL), another budget
 * (-ESTALE), from the future (-ERANGE), unreadable.
 */
int azlx_credit_load(const char *id, const struct azlx_credit_budget *b, long long now,
		     struct azlx_credit *c, long *pct, char *why, size_t why_len);
/* CLOCK_REALTIME, seconds */
long long azlx_credit_now(void);

#endif /* __AZLXNET_DISK_H */
