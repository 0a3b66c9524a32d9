// SPDX-License-Identifier: GPL-2.0-only
/*
 * The azlxnet generic netlink family, from the wire:
 *
 *   genl_test version     the family resolves; version answers with the
 *                         module's version and API level
 *   genl_test malformed   malformed requests get the right errno and an
 *                         extack message, change nothing, and the family
 *                         keeps answering
 *   genl_test perm        config-set without CAP_NET_ADMIN gets EPERM and
 *                         changes nothing; config-get still works
 *   genl_test dump N CMD  a nic-get dump of the N NICs of this namespace
 *                         spans several rounds (skbs) and none of its
 *                         messages says NLM_F_DUMP_INTR; then a dump with
 *                         the shell command CMD (which must add or remove a
 *                         NIC) run between two rounds has the flag on the
 *                         first message of the round after the change, and
 *                         on no other
 *
 * Needs azlxnet.ko loaded.
 */
#include <grp.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/azlxnet.h>

#include "ksft.h"
#include "nlmsg.h"

struct genl_ctx {
	int fd;
	int family;
};

static void genl_ctx_open(struct genl_ctx *c)
{
	c->fd = nlt_open();
	c->family = nlt_family_id(c->fd, AZLXNET_FAMILY_NAME);
	CHECK(c->family > 0, "family %s does not resolve: %s",
	      AZLXNET_FAMILY_NAME, strerror(-c->family));
}

static const char *attr_str(const struct nlt_reply *r, uint16_t type)
{
	const struct nlattr *a = nlt_attr(r, type);

	CHECK(a, "attribute %u missing from the reply", type);
	CHECK(a->nla_len > NLA_HDRLEN, "attribute %u is empty", type);
	CHECK(((const char *)a)[a->nla_len - 1] == '\0',
	      "attribute %u is not NUL-terminated", type);
	return (const char *)a + NLA_HDRLEN;
}

static void config_get(struct genl_ctx *c, char *synth, char *vf, size_t len)
{
	struct nlt_reply r;
	struct nlt_msg m;

	nlt_genl_start(&m, c->family, AZLXNET_CMD_CONFIG_GET, AZLXNET_FAMILY_VERSION);
	CHECK_EQ(nlt_txrx(c->fd, &m, &r), 0);
	snprintf(synth, len, "%s", attr_str(&r, AZLXNET_A_INFO_SYNTHETIC_DRIVERS));
	snprintf(vf, len, "%s", attr_str(&r, AZLXNET_A_INFO_VF_DRIVERS));
}

static void check_version(struct genl_ctx *c)
{
	char sysver[64];
	const struct nlattr *a;
	struct nlt_reply r;
	struct nlt_msg m;

	nlt_genl_start(&m, c->family, AZLXNET_CMD_VERSION, AZLXNET_FAMILY_VERSION);
	CHECK_EQ(nlt_txrx(c->fd, &m, &r), 0);
	CHECK(r.len, "version sent no reply");
	CHECK_EQ(((struct genlmsghdr *)(r.buf + NLMSG_HDRLEN))->cmd,
		 AZLXNET_CMD_VERSION);
	CHECK_EQ(((struct genlmsghdr *)(r.buf + NLMSG_HDRLEN))->version,
		 AZLXNET_FAMILY_VERSION);
	ksft_read_line("/sys/module/azlxnet/version", sysver, sizeof(sysver));
	CHECK(sysver[0], "/sys/module/azlxnet/version is missing");
	CHECK_STREQ(attr_str(&r, AZLXNET_A_INFO_MODULE_VERSION), sysver);
	a = nlt_attr(&r, AZLXNET_A_INFO_API_VERSION);
	CHECK(a && a->nla_len == NLA_HDRLEN + 4, "api-version missing or not u32");
	CHECK_EQ(*(const uint32_t *)((const uint8_t *)a + NLA_HDRLEN),
		 AZLXNET_API_VERSION);
}

static int test_version(void)
{
	struct genl_ctx c;

	genl_ctx_open(&c);
	check_version(&c);
	printf("version answers %s\n", "ok");
	return KSFT_PASS;
}

