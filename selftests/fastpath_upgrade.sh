#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Upgrading the fast path under traffic. azlxnet attaches 20 pods and the
# uplink up0 (with its VF vf0); then, while a UDP stream runs pod to pod,
# azlxnet-next - the tool built with -DAZLXNET_LAYOUT_TEST, whose BPF
# objects and map layout differ - adds a pod (which must migrate the node to
# its own programs and maps by itself), deletes one and reloads. Then:
# - the state on the node is azlxnet-next's (identity == tool_identity);
# - every pod's host side, up0 and vf0 run programs azlxnet-next loaded
#   (pinned under its identity), none of the old ones;
# - the old pin directory is gone, no other identity's remains;
# - the stream lost at most 10 datagrams;
# - pod to pod still takes the fast path.
# Finally everything is removed with azlxnet-next and nothing stays pinned.
# Where the kernel has tcx, azlxnet attaches with tc filters
# (AZLXNET_FASTPATH_ATTACH=tc), as the first release did everywhere: the
# upgrade then puts a tcx link before each filter and removes the filter,
# and the reload moves the links (a link update).

source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/fastpath_lib.sh"
require_root
require_cmd azlxnet jq ip bpftool tc
NEXT=$(cd "$(dirname "$0")" && pwd)/azlxnet-next
[ -x "$NEXT" ] || fail "no $NEXT (the top-level make builds it)"
PIN=/sys/fs/bpf/azlxnet
PODS=20			# azp1..azp20; azp21 is the one azlxnet-next adds
NEW=$((PODS + 1))
DEL=$PODS		# the pod azlxnet-next deletes
# A kernel AZLXNET_TIMEOUT_SCALE times slower (the debug kernel) upgrades
# that much slower: the stream lasts that much longer, at that much less.
sc=${AZLXNET_TIMEOUT_SCALE:-1}
PPS=${UPGRADE_PPS:-$((1500 / sc))}
SECS=${UPGRADE_SECS:-$((15 * sc))}
MAX_LOST=10
stream_pid=
sink_pid=
rmem=

cleanup()
{
	local n
	[ -n "$stream_pid" ] && kill "$stream_pid" 2>/dev/null
	[ -n "$sink_pid" ] && kill "$sink_pid" 2>/dev/null
	for n in $(seq 1 $NEW); do
		"$NEXT" pod del --ip 10.0.1.$((n + 1)) >/dev/null 2>&1
	done
	"$NEXT" fastpath disable up0 >/dev/null 2>&1
	for n in $(seq 3 $NEW); do ip netns del azp$n 2>/dev/null; done
	fp_cleanup
	[ -n "$rmem" ] && sysctl -qw net.core.rmem_default="$rmem"
	cleanup_module
}
trap cleanup EXIT

# old ARGS...: the first tool, with tc filters where tcx exists
old()
{
	AZLXNET_FASTPATH_ATTACH=tc azlxnet "$@"
}

pod_add() # TOOL N
{
	"$1" pod add --netns azp$2 --ifname eth0 --ip 10.0.1.$(($2 + 1)),fd00:1::$(($2 + 1)) \
		>/dev/null || fail "$1 pod add azp$2"
}

# next_stat HOST-IFNAME COUNTER: pod_stat through azlxnet-next
next_stat()
{
	"$NEXT" -j pod show | jq -r --arg h "$1" --arg c "$2" \
		'.[] | select(.host_ifname == $h) | .stats[$c]'
}

# pinned_prog_ids DIR: ids of the programs pinned under DIR, directly or
# through a pinned link
pinned_prog_ids()
{
	local f j
	find "$1" -type f 2>/dev/null | while read -r f; do
		if j=$(bpftool -j prog show pinned "$f" 2>/dev/null); then
			jq -r '.id' <<<"$j"
		elif j=$(bpftool -j link show pinned "$f" 2>/dev/null); then
			jq -r '.prog_id' <<<"$j"
		fi
	done | grep -E '^[0-9]+$' | sort -u
}

# identity_dirs: the identity directories under $PIN
identity_dirs()
{
	find "$PIN" -mindepth 1 -maxdepth 1 -type d -printf '%f\n' 2>/dev/null |
		grep -E '^l[0-9]+-' | sort
}

mod_unload
modprobe azlxnet $FP_PARAMS || fail "modprobe azlxnet"
fp_setup
for n in $(seq 3 $NEW); do fp_pod "$n"; done
assert_eq "$(nic_field up0 .vf.ifname)" vf0 "the module sees vf0 as up0's VF"

