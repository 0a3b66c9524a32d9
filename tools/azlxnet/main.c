// SPDX-License-Identifier: GPL-2.0-only
/*
 * azlxnet - manage azlxnet.ko and its BPF fast path on Azure nodes.
 *
 * Usage: azlxnet [ OPTIONS ] OBJECT { COMMAND | help }
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "azlxnet.h"
#include "cmd.h"
#include "cni.h"
#include "disk.h"
#include "metrics.h"
#include "pod.h"
#include "print.h"
#include "tune/tune.h"

struct azlx_opts azlx_opts;

static int azlx_usage(FILE *fp)
{
	fprintf(fp,
		"Usage: azlxnet [ OPTIONS ] OBJECT { COMMAND | help }\n"
		"       azlxnet help\n"
		"where  OBJECT := { config | disk | fastpath | kit | metrics | module |\n"
		"                   monitor | nic | pod | status | tune | version }\n"
		"       OPTIONS := { -j[son] | -p[retty] | -v[erbose] | -V[ersion] |\n"
		"                    -h[elp] | -c[ount] COUNT (monitor, disk top) }\n");
	return AZLX_EXIT_OK;
}

/* The objects that take azlxnet tune's options (revert, detect: "tune revert", "tune detect") */
static bool azlx_tune_takes_opts(int (*fn)(int, char **))
{
	return fn == azlx_do_tune || fn == azlx_do_revert || fn == azlx_do_detect ||
	       fn == azlx_do_disk;
}

static int azlx_do_help(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	return azlx_usage(stdout);
}

static const struct azlx_cmd azlx_objects[] = {
	{ "config",	azlx_do_config },
	{ "detect",	azlx_do_detect },
	{ "disk",	azlx_do_disk },
	{ "fastpath",	azlx_do_fastpath },
	{ "metrics",	azlx_do_metrics },
	{ "help",	azlx_do_help },
	{ "kit",	azlx_do_kit },
	{ "module",	azlx_do_module },
	{ "monitor",	azlx_do_monitor },
	{ "nic",	azlx_do_nic },
	{ "pod",	azlx_do_pod },
	{ "revert",	azlx_do_revert },
	{ "status",	azlx_do_status },
	{ "tune",	azlx_do_tune },
	{ "version",	azlx_do_version },
	{ NULL,		NULL },
};

static const struct option azlx_long_opts[] = {
	{ "json",	no_argument,	NULL,	'j' },
	{ "pretty",	no_argument,	NULL,	'p' },
	{ "verbose",	no_argument,	NULL,	'v' },
	{ "version",	no_argument,	NULL,	'V' },
	{ "help",	no_argument,	NULL,	'h' },
	{ "count",	required_argument, NULL, 'c' },
	AZLX_TUNE_LONG_OPTS,
	AZLX_POD_LONG_OPTS,
	AZLX_DISK_LONG_OPTS,
	AZLX_METRICS_LONG_OPTS,
	{ NULL,		0,		NULL,	0 },
};

/* COUNT of -c: a positive integer */
static int azlx_parse_count(const char *arg)
{
	unsigned long v;
	char *end;

	errno = 0;
	v = strtoul(arg, &end, 10);
	if (errno || end == arg || *end || !v || arg[0] == '-' || arg[0] == '+')
		return azlx_error(AZLX_EXIT_USAGE, "invalid COUNT \"%s\" (a positive integer)",
				  arg);
	azlx_opts.count = v;
	return AZLX_EXIT_OK;
}

