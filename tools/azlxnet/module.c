// SPDX-License-Identifier: GPL-2.0-only
/*
 * azlxnet module { load | unload | show }: the module's life cycle through
 * libkmod, as modprobe(8) does it but without running anything.
 */
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <libkmod.h>

#include "azlxnet.h"
#include "cmd.h"
#include "modparam.h"
#include "print.h"
#include "sysfs.h"

#define AZLX_SYSFS_MODULE	"module/" AZLX_MODULE_NAME
/* Where the kernel's modules are, for tests (default: /lib/modules/`uname -r`) */
#define AZLX_MODULES_DIR_ENV	"AZLXNET_MODULES_DIR"

enum azlx_modstate {
	AZLX_MOD_ABSENT,
	AZLX_MOD_BUILTIN,
	AZLX_MOD_LIVE,
	AZLX_MOD_COMING,
	AZLX_MOD_GOING,
};

static const char *const azlx_modstate_names[] = {
	[AZLX_MOD_ABSENT]	= "not loaded",
	[AZLX_MOD_BUILTIN]	= "builtin",
	[AZLX_MOD_LIVE]		= "live",
	[AZLX_MOD_COMING]	= "coming",
	[AZLX_MOD_GOING]	= "going",
};

struct azlx_kmod {
	struct kmod_ctx		*ctx;
	struct kmod_module	*mod;
	const char		*path;		/* module file from modules.dep, or NULL */
};

static int azlx_module_help(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	printf("Usage: azlxnet module load [ PARAM=VALUE ]...\n"
	       "       azlxnet module unload\n"
	       "       azlxnet module show\n"
	       "       azlxnet module help\n"
	       "where  PARAM := a parameter of azlxnet.ko (see \"azlxnet module show\")\n");
	return AZLX_EXIT_OK;
}

static void azlx_kmod_log(void *data, int priority, const char *file, int line,
			  const char *fn, const char *fmt, va_list args)
{
	(void)data;
	(void)priority;
	(void)file;
	(void)line;
	(void)fn;
	fprintf(stderr, "libkmod: ");
	vfprintf(stderr, fmt, args);
}

static int azlx_kmod_open(struct azlx_kmod *k)
{
	int err;

	memset(k, 0, sizeof(*k));
	/* NULL: /lib/modules/$(uname -r), as modprobe without --dirname */
	k->ctx = kmod_new(getenv(AZLX_MODULES_DIR_ENV), NULL);
	if (!k->ctx)
		return azlx_error(AZLX_EXIT_ERR, "cannot initialise libkmod");
	/* libkmod logs errors itself: only let it speak with --verbose */
	kmod_set_log_fn(k->ctx, azlx_kmod_log, NULL);
	if (!azlx_opts.verbose)
		kmod_set_log_priority(k->ctx, 0);

	err = kmod_module_new_from_name(k->ctx, AZLX_MODULE_NAME, &k->mod);
	if (err < 0) {
		kmod_unref(k->ctx);
		k->ctx = NULL;
		return azlx_error(AZLX_EXIT_ERR, "libkmod: %s", strerror(-err));
	}
	/* NULL unless modules.dep of the running kernel lists the module */
	k->path = kmod_module_get_path(k->mod);
	return AZLX_EXIT_OK;
}

static void azlx_kmod_close(struct azlx_kmod *k)
{
	kmod_module_unref(k->mod);
	kmod_unref(k->ctx);
	memset(k, 0, sizeof(*k));
}

static int azlx_modstate_from_str(const char *s)
{
	if (!strcmp(s, "live"))
		return AZLX_MOD_LIVE;
	if (!strcmp(s, "coming"))
		return AZLX_MOD_COMING;
	if (!strcmp(s, "going"))
		return AZLX_MOD_GOING;
	return -EINVAL;
}

