// SPDX-License-Identifier: GPL-2.0-only
/*
 * azlxnet tune: plan, apply, revert, show and detect, and their options.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "azlxnet.h"
#include "cmd.h"
#include "print.h"

#include "apply.h"
#include "budget.h"
#include "planprint.h"
#include "tune.h"

struct azlx_tune_opts azlx_tune_opts;

void azlx_tune_set_opt(int opt, const char *arg, const char *name)
{
	struct azlx_tune_opts *o = &azlx_tune_opts;

	if (!o->given)
		o->name = name;
	o->given = true;
	o->names[opt - AZLX_OPT_TUNE_FIRST] = name;
	o->seq[opt - AZLX_OPT_TUNE_FIRST] = ++o->count;
	switch (opt) {
	case AZLX_OPT_DRY_RUN:
		o->dry_run = true;
		break;
	case AZLX_OPT_PROFILE:
		o->profile = arg;
		break;
	case AZLX_OPT_ROOT:
		o->root = arg;
		break;
	case AZLX_OPT_STATE_DIR:
		o->state_dir = arg;
		break;
	case AZLX_OPT_CONFIG:
		o->config = arg;
		break;
	case AZLX_OPT_IMDS_FILE:
		o->imds_file = arg;
		break;
	case AZLX_OPT_NO_IMDS:
		o->no_imds = true;
		break;
	case AZLX_OPT_PERSIST:
		o->persist = true;
		break;
	case AZLX_OPT_ALL:
		o->all = true;
		break;
	case AZLX_OPT_NO_DISRUPTIVE:
		o->no_disruptive = true;
		break;
	}
}

/* --root: the tree every path is under. */
static int azlx_tune_root(void)
{
	const struct azlx_tune_opts *o = &azlx_tune_opts;
	char real[PATH_MAX];

	if (!o->root)
		return AZLX_EXIT_OK;
	if (!realpath(o->root, real))
		return azlx_error(AZLX_EXIT_USAGE, "--root %s: %s", o->root, strerror(errno));
	azlx_root_set(real);
	if (!azlx_fs_is_dir("/")) {
		azlx_root_set(NULL);
		return azlx_error(AZLX_EXIT_USAGE, "--root %s: not a directory", o->root);
	}
	return AZLX_EXIT_OK;
}

/* --root, --config, --profile: the common start of plan, apply, detect and disk. */
int azlx_tune_setup(struct azlx_tconf *c)
{
	const struct azlx_tune_opts *o = &azlx_tune_opts;
	char err[512];
	int ret;

	ret = azlx_tune_root();
	if (ret)
		return ret;
	azlx_tconf_init(c);
	ret = azlx_tconf_load(c, o->config ? o->config : AZLX_TCONF_PATH, o->config != NULL,
			      err, sizeof(err));
	if (ret)
		return azlx_error(AZLX_EXIT_ERR, "%s", err);
	if (o->profile && azlx_profile_parse(o->profile, &c->profile))
		return azlx_error(AZLX_EXIT_USAGE,
				  "unknown profile \"%s\" (aks, latency or throughput)", o->profile);
	return AZLX_EXIT_OK;
}

/* IMDS: a file, the service (on Azure only), or nothing; never fatal. */
int azlx_tune_imds(const struct azlx_node *n, const struct azlx_tconf *c,
			  struct azlx_imds *m)
{
	const struct azlx_tune_opts *o = &azlx_tune_opts;
	char err[512];
	int ret;

