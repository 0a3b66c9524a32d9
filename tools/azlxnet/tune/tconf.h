/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * azlxnet tune, tconf.c: /etc/azlxnet/azlxnet.conf (inih).
 */
#ifndef __AZLXNET_TUNE_TCONF_H
#define __AZLXNET_TUNE_TCONF_H

#include <stdbool.h>
#include <stddef.h>

#include "detect.h"
#include "tfs.h"

#define AZLX_TCONF_PATH		"/etc/azlxnet/azlxnet.conf"
#define AZLX_TCONF_MAX_DISKS	32
#define AZLX_TCONF_MAX_SYSCTLS	32

enum azlx_profile {
	AZLX_PROFILE_AKS,
	AZLX_PROFILE_LATENCY,
	AZLX_PROFILE_THROUGHPUT,
};

/* A value from the file: set, and where (for reasons and errors). */
struct azlx_cval {
	bool	set;
	long	v;
	int	line;
};

struct azlx_cstr {
	bool	set;
	char	s[256];
	int	line;
};

struct azlx_tconf_disk {
	char			match[AZLX_NAME_MAX];	/* "" ([disk]), "sdc", "lun3", "os", "resource" */
	struct azlx_cstr	scheduler, tier;
	struct azlx_cval	queue_depth, nr_requests, read_ahead_kb, max_sectors_kb,
				io_timeout_ms, iops, mbps, target_latency_ms;
};

struct azlx_tconf {
	char			path[512];
	bool			found;
	struct azlx_cstr	profile_name;
	enum azlx_profile	profile;
	struct azlx_cstr	reserved_cpus;
	struct azlx_cpuset	reserved;
	/* [imds] */
	struct azlx_cval	imds_enabled, imds_timeout_ms;
	/* [nic] */
	struct azlx_cstr	synthetic_drivers, vf_drivers;
	struct azlx_cval	channels, rx_ring, lro, rps, xps, vmbus_spread, irq_affinity;
	/* [vm] */
	struct azlx_cstr	vm_size;
	struct azlx_cval	vm_iops, vm_mbps;
	/* [disk] and [disk NAME] */
	struct azlx_cstr	nvme_models;
	struct azlx_tconf_disk	disks[AZLX_TCONF_MAX_DISKS];
	int			ndisks;
	/* [sysctl] */
	struct {
		char		name[64];
		char		value[64];
		int		line;
	}			sysctls[AZLX_TCONF_MAX_SYSCTLS];
	int			nsysctls;
	/* [module] */
	struct azlx_cval	module_load;
	/* [azure]: the data files (budget.h), host paths even under --root */
	struct azlx_cstr	data_disks, data_vms, data_aks_os;
};

void azlx_tconf_init(struct azlx_tconf *c);
/*
 * Reads @path (under the root unless @host_path); a missing file is not an
 * error. Returns 0, or -EINVAL with "FILE:LINE: [section] key: why" in @err.
 */
int azlx_tconf_load(struct azlx_tconf *c, const char *path, bool host_path,
		    char *err, size_t err_len);
int azlx_tconf_parse_string(struct azlx_tconf *c, const char *text, char *err, size_t err_len);
int azlx_profile_parse(const char *s, enum azlx_profile *p);
const char *azlx_profile_name(enum azlx_profile p);
/* The [disk NAME] section for @d, or NULL; [disk] is returned by @all. */
const struct azlx_tconf_disk *azlx_tconf_disk_for(const struct azlx_tconf *c,
						  const struct azlx_disk *d,
						  const struct azlx_tconf_disk **all);
/* AKS-allowed node sysctls (name "net.core.somaxconn"); true if allowed. */
bool azlx_sysctl_allowed(const char *name);

#endif /* __AZLXNET_TUNE_TCONF_H */
