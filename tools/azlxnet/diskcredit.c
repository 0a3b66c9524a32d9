// SPDX-License-Identifier: GPL-2.0-only
/*
 * The burst credit of a dm-azlx mapping, carried from one mapping of a disk
 * to the next: "disk unpace" and "disk record" write what the target
 * estimates is left, "disk pace" starts the next mapping from it.
 *
 * The state file, /var/lib/azlxnet/disk/ID.credit (under --root), ID the
 * disk's WWID (sysfs device/wwid or wwid, other bytes than letters, digits,
 * '.', '_' and '-' made '_'), "-partN" added for partition N; else the
 * disk's kernel name ("sdc", "nvme0n2p1"). Mode 0644, replaced atomically
 * (a temporary file renamed over it). Lines of KEY=VALUE; '#' starts a
 * comment line; keys not listed are ignored:
 *
 *   version=1
 *   disk=sdc                       the kernel name when it was written
 *   mapping=azlx-sdc               the mapping it was read from
 *   budget=500,100,3500,170        IOPS,MBPS,BURST_IOPS,BURST_MBPS of the table
 *   burst_secs=1800                the table's burst_secs
 *   credit_pct=42                  credit left, percent of a full bucket
 *   time=1764970000                when, CLOCK_REALTIME seconds
 *
 * credit_pct is the smaller of the target's two estimates (credit=IOS/BYTES
 * in its status, of (BURST_IOPS - IOPS) x burst_secs units and (BURST_MBPS -
 * MBPS) x 10^6 x burst_secs bytes), rounded down. "disk pace" with the same
 * budget adds what Azure refills while the disk is idle (its baseline rate
 * times the seconds since, of a full bucket), at most 100.
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "disk.h"
#include "tune/tfs.h"

static bool azlx_credit_dim(long base, long burst, long secs, double *full)
{
	if (burst <= base || secs <= 0)
		return false;
	*full = (double)(burst - base) * secs;
	return true;
}

long azlx_credit_pct_of(const struct azlx_credit_budget *b, long long credit_ios,
			long long credit_bytes)
{
	double full, pct = 101;
	bool any = false;

	if (azlx_credit_dim(b->iops, b->burst_iops, b->burst_secs, &full)) {
		pct = 100.0 * credit_ios / full;
		any = true;
	}
	if (azlx_credit_dim(b->mbps, b->burst_mbps, b->burst_secs, &full)) {
		double p = 100.0 * credit_bytes / (full * 1e6);

		pct = any && pct < p ? pct : p;
		any = true;
	}
	if (!any)
		return -1;
	if (pct <= 0)
		return 0;
	return pct >= 100 ? 100 : (long)pct;
}

long azlx_credit_refill(const struct azlx_credit_budget *b, long pct, long long elapsed)
{
	double full, add = -1, r;

	if (azlx_credit_dim(b->iops, b->burst_iops, b->burst_secs, &full))
		add = 100.0 * b->iops * elapsed / full;
	if (azlx_credit_dim(b->mbps, b->burst_mbps, b->burst_secs, &full)) {
		r = 100.0 * b->mbps * elapsed / full;
		add = add >= 0 && add < r ? add : r;
	}
	if (add < 0 || elapsed < 0)
		add = 0;
	r = pct + add;
	if (r <= 0)
		return 0;
	return r >= 100 ? 100 : (long)r;
}

/* What may stay of @s in a file name: letters, digits, '.', '_', '-' */
static void azlx_credit_sanitise(const char *s, char *buf, size_t len)
{
	size_t n = 0;
	bool sep = false;

	for (; *s && n + 1 < len; s++) {
		char c = *s;

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		    ((c == '.' || c == '-') && n)) {
			if (sep && n + 2 < len)
				buf[n++] = '_';
			sep = false;
			buf[n++] = c;
		} else if (n) {
			/* runs of spaces ("t10.MSFT    Virtual Disk") as one '_' */
			sep = true;
		}
	}
	buf[n] = '\0';
}

