// SPDX-License-Identifier: GPL-2.0-only
/*
 * The fast path's programs, pinned maps and attachments, through libbpf.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/magic.h>
#include <linux/azlxnet.h>

#include "azlxnet.h"
#include "datapath.h"
#include "fastpath.skel.h"
#include "fastpath_nomod.skel.h"
#include "print.h"
#include "sysfs.h"

#define AZLX_PIN_PARENT		"/sys/fs/bpf"
/*
 * In the state directory: the maps by their names, and the loaded programs,
 * one pair per variant: loading means parsing the kernel's BTF and running
 * the verifier, which is most of the time a pod add (a CNI ADD) takes;
 * later adds reuse the pinned program. tcx links are pinned as tcx_<ifindex>.
 */
#define AZLX_PIN_PROG_FROM_MOD		"prog_from_pod"
#define AZLX_PIN_PROG_TO_MOD		"prog_to_pod"
#define AZLX_PIN_PROG_FROM_NOMOD	"prog_from_pod_nomod"
#define AZLX_PIN_PROG_TO_NOMOD		"prog_to_pod_nomod"
/* azlxnet_from_kit: with the kfunc only */
#define AZLX_PIN_PROG_FROM_KIT		"prog_from_kit"
#define AZLX_PIN_META			"azlx_meta"
#define AZLX_PIN_TCX			"tcx_"
/* The first release pinned these straight in AZLXNET_PIN_DIR. */
static const char *const azlx_legacy_pins[] = {
	"azlxnet_endpoints", "azlxnet_ep_stats", "azlxnet_uplinks", "prog_from_pod",
	"prog_to_pod", "prog_from_pod_nomod", "prog_to_pod_nomod",
};
#define AZLX_LEGACY		"legacy"
/* the pin directory may be removed under a waiter: it then starts over */
#define AZLX_LOCK_TRIES		8
/* Upper bound on a walk, should entries come and go under it. */
#define AZLX_WALK_MAX		(4 * AZLXNET_ENDPOINTS_MAX)

_Static_assert(sizeof(struct azlxnet_ep_stats) % 8 == 0,
	       "per-CPU values are copied 8-byte aligned");
_Static_assert(offsetof(struct azlxnet_ep, slot) == 16,
	       "endpoint values are read by their common start");
_Static_assert(sizeof(struct azlxnet_host) == sizeof(__u32) &&
	       sizeof(struct azlxnet_uplink) == sizeof(__u32),
	       "host and uplink values are just their slot");

int azlx_fail(struct azlx_err *e, int err, const char *fmt, ...)
{
	va_list ap;

	e->err = err;
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
	return -err;
}

int azlx_fail_cni(struct azlx_err *e, int cni_code, int err, const char *fmt, ...)
{
	va_list ap;

	e->err = err;
	e->cni_code = cni_code;
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
	return -err;
}

const char *azlx_dp_variant_name(enum azlx_dp_variant v)
{
	switch (v) {
	case AZLX_DP_MOD:
		return "fastpath";
	case AZLX_DP_NOMOD:
		return "fastpath_nomod";
	default:
		return "none";
	}
}

bool azlx_dp_module_loaded(void)
{
	char path[4096];

	return !azlx_sysfs_path("module/" AZLX_MODULE_NAME, path, sizeof(path)) &&
	       !access(path, F_OK);
}

/* FNV-1a, 64 bits: names a build's objects, nothing to do with security. */
static __u64 azlx_fnv1a(__u64 h, const void *p, size_t n)
{
	const unsigned char *c = p;

	while (n--) {
		h ^= *c++;
		h *= 0x100000001b3ULL;
	}
	return h;
}

const char *azlx_dp_identity(void)
{
	static char id[32];
	const void *obj;
	size_t len;
	__u64 h;

	if (id[0])
		return id;
	h = azlx_fnv1a(0xcbf29ce484222325ULL, "azlxnet", 7);
	obj = fastpath__elf_bytes(&len);
	h = azlx_fnv1a(h, obj, len);
	obj = fastpath_nomod__elf_bytes(&len);
	h = azlx_fnv1a(h, obj, len);
	snprintf(id, sizeof(id), "l%d-%016llx", AZLXNET_LAYOUT, (unsigned long long)h);
	return id;
}

const char *azlx_dp_dir(void)
{
	static char dir[128];

	if (!dir[0])
		snprintf(dir, sizeof(dir), "%s/%s", AZLXNET_PIN_DIR, azlx_dp_identity());
	return dir;
}

/* @name in the state directory into @buf. */
static const char *azlx_dp_pin(char *buf, size_t len, const char *name)
{
	snprintf(buf, len, "%s/%s", azlx_dp_dir(), name);
	return buf;
}

bool azlx_dp_tcx(void)
{
	static int tcx = -1;
	LIBBPF_OPTS(bpf_prog_query_opts, q);
	const char *mode;

	if (tcx >= 0)
		return tcx;
	/* tc filters even where tcx exists: what the first release did */
	mode = getenv("AZLXNET_FASTPATH_ATTACH");
	if (mode && !strcmp(mode, "tc"))
		tcx = 0;
	else	/* a kernel without tcx refuses the attach type: EINVAL */
		tcx = !bpf_prog_query_opts(1, BPF_TCX_INGRESS, &q);
	return tcx;
}

/* "l<layout>-<hex>": the name of a state directory. */
static bool azlx_dp_is_identity(const char *name)
{
	const char *p = name;

	if (*p++ != 'l' || *p < '0' || *p > '9')
		return false;
	while (*p >= '0' && *p <= '9')
		p++;
	if (*p++ != '-' || !*p)
		return false;
	return strspn(p, "0123456789abcdef") == strlen(p);
}

