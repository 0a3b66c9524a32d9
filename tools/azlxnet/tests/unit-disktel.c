// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests of the disk telemetry's pure parts: percentiles of log2
 * histograms, snapshot subtraction, the throttle detector and its
 * baseline, disk and cgroup names, and the rendering of a snapshot.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <json-c/json.h>

#include "disktel.h"
#include "tap.h"
#include "helpers.h"

#define NEAR(a, b)	((a) - (b) < 1e-6 && (b) - (a) < 1e-6)

/* @n requests of @us microseconds each into @h, @bytes each */
static void hist_put(struct azlxnet_dl_hist *h, unsigned long long n, unsigned int us,
		     unsigned long long bytes)
{
	unsigned int slot = 0;

	while (slot + 1 < AZLXNET_DL_SLOTS && (1ULL << (slot + 1)) <= us)
		slot++;
	h->slots[slot] += n;
	h->requests += n;
	h->units += n * (bytes ? (bytes + AZLXNET_DL_UNIT - 1) / AZLXNET_DL_UNIT : 1);
	h->bytes += n * bytes;
	h->lat_sum_ns += n * us * 1000ULL;
}

/* Percentiles */

static void test_percentile_empty(void)
{
	struct azlxnet_dl_hist h = {};

	CHECK(azlx_disktel_percentile(&h, 50) == 0);
	CHECK(azlx_disktel_percentile(&h, 99) == 0);
}

static void test_percentile_one_slot(void)
{
	struct azlxnet_dl_hist h = {};

	/* 100 requests in [256, 512) us: linear within the slot */
	h.slots[8] = 100;
	CHECK(NEAR(azlx_disktel_percentile(&h, 50), 384));
	CHECK(NEAR(azlx_disktel_percentile(&h, 100), 512));
	CHECK(NEAR(azlx_disktel_percentile(&h, 25), 320));
	/* slot 0 is [0, 2) */
	memset(&h, 0, sizeof(h));
	h.slots[0] = 10;
	CHECK(NEAR(azlx_disktel_percentile(&h, 50), 1));
}

static void test_percentile_spread(void)
{
	struct azlxnet_dl_hist h = {};

	/* 90 fast (slot 7: [128, 256)), 10 slow (slot 14: [16384, 32768)) */
	h.slots[7] = 90;
	h.slots[14] = 10;
	CHECK(NEAR(azlx_disktel_percentile(&h, 50), 128 + 128 * 50.0 / 90));
	CHECK(NEAR(azlx_disktel_percentile(&h, 90), 256));
	/* rank 99 is the 9th of the 10 slow ones */
	CHECK(NEAR(azlx_disktel_percentile(&h, 99), 16384 + 16384 * 0.9));
	/* out of range percentages are clamped */
	CHECK(NEAR(azlx_disktel_percentile(&h, 250), 32768));
	CHECK(azlx_disktel_percentile(&h, -5) >= 0);
}

static void test_percentile_last_slot(void)
{
	struct azlxnet_dl_hist h = {};

	h.slots[AZLXNET_DL_SLOTS - 1] = 3;
	CHECK(azlx_disktel_percentile(&h, 99) >= (double)(1ULL << (AZLXNET_DL_SLOTS - 1)));
}

/* Snapshots */

static void snap_init(struct azlx_disktel_snap *s, size_t ndisks, size_t ncgroups)
{
	memset(s, 0, sizeof(*s));
	s->disks = calloc(ndisks ? ndisks : 1, sizeof(*s->disks));
	s->cgroups = calloc(ncgroups ? ncgroups : 1, sizeof(*s->cgroups));
	CHECK(s->disks && s->cgroups);
	s->ndisks = ndisks;
	s->ncgroups = ncgroups;
}

