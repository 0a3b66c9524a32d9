// SPDX-License-Identifier: GPL-2.0-only
/*
 * azlxnet kit: azlxkit device pairs (link kind "azlxkit" of azlxnet.ko),
 * over rtnetlink. iproute2 knows the kind but not its attributes, so the
 * peer's name and namespace, the mode and the policies are given here and
 * sent as IFLA_INFO_DATA (linux/azlxkit.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <net/if.h>
#include <netlink/attr.h>
#include <netlink/genl/genl.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>
#include <netlink/socket.h>
#include <linux/azlxkit.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>

#include "azlxnet-user.h"
#include "azlxnet.h"
#include "cmd.h"
#include "datapath.h"
#include "genl.h"
#include "netns.h"
#include "nlerr.h"
#include "print.h"

struct azlx_kit_req {
	int	error;		/* positive errno, 0 */
	bool	done;
	char	extack[512];
	int	(*valid)(struct nlmsghdr *nlh, void *arg);
	void	*arg;
};

static int azlx_kit_err_cb(struct sockaddr_nl *nla, struct nlmsgerr *e, void *arg)
{
	const struct nlmsghdr *nlh = (const struct nlmsghdr *)((char *)e - NLMSG_HDRLEN);
	struct azlx_kit_req *req = arg;
	struct azlx_extack ext;

	(void)nla;
	req->error = e->error < 0 ? -e->error : e->error;
	if (!azlx_extack_parse(nlh, &ext) && ext.msg)
		snprintf(req->extack, sizeof(req->extack), "%s", ext.msg);
	req->done = true;
	return NL_STOP;
}

static int azlx_kit_stop_cb(struct nl_msg *msg, void *arg)
{
	struct azlx_kit_req *req = arg;

	(void)msg;
	req->done = true;
	return NL_STOP;
}

static int azlx_kit_valid_cb(struct nl_msg *msg, void *arg)
{
	struct azlx_kit_req *req = arg;

	if (req->valid)
		req->valid(nlmsg_hdr(msg), req->arg);
	return NL_OK;
}

/*
 * Sends @msg on a route netlink socket and reads until its ACK, error or
 * (dump) NLMSG_DONE. Returns 0 or a positive errno, with the kernel's
 * extack message in @req.
 */