static bool azlx_dp_legacy_present(void)
{
	char path[256];
	size_t i;

	for (i = 0; i < sizeof(azlx_legacy_pins) / sizeof(azlx_legacy_pins[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", AZLXNET_PIN_DIR, azlx_legacy_pins[i]);
		if (!access(path, F_OK))
			return true;
	}
	return false;
}

int azlx_dp_others(char (*ids)[64], int max)
{
	struct dirent *d;
	int n = 0;
	DIR *dir;

	if (azlx_dp_legacy_present()) {
		if (n < max)
			snprintf(ids[n], sizeof(ids[n]), "%s", AZLX_LEGACY);
		n++;
	}
	dir = opendir(AZLXNET_PIN_DIR);
	if (!dir)
		return n;
	while ((d = readdir(dir))) {
		if (!azlx_dp_is_identity(d->d_name) || !strcmp(d->d_name, azlx_dp_identity()))
			continue;
		if (n < max)
			snprintf(ids[n], sizeof(ids[n]), "%.63s", d->d_name);
		n++;
	}
	closedir(dir);
	return n;
}

/* "(needs root)" after permission errors */
static const char *azlx_dp_hint(int err)
{
	return err == EPERM || err == EACCES ?
	       " (needs CAP_BPF, CAP_NET_ADMIN and CAP_SYS_ADMIN: run as root)" : "";
}

/*
 * libbpf reports why a load failed through its print callback: keep its
 * first warning for the error message.
 */
char azlx_libbpf_warn[256];

int azlx_libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	size_t len;
	va_list aq;

	if (level == LIBBPF_WARN && !azlx_libbpf_warn[0]) {
		va_copy(aq, ap);
		vsnprintf(azlx_libbpf_warn, sizeof(azlx_libbpf_warn), fmt, aq);
		va_end(aq);
		len = strlen(azlx_libbpf_warn);
		while (len && azlx_libbpf_warn[len - 1] == '\n')
			azlx_libbpf_warn[--len] = '\0';
	}
	if (!azlx_opts.verbose || level == LIBBPF_DEBUG)
		return 0;
	return vfprintf(stderr, fmt, ap);
}

void azlx_dp_init(struct azlx_dp *dp)
{
	memset(dp, 0, sizeof(*dp));
	dp->lock_fd = -1;
	dp->from_pod_fd = -1;
	dp->to_pod_fd = -1;
	dp->from_kit_fd = -1;
	dp->ep4_fd = -1;
	dp->ep6_fd = -1;
	dp->hosts_fd = -1;
	dp->host_cache_fd = -1;
	dp->stats_fd = -1;
	dp->uplinks_fd = -1;
	dp->meta_fd = -1;
	dp->ncpus = libbpf_num_possible_cpus();
	/* libbpf's messages (e.g. of tc queries on devices without clsact) only with -v */
	libbpf_set_print(azlx_libbpf_print);
}

int azlx_dp_lock(struct azlx_dp *dp, struct azlx_err *e)
{
	struct statfs sfs;
	struct stat st;
	int tries, fd;

	if (statfs(AZLX_PIN_PARENT, &sfs))
		return azlx_fail(e, errno, "cannot access %s: %s", AZLX_PIN_PARENT,
				 strerror(errno));
	if ((unsigned long)sfs.f_type != BPF_FS_MAGIC)
		return azlx_fail(e, ENOTSUP, "bpffs is not mounted at %s", AZLX_PIN_PARENT);

	for (tries = 0; tries < AZLX_LOCK_TRIES; tries++) {
		if (mkdir(AZLXNET_PIN_DIR, 0700) && errno != EEXIST)
			return azlx_fail(e, errno, "cannot create %s: %s%s", AZLXNET_PIN_DIR,
					 strerror(errno), azlx_dp_hint(errno));
		fd = open(AZLXNET_PIN_DIR, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd < 0) {
			if (errno == ENOENT)
				continue;
			return azlx_fail(e, errno, "cannot open %s: %s", AZLXNET_PIN_DIR,
					 strerror(errno));
		}
		if (flock(fd, LOCK_EX)) {
			close(fd);
			return azlx_fail(e, errno, "cannot lock %s: %s", AZLXNET_PIN_DIR,
					 strerror(errno));
		}
		/* removed by the holder we waited for: start over */
		if (!fstat(fd, &st) && st.st_nlink == 0) {
			close(fd);
			continue;
		}
		dp->lock_fd = fd;
		return 0;
	}
	return azlx_fail(e, EAGAIN, "cannot lock %s: it keeps being removed", AZLXNET_PIN_DIR);
}

/*
 * One loader per skeleton type: opens it with the maps pinned by name in
 * the state directory, loads the programs of @progs only.
 */
#define AZLX_DP_LOADER(skel_t, variant_, kit_autoload, kit_fd)				\
static int azlx_dp_load_##skel_t(struct azlx_dp *dp, unsigned int progs)		\
{											\
	LIBBPF_OPTS(bpf_object_open_opts, oo, .pin_root_path = azlx_dp_dir());		\
	struct skel_t *s;								\
	int err;									\
											\
	s = skel_t##__open_opts(&oo);							\
	if (!s)										\
		return errno ? -errno : -EINVAL;					\
	bpf_program__set_autoload(s->progs.azlxnet_from_pod,				\
				  !!(progs & AZLX_DP_FROM_POD));			\
	bpf_program__set_autoload(s->progs.azlxnet_to_pod,				\
				  !!(progs & AZLX_DP_TO_POD));				\
	kit_autoload;									\
	err = skel_t##__load(s);							\
	if (err) {									\
		skel_t##__destroy(s);							\
		return err;								\
	}										\
	dp->skel = s;									\
	dp->variant = variant_;								\
	if (progs & AZLX_DP_FROM_POD)							\
		dp->from_pod_fd = bpf_program__fd(s->progs.azlxnet_from_pod);		\
	if (progs & AZLX_DP_TO_POD)							\
		dp->to_pod_fd = bpf_program__fd(s->progs.azlxnet_to_pod);		\
	kit_fd;										\
	dp->ep4_fd = bpf_map__fd(s->maps.azlxnet_ep4);					\
	dp->ep6_fd = bpf_map__fd(s->maps.azlxnet_ep6);					\
	dp->hosts_fd = bpf_map__fd(s->maps.azlxnet_hosts);				\
	dp->host_cache_fd = bpf_map__fd(s->maps.azlxnet_host_cache);			\
	dp->stats_fd = bpf_map__fd(s->maps.azlxnet_stats);				\
	dp->uplinks_fd = bpf_map__fd(s->maps.azlxnet_uplinks);				\
	return 0;									\
}

/* azlxnet_from_kit is in the kfunc's build only; the other has nothing for azlxkit */
AZLX_DP_LOADER(fastpath, AZLX_DP_MOD,
	       bpf_program__set_autoload(s->progs.azlxnet_from_kit,
					 !!(progs & AZLX_DP_FROM_KIT)),
	       if (progs & AZLX_DP_FROM_KIT)
			dp->from_kit_fd = bpf_program__fd(s->progs.azlxnet_from_kit))
AZLX_DP_LOADER(fastpath_nomod, AZLX_DP_NOMOD, (void)0, (void)0)

static const char *azlx_dp_load_reason(int err, char *buf, size_t len)
{
	if (err == EPERM || err == EACCES)
		snprintf(buf, len, "%s%s", strerror(err), azlx_dp_hint(err));
	else if (azlx_libbpf_warn[0])
		snprintf(buf, len, "%s", azlx_libbpf_warn);
	else
		libbpf_strerror(-err, buf, len);
	return buf;
}

static const char *azlx_dp_prog_pin(bool mod, bool from)
{
	if (from)
		return mod ? AZLX_PIN_PROG_FROM_MOD : AZLX_PIN_PROG_FROM_NOMOD;
	return mod ? AZLX_PIN_PROG_TO_MOD : AZLX_PIN_PROG_TO_NOMOD;
}

/* Pin what a skeleton load produced; a failure only costs the next load. */
static void azlx_dp_pin_progs(struct azlx_dp *dp)
{
	bool mod = dp->variant == AZLX_DP_MOD;
	char path[256];

	azlx_dp_pin(path, sizeof(path), azlx_dp_prog_pin(mod, true));
	if (dp->from_pod_fd >= 0 && bpf_obj_pin(dp->from_pod_fd, path) && errno != EEXIST)
		azlx_warn("cannot pin the from-pod program: %s", strerror(errno));
	azlx_dp_pin(path, sizeof(path), azlx_dp_prog_pin(mod, false));
	if (dp->to_pod_fd >= 0 && bpf_obj_pin(dp->to_pod_fd, path) && errno != EEXIST)
		azlx_warn("cannot pin the to-pod program: %s", strerror(errno));
	azlx_dp_pin(path, sizeof(path), AZLX_PIN_PROG_FROM_KIT);
	if (dp->from_kit_fd >= 0 && bpf_obj_pin(dp->from_kit_fd, path) && errno != EEXIST)
		azlx_warn("cannot pin the azlxkit program: %s", strerror(errno));
}

/* The pinned programs of @variant and the pinned maps, if all are there. */
static int azlx_dp_get_pinned(struct azlx_dp *dp, unsigned int progs,
			      enum azlx_dp_variant variant, struct azlx_err *e)
{
	bool mod = variant == AZLX_DP_MOD;
	int from = -1, to = -1, kit = -1;
	char path[256];

	if (progs & AZLX_DP_FROM_KIT) {
		if (!mod)
			return -ENOENT;
		kit = bpf_obj_get(azlx_dp_pin(path, sizeof(path), AZLX_PIN_PROG_FROM_KIT));
		if (kit < 0)
			return -ENOENT;
	}
	if (progs & AZLX_DP_FROM_POD) {
		from = bpf_obj_get(azlx_dp_pin(path, sizeof(path), azlx_dp_prog_pin(mod, true)));
		if (from < 0) {
			if (kit >= 0)
				close(kit);
			return -ENOENT;
		}
	}
	if (progs & AZLX_DP_TO_POD) {
		to = bpf_obj_get(azlx_dp_pin(path, sizeof(path), azlx_dp_prog_pin(mod, false)));
		if (to < 0) {
			if (from >= 0)
				close(from);
			if (kit >= 0)
				close(kit);
			return -ENOENT;
		}
	}
	if (azlx_dp_maps_get(dp, e)) {
		if (from >= 0)
			close(from);
		if (to >= 0)
			close(to);
		if (kit >= 0)
			close(kit);
		return -ENOENT;
	}
	dp->variant = variant;
	dp->skel = NULL;
	dp->from_pod_fd = from;
	dp->to_pod_fd = to;
	dp->from_kit_fd = kit;
	return 0;
}

/* The meta map: made with the state directory, records where it came from. */
static int azlx_dp_meta_open(struct azlx_dp *dp, bool create)
{
	struct azlx_dp_meta m;
	char path[256];
	__u32 zero = 0;
	int fd;

	azlx_dp_pin(path, sizeof(path), AZLX_PIN_META);
	fd = bpf_obj_get(path);
	if (fd >= 0 || !create)
		return dp->meta_fd = fd;
	fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "azlx_meta", sizeof(__u32), sizeof(m), 1, NULL);
	if (fd < 0)
		return -errno;
	memset(&m, 0, sizeof(m));
	m.created = (__u64)time(NULL);
	if (bpf_map_update_elem(fd, &zero, &m, BPF_ANY) || bpf_obj_pin(fd, path)) {
		close(fd);
		return -errno;
	}
	return dp->meta_fd = fd;
}

