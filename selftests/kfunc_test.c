// SPDX-License-Identifier: GPL-2.0-only
/*
 * A tc program calling the azlxnet kfunc loads (module BTF and kfunc
 * registration work on this kernel) and returns the module's API level from
 * BPF_PROG_TEST_RUN. While loaded it pins the module: unloading fails and
 * the module's refcount is raised; once the program is gone both return to
 * normal, and with the module unloaded the program no longer loads.
 *
 * Needs azlxnet.ko loaded; leaves it unloaded.
 */
#include <fcntl.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/azlxnet.h>

#include "kfunc_probe.skel.h"
#include "ksft.h"

static int refcnt(void)
{
	char buf[32];

	ksft_read_line("/sys/module/azlxnet/refcnt", buf, sizeof(buf));
	return buf[0] ? atoi(buf) : -1;
}

static int unload(void)
{
	return syscall(SYS_delete_module, "azlxnet", O_NONBLOCK) ? -errno : 0;
}

static int silent(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	return level == LIBBPF_WARN ? vfprintf(stderr, fmt, ap) : 0;
}

int main(void)
{
	unsigned char pkt[64] = {};
	struct kfunc_probe *skel;
	int i, err, ref0;
	LIBBPF_OPTS(bpf_test_run_opts, opts,
		.data_in = pkt,
		.data_size_in = sizeof(pkt),
		.repeat = 1,
	);

	setvbuf(stdout, NULL, _IOLBF, 0);
	libbpf_set_print(silent);
	ref0 = refcnt();
	CHECK(ref0 >= 0, "azlxnet is not loaded");

	skel = kfunc_probe__open_and_load();
	CHECK(skel, "loading the kfunc probe: %s", strerror(errno));
	err = bpf_prog_test_run_opts(bpf_program__fd(skel->progs.azlxnet_kfunc_probe),
				     &opts);
	CHECK(!err, "BPF_PROG_TEST_RUN: %s", strerror(errno));
	CHECK_EQ(opts.retval, AZLXNET_API_VERSION);
	printf("kfunc returned api %u\n", opts.retval);

	CHECK(refcnt() > ref0, "a program using the kfunc does not pin the module (refcnt %d)",
	      refcnt());
	err = unload();
	CHECK(err == -EAGAIN || err == -EBUSY || err == -EWOULDBLOCK,
	      "unloading a pinned module: %s", err ? strerror(-err) : "succeeded");
	printf("pinned: refcnt %d, unload refused with %s\n", refcnt(), strerror(-err));

	kfunc_probe__destroy(skel);
	/* Programs are freed after an RCU grace period: give it time. */
	for (i = 0; i < 100 && refcnt() != ref0; i++)
		usleep(50 * 1000);
	CHECK_EQ(refcnt(), ref0);
	CHECK_EQ(unload(), 0);
	printf("released: refcnt back to %d, module unloaded\n", ref0);

	skel = kfunc_probe__open_and_load();
	CHECK(!skel, "the kfunc probe loads without the module");
	printf("without the module the probe does not load: %s\n", strerror(errno));
	return KSFT_PASS;
}
