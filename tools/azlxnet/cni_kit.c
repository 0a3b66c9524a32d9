// SPDX-License-Identifier: GPL-2.0-only
/*
 * The CNI main plugin mode "azlxkit": {"type": "azlxnet", "mode": "azlxkit",
 * "ipam": {...}} as the first plugin of a list. ADD creates an azlxkit pair
 * (primary here, named from the attachment; peer CNI_IFNAME in CNI_NETNS,
 * L3 mode, both policies forward), takes the addresses from the IPAM plugin
 * (executed from CNI_PATH with the same configuration and environment, as
 * the CNI specification says), and routes: in the pod, everything through a
 * link-local gateway that the pair's L3 mode never has to resolve; here, each
 * pod address through the primary. Then, unless "fastpath" is false, the pod
 * goes on the fast path as "azlxnet pod add" puts it there (azlxnet_from_kit
 * on the peer's end; with "uplink", the uplink's program too). Any failure
 * undoes what ADD did, IPAM included. DEL, CHECK, GC and STATUS likewise; see
 * Documentation/azlxkit.rst.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <net/if.h>

#include <netlink/attr.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>
#include <netlink/socket.h>
#include <linux/azlxkit.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>

#include <json-c/json.h>

#include "cni.h"
#include "cni_state.h"
#include "datapath.h"
#include "netns.h"
#include "nlerr.h"

/* The records of this mode's attachments (GC goes by them). */
#define KIT_STATE_DIR		"/run/azlxnet/cni-kit"
/* The pod's gateways: link-local, never resolved (L3 mode has no ARP/ND). */
#define KIT_GW4			"169.254.1.1"
#define KIT_GW6			"fe80::1"
/* The primary: this prefix and 12 hex digits of a hash of the attachment. */
#define KIT_HOST_PREFIX		"azk"
#define KIT_IPS_MAX		8
#define KIT_ROUTES_MAX		16
/* Largest answer read from the IPAM plugin. */
#define KIT_IPAM_OUT_MAX	(1 << 20)

/* An address with its prefix length, or a route's destination. */
struct kit_pfx {
	int		family;
	unsigned char	addr[16];
	int		plen;
	char		text[INET6_ADDRSTRLEN + 5];
};

/* A route: destination and gateway (family 0: none). */
struct kit_route {
	struct kit_pfx	dst;
	struct kit_pfx	gw;
};

struct kit_conf {
	const char	*version;
	const char	*name;
	const char	*ipam_type;
	char		ipam_bin[4096];
	__u32		mtu;
	json_object	*doc;
	json_object	*prev;
	const char	*in;
	size_t		len;
	/* what the IPAM plugin gets: @in, or @in in an older version it has */
	char		*ipam_in;
	size_t		ipam_len;
	bool		ipam_11;	/* it has CNI 1.1.0 (GC, STATUS) */
	bool		fastpath;	/* the pod on the fast path (default) */
	const char	*uplink;	/* the fast path's uplink, or NULL */
	const struct azlx_cni_ops *ops;
};

static size_t kit_alen(int family)
{
	return family == AF_INET ? 4 : 16;
}

/* "ADDR/PLEN" (or, with @plen_opt, "ADDR" as a host prefix) into @p. */
static int kit_pfx_parse(const char *s, bool plen_opt, struct kit_pfx *p)
{
	char buf[INET6_ADDRSTRLEN + 8], *slash, *end;
	long plen;

	memset(p, 0, sizeof(*p));
	if (strlen(s) >= sizeof(buf))
		return -EINVAL;
	strcpy(buf, s);
	slash = strchr(buf, '/');
	if (slash)
		*slash = '\0';
	else if (!plen_opt)
		return -EINVAL;
	if (inet_pton(AF_INET, buf, p->addr) == 1)
		p->family = AF_INET;
	else if (inet_pton(AF_INET6, buf, p->addr) == 1)
		p->family = AF_INET6;
	else
		return -EINVAL;
	if (slash) {
		errno = 0;
		plen = strtol(slash + 1, &end, 10);
		if (errno || end == slash + 1 || *end || plen < 0 ||
		    plen > (long)kit_alen(p->family) * 8)
			return -EINVAL;
		p->plen = (int)plen;
	} else {
		p->plen = (int)kit_alen(p->family) * 8;
	}
	/* a bare address stays one: a gateway */
	if (slash)
		snprintf(p->text, sizeof(p->text), "%s/%d", buf, p->plen);
	else
		snprintf(p->text, sizeof(p->text), "%s", buf);
	return 0;
}

static bool kit_pfx_eq(const struct kit_pfx *a, const struct kit_pfx *b)
{
	return a->family == b->family && a->plen == b->plen &&
	       !memcmp(a->addr, b->addr, kit_alen(a->family));
}

/* The address text of @p without its prefix length. */
static const char *kit_pfx_addr(const struct kit_pfx *p, char *buf, size_t len)
{
	if (!inet_ntop(p->family, p->addr, buf, (socklen_t)len))
		snprintf(buf, len, "?");
	return buf;
}

/* The primary's name: the same for the same attachment, on every node. */
static void kit_host_name(const char *containerid, const char *ifname, char buf[IFNAMSIZ])
{
	__u64 h = 0xcbf29ce484222325ULL;
	const char *s;

	for (s = containerid; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 0x100000001b3ULL;
	}
	h ^= '/';
	h *= 0x100000001b3ULL;
	for (s = ifname; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 0x100000001b3ULL;
	}
	snprintf(buf, IFNAMSIZ, KIT_HOST_PREFIX "%012llx",
		 (unsigned long long)(h & 0xffffffffffffULL));
}

/* Route netlink */

struct kit_nl {
	int	error;		/* positive errno, 0 */
	bool	done;
	char	extack[256];
	int	(*valid)(struct nlmsghdr *nlh, void *arg);
	void	*arg;
};

static int kit_nl_err_cb(struct sockaddr_nl *nla, struct nlmsgerr *err, void *arg)
{
	const struct nlmsghdr *nlh = (const struct nlmsghdr *)((char *)err - NLMSG_HDRLEN);
	struct kit_nl *r = arg;
	struct azlx_extack ext;

	(void)nla;
	r->error = err->error < 0 ? -err->error : err->error;
	if (!azlx_extack_parse(nlh, &ext) && ext.msg)
		snprintf(r->extack, sizeof(r->extack), "%s", ext.msg);
	r->done = true;
	return NL_STOP;
}

static int kit_nl_stop_cb(struct nl_msg *msg, void *arg)
{
	struct kit_nl *r = arg;

	(void)msg;
	r->done = true;
	return NL_STOP;
}

static int kit_nl_valid_cb(struct nl_msg *msg, void *arg)
{
	struct kit_nl *r = arg;

	if (r->valid)
		r->valid(nlmsg_hdr(msg), r->arg);
	return NL_OK;
}

/*
 * Sends @msg (freed) on @sk and reads until its ACK, error or NLMSG_DONE.
 * Returns 0 or a positive errno, the kernel's message in @r->extack.
 */
