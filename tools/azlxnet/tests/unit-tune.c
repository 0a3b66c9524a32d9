// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests of azlxnet tune's pure parts: CPU masks and lists, the
 * configuration parser, the IMDS parser, the budget tables, the ethtool
 * netlink requests; and a device that disappears between plan and apply.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>

#include <linux/ethtool_netlink.h>
#include <netlink/attr.h>
#include <netlink/genl/genl.h>
#include <netlink/msg.h>

#include "azlxnet.h"
#include "disk.h"
#include "print.h"
#include "tune/apply.h"
#include "tune/plan.h"
#include "tune/tune.h"
#include "tap.h"
#include "helpers.h"

/* main.c is not linked in */
struct azlx_opts azlx_opts;

static void test_cpumask_format(void)
{
	struct azlx_cpuset s;
	char buf[512];

	azlx_cpuset_zero(&s);
	azlx_cpumask_format(&s, 2, buf, sizeof(buf));
	CHECK_STR(buf, "0");
	azlx_cpuset_set(&s, 0);
	azlx_cpuset_set(&s, 1);
	azlx_cpumask_format(&s, 2, buf, sizeof(buf));
	CHECK_STR(buf, "3");
	azlx_cpuset_zero(&s);
	azlx_cpuset_set(&s, 0);
	azlx_cpuset_set(&s, 63);
	azlx_cpumask_format(&s, 64, buf, sizeof(buf));
	CHECK_STR(buf, "80000000,00000001");
	azlx_cpuset_zero(&s);
	azlx_cpuset_set(&s, 39);
	azlx_cpumask_format(&s, 40, buf, sizeof(buf));
	CHECK_STR(buf, "80,00000000");
	azlx_cpuset_zero(&s);
	azlx_cpuset_set(&s, 4);
	azlx_cpumask_format(&s, 8, buf, sizeof(buf));
	CHECK_STR(buf, "10");
}

static void test_cpumask_parse(void)
{
	struct azlx_cpuset s;
	char buf[64];

	CHECK(!azlx_cpumask_parse("00000000,0000000f\n", &s));
	azlx_cpulist_format(&s, buf, sizeof(buf));
	CHECK_STR(buf, "0-3");
	CHECK(!azlx_cpumask_parse("80000000,00000001", &s));
	azlx_cpulist_format(&s, buf, sizeof(buf));
	CHECK_STR(buf, "0,63");
	CHECK(azlx_cpumask_parse("xyz", &s) == -EINVAL);
	CHECK(azlx_cpumask_parse("", &s) == -EINVAL);
}

static void test_cpulist(void)
{
	struct azlx_cpuset s;
	char buf[64];

	CHECK(!azlx_cpulist_parse("0-3,8\n", &s));
	CHECK(azlx_cpuset_count(&s) == 5);
	azlx_cpulist_format(&s, buf, sizeof(buf));
	CHECK_STR(buf, "0-3,8");
	CHECK(!azlx_cpulist_parse("", &s) && azlx_cpuset_count(&s) == 0);
	CHECK(azlx_cpulist_parse("3-1", &s) == -EINVAL);
	CHECK(azlx_cpulist_parse("1,,2", &s) == -EINVAL);
	CHECK(azlx_cpulist_parse("1024", &s) == -EINVAL);
	CHECK(azlx_cpulist_parse("-1", &s) == -EINVAL);
}

/* VF interrupt names as mana, mlx5 and mlx4 request them */
static void test_vf_irq_queue(void)
{
	CHECK(azlx_vf_irq_queue("mana_hwc@pci:7870:00:00.0") == AZLX_IRQ_CONTROL);
	CHECK(azlx_vf_irq_queue("mana_q0@pci:7870:00:00.0") == 0);
	CHECK(azlx_vf_irq_queue("mana_q63@pci:7870:00:00.0") == 63);
	CHECK(azlx_vf_irq_queue("mlx5_async0@pci:1234:00:02.0") == AZLX_IRQ_CONTROL);
	CHECK(azlx_vf_irq_queue("mlx5_async@pci:1234:00:02.0") == AZLX_IRQ_CONTROL);
	CHECK(azlx_vf_irq_queue("mlx5_comp0@pci:1234:00:02.0") == 0);
	CHECK(azlx_vf_irq_queue("mlx5_comp15@pci:1234:00:02.0") == 15);
	CHECK(azlx_vf_irq_queue("mlx4-async@pci:1234:00:02.0") == AZLX_IRQ_CONTROL);
	CHECK(azlx_vf_irq_queue("mlx4-1@1234:00:02.0") == 0);
	CHECK(azlx_vf_irq_queue("mlx4-8@1234:00:02.0") == 7);
	/* mana before 6.2 named every vector alike; others are not queues */
	CHECK(azlx_vf_irq_queue("mana_intr") == AZLX_IRQ_UNKNOWN);
	CHECK(azlx_vf_irq_queue("mlx4-0@1234:00:02.0") == AZLX_IRQ_UNKNOWN);
	CHECK(azlx_vf_irq_queue("mana_qx@pci:1") == AZLX_IRQ_UNKNOWN);
	CHECK(azlx_vf_irq_queue("mlx5_comp3") == AZLX_IRQ_UNKNOWN);
	CHECK(azlx_vf_irq_queue("eth0-TxRx-0") == AZLX_IRQ_UNKNOWN);
	CHECK(azlx_vf_irq_queue("") == AZLX_IRQ_UNKNOWN);
}

static void test_value_equal(void)
{
	CHECK(azlx_value_equal(AZLX_VT_CPUMASK, "00000000,00000003", "3"));
	CHECK(!azlx_value_equal(AZLX_VT_CPUMASK, "1", "3"));
	CHECK(azlx_value_equal(AZLX_VT_CPULIST, "0-2", "0,1,2"));
	CHECK(azlx_value_equal(AZLX_VT_STRING, "32768\t60999", "32768 60999"));
	CHECK(!azlx_value_equal(AZLX_VT_INT, "", "0"));
	CHECK(azlx_value_equal(AZLX_VT_INT, "0128", "128"));
}

/* A configuration refused with @want, which names its line and item. */
static void conf_err(const char *text, const char *want)
{
	struct azlx_tconf c;
	char err[512] = "";

	azlx_tconf_init(&c);
	CHECK(azlx_tconf_parse_string(&c, text, err, sizeof(err)) == -EINVAL);
	CHECK_STR(err, want);
}

static void test_conf_good(void)
{
	const struct azlx_tconf_disk *cd, *all;
	struct azlx_disk d = { .name = "sdc", .kind = AZLX_DISK_DATA, .lun = 3 };
	struct azlx_tconf c;
	char err[512] = "";

	azlx_tconf_init(&c);
	CHECK(!azlx_tconf_parse_string(&c,
		"; comment\n[tune]\nprofile = throughput\nreserved_cpus = 0-1,4\n"
		"[imds]\nenabled = no\ntimeout_ms = 500\n"
		"[nic]\nvf_drivers = mana,mlx5_core\nchannels = 16\nrps = off\n"
		"[vm]\nsize = Standard_D8s_v3\n"
		"[disk]\nnvme_models = QEMU NVMe Ctrl\nscheduler = kyber\n"
		"[disk lun3]\nqueue_depth = 48\n"
		"[sysctl]\nnet.core.somaxconn = 1024\nnet.core.somaxconn = 2048\n"
		"[module]\nload = no\n", err, sizeof(err)));
	CHECK_STR(err, "");
	CHECK(c.profile == AZLX_PROFILE_THROUGHPUT);
	CHECK(azlx_cpuset_count(&c.reserved) == 3 && azlx_cpuset_has(&c.reserved, 4));
	CHECK(c.imds_enabled.set && !c.imds_enabled.v);
	CHECK(c.imds_timeout_ms.v == 500);
	CHECK(azlx_list_has(c.vf_drivers.s, "mlx5_core"));
	CHECK(c.channels.v == 16 && c.channels.line == 10);
	CHECK(c.rps.set && !c.rps.v);
	CHECK_STR(c.vm_size.s, "Standard_D8s_v3");
	CHECK(azlx_list_has(c.nvme_models.s, "QEMU NVMe Ctrl"));
	/* a repeated sysctl: the last one counts */
	CHECK(c.nsysctls == 1);
	CHECK_STR(c.sysctls[0].value, "2048");
	CHECK(c.module_load.set && !c.module_load.v);
	cd = azlx_tconf_disk_for(&c, &d, &all);
	CHECK(cd && cd->queue_depth.v == 48 && cd->queue_depth.line == 18);
	CHECK(all && all->scheduler.set);
	CHECK_STR(all->scheduler.s, "kyber");
	d.lun = 4;
	CHECK(!azlx_tconf_disk_for(&c, &d, &all));
}

