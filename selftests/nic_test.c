// SPDX-License-Identifier: GPL-2.0-only
/*
 * Helpers for the NIC model selftests:
 *
 *   nic_test tx IFINDEX
 *       print what bpf_azlxnet_tx_ifindex(IFINDEX) returns, from a tc
 *       program run with BPF_PROG_TEST_RUN in this network namespace
 *   nic_test tx-after IFINDEX CMD [ARG...]
 *       load the probe, run CMD (it must exit with status 0), then at once
 *       print what bpf_azlxnet_tx_ifindex(IFINDEX) returns, then (a
 *       nic-get right after, in the same process) the vf-state the NIC
 *       model holds for IFINDEX: "KFUNC absent|down|up"
 *   nic_test tx-loop SECONDS IFINDEX ALLOWED...
 *       call it for SECONDS; fail on any answer not in ALLOWED
 *   nic_test dump-loop SECONDS
 *       dump nic-get for SECONDS; fail on any error
 *   (SIGTERM ends either loop early, as if SECONDS had passed: it prints
 *   its counts and exits 0)
 *   nic_test events CMD [ARG...]
 *       join the "events" group, run CMD and, once it has exited (with
 *       status 0), print the events already queued on the socket, one
 *       "EVENT IFINDEX" line each, without waiting for more: the module
 *       sends them from the notifier of the change, within the command
 */
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
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

