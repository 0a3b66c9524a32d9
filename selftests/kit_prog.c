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
 *
 * A request the module refuses prints "error -ERRNO: EXTACK" and exits 1.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <linux/azlxnet.h>
#include <linux/bpf.h>
#include <linux/pkt_cls.h>

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

int main(int argc, char **argv)
{
	struct nlt_reply r;
	struct nlt_msg m;
	int nl, family, fd = -1;
	const struct nlattr *a;
	__u32 v;
	__u8 cmd;

	CHECK(argc >= 4, "usage: see the comment at the top of kit_prog.c");
	setvbuf(stdout, NULL, _IOLBF, 0);
	nl = nlt_open();
	family = nlt_family_id(nl, AZLXNET_FAMILY_NAME);
	CHECK(family > 0, "no generic netlink family %s", AZLXNET_FAMILY_NAME);

	if (!strcmp(argv[1], "attach") && (argc == 5 || argc == 6)) {
		cmd = AZLXNET_CMD_KIT_PROG_ATTACH;
		fd = load(argv[4]);
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
	if ((!strcmp(argv[1], "attach") && argc == 6) || (!strcmp(argv[1], "detach") && argc == 5)) {
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
	} else if (!strcmp(argv[1], "attach")) {
		printf("id %u\n", prog_id(fd));
	}
	return KSFT_PASS;
}
