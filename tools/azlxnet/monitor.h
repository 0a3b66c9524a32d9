/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * azlxnet monitor: the module's vf-* events on the "events" multicast group.
 */
#ifndef __AZLXNET_MONITOR_H
#define __AZLXNET_MONITOR_H

#include <stdbool.h>

#include <linux/types.h>

struct nlmsghdr;

struct azlx_nic;

struct azlx_monitor {
	int		family;		/* id of the "azlxnet" family */
	unsigned long	count;		/* stop after this many events; 0: never */
	unsigned long	events;		/* events printed */
	bool		gone;		/* the family was unregistered */
	/* optional: called after each event is printed (@cmd AZLXNET_CMD_VF_*) */
	void		(*on_event)(struct azlx_monitor *m, __u8 cmd,
				    const struct azlx_nic *nic);
	/* optional: called once subscribed, before the first event is read */
	void		(*on_ready)(struct azlx_monitor *m);
	/*
	 * optional: called when events were lost (receive buffer overrun, or
	 * the module could not build one), after the "lost" line
	 */
	void		(*on_lost)(struct azlx_monitor *m);
};

/*
 * Handles one message received at @time_ns (CLOCK_BOOTTIME): prints an
 * event of the family (other commands are ignored, a malformed event is
 * warned about and skipped) or notes, from a CTRL_CMD_DELFAMILY of nlctrl,
 * that the family is gone. Returns true when the monitor is done (count
 * reached or family gone).
 */
bool azlx_monitor_handle(struct azlx_monitor *m, const struct nlmsghdr *nlh, __u64 time_ns);

/*
 * The line that says events were lost: "lost: events were lost, ..." or
 * {"event":"lost","time_ns":@time_ns}.
 */
void azlx_monitor_print_lost(__u64 time_ns);

struct azlx_genl;

/*
 * Reads and prints events from @g's socket (subscribed already) until the
 * count is reached (exit code 0), the family is gone (3) or SIGINT/SIGTERM
 * can be read from the signalfd @sfd (0). Prints "monitor: listening" on
 * stderr first. Returns an exit code, having printed any error.
 */
int azlx_monitor_loop(struct azlx_genl *g, struct azlx_monitor *m, int sfd);

/*
 * Subscribes to the module's events and runs azlx_monitor_loop() until the
 * count, the module's unload, SIGINT or SIGTERM. @m->family is set here.
 * Returns an exit code, having printed any error.
 */
int azlx_monitor_run(struct azlx_monitor *m);

#endif /* __AZLXNET_MONITOR_H */
