// SPDX-License-Identifier: GPL-2.0-only
/*
 * Random and malformed requests to the azlxnet generic netlink family.
 *
 *   genl_fuzz [-v] [-s SEED] [-f FIRST] [COUNT]
 *       as root, COUNT requests (default 10000); config-set is allowed, so
 *       the configuration is saved first and restored at the end
 *   genl_fuzz -u [-v] [-s SEED] [-f FIRST] [COUNT]
 *       the same from a child running as nobody (uid/gid 65534), COUNT
 *       requests (default 1000): config-set must never succeed
 *   genl_fuzz -F ... (with either)
 *       fault injection: each request is sent with /proc/thread-self/
 *       make-it-fail set, so that the failslab and fail_page_alloc
 *       settings the caller made (probability, a stack filter on the
 *       module's text) fail some of the module's allocations. Any request
 *       may then also be answered ENOMEM or ENOBUFS (a dump may end so),
 *       and nothing else; a config-set that fails changes nothing. At
 *       least one request must have been failed so.
 *
 * Request i is generated from SEED and i alone, so "-s SEED -f I -v 1"
 * replays request I of a failed run (the seed is printed at the start).
 *
 * Requests: the four operations, the event commands, 0 and out-of-range
 * commands; random nlmsg_flags (NLM_F_DUMP on do-only operations, no
 * NLM_F_ACK, no NLM_F_REQUEST, reserved bits), genl version and reserved
 * bytes; attributes of the right type with the wrong length, unknown types,
 * NLA_F_NESTED, nested garbage, zero length, over-long strings, strings
 * without NUL, nla_len beyond the message, cut headers, no final padding;
 * nlmsg_len shorter or longer than what is sent; config-set with driver
 * lists of which some are valid.
 *
 * Checks, per request:
 *  - it is answered: an error or ack, a reply (and the ack), or a dump that
 *    ends in NLMSG_DONE, within 2 s; nothing that matches no request, no
 *    socket error. The netlink core drops, without a word, a message whose
 *    nlmsg_len is below NLMSG_HDRLEN or beyond what was sent, and a request
 *    without NLM_F_ACK that succeeds has nothing to say; those go with a
 *    NLMSG_NOOP barrier that is acked, and are counted apart.
 *  - the answer is the one the spec predicts (Documentation/netlink/specs/
 *    azlxnet.yaml, with the kernel's genetlink header checks and strict
 *    policy validation): the errno of header, flag, command, permission and
 *    attribute errors, the result of config-set from the documented list
 *    syntax (EINVAL for a driver that would be in both lists), a reply
 *    from version and config-get, ENODEV or a reply from nic-get, a
 *    clean dump; from the kit-prog operations (no pair, no program fd
 *    exists), EINVAL without their attributes, else EBADF or EINVAL for
 *    the fd, ENODEV for the ifindex. Replies are well-formed and config-get reports
 *    what the accepted config-sets set.
 * At the end the configuration is what the last accepted config-set left,
 * it is restored to what it was before, and version still answers.
 *
 * Needs azlxnet.ko loaded and root.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/azlxnet.h>

#include "ksft.h"
#include "nlmsg.h"

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

#define REQ_BUFSZ	8192		/* request buffer */
#define REQ_ROOM	(REQ_BUFSZ - 64)	/* attributes end before this */
#define RX_BUFSZ	65536
#define RX_TIMEOUT_S	2
#define MAX_REPORTS	20		/* failures printed in full */
#define MAX_TIMEOUTS	3		/* then the family is dead: stop */
#define STR_MAX		AZLXNET_DRIVERS_MAX_LEN
#define NAME_MAX_LEN	31		/* documented: at most 31 characters */
#define NAMES_MAX	8		/* documented: at most 8 names */
#define NOBODY		65534
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#define TB_SIZE		(((int)AZLXNET_A_NIC_MAX > (int)AZLXNET_A_INFO_MAX ? \
			  (int)AZLXNET_A_NIC_MAX : (int)AZLXNET_A_INFO_MAX) + 1)

/* ---- PRNG: splitmix64, one stream per request ---- */

static uint64_t rng;

static uint64_t rnd64(void)
{
	uint64_t z = (rng += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static uint32_t rnd(uint32_t n)
{
	return n ? (uint32_t)(rnd64() % n) : 0;
}

/* Inclusive range. */
static uint32_t rnd_in(uint32_t lo, uint32_t hi)
{
	return lo + rnd(hi - lo + 1);
}

static bool pct(uint32_t p)
{
	return rnd(100) < p;
}

/* ---- the family, as the spec describes it ---- */

struct op_desc {
	uint8_t		cmd;
	const char	*name;
	bool		dump;		/* has a dump */
	bool		admin;		/* needs CAP_NET_ADMIN */
	int		maxattr;
};

static const struct op_desc ops[] = {
	{ AZLXNET_CMD_VERSION,	  "version",	false, false, AZLXNET_A_INFO_MAX },
	{ AZLXNET_CMD_CONFIG_GET, "config-get",	false, false, AZLXNET_A_INFO_MAX },
	{ AZLXNET_CMD_CONFIG_SET, "config-set",	false, true,  AZLXNET_A_INFO_MAX },
	{ AZLXNET_CMD_NIC_GET,	  "nic-get",	true,  false, AZLXNET_A_NIC_MAX },
	{ AZLXNET_CMD_KIT_PROG_ATTACH, "kit-prog-attach", false, true, AZLXNET_A_KIT_MAX },
	{ AZLXNET_CMD_KIT_PROG_DETACH, "kit-prog-detach", false, true, AZLXNET_A_KIT_MAX },
	{ AZLXNET_CMD_KIT_PROG_GET,    "kit-prog-get",	  false, true, AZLXNET_A_KIT_MAX },
};

static bool is_kit_cmd(uint8_t cmd)
{
	return cmd >= AZLXNET_CMD_KIT_PROG_ATTACH && cmd <= AZLXNET_CMD_KIT_PROG_GET;
}

static const struct op_desc *op_find(uint8_t cmd)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(ops); i++)
		if (ops[i].cmd == cmd)
			return &ops[i];
	return NULL;
}

/* POL_U32*: u32, no range (U32), at most 1 (U32_MAX1), at most INT32_MAX (U32_S32) */
enum pol { POL_UNSPEC, POL_NUL_STRING, POL_IFINDEX, POL_U32, POL_U32_MAX1, POL_U32_S32 };

/* Request policy of attribute type of op (types the op does not take: unspec). */
static enum pol op_policy(uint8_t cmd, int type)
{
	if (cmd == AZLXNET_CMD_CONFIG_SET &&
	    (type == AZLXNET_A_INFO_SYNTHETIC_DRIVERS ||
	     type == AZLXNET_A_INFO_VF_DRIVERS))
		return POL_NUL_STRING;
	if (cmd == AZLXNET_CMD_NIC_GET && type == AZLXNET_A_NIC_IFINDEX)
		return POL_IFINDEX;
	if (!is_kit_cmd(cmd))
		return POL_UNSPEC;
	switch (type) {
	case AZLXNET_A_KIT_IFINDEX:
		return POL_IFINDEX;
	case AZLXNET_A_KIT_END:
		return POL_U32_MAX1;
	case AZLXNET_A_KIT_PROG_FD:
		return cmd == AZLXNET_CMD_KIT_PROG_ATTACH ? POL_U32_S32 : POL_UNSPEC;
	case AZLXNET_A_KIT_EXPECTED_PROG_ID:
		return cmd == AZLXNET_CMD_KIT_PROG_GET ? POL_UNSPEC : POL_U32;
	}
	return POL_UNSPEC;
}

/* ---- state ---- */

struct tally {
	char		label[40];
	unsigned long	n;
};

struct fuzz {
	int		fd;		/* the fuzzed socket */
	int		ctl;		/* a well-behaved one */
	uint16_t	family;
	bool		priv;		/* config-set is allowed */
	bool		verbose;
	uint64_t	seed;
	uint32_t	seq;
	/* What config-get must say: the lists the accepted config-sets set. */
	char		synth[STR_MAX + 1];
	char		vf[STR_MAX + 1];
	/* Results. */
	unsigned long	requests;
	unsigned long	failures;
	unsigned long	timeouts;
	unsigned long	dropped;	/* no answer: bad nlmsg_len */
	unsigned long	quiet;		/* no answer: no NLM_F_ACK, nothing to say */
	unsigned long	set_sent;	/* well-formed config-set requests */
	unsigned long	set_ok;		/* ... that succeeded */
	unsigned long	set_eperm;	/* ... that got EPERM */
	unsigned long	nic_replies;	/* nic-get do that found a NIC */
	unsigned long	nic_dumped;	/* NICs in nic-get dumps */
	int		fail_fd;	/* /proc/thread-self/make-it-fail, or -1 */
	unsigned long	injected;	/* answers ENOMEM/ENOBUFS under -F */
	unsigned long	by_cmd[7];	/* see cmd_class() */
	struct tally	tally[48];
	size_t		ntally;
};

static const char *const cmd_class_name[] = {
	"version", "config-get", "config-set", "nic-get", "event cmds",
	"unknown cmds", "kit cmds",
};

