// SPDX-License-Identifier: GPL-2.0-only
/*
 * The CNI plugin's attachment records: one small JSON file per attachment
 * under AZLX_CNI_STATE_DIR, named CONTAINERID:IFNAME (neither may hold a
 * ':'), written to a temporary file and renamed over the old one.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <netinet/in.h>

#include <json-c/json.h>

#include "cni_state.h"

/* Largest record read. */
#define AZLX_CNI_RECORD_MAX	4096

static int azlx_record_name(const char *containerid, const char *ifname, char *buf,
			    size_t len, struct azlx_err *e)
{
	int n;

	if (!containerid[0] || !ifname[0] || strchr(containerid, '/') ||
	    strchr(containerid, ':') || strchr(ifname, '/') || strchr(ifname, ':') ||
	    containerid[0] == '.')
		return azlx_fail(e, EINVAL, "no record name for \"%s\", \"%s\"", containerid,
				 ifname);
	n = snprintf(buf, len, "%s:%s", containerid, ifname);
	if (n < 0 || (size_t)n >= len)
		return azlx_fail(e, ENAMETOOLONG, "container ID too long for a record");
	return 0;
}

static int azlx_record_path(const char *dir, const char *containerid, const char *ifname,
			    char *buf, size_t len, struct azlx_err *e)
{
	char name[AZLX_CNI_CONTAINERID_MAX + IFNAMSIZ + 2];
	int n, err;

	err = azlx_record_name(containerid, ifname, name, sizeof(name), e);
	if (err)
		return err;
	n = snprintf(buf, len, "%s/%s", dir, name);
	if (n < 0 || (size_t)n >= len)
		return azlx_fail(e, ENAMETOOLONG, "record path too long");
	return 0;
}

