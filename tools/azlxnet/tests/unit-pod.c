// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests of the pod fast path's pure parts: addresses and map keys,
 * MACs, counters summed over CPUs and their rendering, program names, the
 * rendering of "fastpath show", and the CNI plugin mode run against
 * stand-in operations (no BPF, no namespaces, no root).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "cni.h"
#include "datapath.h"
#include "netns.h"
#include "pod.h"
#include "uplink.h"
#include "tap.h"
#include "helpers.h"

/* Addresses and keys */

static void check_v4_key(const struct azlxnet_ep_key *k, __u32 host_order)
{
	CHECK(k->family == AF_INET);
	CHECK(!k->pad[0] && !k->pad[1] && !k->pad[2]);
	CHECK(k->addr[0] == htonl(host_order));
	CHECK(!k->addr[1] && !k->addr[2] && !k->addr[3]);
}

static void test_addr_parse_v4(void)
{
	struct azlx_err e = { 0 };
	struct azlxnet_ep_key k;

	CHECK(!azlx_addr_parse("10.1.0.5", &k, &e));
	check_v4_key(&k, 0x0a010005);
	CHECK(!azlx_addr_parse("10.1.0.5/24", &k, &e));
	check_v4_key(&k, 0x0a010005);
	CHECK(!azlx_addr_parse("10.1.0.5/32", &k, &e));
	CHECK(!azlx_addr_parse("10.1.0.5/0", &k, &e));
	CHECK(!azlx_addr_parse("192.168.255.254", &k, &e));
	check_v4_key(&k, 0xc0a8fffe);
}

static void test_addr_parse_v6(void)
{
	static const __u8 want[16] = { 0xfd, 0, 0, 0x10, 0x02, 0x44, 0, 1, 0, 0, 0, 0, 0, 0, 0, 5 };
	struct azlx_err e = { 0 };
	struct azlxnet_ep_key k;

	CHECK(!azlx_addr_parse("fd00:10:244:1::5/64", &k, &e));
	CHECK(k.family == AF_INET6);
	CHECK(!k.pad[0] && !k.pad[1] && !k.pad[2]);
	CHECK(!memcmp(k.addr, want, 16));
	CHECK(!azlx_addr_parse("FD00:10:244:1::5", &k, &e));
	CHECK(!memcmp(k.addr, want, 16));
	CHECK(!azlx_addr_parse("2001:db8::1/128", &k, &e));
}

static void test_addr_parse_errors(void)
{
	static const struct {
		const char	*in;
		const char	*msg;
	} bad[] = {
		{ "",			"invalid address \"\"" },
		{ "/24",		"invalid address \"/24\"" },
		{ "10.1.0",		"invalid address \"10.1.0\"" },
		{ "10.1.0.256",		"invalid address \"10.1.0.256\"" },
		{ "abc",		"invalid address \"abc\"" },
		{ " 10.1.0.5",		"invalid address \" 10.1.0.5\"" },
		{ "10.1.0.5/",		"invalid prefix length in \"10.1.0.5/\"" },
		{ "10.1.0.5/33",	"invalid prefix length in \"10.1.0.5/33\"" },
		{ "10.1.0.5/-1",	"invalid prefix length in \"10.1.0.5/-1\"" },
		{ "10.1.0.5/2x",	"invalid prefix length in \"10.1.0.5/2x\"" },
		{ "10.1.0.5/ 24",	"invalid prefix length in \"10.1.0.5/ 24\"" },
		{ "10.1.0.5/0024",	"invalid prefix length in \"10.1.0.5/0024\"" },
		{ "fd00::5/129",	"invalid prefix length in \"fd00::5/129\"" },
		{ "0.0.0.0",		"0.0.0.0 is not a pod address (unspecified)" },
		{ "127.0.0.1",		"127.0.0.1 is not a pod address (loopback)" },
		{ "224.0.0.1",		"224.0.0.1 is not a pod address (multicast, reserved or broadcast)" },
		{ "255.255.255.255",	"255.255.255.255 is not a pod address (multicast, reserved or broadcast)" },
		{ "::",			":: is not a pod address (unspecified)" },
		{ "::1",		"::1 is not a pod address (loopback)" },
		{ "ff02::1",		"ff02::1 is not a pod address (multicast)" },
		{ "fe80::1/64",		"fe80::1 is not a pod address (link-local)" },
	};
	struct azlxnet_ep_key k;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct azlx_err e = { 0 };

		if (azlx_addr_parse(bad[i].in, &k, &e) != -EINVAL) {
			printf("# accepted \"%s\"\n", bad[i].in);
			CHECK(0);
		}
		CHECK(e.err == EINVAL);
		CHECK_STR(e.msg, bad[i].msg);
	}
}

static void test_addrs_parse_list(void)
{
	struct azlx_err e = { 0 };
	struct azlx_addrs a;

	CHECK(!azlx_addrs_parse("10.1.0.5/24,fd00::5/64", &a, &e));
	CHECK(a.n == 2);
	CHECK(a.key[0].family == AF_INET && a.key[1].family == AF_INET6);
	CHECK(!azlx_addrs_parse("fd00::5", &a, &e));
	CHECK(a.n == 1 && a.key[0].family == AF_INET6);
	CHECK(!azlx_addrs_parse("fd00::5,10.1.0.5", &a, &e));
	CHECK(a.n == 2 && a.key[0].family == AF_INET6);
}

static void test_addrs_parse_errors(void)
{
	static const struct {
		const char	*in;
		const char	*msg;
	} bad[] = {
		{ "10.1.0.5,10.1.0.6",	"more than one IPv4 address (10.1.0.6)" },
		{ "fd00::5,fd00::6",	"more than one IPv6 address (fd00::6)" },
		{ "10.1.0.5,10.1.0.5/24", "address 10.1.0.5 given twice" },
		{ "10.1.0.5,",		"empty address in \"10.1.0.5,\"" },
		{ ",10.1.0.5",		"empty address in \",10.1.0.5\"" },
		{ ",",			"empty address in \",\"" },
		{ "",			"empty address in \"\"" },
		{ "10.1.0.5,fd00::5,10.1.0.6", "more than one IPv4 address (10.1.0.6)" },
		{ "10.1.0.5;fd00::5",	"invalid address \"10.1.0.5;fd00::5\"" },
	};
	struct azlx_addrs a;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct azlx_err e = { 0 };

		CHECK(azlx_addrs_parse(bad[i].in, &a, &e) == -EINVAL);
		CHECK_STR(e.msg, bad[i].msg);
	}
}

