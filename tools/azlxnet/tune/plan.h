/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * azlxnet tune, plan.c: the rules: current value, new value, reason.
 */
#ifndef __AZLXNET_TUNE_PLAN_H
#define __AZLXNET_TUNE_PLAN_H

#include <stdbool.h>
#include <stddef.h>

#include "budget.h"
#include "detect.h"
#include "ethtool.h"
#include "imds.h"
#include "tconf.h"

enum azlx_item_kind {
	AZLX_ITEM_FILE,		/* a sysfs/procfs attribute */
	AZLX_ITEM_ETHTOOL,
	AZLX_ITEM_MODULE,	/* load azlxnet */
	AZLX_ITEM_CONFFILE,	/* a configuration file written whole (modprobe.d) */
};

struct azlx_item {
	enum azlx_item_kind	kind;
	char			area[16];	/* "nic", "vmbus", "irq", "sysctl", "disk", "module" */
	char			object[AZLX_NAME_MAX];	/* "eth0", "sda", "vmbus 1a2b...", ... */
	char			setting[96];	/* "channels combined", "queue/scheduler" */
	char			path[256];	/* FILE/CONFFILE: the file; ETHTOOL: dev */
	char			needs[256];	/* what must exist at apply: a directory */
	enum azlx_eth_setting	eth;
	bool			pending;	/* created by an earlier item (new queues) */
	bool			cur_known;
	char			cur[256];
	char			new[256];
	char			*content;	/* CONFFILE: the new content */
	char			reason[256];
	char			rule[32];
	bool			change;
	int			value_type;	/* AZLX_VT_* */
	/* changing it interrupts traffic for a moment; why (NULL if not) */
	const char		*disruption;
};

enum azlx_value_type {
	AZLX_VT_STRING,		/* compared as text, blanks folded */
	AZLX_VT_INT,
	AZLX_VT_CPULIST,
	AZLX_VT_CPUMASK,
	AZLX_VT_SELECTOR,	/* "[none] mq-deadline": the bracketed word */
	AZLX_VT_ONOFF,
};

struct azlx_plan {
	struct azlx_item	*items;
	int			n, cap;
	enum azlx_profile	profile;
	char			**notes;	/* what could not be known or done */
	int			nnotes;
};

struct azlx_plan_opts {
	bool	persist;	/* write /etc/modprobe.d/azlxnet.conf */
	bool	no_disruptive;	/* leave out what interrupts traffic */
};

int azlx_plan_build(const struct azlx_node *n, const struct azlx_imds *m,
		    const struct azlx_tconf *c, const struct azlx_plan_opts *o,
		    struct azlx_plan *p);
void azlx_plan_free(struct azlx_plan *p);
int azlx_plan_changes(const struct azlx_plan *p);
/* Changes that interrupt traffic for a moment (item.disruption set). */
int azlx_plan_disruptive(const struct azlx_plan *p);
void azlx_plan_print(const struct azlx_plan *p, bool all);
/* Reads the current value of @it into @buf; 0 or -errno. */
int azlx_item_read(const struct azlx_item *it, char *buf, size_t len, char *err, size_t err_len);
/* True if the values @a and @b of @it's type are the same. */
bool azlx_value_equal(int type, const char *a, const char *b);
/* The disk's budget, from IMDS, the config or AKS defaults. */
void azlx_disk_budget(const struct azlx_node *n, const struct azlx_imds *m,
		      const struct azlx_tconf *c, const struct azlx_disk *d,
		      struct azlx_budget *b);

#endif /* __AZLXNET_TUNE_PLAN_H */