char *azlx_cni_record_format(const struct azlx_cni_record *r)
{
	char a[INET6_ADDRSTRLEN];
	json_object *doc, *addrs;
	char *text = NULL;
	size_t i;

	doc = json_object_new_object();
	addrs = json_object_new_array();
	if (!doc || !addrs) {
		json_object_put(doc);
		json_object_put(addrs);
		return NULL;
	}
	json_object_object_add(doc, "network", json_object_new_string(r->network));
	json_object_object_add(doc, "containerID", json_object_new_string(r->containerid));
	json_object_object_add(doc, "ifname", json_object_new_string(r->ifname));
	json_object_object_add(doc, "host_ifindex", json_object_new_int64(r->host_ifindex));
	json_object_object_add(doc, "host_ifname", json_object_new_string(r->host_ifname));
	for (i = 0; i < r->addrs.n; i++)
		json_object_array_add(addrs, json_object_new_string(
				      azlx_ep_key_fmt(&r->addrs.key[i], a, sizeof(a))));
	json_object_object_add(doc, "addresses", addrs);
	text = strdup(json_object_to_json_string_ext(doc, JSON_C_TO_STRING_PLAIN |
						     JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(doc);
	return text;
}

/* String @key of @doc into @buf: 0 or -EINVAL. */
static int azlx_record_str(json_object *doc, const char *key, char *buf, size_t len,
			   struct azlx_err *e)
{
	json_object *v;
	const char *s;

	if (!json_object_object_get_ex(doc, key, &v) || !json_object_is_type(v, json_type_string))
		return azlx_fail(e, EINVAL, "record: \"%s\" is missing or not a string", key);
	s = json_object_get_string(v);
	if (strlen(s) >= len)
		return azlx_fail(e, EINVAL, "record: \"%s\" is too long", key);
	snprintf(buf, len, "%s", s);
	return 0;
}

int azlx_cni_record_parse(const char *text, struct azlx_cni_record *r, struct azlx_err *e)
{
	json_object *doc, *v;
	size_t i, n;
	__s64 idx;
	int err;

	memset(r, 0, sizeof(*r));
	doc = json_tokener_parse(text);
	if (!doc || !json_object_is_type(doc, json_type_object)) {
		json_object_put(doc);
		return azlx_fail(e, EINVAL, "record: not a JSON object");
	}
	err = azlx_record_str(doc, "network", r->network, sizeof(r->network), e);
	if (!err)
		err = azlx_record_str(doc, "containerID", r->containerid, sizeof(r->containerid),
				      e);
	if (!err)
		err = azlx_record_str(doc, "ifname", r->ifname, sizeof(r->ifname), e);
	if (!err)
		err = azlx_record_str(doc, "host_ifname", r->host_ifname, sizeof(r->host_ifname),
				      e);
	if (!err) {
		if (!json_object_object_get_ex(doc, "host_ifindex", &v) ||
		    !json_object_is_type(v, json_type_int) ||
		    (idx = json_object_get_int64(v)) <= 0 || idx > 0x7fffffff)
			err = azlx_fail(e, EINVAL, "record: \"host_ifindex\" is not an ifindex");
		else
			r->host_ifindex = (__u32)idx;
	}
	if (!err && (!json_object_object_get_ex(doc, "addresses", &v) ||
		     !json_object_is_type(v, json_type_array)))
		err = azlx_fail(e, EINVAL, "record: \"addresses\" is missing or not an array");
	n = err ? 0 : json_object_array_length(v);
	for (i = 0; !err && i < n; i++) {
		json_object *a = json_object_array_get_idx(v, i);

		if (!json_object_is_type(a, json_type_string))
			err = azlx_fail(e, EINVAL, "record: addresses[%zu] is not a string", i);
		else
			err = azlx_addrs_add(&r->addrs, json_object_get_string(a), e);
	}
	json_object_put(doc);
	return err;
}

static int azlx_mkdir_p(const char *dir, struct azlx_err *e)
{
	size_t i, len = strlen(dir);
	char buf[4096];

	if (len >= sizeof(buf))
		return azlx_fail(e, ENAMETOOLONG, "%s: path too long", dir);
	memcpy(buf, dir, len + 1);
	for (i = 1; i <= len; i++) {
		if (buf[i] != '/' && buf[i] != '\0')
			continue;
		buf[i] = '\0';
		if (mkdir(buf, 0700) && errno != EEXIST)
			return azlx_fail(e, errno, "cannot create %s: %s", buf, strerror(errno));
		if (i < len)
			buf[i] = '/';
	}
	return 0;
}

int azlx_cni_record_write(const char *dir, const struct azlx_cni_record *r,
			  struct azlx_err *e)
{
	char path[4096], tmp[4096 + 32];
	size_t len, off = 0;
	char *text;
	ssize_t n;
	int fd, err;

	err = azlx_record_path(dir, r->containerid, r->ifname, path, sizeof(path), e);
	if (err)
		return err;
	err = azlx_mkdir_p(dir, e);
	if (err)
		return err;
	text = azlx_cni_record_format(r);
	if (!text)
		return azlx_fail(e, ENOMEM, "out of memory");
	/* a dot file: never taken for a record */
	snprintf(tmp, sizeof(tmp), "%s/.tmp.%ld", dir, (long)getpid());
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0) {
		err = errno;
		free(text);
		return azlx_fail(e, err, "cannot create %s: %s", tmp, strerror(err));
	}
	len = strlen(text);
	text[len++] = '\n';	/* over the NUL */
	while (off < len) {
		n = write(fd, text + off, len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			err = n < 0 ? errno : EIO;
			goto err_unlink;
		}
		off += (size_t)n;
	}
	free(text);
	text = NULL;
	if (fsync(fd)) {
		err = errno;
		goto err_unlink;
	}
	if (close(fd)) {
		fd = -1;
		err = errno;
		goto err_unlink;
	}
	fd = -1;
	if (rename(tmp, path)) {
		err = errno;
		goto err_unlink;
	}
	return 0;

err_unlink:
	free(text);
	if (fd >= 0)
		close(fd);
	unlink(tmp);
	return azlx_fail(e, err, "cannot write %s: %s", path, strerror(err));
}

/* Reads the record file @path whose name is @name. */
static int azlx_record_load(const char *path, const char *name, struct azlx_cni_record *r,
			    struct azlx_err *e)
{
	char buf[AZLX_CNI_RECORD_MAX + 1], want[AZLX_CNI_CONTAINERID_MAX + IFNAMSIZ + 2];
	struct azlx_err why = { 0 };
	size_t len = 0;
	ssize_t n;
	int fd, err;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	if (fd < 0) {
		err = errno;
		if (err == ENOENT)
			return -ENOENT;
		return azlx_fail(e, err, "cannot open %s: %s", path, strerror(err));
	}
	while (len < sizeof(buf) - 1) {
		n = read(fd, buf + len, sizeof(buf) - 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			err = errno;
			close(fd);
			return azlx_fail(e, err, "cannot read %s: %s", path, strerror(err));
		}
		if (!n)
			break;
		len += (size_t)n;
	}
	close(fd);
	buf[len] = '\0';
	if (azlx_cni_record_parse(buf, r, &why))
		return azlx_fail(e, EINVAL, "%s: %s", path, why.msg);
	/* the name says whose it is */
	if (azlx_record_name(r->containerid, r->ifname, want, sizeof(want), &why) ||
	    strcmp(want, name))
		return azlx_fail(e, EINVAL, "%s: the record of another attachment", path);
	return 0;
}

int azlx_cni_record_read(const char *dir, const char *containerid, const char *ifname,
			 struct azlx_cni_record *r, struct azlx_err *e)
{
	char path[4096];
	int err;

	memset(r, 0, sizeof(*r));
	err = azlx_record_path(dir, containerid, ifname, path, sizeof(path), e);
	if (err)
		return err;
	return azlx_record_load(path, strrchr(path, '/') + 1, r, e);
}

int azlx_cni_record_remove(const char *dir, const char *containerid, const char *ifname,
			   struct azlx_err *e)
{
	char path[4096];
	int err;

	err = azlx_record_path(dir, containerid, ifname, path, sizeof(path), e);
	if (err)
		return err;
	if (unlink(path) && errno != ENOENT)
		return azlx_fail(e, errno, "cannot remove %s: %s", path, strerror(errno));
	return 0;
}

static int azlx_record_cmp(const void *a, const void *b)
{
	const struct azlx_cni_record *x = a, *y = b;
	int c = strcmp(x->containerid, y->containerid);

	return c ? c : strcmp(x->ifname, y->ifname);
}

int azlx_cni_records(const char *dir, struct azlx_cni_record **v, size_t *n,
		     struct azlx_err *e)
{
	struct azlx_cni_record *p, r;
	struct azlx_err why;
	struct dirent *de;
	char path[4096];
	DIR *d;
	int err = 0;

	*v = NULL;
	*n = 0;
	d = opendir(dir);
	if (!d) {
		if (errno == ENOENT)
			return 0;
		return azlx_fail(e, errno, "cannot open %s: %s", dir, strerror(errno));
	}
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.' || !strchr(de->d_name, ':'))
			continue;
		if (snprintf(path, sizeof(path), "%s/%s", dir, de->d_name) >= (int)sizeof(path))
			continue;
		memset(&why, 0, sizeof(why));
		err = azlx_record_load(path, de->d_name, &r, &why);
		if (err == -ENOENT) {
			err = 0;
			continue;
		}
		if (err) {
			/* not ours to judge: left alone */
			err = 0;
			continue;
		}
		p = realloc(*v, (*n + 1) * sizeof(**v));
		if (!p) {
			err = azlx_fail(e, ENOMEM, "out of memory");
			break;
		}
		*v = p;
		(*v)[(*n)++] = r;
	}
	closedir(d);
	if (err) {
		free(*v);
		*v = NULL;
		*n = 0;
		return err;
	}
	if (*n)
		qsort(*v, *n, sizeof(**v), azlx_record_cmp);
	return 0;
}
