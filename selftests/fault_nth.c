// SPDX-License-Identifier: GPL-2.0-only
/*
 * Systematic fault injection (Documentation/fault-injection: fail-nth): run
 * one operation with its 1st, 2nd, 3rd, ... fault-injection point failed,
 * until a run reaches no injection point that it did not pass.
 *
 *   fault_nth module KO [PARAMS]
 *       finit_module(KO): each run that fails must fail with ENOMEM and leave
 *       no module behind; each run that loads is unloaded again.
 *   fault_nth dm NAME SECTORS TARGET [ARGS]
 *       creates the device NAME, then loads the table "0 SECTORS TARGET
 *       ARGS" (DM_TABLE_LOAD): each failed load must fail with ENOMEM and
 *       leave no inactive table; each load that works is cleared again.
 *       NAME is removed at the end.
 *
 * Which allocations count is up to the caller: the failslab and
 * fail_page_alloc settings in debugfs (ignore-gfp-wait, a stack filter on
 * the module's text with require-start/require-end). Prints one line per
 * injected failure, the number of points found, and exits 0 when every run
 * behaved; needs root and CONFIG_FAULT_INJECTION.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <linux/dm-ioctl.h>

#include "ksft.h"

#define MAX_POINTS	20000

static int fail_nth_fd = -1;

static void fail_nth_set(unsigned int n)
{
	char buf[16];
	int len = snprintf(buf, sizeof(buf), "%u", n);

	CHECK(pwrite(fail_nth_fd, buf, len, 0) == len, "fail-nth write: %s",
	      strerror(errno));
}

/* 0 when the n-th point was reached (and failed), else how many were left. */
static unsigned int fail_nth_left(void)
{
	char buf[16] = "";
	ssize_t n = pread(fail_nth_fd, buf, sizeof(buf) - 1, 0);

	CHECK(n > 0, "fail-nth read: %s", n < 0 ? strerror(errno) : "empty");
	fail_nth_set(0);
	return (unsigned int)strtoul(buf, NULL, 10);
}

static bool module_present(const char *name)
{
	char path[256];
	struct stat st;

	snprintf(path, sizeof(path), "/sys/module/%s", name);
	return !stat(path, &st);
}

static int do_module(const char *ko, const char *params)
{
	char name[64];
	const char *base = strrchr(ko, '/');
	unsigned int n, left, injected = 0, tolerated = 0;
	int fd, r, err, fails = 0, i;

	base = base ? base + 1 : ko;
	snprintf(name, sizeof(name), "%s", base);
	name[strcspn(name, ".")] = 0;
	for (i = 0; name[i]; i++)
		if (name[i] == '-')
			name[i] = '_';
	CHECK(!module_present(name), "%s is loaded already", name);
	fd = open(ko, O_RDONLY | O_CLOEXEC);
	CHECK(fd >= 0, "%s: %s", ko, strerror(errno));

	for (n = 1; n < MAX_POINTS; n++) {
		fail_nth_set(n);
		r = (int)syscall(SYS_finit_module, fd, params, 0);
		err = errno;
		left = fail_nth_left();
		if (left && r) {
			ksft_fail("%s failed without an injected failure: %s", name,
				  strerror(err));
		}
		if (!left)
			injected++;
		if (r) {
			printf("point %u: finit_module failed: %s\n", n, strerror(err));
			if (err != ENOMEM) {
				fprintf(stderr, "FAIL: point %u: %s instead of ENOMEM\n", n,
					strerror(err));
				fails++;
			}
			if (module_present(name)) {
				fprintf(stderr, "FAIL: point %u: %s is still there after a failed load\n",
					n, name);
				fails++;
				break;
			}
			continue;
		}
		if (!left) {
			printf("point %u: failed, and the module loaded anyway\n", n);
			tolerated++;
		}
		for (i = 0; i < 100; i++) {
			if (!syscall(SYS_delete_module, name, O_NONBLOCK))
				break;
			usleep(20000);
		}
		CHECK(!module_present(name), "%s does not unload: %s", name, strerror(errno));
		if (left)
			break;
	}
	close(fd);
	CHECK(n < MAX_POINTS, "more than %d injection points", MAX_POINTS);
	printf("%s: %u injection points, each failed once: %u loads failed, %u loaded anyway\n",
	       name, n - 1, injected - tolerated, tolerated);
	CHECK(injected > 0, "no injection point reached: are failslab/fail_page_alloc set up?");
	return fails ? KSFT_FAIL : KSFT_PASS;
}

#define DM_BUF	16384

static int dm_ioctl(int ctl, unsigned long cmd, struct dm_ioctl *io, const char *name,
		    uint32_t flags)
{
	io->version[0] = DM_VERSION_MAJOR;
	io->version[1] = 0;
	io->version[2] = 0;
	io->data_size = DM_BUF;
	io->data_start = sizeof(*io);
	io->flags = flags;
	snprintf(io->name, sizeof(io->name), "%s", name);
	return ioctl(ctl, cmd, io);
}

