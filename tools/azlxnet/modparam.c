// SPDX-License-Identifier: GPL-2.0-only
/*
 * Module parameter bookkeeping and PARAM=VALUE parsing (no libkmod here).
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "modparam.h"

void azlx_modparams_init(struct azlx_modparams *p)
{
	memset(p, 0, sizeof(*p));
}

void azlx_modparams_free(struct azlx_modparams *p)
{
	size_t i;

	for (i = 0; i < p->n; i++) {
		free(p->v[i].name);
		free(p->v[i].type);
		free(p->v[i].desc);
		free(p->v[i].value);
	}
	free(p->v);
	azlx_modparams_init(p);
}

static bool azlx_modparam_eq(const char *a, const char *b, size_t len)
{
	size_t i;

	if (strlen(a) != len)
		return false;
	for (i = 0; i < len; i++) {
		char ca = a[i] == '-' ? '_' : a[i];
		char cb = b[i] == '-' ? '_' : b[i];

		if (ca != cb)
			return false;
	}
	return true;
}

struct azlx_modparam *azlx_modparams_find(const struct azlx_modparams *p,
					  const char *name, size_t len)
{
	size_t i;

	for (i = 0; i < p->n; i++) {
		if (azlx_modparam_eq(p->v[i].name, name, len))
			return &p->v[i];
	}
	return NULL;
}

struct azlx_modparam *azlx_modparams_get(struct azlx_modparams *p, const char *name,
					 size_t len)
{
	struct azlx_modparam *mp = azlx_modparams_find(p, name, len);

	if (mp)
		return mp;
	if (p->n == p->cap) {
		size_t cap = p->cap ? 2 * p->cap : 8;
		struct azlx_modparam *v = realloc(p->v, cap * sizeof(*v));

		if (!v)
			return NULL;
		p->v = v;
		p->cap = cap;
	}
	mp = &p->v[p->n];
	memset(mp, 0, sizeof(*mp));
	mp->name = strndup(name, len);
	if (!mp->name)
		return NULL;
	p->n++;
	return mp;
}

int azlx_modparams_add_info(struct azlx_modparams *p, const char *key, const char *value)
{
	struct azlx_modparam *mp;
	const char *colon;
	char **field;

	if (strcmp(key, "parm") && strcmp(key, "parmtype"))
		return 0;

	colon = strchr(value, ':');
	if (!colon || colon == value || !azlx_modparam_name_valid(value, colon - value))
		return -EINVAL;

	mp = azlx_modparams_get(p, value, colon - value);
	if (!mp)
		return -ENOMEM;
	field = !strcmp(key, "parm") ? &mp->desc : &mp->type;
	free(*field);
	*field = strdup(colon + 1);
	return *field ? 0 : -ENOMEM;
}

bool azlx_modparam_name_valid(const char *name, size_t len)
{
	size_t i;

	if (!len)
		return false;
	for (i = 0; i < len; i++) {
		unsigned char c = name[i];

		if (!isalnum(c) && c != '_' && c != '-')
			return false;
	}
	return true;
}

static int azlx_append(char **buf, size_t *len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int azlx_append(char **buf, size_t *len, const char *fmt, ...)
{
	char *s, *nbuf;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n < 0)
		return -ENOMEM;

	nbuf = realloc(*buf, *len + n + 1);
	if (!nbuf) {
		free(s);
		return -ENOMEM;
	}
	memcpy(nbuf + *len, s, n + 1);
	*buf = nbuf;
	*len += n;
	free(s);
	return 0;
}

static void azlx_modparams_names(const struct azlx_modparams *p, char *buf, size_t len)
{
	size_t i, used = 0;

	buf[0] = '\0';
	for (i = 0; i < p->n && used < len; i++)
		used += snprintf(buf + used, len - used, "%s%s", i ? ", " : "",
				 p->v[i].name);
}

int azlx_modparams_parse_args(const struct azlx_modparams *declared, int argc,
			      char **argv, char **options, char *err, size_t err_len)
{
	size_t len = 0;
	char *buf = NULL;
	int i;

	*options = NULL;
	for (i = 0; i < argc; i++) {
		const char *arg = argv[i];
		const char *eq = strchr(arg, '=');
		const char *value, *name, *quote;
		size_t nlen;

		if (!eq) {
			snprintf(err, err_len, "\"%s\" is not PARAM=VALUE", arg);
			goto err_free;
		}
		nlen = eq - arg;
		value = eq + 1;
		if (!azlx_modparam_name_valid(arg, nlen)) {
			snprintf(err, err_len, "invalid parameter name \"%.*s\"", (int)nlen, arg);
			goto err_free;
		}
		if (strchr(value, '"')) {
			snprintf(err, err_len, "value of \"%.*s\" contains a '\"'", (int)nlen, arg);
			goto err_free;
		}
		name = NULL;
		if (declared) {
			const struct azlx_modparam *mp;

			mp = azlx_modparams_find(declared, arg, nlen);
			if (mp) {
				/* spell it as the module does */
				name = mp->name;
			} else {
				char names[512];

				azlx_modparams_names(declared, names, sizeof(names));
				snprintf(err, err_len,
					 "unknown parameter \"%.*s\" (azlxnet declares: %s)",
					 (int)nlen, arg, names[0] ? names : "none");
				goto err_free;
			}
		}

		/* the kernel's parser splits on blanks unless the value is quoted */
		quote = strpbrk(value, " \t\n") ? "\"" : "";
		if (azlx_append(&buf, &len, "%s%.*s=%s%s%s", i ? " " : "",
				name ? (int)strlen(name) : (int)nlen, name ? name : arg,
				quote, value, quote) < 0) {
			snprintf(err, err_len, "out of memory");
			goto err_free;
		}
	}
	*options = buf ? buf : strdup("");
	if (!*options) {
		snprintf(err, err_len, "out of memory");
		return -ENOMEM;
	}
	return 0;

err_free:
	free(buf);
	return -EINVAL;
}
