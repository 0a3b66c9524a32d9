#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# VF revocations under traffic, on the netvsc-like stand-in:
#
#   pod azp1 --(fast path, or the stack)--> azs0 (netvsc_sim, 192.168.50.1)
#       azs0 --VF vf0 (veth, the NIC's MAC)------> rvf0 \  netns azrn,
#       azs0 --synthetic path ul0 (veth, "link")--> rul0 /  192.168.50.2
#
# A UDP stream at a fixed rate (numbered datagrams) goes from the pod to a
# sink in azrn while the VF is revoked STORM_CYCLES times (default 20; 100
# in the debug-kernel run, AZLXNET_TIMEOUT_SCALE > 1, where 40 took 263 s;
# 1000 in make storm): odd cycles take it
# down and up again (the VF stays registered and joined), even cycles delete
# it and create it again with the same MAC and ifindex (Azure's host
# servicing: the VF is removed and re-added). Meanwhile the kfunc is called
# in a loop (it may only ever answer the VF or the synthetic NIC) and
# nic-get dumps run. Asserted: no splat (vmtest scans dmesg), the NIC
# model's counters exact, the fast path's redirect counters equal to what
# the stream sent (= received + lost), every load generator ran and ended
# normally with its count printed; the loss per revocation (datagrams of the
# stream sent between one revocation and the next that never arrived) is
# printed as median and worst, overall and per kind of revocation. Then the
# same churn with the pod routed by the stack (azlxnet pod del), printed
# beside it. Finally: 100 synthetic NICs created and deleted leave exactly
# one object in the module's slab cache; the module unloads cleanly.
#
# STORM_CYCLES=N and STORM_PPS=N (default 1000) override the defaults;
# STORM_PERIOD=S is the shortest cycle (default 0.1 s; half of it with the
# VF revoked).

