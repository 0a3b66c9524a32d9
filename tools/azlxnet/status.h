/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * azlxnet status: the module, its configuration and its kfuncs at a glance.
 */
#ifndef __AZLXNET_STATUS_H
#define __AZLXNET_STATUS_H

#include "genl.h"
#include "kfunc.h"

void azlx_status_print(const struct azlx_info_version *ver,
		       const struct azlx_info_config *cfg,
		       const struct azlx_kfunc_result *kf);

#endif /* __AZLXNET_STATUS_H */
