/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * azlxnet disk: Azure disk budgets, the dm-azlx pacer and disk telemetry.
 *
 *   disk.c     the commands: show, pace, unpace (and the table of them)
 *   pacer.c    dm-azlx mappings through libdevmapper: list, create, remove,
 *              and the target's table and status lines
 *   disktel.c  the BPF latency telemetry (bpf/disklat.bpf.c) and disk top
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
	AZLX_OPT_DISK_LAST = AZLX_OPT_INTERVAL,
};

#define AZLX_DISK_LONG_OPTS						\
	{ "budget",	required_argument,	NULL, AZLX_OPT_BUDGET },	\
	{ "fraction",	required_argument,	NULL, AZLX_OPT_FRACTION },	\
	{ "critical",	required_argument,	NULL, AZLX_OPT_CRITICAL },	\
	{ "name",	required_argument,	NULL, AZLX_OPT_NAME },		\
	{ "interval",	required_argument,	NULL, AZLX_OPT_INTERVAL }

struct azlx_disk_opts {
	const char	*given;		/* the first one given, as typed */
	const char	*budget, *fraction, *critical, *name, *interval;
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

#endif /* __AZLXNET_DISK_H */
