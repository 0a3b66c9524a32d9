// SPDX-License-Identifier: GPL-2.0-only
/*
 * azlxnet fastpath enable|disable|show: the uplinks of the pod fast path.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <bpf/bpf.h>
#include <netlink/attr.h>
#include <netlink/msg.h>
#include <linux/azlxnet.h>

#include "azlxnet.h"
#include "cmd.h"
#include "datapath.h"
#include "genl.h"
#include "monitor.h"
#include "netns.h"
#include "nic.h"
#include "print.h"
#include "uplink.h"

/* nic-get of one NIC, through the tool's generic netlink requests. */
struct azlx_uplink_vf_req {
	__u32		ifindex;
	struct azlx_nic	nic;
};

static int azlx_uplink_vf_fill(struct nl_msg *msg, void *arg)
{
	const struct azlx_uplink_vf_req *r = arg;

	return nla_put_u32(msg, AZLXNET_A_NIC_IFINDEX, r->ifindex);
}

static int azlx_uplink_vf_reply(const struct nlmsghdr *nlh, void *arg, char *err,
				size_t err_len)
{
	struct azlx_uplink_vf_req *r = arg;

	return azlx_nic_parse(nlh, &r->nic, err, err_len);
}

int azlx_uplink_vf(__u32 ifindex, __u32 *vf_ifindex, char *vf_ifname)
{
	struct azlx_uplink_vf_req r = { .ifindex = ifindex };
	struct azlx_genl_op op = {
		.cmd	= AZLXNET_CMD_NIC_GET,
		.name	= "nic-get",
		.fill	= azlx_uplink_vf_fill,
		.reply	= azlx_uplink_vf_reply,
		.arg	= &r,
	};
	struct azlx_genl g;
	int ret;

	*vf_ifindex = 0;
	vf_ifname[0] = '\0';
	if (!azlx_dp_module_loaded())
		return 0;
	/* quietly: the caller words a failure, and an untracked NIC has no VF */
	azlx_errors_mute(true);
	ret = azlx_genl_open(&g);
	if (ret == AZLX_EXIT_OK) {
		ret = azlx_genl_request(&g, &op);
		azlx_genl_close(&g);
	}
	azlx_errors_mute(false);
	if (ret == AZLX_EXIT_NOMOD)
		return 0;	/* not loaded after all */
	if (ret != AZLX_EXIT_OK)
		/* not a synthetic NIC the module tracks: no VF */
		return op.error == ENODEV || op.error == ENOENT ? 0 : -EIO;
	if (r.nic.ifindex == ifindex && azlx_nic_has_vf(&r.nic) && r.nic.vf_ifindex) {
		*vf_ifindex = r.nic.vf_ifindex;
		if (!if_indextoname(r.nic.vf_ifindex, vf_ifname))
			*vf_ifindex = 0;	/* gone in between */
	}
	return 0;
}

static int azlx_uplink_resolve(const char *dev, struct azlx_uplink *u, struct azlx_err *e)
{
	memset(u, 0, sizeof(*u));
	if (azlx_ifindex_resolve(dev, &u->ifindex) || !if_indextoname(u->ifindex, u->ifname))
		return azlx_fail(e, ENODEV, "no such device %s", dev);
	return 0;
}