static void test_ep_key_build_fmt(void)
{
	const __u8 v4[4] = { 10, 244, 1, 7 };
	struct azlxnet_ep_key k, k2;
	struct azlx_err e = { 0 };
	char buf[64];

	memset(&k, 0xaa, sizeof(k));
	azlx_ep_key_build(AF_INET, v4, &k);
	check_v4_key(&k, 0x0af40107);
	CHECK_STR(azlx_ep_key_fmt(&k, buf, sizeof(buf)), "10.244.1.7");
	CHECK(!azlx_addr_parse("fd00:10:244:1::7", &k2, &e));
	CHECK_STR(azlx_ep_key_fmt(&k2, buf, sizeof(buf)), "fd00:10:244:1::7");
	/* the key of a parsed address is the key built from its bytes */
	CHECK(!azlx_addr_parse("10.244.1.7/24", &k2, &e));
	CHECK(!memcmp(&k, &k2, sizeof(k)));
	k.family = 7;
	CHECK_STR(azlx_ep_key_fmt(&k, buf, sizeof(buf)), "?");
}

static void test_mac_parse(void)
{
	static const __u8 want[6] = { 0x02, 0x00, 0x0a, 0xf4, 0x01, 0xfe };
	__u8 mac[6];

	CHECK(!azlx_mac_parse("02:00:0a:f4:01:fe", mac));
	CHECK(!memcmp(mac, want, 6));
	CHECK(!azlx_mac_parse("02:00:0A:F4:01:FE", mac));
	CHECK(!memcmp(mac, want, 6));
	CHECK(azlx_mac_parse("", mac) == -EINVAL);
	CHECK(azlx_mac_parse("02:00:0a:f4:01", mac) == -EINVAL);
	CHECK(azlx_mac_parse("02:00:0a:f4:01:fe:00", mac) == -EINVAL);
	CHECK(azlx_mac_parse("02-00-0a-f4-01-fe", mac) == -EINVAL);
	CHECK(azlx_mac_parse("2:00:0a:f4:01:fe", mac) == -EINVAL);
	CHECK(azlx_mac_parse("0g:00:0a:f4:01:fe", mac) == -EINVAL);
}

/* Counters and rows */

static void test_stats_sum(void)
{
	struct azlxnet_ep_stats percpu[3], sum;
	__u64 *v;
	size_t i, n = sizeof(sum) / sizeof(__u64);
	int cpu;

	for (cpu = 0; cpu < 3; cpu++) {
		v = (__u64 *)&percpu[cpu];
		for (i = 0; i < n; i++)
			v[i] = (__u64)(cpu + 1) * 1000 + i;
	}
	azlx_stats_sum(percpu, 3, sizeof(percpu[0]), &sum);
	v = (__u64 *)&sum;
	for (i = 0; i < n; i++)
		CHECK(v[i] == 6000 + 3 * i);
	CHECK(sum.drops[AZLXNET_DROP_REDIRECT] == 6000 + 3 * (n - 1));
	/* one CPU, and none */
	azlx_stats_sum(percpu, 1, sizeof(percpu[0]), &sum);
	CHECK(sum.from_pod_packets == 1000 && sum.fallback == 1008);
	azlx_stats_sum(percpu, 0, sizeof(percpu[0]), &sum);
	CHECK(sum.from_pod_packets == 0 && sum.drops[0] == 0);
	/* 64-bit sums do not wrap at 32 bits */
	percpu[0].to_pod_bytes = 0xffffffffULL;
	percpu[1].to_pod_bytes = 0xffffffffULL;
	azlx_stats_sum(percpu, 2, sizeof(percpu[0]), &sum);
	CHECK(sum.to_pod_bytes == 0x1fffffffeULL);
}

static void entry(struct azlx_ep_entry *en, const char *addr, __u32 host, __u8 last)
{
	struct azlx_err e = { 0 };

	memset(en, 0, sizeof(*en));
	CHECK(!azlx_addr_parse(addr, &en->key, &e));
	en->ep.host_ifindex = host;
	memcpy(en->ep.pod_mac, (__u8[6]){ 0x02, 0, 0, 0, 0, last }, 6);
	memcpy(en->ep.host_mac, (__u8[6]){ 0xee, 0xee, 0, 0, 0, last }, 6);
}

static void test_pod_rows_build(void)
{
	struct azlx_ep_entry v[5];
	struct azlx_pod_row *rows;
	char buf[64];

	entry(&v[0], "fd00::3", 12, 3);
	entry(&v[1], "10.244.1.2", 7, 2);
	entry(&v[2], "10.244.1.3", 12, 3);
	entry(&v[3], "fd00::2", 7, 2);
	entry(&v[4], "10.244.1.9", 30, 9);
	CHECK(azlx_pod_rows_build(v, 5, &rows) == 3);
	CHECK(rows[0].host_ifindex == 7 && rows[1].host_ifindex == 12 &&
	      rows[2].host_ifindex == 30);
	CHECK(rows[1].naddrs == 2);
	CHECK_STR(azlx_ep_key_fmt(&rows[1].addrs[0], buf, sizeof(buf)), "10.244.1.3");
	CHECK_STR(azlx_ep_key_fmt(&rows[1].addrs[1], buf, sizeof(buf)), "fd00::3");
	CHECK(rows[1].pod_mac[5] == 3 && rows[1].host_mac[0] == 0xee);
	CHECK(rows[2].naddrs == 1 && !rows[2].has_stats && !rows[2].host_ifname[0]);
	free(rows);
	CHECK(azlx_pod_rows_build(v, 0, &rows) == 0 && !rows);
}

static void sample_row(struct azlx_pod_row *r, bool stats)
{
	struct azlx_ep_entry v[2];
	struct azlx_pod_row *rows;

	entry(&v[0], "fd00:10:244:1::2", 7, 2);
	entry(&v[1], "10.244.1.2", 7, 2);
	CHECK(azlx_pod_rows_build(v, 2, &rows) == 1);
	*r = rows[0];
	free(rows);
	strcpy(r->host_ifname, "veth1a2b");
	r->has_stats = stats;
	if (stats) {
		r->stats.from_pod_packets = 11;
		r->stats.from_pod_bytes = 1066;
		r->stats.to_pod_packets = 6;
		r->stats.to_pod_bytes = 648;
		r->stats.redirect_peer = 6;
		r->stats.redirect_vf = 1;
		r->stats.redirect_uplink = 2;
		r->stats.redirect_neigh = 3;
		r->stats.fallback = 5;
		r->stats.drops[AZLXNET_DROP_FIB_BLACKHOLE] = 4;
		r->stats.drops[AZLXNET_DROP_REDIRECT] = 0;
	}
}