static uint32_t inactive_targets(int ctl, const char *name)
{
	static uint64_t buf[DM_BUF / 8];
	struct dm_ioctl *io = (struct dm_ioctl *)buf;

	memset(buf, 0, sizeof(buf));
	CHECK(!dm_ioctl(ctl, DM_TABLE_STATUS, io, name, DM_QUERY_INACTIVE_TABLE_FLAG),
	      "DM_TABLE_STATUS %s: %s", name, strerror(errno));
	return io->target_count;
}

static int do_dm(const char *name, uint64_t sectors, const char *target, const char *args)
{
	static uint64_t buf[DM_BUF / 8];
	struct dm_ioctl *io = (struct dm_ioctl *)buf;
	struct dm_target_spec *spec;
	unsigned int n, left, injected = 0, tolerated = 0;
	int ctl, r, err, fails = 0;
	size_t plen = strlen(args) + 1;

	CHECK(sizeof(*io) + sizeof(*spec) + plen + 8 <= DM_BUF, "table too long");
	ctl = open("/dev/mapper/control", O_RDWR | O_CLOEXEC);
	CHECK(ctl >= 0, "/dev/mapper/control: %s", strerror(errno));
	memset(buf, 0, sizeof(buf));
	CHECK(!dm_ioctl(ctl, DM_DEV_CREATE, io, name, 0), "DM_DEV_CREATE %s: %s", name,
	      strerror(errno));

	for (n = 1; n < MAX_POINTS; n++) {
		memset(buf, 0, sizeof(buf));
		spec = (struct dm_target_spec *)(io + 1);
		spec->sector_start = 0;
		spec->length = sectors;
		snprintf(spec->target_type, sizeof(spec->target_type), "%s", target);
		memcpy(spec + 1, args, plen);
		spec->next = (uint32_t)((sizeof(*spec) + plen + 7) & ~7UL);
		io->target_count = 1;

		fail_nth_set(n);
		r = dm_ioctl(ctl, DM_TABLE_LOAD, io, name, 0);
		err = errno;
		left = fail_nth_left();
		if (left && r)
			ksft_fail("table load failed without an injected failure: %s",
				  strerror(err));
		if (!left)
			injected++;
		if (r) {
			printf("point %u: table load failed: %s\n", n, strerror(err));
			if (err != ENOMEM) {
				fprintf(stderr, "FAIL: point %u: %s instead of ENOMEM\n", n,
					strerror(err));
				fails++;
			}
			if (inactive_targets(ctl, name)) {
				fprintf(stderr, "FAIL: point %u: an inactive table is left after a failed load\n",
					n);
				fails++;
			}
			continue;
		}
		if (!left) {
			printf("point %u: failed, and the table loaded anyway\n", n);
			tolerated++;
		}
		CHECK(inactive_targets(ctl, name) == 1, "the loaded table is not there");
		memset(buf, 0, sizeof(buf));
		CHECK(!dm_ioctl(ctl, DM_TABLE_CLEAR, io, name, 0), "DM_TABLE_CLEAR: %s",
		      strerror(errno));
		if (left)
			break;
	}
	memset(buf, 0, sizeof(buf));
	CHECK(!dm_ioctl(ctl, DM_DEV_REMOVE, io, name, 0), "DM_DEV_REMOVE %s: %s", name,
	      strerror(errno));
	close(ctl);
	CHECK(n < MAX_POINTS, "more than %d injection points", MAX_POINTS);
	printf("%s table: %u injection points, each failed once: %u loads failed, %u loaded anyway\n",
	       target, n - 1, injected - tolerated, tolerated);
	CHECK(injected > 0, "no injection point reached: are failslab/fail_page_alloc set up?");
	return fails ? KSFT_FAIL : KSFT_PASS;
}

int main(int argc, char **argv)
{
	char *end;
	uint64_t sectors;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc < 3)
		goto usage;
	fail_nth_fd = open("/proc/thread-self/fail-nth", O_RDWR | O_CLOEXEC);
	if (fail_nth_fd < 0) {
		printf("SKIP: /proc/thread-self/fail-nth: %s (no CONFIG_FAULT_INJECTION)\n",
		       strerror(errno));
		return KSFT_SKIP;
	}
	if (!strcmp(argv[1], "module") && argc <= 4)
		return do_module(argv[2], argc == 4 ? argv[3] : "");
	if (!strcmp(argv[1], "dm") && argc >= 5 && argc <= 6) {
		sectors = strtoull(argv[3], &end, 0);
		if (*end || !sectors)
			goto usage;
		return do_dm(argv[2], sectors, argv[4], argc == 6 ? argv[5] : "");
	}
usage:
	fprintf(stderr, "usage: %s module KO [PARAMS] | dm NAME SECTORS TARGET [ARGS]\n",
		argv[0]);
	return KSFT_FAIL;
}
