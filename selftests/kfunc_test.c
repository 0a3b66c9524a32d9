// SPDX-License-Identifier: GPL-2.0-only
/*
 * A tc program calling the azlxnet kfunc loads (module BTF and kfunc
 * registration work on this kernel) and returns the module's API level from
 * BPF_PROG_TEST_RUN. While loaded it pins the module: unloading fails and
 * the module's refcount is raised; once the program is gone both return to
 * normal, and with the module unloaded the program no longer loads.
 *
 * Needs azlxnet.ko loaded; leaves it unloaded.
 *
 *   kfunc_test pin PATH
 *       load the probe, check that it answers the API level and raises the
 *       module's refcount, pin it at PATH (on a bpffs) and exit: the pin
 *       keeps the program, and with it the module, until it is removed
 *   kfunc_test unload MODULE
 *       delete_module(MODULE, O_NONBLOCK) as the kernel answers it (kmod's
 *       rmmod refuses a module in use without asking the kernel): prints
 *       "unloaded" and exits 0, or prints the errno's name and exits 1
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

static int unload_module(const char *name)
{
	return syscall(SYS_delete_module, name, O_NONBLOCK) ? -errno : 0;
}

static int unload(void)
{
	return unload_module("azlxnet");
}

static int silent(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	return level == LIBBPF_WARN ? vfprintf(stderr, fmt, ap) : 0;
}

/* Run the API level probe once; it must answer the uapi's level. */
static void probe_run(struct kfunc_probe *skel)
{
	unsigned char pkt[64] = {};
	int err;
	LIBBPF_OPTS(bpf_test_run_opts, opts,
		.data_in = pkt,
		.data_size_in = sizeof(pkt),
		.repeat = 1,
	);

	err = bpf_prog_test_run_opts(bpf_program__fd(skel->progs.azlxnet_kfunc_probe),
				     &opts);
	CHECK(!err, "BPF_PROG_TEST_RUN: %s", strerror(errno));
	CHECK_EQ(opts.retval, AZLXNET_API_VERSION);
}

static int cmd_unload(const char *name)
{
	int err = unload_module(name);

	switch (err) {
	case 0:
		printf("unloaded\n");
		return KSFT_PASS;
	case -EAGAIN:
		printf("EAGAIN\n");
		break;
	case -EBUSY:
		printf("EBUSY\n");
		break;
	default:
		printf("%s\n", strerror(-err));
		break;
	}
	return KSFT_FAIL;
}

static int cmd_pin(const char *path)
{
	struct kfunc_probe *skel;
	int err, ref0 = refcnt();

	CHECK(ref0 >= 0, "azlxnet is not loaded");
	skel = kfunc_probe__open_and_load();
	CHECK(skel, "loading the kfunc probe: %s", strerror(errno));
	probe_run(skel);
	CHECK(refcnt() > ref0, "a program using the kfunc does not pin the module (refcnt %d)",
	      refcnt());
	err = bpf_program__pin(skel->progs.azlxnet_kfunc_probe, path);
	CHECK(!err, "pinning at %s: %s", path, strerror(-err));
	kfunc_probe__destroy(skel);
	printf("kfunc probe pinned at %s: refcnt %d\n", path, refcnt());
	return KSFT_PASS;
}

int main(int argc, char **argv)
{
	struct kfunc_probe *skel;
	int i, err, ref0;

	setvbuf(stdout, NULL, _IOLBF, 0);
	libbpf_set_print(silent);
	if (argc == 3 && !strcmp(argv[1], "pin"))
		return cmd_pin(argv[2]);
	if (argc == 3 && !strcmp(argv[1], "unload"))
		return cmd_unload(argv[2]);
	CHECK(argc == 1, "usage: %s [pin PATH | unload MODULE]", argv[0]);
	ref0 = refcnt();
	CHECK(ref0 >= 0, "azlxnet is not loaded");

	skel = kfunc_probe__open_and_load();
	CHECK(skel, "loading the kfunc probe: %s", strerror(errno));
	probe_run(skel);
	printf("kfunc returned api %u\n", AZLXNET_API_VERSION);

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
