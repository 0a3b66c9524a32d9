// SPDX-License-Identifier: GPL-2.0-only
/*
 * I/O driver for the dm-azlx selftests.
 *
 *   dm_azlx_io pattern write|verify DEV --seed N --gen N --bytes N
 *              [--threads N] [--offset N] [--fsync-every N]
 *   dm_azlx_io load DEV --rw read|write|randread|randwrite|bufwrite
 *              [--bs N] [--qd N] [--secs S] [--warmup S] [--rate OPS]
 *              [--span N] [--offset N] [--interval S] [--dsync] [--at T]
 *   dm_azlx_io now
 *
 * pattern lays out extents of mixed sizes (512 B to 4 MiB) over --bytes
 * from --offset and writes them with O_DIRECT from several threads; every
 * 512-byte sector carries its address, the seed and the generation, so
 * verify finds lost, stale, misplaced and torn writes byte for byte.
 *
 * load runs --qd threads of O_DIRECT I/O (bufwrite: buffered writes, each
 * pushed out as async writeback with sync_file_range) and prints one line of
 * key=value: operations and bytes completed within [warmup, warmup + secs],
 * rates, latency percentiles; with --interval also one "interval" line per
 * slice of the whole run. --at T starts the run (and so its warm-up and
 * window) at CLOCK_MONOTONIC second T rather than when the program starts:
 * loads started together with the same T count over the same window, however
 * long each takes to start. now prints that clock, for computing T.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <linux/fs.h>

#define SECTOR		512
#define MAX_EXTENT	(4u << 20)
#define MAX_INTERVALS	4096

static const char *dev;
static uint64_t seed = 1, gen = 1, total, offset, span;
static unsigned int threads = 4, fsync_every, bs = 4096, qd = 1;
static double secs = 10, warmup, rate, interval, at;
static bool dsync;
static enum { RW_READ, RW_WRITE, RW_RANDREAD, RW_RANDWRITE, RW_BUFWRITE } rw;

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "dm_azlx_io: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	va_end(ap);
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
	uint64_t x = *s;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return *s = x;
}

static uint64_t mix(uint64_t a, uint64_t b)
{
	uint64_t x = a * 0x9e3779b97f4a7c15ull ^ (b + 0x632be59bd9b4e019ull);

	x ^= x >> 31;
	x *= 0xbf58476d1ce4e5b9ull;
	x ^= x >> 29;
	return x ? x : 1;
}

static void *xalloc(size_t len)
{
	void *p;

	if (posix_memalign(&p, 4096, len))
		die("out of memory");
	return p;
}

static int open_dev(int flags)
{
	int fd = open(dev, flags);

	if (fd < 0)
		die("open %s: %s", dev, strerror(errno));
	return fd;
}

/* ---- pattern -------------------------------------------------------------- */

struct extent {
	uint64_t off;
	uint32_t len;
};

static struct extent *extents;
static size_t nextents;
static atomic_size_t next_extent;

/* Extents of 512 B to 4 MiB, sizes spread over every power of two. */
static void layout(void)
{
	uint64_t s = mix(seed, 0x5eed), pos = 0;
	size_t cap = 1024;

	extents = malloc(cap * sizeof(*extents));
	while (pos < total) {
		unsigned int k = xs(&s) % 14;
		uint64_t len = SECTOR * (1 + xs(&s) % (1u << k));

		if (len > MAX_EXTENT)
			len = MAX_EXTENT;
		if (len > total - pos)
			len = total - pos;
		if (nextents == cap)
			extents = realloc(extents, (cap *= 2) * sizeof(*extents));
		if (!extents)
			die("out of memory");
		extents[nextents].off = pos;
		extents[nextents++].len = len;
		pos += len;
	}
}

struct sector_hdr {
	char		magic[8];
	uint64_t	sector;		/* from the start of the pattern */
	uint64_t	seed;
	uint64_t	gen;
};