/* Expect request m to fail with err; want_extack: an extack must come back. */
static void expect_err(struct genl_ctx *c, struct nlt_msg *m, int err,
		       const char *want_extack, const char *what)
{
	struct nlt_reply r;

	nlt_txrx(c->fd, m, &r);
	if (r.err != err)
		ksft_fail("%s: expected %s, got %s (extack '%s')", what,
			  strerror(-err), r.err ? strerror(-r.err) : "success",
			  r.extack);
	if (want_extack && !strstr(r.extack, want_extack))
		ksft_fail("%s: extack '%s' does not contain '%s'", what,
			  r.extack, want_extack);
	printf("%s: %s, extack '%s'\n", what, strerror(-r.err), r.extack);
}

/*
 * As expect_err(), and the extack must point at the attribute at byte
 * @offs of the request (NLMSGERR_ATTR_OFFS).
 */
static void expect_err_at(struct genl_ctx *c, struct nlt_msg *m, int err,
			  const char *want_extack, size_t offs, const char *what)
{
	struct nlt_reply r;

	nlt_txrx(c->fd, m, &r);
	if (r.err != err)
		ksft_fail("%s: expected %s, got %s (extack '%s')", what,
			  strerror(-err), r.err ? strerror(-r.err) : "success",
			  r.extack);
	if (!strstr(r.extack, want_extack))
		ksft_fail("%s: extack '%s' does not contain '%s'", what,
			  r.extack, want_extack);
	if (r.offs != (int)offs)
		ksft_fail("%s: extack points at byte %d, not at the attribute (byte %zu)",
			  what, r.offs, offs);
	printf("%s: %s, extack '%s' at byte %d\n", what, strerror(-r.err), r.extack,
	       r.offs);
}

