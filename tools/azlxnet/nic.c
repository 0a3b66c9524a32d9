// SPDX-License-Identifier: GPL-2.0-only
/*
 * azlxnet nic show, and the parsing and rendering of the "nic" attribute
 * set shared with azlxnet monitor. Parsing and rendering are pure (no
 * socket), so that the host tests can feed hand-built messages.
 */
#include <net/if.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <netlink/attr.h>
#include <netlink/msg.h>
#include <linux/genetlink.h>

#include "azlxnet.h"
#include "azlxnet-user.h"
#include "cmd.h"
#include "genl.h"
#include "netns.h"
#include "nic.h"
#include "nlerr.h"
#include "print.h"

_Static_assert(AZLXNET_A_NIC_MAX < 32, "azlx_nic.present has a bit per attribute");

enum azlx_nic_kind {
	AZLX_NIC_U32,
	AZLX_NIC_U64,
	AZLX_NIC_NAME,		/* NUL-terminated, not empty, fits the field */
	AZLX_NIC_MAC,		/* 1 to AZLX_NIC_MAC_MAX bytes */
};

/* Where each attribute goes in struct azlx_nic; size 0: not stored (pad). */
static const struct {
	enum azlx_nic_kind	kind;
	size_t			offs;
	size_t			size;	/* of the field (names, MACs) */
	size_t			len_offs;	/* MACs: their length */
} azlx_nic_attrs[AZLXNET_A_NIC_MAX + 1] = {
#define U32(a, f)	[a] = { AZLX_NIC_U32, offsetof(struct azlx_nic, f), 4, 0 }
#define U64(a, f)	[a] = { AZLX_NIC_U64, offsetof(struct azlx_nic, f), 8, 0 }
#define NAME(a, f)	[a] = { AZLX_NIC_NAME, offsetof(struct azlx_nic, f),		\
				sizeof(((struct azlx_nic *)0)->f), 0 }
#define MAC(a, f)	[a] = { AZLX_NIC_MAC, offsetof(struct azlx_nic, f),		\
				sizeof(((struct azlx_nic *)0)->f),			\
				offsetof(struct azlx_nic, f##_len) }
	U32(AZLXNET_A_NIC_IFINDEX, ifindex),
	NAME(AZLXNET_A_NIC_IFNAME, ifname),
	MAC(AZLXNET_A_NIC_MAC, mac),
	U32(AZLXNET_A_NIC_VF_IFINDEX, vf_ifindex),
	NAME(AZLXNET_A_NIC_VF_IFNAME, vf_ifname),
	MAC(AZLXNET_A_NIC_VF_MAC, vf_mac),
	NAME(AZLXNET_A_NIC_VF_DRIVER, vf_driver),
	U32(AZLXNET_A_NIC_VF_STATE, vf_state),
	U32(AZLXNET_A_NIC_TX_IFINDEX, tx_ifindex),
	U64(AZLXNET_A_NIC_VF_JOINS, vf_joins),
	U64(AZLXNET_A_NIC_VF_LEAVES, vf_leaves),
	U64(AZLXNET_A_NIC_VF_UPS, vf_ups),
	U64(AZLXNET_A_NIC_VF_DOWNS, vf_downs),
	U64(AZLXNET_A_NIC_LAST_CHANGE, last_change),
	U64(AZLXNET_A_NIC_SLOW_NS, slow_ns),
	U64(AZLXNET_A_NIC_LAST_SLOW_NS, last_slow_ns),
#undef U32
#undef U64
#undef NAME
#undef MAC
};

/* Stores one attribute; false if its length or content is wrong. */
static bool azlx_nic_store(struct azlx_nic *nic, int type, const char *data, int len)
{
	char *field = (char *)nic + azlx_nic_attrs[type].offs;
	size_t size = azlx_nic_attrs[type].size;

	switch (azlx_nic_attrs[type].kind) {
	case AZLX_NIC_U32:
	case AZLX_NIC_U64:
		if ((size_t)len != size)
			return false;
		memcpy(field, data, size);
		return true;
	case AZLX_NIC_NAME:
		if (len < 2 || !data[0] || !memchr(data, '\0', len) ||
		    strlen(data) >= size)
			return false;
		strcpy(field, data);
		return true;
	case AZLX_NIC_MAC:
		if (len < 1 || (size_t)len > size)
			return false;
		memcpy(field, data, len);
		*((__u8 *)nic + azlx_nic_attrs[type].len_offs) = (__u8)len;
		return true;
	}
	return false;
}