static int cmd_class(uint8_t cmd)
{
	if (cmd >= AZLXNET_CMD_VERSION && cmd <= AZLXNET_CMD_NIC_GET)
		return cmd - AZLXNET_CMD_VERSION;
	if (cmd >= AZLXNET_CMD_VF_JOIN && cmd <= AZLXNET_CMD_NIC_DEL)
		return 4;
	if (is_kit_cmd(cmd))
		return 6;
	return 5;
}

/* One request as built and sent. */
struct req {
	uint64_t	idx;
	size_t		len;		/* bytes built */
	size_t		sent;		/* bytes sent (may differ from len) */
	const char	*framing;	/* how nlmsg_len/sent were broken, or NULL */
	union {
		struct nlmsghdr	nlh;
		uint8_t		buf[REQ_BUFSZ];
	};
};

static struct genlmsghdr *req_genl(struct req *r)
{
	return (struct genlmsghdr *)(r->buf + NLMSG_HDRLEN);
}

/* What the kernel is predicted to answer. */
enum xkind {
	X_DROP,		/* nothing: the netlink core drops it */
	X_ERR,		/* an error: err (or alt) */
	X_ACK,		/* success without data: an ack if NLM_F_ACK, else nothing */
	X_REPLY,	/* one reply, then an ack if NLM_F_ACK */
	X_NIC,		/* X_REPLY, or the error ENODEV */
	X_DUMP,		/* replies, then NLMSG_DONE with 0 */
};

struct expect {
	enum xkind	kind;
	int		err;
	int		alt;		/* also accepted for X_ERR, 0 if none */
	const char	*why;
	/* config-set: the lists it sets (NULL: unchanged) */
	const char	*set_synth;
	const char	*set_vf;
	char		buf_synth[STR_MAX + 1];
	char		buf_vf[STR_MAX + 1];
	char		buf_why[64];
	uint32_t	ifindex;	/* nic-get do */
	bool		perm_checked;	/* reached the CAP_NET_ADMIN check */
	int		offs;		/* X_ERR: the extack's offset, 0 if not checked */
};

/* What came back. */
struct answer {
	int		nerr;		/* NLMSG_ERROR (ack or error) */
	int		err;
	int		ndata;		/* replies without NLM_F_MULTI */
	int		nmulti;		/* dump replies */
	int		ndone;
	int		done_err;
	int		offs;		/* NLMSGERR_ATTR_OFFS of the error, -1 if none */
	bool		timeout;
	char		bad[256];	/* a malformed answer, "" if none */
};

/* ---- reporting ---- */

static const char *errname(int err)
{
	static char buf[2][16];
	static int i;

	i = !i;
	switch (-err) {
	case EPERM:		return "EPERM";
	case ENOENT:		return "ENOENT";
	case EINTR:		return "EINTR";
	case EIO:		return "EIO";
	case EBADF:		return "EBADF";
	case ENOMEM:		return "ENOMEM";
	case EFAULT:		return "EFAULT";
	case EBUSY:		return "EBUSY";
	case EEXIST:		return "EEXIST";
	case ENODEV:		return "ENODEV";
	case EINVAL:		return "EINVAL";
	case ENOSPC:		return "ENOSPC";
	case ERANGE:		return "ERANGE";
	case EMSGSIZE:		return "EMSGSIZE";
	case EPROTO:		return "EPROTO";
	case EBADMSG:		return "EBADMSG";
	case EOPNOTSUPP:	return "EOPNOTSUPP";
	case ENOBUFS:		return "ENOBUFS";
	case 524:		return "ENOTSUPP";
	}
	snprintf(buf[i], sizeof(buf[i]), "E%d", -err);
	return buf[i];
}

static void tally(struct fuzz *f, const char *label)
{
	size_t i;

	for (i = 0; i < f->ntally; i++) {
		if (!strcmp(f->tally[i].label, label)) {
			f->tally[i].n++;
			return;
		}
	}
	if (f->ntally == ARRAY_SIZE(f->tally))
		label = "(other)";
	else
		i = f->ntally++;
	snprintf(f->tally[i].label, sizeof(f->tally[i].label), "%s", label);
	f->tally[i].n++;
}

static void hexdump(const uint8_t *p, size_t len)
{
	size_t i, n = len > 256 ? 256 : len;

	for (i = 0; i < n; i++)
		fprintf(stderr, "%s%02x", i % 32 ? (i % 4 ? "" : " ") : "\n    ",
			p[i]);
	fprintf(stderr, "%s\n", n < len ? " ..." : "");
}

static void req_describe(const struct req *r, char *buf, size_t len)
{
	const struct genlmsghdr *g = (const struct genlmsghdr *)(r->buf + NLMSG_HDRLEN);

	snprintf(buf, len,
		 "cmd %u flags 0x%x version %u reserved %u nlmsg_len %u, %zu bytes sent%s%s",
		 g->cmd, r->nlh.nlmsg_flags, g->version, g->reserved,
		 r->nlh.nlmsg_len, r->sent, r->framing ? ", " : "",
		 r->framing ? r->framing : "");
}

