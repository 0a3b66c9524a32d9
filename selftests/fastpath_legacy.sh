#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Upgrading from the first release, whose fast path pinned its maps and
# programs straight in /sys/fs/bpf/azlxnet (azlxnet_endpoints keyed by a
# 20-byte family+address, 16-byte values; azlxnet_ep_stats, a per-CPU hash;
# azlxnet_uplinks) and attached tc filters at handle 0xa21e priority 1.
# That state is built here with bpftool and tc, its programs stood in for
# by this build's (same names, private empty maps: the stack carries the
# traffic until the upgrade). The first pod add of this tool must then
# move the endpoints and the uplink into its maps, put its programs on
# every device in place of the old filters, remove the old pins, and the
# pods must talk over the fast path.

source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/fastpath_lib.sh"
require_root
require_cmd azlxnet jq ip bpftool tc
PIN=/sys/fs/bpf/azlxnet
OBJ=/usr/lib/azlxnet/bpf/fastpath_nomod.bpf.o
OLD=/sys/fs/bpf/azlxnet_legacy_progs
[ -f $OBJ ] || fail "no $OBJ"
cleanup()
{
	for n in 1 2 3; do azlxnet pod del --netns azp$n --ifname eth0 >/dev/null 2>&1; done
	azlxnet fastpath disable up0 >/dev/null 2>&1
	for n in 1 2 3; do tc filter del dev azh$n ingress pref 1 2>/dev/null; done
	rm -rf $OLD $PIN/azlxnet_endpoints $PIN/azlxnet_ep_stats $PIN/azlxnet_uplinks \
		$PIN/prog_from_pod $PIN/prog_to_pod
	ip netns del azp3 2>/dev/null
	fp_cleanup
	cleanup_module
}
trap cleanup EXIT