/* AZLX_MOD_* or a negative errno. */
static int azlx_module_state(const struct azlx_kmod *k)
{
	struct stat st;
	char buf[32], path[4096];
	int ret;

	if (!azlx_sysfs_is_fake()) {
		ret = kmod_module_get_initstate(k->mod);
		switch (ret) {
		case KMOD_MODULE_BUILTIN:
			return AZLX_MOD_BUILTIN;
		case KMOD_MODULE_LIVE:
			return AZLX_MOD_LIVE;
		case KMOD_MODULE_COMING:
			return AZLX_MOD_COMING;
		case KMOD_MODULE_GOING:
			return AZLX_MOD_GOING;
		case -ENOENT:
			return AZLX_MOD_ABSENT;
		default:
			return ret < 0 ? ret : -EINVAL;
		}
	}

	/* the same reading as libkmod's, under the fake sysfs */
	ret = azlx_sysfs_read(AZLX_SYSFS_MODULE "/initstate", buf, sizeof(buf));
	if (ret >= 0)
		return azlx_modstate_from_str(buf);
	if (ret != -ENOENT)
		return ret;
	if (!azlx_sysfs_path(AZLX_SYSFS_MODULE, path, sizeof(path)) &&
	    !stat(path, &st) && S_ISDIR(st.st_mode))
		return AZLX_MOD_COMING;
	return AZLX_MOD_ABSENT;
}

/* Parameters declared in the module file's .modinfo, and its versions. */
static int azlx_modinfo_params(const struct azlx_kmod *k, struct azlx_modparams *params,
			       char *version, char *srcversion, size_t len)
{
	struct kmod_list *info = NULL, *l;
	int err;

	err = kmod_module_get_info(k->mod, &info);
	if (err < 0)
		return err;
	err = 0;
	kmod_list_foreach(l, info) {
		const char *key = kmod_module_info_get_key(l);
		const char *value = kmod_module_info_get_value(l);

		if (!key || !value)
			continue;
		if (version && !strcmp(key, "version")) {
			snprintf(version, len, "%s", value);
		} else if (srcversion && !strcmp(key, "srcversion")) {
			snprintf(srcversion, len, "%s", value);
		} else if (azlx_modparams_add_info(params, key, value) == -ENOMEM) {
			/* a malformed parm line is skipped, as modinfo(8) does */
			err = -ENOMEM;
			break;
		}
	}
	kmod_module_info_free_list(info);
	return err;
}

/* Current values from <sysfs>/module/azlxnet/parameters/. */
static int azlx_sysfs_params(struct azlx_modparams *params)
{
	char path[4096], rel[512], buf[4096];
	struct dirent *de;
	DIR *dir;
	int err = 0;

	if (azlx_sysfs_path(AZLX_SYSFS_MODULE "/parameters", path, sizeof(path)))
		return -ENAMETOOLONG;
	dir = opendir(path);
	if (!dir)
		return errno == ENOENT ? 0 : -errno;
	while ((de = readdir(dir))) {
		struct azlx_modparam *mp;

		if (de->d_name[0] == '.')
			continue;
		mp = azlx_modparams_get(params, de->d_name, strlen(de->d_name));
		if (!mp) {
			err = -ENOMEM;
			break;
		}
		snprintf(rel, sizeof(rel), AZLX_SYSFS_MODULE "/parameters/%s", de->d_name);
		/* write-only parameters (0200) have no readable value */
		if (azlx_sysfs_read(rel, buf, sizeof(buf)) >= 0) {
			free(mp->value);
			mp->value = strdup(buf);
		}
	}
	closedir(dir);
	return err;
}

static void azlx_print_opt(const char *key, const char *fmt, const char *value)
{
	if (value)
		azlx_print_string(AZLX_PRINT_ANY, key, fmt, value);
	else
		azlx_print_null(key);
}

static void azlx_print_params(const struct azlx_modparams *params)
{
	size_t i;

	azlx_print_text("parameters:%s\n", params->n ? "" : " none");
	azlx_print_open_array("parameters");
	for (i = 0; i < params->n; i++) {
		const struct azlx_modparam *mp = &params->v[i];

		azlx_print_open_object(NULL);
		azlx_print_string(AZLX_PRINT_ANY, "name", "  %s", mp->name);
		if (mp->value)
			azlx_print_string(AZLX_PRINT_ANY, "value", " = %s", mp->value);
		else
			azlx_print_null("value");
		if (mp->type)
			azlx_print_string(AZLX_PRINT_ANY, "type", " (%s)", mp->type);
		else
			azlx_print_null("type");
		azlx_print_text("\n");
		if (mp->desc)
			azlx_print_string(AZLX_PRINT_ANY, "description", "    %s\n", mp->desc);
		else
			azlx_print_null("description");
		azlx_print_close_object();
	}
	azlx_print_close_array();
}