int azlx_nic_parse_attrs(const void *data, int len, struct azlx_nic *nic,
			 char *err, size_t err_len)
{
	const struct nlattr *nla;
	int rem;

	memset(nic, 0, sizeof(*nic));
	if (len > 0) {
		nla_for_each_attr(nla, (struct nlattr *)data, len, rem) {
			int type = nla_type(nla);

			/* padding and unknown (newer) attributes are skipped */
			if (type <= 0 || type > AZLXNET_A_NIC_MAX || !azlx_nic_attrs[type].size)
				continue;
			if (azlx_nic_store(nic, type, nla_data(nla), nla_len(nla))) {
				nic->present |= 1u << type;
				nic->malformed &= ~(1u << type);
			} else if (!azlx_nic_has(nic, type)) {
				nic->malformed |= 1u << type;
			}
		}
	}

	if (!azlx_nic_has(nic, AZLXNET_A_NIC_IFINDEX)) {
		snprintf(err, err_len, "%s", nic->malformed & (1u << AZLXNET_A_NIC_IFINDEX) ?
			 "malformed ifindex" : "no ifindex");
		return -EINVAL;
	}
	if (!nic->ifindex) {
		snprintf(err, err_len, "ifindex 0");
		return -EINVAL;
	}
	return 0;
}

int azlx_nic_parse(const struct nlmsghdr *nlh, struct azlx_nic *nic,
		   char *err, size_t err_len)
{
	size_t hlen = NLMSG_HDRLEN + GENL_HDRLEN;

	if (nlh->nlmsg_len < hlen) {
		memset(nic, 0, sizeof(*nic));
		snprintf(err, err_len, "message too short");
		return -EINVAL;
	}
	return azlx_nic_parse_attrs((const char *)nlh + hlen,
				    (int)(nlh->nlmsg_len - hlen), nic, err, err_len);
}

const char *azlx_nic_attr_list(__u32 mask, char *buf, size_t len)
{
	size_t used = 0;
	int type;

	if (len)
		buf[0] = '\0';
	for (type = 1; type <= AZLXNET_A_NIC_MAX && used < len; type++) {
		if (!(mask & (1u << type)))
			continue;
		used += snprintf(buf + used, len - used, "%s%s", used ? ", " : "",
				 azlx_nic_attr_name(type));
	}
	return buf;
}

void azlx_nic_warn_malformed(const char *what, const struct azlx_nic *nic)
{
	char list[256];

	if (!nic->malformed)
		return;
	azlx_warn("%s: ignored malformed attribute(s) of ifindex %u: %s", what,
		  nic->ifindex, azlx_nic_attr_list(nic->malformed, list, sizeof(list)));
}

const char *azlx_vf_state_name(__u32 state)
{
	switch (state) {
	case AZLXNET_VF_STATE_ABSENT:
		return "absent";
	case AZLXNET_VF_STATE_DOWN:
		return "down";
	case AZLXNET_VF_STATE_UP:
		return "up";
	default:
		return "unknown";
	}
}

const char *azlx_fmt_mac(const __u8 *mac, size_t len, char *buf, size_t buf_len)
{
	size_t i, used = 0;

	if (buf_len)
		buf[0] = '\0';
	for (i = 0; i < len && used < buf_len; i++)
		used += snprintf(buf + used, buf_len - used, "%s%02x", i ? ":" : "", mac[i]);
	return buf;
}

