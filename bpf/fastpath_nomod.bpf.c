// SPDX-License-Identifier: GPL-2.0-only
/*
 * The pod fast path for nodes without azlxnet.ko: the same programs, built
 * without the kfunc, so off-node traffic always takes the synthetic NIC.
 */
#define AZLXNET_NO_KFUNC
#include "fastpath.bpf.c"
