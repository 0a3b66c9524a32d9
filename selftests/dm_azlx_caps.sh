#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# dm-azlx per-cgroup IOPS caps (the per-pod limit) on an unthrottled loop
# device, 200 IOPS budget (190 dispatched): a pod cgroup capped at 20 IOPS
# gets 20/s (two processes in two child cgroups sharing the cap) while an
# uncapped cgroup gets the rest of the budget; raising the cap live gives
# 40/s; removing it lets the pod compete freely; bios held by a cap are
# counted in "capped". Counts are checked with dmx_paced: at most 1% (and
# the I/Os in flight) above what the cap or the budget allows, at most 25%
# below it, since a slow machine can starve the load but never add to it.

source "$(dirname "$0")/dm_azlx_lib.sh"
dmx_init

dmx_loop loop 128
len=$(dmx_sectors "$loop")
dev=/dev/mapper/azlxt-c
dmx_cgroup pod azlxt-pod
dmx_cgroup pod_a azlxt-pod/a
dmx_cgroup pod_b azlxt-pod/b
dmx_cgroup other azlxt-other

# run SECS: randread from pod/a, pod/b and other at once; sets pod_ops and
# other_ops (completed after a 1 s warm-up, in SECS - 1 s), pod_iops and
# other_iops (the same per second). The three count over the same window
# (--at): a load that starts later would otherwise count into the time
# when the others have stopped and left it the whole budget.
run()
{
	local d=/tmp/azlxt-c at
	at=$(awk -v t="$("$DMX_IO" now)" 'BEGIN { printf "%.6f", t + 1 }')
	dmx_in_cgroup "$pod_a" "$DMX_IO" load $dev --rw randread --qd 4 --secs "$1" \
		--warmup 1 --span 64M --seed 5 --at "$at" >$d.a &
	local pa=$!
	dmx_in_cgroup "$pod_b" "$DMX_IO" load $dev --rw randread --qd 4 --secs "$1" \
		--warmup 1 --span 64M --seed 6 --at "$at" >$d.b &
	local pb=$!
	dmx_in_cgroup "$other" "$DMX_IO" load $dev --rw randread --qd 8 --secs "$1" \
		--warmup 1 --span 64M --seed 7 --at "$at" >$d.o &
	local po=$!
	wait $pa || fail "pod/a: $(cat $d.a)"
	wait $pb || fail "pod/b: $(cat $d.b)"
	wait $po || fail "other: $(cat $d.o)"
	pod_iops=$(awk -v a="$(dmx_kv "$(cat $d.a)" iops)" -v b="$(dmx_kv "$(cat $d.b)" iops)" \
		'BEGIN { print a + b }')
	other_iops=$(dmx_kv "$(cat $d.o)" iops)
	pod_ops=$(($(dmx_kv "$(cat $d.a)" ops) + $(dmx_kv "$(cat $d.b)" ops)))
	other_ops=$(dmx_kv "$(cat $d.o)" ops)
	rm -f $d.*
	echo "pod (a+b): $pod_iops/s, other: $other_iops/s"
}

dmx_create azlxt-c "$len" "$loop" 0 200 1000 cap=/azlxt-pod:20
# paced CAP SECS: the pod got its cap, the other cgroup the rest of 190
# (what the pod left), both and together, over SECS (16 I/Os in flight).
paced()
{
	dmx_paced "$pod_ops" $(($1 * $2)) $(($1 * $2)) 9 "pod capped at $1 IOPS, $2 s"
	dmx_paced "$other_ops" $((190 * $2 - pod_ops)) $((190 * $2 - pod_ops)) 9 \
		"uncapped cgroup: the rest of 190 IOPS, $2 s"
	dmx_paced $((pod_ops + other_ops)) $((190 * $2)) $((190 * $2)) 17 \
		"both together, $2 s"
}

run 7
paced 20 6
capped=$(dmx_field azlxt-c capped)
[ "${capped#*/}" -gt 0 ] || fail "no bio waited for the cap (capped=$capped)"

dmsetup message azlxt-c 0 cap /azlxt-pod:40 || fail "message cap"
run 6
paced 40 5

dmsetup message azlxt-c 0 cap none || fail "message cap none"
run 4
dmx_paced $((pod_ops + other_ops)) 570 570 17 "pod and other together without caps, 3 s"
[ "${pod_iops%.*}" -gt 60 ] || fail "uncapped pod still limited: $pod_iops/s"
dmsetup remove azlxt-c || fail "remove"
echo "caps: ok"
