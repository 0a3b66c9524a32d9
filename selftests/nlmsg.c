// SPDX-License-Identifier: GPL-2.0-only
/* Raw generic netlink helpers for the selftests (see nlmsg.h). */
#include <errno.h>
#include <stdbool.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "ksft.h"
#include "nlmsg.h"

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

static uint32_t nlt_seq = 1;

int nlt_open(void)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	int one = 1, fd;

	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);
	CHECK(fd >= 0, "socket: %s", strerror(errno));
	CHECK(!setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one)),
	      "NETLINK_EXT_ACK: %s", strerror(errno));
	CHECK(!bind(fd, (struct sockaddr *)&sa, sizeof(sa)), "bind: %s",
	      strerror(errno));
	return fd;
}

void nlt_genl_start(struct nlt_msg *m, uint16_t family, uint8_t cmd,
		    uint8_t version)
{
	struct genlmsghdr *g;

	memset(m, 0, sizeof(*m));
	m->nlh.nlmsg_type = family;
	m->nlh.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	m->nlh.nlmsg_seq = nlt_seq++;
	g = (struct genlmsghdr *)(m->buf + NLMSG_HDRLEN);
	g->cmd = cmd;
	g->version = version;
	m->len = NLMSG_HDRLEN + GENL_HDRLEN;
}

void nlt_put(struct nlt_msg *m, uint16_t type, const void *data, size_t len)
{
	struct nlattr *a = (struct nlattr *)(m->buf + m->len);

	CHECK(m->len + NLA_HDRLEN + NLA_ALIGN(len) <= sizeof(m->buf),
	      "message too long");
	a->nla_type = type;
	a->nla_len = NLA_HDRLEN + len;
	if (len)
		memcpy((uint8_t *)a + NLA_HDRLEN, data, len);
	m->len += NLA_HDRLEN + NLA_ALIGN(len);
}

void nlt_put_str(struct nlt_msg *m, uint16_t type, const char *s)
{
	nlt_put(m, type, s, strlen(s) + 1);
}

static void nlt_parse_extack(const struct nlmsghdr *nlh, struct nlt_reply *r)
{
	const struct nlmsgerr *e = NLMSG_DATA(nlh);
	size_t off = sizeof(*e);
	const struct nlattr *a;

	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return;
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
		off += e->msg.nlmsg_len - sizeof(e->msg);
	off = NLMSG_HDRLEN + NLMSG_ALIGN(off);
	while (off + NLA_HDRLEN <= nlh->nlmsg_len) {
		a = (const struct nlattr *)((const uint8_t *)nlh + off);
		if (a->nla_len < NLA_HDRLEN || off + a->nla_len > nlh->nlmsg_len)
			break;
		if (a->nla_type == NLMSGERR_ATTR_MSG) {
			size_t n = a->nla_len - NLA_HDRLEN;

			if (n >= sizeof(r->extack))
				n = sizeof(r->extack) - 1;
			memcpy(r->extack, (const uint8_t *)a + NLA_HDRLEN, n);
			r->extack[n] = '\0';
		}
		if (a->nla_type == NLMSGERR_ATTR_OFFS && a->nla_len == NLA_HDRLEN + 4)
			memcpy(&r->offs, (const uint8_t *)a + NLA_HDRLEN, 4);
		off += NLA_ALIGN(a->nla_len);
	}
}