int main(int argc, char **argv)
{
	const struct azlx_cmd *obj;
	const char *count = NULL;
	bool version = false;
	bool help = false;
	int opt, ret;

	/* run by a container runtime as a CNI plugin */
	if (argc == 1 && getenv("CNI_COMMAND"))
		return azlx_cni_main();

	/* getopt's own messages would bypass the error path */
	opterr = 0;
	while ((opt = getopt_long_only(argc, argv, ":jpvVhc:", azlx_long_opts, NULL)) != -1) {
		switch (opt) {
		case 'j':
			azlx_opts.json = true;
			break;
		case 'p':
			azlx_opts.json = true;
			azlx_opts.pretty = true;
			break;
		case 'v':
			azlx_opts.verbose = true;
			break;
		case 'V':
			version = true;
			break;
		case 'h':
			help = true;
			break;
		case 'c':
			count = optarg;
			break;
		case AZLX_OPT_TUNE_FIRST ... AZLX_OPT_TUNE_LAST:
			azlx_tune_set_opt(opt, optarg, argv[optind - (optarg ? 2 : 1)]);
			break;
		case AZLX_OPT_POD_FIRST ... AZLX_OPT_POD_LAST:
			azlx_pod_set_opt(opt, optarg);
			break;
		case AZLX_OPT_DISK_FIRST ... AZLX_OPT_DISK_LAST:
			azlx_disk_set_opt(opt, optarg, argv[optind - (optarg ? 2 : 1)]);
			break;
		case AZLX_OPT_METRICS_FIRST ... AZLX_OPT_METRICS_LAST:
			azlx_metrics_set_opt(opt, optarg, argv[optind - (optarg ? 2 : 1)]);
			break;
		case ':':
			azlx_print_init(stdout, azlx_opts.json, azlx_opts.pretty);
			return azlx_error(AZLX_EXIT_USAGE, "option \"%s\" needs an argument",
					  argv[optind - 1]);
		default:
			azlx_print_init(stdout, azlx_opts.json, azlx_opts.pretty);
			if (optopt)
				return azlx_error(AZLX_EXIT_USAGE,
						  "unknown option \"-%c\" (try \"azlxnet help\")",
						  optopt);
			return azlx_error(AZLX_EXIT_USAGE,
					  "unknown option \"%s\" (try \"azlxnet help\")",
					  argv[optind - 1]);
		}
	}
	azlx_print_init(stdout, azlx_opts.json, azlx_opts.pretty);
	argc -= optind;
	argv += optind;

	if (help)
		return azlx_usage(stdout);
	if (version) {
		ret = azlx_do_version(0, NULL);
	} else if (!argc) {
		azlx_usage(stderr);
		return AZLX_EXIT_USAGE;
	} else {
		obj = azlx_cmd_lookup(azlx_objects, argv[0], "object", "azlxnet");
		if (!obj)
			return AZLX_EXIT_USAGE;
		if (count && obj->fn != azlx_do_monitor && obj->fn != azlx_do_disk)
			return azlx_error(AZLX_EXIT_USAGE,
					  "option \"-c\" is only for \"monitor\" and \"disk top\"");
		if (count && azlx_parse_count(count))
			return AZLX_EXIT_USAGE;
		if (azlx_tune_opts.given && !azlx_tune_takes_opts(obj->fn))
			return azlx_error(AZLX_EXIT_USAGE,
					  "option \"%s\" is only for \"tune\" and \"disk\"",
					  azlx_tune_opts.name);
		if (azlx_disk_opts.given && obj->fn != azlx_do_disk)
			return azlx_error(AZLX_EXIT_USAGE, "option \"%s\" is only for \"disk\"",
					  azlx_disk_opts.given);
		if (azlx_metrics_opts.given && obj->fn != azlx_do_metrics)
			return azlx_error(AZLX_EXIT_USAGE, "option \"%s\" is only for \"metrics\"",
					  azlx_metrics_opts.given);
		if (azlx_pod_opts.given && obj->fn != azlx_do_pod)
			return azlx_error(AZLX_EXIT_USAGE, "option \"%s\" is only for \"pod\"",
					  azlx_pod_opts.given);
		ret = obj->fn(argc - 1, argv + 1);
	}

	if (ret == AZLX_EXIT_OK)
		azlx_print_flush();
	else
		azlx_print_discard();
	return ret;
}
