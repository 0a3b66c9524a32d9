/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Synthetic NICs as the module reports them (attribute set "nic" of
 * Documentation/netlink/specs/azlxnet.yaml): parsing of nic-get replies and
 * vf-* events, and their rendering as text or JSON.
 */
#ifndef __AZLXNET_NIC_H
#define __AZLXNET_NIC_H

#include <stdbool.h>
#include <stddef.h>

#include <net/if.h>
#include <linux/types.h>
#include <linux/azlxnet.h>

struct nlmsghdr;
struct azlx_genl;

#define AZLX_NIC_MAC_MAX	32	/* MAX_ADDR_LEN */
#define AZLX_NIC_DRIVER_MAX	64

struct azlx_nic {
	__u32	ifindex;
	char	ifname[IFNAMSIZ];
	__u8	mac[AZLX_NIC_MAC_MAX];
	__u8	mac_len;
	__u32	vf_ifindex;
	char	vf_ifname[IFNAMSIZ];
	__u8	vf_mac[AZLX_NIC_MAC_MAX];
	__u8	vf_mac_len;
	char	vf_driver[AZLX_NIC_DRIVER_MAX];
	__u32	vf_state;
	__u32	tx_ifindex;
	__u64	vf_joins;
	__u64	vf_leaves;
	__u64	vf_ups;
	__u64	vf_downs;
	__u64	last_change;	/* CLOCK_BOOTTIME, ns */
	__u64	slow_ns;
	__u64	last_slow_ns;
	/* bit (1 << AZLXNET_A_NIC_*) set for each attribute read */
	__u32	present;
	/* likewise for each attribute ignored for its length or content */
	__u32	malformed;
};

/* True if attribute @attr (AZLXNET_A_NIC_*) of @nic was read. */
static inline bool azlx_nic_has(const struct azlx_nic *nic, int attr)
{
	return nic->present & (1u << attr);
}

/* True if @nic has a VF: the message named one by its ifindex. */
static inline bool azlx_nic_has_vf(const struct azlx_nic *nic)
{
	return azlx_nic_has(nic, AZLXNET_A_NIC_VF_IFINDEX);
}

/*
 * Reads the attributes of the "nic" set that follow a genlmsghdr at @data
 * (@len bytes). Unknown attributes are skipped. An attribute of a known
 * type with the wrong length (u32: 4 bytes, u64: 8, names: NUL-terminated
 * and fitting the field, MACs: 1 to 32 bytes) is ignored and flagged in
 * ->malformed. Returns 0, or -EINVAL (reason in @err) when the NIC's
 * ifindex is missing or malformed.
 */
int azlx_nic_parse_attrs(const void *data, int len, struct azlx_nic *nic,
			 char *err, size_t err_len);

/* Same for the generic netlink message @nlh; also checks its headers. */
int azlx_nic_parse(const struct nlmsghdr *nlh, struct azlx_nic *nic,
		   char *err, size_t err_len);

/*
 * The attribute names of @mask (a ->malformed) as "vf-mac, vf-joins" into
 * @buf; returns @buf.
 */
const char *azlx_nic_attr_list(__u32 mask, char *buf, size_t len);

/* "absent", "down", "up", or "unknown" for a value this tool does not know. */
const char *azlx_vf_state_name(__u32 state);


/* "00:0d:3a:01:02:03" into @buf (3 * AZLX_NIC_MAC_MAX bytes suffice). */
const char *azlx_fmt_mac(const __u8 *mac, size_t len, char *buf, size_t buf_len);

/*
 * A duration for humans into @buf: "0.402 s" (with @decimals digits after
 * the point) below 1000 s, then "16m 40s", "2h 03m 04s", "3d 04h 05m".
 */
const char *azlx_fmt_duration(__u64 ns, int decimals, char *buf, size_t len);

/* CLOCK_BOOTTIME now, in ns (the clock of last-change). */
__u64 azlx_boottime_ns(void);

/*
 * The keys of one NIC (JSON only): ifindex, ifname, mac, vf (an object or
 * null), vf_state, tx_ifindex, vf_joins, vf_leaves, vf_ups, vf_downs,
 * last_change_ns, slow_ns, last_slow_ns. Values not reported are null.
 */
void azlx_nic_print_json(const struct azlx_nic *nic);

/*
 * One NIC as an object (JSON) or two lines (text), "last change" relative
 * to @now_ns (CLOCK_BOOTTIME).
 */
void azlx_nic_print(const struct azlx_nic *nic, __u64 now_ns);

/*
 * One event as one line, flushed: "vf-join eth0 (ifindex 2): ..." or
 * {"event":"vf-join","time_ns":@time_ns,...the NIC's keys...}.
 */
void azlx_event_print(const char *event, const struct azlx_nic *nic, __u64 time_ns);

/* Warns on stderr about the attributes of @nic that were ignored. */
void azlx_nic_warn_malformed(const char *what, const struct azlx_nic *nic);

/* What nic-get gathers: one NIC (do), or all of them (dump). */
struct azlx_nic_list {
	struct azlx_nic	*v;
	size_t		n;
	size_t		cap;
	__u32		ifindex;	/* of the request; 0 for a dump */
};

/*
 * nic-get: the NIC of @ifindex, or with @ifindex 0 all NICs (a dump, sorted
 * by ifindex, done again up to 3 times if the NICs change under it) into
 * @l. Returns an exit code, having printed the error.
 */
int azlx_nic_get(struct azlx_genl *g, __u32 ifindex, struct azlx_nic_list *l);

/* The NICs of @l, in a JSON array if @array, else as one object. */
void azlx_nic_list_print(const struct azlx_nic_list *l, bool array, __u64 now_ns);
void azlx_nic_list_free(struct azlx_nic_list *l);

#endif /* __AZLXNET_NIC_H */
