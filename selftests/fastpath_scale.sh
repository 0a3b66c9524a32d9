#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Endpoint lifecycle: a deleted pod leaves no state, a pod re-added with the
# same address works, and 200 pods added and removed leave no map entries
# and no tc filters behind.

source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/fastpath_lib.sh"
require_root
require_cmd azlxnet jq ip bpftool tc
N=${SCALE_PODS:-200}
cleanup()
{
	ip netns del azscale 2>/dev/null
	fp_cleanup
}
trap cleanup EXIT

entries()
{
	local f=$AZLXNET_PIN/$1
	[ -e "$f" ] || { echo 0; return; }
	bpftool -j map dump pinned "$f" | jq length
}
AZLXNET_PIN=/sys/fs/bpf/azlxnet

fp_setup
azlxnet fastpath enable up0 || fail "fastpath enable"
fp_pods_add
ip netns exec azp1 ping -c 1 -W 2 10.0.1.3 >/dev/null || fail "ping before delete"
azlxnet pod del --netns azp2 --ifname eth0 || fail "pod del"
assert_eq "$(azlxnet -j pod show | jq '[.[] | select(.host_ifname == "azh2")] | length')" 0 \
	"deleted pod in pod show"
assert_eq "$(tc filter show dev azh2 ingress | grep -c bpf)" 0 "tc filter after pod del"
out=$(azlxnet pod del --netns azp2 --ifname eth0 2>&1) && fail "deleting twice succeeded"
assert_match "$out" 'Error: .*no such pod' "second delete"
azlxnet pod add --netns azp2 --ifname eth0 --ip 10.0.1.3,fd00:1::3 || fail "pod re-add"
p=$(pod_stat azh2 to_pod_packets)
ip netns exec azp1 ping -c 2 -W 2 10.0.1.3 >/dev/null || fail "ping after re-add"
[ "$(pod_stat azh2 to_pod_packets)" -ge $((p + 2)) ] || fail "re-added pod not on the fast path"
out=$(azlxnet pod add --netns azp1 --ifname eth0 --ip 10.0.1.3 2>&1) &&
	fail "an address owned by another pod was accepted"
assert_eq "$(pod_stat azh1 redirect_peer | grep -c .)" 1 "azp1 unchanged after a refused add"

before_ep=$(entries azlxnet_endpoints) before_st=$(entries azlxnet_ep_stats)
ip netns add azscale || fail "netns azscale"
for i in $(seq 1 "$N"); do
	echo "link add azs$i type veth peer name p$i netns azscale"
done >/tmp/scale.batch
ip -batch /tmp/scale.batch || fail "creating $N veths"
for i in $(seq 1 "$N"); do
	azlxnet pod add --netns azscale --ifname p$i \
		--ip 10.$((100 + i / 250)).$((i % 250)).1,fd00:99::$i || fail "pod add #$i"
done
assert_eq "$(entries azlxnet_endpoints)" $((before_ep + 2 * N)) "endpoints with $N pods"
assert_eq "$(entries azlxnet_ep_stats)" $((before_st + N)) "stats entries with $N pods"
assert_eq "$(azlxnet -j pod show | jq length)" $((N + 2)) "pod show with $N pods"
for i in $(seq 1 "$N"); do
	azlxnet pod del --netns azscale --ifname p$i || fail "pod del #$i"
done
assert_eq "$(entries azlxnet_endpoints)" "$before_ep" "endpoints after deleting $N pods"
assert_eq "$(entries azlxnet_ep_stats)" "$before_st" "stats entries after deleting $N pods"
left=0
for i in $(seq 1 "$N"); do
	left=$((left + $(tc filter show dev azs$i ingress | grep -c bpf)))
done
assert_eq "$left" 0 "tc filters left on the $N host veths"
ip netns exec azp1 ping -c 1 -W 2 10.0.1.3 >/dev/null || fail "the two pods after the churn"

# Everything off: no maps, no filters.
azlxnet pod del --netns azp1 --ifname eth0 || fail "pod del azp1"
azlxnet pod del --netns azp2 --ifname eth0 || fail "pod del azp2"
azlxnet fastpath disable up0 || fail "fastpath disable"
assert_eq "$(tc filter show dev up0 ingress | grep -c bpf)" 0 "uplink filter after disable"
[ ! -e $AZLXNET_PIN/azlxnet_endpoints ] || fail "maps still pinned with nothing enabled"
