// SPDX-License-Identifier: GPL-2.0-only
/*
 * azlxnet metrics: each source rendered for Prometheus (prom.c writes the
 * format), the command, its textfile and its HTTP server.
 */
#include <arpa/inet.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <microhttpd.h>

#include "azlxnet.h"
#include "cmd.h"
#include "datapath.h"
#include "disk.h"
#include "disktel.h"
#include "genl.h"
#include "metrics.h"
#include "nic.h"
#include "pod.h"
#include "print.h"
#include "prom.h"
#include "tune/apply.h"
#include "tune/tune.h"

/* ---- sources ----------------------------------------------------------------- */

static const char *const azlx_source_names[AZLX_SRC_COUNT] = {
	[AZLX_SRC_NIC]		= "nic",
	[AZLX_SRC_FASTPATH]	= "fastpath",
	[AZLX_SRC_PACER]	= "pacer",
	[AZLX_SRC_TELEMETRY]	= "telemetry",
	[AZLX_SRC_TUNE]		= "tune",
};

const char *azlx_metrics_source_name(enum azlx_metrics_source s)
{
	return s < AZLX_SRC_COUNT ? azlx_source_names[s] : NULL;
}

void azlx_metrics_sources(struct azlx_prom *p, const bool up[AZLX_SRC_COUNT])
{
	int i;

	azlx_prom_family(p, "azlxnet_source_up", "gauge",
			 "1 when the source was read; 0 when it is absent (module not loaded, "
			 "no fast path, no paced disk, telemetry off, tune never applied) or "
			 "could not be read: it then has no series");
	for (i = 0; i < AZLX_SRC_COUNT; i++)
		azlx_prom_u64(p, "azlxnet_source_up",
			      (const char *[]){ "source", azlx_source_names[i], NULL }, up[i]);
}

/* ---- NICs -------------------------------------------------------------------- */

static const struct {
	const char	*name;
	const char	*help;
	int		attr;
	size_t		offs;
} azlx_nic_counters[] = {
	{ "azlxnet_nic_vf_joins_total", "VFs that joined the synthetic NIC",
	  AZLXNET_A_NIC_VF_JOINS, offsetof(struct azlx_nic, vf_joins) },
	{ "azlxnet_nic_vf_leaves_total", "VFs that left the synthetic NIC",
	  AZLXNET_A_NIC_VF_LEAVES, offsetof(struct azlx_nic, vf_leaves) },
	{ "azlxnet_nic_vf_ups_total", "times the VF came up",
	  AZLXNET_A_NIC_VF_UPS, offsetof(struct azlx_nic, vf_ups) },
	{ "azlxnet_nic_vf_downs_total", "times the VF went down",
	  AZLXNET_A_NIC_VF_DOWNS, offsetof(struct azlx_nic, vf_downs) },
};

static const char *azlx_nic_label(const struct azlx_nic *nic, char *buf, size_t len)
{
	if (azlx_nic_has(nic, AZLXNET_A_NIC_IFNAME))
		return nic->ifname;
	snprintf(buf, len, "ifindex %u", nic->ifindex);
	return buf;
}

void azlx_metrics_nics(struct azlx_prom *p, const struct azlx_nic_list *l)
{
	static const __u32 states[] = { AZLXNET_VF_STATE_ABSENT, AZLXNET_VF_STATE_DOWN,
					AZLXNET_VF_STATE_UP };
	char buf[32];
	size_t i, j;

	azlx_prom_family(p, "azlxnet_nic_vf_state", "gauge",
			 "state of the synthetic NIC's VF: 1 for the state it is in");
	for (i = 0; i < l->n; i++) {
		const struct azlx_nic *nic = &l->v[i];

		if (!azlx_nic_has(nic, AZLXNET_A_NIC_VF_STATE))
			continue;
		for (j = 0; j < sizeof(states) / sizeof(states[0]); j++)
			azlx_prom_u64(p, "azlxnet_nic_vf_state",
				      (const char *[]){ "nic", azlx_nic_label(nic, buf, sizeof(buf)),
							"state", azlx_vf_state_name(states[j]),
							NULL },
				      nic->vf_state == states[j]);
	}

	azlx_prom_family(p, "azlxnet_nic_tx_via_vf", "gauge",
			 "1 when the synthetic NIC sends through its VF, 0 through itself");
	for (i = 0; i < l->n; i++) {
		const struct azlx_nic *nic = &l->v[i];

		if (!azlx_nic_has(nic, AZLXNET_A_NIC_TX_IFINDEX))
			continue;
		azlx_prom_u64(p, "azlxnet_nic_tx_via_vf",
			      (const char *[]){ "nic", azlx_nic_label(nic, buf, sizeof(buf)), NULL },
			      azlx_nic_has_vf(nic) && nic->tx_ifindex == nic->vf_ifindex);
	}

	for (j = 0; j < sizeof(azlx_nic_counters) / sizeof(azlx_nic_counters[0]); j++) {
		azlx_prom_family(p, azlx_nic_counters[j].name, "counter",
				 azlx_nic_counters[j].help);
		for (i = 0; i < l->n; i++) {
			const struct azlx_nic *nic = &l->v[i];
			__u64 v;

			if (!azlx_nic_has(nic, azlx_nic_counters[j].attr))
				continue;
			memcpy(&v, (const char *)nic + azlx_nic_counters[j].offs, sizeof(v));
			azlx_prom_u64(p, azlx_nic_counters[j].name,
				      (const char *[]){ "nic", azlx_nic_label(nic, buf, sizeof(buf)),
							NULL }, v);
		}
	}

	azlx_prom_family(p, "azlxnet_nic_slow_path_seconds_total", "counter",
			 "time without a usable VF (absent or down) since the module began "
			 "tracking the NIC: traffic on the slower synthetic path");
	for (i = 0; i < l->n; i++) {
		const struct azlx_nic *nic = &l->v[i];

		if (azlx_nic_has(nic, AZLXNET_A_NIC_SLOW_NS))
			azlx_prom_ns(p, "azlxnet_nic_slow_path_seconds_total",
				     (const char *[]){ "nic", azlx_nic_label(nic, buf, sizeof(buf)),
						       NULL }, nic->slow_ns);
	}

	azlx_prom_family(p, "azlxnet_nic_last_slow_path_seconds", "gauge",
			 "length of the latest period without a usable VF (still going on "
			 "if the VF is not up)");
	for (i = 0; i < l->n; i++) {
		const struct azlx_nic *nic = &l->v[i];

		if (azlx_nic_has(nic, AZLXNET_A_NIC_LAST_SLOW_NS))
			azlx_prom_ns(p, "azlxnet_nic_last_slow_path_seconds",
				     (const char *[]){ "nic", azlx_nic_label(nic, buf, sizeof(buf)),
						       NULL }, nic->last_slow_ns);
	}
}