	memset(m, 0, sizeof(*m));
	if (o->imds_file) {
		ret = azlx_imds_load_file(o->imds_file, m, err, sizeof(err));
		if (ret)
			return azlx_error(AZLX_EXIT_ERR, "--imds-file %s", err);
		return AZLX_EXIT_OK;
	}
	if (o->no_imds || (c->imds_enabled.set && !c->imds_enabled.v))
		return AZLX_EXIT_OK;
	/* the service is only asked on Azure, never for a fake tree */
	if (azlx_root_is_fake() || !n->azure)
		return AZLX_EXIT_OK;
	ret = azlx_imds_fetch(AZLX_IMDS_URL, c->imds_timeout_ms.set ? c->imds_timeout_ms.v : 2000,
			      m, err, sizeof(err));
	if (ret)
		azlx_warn("IMDS: %s: planning from what the guest sees", err);
	return AZLX_EXIT_OK;
}

int azlx_tune_node(struct azlx_tconf *c, struct azlx_node *n, struct azlx_imds *m)
{
	int ret = azlx_tune_setup(c);

	if (!ret)
		ret = azlx_detect(n, c);
	if (ret)
		return ret;
	ret = azlx_tune_imds(n, c, m);
	if (ret)
		azlx_node_free(n);
	return ret;
}

/*
 * The state directory's path under --root, opened inside the root by
 * apply.c; NULL: a host path (--state-dir, or no --root).
 */
static const char *azlx_state_in_root(void)
{
	return azlx_root_is_fake() && !azlx_tune_opts.state_dir ? AZLX_STATE_DIR : NULL;
}

/* The state directory as a host path (resolved inside --root), for messages */
static int azlx_state_dir(char *buf, size_t len)
{
	if (azlx_tune_opts.state_dir) {
		azlx_strf(buf, len, "%s", azlx_tune_opts.state_dir);
		return 0;
	}
	return azlx_root_path(AZLX_STATE_DIR, buf, len);
}

int azlx_no_args(const char *cmd, int argc, char **argv)
{
	if (argc)
		return azlx_error(AZLX_EXIT_USAGE, "\"%s\" takes no argument: \"%s\"", cmd, argv[0]);
	return AZLX_EXIT_OK;
}

/* ---- the commands ---------------------------------------------------------------- */

static int azlx_tune_plan(void)
{
	struct azlx_plan_opts po = { .persist = azlx_tune_opts.persist,
				     .no_disruptive = azlx_tune_opts.no_disruptive };
	struct azlx_tconf c;
	struct azlx_node n;
	struct azlx_imds m;
	struct azlx_plan p;
	int ret;

	ret = azlx_tune_node(&c, &n, &m);
	if (ret)
		return ret;
	ret = azlx_plan_build(&n, &m, &c, &po, &p);
	if (!ret) {
		azlx_plan_print(&p, azlx_tune_opts.all);
		azlx_plan_free(&p);
	}
	azlx_node_free(&n);
	return ret;
}

static int azlx_tune_apply(void)
{
	struct azlx_plan_opts po = { .persist = azlx_tune_opts.persist,
				     .no_disruptive = azlx_tune_opts.no_disruptive };
	struct azlx_state_ctx st = { .lock_fd = -1 };
	char dir[PATH_MAX];
	struct azlx_tconf c;
	struct azlx_node n;
	struct azlx_imds m;
	struct azlx_plan p;
	int ret, applied;

	ret = azlx_tune_node(&c, &n, &m);
	if (ret)
		return ret;
	if (azlx_state_dir(dir, sizeof(dir))) {
		ret = azlx_error(AZLX_EXIT_ERR, "state directory name too long");
		goto out_node;
	}
	/* plan under the lock: another run may change what is there */
	ret = azlx_state_lock(&st, dir, azlx_state_in_root());
	if (ret)
		goto out_node;
	ret = azlx_plan_build(&n, &m, &c, &po, &p);
	if (ret)
		goto out_unlock;
	ret = azlx_apply(&st, &p, &applied);
	if (ret)
		goto out_plan;
	azlx_plan_print(&p, azlx_tune_opts.all);
	azlx_print_uint(AZLX_PRINT_ANY, "applied", "applied %llu change(s)", applied);
	azlx_print_string(AZLX_PRINT_ANY, "state_dir", "; prior values in %s\n", dir);
out_plan:
	azlx_plan_free(&p);
out_unlock:
	azlx_state_unlock(&st);
out_node:
	azlx_node_free(&n);
	return ret;
}

