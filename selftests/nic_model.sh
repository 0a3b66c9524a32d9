#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# The NIC model with a bond standing in for hv_netvsc and a dummy for its VF:
# a pair is found whether the module loads before or after the devices; VF
# leave, join, down and up each produce exactly the expected event on the
# "events" group (as "azlxnet monitor -j" prints it), already queued on a
# listener's socket when the command making the change returns, the
# counters and state follow, and the kfunc answers the VF, then the
# synthetic NIC, then the VF again. Renames and netns moves are reflected.

source "$(dirname "$0")/lib.sh"
require_root
require_cmd azlxnet jq ip
tmp=$(mktemp -d)
monpid=
cleanup()
{
	[ -n "$monpid" ] && kill "$monpid" 2>/dev/null
	ip link del azb0 2>/dev/null
	ip link del azb1 2>/dev/null
	ip link del azb2 2>/dev/null
	ip link del azv0 2>/dev/null
	ip link del azv1 2>/dev/null
	ip link del azv2 2>/dev/null
	ip netns del azns 2>/dev/null
	cleanup_module
	rm -rf "$tmp"
}
trap cleanup EXIT

mod_unload
nic_setup

# 1. Devices first, module second: the pair is found at load.
ip link add azb0 type bond mode active-backup || fail "creating bond azb0"
ip link add azv0 type dummy || fail "creating dummy azv0"
ip link set azv0 master azb0 || fail "enslaving azv0"
ip link set azb0 up
B=$(ifindex azb0) V=$(ifindex azv0)
modprobe azlxnet $NIC_PARAMS || fail "modprobe azlxnet"
j=$(nic_json azb0)
echo "after load: $j"
assert_eq "$(jq -r .ifindex <<<"$j")" "$B" "synthetic ifindex"
assert_eq "$(jq -r .vf.ifindex <<<"$j")" "$V" "VF found at load"
assert_eq "$(jq -r .vf.driver <<<"$j")" dummy "VF driver"
assert_eq "$(jq -r .vf.mac <<<"$j")" "$(cat /sys/class/net/azv0/address)" "VF MAC"
assert_eq "$(jq -r .mac <<<"$j")" "$(cat /sys/class/net/azb0/address)" "synthetic MAC"
assert_eq "$(jq -r .vf_state <<<"$j")" up "VF state at load"
assert_eq "$(jq -r .tx_ifindex <<<"$j")" "$V" "tx via the VF"
assert_eq "$(jq -r .vf_joins <<<"$j")" 1 "joins at load"
assert_eq "$(kfunc_tx "$B")" "$V" "kfunc with the VF up"
assert_eq "$(kfunc_tx 99999)" -19 "kfunc for an unknown ifindex (-ENODEV)"
assert_eq "$(kfunc_tx "$V")" -19 "kfunc for a VF ifindex (-ENODEV)"

# 2. Module first, devices second.
ip link add azb2 type bond mode active-backup || fail "creating bond azb2"
ip link add azv2 type dummy || fail "creating dummy azv2"
ip link set azv2 master azb2 || fail "enslaving azv2"
assert_eq "$(nic_field azb2 .vf.ifname)" azv2 "VF of a pair created after load"
assert_eq "$(azlxnet -j nic show | jq -r '[.[].ifname] | sort | join(",")')" azb0,azb2 \
	"nic show lists both pairs"
out=$(azlxnet nic show azv2 2>&1) && fail "nic show of a VF succeeded: $out"
assert_match "$out" 'Error: .*no synthetic NIC' "nic show of a non-synthetic device"
ip link del azb2; ip link del azv2

# 3. Events, counters, kfunc, step by step.
azlxnet -j monitor >"$tmp/events" 2>"$tmp/monitor.err" &
monpid=$!
for _ in $(seq 1 100); do
	grep -q listening "$tmp/monitor.err" && break
	sleep 0.05
done
grep -q listening "$tmp/monitor.err" || fail "monitor did not start: $(cat "$tmp/monitor.err")"