# le32 N: N as four little-endian hex bytes
le32() { printf '%02x %02x %02x %02x' $(($1 & 255)) $(($1 >> 8 & 255)) $(($1 >> 16 & 255)) $(($1 >> 24 & 255)); }
# mac_hex MAC: "aa bb cc dd ee ff"
mac_hex() { tr ':' ' ' <<<"$1"; }
# v4_hex A.B.C.D: network-order bytes; v6_hex N: those of fd00:1::N (N < 256)
v4_hex() { printf '%02x %02x %02x %02x' ${1//./ }; }
v6_hex() { printf 'fd 00 00 01 00 00 00 00 00 00 00 00 00 00 00 %02x' "$1"; }

mod_unload
modprobe azlxnet $FP_PARAMS || fail "modprobe azlxnet"
fp_setup
fp_pod 3

# The first release's state for azp1, azp2 and the uplink up0 (with vf0).
mkdir -p $PIN $OLD
bpftool map create $PIN/azlxnet_endpoints type hash key 20 value 16 entries 16384 \
	name azlxnet_endpoi || fail "legacy azlxnet_endpoints"
bpftool map create $PIN/azlxnet_ep_stats type percpu_hash key 4 value 112 entries 16384 \
	name azlxnet_ep_sta || fail "legacy azlxnet_ep_stats"
bpftool map create $PIN/azlxnet_uplinks type hash key 4 value 4 entries 64 \
	name azlxnet_uplink || fail "legacy azlxnet_uplinks"
for n in 1 2; do
	h=azh$n
	idx=$(cat /sys/class/net/$h/ifindex)
	val="$(le32 "$idx") $(mac_hex "$(ip -n azp$n -j link show eth0 | jq -r '.[0].address')") $(mac_hex "$(cat /sys/class/net/$h/address)")"
	# shellcheck disable=SC2086
	bpftool map update pinned $PIN/azlxnet_endpoints \
		key hex 02 00 00 00 $(v4_hex 10.0.1.$((n + 1))) $(printf '00 %.0s' $(seq 12)) \
		value hex $val || fail "legacy IPv4 entry of azp$n"
	# shellcheck disable=SC2086
	bpftool map update pinned $PIN/azlxnet_endpoints \
		key hex 0a 00 00 00 $(v6_hex $((n + 1))) value hex $val ||
		fail "legacy IPv6 entry of azp$n"
done
# shellcheck disable=SC2046
bpftool map update pinned $PIN/azlxnet_uplinks key hex $(le32 "$(cat /sys/class/net/up0/ifindex)") \
	value hex 01 00 00 00 || fail "legacy uplink entry"
bpftool prog loadall $OBJ $OLD type tc || fail "loading the stand-in programs"
cp -a $OLD/azlxnet_from_pod $PIN/prog_from_pod 2>/dev/null ||
	bpftool prog pin pinned $OLD/azlxnet_from_pod $PIN/prog_from_pod 2>/dev/null ||
	bpftool prog pin id "$(bpftool -j prog show pinned $OLD/azlxnet_from_pod | jq .id)" $PIN/prog_from_pod ||
	fail "pinning the legacy from-pod program"
bpftool prog pin id "$(bpftool -j prog show pinned $OLD/azlxnet_to_pod | jq .id)" $PIN/prog_to_pod ||
	fail "pinning the legacy to-pod program"
for d in azh1 azh2; do
	tc qdisc add dev $d clsact 2>/dev/null
	tc filter add dev $d ingress handle 0xa21e pref 1 bpf da object-pinned $OLD/azlxnet_from_pod ||
		fail "legacy filter on $d"
done
for d in up0 vf0; do
	tc qdisc add dev $d clsact 2>/dev/null
	tc filter add dev $d ingress handle 0xa21e pref 1 bpf da object-pinned $OLD/azlxnet_to_pod ||
		fail "legacy filter on $d"
done
old_ids=$(for d in azh1 azh2 up0 vf0; do tc filter show dev $d ingress | sed -n 's/.* id \([0-9]*\).*/\1/p'; done | sort -u)
rm -rf $OLD
st=$(azlxnet -j fastpath show) || fail "fastpath show with legacy state"
assert_eq "$(jq -r .stale <<<"$st")" legacy "fastpath show before the upgrade"
echo "before: $(jq -c '{identity, stale, pinned}' <<<"$st"), old programs $(echo $old_ids)"
ip netns exec azp1 ping -c 1 -W 2 10.0.1.3 >/dev/null || fail "ping azp1 -> azp2 before"

# The upgrade: this tool's first pod add.
out=$(azlxnet pod add --netns azp3 --ifname eth0 --ip 10.0.1.4,fd00:1::4 2>&1) ||
	fail "pod add with legacy state: $out"
echo "$out"
st=$(azlxnet -j fastpath show)
assert_eq "$(jq -r .identity <<<"$st")" "$(jq -r .tool_identity <<<"$st")" "identity after the upgrade"
assert_eq "$(jq -r .stale <<<"$st")" null "stale after the upgrade"
assert_match "$(jq -r .counters_since <<<"$st")" "legacy" "counters_since"
assert_eq "$(jq -c '[.uplinks[].ifname]' <<<"$st")" '["up0"]' "uplinks after the upgrade"
assert_eq "$(azlxnet -j pod show | jq -c '[.[] | {host_ifname, addresses}] | sort_by(.host_ifname)')" \
	'[{"host_ifname":"azh1","addresses":["10.0.1.2","fd00:1::2"]},{"host_ifname":"azh2","addresses":["10.0.1.3","fd00:1::3"]},{"host_ifname":"azh3","addresses":["10.0.1.4","fd00:1::4"]}]' \
	"pods after the upgrade"
for d in azh1 azh2 azh3 up0 vf0; do
	assert_eq "$(fp_progs $d)" 1 "programs on $d (the old filter replaced, not joined)"
done
assert_eq "$(jq '[.programs[] | select(.program.ours != true)] | length' <<<"$st")" 0 "foreign programs"
for id in $(jq -r '.programs[].program.id' <<<"$st"); do
	grep -qx "$id" <<<"$old_ids" && fail "program $id is still the legacy one"
done
for f in azlxnet_endpoints azlxnet_ep_stats azlxnet_uplinks prog_from_pod prog_to_pod; do
	[ ! -e $PIN/$f ] || fail "legacy pin $PIN/$f is still there"
done

# The pods on the fast path, both families, old and new.
p1=$(pod_stat azh1 redirect_peer) p3=$(pod_stat azh3 redirect_peer)
ip netns exec azp1 ping -c 3 -i 0.2 -W 2 10.0.1.3 >/dev/null || fail "ping azp1 -> azp2 after"
ip netns exec azp1 ping -6 -c 3 -i 0.2 -W 2 fd00:1::3 >/dev/null || fail "ping6 azp1 -> azp2 after"
ip netns exec azp3 ping -c 3 -i 0.2 -W 2 10.0.1.2 >/dev/null || fail "ping azp3 -> azp1 after"
d1=$(( $(pod_stat azh1 redirect_peer) - p1 )) d3=$(( $(pod_stat azh3 redirect_peer) - p3 ))
echo "after the upgrade: redirect_peer +$d1 (azp1), +$d3 (azp3)"
[ "$d1" -ge 9 ] || fail "azp1 not on the fast path after the upgrade (+$d1)"
[ "$d3" -ge 3 ] || fail "azp3 not on the fast path (+$d3)"
