// SPDX-License-Identifier: GPL-2.0-only
/*
 * azlxnet tune, revert and detect.
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
#include "planprint.h"
#include "tune.h"

struct azlx_tune_opts azlx_tune_opts;

void azlx_tune_set_opt(int opt, const char *arg, const char *name)
{
	struct azlx_tune_opts *o = &azlx_tune_opts;

	if (!o->given)
		o->name = name;
	o->given = true;
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

/* --root, --config, --profile: the common start of every command. */
int azlx_tune_setup(struct azlx_tconf *c)
{
	const struct azlx_tune_opts *o = &azlx_tune_opts;
	char err[512];
	int ret;

	if (o->root) {
		char real[PATH_MAX];

		if (!realpath(o->root, real))
			return azlx_error(AZLX_EXIT_USAGE, "--root %s: %s", o->root, strerror(errno));
		azlx_root_set(real);
		if (!azlx_fs_is_dir("/")) {
			azlx_root_set(NULL);
			return azlx_error(AZLX_EXIT_USAGE, "--root %s: not a directory", o->root);
		}
	}
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

static int azlx_state_dir(char *buf, size_t len)
{
	if (azlx_tune_opts.state_dir) {
		azlx_strf(buf, len, "%s", azlx_tune_opts.state_dir);
		return 0;
	}
	return azlx_root_path(AZLX_STATE_DIR, buf, len);
}

static int azlx_tune_help(void)
{
	printf("Usage: azlxnet tune [ --dry-run ] [ --profile PROFILE ] [ --persist ] [ --all ]\n"
	       "                    [ --config FILE ] [ --imds-file FILE | --no-imds ]\n"
	       "                    [ --root DIR ] [ --state-dir DIR ] [ --no-disruptive ]\n"
	       "       azlxnet tune help\n"
	       "where  PROFILE := { aks | latency | throughput }\n");
	return AZLX_EXIT_OK;
}

int azlx_no_args(const char *cmd, int argc, char **argv)
{
	if (argc)
		return azlx_error(AZLX_EXIT_USAGE, "\"%s\" takes no argument: \"%s\"", cmd, argv[0]);
	return AZLX_EXIT_OK;
}

int azlx_do_tune(int argc, char **argv)
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

	if (argc && azlx_is_help(argv[0]))
		return azlx_tune_help();
	ret = azlx_no_args("tune", argc, argv);
	if (!ret)
		ret = azlx_tune_node(&c, &n, &m);
	if (ret)
		return ret;

	if (!azlx_tune_opts.dry_run) {
		if (azlx_state_dir(dir, sizeof(dir))) {
			ret = azlx_error(AZLX_EXIT_ERR, "state directory name too long");
			goto out_node;
		}
		/* plan under the lock: another run may change what is there */
		ret = azlx_state_lock(&st, dir);
		if (ret)
			goto out_node;
	}
	ret = azlx_plan_build(&n, &m, &c, &po, &p);
	if (ret)
		goto out_unlock;
	if (azlx_tune_opts.dry_run) {
		azlx_plan_print(&p, azlx_tune_opts.all);
		goto out_plan;
	}
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

int azlx_do_revert(int argc, char **argv)
{
	struct azlx_state_ctx st = { .lock_fd = -1 };
	char dir[PATH_MAX];
	struct azlx_tconf c;
	int ret, restored;

	if (argc && azlx_is_help(argv[0])) {
		printf("Usage: azlxnet revert [ --root DIR ] [ --state-dir DIR ]\n"
		       "       azlxnet revert help\n");
		return AZLX_EXIT_OK;
	}
	ret = azlx_no_args("revert", argc, argv);
	if (!ret)
		ret = azlx_tune_setup(&c);
	if (ret)
		return ret;
	if (azlx_state_dir(dir, sizeof(dir)))
		return azlx_error(AZLX_EXIT_ERR, "state directory name too long");
	ret = azlx_state_lock(&st, dir);
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

int azlx_do_detect(int argc, char **argv)
{
	struct azlx_tconf c;
	struct azlx_node n;
	int ret;

	if (argc && azlx_is_help(argv[0])) {
		printf("Usage: azlxnet detect [ --root DIR ] [ --config FILE ]\n"
		       "       azlxnet detect help\n");
		return AZLX_EXIT_OK;
	}
	ret = azlx_no_args("detect", argc, argv);
	if (!ret)
		ret = azlx_tune_setup(&c);
	if (!ret)
		ret = azlx_detect(&n, &c);
	if (ret)
		return ret;
	azlx_node_print(&n);
	azlx_node_free(&n);
	return AZLX_EXIT_OK;
}
