// SPDX-License-Identifier: GPL-2.0-only
/*
 * Azure disk budgets: baseline and burst IOPS and MB/s per disk tier, and
 * the uncached disk caps of common VM sizes. The numbers are Azure's
 * published ones (Documentation/tune.rst lists them with their sources).
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>


#include "budget.h"
#include "tfs.h"

/* Credit bursting of Premium SSD P20 and smaller, Standard SSD E30 and smaller */
#define AZLX_P_BURST_IOPS	3500
#define AZLX_P_BURST_MBPS	170
#define AZLX_E_BURST_IOPS	600
#define AZLX_E_BURST_MBPS	150

struct azlx_tier {
	const char	*name;
	long		max_gib;
	long		iops, mbps;
	bool		bursts;
};

/* Premium SSD: size -> baseline IOPS / MB/s */
static const struct azlx_tier azlx_premium[] = {
	{ "P4",  32,    120,   25,  true },
	{ "P6",  64,    240,   50,  true },
	{ "P10", 128,   500,   100, true },
	{ "P15", 256,   1100,  125, true },
	{ "P20", 512,   2300,  150, true },
	{ "P30", 1024,  5000,  200, false },
	{ "P40", 2048,  7500,  250, false },
	{ "P50", 4096,  7500,  250, false },
	{ "P60", 8192,  16000, 500, false },
	{ "P70", 16384, 18000, 750, false },
	{ "P80", 32768, 20000, 900, false },
};

/* Standard SSD E1-E50: up to 500 IOPS / 60 MB/s */
static const struct azlx_tier azlx_standard_ssd[] = {
	{ "E1",  4,    500, 60, true },
	{ "E2",  8,    500, 60, true },
	{ "E3",  16,   500, 60, true },
	{ "E4",  32,   500, 60, true },
	{ "E6",  64,   500, 60, true },
	{ "E10", 128,  500, 60, true },
	{ "E15", 256,  500, 60, true },
	{ "E20", 512,  500, 60, true },
	{ "E30", 1024, 500, 60, true },
	{ "E40", 2048, 500, 60, false },
	{ "E50", 4096, 500, 60, false },
};

/* Uncached disk throughput of common VM sizes (Azure's size pages) */
static const struct azlx_vmsize azlx_vmsizes[] = {
	{ "Standard_D2s_v3",  2,  3200,  48,   3200,  48 },
	{ "Standard_D4s_v3",  4,  6400,  96,   6400,  96 },
	{ "Standard_D8s_v3",  8,  12800, 192,  12800, 192 },
	{ "Standard_D16s_v3", 16, 25600, 384,  25600, 384 },
	{ "Standard_D32s_v3", 32, 51200, 768,  51200, 768 },
	{ "Standard_D48s_v3", 48, 76800, 1152, 76800, 1152 },
	{ "Standard_D64s_v3", 64, 80000, 1200, 80000, 1200 },
	{ "Standard_D2s_v5",  2,  3750,  85,   10000, 1200 },
	{ "Standard_D4s_v5",  4,  6400,  145,  20000, 1200 },
	{ "Standard_D8s_v5",  8,  12800, 290,  20000, 1200 },
	{ "Standard_D16s_v5", 16, 25600, 600,  40000, 1200 },
	{ "Standard_D32s_v5", 32, 51200, 865,  80000, 2000 },
	{ "Standard_D48s_v5", 48, 76800, 1315, 80000, 3000 },
	{ "Standard_D64s_v5", 64, 80000, 1735, 80000, 3000 },
	{ "Standard_E2s_v5",  2,  3750,  85,   10000, 1200 },
	{ "Standard_E4s_v5",  4,  6400,  145,  20000, 1200 },
	{ "Standard_E8s_v5",  8,  12800, 290,  20000, 1200 },
	{ "Standard_E16s_v5", 16, 25600, 600,  40000, 1200 },
	{ "Standard_E32s_v5", 32, 51200, 865,  80000, 2000 },
	{ "Standard_E64s_v5", 64, 80000, 1735, 80000, 3000 },
};

const struct azlx_vmsize *azlx_vmsize_find(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(azlx_vmsizes) / sizeof(azlx_vmsizes[0]); i++)
		if (!strcasecmp(azlx_vmsizes[i].name, name))
			return &azlx_vmsizes[i];
	return NULL;
}

const char *azlx_aks_os_tier(int vcpus)
{
	if (vcpus >= 64)
		return "P30";
	if (vcpus >= 16)
		return "P20";
	if (vcpus >= 8)
		return "P15";
	return "P10";
}