source "$(dirname "$0")/lib.sh"
require_root
require_cmd azlxnet jq ip
NC="$(dirname "$0")/netcheck"
tmp=$(mktemp -d)
pids=()
v6=$(sysctl -n net.ipv6.conf.default.disable_ipv6)
cleanup()
{
	[ ${#pids[@]} -gt 0 ] && kill "${pids[@]}" 2>/dev/null
	azlxnet pod del --netns azp1 --ifname eth0 >/dev/null 2>&1
	azlxnet fastpath disable azs0 >/dev/null 2>&1
	ip netns del azp1 2>/dev/null
	ip netns del azrn 2>/dev/null
	for d in azs0 vf0 ul0 azh1; do ip link del $d 2>/dev/null; done
	sysctl -qw net.ipv6.conf.default.disable_ipv6="$v6"
	cleanup_module
	[ ! -d /sys/module/netvsc_sim ] || rmmod netvsc_sim 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT

scale=${AZLXNET_TIMEOUT_SCALE:-1}
if [ "$scale" -gt 1 ]; then
	cycles=${STORM_CYCLES:-100}
else
	cycles=${STORM_CYCLES:-20}
fi
pps=${STORM_PPS:-1000}
period=${STORM_PERIOD:-0.1}
[[ "$cycles" =~ ^[1-9][0-9]*$ ]] && [ $((cycles % 2)) = 0 ] ||
	fail "STORM_CYCLES must be an even positive number, not '$cycles'"
# the period in microseconds
period_us=$(awk -v p="$period" 'BEGIN { printf "%d", p * 1000000 }')
[ "$period_us" -gt 0 ] || fail "STORM_PERIOD must be positive, not '$period'"

RMAC=02:00:00:00:0b:02
VI=4242	# the VF's ifindex, kept when it is created again

mod_unload
nic_setup
sim_setup
modprobe azlxnet $SIM_PARAMS || fail "modprobe azlxnet"
sysctl -qw net.ipv4.ip_forward=1
# Only what the test sends: no IPv6 (MLD, router solicitations).
sysctl -qw net.ipv6.conf.default.disable_ipv6=1

# The remote: the far ends of both paths, same MAC, 192.168.50.2.
ip netns add azrn || fail "ip netns add azrn"
ip -n azrn link set lo up
ip -n azrn addr add 192.168.50.2/32 dev lo
ip netns exec azrn sysctl -qw net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0
ip link add ul0 type veth peer name rul0 address $RMAC netns azrn || fail "veth ul0"
ip link set ul0 up
ip -n azrn link set rul0 up
ip link add azs0 link ul0 address $SIM_MAC type netvsc_sim || fail "netvsc_sim azs0"
ip link set azs0 up
ip addr add 192.168.50.1/24 dev azs0
ip neigh add 192.168.50.2 lladdr $RMAC dev azs0 nud permanent
# Replies (the check below) over the synthetic path, which stays.
ip -n azrn neigh add 192.168.50.1 lladdr $SIM_MAC dev rul0 nud permanent
ip -n azrn route add 10.0.1.0/24 via 192.168.50.1 dev rul0 onlink
# vf_add: the VF, up; it has carrier once its far end is up too
vf_add()
{
	ip link add vf0 index $VI address $SIM_MAC up type veth \
		peer name rvf0 address $RMAC netns azrn &&
		ip -n azrn link set rvf0 up
}
vf_add || fail "creating the VF vf0"
S=$(ifindex azs0)
assert_eq "$(ifindex vf0)" $VI "the VF's ifindex"
assert_eq "$(master_of vf0)" azs0 "the VF's master"

# The pod.
ip netns add azp1 || fail "ip netns add azp1"
ip link add azh1 type veth peer name eth0 netns azp1 || fail "veth for azp1"
ip -n azp1 link set lo up
ip -n azp1 addr add 10.0.1.2/32 dev eth0
ip -n azp1 link set eth0 up
ip -n azp1 route add 10.0.1.1 dev eth0 scope link
ip -n azp1 route add default via 10.0.1.1 dev eth0
ip addr add 10.0.1.1/32 dev azh1
ip link set azh1 up
ip route add 10.0.1.2/32 dev azh1
ip netns exec azp1 ping -c 1 -W 2 192.168.50.2 >/dev/null ||
	fail "the remote does not answer over the stack"

azlxnet fastpath enable azs0 || fail "fastpath enable azs0"
azlxnet pod add --netns azp1 --ifname eth0 --ip 10.0.1.2 || fail "pod add azp1"
assert_eq "$(kfunc_tx "$S")" $VI "kfunc with the VF up"

# pod_stat COUNTER: a counter of the pod's endpoint, summed over CPUs
pod_stat()
{
	azlxnet -j pod show | jq -r --arg c "$1" \
		'.[] | select(.host_ifname == "azh1") | .stats[$c]'
}
redirects()
{
	azlxnet -j pod show | jq -r '.[] | select(.host_ifname == "azh1") |
		.stats.redirect_vf + .stats.redirect_uplink + .stats.redirect_neigh'
}
forwarded()
{
	awk '/^Ip: [0-9]/ { print $7 }' /proc/net/snmp
}

# median_worst N...: "median M worst W" of the numbers (median: the upper one)
median_worst()
{
	printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 }
		END { printf "median %d worst %d\n", v[int(NR / 2) + 1], v[NR] }'
}

# sleep_until T: sleep until T ($EPOCHREALTIME in microseconds), if ahead
sleep_until()
{
	local d=$(($1 - ${EPOCHREALTIME/./})) s
	[ "$d" -gt 0 ] || return 0
	printf -v s '%d.%06d' $((d / 1000000)) $((d % 1000000))
	sleep "$s"
}

# storm LABEL: $cycles revocations under the stream; prints the result
# line; sets sent, lost (datagrams)
storm()
{
	local label=$1 i t0 out tx dump src sink odd=() even=() w=()
	local times="$tmp/times.$label" j0 j

	: >"$times"
	j0=$(nic_json azs0)
	# The two loops spin: niced, they take the CPU the churn leaves (one
	# vCPU in make check), and still run all along.
	# Each waits until the others are set up: a helper still loading its
	# program when SIGTERM comes would die of it with nothing done.
	AZLXNET_READY=$tmp/ready.tx.$label nice -n 10 "$(dirname "$0")/nic_test" \
		tx-loop 3600 "$S" "$S" $VI >"$tmp/tx.$label" 2>&1 &
	tx=$!
	AZLXNET_READY=$tmp/ready.dump.$label nice -n 10 "$(dirname "$0")/nic_test" \
		dump-loop 3600 >"$tmp/dump.$label" 2>&1 &
	dump=$!
	AZLXNET_READY=$tmp/ready.sink.$label ip netns exec azrn "$NC" sink udp 192.168.50.2 \
		9000 3600 "$tmp/recv.$label" >"$tmp/sink.$label" 2>&1 &
	sink=$!
	pids=("$tx" "$dump" "$sink")
	wait_ready "the kfunc loop" "$tx" "$tmp/ready.tx.$label"
	wait_ready "the dump loop" "$dump" "$tmp/ready.dump.$label"
	wait_ready "the sink" "$sink" "$tmp/ready.sink.$label"
	AZLXNET_READY=$tmp/ready.stream.$label ip netns exec azp1 "$NC" stream udp \
		192.168.50.2 9000 3600 "$pps" "$tmp/sent.$label" >"$tmp/stream.$label" 2>&1 &
	src=$!
	pids+=("$src")
	wait_ready "the stream" "$src" "$tmp/ready.stream.$label"
	sleep 0.3

	t0=${EPOCHREALTIME/./}
	for i in $(seq 1 "$cycles"); do
		echo "$EPOCHREALTIME" >>"$times"
		if [ $((i % 2)) = 1 ]; then
			ip link set vf0 down || fail "cycle $i: vf0 down"
		else
			ip link del vf0 || fail "cycle $i: deleting vf0"
		fi
		sleep_until $((t0 + (i - 1) * period_us + period_us / 2))
		if [ $((i % 2)) = 1 ]; then
			ip link set vf0 up || fail "cycle $i: vf0 up"
		else
			vf_add || fail "cycle $i: creating vf0 again"
		fi
		sleep_until $((t0 + i * period_us))
	done
	echo "$label: $cycles cycles in $(( (${EPOCHREALTIME/./} - t0) / 1000 )) ms"
	sleep 0.2
	# Every load generator must still run (none failed), end on SIGTERM
	# with status 0 and have done its work.
	for p in "$tx" "$dump" "$src"; do
		kill -0 "$p" || fail "$label: a load generator died: $(cat "$tmp"/*."$label")"
	done
	kill -TERM "$src"
	wait "$src" || fail "$label: the stream: $(cat "$tmp/stream.$label")"
	sleep 0.3	# the last datagrams reach the sink
	kill -TERM "$tx" "$dump" "$sink"
	wait "$tx" || fail "$label: the kfunc loop: $(cat "$tmp/tx.$label")"
	wait "$dump" || fail "$label: the dump loop: $(cat "$tmp/dump.$label")"
	wait "$sink" || fail "$label: the sink: $(cat "$tmp/sink.$label")"
	pids=()
	cat "$tmp/tx.$label" "$tmp/dump.$label" "$tmp/stream.$label" "$tmp/sink.$label"

	# tx-loop: N calls, S: n, VI: m (both answers seen)
	out=$(cat "$tmp/tx.$label")
	[[ "$out" =~ ^tx-loop:\ ([0-9]+)\ calls,\ $S:\ ([0-9]+),\ $VI:\ ([0-9]+)$ ]] ||
		fail "$label: kfunc loop output: $out"
	# The niced loop may not run in the few revoked moments of a short
	# storm: both answers are required from 100 revocations on.
	[ "${BASH_REMATCH[3]}" -gt 0 ] || fail "$label: the kfunc never answered the VF: $out"
	[ "$cycles" -lt 100 ] || [ "${BASH_REMATCH[2]}" -gt 0 ] ||
		fail "$label: the kfunc loop did not see both answers: $out"
	out=$(cat "$tmp/dump.$label")
	[[ "$out" =~ ^dump-loop:\ ([1-9][0-9]*)\ dumps$ ]] || fail "$label: dump loop: $out"
	out=$(cat "$tmp/stream.$label")
	[[ "$out" =~ ^sent\ ([1-9][0-9]*)\ failed\ 0$ ]] || fail "$label: stream: $out"
	sent=${BASH_REMATCH[1]}
	out=$(cat "$tmp/sink.$label")
	[[ "$out" =~ ^received\ ([1-9][0-9]*)\ lost\ ([0-9]+)$ ]] || fail "$label: sink: $out"
	received=${BASH_REMATCH[1]}
	assert_eq "$(wc -l <"$tmp/sent.$label")" "$sent" "$label: datagrams in the stream's log"
	assert_eq "$(wc -l <"$tmp/recv.$label")" "$received" "$label: datagrams in the sink's log"
	assert_eq "$(sort -un "$tmp/recv.$label" | wc -l)" "$received" "$label: datagrams received once"

	out=$("$NC" windows "$tmp/sent.$label" "$tmp/recv.$label" "$times") ||
		fail "$label: netcheck windows: $out"
	echo "$out"
	read -r -a w <<<"$(sed -n 's/^per-window: //p' <<<"$out")"
	assert_eq "${#w[@]}" "$cycles" "$label: windows"
	[[ "$out" =~ ^windows\ [0-9]+\ lost\ ([0-9]+)\ median\ ([0-9]+)\ worst\ ([0-9]+)\ before\ 0[^0-9] ]] ||
		fail "$label: loss before the first revocation, or bad output: $out"
	lost=${BASH_REMATCH[1]}
	assert_eq $((received + lost)) "$sent" "$label: received + lost"
	for i in "${!w[@]}"; do
		if [ $((i % 2)) = 0 ]; then odd+=("${w[$i]}"); else even+=("${w[$i]}"); fi
	done
	result="$label: $cycles revocations, $sent datagrams at $pps/s, lost $lost;"
	result+=" per revocation $(median_worst "${w[@]}") (down/up $(median_worst "${odd[@]}"),"
	result+=" delete/create $(median_worst "${even[@]}"))"

	# The NIC model counted every revocation; the VF is back and up.
	j=$(nic_json azs0)
	echo "$j"
	# one jq for all (each costs a quarter of a second under emulation)
	read -r dj dl dd du fvf fst <<<"$(jq -r --argjson a "$j0" '[.vf_joins - $a.vf_joins,
		.vf_leaves - $a.vf_leaves, .vf_downs - $a.vf_downs, .vf_ups - $a.vf_ups,
		.vf.ifindex, .vf_state] | @tsv' <<<"$j")"
	assert_eq "$dj" $((cycles / 2)) "$label: joins"
	assert_eq "$dl" $((cycles / 2)) "$label: leaves"
	assert_eq "$dd" "$cycles" "$label: VF downs"
	assert_eq "$du" "$cycles" "$label: VF ups"
	assert_eq "$fvf" $VI "$label: final VF"
	assert_eq "$fst" up "$label: final VF state"
	assert_eq "$(master_of vf0)" azs0 "$label: the VF's master at the end"
	assert_eq "$(kfunc_tx "$S")" $VI "$label: final kfunc answer"
}

# 1. The fast path.
r0=$(redirects) f0=$(forwarded) s0=$(tx_packets azs0)
storm "fast path"
fast=$result
assert_eq $(( $(redirects) - r0 )) "$sent" "fast path: the program's redirects"
assert_eq $(( $(forwarded) - f0 )) 0 "fast path: datagrams the stack forwarded"
syn=$(( $(tx_packets azs0) - s0 ))
echo "fast path: redirects +$(( $(redirects) - r0 )), synthetic path +$syn"
[ "$syn" -gt 0 ] || fail "fast path: the stream never took the synthetic path"

# 2. The same churn with the pod routed by the stack.
azlxnet pod del --netns azp1 --ifname eth0 || fail "pod del azp1"
r0=$(redirects) f0=$(forwarded) s0=$(tx_packets azs0)
storm "stack path"
stack=$result
# Counted by the stack, at least once per datagram (also the pings).
[ $(( $(forwarded) - f0 )) -ge "$sent" ] ||
	fail "stack path: the stack forwarded $(( $(forwarded) - f0 )) of $sent"
syn=$(( $(tx_packets azs0) - s0 ))
echo "stack path: forwarded +$(( $(forwarded) - f0 )), synthetic path +$syn"
[ "$syn" -gt 0 ] || fail "stack path: the stream never took the synthetic path"

echo "loss per revocation ($(uname -r)):"
echo "  $fast"
echo "  $stack"

azlxnet fastpath disable azs0 || fail "fastpath disable"
ip netns del azp1
ip link del azs0
ip link del ul0
ip netns del azrn
ip link del vf0 2>/dev/null
assert_eq "$(azlxnet -j nic show | jq length)" 0 "NICs left"

# 3. NIC objects: exactly one per tracked NIC in the module's slab cache,
# also after 100 synthetic NICs came and went.
# SLUB counts the objects cached per CPU as in use until the cache is
# shrunk; after that, active_objs is exact.
nic_objs()
{
	echo 1 >/sys/kernel/slab/azlxnet_nic/shrink 2>/dev/null
	awk '$1 == "azlxnet_nic" { print $2 }' /proc/slabinfo
}
ip link add azsb0 type bond mode active-backup || fail "creating the bond"
# azs0's object is freed after an RCU grace period.
for _ in $(seq 1 50); do
	[ "$(nic_objs)" = 1 ] && break
	sleep 0.1
done
assert_eq "$(nic_objs)" 1 "azlxnet_nic objects with one NIC"
for i in $(seq 1 100); do
	echo "link add azsx$i type bond mode active-backup"
done >"$tmp/bonds"
ip -batch "$tmp/bonds" || fail "creating 100 bonds"
assert_eq "$(azlxnet -j nic show | jq length)" 101 "NICs with 100 more bonds"
sed 's/^link add \(azsx[0-9]*\) .*/link del \1/' "$tmp/bonds" >"$tmp/unbonds"
ip -batch "$tmp/unbonds" || fail "deleting 100 bonds"
assert_eq "$(azlxnet -j nic show | jq length)" 1 "NICs after deleting them"
# Freed after an RCU grace period.
for _ in $(seq 1 50); do
	[ "$(nic_objs)" = 1 ] && break
	sleep 0.1
done
assert_eq "$(nic_objs)" 1 "azlxnet_nic objects after 100 NICs came and went"

ip link del azsb0
mod_unload
assert_eq "$(grep -c '^azlxnet_nic ' /proc/slabinfo)" 0 "the slab cache after unload"
echo "unloaded cleanly"
sim_unload