static void test_pod_row_print_json(void)
{
	struct azlx_pod_row r;
	struct capture c;

	sample_row(&r, true);
	capture_start(&c, true, false);
	azlx_print_open_array(NULL);
	azlx_pod_row_print(&r, true);
	azlx_print_close_array();
	azlx_print_flush();
	CHECK_STR(capture_end(&c),
		  "[{\"host_ifindex\":7,\"host_ifname\":\"veth1a2b\","
		  "\"addresses\":[\"10.244.1.2\",\"fd00:10:244:1::2\"],"
		  "\"pod_mac\":\"02:00:00:00:00:02\",\"host_mac\":\"ee:ee:00:00:00:02\","
		  "\"stats\":{\"from_pod_packets\":11,\"from_pod_bytes\":1066,"
		  "\"to_pod_packets\":6,\"to_pod_bytes\":648,\"redirect_peer\":6,"
		  "\"redirect_vf\":1,\"redirect_uplink\":2,\"redirect_neigh\":3,"
		  "\"fallback\":5,\"drops\":{\"fib_blackhole\":4,\"redirect\":0}}}]\n");
	capture_free(&c);
}

static void test_pod_row_print_text(void)
{
	struct azlx_pod_row r;
	struct capture c;

	sample_row(&r, true);
	capture_start(&c, false, false);
	azlx_pod_row_print(&r, true);
	r.host_ifname[0] = '\0';
	azlx_pod_row_print(&r, false);
	azlx_print_flush();
	CHECK_STR(capture_end(&c),
		  "veth1a2b (ifindex 7): 10.244.1.2 fd00:10:244:1::2, pod 02:00:00:00:00:02, "
		  "host ee:ee:00:00:00:02\n"
		  "    from pod 11 packets 1066 bytes, to pod 6 packets 648 bytes\n"
		  "    redirect peer 6, vf 1, uplink 2, neigh 3; fallback 5; "
		  "drops fib_blackhole 4, redirect 0\n"
		  "ifindex 7 (gone): 10.244.1.2 fd00:10:244:1::2, pod 02:00:00:00:00:02, "
		  "host ee:ee:00:00:00:02\n");
	capture_free(&c);
}

static void test_pod_row_print_no_stats(void)
{
	struct azlx_pod_row r;
	struct capture c;

	sample_row(&r, false);
	r.host_ifname[0] = '\0';
	capture_start(&c, true, false);
	azlx_pod_row_print(&r, true);
	azlx_print_flush();
	CHECK_STR(capture_end(&c),
		  "{\"host_ifindex\":7,\"host_ifname\":null,"
		  "\"addresses\":[\"10.244.1.2\",\"fd00:10:244:1::2\"],"
		  "\"pod_mac\":\"02:00:00:00:00:02\",\"host_mac\":\"ee:ee:00:00:00:02\","
		  "\"stats\":null}\n");
	capture_free(&c);

	capture_start(&c, false, false);
	azlx_pod_row_print(&r, true);
	azlx_print_flush();
	CHECK(strstr(capture_end(&c), "\n    no counters\n"));
	capture_free(&c);
}

static void test_drop_reason_names(void)
{
	unsigned int i;

	CHECK_STR(azlx_drop_reason_name(AZLXNET_DROP_FIB_BLACKHOLE), "fib_blackhole");
	CHECK_STR(azlx_drop_reason_name(AZLXNET_DROP_REDIRECT), "redirect");
	CHECK(!azlx_drop_reason_name(AZLXNET_DROP_MAX));
	/* snake_case keys */
	for (i = 0; i < AZLXNET_DROP_MAX; i++)
		CHECK(strspn(azlx_drop_reason_name(i), "abcdefghijklmnopqrstuvwxyz_") ==
		      strlen(azlx_drop_reason_name(i)));
}

/* Programs and "fastpath show" */

static void test_tc_kind_of(void)
{
	/* the kernel keeps 15 characters of a program's name */
	CHECK(azlx_tc_kind_of("azlxnet_from_po") == AZLX_TC_FROM_POD);
	CHECK(azlx_tc_kind_of("azlxnet_to_pod") == AZLX_TC_TO_POD);
	CHECK(azlx_tc_kind_of("azlxnet_to_po") == AZLX_TC_FOREIGN);
	CHECK(azlx_tc_kind_of("azlxnet_from_pod") == AZLX_TC_FOREIGN);
	CHECK(azlx_tc_kind_of("cil_from_contai") == AZLX_TC_FOREIGN);
	CHECK(azlx_tc_kind_of("") == AZLX_TC_FOREIGN);
	CHECK_STR(azlx_tc_kind_name(AZLX_TC_FROM_POD), "azlxnet_from_pod");
	CHECK_STR(azlx_tc_kind_name(AZLX_TC_TO_POD), "azlxnet_to_pod");
	CHECK(!azlx_tc_kind_name(AZLX_TC_FOREIGN));
}

static void test_fmt_tag(void)
{
	const __u8 tag[8] = { 0x36, 0x0f, 0x80, 0x59, 0xba, 0xd3, 0x03, 0x7b };
	char buf[17];

	CHECK_STR(azlx_fmt_tag(tag, buf, sizeof(buf)), "360f8059bad3037b");
}

static void fp_dev(struct azlx_fp_dev *d, __u32 ifindex, const char *name, __u32 id,
		   enum azlx_tc_kind kind)
{
	memset(d, 0, sizeof(*d));
	d->ifindex = ifindex;
	strcpy(d->ifname, name);
	if (!id)
		return;
	d->has_prog = true;
	d->prog.id = id;
	d->prog.kind = kind;
	strcpy(d->prog.name, kind == AZLX_TC_FOREIGN ? "other" : "azlxnet_xxx");
	memset(d->prog.tag, 0xab, sizeof(d->prog.tag));
}

static void fp_sample(struct azlx_fp_state *s, struct azlx_fp_uplink *up, struct azlx_fp_dev *progs)
{
	memset(s, 0, sizeof(*s));
	memset(up, 0, 2 * sizeof(*up));
	fp_dev(&up[0].dev, 5, "eth0", 25, AZLX_TC_TO_POD);
	up[0].has_vf = true;
	fp_dev(&up[0].vf, 7, "enP1s1", 26, AZLX_TC_TO_POD);
	fp_dev(&up[1].dev, 9, "", 0, AZLX_TC_FOREIGN);
	fp_dev(&progs[0], 2, "veth1", 15, AZLX_TC_FROM_POD);
	fp_dev(&progs[1], 3, "veth2", 16, AZLX_TC_FOREIGN);
	s->tool_identity = "l2-00000000000000ab";
	strcpy(s->identity, "l2-00000000000000ab");
	s->has_meta = true;
	s->meta.created = 1796342400;	/* 2026-12-04 */
	up[0].has_stats = true;
	up[0].stats.from_pod_packets = 10;
	up[0].stats.from_pod_bytes = 1000;
	up[0].stats.redirect_vf = 9;
	up[0].stats.redirect_neigh = 1;
	s->pinned = true;
	s->pods = 2;
	s->uplinks = up;
	s->nuplinks = 2;
	s->progs = progs;
	s->nprogs = 2;
}

