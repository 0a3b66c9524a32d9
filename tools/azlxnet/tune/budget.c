// SPDX-License-Identifier: GPL-2.0-only
/*
 * Azure disk budgets: baseline and burst IOPS and MB/s per disk size, the
 * uncached disk caps of VM sizes and AKS's default OS disk, read at run
 * time from the tool's data files (tools/azlxnet/data/), each row with
 * the Microsoft documentation page it was taken from and when. A size, SKU
 * or VM the files do not know is unknown, with a note: never a nearby row.
 *
 * The data files are tab-separated: '#' comments, one header line naming
 * the columns, then rows; "-" is "not published". A malformed file is
 * refused whole ("FILE:LINE: why") and every budget from it is unknown.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "print.h"

#include "budget.h"
#include "tfs.h"

#ifndef AZLXNET_DATADIR
#define AZLXNET_DATADIR		"/usr/share/azlxnet"
#endif

#define AZLX_DATA_MAX_BYTES	(1 << 20)
#define AZLX_DATA_MAX_DISKS	256
#define AZLX_DATA_MAX_VMS	2048
#define AZLX_DATA_MAX_AKS	32
#define AZLX_DATA_MAX_COLS	16

/* ---- the tables --------------------------------------------------------------------- */

struct azlx_disk_row {
	char	family[16];
	char	tier[8];
	long	max_gib, iops, mbps, burst_iops, burst_mbps, od_iops, od_mbps, unit_kib;
	char	url[AZLX_URL_MAX];
	char	read[16];
	int	line;
};

struct azlx_vm_row {
	char	size[AZLX_NAME_MAX];
	long	vcpus, iops, mbps, burst_iops, burst_mbps, nic_queues;
	char	url[AZLX_URL_MAX];
	char	read[16];
	int	line;
};

struct azlx_aks_row {
	long	min_vcpus;
	char	family[16];
	char	tier[8];
	char	url[AZLX_URL_MAX];
	char	read[16];
	int	line;
};

struct azlx_table {
	char	path[PATH_MAX];	/* as loaded (or parsed: the name given) */
	bool	tried;
	char	err[512];	/* why it is empty */
	int	n;
};

static struct {
	struct azlx_table	disks_t, vms_t, aks_t;
	struct azlx_disk_row	disks[AZLX_DATA_MAX_DISKS];
	struct azlx_vm_row	vms[AZLX_DATA_MAX_VMS];
	struct azlx_aks_row	aks[AZLX_DATA_MAX_AKS];
	struct azlx_vmsize	found;	/* azlx_vmsize_find()'s answer */
} azlx_data;

/* ---- the TSV parser ----------------------------------------------------------------- */

enum azlx_col_type {
	AZLX_COL_NAME,		/* letters, digits, '_', '.', '-' */
	AZLX_COL_NUM,		/* a non-negative decimal within [min, max] */
	AZLX_COL_URL,		/* https://... */
	AZLX_COL_DATE,		/* YYYY-MM or YYYY-MM-DD */
};

struct azlx_col {
	const char		*name;
	enum azlx_col_type	type;
	bool			dash;	/* "-" allowed: -1 */
	size_t			off, size;
	long			min, max;
};

#define AZLX_CNAME(st, f)	{ #f, AZLX_COL_NAME, false, offsetof(st, f), \
				  sizeof(((st *)0)->f), 0, 0 }
#define AZLX_CNUM(st, f, name, d, lo, hi) \
				{ name, AZLX_COL_NUM, d, offsetof(st, f), sizeof(long), lo, hi }
#define AZLX_CURL(st)		{ "source", AZLX_COL_URL, false, offsetof(st, url), \
				  sizeof(((st *)0)->url), 0, 0 }
#define AZLX_CDATE(st)		{ "read", AZLX_COL_DATE, false, offsetof(st, read), \
				  sizeof(((st *)0)->read), 0, 0 }

static const struct azlx_col azlx_disk_cols[] = {
	AZLX_CNAME(struct azlx_disk_row, family),
	AZLX_CNAME(struct azlx_disk_row, tier),
	AZLX_CNUM(struct azlx_disk_row, max_gib, "max_gib", false, 1, 1L << 20),
	AZLX_CNUM(struct azlx_disk_row, iops, "iops", false, 1, 10000000),
	AZLX_CNUM(struct azlx_disk_row, mbps, "mbps", false, 1, 1000000),
	AZLX_CNUM(struct azlx_disk_row, burst_iops, "burst_iops", true, 1, 10000000),
	AZLX_CNUM(struct azlx_disk_row, burst_mbps, "burst_mbps", true, 1, 1000000),
	AZLX_CNUM(struct azlx_disk_row, od_iops, "od_burst_iops", true, 1, 10000000),
	AZLX_CNUM(struct azlx_disk_row, od_mbps, "od_burst_mbps", true, 1, 1000000),
	AZLX_CNUM(struct azlx_disk_row, unit_kib, "unit_kib", true, 4, 65536),
	AZLX_CURL(struct azlx_disk_row),
	AZLX_CDATE(struct azlx_disk_row),
};