static int azlx_kit_talk(struct nl_msg *msg, struct azlx_kit_req *req)
{
	struct nl_sock *sk = NULL;
	struct azlx_err e = { 0 };
	struct nl_cb *cb;
	int one = 1;
	int err;

	if (azlx_route_socket(&sk, &e)) {
		req->error = e.err ? e.err : EIO;
		snprintf(req->extack, sizeof(req->extack), "%s", e.msg);
		return req->error;
	}
	setsockopt(nl_socket_get_fd(sk), SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	setsockopt(nl_socket_get_fd(sk), SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
	cb = nl_cb_alloc(NL_CB_DEFAULT);
	if (!cb) {
		nl_socket_free(sk);
		return ENOMEM;
	}
	nl_cb_err(cb, NL_CB_CUSTOM, azlx_kit_err_cb, req);
	nl_cb_set(cb, NL_CB_ACK, NL_CB_CUSTOM, azlx_kit_stop_cb, req);
	nl_cb_set(cb, NL_CB_FINISH, NL_CB_CUSTOM, azlx_kit_stop_cb, req);
	nl_cb_set(cb, NL_CB_VALID, NL_CB_CUSTOM, azlx_kit_valid_cb, req);

	err = nl_send_auto(sk, msg);
	while (err >= 0 && !req->done) {
		err = nl_recvmsgs_report(sk, cb);
		if (!err && !req->done)
			err = -NLE_FAILURE;
	}
	if (!req->done) {
		req->error = EIO;
		snprintf(req->extack, sizeof(req->extack), "%s", nl_geterror(err));
	}
	nl_cb_put(cb);
	nl_socket_free(sk);
	return req->error;
}

/* "Error: WHAT: EXTACK (errno text)" */
static int azlx_kit_report(const struct azlx_kit_req *req, const char *what)
{
	const char *why = strerror(req->error);

	if (req->error == EOPNOTSUPP && strstr(req->extack, "Unknown device type"))
		return azlx_error(AZLX_EXIT_NOMOD, "%s: azlxnet module is not loaded "
				  "(link kind \"%s\" unknown)", what, AZLXKIT_KIND);
	if (req->extack[0])
		return azlx_error_op(AZLX_EXIT_ERR, what, req->error, req->extack,
				     "%s: %s (%s)", what, req->extack, why);
	return azlx_error_op(AZLX_EXIT_ERR, what, req->error, NULL, "%s: %s", what, why);
}

static const char *azlx_kit_policy_name(__u32 policy)
{
	switch (policy) {
	case AZLXKIT_PASS:
		return "forward";
	case AZLXKIT_DROP:
		return "drop";
	}
	return "unknown";
}

static const char *azlx_kit_mode_name(__u32 mode)
{
	switch (mode) {
	case AZLXKIT_L2:
		return "l2";
	case AZLXKIT_L3:
		return "l3";
	}
	return "unknown";
}

static int azlx_kit_parse_policy(const char *word, __u32 *policy)
{
	if (!strcmp(word, "forward"))
		*policy = AZLXKIT_PASS;
	else if (!strcmp(word, "drop"))
		*policy = AZLXKIT_DROP;
	else
		return azlx_error(AZLX_EXIT_USAGE, "invalid POLICY \"%s\" (forward or drop)",
				  word);
	return AZLX_EXIT_OK;
}

static int azlx_kit_parse_mode(const char *word, __u32 *mode)
{
	if (!strcmp(word, "l3"))
		*mode = AZLXKIT_L3;
	else if (!strcmp(word, "l2"))
		*mode = AZLXKIT_L2;
	else
		return azlx_error(AZLX_EXIT_USAGE, "invalid MODE \"%s\" (l3 or l2)", word);
	return AZLX_EXIT_OK;
}

static int azlx_kit_parse_name(const char *word, const char *what)
{
	if (!word[0] || strlen(word) >= IFNAMSIZ || strchr(word, '/') || strchr(word, ' '))
		return azlx_error(AZLX_EXIT_USAGE, "invalid %s \"%s\"", what, word);
	return AZLX_EXIT_OK;
}

/* What "kit add" and "kit set" take. */
struct azlx_kit_args {
	const char	*name;
	const char	*peer;
	const char	*netns;
	__u32		mtu;
	__u32		mode;
	__u32		policy;
	__u32		peer_policy;
	bool		has_mode;
	bool		has_policy;
	bool		has_peer_policy;
};

enum {
	AZLX_KIT_KW_PEER,
	AZLX_KIT_KW_NETNS,
	AZLX_KIT_KW_MODE,
	AZLX_KIT_KW_POLICY,
	AZLX_KIT_KW_PEER_POLICY,
	AZLX_KIT_KW_MTU,
};

static const struct azlx_cmd azlx_kit_keywords[] = {
	[AZLX_KIT_KW_PEER]		= { "peer",		NULL },
	[AZLX_KIT_KW_NETNS]		= { "netns",		NULL },
	[AZLX_KIT_KW_MODE]		= { "mode",		NULL },
	[AZLX_KIT_KW_POLICY]		= { "policy",		NULL },
	[AZLX_KIT_KW_PEER_POLICY]	= { "peer-policy",	NULL },
	[AZLX_KIT_KW_MTU]		= { "mtu",		NULL },
	{ NULL, NULL },
};

/* NAME { KEYWORD VALUE }...; @add: all keywords, else the policies only */
static int azlx_kit_parse_args(int argc, char **argv, bool add, struct azlx_kit_args *a)
{
	const char *where = add ? "azlxnet kit add" : "azlxnet kit set";
	const struct azlx_cmd *kw;
	unsigned int seen = 0;
	char *end;
	int ret;

	memset(a, 0, sizeof(*a));
	if (argc < 1)
		return azlx_error(AZLX_EXIT_USAGE, "\"%s\" needs a NAME", where);
	a->name = argv[0];
	ret = azlx_kit_parse_name(a->name, "NAME");
	if (ret)
		return ret;
	for (argc--, argv++; argc; argc -= 2, argv += 2) {
		kw = azlx_cmd_lookup(azlx_kit_keywords, argv[0], "keyword", where);
		if (!kw)
			return AZLX_EXIT_USAGE;
		if (argc < 2)
			return azlx_error(AZLX_EXIT_USAGE, "\"%s\" needs a value", kw->name);
		if (seen & (1u << (kw - azlx_kit_keywords)))
			return azlx_error(AZLX_EXIT_USAGE, "\"%s\" given twice", kw->name);
		seen |= 1u << (kw - azlx_kit_keywords);
		switch (kw - azlx_kit_keywords) {
		case AZLX_KIT_KW_POLICY:
			ret = azlx_kit_parse_policy(argv[1], &a->policy);
			a->has_policy = true;
			break;
		case AZLX_KIT_KW_PEER_POLICY:
			ret = azlx_kit_parse_policy(argv[1], &a->peer_policy);
			a->has_peer_policy = true;
			break;
		default:
			if (!add)
				return azlx_error(AZLX_EXIT_USAGE, "\"%s\" is fixed at creation",
						  kw->name);
			break;
		}
		switch (kw - azlx_kit_keywords) {
		case AZLX_KIT_KW_PEER:
			a->peer = argv[1];
			ret = azlx_kit_parse_name(a->peer, "PEER");
			break;
		case AZLX_KIT_KW_NETNS:
			a->netns = argv[1];
			break;
		case AZLX_KIT_KW_MODE:
			ret = azlx_kit_parse_mode(argv[1], &a->mode);
			a->has_mode = true;
			break;
		case AZLX_KIT_KW_MTU:
			errno = 0;
			a->mtu = strtoul(argv[1], &end, 10);
			if (errno || end == argv[1] || *end || !a->mtu || argv[1][0] == '-')
				return azlx_error(AZLX_EXIT_USAGE, "invalid MTU \"%s\"", argv[1]);
			break;
		}
		if (ret)
			return ret;
	}
	if (add && !a->peer)
		return azlx_error(AZLX_EXIT_USAGE, "\"%s\" needs \"peer PEER\"", where);
	return AZLX_EXIT_OK;
}

/*
 * RTM_NEWLINK for @a: with NLM_F_CREATE a new pair (IFLA_INFO_DATA with
 * the peer's ifinfomsg and attributes), else a change of its policies.
 */
static int azlx_kit_newlink(const struct azlx_kit_args *a, bool create)
{
	struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC };
	struct azlx_kit_req req = { 0 };
	struct nlattr *linkinfo, *data, *peer;
	struct azlx_err e = { 0 };
	struct nl_msg *msg;
	int nsfd = -1;
	int ret;

	if (a->netns) {
		nsfd = azlx_netns_open(a->netns, &e);
		if (nsfd < 0)
			return azlx_error(AZLX_EXIT_ERR, "%s", e.msg);
	}
	msg = nlmsg_alloc_simple(RTM_NEWLINK, NLM_F_REQUEST | NLM_F_ACK |
				 (create ? NLM_F_CREATE | NLM_F_EXCL : 0));
	if (!msg) {
		ret = azlx_error(AZLX_EXIT_ERR, "out of memory");
		goto out_close;
	}
	if (nlmsg_append(msg, &ifi, sizeof(ifi), NLMSG_ALIGNTO) < 0 ||
	    nla_put_string(msg, IFLA_IFNAME, a->name) < 0 ||
	    (a->mtu && nla_put_u32(msg, IFLA_MTU, a->mtu) < 0))
		goto err_msgsize;
	linkinfo = nla_nest_start(msg, IFLA_LINKINFO);
	if (!linkinfo || nla_put_string(msg, IFLA_INFO_KIND, AZLXKIT_KIND) < 0)
		goto err_msgsize;
	data = nla_nest_start(msg, IFLA_INFO_DATA);
	if (!data ||
	    (a->has_mode && nla_put_u32(msg, IFLA_AZLXKIT_MODE, a->mode) < 0) ||
	    (a->has_policy && nla_put_u32(msg, IFLA_AZLXKIT_POLICY, a->policy) < 0) ||
	    (a->has_peer_policy &&
	     nla_put_u32(msg, IFLA_AZLXKIT_PEER_POLICY, a->peer_policy) < 0))
		goto err_msgsize;
	if (create) {
		/* the peer: an ifinfomsg, then its own IFLA_* attributes */
		peer = nla_nest_start(msg, IFLA_AZLXKIT_PEER_INFO);
		if (!peer || nlmsg_append(msg, &ifi, sizeof(ifi), NLMSG_ALIGNTO) < 0 ||
		    nla_put_string(msg, IFLA_IFNAME, a->peer) < 0 ||
		    (a->mtu && nla_put_u32(msg, IFLA_MTU, a->mtu) < 0) ||
		    (nsfd >= 0 && nla_put_u32(msg, IFLA_NET_NS_FD, nsfd) < 0))
			goto err_msgsize;
		nla_nest_end(msg, peer);
	}
	nla_nest_end(msg, data);
	nla_nest_end(msg, linkinfo);

	ret = AZLX_EXIT_OK;
	if (azlx_kit_talk(msg, &req))
		ret = azlx_kit_report(&req, create ? "cannot create the pair" :
				      "cannot change the pair");
	nlmsg_free(msg);
	goto out_close;

err_msgsize:
	nlmsg_free(msg);
	ret = azlx_error(AZLX_EXIT_ERR, "request too large");
out_close:
	if (nsfd >= 0)
		close(nsfd);
	return ret;
}

static int azlx_kit_help(int argc, char **argv);

static int azlx_kit_add(int argc, char **argv)
{
	struct azlx_kit_args a;
	int ret;

	if (argc && azlx_is_help(argv[0]))
		return azlx_kit_help(0, NULL);
	ret = azlx_kit_parse_args(argc, argv, true, &a);
	return ret ? ret : azlx_kit_newlink(&a, true);
}

static int azlx_kit_set(int argc, char **argv)
{
	struct azlx_kit_args a;
	int ret;

	if (argc && azlx_is_help(argv[0]))
		return azlx_kit_help(0, NULL);
	ret = azlx_kit_parse_args(argc, argv, false, &a);
	if (ret)
		return ret;
	if (!a.has_policy && !a.has_peer_policy)
		return azlx_error(AZLX_EXIT_USAGE, "\"azlxnet kit set\" needs \"policy\" "
				  "or \"peer-policy\"");
	return azlx_kit_newlink(&a, false);
}


/* One azlxkit end, as RTM_NEWLINK describes it. */
struct azlx_kit_link {
	__u32		ifindex;
	char		name[IFNAMSIZ];
	__u32		mtu;
	__u32		peer_ifindex;
	__s32		link_netnsid;
	bool		has_netnsid;
	bool		primary;
	__u32		mode;
	__u32		policy;
	__u32		peer_policy;
	bool		has_peer_policy;
};

struct azlx_kit_show {
	const char	*name;		/* only this one, or NULL */
	int		found;
};

static __u32 azlx_kit_u32(const struct nlattr *a)
{
	return a && nla_len(a) >= 4 ? nla_get_u32((struct nlattr *)a) : 0;
}

/* Parses @nlh into @l: false if it is not an azlxkit end. */
static bool azlx_kit_parse(struct nlmsghdr *nlh, struct azlx_kit_link *l)
{
	struct nlattr *tb[IFLA_MAX + 1], *li[IFLA_INFO_MAX + 1];
	struct nlattr *kd[IFLA_AZLXKIT_MAX + 1];
	struct ifinfomsg *ifi;

	memset(l, 0, sizeof(*l));
	if (nlh->nlmsg_type != RTM_NEWLINK ||
	    nlmsg_parse(nlh, sizeof(*ifi), tb, IFLA_MAX, NULL) < 0 || !tb[IFLA_LINKINFO] ||
	    nla_parse_nested(li, IFLA_INFO_MAX, tb[IFLA_LINKINFO], NULL) < 0 ||
	    !li[IFLA_INFO_KIND] || strcmp(nla_get_string(li[IFLA_INFO_KIND]), AZLXKIT_KIND))
		return false;
	ifi = nlmsg_data(nlh);
	l->ifindex = ifi->ifi_index;
	if (tb[IFLA_IFNAME])
		snprintf(l->name, sizeof(l->name), "%s", nla_get_string(tb[IFLA_IFNAME]));
	l->mtu = azlx_kit_u32(tb[IFLA_MTU]);
	l->peer_ifindex = azlx_kit_u32(tb[IFLA_LINK]);
	if (tb[IFLA_LINK_NETNSID]) {
		l->link_netnsid = (__s32)azlx_kit_u32(tb[IFLA_LINK_NETNSID]);
		l->has_netnsid = true;
	}
	if (li[IFLA_INFO_DATA] &&
	    !nla_parse_nested(kd, IFLA_AZLXKIT_MAX, li[IFLA_INFO_DATA], NULL)) {
		l->primary = kd[IFLA_AZLXKIT_PRIMARY] &&
			     nla_get_u8(kd[IFLA_AZLXKIT_PRIMARY]);
		l->mode = azlx_kit_u32(kd[IFLA_AZLXKIT_MODE]);
		l->policy = azlx_kit_u32(kd[IFLA_AZLXKIT_POLICY]);
		l->peer_policy = azlx_kit_u32(kd[IFLA_AZLXKIT_PEER_POLICY]);
		l->has_peer_policy = kd[IFLA_AZLXKIT_PEER_POLICY];
	}
	return true;
}

static int azlx_kit_show_one(struct nlmsghdr *nlh, void *arg)
{
	struct azlx_kit_show *s = arg;
	struct azlx_kit_link l;

	if (!azlx_kit_parse(nlh, &l) || (s->name && strcmp(s->name, l.name)))
		return 0;
	s->found++;
	azlx_print_open_object(NULL);
	azlx_print_uint(AZLX_PRINT_ANY, "ifindex", "%llu: ", l.ifindex);
	azlx_print_string(AZLX_PRINT_ANY, "ifname", "%s:", l.name);
	azlx_print_bool(AZLX_PRINT_JSON, "primary", NULL, l.primary);
	azlx_print_text(" %s", l.primary ? "primary" : "peer");
	azlx_print_string(AZLX_PRINT_ANY, "mode", " mode %s", azlx_kit_mode_name(l.mode));
	azlx_print_uint(AZLX_PRINT_ANY, "mtu", " mtu %llu", l.mtu);
	azlx_print_string(AZLX_PRINT_ANY, "policy", " policy %s",
			  azlx_kit_policy_name(l.policy));
	if (l.peer_ifindex) {
		azlx_print_open_object("peer");
		azlx_print_uint(AZLX_PRINT_ANY, "ifindex", " peer ifindex %llu", l.peer_ifindex);
		if (l.has_netnsid)
			azlx_print_int(AZLX_PRINT_ANY, "netnsid", " netnsid %lld", l.link_netnsid);
		if (l.has_peer_policy)
			azlx_print_string(AZLX_PRINT_ANY, "policy", " policy %s",
					  azlx_kit_policy_name(l.peer_policy));
		azlx_print_close_object();
	} else {
		azlx_print_null("peer");
		azlx_print_text(" no peer");
	}
	azlx_print_text("\n");
	azlx_print_close_object();
	return 0;
}

/* Every link of this namespace to @req's callback; an exit status. */
static int azlx_kit_dump(struct azlx_kit_req *req)
{
	struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC };
	struct nl_msg *msg;
	int ret = AZLX_EXIT_OK;

	msg = nlmsg_alloc_simple(RTM_GETLINK, NLM_F_REQUEST | NLM_F_DUMP);
	if (!msg)
		return azlx_error(AZLX_EXIT_ERR, "out of memory");
	if (nlmsg_append(msg, &ifi, sizeof(ifi), NLMSG_ALIGNTO) < 0) {
		nlmsg_free(msg);
		return azlx_error(AZLX_EXIT_ERR, "request too large");
	}
	if (azlx_kit_talk(msg, req))
		ret = azlx_kit_report(req, "cannot list links");
	nlmsg_free(msg);
	return ret;
}