const char *azlx_fmt_duration(__u64 ns, int decimals, char *buf, size_t len)
{
	static const __u64 pow10[] = { 1, 10, 100, 1000, 10000, 100000, 1000000,
				       10000000, 100000000, 1000000000 };
	unsigned long long s, unit, v;

	if (decimals < 0)
		decimals = 0;
	if (decimals > 9)
		decimals = 9;
	/* rounded to the last digit shown */
	unit = 1000000000ULL / pow10[decimals];
	v = ns / unit + (ns % unit >= unit / 2 && unit > 1);
	if (v < 1000 * pow10[decimals]) {
		if (decimals)
			snprintf(buf, len, "%llu.%0*llu s", v / pow10[decimals], decimals,
				 v % pow10[decimals]);
		else
			snprintf(buf, len, "%llu s", v);
		return buf;
	}

	s = ns / 1000000000ULL + (ns % 1000000000ULL >= 500000000ULL);
	if (s < 3600)
		snprintf(buf, len, "%llum %02llus", s / 60, s % 60);
	else if (s < 86400)
		snprintf(buf, len, "%lluh %02llum %02llus", s / 3600, s / 60 % 60, s % 60);
	else
		snprintf(buf, len, "%llud %02lluh %02llum", s / 86400, s / 3600 % 24,
			 s / 60 % 60);
	return buf;
}

__u64 azlx_boottime_ns(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_BOOTTIME, &ts))
		return 0;
	return (__u64)ts.tv_sec * 1000000000ULL + (__u64)ts.tv_nsec;
}

/* Rendering */

static void azlx_json_u64(const struct azlx_nic *nic, int attr, const char *key, __u64 v)
{
	if (azlx_nic_has(nic, attr))
		azlx_print_uint(AZLX_PRINT_JSON, key, NULL, v);
	else
		azlx_print_null(key);
}

static void azlx_json_str(const struct azlx_nic *nic, int attr, const char *key,
			  const char *v)
{
	azlx_print_string(AZLX_PRINT_JSON, key, NULL, azlx_nic_has(nic, attr) ? v : NULL);
}

static void azlx_json_mac(const struct azlx_nic *nic, int attr, const char *key,
			  const __u8 *mac, size_t len)
{
	char buf[3 * AZLX_NIC_MAC_MAX];

	azlx_json_str(nic, attr, key, azlx_fmt_mac(mac, len, buf, sizeof(buf)));
}

void azlx_nic_print_json(const struct azlx_nic *nic)
{
	azlx_print_uint(AZLX_PRINT_JSON, "ifindex", NULL, nic->ifindex);
	azlx_json_str(nic, AZLXNET_A_NIC_IFNAME, "ifname", nic->ifname);
	azlx_json_mac(nic, AZLXNET_A_NIC_MAC, "mac", nic->mac, nic->mac_len);
	if (azlx_nic_has_vf(nic)) {
		azlx_print_open_object("vf");
		azlx_print_uint(AZLX_PRINT_JSON, "ifindex", NULL, nic->vf_ifindex);
		azlx_json_str(nic, AZLXNET_A_NIC_VF_IFNAME, "ifname", nic->vf_ifname);
		azlx_json_mac(nic, AZLXNET_A_NIC_VF_MAC, "mac", nic->vf_mac, nic->vf_mac_len);
		azlx_json_str(nic, AZLXNET_A_NIC_VF_DRIVER, "driver", nic->vf_driver);
		azlx_print_close_object();
	} else {
		azlx_print_null("vf");
	}
	azlx_json_str(nic, AZLXNET_A_NIC_VF_STATE, "vf_state",
		      azlx_vf_state_name(nic->vf_state));
	azlx_json_u64(nic, AZLXNET_A_NIC_TX_IFINDEX, "tx_ifindex", nic->tx_ifindex);
	azlx_json_u64(nic, AZLXNET_A_NIC_VF_JOINS, "vf_joins", nic->vf_joins);
	azlx_json_u64(nic, AZLXNET_A_NIC_VF_LEAVES, "vf_leaves", nic->vf_leaves);
	azlx_json_u64(nic, AZLXNET_A_NIC_VF_UPS, "vf_ups", nic->vf_ups);
	azlx_json_u64(nic, AZLXNET_A_NIC_VF_DOWNS, "vf_downs", nic->vf_downs);
	azlx_json_u64(nic, AZLXNET_A_NIC_LAST_CHANGE, "last_change_ns", nic->last_change);
	azlx_json_u64(nic, AZLXNET_A_NIC_SLOW_NS, "slow_ns", nic->slow_ns);
	azlx_json_u64(nic, AZLXNET_A_NIC_LAST_SLOW_NS, "last_slow_ns", nic->last_slow_ns);
}

