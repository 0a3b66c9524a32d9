/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Raw generic netlink for the selftests. The tests build malformed messages
 * byte by byte, which a library would refuse to produce, so this stays at
 * the socket level: one request, its reply (if any), its ack or error with
 * the extended-ack message.
 */
#ifndef _AZLXNET_NLMSG_H
#define _AZLXNET_NLMSG_H

#include <stddef.h>
#include <stdint.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>

#define NLT_BUFSZ 8192

struct nlt_msg {
	size_t		len;
	union {
		struct nlmsghdr	nlh;
		uint8_t		buf[NLT_BUFSZ];
	};
};

struct nlt_reply {
	int		err;		/* 0 or a negative errno from the ack */
	char		extack[256];	/* NLMSGERR_ATTR_MSG, "" if none */
	int		offs;		/* NLMSGERR_ATTR_OFFS, -1 if none */
	size_t		len;		/* bytes of the data reply in buf */
	uint8_t		buf[NLT_BUFSZ];	/* first data reply (nlmsghdr on) */
};

int nlt_open(void);
int nlt_family_id(int fd, const char *name);
/* Id of multicast group @group of family @name; negative errno if none. */
int nlt_mcgrp_id(int fd, const char *name, const char *group);
/* Start a genl request: nlmsghdr + genlmsghdr. */
void nlt_genl_start(struct nlt_msg *m, uint16_t family, uint8_t cmd,
		    uint8_t version);
/* Append an attribute; payload may be NULL with len 0. */
void nlt_put(struct nlt_msg *m, uint16_t type, const void *data, size_t len);
void nlt_put_str(struct nlt_msg *m, uint16_t type, const char *s);
/* Send m (its nlmsg_len is fixed up) and wait for the ack. */
int nlt_txrx(int fd, struct nlt_msg *m, struct nlt_reply *r);
/* Find attribute type in the genl reply; NULL if absent. */
const struct nlattr *nlt_attr(const struct nlt_reply *r, uint16_t type);

#endif /* _AZLXNET_NLMSG_H */