static int kit_talk(struct nl_sock *sk, struct nl_msg *msg, struct kit_nl *r)
{
	struct nl_cb *cb;
	int one = 1;
	int err;

	setsockopt(nl_socket_get_fd(sk), SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	setsockopt(nl_socket_get_fd(sk), SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
	cb = nl_cb_alloc(NL_CB_DEFAULT);
	if (!cb) {
		nlmsg_free(msg);
		return r->error = ENOMEM;
	}
	nl_cb_err(cb, NL_CB_CUSTOM, kit_nl_err_cb, r);
	nl_cb_set(cb, NL_CB_ACK, NL_CB_CUSTOM, kit_nl_stop_cb, r);
	nl_cb_set(cb, NL_CB_FINISH, NL_CB_CUSTOM, kit_nl_stop_cb, r);
	nl_cb_set(cb, NL_CB_VALID, NL_CB_CUSTOM, kit_nl_valid_cb, r);
	err = nl_send_auto(sk, msg);
	while (err >= 0 && !r->done) {
		err = nl_recvmsgs_report(sk, cb);
		if (!err && !r->done)
			err = -NLE_FAILURE;
	}
	if (!r->done) {
		r->error = EIO;
		snprintf(r->extack, sizeof(r->extack), "%s", nl_geterror(err));
	}
	nl_cb_put(cb);
	nlmsg_free(msg);
	return r->error;
}

/* One link as RTM_NEWLINK describes it. */
struct kit_link {
	__u32	ifindex;
	__u32	peer;		/* IFLA_LINK */
	bool	kit;		/* kind azlxkit */
	bool	primary;
};

static int kit_link_cb(struct nlmsghdr *nlh, void *arg)
{
	struct nlattr *tb[IFLA_MAX + 1], *li[IFLA_INFO_MAX + 1];
	struct nlattr *kd[IFLA_AZLXKIT_MAX + 1];
	struct kit_link *l = arg;

	if (nlh->nlmsg_type != RTM_NEWLINK ||
	    nlmsg_parse(nlh, sizeof(struct ifinfomsg), tb, IFLA_MAX, NULL) < 0)
		return 0;
	l->ifindex = (__u32)((struct ifinfomsg *)nlmsg_data(nlh))->ifi_index;
	if (tb[IFLA_LINK] && nla_len(tb[IFLA_LINK]) >= 4)
		l->peer = nla_get_u32(tb[IFLA_LINK]);
	if (tb[IFLA_LINKINFO] &&
	    !nla_parse_nested(li, IFLA_INFO_MAX, tb[IFLA_LINKINFO], NULL) &&
	    li[IFLA_INFO_KIND] && !strcmp(nla_get_string(li[IFLA_INFO_KIND]), AZLXKIT_KIND)) {
		l->kit = true;
		if (li[IFLA_INFO_DATA] &&
		    !nla_parse_nested(kd, IFLA_AZLXKIT_MAX, li[IFLA_INFO_DATA], NULL))
			l->primary = kd[IFLA_AZLXKIT_PRIMARY] &&
				     nla_get_u8(kd[IFLA_AZLXKIT_PRIMARY]);
	}
	return 0;
}

/* Link @name as @sk sees it: 0, -ENODEV when there is none, or another error. */
static int kit_link_get(struct nl_sock *sk, const char *name, struct kit_link *l,
			struct azlx_err *e)
{
	struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC };
	struct kit_nl r = { .valid = kit_link_cb, .arg = l };
	struct nl_msg *msg;

	memset(l, 0, sizeof(*l));
	msg = nlmsg_alloc_simple(RTM_GETLINK, NLM_F_REQUEST | NLM_F_ACK);
	if (!msg || nlmsg_append(msg, &ifi, sizeof(ifi), NLMSG_ALIGNTO) < 0 ||
	    nla_put_string(msg, IFLA_IFNAME, name) < 0) {
		nlmsg_free(msg);
		return azlx_fail(e, ENOMEM, "out of memory");
	}
	if (!kit_talk(sk, msg, &r))
		return l->ifindex ? 0 : -ENODEV;
	if (r.error == ENODEV)
		return -ENODEV;
	return azlx_fail(e, r.error, "cannot read link %s: %s", name, strerror(r.error));
}

/* RTM_NEWLINK (@up: set IFF_UP) or RTM_DELLINK of @ifindex. */
static int kit_link_op(struct nl_sock *sk, int type, __u32 ifindex, struct azlx_err *e)
{
	struct ifinfomsg ifi = {
		.ifi_family	= AF_UNSPEC,
		.ifi_index	= (int)ifindex,
		.ifi_flags	= type == RTM_NEWLINK ? IFF_UP : 0,
		.ifi_change	= type == RTM_NEWLINK ? IFF_UP : 0,
	};
	struct kit_nl r = { 0 };
	struct nl_msg *msg;

	msg = nlmsg_alloc_simple(type, NLM_F_REQUEST | NLM_F_ACK);
	if (!msg || nlmsg_append(msg, &ifi, sizeof(ifi), NLMSG_ALIGNTO) < 0) {
		nlmsg_free(msg);
		return azlx_fail(e, ENOMEM, "out of memory");
	}
	if (kit_talk(sk, msg, &r))
		return azlx_fail(e, r.error, "cannot %s link %u: %s%s%s",
				 type == RTM_NEWLINK ? "bring up" : "delete", ifindex,
				 strerror(r.error), r.extack[0] ? ": " : "", r.extack);
	return 0;
}

/*
 * The pair: primary @host here, peer @peer in the namespace of @nsfd, L3,
 * both policies forward. EEXIST has code 104, a kernel without the link
 * kind code 50.
 */
static int kit_pair_create(struct nl_sock *sk, const char *host, const char *peer, int nsfd,
			   __u32 mtu, struct azlx_err *e)
{
	struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC };
	struct nlattr *linkinfo, *data, *pinfo;
	struct kit_nl r = { 0 };
	struct nl_msg *msg;

	msg = nlmsg_alloc_simple(RTM_NEWLINK, NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE |
				 NLM_F_EXCL);
	if (!msg || nlmsg_append(msg, &ifi, sizeof(ifi), NLMSG_ALIGNTO) < 0 ||
	    nla_put_string(msg, IFLA_IFNAME, host) < 0 ||
	    (mtu && nla_put_u32(msg, IFLA_MTU, mtu) < 0))
		goto nomem;
	linkinfo = nla_nest_start(msg, IFLA_LINKINFO);
	if (!linkinfo || nla_put_string(msg, IFLA_INFO_KIND, AZLXKIT_KIND) < 0)
		goto nomem;
	data = nla_nest_start(msg, IFLA_INFO_DATA);
	if (!data || nla_put_u32(msg, IFLA_AZLXKIT_MODE, AZLXKIT_L3) < 0 ||
	    nla_put_u32(msg, IFLA_AZLXKIT_POLICY, AZLXKIT_PASS) < 0 ||
	    nla_put_u32(msg, IFLA_AZLXKIT_PEER_POLICY, AZLXKIT_PASS) < 0)
		goto nomem;
	pinfo = nla_nest_start(msg, IFLA_AZLXKIT_PEER_INFO);
	if (!pinfo || nlmsg_append(msg, &ifi, sizeof(ifi), NLMSG_ALIGNTO) < 0 ||
	    nla_put_string(msg, IFLA_IFNAME, peer) < 0 ||
	    (mtu && nla_put_u32(msg, IFLA_MTU, mtu) < 0) ||
	    nla_put_u32(msg, IFLA_NET_NS_FD, (__u32)nsfd) < 0)
		goto nomem;
	nla_nest_end(msg, pinfo);
	nla_nest_end(msg, data);
	nla_nest_end(msg, linkinfo);
	if (!kit_talk(sk, msg, &r))
		return 0;
	if (r.error == EOPNOTSUPP && strstr(r.extack, "Unknown device type"))
		return azlx_fail_cni(e, AZLX_CNI_ERR_UNAVAILABLE, r.error,
				     "link kind %s unknown: azlxnet.ko is not loaded",
				     AZLXKIT_KIND);
	return azlx_fail_cni(e, r.error == EEXIST ? AZLX_CNI_ERR_NAME_IN_USE : 0, r.error,
			     "cannot create the pair %s/%s: %s%s%s", host, peer,
			     strerror(r.error), r.extack[0] ? ": " : "", r.extack);
nomem:
	nlmsg_free(msg);
	return azlx_fail(e, ENOMEM, "out of memory");
}

/* @p on @ifindex, without a prefix route and without DAD. */
static int kit_addr_add(struct nl_sock *sk, __u32 ifindex, const struct kit_pfx *p,
			struct azlx_err *e)
{
	struct ifaddrmsg ifa = {
		.ifa_family	= (__u8)p->family,
		.ifa_prefixlen	= (__u8)p->plen,
		.ifa_flags	= IFA_F_NODAD,
		.ifa_index	= ifindex,
	};
	struct kit_nl r = { 0 };
	struct nl_msg *msg;

	msg = nlmsg_alloc_simple(RTM_NEWADDR, NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE |
				 NLM_F_EXCL);
	if (!msg || nlmsg_append(msg, &ifa, sizeof(ifa), NLMSG_ALIGNTO) < 0 ||
	    nla_put(msg, IFA_LOCAL, (int)kit_alen(p->family), p->addr) < 0 ||
	    nla_put(msg, IFA_ADDRESS, (int)kit_alen(p->family), p->addr) < 0 ||
	    nla_put_u32(msg, IFA_FLAGS, IFA_F_NODAD | IFA_F_NOPREFIXROUTE) < 0) {
		nlmsg_free(msg);
		return azlx_fail(e, ENOMEM, "out of memory");
	}
	if (kit_talk(sk, msg, &r))
		return azlx_fail(e, r.error, "cannot add address %s: %s%s%s", p->text,
				 strerror(r.error), r.extack[0] ? ": " : "", r.extack);
	return 0;
}

/* Route @rt out of @oif in the main table: via its gateway, on link. */
static int kit_route_add(struct nl_sock *sk, const struct kit_route *rt, __u32 oif,
			 struct azlx_err *e)
{
	struct rtmsg rtm = {
		.rtm_family	= (__u8)rt->dst.family,
		.rtm_dst_len	= (__u8)rt->dst.plen,
		.rtm_table	= RT_TABLE_MAIN,
		.rtm_protocol	= RTPROT_BOOT,
		.rtm_scope	= rt->gw.family ? RT_SCOPE_UNIVERSE : RT_SCOPE_LINK,
		.rtm_type	= RTN_UNICAST,
		.rtm_flags	= rt->gw.family ? RTNH_F_ONLINK : 0,
	};
	struct kit_nl r = { 0 };
	struct nl_msg *msg;
	size_t alen = kit_alen(rt->dst.family);

