// SPDX-License-Identifier: GPL-2.0-only
/*
 * The fast path's programs, pinned maps and tc attachments, through libbpf.
 */
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
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/magic.h>

#include "azlxnet.h"
#include "datapath.h"
#include "fastpath.skel.h"
#include "fastpath_nomod.skel.h"
#include "print.h"
#include "sysfs.h"

#define AZLX_PIN_PARENT		"/sys/fs/bpf"
#define AZLX_PIN_ENDPOINTS	AZLXNET_PIN_DIR "/azlxnet_endpoints"
/*
 * The loaded programs are pinned too, one pair per variant: loading means
 * parsing the kernel's BTF and running the verifier, which is most of the
 * time a pod add (a CNI ADD) takes; later adds reuse the pinned program.
 */
#define AZLX_PIN_PROG_FROM_MOD		AZLXNET_PIN_DIR "/prog_from_pod"
#define AZLX_PIN_PROG_TO_MOD		AZLXNET_PIN_DIR "/prog_to_pod"
#define AZLX_PIN_PROG_FROM_NOMOD	AZLXNET_PIN_DIR "/prog_from_pod_nomod"
#define AZLX_PIN_PROG_TO_NOMOD		AZLXNET_PIN_DIR "/prog_to_pod_nomod"
#define AZLX_PIN_STATS		AZLXNET_PIN_DIR "/azlxnet_ep_stats"
#define AZLX_PIN_UPLINKS	AZLXNET_PIN_DIR "/azlxnet_uplinks"
/* the pin directory may be removed under a waiter: it then starts over */
#define AZLX_LOCK_TRIES		8

_Static_assert(sizeof(struct azlxnet_ep_stats) % 8 == 0,
	       "per-CPU values are copied 8-byte aligned");

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
	dp->endpoints_fd = -1;
	dp->stats_fd = -1;
	dp->uplinks_fd = -1;
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
 * One loader per skeleton type: opens it with the maps pinned by name under
 * AZLXNET_PIN_DIR, loads the programs of @progs only.
 */
#define AZLX_DP_LOADER(skel_t, variant_)						\
static int azlx_dp_load_##skel_t(struct azlx_dp *dp, unsigned int progs)		\
{											\
	LIBBPF_OPTS(bpf_object_open_opts, oo, .pin_root_path = AZLXNET_PIN_DIR);	\
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
	dp->endpoints_fd = bpf_map__fd(s->maps.azlxnet_endpoints);			\
	dp->stats_fd = bpf_map__fd(s->maps.azlxnet_ep_stats);				\
	dp->uplinks_fd = bpf_map__fd(s->maps.azlxnet_uplinks);				\
	return 0;									\
}

AZLX_DP_LOADER(fastpath, AZLX_DP_MOD)
AZLX_DP_LOADER(fastpath_nomod, AZLX_DP_NOMOD)

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

/* Pin what a skeleton load produced; a failure only costs the next load. */
static void azlx_dp_pin_progs(struct azlx_dp *dp)
{
	bool mod = dp->variant == AZLX_DP_MOD;

	if (dp->from_pod_fd >= 0 &&
	    bpf_obj_pin(dp->from_pod_fd, mod ? AZLX_PIN_PROG_FROM_MOD : AZLX_PIN_PROG_FROM_NOMOD) &&
	    errno != EEXIST)
		azlx_warn("cannot pin the from-pod program: %s", strerror(errno));
	if (dp->to_pod_fd >= 0 &&
	    bpf_obj_pin(dp->to_pod_fd, mod ? AZLX_PIN_PROG_TO_MOD : AZLX_PIN_PROG_TO_NOMOD) &&
	    errno != EEXIST)
		azlx_warn("cannot pin the to-pod program: %s", strerror(errno));
}

/* The pinned programs of @variant and the pinned maps, if all are there. */
static int azlx_dp_get_pinned(struct azlx_dp *dp, unsigned int progs,
			      enum azlx_dp_variant variant, struct azlx_err *e)
{
	bool mod = variant == AZLX_DP_MOD;
	int from = -1, to = -1;

