#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# A VF pairs only with a synthetic NIC of its own network namespace, under
# both of hv_netvsc's namespace behaviours (netvsc_sim's netns_mode):
# - "stay" (older kernels): the NIC moves to namespace B and its VF stays in
#   A, still linked: in B, "nic show" and the kfunc say "no VF" (the NIC's
#   own ifindex), not A's ifindex; once the VF is moved into B it joins.
# - "follow" (6.1.y, 6.12): the VF follows its NIC, vf_move_delay_ms later:
#   inside that window the NIC has no VF; after it the VF joins in the new
#   namespace.
# In both, a NIC that moves is a nic-del in the namespace it leaves and a
# nic-new in the one it enters (each naming the VF it has there), never a
# vf-leave: "azlxnet monitor" in each namespace sees exactly that.

source "$(dirname "$0")/lib.sh"
require_root
require_cmd azlxnet jq ip
tmp=$(mktemp -d)
mons=()
cleanup()
{
	[ ${#mons[@]} = 0 ] || kill "${mons[@]}" 2>/dev/null
	rm -rf "$tmp"
	ip netns del aznsB 2>/dev/null
	ip link del azs0 2>/dev/null
	ip link del azv0 2>/dev/null
	cleanup_module
	[ ! -d /sys/module/netvsc_sim ] || rmmod netvsc_sim 2>/dev/null
}
trap cleanup EXIT

# in_b CMD...: run CMD in namespace aznsB
in_b()
{
	ip netns exec aznsB "$@"
}

# monitor NAME [NETNS]: start "azlxnet -j monitor" into $tmp/NAME (in
# NETNS if given) and wait until it listens
monitor()
{
	local n=$1 i
	shift
	${1:+ip netns exec "$1"} azlxnet -j monitor >"$tmp/$n" 2>"$tmp/$n.err" &
	mons+=($!)
	for ((i = 0; i < 300 * ${AZLXNET_TIMEOUT_SCALE:-1}; i++)); do
		grep -q listening "$tmp/$n.err" && return 0
		sleep 0.1
	done
	fail "monitor $n did not start: $(cat "$tmp/$n.err")"
}

# events NAME: the membership events seen so far, one "EVENT IFINDEX VF"
# a line (VF: the VF's ifindex, or - for none); vf-up/vf-down are left out
# (a VF joins up or down depending on when the move's ifup runs)
events()
{
	jq -r 'select(.event != "vf-up" and .event != "vf-down") |
		"\(.event) \(.ifindex) \(.vf.ifindex // "-")"' "$tmp/$1" | tr '\n' ' '
}

# await_events NAME N: wait until NAME has seen N membership events
await_events()
{
	local i
	for ((i = 0; i < 300 * ${AZLXNET_TIMEOUT_SCALE:-1}; i++)); do
		[ "$(events "$1" | wc -w)" -ge $(($2 * 3)) ] && return 0
		sleep 0.1
	done
	fail "$1: expected $2 events, got: $(events "$1")"
}

# kfunc_tx_b IFINDEX: the kfunc's answer to a program in aznsB
kfunc_tx_b()
{
	in_b "$(dirname "$0")/nic_test" tx "$1" || fail "nic_test tx $1 in aznsB"
}

mod_unload
sim_setup netns_mode=stay
modprobe azlxnet $SIM_PARAMS || fail "modprobe azlxnet"
ip netns add aznsB || fail "ip netns add"

ip link add azs0 address $SIM_MAC type netvsc_sim || fail "creating netvsc_sim azs0"
ip link add azv0 address $SIM_MAC type dummy || fail "creating dummy azv0"
ip link set azs0 up
ip link set azv0 up
S=$(ifindex azs0) V=$(ifindex azv0)
SA=$S VA=$V
assert_eq "$(nic_field azs0 .vf.ifindex)" "$V" "VF paired in the first namespace"

monitor a
monitor b aznsB

# 1. stay: the NIC moves, its VF stays behind, still linked.
ip link set azs0 netns aznsB || fail "moving azs0 to aznsB"
ip -j link show azv0 | jq -e '.[0].flags | index("SLAVE")' >/dev/null ||
	fail "the VF left behind is no longer enslaved (netvsc_sim: stay)"
[ -e /sys/class/net/azs0 ] && fail "azs0 still in the first namespace"
SB=$(in_b cat /sys/class/net/azs0/ifindex)
in_b ip link set azs0 up
j=$(in_b azlxnet -j nic show azs0) || fail "nic show azs0 in aznsB"
echo "in B, VF left in A: $j"
assert_eq "$(jq -r .vf <<<"$j")" null "nic show in B with the VF left in A"
assert_eq "$(jq -r .tx_ifindex <<<"$j")" "$SB" "tx_ifindex in B with the VF left in A"
assert_eq "$(jq -r .vf_state <<<"$j")" absent "vf_state in B with the VF left in A"
assert_eq "$(kfunc_tx_b "$SB")" "$SB" "kfunc in B with the VF left in A"
assert_eq "$(azlxnet -j nic show | jq length)" 0 "no NIC left in the first namespace"
assert_eq "$(kfunc_tx "$S")" -19 "kfunc in A for the NIC that left"

# The VF moves into B: released in A, claimed and paired in B.
ip link set azv0 netns aznsB || fail "moving azv0 to aznsB"
VB=$(in_b cat /sys/class/net/azv0/ifindex)
in_b ip link set azv0 up
assert_eq "$(master_of azv0 aznsB)" azs0 "VF claimed again in B"
j=$(in_b azlxnet -j nic show azs0) || fail "nic show azs0 in aznsB"
echo "in B with its VF: $j"
assert_eq "$(jq -r .vf.ifindex <<<"$j")" "$VB" "VF paired in B"
assert_eq "$(jq -r .vf_state <<<"$j")" up "vf_state in B"
assert_eq "$(kfunc_tx_b "$SB")" "$VB" "kfunc in B with the VF in B"
await_events a 1
await_events b 2
assert_eq "$(events a)" "nic-del $S $V " "events in A: the NIC left with its VF"
assert_eq "$(events b)" "nic-new $SB - vf-join $SB $VB " \
	"events in B: the NIC came without its VF, which joined later"

# 2. follow: back to the first namespace; the VF follows 8 s later (times
# AZLXNET_TIMEOUT_SCALE on a slower kernel, so that the checks below still
# fall inside the window: they load a BPF program and run the tool four
# times, which took over 3 s on a loaded host).
sc=${AZLXNET_TIMEOUT_SCALE:-1}
sim_param netns_mode follow
sim_param vf_move_delay_ms $((8000 * sc))
in_b ip link set azs0 netns 1 || fail "moving azs0 back"
S=$(ifindex azs0)
ip link set azs0 up
j=$(nic_json azs0)
# Still inside the window? The checks are only meaningful there.
in_b test -e /sys/class/net/azv0 || fail "the VF moved before the window's checks ran"
echo "in A, VF still in B: $j"
assert_eq "$(jq -r .vf <<<"$j")" null "nic show inside the window"
assert_eq "$(kfunc_tx "$S")" "$S" "kfunc inside the window"
assert_eq "$(in_b azlxnet -j nic show | jq length)" 0 "no NIC left in B"
in_b test -e /sys/class/net/azv0 || fail "the VF moved before the window's checks ended"
for _ in $(seq 1 $((150 * sc))); do
	[ -e /sys/class/net/azv0 ] && break
	sleep 0.1
done
[ -e /sys/class/net/azv0 ] || fail "the VF did not follow its NIC"
ip link set azv0 up
V=$(ifindex azv0)
assert_eq "$(master_of azv0)" azs0 "VF claimed after following"
j=$(nic_json azs0)
echo "in A after the VF followed: $j"
assert_eq "$(jq -r .vf.ifindex <<<"$j")" "$V" "VF paired after following"
assert_eq "$(kfunc_tx "$S")" "$V" "kfunc after the VF followed"
await_events a 3
await_events b 3
assert_eq "$(events a)" "nic-del $SA $VA nic-new $S - vf-join $S $V " \
	"events in A: the NIC came back without its VF, which followed"
assert_eq "$(events b)" "nic-new $SB - vf-join $SB $VB nic-del $SB $VB " \
	"events in B: the NIC left with its VF"
# and nothing else (a late or doubled event): both still listening
sleep 0.5
assert_eq "$(jq -r .event "$tmp/a" "$tmp/b" | grep -c -e vf-leave)" 0 "no vf-leave anywhere"

ip netns del aznsB
ip link del azs0
mod_unload
sim_unload