static void test_snap_sub(void)
{
	struct azlx_disktel_snap then, now, d;
	const struct azlx_disktel_disk *x;

	snap_init(&then, 2, 1);
	snap_init(&now, 3, 2);
	then.time_ns = 1000000000ULL;
	now.time_ns = 3500000000ULL;
	/* sorted by major:minor: 8:0, 8:16 then; 8:0, 8:16, 259:0 now */
	then.disks[0].major = 8;
	then.disks[1].major = 8;
	then.disks[1].minor = 16;
	hist_put(&then.disks[0].op[AZLXNET_DL_READ], 10, 300, 4096);
	hist_put(&then.disks[1].op[AZLXNET_DL_WRITE], 50, 1000, 65536);
	now.disks[0] = then.disks[0];
	now.disks[1] = then.disks[1];
	hist_put(&now.disks[0].op[AZLXNET_DL_READ], 5, 300, 4096);
	hist_put(&now.disks[0].op[AZLXNET_DL_WRITE], 7, 600, 8192);
	/* 8:16 was evicted and counts from 0 again: taken whole */
	memset(&now.disks[1].op[AZLXNET_DL_WRITE], 0, sizeof(struct azlxnet_dl_hist));
	hist_put(&now.disks[1].op[AZLXNET_DL_WRITE], 3, 1000, 65536);
	now.disks[2].major = 259;
	hist_put(&now.disks[2].op[AZLXNET_DL_OTHER], 2, 40, 0);
	then.cgroups[0].major = 8;
	then.cgroups[0].id = 4242;
	hist_put(&then.cgroups[0].op[AZLXNET_DL_READ], 10, 300, 4096);
	now.cgroups[0] = then.cgroups[0];
	hist_put(&now.cgroups[0].op[AZLXNET_DL_READ], 1, 300, 4096);
	now.cgroups[1].major = 8;
	now.cgroups[1].id = 4243;
	hist_put(&now.cgroups[1].op[AZLXNET_DL_WRITE], 4, 300, 512);

	CHECK(!azlx_disktel_snap_sub(&now, &then, &d));
	CHECK(d.time_ns == 2500000000ULL);
	CHECK(d.ndisks == 3 && d.ncgroups == 2);
	x = azlx_disktel_find(&d, 8, 0);
	CHECK(x);
	CHECK(x->op[AZLXNET_DL_READ].requests == 5);
	CHECK(x->op[AZLXNET_DL_READ].bytes == 5 * 4096);
	CHECK(x->op[AZLXNET_DL_READ].slots[8] == 5);
	CHECK(x->op[AZLXNET_DL_READ].lat_sum_ns == 5 * 300000ULL);
	CHECK(x->op[AZLXNET_DL_WRITE].requests == 7);
	CHECK(x->op[AZLXNET_DL_WRITE].units == 7);
	x = azlx_disktel_find(&d, 8, 16);
	CHECK(x && x->op[AZLXNET_DL_WRITE].requests == 3);
	x = azlx_disktel_find(&d, 259, 0);
	CHECK(x && x->op[AZLXNET_DL_OTHER].requests == 2 && x->op[AZLXNET_DL_OTHER].bytes == 0);
	CHECK(!azlx_disktel_find(&d, 8, 32));
	CHECK(d.cgroups[0].id == 4242 && d.cgroups[0].op[AZLXNET_DL_READ].requests == 1);
	CHECK(d.cgroups[1].id == 4243 && d.cgroups[1].op[AZLXNET_DL_WRITE].requests == 4);
	CHECK(d.cgroups[1].op[AZLXNET_DL_WRITE].bytes == 2048);
	azlx_disktel_snap_free(&d);
	CHECK(!d.disks && !d.ndisks);

	/* from nothing: everything whole; entries only in @then left out */
	CHECK(!azlx_disktel_snap_sub(&then, &now, &d));
	CHECK(d.ndisks == 2);
	CHECK(d.disks[0].op[AZLXNET_DL_READ].requests == 10);
	CHECK(d.time_ns == 0);
	azlx_disktel_snap_free(&d);
	azlx_disktel_snap_free(&then);
	azlx_disktel_snap_free(&now);
}

static void test_snap_sub_empty(void)
{
	struct azlx_disktel_snap a = {}, b = {}, d;

	CHECK(!azlx_disktel_snap_sub(&a, &b, &d));
	CHECK(!d.ndisks && !d.ncgroups);
	azlx_disktel_snap_free(&d);
}

