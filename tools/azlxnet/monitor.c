// SPDX-License-Identifier: GPL-2.0-only
/*
 * azlxnet monitor: prints the module's events as they arrive, one line
 * each, until SIGINT or SIGTERM.
 *
 * The socket joins the family's "events" group, and nlctrl's "notify" group
 * to learn when the family goes away (the module is unloaded), since the
 * kernel then drops the subscription without a word. Signals are read from
 * a signalfd polled along with the socket: libnl retries recvmsg() on
 * EINTR, so a flag set by a handler would not end a blocked read.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <netlink/netlink.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <linux/genetlink.h>

#include "azlxnet.h"
#include "azlxnet-user.h"
#include "cmd.h"
#include "genl.h"
#include "monitor.h"
#include "nic.h"
#include "print.h"

#define AZLX_MONITOR_RCVBUF	(1 << 20)

/* True if @nlh is nlctrl's CTRL_CMD_DELFAMILY for @family. */
static bool azlx_monitor_family_gone(const struct nlmsghdr *nlh, int family)
{
	const struct genlmsghdr *gh;
	const struct nlattr *nla;
	int rem, len;

	if (nlh->nlmsg_type != GENL_ID_CTRL || nlh->nlmsg_len < NLMSG_HDRLEN + GENL_HDRLEN)
		return false;
	gh = NLMSG_DATA(nlh);
	if (gh->cmd != CTRL_CMD_DELFAMILY)
		return false;

	len = (int)(nlh->nlmsg_len - NLMSG_HDRLEN - GENL_HDRLEN);
	nla_for_each_attr(nla, (struct nlattr *)((char *)gh + GENL_HDRLEN), len, rem) {
		const char *data = nla_data(nla);
		int dlen = nla_len(nla);

		if (nla_type(nla) == CTRL_ATTR_FAMILY_ID && dlen == sizeof(__u16))
			return nla_get_u16((struct nlattr *)nla) == family;
		if (nla_type(nla) == CTRL_ATTR_FAMILY_NAME && dlen > 0 &&
		    memchr(data, '\0', dlen) && !strcmp(data, AZLXNET_FAMILY_NAME))
			return true;
	}
	return false;
}

bool azlx_monitor_handle(struct azlx_monitor *m, const struct nlmsghdr *nlh, __u64 time_ns)
{
	const struct genlmsghdr *gh;
	const char *event;
	struct azlx_nic nic;
	char why[96];

	if (azlx_monitor_family_gone(nlh, m->family)) {
		m->gone = true;
		return true;
	}
	if (nlh->nlmsg_type != m->family || nlh->nlmsg_len < NLMSG_HDRLEN + GENL_HDRLEN)
		return false;
	gh = NLMSG_DATA(nlh);
	/* events of a newer module than this tool knows are skipped */
	event = azlx_event_name(gh->cmd);
	if (!event)
		return false;
	if (azlx_nic_parse(nlh, &nic, why, sizeof(why))) {
		azlx_warn("monitor: ignored a malformed %s event: %s", event, why);
		return false;
	}
	azlx_nic_warn_malformed(event, &nic);
	azlx_event_print(event, &nic, time_ns);
	m->events++;
	if (m->on_event)
		m->on_event(m, gh->cmd, &nic);
	return m->count && m->events >= m->count;
}

static int azlx_monitor_valid_cb(struct nl_msg *msg, void *arg)
{
	struct azlx_monitor *m = arg;

	return azlx_monitor_handle(m, nlmsg_hdr(msg), azlx_boottime_ns()) ? NL_STOP : NL_OK;
}

void azlx_monitor_print_lost(__u64 time_ns)
{
	azlx_print_open_object(NULL);
	azlx_print_string(AZLX_PRINT_ANY, "event", "%s", "lost");
	azlx_print_uint(AZLX_PRINT_JSON, "time_ns", NULL, time_ns);
	azlx_print_text(": events were lost, the state of every NIC follows\n");
	azlx_print_close_object();
	azlx_print_flush();
}

/*
 * azlxnet monitor's answer to lost events: the state of every NIC, read
 * again, one "state" line each, after the "lost" line.
 */
static void azlx_monitor_resync(struct azlx_monitor *m)
{
	struct azlx_nic_list l = { 0 };
	struct azlx_genl g;
	__u64 now;
	size_t i;

	(void)m;
	if (azlx_genl_open(&g))
		return;
	if (!azlx_nic_get(&g, 0, &l)) {
		now = azlx_boottime_ns();
		for (i = 0; i < l.n; i++)
			azlx_event_print("state", &l.v[i], now);
	}
	azlx_nic_list_free(&l);
	azlx_genl_close(&g);
}

static int azlx_monitor_any_seq(struct nl_msg *msg, void *arg)
{
	(void)msg;
	(void)arg;
	return NL_OK;
}

static int azlx_monitor_help(void)
{
	printf("Usage: azlxnet monitor [ -c COUNT ]\n"
	       "       azlxnet monitor help\n"
	       "Prints the module's events (vf-join, vf-leave, vf-up, vf-down, nic-new,\n"
	       "nic-del) as they arrive, until interrupted or, with -c, after COUNT\n"
	       "events. When events\n"
	       "are lost, prints \"lost\", then the state of every NIC (\"state\" lines).\n");
	return AZLX_EXIT_OK;
}

