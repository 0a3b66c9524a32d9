// SPDX-License-Identifier: GPL-2.0-only
/*
 * libnl-genl-3 plumbing: socket, family resolution, request/ACK with the
 * kernel's extended ACK reported through the tool's error path.
 *
 * libnl 3.7 neither turns NETLINK_EXT_ACK on nor reads the TLVs after the
 * nlmsgerr, and it folds the kernel's errno into its own NLE_* codes. So the
 * socket option is set directly and a custom error callback keeps the errno
 * and the message.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include <netlink/netlink.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>

#include "azlxnet.h"
#include "azlxnet-user.h"
#include "genl.h"
#include "nlerr.h"
#include "print.h"

#ifndef SOL_NETLINK
#define SOL_NETLINK	270
#endif

struct azlx_genl_req {
	struct azlx_genl_op	*op;
	struct nl_msg		*msg;		/* the request, to name a bad attribute */
	int			done;
	int			error;		/* positive errno from the kernel */
	char			extack[256];
	char			local[128];	/* an error found here, not by the kernel */
	int			bad_attr;	/* attribute type or -1 */
};

int azlx_genl_open(struct azlx_genl *g)
{
	int one = 1;
	int err;

	g->family = -1;
	g->recv = NULL;
	g->sk = nl_socket_alloc();
	if (!g->sk)
		return azlx_error(AZLX_EXIT_ERR, "cannot allocate a netlink socket");

	err = genl_connect(g->sk);
	if (err < 0) {
		azlx_error(AZLX_EXIT_ERR, "cannot open a generic netlink socket: %s",
			   nl_geterror(err));
		goto err_free_sock;
	}

	/* best effort: kernels without it still report the errno */
	setsockopt(nl_socket_get_fd(g->sk), SOL_NETLINK, NETLINK_EXT_ACK,
		   &one, sizeof(one));
	setsockopt(nl_socket_get_fd(g->sk), SOL_NETLINK, NETLINK_CAP_ACK,
		   &one, sizeof(one));

	g->family = genl_ctrl_resolve(g->sk, AZLXNET_FAMILY_NAME);
	if (g->family == -NLE_OBJ_NOTFOUND) {
		/* a kernel that loads only signed modules may have refused it */
		char why[1024];

		azlx_module_sig_hint(why, sizeof(why));
		azlx_error(AZLX_EXIT_NOMOD,
			   "azlxnet module is not loaded (generic netlink family \"%s\" not found)%s%s",
			   AZLXNET_FAMILY_NAME, why[0] ? ": " : "", why);
		nl_socket_free(g->sk);
		g->sk = NULL;
		return AZLX_EXIT_NOMOD;
	}
	if (g->family < 0) {
		azlx_error(AZLX_EXIT_ERR, "cannot resolve generic netlink family \"%s\": %s",
			   AZLXNET_FAMILY_NAME, nl_geterror(g->family));
		goto err_free_sock;
	}
	return AZLX_EXIT_OK;

err_free_sock:
	nl_socket_free(g->sk);
	g->sk = NULL;
	return AZLX_EXIT_ERR;
}

void azlx_genl_close(struct azlx_genl *g)
{
	nl_socket_free(g->sk);
	g->sk = NULL;
}

static void azlx_genl_keep_extack(struct azlx_genl_req *req, const struct azlx_extack *ext)
{
	if (ext->msg)
		snprintf(req->extack, sizeof(req->extack), "%s", ext->msg);
	if (ext->has_offs)
		req->bad_attr = azlx_extack_attr_type(nlmsg_hdr(req->msg), ext->offs);
}

static int azlx_genl_err_cb(struct sockaddr_nl *nla, struct nlmsgerr *e, void *arg)
{
	/* libnl passes nlmsg_data() of the NLMSG_ERROR message: find its header */
	const struct nlmsghdr *nlh = (const struct nlmsghdr *)((char *)e - NLMSG_HDRLEN);
	struct azlx_genl_req *req = arg;
	struct azlx_extack ext;

	(void)nla;
	req->error = e->error < 0 ? -e->error : e->error;
	if (!azlx_extack_parse(nlh, &ext))
		azlx_genl_keep_extack(req, &ext);
	req->done = 1;
	return NL_STOP;
}

static int azlx_genl_ack_cb(struct nl_msg *msg, void *arg)
{
	struct azlx_genl_req *req = arg;
	struct azlx_extack ext;

	/* an ACK may carry a warning in its extended ACK */
	if (!azlx_extack_parse(nlmsg_hdr(msg), &ext) && ext.msg)
		azlx_warn("%s: %s", req->op->name, ext.msg);
	req->done = 1;
	return NL_STOP;
}

