#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# genl_test malformed with azlxnet.ko freshly loaded (see genl_test.c), then the
# module must unload cleanly: nothing the requests did holds a reference.

source "$(dirname "$0")/lib.sh"
require_root
trap cleanup_module EXIT

mod_unload
modprobe azlxnet || fail "modprobe azlxnet"
"$(dirname "$0")/genl_test" malformed || fail "genl_test malformed"
assert_eq "$(cat $SYSMOD/refcnt)" 0 "refcnt after the requests"
mod_unload