int azlx_dp_meta_get(struct azlx_dp *dp, struct azlx_dp_meta *m)
{
	__u32 zero = 0;

	memset(m, 0, sizeof(*m));
	if (dp->meta_fd < 0 && azlx_dp_meta_open(dp, false) < 0)
		return -ENOENT;
	return bpf_map_lookup_elem(dp->meta_fd, &zero, m) ? -ENOENT : 0;
}

static void azlx_dp_close_maps(struct azlx_dp *dp);
static int azlx_dp_migrate(struct azlx_dp *dp, const char *id, struct azlx_err *e);
static int azlx_dp_move_attachments(struct azlx_dp *dp, struct azlx_err *e);

static int azlx_dp_load_progs(struct azlx_dp *dp, unsigned int progs, bool force,
			      struct azlx_err *e)
{
	struct azlx_err ignored = {};
	char why[256];
	int err = 0;

	if (!force && !azlx_dp_get_pinned(dp, progs, azlx_dp_module_loaded() ?
					  AZLX_DP_MOD : AZLX_DP_NOMOD, &ignored))
		return 0;
	if (mkdir(azlx_dp_dir(), 0700) && errno != EEXIST)
		return azlx_fail(e, errno, "cannot create %s: %s%s", azlx_dp_dir(),
				 strerror(errno), azlx_dp_hint(errno));
	/* the skeleton brings its own map fds */
	azlx_dp_close_maps(dp);

	azlx_libbpf_warn[0] = '\0';
	if (azlx_dp_module_loaded()) {
		err = azlx_dp_load_fastpath(dp, progs);
		if (err && (progs & AZLX_DP_FROM_KIT)) {
			/* a module without bpf_azlxkit_redirect(): the rest still takes the VF */
			azlx_libbpf_warn[0] = '\0';
			err = azlx_dp_load_fastpath(dp, progs & ~AZLX_DP_FROM_KIT);
		}
		if (!err)
			goto out;
		/* a module without BTF or of another API level: no kfunc */
		if (err != -EPERM && err != -EACCES)
			azlx_warn("cannot load the programs with the azlxnet.ko kfunc (%s): "
				  "off-node traffic will not go straight to the VF",
				  azlx_dp_load_reason(-err, why, sizeof(why)));
		azlx_libbpf_warn[0] = '\0';
	}
	if (err != -EPERM && err != -EACCES)
		err = azlx_dp_load_fastpath_nomod(dp, progs);
out:
	if (err)
		return azlx_fail(e, -err, "cannot load the fast path programs: %s",
				 azlx_dp_load_reason(-err, why, sizeof(why)));
	if (force) {
		/* the new programs replace the pinned ones */
		char path[256];
		bool mod = dp->variant == AZLX_DP_MOD;

		unlink(azlx_dp_pin(path, sizeof(path), azlx_dp_prog_pin(mod, true)));
		unlink(azlx_dp_pin(path, sizeof(path), azlx_dp_prog_pin(mod, false)));
		unlink(azlx_dp_pin(path, sizeof(path), AZLX_PIN_PROG_FROM_KIT));
	}
	azlx_dp_pin_progs(dp);
	if (azlx_dp_meta_open(dp, true) < 0)
		azlx_warn("cannot record the state's origin in %s", azlx_dp_dir());
	return 0;
}

int azlx_dp_load(struct azlx_dp *dp, unsigned int progs, struct azlx_err *e)
{
	char others[8][64];
	int n, i, err;

	if (dp->ncpus <= 0)
		return azlx_fail(e, -dp->ncpus, "cannot count the possible CPUs");
	n = azlx_dp_others(others, 8);
	if (n > 8)
		n = 8;
	/* migrating moves pods (on veth and azlxkit) and uplinks: every program */
	if (n)
		progs = AZLX_DP_FROM_POD | AZLX_DP_TO_POD | AZLX_DP_FROM_KIT;
	err = azlx_dp_load_progs(dp, progs, false, e);
	for (i = 0; !err && i < n; i++)
		err = azlx_dp_migrate(dp, others[i], e);
	return err;
}

int azlx_dp_reload(struct azlx_dp *dp, struct azlx_err *e)
{
	int err;

	err = azlx_dp_load(dp, AZLX_DP_FROM_POD | AZLX_DP_TO_POD | AZLX_DP_FROM_KIT, e);
	if (err || dp->migrated)
		return err;
	/* state of this build: new program instances, attachments moved to them */
	azlx_dp_close_progs(dp);
	err = azlx_dp_load_progs(dp, AZLX_DP_FROM_POD | AZLX_DP_TO_POD | AZLX_DP_FROM_KIT, true,
				 e);
	if (!err)
		err = azlx_dp_move_attachments(dp, e);
	return err;
}

/* A pinned map, checked against what the programs expect. */
static int azlx_dp_map_get(const char *name, __u32 key_size, __u32 value_size, int *fd,
			   struct azlx_err *e)
{
	struct bpf_map_info info;
	__u32 len = sizeof(info);
	char path[256];
	int err;

	azlx_dp_pin(path, sizeof(path), name);
	*fd = bpf_obj_get(path);
	if (*fd < 0) {
		err = errno;
		*fd = -1;
		if (err == ENOENT)
			return -ENOENT;
		return azlx_fail(e, err, "cannot open %s: %s%s", path, strerror(err),
				 azlx_dp_hint(err));
	}
	memset(&info, 0, sizeof(info));
	err = bpf_map_get_info_by_fd(*fd, &info, &len);
	if (err)
		return azlx_fail(e, -err, "cannot read the map %s: %s", path, strerror(-err));
	if (info.key_size != key_size || info.value_size != value_size)
		return azlx_fail(e, EPROTO, "the map %s is not the one this build uses "
				 "(key %u, value %u bytes; expected %u, %u)", path,
				 info.key_size, info.value_size, key_size, value_size);
	return 0;
}

static void azlx_dp_close_maps(struct azlx_dp *dp)
{
	int *fds[] = { &dp->ep4_fd, &dp->ep6_fd, &dp->hosts_fd, &dp->host_cache_fd,
		       &dp->stats_fd, &dp->uplinks_fd };
	size_t i;

	for (i = 0; i < sizeof(fds) / sizeof(fds[0]); i++) {
		if (dp->own_map_fds && *fds[i] >= 0)
			close(*fds[i]);
		*fds[i] = -1;
	}
	dp->own_map_fds = false;
}

int azlx_dp_maps_get(struct azlx_dp *dp, struct azlx_err *e)
{
	char others[1][64];
	int err;

	dp->own_map_fds = true;
	err = azlx_dp_map_get("azlxnet_ep4", sizeof(__u32), sizeof(struct azlxnet_ep),
			      &dp->ep4_fd, e);
	if (!err)
		err = azlx_dp_map_get("azlxnet_ep6", sizeof(struct azlxnet_in6),
				      sizeof(struct azlxnet_ep), &dp->ep6_fd, e);
	if (!err)
		err = azlx_dp_map_get("azlxnet_hosts", sizeof(__u32),
				      sizeof(struct azlxnet_host), &dp->hosts_fd, e);
	if (!err)
		err = azlx_dp_map_get("azlxnet_host_cache", sizeof(__u32),
				      sizeof(struct azlxnet_host_cache), &dp->host_cache_fd, e);
	if (!err)
		err = azlx_dp_map_get("azlxnet_stats", sizeof(__u32),
				      sizeof(struct azlxnet_ep_stats), &dp->stats_fd, e);
	if (!err)
		err = azlx_dp_map_get("azlxnet_uplinks", sizeof(__u32),
				      sizeof(struct azlxnet_uplink), &dp->uplinks_fd, e);
	if (dp->ncpus <= 0 && !err)
		err = azlx_fail(e, -dp->ncpus, "cannot count the possible CPUs");
	if (err)
		azlx_dp_close_maps(dp);	/* all or none */
	if (err == -ENOENT && azlx_dp_others(others, 1) > 0)
		err = azlx_fail(e, ESTALE, "the fast path state on this node (%s) is another "
				"build's: \"azlxnet fastpath reload\" moves it to this one's (%s)",
				others[0], azlx_dp_identity());
	return err;
}