static void test_fp_state_print_json(void)
{
	struct azlx_fp_uplink up[2];
	struct azlx_fp_dev progs[2];
	struct azlx_fp_state s;
	struct capture c;

	fp_sample(&s, up, progs);
	capture_start(&c, true, false);
	azlx_fp_state_print(&s);
	azlx_print_flush();
	CHECK_STR(capture_end(&c),
		  "{\"pin_dir\":\"/sys/fs/bpf/azlxnet\",\"identity\":\"l2-00000000000000ab\","
		  "\"tool_identity\":\"l2-00000000000000ab\",\"attach\":\"tc\","
		  "\"pinned\":true,\"pods\":2,\"stale\":null,"
		  "\"counters_since\":\"2026-12-04 00:00:00 UTC\","
		  "\"uplinks\":[{\"ifindex\":5,\"ifname\":\"eth0\",\"program\":{\"id\":25,"
		  "\"name\":\"azlxnet_to_pod\",\"tag\":\"abababababababab\",\"ours\":true},"
		  "\"stats\":{\"from_pod_packets\":10,\"from_pod_bytes\":1000,\"redirect_vf\":9,"
		  "\"redirect_uplink\":0,\"redirect_neigh\":1,\"fallback\":0},"
		  "\"vf\":{\"ifindex\":7,\"ifname\":\"enP1s1\",\"program\":{\"id\":26,"
		  "\"name\":\"azlxnet_to_pod\",\"tag\":\"abababababababab\",\"ours\":true}}},"
		  "{\"ifindex\":9,\"ifname\":null,\"program\":null,\"stats\":null,\"vf\":null}],"
		  "\"programs\":[{\"ifindex\":2,\"ifname\":\"veth1\",\"program\":{\"id\":15,"
		  "\"name\":\"azlxnet_from_pod\",\"tag\":\"abababababababab\",\"ours\":true}},"
		  "{\"ifindex\":3,\"ifname\":\"veth2\",\"program\":{\"id\":16,\"name\":\"other\","
		  "\"tag\":\"abababababababab\",\"ours\":false}}]}\n");
	capture_free(&c);
}

static void test_fp_state_print_text(void)
{
	struct azlx_fp_uplink up[2];
	struct azlx_fp_dev progs[2];
	struct azlx_fp_state s;
	struct capture c;

	fp_sample(&s, up, progs);
	capture_start(&c, false, false);
	azlx_fp_state_print(&s);
	azlx_print_flush();
	CHECK_STR(capture_end(&c),
		  "maps: pinned in /sys/fs/bpf/azlxnet/l2-00000000000000ab, 2 pods, 2 uplinks\n"
		  "programs: l2-00000000000000ab (this tool), attached with tc filters\n"
		  "counters: since 2026-12-04 00:00:00 UTC\n"
		  "uplink eth0 (ifindex 5): azlxnet_to_pod id 25 tag abababababababab\n"
		  "    out from pods: 10 packets 1000 bytes, vf 9, uplink 0, neigh 1, stack 0\n"
		  "    vf enP1s1 (ifindex 7): azlxnet_to_pod id 26 tag abababababababab\n"
		  "uplink ifindex 9 (gone): no program\n"
		  "tc ingress, handle 0xa21e priority 1:\n"
		  "    veth1 (ifindex 2): azlxnet_from_pod id 15 tag abababababababab\n"
		  "    veth2 (ifindex 3): other id 16 tag abababababababab (not ours)\n");
	capture_free(&c);

	memset(&s, 0, sizeof(s));
	capture_start(&c, false, false);
	azlx_fp_state_print(&s);
	azlx_print_flush();
	CHECK_STR(capture_end(&c), "maps: none (the fast path is off)\n");
	capture_free(&c);
	capture_start(&c, true, false);
	azlx_fp_state_print(&s);
	azlx_print_flush();
	CHECK_STR(capture_end(&c), "{\"pin_dir\":\"/sys/fs/bpf/azlxnet\",\"identity\":null,"
		  "\"tool_identity\":null,\"attach\":\"tc\",\"pinned\":false,"
		  "\"pods\":0,\"stale\":null,\"counters_since\":null,"
		  "\"uplinks\":[],\"programs\":[]}\n");
	capture_free(&c);
}

static void test_netns_path(void)
{
	char buf[64];

	CHECK_STR(azlx_netns_path("/proc/1/ns/net", buf, sizeof(buf)), "/proc/1/ns/net");
	CHECK_STR(azlx_netns_path("/var/run/netns/cni-1234", buf, sizeof(buf)),
		  "/var/run/netns/cni-1234");
	CHECK(!azlx_netns_path("azlxnet-test-no-such-netns", buf, sizeof(buf)));
	CHECK(!azlx_netns_path("", buf, sizeof(buf)));
	CHECK(!azlx_netns_path("..", buf, sizeof(buf)));
	CHECK(!azlx_netns_path("/a/path/that/is/longer/than/the/buffer/of/sixty-four/bytes/given/to/it",
			       buf, sizeof(buf)));
}

static void test_netns_open_errors(void)
{
	struct azlx_err e = { 0 };

	CHECK(azlx_netns_open("/nonexistent/ns", &e) == -ENOENT);
	CHECK(e.cni_code == AZLX_CNI_ERR_CONTAINER);
	CHECK_STR(e.msg, "cannot open network namespace /nonexistent/ns: No such file or directory");
	memset(&e, 0, sizeof(e));
	CHECK(azlx_netns_open("/dev/null", &e) == -EINVAL);
	CHECK_STR(e.msg, "/dev/null is not a network namespace");
	memset(&e, 0, sizeof(e));
	CHECK(azlx_netns_open("/proc/self/ns/net", &e) == -EINVAL);
	CHECK(e.cni_code == AZLX_CNI_ERR_LINK);
	CHECK_STR(e.msg, "/proc/self/ns/net is the current network namespace, not a pod's");
}

/* CNI, against stand-in operations */

static struct {
	int			adds, del_links, del_addrs, checks, enables, uplink_checks;
	struct azlx_pod_req	req;		/* of the last add or check */
	char			netns[64], ifname[16], uplink[16];
	struct azlx_addrs	addrs;		/* of the last del_addrs */
	/* what the operations return */
	int			add_err, add_code;
	int			del_link_err, del_link_code;
	int			del_addrs_err;
	int			check_err;
	int			enable_err;
	int			uplink_check_err;
} fake;

static int fake_fail(struct azlx_err *e, int err, int code)
{
	if (!err)
		return 0;
	return azlx_fail_cni(e, code, err, "stand-in failure %d", err);
}