static const struct azlx_col azlx_vm_cols[] = {
	AZLX_CNAME(struct azlx_vm_row, size),
	AZLX_CNUM(struct azlx_vm_row, vcpus, "vcpus", false, 1, 4096),
	AZLX_CNUM(struct azlx_vm_row, iops, "iops", true, 1, 100000000),
	AZLX_CNUM(struct azlx_vm_row, mbps, "mbps", true, 1, 10000000),
	AZLX_CNUM(struct azlx_vm_row, burst_iops, "burst_iops", true, 1, 100000000),
	AZLX_CNUM(struct azlx_vm_row, burst_mbps, "burst_mbps", true, 1, 10000000),
	AZLX_CNUM(struct azlx_vm_row, nic_queues, "nic_queues", true, 1, 4096),
	AZLX_CURL(struct azlx_vm_row),
	AZLX_CDATE(struct azlx_vm_row),
};

static const struct azlx_col azlx_aks_cols[] = {
	AZLX_CNUM(struct azlx_aks_row, min_vcpus, "min_vcpus", false, 0, 4096),
	AZLX_CNAME(struct azlx_aks_row, family),
	AZLX_CNAME(struct azlx_aks_row, tier),
	AZLX_CURL(struct azlx_aks_row),
	AZLX_CDATE(struct azlx_aks_row),
};

#define AZLX_NCOLS(a)	(sizeof(a) / sizeof((a)[0]))

struct azlx_tsv {
	const char		*name;
	const struct azlx_col	*cols;
	size_t			ncols;
	void			*rows;
	size_t			row_size, line_off;
	int			max, n;
	/* checks a row against those before it; 0 or a message in err */
	int			(*check)(struct azlx_tsv *t, void *row, char *err, size_t len);
};

static bool azlx_tsv_date(const char *s)
{
	size_t len = strlen(s), i;
	int month, day;

	if (len != 7 && len != 10)
		return false;
	for (i = 0; i < len; i++)
		if ((i == 4 || i == 7) ? s[i] != '-' : !isdigit((unsigned char)s[i]))
			return false;
	month = (s[5] - '0') * 10 + s[6] - '0';
	if (month < 1 || month > 12)
		return false;
	if (len == 10) {
		day = (s[8] - '0') * 10 + s[9] - '0';
		if (day < 1 || day > 31)
			return false;
	}
	return true;
}

/* One field into @row; 0 or a message in @err. */
static int azlx_tsv_field(const struct azlx_col *col, const char *s, void *row,
			  char *err, size_t len)
{
	char *dst = (char *)row + col->off;
	char *end;
	long v;

	if (!*s) {
		azlx_strf(err, len, "column %s is empty", col->name);
		return -EINVAL;
	}
	switch (col->type) {
	case AZLX_COL_NUM:
		if (col->dash && !strcmp(s, "-")) {
			*(long *)dst = -1;
			return 0;
		}
		errno = 0;
		v = strtol(s, &end, 10);
		if (!isdigit((unsigned char)s[0]) || errno || *end) {
			azlx_strf(err, len, "%s: \"%s\" is not a number%s", col->name, s,
				 col->dash ? " or -" : "");
			return -EINVAL;
		}
		if (v < col->min || v > col->max) {
			azlx_strf(err, len, "%s: %ld is out of range (%ld-%ld)", col->name, v,
				 col->min, col->max);
			return -EINVAL;
		}
		*(long *)dst = v;
		return 0;
	case AZLX_COL_NAME:
		if (strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") !=
		    strlen(s) || !strcmp(s, "-")) {
			azlx_strf(err, len, "%s: \"%s\" is not a name", col->name, s);
			return -EINVAL;
		}
		break;
	case AZLX_COL_URL:
		if (strncmp(s, "https://", 8) || !s[8] || strpbrk(s, " \"<>\\")) {
			azlx_strf(err, len, "%s: \"%s\" is not an https:// URL", col->name, s);
			return -EINVAL;
		}
		break;
	case AZLX_COL_DATE:
		/* "unconfirmed": figures not yet checked against the page */
		if (!azlx_tsv_date(s) && strcmp(s, "unconfirmed")) {
			azlx_strf(err, len,
				  "%s: \"%s\" is not a date (YYYY-MM-DD or YYYY-MM) or \"unconfirmed\"",
				 col->name, s);
			return -EINVAL;
		}
		break;
	}
	if (strlen(s) >= col->size) {
		azlx_strf(err, len, "%s: longer than %zu characters", col->name, col->size - 1);
		return -EINVAL;
	}
	azlx_strf(dst, col->size, "%s", s);
	return 0;
}

/* One data line (NUL-terminated, no newline) into a new row. */
static int azlx_tsv_row(struct azlx_tsv *t, char *line, int lineno, char *err, size_t len)
{
	char *row = (char *)t->rows + (size_t)t->n * t->row_size;
	char *fields[AZLX_DATA_MAX_COLS + 1];
	size_t nf = 0, i;
	char *p = line;
	int ret;

	for (;;) {
		char *tab = strchr(p, '\t');

		if (nf <= AZLX_DATA_MAX_COLS)
			fields[nf] = p;
		nf++;
		if (!tab)
			break;
		*tab = '\0';
		p = tab + 1;
	}
	if (nf != t->ncols) {
		azlx_strf(err, len, "%zu fields, expected %zu (tab-separated)", nf, t->ncols);
		return -EINVAL;
	}
	if (t->n == t->max) {
		azlx_strf(err, len, "more than %d rows", t->max);
		return -EINVAL;
	}
	memset(row, 0, t->row_size);
	for (i = 0; i < nf; i++) {
		ret = azlx_tsv_field(&t->cols[i], fields[i], row, err, len);
		if (ret)
			return ret;
	}
	*(int *)(row + t->line_off) = lineno;
	if (t->check) {
		ret = t->check(t, row, err, len);
		if (ret)
			return ret;
	}
	t->n++;
	return 0;
}

