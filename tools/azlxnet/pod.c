// SPDX-License-Identifier: GPL-2.0-only
/*
 * azlxnet pod add|del|show: pods on the fast path, and the operations the
 * CNI plugin mode shares with them.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <netlink/socket.h>
#include <bpf/bpf.h>

#include "azlxnet.h"
#include "cmd.h"
#include "datapath.h"
#include "netns.h"
#include "nic.h"
#include "pod.h"
#include "print.h"

/* Addresses and keys */

void azlx_ep_key_build(int family, const void *addr, struct azlxnet_ep_key *key)
{
	memset(key, 0, sizeof(*key));
	key->family = (__u8)family;
	memcpy(key->addr, addr, family == AF_INET ? 4 : 16);
}

const char *azlx_ep_key_fmt(const struct azlxnet_ep_key *key, char *buf, size_t len)
{
	if ((key->family != AF_INET && key->family != AF_INET6) ||
	    !inet_ntop(key->family, key->addr, buf, len))
		snprintf(buf, len, "?");
	return buf;
}

/* Why @a (4 or 16 bytes of @family) is no pod address, or NULL. */
static const char *azlx_addr_not_unicast(int family, const unsigned char *a)
{
	static const unsigned char zero[16];

	if (family == AF_INET) {
		if (a[0] == 0)
			return "unspecified";
		if (a[0] == 127)
			return "loopback";
		if (a[0] >= 224)
			return "multicast, reserved or broadcast";
		return NULL;
	}
	if (!memcmp(a, zero, 16))
		return "unspecified";
	if (!memcmp(a, zero, 15) && a[15] == 1)
		return "loopback";
	if (a[0] == 0xff)
		return "multicast";
	if (a[0] == 0xfe && (a[1] & 0xc0) == 0x80)
		return "link-local";
	return NULL;
}

int azlx_addr_parse(const char *s, struct azlxnet_ep_key *key, struct azlx_err *e)
{
	const char *slash = strchr(s, '/');
	size_t len = slash ? (size_t)(slash - s) : strlen(s);
	char buf[INET6_ADDRSTRLEN];
	unsigned char a[16];
	unsigned long plen;
	const char *why;
	int family, max;
	char *end;

	if (!len || len >= sizeof(buf))
		return azlx_fail(e, EINVAL, "invalid address \"%s\"", s);
	memcpy(buf, s, len);
	buf[len] = '\0';
	if (inet_pton(AF_INET, buf, a) == 1) {
		family = AF_INET;
		max = 32;
	} else if (inet_pton(AF_INET6, buf, a) == 1) {
		family = AF_INET6;
		max = 128;
	} else {
		return azlx_fail(e, EINVAL, "invalid address \"%s\"", s);
	}
	if (slash) {
		errno = 0;
		plen = strtoul(slash + 1, &end, 10);
		if (slash[1] < '0' || slash[1] > '9' || *end || errno || plen > (unsigned long)max ||
		    end - (slash + 1) > 3)
			return azlx_fail(e, EINVAL, "invalid prefix length in \"%s\"", s);
	}
	why = azlx_addr_not_unicast(family, a);
	if (why)
		return azlx_fail(e, EINVAL, "%s is not a pod address (%s)", buf, why);
	azlx_ep_key_build(family, a, key);
	return 0;
}

int azlx_addrs_add(struct azlx_addrs *a, const char *s, struct azlx_err *e)
{
	struct azlxnet_ep_key key;
	char buf[INET6_ADDRSTRLEN];
	size_t i;
	int err;

	err = azlx_addr_parse(s, &key, e);
	if (err)
		return err;
	for (i = 0; i < a->n; i++) {
		if (!memcmp(&a->key[i], &key, sizeof(key)))
			return azlx_fail(e, EINVAL, "address %s given twice",
					 azlx_ep_key_fmt(&key, buf, sizeof(buf)));
		if (a->key[i].family == key.family)
			return azlx_fail(e, EINVAL, "more than one %s address (%s)",
					 key.family == AF_INET ? "IPv4" : "IPv6",
					 azlx_ep_key_fmt(&key, buf, sizeof(buf)));
	}
	if (a->n >= AZLX_POD_ADDRS_MAX)
		return azlx_fail(e, EINVAL, "more than %d addresses", AZLX_POD_ADDRS_MAX);
	a->key[a->n++] = key;
	return 0;
}

int azlx_addrs_parse(const char *list, struct azlx_addrs *a, struct azlx_err *e)
{
	char buf[2 * (INET6_ADDRSTRLEN + 4) + 2];
	char *p, *comma;
	int err;

	memset(a, 0, sizeof(*a));
	if (strlen(list) >= sizeof(buf))
		return azlx_fail(e, EINVAL, "invalid address list \"%s\"", list);
	strcpy(buf, list);
	for (p = buf; ; p = comma + 1) {
		comma = strchr(p, ',');
		if (comma)
			*comma = '\0';
		if (!*p)
			return azlx_fail(e, EINVAL, "empty address in \"%s\"", list);
		err = azlx_addrs_add(a, p, e);
		if (err)
			return err;
		if (!comma)
			return 0;
	}
}

