// SPDX-License-Identifier: GPL-2.0-only
/*
 * azlxkit over raw rtnetlink: requests the tool never sends, each refused
 * with its errno and extack message and leaving no device behind, and the
 * peer's namespace given as IFLA_NET_NS_PID.
 *
 *   kit_rtnl PID            PID: a process in the namespace for the peers
 *   kit_rtnl churn PID N    create N pairs azc0... with their peers in
 *                           PID's namespace, then delete the even ones
 *                           through their primary: the caller deletes the
 *                           namespace and checks that the rest went too
 *
 * Devices are named azr* and azc*; the caller deletes leftovers.
 */
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <linux/azlxkit.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>

#include "ksft.h"
#include "nlmsg.h"

static int rtnl_open(void)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	int one = 1, fd;

	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	CHECK(fd >= 0, "socket: %s", strerror(errno));
	CHECK(!setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one)),
	      "NETLINK_EXT_ACK: %s", strerror(errno));
	CHECK(!bind(fd, (struct sockaddr *)&sa, sizeof(sa)), "bind: %s", strerror(errno));
	return fd;
}

static void put_ifinfo(struct nlt_msg *m)
{
	struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC };

	CHECK(m->len + sizeof(ifi) <= sizeof(m->buf), "message too long");
	memcpy(m->buf + m->len, &ifi, sizeof(ifi));
	m->len += NLMSG_ALIGN(sizeof(ifi));
}

/* An RTM_NEWLINK request for @name: nlmsghdr, ifinfomsg, IFLA_IFNAME. */
static void newlink(struct nlt_msg *m, const char *name, uint16_t flags)
{
	static uint32_t seq = 1;

	memset(m, 0, sizeof(*m));
	m->nlh.nlmsg_type = RTM_NEWLINK;
	m->nlh.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | flags;
	m->nlh.nlmsg_seq = seq++;
	m->len = NLMSG_HDRLEN;
	put_ifinfo(m);
	nlt_put_str(m, IFLA_IFNAME, name);
}

static size_t nest(struct nlt_msg *m, uint16_t type)
{
	size_t off = m->len;

	nlt_put(m, type | NLA_F_NESTED, NULL, 0);
	return off;
}

static void nest_end(struct nlt_msg *m, size_t off)
{
	((struct nlattr *)(m->buf + off))->nla_len = m->len - off;
}

static void put_u32(struct nlt_msg *m, uint16_t type, uint32_t v)
{
	nlt_put(m, type, &v, sizeof(v));
}

/*
 * A creation request: primary @name; peer @peer (if not NULL) with its
 * attributes added by @peer_fn; IFLA_INFO_DATA attributes by @data_fn.
 */
struct req {
	const char	*name;
	const char	*peer;
	void		(*data_fn)(struct nlt_msg *m);
	void		(*peer_fn)(struct nlt_msg *m);
	void		(*top_fn)(struct nlt_msg *m);
};

static void build(struct nlt_msg *m, const struct req *r, uint16_t flags)
{
	size_t li, data, peer;

	newlink(m, r->name, flags);
	if (r->top_fn)
		r->top_fn(m);
	li = nest(m, IFLA_LINKINFO);
	nlt_put_str(m, IFLA_INFO_KIND, AZLXKIT_KIND);
	data = nest(m, IFLA_INFO_DATA);
	if (r->data_fn)
		r->data_fn(m);
	if (r->peer) {
		peer = nest(m, IFLA_AZLXKIT_PEER_INFO);
		put_ifinfo(m);
		nlt_put_str(m, IFLA_IFNAME, r->peer);
		if (r->peer_fn)
			r->peer_fn(m);
		nest_end(m, peer);
	}
	nest_end(m, data);
	nest_end(m, li);
}

static int fd;
static int failed;

/* Sends @r; expects @err (0 or negative) and an extack containing @msg. */
static void expect(const char *what, const struct req *r, uint16_t flags, int err,
		   const char *msg)
{
	struct nlt_reply rep;
	struct nlt_msg m;

	build(&m, r, flags);
	nlt_txrx(fd, &m, &rep);
	if (rep.err != err || (msg && !strstr(rep.extack, msg))) {
		printf("FAIL: %s: error %d (%s) \"%s\", expected %d \"%s\"\n", what, rep.err,
		       strerror(-rep.err), rep.extack, err, msg ? msg : "");
		failed = 1;
		return;
	}
	if (flags & NLM_F_CREATE && err && (if_nametoindex(r->name) ||
					    (r->peer && if_nametoindex(r->peer)))) {
		printf("FAIL: %s: a device was left behind\n", what);
		failed = 1;
		return;
	}
	printf("ok: %s: %s%s%s\n", what, err ? strerror(-err) : "accepted",
	       rep.extack[0] ? ": " : "", rep.extack);
}

