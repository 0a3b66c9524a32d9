// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests of "nic show" and "monitor" against the netlink spec: parsing
 * of hand-built nic-get replies and vf-* events, their rendering as text
 * and JSON, event names, and nic-get requests answered by a fake kernel
 * (libnl's send and recvmsg replaced).
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <netlink/netlink.h>
#include <netlink/msg.h>
#include <netlink/handlers.h>
#include <netlink/socket.h>
#include <netlink/attr.h>
#include <netlink/genl/genl.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <linux/azlxnet.h>

#include "azlxnet.h"
#include "azlxnet-user.h"
#include "genl.h"
#include "monitor.h"
#include "nic.h"
#include "nlerr.h"
#include "print.h"
#include "tap.h"
#include "helpers.h"

#define FAMILY		0x1c			/* a dynamic genl family id */
#define NS		1000000000ULL
#define LAST_CHANGE	(1000 * NS)		/* boot + 1000 s */
#define NOW		(LAST_CHANGE + 12300000000ULL)	/* 12.3 s later */

static const __u8 mac[6] = { 0x00, 0x0d, 0x3a, 0x01, 0x02, 0x03 };

/* @s begins with @prefix */
#define CHECK_PREFIX(s, prefix)	CHECK(!strncmp((s), (prefix), strlen(prefix)))

static void put_u32(struct nlbuf *b, int type, __u32 v)
{
	nlbuf_attr(b, type, &v, sizeof(v));
}

/* as nla_put_u64_64bit() does: a pad attribute when the value needs it */
static void put_u64(struct nlbuf *b, int type, __u64 v)
{
	if ((b->len + NLA_HDRLEN) % 8)
		nlbuf_attr(b, AZLXNET_A_NIC_PAD, NULL, 0);
	nlbuf_attr(b, type, &v, sizeof(v));
}

static void put_str(struct nlbuf *b, int type, const char *s)
{
	nlbuf_attr(b, type, s, strlen(s) + 1);
}

/* The NIC's own attributes, as the module sends them without a VF. */
static void put_nic(struct nlbuf *b, __u32 ifindex, const char *name)
{
	put_u32(b, AZLXNET_A_NIC_IFINDEX, ifindex);
	put_str(b, AZLXNET_A_NIC_IFNAME, name);
	nlbuf_attr(b, AZLXNET_A_NIC_MAC, mac, sizeof(mac));
	put_u32(b, AZLXNET_A_NIC_VF_STATE, AZLXNET_VF_STATE_ABSENT);
	put_u32(b, AZLXNET_A_NIC_TX_IFINDEX, ifindex);
	put_u64(b, AZLXNET_A_NIC_VF_JOINS, 3);
	put_u64(b, AZLXNET_A_NIC_VF_LEAVES, 3);
	put_u64(b, AZLXNET_A_NIC_VF_UPS, 4);
	put_u64(b, AZLXNET_A_NIC_VF_DOWNS, 4);
	put_u64(b, AZLXNET_A_NIC_LAST_CHANGE, LAST_CHANGE);
	put_u64(b, AZLXNET_A_NIC_SLOW_NS, 1204000000ULL);
	put_u64(b, AZLXNET_A_NIC_LAST_SLOW_NS, 402000000ULL);
}

/* eth0 with enP1s1 (mana) joined and up: every attribute of the set. */
static void msg_nic_vf(struct nlbuf *b, __u8 cmd)
{
	nlbuf_genl(b, FAMILY, cmd, 0);
	put_u32(b, AZLXNET_A_NIC_IFINDEX, 2);
	put_str(b, AZLXNET_A_NIC_IFNAME, "eth0");
	nlbuf_attr(b, AZLXNET_A_NIC_MAC, mac, sizeof(mac));
	put_u32(b, AZLXNET_A_NIC_VF_IFINDEX, 3);
	put_str(b, AZLXNET_A_NIC_VF_IFNAME, "enP1s1");
	nlbuf_attr(b, AZLXNET_A_NIC_VF_MAC, mac, sizeof(mac));
	put_str(b, AZLXNET_A_NIC_VF_DRIVER, "mana");
	put_u32(b, AZLXNET_A_NIC_VF_STATE, AZLXNET_VF_STATE_UP);
	put_u32(b, AZLXNET_A_NIC_TX_IFINDEX, 3);
	put_u64(b, AZLXNET_A_NIC_VF_JOINS, 3);
	put_u64(b, AZLXNET_A_NIC_VF_LEAVES, 2);
	put_u64(b, AZLXNET_A_NIC_VF_UPS, 4);
	put_u64(b, AZLXNET_A_NIC_VF_DOWNS, 3);
	put_u64(b, AZLXNET_A_NIC_LAST_CHANGE, LAST_CHANGE);
	put_u64(b, AZLXNET_A_NIC_SLOW_NS, 1204000000ULL);
	put_u64(b, AZLXNET_A_NIC_LAST_SLOW_NS, 402000000ULL);
	nlbuf_end(b);
}

static void msg_nic_novf(struct nlbuf *b, __u8 cmd, __u32 ifindex, const char *name)
{
	nlbuf_genl(b, FAMILY, cmd, 0);
	put_nic(b, ifindex, name);
	nlbuf_end(b);
}

static void parse_ok(const struct nlbuf *b, struct azlx_nic *nic)
{
	char err[96] = "";
	int ret = azlx_nic_parse(&b->nlh, nic, err, sizeof(err));

	if (ret)
		printf("# azlx_nic_parse: %d (%s)\n", ret, err);
	CHECK(!ret);
}

/* ifindex to last-slow-ns: all but pad */
#define ALL_ATTRS	(((1u << (AZLXNET_A_NIC_LAST_SLOW_NS + 1)) - 1) & ~1u)
#define BIT(a)		(1u << (a))

static void test_nic_parse_vf(void)
{
	struct azlx_nic nic;
	struct nlbuf b;

	msg_nic_vf(&b, AZLXNET_CMD_NIC_GET);
	parse_ok(&b, &nic);
	CHECK(nic.present == ALL_ATTRS);
	CHECK(!nic.malformed);
	CHECK(nic.ifindex == 2);
	CHECK_STR(nic.ifname, "eth0");
	CHECK(nic.mac_len == 6 && !memcmp(nic.mac, mac, 6));
	CHECK(azlx_nic_has_vf(&nic));
	CHECK(nic.vf_ifindex == 3);
	CHECK_STR(nic.vf_ifname, "enP1s1");
	CHECK(nic.vf_mac_len == 6 && !memcmp(nic.vf_mac, mac, 6));
	CHECK_STR(nic.vf_driver, "mana");
	CHECK(nic.vf_state == AZLXNET_VF_STATE_UP);
	CHECK(nic.tx_ifindex == 3);
	CHECK(nic.vf_joins == 3 && nic.vf_leaves == 2 && nic.vf_ups == 4 && nic.vf_downs == 3);
	CHECK(nic.last_change == LAST_CHANGE);
	CHECK(nic.slow_ns == 1204000000ULL && nic.last_slow_ns == 402000000ULL);
}

static void test_nic_parse_no_vf(void)
{
	struct azlx_nic nic;
	struct nlbuf b;

	msg_nic_novf(&b, AZLXNET_CMD_NIC_GET, 2, "eth0");
	parse_ok(&b, &nic);
	CHECK(!azlx_nic_has_vf(&nic));
	CHECK(!azlx_nic_has(&nic, AZLXNET_A_NIC_VF_IFNAME));
	CHECK(!azlx_nic_has(&nic, AZLXNET_A_NIC_VF_MAC));
	CHECK(!azlx_nic_has(&nic, AZLXNET_A_NIC_VF_DRIVER));
	CHECK(nic.present == (ALL_ATTRS & ~(BIT(AZLXNET_A_NIC_VF_IFINDEX) |
					    BIT(AZLXNET_A_NIC_VF_IFNAME) |
					    BIT(AZLXNET_A_NIC_VF_MAC) |
					    BIT(AZLXNET_A_NIC_VF_DRIVER))));
	CHECK(nic.vf_state == AZLXNET_VF_STATE_ABSENT);
	CHECK(nic.tx_ifindex == 2);
	CHECK(!nic.malformed);
}

static void test_nic_parse_minimal(void)
{
	struct azlx_nic nic;
	struct nlbuf b;

	/* only the ifindex is required; padding and unknown attributes are skipped */
	nlbuf_genl(&b, FAMILY, AZLXNET_CMD_VF_UP, 0);
	nlbuf_attr(&b, 0, NULL, 0);
	put_u32(&b, AZLXNET_A_NIC_IFINDEX, 7);
	put_u64(&b, AZLXNET_A_NIC_MAX + 1, 42);
	put_str(&b, 200, "from a newer module");
	nlbuf_end(&b);
	parse_ok(&b, &nic);
	CHECK(nic.present == BIT(AZLXNET_A_NIC_IFINDEX));
	CHECK(nic.ifindex == 7 && !nic.malformed);
}

static void expect_parse_error(const struct nlbuf *b, const char *why)
{
	struct azlx_nic nic;
	char err[96] = "";

	CHECK(azlx_nic_parse(&b->nlh, &nic, err, sizeof(err)) == -EINVAL);
	CHECK_STR(err, why);
}

static void test_nic_parse_no_ifindex(void)
{
	__u16 short_ifindex = 2;
	struct nlbuf b;

	nlbuf_genl(&b, FAMILY, AZLXNET_CMD_NIC_GET, 0);
	put_str(&b, AZLXNET_A_NIC_IFNAME, "eth0");
	nlbuf_end(&b);
	expect_parse_error(&b, "no ifindex");

	nlbuf_genl(&b, FAMILY, AZLXNET_CMD_NIC_GET, 0);
	nlbuf_attr(&b, AZLXNET_A_NIC_IFINDEX, &short_ifindex, sizeof(short_ifindex));
	put_str(&b, AZLXNET_A_NIC_IFNAME, "eth0");
	nlbuf_end(&b);
	expect_parse_error(&b, "malformed ifindex");

	nlbuf_genl(&b, FAMILY, AZLXNET_CMD_NIC_GET, 0);
	put_u32(&b, AZLXNET_A_NIC_IFINDEX, 0);
	nlbuf_end(&b);
	expect_parse_error(&b, "ifindex 0");

	/* no attributes at all, and no room for the genlmsghdr */
	nlbuf_genl(&b, FAMILY, AZLXNET_CMD_NIC_GET, 0);
	nlbuf_end(&b);
	expect_parse_error(&b, "no ifindex");
	b.nlh.nlmsg_len = NLMSG_HDRLEN + 2;
	expect_parse_error(&b, "message too short");
}

static void test_nic_parse_wrong_lengths(void)
{
	const char long_name[] = "a-name-longer-than-ifnamsiz";
	const char unterminated[4] = { 'e', 't', 'h', '0' };
	__u8 big_mac[40] = { 0 };
	__u32 four = 4;
	__u64 eight = 8;
	__u8 one = 1;
	struct azlx_nic nic;
	char list[256];
	struct nlbuf b;

	nlbuf_genl(&b, FAMILY, AZLXNET_CMD_NIC_GET, 0);
	put_u32(&b, AZLXNET_A_NIC_IFINDEX, 2);
	nlbuf_attr(&b, AZLXNET_A_NIC_IFNAME, unterminated, sizeof(unterminated));
	nlbuf_attr(&b, AZLXNET_A_NIC_MAC, NULL, 0);
	put_u32(&b, AZLXNET_A_NIC_VF_IFINDEX, 3);
	nlbuf_attr(&b, AZLXNET_A_NIC_VF_IFNAME, long_name, sizeof(long_name));
	nlbuf_attr(&b, AZLXNET_A_NIC_VF_MAC, big_mac, sizeof(big_mac));
	nlbuf_attr(&b, AZLXNET_A_NIC_VF_DRIVER, "", 1);
	nlbuf_attr(&b, AZLXNET_A_NIC_VF_STATE, &one, sizeof(one));
	nlbuf_attr(&b, AZLXNET_A_NIC_TX_IFINDEX, &eight, sizeof(eight));
	nlbuf_attr(&b, AZLXNET_A_NIC_VF_JOINS, &four, sizeof(four));
	put_u64(&b, AZLXNET_A_NIC_VF_LEAVES, 5);
	nlbuf_end(&b);

	parse_ok(&b, &nic);
	CHECK(nic.ifindex == 2 && nic.vf_ifindex == 3 && nic.vf_leaves == 5);
	CHECK(nic.present == (BIT(AZLXNET_A_NIC_IFINDEX) | BIT(AZLXNET_A_NIC_VF_IFINDEX) |
			      BIT(AZLXNET_A_NIC_VF_LEAVES)));
	CHECK_STR(azlx_nic_attr_list(nic.malformed, list, sizeof(list)),
		  "ifname, mac, vf-ifname, vf-mac, vf-driver, vf-state, tx-ifindex, vf-joins");
	/* nothing of them was stored */
	CHECK(!nic.ifname[0] && !nic.mac_len && !nic.vf_ifname[0] && !nic.vf_mac_len);
	CHECK(!nic.vf_driver[0] && !nic.vf_state && !nic.tx_ifindex && !nic.vf_joins);
}

static void test_nic_parse_truncated(void)
{
	struct azlx_nic nic;
	struct nlattr *nla;
	struct nlbuf b;

	/* an attribute claiming more than the message holds ends the walk */
	nlbuf_genl(&b, FAMILY, AZLXNET_CMD_NIC_GET, 0);
	put_u32(&b, AZLXNET_A_NIC_IFINDEX, 2);
	nla = nlbuf_put(&b, NULL, NLA_HDRLEN);
	nla->nla_type = AZLXNET_A_NIC_IFNAME;
	nla->nla_len = 300;
	nlbuf_end(&b);
	parse_ok(&b, &nic);
	CHECK(nic.present == BIT(AZLXNET_A_NIC_IFINDEX));

	/* so does one shorter than its own header */
	nlbuf_genl(&b, FAMILY, AZLXNET_CMD_NIC_GET, 0);
	put_u32(&b, AZLXNET_A_NIC_IFINDEX, 2);
	nla = nlbuf_put(&b, NULL, NLA_HDRLEN);
	nla->nla_type = AZLXNET_A_NIC_IFNAME;
	nla->nla_len = 2;
	put_str(&b, AZLXNET_A_NIC_VF_DRIVER, "mana");
	nlbuf_end(&b);
	parse_ok(&b, &nic);
	CHECK(nic.present == BIT(AZLXNET_A_NIC_IFINDEX));

	/* a message cut in the middle of an attribute */
	msg_nic_vf(&b, AZLXNET_CMD_NIC_GET);
	b.nlh.nlmsg_len = NLMSG_HDRLEN + GENL_HDRLEN + 8 + 6;
	parse_ok(&b, &nic);
	CHECK(nic.present == BIT(AZLXNET_A_NIC_IFINDEX));
}

static void test_nic_parse_repeated(void)
{
	__u32 bad = 1;
	struct azlx_nic nic;
	struct nlbuf b;

	/* the last good copy wins; a bad one after a good one is ignored */
	nlbuf_genl(&b, FAMILY, AZLXNET_CMD_NIC_GET, 0);
	put_u32(&b, AZLXNET_A_NIC_IFINDEX, 2);
	nlbuf_attr(&b, AZLXNET_A_NIC_VF_JOINS, &bad, sizeof(bad));
	put_u64(&b, AZLXNET_A_NIC_VF_JOINS, 9);
	put_u64(&b, AZLXNET_A_NIC_VF_UPS, 1);
	nlbuf_attr(&b, AZLXNET_A_NIC_VF_UPS, &bad, sizeof(bad));
	nlbuf_end(&b);
	parse_ok(&b, &nic);
	CHECK(nic.vf_joins == 9 && nic.vf_ups == 1);
	CHECK(!nic.malformed);
}

static void test_nic_attr_names(void)
{
	char list[8];

	CHECK_STR(azlx_nic_attr_name(AZLXNET_A_NIC_IFINDEX), "ifindex");
	CHECK_STR(azlx_nic_attr_name(AZLXNET_A_NIC_LAST_SLOW_NS), "last-slow-ns");
	CHECK(!azlx_nic_attr_name(0));
	CHECK(!azlx_nic_attr_name(AZLXNET_A_NIC_MAX + 1));
	/* a short buffer truncates */
	CHECK_STR(azlx_nic_attr_list(BIT(AZLXNET_A_NIC_VF_IFNAME) | BIT(AZLXNET_A_NIC_MAC),
				     list, sizeof(list)), "mac, vf");
	CHECK_STR(azlx_nic_attr_list(0, list, sizeof(list)), "");
}

static void test_event_names(void)
{
	CHECK_STR(azlx_event_name(AZLXNET_CMD_VF_JOIN), "vf-join");
	CHECK_STR(azlx_event_name(AZLXNET_CMD_VF_LEAVE), "vf-leave");
	CHECK_STR(azlx_event_name(AZLXNET_CMD_VF_UP), "vf-up");
	CHECK_STR(azlx_event_name(AZLXNET_CMD_VF_DOWN), "vf-down");
	CHECK_STR(azlx_event_name(AZLXNET_CMD_NIC_NEW), "nic-new");
	CHECK_STR(azlx_event_name(AZLXNET_CMD_NIC_DEL), "nic-del");
	CHECK(!azlx_event_name(0));
	CHECK(!azlx_event_name(AZLXNET_CMD_VERSION));
	CHECK(!azlx_event_name(AZLXNET_CMD_NIC_GET));
	CHECK(!azlx_event_name(AZLXNET_CMD_MAX + 1));
	CHECK(!azlx_event_name(-1));
	CHECK(!azlx_event_name(255));
}

static void test_vf_state_names(void)
{
	CHECK_STR(azlx_vf_state_name(AZLXNET_VF_STATE_ABSENT), "absent");
	CHECK_STR(azlx_vf_state_name(AZLXNET_VF_STATE_DOWN), "down");
	CHECK_STR(azlx_vf_state_name(AZLXNET_VF_STATE_UP), "up");
	CHECK_STR(azlx_vf_state_name(AZLXNET_VF_STATE_UP + 1), "unknown");
}

static void test_fmt_mac(void)
{
	const __u8 ib[20] = { 0x80, [19] = 0xff };
	char buf[3 * AZLX_NIC_MAC_MAX];

	CHECK_STR(azlx_fmt_mac(mac, 6, buf, sizeof(buf)), "00:0d:3a:01:02:03");
	CHECK_STR(azlx_fmt_mac(mac, 0, buf, sizeof(buf)), "");
	CHECK_STR(azlx_fmt_mac(ib, sizeof(ib), buf, sizeof(buf)),
		  "80:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:ff");
	CHECK_STR(azlx_fmt_mac(mac, 6, buf, 6), "00:0d");
}

static void test_fmt_duration(void)
{
	char buf[64];

	CHECK_STR(azlx_fmt_duration(0, 1, buf, sizeof(buf)), "0.0 s");
	CHECK_STR(azlx_fmt_duration(12300000000ULL, 1, buf, sizeof(buf)), "12.3 s");
	CHECK_STR(azlx_fmt_duration(12349999999ULL, 1, buf, sizeof(buf)), "12.3 s");
	CHECK_STR(azlx_fmt_duration(12350000000ULL, 1, buf, sizeof(buf)), "12.4 s");
	CHECK_STR(azlx_fmt_duration(402000000ULL, 3, buf, sizeof(buf)), "0.402 s");
	CHECK_STR(azlx_fmt_duration(1204499999ULL, 3, buf, sizeof(buf)), "1.204 s");
	CHECK_STR(azlx_fmt_duration(999 * NS, 0, buf, sizeof(buf)), "999 s");
	CHECK_STR(azlx_fmt_duration(999999 * NS / 1000, 3, buf, sizeof(buf)), "999.999 s");
	/* 999.96 s rounds to 1000.0 s: minutes from there */
	CHECK_STR(azlx_fmt_duration(999960 * NS / 1000, 1, buf, sizeof(buf)), "16m 40s");
	CHECK_STR(azlx_fmt_duration(1000 * NS, 3, buf, sizeof(buf)), "16m 40s");
	CHECK_STR(azlx_fmt_duration(7384 * NS, 1, buf, sizeof(buf)), "2h 03m 04s");
	CHECK_STR(azlx_fmt_duration((3 * 86400 + 4 * 3600 + 5 * 60 + 6) * NS, 1, buf,
				    sizeof(buf)), "3d 04h 05m");
	CHECK_STR(azlx_fmt_duration(~0ULL, 3, buf, sizeof(buf)), "213503d 23h 34m");
}

static const char nic_vf_json[] =
	"{\"ifindex\":2,\"ifname\":\"eth0\",\"mac\":\"00:0d:3a:01:02:03\","
	"\"vf\":{\"ifindex\":3,\"ifname\":\"enP1s1\",\"mac\":\"00:0d:3a:01:02:03\","
	"\"driver\":\"mana\"},\"vf_state\":\"up\",\"tx_ifindex\":3,"
	"\"vf_joins\":3,\"vf_leaves\":2,\"vf_ups\":4,\"vf_downs\":3,"
	"\"last_change_ns\":1000000000000,\"slow_ns\":1204000000,\"last_slow_ns\":402000000}";

static const char nic_novf_json[] =
	"{\"ifindex\":2,\"ifname\":\"eth0\",\"mac\":\"00:0d:3a:01:02:03\","
	"\"vf\":null,\"vf_state\":\"absent\",\"tx_ifindex\":2,"
	"\"vf_joins\":3,\"vf_leaves\":3,\"vf_ups\":4,\"vf_downs\":4,"
	"\"last_change_ns\":1000000000000,\"slow_ns\":1204000000,\"last_slow_ns\":402000000}";

static void test_nic_print_vf(void)
{
	struct azlx_nic nic;
	struct capture c;
	struct nlbuf b;

	msg_nic_vf(&b, AZLXNET_CMD_NIC_GET);
	parse_ok(&b, &nic);

	capture_start(&c, true, false);
	azlx_nic_print(&nic, NOW);
	azlx_print_flush();
	CHECK_PREFIX(capture_end(&c), nic_vf_json);
	CHECK_STR(capture_end(&c) + sizeof(nic_vf_json) - 1, "\n");
	capture_free(&c);

	capture_start(&c, false, false);
	azlx_nic_print(&nic, NOW);
	CHECK_STR(capture_end(&c),
		  "eth0 (ifindex 2, 00:0d:3a:01:02:03): vf enP1s1 (ifindex 3, mana, "
		  "00:0d:3a:01:02:03) up, tx via enP1s1\n"
		  "    vf joins 3, leaves 2, ups 4, downs 3; last change 12.3 s ago; "
		  "slow path 1.204 s total, last 0.402 s\n");
	capture_free(&c);
}

static void test_nic_print_no_vf(void)
{
	struct azlx_nic nic;
	struct capture c;
	struct nlbuf b;

	msg_nic_novf(&b, AZLXNET_CMD_NIC_GET, 2, "eth0");
	parse_ok(&b, &nic);

	capture_start(&c, true, false);
	azlx_nic_print(&nic, NOW);
	azlx_print_flush();
	CHECK_PREFIX(capture_end(&c), nic_novf_json);
	capture_free(&c);

	/* a clock behind last-change (never on one host) shows 0 */
	capture_start(&c, false, false);
	azlx_nic_print(&nic, LAST_CHANGE - NS);
	CHECK_STR(capture_end(&c),
		  "eth0 (ifindex 2, 00:0d:3a:01:02:03): vf: none, tx via eth0\n"
		  "    vf joins 3, leaves 3, ups 4, downs 4; last change 0.0 s ago; "
		  "slow path 1.204 s total, last 0.402 s\n");
	capture_free(&c);
}

static void test_nic_print_missing(void)
{
	struct azlx_nic nic;
	struct capture c;
	struct nlbuf b;

	/* a VF without name, MAC nor driver; traffic on a device not named */
	nlbuf_genl(&b, FAMILY, AZLXNET_CMD_NIC_GET, 0);
	put_u32(&b, AZLXNET_A_NIC_IFINDEX, 7);
	put_u32(&b, AZLXNET_A_NIC_VF_IFINDEX, 8);
	put_u32(&b, AZLXNET_A_NIC_VF_STATE, 9);
	put_u32(&b, AZLXNET_A_NIC_TX_IFINDEX, 8);
	nlbuf_end(&b);
	parse_ok(&b, &nic);

	capture_start(&c, true, false);
	azlx_nic_print(&nic, NOW);
	azlx_print_flush();
	CHECK_STR(capture_end(&c),
		  "{\"ifindex\":7,\"ifname\":null,\"mac\":null,"
		  "\"vf\":{\"ifindex\":8,\"ifname\":null,\"mac\":null,\"driver\":null},"
		  "\"vf_state\":\"unknown\",\"tx_ifindex\":8,\"vf_joins\":null,"
		  "\"vf_leaves\":null,\"vf_ups\":null,\"vf_downs\":null,"
		  "\"last_change_ns\":null,\"slow_ns\":null,\"last_slow_ns\":null}\n");
	capture_free(&c);

	capture_start(&c, false, false);
	azlx_nic_print(&nic, NOW);
	CHECK_STR(capture_end(&c),
		  "? (ifindex 7): vf ? (ifindex 8) unknown, tx via ifindex 8\n"
		  "    vf joins ?, leaves ?, ups ?, downs ?; last change ?; "
		  "slow path ? total, last ?\n");
	capture_free(&c);

	/* only an ifindex */
	nlbuf_genl(&b, FAMILY, AZLXNET_CMD_NIC_GET, 0);
	put_u32(&b, AZLXNET_A_NIC_IFINDEX, 7);
	nlbuf_end(&b);
	parse_ok(&b, &nic);
	capture_start(&c, true, false);
	azlx_nic_print(&nic, NOW);
	azlx_print_flush();
	CHECK(strstr(capture_end(&c), "\"vf\":null,\"vf_state\":null,\"tx_ifindex\":null,"));
	capture_free(&c);
	capture_start(&c, false, false);
	azlx_nic_print(&nic, NOW);
	CHECK_PREFIX(capture_end(&c), "? (ifindex 7): vf: none, tx via ?\n");
	capture_free(&c);
}

static void test_nic_list_print(void)
{
	struct azlx_nic nics[2];
	struct azlx_nic_list l = { .v = nics, .n = 2 };
	struct capture c;
	struct nlbuf b;

	msg_nic_novf(&b, AZLXNET_CMD_NIC_GET, 2, "eth0");
	parse_ok(&b, &nics[0]);
	msg_nic_novf(&b, AZLXNET_CMD_NIC_GET, 5, "eth1");
	parse_ok(&b, &nics[1]);

	/* a dump is an array, even of one NIC or none */
	capture_start(&c, true, false);
	azlx_nic_list_print(&l, true, NOW);
	azlx_print_flush();
	CHECK_PREFIX(capture_end(&c), "[{\"ifindex\":2,\"ifname\":\"eth0\",");
	CHECK(strstr(capture_end(&c), "},{\"ifindex\":5,\"ifname\":\"eth1\","));
	CHECK(strstr(capture_end(&c), "\"last_slow_ns\":402000000}]\n"));
	capture_free(&c);

	l.n = 0;
	capture_start(&c, true, false);
	azlx_nic_list_print(&l, true, NOW);
	azlx_print_flush();
	CHECK_STR(capture_end(&c), "[]\n");
	capture_free(&c);

	/* and in text, nothing */
	capture_start(&c, false, false);
	azlx_nic_list_print(&l, true, NOW);
	azlx_print_flush();
	CHECK_STR(capture_end(&c), "");
	capture_free(&c);

	/* one DEV: an object */
	l.n = 1;
	capture_start(&c, true, false);
	azlx_nic_list_print(&l, false, NOW);
	azlx_print_flush();
	CHECK_PREFIX(capture_end(&c), nic_novf_json);
	capture_free(&c);
}

static void test_nic_warn_malformed(void)
{
	struct stderr_capture e;
	struct azlx_nic nic;
	__u32 four = 4;
	struct nlbuf b;

	nlbuf_genl(&b, FAMILY, AZLXNET_CMD_NIC_GET, 0);
	put_u32(&b, AZLXNET_A_NIC_IFINDEX, 2);
	nlbuf_attr(&b, AZLXNET_A_NIC_SLOW_NS, &four, sizeof(four));
	nlbuf_attr(&b, AZLXNET_A_NIC_VF_MAC, NULL, 0);
	nlbuf_end(&b);
	parse_ok(&b, &nic);

	stderr_start(&e);
	azlx_nic_warn_malformed("nic-get", &nic);
	nic.malformed = 0;
	azlx_nic_warn_malformed("nic-get", &nic);
	CHECK_STR(stderr_end(&e),
		  "Warning: nic-get: ignored malformed attribute(s) of ifindex 2: vf-mac, slow-ns\n");
}

static void test_event_print(void)
{
	struct azlx_nic nic;
	struct capture c;
	struct nlbuf b;

	msg_nic_vf(&b, AZLXNET_CMD_VF_JOIN);
	parse_ok(&b, &nic);

	capture_start(&c, true, false);
	azlx_event_print("vf-join", &nic, NOW);
	/* written and flushed by the call itself, as one line */
	CHECK(c.len && c.buf[c.len - 1] == '\n' && !memchr(c.buf, '\n', c.len - 1));
	CHECK_PREFIX(capture_end(&c), "{\"event\":\"vf-join\",\"time_ns\":1012300000000,"
		     "\"ifindex\":2,\"ifname\":\"eth0\",");
	CHECK(strstr(capture_end(&c), "\"vf\":{\"ifindex\":3,\"ifname\":\"enP1s1\","));
	capture_free(&c);

	capture_start(&c, false, false);
	azlx_event_print("vf-join", &nic, NOW);
	CHECK(c.len);
	CHECK_STR(c.buf, "vf-join eth0 (ifindex 2): vf enP1s1 (ifindex 3, mana), state up, "
		  "tx via enP1s1 (ifindex 3)\n");
	capture_free(&c);

	msg_nic_novf(&b, AZLXNET_CMD_VF_LEAVE, 2, "eth0");
	parse_ok(&b, &nic);
	capture_start(&c, false, false);
	azlx_event_print("vf-leave", &nic, NOW);
	CHECK(c.len);
	CHECK_STR(c.buf, "vf-leave eth0 (ifindex 2): vf none, state absent, "
		  "tx via eth0 (ifindex 2)\n");
	capture_free(&c);
}

static void test_monitor_print_lost(void)
{
	struct capture c;

	capture_start(&c, true, false);
	azlx_monitor_print_lost(NOW);
	CHECK_STR(capture_end(&c), "{\"event\":\"lost\",\"time_ns\":1012300000000}\n");
	capture_free(&c);

	capture_start(&c, false, false);
	azlx_monitor_print_lost(NOW);
	CHECK_STR(capture_end(&c), "lost: events were lost, the state of every NIC follows\n");
	capture_free(&c);
}

static void test_monitor_handle(void)
{
	struct azlx_monitor m = { .family = FAMILY, .count = 3 };
	struct stderr_capture e;
	struct capture c;
	struct nlbuf b;

	capture_start(&c, true, false);
	msg_nic_vf(&b, AZLXNET_CMD_VF_UP);
	CHECK(!azlx_monitor_handle(&m, &b.nlh, NOW));
	/* nic-get replies, unknown commands and other families are not events */
	msg_nic_vf(&b, AZLXNET_CMD_NIC_GET);
	CHECK(!azlx_monitor_handle(&m, &b.nlh, NOW));
	msg_nic_vf(&b, AZLXNET_CMD_MAX + 1);
	CHECK(!azlx_monitor_handle(&m, &b.nlh, NOW));
	msg_nic_vf(&b, AZLXNET_CMD_VF_UP);
	b.nlh.nlmsg_type = FAMILY + 1;
	CHECK(!azlx_monitor_handle(&m, &b.nlh, NOW));
	CHECK(m.events == 1);

	/* a malformed event is skipped with a warning on stderr */
	nlbuf_genl(&b, FAMILY, AZLXNET_CMD_VF_DOWN, 0);
	put_str(&b, AZLXNET_A_NIC_IFNAME, "eth0");
	nlbuf_end(&b);
	stderr_start(&e);
	CHECK(!azlx_monitor_handle(&m, &b.nlh, NOW));
	CHECK_STR(stderr_end(&e), "Warning: monitor: ignored a malformed vf-down event: no ifindex\n");
	CHECK(m.events == 1);

	msg_nic_novf(&b, AZLXNET_CMD_VF_DOWN, 2, "eth0");
	CHECK(!azlx_monitor_handle(&m, &b.nlh, NOW + 1));
	msg_nic_novf(&b, AZLXNET_CMD_VF_LEAVE, 2, "eth0");
	/* the third event is the last one asked for */
	CHECK(azlx_monitor_handle(&m, &b.nlh, NOW + 2));
	CHECK(m.events == 3 && !m.gone);

	capture_end(&c);
	CHECK_PREFIX(c.buf, "{\"event\":\"vf-up\",\"time_ns\":1012300000000,");
	CHECK(strstr(c.buf, "}\n{\"event\":\"vf-down\",\"time_ns\":1012300000001,"));
	CHECK(strstr(c.buf, "}\n{\"event\":\"vf-leave\",\"time_ns\":1012300000002,"));
	/* three lines, nothing else */
	CHECK(strchr(c.buf, '\n') && strchr(strchr(c.buf, '\n') + 1, '\n'));
	CHECK(c.buf[c.len - 1] == '\n');
	capture_free(&c);
}

static void msg_delfamily(struct nlbuf *b, __u16 id, const char *name)
{
	nlbuf_genl(b, GENL_ID_CTRL, CTRL_CMD_DELFAMILY, 0);
	if (name)
		put_str(b, CTRL_ATTR_FAMILY_NAME, name);
	if (id) {
		nlbuf_attr(b, CTRL_ATTR_FAMILY_ID, &id, sizeof(id));
	}
	nlbuf_end(b);
}

static void test_monitor_family_gone(void)
{
	struct azlx_monitor m = { .family = FAMILY };
	struct nlbuf b;

	/* another family goes */
	msg_delfamily(&b, FAMILY + 1, "other");
	CHECK(!azlx_monitor_handle(&m, &b.nlh, NOW));
	CHECK(!m.gone);
	/* a new family is not the end of ours */
	msg_delfamily(&b, FAMILY, AZLXNET_FAMILY_NAME);
	b.raw[NLMSG_HDRLEN] = CTRL_CMD_NEWFAMILY;
	CHECK(!azlx_monitor_handle(&m, &b.nlh, NOW));
	CHECK(!m.gone);
	/* ours, by id or by name */
	msg_delfamily(&b, FAMILY, AZLXNET_FAMILY_NAME);
	CHECK(azlx_monitor_handle(&m, &b.nlh, NOW));
	CHECK(m.gone);
	m.gone = false;
	msg_delfamily(&b, 0, AZLXNET_FAMILY_NAME);
	CHECK(azlx_monitor_handle(&m, &b.nlh, NOW));
	CHECK(m.gone);
}

static void test_done_parse(void)
{
	const char msg[] = "dump failed";
	struct azlx_extack ext;
	struct nlbuf b;
	int err = -ENODEV;

	/* a DONE without its error, as very old kernels send it */
	memset(&b, 0, sizeof(b));
	b.nlh.nlmsg_type = NLMSG_DONE;
	b.len = NLMSG_HDRLEN;
	nlbuf_end(&b);
	CHECK(!azlx_done_parse(&b.nlh, &ext));
	CHECK(!ext.error && !ext.msg);

	nlbuf_put(&b, &err, sizeof(err));
	nlbuf_end(&b);
	CHECK(!azlx_done_parse(&b.nlh, &ext));
	CHECK(ext.error == -ENODEV && !ext.msg);

	/* the message only with NLM_F_ACK_TLVS */
	nlbuf_attr(&b, NLMSGERR_ATTR_MSG, msg, sizeof(msg));
	nlbuf_end(&b);
	CHECK(!azlx_done_parse(&b.nlh, &ext));
	CHECK(!ext.msg);
	b.nlh.nlmsg_flags |= NLM_F_ACK_TLVS;
	CHECK(!azlx_done_parse(&b.nlh, &ext));
	CHECK_STR(ext.msg, "dump failed");

	b.nlh.nlmsg_len = 8;
	CHECK(azlx_done_parse(&b.nlh, &ext) == -EINVAL);
}

static void test_print_top_array(void)
{
	struct capture c;

	capture_start(&c, true, false);
	azlx_print_open_array(NULL);
	azlx_print_open_object(NULL);
	azlx_print_uint(AZLX_PRINT_ANY, "a", "%llu", 1);
	azlx_print_close_object();
	azlx_print_open_object(NULL);
	azlx_print_null("b");
	azlx_print_close_object();
	azlx_print_close_array();
	azlx_print_flush();
	CHECK_STR(capture_end(&c), "[{\"a\":1},{\"b\":null}]\n");
	capture_free(&c);
}

/*
 * A fake kernel behind libnl: the request is recorded by the socket's send
 * override, the replies are queued datagrams returned by the recvmsg
 * override azlx_genl_request() installs (azlx_genl.recv).
 */
#define FAKE_DGRAMS	8

static struct {
	struct {
		char	raw[4096];
		size_t	len;
	} dgram[FAKE_DGRAMS];
	int	n;
	int	next;
	int	requests;
	__u32	seq;
	__u16	flags;
	__u8	cmd;
	__u32	ifindex;	/* of the last request, 0 if none */
	/* NLM_F_DUMP_INTR on the replies to the first this many requests */
	int	intr;
	bool	intr_done;	/* on their NLMSG_DONE only */
} fk;

static void fake_add(int d, const struct nlbuf *b)
{
	CHECK(d < FAKE_DGRAMS);
	CHECK(fk.dgram[d].len + b->len <= sizeof(fk.dgram[d].raw));
	memcpy(fk.dgram[d].raw + fk.dgram[d].len, b->raw, b->len);
	fk.dgram[d].len += b->len;
	if (d >= fk.n)
		fk.n = d + 1;
}

static void fake_add_done(int d, int error, const char *msg)
{
	struct nlbuf b;

	memset(&b, 0, sizeof(b));
	b.nlh.nlmsg_type = NLMSG_DONE;
	b.nlh.nlmsg_flags = NLM_F_MULTI;
	b.len = NLMSG_HDRLEN;
	nlbuf_put(&b, &error, sizeof(error));
	if (msg) {
		b.nlh.nlmsg_flags |= NLM_F_ACK_TLVS;
		nlbuf_attr(&b, NLMSGERR_ATTR_MSG, msg, strlen(msg) + 1);
	}
	nlbuf_end(&b);
	fake_add(d, &b);
}

/* An error (or, with 0, the ACK) with an extack message and offset. */
static void fake_add_error(int d, int error, const char *msg, __u32 offs)
{
	struct nlbuf b;

	nlbuf_error(&b, error, NLM_F_CAPPED | (msg ? NLM_F_ACK_TLVS : 0), 28, false);
	if (msg) {
		nlbuf_attr(&b, NLMSGERR_ATTR_MSG, msg, strlen(msg) + 1);
		if (offs)
			nlbuf_attr(&b, NLMSGERR_ATTR_OFFS, &offs, sizeof(offs));
	}
	nlbuf_end(&b);
	fake_add(d, &b);
}

static int fake_send(struct nl_sock *sk, struct nl_msg *msg)
{
	struct nlmsghdr *nlh = nlmsg_hdr(msg);
	struct genlmsghdr *gh = nlmsg_data(nlh);
	struct nlattr *tb[AZLXNET_A_NIC_MAX + 1];

	(void)sk;
	fk.requests++;
	fk.seq = nlh->nlmsg_seq;
	fk.flags = nlh->nlmsg_flags;
	fk.cmd = gh->cmd;
	fk.ifindex = 0;
	if (!genlmsg_parse(nlh, 0, tb, AZLXNET_A_NIC_MAX, NULL) && tb[AZLXNET_A_NIC_IFINDEX])
		fk.ifindex = nla_get_u32(tb[AZLXNET_A_NIC_IFINDEX]);
	/* a dump again: the queue again */
	if (fk.next == fk.n)
		fk.next = 0;
	return (int)nlh->nlmsg_len;
}

static int fake_recv(struct nl_sock *sk, struct sockaddr_nl *nla, unsigned char **buf,
		     struct ucred **creds)
{
	struct nlmsghdr *nlh;
	int len, rem;

	(void)sk;
	(void)nla;
	if (creds)
		*creds = NULL;
	if (fk.next >= fk.n)
		return 0;	/* nothing more: the kernel went quiet */
	len = (int)fk.dgram[fk.next].len;
	*buf = malloc(len);
	CHECK(*buf);
	memcpy(*buf, fk.dgram[fk.next].raw, len);
	fk.next++;
	/* the replies answer the request sent */
	rem = len;
	for (nlh = (struct nlmsghdr *)*buf; NLMSG_OK(nlh, rem); nlh = NLMSG_NEXT(nlh, rem)) {
		nlh->nlmsg_seq = fk.seq;
		if (fk.requests <= fk.intr &&
		    (nlh->nlmsg_type == NLMSG_DONE) == fk.intr_done)
			nlh->nlmsg_flags |= NLM_F_DUMP_INTR;
	}
	return len;
}

static void fake_genl(struct azlx_genl *g)
{
	struct nl_cb *cb;

	g->sk = nl_socket_alloc();
	CHECK(g->sk);
	g->family = FAMILY;
	g->recv = fake_recv;
	cb = nl_socket_get_cb(g->sk);
	CHECK(cb);
	nl_cb_overwrite_send(cb, fake_send);
	nl_cb_put(cb);
}

static void test_genl_nic_get_do(void)
{
	struct azlx_nic_list l = { 0 };
	struct azlx_genl g;
	struct capture c;
	struct nlbuf b;

	memset(&fk, 0, sizeof(fk));
	msg_nic_vf(&b, AZLXNET_CMD_NIC_GET);
	fake_add(0, &b);
	fake_add_error(1, 0, NULL, 0);
	fake_genl(&g);

	capture_start(&c, true, false);
	CHECK(azlx_nic_get(&g, 2, &l) == AZLX_EXIT_OK);
	CHECK(fk.cmd == AZLXNET_CMD_NIC_GET && fk.ifindex == 2);
	CHECK(!(fk.flags & NLM_F_DUMP) && (fk.flags & NLM_F_ACK));
	CHECK(l.n == 1 && l.v[0].ifindex == 2 && l.v[0].vf_ifindex == 3);
	azlx_nic_list_print(&l, false, NOW);
	azlx_print_flush();
	CHECK_PREFIX(capture_end(&c), nic_vf_json);
	capture_free(&c);
	azlx_nic_list_free(&l);
	azlx_genl_close(&g);
}

static void test_genl_nic_get_enodev(void)
{
	struct azlx_nic_list l = { 0 };
	struct azlx_genl g;
	struct capture c;

	/* the extack points at the request's ifindex */
	memset(&fk, 0, sizeof(fk));
	fake_add_error(0, -ENODEV, "not a synthetic NIC tracked by azlxnet",
		       NLMSG_HDRLEN + GENL_HDRLEN);
	fake_genl(&g);

	capture_start(&c, true, false);
	CHECK(azlx_nic_get(&g, 4, &l) == AZLX_EXIT_ERR);
	CHECK_STR(capture_end(&c),
		  "{\"error\":\"ifindex: not a synthetic NIC tracked by azlxnet "
		  "(nic-get failed: no such device)\",\"operation\":\"nic-get\","
		  "\"errno\":\"ENODEV\",\"extack\":\"not a synthetic NIC tracked by azlxnet\"}\n");
	capture_free(&c);
	CHECK(!l.n);
	azlx_nic_list_free(&l);
	azlx_genl_close(&g);

	/* without an extack: the errno alone */
	memset(&fk, 0, sizeof(fk));
	fake_add_error(0, -ENODEV, NULL, 0);
	fake_genl(&g);
	capture_start(&c, false, false);
	{
		struct stderr_capture e;

		stderr_start(&e);
		CHECK(azlx_nic_get(&g, 4, &l) == AZLX_EXIT_ERR);
		CHECK_STR(stderr_end(&e), "Error: nic-get failed: no such device\n");
	}
	capture_free(&c);
	azlx_nic_list_free(&l);
	azlx_genl_close(&g);
}

static void test_genl_nic_get_dump(void)
{
	struct azlx_nic_list l = { 0 };
	struct azlx_genl g;
	struct capture c;
	struct nlbuf b;

	/* three NICs over two datagrams, out of order, then DONE */
	memset(&fk, 0, sizeof(fk));
	msg_nic_novf(&b, AZLXNET_CMD_NIC_GET, 9, "eth2");
	b.nlh.nlmsg_flags = NLM_F_MULTI;
	fake_add(0, &b);
	msg_nic_vf(&b, AZLXNET_CMD_NIC_GET);
	b.nlh.nlmsg_flags = NLM_F_MULTI;
	fake_add(0, &b);
	msg_nic_novf(&b, AZLXNET_CMD_NIC_GET, 5, "eth1");
	b.nlh.nlmsg_flags = NLM_F_MULTI;
	fake_add(1, &b);
	fake_add_done(1, 0, NULL);
	fake_genl(&g);

	CHECK(azlx_nic_get(&g, 0, &l) == AZLX_EXIT_OK);
	CHECK(fk.flags & NLM_F_DUMP);
	CHECK(fk.ifindex == 0);
	CHECK(l.n == 3);
	CHECK(l.v[0].ifindex == 2 && l.v[1].ifindex == 5 && l.v[2].ifindex == 9);

	capture_start(&c, false, false);
	azlx_nic_list_print(&l, true, NOW);
	CHECK_PREFIX(capture_end(&c), "eth0 (ifindex 2, ");
	CHECK(strstr(capture_end(&c), "\neth1 (ifindex 5, 00:0d:3a:01:02:03): vf: none, "
		     "tx via eth1\n"));
	CHECK(strstr(capture_end(&c), "\neth2 (ifindex 9, "));
	capture_free(&c);
	azlx_nic_list_free(&l);
	azlx_genl_close(&g);

	/* no NIC at all */
	memset(&fk, 0, sizeof(fk));
	fake_add_done(0, 0, NULL);
	fake_genl(&g);
	CHECK(azlx_nic_get(&g, 0, &l) == AZLX_EXIT_OK);
	CHECK(l.n == 0);
	azlx_nic_list_free(&l);
	azlx_genl_close(&g);
}

static void test_genl_nic_get_dump_errors(void)
{
	struct azlx_nic_list l = { 0 };
	struct azlx_genl g;
	struct capture c;
	struct nlbuf b;

	/* the dump fails half-way: DONE carries the error and its message */
	memset(&fk, 0, sizeof(fk));
	msg_nic_vf(&b, AZLXNET_CMD_NIC_GET);
	b.nlh.nlmsg_flags = NLM_F_MULTI;
	fake_add(0, &b);
	fake_add_done(1, -ENOBUFS, "too many NICs");
	fake_genl(&g);
	capture_start(&c, true, false);
	CHECK(azlx_nic_get(&g, 0, &l) == AZLX_EXIT_ERR);
	CHECK_STR(capture_end(&c),
		  "{\"error\":\"too many NICs (nic-get failed: out of memory)\","
		  "\"operation\":\"nic-get\",\"errno\":\"ENOBUFS\",\"extack\":\"too many NICs\"}\n");
	capture_free(&c);
	azlx_nic_list_free(&l);
	azlx_genl_close(&g);

	/* an older module without the operation refuses it at once */
	memset(&fk, 0, sizeof(fk));
	fake_add_error(0, -EOPNOTSUPP, NULL, 0);
	fake_genl(&g);
	capture_start(&c, true, false);
	CHECK(azlx_nic_get(&g, 0, &l) == AZLX_EXIT_ERR);
	CHECK(strstr(capture_end(&c), "nic-get failed: operation not supported by the loaded "
		     "module (older API level?)"));
	capture_free(&c);
	azlx_nic_list_free(&l);
	azlx_genl_close(&g);

	/* a reply without its ifindex fails the command, after the DONE */
	memset(&fk, 0, sizeof(fk));
	nlbuf_genl(&b, FAMILY, AZLXNET_CMD_NIC_GET, NLM_F_MULTI);
	put_str(&b, AZLXNET_A_NIC_IFNAME, "eth0");
	nlbuf_end(&b);
	fake_add(0, &b);
	fake_add_done(0, 0, NULL);
	fake_genl(&g);
	capture_start(&c, true, false);
	CHECK(azlx_nic_get(&g, 0, &l) == AZLX_EXIT_ERR);
	CHECK(fk.next == fk.n);
	CHECK_STR(capture_end(&c),
		  "{\"error\":\"nic-get failed: malformed reply from the module: no ifindex\","
		  "\"operation\":\"nic-get\",\"errno\":\"EPROTO\"}\n");
	capture_free(&c);
	azlx_nic_list_free(&l);
	azlx_genl_close(&g);

	/* a kernel that goes quiet is an error, not a hang */
	memset(&fk, 0, sizeof(fk));
	msg_nic_vf(&b, AZLXNET_CMD_NIC_GET);
	b.nlh.nlmsg_flags = NLM_F_MULTI;
	fake_add(0, &b);
	fake_genl(&g);
	capture_start(&c, true, false);
	CHECK(azlx_nic_get(&g, 0, &l) == AZLX_EXIT_ERR);
	CHECK(strstr(capture_end(&c), "no reply from the kernel"));
	capture_free(&c);
	azlx_nic_list_free(&l);
	azlx_genl_close(&g);
}

static void test_genl_nic_get_dump_intr(void)
{
	struct azlx_nic_list l = { 0 };
	struct stderr_capture e;
	struct azlx_genl g;
	struct nlbuf b;

	/* interrupted once: dumped again, silently */
	memset(&fk, 0, sizeof(fk));
	msg_nic_vf(&b, AZLXNET_CMD_NIC_GET);
	b.nlh.nlmsg_flags = NLM_F_MULTI;
	fake_add(0, &b);
	fake_add_done(0, 0, NULL);
	fk.intr = 1;
	fake_genl(&g);
	stderr_start(&e);
	CHECK(azlx_nic_get(&g, 0, &l) == AZLX_EXIT_OK);
	CHECK_STR(stderr_end(&e), "");
	CHECK(fk.requests == 2 && l.n == 1);
	azlx_nic_list_free(&l);
	azlx_genl_close(&g);

	/* the kernel may flag only the DONE (the change came after the last NIC) */
	memset(&fk, 0, sizeof(fk));
	fake_add(0, &b);
	fake_add_done(0, 0, NULL);
	fk.intr = 2;
	fk.intr_done = true;
	fake_genl(&g);
	stderr_start(&e);
	CHECK(azlx_nic_get(&g, 0, &l) == AZLX_EXIT_OK);
	CHECK_STR(stderr_end(&e), "");
	CHECK(fk.requests == 3 && l.n == 1);
	azlx_nic_list_free(&l);
	azlx_genl_close(&g);

	/* always interrupted: three tries, then the list with a warning */
	memset(&fk, 0, sizeof(fk));
	fake_add(0, &b);
	fake_add_done(0, 0, NULL);
	fk.intr = 100;
	fake_genl(&g);
	stderr_start(&e);
	CHECK(azlx_nic_get(&g, 0, &l) == AZLX_EXIT_OK);
	CHECK_STR(stderr_end(&e),
		  "Warning: the NICs changed during the dump: the list may be inconsistent\n");
	CHECK(fk.requests == 3 && l.n == 1);
	azlx_nic_list_free(&l);
	azlx_genl_close(&g);
}

/*
 * The monitor's loop on a real generic netlink socket: a second socket of
 * this process unicasts the "events" to it, as the kernel would multicast
 * them. Signals come through a signalfd, as in azlx_do_monitor().
 */
struct loop_env {
	struct azlx_genl	g;
	int			tx;	/* the sending socket */
	int			sfd;
	__u32			port;	/* the monitor's */
};

static void loop_setup(struct loop_env *env)
{
	sigset_t mask;

	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	CHECK(!sigprocmask(SIG_BLOCK, &mask, NULL));
	env->sfd = signalfd(-1, &mask, SFD_CLOEXEC);
	CHECK(env->sfd >= 0);

	env->g.sk = nl_socket_alloc();
	CHECK(env->g.sk);
	CHECK(!nl_connect(env->g.sk, NETLINK_GENERIC));
	env->g.family = FAMILY;
	env->g.recv = NULL;
	env->port = nl_socket_get_local_port(env->g.sk);
	env->tx = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);
	CHECK(env->tx >= 0);
}

