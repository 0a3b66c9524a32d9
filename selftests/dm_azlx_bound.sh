#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# dm-azlx's bound on held bios (max_held per class, max_held_cgroup per
# cgroup) under a load far above it: two pod cgroups of 32 jobs x 512
# O_DIRECT AIO reads each (32768 I/Os in flight) against a 20 IOPS table
# holding at most 64 reads, 40 per cgroup:
#   - the target never holds more than the bounds (the peaks it counts, and
#     status samples), and holds reads up to the bound: the submitters wait
#     in io_submit() instead (throttled), nothing is held past the bound;
#   - kernel memory (Slab) and MemAvailable stay flat while 32768 I/Os are
#     outstanding;
#   - a critical cgroup's reads, at queue depth 1, still complete within
#     max_wait_ms;
#   - RWF_NOWAIT I/O over the bound completes with EAGAIN (counted by the
#     target as "again", one for one) and nothing is held past the bound;
#   - the keys: defaults not printed, bad values refused, changed live.

source "$(dirname "$0")/dm_azlx_lib.sh"
dmx_init
DMX_AIO=$(cd "$(dirname "$0")" && pwd)/dm_azlx_aio
[ -x "$DMX_AIO" ] || fail "$DMX_AIO is missing"

dmx_loop loop 256
len=$(dmx_sectors "$loop")
dev=/dev/mapper/azlxt-b
dmx_cgroup crit azlxt-crit
dmx_cgroup pod1 azlxt-pod1
dmx_cgroup pod2 azlxt-pod2
# 64 contexts of 512 (io_setup reserves twice that)
aio_max=$(cat /proc/sys/fs/aio-max-nr)
bound_cleanup()
{
	echo "$aio_max" >/proc/sys/fs/aio-max-nr
	dmx_cleanup
}
trap bound_cleanup EXIT
echo 1048576 >/proc/sys/fs/aio-max-nr

# The keys: refused values leave no table; defaults are not printed.
for v in 0 -1 +5 x 1048577; do
	echo "0 $len azlx $loop 0 20 100 max_held=$v" | dmsetup create azlxt-b 2>/dev/null &&
		fail "max_held=$v accepted"
	echo "0 $len azlx $loop 0 20 100 max_held_cgroup=$v" | dmsetup create azlxt-b \
		2>/dev/null && fail "max_held_cgroup=$v accepted"
done
dmsetup info azlxt-b >/dev/null 2>&1 && fail "a refused table left a device"
dmx_create azlxt-b "$len" "$loop" 0 20 100 max_held=256 max_held_cgroup=64
assert_match "$(dmx_table azlxt-b)" " 0 20 100$" "defaults not printed"
dmsetup message azlxt-b 0 set max_held=64 max_held_cgroup=40 critical=/azlxt-crit ||
	fail "message max_held=64 max_held_cgroup=40"
before=$(dmx_table azlxt-b)
assert_match "$before" " 0 20 100 max_held=64 max_held_cgroup=40 critical=/azlxt-crit$" "table"
dmsetup message azlxt-b 0 set max_held=0 2>/dev/null && fail "message max_held=0 accepted"
assert_eq "$(dmx_table azlxt-b)" "$before" "table after a refused message"
assert_eq "$(dmx_field azlxt-b held)" "0/0/0/0" "held at rest"
assert_eq "$(dmx_field azlxt-b throttled)" "0/0" "throttled at rest"

meminfo() { awk -v k="$1:" '$1 == k { print $2 }' /proc/meminfo; }
d=$(mktemp -d)
sync
slab0=$(meminfo Slab) avail0=$(meminfo MemAvailable)
dmx_in_cgroup "$pod1" "$DMX_AIO" "$dev" --jobs 32 --depth 512 --secs 10 --span 134217728 \
	--seed 1 >"$d/pod1" &
p1=$!
dmx_in_cgroup "$pod2" "$DMX_AIO" "$dev" --jobs 32 --depth 512 --secs 10 --span 134217728 \
	--seed 2 >"$d/pod2" &
p2=$!
sleep 2
dmx_in_cgroup "$crit" "$DMX_IO" load "$dev" --rw randread --bs 4k --qd 1 --secs 6 \
	--span 32M --seed 3 >"$d/crit" &
