// SPDX-License-Identifier: GPL-2.0-only
/*
 * Applying a plan as a transaction, and reverting it. Every prior value is
 * in the state file (JSON, DIR/tune.json) before the value changes; a failed
 * step undoes the run's earlier steps and leaves the state file as it was.
 * A lock (flock on DIR/tune.lock) keeps runs from overlapping.
 *
 * Every operation in DIR is relative to a descriptor of it. Under --root
 * without --state-dir, DIR is made and opened inside the root (tfs.c) and
 * its files are opened refusing a symlink: nothing of the state is read or
 * written outside the tree. --state-dir names a host path, taken as given.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <json-c/json.h>
#include <libkmod.h>

#include "azlxnet.h"
#include "print.h"

#include "apply.h"

#define AZLX_STATE_VERSION	1
#define AZLX_BOOT_ID		"/proc/sys/kernel/random/boot_id"

/* AZLX_KILL_ENV: the step of this apply at which it is killed; 0: none */
static int azlx_kill_at, azlx_kill_step;

/* A step of an apply, for AZLX_KILL_ENV. */
static void azlx_kill_point(void)
{
	if (azlx_kill_at && ++azlx_kill_step == azlx_kill_at)
		raise(SIGKILL);
}

/* This boot's id ("" if unknown): a record from another boot is stale. */
static void azlx_boot_id(char *buf, size_t len)
{
	if (azlx_fs_read(AZLX_BOOT_ID, buf, len) < 0)
		buf[0] = '\0';
}

static int azlx_mkdir_p(const char *dir)
{
	char buf[PATH_MAX], *p;

	azlx_strf(buf, sizeof(buf), "%s", dir);
	for (p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0755) && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(buf, 0755) && errno != EEXIST)
		return -errno;
	return 0;
}

static void azlx_state_init(struct azlx_state_ctx *s, const char *dir, const char *in_root)
{
	s->lock_fd = -1;
	s->dir_fd = -1;
	azlx_strf(s->dir, sizeof(s->dir), "%s", dir);
	azlx_strf(s->in_root, sizeof(s->in_root), "%s", in_root ? in_root : "");
}

/* O_NOFOLLOW for the files of a state directory inside the root */
static int azlx_state_nofollow(const struct azlx_state_ctx *s)
{
	return s->in_root[0] ? O_NOFOLLOW : 0;
}

/*
 * A descriptor of the state directory, made if @create (-1 with errno set):
 * inside the root for a directory there, else the host path.
 */