static void loop_send(struct loop_env *env, const struct nlbuf *b)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK, .nl_pid = env->port };

	CHECK(sendto(env->tx, b->raw, b->len, 0, (struct sockaddr *)&sa, sizeof(sa)) ==
	      (ssize_t)b->len);
}

static void loop_teardown(struct loop_env *env)
{
	azlx_genl_close(&env->g);
	close(env->tx);
	close(env->sfd);
}

static size_t count_lines(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		n += *s == '\n';
	return n;
}

static void test_monitor_loop_count(void)
{
	struct azlx_monitor m = { .family = FAMILY, .count = 2 };
	struct stderr_capture e;
	struct loop_env env;
	struct capture c;
	struct nlbuf b;

	loop_setup(&env);
	msg_nic_vf(&b, AZLXNET_CMD_VF_JOIN);
	loop_send(&env, &b);
	msg_nic_vf(&b, AZLXNET_CMD_NIC_GET);	/* not an event */
	loop_send(&env, &b);
	msg_nic_novf(&b, AZLXNET_CMD_VF_LEAVE, 2, "eth0");
	loop_send(&env, &b);
	msg_nic_novf(&b, AZLXNET_CMD_VF_JOIN, 2, "eth0");	/* beyond the count */
	loop_send(&env, &b);

	capture_start(&c, true, false);
	stderr_start(&e);
	CHECK(azlx_monitor_loop(&env.g, &m, env.sfd) == AZLX_EXIT_OK);
	CHECK_STR(stderr_end(&e), "monitor: listening\n");
	CHECK(m.events == 2);
	CHECK(count_lines(capture_end(&c)) == 2);
	CHECK_PREFIX(c.buf, "{\"event\":\"vf-join\",\"time_ns\":");
	CHECK(strstr(c.buf, "}\n{\"event\":\"vf-leave\",\"time_ns\":"));
	CHECK(strstr(c.buf, "\"vf\":null,\"vf_state\":\"absent\",\"tx_ifindex\":2,"));
	capture_free(&c);
	loop_teardown(&env);
}