/* Run @argv to completion; fail unless it exits with status 0. */
static void run_cmd(char **argv)
{
	int status;
	pid_t pid;

	fflush(stdout);
	pid = fork();
	CHECK(pid >= 0, "fork: %s", strerror(errno));
	if (!pid) {
		execvp(argv[0], argv);
		fprintf(stderr, "%s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	CHECK(waitpid(pid, &status, 0) == pid, "waitpid: %s", strerror(errno));
	CHECK(WIFEXITED(status) && !WEXITSTATUS(status), "%s failed (status 0x%x)", argv[0],
	      status);
}

/* The NIC model's vf-state of @ifindex, from nic-get. */
static const char *model_state(int fd, int family, unsigned int ifindex)
{
	static const char *const names[] = {
		[AZLXNET_VF_STATE_ABSENT] = "absent",
		[AZLXNET_VF_STATE_DOWN] = "down",
		[AZLXNET_VF_STATE_UP] = "up",
	};
	const struct nlattr *a;
	struct nlt_reply r;
	struct nlt_msg m;
	uint32_t v;

	nlt_genl_start(&m, family, AZLXNET_CMD_NIC_GET, AZLXNET_FAMILY_VERSION);
	nlt_put(&m, AZLXNET_A_NIC_IFINDEX, &ifindex, sizeof(ifindex));
	CHECK(!nlt_txrx(fd, &m, &r), "nic-get %u: %s (%s)", ifindex, strerror(-r.err),
	      r.extack);
	a = nlt_attr(&r, AZLXNET_A_NIC_VF_STATE);
	CHECK(a && a->nla_len == NLA_HDRLEN + sizeof(v), "vf-state missing or not u32");
	memcpy(&v, (const char *)a + NLA_HDRLEN, sizeof(v));
	CHECK(v < sizeof(names) / sizeof(names[0]), "vf-state %u unknown", v);
	return names[v];
}

static int cmd_tx_after(int argc, char **argv)
{
	unsigned int ifindex;
	struct kfunc_probe *skel;
	int r, fd, family;

	CHECK(argc >= 2, "usage: tx-after IFINDEX CMD [ARG...]");
	ifindex = strtoul(argv[0], NULL, 0);
	fd = nlt_open();
	family = nlt_family_id(fd, AZLXNET_FAMILY_NAME);
	CHECK(family > 0, "family does not resolve");
	skel = tx_open();
	run_cmd(argv + 1);
	r = tx_run(skel, ifindex);
	printf("%d %s\n", r, model_state(fd, family, ifindex));
	close(fd);
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
	ksft_stop_on_sigterm();
	skel = tx_open();
	ksft_ready();
	while (now_s() < end && !ksft_stopped()) {
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
	ksft_stop_on_sigterm();
	ksft_ready();
	while (now_s() < end && !ksft_stopped()) {
		nlt_genl_start(&m, family, AZLXNET_CMD_NIC_GET, AZLXNET_FAMILY_VERSION);
		m.nlh.nlmsg_flags |= NLM_F_DUMP;
		CHECK(!nlt_txrx(fd, &m, &r), "nic-get dump: %s (%s)", strerror(-r.err),
		      r.extack);
		dumps++;
	}
	printf("dump-loop: %lu dumps\n", dumps);
	return KSFT_PASS;
}

static const char *event_name(unsigned int cmd)
{
	switch (cmd) {
	case AZLXNET_CMD_VF_JOIN:
		return "vf-join";
	case AZLXNET_CMD_VF_LEAVE:
		return "vf-leave";
	case AZLXNET_CMD_VF_UP:
		return "vf-up";
	case AZLXNET_CMD_VF_DOWN:
		return "vf-down";
	case AZLXNET_CMD_NIC_NEW:
		return "nic-new";
	case AZLXNET_CMD_NIC_DEL:
		return "nic-del";
	}
	return NULL;
}

static void event_print(const struct nlmsghdr *nlh)
{
	const struct genlmsghdr *g = NLMSG_DATA(nlh);
	size_t off = NLMSG_HDRLEN + GENL_HDRLEN;
	const char *name = event_name(g->cmd);
	const struct nlattr *a;
	long ifindex = -1;

	CHECK(name, "unknown command %u on the events group", g->cmd);
	while (off + NLA_HDRLEN <= nlh->nlmsg_len) {
		a = (const struct nlattr *)((const uint8_t *)nlh + off);
		if (a->nla_len < NLA_HDRLEN || off + a->nla_len > nlh->nlmsg_len)
			break;
		if ((a->nla_type & NLA_TYPE_MASK) == AZLXNET_A_NIC_IFINDEX &&
		    a->nla_len == NLA_HDRLEN + 4)
			ifindex = *(const uint32_t *)((const uint8_t *)a + NLA_HDRLEN);
		off += NLA_ALIGN(a->nla_len);
	}
	printf("%s %ld\n", name, ifindex);
}

static int cmd_events(int argc, char **argv)
{
	uint8_t buf[32768];
	int fd, family, grp, status;
	struct nlmsghdr *nlh;
	size_t left;
	ssize_t n;
	pid_t pid;

	CHECK(argc >= 1, "usage: events CMD [ARG...]");
	fd = nlt_open();
	family = nlt_family_id(fd, AZLXNET_FAMILY_NAME);
	CHECK(family > 0, "family does not resolve");
	grp = nlt_mcgrp_id(fd, AZLXNET_FAMILY_NAME, AZLXNET_MCGRP_EVENTS);
	CHECK(grp > 0, "no \"%s\" group: %s", AZLXNET_MCGRP_EVENTS, strerror(-grp));
	CHECK(!setsockopt(fd, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, &grp, sizeof(grp)),
	      "joining the events group: %s", strerror(errno));

	fflush(stdout);
	pid = fork();
	CHECK(pid >= 0, "fork: %s", strerror(errno));
	if (!pid) {
		execvp(argv[0], argv);
		fprintf(stderr, "%s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	CHECK(waitpid(pid, &status, 0) == pid, "waitpid: %s", strerror(errno));
	CHECK(WIFEXITED(status) && !WEXITSTATUS(status), "%s failed (status 0x%x)", argv[0],
	      status);

	/* Only what is queued now: no waiting, so a late event is missing. */
	for (;;) {
		n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		CHECK(n > 0, "recv: %s", n < 0 ? strerror(errno) : "EOF");
		left = (size_t)n;
		for (nlh = (struct nlmsghdr *)buf; NLMSG_OK(nlh, left);
		     nlh = NLMSG_NEXT(nlh, left))
			if (nlh->nlmsg_type == family)
				event_print(nlh);
	}
	close(fd);
	return KSFT_PASS;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc >= 2 && !strcmp(argv[1], "tx"))
		return cmd_tx(argc - 2, argv + 2);
	if (argc >= 2 && !strcmp(argv[1], "tx-after"))
		return cmd_tx_after(argc - 2, argv + 2);
	if (argc >= 2 && !strcmp(argv[1], "tx-loop"))
		return cmd_tx_loop(argc - 2, argv + 2);
	if (argc >= 2 && !strcmp(argv[1], "dump-loop"))
		return cmd_dump_loop(argc - 2, argv + 2);
	if (argc >= 2 && !strcmp(argv[1], "events"))
		return cmd_events(argc - 2, argv + 2);
	fprintf(stderr, "usage: %s tx|tx-after|tx-loop|dump-loop|events ...\n", argv[0]);
	return KSFT_FAIL;
}
