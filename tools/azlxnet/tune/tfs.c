// SPDX-License-Identifier: GPL-2.0-only
/*
 * Every sysfs and procfs access of azlxnet tune goes through here, so that
 * --root DIR can stand a fake tree in for the machine. CPU sets and lists in
 * the kernel's formats.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sysfs.h"

#include "tfs.h"

static char azlx_root_dir[PATH_MAX] = "";

void azlx_strf(char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, len, fmt, ap);
	va_end(ap);
}

void azlx_root_set(const char *dir)
{
	size_t len;

	if (!dir || !strcmp(dir, "/")) {
		azlx_root_dir[0] = '\0';
		return;
	}
	snprintf(azlx_root_dir, sizeof(azlx_root_dir), "%s", dir);
	len = strlen(azlx_root_dir);
	while (len > 1 && azlx_root_dir[len - 1] == '/')
		azlx_root_dir[--len] = '\0';
}

const char *azlx_root(void)
{
	return azlx_root_dir[0] ? azlx_root_dir : "/";
}

bool azlx_root_is_fake(void)
{
	return azlx_root_dir[0] != '\0';
}

int azlx_root_path(const char *abs, char *buf, size_t len)
{
	int n = snprintf(buf, len, "%s%s", azlx_root_dir, abs);

	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

int azlx_fs_read(const char *abs, char *buf, size_t len)
{
	char path[PATH_MAX];
	int err;

	err = azlx_root_path(abs, path, sizeof(path));
	if (err)
		return err;
	return azlx_read_line(path, buf, len, "\n ");
}

char *azlx_fs_read_all(const char *abs, size_t *lenp)
{
	char path[PATH_MAX], *buf = NULL, *nbuf;
	size_t len = 0, cap = 0;
	ssize_t n;
	int fd;

	if (azlx_root_path(abs, path, sizeof(path))) {
		errno = ENAMETOOLONG;
		return NULL;
	}
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	for (;;) {
		if (cap - len < 4096) {
			cap = cap ? cap * 2 : 8192;
			nbuf = realloc(buf, cap);
			if (!nbuf)
				goto err;
			buf = nbuf;
		}
		n = read(fd, buf + len, cap - len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			goto err;
		if (!n)
			break;
		len += n;
	}
	close(fd);
	buf[len] = '\0';
	if (lenp)
		*lenp = len;
	return buf;
err:
	n = errno;
	close(fd);
	free(buf);
	errno = n;
	return NULL;
}

/*
 * Under a fake root, a selector file ("[none] mq-deadline kyber") takes the
 * kernel's semantics: writing a listed word moves the brackets to it.
 */
static int azlx_fake_selector(const char *path, const char *val, char *out, size_t len)
{
	char cur[1024], word[128], *p, *tok, *save = NULL;
	size_t used = 0;
	bool found = false;
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, cur, sizeof(cur) - 1);
	close(fd);
	if (n < 0)
		return -errno;
	cur[n] = '\0';
	if (!strchr(cur, '['))
		return 0;	/* a plain file */
	out[0] = '\0';
	for (tok = strtok_r(cur, " \n", &save); tok; tok = strtok_r(NULL, " \n", &save)) {
		p = tok;
		if (*p == '[')
			p++;
		snprintf(word, sizeof(word), "%.*s", (int)strcspn(p, "]"), p);
		if (!strcmp(word, val))
			found = true;
		used += snprintf(out + used, len > used ? len - used : 0, "%s%s%s%s",
				 used ? " " : "", !strcmp(word, val) ? "[" : "", word,
				 !strcmp(word, val) ? "]" : "");
	}
	if (!found)
		return -EINVAL;
	if (used + 2 >= len)
		return -ENAMETOOLONG;
	strcat(out, "\n");
	return 1;
}

int azlx_fs_write(const char *abs, const char *val)
{
	char path[PATH_MAX], sel[1024], line[1024];
	const char *data = val;
	size_t len;
	ssize_t n;
	int fd, err;

	err = azlx_root_path(abs, path, sizeof(path));
	if (err)
		return err;
	if (azlx_root_is_fake()) {
		err = azlx_fake_selector(path, val, sel, sizeof(sel));
		if (err < 0)
			return err;
		if (err) {
			data = sel;
		} else if (!*val || val[strlen(val) - 1] != '\n') {
			/* the kernel shows attributes with a newline */
			if ((size_t)snprintf(line, sizeof(line), "%s\n", val) >= sizeof(line))
				return -EINVAL;
			data = line;
		}
	}
	/* O_TRUNC: a fake tree is plain files; sysfs ignores it */
	fd = open(path, O_WRONLY | O_CLOEXEC | (azlx_root_is_fake() ? O_TRUNC : 0));
	if (fd < 0)
		return -errno;
	len = strlen(data);
	do {
		n = write(fd, data, len);
	} while (n < 0 && errno == EINTR);
	err = n < 0 ? -errno : (size_t)n != len ? -EIO : 0;
	if (close(fd) && !err)
		err = -errno;
	return err;
}

