// SPDX-License-Identifier: GPL-2.0-only
/*
 * sysfs reads relative to a configurable base.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sysfs.h"

const char *azlx_sysfs_base(void)
{
	const char *base = getenv(AZLX_SYSFS_ENV);

	return base && base[0] ? base : AZLX_SYSFS_DEFAULT;
}

bool azlx_sysfs_is_fake(void)
{
	return strcmp(azlx_sysfs_base(), AZLX_SYSFS_DEFAULT) != 0;
}

int azlx_sysfs_path(const char *rel, char *buf, size_t len)
{
	int n = snprintf(buf, len, "%s/%s", azlx_sysfs_base(), rel);

	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

int azlx_read_line(const char *path, char *buf, size_t len, const char *trim)
{
	ssize_t n;
	int fd, err;

	if (!len)
		return -EINVAL;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	do {
		n = read(fd, buf, len - 1);
	} while (n < 0 && errno == EINTR);
	err = n < 0 ? -errno : 0;
	close(fd);
	if (err)
		return err;
	buf[n] = '\0';
	while (n > 0 && strchr(trim, buf[n - 1]))
		buf[--n] = '\0';
	return (int)n;
}

int azlx_sysfs_read(const char *rel, char *buf, size_t len)
{
	char path[4096];
	int err;

	err = azlx_sysfs_path(rel, path, sizeof(path));
	if (err)
		return err;
	return azlx_read_line(path, buf, len, "\n");
}
