/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * azlxnet metrics: the node's state in the Prometheus text exposition
 * format (version 0.0.4), on stdout, in a node_exporter textfile, or served
 * over HTTP (Documentation/metrics.rst lists the metrics).
 *
 * The renderers of each source are pure, as is the writer (prom.h): the
 * host tests feed them values and read the text back.
 */
#ifndef __AZLXNET_METRICS_H
#define __AZLXNET_METRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include <linux/types.h>

#include "prom.h"

struct azlx_nic_list;
struct azlx_pod_row;
struct azlx_pacer;
struct azlx_disktel_snap;
struct azlx_record;

/* The library --listen loads (libmicrohttpd, Debian's libmicrohttpd12) */
#define AZLX_MHD_SONAME		"libmicrohttpd.so.12"
/* The file a --textfile run writes in its directory */
#define AZLX_PROM_TEXTFILE	"azlxnet.prom"
/* Pods with series of their own; the others are summed into pod="_other" */
#define AZLX_METRICS_PODS_MAX	512

/* ---- options of "metrics", parsed by main() with the others --------------- */

enum {
	AZLX_OPT_METRICS_FIRST = 0x400,
	AZLX_OPT_TEXTFILE = AZLX_OPT_METRICS_FIRST,
	AZLX_OPT_LISTEN,
	AZLX_OPT_METRICS_LAST = AZLX_OPT_LISTEN,
};

#define AZLX_METRICS_LONG_OPTS						\
	{ "textfile",	required_argument,	NULL, AZLX_OPT_TEXTFILE },	\
	{ "listen",	required_argument,	NULL, AZLX_OPT_LISTEN }

struct azlx_metrics_opts {
	const char	*given;		/* the first one given, as typed */
	const char	*textfile, *listen;
};

extern struct azlx_metrics_opts azlx_metrics_opts;

void azlx_metrics_set_opt(int opt, const char *arg, const char *name);

int azlx_do_metrics(int argc, char **argv);

/* ---- the sources ------------------------------------------------------------ */

enum azlx_metrics_source {
	AZLX_SRC_NIC,		/* azlxnet.ko's nic-get */
	AZLX_SRC_FASTPATH,	/* the pinned fast path maps */
	AZLX_SRC_PACER,		/* dm-azlx mappings */
	AZLX_SRC_TELEMETRY,	/* disk telemetry's pinned maps */
	AZLX_SRC_TUNE,		/* tune apply's state */
	AZLX_SRC_COUNT,
};

const char *azlx_metrics_source_name(enum azlx_metrics_source s);

/* azlxnet_source_up{source="..."}: 1 for each source of @up */
void azlx_metrics_sources(struct azlx_prom *p, const bool up[AZLX_SRC_COUNT]);

/* NICs and their VFs, as nic-get reports them */
void azlx_metrics_nics(struct azlx_prom *p, const struct azlx_nic_list *l);

/*
 * Pods on the fast path: @rows (with their counters) in their order; past
 * @cap, the rest are summed into pod="_other".
 */
void azlx_metrics_pods(struct azlx_prom *p, const struct azlx_pod_row *rows, size_t n,
		       size_t cap);

/* dm-azlx mappings: per class queued, dispatched, delayed, ... */
void azlx_metrics_pacers(struct azlx_prom *p, const struct azlx_pacer *v, size_t n);

/* Disk telemetry: per disk and operation, latency histograms */
void azlx_metrics_disktel(struct azlx_prom *p, const struct azlx_disktel_snap *s);

/* tune: values recorded by apply, and those that drifted since */
void azlx_metrics_tune(struct azlx_prom *p, const struct azlx_record *r);

/*
 * Reads every source and writes the whole exposition to @fp. A source
 * that is absent or fails has no series but azlxnet_source_up 0.
 */
void azlx_metrics_collect(FILE *fp);

/*
 * Writes @len bytes of @text to @dir/AZLX_PROM_TEXTFILE atomically: a
 * temporary file in @dir, fsync, rename over the file, fsync of @dir. A
 * reader sees the old file or the new one, never a part. 0 or a negative
 * errno with the reason in @err; no temporary file is left behind.
 */
int azlx_metrics_textfile(const char *dir, const char *text, size_t len,
			  char *err, size_t err_len);

struct sockaddr_storage;

/*
 * --listen's argument: "PORT" (on 127.0.0.1), "ADDR:PORT" or "[ADDR6]:PORT",
 * numeric only. 0, or -EINVAL with the reason in @err.
 */
int azlx_metrics_listen_parse(const char *s, struct sockaddr_storage *ss,
			      char *err, size_t err_len);

#endif /* __AZLXNET_METRICS_H */