static int azlx_module_show(int argc, char **argv)
{
	char version[128] = "", srcversion[128] = "", buf[128];
	struct azlx_modparams params;
	struct azlx_kmod k;
	bool loaded;
	int state, ret, n;

	if (argc && azlx_is_help(argv[0]))
		return azlx_module_help(0, NULL);
	if (argc)
		return azlx_error(AZLX_EXIT_USAGE, "\"module show\" takes no argument: \"%s\"",
				  argv[0]);

	ret = azlx_kmod_open(&k);
	if (ret)
		return ret;
	azlx_modparams_init(&params);

	state = azlx_module_state(&k);
	if (state < 0) {
		ret = azlx_error(AZLX_EXIT_ERR, "cannot read the state of %s: %s",
				 AZLX_MODULE_NAME, strerror(-state));
		goto out;
	}
	loaded = state != AZLX_MOD_ABSENT;

	/* the file's modinfo: descriptions, types, and versions if not loaded */
	if (k.path) {
		n = azlx_modinfo_params(&k, &params, version, srcversion, sizeof(version));
		if (n < 0 && azlx_opts.verbose)
			azlx_warn("cannot read modinfo of %s: %s", k.path, strerror(-n));
	}
	if (loaded) {
		if (azlx_sysfs_read(AZLX_SYSFS_MODULE "/version", buf, sizeof(buf)) >= 0)
			snprintf(version, sizeof(version), "%s", buf);
		if (azlx_sysfs_read(AZLX_SYSFS_MODULE "/srcversion", buf, sizeof(buf)) >= 0)
			snprintf(srcversion, sizeof(srcversion), "%s", buf);
		n = azlx_sysfs_params(&params);
		if (n < 0) {
			ret = azlx_error(AZLX_EXIT_ERR, "cannot read the parameters of %s: %s",
					 AZLX_MODULE_NAME, strerror(-n));
			goto out;
		}
	}

	azlx_print_open_object(NULL);
	azlx_print_string(AZLX_PRINT_ANY, "name", "module: %s\n", AZLX_MODULE_NAME);
	azlx_print_bool(AZLX_PRINT_JSON, "loaded", NULL, loaded);
	azlx_print_string(AZLX_PRINT_TEXT, NULL, "state: %s\n", azlx_modstate_names[state]);
	if (loaded)
		azlx_print_string(AZLX_PRINT_JSON, "state", NULL, azlx_modstate_names[state]);
	else
		azlx_print_null("state");
	azlx_print_opt("version", "version: %s\n", version[0] ? version : NULL);
	azlx_print_opt("srcversion", "srcversion: %s\n", srcversion[0] ? srcversion : NULL);

	if (loaded && azlx_sysfs_read(AZLX_SYSFS_MODULE "/refcnt", buf, sizeof(buf)) >= 0)
		azlx_print_uint(AZLX_PRINT_ANY, "refcnt", "refcnt: %llu\n",
				strtoull(buf, NULL, 10));
	else
		azlx_print_null("refcnt");
	if (loaded && azlx_sysfs_read(AZLX_SYSFS_MODULE "/taint", buf, sizeof(buf)) >= 0) {
		azlx_print_string(AZLX_PRINT_JSON, "taint", NULL, buf);
		azlx_print_text("taint: %s\n", buf[0] ? buf : "none");
	} else {
		azlx_print_null("taint");
	}

	if (k.path) {
		azlx_print_string(AZLX_PRINT_ANY, "path", "path: %s\n", k.path);
	} else {
		azlx_print_null("path");
		azlx_print_text("path: not found in %s\n", kmod_get_dirname(k.ctx));
	}
	azlx_print_params(&params);
	azlx_print_close_object();
	ret = AZLX_EXIT_OK;
out:
	azlx_modparams_free(&params);
	azlx_kmod_close(&k);
	return ret;
}