static void __attribute__((format(printf, 3, 4)))
failure(struct fuzz *f, const struct req *r, const char *fmt, ...)
{
	char desc[160];
	va_list ap;

	f->failures++;
	if (f->failures > MAX_REPORTS) {
		if (f->failures == MAX_REPORTS + 1)
			fprintf(stderr, "FAIL: more failures, not shown\n");
		return;
	}
	fprintf(stderr, "FAIL: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	if (!r)
		return;
	req_describe(r, desc, sizeof(desc));
	fprintf(stderr, "  request #%" PRIu64 ": %s\n", r->idx, desc);
	fprintf(stderr, "  replay: genl_fuzz%s -s %" PRIu64 " -f %" PRIu64 " -v 1",
		f->priv ? "" : " -u", f->seed, r->idx);
	hexdump(r->buf, r->len > r->sent ? r->len : r->sent);
}

/* ---- generators ---- */

/* Drivers of Azure NICs, of what the tests stand in for them, and others. */
static const char *const drivers[] = {
	"bonding", "team", "dummy", "veth",
	"hv_netvsc", "mana", "mlx5_core", "mlx4_en", "virtio_net", "e1000",
	"ixgbevf", "mlx5e_rep", "a", "A-Z.0_9",
};

static const char name_chars[] =
	"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-";

/* One driver name, usually valid; returns its length. */
static size_t gen_name(char *out, size_t room)
{
	static const char bad_chars[] = " ;/:\\*$'\"!@#%^&()[]{}<>|=+~?\t\r\n\x01\x7f";
	size_t n, i;

	if (room < 48)
		return 0;
	switch (rnd(20)) {
	case 0 ... 9:		/* a real one, often one the test machine has */
		snprintf(out, room, "%s", drivers[rnd(pct(50) ? 4 : ARRAY_SIZE(drivers))]);
		return strlen(out);
	case 10 ... 15:		/* random valid, up to the longest */
		n = pct(20) ? NAME_MAX_LEN : rnd_in(1, NAME_MAX_LEN);
		break;
	case 16:		/* one too long */
		n = rnd_in(NAME_MAX_LEN + 1, NAME_MAX_LEN + 9);
		break;
	default:		/* a character outside [A-Za-z0-9_.-] */
		n = rnd_in(1, 12);
		for (i = 0; i < n; i++)
			out[i] = name_chars[rnd(sizeof(name_chars) - 1)];
		i = rnd((uint32_t)n);
		if (pct(30))
			out[i] = (char)rnd_in(0x80, 0xff);
		else
			out[i] = bad_chars[rnd(sizeof(bad_chars) - 1)];
		return n;
	}
	for (i = 0; i < n; i++)
		out[i] = name_chars[rnd(sizeof(name_chars) - 1)];
	return n;
}

/* A comma-separated driver list, NUL-terminated; some valid, most not. */
static size_t gen_list(char *out, size_t room)
{
	size_t len = 0, n, i;

	if (pct(3)) {		/* the longest valid list: 8 x 31 + 7 = 255 */
		for (n = 0; n < NAMES_MAX; n++) {
			if (n)
				out[len++] = ',';
			for (i = 0; i < NAME_MAX_LEN; i++)
				out[len++] = name_chars[rnd(sizeof(name_chars) - 1)];
			out[len - 1] = (char)('0' + n);	/* no duplicates */
		}
		if (pct(50))	/* one more character: 256 */
			out[len++] = 'x';
		out[len] = '\0';
		return len;
	}
	switch (rnd(20)) {
	case 0:
		n = 0;
		break;
	case 1:
		n = NAMES_MAX;
		break;
	case 2:
		n = rnd_in(NAMES_MAX + 1, NAMES_MAX + 3);
		break;
	default:
		n = rnd_in(1, 3);
		break;
	}
	for (i = 0; i < n && len + 50 < room; i++) {
		if (i)
			out[len++] = ',';
		len += gen_name(out + len, room - len);
	}
	if (len + 100 < room && pct(20)) {
		switch (rnd(6)) {
		case 0:		/* a duplicate */
			if (n) {
				size_t first = strcspn(out, ",");

				memmove(out + first + 1, out, len);
				out[first] = ',';
				len += first + 1;
				break;
			}
			/* fall through */
		case 1:		/* leading comma */
			memmove(out + 1, out, len);
			out[0] = ',';
			len++;
			break;
		case 2:		/* trailing comma */
			out[len++] = ',';
			break;
		case 3:		/* empty name inside */
			out[len++] = ',';
			out[len++] = ',';
			len += gen_name(out + len, room - len);
			break;
		case 4:		/* a trailing newline: sysfs takes it, netlink not */
			out[len++] = '\n';
			break;
		default:	/* a lone comma */
			len = 0;
			out[len++] = ',';
			break;
		}
	}
	out[len] = '\0';
	return len;
}

static struct nlattr *put_attr(struct req *r, uint16_t type, const void *data,
			       size_t len)
{
	struct nlattr *a = (struct nlattr *)(r->buf + r->len);

	if (len > 0xffff - NLA_HDRLEN || r->len + NLA_HDRLEN + NLA_ALIGN(len) > REQ_ROOM)
		return NULL;
	a->nla_type = type;
	a->nla_len = (uint16_t)(NLA_HDRLEN + len);
	if (len)
		memcpy((uint8_t *)a + NLA_HDRLEN, data, len);
	memset((uint8_t *)a + NLA_HDRLEN + len, 0, NLA_ALIGN(len) - len);
	r->len += NLA_HDRLEN + NLA_ALIGN(len);
	return a;
}

/* Random attributes, possibly malformed, possibly nested: nested garbage. */
static size_t gen_garbage(uint8_t *out, size_t room, int depth)
{
	size_t len = 0;
	uint32_t n = rnd(5);

	while (n-- && len + NLA_HDRLEN + 64 <= room) {
		struct nlattr *a = (struct nlattr *)(out + len);
		size_t plen, i;

		a->nla_type = (uint16_t)(pct(50) ? rnd(20) : rnd64());
		if (depth < 3 && pct(30)) {
			a->nla_type |= NLA_F_NESTED;
			plen = gen_garbage(out + len + NLA_HDRLEN,
					   room - len - NLA_HDRLEN, depth + 1);
		} else {
			plen = rnd(24);
			for (i = 0; i < plen; i++)
				out[len + NLA_HDRLEN + i] = (uint8_t)rnd64();
		}
		a->nla_len = (uint16_t)(NLA_HDRLEN + plen);
		if (pct(10))	/* a length that lies */
			a->nla_len = (uint16_t)(pct(50) ? rnd(NLA_HDRLEN) : rnd64());
		memset(out + len + NLA_HDRLEN + plen, 0, NLA_ALIGN(plen) - plen);
		len += NLA_HDRLEN + NLA_ALIGN(plen);
	}
	return len;
}

/* A string attribute's payload: a driver list, mostly with its NUL. */
static size_t gen_str_payload(uint8_t *p, size_t room)
{
	size_t len, i;

	switch (rnd(100)) {
	case 0 ... 69:			/* list + NUL */
		return gen_list((char *)p, room) + 1;
	case 70 ... 77:			/* no NUL */
		return gen_list((char *)p, room);
	case 78 ... 83:			/* NUL, then more bytes */
		len = gen_list((char *)p, room) + 1;
		for (i = rnd_in(1, 300); i-- && len < room;)
			p[len++] = pct(10) ? 0 : (uint8_t)name_chars[rnd(sizeof(name_chars) - 1)];
		return len;
	case 84 ... 87:			/* over-long */
		len = rnd_in(STR_MAX + 1, 1500);
		if (len > room)
			len = room;
		for (i = 0; i < len; i++)
			p[i] = pct(5) ? ',' : (uint8_t)name_chars[rnd(sizeof(name_chars) - 1)];
		if (pct(70))
			p[len - 1] = 0;
		if (pct(20))
			p[rnd((uint32_t)len)] = 0;
		return len;
	case 88 ... 92:			/* empty */
		return 0;
	case 93 ... 95:			/* just the NUL */
		p[0] = 0;
		return 1;
	default:			/* random bytes */
		len = rnd(64);
		for (i = 0; i < len; i++)
			p[i] = (uint8_t)rnd64();
		return len;
	}
}

static size_t gen_u32_payload(uint8_t *p)
{
	uint32_t v;
	size_t len = 4, i;

	switch (rnd(10)) {
	case 0:
		v = 0;
		break;
	case 1 ... 2:
		v = (uint32_t)rnd64();
		break;
	default:
		v = rnd_in(1, 16);
		break;
	}
	if (pct(20))
		len = pct(50) ? rnd(4) : rnd_in(5, 12);
	memset(p, 0, len);
	memcpy(p, &v, len < 4 ? len : 4);
	for (i = 4; i < len; i++)
		p[i] = (uint8_t)rnd64();
	return len;
}

/* An attribute type for op cmd: mostly what it takes, else anything. */
static uint16_t gen_type(uint8_t cmd)
{
	uint16_t t;

	if (cmd == AZLXNET_CMD_CONFIG_SET && pct(80))
		t = pct(50) ? AZLXNET_A_INFO_SYNTHETIC_DRIVERS : AZLXNET_A_INFO_VF_DRIVERS;
	else if (cmd == AZLXNET_CMD_NIC_GET && pct(75))
		t = AZLXNET_A_NIC_IFINDEX;
	else if (is_kit_cmd(cmd) && pct(80))
		t = (uint16_t)rnd_in(1, AZLXNET_A_KIT_MAX);
	else if (pct(70))
		t = (uint16_t)rnd_in(1, AZLXNET_A_NIC_MAX);
	else if (pct(30))
		t = 0;
	else
		t = (uint16_t)rnd_in(AZLXNET_A_NIC_MAX + 1, NLA_TYPE_MASK);
	if (pct(5))
		t |= NLA_F_NESTED;
	if (pct(3))
		t |= NLA_F_NET_BYTEORDER;
	return t;
}

static void gen_attrs(struct req *r, uint8_t cmd)
{
	uint8_t payload[2048];
	struct nlattr *last = NULL, *a;
	uint32_t n, i;

	switch (cmd) {
	case AZLXNET_CMD_CONFIG_SET:
		n = pct(8) ? 0 : pct(85) ? rnd_in(1, 2) : rnd_in(3, 6);
		break;
	case AZLXNET_CMD_NIC_GET:
		n = pct(30) ? 0 : pct(85) ? 1 : rnd_in(2, 4);
		break;
	case AZLXNET_CMD_KIT_PROG_ATTACH ... AZLXNET_CMD_KIT_PROG_GET:
		n = pct(10) ? 0 : rnd_in(1, 4);
		break;
	default:
		n = pct(70) ? 0 : rnd_in(1, 3);
		break;
	}
	for (i = 0; i < n; i++) {
		uint16_t type = gen_type(cmd);
		int t = type & NLA_TYPE_MASK;
		size_t len;

		if (pct(4)) {		/* nested garbage */
			len = gen_garbage(payload, sizeof(payload), 0);
			type |= NLA_F_NESTED;
		} else if ((t == AZLXNET_A_NIC_IFINDEX && cmd == AZLXNET_CMD_NIC_GET) ||
			   (t <= AZLXNET_A_KIT_MAX && is_kit_cmd(cmd) && pct(90))) {
			len = gen_u32_payload(payload);
		} else if (t <= AZLXNET_A_NIC_MAX && pct(cmd == AZLXNET_CMD_CONFIG_SET ? 95 : 40)) {
			len = gen_str_payload(payload, sizeof(payload));
		} else {
			len = pct(30) ? 4 : rnd(40);
			memset(payload, 0, len);
			if (len >= 4 && pct(50)) {
				uint32_t v = rnd(32);

				memcpy(payload, &v, 4);
			} else {
				size_t j;

				for (j = 0; j < len; j++)
					payload[j] = (uint8_t)rnd64();
			}
		}
		a = put_attr(r, type, payload, len);
		if (a)
			last = a;
	}

	/* Break the attribute stream itself. */
	if (pct(12)) {
		switch (rnd(5)) {
		case 0:		/* an attribute header cut short */
			for (i = rnd_in(1, 3); i--;)
				r->buf[r->len++] = (uint8_t)rnd64();
			break;
		case 1:		/* nla_len below the header */
			a = put_attr(r, gen_type(cmd), payload, 0);
			if (a)
				a->nla_len = (uint16_t)rnd(NLA_HDRLEN);
			break;
		case 2:		/* nla_len beyond the message */
			if (last)
				last->nla_len = (uint16_t)(pct(50) ? 0xffff :
					(r->buf + r->len - (uint8_t *)last) + rnd_in(1, 64));
			break;
		case 3:		/* an empty attribute */
			put_attr(r, gen_type(cmd), NULL, 0);
			break;
		default:	/* no padding after the last attribute */
			if (last && (uint8_t *)last + NLA_ALIGN(last->nla_len) == r->buf + r->len)
				r->len = (size_t)((uint8_t *)last - r->buf) + last->nla_len;
			break;
		}
	}
}

/* Request idx: the same for the same seed, whatever the kernel answered. */
static void gen_request(struct fuzz *f, struct req *r, uint64_t idx)
{
	struct genlmsghdr *g;
	uint16_t flags;
	uint8_t cmd;
	size_t nlen;

	rng = f->seed ^ (idx * 0xd1342543de82ef95ULL);
	rnd64();
	memset(r, 0, offsetof(struct req, buf) + NLMSG_HDRLEN + GENL_HDRLEN);
	r->idx = idx;

	switch (rnd(100)) {
	case 0 ... 29:
		cmd = AZLXNET_CMD_CONFIG_SET;
		break;
	case 30 ... 49:
		cmd = AZLXNET_CMD_NIC_GET;
		break;
	case 50 ... 59:
		cmd = AZLXNET_CMD_VERSION;
		break;
	case 60 ... 69:
		cmd = AZLXNET_CMD_CONFIG_GET;
		break;
	case 70 ... 75:
		cmd = (uint8_t)rnd_in(AZLXNET_CMD_KIT_PROG_ATTACH, AZLXNET_CMD_KIT_PROG_GET);
		break;
	case 76 ... 81:		/* events: not requests */
		cmd = (uint8_t)rnd_in(AZLXNET_CMD_VF_JOIN, AZLXNET_CMD_NIC_DEL);
		break;
	case 82 ... 87:
		cmd = 0;
		break;
	default:
		cmd = (uint8_t)rnd_in(AZLXNET_CMD_MAX + 1, 255);
		break;
	}

	flags = NLM_F_REQUEST | NLM_F_ACK;
	if (pct(15) || (cmd == AZLXNET_CMD_NIC_GET && pct(35)))
		flags |= NLM_F_DUMP;
	if (pct(10))
		flags &= ~NLM_F_ACK;
	if (pct(5))
		flags |= NLM_F_ECHO;
	if (pct(3))
		flags &= ~NLM_F_REQUEST;
	if (pct(4))		/* half of NLM_F_DUMP */
		flags = (flags & ~NLM_F_DUMP) | (pct(50) ? NLM_F_ROOT : NLM_F_MATCH);
	if (pct(5))		/* any other bits */
		flags |= (uint16_t)(rnd64() & ~(uint64_t)(NLM_F_REQUEST | NLM_F_ACK));

	r->nlh.nlmsg_type = f->family;
	r->nlh.nlmsg_flags = flags;
	r->nlh.nlmsg_seq = ++f->seq;
	r->nlh.nlmsg_pid = pct(5) ? (uint32_t)rnd64() : 0;
	g = req_genl(r);
	g->cmd = cmd;
	g->version = pct(85) ? AZLXNET_FAMILY_VERSION : (uint8_t)rnd(256);
	g->reserved = pct(93) ? 0 : (uint16_t)rnd_in(1, 0xffff);
	r->len = NLMSG_HDRLEN + GENL_HDRLEN;
	gen_attrs(r, cmd);

	/* Break the framing: nlmsg_len against what is sent. */
	r->sent = r->len;
	nlen = r->len;
	if (pct(12)) {
		switch (rnd(6)) {
		case 0:
			r->framing = "nlmsg_len below NLMSG_HDRLEN";
			nlen = rnd(NLMSG_HDRLEN);
			break;
		case 1:
			r->framing = "nlmsg_len without the genl header";
			nlen = rnd_in(NLMSG_HDRLEN, NLMSG_HDRLEN + GENL_HDRLEN - 1);
			break;
		case 2:
			r->framing = "nlmsg_len short of the message";
			nlen = rnd_in(NLMSG_HDRLEN, (uint32_t)r->len);
			break;
		case 3:
			r->framing = "nlmsg_len beyond the message";
			nlen = pct(50) ? 0xffffffff : r->len + rnd_in(1, 256);
			break;
		case 4:
			r->framing = "message cut short of nlmsg_len";
			r->sent = rnd_in(NLMSG_HDRLEN, (uint32_t)r->len);
			if (r->sent == r->len)
				r->sent--;
			break;
		default:
			r->framing = "runt message";
			r->sent = rnd_in(1, NLMSG_HDRLEN - 1);
			break;
		}
	}
	r->nlh.nlmsg_len = (uint32_t)nlen;
	/*
	 * Whatever follows nlmsg_len is parsed as the next message: make it
	 * one that is dropped (nlmsg_len 0), never a request to anything.
	 */
	if (nlen >= NLMSG_HDRLEN && NLMSG_ALIGN(nlen) + NLMSG_HDRLEN <= r->sent)
		memset(r->buf + NLMSG_ALIGN(nlen), 0, 4);
}

/* ---- the model ---- */

/* The kernel's NLA_NUL_STRING check with .len = STR_MAX. */
static int model_nul_string(const struct nlattr *a)
{
	const uint8_t *p = (const uint8_t *)a + NLA_HDRLEN;
	int len = a->nla_len - NLA_HDRLEN;
	int minlen = len < STR_MAX + 1 ? len : STR_MAX + 1;

	if (!minlen || !memchr(p, 0, (size_t)minlen))
		return -EINVAL;
	if (!p[len - 1])
		len--;
	if (len > STR_MAX)
		return -ERANGE;
	return 0;
}

static int model_attr(uint8_t cmd, const struct nlattr *a)
{
	int type = a->nla_type & NLA_TYPE_MASK, len = a->nla_len - NLA_HDRLEN;
	uint32_t v;

	switch (op_policy(cmd, type)) {
	case POL_UNSPEC:
		return -EINVAL;		/* "Unsupported attribute" */
	case POL_NUL_STRING:
		if (a->nla_type & NLA_F_NESTED)
			return -EINVAL;
		return model_nul_string(a);
	case POL_IFINDEX:	/* u32, 1 to INT32_MAX */
	case POL_U32:
	case POL_U32_MAX1:
	case POL_U32_S32:
		if (len != 4 || (a->nla_type & NLA_F_NESTED))
			return -EINVAL;
		memcpy(&v, (const uint8_t *)a + NLA_HDRLEN, 4);
		switch (op_policy(cmd, type)) {
		case POL_IFINDEX:
			return v < 1 || v > INT32_MAX ? -ERANGE : 0;
		case POL_U32_MAX1:
			return v > 1 ? -ERANGE : 0;
		case POL_U32_S32:
			return v > INT32_MAX ? -ERANGE : 0;
		default:
			return 0;
		}
	}
	return -EINVAL;
}

/* Strict attribute parsing of the genl payload; tb[] gets the last of a type. */
/* @bad: set to the attribute a range error is about (the extack's offset) */
static int model_attrs(const struct op_desc *op, const uint8_t *p, int rem,
		       const struct nlattr **tb, const uint8_t **bad)
{
	int err;

	memset(tb, 0, sizeof(*tb) * (size_t)(op->maxattr + 1));
	while (rem >= NLA_HDRLEN) {
		const struct nlattr *a = (const struct nlattr *)p;
		int type = a->nla_type & NLA_TYPE_MASK;

		if (a->nla_len < NLA_HDRLEN || a->nla_len > rem)
			break;
		if (type == 0 || type > op->maxattr)
			return -EINVAL;		/* "Unknown attribute type" */
		err = model_attr(op->cmd, a);
		if (err == -ERANGE)
			*bad = p;
		if (err)
			return err;
		tb[type] = a;
		rem -= NLA_ALIGN(a->nla_len);
		p += NLA_ALIGN(a->nla_len);
	}
	return rem > 0 ? -EINVAL : 0;	/* "bytes leftover" */
}

static bool name_char_ok(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.';
}

/*
 * The documented list syntax: at most 8 names of 1 to 31 characters from
 * [A-Za-z0-9_.-], comma-separated, each once; "" is valid. (Only the sysfs
 * parameter ignores a trailing newline; over netlink it is a bad character.)
 * NULL if valid, and out gets the list as config-get will print it; else
 * what is wrong.
 */
static const char *model_list(const char *s, char *out)
{
	static char why[48];
	char names[NAMES_MAX][NAME_MAX_LEN + 1];
	size_t len = strlen(s), n, i, k, count = 0;

	if (len > STR_MAX)
		return "list too long";
	for (i = 0; i < len; i += n + 1) {
		n = 0;
		while (i + n < len && s[i + n] != ',')
			n++;
		if (!n || i + n + 1 == len)
			return "empty name";
		if (n > NAME_MAX_LEN)
			return "name too long";
		for (k = 0; k < n; k++) {
			if (!name_char_ok(s[i + k])) {
				snprintf(why, sizeof(why), "character 0x%02x",
					 (unsigned char)s[i + k]);
				return why;
			}
		}
		if (count == NAMES_MAX)
			return "more than 8 names";
		memcpy(names[count], s + i, n);
		names[count][n] = '\0';
		for (k = 0; k < count; k++)
			if (!strcmp(names[k], names[count]))
				return "duplicate name";
		count++;
	}
	memcpy(out, s, len);
	out[len] = '\0';
	return NULL;
}

/* True if the valid lists @a and @b have a name in common. */
static bool lists_overlap(const char *a, const char *b)
{
	size_t n, m, i, j;

	for (i = 0; a[i]; i += n + !!a[i + n]) {
		n = strcspn(a + i, ",");
		for (j = 0; b[j]; j += m + !!b[j + m]) {
			m = strcspn(b + j, ",");
			if (m == n && !memcmp(a + i, b + j, n))
				return true;
		}
	}
	return false;
}

static int expect_err(struct expect *x, int err, int alt, const char *why)
{
	x->kind = X_ERR;
	x->err = err;
	x->alt = alt;
	x->why = why;
	return 0;
}

/* What the kernel (netlink core, genetlink, policy, handler) will answer. */
static int model(const struct fuzz *f, struct req *r, struct expect *x)
{
	const struct nlattr *tb[TB_SIZE];
	uint32_t nlen = r->nlh.nlmsg_len;
	uint16_t flags = r->nlh.nlmsg_flags, fl;
	struct genlmsghdr *g = req_genl(r);
	bool dump = (flags & NLM_F_DUMP) == NLM_F_DUMP;
	const struct op_desc *op;
	const uint8_t *bad = NULL;
	int err;

	memset(x, 0, sizeof(*x));
	/* af_netlink netlink_rcv_skb() */
	if (r->sent < NLMSG_HDRLEN || nlen < NLMSG_HDRLEN || nlen > r->sent) {
		x->kind = X_DROP;
		x->why = "dropped by the netlink core";
		return 0;
	}
	if (!(flags & NLM_F_REQUEST)) {
		x->kind = X_ACK;
		x->why = "not a request: acked unseen";
		return 0;
	}
	/* genetlink genl_family_rcv_msg() */
	if (nlen < NLMSG_HDRLEN + GENL_HDRLEN)
		return expect_err(x, -EINVAL, 0, "no genl header");
	if (g->reserved)
		return expect_err(x, -EINVAL, 0, "genlmsghdr.reserved set");
	fl = dump ? flags & ~NLM_F_DUMP : flags;
	if (fl & ~(NLM_F_REQUEST | NLM_F_ACK | NLM_F_ECHO))
		return expect_err(x, -EINVAL, 0, "reserved nlmsg_flags");
	op = op_find(g->cmd);
	if (!op)
		return expect_err(x, -EOPNOTSUPP, 0, "no such operation");
	if (dump && !op->dump)	/* 6.1 checks the permission first */
		return expect_err(x, -EOPNOTSUPP,
				  op->admin && !f->priv ? -EPERM : 0,
				  "dump of a do-only operation");
	x->perm_checked = true;
	if (op->admin && !f->priv)
		return expect_err(x, -EPERM, 0, "needs CAP_NET_ADMIN");
	err = model_attrs(op, r->buf + NLMSG_HDRLEN + GENL_HDRLEN,
			  (int)nlen - NLMSG_HDRLEN - GENL_HDRLEN, tb, &bad);
	if (err == -ERANGE) {
		/* the kernel's policy error names the attribute */
		x->offs = (int)(bad - r->buf);
		return expect_err(x, err, 0, "out of the policy's range");
	}
	if (err)
		return expect_err(x, err, 0, "attribute policy");

	switch (op->cmd) {
	case AZLXNET_CMD_VERSION:
	case AZLXNET_CMD_CONFIG_GET:
		x->kind = X_REPLY;
		x->why = "a reply";
		return 0;
	case AZLXNET_CMD_CONFIG_SET: {
		const struct nlattr *s = tb[AZLXNET_A_INFO_SYNTHETIC_DRIVERS];
		const struct nlattr *v = tb[AZLXNET_A_INFO_VF_DRIVERS];
		const char *bad;

		if (!s && !v)
			return expect_err(x, -EINVAL, 0, "config-set without a list");
		bad = s ? model_list((const char *)s + NLA_HDRLEN, x->buf_synth) : NULL;
		if (bad) {
			snprintf(x->buf_why, sizeof(x->buf_why), "synthetic-drivers: %s", bad);
			return expect_err(x, -EINVAL, 0, x->buf_why);
		}
		bad = v ? model_list((const char *)v + NLA_HDRLEN, x->buf_vf) : NULL;
		if (bad) {
			snprintf(x->buf_why, sizeof(x->buf_why), "vf-drivers: %s", bad);
			return expect_err(x, -EINVAL, 0, x->buf_why);
		}
		/* the lists after the change, the one kept included */
		if (lists_overlap(s ? x->buf_synth : f->synth, v ? x->buf_vf : f->vf))
			return expect_err(x, -EINVAL, 0, "a driver in both lists");
		x->set_synth = s ? x->buf_synth : NULL;
		x->set_vf = v ? x->buf_vf : NULL;
		x->kind = X_ACK;
		x->why = "valid config-set";
		return 0;
	}
	case AZLXNET_CMD_NIC_GET:
		if (dump) {
			x->kind = X_DUMP;
			x->why = "a dump";
			return 0;
		}
		if (!tb[AZLXNET_A_NIC_IFINDEX])
			return expect_err(x, -EINVAL, 0, "nic-get without ifindex");
		memcpy(&x->ifindex, (const uint8_t *)tb[AZLXNET_A_NIC_IFINDEX] + NLA_HDRLEN, 4);
		x->kind = X_NIC;
		x->why = "ENODEV or the NIC";
		return 0;
	/* no azlxkit pair exists while the fuzzer runs, nor a program fd */
	case AZLXNET_CMD_KIT_PROG_ATTACH:
		if (!tb[AZLXNET_A_KIT_IFINDEX] || !tb[AZLXNET_A_KIT_PROG_FD])
			return expect_err(x, -EINVAL, 0, "kit-prog-attach without ifindex or prog-fd");
		return expect_err(x, -EBADF, -EINVAL, "prog-fd is no program");
	case AZLXNET_CMD_KIT_PROG_DETACH:
	case AZLXNET_CMD_KIT_PROG_GET:
		if (!tb[AZLXNET_A_KIT_IFINDEX])
			return expect_err(x, -EINVAL, 0, "kit-prog request without ifindex");
		return expect_err(x, -ENODEV, 0, "no azlxkit device");
	}
	return expect_err(x, -EOPNOTSUPP, 0, "no such operation");
}

/* ---- socket ---- */

static void config_get(int fd, int family, char *synth, char *vf);

static int fuzz_open(void)
{
	struct timeval tv = { .tv_sec = RX_TIMEOUT_S };
	int one = 1, fd = nlt_open();

	CHECK(!setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)),
	      "SO_RCVTIMEO: %s", strerror(errno));
	/* Acks carry the request's header only: less to copy. */
	CHECK(!setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one)),
	      "NETLINK_CAP_ACK: %s", strerror(errno));
	return fd;
}