static const char *azlx_nic_name(const struct azlx_nic *nic)
{
	return azlx_nic_has(nic, AZLXNET_A_NIC_IFNAME) ? nic->ifname : "?";
}

static const char *azlx_vf_name(const struct azlx_nic *nic)
{
	return azlx_nic_has(nic, AZLXNET_A_NIC_VF_IFNAME) ? nic->vf_ifname : "?";
}

static const char *azlx_nic_state(const struct azlx_nic *nic)
{
	return azlx_nic_has(nic, AZLXNET_A_NIC_VF_STATE) ?
	       azlx_vf_state_name(nic->vf_state) : "unknown";
}

/*
 * The name of the device that carries the traffic, from the message alone:
 * the NIC's or the VF's, else NULL.
 */
static const char *azlx_tx_name(const struct azlx_nic *nic)
{
	if (nic->tx_ifindex == nic->ifindex && azlx_nic_has(nic, AZLXNET_A_NIC_IFNAME))
		return nic->ifname;
	if (azlx_nic_has_vf(nic) && nic->tx_ifindex == nic->vf_ifindex &&
	    azlx_nic_has(nic, AZLXNET_A_NIC_VF_IFNAME))
		return nic->vf_ifname;
	return NULL;
}

/* "enP1s1" (or "ifindex 7" when the message does not name it) */
static void azlx_text_tx(const struct azlx_nic *nic, bool with_ifindex)
{
	const char *name = azlx_tx_name(nic);

	if (!azlx_nic_has(nic, AZLXNET_A_NIC_TX_IFINDEX))
		azlx_print_text("?");
	else if (!name)
		azlx_print_text("ifindex %u", nic->tx_ifindex);
	else if (with_ifindex)
		azlx_print_text("%s (ifindex %u)", name, nic->tx_ifindex);
	else
		azlx_print_text("%s", name);
}

static void azlx_text_count(const struct azlx_nic *nic, int attr, const char *label,
			    __u64 v)
{
	if (azlx_nic_has(nic, attr))
		azlx_print_text("%s %llu", label, (unsigned long long)v);
	else
		azlx_print_text("%s ?", label);
}

static void azlx_text_duration(const struct azlx_nic *nic, int attr, __u64 ns, int decimals)
{
	char buf[64];

	if (azlx_nic_has(nic, attr))
		azlx_print_text("%s", azlx_fmt_duration(ns, decimals, buf, sizeof(buf)));
	else
		azlx_print_text("?");
}

