/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * azlxnet tune, item.c: an item of the plan, reading its current value and
 * comparing values.
 */
#ifndef __AZLXNET_TUNE_ITEM_H
#define __AZLXNET_TUNE_ITEM_H

#include <stdbool.h>
#include <stddef.h>

#include "ethtool.h"
#include "tfs.h"

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

/* Reads the current value of @it into @buf; 0 or -errno. */
int azlx_item_read(const struct azlx_item *it, char *buf, size_t len, char *err, size_t err_len);
/* True if the values @a and @b of @it's type are the same. */
bool azlx_value_equal(int type, const char *a, const char *b);
/* The bracketed word of "[none] mq-deadline kyber" into @out; 0 or -EINVAL. */
int azlx_selector(const char *raw, char *out, size_t len);
/* True if the selector @raw offers @word. */
bool azlx_selector_offers(const char *raw, const char *word);

#endif /* __AZLXNET_TUNE_ITEM_H */