static void fuzz_reopen(struct fuzz *f)
{
	close(f->fd);
	f->fd = fuzz_open();
}

static const char *attr_str(const struct nlattr *a)
{
	const char *s = (const char *)a + NLA_HDRLEN;
	int len = a->nla_len - NLA_HDRLEN;

	if (len < 1 || s[len - 1])
		return NULL;
	return s;
}

/* Check one reply of the family to request r; "" or why it is wrong. */
static void check_reply(struct fuzz *f, const struct req *r, const struct expect *x,
			const struct nlmsghdr *nlh, struct answer *ans)
{
	const struct genlmsghdr *g = (const struct genlmsghdr *)NLMSG_DATA(nlh);
	const struct genlmsghdr *rg = (const struct genlmsghdr *)(r->buf + NLMSG_HDRLEN);
	const struct nlattr *tb[AZLXNET_A_NIC_MAX + 1] = {};
	const uint8_t *p = (const uint8_t *)nlh + NLMSG_HDRLEN + GENL_HDRLEN;
	int rem = (int)nlh->nlmsg_len - NLMSG_HDRLEN - GENL_HDRLEN;

	if (ans->bad[0])
		return;
	if (rem < 0) {
		snprintf(ans->bad, sizeof(ans->bad), "reply without a genl header");
		return;
	}
	if (g->cmd != rg->cmd || g->version != AZLXNET_FAMILY_VERSION) {
		snprintf(ans->bad, sizeof(ans->bad), "reply cmd %u version %u to cmd %u",
			 g->cmd, g->version, rg->cmd);
		return;
	}
	while (rem >= NLA_HDRLEN) {
		const struct nlattr *a = (const struct nlattr *)p;
		int type = a->nla_type & NLA_TYPE_MASK;

		if (a->nla_len < NLA_HDRLEN || a->nla_len > rem)
			break;
		if (type <= AZLXNET_A_NIC_MAX)
			tb[type] = a;
		rem -= NLA_ALIGN(a->nla_len);
		p += NLA_ALIGN(a->nla_len);
	}
	if (rem > 0) {
		snprintf(ans->bad, sizeof(ans->bad), "reply attributes are malformed");
		return;
	}
	switch (g->cmd) {
	case AZLXNET_CMD_VERSION: {
		const struct nlattr *a = tb[AZLXNET_A_INFO_API_VERSION];
		uint32_t api = 0;

		if (a && a->nla_len == NLA_HDRLEN + 4)
			memcpy(&api, (const uint8_t *)a + NLA_HDRLEN, 4);
		if (api != AZLXNET_API_VERSION ||
		    !tb[AZLXNET_A_INFO_MODULE_VERSION] ||
		    !attr_str(tb[AZLXNET_A_INFO_MODULE_VERSION]))
			snprintf(ans->bad, sizeof(ans->bad),
				 "version reply: api-version %u, module-version %s",
				 api, tb[AZLXNET_A_INFO_MODULE_VERSION] ? "bad" : "missing");
		break;
	}
	case AZLXNET_CMD_CONFIG_GET: {
		const char *s = NULL, *v = NULL;

		if (tb[AZLXNET_A_INFO_SYNTHETIC_DRIVERS])
			s = attr_str(tb[AZLXNET_A_INFO_SYNTHETIC_DRIVERS]);
		if (tb[AZLXNET_A_INFO_VF_DRIVERS])
			v = attr_str(tb[AZLXNET_A_INFO_VF_DRIVERS]);
		if (!s || !v || strcmp(s, f->synth) || strcmp(v, f->vf))
			snprintf(ans->bad, sizeof(ans->bad),
				 "config-get says '%.40s' '%.40s', the config-sets made '%.40s' '%.40s'",
				 s ? s : "(none)", v ? v : "(none)", f->synth, f->vf);
		break;
	}
	case AZLXNET_CMD_NIC_GET: {
		const struct nlattr *a = tb[AZLXNET_A_NIC_IFINDEX];
		uint32_t ifindex = 0;

		if (a && a->nla_len == NLA_HDRLEN + 4)
			memcpy(&ifindex, (const uint8_t *)a + NLA_HDRLEN, 4);
		if (!ifindex || !tb[AZLXNET_A_NIC_IFNAME] ||
		    !attr_str(tb[AZLXNET_A_NIC_IFNAME]))
			snprintf(ans->bad, sizeof(ans->bad), "nic-get reply without ifindex or ifname");
		else if (x->kind == X_NIC && ifindex != x->ifindex)
			snprintf(ans->bad, sizeof(ans->bad), "nic-get %u answered for ifindex %u",
				 x->ifindex, ifindex);
		break;
	}
	}
}

