#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# 1000 VF leave/join cycles while the kfunc is called in a loop (it may only
# ever answer the VF or the synthetic NIC) and nic-get dumps run in
# parallel: no splat (vmtest scans dmesg), counters exact, final state
# right, exactly one NIC tracked; 100 synthetic NICs created and deleted
# leave exactly one object in the module's slab cache; the module unloads
# cleanly and its cache goes with it.

source "$(dirname "$0")/lib.sh"
require_root
require_cmd azlxnet jq ip
tmp=$(mktemp -d)
pids=()
cleanup()
{
	[ ${#pids[@]} -gt 0 ] && kill "${pids[@]}" 2>/dev/null
	ip link del azsb0 2>/dev/null
	ip link del azsv0 2>/dev/null
	cleanup_module
	rm -rf "$tmp"
}
trap cleanup EXIT
cycles=${STORM_CYCLES:-1000}

mod_unload
nic_setup
modprobe azlxnet $NIC_PARAMS || fail "modprobe azlxnet"
ip link add azsb0 type bond mode active-backup || fail "creating the bond"
ip link add azsv0 type dummy || fail "creating the dummy"
ip link set azsb0 up
ip link set azsv0 master azsb0 || fail "enslaving"
B=$(ifindex azsb0) V=$(ifindex azsv0)

for _ in $(seq 1 "$cycles"); do
	echo "link set azsv0 nomaster"
	echo "link set azsv0 master azsb0"
done >"$tmp/batch"

"$(dirname "$0")/nic_test" tx-loop 600 "$B" "$B" "$V" >"$tmp/tx.out" 2>&1 &
txpid=$!
"$(dirname "$0")/nic_test" dump-loop 600 >"$tmp/dump.out" 2>&1 &
dumppid=$!
pids=("$txpid" "$dumppid")

start=$(date +%s)
ip -batch "$tmp/batch" || fail "the leave/join batch"
echo "$cycles cycles in $(( $(date +%s) - start )) s"

# The loops must still be running (nothing failed) and must have worked.
kill -0 "$txpid" || fail "kfunc loop died: $(cat "$tmp/tx.out")"
kill -0 "$dumppid" || fail "dump loop died: $(cat "$tmp/dump.out")"
kill "$txpid" "$dumppid"
wait "$txpid" "$dumppid" 2>/dev/null
pids=()

j=$(nic_json azsb0)
echo "$j"
assert_eq "$(jq -r .vf_joins <<<"$j")" $((cycles + 1)) "joins"
assert_eq "$(jq -r .vf_leaves <<<"$j")" "$cycles" "leaves"
assert_eq "$(jq -r .vf.ifindex <<<"$j")" "$V" "final VF"
assert_eq "$(jq -r .vf_state <<<"$j")" up "final state"
assert_eq "$(kfunc_tx "$B")" "$V" "final kfunc answer"
assert_eq "$(azlxnet -j nic show | jq length)" 1 "exactly one NIC tracked"

# NIC objects: exactly one per tracked NIC in the module's slab cache, also
# after 100 synthetic NICs came and went.
# SLUB counts the objects cached per CPU as in use until the cache is
# shrunk; after that, active_objs is exact.
nic_objs()
{
	echo 1 >/sys/kernel/slab/azlxnet_nic/shrink 2>/dev/null
	awk '$1 == "azlxnet_nic" { print $2 }' /proc/slabinfo
}
assert_eq "$(nic_objs)" 1 "azlxnet_nic objects with one NIC"
for i in $(seq 1 100); do
	echo "link add azsx$i type bond mode active-backup"
done >"$tmp/bonds"
ip -batch "$tmp/bonds" || fail "creating 100 bonds"
assert_eq "$(azlxnet -j nic show | jq length)" 101 "NICs with 100 more bonds"
sed 's/^link add \(azsx[0-9]*\) .*/link del \1/' "$tmp/bonds" >"$tmp/unbonds"
ip -batch "$tmp/unbonds" || fail "deleting 100 bonds"
assert_eq "$(azlxnet -j nic show | jq length)" 1 "NICs after deleting them"
# Freed after an RCU grace period.
for _ in $(seq 1 50); do
	[ "$(nic_objs)" = 1 ] && break
	sleep 0.1
done
assert_eq "$(nic_objs)" 1 "azlxnet_nic objects after 100 NICs came and went"

ip link del azsb0
ip link del azsv0
mod_unload
assert_eq "$(grep -c '^azlxnet_nic ' /proc/slabinfo)" 0 "the slab cache after unload"
echo "unloaded cleanly"