static void test_conf_errors(void)
{
	conf_err("[tune]\n\n# x\nprofil = aks\n",
		 "azlxnet.conf:4: [tune] profil: unknown key");
	conf_err("[nic]\nrx_ring = 63\n",
		 "azlxnet.conf:2: [nic] rx_ring: 63 is out of range (64-16384)");
	conf_err("[nic]\nrx_ring = 1e3\n",
		 "azlxnet.conf:2: [nic] rx_ring: \"1e3\" is not an integer");
	conf_err("[nic]\nsynthetic_drivers = hv netvsc\n",
		 "azlxnet.conf:2: [nic] synthetic_drivers: \"hv netvsc\" is not a comma-separated list of driver names");
	conf_err("[imds]\ntimeout_ms = 99999\n",
		 "azlxnet.conf:2: [imds] timeout_ms: 99999 is out of range (100-10000)");
	conf_err("[disk Sdc]\nqueue_depth = 8\n",
		 "azlxnet.conf:2: [disk Sdc]: not a disk: a device name (sdc, nvme0n2), lunN, os or resource");
	conf_err("[disk sdc]\nnvme_models = x\n",
		 "azlxnet.conf:2: [disk sdc] nvme_models: only in [disk], not in [disk NAME]");
	conf_err("[sysctl]\nvm.swappiness = -1\n",
		 "azlxnet.conf:2: [sysctl] vm.swappiness: \"-1\" is not a non-negative integer");
	conf_err("[sysctl]\nvm.swappiness = 99999999999\n",
		 "azlxnet.conf:2: [sysctl] vm.swappiness: 99999999999 is out of range (0-2147483647)");
	conf_err("[module]\nload = 2\n",
		 "azlxnet.conf:2: [module] load: \"2\" is not a boolean (yes or no)");
	conf_err("[vm]\nsize =\n", "azlxnet.conf:2: [vm] size: empty value");
	/* the first mistake is the one reported */
	conf_err("[nic]\nchannels = 0\nlro = x\n",
		 "azlxnet.conf:2: [nic] channels: 0 is out of range (1-64)");
	conf_err("[x\n", "azlxnet.conf:1: syntax error (expected [section] or key = value)");
}

static void imds_err(const char *json, const char *want)
{
	struct azlx_imds m;
	char err[512] = "";

	CHECK(azlx_imds_parse(json, strlen(json), &m, err, sizeof(err)) == -EINVAL);
	CHECK_STR(err, want);
	CHECK(!m.valid);
}

static void test_imds_parse(void)
{
	const char *doc =
		"{\"compute\":{\"vmSize\":\"Standard_D8s_v3\",\"storageProfile\":{"
		"\"osDisk\":{\"diskSizeGB\":\"256\",\"caching\":\"ReadWrite\","
		"\"diffDiskSettings\":{\"option\":\"Local\"},"
		"\"managedDisk\":{\"storageAccountType\":\"Premium_LRS\"}},"
		"\"dataDisks\":[{\"lun\":\"2\",\"diskSizeGB\":1024,"
		"\"managedDisk\":{\"storageAccountType\":\"UltraSSD_LRS\"},"
		"\"isUltraDisk\":true,\"opsPerSecondThrottle\":\"20000\","
		"\"bytesPerSecondThrottle\":\"500000000\"},"
		"{\"lun\":0,\"diskSizeGB\":\"\",\"managedDisk\":null}],"
		"\"resourceDisk\":{\"size\":\"65536\"}}}}\n";
	const struct azlx_imds_disk *d;
	struct azlx_imds m;
	char err[256] = "";

	CHECK(!azlx_imds_parse(doc, strlen(doc), &m, err, sizeof(err)));
	CHECK(m.valid && m.has_os);
	CHECK_STR(m.vm_size, "Standard_D8s_v3");
	CHECK(m.os.size_gb == 256 && m.os.ephemeral && !m.os.ultra);
	CHECK_STR(m.os.type, "Premium_LRS");
	CHECK_STR(m.os.caching, "ReadWrite");
	CHECK(m.ndata == 2 && m.resource_mb == 65536);
	d = azlx_imds_data_disk(&m, 2);
	CHECK(d && d->ultra && d->iops == 20000 && d->mbps == 500 && d->size_gb == 1024);
	d = azlx_imds_data_disk(&m, 0);
	CHECK(d && d->size_gb == -1 && !d->type[0]);
	CHECK(!azlx_imds_data_disk(&m, 1));
}

static void test_imds_errors(void)
{
	imds_err("", "not valid JSON: truncated document at offset 0");
	imds_err("{\"compute\":{\"vmSize\":", "not valid JSON: truncated document at offset 21");
	imds_err("{\"compute\":{}} {}", "not valid JSON: data after the document at offset 15");
	imds_err("{\"compute\":[]}", "compute: not an object");
	imds_err("{\"network\":{}}", "compute: missing");
	imds_err("{\"compute\":{\"vmSize\":7,\"storageProfile\":{}}}",
		 "compute.vmSize: not a string: 7");
	imds_err("{\"compute\":{\"storageProfile\":null}}", "compute.storageProfile: missing");
	imds_err("{\"compute\":{\"storageProfile\":{\"dataDisks\":[1]}}}",
		 "compute.storageProfile.dataDisks[0]: not an object");
	imds_err("{\"compute\":{\"storageProfile\":{\"dataDisks\":[{\"lun\":\"64\"}]}}}",
		 "compute.storageProfile.dataDisks[0].lun: out of range (0-63)");
	imds_err("{\"compute\":{\"storageProfile\":{\"dataDisks\":[{}]}}}",
		 "compute.storageProfile.dataDisks[0].lun: missing");
	imds_err("{\"compute\":{\"storageProfile\":{\"osDisk\":{\"diskSizeGB\":\"12x\"}}}}",
		 "compute.storageProfile.osDisk.diskSizeGB: not a non-negative integer: \"12x\"");
	imds_err("{\"compute\":{\"storageProfile\":{\"osDisk\":{\"managedDisk\":\"x\"}}}}",
		 "compute.storageProfile.osDisk.managedDisk: not an object");
	imds_err("{\"compute\":{\"storageProfile\":{\"osDisk\":{\"managedDisk\":"
		 "{\"storageAccountType\":[]}}}}}",
		 "compute.storageProfile.osDisk.managedDisk.storageAccountType: not a string: []");
}

/*
 * A one-shot HTTP server on 127.0.0.1 playing IMDS: it answers the
 * requests with @replies in turn and writes what it received to @log.
 */
