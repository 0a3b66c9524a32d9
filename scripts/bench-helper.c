// SPDX-License-Identifier: GPL-2.0-only
/*
 * What the network benchmark needs and neither iproute2 6.1 nor bpftool does
 * (built and packed by scripts/bench, run inside the VM):
 *
 *   bench-helper netkit-add NAME PEER NETNS
 *       an L3 netkit pair without programs: NAME here, PEER in NETNS
 *       (iproute2 learnt "type netkit" in 6.7)
 *   bench-helper netkit-fp OBJ PIN-DIR DEV ADDR POD-MAC [DEV ADDR POD-MAC]...
 *       the fast path's azlxnet_from_kit built for netkit (OBJ, see
 *       scripts/bench) on the peer of each netkit pair DEV (the primary,
 *       here; BPF_NETKIT_PEER: it runs in the pod's transmit), with maps of
 *       its own pinned in PIN-DIR holding each pod: IPv4 ADDR, its MAC
 *       POD-MAC, its slot (the pod's place in the list); links pinned there
 *       as link_<ifindex>
 *   bench-helper tc-redirect DEV TARGET-IFINDEX peer|plain DMAC SMAC
 *       attach the minimal redirect program (bench-redirect.bpf.c) on
 *       tc ingress of DEV
 *   bench-helper fp-replace DEV PINNED-PROG STATE-DIR
 *       put a pinned program in the fast path's place on ingress of DEV:
 *       update the tool's tcx link (STATE-DIR/tcx_<ifindex>, tcx kernels)
 *       or replace its clsact filter (AZLXNET_TC_HANDLE/PRIO, other kernels)
 *   bench-helper prog-run PROG IFINDEX SRC DST VERDICT [RUNS]
 *       BPF_PROG_TEST_RUN of the tc program PROG (a name of a loaded
 *       program, cut to 15 characters, or a pinned path) on a 64-byte TCP
 *       payload over IPv4 from SRC to DST that arrived on IFINDEX, sent to
 *       that device's MAC address (pkt_type PACKET_HOST); fails unless
 *       every run returns VERDICT (e.g. 7, TC_ACT_REDIRECT); prints the
 *       program's size, the verifier's count and ns per run (median and
 *       minimum of RUNS batches)
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "bench-redirect.skel.h"
#include "fastpath.h"

/* From linux/if_link.h of 6.7+ (the build host's uapi headers may be 6.1). */
#define BENCH_IFLA_NETKIT_PEER_INFO	1
#define BENCH_IFLA_NETKIT_MODE		5
#define BENCH_NETKIT_L3			1

#define BENCH_TC_HANDLE		0xbe1c
#define BENCH_TC_PRIO		1
/* The programs decrement the TTL: one batch must not exhaust it. */
#define BENCH_BATCH		200

static int usage(void)
{
	fprintf(stderr,
		"usage: bench-helper netkit-add NAME PEER NETNS\n"
		"       bench-helper netkit-fp OBJ PIN-DIR DEV ADDR POD-MAC [DEV ADDR POD-MAC]...\n"
		"       bench-helper tc-redirect DEV TARGET-IFINDEX peer|plain DMAC SMAC\n"
		"       bench-helper fp-replace DEV PINNED-PROG STATE-DIR\n"
		"       bench-helper prog-run PROG IFINDEX SRC DST VERDICT [RUNS]\n");
	return 2;
}

static int err_out(const char *what, int err)
{
	fprintf(stderr, "Error: %s: %s\n", what, strerror(err < 0 ? -err : err));
	return 1;
}

/* --- netkit over rtnetlink ------------------------------------------------ */

struct nl_req {
	struct nlmsghdr	nh;
	struct ifinfomsg ifi;
	char		buf[512];
};

static struct rtattr *nl_put(struct nlmsghdr *nh, unsigned short type,
			     const void *data, size_t len)
{
	struct rtattr *rta = (void *)((char *)nh + NLMSG_ALIGN(nh->nlmsg_len));

	rta->rta_type = type;
	rta->rta_len = RTA_LENGTH(len);
	if (len)
		memcpy(RTA_DATA(rta), data, len);
	nh->nlmsg_len = NLMSG_ALIGN(nh->nlmsg_len) + RTA_ALIGN(rta->rta_len);
	return rta;
}

static void nl_end(struct nlmsghdr *nh, struct rtattr *nest)
{
	nest->rta_len = (char *)nh + nh->nlmsg_len - (char *)nest;
}

