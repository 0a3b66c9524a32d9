// SPDX-License-Identifier: GPL-2.0-only
/*
 * The rules of azlxnet tune. Each item of the plan has the value it has
 * now, the value the rule wants and a one-line reason naming the rule;
 * Documentation/tune.rst gives every rule its source. A value set in
 * /etc/azlxnet/azlxnet.conf wins over the rule. Reading and comparing
 * values is item.c's, printing the plan planprint.c's.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "azlxnet.h"
#include "print.h"

#include "ethtool.h"
#include "plan.h"

struct azlx_profile_params {
	int	latency_ms;	/* I/O may wait this long in the host's queue */
	int	ra_us;		/* read-ahead: this much of the MB/s budget */
	int	max_sectors_kb;
	bool	raise_rx_ring;
	int	lro;		/* when not forwarding: -1 leave, 0 off, 1 on */
};

static const struct azlx_profile_params azlx_params[] = {
	[AZLX_PROFILE_AKS]		= { 20, 5000,  512, true,  -1 },
	[AZLX_PROFILE_LATENCY]		= { 10, 2500,  256, false, 0 },
	[AZLX_PROFILE_THROUGHPUT]	= { 50, 10000, 512, true,  1 },
};

/* Sysctls from the AKS-allowed list: at least these values, per profile */
static const struct {
	const char	*name;
	long		v[3];		/* aks, latency, throughput; 0: leave */
	bool		exact;
	const char	*why;
} azlx_sysctl_rules[] = {
	{ "net.core.somaxconn", { 16384, 16384, 16384 }, false,
	  "accept queues for busy pods and node agents" },
	{ "net.core.netdev_max_backlog", { 16384, 4096, 32768 }, false,
	  "per-CPU backlog for bursts from up to 64 channels" },
	{ "net.ipv4.tcp_max_syn_backlog", { 16384, 16384, 16384 }, false,
	  "SYN queue sized like somaxconn" },
	{ "net.core.rmem_max", { 0, 0, 16777216 }, false,
	  "socket buffers for high bandwidth-delay flows" },
	{ "net.core.wmem_max", { 0, 0, 16777216 }, false,
	  "socket buffers for high bandwidth-delay flows" },
	{ "net.ipv4.neigh.default.gc_thresh1", { 4096, 4096, 4096 }, false,
	  "neighbour table for many pods and nodes" },
	{ "net.ipv4.neigh.default.gc_thresh2", { 8192, 8192, 8192 }, false,
	  "neighbour table for many pods and nodes" },
	{ "net.ipv4.neigh.default.gc_thresh3", { 16384, 16384, 16384 }, false,
	  "neighbour table for many pods and nodes" },
	{ "fs.inotify.max_user_watches", { 1048576, 1048576, 1048576 }, false,
	  "kubelet and containers watch many files" },
	{ "vm.max_map_count", { 262144, 262144, 262144 }, false,
	  "memory-mapped stores (search, databases) in pods" },
	{ "net.ipv4.tcp_tw_reuse", { 1, 1, 1 }, true,
	  "reuse TIME-WAIT ports for outbound connections (SNAT ports are scarce)" },
};

