// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests of azlxnet metrics' pure parts: label escaping, histograms,
 * the cap on pod series, the renderers of each source, the textfile
 * writer and --listen's address.
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "disk.h"
#include "disktel.h"
#include "metrics.h"
#include "nic.h"
#include "pod.h"
#include "tap.h"
#include "tune/apply.h"

/* What the writer produced, NUL-terminated */
struct out {
	char		*buf;
	size_t		len;
	struct azlx_prom p;
};

static void out_start(struct out *o)
{
	o->buf = NULL;
	o->len = 0;
	o->p.fp = open_memstream(&o->buf, &o->len);
	CHECK(o->p.fp);
}

static const char *out_end(struct out *o)
{
	CHECK(!fclose(o->p.fp));
	return o->buf;
}

/* Number of lines of @text that start with @prefix */
static int count_lines(const char *text, const char *prefix)
{
	size_t l = strlen(prefix);
	const char *s = text;
	int n = 0;

	while (s && *s) {
		if (!strncmp(s, prefix, l))
			n++;
		s = strchr(s, '\n');
		if (s)
			s++;
	}
	return n;
}

/* Escaping */

static void test_escape_label(void)
{
	struct out o;

	out_start(&o);
	azlx_prom_u64(&o.p, "m", (const char *[]){ "a", "x\\y\"z\nw", NULL }, 7);
	CHECK_STR(out_end(&o), "m{a=\"x\\\\y\\\"z\\nw\"} 7\n");
	free(o.buf);
}

static void test_escape_utf8(void)
{
	struct out o;

	out_start(&o);
	/* valid UTF-8 passes, a stray byte and an overlong '/' become U+FFFD */
	azlx_prom_escape(o.p.fp, "caf\xc3\xa9 \xff \xc0\xaf");
	CHECK_STR(out_end(&o), "caf\xc3\xa9 \xef\xbf\xbd \xef\xbf\xbd\xef\xbf\xbd");
	free(o.buf);
}

static void test_escape_help(void)
{
	struct out o;

	out_start(&o);
	/* HELP escapes backslash and line feed, not quotes */
	azlx_prom_family(&o.p, "m_total", "counter", "a \"b\" c\\d\ne");
	CHECK_STR(out_end(&o), "# HELP m_total a \"b\" c\\\\d\\ne\n# TYPE m_total counter\n");
	free(o.buf);
}

static void test_sample_forms(void)
{
	struct out o;

	out_start(&o);
	azlx_prom_u64(&o.p, "a", NULL, 18446744073709551615ULL);
	azlx_prom_s64(&o.p, "b", (const char *[]){ "x", "1", "y", "2", NULL }, -3);
	azlx_prom_ns(&o.p, "c_seconds", NULL, 1500);
	azlx_prom_ns(&o.p, "c_seconds", NULL, 12000000000ULL);
	CHECK_STR(out_end(&o), "a 18446744073709551615\nb{x=\"1\",y=\"2\"} -3\n"
		  "c_seconds 0.000001500\nc_seconds 12.000000000\n");
	free(o.buf);
}

/* Histograms */

static void test_histogram_cumulative(void)
{
	const __u64 counts[] = { 1, 0, 2, 3 }, le[] = { 2, 4, 1500000, 0 };
	struct out o;

	out_start(&o);
	azlx_prom_histogram(&o.p, "h_seconds", (const char *[]){ "disk", "sdb", NULL },
			    counts, le, 4, 2500000000ULL);
	CHECK_STR(out_end(&o),
		  "h_seconds_bucket{disk=\"sdb\",le=\"0.000002\"} 1\n"
		  "h_seconds_bucket{disk=\"sdb\",le=\"0.000004\"} 1\n"
		  "h_seconds_bucket{disk=\"sdb\",le=\"1.500000\"} 3\n"
		  "h_seconds_bucket{disk=\"sdb\",le=\"+Inf\"} 6\n"
		  "h_seconds_sum{disk=\"sdb\"} 2.500000000\n"
		  "h_seconds_count{disk=\"sdb\"} 6\n");
	free(o.buf);
}