int azlx_dp_state(struct azlx_dp *dp, struct azlx_err *e)
{
	char others[1][64];

	if (azlx_dp_others(others, 1) > 0)
		return azlx_dp_load(dp, AZLX_DP_FROM_POD | AZLX_DP_TO_POD, e);
	return azlx_dp_maps_get(dp, e);
}

static bool azlx_dp_map_empty(int fd, __u32 key_size)
{
	char key[64];

	if (fd < 0 || key_size > sizeof(key))
		return fd < 0;
	return bpf_map_get_next_key(fd, NULL, key) == -ENOENT;
}

/* Unlinks every pin in @dir and the directory. */
static void azlx_dp_rm_dir(const char *dir)
{
	char path[512];
	struct dirent *d;
	DIR *dh;

	dh = opendir(dir);
	if (!dh)
		return;
	while ((d = readdir(dh))) {
		if (d->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, d->d_name);
		if (unlink(path) && errno != ENOENT)
			azlx_warn("cannot unpin %s: %s", path, strerror(errno));
	}
	closedir(dh);
	if (rmdir(dir) && errno != ENOENT)
		azlx_warn("cannot remove %s: %s", dir, strerror(errno));
}

int azlx_dp_gc(struct azlx_dp *dp, struct azlx_err *e)
{
	(void)e;
	/* without maps, only the directory the lock made is left to remove */
	if (dp->ep4_fd >= 0) {
		if (!azlx_dp_map_empty(dp->ep4_fd, sizeof(__u32)) ||
		    !azlx_dp_map_empty(dp->ep6_fd, sizeof(struct azlxnet_in6)) ||
		    !azlx_dp_map_empty(dp->uplinks_fd, sizeof(__u32)))
			return 0;
		azlx_dp_rm_dir(azlx_dp_dir());
	} else if (!access(azlx_dp_dir(), F_OK)) {
		/* a state directory without its maps (a failed first load) */
		azlx_dp_rm_dir(azlx_dp_dir());
	}
	/* something else pinned there stays, and so does the directory */
	if (rmdir(AZLXNET_PIN_DIR) && errno != ENOENT && errno != ENOTEMPTY)
		azlx_warn("cannot remove %s: %s", AZLXNET_PIN_DIR, strerror(errno));
	return 1;
}

/* Releases the programs (the pins keep them). */
void azlx_dp_close_progs(struct azlx_dp *dp)
{
	if (!dp->skel) {
		/* programs from their pins: the fds are ours */
		if (dp->from_pod_fd >= 0)
			close(dp->from_pod_fd);
		if (dp->to_pod_fd >= 0)
			close(dp->to_pod_fd);
		if (dp->from_kit_fd >= 0)
			close(dp->from_kit_fd);
	} else {
		/* the skeleton's maps go with it: keep our own references */
		int *fds[] = { &dp->ep4_fd, &dp->ep6_fd, &dp->hosts_fd, &dp->host_cache_fd,
			       &dp->stats_fd, &dp->uplinks_fd };
		size_t i;

		if (!dp->own_map_fds) {
			for (i = 0; i < sizeof(fds) / sizeof(fds[0]); i++)
				*fds[i] = *fds[i] >= 0 ? dup(*fds[i]) : -1;
			dp->own_map_fds = true;
		}
		if (dp->variant == AZLX_DP_MOD)
			fastpath__destroy(dp->skel);
		else if (dp->variant == AZLX_DP_NOMOD)
			fastpath_nomod__destroy(dp->skel);
		dp->skel = NULL;
	}
	dp->from_pod_fd = -1;
	dp->to_pod_fd = -1;
	dp->from_kit_fd = -1;
}

void azlx_dp_close(struct azlx_dp *dp)
{
	azlx_dp_close_maps(dp);
	azlx_dp_close_progs(dp);
	if (dp->meta_fd >= 0)
		close(dp->meta_fd);
	if (dp->lock_fd >= 0)
		close(dp->lock_fd);
	azlx_dp_init(dp);
}

/* tc */

static const char *const azlx_tc_names[] = {
	[AZLX_TC_FOREIGN]	= NULL,
	[AZLX_TC_FROM_POD]	= "azlxnet_from_pod",
	[AZLX_TC_TO_POD]	= "azlxnet_to_pod",
};

const char *azlx_tc_kind_name(enum azlx_tc_kind kind)
{
	if ((size_t)kind >= sizeof(azlx_tc_names) / sizeof(azlx_tc_names[0]))
		return NULL;
	return azlx_tc_names[kind];
}

enum azlx_tc_kind azlx_tc_kind_of(const char *name)
{
	/* the kernel keeps BPF_OBJ_NAME_LEN - 1 characters of the name */
	const size_t max = 15;

	if (!strncmp(name, azlx_tc_names[AZLX_TC_FROM_POD], max) &&
	    strlen(name) == strnlen(azlx_tc_names[AZLX_TC_FROM_POD], max))
		return AZLX_TC_FROM_POD;
	if (!strncmp(name, azlx_tc_names[AZLX_TC_TO_POD], max) &&
	    strlen(name) == strnlen(azlx_tc_names[AZLX_TC_TO_POD], max))
		return AZLX_TC_TO_POD;
	return AZLX_TC_FOREIGN;
}

const char *azlx_fmt_tag(const __u8 *tag, char *buf, size_t len)
{
	size_t i, used = 0;

	if (len)
		buf[0] = '\0';
	for (i = 0; i < 8 && used < len; i++)
		used += snprintf(buf + used, len - used, "%02x", tag[i]);
	return buf;
}

int azlx_prog_info(int prog_fd, struct azlx_tc_prog *p, struct azlx_err *e)
{
	struct bpf_prog_info info;
	__u32 len = sizeof(info);
	int err;

	memset(&info, 0, sizeof(info));
	err = bpf_prog_get_info_by_fd(prog_fd, &info, &len);
	if (err)
		return azlx_fail(e, -err, "cannot read a program's info: %s%s", strerror(-err),
				 azlx_dp_hint(-err));
	p->id = info.id;
	snprintf(p->name, sizeof(p->name), "%.*s", (int)sizeof(info.name), info.name);
	memcpy(p->tag, info.tag, sizeof(p->tag));
	p->kind = azlx_tc_kind_of(p->name);
	return 0;
}

/* Ours among the tcx programs on ingress of @ifindex: 0, -ENOENT, or -errno. */
static int azlx_tcx_query(int ifindex, struct azlx_tc_prog *p, struct azlx_err *e)
{
	__u32 prog_ids[64], link_ids[64], i;
	LIBBPF_OPTS(bpf_prog_query_opts, q, .prog_ids = prog_ids, .link_ids = link_ids,
		    .count = 64);
	int err, fd;

	err = bpf_prog_query_opts(ifindex, BPF_TCX_INGRESS, &q);
	if (err == -ENODEV || err == -ENOENT)
		return -ENOENT;
	if (err)
		return azlx_fail(e, -err, "cannot query tcx on ifindex %d: %s%s", ifindex,
				 strerror(-err), azlx_dp_hint(-err));
	for (i = 0; i < q.count && i < 64; i++) {
		fd = bpf_prog_get_fd_by_id(prog_ids[i]);
		if (fd < 0)
			continue;	/* detached in between */
		err = azlx_prog_info(fd, p, e);
		close(fd);
		if (err)
			return err;
		if (p->kind != AZLX_TC_FOREIGN) {
			p->link_id = link_ids[i];
			return 0;
		}
	}
	memset(p, 0, sizeof(*p));
	return -ENOENT;
}