old_tool=$(old -j fastpath show | jq -r .tool_identity)
new_tool=$("$NEXT" -j fastpath show | jq -r .tool_identity)
echo "tool identities: azlxnet $old_tool, azlxnet-next $new_tool"
[ -n "$old_tool" ] && [ "$old_tool" != null ] || fail "azlxnet has no tool_identity"
[ -n "$new_tool" ] && [ "$new_tool" != null ] || fail "azlxnet-next has no tool_identity"
[ "$old_tool" != "$new_tool" ] ||
	fail "both tools have identity $old_tool (azlxnet-next built without -DAZLXNET_LAYOUT_TEST?)"

# 1. The first tool: the uplink and 20 pods.
old fastpath enable up0 >/dev/null || fail "fastpath enable up0"
for n in $(seq 1 $PODS); do pod_add old "$n"; done
old=$(old -j fastpath show) || fail "azlxnet fastpath show"
assert_eq "$(jq -r .attach <<<"$old")" tc "azlxnet's attach mode"
assert_eq "$(tc filter show dev up0 ingress | grep -c azlxnet_to_pod)" 1 "azlxnet's tc filter on up0"
old_id=$(jq -r .identity <<<"$old")
assert_eq "$old_id" "$old_tool" "identity on the node after azlxnet's adds"
[ -d "$PIN/$old_id" ] || fail "no pin directory $PIN/$old_id"
old_progs=$(jq -c '[.programs[].program | {name, id, tag}] | unique' <<<"$old")
echo "before: attach $(jq -r .attach <<<"$old"), programs $old_progs"
assert_eq "$(jq '.programs | length' <<<"$old")" $((PODS + 2)) \
	"devices with a program before (20 pods, up0, vf0)"
ip netns exec azp1 ping -c 1 -W 2 10.0.1.3 >/dev/null || fail "ping azp1 -> azp2 before"

# 2. A UDP stream azp1 -> azp2 during the upgrade. With one CPU the tool's
#    program loads can keep the sink from reading for seconds: a receive
#    buffer for all of that, and time after the stream to read it, so that
#    what is lost is lost on the way.
rmem=$(sysctl -n net.core.rmem_default)
sysctl -qw net.core.rmem_default=$((32 << 20)) || fail "net.core.rmem_default"
rm -f /tmp/fpu-sink.ready
AZLXNET_READY=/tmp/fpu-sink.ready ip netns exec azp2 "$NC" sink udp 10.0.1.3 7030 \
	$((SECS + 6)) >/tmp/fpu-sink &
sink_pid=$!
wait_ready "the sink" "$sink_pid" /tmp/fpu-sink.ready
ip netns exec azp1 "$NC" stream udp 10.0.1.3 7030 "$SECS" "$PPS" >/tmp/fpu-stream &
stream_pid=$!
t0=$(date +%s.%N)
sleep 2

# 3. azlxnet-next: an ADD (migrates), a DEL, a reload.
pod_add "$NEXT" $NEW
t_add=$(date +%s.%N)
mid=$("$NEXT" -j fastpath show) || fail "azlxnet-next fastpath show"
assert_eq "$(jq -r .identity <<<"$mid")" "$new_tool" \
	"identity on the node after azlxnet-next's pod add"
"$NEXT" pod del --netns azp$DEL --ifname eth0 >/dev/null || fail "azlxnet-next pod del azp$DEL"
"$NEXT" fastpath reload || fail "azlxnet-next fastpath reload"
t_done=$(date +%s.%N)
kill -0 "$stream_pid" 2>/dev/null || fail "the stream ended before the upgrade did (UPGRADE_SECS=$SECS)"
awk -v a="$t0" -v b="$t_add" -v c="$t_done" \
	'BEGIN { printf "upgrade: pod add (migration) took %.1f s, all three commands %.1f s\n", b - a - 2, c - a - 2 }'
wait "$stream_pid" "$sink_pid"
sysctl -qw net.core.rmem_default="$rmem"
stream_pid=
sink_pid=
read -r _ sent </tmp/fpu-stream
read -r _ received _ gaps </tmp/fpu-sink
lost=$((sent - received))
rcvbuf=$(ip netns exec azp2 awk '/^Udp: [0-9]/ { print $6 }' /proc/net/snmp)
echo "stream azp1 -> azp2: sent $sent in $SECS s ($((sent / SECS)) datagrams/s), received $received, lost $lost ($gaps in gaps; receive buffer errors $rcvbuf)"