static void test_hist_rw(void)
{
	struct azlxnet_dl_hist op[AZLXNET_DL_OPS] = {}, rw;

	hist_put(&op[AZLXNET_DL_READ], 3, 100, 4096);
	hist_put(&op[AZLXNET_DL_WRITE], 2, 5000, 1 << 20);
	hist_put(&op[AZLXNET_DL_OTHER], 9, 10, 0);
	azlx_disktel_hist_rw(op, &rw);
	CHECK(rw.requests == 5);
	CHECK(rw.units == 3 + 2 * 4);
	CHECK(rw.bytes == 3 * 4096 + 2 * (1 << 20));
	CHECK(rw.slots[6] == 3 && rw.slots[12] == 2 && rw.slots[3] == 0);
}

/* The detector */

static const struct azlx_disktel_budget p10 = { .iops = 500, .mbps = 100 };

static void test_detect_idle(void)
{
	struct azlx_disktel_baseline base = { 200, 400 };
	struct azlx_disktel_detection d;
	struct azlxnet_dl_hist h = {};

	hist_put(&h, AZLX_DISKTEL_MIN_REQUESTS - 1, 50000, 4096);
	azlx_disktel_detect(&h, 1.0, &p10, &base, &d);
	CHECK(d.verdict == AZLX_DISKTEL_IDLE);
	CHECK_STR(azlx_disktel_verdict_name(d.verdict), "idle");
	/* a zero interval says nothing either */
	hist_put(&h, 100, 300, 4096);
	azlx_disktel_detect(&h, 0, &p10, &base, &d);
	CHECK(d.verdict == AZLX_DISKTEL_IDLE);
}

static void test_detect_throttled(void)
{
	struct azlx_disktel_baseline base = { 300, 600 };
	struct azlx_disktel_detection d;
	struct azlxnet_dl_hist h = {};

	/* 480 units/s of a 500 IOPS budget (96 %), p50 in [2048, 4096) us */
	hist_put(&h, 480, 3000, 4096);
	azlx_disktel_detect(&h, 1.0, &p10, &base, &d);
	CHECK(d.verdict == AZLX_DISKTEL_THROTTLED);
	CHECK_STR(azlx_disktel_verdict_name(d.verdict), "throttled");
	CHECK(d.knee);
	CHECK(NEAR(d.utilisation, 0.96));
	CHECK(NEAR(d.iops, 480));
	CHECK(d.p50_us >= 2048 && d.p50_us <= 4096);
}

static void test_detect_at_budget_fast(void)
{
	struct azlx_disktel_baseline base = { 300, 600 };
	struct azlx_disktel_detection d;
	struct azlxnet_dl_hist h = {};

	/* at the budget, latency as usual: busy, not held */
	hist_put(&h, 950, 300, 4096);
	azlx_disktel_detect(&h, 2.0, &p10, &base, &d);
	CHECK(NEAR(d.iops, 475));
	CHECK(d.verdict == AZLX_DISKTEL_AT_BUDGET);
	CHECK_STR(azlx_disktel_verdict_name(d.verdict), "at-budget");
	CHECK(!d.knee);
}

static void test_detect_by_bandwidth(void)
{
	struct azlx_disktel_baseline base = { 300, 600 };
	struct azlx_disktel_detection d;
	struct azlxnet_dl_hist h = {};

	/* 95 MB/s of 100 in 256 KiB writes: 380 units/s (76 %), bytes at 99.6 % */
	hist_put(&h, 380, 20000, 262144);
	azlx_disktel_detect(&h, 1.0, &p10, &base, &d);
	CHECK(d.utilisation > 0.99 && d.utilisation < 1.0);
	CHECK(d.verdict == AZLX_DISKTEL_THROTTLED);
}

static void test_detect_slow_below_budget(void)
{
	struct azlx_disktel_baseline base = { 300, 600 };
	struct azlx_disktel_detection d;
	struct azlxnet_dl_hist h = {};

	/* 100 of 500 IOPS, latency 10x: the host is slow, not the budget */
	hist_put(&h, 100, 3000, 4096);
	azlx_disktel_detect(&h, 1.0, &p10, &base, &d);
	CHECK(d.verdict == AZLX_DISKTEL_SLOW);
	/* without a budget the same is "slow" too, and "no-budget" when fast */
	azlx_disktel_detect(&h, 1.0, NULL, &base, &d);
	CHECK(d.verdict == AZLX_DISKTEL_SLOW);
	CHECK(d.utilisation < 0);
	memset(&h, 0, sizeof(h));
	hist_put(&h, 100, 300, 4096);
	azlx_disktel_detect(&h, 1.0, &(struct azlx_disktel_budget){ 0, 0 }, &base, &d);
	CHECK(d.verdict == AZLX_DISKTEL_NO_BUDGET);
	CHECK_STR(azlx_disktel_verdict_name(d.verdict), "no-budget");
	azlx_disktel_detect(&h, 1.0, &p10, &base, &d);
	CHECK(d.verdict == AZLX_DISKTEL_OK);
}

