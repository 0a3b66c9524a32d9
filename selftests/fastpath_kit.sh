#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# The pod fast path on azlxkit pairs (see fastpath_lib.sh for the rest of
# the topology): pods azp3 (10.0.1.4, fd00:1::4) and azp4 (10.0.1.5,
# fd00:1::5) on azlxkit pairs whose primaries azh3 and azh4 are their host
# sides, beside the veth pods azp1 and azp2. "azlxnet pod add" puts
# azlxnet_from_kit on each pair's peer end; "pod show" says which device
# a pod has. Proven by counters, IPv4 and IPv6:
#   - azlxkit pod to veth pod and back: the fast path's counters of both,
#     the kit's redirect_xmit, nothing forwarded by the host's stack;
#   - azlxkit pod to azlxkit pod: straight into the other pod (the kit's
#     redirect_pod);
#   - to the remote node through the VF (redirect_vf, vf0's tx) and back
#     through the uplink's program into the azlxkit pod;
#   - "fastpath reload" moves the pairs to the new program instance, and an
#     upgrade (azlxnet-next) to the new build's;
#   - "pod del" takes the program off, and traffic takes the stack again.

source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/fastpath_lib.sh"
require_root
require_cmd azlxnet jq ip bpftool tc
dir=$(cd "$(dirname "$0")" && pwd)
cleanup()
{
	for n in 3 4; do
		azlxnet pod del --ip 10.0.1.$((n + 1)) >/dev/null 2>&1
		ip link del azh$n 2>/dev/null
		ip netns del azp$n 2>/dev/null
	done
	fp_cleanup
	# the veth pods' entries (their devices are gone): the last one takes
	# the fast path state, and its programs' hold on the module, with it
	for n in 1 2; do azlxnet pod del --ip 10.0.1.$((n + 1)) >/dev/null 2>&1; done
	cleanup_module
}
trap cleanup EXIT

# kit_pod N: netns azpN with eth0 = 10.0.1.(N+1) on an azlxkit pair, host
# side azhN, routed as fp_pod does
kit_pod()
{
	local n=$1 ns=azp$1 h=azh$1 ip4=10.0.1.$(($1 + 1)) ip6=fd00:1::$(($1 + 1))

	ip netns add $ns || fail "ip netns add $ns"
	azlxnet kit add $h peer eth0 netns $ns || fail "kit add $h"
	ip -n $ns link set lo up
	ip -n $ns addr add $ip4/32 dev eth0
	ip -n $ns -6 addr add $ip6/128 dev eth0 nodad
	ip -n $ns link set eth0 up
	ip -n $ns route add default dev eth0
	ip -n $ns -6 route add default dev eth0
	ip addr add 10.0.1.1/32 dev $h
	ip link set $h up
	ip route add $ip4/32 dev $h
	ip -6 route add $ip6/128 dev $h
}

# kstat NETNS COUNTER: an ethtool counter of eth0 (an azlxkit peer) in NETNS
kstat()
{
	ip netns exec "$1" "$dir/kit_prog" stats eth0 | awk -v c="$2" '$1 == c { print $2 }'
}

# peer_prog HOST: "ID NAME" of the program on the peer's end of HOST's pair
peer_prog()
{
	azlxnet -j kit prog show "$1" | jq -r '.[0].peer | if . == null then "none" else "\(.id) \(.name)" end'
}

mod_unload
modprobe azlxnet $FP_PARAMS || fail "modprobe azlxnet"
fp_setup
azlxnet fastpath enable up0 || fail "fastpath enable up0"
fp_pods_add
kit_pod 3
kit_pod 4
azlxnet pod add --netns azp3 --ifname eth0 --ip 10.0.1.4,fd00:1::4 || fail "pod add azp3"
azlxnet pod add --netns azp4 --ifname eth0 --ip 10.0.1.5,fd00:1::5 || fail "pod add azp4"
assert_eq "$(azlxnet -j pod show | jq -r 'map("\(.host_ifname)=\(.device)") | join(" ")')" \
	"azh1=veth azh2=veth azh3=azlxkit azh4=azlxkit" "the pods' devices in pod show"
assert_match "$(azlxnet pod show)" "azh3 \(ifindex [0-9]+\): 10.0.1.4 fd00:1::4, .*, on azlxkit" \
	"pod show's text"
assert_match "$(peer_prog azh3)" "^[0-9]+ azlxnet_from_ki\$" "the program on azh3's peer"
assert_eq "$(azlxnet -j kit prog show azh3 | jq -r '.[0].primary')" null "azh3's own end"
echo "ok: pod add on azlxkit pairs"

# 1. azlxkit pod to veth pod and back.
fwd0=$(stack_forwarded)
p3=$(pod_stat azh3 redirect_peer) p1=$(pod_stat azh1 redirect_peer)
t3=$(pod_stat azh3 to_pod_packets) x3=$(kstat azp3 redirect_xmit)
for dst in 10.0.1.2 fd00:1::2; do
	ip netns exec azp3 ping -c 3 -i 0.1 -W 2 $dst >/dev/null || fail "ping azp3 -> $dst"
done
for dst in 10.0.1.4 fd00:1::4; do
	ip netns exec azp1 ping -c 3 -i 0.1 -W 2 $dst >/dev/null || fail "ping azp1 -> $dst"