static int fake_add(const struct azlx_pod_req *req, struct azlx_err *e)
{
	fake.adds++;
	fake.req = *req;
	snprintf(fake.netns, sizeof(fake.netns), "%s", req->netns);
	snprintf(fake.ifname, sizeof(fake.ifname), "%s", req->ifname);
	return fake_fail(e, fake.add_err, fake.add_code);
}

static int fake_del_link(const char *netns, const char *ifname, struct azlx_err *e)
{
	fake.del_links++;
	snprintf(fake.netns, sizeof(fake.netns), "%s", netns);
	snprintf(fake.ifname, sizeof(fake.ifname), "%s", ifname);
	return fake_fail(e, fake.del_link_err, fake.del_link_code);
}

static int fake_del_addrs(const struct azlx_addrs *a, struct azlx_err *e)
{
	fake.del_addrs++;
	fake.addrs = *a;
	return fake_fail(e, fake.del_addrs_err, 0);
}

static int fake_check(const struct azlx_pod_req *req, struct azlx_err *e)
{
	fake.checks++;
	fake.req = *req;
	return fake_fail(e, fake.check_err, AZLX_CNI_ERR_CHECK);
}

static int fake_enable(const char *dev, struct azlx_err *e)
{
	fake.enables++;
	snprintf(fake.uplink, sizeof(fake.uplink), "%s", dev);
	return fake_fail(e, fake.enable_err, 0);
}

static int fake_uplink_check(const char *dev, struct azlx_err *e)
{
	fake.uplink_checks++;
	snprintf(fake.uplink, sizeof(fake.uplink), "%s", dev);
	return fake_fail(e, fake.uplink_check_err, AZLX_CNI_ERR_CHECK);
}

static const struct azlx_cni_ops fake_ops = {
	.add		= fake_add,
	.del_link	= fake_del_link,
	.del_addrs	= fake_del_addrs,
	.check		= fake_check,
	.uplink_enable	= fake_enable,
	.uplink_check	= fake_uplink_check,
};

/* What the reference ptp plugin gives (CNI 1.0.0, host-local, v4 + v6). */
#define PTP_RESULT							\
	"{\"cniVersion\":\"1.0.0\",\"interfaces\":[{\"name\":\"veth6415ea12\","	\
	"\"mac\":\"6a:d6:b4:f3:a1:a5\"},{\"name\":\"eth0\",\"mac\":\"ba:a8:63:5d:43:11\","	\
	"\"sandbox\":\"/var/run/netns/c1\"}],\"ips\":[{\"interface\":1,"		\
	"\"address\":\"10.244.1.2/24\",\"gateway\":\"10.244.1.1\"},{\"interface\":1,"	\
	"\"address\":\"fd00:10:244:1::2/64\",\"gateway\":\"fd00:10:244:1::1\"}],"	\
	"\"routes\":[{\"dst\":\"0.0.0.0/0\"},{\"dst\":\"::/0\"}],\"dns\":{}}"

#define CONF(extra)	"{\"cniVersion\":\"1.0.0\",\"name\":\"azlxnet\",\"type\":\"azlxnet\"" extra "}"
#define CONF_PREV(extra) CONF(",\"prevResult\":" PTP_RESULT extra)

static const struct azlx_cni_env env_add = {
	.command	= "ADD",
	.containerid	= "c0ffee-1",
	.netns		= "/var/run/netns/c1",
	.ifname		= "eth0",
	.args		= "IgnoreUnknown=1",
	.path		= "/opt/cni/bin",
};

struct cni_out {
	int		ret;
	char		*buf;
	size_t		len;
	json_object	*doc;		/* parsed output, or NULL when empty */
};

static void cni_free(struct cni_out *o);

/* Runs the plugin; @o must be zeroed first, later runs free what it held. */
static void cni_run(const struct azlx_cni_env *env, const char *in, struct cni_out *o)
{
	FILE *fp;

	cni_free(o);
	o->buf = NULL;
	o->len = 0;
	fp = open_memstream(&o->buf, &o->len);
	CHECK(fp);
	o->ret = azlx_cni_run(env, in, strlen(in), &fake_ops, fp);
	fclose(fp);
	o->doc = o->len ? json_tokener_parse(o->buf) : NULL;
	CHECK(!o->len || o->doc);
	/* one line */
	CHECK(!o->len || (o->buf[o->len - 1] == '\n' && !strchr(o->buf, '\n')[1]));
}

static void cni_free(struct cni_out *o)
{
	json_object_put(o->doc);
	free(o->buf);
	o->doc = NULL;
	o->buf = NULL;
}

static const char *jstr(json_object *doc, const char *key)
{
	json_object *v;

	if (!json_object_object_get_ex(doc, key, &v))
		return NULL;
	return json_object_get_string(v);
}

/* The error object: code @code, a msg, the version @version, exit 1. */
static void cni_expect_error(const struct azlx_cni_env *env, const char *in, int code,
			     const char *version, const char *details)
{
	json_object *v;
	struct cni_out o = { 0 };

	cni_run(env, in, &o);
	if (o.ret != 1 || !o.doc)
		printf("# ret %d, output: %s\n", o.ret, o.buf ? o.buf : "");
	CHECK(o.ret == 1 && o.doc);
	CHECK(json_object_object_get_ex(o.doc, "code", &v));
	if (json_object_get_int(v) != code)
		printf("# output: %s\n", o.buf);
	CHECK(json_object_get_int(v) == code);
	CHECK_STR(jstr(o.doc, "cniVersion"), version);
	CHECK_STR(jstr(o.doc, "msg"), azlx_cni_code_msg(code));
	if (details)
		CHECK_STR(jstr(o.doc, "details"), details);
	cni_free(&o);
}

static void test_cni_version(void)
{
	struct azlx_cni_env env = { .command = "VERSION" };
	struct cni_out o = { 0 };

	cni_run(&env, "{\"cniVersion\":\"1.0.0\"}", &o);
	CHECK(o.ret == 0);
	CHECK_STR(o.buf, "{\"cniVersion\":\"1.0.0\",\"supportedVersions\":[\"0.4.0\",\"1.0.0\"]}\n");
	cni_free(&o);
	/* without input too */
	cni_run(&env, "", &o);
	CHECK(o.ret == 0 && o.doc);
	cni_free(&o);
}

static void test_cni_command_errors(void)
{
	struct azlx_cni_env env = env_add;

	env.command = NULL;
	cni_expect_error(&env, CONF_PREV(""), AZLX_CNI_ERR_ENV, "1.0.0", "CNI_COMMAND is not set");
	env.command = "GC";
	cni_expect_error(&env, CONF_PREV(""), AZLX_CNI_ERR_ENV, "1.0.0",
			 "CNI_COMMAND \"GC\" is not supported (ADD, DEL, CHECK, VERSION)");
	CHECK(!fake.adds && !fake.del_links && !fake.del_addrs && !fake.checks);
}

