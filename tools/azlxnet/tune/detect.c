// SPDX-License-Identifier: GPL-2.0-only
/*
 * azlxnet detect: what this node is, read from sysfs and procfs (under
 * --root), from CPUID on a real root, and from azlxnet.ko's nic-get when the
 * module is loaded. Readable as an unprivileged user.
 */
#include <cpuid.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "azlxnet.h"
#include "genl.h"
#include "nic.h"
#include "print.h"

#include "detect.h"
#include "tconf.h"

#define AZLX_AZURE_ASSET_TAG	"7783-7084-3265-9085-8269-3286-77"
#define AZLX_CLASS_NETVSC	"{f8615163-df3e-46c5-913f-f2d2f965ed0e}"
#define AZLX_CLASS_STORVSC	"{ba6163d9-04a1-4d29-b605-72e2ffb1dc7f}"
/* Gen2 VMs: the SCSI controller of the OS disk (LUN 0) and resource disk (LUN 1) */
#define AZLX_OS_CONTROLLER	"f8b3781a"
#define AZLX_NVME_REMOTE	"MSFT NVMe Accelerator v1.0"
#define AZLX_NVME_DIRECT	"Microsoft NVMe Direct Disk"
#define AZLX_DEF_SYNTHETIC	"hv_netvsc"
#define AZLX_DEF_VF		"mana,mlx5_core,mlx4_en"

static const char *const azlx_kind_names[] = {
	[AZLX_DISK_UNKNOWN]	= "unknown",
	[AZLX_DISK_OS]		= "os",
	[AZLX_DISK_RESOURCE]	= "resource",
	[AZLX_DISK_DATA]	= "data",
};

const char *azlx_disk_kind_name(enum azlx_disk_kind k)
{
	return azlx_kind_names[k];
}

bool azlx_list_has(const char *list, const char *name)
{
	size_t nlen = strlen(name);
	const char *p = list;

	if (!nlen)
		return false;
	while (*p) {
		size_t len = strcspn(p, ",");

		while (len && *p == ' ') {
			p++;
			len--;
		}
		if (len >= nlen && !strncmp(p, name, nlen)) {
			const char *q = p + nlen;

			while (q < p + len && *q == ' ')
				q++;
			if (q == p + len)
				return true;
		}
		p += len;
		if (*p == ',')
			p++;
	}
	return false;
}

static void azlx_trim(char *s)
{
	size_t len = strlen(s), i = 0;

	while (len && isspace((unsigned char)s[len - 1]))
		s[--len] = '\0';
	while (s[i] && isspace((unsigned char)s[i]))
		i++;
	if (i)
		memmove(s, s + i, len - i + 1);
}

static void azlx_read_str(const char *abs, char *buf, size_t len)
{
	if (azlx_fs_read(abs, buf, len) < 0)
		buf[0] = '\0';
	azlx_trim(buf);
}

static void azlx_detect_cpuid(struct azlx_node *n)
{
	unsigned int eax, ebx, ecx, edx;

	n->cpuid_vendor[0] = '\0';
	/* CPUID describes this machine, not a fake tree */
	if (azlx_root_is_fake())
		return;
	__cpuid(1, eax, ebx, ecx, edx);
	if (!(ecx & (1U << 31)))
		return;
	__cpuid(0x40000000, eax, ebx, ecx, edx);
	memcpy(n->cpuid_vendor, &ebx, 4);
	memcpy(n->cpuid_vendor + 4, &ecx, 4);
	memcpy(n->cpuid_vendor + 8, &edx, 4);
	n->cpuid_vendor[12] = '\0';
}

