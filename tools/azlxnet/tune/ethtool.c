// SPDX-License-Identifier: GPL-2.0-only
/*
 * Channels, ring sizes and LRO through the kernel's ethtool netlink
 * interface (Documentation/networking/ethtool-netlink.rst) with libnl-genl.
 * Under a fake root (--root), the files ROOT/ethtool/DEV/<setting> stand in
 * for the device: "channels.combined" holds "8", "channels.combined_max"
 * "64", "features.rx-lro" "off" or "off [fixed]".
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <netlink/netlink.h>
#include <netlink/attr.h>
#include <netlink/msg.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <linux/ethtool_netlink.h>

#include "nlerr.h"

#include "ethtool.h"
#include "tfs.h"

#ifndef SOL_NETLINK
#define SOL_NETLINK	270
#endif

/* The kernel's name of NETIF_F_LRO (net/ethtool/common.c) */
#define AZLX_LRO_NAME	"rx-lro"

static const struct {
	const char	*name;		/* in plans and state files */
	const char	*file;		/* the fake root's file */
	__u8		cmd_get, cmd_set;
	int		attr, attr_max;	/* ETHTOOL_A_CHANNELS_* / _RINGS_* */
} azlx_eth[AZLX_ETH_NSETTINGS] = {
	[AZLX_ETH_COMBINED]	= { "channels combined", "channels.combined",
				    ETHTOOL_MSG_CHANNELS_GET, ETHTOOL_MSG_CHANNELS_SET,
				    ETHTOOL_A_CHANNELS_COMBINED_COUNT,
				    ETHTOOL_A_CHANNELS_COMBINED_MAX },
	[AZLX_ETH_RX_CHANNELS]	= { "channels rx", "channels.rx",
				    ETHTOOL_MSG_CHANNELS_GET, ETHTOOL_MSG_CHANNELS_SET,
				    ETHTOOL_A_CHANNELS_RX_COUNT, ETHTOOL_A_CHANNELS_RX_MAX },
	[AZLX_ETH_TX_CHANNELS]	= { "channels tx", "channels.tx",
				    ETHTOOL_MSG_CHANNELS_GET, ETHTOOL_MSG_CHANNELS_SET,
				    ETHTOOL_A_CHANNELS_TX_COUNT, ETHTOOL_A_CHANNELS_TX_MAX },
	[AZLX_ETH_RX_RING]	= { "rings rx", "rings.rx",
				    ETHTOOL_MSG_RINGS_GET, ETHTOOL_MSG_RINGS_SET,
				    ETHTOOL_A_RINGS_RX, ETHTOOL_A_RINGS_RX_MAX },
	[AZLX_ETH_TX_RING]	= { "rings tx", "rings.tx",
				    ETHTOOL_MSG_RINGS_GET, ETHTOOL_MSG_RINGS_SET,
				    ETHTOOL_A_RINGS_TX, ETHTOOL_A_RINGS_TX_MAX },
	[AZLX_ETH_LRO]		= { "features " AZLX_LRO_NAME, "features." AZLX_LRO_NAME,
				    ETHTOOL_MSG_FEATURES_GET, ETHTOOL_MSG_FEATURES_SET, 0, 0 },
};

const char *azlx_eth_setting_name(enum azlx_eth_setting s)
{
	return azlx_eth[s].name;
}

int azlx_eth_setting_parse(const char *s, enum azlx_eth_setting *out)
{
	int i;

	for (i = 0; i < AZLX_ETH_NSETTINGS; i++) {
		if (!strcmp(azlx_eth[i].name, s)) {
			*out = (enum azlx_eth_setting)i;
			return 0;
		}
	}
	return -EINVAL;
}

/* The header nest every ethtool request starts with (_A_*_HEADER is 1). */
static int azlx_ethtool_header(struct nl_msg *msg, const char *dev, __u32 flags)
{
	struct nlattr *hdr;

	hdr = nla_nest_start(msg, 1);
	if (!hdr)
		return -NLE_NOMEM;
	if (nla_put_string(msg, ETHTOOL_A_HEADER_DEV_NAME, dev) < 0 ||
	    (flags && nla_put_u32(msg, ETHTOOL_A_HEADER_FLAGS, flags) < 0))
		return -NLE_NOMEM;
	nla_nest_end(msg, hdr);
	return 0;
}

