/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Uplinks of the fast path: synthetic NICs (and their VFs) with
 * azlxnet_to_pod on tc ingress and their ifindex in azlxnet_uplinks.
 */
#ifndef __AZLXNET_UPLINK_H
#define __AZLXNET_UPLINK_H

#include <stdbool.h>
#include <stddef.h>

#include <net/if.h>
#include <linux/types.h>

#include "datapath.h"

struct azlx_uplink {
	__u32			ifindex;
	char			ifname[IFNAMSIZ];
	__u32			vf_ifindex;	/* 0: no VF */
	char			vf_ifname[IFNAMSIZ];
	bool			changed;	/* false: it was so already */
	enum azlx_dp_variant	variant;	/* of the programs loaded (enable) */
};

/*
 * The VF of synthetic NIC @ifindex as azlxnet.ko reports it (nic-get),
 * without printing anything: 0 and *@vf_ifindex (0 without a VF, an
 * untracked NIC or no module), or a negative errno.
 */
int azlx_uplink_vf(__u32 ifindex, __u32 *vf_ifindex, char *vf_ifname);

/*
 * Turns the fast path on for @dev (a name or an ifindex): its ifindex in
 * azlxnet_uplinks, azlxnet_to_pod on its ingress and on its VF's. Nothing
 * changes when our current program is already there.
 */
int azlx_uplink_enable(const char *dev, struct azlx_uplink *u, struct azlx_err *e);

/*
 * Turns it off: detaches from @dev and its VF, removes @dev from
 * azlxnet_uplinks and, when nothing remains, unpins the maps. @dev may be
 * the ifindex of a device that is gone. Not being on is no error
 * (u->changed false).
 */
int azlx_uplink_disable(const char *dev, struct azlx_uplink *u, struct azlx_err *e);

/* 0 when the fast path is on for @dev, else an error (CNI code 103). */
int azlx_uplink_check(const char *dev, struct azlx_err *e);

/* What "fastpath show" shows. */
struct azlx_fp_dev {
	__u32			ifindex;
	char			ifname[IFNAMSIZ];	/* "" when gone */
	bool			has_prog;
	struct azlx_tc_prog	prog;
};

struct azlx_fp_uplink {
	struct azlx_fp_dev	dev;
	bool			has_vf;
	struct azlx_fp_dev	vf;
	bool			has_stats;
	struct azlxnet_ep_stats	stats;		/* what pods sent out through it */
};

struct azlx_fp_state {
	const char		*tool_identity;	/* this tool's programs */
	bool			tcx;		/* attached with tcx links */
	char			identity[64];	/* of the state on the node, "" if none */
	bool			stale;		/* another build's: not read */
	bool			has_meta;
	struct azlx_dp_meta	meta;
	bool			pinned;		/* the maps exist */
	size_t			pods;		/* host ifindexes in azlxnet_endpoints */
	struct azlx_fp_uplink	*uplinks;
	size_t			nuplinks;
	struct azlx_fp_dev	*progs;		/* every device with a program at our place */
	size_t			nprogs;
};

void azlx_fp_state_print(const struct azlx_fp_state *s);
void azlx_fp_state_free(struct azlx_fp_state *s);

#endif /* __AZLXNET_UPLINK_H */
