#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# The netvsc-like stand-in (selftests/netvsc_sim) behaves toward its VF as
# hv_netvsc does, and azlxnet pairs it with its VF: a dummy with the NIC's
# MAC is claimed when it registers (master link, IFF_SLAVE); packets leave
# through the VF while it is up (the VF's tx counter counts them, the NIC's
# does not) and through the synthetic path otherwise (the other way round);
# the VF is released when it unregisters and when the NIC does; the kfunc
# and "nic show" follow each step. azlxnet learns the NIC's driver from its
# parent device, never calling the driver's get_drvinfo.

source "$(dirname "$0")/lib.sh"
require_root
require_cmd azlxnet jq ip
tmp=$(mktemp -d)
# Only what the test sends: no IPv6 (MLD reports) on the devices it makes.
v6=$(sysctl -n net.ipv6.conf.default.disable_ipv6)
cleanup()
{
	sysctl -qw net.ipv6.conf.default.disable_ipv6="$v6"
	ip link del azs0 2>/dev/null
	ip link del azv0 2>/dev/null
	ip link del azx0 2>/dev/null
	cleanup_module
	[ ! -d /sys/module/netvsc_sim ] || rmmod netvsc_sim 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT

mod_unload
sim_setup
modprobe azlxnet $SIM_PARAMS || fail "modprobe azlxnet"

# send N: N numbered UDP datagrams to 10.9.0.2 out of azs0; prints N sent
send()
{
	local out
	out=$("$(dirname "$0")/netcheck" stream udp 10.9.0.2 9 "$(awk -v n="$1" 'BEGIN { print n / 20 }')" 20) ||
		fail "netcheck stream: $out"
	echo "${out#sent }"
}

# 1. The VF is claimed by MAC when it registers.
sysctl -qw net.ipv6.conf.default.disable_ipv6=1
ip link add azs0 address $SIM_MAC type netvsc_sim || fail "creating netvsc_sim azs0"
ip link add azx0 address 02:00:00:00:0a:99 type dummy || fail "creating dummy azx0"
ip link add azv0 address $SIM_MAC type dummy || fail "creating dummy azv0"
assert_eq "$(master_of azv0)" azs0 "master of the dummy with the NIC's MAC"
assert_match "$(ip -j link show azv0 | jq -r '.[0].flags | join(",")')" SLAVE "IFF_SLAVE on the VF"
assert_eq "$(master_of azx0)" null "a dummy with another MAC is not claimed"
assert_eq "$(basename "$(readlink /sys/class/net/azs0/device/driver)")" netvsc_sim \
	"driver bound to the NIC's parent device"
ip link set azs0 up
ip link set azv0 up
ip addr add 10.9.0.1/24 dev azs0
ip neigh add 10.9.0.2 lladdr 02:00:00:00:0b:02 dev azs0 nud permanent
S=$(ifindex azs0) V=$(ifindex azv0)
j=$(nic_json azs0)
echo "paired: $j"
assert_eq "$(jq -r .vf.ifindex <<<"$j")" "$V" "azlxnet pairs the VF"
assert_eq "$(jq -r .vf.driver <<<"$j")" dummy "VF driver"
assert_eq "$(jq -r .vf_state <<<"$j")" up "VF state"
assert_eq "$(kfunc_tx "$S")" "$V" "kfunc with the VF up"

# 2. Transmit: through the VF while it is up, the synthetic path otherwise.
s0=$(tx_packets azs0) v0=$(tx_packets azv0)
n=$(send 10)
[ "$n" -gt 0 ] || fail "nothing sent"
assert_eq "$(tx_packets azv0)" $((v0 + n)) "VF tx counter after $n packets with the VF up"
assert_eq "$(tx_packets azs0)" "$s0" "synthetic tx counter with the VF up"
ip link set azv0 down
assert_eq "$(kfunc_tx "$S")" "$S" "kfunc with the VF down"
s0=$(tx_packets azs0) v0=$(tx_packets azv0)
n=$(send 10)
assert_eq "$(tx_packets azs0)" $((s0 + n)) "synthetic tx counter after $n packets with the VF down"
assert_eq "$(tx_packets azv0)" "$v0" "VF tx counter with the VF down"
ip link set azv0 up
assert_eq "$(kfunc_tx "$S")" "$V" "kfunc with the VF up again"

# 3. Released when it unregisters; claimed again when it comes back.
ip link del azv0
assert_eq "$(ls -d /sys/class/net/azs0/lower_* 2>/dev/null | wc -l)" 0 "no lower device left"
assert_eq "$(nic_field azs0 .vf)" null "no VF after the VF's removal"
assert_eq "$(kfunc_tx "$S")" "$S" "kfunc without a VF"
ip link add azv0 address $SIM_MAC type dummy || fail "creating dummy azv0 again"
ip link set azv0 up
V=$(ifindex azv0)
assert_eq "$(master_of azv0)" azs0 "a new VF with the MAC is claimed"
assert_eq "$(nic_field azs0 .vf.ifindex)" "$V" "azlxnet pairs the new VF"
assert_eq "$(kfunc_tx "$S")" "$V" "kfunc with the new VF"
assert_eq "$(nic_field azs0 .vf_joins)" 2 "joins"
assert_eq "$(nic_field azs0 .vf_leaves)" 1 "leaves"

# 4. The NIC going away releases its VF.
ip link del azs0
assert_eq "$(master_of azv0)" null "VF released with its NIC"
ip -j link show azv0 | jq -e '.[0].flags | index("SLAVE") | not' >/dev/null ||
	fail "IFF_SLAVE left on the released VF"
assert_eq "$(azlxnet -j nic show | jq length)" 0 "no NICs left"
assert_eq "$(kfunc_tx "$S")" -19 "kfunc for the deleted NIC"

# 5. azlxnet found the driver from the parent device's bound driver, as
# the ethtool core knows it, without calling into the driver.
assert_eq "$(sim_param drvinfo_calls)" 0 "get_drvinfo calls into netvsc_sim"
mod_unload
sim_unload