int azlx_mac_parse(const char *s, __u8 mac[6])
{
	int i, hi, lo;

	for (i = 0; i < 6; i++) {
		hi = azlx_hex_digit(s[3 * i]);
		lo = hi < 0 ? -1 : azlx_hex_digit(s[3 * i + 1]);
		if (lo < 0 || s[3 * i + 2] != (i == 5 ? '\0' : ':'))
			return -EINVAL;
		mac[i] = (__u8)(hi << 4 | lo);
	}
	return 0;
}

/* Rows */

static int azlx_key_cmp(const void *a, const void *b)
{
	const struct azlxnet_ep_key *x = a, *y = b;

	/* AF_INET (2) before AF_INET6 (10) */
	if (x->family != y->family)
		return x->family < y->family ? -1 : 1;
	return memcmp(x->addr, y->addr, sizeof(x->addr));
}

static int azlx_row_cmp(const void *a, const void *b)
{
	const struct azlx_pod_row *x = a, *y = b;

	return (x->host_ifindex > y->host_ifindex) - (x->host_ifindex < y->host_ifindex);
}

int azlx_pod_rows_build(const struct azlx_ep_entry *v, size_t n, struct azlx_pod_row **rows)
{
	struct azlx_pod_row *r;
	size_t nrows = 0, i, j;

	*rows = NULL;
	if (!n)
		return 0;
	r = calloc(n, sizeof(*r));
	if (!r)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		for (j = 0; j < nrows && r[j].host_ifindex != v[i].ep.host_ifindex; j++)
			;
		if (j == nrows) {
			nrows++;
			r[j].host_ifindex = v[i].ep.host_ifindex;
			memcpy(r[j].pod_mac, v[i].ep.pod_mac, 6);
			memcpy(r[j].host_mac, v[i].ep.host_mac, 6);
		}
		if (r[j].naddrs < AZLX_POD_ROW_ADDRS)
			r[j].addrs[r[j].naddrs++] = v[i].key;
	}
	for (j = 0; j < nrows; j++)
		qsort(r[j].addrs, r[j].naddrs, sizeof(r[j].addrs[0]), azlx_key_cmp);
	qsort(r, nrows, sizeof(*r), azlx_row_cmp);
	*rows = r;
	return (int)nrows;
}

static const char *const azlx_drop_names[] = {
	[AZLXNET_DROP_FIB_BLACKHOLE]	= "fib_blackhole",
	[AZLXNET_DROP_REDIRECT]		= "redirect",
};

_Static_assert(sizeof(azlx_drop_names) / sizeof(azlx_drop_names[0]) == AZLXNET_DROP_MAX,
	       "every drop reason has a name");

const char *azlx_drop_reason_name(unsigned int i)
{
	return i < AZLXNET_DROP_MAX ? azlx_drop_names[i] : NULL;
}

/* The counters: "stats" (null without them), or two more lines. */
static void azlx_pod_print_counters(const struct azlx_pod_row *r)
{
	const struct azlxnet_ep_stats *st = &r->stats;
	unsigned int i;

	if (!r->has_stats) {
		azlx_print_null("stats");
		azlx_print_text("\n    no counters\n");
		return;
	}
	azlx_print_open_object("stats");
	azlx_print_uint(AZLX_PRINT_ANY, "from_pod_packets", "\n    from pod %llu packets",
			st->from_pod_packets);
	azlx_print_uint(AZLX_PRINT_ANY, "from_pod_bytes", " %llu bytes", st->from_pod_bytes);
	azlx_print_uint(AZLX_PRINT_ANY, "to_pod_packets", ", to pod %llu packets",
			st->to_pod_packets);
	azlx_print_uint(AZLX_PRINT_ANY, "to_pod_bytes", " %llu bytes", st->to_pod_bytes);
	azlx_print_uint(AZLX_PRINT_ANY, "redirect_peer", "\n    redirect peer %llu",
			st->redirect_peer);
	azlx_print_uint(AZLX_PRINT_ANY, "redirect_vf", ", vf %llu", st->redirect_vf);
	azlx_print_uint(AZLX_PRINT_ANY, "redirect_uplink", ", uplink %llu", st->redirect_uplink);
	azlx_print_uint(AZLX_PRINT_ANY, "redirect_neigh", ", neigh %llu", st->redirect_neigh);
	azlx_print_uint(AZLX_PRINT_ANY, "fallback", "; fallback %llu", st->fallback);
	azlx_print_text("; drops");
	azlx_print_open_object("drops");
	for (i = 0; i < AZLXNET_DROP_MAX; i++) {
		azlx_print_text("%s %s", i ? "," : "", azlx_drop_reason_name(i));
		azlx_print_uint(AZLX_PRINT_ANY, azlx_drop_reason_name(i), " %llu", st->drops[i]);
	}
	azlx_print_close_object();
	azlx_print_close_object();
	azlx_print_text("\n");
}