/*
 * NLMSGERR_ATTR_OFFS of an NLMSG_ERROR, -1 if none. The socket has
 * NETLINK_CAP_ACK: the TLVs follow the nlmsgerr and the request's header.
 */
static int err_offs(const struct nlmsghdr *nlh)
{
	size_t off = NLMSG_HDRLEN + NLMSG_ALIGN(sizeof(struct nlmsgerr));
	const struct nlattr *a;

	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS) || !(nlh->nlmsg_flags & NLM_F_CAPPED))
		return -1;
	while (off + NLA_HDRLEN <= nlh->nlmsg_len) {
		a = (const struct nlattr *)((const uint8_t *)nlh + off);
		if (a->nla_len < NLA_HDRLEN || off + a->nla_len > nlh->nlmsg_len)
			return -1;
		if (a->nla_type == NLMSGERR_ATTR_OFFS && a->nla_len == NLA_HDRLEN + 4)
			return *(const int *)((const uint8_t *)a + NLA_HDRLEN);
		off += NLA_ALIGN(a->nla_len);
	}
	return -1;
}

/* Receive until the request is answered (and, with barrier, the barrier too). */
static void receive(struct fuzz *f, const struct req *r, const struct expect *x,
		    uint32_t barrier, struct answer *ans)
{
	static uint8_t buf[RX_BUFSZ] __attribute__((aligned(8)));
	uint32_t seq = r->nlh.nlmsg_seq;
	bool barrier_seen = !barrier;

	for (;;) {
		struct iovec iov = { buf, sizeof(buf) };
		struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
		const struct nlmsghdr *nlh;
		ssize_t n;
		int left;
		bool done;

		/* Done? A dump in progress goes on to NLMSG_DONE. */
		done = barrier ? barrier_seen : ans->nerr || ans->ndone;
		if (done && !(ans->nmulti && !ans->ndone && !ans->nerr))
			return;

		n = recvmsg(f->fd, &mh, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			ans->timeout = true;
			return;
		}
		if (n <= 0) {
			snprintf(ans->bad, sizeof(ans->bad), "recv: %s",
				 n ? strerror(errno) : "EOF");
			fuzz_reopen(f);
			return;
		}
		if (mh.msg_flags & MSG_TRUNC) {
			snprintf(ans->bad, sizeof(ans->bad), "answer truncated");
			continue;
		}
		left = (int)n;
		for (nlh = (const struct nlmsghdr *)buf; NLMSG_OK(nlh, left);
		     nlh = NLMSG_NEXT(nlh, left)) {
			if (barrier && nlh->nlmsg_seq == barrier) {
				const struct nlmsgerr *e = NLMSG_DATA(nlh);

				if (nlh->nlmsg_type != NLMSG_ERROR || e->error)
					snprintf(ans->bad, sizeof(ans->bad),
						 "barrier answered with type %u", nlh->nlmsg_type);
				barrier_seen = true;
				continue;
			}
			if (nlh->nlmsg_seq != seq) {
				snprintf(ans->bad, sizeof(ans->bad),
					 "an answer (type %u seq %u) to no request",
					 nlh->nlmsg_type, nlh->nlmsg_seq);
				continue;
			}
			if (nlh->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *e = NLMSG_DATA(nlh);

				if (nlh->nlmsg_len < NLMSG_LENGTH(sizeof(*e)) ||
				    e->msg.nlmsg_seq != seq || e->error > 0 ||
				    e->error < -4095) {
					snprintf(ans->bad, sizeof(ans->bad), "malformed NLMSG_ERROR");
					continue;
				}
				ans->nerr++;
				ans->err = e->error;
				ans->offs = err_offs(nlh);
			} else if (nlh->nlmsg_type == NLMSG_DONE) {
				if (nlh->nlmsg_len < NLMSG_LENGTH(sizeof(int)) ||
				    !(nlh->nlmsg_flags & NLM_F_MULTI)) {
					snprintf(ans->bad, sizeof(ans->bad), "malformed NLMSG_DONE");
					continue;
				}
				ans->ndone++;
				memcpy(&ans->done_err, NLMSG_DATA(nlh), sizeof(int));
			} else if (nlh->nlmsg_type == f->family) {
				if (nlh->nlmsg_flags & NLM_F_MULTI)
					ans->nmulti++;
				else
					ans->ndata++;
				check_reply(f, r, x, nlh, ans);
			} else {
				snprintf(ans->bad, sizeof(ans->bad), "answer of type %u",
					 nlh->nlmsg_type);
			}
		}
		if (left > 0)
			snprintf(ans->bad, sizeof(ans->bad), "%d bytes of a partial message", left);
	}
}

