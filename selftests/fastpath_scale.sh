#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Endpoint lifecycle: a deleted pod leaves no state, a pod re-added with the
# same address works, and 200 pods added and removed leave no map entries
# and no programs (tc filters or tcx links) or pins behind.

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

# entries MAP...: entries of the pinned maps, summed
entries()
{
	local dir m n=0
	dir=$(fp_pin_dir)
	for m in "$@"; do
		[ -n "$dir" ] && [ -e "$dir/$m" ] &&
			n=$((n + $(bpftool -j map dump pinned "$dir/$m" | jq length)))
	done
	echo $n
}
# links: tcx link pins
links()
{
	local dir
	dir=$(fp_pin_dir)
	[ -n "$dir" ] || { echo 0; return; }
	find "$dir" -name 'tcx_*' | wc -l
}

fp_setup
azlxnet fastpath enable up0 || fail "fastpath enable"
fp_pods_add
ip netns exec azp1 ping -c 1 -W 2 10.0.1.3 >/dev/null || fail "ping before delete"
azlxnet pod del --netns azp2 --ifname eth0 || fail "pod del"
assert_eq "$(azlxnet -j pod show | jq '[.[] | select(.host_ifname == "azh2")] | length')" 0 \
	"deleted pod in pod show"
assert_eq "$(fp_progs azh2)" 0 "programs on azh2 after pod del"
out=$(azlxnet pod del --netns azp2 --ifname eth0 2>&1) && fail "deleting twice succeeded"
assert_match "$out" 'Error: .*no such pod' "second delete"
azlxnet pod add --netns azp2 --ifname eth0 --ip 10.0.1.3,fd00:1::3 || fail "pod re-add"
p=$(pod_stat azh2 to_pod_packets)
ip netns exec azp1 ping -c 2 -W 2 10.0.1.3 >/dev/null || fail "ping after re-add"
[ "$(pod_stat azh2 to_pod_packets)" -ge $((p + 2)) ] || fail "re-added pod not on the fast path"
out=$(azlxnet pod add --netns azp1 --ifname eth0 --ip 10.0.1.3 2>&1) &&
	fail "an address owned by another pod was accepted"
assert_eq "$(pod_stat azh1 redirect_peer | grep -c .)" 1 "azp1 unchanged after a refused add"

before_ep=$(entries azlxnet_ep4 azlxnet_ep6) before_st=$(entries azlxnet_hosts)
before_ln=$(links)
ip netns add azscale || fail "netns azscale"
for i in $(seq 1 "$N"); do
	echo "link add azs$i type veth peer name p$i netns azscale"
done >/tmp/scale.batch
ip -batch /tmp/scale.batch || fail "creating $N veths"
for i in $(seq 1 "$N"); do
	azlxnet pod add --netns azscale --ifname p$i \
		--ip 10.$((100 + i / 250)).$((i % 250)).1,fd00:99::$i || fail "pod add #$i"
done
assert_eq "$(entries azlxnet_ep4 azlxnet_ep6)" $((before_ep + 2 * N)) "endpoints with $N pods"
assert_eq "$(entries azlxnet_hosts)" $((before_st + N)) "counter slots with $N pods"
if [ "$(fp_attach_mode)" = tcx ]; then
	assert_eq "$(links)" $((before_ln + N)) "tcx link pins with $N pods"
fi
assert_eq "$(azlxnet -j pod show | jq length)" $((N + 2)) "pod show with $N pods"
for i in $(seq 1 "$N"); do
	azlxnet pod del --netns azscale --ifname p$i || fail "pod del #$i"
done
assert_eq "$(entries azlxnet_ep4 azlxnet_ep6)" "$before_ep" "endpoints after deleting $N pods"
assert_eq "$(entries azlxnet_hosts)" "$before_st" "counter slots after deleting $N pods"
assert_eq "$(links)" "$before_ln" "tcx link pins after deleting $N pods"
left=0
for i in $(seq 1 "$N"); do
	left=$((left + $(fp_progs azs$i)))
done
assert_eq "$left" 0 "programs left on the $N host veths"
ip netns exec azp1 ping -c 1 -W 2 10.0.1.3 >/dev/null || fail "the two pods after the churn"

# Everything off: no maps, no filters.
azlxnet pod del --netns azp1 --ifname eth0 || fail "pod del azp1"
azlxnet pod del --netns azp2 --ifname eth0 || fail "pod del azp2"
azlxnet fastpath disable up0 || fail "fastpath disable"
assert_eq "$(fp_progs up0)" 0 "uplink program after disable"
[ ! -e /sys/fs/bpf/azlxnet ] || fail "pins left with nothing enabled: $(ls -R /sys/fs/bpf/azlxnet)"