int azlx_uplink_enable(const char *dev, struct azlx_uplink *u, struct azlx_err *e)
{
	struct azlx_tc_prog ours, dev_prog, vf_prog;
	bool dev_had, vf_had, listed = false, created = false;
	__u32 v;
	struct azlx_dp dp;
	int err;

	err = azlx_uplink_resolve(dev, u, e);
	if (err)
		return err;
	err = azlx_uplink_vf(u->ifindex, &u->vf_ifindex, u->vf_ifname);
	if (err)
		azlx_warn("cannot ask azlxnet.ko for the VF of %s: %s", u->ifname, strerror(-err));

	azlx_dp_init(&dp);
	err = azlx_dp_lock(&dp, e);
	if (!err)
		err = azlx_tc_claim((int)u->ifindex, u->ifname, AZLX_TC_TO_POD, &dev_prog,
				    &dev_had, e);
	if (!err && u->vf_ifindex)
		err = azlx_tc_claim((int)u->vf_ifindex, u->vf_ifname, AZLX_TC_TO_POD, &vf_prog,
				    &vf_had, e);
	if (!err)
		err = azlx_dp_load(&dp, AZLX_DP_TO_POD, e);
	if (!err)
		err = azlx_prog_info(dp.to_pod_fd, &ours, e);
	if (err)
		goto out;
	u->variant = dp.variant;

	listed = !azlx_dp_uplink_get(&dp, u->ifindex, &v);
	if (listed && dev_had && !memcmp(dev_prog.tag, ours.tag, sizeof(ours.tag)) &&
	    (!u->vf_ifindex || (vf_had && !memcmp(vf_prog.tag, ours.tag, sizeof(ours.tag)))))
		goto out;	/* enabled already, with this program */

	if (!listed) {
		err = azlx_dp_uplink_add(&dp, u->ifindex, &created, e);
		if (err)
			goto out_undo;
	}
	err = azlx_tc_attach(u->ifindex, dp.to_pod_fd, e);
	if (err)
		goto out_undo;
	if (u->vf_ifindex) {
		err = azlx_tc_attach(u->vf_ifindex, dp.to_pod_fd, e);
		if (err) {
			/* an older program of ours that was there is gone: leave the new one */
			if (!dev_had)
				azlx_tc_detach(u->ifindex, e);
			goto out_undo;
		}
	}
	u->changed = true;
	goto out;

out_undo:
	if (created)
		azlx_dp_uplink_del(&dp, u->ifindex);
	azlx_dp_gc(&dp, e);
out:
	azlx_dp_close(&dp);
	return err;
}

int azlx_uplink_disable(const char *dev, struct azlx_uplink *u, struct azlx_err *e)
{
	struct azlx_dp dp;
	bool exists;
	int err;

	memset(u, 0, sizeof(*u));
	/* the ifindex of a device that is gone still names its map entry */
	exists = !azlx_ifindex_resolve(dev, &u->ifindex) && if_indextoname(u->ifindex, u->ifname);
	if (!exists) {
		if (azlx_ifindex_parse(dev, &u->ifindex))
			return azlx_fail(e, ENODEV, "no such device %s", dev);
		u->ifname[0] = '\0';
	}
	if (exists) {
		err = azlx_uplink_vf(u->ifindex, &u->vf_ifindex, u->vf_ifname);
		if (err)
			azlx_warn("cannot ask azlxnet.ko for the VF of %s: %s", u->ifname,
				  strerror(-err));
	}

	azlx_dp_init(&dp);
	err = azlx_dp_lock(&dp, e);
	if (err == -ENOTSUP)
		err = 0;	/* no bpffs: no maps, programs maybe */
	else if (!err)
		err = azlx_dp_state(&dp, e);
	if (!err && dp.uplinks_fd >= 0) {
		err = azlx_dp_uplink_del(&dp, u->ifindex);
		if (!err)
			u->changed = true;
		else if (err == -ENOENT)
			err = 0;
		else
			err = azlx_fail(e, -err, "cannot remove ifindex %u from azlxnet_uplinks: %s",
					u->ifindex, strerror(-err));
	} else if (err == -ENOENT) {
		err = 0;
	}
	if (!err && exists)
		err = azlx_tc_detach_kind((int)u->ifindex, AZLX_TC_TO_POD, &u->changed, e);
	if (!err && u->vf_ifindex)
		err = azlx_tc_detach_kind((int)u->vf_ifindex, AZLX_TC_TO_POD, &u->changed, e);
	if (!err)
		azlx_dp_tidy(&dp);
	azlx_dp_close(&dp);
	return err;
}

int azlx_uplink_check(const char *dev, struct azlx_err *e)
{
	struct azlx_tc_prog p;
	struct azlx_uplink u;
	struct azlx_dp dp;
	__u32 v;
	int err;

	err = azlx_uplink_resolve(dev, &u, e);
	if (err) {
		e->cni_code = AZLX_CNI_ERR_CHECK;
		return err;
	}
	azlx_dp_init(&dp);
	err = azlx_dp_maps_get(&dp, e);
	if (err == -ESTALE) {
		/* another build's state: this one's first command moves it */
		memset(e, 0, sizeof(*e));
		err = azlx_dp_lock(&dp, e);
		if (!err)
			err = azlx_dp_state(&dp, e);
	}
	if (!err && azlx_dp_uplink_get(&dp, u.ifindex, &v))
		err = -ENOENT;
	if (!err) {
		err = azlx_tc_query(u.ifindex, &p, e);
		if (!err && p.kind != AZLX_TC_TO_POD)
			err = -ENOENT;
	}
	azlx_dp_close(&dp);
	if (err == -ENOENT)
		return azlx_fail_cni(e, AZLX_CNI_ERR_CHECK, ENOENT,
				     "the fast path is not enabled on %s", u.ifname);
	return err;
}