static const char *azlx_load_strerror(int err, char *buf, size_t len)
{
	switch (err) {
	case EPERM:
		snprintf(buf, len, "%s (needs CAP_SYS_MODULE; module loading may be disabled, or the kernel is locked down and refuses a module it cannot verify)",
			 strerror(err));
		return buf;
	case ENOEXEC:
		return "invalid module format (built for another kernel?)";
	case ENOENT:
		return "unknown symbol in module, or unknown parameter (see dmesg)";
	case EINVAL:
		return "invalid parameters (see dmesg)";
	case EKEYREJECTED:
	case EKEYEXPIRED:
	case ENOKEY:
	case EBADMSG:
		/* the kernel's words first: they are what dmesg and modprobe say */
		snprintf(buf, len, "%s (the kernel refused the module's signature: unsigned, signed with a key it does not trust, or changed after signing; sign it with an enrolled key)",
			 strerror(err));
		return buf;
	default:
		return strerror(err);
	}
}

/*
 * Whether the kernel loads only signed modules, and why: "" when it does not.
 * module.sig_enforce=1 (or CONFIG_MODULE_SIG_FORCE) refuses an unsigned
 * module or one signed with a key it does not trust with EKEYREJECTED;
 * lockdown (Secure Boot) refuses them with EPERM. A signature that does not
 * verify is refused either way.
 */
static const char *azlx_sig_enforced(void)
{
	char buf[128];

	if (azlx_sysfs_read("module/module/parameters/sig_enforce", buf, sizeof(buf)) > 0 &&
	    !strcmp(buf, "Y"))
		return "module signature enforcement is on (module.sig_enforce)";
	if (azlx_sysfs_read("kernel/security/lockdown", buf, sizeof(buf)) > 0 &&
	    (strstr(buf, "[integrity]") || strstr(buf, "[confidentiality]")))
		return "the kernel is locked down (Secure Boot)";
	return "";
}

struct azlx_modsig {
	char	signer[128];
	char	key[128];
	char	hash[32];
	bool	signed_;
};

/* The module file's signature, as modinfo(8) shows it. */
static int azlx_modinfo_sig(const struct azlx_kmod *k, struct azlx_modsig *sig)
{
	struct kmod_list *info = NULL, *l;
	int err;

	memset(sig, 0, sizeof(*sig));
	err = kmod_module_get_info(k->mod, &info);
	if (err < 0)
		return err;
	kmod_list_foreach(l, info) {
		const char *key = kmod_module_info_get_key(l);
		const char *value = kmod_module_info_get_value(l);

		if (!key || !value)
			continue;
		if (!strcmp(key, "sig_id")) {
			sig->signed_ = true;
		} else if (!strcmp(key, "signer")) {
			snprintf(sig->signer, sizeof(sig->signer), "%s", value);
		} else if (!strcmp(key, "sig_key")) {
			snprintf(sig->key, sizeof(sig->key), "%s", value);
		} else if (!strcmp(key, "sig_hashalgo")) {
			snprintf(sig->hash, sizeof(sig->hash), "%s", value);
		}
	}
	kmod_module_info_free_list(info);
	return 0;
}

void azlx_module_sig_hint(char *buf, size_t len)
{
	const char *enforced = azlx_sig_enforced();
	struct azlx_modsig sig;
	struct azlx_kmod k;
	int err;

	buf[0] = '\0';
	if (!enforced[0])
		return;
	azlx_errors_mute(true);
	err = azlx_kmod_open(&k);
	azlx_errors_mute(false);
	if (err) {
		snprintf(buf, len, "%s: the kernel loads only modules signed with a key it trusts",
			 enforced);
		return;
	}
	if (!k.path) {
		snprintf(buf, len, "%s, and no %s.ko is installed in %s", enforced,
			 AZLX_MODULE_NAME, kmod_get_dirname(k.ctx));
	} else if (azlx_modinfo_sig(&k, &sig) < 0) {
		snprintf(buf, len, "%s: the kernel loads only modules signed with a key it trusts",
			 enforced);
	} else if (!sig.signed_) {
		snprintf(buf, len,
			 "%s and %s is not signed: the kernel refuses it; sign it with a key the kernel trusts (make sign, or DKMS's signing) and enroll the key (mokutil --import)",
			 enforced, k.path);
	} else {
		snprintf(buf, len,
			 "%s; %s is signed by \"%s\" (key %s, %s): if the kernel refuses it, it does not trust that key (enroll it with mokutil --import) or the module changed after signing",
			 enforced, k.path, sig.signer[0] ? sig.signer : "unknown",
			 sig.key[0] ? sig.key : "unknown", sig.hash[0] ? sig.hash : "unknown hash");
	}
	azlx_kmod_close(&k);
}

