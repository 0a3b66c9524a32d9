// SPDX-License-Identifier: GPL-2.0-only
/*
 * Every sysfs and procfs access of azlxnet tune goes through here, so that
 * --root DIR can stand a fake tree in for the machine. Under --root every
 * path is resolved inside DIR: openat2(2) with RESOLVE_IN_ROOT from a
 * descriptor of DIR, or where the kernel lacks it (before 5.6, or a
 * seccomp filter) the same resolution done here, then opened refusing
 * any symlink. A symlink of the tree pointing outside it ("/etc/x",
 * "../../../x") lands inside DIR, as it would on the node. Without --root
 * the paths are the machine's own. CPU sets and lists in the kernel's
 * formats.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <linux/openat2.h>

#include "azlxnet.h"

#include "tfs.h"

static char azlx_root_dir[PATH_MAX] = "";
/* O_PATH descriptor of the root under --root; -1 for the machine's own / */
static int azlx_root_fd = -1;
/* openat2(2) with RESOLVE_IN_ROOT works here (else the fallback resolver) */
static bool azlx_have_openat2;

#ifndef SYS_openat2
#define SYS_openat2	437
#endif

/* symlinks followed in one lookup, as the kernel's MAXSYMLINKS */
#define AZLX_MAX_LINKS	40

void azlx_strf(char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, len, fmt, ap);
	va_end(ap);
}

static long azlx_openat2(int dfd, const char *rel, int flags, mode_t mode)
{
	struct open_how how = {
		.flags = (uint64_t)flags,
		.mode = flags & O_CREAT ? mode : 0,
		.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
	};

	return syscall(SYS_openat2, dfd, rel, &how, sizeof(how));
}

