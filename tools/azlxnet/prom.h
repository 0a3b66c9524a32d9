/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A writer of the Prometheus text exposition format, version 0.0.4.
 */
#ifndef __AZLXNET_PROM_H
#define __AZLXNET_PROM_H

#include <stddef.h>
#include <stdio.h>

#include <linux/types.h>

#define AZLX_PROM_CONTENT_TYPE	"text/plain; version=0.0.4; charset=utf-8"

/*
 * Label sets are NULL-terminated arrays of name, value pairs:
 * (const char *[]){ "disk", "sdb", "op", "read", NULL }.
 */
struct azlx_prom {
	FILE	*fp;
};

/*
 * @s as a label value: backslash, double quote and line feed escaped, bytes
 * that are not UTF-8 replaced by U+FFFD.
 */
void azlx_prom_escape(FILE *fp, const char *s);

/* The "# HELP" (escaped) and "# TYPE" lines of family @name. */
void azlx_prom_family(struct azlx_prom *p, const char *name, const char *type,
		      const char *help);

/* One sample: name{labels} value */
void azlx_prom_u64(struct azlx_prom *p, const char *name, const char *const *labels,
		   unsigned long long v);
void azlx_prom_s64(struct azlx_prom *p, const char *name, const char *const *labels,
		   long long v);
/* @ns nanoseconds as seconds, exactly ("0.000001500") */
void azlx_prom_ns(struct azlx_prom *p, const char *name, const char *const *labels,
		  unsigned long long ns);

/*
 * The samples of one histogram of family @name: @n buckets, bucket i
 * counting the observations up to @le_us[i] microseconds and above the
 * previous bound, the last one (whose bound is not read) everything above:
 * cumulative name_bucket{le="..."} lines in seconds ending with "+Inf",
 * then name_sum (@sum_ns in seconds) and name_count.
 */
void azlx_prom_histogram(struct azlx_prom *p, const char *name, const char *const *labels,
			 const __u64 *counts, const __u64 *le_us, size_t n, __u64 sum_ns);

#endif /* __AZLXNET_PROM_H */
