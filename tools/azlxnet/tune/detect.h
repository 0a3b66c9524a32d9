/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * azlxnet tune, detect.c: what the node is: hypervisor, CPUs, NUMA, NIC pairs, VMBus, disks.
 */
#ifndef __AZLXNET_TUNE_DETECT_H
#define __AZLXNET_TUNE_DETECT_H

#include <stdbool.h>
#include <stddef.h>

#include "tfs.h"

#define AZLX_MAX_NODES		64
#define AZLX_MAX_CHANNELS	256

enum azlx_vmbus_class {
	AZLX_VMBUS_OTHER,
	AZLX_VMBUS_NETVSC,
	AZLX_VMBUS_STORVSC,
};

struct azlx_vmbus_chan {
	int	relid;
	int	cpu;		/* target CPU, -1 if unreadable */
};

struct azlx_vmbus_dev {
	char			guid[40];
	enum azlx_vmbus_class	cls;
	char			name[AZLX_NAME_MAX];	/* "eth0", "host2", ... */
	int			numa_node;		/* -1: none */
	struct azlx_vmbus_chan	*chans;
	int			nchans;
};

/* A VF's MSI-X interrupt and the queue its name says it serves */
#define AZLX_IRQ_CONTROL	(-1)	/* mana_hwc, mlx5_async, mlx4-async */
#define AZLX_IRQ_UNKNOWN	(-2)	/* a name no rule knows ("mana_intr") */

struct azlx_vf_irq {
	int	irq;
	int	queue;			/* from 0, or AZLX_IRQ_* */
	char	name[48];		/* as /proc/interrupts shows it; "" if absent */
};

struct azlx_nicdev {
	char			name[AZLX_NAME_MAX];
	char			driver[AZLX_NAME_MAX];
	int			numa_node;
	int			nrx, ntx;	/* queues in sysfs */
	/* VF: its msi_irqs, in IRQ order, named from /proc/interrupts */
	struct azlx_vf_irq	*irqs;
	int			nirqs;
	bool			irq_names;	/* /proc/interrupts was read */
};

struct azlx_nicpair {
	struct azlx_nicdev	syn;
	bool			has_vf;
	struct azlx_nicdev	vf;
	int			vmbus;		/* index in node->vmbus, -1 */
};

enum azlx_disk_kind {
	AZLX_DISK_UNKNOWN,
	AZLX_DISK_OS,
	AZLX_DISK_RESOURCE,
	AZLX_DISK_DATA,
};

enum azlx_disk_bus {
	AZLX_BUS_SCSI,
	AZLX_BUS_NVME,
};

struct azlx_disk {
	char			name[AZLX_NAME_MAX];	/* "sda", "nvme0n1" */
	enum azlx_disk_bus	bus;
	enum azlx_disk_kind	kind;
	int			lun;		/* -1: unknown */
	bool			azure;		/* an Azure disk (or a stand-in) */
	bool			remote;		/* NVMe: a remote (managed) disk */
	char			vendor[AZLX_NAME_MAX];
	char			model[AZLX_NAME_MAX];
	char			controller[40];	/* VMBus GUID of the SCSI controller */
	int			scsi_host;	/* -1: not SCSI */
	uint64_t		size_bytes;
	const char		*why;		/* how kind was decided */
};

struct azlx_features {
	bool	btf;
	bool	netkit;
	bool	io_cgroup;
	bool	iocost;
	bool	wbt;
};

struct azlx_node {
	/* platform */
	char			cpuid_vendor[16];	/* "" if not read (--root) */
	char			sys_vendor[AZLX_NAME_MAX];
	char			product_name[AZLX_NAME_MAX];
	char			asset_tag[AZLX_NAME_MAX];
	bool			vmbus;
	bool			hyperv;
	bool			azure;
	char			kernel[AZLX_NAME_MAX];
	struct azlx_features	feat;
	bool			forwarding;		/* net.ipv4.ip_forward */
	/* CPUs */
	int			ncpus;			/* online */
	int			nr_cpu_ids;		/* possible: mask width */
	struct azlx_cpuset	online;
	struct azlx_cpuset	isolated;		/* not housekeeping */
	int			nnodes;
	struct azlx_cpuset	node_cpus[AZLX_MAX_NODES];
	/* devices */
	struct azlx_nicpair	*nics;
	int			nnics;
	bool			nics_from_module;
	struct azlx_vmbus_dev	*vmbus_devs;
	int			nvmbus;
	struct azlx_disk	*disks;
	int			ndisks;
	/* irqbalance's pid (/proc/PID/comm), 0 if it does not run */
	int			irqbalance_pid;
	/* the module */
	bool			module_loaded;
	char			mod_synthetic[256];
	char			mod_vf[256];
};

struct azlx_tconf;

/* Fills @n from the (fake) sysfs/procfs; 0 or an exit code (printed). */
int azlx_detect(struct azlx_node *n, const struct azlx_tconf *conf);
void azlx_node_free(struct azlx_node *n);
void azlx_node_print(const struct azlx_node *n);
/* The same without the enclosing object, for a caller that adds to it. */
void azlx_node_print_fields(const struct azlx_node *n);
const char *azlx_disk_kind_name(enum azlx_disk_kind k);
/*
 * The queue a VF interrupt named @name serves, by the drivers' naming:
 * mana "mana_q<N>@pci:<bdf>" (control "mana_hwc@..."), mlx5
 * "mlx5_comp<N>@pci:<bdf>" (control "mlx5_async<N>@..."), mlx4
 * "mlx4-<V>@<bdf>" for queue V-1 (control "mlx4-async@..."). Returns the
 * queue, AZLX_IRQ_CONTROL or AZLX_IRQ_UNKNOWN.
 */
int azlx_vf_irq_queue(const char *name);
/* True when @name is in the comma-separated @list. */
bool azlx_list_has(const char *list, const char *name);

#endif /* __AZLXNET_TUNE_DETECT_H */
