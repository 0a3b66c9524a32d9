#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# dm-azlx pacing accuracy against an unthrottled disk (a loop device on
# tmpfs): with the target as the only limit, what completes is what it
# dispatched. Over 10 s windows, after 1 s for the initial bucket:
#   - IOPS: 4 KiB random reads stay at iops x fraction;
#   - accounting: a bio costs ceil(size / unit) whatever its offset (exact
#     counts for misaligned reads and writes);
#   - IOPS units: 1 MiB reads count 4 units of 256 KiB (4 bios of one unit
#     each: the target cuts bios larger than a unit by size), 64 KiB reads 4
#     units of 16 KiB (unit_kb changed live) (5 s windows);
#   - MB/s: 256 KiB writes stay at mbps x fraction;
#   - bursting: a full credit drains at the modelled rate, unused baseline
#     refills it, and the next burst lasts as long as the refill allows
#     (2 s credits, 0.5 s slices).
# Counts are checked against the budget with dmx_paced: never above it by
# more than 1% and the I/Os in flight at the window's edges (a slow machine
# cannot add I/O), and not below it by more than 25% (a slow machine can
# starve the load generator). The counters (units, bios, credit) are exact.

source "$(dirname "$0")/dm_azlx_lib.sh"
dmx_init

dmx_loop loop 256
len=$(dmx_sectors "$loop")
dev=/dev/mapper/azlxt-p

# load ARGS...: run the I/O driver on $dev; prints its summary line.
load()
{
	"$DMX_IO" load "$dev" --span 128M "$@" || fail "load $*"
}

# Accounting, exact, with a budget far above the load: a bio costs
# ceil(size / unit) whatever its offset, and only a bio larger than a unit
# is cut, by size. "op KiB@KiB units": 128 KiB at 192 KiB crosses a unit
# boundary and costs 1, as Azure counts it (cut at the boundary: 2); a
# misaligned 1 MiB costs 4 (not 5).
dmx_create azlxt-p "$len" "$loop" 0 100000 100000
acct=("read 128@192 1" "write 128@192 1" "read 4@254 1" "read 256@128 1"
	"read 1024@64 4" "write 1024@64 4" "read 300@100 2" "read 1024@0 4" "read 4@0 1")