void azlx_pod_row_print(const struct azlx_pod_row *r, bool counters)
{
	char buf[INET6_ADDRSTRLEN];
	size_t i;

	azlx_print_open_object(NULL);
	azlx_print_uint(AZLX_PRINT_JSON, "host_ifindex", NULL, r->host_ifindex);
	azlx_print_string(AZLX_PRINT_JSON, "host_ifname", NULL,
			  r->host_ifname[0] ? r->host_ifname : NULL);
	if (r->host_ifname[0])
		azlx_print_text("%s (ifindex %u):", r->host_ifname, r->host_ifindex);
	else
		azlx_print_text("ifindex %u (gone):", r->host_ifindex);
	azlx_print_open_array("addresses");
	for (i = 0; i < r->naddrs; i++)
		azlx_print_string(AZLX_PRINT_ANY, NULL, " %s",
				  azlx_ep_key_fmt(&r->addrs[i], buf, sizeof(buf)));
	azlx_print_close_array();
	azlx_print_string(AZLX_PRINT_ANY, "pod_mac", ", pod %s",
			  azlx_fmt_mac(r->pod_mac, 6, buf, sizeof(buf)));
	azlx_print_string(AZLX_PRINT_ANY, "host_mac", ", host %s",
			  azlx_fmt_mac(r->host_mac, 6, buf, sizeof(buf)));
	if (r->device[0])
		azlx_print_string(AZLX_PRINT_ANY, "device", ", on %s", r->device);
	if (counters)
		azlx_pod_print_counters(r);
	else
		azlx_print_text("\n");
	azlx_print_close_object();
}

void azlx_pod_removed_free(struct azlx_pod_removed *r)
{
	free(r->v);
	memset(r, 0, sizeof(*r));
}

/* Operations */

/*
 * A pod on an azlxkit pair: @ifname in @ns is the peer, its primary here
 * the host side. 0, or a negative errno (the caller reports the veth's).
 */
static int azlx_pod_kit_link_get(const char *ns, const char *ifname,
				 struct azlx_pod_link *pl, struct azlx_err *e)
{
	struct nl_sock *pod_sk = NULL, *host_sk = NULL;
	int nsfd, err;

	memset(pl, 0, sizeof(*pl));
	nsfd = azlx_netns_open(ns, e);
	if (nsfd < 0)
		return nsfd;
	err = azlx_netns_route_socket(nsfd, &pod_sk, e);
	close(nsfd);
	if (err)
		return err;
	err = azlx_link_get(pod_sk, ifname, 0, &pl->pod, e);
	if (!err && (strcmp(pl->pod.kind, "azlxkit") || !pl->pod.peer_ifindex ||
		     !pl->pod.peer_other_netns))
		err = -EINVAL;
	if (!err)
		err = azlx_route_socket(&host_sk, e);
	if (!err)
		err = azlx_link_get(host_sk, NULL, pl->pod.peer_ifindex, &pl->host, e);
	if (!err && (strcmp(pl->host.kind, "azlxkit") || pl->host.peer_ifindex != pl->pod.ifindex ||
		     !pl->host.peer_other_netns))
		err = -EINVAL;
	if (host_sk)
		nl_socket_free(host_sk);
	nl_socket_free(pod_sk);
	return err;
}

/*
 * The pod's interface and its host side: a veth pair, or an azlxkit pair
 * (*@kit). The errors are the veth's.
 */
static int azlx_pod_any_link_get(const char *ns, const char *ifname,
				 struct azlx_pod_link *pl, bool *kit, struct azlx_err *e)
{
	struct azlx_err ke = { 0 };
	int err;

	*kit = false;
	err = azlx_pod_link_get(ns, ifname, pl, e);
	if (!err || e->cni_code != AZLX_CNI_ERR_LINK)
		return err;
	if (azlx_pod_kit_link_get(ns, ifname, pl, &ke))
		return err;
	*kit = true;
	memset(e, 0, sizeof(*e));
	return 0;
}

/*
 * The fast path's program on the peer's end of an azlxkit pair (the pod's
 * transmit): none there or ours (*@cur its ID, 0 for none), else EBUSY.
 */
static int azlx_pod_kit_claim(__u32 host, const char *name, __u32 *cur, struct azlx_err *e)
{
	int err = azlx_kit_prog_ours(host, cur, e);

	if (err < 0 || err == 1 || !*cur)
		return err < 0 ? err : 0;
	return azlx_fail_cni(e, AZLX_CNI_ERR_LINK, EBUSY,
			     "the azlxkit pair of %s has a foreign program on its peer (id %u)",
			     name, *cur);
}

static bool azlx_host_link_exists(__u32 ifindex, char *name)
{
	char buf[IF_NAMESIZE];

	if (!if_indextoname(ifindex, name ? name : buf)) {
		if (name)
			name[0] = '\0';
		return false;
	}
	return true;
}

static ssize_t azlx_ep_find(const struct azlx_ep_list *l, const struct azlxnet_ep_key *key)
{
	size_t i;

	for (i = 0; i < l->n; i++) {
		if (!memcmp(&l->v[i].key, key, sizeof(*key)))
			return (ssize_t)i;
	}
	return -1;
}

/* One change to azlxnet_endpoints, to undo: restore @old or delete @key. */
struct azlx_undo {
	struct azlxnet_ep_key	key;
	bool			had_old;
	struct azlxnet_ep	old;
};