static void test_monitor_loop_sigterm(void)
{
	struct azlx_monitor m = { .family = FAMILY };
	struct stderr_capture e;
	struct loop_env env;
	struct capture c;
	struct nlbuf b;

	/* the event queued before the signal is still printed; then exit 0 */
	loop_setup(&env);
	msg_nic_vf(&b, AZLXNET_CMD_VF_DOWN);
	loop_send(&env, &b);
	CHECK(!kill(getpid(), SIGTERM));

	capture_start(&c, false, false);
	stderr_start(&e);
	CHECK(azlx_monitor_loop(&env.g, &m, env.sfd) == AZLX_EXIT_OK);
	CHECK_STR(stderr_end(&e), "monitor: listening\n");
	CHECK_STR(capture_end(&c), "vf-down eth0 (ifindex 2): vf enP1s1 (ifindex 3, mana), "
		  "state up, tx via enP1s1 (ifindex 3)\n");
	capture_free(&c);
	loop_teardown(&env);
}

static void test_monitor_loop_unloaded(void)
{
	struct azlx_monitor m = { .family = FAMILY };
	struct stderr_capture e;
	struct loop_env env;
	struct capture c;
	struct nlbuf b;

	loop_setup(&env);
	msg_nic_novf(&b, AZLXNET_CMD_VF_UP, 2, "eth0");
	loop_send(&env, &b);
	msg_delfamily(&b, FAMILY, AZLXNET_FAMILY_NAME);
	loop_send(&env, &b);

	capture_start(&c, true, false);
	stderr_start(&e);
	CHECK(azlx_monitor_loop(&env.g, &m, env.sfd) == AZLX_EXIT_NOMOD);
	CHECK_STR(stderr_end(&e), "monitor: listening\n");
	CHECK(m.events == 1 && m.gone);
	/* JSON errors go to stdout, as one more line */
	CHECK(strstr(capture_end(&c), "}\n{\"error\":\"azlxnet module was unloaded\"}\n"));
	capture_free(&c);
	loop_teardown(&env);
}

