// SPDX-License-Identifier: GPL-2.0-only
/*
 * Applying a plan as a transaction, and reverting it. Every prior value is
 * in the state file (JSON, DIR/tune.json) before the value changes; a failed
 * step undoes the run's earlier steps and leaves the state file as it was.
 * A lock (flock on DIR/tune.lock) keeps runs from overlapping.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
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

int azlx_state_lock(struct azlx_state_ctx *s, const char *dir)
{
	char path[PATH_MAX + 32];
	int err;

	s->lock_fd = -1;
	azlx_strf(s->dir, sizeof(s->dir), "%s", dir);
	err = azlx_mkdir_p(dir);
	if (err)
		return azlx_error(AZLX_EXIT_ERR, "state directory %s: %s", dir, strerror(-err));
	azlx_strf(path, sizeof(path), "%s/%s", dir, AZLX_LOCK_FILE);
	s->lock_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (s->lock_fd < 0)
		return azlx_error(AZLX_EXIT_ERR, "lock %s: %s", path, strerror(errno));
	if (flock(s->lock_fd, LOCK_EX | LOCK_NB)) {
		err = errno;
		close(s->lock_fd);
		s->lock_fd = -1;
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

/* Writes the state atomically (the root does not apply: s->dir is a host path). */
static int azlx_state_save(const struct azlx_state_ctx *s, const struct azlx_entries *es)
{
	char path[PATH_MAX], tmp[PATH_MAX + 8];
	const char *text;
	json_object *doc;
	size_t len;
	int fd, err = 0;

	if (azlx_state_path(s, path, sizeof(path)))
		return -ENAMETOOLONG;
	azlx_strf(tmp, sizeof(tmp), "%s.tmp", path);
	doc = azlx_entries_json(es);
	if (!doc)
		return -ENOMEM;
	text = json_object_to_json_string_ext(doc, JSON_C_TO_STRING_PRETTY |
					      JSON_C_TO_STRING_SPACED |
					      JSON_C_TO_STRING_NOSLASHESCAPE);
	len = strlen(text);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0) {
		err = -errno;
	} else {
		if (write(fd, text, len) != (ssize_t)len || write(fd, "\n", 1) != 1)
			err = errno ? -errno : -EIO;
		if (!err && fsync(fd))
			err = -errno;
		if (close(fd) && !err)
			err = -errno;
		if (!err && rename(tmp, path))
			err = -errno;
		if (err)
			unlink(tmp);
	}
	json_object_put(doc);
	return err;
}

static int azlx_state_remove(const struct azlx_state_ctx *s)
{
	char path[PATH_MAX];

	if (azlx_state_path(s, path, sizeof(path)))
		return -ENAMETOOLONG;
	return unlink(path) && errno != ENOENT ? -errno : 0;
}