static pid_t fake_imds(const char *const *replies, int n, FILE *log, int *port)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t alen = sizeof(a);
	int s, c, i;
	pid_t pid;

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	s = socket(AF_INET, SOCK_STREAM, 0);
	CHECK(s >= 0 && !bind(s, (struct sockaddr *)&a, sizeof(a)) && !listen(s, 4));
	CHECK(!getsockname(s, (struct sockaddr *)&a, &alen));
	*port = ntohs(a.sin_port);
	pid = fork();
	CHECK(pid >= 0);
	if (pid) {
		close(s);
		return pid;
	}
	for (i = 0; i < n; i++) {
		char req[4096];
		ssize_t r;

		c = accept(s, NULL, NULL);
		if (c < 0)
			_exit(1);
		r = read(c, req, sizeof(req) - 1);
		if (r > 0) {
			req[r] = '\0';
			fprintf(log, "%s", req);
			fflush(log);
		}
		if (replies[i] && write(c, replies[i], strlen(replies[i])) < 0)
			_exit(1);
		if (!replies[i])
			sleep(3);	/* never answers */
		close(c);
	}
	_exit(0);
}

static void test_imds_fetch_retry_after_429(void)
{
	static const char body[] =
		"{\"compute\":{\"vmSize\":\"Standard_D4s_v5\",\"storageProfile\":"
		"{\"osDisk\":{\"diskSizeGB\":\"128\",\"managedDisk\":"
		"{\"storageAccountType\":\"Premium_LRS\"}}}}}";
	char ok[512], url[128], err[256] = "", logbuf[8192];
	const char *replies[2];
	struct timespec t0, t1;
	struct azlx_imds m;
	FILE *log = tmpfile();
	int port, status;
	size_t n;
	pid_t pid;

	CHECK(log);
	snprintf(ok, sizeof(ok), "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
		 "Content-Length: %zu\r\nConnection: close\r\n\r\n%s", strlen(body), body);
	replies[0] = "HTTP/1.1 429 Too Many Requests\r\nRetry-After: 1\r\n"
		     "Content-Length: 0\r\nConnection: close\r\n\r\n";
	replies[1] = ok;
	pid = fake_imds(replies, 2, log, &port);
	snprintf(url, sizeof(url),
		 "http://127.0.0.1:%d/metadata/instance?api-version=2021-02-01", port);
	/* a proxy in the environment is not used */
	setenv("http_proxy", "http://127.0.0.1:9", 1);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	CHECK(!azlx_imds_fetch(url, 2000, &m, err, sizeof(err)));
	clock_gettime(CLOCK_MONOTONIC, &t1);
	CHECK_STR(err, "");
	CHECK(m.valid && m.has_os && m.os.size_gb == 128);
	CHECK_STR(m.vm_size, "Standard_D4s_v5");
	CHECK_STR(m.source, "IMDS");
	/* waited as Retry-After said */
	CHECK(t1.tv_sec - t0.tv_sec >= 1);
	CHECK(waitpid(pid, &status, 0) == pid && WIFEXITED(status) && !WEXITSTATUS(status));
	n = fread(logbuf, 1, sizeof(logbuf) - 1, (rewind(log), log));
	logbuf[n] = '\0';
	/* two requests, each with the header IMDS requires */
	CHECK(strstr(logbuf, "GET /metadata/instance?api-version=2021-02-01 HTTP/1.1"));
	CHECK(strstr(strstr(logbuf, "Metadata: true") + 1, "Metadata: true"));
	fclose(log);
}

static void test_imds_fetch_errors(void)
{
	const char *replies[2] = {
		"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
		"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
	};
	const char *silent[2] = { NULL, NULL };
	const char *bad[2] = {
		"HTTP/1.1 200 OK\r\nContent-Length: 11\r\nConnection: close\r\n\r\n{\"compute\":",
		NULL,
	};
	char url[128], err[256] = "";
	struct azlx_imds m;
	FILE *log = tmpfile();
	int port, status;
	pid_t pid;

	CHECK(log);
	pid = fake_imds(replies, 2, log, &port);
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/metadata/instance", port);
	CHECK(azlx_imds_fetch(url, 2000, &m, err, sizeof(err)) == -EIO);
	CHECK_STR(err, "HTTP status 404");
	CHECK(waitpid(pid, &status, 0) == pid);

	/* no answer: the short timeout, one retry */
	pid = fake_imds(silent, 2, log, &port);
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/metadata/instance", port);
	CHECK(azlx_imds_fetch(url, 200, &m, err, sizeof(err)) == -ETIMEDOUT);
	CHECK(strstr(err, "Timeout"));
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);

	/* a truncated document is refused like a file */
	pid = fake_imds(bad, 1, log, &port);
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/metadata/instance", port);
	CHECK(azlx_imds_fetch(url, 2000, &m, err, sizeof(err)) == -EINVAL);
	CHECK_STR(err, "not valid JSON: truncated document at offset 11");
	CHECK(waitpid(pid, &status, 0) == pid);
	fclose(log);
}

static void test_budget_tables(void)
{
	static const char *const tiers[] = {
		"P1", "P2", "P3", "P4", "P6", "P10", "P15", "P20", "P30", "P40", "P50", "P60",
		"P70", "P80", "E1", "E2", "E3", "E4", "E6", "E10", "E15", "E20", "E30", "E40",
		"E50", "E60", "E70", "E80", "S4", "S6", "S10", "S15", "S20", "S30", "S40", "S50",
		"S60", "S70", "S80",
	};
	const struct azlx_vmsize *v;
	struct azlx_budget b;
	size_t i;

	/* the source tree's data files: every managed disk size, each with its source */
	azlx_data_reset();
	for (i = 0; i < sizeof(tiers) / sizeof(tiers[0]); i++) {
		CHECK(azlx_budget_for_tier(tiers[i], &b));
		CHECK(b.known && !strcmp(b.tier, tiers[i]) && b.iops > 0 && b.mbps > 0);
		CHECK(b.origin.from == AZLX_BSRC_DATA && b.origin.line > 0);
		CHECK(!strncmp(b.origin.url, "https://learn.microsoft.com/", 28));
		CHECK(strlen(b.origin.read) >= 7);
	}
	azlx_budget_for("Premium_LRS", 128, -1, -1, &b);
	CHECK(b.known && !strcmp(b.tier, "P10") && b.iops == 500 && b.mbps == 100);
	CHECK(b.burst_iops == 3500 && b.burst_mbps == 170 && b.iops_unit_kib == 256);
	CHECK(b.od_burst_iops == -1);
	azlx_budget_for("Premium_ZRS", 129, -1, -1, &b);
	CHECK(!strcmp(b.tier, "P15") && b.iops == 1100);
	azlx_budget_for("Premium_LRS", 1024, -1, -1, &b);
	CHECK(!strcmp(b.tier, "P30") && b.burst_iops == 5000);
	CHECK(b.od_burst_iops == 30000 && b.od_burst_mbps == 1000);
	azlx_budget_for("Premium_LRS", 32767, -1, -1, &b);
	CHECK(!strcmp(b.tier, "P80") && b.iops == 20000 && b.mbps == 900);
	/* larger than any size: unknown, not the last row */
	azlx_budget_for("Premium_LRS", 40000, -1, -1, &b);
	CHECK(!b.known && strstr(b.source, "larger than the largest size"));
	azlx_budget_for("StandardSSD_LRS", 4096, -1, -1, &b);
	CHECK(!strcmp(b.tier, "E50") && b.iops == 500 && b.burst_iops == 500);
	azlx_budget_for("StandardSSD_LRS", 4097, -1, -1, &b);
	CHECK(!strcmp(b.tier, "E60") && b.iops == 2000 && b.mbps == 400);
	azlx_budget_for("StandardSSD_LRS", 1024, -1, -1, &b);
	CHECK(!strcmp(b.tier, "E30") && b.burst_iops == 600 && b.burst_mbps == 150);
	azlx_budget_for("Standard_LRS", 1024, -1, -1, &b);
	CHECK(b.known && !strcmp(b.tier, "S30") && b.iops == 500 && b.iops_unit_kib == 0);
	azlx_budget_for("Standard_LRS", 10000, -1, -1, &b);
	CHECK(!strcmp(b.tier, "S70") && b.iops == 2000 && b.mbps == 500);
	azlx_budget_for("PremiumV2_LRS", 10, 10000, 300, &b);
	CHECK(b.known && b.iops == 10000 && b.mbps == 300 && b.origin.from == AZLX_BSRC_IMDS);
	azlx_budget_for("PremiumV2_LRS", 1000, -1, -1, &b);
	CHECK(!b.known && strstr(b.source, "opsPerSecondThrottle"));
	azlx_budget_for("UltraSSD_LRS", 1024, -1, -1, &b);
	CHECK(!b.known);
	azlx_budget_for("Premium_LRS", -1, -1, -1, &b);
	CHECK(!b.known);
	azlx_budget_for("PremiumV9_LRS", 128, -1, -1, &b);
	CHECK(!b.known && strstr(b.source, "is not in"));
	CHECK(azlx_budget_for_tier("e10", &b) && b.iops == 500 && b.burst_iops == 600);
	CHECK(!azlx_budget_for_tier("P99", &b));
	CHECK_STR(azlx_aks_os_tier(2), "P10");
	CHECK_STR(azlx_aks_os_tier(8), "P15");
	CHECK_STR(azlx_aks_os_tier(16), "P20");
	CHECK_STR(azlx_aks_os_tier(64), "P30");
	v = azlx_vmsize_find("standard_d8s_v3");
	CHECK(v && v->iops == 12800 && v->mbps == 192 && v->burst_iops == -1);
	v = azlx_vmsize_find("Standard_D8s_v5");
	CHECK(v && v->burst_iops == 20000 && v->burst_mbps == 1200);
	/* a size with a row but no published cap: known size, unknown cap */
	v = azlx_vmsize_find("Standard_D8as_v5");
	CHECK(v && v->known && v->vcpus == 8 && v->iops == -1);
	CHECK(!azlx_vmsize_find("Standard_X1"));
}