static int azlx_state_dir_open(const struct azlx_state_ctx *s, bool create)
{
	int err;

	if (s->in_root[0])
		return create ? azlx_fs_mkdir_p(s->in_root, 0755) :
				azlx_fs_open(s->in_root, O_RDONLY | O_DIRECTORY, 0);
	if (create) {
		err = azlx_mkdir_p(s->dir);
		if (err) {
			errno = -err;
			return -1;
		}
	}
	return open(s->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
}

/* The state directory's descriptor: the lock's, or one to close (*@own). */
static int azlx_state_dfd(const struct azlx_state_ctx *s, bool *own)
{
	*own = s->dir_fd < 0;
	return *own ? azlx_state_dir_open(s, false) : s->dir_fd;
}

int azlx_state_lock(struct azlx_state_ctx *s, const char *dir, const char *in_root)
{
	char path[PATH_MAX + 32];
	int err;

	azlx_state_init(s, dir, in_root);
	s->dir_fd = azlx_state_dir_open(s, true);
	if (s->dir_fd < 0)
		return azlx_error(AZLX_EXIT_ERR, "state directory %s: %s", dir, strerror(errno));
	azlx_strf(path, sizeof(path), "%s/%s", dir, AZLX_LOCK_FILE);
	s->lock_fd = openat(s->dir_fd, AZLX_LOCK_FILE,
			    O_RDWR | O_CREAT | O_CLOEXEC | azlx_state_nofollow(s), 0600);
	if (s->lock_fd < 0) {
		err = errno;
		azlx_state_unlock(s);
		return azlx_error(AZLX_EXIT_ERR, "lock %s: %s", path, strerror(err));
	}
	if (flock(s->lock_fd, LOCK_EX | LOCK_NB)) {
		err = errno;
		azlx_state_unlock(s);
		if (err == EWOULDBLOCK)
			return azlx_error(AZLX_EXIT_ERR,
					  "another azlxnet tune or revert is running (it holds %s)",
					  path);
		return azlx_error(AZLX_EXIT_ERR, "lock %s: %s", path, strerror(err));
	}
	return AZLX_EXIT_OK;
}

void azlx_state_unlock(struct azlx_state_ctx *s)
{
	if (s->lock_fd >= 0)
		close(s->lock_fd);
	s->lock_fd = -1;
	if (s->dir_fd >= 0)
		close(s->dir_fd);
	s->dir_fd = -1;
}

/* ---- entries ------------------------------------------------------------------ */

/* One recorded change: what to restore, and how. */
struct azlx_entry {
	enum azlx_item_kind	kind;
	char			name[160];	/* "eth0 channels combined" for messages */
	char			path[256];	/* file, or the net device */
	enum azlx_eth_setting	eth;
	int			value_type;
	char			*prior;		/* NULL: the file was absent */
	char			*new;
	bool			failed;		/* could not be restored */
};

struct azlx_entries {
	struct azlx_entry	*v;
	int			n;
};

static void azlx_entries_free(struct azlx_entries *e)
{
	int i;

	for (i = 0; i < e->n; i++) {
		free(e->v[i].prior);
		free(e->v[i].new);
	}
	free(e->v);
	e->v = NULL;
	e->n = 0;
}

static const char *const azlx_kind_names[] = {
	[AZLX_ITEM_FILE]	= "file",
	[AZLX_ITEM_ETHTOOL]	= "ethtool",
	[AZLX_ITEM_MODULE]	= "module",
	[AZLX_ITEM_CONFFILE]	= "conffile",
};

static bool azlx_entry_same(const struct azlx_entry *e, enum azlx_item_kind kind,
			    const char *path, enum azlx_eth_setting eth)
{
	return e->kind == kind && !strcmp(e->path, path) &&
	       (kind != AZLX_ITEM_ETHTOOL || e->eth == eth);
}

static int azlx_entries_add(struct azlx_entries *es, const struct azlx_item *it,
			    const char *prior, const char *new)
{
	struct azlx_entry *nv, *e;

	nv = realloc(es->v, (es->n + 1) * sizeof(*nv));
	if (!nv)
		return -ENOMEM;
	es->v = nv;
	e = &es->v[es->n];
	memset(e, 0, sizeof(*e));
	e->kind = it->kind;
	e->eth = it->eth;
	e->value_type = it->value_type;
	azlx_strf(e->name, sizeof(e->name), "%s %s", it->object, it->setting);
	azlx_strf(e->path, sizeof(e->path), "%s", it->path);
	e->prior = prior ? strdup(prior) : NULL;
	e->new = strdup(new);
	if ((prior && !e->prior) || !e->new) {
		free(e->prior);
		free(e->new);
		return -ENOMEM;
	}
	es->n++;
	return 0;
}

static json_object *azlx_entries_json(const struct azlx_entries *es)
{
	json_object *doc, *arr, *o;
	char boot[64];
	int i;

	doc = json_object_new_object();
	arr = json_object_new_array();
	if (!doc || !arr) {
		json_object_put(doc);
		json_object_put(arr);
		return NULL;
	}
	json_object_object_add(doc, "version", json_object_new_int(AZLX_STATE_VERSION));
	json_object_object_add(doc, "tool", json_object_new_string(AZLXNET_VERSION));
	json_object_object_add(doc, "root", json_object_new_string(azlx_root()));
	azlx_boot_id(boot, sizeof(boot));
	json_object_object_add(doc, "boot_id", boot[0] ? json_object_new_string(boot) : NULL);
	json_object_object_add(doc, "entries", arr);
	for (i = 0; i < es->n; i++) {
		const struct azlx_entry *e = &es->v[i];

		o = json_object_new_object();
		if (!o) {
			json_object_put(doc);
			return NULL;
		}
		json_object_object_add(o, "kind", json_object_new_string(azlx_kind_names[e->kind]));
		json_object_object_add(o, "name", json_object_new_string(e->name));
		json_object_object_add(o, e->kind == AZLX_ITEM_ETHTOOL ? "device" : "path",
				       json_object_new_string(e->path));
		if (e->kind == AZLX_ITEM_ETHTOOL)
			json_object_object_add(o, "setting",
					       json_object_new_string(azlx_eth_setting_name(e->eth)));
		if (e->kind == AZLX_ITEM_FILE)
			json_object_object_add(o, "type", json_object_new_int(e->value_type));
		json_object_object_add(o, "prior", e->prior ? json_object_new_string(e->prior) : NULL);
		json_object_object_add(o, "new", json_object_new_string(e->new));
		json_object_array_add(arr, o);
	}
	return doc;
}

static int azlx_state_path(const struct azlx_state_ctx *s, char *buf, size_t len)
{
	int n = snprintf(buf, len, "%s/%s", s->dir, AZLX_STATE_FILE);

	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

static int azlx_write_all(int fd, const char *buf, size_t len)
{
	ssize_t n;

	while (len) {
		n = write(fd, buf, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (!n)
			return -EIO;
		buf += n;
		len -= n;
	}
	return 0;
}

/* Makes a rename or unlink in the state directory @dfd durable. */
static int azlx_state_dir_sync(int dfd)
{
	return fsync(dfd) ? -errno : 0;
}

/*
 * Writes the state atomically and durably: the whole text to a temporary
 * file, fsync, rename over the state, fsync of the directory. A crash at any
 * point leaves the old state or the new one, never a part of either. All of
 * it relative to the directory's descriptor.
 */
static int azlx_state_save(const struct azlx_state_ctx *s, const struct azlx_entries *es)
{
	const char *tmp = AZLX_STATE_FILE ".tmp";
	const char *text;
	json_object *doc;
	int dfd, fd, err;
	bool own;

	dfd = azlx_state_dfd(s, &own);
	if (dfd < 0)
		return -errno;
	doc = azlx_entries_json(es);
	if (!doc) {
		err = -ENOMEM;
		goto out;
	}
	text = json_object_to_json_string_ext(doc, JSON_C_TO_STRING_PRETTY |
					      JSON_C_TO_STRING_SPACED |
					      JSON_C_TO_STRING_NOSLASHESCAPE);
	fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | azlx_state_nofollow(s),
		    0600);
	if (fd < 0) {
		err = -errno;
		json_object_put(doc);
		goto out;
	}
	err = azlx_write_all(fd, text, strlen(text));
	if (!err)
		err = azlx_write_all(fd, "\n", 1);
	json_object_put(doc);
	if (!err && fsync(fd))
		err = -errno;
	if (close(fd) && !err)
		err = -errno;
	if (!err) {
		azlx_kill_point();
		if (renameat(dfd, tmp, dfd, AZLX_STATE_FILE))
			err = -errno;
	}
	if (err) {
		unlinkat(dfd, tmp, 0);
		goto out;
	}
	err = azlx_state_dir_sync(dfd);
	azlx_kill_point();
out:
	if (own)
		close(dfd);
	return err;
}

/* Removes the state (and a temporary file a killed run left). */
static int azlx_state_remove(const struct azlx_state_ctx *s)
{
	int dfd, err = 0;
	bool own;

	dfd = azlx_state_dfd(s, &own);
	if (dfd < 0)
		return errno == ENOENT ? 0 : -errno;
	unlinkat(dfd, AZLX_STATE_FILE ".tmp", 0);
	if (unlinkat(dfd, AZLX_STATE_FILE, 0))
		err = errno == ENOENT ? 0 : -errno;
	else
		err = azlx_state_dir_sync(dfd);
	if (own)
		close(dfd);
	return err;
}

/* Loads the state; a missing file is an empty state. 0 or an exit code. */
static int azlx_state_load(const struct azlx_state_ctx *s, struct azlx_entries *es, bool *exists)
{
	char path[PATH_MAX], boot[64];
	json_object *doc, *arr, *o, *v;
	bool stale = false, own;
	int ret = AZLX_EXIT_ERR, dfd, fd, err;
	size_t i;

	memset(es, 0, sizeof(*es));
	*exists = false;
	if (azlx_state_path(s, path, sizeof(path)))
		return azlx_error(AZLX_EXIT_ERR, "state directory name too long");
	dfd = azlx_state_dfd(s, &own);
	fd = dfd < 0 ? -1 : openat(dfd, AZLX_STATE_FILE,
				   O_RDONLY | O_CLOEXEC | azlx_state_nofollow(s));
	err = errno;
	if (own && dfd >= 0)
		close(dfd);
	if (fd < 0 && err == ENOENT)
		return AZLX_EXIT_OK;
	*exists = true;
	if (fd < 0)
		return azlx_error(AZLX_EXIT_ERR, "state file %s: %s", path, strerror(err));
	doc = json_object_from_fd(fd);
	close(fd);
	if (!doc)
		return azlx_error(AZLX_EXIT_ERR, "state file %s: %s", path, json_util_get_last_err());
	if (!json_object_object_get_ex(doc, "version", &v) ||
	    json_object_get_int(v) != AZLX_STATE_VERSION ||
	    !json_object_object_get_ex(doc, "entries", &arr) ||
	    !json_object_is_type(arr, json_type_array)) {
		azlx_error(AZLX_EXIT_ERR, "state file %s: not a version %d state", path,
			   AZLX_STATE_VERSION);
		goto out;
	}
	if (json_object_object_get_ex(doc, "root", &v) &&
	    strcmp(json_object_get_string(v), azlx_root())) {
		azlx_error(AZLX_EXIT_ERR, "state file %s was written for root %s, not %s", path,
			   json_object_get_string(v), azlx_root());
		goto out;
	}
	/*
	 * Written in an earlier boot: the kernel has since reset what tune
	 * changed in sysfs and procfs; only configuration files still hold
	 * what it wrote.
	 */
	azlx_boot_id(boot, sizeof(boot));
	if (json_object_object_get_ex(doc, "boot_id", &v) && v && boot[0] &&
	    strcmp(json_object_get_string(v), boot)) {
		stale = true;
		azlx_note("state file %s is from an earlier boot: only its configuration files are kept",
			  path);
	}
	for (i = 0; i < json_object_array_length(arr); i++) {
		struct azlx_item it = { 0 };
		json_object *kind, *prior, *new, *p, *name;
		const char *k;
		size_t j;

		o = json_object_array_get_idx(arr, i);
		if (!json_object_object_get_ex(o, "kind", &kind) ||
		    !json_object_object_get_ex(o, "new", &new) ||
		    !json_object_object_get_ex(o, "prior", &prior) ||
		    !json_object_object_get_ex(o, "name", &name) ||
		    (!json_object_object_get_ex(o, "path", &p) &&
		     !json_object_object_get_ex(o, "device", &p)))
			goto bad;
		k = json_object_get_string(kind);
		for (j = 0; j < sizeof(azlx_kind_names) / sizeof(azlx_kind_names[0]); j++)
			if (!strcmp(k, azlx_kind_names[j]))
				break;
		if (j == sizeof(azlx_kind_names) / sizeof(azlx_kind_names[0]))
			goto bad;
		it.kind = (enum azlx_item_kind)j;
		if (stale && it.kind != AZLX_ITEM_CONFFILE)
			continue;
		azlx_strf(it.path, sizeof(it.path), "%s", json_object_get_string(p));
		if (it.kind == AZLX_ITEM_ETHTOOL) {
			if (!json_object_object_get_ex(o, "setting", &v) ||
			    azlx_eth_setting_parse(json_object_get_string(v), &it.eth))
				goto bad;
		}
		if (json_object_object_get_ex(o, "type", &v))
			it.value_type = json_object_get_int(v);
		if (azlx_entries_add(es, &it, prior ? json_object_get_string(prior) : NULL,
				     json_object_get_string(new))) {
			azlx_error(AZLX_EXIT_ERR, "out of memory");
			goto out;
		}
		azlx_strf(es->v[es->n - 1].name, sizeof(es->v[0].name), "%s",
			 json_object_get_string(name));
		continue;
bad:
		azlx_error(AZLX_EXIT_ERR, "state file %s: entry %zu is malformed", path, i);
		goto out;
	}
	ret = AZLX_EXIT_OK;
out:
	json_object_put(doc);
	if (ret)
		azlx_entries_free(es);
	return ret;
}

/* ---- doing ------------------------------------------------------------------------------ */

static int azlx_module_insert(const char *options, char *err, size_t err_len)
{
	struct kmod_module *mod;
	struct kmod_ctx *ctx;
	int ret;

	if (azlx_root_is_fake()) {
		azlx_strf(err, err_len, "modules cannot be loaded under --root");
		return -EPERM;
	}
	ctx = kmod_new(getenv("AZLXNET_MODULES_DIR"), NULL);
	if (!ctx)
		return -ENOMEM;
	kmod_set_log_priority(ctx, 0);
	ret = kmod_module_new_from_name(ctx, AZLX_MODULE_NAME, &mod);
	if (!ret) {
		ret = kmod_module_probe_insert_module(mod, KMOD_PROBE_IGNORE_COMMAND, options,
						      NULL, NULL, NULL);
		kmod_module_unref(mod);
	}
	kmod_unref(ctx);
	if (ret < 0)
		azlx_strf(err, err_len, "cannot load %s: %s", AZLX_MODULE_NAME, strerror(-ret));
	return ret < 0 ? ret : 0;
}

static int azlx_module_remove(char *err, size_t err_len)
{
	struct kmod_module *mod;
	struct kmod_ctx *ctx;
	int ret;

	if (azlx_root_is_fake()) {
		azlx_strf(err, err_len, "modules cannot be unloaded under --root");
		return -EPERM;
	}
	ctx = kmod_new(NULL, NULL);
	if (!ctx)
		return -ENOMEM;
	ret = kmod_module_new_from_name(ctx, AZLX_MODULE_NAME, &mod);
	if (!ret) {
		ret = kmod_module_remove_module(mod, 0);
		kmod_module_unref(mod);
	}
	kmod_unref(ctx);
	if (ret < 0)
		azlx_strf(err, err_len, "cannot unload %s: %s", AZLX_MODULE_NAME, strerror(-ret));
	return ret < 0 ? ret : 0;
}

/* Sets what @e describes to @val (NULL: absent); 0 or -errno with @err set. */
static int azlx_entry_write(const struct azlx_entry *e, const char *val, char *err, size_t err_len)
{
	int ret;

	switch (e->kind) {
	case AZLX_ITEM_FILE:
		ret = azlx_fs_write(e->path, val);
		if (ret)
			azlx_strf(err, err_len, "writing \"%s\" to %s: %s", val, e->path,
				 strerror(-ret));
		return ret;
	case AZLX_ITEM_ETHTOOL:
		return azlx_ethtool_set(e->path, e->eth,
					!strcmp(val, "on") ? 1 : !strcmp(val, "off") ? 0 :
					strtoul(val, NULL, 10), err, err_len);
	case AZLX_ITEM_MODULE:
		if (!strcmp(val, "loaded"))
			return azlx_module_insert(strchr(e->path, '=') ? e->path : "", err, err_len);
		return azlx_module_remove(err, err_len);
	case AZLX_ITEM_CONFFILE:
		if (!val) {
			ret = azlx_fs_unlink(e->path);
			if (ret == -ENOENT)
				ret = 0;
		} else {
			ret = azlx_fs_replace(e->path, val, strlen(val), 0644);
		}
		if (ret)
			azlx_strf(err, err_len, "%s: %s", e->path, strerror(-ret));
		return ret;
	}
	return -EINVAL;
}

/* Reads @e's current value into a new string (NULL and 0: absent). */
static int azlx_entry_read(const struct azlx_entry *e, char **out, char *err, size_t err_len)
{
	struct azlx_item it = { 0 };
	char buf[512];
	int ret;

	*out = NULL;
	if (e->kind == AZLX_ITEM_CONFFILE) {
		*out = azlx_fs_read_all(e->path, NULL);
		if (*out || errno == ENOENT)
			return 0;
		azlx_strf(err, err_len, "%s: %s", e->path, strerror(errno));
		return -errno;
	}
	it.kind = e->kind;
	it.eth = e->eth;
	it.value_type = e->value_type;
	azlx_strf(it.path, sizeof(it.path), "%s", e->path);
	ret = azlx_item_read(&it, buf, sizeof(buf), err, err_len);
	if (ret)
		return ret;
	*out = strdup(buf);
	return *out ? 0 : -ENOMEM;
}

static bool azlx_entry_is(const struct azlx_entry *e, const char *cur, const char *want)
{
	if (!cur || !want)
		return cur == want;
	if (e->kind == AZLX_ITEM_CONFFILE)
		return !strcmp(cur, want);
	return azlx_value_equal(e->value_type, cur, want);
}

/* AZLX_RESTORE_FAULT_ENV: restoring @e fails (a ':'-separated list of paths). */
static bool azlx_restore_fault(const struct azlx_entry *e, char *err, size_t err_len)
{
	const char *list = getenv(AZLX_RESTORE_FAULT_ENV), *p, *end;
	size_t len = strlen(e->path);

	for (p = list; p && *p; p = *end ? end + 1 : end) {
		end = strchrnul(p, ':');
		if ((size_t)(end - p) == len && !strncmp(p, e->path, len)) {
			azlx_strf(err, err_len, "%s: failure injected by %s", e->path,
				 AZLX_RESTORE_FAULT_ENV);
			return true;
		}
	}
	return false;
}

/*
 * Restores the entries [@from, @to) of @es to their prior values, in reverse
 * order, then goes over them once more: a failed one is tried again, and one
 * a later step changed again (switching the scheduler resets nr_requests) is
 * restored again; one that is gone since (a queue the channel count removed)
 * stays restored. Returns how many could not be restored, each marked failed
 * and warned about.
 */
static int azlx_restore(struct azlx_entries *es, int from, int to)
{
	char err[512], *cur;
	int i, pass, nfail = 0;
	bool readable;

	for (pass = 0; pass < 2; pass++) {
		nfail = 0;
		for (i = to - 1; i >= from; i--) {
			struct azlx_entry *e = &es->v[i];

			err[0] = '\0';
			readable = !azlx_entry_read(e, &cur, err, sizeof(err));
			if (readable && azlx_entry_is(e, cur, e->prior)) {
				free(cur);
				e->failed = false;
				continue;
			}
			free(cur);
			if (pass && !e->failed && !readable)
				continue;
			e->failed = false;
			if (azlx_restore_fault(e, err, sizeof(err)) ||
			    azlx_entry_write(e, e->prior, err, sizeof(err))) {
				if (pass)
					azlx_warn("%s: cannot restore \"%s\": %s", e->name,
						  e->prior ? e->prior : "(absent)", err);
				e->failed = true;
				nfail++;
			}
		}
	}
	return nfail;
}

/* Keeps the entries [0, @from) and those of [@from, n) that failed. */
static void azlx_entries_keep_failed(struct azlx_entries *es, int from)
{
	int i, w;

	for (i = w = from; i < es->n; i++) {
		if (!es->v[i].failed) {
			free(es->v[i].prior);
			free(es->v[i].new);
			continue;
		}
		es->v[w++] = es->v[i];
	}
	es->n = w;
}

/*
 * Item @it's value now, in a new string *@prior (NULL: an absent file).
 * 1: it already has the planned value; 0: it has not; -1: error (@err).
 */
static int azlx_item_prior(const struct azlx_item *it, char **prior, char *err, size_t err_len)
{
	char cur[512];

	*prior = NULL;
	if (it->kind == AZLX_ITEM_CONFFILE) {
		*prior = azlx_fs_read_all(it->path, NULL);
		if (!*prior && errno != ENOENT) {
			azlx_strf(err, err_len, "%s: %s", it->path, strerror(errno));
			return -1;
		}
		if (*prior && !strcmp(*prior, it->content)) {
			free(*prior);
			*prior = NULL;
			return 1;
		}
		return 0;
	}
	if (azlx_item_read(it, cur, sizeof(cur), err, err_len))
		return -1;
	if (azlx_value_equal(it->value_type, cur, it->new))
		return 1;
	*prior = strdup(cur);
	if (!*prior) {
		azlx_strf(err, err_len, "out of memory");
		return -1;
	}
	return 0;
}

/*
 * Records, in one state file write, the prior values of item @from and of
 * every later changing item not yet recorded whose value can be read now
 * (a queue a channel change creates is recorded once it exists). @idx maps
 * items to their entries (-1: not recorded). 0, or -1 with @err set.
 */
static int azlx_record_from(const struct azlx_state_ctx *s, const struct azlx_plan *p,
			    struct azlx_entries *es, int *idx, int from, char *err, size_t err_len)
{
	char *prior, skip[512];
	int j, r, added = 0, ret;

	for (j = from; j < p->n; j++) {
		const struct azlx_item *it = &p->items[j];

		if (!it->change || idx[j] >= 0)
			continue;
		r = azlx_item_prior(it, &prior, j == from ? err : skip,
				    j == from ? err_len : sizeof(skip));
		if (r < 0 && j == from)
			return -1;
		if (r)
			continue;
		ret = azlx_entries_add(es, it, prior,
				       it->kind == AZLX_ITEM_CONFFILE ? it->content : it->new);
		free(prior);
		if (ret) {
			azlx_strf(err, err_len, "out of memory");
			return -1;
		}
		idx[j] = es->n - 1;
		added++;
	}
	if (!added)
		return 0;
	ret = azlx_state_save(s, es);
	if (ret) {
		azlx_strf(err, err_len, "cannot record the prior values in %s/%s: %s", s->dir,
			 AZLX_STATE_FILE, strerror(-ret));
		return -1;
	}
	return 0;
}

int azlx_apply(struct azlx_state_ctx *s, const struct azlx_plan *p, int *applied)
{
	struct azlx_entries es;
	char err[512], cur[512];
	int i, j, w, first, fault = 0, k = 0, ret, nfail, *idx;
	bool existed, recorded;

	*applied = 0;
	if (getenv(AZLX_FAULT_ENV))
		fault = atoi(getenv(AZLX_FAULT_ENV));
	azlx_kill_step = 0;
	azlx_kill_at = getenv(AZLX_KILL_ENV) ? atoi(getenv(AZLX_KILL_ENV)) : 0;

	/* everything the plan touches must still be there: check before any change */
	for (i = 0; i < p->n; i++) {
		const struct azlx_item *it = &p->items[i];

		if (!it->change)
			continue;
		if (it->needs[0] && !azlx_fs_exists(it->needs))
			return azlx_error(AZLX_EXIT_ERR,
					  "%s %s: %s is gone since the plan was made; nothing was changed",
					  it->object, it->setting, it->needs);
		if (it->pending)
			continue;
		if (azlx_item_read(it, cur, sizeof(cur), err, sizeof(err)))
			return azlx_error(AZLX_EXIT_ERR, "%s %s: %s; nothing was changed",
					  it->object, it->setting, err);
	}

	idx = malloc(p->n * sizeof(*idx) + 1);
	if (!idx)
		return azlx_error(AZLX_EXIT_ERR, "out of memory");
	for (i = 0; i < p->n; i++)
		idx[i] = -1;
	ret = azlx_state_load(s, &es, &existed);
	if (ret) {
		free(idx);
		return ret;
	}
	first = es.n;

	/*
	 * Every prior value is in the state file before its value changes:
	 * recorded in batches (one write for all the values that can be read
	 * now), so that a large plan does not cost a synced write per change.
	 */
	for (i = 0; i < p->n; i++) {
		const struct azlx_item *it = &p->items[i];
		char *now = NULL;
		struct azlx_entry *e;

		if (!it->change)
			continue;
		if (idx[i] < 0) {
			if (azlx_record_from(s, p, &es, idx, i, err, sizeof(err)))
				goto fail;
			if (idx[i] < 0)
				continue;	/* already as planned */
		} else {
			/* an earlier step may have set it (its prior stays recorded) */
			ret = azlx_item_prior(it, &now, err, sizeof(err));
			free(now);
			now = NULL;
			if (ret < 0)
				goto fail;
			if (ret)
				continue;
		}
		e = &es.v[idx[i]];
		k++;
		if (fault && k == fault) {
			azlx_strf(err, sizeof(err), "%s: failure injected by %s=%d",
				 it->path, AZLX_FAULT_ENV, fault);
			goto fail;
		}
		if (azlx_entry_write(e, e->new, err, sizeof(err)))
			goto fail;
		azlx_kill_point();
		if (it->kind == AZLX_ITEM_FILE || it->kind == AZLX_ITEM_ETHTOOL) {
			if (azlx_entry_read(e, &now, err, sizeof(err)))
				goto fail;
			if (!azlx_entry_is(e, now, e->new)) {
				azlx_strf(err, sizeof(err), "wrote \"%s\" but it reads \"%s\"",
					 e->new, now ? now : "");
				free(now);
				goto fail;
			}
			free(now);
		}
		(*applied)++;
		continue;
fail:
		/*
		 * This run's entries, the failed step's included, back to their
		 * priors; those that cannot be stay recorded for revert.
		 */
		nfail = azlx_restore(&es, first, es.n);
		azlx_entries_keep_failed(&es, first);
		ret = es.n ? azlx_state_save(s, &es) : azlx_state_remove(s);
		if (ret)
			azlx_warn("cannot update %s/%s: %s", s->dir, AZLX_STATE_FILE,
				  strerror(-ret));
		if (nfail)
			ret = azlx_error(AZLX_EXIT_ERR,
					 "%s %s: %s; %d change(s) could not be rolled back (kept in %s/%s for \"azlxnet tune revert\")",
					 it->object, it->setting, err, nfail, s->dir,
					 AZLX_STATE_FILE);
		else
			ret = azlx_error(AZLX_EXIT_ERR, "%s %s: %s; %s", it->object, it->setting,
					 err, *applied ?
					 "every change of this run was rolled back" :
					 "nothing was changed");
		azlx_entries_free(&es);
		free(idx);
		*applied = 0;
		return ret;
	}
	free(idx);

	/* a later step can undo an earlier one (the scheduler resets nr_requests) */
	for (i = first; i < es.n; i++) {
		char *now = NULL;

		if (es.v[i].kind != AZLX_ITEM_FILE && es.v[i].kind != AZLX_ITEM_ETHTOOL)
			continue;
		if (!azlx_entry_read(&es.v[i], &now, err, sizeof(err)) &&
		    !azlx_entry_is(&es.v[i], now, es.v[i].new) &&
		    azlx_entry_write(&es.v[i], es.v[i].new, err, sizeof(err)))
			azlx_warn("%s: %s", es.v[i].name, err);
		free(now);
	}

	/* what an earlier run recorded keeps its prior value: the one before tuning */
	recorded = es.n > first;
	for (i = w = first; i < es.n; i++) {
		bool dup = false;

		for (j = 0; j < first; j++)
			if (azlx_entry_same(&es.v[j], es.v[i].kind, es.v[i].path, es.v[i].eth))
				dup = true;
		if (dup) {
			free(es.v[i].prior);
			free(es.v[i].new);
			continue;
		}
		es.v[w++] = es.v[i];
	}
	es.n = w;
	ret = AZLX_EXIT_OK;
	if (recorded) {
		int e2 = azlx_state_save(s, &es);

		if (e2)
			ret = azlx_error(AZLX_EXIT_ERR, "cannot write %s/%s: %s", s->dir,
					 AZLX_STATE_FILE, strerror(-e2));
	}
	azlx_entries_free(&es);
	return ret;
}

int azlx_revert(struct azlx_state_ctx *s, int *restored)
{
	struct azlx_entries es;
	int nfail, ret, n;
	bool existed;

	*restored = 0;
	ret = azlx_state_load(s, &es, &existed);
	if (ret)
		return ret;
	if (!es.n) {
		azlx_entries_free(&es);
		ret = azlx_state_remove(s);
		if (ret)
			return azlx_error(AZLX_EXIT_ERR, "cannot remove the state: %s",
					  strerror(-ret));
		return AZLX_EXIT_OK;
	}
	n = es.n;
	nfail = azlx_restore(&es, 0, es.n);
	*restored = n - nfail;
	if (!nfail) {
		ret = azlx_state_remove(s);
		if (ret)
			ret = azlx_error(AZLX_EXIT_ERR, "cannot remove the state: %s",
					 strerror(-ret));
		goto out;
	}
	/* keep exactly what could not be restored, so that revert can be run again */
	azlx_entries_keep_failed(&es, 0);
	ret = azlx_state_save(s, &es);
	if (ret)
		ret = azlx_error(AZLX_EXIT_ERR,
				 "%d of %d recorded value(s) could not be restored, and %s/%s cannot be updated: %s",
				 nfail, n, s->dir, AZLX_STATE_FILE, strerror(-ret));
	else
		ret = azlx_error(AZLX_EXIT_ERR,
				 "%d of %d recorded value(s) could not be restored (kept in %s/%s)",
				 nfail, n, s->dir, AZLX_STATE_FILE);
out:
	azlx_entries_free(&es);
	return ret;
}

/* ---- looking ---------------------------------------------------------------------------- */

void azlx_state_at(struct azlx_state_ctx *s, const char *dir, const char *in_root)
{
	azlx_state_init(s, dir, in_root);
}

int azlx_record_read(const struct azlx_state_ctx *s, struct azlx_record *r)
{
	struct azlx_entries *es;
	int i, ret;

	memset(r, 0, sizeof(*r));
	es = calloc(1, sizeof(*es));
	if (!es)
		return azlx_error(AZLX_EXIT_ERR, "out of memory");
	ret = azlx_state_load(s, es, &r->exists);
	if (ret) {
		free(es);
		return ret;
	}
	r->priv = es;
	if (!es->n)
		return AZLX_EXIT_OK;
	r->v = calloc(es->n, sizeof(*r->v));
	if (!r->v) {
		azlx_record_free(r);
		return azlx_error(AZLX_EXIT_ERR, "out of memory");
	}
	for (i = 0; i < es->n; i++) {
		const struct azlx_entry *e = &es->v[i];
		struct azlx_recorded *v = &r->v[r->n++];

		v->name = e->name;
		v->kind = azlx_kind_names[e->kind];
		v->path = e->path;
		v->setting = e->kind == AZLX_ITEM_ETHTOOL ? azlx_eth_setting_name(e->eth) : NULL;
		v->conffile = e->kind == AZLX_ITEM_CONFFILE;
		v->prior = e->prior;
		v->new = e->new;
		if (azlx_entry_read(e, &v->now, v->error, sizeof(v->error))) {
			v->unreadable = true;
			continue;
		}
		v->holds = azlx_entry_is(e, v->now, e->new);
		v->is_prior = azlx_entry_is(e, v->now, e->prior);
	}
	return AZLX_EXIT_OK;
}

void azlx_record_free(struct azlx_record *r)
{
	int i;

	for (i = 0; i < r->n; i++)
		free(r->v[i].now);
	free(r->v);
	if (r->priv) {
		azlx_entries_free(r->priv);
		free(r->priv);
	}
	memset(r, 0, sizeof(*r));
}
