#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# azlxkit device pairs ("azlxnet kit"): created with the peer directly in a
# pod namespace, carrier following both ends, IPv4 and IPv6 across, exact
# "ip -s link" counters for N packets, TCP whose GSO packets (up to 64 KiB)
# cross whole, fragments, MTU, L2 and L3 modes, the drop policy counted as
# tx drops and changed only through the primary, and the lifetime: deleting either
# end, the pod's namespace or the module deletes the pair. Malformed
# rtnetlink requests are refused with precise errnos (kit_rtnl).

source "$(dirname "$0")/lib.sh"
require_root
require_cmd azlxnet jq ip ping
dir=$(cd "$(dirname "$0")" && pwd)
NS=azk-pod-$$
NS2=azk-gone-$$
tmp=$(mktemp -d)
bgpid=
cleanup()
{
	[ -n "$bgpid" ] && kill "$bgpid" 2>/dev/null
	for d in azk0 azk1 azk2 azk3 azk4 azk5 azk6 azr0 azr0p azr1 azr2 \
		 $(ip -o link show 2>/dev/null | sed -n 's/^[0-9]*: \(azc[0-9]*\)@.*/\1/p'); do
		ip link del "$d" 2>/dev/null
	done
	ip netns del "$NS" 2>/dev/null
	ip netns del "$NS2" 2>/dev/null
	cleanup_module
	rm -f /sys/fs/bpf/azk-prog-$$-*
	rm -rf "$tmp"
}
trap cleanup EXIT

in_pod() { ip netns exec "$NS" "$@"; }

# ctrs DEV [NETNS]: DEV's counters as "ip -s link" shows them, as
# "RX-PACKETS RX-BYTES TX-PACKETS TX-BYTES TX-DROPPED"
ctrs()
{
	local out
	out=$(ip ${2:+-n "$2"} -j -s link show dev "$1") || fail "ip -s link show $1"
	jq -r '.[0].stats64 | "\(.rx.packets) \(.rx.bytes) \(.tx.packets) \(.tx.bytes) \(.tx.dropped)"' \
		<<<"$out"
}

# kit NAME FIELD,... [NETNS]: fields of "azlxnet -j kit show NAME" (jq
# paths without the leading dot), comma-separated
kit()
{
	local out
	out=$(${3:+ip netns exec "$3"} azlxnet -j kit show "$1") || fail "azlxnet kit show $1"
	jq -r ".[0] | [.${2//,/,.}] | map(tostring) | join(\",\")" <<<"$out"
}

