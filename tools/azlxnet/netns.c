// SPDX-License-Identifier: GPL-2.0-only
/*
 * Network namespaces and pod links: setns(2) for a socket in the pod's
 * namespace, libnl-route-3 for the links.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include <linux/magic.h>
#include <linux/nsfs.h>
#include <netlink/netlink.h>
#include <netlink/route/link.h>

#include "azlxnet.h"
#include "netns.h"

static const char *const azlx_netns_dirs[] = { "/var/run/netns", "/run/netns" };

const char *azlx_netns_path(const char *ns, char *buf, size_t len)
{
	size_t i;
	int n;

	if (strchr(ns, '/')) {
		n = snprintf(buf, len, "%s", ns);
		return n < 0 || (size_t)n >= len ? NULL : buf;
	}
	if (!ns[0] || !strcmp(ns, ".") || !strcmp(ns, ".."))
		return NULL;
	for (i = 0; i < sizeof(azlx_netns_dirs) / sizeof(azlx_netns_dirs[0]); i++) {
		n = snprintf(buf, len, "%s/%s", azlx_netns_dirs[i], ns);
		if (n > 0 && (size_t)n < len && !access(buf, F_OK))
			return buf;
	}
	return NULL;
}

/* The caller's network namespace (of this thread). */
static int azlx_netns_self(void)
{
	int fd = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		fd = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

/*
 * A descriptor of @path that setns(2) takes, opened without side effects:
 * O_PATH first (a FIFO does not block, a device is not opened), checked to
 * be on nsfs, then opened for real through /proc/self/fd (or, without
 * /proc, by its path again, non-blocking and checked to be the same file).
 */
static int azlx_nsfs_open(const char *path, struct azlx_err *e)
{
	struct stat st, st2;
	struct statfs sfs;
	char self[64];
	int pfd, fd, err;

	pfd = open(path, O_PATH | O_CLOEXEC);
	if (pfd < 0) {
		err = errno;
		return azlx_fail_cni(e, err == ENOENT ? AZLX_CNI_ERR_CONTAINER : 0, err,
				     "cannot open network namespace %s: %s", path, strerror(err));
	}
	if (fstatfs(pfd, &sfs) || fstat(pfd, &st)) {
		err = errno;
		close(pfd);
		return azlx_fail(e, err, "cannot stat %s: %s", path, strerror(err));
	}
	if ((unsigned long)sfs.f_type != NSFS_MAGIC) {
		close(pfd);
		return azlx_fail_cni(e, AZLX_CNI_ERR_ENV, EINVAL,
				     "%s is not a network namespace", path);
	}
	snprintf(self, sizeof(self), "/proc/self/fd/%d", pfd);
	fd = open(self, O_RDONLY | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT) {
		/* no /proc: nsfs files do not block, but check it is still the one */
		fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
		if (fd >= 0 && (fstat(fd, &st2) || st2.st_dev != st.st_dev ||
				st2.st_ino != st.st_ino)) {
			close(fd);
			close(pfd);
			return azlx_fail_cni(e, AZLX_CNI_ERR_CONTAINER, ESTALE,
					     "%s changed while it was opened", path);
		}
	}
	err = errno;
	close(pfd);
	if (fd < 0)
		return azlx_fail_cni(e, err == ENOENT ? AZLX_CNI_ERR_CONTAINER : 0, err,
				     "cannot open network namespace %s: %s", path, strerror(err));
	return fd;
}

int azlx_netns_open(const char *ns, struct azlx_err *e)
{
	struct stat st, self_st;
	char path[4096];
	int fd, self, err;

	if (!azlx_netns_path(ns, path, sizeof(path)))
		return azlx_fail_cni(e, AZLX_CNI_ERR_CONTAINER, ENOENT,
				     "no network namespace \"%s\" (in /var/run/netns or /run/netns)",
				     ns);
	fd = azlx_nsfs_open(path, e);
	if (fd < 0)
		return fd;
	/* nsfs holds every kind of namespace */
	if (ioctl(fd, NS_GET_NSTYPE) != CLONE_NEWNET) {
		close(fd);
		return azlx_fail_cni(e, AZLX_CNI_ERR_ENV, EINVAL,
				     "%s is not a network namespace", path);
	}
	self = azlx_netns_self();
	if (self < 0) {
		close(fd);
		return azlx_fail(e, -self, "cannot open the current network namespace: %s",
				 strerror(-self));
	}
	err = fstat(fd, &st) || fstat(self, &self_st) ? errno : 0;
	close(self);
	if (err) {
		close(fd);
		return azlx_fail(e, err, "cannot stat %s: %s", path, strerror(err));
	}
	if (st.st_dev == self_st.st_dev && st.st_ino == self_st.st_ino) {
		close(fd);
		return azlx_fail_cni(e, AZLX_CNI_ERR_LINK, EINVAL,
				     "%s is the current network namespace, not a pod's", path);
	}
	return fd;
}

static int azlx_nl_errno(int nlerr)
{
	switch (-nlerr) {
	case NLE_OBJ_NOTFOUND:
	case NLE_NODEV:
		return ENODEV;
	case NLE_PERM:
		return EPERM;
	case NLE_NOMEM:
		return ENOMEM;
	case NLE_INVAL:
		return EINVAL;
	default:
		return EIO;
	}
}

int azlx_route_socket(struct nl_sock **sk, struct azlx_err *e)
{
	int err;

	*sk = nl_socket_alloc();
	if (!*sk)
		return azlx_fail(e, ENOMEM, "cannot allocate a netlink socket");
	err = nl_connect(*sk, NETLINK_ROUTE);
	if (err < 0) {
		nl_socket_free(*sk);
		*sk = NULL;
		return azlx_fail(e, azlx_nl_errno(err), "cannot open a route netlink socket: %s",
				 nl_geterror(err));
	}
	return 0;
}

int azlx_netns_route_socket(int nsfd, struct nl_sock **sk, struct azlx_err *e)
{
	int self, err;

	*sk = NULL;
	self = azlx_netns_self();
	if (self < 0)
		return azlx_fail(e, -self, "cannot open the current network namespace: %s",
				 strerror(-self));
	if (setns(nsfd, CLONE_NEWNET)) {
		err = errno;
		close(self);
		return azlx_fail(e, err, "cannot enter the network namespace: %s%s",
				 strerror(err), err == EPERM ? " (needs CAP_SYS_ADMIN)" : "");
	}
	/* a socket stays in the namespace it was created in */
	err = azlx_route_socket(sk, e);
	if (setns(self, CLONE_NEWNET)) {
		/* no way to carry on in the wrong namespace */
		fprintf(stderr, "Error: cannot return to the original network namespace: %s\n",
			strerror(errno));
		abort();
	}
	close(self);
	return err;
}

int azlx_link_get(struct nl_sock *sk, const char *name, __u32 ifindex,
		  struct azlx_link *l, struct azlx_err *e)
{
	struct rtnl_link *link;
	struct nl_addr *addr;
	const char *s;
	__s32 netnsid;
	int err;

	memset(l, 0, sizeof(*l));
	err = rtnl_link_get_kernel(sk, name ? 0 : (int)ifindex, name, &link);
	if (err < 0) {
		err = azlx_nl_errno(err);
		if (err == ENODEV)
			return -ENODEV;
		return azlx_fail(e, err, "cannot read link %s: %s", name ? name : "",
				 strerror(err));
	}
	l->ifindex = rtnl_link_get_ifindex(link);
	s = rtnl_link_get_name(link);
	snprintf(l->name, sizeof(l->name), "%s", s ? s : "");
	addr = rtnl_link_get_addr(link);
	if (addr && nl_addr_get_len(addr) == sizeof(l->mac)) {
		memcpy(l->mac, nl_addr_get_binary_addr(addr), sizeof(l->mac));
		l->has_mac = true;
	}
	s = rtnl_link_get_type(link);
	snprintf(l->kind, sizeof(l->kind), "%s", s ? s : "");
	l->peer_ifindex = rtnl_link_get_link(link) > 0 ? rtnl_link_get_link(link) : 0;
	l->peer_other_netns = !rtnl_link_get_link_netnsid(link, &netnsid);
	rtnl_link_put(link);
	return 0;
}

int azlx_pod_link_get(const char *ns, const char *ifname, struct azlx_pod_link *pl,
		      struct azlx_err *e)
{
	struct nl_sock *pod_sk = NULL, *host_sk = NULL;
	int nsfd, err;

	memset(pl, 0, sizeof(*pl));
	nsfd = azlx_netns_open(ns, e);
	if (nsfd < 0)
		return nsfd;
	err = azlx_netns_route_socket(nsfd, &pod_sk, e);
	close(nsfd);
	if (err)
		return err;

	err = azlx_link_get(pod_sk, ifname, 0, &pl->pod, e);
	if (err == -ENODEV)
		err = azlx_fail_cni(e, AZLX_CNI_ERR_CONTAINER, ENODEV,
				    "no interface %s in network namespace %s", ifname, ns);
	if (err)
		goto out;
	if (strcmp(pl->pod.kind, "veth") || !pl->pod.peer_ifindex || !pl->pod.peer_other_netns) {
		err = azlx_fail_cni(e, AZLX_CNI_ERR_LINK, EINVAL,
				    "%s in network namespace %s is not a veth with its peer in "
				    "another namespace", ifname, ns);
		goto out;
	}
	if (!pl->pod.has_mac) {
		err = azlx_fail_cni(e, AZLX_CNI_ERR_LINK, EINVAL,
				    "%s in network namespace %s has no Ethernet address", ifname, ns);
		goto out;
	}

	err = azlx_route_socket(&host_sk, e);
	if (err)
		goto out;
	err = azlx_link_get(host_sk, NULL, pl->pod.peer_ifindex, &pl->host, e);
	if (err == -ENODEV || (!err && (strcmp(pl->host.kind, "veth") ||
					pl->host.peer_ifindex != pl->pod.ifindex ||
					!pl->host.peer_other_netns || !pl->host.has_mac)))
		err = azlx_fail_cni(e, AZLX_CNI_ERR_LINK, ENODEV,
				    "the peer of %s (ifindex %u) is not in this network namespace",
				    ifname, pl->pod.peer_ifindex);
out:
	if (host_sk)
		nl_socket_free(host_sk);
	nl_socket_free(pod_sk);
	return err;
}

int azlx_ifindex_parse(const char *dev, __u32 *ifindex)
{
	unsigned long v;
	char *end;

	*ifindex = 0;
	/* 1 .. INT_MAX, decimal, nothing else: the kernel's ifindex is an int */
	if (dev[0] < '1' || dev[0] > '9')
		return -EINVAL;
	errno = 0;
	v = strtoul(dev, &end, 10);
	if (errno || *end || v > 0x7fffffffUL)
		return -EINVAL;
	*ifindex = (__u32)v;
	return 0;
}

int azlx_ifindex_resolve(const char *dev, __u32 *ifindex)
{
	char name[IF_NAMESIZE];

	*ifindex = if_nametoindex(dev);
	if (*ifindex)
		return 0;
	if (!azlx_ifindex_parse(dev, ifindex) && if_indextoname(*ifindex, name))
		return 0;
	*ifindex = 0;
	return -ENODEV;
}
