/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Disk latency telemetry: the commands that read it.
 */
#ifndef __AZLXNET_DISKTEL_H
#define __AZLXNET_DISKTEL_H

/* azlxnet disk telemetry { on | off | show | help } */
int azlx_disk_telemetry(int argc, char **argv);
/* azlxnet disk top [ --interval SECS ] [ -c COUNT ] */
int azlx_disk_top(int argc, char **argv);

#endif /* __AZLXNET_DISKTEL_H */