/* A recorded value as text: "(absent)", a configuration file's size, or the value. */
static const char *azlx_value_text(const struct azlx_recorded *v, const char *val, char *buf,
				   size_t len)
{
	if (!val)
		return "(absent)";
	if (v->conffile) {
		azlx_strf(buf, len, "(%zu bytes)", strlen(val));
		return buf;
	}
	return val;
}

static const char *azlx_now_text(const struct azlx_recorded *v, char *buf, size_t len)
{
	if (v->unreadable)
		return "(unreadable)";
	return azlx_value_text(v, v->now, buf, len);
}

/* The keys that say what a recorded value is, as in the state file. */
static void azlx_recorded_print_id(const struct azlx_recorded *v)
{
	azlx_print_string(AZLX_PRINT_JSON, "name", NULL, v->name);
	azlx_print_string(AZLX_PRINT_JSON, "kind", NULL, v->kind);
	azlx_print_string(AZLX_PRINT_JSON, v->setting ? "device" : "path", NULL, v->path);
	if (v->setting)
		azlx_print_string(AZLX_PRINT_JSON, "setting", NULL, v->setting);
}

/* revert --dry-run: what revert would restore, in its order; nothing changes. */
static int azlx_tune_revert_preview(const char *dir)
{
	struct azlx_state_ctx st;
	struct azlx_record r;
	char b1[32], b2[32];
	int i, ret;

	azlx_state_at(&st, dir, azlx_state_in_root());
	ret = azlx_record_read(&st, &r);
	if (ret)
		return ret;
	azlx_print_open_object(NULL);
	azlx_print_bool(AZLX_PRINT_JSON, "dry_run", NULL, true);
	azlx_print_open_array("entries");
	for (i = r.n - 1; i >= 0; i--) {
		const struct azlx_recorded *v = &r.v[i];

		azlx_print_open_object(NULL);
		azlx_print_text("%s: %s -> %s%s\n", v->name, azlx_now_text(v, b1, sizeof(b1)),
				azlx_value_text(v, v->prior, b2, sizeof(b2)),
				v->is_prior ? " (already)" : "");
		azlx_recorded_print_id(v);
		azlx_print_string(AZLX_PRINT_JSON, "now", NULL, v->now);
		azlx_print_string(AZLX_PRINT_JSON, "prior", NULL, v->prior);
		if (v->unreadable)
			azlx_print_string(AZLX_PRINT_JSON, "error", NULL, v->error);
		azlx_print_close_object();
	}
	azlx_print_close_array();
	azlx_print_uint(AZLX_PRINT_ANY, "restored", "would restore %llu value(s)", r.n);
	azlx_print_text("%s\n", r.n ? "; the state is kept" : ": nothing was recorded");
	azlx_print_close_object();
	azlx_record_free(&r);
	return AZLX_EXIT_OK;
}

/* revert needs only the state: no configuration, no detection. */
static int azlx_tune_revert(void)
{
	struct azlx_state_ctx st = { .lock_fd = -1 };
	char dir[PATH_MAX];
	int ret, restored;

	ret = azlx_tune_root();
	if (ret)
		return ret;
	if (azlx_state_dir(dir, sizeof(dir)))
		return azlx_error(AZLX_EXIT_ERR, "state directory name too long");
	if (azlx_tune_opts.dry_run)
		return azlx_tune_revert_preview(dir);
	ret = azlx_state_lock(&st, dir, azlx_state_in_root());
	if (ret)
		return ret;
	ret = azlx_revert(&st, &restored);
	azlx_state_unlock(&st);
	if (ret)
		return ret;
	azlx_print_open_object(NULL);
	azlx_print_uint(AZLX_PRINT_ANY, "restored", "restored %llu value(s)", restored);
	azlx_print_text("%s\n", restored ? "; state removed" : ": nothing was recorded");
	azlx_print_close_object();
	return AZLX_EXIT_OK;
}