static void azlx_detect_cpus(struct azlx_node *n)
{
	char buf[4096], path[128];
	struct azlx_cpuset possible;
	char **names;
	size_t nn, i;
	int c;

	if (azlx_fs_read("/sys/devices/system/cpu/online", buf, sizeof(buf)) < 0 ||
	    azlx_cpulist_parse(buf, &n->online))
		azlx_cpuset_set(&n->online, 0);
	n->ncpus = azlx_cpuset_count(&n->online);
	n->nr_cpu_ids = 0;
	if (azlx_fs_read("/sys/devices/system/cpu/possible", buf, sizeof(buf)) >= 0 &&
	    !azlx_cpulist_parse(buf, &possible))
		for (c = 0; c < AZLX_MAX_CPUS; c++)
			if (azlx_cpuset_has(&possible, c))
				n->nr_cpu_ids = c + 1;
	for (c = 0; c < AZLX_MAX_CPUS; c++)
		if (azlx_cpuset_has(&n->online, c) && c + 1 > n->nr_cpu_ids)
			n->nr_cpu_ids = c + 1;

	/* CPUs that are not housekeeping CPUs: channels cannot target them */
	azlx_cpuset_zero(&n->isolated);
	if (azlx_fs_read("/sys/devices/system/cpu/isolated", buf, sizeof(buf)) >= 0)
		azlx_cpulist_parse(buf, &n->isolated);
	if (azlx_fs_read("/sys/devices/system/cpu/nohz_full", buf, sizeof(buf)) > 0) {
		struct azlx_cpuset nohz;

		if (!azlx_cpulist_parse(buf, &nohz))
			for (i = 0; i < AZLX_MAX_CPUS / 64; i++)
				n->isolated.w[i] |= nohz.w[i];
	}

	n->nnodes = 0;
	if (!azlx_fs_list("/sys/devices/system/node", &names, &nn)) {
		for (i = 0; i < nn; i++) {
			char *end;
			long id;

			if (strncmp(names[i], "node", 4) || !isdigit((unsigned char)names[i][4]))
				continue;
			id = strtol(names[i] + 4, &end, 10);
			if (*end || id < 0 || id >= AZLX_MAX_NODES)
				continue;
			azlx_strf(path, sizeof(path), "/sys/devices/system/node/%s/cpulist", names[i]);
			if (azlx_fs_read(path, buf, sizeof(buf)) < 0 ||
			    azlx_cpulist_parse(buf, &n->node_cpus[id]))
				continue;
			if (id + 1 > n->nnodes)
				n->nnodes = (int)id + 1;
		}
		azlx_names_free(names, nn);
	}
	if (!n->nnodes) {
		n->nnodes = 1;
		n->node_cpus[0] = n->online;
	}
}

static void azlx_detect_features(struct azlx_node *n)
{
	char buf[256];
	int major = 0, minor = 0;

	azlx_read_str("/proc/sys/kernel/osrelease", n->kernel, sizeof(n->kernel));
	sscanf(n->kernel, "%d.%d", &major, &minor);
	n->feat.btf = azlx_fs_exists("/sys/kernel/btf/vmlinux");
	n->feat.netkit = major > 6 || (major == 6 && minor >= 7);
	if (azlx_fs_read("/sys/fs/cgroup/cgroup.controllers", buf, sizeof(buf)) >= 0) {
		char *tok, *save = NULL;

		for (tok = strtok_r(buf, " ", &save); tok; tok = strtok_r(NULL, " ", &save))
			if (!strcmp(tok, "io"))
				n->feat.io_cgroup = true;
	}
	n->feat.iocost = azlx_fs_exists("/sys/fs/cgroup/io.cost.qos");
	if (azlx_fs_read("/proc/sys/net/ipv4/ip_forward", buf, sizeof(buf)) >= 0)
		n->forwarding = buf[0] == '1';
}

static void azlx_detect_platform(struct azlx_node *n)
{
	azlx_detect_cpuid(n);
	azlx_read_str("/sys/class/dmi/id/sys_vendor", n->sys_vendor, sizeof(n->sys_vendor));
	azlx_read_str("/sys/class/dmi/id/product_name", n->product_name,
		      sizeof(n->product_name));
	azlx_read_str("/sys/class/dmi/id/chassis_asset_tag", n->asset_tag,
		      sizeof(n->asset_tag));
	n->vmbus = azlx_fs_is_dir("/sys/bus/vmbus/devices");
	n->hyperv = !strcmp(n->cpuid_vendor, "Microsoft Hv") || n->vmbus;
	n->azure = n->hyperv && !strcmp(n->sys_vendor, "Microsoft Corporation") &&
		   !strcmp(n->asset_tag, AZLX_AZURE_ASSET_TAG);
}