static int azlx_tsv_parse(struct azlx_tsv *t, const char *text, char *err, size_t err_len)
{
	char header[512] = "", why[256], *buf, *line, *next;
	bool have_header = false;
	int lineno = 0, ret = 0;
	size_t i;

	for (i = 0; i < t->ncols; i++)
		azlx_strf(header + strlen(header), sizeof(header) - strlen(header), "%s%s",
			 i ? "\t" : "", t->cols[i].name);
	buf = strdup(text);
	if (!buf) {
		azlx_strf(err, err_len, "%s: out of memory", t->name);
		return -ENOMEM;
	}
	t->n = 0;
	for (line = buf; line && *line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		lineno++;
		if (strchr(line, '\r')) {
			azlx_strf(why, sizeof(why), "carriage return (DOS line ending)");
			ret = -EINVAL;
		} else if (!line[0] || line[0] == '#') {
			continue;
		} else if (!have_header) {
			have_header = true;
			if (strcmp(line, header)) {
				azlx_strf(why, sizeof(why), "expected the header \"%s\"", header);
				for (i = 0; why[i]; i++)
					if (why[i] == '\t')
						why[i] = ' ';
				ret = -EINVAL;
			}
		} else {
			ret = azlx_tsv_row(t, line, lineno, why, sizeof(why));
		}
		if (ret)
			break;
	}
	free(buf);
	if (!ret && !have_header) {
		azlx_strf(why, sizeof(why), "no header line");
		lineno = 0;
		ret = -EINVAL;
	} else if (!ret && !t->n) {
		azlx_strf(why, sizeof(why), "no rows");
		lineno = 0;
		ret = -EINVAL;
	}
	if (ret) {
		t->n = 0;
		if (lineno)
			azlx_strf(err, err_len, "%s:%d: %s", t->name, lineno, why);
		else
			azlx_strf(err, err_len, "%s: %s", t->name, why);
	}
	return ret;
}

static int azlx_disk_check(struct azlx_tsv *t, void *r, char *err, size_t len)
{
	const struct azlx_disk_row *rows = t->rows, *row = r;
	int i;

	for (i = 0; i < t->n; i++) {
		if (!strcasecmp(rows[i].tier, row->tier)) {
			azlx_strf(err, len, "tier %s again (line %d)", row->tier, rows[i].line);
			return -EINVAL;
		}
		if (!strcmp(rows[i].family, row->family) && rows[i].max_gib >= row->max_gib) {
			azlx_strf(err, len, "max_gib %ld: not above %s's %ld (line %d)",
				 row->max_gib, rows[i].tier, rows[i].max_gib, rows[i].line);
			return -EINVAL;
		}
	}
	if ((row->burst_iops < 0) != (row->burst_mbps < 0) ||
	    (row->od_iops < 0) != (row->od_mbps < 0)) {
		azlx_strf(err, len, "a burst needs both IOPS and MB/s, or neither");
		return -EINVAL;
	}
	if ((row->burst_iops >= 0 && (row->burst_iops < row->iops || row->burst_mbps < row->mbps)) ||
	    (row->od_iops >= 0 && (row->od_iops < row->iops || row->od_mbps < row->mbps))) {
		azlx_strf(err, len, "a burst below the baseline (%ld IOPS, %ld MB/s)",
			 row->iops, row->mbps);
		return -EINVAL;
	}
	return 0;
}

static int azlx_vm_check(struct azlx_tsv *t, void *r, char *err, size_t len)
{
	const struct azlx_vm_row *rows = t->rows, *row = r;
	int i;

	for (i = 0; i < t->n; i++) {
		if (!strcasecmp(rows[i].size, row->size)) {
			azlx_strf(err, len, "size %s again (line %d)", row->size, rows[i].line);
			return -EINVAL;
		}
	}
	if ((row->iops < 0) != (row->mbps < 0) || (row->burst_iops < 0) != (row->burst_mbps < 0)) {
		azlx_strf(err, len, "a cap needs both IOPS and MB/s, or neither");
		return -EINVAL;
	}
	if (row->burst_iops >= 0 &&
	    (row->iops < 0 || row->burst_iops < row->iops || row->burst_mbps < row->mbps)) {
		azlx_strf(err, len, "a burst without a baseline or below it");
		return -EINVAL;
	}
	return 0;
}

static int azlx_aks_check(struct azlx_tsv *t, void *r, char *err, size_t len)
{
	const struct azlx_aks_row *rows = t->rows, *row = r;

	if (t->n && rows[t->n - 1].min_vcpus >= row->min_vcpus) {
		azlx_strf(err, len, "min_vcpus %ld: not above %ld (line %d)", row->min_vcpus,
			 rows[t->n - 1].min_vcpus, rows[t->n - 1].line);
		return -EINVAL;
	}
	return 0;
}

/* Parses into a scratch table, copied over the live one only when all is well. */
static int azlx_data_parse(struct azlx_table *tab, void *live, size_t row_size, int max,
			   const struct azlx_col *cols, size_t ncols, size_t line_off,
			   int (*check)(struct azlx_tsv *, void *, char *, size_t),
			   const char *text, const char *name, char *err, size_t err_len)
{
	struct azlx_tsv t = {
		.name = name, .cols = cols, .ncols = ncols, .row_size = row_size,
		.line_off = line_off, .max = max, .check = check,
	};
	int ret;

	t.rows = calloc((size_t)max, row_size);
	if (!t.rows) {
		azlx_strf(err, err_len, "%s: out of memory", name);
		return -ENOMEM;
	}
	ret = azlx_tsv_parse(&t, text, err, err_len);
	if (!ret) {
		memcpy(live, t.rows, (size_t)t.n * row_size);
		tab->n = t.n;
		tab->tried = true;
		tab->err[0] = '\0';
		azlx_strf(tab->path, sizeof(tab->path), "%s", name);
	}
	free(t.rows);
	return ret;
}