# step EXPECTED-EVENT VF-STATE TX-IFINDEX COMMAND...
n=0
step()
{
	local want=$1 state=$2 tx=$3 line got
	shift 3
	# The module multicasts from the notifier, inside the command: the
	# event is queued before the command returns, however slow the
	# machine. A late event (sent from a work item, or after linkwatch's
	# up to 1 s delay) is not there yet.
	got=$("$(dirname "$0")/nic_test" events "$@") || fail "$*: $got"
	assert_eq "$got" "$want $B" "events queued when '$*' returned"
	n=$((n + 1))
	for _ in $(seq 1 500); do
		[ "$(wc -l <"$tmp/events")" -ge $n ] && break
		sleep 0.02
	done
	sleep 0.2	# and nothing more may follow
	[ "$(wc -l <"$tmp/events")" -eq $n ] ||
		fail "after '$*': expected event $n ($want), events: $(cat "$tmp/events")"
	line=$(sed -n "${n}p" "$tmp/events")
	echo "event: $line"
	got=$(jq -r .event <<<"$line")
	assert_eq "$got" "$want" "event after '$*'"
	assert_eq "$(jq -r .ifindex <<<"$line")" "$B" "event ifindex"
	assert_eq "$(jq -r .vf_state <<<"$line")" "$state" "event vf_state after '$*'"
	assert_eq "$(jq -r .tx_ifindex <<<"$line")" "$tx" "event tx_ifindex after '$*'"
	# information only: this is the monitor's scheduling as much as ours
	lat=$(( ($(jq -r .time_ns <<<"$line") - $(jq -r .last_change_ns <<<"$line")) / 1000000 ))
	echo "  printed ${lat} ms after the change"
	assert_eq "$(kfunc_tx "$B")" "$tx" "kfunc after '$*'"
	assert_eq "$(nic_field azb0 .tx_ifindex)" "$tx" "nic show tx after '$*'"
}

step vf-leave absent "$B" ip link set azv0 nomaster
assert_eq "$(nic_field azb0 .vf)" null "no VF after the leave"
step vf-join up "$V" ip link set azv0 master azb0
step vf-down down "$B" ip link set azv0 down
step vf-up up "$V" ip link set azv0 up
j=$(nic_json azb0)
assert_eq "$(jq -r '[.vf_joins, .vf_leaves, .vf_ups, .vf_downs] | join(" ")' <<<"$j")" \
	"2 1 1 1" "joins leaves ups downs"
slow=$(jq -r .slow_ns <<<"$j")
last=$(jq -r .last_slow_ns <<<"$j")
[ "$slow" -gt 0 ] && [ "$last" -gt 0 ] && [ "$last" -le "$slow" ] ||
	fail "slow-path times: total $slow, last $last"
sleep 0.3
assert_eq "$(nic_field azb0 .slow_ns)" "$slow" "slow time does not grow while the VF is up"

# 4. Renames are reflected (a running device cannot be renamed).
ip link set azv0 down
ip link set azv0 name azv1 || fail "renaming the VF"
assert_eq "$(nic_field azb0 .vf.ifname)" azv1 "renamed VF"
ip link set azv1 up
ip link set azb0 down
ip link set azb0 name azb1 || fail "renaming the bond"
ip link set azb1 up
assert_eq "$(nic_field azb1 .ifname)" azb1 "renamed synthetic NIC"
assert_eq "$(nic_field azb1 .vf.ifname)" azv1 "VF kept across the rename"

# 5. A VF moved to another namespace leaves; moved back and enslaved, joins.
before=$(wc -l <"$tmp/events")
ip netns add azns || fail "ip netns add"
ip link set azv1 netns azns || fail "moving the VF"
sleep 0.3
assert_eq "$(nic_field azb1 .vf)" null "VF gone after a netns move"
assert_eq "$(kfunc_tx "$B")" "$B" "kfunc after the VF left the namespace"
assert_eq "$(sed -n "$((before + 1)),\$p" "$tmp/events" | jq -r .event | grep -c vf-leave)" 1 \
	"one vf-leave for the netns move"
ip -n azns link set azv1 netns 1 || fail "moving the VF back"
ip link set azv1 master azb1 || fail "enslaving the VF again"
assert_eq "$(nic_field azb1 .vf.ifindex)" "$(ifindex azv1)" "VF back after the move"
assert_eq "$(kfunc_tx "$B")" "$(ifindex azv1)" "kfunc after the VF came back"

# 6. The synthetic NIC going away drops it; unloading with pairs present is clean.
kill "$monpid"; wait "$monpid" 2>/dev/null; monpid=
ip link del azb1
out=$(azlxnet nic show azb1 2>&1) && fail "nic show of a deleted NIC succeeded"
assert_eq "$(azlxnet -j nic show | jq length)" 0 "no NICs left"
assert_eq "$(kfunc_tx "$B")" -19 "kfunc for a deleted NIC"
mod_unload
