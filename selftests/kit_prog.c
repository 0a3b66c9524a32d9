// SPDX-License-Identifier: GPL-2.0-only
/*
 * Programs in azlxkit pairs, over the generic netlink family:
 *
 *   kit_prog attach IFINDEX END VERDICT [EXPECTED-ID]
 *       load a SCHED_CLS program that returns VERDICT (ok, shot, unspec,
 *       redirect; "socket" loads a socket filter instead) and attach it to
 *       END (0 primary, 1 peer) of the pair whose primary is IFINDEX;
 *       prints "id N" (the program's ID)
 *   kit_prog attach-fd IFINDEX END FD     attach what FD is (EBADF tests)
 *   kit_prog detach IFINDEX END [EXPECTED-ID]
 *   kit_prog get IFINDEX END              prints "id N" (0: none)
 *   kit_prog redirect IFINDEX END TARGET [FLAGS]
 *       attach kit_redirect.bpf.c's kit_redirect with that target (0:
 *       the FIB's answer) and flags; prints "id N"
 *   kit_prog sk-seen DEV PIN
 *       attach kit_redirect.bpf.c's sk_seen to DEV's tc egress (clsact),
 *       its counters pinned at PIN
 *   kit_prog sk-read PIN                  prints "with_sk N without_sk M"
 *   kit_prog pin VERDICT PATH             load as "attach" does, pin at PATH
 *   kit_prog test-run TARGET
 *       run kit_redirect with TARGET once with BPF_PROG_TEST_RUN, outside
 *       any azlxkit end; prints "retval N"
 *   kit_prog stats DEV
 *       DEV's ethtool statistics (SIOCETHTOOL), "NAME VALUE" a line
 *
 * A request the module refuses prints "error -ERRNO: EXTACK" and exits 1.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/azlxnet.h>
#include <linux/bpf.h>
#include <linux/ethtool.h>
#include <linux/pkt_cls.h>
#include <linux/sockios.h>

#include "kit_redirect.skel.h"
#include "ksft.h"
#include "nlmsg.h"

static int load(const char *verdict)
{
	enum bpf_prog_type type = BPF_PROG_TYPE_SCHED_CLS;
	struct bpf_insn insns[2] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	int fd;

	if (!strcmp(verdict, "ok"))
		insns[0].imm = TC_ACT_OK;
	else if (!strcmp(verdict, "shot"))
		insns[0].imm = TC_ACT_SHOT;
	else if (!strcmp(verdict, "unspec"))
		insns[0].imm = TC_ACT_UNSPEC;
	else if (!strcmp(verdict, "redirect"))
		insns[0].imm = TC_ACT_REDIRECT;
	else if (!strcmp(verdict, "socket"))
		type = BPF_PROG_TYPE_SOCKET_FILTER;
	else
		ksft_fail("unknown verdict %s", verdict);
	fd = bpf_prog_load(type, "kit_prog", "GPL", insns, 2, NULL);
	CHECK(fd >= 0, "loading the program: %s", strerror(errno));
	return fd;
}

static unsigned int prog_id(int fd)
{
	struct bpf_prog_info info = { 0 };
	__u32 len = sizeof(info);

	CHECK(!bpf_obj_get_info_by_fd(fd, &info, &len), "prog info: %s", strerror(errno));
	return info.id;
}

static struct kit_redirect *open_skel(void)
{
	struct kit_redirect *skel = kit_redirect__open();

	CHECK(skel, "opening kit_redirect: %s", strerror(errno));
	return skel;
}

/* the kit_redirect program with @target and @flags, loaded */
static int load_redirect(const char *target, const char *flags)
{
	struct kit_redirect *skel = open_skel();
	int err, fd;

	skel->bss->target = strtoul(target, NULL, 0);
	skel->bss->flags = flags ? strtoull(flags, NULL, 0) : 0;
	bpf_program__set_autoload(skel->progs.sk_seen, false);
	err = kit_redirect__load(skel);
	CHECK(!err, "loading kit_redirect: %s", strerror(-err));
	fd = dup(bpf_program__fd(skel->progs.kit_redirect));
	CHECK(fd >= 0, "dup: %s", strerror(errno));
	kit_redirect__destroy(skel);
	return fd;
}