static void mode_bad(struct nlt_msg *m) { put_u32(m, IFLA_AZLXKIT_MODE, 7); }
static void mode_l2(struct nlt_msg *m) { put_u32(m, IFLA_AZLXKIT_MODE, AZLXKIT_L2); }
static void policy_bad(struct nlt_msg *m) { put_u32(m, IFLA_AZLXKIT_POLICY, 1); }
static void peer_policy_bad(struct nlt_msg *m) { put_u32(m, IFLA_AZLXKIT_PEER_POLICY, 7); }
static void policy_drop(struct nlt_msg *m) { put_u32(m, IFLA_AZLXKIT_POLICY, AZLXKIT_DROP); }

static void primary(struct nlt_msg *m)
{
	uint8_t v = 1;

	nlt_put(m, IFLA_AZLXKIT_PRIMARY, &v, sizeof(v));
}

static void addr_ok(struct nlt_msg *m)
{
	static const uint8_t a[6] = { 0x02, 0, 0, 0, 0x77, 0x01 };

	nlt_put(m, IFLA_ADDRESS, a, sizeof(a));
}

static void addr_mcast(struct nlt_msg *m)
{
	static const uint8_t a[6] = { 0x01, 0, 0x5e, 0, 0, 0x01 };

	nlt_put(m, IFLA_ADDRESS, a, sizeof(a));
}

static void addr_short(struct nlt_msg *m)
{
	static const uint8_t a[4] = { 0x02, 0, 0, 0 };

	nlt_put(m, IFLA_ADDRESS, a, sizeof(a));
}

static void peer_info_short(struct nlt_msg *m)
{
	uint16_t v = 0;

	nlt_put(m, IFLA_AZLXKIT_PEER_INFO, &v, sizeof(v));
}

static void peer_info_change(struct nlt_msg *m)
{
	struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC };

	nlt_put(m, IFLA_AZLXKIT_PEER_INFO, &ifi, sizeof(ifi));
}

static uint32_t ns_pid;

static void peer_ns_pid(struct nlt_msg *m) { put_u32(m, IFLA_NET_NS_PID, ns_pid); }
static void peer_ns_nopid(struct nlt_msg *m) { put_u32(m, IFLA_NET_NS_PID, 0x7ffffff0); }

static int churn(int n)
{
	struct nlt_reply rep;
	struct nlt_msg m;
	char name[IFNAMSIZ], peer[IFNAMSIZ];
	struct req r = {
		.name		= name,
		.peer		= peer,
		.peer_fn	= peer_ns_pid,
	};
	int i;

	for (i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "azc%d", i);
		snprintf(peer, sizeof(peer), "azc%dp", i);
		build(&m, &r, NLM_F_CREATE | NLM_F_EXCL);
		CHECK(!nlt_txrx(fd, &m, &rep), "creating %s: %s %s", name, strerror(-rep.err),
		      rep.extack);
	}
	for (i = 0; i < n; i += 2) {
		snprintf(name, sizeof(name), "azc%d", i);
		newlink(&m, name, 0);
		m.nlh.nlmsg_type = RTM_DELLINK;
		CHECK(!nlt_txrx(fd, &m, &rep), "deleting %s: %s %s", name, strerror(-rep.err),
		      rep.extack);
		CHECK(!if_nametoindex(name), "%s still exists", name);
	}
	printf("created %d pairs, deleted %d\n", n, (n + 1) / 2);
	return KSFT_PASS;
}