static void azlx_budget_tier(const struct azlx_tier *t, bool premium, struct azlx_budget *b)
{
	b->known = true;
	azlx_strf(b->tier, sizeof(b->tier), "%s", t->name);
	b->iops = t->iops;
	b->mbps = t->mbps;
	b->burst_iops = t->bursts ? (premium ? AZLX_P_BURST_IOPS : AZLX_E_BURST_IOPS) : t->iops;
	b->burst_mbps = t->bursts ? (premium ? AZLX_P_BURST_MBPS : AZLX_E_BURST_MBPS) : t->mbps;
	b->iops_unit_kib = 256;
}

static const struct azlx_tier *azlx_tier_by_size(const struct azlx_tier *tab, size_t n,
						 long gib)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (gib <= tab[i].max_gib)
			return &tab[i];
	return &tab[n - 1];
}

bool azlx_budget_for_tier(const char *tier, struct azlx_budget *b)
{
	size_t i;

	memset(b, 0, sizeof(*b));
	for (i = 0; i < sizeof(azlx_premium) / sizeof(azlx_premium[0]); i++) {
		if (!strcasecmp(azlx_premium[i].name, tier)) {
			azlx_budget_tier(&azlx_premium[i], true, b);
			azlx_strf(b->source, sizeof(b->source), "Premium SSD %s", azlx_premium[i].name);
			return true;
		}
	}
	for (i = 0; i < sizeof(azlx_standard_ssd) / sizeof(azlx_standard_ssd[0]); i++) {
		if (!strcasecmp(azlx_standard_ssd[i].name, tier)) {
			azlx_budget_tier(&azlx_standard_ssd[i], false, b);
			azlx_strf(b->source, sizeof(b->source), "Standard SSD %s",
				 azlx_standard_ssd[i].name);
			return true;
		}
	}
	return false;
}

void azlx_budget_for(const char *type, long size_gb, long iops, long mbps,
		     struct azlx_budget *b)
{
	const struct azlx_tier *t;
	long v;

	memset(b, 0, sizeof(*b));
	if (!strncasecmp(type, "PremiumV2_", 10)) {
		/* 3000 IOPS / 125 MB/s included; +500 IOPS per GiB above 6 GiB */
		b->known = true;
		azlx_strf(b->tier, sizeof(b->tier), "PremiumV2");
		v = 3000;
		if (size_gb > 6)
			v += 500 * (size_gb - 6);
		if (v > 80000)
			v = 80000;
		b->iops = iops > 0 ? iops : 3000;
		if (b->iops > v)
			b->iops = v;
		b->mbps = mbps > 0 ? mbps : 125;
		azlx_strf(b->source, sizeof(b->source), "Premium SSD v2, %s",
			 iops > 0 ? "provisioned" : "included baseline");
	} else if (!strncasecmp(type, "UltraSSD_", 9)) {
		if (iops <= 0 || mbps <= 0) {
			azlx_strf(b->source, sizeof(b->source),
				 "Ultra Disk without provisioned IOPS and MB/s");
			return;
		}
		b->known = true;
		azlx_strf(b->tier, sizeof(b->tier), "Ultra");
		b->iops = iops;
		b->mbps = mbps;
		azlx_strf(b->source, sizeof(b->source), "Ultra Disk, provisioned");
	} else if (!strncasecmp(type, "Premium_", 8) && size_gb > 0) {
		t = azlx_tier_by_size(azlx_premium, sizeof(azlx_premium) / sizeof(azlx_premium[0]),
				      size_gb);
		azlx_budget_tier(t, true, b);
		azlx_strf(b->source, sizeof(b->source), "Premium SSD %s (%ld GiB)", t->name, size_gb);
	} else if (!strncasecmp(type, "StandardSSD_", 12) && size_gb > 0) {
		t = azlx_tier_by_size(azlx_standard_ssd,
				      sizeof(azlx_standard_ssd) / sizeof(azlx_standard_ssd[0]),
				      size_gb);
		azlx_budget_tier(t, false, b);
		azlx_strf(b->source, sizeof(b->source), "Standard SSD %s (%ld GiB)", t->name, size_gb);
	} else if (!strncasecmp(type, "Standard_", 9)) {
		/* Standard HDD: up to 500 IOPS / 60 MB/s, IOPS in 16 KiB units */
		b->known = true;
		azlx_strf(b->tier, sizeof(b->tier), "StandardHDD");
		b->iops = 500;
		b->mbps = 60;
		b->iops_unit_kib = 16;
		azlx_strf(b->source, sizeof(b->source), "Standard HDD");
		b->burst_iops = b->iops;
		b->burst_mbps = b->mbps;
		return;
	} else {
		azlx_strf(b->source, sizeof(b->source), "unknown disk type \"%s\"", type);
		return;
	}
	if (!b->burst_iops)
		b->burst_iops = b->iops;
	if (!b->burst_mbps)
		b->burst_mbps = b->mbps;
	if (!b->iops_unit_kib)
		b->iops_unit_kib = 256;
}
