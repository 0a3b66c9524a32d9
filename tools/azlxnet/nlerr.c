// SPDX-License-Identifier: GPL-2.0-only
/*
 * Extended ACK parsing and errno messages. Pure functions: no socket here,
 * so that the host tests can feed hand-built messages.
 */
#include <errno.h>
#include <string.h>

#include <netlink/attr.h>
#include <linux/genetlink.h>

#include "nlerr.h"

int azlx_extack_parse(const struct nlmsghdr *nlh, struct azlx_extack *ext)
{
	const struct nlmsgerr *err;
	const struct nlattr *nla;
	size_t hlen, len;
	int rem;

	memset(ext, 0, sizeof(*ext));
	if (nlh->nlmsg_len < NLMSG_LENGTH(sizeof(*err)))
		return -EINVAL;

	err = NLMSG_DATA(nlh);
	ext->error = err->error;
	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return 0;

	hlen = sizeof(*err);
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED)) {
		/* the whole request is echoed, its payload padded to 4 bytes */
		if (err->msg.nlmsg_len < NLMSG_HDRLEN)
			return 0;
		hlen += NLMSG_ALIGN(err->msg.nlmsg_len - NLMSG_HDRLEN);
	}
	len = nlh->nlmsg_len - NLMSG_HDRLEN;
	if (hlen >= len)
		return 0;

	rem = (int)(len - hlen);
	nla_for_each_attr(nla, (struct nlattr *)((char *)err + hlen), rem, rem) {
		const char *data = nla_data(nla);
		int dlen = nla_len(nla);

		switch (nla_type(nla)) {
		case NLMSGERR_ATTR_MSG:
			/* a string only if its NUL is inside the attribute */
			if (dlen > 0 && memchr(data, '\0', dlen) && data[0])
				ext->msg = data;
			break;
		case NLMSGERR_ATTR_OFFS:
			if (dlen == sizeof(__u32)) {
				ext->offs = nla_get_u32((struct nlattr *)nla);
				ext->has_offs = true;
			}
			break;
		default:
			break;
		}
	}
	return 0;
}

int azlx_done_parse(const struct nlmsghdr *nlh, struct azlx_extack *ext)
{
	const struct nlattr *nla;
	size_t len;
	int rem;

	memset(ext, 0, sizeof(*ext));
	if (nlh->nlmsg_len < NLMSG_HDRLEN)
		return -EINVAL;
	len = nlh->nlmsg_len - NLMSG_HDRLEN;
	/* before Linux 4.x a DONE could come without its error: success */
	if (len < sizeof(int))
		return 0;
	memcpy(&ext->error, NLMSG_DATA(nlh), sizeof(int));
	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS) || len <= NLMSG_ALIGN(sizeof(int)))
		return 0;

	rem = (int)(len - NLMSG_ALIGN(sizeof(int)));
	nla_for_each_attr(nla, (struct nlattr *)((char *)NLMSG_DATA(nlh) +
						 NLMSG_ALIGN(sizeof(int))), rem, rem) {
		const char *data = nla_data(nla);
		int dlen = nla_len(nla);

		if (nla_type(nla) == NLMSGERR_ATTR_MSG && dlen > 0 &&
		    memchr(data, '\0', dlen) && data[0])
			ext->msg = data;
	}
	return 0;
}

int azlx_extack_attr_type(const struct nlmsghdr *req, __u32 offs)
{
	const struct nlattr *nla;

	if (offs < NLMSG_HDRLEN + GENL_HDRLEN || offs > req->nlmsg_len ||
	    req->nlmsg_len - offs < NLA_HDRLEN)
		return -1;
	nla = (const struct nlattr *)((const char *)req + offs);
	if (nla->nla_len < NLA_HDRLEN || nla->nla_len > req->nlmsg_len - offs)
		return -1;
	return nla->nla_type & NLA_TYPE_MASK;
}

const char *azlx_nl_strerror(int err)
{
	switch (err) {
	case EPERM:
		return "operation not permitted (needs CAP_NET_ADMIN)";
	case EOPNOTSUPP:
		return "operation not supported by the loaded module (older API level?)";
	case EINVAL:
		return "invalid argument";
	case ENOENT:
		return "no such object";
	case ENODEV:
		return "no such device";
	case EBUSY:
		return "device or resource busy";
	case ENOMEM:
	case ENOBUFS:
		return "out of memory";
	default:
		return strerror(err);
	}
}
