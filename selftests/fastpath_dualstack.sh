#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Dual-stack pods through the shipped CNI examples, on a bridge network
# (10-azlxnet-bridge.conflist: the reference bridge plugin, pods on one L2
# segment) and on a routed one (10-azlxnet.conflist: ptp). Pods ping each
# other both ways over IPv4 and IPv6; the counters must show that the fast
# path carried the echo requests and replies (redirect_peer), and every
# neighbour entry the pods made must be usable. On the bridge, neighbour
# discovery runs between the pods' global addresses: a fast path that
# forwards a unicast neighbour advertisement lowers its hop limit below the
# 255 RFC 4861 requires, the pod drops it and its entry stays FAILED.

source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/cni_lib.sh"
require_root
require_cmd azlxnet jq ip ping
[ -x /opt/cni/bin/bridge ] && [ -x /opt/cni/bin/ptp ] ||
	skip "reference CNI plugins not installed (/opt/cni/bin/bridge, ptp)"
tmp=$(mktemp -d)
PODS=()
cleanup()
{
	local ns
	for ns in "${PODS[@]}"; do
		[ -f "$tmp/result.$ns" ] && chain DEL "$ns" "$tmp/result.$ns" >/dev/null 2>&1
		ip netns del "$ns" 2>/dev/null
	done
	ip link del cni0 2>/dev/null
	rm -rf "$tmp" /var/lib/cni/networks/azlxnet /var/lib/cni/networks/azlxnet-bridge
}
trap cleanup EXIT
sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1
COUNT=5

# settled NS: wait for DAD on the pod's addresses (at most 5 s)
settled()
{
	local i
	for i in $(seq 50); do
		[ -z "$(ip -n "$1" -6 addr show dev eth0 tentative)" ] && return 0
		sleep 0.1
	done
	fail "$1: addresses still tentative: $(ip -n "$1" -6 addr show dev eth0)"
}

# ping_fast FROM TO FAMILY: COUNT echoes from pod FROM to pod TO, all
# answered, requests and replies by bpf_redirect_peer()
ping_fast()
{
	local from=$1 to=$2 fam=$3 src dst s0 d0 s1 d1
	src=$(pod_ip "$tmp/result.$from" "$fam")
	dst=$(pod_ip "$tmp/result.$to" "$fam")
	s0=$(ep_stat "$src" redirect_peer) d0=$(ep_stat "$dst" redirect_peer)
	ip netns exec "$from" ping -"$fam" -c $COUNT -i 0.2 -W 2 "$dst" >"$tmp/ping" 2>&1 ||
		fail "IPv$fam ping $from -> $to ($dst): $(tail -2 "$tmp/ping")"
	s1=$(ep_stat "$src" redirect_peer) d1=$(ep_stat "$dst" redirect_peer)
	[ $((s1 - s0)) -ge $COUNT ] ||
		fail "IPv$fam $from -> $to: $((s1 - s0)) echo requests by the fast path, want $COUNT"
	[ $((d1 - d0)) -ge $COUNT ] ||
		fail "IPv$fam $to -> $from: $((d1 - d0)) echo replies by the fast path, want $COUNT"
	echo "IPv$fam $from -> $to: $COUNT answered; fast path: +$((s1 - s0)) requests, +$((d1 - d0)) replies"
}

# neigh_usable NS ADDR: the pod's entry for ADDR exists and is usable
# (PROBE resolves within a second: wait it out)
neigh_usable()
{
	local ns=$1 addr=$2 state i
	for i in $(seq 30); do
		state=$(ip -n "$ns" neigh show "$addr" dev eth0 | awk '{ print $NF }')
		case $state in
		REACHABLE|STALE|DELAY) echo "$ns: neighbour $addr $state"; return 0 ;;
		FAILED|INCOMPLETE|"") break ;;
		esac
		sleep 0.1
	done
	fail "$ns: neighbour entry for $addr is '${state:-missing}': $(ip -n "$ns" neigh show dev eth0)"
}

# no_broken_neigh NS: no entry of the pod is FAILED or INCOMPLETE
no_broken_neigh()
{
	local bad
	bad=$(ip -n "$1" neigh show dev eth0 | grep -E 'FAILED|INCOMPLETE')
	[ -z "$bad" ] || fail "$1: broken neighbour entries: $bad"
}

# network CONFLIST PREFIX KIND: two pods PREFIX1, PREFIX2 on it
network()
{
	local src=$1 a=${2}1 b=${2}2 kind=$3 ns fam
	CONFLIST=$tmp/$kind.conflist
	cni_conflist "$(dirname "$0")/$src" "$CONFLIST"
	echo "== $kind network ($src)"
	for ns in $a $b; do
		ip netns add "$ns" || fail "netns $ns"
		PODS+=("$ns")
		chain ADD "$ns" >"$tmp/result.$ns" || fail "ADD $ns: $(cat "$tmp/result.$ns")"
		[ -n "$(pod_ip "$tmp/result.$ns" 4)" ] && [ -n "$(pod_ip "$tmp/result.$ns" 6)" ] ||
			fail "$ns is not dual-stack: $(cat "$tmp/result.$ns")"
		settled "$ns"
	done
	for fam in 4 6; do
		ping_fast "$a" "$b" $fam
		ping_fast "$b" "$a" $fam
	done
	for ns in $a $b; do
		if [ "$kind" = bridge ]; then
			# on one segment: each pod resolved the other itself
			for fam in 4 6; do
				if [ "$ns" = "$a" ]; then
					neigh_usable "$ns" "$(pod_ip "$tmp/result.$b" $fam)"
				else
					neigh_usable "$ns" "$(pod_ip "$tmp/result.$a" $fam)"
				fi
			done
		else
			for fam in 4 6; do
				neigh_usable "$ns" "$(pod_gw "$tmp/result.$ns" $fam)"
			done
		fi
		no_broken_neigh "$ns"
	done
	for ns in $a $b; do
		chain DEL "$ns" "$tmp/result.$ns" >"$tmp/out" || fail "DEL $ns: $(cat "$tmp/out")"
		rm -f "$tmp/result.$ns"
		ip netns del "$ns"
	done
	assert_eq "$(azlxnet -j pod show | jq length)" 0 "endpoints after DEL on the $kind network"
}

network 10-azlxnet-bridge.conflist azb bridge
ip link del cni0 2>/dev/null
network 10-azlxnet.conflist azt ptp