static void fill_sector(unsigned char *p, uint64_t sector)
{
	struct sector_hdr h = { .magic = "AZLXPAT1", .sector = sector, .seed = seed, .gen = gen };
	uint64_t s = mix(mix(seed, gen), sector), v;
	size_t i;

	memcpy(p, &h, sizeof(h));
	for (i = sizeof(h); i < SECTOR; i += 8) {
		v = xs(&s);
		memcpy(p + i, &v, 8);
	}
}

static void *pattern_writer(void *arg)
{
	unsigned char *buf = xalloc(MAX_EXTENT);
	int fd = *(int *)arg;
	unsigned int n = 0;
	size_t i;
	uint32_t j;

	while ((i = atomic_fetch_add(&next_extent, 1)) < nextents) {
		struct extent *e = &extents[i];

		for (j = 0; j < e->len; j += SECTOR)
			fill_sector(buf + j, (e->off + j) / SECTOR);
		if (pwrite(fd, buf, e->len, offset + e->off) != (ssize_t)e->len)
			die("write of %u bytes at %" PRIu64 ": %s", e->len, offset + e->off,
			    strerror(errno));
		if (fsync_every && ++n % fsync_every == 0 && fdatasync(fd))
			die("fdatasync: %s", strerror(errno));
	}
	free(buf);
	return NULL;
}

static int pattern_write(void)
{
	pthread_t tid[64];
	int fd = open_dev(O_WRONLY | O_DIRECT);
	unsigned int i;
	double t0 = now_s();

	for (i = 0; i < threads; i++)
		pthread_create(&tid[i], NULL, pattern_writer, &fd);
	for (i = 0; i < threads; i++)
		pthread_join(tid[i], NULL);
	if (fsync(fd))
		die("fsync: %s", strerror(errno));
	close(fd);
	printf("wrote extents=%zu bytes=%" PRIu64 " secs=%.2f\n", nextents, total, now_s() - t0);
	return 0;
}

static int pattern_verify(void)
{
	unsigned char *buf = xalloc(MAX_EXTENT), want[SECTOR];
	int fd = open_dev(O_RDONLY | O_DIRECT);
	uint64_t pos = 0, bad = 0;
	size_t e;
	uint32_t j;

	/* Read back extent by extent: the mixed sizes go through reads too. */
	for (e = 0; e < nextents; e++) {
		uint32_t len = extents[e].len;

		pos = extents[e].off;
		if (pread(fd, buf, len, offset + pos) != (ssize_t)len)
			die("read of %u bytes at %" PRIu64 ": %s", len, offset + pos, strerror(errno));
		for (j = 0; j < len; j += SECTOR) {
			struct sector_hdr h;

			fill_sector(want, (pos + j) / SECTOR);
			if (!memcmp(want, buf + j, SECTOR))
				continue;
			memcpy(&h, buf + j, sizeof(h));
			if (bad++ < 5)
				fprintf(stderr, "mismatch at byte %" PRIu64 ": found %.8s sector %"
					PRIu64 " seed %" PRIu64 " gen %" PRIu64 "\n",
					offset + pos + j, h.magic, h.sector, h.seed, h.gen);
		}
	}
	close(fd);
	free(buf);
	if (bad)
		die("%" PRIu64 " of %" PRIu64 " sectors differ", bad, total / SECTOR);
	printf("verified extents=%zu bytes=%" PRIu64 "\n", nextents, total);
	return 0;
}

/* ---- load ----------------------------------------------------------------- */

static double t_start, t_end;
static atomic_uint_fast64_t win_ops, win_bytes, errors;
static atomic_uint_fast64_t iv_ops[MAX_INTERVALS], iv_bytes[MAX_INTERVALS];

struct worker {
	pthread_t	tid;
	unsigned int	id;
	double		*lat;		/* latencies in the window, seconds */
	size_t		nlat, caplat;
};