/* The data file parser: each bad input refused with its line and why. */
static void test_data_parse(void)
{
	static const char hdr[] = "family\ttier\tmax_gib\tiops\tmbps\tburst_iops\tburst_mbps\t"
				  "od_burst_iops\tod_burst_mbps\tunit_kib\tsource\tread\n";
	static const char row[] = "Premium\tP1\t4\t120\t25\t3500\t170\t-\t-\t256\t"
				  "https://learn.microsoft.com/x\t2026-12\n";
	static const struct {
		const char *text, *err;
	} bad[] = {
		{ "", "t.tsv: no header line" },
		{ "# only a comment\n", "t.tsv: no header line" },
		{ "family\ttier\n", "t.tsv:1: expected the header \"family tier max_gib iops mbps "
		  "burst_iops burst_mbps od_burst_iops od_burst_mbps unit_kib source read\"" },
		{ "H", "t.tsv: no rows" },
		{ "H\nPremium\tP1\t4\n", "t.tsv:2: 3 fields, expected 12 (tab-separated)" },
		{ "H\nPremium\tP1\t4\t120\t25\t3500\t170\t-\t-\t256\thttps://x\t2026-12\textra\n",
		  "t.tsv:2: 13 fields, expected 12 (tab-separated)" },
		{ "H\nPremium\tP1\t-4\t120\t25\t-\t-\t-\t-\t256\thttps://x\t2026-12\n",
		  "t.tsv:2: max_gib: \"-4\" is not a number" },
		{ "H\nPremium\tP1\t4\t-\t25\t-\t-\t-\t-\t256\thttps://x\t2026-12\n",
		  "t.tsv:2: iops: \"-\" is not a number" },
		{ "H\nPremium\tP1\t4\t99999999999999999999\t25\t-\t-\t-\t-\t256\thttps://x\t2026-12\n",
		  "t.tsv:2: iops: \"99999999999999999999\" is not a number" },
		{ "H\nPremium\tP1\t4\t0\t25\t-\t-\t-\t-\t256\thttps://x\t2026-12\n",
		  "t.tsv:2: iops: 0 is out of range (1-10000000)" },
		{ "H\nPremium\tP 1\t4\t120\t25\t-\t-\t-\t-\t256\thttps://x\t2026-12\n",
		  "t.tsv:2: tier: \"P 1\" is not a name" },
		{ "H\nPremium\tP1\t4\t120\t25\t-\t-\t-\t-\t256\tlearn.microsoft.com\t2026-12\n",
		  "t.tsv:2: source: \"learn.microsoft.com\" is not an https:// URL" },
		{ "H\nPremium\tP1\t4\t120\t25\t-\t-\t-\t-\t256\thttps://x\t2026-13\n",
		  "t.tsv:2: read: \"2026-13\" is not a date (YYYY-MM-DD or YYYY-MM) or \"unconfirmed\"" },
		{ "H\nPremium\tP1\t4\t120\t\t-\t-\t-\t-\t256\thttps://x\t2026-12\n",
		  "t.tsv:2: column mbps is empty" },
		{ "H\nPremium\tP1\t4\t120\t25\t100\t170\t-\t-\t256\thttps://x\t2026-12\n",
		  "t.tsv:2: a burst below the baseline (120 IOPS, 25 MB/s)" },
		{ "H\nR\n\n# c\nPremium\tp1\t8\t120\t25\t-\t-\t-\t-\t256\thttps://x\t2026-12\n",
		  "t.tsv:5: tier p1 again (line 2)" },
		{ "H\nR\nPremium\tP2\t4\t120\t25\t-\t-\t-\t-\t256\thttps://x\t2026-12\n",
		  "t.tsv:3: max_gib 4: not above P1's 4 (line 2)" },
		{ "H\nR\r\n", "t.tsv:2: carriage return (DOS line ending)" },
	};
	char text[1024], err[512];
	struct azlx_budget b;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		const char *p;
		char *o = text;

		/* H and R stand for a good header and row */
		for (p = bad[i].text; *p; p++) {
			if (*p == 'H' && (p == bad[i].text || p[-1] == '\n') && (p[1] == '\n' || !p[1])) {
				o += sprintf(o, "%.*s", (int)strlen(hdr) - 1, hdr);
			} else if (*p == 'R' && p[-1] == '\n' && (p[1] == '\n' || p[1] == '\r')) {
				o += sprintf(o, "%.*s", (int)strlen(row) - 1, row);
			} else {
				*o++ = *p;
			}
		}
		*o = '\0';
		err[0] = '\0';
		CHECK(azlx_data_parse_disks(text, "t.tsv", err, sizeof(err)) == -EINVAL);
		CHECK_STR(err, bad[i].err);
	}
	/* a good file replaces the table; a bad one leaves it as it was */
	snprintf(text, sizeof(text), "# c\n%s\n%s", hdr, row);
	CHECK(!azlx_data_parse_disks(text, "t.tsv", err, sizeof(err)));
	CHECK(azlx_budget_for_tier("P1", &b) && b.origin.line == 4 && !strcmp(b.origin.file, "t.tsv"));
	CHECK(!azlx_budget_for_tier("P10", &b));
	CHECK(azlx_data_parse_disks("x", "u.tsv", err, sizeof(err)) == -EINVAL);
	CHECK(azlx_budget_for_tier("P1", &b) && !strcmp(b.origin.file, "t.tsv"));
	/* the VM sizes' file */
	CHECK(azlx_data_parse_vms("size\tvcpus\tiops\tmbps\tburst_iops\tburst_mbps\tnic_queues\tsource\tread\n"
				  "Standard_A\t2\t100\t-\t-\t-\t-\thttps://x\t2026-12-05\n",
				  "v.tsv", err, sizeof(err)) == -EINVAL);
	CHECK_STR(err, "v.tsv:2: a cap needs both IOPS and MB/s, or neither");
	azlx_data_reset();
}