/* NLMSG_DONE, the end of a dump: it carries the dump's error, if any. */
static int azlx_genl_finish_cb(struct nl_msg *msg, void *arg)
{
	struct azlx_genl_req *req = arg;
	struct azlx_extack ext;

	/* the kernel checks the dump's consistency on DONE too */
	if (nlmsg_hdr(msg)->nlmsg_flags & NLM_F_DUMP_INTR)
		req->op->interrupted = true;
	if (!azlx_done_parse(nlmsg_hdr(msg), &ext) && ext.error < 0) {
		req->error = -ext.error;
		if (ext.msg)
			snprintf(req->extack, sizeof(req->extack), "%s", ext.msg);
	}
	req->done = 1;
	return NL_STOP;
}

static int azlx_genl_valid_cb(struct nl_msg *msg, void *arg)
{
	struct azlx_genl_req *req = arg;
	struct nlmsghdr *nlh = nlmsg_hdr(msg);
	char why[96] = "";

	if (nlh->nlmsg_flags & NLM_F_DUMP_INTR)
		req->op->interrupted = true;
	if (!req->op->reply || req->local[0])
		return NL_OK;
	if (req->op->reply(nlh, req->op->arg, why, sizeof(why)) < 0) {
		/* reported once the ACK has been read, so none is left queued */
		snprintf(req->local, sizeof(req->local),
			 "malformed reply from the module: %s", why[0] ? why : "unreadable");
		req->error = EPROTO;
		return NL_SKIP;
	}
	return NL_OK;
}

static int azlx_genl_report(const struct azlx_genl_req *req)
{
	const char *op = req->op->name;
	const char *attr = NULL;
	const char *why = azlx_nl_strerror(req->error);

	if (req->bad_attr >= 0 && req->op->attr_name)
		attr = req->op->attr_name(req->bad_attr);
	if (req->local[0])
		return azlx_error_op(AZLX_EXIT_ERR, op, req->error, NULL,
				     "%s failed: %s", op, req->local);
	if (!req->extack[0])
		return azlx_error_op(AZLX_EXIT_ERR, op, req->error, NULL,
				     "%s failed: %s", op, why);
	if (attr)
		return azlx_error_op(AZLX_EXIT_ERR, op, req->error, req->extack,
				     "%s: %s (%s failed: %s)", attr, req->extack,
				     op, why);
	return azlx_error_op(AZLX_EXIT_ERR, op, req->error, req->extack,
			     "%s (%s failed: %s)", req->extack, op, why);
}

int azlx_genl_request(struct azlx_genl *g, struct azlx_genl_op *op)
{
	struct azlx_genl_req req = {
		.op		= op,
		.bad_attr	= -1,
	};
	struct nl_cb *cb;
	int ret = AZLX_EXIT_ERR;
	int err;

	op->interrupted = false;
	req.msg = nlmsg_alloc();
	if (!req.msg)
		return azlx_error(AZLX_EXIT_ERR, "%s: out of memory", op->name);
	if (!genlmsg_put(req.msg, NL_AUTO_PORT, NL_AUTO_SEQ, g->family, 0,
			 op->dump ? NLM_F_DUMP : 0, op->cmd, AZLXNET_FAMILY_VERSION)) {
		azlx_error(AZLX_EXIT_ERR, "%s: cannot build the request", op->name);
		goto out_free_msg;
	}
	if (op->fill) {
		err = op->fill(req.msg, op->arg);
		if (err < 0) {
			azlx_error(AZLX_EXIT_ERR, "%s: cannot build the request: %s",
				   op->name, nl_geterror(err));
			goto out_free_msg;
		}
	}

	cb = nl_cb_alloc(NL_CB_DEFAULT);
	if (!cb) {
		azlx_error(AZLX_EXIT_ERR, "%s: out of memory", op->name);
		goto out_free_msg;
	}
	nl_cb_err(cb, NL_CB_CUSTOM, azlx_genl_err_cb, &req);
	nl_cb_set(cb, NL_CB_ACK, NL_CB_CUSTOM, azlx_genl_ack_cb, &req);
	nl_cb_set(cb, NL_CB_FINISH, NL_CB_CUSTOM, azlx_genl_finish_cb, &req);
	nl_cb_set(cb, NL_CB_VALID, NL_CB_CUSTOM, azlx_genl_valid_cb, &req);
	if (g->recv)
		nl_cb_overwrite_recv(cb, g->recv);

	/*
	 * nl_send_auto() asks for an ACK: the loop ends on it, on an error or,
	 * for a dump (which the kernel does not ACK), on NLMSG_DONE
	 */
	err = nl_send_auto(g->sk, req.msg);
	if (err < 0) {
		azlx_error_op(AZLX_EXIT_ERR, op->name, 0, NULL,
			      "%s: cannot send the request: %s", op->name, nl_geterror(err));
		goto out_put_cb;
	}
	for (;;) {
		/* < 0 also when the error callback stops the loop */
		err = nl_recvmsgs_report(g->sk, cb);
		if (req.done)
			break;
		if (err < 0 && err != -NLE_DUMP_INTR) {
			azlx_error_op(AZLX_EXIT_ERR, op->name, 0, NULL, "%s: %s", op->name,
				      nl_geterror(err));
			goto out_put_cb;
		}
		if (!err) {
			azlx_error_op(AZLX_EXIT_ERR, op->name, 0, NULL, "%s: %s", op->name,
				      "no reply from the kernel");
			goto out_put_cb;
		}
	}
	op->error = req.error;
	ret = req.error ? azlx_genl_report(&req) : AZLX_EXIT_OK;

out_put_cb:
	nl_cb_put(cb);
out_free_msg:
	nlmsg_free(req.msg);
	return ret;
}