/* azlxnet fastpath show */

static void azlx_fp_prog_print(const struct azlx_fp_dev *d, const char *key)
{
	char tag[17];
	const char *name;

	if (!d->has_prog) {
		azlx_print_null(key);
		azlx_print_text("no program");
		return;
	}
	name = azlx_tc_kind_name(d->prog.kind);
	azlx_print_open_object(key);
	azlx_print_uint(AZLX_PRINT_JSON, "id", NULL, d->prog.id);
	azlx_print_string(AZLX_PRINT_ANY, "name", "%s", name ? name : d->prog.name);
	azlx_print_uint(AZLX_PRINT_TEXT, NULL, " id %llu", d->prog.id);
	azlx_print_string(AZLX_PRINT_ANY, "tag", " tag %s",
			  azlx_fmt_tag(d->prog.tag, tag, sizeof(tag)));
	azlx_print_bool(AZLX_PRINT_JSON, "ours", NULL, d->prog.kind != AZLX_TC_FOREIGN);
	if (d->prog.kind == AZLX_TC_FOREIGN)
		azlx_print_text(" (not ours)");
	azlx_print_close_object();
}

static void azlx_fp_dev_print(const struct azlx_fp_dev *d)
{
	azlx_print_uint(AZLX_PRINT_JSON, "ifindex", NULL, d->ifindex);
	azlx_print_string(AZLX_PRINT_JSON, "ifname", NULL, d->ifname[0] ? d->ifname : NULL);
	if (d->ifname[0])
		azlx_print_text("%s (ifindex %u): ", d->ifname, d->ifindex);
	else
		azlx_print_text("ifindex %u (gone): ", d->ifindex);
}

/* "2026-12-04 23:55:01 UTC" */
static const char *azlx_fmt_time(__u64 t, char *buf, size_t len)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (!gmtime_r(&tt, &tm) || !strftime(buf, len, "%Y-%m-%d %H:%M:%S UTC", &tm))
		snprintf(buf, len, "%llu", (unsigned long long)t);
	return buf;
}

static void azlx_fp_uplink_stats_print(const struct azlx_fp_uplink *u)
{
	const struct azlxnet_ep_stats *st = &u->stats;

	if (!u->has_stats) {
		azlx_print_null("stats");
		return;
	}
	azlx_print_open_object("stats");
	azlx_print_uint(AZLX_PRINT_ANY, "from_pod_packets", "    out from pods: %llu packets",
		       st->from_pod_packets);
	azlx_print_uint(AZLX_PRINT_ANY, "from_pod_bytes", " %llu bytes", st->from_pod_bytes);
	azlx_print_uint(AZLX_PRINT_ANY, "redirect_vf", ", vf %llu", st->redirect_vf);
	azlx_print_uint(AZLX_PRINT_ANY, "redirect_uplink", ", uplink %llu", st->redirect_uplink);
	azlx_print_uint(AZLX_PRINT_ANY, "redirect_neigh", ", neigh %llu", st->redirect_neigh);
	azlx_print_uint(AZLX_PRINT_ANY, "fallback", ", stack %llu\n", st->fallback);
	azlx_print_close_object();
}

