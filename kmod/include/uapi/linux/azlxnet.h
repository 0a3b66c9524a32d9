/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/* Do not edit: generated from Documentation/netlink/specs/azlxnet.yaml by scripts/genl-gen */

#ifndef _UAPI_LINUX_AZLXNET_H
#define _UAPI_LINUX_AZLXNET_H

#define AZLXNET_FAMILY_NAME	"azlxnet"
/* Version of this generic netlink family (genlmsghdr.version). */
#define AZLXNET_FAMILY_VERSION	1
/*
 * API level of the module, returned by the version operation and by the
 * bpf_azlxnet_api_version() kfunc. Raised on every compatible extension of the
 * netlink or kfunc API.
 */
#define AZLXNET_API_VERSION	5
/* Longest driver-name list, in bytes, without the terminating NUL. */
#define AZLXNET_DRIVERS_MAX_LEN	255

/* State of a synthetic NIC's VF. */
enum azlxnet_vf_state {
	/* No VF is joined; traffic uses the synthetic path. */
	AZLXNET_VF_STATE_ABSENT = 0,
	/* A VF is joined but not usable (down or without carrier). */
	AZLXNET_VF_STATE_DOWN = 1,
	/* A VF is joined, running and has carrier; traffic uses it. */
	AZLXNET_VF_STATE_UP = 2,
};

/* One end of an azlxkit pair. */
enum azlxnet_kit_end {
	/* The primary (host side); its program sees host-to-pod packets. */
	AZLXNET_KIT_END_PRIMARY = 0,
	/* The peer (pod side); its program sees the pod's packets. */
	AZLXNET_KIT_END_PEER = 1,
};

enum {
	/* Version string of the loaded module (as in modinfo). */
	AZLXNET_A_INFO_MODULE_VERSION = 1,
	/* API level of the module (see api-version). */
	AZLXNET_A_INFO_API_VERSION = 2,
	/*
	 * Comma-separated names of the drivers whose net devices are synthetic
	 * NICs (default "hv_netvsc"). At most 8 names of at most 31 characters
	 * from [A-Za-z0-9_.-]; the empty string disables tracking.
	 */
	AZLXNET_A_INFO_SYNTHETIC_DRIVERS = 3,
	/*
	 * Comma-separated names of the drivers whose net devices are
	 * accelerated-networking VFs (default "mana,mlx5_core,mlx4_en"). Same
	 * syntax as synthetic-drivers.
	 */
	AZLXNET_A_INFO_VF_DRIVERS = 4,

	__AZLXNET_A_INFO_MAX,
	AZLXNET_A_INFO_MAX = (__AZLXNET_A_INFO_MAX - 1)
};

enum {
	/*
	 * ifindex of the synthetic NIC (in the requester's network namespace).
	 */
	AZLXNET_A_NIC_IFINDEX = 1,
	/* Name of the synthetic NIC. */
	AZLXNET_A_NIC_IFNAME = 2,
	/* MAC address of the synthetic NIC. */
	AZLXNET_A_NIC_MAC = 3,
	/* ifindex of the joined VF; absent without a VF. */
	AZLXNET_A_NIC_VF_IFINDEX = 4,
	/* Name of the joined VF; absent without a VF. */
	AZLXNET_A_NIC_VF_IFNAME = 5,
	/* MAC address of the joined VF; absent without a VF. */
	AZLXNET_A_NIC_VF_MAC = 6,
	/* Driver of the joined VF; absent without a VF. */
	AZLXNET_A_NIC_VF_DRIVER = 7,
	AZLXNET_A_NIC_VF_STATE = 8,
	/*
	 * ifindex that carries the NIC's traffic now: the VF while it is up,
	 * else the synthetic NIC. What bpf_azlxnet_tx_ifindex() returns.
	 */
	AZLXNET_A_NIC_TX_IFINDEX = 9,
	/* Times a VF joined this NIC. */
	AZLXNET_A_NIC_VF_JOINS = 10,
	/* Times a VF left this NIC. */
	AZLXNET_A_NIC_VF_LEAVES = 11,
	/* Times the joined VF became usable. */
	AZLXNET_A_NIC_VF_UPS = 12,
	/* Times the joined VF stopped being usable. */
	AZLXNET_A_NIC_VF_DOWNS = 13,
	/*
	 * CLOCK_BOOTTIME of the last VF state change, in nanoseconds (when
	 * tracking began if none).
	 */
	AZLXNET_A_NIC_LAST_CHANGE = 14,
	/*
	 * Total time without a usable VF since tracking began, in nanoseconds,
	 * including a period still going on.
	 */
	AZLXNET_A_NIC_SLOW_NS = 15,
	/*
	 * Length of the latest period without a usable VF (still going on if
	 * vf-state is not up), in nanoseconds.
	 */
	AZLXNET_A_NIC_LAST_SLOW_NS = 16,
	/* Alignment padding for the u64 attributes; ignore it. */
	AZLXNET_A_NIC_PAD = 17,