void azlx_credit_id(const char *name, const char *parent, char *buf, size_t len)
{
	char path[256], wwid[256], id[160], part[32];
	long n;

	azlx_strf(path, sizeof(path), "/sys/class/block/%s/device/wwid", parent);
	if (azlx_fs_read(path, wwid, sizeof(wwid)) < 0) {
		azlx_strf(path, sizeof(path), "/sys/class/block/%s/wwid", parent);
		if (azlx_fs_read(path, wwid, sizeof(wwid)) < 0)
			wwid[0] = '\0';
	}
	azlx_credit_sanitise(wwid, id, sizeof(id));
	if (!id[0]) {
		azlx_strf(buf, len, "%s", name);
		return;
	}
	part[0] = '\0';
	azlx_strf(path, sizeof(path), "/sys/class/block/%s/partition", name);
	if (strcmp(name, parent) && !azlx_fs_read_long(path, &n))
		azlx_strf(part, sizeof(part), "-part%ld", n);
	azlx_strf(buf, len, "%s%s", id, part);
}

void azlx_credit_path(const char *id, char *buf, size_t len)
{
	azlx_strf(buf, len, "%s/%s.credit", AZLX_CREDIT_DIR, id);
}

int azlx_credit_format(const struct azlx_credit *c, char *buf, size_t len)
{
	const struct azlx_credit_budget *b = &c->budget;
	int n;

	n = snprintf(buf, len,
		     "# azlxnet disk credit: the burst credit left when the mapping was read\n"
		     "version=1\n"
		     "disk=%s\n"
		     "mapping=%s\n"
		     "budget=%ld,%ld,%ld,%ld\n"
		     "burst_secs=%ld\n"
		     "credit_pct=%ld\n"
		     "time=%lld\n",
		     c->disk, c->mapping, b->iops, b->mbps, b->burst_iops, b->burst_mbps,
		     b->burst_secs, c->pct, c->time);
	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : n;
}

/* "N" of digits only, within [0, max] */
static bool azlx_credit_num(const char *s, long long max, long long *v)
{
	char *end;

	if (*s < '0' || *s > '9')
		return false;
	errno = 0;
	*v = strtoll(s, &end, 10);
	return !errno && !*end && *v <= max;
}

int azlx_credit_parse(const char *text, struct azlx_credit *c, char *err, size_t err_len)
{
	enum { VERSION = 1, BUDGET = 2, SECS = 4, PCT = 8, TIME = 16, ALL = 31 };
	char *copy, *line, *save = NULL;
	unsigned int seen = 0;
	int lineno = 0, ret = 0;

	memset(c, 0, sizeof(*c));
	copy = strdup(text);
	if (!copy)
		return -ENOMEM;
	for (line = strtok_r(copy, "\n", &save); line && !ret;
	     line = strtok_r(NULL, "\n", &save)) {
		char *val = strchr(line, '=');
		long long v, w[4];
		bool ok = true;
		int i;

		lineno++;
		if (line[0] == '#')
			continue;
		if (!val) {
			azlx_strf(err, err_len, "line %d: not KEY=VALUE", lineno);
			ret = -EINVAL;
			break;
		}
		*val++ = '\0';
		if (!strcmp(line, "version")) {
			ok = azlx_credit_num(val, 1, &v) && v == 1;
			seen |= VERSION;
		} else if (!strcmp(line, "budget")) {
			char buf[128], *p = buf, *sep;

			ok = strlen(val) < sizeof(buf);
			azlx_strf(buf, sizeof(buf), "%s", val);
			for (i = 0; i < 4 && ok; i++) {
				sep = strchr(p, ',');
				if ((i < 3) != (sep != NULL)) {
					ok = false;
					break;
				}
				if (sep)
					*sep = '\0';
				ok = azlx_credit_num(p, 100000000, &w[i]);
				p = sep + 1;
			}
			if (ok) {
				c->budget.iops = w[0];
				c->budget.mbps = w[1];
				c->budget.burst_iops = w[2];
				c->budget.burst_mbps = w[3];
			}
			seen |= BUDGET;
		} else if (!strcmp(line, "burst_secs")) {
			ok = azlx_credit_num(val, 100000000, &v);
			c->budget.burst_secs = v;
			seen |= SECS;
		} else if (!strcmp(line, "credit_pct")) {
			ok = azlx_credit_num(val, 100, &v);
			c->pct = v;
			seen |= PCT;
		} else if (!strcmp(line, "time")) {
			ok = azlx_credit_num(val, INT64_MAX / 2, &v);
			c->time = v;
			seen |= TIME;
		} else if (!strcmp(line, "disk")) {
			azlx_strf(c->disk, sizeof(c->disk), "%s", val);
		} else if (!strcmp(line, "mapping")) {
			azlx_strf(c->mapping, sizeof(c->mapping), "%s", val);
		}
		if (!ok) {
			azlx_strf(err, err_len, "line %d: %s: \"%s\"", lineno, line, val);
			ret = -EINVAL;
		}
	}
	free(copy);
	if (!ret && seen != ALL) {
		azlx_strf(err, err_len, "no %s",
			  !(seen & VERSION) ? "version" : !(seen & BUDGET) ? "budget" :
			  !(seen & SECS) ? "burst_secs" : !(seen & PCT) ? "credit_pct" : "time");
		ret = -EINVAL;
	}
	return ret;
}

