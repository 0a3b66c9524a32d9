// SPDX-License-Identifier: GPL-2.0-only
/*
 * Disk latency telemetry: not built yet.
 */
#include "azlxnet.h"
#include "disktel.h"
#include "print.h"

int azlx_disk_telemetry(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	return azlx_error(AZLX_EXIT_ERR, "disk telemetry: not available in this build");
}

int azlx_disk_top(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	return azlx_error(AZLX_EXIT_ERR, "disk top: not available in this build");
}