	__AZLXNET_A_NIC_MAX,
	AZLXNET_A_NIC_MAX = (__AZLXNET_A_NIC_MAX - 1)
};

enum {
	/*
	 * ifindex of the pair's primary (in the requester's network namespace).
	 */
	AZLXNET_A_KIT_IFINDEX = 1,
	/* Which end's transmit (default primary). */
	AZLXNET_A_KIT_END = 2,
	/* File descriptor of a BPF_PROG_TYPE_SCHED_CLS program. */
	AZLXNET_A_KIT_PROG_FD = 3,
	/* ID of the program that must be attached now (0 for none). */
	AZLXNET_A_KIT_EXPECTED_PROG_ID = 4,
	/* ID of the program attached (0 for none). */
	AZLXNET_A_KIT_PROG_ID = 5,

	__AZLXNET_A_KIT_MAX,
	AZLXNET_A_KIT_MAX = (__AZLXNET_A_KIT_MAX - 1)
};

enum {
	/* Report the module's version and API level. */
	AZLXNET_CMD_VERSION = 1,
	/* Report the run-time configuration. */
	AZLXNET_CMD_CONFIG_GET = 2,
	/*
	 * Change the run-time configuration. Attributes left out keep their
	 * value; the change is all or nothing. A driver may be in one list
	 * only: EINVAL with an extack message if the lists after the change
	 * would share one. Needs CAP_NET_ADMIN.
	 */
	AZLXNET_CMD_CONFIG_SET = 3,
	/*
	 * Get one synthetic NIC by ifindex (do), or all of them in the
	 * requester's network namespace (dump). ENODEV with an extack message
	 * for an ifindex that is not a tracked synthetic NIC.
	 */
	AZLXNET_CMD_NIC_GET = 4,
	/* A VF joined a synthetic NIC (it was enslaved to it). */
	AZLXNET_CMD_VF_JOIN = 5,
	/*
	 * A VF left a synthetic NIC (released, unregistered, moved to another
	 * namespace); the attributes no longer name the VF.
	 */
	AZLXNET_CMD_VF_LEAVE = 6,
	/* The joined VF became usable; traffic now goes through it. */
	AZLXNET_CMD_VF_UP = 7,
	/*
	 * The joined VF stopped being usable; traffic is on the synthetic path.
	 */
	AZLXNET_CMD_VF_DOWN = 8,
	/*
	 * A synthetic NIC is tracked: registered, moved into this namespace, or
	 * its driver added to synthetic-drivers (also sent for every NIC when
	 * the module loads). The attributes are its state, with the VF it found
	 * already joined: no vf-join is sent for that VF.
	 */
	AZLXNET_CMD_NIC_NEW = 9,
	/*
	 * A synthetic NIC is no longer tracked here: unregistered, moved to
	 * another namespace (where a nic-new follows), or its driver removed
	 * from synthetic-drivers. The attributes are its last state, the VF
	 * included: no vf-leave is sent for that VF.
	 */
	AZLXNET_CMD_NIC_DEL = 10,
	/*
	 * Attach a SCHED_CLS program to the transmit of one end of an azlxkit
	 * pair, replacing the one attached, atomically: every packet meets the
	 * old program or the new one. With expected-prog-id, only if the
	 * program attached is that one (0: none), else EEXIST. The pair is
	 * named by its primary, in the requester's namespace (ENODEV for
	 * another device, EPERM for a peer: a pod cannot attach to its own
	 * device). Verdicts: TC_ACT_OK passes to the other end, TC_ACT_SHOT
	 * drops, TC_ACT_UNSPEC leaves the packet to the end's policy; others
	 * drop (redirect is not supported yet). Needs CAP_NET_ADMIN.
	 */
	AZLXNET_CMD_KIT_PROG_ATTACH = 11,
	/*
	 * Detach the program of one end of an azlxkit pair (ENOENT if there is
	 * none; EEXIST if expected-prog-id is given and another is attached).
	 * The end's policy decides its packets again. Needs CAP_NET_ADMIN.
	 */
	AZLXNET_CMD_KIT_PROG_DETACH = 12,
	/*
	 * The program attached to one end of an azlxkit pair (prog-id 0 if
	 * none). Needs CAP_NET_ADMIN.
	 */
	AZLXNET_CMD_KIT_PROG_GET = 13,

	__AZLXNET_CMD_MAX,
	AZLXNET_CMD_MAX = (__AZLXNET_CMD_MAX - 1)
};

#define AZLXNET_MCGRP_EVENTS	"events"

/* The spec name of event operation @cmd ("vf-join"...), or NULL. */
const char *azlx_event_name(int cmd);

#endif /* _UAPI_LINUX_AZLXNET_H */