static int azlx_kit_show(int argc, char **argv)
{
	struct azlx_kit_show s = { 0 };
	struct azlx_kit_req req = {
		.valid	= azlx_kit_show_one,
		.arg	= &s,
	};
	int ret;

	if (argc > 1)
		return azlx_error(AZLX_EXIT_USAGE, "usage: azlxnet kit show [ NAME ]");
	if (argc) {
		ret = azlx_kit_parse_name(argv[0], "NAME");
		if (ret)
			return ret;
		s.name = argv[0];
	}
	azlx_print_open_array(NULL);
	ret = azlx_kit_dump(&req);
	azlx_print_close_array();
	if (!ret && s.name && !s.found)
		ret = azlx_error(AZLX_EXIT_ERR, "no azlxkit device \"%s\"", s.name);
	return ret;
}

/* RTM_GETLINK or RTM_DELLINK of the device @name */
static int azlx_kit_link_req(int type, const char *name, struct azlx_kit_req *req)
{
	struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC };
	struct nl_msg *msg;
	int err;

	msg = nlmsg_alloc_simple(type, NLM_F_REQUEST | NLM_F_ACK);
	if (!msg)
		return req->error = ENOMEM;
	if (nlmsg_append(msg, &ifi, sizeof(ifi), NLMSG_ALIGNTO) < 0 ||
	    nla_put_string(msg, IFLA_IFNAME, name) < 0) {
		nlmsg_free(msg);
		return req->error = EMSGSIZE;
	}
	err = azlx_kit_talk(msg, req);
	nlmsg_free(msg);
	return err;
}

