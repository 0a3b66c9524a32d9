/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * azlxnet: shared declarations of the command-line tool.
 */
#ifndef __AZLXNET_TOOL_H
#define __AZLXNET_TOOL_H

#include <stdbool.h>
#include <stddef.h>

#ifndef AZLXNET_VERSION
#error "AZLXNET_VERSION must be defined (the Makefile reads it from kmod/version.h)"
#endif

#define AZLX_MODULE_NAME	"azlxnet"

/* Exit codes scripts can rely on; documented in azlxnet(8). */
enum azlx_exit {
	AZLX_EXIT_OK		= 0,	/* success */
	AZLX_EXIT_ERR		= 1,	/* run-time error */
	AZLX_EXIT_USAGE		= 2,	/* usage error */
	AZLX_EXIT_NOMOD		= 3,	/* the module is not loaded or not available */
};

struct azlx_opts {
	bool		json;
	bool		pretty;
	bool		verbose;
	unsigned long	count;		/* -c: events for "monitor"; 0: no limit */
};

extern struct azlx_opts azlx_opts;

/* Objects: each takes the words after the object name. */
int azlx_do_version(int argc, char **argv);
int azlx_do_status(int argc, char **argv);
int azlx_do_module(int argc, char **argv);

/*
 * When the kernel loads only signed modules: that, and whether the installed
 * azlxnet.ko is signed and by whom, into @buf ("" otherwise): why the module
 * may not be loaded (module.c).
 */
void azlx_module_sig_hint(char *buf, size_t len);
int azlx_do_config(int argc, char **argv);
int azlx_do_nic(int argc, char **argv);
int azlx_do_kit(int argc, char **argv);
int azlx_do_monitor(int argc, char **argv);

/* The value of hex digit @c, or -1 */
static inline int azlx_hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

#endif /* __AZLXNET_TOOL_H */