static int azlx_detect_vmbus(struct azlx_node *n)
{
	char path[512], buf[128], **devs = NULL, **chans = NULL, **sub = NULL;
	size_t ndevs = 0, nch, nsub, i, j;
	long v;

	if (!n->vmbus || azlx_fs_list("/sys/bus/vmbus/devices", &devs, &ndevs))
		return 0;
	n->vmbus_devs = calloc(ndevs ? ndevs : 1, sizeof(*n->vmbus_devs));
	if (!n->vmbus_devs)
		goto err_nomem;
	for (i = 0; i < ndevs; i++) {
		struct azlx_vmbus_dev *d = &n->vmbus_devs[n->nvmbus];

		azlx_strf(path, sizeof(path), "/sys/bus/vmbus/devices/%s/class_id", devs[i]);
		if (azlx_fs_read(path, buf, sizeof(buf)) < 0)
			continue;
		d->cls = !strcmp(buf, AZLX_CLASS_NETVSC) ? AZLX_VMBUS_NETVSC :
			 !strcmp(buf, AZLX_CLASS_STORVSC) ? AZLX_VMBUS_STORVSC :
			 AZLX_VMBUS_OTHER;
		if (d->cls == AZLX_VMBUS_OTHER)
			continue;
		azlx_strf(d->guid, sizeof(d->guid), "%s", devs[i]);
		azlx_strf(path, sizeof(path), "/sys/bus/vmbus/devices/%s/numa_node", devs[i]);
		d->numa_node = azlx_fs_read_long(path, &v) ? -1 : (int)v;
		/* the net device, or the SCSI host */
		azlx_strf(path, sizeof(path), "/sys/bus/vmbus/devices/%s%s", devs[i],
			 d->cls == AZLX_VMBUS_NETVSC ? "/net" : "");
		if (!azlx_fs_list(path, &sub, &nsub)) {
			for (j = 0; j < nsub; j++) {
				if (d->cls == AZLX_VMBUS_NETVSC ||
				    !strncmp(sub[j], "host", 4)) {
					azlx_strf(d->name, sizeof(d->name), "%s", sub[j]);
					break;
				}
			}
			azlx_names_free(sub, nsub);
		}
		azlx_strf(path, sizeof(path), "/sys/bus/vmbus/devices/%s/channels", devs[i]);
		if (!azlx_fs_list(path, &chans, &nch) && nch) {
			d->chans = calloc(nch, sizeof(*d->chans));
			if (!d->chans) {
				azlx_names_free(chans, nch);
				goto err_nomem;
			}
			for (j = 0; j < nch && d->nchans < AZLX_MAX_CHANNELS; j++) {
				struct azlx_vmbus_chan *c = &d->chans[d->nchans];
				char *end;

				c->relid = (int)strtol(chans[j], &end, 10);
				if (*end)
					continue;
				azlx_strf(path, sizeof(path),
					 "/sys/bus/vmbus/devices/%s/channels/%s/cpu", devs[i],
					 chans[j]);
				c->cpu = azlx_fs_read_long(path, &v) ? -1 : (int)v;
				d->nchans++;
			}
			azlx_names_free(chans, nch);
		}
		n->nvmbus++;
	}
	azlx_names_free(devs, ndevs);
	return 0;
err_nomem:
	azlx_names_free(devs, ndevs);
	return azlx_error(AZLX_EXIT_ERR, "out of memory");
}

static void azlx_nicdev_read(struct azlx_nicdev *d, const char *name, const char *driver)
{
	char path[512], **q;
	size_t nq, i;
	long v;

	memset(d, 0, sizeof(*d));
	azlx_strf(d->name, sizeof(d->name), "%s", name);
	azlx_strf(d->driver, sizeof(d->driver), "%s", driver ? driver : "");
	azlx_strf(path, sizeof(path), "/sys/class/net/%s/device/numa_node", name);
	d->numa_node = azlx_fs_read_long(path, &v) ? -1 : (int)v;
	azlx_strf(path, sizeof(path), "/sys/class/net/%s/queues", name);
	if (!azlx_fs_list(path, &q, &nq)) {
		for (i = 0; i < nq; i++) {
			if (!strncmp(q[i], "rx-", 3))
				d->nrx++;
			else if (!strncmp(q[i], "tx-", 3))
				d->ntx++;
		}
		azlx_names_free(q, nq);
	}
}

/* The driver of a net device as sysfs shows it ("bonding" for a bond). */
static void azlx_netdev_driver(const char *name, char *buf, size_t len)
{
	char path[512];

	azlx_strf(path, sizeof(path), "/sys/class/net/%s/device/driver", name);
	if (!azlx_fs_link_name(path, buf, len)) {
		/* mlx4's PCI driver; its net devices are mlx4_en's, as ethtool says */
		if (!strcmp(buf, "mlx4_core"))
			azlx_strf(buf, len, "mlx4_en");
		return;
	}
	azlx_strf(path, sizeof(path), "/sys/class/net/%s/bonding", name);
	azlx_strf(buf, len, "%s", azlx_fs_is_dir(path) ? "bonding" : "");
}

/* "<N>@" at @s: N, or -1 */
static int azlx_num_at(const char *s)
{
	char *end;
	long v;

	if (*s < '0' || *s > '9')
		return -1;
	v = strtol(s, &end, 10);
	return *end == '@' && v < 65536 ? (int)v : -1;
}

int azlx_vf_irq_queue(const char *name)
{
	int v;

	if (!strncmp(name, "mana_hwc@", 9) || !strncmp(name, "mlx5_async", 10) ||
	    !strncmp(name, "mlx4-async@", 11))
		return AZLX_IRQ_CONTROL;
	if (!strncmp(name, "mana_q", 6))
		v = azlx_num_at(name + 6);
	else if (!strncmp(name, "mlx5_comp", 9))
		v = azlx_num_at(name + 9);
	else if (!strncmp(name, "mlx4-", 5))
		v = (v = azlx_num_at(name + 5)) > 0 ? v - 1 : -1;
	else
		v = -1;
	return v >= 0 ? v : AZLX_IRQ_UNKNOWN;
}