static void test_detect_knee_floor(void)
{
	struct azlx_disktel_baseline base = { 10, 20 };
	struct azlx_disktel_detection d;
	struct azlxnet_dl_hist h = {};

	/*
	 * A 10 us baseline counts as 100 us: 200 us (20x the baseline, 2x
	 * the floor; p99 253 us) is not a knee, 600 us (p50 768 us) is
	 */
	hist_put(&h, 480, 200, 4096);
	azlx_disktel_detect(&h, 1.0, &p10, &base, &d);
	CHECK(!d.knee && d.verdict == AZLX_DISKTEL_AT_BUDGET);
	memset(&h, 0, sizeof(h));
	hist_put(&h, 480, 600, 4096);
	azlx_disktel_detect(&h, 1.0, &p10, &base, &d);
	CHECK(d.knee && d.verdict == AZLX_DISKTEL_THROTTLED);
	/* no baseline yet: no knee */
	azlx_disktel_detect(&h, 1.0, &p10, &(struct azlx_disktel_baseline){ 0, 0 }, &d);
	CHECK(!d.knee && d.verdict == AZLX_DISKTEL_AT_BUDGET);
	azlx_disktel_detect(&h, 1.0, &p10, NULL, &d);
	CHECK(!d.knee);
}

static void test_detect_p99_knee(void)
{
	struct azlx_disktel_baseline base = { 300, 600 };
	struct azlx_disktel_detection d;
	struct azlxnet_dl_hist h = {};

	/* p50 as usual, the tail 10x: throttled all the same */
	hist_put(&h, 460, 300, 4096);
	hist_put(&h, 20, 10000, 4096);
	azlx_disktel_detect(&h, 1.0, &p10, &base, &d);
	CHECK(d.p50_us < 600 && d.p99_us >= 8192);
	CHECK(d.verdict == AZLX_DISKTEL_THROTTLED);
}

static void test_baseline_update(void)
{
	struct azlx_disktel_baseline base = {};
	struct azlx_disktel_detection d;
	struct azlxnet_dl_hist h = {};

	hist_put(&h, 100, 3000, 4096);
	azlx_disktel_detect(&h, 1.0, &p10, &base, &d);
	azlx_disktel_baseline_update(&base, &d);
	CHECK(base.p50_us >= 2048 && base.p50_us <= 4096);
	memset(&h, 0, sizeof(h));
	hist_put(&h, 100, 300, 4096);
	azlx_disktel_detect(&h, 1.0, &p10, &base, &d);
	azlx_disktel_baseline_update(&base, &d);
	CHECK(base.p50_us >= 256 && base.p50_us <= 512);
	/* higher latency does not raise it; idle intervals do not count */
	memset(&h, 0, sizeof(h));
	hist_put(&h, 100, 3000, 4096);
	azlx_disktel_detect(&h, 1.0, &p10, &base, &d);
	azlx_disktel_baseline_update(&base, &d);
	CHECK(base.p50_us <= 512);
	memset(&h, 0, sizeof(h));
	hist_put(&h, 2, 1, 4096);
	azlx_disktel_detect(&h, 1.0, &p10, &base, &d);
	azlx_disktel_baseline_update(&base, &d);
	CHECK(base.p50_us >= 256);
}

/* Names */