# gone DEV [NETNS]: wait up to 5 s for DEV to disappear (namespaces die
# in a work queue)
gone()
{
	local i
	for i in $(seq 1 50); do
		if [ $# -gt 1 ]; then
			ip -n "$2" link show dev "$1" >/dev/null 2>&1 || return 0
		else
			ip link show dev "$1" >/dev/null 2>&1 || return 0
		fi
		sleep 0.1
	done
	fail "$1 still exists"
}

# noarp FILE: the IFF_NOARP bit of a device's flags file in sysfs
noarp() { (($(cat "$1") & 0x80)); }

# sleeper NETNS: start "sleep 60" in NETNS, as $bgpid, and wait until it
# is there (ip netns exec joins the namespace after the fork)
sleeper()
{
	local i
	ip netns exec "$1" sleep 60 &
	bgpid=$!
	for i in $(seq 1 100); do
		[ "$(readlink /proc/$bgpid/ns/net)" != "$(readlink /proc/self/ns/net)" ] && return
		sleep 0.05
	done
	fail "sleep did not join $1"
}

mod_unload
modprobe azlxnet || fail "modprobe azlxnet"
ip netns add "$NS" || fail "ip netns add"
in_pod ip link set lo up

# 1. A pair with its peer created in the pod's namespace, L3 by default.
azlxnet kit add azk0 peer eth0 netns "$NS" || fail "kit add azk0"
ip link show dev azk0 >/dev/null || fail "no azk0"
in_pod ip link show dev eth0 >/dev/null || fail "no eth0 in the pod"
ip link show dev eth0 >/dev/null 2>&1 && fail "eth0 was created in the host"
peer=$(in_pod cat /sys/class/net/eth0/ifindex)
assert_match "$(kit azk0 primary,mode,policy,peer.ifindex,peer.netnsid)" \
	"^true,l3,forward,$peer,[0-9]+\$" "primary, default mode and policy, peer in another netns"
assert_eq "$(kit eth0 primary,peer.ifindex "$NS")" "false,$(ifindex azk0)" "the peer's view"
assert_eq "$(ip -j -d link show dev azk0 | jq -r '.[0].linkinfo.info_kind')" azlxkit "kind"
noarp /sys/class/net/azk0/flags || fail "L3 primary without NOARP"
in_pod bash -c "$(declare -f noarp); noarp /sys/class/net/eth0/flags" || fail "L3 peer without NOARP"
assert_eq "$(cat /sys/class/net/azk0/address)" 00:00:00:00:00:00 "L3 address"
ip link set dev azk0 address 02:00:00:00:00:01 2>/dev/null &&
	fail "an L3 device took a MAC address"
assert_eq "$(ip -j -d link show dev azk0 | jq -r '.[0].gso_max_size')" 65536 "gso_max_size"
echo "ok: pair created, peer in $NS"

# 2. Carrier: on while both ends are up.
ip link set azk0 up
assert_eq "$(cat /sys/class/net/azk0/carrier)" 0 "carrier with the peer down"
in_pod ip link set eth0 up
assert_eq "$(cat /sys/class/net/azk0/carrier)" 1 "carrier with both up"
assert_eq "$(in_pod cat /sys/class/net/eth0/carrier)" 1 "peer carrier with both up"
in_pod ip link set eth0 down
assert_eq "$(cat /sys/class/net/azk0/carrier)" 0 "carrier after the peer went down"
in_pod ip link set eth0 up
echo "ok: carrier follows both ends"

# 3. IPv4 and IPv6 across.
ip addr add 10.77.0.1/24 dev azk0
ip addr add fd77::1/64 dev azk0 nodad
in_pod ip addr add 10.77.0.2/24 dev eth0
in_pod ip addr add fd77::2/64 dev eth0 nodad
ping -c 2 -i 0.2 -W 2 10.77.0.2 >/dev/null || fail "IPv4 ping host -> pod"
in_pod ping -c 2 -i 0.2 -W 2 10.77.0.1 >/dev/null || fail "IPv4 ping pod -> host"
ping -c 2 -i 0.2 -W 2 fd77::2 >/dev/null || fail "IPv6 ping host -> pod"
in_pod ping -c 2 -i 0.2 -W 2 fd77::1 >/dev/null || fail "IPv6 ping pod -> host"
# fragments: 3000 bytes in 1500-byte packets, reassembled in the pod
ping -c 1 -W 2 -s 3000 10.77.0.2 >/dev/null || fail "IPv4 fragments host -> pod"
in_pod ping -c 1 -W 2 -s 3000 fd77::1 >/dev/null || fail "IPv6 fragments pod -> host"
echo "ok: IPv4 and IPv6 ping, with fragments"

# 4. TCP: GSO packets cross whole (checksums left partial), so the peer
# receives far fewer, far larger packets than the 1500-byte MTU allows.
read -r rx0 rxb0 _ <<<"$(ctrs eth0 "$NS")"
AZLXNET_READY=$tmp/drain.ready ip netns exec "$NS" "$dir/netcheck" drain tcp 10.77.0.2 5001 \
	>"$tmp/drain" 2>&1 &
bgpid=$!
wait_ready "netcheck drain" "$bgpid" "$tmp/drain.ready"
"$dir/netcheck" bulk tcp 10.77.0.2 5001 8388608 >/dev/null || fail "netcheck bulk"
wait "$bgpid" || fail "netcheck drain: $(cat "$tmp/drain")"
bgpid=
assert_eq "$(cat "$tmp/drain")" "received 8388608" "bytes received over TCP"
read -r pkts bytes _ <<<"$(ctrs eth0 "$NS")"
pkts=$((pkts - rx0)) bytes=$((bytes - rxb0))
echo "TCP: $bytes bytes in $pkts packets to the pod"
[ "$((bytes / pkts))" -gt 8000 ] || fail "average packet $((bytes / pkts)) bytes: GSO split"
echo "ok: TCP with GSO packets whole"

# 5. Exact counters: a pair that sends nothing of its own (no IPv6).
azlxnet kit add azk1 peer eth1 netns "$NS" || fail "kit add azk1"
echo 1 >/proc/sys/net/ipv6/conf/azk1/disable_ipv6
in_pod sh -c 'echo 1 >/proc/sys/net/ipv6/conf/eth1/disable_ipv6'
ip addr add 10.78.0.1/24 dev azk1
in_pod ip addr add 10.78.0.2/24 dev eth1
ip link set azk1 up
in_pod ip link set eth1 up
ping -c 10 -i 0.05 -W 2 10.78.0.2 >/dev/null || fail "ping over azk1"
# 10 echo requests and 10 replies of 84 bytes, each in a 14-byte Ethernet header
assert_eq "$(ctrs azk1)" "10 980 10 980 0" "azk1 rx packets, bytes, tx packets, bytes, drops"
assert_eq "$(ctrs eth1 "$NS")" "10 980 10 980 0" "eth1 rx packets, bytes, tx packets, bytes, drops"
echo "ok: exact counters for 10 pings"

# 6. The drop policy, each end's own, counted as tx drops; only the
# primary changes it.
azlxnet kit set azk1 policy drop || fail "kit set azk1 policy drop"
assert_eq "$(kit azk1 policy,peer.policy)" drop,forward "policies"
ping -c 3 -i 0.05 -W 0.5 10.78.0.2 >/dev/null 2>&1 && fail "ping passed a drop policy"
assert_eq "$(ctrs azk1)" "10 980 10 980 3" "primary drops, nothing else moved"
assert_eq "$(ctrs eth1 "$NS")" "10 980 10 980 0" "nothing reached the peer"
azlxnet kit set azk1 policy forward peer-policy drop || fail "kit set peer-policy drop"
assert_eq "$(kit azk1 policy,peer.policy)" forward,drop "policies"
assert_eq "$(kit eth1 policy,peer.policy "$NS")" drop,forward "policies seen from the pod"
in_pod ping -c 3 -i 0.05 -W 0.5 10.78.0.1 >/dev/null 2>&1 && fail "ping passed the peer's drop"
assert_eq "$(ctrs eth1 "$NS")" "10 980 10 980 3" "peer drops"
out=$(in_pod azlxnet kit set eth1 policy forward 2>&1) && fail "the pod changed its policy"
assert_match "$out" "primary only" "error for a change from the pod"
assert_eq "$(kit azk1 peer.policy)" drop "peer policy after the pod tried"
azlxnet kit set azk1 peer-policy forward || fail "kit set peer-policy forward"
ping -c 2 -i 0.05 -W 2 10.78.0.2 >/dev/null || fail "ping after forward again"
azlxnet kit add azk2 peer pd2 policy drop peer-policy drop || fail "kit add with drop"
assert_eq "$(kit azk2 policy,peer.policy)" drop,drop "policies at creation"
echo "ok: drop policy"

# 6b. Programs (SCHED_CLS) in each end's transmit, through the generic
# netlink family: verdicts, atomic replace with the expected old program,
# the policy for TC_ACT_UNSPEC, attach through the primary only.
kp() { "$dir/kit_prog" "$@"; }
drops() { local c; c=$(ctrs "$@"); echo "${c##* }"; }
K1=$(ifindex azk1)
assert_eq "$(kp get "$K1" 0)" "id 0" "no program at first"
out=$(kp attach "$K1" 0 shot) || fail "attaching a drop program: $out"
idA=${out#id }
assert_eq "$(kp get "$K1" 0)" "id $idA" "the program attached"
d0=$(drops azk1)
ping -c 3 -i 0.05 -W 0.5 10.78.0.2 >/dev/null 2>&1 && fail "ping passed TC_ACT_SHOT"
assert_eq "$(($(drops azk1) - d0))" 3 "drops by the program"
assert_match "$(kp attach "$K1" 0 ok 999999)" "^error -17: .*not the expected" \
	"replace with a wrong expected program (EEXIST)"
out=$(kp attach "$K1" 0 ok "$idA") || fail "replacing the program: $out"
idB=${out#id }
ping -c 2 -i 0.05 -W 2 10.78.0.2 >/dev/null || fail "ping with TC_ACT_OK"
bpftool prog show id "$idA" >/dev/null 2>&1 && fail "the replaced program is still loaded"
azlxnet kit set azk1 policy drop
out=$(kp attach "$K1" 0 unspec "$idB") || fail "attaching an unspec program: $out"
idC=${out#id }
ping -c 1 -W 0.5 10.78.0.2 >/dev/null 2>&1 && fail "TC_ACT_UNSPEC did not leave it to a drop policy"
azlxnet kit set azk1 policy forward
ping -c 1 -W 2 10.78.0.2 >/dev/null || fail "TC_ACT_UNSPEC did not leave it to a forward policy"
out=$(kp attach "$K1" 0 redirect "$idC") || fail "attaching a redirect program: $out"
d0=$(drops azk1)
e0=$("$dir/kit_prog" stats azk1 | awk '$1 == "redirect_errors" { print $2 }')
ping -c 1 -W 0.5 10.78.0.2 >/dev/null 2>&1 && fail "TC_ACT_REDIRECT passed"
assert_eq "$(($(drops azk1) - d0))" 1 "drops of a redirect without bpf_azlxkit_redirect()"
e=$("$dir/kit_prog" stats azk1 | awk '$1 == "redirect_errors" { print $2 }')
assert_eq "$((e - e0))" 1 "redirect errors of a redirect without bpf_azlxkit_redirect()"
# the peer's program, attached through the primary
kp attach "$K1" 1 shot >/dev/null || fail "attaching to the peer"
d0=$(drops eth1 "$NS")
in_pod ping -c 2 -i 0.05 -W 0.5 10.78.0.1 >/dev/null 2>&1 && fail "the peer's program did not drop"
assert_eq "$(($(drops eth1 "$NS") - d0))" 2 "drops by the peer's program"
assert_match "$(in_pod "$dir/kit_prog" attach "$(in_pod cat /sys/class/net/eth1/ifindex)" 0 ok)" \
	"^error -1: .*through the primary" "attach from the pod (EPERM)"
assert_match "$(setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all \
	"$dir/kit_prog" get "$K1" 0)" "^error -1:" "unprivileged get (EPERM)"
assert_match "$(kp attach "$K1" 0 socket)" "^error -22: .*SCHED_CLS" "a socket filter (EINVAL)"
assert_match "$(kp attach-fd "$K1" 0 999)" "^error -9:" "a bad fd (EBADF)"
assert_match "$(kp get "$(ifindex lo)" 0)" "^error -19: .*no azlxkit" "lo (ENODEV)"
assert_match "$(kp detach "$K1" 1 12345)" "^error -17:" "detach of another program (EEXIST)"
kp detach "$K1" 1 >/dev/null || fail "detaching the peer's program"
assert_match "$(kp detach "$K1" 1)" "^error -2: .*no program" "detach of none (ENOENT)"
# replacement under a flood: every packet meets the old program or the new
out=$(kp attach "$K1" 0 ok) || fail "attaching a pass program: $out"
id=${out#id }
ping -f -w 3 10.78.0.2 >"$tmp/flood" 2>&1 &
fpid=$!
for i in $(seq 1 20); do
	out=$(kp attach "$K1" 0 ok "$id") || fail "replacement $i under a flood: $out"
	id=${out#id }
done
wait "$fpid"
flood=$(grep -o '[0-9]* packets transmitted, [0-9]* received' "$tmp/flood")
echo "flood during 20 replacements: $flood"
read -r sent _ _ got _ <<<"$flood"
[ -n "$sent" ] && [ "$sent" -gt 0 ] && [ "$sent" = "$got" ] || fail "loss under replacement: $flood"
kp detach "$K1" 0 "$id" >/dev/null || fail "detaching the primary's program"
assert_eq "$(kp get "$K1" 0),$(kp get "$K1" 1)" "id 0,id 0" "no programs left"
in_pod ping -c 1 -W 2 10.78.0.1 >/dev/null || fail "ping from the pod after detach"
echo "ok: programs"

# 6c. The same through "azlxnet kit prog": pinned programs and IDs, the
# expected program, detach, show; nothing from the pod.
P=/sys/fs/bpf/azk-prog-$$
kp pin shot "$P-shot" || fail "pinning a drop program"
kp pin ok "$P-ok" || fail "pinning a pass program"
idS=$(bpftool -j prog show pinned "$P-shot" | jq -r .id)
idO=$(bpftool -j prog show pinned "$P-ok" | jq -r .id)
kprog() { azlxnet -j kit prog show azk1 | jq -r ".[0] | [.primary.id, .peer.id] | map(tostring) | join(\",\")"; }
assert_eq "$(kprog)" "null,null" "no programs in kit prog show"
azlxnet kit prog attach azk1 primary pinned "$P-shot" || fail "kit prog attach pinned"
assert_eq "$(kprog)" "$idS,null" "the pinned program attached"
d0=$(drops azk1)
ping -c 2 -i 0.05 -W 0.5 10.78.0.2 >/dev/null 2>&1 && fail "ping passed the attached drop program"
assert_eq "$(($(drops azk1) - d0))" 2 "drops by the program attached with kit prog"
out=$(azlxnet kit prog attach azk1 primary id "$idO" expected 999999 2>&1) &&
	fail "replaced an unexpected program"
assert_match "$out" "not the expected" "error for a wrong expected program"
assert_eq "$(kprog)" "$idS,null" "program after a refused replacement"
azlxnet kit prog attach azk1 primary id "$idO" expected "$idS" || fail "kit prog attach id expected"
ping -c 1 -W 2 10.78.0.2 >/dev/null || fail "ping after the replacement"
azlxnet kit prog attach azk1 peer pinned "$P-shot" expected 0 || fail "kit prog attach to the peer"
in_pod ping -c 1 -W 0.5 10.78.0.1 >/dev/null 2>&1 && fail "the pod's ping passed its drop program"
assert_match "$(azlxnet kit prog show azk1)" \
	"^[0-9]+: azk1: primary id $idO name kit_prog peer id $idS name kit_prog\$" "kit prog show text"
assert_match "$(azlxnet kit prog show)" "azk0: primary none peer none" "kit prog show of all pairs"
out=$(in_pod azlxnet kit prog attach eth1 primary id "$idO" 2>&1) && fail "attached from the pod"
assert_match "$out" "through the primary" "error for an attach from the pod"
out=$(in_pod azlxnet kit prog show eth1 2>&1) && fail "kit prog show of a peer"
assert_match "$out" "is a peer" "error for kit prog show of a peer"
out=$(azlxnet kit prog detach azk1 peer expected "$idO" 2>&1) && fail "detached an unexpected program"
assert_match "$out" "not the expected" "error for detaching an unexpected program"
azlxnet kit prog detach azk1 peer || fail "kit prog detach peer"
azlxnet kit prog detach azk1 primary expected "$idO" || fail "kit prog detach primary expected"
out=$(azlxnet kit prog detach azk1 primary 2>&1) && fail "detached nothing"
assert_match "$out" "no program attached" "error for detaching nothing"
out=$(azlxnet kit prog attach lo primary pinned "$P-ok" 2>&1) && fail "attached to lo"
assert_match "$out" "no azlxkit device" "error for lo"
assert_eq "$(kprog)" "null,null" "no programs left"
in_pod ping -c 1 -W 2 10.78.0.1 >/dev/null || fail "ping from the pod after kit prog detach"
rm -f "$P-shot" "$P-ok"
echo "ok: azlxnet kit prog"

# 7. MTU: given at creation to both ends; a packet larger than the
# receiving end's MTU is dropped, counted on the sender.
azlxnet kit add azk3 peer eth3 netns "$NS" mtu 9000 || fail "kit add azk3 mtu 9000"
assert_eq "$(cat /sys/class/net/azk3/mtu)" 9000 "primary MTU"
assert_eq "$(in_pod cat /sys/class/net/eth3/mtu)" 9000 "peer MTU"
ip addr add 10.79.0.1/24 dev azk3
in_pod ip addr add 10.79.0.2/24 dev eth3
ip link set azk3 up
in_pod ip link set eth3 up
ping -c 1 -W 2 -M do -s 8972 10.79.0.2 >/dev/null || fail "ping of 9000 bytes"
ping -c 1 -W 0.5 -M do -s 8973 10.79.0.2 >/dev/null 2>&1 && fail "ping over the MTU"
in_pod ip link set eth3 mtu 1500
read -r _ _ _ _ d0 <<<"$(ctrs azk3)"
ping -c 1 -W 0.5 -M do -s 4000 10.79.0.2 >/dev/null 2>&1 && fail "4 KB past a 1500 MTU peer"
read -r _ _ _ _ d1 <<<"$(ctrs azk3)"
assert_eq "$((d1 - d0))" 1 "drop for the peer's MTU"
echo "ok: MTU"

# 8. L2 mode: Ethernet addresses, ARP and neighbour discovery.
azlxnet kit add azk4 peer eth4 netns "$NS" mode l2 || fail "kit add azk4 mode l2"
assert_eq "$(kit azk4 mode)" l2 "mode"
mac=$(cat /sys/class/net/azk4/address)
pmac=$(in_pod cat /sys/class/net/eth4/address)
[ "$mac" != 00:00:00:00:00:00 ] && [ "$pmac" != 00:00:00:00:00:00 ] && [ "$mac" != "$pmac" ] ||
	fail "L2 addresses $mac and $pmac"
noarp /sys/class/net/azk4/flags && fail "L2 device has NOARP"
ip addr add 10.80.0.1/24 dev azk4
in_pod ip addr add 10.80.0.2/24 dev eth4
ip link set azk4 up
in_pod ip link set eth4 up
ping -c 2 -i 0.2 -W 2 10.80.0.2 >/dev/null || fail "ping in L2 mode"
assert_eq "$(ip -j neigh show 10.80.0.2 dev azk4 | jq -r '.[0].lladdr')" "$pmac" \
	"ARP resolved the peer's address"
ip link set dev azk4 address 02:00:00:00:00:44 || fail "L2 address change"
echo "ok: L2 mode"

# 9. Lifetime: either end takes the other, wherever it moved; "kit del"
# deletes azlxkit only.
in_pod ip link del eth4 || fail "deleting the peer"
gone azk4
ip link set pd2 netns "$NS" || fail "moving a peer to the pod"
assert_match "$(kit azk2 peer.ifindex,peer.netnsid)" "^$(in_pod cat /sys/class/net/pd2/ifindex),[0-9]+\$" \
	"the peer after its move"
azlxnet kit del azk2 || fail "kit del azk2"
gone pd2 "$NS"
out=$(azlxnet kit del lo 2>&1) && fail "kit del lo succeeded"
assert_match "$out" "not an azlxkit device" "kit del of a loopback"
out=$(azlxnet kit add azk5 peer azk0 2>&1) && fail "a peer name in use was taken"
assert_match "$out" "exists" "error for a peer name in use"
ip link show dev azk5 >/dev/null 2>&1 && fail "azk5 left behind by a failed add"
ip netns add "$NS2"
azlxnet kit add azk6 peer eth0 netns "$NS2" || fail "kit add azk6"
ip netns del "$NS2"
gone azk6
echo "ok: deleting an end or the namespace deletes the pair"

# 10. Requests the tool does not send, over raw rtnetlink: each refused
# with its errno and message; the peer's namespace by PID.
sleeper "$NS"
"$dir/kit_rtnl" "$bgpid" || fail "kit_rtnl"
kill "$bgpid"
wait "$bgpid" 2>/dev/null
bgpid=
in_pod ip link show dev azr1p >/dev/null || fail "no azr1p in the pod"
echo "ok: malformed requests"

# 11. 200 pairs into one namespace; half deleted through their primary, the
# rest with the namespace: nothing is left on either side.
ip netns add "$NS2"
sleeper "$NS2"
"$dir/kit_rtnl" churn "$bgpid" 200 || fail "kit_rtnl churn"
assert_eq "$(ip -n "$NS2" -o link show | grep -c ': azc[0-9]*p')" 100 "peers left in the namespace"
kill "$bgpid"
wait "$bgpid" 2>/dev/null
bgpid=
ip netns del "$NS2"
for i in $(seq 1 100); do
	[ "$(ip -o link show | grep -c ': azc')" = 0 ] && break
	sleep 0.1
done
assert_eq "$(ip -o link show | grep -c ': azc')" 0 "primaries left after the namespace went"
echo "ok: 200 pairs created and deleted"

# 12. Unloading the module deletes every pair, in every namespace, and
# releases their programs.
azlxnet kit add azk5 peer pd5 || fail "kit add azk5"
out=$(kp attach "$(ifindex azk5)" 1 ok) || fail "attaching to pd5: $out"
idD=${out#id }
ping -c 50 -i 0.01 -W 1 10.77.0.2 >/dev/null 2>&1 &
bgpid=$!
mod_unload
wait "$bgpid"
bgpid=
for d in azk0 azk1 azk3 azk5 pd5; do
	ip link show dev "$d" >/dev/null 2>&1 && fail "$d left after unload"
done
for d in eth0 eth1 eth3; do
	in_pod ip link show dev "$d" >/dev/null 2>&1 && fail "$d left in the pod after unload"
done
for i in $(seq 1 50); do
	bpftool prog show id "$idD" >/dev/null 2>&1 || break
	sleep 0.1
done
bpftool prog show id "$idD" >/dev/null 2>&1 && fail "a program outlived its pair"
echo "ok: unload deletes all pairs"
exit 0
