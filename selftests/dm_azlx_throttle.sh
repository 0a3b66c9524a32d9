#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# dm-azlx's closed loop against a host that throttles as Azure's does: a
# second dm-azlx below plays the host (200 IOPS, first come first served,
# no window of its own: it queues whatever exceeds its budget), and the
# pacer above believes it has a full burst credit (2000 IOPS) the host
# does not give. Noisy reads at queue depth 64 and critical reads at 10/s.
#   - Without a latency target the pacer keeps its burst-rate window (38
#     units) in the host's queue: every critical read waits behind it, and
#     the pacer's credit estimate stays.
#   - With lat_target_us=50000 the slow completions end the credit estimate
#     (a trace of it is left: unused baseline adds to it again once the
#     completions are fast) and shrink the window: the pacer sends its baseline (171/s, below the
#     host's 200), the host's queue drains, and the critical reads' p99
#     falls below half of the median without the target; the noisy reads
#     still get the baseline.

source "$(dirname "$0")/dm_azlx_lib.sh"
dmx_init

dmx_loop loop 128
len=$(dmx_sectors "$loop")
dmx_cgroup crit azlxt-crit
dmx_cgroup noisy azlxt-noisy
dmx_create azlxt-host "$len" "$loop" 0 200 1000 fraction=100 inflight_ms=10000 \
	max_held=65536 max_held_cgroup=65536
dev=/dev/mapper/azlxt-vm
d=$(mktemp -d)

# run TARGET_US: a fresh pacer (full credit) with that latency target, the
# noisy and critical reads for 10 s; sets crit_out, noisy_out
run()
{
	dmx_create azlxt-vm "$len" /dev/mapper/azlxt-host 0 180 100 burst_iops=2000 \
		burst_mbps=200 credit_pct=100 critical=/azlxt-crit lat_target_us="$1"
	dmx_in_cgroup "$noisy" "$DMX_IO" load $dev --rw randread --bs 4k --qd 64 \
		--secs 10 --span 64M --seed 2 >"$d/noisy" &
	local p1=$!
	sleep 2
	dmx_in_cgroup "$crit" "$DMX_IO" load $dev --rw randread --bs 4k --qd 1 \
		--secs 7 --span 64M --rate 10 --seed 3 >"$d/crit" &
	local p2=$!
	wait $p2 || fail "critical reads: $(cat "$d/crit")"
	wait $p1 || fail "noisy reads: $(cat "$d/noisy")"
	crit_out=$(cat "$d/crit") noisy_out=$(cat "$d/noisy")
	st=$(dmx_status azlxt-vm)
	echo "lat_target_us=$1: critical: $crit_out"
	echo "lat_target_us=$1: noisy:    $noisy_out"
	echo "lat_target_us=$1: pacer:    $st"
	echo "lat_target_us=$1: host:     $(dmx_status azlxt-host)"
}

run 0
off_p50=$(dmx_kv "$crit_out" p50_us)
assert_eq "$(dmx_field azlxt-vm window_pct)" 100 "the window without a target"
cr=$(dmx_credit azlxt-vm)
[ "$cr" -gt 3000000 ] || fail "the credit estimate went without a target: $cr units left"
# the premise: the host's queue is what the critical reads wait in
[ "$off_p50" -ge 50000 ] ||
	fail "critical reads' median ${off_p50}us without a target: the host queued nothing"
dmsetup remove azlxt-vm || fail "remove the pacer"

run 50000
on_p99=$(dmx_kv "$crit_out" p99_us)
# the estimate ended: what unused baseline added since, while completions
# were fast again, is a trace of the full credit (3276000 units)
cr=$(dmx_credit azlxt-vm)
[ "$cr" -lt 3276 ] || fail "the credit estimate after slow completions: $cr units left of 3276000"
[ "$(dmx_field azlxt-vm shrinks)" -ge 1 ] || fail "no period judged slow"
[ "$on_p99" -lt $((off_p50 / 2)) ] ||
	fail "critical reads' p99 ${on_p99}us with the target is not below half the median without it (${off_p50}us)"
# the noisy reads still get the baseline (171/s) over their 10 s, less
# the first periods at the burst rate's window: -25% for a slow machine
ops=$(dmx_kv "$noisy_out" ops)
[ "$ops" -ge $((171 * 10 * 3 / 4)) ] || fail "noisy reads: $ops in 10 s, below the baseline"
rm -rf "$d"
echo "ok"