/* The request's header nest names the device. */
static void check_header(struct nlattr *hdr_attr, const char *dev)
{
	struct nlattr *hdr[ETHTOOL_A_HEADER_MAX + 1];

	CHECK(hdr_attr);
	CHECK(nla_parse_nested(hdr, ETHTOOL_A_HEADER_MAX, hdr_attr, NULL) == 0);
	CHECK(hdr[ETHTOOL_A_HEADER_DEV_NAME]);
	CHECK_STR(nla_get_string(hdr[ETHTOOL_A_HEADER_DEV_NAME]), dev);
	CHECK(!hdr[ETHTOOL_A_HEADER_FLAGS]);
}

static void test_ethtool_msgs(void)
{
	struct nlattr *tb[ETHTOOL_A_FEATURES_MAX + 16], *bits[ETHTOOL_A_BITSET_MAX + 1];
	struct nlattr *bit[ETHTOOL_A_BITSET_BITS_MAX + 1], *b[ETHTOOL_A_BITSET_BIT_MAX + 1];
	struct genlmsghdr *gh;
	struct nl_msg *msg;
	enum azlx_eth_setting s;
	int on;

	msg = nlmsg_alloc();
	CHECK(msg && !azlx_ethtool_msg_set(msg, 21, "eth0", AZLX_ETH_COMBINED, 16));
	CHECK(nlmsg_hdr(msg)->nlmsg_type == 21);
	gh = nlmsg_data(nlmsg_hdr(msg));
	CHECK(gh->cmd == ETHTOOL_MSG_CHANNELS_SET && gh->version == ETHTOOL_GENL_VERSION);
	CHECK(!genlmsg_parse(nlmsg_hdr(msg), 0, tb, ETHTOOL_A_CHANNELS_MAX, NULL));
	check_header(tb[ETHTOOL_A_CHANNELS_HEADER], "eth0");
	CHECK(nla_get_u32(tb[ETHTOOL_A_CHANNELS_COMBINED_COUNT]) == 16);
	CHECK(!tb[ETHTOOL_A_CHANNELS_RX_COUNT] && !tb[ETHTOOL_A_CHANNELS_TX_COUNT]);
	nlmsg_free(msg);

	msg = nlmsg_alloc();
	CHECK(msg && !azlx_ethtool_msg_set(msg, 21, "veth1", AZLX_ETH_TX_CHANNELS, 2));
	CHECK(!genlmsg_parse(nlmsg_hdr(msg), 0, tb, ETHTOOL_A_CHANNELS_MAX, NULL));
	CHECK(nla_get_u32(tb[ETHTOOL_A_CHANNELS_TX_COUNT]) == 2 && !tb[ETHTOOL_A_CHANNELS_COMBINED_COUNT]);
	nlmsg_free(msg);

	msg = nlmsg_alloc();
	CHECK(msg && !azlx_ethtool_msg_set(msg, 21, "eth1", AZLX_ETH_RX_RING, 2048));
	gh = nlmsg_data(nlmsg_hdr(msg));
	CHECK(gh->cmd == ETHTOOL_MSG_RINGS_SET);
	CHECK(!genlmsg_parse(nlmsg_hdr(msg), 0, tb, ETHTOOL_A_RINGS_MAX, NULL));
	check_header(tb[ETHTOOL_A_RINGS_HEADER], "eth1");
	CHECK(nla_get_u32(tb[ETHTOOL_A_RINGS_RX]) == 2048 && !tb[ETHTOOL_A_RINGS_TX]);
	nlmsg_free(msg);

	/* LRO: a verbose bit set without NOMASK naming rx-lro, VALUE when on */
	for (on = 0; on <= 1; on++) {
		msg = nlmsg_alloc();
		CHECK(msg && !azlx_ethtool_msg_set(msg, 21, "eth0", AZLX_ETH_LRO, on));
		gh = nlmsg_data(nlmsg_hdr(msg));
		CHECK(gh->cmd == ETHTOOL_MSG_FEATURES_SET);
		CHECK(!genlmsg_parse(nlmsg_hdr(msg), 0, tb, ETHTOOL_A_FEATURES_MAX, NULL));
		check_header(tb[ETHTOOL_A_FEATURES_HEADER], "eth0");
		CHECK(tb[ETHTOOL_A_FEATURES_WANTED] && !tb[ETHTOOL_A_FEATURES_HW]);
		CHECK(!nla_parse_nested(bits, ETHTOOL_A_BITSET_MAX, tb[ETHTOOL_A_FEATURES_WANTED], NULL));
		CHECK(!bits[ETHTOOL_A_BITSET_NOMASK] && bits[ETHTOOL_A_BITSET_BITS]);
		CHECK(!nla_parse_nested(bit, ETHTOOL_A_BITSET_BITS_MAX, bits[ETHTOOL_A_BITSET_BITS], NULL));
		CHECK(!nla_parse_nested(b, ETHTOOL_A_BITSET_BIT_MAX, bit[ETHTOOL_A_BITSET_BITS_BIT], NULL));
		CHECK_STR(nla_get_string(b[ETHTOOL_A_BITSET_BIT_NAME]), "rx-lro");
		CHECK(!!b[ETHTOOL_A_BITSET_BIT_VALUE] == on);
		nlmsg_free(msg);
	}

	msg = nlmsg_alloc();
	CHECK(msg && !azlx_ethtool_msg_get(msg, 21, ETHTOOL_MSG_FEATURES_GET, "eth0"));
	gh = nlmsg_data(nlmsg_hdr(msg));
	CHECK(gh->cmd == ETHTOOL_MSG_FEATURES_GET);
	CHECK(!genlmsg_parse(nlmsg_hdr(msg), 0, tb, ETHTOOL_A_FEATURES_MAX, NULL));
	/* no ETHTOOL_FLAG_COMPACT_BITSETS: features come by name */
	check_header(tb[ETHTOOL_A_FEATURES_HEADER], "eth0");
	nlmsg_free(msg);

	CHECK(!azlx_eth_setting_parse("channels combined", &s) && s == AZLX_ETH_COMBINED);
	CHECK(!azlx_eth_setting_parse("features rx-lro", &s) && s == AZLX_ETH_LRO);
	CHECK(azlx_eth_setting_parse("rings mini", &s) == -EINVAL);
}

/* mkfake.sh TYPE into a new directory; returns it (free() it). */
static char *make_tree(const char *type)
{
	const char *mk = getenv("AZLXNET_MKFAKE");
	char *dir, *cmd;

	CHECK(mk);
	dir = strdup("/tmp/azlxnet-unit.XXXXXX");
	CHECK(dir && mkdtemp(dir));
	CHECK(asprintf(&cmd, "%s %s %s/t", mk, type, dir) > 0);
	CHECK(system(cmd) == 0);
	free(cmd);
	CHECK(asprintf(&cmd, "%s/t", dir) > 0);
	free(dir);
	return cmd;
}

static void remove_tree(char *dir)
{
	char *cmd;

	/* the tree is DIR/t in a directory of its own */
	*strrchr(dir, '/') = '\0';
	CHECK(asprintf(&cmd, "rm -rf '%s'", dir) > 0);
	CHECK(system(cmd) == 0);
	free(cmd);
	free(dir);
}