/* The name of IRQ @irq in /proc/interrupts @text: the last word of its line. */
static void azlx_irq_name(const char *text, int irq, char *buf, size_t len)
{
	const char *line, *end, *w;
	char *num_end;

	buf[0] = '\0';
	for (line = text; line && *line; line = end ? end + 1 : NULL) {
		end = strchr(line, '\n');
		while (*line == ' ')
			line++;
		if (strtol(line, &num_end, 10) != irq || num_end == line || *num_end != ':')
			continue;
		if (!end)
			end = line + strlen(line);
		w = end;
		while (w > num_end && (w[-1] == ' ' || w[-1] == '\t'))
			w--;
		end = w;
		while (w > num_end && w[-1] != ' ' && w[-1] != '\t')
			w--;
		if (w > num_end + 1)
			azlx_strf(buf, len, "%.*s", (int)(end - w), w);
		return;
	}
}

/* The VF's interrupts: its msi_irqs, named by /proc/interrupts (@ints). */
static int azlx_vf_irqs_read(struct azlx_nicdev *d, const char *ints)
{
	char path[512], **irqs;
	size_t nirq, k;

	d->irq_names = ints != NULL;
	azlx_strf(path, sizeof(path), "/sys/class/net/%s/device/msi_irqs", d->name);
	if (azlx_fs_list(path, &irqs, &nirq) || !nirq)
		return 0;
	d->irqs = calloc(nirq, sizeof(*d->irqs));
	if (!d->irqs) {
		azlx_names_free(irqs, nirq);
		return -ENOMEM;
	}
	for (k = 0; k < nirq; k++) {
		struct azlx_vf_irq *q = &d->irqs[d->nirqs];
		char *end;
		long v = strtol(irqs[k], &end, 10);

		if (*end || end == irqs[k] || v < 0 || v > 1 << 24)
			continue;
		q->irq = (int)v;
		if (ints)
			azlx_irq_name(ints, q->irq, q->name, sizeof(q->name));
		q->queue = q->name[0] ? azlx_vf_irq_queue(q->name) : AZLX_IRQ_UNKNOWN;
		d->nirqs++;
	}
	azlx_names_free(irqs, nirq);
	return 0;
}

static int azlx_nics_add(struct azlx_node *n, const char *syn, const char *syn_drv,
			 const char *vf, const char *vf_drv)
{
	struct azlx_nicpair *p, *np;
	int i;

	np = realloc(n->nics, (n->nnics + 1) * sizeof(*n->nics));
	if (!np)
		return -ENOMEM;
	n->nics = np;
	p = &n->nics[n->nnics++];
	memset(p, 0, sizeof(*p));
	azlx_nicdev_read(&p->syn, syn, syn_drv);
	p->has_vf = vf && vf[0];
	if (p->has_vf)
		azlx_nicdev_read(&p->vf, vf, vf_drv);
	p->vmbus = -1;
	for (i = 0; i < n->nvmbus; i++)
		if (n->vmbus_devs[i].cls == AZLX_VMBUS_NETVSC &&
		    !strcmp(n->vmbus_devs[i].name, syn))
			p->vmbus = i;
	if (p->syn.numa_node < 0 && p->vmbus >= 0)
		p->syn.numa_node = n->vmbus_devs[p->vmbus].numa_node;
	return 0;
}

/* NIC pairs from the module's nic-get (it knows the stand-in drivers too). */
static int azlx_nics_from_module(struct azlx_node *n)
{
	struct azlx_nic_list l = { 0 };
	struct azlx_genl g;
	char drv[AZLX_NAME_MAX];
	size_t i;
	int ret;

	/* the module speaks for this machine only */
	if (azlx_root_is_fake() || !n->module_loaded)
		return -ENOENT;
	ret = azlx_genl_open(&g);
	if (!ret) {
		ret = azlx_nic_get(&g, 0, &l);
		azlx_genl_close(&g);
	}
	if (ret) {
		azlx_warn("reading the NIC pairs from sysfs instead");
		return -EIO;
	}
	for (i = 0; i < l.n; i++) {
		const struct azlx_nic *nic = &l.v[i];

		azlx_netdev_driver(nic->ifname, drv, sizeof(drv));
		if (azlx_nics_add(n, nic->ifname, drv,
				  azlx_nic_has_vf(nic) ? nic->vf_ifname : NULL,
				  nic->vf_driver)) {
			azlx_nic_list_free(&l);
			return -ENOMEM;
		}
	}
	azlx_nic_list_free(&l);
	n->nics_from_module = true;
	return 0;
}

