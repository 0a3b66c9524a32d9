/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * azlxkit: a pair of pod network devices, rtnetlink link kind "azlxkit".
 *
 * A pair is created like a veth pair, with one RTM_NEWLINK request: the
 * request makes the primary (the host end); IFLA_INFO_DATA carries
 * IFLA_AZLXKIT_PEER_INFO, a struct ifinfomsg followed by the peer's own
 * IFLA_* attributes (IFLA_IFNAME, IFLA_NET_NS_PID or IFLA_NET_NS_FD to
 * create it directly in the pod's namespace, IFLA_MTU, IFLA_ADDRESS).
 * See Documentation/azlxkit.rst.
 */
#ifndef _UAPI_LINUX_AZLXKIT_H
#define _UAPI_LINUX_AZLXKIT_H

#define AZLXKIT_KIND	"azlxkit"

/* Link layer of both ends, fixed at creation (IFLA_AZLXKIT_MODE). */
enum azlxkit_mode {
	/* Ethernet devices with ARP and neighbour discovery. */
	AZLXKIT_L2 = 0,
	/*
	 * The default: IFF_NOARP, no neighbour resolution; frames carry an
	 * Ethernet header with all-zero addresses, which no one reads.
	 */
	AZLXKIT_L3 = 1,
};

/*
 * What an end's transmit does with a packet (IFLA_AZLXKIT_POLICY): the
 * values are tc verdicts (TC_ACT_OK, TC_ACT_SHOT).
 */
enum azlxkit_action {
	/* Deliver to the other end (the default). */
	AZLXKIT_PASS = 0,
	/* Drop, counted in the sending end's tx_dropped. */
	AZLXKIT_DROP = 2,
};

/* Attributes in IFLA_INFO_DATA of link kind "azlxkit". */
enum {
	IFLA_AZLXKIT_UNSPEC,
	/*
	 * Create only: struct ifinfomsg, then the peer's IFLA_* attributes.
	 * Without it, the peer is named "azlxkit%d" and created in the
	 * primary's namespace.
	 */
	IFLA_AZLXKIT_PEER_INFO,
	/* u8, read only: 1 on the primary, 0 on the peer. */
	IFLA_AZLXKIT_PRIMARY,
	/* u32, enum azlxkit_mode; create only (default AZLXKIT_L3). */
	IFLA_AZLXKIT_MODE,
	/* u32, enum azlxkit_action: this end's policy (default AZLXKIT_PASS). */
	IFLA_AZLXKIT_POLICY,
	/* u32, enum azlxkit_action: the other end's policy. */
	IFLA_AZLXKIT_PEER_POLICY,
	__IFLA_AZLXKIT_MAX
};

#define IFLA_AZLXKIT_MAX	(__IFLA_AZLXKIT_MAX - 1)

#endif /* _UAPI_LINUX_AZLXKIT_H */
