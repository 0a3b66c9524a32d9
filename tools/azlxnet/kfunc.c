// SPDX-License-Identifier: GPL-2.0-only
/*
 * Runs the kfunc probe program from its libbpf skeleton.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "azlxnet.h"
#include "kfunc.h"
#include "kfunc_probe.skel.h"

/* Test input: a zeroed frame, longer than the Ethernet header tc needs. */
#define AZLX_PROBE_PKT_LEN	64

/*
 * libbpf reports why a load failed only through its print callback (the
 * errno is often just EINVAL): keep its first warning as the reason.
 */
static char azlx_libbpf_first_warn[192];

static int azlx_libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	size_t len;
	va_list aq;

	if (level == LIBBPF_DEBUG)
		return 0;
	if (level == LIBBPF_WARN && !azlx_libbpf_first_warn[0]) {
		va_copy(aq, ap);
		vsnprintf(azlx_libbpf_first_warn, sizeof(azlx_libbpf_first_warn), fmt, aq);
		va_end(aq);
		len = strlen(azlx_libbpf_first_warn);
		while (len && azlx_libbpf_first_warn[len - 1] == '\n')
			azlx_libbpf_first_warn[--len] = '\0';
	}
	if (!azlx_opts.verbose)
		return 0;
	return vfprintf(stderr, fmt, ap);
}

static const char *azlx_kfunc_strerror(int err, char *buf, size_t len)
{
	const char *warn = azlx_libbpf_first_warn;

	if (err == EPERM)
		return "operation not permitted (needs CAP_BPF and CAP_NET_ADMIN)";
	if (strstr(warn, "not found in kernel or module BTFs"))
		return "kfunc bpf_azlxnet_api_version not found in kernel or module BTF (azlxnet.ko without BTF?)";
	if (warn[0]) {
		snprintf(buf, len, "%s", warn);
		return buf;
	}
	libbpf_strerror(-err, buf, len);
	return buf;
}

void azlx_kfunc_probe(struct azlx_kfunc_result *res)
{
	unsigned char pkt[AZLX_PROBE_PKT_LEN] = { 0 };
	LIBBPF_OPTS(bpf_test_run_opts, topts,
		.data_in	= pkt,
		.data_size_in	= sizeof(pkt),
		.repeat		= 1,
	);
	libbpf_print_fn_t old_print;
	struct kfunc_probe *skel;
	char buf[192];
	int err;

	memset(res, 0, sizeof(*res));
	azlx_libbpf_first_warn[0] = '\0';
	old_print = libbpf_set_print(azlx_libbpf_print);

	skel = kfunc_probe__open_and_load();
	if (!skel) {
		res->err = errno ? errno : EINVAL;
		snprintf(res->error, sizeof(res->error), "cannot load the probe: %s",
			 azlx_kfunc_strerror(res->err, buf, sizeof(buf)));
		goto out;
	}

	err = bpf_prog_test_run_opts(bpf_program__fd(skel->progs.azlxnet_kfunc_probe),
				     &topts);
	if (err) {
		res->err = -err;
		snprintf(res->error, sizeof(res->error), "cannot run the probe: %s",
			 azlx_kfunc_strerror(res->err, buf, sizeof(buf)));
		goto out_destroy;
	}
	res->available = true;
	res->api_version = topts.retval;

out_destroy:
	kfunc_probe__destroy(skel);
out:
	libbpf_set_print(old_print);
}