int azlx_record_drifted(const struct azlx_record *r)
{
	int i, drifted = 0;

	for (i = 0; i < r->n; i++)
		drifted += !r->v[i].holds;
	return drifted;
}

int azlx_tune_record(struct azlx_record *r)
{
	struct azlx_state_ctx st;
	char dir[PATH_MAX];
	int ret;

	memset(r, 0, sizeof(*r));
	ret = azlx_tune_root();
	if (ret)
		return ret;
	if (azlx_state_dir(dir, sizeof(dir)))
		return azlx_error(AZLX_EXIT_ERR, "state directory name too long");
	azlx_state_at(&st, dir, azlx_state_in_root());
	return azlx_record_read(&st, r);
}

/* show: what was applied, and whether each value still holds (drift). */
static int azlx_tune_show(void)
{
	int w_name = 4, w_prior = 5, w_new = 7, w_now = 3, i, l, drifted = 0, ret;
	char dir[PATH_MAX], path[PATH_MAX + 16], b1[32], b2[32], b3[32];
	struct azlx_record r;

	ret = azlx_tune_record(&r);
	if (ret)
		return ret;
	if (azlx_state_dir(dir, sizeof(dir)))
		return azlx_error(AZLX_EXIT_ERR, "state directory name too long");
	azlx_strf(path, sizeof(path), "%s/%s", dir, AZLX_STATE_FILE);
	for (i = 0; i < r.n; i++) {
		const struct azlx_recorded *v = &r.v[i];

#define W(w, s) do { l = (int)strlen(s); if (l > (w)) (w) = l; } while (0)
		W(w_name, v->name);
		W(w_prior, azlx_value_text(v, v->prior, b1, sizeof(b1)));
		W(w_new, azlx_value_text(v, v->new, b1, sizeof(b1)));
		W(w_now, azlx_now_text(v, b1, sizeof(b1)));
#undef W
	}
	drifted = azlx_record_drifted(&r);
	if (w_prior > 24)
		w_prior = 24;
	if (w_new > 24)
		w_new = 24;
	if (w_now > 24)
		w_now = 24;
	azlx_print_open_object(NULL);
	azlx_print_string(AZLX_PRINT_JSON, "state", NULL, path);
	if (r.n)
		azlx_print_text("%-*s  %-*s  %-*s  %-*s  %s\n", w_name, "NAME", w_prior, "PRIOR",
				w_new, "APPLIED", w_now, "NOW", "STATE");
	azlx_print_open_array("entries");
	for (i = 0; i < r.n; i++) {
		const struct azlx_recorded *v = &r.v[i];
		char state[300];

		if (v->unreadable)
			azlx_strf(state, sizeof(state), "drift: %s", v->error);
		else
			azlx_strf(state, sizeof(state), "%s", v->holds ? "holds" :
				  v->is_prior ? "drift (back to the prior value)" : "drift");
		azlx_print_open_object(NULL);
		azlx_print_text("%-*s  %-*.*s  %-*.*s  %-*.*s  %s\n", w_name, v->name,
				w_prior, w_prior, azlx_value_text(v, v->prior, b1, sizeof(b1)),
				w_new, w_new, azlx_value_text(v, v->new, b2, sizeof(b2)),
				w_now, w_now, azlx_now_text(v, b3, sizeof(b3)), state);
		azlx_recorded_print_id(v);
		azlx_print_string(AZLX_PRINT_JSON, "prior", NULL, v->prior);
		azlx_print_string(AZLX_PRINT_JSON, "new", NULL, v->new);
		azlx_print_string(AZLX_PRINT_JSON, "now", NULL, v->now);
		azlx_print_bool(AZLX_PRINT_JSON, "drift", NULL, !v->holds);
		if (v->unreadable)
			azlx_print_string(AZLX_PRINT_JSON, "error", NULL, v->error);
		azlx_print_close_object();
	}
	azlx_print_close_array();
	if (r.n) {
		azlx_print_uint(AZLX_PRINT_ANY, "recorded", "%llu value(s) recorded in ", r.n);
		azlx_print_text("%s, ", path);
	} else {
		azlx_print_uint(AZLX_PRINT_JSON, "recorded", NULL, 0);
		azlx_print_text("nothing was recorded in %s\n", dir);
	}
	azlx_print_uint(r.n ? AZLX_PRINT_ANY : AZLX_PRINT_JSON, "drifted", "%llu drifted\n",
			drifted);
	azlx_print_close_object();
	azlx_record_free(&r);
	return AZLX_EXIT_OK;
}

