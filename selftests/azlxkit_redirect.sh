#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# azlxkit redirects (bpf_azlxkit_redirect()), from the pods' own programs
# (the peers' ends), IPv4 and IPv6:
#   - pod to pod: into the other pod directly, one backlog hop per packet
#     (the per-CPU backlogs' processed counts), the host's ends untouched;
#   - pod to the uplink stand-in (a veth to a "remote" namespace): to its
#     egress, the packets still carrying their socket (a tc program on the
#     uplink counts skb->sk), without a hop through the host's stack;
#   - TCP across both, its GSO packets (up to 64 KiB) whole;
#   - bad targets (no such ifindex, a device down, one in a namespace the
#     pair cannot reach, a pod whose end is down) and bad flags: dropped and
#     counted, nothing delivered; outside an azlxkit end the kfunc refuses.
# The path is proven by counters: the sending end's ethtool statistics
# (redirect_pod, redirect_xmit, redirect_errors), "ip -s link" of every
# device on the way, and the backlogs' processed counts.
#
#   host     kA, kB: the primaries of two pairs; routes to the pods;
#            upk0 (192.168.88.1, fd88:ff::1), a veth to the remote
#   pods     netns azr-a-$$ (10.88.1.2, fd88:1::2) and azr-b-$$ (10.88.2.2,
#            fd88:2::2), each with eth0, L3, default route out of eth0
#   remote   netns azr-r-$$: rupk0 (192.168.88.2, fd88:ff::2), routes to
#            the pods through the host

source "$(dirname "$0")/lib.sh"
require_root
require_cmd azlxnet jq ip ping
dir=$(cd "$(dirname "$0")" && pwd)
NSA=azr-a-$$
NSB=azr-b-$$
NSR=azr-r-$$
PIN=/sys/fs/bpf/azr-sk-$$
tmp=$(mktemp -d)
bgpid=
cleanup()
{
	[ -n "$bgpid" ] && kill "$bgpid" 2>/dev/null
	for d in kA kB kC upk0 upk1 far0; do
		ip link del "$d" 2>/dev/null
	done
	for n in "$NSA" "$NSB" "$NSR"; do
		ip netns del "$n" 2>/dev/null
	done
	rm -f "$PIN"
	cleanup_module
	rm -rf "$tmp"
}
trap cleanup EXIT

kp() { "$dir/kit_prog" "$@"; }

# ctrs DEV [NETNS]: "RX-PACKETS RX-BYTES TX-PACKETS TX-BYTES TX-DROPPED"
ctrs()
{
	local out
	out=$(ip ${2:+-n "$2"} -j -s link show dev "$1") || fail "ip -s link show $1"
	jq -r '.[0].stats64 | "\(.rx.packets) \(.rx.bytes) \(.tx.packets) \(.tx.bytes) \(.tx.dropped)"' \
		<<<"$out"
}

# kstats DEV NETNS: DEV's ethtool statistics, "POD XMIT ERRORS"
kstats()
{
	local out
	out=$(ip netns exec "$2" "$dir/kit_prog" stats "$1") || fail "kit_prog stats $1: $out"
	awk '{ v[$1] = $2 } END { print v["redirect_pod"], v["redirect_xmit"], v["redirect_errors"] }' \
		<<<"$out"
}

# processed: packets taken from the per-CPU backlogs (and NAPI) so far, all
# CPUs (/proc/net/softnet_stat, first column, hexadecimal)
processed()
{
	local n=0 v
	while read -r v _; do
		n=$((n + 0x$v))
	done </proc/net/softnet_stat
	echo "$n"
}

# delta BEFORE AFTER: field-wise AFTER - BEFORE of two counter lines
delta()
{
	local -a b=($1) a=($2)
	local i out=
	for i in "${!a[@]}"; do
		out+="${out:+ }$((a[i] - b[i]))"
	done
	echo "$out"
}

# about WHAT VALUE N: VALUE is N, or up to 2 more: the devices on the
# uplink's wire are Ethernet ones, where the kernel sends its own IPv6
# control packets (neighbour discovery, MLD reports) at times of its own
about()
{
	[ "$2" -ge "$3" ] && [ "$2" -le $(($3 + 2)) ] || fail "$1: expected $3 (+2), got $2"
}