static int netkit_add(const char *name, const char *peer, const char *netns)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	struct rtattr *linkinfo, *data, *peerinfo;
	struct ifinfomsg peer_ifi = {};
	struct nl_req req = {};
	__u32 mode = BENCH_NETKIT_L3;
	char path[256], ans[4096];
	struct nlmsgerr *e;
	int fd, nsfd, err;
	__u32 nsfd32;
	ssize_t n;

	if (strlen(name) >= IFNAMSIZ || strlen(peer) >= IFNAMSIZ)
		return err_out("interface name too long", EINVAL);
	snprintf(path, sizeof(path), "/run/netns/%s", netns);
	nsfd = open(path, O_RDONLY | O_CLOEXEC);
	if (nsfd < 0)
		return err_out(path, errno);
	nsfd32 = nsfd;

	req.nh.nlmsg_len = NLMSG_LENGTH(sizeof(req.ifi));
	req.nh.nlmsg_type = RTM_NEWLINK;
	req.nh.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL;
	req.ifi.ifi_family = AF_UNSPEC;
	nl_put(&req.nh, IFLA_IFNAME, name, strlen(name) + 1);
	linkinfo = nl_put(&req.nh, IFLA_LINKINFO, NULL, 0);
	nl_put(&req.nh, IFLA_INFO_KIND, "netkit", sizeof("netkit"));
	data = nl_put(&req.nh, IFLA_INFO_DATA, NULL, 0);
	nl_put(&req.nh, BENCH_IFLA_NETKIT_MODE, &mode, sizeof(mode));
	peerinfo = nl_put(&req.nh, BENCH_IFLA_NETKIT_PEER_INFO, &peer_ifi,
			  sizeof(peer_ifi));
	nl_put(&req.nh, IFLA_IFNAME, peer, strlen(peer) + 1);
	nl_put(&req.nh, IFLA_NET_NS_FD, &nsfd32, sizeof(nsfd32));
	nl_end(&req.nh, peerinfo);
	nl_end(&req.nh, data);
	nl_end(&req.nh, linkinfo);

	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (fd < 0)
		return err_out("netlink socket", errno);
	if (sendto(fd, &req, req.nh.nlmsg_len, 0, (struct sockaddr *)&sa,
		   sizeof(sa)) < 0) {
		err = errno;
		close(fd);
		return err_out("RTM_NEWLINK", err);
	}
	n = recv(fd, ans, sizeof(ans), 0);
	err = n < 0 ? errno : 0;
	close(fd);
	close(nsfd);
	if (err)
		return err_out("netlink answer", err);
	e = NLMSG_DATA((struct nlmsghdr *)ans);
	if (((struct nlmsghdr *)ans)->nlmsg_type != NLMSG_ERROR)
		return err_out("netlink answer", EPROTO);
	if (e->error)
		return err_out("creating the netkit pair", e->error);
	return 0;
}

/* --- the minimal redirect program ----------------------------------------- */

static int parse_mac(const char *s, __u8 *mac)
{
	unsigned int b[6];
	int i;

	if (sscanf(s, "%x:%x:%x:%x:%x:%x", &b[0], &b[1], &b[2], &b[3], &b[4],
		   &b[5]) != 6)
		return -1;
	for (i = 0; i < 6; i++)
		mac[i] = b[i];
	return 0;
}

static int tc_redirect(char **argv)
{
	unsigned int dev = if_nametoindex(argv[0]);
	DECLARE_LIBBPF_OPTS(bpf_tc_hook, hook, .attach_point = BPF_TC_INGRESS);
	DECLARE_LIBBPF_OPTS(bpf_tc_opts, opts, .handle = BENCH_TC_HANDLE,
			    .priority = BENCH_TC_PRIO);
	struct bench_redirect_bpf *skel;
	int err;

	if (!dev)
		return err_out(argv[0], errno);
	skel = bench_redirect_bpf__open();
	if (!skel)
		return err_out("opening the redirect program", errno);
	skel->rodata->bench_ifindex = strtoul(argv[1], NULL, 0);
	skel->rodata->bench_peer = strcmp(argv[2], "plain") != 0;
	if (parse_mac(argv[3], skel->rodata->bench_dmac) ||
	    parse_mac(argv[4], skel->rodata->bench_smac)) {
		bench_redirect_bpf__destroy(skel);
		return err_out("MAC address", EINVAL);
	}
	err = bench_redirect_bpf__load(skel);
	if (err) {
		bench_redirect_bpf__destroy(skel);
		return err_out("loading the redirect program", err);
	}
	hook.ifindex = dev;
	err = bpf_tc_hook_create(&hook);
	if (err && err != -EEXIST) {
		bench_redirect_bpf__destroy(skel);
		return err_out("clsact", err);
	}
	opts.prog_fd = bpf_program__fd(skel->progs.bench_redirect);
	opts.flags = BPF_TC_F_REPLACE;
	err = bpf_tc_attach(&hook, &opts);
	/* The tc filter holds the program from now on. */
	bench_redirect_bpf__destroy(skel);
	return err ? err_out("attaching the redirect program", err) : 0;
}