static int sk_seen(const char *dev, const char *pin)
{
	struct kit_redirect *skel = open_skel();
	int err;
	LIBBPF_OPTS(bpf_tc_hook, hook, .attach_point = BPF_TC_EGRESS);
	LIBBPF_OPTS(bpf_tc_opts, opts);

	hook.ifindex = if_nametoindex(dev);
	CHECK(hook.ifindex, "no device %s", dev);
	bpf_program__set_autoload(skel->progs.kit_redirect, false);
	err = kit_redirect__load(skel);
	CHECK(!err, "loading sk_seen: %s", strerror(-err));
	err = bpf_tc_hook_create(&hook);
	CHECK(!err || err == -EEXIST, "clsact on %s: %s", dev, strerror(-err));
	opts.prog_fd = bpf_program__fd(skel->progs.sk_seen);
	err = bpf_tc_attach(&hook, &opts);
	CHECK(!err, "attaching sk_seen to %s: %s", dev, strerror(-err));
	err = bpf_map__pin(skel->maps.bss, pin);
	CHECK(!err, "pinning at %s: %s", pin, strerror(-err));
	kit_redirect__destroy(skel);
	return KSFT_PASS;
}

static int sk_read(const char *pin)
{
	struct kit_redirect__bss bss;
	__u32 key = 0;
	int fd = bpf_obj_get(pin);

	CHECK(fd >= 0, "%s: %s", pin, strerror(errno));
	CHECK(!bpf_map_lookup_elem(fd, &key, &bss), "reading %s: %s", pin, strerror(errno));
	printf("with_sk %llu without_sk %llu\n", (unsigned long long)bss.with_sk,
	       (unsigned long long)bss.without_sk);
	return KSFT_PASS;
}

static int ethtool(int sk, const char *dev, void *cmd)
{
	struct ifreq ifr = { .ifr_data = cmd };

	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", dev);
	return ioctl(sk, SIOCETHTOOL, &ifr);
}

static int stats(const char *dev)
{
	struct {
		struct ethtool_sset_info hdr;
		__u32 len;
	} info = { .hdr = { .cmd = ETHTOOL_GSSET_INFO, .sset_mask = 1ULL << ETH_SS_STATS } };
	struct ethtool_gstrings *names;
	struct ethtool_stats *vals;
	int sk = socket(AF_INET, SOCK_DGRAM, 0);
	__u32 i, n;

	CHECK(sk >= 0, "socket: %s", strerror(errno));
	CHECK(!ethtool(sk, dev, &info), "%s: ETHTOOL_GSSET_INFO: %s", dev, strerror(errno));
	n = info.hdr.sset_mask ? info.len : 0;
	names = calloc(1, sizeof(*names) + n * ETH_GSTRING_LEN);
	vals = calloc(1, sizeof(*vals) + n * sizeof(__u64));
	CHECK(names && vals, "out of memory");
	names->cmd = ETHTOOL_GSTRINGS;
	names->string_set = ETH_SS_STATS;
	names->len = n;
	vals->cmd = ETHTOOL_GSTATS;
	vals->n_stats = n;
	CHECK(!ethtool(sk, dev, names), "%s: ETHTOOL_GSTRINGS: %s", dev, strerror(errno));
	CHECK(!ethtool(sk, dev, vals), "%s: ETHTOOL_GSTATS: %s", dev, strerror(errno));
	for (i = 0; i < n; i++)
		printf("%.*s %llu\n", ETH_GSTRING_LEN, (char *)names->data + i * ETH_GSTRING_LEN,
		       (unsigned long long)vals->data[i]);
	free(names);
	free(vals);
	close(sk);
	return KSFT_PASS;
}