static int azlx_nics_from_sysfs(struct azlx_node *n, const char *synlist, const char *vflist)
{
	char drv[AZLX_NAME_MAX], vdrv[AZLX_NAME_MAX], path[512], **devs, **ents;
	size_t nd, ne, i, j;
	const char *vf;

	if (azlx_fs_list("/sys/class/net", &devs, &nd))
		return 0;
	for (i = 0; i < nd; i++) {
		azlx_netdev_driver(devs[i], drv, sizeof(drv));
		if (!azlx_list_has(synlist, drv))
			continue;
		vf = NULL;
		vdrv[0] = '\0';
		azlx_strf(path, sizeof(path), "/sys/class/net/%s", devs[i]);
		if (!azlx_fs_list(path, &ents, &ne)) {
			for (j = 0; j < ne && !vf; j++) {
				if (strncmp(ents[j], "lower_", 6))
					continue;
				azlx_netdev_driver(ents[j] + 6, vdrv, sizeof(vdrv));
				if (azlx_list_has(vflist, vdrv))
					vf = ents[j] + 6;
			}
			if (azlx_nics_add(n, devs[i], drv, vf, vdrv)) {
				azlx_names_free(ents, ne);
				azlx_names_free(devs, nd);
				return -ENOMEM;
			}
			azlx_names_free(ents, ne);
		}
	}
	azlx_names_free(devs, nd);
	return 0;
}

static bool azlx_is_guid(const char *s, size_t len)
{
	size_t i;

	if (len != 36)
		return false;
	for (i = 0; i < len; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (s[i] != '-')
				return false;
		} else if (!isxdigit((unsigned char)s[i])) {
			return false;
		}
	}
	return true;
}

static void azlx_disk_scsi(struct azlx_node *n, struct azlx_disk *d)
{
	char path[512], real[1024], hctl[64], *p, *seg, *save = NULL;
	int h, c, t, l;

	(void)n;
	d->bus = AZLX_BUS_SCSI;
	azlx_strf(path, sizeof(path), "/sys/class/block/%s/device/vendor", d->name);
	azlx_read_str(path, d->vendor, sizeof(d->vendor));
	azlx_strf(path, sizeof(path), "/sys/class/block/%s/device/model", d->name);
	azlx_read_str(path, d->model, sizeof(d->model));
	d->azure = !strcmp(d->vendor, "Msft") && !strcmp(d->model, "Virtual Disk");
	azlx_strf(path, sizeof(path), "/sys/class/block/%s/device", d->name);
	if (!azlx_fs_link_name(path, hctl, sizeof(hctl)) &&
	    sscanf(hctl, "%d:%d:%d:%d", &h, &c, &t, &l) == 4) {
		d->scsi_host = h;
		d->lun = l;
	}
	if (!azlx_fs_realpath(path, real, sizeof(real))) {
		for (seg = strtok_r(real, "/", &save); seg; seg = strtok_r(NULL, "/", &save))
			if (azlx_is_guid(seg, strlen(seg)))
				azlx_strf(d->controller, sizeof(d->controller), "%s", seg);
	}
	if (!d->azure)
		return;
	p = d->controller;
	if (!strncmp(p, AZLX_OS_CONTROLLER, 8) && d->lun == 0) {
		d->kind = AZLX_DISK_OS;
		d->why = "LUN 0 of the controller f8b3781a";
	} else if (!strncmp(p, AZLX_OS_CONTROLLER, 8) && d->lun == 1) {
		d->kind = AZLX_DISK_RESOURCE;
		d->why = "LUN 1 of the controller f8b3781a";
	} else if (p[0]) {
		d->kind = AZLX_DISK_DATA;
		d->why = "a LUN of a data disk controller";
	} else {
		d->kind = AZLX_DISK_DATA;
		d->why = "a Msft Virtual Disk outside VMBus (stand-in): data disk by LUN";
	}
}

static void azlx_disk_nvme(struct azlx_node *n, struct azlx_disk *d, const char *models)
{
	char path[512];
	long nsid;

	(void)n;
	d->bus = AZLX_BUS_NVME;
	azlx_strf(path, sizeof(path), "/sys/class/block/%s/device/model", d->name);
	azlx_read_str(path, d->model, sizeof(d->model));
	azlx_strf(path, sizeof(path), "/sys/class/block/%s/nsid", d->name);
	if (azlx_fs_read_long(path, &nsid))
		nsid = -1;
	if (!strcmp(d->model, AZLX_NVME_DIRECT)) {
		d->azure = true;
		d->kind = AZLX_DISK_RESOURCE;
		d->why = "Microsoft NVMe Direct Disk: local (temp) storage";
		return;
	}
	if (strcmp(d->model, AZLX_NVME_REMOTE) && !azlx_list_has(models, d->model))
		return;
	d->azure = true;
	d->remote = true;
	if (nsid == 1) {
		d->kind = AZLX_DISK_OS;
		d->why = "namespace 1 of the Azure NVMe controller";
	} else if (nsid >= 2) {
		d->kind = AZLX_DISK_DATA;
		d->lun = (int)nsid - 2;
		d->why = "namespace N of the Azure NVMe controller: LUN N - 2";
	}
}

