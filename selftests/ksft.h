/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Minimal check helpers for the azlxnet C selftests: each failed check
 * prints where and why and the program exits 1; 4 means skip (kselftest).
 */
#ifndef _AZLXNET_KSFT_H
#define _AZLXNET_KSFT_H

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define KSFT_PASS	0
#define KSFT_FAIL	1
#define KSFT_SKIP	4

#define ksft_fail(fmt, ...) do {					\
	fprintf(stderr, "FAIL %s:%d: " fmt "\n", __FILE__, __LINE__,	\
		##__VA_ARGS__);						\
	exit(KSFT_FAIL);						\
} while (0)

#define CHECK(cond, fmt, ...) do {					\
	if (!(cond))							\
		ksft_fail("%s: " fmt, #cond, ##__VA_ARGS__);		\
} while (0)

#define CHECK_EQ(a, b) do {						\
	long long __a = (long long)(a), __b = (long long)(b);		\
	if (__a != __b)							\
		ksft_fail("%s == %s: %lld != %lld", #a, #b, __a, __b);	\
} while (0)

#define CHECK_STREQ(a, b) do {						\
	const char *__a = (a), *__b = (b);				\
	if (strcmp(__a, __b))						\
		ksft_fail("%s == %s: '%s' != '%s'", #a, #b, __a, __b);	\
} while (0)

/* Read a one-line sysfs file without its newline; "" if absent. */
static inline const char *ksft_read_line(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");

	buf[0] = '\0';
	if (!f)
		return buf;
	if (!fgets(buf, (int)len, f))
		buf[0] = '\0';
	fclose(f);
	buf[strcspn(buf, "\n")] = '\0';
	return buf;
}

/*
 * A long-running helper calls this once it is set up (programs loaded,
 * sockets bound, SIGTERM handled): with AZLXNET_READY=PATH in its
 * environment it creates PATH, so the script that started it in the
 * background can wait for that instead of guessing with a sleep.
 */
static inline void ksft_ready(void)
{
	const char *path = getenv("AZLXNET_READY");
	FILE *f;

	if (!path || !*path)
		return;
	f = fopen(path, "w");
	if (!f || fclose(f)) {
		fprintf(stderr, "FAIL: %s: %s\n", path, strerror(errno));
		exit(KSFT_FAIL);
	}
}

/*
 * SIGTERM ends a helper's timed loop as if its time were up: the helper
 * calls ksft_stop_on_sigterm() before it starts anything that takes time
 * and tests ksft_stopped() in its loops, so a script that stops it early
 * still gets its summary.
 */
static inline volatile sig_atomic_t *ksft_stop_flag(void)
{
	static volatile sig_atomic_t stop;

	return &stop;
}

static inline void ksft_on_sigterm(int sig)
{
	(void)sig;
	*ksft_stop_flag() = 1;
}

static inline void ksft_stop_on_sigterm(void)
{
	struct sigaction sa = { .sa_handler = ksft_on_sigterm };

	CHECK(!sigaction(SIGTERM, &sa, NULL), "sigaction: %s", strerror(errno));
}

static inline int ksft_stopped(void)
{
	return *ksft_stop_flag();
}

#endif /* _AZLXNET_KSFT_H */