/* --- the fast path's program on netkit ------------------------------------ */

/* The MAC address of device @ifindex. */
static int dev_mac(unsigned int ifindex, __u8 *mac)
{
	struct ifreq ifr = {};
	int fd, err = 0;

	if (!if_indextoname(ifindex, ifr.ifr_name))
		return -errno;
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (ioctl(fd, SIOCGIFHWADDR, &ifr))
		err = -errno;
	else
		memcpy(mac, ifr.ifr_hwaddr.sa_data, 6);
	close(fd);
	return err;
}

static int map_set(struct bpf_object *obj, const char *name, const void *key,
		   const void *val)
{
	struct bpf_map *m = bpf_object__find_map_by_name(obj, name);

	if (!m)
		return -ENOENT;
	return bpf_map_update_elem(bpf_map__fd(m), key, val, BPF_ANY);
}

/*
 * The endpoint of one pod (struct azlxnet_ep's fields, in the maps' own
 * layout: the object was built from the same fastpath.h) and the sender's
 * slot, in the cache array and the hash as the tool writes them.
 */
static int netkit_fp_pod(struct bpf_object *obj, __u32 slot, char **arg)
{
	struct azlxnet_host_cache c = { .slot = slot };
	struct azlxnet_host host = { .slot = slot };
	struct azlxnet_ep ep = { .slot = slot };
	unsigned int dev = if_nametoindex(arg[0]);
	__u32 addr, idx;
	int err;

	if (!dev)
		return err_out(arg[0], errno);
	if (inet_pton(AF_INET, arg[1], &addr) != 1)
		return err_out(arg[1], EINVAL);
	if (parse_mac(arg[2], ep.pod_mac))
		return err_out(arg[2], EINVAL);
	err = dev_mac(dev, ep.host_mac);
	if (err)
		return err_out("the MAC address of DEV", err);
	ep.host_ifindex = dev;
	c.ifindex = dev;
	idx = dev & (AZLXNET_HOST_CACHE - 1);
	err = map_set(obj, "azlxnet_ep4", &addr, &ep);
	if (!err)
		err = map_set(obj, "azlxnet_hosts", &dev, &host);
	if (!err)
		err = map_set(obj, "azlxnet_host_cache", &idx, &c);
	return err ? err_out("filling the maps", err) : 0;
}

static int netkit_fp(int argc, char **argv)
{
	LIBBPF_OPTS(bpf_object_open_opts, oopts, .pin_root_path = argv[1]);
	struct bpf_program *prog, *p;
	struct bpf_object *obj;
	struct bpf_link *link;
	char path[512];
	int err, i;

	if (mkdir(argv[1], 0700) && errno != EEXIST)
		return err_out(argv[1], errno);
	obj = bpf_object__open_file(argv[0], &oopts);
	if (!obj)
		return err_out(argv[0], errno);
	prog = bpf_object__find_program_by_name(obj, "azlxnet_from_kit");
	if (!prog) {
		bpf_object__close(obj);
		return err_out("no azlxnet_from_kit in OBJ", ENOENT);
	}
	bpf_object__for_each_program(p, obj)
		bpf_program__set_autoload(p, p == prog);
	bpf_program__set_expected_attach_type(prog, BPF_NETKIT_PEER);
	err = bpf_object__load(obj);
	if (err) {
		bpf_object__close(obj);
		return err_out("loading OBJ", err);
	}
	for (i = 2; i + 2 < argc; i += 3) {
		if (netkit_fp_pod(obj, (i - 2) / 3, argv + i))
			goto fail;
	}
	for (i = 2; i + 2 < argc; i += 3) {
		unsigned int dev = if_nametoindex(argv[i]);

		link = bpf_program__attach_netkit(prog, dev, NULL);
		if (!link) {
			err_out("attaching to the netkit peer", errno);
			goto fail;
		}
		snprintf(path, sizeof(path), "%s/link_%u", argv[1], dev);
		err = bpf_link__pin(link, path);
		bpf_link__destroy(link);	/* the pin holds it */
		if (err) {
			err_out(path, err);
			goto fail;
		}
	}
	bpf_object__close(obj);		/* the maps stay pinned */
	return 0;
fail:
	bpf_object__close(obj);
	return 1;
}