static bool oom_err(int err)
{
	return err == -ENOMEM || err == -ENOBUFS;
}

/*
 * Under fault injection: an allocation failure reported as such, where the
 * prediction was not itself that error.
 */
static bool answer_injected(const struct expect *x, const struct answer *a)
{
	if (a->ndone == 1 && oom_err(a->done_err) && !a->nerr && !a->ndata)
		return x->kind == X_DUMP;
	if (!(a->nerr == 1 && oom_err(a->err) && !a->ndata && !a->nmulti && !a->ndone))
		return false;
	return !(x->kind == X_ERR && (a->err == x->err || (x->alt && a->err == x->alt)));
}

static void inject(struct fuzz *f, bool on)
{
	if (f->fail_fd < 0)
		return;
	CHECK(pwrite(f->fail_fd, on ? "1" : "0", 1, 0) == 1,
	      "make-it-fail: %s", strerror(errno));
}

/* Does the answer match the prediction? */
static bool answer_ok(const struct req *r, const struct expect *x,
		      const struct answer *a)
{
	bool ack = r->nlh.nlmsg_flags & NLM_F_ACK;
	bool nothing = !a->nerr && !a->ndata && !a->nmulti && !a->ndone;
	bool is_err = a->nerr == 1 && a->err && !a->ndata && !a->nmulti && !a->ndone;
	bool reply = a->ndata == 1 && !a->nmulti && !a->ndone &&
		     (ack ? a->nerr == 1 && !a->err : !a->nerr);

	switch (x->kind) {
	case X_DROP:
		return nothing;
	case X_ERR:
		return is_err && (a->err == x->err || (x->alt && a->err == x->alt)) &&
		       (!x->offs || a->offs == x->offs);
	case X_ACK:
		return ack ? a->nerr == 1 && !a->err && !a->ndata && !a->nmulti && !a->ndone
			   : nothing;
	case X_REPLY:
		return reply;
	case X_NIC:
		return reply || (is_err && a->err == -ENODEV);
	case X_DUMP:
		return a->ndone == 1 && !a->done_err && !a->nerr && !a->ndata;
	}
	return false;
}

static void __attribute__((format(printf, 3, 4)))
append(char *buf, size_t len, const char *fmt, ...)
{
	size_t n = strlen(buf);
	va_list ap;

	if (n + 1 >= len)
		return;
	va_start(ap, fmt);
	vsnprintf(buf + n, len - n, fmt, ap);
	va_end(ap);
}

static void answer_describe(const struct answer *a, char *buf, size_t len)
{
	buf[0] = '\0';
	if (a->ndata)
		append(buf, len, "%d reply, ", a->ndata);
	if (a->nmulti)
		append(buf, len, "%d dump message(s), ", a->nmulti);
	if (a->ndone)
		append(buf, len, "%d NLMSG_DONE (%s), ", a->ndone,
		       a->done_err ? errname(a->done_err) : "0");
	if (a->nerr)
		append(buf, len, "%d NLMSG_ERROR (last %s, extack offset %d), ", a->nerr,
		       a->err ? errname(a->err) : "ack", a->offs);
	if (!buf[0])
		append(buf, len, "nothing, ");
	if (a->timeout)
		append(buf, len, "then silence, ");
	buf[strlen(buf) - 2] = '\0';
}