static int azlx_detect_disks(struct azlx_node *n, const char *nvme_models)
{
	char path[512], **devs;
	size_t nd, i;
	long v;

	if (azlx_fs_list("/sys/class/block", &devs, &nd))
		return 0;
	n->disks = calloc(nd ? nd : 1, sizeof(*n->disks));
	if (!n->disks) {
		azlx_names_free(devs, nd);
		return azlx_error(AZLX_EXIT_ERR, "out of memory");
	}
	for (i = 0; i < nd; i++) {
		struct azlx_disk *d = &n->disks[n->ndisks];
		unsigned int a, b;
		char x;

		azlx_strf(path, sizeof(path), "/sys/class/block/%s/partition", devs[i]);
		if (azlx_fs_exists(path))
			continue;
		memset(d, 0, sizeof(*d));
		azlx_strf(d->name, sizeof(d->name), "%s", devs[i]);
		d->lun = -1;
		d->scsi_host = -1;
		d->why = "not an Azure disk";
		if (!strncmp(devs[i], "sd", 2))
			azlx_disk_scsi(n, d);
		else if (sscanf(devs[i], "nvme%un%u%c", &a, &b, &x) == 2)
			azlx_disk_nvme(n, d, nvme_models);
		else
			continue;
		azlx_strf(path, sizeof(path), "/sys/class/block/%s/size", devs[i]);
		if (!azlx_fs_read_long(path, &v) && v > 0)
			d->size_bytes = (uint64_t)v * 512;
		n->ndisks++;
	}
	azlx_names_free(devs, nd);
	return 0;
}

/*
 * irqbalance: a process of that name in /proc (under --root too). It
 * rewrites /proc/irq/N/smp_affinity of the IRQs it sees every 10 s.
 */
static void azlx_detect_irqbalance(struct azlx_node *n)
{
	char path[64], comm[32], **pids;
	size_t npids, i;

	if (azlx_fs_list("/proc", &pids, &npids))
		return;
	for (i = 0; i < npids && !n->irqbalance_pid; i++) {
		if (pids[i][0] < '1' || pids[i][0] > '9' ||
		    strspn(pids[i], "0123456789") != strlen(pids[i]) || strlen(pids[i]) > 9)
			continue;
		azlx_strf(path, sizeof(path), "/proc/%s/comm", pids[i]);
		if (azlx_fs_read(path, comm, sizeof(comm)) >= 0 && !strcmp(comm, "irqbalance"))
			n->irqbalance_pid = atoi(pids[i]);
	}
	azlx_names_free(pids, npids);
}

static int azlx_detect_vf_irqs(struct azlx_node *n)
{
	char *ints = NULL;
	int i, err = 0;

	for (i = 0; i < n->nnics && !err; i++) {
		if (!n->nics[i].has_vf)
			continue;
		if (!ints)
			ints = azlx_fs_read_all("/proc/interrupts", NULL);
		err = azlx_vf_irqs_read(&n->nics[i].vf, ints);
	}
	free(ints);
	return err ? azlx_error(AZLX_EXIT_ERR, "out of memory") : 0;
}

int azlx_detect(struct azlx_node *n, const struct azlx_tconf *conf)
{
	char synlist[256], vflist[256];
	int ret;

	memset(n, 0, sizeof(*n));
	azlx_detect_platform(n);
	azlx_detect_cpus(n);
	azlx_detect_features(n);

	n->module_loaded = azlx_fs_is_dir("/sys/module/" AZLX_MODULE_NAME "/parameters");
	if (n->module_loaded) {
		azlx_read_str("/sys/module/" AZLX_MODULE_NAME "/parameters/synthetic_drivers",
			      n->mod_synthetic, sizeof(n->mod_synthetic));
		azlx_read_str("/sys/module/" AZLX_MODULE_NAME "/parameters/vf_drivers",
			      n->mod_vf, sizeof(n->mod_vf));
	}

	ret = azlx_detect_vmbus(n);
	if (ret)
		return ret;

	/* the driver lists: the configuration's, else the module's, else Azure's */
	azlx_strf(synlist, sizeof(synlist), "%s",
		 conf->synthetic_drivers.set ? conf->synthetic_drivers.s :
		 n->module_loaded ? n->mod_synthetic : AZLX_DEF_SYNTHETIC);
	azlx_strf(vflist, sizeof(vflist), "%s",
		 conf->vf_drivers.set ? conf->vf_drivers.s :
		 n->module_loaded ? n->mod_vf : AZLX_DEF_VF);
	if (azlx_nics_from_module(n) && azlx_nics_from_sysfs(n, synlist, vflist))
		return azlx_error(AZLX_EXIT_ERR, "out of memory");
	ret = azlx_detect_vf_irqs(n);
	if (ret)
		return ret;
	azlx_detect_irqbalance(n);

	return azlx_detect_disks(n, conf->nvme_models.set ? conf->nvme_models.s : "");
}