static int azlx_kit_get_one(struct nlmsghdr *nlh, void *arg)
{
	struct azlx_kit_show *s = arg;
	struct azlx_kit_link l;

	if (azlx_kit_parse(nlh, &l) && !strcmp(l.name, s->name))
		s->found++;
	return 0;
}

/* Only an azlxkit end: "kit del eth0" must not delete eth0. */
static int azlx_kit_del(int argc, char **argv)
{
	struct azlx_kit_show s = { 0 };
	struct azlx_kit_req req = {
		.valid	= azlx_kit_get_one,
		.arg	= &s,
	};
	int ret;

	if (argc != 1)
		return azlx_error(AZLX_EXIT_USAGE, "usage: azlxnet kit del NAME");
	ret = azlx_kit_parse_name(argv[0], "NAME");
	if (ret)
		return ret;
	s.name = argv[0];
	if (azlx_kit_link_req(RTM_GETLINK, argv[0], &req)) {
		if (req.error == ENODEV)
			return azlx_error(AZLX_EXIT_ERR, "no device \"%s\"", argv[0]);
		return azlx_kit_report(&req, "cannot read the device");
	}
	if (!s.found)
		return azlx_error(AZLX_EXIT_ERR, "\"%s\" is not an azlxkit device", argv[0]);
	memset(&req, 0, sizeof(req));
	if (azlx_kit_link_req(RTM_DELLINK, argv[0], &req))
		return azlx_kit_report(&req, "cannot delete the pair");
	return AZLX_EXIT_OK;
}

