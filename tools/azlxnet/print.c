// SPDX-License-Identifier: GPL-2.0-only
/*
 * Text/JSON print layer and the single error path.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "print.h"

#define AZLX_JSON_DEPTH	16

static struct {
	FILE		*out;
	bool		json;
	bool		pretty;
	int		depth;			/* entries used in stack[] */
	json_object	*stack[AZLX_JSON_DEPTH];	/* [0]: the document */
} azlx_pr;

void azlx_print_init(FILE *out, bool json, bool pretty)
{
	azlx_print_discard();
	azlx_pr.out = out;
	azlx_pr.json = json;
	azlx_pr.pretty = pretty;
}

bool azlx_print_is_json(void)
{
	return azlx_pr.json;
}

static FILE *azlx_print_out(void)
{
	return azlx_pr.out ? azlx_pr.out : stdout;
}

static bool azlx_print_wants(enum azlx_print kind)
{
	if (azlx_pr.json)
		return kind != AZLX_PRINT_TEXT;
	return kind != AZLX_PRINT_JSON;
}

/* The innermost container, creating the top-level object on first use. */
static json_object *azlx_print_cur(void)
{
	if (!azlx_pr.depth) {
		azlx_pr.stack[0] = json_object_new_object();
		if (!azlx_pr.stack[0]) {
			fprintf(stderr, "Error: out of memory\n");
			exit(1);
		}
		azlx_pr.depth = 1;
	}
	return azlx_pr.stack[azlx_pr.depth - 1];
}

/* Adds @val (owned by the document from now on; NULL is null). */
static void azlx_print_add(const char *key, json_object *val)
{
	json_object *cur = azlx_print_cur();

	if (json_object_is_type(cur, json_type_array))
		json_object_array_add(cur, val);
	else
		json_object_object_add(cur, key ? key : "", val);
}

static void azlx_print_push(const char *key, json_object *val)
{
	if (!val || azlx_pr.depth >= AZLX_JSON_DEPTH) {
		fprintf(stderr, "Error: JSON document too deep or out of memory\n");
		exit(1);
	}
	azlx_print_add(key, val);
	azlx_pr.stack[azlx_pr.depth++] = val;
}

static void azlx_print_pop(void)
{
	/* the top-level container stays until flushed */
	if (azlx_pr.depth > 1)
		azlx_pr.depth--;
}

void azlx_print_open_object(const char *key)
{
	if (!azlx_pr.json)
		return;
	/* the first object opened without a key is the document itself */
	if (!azlx_pr.depth && !key)
		azlx_print_cur();
	else
		azlx_print_push(key, json_object_new_object());
}

void azlx_print_close_object(void)
{
	if (azlx_pr.json)
		azlx_print_pop();
}

void azlx_print_open_array(const char *key)
{
	if (!azlx_pr.json)
		return;
	/* likewise, the first array opened without a key is the document */
	if (!azlx_pr.depth && !key) {
		azlx_pr.stack[0] = json_object_new_array();
		if (!azlx_pr.stack[0]) {
			fprintf(stderr, "Error: out of memory\n");
			exit(1);
		}
		azlx_pr.depth = 1;
	} else {
		azlx_print_push(key, json_object_new_array());
	}
}

void azlx_print_close_array(void)
{
	if (azlx_pr.json)
		azlx_print_pop();
}

void azlx_print_string(enum azlx_print kind, const char *key, const char *fmt,
		       const char *value)
{
	if (!azlx_print_wants(kind))
		return;
	if (azlx_pr.json)
		azlx_print_add(key, value ? json_object_new_string(value) : NULL);
	else if (fmt)
		fprintf(azlx_print_out(), fmt, value ? value : "");
}

void azlx_print_uint(enum azlx_print kind, const char *key, const char *fmt,
		     unsigned long long value)
{
	if (!azlx_print_wants(kind))
		return;
	if (azlx_pr.json)
		azlx_print_add(key, json_object_new_uint64(value));
	else if (fmt)
		fprintf(azlx_print_out(), fmt, value);
}