int azlx_ethtool_msg_get(struct nl_msg *msg, int family, __u8 cmd, const char *dev)
{
	if (!genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, family, 0, 0, cmd,
			 ETHTOOL_GENL_VERSION))
		return -NLE_NOMEM;
	/* verbose bit sets: features by name, never by a kernel-specific index */
	return azlx_ethtool_header(msg, dev, 0);
}

int azlx_ethtool_msg_set(struct nl_msg *msg, int family, const char *dev,
			 enum azlx_eth_setting s, unsigned long value)
{
	struct nlattr *set, *bits, *bit;
	int err;

	if (!genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, family, 0, 0, azlx_eth[s].cmd_set,
			 ETHTOOL_GENL_VERSION))
		return -NLE_NOMEM;
	err = azlx_ethtool_header(msg, dev, 0);
	if (err)
		return err;
	if (s != AZLX_ETH_LRO)
		return nla_put_u32(msg, azlx_eth[s].attr, (__u32)value) < 0 ? -NLE_NOMEM : 0;

	/* a verbose bit set without NOMASK: only the bits listed change */
	set = nla_nest_start(msg, ETHTOOL_A_FEATURES_WANTED);
	if (!set)
		return -NLE_NOMEM;
	bits = nla_nest_start(msg, ETHTOOL_A_BITSET_BITS);
	if (!bits)
		return -NLE_NOMEM;
	bit = nla_nest_start(msg, ETHTOOL_A_BITSET_BITS_BIT);
	if (!bit || nla_put_string(msg, ETHTOOL_A_BITSET_BIT_NAME, AZLX_LRO_NAME) < 0 ||
	    (value && nla_put_flag(msg, ETHTOOL_A_BITSET_BIT_VALUE) < 0))
		return -NLE_NOMEM;
	nla_nest_end(msg, bit);
	nla_nest_end(msg, bits);
	nla_nest_end(msg, set);
	return 0;
}

/* ---- the fake root's files ---------------------------------------------- */

static int azlx_fake_get(const char *dev, struct azlx_ethtool *e)
{
	char path[512], buf[64];
	int i;

	azlx_strf(path, sizeof(path), "/ethtool/%s", dev);
	if (!azlx_fs_is_dir(path))
		return -ENODEV;
	for (i = 0; i < AZLX_ETH_NSETTINGS; i++) {
		struct azlx_eth_value *v = &e->v[i];
		long x;

		azlx_strf(path, sizeof(path), "/ethtool/%s/%s", dev, azlx_eth[i].file);
		if (azlx_fs_read(path, buf, sizeof(buf)) < 0)
			continue;
		v->supported = true;
		if (i == AZLX_ETH_LRO) {
			v->cur = !strncmp(buf, "on", 2);
			v->fixed = strstr(buf, "[fixed]") != NULL;
			v->max = 1;
			continue;
		}
		if (azlx_fs_read_long(path, &x) || x < 0)
			return -EINVAL;
		v->cur = (unsigned long)x;
		azlx_strf(path, sizeof(path), "/ethtool/%s/%s_max", dev, azlx_eth[i].file);
		if (!azlx_fs_read_long(path, &x) && x >= 0)
			v->max = (unsigned long)x;
	}
	return 0;
}

/*
 * As the kernel does when a device's channels change: queues/rx-N and
 * tx-N appear (masks clear) or go away.
 */