static int azlx_tune_detect(void)
{
	struct azlx_tconf c;
	struct azlx_node n;
	struct azlx_imds m;
	int ret;

	ret = azlx_tune_node(&c, &n, &m);
	if (ret)
		return ret;
	/* the node, then its budgets with where each number came from */
	azlx_print_open_object(NULL);
	azlx_node_print_fields(&n);
	azlx_budgets_print(&n, &m, &c);
	azlx_print_close_object();
	azlx_node_free(&n);
	return AZLX_EXIT_OK;
}

/* ---- the grammar --------------------------------------------------------------------- */

#define O(x)	(1u << (AZLX_OPT_##x - AZLX_OPT_TUNE_FIRST))
#define AZLX_PLAN_OPTS	(O(PROFILE) | O(PERSIST) | O(ALL) | O(CONFIG) | O(IMDS_FILE) | \
			 O(NO_IMDS) | O(ROOT) | O(NO_DISRUPTIVE))

struct azlx_tune_cmd {
	int		(*fn)(void);
	unsigned int	opts;		/* the options it takes: O(...) */
	const char	*usage;
};

/* The names, for azlx_cmd_lookup(); in the order of azlx_tune_cmds[]. */
static const struct azlx_cmd azlx_tune_names[] = {
	{ "plan",	NULL },
	{ "apply",	NULL },
	{ "revert",	NULL },
	{ "show",	NULL },
	{ "detect",	NULL },
	{ NULL,		NULL },
};

enum { AZLX_TUNE_PLAN, AZLX_TUNE_APPLY, AZLX_TUNE_REVERT, AZLX_TUNE_SHOW, AZLX_TUNE_DETECT };

static const struct azlx_tune_cmd azlx_tune_cmds[] = {
	[AZLX_TUNE_PLAN] = { azlx_tune_plan, AZLX_PLAN_OPTS,
		"azlxnet tune plan [ --profile PROFILE ] [ --persist ] [ --all ]\n"
		"                         [ --config FILE ] [ --imds-file FILE | --no-imds ]\n"
		"                         [ --root DIR ] [ --no-disruptive ]" },
	[AZLX_TUNE_APPLY] = { azlx_tune_apply, AZLX_PLAN_OPTS | O(STATE_DIR),
		"azlxnet tune apply [ --profile PROFILE ] [ --persist ] [ --all ]\n"
		"                          [ --config FILE ] [ --imds-file FILE | --no-imds ]\n"
		"                          [ --root DIR ] [ --state-dir DIR ] [ --no-disruptive ]" },
	[AZLX_TUNE_REVERT] = { azlx_tune_revert, O(DRY_RUN) | O(ROOT) | O(STATE_DIR),
		"azlxnet tune revert [ --dry-run ] [ --root DIR ] [ --state-dir DIR ]" },
	[AZLX_TUNE_SHOW] = { azlx_tune_show, O(ROOT) | O(STATE_DIR),
		"azlxnet tune show [ --root DIR ] [ --state-dir DIR ]" },
	[AZLX_TUNE_DETECT] = { azlx_tune_detect, O(ROOT) | O(CONFIG) | O(IMDS_FILE) | O(NO_IMDS),
		"azlxnet tune detect [ --config FILE ] [ --imds-file FILE | --no-imds ]\n"
		"                           [ --root DIR ]" },
};