void azlx_print_int(enum azlx_print kind, const char *key, const char *fmt,
		    long long value)
{
	if (!azlx_print_wants(kind))
		return;
	if (azlx_pr.json)
		azlx_print_add(key, json_object_new_int64(value));
	else if (fmt)
		fprintf(azlx_print_out(), fmt, value);
}

void azlx_print_bool(enum azlx_print kind, const char *key, const char *fmt,
		     bool value)
{
	if (!azlx_print_wants(kind))
		return;
	if (azlx_pr.json)
		azlx_print_add(key, json_object_new_boolean(value));
	else if (fmt)
		fprintf(azlx_print_out(), fmt, value ? "yes" : "no");
}

void azlx_print_null(const char *key)
{
	if (azlx_pr.json)
		azlx_print_add(key, NULL);
}

void azlx_print_text(const char *fmt, ...)
{
	va_list ap;

	if (azlx_pr.json)
		return;
	va_start(ap, fmt);
	vfprintf(azlx_print_out(), fmt, ap);
	va_end(ap);
}

void azlx_print_begin(void)
{
	if (azlx_pr.json)
		azlx_print_cur();
}

static void azlx_print_write(json_object *doc)
{
	int flags = JSON_C_TO_STRING_NOSLASHESCAPE;
	FILE *out = azlx_print_out();

	flags |= azlx_pr.pretty ? JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED :
				 JSON_C_TO_STRING_PLAIN;
	fprintf(out, "%s\n", json_object_to_json_string_ext(doc, flags));
	fflush(out);
}

void azlx_print_flush(void)
{
	if (azlx_pr.depth)
		azlx_print_write(azlx_pr.stack[0]);
	else
		fflush(azlx_print_out());
	azlx_print_discard();
}

void azlx_print_discard(void)
{
	if (azlx_pr.depth)
		json_object_put(azlx_pr.stack[0]);
	azlx_pr.depth = 0;
}

static int azlx_muted;

void azlx_errors_mute(bool on)
{
	azlx_muted += on ? 1 : -1;
}

static int azlx_verror(int code, const char *op, int err, const char *extack,
		       const char *fmt, va_list ap)
{
	json_object *doc;
	char *msg;

	if (azlx_muted)
		return code;

	if (vasprintf(&msg, fmt, ap) < 0)
		msg = NULL;

	if (!azlx_pr.json) {
		fflush(azlx_print_out());
		fprintf(stderr, "Error: %s\n", msg ? msg : "out of memory");
		free(msg);
		return code;
	}

	azlx_print_discard();
	doc = json_object_new_object();
	if (doc) {
		json_object_object_add(doc, "error",
				       json_object_new_string(msg ? msg : "out of memory"));
		if (op)
			json_object_object_add(doc, "operation",
					       json_object_new_string(op));
		if (err > 0 && strerrorname_np(err))
			json_object_object_add(doc, "errno",
					       json_object_new_string(strerrorname_np(err)));
		if (extack)
			json_object_object_add(doc, "extack",
					       json_object_new_string(extack));
		azlx_print_write(doc);
		json_object_put(doc);
	}
	free(msg);
	return code;
}

int azlx_error(int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	code = azlx_verror(code, NULL, 0, NULL, fmt, ap);
	va_end(ap);
	return code;
}

int azlx_error_op(int code, const char *op, int err, const char *extack,
		  const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	code = azlx_verror(code, op, err, extack, fmt, ap);
	va_end(ap);
	return code;
}

static void azlx_vmessage(const char *prefix, const char *fmt, va_list ap)
{
	if (azlx_muted)
		return;
	fflush(azlx_print_out());
	fprintf(stderr, "%s: ", prefix);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void azlx_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	azlx_vmessage("Warning", fmt, ap);
	va_end(ap);
}

void azlx_note(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	azlx_vmessage("Note", fmt, ap);
	va_end(ap);
}
