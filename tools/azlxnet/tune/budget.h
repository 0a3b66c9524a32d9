/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * azlxnet tune, budget.c: disk and VM-size IOPS / MB/s budgets, from the
 * data files (the .tsv files of tools/azlxnet/data/, installed in
 * /usr/share/azlxnet),
 * IMDS and the configuration file; each number with where it came from.
 */
#ifndef __AZLXNET_TUNE_BUDGET_H
#define __AZLXNET_TUNE_BUDGET_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>

#include "detect.h"
#include "imds.h"
#include "tconf.h"

/* The data files, found in this order (budget.c): [azure] in the config, $AZLXNET_DATA_DIR, ... */
#define AZLX_DATA_ENV		"AZLXNET_DATA_DIR"
#define AZLX_DATA_DISKS		"azure-disks.tsv"
#define AZLX_DATA_VMS		"azure-vms.tsv"
#define AZLX_DATA_AKS_OS	"aks-os-disks.tsv"

/* Where the IMDS provisioned-disk fields are documented */
#define AZLX_IMDS_DOC \
	"https://learn.microsoft.com/en-us/azure/virtual-machines/instance-metadata-service"

#define AZLX_URL_MAX	160

enum azlx_bsrc {
	AZLX_BSRC_UNKNOWN,
	AZLX_BSRC_DATA,		/* a data file row (the disk's type and size from IMDS) */
	AZLX_BSRC_IMDS,		/* IMDS's own numbers (provisioned disks) */
	AZLX_BSRC_CONFIG,	/* the configuration file */
	AZLX_BSRC_ASSUMED,	/* a data file row for what AKS creates by default */
};

/* Where a number came from: enough to find it again and check it. */
struct azlx_origin {
	enum azlx_bsrc	from;
	char		file[PATH_MAX];	/* data or config file; "" for IMDS */
	int		line;		/* 0: none */
	char		url[AZLX_URL_MAX];	/* the documentation page */
	char		read[16];	/* when the row's figures were taken */
};

struct azlx_budget {
	bool		known;
	char		tier[24];	/* "P10", "E10", "S30", "PremiumV2", "Ultra", "configured" */
	long		iops, mbps;	/* baseline */
	long		burst_iops, burst_mbps;	/* credit bursting; = baseline without */
	long		od_burst_iops, od_burst_mbps;	/* on-demand bursting (opt-in); -1: none */
	unsigned int	iops_unit_kib;	/* the I/O size one IOPS counts; 0: not published */
	struct azlx_origin	origin;
	char		source[384];	/* all of it, for people: "Premium SSD P10 (128 GiB): ..." */
};

struct azlx_vmsize {
	bool		known;		/* a row: the size is in the table */
	char		name[AZLX_NAME_MAX];
	int		vcpus;
	long		iops, mbps;		/* uncached disk throughput; -1: unknown */
	long		burst_iops, burst_mbps;	/* -1: none or unknown */
	long		nic_queues;		/* -1: not published */
	struct azlx_origin	origin;
	char		source[384];
};

/*
 * The data files' paths for @c (NULL: no configuration): [azure] disks / vms /
 * aks_os_disks, else $AZLXNET_DATA_DIR, else the source tree's data when run
 * from its build directory, else <exe>/../share/azlxnet, else the compiled-in
 * data directory. Never under --root: the files are the tool's, not the node's.
 */
void azlx_data_path(const struct azlx_tconf *c, const char *file, char *buf, size_t len);

/*
 * Parses a data file's text (@name for messages). 0, or -EINVAL with
 * "NAME:LINE: why" in @err. The tables stay as they were on error.
 */
int azlx_data_parse_disks(const char *text, const char *name, char *err, size_t err_len);
int azlx_data_parse_vms(const char *text, const char *name, char *err, size_t err_len);
int azlx_data_parse_aks_os(const char *text, const char *name, char *err, size_t err_len);
/*
 * Loads the three files for @c, once (again if their paths change). 0, or
 * -errno with "FILE:LINE: why" in @err; the failed table is then empty and
 * every lookup in it answers unknown with that error.
 */
int azlx_data_load(const struct azlx_tconf *c, char *err, size_t err_len);
/* The load error of @file's table (AZLX_DATA_*), or NULL. */
const char *azlx_data_error(const char *file);
/* Forgets the loaded tables (tests). */
void azlx_data_reset(void);

/* From a storageAccountType and size; provisioned values (IMDS) win for v2 and Ultra. */
void azlx_budget_for(const char *type, long size_gb, long iops, long mbps,
		     struct azlx_budget *b);
/* By tier name ("P30", "E10", "S4"); false if the table does not know it. */
bool azlx_budget_for_tier(const char *tier, struct azlx_budget *b);
/* AKS's default managed OS disk tier for @vcpus, or NULL if unknown. */
const char *azlx_aks_os_tier(int vcpus);
/* The size's row; NULL if the table does not know it. */
const struct azlx_vmsize *azlx_vmsize_find(const char *name);

/* The disk's budget, from the configuration, IMDS and the data files. */
void azlx_disk_budget(const struct azlx_node *n, const struct azlx_imds *m,
		      const struct azlx_tconf *c, const struct azlx_disk *d,
		      struct azlx_budget *b);
/*
 * The VM's uncached disk cap: [vm] iops / mbps in the configuration, else
 * the row of [vm] size or IMDS's vmSize. !known with the reason in source.
 */
void azlx_vm_budget(const struct azlx_imds *m, const struct azlx_tconf *c,
		    struct azlx_vmsize *v);

const char *azlx_bsrc_name(enum azlx_bsrc s);
/* The origin's fields (JSON) under the current object: from, file, line, url, read. */
void azlx_origin_print(const struct azlx_origin *o);
/* tune detect: the VM cap and each Azure disk's budget, with their sources. */
void azlx_budgets_print(const struct azlx_node *n, const struct azlx_imds *m,
			const struct azlx_tconf *c);

#endif /* __AZLXNET_TUNE_BUDGET_H */