/* azlx_genl_do(): the "info" set, parsed against its policy. */
struct azlx_genl_info_arg {
	azlx_genl_fill_t	fill;
	azlx_genl_parse_t	parse;
	void			*arg;
};

static int azlx_genl_info_fill(struct nl_msg *msg, void *arg)
{
	struct azlx_genl_info_arg *ia = arg;

	return ia->fill ? ia->fill(msg, ia->arg) : 0;
}

static int azlx_genl_info_reply(const struct nlmsghdr *nlh, void *arg,
				char *why, size_t why_len)
{
	struct nlattr *tb[AZLXNET_A_INFO_MAX + 1];
	struct azlx_genl_info_arg *ia = arg;
	int err;

	err = genlmsg_parse((struct nlmsghdr *)nlh, 0, tb, AZLXNET_A_INFO_MAX,
			    azlx_info_policy);
	if (err < 0) {
		snprintf(why, why_len, "%s", nl_geterror(err));
		return -EINVAL;
	}
	if (ia->parse)
		ia->parse(tb, ia->arg);
	return 0;
}

int azlx_genl_do(struct azlx_genl *g, __u8 cmd, const char *op,
		 azlx_genl_fill_t fill, azlx_genl_parse_t parse, void *arg)
{
	struct azlx_genl_info_arg ia = {
		.fill	= fill,
		.parse	= parse,
		.arg	= arg,
	};
	struct azlx_genl_op gop = {
		.cmd		= cmd,
		.name		= op,
		.fill		= azlx_genl_info_fill,
		.reply		= azlx_genl_info_reply,
		.attr_name	= azlx_info_attr_name,
		.arg		= &ia,
	};

	return azlx_genl_request(g, &gop);
}

static void azlx_parse_version(struct nlattr **tb, void *arg)
{
	struct azlx_info_version *ver = arg;

	if (tb[AZLXNET_A_INFO_MODULE_VERSION])
		nla_strlcpy(ver->module_version, tb[AZLXNET_A_INFO_MODULE_VERSION],
			    sizeof(ver->module_version));
	if (tb[AZLXNET_A_INFO_API_VERSION]) {
		ver->api_version = nla_get_u32(tb[AZLXNET_A_INFO_API_VERSION]);
		ver->has_api_version = 1;
	}
}

int azlx_genl_get_version(struct azlx_genl *g, struct azlx_info_version *ver)
{
	memset(ver, 0, sizeof(*ver));
	return azlx_genl_do(g, AZLXNET_CMD_VERSION, "version", NULL,
			    azlx_parse_version, ver);
}

static void azlx_parse_config(struct nlattr **tb, void *arg)
{
	struct azlx_info_config *cfg = arg;

	if (tb[AZLXNET_A_INFO_SYNTHETIC_DRIVERS]) {
		nla_strlcpy(cfg->synthetic_drivers, tb[AZLXNET_A_INFO_SYNTHETIC_DRIVERS],
			    sizeof(cfg->synthetic_drivers));
		cfg->has_synthetic_drivers = 1;
	}
	if (tb[AZLXNET_A_INFO_VF_DRIVERS]) {
		nla_strlcpy(cfg->vf_drivers, tb[AZLXNET_A_INFO_VF_DRIVERS],
			    sizeof(cfg->vf_drivers));
		cfg->has_vf_drivers = 1;
	}
}

int azlx_genl_get_config(struct azlx_genl *g, struct azlx_info_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	return azlx_genl_do(g, AZLXNET_CMD_CONFIG_GET, "config-get", NULL,
			    azlx_parse_config, cfg);
}