void azlx_nic_print(const struct azlx_nic *nic, __u64 now_ns)
{
	char buf[3 * AZLX_NIC_MAC_MAX];

	azlx_print_open_object(NULL);
	azlx_nic_print_json(nic);

	/* eth0 (ifindex 2, 00:0d:3a:..): vf enP1s1 (ifindex 3, mana, 00:..) up, tx via enP1s1 */
	azlx_print_text("%s (ifindex %u", azlx_nic_name(nic), nic->ifindex);
	if (azlx_nic_has(nic, AZLXNET_A_NIC_MAC))
		azlx_print_text(", %s", azlx_fmt_mac(nic->mac, nic->mac_len, buf, sizeof(buf)));
	azlx_print_text("): ");
	if (azlx_nic_has_vf(nic)) {
		azlx_print_text("vf %s (ifindex %u", azlx_vf_name(nic), nic->vf_ifindex);
		if (azlx_nic_has(nic, AZLXNET_A_NIC_VF_DRIVER))
			azlx_print_text(", %s", nic->vf_driver);
		if (azlx_nic_has(nic, AZLXNET_A_NIC_VF_MAC))
			azlx_print_text(", %s", azlx_fmt_mac(nic->vf_mac, nic->vf_mac_len,
							     buf, sizeof(buf)));
		azlx_print_text(") %s, tx via ", azlx_nic_state(nic));
	} else {
		azlx_print_text("vf: none, tx via ");
	}
	azlx_text_tx(nic, false);

	/* vf joins 3, leaves 2, ups 4, downs 3; last change 12.3 s ago; slow path ... */
	azlx_print_text("\n    ");
	azlx_text_count(nic, AZLXNET_A_NIC_VF_JOINS, "vf joins", nic->vf_joins);
	azlx_text_count(nic, AZLXNET_A_NIC_VF_LEAVES, ", leaves", nic->vf_leaves);
	azlx_text_count(nic, AZLXNET_A_NIC_VF_UPS, ", ups", nic->vf_ups);
	azlx_text_count(nic, AZLXNET_A_NIC_VF_DOWNS, ", downs", nic->vf_downs);
	azlx_print_text("; last change ");
	azlx_text_duration(nic, AZLXNET_A_NIC_LAST_CHANGE,
			   now_ns > nic->last_change ? now_ns - nic->last_change : 0, 1);
	if (azlx_nic_has(nic, AZLXNET_A_NIC_LAST_CHANGE))
		azlx_print_text(" ago");
	azlx_print_text("; slow path ");
	azlx_text_duration(nic, AZLXNET_A_NIC_SLOW_NS, nic->slow_ns, 3);
	azlx_print_text(" total, last ");
	azlx_text_duration(nic, AZLXNET_A_NIC_LAST_SLOW_NS, nic->last_slow_ns, 3);
	azlx_print_text("\n");

	azlx_print_close_object();
}

void azlx_event_print(const char *event, const struct azlx_nic *nic, __u64 time_ns)
{
	azlx_print_open_object(NULL);
	azlx_print_string(AZLX_PRINT_ANY, "event", "%s", event);
	azlx_print_uint(AZLX_PRINT_JSON, "time_ns", NULL, time_ns);
	azlx_nic_print_json(nic);

	/* vf-join eth0 (ifindex 2): vf enP1s1 (ifindex 3, mana), state down, tx via ... */
	azlx_print_text(" %s (ifindex %u): ", azlx_nic_name(nic), nic->ifindex);
	if (azlx_nic_has_vf(nic)) {
		azlx_print_text("vf %s (ifindex %u", azlx_vf_name(nic), nic->vf_ifindex);
		if (azlx_nic_has(nic, AZLXNET_A_NIC_VF_DRIVER))
			azlx_print_text(", %s", nic->vf_driver);
		azlx_print_text(")");
	} else {
		azlx_print_text("vf none");
	}
	azlx_print_text(", state %s, tx via ", azlx_nic_state(nic));
	azlx_text_tx(nic, true);
	azlx_print_text("\n");

	azlx_print_close_object();
	/* the JSON object now, as one line; the text line is flushed too */
	azlx_print_flush();
}

/* azlxnet nic */

static int azlx_nic_help(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	printf("Usage: azlxnet nic show [ DEV ]\n"
	       "       azlxnet nic help\n"
	       "where  DEV := interface name or ifindex of a synthetic NIC\n");
	return AZLX_EXIT_OK;
}

/* The ifindex of @dev, a name or else a number, in this network namespace. */
static int azlx_nic_resolve(const char *dev, __u32 *ifindex)
{
	if (azlx_ifindex_resolve(dev, ifindex))
		return azlx_error(AZLX_EXIT_ERR, "no such device %s", dev);
	return AZLX_EXIT_OK;
}

static int azlx_nic_fill(struct nl_msg *msg, void *arg)
{
	const struct azlx_nic_list *l = arg;

	return nla_put_u32(msg, AZLXNET_A_NIC_IFINDEX, l->ifindex);
}