static void azlx_pod_undo(struct azlx_dp *dp, const struct azlx_undo *u, size_t n)
{
	while (n--) {
		if (u[n].had_old)
			azlx_dp_ep_put(dp, &u[n].key, &u[n].old);
		else
			azlx_dp_ep_del(dp, &u[n].key);
	}
}

int azlx_pod_add(const struct azlx_pod_req *req, struct azlx_pod_row *row, struct azlx_err *e)
{
	struct azlx_ep_list eps = { 0 };
	struct azlx_tc_prog cur, ours;
	struct azlx_undo *undo = NULL;
	char a[INET6_ADDRSTRLEN], m[18];
	bool host_new = false, attached = false, kit;
	__u32 kit_cur = 0;
	struct azlx_pod_link pl;
	struct azlxnet_ep ep;
	size_t nundo = 0, i;
	struct azlx_dp dp;
	ssize_t idx;
	__u32 host;
	int err;

	memset(row, 0, sizeof(*row));
	if (!req->addrs.n)
		return azlx_fail(e, EINVAL, "no address");
	err = azlx_pod_any_link_get(req->netns, req->ifname, &pl, &kit, e);
	if (err)
		return err;
	if (req->has_mac && memcmp(req->mac, pl.pod.mac, 6))
		return azlx_fail_cni(e, AZLX_CNI_ERR_LINK, EINVAL, "%s has MAC %s, not the one given",
				     req->ifname, azlx_fmt_mac(pl.pod.mac, 6, m, sizeof(m)));
	host = pl.host.ifindex;
	memset(&ep, 0, sizeof(ep));
	ep.host_ifindex = host;
	memcpy(ep.pod_mac, pl.pod.mac, 6);
	memcpy(ep.host_mac, pl.host.mac, 6);

	azlx_dp_init(&dp);
	err = azlx_dp_lock(&dp, e);
	if (!err && kit)
		err = azlx_pod_kit_claim(host, pl.host.name, &kit_cur, e);
	else if (!err)
		err = azlx_tc_claim((int)host, pl.host.name, AZLX_TC_FROM_POD, &cur, &attached, e);
	if (!err)
		err = azlx_dp_load(&dp, kit ? AZLX_DP_FROM_KIT : AZLX_DP_FROM_POD, e);
	if (!err && kit && dp.from_kit_fd < 0)
		err = azlx_fail(e, EOPNOTSUPP, "the fast path on azlxkit needs an azlxnet module "
				"with bpf_azlxkit_redirect() (API level 5)");
	if (!err)
		err = azlx_prog_info(kit ? dp.from_kit_fd : dp.from_pod_fd, &ours, e);
	if (!err)
		err = azlx_dp_endpoints(&dp, &eps, e);
	if (err)
		goto out;

	/* an address of a live interface of another pod is that pod's */
	for (i = 0; i < req->addrs.n; i++) {
		char other[IF_NAMESIZE];
		__u32 owner;

		idx = azlx_ep_find(&eps, &req->addrs.key[i]);
		if (idx < 0 || eps.v[idx].ep.host_ifindex == host)
			continue;
		owner = eps.v[idx].ep.host_ifindex;
		azlx_ep_key_fmt(&req->addrs.key[i], a, sizeof(a));
		if (azlx_host_link_exists(owner, other)) {
			err = azlx_fail_cni(e, AZLX_CNI_ERR_ADDR_IN_USE, EEXIST,
					    "address %s belongs to another pod (host side %s, "
					    "ifindex %u)", a, other, owner);
			goto out;
		}
		azlx_warn("address %s: replacing the entry left by ifindex %u, which is gone",
			  a, owner);
	}

	undo = calloc(req->addrs.n + eps.n, sizeof(*undo));
	if (!undo) {
		err = azlx_fail(e, ENOMEM, "out of memory");
		goto out;
	}
	/* a pod added again keeps its counters: its slot */
	err = azlx_dp_host_add(&dp, host, &ep.slot, &host_new, e);
	if (err)
		goto out;
	for (i = 0; i < req->addrs.n; i++) {
		struct azlx_undo *u = &undo[nundo];

		u->key = req->addrs.key[i];
		idx = azlx_ep_find(&eps, &u->key);
		if (idx >= 0) {
			u->had_old = true;
			u->old = eps.v[idx].ep;
		}
		err = azlx_dp_ep_put(&dp, &u->key, &ep);
		if (err) {
			err = azlx_fail(e, -err, "cannot add endpoint %s: %s",
					azlx_ep_key_fmt(&u->key, a, sizeof(a)), strerror(-err));
			goto out_undo;
		}
		nundo++;
	}
	/* the pod's other addresses are gone: it has the ones given now */
	for (i = 0; i < eps.n; i++) {
		struct azlx_undo *u = &undo[nundo];
		bool wanted = false;
		size_t j;

		if (eps.v[i].ep.host_ifindex != host)
			continue;
		for (j = 0; j < req->addrs.n && !wanted; j++)
			wanted = !memcmp(&req->addrs.key[j], &eps.v[i].key, sizeof(eps.v[i].key));
		if (wanted)
			continue;
		u->key = eps.v[i].key;
		u->had_old = true;
		u->old = eps.v[i].ep;
		err = azlx_dp_ep_del(&dp, &u->key);
		if (err && err != -ENOENT) {
			err = azlx_fail(e, -err, "cannot remove endpoint %s: %s",
					azlx_ep_key_fmt(&u->key, a, sizeof(a)), strerror(-err));
			goto out_undo;
		}
		nundo++;
	}

	/* in one step, only over what was there when claimed */
	if (kit) {
		err = azlx_kit_prog_set(host, AZLXNET_KIT_END_PEER, dp.from_kit_fd, kit_cur, e);
		if (err)
			goto out_undo;
	/* the same program stays; another one (older, of the other skeleton) is replaced */
	} else if (!attached || memcmp(cur.tag, ours.tag, sizeof(ours.tag))) {
		err = azlx_tc_attach(host, dp.from_pod_fd, e);
		if (err)
			goto out_undo;
	}

	row->host_ifindex = host;
	snprintf(row->host_ifname, sizeof(row->host_ifname), "%s", pl.host.name);
	row->naddrs = req->addrs.n;
	memcpy(row->addrs, req->addrs.key, req->addrs.n * sizeof(req->addrs.key[0]));
	qsort(row->addrs, row->naddrs, sizeof(row->addrs[0]), azlx_key_cmp);
	memcpy(row->pod_mac, ep.pod_mac, 6);
	memcpy(row->host_mac, ep.host_mac, 6);
	snprintf(row->device, sizeof(row->device), "%s", pl.host.kind);
	goto out;

out_undo:
	azlx_pod_undo(&dp, undo, nundo);
	if (host_new)
		azlx_dp_host_del(&dp, host);
	/* the first pod may have created the maps: leave no empty ones */
	azlx_dp_gc(&dp, e);
out:
	free(undo);
	azlx_ep_list_free(&eps);
	azlx_dp_close(&dp);
	return err;
}