static void test_parse_uevent(void)
{
	char name[16];

	CHECK(!azlx_disktel_parse_uevent("MAJOR=8\nMINOR=0\nDEVNAME=sda\nDEVTYPE=disk\n",
					 name, sizeof(name)));
	CHECK_STR(name, "sda");
	CHECK(!azlx_disktel_parse_uevent("DEVNAME=nvme0n1", name, sizeof(name)));
	CHECK_STR(name, "nvme0n1");
	CHECK(azlx_disktel_parse_uevent("MAJOR=8\nMINOR=0\n", name, sizeof(name)) == -ENOENT);
	CHECK(azlx_disktel_parse_uevent("DEVNAME=\n", name, sizeof(name)) == -ENOENT);
	CHECK(azlx_disktel_parse_uevent("XDEVNAME=sda\n", name, sizeof(name)) == -ENOENT);
	CHECK(azlx_disktel_parse_uevent("", name, sizeof(name)) == -ENOENT);
	/* too long for the buffer */
	CHECK(azlx_disktel_parse_uevent("DEVNAME=a-very-long-device-name\n", name,
					sizeof(name)) == -ENOENT);
}

static void test_cgroup_path_walk(void)
{
	const char *tmp = getenv("TMPDIR");
	char root[200], dir[256], path[256];
	struct stat st;

	snprintf(root, sizeof(root), "%s/azlx-cgroup-test.XXXXXX", tmp && *tmp ? tmp : P_tmpdir);
	CHECK(mkdtemp(root));
	snprintf(dir, sizeof(dir), "%s/kubepods.slice", root);
	CHECK(!mkdir(dir, 0755));
	snprintf(dir, sizeof(dir), "%s/kubepods.slice/pod1", root);
	CHECK(!mkdir(dir, 0755));
	snprintf(dir, sizeof(dir), "%s/system.slice", root);
	CHECK(!mkdir(dir, 0755));

	snprintf(dir, sizeof(dir), "%s/kubepods.slice/pod1", root);
	CHECK(!stat(dir, &st));
	CHECK(!azlx_disktel_cgroup_path(root, st.st_ino, path, sizeof(path)));
	CHECK_STR(path, "/kubepods.slice/pod1");
	snprintf(dir, sizeof(dir), "%s/system.slice", root);
	CHECK(!stat(dir, &st));
	CHECK(!azlx_disktel_cgroup_path(root, st.st_ino, path, sizeof(path)));
	CHECK_STR(path, "/system.slice");
	CHECK(!stat(root, &st));
	CHECK(!azlx_disktel_cgroup_path(root, st.st_ino, path, sizeof(path)));
	CHECK_STR(path, "/");
	/* unknown ids, id 0 (no blkcg), a missing root */
	CHECK(azlx_disktel_cgroup_path(root, 1ULL << 60, path, sizeof(path)) == -ENOENT);
	CHECK(!path[0]);
	CHECK(azlx_disktel_cgroup_path(root, 0, path, sizeof(path)) == -ENOENT);
	CHECK(azlx_disktel_cgroup_path("/nonexistent/azlx", 1, path, sizeof(path)) == -ENOENT);

	snprintf(dir, sizeof(dir), "%s/kubepods.slice/pod1", root);
	rmdir(dir);
	snprintf(dir, sizeof(dir), "%s/kubepods.slice", root);
	rmdir(dir);
	snprintf(dir, sizeof(dir), "%s/system.slice", root);
	rmdir(dir);
	rmdir(root);
}

/* Rendering */

static void test_print_off(void)
{
	struct json_object *doc, *tel, *on;
	struct capture c;

	capture_start(&c, true, false);
	azlx_print_open_object(NULL);
	azlx_disktel_print(NULL, NULL, 0);
	azlx_print_close_object();
	azlx_print_flush();
	doc = json_tokener_parse(capture_end(&c));
	CHECK(doc);
	CHECK(json_object_object_get_ex(doc, "telemetry", &tel));
	CHECK(json_object_object_get_ex(tel, "on", &on));
	CHECK(!json_object_get_boolean(on));
	json_object_put(doc);
	capture_free(&c);

	capture_start(&c, false, false);
	azlx_disktel_print(NULL, NULL, 0);
	CHECK(strstr(capture_end(&c), "telemetry: off"));
	capture_free(&c);
}