void azlx_fp_state_print(const struct azlx_fp_state *s)
{
	char since[64], buf[160];
	size_t i;

	azlx_print_open_object(NULL);
	azlx_print_string(AZLX_PRINT_JSON, "pin_dir", NULL, AZLXNET_PIN_DIR);
	azlx_print_string(AZLX_PRINT_JSON, "identity", NULL, s->identity[0] ? s->identity : NULL);
	azlx_print_string(AZLX_PRINT_JSON, "tool_identity", NULL, s->tool_identity);
	azlx_print_string(AZLX_PRINT_JSON, "attach", NULL, s->tcx ? "tcx" : "tc");
	azlx_print_bool(AZLX_PRINT_JSON, "pinned", NULL, s->pinned);
	azlx_print_uint(AZLX_PRINT_JSON, "pods", NULL, s->pods);
	if (s->stale) {
		azlx_print_string(AZLX_PRINT_ANY, "stale",
				  "state: %s, another build's: \"azlxnet fastpath reload\" "
				  "(or this tool's next change) moves it to this one's\n",
				  s->identity);
	} else {
		azlx_print_null("stale");
	}
	if (s->pinned)
		azlx_print_text("maps: pinned in %s/%s, %zu pod%s, %zu uplink%s\n",
				AZLXNET_PIN_DIR, s->identity, s->pods, s->pods == 1 ? "" : "s",
				s->nuplinks, s->nuplinks == 1 ? "" : "s");
	else if (!s->stale)
		azlx_print_text("maps: none (the fast path is off)\n");
	if (s->pinned || s->stale)
		azlx_print_text("programs: %s (this tool), attached with %s\n", s->tool_identity,
				s->tcx ? "tcx links" : "tc filters");
	if (s->has_meta && s->meta.migrated) {
		snprintf(buf, sizeof(buf), "%s, when the state of %s was moved to this build",
			 azlx_fmt_time(s->meta.migrated, since, sizeof(since)), s->meta.from);
		azlx_print_string(AZLX_PRINT_ANY, "counters_since", "counters: since %s\n", buf);
	} else if (s->has_meta) {
		azlx_print_string(AZLX_PRINT_ANY, "counters_since", "counters: since %s\n",
				  azlx_fmt_time(s->meta.created, since, sizeof(since)));
	} else {
		azlx_print_null("counters_since");
	}

	azlx_print_open_array("uplinks");
	for (i = 0; i < s->nuplinks; i++) {
		const struct azlx_fp_uplink *u = &s->uplinks[i];

		azlx_print_open_object(NULL);
		azlx_print_text("uplink ");
		azlx_fp_dev_print(&u->dev);
		azlx_fp_prog_print(&u->dev, "program");
		azlx_print_text("\n");
		azlx_fp_uplink_stats_print(u);
		if (u->has_vf) {
			azlx_print_open_object("vf");
			azlx_print_text("    vf ");
			azlx_fp_dev_print(&u->vf);
			azlx_fp_prog_print(&u->vf, "program");
			azlx_print_text("\n");
			azlx_print_close_object();
		} else {
			azlx_print_null("vf");
		}
		azlx_print_close_object();
	}
	azlx_print_close_array();

	if (s->nprogs && s->tcx)
		azlx_print_text("ingress (tcx, or tc at handle 0x%x priority %d):\n",
				AZLXNET_TC_HANDLE, AZLXNET_TC_PRIO);
	else if (s->nprogs)
		azlx_print_text("tc ingress, handle 0x%x priority %d:\n", AZLXNET_TC_HANDLE,
				AZLXNET_TC_PRIO);
	azlx_print_open_array("programs");
	for (i = 0; i < s->nprogs; i++) {
		azlx_print_open_object(NULL);
		azlx_print_text("    ");
		azlx_fp_dev_print(&s->progs[i]);
		azlx_fp_prog_print(&s->progs[i], "program");
		azlx_print_text("\n");
		azlx_print_close_object();
	}
	azlx_print_close_array();
	azlx_print_close_object();
}

void azlx_fp_state_free(struct azlx_fp_state *s)
{
	free(s->uplinks);
	free(s->progs);
	memset(s, 0, sizeof(*s));
}

static int azlx_fp_dev_read(__u32 ifindex, struct azlx_fp_dev *d, struct azlx_err *e)
{
	int err;

	memset(d, 0, sizeof(*d));
	d->ifindex = ifindex;
	if (!if_indextoname(ifindex, d->ifname)) {
		d->ifname[0] = '\0';
		return 0;
	}
	err = azlx_tc_query(ifindex, &d->prog, e);
	d->has_prog = !err;
	return err == -ENOENT ? 0 : err;
}