static int test_malformed(void)
{
	char synth0[256], vf0[256], synth[256], vf[256], big[400];
	uint32_t u32 = 0x01020304;
	struct genl_ctx c;
	struct nlt_msg m;
	size_t off;

	genl_ctx_open(&c);
	config_get(&c, synth0, vf0, sizeof(synth0));

	/* An attribute type beyond the set. */
	nlt_genl_start(&m, c.family, AZLXNET_CMD_CONFIG_SET, AZLXNET_FAMILY_VERSION);
	nlt_put_str(&m, AZLXNET_A_INFO_SYNTHETIC_DRIVERS, "bonding");
	nlt_put(&m, 200, &u32, sizeof(u32));
	expect_err(&c, &m, -EINVAL, "Unknown attribute type", "unknown attribute");

	/* An attribute of the set that the operation does not take. */
	nlt_genl_start(&m, c.family, AZLXNET_CMD_CONFIG_SET, AZLXNET_FAMILY_VERSION);
	nlt_put(&m, AZLXNET_A_INFO_API_VERSION, &u32, sizeof(u32));
	expect_err(&c, &m, -EINVAL, "", "attribute not taken by config-set");
	nlt_genl_start(&m, c.family, AZLXNET_CMD_VERSION, AZLXNET_FAMILY_VERSION);
	nlt_put_str(&m, AZLXNET_A_INFO_VF_DRIVERS, "veth");
	expect_err(&c, &m, -EINVAL, "", "attribute sent to version");

	/* Wrong type: a u32 where a NUL-terminated string belongs. */
	nlt_genl_start(&m, c.family, AZLXNET_CMD_CONFIG_SET, AZLXNET_FAMILY_VERSION);
	nlt_put(&m, AZLXNET_A_INFO_VF_DRIVERS, &u32, sizeof(u32));
	expect_err(&c, &m, -EINVAL, "", "u32 as a string");

	/* Longer than the policy's max-len. */
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	nlt_genl_start(&m, c.family, AZLXNET_CMD_CONFIG_SET, AZLXNET_FAMILY_VERSION);
	nlt_put_str(&m, AZLXNET_A_INFO_SYNTHETIC_DRIVERS, big);
	expect_err(&c, &m, -EINVAL, "", "string over max-len");

	/* An attribute header longer than the message. */
	nlt_genl_start(&m, c.family, AZLXNET_CMD_CONFIG_SET, AZLXNET_FAMILY_VERSION);
	nlt_put_str(&m, AZLXNET_A_INFO_SYNTHETIC_DRIVERS, "bonding");
	((struct nlattr *)(m.buf + NLMSG_HDRLEN + GENL_HDRLEN))->nla_len = 200;
	expect_err(&c, &m, -EINVAL, "", "truncated attribute");

	/* Semantic errors: valid attribute, bad list; the module's own words. */
	nlt_genl_start(&m, c.family, AZLXNET_CMD_CONFIG_SET, AZLXNET_FAMILY_VERSION);
	nlt_put_str(&m, AZLXNET_A_INFO_SYNTHETIC_DRIVERS, "bonding");
	nlt_put_str(&m, AZLXNET_A_INFO_VF_DRIVERS, "veth,,dummy");
	expect_err(&c, &m, -EINVAL, "empty driver name in list", "empty name");
	nlt_genl_start(&m, c.family, AZLXNET_CMD_CONFIG_SET, AZLXNET_FAMILY_VERSION);
	nlt_put_str(&m, AZLXNET_A_INFO_VF_DRIVERS, "veth;rm");
	expect_err(&c, &m, -EINVAL, "invalid character in driver name", "bad character");
	/* Latin-1 letters are not ASCII letters; no newline over netlink. */
	nlt_genl_start(&m, c.family, AZLXNET_CMD_CONFIG_SET, AZLXNET_FAMILY_VERSION);
	nlt_put_str(&m, AZLXNET_A_INFO_VF_DRIVERS, "mana,v\xe9th");
	expect_err(&c, &m, -EINVAL, "invalid character in driver name", "Latin-1 letter");
	nlt_genl_start(&m, c.family, AZLXNET_CMD_CONFIG_SET, AZLXNET_FAMILY_VERSION);
	nlt_put_str(&m, AZLXNET_A_INFO_VF_DRIVERS, "veth\n");
	expect_err(&c, &m, -EINVAL, "invalid character in driver name", "newline");
	nlt_genl_start(&m, c.family, AZLXNET_CMD_CONFIG_SET, AZLXNET_FAMILY_VERSION);
	expect_err(&c, &m, -EINVAL, "config-set needs", "no attributes");

	/*
	 * A driver in both lists: a device cannot be both a synthetic NIC and
	 * a VF. The lists as they would be after the change are checked, the
	 * one kept included; the new list is blamed, vf-drivers if both are.
	 */
	nlt_genl_start(&m, c.family, AZLXNET_CMD_CONFIG_SET, AZLXNET_FAMILY_VERSION);
	nlt_put_str(&m, AZLXNET_A_INFO_SYNTHETIC_DRIVERS, "bonding,team");
	off = m.len;
	nlt_put_str(&m, AZLXNET_A_INFO_VF_DRIVERS, "dummy,team");
	expect_err_at(&c, &m, -EINVAL, "driver in both synthetic-drivers and vf-drivers",
		      off, "overlapping lists");
	snprintf(big, sizeof(big), "%.*s", (int)strcspn(synth0, ","), synth0);
	if (big[0]) {
		nlt_genl_start(&m, c.family, AZLXNET_CMD_CONFIG_SET, AZLXNET_FAMILY_VERSION);
		off = m.len;
		nlt_put_str(&m, AZLXNET_A_INFO_VF_DRIVERS, big);
		expect_err_at(&c, &m, -EINVAL, "driver in both synthetic-drivers and vf-drivers",
			      off, "vf-drivers overlapping the synthetic-drivers kept");
	}
	snprintf(big, sizeof(big), "veth,%.*s", (int)strcspn(vf0, ","), vf0);
	if (vf0[0]) {
		nlt_genl_start(&m, c.family, AZLXNET_CMD_CONFIG_SET, AZLXNET_FAMILY_VERSION);
		off = m.len;
		nlt_put_str(&m, AZLXNET_A_INFO_SYNTHETIC_DRIVERS, big);
		expect_err_at(&c, &m, -EINVAL, "driver in both synthetic-drivers and vf-drivers",
			      off, "synthetic-drivers overlapping the vf-drivers kept");
	}

	/*
	 * Out of the policy's range (ifindex: 1 to INT_MAX): the kernel's
	 * policy error, pointing at the attribute, before the handler runs.
	 */
	u32 = 0;
	nlt_genl_start(&m, c.family, AZLXNET_CMD_NIC_GET, AZLXNET_FAMILY_VERSION);
	off = m.len;
	nlt_put(&m, AZLXNET_A_NIC_IFINDEX, &u32, sizeof(u32));
	expect_err_at(&c, &m, -ERANGE, "integer out of range", off, "ifindex 0");
	u32 = 0x80000000u;
	nlt_genl_start(&m, c.family, AZLXNET_CMD_NIC_GET, AZLXNET_FAMILY_VERSION);
	off = m.len;
	nlt_put(&m, AZLXNET_A_NIC_IFINDEX, &u32, sizeof(u32));
	expect_err_at(&c, &m, -ERANGE, "integer out of range", off, "ifindex above INT_MAX");
	u32 = 0x7fffffffu;
	nlt_genl_start(&m, c.family, AZLXNET_CMD_NIC_GET, AZLXNET_FAMILY_VERSION);
	off = m.len;
	nlt_put(&m, AZLXNET_A_NIC_IFINDEX, &u32, sizeof(u32));
	expect_err_at(&c, &m, -ENODEV, "no synthetic NIC with this ifindex", off,
		      "ifindex INT_MAX, in range");

	/* Reserved genl header byte set. */
	nlt_genl_start(&m, c.family, AZLXNET_CMD_VERSION, AZLXNET_FAMILY_VERSION);
	((struct genlmsghdr *)(m.buf + NLMSG_HDRLEN))->reserved = 1;
	expect_err(&c, &m, -EINVAL, NULL, "reserved header bits");

	/* A command the family does not have. */
	nlt_genl_start(&m, c.family, AZLXNET_CMD_MAX + 1, AZLXNET_FAMILY_VERSION);
	expect_err(&c, &m, -EOPNOTSUPP, NULL, "unknown command");

	/* Nothing changed, and the family still answers. */
	config_get(&c, synth, vf, sizeof(synth));
	CHECK_STREQ(synth, synth0);
	CHECK_STREQ(vf, vf0);
	check_version(&c);

	/* A good request does change the configuration, both lists at once. */
	nlt_genl_start(&m, c.family, AZLXNET_CMD_CONFIG_SET, AZLXNET_FAMILY_VERSION);
	nlt_put_str(&m, AZLXNET_A_INFO_SYNTHETIC_DRIVERS, "bonding,team");
	nlt_put_str(&m, AZLXNET_A_INFO_VF_DRIVERS, "");
	expect_err(&c, &m, 0, NULL, "valid config-set");
	config_get(&c, synth, vf, sizeof(synth));
	CHECK_STREQ(synth, "bonding,team");
	CHECK_STREQ(vf, "");
	ksft_read_line("/sys/module/azlxnet/parameters/synthetic_drivers", synth,
		       sizeof(synth));
	CHECK_STREQ(synth, "bonding,team");

	/* Restore. */
	nlt_genl_start(&m, c.family, AZLXNET_CMD_CONFIG_SET, AZLXNET_FAMILY_VERSION);
	nlt_put_str(&m, AZLXNET_A_INFO_SYNTHETIC_DRIVERS, synth0);
	nlt_put_str(&m, AZLXNET_A_INFO_VF_DRIVERS, vf0);
	expect_err(&c, &m, 0, NULL, "restoring config-set");
	return KSFT_PASS;
}