static int azlx_removed_add(struct azlx_pod_removed *r, const struct azlx_pod_row *row,
			    struct azlx_err *e)
{
	struct azlx_pod_row *v;

	v = realloc(r->v, (r->n + 1) * sizeof(*v));
	if (!v)
		return azlx_fail(e, ENOMEM, "out of memory");
	r->v = v;
	r->v[r->n++] = *row;
	return 0;
}

/*
 * With the lock: removes the entries of @host (listed in @eps), its
 * counters and, if it is still there, our program on it.
 */
static int azlx_pod_del_host(struct azlx_dp *dp, const struct azlx_ep_list *eps, __u32 host,
			     struct azlx_pod_removed *r, struct azlx_err *e)
{
	struct azlx_pod_row row;
	bool found = false;
	char a[INET6_ADDRSTRLEN];
	size_t i;
	int err;

	memset(&row, 0, sizeof(row));
	row.host_ifindex = host;
	for (i = 0; i < eps->n; i++) {
		if (eps->v[i].ep.host_ifindex != host)
			continue;
		err = azlx_dp_ep_del(dp, &eps->v[i].key);
		if (err && err != -ENOENT)
			return azlx_fail(e, -err, "cannot remove endpoint %s: %s",
					 azlx_ep_key_fmt(&eps->v[i].key, a, sizeof(a)),
					 strerror(-err));
		if (row.naddrs < AZLX_POD_ROW_ADDRS)
			row.addrs[row.naddrs++] = eps->v[i].key;
		memcpy(row.pod_mac, eps->v[i].ep.pod_mac, 6);
		memcpy(row.host_mac, eps->v[i].ep.host_mac, 6);
		found = true;
	}
	if (dp->hosts_fd >= 0) {
		err = azlx_dp_host_del(dp, host);
		if (!err)
			found = true;
		else if (err != -ENOENT)
			return azlx_fail(e, -err, "cannot remove from azlxnet_hosts: %s",
					 strerror(-err));
	}
	if (azlx_host_link_exists(host, row.host_ifname)) {
		__u32 id;

		/* an azlxkit primary with our program on its peer, else tc */
		err = azlx_kit_prog_ours(host, &id, e);
		if (err == 1) {
			err = azlx_kit_prog_set(host, AZLXNET_KIT_END_PEER, -1, id, e);
			found = true;
		} else if (!err) {
			err = azlx_tc_detach_kind((int)host, AZLX_TC_FROM_POD, &found, e);
		}
		if (err)
			return err;
	}
	if (!found)
		return 0;
	qsort(row.addrs, row.naddrs, sizeof(row.addrs[0]), azlx_key_cmp);
	return azlx_removed_add(r, &row, e);
}

/* Takes the lock and opens the maps; *@none when there are none. */
static int azlx_pod_del_begin(struct azlx_dp *dp, struct azlx_ep_list *eps, bool *none,
			      struct azlx_err *e)
{
	int err;