pc=$!
max_held=0 max_queued=0 max_slab=0 min_avail=$avail0 max_wait=0
t0=$SECONDS
# cheap samples (bash only but dmsetup): the machine is busy
re=" queued=[0-9]+/([0-9]+)/.* held=[0-9]+/([0-9]+)/.* throttled=([0-9]+)/"
for _ in $(seq 16); do
	st=$(dmsetup status azlxt-b)
	[[ "$st" =~ $re ]] || fail "status: $st"
	q=${BASH_REMATCH[1]} h=${BASH_REMATCH[2]} w=${BASH_REMATCH[3]}
	while read -r k v _; do
		case $k in
		Slab:) s=$v ;;
		MemAvailable:) a=$v ;;
		esac
	done </proc/meminfo
	((h > max_held)) && max_held=$h
	((q > max_queued)) && max_queued=$q
	((w > max_wait)) && max_wait=$w
	((s > max_slab)) && max_slab=$s
	((a < min_avail)) && min_avail=$a
	sleep 0.25
done
echo "sampled for $((SECONDS - t0)) s"
wait "$pc" || fail "critical reads: $(cat "$d/crit")"
st=$(dmx_status azlxt-b)
# let the 32768 I/Os go
dmsetup message azlxt-b 0 budget 100000000 1000000 || fail "message budget"
wait "$p1" || fail "pod1: $(cat "$d/pod1")"
wait "$p2" || fail "pod2: $(cat "$d/pod2")"
echo "drained in $((SECONDS - t0)) s"
crit_out=$(cat "$d/crit")
echo "pod1: $(cat "$d/pod1")"
echo "pod2: $(cat "$d/pod2")"
echo "critical: $crit_out"
echo "status under load: $st"
echo "sampled: at most $max_held reads held, $max_queued queued, $max_wait submitters waiting;" \
	"Slab +$((max_slab - slab0)) kB, MemAvailable -$((avail0 - min_avail)) kB"
rm -rf "$d"

peak=$(dmx_kv "$st" held_peak)
[ "$(cut -d/ -f2 <<<"$peak")" -le 64 ] || fail "held_peak $peak: more than 64 reads held"
[ "$(cut -d/ -f2 <<<"$peak")" -ge 48 ] || fail "held_peak $peak: the reads did not reach the bound"
[ "$(dmx_kv "$st" held_cgroup_peak)" -le 40 ] ||
	fail "held_cgroup_peak $(dmx_kv "$st" held_cgroup_peak): more than 40 for a cgroup"
[ "$max_held" -le 64 ] && [ "$max_queued" -le 64 ] ||
	fail "sampled $max_held held, $max_queued queued reads (bound 64)"
assert_eq "$(dmx_kv "$st" overbound)" 0 "bios held past the bound"
[ "$max_wait" -ge 16 ] || fail "only $max_wait submitters seen waiting for room"
throttled=$(dmx_kv "$st" throttled)
[ "${throttled#*/}" -ge 64 ] || fail "throttled $throttled: the submitters did not wait"
# 32768 I/Os held would take tens of MB of bios, dm and aio state
[ $((max_slab - slab0)) -le 16384 ] || fail "Slab grew by $((max_slab - slab0)) kB"
[ $((avail0 - min_avail)) -le 32768 ] || fail "MemAvailable fell by $((avail0 - min_avail)) kB"
# critical: first in line, one read at a time at 19 reads/s: well within
# max_wait_ms (500 ms) each, and most of the budget
crit_p99=$(dmx_kv "$crit_out" p99_us) crit_ops=$(dmx_kv "$crit_out" ops)
[ "$crit_ops" -ge 40 ] || fail "critical reads: $crit_ops in 6 s at 19/s"
[ "$crit_p99" -le 500000 ] || fail "critical p99 $crit_p99 us over max_wait_ms"
echo "critical: $crit_ops reads, p99 $crit_p99 us"

# RWF_NOWAIT: over the bound, EAGAIN rather than a wait; counted one for one
dmsetup message azlxt-b 0 budget 20 100 || fail "message budget 20 100"
dmsetup message azlxt-b 0 clear_stats || fail "clear_stats"
d=$(mktemp -d)
dmx_in_cgroup "$pod1" "$DMX_AIO" "$dev" --jobs 2 --depth 48 --secs 3 --span 134217728 \
	--seed 4 --nowait >"$d/out" 2>&1 &
p1=$!
sleep 5
dmsetup message azlxt-b 0 budget 100000000 1000000 || fail "message budget"
wait "$p1" || fail "nowait load: $(cat "$d/out")"
out=$(cat "$d/out")
rm -rf "$d"
echo "nowait: $out"
st=$(dmx_status azlxt-b)
eagain=$(dmx_kv "$out" eagain)
[ "$eagain" -gt 0 ] || fail "no EAGAIN for RWF_NOWAIT I/O over the bound"
assert_eq "$(dmx_kv "$st" again)" "$eagain" "EAGAIN completions counted by the target"
[ "$(dmx_kv "$st" held_cgroup_peak)" -le 40 ] || fail "nowait: held past the cgroup bound"
assert_eq "$(dmx_kv "$st" overbound)" 0 "nowait: bios held past the bound"
echo "ok"
