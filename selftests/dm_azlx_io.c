// SPDX-License-Identifier: GPL-2.0-only
/*
 * I/O driver for the dm-azlx selftests.
 *
 *   dm_azlx_io pattern write|verify DEV --seed N --gen N --bytes N
 *              [--threads N] [--offset N] [--fsync-every N] [--dsync]
 *   dm_azlx_io load DEV --rw read|write|randread|randwrite|bufwrite
 *              [--bs N] [--qd N] [--secs S] [--warmup S] [--rate OPS]
 *              [--span N] [--offset N] [--interval S] [--dsync] [--at T]
 *   dm_azlx_io now
 *   dm_azlx_io replay LOGDEV --to IMAGE --bytes N --mark NAME
 *   dm_azlx_io discard|zeroout|zeros DEV --offset N --bytes N
 *
 * pattern lays out extents of mixed sizes (512 B to 4 MiB) over --bytes
 * from --offset and writes them with O_DIRECT from several threads; every
 * 512-byte sector carries its address, the seed and the generation, so
 * verify finds lost, stale, misplaced and torn writes byte for byte.
 * With --dsync the writes are O_DSYNC and asynchronous (Linux AIO, one in
 * flight per thread): a block device then sends each as a REQ_FUA write and
 * no flush follows (a synchronous O_DSYNC write is followed by one), and
 * no fsync ends the run, so only FUA makes them durable.
 *
 * replay reads a dm-log-writes log (Documentation/admin-guide/
 * device-mapper/log-writes.rst) from LOGDEV and applies its entries in
 * order to IMAGE, a file created anew with --bytes zeros, up to the mark
 * entry NAME: IMAGE is then what the logged device held, durably, when the
 * mark was made. Discarded ranges are written as zeros. It prints the
 * entries it applied, by kind.
 *
 * discard and zeroout issue BLKDISCARD and BLKZEROOUT for --bytes at
 * --offset; zeros fails unless that range reads back as zeros.
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
#include <sys/syscall.h>
#include <linux/aio_abi.h>
#include <linux/fs.h>

#define SECTOR		512
#define MAX_EXTENT	(4u << 20)
#define MAX_INTERVALS	4096

static const char *dev, *replay_to, *replay_mark;
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

	/* A regular file on tmpfs before 6.6 takes no O_DIRECT (a replay image) */
	if (fd < 0 && errno == EINVAL && (flags & O_DIRECT))
		fd = open(dev, flags & ~O_DIRECT);
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

/* One asynchronous write, waited for: no flush after an O_DSYNC one. */
static ssize_t aio_pwrite(aio_context_t ctx, int fd, const void *buf, size_t len, uint64_t off)
{
	struct iocb cb = {
		.aio_lio_opcode = IOCB_CMD_PWRITE, .aio_fildes = fd,
		.aio_buf = (uintptr_t)buf, .aio_nbytes = len, .aio_offset = off,
	}, *cbs[1] = { &cb };
	struct io_event ev;

	if (syscall(SYS_io_submit, ctx, 1, cbs) != 1)
		return -1;
	while (syscall(SYS_io_getevents, ctx, 1, 1, &ev, NULL) != 1)
		if (errno != EINTR)
			return -1;
	if (ev.res < 0) {
		errno = -ev.res;
		return -1;
	}
	return ev.res;
}

static void *pattern_writer(void *arg)
{
	unsigned char *buf = xalloc(MAX_EXTENT);
	int fd = *(int *)arg;
	aio_context_t ctx = 0;
	unsigned int n = 0;
	size_t i;
	uint32_t j;
	ssize_t r;

	if (dsync && syscall(SYS_io_setup, 1, &ctx))
		die("io_setup: %s", strerror(errno));
	while ((i = atomic_fetch_add(&next_extent, 1)) < nextents) {
		struct extent *e = &extents[i];

		for (j = 0; j < e->len; j += SECTOR)
			fill_sector(buf + j, (e->off + j) / SECTOR);
		if (dsync)
			r = aio_pwrite(ctx, fd, buf, e->len, offset + e->off);
		else
			r = pwrite(fd, buf, e->len, offset + e->off);
		if (r != (ssize_t)e->len)
			die("write of %u bytes at %" PRIu64 ": %s", e->len, offset + e->off,
			    r < 0 ? strerror(errno) : "short write");
		if (fsync_every && ++n % fsync_every == 0 && fdatasync(fd))
			die("fdatasync: %s", strerror(errno));
	}
	if (dsync)
		syscall(SYS_io_destroy, ctx);
	free(buf);
	return NULL;
}