static int azlx_fake_queues(const char *dev, const char *kind, unsigned long n)
{
	char path[512], mask[AZLX_MAX_CPUS / 4 + 64], buf[4096], **q;
	struct azlx_cpuset none, possible;
	size_t nq, i;
	int err, bits = 1, c;

	azlx_cpuset_zero(&none);
	if (azlx_fs_read("/sys/devices/system/cpu/possible", buf, sizeof(buf)) >= 0 &&
	    !azlx_cpulist_parse(buf, &possible))
		for (c = 0; c < AZLX_MAX_CPUS; c++)
			if (azlx_cpuset_has(&possible, c))
				bits = c + 1;
	azlx_cpumask_format(&none, bits, mask, sizeof(mask));
	strcat(mask, "\n");
	snprintf(path, sizeof(path), "/sys/class/net/%s/queues", dev);
	if (azlx_fs_list(path, &q, &nq))
		return 0;
	for (i = 0; i < nq; i++) {
		if (strncmp(q[i], kind, 2) || q[i][2] != '-' ||
		    strtoul(q[i] + 3, NULL, 10) < n)
			continue;
		snprintf(path, sizeof(path), "/sys/class/net/%s/queues/%s/%s_cpus", dev, q[i],
			 kind[0] == 'r' ? "rps" : "xps");
		if (azlx_fs_unlink(path))
			continue;
		*strrchr(path, '/') = '\0';
		azlx_fs_rmdir(path);
	}
	azlx_names_free(q, nq);
	for (i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "/sys/class/net/%s/queues/%s-%zu", dev, kind, i);
		if (azlx_fs_is_dir(path))
			continue;
		err = azlx_fs_mkdir(path, 0755);
		if (err)
			return err;
		snprintf(path, sizeof(path), "/sys/class/net/%s/queues/%s-%zu/%s_cpus", dev, kind,
			 i, kind[0] == 'r' ? "rps" : "xps");
		err = azlx_fs_replace(path, mask, strlen(mask), 0644);
		if (err)
			return err;
	}
	return 0;
}

static int azlx_fake_set(const char *dev, enum azlx_eth_setting s, unsigned long value)
{
	struct azlx_ethtool e = { 0 };
	char path[512], val[32];
	int err;

	err = azlx_fake_get(dev, &e);
	if (err)
		return err;
	if (!e.v[s].supported || e.v[s].fixed)
		return -EOPNOTSUPP;
	if (e.v[s].max && value > e.v[s].max)
		return -EINVAL;
	azlx_strf(path, sizeof(path), "/ethtool/%s/%s", dev, azlx_eth[s].file);
	if (s == AZLX_ETH_LRO)
		azlx_strf(val, sizeof(val), "%s\n", value ? "on" : "off");
	else
		azlx_strf(val, sizeof(val), "%lu\n", value);
	err = azlx_fs_write(path, val);
	if (!err && (s == AZLX_ETH_COMBINED || s == AZLX_ETH_RX_CHANNELS))
		err = azlx_fake_queues(dev, "rx", value);
	if (!err && (s == AZLX_ETH_COMBINED || s == AZLX_ETH_TX_CHANNELS))
		err = azlx_fake_queues(dev, "tx", value);
	return err;
}

/* ---- netlink ---------------------------------------------------------------- */

struct azlx_eth_req {
	struct azlx_ethtool	*e;
	__u8			cmd;
	int			error;		/* positive errno */
	char			extack[128];
	bool			done;
};

/* Is the feature @name listed (and set) in the verbose bit set @set? */
static int azlx_bitset_has(struct nlattr *set, const char *name)
{
	struct nlattr *tb[ETHTOOL_A_BITSET_MAX + 1], *bit, *btb[ETHTOOL_A_BITSET_BIT_MAX + 1];
	bool nomask;
	int rem;

	if (nla_parse_nested(tb, ETHTOOL_A_BITSET_MAX, set, NULL) < 0 ||
	    !tb[ETHTOOL_A_BITSET_BITS])
		return -1;
	nomask = tb[ETHTOOL_A_BITSET_NOMASK] != NULL;
	nla_for_each_nested(bit, tb[ETHTOOL_A_BITSET_BITS], rem) {
		if (nla_type(bit) != ETHTOOL_A_BITSET_BITS_BIT ||
		    nla_parse_nested(btb, ETHTOOL_A_BITSET_BIT_MAX, bit, NULL) < 0 ||
		    !btb[ETHTOOL_A_BITSET_BIT_NAME])
			continue;
		if (strcmp(nla_get_string(btb[ETHTOOL_A_BITSET_BIT_NAME]), name))
			continue;
		return nomask || btb[ETHTOOL_A_BITSET_BIT_VALUE] ? 1 : 0;
	}
	return 0;
}