/* ---- pods on the fast path ------------------------------------------------------ */

struct azlx_pod_series {
	char				pod[32];
	char				ip[2 * 48];
	const struct azlxnet_ep_stats	*st;
};

static void azlx_stats_add(struct azlxnet_ep_stats *sum, const struct azlxnet_ep_stats *st)
{
	const __u64 *s = (const __u64 *)st;
	__u64 *d = (__u64 *)sum;
	size_t i;

	for (i = 0; i < sizeof(*st) / sizeof(__u64); i++)
		d[i] += s[i];
}

static const struct {
	const char	*path;
	size_t		offs;
} azlx_pod_paths[] = {
	{ "peer",	offsetof(struct azlxnet_ep_stats, redirect_peer) },
	{ "vf",		offsetof(struct azlxnet_ep_stats, redirect_vf) },
	{ "uplink",	offsetof(struct azlxnet_ep_stats, redirect_uplink) },
	{ "neigh",	offsetof(struct azlxnet_ep_stats, redirect_neigh) },
	{ "stack",	offsetof(struct azlxnet_ep_stats, fallback) },
};

static __u64 azlx_stat_at(const struct azlxnet_ep_stats *st, size_t offs)
{
	__u64 v;

	memcpy(&v, (const char *)st + offs, sizeof(v));
	return v;
}

#define AZLX_POD_LABELS(s)	"pod", (s)->pod, "ip", (s)->ip