int azlx_data_parse_disks(const char *text, const char *name, char *err, size_t err_len)
{
	return azlx_data_parse(&azlx_data.disks_t, azlx_data.disks, sizeof(azlx_data.disks[0]),
			       AZLX_DATA_MAX_DISKS, azlx_disk_cols, AZLX_NCOLS(azlx_disk_cols),
			       offsetof(struct azlx_disk_row, line), azlx_disk_check,
			       text, name, err, err_len);
}

int azlx_data_parse_vms(const char *text, const char *name, char *err, size_t err_len)
{
	return azlx_data_parse(&azlx_data.vms_t, azlx_data.vms, sizeof(azlx_data.vms[0]),
			       AZLX_DATA_MAX_VMS, azlx_vm_cols, AZLX_NCOLS(azlx_vm_cols),
			       offsetof(struct azlx_vm_row, line), azlx_vm_check,
			       text, name, err, err_len);
}

int azlx_data_parse_aks_os(const char *text, const char *name, char *err, size_t err_len)
{
	return azlx_data_parse(&azlx_data.aks_t, azlx_data.aks, sizeof(azlx_data.aks[0]),
			       AZLX_DATA_MAX_AKS, azlx_aks_cols, AZLX_NCOLS(azlx_aks_cols),
			       offsetof(struct azlx_aks_row, line), azlx_aks_check,
			       text, name, err, err_len);
}

/* ---- finding and loading the files -------------------------------------------------- */

static bool azlx_is_file(const char *path)
{
	return access(path, R_OK) == 0;
}

void azlx_data_path(const struct azlx_tconf *c, const char *file, char *buf, size_t len)
{
	const struct azlx_cstr *conf = NULL;
	char exe[PATH_MAX], *slash;
	const char *env;
	ssize_t n;

	if (c && !strcmp(file, AZLX_DATA_DISKS))
		conf = &c->data_disks;
	else if (c && !strcmp(file, AZLX_DATA_VMS))
		conf = &c->data_vms;
	else if (c && !strcmp(file, AZLX_DATA_AKS_OS))
		conf = &c->data_aks_os;
	if (conf && conf->set) {
		azlx_strf(buf, len, "%s", conf->s);
		return;
	}
	env = getenv(AZLX_DATA_ENV);
	if (env && *env) {
		azlx_strf(buf, len, "%s/%s", env, file);
		return;
	}
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n > 0) {
		exe[n] = '\0';
		slash = strrchr(exe, '/');
		if (slash)
			*slash = '\0';
#if defined(AZLXNET_BUILD_DIR) && defined(AZLXNET_SRC_DATA)
		/* the tool as built, in its build directory: the source tree's files */
		if (!strncmp(exe, AZLXNET_BUILD_DIR, strlen(AZLXNET_BUILD_DIR)) &&
		    (exe[strlen(AZLXNET_BUILD_DIR)] == '/' || !exe[strlen(AZLXNET_BUILD_DIR)])) {
			azlx_strf(buf, len, "%s/%s", AZLXNET_SRC_DATA, file);
			return;
		}
#endif
		/* installed: PREFIX/sbin/azlxnet and PREFIX/share/azlxnet */
		azlx_strf(buf, len, "%s/../share/azlxnet/%s", exe, file);
		if (azlx_is_file(buf))
			return;
	}
	azlx_strf(buf, len, "%s/%s", AZLXNET_DATADIR, file);
}

static int azlx_data_read(const char *path, char **text, char *err, size_t err_len)
{
	size_t len;
	FILE *f;
	int ret;

	*text = NULL;
	f = fopen(path, "re");
	if (!f) {
		ret = -errno;
		azlx_strf(err, err_len, "%s: %s", path, strerror(errno));
		return ret;
	}
	*text = malloc(AZLX_DATA_MAX_BYTES + 1);
	if (!*text) {
		fclose(f);
		return -ENOMEM;
	}
	len = fread(*text, 1, AZLX_DATA_MAX_BYTES + 1, f);
	ret = ferror(f) ? -EIO : 0;
	fclose(f);
	if (ret)
		azlx_strf(err, err_len, "%s: read error", path);
	else if (len > AZLX_DATA_MAX_BYTES)
		ret = -EFBIG;
	if (ret == -EFBIG)
		azlx_strf(err, err_len, "%s: larger than %d bytes", path, AZLX_DATA_MAX_BYTES);
	if (!ret) {
		(*text)[len] = '\0';
		if (strlen(*text) != len) {
			azlx_strf(err, err_len, "%s: not a text file (NUL byte)", path);
			ret = -EINVAL;
		}
	}
	if (ret) {
		free(*text);
		*text = NULL;
	}
	return ret;
}