/* A disk that goes away between plan and apply: named, nothing changed. */
static void test_missing_device_between_plan_and_apply(void)
{
	struct azlx_plan_opts po = { 0 };
	struct azlx_state_ctx st;
	struct stderr_capture e;
	struct azlx_tconf c;
	struct azlx_node n;
	struct azlx_plan p;
	char *dir = make_tree("azure-2"), state[512], path[600], cmd[600], buf[64];
	int applied = -1, ret;

	azlx_root_set(dir);
	azlx_tconf_init(&c);
	CHECK(!azlx_detect(&n, &c));
	CHECK(!azlx_plan_build(&n, NULL, &c, &po, &p));
	CHECK(azlx_plan_changes(&p) == 25);

	snprintf(cmd, sizeof(cmd), "rm -rf '%s/sys/class/block/sdb'", dir);
	CHECK(system(cmd) == 0);
	snprintf(state, sizeof(state), "%s/state", dir);
	CHECK(!azlx_state_lock(&st, state, NULL));
	stderr_start(&e);
	ret = azlx_apply(&st, &p, &applied);
	CHECK_STR(stderr_end(&e),
		  "Error: sdb queue/scheduler: /sys/class/block/sdb is gone since the plan was made; nothing was changed\n");
	CHECK(ret == AZLX_EXIT_ERR && applied == 0);
	azlx_state_unlock(&st);

	/* nothing was written: no state, the first items untouched */
	snprintf(path, sizeof(path), "%s/tune.json", state);
	CHECK(access(path, F_OK) && errno == ENOENT);
	CHECK(azlx_fs_read("/sys/class/net/eth0/queues/tx-0/xps_cpus", buf, sizeof(buf)) > 0);
	CHECK_STR(buf, "0");
	CHECK(azlx_fs_read("/ethtool/eth0/features.rx-lro", buf, sizeof(buf)) > 0);
	CHECK_STR(buf, "on");
	CHECK(azlx_fs_read("/proc/sys/net/core/somaxconn", buf, sizeof(buf)) > 0);
	CHECK_STR(buf, "4096");

	azlx_plan_free(&p);
	azlx_node_free(&n);
	azlx_root_set(NULL);
	remove_tree(dir);
}

/* A queue the plan expects after a channel change that never appears. */
static void test_pending_queue_missing_rolls_back(void)
{
	struct azlx_plan_opts po = { 0 };
	struct azlx_state_ctx st;
	struct stderr_capture e;
	struct azlx_tconf c;
	struct azlx_node n;
	struct azlx_plan p;
	char *dir = make_tree("azure-64"), state[512], buf[64];
	const char *msg;
	int applied = -1, ret;

	azlx_root_set(dir);
	azlx_tconf_init(&c);
	CHECK(!azlx_detect(&n, &c));
	CHECK(!azlx_plan_build(&n, NULL, &c, &po, &p));
	/* the device stops following its channels: rx-8 never appears */
	snprintf(state, sizeof(state), "%s/sys/class/net/eth0/queues", dir);
	CHECK(chmod(state, 0555) == 0);
	snprintf(state, sizeof(state), "%s/state", dir);
	CHECK(!azlx_state_lock(&st, state, NULL));
	stderr_start(&e);
	ret = azlx_apply(&st, &p, &applied);
	msg = stderr_end(&e);
	azlx_state_unlock(&st);
	snprintf(buf, sizeof(buf), "%s/sys/class/net/eth0/queues", dir);
	chmod(buf, 0755);
	if (geteuid() == 0) {
		/* root creates the queues anyway: then all of it applies */
		CHECK(ret == 0 && applied > 0);
	} else {
		CHECK(ret == AZLX_EXIT_ERR && applied == 0);
		CHECK(strstr(msg, "Error: eth0 channels combined: "));
		CHECK(strstr(msg, "; nothing was changed") || strstr(msg, "rolled back"));
		CHECK(azlx_fs_read("/ethtool/eth0/channels.combined", buf, sizeof(buf)) > 0);
		CHECK_STR(buf, "8");
	}
	azlx_plan_free(&p);
	azlx_node_free(&n);
	azlx_root_set(NULL);
	remove_tree(dir);
}

/* dm-azlx's table and status lines, as dmsetup prints them */
static void test_pacer_parse(void)
{
	struct azlx_pacer_status st;
	struct azlx_pacer_table t;
	char err[256];

	CHECK(!azlx_pacer_table_parse("8:16 0 500 100", &t, err, sizeof(err)));
	CHECK(t.dev_major == 8 && t.dev_minor == 16 && t.offset == 0);
	CHECK(t.iops == 500 && t.mbps == 100 && !t.burst_iops && !t.burst_mbps);
	CHECK(t.fraction == 95 && t.unit_kb == 256 && t.burst_secs == 1800 &&
	      t.max_wait_ms == 500);
	CHECK_STR(t.critical, "");
	CHECK(!azlx_pacer_table_parse("259:3 2048 500 100 burst_iops=3500 burst_mbps=170 "
				      "burst_secs=60 unit_kb=16 fraction=90 max_wait_ms=100 "
				      "critical=/a critical=/b/c cap=/k/p1:50 cap=/k/p2:7",
				      &t, err, sizeof(err)));
	CHECK(t.dev_major == 259 && t.dev_minor == 3 && t.offset == 2048);
	CHECK(t.burst_iops == 3500 && t.burst_mbps == 170 && t.burst_secs == 60);
	CHECK(t.unit_kb == 16 && t.fraction == 90 && t.max_wait_ms == 100);
	CHECK_STR(t.critical, "/a:/b/c");
	CHECK_STR(t.caps, "/k/p1:50 /k/p2:7");

	CHECK(azlx_pacer_table_parse("8:16 0 500", &t, err, sizeof(err)) == -EINVAL);
	CHECK_STR(err, "table: missing <mbps>");
	CHECK(azlx_pacer_table_parse("sdb 0 500 100", &t, err, sizeof(err)) == -EINVAL);
	CHECK_STR(err, "table: dev: not MAJOR:MINOR: 'sdb'");
	/* keys of the module's own or a newer module's: kept, not an error */
	CHECK(!azlx_pacer_table_parse("8:16 0 500 100 inflight_ms=20 max_held=8 color=red",
				      &t, err, sizeof(err)));
	CHECK(t.inflight_ms == 20);
	CHECK_STR(t.other, "max_held=8 color=red");
	CHECK(azlx_pacer_table_parse("8:16 0 500 100 =red", &t, err, sizeof(err)) == -EINVAL);
	CHECK_STR(err, "table: not key=value: '=red'");
	CHECK(azlx_pacer_table_parse("8:16 0 -5 100", &t, err, sizeof(err)) == -EINVAL);
	CHECK(azlx_pacer_table_parse("8:16 0 500 100 fraction=x", &t, err, sizeof(err)) ==
	      -EINVAL);
	CHECK_STR(err, "table: fraction: 'x'");

	CHECK(!azlx_pacer_status_parse("tokens=1/-19000000 credit=0/0 queued=0/0/12/3 "
				       "dispatched=96/0/617/64 delayed=96/0/614/64 "
				       "promoted=0/0/0/62 max_wait_us=11102/0/241366/343772 "
				       "capped=2/9 flushes=49 units=777 bytes=3182592 "
				       "state=pacing inflight=3/10 future=1",
				       &st, err, sizeof(err)));
	CHECK(st.tokens_ios == 1 && st.tokens_bytes == -19000000);
	CHECK(st.queued[2] == 12 && st.queued[3] == 3 && st.dispatched[1] == 0);
	CHECK(st.dispatched[2] == 617 && st.delayed[3] == 64 && st.promoted[3] == 62);
	CHECK(st.max_wait_us[3] == 343772 && st.capped_now == 2 && st.capped_total == 9);
	CHECK(st.flushes == 49 && st.units == 777 && st.bytes == 3182592);
	CHECK_STR(st.state, "pacing");
	CHECK(st.inflight == 3 && st.inflight_max == 10);
	CHECK(azlx_pacer_status_parse("tokens=1/2 queued=0/0/0 dispatched=0/0/0/0 units=1",
				      &st, err, sizeof(err)) == -EINVAL);
	CHECK_STR(err, "status: queued: '0/0/0'");
	CHECK(azlx_pacer_status_parse("queued=0/0/0/0/0", &st, err, sizeof(err)) == -EINVAL);
	CHECK(azlx_pacer_status_parse("tokens=1/2", &st, err, sizeof(err)) == -EINVAL);
	CHECK_STR(err, "status: not an azlx status line");
	CHECK(azlx_pacer_status_parse("0 100 linear", &st, err, sizeof(err)) == -EINVAL);
	CHECK(!azlx_pacer_status_parse("tokens=1/2 queued=0/0/0/0 dispatched=0/0/0/0 units=1",
				       &st, err, sizeof(err)));
	CHECK(st.inflight == -1 && st.inflight_max == -1);	/* a 1.0 target */
	CHECK(azlx_pacer_status_parse("tokens=1/2 queued=0/0/0/0 dispatched=0/0/0/0 units=1 "
				      "inflight=3", &st, err, sizeof(err)) == -EINVAL);
	CHECK(azlx_pacer_status_parse("tokens=1/2 queued=0/0/0/0 dispatched=0/0/0/x units=1",
				      &st, err, sizeof(err)) == -EINVAL);
	/* older targets: no closed loop, absent and not zero */
	CHECK(!azlx_pacer_status_parse("tokens=1/2 credit=3/4 queued=0/0/0/0 dispatched=0/0/0/0 "
				       "units=1 inflight=0/38", &st, err, sizeof(err)));
	CHECK(!st.has_adapt && !st.window_pct && !st.timed);
	/* dm-azlx 1.3: the five closed-loop fields at the end */
	CHECK(!azlx_pacer_status_parse("tokens=1/2 credit=3/4 queued=0/0/0/0 dispatched=0/0/0/0 "
				       "units=1 inflight=0/38 fast=0 inflight_bytes=0/1 "
				       "window_pct=25 timed=18446744073709551615 slow=2 shrinks=3 "
				       "grows=1", &st, err, sizeof(err)));
	CHECK(st.has_adapt && st.window_pct == 25 && st.timed == UINT64_MAX && st.slow == 2 &&
	      st.shrinks == 3 && st.grows == 1);
	CHECK(!azlx_pacer_status_parse("tokens=1/2 queued=0/0/0/0 dispatched=0/0/0/0 units=1 "
				       "window_pct=100 timed=0 slow=0 shrinks=0 grows=0",
				       &st, err, sizeof(err)));
	CHECK(st.has_adapt && st.window_pct == 100 && !st.timed);
	/* the window is 1..100 percent; the counters come together */
	CHECK(azlx_pacer_status_parse("tokens=1/2 queued=0/0/0/0 dispatched=0/0/0/0 units=1 "
				      "window_pct=0 timed=0 slow=0 shrinks=0 grows=0",
				      &st, err, sizeof(err)) == -EINVAL);
	CHECK_STR(err, "status: window_pct: '0'");
	CHECK(azlx_pacer_status_parse("tokens=1/2 queued=0/0/0/0 dispatched=0/0/0/0 units=1 "
				      "window_pct=101 timed=0 slow=0 shrinks=0 grows=0",
				      &st, err, sizeof(err)) == -EINVAL);
	CHECK(azlx_pacer_status_parse("tokens=1/2 queued=0/0/0/0 dispatched=0/0/0/0 units=1 "
				      "window_pct=50 timed=-1 slow=0 shrinks=0 grows=0",
				      &st, err, sizeof(err)) == -EINVAL);
	CHECK_STR(err, "status: timed: '-1'");
	CHECK(azlx_pacer_status_parse("tokens=1/2 queued=0/0/0/0 dispatched=0/0/0/0 units=1 "
				      "window_pct=50 timed=1 slow=0 shrinks=0",
				      &st, err, sizeof(err)) == -EINVAL);
	CHECK_STR(err, "status: some of window_pct, timed, slow, shrinks, grows missing");
	CHECK(!st.has_adapt);
}