static int azlx_fp_state_read(struct azlx_fp_state *s, struct azlx_err *e)
{
	struct if_nameindex *ifs = NULL, *it;
	struct azlx_pod_ids { __u32 *v; size_t n; } ids = { 0 };
	struct azlx_ep_list eps = { 0 };
	struct azlx_fp_dev d;
	__u32 *up = NULL, vf, slot;
	char vf_name[IF_NAMESIZE];
	struct azlx_dp dp;
	size_t n = 0, i, j;
	int err;

	memset(s, 0, sizeof(*s));
	s->tool_identity = azlx_dp_identity();
	s->tcx = azlx_dp_tcx();
	azlx_dp_init(&dp);
	err = azlx_dp_maps_get(&dp, e);
	if (err == -ESTALE) {
		char others[1][64];

		memset(e, 0, sizeof(*e));
		s->stale = azlx_dp_others(others, 1) > 0;
		if (s->stale)
			snprintf(s->identity, sizeof(s->identity), "%s", others[0]);
		err = 0;
	} else if (err == -ENOENT) {
		err = 0;
	} else if (!err) {
		s->pinned = true;
		snprintf(s->identity, sizeof(s->identity), "%s", azlx_dp_identity());
		s->has_meta = !azlx_dp_meta_get(&dp, &s->meta);
	}
	if (!err && s->pinned)
		err = azlx_dp_uplinks(&dp, &up, &n, e);
	if (!err && s->pinned)
		err = azlx_dp_endpoints(&dp, &eps, e);
	if (err)
		goto out;

	ids.v = calloc(eps.n + 1, sizeof(*ids.v));
	s->uplinks = calloc(n + 1, sizeof(*s->uplinks));
	if (!ids.v || !s->uplinks) {
		err = azlx_fail(e, ENOMEM, "out of memory");
		goto out;
	}
	for (i = 0; i < eps.n; i++) {
		for (j = 0; j < ids.n && ids.v[j] != eps.v[i].ep.host_ifindex; j++)
			;
		if (j == ids.n)
			ids.v[ids.n++] = eps.v[i].ep.host_ifindex;
	}
	s->pods = ids.n;

	for (i = 0; !err && i < n; i++) {
		struct azlx_fp_uplink *u = &s->uplinks[s->nuplinks++];

		err = azlx_fp_dev_read(up[i], &u->dev, e);
		if (!err && !azlx_dp_uplink_get(&dp, up[i], &slot))
			u->has_stats = !azlx_dp_stats(&dp, slot, &u->stats, e);
		if (err || !u->dev.ifname[0] || azlx_uplink_vf(up[i], &vf, vf_name) || !vf)
			continue;
		u->has_vf = true;
		err = azlx_fp_dev_read(vf, &u->vf, e);
	}

	ifs = if_nameindex();
	for (it = ifs; !err && it && it->if_index; it++) {
		struct azlx_fp_dev *v;

		err = azlx_fp_dev_read(it->if_index, &d, e);
		if (err || !d.has_prog)
			continue;
		v = realloc(s->progs, (s->nprogs + 1) * sizeof(*v));
		if (!v) {
			err = azlx_fail(e, ENOMEM, "out of memory");
			break;
		}
		s->progs = v;
		s->progs[s->nprogs++] = d;
	}
out:
	if (ifs)
		if_freenameindex(ifs);
	free(ids.v);
	free(up);
	azlx_ep_list_free(&eps);
	azlx_dp_close(&dp);
	if (err)
		azlx_fp_state_free(s);
	return err;
}

/* azlxnet fastpath */

static int azlx_fastpath_help(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	printf("Usage: azlxnet fastpath enable DEV\n"
	       "       azlxnet fastpath disable DEV\n"
	       "       azlxnet fastpath show\n"
	       "       azlxnet fastpath reload\n"
	       "       azlxnet fastpath watch\n"
	       "       azlxnet fastpath help\n"
	       "where  DEV := interface name or ifindex of an uplink (a synthetic NIC)\n");
	return AZLX_EXIT_OK;
}

static int azlx_fastpath_dev(int argc, char **argv, const char *cmd)
{
	if (!argc)
		return azlx_error(AZLX_EXIT_USAGE, "\"fastpath %s\" needs a DEV", cmd);
	if (argc > 1)
		return azlx_error(AZLX_EXIT_USAGE, "\"fastpath %s\" takes one DEV: \"%s\"", cmd,
				  argv[1]);
	return AZLX_EXIT_OK;
}