/* With --verbose, what is inserted with which options, like modprobe -v. */
static void azlx_kmod_print_action(struct kmod_module *m, bool install, const char *options)
{
	const char *path = kmod_module_get_path(m);

	(void)install;
	fprintf(stderr, "insmod %s %s\n", path ? path : kmod_module_get_name(m), options);
}

static int azlx_already_loaded(int nparams)
{
	if (nparams)
		return azlx_error_op(AZLX_EXIT_ERR, "load", EEXIST, NULL,
				     "%s is already loaded: parameters not applied (unload it first, or use \"azlxnet config set\")",
				     AZLX_MODULE_NAME);
	azlx_note("%s is already loaded", AZLX_MODULE_NAME);
	azlx_print_bool(AZLX_PRINT_JSON, "loaded", NULL, true);
	azlx_print_bool(AZLX_PRINT_JSON, "already_loaded", NULL, true);
	return AZLX_EXIT_OK;
}

static int azlx_module_load(int argc, char **argv)
{
	struct azlx_modparams declared;
	char *options = NULL;
	struct azlx_kmod k;
	char why[768];
	int ret, state, err;

	if (argc == 1 && azlx_is_help(argv[0]) && !strchr(argv[0], '='))
		return azlx_module_help(0, NULL);

	/* syntax first: a malformed line needs no module to be rejected */
	if (azlx_modparams_parse_args(NULL, argc, argv, &options, why, sizeof(why)))
		return azlx_error(AZLX_EXIT_USAGE, "%s", why);
	free(options);
	options = NULL;

	ret = azlx_kmod_open(&k);
	if (ret)
		return ret;
	azlx_modparams_init(&declared);

	state = azlx_module_state(&k);
	if (state < 0) {
		ret = azlx_error(AZLX_EXIT_ERR, "cannot read the state of %s: %s",
				 AZLX_MODULE_NAME, strerror(-state));
		goto out;
	}

	if (!k.path) {
		if (state != AZLX_MOD_ABSENT)
			ret = azlx_already_loaded(argc);
		else
			ret = azlx_error(AZLX_EXIT_NOMOD,
					 "%s module not found in %s (is it installed? try dkms status)",
					 AZLX_MODULE_NAME, kmod_get_dirname(k.ctx));
		goto out;
	}

	err = azlx_modinfo_params(&k, &declared, NULL, NULL, 0);
	if (err < 0) {
		ret = azlx_error(AZLX_EXIT_ERR, "cannot read modinfo of %s: %s",
				 k.path, strerror(-err));
		goto out;
	}
	if (azlx_modparams_parse_args(&declared, argc, argv, &options, why, sizeof(why))) {
		ret = azlx_error(AZLX_EXIT_USAGE, "%s", why);
		goto out;
	}

	if (state != AZLX_MOD_ABSENT) {
		ret = azlx_already_loaded(argc);
		goto out;
	}

	/*
	 * Options from modprobe.d come first, then ours, so ours win. Install
	 * commands are not run: this tool starts no programs.
	 */
	err = kmod_module_probe_insert_module(k.mod,
					      KMOD_PROBE_IGNORE_COMMAND |
					      KMOD_PROBE_FAIL_ON_LOADED,
					      options, NULL, NULL,
					      azlx_opts.verbose ? azlx_kmod_print_action : NULL);
	if (err == -EEXIST) {
		ret = azlx_already_loaded(argc);
		goto out;
	}
	if (err < 0) {
		ret = azlx_error_op(AZLX_EXIT_ERR, "load", -err, NULL, "cannot load %s: %s",
				    AZLX_MODULE_NAME, azlx_load_strerror(-err, why, sizeof(why)));
		goto out;
	}
	azlx_print_bool(AZLX_PRINT_JSON, "loaded", NULL, true);
	azlx_print_bool(AZLX_PRINT_JSON, "already_loaded", NULL, false);
	ret = AZLX_EXIT_OK;
out:
	free(options);
	azlx_modparams_free(&declared);
	azlx_kmod_close(&k);
	return ret;
}