int nlt_txrx(int fd, struct nlt_msg *m, struct nlt_reply *r)
{
	uint8_t buf[32768];
	ssize_t n;

	memset(r, 0, sizeof(*r));
	r->offs = -1;
	m->nlh.nlmsg_len = m->len;
	CHECK(send(fd, m->buf, m->len, 0) == (ssize_t)m->len, "send: %s",
	      strerror(errno));
	for (;;) {
		struct nlmsghdr *nlh;
		size_t left;

		n = recv(fd, buf, sizeof(buf), 0);
		CHECK(n > 0, "recv: %s", n < 0 ? strerror(errno) : "EOF");
		left = (size_t)n;
		for (nlh = (struct nlmsghdr *)buf; NLMSG_OK(nlh, left);
		     nlh = NLMSG_NEXT(nlh, left)) {
			if (nlh->nlmsg_seq != m->nlh.nlmsg_seq)
				continue;
			if (nlh->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *e = NLMSG_DATA(nlh);

				r->err = e->error;
				nlt_parse_extack(nlh, r);
				return r->err;
			}
			if (nlh->nlmsg_type == NLMSG_DONE)
				return 0;
			if (!r->len && nlh->nlmsg_len <= sizeof(r->buf)) {
				memcpy(r->buf, nlh, nlh->nlmsg_len);
				r->len = nlh->nlmsg_len;
			}
		}
	}
}

const struct nlattr *nlt_attr(const struct nlt_reply *r, uint16_t type)
{
	size_t off = NLMSG_HDRLEN + GENL_HDRLEN;
	const struct nlattr *a;

	while (off + NLA_HDRLEN <= r->len) {
		a = (const struct nlattr *)(r->buf + off);
		if (a->nla_len < NLA_HDRLEN || off + a->nla_len > r->len)
			return NULL;
		if ((a->nla_type & NLA_TYPE_MASK) == type)
			return a;
		off += NLA_ALIGN(a->nla_len);
	}
	return NULL;
}

/* CTRL_CMD_GETFAMILY for @name into @r; 0 or a negative errno. */
static int nlt_getfamily(int fd, const char *name, struct nlt_reply *r)
{
	struct nlt_msg m;

	nlt_genl_start(&m, GENL_ID_CTRL, CTRL_CMD_GETFAMILY, 1);
	nlt_put_str(&m, CTRL_ATTR_FAMILY_NAME, name);
	return nlt_txrx(fd, &m, r);
}

int nlt_family_id(int fd, const char *name)
{
	const struct nlattr *a;
	struct nlt_reply r;

	if (nlt_getfamily(fd, name, &r))
		return r.err;
	a = nlt_attr(&r, CTRL_ATTR_FAMILY_ID);
	CHECK(a, "no CTRL_ATTR_FAMILY_ID in the reply");
	return *(const uint16_t *)((const uint8_t *)a + NLA_HDRLEN);
}

int nlt_mcgrp_id(int fd, const char *name, const char *group)
{
	const struct nlattr *grps, *grp, *a;
	size_t off, end, goff, gend;
	struct nlt_reply r;

	if (nlt_getfamily(fd, name, &r))
		return r.err;
	grps = nlt_attr(&r, CTRL_ATTR_MCAST_GROUPS);
	if (!grps)
		return -ENOENT;
	end = grps->nla_len;
	for (off = NLA_HDRLEN; off + NLA_HDRLEN <= end; off += NLA_ALIGN(grp->nla_len)) {
		int id = -1;
		bool match = false;

		grp = (const struct nlattr *)((const uint8_t *)grps + off);
		if (grp->nla_len < NLA_HDRLEN || off + grp->nla_len > end)
			break;
		gend = grp->nla_len;
		for (goff = NLA_HDRLEN; goff + NLA_HDRLEN <= gend; goff += NLA_ALIGN(a->nla_len)) {
			a = (const struct nlattr *)((const uint8_t *)grp + goff);
			if (a->nla_len < NLA_HDRLEN || goff + a->nla_len > gend)
				break;
			if (a->nla_type == CTRL_ATTR_MCAST_GRP_ID && a->nla_len == NLA_HDRLEN + 4)
				id = *(const uint32_t *)((const uint8_t *)a + NLA_HDRLEN);
			if (a->nla_type == CTRL_ATTR_MCAST_GRP_NAME &&
			    !strncmp((const char *)a + NLA_HDRLEN, group, a->nla_len - NLA_HDRLEN))
				match = true;
		}
		if (match && id >= 0)
			return id;
	}
	return -ENOENT;
}