int azlx_credit_save(const char *id, const struct azlx_credit *c, char *err, size_t err_len)
{
	char path[PATH_MAX], text[1024];
	int fd, n, ret;

	azlx_credit_path(id, path, sizeof(path));
	n = azlx_credit_format(c, text, sizeof(text));
	if (n < 0) {
		azlx_strf(err, err_len, "%s: too long", path);
		return n;
	}
	fd = azlx_fs_mkdir_p(AZLX_CREDIT_DIR, 0755);
	if (fd < 0) {
		ret = -errno;
		azlx_strf(err, err_len, "%s: %s", AZLX_CREDIT_DIR, strerror(-ret));
		return ret;
	}
	close(fd);
	ret = azlx_fs_replace(path, text, n, 0644);
	if (ret)
		azlx_strf(err, err_len, "cannot write %s: %s", path, strerror(-ret));
	return ret;
}

static bool azlx_credit_budget_eq(const struct azlx_credit_budget *a,
				  const struct azlx_credit_budget *b)
{
	return a->iops == b->iops && a->mbps == b->mbps && a->burst_iops == b->burst_iops &&
	       a->burst_mbps == b->burst_mbps && a->burst_secs == b->burst_secs;
}

int azlx_credit_load(const char *id, const struct azlx_credit_budget *b, long long now,
		     struct azlx_credit *c, long *pct, char *why, size_t why_len)
{
	char path[PATH_MAX], err[256];
	size_t len;
	char *text;
	int ret;

	azlx_credit_path(id, path, sizeof(path));
	text = azlx_fs_read_all(path, &len);
	if (!text) {
		ret = -errno;
		if (ret != -ENOENT)
			azlx_strf(why, why_len, "%s: %s", path, strerror(-ret));
		return ret;
	}
	if (strlen(text) != len || len > 65536) {
		free(text);
		azlx_strf(why, why_len, "%s: not a text file", path);
		return -EINVAL;
	}
	ret = azlx_credit_parse(text, c, err, sizeof(err));
	free(text);
	if (ret) {
		azlx_strf(why, why_len, "%s: %s", path, err);
		return ret;
	}
	if (!azlx_credit_budget_eq(&c->budget, b)) {
		azlx_strf(why, why_len,
			  "%s: for another budget (%ld,%ld,%ld,%ld over %ld s, not %ld,%ld,%ld,%ld over %ld s)",
			  path, c->budget.iops, c->budget.mbps, c->budget.burst_iops,
			  c->budget.burst_mbps, c->budget.burst_secs, b->iops, b->mbps,
			  b->burst_iops, b->burst_mbps, b->burst_secs);
		return -ESTALE;
	}
	if (c->time > now) {
		azlx_strf(why, why_len, "%s: written %lld s in the future", path, c->time - now);
		return -ERANGE;
	}
	*pct = azlx_credit_refill(b, c->pct, now - c->time);
	return 0;
}

long long azlx_credit_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return ts.tv_sec;
}
