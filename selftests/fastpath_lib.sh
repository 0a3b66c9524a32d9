# SPDX-License-Identifier: GPL-2.0-only
#
# Topology for the fast-path selftests and benchmarks (source after lib.sh).
#
#   pods      netns azp1 (10.0.1.2, fd00:1::2) and azp2 (10.0.1.3, fd00:1::3),
#             each with eth0, a veth whose host side (azh1, azh2) is the pod's
#             gateway 10.0.1.1 / fe80::1, routed as the ptp CNI plugin does
#   uplink    bond up0 (the synthetic NIC, 192.168.50.1, fd00:50::1) with two
#             lowers: the VF stand-in vf0 (veth) and the synthetic path
#             syn0 (a macvlan over ul0, a veth) - two wires to one network
#   remote    netns azrn: a bridge over the far ends of vf0 and ul0 with
#             192.168.50.2 / fd00:50::2 and routes back to the pods
#
# The module runs with synthetic_drivers=bonding vf_drivers=veth: the bond is
# the synthetic NIC, vf0 its VF; syn0 (macvlan) is not a VF.

FP_PARAMS="synthetic_drivers=bonding vf_drivers=veth"
NC="$(dirname "$0")/netcheck"

fp_cleanup()
{
	local n
	azlxnet fastpath disable up0 >/dev/null 2>&1
	for n in azp1 azp2 azrn; do ip netns del $n 2>/dev/null; done
	for n in up0 azh1 azh2 vf0 vf1 ul0; do ip link del $n 2>/dev/null; done
	return 0
}

# fp_pod N: netns azpN with eth0 = 10.0.1.(N+1), host side azhN
fp_pod()
{
	local n=$1 ns=azp$1 h=azh$1 ip4=10.0.1.$(($1 + 1)) ip6=fd00:1::$(($1 + 1))

	ip netns add $ns || fail "ip netns add $ns"
	ip link add $h type veth peer name eth0 netns $ns || fail "veth for $ns"
	ip -n $ns link set lo up
	ip -n $ns addr add $ip4/32 dev eth0
	ip -n $ns -6 addr add $ip6/128 dev eth0 nodad
	ip -n $ns link set eth0 up
	ip -n $ns route add 10.0.1.1 dev eth0 scope link
	ip -n $ns route add default via 10.0.1.1 dev eth0
	ip -n $ns -6 route add default via fe80::1 dev eth0
	ip addr add 10.0.1.1/32 dev $h
	ip -6 addr add fe80::1/64 dev $h nodad
	ip link set $h up
	ip route add $ip4/32 dev $h
	ip -6 route add $ip6/128 dev $h
}

fp_setup()
{
	nic_setup
	sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1
	fp_pod 1
	fp_pod 2

	ip netns add azrn || fail "ip netns add azrn"
	ip -n azrn link set lo up
	ip link add ul0 type veth peer name rul0 netns azrn || fail "veth ul0"
	ip link add vf0 type veth peer name rvf0 netns azrn || fail "veth vf0"
	ip link set ul0 up
	ip link add up0 type bond mode active-backup || fail "bond up0"
	ip link add syn0 link ul0 type macvlan mode bridge || fail "macvlan syn0"
	ip link set syn0 master up0 || fail "enslaving syn0"
	ip link set vf0 master up0 || fail "enslaving vf0"
	ip link set up0 type bond primary vf0
	ip link set up0 up
	ip addr add 192.168.50.1/24 dev up0
	ip -6 addr add fd00:50::1/64 dev up0 nodad
	ip -n azrn link add br0 type bridge
	ip -n azrn link set rvf0 master br0
	ip -n azrn link set rul0 master br0
	ip -n azrn link set rvf0 up
	ip -n azrn link set rul0 up
	ip -n azrn link set br0 up
	ip -n azrn addr add 192.168.50.2/24 dev br0
	ip -n azrn -6 addr add fd00:50::2/64 dev br0 nodad
	ip -n azrn route add 10.0.1.0/24 via 192.168.50.1
	ip -n azrn -6 route add fd00:1::/64 via fd00:50::1
}

fp_pods_add()
{
	azlxnet pod add --netns azp1 --ifname eth0 --ip 10.0.1.2,fd00:1::2 ||
		fail "pod add azp1"
	azlxnet pod add --netns azp2 --ifname eth0 --ip 10.0.1.3,fd00:1::3 ||
		fail "pod add azp2"
}

# pod_stat HOST-IFNAME COUNTER: a counter of an endpoint, summed over CPUs
pod_stat()
{
	azlxnet -j pod show | jq -r --arg h "$1" --arg c "$2" \
		'.[] | select(.host_ifname == $h) | .stats[$c]'
}

# forwarded datagrams of the host stack, IPv4 + IPv6
stack_forwarded()
{
	local v4 v6
	v4=$(awk '/^Ip: [0-9]/ { print $7 }' /proc/net/snmp)
	v6=$(awk '$1 == "Ip6OutForwDatagrams" { print $2 }' /proc/net/snmp6)
	echo $((v4 + v6))
}

# in NS: run netcheck; both directions helper
nc_exchange()
{
	local from=$1 to_ns=$2 proto=$3 addr=$4 port=$5
	ip netns exec "$to_ns" "$NC" serve "$proto" "$addr" "$port" &
	local srv=$!
	sleep 0.3
	ip netns exec "$from" "$NC" send "$proto" "$addr" "$port" "hello-$proto-$addr" ||
		{ kill $srv 2>/dev/null; fail "$proto $from -> $addr"; }
	wait $srv || fail "$proto server in $to_ns"
}

# fp_attach_mode: "tcx" or "tc", as the tool attaches on this kernel
fp_attach_mode()
{
	azlxnet -j fastpath show | jq -r .attach
}

# fp_progs DEV: BPF programs on DEV's ingress, tc filters and tcx links
fp_progs()
{
	bpftool net show dev "$1" | grep -cE '(clsact|tcx)/ingress'
}

# fp_has_prog DEV NAME: NAME (truncated as the kernel keeps it) on DEV's ingress
fp_has_prog()
{
	bpftool net show dev "$1" | grep -E '(clsact|tcx)/ingress' | grep -q "${2:0:15}"
}

# fp_detach DEV: take our program off DEV behind the tool's back
fp_detach()
{
	local link
	if [ "$(fp_attach_mode)" = tcx ]; then
		link=$(bpftool net show dev "$1" | sed -n 's|.*tcx/ingress azlxnet_.* link_id \([0-9]*\).*|\1|p')
		[ -n "$link" ] && bpftool link detach id "$link"
	else
		tc filter del dev "$1" ingress pref 1
	fi
}

# fp_pin_dir: the directory of the fast path's pins on the node
fp_pin_dir()
{
	local id
	id=$(azlxnet -j fastpath show | jq -r '.identity // empty')
	[ -n "$id" ] && echo "/sys/fs/bpf/azlxnet/$id"
}
