/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The release version of azlxnet: the modules' MODULE_VERSION, the tool's
 * "azlxnet version" and dkms.conf all read it from here.
 */
#ifndef _AZLXNET_VERSION_H
#define _AZLXNET_VERSION_H

#define AZLXNET_VERSION "0.1.0"

#endif /* _AZLXNET_VERSION_H */