static int azlx_data_load_one(struct azlx_table *tab, const char *path,
			      int (*parse)(const char *, const char *, char *, size_t),
			      char *err, size_t err_len)
{
	char *text;
	int ret;

	if (tab->tried && !strcmp(tab->path, path)) {
		azlx_strf(err, err_len, "%s", tab->err);
		return tab->err[0] ? -EINVAL : 0;
	}
	tab->n = 0;
	ret = azlx_data_read(path, &text, err, err_len);
	if (!ret) {
		ret = parse(text, path, err, err_len);
		free(text);
	}
	tab->tried = true;
	azlx_strf(tab->path, sizeof(tab->path), "%s", path);
	azlx_strf(tab->err, sizeof(tab->err), "%s", ret ? err : "");
	return ret;
}

int azlx_data_load(const struct azlx_tconf *c, char *err, size_t err_len)
{
	char path[PATH_MAX], e[512];
	int ret = 0, r;

	err[0] = '\0';
	azlx_data_path(c, AZLX_DATA_DISKS, path, sizeof(path));
	r = azlx_data_load_one(&azlx_data.disks_t, path, azlx_data_parse_disks, e, sizeof(e));
	if (r && !ret) {
		ret = r;
		azlx_strf(err, err_len, "%s", e);
	}
	azlx_data_path(c, AZLX_DATA_VMS, path, sizeof(path));
	r = azlx_data_load_one(&azlx_data.vms_t, path, azlx_data_parse_vms, e, sizeof(e));
	if (r && !ret) {
		ret = r;
		azlx_strf(err, err_len, "%s", e);
	}
	azlx_data_path(c, AZLX_DATA_AKS_OS, path, sizeof(path));
	r = azlx_data_load_one(&azlx_data.aks_t, path, azlx_data_parse_aks_os, e, sizeof(e));
	if (r && !ret) {
		ret = r;
		azlx_strf(err, err_len, "%s", e);
	}
	return ret;
}

const char *azlx_data_error(const char *file)
{
	const struct azlx_table *t = !strcmp(file, AZLX_DATA_DISKS) ? &azlx_data.disks_t :
				     !strcmp(file, AZLX_DATA_VMS) ? &azlx_data.vms_t : &azlx_data.aks_t;

	return t->err[0] ? t->err : NULL;
}

void azlx_data_reset(void)
{
	memset(&azlx_data.disks_t, 0, sizeof(azlx_data.disks_t));
	memset(&azlx_data.vms_t, 0, sizeof(azlx_data.vms_t));
	memset(&azlx_data.aks_t, 0, sizeof(azlx_data.aks_t));
}

/* Loads with @c, warning once per distinct error. */
static void azlx_data_ensure(const struct azlx_tconf *c)
{
	static char warned[512];
	char err[512];

	if (azlx_data_load(c, err, sizeof(err)) && strcmp(err, warned)) {
		azlx_warn("%s: disk budgets from it are unknown", err);
		azlx_strf(warned, sizeof(warned), "%s", err);
	}
}

/* Lookups without a configuration use what is loaded, or the default files. */
static void azlx_data_default(void)
{
	static const struct {
		struct azlx_table	*tab;
		const char		*file;
		int			(*parse)(const char *, const char *, char *, size_t);
	} t[] = {
		{ &azlx_data.disks_t, AZLX_DATA_DISKS, azlx_data_parse_disks },
		{ &azlx_data.vms_t, AZLX_DATA_VMS, azlx_data_parse_vms },
		{ &azlx_data.aks_t, AZLX_DATA_AKS_OS, azlx_data_parse_aks_os },
	};
	char path[PATH_MAX], err[512];
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		if (t[i].tab->tried)
			continue;
		azlx_data_path(NULL, t[i].file, path, sizeof(path));
		if (azlx_data_load_one(t[i].tab, path, t[i].parse, err, sizeof(err)))
			azlx_warn("%s: disk budgets from it are unknown", err);
	}
}

/* ---- lookups ------------------------------------------------------------------------ */

static const char *azlx_family_name(const char *family)
{
	if (!strcasecmp(family, "Premium"))
		return "Premium SSD";
	if (!strcasecmp(family, "StandardSSD"))
		return "Standard SSD";
	if (!strcasecmp(family, "Standard"))
		return "Standard HDD";
	return family;
}

static void azlx_origin_row(struct azlx_origin *o, enum azlx_bsrc from, const char *file,
			    int line, const char *url, const char *read)
{
	o->from = from;
	azlx_strf(o->file, sizeof(o->file), "%s", file);
	o->line = line;
	azlx_strf(o->url, sizeof(o->url), "%s", url);
	azlx_strf(o->read, sizeof(o->read), "%s", read);
}

static void azlx_budget_row(const struct azlx_disk_row *r, long size_gb, struct azlx_budget *b)
{
	char size[32] = "";

	b->known = true;
	azlx_strf(b->tier, sizeof(b->tier), "%s", r->tier);
	b->iops = r->iops;
	b->mbps = r->mbps;
	b->burst_iops = r->burst_iops >= 0 ? r->burst_iops : r->iops;
	b->burst_mbps = r->burst_mbps >= 0 ? r->burst_mbps : r->mbps;
	b->od_burst_iops = r->od_iops;
	b->od_burst_mbps = r->od_mbps;
	b->iops_unit_kib = r->unit_kib > 0 ? (unsigned int)r->unit_kib : 0;
	azlx_origin_row(&b->origin, AZLX_BSRC_DATA, azlx_data.disks_t.path, r->line, r->url,
			r->read);
	if (size_gb > 0)
		azlx_strf(size, sizeof(size), " (%ld GiB)", size_gb);
	azlx_strf(b->source, sizeof(b->source), "%s %s%s: %s:%d, %s (read %s)",
		 azlx_family_name(r->family), r->tier, size, azlx_data.disks_t.path, r->line,
		 r->url, r->read);
}

