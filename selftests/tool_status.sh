#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# "azlxnet status" and "azlxnet module show" agree with the kernel: the
# version and parameters in sysfs, the kfunc probe's API level; without the
# module, status fails with the documented exit code and message.

source "$(dirname "$0")/lib.sh"
require_root
require_cmd azlxnet jq
trap cleanup_module EXIT

mod_unload
out=$(azlxnet status 2>&1) && fail "status without the module succeeded: $out"
rc=$?
assert_eq "$rc" 3 "status exit code without the module"
assert_match "$out" '^Error: .*not loaded' "status message without the module"
json=$(azlxnet -j status 2>/dev/null)
assert_eq "$(printf '%s' "$json" | jq -r .error | grep -c 'not loaded')" 1 \
	"JSON error without the module"
show=$(azlxnet -j module show) || fail "module show without the module"
assert_eq "$(printf '%s' "$show" | jq -r .loaded)" false "module show: loaded"

modprobe azlxnet synthetic_drivers=bonding,team vf_drivers=veth ||
	fail "modprobe azlxnet"
json=$(azlxnet -j status) || fail "azlxnet -j status"
printf '%s\n' "$json"
printf '%s' "$json" | jq -e . >/dev/null || fail "status -j is not valid JSON"
assert_eq "$(printf '%s' "$json" | jq -r .module.loaded)" true "status loaded"
assert_eq "$(printf '%s' "$json" | jq -r .module.version)" "$(cat $SYSMOD/version)" \
	"status version vs sysfs"
api=$(printf '%s' "$json" | jq -r .module.api_version)
assert_match "$api" '^[1-9][0-9]*$' "status api_version"
assert_eq "$(printf '%s' "$json" | jq -c .config.synthetic_drivers)" '["bonding","team"]' \
	"status synthetic_drivers"
assert_eq "$(printf '%s' "$json" | jq -c .config.vf_drivers)" '["veth"]' "status vf_drivers"
assert_eq "$(printf '%s' "$json" | jq -r .kfuncs.available)" true "status kfuncs"
assert_eq "$(printf '%s' "$json" | jq -r .kfuncs.api_version)" "$api" "kfunc api vs netlink api"

# The probe program is gone once status returns: the module is free again.
for _ in $(seq 1 50); do
	[ "$(cat $SYSMOD/refcnt)" = 0 ] && break
	sleep 0.1
done
assert_eq "$(cat $SYSMOD/refcnt)" 0 "refcnt after status"

text=$(azlxnet status) || fail "azlxnet status"
assert_match "$text" "azlxnet $(cat $SYSMOD/version)" "status text version"

show=$(azlxnet -j module show) || fail "azlxnet -j module show"
printf '%s\n' "$show"
assert_eq "$(printf '%s' "$show" | jq -r .loaded)" true "module show: loaded"
assert_eq "$(printf '%s' "$show" | jq -r .version)" "$(cat $SYSMOD/version)" "module show: version"
assert_eq "$(printf '%s' "$show" | jq -r .refcnt)" "$(cat $SYSMOD/refcnt)" "module show: refcnt"
for p in synthetic_drivers vf_drivers; do
	assert_eq "$(printf '%s' "$show" | jq -r --arg p "$p" '.parameters[] | select(.name == $p) | .value')" "$(param $p)" \
		"module show: $p"
done