# 4. The node runs azlxnet-next's programs everywhere.
now=$("$NEXT" -j fastpath show) || fail "azlxnet-next fastpath show"
new_id=$(jq -r .identity <<<"$now")
assert_eq "$new_id" "$(jq -r .tool_identity <<<"$now")" "identity == tool_identity"
assert_eq "$new_id" "$new_tool" "identity after the upgrade"
case "$(uname -r)" in
6.[0-5].*) attach=tc ;;
*) attach=tcx ;;
esac
assert_eq "$(jq -r .attach <<<"$now")" "$attach" "attach on $(uname -r)"
echo "counters_since: $(jq -c .counters_since <<<"$now")"
new_progs=$(jq -c '[.programs[].program | {name, id, tag}] | unique' <<<"$now")
echo "after: programs $new_progs"
want=$( (for n in $(seq 1 $NEW); do [ "$n" = $DEL ] || echo azh$n; done; echo up0; echo vf0) | sort)
assert_eq "$(jq -r '.programs[].ifname' <<<"$now" | sort | tr '\n' ' ')" "$(echo $want) " \
	"devices with a program after the upgrade"
assert_eq "$(jq '[.programs[] | select(.program.ours != true)] | length' <<<"$now")" 0 \
	"programs not ours"
for d in $want; do
	assert_eq "$(fp_progs "$d")" 1 "programs on $d's ingress (the old one replaced, not joined)"
done
assert_eq "$(fp_progs azh$DEL)" 0 "programs on the deleted pod's azh$DEL"
assert_eq "$(jq '[.programs[].program | {name, id, tag}] | unique | group_by(.name) |
		 map(select(length > 1)) | length' <<<"$now")" 0 \
	"programs of one name that differ between devices"
ids=$(pinned_prog_ids "$PIN/$new_id")
[ -n "$ids" ] || fail "no programs pinned under $PIN/$new_id"
for id in $(jq -r '.programs[].program.id' <<<"$now" | sort -u); do
	grep -qx "$id" <<<"$ids" || fail "program $id is not one pinned under $PIN/$new_id ($(echo $ids))"
	jq -e --argjson id "$id" 'map(select(.id == $id)) | length == 0' <<<"$old_progs" >/dev/null ||
		fail "program $id is still the one azlxnet attached"
done

# 5. The old pins are gone.
[ ! -e "$PIN/$old_id" ] || fail "$PIN/$old_id is still there: $(ls "$PIN/$old_id")"
assert_eq "$(identity_dirs | tr '\n' ' ')" "$new_id " "identity directories in $PIN"

# 6. No more than $MAX_LOST datagrams lost.
[ "$sent" -ge $((SECS * 1000)) ] ||
	echo "note: the stream reached $((sent / SECS))/s, not 1000/s"
[ "$lost" -le $MAX_LOST ] || fail "the stream lost $lost datagrams during the upgrade (at most $MAX_LOST)"

# 7. Pod to pod, the old pods and the new one, on the fast path.
fwd0=$(stack_forwarded)
p1=$(next_stat azh1 redirect_peer) pn=$(next_stat azh$NEW redirect_peer)
ip netns exec azp1 ping -c 5 -i 0.2 -W 2 10.0.1.3 >/dev/null || fail "ping azp1 -> azp2 after"
ip netns exec azp$NEW ping -c 5 -i 0.2 -W 2 10.0.1.2 >/dev/null || fail "ping azp$NEW -> azp1"
ip netns exec azp$NEW ping -6 -c 5 -i 0.2 -W 2 fd00:1::3 >/dev/null || fail "ping6 azp$NEW -> azp2"
d1=$(( $(next_stat azh1 redirect_peer) - p1 )) dn=$(( $(next_stat azh$NEW redirect_peer) - pn ))
echo "after the upgrade: redirect_peer +$d1 (azp1), +$dn (azp$NEW)"
[ "$d1" -ge 5 ] || fail "azp1 -> azp2 not on the fast path (+$d1)"
[ "$dn" -ge 10 ] || fail "azp$NEW not on the fast path (+$dn)"
assert_eq "$(( $(stack_forwarded) - fwd0 ))" 0 "datagrams the host stack forwarded"
ip netns exec azp$DEL ping -c 1 -W 2 10.0.1.2 >/dev/null || fail "the deleted pod azp$DEL on the stack path"

# 8. Everything off with azlxnet-next: nothing pinned.
for n in $(seq 1 $NEW); do
	[ "$n" = $DEL ] && continue
	"$NEXT" pod del --netns azp$n --ifname eth0 >/dev/null || fail "azlxnet-next pod del azp$n"
done
"$NEXT" fastpath disable up0 >/dev/null || fail "azlxnet-next fastpath disable up0"
assert_eq "$(identity_dirs | tr '\n' ' ')" "" "identity directories with nothing enabled"