static void test_histogram_disktel(void)
{
	struct azlx_disktel_disk d = { .major = 8, .minor = 16, .name = "sdb" };
	struct azlx_disktel_snap s = { .disks = &d, .ndisks = 1 };
	const char *text;
	struct out o;

	/* 3 reads of [256, 512) us, one past the last bound */
	d.op[AZLXNET_DL_READ].slots[8] = 3;
	d.op[AZLXNET_DL_READ].slots[AZLXNET_DL_SLOTS - 1] = 1;
	d.op[AZLXNET_DL_READ].requests = 4;
	d.op[AZLXNET_DL_READ].lat_sum_ns = 3000000000ULL;
	out_start(&o);
	azlx_metrics_disktel(&o.p, &s);
	text = out_end(&o);
	CHECK(strstr(text, "# TYPE azlxnet_disk_latency_seconds histogram\n"));
	/* slot 8 ends at 512 us; the one before it holds nothing */
	CHECK(strstr(text, "azlxnet_disk_latency_seconds_bucket{disk=\"sdb\",op=\"read\","
			   "le=\"0.000256\"} 0\n"));
	CHECK(strstr(text, "azlxnet_disk_latency_seconds_bucket{disk=\"sdb\",op=\"read\","
			   "le=\"0.000512\"} 3\n"));
	CHECK(strstr(text, "azlxnet_disk_latency_seconds_bucket{disk=\"sdb\",op=\"read\","
			   "le=\"2147.483648\"} 3\n"));
	CHECK(strstr(text, "azlxnet_disk_latency_seconds_bucket{disk=\"sdb\",op=\"read\","
			   "le=\"+Inf\"} 4\n"));
	CHECK(strstr(text, "azlxnet_disk_latency_seconds_sum{disk=\"sdb\",op=\"read\"} "
			   "3.000000000\n"));
	CHECK(strstr(text, "azlxnet_disk_latency_seconds_count{disk=\"sdb\",op=\"read\"} 4\n"));
	/* 31 bounds and +Inf for each of read, write, other */
	CHECK(count_lines(text, "azlxnet_disk_latency_seconds_bucket{") ==
	      3 * AZLXNET_DL_SLOTS);
	CHECK(count_lines(text, "# TYPE ") == 3);
	free(o.buf);
}

/* Pods and the cap */

static void pod_row(struct azlx_pod_row *r, __u32 ifindex, const char *ip, __u64 packets)
{
	struct in_addr a;

	memset(r, 0, sizeof(*r));
	r->host_ifindex = ifindex;
	snprintf(r->host_ifname, sizeof(r->host_ifname), "veth%u", ifindex);
	CHECK(inet_pton(AF_INET, ip, &a) == 1);
	azlx_ep_key_build(AF_INET, &a, &r->addrs[0]);
	r->naddrs = 1;
	r->has_stats = true;
	r->stats.from_pod_packets = packets;
	r->stats.from_pod_bytes = packets * 100;
	r->stats.redirect_peer = packets;
}

static void test_pods_series(void)
{
	struct azlx_pod_row rows[2];
	const char *text;
	struct out o;

	pod_row(&rows[0], 5, "10.1.0.5", 10);
	pod_row(&rows[1], 6, "10.1.0.6", 20);
	rows[1].has_stats = false;	/* no counters: no series */
	out_start(&o);
	azlx_metrics_pods(&o.p, rows, 2, 8);
	text = out_end(&o);
	CHECK(strstr(text, "azlxnet_fastpath_pods 2\n"));
	CHECK(strstr(text, "azlxnet_fastpath_pods_folded 0\n"));
	CHECK(strstr(text, "azlxnet_fastpath_packets_total{pod=\"veth5\",ip=\"10.1.0.5\","
			   "direction=\"from_pod\"} 10\n"));
	CHECK(strstr(text, "azlxnet_fastpath_bytes_total{pod=\"veth5\",ip=\"10.1.0.5\","
			   "direction=\"from_pod\"} 1000\n"));
	CHECK(strstr(text, "azlxnet_fastpath_path_packets_total{pod=\"veth5\",ip=\"10.1.0.5\","
			   "path=\"peer\"} 10\n"));
	CHECK(strstr(text, "azlxnet_fastpath_drops_total{pod=\"veth5\",ip=\"10.1.0.5\","
			   "reason=\"fib_blackhole\"} 0\n"));
	CHECK(!strstr(text, "veth6"));
	CHECK(!strstr(text, "{pod=\"_other\""));
	free(o.buf);
}

