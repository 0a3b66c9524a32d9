/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A small TAP harness for the host unit tests: each test runs in its own
 * process with a timeout, so that a crash or a sanitizer report fails that
 * test only.
 */
#ifndef __AZLXNET_TAP_H
#define __AZLXNET_TAP_H

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define AZLX_TEST_TIMEOUT	30	/* a hang, not a slow host: the tree builders fork */

struct azlx_test {
	const char	*name;
	void		(*fn)(void);
};

/* The tests of tests/unit-nic.c, run after those of tests/unit.c. */
extern const struct azlx_test azlx_nic_tests[];
extern const size_t azlx_nic_ntests;
/* Those of tests/unit-pod.c, after them. */
extern const struct azlx_test azlx_pod_tests[];
extern const size_t azlx_pod_ntests;
/* Those of tests/unit-disktel.c, after them. */
extern const struct azlx_test azlx_disktel_tests[];
extern const size_t azlx_disktel_ntests;
/* Those of tests/unit-metrics.c, last. */
extern const struct azlx_test azlx_metrics_tests[];
extern const size_t azlx_metrics_ntests;

/* Fails the running test (its process) with a diagnostic. */
#define CHECK(cond)							\
	do {								\
		if (!(cond)) {						\
			printf("# %s:%d: CHECK(%s) failed\n",		\
			       __FILE__, __LINE__, #cond);		\
			fflush(stdout);					\
			exit(1);					\
		}							\
	} while (0)

#define CHECK_STR(a, b)							\
	do {								\
		const char *__a = (a), *__b = (b);			\
		if (!__a || !__b || strcmp(__a, __b)) {			\
			printf("# %s:%d: \"%s\" != \"%s\"\n",		\
			       __FILE__, __LINE__,			\
			       __a ? __a : "(null)",			\
			       __b ? __b : "(null)");			\
			fflush(stdout);					\
			exit(1);					\
		}							\
	} while (0)

static inline int azlx_tap_run(const struct azlx_test *tests, size_t n)
{
	size_t i, failed = 0;

	printf("TAP version 13\n1..%zu\n", n);
	for (i = 0; i < n; i++) {
		int status = 0;
		pid_t pid;

		fflush(stdout);
		fflush(stderr);
		pid = fork();
		if (pid < 0) {
			perror("fork");
			return 1;
		}
		if (!pid) {
			alarm(AZLX_TEST_TIMEOUT);
			tests[i].fn();
			fflush(stdout);
			exit(0);
		}
		while (waitpid(pid, &status, 0) < 0)
			;
		if (WIFEXITED(status) && !WEXITSTATUS(status)) {
			printf("ok %zu - %s\n", i + 1, tests[i].name);
			continue;
		}
		failed++;
		if (WIFSIGNALED(status))
			printf("# killed by signal %d%s\n", WTERMSIG(status),
			       WTERMSIG(status) == SIGALRM ? " (timeout)" : "");
		printf("not ok %zu - %s\n", i + 1, tests[i].name);
	}
	printf("# %zu passed, %zu failed\n", n - failed, failed);
	return failed ? 1 : 0;
}

#endif /* __AZLXNET_TAP_H */