static void azlx_uplink_print(const struct azlx_uplink *u, const char *what)
{
	azlx_print_open_object(NULL);
	azlx_print_uint(AZLX_PRINT_JSON, "ifindex", NULL, u->ifindex);
	azlx_print_string(AZLX_PRINT_JSON, "ifname", NULL, u->ifname[0] ? u->ifname : NULL);
	if (u->vf_ifindex) {
		azlx_print_open_object("vf");
		azlx_print_uint(AZLX_PRINT_JSON, "ifindex", NULL, u->vf_ifindex);
		azlx_print_string(AZLX_PRINT_JSON, "ifname", NULL, u->vf_ifname);
		azlx_print_close_object();
	} else {
		azlx_print_null("vf");
	}
	azlx_print_bool(AZLX_PRINT_JSON, "changed", NULL, u->changed);
	if (u->variant != AZLX_DP_NONE)
		azlx_print_string(AZLX_PRINT_JSON, "programs", NULL,
				  azlx_dp_variant_name(u->variant));

	azlx_print_text("fast path %s%s on ", u->changed ? "" : "already ", what);
	if (u->ifname[0])
		azlx_print_text("%s (ifindex %u)", u->ifname, u->ifindex);
	else
		azlx_print_text("ifindex %u", u->ifindex);
	if (u->vf_ifindex)
		azlx_print_text(" and its VF %s (ifindex %u)", u->vf_ifname, u->vf_ifindex);
	/* the programs without the kfunc: say so, and why when it is plain */
	if (u->variant == AZLX_DP_NOMOD)
		azlx_print_text(", without the azlxnet.ko kfunc%s: off-node traffic takes the synthetic NIC",
				azlx_dp_module_loaded() ? "" : " (the module is not loaded)");
	azlx_print_text(u->changed ? "\n" : ": no change\n");
	azlx_print_close_object();
}

static int azlx_fastpath_enable(int argc, char **argv)
{
	struct azlx_err e = { 0 };
	struct azlx_uplink u;

	/* a DEV may be called "h": only the whole word is help here */
	if (argc && !strcmp(argv[0], "help"))
		return azlx_fastpath_help(0, NULL);
	if (azlx_fastpath_dev(argc, argv, "enable"))
		return AZLX_EXIT_USAGE;
	if (azlx_uplink_enable(argv[0], &u, &e))
		return azlx_error(AZLX_EXIT_ERR, "%s", e.msg);
	azlx_uplink_print(&u, "enabled");
	return AZLX_EXIT_OK;
}

static int azlx_fastpath_disable(int argc, char **argv)
{
	struct azlx_err e = { 0 };
	struct azlx_uplink u;

	if (argc && !strcmp(argv[0], "help"))
		return azlx_fastpath_help(0, NULL);
	if (azlx_fastpath_dev(argc, argv, "disable"))
		return AZLX_EXIT_USAGE;
	if (azlx_uplink_disable(argv[0], &u, &e))
		return azlx_error(AZLX_EXIT_ERR, "%s", e.msg);
	azlx_uplink_print(&u, "disabled");
	return AZLX_EXIT_OK;
}

static int azlx_fastpath_show(int argc, char **argv)
{
	struct azlx_err e = { 0 };
	struct azlx_fp_state s;

	if (argc && azlx_is_help(argv[0]))
		return azlx_fastpath_help(0, NULL);
	if (argc)
		return azlx_error(AZLX_EXIT_USAGE, "\"fastpath show\" takes no argument: \"%s\"",
				  argv[0]);
	if (azlx_fp_state_read(&s, &e))
		return azlx_error(AZLX_EXIT_ERR, "%s", e.msg);
	azlx_fp_state_print(&s);
	azlx_fp_state_free(&s);
	return AZLX_EXIT_OK;
}

/*
 * azlxnet fastpath reload: this tool's programs on every pod and uplink,
 * state of another build moved to them first.
 */
