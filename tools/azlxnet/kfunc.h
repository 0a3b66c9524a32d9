/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The kfunc probe: loads bpf/kfunc_probe.bpf.c, which calls the module's
 * bpf_azlxnet_api_version() kfunc, and runs it once with BPF_PROG_TEST_RUN.
 */
#ifndef __AZLXNET_KFUNC_H
#define __AZLXNET_KFUNC_H

#include <stdbool.h>

#include <linux/types.h>

struct azlx_kfunc_result {
	bool	available;
	__u32	api_version;	/* the kfunc's return value */
	int	err;		/* positive errno when not available */
	char	error[256];
};

/* Never fails as a whole: the outcome is in @res. */
void azlx_kfunc_probe(struct azlx_kfunc_result *res);

#endif /* __AZLXNET_KFUNC_H */