# pod N NETNS PRIMARY: a pair with its peer eth0 in NETNS, 10.88.N.2 and
# fd88:N::2, routed both ways
pod()
{
	local n=$1 ns=$2 k=$3
	ip netns add "$ns" || fail "ip netns add $ns"
	ip -n "$ns" link set lo up
	# no router solicitations: the host's ends count exactly what pings send
	ip netns exec "$ns" sysctl -qw net.ipv6.conf.default.router_solicitations=0
	azlxnet kit add "$k" peer eth0 netns "$ns" || fail "kit add $k"
	ip -n "$ns" addr add "10.88.$n.2/32" dev eth0
	ip -n "$ns" addr add "fd88:$n::2/128" dev eth0 nodad
	ip -n "$ns" link set eth0 up
	ip -n "$ns" route add default dev eth0
	ip -n "$ns" -6 route add default dev eth0
	ip link set "$k" up
	ip route add "10.88.$n.2/32" dev "$k"
	ip -6 route add "fd88:$n::2/128" dev "$k"
}

mod_unload
modprobe azlxnet || fail "modprobe azlxnet"
sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1
pod 1 "$NSA" kA
pod 2 "$NSB" kB
ip netns add "$NSR" || fail "ip netns add $NSR"
ip -n "$NSR" link set lo up
ip netns exec "$NSR" sysctl -qw net.ipv6.conf.default.router_solicitations=0
ip link add upk0 type veth peer name rupk0 netns "$NSR" || fail "veth upk0"
ip addr add 192.168.88.1/24 dev upk0
ip addr add fd88:ff::1/64 dev upk0 nodad
ip link set upk0 up
ip -n "$NSR" addr add 192.168.88.2/24 dev rupk0
ip -n "$NSR" addr add fd88:ff::2/64 dev rupk0 nodad
ip -n "$NSR" link set rupk0 up
ip -n "$NSR" route add 10.88.0.0/16 via 192.168.88.1
ip -n "$NSR" -6 route add fd88::/16 via fd88:ff::1
# the remote's address, for bpf_fib_lookup()'s neighbour lookup
rmac=$(ip netns exec "$NSR" cat /sys/class/net/rupk0/address)
ip neigh replace 192.168.88.2 lladdr "$rmac" nud permanent dev upk0
ip neigh replace fd88:ff::2 lladdr "$rmac" nud permanent dev upk0

# Through the host's stack first: the plain pair works.
ip netns exec "$NSA" ping -c 1 -W 2 10.88.2.2 >/dev/null || fail "pod to pod, no program"
ip netns exec "$NSA" ping -c 1 -W 2 192.168.88.2 >/dev/null || fail "pod to remote, no program"

# 1. Both pods route with bpf_fib_lookup() and redirect.
out=$(kp redirect "$(ifindex kA)" 1 0) || fail "attaching to kA's peer: $out"
out=$(kp redirect "$(ifindex kB)" 1 0) || fail "attaching to kB's peer: $out"

# pod_ping NETNS DST COUNT: COUNT pings, all answered
pod_ping()
{
	ip netns exec "$1" ping -c "$3" -i 0.02 -W 2 "$2" >"$tmp/ping" 2>&1 ||
		fail "ping $2 from $1: $(cat "$tmp/ping")"
}

N=30
for dst in 10.88.2.2 fd88:2::2; do
	sa0=$(kstats eth0 "$NSA") sb0=$(kstats eth0 "$NSB")
	ea0=$(ctrs eth0 "$NSA") eb0=$(ctrs eth0 "$NSB") ka0=$(ctrs kA) kb0=$(ctrs kB)
	p0=$(processed)
	pod_ping "$NSA" "$dst" $N
	p=$(($(processed) - p0))
	echo "pod to pod ($dst): $N pings, $p packets through the backlogs"
	assert_eq "$(delta "$sa0" "$(kstats eth0 "$NSA")")" "$N 0 0" "pod A's redirects"
	assert_eq "$(delta "$sb0" "$(kstats eth0 "$NSB")")" "$N 0 0" "pod B's redirects"
	read -r rx _ tx _ drop <<<"$(delta "$ea0" "$(ctrs eth0 "$NSA")")"
	assert_eq "$rx $tx $drop" "$N $N 0" "pod A's eth0 rx, tx, drops"
	read -r rx _ tx _ drop <<<"$(delta "$eb0" "$(ctrs eth0 "$NSB")")"
	assert_eq "$rx $tx $drop" "$N $N 0" "pod B's eth0 rx, tx, drops"
	# the host's ends saw nothing: no hop through the host's stack
	assert_eq "$(delta "$ka0" "$(ctrs kA)")" "0 0 0 0 0" "kA's counters"
	assert_eq "$(delta "$kb0" "$(ctrs kB)")" "0 0 0 0 0" "kB's counters"
	# one backlog hop per packet (through the host: two); a little slack
	# for the kernel's own packets
	[ "$p" -ge $((2 * N)) ] && [ "$p" -le $((2 * N + 8)) ] ||
		fail "$p packets through the backlogs for $((2 * N)) packets"