/* The tc filter at our handle and priority, whoever's it is. */
static int azlx_tc_filter_query(int ifindex, struct azlx_tc_prog *p, struct azlx_err *e)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex, .attach_point = BPF_TC_INGRESS);
	LIBBPF_OPTS(bpf_tc_opts, opts, .handle = AZLXNET_TC_HANDLE,
		    .priority = AZLXNET_TC_PRIO);
	int err, fd;

	memset(p, 0, sizeof(*p));
	err = bpf_tc_query(&hook, &opts);
	/* EINVAL: no clsact qdisc to look in */
	if (err == -ENOENT || err == -EINVAL || err == -ENODEV)
		return -ENOENT;
	if (err)
		return azlx_fail(e, -err, "cannot query tc on ifindex %d: %s%s", ifindex,
				 strerror(-err), azlx_dp_hint(-err));
	fd = bpf_prog_get_fd_by_id(opts.prog_id);
	if (fd < 0) {
		err = errno;
		/* detached in between */
		if (err == ENOENT)
			return -ENOENT;
		return azlx_fail(e, err, "cannot open program %u: %s%s", opts.prog_id,
				 strerror(err), azlx_dp_hint(err));
	}
	err = azlx_prog_info(fd, p, e);
	close(fd);
	return err;
}

int azlx_tc_query(int ifindex, struct azlx_tc_prog *p, struct azlx_err *e)
{
	int err;

	if (azlx_dp_tcx()) {
		err = azlx_tcx_query(ifindex, p, e);
		if (err != -ENOENT)
			return err;
	}
	return azlx_tc_filter_query(ifindex, p, e);
}

static int azlx_tc_filter_attach(int ifindex, int prog_fd, struct azlx_err *e)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex, .attach_point = BPF_TC_INGRESS);
	LIBBPF_OPTS(bpf_tc_opts, opts, .handle = AZLXNET_TC_HANDLE,
		    .priority = AZLXNET_TC_PRIO, .prog_fd = prog_fd,
		    .flags = BPF_TC_F_REPLACE);
	int err;

	err = bpf_tc_hook_create(&hook);
	if (err && err != -EEXIST)
		return azlx_fail(e, -err, "cannot add the clsact qdisc to ifindex %d: %s%s",
				 ifindex, strerror(-err), azlx_dp_hint(-err));
	err = bpf_tc_attach(&hook, &opts);
	if (err)
		return azlx_fail(e, -err, "cannot attach to tc ingress of ifindex %d: %s%s",
				 ifindex, strerror(-err), azlx_dp_hint(-err));
	return 0;
}

static int azlx_tc_filter_detach(int ifindex, struct azlx_err *e)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex, .attach_point = BPF_TC_INGRESS);
	LIBBPF_OPTS(bpf_tc_opts, opts, .handle = AZLXNET_TC_HANDLE,
		    .priority = AZLXNET_TC_PRIO);
	int err;

	err = bpf_tc_detach(&hook, &opts);
	if (err == -ENOENT || err == -EINVAL || err == -ENODEV)
		return 0;
	if (err)
		return azlx_fail(e, -err, "cannot detach from tc ingress of ifindex %d: %s%s",
				 ifindex, strerror(-err), azlx_dp_hint(-err));
	return 0;
}

/*
 * Pins tcx link @fd (on @ifindex) in the state directory. A pin left there
 * for a device of the same ifindex that is gone goes first.
 */
static int azlx_tcx_pin(int fd, int ifindex, struct azlx_err *e)
{
	char path[256], name[32];

	snprintf(name, sizeof(name), AZLX_PIN_TCX "%d", ifindex);
	azlx_dp_pin(path, sizeof(path), name);
	if (mkdir(azlx_dp_dir(), 0700) && errno != EEXIST)
		return azlx_fail(e, errno, "cannot create %s: %s", azlx_dp_dir(),
				 strerror(errno));
	if (!bpf_obj_pin(fd, path))
		return 0;
	if (errno == EEXIST) {
		struct bpf_link_info a, b;
		__u32 la = sizeof(a), lb = sizeof(b);
		int old = bpf_obj_get(path);

		memset(&a, 0, sizeof(a));
		memset(&b, 0, sizeof(b));
		if (old >= 0 && !bpf_link_get_info_by_fd(old, &a, &la) &&
		    !bpf_link_get_info_by_fd(fd, &b, &lb) && a.id == b.id) {
			close(old);
			return 0;	/* pinned there already */
		}
		if (old >= 0)
			close(old);
		if (!unlink(path) && !bpf_obj_pin(fd, path))
			return 0;
	}
	return azlx_fail(e, errno, "cannot pin the tcx link of ifindex %d at %s: %s", ifindex,
			 path, strerror(errno));
}

static int azlx_tcx_attach(int ifindex, int prog_fd, struct azlx_err *e)
{
	struct azlx_tc_prog cur;
	int err, fd;

	err = azlx_tcx_query(ifindex, &cur, e);
	if (err && err != -ENOENT)
		return err;
	if (!err && cur.link_id) {
		/* ours already: the program changes in place */
		fd = bpf_link_get_fd_by_id(cur.link_id);
		if (fd < 0)
			return azlx_fail(e, errno, "cannot open tcx link %u: %s", cur.link_id,
					 strerror(errno));
		err = bpf_link_update(fd, prog_fd, NULL);
		if (err) {
			close(fd);
			return azlx_fail(e, -err, "cannot update the tcx link on ifindex %d: %s",
					 ifindex, strerror(-err));
		}
	} else {
		fd = bpf_link_create(prog_fd, ifindex, BPF_TCX_INGRESS, NULL);
		if (fd < 0)
			return azlx_fail(e, errno, "cannot attach to tcx ingress of ifindex %d: "
					 "%s%s", ifindex, strerror(errno), azlx_dp_hint(errno));
	}
	/* the pin holds the link: without it, closing the fd detaches */
	err = azlx_tcx_pin(fd, ifindex, e);
	close(fd);
	if (err)
		return err;
	/* a tc filter of ours from an older build: the tcx link runs first, then it goes */
	if (!azlx_tc_filter_query(ifindex, &cur, e) && cur.kind != AZLX_TC_FOREIGN)
		return azlx_tc_filter_detach(ifindex, e);
	return 0;
}

int azlx_tc_attach(int ifindex, int prog_fd, struct azlx_err *e)
{
	if (azlx_dp_tcx())
		return azlx_tcx_attach(ifindex, prog_fd, e);
	return azlx_tc_filter_attach(ifindex, prog_fd, e);
}

int azlx_tc_detach(int ifindex, struct azlx_err *e)
{
	struct azlx_tc_prog p;
	char path[256], name[32];
	int err, fd;

	if (azlx_dp_tcx()) {
		err = azlx_tcx_query(ifindex, &p, e);
		if (err && err != -ENOENT)
			return err;
		if (!err && p.link_id) {
			fd = bpf_link_get_fd_by_id(p.link_id);
			if (fd >= 0) {
				err = bpf_link_detach(fd);
				close(fd);
				if (err && err != -ENOLINK)
					return azlx_fail(e, -err, "cannot detach the tcx link of "
							 "ifindex %d: %s", ifindex, strerror(-err));
			}
		}
		snprintf(name, sizeof(name), AZLX_PIN_TCX "%d", ifindex);
		if (unlink(azlx_dp_pin(path, sizeof(path), name)) && errno != ENOENT)
			azlx_warn("cannot unpin %s: %s", path, strerror(errno));
		if (!err)
			return 0;
	}
	return azlx_tc_filter_detach(ifindex, e);
}

int azlx_tc_claim(int ifindex, const char *name, enum azlx_tc_kind kind,
		  struct azlx_tc_prog *p, bool *present, struct azlx_err *e)
{
	int err;

	*present = false;
	err = azlx_tc_query(ifindex, p, e);
	if (err == -ENOENT)
		return 0;
	if (err)
		return err;
	*present = true;
	if (p->kind == kind)
		return 0;
	if (p->kind == AZLX_TC_TO_POD)
		return azlx_fail_cni(e, AZLX_CNI_ERR_LINK, EBUSY,
				     "%s is an uplink of the fast path, not a pod's veth", name);
	if (p->kind == AZLX_TC_FROM_POD)
		return azlx_fail(e, EBUSY, "%s is the host side of a pod, not an uplink", name);
	return azlx_fail_cni(e, AZLX_CNI_ERR_LINK, EBUSY,
			     "%s has a foreign tc program (%s, id %u) at handle 0x%x priority %d",
			     name, p->name, p->id, AZLXNET_TC_HANDLE, AZLXNET_TC_PRIO);
}

