#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# dm-azlx's in-flight window over a slow disk (dm-delay: 40 ms per I/O),
# with a budget the disk cannot reach (1000 IOPS):
#   - the window is the budget's rate x inflight_ms, at least 4 units
#     (status inflight=<now>/<window>);
#   - at queue depth 32 the target keeps at most the window at the disk and
#     the rest in its own queues, so throughput is the window / the delay;
#   - a critical read then waits for one completion, not for the reads
#     queued ahead of it: its p99 stays below the noisy reads' median;
#   - inflight_ms is validated and changed live.

source "$(dirname "$0")/dm_azlx_lib.sh"
dmx_init
dmsetup targets | grep -q '^delay' || modprobe dm-delay || skip "no dm-delay"

inflight_cleanup()
{
	dmsetup remove --force azlxt-w >/dev/null 2>&1
	dmsetup remove --force azlxt-slow >/dev/null 2>&1
	dmx_cleanup
}
trap inflight_cleanup EXIT

dmx_loop loop 64
len=$(dmx_sectors "$loop")
echo "0 $len delay $loop 0 40" | dmsetup create azlxt-slow || fail "dm-delay"
dmx_cgroup crit azlxt-crit
dev=/dev/mapper/azlxt-w

# 1000 x 95% x 10 ms = 9.5 units: a window of 10 (a bio goes while it is not full)
dmx_create azlxt-w "$len" /dev/mapper/azlxt-slow 0 1000 1000 inflight_ms=10 \
	critical=/azlxt-crit
assert_match "$(dmx_table azlxt-w)" " 0 1000 1000 inflight_ms=10 critical=/azlxt-crit$" "table"
assert_eq "$(dmx_field azlxt-w inflight)" "0/10" "window at rest"

d=$(mktemp -d)
"$DMX_IO" load "$dev" --rw randread --bs 4k --qd 32 --secs 8 --warmup 1 --span 32M \
	--seed 1 >"$d/noisy" &
noisy=$!
sleep 1.5
dmx_in_cgroup "$crit" "$DMX_IO" load "$dev" --rw randread --bs 4k --qd 1 --secs 5 \
	--warmup 1 --span 32M --seed 2 --rate 10 >"$d/crit" &
critp=$!
max_now=0 max_queued=0 held0=$(dmx_class azlxt-w delayed read)
for _ in $(seq 40); do
	now=$(dmx_field azlxt-w inflight)
	now=${now%/*}
	q=$(dmx_class azlxt-w queued read)
	[ "$now" -gt "$max_now" ] && max_now=$now
	[ "$q" -gt "$max_queued" ] && max_queued=$q
	sleep 0.1
done
wait "$critp" || fail "critical reads: $(cat "$d/crit")"
wait "$noisy" || fail "noisy reads: $(cat "$d/noisy")"
held=$(($(dmx_class azlxt-w delayed read) - held0))
noisy_out=$(cat "$d/noisy") crit_out=$(cat "$d/crit")
rm -rf "$d"
echo "noisy:    $noisy_out"
echo "critical: $crit_out"
echo "sampled: at most $max_now units at the disk, $max_queued reads queued in the target; $held reads held in all"
[ "$max_now" -le 10 ] || fail "the disk had $max_now units in flight (window 10)"
# Held in the target (the budget is far above the load: by the window), as
# counted by the target: a sample can miss the queue on a starved machine.
[ "$held" -ge 10 ] || fail "the target held only $held reads (32 issued at a time, window 10)"
# 10 in flight / 40 ms = 250 reads/s (less: the delay is a minimum), 7 s
dmx_paced "$(dmx_kv "$noisy_out" ops)" 1050 1750 32 "reads in 7 s through a 10-unit window"
crit_p99=$(dmx_kv "$crit_out" p99_us) noisy_p50=$(dmx_kv "$noisy_out" p50_us)
[ "$(dmx_class azlxt-w dispatched critical)" -ge 30 ] || fail "critical reads not in their class"
awk -v c="$crit_p99" -v n="$noisy_p50" 'BEGIN { exit !(c < n) }' ||
	fail "critical p99 ${crit_p99} us is not below the noisy median ${noisy_p50} us"
echo "critical p99 $crit_p99 us < noisy p50 $noisy_p50 us"

# inflight_ms: bad values refused, the table unchanged; a live change
before=$(dmx_table azlxt-w)
for v in 0 -1 x 10001; do
	dmsetup message azlxt-w 0 set inflight_ms=$v 2>/dev/null &&
		fail "inflight_ms=$v accepted"
done
assert_eq "$(dmx_table azlxt-w)" "$before" "table after refused messages"
dmsetup message azlxt-w 0 set inflight_ms=40 || fail "message inflight_ms=40"
assert_eq "$(dmx_field azlxt-w inflight)" "0/38" "window at 40 ms"
dmsetup message azlxt-w 0 set inflight_ms=1 || fail "message inflight_ms=1"
assert_eq "$(dmx_field azlxt-w inflight)" "0/4" "the smallest window"
echo "ok"