/*
 * The tool attaches with a tcx link where the kernel has tcx, pinned in its
 * state directory: a clsact filter beside it would run after the link's
 * program, i.e. never for what it redirects. So the link is updated in
 * place; without one, the tool's clsact filter is replaced.
 */
static int fp_replace(char **argv)
{
	unsigned int dev = if_nametoindex(argv[0]);
	DECLARE_LIBBPF_OPTS(bpf_tc_hook, hook, .attach_point = BPF_TC_INGRESS);
	DECLARE_LIBBPF_OPTS(bpf_tc_opts, opts, .handle = AZLXNET_TC_HANDLE,
			    .priority = AZLXNET_TC_PRIO, .flags = BPF_TC_F_REPLACE);
	DECLARE_LIBBPF_OPTS(bpf_tc_opts, cur, .handle = AZLXNET_TC_HANDLE,
			    .priority = AZLXNET_TC_PRIO);
	char link[512];
	int err, link_fd;

	if (!dev)
		return err_out(argv[0], errno);
	opts.prog_fd = bpf_obj_get(argv[1]);
	if (opts.prog_fd < 0)
		return err_out(argv[1], errno);
	snprintf(link, sizeof(link), "%s/tcx_%u", argv[2], dev);
	link_fd = bpf_obj_get(link);
	if (link_fd >= 0) {
		err = bpf_link_update(link_fd, opts.prog_fd, NULL);
		close(link_fd);
		close(opts.prog_fd);
		return err ? err_out("updating the tcx link", err) : 0;
	}
	if (errno != ENOENT) {
		err = errno;
		close(opts.prog_fd);
		return err_out(link, err);
	}
	hook.ifindex = dev;
	/* Replace what is there: no filter of the tool's, no attaching. */
	err = bpf_tc_query(&hook, &cur);
	if (!err)
		err = bpf_tc_attach(&hook, &opts);
	close(opts.prog_fd);
	return err ? err_out("replacing the fast path's tc filter", err) : 0;
}

/* --- BPF_PROG_TEST_RUN ---------------------------------------------------- */

struct bench_pkt {
	__u8	eth[14];
	__u8	ip[20];
	__u8	tcp[20];
	__u8	payload[64];
};

static __u16 ip_csum(const __u8 *p, int len)
{
	__u32 sum = 0;
	int i;

	for (i = 0; i < len; i += 2)
		sum += p[i] << 8 | p[i + 1];
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return ~sum & 0xffff;
}

/*
 * To @dmac, the receiving device's own address: BPF_PROG_TEST_RUN sets
 * pkt_type by eth_type_trans() on the device of the context's ifindex, and
 * azlxnet_to_pod leaves frames for other MACs to the stack.
 */
static int build_pkt(struct bench_pkt *pkt, const __u8 *dmac, const char *src,
		     const char *dst)
{
	static const __u8 smac[6] = { 2, 0, 0, 0, 0, 2 };
	__u16 len = sizeof(*pkt) - sizeof(pkt->eth), csum;

	memset(pkt, 0, sizeof(*pkt));
	memcpy(pkt->eth, dmac, 6);
	memcpy(pkt->eth + 6, smac, sizeof(smac));
	pkt->eth[12] = 0x08;			/* ETH_P_IP */
	pkt->ip[0] = 0x45;
	pkt->ip[2] = len >> 8;
	pkt->ip[3] = len & 0xff;
	pkt->ip[6] = 0x40;			/* DF */
	pkt->ip[8] = 255;			/* TTL: see BENCH_BATCH */
	pkt->ip[9] = IPPROTO_TCP;
	if (inet_pton(AF_INET, src, pkt->ip + 12) != 1 ||
	    inet_pton(AF_INET, dst, pkt->ip + 16) != 1)
		return -1;
	csum = ip_csum(pkt->ip, sizeof(pkt->ip));
	pkt->ip[10] = csum >> 8;
	pkt->ip[11] = csum & 0xff;
	pkt->tcp[0] = 0xc3;			/* ports 50000 -> 5201 */
	pkt->tcp[1] = 0x50;
	pkt->tcp[2] = 0x14;
	pkt->tcp[3] = 0x51;
	pkt->tcp[12] = 5 << 4;
	pkt->tcp[13] = 0x18;			/* PSH, ACK */
	return 0;
}