static int test_perm(void)
{
	char synth0[256], vf0[256], synth[256], vf[256];
	struct genl_ctx c;
	int status;
	pid_t pid;

	genl_ctx_open(&c);
	config_get(&c, synth0, vf0, sizeof(synth0));
	close(c.fd);

	pid = fork();
	CHECK(pid >= 0, "fork: %s", strerror(errno));
	if (!pid) {
		struct nlt_msg m;

		/* nobody: no capabilities at all. */
		CHECK(!setgroups(0, NULL), "setgroups: %s", strerror(errno));
		CHECK(!setgid(65534), "setgid: %s", strerror(errno));
		CHECK(!setuid(65534), "setuid: %s", strerror(errno));
		genl_ctx_open(&c);
		nlt_genl_start(&m, c.family, AZLXNET_CMD_CONFIG_SET,
			       AZLXNET_FAMILY_VERSION);
		nlt_put_str(&m, AZLXNET_A_INFO_VF_DRIVERS, "veth");
		expect_err(&c, &m, -EPERM, NULL, "config-set as nobody");
		/* Reading needs no privilege. */
		config_get(&c, synth, vf, sizeof(synth));
		CHECK_STREQ(vf, vf0);
		check_version(&c);
		exit(KSFT_PASS);
	}
	CHECK(waitpid(pid, &status, 0) == pid, "waitpid");
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	      "unprivileged child failed");

	genl_ctx_open(&c);
	config_get(&c, synth, vf, sizeof(synth));
	CHECK_STREQ(synth, synth0);
	CHECK_STREQ(vf, vf0);
	return KSFT_PASS;
}