	*none = false;
	memset(eps, 0, sizeof(*eps));
	azlx_dp_init(dp);
	err = azlx_dp_lock(dp, e);
	if (err == -ENOTSUP) {
		*none = true;	/* no bpffs, no state */
		return 0;
	}
	if (err)
		return err;
	err = azlx_dp_state(dp, e);
	if (err == -ENOENT) {
		*none = true;
		return 0;
	}
	if (!err)
		err = azlx_dp_endpoints(dp, eps, e);
	return err;
}

static void azlx_pod_del_end(struct azlx_dp *dp, struct azlx_ep_list *eps, int err)
{
	if (!err && dp->lock_fd >= 0)
		azlx_dp_tidy(dp);
	azlx_ep_list_free(eps);
	azlx_dp_close(dp);
}

int azlx_pod_del_link(const char *netns, const char *ifname, struct azlx_pod_removed *r,
		      struct azlx_err *e)
{
	struct azlx_ep_list eps;
	struct azlx_pod_link pl;
	struct azlx_dp dp;
	bool none, kit;
	int err;

	memset(r, 0, sizeof(*r));
	err = azlx_pod_any_link_get(netns, ifname, &pl, &kit, e);
	if (err)
		return err;
	err = azlx_pod_del_begin(&dp, &eps, &none, e);
	if (!err)
		err = azlx_pod_del_host(&dp, &eps, pl.host.ifindex, r, e);
	azlx_pod_del_end(&dp, &eps, err);
	return err;
}

int azlx_pod_del_addrs(const struct azlx_addrs *a, bool gone_only, struct azlx_pod_removed *r,
		       struct azlx_err *e)
{
	__u32 hosts[AZLX_POD_ADDRS_MAX];
	char buf[INET6_ADDRSTRLEN], name[IF_NAMESIZE];
	size_t nhosts = 0, i, j;
	struct azlx_ep_list eps;
	struct azlx_dp dp;
	ssize_t idx;
	bool none;
	int err;

	memset(r, 0, sizeof(*r));
	err = azlx_pod_del_begin(&dp, &eps, &none, e);
	for (i = 0; !err && !none && i < a->n; i++) {
		idx = azlx_ep_find(&eps, &a->key[i]);
		if (idx < 0)
			continue;
		for (j = 0; j < nhosts && hosts[j] != eps.v[idx].ep.host_ifindex; j++)
			;
		if (j < nhosts)
			continue;
		if (gone_only && azlx_host_link_exists(eps.v[idx].ep.host_ifindex, name)) {
			azlx_warn("address %s belongs to %s (ifindex %u), which exists: left alone",
				  azlx_ep_key_fmt(&a->key[i], buf, sizeof(buf)), name,
				  eps.v[idx].ep.host_ifindex);
			continue;
		}
		hosts[nhosts++] = eps.v[idx].ep.host_ifindex;
	}
	for (j = 0; !err && j < nhosts; j++)
		err = azlx_pod_del_host(&dp, &eps, hosts[j], r, e);
	azlx_pod_del_end(&dp, &eps, err);
	return err;
}

int azlx_pod_check(const struct azlx_pod_req *req, struct azlx_err *e)
{
	char a[INET6_ADDRSTRLEN];
	struct azlxnet_ep_stats st;
	struct azlx_pod_link pl;
	struct azlx_tc_prog p;
	struct azlxnet_ep ep;
	struct azlx_dp dp;
	__u32 slot, id;
	size_t i;
	bool kit;
	int err;

	err = azlx_pod_any_link_get(req->netns, req->ifname, &pl, &kit, e);
	if (err)
		return err;
	azlx_dp_init(&dp);
	err = azlx_dp_maps_get(&dp, e);
	if (err == -ESTALE) {
		/* another build's state: this one's first command moves it */
		memset(e, 0, sizeof(*e));
		err = azlx_dp_lock(&dp, e);
		if (!err)
			err = azlx_dp_state(&dp, e);
	}
	if (err == -ENOENT)
		err = azlx_fail_cni(e, AZLX_CNI_ERR_CHECK, ENOENT,
				    "the fast path has no state (no maps in %s)", AZLXNET_PIN_DIR);
	for (i = 0; !err && i < req->addrs.n; i++) {
		azlx_ep_key_fmt(&req->addrs.key[i], a, sizeof(a));
		err = azlx_dp_ep_get(&dp, &req->addrs.key[i], &ep);
		if (err == -ENOENT)
			err = azlx_fail_cni(e, AZLX_CNI_ERR_CHECK, ENOENT,
					    "address %s is not on the fast path", a);
		else if (err)
			err = azlx_fail(e, -err, "cannot read the endpoint of %s: %s", a,
					strerror(-err));
		else if (ep.host_ifindex != pl.host.ifindex)
			err = azlx_fail_cni(e, AZLX_CNI_ERR_CHECK, EINVAL,
					    "address %s points at ifindex %u, not at %s (ifindex %u)",
					    a, ep.host_ifindex, pl.host.name, pl.host.ifindex);
		else if (memcmp(ep.pod_mac, pl.pod.mac, 6) || memcmp(ep.host_mac, pl.host.mac, 6))
			err = azlx_fail_cni(e, AZLX_CNI_ERR_CHECK, EINVAL,
					    "address %s has other MACs than %s and %s", a,
					    req->ifname, pl.host.name);
	}
	if (!err) {
		err = azlx_dp_host_get(&dp, pl.host.ifindex, &slot);
		if (err)
			err = azlx_fail_cni(e, AZLX_CNI_ERR_CHECK, ENOENT,
					    "%s has no counters", pl.host.name);
		else if (ep.slot != slot)
			err = azlx_fail_cni(e, AZLX_CNI_ERR_CHECK, EINVAL,
					    "the endpoints of %s count in slot %u, the device in %u",
					    pl.host.name, ep.slot, slot);
		else
			err = azlx_dp_stats(&dp, slot, &st, e);
	}
	if (!err && kit) {
		err = azlx_kit_prog_ours(pl.host.ifindex, &id, e);
		if (!err)
			err = azlx_fail_cni(e, AZLX_CNI_ERR_CHECK, ENOENT,
					    "azlxnet_from_kit is not attached to the peer of %s",
					    pl.host.name);
		else if (err == 1)
			err = 0;
	} else if (!err) {
		err = azlx_tc_query(pl.host.ifindex, &p, e);
		if (err == -ENOENT || (!err && p.kind != AZLX_TC_FROM_POD))
			err = azlx_fail_cni(e, AZLX_CNI_ERR_CHECK, ENOENT,
					    "azlxnet_from_pod is not attached to %s", pl.host.name);
	}
	azlx_dp_close(&dp);
	return err;
}

