/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * azlxnet tune, tfs.c: file access under the root (--root DIR, default /) and CPU sets.
 */
#ifndef __AZLXNET_TUNE_TFS_H
#define __AZLXNET_TUNE_TFS_H

#include <dirent.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Device, driver and disk names */
#define AZLX_NAME_MAX		64

/* snprintf() where truncating a long name is the intended result */
void azlx_strf(char *buf, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

void azlx_root_set(const char *dir);
const char *azlx_root(void);
bool azlx_root_is_fake(void);
/*
 * The host path of @abs ("/sys/...") into @buf: DIR + @abs resolved inside
 * DIR (no symlink of the tree left in it); 0 or a negative errno.
 */
int azlx_root_path(const char *abs, char *buf, size_t len);
/*
 * open(2) of @abs under the root (O_CLOEXEC added): every symlink resolved
 * inside DIR. A descriptor, or -1 with errno set.
 */
int azlx_fs_open(const char *abs, int flags, unsigned int mode);
/* Reads @abs without its trailing newlines; length or a negative errno. */
int azlx_fs_read(const char *abs, char *buf, size_t len);
/* Whole file (free() it), NULL with errno set on error. */
char *azlx_fs_read_all(const char *abs, size_t *len);
/*
 * Writes @val to the existing file @abs (no O_CREAT), as sysfs takes it.
 * Under a fake root, a selector file ("[none] mq-deadline") is rewritten
 * the way the kernel shows it, and an unknown choice is -EINVAL.
 */
int azlx_fs_write(const char *abs, const char *val);
/* Creates or replaces @abs atomically with @data; 0 or a negative errno. */
int azlx_fs_replace(const char *abs, const char *data, size_t len, unsigned int mode);
int azlx_fs_unlink(const char *abs);
int azlx_fs_mkdir(const char *abs, unsigned int mode);
/*
 * mkdir -p of the directory @abs under the root (@mode for the ones made),
 * then opened (O_RDONLY | O_DIRECTORY) for the *at() calls: every symlink
 * resolved inside DIR, a race that swaps in a symlink refused. A
 * descriptor, or -1 with errno set.
 */
int azlx_fs_mkdir_p(const char *abs, unsigned int mode);
int azlx_fs_rmdir(const char *abs);
bool azlx_fs_exists(const char *abs);
bool azlx_fs_is_dir(const char *abs);
/* Target of the symlink @abs. */
int azlx_fs_readlink(const char *abs, char *buf, size_t len);
/* Last component of the symlink target of @abs ("hv_netvsc"). */
int azlx_fs_link_name(const char *abs, char *buf, size_t len);
/* Resolved path of @abs, relative to the root ("/sys/devices/..."). */
int azlx_fs_realpath(const char *abs, char *buf, size_t len);
DIR *azlx_fs_opendir(const char *abs);
/* Sorted names of the entries of @abs (no dot files); free with azlx_names_free. */
int azlx_fs_list(const char *abs, char ***names, size_t *n);
void azlx_names_free(char **names, size_t n);
int azlx_fs_read_long(const char *abs, long *v);

/* CPU sets */

#define AZLX_MAX_CPUS	1024

struct azlx_cpuset {
	uint64_t	w[AZLX_MAX_CPUS / 64];
};

void azlx_cpuset_zero(struct azlx_cpuset *s);
void azlx_cpuset_set(struct azlx_cpuset *s, int cpu);
bool azlx_cpuset_has(const struct azlx_cpuset *s, int cpu);
int azlx_cpuset_count(const struct azlx_cpuset *s);
bool azlx_cpuset_equal(const struct azlx_cpuset *a, const struct azlx_cpuset *b);
/* "0-3,8" (a kernel CPU list); 0 or -EINVAL */
int azlx_cpulist_parse(const char *s, struct azlx_cpuset *out);
void azlx_cpulist_format(const struct azlx_cpuset *s, char *buf, size_t len);
/* "00000000,0000000f" (a kernel CPU mask, comma every 32 bits); 0 or -EINVAL */
int azlx_cpumask_parse(const char *s, struct azlx_cpuset *out);
/* As the kernel prints a mask of @nbits CPUs */
void azlx_cpumask_format(const struct azlx_cpuset *s, int nbits, char *buf, size_t len);
/* The CPUs of @s in order, into @cpus; returns how many */
int azlx_cpuset_list(const struct azlx_cpuset *s, int *cpus, int max);

#endif /* __AZLXNET_TUNE_TFS_H */