bios()
{
	dmx_field azlxt-p dispatched | awk -F/ '{ print $1 + $2 + $3 + $4 }'
}
for a in "${acct[@]}"; do
	read -r op io want <<<"$a"
	size=$((${io%@*} * 1024)) off=$((${io#*@} * 1024))
	u0=$(dmx_field azlxt-p units) b0=$(bios)
	if [ "$op" = read ]; then
		dd if=$dev of=/dev/null bs=$size count=1 skip=$off iflag=direct,skip_bytes \
			status=none || fail "dd $a"
	else
		dd if=/dev/zero of=$dev bs=$size count=1 seek=$off oflag=direct,seek_bytes \
			status=none || fail "dd $a"
	fi
	u=$(($(dmx_field azlxt-p units) - u0)) b=$(($(bios) - b0))
	assert_eq "$u" "$want" "units charged for a $op of $io KiB (ceil(size / 256 KiB))"
	assert_eq "$b" "$want" "bios dispatched for a $op of $io KiB (cut by size)"
done
echo "${#acct[@]} reads and writes charged ceil(size / unit) whatever their offset"
dmsetup remove azlxt-p || fail "remove"

# IOPS: 200 x 95% = 190/s.
dmx_create azlxt-p "$len" "$loop" 0 200 1000
out=$(load --rw randread --bs 4k --qd 8 --secs 11 --warmup 1)
echo "4k randread: $out"
# 10 s x 190; 8 in flight at the edges, 1 unit of bucket
dmx_paced "$(dmx_kv "$out" ops)" 1900 1900 9 "reads in 10 s at iops=200"
units0=$(dmx_field azlxt-p units)

# IOPS units: a 1 MiB read is 4 units of 256 KiB: 190/4 = 47.5 reads/s.
out=$(load --rw randread --bs 1M --qd 4 --secs 6 --warmup 1)
echo "1M randread: $out"
dmx_paced "$(dmx_kv "$out" ops)" 237.5 237.5 5 "1 MiB reads in 5 s at iops=200 (4 units each)"
# cut by size: 4 bios of 256 KiB, one unit each
units=$(($(dmx_field azlxt-p units) - units0))
bios=$(($(dmx_field azlxt-p dispatched | cut -d/ -f2) - units0))
assert_eq "$units" "$bios" "units dispatched for $bios bios of 1 MiB reads"
[ $((bios % 4)) = 0 ] && [ "$bios" -gt 0 ] || fail "1 MiB reads in $bios bios: not 4 each"

# 16 KiB units: a 64 KiB read is 4 of them. Live change (split and charge).
dmsetup message azlxt-p 0 set unit_kb=16 || fail "message unit_kb"
out=$(load --rw randread --bs 64k --qd 4 --secs 6 --warmup 1)
echo "64k randread, unit_kb=16: $out"
dmx_paced "$(dmx_kv "$out" ops)" 237.5 237.5 5 "64 KiB reads in 5 s at iops=200 unit_kb=16"

# MB/s: 8 x 95% = 7.6 MB/s (MB = 10^6 bytes) with 256 KiB writes.
dmsetup message azlxt-p 0 set iops=100000 mbps=8 unit_kb=256 || fail "message mbps"
out=$(load --rw write --bs 256k --qd 4 --secs 11 --warmup 1)
echo "256k write: $out"
# 10 s x 7.6 MB/s = 289.9 writes of 256 KiB
dmx_paced "$(dmx_kv "$out" ops)" 289.9 289.9 5 "256 KiB writes in 10 s at mbps=8"
dmsetup remove azlxt-p || fail "remove"

# Bursting: baseline 50, burst 200, 2 s of credit = (200-50) x 2 = 300
# units. At 95%: bursts at 190/s while the credit drains at 190-47.5 =
# 142.5/s, so for 300/142.5 = 2.1 s; then 47.5/s. The modelled count over
# the first 5 s is 5 x 47.5 + 300 + the 1-unit baseline bucket = 538.5. A
# new table given a full credit (credit_pct=100) starts with it.
dmx_create azlxt-p "$len" "$loop" 0 50 1000 burst_iops=200 burst_secs=2 credit_pct=100
assert_eq "$(dmx_field azlxt-p credit | cut -d/ -f1)" 300 "credit of a new table"
out=$("$DMX_IO" load "$dev" --span 128M --rw randread --bs 4k --qd 8 --secs 5 \
	--interval 0.5) || fail "burst load"
# Idle from here: unused baseline (47.5/s) refills the credit. Each reading
# is bracketed by clock reads, so process start-up under emulation cancels out.
t0a=$EPOCHREALTIME
c0=$(dmx_credit azlxt-p)
t0b=$EPOCHREALTIME
echo "burst: $(head -n1 <<<"$out")"
ops=$(awk '/^interval/ { split($3, a, "="); n += a[2] } END { print n }' <<<"$out")
dmx_paced "$ops" 538.5 538.5 8 "reads in the first 5 s of a burst"
# Slices 0.5-2.0 s at the burst rate, 2.5-5.0 s at the baseline.
burst=$(awk '/^interval/ { split($2, t, "="); split($3, a, "=");
	if (t[2] >= 0.5 && t[2] < 2.0) n += a[2] } END { print n }' <<<"$out")
base=$(awk '/^interval/ { split($2, t, "="); split($3, a, "=");
	if (t[2] >= 2.5) n += a[2] } END { print n }' <<<"$out")
dmx_paced "$burst" 285 285 8 "reads in 1.5 s while bursting (190/s)"
dmx_paced "$base" 118.75 118.75 8 "reads in 2.5 s once the credit is spent (47.5/s)"

sleep 2
t1a=$EPOCHREALTIME
c1=$(dmx_credit azlxt-p)
t1b=$EPOCHREALTIME
awk -v c0="$c0" -v c1="$c1" -v t0a="$t0a" -v t0b="$t0b" -v t1a="$t1a" -v t1b="$t1b" 'BEGIN {
	min = 47.5 * (t1a - t0b); max = 47.5 * (t1b - t0a); d = c1 - c0
	printf "credit refilled while idle: %d -> %d units (+%d; modelled %.0f..%.0f)\n", c0, c1, d, min, max
	exit !(d >= min * 0.98 - 1 && d <= max * 1.02 + 1)
}' || fail "credit refill does not match unused baseline x idle time"

# The next burst lasts credit/142.5 s (under 2 s unless the idle time ran
# long): 2 s of reads = 2 x 47.5 + the credit when the load starts + the
# 1-unit baseline bucket, and at most 2 s at the burst rate.
t2=$EPOCHREALTIME
out=$(load --rw randread --bs 4k --qd 8 --secs 2)
ops=$(dmx_kv "$out" ops)
model='{ n = 95 + c + 47.5 * (b - a) + 1; if (n > 384) n = 384; printf "%.0f", n }'
lo=$(awk -v c="$c1" -v a="$t1b" -v b="$t2" "BEGIN $model")
hi=$(awk -v c="$c1" -v a="$t1a" -v b="$t2" "BEGIN $model")
dmx_paced "$ops" "$lo" "$hi" 8 "reads in 2 s with a refilled credit"
dmsetup remove azlxt-p || fail "remove"
echo "pacing: ok"