static int azlx_tune_help(void)
{
	size_t i;

	for (i = 0; i < sizeof(azlx_tune_cmds) / sizeof(azlx_tune_cmds[0]); i++)
		printf("%s %s\n", i ? "      " : "Usage:", azlx_tune_cmds[i].usage);
	printf("       azlxnet tune help\n"
	       "where  PROFILE := { aks | latency | throughput }\n");
	return AZLX_EXIT_OK;
}

/* An option command @i does not take is a usage error: the first one typed. */
static int azlx_tune_check_opts(int i)
{
	const struct azlx_tune_opts *o = &azlx_tune_opts;
	int k, bad = -1;

	for (k = 0; k <= AZLX_OPT_TUNE_LAST - AZLX_OPT_TUNE_FIRST; k++) {
		if (!o->names[k] || (azlx_tune_cmds[i].opts & (1u << k)))
			continue;
		if (bad < 0 || o->seq[k] < o->seq[bad])
			bad = k;
	}
	if (bad < 0)
		return AZLX_EXIT_OK;
	return azlx_error(AZLX_EXIT_USAGE, "option \"%s\" is not for \"tune %s\"%s", o->names[bad],
			  azlx_tune_names[i].name,
			  i == AZLX_TUNE_APPLY && bad == AZLX_OPT_DRY_RUN - AZLX_OPT_TUNE_FIRST ?
			  " (use \"tune plan\")" : "");
}

/* Runs command @i with the words after it. */
static int azlx_tune_run(int i, int argc, char **argv)
{
	char where[32];
	int ret;

	if (argc && azlx_is_help(argv[0])) {
		printf("Usage: %s\n", azlx_tune_cmds[i].usage);
		return AZLX_EXIT_OK;
	}
	azlx_strf(where, sizeof(where), "tune %s", azlx_tune_names[i].name);
	ret = azlx_tune_check_opts(i);
	if (!ret)
		ret = azlx_no_args(where, argc, argv);
	if (!ret)
		ret = azlx_tune_cmds[i].fn();
	return ret;
}

int azlx_do_tune(int argc, char **argv)
{
	const struct azlx_cmd *c;

	if (!argc) {
		/* the spellings of the release before: kept for one release */
		if (azlx_tune_opts.dry_run) {
			azlx_warn("\"azlxnet tune --dry-run\" is deprecated: use \"azlxnet tune plan\"");
			azlx_tune_opts.names[AZLX_OPT_DRY_RUN - AZLX_OPT_TUNE_FIRST] = NULL;
			azlx_tune_opts.dry_run = false;
			return azlx_tune_run(AZLX_TUNE_PLAN, 0, argv);
		}
		azlx_warn("\"azlxnet tune\" is deprecated: use \"azlxnet tune apply\"");
		return azlx_tune_run(AZLX_TUNE_APPLY, 0, argv);
	}
	if (azlx_is_help(argv[0]))
		return azlx_tune_help();
	c = azlx_cmd_lookup(azlx_tune_names, argv[0], "command", "azlxnet tune");
	if (!c)
		return AZLX_EXIT_USAGE;
	return azlx_tune_run(c - azlx_tune_names, argc - 1, argv + 1);
}

int azlx_do_revert(int argc, char **argv)
{
	azlx_warn("\"azlxnet revert\" is deprecated: use \"azlxnet tune revert\"");
	return azlx_tune_run(AZLX_TUNE_REVERT, argc, argv);
}

int azlx_do_detect(int argc, char **argv)
{
	azlx_warn("\"azlxnet detect\" is deprecated: use \"azlxnet tune detect\"");
	return azlx_tune_run(AZLX_TUNE_DETECT, argc, argv);
}