/*
 * "kit prog": the tc programs of a pair's ends, over the generic netlink
 * family (kit-prog-attach, kit-prog-detach, kit-prog-get). The pair is
 * named by its primary, in this namespace; the module refuses a peer.
 */
struct azlx_kit_prog_req {
	__u32	ifindex;
	__u32	end;			/* enum azlxnet_kit_end */
	int	prog_fd;		/* attach; -1 otherwise */
	__u32	expected;
	bool	has_expected;
	__u32	prog_id;		/* out: kit-prog-get */
	bool	has_prog_id;
};

static int azlx_kit_prog_fill(struct nl_msg *msg, void *arg)
{
	const struct azlx_kit_prog_req *r = arg;
	int err;

	err = nla_put_u32(msg, AZLXNET_A_KIT_IFINDEX, r->ifindex);
	if (!err)
		err = nla_put_u32(msg, AZLXNET_A_KIT_END, r->end);
	if (!err && r->prog_fd >= 0)
		err = nla_put_u32(msg, AZLXNET_A_KIT_PROG_FD, r->prog_fd);
	if (!err && r->has_expected)
		err = nla_put_u32(msg, AZLXNET_A_KIT_EXPECTED_PROG_ID, r->expected);
	return err;
}

static int azlx_kit_prog_reply(const struct nlmsghdr *nlh, void *arg, char *why,
			       size_t why_len)
{
	struct nlattr *tb[AZLXNET_A_KIT_MAX + 1];
	struct azlx_kit_prog_req *r = arg;
	int err;

	err = genlmsg_parse((struct nlmsghdr *)nlh, 0, tb, AZLXNET_A_KIT_MAX, azlx_kit_policy);
	if (err < 0) {
		snprintf(why, why_len, "%s", nl_geterror(err));
		return -EINVAL;
	}
	if (!tb[AZLXNET_A_KIT_PROG_ID]) {
		snprintf(why, why_len, "no prog-id");
		return -EINVAL;
	}
	r->prog_id = nla_get_u32(tb[AZLXNET_A_KIT_PROG_ID]);
	r->has_prog_id = true;
	return 0;
}

/* One kit-prog request; @quiet: the caller words the failure (op.error). */
static int azlx_kit_prog_request(__u8 cmd, const char *name, struct azlx_kit_prog_req *r,
				 bool quiet, int *error)
{
	struct azlx_genl_op op = {
		.cmd		= cmd,
		.name		= name,
		.fill		= azlx_kit_prog_fill,
		.reply		= cmd == AZLXNET_CMD_KIT_PROG_GET ? azlx_kit_prog_reply : NULL,
		.attr_name	= azlx_kit_attr_name,
		.arg		= r,
	};
	struct azlx_genl g;
	int ret;

	if (quiet)
		azlx_errors_mute(true);
	ret = azlx_genl_open(&g);
	if (!ret) {
		ret = azlx_genl_request(&g, &op);
		azlx_genl_close(&g);
	}
	if (quiet)
		azlx_errors_mute(false);
	if (error)
		*error = op.error;
	return ret;
}

