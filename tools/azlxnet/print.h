/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * One printing path for text and JSON output, in the manner of iproute2's
 * print_*() helpers: every value goes through azlx_print_*(), which either
 * formats it as text or adds it, under a snake_case key, to a json-c document
 * printed once the command has succeeded.
 */
#ifndef __AZLXNET_PRINT_H
#define __AZLXNET_PRINT_H

#include <stdbool.h>
#include <stdio.h>

enum azlx_print {
	AZLX_PRINT_ANY,		/* text and JSON */
	AZLX_PRINT_JSON,	/* JSON only */
	AZLX_PRINT_TEXT,	/* text only */
};

void azlx_print_init(FILE *out, bool json, bool pretty);
bool azlx_print_is_json(void);

/*
 * Containers; the key is ignored inside an array. The first container
 * opened without a key is the document itself: an object, or an array
 * (e.g. one object per NIC).
 */
void azlx_print_open_object(const char *key);
void azlx_print_close_object(void);
void azlx_print_open_array(const char *key);
void azlx_print_close_array(void);

/* @fmt formats the value in text mode; a NULL @value is JSON null. */
void azlx_print_string(enum azlx_print kind, const char *key, const char *fmt,
		       const char *value);
void azlx_print_uint(enum azlx_print kind, const char *key, const char *fmt,
		     unsigned long long value);
void azlx_print_int(enum azlx_print kind, const char *key, const char *fmt,
		    long long value);
void azlx_print_bool(enum azlx_print kind, const char *key, const char *fmt,
		     bool value);
void azlx_print_null(const char *key);
/* Text only: free-form output, ignored in JSON mode. */
void azlx_print_text(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Make sure a JSON document exists even if nothing is printed: "{}". */
void azlx_print_begin(void);
/* Write the JSON document (if any) and release it; flush the output. */
void azlx_print_flush(void);
/* Drop the JSON document without writing it. */
void azlx_print_discard(void);

/*
 * The error path. Text mode: "Error: <message>" on stderr. JSON mode: the
 * document built so far is dropped and {"error": "<message>", ...} is printed
 * on stdout. Returns @code so that callers can "return azlx_error(...)".
 */
int azlx_error(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/*
 * Nested: while on, errors and warnings are not printed (their exit codes
 * are still returned), for requests whose failure the caller interprets.
 */
void azlx_errors_mute(bool on);

/*
 * Error of a kernel operation: @op names it, @err is a positive errno (named
 * in JSON as "errno"), @extack the kernel's extended ACK text or NULL.
 */
int azlx_error_op(int code, const char *op, int err, const char *extack,
		  const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* "Warning: ..." / "Note: ..." on stderr, in both modes. */
void azlx_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void azlx_note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif /* __AZLXNET_PRINT_H */