static int find_prog(const char *name, struct bpf_prog_info *info)
{
	__u32 id = 0, len = sizeof(*info);
	int fd;

	if (name[0] == '/') {
		fd = bpf_obj_get(name);
		if (fd < 0)
			return -errno;
		memset(info, 0, sizeof(*info));
		if (bpf_prog_get_info_by_fd(fd, info, &len)) {
			close(fd);
			return -errno;
		}
		return fd;
	}
	while (!bpf_prog_get_next_id(id, &id)) {
		fd = bpf_prog_get_fd_by_id(id);
		if (fd < 0)
			continue;
		memset(info, 0, sizeof(*info));
		len = sizeof(*info);
		/* Names are cut to BPF_OBJ_NAME_LEN - 1. */
		if (!bpf_prog_get_info_by_fd(fd, info, &len) &&
		    !strncmp(info->name, name, sizeof(info->name) - 1))
			return fd;
		close(fd);
	}
	return -ENOENT;
}

static int cmp_u32(const void *a, const void *b)
{
	__u32 x = *(const __u32 *)a, y = *(const __u32 *)b;

	return x < y ? -1 : x > y;
}

static int prog_run(char **argv, int argc)
{
	int runs = argc > 5 ? atoi(argv[5]) : 50, fd, i, err;
	__u32 *ns, retval = 0, expect;
	struct bpf_prog_info info;
	struct __sk_buff ctx = {};
	struct bench_pkt pkt;
	char *end;
	__u8 dmac[6];

	expect = strtoul(argv[4], &end, 0);
	if (!*argv[4] || *end)
		return err_out("VERDICT", EINVAL);
	if (runs < 1 || runs > 10000)
		return err_out("RUNS", EINVAL);
	ctx.ingress_ifindex = strtoul(argv[1], NULL, 0);
	ctx.ifindex = ctx.ingress_ifindex;
	err = dev_mac(ctx.ifindex, dmac);
	if (err)
		return err_out("the MAC address of IFINDEX", err);
	fd = find_prog(argv[0], &info);
	if (fd < 0)
		return err_out(argv[0], fd);
	ns = calloc(runs, sizeof(*ns));
	if (!ns)
		return err_out("calloc", ENOMEM);
	for (i = 0; i < runs; i++) {
		DECLARE_LIBBPF_OPTS(bpf_test_run_opts, opts,
				    .data_in = &pkt, .data_size_in = sizeof(pkt),
				    .ctx_in = &ctx, .ctx_size_in = sizeof(ctx),
				    .repeat = BENCH_BATCH);

		if (build_pkt(&pkt, dmac, argv[2], argv[3])) {
			free(ns);
			return err_out("address", EINVAL);
		}
		err = bpf_prog_test_run_opts(fd, &opts);
		if (err) {
			free(ns);
			return err_out("BPF_PROG_TEST_RUN", err);
		}
		if (i && opts.retval != retval) {
			fprintf(stderr, "Error: the verdict changed (%u, then %u)\n",
				retval, opts.retval);
			free(ns);
			return 1;
		}
		retval = opts.retval;
		ns[i] = opts.duration;
		if (retval != expect) {
			fprintf(stderr, "Error: %s returned %u, not %u\n", argv[0],
				retval, expect);
			free(ns);
			return 1;
		}
	}
	qsort(ns, runs, sizeof(*ns), cmp_u32);
	printf("prog=%s id=%u xlated_insns=%u jited_bytes=%u verified_insns=%u",
	       argv[0], info.id, info.xlated_prog_len / 8, info.jited_prog_len,
	       info.verified_insns);
	printf(" retval=%u ns_median=%u ns_min=%u runs=%d\n",
	       retval, ns[runs / 2], ns[0], runs * BENCH_BATCH);
	free(ns);
	close(fd);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 2)
		return usage();
	if (!strcmp(argv[1], "netkit-add") && argc == 5)
		return netkit_add(argv[2], argv[3], argv[4]);
	if (!strcmp(argv[1], "netkit-fp") && argc >= 7 && (argc - 4) % 3 == 0)
		return netkit_fp(argc - 2, argv + 2);
	if (!strcmp(argv[1], "tc-redirect") && argc == 7)
		return tc_redirect(argv + 2);
	if (!strcmp(argv[1], "fp-replace") && argc == 5)
		return fp_replace(argv + 2);
	if (!strcmp(argv[1], "prog-run") && (argc == 7 || argc == 8))
		return prog_run(argv + 2, argc - 2);
	return usage();
}
