/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * azlxnet tune, plan.c: the rules: from the node, the configuration and the
 * budgets, the items with their new values and reasons (item.c reads and
 * compares the values, planprint.c prints the plan).
 */
#ifndef __AZLXNET_TUNE_PLAN_H
#define __AZLXNET_TUNE_PLAN_H

#include <stdbool.h>
#include <stddef.h>

#include "budget.h"
#include "detect.h"
#include "imds.h"
#include "item.h"
#include "tconf.h"

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

#endif /* __AZLXNET_TUNE_PLAN_H */