void azlx_node_free(struct azlx_node *n)
{
	int i;

	for (i = 0; i < n->nvmbus; i++)
		free(n->vmbus_devs[i].chans);
	free(n->vmbus_devs);
	for (i = 0; i < n->nnics; i++)
		free(n->nics[i].vf.irqs);
	free(n->nics);
	free(n->disks);
	memset(n, 0, sizeof(*n));
}

static const char *azlx_vmbus_class_name(enum azlx_vmbus_class c)
{
	return c == AZLX_VMBUS_NETVSC ? "netvsc" : c == AZLX_VMBUS_STORVSC ? "storvsc" : "other";
}

static void azlx_print_nicdev(const char *key, const struct azlx_nicdev *d)
{
	azlx_print_open_object(key);
	azlx_print_string(AZLX_PRINT_ANY, "name", " %s", d->name);
	azlx_print_string(AZLX_PRINT_ANY, "driver", " (%s", d->driver[0] ? d->driver : "?");
	azlx_print_int(AZLX_PRINT_ANY, "numa_node", ", node %lld", d->numa_node);
	azlx_print_uint(AZLX_PRINT_ANY, "rx_queues", ", %llu rx", d->nrx);
	azlx_print_uint(AZLX_PRINT_ANY, "tx_queues", "/%llu tx queues)", d->ntx);
	if (d->nirqs) {
		azlx_print_open_array("irqs");
		for (int i = 0; i < d->nirqs; i++) {
			azlx_print_open_object(NULL);
			azlx_print_int(AZLX_PRINT_JSON, "irq", NULL, d->irqs[i].irq);
			azlx_print_string(AZLX_PRINT_JSON, "name", NULL,
					  d->irqs[i].name[0] ? d->irqs[i].name : NULL);
			if (d->irqs[i].queue >= 0)
				azlx_print_int(AZLX_PRINT_JSON, "queue", NULL, d->irqs[i].queue);
			else
				azlx_print_null("queue");
			azlx_print_close_object();
		}
		azlx_print_close_array();
	}
	azlx_print_close_object();
}