static void test_cni_decode_errors(void)
{
	static const char *const bad[] = {
		"",
		"{\"cniVersion\": \"1.0.0\", \"name\": ",
		"{\"cniVersion\":\"1.0.0\"} trailing",
		"{\"cniVersion\":\"1.0.0\"}{}",
		"[1, 2]",
		"\"1.0.0\"",
		"nul",
	};
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		cni_expect_error(&env_add, bad[i], AZLX_CNI_ERR_DECODE, "1.0.0", NULL);
	cni_expect_error(&env_add, "{\"cniVersion\":\"1.0.0\"} trailing", AZLX_CNI_ERR_DECODE,
			 "1.0.0", "cannot parse the network configuration: trailing data "
			 "after the JSON value");
	CHECK(!fake.adds);
}

static void test_cni_config_errors(void)
{
	cni_expect_error(&env_add, "{\"name\":\"n\",\"type\":\"azlxnet\"}", AZLX_CNI_ERR_CONFIG,
			 "1.0.0", "\"cniVersion\" is missing or not a string");
	cni_expect_error(&env_add, "{\"cniVersion\":1,\"name\":\"n\",\"type\":\"azlxnet\"}",
			 AZLX_CNI_ERR_CONFIG, "1.0.0", NULL);
	cni_expect_error(&env_add, "{\"cniVersion\":\"9.9.9\",\"name\":\"n\",\"type\":\"azlxnet\","
			 "\"prevResult\":" PTP_RESULT "}", AZLX_CNI_ERR_VERSION, "1.0.0",
			 "CNI version 9.9.9 is not supported (supported: 0.4.0, 1.0.0)");
	cni_expect_error(&env_add, "{\"cniVersion\":\"0.3.1\",\"name\":\"n\",\"type\":\"azlxnet\"}",
			 AZLX_CNI_ERR_VERSION, "1.0.0", NULL);
	cni_expect_error(&env_add, "{\"cniVersion\":\"0.4.0\",\"type\":\"azlxnet\"}",
			 AZLX_CNI_ERR_CONFIG, "0.4.0", "\"name\" is missing or not a string");
	cni_expect_error(&env_add, "{\"cniVersion\":\"1.0.0\",\"name\":\"n\"}",
			 AZLX_CNI_ERR_CONFIG, "1.0.0", "\"type\" is missing or not a string");
	cni_expect_error(&env_add, CONF_PREV(",\"uplink\":7"), AZLX_CNI_ERR_CONFIG, "1.0.0",
			 "\"uplink\" is not an interface name");
	cni_expect_error(&env_add, CONF_PREV(",\"uplink\":\"a/b\""), AZLX_CNI_ERR_CONFIG, "1.0.0",
			 NULL);
	cni_expect_error(&env_add, CONF(",\"prevResult\":[]"), AZLX_CNI_ERR_CONFIG, "1.0.0",
			 "\"prevResult\" is not an object");
	CHECK(!fake.adds && !fake.enables);
}

static void test_cni_add_no_prev(void)
{
	cni_expect_error(&env_add, CONF(""), AZLX_CNI_ERR_CONFIG, "1.0.0",
			 "no prevResult: azlxnet is a chained plugin, after ptp or bridge");
	CHECK(!fake.adds);
}

static void test_cni_env_errors(void)
{
	struct azlx_cni_env env;

	env = env_add;
	env.netns = NULL;
	cni_expect_error(&env, CONF_PREV(""), AZLX_CNI_ERR_ENV, "1.0.0", "CNI_NETNS is not set");
	env.netns = "";
	cni_expect_error(&env, CONF_PREV(""), AZLX_CNI_ERR_ENV, "1.0.0", "CNI_NETNS is not set");
	env = env_add;
	env.containerid = NULL;
	cni_expect_error(&env, CONF_PREV(""), AZLX_CNI_ERR_ENV, "1.0.0",
			 "CNI_CONTAINERID is not set");
	env.containerid = "-bad";
	cni_expect_error(&env, CONF_PREV(""), AZLX_CNI_ERR_ENV, "1.0.0",
			 "CNI_CONTAINERID is not a valid container ID");
	env.containerid = "a b";
	cni_expect_error(&env, CONF_PREV(""), AZLX_CNI_ERR_ENV, "1.0.0", NULL);
	env = env_add;
	env.ifname = NULL;
	cni_expect_error(&env, CONF_PREV(""), AZLX_CNI_ERR_ENV, "1.0.0", "CNI_IFNAME is not set");
	env.ifname = "eth0/1";
	cni_expect_error(&env, CONF_PREV(""), AZLX_CNI_ERR_ENV, "1.0.0",
			 "CNI_IFNAME is not a valid interface name");
	env.ifname = "a-name-too-long-for-linux";
	cni_expect_error(&env, CONF_PREV(""), AZLX_CNI_ERR_ENV, "1.0.0", NULL);
	env = env_add;
	env.path = NULL;
	cni_expect_error(&env, CONF_PREV(""), AZLX_CNI_ERR_ENV, "1.0.0", "CNI_PATH is not set");
	CHECK(!fake.adds);
}

static void test_cni_add_ptp(void)
{
	json_object *want, *v;
	struct cni_out o = { 0 };
	char buf[64];

	cni_run(&env_add, CONF_PREV(""), &o);
	CHECK(o.ret == 0);
	CHECK(fake.adds == 1 && !fake.enables && !fake.uplink_checks);
	CHECK_STR(fake.netns, "/var/run/netns/c1");
	CHECK_STR(fake.ifname, "eth0");
	CHECK(fake.req.addrs.n == 2 && !fake.req.has_mac);
	CHECK_STR(azlx_ep_key_fmt(&fake.req.addrs.key[0], buf, sizeof(buf)), "10.244.1.2");
	CHECK_STR(azlx_ep_key_fmt(&fake.req.addrs.key[1], buf, sizeof(buf)), "fd00:10:244:1::2");
	/* the result is prevResult */
	want = json_tokener_parse(PTP_RESULT);
	CHECK(want);
	CHECK(json_object_equal(o.doc, want));
	CHECK(!strstr(o.buf, "\\/"));
	json_object_put(want);
	CHECK(json_object_object_get_ex(o.doc, "ips", &v) && json_object_array_length(v) == 2);
	cni_free(&o);
}

static void test_cni_add_version_040(void)
{
	const char *in =
		"{\"cniVersion\":\"0.4.0\",\"name\":\"n\",\"type\":\"azlxnet\",\"prevResult\":"
		"{\"interfaces\":[{\"name\":\"eth0\",\"sandbox\":\"/proc/42/ns/net\"}],"
		"\"ips\":[{\"version\":\"4\",\"interface\":0,\"address\":\"10.1.0.5/24\"}]}}";
	struct cni_out o = { 0 };

	cni_run(&env_add, in, &o);
	CHECK(o.ret == 0 && fake.adds == 1 && fake.req.addrs.n == 1);
	/* prevResult had no cniVersion: the result has the configuration's */
	CHECK_STR(jstr(o.doc, "cniVersion"), "0.4.0");
	cni_free(&o);
}