	msg = nlmsg_alloc_simple(RTM_NEWROUTE, NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE |
				 NLM_F_EXCL);
	if (!msg || nlmsg_append(msg, &rtm, sizeof(rtm), NLMSG_ALIGNTO) < 0 ||
	    (rt->dst.plen && nla_put(msg, RTA_DST, (int)alen, rt->dst.addr) < 0) ||
	    (rt->gw.family && nla_put(msg, RTA_GATEWAY, (int)alen, rt->gw.addr) < 0) ||
	    nla_put_u32(msg, RTA_OIF, oif) < 0) {
		nlmsg_free(msg);
		return azlx_fail(e, ENOMEM, "out of memory");
	}
	if (kit_talk(sk, msg, &r))
		return azlx_fail(e, r.error, "cannot add route %s%s%s: %s%s%s", rt->dst.text,
				 rt->gw.family ? " via " : "", rt->gw.family ? rt->gw.text : "",
				 strerror(r.error), r.extack[0] ? ": " : "", r.extack);
	return 0;
}

/* A dump (RTM_GETADDR, RTM_GETROUTE) with @cb for each answer. */
static int kit_dump(struct nl_sock *sk, int type, int (*cb)(struct nlmsghdr *, void *),
		    void *arg, struct azlx_err *e)
{
	struct rtmsg rtm = { .rtm_family = AF_UNSPEC };
	struct kit_nl r = { .valid = cb, .arg = arg };
	struct nl_msg *msg;

	/* an rtmsg is as long as an ifaddrmsg and starts with the family too */
	msg = nlmsg_alloc_simple(type, NLM_F_REQUEST | NLM_F_DUMP);
	if (!msg || nlmsg_append(msg, &rtm, sizeof(rtm), NLMSG_ALIGNTO) < 0) {
		nlmsg_free(msg);
		return azlx_fail(e, ENOMEM, "out of memory");
	}
	if (kit_talk(sk, msg, &r))
		return azlx_fail(e, r.error, "cannot dump %s: %s",
				 type == RTM_GETADDR ? "addresses" : "routes", strerror(r.error));
	return 0;
}

/* What CHECK looks for: each item is found or not. */
struct kit_want {
	__u32			ifindex;
	size_t			n;
	const struct kit_pfx	*addr[KIT_IPS_MAX];	/* addresses */
	const struct kit_route	*route[KIT_ROUTES_MAX];	/* or routes */
	bool			found[KIT_ROUTES_MAX];
};

static int kit_addr_cb(struct nlmsghdr *nlh, void *arg)
{
	struct nlattr *tb[IFA_MAX + 1];
	struct kit_want *w = arg;
	struct ifaddrmsg *ifa;
	struct nlattr *a;
	size_t i;

	if (nlh->nlmsg_type != RTM_NEWADDR ||
	    nlmsg_parse(nlh, sizeof(*ifa), tb, IFA_MAX, NULL) < 0)
		return 0;
	ifa = nlmsg_data(nlh);
	a = tb[IFA_LOCAL] ? tb[IFA_LOCAL] : tb[IFA_ADDRESS];
	if (ifa->ifa_index != w->ifindex || !a)
		return 0;
	for (i = 0; i < w->n; i++) {
		const struct kit_pfx *p = w->addr[i];

		if (p->family == ifa->ifa_family && p->plen == ifa->ifa_prefixlen &&
		    (size_t)nla_len(a) == kit_alen(p->family) &&
		    !memcmp(nla_data(a), p->addr, kit_alen(p->family)))
			w->found[i] = true;
	}
	return 0;
}

static int kit_route_cb(struct nlmsghdr *nlh, void *arg)
{
	struct nlattr *tb[RTA_MAX + 1];
	struct kit_want *w = arg;
	static const unsigned char zero[16];
	struct rtmsg *rtm;
	__u32 table;
	size_t i;

	if (nlh->nlmsg_type != RTM_NEWROUTE ||
	    nlmsg_parse(nlh, sizeof(*rtm), tb, RTA_MAX, NULL) < 0)
		return 0;
	rtm = nlmsg_data(nlh);
	table = tb[RTA_TABLE] ? nla_get_u32(tb[RTA_TABLE]) : rtm->rtm_table;
	if (table != RT_TABLE_MAIN || !tb[RTA_OIF] || nla_get_u32(tb[RTA_OIF]) != w->ifindex)
		return 0;
	for (i = 0; i < w->n; i++) {
		const struct kit_route *rt = w->route[i];
		size_t alen = kit_alen(rt->dst.family);

		if (rt->dst.family != rtm->rtm_family || rt->dst.plen != rtm->rtm_dst_len)
			continue;
		if (memcmp(tb[RTA_DST] ? nla_data(tb[RTA_DST]) : zero, rt->dst.addr, alen))
			continue;
		if (rt->gw.family && (!tb[RTA_GATEWAY] ||
				      memcmp(nla_data(tb[RTA_GATEWAY]), rt->gw.addr, alen)))
			continue;
		w->found[i] = true;
	}
	return 0;
}

/* The IPAM plugin */

/* The plugin @type in CNI_PATH @path into @buf: 0 or -ENOENT. */
static int kit_find_plugin(const char *path, const char *type, char *buf, size_t len)
{
	const char *p = path, *end;
	struct stat st;

	while (*p) {
		end = strchrnul(p, ':');
		if (end > p && (size_t)snprintf(buf, len, "%.*s/%s", (int)(end - p), p, type) < len &&
		    !stat(buf, &st) && S_ISREG(st.st_mode) && !access(buf, X_OK))
			return 0;
		p = *end ? end + 1 : end;
	}
	return -ENOENT;
}

/*
 * Runs the IPAM plugin with @cmd, @in on its stdin and our environment with
 * CNI_COMMAND=@cmd and the "NAME=VALUE" (or "NAME", to unset) of @envs
 * (NULL-terminated, or NULL). Its stderr is ours. *@status gets its exit
 * status, *@res its answer (NULL if it printed nothing). 0 or -errno.
 */
static int kit_ipam_exec(const struct kit_conf *c, const char *cmd, const char *in, size_t len,
			 const char *const *envs, int *status, json_object **res,
			 struct azlx_err *e)
{
	int memfd, pfd[2], wst, err;
	size_t got = 0, cap = 0;
	char *buf = NULL, *p;
	ssize_t n;
	pid_t pid;

	*res = NULL;
	*status = -1;
	memfd = memfd_create("azlxnet-cni", MFD_CLOEXEC);
	if (memfd < 0)
		return azlx_fail(e, errno, "memfd_create: %s", strerror(errno));
	while (got < len) {
		n = write(memfd, in + got, len - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			err = n < 0 ? errno : EIO;
			close(memfd);
			return azlx_fail(e, err, "cannot write the IPAM input: %s", strerror(err));
		}
		got += (size_t)n;
	}
	if (lseek(memfd, 0, SEEK_SET) < 0 || pipe2(pfd, O_CLOEXEC)) {
		err = errno;
		close(memfd);
		return azlx_fail(e, err, "cannot run the IPAM plugin: %s", strerror(err));
	}
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		err = errno;
		close(memfd);
		close(pfd[0]);
		close(pfd[1]);
		return azlx_fail(e, err, "fork: %s", strerror(err));
	}
	if (!pid) {
		const char *const *v;

		if (dup2(memfd, STDIN_FILENO) < 0 || dup2(pfd[1], STDOUT_FILENO) < 0)
			_exit(127);
		setenv("CNI_COMMAND", cmd, 1);
		for (v = envs; v && *v; v++) {
			const char *eq = strchr(*v, '=');
			char name[64];

			if (!eq) {
				unsetenv(*v);
				continue;
			}
			snprintf(name, sizeof(name), "%.*s", (int)(eq - *v), *v);
			setenv(name, eq + 1, 1);
		}
		execl(c->ipam_bin, c->ipam_bin, (char *)NULL);
		_exit(127);
	}
	close(memfd);
	close(pfd[1]);
	got = 0;
	err = 0;
	for (;;) {
		if (got + 1 >= cap) {
			cap = cap ? 2 * cap : 4096;
			if (cap > KIT_IPAM_OUT_MAX) {
				err = EFBIG;
				break;
			}
			p = realloc(buf, cap);
			if (!p) {
				err = ENOMEM;
				break;
			}
			buf = p;
		}
		n = read(pfd[0], buf + got, cap - got - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			err = errno;
			break;
		}
		if (!n)
			break;
		got += (size_t)n;
	}
	close(pfd[0]);
	while (waitpid(pid, &wst, 0) < 0) {
		if (errno != EINTR) {
			wst = -1;
			break;
		}
	}
	if (err) {
		free(buf);
		return azlx_fail(e, err, "cannot read the answer of IPAM plugin %s: %s",
				 c->ipam_type, strerror(err));
	}
	*status = WIFEXITED(wst) ? WEXITSTATUS(wst) : 128;
	if (buf) {
		buf[got] = '\0';
		for (p = buf; *p == ' ' || *p == '\n' || *p == '\t' || *p == '\r'; p++)
			;
		if (*p)
			*res = json_tokener_parse(p);
		if (*p && !*res) {
			free(buf);
			return azlx_fail_cni(e, AZLX_CNI_ERR_DECODE, EINVAL,
					     "IPAM plugin %s %s: cannot parse its answer",
					     c->ipam_type, cmd);
		}
	}
	free(buf);
	return 0;
}

