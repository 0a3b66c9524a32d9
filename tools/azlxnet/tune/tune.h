/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * azlxnet tune: detect what an Azure node is, plan its tuning from Azure's
 * published numbers, apply the plan transactionally and revert it exactly.
 *
 *   detect.c  the node: hypervisor, CPUs, NUMA, NIC pairs, VMBus, disks
 *   imds.c    the Instance Metadata Service (libcurl) and its JSON
 *   budget.c  disk and VM-size IOPS / MB/s budgets
 *   tconf.c   /etc/azlxnet/azlxnet.conf (inih)
 *   ethtool.c channels, rings and features over ethtool netlink
 *   plan.c    the rules: new value and reason of each item
 *   item.c    an item's current value, and comparing values
 *   planprint.c the plan as text or JSON
 *   apply.c   lock, state file, apply with rollback, revert
 *   tune.c    the commands tune plan, apply, revert, show and detect, and
 *             their options
 *   tfs.c     every sysfs/procfs access, under --root
 *
 * Each has a header of its own; this one is the commands'.
 */
#ifndef __AZLXNET_TUNE_TUNE_H
#define __AZLXNET_TUNE_TUNE_H

#include <getopt.h>
#include <stdbool.h>

#include "detect.h"
#include "imds.h"
#include "tconf.h"

/*
 * Options of tune and disk, parsed by main() with the others; each tune
 * command refuses those it does not take.
 */
enum {
	AZLX_OPT_TUNE_FIRST = 0x100,
	AZLX_OPT_DRY_RUN = AZLX_OPT_TUNE_FIRST,
	AZLX_OPT_PROFILE,
	AZLX_OPT_ROOT,
	AZLX_OPT_STATE_DIR,
	AZLX_OPT_CONFIG,
	AZLX_OPT_IMDS_FILE,
	AZLX_OPT_NO_IMDS,
	AZLX_OPT_PERSIST,
	AZLX_OPT_ALL,
	AZLX_OPT_NO_DISRUPTIVE,
	AZLX_OPT_TUNE_LAST = AZLX_OPT_NO_DISRUPTIVE,
};

#define AZLX_TUNE_LONG_OPTS						\
	{ "dry-run",	no_argument,		NULL, AZLX_OPT_DRY_RUN },	\
	{ "profile",	required_argument,	NULL, AZLX_OPT_PROFILE },	\
	{ "root",	required_argument,	NULL, AZLX_OPT_ROOT },		\
	{ "state-dir",	required_argument,	NULL, AZLX_OPT_STATE_DIR },	\
	{ "config",	required_argument,	NULL, AZLX_OPT_CONFIG },	\
	{ "imds-file",	required_argument,	NULL, AZLX_OPT_IMDS_FILE },	\
	{ "no-imds",	no_argument,		NULL, AZLX_OPT_NO_IMDS },	\
	{ "persist",	no_argument,		NULL, AZLX_OPT_PERSIST },	\
	{ "all",	no_argument,		NULL, AZLX_OPT_ALL },		\
	{ "no-disruptive", no_argument,		NULL, AZLX_OPT_NO_DISRUPTIVE }

#define AZLX_TUNE_NOPTS	(AZLX_OPT_TUNE_LAST - AZLX_OPT_TUNE_FIRST + 1)

struct azlx_tune_opts {
	bool		given;		/* any of them */
	const char	*name;		/* the first one given, for usage errors */
	const char	*names[AZLX_TUNE_NOPTS];	/* each as typed; NULL: not given */
	int		seq[AZLX_TUNE_NOPTS];		/* and when (1: first) */
	int		count;
	bool		dry_run, no_imds, persist, all, no_disruptive;
	const char	*profile, *root, *state_dir, *config, *imds_file;
};

extern struct azlx_tune_opts azlx_tune_opts;

/* Records option @opt (AZLX_OPT_*); @name as typed. */
void azlx_tune_set_opt(int opt, const char *arg, const char *name);

struct azlx_record;

/*
 * What "tune show" reads: the state of tune apply (in its directory, under
 * --root) and each recorded value now, into @r (azlx_record_free()). An
 * exit code (printed).
 */
int azlx_tune_record(struct azlx_record *r);
/* How many values of @r no longer hold what apply wrote: the drift. */
int azlx_record_drifted(const struct azlx_record *r);

/* azlxnet tune { plan | apply | revert | show | detect } */
int azlx_do_tune(int argc, char **argv);
/* azlxnet revert and detect: the spellings before "tune revert" and "tune detect" */
int azlx_do_revert(int argc, char **argv);
int azlx_do_detect(int argc, char **argv);
/* --root, --config, --profile: the common start of plan, apply, detect, disk; exit code. */
int azlx_tune_setup(struct azlx_tconf *c);
/* IMDS: --imds-file, the service (on Azure only) or nothing; never fatal. */
int azlx_tune_imds(const struct azlx_node *n, const struct azlx_tconf *c, struct azlx_imds *m);
/* azlx_tune_setup(), azlx_detect() and azlx_tune_imds(); @n is freed on error. */
int azlx_tune_node(struct azlx_tconf *c, struct azlx_node *n, struct azlx_imds *m);
/* A usage error if @argc words are left after command @cmd. */
int azlx_no_args(const char *cmd, int argc, char **argv);

#endif /* __AZLXNET_TUNE_TUNE_H */
