#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# A kernel that refuses the kfunc set does not stop the module: the test
# build azlxnet-kfunc-fail.ko (AZLXNET_TEST_KFUNC_FAIL, packed by
# scripts/vmtest) loads, runs the NIC model (a netvsc_sim pair is tracked)
# and the netlink family, says why in its read-only parameter "kfuncs",
# and "azlxnet status" reports the kfuncs unavailable with that reason.
# The normal build says "available".

source "$(dirname "$0")/lib.sh"
require_root
require_cmd azlxnet jq ip
ko=/usr/lib/azlxnet/test/azlxnet-kfunc-fail.ko
cleanup()
{
	ip link del azs0 2>/dev/null
	ip link del azv0 2>/dev/null
	cleanup_module
	[ ! -d /sys/module/netvsc_sim ] || rmmod netvsc_sim 2>/dev/null
}
trap cleanup EXIT

[ -f $ko ] || fail "no $ko (scripts/kbuild builds it, scripts/vmtest packs it)"
mod_unload
sim_setup
# shellcheck disable=SC2086
insmod $ko $SIM_PARAMS || fail "the module does not load when kfunc registration fails"
mod_loaded || fail "the module is not live"
dmesg | grep 'azlxnet: kfuncs unavailable' || fail "no kernel log line about the kfuncs"
assert_eq "$(param kfuncs)" "unavailable: registration failed with error -22" \
	"parameter kfuncs"

# The NIC model runs.
ip link add azs0 address $SIM_MAC type netvsc_sim || fail "creating netvsc_sim azs0"
ip link add azv0 address $SIM_MAC type dummy || fail "creating dummy azv0"
ip link set azs0 up
ip link set azv0 up
assert_eq "$(nic_field azs0 .vf.ifindex)" "$(ifindex azv0)" "NIC model without kfuncs"

# The netlink family runs, and status says why there are no kfuncs.
json=$(azlxnet -j status) || fail "azlxnet -j status"
echo "$json"
assert_eq "$(jq -r .module.loaded <<<"$json")" true "status: module loaded"
assert_eq "$(jq -r .kfuncs.available <<<"$json")" false "status: kfuncs available"
assert_match "$(jq -r .kfuncs.error <<<"$json")" 'registration failed with error -22' \
	"status: why kfuncs are unavailable"
text=$(azlxnet status) || fail "azlxnet status"
assert_match "$text" 'kfuncs: unavailable \(.*registration failed with error -22' \
	"status text"
out=$("$(dirname "$0")/nic_test" tx 1 2>&1) && fail "a program calling the kfunc loaded: $out"

ip link del azs0
mod_unload
modprobe azlxnet || fail "modprobe azlxnet"
assert_eq "$(param kfuncs)" available "parameter kfuncs of the normal build"
mod_unload
sim_unload