void azlx_metrics_pods(struct azlx_prom *p, const struct azlx_pod_row *rows, size_t n,
		       size_t cap)
{
	struct azlxnet_ep_stats other = { 0 };
	struct azlx_pod_series *s;
	size_t ns = 0, i, j, folded = 0;
	bool any_other = false;

	s = calloc(n + 1, sizeof(*s));
	if (!s)
		return;
	for (i = 0; i < n; i++) {
		const struct azlx_pod_row *r = &rows[i];
		size_t used = 0;

		if (i >= cap) {
			folded++;
			if (r->has_stats) {
				azlx_stats_add(&other, &r->stats);
				any_other = true;
			}
			continue;
		}
		if (!r->has_stats)
			continue;
		if (r->host_ifname[0])
			snprintf(s[ns].pod, sizeof(s[ns].pod), "%s", r->host_ifname);
		else
			snprintf(s[ns].pod, sizeof(s[ns].pod), "ifindex %u", r->host_ifindex);
		for (j = 0; j < r->naddrs && j < AZLX_POD_ADDRS_MAX; j++) {
			char a[48];

			used += snprintf(s[ns].ip + used, sizeof(s[ns].ip) - used, "%s%s",
					 j ? "," : "", azlx_ep_key_fmt(&r->addrs[j], a, sizeof(a)));
			if (used >= sizeof(s[ns].ip))
				break;
		}
		s[ns].st = &r->stats;
		ns++;
	}
	if (any_other) {
		snprintf(s[ns].pod, sizeof(s[ns].pod), "_other");
		s[ns].st = &other;
		ns++;
	}

	azlx_prom_family(p, "azlxnet_fastpath_pods", "gauge", "pods on the fast path");
	azlx_prom_u64(p, "azlxnet_fastpath_pods", NULL, n);
	azlx_prom_family(p, "azlxnet_fastpath_pods_folded", "gauge",
			 "pods past the series cap, whose counters are summed into "
			 "pod=\"_other\"");
	azlx_prom_u64(p, "azlxnet_fastpath_pods_folded", NULL, folded);

	azlx_prom_family(p, "azlxnet_fastpath_packets_total", "counter",
			 "packets of a pod on the fast path, by direction (pods past the "
			 "cap of series are summed into pod=\"_other\")");
	for (i = 0; i < ns; i++) {
		azlx_prom_u64(p, "azlxnet_fastpath_packets_total",
			      (const char *[]){ AZLX_POD_LABELS(&s[i]), "direction", "from_pod",
						NULL }, s[i].st->from_pod_packets);
		azlx_prom_u64(p, "azlxnet_fastpath_packets_total",
			      (const char *[]){ AZLX_POD_LABELS(&s[i]), "direction", "to_pod",
						NULL }, s[i].st->to_pod_packets);
	}
	azlx_prom_family(p, "azlxnet_fastpath_bytes_total", "counter",
			 "bytes of a pod on the fast path, by direction (pods past the "
			 "cap of series are summed into pod=\"_other\")");
	for (i = 0; i < ns; i++) {
		azlx_prom_u64(p, "azlxnet_fastpath_bytes_total",
			      (const char *[]){ AZLX_POD_LABELS(&s[i]), "direction", "from_pod",
						NULL }, s[i].st->from_pod_bytes);
		azlx_prom_u64(p, "azlxnet_fastpath_bytes_total",
			      (const char *[]){ AZLX_POD_LABELS(&s[i]), "direction", "to_pod",
						NULL }, s[i].st->to_pod_bytes);
	}
	azlx_prom_family(p, "azlxnet_fastpath_path_packets_total", "counter",
			 "packets from a pod by the path they took: peer (a local pod), vf, "
			 "uplink, neigh (off node through the neighbour table), stack (left "
			 "to the kernel's stack)");
	for (i = 0; i < ns; i++)
		for (j = 0; j < sizeof(azlx_pod_paths) / sizeof(azlx_pod_paths[0]); j++)
			azlx_prom_u64(p, "azlxnet_fastpath_path_packets_total",
				      (const char *[]){ AZLX_POD_LABELS(&s[i]), "path",
							azlx_pod_paths[j].path, NULL },
				      azlx_stat_at(s[i].st, azlx_pod_paths[j].offs));
	azlx_prom_family(p, "azlxnet_fastpath_drops_total", "counter",
			 "packets of a pod the fast path dropped, by reason");
	for (i = 0; i < ns; i++)
		for (j = 0; j < AZLXNET_DROP_MAX; j++)
			azlx_prom_u64(p, "azlxnet_fastpath_drops_total",
				      (const char *[]){ AZLX_POD_LABELS(&s[i]), "reason",
							azlx_drop_reason_name(j), NULL },
				      s[i].st->drops[j]);
	free(s);
}

/* ---- dm-azlx ------------------------------------------------------------------ */

#define AZLX_PACER_LABELS(m)	"mapping", (m)->name, "disk", (m)->disk

static const struct {
	const char	*name;
	const char	*type;
	const char	*help;
	size_t		offs;
} azlx_pacer_classes[] = {
	{ "azlxnet_pacer_queued", "gauge", "bios waiting in the target now, by class",
	  offsetof(struct azlx_pacer_status, queued) },
	{ "azlxnet_pacer_dispatched_total", "counter", "bios dispatched, by class",
	  offsetof(struct azlx_pacer_status, dispatched) },
	{ "azlxnet_pacer_delayed_total", "counter",
	  "bios dispatched after waiting in the target, by class",
	  offsetof(struct azlx_pacer_status, delayed) },
	{ "azlxnet_pacer_promoted_total", "counter",
	  "bios served ahead of their class's turn because they waited longest, by class",
	  offsetof(struct azlx_pacer_status, promoted) },
};

static const struct {
	const char	*name;
	const char	*type;
	const char	*help;
	size_t		offs;
} azlx_pacer_totals[] = {
	{ "azlxnet_pacer_capped", "gauge", "bios held by a cgroup's IOPS cap now",
	  offsetof(struct azlx_pacer_status, capped_now) },
	{ "azlxnet_pacer_capped_total", "counter", "bios held by a cgroup's IOPS cap",
	  offsetof(struct azlx_pacer_status, capped_total) },
	{ "azlxnet_pacer_flushes_total", "counter", "flushes passed ahead of the queue",
	  offsetof(struct azlx_pacer_status, flushes) },
	{ "azlxnet_pacer_units_total", "counter",
	  "I/Os dispatched in Azure's units (the table's unit_kb, 256 KiB by default)",
	  offsetof(struct azlx_pacer_status, units) },
	{ "azlxnet_pacer_bytes_total", "counter", "bytes dispatched",
	  offsetof(struct azlx_pacer_status, bytes) },
};

static const struct {
	const char	*name;
	const char	*help;
	size_t		offs;
} azlx_pacer_adapt[] = {
	{ "azlxnet_pacer_timed_completions_total",
	  "completions timed against the latency target",
	  offsetof(struct azlx_pacer_status, timed) },
	{ "azlxnet_pacer_slow_completions_total",
	  "completions slower than the latency target",
	  offsetof(struct azlx_pacer_status, slow) },
	{ "azlxnet_pacer_window_shrinks_total",
	  "times the in-flight window was halved for slow completions",
	  offsetof(struct azlx_pacer_status, shrinks) },
	{ "azlxnet_pacer_window_grows_total",
	  "times the in-flight window grew back towards full",
	  offsetof(struct azlx_pacer_status, grows) },
};