int main(int argc, char **argv)
{
	struct nlt_reply r;
	struct nlt_msg m;
	int nl, family, fd = -1;
	const struct nlattr *a;
	bool has_expected;
	__u32 v;
	__u8 cmd;

	CHECK(argc >= 3, "usage: see the comment at the top of kit_prog.c");
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!strcmp(argv[1], "stats") && argc == 3)
		return stats(argv[2]);
	if (!strcmp(argv[1], "sk-read") && argc == 3)
		return sk_read(argv[2]);
	if (!strcmp(argv[1], "sk-seen") && argc == 4)
		return sk_seen(argv[2], argv[3]);
	if (!strcmp(argv[1], "test-run") && argc == 3) {
		unsigned char pkt[64] = {};
		LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = pkt, .data_size_in = sizeof(pkt),
			    .repeat = 1);

		fd = load_redirect(argv[2], NULL);
		CHECK(!bpf_prog_test_run_opts(fd, &opts), "BPF_PROG_TEST_RUN: %s", strerror(errno));
		printf("retval %u\n", opts.retval);
		return KSFT_PASS;
	}
	if (!strcmp(argv[1], "pin") && argc == 4) {
		fd = load(argv[2]);
		CHECK(!bpf_obj_pin(fd, argv[3]), "pinning at %s: %s", argv[3], strerror(errno));
		return KSFT_PASS;
	}
	CHECK(argc >= 4, "usage: see the comment at the top of kit_prog.c");
	nl = nlt_open();
	family = nlt_family_id(nl, AZLXNET_FAMILY_NAME);
	CHECK(family > 0, "no generic netlink family %s", AZLXNET_FAMILY_NAME);

	if (!strcmp(argv[1], "attach") && (argc == 5 || argc == 6)) {
		cmd = AZLXNET_CMD_KIT_PROG_ATTACH;
		fd = load(argv[4]);
	} else if (!strcmp(argv[1], "redirect") && (argc == 5 || argc == 6)) {
		cmd = AZLXNET_CMD_KIT_PROG_ATTACH;
		fd = load_redirect(argv[4], argc == 6 ? argv[5] : NULL);
	} else if (!strcmp(argv[1], "attach-fd") && argc == 5) {
		cmd = AZLXNET_CMD_KIT_PROG_ATTACH;
		fd = atoi(argv[4]);
	} else if (!strcmp(argv[1], "detach") && (argc == 4 || argc == 5)) {
		cmd = AZLXNET_CMD_KIT_PROG_DETACH;
	} else if (!strcmp(argv[1], "get") && argc == 4) {
		cmd = AZLXNET_CMD_KIT_PROG_GET;
	} else {
		ksft_fail("usage: see the comment at the top of kit_prog.c");
	}

	nlt_genl_start(&m, family, cmd, AZLXNET_FAMILY_VERSION);
	v = strtoul(argv[2], NULL, 10);
	nlt_put(&m, AZLXNET_A_KIT_IFINDEX, &v, sizeof(v));
	v = strtoul(argv[3], NULL, 10);
	nlt_put(&m, AZLXNET_A_KIT_END, &v, sizeof(v));
	if (fd >= 0) {
		v = fd;
		nlt_put(&m, AZLXNET_A_KIT_PROG_FD, &v, sizeof(v));
	}
	has_expected = (!strcmp(argv[1], "attach") && argc == 6) ||
		       (!strcmp(argv[1], "detach") && argc == 5);
	if (has_expected) {
		v = strtoul(argv[argc - 1], NULL, 10);
		nlt_put(&m, AZLXNET_A_KIT_EXPECTED_PROG_ID, &v, sizeof(v));
	}

	if (nlt_txrx(nl, &m, &r)) {
		printf("error %d: %s\n", r.err, r.extack);
		return KSFT_FAIL;
	}
	if (cmd == AZLXNET_CMD_KIT_PROG_GET) {
		a = nlt_attr(&r, AZLXNET_A_KIT_PROG_ID);
		CHECK(a && a->nla_len == NLA_HDRLEN + 4, "no prog-id in the reply");
		memcpy(&v, (const char *)a + NLA_HDRLEN, 4);
		printf("id %u\n", v);
	} else if (!strcmp(argv[1], "attach") || !strcmp(argv[1], "redirect")) {
		printf("id %u\n", prog_id(fd));
	}
	return KSFT_PASS;
}