static int azlx_plan_note(struct azlx_plan *p, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int azlx_plan_note(struct azlx_plan *p, const char *fmt, ...)
{
	char **nn, *s;
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (r < 0)
		return -ENOMEM;
	nn = realloc(p->notes, (p->nnotes + 1) * sizeof(*nn));
	if (!nn) {
		free(s);
		return -ENOMEM;
	}
	p->notes = nn;
	p->notes[p->nnotes++] = s;
	return 0;
}

static struct azlx_item *azlx_plan_add(struct azlx_plan *p)
{
	struct azlx_item *ni;

	if (p->n == p->cap) {
		p->cap = p->cap ? p->cap * 2 : 64;
		ni = realloc(p->items, p->cap * sizeof(*ni));
		if (!ni)
			return NULL;
		p->items = ni;
	}
	ni = &p->items[p->n++];
	memset(ni, 0, sizeof(*ni));
	return ni;
}

void azlx_plan_free(struct azlx_plan *p)
{
	int i;

	for (i = 0; i < p->n; i++)
		free(p->items[i].content);
	for (i = 0; i < p->nnotes; i++)
		free(p->notes[i]);
	free(p->items);
	free(p->notes);
	memset(p, 0, sizeof(*p));
}

int azlx_plan_changes(const struct azlx_plan *p)
{
	int i, n = 0;

	for (i = 0; i < p->n; i++)
		n += p->items[i].change;
	return n;
}

int azlx_plan_disruptive(const struct azlx_plan *p)
{
	int i, n = 0;

	for (i = 0; i < p->n; i++)
		n += p->items[i].change && p->items[i].disruption;
	return n;
}

/* ---- adding items ---------------------------------------------------------------------- */

struct azlx_ctx {
	const struct azlx_node		*n;
	const struct azlx_imds		*m;
	const struct azlx_tconf		*c;
	const struct azlx_plan_opts	*o;
	const struct azlx_profile_params *pp;
	struct azlx_plan		*p;
	struct azlx_cpuset		usable;
	int				nusable;
	int				err;
};

/* "set in /etc/azlxnet/azlxnet.conf:12" */
static void azlx_conf_reason(const struct azlx_ctx *x, int line, char *buf, size_t len)
{
	azlx_strf(buf, len, "set in %s:%d", x->c->path, line);
}

/*
 * Adds a sysfs/procfs item whose new value is @new. A file that does not
 * exist is left out with a note (the device or kernel lacks it), unless the
 * item is pending (created by an earlier item).
 */
static struct azlx_item *azlx_add_file(struct azlx_ctx *x, const char *area, const char *object,
				       const char *setting, const char *path, const char *needs,
				       int type, bool pending, const char *new, const char *rule,
				       const char *fmt, ...) __attribute__((format(printf, 11, 12)));

static struct azlx_item *azlx_add_file(struct azlx_ctx *x, const char *area, const char *object,
				       const char *setting, const char *path, const char *needs,
				       int type, bool pending, const char *new, const char *rule,
				       const char *fmt, ...)
{
	struct azlx_item *it;
	char err[320];
	va_list ap;

	if (x->err)
		return NULL;
	it = azlx_plan_add(x->p);
	if (!it) {
		x->err = -ENOMEM;
		return NULL;
	}
	it->kind = AZLX_ITEM_FILE;
	azlx_strf(it->area, sizeof(it->area), "%s", area);
	azlx_strf(it->object, sizeof(it->object), "%s", object);
	azlx_strf(it->setting, sizeof(it->setting), "%s", setting);
	azlx_strf(it->path, sizeof(it->path), "%s", path);
	azlx_strf(it->needs, sizeof(it->needs), "%s", needs);
	azlx_strf(it->new, sizeof(it->new), "%s", new);
	azlx_strf(it->rule, sizeof(it->rule), "%s", rule);
	it->value_type = type;
	it->pending = pending;
	va_start(ap, fmt);
	vsnprintf(it->reason, sizeof(it->reason), fmt, ap);
	va_end(ap);
	if (pending) {
		it->change = true;
		return it;
	}
	if (azlx_item_read(it, it->cur, sizeof(it->cur), err, sizeof(err))) {
		azlx_plan_note(x->p, "%s %s: left out: %s", object, setting, err);
		x->p->n--;
		return NULL;
	}
	it->cur_known = true;
	it->change = !azlx_value_equal(type, it->cur, it->new);
	return it;
}

static const char azlx_netvsc_detach[] =
	"netvsc detaches the NIC to change it: traffic stops for a moment";
static const char azlx_vf_requeue[] =
	"the VF re-creates its queues: traffic takes the synthetic path for a moment";

/*
 * Adds an ethtool item; returns the value the device will have after the
 * plan: @want (capped at the maximum), or the current one if left out.
 */
static unsigned long azlx_add_eth(struct azlx_ctx *x, const struct azlx_nicdev *d,
				  bool synthetic, const struct azlx_ethtool *e,
				  enum azlx_eth_setting s, unsigned long want, const char *rule,
				  const char *reason)
{
	const struct azlx_eth_value *v = &e->v[s];
	const char *disruption = NULL;
	struct azlx_item *it;

	if (x->err)
		return v->cur;
	if (!v->supported || v->fixed) {
		azlx_plan_note(x->p, "%s %s: left out: %s by the device", d->name,
			       azlx_eth_setting_name(s), v->fixed ? "fixed" : "not offered");
		return v->cur;
	}
	if (v->max && want > v->max)
		want = v->max;
	/* channels and rings: netvsc detaches the NIC, a VF rebuilds its queues */
	if (s != AZLX_ETH_LRO)
		disruption = synthetic ? azlx_netvsc_detach : azlx_vf_requeue;
	if (disruption && x->o->no_disruptive && want != v->cur) {
		azlx_plan_note(x->p, "%s %s: left out (--no-disruptive): %s", d->name,
			       azlx_eth_setting_name(s), disruption);
		return v->cur;
	}
	it = azlx_plan_add(x->p);
	if (!it) {
		x->err = -ENOMEM;
		return v->cur;
	}
	it->kind = AZLX_ITEM_ETHTOOL;
	it->eth = s;
	it->disruption = disruption;
	azlx_strf(it->area, sizeof(it->area), "nic");
	azlx_strf(it->object, sizeof(it->object), "%s", d->name);
	azlx_strf(it->setting, sizeof(it->setting), "%s", azlx_eth_setting_name(s));
	azlx_strf(it->path, sizeof(it->path), "%s", d->name);
	azlx_strf(it->needs, sizeof(it->needs), "/sys/class/net/%s", d->name);
	azlx_strf(it->rule, sizeof(it->rule), "%s", rule);
	azlx_strf(it->reason, sizeof(it->reason), "%s", reason);
	it->value_type = s == AZLX_ETH_LRO ? AZLX_VT_ONOFF : AZLX_VT_INT;
	if (s == AZLX_ETH_LRO) {
		azlx_strf(it->cur, sizeof(it->cur), "%s", v->cur ? "on" : "off");
		azlx_strf(it->new, sizeof(it->new), "%s", want ? "on" : "off");
	} else {
		azlx_strf(it->cur, sizeof(it->cur), "%lu", v->cur);
		azlx_strf(it->new, sizeof(it->new), "%lu", want);
	}
	it->cur_known = true;
	it->change = !azlx_value_equal(it->value_type, it->cur, it->new);
	return want;
}

/* ---- NICs ----------------------------------------------------------------------------- */

/* The usable CPUs local to NUMA node @node (all usable ones if none). */
static int azlx_local_cpus(const struct azlx_ctx *x, int node, int *cpus)
{
	struct azlx_cpuset s = x->usable;
	int i, n;

	if (node >= 0 && node < x->n->nnodes) {
		for (i = 0; i < AZLX_MAX_CPUS / 64; i++)
			s.w[i] &= x->n->node_cpus[node].w[i];
		n = azlx_cpuset_list(&s, cpus, AZLX_MAX_CPUS);
		if (n)
			return n;
	}
	return azlx_cpuset_list(&x->usable, cpus, AZLX_MAX_CPUS);
}

/* Channels, ring and LRO of one device; returns its queue count after the plan. */
static int azlx_plan_ethtool(struct azlx_ctx *x, const struct azlx_nicdev *d, bool synthetic)
{
	char reason[256], err[256];
	struct azlx_ethtool e;
	unsigned long want;
	int queues = d->nrx;
	bool forwarding = x->n->forwarding;

	if (azlx_ethtool_get(d->name, &e, err, sizeof(err))) {
		azlx_plan_note(x->p, "%s: channels, rings and offloads left out: %s", d->name, err);
		return queues;
	}

	/* one channel per usable vCPU; netvsc takes up to 64 (default 8) */
	want = x->nusable;
	if (synthetic && want > 64)
		want = 64;
	if (x->c->channels.set) {
		want = x->c->channels.v;
		azlx_conf_reason(x, x->c->channels.line, reason, sizeof(reason));
	} else {
		azlx_strf(reason, sizeof(reason), "%s",
			 synthetic ? "one channel per usable vCPU (netvsc: up to 64, default 8)" :
			 "one queue per usable vCPU for the VF's RSS");
	}
	if (e.v[AZLX_ETH_COMBINED].supported) {
		if (e.v[AZLX_ETH_COMBINED].max && want > e.v[AZLX_ETH_COMBINED].max)
			want = e.v[AZLX_ETH_COMBINED].max;
		queues = (int)azlx_add_eth(x, d, synthetic, &e, AZLX_ETH_COMBINED, want,
					   "nic.channels", reason);
	} else if (e.v[AZLX_ETH_RX_CHANNELS].supported && e.v[AZLX_ETH_TX_CHANNELS].supported) {
		unsigned long rx = want, tx = want;

		if (e.v[AZLX_ETH_RX_CHANNELS].max && rx > e.v[AZLX_ETH_RX_CHANNELS].max)
			rx = e.v[AZLX_ETH_RX_CHANNELS].max;
		if (e.v[AZLX_ETH_TX_CHANNELS].max && tx > e.v[AZLX_ETH_TX_CHANNELS].max)
			tx = e.v[AZLX_ETH_TX_CHANNELS].max;
		queues = (int)azlx_add_eth(x, d, synthetic, &e, AZLX_ETH_RX_CHANNELS, rx,
					   "nic.channels", reason);
		azlx_add_eth(x, d, synthetic, &e, AZLX_ETH_TX_CHANNELS, tx, "nic.channels", reason);
	} else {
		azlx_plan_note(x->p, "%s: channels left out: not offered by the device", d->name);
	}

	/* AKS raises the synthetic NIC's RX ring from 1024 to 2048 on >= 4 vCPUs */
	if (synthetic && x->c->rx_ring.set) {
		azlx_conf_reason(x, x->c->rx_ring.line, reason, sizeof(reason));
		azlx_add_eth(x, d, synthetic, &e, AZLX_ETH_RX_RING, x->c->rx_ring.v, "nic.rx_ring",
			     reason);
	} else if (synthetic && x->pp->raise_rx_ring && x->n->ncpus >= 4 &&
		   e.v[AZLX_ETH_RX_RING].supported && e.v[AZLX_ETH_RX_RING].cur < 2048) {
		azlx_add_eth(x, d, synthetic, &e, AZLX_ETH_RX_RING, 2048, "nic.rx_ring",
			     "AKS raises the RX ring to 2048 on >= 4 vCPUs (netvsc re-attaches the device)");
	}

	/* LRO is the host's RSC on netvsc: never on a forwarding node, nor with XDP */
	if (x->c->lro.set) {
		azlx_conf_reason(x, x->c->lro.line, reason, sizeof(reason));
		azlx_add_eth(x, d, synthetic, &e, AZLX_ETH_LRO, x->c->lro.v, "nic.lro", reason);
	} else if (e.v[AZLX_ETH_LRO].supported && !e.v[AZLX_ETH_LRO].fixed &&
		   (forwarding || x->pp->lro >= 0)) {
		want = forwarding ? 0 : (unsigned long)x->pp->lro;
		azlx_add_eth(x, d, synthetic, &e, AZLX_ETH_LRO, want, "nic.lro",
			     forwarding ? "LRO off: this node forwards (pods), and XDP needs it off" :
			     want ? "LRO (host RSC) on: fewer, larger packets for throughput" :
			     "LRO off: no coalescing delay");
	}
	return queues;
}

static void azlx_plan_rps_xps(struct azlx_ctx *x, const struct azlx_nicdev *d, int queues)
{
	static int cpus[AZLX_MAX_CPUS], local[AZLX_MAX_CPUS];
	char path[512], mask[AZLX_MAX_CPUS / 4 + 64], set[64], needs[512];
	struct azlx_cpuset s;
	int nlocal, ncpus, q, j;

	azlx_strf(needs, sizeof(needs), "/sys/class/net/%s/queues", d->name);
	ncpus = azlx_cpuset_list(&x->usable, cpus, AZLX_MAX_CPUS);
	nlocal = azlx_local_cpus(x, d->numa_node, local);

	if (!x->c->rps.set || x->c->rps.v) {
		/* enough queues: RSS spreads the flows, RPS would only add IPIs */
		azlx_cpuset_zero(&s);
		if (queues < ncpus)
			for (j = 0; j < nlocal; j++)
				azlx_cpuset_set(&s, local[j]);
		azlx_cpumask_format(&s, x->n->nr_cpu_ids, mask, sizeof(mask));
		for (q = 0; q < queues; q++) {
			azlx_strf(path, sizeof(path), "/sys/class/net/%s/queues/rx-%d/rps_cpus",
				 d->name, q);
			azlx_strf(set, sizeof(set), "rx-%d/rps_cpus", q);
			azlx_add_file(x, "nic", d->name, set, path, needs, AZLX_VT_CPUMASK,
				      q >= d->nrx, mask, "nic.rps",
				      queues < ncpus ?
				      "fewer queues than CPUs: RPS over the NIC's NUMA-local CPUs" :
				      "a queue per CPU: RSS spreads flows, RPS off");
		}
	}
	if (!x->c->xps.set || x->c->xps.v) {
		for (q = 0; q < queues; q++) {
			azlx_cpuset_zero(&s);
			for (j = q; j < ncpus; j += queues)
				azlx_cpuset_set(&s, cpus[j]);
			azlx_cpumask_format(&s, x->n->nr_cpu_ids, mask, sizeof(mask));
			azlx_strf(path, sizeof(path), "/sys/class/net/%s/queues/tx-%d/xps_cpus",
				 d->name, q);
			azlx_strf(set, sizeof(set), "tx-%d/xps_cpus", q);
			azlx_add_file(x, "nic", d->name, set, path, needs, AZLX_VT_CPUMASK,
				      q >= d->ntx, mask, "nic.xps",
				      "each usable CPU transmits on one queue (CPU i -> queue i mod N)");
		}
	}
}

/*
 * Spreads the VMBus channels of netvsc and storvsc over NUMA-local usable
 * CPUs: irqbalance cannot see their interrupts. @chan_cpu receives the CPU
 * planned for each channel of device @idx, for the VF's IRQs.
 */
static void azlx_plan_vmbus(struct azlx_ctx *x, int *offset)
{
	static int local[AZLX_MAX_CPUS];
	char path[512], needs[512], obj[AZLX_NAME_MAX], set[64], val[16];
	int i, k, nlocal;

	if (x->c->vmbus_spread.set && !x->c->vmbus_spread.v)
		return;
	for (i = 0; i < x->n->nvmbus; i++) {
		const struct azlx_vmbus_dev *d = &x->n->vmbus_devs[i];
		int node = d->numa_node >= 0 && d->numa_node < AZLX_MAX_NODES ? d->numa_node : 0;

		nlocal = azlx_local_cpus(x, d->numa_node, local);
		if (!nlocal)
			continue;
		azlx_strf(obj, sizeof(obj), "%s %.8s", d->name[0] ? d->name : "vmbus", d->guid);
		for (k = 0; k < d->nchans; k++) {
			int cpu = local[(offset[node] + k) % nlocal];

			azlx_strf(path, sizeof(path), "/sys/bus/vmbus/devices/%s/channels/%d/cpu",
				 d->guid, d->chans[k].relid);
			azlx_strf(needs, sizeof(needs), "/sys/bus/vmbus/devices/%s", d->guid);
			azlx_strf(set, sizeof(set), "channel %d cpu", d->chans[k].relid);
			azlx_strf(val, sizeof(val), "%d", cpu);
			azlx_add_file(x, "vmbus", obj, set, path, needs, AZLX_VT_INT, false, val,
				      "vmbus.spread",
				      d->cls == AZLX_VMBUS_NETVSC ?
				      "spread netvsc channels over NUMA-local CPUs (irqbalance cannot see them)" :
				      "spread storvsc channels over NUMA-local CPUs (irqbalance cannot see them)");
		}
		offset[node] += d->nchans;
	}
}

/* The CPU the plan gives channel @k of VMBus device @idx (its current one if none). */
static int azlx_planned_chan_cpu(const struct azlx_ctx *x, int idx, int k)
{
	const struct azlx_vmbus_dev *d = &x->n->vmbus_devs[idx];
	char path[512];
	int i;

	azlx_strf(path, sizeof(path), "/sys/bus/vmbus/devices/%s/channels/%d/cpu", d->guid,
		 d->chans[k].relid);
	for (i = 0; i < x->p->n; i++)
		if (!strcmp(x->p->items[i].path, path))
			return atoi(x->p->items[i].new);
	return d->chans[k].cpu;
}

/*
 * The VF's queue interrupts follow the synthetic channels: VF queue N (by
 * the IRQ's name, see azlx_vf_irq_queue()) on the CPU of channel N, so a
 * flow is handled on one CPU whichever path it takes. Not by vector order:
 * vector 0 is the control queue on mana and mlx5. The control IRQ and
 * IRQs whose names no rule knows are left alone.
 */
static void azlx_plan_vf_irqs(struct azlx_ctx *x, const struct azlx_nicpair *pr)
{
	static int cpus[AZLX_MAX_CPUS];
	const struct azlx_vmbus_dev *d;
	const struct azlx_nicdev *vf = &pr->vf;
	char path[512], set[64], val[16];
	int ncpus, cpu, k, unknown = 0;
	const char *example = NULL;

	if (!pr->has_vf || !vf->nirqs || (x->c->irq_affinity.set && !x->c->irq_affinity.v))
		return;
	if (!vf->irq_names) {
		azlx_plan_note(x->p, "%s: VF interrupts left alone: /proc/interrupts unreadable, their queues unknown",
			       vf->name);
		return;
	}
	/* irqbalance would move them back within seconds: leave them to it */
	if (x->n->irqbalance_pid && !x->c->irq_affinity.set) {
		azlx_plan_note(x->p, "%s: VF interrupts left to irqbalance (pid %d), which places them itself; [nic] irq_affinity = yes plans them anyway",
			       vf->name, x->n->irqbalance_pid);
		return;
	}
	if (x->n->irqbalance_pid)
		azlx_plan_note(x->p, "%s: irqbalance (pid %d) runs: it may move these interrupts again (ban them there: Documentation/tune.rst)",
			       vf->name, x->n->irqbalance_pid);
	d = pr->vmbus >= 0 ? &x->n->vmbus_devs[pr->vmbus] : NULL;
	if (d && !d->nchans)
		d = NULL;
	ncpus = azlx_local_cpus(x, vf->numa_node, cpus);
	for (k = 0; k < vf->nirqs && ncpus; k++) {
		const struct azlx_vf_irq *q = &vf->irqs[k];

		if (q->queue == AZLX_IRQ_CONTROL)
			continue;
		if (q->queue < 0) {
			unknown++;
			if (!example)
				example = q->name[0] ? q->name : "no name";
			continue;
		}
		cpu = d ? azlx_planned_chan_cpu(x, pr->vmbus, q->queue % d->nchans) :
		      cpus[q->queue % ncpus];
		if (cpu < 0)
			continue;
		azlx_strf(path, sizeof(path), "/proc/irq/%d/smp_affinity_list", q->irq);
		azlx_strf(set, sizeof(set), "irq %d affinity", q->irq);
		azlx_strf(val, sizeof(val), "%d", cpu);
		azlx_add_file(x, "irq", vf->name, set, path, path, AZLX_VT_CPULIST, false, val,
			      "irq.vf", "VF queue %d (%s): %s", q->queue, q->name,
			      d ? "on the CPU of synthetic channel N" :
			      "spread over NUMA-local CPUs");
	}
	if (unknown)
		azlx_plan_note(x->p, "%s: %d VF interrupt(s) left alone: names not known (\"%s\"): mana_q<N>, mlx5_comp<N> and mlx4-<N> are",
			       vf->name, unknown, example);
}

/* ---- sysctls -------------------------------------------------------------------------- */

static void azlx_sysctl_path(const char *name, char *buf, size_t len)
{
	size_t i, o = snprintf(buf, len, "/proc/sys/");

	for (i = 0; name[i] && o + 1 < len; i++)
		buf[o++] = name[i] == '.' ? '/' : name[i];
	buf[o] = '\0';
}

static void azlx_plan_sysctls(struct azlx_ctx *x)
{
	char path[256], val[64], reason[256], cur[64];
	size_t i;
	int j;

	for (i = 0; i < sizeof(azlx_sysctl_rules) / sizeof(azlx_sysctl_rules[0]); i++) {
		long want = azlx_sysctl_rules[i].v[x->p->profile];
		const char *name = azlx_sysctl_rules[i].name;
		bool conf = false;

		for (j = 0; j < x->c->nsysctls; j++)
			if (!strcmp(x->c->sysctls[j].name, name))
				conf = true;
		if (conf || !want)
			continue;
		azlx_sysctl_path(name, path, sizeof(path));
		if (azlx_fs_read(path, cur, sizeof(cur)) < 0) {
			azlx_plan_note(x->p, "sysctl %s: left out: not in this kernel", name);
			continue;
		}
		if (!azlx_sysctl_rules[i].exact && strtol(cur, NULL, 10) > want)
			want = strtol(cur, NULL, 10);
		azlx_strf(val, sizeof(val), "%ld", want);
		azlx_strf(reason, sizeof(reason), "AKS-allowed; %s %s: %s",
			 azlx_sysctl_rules[i].exact ? "exactly" : "at least",
			 azlx_profile_name(x->p->profile), azlx_sysctl_rules[i].why);
		azlx_add_file(x, "sysctl", "kernel", name, path, "/proc/sys", AZLX_VT_STRING,
			      false, val, "sysctl.profile", "%s", reason);
	}
	for (j = 0; j < x->c->nsysctls; j++) {
		azlx_sysctl_path(x->c->sysctls[j].name, path, sizeof(path));
		azlx_conf_reason(x, x->c->sysctls[j].line, reason, sizeof(reason));
		azlx_add_file(x, "sysctl", "kernel", x->c->sysctls[j].name, path, "/proc/sys",
			      AZLX_VT_STRING, false, x->c->sysctls[j].value, "sysctl.config",
			      "%s", reason);
	}
}

/* ---- disks ----------------------------------------------------------------------------- */

/* The VM's uncached disk cap (its burst if published), or 0 if unknown. */
static long azlx_vm_cap(const struct azlx_ctx *x, bool mbps)
{
	struct azlx_vmsize v;
	long base, burst;

	azlx_vm_budget(x->m, x->c, &v);
	base = mbps ? v.mbps : v.iops;
	burst = mbps ? v.burst_mbps : v.burst_iops;
	return burst > 0 ? burst : base > 0 ? base : 0;
}

#define AZLX_CONF_OR(cd, all, field) \
	((cd) && (cd)->field.set ? &(cd)->field : (all) && (all)->field.set ? &(all)->field : NULL)

static void azlx_plan_disk(struct azlx_ctx *x, const struct azlx_disk *d)
{
	const struct azlx_tconf_disk *cd, *all;
	const struct azlx_cval *cv;
	const struct azlx_cstr *cs;
	char path[256], needs[256], raw[512], val[32], reason[256];
	struct azlx_budget b;
	long iops = 0, mbps = 0, cap, qd = 0, v, hw;
	int lat;
	bool nvme = d->bus == AZLX_BUS_NVME;

	cd = azlx_tconf_disk_for(x->c, d, &all);
	azlx_disk_budget(x->n, x->m, x->c, d, &b);
	azlx_strf(needs, sizeof(needs), "/sys/class/block/%s", d->name);
	if (b.known) {
		iops = b.burst_iops;
		mbps = b.burst_mbps;
		cap = azlx_vm_cap(x, false);
		if (!cap) {
			struct azlx_vmsize v;

			azlx_vm_budget(x->m, x->c, &v);
			azlx_plan_note(x->p, "%s: the VM's disk cap: %s: planned from the disk's own budget",
				       d->name, v.source);
		}
		if (cap && cap < iops)
			iops = cap;
		cap = azlx_vm_cap(x, true);
		if (cap && cap < mbps)
			mbps = cap;
	} else {
		azlx_plan_note(x->p, "%s: budget %s: queue depth and read-ahead left as they are",
			       d->name, b.source);
	}
	cv = AZLX_CONF_OR(cd, all, target_latency_ms);
	lat = cv ? (int)cv->v : x->pp->latency_ms;

	/* scheduler: mq-deadline on storvsc (Azure Disk CSI perf profile); none on NVMe */
	azlx_strf(path, sizeof(path), "/sys/class/block/%s/queue/scheduler", d->name);
	cs = AZLX_CONF_OR(cd, all, scheduler);
	if (azlx_fs_read(path, raw, sizeof(raw)) >= 0) {
		const char *want = cs ? cs->s : nvme ? "none" : "mq-deadline";

		if (cs)
			azlx_conf_reason(x, cs->line, reason, sizeof(reason));
		if (!azlx_selector_offers(raw, want))
			azlx_plan_note(x->p, "%s queue/scheduler: left out: %s is not available",
				       d->name, want);
		else
			azlx_add_file(x, "disk", d->name, "queue/scheduler", path, needs,
				      AZLX_VT_SELECTOR, false, want, "disk.scheduler", "%s",
				      cs ? reason : nvme ?
				      "none: NVMe queues are many and deep; the host does the queueing" :
				      "mq-deadline (Azure Disk CSI perf profile): reads do not starve behind writes");
	}

	/* queue depth = IOPS x target latency: deeper only moves queueing into the host */
	if (!nvme) {
		char hpath[128];

		azlx_strf(path, sizeof(path), "/sys/class/block/%s/device/queue_depth", d->name);
		azlx_strf(hpath, sizeof(hpath), "/sys/class/scsi_host/host%d/can_queue", d->scsi_host);
		hw = 0;
		if (azlx_fs_read_long(hpath, &hw) || hw <= 0)
			hw = 1024;
		cv = AZLX_CONF_OR(cd, all, queue_depth);
		if (cv) {
			qd = cv->v;
			azlx_conf_reason(x, cv->line, reason, sizeof(reason));
		} else if (b.known) {
			qd = (iops * lat + 999) / 1000;
			if (qd < 4)
				qd = 4;
			azlx_strf(reason, sizeof(reason),
				 "%ld IOPS (%s%s) x %d ms target latency",
				 iops, b.tier, iops < b.burst_iops ? ", VM cap" : "", lat);
		}
		if (qd > hw)
			qd = hw;
		if (qd) {
			azlx_strf(val, sizeof(val), "%ld", qd);
			azlx_add_file(x, "disk", d->name, "device/queue_depth", path, needs,
				      AZLX_VT_INT, false, val, "disk.queue_depth", "%s", reason);
		}
	}

	/* nr_requests: twice the device queue, so the scheduler can order reads first */
	azlx_strf(path, sizeof(path), "/sys/class/block/%s/queue/nr_requests", d->name);
	cv = AZLX_CONF_OR(cd, all, nr_requests);
	v = 0;
	if (cv) {
		v = cv->v;
		azlx_conf_reason(x, cv->line, reason, sizeof(reason));
	} else if (b.known) {
		if (!qd)
			qd = (iops * lat + 999) / 1000;
		v = 2 * qd;
		if (v < 32)
			v = 32;
		if (v > 2048)
			v = 2048;
		azlx_strf(reason, sizeof(reason), "2 x queue depth %ld (AKS: 128 on the OS disk)", qd);
		/* without a scheduler the hardware queue is the limit */
		if (nvme && !azlx_fs_read_long(path, &hw) && hw < v)
			v = hw;
	}
	if (v) {
		azlx_strf(val, sizeof(val), "%ld", v);
		azlx_add_file(x, "disk", d->name, "queue/nr_requests", path, needs, AZLX_VT_INT,
			      false, val, "disk.nr_requests", "%s", reason);
	}

	/* read-ahead: what the MB/s budget moves in the profile's time, in 256 KiB units */
	azlx_strf(path, sizeof(path), "/sys/class/block/%s/queue/read_ahead_kb", d->name);
	cv = AZLX_CONF_OR(cd, all, read_ahead_kb);
	v = -1;
	if (cv) {
		v = cv->v;
		azlx_conf_reason(x, cv->line, reason, sizeof(reason));
	} else if (b.known) {
		v = mbps * 1024 * x->pp->ra_us / 1000000;
		v -= v % 256;
		if (v < 256)
			v = 256;
		if (v > 4096)
			v = 4096;
		azlx_strf(reason, sizeof(reason),
			 "%ld MB/s x %d.%d ms, in 256 KiB units (Azure counts IOPS per 256 KiB)",
			 mbps, x->pp->ra_us / 1000, x->pp->ra_us % 1000 / 100);
	}
	if (v >= 0) {
		azlx_strf(val, sizeof(val), "%ld", v);
		azlx_add_file(x, "disk", d->name, "queue/read_ahead_kb", path, needs, AZLX_VT_INT,
			      false, val, "disk.read_ahead", "%s", reason);
	}

	/* max_sectors_kb <= 512 (Azure Disk CSI perf profile) */
	azlx_strf(path, sizeof(path), "/sys/class/block/%s/queue/max_sectors_kb", d->name);
	cv = AZLX_CONF_OR(cd, all, max_sectors_kb);
	v = cv ? cv->v : x->pp->max_sectors_kb;
	azlx_strf(raw, sizeof(raw), "/sys/class/block/%s/queue/max_hw_sectors_kb", d->name);
	if (!azlx_fs_read_long(raw, &hw) && hw > 0 && v > hw)
		v = hw;
	if (cv)
		azlx_conf_reason(x, cv->line, reason, sizeof(reason));
	else
		azlx_strf(reason, sizeof(reason),
			 "at most %d KiB per I/O (Azure Disk CSI perf profile: <= 512)",
			 x->pp->max_sectors_kb);
	azlx_strf(val, sizeof(val), "%ld", v);
	azlx_add_file(x, "disk", d->name, "queue/max_sectors_kb", path, needs, AZLX_VT_INT, false,
		      val, "disk.max_sectors", "%s", reason);

	/* Azure NVMe: the host retries remote I/O for up to 120 s */
	if (nvme && d->remote) {
		azlx_strf(path, sizeof(path), "/sys/class/block/%s/queue/io_timeout", d->name);
		cv = AZLX_CONF_OR(cd, all, io_timeout_ms);
		if (cv)
			azlx_conf_reason(x, cv->line, reason, sizeof(reason));
		azlx_strf(val, sizeof(val), "%ld", cv ? cv->v : 240000L);
		azlx_add_file(x, "disk", d->name, "queue/io_timeout", path, needs, AZLX_VT_INT,
			      false, val, "disk.nvme_timeout", "%s",
			      cv ? reason : "240 s as Azure's udev rules: the host retries remote I/O for up to 120 s");
	}
}

/* ---- the module ------------------------------------------------------------------------ */

static void azlx_plan_module(struct azlx_ctx *x)
{
	const char *syn, *vf;
	struct azlx_item *it;
	char reason[256];

	if (!x->n->hyperv && !x->n->module_loaded)
		return;
	syn = x->c->synthetic_drivers.set ? x->c->synthetic_drivers.s :
	      x->n->module_loaded ? x->n->mod_synthetic : "hv_netvsc";
	vf = x->c->vf_drivers.set ? x->c->vf_drivers.s :
	     x->n->module_loaded ? x->n->mod_vf : "mana,mlx5_core,mlx4_en";

	if (!x->n->module_loaded && (!x->c->module_load.set || x->c->module_load.v)) {
		it = azlx_plan_add(x->p);
		if (!it) {
			x->err = -ENOMEM;
			return;
		}
		it->kind = AZLX_ITEM_MODULE;
		azlx_strf(it->area, sizeof(it->area), "module");
		azlx_strf(it->object, sizeof(it->object), AZLX_MODULE_NAME);
		azlx_strf(it->setting, sizeof(it->setting), "state");
		azlx_strf(it->path, sizeof(it->path), "synthetic_drivers=%s vf_drivers=%s", syn, vf);
		azlx_strf(it->needs, sizeof(it->needs), "/sys/module");
		azlx_strf(it->cur, sizeof(it->cur), "not loaded");
		azlx_strf(it->new, sizeof(it->new), "loaded");
		azlx_strf(it->rule, sizeof(it->rule), "module.load");
		azlx_strf(it->reason, sizeof(it->reason),
			 "track synthetic NICs and their VFs (libkmod, %s)", it->path);
		it->cur_known = true;
		it->change = true;
	} else if (x->n->module_loaded) {
		if (x->c->synthetic_drivers.set) {
			azlx_conf_reason(x, x->c->synthetic_drivers.line, reason, sizeof(reason));
			azlx_add_file(x, "module", AZLX_MODULE_NAME, "synthetic_drivers",
				      "/sys/module/" AZLX_MODULE_NAME "/parameters/synthetic_drivers",
				      "/sys/module/" AZLX_MODULE_NAME, AZLX_VT_STRING, false, syn,
				      "module.params", "%s", reason);
		}
		if (x->c->vf_drivers.set) {
			azlx_conf_reason(x, x->c->vf_drivers.line, reason, sizeof(reason));
			azlx_add_file(x, "module", AZLX_MODULE_NAME, "vf_drivers",
				      "/sys/module/" AZLX_MODULE_NAME "/parameters/vf_drivers",
				      "/sys/module/" AZLX_MODULE_NAME, AZLX_VT_STRING, false, vf,
				      "module.params", "%s", reason);
		}
	}

	if (x->o->persist) {
		char err[256];

		it = azlx_plan_add(x->p);
		if (!it) {
			x->err = -ENOMEM;
			return;
		}
		it->kind = AZLX_ITEM_CONFFILE;
		azlx_strf(it->area, sizeof(it->area), "module");
		azlx_strf(it->object, sizeof(it->object), AZLX_MODULE_NAME);
		azlx_strf(it->setting, sizeof(it->setting), "modprobe.d");
		azlx_strf(it->path, sizeof(it->path), "/etc/modprobe.d/azlxnet.conf");
		azlx_strf(it->needs, sizeof(it->needs), "/etc/modprobe.d");
		azlx_strf(it->rule, sizeof(it->rule), "module.persist");
		azlx_strf(it->reason, sizeof(it->reason),
			 "--persist: modprobe applies the same options at every load");
		if (asprintf(&it->content,
			     "# written by azlxnet tune apply --persist; azlxnet tune revert restores the previous file\n"
			     "options azlxnet synthetic_drivers=%s vf_drivers=%s\n", syn, vf) < 0) {
			it->content = NULL;
			x->err = -ENOMEM;
			return;
		}
		azlx_strf(it->new, sizeof(it->new), "as planned");
		if (azlx_item_read(it, it->cur, sizeof(it->cur), err, sizeof(err))) {
			azlx_plan_note(x->p, "module modprobe.d: left out: %s", err);
			free(it->content);
			x->p->n--;
			return;
		}
		it->cur_known = true;
		it->change = strcmp(it->cur, "as planned") != 0;
	}
}

int azlx_plan_build(const struct azlx_node *n, const struct azlx_imds *m,
		    const struct azlx_tconf *c, const struct azlx_plan_opts *o,
		    struct azlx_plan *p)
{
	struct azlx_ctx x = { .n = n, .m = m, .c = c, .o = o, .p = p };
	int offset[AZLX_MAX_NODES] = { 0 };
	int i, j, q;

	memset(p, 0, sizeof(*p));
	p->profile = c->profile;
	x.pp = &azlx_params[c->profile];
	x.usable = n->online;
	for (i = 0; i < AZLX_MAX_CPUS / 64; i++)
		x.usable.w[i] &= ~(c->reserved.w[i] | n->isolated.w[i]);
	x.nusable = azlx_cpuset_count(&x.usable);
	if (!x.nusable) {
		azlx_plan_note(p, "no usable CPU: every online CPU is reserved or isolated");
		x.usable = n->online;
		x.nusable = n->ncpus;
	}
	if (!n->azure)
		azlx_plan_note(p, n->hyperv ? "Hyper-V but not Azure: no IMDS, Azure disks by their identity only" :
			       "not an Azure VM: only the sysctls, and any Azure disk or NIC stand-ins found");
	if (n->azure && (!m || !m->valid))
		azlx_plan_note(p, "no IMDS data: disk types and sizes unknown; OS disk budget assumed from the vCPU count");

	azlx_plan_module(&x);
	for (i = 0; i < n->nnics && !x.err; i++) {
		const struct azlx_nicpair *pr = &n->nics[i];

		q = azlx_plan_ethtool(&x, &pr->syn, true);
		azlx_plan_rps_xps(&x, &pr->syn, q);
		if (pr->has_vf) {
			q = azlx_plan_ethtool(&x, &pr->vf, false);
			azlx_plan_rps_xps(&x, &pr->vf, q);
		}
	}
	azlx_plan_vmbus(&x, offset);
	for (i = 0; i < n->nnics && !x.err; i++)
		azlx_plan_vf_irqs(&x, &n->nics[i]);
	azlx_plan_sysctls(&x);
	for (j = 0; j < n->ndisks && !x.err; j++)
		if (n->disks[j].azure)
			azlx_plan_disk(&x, &n->disks[j]);
	if (x.err) {
		azlx_plan_free(p);
		return azlx_error(AZLX_EXIT_ERR, "planning: %s", strerror(-x.err));
	}
	return AZLX_EXIT_OK;
}