void azlx_metrics_pacers(struct azlx_prom *p, const struct azlx_pacer *v, size_t n)
{
	size_t i, j;
	int c;

	for (j = 0; j < sizeof(azlx_pacer_classes) / sizeof(azlx_pacer_classes[0]); j++) {
		azlx_prom_family(p, azlx_pacer_classes[j].name, azlx_pacer_classes[j].type,
				 azlx_pacer_classes[j].help);
		for (i = 0; i < n; i++) {
			const __u64 *a = (const void *)((const char *)&v[i].status +
							 azlx_pacer_classes[j].offs);

			for (c = 0; c < AZLX_PACER_CLASSES; c++)
				azlx_prom_u64(p, azlx_pacer_classes[j].name,
					      (const char *[]){ AZLX_PACER_LABELS(&v[i]), "class",
								azlx_pacer_class_names[c], NULL },
					      a[c]);
		}
	}
	azlx_prom_family(p, "azlxnet_pacer_max_wait_seconds", "gauge",
			 "longest a bio of the class waited in the target since the "
			 "mapping was created (the target keeps no wait histogram)");
	for (i = 0; i < n; i++)
		for (c = 0; c < AZLX_PACER_CLASSES; c++)
			azlx_prom_ns(p, "azlxnet_pacer_max_wait_seconds",
				     (const char *[]){ AZLX_PACER_LABELS(&v[i]), "class",
						       azlx_pacer_class_names[c], NULL },
				     v[i].status.max_wait_us[c] * 1000ULL);
	for (j = 0; j < sizeof(azlx_pacer_totals) / sizeof(azlx_pacer_totals[0]); j++) {
		azlx_prom_family(p, azlx_pacer_totals[j].name, azlx_pacer_totals[j].type,
				 azlx_pacer_totals[j].help);
		for (i = 0; i < n; i++) {
			__u64 x;

			memcpy(&x, (const char *)&v[i].status + azlx_pacer_totals[j].offs,
			       sizeof(x));
			azlx_prom_u64(p, azlx_pacer_totals[j].name,
				      (const char *[]){ AZLX_PACER_LABELS(&v[i]), NULL }, x);
		}
	}
	azlx_prom_family(p, "azlxnet_pacer_bypass", "gauge",
			 "1 when the mapping passes I/O through unpaced, 0 when it paces");
	for (i = 0; i < n; i++)
		azlx_prom_u64(p, "azlxnet_pacer_bypass",
			      (const char *[]){ AZLX_PACER_LABELS(&v[i]), NULL },
			      !strcmp(v[i].status.state, "bypass"));
	azlx_prom_family(p, "azlxnet_pacer_tokens", "gauge",
			 "baseline bucket in units (negative: owed)");
	for (i = 0; i < n; i++)
		azlx_prom_s64(p, "azlxnet_pacer_tokens",
			      (const char *[]){ AZLX_PACER_LABELS(&v[i]), NULL },
			      v[i].status.tokens_ios);
	azlx_prom_family(p, "azlxnet_pacer_credit", "gauge",
			 "estimated burst credit left, in units");
	for (i = 0; i < n; i++)
		azlx_prom_s64(p, "azlxnet_pacer_credit",
			      (const char *[]){ AZLX_PACER_LABELS(&v[i]), NULL },
			      v[i].status.credit_ios);
	azlx_prom_family(p, "azlxnet_pacer_inflight", "gauge", "units at the disk now");
	for (i = 0; i < n; i++)
		if (v[i].status.inflight >= 0)
			azlx_prom_s64(p, "azlxnet_pacer_inflight",
				      (const char *[]){ AZLX_PACER_LABELS(&v[i]), NULL },
				      v[i].status.inflight);
	/* the closed loop (dm-azlx 1.3 on): no sample from an older target */
	azlx_prom_family(p, "azlxnet_pacer_window_ratio", "gauge",
			 "the in-flight window's scale now, of the full window (1 without a "
			 "latency target)");
	for (i = 0; i < n; i++)
		if (v[i].status.has_adapt)
			/* percent as a fraction of 1, exactly: 10^7 "ns" per percent */
			azlx_prom_ns(p, "azlxnet_pacer_window_ratio",
				     (const char *[]){ AZLX_PACER_LABELS(&v[i]), NULL },
				     v[i].status.window_pct * 10000000ULL);
	for (j = 0; j < sizeof(azlx_pacer_adapt) / sizeof(azlx_pacer_adapt[0]); j++) {
		azlx_prom_family(p, azlx_pacer_adapt[j].name, "counter", azlx_pacer_adapt[j].help);
		for (i = 0; i < n; i++) {
			__u64 x;

			if (!v[i].status.has_adapt)
				continue;
			memcpy(&x, (const char *)&v[i].status + azlx_pacer_adapt[j].offs,
			       sizeof(x));
			azlx_prom_u64(p, azlx_pacer_adapt[j].name,
				      (const char *[]){ AZLX_PACER_LABELS(&v[i]), NULL }, x);
		}
	}
	azlx_prom_family(p, "azlxnet_pacer_budget_iops", "gauge",
			 "the table's budget, in units per second");
	for (i = 0; i < n; i++)
		azlx_prom_s64(p, "azlxnet_pacer_budget_iops",
			      (const char *[]){ AZLX_PACER_LABELS(&v[i]), NULL },
			      v[i].table.iops);
	azlx_prom_family(p, "azlxnet_pacer_budget_bytes_per_second", "gauge",
			 "the table's budget, in bytes per second (MB/s x 10^6)");
	for (i = 0; i < n; i++)
		azlx_prom_s64(p, "azlxnet_pacer_budget_bytes_per_second",
			      (const char *[]){ AZLX_PACER_LABELS(&v[i]), NULL },
			      v[i].table.mbps * 1000000LL);
}

