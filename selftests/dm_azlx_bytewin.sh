#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# dm-azlx's in-flight window in bytes, over a slow disk (dm-delay: 40 ms
# per I/O), with IOPS to spare (10000) and few MB/s (20):
#   - the window is inflight_ms of the MB/s budget, at least a unit (status
#     inflight_bytes=<now>/<window>), and follows the budget and inflight_ms;
#   - at queue depth 16 of 64 KiB reads, the unit window (190 units) would
#     let all 16 go; the byte window (380000 bytes) keeps 6 at the disk
#     (a bio goes while the window is not full), so throughput is 6 reads
#     per 40 ms, below the MB/s budget (290 reads/s).

source "$(dirname "$0")/dm_azlx_lib.sh"
dmx_init
dmsetup targets | grep -q '^delay' || modprobe dm-delay || skip "no dm-delay"

bytewin_cleanup()
{
	dmsetup remove --force azlxt-bw >/dev/null 2>&1
	dmsetup remove --force azlxt-slow >/dev/null 2>&1
	dmx_cleanup
}
trap bytewin_cleanup EXIT

dmx_loop loop 64
len=$(dmx_sectors "$loop")
echo "0 $len delay $loop 0 40" | dmsetup create azlxt-slow || fail "dm-delay"
dev=/dev/mapper/azlxt-bw

# 20 MB/s x 95% x 20 ms = 380000 bytes; 10000 x 95% x 20 ms = 190 units
dmx_create azlxt-bw "$len" /dev/mapper/azlxt-slow 0 10000 20
assert_eq "$(dmx_field azlxt-bw inflight_bytes)" "0/380000" "byte window at rest"
assert_eq "$(dmx_field azlxt-bw inflight)" "0/190" "unit window at rest"

d=$(mktemp -d)
"$DMX_IO" load "$dev" --rw randread --bs 64k --qd 16 --secs 6 --warmup 1 --span 32M \
	--seed 1 >"$d/out" &
p=$!
max_b=0 max_u=0
re=" inflight=([0-9]+)/.* inflight_bytes=([0-9]+)/"
for _ in $(seq 30); do
	st=$(dmsetup status azlxt-bw)
	[[ "$st" =~ $re ]] || fail "status: $st"
	((BASH_REMATCH[1] > max_u)) && max_u=${BASH_REMATCH[1]}
	((BASH_REMATCH[2] > max_b)) && max_b=${BASH_REMATCH[2]}
	sleep 0.1
done
wait "$p" || fail "reads: $(cat "$d/out")"
out=$(cat "$d/out")
rm -rf "$d"
echo "reads: $out"
echo "sampled: at most $max_u units, $max_b bytes at the disk"
# 5 x 64 KiB is below the window, the 6th goes, the 7th waits
[ "$max_b" -le 393216 ] || fail "$max_b bytes at the disk (window 380000, 64 KiB bios)"
[ "$max_u" -le 6 ] || fail "$max_u units at the disk: the byte window let more than 6 go"
# 6 in flight / 40 ms = 150 reads/s, 750 in 5 s: at most that (16 in
# flight would make 1450, the budget's 290/s). Fewer on a loaded machine,
# where the 40 ms are a minimum that timers stretch (351 seen): the lower
# bound only catches a target that stops dispatching
dmx_paced "$(dmx_kv "$out" ops)" 300 750 16 "64 KiB reads in 5 s through a 380000-byte window"
[ "$(dmx_class azlxt-bw delayed read)" -ge 100 ] || fail "the reads were not held by the window"

# the window follows the budget and inflight_ms; a unit at least
dmsetup message azlxt-bw 0 budget 10000 40 || fail "message budget"
assert_eq "$(dmx_field azlxt-bw inflight_bytes)" "0/760000" "byte window at 40 MB/s"
dmsetup message azlxt-bw 0 set inflight_ms=1 || fail "message inflight_ms=1"
assert_eq "$(dmx_field azlxt-bw inflight_bytes)" "0/262144" "the smallest byte window: a unit"
dmsetup message azlxt-bw 0 set unit_kb=512 || fail "message unit_kb=512"
assert_eq "$(dmx_field azlxt-bw inflight_bytes)" "0/524288" "the smallest byte window: unit_kb"
echo "ok"