int azlx_kit_prog_get_id(__u32 ifindex, __u32 end, __u32 *id, struct azlx_err *e)
{
	struct azlx_kit_prog_req r = { .ifindex = ifindex, .end = end, .prog_fd = -1 };
	int ret, error = 0;

	*id = 0;
	ret = azlx_kit_prog_request(AZLXNET_CMD_KIT_PROG_GET, "kit-prog-get", &r, true, &error);
	if (ret == AZLX_EXIT_NOMOD)
		return azlx_fail(e, ENODEV, "the azlxnet module is not loaded");
	if (ret)
		return azlx_fail(e, error ? error : EIO, "kit-prog-get of ifindex %u failed: %s",
				 ifindex, strerror(error ? error : EIO));
	*id = r.prog_id;
	return 0;
}

int azlx_kit_prog_set(__u32 ifindex, __u32 end, int prog_fd, long long expected,
		      struct azlx_err *e)
{
	struct azlx_kit_prog_req r = {
		.ifindex	= ifindex,
		.end		= end,
		.prog_fd	= prog_fd,
		.expected	= expected < 0 ? 0 : (__u32)expected,
		.has_expected	= expected >= 0,
	};
	const char *op = prog_fd >= 0 ? "kit-prog-attach" : "kit-prog-detach";
	int ret, error = 0;

	ret = azlx_kit_prog_request(prog_fd >= 0 ? AZLXNET_CMD_KIT_PROG_ATTACH :
				    AZLXNET_CMD_KIT_PROG_DETACH, op, &r, true, &error);
	if (ret == AZLX_EXIT_NOMOD)
		return azlx_fail(e, ENODEV, "the azlxnet module is not loaded");
	if (ret)
		return azlx_fail(e, error ? error : EIO, "%s on ifindex %u failed: %s", op, ifindex,
				 strerror(error ? error : EIO));
	return 0;
}

int azlx_kit_prog_ours(__u32 ifindex, __u32 *id, struct azlx_err *e)
{
	struct bpf_prog_info info = { 0 };
	__u32 len = sizeof(info);
	int err, fd;

	err = azlx_kit_prog_get_id(ifindex, AZLXNET_KIT_END_PEER, id, e);
	if (err == -ENODEV || err == -EPERM)
		return 0;	/* not an azlxkit primary (or its peer is gone) */
	if (err || !*id)
		return err;
	fd = bpf_prog_get_fd_by_id(*id);
	if (fd < 0)
		return errno == ENOENT ? 0 : azlx_fail(e, errno, "cannot open program %u: %s",
							*id, strerror(errno));
	err = bpf_obj_get_info_by_fd(fd, &info, &len);
	close(fd);
	if (err)
		return azlx_fail(e, errno, "cannot read program %u: %s", *id, strerror(errno));
	/* the kernel keeps BPF_OBJ_NAME_LEN - 1 characters of the name */
	return !strncmp(info.name, "azlxnet_from_kit", sizeof(info.name) - 1);
}

static int azlx_kit_parse_end(const char *word, __u32 *end)
{
	if (!strcmp(word, "primary"))
		*end = AZLXNET_KIT_END_PRIMARY;
	else if (!strcmp(word, "peer"))
		*end = AZLXNET_KIT_END_PEER;
	else
		return azlx_error(AZLX_EXIT_USAGE, "invalid END \"%s\" (primary or peer)", word);
	return AZLX_EXIT_OK;
}

static int azlx_kit_parse_id(const char *word, const char *what, __u32 *id)
{
	unsigned long v;
	char *end;

	errno = 0;
	v = strtoul(word, &end, 10);
	if (errno || end == word || *end || word[0] == '-' || v > UINT32_MAX)
		return azlx_error(AZLX_EXIT_USAGE, "invalid %s \"%s\"", what, word);
	*id = v;
	return AZLX_EXIT_OK;
}

/* NAME END into @r, the name's ifindex once all is parsed */
static int azlx_kit_prog_target(int argc, char **argv, const char *where,
				struct azlx_kit_prog_req *r)
{
	int ret;

	if (argc < 2)
		return azlx_error(AZLX_EXIT_USAGE, "\"%s\" needs NAME and END", where);
	ret = azlx_kit_parse_name(argv[0], "NAME");
	if (!ret)
		ret = azlx_kit_parse_end(argv[1], &r->end);
	return ret;
}

enum {
	AZLX_KIT_PROG_KW_PINNED,
	AZLX_KIT_PROG_KW_ID,
	AZLX_KIT_PROG_KW_EXPECTED,
};

static const struct azlx_cmd azlx_kit_prog_keywords[] = {
	[AZLX_KIT_PROG_KW_PINNED]	= { "pinned",	NULL },
	[AZLX_KIT_PROG_KW_ID]		= { "id",	NULL },
	[AZLX_KIT_PROG_KW_EXPECTED]	= { "expected",	NULL },
	{ NULL, NULL },
};

static int azlx_kit_prog_help(int argc, char **argv);

/*
 * NAME END { pinned PATH | id ID } [ expected ID ] (attach), NAME END
 * [ expected ID ] (detach)
 */