/* Joins the groups; returns an exit code, having printed the error. */
static int azlx_monitor_subscribe(struct azlx_genl *g)
{
	int grp, ctrl, err;

	grp = genl_ctrl_resolve_grp(g->sk, AZLXNET_FAMILY_NAME, AZLXNET_MCGRP_EVENTS);
	if (grp == -NLE_OBJ_NOTFOUND)
		return azlx_error(AZLX_EXIT_ERR,
				  "the loaded azlxnet module has no \"%s\" multicast group (api level below 2?)",
				  AZLXNET_MCGRP_EVENTS);
	if (grp < 0)
		return azlx_error(AZLX_EXIT_ERR, "cannot resolve multicast group \"%s\": %s",
				  AZLXNET_MCGRP_EVENTS, nl_geterror(grp));
	/* best effort: without it an unloaded module goes unnoticed */
	ctrl = genl_ctrl_resolve_grp(g->sk, "nlctrl", "notify");

	err = nl_socket_add_membership(g->sk, grp);
	if (err < 0)
		return azlx_error_op(AZLX_EXIT_ERR, "subscribe", 0, NULL,
				     "cannot join multicast group \"%s\": %s",
				     AZLXNET_MCGRP_EVENTS, nl_geterror(err));
	if (ctrl >= 0 && nl_socket_add_membership(g->sk, ctrl) < 0)
		ctrl = -1;
	if (ctrl < 0)
		azlx_warn("monitor: cannot follow nlctrl: an unloaded module will not be noticed");

	return AZLX_EXIT_OK;
}

int azlx_monitor_loop(struct azlx_genl *g, struct azlx_monitor *m, int sfd)
{
	struct pollfd pfd[2] = {
		{ .fd = nl_socket_get_fd(g->sk), .events = POLLIN },
		{ .fd = sfd, .events = POLLIN },
	};
	struct signalfd_siginfo si;
	struct nl_cb *cb;
	int ret = AZLX_EXIT_OK;
	int err;

	err = nl_socket_set_nonblocking(g->sk);
	if (err < 0)
		return azlx_error(AZLX_EXIT_ERR, "monitor: cannot set up the netlink socket: %s",
				  nl_geterror(err));
	cb = nl_cb_alloc(NL_CB_DEFAULT);
	if (!cb)
		return azlx_error(AZLX_EXIT_ERR, "monitor: out of memory");
	/*
	 * events are not answers to a request: no sequence check (in this cb;
	 * nl_socket_disable_seq_check() would only change the socket's own)
	 */
	nl_cb_set(cb, NL_CB_SEQ_CHECK, NL_CB_CUSTOM, azlx_monitor_any_seq, NULL);
	nl_cb_set(cb, NL_CB_VALID, NL_CB_CUSTOM, azlx_monitor_valid_cb, m);

	fprintf(stderr, "monitor: listening\n");
	for (;;) {
		if (poll(pfd, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			ret = azlx_error(AZLX_EXIT_ERR, "monitor: poll: %s", strerror(errno));
			break;
		}
		/* what was received along with the signal is printed first */
		if (pfd[0].revents) {
			err = nl_recvmsgs_report(g->sk, cb);
			if (m->gone) {
				ret = azlx_error(AZLX_EXIT_NOMOD, "azlxnet module was unloaded");
				break;
			}
			if (m->count && m->events >= m->count)
				break;
			if (err == -NLE_NOMEM) {
				/*
				 * ENOBUFS: the receive buffer overflowed, or
				 * the module could not build an event
				 */
				azlx_monitor_print_lost(azlx_boottime_ns());
				if (m->on_lost)
					m->on_lost(m);
			} else if (err < 0 && err != -NLE_AGAIN) {
				ret = azlx_error(AZLX_EXIT_ERR, "monitor: %s", nl_geterror(err));
				break;
			}
		}
		if (pfd[1].revents) {
			/* SIGINT or SIGTERM: a normal end */
			if (read(sfd, &si, sizeof(si)) < 0)
				si.ssi_signo = 0;
			break;
		}
	}
	nl_cb_put(cb);
	return ret;
}

int azlx_monitor_run(struct azlx_monitor *m)
{
	struct azlx_genl g;
	sigset_t mask;
	int sfd, ret;

	/* stdout may be a pipe: each event is written as a whole line, at once */
	setvbuf(stdout, NULL, _IOLBF, 0);

	/* from now on, SIGINT and SIGTERM are read from sfd */
	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	if (sigprocmask(SIG_BLOCK, &mask, NULL))
		return azlx_error(AZLX_EXIT_ERR, "monitor: sigprocmask: %s", strerror(errno));
	sfd = signalfd(-1, &mask, SFD_CLOEXEC);
	if (sfd < 0)
		return azlx_error(AZLX_EXIT_ERR, "monitor: signalfd: %s", strerror(errno));

	ret = azlx_genl_open(&g);
	if (ret)
		goto out_close_sfd;
	m->family = g.family;
	ret = azlx_monitor_subscribe(&g);
	if (!ret) {
		nl_socket_set_buffer_size(g.sk, AZLX_MONITOR_RCVBUF, 0);
		if (m->on_ready)
			m->on_ready(m);
		ret = azlx_monitor_loop(&g, m, sfd);
	}
	azlx_genl_close(&g);
out_close_sfd:
	close(sfd);
	return ret;
}

int azlx_do_monitor(int argc, char **argv)
{
	struct azlx_monitor m = {
		.count		= azlx_opts.count,
		.on_lost	= azlx_monitor_resync,
	};

	if (argc && azlx_is_help(argv[0]))
		return azlx_monitor_help();
	if (argc)
		return azlx_error(AZLX_EXIT_USAGE, "\"monitor\" takes no argument: \"%s\"",
				  argv[0]);
	return azlx_monitor_run(&m);
}