/*
 * The IPAM plugin's error as ours: its object, in our configuration's
 * version, else one saying what happened. Returns 1.
 */
static int kit_ipam_error(const struct kit_conf *c, const char *cmd, int status,
			  json_object *res, FILE *out)
{
	json_object *code = res ? azlx_json_get(res, "code", json_type_int) : NULL;

	if (code && azlx_json_get(res, "msg", json_type_string)) {
		json_object_object_add(res, "cniVersion", json_object_new_string(c->version));
		azlx_cni_print(out, res);
		return 1;
	}
	return azlx_cni_error(out, c->version, AZLX_CNI_ERR_IO,
			      "IPAM plugin %s %s failed (exit status %d)", c->ipam_type, cmd,
			      status);
}

/* Runs @cmd and, on failure, prints its error: 0 or 1. */
static int kit_ipam(const struct kit_conf *c, const char *cmd, const char *const *envs,
		    json_object **res, FILE *out)
{
	struct azlx_err e = { 0 };
	json_object *r = NULL;
	int status;

	if (res)
		*res = NULL;
	if (kit_ipam_exec(c, cmd, c->ipam_in, c->ipam_len, envs, &status, &r, &e))
		return azlx_cni_error(out, c->version, e.cni_code ? e.cni_code : AZLX_CNI_ERR_IO,
				      "%s", e.msg);
	if (status) {
		kit_ipam_error(c, cmd, status, r, out);
		json_object_put(r);
		return 1;
	}
	if (res)
		*res = r;
	else
		json_object_put(r);
	return 0;
}

/*
 * What the IPAM plugin speaks: whether it has version @v, and the newest of
 * ours it has (into *@best; NULL if none or it does not say).
 */
static bool kit_ipam_versions(const struct kit_conf *c, const char *v, const char **best)
{
	char in[64];
	struct azlx_err e = { 0 };
	json_object *res = NULL, *list;
	bool yes = false;
	int status;
	size_t i, n;

	*best = NULL;
	snprintf(in, sizeof(in), "{\"cniVersion\":\"%s\"}", v);
	if (kit_ipam_exec(c, "VERSION", in, strlen(in), NULL, &status, &res, &e) || status ||
	    !res)
		goto out;
	list = azlx_json_get(res, "supportedVersions", json_type_array);
	n = list ? json_object_array_length(list) : 0;
	for (i = 0; i < n; i++) {
		const char *s = azlx_cni_supported(json_object_get_string(
						   json_object_array_get_idx(list, i)));

		if (!s)
			continue;
		if (!strcmp(s, v))
			yes = true;
		if (!*best || azlx_cni_version_ge(s, *best))
			*best = s;
	}
out:
	json_object_put(res);
	return yes;
}

/*
 * The IPAM plugin's input. A configuration of 1.1.0 goes to a plugin
 * without 1.1.0 (Debian's host-local stops at 1.0.0) in the newest version
 * it has: ADD, DEL and CHECK mean the same there, and GC and STATUS are
 * then not asked of it. 0, or 1 after printing why not.
 */
static int kit_ipam_input(struct kit_conf *c, FILE *out)
{
	json_object *copy = NULL;
	const char *best, *text;

	c->ipam_in = (char *)c->in;
	c->ipam_len = c->len;
	if (strcmp(c->version, "1.1.0"))
		return 0;
	c->ipam_11 = kit_ipam_versions(c, c->version, &best);
	if (c->ipam_11)
		return 0;
	if (!best)
		return azlx_cni_error(out, c->version, AZLX_CNI_ERR_VERSION,
				      "IPAM plugin %s supports no version of ours", c->ipam_type);
	if (json_object_deep_copy(c->doc, &copy, NULL) || !copy)
		return azlx_cni_error(out, c->version, AZLX_CNI_ERR_IO, "out of memory");
	json_object_object_add(copy, "cniVersion", json_object_new_string(best));
	text = json_object_to_json_string_ext(copy, JSON_C_TO_STRING_PLAIN |
					      JSON_C_TO_STRING_NOSLASHESCAPE);
	c->ipam_in = text ? strdup(text) : NULL;
	json_object_put(copy);
	if (!c->ipam_in)
		return azlx_cni_error(out, c->version, AZLX_CNI_ERR_IO, "out of memory");
	c->ipam_len = strlen(c->ipam_in);
	return 0;
}

/* What ADD configures, from the IPAM result */
struct kit_net {
	size_t		nips;
	struct kit_pfx	ip[KIT_IPS_MAX];
	size_t		nroutes;
	struct kit_route route[KIT_ROUTES_MAX];
	json_object	*dns;		/* the IPAM result's, or NULL */
};

static const char *kit_gw(int family)
{
	return family == AF_INET ? KIT_GW4 : KIT_GW6;
}

/* A route to @dst through the gateway of its family, unless there is one. */
static int kit_net_route(struct kit_net *n, const struct kit_pfx *dst, struct azlx_err *e)
{
	struct kit_route *rt;
	size_t i;

	for (i = 0; i < n->nroutes; i++) {
		if (kit_pfx_eq(&n->route[i].dst, dst))
			return 0;
	}
	if (n->nroutes == KIT_ROUTES_MAX)
		return azlx_fail(e, E2BIG, "more than %d routes", KIT_ROUTES_MAX);
	rt = &n->route[n->nroutes++];
	rt->dst = *dst;
	kit_pfx_parse(kit_gw(dst->family), true, &rt->gw);
	return 0;
}

/*
 * The addresses and routes of IPAM result @res: each address of the pod,
 * a default route for each family it has, and the result's other routes,
 * all through the link-local gateway. -EINVAL with the reason.
 */
static int kit_net_read(json_object *res, struct kit_net *n, struct azlx_err *e)
{
	json_object *ips, *routes, *it, *v;
	struct kit_pfx dst;
	size_t i, len;
	int fam;

	memset(n, 0, sizeof(*n));
	ips = azlx_json_get(res, "ips", json_type_array);
	len = ips ? json_object_array_length(ips) : 0;
	if (!len)
		return azlx_fail(e, EINVAL, "the IPAM result has no address");
	if (len > KIT_IPS_MAX)
		return azlx_fail(e, E2BIG, "the IPAM result has more than %d addresses",
				 KIT_IPS_MAX);
	for (i = 0; i < len; i++) {
		it = json_object_array_get_idx(ips, i);
		v = json_object_is_type(it, json_type_object) ?
		    azlx_json_get(it, "address", json_type_string) : NULL;
		if (!v || kit_pfx_parse(json_object_get_string(v), false, &n->ip[i]))
			return azlx_fail(e, EINVAL, "the IPAM result's ips[%zu] has no "
					 "\"address\" ADDR/PLEN", i);
	}
	n->nips = len;
	for (fam = AF_INET; fam; fam = fam == AF_INET ? AF_INET6 : 0) {
		for (i = 0; i < n->nips; i++) {
			if (n->ip[i].family != fam)
				continue;
			kit_pfx_parse(fam == AF_INET ? "0.0.0.0/0" : "::/0", false, &dst);
			if (kit_net_route(n, &dst, e))
				return -e->err;
			break;
		}
	}
	routes = azlx_json_get(res, "routes", json_type_array);
	len = routes ? json_object_array_length(routes) : 0;
	for (i = 0; i < len; i++) {
		it = json_object_array_get_idx(routes, i);
		v = json_object_is_type(it, json_type_object) ?
		    azlx_json_get(it, "dst", json_type_string) : NULL;
		if (!v || kit_pfx_parse(json_object_get_string(v), false, &dst))
			return azlx_fail(e, EINVAL, "the IPAM result's routes[%zu] has no "
					 "\"dst\" ADDR/PLEN", i);
		if (kit_net_route(n, &dst, e))
			return -e->err;
	}
	n->dns = azlx_json_get(res, "dns", json_type_object);
	return 0;
}