static const char *expect_describe(const struct expect *x, char *buf, size_t len)
{
	static const char *const kind[] = {
		[X_DROP] = "nothing", [X_ERR] = "error", [X_ACK] = "ack",
		[X_REPLY] = "reply", [X_NIC] = "reply or ENODEV", [X_DUMP] = "dump",
	};

	if (x->kind == X_ERR && x->offs)
		snprintf(buf, len, "%s at offset %d (%s)", errname(x->err), x->offs, x->why);
	else if (x->kind == X_ERR)
		snprintf(buf, len, "%s%s%s (%s)", errname(x->err), x->alt ? " or " : "",
			 x->alt ? errname(x->alt) : "", x->why);
	else
		snprintf(buf, len, "%s (%s)", kind[x->kind], x->why);
	return buf;
}

static void one_request(struct fuzz *f, uint64_t idx)
{
	static struct req r;
	struct answer a = {};
	struct expect x;
	uint32_t barrier = 0;
	bool ack, quiet;
	char label[40];
	char e[160], g[160];
	ssize_t n;

	gen_request(f, &r, idx);
	model(f, &r, &x);
	f->requests++;
	f->by_cmd[cmd_class(req_genl(&r)->cmd)]++;
	ack = (r.nlh.nlmsg_flags & (NLM_F_REQUEST | NLM_F_ACK)) ==
	      (NLM_F_REQUEST | NLM_F_ACK);

	inject(f, true);
	n = send(f->fd, r.buf, r.sent, 0);
	inject(f, false);
	if (n != (ssize_t)r.sent) {
		failure(f, &r, "send: %s", n < 0 ? strerror(errno) : "short");
		return;
	}
	/*
	 * Requests that may legitimately get no answer are followed by a
	 * NLMSG_NOOP with NLM_F_ACK: its ack says everything before is in.
	 */
	quiet = !ack || r.framing;
	if (quiet) {
		struct nlmsghdr b = {
			.nlmsg_len = NLMSG_HDRLEN,
			.nlmsg_type = NLMSG_NOOP,
			.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK,
			.nlmsg_seq = barrier = ++f->seq,
		};

		if (send(f->fd, &b, sizeof(b), 0) != sizeof(b)) {
			failure(f, &r, "send barrier: %s", strerror(errno));
			return;
		}
	}
	receive(f, &r, &x, barrier, &a);

	/* Tally what came back. */
	if (a.ndone)
		snprintf(label, sizeof(label), "dump%s%s", a.done_err ? " " : "",
			 a.done_err ? errname(a.done_err) : "");
	else if (a.ndata)
		snprintf(label, sizeof(label), "reply");
	else if (a.nerr)
		snprintf(label, sizeof(label), "%s", a.err ? errname(a.err) : "ack");
	else if (a.timeout)
		snprintf(label, sizeof(label), "TIMEOUT");
	else if (x.kind == X_DROP)
		snprintf(label, sizeof(label), "none (dropped: nlmsg_len)");
	else if (!(r.nlh.nlmsg_flags & NLM_F_REQUEST))
		snprintf(label, sizeof(label), "none (not a request)");
	else
		snprintf(label, sizeof(label), "none (success, no NLM_F_ACK)");
	tally(f, label);
	if (!a.nerr && !a.ndata && !a.ndone && !a.timeout) {
		if (x.kind == X_DROP)
			f->dropped++;
		else
			f->quiet++;
	}

	if (f->verbose) {
		req_describe(&r, g, sizeof(g));
		printf("#%" PRIu64 " %s -> %s; expected %s\n", idx, g, label,
		       expect_describe(&x, e, sizeof(e)));
	}

	if (a.timeout) {
		f->timeouts++;
		answer_describe(&a, g, sizeof(g));
		failure(f, &r, "no answer within %d s (got %s; expected %s)", RX_TIMEOUT_S,
			g, expect_describe(&x, e, sizeof(e)));
		fuzz_reopen(f);		/* late answers must not confuse the next */
		config_get(f->ctl, f->family, f->synth, f->vf);
		return;
	}
	if (a.bad[0]) {
		failure(f, &r, "%s", a.bad);
		return;
	}
	if (f->fail_fd >= 0 && answer_injected(&x, &a)) {
		/* Failed cleanly; the config must be as it was (checked later). */
		f->injected++;
		return;
	}
	if (!answer_ok(&r, &x, &a)) {
		answer_describe(&a, g, sizeof(g));
		failure(f, &r, "got %s; expected %s", g, expect_describe(&x, e, sizeof(e)));
		/* Whatever it did: learn the config again, not to blame the next. */
		if (req_genl(&r)->cmd == AZLXNET_CMD_CONFIG_SET)
			config_get(f->ctl, f->family, f->synth, f->vf);
		return;
	}

	/* config-set: what reached the permission check, and what it did. */
	if (req_genl(&r)->cmd == AZLXNET_CMD_CONFIG_SET && x.perm_checked) {
		f->set_sent++;
		if (x.kind == X_ACK)
			f->set_ok++;
		else if (a.err == -EPERM)
			f->set_eperm++;
	}
	if (req_genl(&r)->cmd == AZLXNET_CMD_NIC_GET) {
		f->nic_replies += (unsigned long)a.ndata;
		f->nic_dumped += (unsigned long)a.nmulti;
	}
	if (x.kind == X_ACK && x.set_synth)
		snprintf(f->synth, sizeof(f->synth), "%s", x.set_synth);
	if (x.kind == X_ACK && x.set_vf)
		snprintf(f->vf, sizeof(f->vf), "%s", x.set_vf);
}

/* ---- configuration and version, with the plain helpers ---- */

static void config_get(int fd, int family, char *synth, char *vf)
{
	const struct nlattr *a;
	struct nlt_reply r;
	struct nlt_msg m;

	nlt_genl_start(&m, family, AZLXNET_CMD_CONFIG_GET, AZLXNET_FAMILY_VERSION);
	CHECK_EQ(nlt_txrx(fd, &m, &r), 0);
	a = nlt_attr(&r, AZLXNET_A_INFO_SYNTHETIC_DRIVERS);
	CHECK(a && attr_str(a), "config-get: no synthetic-drivers");
	snprintf(synth, STR_MAX + 1, "%s", attr_str(a));
	a = nlt_attr(&r, AZLXNET_A_INFO_VF_DRIVERS);
	CHECK(a && attr_str(a), "config-get: no vf-drivers");
	snprintf(vf, STR_MAX + 1, "%s", attr_str(a));
}

static void config_set(int fd, int family, const char *synth, const char *vf)
{
	struct nlt_reply r;
	struct nlt_msg m;

	nlt_genl_start(&m, family, AZLXNET_CMD_CONFIG_SET, AZLXNET_FAMILY_VERSION);
	nlt_put_str(&m, AZLXNET_A_INFO_SYNTHETIC_DRIVERS, synth);
	nlt_put_str(&m, AZLXNET_A_INFO_VF_DRIVERS, vf);
	if (nlt_txrx(fd, &m, &r))
		ksft_fail("restoring config-set: %s (%s)", strerror(-r.err), r.extack);
}

static void check_version(int fd, int family)
{
	char sysver[64];
	const struct nlattr *a;
	struct nlt_reply r;
	struct nlt_msg m;
	uint32_t api;

	nlt_genl_start(&m, family, AZLXNET_CMD_VERSION, AZLXNET_FAMILY_VERSION);
	CHECK_EQ(nlt_txrx(fd, &m, &r), 0);
	CHECK(r.len, "version sent no reply");
	a = nlt_attr(&r, AZLXNET_A_INFO_MODULE_VERSION);
	CHECK(a && attr_str(a), "version: no module-version");
	ksft_read_line("/sys/module/azlxnet/version", sysver, sizeof(sysver));
	CHECK_STREQ(attr_str(a), sysver);
	a = nlt_attr(&r, AZLXNET_A_INFO_API_VERSION);
	CHECK(a && a->nla_len == NLA_HDRLEN + 4, "version: api-version missing or not u32");
	memcpy(&api, (const uint8_t *)a + NLA_HDRLEN, 4);
	CHECK_EQ(api, AZLXNET_API_VERSION);
	printf("version still answers: module %s, api %u\n", sysver, api);
}

/* ---- passes ---- */

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int tally_cmp(const void *a, const void *b)
{
	const struct tally *x = a, *y = b;

	return x->n < y->n ? 1 : x->n > y->n ? -1 : strcmp(x->label, y->label);
}

