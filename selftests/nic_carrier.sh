#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# The kfunc answers from the live VF, not from what the netdevice notifier
# last saw. Carrier changes reach notifiers through linkwatch, which runs
# non-urgent events at most once a second: right after another device's
# carrier change, the VF's carrier loss waits there (the NIC model still
# says "up"). The kfunc must already answer the synthetic NIC (packets
# redirected to a VF without carrier are dropped), and the VF again as soon
# as its carrier is back. On netvsc_sim with a dummy VF (carrier set over
# rtnetlink, on 6.1 and 6.12).

source "$(dirname "$0")/lib.sh"
require_root
require_cmd azlxnet jq ip
tmp=$(mktemp -d)
cleanup()
{
	rm -rf "$tmp"
	ip link del azs0 2>/dev/null
	ip link del azv0 2>/dev/null
	ip link del azp0 2>/dev/null
	cleanup_module
	[ ! -d /sys/module/netvsc_sim ] || rmmod netvsc_sim 2>/dev/null
}
trap cleanup EXIT

# wait_state WANT: until "nic show" says vf_state WANT (linkwatch ran)
wait_state()
{
	local _
	for _ in $(seq 1 50); do
		[ "$(nic_field azs0 .vf_state)" = "$1" ] && return 0
		sleep 0.1
	done
	fail "vf_state never became $1"
}

mod_unload
sim_setup
modprobe azlxnet $SIM_PARAMS || fail "modprobe azlxnet"
ip link add azs0 address $SIM_MAC type netvsc_sim || fail "creating netvsc_sim azs0"
ip link add azv0 address $SIM_MAC type dummy || fail "creating dummy azv0"
ip link add azp0 type dummy || fail "creating dummy azp0"
ip link set azs0 up
ip link set azv0 up
ip link set azp0 up
S=$(ifindex azs0) V=$(ifindex azv0)
assert_eq "$(master_of azv0)" azs0 "VF claimed"
assert_eq "$(kfunc_tx "$S")" "$V" "kfunc with the VF up"

# tx_after IFINDEX IP-BATCH-LINES: the kfunc's answer right after "ip
# -batch", and the NIC model's vf_state read at once after it (in the same
# process: a second tool run would give linkwatch time to catch up on a
# slow kernel)
tx_after()
{
	printf '%s\n' "$2" >"$tmp/batch"
	"$(dirname "$0")/nic_test" tx-after "$1" ip -batch "$tmp/batch" ||
		fail "nic_test tx-after $1"
}

stale=0
for round in 1 2 3; do
	# Another device's carrier change first: linkwatch holds the next.
	read -r got cached <<<"$(tx_after "$S" "link set azp0 carrier off
link set azv0 carrier off")"
	echo "round $round: kfunc $got right after carrier off (NIC model after it: $cached)"
	[ "$cached" = up ] && stale=$((stale + 1))
	assert_eq "$got" "$S" "kfunc right after the VF lost carrier (round $round)"
	wait_state down
	assert_eq "$(kfunc_tx "$S")" "$S" "kfunc once the notifier saw the loss"

	read -r got cached <<<"$(tx_after "$S" "link set azp0 carrier on
link set azv0 carrier on")"
	echo "round $round: kfunc $got right after carrier on (NIC model after it: $cached)"
	assert_eq "$got" "$V" "kfunc right after the VF's carrier came back (round $round)"
	wait_state up
done
# The rounds prove something only if the notifier was behind in some.
echo "the NIC model was behind the carrier in $stale of 3 rounds"
[ "$stale" -gt 0 ] || fail "linkwatch was never behind: the test proved nothing"

ip link del azs0
mod_unload
sim_unload