void azlx_root_set(const char *dir)
{
	size_t len;
	long fd;

	if (azlx_root_fd >= 0)
		close(azlx_root_fd);
	azlx_root_fd = -1;
	azlx_root_dir[0] = '\0';
	if (!dir || !strcmp(dir, "/"))
		return;
	snprintf(azlx_root_dir, sizeof(azlx_root_dir), "%s", dir);
	len = strlen(azlx_root_dir);
	while (len > 1 && azlx_root_dir[len - 1] == '/')
		azlx_root_dir[--len] = '\0';
	/* the root itself is the one path taken as given: --root names it */
	azlx_root_fd = open(azlx_root_dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (azlx_root_fd < 0)
		return;	/* every access fails: azlx_fs_is_dir("/") tells the caller */
	/* kernels before 5.6 (ENOSYS), or a seccomp filter (EPERM): resolve here */
	azlx_have_openat2 = false;
	if (!getenv("AZLXNET_TUNE_NO_OPENAT2")) {
		fd = azlx_openat2(azlx_root_fd, ".", O_PATH | O_DIRECTORY | O_CLOEXEC, 0);
		if (fd >= 0) {
			close((int)fd);
			azlx_have_openat2 = true;
		}
	}
}

const char *azlx_root(void)
{
	return azlx_root_dir[0] ? azlx_root_dir : "/";
}

bool azlx_root_is_fake(void)
{
	return azlx_root_dir[0] != '\0';
}

/*
 * Without openat2: resolves @rel (a path from the root) into @out as the
 * kernel's RESOLVE_IN_ROOT would: ".." stops at the root, a symlink is read
 * and its target followed from the root (absolute) or from its directory,
 * so the result names no symlink. Components that do not exist are kept
 * (for O_CREAT); a race that swaps one for a symlink is refused by the
 * O_NOFOLLOW of azlx_walk().
 */
static int azlx_resolve(const char *rel, char *out, size_t len)
{
	char rest[PATH_MAX], tgt[PATH_MAX], cand[PATH_MAX], comp[NAME_MAX + 1];
	size_t olen = 0, clen;
	int links = 0;
	const char *p;
	ssize_t n;

	if (strlen(rel) >= sizeof(rest))
		return -ENAMETOOLONG;
	strcpy(rest, rel);
	out[0] = '\0';
	p = rest;
	for (;;) {
		while (*p == '/')
			p++;
		if (!*p)
			break;
		clen = strcspn(p, "/");
		if (clen > NAME_MAX)
			return -ENAMETOOLONG;
		memcpy(comp, p, clen);
		comp[clen] = '\0';
		p += clen;
		if (!strcmp(comp, "."))
			continue;
		if (!strcmp(comp, "..")) {
			char *slash = strrchr(out, '/');

			olen = slash ? (size_t)(slash - out) : 0;
			out[olen] = '\0';
			continue;
		}
		if ((size_t)snprintf(cand, sizeof(cand), "%s%s%s", out, olen ? "/" : "", comp) >=
		    sizeof(cand) || strlen(cand) >= len)
			return -ENAMETOOLONG;
		n = readlinkat(azlx_root_fd, cand, tgt, sizeof(tgt) - 1);
		if (n < 0) {
			if (errno != EINVAL && errno != ENOENT)
				return -errno;
			/* not a symlink, or not there (yet) */
			strcpy(out, cand);
			olen = strlen(out);
			continue;
		}
		if (++links > AZLX_MAX_LINKS)
			return -ELOOP;
		tgt[n] = '\0';
		/* the target, then what was left of the path */
		if ((size_t)snprintf(cand, sizeof(cand), "%s/%s", tgt, p) >= sizeof(cand))
			return -ENAMETOOLONG;
		strcpy(rest, cand);
		p = rest;
		if (tgt[0] == '/') {
			out[0] = '\0';
			olen = 0;
		}
	}
	return 0;
}

/* Opens the symlink-free @path from the root, refusing any symlink met. */
static int azlx_walk(const char *path, int flags, mode_t mode)
{
	char comp[NAME_MAX + 1];
	const char *p = path;
	int dfd, fd;
	size_t clen;

	if (!*p)
		return openat(azlx_root_fd, ".", flags, mode);
	dfd = azlx_root_fd;
	for (;;) {
		clen = strcspn(p, "/");
		memcpy(comp, p, clen);
		comp[clen] = '\0';
		p += clen;
		if (!*p) {
			fd = openat(dfd, comp, flags | O_NOFOLLOW, mode);
			break;
		}
		p++;
		fd = openat(dfd, comp, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (dfd != azlx_root_fd)
			close(dfd);
		if (fd < 0)
			return -1;
		dfd = fd;
	}
	if (dfd != azlx_root_fd) {
		int e = errno;

		close(dfd);
		errno = e;
	}
	return fd;
}

int azlx_fs_open(const char *abs, int flags, unsigned int mode)
{
	char res[PATH_MAX];
	const char *rel = abs;
	long fd;
	int err, i;

	flags |= O_CLOEXEC;
	if (!azlx_root_is_fake())
		return open(abs, flags, mode);
	if (azlx_root_fd < 0) {
		errno = ENOENT;
		return -1;
	}
	while (*rel == '/')
		rel++;
	if (azlx_have_openat2) {
		/* EAGAIN: a rename raced the lookup */
		for (i = 0; i < 8; i++) {
			fd = azlx_openat2(azlx_root_fd, *rel ? rel : ".", flags, mode);
			if (fd >= 0 || errno != EAGAIN)
				break;
		}
		return (int)fd;
	}
	err = azlx_resolve(rel, res, sizeof(res));
	if (err) {
		errno = -err;
		return -1;
	}
	return azlx_walk(res, flags, mode);
}

/*
 * The directory of @abs, opened under the root, and its last component
 * into @base: for the *at() calls that must not follow that component.
 */
static int azlx_fs_open_parent(const char *abs, char *base, size_t len)
{
	char dir[PATH_MAX];
	const char *slash;
	size_t blen;
	int fd;

	azlx_strf(dir, sizeof(dir), "%s", abs);
	blen = strlen(dir);
	while (blen > 1 && dir[blen - 1] == '/')
		dir[--blen] = '\0';
	slash = strrchr(dir, '/');
	if (!slash || !slash[1] || !strcmp(slash + 1, ".") || !strcmp(slash + 1, "..")) {
		errno = EINVAL;
		return -1;
	}
	if (strlen(slash + 1) >= len) {
		errno = ENAMETOOLONG;
		return -1;
	}
	strcpy(base, slash + 1);
	dir[slash - dir + (slash == dir)] = '\0';
	fd = azlx_fs_open(dir, O_RDONLY | O_DIRECTORY, 0);
	return fd;
}

int azlx_root_path(const char *abs, char *buf, size_t len)
{
	char res[PATH_MAX];
	int n, err;

	if (!azlx_root_is_fake()) {
		n = snprintf(buf, len, "%s", abs);
		return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
	}
	/* resolved inside the root: the host path names no symlink of the tree */
	if (azlx_root_fd < 0)
		return -ENOENT;
	while (*abs == '/')
		abs++;
	err = azlx_resolve(abs, res, sizeof(res));
	if (err)
		return err;
	n = snprintf(buf, len, "%s%s%s", azlx_root_dir, *res ? "/" : "", res);
	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

static ssize_t azlx_read_fd(int fd, char *buf, size_t len)
{
	ssize_t n;

	do {
		n = read(fd, buf, len);
	} while (n < 0 && errno == EINTR);
	return n;
}

int azlx_fs_read(const char *abs, char *buf, size_t len)
{
	ssize_t n;
	int fd, err;

	if (!len)
		return -EINVAL;
	fd = azlx_fs_open(abs, O_RDONLY, 0);
	if (fd < 0)
		return -errno;
	n = azlx_read_fd(fd, buf, len - 1);
	err = n < 0 ? -errno : 0;
	close(fd);
	if (err)
		return err;
	buf[n] = '\0';
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
		buf[--n] = '\0';
	return (int)n;
}

char *azlx_fs_read_all(const char *abs, size_t *lenp)
{
	char *buf = NULL, *nbuf;
	size_t len = 0, cap = 0;
	ssize_t n;
	int fd;

	fd = azlx_fs_open(abs, O_RDONLY, 0);
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
		n = azlx_read_fd(fd, buf + len, cap - len - 1);
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
static int azlx_fake_selector(const char *abs, const char *val, char *out, size_t len)
{
	char cur[1024], word[128], *p, *tok, *save = NULL;
	size_t used = 0;
	bool found = false;
	ssize_t n;
	int fd;

	fd = azlx_fs_open(abs, O_RDONLY, 0);
	if (fd < 0)
		return -errno;
	n = azlx_read_fd(fd, cur, sizeof(cur) - 1);
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
	char sel[1024], line[1024];
	const char *data = val;
	size_t len;
	ssize_t n;
	int fd, err;

	if (azlx_root_is_fake()) {
		err = azlx_fake_selector(abs, val, sel, sizeof(sel));
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
	fd = azlx_fs_open(abs, O_WRONLY | (azlx_root_is_fake() ? O_TRUNC : 0), 0);
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
	char base[NAME_MAX + 1], tmp[NAME_MAX + 8];
	size_t off = 0;
	ssize_t n;
	int dfd, fd, err = 0;

	dfd = azlx_fs_open_parent(abs, base, sizeof(base));
	if (dfd < 0)
		return -errno;
	azlx_strf(tmp, sizeof(tmp), "%s.tmp", base);
	/* O_NOFOLLOW: a symlink left in the tree's place is not written through */
	fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, mode);
	if (fd < 0) {
		err = -errno;
		close(dfd);
		return err;
	}
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
	if (!err && renameat(dfd, tmp, dfd, base))
		err = -errno;
	if (err)
		unlinkat(dfd, tmp, 0);
	else
		fsync(dfd);
	close(dfd);
	return err;
}

int azlx_fs_unlink(const char *abs)
{
	char base[NAME_MAX + 1];
	int dfd, err = 0;

	dfd = azlx_fs_open_parent(abs, base, sizeof(base));
	if (dfd < 0)
		return -errno;
	if (unlinkat(dfd, base, 0))
		err = -errno;
	close(dfd);
	return err;
}

int azlx_fs_mkdir(const char *abs, unsigned int mode)
{
	char base[NAME_MAX + 1];
	int dfd, err = 0;

	dfd = azlx_fs_open_parent(abs, base, sizeof(base));
	if (dfd < 0)
		return -errno;
	if (mkdirat(dfd, base, mode))
		err = -errno;
	close(dfd);
	return err;
}

/* mkdir -p of the host path @path, then opened */
static int azlx_mkdir_p_host(const char *path, unsigned int mode)
{
	char buf[PATH_MAX], *p;

	if (strlen(path) >= sizeof(buf)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	strcpy(buf, path);
	for (p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, mode) && errno != EEXIST)
			return -1;
		*p = '/';
	}
	if (mkdir(buf, mode) && errno != EEXIST)
		return -1;
	return open(buf, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
}

int azlx_fs_mkdir_p(const char *abs, unsigned int mode)
{
	char res[PATH_MAX], comp[NAME_MAX + 1];
	const char *p = res;
	int dfd, fd, err;
	size_t clen;

	if (!azlx_root_is_fake())
		return azlx_mkdir_p_host(abs, mode);
	if (azlx_root_fd < 0) {
		errno = ENOENT;
		return -1;
	}
	/*
	 * The path without a symlink of the tree, missing components kept
	 * (a dangling symlink's target is made, inside DIR), then made and
	 * opened a component at a time, refusing any symlink met.
	 */
	while (*abs == '/')
		abs++;
	err = azlx_resolve(abs, res, sizeof(res));
	if (err) {
		errno = -err;
		return -1;
	}
	if (!*p)
		return openat(azlx_root_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	dfd = azlx_root_fd;
	for (;;) {
		clen = strcspn(p, "/");
		memcpy(comp, p, clen);
		comp[clen] = '\0';
		p += clen;
		while (*p == '/')
			p++;
		if (mkdirat(dfd, comp, mode) && errno != EEXIST)
			fd = -1;
		else
			fd = openat(dfd, comp, (*p ? O_PATH : O_RDONLY) | O_DIRECTORY |
				    O_NOFOLLOW | O_CLOEXEC);
		if (dfd != azlx_root_fd) {
			err = errno;
			close(dfd);
			errno = err;
		}
		if (fd < 0 || !*p)
			return fd;
		dfd = fd;
	}
}

int azlx_fs_rmdir(const char *abs)
{
	char base[NAME_MAX + 1];
	int dfd, err = 0;

	dfd = azlx_fs_open_parent(abs, base, sizeof(base));
	if (dfd < 0)
		return -errno;
	if (unlinkat(dfd, base, AT_REMOVEDIR))
		err = -errno;
	close(dfd);
	return err;
}

static bool azlx_fs_stat(const char *abs, struct stat *st)
{
	int fd = azlx_fs_open(abs, O_PATH, 0);
	bool ok;

	if (fd < 0)
		return false;
	ok = !fstat(fd, st);
	close(fd);
	return ok;
}

bool azlx_fs_exists(const char *abs)
{
	struct stat st;

	return azlx_fs_stat(abs, &st);
}

bool azlx_fs_is_dir(const char *abs)
{
	struct stat st;

	return azlx_fs_stat(abs, &st) && S_ISDIR(st.st_mode);
}

int azlx_fs_readlink(const char *abs, char *buf, size_t len)
{
	char base[NAME_MAX + 1];
	ssize_t n;
	int dfd, err = 0;

	if (len < 2)
		return -EINVAL;
	dfd = azlx_fs_open_parent(abs, base, sizeof(base));
	if (dfd < 0)
		return -errno;
	n = readlinkat(dfd, base, buf, len - 1);
	if (n < 0)
		err = -errno;
	else
		buf[n] = '\0';
	close(dfd);
	return err;
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
	char res[PATH_MAX];
	int err;

	if (!azlx_root_is_fake()) {
		if (!realpath(abs, res))
			return -errno;
		azlx_strf(buf, len, "%s", res);
		return 0;
	}
	/* as the kernel resolves under RESOLVE_IN_ROOT; the result must exist */
	while (*abs == '/')
		abs++;
	err = azlx_resolve(abs, res, sizeof(res));
	if (err)
		return err;
	azlx_strf(buf, len, "/%s", res);
	return azlx_fs_exists(buf) ? 0 : -ENOENT;
}

DIR *azlx_fs_opendir(const char *abs)
{
	DIR *d;
	int fd, e;

	fd = azlx_fs_open(abs, O_RDONLY | O_DIRECTORY, 0);
	if (fd < 0)
		return NULL;
	d = fdopendir(fd);
	if (!d) {
		e = errno;
		close(fd);
		errno = e;
	}
	return d;
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
		v = azlx_hex_digit(s[len]);
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