static void fuzz_report(struct fuzz *f, double secs)
{
	size_t i;

	printf("%lu requests in %.1f s (%.0f us each)\n", f->requests, secs,
	       f->requests ? secs * 1e6 / (double)f->requests : 0.0);
	printf("requests by command:");
	for (i = 0; i < ARRAY_SIZE(f->by_cmd); i++)
		printf("%s %s %lu", i ? "," : "", cmd_class_name[i], f->by_cmd[i]);
	printf("\n");
	qsort(f->tally, f->ntally, sizeof(f->tally[0]), tally_cmp);
	printf("answers:\n");
	for (i = 0; i < f->ntally; i++)
		printf("  %7lu  %s\n", f->tally[i].n, f->tally[i].label);
	printf("no answer, as expected: %lu dropped for their nlmsg_len, %lu without NLM_F_ACK and nothing to say\n",
	       f->dropped, f->quiet);
	printf("well-formed config-set: %lu, succeeded %lu, EPERM %lu\n",
	       f->set_sent, f->set_ok, f->set_eperm);
	printf("NICs found: %lu by nic-get, %lu in nic-get dumps\n",
	       f->nic_replies, f->nic_dumped);
	if (f->fail_fd >= 0)
		printf("fault injection: %lu requests failed cleanly with ENOMEM/ENOBUFS\n",
		       f->injected);
}

/* COUNT requests from FIRST; 0 if all were answered as predicted. */
static int fuzz_run(struct fuzz *f, uint64_t first, uint64_t count)
{
	double t0 = now_s();
	uint64_t i;

	printf("fuzzing azlxnet (family 0x%x) as uid %u: seed %" PRIu64
	       ", requests %" PRIu64 "..%" PRIu64 "\n", f->family, getuid(), f->seed,
	       first, first + count - 1);
	for (i = first; i < first + count; i++) {
		one_request(f, i);
		if (f->timeouts >= MAX_TIMEOUTS) {
			fprintf(stderr, "FAIL: %lu requests without an answer, stopping\n",
				f->timeouts);
			break;
		}
	}
	fuzz_report(f, now_s() - t0);
	if (!f->priv && f->set_ok)
		failure(f, NULL, "%lu config-set succeeded without CAP_NET_ADMIN", f->set_ok);
	if (f->fail_fd >= 0 && !f->injected)
		failure(f, NULL, "fault injection: no request was failed (is the stack filter right?)");
	if (f->failures)
		fprintf(stderr, "FAIL: %lu of %lu requests not answered as predicted (seed %" PRIu64 ")\n",
			f->failures, f->requests, f->seed);
	return f->failures ? KSFT_FAIL : KSFT_PASS;
}

static bool fault_injection;

static void fuzz_init(struct fuzz *f, bool priv, bool verbose, uint64_t seed)
{
	int family;

	memset(f, 0, sizeof(*f));
	f->fail_fd = -1;
	if (fault_injection) {
		f->fail_fd = open("/proc/thread-self/make-it-fail", O_WRONLY | O_CLOEXEC);
		CHECK(f->fail_fd >= 0, "/proc/thread-self/make-it-fail: %s (no CONFIG_FAULT_INJECTION?)",
		      strerror(errno));
	}
	f->priv = priv;
	f->verbose = verbose;
	f->seed = seed;
	f->seq = (uint32_t)time(NULL);
	f->fd = fuzz_open();
	family = nlt_family_id(f->fd, AZLXNET_FAMILY_NAME);
	CHECK(family > 0, "family %s does not resolve: %s", AZLXNET_FAMILY_NAME,
	      strerror(-family));
	f->family = (uint16_t)family;
	f->ctl = fuzz_open();
	config_get(f->ctl, family, f->synth, f->vf);
}

static int pass_root(uint64_t seed, uint64_t first, uint64_t count, bool verbose)
{
	char synth0[STR_MAX + 1], vf0[STR_MAX + 1], synth[STR_MAX + 1], vf[STR_MAX + 1];
	static struct fuzz f;
	int ret, fd;

	fuzz_init(&f, true, verbose, seed);
	memcpy(synth0, f.synth, sizeof(synth0));
	memcpy(vf0, f.vf, sizeof(vf0));
	printf("saved config: synthetic-drivers '%s' vf-drivers '%s'\n", synth0, vf0);
	ret = fuzz_run(&f, first, count);

	/* A fresh socket: whatever state the fuzzed one is in. */
	fd = fuzz_open();
	config_get(fd, f.family, synth, vf);
	if (strcmp(synth, f.synth) || strcmp(vf, f.vf)) {
		fprintf(stderr, "FAIL: after fuzzing config-get says '%s' '%s', the accepted config-sets made '%s' '%s'\n",
			synth, vf, f.synth, f.vf);
		ret = KSFT_FAIL;
	}
	config_set(fd, f.family, synth0, vf0);
	config_get(fd, f.family, synth, vf);
	CHECK_STREQ(synth, synth0);
	CHECK_STREQ(vf, vf0);
	ksft_read_line("/sys/module/azlxnet/parameters/synthetic_drivers", synth, sizeof(synth));
	CHECK_STREQ(synth, synth0);
	ksft_read_line("/sys/module/azlxnet/parameters/vf_drivers", vf, sizeof(vf));
	CHECK_STREQ(vf, vf0);
	printf("config restored: synthetic-drivers '%s' vf-drivers '%s'\n", synth, vf);
	check_version(fd, f.family);
	close(fd);
	close(f.ctl);
	close(f.fd);
	return ret;
}

static int pass_nobody(uint64_t seed, uint64_t first, uint64_t count, bool verbose)
{
	char synth0[STR_MAX + 1], vf0[STR_MAX + 1], synth[STR_MAX + 1], vf[STR_MAX + 1];
	int fd, family, status;
	pid_t pid;

	fd = fuzz_open();
	family = nlt_family_id(fd, AZLXNET_FAMILY_NAME);
	CHECK(family > 0, "family %s does not resolve: %s", AZLXNET_FAMILY_NAME,
	      strerror(-family));
	config_get(fd, family, synth0, vf0);
	fflush(stdout);

	pid = fork();
	CHECK(pid >= 0, "fork: %s", strerror(errno));
	if (!pid) {
		static struct fuzz f;

		close(fd);
		CHECK(!setgroups(0, NULL), "setgroups: %s", strerror(errno));
		CHECK(!setgid(NOBODY), "setgid: %s", strerror(errno));
		CHECK(!setuid(NOBODY), "setuid: %s", strerror(errno));
		fuzz_init(&f, false, verbose, seed);
		exit(fuzz_run(&f, first, count));
	}
	CHECK(waitpid(pid, &status, 0) == pid, "waitpid: %s", strerror(errno));

	config_get(fd, family, synth, vf);
	if (strcmp(synth, synth0) || strcmp(vf, vf0)) {
		config_set(fd, family, synth0, vf0);
		ksft_fail("the unprivileged requests changed the config to '%s' '%s'",
			  synth, vf);
	}
	printf("config unchanged: synthetic-drivers '%s' vf-drivers '%s'\n", synth, vf);
	check_version(fd, family);
	close(fd);
	CHECK(WIFEXITED(status), "unprivileged child died: status 0x%x", status);
	return WEXITSTATUS(status);
}

static void die_usage(const char *prog)
{
	fprintf(stderr, "usage: %s [-u] [-v] [-F] [-s SEED] [-f FIRST] [COUNT]\n"
		"  -u  run as nobody in a child (default COUNT 1000, else 10000)\n"
		"  -F  fault injection: requests sent with make-it-fail set\n"
		"  -v  print every request and its answer\n"
		"  -s  seed (default: from the clock; printed)\n"
		"  -f  number of the first request (replay: -s SEED -f N 1)\n", prog);
	exit(KSFT_FAIL);
}

int main(int argc, char **argv)
{
	uint64_t seed = 0, first = 0, count;
	bool nobody = false, verbose = false, seeded = false;
	char *end;
	int opt;

	setvbuf(stdout, NULL, _IOLBF, 0);
	while ((opt = getopt(argc, argv, "uvFs:f:h")) != -1) {
		switch (opt) {
		case 'F':
			fault_injection = true;
			break;
		case 'u':
			nobody = true;
			break;
		case 'v':
			verbose = true;
			break;
		case 's':
			seed = strtoull(optarg, &end, 0);
			if (*end || !*optarg)
				die_usage(argv[0]);
			seeded = true;
			break;
		case 'f':
			first = strtoull(optarg, &end, 0);
			if (*end || !*optarg)
				die_usage(argv[0]);
			break;
		default:
			die_usage(argv[0]);
		}
	}
	if (optind + 1 < argc)
		die_usage(argv[0]);
	count = nobody ? 1000 : 10000;
	if (optind < argc) {
		count = strtoull(argv[optind], &end, 0);
		if (*end || !count)
			die_usage(argv[0]);
	}
	if (!seeded) {
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		seed = ((uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec) ^
		       ((uint64_t)getpid() << 32);
		seed %= 1000000000000ULL;	/* short enough to retype */
	}
	if (geteuid()) {
		printf("SKIP: needs root\n");
		return KSFT_SKIP;
	}
	printf("seed %" PRIu64 " (replay: %s%s%s -s %" PRIu64 " %" PRIu64 ")\n", seed,
	       argv[0], nobody ? " -u" : "", fault_injection ? " -F" : "", seed, count);
	return nobody ? pass_nobody(seed, first, count, verbose)
		      : pass_root(seed, first, count, verbose);
}