static void *load_worker(void *arg)
{
	struct worker *w = arg;
	unsigned char *buf = xalloc(bs);
	bool writes = rw == RW_WRITE || rw == RW_RANDWRITE || rw == RW_BUFWRITE;
	int flags = (writes ? O_WRONLY : O_RDONLY) | (rw == RW_BUFWRITE ? 0 : O_DIRECT);
	uint64_t s = mix(seed, w->id + 1), nblocks = span / bs, pos = w->id;
	double next = t_start, t0, t1;
	int fd;

	if (dsync)
		flags |= O_DSYNC;
	fd = open_dev(flags);
	memset(buf, 0xa5 ^ w->id, bs);
	t0 = t_start - now_s();
	if (t0 > 0)
		usleep((useconds_t)(t0 * 1e6));
	for (;;) {
		uint64_t blk = rw == RW_RANDREAD || rw == RW_RANDWRITE ? xs(&s) % nblocks :
			       pos++ * qd % nblocks;
		ssize_t r;

		if (rate > 0) {
			double d = next - now_s();

			if (d > 0)
				usleep((useconds_t)(d * 1e6));
			next += qd / rate;
		}
		t0 = now_s();
		if (t0 >= t_end)
			break;
		if (writes)
			r = pwrite(fd, buf, bs, offset + blk * bs);
		else
			r = pread(fd, buf, bs, offset + blk * bs);
		if (r != (ssize_t)bs) {
			atomic_fetch_add(&errors, 1);
			continue;
		}
		/* Start writeback without waiting: async writes, as the flusher does. */
		if (rw == RW_BUFWRITE)
			sync_file_range(fd, offset + blk * bs, bs, SYNC_FILE_RANGE_WRITE);
		t1 = now_s();
		if (interval > 0) {
			size_t i = (size_t)((t1 - t_start) / interval);

			if (i < MAX_INTERVALS) {
				atomic_fetch_add(&iv_ops[i], 1);
				atomic_fetch_add(&iv_bytes[i], bs);
			}
		}
		if (t1 >= t_start + warmup && t1 < t_end) {
			atomic_fetch_add(&win_ops, 1);
			atomic_fetch_add(&win_bytes, bs);
			if (w->nlat == w->caplat) {
				w->caplat = w->caplat ? 2 * w->caplat : 4096;
				w->lat = realloc(w->lat, w->caplat * sizeof(double));
				if (!w->lat)
					die("out of memory");
			}
			w->lat[w->nlat++] = t1 - t0;
		}
	}
	if (rw == RW_BUFWRITE && fsync(fd))
		atomic_fetch_add(&errors, 1);
	close(fd);
	free(buf);
	return NULL;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static int load(void)
{
	struct worker *w = calloc(qd, sizeof(*w));
	double *all, window = secs - warmup, elapsed;
	size_t n = 0, i, k;
	unsigned int t;

	if (!w || window <= 0)
		die("bad --secs/--warmup");
	if (!span) {
		int fd = open_dev(O_RDONLY);

		if (ioctl(fd, BLKGETSIZE64, &span))
			die("BLKGETSIZE64 %s: %s", dev, strerror(errno));
		close(fd);
		span -= offset;
	}
	if (span < bs)
		die("span smaller than one block");
	t_start = at > 0 ? at : now_s();
	t_end = t_start + secs;
	for (t = 0; t < qd; t++) {
		w[t].id = t;
		pthread_create(&w[t].tid, NULL, load_worker, &w[t]);
	}
	for (t = 0; t < qd; t++)
		pthread_join(w[t].tid, NULL);
	elapsed = now_s() - t_start;
	for (t = 0; t < qd; t++)
		n += w[t].nlat;
	all = malloc((n ? n : 1) * sizeof(double));
	for (t = 0, k = 0; t < qd; t++)
		for (i = 0; i < w[t].nlat; i++)
			all[k++] = w[t].lat[i];
	qsort(all, n, sizeof(double), cmp_double);
#define PCT(p) (n ? all[(size_t)((n - 1) * (p))] * 1e6 : 0)
	printf("ops=%" PRIu64 " bytes=%" PRIu64 " window=%.3f iops=%.2f mbps=%.4f p50_us=%.0f p99_us=%.0f max_us=%.0f errors=%" PRIu64 " elapsed=%.2f\n",
	       (uint64_t)win_ops, (uint64_t)win_bytes, window, win_ops / window,
	       win_bytes / window / 1e6, PCT(0.5), PCT(0.99), PCT(1.0), (uint64_t)errors, elapsed);
	if (interval > 0)
		for (i = 0; i < MAX_INTERVALS && i * interval < secs; i++)
			printf("interval t=%.2f ops=%" PRIu64 " bytes=%" PRIu64 "\n", i * interval,
			       (uint64_t)iv_ops[i], (uint64_t)iv_bytes[i]);
	return errors ? 1 : 0;
}

/* ---- options -------------------------------------------------------------- */

static uint64_t num(const char *s)
{
	char *end;
	uint64_t v = strtoull(s, &end, 0);

	switch (*end) {
	case 'k': case 'K': v <<= 10; end++; break;
	case 'm': case 'M': v <<= 20; end++; break;
	case 'g': case 'G': v <<= 30; end++; break;
	}
	if (*end || end == s)
		die("bad number '%s'", s);
	return v;
}

int main(int argc, char **argv)
{
	const char *mode, *sub = NULL;
	int i;

	if (argc == 2 && !strcmp(argv[1], "now")) {
		printf("%.6f\n", now_s());
		return 0;
	}
	if (argc < 3)
		die("usage: see the header of dm_azlx_io.c");
	mode = argv[1];
	i = 2;
	if (!strcmp(mode, "pattern"))
		sub = argv[i++];
	if (i >= argc)
		die("no device");
	dev = argv[i++];
	for (; i < argc; i++) {
		const char *o = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (!strcmp(o, "--dsync")) {
			dsync = true;
			continue;
		}
		if (!v)
			die("%s needs a value", o);
		i++;
		if (!strcmp(o, "--seed")) seed = num(v);
		else if (!strcmp(o, "--gen")) gen = num(v);
		else if (!strcmp(o, "--bytes")) total = num(v);
		else if (!strcmp(o, "--threads")) threads = num(v);
		else if (!strcmp(o, "--offset")) offset = num(v);
		else if (!strcmp(o, "--fsync-every")) fsync_every = num(v);
		else if (!strcmp(o, "--bs")) bs = num(v);
		else if (!strcmp(o, "--qd")) qd = num(v);
		else if (!strcmp(o, "--span")) span = num(v);
		else if (!strcmp(o, "--secs")) secs = atof(v);
		else if (!strcmp(o, "--warmup")) warmup = atof(v);
		else if (!strcmp(o, "--rate")) rate = atof(v);
		else if (!strcmp(o, "--interval")) interval = atof(v);
		else if (!strcmp(o, "--at")) at = atof(v);
		else if (!strcmp(o, "--rw")) {
			if (!strcmp(v, "read")) rw = RW_READ;
			else if (!strcmp(v, "write")) rw = RW_WRITE;
			else if (!strcmp(v, "randread")) rw = RW_RANDREAD;
			else if (!strcmp(v, "randwrite")) rw = RW_RANDWRITE;
			else if (!strcmp(v, "bufwrite")) rw = RW_BUFWRITE;
			else die("bad --rw '%s'", v);
		} else {
			die("unknown option %s", o);
		}
	}
	if (offset % SECTOR || bs % SECTOR || !bs || !qd || threads < 1 || threads > 64)
		die("bad --offset/--bs/--qd/--threads");
	if (!strcmp(mode, "pattern")) {
		if (!total || total % SECTOR)
			die("--bytes must be a positive multiple of 512");
		layout();
		if (!strcmp(sub, "write"))
			return pattern_write();
		if (!strcmp(sub, "verify"))
			return pattern_verify();
		die("pattern write|verify");
	}
	if (!strcmp(mode, "load"))
		return load();
	die("unknown mode %s", mode);
}
