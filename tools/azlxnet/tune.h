/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * azlxnet tune: detect what an Azure node is, plan its tuning from Azure's
 * published numbers, apply the plan transactionally and revert it exactly.
 *
 *   detect.c  the node: hypervisor, CPUs, NUMA, NIC pairs, VMBus, disks
 *   imds.c    the Instance Metadata Service (libcurl) and its JSON
 *   budget.c  disk and VM-size IOPS / MB/s budgets
 *   tconf.c   /etc/azlxnet/azlxnet.conf (inih)
 *   ethtool.c channels, rings and features over ethtool netlink
 *   plan.c    the rules: current value, new value, reason
 *   apply.c   lock, state file, apply with rollback, revert
 *   tune.c    the commands: tune, revert, detect, disk show
 *   tfs.c     every sysfs/procfs access, under --root
 */
#ifndef __AZLXNET_TUNE_H
#define __AZLXNET_TUNE_H

#include <dirent.h>
#include <getopt.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <linux/types.h>

/* ---- tfs.c: file access under the root (--root DIR, default /) -------- */

/* snprintf() where truncating a long name is the intended result */
void azlx_strf(char *buf, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

void azlx_root_set(const char *dir);
const char *azlx_root(void);
bool azlx_root_is_fake(void);
/* DIR + @abs ("/sys/...") into @buf; 0 or -ENAMETOOLONG */
int azlx_root_path(const char *abs, char *buf, size_t len);
/* Reads @abs without its trailing newlines; length or a negative errno. */
int azlx_fs_read(const char *abs, char *buf, size_t len);
/* Whole file (free() it), NULL with errno set on error. */
char *azlx_fs_read_all(const char *abs, size_t *len);
/*
 * Writes @val to the existing file @abs (no O_CREAT), as sysfs takes it.
 * Under a fake root, a selector file ("[none] mq-deadline") is rewritten
 * the way the kernel shows it, and an unknown choice is -EINVAL.
 */
int azlx_fs_write(const char *abs, const char *val);
/* Creates or replaces @abs atomically with @data; 0 or a negative errno. */
int azlx_fs_replace(const char *abs, const char *data, size_t len, unsigned int mode);
bool azlx_fs_exists(const char *abs);
bool azlx_fs_is_dir(const char *abs);
/* Target of the symlink @abs. */
int azlx_fs_readlink(const char *abs, char *buf, size_t len);
/* Last component of the symlink target of @abs ("hv_netvsc"). */
int azlx_fs_link_name(const char *abs, char *buf, size_t len);
/* Resolved path of @abs, relative to the root ("/sys/devices/..."). */
int azlx_fs_realpath(const char *abs, char *buf, size_t len);
DIR *azlx_fs_opendir(const char *abs);
/* Sorted names of the entries of @abs (no dot files); free with azlx_names_free. */
int azlx_fs_list(const char *abs, char ***names, size_t *n);
void azlx_names_free(char **names, size_t n);
int azlx_fs_read_long(const char *abs, long *v);

/* ---- CPU sets ---------------------------------------------------------- */

#define AZLX_MAX_CPUS	1024

struct azlx_cpuset {
	uint64_t	w[AZLX_MAX_CPUS / 64];
};

void azlx_cpuset_zero(struct azlx_cpuset *s);
void azlx_cpuset_set(struct azlx_cpuset *s, int cpu);
bool azlx_cpuset_has(const struct azlx_cpuset *s, int cpu);
int azlx_cpuset_count(const struct azlx_cpuset *s);
bool azlx_cpuset_equal(const struct azlx_cpuset *a, const struct azlx_cpuset *b);
/* "0-3,8" (a kernel CPU list); 0 or -EINVAL */
int azlx_cpulist_parse(const char *s, struct azlx_cpuset *out);
void azlx_cpulist_format(const struct azlx_cpuset *s, char *buf, size_t len);
/* "00000000,0000000f" (a kernel CPU mask, comma every 32 bits); 0 or -EINVAL */
int azlx_cpumask_parse(const char *s, struct azlx_cpuset *out);
/* As the kernel prints a mask of @nbits CPUs */
void azlx_cpumask_format(const struct azlx_cpuset *s, int nbits, char *buf, size_t len);
/* The CPUs of @s in order, into @cpus; returns how many */
int azlx_cpuset_list(const struct azlx_cpuset *s, int *cpus, int max);

/* ---- detect.c: the node ------------------------------------------------ */

#define AZLX_NAME_MAX		64
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

struct azlx_nicdev {
	char	name[AZLX_NAME_MAX];
	char	driver[AZLX_NAME_MAX];
	int	numa_node;
	int	nrx, ntx;		/* queues in sysfs */
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
const char *azlx_disk_kind_name(enum azlx_disk_kind k);
/* True when @name is in the comma-separated @list. */
bool azlx_list_has(const char *list, const char *name);

/* ---- imds.c --------------------------------------------------------------- */

#define AZLX_IMDS_URL \
	"http://169.254.169.254/metadata/instance?api-version=2021-02-01"
#define AZLX_IMDS_MAX_DISKS	64

struct azlx_imds_disk {
	int	lun;			/* -1 for the OS disk */
	long	size_gb;		/* -1: unknown */
	char	type[32];		/* storageAccountType: "Premium_LRS" */
	char	caching[16];
	bool	ultra;
	bool	ephemeral;
	long	iops;			/* provisioned (Ultra, v2); -1: none */
	long	mbps;
};

struct azlx_imds {
	bool			valid;
	char			vm_size[AZLX_NAME_MAX];
	struct azlx_imds_disk	os;
	bool			has_os;
	struct azlx_imds_disk	data[AZLX_IMDS_MAX_DISKS];
	int			ndata;
	long			resource_mb;	/* -1: unknown */
	char			source[128];	/* "IMDS", or the file */
};

/*
 * Parses IMDS's instance document @json (@len bytes, need not end in NUL).
 * Returns 0, or -EINVAL with the reason, naming the field, in @err.
 */
int azlx_imds_parse(const char *json, size_t len, struct azlx_imds *m,
		    char *err, size_t err_len);
/* Reads and parses @path; 0 or -errno with @err set. */
int azlx_imds_load_file(const char *path, struct azlx_imds *m, char *err, size_t err_len);
/*
 * Fetches @url with the header "Metadata: true", no proxy, @timeout_ms per
 * try, one retry (after Retry-After on 429, at most 5 s). 0 or -errno.
 */
int azlx_imds_fetch(const char *url, long timeout_ms, struct azlx_imds *m,
		    char *err, size_t err_len);
const struct azlx_imds_disk *azlx_imds_data_disk(const struct azlx_imds *m, int lun);

/* ---- budget.c --------------------------------------------------------------- */

struct azlx_budget {
	bool		known;
	char		tier[24];	/* "P10", "E10", "PremiumV2", "Ultra" */
	long		iops, mbps;	/* baseline */
	long		burst_iops, burst_mbps;	/* = baseline without bursting */
	unsigned int	iops_unit_kib;	/* 256 (SSD) or 16 (HDD) */
	char		source[96];
};

struct azlx_vmsize {
	const char	*name;
	int		vcpus;
	long		iops, mbps;		/* uncached disk throughput */
	long		burst_iops, burst_mbps;	/* = baseline without bursting */
};

/* From a storageAccountType and size; provisioned values win (Ultra, v2). */
void azlx_budget_for(const char *type, long size_gb, long iops, long mbps,
		     struct azlx_budget *b);
/* By Premium SSD tier name ("P30") or Standard SSD ("E10"); false if unknown. */
bool azlx_budget_for_tier(const char *tier, struct azlx_budget *b);
/* AKS's default managed OS disk for @vcpus (P10 ... P30). */
const char *azlx_aks_os_tier(int vcpus);
const struct azlx_vmsize *azlx_vmsize_find(const char *name);

/* ---- tconf.c: /etc/azlxnet/azlxnet.conf -------------------------------------- */

#define AZLX_TCONF_PATH		"/etc/azlxnet/azlxnet.conf"
#define AZLX_TCONF_MAX_DISKS	32
#define AZLX_TCONF_MAX_SYSCTLS	32

enum azlx_profile {
	AZLX_PROFILE_AKS,
	AZLX_PROFILE_LATENCY,
	AZLX_PROFILE_THROUGHPUT,
};

/* A value from the file: set, and where (for reasons and errors). */
struct azlx_cval {
	bool	set;
	long	v;
	int	line;
};

struct azlx_cstr {
	bool	set;
	char	s[256];
	int	line;
};

struct azlx_tconf_disk {
	char			match[AZLX_NAME_MAX];	/* "" ([disk]), "sdc", "lun3", "os", "resource" */
	struct azlx_cstr	scheduler, tier;
	struct azlx_cval	queue_depth, nr_requests, read_ahead_kb, max_sectors_kb,
				io_timeout_ms, iops, mbps, target_latency_ms;
};

struct azlx_tconf {
	char			path[512];
	bool			found;
	struct azlx_cstr	profile_name;
	enum azlx_profile	profile;
	struct azlx_cstr	reserved_cpus;
	struct azlx_cpuset	reserved;
	/* [imds] */
	struct azlx_cval	imds_enabled, imds_timeout_ms;
	/* [nic] */
	struct azlx_cstr	synthetic_drivers, vf_drivers;
	struct azlx_cval	channels, rx_ring, lro, rps, xps, vmbus_spread, irq_affinity;
	/* [vm] */
	struct azlx_cstr	vm_size;
	struct azlx_cval	vm_iops, vm_mbps;
	/* [disk] and [disk NAME] */
	struct azlx_cstr	nvme_models;
	struct azlx_tconf_disk	disks[AZLX_TCONF_MAX_DISKS];
	int			ndisks;
	/* [sysctl] */
	struct {
		char		name[64];
		char		value[64];
		int		line;
	}			sysctls[AZLX_TCONF_MAX_SYSCTLS];
	int			nsysctls;
	/* [module] */
	struct azlx_cval	module_load;
};

void azlx_tconf_init(struct azlx_tconf *c);
/*
 * Reads @path (under the root unless @host_path); a missing file is not an
 * error. Returns 0, or -EINVAL with "FILE:LINE: [section] key: why" in @err.
 */
int azlx_tconf_load(struct azlx_tconf *c, const char *path, bool host_path,
		    char *err, size_t err_len);
int azlx_tconf_parse_string(struct azlx_tconf *c, const char *text, char *err, size_t err_len);
int azlx_profile_parse(const char *s, enum azlx_profile *p);
const char *azlx_profile_name(enum azlx_profile p);
/* The [disk NAME] section for @d, or NULL; [disk] is returned by @all. */
const struct azlx_tconf_disk *azlx_tconf_disk_for(const struct azlx_tconf *c,
						  const struct azlx_disk *d,
						  const struct azlx_tconf_disk **all);
/* AKS-allowed node sysctls (name "net.core.somaxconn"); true if allowed. */
bool azlx_sysctl_allowed(const char *name);

/* ---- ethtool.c ----------------------------------------------------------- */

enum azlx_eth_setting {
	AZLX_ETH_COMBINED,
	AZLX_ETH_RX_CHANNELS,
	AZLX_ETH_TX_CHANNELS,
	AZLX_ETH_RX_RING,
	AZLX_ETH_TX_RING,
	AZLX_ETH_LRO,
	AZLX_ETH_NSETTINGS,
};

struct azlx_eth_value {
	bool		supported;	/* reported by the device */
	bool		fixed;		/* features: cannot be changed */
	unsigned long	cur;
	unsigned long	max;		/* 0: no maximum reported */
};

struct azlx_ethtool {
	struct azlx_eth_value	v[AZLX_ETH_NSETTINGS];
};

/* "channels combined", "rings rx", "features rx-lro" */
const char *azlx_eth_setting_name(enum azlx_eth_setting s);
int azlx_eth_setting_parse(const char *s, enum azlx_eth_setting *out);
/*
 * Reads @dev's channels, rings and LRO: ethtool netlink, or under a fake
 * root the files ROOT/ethtool/DEV/<setting> ("8", "on [fixed]"). 0 or -errno.
 */
int azlx_ethtool_get(const char *dev, struct azlx_ethtool *e, char *err, size_t err_len);
int azlx_ethtool_set(const char *dev, enum azlx_eth_setting s, unsigned long value,
		     char *err, size_t err_len);

struct nl_msg;
/* The requests, exposed for the host tests. */
int azlx_ethtool_msg_get(struct nl_msg *msg, int family, __u8 cmd, const char *dev);
int azlx_ethtool_msg_set(struct nl_msg *msg, int family, const char *dev,
			 enum azlx_eth_setting s, unsigned long value);

/* ---- plan.c ---------------------------------------------------------------------- */

enum azlx_item_kind {
	AZLX_ITEM_FILE,		/* a sysfs/procfs attribute */
	AZLX_ITEM_ETHTOOL,
	AZLX_ITEM_MODULE,	/* load azlxnet */
	AZLX_ITEM_CONFFILE,	/* a configuration file written whole (modprobe.d) */
};

struct azlx_item {
	enum azlx_item_kind	kind;
	char			area[16];	/* "nic", "vmbus", "irq", "sysctl", "disk", "module" */
	char			object[AZLX_NAME_MAX];	/* "eth0", "sda", "vmbus 1a2b...", ... */
	char			setting[96];	/* "channels combined", "queue/scheduler" */
	char			path[256];	/* FILE/CONFFILE: the file; ETHTOOL: dev */
	char			needs[256];	/* what must exist at apply: a directory */
	enum azlx_eth_setting	eth;
	bool			pending;	/* created by an earlier item (new queues) */
	bool			cur_known;
	char			cur[256];
	char			new[256];
	char			*content;	/* CONFFILE: the new content */
	char			reason[256];
	char			rule[32];
	bool			change;
	int			value_type;	/* AZLX_VT_* */
};

enum azlx_value_type {
	AZLX_VT_STRING,		/* compared as text, blanks folded */
	AZLX_VT_INT,
	AZLX_VT_CPULIST,
	AZLX_VT_CPUMASK,
	AZLX_VT_SELECTOR,	/* "[none] mq-deadline": the bracketed word */
	AZLX_VT_ONOFF,
};

struct azlx_plan {
	struct azlx_item	*items;
	int			n, cap;
	enum azlx_profile	profile;
	char			**notes;	/* what could not be known or done */
	int			nnotes;
};

struct azlx_plan_opts {
	bool	persist;	/* write /etc/modprobe.d/azlxnet.conf */
};

int azlx_plan_build(const struct azlx_node *n, const struct azlx_imds *m,
		    const struct azlx_tconf *c, const struct azlx_plan_opts *o,
		    struct azlx_plan *p);
void azlx_plan_free(struct azlx_plan *p);
int azlx_plan_changes(const struct azlx_plan *p);
void azlx_plan_print(const struct azlx_plan *p, bool all);
/* Reads the current value of @it into @buf; 0 or -errno. */
int azlx_item_read(const struct azlx_item *it, char *buf, size_t len, char *err, size_t err_len);
/* True if the values @a and @b of @it's type are the same. */
bool azlx_value_equal(int type, const char *a, const char *b);
/* The disk's budget, from IMDS, the config or AKS defaults. */
void azlx_disk_budget(const struct azlx_node *n, const struct azlx_imds *m,
		      const struct azlx_tconf *c, const struct azlx_disk *d,
		      struct azlx_budget *b);

/* ---- apply.c ------------------------------------------------------------------------ */

#define AZLX_STATE_DIR		"/var/lib/azlxnet"
#define AZLX_STATE_FILE		"tune.json"
#define AZLX_LOCK_FILE		"tune.lock"
/* Test hook: the Nth change of an apply (1-based) fails with EIO. */
#define AZLX_FAULT_ENV		"AZLXNET_TUNE_FAIL_AT"

struct azlx_state_ctx {
	char	dir[512];	/* host path */
	int	lock_fd;
};

/* Takes the lock in @dir (created if missing); an exit code (printed). */
int azlx_state_lock(struct azlx_state_ctx *s, const char *dir);
void azlx_state_unlock(struct azlx_state_ctx *s);
/*
 * Applies the changing items of @p: checks that every item's device still
 * exists, records each prior value in the state file before changing it,
 * and on any failure undoes this run's changes and keeps the state as it
 * was. Returns an exit code (printed); *@applied counts the changes.
 */
int azlx_apply(struct azlx_state_ctx *s, const struct azlx_plan *p, int *applied);
/* Restores every recorded value and removes the state; an exit code. */
int azlx_revert(struct azlx_state_ctx *s, int *restored);

/* ---- tune.c --------------------------------------------------------------------------- */

/* Options of tune, revert, detect and disk, parsed by main() with the others. */
enum {
	AZLX_OPT_TUNE_FIRST = 0x100,
	AZLX_OPT_DRY_RUN = AZLX_OPT_TUNE_FIRST,
	AZLX_OPT_PROFILE,
	AZLX_OPT_ROOT,
	AZLX_OPT_STATE_DIR,
	AZLX_OPT_CONFIG,
	AZLX_OPT_IMDS_FILE,
	AZLX_OPT_NO_IMDS,
	AZLX_OPT_PERSIST,
	AZLX_OPT_ALL,
	AZLX_OPT_TUNE_LAST = AZLX_OPT_ALL,
};

#define AZLX_TUNE_LONG_OPTS						\
	{ "dry-run",	no_argument,		NULL, AZLX_OPT_DRY_RUN },	\
	{ "profile",	required_argument,	NULL, AZLX_OPT_PROFILE },	\
	{ "root",	required_argument,	NULL, AZLX_OPT_ROOT },		\
	{ "state-dir",	required_argument,	NULL, AZLX_OPT_STATE_DIR },	\
	{ "config",	required_argument,	NULL, AZLX_OPT_CONFIG },	\
	{ "imds-file",	required_argument,	NULL, AZLX_OPT_IMDS_FILE },	\
	{ "no-imds",	no_argument,		NULL, AZLX_OPT_NO_IMDS },	\
	{ "persist",	no_argument,		NULL, AZLX_OPT_PERSIST },	\
	{ "all",	no_argument,		NULL, AZLX_OPT_ALL }

struct azlx_tune_opts {
	bool		given;		/* any of them */
	const char	*name;		/* the first one given, for usage errors */
	bool		dry_run, no_imds, persist, all;
	const char	*profile, *root, *state_dir, *config, *imds_file;
};

extern struct azlx_tune_opts azlx_tune_opts;

/* Records option @opt (AZLX_OPT_*); @name as typed. */
void azlx_tune_set_opt(int opt, const char *arg, const char *name);
/* True if the object's function takes these options. */
bool azlx_tune_takes_opts(int (*fn)(int, char **));

int azlx_do_tune(int argc, char **argv);
int azlx_do_revert(int argc, char **argv);
int azlx_do_detect(int argc, char **argv);
/* --root, --config, --profile: the common start of tune, detect, disk; exit code. */
int azlx_tune_setup(struct azlx_tconf *c);
/* IMDS: --imds-file, the service (on Azure only) or nothing; never fatal. */
int azlx_tune_imds(const struct azlx_node *n, const struct azlx_tconf *c, struct azlx_imds *m);
/* azlx_tune_setup(), azlx_detect() and azlx_tune_imds(); @n is freed on error. */
int azlx_tune_node(struct azlx_tconf *c, struct azlx_node *n, struct azlx_imds *m);
/* A usage error if @argc words are left after command @cmd. */
int azlx_no_args(const char *cmd, int argc, char **argv);

#endif /* __AZLXNET_TUNE_H */