void azlx_node_print_fields(const struct azlx_node *n)
{
	char buf[4096];
	int i, j;

	azlx_print_open_object("platform");
	azlx_print_bool(AZLX_PRINT_ANY, "hyperv", "hyper-v: %s", n->hyperv);
	azlx_print_bool(AZLX_PRINT_ANY, "azure", ", azure: %s", n->azure);
	azlx_print_bool(AZLX_PRINT_ANY, "vmbus", ", vmbus: %s\n", n->vmbus);
	if (n->cpuid_vendor[0])
		azlx_print_string(AZLX_PRINT_ANY, "cpuid_vendor", "  cpuid vendor: %s\n",
				  n->cpuid_vendor);
	else
		azlx_print_null("cpuid_vendor");
	azlx_print_string(AZLX_PRINT_ANY, "sys_vendor", "  dmi: %s", n->sys_vendor);
	azlx_print_string(AZLX_PRINT_ANY, "product_name", ", %s", n->product_name);
	azlx_print_string(AZLX_PRINT_ANY, "asset_tag", ", asset tag %s\n", n->asset_tag);
	azlx_print_string(AZLX_PRINT_ANY, "kernel", "  kernel: %s\n", n->kernel);
	azlx_print_close_object();

	azlx_print_open_object("cpus");
	azlx_cpulist_format(&n->online, buf, sizeof(buf));
	azlx_print_uint(AZLX_PRINT_ANY, "online", "cpus: %llu", n->ncpus);
	azlx_print_string(AZLX_PRINT_ANY, "list", " (%s)", buf);
	azlx_print_uint(AZLX_PRINT_ANY, "numa_nodes", ", %llu NUMA node(s)", n->nnodes);
	azlx_cpulist_format(&n->isolated, buf, sizeof(buf));
	azlx_print_string(AZLX_PRINT_ANY, "isolated", ", isolated: %s\n", buf[0] ? buf : "none");
	azlx_print_open_array("nodes");
	for (i = 0; i < n->nnodes; i++) {
		azlx_cpulist_format(&n->node_cpus[i], buf, sizeof(buf));
		azlx_print_string(AZLX_PRINT_ANY, NULL, "  node: %s\n", buf);
	}
	azlx_print_close_array();
	azlx_print_close_object();

	azlx_print_open_object("features");
	azlx_print_bool(AZLX_PRINT_ANY, "btf", "features: btf %s", n->feat.btf);
	azlx_print_bool(AZLX_PRINT_ANY, "netkit", ", netkit %s", n->feat.netkit);
	azlx_print_bool(AZLX_PRINT_ANY, "io_cgroup", ", io cgroup %s", n->feat.io_cgroup);
	azlx_print_bool(AZLX_PRINT_ANY, "iocost", ", blk-iocost %s", n->feat.iocost);
	azlx_print_bool(AZLX_PRINT_ANY, "ip_forward", ", ip_forward %s\n", n->forwarding);
	azlx_print_close_object();

	azlx_print_open_object("module");
	azlx_print_bool(AZLX_PRINT_ANY, "loaded", "module azlxnet: loaded %s\n", n->module_loaded);
	azlx_print_close_object();

	if (n->irqbalance_pid)
		azlx_print_int(AZLX_PRINT_ANY, "irqbalance", "irqbalance: runs (pid %lld)\n",
			       n->irqbalance_pid);
	else
		azlx_print_null("irqbalance");
	azlx_print_string(AZLX_PRINT_ANY, "nics_from", "nics (from %s):\n",
			  n->nics_from_module ? "module" : "sysfs");
	azlx_print_open_array("nics");
	for (i = 0; i < n->nnics; i++) {
		const struct azlx_nicpair *p = &n->nics[i];

		azlx_print_open_object(NULL);
		azlx_print_text(" ");
		azlx_print_nicdev("synthetic", &p->syn);
		if (p->has_vf) {
			azlx_print_text(" vf");
			azlx_print_nicdev("vf", &p->vf);
		} else {
			azlx_print_null("vf");
			azlx_print_text(" vf: none");
		}
		if (p->vmbus >= 0)
			azlx_print_string(AZLX_PRINT_ANY, "vmbus", " vmbus %s", n->vmbus_devs[p->vmbus].guid);
		else
			azlx_print_null("vmbus");
		azlx_print_text("\n");
		azlx_print_close_object();
	}
	azlx_print_close_array();

	azlx_print_text("vmbus devices:\n");
	azlx_print_open_array("vmbus");
	for (i = 0; i < n->nvmbus; i++) {
		const struct azlx_vmbus_dev *d = &n->vmbus_devs[i];

		azlx_print_open_object(NULL);
		azlx_print_string(AZLX_PRINT_ANY, "guid", "  %s", d->guid);
		azlx_print_string(AZLX_PRINT_ANY, "class", " %s", azlx_vmbus_class_name(d->cls));
		azlx_print_string(AZLX_PRINT_ANY, "name", " %s", d->name[0] ? d->name : "?");
		azlx_print_int(AZLX_PRINT_ANY, "numa_node", " node %lld", d->numa_node);
		azlx_print_text(" channels (relid:cpu):");
		azlx_print_open_array("channels");
		for (j = 0; j < d->nchans; j++) {
			azlx_print_open_object(NULL);
			azlx_print_int(AZLX_PRINT_ANY, "relid", " %lld", d->chans[j].relid);
			azlx_print_int(AZLX_PRINT_ANY, "cpu", ":%lld", d->chans[j].cpu);
			azlx_print_close_object();
		}
		azlx_print_close_array();
		azlx_print_text("\n");
		azlx_print_close_object();
	}
	azlx_print_close_array();

	azlx_print_text("disks:\n");
	azlx_print_open_array("disks");
	for (i = 0; i < n->ndisks; i++) {
		const struct azlx_disk *d = &n->disks[i];

		azlx_print_open_object(NULL);
		azlx_print_string(AZLX_PRINT_ANY, "name", "  %s", d->name);
		azlx_print_string(AZLX_PRINT_ANY, "bus", " %s", d->bus == AZLX_BUS_NVME ? "nvme" : "scsi");
		azlx_print_string(AZLX_PRINT_ANY, "kind", " %s", azlx_disk_kind_name(d->kind));
		if (d->lun >= 0)
			azlx_print_int(AZLX_PRINT_ANY, "lun", " lun %lld", d->lun);
		else
			azlx_print_null("lun");
		azlx_print_bool(AZLX_PRINT_ANY, "azure", " azure %s", d->azure);
		azlx_print_uint(AZLX_PRINT_ANY, "size_bytes", " %llu bytes", d->size_bytes);
		azlx_print_string(AZLX_PRINT_ANY, "model", " \"%s\"", d->model);
		if (d->controller[0])
			azlx_print_string(AZLX_PRINT_ANY, "controller", " controller %s", d->controller);
		else
			azlx_print_null("controller");
		azlx_print_string(AZLX_PRINT_ANY, "why", " (%s)\n", d->why);
		azlx_print_close_object();
	}
	azlx_print_close_array();
}

void azlx_node_print(const struct azlx_node *n)
{
	azlx_print_open_object(NULL);
	azlx_node_print_fields(n);
	azlx_print_close_object();
}