/* ---- disk telemetry --------------------------------------------------------------- */

static const char *const azlx_dl_op_names[AZLXNET_DL_OPS] = {
	[AZLXNET_DL_READ]	= "read",
	[AZLXNET_DL_WRITE]	= "write",
	[AZLXNET_DL_OTHER]	= "other",
};

void azlx_metrics_disktel(struct azlx_prom *p, const struct azlx_disktel_snap *s)
{
	__u64 le_us[AZLXNET_DL_SLOTS];
	size_t i;
	int op, k;

	/* slot k holds [2^k, 2^(k+1)) us (slot 0 from 0), the last one all above */
	for (k = 0; k < AZLXNET_DL_SLOTS; k++)
		le_us[k] = 2ULL << k;

	azlx_prom_family(p, "azlxnet_disk_latency_seconds", "histogram",
			 "block requests from issue to completion, by disk and operation "
			 "(other: flushes, discards, ...)");
	for (i = 0; i < s->ndisks; i++)
		for (op = 0; op < AZLXNET_DL_OPS; op++)
			azlx_prom_histogram(p, "azlxnet_disk_latency_seconds",
					    (const char *[]){ "disk", s->disks[i].name, "op",
							      azlx_dl_op_names[op], NULL },
					    s->disks[i].op[op].slots, le_us, AZLXNET_DL_SLOTS,
					    s->disks[i].op[op].lat_sum_ns);
	azlx_prom_family(p, "azlxnet_disk_bytes_total", "counter",
			 "bytes of the completed block requests, by disk and operation");
	for (i = 0; i < s->ndisks; i++)
		for (op = 0; op < AZLXNET_DL_OPS; op++)
			azlx_prom_u64(p, "azlxnet_disk_bytes_total",
				      (const char *[]){ "disk", s->disks[i].name, "op",
							azlx_dl_op_names[op], NULL },
				      s->disks[i].op[op].bytes);
	azlx_prom_family(p, "azlxnet_disk_units_total", "counter",
			 "completed block requests in Azure's units (256 KiB each, at least "
			 "one per request), by disk and operation");
	for (i = 0; i < s->ndisks; i++)
		for (op = 0; op < AZLXNET_DL_OPS; op++)
			azlx_prom_u64(p, "azlxnet_disk_units_total",
				      (const char *[]){ "disk", s->disks[i].name, "op",
							azlx_dl_op_names[op], NULL },
				      s->disks[i].op[op].units);
}

/* ---- tune ------------------------------------------------------------------------- */

void azlx_metrics_tune(struct azlx_prom *p, const struct azlx_record *r)
{
	int i;

	azlx_prom_family(p, "azlxnet_tune_items", "gauge",
			 "values azlxnet tune apply changed and recorded");
	azlx_prom_u64(p, "azlxnet_tune_items", NULL, r->n);
	azlx_prom_family(p, "azlxnet_tune_items_drifted", "gauge",
			 "recorded values that no longer hold what tune apply wrote "
			 "(as azlxnet tune show reports them)");
	azlx_prom_u64(p, "azlxnet_tune_items_drifted", NULL, azlx_record_drifted(r));
	azlx_prom_family(p, "azlxnet_tune_item_drifted", "gauge",
			 "1 when the recorded value no longer holds what tune apply wrote");
	for (i = 0; i < r->n; i++)
		azlx_prom_u64(p, "azlxnet_tune_item_drifted",
			      (const char *[]){ "item", r->v[i].name, "kind", r->v[i].kind,
						NULL }, !r->v[i].holds);
}

/* ---- reading the node ------------------------------------------------------------- */

static bool azlx_metrics_read_nics(struct azlx_prom *p)
{
	struct azlx_nic_list l = { 0 };
	struct azlx_genl g;
	bool up = false;

	if (azlx_genl_open(&g))
		return false;
	if (!azlx_nic_get(&g, 0, &l)) {
		azlx_metrics_nics(p, &l);
		up = true;
	}
	azlx_genl_close(&g);
	azlx_nic_list_free(&l);
	return up;
}

static bool azlx_metrics_read_pods(struct azlx_prom *p)
{
	struct azlx_pod_row *rows = NULL;
	struct azlx_err e = { 0 };
	int n;

	n = azlx_pod_rows_read(&rows, &e);
	if (n < 0)
		return false;
	azlx_metrics_pods(p, rows, n, AZLX_METRICS_PODS_MAX);
	free(rows);
	return true;
}