int azlx_tc_detach_kind(int ifindex, enum azlx_tc_kind kind, bool *changed,
			struct azlx_err *e)
{
	struct azlx_tc_prog p;
	int err;

	err = azlx_tc_query(ifindex, &p, e);
	if (err == -ENOENT || (!err && p.kind != kind))
		return 0;
	if (!err)
		err = azlx_tc_detach(ifindex, e);
	if (!err && changed)
		*changed = true;
	return err;
}

/* Maps */

int azlx_dp_ep_get(struct azlx_dp *dp, const struct azlxnet_ep_key *key,
		   struct azlxnet_ep *ep)
{
	if (key->family == AF_INET)
		return bpf_map_lookup_elem(dp->ep4_fd, &key->addr[0], ep);
	return bpf_map_lookup_elem(dp->ep6_fd, key->addr, ep);
}

int azlx_dp_ep_put(struct azlx_dp *dp, const struct azlxnet_ep_key *key,
		   const struct azlxnet_ep *ep)
{
	if (key->family == AF_INET)
		return bpf_map_update_elem(dp->ep4_fd, &key->addr[0], ep, BPF_ANY);
	return bpf_map_update_elem(dp->ep6_fd, key->addr, ep, BPF_ANY);
}

int azlx_dp_ep_del(struct azlx_dp *dp, const struct azlxnet_ep_key *key)
{
	if (key->family == AF_INET)
		return bpf_map_delete_elem(dp->ep4_fd, &key->addr[0]);
	return bpf_map_delete_elem(dp->ep6_fd, key->addr);
}

static int azlx_u32_cmp(const void *a, const void *b)
{
	__u32 x = *(const __u32 *)a, y = *(const __u32 *)b;

	return (x > y) - (x < y);
}

/*
 * Walks map @fd: calls @fn with every key and value (@vsize bytes) it can
 * still read. Returns 0, @fn's error or a negative errno.
 */
static int azlx_map_walk(int fd, size_t ksize, size_t vsize,
			 int (*fn)(const void *k, const void *v, void *arg), void *arg)
{
	char cur[64], next[64];
	size_t walked = 0;
	bool first = true;
	void *val;
	int err;

	if (fd < 0)
		return 0;
	if (ksize > sizeof(cur))
		return -EINVAL;
	val = calloc(1, vsize ? vsize : 1);
	if (!val)
		return -ENOMEM;
	while (!(err = bpf_map_get_next_key(fd, first ? NULL : cur, next))) {
		first = false;
		memcpy(cur, next, ksize);
		if (++walked > AZLX_WALK_MAX)
			break;
		err = bpf_map_lookup_elem(fd, next, val);
		if (err == -ENOENT)
			continue;	/* deleted in between */
		if (err)
			break;
		err = fn(next, val, arg);
		if (err)
			break;
	}
	free(val);
	return err == -ENOENT ? 0 : err;
}

/* Collects the u32 keys of a map, sorted. */
struct azlx_u32s {
	__u32	*v;
	size_t	n, cap;
};

static int azlx_u32s_add(struct azlx_u32s *s, __u32 x)
{
	__u32 *nv;

	if (s->n == s->cap) {
		s->cap = s->cap ? 2 * s->cap : 16;
		nv = realloc(s->v, s->cap * sizeof(*nv));
		if (!nv)
			return -ENOMEM;
		s->v = nv;
	}
	s->v[s->n++] = x;
	return 0;
}

static int azlx_u32_key_cb(const void *k, const void *v, void *arg)
{
	(void)v;
	return azlx_u32s_add(arg, *(const __u32 *)k);
}

static int azlx_u32_keys(int fd, size_t vsize, const char *name, __u32 **v, size_t *n,
			 struct azlx_err *e)
{
	struct azlx_u32s s = { 0 };
	int err;

	err = azlx_map_walk(fd, sizeof(__u32), vsize, azlx_u32_key_cb, &s);
	if (err) {
		free(s.v);
		*v = NULL;
		*n = 0;
		return azlx_fail(e, -err, "cannot walk %s: %s", name, strerror(-err));
	}
	if (s.n > 1)
		qsort(s.v, s.n, sizeof(*s.v), azlx_u32_cmp);
	*v = s.v;
	*n = s.n;
	return 0;
}

/* An endpoint value of any layout: its common start. */
struct azlx_ep_walk {
	struct azlx_ep_list	*l;
	size_t			cap;
	int			family;
};

static int azlx_ep_cb(const void *k, const void *v, void *arg)
{
	struct azlx_ep_walk *w = arg;
	struct azlx_ep_entry *ne;
	struct azlx_ep_list *l = w->l;

	if (l->n == w->cap) {
		w->cap = w->cap ? 2 * w->cap : 16;
		ne = realloc(l->v, w->cap * sizeof(*ne));
		if (!ne)
			return -ENOMEM;
		l->v = ne;
	}
	ne = &l->v[l->n++];
	memset(ne, 0, sizeof(*ne));
	ne->key.family = w->family;
	memcpy(ne->key.addr, k, w->family == AF_INET ? 4 : 16);
	memcpy(&ne->ep, v, sizeof(ne->ep));
	return 0;
}

int azlx_dp_endpoints(struct azlx_dp *dp, struct azlx_ep_list *l, struct azlx_err *e)
{
	struct azlx_ep_walk w = { .l = l, .family = AF_INET };
	int err;

	memset(l, 0, sizeof(*l));
	err = azlx_map_walk(dp->ep4_fd, sizeof(__u32), sizeof(struct azlxnet_ep), azlx_ep_cb,
			    &w);
	if (!err) {
		w.family = AF_INET6;
		err = azlx_map_walk(dp->ep6_fd, sizeof(struct azlxnet_in6),
				    sizeof(struct azlxnet_ep), azlx_ep_cb, &w);
	}
	if (err) {
		azlx_ep_list_free(l);
		return azlx_fail(e, -err, "cannot read the endpoint maps: %s", strerror(-err));
	}
	return 0;
}

void azlx_ep_list_free(struct azlx_ep_list *l)
{
	free(l->v);
	memset(l, 0, sizeof(*l));
}

void azlx_stats_sum(const void *percpu, int ncpus, size_t stride,
		    struct azlxnet_ep_stats *sum)
{
	const size_t n = sizeof(*sum) / sizeof(__u64);
	__u64 *out = (__u64 *)sum;
	const __u64 *in;
	size_t i;
	int cpu;

	memset(sum, 0, sizeof(*sum));
	for (cpu = 0; cpu < ncpus; cpu++) {
		in = (const __u64 *)((const char *)percpu + (size_t)cpu * stride);
		for (i = 0; i < n; i++)
			out[i] += in[i];
	}
}

int azlx_dp_stats(struct azlx_dp *dp, __u32 slot, struct azlxnet_ep_stats *sum,
		  struct azlx_err *e)
{
	const size_t stride = sizeof(struct azlxnet_ep_stats);
	void *buf;
	int err;

	memset(sum, 0, sizeof(*sum));
	if (dp->stats_fd < 0)
		return -ENOENT;
	buf = calloc(dp->ncpus, stride);
	if (!buf)
		return azlx_fail(e, ENOMEM, "out of memory");
	err = bpf_map_lookup_elem(dp->stats_fd, &slot, buf);
	if (!err)
		azlx_stats_sum(buf, dp->ncpus, stride, sum);
	free(buf);
	if (err)
		return azlx_fail(e, -err, "cannot read slot %u of azlxnet_stats: %s", slot,
				 strerror(-err));
	return 0;
}

/* Both values are just the slot (see the assertion at the top). */
int azlx_dp_host_get(struct azlx_dp *dp, __u32 ifindex, __u32 *slot)
{
	return bpf_map_lookup_elem(dp->hosts_fd, &ifindex, slot);
}

int azlx_dp_uplink_get(struct azlx_dp *dp, __u32 ifindex, __u32 *slot)
{
	return bpf_map_lookup_elem(dp->uplinks_fd, &ifindex, slot);
}

static int azlx_slot_cb(const void *k, const void *v, void *arg)
{
	unsigned char *used = arg;
	__u32 slot = *(const __u32 *)v;	/* both values start with it */

	(void)k;
	if (slot < AZLXNET_SLOTS_MAX)
		used[slot] = 1;
	return 0;
}