done
# azp3 sent 6 requests and 6 replies, azp1 the same; each fast path delivered 12
assert_eq "$(( $(pod_stat azh3 redirect_peer) - p3 ))" 12 "azh3's redirects to a local pod"
assert_eq "$(( $(pod_stat azh1 redirect_peer) - p1 ))" 12 "azh1's redirects to a local pod"
assert_eq "$(( $(pod_stat azh3 to_pod_packets) - t3 ))" 12 "packets delivered into azp3"
assert_eq "$(( $(kstat azp3 redirect_xmit) - x3 ))" 12 "azp3's kit redirects to veth host sides"
assert_eq "$(( $(stack_forwarded) - fwd0 ))" 0 "datagrams the host stack forwarded"
nc_exchange azp3 azp1 tcp 10.0.1.2 7101
nc_exchange azp1 azp3 tcp fd00:1::4 7102
echo "ok: azlxkit pod <-> veth pod on the fast path"

# 2. azlxkit pod to azlxkit pod: into the other pod directly.
fwd0=$(stack_forwarded) k3=$(kstat azp3 redirect_pod) k4=$(kstat azp4 redirect_pod)
for dst in 10.0.1.5 fd00:1::5; do
	ip netns exec azp3 ping -c 3 -i 0.1 -W 2 $dst >/dev/null || fail "ping azp3 -> $dst"
done
assert_eq "$(( $(kstat azp3 redirect_pod) - k3 ))" 6 "azp3's kit redirects into azp4"
assert_eq "$(( $(kstat azp4 redirect_pod) - k4 ))" 6 "azp4's kit redirects into azp3"
assert_eq "$(( $(stack_forwarded) - fwd0 ))" 0 "datagrams the host stack forwarded"
echo "ok: azlxkit pod <-> azlxkit pod"

# 3. To the remote node through the VF, and back into the azlxkit pod.
ping -c 1 -W 2 192.168.50.2 >/dev/null || fail "ping the remote from the host"
ping -6 -c 1 -W 2 fd00:50::2 >/dev/null || fail "ping6 the remote from the host"
vf=$(pod_stat azh3 redirect_vf) t3=$(pod_stat azh3 to_pod_packets)
vf_tx=$(cat /sys/class/net/vf0/statistics/tx_packets)
for dst in 192.168.50.2 fd00:50::2; do
	ip netns exec azp3 ping -c 3 -i 0.1 -W 2 $dst >/dev/null || fail "ping azp3 -> $dst"
done
assert_eq "$(( $(pod_stat azh3 redirect_vf) - vf ))" 6 "azh3's redirects to the VF"
[ $(( $(cat /sys/class/net/vf0/statistics/tx_packets) - vf_tx )) -ge 6 ] ||
	fail "vf0 sent fewer than 6 packets"
assert_eq "$(( $(pod_stat azh3 to_pod_packets) - t3 ))" 6 "replies delivered into azp3"
echo "ok: azlxkit pod to the remote through the VF"

# 4. A reload moves the pairs to the new program instance.
read -r id0 _ <<<"$(peer_prog azh3)"
azlxnet fastpath reload || fail "fastpath reload"
read -r id1 name <<<"$(peer_prog azh3)"
[ "$id1" != "$id0" ] && [ "$name" = azlxnet_from_ki ] || fail "azh3's program after reload: $id1 $name"
assert_eq "$(peer_prog azh4 | cut -d' ' -f1)" "$id1" "azh4's program after reload"
p3=$(pod_stat azh3 redirect_peer)
ip netns exec azp3 ping -c 2 -i 0.1 -W 2 10.0.1.2 >/dev/null || fail "ping after reload"
assert_eq "$(( $(pod_stat azh3 redirect_peer) - p3 ))" 2 "redirects after reload"
echo "ok: reload"

# 4b. An upgrade (azlxnet-next: another map layout) moves them too, and
# going back to this build moves them again.
"$dir/azlxnet-next" fastpath reload || fail "fastpath reload by azlxnet-next"
read -r id2 name <<<"$(peer_prog azh3)"
[ "$id2" != "$id1" ] && [ "$name" = azlxnet_from_ki ] || fail "azh3's program after the upgrade: $id2 $name"
ip netns exec azp3 ping -c 2 -i 0.1 -W 2 10.0.1.5 >/dev/null || fail "ping after the upgrade"
assert_eq "$("$dir/azlxnet-next" -j pod show | jq -r '.[] | select(.host_ifname == "azh3") | .stats.redirect_peer')" \
	2 "azh3's redirects counted in the new state"
azlxnet fastpath reload || fail "fastpath reload back"
read -r id3 _ <<<"$(peer_prog azh3)"
[ "$id3" != "$id2" ] || fail "azh3's program stayed azlxnet-next's"
echo "ok: upgrade and back"

# 5. pod del: the program goes, the stack forwards.
azlxnet pod del --netns azp3 --ifname eth0 || fail "pod del azp3"
assert_eq "$(peer_prog azh3)" none "azh3's peer program after pod del"
assert_eq "$(azlxnet -j pod show | jq -r 'map(.host_ifname) | join(" ")')" "azh1 azh2 azh4" "pods left"
fwd0=$(stack_forwarded)
ip netns exec azp3 ping -c 2 -i 0.1 -W 2 10.0.1.2 >/dev/null || fail "ping after pod del"
[ $(( $(stack_forwarded) - fwd0 )) -ge 2 ] || fail "the host stack did not forward after pod del"
echo "ok: pod del"
exit 0