static void test_cni_add_bridge(void)
{
	/* bridge: cni0, the host veth, then the container's */
	const char *in = CONF(",\"prevResult\":{\"cniVersion\":\"1.0.0\",\"interfaces\":["
		"{\"name\":\"cni0\",\"mac\":\"aa:aa:aa:aa:aa:aa\"},"
		"{\"name\":\"veth1\",\"mac\":\"bb:bb:bb:bb:bb:bb\"},"
		"{\"name\":\"eth0\",\"mac\":\"cc:cc:cc:cc:cc:cc\",\"sandbox\":\"/var/run/netns/b\"}],"
		"\"ips\":[{\"interface\":2,\"address\":\"10.244.2.9/24\",\"gateway\":\"10.244.2.1\"},"
		"{\"interface\":0,\"address\":\"10.244.2.1/24\"}]}");
	struct cni_out o = { 0 };
	char buf[64];

	cni_run(&env_add, in, &o);
	CHECK(o.ret == 0 && fake.adds == 1);
	CHECK(fake.req.addrs.n == 1);
	CHECK_STR(azlx_ep_key_fmt(&fake.req.addrs.key[0], buf, sizeof(buf)), "10.244.2.9");
	cni_free(&o);
}

static void test_cni_add_no_interface_index(void)
{
	/* without "interface" in any IP, they are all the container's */
	const char *in = CONF(",\"prevResult\":{\"interfaces\":[{\"name\":\"eth0\","
		"\"sandbox\":\"/var/run/netns/x\"}],\"ips\":[{\"address\":\"10.9.0.2/16\"},"
		"{\"address\":\"fd00:9::2/64\"}]}");
	struct cni_out o = { 0 };

	cni_run(&env_add, in, &o);
	CHECK(o.ret == 0 && fake.adds == 1 && fake.req.addrs.n == 2);
	cni_free(&o);
}

static void test_cni_add_prev_errors(void)
{
	/* eth0 is not in a sandbox */
	cni_expect_error(&env_add, CONF(",\"prevResult\":{\"interfaces\":[{\"name\":\"eth0\"}],"
			 "\"ips\":[{\"interface\":0,\"address\":\"10.1.0.5/24\"}]}"),
			 AZLX_CNI_ERR_CONFIG, "1.0.0",
			 "prevResult has no interface eth0 in a sandbox");
	/* no address for it */
	cni_expect_error(&env_add, CONF(",\"prevResult\":{\"interfaces\":[{\"name\":\"eth0\","
			 "\"sandbox\":\"/x\"}],\"ips\":[{\"interface\":3,\"address\":\"10.1.0.5/24\"}]}"),
			 AZLX_CNI_ERR_CONFIG, "1.0.0", "prevResult has no address for eth0");
	cni_expect_error(&env_add, CONF(",\"prevResult\":{\"interfaces\":[{\"name\":\"eth0\","
			 "\"sandbox\":\"/x\"}]}"), AZLX_CNI_ERR_CONFIG, "1.0.0",
			 "prevResult has no address for eth0");
	/* two IPv4 addresses */
	cni_expect_error(&env_add, CONF(",\"prevResult\":{\"interfaces\":[{\"name\":\"eth0\","
			 "\"sandbox\":\"/x\"}],\"ips\":[{\"interface\":0,\"address\":\"10.1.0.5/24\"},"
			 "{\"interface\":0,\"address\":\"10.1.0.6/24\"}]}"),
			 AZLX_CNI_ERR_CONFIG, "1.0.0",
			 "prevResult: ips[1]: more than one IPv4 address (10.1.0.6)");
	cni_expect_error(&env_add, CONF(",\"prevResult\":{\"interfaces\":[{\"name\":\"eth0\","
			 "\"sandbox\":\"/x\"}],\"ips\":[{\"interface\":0,\"address\":\"nope\"}]}"),
			 AZLX_CNI_ERR_CONFIG, "1.0.0", "prevResult: ips[0]: invalid address \"nope\"");
	cni_expect_error(&env_add, CONF(",\"prevResult\":{\"interfaces\":{},\"ips\":[]}"),
			 AZLX_CNI_ERR_CONFIG, "1.0.0",
			 "prevResult: \"interfaces\" is not an array");
	cni_expect_error(&env_add, CONF(",\"prevResult\":{\"interfaces\":[7]}"),
			 AZLX_CNI_ERR_CONFIG, "1.0.0", "prevResult: interfaces[0] is not an object");
	cni_expect_error(&env_add, CONF(",\"prevResult\":{\"interfaces\":[],\"ips\":[{}]}"),
			 AZLX_CNI_ERR_CONFIG, "1.0.0", "prevResult: ips[0] has no \"address\"");
	CHECK(!fake.adds);
}

static void test_cni_add_failures(void)
{
	fake.add_err = EEXIST;
	fake.add_code = AZLX_CNI_ERR_ADDR_IN_USE;
	cni_expect_error(&env_add, CONF_PREV(""), AZLX_CNI_ERR_ADDR_IN_USE, "1.0.0",
			 "stand-in failure 17");
	fake.add_err = EPERM;
	fake.add_code = 0;
	cni_expect_error(&env_add, CONF_PREV(""), AZLX_CNI_ERR_FASTPATH, "1.0.0", NULL);
	fake.add_code = AZLX_CNI_ERR_CONTAINER;
	cni_expect_error(&env_add, CONF_PREV(""), AZLX_CNI_ERR_CONTAINER, "1.0.0", NULL);
	CHECK(fake.adds == 3 && !fake.del_links);
}

static void test_cni_add_uplink(void)
{
	struct cni_out o = { 0 };

	/* already on: nothing to do */
	cni_run(&env_add, CONF_PREV(",\"uplink\":\"lo\""), &o);
	CHECK(o.ret == 0 && fake.adds == 1 && fake.uplink_checks == 1 && !fake.enables);
	cni_free(&o);
	/* not yet */
	fake.uplink_check_err = ENOENT;
	cni_run(&env_add, CONF_PREV(",\"uplink\":\"lo\""), &o);
	CHECK(o.ret == 0 && fake.adds == 2 && fake.enables == 1);
	CHECK_STR(fake.uplink, "lo");
	cni_free(&o);
	/* it fails: the pod is removed again */
	fake.enable_err = EPERM;
	cni_expect_error(&env_add, CONF_PREV(",\"uplink\":\"lo\""), AZLX_CNI_ERR_FASTPATH,
			 "1.0.0", NULL);
	CHECK(fake.adds == 3 && fake.del_links == 1);
	/* a device that does not exist: no change at all */
	cni_expect_error(&env_add, CONF_PREV(",\"uplink\":\"azlxnoeth0\""), AZLX_CNI_ERR_CONFIG,
			 "1.0.0", "uplink azlxnoeth0: no such device");
	CHECK(fake.adds == 3 && fake.enables == 2);
}