/* The lowest slot no pod and no uplink has, its counters zeroed. */
static int azlx_dp_slot_new(struct azlx_dp *dp, __u32 *slot, struct azlx_err *e)
{
	unsigned char *used;
	void *zero;
	__u32 i;
	int err;

	used = calloc(AZLXNET_SLOTS_MAX, 1);
	zero = calloc(dp->ncpus, sizeof(struct azlxnet_ep_stats));
	if (!used || !zero) {
		free(used);
		free(zero);
		return azlx_fail(e, ENOMEM, "out of memory");
	}
	err = azlx_map_walk(dp->hosts_fd, sizeof(__u32), sizeof(struct azlxnet_host),
			    azlx_slot_cb, used);
	if (!err)
		err = azlx_map_walk(dp->uplinks_fd, sizeof(__u32), sizeof(struct azlxnet_uplink),
				    azlx_slot_cb, used);
	if (err) {
		err = azlx_fail(e, -err, "cannot read the counter slots: %s", strerror(-err));
		goto out;
	}
	for (i = 0; i < AZLXNET_SLOTS_MAX && used[i]; i++)
		;
	if (i == AZLXNET_SLOTS_MAX) {
		err = azlx_fail(e, ENOSPC, "all %d counter slots are taken (pods and uplinks)",
				AZLXNET_SLOTS_MAX);
		goto out;
	}
	err = bpf_map_update_elem(dp->stats_fd, &i, zero, BPF_ANY);
	if (err)
		err = azlx_fail(e, -err, "cannot reset slot %u of azlxnet_stats: %s", i,
				strerror(-err));
	else
		*slot = i;
out:
	free(used);
	free(zero);
	return err;
}

/*
 * The slot of @ifindex in map @fd (azlxnet_hosts or azlxnet_uplinks, whose
 * values are both just the slot), a new one if it has none.
 */
static int azlx_dp_slot_add(struct azlx_dp *dp, int fd, const char *map, __u32 ifindex,
			    __u32 *slot, bool *created, struct azlx_err *e)
{
	int err;

	*created = false;
	if (!bpf_map_lookup_elem(fd, &ifindex, slot))
		return 0;
	err = azlx_dp_slot_new(dp, slot, e);
	if (err)
		return err;
	err = bpf_map_update_elem(fd, &ifindex, slot, BPF_NOEXIST);
	if (err)
		return azlx_fail(e, -err, "cannot add ifindex %u to %s: %s", ifindex, map,
				 strerror(-err));
	*created = true;
	return 0;
}

/*
 * The cache entry of @ifindex gets (@ifindex, @slot) unless it holds another
 * pod that is still in azlxnet_hosts: that one keeps it, this one is found
 * through the hash. A failure only costs the hash lookup.
 */
static void azlx_dp_host_cache_put(struct azlx_dp *dp, __u32 ifindex, __u32 slot)
{
	struct azlxnet_host_cache c;
	__u32 idx = ifindex & (AZLXNET_HOST_CACHE - 1), other;

	if (dp->host_cache_fd < 0 || bpf_map_lookup_elem(dp->host_cache_fd, &idx, &c))
		return;
	if (c.ifindex && c.ifindex != ifindex && !azlx_dp_host_get(dp, c.ifindex, &other))
		return;
	c.ifindex = ifindex;
	c.slot = slot;
	bpf_map_update_elem(dp->host_cache_fd, &idx, &c, BPF_ANY);
}

int azlx_dp_host_add(struct azlx_dp *dp, __u32 ifindex, __u32 *slot, bool *created,
		     struct azlx_err *e)
{
	int err;

	err = azlx_dp_slot_add(dp, dp->hosts_fd, "azlxnet_hosts", ifindex, slot, created, e);
	if (!err)
		azlx_dp_host_cache_put(dp, ifindex, *slot);
	return err;
}

int azlx_dp_host_del(struct azlx_dp *dp, __u32 ifindex)
{
	struct azlxnet_host_cache c;
	__u32 idx = ifindex & (AZLXNET_HOST_CACHE - 1);

	if (dp->host_cache_fd >= 0 && !bpf_map_lookup_elem(dp->host_cache_fd, &idx, &c) &&
	    c.ifindex == ifindex) {
		memset(&c, 0, sizeof(c));
		bpf_map_update_elem(dp->host_cache_fd, &idx, &c, BPF_ANY);
	}
	return bpf_map_delete_elem(dp->hosts_fd, &ifindex);
}

int azlx_dp_uplink_add(struct azlx_dp *dp, __u32 ifindex, bool *created, struct azlx_err *e)
{
	__u32 slot;

	return azlx_dp_slot_add(dp, dp->uplinks_fd, "azlxnet_uplinks", ifindex, &slot, created,
				e);
}

int azlx_dp_uplink_del(struct azlx_dp *dp, __u32 ifindex)
{
	return bpf_map_delete_elem(dp->uplinks_fd, &ifindex);
}

int azlx_dp_uplinks(struct azlx_dp *dp, __u32 **v, size_t *n, struct azlx_err *e)
{
	return azlx_u32_keys(dp->uplinks_fd, sizeof(struct azlxnet_uplink), "azlxnet_uplinks",
			     v, n, e);
}

static bool azlx_ifindex_exists(__u32 ifindex)
{
	char name[IF_NAMESIZE];

	return if_indextoname(ifindex, name) != NULL;
}

/* Unpins tcx links whose device is gone (they are defunct). */
static int azlx_dp_prune_links(void)
{
	char path[512];
	struct dirent *d;
	int gone = 0;
	long ifindex;
	char *end;
	DIR *dh;

	dh = opendir(azlx_dp_dir());
	if (!dh)
		return 0;
	while ((d = readdir(dh))) {
		struct bpf_link_info info;
		__u32 len = sizeof(info);
		bool dead;
		int fd;

		if (strncmp(d->d_name, AZLX_PIN_TCX, strlen(AZLX_PIN_TCX)))
			continue;
		ifindex = strtol(d->d_name + strlen(AZLX_PIN_TCX), &end, 10);
		snprintf(path, sizeof(path), "%s/%s", azlx_dp_dir(), d->d_name);
		dead = *end || ifindex <= 0 || !azlx_ifindex_exists((__u32)ifindex);
		if (!dead) {
			/* the ifindex may be a new device's: is the link still on one? */
			fd = bpf_obj_get(path);
			memset(&info, 0, sizeof(info));
			dead = fd >= 0 && !bpf_link_get_info_by_fd(fd, &info, &len) &&
			       !info.tcx.ifindex;
			if (fd >= 0)
				close(fd);
		}
		if (dead && !unlink(path))
			gone++;
	}
	closedir(dh);
	return gone;
}

int azlx_dp_prune_gone(struct azlx_dp *dp, struct azlx_err *e)
{
	struct azlx_ep_list eps;
	__u32 *v = NULL, slot;
	size_t n = 0, i, j;
	int err, gone = 0;
	bool used;

	if (dp->ep4_fd < 0 || dp->uplinks_fd < 0)
		return 0;
	err = azlx_dp_uplinks(dp, &v, &n, e);
	for (i = 0; !err && i < n; i++) {
		if (azlx_ifindex_exists(v[i]))
			continue;
		err = azlx_dp_uplink_del(dp, v[i]);
		if (err == -ENOENT)
			err = 0;
		else if (err)
			err = azlx_fail(e, -err, "cannot delete from azlxnet_uplinks: %s",
					strerror(-err));
		else
			gone++;
	}
	free(v);
	v = NULL;
	if (err)
		return err;

	err = azlx_dp_endpoints(dp, &eps, e);
	for (i = 0; !err && i < eps.n; i++) {
		if (azlx_ifindex_exists(eps.v[i].ep.host_ifindex))
			continue;
		err = azlx_dp_ep_del(dp, &eps.v[i].key);
		if (err == -ENOENT)
			err = 0;
		else if (err)
			err = azlx_fail(e, -err, "cannot delete an endpoint: %s", strerror(-err));
		else
			gone++;
	}
	/* hosts: a slot no endpoint uses any more */
	if (!err)
		err = azlx_u32_keys(dp->hosts_fd, sizeof(struct azlxnet_host), "azlxnet_hosts",
				    &v, &n, e);
	for (i = 0; !err && i < n; i++) {
		used = false;
		for (j = 0; j < eps.n && !used; j++)
			used = eps.v[j].ep.host_ifindex == v[i] &&
			       azlx_ifindex_exists(v[i]);
		if (used || azlx_dp_host_get(dp, v[i], &slot))
			continue;
		err = azlx_dp_host_del(dp, v[i]);
		if (err == -ENOENT)
			err = 0;
		else if (err)
			err = azlx_fail(e, -err, "cannot delete from azlxnet_hosts: %s",
					strerror(-err));
	}
	free(v);
	azlx_ep_list_free(&eps);
	if (!err)
		gone += azlx_dp_prune_links();
	return err ? err : gone;
}

