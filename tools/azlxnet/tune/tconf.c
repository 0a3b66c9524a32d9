// SPDX-License-Identifier: GPL-2.0-only
/*
 * /etc/azlxnet/azlxnet.conf: an INI file read with inih. Every value that is
 * set overrides what the rules would choose; a bad file is rejected whole,
 * with the file, line, section and key of the first mistake.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <ini.h>


#include "budget.h"
#include "tconf.h"

static const char *const azlx_profiles[] = {
	[AZLX_PROFILE_AKS]		= "aks",
	[AZLX_PROFILE_LATENCY]		= "latency",
	[AZLX_PROFILE_THROUGHPUT]	= "throughput",
};

/* AKS custom node configuration: the node sysctls it allows */
static const char *const azlx_aks_sysctls[] = {
	"fs.file-max", "fs.inotify.max_user_watches", "fs.aio-max-nr", "fs.nr_open",
	"net.core.somaxconn", "net.core.netdev_max_backlog", "net.core.rmem_max",
	"net.core.wmem_max", "net.core.optmem_max", "net.ipv4.tcp_max_syn_backlog",
	"net.ipv4.tcp_max_tw_buckets", "net.ipv4.tcp_fin_timeout",
	"net.ipv4.tcp_keepalive_time", "net.ipv4.tcp_keepalive_probes",
	"net.ipv4.tcp_keepalive_intvl", "net.ipv4.tcp_tw_reuse",
	"net.ipv4.ip_local_port_range", "net.ipv4.neigh.default.gc_thresh1",
	"net.ipv4.neigh.default.gc_thresh2", "net.ipv4.neigh.default.gc_thresh3",
	"net.netfilter.nf_conntrack_max", "net.netfilter.nf_conntrack_buckets",
	"kernel.threads-max", "vm.max_map_count", "vm.vfs_cache_pressure", "vm.swappiness",
};

bool azlx_sysctl_allowed(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(azlx_aks_sysctls) / sizeof(azlx_aks_sysctls[0]); i++)
		if (!strcmp(azlx_aks_sysctls[i], name))
			return true;
	return false;
}

int azlx_profile_parse(const char *s, enum azlx_profile *p)
{
	size_t i;

	for (i = 0; i < sizeof(azlx_profiles) / sizeof(azlx_profiles[0]); i++) {
		if (!strcmp(azlx_profiles[i], s)) {
			*p = (enum azlx_profile)i;
			return 0;
		}
	}
	return -EINVAL;
}

const char *azlx_profile_name(enum azlx_profile p)
{
	return azlx_profiles[p];
}

void azlx_tconf_init(struct azlx_tconf *c)
{
	memset(c, 0, sizeof(*c));
	c->profile = AZLX_PROFILE_AKS;
}

struct azlx_parse {
	struct azlx_tconf	*c;
	int			line;		/* of the line being parsed */
	int			err_line;
	char			err[256];
};