/* One round of a dump, as received: one skb, one recv(). */
struct dump_round {
	unsigned int	msgs;		/* nic-get replies */
	int		first_intr;	/* its first message has NLM_F_DUMP_INTR */
	unsigned int	intr;		/* messages with NLM_F_DUMP_INTR */
	int		done;		/* ends with NLMSG_DONE */
	int		done_intr;	/* ... which has NLM_F_DUMP_INTR */
};

#define DUMP_ROUNDS_MAX	64
/* Small rounds: the receive buffer sizes the kernel's dump skb. */
#define DUMP_RECV_BUFSZ	4096

/*
 * Sends a nic-get dump and reads it round by round into @rounds; runs
 * @cmd (if not NULL) once round @after has been read. Returns the number of
 * rounds; the ifindexes dumped are counted into @nics.
 */
static unsigned int dump_rounds(struct genl_ctx *c, struct dump_round *rounds,
				unsigned int after, const char *cmd, unsigned int *nics)
{
	uint8_t buf[DUMP_RECV_BUFSZ];
	unsigned int n = 0;
	struct nlt_msg m;

	*nics = 0;
	nlt_genl_start(&m, c->family, AZLXNET_CMD_NIC_GET, AZLXNET_FAMILY_VERSION);
	m.nlh.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	m.nlh.nlmsg_len = m.len;
	CHECK(send(c->fd, m.buf, m.len, 0) == (ssize_t)m.len, "send: %s", strerror(errno));
	for (;;) {
		struct dump_round *r = &rounds[n];
		struct nlmsghdr *nlh;
		size_t left;
		ssize_t len;

		CHECK(n < DUMP_ROUNDS_MAX, "more than %d rounds", DUMP_ROUNDS_MAX);
		memset(r, 0, sizeof(*r));
		len = recv(c->fd, buf, sizeof(buf), MSG_TRUNC);
		CHECK(len > 0, "recv: %s", len < 0 ? strerror(errno) : "EOF");
		CHECK((size_t)len <= sizeof(buf), "a %zd-byte round for a %zu-byte buffer",
		      len, sizeof(buf));
		left = (size_t)len;
		for (nlh = (struct nlmsghdr *)buf; NLMSG_OK(nlh, left);
		     nlh = NLMSG_NEXT(nlh, left)) {
			int intr = !!(nlh->nlmsg_flags & NLM_F_DUMP_INTR);

			CHECK_EQ(nlh->nlmsg_seq, m.nlh.nlmsg_seq);
			CHECK(nlh->nlmsg_type != NLMSG_ERROR, "the dump failed: %d",
			      ((struct nlmsgerr *)NLMSG_DATA(nlh))->error);
			if (nlh->nlmsg_type == NLMSG_DONE) {
				CHECK(!r->done, "two NLMSG_DONE");
				CHECK_EQ(*(int *)NLMSG_DATA(nlh), 0);
				r->done = 1;
				r->done_intr = intr;
				continue;
			}
			CHECK(!r->done, "a message after NLMSG_DONE");
			CHECK_EQ(nlh->nlmsg_type, c->family);
			CHECK(nlh->nlmsg_flags & NLM_F_MULTI, "a dump message without NLM_F_MULTI");
			if (!r->msgs)
				r->first_intr = intr;
			r->msgs++;
			r->intr += intr;
			(*nics)++;
		}
		CHECK(!left, "%zu bytes left over in round %u", left, n);
		n++;
		if (r->done)
			return n;
		if (cmd && n == after) {
			printf("after round %u: %s\n", n, cmd);
			CHECK(!system(cmd), "%s failed", cmd);
		}
	}
}

