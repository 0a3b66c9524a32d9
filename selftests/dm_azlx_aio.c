// SPDX-License-Identifier: GPL-2.0-only
/*
 * Deep asynchronous O_DIRECT load for the dm-azlx selftests: Linux native
 * AIO (io_setup/io_submit), as an unprivileged pod can issue it.
 *
 *   dm_azlx_aio DEV [--jobs N] [--depth N] [--secs S] [--rw read|write]
 *               [--bs N] [--span N] [--seed N] [--nowait]
 *
 * Each of --jobs threads has its own context and keeps --depth I/Os of --bs
 * bytes at random aligned offsets within --span in flight for --secs
 * seconds (each from one buffer: the data is not checked), then stops
 * resubmitting and waits for everything it submitted. --nowait submits
 * with RWF_NOWAIT; an I/O that completes with EAGAIN is counted and
 * submitted again without it, as io_uring does from its worker.
 *
 * Prints one line of key=value: ops (completed in full), eagain, errors,
 * submit_s (the longest a single io_submit() call took), secs.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <linux/aio_abi.h>
#include <linux/fs.h>
#include <sys/syscall.h>

static const char *dev;
static unsigned int jobs = 4, depth = 32, bs = 4096;
static uint64_t span = 64 << 20, seed = 1;
static double secs = 10, t0;
static bool wr, nowait;
static atomic_uint_least64_t n_ops, n_eagain, n_errors;
static double submit_max;
static pthread_mutex_t submit_lock = PTHREAD_MUTEX_INITIALIZER;

static void die(const char *what)
{
	fprintf(stderr, "dm_azlx_aio: %s: %s\n", what, strerror(errno));
	exit(1);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static uint64_t xs(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static void prep(struct iocb *cb, int fd, void *buf, uint64_t *rnd, bool nw)
{
	memset(cb, 0, sizeof(*cb));
	cb->aio_fildes = fd;
	cb->aio_lio_opcode = wr ? IOCB_CMD_PWRITE : IOCB_CMD_PREAD;
	cb->aio_buf = (uintptr_t)buf;
	cb->aio_nbytes = bs;
	cb->aio_offset = xs(rnd) % (span / bs) * bs;
	cb->aio_rw_flags = nw ? RWF_NOWAIT : 0;
}

/* io_submit() all of @n, timed */
static void submit(aio_context_t ctx, struct iocb **cbs, long n)
{
	double t = now_s();
	long r, done = 0;

	while (done < n) {
		r = syscall(SYS_io_submit, ctx, n - done, cbs + done);
		if (r < 0)
			die("io_submit");
		done += r;
	}
	t = now_s() - t;
	pthread_mutex_lock(&submit_lock);
	if (t > submit_max)
		submit_max = t;
	pthread_mutex_unlock(&submit_lock);
}

static void *job(void *arg)
{
	uint64_t rnd = seed * 0x9e3779b97f4a7c15ULL + (uintptr_t)arg + 1;
	struct iocb *cbs = calloc(depth, sizeof(*cbs));
	struct iocb **ptrs = calloc(depth, sizeof(*ptrs));
	struct io_event *ev = calloc(depth, sizeof(*ev));
	struct timespec tmo = { 1, 0 };
	unsigned int i, outstanding = 0;
	aio_context_t ctx = 0;
	void *buf;
	long n, k;
	int fd;

	if (!cbs || !ptrs || !ev || posix_memalign(&buf, 4096, bs))
		die("allocation");
	memset(buf, 0xa5, bs);
	fd = open(dev, (wr ? O_RDWR : O_RDONLY) | O_DIRECT);
	if (fd < 0)
		die(dev);
	if (syscall(SYS_io_setup, depth, &ctx))
		die("io_setup");
	for (i = 0; i < depth; i++) {
		prep(&cbs[i], fd, buf, &rnd, nowait);
		ptrs[i] = &cbs[i];
	}
	submit(ctx, ptrs, depth);
	outstanding = depth;
	while (outstanding) {
		n = syscall(SYS_io_getevents, ctx, 1, depth, ev, &tmo);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			die("io_getevents");
		}
		k = 0;
		for (i = 0; i < n; i++) {
			struct iocb *cb = (struct iocb *)(uintptr_t)ev[i].obj;
			bool again = ev[i].res == -EAGAIN;

			if (again)
				atomic_fetch_add(&n_eagain, 1);
			else if (ev[i].res != (int64_t)bs)
				atomic_fetch_add(&n_errors, 1);
			else
				atomic_fetch_add(&n_ops, 1);
			if (!again && now_s() - t0 >= secs) {
				outstanding--;
				continue;
			}
			prep(cb, fd, buf, &rnd, nowait && !again);
			ptrs[k++] = cb;
		}
		if (k)
			submit(ctx, ptrs, k);
	}
	syscall(SYS_io_destroy, ctx);
	close(fd);
	free(buf);
	free(ev);
	free(ptrs);
	free(cbs);
	return NULL;
}

int main(int argc, char **argv)
{
	pthread_t *th;
	unsigned int i;

	if (argc < 2) {
		fprintf(stderr, "usage: dm_azlx_aio DEV [--jobs N] [--depth N] [--secs S] "
			"[--rw read|write] [--bs N] [--span N] [--seed N] [--nowait]\n");
		return 2;
	}
	dev = argv[1];
	for (i = 2; i < (unsigned int)argc; i++) {
		const char *o = argv[i], *v = i + 1 < (unsigned int)argc ? argv[i + 1] : NULL;

		if (!strcmp(o, "--nowait")) {
			nowait = true;
			continue;
		}
		if (!v) {
			fprintf(stderr, "dm_azlx_aio: %s needs a value\n", o);
			return 2;
		}
		i++;
		if (!strcmp(o, "--jobs"))
			jobs = strtoul(v, NULL, 0);
		else if (!strcmp(o, "--depth"))
			depth = strtoul(v, NULL, 0);
		else if (!strcmp(o, "--secs"))
			secs = strtod(v, NULL);
		else if (!strcmp(o, "--bs"))
			bs = strtoul(v, NULL, 0);
		else if (!strcmp(o, "--span"))
			span = strtoull(v, NULL, 0);
		else if (!strcmp(o, "--seed"))
			seed = strtoull(v, NULL, 0);
		else if (!strcmp(o, "--rw") && (!strcmp(v, "read") || !strcmp(v, "write")))
			wr = !strcmp(v, "write");
		else {
			fprintf(stderr, "dm_azlx_aio: bad option %s %s\n", o, v);
			return 2;
		}
	}
	if (!jobs || !depth || bs < 512 || bs % 512 || span < bs) {
		fprintf(stderr, "dm_azlx_aio: bad jobs, depth, bs or span\n");
		return 2;
	}
	th = calloc(jobs, sizeof(*th));
	if (!th)
		die("allocation");
	t0 = now_s();
	for (i = 0; i < jobs; i++)
		if (pthread_create(&th[i], NULL, job, (void *)(uintptr_t)i))
			die("pthread_create");
	for (i = 0; i < jobs; i++)
		pthread_join(th[i], NULL);
	printf("ops=%" PRIu64 " eagain=%" PRIu64 " errors=%" PRIu64 " submit_s=%.3f secs=%.3f\n",
	       (uint64_t)n_ops, (uint64_t)n_eagain, (uint64_t)n_errors, submit_max,
	       now_s() - t0);
	return n_errors ? 1 : 0;
}