int azlx_fs_replace(const char *abs, const char *data, size_t len, unsigned int mode)
{
	char path[PATH_MAX], tmp[PATH_MAX + 16];
	size_t off = 0;
	ssize_t n;
	int fd, err = 0;

	if (azlx_root_path(abs, path, sizeof(path)) ||
	    snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp))
		return -ENAMETOOLONG;
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	if (fd < 0)
		return -errno;
	while (off < len) {
		n = write(fd, data + off, len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			err = -errno;
			break;
		}
		off += n;
	}
	if (!err && fsync(fd))
		err = -errno;
	if (close(fd) && !err)
		err = -errno;
	if (!err && rename(tmp, path))
		err = -errno;
	if (err)
		unlink(tmp);
	return err;
}

bool azlx_fs_exists(const char *abs)
{
	char path[PATH_MAX];

	return !azlx_root_path(abs, path, sizeof(path)) && !access(path, F_OK);
}

bool azlx_fs_is_dir(const char *abs)
{
	char path[PATH_MAX];
	struct stat st;

	return !azlx_root_path(abs, path, sizeof(path)) && !stat(path, &st) &&
	       S_ISDIR(st.st_mode);
}

int azlx_fs_readlink(const char *abs, char *buf, size_t len)
{
	char path[PATH_MAX];
	ssize_t n;

	if (azlx_root_path(abs, path, sizeof(path)))
		return -ENAMETOOLONG;
	n = readlink(path, buf, len - 1);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	return 0;
}

int azlx_fs_link_name(const char *abs, char *buf, size_t len)
{
	char target[PATH_MAX];
	const char *p;
	int err;

	err = azlx_fs_readlink(abs, target, sizeof(target));
	if (err)
		return err;
	p = strrchr(target, '/');
	snprintf(buf, len, "%s", p ? p + 1 : target);
	return 0;
}

int azlx_fs_realpath(const char *abs, char *buf, size_t len)
{
	char path[PATH_MAX], res[PATH_MAX];
	size_t rlen = strlen(azlx_root_dir);

	if (azlx_root_path(abs, path, sizeof(path)))
		return -ENAMETOOLONG;
	if (!realpath(path, res))
		return -errno;
	if (rlen) {
		char rroot[PATH_MAX];

		/* the root itself may sit behind a symlink (/tmp) */
		if (!realpath(azlx_root_dir, rroot))
			return -errno;
		rlen = strlen(rroot);
		if (strncmp(res, rroot, rlen) || (res[rlen] && res[rlen] != '/'))
			return -EXDEV;
	}
	snprintf(buf, len, "%s", res[rlen] ? res + rlen : "/");
	return 0;
}

DIR *azlx_fs_opendir(const char *abs)
{
	char path[PATH_MAX];

	if (azlx_root_path(abs, path, sizeof(path))) {
		errno = ENAMETOOLONG;
		return NULL;
	}
	return opendir(path);
}

static int azlx_name_cmp(const void *a, const void *b)
{
	const char *x = *(char *const *)a, *y = *(char *const *)b;

	/* natural order: "rx-2" before "rx-10" */
	while (*x && *y) {
		if (*x >= '0' && *x <= '9' && *y >= '0' && *y <= '9') {
			char *ex, *ey;
			unsigned long vx = strtoul(x, &ex, 10), vy = strtoul(y, &ey, 10);

			if (vx != vy)
				return vx < vy ? -1 : 1;
			x = ex;
			y = ey;
			continue;
		}
		if (*x != *y)
			return (unsigned char)*x - (unsigned char)*y;
		x++;
		y++;
	}
	return (unsigned char)*x - (unsigned char)*y;
}

int azlx_fs_list(const char *abs, char ***namesp, size_t *np)
{
	char **names = NULL, **nn;
	size_t n = 0, cap = 0;
	struct dirent *de;
	DIR *dir;

	*namesp = NULL;
	*np = 0;
	dir = azlx_fs_opendir(abs);
	if (!dir)
		return -errno;
	while ((de = readdir(dir))) {
		if (de->d_name[0] == '.')
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 16;
			nn = realloc(names, cap * sizeof(*names));
			if (!nn)
				goto err;
			names = nn;
		}
		names[n] = strdup(de->d_name);
		if (!names[n])
			goto err;
		n++;
	}
	closedir(dir);
	if (n)
		qsort(names, n, sizeof(*names), azlx_name_cmp);
	*namesp = names;
	*np = n;
	return 0;
err:
	closedir(dir);
	azlx_names_free(names, n);
	return -ENOMEM;
}