static int azlx_eth_valid(struct nl_msg *msg, void *arg)
{
	struct azlx_eth_req *r = arg;
	struct nlattr *tb[64];
	int i, maxattr = r->cmd == ETHTOOL_MSG_FEATURES_GET ? ETHTOOL_A_FEATURES_MAX :
			 r->cmd == ETHTOOL_MSG_RINGS_GET ? ETHTOOL_A_RINGS_MAX :
			 ETHTOOL_A_CHANNELS_MAX;

	if (maxattr >= 64 || genlmsg_parse(nlmsg_hdr(msg), 0, tb, maxattr, NULL) < 0)
		return NL_SKIP;
	if (r->cmd == ETHTOOL_MSG_FEATURES_GET) {
		struct azlx_eth_value *v = &r->e->v[AZLX_ETH_LRO];

		if (!tb[ETHTOOL_A_FEATURES_HW] || !tb[ETHTOOL_A_FEATURES_ACTIVE])
			return NL_SKIP;
		v->supported = true;
		v->max = 1;
		v->fixed = azlx_bitset_has(tb[ETHTOOL_A_FEATURES_HW], AZLX_LRO_NAME) != 1;
		v->cur = azlx_bitset_has(tb[ETHTOOL_A_FEATURES_ACTIVE], AZLX_LRO_NAME) == 1;
		return NL_OK;
	}
	for (i = 0; i < AZLX_ETH_NSETTINGS; i++) {
		struct azlx_eth_value *v = &r->e->v[i];

		if (azlx_eth[i].cmd_get != r->cmd || i == AZLX_ETH_LRO)
			continue;
		if (!tb[azlx_eth[i].attr] || !tb[azlx_eth[i].attr_max])
			continue;
		v->cur = nla_get_u32(tb[azlx_eth[i].attr]);
		v->max = nla_get_u32(tb[azlx_eth[i].attr_max]);
		/* a maximum of 0: the device has no such channels or ring */
		v->supported = v->max > 0;
	}
	return NL_OK;
}

static int azlx_eth_err(struct sockaddr_nl *nla, struct nlmsgerr *e, void *arg)
{
	const struct nlmsghdr *nlh = (const struct nlmsghdr *)((char *)e - NLMSG_HDRLEN);
	struct azlx_eth_req *r = arg;
	struct azlx_extack ext;

	(void)nla;
	r->error = e->error < 0 ? -e->error : e->error;
	if (!azlx_extack_parse(nlh, &ext) && ext.msg)
		azlx_strf(r->extack, sizeof(r->extack), "%s", ext.msg);
	r->done = true;
	return NL_STOP;
}

static int azlx_eth_ack(struct nl_msg *msg, void *arg)
{
	struct azlx_eth_req *r = arg;

	(void)msg;
	r->done = true;
	return NL_STOP;
}

struct azlx_eth_sock {
	struct nl_sock	*sk;
	int		family;
};