static void test_pods_cap(void)
{
	struct azlx_pod_row rows[5];
	const char *text;
	struct out o;
	int i;

	for (i = 0; i < 5; i++) {
		char ip[16];

		snprintf(ip, sizeof(ip), "10.1.0.%d", i + 1);
		pod_row(&rows[i], 10 + i, ip, 1ULL << i);
	}
	out_start(&o);
	azlx_metrics_pods(&o.p, rows, 5, 2);
	text = out_end(&o);
	CHECK(strstr(text, "azlxnet_fastpath_pods 5\n"));
	CHECK(strstr(text, "azlxnet_fastpath_pods_folded 3\n"));
	/* two pods of their own, the three others summed: 4 + 8 + 16 */
	CHECK(count_lines(text, "azlxnet_fastpath_packets_total{") == 3 * 2);
	CHECK(strstr(text, "azlxnet_fastpath_packets_total{pod=\"veth10\",ip=\"10.1.0.1\","
			   "direction=\"from_pod\"} 1\n"));
	CHECK(strstr(text, "azlxnet_fastpath_packets_total{pod=\"veth11\",ip=\"10.1.0.2\","
			   "direction=\"from_pod\"} 2\n"));
	CHECK(strstr(text, "azlxnet_fastpath_packets_total{pod=\"_other\",ip=\"\","
			   "direction=\"from_pod\"} 28\n"));
	CHECK(!strstr(text, "veth12"));
	/* every family's samples in one block after its TYPE line */
	CHECK(count_lines(text, "# TYPE azlxnet_fastpath_packets_total counter") == 1);
	free(o.buf);
}

static void test_pods_none(void)
{
	const char *text;
	struct out o;

	out_start(&o);
	azlx_metrics_pods(&o.p, NULL, 0, 2);
	text = out_end(&o);
	CHECK(strstr(text, "azlxnet_fastpath_pods 0\n"));
	CHECK(count_lines(text, "azlxnet_fastpath_packets_total{") == 0);
	free(o.buf);
}

/* NICs, pacers, tune, sources */

static void test_nics(void)
{
	struct azlx_nic nics[1] = { 0 };
	struct azlx_nic_list l = { .v = nics, .n = 1 };
	const char *text;
	struct out o;

	nics[0].ifindex = 2;
	snprintf(nics[0].ifname, sizeof(nics[0].ifname), "eth0");
	nics[0].vf_ifindex = 3;
	nics[0].tx_ifindex = 3;
	nics[0].vf_state = AZLXNET_VF_STATE_UP;
	nics[0].vf_joins = 4;
	nics[0].slow_ns = 2500000000ULL;
	nics[0].present = 1u << AZLXNET_A_NIC_IFINDEX | 1u << AZLXNET_A_NIC_IFNAME |
			  1u << AZLXNET_A_NIC_VF_IFINDEX | 1u << AZLXNET_A_NIC_TX_IFINDEX |
			  1u << AZLXNET_A_NIC_VF_STATE | 1u << AZLXNET_A_NIC_VF_JOINS |
			  1u << AZLXNET_A_NIC_SLOW_NS;
	out_start(&o);
	azlx_metrics_nics(&o.p, &l);
	text = out_end(&o);
	CHECK(strstr(text, "azlxnet_nic_vf_state{nic=\"eth0\",state=\"up\"} 1\n"));
	CHECK(strstr(text, "azlxnet_nic_vf_state{nic=\"eth0\",state=\"down\"} 0\n"));
	CHECK(strstr(text, "azlxnet_nic_tx_via_vf{nic=\"eth0\"} 1\n"));
	CHECK(strstr(text, "azlxnet_nic_vf_joins_total{nic=\"eth0\"} 4\n"));
	/* not reported: no sample */
	CHECK(!strstr(text, "azlxnet_nic_vf_leaves_total{"));
	CHECK(strstr(text, "azlxnet_nic_slow_path_seconds_total{nic=\"eth0\"} 2.500000000\n"));
	free(o.buf);
}