static void azlx_holders(const struct azlx_kmod *k, char *buf, size_t len)
{
	struct kmod_list *holders, *l;
	size_t used = 0;

	buf[0] = '\0';
	if (azlx_sysfs_is_fake())
		return;
	holders = kmod_module_get_holders(k->mod);
	kmod_list_foreach(l, holders) {
		struct kmod_module *m = kmod_module_get_module(l);

		if (used < len)
			used += snprintf(buf + used, len - used, "%s%s",
					 used ? ", " : "", kmod_module_get_name(m));
		kmod_module_unref(m);
	}
	kmod_module_unref_list(holders);
}

static int azlx_module_busy(const struct azlx_kmod *k)
{
	char refcnt[32], holders[256];

	if (azlx_sysfs_read(AZLX_SYSFS_MODULE "/refcnt", refcnt, sizeof(refcnt)) < 0)
		snprintf(refcnt, sizeof(refcnt), "some");
	azlx_holders(k, holders, sizeof(holders));
	return azlx_error_op(AZLX_EXIT_ERR, "unload", EBUSY, NULL,
			     "%s is in use: %s references (BPF programs calling its kfuncs pin it)%s%s",
			     AZLX_MODULE_NAME, refcnt, holders[0] ? "; used by " : "",
			     holders);
}

static int azlx_module_unload(int argc, char **argv)
{
	struct azlx_kmod k;
	int ret, state, err;

	if (argc && azlx_is_help(argv[0]))
		return azlx_module_help(0, NULL);
	if (argc)
		return azlx_error(AZLX_EXIT_USAGE, "\"module unload\" takes no argument: \"%s\"",
				  argv[0]);

	ret = azlx_kmod_open(&k);
	if (ret)
		return ret;

	state = azlx_module_state(&k);
	if (state < 0) {
		ret = azlx_error(AZLX_EXIT_ERR, "cannot read the state of %s: %s",
				 AZLX_MODULE_NAME, strerror(-state));
		goto out;
	}
	if (state == AZLX_MOD_ABSENT) {
		ret = azlx_error(AZLX_EXIT_NOMOD, "%s module is not loaded", AZLX_MODULE_NAME);
		goto out;
	}
	if (state == AZLX_MOD_BUILTIN) {
		ret = azlx_error(AZLX_EXIT_ERR, "%s is built into the kernel", AZLX_MODULE_NAME);
		goto out;
	}

	err = kmod_module_remove_module(k.mod, KMOD_REMOVE_NOLOG);
	switch (-err) {
	case 0:
		azlx_print_bool(AZLX_PRINT_JSON, "loaded", NULL, false);
		ret = AZLX_EXIT_OK;
		break;
	case EBUSY:
	case EAGAIN:
		ret = azlx_module_busy(&k);
		break;
	case ENOENT:
		ret = azlx_error(AZLX_EXIT_NOMOD, "%s module is not loaded", AZLX_MODULE_NAME);
		break;
	case EPERM:
		ret = azlx_error_op(AZLX_EXIT_ERR, "unload", EPERM, NULL,
				    "cannot unload %s: operation not permitted (needs CAP_SYS_MODULE)",
				    AZLX_MODULE_NAME);
		break;
	default:
		ret = azlx_error_op(AZLX_EXIT_ERR, "unload", -err, NULL, "cannot unload %s: %s",
				    AZLX_MODULE_NAME, strerror(-err));
		break;
	}
out:
	azlx_kmod_close(&k);
	return ret;
}

static const struct azlx_cmd azlx_module_cmds[] = {
	{ "load",	azlx_module_load },
	{ "unload",	azlx_module_unload },
	{ "show",	azlx_module_show },
	{ "help",	azlx_module_help },
	{ NULL,		NULL },
};

int azlx_do_module(int argc, char **argv)
{
	if (!argc)
		return azlx_module_show(0, NULL);
	return azlx_cmd_run(azlx_module_cmds, argc, argv, "azlxnet module");
}