static int azlx_perr(struct azlx_parse *ps, const char *section, const char *key,
		     const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static int azlx_perr(struct azlx_parse *ps, const char *section, const char *key,
		     const char *fmt, ...)
{
	char why[192];
	va_list ap;

	if (ps->err_line)
		return 0;
	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	ps->err_line = ps->line;
	if (key)
		azlx_strf(ps->err, sizeof(ps->err), "[%s] %s: %s", section, key, why);
	else
		azlx_strf(ps->err, sizeof(ps->err), "[%s]: %s", section, why);
	return 0;
}

static int azlx_cint(struct azlx_parse *ps, const char *sec, const char *key,
		     const char *val, long min, long max, struct azlx_cval *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(val, &end, 10);
	if (!*val || errno || *end || !isdigit((unsigned char)val[val[0] == '-']))
		return azlx_perr(ps, sec, key, "\"%s\" is not an integer", val);
	if (v < min || v > max)
		return azlx_perr(ps, sec, key, "%ld is out of range (%ld-%ld)", v, min, max);
	out->set = true;
	out->v = v;
	out->line = ps->line;
	return 1;
}

static int azlx_cbool(struct azlx_parse *ps, const char *sec, const char *key,
		      const char *val, struct azlx_cval *out)
{
	static const char *const yes[] = { "yes", "true", "on", "1" };
	static const char *const no[] = { "no", "false", "off", "0" };
	size_t i;

	for (i = 0; i < 4; i++) {
		if (!strcasecmp(val, yes[i]) || !strcasecmp(val, no[i])) {
			out->set = true;
			out->v = !strcasecmp(val, yes[i]);
			out->line = ps->line;
			return 1;
		}
	}
	return azlx_perr(ps, sec, key, "\"%s\" is not a boolean (yes or no)", val);
}

static int azlx_cstr(struct azlx_parse *ps, const char *sec, const char *key,
		     const char *val, struct azlx_cstr *out)
{
	if (strlen(val) >= sizeof(out->s))
		return azlx_perr(ps, sec, key, "longer than %zu characters", sizeof(out->s) - 1);
	if (!*val)
		return azlx_perr(ps, sec, key, "empty value");
	out->set = true;
	azlx_strf(out->s, sizeof(out->s), "%s", val);
	out->line = ps->line;
	return 1;
}

static int azlx_cdrivers(struct azlx_parse *ps, const char *sec, const char *key,
			 const char *val, struct azlx_cstr *out)
{
	const char *p;

	for (p = val; *p; p++)
		if (!isalnum((unsigned char)*p) && !strchr("_.-,", *p))
			return azlx_perr(ps, sec, key,
					 "\"%s\" is not a comma-separated list of driver names", val);
	return azlx_cstr(ps, sec, key, val, out);
}

static int azlx_conf_tune(struct azlx_parse *ps, const char *sec, const char *key,
			  const char *val)
{
	struct azlx_tconf *c = ps->c;

	if (!strcmp(key, "profile")) {
		if (azlx_profile_parse(val, &c->profile))
			return azlx_perr(ps, sec, key,
					 "unknown profile \"%s\" (aks, latency or throughput)", val);
		return azlx_cstr(ps, sec, key, val, &c->profile_name);
	}
	if (!strcmp(key, "reserved_cpus")) {
		if (azlx_cpulist_parse(val, &c->reserved))
			return azlx_perr(ps, sec, key, "\"%s\" is not a CPU list (e.g. 0-1,4)", val);
		return azlx_cstr(ps, sec, key, val, &c->reserved_cpus);
	}
	return azlx_perr(ps, sec, key, "unknown key");
}

static int azlx_conf_imds(struct azlx_parse *ps, const char *sec, const char *key,
			  const char *val)
{
	if (!strcmp(key, "enabled"))
		return azlx_cbool(ps, sec, key, val, &ps->c->imds_enabled);
	if (!strcmp(key, "timeout_ms"))
		return azlx_cint(ps, sec, key, val, 100, 10000, &ps->c->imds_timeout_ms);
	return azlx_perr(ps, sec, key, "unknown key");
}

static int azlx_conf_nic(struct azlx_parse *ps, const char *sec, const char *key,
			 const char *val)
{
	struct azlx_tconf *c = ps->c;

	if (!strcmp(key, "synthetic_drivers"))
		return azlx_cdrivers(ps, sec, key, val, &c->synthetic_drivers);
	if (!strcmp(key, "vf_drivers"))
		return azlx_cdrivers(ps, sec, key, val, &c->vf_drivers);
	if (!strcmp(key, "channels"))
		return azlx_cint(ps, sec, key, val, 1, 64, &c->channels);
	if (!strcmp(key, "rx_ring"))
		return azlx_cint(ps, sec, key, val, 64, 16384, &c->rx_ring);
	if (!strcmp(key, "lro"))
		return azlx_cbool(ps, sec, key, val, &c->lro);
	if (!strcmp(key, "rps"))
		return azlx_cbool(ps, sec, key, val, &c->rps);
	if (!strcmp(key, "xps"))
		return azlx_cbool(ps, sec, key, val, &c->xps);
	if (!strcmp(key, "vmbus_spread"))
		return azlx_cbool(ps, sec, key, val, &c->vmbus_spread);
	if (!strcmp(key, "irq_affinity"))
		return azlx_cbool(ps, sec, key, val, &c->irq_affinity);
	return azlx_perr(ps, sec, key, "unknown key");
}

static int azlx_conf_vm(struct azlx_parse *ps, const char *sec, const char *key,
			const char *val)
{
	if (!strcmp(key, "size"))
		return azlx_cstr(ps, sec, key, val, &ps->c->vm_size);
	if (!strcmp(key, "iops"))
		return azlx_cint(ps, sec, key, val, 1, 10000000, &ps->c->vm_iops);
	if (!strcmp(key, "mbps"))
		return azlx_cint(ps, sec, key, val, 1, 100000, &ps->c->vm_mbps);
	return azlx_perr(ps, sec, key, "unknown key");
}

static struct azlx_tconf_disk *azlx_conf_disk_get(struct azlx_parse *ps, const char *match)
{
	struct azlx_tconf *c = ps->c;
	int i;

	for (i = 0; i < c->ndisks; i++)
		if (!strcmp(c->disks[i].match, match))
			return &c->disks[i];
	if (c->ndisks == AZLX_TCONF_MAX_DISKS)
		return NULL;
	azlx_strf(c->disks[c->ndisks].match, sizeof(c->disks[0].match), "%s", match);
	return &c->disks[c->ndisks++];
}

static int azlx_conf_disk(struct azlx_parse *ps, const char *sec, const char *match,
			  const char *key, const char *val)
{
	struct azlx_tconf_disk *d;

	if (!strcmp(key, "nvme_models")) {
		if (match[0])
			return azlx_perr(ps, sec, key, "only in [disk], not in [disk NAME]");
		return azlx_cstr(ps, sec, key, val, &ps->c->nvme_models);
	}
	d = azlx_conf_disk_get(ps, match);
	if (!d)
		return azlx_perr(ps, sec, NULL, "more than %d disk sections", AZLX_TCONF_MAX_DISKS);
	if (!strcmp(key, "scheduler")) {
		if (strcmp(val, "none") && strcmp(val, "mq-deadline") && strcmp(val, "kyber") &&
		    strcmp(val, "bfq"))
			return azlx_perr(ps, sec, key,
					 "unknown scheduler \"%s\" (none, mq-deadline, kyber or bfq)",
					 val);
		return azlx_cstr(ps, sec, key, val, &d->scheduler);
	}
	if (!strcmp(key, "tier")) {
		/* checked against the data file once the whole file is read */
		if (!strchr("PpEeSs", val[0]) || !val[1] || strspn(val + 1, "0123456789") != strlen(val + 1))
			return azlx_perr(ps, sec, key,
					 "unknown tier \"%s\" (Premium SSD P1-P80, Standard SSD E1-E80, Standard HDD S4-S80)",
					 val);
		return azlx_cstr(ps, sec, key, val, &d->tier);
	}
	if (!strcmp(key, "queue_depth"))
		return azlx_cint(ps, sec, key, val, 1, 1024, &d->queue_depth);
	if (!strcmp(key, "nr_requests"))
		return azlx_cint(ps, sec, key, val, 4, 2048, &d->nr_requests);
	if (!strcmp(key, "read_ahead_kb"))
		return azlx_cint(ps, sec, key, val, 0, 65536, &d->read_ahead_kb);
	if (!strcmp(key, "max_sectors_kb"))
		return azlx_cint(ps, sec, key, val, 4, 32767, &d->max_sectors_kb);
	if (!strcmp(key, "io_timeout_ms"))
		return azlx_cint(ps, sec, key, val, 1000, 3600000, &d->io_timeout_ms);
	if (!strcmp(key, "iops"))
		return azlx_cint(ps, sec, key, val, 1, 400000, &d->iops);
	if (!strcmp(key, "mbps"))
		return azlx_cint(ps, sec, key, val, 1, 10000, &d->mbps);
	if (!strcmp(key, "target_latency_ms"))
		return azlx_cint(ps, sec, key, val, 1, 1000, &d->target_latency_ms);
	return azlx_perr(ps, sec, key, "unknown key");
}

static int azlx_conf_azure(struct azlx_parse *ps, const char *sec, const char *key,
			   const char *val)
{
	struct azlx_cstr *out;

	if (!strcmp(key, "disks"))
		out = &ps->c->data_disks;
	else if (!strcmp(key, "vms"))
		out = &ps->c->data_vms;
	else if (!strcmp(key, "aks_os_disks"))
		out = &ps->c->data_aks_os;
	else
		return azlx_perr(ps, sec, key, "unknown key");
	if (val[0] != '/')
		return azlx_perr(ps, sec, key, "\"%s\" is not an absolute path", val);
	return azlx_cstr(ps, sec, key, val, out);
}

static int azlx_conf_sysctl(struct azlx_parse *ps, const char *sec, const char *key,
			    const char *val)
{
	struct azlx_tconf *c = ps->c;
	long a, b;
	char *end;
	int i;

	if (!azlx_sysctl_allowed(key))
		return azlx_perr(ps, sec, key, "not a sysctl AKS allows on nodes");
	if (!strcmp(key, "net.ipv4.ip_local_port_range")) {
		errno = 0;
		a = strtol(val, &end, 10);
		b = errno || end == val ? -1 : strtol(end, &end, 10);
		if (errno || *end || a < 1024 || b > 65535 || a >= b)
			return azlx_perr(ps, sec, key,
					 "\"%s\" is not a port range \"LOW HIGH\" (1024-65535)", val);
	} else {
		errno = 0;
		a = strtol(val, &end, 10);
		if (!isdigit((unsigned char)val[0]) || errno || *end)
			return azlx_perr(ps, sec, key, "\"%s\" is not a non-negative integer", val);
		if (a > INT_MAX && strcmp(key, "fs.file-max") && strcmp(key, "net.core.rmem_max") &&
		    strcmp(key, "net.core.wmem_max"))
			return azlx_perr(ps, sec, key, "%ld is out of range (0-%d)", a, INT_MAX);
	}
	for (i = 0; i < c->nsysctls; i++)
		if (!strcmp(c->sysctls[i].name, key))
			break;
	if (i == AZLX_TCONF_MAX_SYSCTLS)
		return azlx_perr(ps, sec, key, "more than %d sysctls", AZLX_TCONF_MAX_SYSCTLS);
	if (i == c->nsysctls)
		c->nsysctls++;
	azlx_strf(c->sysctls[i].name, sizeof(c->sysctls[i].name), "%s", key);
	azlx_strf(c->sysctls[i].value, sizeof(c->sysctls[i].value), "%s", val);
	c->sysctls[i].line = ps->line;
	return 1;
}

static int azlx_conf_handler(void *user, const char *section, const char *key,
			     const char *val)
{
	struct azlx_parse *ps = user;
	const char *p;

	if (ps->err_line)
		return 1;	/* the first error is the one reported */
	if (!strcmp(section, "tune"))
		return azlx_conf_tune(ps, section, key, val);
	if (!strcmp(section, "imds"))
		return azlx_conf_imds(ps, section, key, val);
	if (!strcmp(section, "nic"))
		return azlx_conf_nic(ps, section, key, val);
	if (!strcmp(section, "vm"))
		return azlx_conf_vm(ps, section, key, val);
	if (!strcmp(section, "sysctl"))
		return azlx_conf_sysctl(ps, section, key, val);
	if (!strcmp(section, "azure"))
		return azlx_conf_azure(ps, section, key, val);
	if (!strcmp(section, "module")) {
		if (!strcmp(key, "load"))
			return azlx_cbool(ps, section, key, val, &ps->c->module_load);
		return azlx_perr(ps, section, key, "unknown key");
	}
	if (!strcmp(section, "disk"))
		return azlx_conf_disk(ps, section, "", key, val);
	if (!strncmp(section, "disk ", 5)) {
		p = section + 5;
		if (!*p || strlen(p) >= AZLX_NAME_MAX || strspn(p, "abcdefghijklmnopqrstuvwxyz0123456789") != strlen(p))
			return azlx_perr(ps, section, NULL,
					 "not a disk: a device name (sdc, nvme0n2), lunN, os or resource");
		return azlx_conf_disk(ps, section, p, key, val);
	}
	if (!section[0])
		return azlx_perr(ps, "", key, "outside of any section");
	return azlx_perr(ps, section, NULL,
			 "unknown section (tune, imds, nic, vm, disk, disk NAME, sysctl, module, azure)");
}

struct azlx_reader {
	const char	*p;
	struct azlx_parse *ps;
};

/* inih's reader: one line at a time, so that the handler knows its line */
static char *azlx_conf_reader(char *str, int num, void *stream)
{
	struct azlx_reader *r = stream;
	size_t len;

	if (!*r->p)
		return NULL;
	len = strcspn(r->p, "\n");
	if (r->p[len] == '\n')
		len++;
	if (len > (size_t)num - 1)
		len = num - 1;
	memcpy(str, r->p, len);
	str[len] = '\0';
	r->p += len;
	r->ps->line++;
	return str;
}

/*
 * Each [disk] tier must be a row of the disk data file, which the [azure]
 * section may name: checked once the file is read. A data file that does
 * not load is not this file's error: the budgets say so.
 */
static int azlx_tconf_check_tiers(const struct azlx_tconf *c, const char *name,
				  char *err, size_t err_len)
{
	char derr[512], path[PATH_MAX];
	struct azlx_budget b;
	int i;

	for (i = 0; i < c->ndisks; i++) {
		const struct azlx_tconf_disk *d = &c->disks[i];

		if (!d->tier.set)
			continue;
		azlx_data_load(c, derr, sizeof(derr));
		if (azlx_data_error(AZLX_DATA_DISKS))
			return 0;
		if (azlx_budget_for_tier(d->tier.s, &b))
			continue;
		azlx_data_path(c, AZLX_DATA_DISKS, path, sizeof(path));
		azlx_strf(err, err_len, "%s:%d: [disk%s%s] tier: unknown tier \"%s\" (not in %s)",
			 name, d->tier.line, d->match[0] ? " " : "", d->match, d->tier.s, path);
		return -EINVAL;
	}
	return 0;
}

static int azlx_tconf_run(struct azlx_tconf *c, const char *text, const char *name,
			  char *err, size_t err_len)
{
	struct azlx_parse ps = { .c = c };
	struct azlx_reader r = { .p = text, .ps = &ps };
	int ret;

	ret = ini_parse_stream(azlx_conf_reader, &r, azlx_conf_handler, &ps);
	if (ret > 0 && (!ps.err_line || ret < ps.err_line)) {
		azlx_strf(err, err_len, "%s:%d: syntax error (expected [section] or key = value)",
			 name, ret);
		return -EINVAL;
	}
	if (ret < 0) {
		azlx_strf(err, err_len, "%s: out of memory", name);
		return -ENOMEM;
	}
	if (ps.err_line) {
		azlx_strf(err, err_len, "%s:%d: %s", name, ps.err_line, ps.err);
		return -EINVAL;
	}
	return azlx_tconf_check_tiers(c, name, err, err_len);
}

int azlx_tconf_parse_string(struct azlx_tconf *c, const char *text, char *err, size_t err_len)
{
	return azlx_tconf_run(c, text, c->path[0] ? c->path : "azlxnet.conf", err, err_len);
}

int azlx_tconf_load(struct azlx_tconf *c, const char *path, bool host_path,
		    char *err, size_t err_len)
{
	size_t len;
	char *text;
	FILE *f;
	int ret, fd;

	azlx_strf(c->path, sizeof(c->path), "%s", path);
	/* the default file is the node's: under --root, inside the tree */
	fd = host_path ? open(path, O_RDONLY | O_CLOEXEC) : azlx_fs_open(path, O_RDONLY, 0);
	f = fd < 0 ? NULL : fdopen(fd, "r");
	if (!f) {
		if (fd >= 0) {
			ret = errno;
			close(fd);
			errno = ret;
		}
		if (errno == ENOENT && !host_path)
			return 0;
		ret = -errno;
		azlx_strf(err, err_len, "%s: %s", path, strerror(errno));
		return ret;
	}
	text = malloc(65537);
	if (!text) {
		fclose(f);
		return -ENOMEM;
	}
	len = fread(text, 1, 65537, f);
	fclose(f);
	if (len > 65536) {
		free(text);
		azlx_strf(err, err_len, "%s: larger than 64 KiB", path);
		return -EFBIG;
	}
	text[len] = '\0';
	if (strlen(text) != len) {
		free(text);
		azlx_strf(err, err_len, "%s: not a text file (NUL byte)", path);
		return -EINVAL;
	}
	c->found = true;
	ret = azlx_tconf_run(c, text, path, err, err_len);
	free(text);
	return ret;
}

const struct azlx_tconf_disk *azlx_tconf_disk_for(const struct azlx_tconf *c,
						  const struct azlx_disk *d,
						  const struct azlx_tconf_disk **all)
{
	const struct azlx_tconf_disk *found = NULL;
	char lun[16];
	int i;

	*all = NULL;
	azlx_strf(lun, sizeof(lun), "lun%d", d->lun);
	for (i = 0; i < c->ndisks; i++) {
		const struct azlx_tconf_disk *cd = &c->disks[i];

		if (!cd->match[0])
			*all = cd;
		else if (!strcmp(cd->match, d->name))
			found = cd;
		else if (!found && d->kind == AZLX_DISK_DATA && d->lun >= 0 &&
			 !strcmp(cd->match, lun))
			found = cd;
		else if (!found && !strcmp(cd->match, azlx_disk_kind_name(d->kind)))
			found = cd;
	}
	return found;
}