done
echo "ok: pod to pod, IPv4 and IPv6, one backlog hop"

# 2. Pod to the uplink stand-in: its egress, the socket still attached.
kp sk-seen upk0 "$PIN" || fail "sk_seen on upk0"
for dst in 192.168.88.2 fd88:ff::2; do
	sa0=$(kstats eth0 "$NSA") ea0=$(ctrs eth0 "$NSA") ka0=$(ctrs kA) u0=$(ctrs upk0)
	sk0=$(kp sk-read "$PIN")
	p0=$(processed)
	pod_ping "$NSA" "$dst" $N
	p=$(($(processed) - p0))
	echo "pod to uplink ($dst): $N pings, $p packets through the backlogs"
	assert_eq "$(delta "$sa0" "$(kstats eth0 "$NSA")")" "0 $N 0" "pod A's redirects"
	read -r urx _ utx _ <<<"$(delta "$u0" "$(ctrs upk0)")"
	about "upk0's rx packets" "$urx" $N
	about "upk0's tx packets" "$utx" $N
	# requests skip kA; the replies come back through it
	read -r rx _ tx _ drop <<<"$(delta "$ka0" "$(ctrs kA)")"
	assert_eq "$rx $tx $drop" "0 $N 0" "kA's rx, tx, drops"
	read -r _ w0 _ wo0 <<<"$sk0"
	read -r _ w _ wo <<<"$(kp sk-read "$PIN")"
	about "upk0's egress packets with a socket" $((w - w0)) $N
	about "upk0's egress packets without a socket" $((wo - wo0)) 0
	# request: one hop (the remote's veth); reply: two (upk0, pod A)
	[ "$p" -ge $((3 * N)) ] && [ "$p" -le $((3 * N + 8)) ] ||
		fail "$p packets through the backlogs for $((3 * N)) hops"
done
echo "ok: pod to uplink, IPv4 and IPv6, with the socket"

# 3. TCP, 8 MiB each way: the GSO packets cross whole.
# tcp NETNS-FROM NETNS-TO ADDR DEV-TO-WATCH NETNS-OF-DEV
tcp()
{
	local r0 r pkts bytes
	r0=$(ctrs "$4" "$5")
	AZLXNET_READY=$tmp/drain.ready ip netns exec "$2" "$dir/netcheck" drain tcp "$3" 5001 \
		>"$tmp/drain" 2>&1 &
	bgpid=$!
	wait_ready "netcheck drain" "$bgpid" "$tmp/drain.ready"
	rm -f "$tmp/drain.ready"
	ip netns exec "$1" "$dir/netcheck" bulk tcp "$3" 5001 8388608 >/dev/null ||
		fail "netcheck bulk to $3"
	wait "$bgpid" || fail "netcheck drain: $(cat "$tmp/drain")"
	bgpid=
	assert_eq "$(cat "$tmp/drain")" "received 8388608" "bytes received over TCP at $3"
	r=$(ctrs "$4" "$5")
	read -r pkts bytes _ <<<"$(delta "$r0" "$r")"
	echo "TCP to $3: $bytes bytes in $pkts packets into $4"
	[ "$((bytes / pkts))" -gt 8000 ] || fail "average packet $((bytes / pkts)) bytes: GSO split"
}
sa0=$(kstats eth0 "$NSA") ka0=$(ctrs kA)
tcp "$NSA" "$NSB" 10.88.2.2 eth0 "$NSB"
sa=$(delta "$sa0" "$(kstats eth0 "$NSA")")
assert_match "$sa" "^[1-9][0-9]* 0 0\$" "pod A's redirects during TCP to pod B"
assert_eq "$(delta "$ka0" "$(ctrs kA)")" "0 0 0 0 0" "kA's counters during TCP to pod B"
sk0=$(kp sk-read "$PIN") u0=$(ctrs upk0)
tcp "$NSA" "$NSR" 192.168.88.2 rupk0 "$NSR"
read -r _ w0 _ wo0 <<<"$sk0"
read -r _ w _ wo <<<"$(kp sk-read "$PIN")"
read -r _ _ utx _ <<<"$(delta "$u0" "$(ctrs upk0)")"
about "TCP packets on upk0 with a socket" $((w - w0)) $((utx - 2))
about "TCP packets on upk0 without a socket" $((wo - wo0)) 0
echo "ok: TCP with GSO packets whole, both ways"