/* The result of ADD, in the shape of the configuration's version. */
static json_object *kit_result(const struct kit_conf *c, const struct azlx_cni_env *env,
			       const char *host, const struct kit_net *n)
{
	json_object *res, *ifaces, *ips, *routes, *it, *conv, *dns = NULL;
	char a[INET6_ADDRSTRLEN];
	size_t i;

	res = json_object_new_object();
	ifaces = json_object_new_array();
	ips = json_object_new_array();
	routes = json_object_new_array();
	if (!res || !ifaces || !ips || !routes ||
	    (n->dns && json_object_deep_copy(n->dns, &dns, NULL))) {
		json_object_put(res);
		json_object_put(ifaces);
		json_object_put(ips);
		json_object_put(routes);
		return NULL;
	}
	json_object_object_add(res, "cniVersion", json_object_new_string(c->version));
	it = json_object_new_object();
	json_object_object_add(it, "name", json_object_new_string(host));
	json_object_array_add(ifaces, it);
	it = json_object_new_object();
	json_object_object_add(it, "name", json_object_new_string(env->ifname));
	json_object_object_add(it, "sandbox", json_object_new_string(env->netns));
	json_object_array_add(ifaces, it);
	json_object_object_add(res, "interfaces", ifaces);
	for (i = 0; i < n->nips; i++) {
		it = json_object_new_object();
		json_object_object_add(it, "interface", json_object_new_int(1));
		json_object_object_add(it, "address", json_object_new_string(n->ip[i].text));
		json_object_object_add(it, "gateway",
				       json_object_new_string(kit_gw(n->ip[i].family)));
		json_object_array_add(ips, it);
	}
	json_object_object_add(res, "ips", ips);
	for (i = 0; i < n->nroutes; i++) {
		it = json_object_new_object();
		json_object_object_add(it, "dst", json_object_new_string(n->route[i].dst.text));
		json_object_object_add(it, "gw", json_object_new_string(
				       kit_pfx_addr(&n->route[i].gw, a, sizeof(a))));
		json_object_array_add(routes, it);
	}
	json_object_object_add(res, "routes", routes);
	json_object_object_add(res, "dns", dns ? dns : json_object_new_object());
	conv = azlx_cni_result_convert(res, c->version);
	json_object_put(res);
	return conv;
}

/* Commands */

/* Deletes primary @host if it is an azlxkit primary; gone is success. */
static int kit_pair_del(struct nl_sock *sk, const char *host, struct azlx_err *e)
{
	struct kit_link l;
	int err;

	err = kit_link_get(sk, host, &l, e);
	if (err == -ENODEV)
		return 0;
	if (err)
		return err;
	if (!l.kit || !l.primary)
		return 0;	/* not ours: leave it */
	err = kit_link_op(sk, RTM_DELLINK, l.ifindex, e);
	return err == -ENODEV ? 0 : err;
}

/* The fast path's addresses of the pod: each of @n's (at most one per family). */
static int kit_addrs(const struct kit_net *n, struct azlx_addrs *a, struct azlx_err *e)
{
	size_t i;

	memset(a, 0, sizeof(*a));
	for (i = 0; i < n->nips; i++) {
		if (a->n == AZLX_POD_ADDRS_MAX)
			return azlx_fail_cni(e, AZLX_CNI_ERR_CONFIG, E2BIG,
					     "the fast path takes at most %d addresses per pod "
					     "(one of each family), the IPAM result has %zu",
					     AZLX_POD_ADDRS_MAX, n->nips);
		azlx_ep_key_build(n->ip[i].family, n->ip[i].addr, &a->key[a->n++]);
	}
	return 0;
}

/*
 * The pod on the fast path, and the uplink's program when it is not there
 * yet; all or nothing.
 */
static int kit_fastpath_add(const struct azlx_cni_env *env, const struct kit_conf *c,
			    const struct azlx_addrs *a, struct azlx_err *e)
{
	struct azlx_err undo = { 0 };
	struct azlx_pod_req req;
	struct azlx_pod_row row;

	memset(&req, 0, sizeof(req));
	req.netns = env->netns;
	req.ifname = env->ifname;
	req.addrs = *a;
	if (c->ops->add(&req, &row, e))
		goto fail;
	if (c->uplink && c->ops->uplink_check(c->uplink, &undo) &&
	    c->ops->uplink_enable(c->uplink, e)) {
		c->ops->del_link(env->netns, env->ifname, &undo);
		goto fail;
	}
	return 0;
fail:
	if (!e->cni_code)
		e->cni_code = AZLX_CNI_ERR_FASTPATH;
	return -(e->err ? e->err : EIO);
}

static int kit_add(const struct azlx_cni_env *env, const struct kit_conf *c, FILE *out)
{
	struct nl_sock *host_sk = NULL, *pod_sk = NULL;
	struct azlx_err e = { 0 }, undo = { 0 };
	struct kit_link hl, pl;
	struct azlx_cni_record rec;
	char host[IFNAMSIZ];
	json_object *ipres = NULL, *res;
	bool ipam_done = false, pair_done = false, rec_done = false, fp_done = false;
	struct kit_net n;
	size_t i;
	int nsfd, err, ret = 1;

	/* a wrong uplink changes nothing */
	if (c->uplink && !if_nametoindex(c->uplink))
		return azlx_cni_error(out, c->version, AZLX_CNI_ERR_CONFIG,
				      "uplink %s: no such device", c->uplink);
	kit_host_name(env->containerid, env->ifname, host);
	nsfd = azlx_netns_open(env->netns, &e);
	if (nsfd < 0)
		return azlx_cni_error(out, c->version, e.cni_code ? e.cni_code :
				      AZLX_CNI_ERR_CONTAINER, "%s", e.msg);
	if (azlx_route_socket(&host_sk, &e) || azlx_netns_route_socket(nsfd, &pod_sk, &e)) {
		ret = azlx_cni_error(out, c->version, AZLX_CNI_ERR_IO, "%s", e.msg);
		goto out;
	}
	/* a clash changes nothing */
	err = kit_link_get(host_sk, host, &hl, &e);
	if (!err) {
		ret = azlx_cni_error(out, c->version, AZLX_CNI_ERR_NAME_IN_USE,
				     "%s exists on the host (attachment %s/%s added twice?)",
				     host, env->containerid, env->ifname);
		goto out;
	}
	if (err == -ENODEV)
		err = kit_link_get(pod_sk, env->ifname, &pl, &e);
	if (!err) {
		ret = azlx_cni_error(out, c->version, AZLX_CNI_ERR_NAME_IN_USE,
				     "%s exists in network namespace %s", env->ifname,
				     env->netns);
		goto out;
	}
	if (err != -ENODEV) {
		ret = azlx_cni_error(out, c->version, AZLX_CNI_ERR_IO, "%s", e.msg);
		goto out;
	}

	if (kit_ipam(c, "ADD", NULL, &ipres, out))
		goto out;
	ipam_done = true;
	if (!ipres || kit_net_read(ipres, &n, &e)) {
		ret = azlx_cni_error(out, c->version, AZLX_CNI_ERR_CONFIG, "IPAM plugin %s: %s",
				     c->ipam_type, ipres ? e.msg : "no result");
		goto undo;
	}
	memset(&rec, 0, sizeof(rec));
	if (c->fastpath && kit_addrs(&n, &rec.addrs, &e))
		goto fail;
	if (kit_pair_create(host_sk, host, env->ifname, nsfd, c->mtu, &e))
		goto fail;
	pair_done = true;
	if (kit_link_get(host_sk, host, &hl, &e) || kit_link_get(pod_sk, env->ifname, &pl, &e)) {
		if (!e.msg[0])
			azlx_fail(&e, ENODEV, "the new pair %s/%s is gone", host, env->ifname);
		goto fail;
	}
	/* what GC and DEL go by, before anything else can leak */
	snprintf(rec.network, sizeof(rec.network), "%s", c->name);
	snprintf(rec.containerid, sizeof(rec.containerid), "%s", env->containerid);
	snprintf(rec.ifname, sizeof(rec.ifname), "%s", env->ifname);
	rec.host_ifindex = hl.ifindex;
	snprintf(rec.host_ifname, sizeof(rec.host_ifname), "%s", host);
	if (azlx_cni_record_write(KIT_STATE_DIR, &rec, &e)) {
		e.cni_code = AZLX_CNI_ERR_IO;
		goto fail;
	}
	rec_done = true;

	if (kit_link_op(host_sk, RTM_NEWLINK, hl.ifindex, &e) ||
	    kit_link_op(pod_sk, RTM_NEWLINK, pl.ifindex, &e))
		goto fail;
	for (i = 0; i < n.nips; i++) {
		if (kit_addr_add(pod_sk, pl.ifindex, &n.ip[i], &e))
			goto fail;
	}
	for (i = 0; i < n.nroutes; i++) {
		if (kit_route_add(pod_sk, &n.route[i], pl.ifindex, &e))
			goto fail;
	}
	for (i = 0; i < n.nips; i++) {
		struct kit_route rt = { .dst = n.ip[i] };
		char a[INET6_ADDRSTRLEN];

		kit_pfx_parse(kit_pfx_addr(&n.ip[i], a, sizeof(a)), true, &rt.dst);
		if (kit_route_add(host_sk, &rt, hl.ifindex, &e))
			goto fail;
	}
	if (c->fastpath) {
		if (kit_fastpath_add(env, c, &rec.addrs, &e))
			goto fail;
		fp_done = true;
	}
	res = kit_result(c, env, host, &n);
	if (!res) {
		azlx_fail_cni(&e, AZLX_CNI_ERR_IO, ENOMEM, "out of memory");
		goto fail;
	}
	azlx_cni_print(out, res);
	json_object_put(res);
	ret = 0;
	goto out;

fail:
	ret = azlx_cni_error(out, c->version, e.cni_code ? e.cni_code : AZLX_CNI_ERR_IO, "%s",
			     e.msg);
undo:
	/* all or nothing; the error already printed is the one that counts */
	if (fp_done)
		c->ops->del_link(env->netns, env->ifname, &undo);
	if (pair_done)
		kit_pair_del(host_sk, host, &undo);
	if (rec_done)
		azlx_cni_record_remove(KIT_STATE_DIR, env->containerid, env->ifname, &undo);
	if (ipam_done) {
		FILE *null = fopen("/dev/null", "w");

		if (null) {
			kit_ipam(c, "DEL", NULL, NULL, null);
			fclose(null);
		}
	}
out:
	json_object_put(ipres);
	if (pod_sk)
		nl_socket_free(pod_sk);
	if (host_sk)
		nl_socket_free(host_sk);
	close(nsfd);
	return ret;
}