#define TEST(fn)	{ #fn, fn }

const struct azlx_test azlx_nic_tests[] = {
	TEST(test_nic_parse_vf),
	TEST(test_nic_parse_no_vf),
	TEST(test_nic_parse_minimal),
	TEST(test_nic_parse_no_ifindex),
	TEST(test_nic_parse_wrong_lengths),
	TEST(test_nic_parse_truncated),
	TEST(test_nic_parse_repeated),
	TEST(test_nic_attr_names),
	TEST(test_event_names),
	TEST(test_vf_state_names),
	TEST(test_fmt_mac),
	TEST(test_fmt_duration),
	TEST(test_nic_print_vf),
	TEST(test_nic_print_no_vf),
	TEST(test_nic_print_missing),
	TEST(test_nic_list_print),
	TEST(test_nic_warn_malformed),
	TEST(test_event_print),
	TEST(test_monitor_print_lost),
	TEST(test_monitor_handle),
	TEST(test_monitor_family_gone),
	TEST(test_done_parse),
	TEST(test_print_top_array),
	TEST(test_genl_nic_get_do),
	TEST(test_genl_nic_get_enodev),
	TEST(test_genl_nic_get_dump),
	TEST(test_genl_nic_get_dump_errors),
	TEST(test_genl_nic_get_dump_intr),
	TEST(test_monitor_loop_count),
	TEST(test_monitor_loop_sigterm),
	TEST(test_monitor_loop_unloaded),
};

const size_t azlx_nic_ntests = sizeof(azlx_nic_tests) / sizeof(azlx_nic_tests[0]);
