// SPDX-License-Identifier: GPL-2.0-only
/*
 * azlxnet version, azlxnet status.
 */
#include <stdio.h>
#include <string.h>

#include <linux/azlxnet.h>

#include "azlxnet.h"
#include "cmd.h"
#include "config.h"
#include "genl.h"
#include "kfunc.h"
#include "print.h"
#include "status.h"
#include "sysfs.h"

int azlx_do_version(int argc, char **argv)
{
	if (argc && azlx_is_help(argv[0])) {
		printf("Usage: azlxnet version\n"
		       "       azlxnet version help\n");
		return AZLX_EXIT_OK;
	}
	if (argc)
		return azlx_error(AZLX_EXIT_USAGE, "\"version\" takes no argument: \"%s\"",
				  argv[0]);

	azlx_print_open_object(NULL);
	azlx_print_string(AZLX_PRINT_ANY, "version", "azlxnet %s", AZLXNET_VERSION);
	azlx_print_uint(AZLX_PRINT_ANY, "api_version", " (api %llu)\n", AZLXNET_API_VERSION);
	azlx_print_close_object();
	return AZLX_EXIT_OK;
}

static void azlx_print_kfuncs(const struct azlx_kfunc_result *kf, __u32 module_api)
{
	azlx_print_open_object("kfuncs");
	azlx_print_bool(AZLX_PRINT_JSON, "available", NULL, kf->available);
	if (kf->available) {
		azlx_print_uint(AZLX_PRINT_ANY, "api_version", "kfuncs: available (api %llu)",
				kf->api_version);
		if (kf->api_version != module_api)
			azlx_print_string(AZLX_PRINT_ANY, "warning", " (%s)",
					  "differs from the module's netlink api");
		azlx_print_text("\n");
	} else {
		azlx_print_string(AZLX_PRINT_ANY, "error", "kfuncs: unavailable (%s)\n",
				  kf->error);
	}
	azlx_print_close_object();
}

void azlx_status_print(const struct azlx_info_version *ver,
		       const struct azlx_info_config *cfg,
		       const struct azlx_kfunc_result *kf)
{
	azlx_print_open_object(NULL);

	azlx_print_open_object("module");
	azlx_print_bool(AZLX_PRINT_JSON, "loaded", NULL, true);
	if (ver->module_version[0]) {
		azlx_print_string(AZLX_PRINT_ANY, "version", "module: azlxnet %s",
				  ver->module_version);
	} else {
		azlx_print_text("module: azlxnet (version unknown)");
		azlx_print_null("version");
	}
	if (ver->has_api_version)
		azlx_print_uint(AZLX_PRINT_ANY, "api_version", " (api %llu)", ver->api_version);
	else
		azlx_print_null("api_version");
	azlx_print_text("\n");
	azlx_print_close_object();

	azlx_print_open_object("config");
	azlx_print_config(cfg);
	azlx_print_close_object();

	azlx_print_kfuncs(kf, ver->api_version);

	azlx_print_close_object();
}

/*
 * The module says why its kfuncs are unavailable (registration refused, no
 * BTF) in its read-only parameter "kfuncs"; modules before it have none.
 * That reason beats the probe's, which only sees that the kfunc is missing.
 */
static void azlx_kfunc_module_reason(struct azlx_kfunc_result *kf)
{
	static const char prefix[] = "unavailable: ";
	char buf[128];

	if (kf->available ||
	    azlx_sysfs_read("module/" AZLX_MODULE_NAME "/parameters/kfuncs", buf,
			    sizeof(buf)) < 0 ||
	    strncmp(buf, prefix, sizeof(prefix) - 1))
		return;
	snprintf(kf->error, sizeof(kf->error), "the module says: %s",
		 buf + sizeof(prefix) - 1);
}

int azlx_do_status(int argc, char **argv)
{
	struct azlx_kfunc_result kf;
	struct azlx_info_version ver;
	struct azlx_info_config cfg;
	struct azlx_genl g;
	int ret;

	if (argc && azlx_is_help(argv[0])) {
		printf("Usage: azlxnet status\n"
		       "       azlxnet status help\n");
		return AZLX_EXIT_OK;
	}
	if (argc)
		return azlx_error(AZLX_EXIT_USAGE, "\"status\" takes no argument: \"%s\"",
				  argv[0]);

	/* gather everything first: no half-printed report on error */
	ret = azlx_genl_open(&g);
	if (ret)
		return ret;
	ret = azlx_genl_get_version(&g, &ver);
	if (!ret)
		ret = azlx_genl_get_config(&g, &cfg);
	azlx_genl_close(&g);
	if (ret)
		return ret;
	azlx_kfunc_probe(&kf);
	azlx_kfunc_module_reason(&kf);

	azlx_status_print(&ver, &cfg, &kf);
	return AZLX_EXIT_OK;
}