/* A failure that says the namespace or the interface is not there (any more). */
static bool kit_gone(const struct azlx_err *e)
{
	return e->cni_code == AZLX_CNI_ERR_CONTAINER || e->cni_code == AZLX_CNI_ERR_LINK ||
	       e->cni_code == AZLX_CNI_ERR_ENV;
}

/*
 * The attachment's fast path state: by its pod while the namespace is
 * there, else by the record (its addresses while they still point at the
 * primary's ifindex). No state, no bpffs, no record: nothing to do.
 */
static int kit_fastpath_del(const struct azlx_cni_env *env, const struct kit_conf *c,
			    const struct azlx_cni_record *rec, struct azlx_err *e)
{
	int err = -ENOENT;

	if (env->netns && env->netns[0]) {
		err = c->ops->del_link(env->netns, env->ifname, e);
		if (err && !kit_gone(e))
			return e->err == ENOTSUP ? 0 : err;
	}
	if (err && rec) {
		memset(e, 0, sizeof(*e));
		err = c->ops->del_record(rec, e);
		return err && e->err != ENOTSUP ? err : 0;
	}
	return 0;
}

/*
 * DEL: the pod's fast path state, the pair (deleting the primary takes the
 * peer), the IPAM plugin's addresses, the record. What is gone already is
 * success.
 */
static int kit_del(const struct azlx_cni_env *env, const struct kit_conf *c, FILE *out)
{
	struct azlx_cni_record rec;
	struct nl_sock *sk = NULL;
	struct azlx_err e = { 0 };
	char host[IFNAMSIZ];
	bool have_rec;
	int err;

	kit_host_name(env->containerid, env->ifname, host);
	if (c->fastpath) {
		have_rec = strlen(env->containerid) <= AZLX_CNI_CONTAINERID_MAX &&
			   !azlx_cni_record_read(KIT_STATE_DIR, env->containerid, env->ifname,
						 &rec, &e);
		memset(&e, 0, sizeof(e));
		if (kit_fastpath_del(env, c, have_rec ? &rec : NULL, &e))
			return azlx_cni_error(out, c->version, e.cni_code ? e.cni_code :
					      AZLX_CNI_ERR_FASTPATH, "%s", e.msg);
	}
	if (azlx_route_socket(&sk, &e))
		return azlx_cni_error(out, c->version, AZLX_CNI_ERR_IO, "%s", e.msg);
	err = kit_pair_del(sk, host, &e);
	nl_socket_free(sk);
	if (err)
		return azlx_cni_error(out, c->version, AZLX_CNI_ERR_IO, "%s", e.msg);
	if (kit_ipam(c, "DEL", NULL, NULL, out))
		return 1;
	if (strlen(env->containerid) <= AZLX_CNI_CONTAINERID_MAX &&
	    azlx_cni_record_remove(KIT_STATE_DIR, env->containerid, env->ifname, &e))
		return azlx_cni_error(out, c->version, AZLX_CNI_ERR_IO, "%s", e.msg);
	return 0;
}

/* What prevResult says of the attachment: its addresses and routes. */
static int kit_prev_read(const struct kit_conf *c, const struct azlx_cni_env *env,
			 struct kit_net *n, struct azlx_err *e)
{
	json_object *ifaces, *ips, *routes, *it, *v;
	size_t i, len;
	int iface = -1;

	memset(n, 0, sizeof(*n));
	ifaces = azlx_json_get(c->prev, "interfaces", json_type_array);
	len = ifaces ? json_object_array_length(ifaces) : 0;
	for (i = 0; i < len && iface < 0; i++) {
		it = json_object_array_get_idx(ifaces, i);
		v = azlx_json_get(it, "name", json_type_string);
		if (v && !strcmp(json_object_get_string(v), env->ifname) &&
		    azlx_json_get(it, "sandbox", json_type_string))
			iface = (int)i;
	}
	if (iface < 0)
		return azlx_fail(e, EINVAL, "prevResult has no interface %s in a sandbox",
				 env->ifname);
	ips = azlx_json_get(c->prev, "ips", json_type_array);
	len = ips ? json_object_array_length(ips) : 0;
	for (i = 0; i < len; i++) {
		it = json_object_array_get_idx(ips, i);
		v = azlx_json_get(it, "interface", json_type_int);
		if (v && json_object_get_int(v) != iface)
			continue;
		if (n->nips == KIT_IPS_MAX)
			return azlx_fail(e, E2BIG, "prevResult has more than %d addresses",
					 KIT_IPS_MAX);
		v = azlx_json_get(it, "address", json_type_string);
		if (!v || kit_pfx_parse(json_object_get_string(v), false, &n->ip[n->nips]))
			return azlx_fail(e, EINVAL, "prevResult: ips[%zu] has no \"address\" "
					 "ADDR/PLEN", i);
		n->nips++;
	}
	routes = azlx_json_get(c->prev, "routes", json_type_array);
	len = routes ? json_object_array_length(routes) : 0;
	for (i = 0; i < len; i++) {
		struct kit_route *rt = &n->route[n->nroutes];

		if (n->nroutes == KIT_ROUTES_MAX)
			return azlx_fail(e, E2BIG, "prevResult has more than %d routes",
					 KIT_ROUTES_MAX);
		it = json_object_array_get_idx(routes, i);
		v = azlx_json_get(it, "dst", json_type_string);
		if (!v || kit_pfx_parse(json_object_get_string(v), false, &rt->dst))
			return azlx_fail(e, EINVAL, "prevResult: routes[%zu] has no \"dst\"", i);
		v = azlx_json_get(it, "gw", json_type_string);
		if (v && (kit_pfx_parse(json_object_get_string(v), true, &rt->gw) ||
			  rt->gw.family != rt->dst.family))
			return azlx_fail(e, EINVAL, "prevResult: routes[%zu]: bad \"gw\"", i);
		n->nroutes++;
	}
	return 0;
}