static bool azlx_metrics_read_pacers(struct azlx_prom *p)
{
	struct azlx_pacer *v = NULL;
	char err[256];
	int n = 0;

	if (azlx_pacer_list(&v, &n, err, sizeof(err)) || !n) {
		free(v);
		return false;
	}
	azlx_metrics_pacers(p, v, n);
	free(v);
	return true;
}

static bool azlx_metrics_read_disktel(struct azlx_prom *p)
{
	struct azlx_disktel_snap s = { 0 };
	struct azlx_disktel t;
	char err[256];
	bool up = false;

	if (azlx_disktel_open(&t, err, sizeof(err)))
		return false;
	if (!azlx_disktel_snapshot(&t, &s, err, sizeof(err))) {
		azlx_metrics_disktel(p, &s);
		up = true;
	}
	azlx_disktel_snap_free(&s);
	azlx_disktel_close(&t);
	return up;
}

static bool azlx_metrics_read_tune(struct azlx_prom *p)
{
	struct azlx_record r;
	bool up = false;

	if (azlx_tune_record(&r))
		return false;
	if (r.exists) {
		azlx_metrics_tune(p, &r);
		up = true;
	}
	azlx_record_free(&r);
	return up;
}

void azlx_metrics_collect(FILE *fp)
{
	struct azlx_prom p = { .fp = fp };
	bool up[AZLX_SRC_COUNT];

	/* an absent source is a gauge at 0, not an error */
	azlx_errors_mute(true);
	azlx_prom_family(&p, "azlxnet_build_info", "gauge",
			 "the azlxnet tool that wrote these metrics");
	azlx_prom_u64(&p, "azlxnet_build_info",
		      (const char *[]){ "version", AZLXNET_VERSION, NULL }, 1);
	up[AZLX_SRC_NIC] = azlx_metrics_read_nics(&p);
	up[AZLX_SRC_FASTPATH] = azlx_metrics_read_pods(&p);
	up[AZLX_SRC_PACER] = azlx_metrics_read_pacers(&p);
	up[AZLX_SRC_TELEMETRY] = azlx_metrics_read_disktel(&p);
	up[AZLX_SRC_TUNE] = azlx_metrics_read_tune(&p);
	azlx_metrics_sources(&p, up);
	azlx_errors_mute(false);
}

/* ---- the command ------------------------------------------------------------------ */

struct azlx_metrics_opts azlx_metrics_opts;

void azlx_metrics_set_opt(int opt, const char *arg, const char *name)
{
	struct azlx_metrics_opts *o = &azlx_metrics_opts;

	if (!o->given)
		o->given = name;
	switch (opt) {
	case AZLX_OPT_TEXTFILE:
		o->textfile = arg;
		break;
	case AZLX_OPT_LISTEN:
		o->listen = arg;
		break;
	}
}

static int azlx_metrics_help(void)
{
	printf("Usage: azlxnet metrics [ --textfile DIR | --listen [ ADDR: ]PORT ]\n"
	       "       azlxnet metrics help\n"
	       "where  --textfile DIR   writes DIR/" AZLX_PROM_TEXTFILE " atomically "
	       "(node_exporter's textfile collector)\n"
	       "       --listen ADDR:PORT  serves GET /metrics (ADDR: 127.0.0.1 unless given)\n");
	return AZLX_EXIT_OK;
}

/* The whole exposition, in a buffer to free(); NULL when out of memory. */
static char *azlx_metrics_render(size_t *len)
{
	char *buf = NULL;
	FILE *fp;

	*len = 0;
	fp = open_memstream(&buf, len);
	if (!fp)
		return NULL;
	azlx_metrics_collect(fp);
	if (fclose(fp)) {
		free(buf);
		return NULL;
	}
	return buf;
}

int azlx_metrics_textfile(const char *dir, const char *text, size_t len,
			  char *err, size_t err_len)
{
	char path[PATH_MAX];
	int dfd, fd = -1, ret = 0;
	const char *tmp;
	size_t off = 0;
	ssize_t n;

	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0) {
		ret = -errno;
		snprintf(err, err_len, "%s: %s", dir, strerror(errno));
		return ret;
	}
	/* a name node_exporter skips (no .prom at its end) */
	if ((size_t)snprintf(path, sizeof(path), "%s/.%s.XXXXXX", dir, AZLX_PROM_TEXTFILE) >=
	    sizeof(path)) {
		snprintf(err, err_len, "%s: name too long", dir);
		ret = -ENAMETOOLONG;
		goto err_close_dir;
	}
	tmp = strrchr(path, '/') + 1;
	fd = mkostemp(path, O_CLOEXEC);
	if (fd < 0) {
		ret = -errno;
		snprintf(err, err_len, "%s: cannot create a temporary file: %s", dir,
			 strerror(errno));
		goto err_close_dir;
	}
	/* the mode node_exporter needs, whatever the umask */
	if (fchmod(fd, 0644))
		goto err_io;
	while (off < len) {
		n = write(fd, text + off, len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			goto err_io;
		off += n;
	}
	if (fsync(fd))
		goto err_io;
	if (close(fd)) {
		fd = -1;
		goto err_io;
	}
	fd = -1;
	if (renameat(dfd, tmp, dfd, AZLX_PROM_TEXTFILE))
		goto err_io;
	/* the rename itself, durable */
	if (fsync(dfd)) {
		ret = -errno;
		snprintf(err, err_len, "%s: %s", dir, strerror(errno));
	}
	close(dfd);
	return ret;

err_io:
	ret = -errno;
	snprintf(err, err_len, "%s/%s: %s", dir, AZLX_PROM_TEXTFILE, strerror(errno));
	if (fd >= 0)
		close(fd);
	unlinkat(dfd, tmp, 0);
err_close_dir:
	close(dfd);
	return ret;
}

