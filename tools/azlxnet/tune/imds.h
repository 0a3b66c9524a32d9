/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * azlxnet tune, imds.c: the Instance Metadata Service (libcurl) and its JSON.
 */
#ifndef __AZLXNET_TUNE_IMDS_H
#define __AZLXNET_TUNE_IMDS_H

#include <stdbool.h>
#include <stddef.h>

#include "tfs.h"

/* 2021-05-01: the first version with the disks' opsPerSecondThrottle and bytesPerSecondThrottle */
#define AZLX_IMDS_URL \
	"http://169.254.169.254/metadata/instance?api-version=2021-05-01"
#define AZLX_IMDS_MAX_DISKS	64

struct azlx_imds_disk {
	int	lun;			/* -1 for the OS disk */
	long	size_gb;		/* -1: unknown */
	char	type[32];		/* storageAccountType: "Premium_LRS" */
	char	caching[16];
	bool	ultra;
	bool	ephemeral;
	long	iops;			/* provisioned (Ultra, v2); -1: none */
	long	mbps;
};

struct azlx_imds {
	bool			valid;
	char			vm_size[AZLX_NAME_MAX];
	struct azlx_imds_disk	os;
	bool			has_os;
	struct azlx_imds_disk	data[AZLX_IMDS_MAX_DISKS];
	int			ndata;
	long			resource_mb;	/* -1: unknown */
	char			source[128];	/* "IMDS", or the file */
};

/*
 * Parses IMDS's instance document @json (@len bytes, need not end in NUL).
 * Returns 0, or -EINVAL with the reason, naming the field, in @err.
 */
int azlx_imds_parse(const char *json, size_t len, struct azlx_imds *m,
		    char *err, size_t err_len);
/* Reads and parses @path; 0 or -errno with @err set. */
int azlx_imds_load_file(const char *path, struct azlx_imds *m, char *err, size_t err_len);
/*
 * Fetches @url with the header "Metadata: true", no proxy, @timeout_ms per
 * try, one retry (after Retry-After on 429, at most 5 s). 0 or -errno.
 */
int azlx_imds_fetch(const char *url, long timeout_ms, struct azlx_imds *m,
		    char *err, size_t err_len);
const struct azlx_imds_disk *azlx_imds_data_disk(const struct azlx_imds *m, int lun);

#endif /* __AZLXNET_TUNE_IMDS_H */