static int azlx_kit_prog_change(int argc, char **argv, bool attach)
{
	const char *where = attach ? "azlxnet kit prog attach" : "azlxnet kit prog detach";
	struct azlx_kit_prog_req r = { .prog_fd = -1 };
	const char *pinned = NULL, *name;
	const struct azlx_cmd *kw;
	unsigned int seen = 0;
	__u32 id = 0;
	int ret, i;

	if (argc && azlx_is_help(argv[0]))
		return azlx_kit_prog_help(0, NULL);
	ret = azlx_kit_prog_target(argc, argv, where, &r);
	if (ret)
		return ret;
	name = argv[0];
	for (argc -= 2, argv += 2; argc; argc -= 2, argv += 2) {
		kw = azlx_cmd_lookup(azlx_kit_prog_keywords, argv[0], "keyword", where);
		if (!kw)
			return AZLX_EXIT_USAGE;
		i = kw - azlx_kit_prog_keywords;
		if (argc < 2)
			return azlx_error(AZLX_EXIT_USAGE, "\"%s\" needs a value", kw->name);
		if (!attach && i != AZLX_KIT_PROG_KW_EXPECTED)
			return azlx_error(AZLX_EXIT_USAGE, "\"%s\" takes no \"%s\"", where,
					  kw->name);
		if (seen & (1u << i) ||
		    (i != AZLX_KIT_PROG_KW_EXPECTED &&
		     seen & (1u << AZLX_KIT_PROG_KW_PINNED | 1u << AZLX_KIT_PROG_KW_ID)))
			return azlx_error(AZLX_EXIT_USAGE, "\"%s\" given twice", kw->name);
		seen |= 1u << i;
		switch (i) {
		case AZLX_KIT_PROG_KW_PINNED:
			pinned = argv[1];
			break;
		case AZLX_KIT_PROG_KW_ID:
			ret = azlx_kit_parse_id(argv[1], "PROG_ID", &id);
			break;
		case AZLX_KIT_PROG_KW_EXPECTED:
			ret = azlx_kit_parse_id(argv[1], "expected PROG_ID", &r.expected);
			r.has_expected = true;
			break;
		}
		if (ret)
			return ret;
	}
	if (attach && !pinned && !(seen & 1u << AZLX_KIT_PROG_KW_ID))
		return azlx_error(AZLX_EXIT_USAGE, "\"%s\" needs \"pinned PATH\" or \"id PROG_ID\"",
				  where);
	r.ifindex = if_nametoindex(name);
	if (!r.ifindex)
		return azlx_error(AZLX_EXIT_ERR, "no device \"%s\"", name);

	if (attach) {
		r.prog_fd = pinned ? bpf_obj_get(pinned) : bpf_prog_get_fd_by_id(id);
		if (r.prog_fd < 0) {
			ret = errno;
			if (pinned)
				return azlx_error(AZLX_EXIT_ERR, "cannot open pinned program %s: %s",
						  pinned, strerror(ret));
			return azlx_error(AZLX_EXIT_ERR, "cannot open program %u: %s", id,
					  strerror(ret));
		}
		ret = azlx_kit_prog_request(AZLXNET_CMD_KIT_PROG_ATTACH, "kit-prog-attach", &r,
					    false, NULL);
		close(r.prog_fd);
	} else {
		ret = azlx_kit_prog_request(AZLXNET_CMD_KIT_PROG_DETACH, "kit-prog-detach", &r,
					    false, NULL);
	}
	if (!ret)
		azlx_print_begin();
	return ret;
}

static int azlx_kit_prog_attach(int argc, char **argv)
{
	return azlx_kit_prog_change(argc, argv, true);
}

static int azlx_kit_prog_detach(int argc, char **argv)
{
	return azlx_kit_prog_change(argc, argv, false);
}

/* The primaries of this namespace, from an RTM_GETLINK dump. */
struct azlx_kit_primaries {
	const char	*name;		/* only this one, or NULL */
	int		found;		/* ends named @name */
	int		n;
	int		cap;
	struct azlx_kit_link *links;
};

static int azlx_kit_primary_one(struct nlmsghdr *nlh, void *arg)
{
	struct azlx_kit_primaries *p = arg;
	struct azlx_kit_link l, *links;

	if (!azlx_kit_parse(nlh, &l) || (p->name && strcmp(p->name, l.name)))
		return 0;
	p->found++;
	if (!l.primary)
		return 0;
	if (p->n == p->cap) {
		links = realloc(p->links, (p->cap ? 2 * p->cap : 16) * sizeof(*links));
		if (!links)
			return -ENOMEM;
		p->links = links;
		p->cap = p->cap ? 2 * p->cap : 16;
	}
	p->links[p->n++] = l;
	return 0;
}

/* One end's program: { "id": N, "name": "..." }, or null */
static int azlx_kit_prog_show_end(const struct azlx_kit_link *l, __u32 end, const char *key)
{
	struct azlx_kit_prog_req r = { .ifindex = l->ifindex, .end = end, .prog_fd = -1 };
	struct bpf_prog_info info = { 0 };
	__u32 len = sizeof(info);
	int ret, error = 0, fd;

	ret = azlx_kit_prog_request(AZLXNET_CMD_KIT_PROG_GET, "kit-prog-get", &r, true, &error);
	if (ret == AZLX_EXIT_NOMOD)
		return ret;
	if (ret && error == ENODEV && end == AZLXNET_KIT_END_PEER) {
		/* the peer is gone (the pair is going) */
		azlx_print_null(key);
		azlx_print_text(" %s gone", key);
		return AZLX_EXIT_OK;
	}
	if (ret)
		return azlx_kit_prog_request(AZLXNET_CMD_KIT_PROG_GET, "kit-prog-get", &r, false,
					     NULL);
	if (!r.prog_id) {
		azlx_print_null(key);
		azlx_print_text(" %s none", key);
		return AZLX_EXIT_OK;
	}
	azlx_print_open_object(key);
	azlx_print_text(" %s", key);
	azlx_print_uint(AZLX_PRINT_ANY, "id", " id %llu", r.prog_id);
	fd = bpf_prog_get_fd_by_id(r.prog_id);
	if (fd >= 0) {
		if (!bpf_obj_get_info_by_fd(fd, &info, &len) && info.name[0])
			azlx_print_string(AZLX_PRINT_ANY, "name", " name %s", info.name);
		close(fd);
	}
	azlx_print_close_object();
	return AZLX_EXIT_OK;
}