static void azlx_budget_unknown(struct azlx_budget *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void azlx_budget_unknown(struct azlx_budget *b, const char *fmt, ...)
{
	char why[sizeof(b->source) - 16];
	va_list ap;

	memset(b, 0, sizeof(*b));
	b->od_burst_iops = b->od_burst_mbps = -1;
	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	azlx_strf(b->source, sizeof(b->source), "unknown: %s", why);
}

static bool azlx_type_is(const char *type, const char *family)
{
	size_t n = strlen(family);

	return !strncasecmp(type, family, n) && (type[n] == '_' || !type[n]);
}

void azlx_budget_for(const char *type, long size_gb, long iops, long mbps,
		     struct azlx_budget *b)
{
	const struct azlx_disk_row *last = NULL;
	char family[32];
	int i;

	azlx_data_default();
	if (azlx_type_is(type, "PremiumV2") || azlx_type_is(type, "UltraSSD")) {
		const char *what = azlx_type_is(type, "UltraSSD") ? "Ultra Disk" : "Premium SSD v2";

		if (iops <= 0 || mbps <= 0) {
			azlx_budget_unknown(b, "%s: IOPS and MB/s are provisioned per disk and IMDS did "
					    "not report them (opsPerSecondThrottle, "
					    "bytesPerSecondThrottle): set iops and mbps in "
					    "[disk NAME] of the configuration", what);
			return;
		}
		memset(b, 0, sizeof(*b));
		b->known = true;
		azlx_strf(b->tier, sizeof(b->tier), "%s",
			 azlx_type_is(type, "UltraSSD") ? "Ultra" : "PremiumV2");
		b->iops = b->burst_iops = iops;
		b->mbps = b->burst_mbps = mbps;
		b->od_burst_iops = b->od_burst_mbps = -1;
		azlx_origin_row(&b->origin, AZLX_BSRC_IMDS, "", 0, AZLX_IMDS_DOC, "");
		azlx_strf(b->source, sizeof(b->source),
			 "%s, provisioned: IMDS opsPerSecondThrottle and bytesPerSecondThrottle "
			 "(%s)", what, AZLX_IMDS_DOC);
		return;
	}
	if (azlx_data.disks_t.err[0]) {
		azlx_budget_unknown(b, "%s", azlx_data.disks_t.err);
		return;
	}
	azlx_strf(family, sizeof(family), "%.*s", (int)strcspn(type, "_"), type);
	for (i = 0; i < azlx_data.disks_t.n; i++) {
		const struct azlx_disk_row *r = &azlx_data.disks[i];

		if (strcasecmp(r->family, family))
			continue;
		last = r;
		if (size_gb > 0 && size_gb <= r->max_gib) {
			memset(b, 0, sizeof(*b));
			azlx_budget_row(r, size_gb, b);
			return;
		}
	}
	if (!last)
		azlx_budget_unknown(b, "disk type \"%s\" is not in %s", type,
				    azlx_data.disks_t.path);
	else if (size_gb <= 0)
		azlx_budget_unknown(b, "%s without a size", type);
	else
		azlx_budget_unknown(b, "%s of %ld GiB: larger than the largest size in %s "
				    "(%s, %ld GiB)", type, size_gb, azlx_data.disks_t.path,
				    last->tier, last->max_gib);
}

bool azlx_budget_for_tier(const char *tier, struct azlx_budget *b)
{
	int i;

	azlx_data_default();
	for (i = 0; i < azlx_data.disks_t.n; i++) {
		if (!strcasecmp(azlx_data.disks[i].tier, tier)) {
			memset(b, 0, sizeof(*b));
			azlx_budget_row(&azlx_data.disks[i], -1, b);
			return true;
		}
	}
	if (azlx_data.disks_t.err[0])
		azlx_budget_unknown(b, "%s", azlx_data.disks_t.err);
	else
		azlx_budget_unknown(b, "tier \"%s\" is not in %s", tier, azlx_data.disks_t.path);
	return false;
}

static const struct azlx_aks_row *azlx_aks_row(int vcpus)
{
	const struct azlx_aks_row *found = NULL;
	int i;

	azlx_data_default();
	for (i = 0; i < azlx_data.aks_t.n; i++)
		if (azlx_data.aks[i].min_vcpus <= vcpus)
			found = &azlx_data.aks[i];
	return found;
}

const char *azlx_aks_os_tier(int vcpus)
{
	const struct azlx_aks_row *r = azlx_aks_row(vcpus);

	return r ? r->tier : NULL;
}

const struct azlx_vmsize *azlx_vmsize_find(const char *name)
{
	struct azlx_vmsize *v = &azlx_data.found;
	int i;

	azlx_data_default();
	for (i = 0; i < azlx_data.vms_t.n; i++) {
		const struct azlx_vm_row *r = &azlx_data.vms[i];

		if (strcasecmp(r->size, name))
			continue;
		memset(v, 0, sizeof(*v));
		v->known = true;
		azlx_strf(v->name, sizeof(v->name), "%s", r->size);
		v->vcpus = (int)r->vcpus;
		v->iops = r->iops;
		v->mbps = r->mbps;
		v->burst_iops = r->burst_iops;
		v->burst_mbps = r->burst_mbps;
		v->nic_queues = r->nic_queues;
		azlx_origin_row(&v->origin, AZLX_BSRC_DATA, azlx_data.vms_t.path, r->line, r->url,
				r->read);
		azlx_strf(v->source, sizeof(v->source), "%s: %s:%d, %s (read %s)", r->size,
			 azlx_data.vms_t.path, r->line, r->url, r->read);
		return v;
	}
	return NULL;
}

/* ---- a disk's budget, a VM's cap ---------------------------------------------------- */

void azlx_disk_budget(const struct azlx_node *n, const struct azlx_imds *m,
		      const struct azlx_tconf *c, const struct azlx_disk *d,
		      struct azlx_budget *b)
{
	const struct azlx_tconf_disk *cd, *all;
	const struct azlx_imds_disk *md = NULL;
	char src[sizeof(b->source)];

	azlx_data_ensure(c);
	cd = azlx_tconf_disk_for(c, d, &all);
	if (m && m->valid) {
		if (d->kind == AZLX_DISK_OS && m->has_os)
			md = &m->os;
		else if (d->kind == AZLX_DISK_DATA)
			md = azlx_imds_data_disk(m, d->lun);
	}
	if (cd && cd->tier.set) {
		/* the figures from the data file, the tier from the configuration */
		if (azlx_budget_for_tier(cd->tier.s, b))
			azlx_strf(src, sizeof(src), "%s; tier set in %s:%d", b->source, c->path,
				 cd->tier.line);
		else
			azlx_strf(src, sizeof(src), "%s (%s:%d)", b->source, c->path, cd->tier.line);
		azlx_strf(b->source, sizeof(b->source), "%s", src);
		return;
	}
	/* provisioned disks: IMDS where it reports them, else the configuration */
	if (md && (azlx_type_is(md->type, "PremiumV2") || azlx_type_is(md->type, "UltraSSD")) &&
	    md->iops > 0 && md->mbps > 0) {
		azlx_budget_for(md->type, md->size_gb, md->iops, md->mbps, b);
		azlx_strf(src, sizeof(src), "%s, %s", b->source, m->source[0] ? m->source : "IMDS");
		azlx_strf(b->source, sizeof(b->source), "%s", src);
		return;
	}
	if (cd && cd->iops.set && cd->mbps.set) {
		memset(b, 0, sizeof(*b));
		b->known = true;
		azlx_strf(b->tier, sizeof(b->tier), "configured");
		b->iops = b->burst_iops = cd->iops.v;
		b->mbps = b->burst_mbps = cd->mbps.v;
		b->od_burst_iops = b->od_burst_mbps = -1;
		b->iops_unit_kib = 256;
		azlx_origin_row(&b->origin, AZLX_BSRC_CONFIG, c->path, cd->iops.line, "", "");
		azlx_strf(b->source, sizeof(b->source), "%s:%d", c->path, cd->iops.line);
		return;
	}
	if (md) {
		azlx_budget_for(md->type, md->size_gb, md->iops, md->mbps, b);
		if (b->known)
			azlx_strf(src, sizeof(src), "%s; type and size from %s", b->source,
				 m->source[0] ? m->source : "IMDS");
		else
			azlx_strf(src, sizeof(src), "%s (%s)", b->source,
				 m->source[0] ? m->source : "IMDS");
		azlx_strf(b->source, sizeof(b->source), "%s", src);
		return;
	}
	if (d->kind == AZLX_DISK_OS && (!m || !m->valid)) {
		const struct azlx_aks_row *r = azlx_aks_row(n->ncpus);

		if (!r) {
			azlx_budget_unknown(b, "no IMDS, and %s", azlx_data.aks_t.err[0] ?
					    azlx_data.aks_t.err : "no AKS default OS disk for this node");
			return;
		}
		if (!azlx_budget_for_tier(r->tier, b)) {
			azlx_strf(src, sizeof(src), "%s (%s:%d)", b->source, azlx_data.aks_t.path,
				 r->line);
			azlx_strf(b->source, sizeof(b->source), "%s", src);
			return;
		}
		b->origin.from = AZLX_BSRC_ASSUMED;
		azlx_strf(src, sizeof(src),
			 "assumed %s: AKS's default OS disk for %d vCPUs (no IMDS): %s:%d, %s (read %s); %s",
			 b->tier, n->ncpus, azlx_data.aks_t.path, r->line, r->url, r->read, b->source);
		azlx_strf(b->source, sizeof(b->source), "%s", src);
		return;
	}
	azlx_budget_unknown(b, "%s", d->kind == AZLX_DISK_RESOURCE ? "local resource disk" :
			    m && m->valid ? "no IMDS entry for this LUN" : "no IMDS");
}

void azlx_vm_budget(const struct azlx_imds *m, const struct azlx_tconf *c,
		    struct azlx_vmsize *v)
{
	const struct azlx_vmsize *row = NULL;
	const char *size = "";
	char src[sizeof(v->source)];

	azlx_data_ensure(c);
	memset(v, 0, sizeof(*v));
	v->iops = v->mbps = v->burst_iops = v->burst_mbps = v->nic_queues = -1;
	if (c && c->vm_size.set)
		size = c->vm_size.s;
	else if (m && m->valid)
		size = m->vm_size;
	azlx_strf(v->name, sizeof(v->name), "%s", size);
	if (size[0])
		row = azlx_vmsize_find(size);
	if (row) {
		*v = *row;
		if (v->iops < 0)
			azlx_strf(v->source, sizeof(v->source), "%s has no uncached disk cap: %s",
				 size, row->source);
	} else if (!size[0]) {
		azlx_strf(v->source, sizeof(v->source), "unknown: no VM size (no IMDS, no [vm] size)");
	} else if (azlx_data.vms_t.err[0]) {
		azlx_strf(v->source, sizeof(v->source), "unknown: %s", azlx_data.vms_t.err);
	} else {
		azlx_strf(v->source, sizeof(v->source), "unknown: VM size %s is not in %s", size,
			 azlx_data.vms_t.path);
	}
	if (c && (c->vm_iops.set || c->vm_mbps.set)) {
		int line = c->vm_iops.set ? c->vm_iops.line : c->vm_mbps.line;

		if (c->vm_iops.set)
			v->iops = v->burst_iops = c->vm_iops.v;
		if (c->vm_mbps.set)
			v->mbps = v->burst_mbps = c->vm_mbps.v;
		azlx_origin_row(&v->origin, AZLX_BSRC_CONFIG, c->path, line, "", "");
		azlx_strf(src, sizeof(src), "%s:%d", c->path, line);
		azlx_strf(v->source, sizeof(v->source), "%s", src);
	}
}

/* ---- printing ----------------------------------------------------------------------- */

const char *azlx_bsrc_name(enum azlx_bsrc s)
{
	static const char *const names[] = {
		[AZLX_BSRC_UNKNOWN]	= "unknown",
		[AZLX_BSRC_DATA]	= "data",
		[AZLX_BSRC_IMDS]	= "imds",
		[AZLX_BSRC_CONFIG]	= "config",
		[AZLX_BSRC_ASSUMED]	= "assumed",
	};

	return names[s];
}

static void azlx_print_str_or_null(const char *key, const char *s)
{
	if (s[0])
		azlx_print_string(AZLX_PRINT_JSON, key, NULL, s);
	else
		azlx_print_null(key);
}

void azlx_origin_print(const struct azlx_origin *o)
{
	azlx_print_string(AZLX_PRINT_JSON, "from", NULL, azlx_bsrc_name(o->from));
	azlx_print_str_or_null("file", o->file);
	if (o->line)
		azlx_print_int(AZLX_PRINT_JSON, "line", NULL, o->line);
	else
		azlx_print_null("line");
	azlx_print_str_or_null("url", o->url);
	azlx_print_str_or_null("read", o->read);
}

static void azlx_print_long(const char *key, const char *fmt, long v)
{
	if (v >= 0)
		azlx_print_uint(AZLX_PRINT_ANY, key, fmt, (unsigned long long)v);
	else
		azlx_print_null(key);
}

void azlx_budgets_print(const struct azlx_node *n, const struct azlx_imds *m,
			const struct azlx_tconf *c)
{
	struct azlx_vmsize v;
	struct azlx_budget b;
	int i;

	azlx_vm_budget(m, c, &v);
	azlx_print_open_object("vm");
	azlx_print_string(AZLX_PRINT_ANY, "size", "vm: %s", v.name[0] ? v.name : "unknown");
	azlx_print_long("iops", ", cap %llu IOPS", v.iops);
	azlx_print_long("mbps", " / %llu MB/s", v.mbps);
	azlx_print_long("burst_iops", " (burst %llu", v.burst_iops);
	azlx_print_long("burst_mbps", " / %llu)", v.burst_mbps);
	azlx_print_long("nic_queues", ", %llu NIC queues", v.nic_queues);
	azlx_print_string(AZLX_PRINT_ANY, "source", "\n  from %s\n", v.source);
	azlx_print_open_object("origin");
	azlx_origin_print(&v.origin);
	azlx_print_close_object();
	azlx_print_close_object();

	azlx_print_text("disk budgets:\n");
	azlx_print_open_array("budgets");
	for (i = 0; i < n->ndisks; i++) {
		const struct azlx_disk *d = &n->disks[i];

		if (!d->azure)
			continue;
		azlx_disk_budget(n, m, c, d, &b);
		azlx_print_open_object(NULL);
		azlx_print_string(AZLX_PRINT_ANY, "name", "  %s", d->name);
		if (b.known) {
			azlx_print_string(AZLX_PRINT_ANY, "tier", " %s", b.tier);
			azlx_print_uint(AZLX_PRINT_ANY, "iops", ": %llu IOPS", b.iops);
			azlx_print_uint(AZLX_PRINT_ANY, "mbps", " / %llu MB/s", b.mbps);
			azlx_print_uint(AZLX_PRINT_ANY, "burst_iops", ", burst %llu",
					b.burst_iops);
			azlx_print_uint(AZLX_PRINT_ANY, "burst_mbps", " / %llu", b.burst_mbps);
			azlx_print_long("od_burst_iops", ", on-demand burst %llu", b.od_burst_iops);
			azlx_print_long("od_burst_mbps", " / %llu", b.od_burst_mbps);
			if (b.iops_unit_kib)
				azlx_print_uint(AZLX_PRINT_ANY, "iops_unit_kib",
						", IOPS of %llu KiB", b.iops_unit_kib);
			else
				azlx_print_null("iops_unit_kib");
		} else {
			azlx_print_null("tier");
			azlx_print_text(": unknown");
		}
		azlx_print_string(AZLX_PRINT_ANY, "source", "\n    from %s\n", b.source);
		azlx_print_open_object("origin");
		azlx_origin_print(&b.origin);
		azlx_print_close_object();
		azlx_print_close_object();
	}
	azlx_print_close_array();
}
