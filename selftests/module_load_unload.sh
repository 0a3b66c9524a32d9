#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Load and unload azlxnet.ko 50 times with parameters: every load shows the
# parameters given, the module is never left referenced, nothing lingers
# after unload. Bad parameter values are refused at load and through sysfs
# and change nothing. (vmtest scans dmesg for splats after the run.)

source "$(dirname "$0")/lib.sh"
require_root
trap cleanup_module EXIT

ko=$(mod_path)
mod_unload

for i in $(seq 1 50); do
	synth="bonding,team$i"
	vf="dummy,veth,vf-$i"
	insmod "$ko" synthetic_drivers="$synth" vf_drivers="$vf" ||
		fail "insmod #$i"
	mod_loaded || fail "load #$i: initstate is not live"
	assert_eq "$(param synthetic_drivers)" "$synth" "load #$i synthetic_drivers"
	assert_eq "$(param vf_drivers)" "$vf" "load #$i vf_drivers"
	assert_eq "$(cat $SYSMOD/refcnt)" 0 "load #$i refcnt"
	rmmod $MOD || fail "rmmod #$i"
	[ ! -d $SYSMOD ] || fail "unload #$i: $SYSMOD still exists"
done
echo "50 load/unload cycles"

# Defaults, exactly as documented.
insmod "$ko" || fail "insmod without parameters"
assert_eq "$(param synthetic_drivers)" "hv_netvsc" "default synthetic_drivers"
assert_eq "$(param vf_drivers)" "mana,mlx5_core,mlx4_en" "default vf_drivers"

# Parameters are writable at run time; a bad value is refused (EINVAL) and
# leaves the old one.
echo "bonding" >$SYSMOD/parameters/synthetic_drivers || fail "sysfs write"
assert_eq "$(param synthetic_drivers)" "bonding" "sysfs-written synthetic_drivers"
echo "" >$SYSMOD/parameters/vf_drivers || fail "writing an empty list"
assert_eq "$(param vf_drivers)" "" "empty vf_drivers"
for bad in "a,,b" "bad name" ",x" "x," "a,a" "$(printf 'v\xe9th')" "$(printf 'd%s,' $(seq 1 9))" \
	   "$(printf '%040d' 0)"; do
	if echo "$bad" 2>/dev/null >$SYSMOD/parameters/synthetic_drivers; then
		fail "sysfs accepted synthetic_drivers='$bad'"
	fi
	assert_eq "$(param synthetic_drivers)" "bonding" "after rejecting '$bad'"
done
rmmod $MOD || fail "rmmod"

# A bad value at load time fails the load and leaves nothing loaded.
if insmod "$ko" vf_drivers="not/a/driver" 2>/dev/null; then
	fail "insmod accepted vf_drivers=not/a/driver"
fi
[ ! -d $SYSMOD ] || fail "module present after a refused load"
dmesg | grep -q 'azlxnet: vf_drivers: invalid character in driver name' ||
	fail "refused load did not log the reason"
echo "bad values refused with the reason logged"
