// SPDX-License-Identifier: GPL-2.0-only
/*
 * The Prometheus text exposition format (version 0.0.4): families are
 * written whole, one after the other: HELP, TYPE, then every sample of the
 * family. Counters are integers as the kernel keeps them; durations are
 * seconds, written exactly from nanoseconds.
 */
#include <stdbool.h>
#include <stdio.h>

#include "prom.h"

/* Length of the UTF-8 sequence at @s (1 to 4), or 0 if it is not one. */
static size_t azlx_utf8_len(const unsigned char *s)
{
	size_t n, i;
	__u32 c;

	if (s[0] < 0x80)
		return 1;
	if ((s[0] & 0xe0) == 0xc0) {
		n = 2;
		c = s[0] & 0x1f;
	} else if ((s[0] & 0xf0) == 0xe0) {
		n = 3;
		c = s[0] & 0x0f;
	} else if ((s[0] & 0xf8) == 0xf0) {
		n = 4;
		c = s[0] & 0x07;
	} else {
		return 0;
	}
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = c << 6 | (s[i] & 0x3f);
	}
	/* overlong forms, surrogates, past U+10FFFF */
	if ((n == 2 && c < 0x80) || (n == 3 && c < 0x800) || (n == 4 && c < 0x10000) ||
	    (c >= 0xd800 && c <= 0xdfff) || c > 0x10ffff)
		return 0;
	return n;
}

/* @s with backslash and line feed escaped, and double quote if @quote */
static void azlx_prom_escape_text(FILE *fp, const char *s, bool quote)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t n;

	while (*u) {
		if (*u == '\\') {
			fputs("\\\\", fp);
		} else if (*u == '\n') {
			fputs("\\n", fp);
		} else if (*u == '"' && quote) {
			fputs("\\\"", fp);
		} else {
			n = azlx_utf8_len(u);
			if (!n) {
				fputs("\xef\xbf\xbd", fp);	/* U+FFFD */
				u++;
				continue;
			}
			fwrite(u, 1, n, fp);
			u += n;
			continue;
		}
		u++;
	}
}

void azlx_prom_escape(FILE *fp, const char *s)
{
	azlx_prom_escape_text(fp, s, true);
}

void azlx_prom_family(struct azlx_prom *p, const char *name, const char *type,
		      const char *help)
{
	fprintf(p->fp, "# HELP %s ", name);
	azlx_prom_escape_text(p->fp, help, false);
	fprintf(p->fp, "\n# TYPE %s %s\n", name, type);
}

/* name{a="x",b="y"[,@extra="@value"]} and a space */
static void azlx_prom_name(struct azlx_prom *p, const char *name, const char *const *labels,
			   const char *extra, const char *value)
{
	bool any = false;

	fputs(name, p->fp);
	for (; labels && labels[0]; labels += 2) {
		fprintf(p->fp, "%c%s=\"", any ? ',' : '{', labels[0]);
		azlx_prom_escape(p->fp, labels[1] ? labels[1] : "");
		fputc('"', p->fp);
		any = true;
	}
	if (extra) {
		fprintf(p->fp, "%c%s=\"", any ? ',' : '{', extra);
		azlx_prom_escape(p->fp, value);
		fputc('"', p->fp);
		any = true;
	}
	fputs(any ? "} " : " ", p->fp);
}

void azlx_prom_u64(struct azlx_prom *p, const char *name, const char *const *labels,
		   unsigned long long v)
{
	azlx_prom_name(p, name, labels, NULL, NULL);
	fprintf(p->fp, "%llu\n", v);
}

void azlx_prom_s64(struct azlx_prom *p, const char *name, const char *const *labels,
		   long long v)
{
	azlx_prom_name(p, name, labels, NULL, NULL);
	fprintf(p->fp, "%lld\n", v);
}

void azlx_prom_ns(struct azlx_prom *p, const char *name, const char *const *labels,
		  unsigned long long ns)
{
	azlx_prom_name(p, name, labels, NULL, NULL);
	fprintf(p->fp, "%llu.%09llu\n", ns / 1000000000ULL, ns % 1000000000ULL);
}

void azlx_prom_histogram(struct azlx_prom *p, const char *name, const char *const *labels,
			 const __u64 *counts, const __u64 *le_us, size_t n, __u64 sum_ns)
{
	char bucket[128], le[32];
	unsigned long long cum = 0;
	size_t i;

	snprintf(bucket, sizeof(bucket), "%s_bucket", name);
	for (i = 0; i < n; i++) {
		cum += counts[i];
		if (i + 1 < n)
			snprintf(le, sizeof(le), "%llu.%06llu",
				 (unsigned long long)le_us[i] / 1000000ULL,
				 (unsigned long long)le_us[i] % 1000000ULL);
		else
			snprintf(le, sizeof(le), "+Inf");
		azlx_prom_name(p, bucket, labels, "le", le);
		fprintf(p->fp, "%llu\n", cum);
	}
	if (!n) {
		azlx_prom_name(p, bucket, labels, "le", "+Inf");
		fputs("0\n", p->fp);
	}
	snprintf(bucket, sizeof(bucket), "%s_sum", name);
	azlx_prom_ns(p, bucket, labels, sum_ns);
	snprintf(bucket, sizeof(bucket), "%s_count", name);
	azlx_prom_u64(p, bucket, labels, cum);
}