static int azlx_fastpath_reload(int argc, char **argv)
{
	struct azlx_err e = { 0 };
	struct azlx_dp dp;
	int err;

	if (argc && azlx_is_help(argv[0]))
		return azlx_fastpath_help(0, NULL);
	if (argc)
		return azlx_error(AZLX_EXIT_USAGE, "\"fastpath reload\" takes no argument: \"%s\"",
				  argv[0]);
	azlx_dp_init(&dp);
	err = azlx_dp_lock(&dp, &e);
	if (!err)
		err = azlx_dp_reload(&dp, &e);
	if (!err)
		azlx_dp_tidy(&dp);
	if (!err) {
		azlx_print_open_object(NULL);
		azlx_print_string(AZLX_PRINT_ANY, "identity", "fast path programs: %s",
				  azlx_dp_identity());
		azlx_print_string(AZLX_PRINT_JSON, "programs", NULL,
				  azlx_dp_variant_name(dp.variant));
		azlx_print_uint(AZLX_PRINT_ANY, "migrated", ", %llu state(s) of other builds moved",
				dp.migrated);
		azlx_print_string(AZLX_PRINT_ANY, "attach", ", attached with %s\n",
				  azlx_dp_tcx() ? "tcx" : "tc");
		azlx_print_close_object();
	}
	azlx_dp_close(&dp);
	if (err)
		return azlx_error(AZLX_EXIT_ERR, "fastpath reload: %s", e.msg);
	return AZLX_EXIT_OK;
}

/*
 * Enables the fast path again on the uplinks it is on (@only: that ifindex;
 * 0: all), which attaches azlxnet_to_pod to a VF that joined since. Prints
 * what changed; errors are warnings (the watch goes on).
 */
static void azlx_fastpath_refresh(__u32 only)
{
	struct azlx_err e = { 0 };
	struct azlx_uplink u;
	struct azlx_dp dp;
	__u32 *up = NULL;
	char name[16];
	size_t n = 0, i;
	int err;

	azlx_dp_init(&dp);
	err = azlx_dp_maps_get(&dp, &e);
	if (!err)
		err = azlx_dp_uplinks(&dp, &up, &n, &e);
	azlx_dp_close(&dp);
	if (err) {
		if (err != -ENOENT)
			azlx_warn("fastpath watch: %s", e.msg);
		return;
	}
	for (i = 0; i < n; i++) {
		if (only && up[i] != only)
			continue;
		snprintf(name, sizeof(name), "%u", up[i]);
		memset(&e, 0, sizeof(e));
		if (azlx_uplink_enable(name, &u, &e)) {
			azlx_warn("fastpath watch: ifindex %s: %s", name, e.msg);
			continue;
		}
		if (u.changed) {
			azlx_uplink_print(&u, "enabled");
			azlx_print_flush();
		}
	}
	free(up);
}

static void azlx_fastpath_watch_event(struct azlx_monitor *m, __u8 cmd,
				      const struct azlx_nic *nic)
{
	(void)m;
	if (cmd == AZLXNET_CMD_VF_JOIN || cmd == AZLXNET_CMD_VF_UP ||
	    cmd == AZLXNET_CMD_NIC_NEW)
		azlx_fastpath_refresh(nic->ifindex);
}

static void azlx_fastpath_watch_lost(struct azlx_monitor *m)
{
	(void)m;
	azlx_fastpath_refresh(0);
}

/*
 * azlxnet fastpath watch: follows the module's events and attaches
 * azlxnet_to_pod to each VF that joins an uplink with the fast path on
 * (after Azure's host servicing, a VF is removed and comes back as a new
 * device). Runs until SIGINT or SIGTERM or the module's unload.
 */
static int azlx_fastpath_watch(int argc, char **argv)
{
	struct azlx_monitor m = {
		.on_event = azlx_fastpath_watch_event,
		.on_ready = azlx_fastpath_watch_lost,
		.on_lost = azlx_fastpath_watch_lost,
	};

	if (argc && azlx_is_help(argv[0]))
		return azlx_fastpath_help(0, NULL);
	if (argc)
		return azlx_error(AZLX_EXIT_USAGE, "\"fastpath watch\" takes no argument: \"%s\"",
				  argv[0]);
	/* subscribed first, then what joined before (on_ready): nothing is missed */
	return azlx_monitor_run(&m);
}

static const struct azlx_cmd azlx_fastpath_cmds[] = {
	{ "enable",	azlx_fastpath_enable },
	{ "disable",	azlx_fastpath_disable },
	{ "show",	azlx_fastpath_show },
	{ "reload",	azlx_fastpath_reload },
	{ "watch",	azlx_fastpath_watch },
	{ "help",	azlx_fastpath_help },
	{ NULL,		NULL },
};

int azlx_do_fastpath(int argc, char **argv)
{
	if (!argc)
		return azlx_fastpath_show(0, NULL);
	return azlx_cmd_run(azlx_fastpath_cmds, argc, argv, "azlxnet fastpath");
}