/* azlxnet pod */

struct azlx_pod_opts azlx_pod_opts;

void azlx_pod_set_opt(int opt, const char *arg)
{
	static const char *const names[] = { "--netns", "--ifname", "--ip", "--mac" };
	const char **slot[] = { &azlx_pod_opts.netns, &azlx_pod_opts.ifname,
				&azlx_pod_opts.ip, &azlx_pod_opts.mac };
	int i = opt - AZLX_OPT_POD_FIRST;

	if (i < 0 || i > AZLX_OPT_POD_LAST - AZLX_OPT_POD_FIRST)
		return;
	if (!azlx_pod_opts.given)
		azlx_pod_opts.given = names[i];
	*slot[i] = arg;
}

static int azlx_pod_help(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	printf("Usage: azlxnet pod add --netns NS --ifname IF --ip ADDR[,ADDR6] [ --mac MAC ]\n"
	       "       azlxnet pod del { --netns NS --ifname IF | --ip ADDR[,ADDR6] }\n"
	       "       azlxnet pod show\n"
	       "       azlxnet pod help\n"
	       "where  NS := a name in /var/run/netns or a path (/proc/PID/ns/net)\n"
	       "       IF := the pod's interface in NS, a veth whose peer is here or\n"
	       "             the peer of an azlxkit pair whose primary is here\n"
	       "       ADDR := IPv4 or IPv6 address, optionally with /PREFIX\n");
	return AZLX_EXIT_OK;
}

/* The words after the command: only "help" is taken. */
static int azlx_pod_words(int argc, char **argv, const char *cmd)
{
	if (argc)
		return azlx_error(AZLX_EXIT_USAGE, "\"pod %s\" takes options, not \"%s\" "
				  "(try \"azlxnet pod help\")", cmd, argv[0]);
	return AZLX_EXIT_OK;
}

/* Reports an error of the core on the tool's error path. */
static int azlx_pod_report(const struct azlx_err *e)
{
	return azlx_error(AZLX_EXIT_ERR, "%s", e->msg[0] ? e->msg : strerror(e->err));
}

static int azlx_pod_add_cmd(int argc, char **argv)
{
	struct azlx_err e = { 0 };
	struct azlx_pod_req req;
	struct azlx_pod_row row;

	if (argc && azlx_is_help(argv[0]))
		return azlx_pod_help(0, NULL);
	if (azlx_pod_words(argc, argv, "add"))
		return AZLX_EXIT_USAGE;
	if (!azlx_pod_opts.netns || !azlx_pod_opts.ifname || !azlx_pod_opts.ip)
		return azlx_error(AZLX_EXIT_USAGE, "\"pod add\" needs --netns, --ifname and --ip");
	memset(&req, 0, sizeof(req));
	req.netns = azlx_pod_opts.netns;
	req.ifname = azlx_pod_opts.ifname;
	if (azlx_addrs_parse(azlx_pod_opts.ip, &req.addrs, &e))
		return azlx_error(AZLX_EXIT_USAGE, "%s", e.msg);
	if (azlx_pod_opts.mac) {
		if (azlx_mac_parse(azlx_pod_opts.mac, req.mac))
			return azlx_error(AZLX_EXIT_USAGE, "invalid MAC \"%s\"", azlx_pod_opts.mac);
		req.has_mac = true;
	}
	if (azlx_pod_add(&req, &row, &e))
		return azlx_pod_report(&e);
	azlx_print_text("added ");
	azlx_pod_row_print(&row, false);
	return AZLX_EXIT_OK;
}