/* A table line read and written back is the line the target printed. */
static void test_pacer_table_roundtrip(void)
{
	static const char *const lines[] = {
		"8:16 0 500 100",
		"8:16 0 500 100 lat_target_us=2000",
		"259:3 2048 500 100 burst_iops=3500 burst_mbps=170 burst_secs=60 credit_pct=42 "
		"unit_kb=16 fraction=90 max_wait_ms=100 inflight_ms=20 max_held=8 "
		"max_held_cgroup=4 lat_target_us=10000000 critical=/a critical=/b/c "
		"cap=/k/p1:50 cap=/k/p2:7",
		"8:16 0 500 100 burst_iops=3500 burst_mbps=100 credit_pct=100 critical=/system.slice",
	};
	struct azlx_pacer_table t;
	char err[256], buf[2048];
	size_t i;

	for (i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		CHECK(!azlx_pacer_table_parse(lines[i], &t, err, sizeof(err)));
		azlx_pacer_table_format(&t, buf, sizeof(buf));
		CHECK_STR(buf, lines[i]);
	}
	CHECK(!azlx_pacer_table_parse(lines[2], &t, err, sizeof(err)));
	CHECK(t.credit_pct == 42 && t.lat_target_us == 10000000 && t.inflight_ms == 20);
	CHECK_STR(t.other, "max_held=8 max_held_cgroup=4");
	CHECK(!azlx_pacer_table_parse(lines[0], &t, err, sizeof(err)));
	CHECK(!t.credit_pct && !t.lat_target_us);
	CHECK(azlx_pacer_table_parse("8:16 0 500 100 lat_target_us=-1", &t, err, sizeof(err)) ==
	      -EINVAL);
	CHECK_STR(err, "table: lat_target_us: '-1'");
}