void azlx_names_free(char **names, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

int azlx_fs_read_long(const char *abs, long *v)
{
	char buf[64], *end;
	int err;

	err = azlx_fs_read(abs, buf, sizeof(buf));
	if (err < 0)
		return err;
	errno = 0;
	*v = strtol(buf, &end, 10);
	if (errno || end == buf || (*end && *end != ' ' && *end != '\n' && *end != '\t'))
		return -EINVAL;
	return 0;
}

/* ---- CPU sets ------------------------------------------------------------ */

void azlx_cpuset_zero(struct azlx_cpuset *s)
{
	memset(s, 0, sizeof(*s));
}

void azlx_cpuset_set(struct azlx_cpuset *s, int cpu)
{
	if (cpu >= 0 && cpu < AZLX_MAX_CPUS)
		s->w[cpu / 64] |= 1ULL << (cpu % 64);
}

bool azlx_cpuset_has(const struct azlx_cpuset *s, int cpu)
{
	return cpu >= 0 && cpu < AZLX_MAX_CPUS && (s->w[cpu / 64] >> (cpu % 64)) & 1;
}

int azlx_cpuset_count(const struct azlx_cpuset *s)
{
	int i, n = 0;

	for (i = 0; i < AZLX_MAX_CPUS / 64; i++)
		n += __builtin_popcountll(s->w[i]);
	return n;
}

bool azlx_cpuset_equal(const struct azlx_cpuset *a, const struct azlx_cpuset *b)
{
	return !memcmp(a, b, sizeof(*a));
}

int azlx_cpuset_list(const struct azlx_cpuset *s, int *cpus, int max)
{
	int c, n = 0;

	for (c = 0; c < AZLX_MAX_CPUS && n < max; c++)
		if (azlx_cpuset_has(s, c))
			cpus[n++] = c;
	return n;
}

int azlx_cpulist_parse(const char *s, struct azlx_cpuset *out)
{
	const char *p = s;
	char *end;
	long a, b;

	azlx_cpuset_zero(out);
	while (*p == ' ' || *p == '\t' || *p == '\n')
		p++;
	if (!*p)
		return 0;
	for (;;) {
		if (*p < '0' || *p > '9')
			return -EINVAL;
		a = strtol(p, &end, 10);
		b = a;
		p = end;
		if (*p == '-') {
			p++;
			if (*p < '0' || *p > '9')
				return -EINVAL;
			b = strtol(p, &end, 10);
			p = end;
		}
		if (a > b || b >= AZLX_MAX_CPUS)
			return -EINVAL;
		for (; a <= b; a++)
			azlx_cpuset_set(out, (int)a);
		if (*p == ',') {
			p++;
			continue;
		}
		while (*p == ' ' || *p == '\n')
			p++;
		return *p ? -EINVAL : 0;
	}
}

void azlx_cpulist_format(const struct azlx_cpuset *s, char *buf, size_t len)
{
	size_t used = 0;
	int c = 0, start;

	buf[0] = '\0';
	while (c < AZLX_MAX_CPUS) {
		if (!azlx_cpuset_has(s, c)) {
			c++;
			continue;
		}
		start = c;
		while (c + 1 < AZLX_MAX_CPUS && azlx_cpuset_has(s, c + 1))
			c++;
		if (used < len) {
			if (start == c)
				used += snprintf(buf + used, len - used, "%s%d", used ? "," : "", c);
			else
				used += snprintf(buf + used, len - used, "%s%d-%d",
						 used ? "," : "", start, c);
		}
		c++;
	}
}

static int azlx_hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int azlx_cpumask_parse(const char *s, struct azlx_cpuset *out)
{
	size_t len = strlen(s);
	int bit = 0, v;

	azlx_cpuset_zero(out);
	while (len && (s[len - 1] == '\n' || s[len - 1] == ' '))
		len--;
	if (!len)
		return -EINVAL;
	/* from the least significant digit */
	while (len--) {
		if (s[len] == ',')
			continue;
		v = azlx_hexval(s[len]);
		if (v < 0)
			return -EINVAL;
		for (int i = 0; i < 4; i++, bit++) {
			if (!(v & (1 << i)))
				continue;
			if (bit >= AZLX_MAX_CPUS)
				return -EINVAL;
			azlx_cpuset_set(out, bit);
		}
	}
	return 0;
}

void azlx_cpumask_format(const struct azlx_cpuset *s, int nbits, char *buf, size_t len)
{
	int chunks, i, width;
	size_t used = 0;

	if (nbits < 1)
		nbits = 1;
	if (nbits > AZLX_MAX_CPUS)
		nbits = AZLX_MAX_CPUS;
	chunks = (nbits + 31) / 32;
	buf[0] = '\0';
	for (i = chunks - 1; i >= 0 && used < len; i--) {
		uint32_t word = (uint32_t)(s->w[i / 2] >> (32 * (i % 2)));

		/* as the kernel's %*pb: the top chunk only as wide as needed */
		width = i == chunks - 1 ? ((nbits - 32 * i) + 3) / 4 : 8;
		if (i == chunks - 1 && nbits - 32 * i < 32)
			word &= (1U << (nbits - 32 * i)) - 1;
		used += snprintf(buf + used, len - used, "%s%0*x", i == chunks - 1 ? "" : ",",
				 width, word);
	}
}