static void test_pacers(void)
{
	struct azlx_pacer m = { .name = "azlx-sdb", .disk = "sdb" };
	const char *text;
	struct out o;

	m.status.queued[0] = 2;
	m.status.dispatched[2] = 617;
	m.status.max_wait_us[3] = 343772;
	m.status.tokens_ios = -4;
	m.status.inflight = -1;
	m.table.iops = 500;
	m.table.mbps = 100;
	snprintf(m.status.state, sizeof(m.status.state), "pacing");
	out_start(&o);
	azlx_metrics_pacers(&o.p, &m, 1);
	text = out_end(&o);
	CHECK(strstr(text, "azlxnet_pacer_queued{mapping=\"azlx-sdb\",disk=\"sdb\","
			   "class=\"critical\"} 2\n"));
	CHECK(strstr(text, "azlxnet_pacer_dispatched_total{mapping=\"azlx-sdb\",disk=\"sdb\","
			   "class=\"write\"} 617\n"));
	CHECK(strstr(text, "azlxnet_pacer_max_wait_seconds{mapping=\"azlx-sdb\",disk=\"sdb\","
			   "class=\"async\"} 0.343772000\n"));
	CHECK(strstr(text, "azlxnet_pacer_tokens{mapping=\"azlx-sdb\",disk=\"sdb\"} -4\n"));
	CHECK(strstr(text, "azlxnet_pacer_bypass{mapping=\"azlx-sdb\",disk=\"sdb\"} 0\n"));
	CHECK(strstr(text, "azlxnet_pacer_budget_bytes_per_second{mapping=\"azlx-sdb\","
			   "disk=\"sdb\"} 100000000\n"));
	/* inflight not reported: no sample */
	CHECK(!strstr(text, "azlxnet_pacer_inflight{"));
	/* a target before 1.3: the closed loop's families, no sample */
	CHECK(strstr(text, "# TYPE azlxnet_pacer_window_ratio gauge\n"));
	CHECK(strstr(text, "# TYPE azlxnet_pacer_slow_completions_total counter\n"));
	CHECK(!strstr(text, "azlxnet_pacer_window_ratio{"));
	CHECK(!strstr(text, "azlxnet_pacer_timed_completions_total{"));
	CHECK(!strstr(text, "azlxnet_pacer_window_grows_total{"));
	free(o.buf);

	/* dm-azlx 1.3: the window and its counters */
	m.status.has_adapt = true;
	m.status.window_pct = 25;
	m.status.timed = 1000;
	m.status.slow = 60;
	m.status.shrinks = 2;
	m.status.grows = 7;
	out_start(&o);
	azlx_metrics_pacers(&o.p, &m, 1);
	text = out_end(&o);
	CHECK(strstr(text, "azlxnet_pacer_window_ratio{mapping=\"azlx-sdb\",disk=\"sdb\"} "
			   "0.250000000\n"));
	CHECK(strstr(text, "azlxnet_pacer_timed_completions_total{mapping=\"azlx-sdb\","
			   "disk=\"sdb\"} 1000\n"));
	CHECK(strstr(text, "azlxnet_pacer_slow_completions_total{mapping=\"azlx-sdb\","
			   "disk=\"sdb\"} 60\n"));
	CHECK(strstr(text, "azlxnet_pacer_window_shrinks_total{mapping=\"azlx-sdb\","
			   "disk=\"sdb\"} 2\n"));
	CHECK(strstr(text, "azlxnet_pacer_window_grows_total{mapping=\"azlx-sdb\","
			   "disk=\"sdb\"} 7\n"));
	free(o.buf);
	m.status.window_pct = 100;
	out_start(&o);
	azlx_metrics_pacers(&o.p, &m, 1);
	text = out_end(&o);
	CHECK(strstr(text, "azlxnet_pacer_window_ratio{mapping=\"azlx-sdb\",disk=\"sdb\"} "
			   "1.000000000\n"));
	free(o.buf);
}

static void test_tune(void)
{
	struct azlx_recorded v[2] = {
		{ .name = "eth0 channels combined", .kind = "ethtool", .holds = true },
		{ .name = "vm.dirty_ratio", .kind = "file", .holds = false },
	};
	struct azlx_record r = { .v = v, .n = 2, .exists = true };
	const char *text;
	struct out o;

	out_start(&o);
	azlx_metrics_tune(&o.p, &r);
	text = out_end(&o);
	CHECK(strstr(text, "azlxnet_tune_items 2\n"));
	CHECK(strstr(text, "azlxnet_tune_items_drifted 1\n"));
	CHECK(strstr(text, "azlxnet_tune_item_drifted{item=\"eth0 channels combined\","
			   "kind=\"ethtool\"} 0\n"));
	CHECK(strstr(text, "azlxnet_tune_item_drifted{item=\"vm.dirty_ratio\",kind=\"file\"} 1\n"));
	free(o.buf);
}

static void test_sources(void)
{
	bool up[AZLX_SRC_COUNT] = { [AZLX_SRC_NIC] = true };
	const char *text;
	struct out o;

	out_start(&o);
	azlx_metrics_sources(&o.p, up);
	text = out_end(&o);
	CHECK(strstr(text, "azlxnet_source_up{source=\"nic\"} 1\n"));
	CHECK(strstr(text, "azlxnet_source_up{source=\"pacer\"} 0\n"));
	CHECK(count_lines(text, "azlxnet_source_up{") == AZLX_SRC_COUNT);
	free(o.buf);
}