/* The burst credit's state file: written, read back, refilled, or ignored. */
static void test_credit_file(void)
{
	/* P10: 3000 units a second above the baseline for 1800 s, 70 MB/s */
	struct azlx_credit_budget b = { 500, 100, 3500, 170, 1800 }, other = b;
	struct azlx_credit c = { .budget = b, .pct = 20, .time = 1000000, .disk = "sdc",
				 .mapping = "azlx-sdc" }, r;
	char *dir = make_tree("azure-64"), path[600], why[1024], id[192], text[1024];
	struct stat sb;
	long pct = -1;
	FILE *f;

	/* percent of a full credit: the smaller dimension's, rounded down */
	CHECK(azlx_credit_pct_of(&b, 5400000, 126000000000LL) == 100);
	CHECK(azlx_credit_pct_of(&b, 2700000, 126000000000LL) == 50);
	CHECK(azlx_credit_pct_of(&b, 5400000, 12600000000LL) == 10);
	CHECK(azlx_credit_pct_of(&b, 53999, 126000000000LL) == 0);
	CHECK(azlx_credit_pct_of(&b, -5, -5) == 0);
	CHECK(azlx_credit_pct_of(&b, 9000000, 999000000000LL) == 100);
	other.burst_mbps = 100;		/* MB/s does not burst: IOPS alone */
	CHECK(azlx_credit_pct_of(&other, 2700000, 0) == 50);
	other.burst_iops = 0;
	other.burst_mbps = 0;
	CHECK(azlx_credit_pct_of(&other, 2700000, 0) == -1);

	/* refilled at the baseline: 500 units/s fill 5.4M in 10800 s; MB/s in 1260 s */
	CHECK(azlx_credit_refill(&b, 20, 0) == 20);
	CHECK(azlx_credit_refill(&b, 20, 5400) == 70);
	CHECK(azlx_credit_refill(&b, 20, 5399) == 69);
	CHECK(azlx_credit_refill(&b, 90, 5400) == 100);
	CHECK(azlx_credit_refill(&b, 0, 10LL * 365 * 86400 * 1000) == 100);
	CHECK(azlx_credit_refill(&b, 20, -5) == 20);

	CHECK(azlx_credit_format(&c, text, sizeof(text)) > 0);
	CHECK(strstr(text, "\nbudget=500,100,3500,170\nburst_secs=1800\ncredit_pct=20\n"
			   "time=1000000\n"));

	azlx_root_set(dir);
	/* no WWID: the kernel name; a WWID made a file name, a partition's number */
	azlx_credit_id("nvme0n3", "nvme0n3", id, sizeof(id));
	CHECK_STR(id, "nvme0n3");
	snprintf(path, sizeof(path), "%s/sys/class/block/nvme0n3/wwid", dir);
	f = fopen(path, "w");
	CHECK(f && fputs("t10.MSFT    Virtual Disk/../x:\n", f) >= 0 && !fclose(f));
	azlx_credit_id("nvme0n3", "nvme0n3", id, sizeof(id));
	CHECK_STR(id, "t10.MSFT_Virtual_Disk_.._x");
	snprintf(path, sizeof(path), "%s/sys/class/block/nvme0n3/wwid", dir);
	f = fopen(path, "w");
	CHECK(f && fputs("..//\n", f) >= 0 && !fclose(f));
	azlx_credit_id("nvme0n3", "nvme0n3", id, sizeof(id));
	CHECK_STR(id, "nvme0n3");

	/* no file */
	CHECK(azlx_credit_load("sdc", &b, 1000000, &r, &pct, why, sizeof(why)) == -ENOENT);
	/* written (the directory made), 0644, read back and refilled */
	CHECK(!azlx_credit_save("sdc", &c, why, sizeof(why)));
	snprintf(path, sizeof(path), "%s/var/lib/azlxnet/disk/sdc.credit", dir);
	CHECK(!stat(path, &sb) && (sb.st_mode & 07777) == 0644);
	snprintf(path, sizeof(path), "%s/var/lib/azlxnet/disk/sdc.credit.tmp", dir);
	CHECK(stat(path, &sb) && errno == ENOENT);
	CHECK(!azlx_credit_load("sdc", &b, 1000000, &r, &pct, why, sizeof(why)));
	CHECK(pct == 20 && r.pct == 20 && r.time == 1000000);
	CHECK_STR(r.disk, "sdc");
	CHECK_STR(r.mapping, "azlx-sdc");
	CHECK(!azlx_credit_load("sdc", &b, 1005400, &r, &pct, why, sizeof(why)) && pct == 70);
	/* capped at 100 */
	c.pct = 90;
	CHECK(!azlx_credit_save("sdc", &c, why, sizeof(why)));
	CHECK(!azlx_credit_load("sdc", &b, 1005400, &r, &pct, why, sizeof(why)) && pct == 100);
	/* another budget */
	other = b;
	other.burst_iops = 3000;
	pct = -1;
	CHECK(azlx_credit_load("sdc", &other, 1005400, &r, &pct, why, sizeof(why)) == -ESTALE);
	CHECK(pct == -1);
	CHECK(strstr(why, "sdc.credit: for another budget (500,100,3500,170 over 1800 s, "
			  "not 500,100,3000,170 over 1800 s)"));
	other = b;
	other.burst_secs = 60;
	CHECK(azlx_credit_load("sdc", &other, 1005400, &r, &pct, why, sizeof(why)) == -ESTALE);
	/* from the future */
	CHECK(azlx_credit_load("sdc", &b, 999999, &r, &pct, why, sizeof(why)) == -ERANGE);
	CHECK(strstr(why, "sdc.credit: written 1 s in the future"));
	CHECK(pct == -1);

	/* malformed */
	snprintf(path, sizeof(path), "%s/var/lib/azlxnet/disk/sdc.credit", dir);
	{
		static const char *const bad[][2] = {
			{ "", "no version" },
			{ "garbage", "line 1: not KEY=VALUE" },
			{ "version=2\n", "line 1: version: \"2\"" },
			{ "version=1\nbudget=500,100,3500\nburst_secs=1800\ncredit_pct=1\ntime=5\n",
			  "line 2: budget: \"500,100,3500\"" },
			{ "version=1\nbudget=500,100,3500,170,1\nburst_secs=1800\ncredit_pct=1\n"
			  "time=5\n", "line 2: budget: \"500,100,3500,170,1\"" },
			{ "version=1\nbudget=500,100,3500,170\nburst_secs=1800\ncredit_pct=101\n"
			  "time=5\n", "line 4: credit_pct: \"101\"" },
			{ "version=1\nbudget=500,100,3500,170\nburst_secs=1800\ncredit_pct=-1\n"
			  "time=5\n", "line 4: credit_pct: \"-1\"" },
			{ "version=1\nbudget=500,100,3500,170\nburst_secs=1800\ncredit_pct=+1\n"
			  "time=5\n", "line 4: credit_pct: \"+1\"" },
			{ "version=1\nbudget=500,100,3500,170\nburst_secs=1800\ncredit_pct=1\n",
			  "no time" },
			{ "version=1\nbudget=500,100,3500,170\nburst_secs=1800\ncredit_pct=1\n"
			  "time=5x\n", "line 5: time: \"5x\"" },
		};
		size_t i;

		for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
			f = fopen(path, "w");
			CHECK(f && fputs(bad[i][0], f) >= 0 && !fclose(f));
			pct = -1;
			CHECK(azlx_credit_load("sdc", &b, 1005400, &r, &pct, why, sizeof(why)) ==
			      -EINVAL);
			CHECK(pct == -1);
			CHECK(strstr(why, bad[i][1]));
		}
		f = fopen(path, "w");
		CHECK(f && fwrite("version=1\0", 1, 10, f) == 10 && !fclose(f));
		CHECK(azlx_credit_load("sdc", &b, 1005400, &r, &pct, why, sizeof(why)) == -EINVAL);
		CHECK(strstr(why, "not a text file"));
	}
	/* comments and keys of a later version pass */
	f = fopen(path, "w");
	CHECK(f && fputs("# x\nversion=1\nbudget=500,100,3500,170\nburst_secs=1800\n"
			 "credit_pct=5\ntime=1000000\nfuture=1\n", f) >= 0 && !fclose(f));
	CHECK(!azlx_credit_load("sdc", &b, 1000000, &r, &pct, why, sizeof(why)) && pct == 5);
	azlx_root_set(NULL);
	remove_tree(dir);
}

static const struct azlx_test tests[] = {
	{ "cpumask_format",				test_cpumask_format },
	{ "cpumask_parse",				test_cpumask_parse },
	{ "cpulist",					test_cpulist },
	{ "vf_irq_queue",				test_vf_irq_queue },
	{ "value_equal",				test_value_equal },
	{ "conf_good",					test_conf_good },
	{ "conf_errors",				test_conf_errors },
	{ "imds_parse",					test_imds_parse },
	{ "imds_errors",				test_imds_errors },
	{ "imds_fetch_retry_after_429",			test_imds_fetch_retry_after_429 },
	{ "imds_fetch_errors",				test_imds_fetch_errors },
	{ "budget_tables",				test_budget_tables },
	{ "data_parse",					test_data_parse },
	{ "ethtool_msgs",				test_ethtool_msgs },
	{ "missing_device_between_plan_and_apply",	test_missing_device_between_plan_and_apply },
	{ "pending_queue_missing_rolls_back",		test_pending_queue_missing_rolls_back },
	{ "pacer_parse",				test_pacer_parse },
	{ "pacer_table_roundtrip",			test_pacer_table_roundtrip },
	{ "credit_file",				test_credit_file },
};

/* tap.h's declaration: this binary has no NIC tests */
const struct azlx_test azlx_nic_tests[] = { { NULL, NULL } };
const size_t azlx_nic_ntests;

int main(void)
{
	return azlx_tap_run(tests, sizeof(tests) / sizeof(tests[0]));
}
