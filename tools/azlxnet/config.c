// SPDX-License-Identifier: GPL-2.0-only
/*
 * azlxnet config { show | set } over the "azlxnet" generic netlink family.
 */
#include <stdio.h>
#include <string.h>

#include <netlink/attr.h>
#include <netlink/msg.h>

#include "azlxnet.h"
#include "cmd.h"
#include "config.h"
#include "genl.h"
#include "print.h"

static int azlx_config_help(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	printf("Usage: azlxnet config show\n"
	       "       azlxnet config set [ synthetic-drivers LIST ] [ vf-drivers LIST ]\n"
	       "       azlxnet config help\n"
	       "where  LIST := comma-separated driver names, \"\" for none\n");
	return AZLX_EXIT_OK;
}

void azlx_print_drivers(const char *key, const char *label, const char *list)
{
	const char *p = list;
	char name[AZLXNET_DRIVERS_MAX_LEN + 1];
	int n = 0;

	azlx_print_text("%s:", label);
	azlx_print_open_array(key);
	while (*p) {
		size_t len = strcspn(p, ",");

		if (len) {
			snprintf(name, sizeof(name), "%.*s", (int)len, p);
			azlx_print_string(AZLX_PRINT_ANY, NULL, " %s", name);
			n++;
		}
		p += len;
		if (*p == ',')
			p++;
	}
	azlx_print_close_array();
	azlx_print_text("%s\n", n ? "" : " none");
}

void azlx_print_config(const struct azlx_info_config *cfg)
{
	azlx_print_drivers("synthetic_drivers", "synthetic drivers", cfg->synthetic_drivers);
	azlx_print_drivers("vf_drivers", "vf drivers", cfg->vf_drivers);
}

static int azlx_config_show(int argc, char **argv)
{
	struct azlx_info_config cfg;
	struct azlx_genl g;
	int ret;

	if (argc && azlx_is_help(argv[0]))
		return azlx_config_help(0, NULL);
	if (argc)
		return azlx_error(AZLX_EXIT_USAGE, "\"config show\" takes no argument: \"%s\"",
				  argv[0]);

	ret = azlx_genl_open(&g);
	if (ret)
		return ret;
	ret = azlx_genl_get_config(&g, &cfg);
	azlx_genl_close(&g);
	if (ret)
		return ret;

	azlx_print_open_object(NULL);
	azlx_print_config(&cfg);
	azlx_print_close_object();
	return AZLX_EXIT_OK;
}

enum {
	AZLX_KW_SYNTHETIC,
	AZLX_KW_VF,
};

static const struct azlx_cmd azlx_config_keywords[] = {
	[AZLX_KW_SYNTHETIC]	= { "synthetic-drivers",	NULL },
	[AZLX_KW_VF]		= { "vf-drivers",		NULL },
	{ NULL,	NULL },
};

int azlx_config_parse_set(int argc, char **argv, struct azlx_config_args *args)
{
	const struct azlx_cmd *kw;
	const char **slot;

	memset(args, 0, sizeof(*args));
	if (!argc)
		return azlx_error(AZLX_EXIT_USAGE,
				  "\"config set\" needs synthetic-drivers LIST and/or vf-drivers LIST");

	for (; argc; argc -= 2, argv += 2) {
		kw = azlx_cmd_lookup(azlx_config_keywords, argv[0], "keyword",
				     "azlxnet config set");
		if (!kw)
			return AZLX_EXIT_USAGE;
		slot = kw == &azlx_config_keywords[AZLX_KW_SYNTHETIC] ?
		       &args->synthetic_drivers : &args->vf_drivers;
		if (*slot)
			return azlx_error(AZLX_EXIT_USAGE, "%s given twice", kw->name);
		if (argc < 2)
			return azlx_error(AZLX_EXIT_USAGE, "%s needs a LIST (\"\" for none)",
					  kw->name);
		*slot = argv[1];
	}
	return AZLX_EXIT_OK;
}

static int azlx_config_fill(struct nl_msg *msg, void *arg)
{
	const struct azlx_config_args *args = arg;
	int err;

	/* NLA_NUL_STRING in the kernel's policy: nla_put_string() sends the NUL */
	if (args->synthetic_drivers) {
		err = nla_put_string(msg, AZLXNET_A_INFO_SYNTHETIC_DRIVERS,
				     args->synthetic_drivers);
		if (err < 0)
			return err;
	}
	if (args->vf_drivers) {
		err = nla_put_string(msg, AZLXNET_A_INFO_VF_DRIVERS, args->vf_drivers);
		if (err < 0)
			return err;
	}
	return 0;
}

static int azlx_config_set(int argc, char **argv)
{
	struct azlx_config_args args;
	struct azlx_genl g;
	int ret;

	if (argc == 1 && azlx_is_help(argv[0]))
		return azlx_config_help(0, NULL);
	ret = azlx_config_parse_set(argc, argv, &args);
	if (ret)
		return ret;

	ret = azlx_genl_open(&g);
	if (ret)
		return ret;
	ret = azlx_genl_do(&g, AZLXNET_CMD_CONFIG_SET, "config-set", azlx_config_fill,
			   NULL, &args);
	azlx_genl_close(&g);
	if (!ret)
		azlx_print_begin();
	return ret;
}

static const struct azlx_cmd azlx_config_cmds[] = {
	{ "show",	azlx_config_show },
	{ "set",	azlx_config_set },
	{ "help",	azlx_config_help },
	{ NULL,		NULL },
};

int azlx_do_config(int argc, char **argv)
{
	if (!argc)
		return azlx_config_show(0, NULL);
	return azlx_cmd_run(azlx_config_cmds, argc, argv, "azlxnet config");
}