int main(int argc, char **argv)
{
	struct req r = { 0 };

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc == 4 && !strcmp(argv[1], "churn")) {
		ns_pid = strtoul(argv[2], NULL, 10);
		fd = rtnl_open();
		return churn(atoi(argv[3]));
	}
	CHECK(argc == 2, "usage: kit_rtnl PID | kit_rtnl churn PID N");
	ns_pid = strtoul(argv[1], NULL, 10);
	fd = rtnl_open();

	r = (struct req){ .name = "azr0", .peer = "azr0p", .data_fn = mode_bad };
	expect("mode 7", &r, NLM_F_CREATE | NLM_F_EXCL, -ERANGE, NULL);
	r = (struct req){ .name = "azr0", .peer = "azr0p", .data_fn = policy_bad };
	expect("policy 1", &r, NLM_F_CREATE | NLM_F_EXCL, -EINVAL, "policy must be pass");
	r = (struct req){ .name = "azr0", .peer = "azr0p", .data_fn = peer_policy_bad };
	expect("peer policy 7", &r, NLM_F_CREATE | NLM_F_EXCL, -EINVAL, "policy must be pass");
	r = (struct req){ .name = "azr0", .peer = "azr0p", .data_fn = primary };
	expect("primary given", &r, NLM_F_CREATE | NLM_F_EXCL, -EINVAL, "primary is read only");
	r = (struct req){ .name = "azr0", .peer = "azr0p", .top_fn = addr_ok };
	expect("L3 primary address", &r, NLM_F_CREATE | NLM_F_EXCL, -EOPNOTSUPP,
	       "no address");
	r = (struct req){ .name = "azr0", .peer = "azr0p", .peer_fn = addr_ok };
	expect("L3 peer address", &r, NLM_F_CREATE | NLM_F_EXCL, -EOPNOTSUPP, "no address");
	r = (struct req){ .name = "azr0", .peer = "azr0p", .data_fn = mode_l2,
			  .peer_fn = addr_mcast };
	expect("L2 multicast peer address", &r, NLM_F_CREATE | NLM_F_EXCL, -EADDRNOTAVAIL,
	       "unicast");
	r = (struct req){ .name = "azr0", .peer = "azr0p", .data_fn = mode_l2,
			  .peer_fn = addr_short };
	expect("L2 4-byte peer address", &r, NLM_F_CREATE | NLM_F_EXCL, -EINVAL, "6 bytes");
	r = (struct req){ .name = "azr0", .data_fn = peer_info_short };
	expect("short peer info", &r, NLM_F_CREATE | NLM_F_EXCL, -ERANGE, NULL);
	r = (struct req){ .name = "azr0", .peer = "azr0p", .peer_fn = peer_ns_nopid };
	expect("peer netns of no process", &r, NLM_F_CREATE | NLM_F_EXCL, -ESRCH,
	       "namespace not found");
	r = (struct req){ .name = "azr0", .peer = "azr0" };
	expect("peer named as the primary", &r, NLM_F_CREATE | NLM_F_EXCL, -EEXIST, NULL);

	/* a good pair, L2 with the primary's address given, peer by PID */
	r = (struct req){ .name = "azr1", .peer = "azr1p", .data_fn = mode_l2,
			  .top_fn = addr_ok, .peer_fn = peer_ns_pid };
	expect("L2 pair, peer netns by PID", &r, NLM_F_CREATE | NLM_F_EXCL, 0, NULL);
	CHECK(if_nametoindex("azr1"), "azr1 missing");
	CHECK(!if_nametoindex("azr1p"), "azr1p created here, not in the namespace");

	/* changes */
	r = (struct req){ .name = "azr1", .data_fn = mode_l2 };
	expect("mode change", &r, 0, -EOPNOTSUPP, "fixed at creation");
	r = (struct req){ .name = "azr1", .data_fn = peer_info_change };
	expect("peer change", &r, 0, -EOPNOTSUPP, "fixed at creation");
	r = (struct req){ .name = "azr1", .data_fn = policy_bad };
	expect("policy change to 1", &r, 0, -EINVAL, "policy must be pass");
	r = (struct req){ .name = "azr1", .data_fn = policy_drop };
	expect("policy change to drop", &r, 0, 0, NULL);
	r = (struct req){ .name = "azr2", .peer = "azr2p" };
	expect("pair with the peer here", &r, NLM_F_CREATE | NLM_F_EXCL, 0, NULL);
	r = (struct req){ .name = "azr2p", .data_fn = policy_drop };
	expect("policy change through the peer", &r, 0, -EPERM, "primary only");

	return failed ? KSFT_FAIL : KSFT_PASS;
}
