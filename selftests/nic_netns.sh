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

source "$(dirname "$0")/lib.sh"
require_root
require_cmd azlxnet jq ip
cleanup()
{
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
assert_eq "$(nic_field azs0 .vf.ifindex)" "$V" "VF paired in the first namespace"

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

# 2. follow: back to the first namespace; the VF follows 3 s later (times
# AZLXNET_TIMEOUT_SCALE on a slower kernel, so that the checks below still
# fall inside the window).
sc=${AZLXNET_TIMEOUT_SCALE:-1}
sim_param netns_mode follow
sim_param vf_move_delay_ms $((3000 * sc))
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
for _ in $(seq 1 $((100 * sc))); do
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

ip netns del aznsB
ip link del azs0
mod_unload
sim_unload