/* CHECK: the IPAM plugin's, then the pair, addresses and routes of prevResult. */
static int kit_check(const struct azlx_cni_env *env, const struct kit_conf *c, FILE *out)
{
	struct nl_sock *host_sk = NULL, *pod_sk = NULL;
	struct kit_route hroute[KIT_IPS_MAX];
	struct azlx_err e = { 0 };
	struct kit_link hl, pl;
	struct kit_want w;
	char host[IFNAMSIZ];
	struct kit_net n;
	int nsfd, ret = 1;
	size_t i;

	if (kit_prev_read(c, env, &n, &e))
		return azlx_cni_error(out, c->version, AZLX_CNI_ERR_CONFIG, "%s", e.msg);
	kit_host_name(env->containerid, env->ifname, host);
	nsfd = azlx_netns_open(env->netns, &e);
	if (nsfd < 0)
		return azlx_cni_error(out, c->version, e.cni_code ? e.cni_code :
				      AZLX_CNI_ERR_CONTAINER, "%s", e.msg);
	if (kit_ipam(c, "CHECK", NULL, NULL, out))
		goto out;
	if (azlx_route_socket(&host_sk, &e) || azlx_netns_route_socket(nsfd, &pod_sk, &e)) {
		ret = azlx_cni_error(out, c->version, AZLX_CNI_ERR_IO, "%s", e.msg);
		goto out;
	}
	if (kit_link_get(host_sk, host, &hl, &e) || !hl.kit || !hl.primary) {
		ret = azlx_cni_error(out, c->version, AZLX_CNI_ERR_KIT_CHECK,
				     "no azlxkit primary %s on the host", host);
		goto out;
	}
	if (kit_link_get(pod_sk, env->ifname, &pl, &e) || !pl.kit || pl.primary ||
	    pl.peer != hl.ifindex || hl.peer != pl.ifindex) {
		ret = azlx_cni_error(out, c->version, AZLX_CNI_ERR_KIT_CHECK,
				     "%s in %s is not the azlxkit peer of %s", env->ifname,
				     env->netns, host);
		goto out;
	}

	memset(&w, 0, sizeof(w));
	w.ifindex = pl.ifindex;
	for (i = 0; i < n.nips; i++)
		w.addr[w.n++] = &n.ip[i];
	if (kit_dump(pod_sk, RTM_GETADDR, kit_addr_cb, &w, &e))
		goto io;
	for (i = 0; i < w.n; i++) {
		if (!w.found[i]) {
			ret = azlx_cni_error(out, c->version, AZLX_CNI_ERR_KIT_CHECK,
					     "address %s is not on %s in %s", n.ip[i].text,
					     env->ifname, env->netns);
			goto out;
		}
	}
	memset(&w, 0, sizeof(w));
	w.ifindex = pl.ifindex;
	for (i = 0; i < n.nroutes; i++)
		w.route[w.n++] = &n.route[i];
	if (kit_dump(pod_sk, RTM_GETROUTE, kit_route_cb, &w, &e))
		goto io;
	for (i = 0; i < w.n; i++) {
		if (!w.found[i]) {
			ret = azlx_cni_error(out, c->version, AZLX_CNI_ERR_KIT_CHECK,
					     "no route %s%s%s out of %s in %s",
					     n.route[i].dst.text, n.route[i].gw.family ? " via " : "",
					     n.route[i].gw.family ? n.route[i].gw.text : "",
					     env->ifname, env->netns);
			goto out;
		}
	}
	memset(&w, 0, sizeof(w));
	w.ifindex = hl.ifindex;
	for (i = 0; i < n.nips; i++) {
		char a[INET6_ADDRSTRLEN];

		memset(&hroute[i], 0, sizeof(hroute[i]));
		kit_pfx_parse(kit_pfx_addr(&n.ip[i], a, sizeof(a)), true, &hroute[i].dst);
		w.route[w.n++] = &hroute[i];
	}
	if (kit_dump(host_sk, RTM_GETROUTE, kit_route_cb, &w, &e))
		goto io;
	for (i = 0; i < w.n; i++) {
		if (!w.found[i]) {
			ret = azlx_cni_error(out, c->version, AZLX_CNI_ERR_KIT_CHECK,
					     "no route %s out of %s on the host",
					     hroute[i].dst.text, host);
			goto out;
		}
	}
	if (c->fastpath) {
		struct azlx_pod_req req;

		memset(&req, 0, sizeof(req));
		req.netns = env->netns;
		req.ifname = env->ifname;
		if (kit_addrs(&n, &req.addrs, &e) || c->ops->check(&req, &e) ||
		    (c->uplink && c->ops->uplink_check(c->uplink, &e))) {
			ret = azlx_cni_error(out, c->version, e.cni_code ? e.cni_code :
					     AZLX_CNI_ERR_FASTPATH, "%s", e.msg);
			goto out;
		}
	}
	ret = 0;
	goto out;
io:
	ret = azlx_cni_error(out, c->version, AZLX_CNI_ERR_IO, "%s", e.msg);
out:
	if (pod_sk)
		nl_socket_free(pod_sk);
	if (host_sk)
		nl_socket_free(host_sk);
	close(nsfd);
	return ret;
}

/*
 * GC: the pairs of this network's attachments that the runtime no longer
 * lists, and their records; their addresses by the IPAM plugin's GC when
 * it has one (CNI 1.1.0), else by its DEL of each such attachment.
 */
static int kit_gc(const struct kit_conf *c, FILE *out)
{
	struct azlx_err e = { 0 }, first = { 0 };
	struct azlx_cni_attachment *valid;
	struct azlx_cni_record *recs = NULL;
	size_t nvalid, nrecs = 0, i, j;
	struct nl_sock *sk = NULL;
	bool ipam_gc;
	FILE *null;
	int ret = 0;

	if (azlx_cni_valid_attachments(c->doc, &valid, &nvalid, &e))
		return azlx_cni_error(out, c->version, e.err == ENOMEM ? AZLX_CNI_ERR_IO :
				      AZLX_CNI_ERR_CONFIG, "%s", e.msg);
	if (azlx_cni_records(KIT_STATE_DIR, &recs, &nrecs, &e) || azlx_route_socket(&sk, &e)) {
		free(valid);
		free(recs);
		return azlx_cni_error(out, c->version, AZLX_CNI_ERR_IO, "%s", e.msg);
	}
	ipam_gc = c->ipam_11;
	null = fopen("/dev/null", "w");
	for (i = 0; i < nrecs; i++) {
		const struct azlx_cni_record *r = &recs[i];
		char id[AZLX_CNI_CONTAINERID_MAX + 32], ifn[IFNAMSIZ + 16], host[IFNAMSIZ];
		const char *envs[] = { id, ifn, "CNI_NETNS", NULL };

		if (strcmp(r->network, c->name))
			continue;
		for (j = 0; j < nvalid; j++) {
			if (!strcmp(valid[j].containerid, r->containerid) &&
			    !strcmp(valid[j].ifname, r->ifname))
				break;
		}
		if (j < nvalid)
			continue;
		/* only the name this attachment's primary has */
		kit_host_name(r->containerid, r->ifname, host);
		memset(&e, 0, sizeof(e));
		if (c->fastpath && c->ops->del_record(r, &e) && e.err != ENOTSUP) {
			if (!first.msg[0])
				first = e;
			continue;
		}
		memset(&e, 0, sizeof(e));
		if (kit_pair_del(sk, host, &e)) {
			if (!first.msg[0])
				first = e;
			continue;
		}
		snprintf(id, sizeof(id), "CNI_CONTAINERID=%s", r->containerid);
		snprintf(ifn, sizeof(ifn), "CNI_IFNAME=%s", r->ifname);
		if (!ipam_gc && null && kit_ipam(c, "DEL", envs, NULL, null)) {
			if (!first.msg[0])
				azlx_fail(&first, EIO, "IPAM plugin %s DEL of %s/%s failed",
					  c->ipam_type, r->containerid, r->ifname);
			continue;
		}
		if (azlx_cni_record_remove(KIT_STATE_DIR, r->containerid, r->ifname, &e) &&
		    !first.msg[0])
			first = e;
	}
	if (null)
		fclose(null);
	nl_socket_free(sk);
	free(recs);
	free(valid);
	if (first.msg[0])
		return azlx_cni_error(out, c->version, AZLX_CNI_ERR_IO, "%s", first.msg);
	if (ipam_gc)
		ret = kit_ipam(c, "GC", NULL, NULL, out);
	return ret;
}

/* The kernel knows link kind azlxkit (asks without creating anything). */
static int kit_probe(struct azlx_err *e)
{
	struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC };
	static const unsigned char bad_addr[3];
	struct nlattr *linkinfo;
	struct kit_nl r = { 0 };
	struct nl_sock *sk;
	struct nl_msg *msg;

	/* asking without it would load it */
	if (!azlx_dp_module_loaded())
		return azlx_fail(e, ENOENT, "azlxnet.ko is not loaded");
	if (azlx_route_socket(&sk, e))
		return -e->err;
	/* a 3-byte address: the kind's validation refuses it, or no one knows the kind */
	msg = nlmsg_alloc_simple(RTM_NEWLINK, NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE |
				 NLM_F_EXCL);
	if (!msg || nlmsg_append(msg, &ifi, sizeof(ifi), NLMSG_ALIGNTO) < 0 ||
	    nla_put(msg, IFLA_ADDRESS, sizeof(bad_addr), bad_addr) < 0 ||
	    !(linkinfo = nla_nest_start(msg, IFLA_LINKINFO)) ||
	    nla_put_string(msg, IFLA_INFO_KIND, AZLXKIT_KIND) < 0) {
		nlmsg_free(msg);
		nl_socket_free(sk);
		return azlx_fail(e, ENOMEM, "out of memory");
	}
	nla_nest_end(msg, linkinfo);
	kit_talk(sk, msg, &r);
	nl_socket_free(sk);
	if (r.error == EINVAL)
		return 0;
	if (r.error == EOPNOTSUPP)
		return azlx_fail(e, EOPNOTSUPP, "the loaded azlxnet.ko has no link kind %s",
				 AZLXKIT_KIND);
	return azlx_fail(e, r.error ? r.error : EIO, "cannot probe link kind %s: %s",
			 AZLXKIT_KIND, r.error ? strerror(r.error) : "created a link");
}