/* Loads the state; a missing file is an empty state. 0 or an exit code. */
static int azlx_state_load(const struct azlx_state_ctx *s, struct azlx_entries *es, bool *exists)
{
	char path[PATH_MAX], boot[64];
	json_object *doc, *arr, *o, *v;
	bool stale = false;
	size_t i;
	int ret = AZLX_EXIT_ERR;

	memset(es, 0, sizeof(*es));
	*exists = false;
	if (azlx_state_path(s, path, sizeof(path)))
		return azlx_error(AZLX_EXIT_ERR, "state directory name too long");
	if (access(path, F_OK) && errno == ENOENT)
		return AZLX_EXIT_OK;
	*exists = true;
	doc = json_object_from_file(path);
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

/*
 * Restores the entries [@from, @to) of @es to their prior values, in reverse
 * order, then once more for any a later step changed again (switching the
 * scheduler resets nr_requests). Returns how many could not be restored;
 * their indexes are marked in @failed (if not NULL).
 */
static int azlx_restore(const struct azlx_entries *es, int from, int to, bool *failed)
{
	char err[512], *cur;
	int i, pass, nfail = 0;

	for (pass = 0; pass < 2; pass++) {
		nfail = 0;
		for (i = to - 1; i >= from; i--) {
			const struct azlx_entry *e = &es->v[i];

			if (pass && (failed && failed[i]))
				continue;
			err[0] = '\0';
			if (!azlx_entry_read(e, &cur, err, sizeof(err)) &&
			    azlx_entry_is(e, cur, e->prior)) {
				free(cur);
				if (failed)
					failed[i] = false;
				continue;
			}
			free(cur);
			if (azlx_entry_write(e, e->prior, err, sizeof(err))) {
				if (pass)
					azlx_warn("%s: cannot restore \"%s\": %s", e->name,
						  e->prior ? e->prior : "(absent)", err);
				if (failed)
					failed[i] = true;
				nfail++;
				continue;
			}
			if (failed)
				failed[i] = false;
		}
		if (!nfail)
			break;
	}
	return nfail;
}

static void azlx_entry_drop_last(struct azlx_entries *es)
{
	es->n--;
	free(es->v[es->n].prior);
	free(es->v[es->n].new);
}

int azlx_apply(struct azlx_state_ctx *s, const struct azlx_plan *p, int *applied)
{
	struct azlx_entries es;
	char err[512], cur[512];
	int i, j, w, first, fault = 0, k = 0, ret, nfail;
	bool existed;

	*applied = 0;
	if (getenv(AZLX_FAULT_ENV))
		fault = atoi(getenv(AZLX_FAULT_ENV));

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

	ret = azlx_state_load(s, &es, &existed);
	if (ret)
		return ret;
	first = es.n;

	for (i = 0; i < p->n; i++) {
		const struct azlx_item *it = &p->items[i];
		char *prior = NULL, *now = NULL;
		struct azlx_entry *e;

		if (!it->change)
			continue;
		/* the value now (a pending queue exists once its channels changed) */
		if (it->kind == AZLX_ITEM_CONFFILE) {
			prior = azlx_fs_read_all(it->path, NULL);
			if (!prior && errno != ENOENT) {
				azlx_strf(err, sizeof(err), "%s: %s", it->path, strerror(errno));
				goto fail;
			}
			if (prior && !strcmp(prior, it->content)) {
				free(prior);
				continue;
			}
		} else {
			if (azlx_item_read(it, cur, sizeof(cur), err, sizeof(err)))
				goto fail;
			if (azlx_value_equal(it->value_type, cur, it->new))
				continue;
			prior = strdup(cur);
			if (!prior) {
				azlx_strf(err, sizeof(err), "out of memory");
				goto fail;
			}
		}
		ret = azlx_entries_add(&es, it, prior,
				       it->kind == AZLX_ITEM_CONFFILE ? it->content : it->new);
		free(prior);
		if (ret) {
			azlx_strf(err, sizeof(err), "out of memory");
			goto fail;
		}
		e = &es.v[es.n - 1];
		/* the prior value is on disk before the value changes */
		ret = azlx_state_save(s, &es);
		if (ret) {
			azlx_strf(err, sizeof(err), "cannot record the prior value in %s/%s: %s",
				 s->dir, AZLX_STATE_FILE, strerror(-ret));
			azlx_entry_drop_last(&es);
			goto fail;
		}
		k++;
		if (fault && k == fault) {
			azlx_strf(err, sizeof(err), "%s: failure injected by %s=%d",
				 it->path, AZLX_FAULT_ENV, fault);
			goto fail;
		}
		if (azlx_entry_write(e, e->new, err, sizeof(err)))
			goto fail;
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
		/* this run's entries, the failed step's included, back to their priors */
		nfail = azlx_restore(&es, first, es.n, NULL);
		for (j = es.n; j > first; j--)
			azlx_entry_drop_last(&es);
		if (existed)
			azlx_state_save(s, &es);
		else
			azlx_state_remove(s);
		ret = azlx_error(AZLX_EXIT_ERR, "%s %s: %s; %s", it->object, it->setting, err,
				 nfail ? "some changes could not be rolled back (see the warnings)" :
				 *applied ? "every change of this run was rolled back" :
				 "nothing was changed");
		azlx_entries_free(&es);
		*applied = 0;
		return ret;
	}

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
	if (*applied) {
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
	struct azlx_entries es, left = { 0 };
	bool existed, *failed;
	int i, nfail, ret;

	*restored = 0;
	ret = azlx_state_load(s, &es, &existed);
	if (ret)
		return ret;
	if (!existed || !es.n) {
		azlx_entries_free(&es);
		if (existed)
			azlx_state_remove(s);
		return AZLX_EXIT_OK;
	}
	failed = calloc(es.n, sizeof(*failed));
	if (!failed) {
		azlx_entries_free(&es);
		return azlx_error(AZLX_EXIT_ERR, "out of memory");
	}
	nfail = azlx_restore(&es, 0, es.n, failed);
	if (!nfail) {
		*restored = es.n;
		ret = azlx_state_remove(s);
		if (ret)
			ret = azlx_error(AZLX_EXIT_ERR, "cannot remove the state: %s", strerror(-ret));
		goto out;
	}
	/* keep what could not be restored, so that revert can be run again */
	left.v = calloc(nfail, sizeof(*left.v));
	if (left.v) {
		for (i = 0; i < es.n; i++) {
			if (!failed[i])
				continue;
			left.v[left.n++] = es.v[i];
		}
		azlx_state_save(s, &left);
		free(left.v);
	}
	*restored = es.n - nfail;
	ret = azlx_error(AZLX_EXIT_ERR,
			 "%d of %d recorded value(s) could not be restored (kept in %s/%s)",
			 nfail, es.n, s->dir, AZLX_STATE_FILE);
out:
	free(failed);
	azlx_entries_free(&es);
	return ret;
}
