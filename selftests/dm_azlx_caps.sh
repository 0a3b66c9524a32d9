#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# dm-azlx per-cgroup IOPS caps (the per-pod limit) on an unthrottled loop
# device, 200 IOPS budget (190 dispatched): a pod cgroup capped at 20 IOPS
# gets 20/s (within 5%, two processes in two child cgroups sharing the cap)
# while an uncapped cgroup gets the rest of the budget; raising the cap
# live gives 40/s; removing it lets the pod compete freely; bios held by a
# cap are counted in "capped".

source "$(dirname "$0")/dm_azlx_lib.sh"
dmx_init

dmx_loop loop 128
len=$(dmx_sectors "$loop")
dev=/dev/mapper/azlxt-c
dmx_cgroup pod azlxt-pod
dmx_cgroup pod_a azlxt-pod/a
dmx_cgroup pod_b azlxt-pod/b
dmx_cgroup other azlxt-other

# run SECS: randread from pod/a, pod/b and other at once; sets pod_iops and
# other_iops (completed per second after a 1 s warm-up).
run()
{
	local d=/tmp/azlxt-c
	dmx_in_cgroup "$pod_a" "$DMX_IO" load $dev --rw randread --qd 4 --secs "$1" \
		--warmup 1 --span 64M --seed 5 >$d.a &
	local pa=$!
	dmx_in_cgroup "$pod_b" "$DMX_IO" load $dev --rw randread --qd 4 --secs "$1" \
		--warmup 1 --span 64M --seed 6 >$d.b &
	local pb=$!
	dmx_in_cgroup "$other" "$DMX_IO" load $dev --rw randread --qd 8 --secs "$1" \
		--warmup 1 --span 64M --seed 7 >$d.o &
	local po=$!
	wait $pa || fail "pod/a: $(cat $d.a)"
	wait $pb || fail "pod/b: $(cat $d.b)"
	wait $po || fail "other: $(cat $d.o)"
	pod_iops=$(awk -v a="$(dmx_kv "$(cat $d.a)" iops)" -v b="$(dmx_kv "$(cat $d.b)" iops)" \
		'BEGIN { print a + b }')
	other_iops=$(dmx_kv "$(cat $d.o)" iops)
	rm -f $d.*
	echo "pod (a+b): $pod_iops/s, other: $other_iops/s"
}

dmx_create azlxt-c "$len" "$loop" 0 200 1000 cap=/azlxt-pod:20
run 7
dmx_within "$pod_iops" 20 5 "pod capped at 20 IOPS"
dmx_within "$other_iops" 170 5 "uncapped cgroup: the rest of 190"
capped=$(dmx_field azlxt-c capped)
[ "${capped#*/}" -gt 0 ] || fail "no bio waited for the cap (capped=$capped)"

dmsetup message azlxt-c 0 cap /azlxt-pod:40 || fail "message cap"
run 6
dmx_within "$pod_iops" 40 5 "pod capped at 40 IOPS"
dmx_within "$other_iops" 150 5 "uncapped cgroup: the rest of 190"

dmsetup message azlxt-c 0 cap none || fail "message cap none"
run 4
dmx_within "$(awk -v a="$pod_iops" -v b="$other_iops" 'BEGIN { print a + b }')" 190 5 \
	"pod and other together without caps"
[ "${pod_iops%.*}" -gt 60 ] || fail "uncapped pod still limited: $pod_iops/s"
dmsetup remove azlxt-c || fail "remove"
echo "caps: ok"