static int azlx_eth_open(struct azlx_eth_sock *s, char *err, size_t err_len)
{
	int one = 1, ret;

	s->sk = nl_socket_alloc();
	if (!s->sk)
		return -ENOMEM;
	ret = genl_connect(s->sk);
	if (ret < 0)
		goto err;
	setsockopt(nl_socket_get_fd(s->sk), SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	setsockopt(nl_socket_get_fd(s->sk), SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
	s->family = genl_ctrl_resolve(s->sk, ETHTOOL_GENL_NAME);
	if (s->family < 0) {
		ret = s->family;
		goto err;
	}
	return 0;
err:
	azlx_strf(err, err_len, "ethtool netlink: %s", nl_geterror(ret));
	nl_socket_free(s->sk);
	s->sk = NULL;
	return -EOPNOTSUPP;
}

static int azlx_eth_run(struct azlx_eth_sock *s, struct nl_msg *msg, struct azlx_eth_req *r,
			const char *what, char *err, size_t err_len)
{
	struct nl_cb *cb;
	int ret;

	cb = nl_cb_alloc(NL_CB_DEFAULT);
	if (!cb)
		return -ENOMEM;
	nl_cb_err(cb, NL_CB_CUSTOM, azlx_eth_err, r);
	nl_cb_set(cb, NL_CB_ACK, NL_CB_CUSTOM, azlx_eth_ack, r);
	nl_cb_set(cb, NL_CB_VALID, NL_CB_CUSTOM, azlx_eth_valid, r);
	ret = nl_send_auto(s->sk, msg);
	while (ret >= 0 && !r->done)
		ret = nl_recvmsgs(s->sk, cb);
	nl_cb_put(cb);
	if (r->error) {
		azlx_strf(err, err_len, "%s: %s%s%s", what, strerror(r->error),
			 r->extack[0] ? ": " : "", r->extack);
		return -r->error;
	}
	if (ret < 0 && !r->done) {
		azlx_strf(err, err_len, "%s: %s", what, nl_geterror(ret));
		return -EIO;
	}
	return 0;
}

int azlx_ethtool_get(const char *dev, struct azlx_ethtool *e, char *err, size_t err_len)
{
	static const __u8 cmds[] = { ETHTOOL_MSG_CHANNELS_GET, ETHTOOL_MSG_RINGS_GET,
				     ETHTOOL_MSG_FEATURES_GET };
	struct azlx_eth_sock s;
	size_t i;
	int ret = 0;

	memset(e, 0, sizeof(*e));
	if (azlx_root_is_fake()) {
		ret = azlx_fake_get(dev, e);
		if (ret)
			azlx_strf(err, err_len, "ethtool %s: %s", dev, strerror(-ret));
		return ret;
	}
	ret = azlx_eth_open(&s, err, err_len);
	if (ret)
		return ret;
	for (i = 0; i < sizeof(cmds); i++) {
		struct azlx_eth_req r = { .e = e, .cmd = cmds[i] };
		struct nl_msg *msg = nlmsg_alloc();

		if (!msg || azlx_ethtool_msg_get(msg, s.family, cmds[i], dev)) {
			nlmsg_free(msg);
			ret = -ENOMEM;
			break;
		}
		ret = azlx_eth_run(&s, msg, &r, "ethtool get", err, err_len);
		nlmsg_free(msg);
		/* a device without the operation: that setting is unsupported */
		if (ret == -EOPNOTSUPP)
			ret = 0;
		if (ret)
			break;
	}
	nl_socket_free(s.sk);
	return ret;
}

int azlx_ethtool_set(const char *dev, enum azlx_eth_setting st, unsigned long value,
		     char *err, size_t err_len)
{
	struct azlx_eth_req r = { 0 };
	struct azlx_ethtool e;
	struct azlx_eth_sock s;
	struct nl_msg *msg;
	int ret;

	if (azlx_root_is_fake()) {
		ret = azlx_fake_set(dev, st, value);
		if (ret)
			azlx_strf(err, err_len, "%s", strerror(-ret));
		return ret;
	}
	r.e = &e;
	r.cmd = azlx_eth[st].cmd_set;
	ret = azlx_eth_open(&s, err, err_len);
	if (ret)
		return ret;
	msg = nlmsg_alloc();
	if (!msg || azlx_ethtool_msg_set(msg, s.family, dev, st, value)) {
		nlmsg_free(msg);
		nl_socket_free(s.sk);
		return -ENOMEM;
	}
	ret = azlx_eth_run(&s, msg, &r, azlx_eth[st].name, err, err_len);
	nlmsg_free(msg);
	nl_socket_free(s.sk);
	return ret;
}
