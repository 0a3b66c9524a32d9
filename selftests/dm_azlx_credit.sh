#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# dm-azlx's initial burst credit, on an unthrottled loop device: baseline 50
# IOPS, burst 200, 2 s of credit ((200 - 50) x 2 = 300 units):
#   - a new table has none (a node that reboots does not get its disk's
#     credit back): a load gets the baseline, 47.5 reads/s;
#   - credit_pct=N gives N% of a full credit, which the load then bursts on;
#   - credit_pct is printed in the table, refused out of 0..100, and in a
#     message sets the credit now;
#   - a reload takes over the old table's credit, whatever its credit_pct.

source "$(dirname "$0")/dm_azlx_lib.sh"
dmx_init

dmx_loop loop 128
len=$(dmx_sectors "$loop")
dev=/dev/mapper/azlxt-cr
# credit I/Os now
credit() { dmx_credit azlxt-cr; }
load() { "$DMX_IO" load $dev --span 64M --rw randread --bs 4k --qd 8 --secs "$1" --seed "$2"; }

for v in 101 -1 +5 x; do
	echo "0 $len azlx $loop 0 50 1000 burst_iops=200 burst_secs=2 credit_pct=$v" |
		dmsetup create azlxt-cr 2>/dev/null && fail "credit_pct=$v accepted"
done
dmsetup info azlxt-cr >/dev/null 2>&1 && fail "a refused table left a device"

# none by default: unused baseline (47.5/s) is all it gets
dmx_create azlxt-cr "$len" "$loop" 0 50 1000 burst_iops=200 burst_secs=2
c=$(credit)
[ "$c" -lt 100 ] || fail "credit of a new table: $c (none given)"
out=$(load 2 1) || fail "load: $out"
echo "no credit: $out"
# 2 s at 47.5/s plus the bucket and the credit unused baseline made: <= 2 s x 190
dmx_paced "$(dmx_kv "$out" ops)" 95 $((95 + c + 10)) 9 "reads in 2 s without credit"
dmsetup remove azlxt-cr || fail "remove"

# half a credit: 150 units more than the baseline before it is spent
dmx_create azlxt-cr "$len" "$loop" 0 50 1000 burst_iops=200 burst_secs=2 credit_pct=50
assert_match "$(dmx_table azlxt-cr)" " 0 50 1000 burst_iops=200 burst_secs=2 credit_pct=50$" \
	"table with credit_pct"
c=$(credit)
dmx_between "$c" 150 250 0 "credit of a table with credit_pct=50"
out=$(load 3 2) || fail "load: $out"
echo "half credit: $out"
# 3 s: baseline 142.5 + the credit (150 and what accrued) + the bucket
dmx_paced "$(dmx_kv "$out" ops)" $((142 + 150)) $((143 + c + 10)) 9 "reads in 3 s on half a credit"

# a message sets it now; a reload keeps the live table's, not its own
dmsetup message azlxt-cr 0 set credit_pct=100 || fail "message credit_pct=100"
assert_eq "$(credit)" 300 "credit after credit_pct=100 by message"
dmsetup message azlxt-cr 0 set credit_pct=0 || fail "message credit_pct=0"
t0=$(date +%s%N)
c0=$(credit)
[ "$c0" -lt 50 ] || fail "credit after credit_pct=0 by message: $c0"
dmsetup message azlxt-cr 0 set credit_pct=101 2>/dev/null && fail "message credit_pct=101 accepted"
echo "0 $len azlx $loop 0 50 1000 burst_iops=200 burst_secs=2 credit_pct=100" |
	dmsetup reload azlxt-cr || fail "reload"
dmsetup resume azlxt-cr || fail "resume"
assert_match "$(dmx_table azlxt-cr)" " credit_pct=100$" "reloaded table"
c=$(credit)
# what unused baseline (47.5 units/s) refilled since, on a slow kernel too;
# the reloaded table's own credit_pct=100 would be the whole 300
max=$(awk -v c="$c0" -v t0="$t0" -v t1="$(date +%s%N)" \
	'BEGIN { printf "%d", c + 47.5 * (t1 - t0) / 1e9 + 10 }')
[ "$max" -lt 300 ] || fail "too slow to tell a kept credit from a new one (refill bound $max)"
[ "$c" -le "$max" ] ||
	fail "credit after a reload with credit_pct=100: $c, more than the $max the live table had"
echo "credit after a reload with credit_pct=100: $c (the live table's, at most $max)"
echo "ok"