static int pattern_write(void)
{
	pthread_t tid[64];
	int fd = open_dev(O_WRONLY | O_DIRECT | (dsync ? O_DSYNC : 0));
	unsigned int i;
	double t0 = now_s();

	for (i = 0; i < threads; i++)
		pthread_create(&tid[i], NULL, pattern_writer, &fd);
	for (i = 0; i < threads; i++)
		pthread_join(tid[i], NULL);
	if (!dsync && fsync(fd))
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

/* ---- dm-log-writes replay ---------------------------------------------------- */

/* drivers/md/dm-log-writes.c: the on-disk format, little-endian */
#define LW_MAGIC	0x6a736677736872ull
#define LW_VERSION	1
#define LW_FLUSH	(1 << 0)
#define LW_FUA		(1 << 1)
#define LW_DISCARD	(1 << 2)
#define LW_MARK		(1 << 3)

struct lw_super {
	uint64_t	magic;
	uint64_t	version;
	uint64_t	nr_entries;
	uint32_t	sectorsize;
} __attribute__((packed));

struct lw_entry {
	uint64_t	sector;		/* in sectorsize units, as nr_sectors */
	uint64_t	nr_sectors;
	uint64_t	flags;
	uint64_t	data_len;	/* a mark's name, after the entry */
};

static void xpread(int fd, void *buf, size_t len, uint64_t off, const char *what)
{
	ssize_t r = pread(fd, buf, len, off);

	if (r != (ssize_t)len)
		die("read of %zu bytes at %" PRIu64 " of %s: %s", len, off, what,
		    r < 0 ? strerror(errno) : "short read");
}

static void xpwrite(int fd, const void *buf, size_t len, uint64_t off)
{
	ssize_t r = pwrite(fd, buf, len, off);

	if (r != (ssize_t)len)
		die("write of %zu bytes at %" PRIu64 " of %s: %s", len, off, replay_to,
		    r < 0 ? strerror(errno) : "short write");
}

static int replay(void)
{
	uint64_t i, pos, off, len, n[4] = { 0 }, bytes = 0;
	unsigned char *sec, *data = NULL, *zero = NULL;
	struct lw_super sb;
	struct lw_entry e;
	int lfd = open_dev(O_RDONLY), ifd;
	char marks[512] = "", name[512];
	size_t ml = 0, cap = 0;
	uint32_t ss;

	if (!replay_to || !replay_mark)
		die("replay needs --to and --mark");
	sec = xalloc(4096);
	xpread(lfd, sec, SECTOR, 0, dev);
	memcpy(&sb, sec, sizeof(sb));
	ss = sb.sectorsize;
	if (sb.magic != LW_MAGIC || sb.version != LW_VERSION || ss < SECTOR || ss > 4096 ||
	    ss & (ss - 1))
		die("%s: not a dm-log-writes log (magic %#" PRIx64 " version %" PRIu64
		    " sectorsize %u)", dev, sb.magic, sb.version, ss);
	ifd = open(replay_to, O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (ifd < 0 || ftruncate(ifd, total))
		die("%s: %s", replay_to, strerror(errno));
	/* the super, then per entry: one sector, then its data (not a discard's) */
	for (i = 0, pos = ss; i < sb.nr_entries; i++) {
		xpread(lfd, sec, ss, pos, dev);
		memcpy(&e, sec, sizeof(e));
		pos += ss;
		if (e.flags & LW_MARK) {
			if (e.data_len > ss - sizeof(e))
				die("entry %" PRIu64 ": mark of %" PRIu64 " bytes", i, e.data_len);
			memcpy(name, sec + sizeof(e), e.data_len);
			name[e.data_len] = 0;
			n[3]++;
			if (!strcmp(name, replay_mark))
				break;
			ml += snprintf(marks + ml, ml < sizeof(marks) ? sizeof(marks) - ml : 0,
				       " %s", name);
			ml = ml < sizeof(marks) ? ml : sizeof(marks) - 1;
			continue;
		}
		off = e.sector * ss;
		len = e.nr_sectors * ss;
		if (off + len > total || len > (1u << 30))
			die("entry %" PRIu64 ": %" PRIu64 " bytes at %" PRIu64
			    " outside the image of %" PRIu64, i, len, off, total);
		if (len > cap) {
			free(data);
			free(zero);
			data = xalloc(len);
			zero = xalloc(len);
			memset(zero, 0, len);
			cap = len;
		}
		if (e.flags & LW_DISCARD) {
			if (len)
				xpwrite(ifd, zero, len, off);
			n[2]++;
			continue;
		}
		if (len) {
			xpread(lfd, data, len, pos, dev);
			xpwrite(ifd, data, len, off);
			pos += len;
			bytes += len;
			n[0]++;
		}
		n[1] += !!(e.flags & (LW_FLUSH | LW_FUA));
	}
	if (i == sb.nr_entries)
		die("no mark '%s' in %" PRIu64 " entries (marks:%s)", replay_mark, i, marks);
	if (fsync(ifd))
		die("fsync %s: %s", replay_to, strerror(errno));
	close(ifd);
	close(lfd);
	printf("replayed entries=%" PRIu64 " of %" PRIu64 " writes=%" PRIu64 " bytes=%" PRIu64
	       " flush_or_fua=%" PRIu64 " discards=%" PRIu64 " marks=%" PRIu64 "\n",
	       i, sb.nr_entries, n[0], bytes, n[1], n[2], n[3]);
	return 0;
}

/* ---- discard, zero-out, zeros --------------------------------------------- */

static int range_op(const char *op)
{
	uint64_t r[2] = { offset, total }, pos;
	unsigned char *buf;
	size_t len, k;
	int fd;

	if (!strcmp(op, "discard") || !strcmp(op, "zeroout")) {
		fd = open_dev(O_WRONLY);
		if (ioctl(fd, !strcmp(op, "discard") ? BLKDISCARD : BLKZEROOUT, r))
			die("%s of %" PRIu64 " bytes at %" PRIu64 ": %s", op, total, offset,
			    strerror(errno));
		close(fd);
		return 0;
	}
	fd = open_dev(O_RDONLY | O_DIRECT);
	buf = xalloc(MAX_EXTENT);
	for (pos = offset; pos < offset + total; pos += len) {
		len = offset + total - pos < MAX_EXTENT ? offset + total - pos : MAX_EXTENT;
		xpread(fd, buf, len, pos, dev);
		for (k = 0; k < len; k++)
			if (buf[k])
				die("byte %" PRIu64 " is %#x, not 0 (zeros expected in %" PRIu64
				    "..%" PRIu64 ")", pos + k, buf[k], offset, offset + total);
	}
	close(fd);
	free(buf);
	return 0;
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
		else if (!strcmp(o, "--to")) replay_to = v;
		else if (!strcmp(o, "--mark")) replay_mark = v;
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
	if (!strcmp(mode, "replay")) {
		if (!total || total % SECTOR)
			die("--bytes (the image size) must be a positive multiple of 512");
		return replay();
	}
	if (!strcmp(mode, "discard") || !strcmp(mode, "zeroout") || !strcmp(mode, "zeros")) {
		if (!total || total % SECTOR)
			die("--bytes must be a positive multiple of 512");
		return range_op(mode);
	}
	die("unknown mode %s", mode);
}
