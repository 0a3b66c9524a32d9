#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# The kfunc plumbing on this kernel: module BTF present, a tc program calling
# bpf_azlxnet_api_version() loads and returns the API level, pins the module
# while it exists, and lets it go afterwards (see kfunc_test.c).

source "$(dirname "$0")/lib.sh"
require_root
trap cleanup_module EXIT

[ -r /sys/kernel/btf/vmlinux ] || skip "kernel without BTF"
mod_unload
modprobe azlxnet || fail "modprobe azlxnet"
[ -r /sys/kernel/btf/azlxnet ] || fail "azlxnet.ko has no BTF (/sys/kernel/btf/azlxnet)"
dmesg | grep -q 'azlxnet: module has no BTF' && fail "the module logged that it has no BTF"
"$(dirname "$0")/kfunc_test" || fail "kfunc_test"
[ ! -d $SYSMOD ] || fail "kfunc_test left the module loaded"
