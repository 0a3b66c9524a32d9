/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Netlink error reports: the extended ACK carried by NLMSG_ERROR messages
 * (Documentation/userspace-api/netlink/intro.rst, "Extended ACK") and the
 * messages the tool prints for errno values.
 */
#ifndef __AZLXNET_NLERR_H
#define __AZLXNET_NLERR_H

#include <stdbool.h>
#include <stddef.h>

#include <linux/netlink.h>
#include <linux/types.h>

struct azlx_extack {
	int		error;		/* nlmsgerr.error: 0 or a negative errno */
	const char	*msg;		/* NLMSGERR_ATTR_MSG, points into the message */
	bool		has_offs;
	__u32		offs;		/* NLMSGERR_ATTR_OFFS: bad attribute's offset */
};

/*
 * Parses the NLMSG_ERROR message @nlh (error or ACK). The TLVs follow the
 * nlmsgerr when NLM_F_ACK_TLVS is set; they come after the echoed request
 * unless NLM_F_CAPPED says the echo is only its header. Returns 0, or
 * -EINVAL for a message too short to hold a nlmsgerr.
 */
int azlx_extack_parse(const struct nlmsghdr *nlh, struct azlx_extack *ext);

/*
 * Parses the NLMSG_DONE message @nlh that ends a dump: its int error (0 or a
 * negative errno; 0 when the message has no payload) and, when
 * NLM_F_ACK_TLVS is set, the extended ACK message that follows it. Returns
 * 0, or -EINVAL for a message shorter than its header.
 */
int azlx_done_parse(const struct nlmsghdr *nlh, struct azlx_extack *ext);

/*
 * The attribute type of a generic netlink request @req that sits at byte
 * @offs of it (as reported by NLMSGERR_ATTR_OFFS), or -1.
 */
int azlx_extack_attr_type(const struct nlmsghdr *req, __u32 offs);

/*
 * The names of the attributes the offset points at: azlx_info_attr_name()
 * and azlx_nic_attr_name() in azlxnet-user.h, generated from the spec.
 */

/*
 * Message for a positive errno from a generic netlink operation of the
 * module: adds what the user can do about EPERM, EOPNOTSUPP...
 */
const char *azlx_nl_strerror(int err);

#endif /* __AZLXNET_NLERR_H */
