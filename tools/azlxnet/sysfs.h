/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Reading /sys. The base can be moved with AZLXNET_SYSFS (default /sys) so
 * the host tests can stand a fake tree in for the real one.
 */
#ifndef __AZLXNET_SYSFS_H
#define __AZLXNET_SYSFS_H

#include <stdbool.h>
#include <stddef.h>

#define AZLX_SYSFS_ENV		"AZLXNET_SYSFS"
#define AZLX_SYSFS_DEFAULT	"/sys"

const char *azlx_sysfs_base(void);
/* True when AZLXNET_SYSFS points elsewhere than /sys. */
bool azlx_sysfs_is_fake(void);

/*
 * Reads <base>/@rel into @buf, without the trailing newline. Returns the
 * length or a negative errno.
 */
int azlx_sysfs_read(const char *rel, char *buf, size_t len);

/*
 * Reads the file @path into @buf (at most @len - 1 bytes, NUL-terminated)
 * without the trailing characters in @trim. The length or a negative errno.
 */
int azlx_read_line(const char *path, char *buf, size_t len, const char *trim);

/* <base>/@rel into @buf; returns 0 or -ENAMETOOLONG. */
int azlx_sysfs_path(const char *rel, char *buf, size_t len);

#endif /* __AZLXNET_SYSFS_H */