static void test_print_snapshot(void)
{
	struct json_object *doc, *tel, *disks, *cgroups, *d, *v, *rd;
	struct azlx_disktel_snap s;
	struct capture c;

	snap_init(&s, 2, 1);
	s.disks[0].major = 8;
	snprintf(s.disks[0].name, sizeof(s.disks[0].name), "sda");
	hist_put(&s.disks[0].op[AZLXNET_DL_READ], 8, 300, 4096);
	s.disks[1].major = 259;
	snprintf(s.disks[1].name, sizeof(s.disks[1].name), "nvme0n1");
	hist_put(&s.disks[1].op[AZLXNET_DL_WRITE], 4, 40, 65536);
	s.cgroups[0].major = 8;
	snprintf(s.cgroups[0].disk, sizeof(s.cgroups[0].disk), "sda");
	s.cgroups[0].id = 77;
	snprintf(s.cgroups[0].path, sizeof(s.cgroups[0].path), "/test");
	hist_put(&s.cgroups[0].op[AZLXNET_DL_READ], 8, 300, 4096);

	capture_start(&c, true, false);
	azlx_print_open_object(NULL);
	azlx_disktel_print(&s, "sda", AZLX_DISKTEL_PRINT_CGROUPS | AZLX_DISKTEL_PRINT_HIST);
	azlx_print_close_object();
	azlx_print_flush();
	doc = json_tokener_parse(capture_end(&c));
	CHECK(doc);
	CHECK(json_object_object_get_ex(doc, "telemetry", &tel));
	CHECK(json_object_object_get_ex(tel, "disks", &disks));
	CHECK(json_object_array_length(disks) == 1);
	d = json_object_array_get_idx(disks, 0);
	CHECK(json_object_object_get_ex(d, "disk", &v));
	CHECK_STR(json_object_get_string(v), "sda");
	CHECK(json_object_object_get_ex(d, "read", &rd));
	CHECK(json_object_object_get_ex(rd, "requests", &v) && json_object_get_int64(v) == 8);
	CHECK(json_object_object_get_ex(rd, "bytes", &v) && json_object_get_int64(v) == 32768);
	CHECK(json_object_object_get_ex(rd, "p50_us", &v) && json_object_get_int64(v) == 384);
	CHECK(json_object_object_get_ex(rd, "hist_us", &v) && json_object_array_length(v) == 1);
	CHECK(json_object_object_get_ex(d, "write", &rd));
	CHECK(json_object_object_get_ex(rd, "requests", &v) && json_object_get_int64(v) == 0);
	CHECK(json_object_object_get_ex(tel, "cgroups", &cgroups));
	CHECK(json_object_array_length(cgroups) == 1);
	d = json_object_array_get_idx(cgroups, 0);
	CHECK(json_object_object_get_ex(d, "cgroup", &v));
	CHECK_STR(json_object_get_string(v), "/test");
	CHECK(json_object_object_get_ex(d, "cgroup_id", &v) && json_object_get_int64(v) == 77);
	json_object_put(doc);
	capture_free(&c);

	capture_start(&c, false, false);
	azlx_disktel_print(&s, NULL, AZLX_DISKTEL_PRINT_CGROUPS);
	CHECK(strstr(capture_end(&c), "telemetry: on"));
	CHECK(strstr(capture_end(&c), "sda (8:0)"));
	CHECK(strstr(capture_end(&c), "nvme0n1 (259:0)"));
	CHECK(strstr(capture_end(&c), "read   8 requests (8 units), 32768 bytes"));
	CHECK(strstr(capture_end(&c), "cgroup 77 /test"));
	capture_free(&c);
	azlx_disktel_snap_free(&s);
}

#define TEST(fn)	{ #fn, fn }

const struct azlx_test azlx_disktel_tests[] = {
	TEST(test_percentile_empty),
	TEST(test_percentile_one_slot),
	TEST(test_percentile_spread),
	TEST(test_percentile_last_slot),
	TEST(test_snap_sub),
	TEST(test_snap_sub_empty),
	TEST(test_hist_rw),
	TEST(test_detect_idle),
	TEST(test_detect_throttled),
	TEST(test_detect_at_budget_fast),
	TEST(test_detect_by_bandwidth),
	TEST(test_detect_slow_below_budget),
	TEST(test_detect_knee_floor),
	TEST(test_detect_p99_knee),
	TEST(test_baseline_update),
	TEST(test_parse_uevent),
	TEST(test_cgroup_path_walk),
	TEST(test_print_off),
	TEST(test_print_snapshot),
};

const size_t azlx_disktel_ntests = sizeof(azlx_disktel_tests) / sizeof(azlx_disktel_tests[0]);