/* The textfile */

static void test_textfile(void)
{
	char dir[] = "/tmp/azlxnet-metrics.XXXXXX", path[64], buf[64], err[256];
	struct dirent *de;
	struct stat st;
	FILE *fp;
	DIR *d;
	int n = 0;

	CHECK(mkdtemp(dir));
	CHECK(!azlx_metrics_textfile(dir, "a 1\n", 4, err, sizeof(err)));
	CHECK(!azlx_metrics_textfile(dir, "b 2\n", 4, err, sizeof(err)));
	snprintf(path, sizeof(path), "%s/azlxnet.prom", dir);
	CHECK(!stat(path, &st));
	CHECK((st.st_mode & 0777) == 0644);
	fp = fopen(path, "r");
	CHECK(fp);
	CHECK(fgets(buf, sizeof(buf), fp));
	fclose(fp);
	CHECK_STR(buf, "b 2\n");
	/* nothing else left in the directory */
	d = opendir(dir);
	CHECK(d);
	while ((de = readdir(d)))
		n += de->d_name[0] != '.';
	closedir(d);
	CHECK(n == 1);
	d = opendir(dir);
	while ((de = readdir(d)))
		CHECK(!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..") ||
		      !strcmp(de->d_name, "azlxnet.prom"));
	closedir(d);
	CHECK(!unlink(path));
	CHECK(!rmdir(dir));
	/* a missing directory is an error, named */
	CHECK(azlx_metrics_textfile(dir, "a 1\n", 4, err, sizeof(err)) == -ENOENT);
	CHECK(strstr(err, dir));
}

/* --listen */

static void test_listen_parse(void)
{
	struct sockaddr_storage ss;
	struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
	char err[256], a[64];

	CHECK(!azlx_metrics_listen_parse("9400", &ss, err, sizeof(err)));
	CHECK(ss.ss_family == AF_INET && ntohs(sin->sin_port) == 9400);
	CHECK_STR(inet_ntop(AF_INET, &sin->sin_addr, a, sizeof(a)), "127.0.0.1");
	CHECK(!azlx_metrics_listen_parse("0.0.0.0:80", &ss, err, sizeof(err)));
	CHECK_STR(inet_ntop(AF_INET, &sin->sin_addr, a, sizeof(a)), "0.0.0.0");
	CHECK(!azlx_metrics_listen_parse("[::1]:9400", &ss, err, sizeof(err)));
	CHECK(ss.ss_family == AF_INET6 && ntohs(sin6->sin6_port) == 9400);
	CHECK_STR(inet_ntop(AF_INET6, &sin6->sin6_addr, a, sizeof(a)), "::1");
	CHECK(azlx_metrics_listen_parse("0", &ss, err, sizeof(err)) == -EINVAL);
	CHECK(azlx_metrics_listen_parse("65536", &ss, err, sizeof(err)) == -EINVAL);
	CHECK(azlx_metrics_listen_parse("127.0.0.1:", &ss, err, sizeof(err)) == -EINVAL);
	CHECK(azlx_metrics_listen_parse(":9400", &ss, err, sizeof(err)) == -EINVAL);
	CHECK(azlx_metrics_listen_parse("::1:9400", &ss, err, sizeof(err)) == -EINVAL);
	CHECK(azlx_metrics_listen_parse("localhost:9400", &ss, err, sizeof(err)) == -EINVAL);
	CHECK(azlx_metrics_listen_parse("1.2.3.4:+80", &ss, err, sizeof(err)) == -EINVAL);
}

#define TEST(fn)	{ #fn, fn }

const struct azlx_test azlx_metrics_tests[] = {
	TEST(test_escape_label),
	TEST(test_escape_utf8),
	TEST(test_escape_help),
	TEST(test_sample_forms),
	TEST(test_histogram_cumulative),
	TEST(test_histogram_disktel),
	TEST(test_pods_series),
	TEST(test_pods_cap),
	TEST(test_pods_none),
	TEST(test_nics),
	TEST(test_pacers),
	TEST(test_tune),
	TEST(test_sources),
	TEST(test_textfile),
	TEST(test_listen_parse),
};

const size_t azlx_metrics_ntests = sizeof(azlx_metrics_tests) / sizeof(azlx_metrics_tests[0]);
