/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Helpers shared by the host unit tests: capturing what the print layer and
 * stderr receive, and building netlink messages by hand.
 */
#ifndef __AZLXNET_TEST_HELPERS_H
#define __AZLXNET_TEST_HELPERS_H

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <linux/genetlink.h>
#include <linux/netlink.h>

#include "print.h"
#include "tap.h"

/* Captures what the print layer writes to its stream. */
struct capture {
	char	*buf;
	size_t	len;
	FILE	*fp;
};

static inline void capture_start(struct capture *c, bool json, bool pretty)
{
	c->buf = NULL;
	c->len = 0;
	c->fp = open_memstream(&c->buf, &c->len);
	CHECK(c->fp);
	azlx_print_init(c->fp, json, pretty);
}

static inline const char *capture_end(struct capture *c)
{
	fflush(c->fp);
	return c->buf ? c->buf : "";
}

static inline void capture_free(struct capture *c)
{
	azlx_print_init(stdout, false, false);
	fclose(c->fp);
	free(c->buf);
}

/* Sends stderr to a temporary file until stderr_end(), which returns it. */
struct stderr_capture {
	FILE	*tmp;
	int	saved;
	char	buf[1024];
};

static inline void stderr_start(struct stderr_capture *e)
{
	e->tmp = tmpfile();
	CHECK(e->tmp);
	fflush(stderr);
	e->saved = dup(STDERR_FILENO);
	CHECK(e->saved >= 0);
	CHECK(dup2(fileno(e->tmp), STDERR_FILENO) == STDERR_FILENO);
}

static inline const char *stderr_end(struct stderr_capture *e)
{
	ssize_t n;

	fflush(stderr);
	n = pread(fileno(e->tmp), e->buf, sizeof(e->buf) - 1, 0);
	e->buf[n > 0 ? n : 0] = '\0';
	CHECK(dup2(e->saved, STDERR_FILENO) == STDERR_FILENO);
	close(e->saved);
	fclose(e->tmp);
	return e->buf;
}

/* Hand-built netlink messages. */
struct nlbuf {
	union {
		struct nlmsghdr	nlh;
		char		raw[1024];
	};
	size_t	len;
};

static inline void *nlbuf_put(struct nlbuf *b, const void *data, size_t len)
{
	void *p = b->raw + b->len;

	CHECK(b->len + NLMSG_ALIGN(len) <= sizeof(b->raw));
	memset(p, 0, NLMSG_ALIGN(len));
	if (data)
		memcpy(p, data, len);
	b->len += NLMSG_ALIGN(len);
	return p;
}

static inline void nlbuf_attr(struct nlbuf *b, int type, const void *data, size_t len)
{
	struct nlattr nla = { .nla_len = NLA_HDRLEN + len, .nla_type = type };

	nlbuf_put(b, &nla, sizeof(nla));
	if (len)
		nlbuf_put(b, data, len);
}

static inline void nlbuf_error(struct nlbuf *b, int error, __u16 flags, __u32 orig_len,
			       bool with_payload)
{
	struct nlmsghdr hdr = { .nlmsg_type = NLMSG_ERROR, .nlmsg_flags = flags };
	struct nlmsgerr err = {
		.error	= error,
		.msg	= { .nlmsg_len = orig_len, .nlmsg_type = 0x20,
			    .nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK, .nlmsg_seq = 7 },
	};
	char payload[64];

	memset(b, 0, sizeof(*b));
	nlbuf_put(b, &hdr, sizeof(hdr));
	nlbuf_put(b, &err, sizeof(err));
	if (with_payload) {
		CHECK(orig_len - NLMSG_HDRLEN <= sizeof(payload));
		memset(payload, 0xaa, sizeof(payload));
		nlbuf_put(b, payload, orig_len - NLMSG_HDRLEN);
	}
}

/* Starts a generic netlink message of family @type. */
static inline void nlbuf_genl(struct nlbuf *b, __u16 type, __u8 cmd, __u16 flags)
{
	struct nlmsghdr hdr = { .nlmsg_type = type, .nlmsg_flags = flags };
	struct genlmsghdr genl = { .cmd = cmd, .version = 1 };

	memset(b, 0, sizeof(*b));
	nlbuf_put(b, &hdr, sizeof(hdr));
	nlbuf_put(b, &genl, sizeof(genl));
}

static inline void nlbuf_end(struct nlbuf *b)
{
	b->nlh.nlmsg_len = b->len;
}

#endif /* __AZLXNET_TEST_HELPERS_H */
