/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * azlxnet config { show | set }: the module's run-time configuration.
 */
#ifndef __AZLXNET_CONFIG_H
#define __AZLXNET_CONFIG_H

#include "genl.h"

struct azlx_config_args {
	const char	*synthetic_drivers;	/* NULL: leave unchanged */
	const char	*vf_drivers;
};

/*
 * Parses "[ synthetic-drivers LIST ] [ vf-drivers LIST ]" (keywords match by
 * prefix). Returns an exit code, having printed any usage error.
 */
int azlx_config_parse_set(int argc, char **argv, struct azlx_config_args *args);

/*
 * Prints a comma-separated driver list: a JSON array of names under @key,
 * or "@label: name name" in text ("none" when empty).
 */
void azlx_print_drivers(const char *key, const char *label, const char *list);

/* Prints both lists of @cfg. */
void azlx_print_config(const struct azlx_info_config *cfg);

#endif /* __AZLXNET_CONFIG_H */