int azlx_metrics_listen_parse(const char *s, struct sockaddr_storage *ss,
			      char *err, size_t err_len)
{
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;
	struct sockaddr_in *sin = (struct sockaddr_in *)ss;
	char host[INET6_ADDRSTRLEN + 2];
	const char *port = s, *colon;
	unsigned long v;
	char *end;

	memset(ss, 0, sizeof(*ss));
	snprintf(host, sizeof(host), "127.0.0.1");
	if (s[0] == '[') {
		colon = strstr(s, "]:");
		if (!colon || (size_t)(colon - s - 1) >= sizeof(host))
			goto err_addr;
		memcpy(host, s + 1, colon - s - 1);
		host[colon - s - 1] = '\0';
		port = colon + 2;
	} else if ((colon = strrchr(s, ':'))) {
		if (colon == s || (size_t)(colon - s) >= sizeof(host) || memchr(s, ':', colon - s))
			goto err_addr;
		memcpy(host, s, colon - s);
		host[colon - s] = '\0';
		port = colon + 1;
	}
	errno = 0;
	v = strtoul(port, &end, 10);
	if (errno || end == port || *end || !v || v > 65535 || port[0] < '0' || port[0] > '9') {
		snprintf(err, err_len, "invalid PORT \"%s\" (1 to 65535)", port);
		return -EINVAL;
	}
	if (inet_pton(AF_INET, host, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons(v);
		return 0;
	}
	if (s[0] == '[' && inet_pton(AF_INET6, host, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(v);
		return 0;
	}
err_addr:
	snprintf(err, err_len, "invalid address \"%s\" (PORT, ADDR:PORT or [ADDR6]:PORT, "
		 "numeric)", s);
	return -EINVAL;
}

/*
 * The libmicrohttpd functions used, from dlopen(): only --listen needs the
 * library (and the TLS libraries it links), not every run of the tool.
 */
static struct {
	struct MHD_Daemon	*(*start_daemon)(unsigned int flags, uint16_t port,
						 MHD_AcceptPolicyCallback apc, void *apc_cls,
						 MHD_AccessHandlerCallback dh, void *dh_cls, ...);
	void			(*stop_daemon)(struct MHD_Daemon *d);
	struct MHD_Response	*(*create_response_from_buffer)(size_t size, void *buffer,
								enum MHD_ResponseMemoryMode mode);
	enum MHD_Result		(*add_response_header)(struct MHD_Response *r,
						       const char *header, const char *content);
	enum MHD_Result		(*queue_response)(struct MHD_Connection *c, unsigned int status,
						  struct MHD_Response *r);
	void			(*destroy_response)(struct MHD_Response *r);
} azlx_mhd;

static int azlx_mhd_load(char *err, size_t err_len)
{
	static const char *const names[] = {
		"MHD_start_daemon", "MHD_stop_daemon", "MHD_create_response_from_buffer",
		"MHD_add_response_header", "MHD_queue_response", "MHD_destroy_response",
	};
	void **slots = (void **)&azlx_mhd;
	void *lib;
	size_t i;

	_Static_assert(sizeof(azlx_mhd) == sizeof(names) / sizeof(names[0]) * sizeof(void *),
		       "one name per libmicrohttpd function");
	lib = dlopen(AZLX_MHD_SONAME, RTLD_NOW | RTLD_LOCAL);
	if (!lib) {
		snprintf(err, err_len, "cannot load libmicrohttpd: %s", dlerror());
		return -ENOENT;
	}
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		slots[i] = dlsym(lib, names[i]);
		if (!slots[i]) {
			snprintf(err, err_len, "libmicrohttpd has no %s", names[i]);
			memset(&azlx_mhd, 0, sizeof(azlx_mhd));
			dlclose(lib);
			return -ENOENT;
		}
	}
	return 0;
}

/* A response of @status with @text, closing the connection after it */
static enum MHD_Result azlx_http_reply(struct MHD_Connection *c, unsigned int status,
				       const char *text, const char *allow)
{
	struct MHD_Response *r;
	enum MHD_Result ret;

	r = azlx_mhd.create_response_from_buffer(strlen(text), (void *)text, MHD_RESPMEM_PERSISTENT);
	if (!r)
		return MHD_NO;
	azlx_mhd.add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "text/plain; charset=utf-8");
	if (allow)
		azlx_mhd.add_response_header(r, MHD_HTTP_HEADER_ALLOW, allow);
	ret = azlx_mhd.queue_response(c, status, r);
	azlx_mhd.destroy_response(r);
	return ret;
}