void azlx_dp_tidy(struct azlx_dp *dp)
{
	struct azlx_err e = { 0 };
	int gone;

	gone = azlx_dp_prune_gone(dp, &e);
	if (gone < 0)
		azlx_warn("%s", e.msg);
	else if (gone)
		azlx_note("removed %d map entr%s of interfaces that are gone", gone,
			  gone == 1 ? "y" : "ies");
	azlx_dp_gc(dp, &e);
}

/* Migration */

/* The legacy endpoint key: family, pad, four words. */
struct azlx_legacy_key {
	__u8	family;
	__u8	pad[3];
	__u32	addr[4];
};

struct azlx_migrate {
	struct azlx_dp		*dp;
	struct azlx_err		*e;
	int			family;		/* 0: legacy keys */
	size_t			moved;
};

/* Puts one endpoint of the other state into ours, with a slot of ours. */
static int azlx_migrate_ep_cb(const void *k, const void *v, void *arg)
{
	struct azlx_migrate *m = arg;
	struct azlxnet_ep_key key;
	struct azlxnet_ep ep, cur;
	bool created;
	int err;

	memset(&key, 0, sizeof(key));
	if (m->family) {
		key.family = m->family;
		memcpy(key.addr, k, m->family == AF_INET ? 4 : 16);
	} else {
		const struct azlx_legacy_key *lk = k;

		key.family = lk->family;
		memcpy(key.addr, lk->addr, sizeof(key.addr));
		if (key.family != AF_INET && key.family != AF_INET6)
			return 0;
	}
	/* what this build has already is newer */
	if (!azlx_dp_ep_get(m->dp, &key, &cur))
		return 0;
	memset(&ep, 0, sizeof(ep));
	memcpy(&ep, v, offsetof(struct azlxnet_ep, slot));
	err = azlx_dp_host_add(m->dp, ep.host_ifindex, &ep.slot, &created, m->e);
	if (err)
		return err;
	err = azlx_dp_ep_put(m->dp, &key, &ep);
	if (err)
		return azlx_fail(m->e, -err, "cannot add an endpoint: %s", strerror(-err));
	m->moved++;
	return 0;
}

static int azlx_migrate_uplink_cb(const void *k, const void *v, void *arg)
{
	struct azlx_migrate *m = arg;
	bool created;

	(void)v;
	return azlx_dp_uplink_add(m->dp, *(const __u32 *)k, &created, m->e);
}

/* Walks map @name of the other state in @dir with @cb. */
static int azlx_migrate_map(struct azlx_migrate *m, const char *dir, const char *name,
			    int (*cb)(const void *, const void *, void *))
{
	struct bpf_map_info info;
	__u32 len = sizeof(info);
	char path[512];
	int fd, err;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = bpf_obj_get(path);
	if (fd < 0)
		return errno == ENOENT ? 0 : azlx_fail(m->e, errno, "cannot open %s: %s", path,
							strerror(errno));
	memset(&info, 0, sizeof(info));
	err = bpf_map_get_info_by_fd(fd, &info, &len);
	if (!err && cb == azlx_migrate_ep_cb && info.value_size < offsetof(struct azlxnet_ep, slot))
		err = -EPROTO;
	if (!err)
		err = azlx_map_walk(fd, info.key_size, info.value_size, cb, m);
	close(fd);
	if (err && !m->e->msg[0])
		azlx_fail(m->e, -err, "cannot read %s: %s", path, strerror(-err));
	return err;
}

/*
 * Every device with a program of ours on its ingress gets the same kind
 * from this build, in place.
 */
/* Our azlxkit program on the pair whose primary is @ifindex, if any, to ours now. */
static int azlx_dp_move_kit(struct azlx_dp *dp, __u32 ifindex, struct azlx_err *e)
{
	__u32 id;
	int err;

	if (!azlx_dp_module_loaded())
		return 0;
	err = azlx_kit_prog_ours(ifindex, &id, e);
	if (err <= 0)
		return err;	/* not an azlxkit primary, or not ours */
	if (dp->from_kit_fd < 0)
		return azlx_fail(e, EOPNOTSUPP, "cannot move the fast path of the azlxkit pair of "
				 "ifindex %u: no azlxkit program (a module without "
				 "bpf_azlxkit_redirect()?)", ifindex);
	return azlx_kit_prog_set(ifindex, AZLXNET_KIT_END_PEER, dp->from_kit_fd, id, e);
}

static int azlx_dp_move_attachments(struct azlx_dp *dp, struct azlx_err *e)
{
	struct if_nameindex *ifs, *it;
	struct azlx_tc_prog p;
	int err = 0, fd;

	ifs = if_nameindex();
	if (!ifs)
		return azlx_fail(e, errno, "cannot list the interfaces: %s", strerror(errno));
	for (it = ifs; !err && it->if_index; it++) {
		err = azlx_dp_move_kit(dp, it->if_index, e);
		if (err)
			break;
		err = azlx_tc_query((int)it->if_index, &p, e);
		if (err == -ENOENT) {
			err = 0;
			continue;
		}
		if (err || p.kind == AZLX_TC_FOREIGN)
			continue;
		fd = p.kind == AZLX_TC_FROM_POD ? dp->from_pod_fd : dp->to_pod_fd;
		err = azlx_tc_attach((int)it->if_index, fd, e);
		/* the pin of a tcx link of the other state's goes with its directory */
	}
	if_freenameindex(ifs);
	return err;
}

static int azlx_dp_migrate(struct azlx_dp *dp, const char *id, struct azlx_err *e)
{
	struct azlx_migrate m = { .dp = dp, .e = e };
	struct azlx_dp_meta meta;
	char dir[160];
	__u32 zero = 0;
	size_t i;
	int err;

	if (!strcmp(id, AZLX_LEGACY)) {
		snprintf(dir, sizeof(dir), "%s", AZLXNET_PIN_DIR);
		err = azlx_migrate_map(&m, dir, "azlxnet_endpoints", azlx_migrate_ep_cb);
	} else {
		snprintf(dir, sizeof(dir), "%s/%.63s", AZLXNET_PIN_DIR, id);
		m.family = AF_INET;
		err = azlx_migrate_map(&m, dir, "azlxnet_ep4", azlx_migrate_ep_cb);
		m.family = AF_INET6;
		if (!err)
			err = azlx_migrate_map(&m, dir, "azlxnet_ep6", azlx_migrate_ep_cb);
	}
	if (!err)
		err = azlx_migrate_map(&m, dir, "azlxnet_uplinks", azlx_migrate_uplink_cb);
	/* every entry is in our maps: now the programs that use them */
	if (!err)
		err = azlx_dp_move_attachments(dp, e);
	if (err)
		return err;
	if (!strcmp(id, AZLX_LEGACY)) {
		for (i = 0; i < sizeof(azlx_legacy_pins) / sizeof(azlx_legacy_pins[0]); i++) {
			char path[256];

			snprintf(path, sizeof(path), "%s/%s", AZLXNET_PIN_DIR,
				 azlx_legacy_pins[i]);
			if (unlink(path) && errno != ENOENT)
				azlx_warn("cannot unpin %s: %s", path, strerror(errno));
		}
	} else {
		azlx_dp_rm_dir(dir);
	}
	if (dp->meta_fd >= 0 && !azlx_dp_meta_get(dp, &meta)) {
		meta.migrated = (__u64)time(NULL);
		snprintf(meta.from, sizeof(meta.from), "%.47s", id);
		bpf_map_update_elem(dp->meta_fd, &zero, &meta, BPF_ANY);
	}
	dp->migrated++;
	azlx_note("moved the fast path state of %s to %s: %zu endpoint entr%s; counters restart",
		  id, azlx_dp_identity(), m.moved, m.moved == 1 ? "y" : "ies");
	return 0;
}
