/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * azlxnet tune, planprint.c: the plan as text or JSON.
 */
#ifndef __AZLXNET_TUNE_PLANPRINT_H
#define __AZLXNET_TUNE_PLANPRINT_H

#include <stdbool.h>

#include "plan.h"

/* The changes (every item with @all, and always in JSON) and the notes. */
void azlx_plan_print(const struct azlx_plan *p, bool all);

#endif /* __AZLXNET_TUNE_PLANPRINT_H */
