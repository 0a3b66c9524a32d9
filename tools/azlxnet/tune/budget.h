/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * azlxnet tune, budget.c: disk and VM-size IOPS / MB/s budgets.
 */
#ifndef __AZLXNET_TUNE_BUDGET_H
#define __AZLXNET_TUNE_BUDGET_H

#include <stdbool.h>

struct azlx_budget {
	bool		known;
	char		tier[24];	/* "P10", "E10", "PremiumV2", "Ultra" */
	long		iops, mbps;	/* baseline */
	long		burst_iops, burst_mbps;	/* = baseline without bursting */
	unsigned int	iops_unit_kib;	/* 256 (SSD) or 16 (HDD) */
	char		source[96];
};

struct azlx_vmsize {
	const char	*name;
	int		vcpus;
	long		iops, mbps;		/* uncached disk throughput */
	long		burst_iops, burst_mbps;	/* = baseline without bursting */
};

/* From a storageAccountType and size; provisioned values win (Ultra, v2). */
void azlx_budget_for(const char *type, long size_gb, long iops, long mbps,
		     struct azlx_budget *b);
/* By Premium SSD tier name ("P30") or Standard SSD ("E10"); false if unknown. */
bool azlx_budget_for_tier(const char *tier, struct azlx_budget *b);
/* AKS's default managed OS disk for @vcpus (P10 ... P30). */
const char *azlx_aks_os_tier(int vcpus);
const struct azlx_vmsize *azlx_vmsize_find(const char *name);

#endif /* __AZLXNET_TUNE_BUDGET_H */