/*
 * GET (or HEAD) /metrics; 405 for other methods, 404 for other paths. Runs
 * in libmicrohttpd's one polling thread: one request at a time.
 */
static enum MHD_Result azlx_http_handle(void *cls, struct MHD_Connection *c, const char *url,
					const char *method, const char *version,
					const char *upload_data, size_t *upload_data_size,
					void **req_cls)
{
	static int seen;
	struct MHD_Response *r;
	enum MHD_Result ret;
	size_t len;
	char *buf;

	(void)cls;
	(void)version;
	(void)upload_data;
	if (strcmp(method, MHD_HTTP_METHOD_GET) && strcmp(method, MHD_HTTP_METHOD_HEAD))
		return azlx_http_reply(c, MHD_HTTP_METHOD_NOT_ALLOWED, "method not allowed\n",
				       "GET, HEAD");
	/* the first call has the headers only */
	if (!*req_cls) {
		*req_cls = &seen;
		return MHD_YES;
	}
	/* a GET has no body: whatever comes is dropped */
	if (*upload_data_size) {
		*upload_data_size = 0;
		return MHD_YES;
	}
	if (strcmp(url, "/metrics"))
		return azlx_http_reply(c, MHD_HTTP_NOT_FOUND, "not found: try /metrics\n", NULL);

	buf = azlx_metrics_render(&len);
	if (!buf)
		return azlx_http_reply(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory\n",
				       NULL);
	r = azlx_mhd.create_response_from_buffer(len, buf, MHD_RESPMEM_MUST_FREE);
	if (!r) {
		free(buf);
		return MHD_NO;
	}
	azlx_mhd.add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, AZLX_PROM_CONTENT_TYPE);
	ret = azlx_mhd.queue_response(c, MHD_HTTP_OK, r);
	azlx_mhd.destroy_response(r);
	return ret;
}

/* Serves /metrics on @ss until SIGINT or SIGTERM. */
static int azlx_metrics_serve(const struct sockaddr_storage *ss, const char *arg)
{
	unsigned int flags = MHD_USE_INTERNAL_POLLING_THREAD;
	struct MHD_Daemon *d;
	char err[256];
	sigset_t set;
	int sig;

	if (azlx_mhd_load(err, sizeof(err)))
		return azlx_error(AZLX_EXIT_ERR, "--listen: %s", err);
	if (ss->ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	/* the signals go to sigwait() below, not to the server's thread */
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);

	d = azlx_mhd.start_daemon(flags, 0, NULL, NULL, azlx_http_handle, NULL,
			     MHD_OPTION_SOCK_ADDR, (const struct sockaddr *)ss,
			     /* bounded: a request's headers fit in 16 KiB or get 431 */
			     MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)16384,
			     MHD_OPTION_CONNECTION_LIMIT, (unsigned int)32,
			     MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned int)8,
			     MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)10,
			     MHD_OPTION_END);
	if (!d) {
		pthread_sigmask(SIG_UNBLOCK, &set, NULL);
		return azlx_error(AZLX_EXIT_ERR, "cannot listen on %s: %s", arg,
				  strerror(errno));
	}
	azlx_note("serving /metrics on %s", arg);
	sigwait(&set, &sig);
	azlx_mhd.stop_daemon(d);
	pthread_sigmask(SIG_UNBLOCK, &set, NULL);
	return AZLX_EXIT_OK;
}

int azlx_do_metrics(int argc, char **argv)
{
	const struct azlx_metrics_opts *o = &azlx_metrics_opts;
	struct sockaddr_storage ss;
	char err[512];
	size_t len;
	char *buf;
	int ret;

	if (argc && azlx_is_help(argv[0]))
		return azlx_metrics_help();
	if (argc)
		return azlx_error(AZLX_EXIT_USAGE, "\"metrics\" takes no argument: \"%s\"",
				  argv[0]);
	if (azlx_opts.json)
		return azlx_error(AZLX_EXIT_USAGE,
				  "\"metrics\" writes Prometheus text, not JSON: no -j");
	if (o->textfile && o->listen)
		return azlx_error(AZLX_EXIT_USAGE, "--textfile and --listen exclude each other");
	if (o->textfile && !o->textfile[0])
		return azlx_error(AZLX_EXIT_USAGE, "--textfile needs a directory");
	if (o->listen) {
		if (azlx_metrics_listen_parse(o->listen, &ss, err, sizeof(err)))
			return azlx_error(AZLX_EXIT_USAGE, "--listen: %s", err);
		return azlx_metrics_serve(&ss, o->listen);
	}

	buf = azlx_metrics_render(&len);
	if (!buf)
		return azlx_error(AZLX_EXIT_ERR, "out of memory");
	if (o->textfile) {
		ret = azlx_metrics_textfile(o->textfile, buf, len, err, sizeof(err));
		free(buf);
		if (ret)
			return azlx_error(AZLX_EXIT_ERR, "%s", err);
		return AZLX_EXIT_OK;
	}
	fwrite(buf, 1, len, stdout);
	free(buf);
	return fflush(stdout) ? azlx_error(AZLX_EXIT_ERR, "stdout: %s", strerror(errno)) :
				AZLX_EXIT_OK;
}
