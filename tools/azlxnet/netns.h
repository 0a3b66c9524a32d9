/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Network namespaces (setns(2)) and the links of a pod, read with
 * libnl-route-3.
 */
#ifndef __AZLXNET_NETNS_H
#define __AZLXNET_NETNS_H

#include <stdbool.h>
#include <stddef.h>

#include <net/if.h>
#include <linux/types.h>

#include "datapath.h"

struct nl_sock;

/*
 * The file of network namespace @ns: a path when it has a '/' (CNI gives
 * /var/run/netns/NAME or /proc/PID/ns/net), else a name under
 * /var/run/netns or /run/netns (as "ip netns" names them) into @buf.
 * Returns @buf, or NULL when a name matches no file.
 */
const char *azlx_netns_path(const char *ns, char *buf, size_t len);

/*
 * Opens network namespace @ns (see above), checked to be one and not the
 * caller's. Opening has no side effects and does not block: a FIFO, a
 * device, a directory or a regular file is refused before it is opened for
 * reading. Returns an fd or a negative errno (ENOENT: no such namespace,
 * CNI code 3; EINVAL: not a network namespace, CNI code 4).
 */
int azlx_netns_open(const char *ns, struct azlx_err *e);

/*
 * A route netlink socket that lives in the namespace of @nsfd: created
 * there, the caller comes straight back. Returns 0 or a negative errno.
 */
int azlx_netns_route_socket(int nsfd, struct nl_sock **sk, struct azlx_err *e);

/* A route netlink socket in the caller's namespace. */
int azlx_route_socket(struct nl_sock **sk, struct azlx_err *e);

struct azlx_link {
	__u32	ifindex;
	char	name[IFNAMSIZ];
	__u8	mac[6];
	bool	has_mac;		/* an Ethernet address */
	char	kind[32];		/* IFLA_INFO_KIND: "veth", or "" */
	__u32	peer_ifindex;		/* IFLA_LINK, 0 if none */
	bool	peer_other_netns;	/* IFLA_LINK_NETNSID given */
};

/*
 * The link @name (or, with @name NULL, @ifindex) as @sk sees it. Returns 0,
 * -ENODEV when there is none, or another negative errno.
 */
int azlx_link_get(struct nl_sock *sk, const char *name, __u32 ifindex,
		  struct azlx_link *l, struct azlx_err *e);

/* A pod's veth: its end in the pod's namespace and its host side here. */
struct azlx_pod_link {
	struct azlx_link	pod;
	struct azlx_link	host;
};

/*
 * Finds interface @ifname in namespace @ns and its host side: the pod end
 * must be a veth whose peer is a veth in the caller's namespace pointing
 * back at it. Errors carry CNI codes 3 (no namespace, no interface) or 102
 * (not a veth to this namespace).
 */
int azlx_pod_link_get(const char *ns, const char *ifname, struct azlx_pod_link *pl,
		      struct azlx_err *e);

/*
 * An interface name or else an ifindex, here: 0 or -ENODEV. Every command
 * that takes a DEV resolves it so.
 */
int azlx_ifindex_resolve(const char *dev, __u32 *ifindex);

/*
 * Just the number: a decimal ifindex, 1 to INT_MAX, without looking for
 * the device (one that is gone may still name a map entry). 0 or -EINVAL.
 */
int azlx_ifindex_parse(const char *dev, __u32 *ifindex);

#endif /* __AZLXNET_NETNS_H */