static int azlx_pod_del_cmd(int argc, char **argv)
{
	struct azlx_pod_removed r = { 0 };
	struct azlx_err e = { 0 };
	struct azlx_addrs addrs;
	size_t i;
	int err;

	if (argc && azlx_is_help(argv[0]))
		return azlx_pod_help(0, NULL);
	if (azlx_pod_words(argc, argv, "del"))
		return AZLX_EXIT_USAGE;
	if (azlx_pod_opts.mac)
		return azlx_error(AZLX_EXIT_USAGE, "\"pod del\" takes no --mac");
	if (azlx_pod_opts.ip && (azlx_pod_opts.netns || azlx_pod_opts.ifname))
		return azlx_error(AZLX_EXIT_USAGE,
				  "\"pod del\" takes either --netns and --ifname, or --ip");
	if (!azlx_pod_opts.ip && (!azlx_pod_opts.netns || !azlx_pod_opts.ifname))
		return azlx_error(AZLX_EXIT_USAGE,
				  "\"pod del\" needs --netns and --ifname, or --ip");
	if (azlx_pod_opts.ip) {
		if (azlx_addrs_parse(azlx_pod_opts.ip, &addrs, &e))
			return azlx_error(AZLX_EXIT_USAGE, "%s", e.msg);
		err = azlx_pod_del_addrs(&addrs, false, &r, &e);
	} else {
		err = azlx_pod_del_link(azlx_pod_opts.netns, azlx_pod_opts.ifname, &r, &e);
	}
	if (err)
		return azlx_pod_report(&e);
	if (!r.n)
		return azlx_error(AZLX_EXIT_ERR, "no such pod");

	azlx_print_open_object(NULL);
	azlx_print_open_array("removed");
	for (i = 0; i < r.n; i++) {
		azlx_print_text("removed ");
		azlx_pod_row_print(&r.v[i], false);
	}
	azlx_print_close_array();
	azlx_print_close_object();
	azlx_pod_removed_free(&r);
	return AZLX_EXIT_OK;
}

int azlx_pod_rows_read(struct azlx_pod_row **rows, struct azlx_err *e)
{
	struct azlx_err le = { 0 };
	struct nl_sock *sk = NULL;
	struct azlx_ep_list eps;
	struct azlx_link l;
	struct azlx_dp dp;
	int n = 0, i, err;
	__u32 slot;

	*rows = NULL;
	azlx_dp_init(&dp);
	err = azlx_dp_maps_get(&dp, e);
	if (!err)
		err = azlx_dp_endpoints(&dp, &eps, e);
	if (!err && dp.ep4_fd >= 0) {
		n = azlx_pod_rows_build(eps.v, eps.n, rows);
		azlx_ep_list_free(&eps);
		if (n < 0)
			err = azlx_fail(e, ENOMEM, "out of memory");
	}
	if (!err && n > 0 && azlx_route_socket(&sk, &le))
		sk = NULL;
	for (i = 0; !err && i < n; i++) {
		azlx_host_link_exists((*rows)[i].host_ifindex, (*rows)[i].host_ifname);
		if (sk && !azlx_link_get(sk, NULL, (*rows)[i].host_ifindex, &l, &le))
			snprintf((*rows)[i].device, sizeof((*rows)[i].device), "%s", l.kind);
		err = azlx_dp_host_get(&dp, (*rows)[i].host_ifindex, &slot);
		if (!err)
			err = azlx_dp_stats(&dp, slot, &(*rows)[i].stats, e);
		(*rows)[i].has_stats = !err;
		if (err == -ENOENT)
			err = 0;
	}
	if (sk)
		nl_socket_free(sk);
	azlx_dp_close(&dp);
	if (err) {
		free(*rows);
		*rows = NULL;
		return err;
	}
	return n;
}

static int azlx_pod_show(int argc, char **argv)
{
	struct azlx_pod_row *rows = NULL;
	struct azlx_err e = { 0 };
	int n, i;

	if (argc && azlx_is_help(argv[0]))
		return azlx_pod_help(0, NULL);
	if (argc)
		return azlx_error(AZLX_EXIT_USAGE, "\"pod show\" takes no argument: \"%s\"",
				  argv[0]);
	if (azlx_pod_opts.given)
		return azlx_error(AZLX_EXIT_USAGE, "\"pod show\" takes no option: \"%s\"",
				  azlx_pod_opts.given);

	n = azlx_pod_rows_read(&rows, &e);
	if (n == -ENOENT)
		n = 0;	/* no state: no pod */
	else if (n < 0)
		return azlx_pod_report(&e);

	azlx_print_open_array(NULL);
	for (i = 0; i < n; i++)
		azlx_pod_row_print(&rows[i], true);
	azlx_print_close_array();
	free(rows);
	return AZLX_EXIT_OK;
}

static const struct azlx_cmd azlx_pod_cmds[] = {
	{ "add",	azlx_pod_add_cmd },
	{ "del",	azlx_pod_del_cmd },
	{ "show",	azlx_pod_show },
	{ "help",	azlx_pod_help },
	{ NULL,		NULL },
};

int azlx_do_pod(int argc, char **argv)
{
	if (!argc)
		return azlx_pod_show(0, NULL);
	return azlx_cmd_run(azlx_pod_cmds, argc, argv, "azlxnet pod");
}