	if (progs & AZLX_DP_FROM_POD) {
		from = bpf_obj_get(mod ? AZLX_PIN_PROG_FROM_MOD : AZLX_PIN_PROG_FROM_NOMOD);
		if (from < 0)
			return -ENOENT;
	}
	if (progs & AZLX_DP_TO_POD) {
		to = bpf_obj_get(mod ? AZLX_PIN_PROG_TO_MOD : AZLX_PIN_PROG_TO_NOMOD);
		if (to < 0) {
			if (from >= 0)
				close(from);
			return -ENOENT;
		}
	}
	if (azlx_dp_maps_get(dp, e)) {
		if (from >= 0)
			close(from);
		if (to >= 0)
			close(to);
		return -ENOENT;
	}
	dp->variant = variant;
	dp->skel = NULL;
	dp->from_pod_fd = from;
	dp->to_pod_fd = to;
	return 0;
}

int azlx_dp_load(struct azlx_dp *dp, unsigned int progs, struct azlx_err *e)
{
	struct azlx_err ignored = {};
	char why[256];
	int err = 0;

	if (dp->ncpus <= 0)
		return azlx_fail(e, -dp->ncpus, "cannot count the possible CPUs");
	if (!azlx_dp_get_pinned(dp, progs, azlx_dp_module_loaded() ? AZLX_DP_MOD :
				AZLX_DP_NOMOD, &ignored))
		return 0;

	azlx_libbpf_warn[0] = '\0';
	if (azlx_dp_module_loaded()) {
		err = azlx_dp_load_fastpath(dp, progs);
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
	azlx_dp_pin_progs(dp);
	return 0;
}

/* A pinned map, checked against what the programs expect. */
static int azlx_dp_map_get(const char *path, __u32 key_size, __u32 value_size, int *fd,
			   struct azlx_err *e)
{
	struct bpf_map_info info;
	__u32 len = sizeof(info);
	int err;

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
		return azlx_fail(e, EPROTO, "the map %s is not the one this version uses "
				 "(key %u, value %u bytes; expected %u, %u)", path,
				 info.key_size, info.value_size, key_size, value_size);
	return 0;
}

int azlx_dp_maps_get(struct azlx_dp *dp, struct azlx_err *e)
{
	int err;

	dp->own_map_fds = true;
	err = azlx_dp_map_get(AZLX_PIN_ENDPOINTS, sizeof(struct azlxnet_ep_key),
			      sizeof(struct azlxnet_ep), &dp->endpoints_fd, e);
	if (!err)
		err = azlx_dp_map_get(AZLX_PIN_STATS, sizeof(__u32),
				      sizeof(struct azlxnet_ep_stats), &dp->stats_fd, e);
	if (!err)
		err = azlx_dp_map_get(AZLX_PIN_UPLINKS, sizeof(__u32), sizeof(__u32),
				      &dp->uplinks_fd, e);
	if (dp->ncpus <= 0 && !err)
		err = azlx_fail(e, -dp->ncpus, "cannot count the possible CPUs");
	if (err) {
		/* all or none */
		close(dp->endpoints_fd);
		close(dp->stats_fd);
		close(dp->uplinks_fd);
		dp->endpoints_fd = dp->stats_fd = dp->uplinks_fd = -1;
		dp->own_map_fds = false;
	}
	return err;
}

static bool azlx_dp_map_empty(int fd, __u32 key_size)
{
	char key[64];

	if (key_size > sizeof(key))
		return false;
	return bpf_map_get_next_key(fd, NULL, key) == -ENOENT;
}

int azlx_dp_gc(struct azlx_dp *dp, struct azlx_err *e)
{
	static const char *const pins[] = { AZLX_PIN_ENDPOINTS, AZLX_PIN_STATS,
					    AZLX_PIN_UPLINKS, AZLX_PIN_PROG_FROM_MOD,
					    AZLX_PIN_PROG_TO_MOD, AZLX_PIN_PROG_FROM_NOMOD,
					    AZLX_PIN_PROG_TO_NOMOD };
	size_t i;

	(void)e;
	/* without maps, only the directory the lock made is left to remove */
	if ((dp->endpoints_fd < 0) != (dp->uplinks_fd < 0))
		return 0;
	if (dp->endpoints_fd >= 0) {
		if (!azlx_dp_map_empty(dp->endpoints_fd, sizeof(struct azlxnet_ep_key)) ||
		    !azlx_dp_map_empty(dp->uplinks_fd, sizeof(__u32)))
			return 0;
		for (i = 0; i < sizeof(pins) / sizeof(pins[0]); i++) {
			if (unlink(pins[i]) && errno != ENOENT)
				azlx_warn("cannot unpin %s: %s", pins[i], strerror(errno));
		}
	}
	/* something else pinned there stays, and so does the directory */
	if (rmdir(AZLXNET_PIN_DIR) && errno != ENOENT && errno != ENOTEMPTY)
		azlx_warn("cannot remove %s: %s", AZLXNET_PIN_DIR, strerror(errno));
	return 1;
}

void azlx_dp_close(struct azlx_dp *dp)
{
	if (dp->own_map_fds) {
		close(dp->endpoints_fd);
		close(dp->stats_fd);
		close(dp->uplinks_fd);
	}
	if (!dp->skel) {
		/* programs from their pins: the fds are ours */
		if (dp->from_pod_fd >= 0)
			close(dp->from_pod_fd);
		if (dp->to_pod_fd >= 0)
			close(dp->to_pod_fd);
	} else if (dp->variant == AZLX_DP_MOD) {
		fastpath__destroy(dp->skel);
	} else if (dp->variant == AZLX_DP_NOMOD) {
		fastpath_nomod__destroy(dp->skel);
	}
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

int azlx_tc_query(int ifindex, struct azlx_tc_prog *p, struct azlx_err *e)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex, .attach_point = BPF_TC_INGRESS);
	LIBBPF_OPTS(bpf_tc_opts, opts, .handle = AZLXNET_TC_HANDLE,
		    .priority = AZLXNET_TC_PRIO);
	int err, fd;

	memset(p, 0, sizeof(*p));
	err = bpf_tc_query(&hook, &opts);
	/* EINVAL: no clsact qdisc to look in */
	if (err == -ENOENT || err == -EINVAL)
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

int azlx_tc_attach(int ifindex, int prog_fd, struct azlx_err *e)
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

int azlx_tc_detach(int ifindex, struct azlx_err *e)
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

/* Maps */

/* Upper bound on a walk, should entries come and go under it. */
#define AZLX_WALK_MAX	(4 * AZLXNET_ENDPOINTS_MAX)

int azlx_dp_endpoints(struct azlx_dp *dp, struct azlx_ep_list *l, struct azlx_err *e)
{
	struct azlxnet_ep_key cur, next;
	struct azlx_ep_entry *v;
	size_t cap = 0, walked = 0;
	bool first = true;
	int err;

	memset(l, 0, sizeof(*l));
	if (dp->endpoints_fd < 0)
		return 0;
	while (!(err = bpf_map_get_next_key(dp->endpoints_fd, first ? NULL : &cur, &next))) {
		first = false;
		cur = next;
		if (++walked > AZLX_WALK_MAX)
			break;
		if (l->n == cap) {
			cap = cap ? 2 * cap : 16;
			v = realloc(l->v, cap * sizeof(*v));
			if (!v) {
				azlx_ep_list_free(l);
				return azlx_fail(e, ENOMEM, "out of memory");
			}
			l->v = v;
		}
		l->v[l->n].key = next;
		err = bpf_map_lookup_elem(dp->endpoints_fd, &next, &l->v[l->n].ep);
		if (err == -ENOENT)
			continue;	/* deleted in between */
		if (err) {
			azlx_ep_list_free(l);
			return azlx_fail(e, -err, "cannot read azlxnet_endpoints: %s",
					 strerror(-err));
		}
		l->n++;
	}
	if (err && err != -ENOENT) {
		azlx_ep_list_free(l);
		return azlx_fail(e, -err, "cannot walk azlxnet_endpoints: %s", strerror(-err));
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

int azlx_dp_stats(struct azlx_dp *dp, __u32 ifindex, struct azlxnet_ep_stats *sum,
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
	err = bpf_map_lookup_elem(dp->stats_fd, &ifindex, buf);
	if (!err)
		azlx_stats_sum(buf, dp->ncpus, stride, sum);
	free(buf);
	if (err == -ENOENT)
		return -ENOENT;
	if (err)
		return azlx_fail(e, -err, "cannot read azlxnet_ep_stats: %s", strerror(-err));
	return 0;
}

static int azlx_u32_cmp(const void *a, const void *b)
{
	__u32 x = *(const __u32 *)a, y = *(const __u32 *)b;

	return (x > y) - (x < y);
}

/* The keys of a map keyed by __u32, sorted. */
static int azlx_dp_u32_keys(int fd, const char *name, __u32 **v, size_t *n,
			    struct azlx_err *e)
{
	size_t cap = 0, walked = 0;
	__u32 cur = 0, next;
	bool first = true;
	__u32 *nv;
	int err;

	*v = NULL;
	*n = 0;
	if (fd < 0)
		return 0;
	while (!(err = bpf_map_get_next_key(fd, first ? NULL : &cur, &next))) {
		first = false;
		cur = next;
		if (++walked > AZLX_WALK_MAX)
			break;
		if (*n == cap) {
			cap = cap ? 2 * cap : 16;
			nv = realloc(*v, cap * sizeof(**v));
			if (!nv) {
				free(*v);
				*v = NULL;
				*n = 0;
				return azlx_fail(e, ENOMEM, "out of memory");
			}
			*v = nv;
		}
		(*v)[(*n)++] = next;
	}
	if (err && err != -ENOENT) {
		free(*v);
		*v = NULL;
		*n = 0;
		return azlx_fail(e, -err, "cannot walk %s: %s", name, strerror(-err));
	}
	if (*n > 1)
		qsort(*v, *n, sizeof(**v), azlx_u32_cmp);
	return 0;
}

int azlx_dp_uplinks(struct azlx_dp *dp, __u32 **v, size_t *n, struct azlx_err *e)
{
	return azlx_dp_u32_keys(dp->uplinks_fd, "azlxnet_uplinks", v, n, e);
}

int azlx_dp_prune_stats(struct azlx_dp *dp, struct azlx_err *e)
{
	struct azlx_ep_list eps;
	size_t n = 0, i, j;
	__u32 *keys;
	bool used;
	int err;

	if (dp->stats_fd < 0)
		return 0;
	err = azlx_dp_endpoints(dp, &eps, e);
	if (err)
		return err;
	err = azlx_dp_u32_keys(dp->stats_fd, "azlxnet_ep_stats", &keys, &n, e);
	for (i = 0; !err && i < n; i++) {
		used = false;
		for (j = 0; j < eps.n && !used; j++)
			used = eps.v[j].ep.host_ifindex == keys[i];
		if (!used && bpf_map_delete_elem(dp->stats_fd, &keys[i]) &&
		    errno != ENOENT)
			err = azlx_fail(e, errno, "cannot delete from azlxnet_ep_stats: %s",
					strerror(errno));
	}
	free(keys);
	azlx_ep_list_free(&eps);
	return err;
}

static bool azlx_ifindex_exists(__u32 ifindex)
{
	char name[IF_NAMESIZE];

	return if_indextoname(ifindex, name) != NULL;
}

int azlx_dp_prune_gone(struct azlx_dp *dp, struct azlx_err *e)
{
	struct azlx_ep_list eps;
	__u32 *up = NULL;
	size_t n = 0, i;
	int err, gone = 0;

	if (dp->endpoints_fd < 0 || dp->uplinks_fd < 0)
		return 0;
	err = azlx_dp_uplinks(dp, &up, &n, e);
	for (i = 0; !err && i < n; i++) {
		if (azlx_ifindex_exists(up[i]))
			continue;
		err = bpf_map_delete_elem(dp->uplinks_fd, &up[i]);
		if (err == -ENOENT)
			err = 0;
		else if (err)
			err = azlx_fail(e, -err, "cannot delete from azlxnet_uplinks: %s",
					strerror(-err));
		else
			gone++;
	}
	free(up);
	if (err)
		return err;

	err = azlx_dp_endpoints(dp, &eps, e);
	for (i = 0; !err && i < eps.n; i++) {
		if (azlx_ifindex_exists(eps.v[i].ep.host_ifindex))
			continue;
		err = bpf_map_delete_elem(dp->endpoints_fd, &eps.v[i].key);
		if (err == -ENOENT)
			err = 0;
		else if (err)
			err = azlx_fail(e, -err, "cannot delete from azlxnet_endpoints: %s",
					strerror(-err));
		else
			gone++;
	}
	azlx_ep_list_free(&eps);
	if (!err)
		err = azlx_dp_prune_stats(dp, e);
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