static void dump_print(const struct dump_round *rounds, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		printf("  round %u: %u messages, %u with NLM_F_DUMP_INTR%s%s%s\n", i + 1,
		       rounds[i].msgs, rounds[i].intr, rounds[i].first_intr ? " (the first)" : "",
		       rounds[i].done ? ", NLMSG_DONE" : "",
		       rounds[i].done_intr ? " with NLM_F_DUMP_INTR" : "");
}

static int test_dump(unsigned int want, const char *cmd)
{
	struct dump_round rounds[DUMP_ROUNDS_MAX];
	unsigned int n, i, nics;
	struct genl_ctx c;

	genl_ctx_open(&c);
	/*
	 * A socket that never read with a larger buffer: the kernel sizes
	 * dump skbs to the largest recv() buffer seen (the family lookup
	 * used 32 KiB), and small rounds are what this test needs.
	 */
	close(c.fd);
	c.fd = nlt_open();

	/* Nothing changes: every NIC once, no flag anywhere. */
	n = dump_rounds(&c, rounds, 0, NULL, &nics);
	printf("dump of %u NICs, no change:\n", nics);
	dump_print(rounds, n);
	CHECK_EQ(nics, want);
	/* rounds 1 to 3 carry NICs, as the second dump needs */
	CHECK(n >= 4 && rounds[2].msgs, "%u rounds: too few NICs for the test", n);
	for (i = 0; i < n; i++)
		CHECK(!rounds[i].intr && !rounds[i].done_intr,
		      "NLM_F_DUMP_INTR in round %u of an unchanged dump", i + 1);

	/*
	 * The list changes after round 1 has been read. The core fills round
	 * 2 as round 1 is read (in that recvmsg()), before the change: round 3
	 * is the first filled after it, and its first message is the one that
	 * must say so. Messages filled before the change must not.
	 */
	n = dump_rounds(&c, rounds, 1, cmd, &nics);
	printf("dump of %u NICs, %s after round 1:\n", nics, cmd);
	dump_print(rounds, n);
	CHECK(n >= 3 && rounds[2].msgs, "%u rounds: too few NICs for the test", n);
	CHECK(!rounds[0].intr && !rounds[1].intr,
	      "NLM_F_DUMP_INTR on a message filled before the change");
	CHECK(rounds[2].first_intr,
	      "the first message filled after the change has no NLM_F_DUMP_INTR");
	for (i = 0; i < n; i++)
		CHECK(rounds[i].intr == (i == 2) && !rounds[i].done_intr,
		      "NLM_F_DUMP_INTR on a message other than the first after the change (round %u)",
		      i + 1);
	printf("NLM_F_DUMP_INTR on the first message after the change only: ok\n");
	return KSFT_PASS;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc == 2 && !strcmp(argv[1], "version"))
		return test_version();
	if (argc == 2 && !strcmp(argv[1], "malformed"))
		return test_malformed();
	if (argc == 2 && !strcmp(argv[1], "perm"))
		return test_perm();
	if (argc == 4 && !strcmp(argv[1], "dump"))
		return test_dump(strtoul(argv[2], NULL, 0), argv[3]);
	fprintf(stderr, "usage: %s version|malformed|perm|dump N CMD\n", argv[0]);
	return KSFT_FAIL;
}
