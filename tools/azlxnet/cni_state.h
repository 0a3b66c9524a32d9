/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What the CNI plugin remembers between invocations: one record per
 * attachment (container ID and interface name), written at ADD and removed
 * at DEL, so that GC knows which fast path state belongs to which
 * attachment and DEL can clean up when the runtime has lost the rest.
 */
#ifndef __AZLXNET_CNI_STATE_H
#define __AZLXNET_CNI_STATE_H

#include <stddef.h>

#include <net/if.h>
#include <linux/types.h>

#include "datapath.h"
#include "pod.h"

/* Where the node's records live (a tmpfs: they go with the pods at reboot). */
#define AZLX_CNI_STATE_DIR	"/run/azlxnet/cni"
/* Longest container ID that fits a record's file name. */
#define AZLX_CNI_CONTAINERID_MAX	200
#define AZLX_CNI_NETWORK_MAX		256

/* One attachment: what ADD put on the fast path for it. */
struct azlx_cni_record {
	char			network[AZLX_CNI_NETWORK_MAX];	/* the configuration's name */
	char			containerid[AZLX_CNI_CONTAINERID_MAX + 1];
	char			ifname[IFNAMSIZ];
	__u32			host_ifindex;
	char			host_ifname[IFNAMSIZ];
	struct azlx_addrs	addrs;
};

/*
 * Writes @r in directory @dir (created if needed) as the file
 * CONTAINERID:IFNAME, atomically (a temporary file renamed over it).
 * Returns 0 or a negative errno.
 */
int azlx_cni_record_write(const char *dir, const struct azlx_cni_record *r,
			  struct azlx_err *e);

/*
 * Reads the record of (@containerid, @ifname) in @dir: 0, -ENOENT when
 * there is none, -EINVAL when it is not a record, or another errno.
 */
int azlx_cni_record_read(const char *dir, const char *containerid, const char *ifname,
			 struct azlx_cni_record *r, struct azlx_err *e);

/* Removes the record of (@containerid, @ifname); none is success. */
int azlx_cni_record_remove(const char *dir, const char *containerid, const char *ifname,
			   struct azlx_err *e);

/*
 * Every record of @dir, sorted by file name, into *@v (to free); files that
 * are not records are skipped. No directory is no record.
 */
int azlx_cni_records(const char *dir, struct azlx_cni_record **v, size_t *n,
		     struct azlx_err *e);

/*
 * The record as JSON text (to free) and back: the pure halves of
 * write and read, for the tests.
 */
char *azlx_cni_record_format(const struct azlx_cni_record *r);
int azlx_cni_record_parse(const char *text, struct azlx_cni_record *r, struct azlx_err *e);

#endif /* __AZLXNET_CNI_STATE_H */