static int azlx_nic_reply(const struct nlmsghdr *nlh, void *arg, char *err, size_t err_len)
{
	struct azlx_nic_list *l = arg;
	struct azlx_nic *v;
	int ret;

	if (l->n == l->cap) {
		size_t cap = l->cap ? 2 * l->cap : 8;

		v = realloc(l->v, cap * sizeof(*v));
		if (!v) {
			snprintf(err, err_len, "out of memory");
			return -ENOMEM;
		}
		l->v = v;
		l->cap = cap;
	}
	ret = azlx_nic_parse(nlh, &l->v[l->n], err, err_len);
	if (ret)
		return ret;
	azlx_nic_warn_malformed("nic-get", &l->v[l->n]);
	l->n++;
	return 0;
}

static int azlx_nic_cmp(const void *a, const void *b)
{
	const struct azlx_nic *x = a, *y = b;

	return (x->ifindex > y->ifindex) - (x->ifindex < y->ifindex);
}

#define AZLX_NIC_DUMP_TRIES	3

int azlx_nic_get(struct azlx_genl *g, __u32 ifindex, struct azlx_nic_list *l)
{
	struct azlx_genl_op op = {
		.cmd		= AZLXNET_CMD_NIC_GET,
		.name		= "nic-get",
		.dump		= !ifindex,
		.fill		= ifindex ? azlx_nic_fill : NULL,
		.reply		= azlx_nic_reply,
		.attr_name	= azlx_nic_attr_name,
		.arg		= l,
	};
	int ret, tries = 0;

	l->ifindex = ifindex;
	/* a dump the NICs changed under is done again */
	do {
		l->n = 0;
		ret = azlx_genl_request(g, &op);
	} while (!ret && op.interrupted && ++tries < AZLX_NIC_DUMP_TRIES);
	if (ret)
		return ret;
	if (op.interrupted)
		azlx_warn("the NICs changed during the dump: the list may be inconsistent");
	if (ifindex && l->n != 1)
		return azlx_error_op(AZLX_EXIT_ERR, op.name, EPROTO, NULL,
				     "nic-get failed: %s", l->n ? "more than one reply" :
				     "no reply from the module");
	if (l->n > 1)
		qsort(l->v, l->n, sizeof(*l->v), azlx_nic_cmp);
	return AZLX_EXIT_OK;
}

void azlx_nic_list_print(const struct azlx_nic_list *l, bool array, __u64 now_ns)
{
	size_t i;

	if (array)
		azlx_print_open_array(NULL);
	for (i = 0; i < l->n; i++)
		azlx_nic_print(&l->v[i], now_ns);
	if (array)
		azlx_print_close_array();
}

void azlx_nic_list_free(struct azlx_nic_list *l)
{
	free(l->v);
	memset(l, 0, sizeof(*l));
}

static int azlx_nic_show(int argc, char **argv)
{
	struct azlx_nic_list l = { 0 };
	struct azlx_genl g;
	__u32 ifindex = 0;
	int ret;

	if (argc && azlx_is_help(argv[0]))
		return azlx_nic_help(0, NULL);
	if (argc > 1)
		return azlx_error(AZLX_EXIT_USAGE, "\"nic show\" takes at most one DEV: \"%s\"",
				  argv[1]);

	/* the device first: a name that does not exist needs no module */
	if (argc) {
		ret = azlx_nic_resolve(argv[0], &ifindex);
		if (ret)
			return ret;
	}

	ret = azlx_genl_open(&g);
	if (ret)
		return ret;
	ret = azlx_nic_get(&g, ifindex, &l);
	azlx_genl_close(&g);
	if (!ret)
		azlx_nic_list_print(&l, !ifindex, azlx_boottime_ns());
	azlx_nic_list_free(&l);
	return ret;
}

static const struct azlx_cmd azlx_nic_cmds[] = {
	{ "show",	azlx_nic_show },
	{ "help",	azlx_nic_help },
	{ NULL,		NULL },
};

int azlx_do_nic(int argc, char **argv)
{
	if (!argc)
		return azlx_nic_show(0, NULL);
	return azlx_cmd_run(azlx_nic_cmds, argc, argv, "azlxnet nic");
}
