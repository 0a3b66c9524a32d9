// SPDX-License-Identifier: GPL-2.0-only
/*
 * Helpers for the NIC model selftests:
 *
 *   nic_test tx IFINDEX
 *       print what bpf_azlxnet_tx_ifindex(IFINDEX) returns, from a tc
 *       program run with BPF_PROG_TEST_RUN in this network namespace
 *   nic_test tx-loop SECONDS IFINDEX ALLOWED...
 *       call it for SECONDS; fail on any answer not in ALLOWED
 *   nic_test dump-loop SECONDS
 *       dump nic-get for SECONDS; fail on any error
 */
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/azlxnet.h>

#include "kfunc_probe.skel.h"
#include "ksft.h"
#include "nlmsg.h"

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int tx_run(struct kfunc_probe *skel, unsigned int ifindex)
{
	unsigned char pkt[64] = {};
	LIBBPF_OPTS(bpf_test_run_opts, opts,
		.data_in = pkt,
		.data_size_in = sizeof(pkt),
		.repeat = 1,
	);

	skel->bss->tx_probe_ifindex = ifindex;
	CHECK(!bpf_prog_test_run_opts(bpf_program__fd(skel->progs.azlxnet_tx_probe),
				      &opts), "BPF_PROG_TEST_RUN: %s", strerror(errno));
	return (int)opts.retval;
}

static struct kfunc_probe *tx_open(void)
{
	struct kfunc_probe *skel = kfunc_probe__open_and_load();

	CHECK(skel, "loading the kfunc probes: %s", strerror(errno));
	return skel;
}

static int cmd_tx(int argc, char **argv)
{
	struct kfunc_probe *skel;

	CHECK(argc == 1, "usage: tx IFINDEX");
	skel = tx_open();
	printf("%d\n", tx_run(skel, strtoul(argv[0], NULL, 0)));
	kfunc_probe__destroy(skel);
	return KSFT_PASS;
}

static int cmd_tx_loop(int argc, char **argv)
{
	unsigned long calls = 0, hits[8] = {};
	struct kfunc_probe *skel;
	double end;
	int i, r;

	CHECK(argc >= 3 && argc <= 10, "usage: tx-loop SECONDS IFINDEX ALLOWED...");
	end = now_s() + atof(argv[0]);
	skel = tx_open();
	while (now_s() < end) {
		r = tx_run(skel, strtoul(argv[1], NULL, 0));
		for (i = 2; i < argc; i++)
			if (r == atoi(argv[i]))
				break;
		CHECK(i < argc, "kfunc returned %d, not one of the allowed answers", r);
		hits[i - 2]++;
		calls++;
	}
	kfunc_probe__destroy(skel);
	printf("tx-loop: %lu calls", calls);
	for (i = 2; i < argc; i++)
		printf(", %s: %lu", argv[i], hits[i - 2]);
	printf("\n");
	return KSFT_PASS;
}

static int cmd_dump_loop(int argc, char **argv)
{
	unsigned long dumps = 0;
	struct nlt_reply r;
	struct nlt_msg m;
	int fd, family;
	double end;

	CHECK(argc == 1, "usage: dump-loop SECONDS");
	end = now_s() + atof(argv[0]);
	fd = nlt_open();
	family = nlt_family_id(fd, AZLXNET_FAMILY_NAME);
	CHECK(family > 0, "family does not resolve");
	while (now_s() < end) {
		nlt_genl_start(&m, family, AZLXNET_CMD_NIC_GET, AZLXNET_FAMILY_VERSION);
		m.nlh.nlmsg_flags |= NLM_F_DUMP;
		CHECK(!nlt_txrx(fd, &m, &r), "nic-get dump: %s (%s)", strerror(-r.err),
		      r.extack);
		dumps++;
	}
	printf("dump-loop: %lu dumps\n", dumps);
	return KSFT_PASS;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc >= 2 && !strcmp(argv[1], "tx"))
		return cmd_tx(argc - 2, argv + 2);
	if (argc >= 2 && !strcmp(argv[1], "tx-loop"))
		return cmd_tx_loop(argc - 2, argv + 2);
	if (argc >= 2 && !strcmp(argv[1], "dump-loop"))
		return cmd_dump_loop(argc - 2, argv + 2);
	fprintf(stderr, "usage: %s tx|tx-loop|dump-loop ...\n", argv[0]);
	return KSFT_FAIL;
}