static int azlx_kit_prog_show(int argc, char **argv)
{
	struct azlx_kit_primaries p = { 0 };
	struct azlx_kit_req req = {
		.valid	= azlx_kit_primary_one,
		.arg	= &p,
	};
	int ret, i;

	if (argc > 1)
		return azlx_error(AZLX_EXIT_USAGE, "usage: azlxnet kit prog show [ NAME ]");
	if (argc) {
		ret = azlx_kit_parse_name(argv[0], "NAME");
		if (ret)
			return ret;
		p.name = argv[0];
	}
	ret = azlx_kit_dump(&req);
	if (!ret && p.name && !p.found)
		ret = azlx_error(AZLX_EXIT_ERR, "no azlxkit device \"%s\"", p.name);
	else if (!ret && p.name && !p.n)
		ret = azlx_error(AZLX_EXIT_ERR, "\"%s\" is a peer: programs are shown on "
				 "the primary", p.name);
	azlx_print_open_array(NULL);
	for (i = 0; !ret && i < p.n; i++) {
		azlx_print_open_object(NULL);
		azlx_print_uint(AZLX_PRINT_ANY, "ifindex", "%llu: ", p.links[i].ifindex);
		azlx_print_string(AZLX_PRINT_ANY, "ifname", "%s:", p.links[i].name);
		ret = azlx_kit_prog_show_end(&p.links[i], AZLXNET_KIT_END_PRIMARY, "primary");
		if (!ret)
			ret = azlx_kit_prog_show_end(&p.links[i], AZLXNET_KIT_END_PEER, "peer");
		azlx_print_text("\n");
		azlx_print_close_object();
	}
	azlx_print_close_array();
	free(p.links);
	return ret;
}

static int azlx_kit_prog_help(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	printf("Usage: azlxnet kit prog attach NAME END { pinned PATH | id PROG_ID }\n"
	       "                               [ expected PROG_ID ]\n"
	       "       azlxnet kit prog detach NAME END [ expected PROG_ID ]\n"
	       "       azlxnet kit prog show [ NAME ]\n"
	       "       azlxnet kit prog help\n"
	       "where  NAME := the primary, in this namespace\n"
	       "       END := { primary | peer } (whose transmit runs the program)\n"
	       "       PATH := a SCHED_CLS program pinned on a bpffs\n"
	       "       expected PROG_ID := change only if PROG_ID is attached now (0: none)\n");
	return AZLX_EXIT_OK;
}

static const struct azlx_cmd azlx_kit_prog_cmds[] = {
	{ "attach",	azlx_kit_prog_attach },
	{ "detach",	azlx_kit_prog_detach },
	{ "help",	azlx_kit_prog_help },
	{ "show",	azlx_kit_prog_show },
	{ NULL,		NULL },
};

static int azlx_kit_prog(int argc, char **argv)
{
	if (!argc)
		return azlx_kit_prog_show(0, NULL);
	return azlx_cmd_run(azlx_kit_prog_cmds, argc, argv, "azlxnet kit prog");
}

static int azlx_kit_help(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	printf("Usage: azlxnet kit add NAME peer PEER [ netns NS ] [ mode MODE ] [ mtu MTU ]\n"
	       "                      [ policy POLICY ] [ peer-policy POLICY ]\n"
	       "       azlxnet kit set NAME [ policy POLICY ] [ peer-policy POLICY ]\n"
	       "       azlxnet kit del NAME\n"
	       "       azlxnet kit show [ NAME ]\n"
	       "       azlxnet kit prog { attach | detach | show | help } ...\n"
	       "       azlxnet kit help\n"
	       "where  NAME := the primary, in this namespace\n"
	       "       PEER := the peer's name, in NS (default: this namespace)\n"
	       "       NS := a name in /var/run/netns or a path (/proc/PID/ns/net)\n"
	       "       MODE := { l3 | l2 } (default l3)\n"
	       "       POLICY := { forward | drop } (default forward)\n");
	return AZLX_EXIT_OK;
}

static const struct azlx_cmd azlx_kit_cmds[] = {
	{ "add",	azlx_kit_add },
	{ "del",	azlx_kit_del },
	{ "help",	azlx_kit_help },
	{ "prog",	azlx_kit_prog },
	{ "set",	azlx_kit_set },
	{ "show",	azlx_kit_show },
	{ NULL,		NULL },
};

int azlx_do_kit(int argc, char **argv)
{
	if (!argc)
		return azlx_kit_show(0, NULL);
	return azlx_cmd_run(azlx_kit_cmds, argc, argv, "azlxnet kit");
}
