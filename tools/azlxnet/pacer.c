// SPDX-License-Identifier: GPL-2.0-only
/*
 * dm-azlx mappings through libdevmapper: list, create and remove them, and
 * parse the target's table and status lines (Documentation/dm-azlx.rst).
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include <libdevmapper.h>
#include <libkmod.h>

#include "azlxnet.h"
#include "disk.h"
#include "tune/plan.h"
#include "tune/tune.h"

const char *const azlx_pacer_class_names[AZLX_PACER_CLASSES] = {
	"critical", "read", "write", "async",
};

/* ---- parsing ------------------------------------------------------------- */

static int azlx_perr(char *err, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int azlx_perr(char *err, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, len, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

static int azlx_parse_s64(const char *s, long long *v)
{
	char *end;

	if (!*s)
		return -EINVAL;
	errno = 0;
	*v = strtoll(s, &end, 10);
	return errno || *end ? -EINVAL : 0;
}

static int azlx_parse_u64(const char *s, uint64_t *v)
{
	char *end;

	if (*s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	*v = strtoull(s, &end, 10);
	return errno || *end ? -EINVAL : 0;
}

static int azlx_parse_long(const char *s, long *v)
{
	long long ll;

	if (azlx_parse_s64(s, &ll) || ll < 0 || ll > LONG_MAX)
		return -EINVAL;
	*v = ll;
	return 0;
}

/* "a/b" into two signed numbers */
static int azlx_parse_pair(const char *s, long long *a, long long *b)
{
	char buf[64], *slash;

	if (strlen(s) >= sizeof(buf))
		return -EINVAL;
	strcpy(buf, s);
	slash = strchr(buf, '/');
	if (!slash)
		return -EINVAL;
	*slash = '\0';
	if (azlx_parse_s64(buf, a) || azlx_parse_s64(slash + 1, b))
		return -EINVAL;
	return 0;
}

/* "a/b/c/d": one counter per class */
static int azlx_parse_classes(const char *s, uint64_t *v)
{
	char buf[128], *p, *sep;
	int i;

	if (strlen(s) >= sizeof(buf))
		return -EINVAL;
	strcpy(buf, s);
	p = buf;
	for (i = 0; i < AZLX_PACER_CLASSES; i++) {
		sep = strchr(p, '/');
		if ((i < AZLX_PACER_CLASSES - 1) != (sep != NULL))
			return -EINVAL;
		if (sep)
			*sep = '\0';
		if (azlx_parse_u64(p, &v[i]))
			return -EINVAL;
		p = sep + 1;
	}
	return 0;
}

static void azlx_append(char *buf, size_t len, const char *sep, const char *s)
{
	size_t used = strlen(buf);

	azlx_strf(buf + used, len - used, "%s%s", used ? sep : "", s);
}

int azlx_pacer_table_parse(const char *params, struct azlx_pacer_table *t,
			   char *err, size_t err_len)
{
	static const char *const fixed[] = { "dev", "offset", "iops", "mbps" };
	char *copy, *tok, *save = NULL;
	uint64_t u;
	int i = 0, ret = 0;

	memset(t, 0, sizeof(*t));
	t->burst_secs = 1800;
	t->unit_kb = 256;
	t->fraction = 95;
	t->max_wait_ms = 500;
	copy = strdup(params);
	if (!copy)
		return -ENOMEM;
	for (tok = strtok_r(copy, " ", &save); tok && !ret; tok = strtok_r(NULL, " ", &save), i++) {
		char *eq = strchr(tok, '=');
		long *num = NULL;

		if (i < 4 && eq) {
			ret = azlx_perr(err, err_len, "table: missing <%s>", fixed[i]);
			break;
		}
		switch (i) {
		case 0:
			if (sscanf(tok, "%u:%u", &t->dev_major, &t->dev_minor) != 2)
				ret = azlx_perr(err, err_len, "table: dev: not MAJOR:MINOR: '%s'", tok);
			continue;
		case 1:
			if (azlx_parse_u64(tok, &u))
				ret = azlx_perr(err, err_len, "table: offset: '%s'", tok);
			t->offset = u;
			continue;
		case 2:
			num = &t->iops;
			break;
		case 3:
			num = &t->mbps;
			break;
		}
		if (num) {
			if (azlx_parse_long(tok, num))
				ret = azlx_perr(err, err_len, "table: %s: '%s'", fixed[i], tok);
			continue;
		}
		if (!eq) {
			ret = azlx_perr(err, err_len, "table: not key=value: '%s'", tok);
			break;
		}
		*eq++ = '\0';
		if (!strcmp(tok, "burst_iops"))
			num = &t->burst_iops;
		else if (!strcmp(tok, "burst_mbps"))
			num = &t->burst_mbps;
		else if (!strcmp(tok, "burst_secs"))
			num = &t->burst_secs;
		else if (!strcmp(tok, "unit_kb"))
			num = &t->unit_kb;
		else if (!strcmp(tok, "fraction"))
			num = &t->fraction;
		else if (!strcmp(tok, "max_wait_ms"))
			num = &t->max_wait_ms;
		else if (!strcmp(tok, "inflight_ms"))
			num = &t->inflight_ms;
		else if (!strcmp(tok, "credit_pct"))
			num = &t->credit_pct;
		else if (!strcmp(tok, "lat_target_us"))
			num = &t->lat_target_us;
		if (num) {
			if (azlx_parse_long(eq, num))
				ret = azlx_perr(err, err_len, "table: %s: '%s'", tok, eq);
		} else if (!strcmp(tok, "critical")) {
			azlx_append(t->critical, sizeof(t->critical), ":", eq);
		} else if (!strcmp(tok, "cap")) {
			azlx_append(t->caps, sizeof(t->caps), " ", eq);
		} else if (*tok) {
			/* a newer module's key: shown as it is, not understood */
			eq[-1] = '=';
			azlx_append(t->other, sizeof(t->other), " ", tok);
		} else {
			ret = azlx_perr(err, err_len, "table: not key=value: '=%s'", eq);
			break;
		}
	}
	if (!ret && i < 4)
		ret = azlx_perr(err, err_len, "table: missing <%s>", fixed[i]);
	free(copy);
	return ret;
}

static void azlx_addf(char *buf, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void azlx_addf(char *buf, size_t len, const char *fmt, ...)
{
	size_t used = strlen(buf);
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf + used, len - used, fmt, ap);
	va_end(ap);
}

void azlx_pacer_table_format(const struct azlx_pacer_table *t, char *buf, size_t len)
{
	char copy[sizeof(t->critical)], *tok, *save = NULL;

	azlx_strf(buf, len, "%u:%u %" PRIu64 " %ld %ld", t->dev_major, t->dev_minor, t->offset,
		  t->iops, t->mbps);
	if (t->burst_iops)
		azlx_addf(buf, len, " burst_iops=%ld", t->burst_iops);
	if (t->burst_mbps)
		azlx_addf(buf, len, " burst_mbps=%ld", t->burst_mbps);
	if ((t->burst_iops || t->burst_mbps) && t->burst_secs != 1800)
		azlx_addf(buf, len, " burst_secs=%ld", t->burst_secs);
	if (t->credit_pct)
		azlx_addf(buf, len, " credit_pct=%ld", t->credit_pct);
	if (t->unit_kb != 256)
		azlx_addf(buf, len, " unit_kb=%ld", t->unit_kb);
	if (t->fraction != 95)
		azlx_addf(buf, len, " fraction=%ld", t->fraction);
	if (t->max_wait_ms != 500)
		azlx_addf(buf, len, " max_wait_ms=%ld", t->max_wait_ms);
	if (t->inflight_ms)
		azlx_addf(buf, len, " inflight_ms=%ld", t->inflight_ms);
	/* max_held, max_held_cgroup: the target prints them here */
	if (t->other[0])
		azlx_addf(buf, len, " %s", t->other);
	if (t->lat_target_us)
		azlx_addf(buf, len, " lat_target_us=%ld", t->lat_target_us);
	strcpy(copy, t->critical);
	for (tok = strtok_r(copy, ":", &save); tok; tok = strtok_r(NULL, ":", &save))
		azlx_addf(buf, len, " critical=%s", tok);
	save = NULL;
	strcpy(copy, t->caps);
	for (tok = strtok_r(copy, " ", &save); tok; tok = strtok_r(NULL, " ", &save))
		azlx_addf(buf, len, " cap=%s", tok);
}

int azlx_pacer_status_parse(const char *params, struct azlx_pacer_status *s,
			    char *err, size_t err_len)
{
	char *copy, *tok, *save = NULL;
	unsigned int seen = 0, adapt = 0;
	int ret = 0;

	memset(s, 0, sizeof(*s));
	s->inflight = s->inflight_max = -1;
	copy = strdup(params);
	if (!copy)
		return -ENOMEM;
	for (tok = strtok_r(copy, " ", &save); tok && !ret; tok = strtok_r(NULL, " ", &save)) {
		char *val = strchr(tok, '=');
		long long a, b;
		int bad = 0;

		if (!val) {
			ret = azlx_perr(err, err_len, "status: not key=value: '%s'", tok);
			break;
		}
		*val++ = '\0';
		if (!strcmp(tok, "tokens")) {
			bad = azlx_parse_pair(val, &s->tokens_ios, &s->tokens_bytes);
			seen |= 1;
		} else if (!strcmp(tok, "credit")) {
			bad = azlx_parse_pair(val, &s->credit_ios, &s->credit_bytes);
		} else if (!strcmp(tok, "queued")) {
			bad = azlx_parse_classes(val, s->queued);
			seen |= 2;
		} else if (!strcmp(tok, "dispatched")) {
			bad = azlx_parse_classes(val, s->dispatched);
			seen |= 4;
		} else if (!strcmp(tok, "delayed")) {
			bad = azlx_parse_classes(val, s->delayed);
		} else if (!strcmp(tok, "promoted")) {
			bad = azlx_parse_classes(val, s->promoted);
		} else if (!strcmp(tok, "max_wait_us")) {
			bad = azlx_parse_classes(val, s->max_wait_us);
		} else if (!strcmp(tok, "capped")) {
			bad = azlx_parse_pair(val, &a, &b) || a < 0 || b < 0;
			s->capped_now = a;
			s->capped_total = b;
		} else if (!strcmp(tok, "flushes")) {
			bad = azlx_parse_u64(val, &s->flushes);
		} else if (!strcmp(tok, "units")) {
			bad = azlx_parse_u64(val, &s->units);
			seen |= 8;
		} else if (!strcmp(tok, "bytes")) {
			bad = azlx_parse_u64(val, &s->bytes);
		} else if (!strcmp(tok, "inflight")) {
			bad = azlx_parse_pair(val, &s->inflight, &s->inflight_max) ||
			      s->inflight < 0 || s->inflight_max < 0;
		} else if (!strcmp(tok, "state")) {
			bad = !*val || strlen(val) >= sizeof(s->state);
			if (!bad)
				strcpy(s->state, val);
		} else if (!strcmp(tok, "window_pct")) {
			bad = azlx_parse_u64(val, &s->window_pct) || !s->window_pct ||
			      s->window_pct > 100;
			adapt |= 1;
		} else if (!strcmp(tok, "timed")) {
			bad = azlx_parse_u64(val, &s->timed);
			adapt |= 2;
		} else if (!strcmp(tok, "slow")) {
			bad = azlx_parse_u64(val, &s->slow);
			adapt |= 4;
		} else if (!strcmp(tok, "shrinks")) {
			bad = azlx_parse_u64(val, &s->shrinks);
			adapt |= 8;
		} else if (!strcmp(tok, "grows")) {
			bad = azlx_parse_u64(val, &s->grows);
			adapt |= 16;
		}
		/* other keys: a newer target; ignored */
		if (bad)
			ret = azlx_perr(err, err_len, "status: %s: '%s'", tok, val);
	}
	if (!ret && seen != 15)
		ret = azlx_perr(err, err_len, "status: not an azlx status line");
	/* the closed loop's counters come together, from a 1.3 target on */
	if (!ret && adapt && adapt != 31)
		ret = azlx_perr(err, err_len, "status: some of window_pct, timed, slow, shrinks, grows missing");
	s->has_adapt = !ret && adapt == 31;
	free(copy);
	return ret;
}

/* ---- libdevmapper ------------------------------------------------------- */

/* libdevmapper's messages: the last error is kept for ours, the rest dropped */
static char azlx_dm_msg[256];
static int azlx_dm_errno;

static void azlx_dm_log(int level, const char *file, int line, int dm_errno,
			const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

static void azlx_dm_log(int level, const char *file, int line, int dm_errno,
			const char *fmt, ...)
{
	va_list ap;

	(void)file;
	(void)line;
	if ((level & 7) > LOG_ERR)
		return;
	va_start(ap, fmt);
	vsnprintf(azlx_dm_msg, sizeof(azlx_dm_msg), fmt, ap);
	va_end(ap);
	azlx_dm_errno = dm_errno;
}

static void azlx_dm_init(void)
{
	static bool done;

	if (done)
		return;
	done = true;
	dm_log_with_errno_init(azlx_dm_log);
}

/* -errno for a failed task, with libdevmapper's reason in @err */
static int azlx_dm_fail(struct dm_task *dmt, const char *what, char *err, size_t err_len)
{
	int e = dmt ? dm_task_get_errno(dmt) : 0;

	if (!e)
		e = azlx_dm_errno ? azlx_dm_errno : errno ? errno : EIO;
	if (azlx_dm_msg[0])
		azlx_strf(err, err_len, "%s: %s", what, azlx_dm_msg);
	else
		azlx_strf(err, err_len, "%s: %s", what, strerror(e));
	return -e;
}

bool azlx_pacer_present(void)
{
	return access("/sys/class/misc/device-mapper", F_OK) == 0;
}

/*
 * Loads dm-mod (with libkmod, as modprobe would) when device-mapper is not
 * there yet; the kernel itself loads dm-azlx for the first azlx table.
 */
int azlx_pacer_load(char *err, size_t err_len)
{
	struct kmod_module *mod = NULL;
	struct kmod_list *list = NULL;
	struct kmod_ctx *ctx;
	int ret;

	if (azlx_pacer_present())
		return 0;
	ctx = kmod_new(NULL, NULL);
	if (!ctx) {
		azlx_strf(err, err_len, "device-mapper is not loaded and libkmod failed");
		return -ENOMEM;
	}
	ret = kmod_module_new_from_lookup(ctx, "dm-mod", &list);
	if (!ret && list) {
		mod = kmod_module_get_module(list);
		ret = kmod_module_probe_insert_module(mod, 0, NULL, NULL, NULL, NULL);
		kmod_module_unref(mod);
	} else if (!ret) {
		ret = -ENOENT;
	}
	kmod_module_unref_list(list);
	kmod_unref(ctx);
	if (ret < 0 && !azlx_pacer_present()) {
		azlx_strf(err, err_len, "cannot load dm-mod: %s", strerror(-ret));
		return ret;
	}
	return 0;
}

/* Reads table (@type DM_DEVICE_TABLE) or status of @name's single target. */
static int azlx_dm_target(const char *name, int type, struct dm_info *info,
			  char *target, size_t tlen, char *params, size_t plen,
			  uint64_t *len, char *err, size_t err_len)
{
	char *ttype = NULL, *tparams = NULL;
	uint64_t start, length;
	struct dm_task *dmt;
	void *next;
	int ret = 0;

	dmt = dm_task_create(type);
	if (!dmt)
		return azlx_dm_fail(NULL, name, err, err_len);
	if (!dm_task_set_name(dmt, name) || !dm_task_run(dmt) ||
	    !dm_task_get_info(dmt, info)) {
		ret = azlx_dm_fail(dmt, name, err, err_len);
		/* the kernel's answer for a name it does not know */
		if (ret == -ENXIO) {
			azlx_strf(err, err_len, "%s: no such mapping", name);
			ret = -ENOENT;
		}
		goto out;
	}
	if (!info->exists) {
		azlx_strf(err, err_len, "%s: no such mapping", name);
		ret = -ENOENT;
		goto out;
	}
	target[0] = '\0';
	params[0] = '\0';
	*len = 0;
	next = dm_get_next_target(dmt, NULL, &start, &length, &ttype, &tparams);
	if (ttype) {
		azlx_strf(target, tlen, "%s", ttype);
		azlx_strf(params, plen, "%s", tparams ? tparams : "");
		*len = length;
	}
	/* a pacer maps a whole device with one target */
	if (next || start)
		target[0] = '\0';
out:
	dm_task_destroy(dmt);
	return ret;
}

/* The kernel name of block device MAJ:MIN ("sdb"), "" if unknown. */
static void azlx_blk_name(unsigned int maj, unsigned int min, char *buf, size_t len)
{
	char path[64], real[PATH_MAX], *base;

	buf[0] = '\0';
	azlx_strf(path, sizeof(path), "/sys/dev/block/%u:%u", maj, min);
	if (!realpath(path, real))
		return;
	base = strrchr(real, '/');
	azlx_strf(buf, len, "%s", base ? base + 1 : real);
}

int azlx_pacer_get(const char *name, struct azlx_pacer *p, char *err, size_t err_len)
{
	char target[32], params[4096];
	struct dm_info info;
	uint64_t len;
	int ret;

	azlx_dm_init();
	memset(p, 0, sizeof(*p));
	if (strlen(name) >= sizeof(p->name)) {
		azlx_strf(err, err_len, "%s: name too long", name);
		return -ENAMETOOLONG;
	}
	strcpy(p->name, name);
	ret = azlx_dm_target(name, DM_DEVICE_TABLE, &info, target, sizeof(target),
			     params, sizeof(params), &len, err, err_len);
	if (ret)
		return ret;
	if (strcmp(target, AZLX_PACER_TARGET)) {
		azlx_strf(err, err_len, "%s: not a dm-azlx mapping", name);
		return -EMEDIUMTYPE;
	}
	p->major = info.major;
	p->minor = info.minor;
	p->open_count = info.open_count;
	p->suspended = info.suspended;
	p->sectors = len;
	ret = azlx_pacer_table_parse(params, &p->table, err, err_len);
	if (ret)
		return ret;
	azlx_blk_name(p->table.dev_major, p->table.dev_minor, p->disk, sizeof(p->disk));
	ret = azlx_dm_target(name, DM_DEVICE_STATUS, &info, target, sizeof(target),
			     params, sizeof(params), &len, err, err_len);
	if (ret)
		return ret;
	if (strcmp(target, AZLX_PACER_TARGET)) {
		/* the table was replaced between the two reads */
		azlx_strf(err, err_len, "%s: changed while read", name);
		return -EAGAIN;
	}
	return azlx_pacer_status_parse(params, &p->status, err, err_len);
}

static int azlx_pacer_cmp(const void *a, const void *b)
{
	return strcmp(((const struct azlx_pacer *)a)->name, ((const struct azlx_pacer *)b)->name);
}

int azlx_pacer_list(struct azlx_pacer **out, int *n, char *err, size_t err_len)
{
	struct azlx_pacer *v = NULL, *nv;
	struct dm_names *names;
	struct dm_task *dmt;
	unsigned int next;
	int cnt = 0, ret = 0;

	*out = NULL;
	*n = 0;
	if (!azlx_pacer_present())
		return 0;
	/* libdevmapper would call that an incompatible kernel driver */
	if (access("/dev/mapper/control", R_OK | W_OK) && (errno == EACCES || errno == EPERM)) {
		azlx_strf(err, err_len, "/dev/mapper/control: %s", strerror(errno));
		return -EACCES;
	}
	azlx_dm_init();
	dmt = dm_task_create(DM_DEVICE_LIST);
	if (!dmt)
		return azlx_dm_fail(NULL, "list", err, err_len);
	if (!dm_task_run(dmt)) {
		ret = azlx_dm_fail(dmt, "list", err, err_len);
		goto out;
	}
	names = dm_task_get_names(dmt);
	if (!names || !names->dev)
		goto out;
	do {
		struct azlx_pacer p;

		next = names->next;
		ret = azlx_pacer_get(names->name, &p, err, err_len);
		names = (struct dm_names *)((char *)names + next);
		/* not ours, or gone since the list was read */
		if (ret == -EMEDIUMTYPE || ret == -ENOENT || ret == -EAGAIN) {
			ret = 0;
			continue;
		}
		if (ret)
			break;
		nv = realloc(v, (cnt + 1) * sizeof(*v));
		if (!nv) {
			ret = -ENOMEM;
			azlx_strf(err, err_len, "out of memory");
			break;
		}
		v = nv;
		v[cnt++] = p;
	} while (next);
out:
	dm_task_destroy(dmt);
	if (ret) {
		free(v);
		return ret;
	}
	if (cnt)
		qsort(v, cnt, sizeof(*v), azlx_pacer_cmp);
	*out = v;
	*n = cnt;
	return 0;
}

/* Runs @dmt and waits until udev (or libdevmapper) made /dev/mapper's node. */
static int azlx_dm_run_wait(struct dm_task *dmt)
{
	uint32_t cookie = 0;
	int ok;

	if (!dm_task_set_cookie(dmt, &cookie, 0))
		return 0;
	ok = dm_task_run(dmt);
	/* waits or, without udev, creates or removes the node itself */
	dm_udev_wait(cookie);
	return ok;
}

int azlx_pacer_create(const char *name, const char *disk, uint64_t sectors,
		      const char *params, char *err, size_t err_len)
{
	struct dm_task *dmt;
	int ret = 0;

	ret = azlx_pacer_load(err, err_len);
	if (ret)
		return ret;
	azlx_dm_init();
	azlx_dm_msg[0] = '\0';
	dmt = dm_task_create(DM_DEVICE_CREATE);
	if (!dmt)
		return azlx_dm_fail(NULL, name, err, err_len);
	if (!dm_task_set_name(dmt, name) ||
	    !dm_task_add_target(dmt, 0, sectors, AZLX_PACER_TARGET, params) ||
	    !azlx_dm_run_wait(dmt))
		ret = azlx_dm_fail(dmt, disk, err, err_len);
	dm_task_destroy(dmt);
	return ret;
}

int azlx_pacer_remove(const char *name, char *err, size_t err_len)
{
	struct dm_task *dmt;
	int ret = 0;

	azlx_dm_init();
	azlx_dm_msg[0] = '\0';
	dmt = dm_task_create(DM_DEVICE_REMOVE);
	if (!dmt)
		return azlx_dm_fail(NULL, name, err, err_len);
	if (!dm_task_set_name(dmt, name) || !azlx_dm_run_wait(dmt))
		ret = azlx_dm_fail(dmt, name, err, err_len);
	dm_task_destroy(dmt);
	return ret;
}