/* Reads and checks the configuration and environment; 1 after printing why not. */
static int kit_conf_read(const struct azlx_cni_env *env, json_object *doc, struct kit_conf *c,
			 FILE *out)
{
	const char *cmd = env->command;
	bool node = !strcmp(cmd, "GC") || !strcmp(cmd, "STATUS");
	json_object *v, *ipam;
	const char *s;

	memset(c, 0, sizeof(*c));
	c->doc = doc;
	v = azlx_json_get(doc, "cniVersion", json_type_string);
	if (!v)
		return azlx_cni_error(out, NULL, AZLX_CNI_ERR_CONFIG,
				      "\"cniVersion\" is missing or not a string");
	c->version = azlx_cni_supported(json_object_get_string(v));
	if (!c->version)
		return azlx_cni_error(out, NULL, AZLX_CNI_ERR_VERSION,
				      "CNI version %s is not supported (supported: 0.3.0, 0.3.1, "
				      "0.4.0, 1.0.0, 1.1.0)", json_object_get_string(v));
	v = azlx_json_get(doc, "mode", json_type_string);
	if (!v || strcmp(json_object_get_string(v), "azlxkit"))
		return azlx_cni_error(out, c->version, AZLX_CNI_ERR_CONFIG,
				      "unknown \"mode\" %s (the only mode is \"azlxkit\"; without "
				      "one, azlxnet is a chained plugin)",
				      v ? json_object_get_string(v) : "that is not a string");
	if (!strcmp(cmd, "CHECK") && !azlx_cni_version_ge(c->version, "0.4.0"))
		return azlx_cni_error(out, c->version, AZLX_CNI_ERR_VERSION,
				      "CHECK needs cniVersion 0.4.0 or later, not %s", c->version);
	if (node && !azlx_cni_version_ge(c->version, "1.1.0"))
		return azlx_cni_error(out, c->version, AZLX_CNI_ERR_VERSION,
				      "%s needs cniVersion 1.1.0 or later, not %s", cmd,
				      c->version);
	v = azlx_json_get(doc, "name", json_type_string);
	if (!v)
		return azlx_cni_error(out, c->version, AZLX_CNI_ERR_CONFIG,
				      "\"name\" is missing or not a string");
	c->name = json_object_get_string(v);
	if (!azlx_json_get(doc, "type", json_type_string))
		return azlx_cni_error(out, c->version, AZLX_CNI_ERR_CONFIG,
				      "\"type\" is missing or not a string");
	if (azlx_json_has(doc, "mtu")) {
		v = azlx_json_get(doc, "mtu", json_type_int);
		if (!v || json_object_get_int64(v) < 68 || json_object_get_int64(v) > 65535)
			return azlx_cni_error(out, c->version, AZLX_CNI_ERR_CONFIG,
					      "\"mtu\" is not a number from 68 to 65535");
		c->mtu = (__u32)json_object_get_int64(v);
	}
	c->fastpath = true;
	if (azlx_json_has(doc, "fastpath")) {
		v = azlx_json_get(doc, "fastpath", json_type_boolean);
		if (!v)
			return azlx_cni_error(out, c->version, AZLX_CNI_ERR_CONFIG,
					      "\"fastpath\" is not true or false");
		c->fastpath = json_object_get_boolean(v);
	}
	if (azlx_json_has(doc, "uplink")) {
		v = azlx_json_get(doc, "uplink", json_type_string);
		if (!v || !azlx_cni_ifname_ok(json_object_get_string(v)))
			return azlx_cni_error(out, c->version, AZLX_CNI_ERR_CONFIG,
					      "\"uplink\" is not an interface name");
		if (!c->fastpath)
			return azlx_cni_error(out, c->version, AZLX_CNI_ERR_CONFIG,
					      "\"uplink\" needs the fast path (\"fastpath\": "
					      "false says there is none)");
		c->uplink = json_object_get_string(v);
	}
	ipam = azlx_json_get(doc, "ipam", json_type_object);
	v = ipam ? azlx_json_get(ipam, "type", json_type_string) : NULL;
	if (!v)
		return azlx_cni_error(out, c->version, AZLX_CNI_ERR_CONFIG,
				      "mode azlxkit needs \"ipam\" with a \"type\"");
	s = json_object_get_string(v);
	if (!s[0] || strchr(s, '/') || !strcmp(s, ".") || !strcmp(s, ".."))
		return azlx_cni_error(out, c->version, AZLX_CNI_ERR_CONFIG,
				      "\"ipam\": \"type\" \"%s\" is not a plugin name", s);
	c->ipam_type = s;
	if (azlx_json_has(doc, "prevResult")) {
		c->prev = azlx_json_get(doc, "prevResult", json_type_object);
		if (!c->prev && strcmp(cmd, "DEL"))
			return azlx_cni_error(out, c->version, AZLX_CNI_ERR_CONFIG,
					      "\"prevResult\" is not an object");
	}
	if (!strcmp(cmd, "CHECK") && !c->prev)
		return azlx_cni_error(out, c->version, AZLX_CNI_ERR_CONFIG,
				      "CHECK needs \"prevResult\"");
	if (!strcmp(cmd, "GC")) {
		struct azlx_cni_attachment *valid;
		struct azlx_err e = { 0 };
		size_t nvalid;

		if (azlx_cni_valid_attachments(doc, &valid, &nvalid, &e))
			return azlx_cni_error(out, c->version, e.err == ENOMEM ?
					      AZLX_CNI_ERR_IO : AZLX_CNI_ERR_CONFIG, "%s", e.msg);
		free(valid);
	}

	/* the environment */
	if (!node) {
		if (!env->containerid || !azlx_cni_containerid_ok(env->containerid))
			return azlx_cni_error(out, c->version, AZLX_CNI_ERR_ENV,
					      "CNI_CONTAINERID is %s", env->containerid ?
					      "not a valid container ID" : "not set");
		if (strlen(env->containerid) > AZLX_CNI_CONTAINERID_MAX && strcmp(cmd, "DEL"))
			return azlx_cni_error(out, c->version, AZLX_CNI_ERR_ENV,
					      "CNI_CONTAINERID is longer than %d characters",
					      AZLX_CNI_CONTAINERID_MAX);
		if (!env->ifname || !azlx_cni_ifname_ok(env->ifname))
			return azlx_cni_error(out, c->version, AZLX_CNI_ERR_ENV,
					      "CNI_IFNAME is %s", env->ifname ?
					      "not a valid interface name" : "not set");
		if (strcmp(cmd, "DEL") && (!env->netns || !env->netns[0]))
			return azlx_cni_error(out, c->version, AZLX_CNI_ERR_ENV,
					      "CNI_NETNS is not set");
	}
	if (!env->path || !env->path[0])
		return azlx_cni_error(out, c->version, AZLX_CNI_ERR_ENV, "CNI_PATH is not set");
	if (kit_find_plugin(env->path, c->ipam_type, c->ipam_bin, sizeof(c->ipam_bin)))
		return azlx_cni_error(out, c->version, AZLX_CNI_ERR_CONFIG,
				      "IPAM plugin \"%s\" is not in CNI_PATH %s", c->ipam_type,
				      env->path);
	return 0;
}

int azlx_cni_kit_run(const struct azlx_cni_env *env, json_object *doc, const char *in,
		     size_t len, const struct azlx_cni_ops *ops, FILE *out)
{
	struct kit_conf c;
	int ret;

	if (kit_conf_read(env, doc, &c, out))
		return 1;
	c.ops = ops;
	c.in = in;
	c.len = len;
	/* not ready: STATUS does not look further */
	if (!strcmp(env->command, "STATUS")) {
		struct azlx_err e = { 0 };

		if (kit_probe(&e) || (c.fastpath && ops->status(c.uplink, &e)))
			return azlx_cni_error(out, c.version, AZLX_CNI_ERR_UNAVAILABLE, "%s",
					      e.msg);
	}
	if (kit_ipam_input(&c, out))
		return 1;
	if (!strcmp(env->command, "ADD"))
		ret = kit_add(env, &c, out);
	else if (!strcmp(env->command, "DEL"))
		ret = kit_del(env, &c, out);
	else if (!strcmp(env->command, "CHECK"))
		ret = kit_check(env, &c, out);
	else if (!strcmp(env->command, "GC"))
		ret = kit_gc(&c, out);
	else
		ret = c.ipam_11 ? kit_ipam(&c, "STATUS", NULL, NULL, out) : 0;
	if (c.ipam_in != in)
		free(c.ipam_in);
	return ret;
}