# 4. Bad targets: dropped, counted as redirect errors and tx drops of the
# sending end, nothing delivered.
# bad WHAT TARGET [FLAGS]: pod A's pings to pod B with this redirect
bad()
{
	local what=$1 s0 e0 b0 out
	out=$(kp redirect "$(ifindex kA)" 1 "$2" ${3:+"$3"}) || fail "attaching ($what): $out"
	s0=$(kstats eth0 "$NSA") e0=$(ctrs eth0 "$NSA") b0=$(ctrs eth0 "$NSB")
	ip netns exec "$NSA" ping -c 3 -i 0.02 -W 0.3 10.88.2.2 >/dev/null 2>&1 &&
		fail "pings passed ($what)"
	read -r _ _ tx _ drop <<<"$(delta "$e0" "$(ctrs eth0 "$NSA")")"
	assert_eq "$tx $drop" "0 3" "pod A's tx packets and drops ($what)"
	read -r rx _ <<<"$(delta "$b0" "$(ctrs eth0 "$NSB")")"
	assert_eq "$rx" 0 "pod B's rx packets ($what)"
	delta "$s0" "$(kstats eth0 "$NSA")"
}
assert_eq "$(bad "no such device" 99999)" "0 0 3" "redirects to ifindex 99999"
ip link add upk1 type veth peer name rupk1
assert_eq "$(bad "a device down" "$(ifindex upk1)")" "0 0 3" "redirects to a device down"
# an ifindex that exists only in the remote's namespace
ip link add far0 type veth peer name rfar0 netns "$NSR"
far=$(ifindex far0)
ip link set far0 netns "$NSR" || fail "moving far0"
ip -o link show | grep -q "^$far:" && fail "ifindex $far still used in the host"
ip -n "$NSR" -o link show | grep -q "^$far:" || fail "ifindex $far not in $NSR"
assert_eq "$(bad "another namespace" "$far")" "0 0 3" "redirects to another namespace"
# a pod whose end is down: kB's peer
ip -n "$NSB" link set eth0 down
assert_eq "$(bad "a pod down" "$(ifindex kB)")" "0 0 3" "redirects to a pod down"
ip -n "$NSB" link set eth0 up
ip -n "$NSB" route add default dev eth0
ip -n "$NSB" -6 route add default dev eth0
# unknown flags: the kfunc refuses, the program's TC_ACT_SHOT drops
assert_eq "$(bad "unknown flags" "$(ifindex kB)" 1)" "0 0 0" "redirects with flags 1"
# outside an azlxkit end (BPF_PROG_TEST_RUN) the kfunc records nothing
# and answers TC_ACT_SHOT
assert_eq "$(kp test-run "$(ifindex kB)")" "retval 2" "the kfunc outside an azlxkit end"
# the same target with flags 0 works
out=$(kp redirect "$(ifindex kA)" 1 "$(ifindex kB)") || fail "attaching: $out"
pod_ping "$NSA" 10.88.2.2 3
echo "ok: bad targets dropped and counted"

# 5. The pair goes while redirects point at it; unload with programs.
ip netns exec "$NSA" ping -f -w 2 10.88.2.2 >/dev/null 2>&1 &
bgpid=$!
sleep 0.5
ip link del kB
wait "$bgpid"
bgpid=
read -r _ _ err <<<"$(kstats eth0 "$NSA")"
[ "$err" -gt 0 ] || fail "no redirect errors after the target pair went"
# a program calling the kfunc pins the module; without it, unloading
# deletes the pairs left
kp detach "$(ifindex kA)" 1 >/dev/null || fail "detaching kA's peer program"
mod_unload
ip -n "$NSA" link show dev eth0 >/dev/null 2>&1 && fail "pod A's eth0 left after unload"
echo "ok: target deleted under a flood; unloaded"
exit 0