static struct azlx_cni_env env_cmd(const char *cmd)
{
	struct azlx_cni_env env = env_add;

	env.command = cmd;
	return env;
}

static void test_cni_del(void)
{
	struct azlx_cni_env env = env_cmd("DEL");
	struct cni_out o = { 0 };

	/* by the interface, while the namespace exists */
	cni_run(&env, CONF_PREV(""), &o);
	CHECK(o.ret == 0 && !o.len);
	CHECK(fake.del_links == 1 && !fake.del_addrs);
	CHECK_STR(fake.netns, "/var/run/netns/c1");
	/* idempotent: nothing to remove is what del_link reports as success */
	cni_run(&env, CONF(""), &o);
	CHECK(o.ret == 0 && !o.len && fake.del_links == 2 && !fake.del_addrs);
	CHECK(!fake.adds);
	cni_free(&o);
}

static void test_cni_del_netns_gone(void)
{
	struct azlx_cni_env env = env_cmd("DEL");
	struct cni_out o = { 0 };
	char buf[64];

	/* the namespace is gone: by the addresses of prevResult */
	fake.del_link_err = ENOENT;
	fake.del_link_code = AZLX_CNI_ERR_CONTAINER;
	cni_run(&env, CONF_PREV(""), &o);
	CHECK(o.ret == 0 && !o.len);
	CHECK(fake.del_links == 1 && fake.del_addrs == 1 && fake.addrs.n == 2);
	CHECK_STR(azlx_ep_key_fmt(&fake.addrs.key[1], buf, sizeof(buf)), "fd00:10:244:1::2");
	/* no CNI_NETNS at all */
	env.netns = NULL;
	cni_run(&env, CONF_PREV(""), &o);
	CHECK(o.ret == 0 && !o.len && fake.del_links == 1 && fake.del_addrs == 2);
	/* nor prevResult: nothing to do, success */
	cni_run(&env, CONF(""), &o);
	CHECK(o.ret == 0 && !o.len && fake.del_addrs == 2);
	/* CNI_NETNS may be empty for DEL */
	env.netns = "";
	cni_run(&env, CONF(""), &o);
	CHECK(o.ret == 0 && !o.len && fake.del_links == 1);
	cni_free(&o);
}

static void test_cni_del_failures(void)
{
	struct azlx_cni_env env = env_cmd("DEL");
	struct cni_out o = { 0 };

	fake.del_link_err = EPERM;
	cni_expect_error(&env, CONF_PREV(""), AZLX_CNI_ERR_FASTPATH, "1.0.0",
			 "stand-in failure 1");
	CHECK(!fake.del_addrs);
	fake.del_link_err = ENOENT;
	fake.del_link_code = AZLX_CNI_ERR_CONTAINER;
	fake.del_addrs_err = EIO;
	cni_expect_error(&env, CONF_PREV(""), AZLX_CNI_ERR_FASTPATH, "1.0.0", NULL);
	/* no bpffs: no state to remove */
	fake.del_addrs_err = ENOTSUP;
	cni_run(&env, CONF_PREV(""), &o);
	CHECK(o.ret == 0 && !o.len);
	/* bad input is still an error */
	cni_expect_error(&env, "{", AZLX_CNI_ERR_DECODE, "1.0.0", NULL);
	env.ifname = NULL;
	cni_expect_error(&env, CONF(""), AZLX_CNI_ERR_ENV, "1.0.0", "CNI_IFNAME is not set");
	cni_free(&o);
}

static void test_cni_check(void)
{
	struct azlx_cni_env env = env_cmd("CHECK");
	struct cni_out o = { 0 };

	cni_run(&env, CONF_PREV(",\"uplink\":\"lo\""), &o);
	CHECK(o.ret == 0 && !o.len);
	CHECK(fake.checks == 1 && fake.uplink_checks == 1 && fake.req.addrs.n == 2);
	CHECK(!fake.adds && !fake.enables && !fake.del_links);
	fake.uplink_check_err = ENOENT;
	cni_expect_error(&env, CONF_PREV(",\"uplink\":\"lo\""), AZLX_CNI_ERR_CHECK, "1.0.0", NULL);
	fake.check_err = ENOENT;
	cni_expect_error(&env, CONF_PREV(""), AZLX_CNI_ERR_CHECK, "1.0.0", "stand-in failure 2");
	cni_expect_error(&env, CONF(""), AZLX_CNI_ERR_CONFIG, "1.0.0", NULL);
	env.netns = NULL;
	cni_expect_error(&env, CONF_PREV(""), AZLX_CNI_ERR_ENV, "1.0.0", "CNI_NETNS is not set");
	CHECK(fake.checks == 3);
	cni_free(&o);
}

#define TEST(fn)	{ #fn, fn }

const struct azlx_test azlx_pod_tests[] = {
	TEST(test_addr_parse_v4),
	TEST(test_addr_parse_v6),
	TEST(test_addr_parse_errors),
	TEST(test_addrs_parse_list),
	TEST(test_addrs_parse_errors),
	TEST(test_ep_key_build_fmt),
	TEST(test_mac_parse),
	TEST(test_stats_sum),
	TEST(test_pod_rows_build),
	TEST(test_pod_row_print_json),
	TEST(test_pod_row_print_text),
	TEST(test_pod_row_print_no_stats),
	TEST(test_drop_reason_names),
	TEST(test_tc_kind_of),
	TEST(test_fmt_tag),
	TEST(test_fp_state_print_json),
	TEST(test_fp_state_print_text),
	TEST(test_netns_path),
	TEST(test_netns_open_errors),
	TEST(test_cni_version),
	TEST(test_cni_command_errors),
	TEST(test_cni_decode_errors),
	TEST(test_cni_config_errors),
	TEST(test_cni_add_no_prev),
	TEST(test_cni_env_errors),
	TEST(test_cni_add_ptp),
	TEST(test_cni_add_version_040),
	TEST(test_cni_add_bridge),
	TEST(test_cni_add_no_interface_index),
	TEST(test_cni_add_prev_errors),
	TEST(test_cni_add_failures),
	TEST(test_cni_add_uplink),
	TEST(test_cni_del),
	TEST(test_cni_del_netns_gone),
	TEST(test_cni_del_failures),
	TEST(test_cni_check),
};

const size_t azlx_pod_ntests = sizeof(azlx_pod_tests) / sizeof(azlx_pod_tests[0]);
