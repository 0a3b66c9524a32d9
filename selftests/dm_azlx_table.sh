#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# dm-azlx interfaces and bad input: "dmsetup create" loads the module by its
# alias; the table reads back normalised and loads again as is; every
# malformed table is refused with its precise reason in the kernel log and
# leaves no device; a reload with a bad table and every malformed message are
# refused (-EINVAL, or -ENOENT for a missing cgroup) and change nothing while
# I/O runs; valid messages change the budget, fraction and critical cgroups
# live; the data written before it all reads back intact.

source "$(dirname "$0")/dm_azlx_lib.sh"
dmx_init

[ ! -d /sys/module/dm_azlx ] || rmmod dm_azlx || fail "dm_azlx is in use"
dmx_loop loop 64
len=$(($(dmx_sectors "$loop") - 2048))

# Loaded on demand, as dm does for any target type.
dmx_create azlxt-a "$len" "$loop" 2048 100 10
[ -d /sys/module/dm_azlx ] || fail "dm_azlx was not loaded by dmsetup create"
majmin=$(cat "/sys/class/block/${loop##*/}/dev")
assert_eq "$(dmx_table azlxt-a)" "$majmin 2048 100 10" "table of a plain mapping"
assert_match "$(dmx_status azlxt-a)" \
	'^tokens=-?[0-9]+/-?[0-9]+ credit=0/0 queued=0/0/0/0 dispatched=0/0/0/0 delayed=0/0/0/0 promoted=0/0/0/0 max_wait_us=0/0/0/0 capped=0/0 flushes=0 units=0 bytes=0 state=pacing inflight=0/4 held=0/0/0/0 held_peak=0/0/0/0 held_cgroup_peak=0 throttled=0/0 again=0 overbound=0 fast=0 inflight_bytes=0/262144 window_pct=100 timed=0 slow=0 shrinks=0 grows=0$' \
	"status of a new mapping"
dmsetup remove azlxt-a || fail "remove"

# Normalised: defaults dropped, fixed order, one critical= per cgroup.
dmx_cgroup crit azlxt-c1
dmx_cgroup crit2 azlxt-c2
dmx_create azlxt-a "$len" "$loop" 2048 100 10 cap=/azlxt-c2:50 critical=/azlxt-c1:/azlxt-c2 \
	fraction=95 burst_secs=60 unit_kb=16 burst_iops=500 max_wait_ms=500 lat_target_us=0 \
	cap=/azlxt-c1:7
want="$majmin 2048 100 10 burst_iops=500 burst_secs=60 unit_kb=16 critical=/azlxt-c1 critical=/azlxt-c2"
want="$want cap=/azlxt-c2:50 cap=/azlxt-c1:7"
assert_eq "$(dmx_table azlxt-a)" "$want" "normalised table"
echo "0 $len azlx $want" | dmsetup reload azlxt-a || fail "reload of the normalised table"
dmsetup resume azlxt-a || fail "resume"
assert_eq "$(dmx_table azlxt-a)" "$want" "normalised table after a round trip"
# a new table has no credit unless credit_pct= gives it (dm_azlx_credit.sh);
# a reload takes over the old table's: what unused baseline added since
credit=$(dmx_field azlxt-a credit | cut -d/ -f1)
[ "$credit" -lt 2400 ] || fail "IOPS credit of a new table: $credit (none given, 24000 full)"
dmsetup remove azlxt-a || fail "remove"

# Cgroup paths that a table line cannot carry as they are: a space (or ':')
# as a backslash and three octal digits, a backslash as two, as mountinfo
# does, so the table loads again as it is. Any other backslash is itself,
# as in systemd's unit names (libdevmapper passes a table's backslashes as
# they are; dm takes one level off a message's).
dmx_cgroup sp 'azlxt c3'
dmx_cgroup bs 'azlxt\x2dc4'
dmx_create azlxt-a "$len" "$loop" 2048 100 10
dmsetup message azlxt-a 0 critical '/azlxt\ c3' || fail "message critical '/azlxt c3'"
dmsetup message azlxt-a 0 cap '/azlxt\\x2dc4:9' '/azlxt\ c3:8' || fail "message cap"
want="$majmin 2048 100 10 "'critical=/azlxt\040c3 cap=/azlxt\\x2dc4:9 cap=/azlxt\040c3:8'
table=$(dmx_table azlxt-a)
echo "0 $len azlx $table" | dmsetup reload azlxt-a ||
	fail "reload of the table with escaped paths: $table"
dmsetup resume azlxt-a || fail "resume"
assert_eq "$(dmx_table azlxt-a)" "$table" "table with escaped paths after a round trip"
assert_eq "$table" "$want" "table with escaped paths"
dmsetup remove azlxt-a || fail "remove"
dmx_create azlxt-a "$len" "$loop" 2048 "$(cut -d' ' -f3- <<<"$want")"
assert_eq "$(dmx_table azlxt-a)" "$want" "table loaded from escaped paths"
dmsetup remove azlxt-a || fail "remove"
dmx_create azlxt-a "$len" "$loop" 2048 100 10 'critical=/azlxt\x2dc4'
assert_eq "$(dmx_table azlxt-a)" "$majmin 2048 100 10 "'critical=/azlxt\\x2dc4' \
	"table of a systemd-escaped path (backslash as it is)"
dmsetup remove azlxt-a || fail "remove"
rmdir "$sp" "$bs" || fail "rmdir $sp $bs"

# Malformed tables: "params|reason in the kernel log".
bad_tables=(
	"|missing <dev>"
	"$loop|missing <offset>"
	"$loop 0|missing <iops>"
	"$loop 0 100|missing <mbps>"
	"$loop x 100 10|offset: not a sector number"
	"$loop +5 100 10|offset: not a sector number"
	"$loop 0 +100 10|iops: not a decimal integer"
	"$loop 0 100 +10|mbps: not a decimal integer"
	"$loop 0 0 10|iops: must be greater than 0"
	"$loop 0 -100 10|iops: must not be negative"
	"$loop 0 1e3 10|iops: not a decimal integer"
	"$loop 0 100000001 10|iops: too large (max 100000000)"
	"$loop 0 99999999999999999999999 10|iops: too large (max 100000000)"
	"$loop 0 100 0|mbps: must be greater than 0"
	"$loop 0 100 -1|mbps: must not be negative"
	"$loop 0 100 1000001|mbps: too large (max 1000000)"
	"$loop 0 100 10 speed=9|unknown option (expected burst_iops"
	"$loop 0 100 10 iops=9|unknown option (expected burst_iops"
	"$loop 0 100 10 fraction|option without '=' (expected key=value)"
	"$loop 0 100 10 fraction=0|fraction: must be greater than 0"
	"$loop 0 100 10 fraction=101|fraction: too large (max 100)"
	"$loop 0 100 10 fraction=|fraction: not a decimal integer"
	"$loop 0 100 10 fraction=+50|fraction: not a decimal integer"
	"$loop 0 100 10 fraction=50 fraction=60|fraction: given twice"
	"$loop 0 100 10 unit_kb=0|unit_kb: must be greater than 0"
	"$loop 0 100 10 burst_secs=86401|burst_secs: too large (max 86400)"
	"$loop 0 100 10 burst_iops=100|burst_iops: must exceed iops"
	"$loop 0 100 10 burst_mbps=5|burst_mbps: must exceed mbps"
	"$loop 0 100 10 max_wait_ms=0|max_wait_ms: must be greater than 0"
	"$loop 0 100 10 critical=|critical: empty cgroup list"
	"$loop 0 100 10 critical=azlxt-c1|critical: a cgroup path must start with '/'"
	"$loop 0 100 10 critical=/azlxt-c1::/azlxt-c2|critical: empty cgroup path in the list"
	"$loop 0 100 10 critical=/azlxt-none|critical: no such cgroup"
	"$loop 0 100 10 cap=/azlxt-c1|cap: expected <cgroup path>:<iops>"
	"$loop 0 100 10 cap=/azlxt-c1:0|cap: iops must be greater than 0"
	"$loop 0 100 10 cap=/azlxt-c1:-3|cap: iops must not be negative"
	"$loop 0 100 10 cap=/azlxt-c1:ten|cap: iops after the last ':' not a decimal integer"
	"$loop 0 100 10 cap=/azlxt-c1:+5|cap: iops after the last ':' not a decimal integer"
	"$loop 0 100 10 cap=/azlxt-c1:100000001|cap: iops too large (max 100000000)"
	"$loop 0 100 10 cap=azlxt-c1:5|cap: a cgroup path must start with '/'"
	"$loop 0 100 10 cap=:5|cap: empty cgroup path"
	"$loop 0 100 10 cap=/azlxt-none:5|cap: no such cgroup"
	"/dev/azlxt-none 0 100 10|dev: device lookup failed"
)
# Few processes per case: each costs tens of ms under emulation.
mark=$(dmx_kmsg_mark)
for t in "${bad_tables[@]}"; do
	params=${t%%|*}
	if out=$(echo "0 $len azlx $params" | dmsetup create azlxt-bad 2>&1); then
		fail "table '$params' was accepted"
	fi
	[[ "$out" =~ "Invalid argument"|"No such" ]] || fail "dmsetup's error for '$params': $out"
	[ ! -e /dev/mapper/azlxt-bad ] || fail "table '$params' left a device"
done
log=$(dmx_kmsg_since "$mark")
for t in "${bad_tables[@]}"; do
	reason=${t#*|}
	[[ "$log" == *"azlx: $reason"* ]] || fail "table '${t%%|*}': no '$reason' in the kernel log"
done
[ -z "$(dmsetup ls | grep azlxt-bad)" ] || fail "refused tables left a device"
echo "${#bad_tables[@]} malformed tables refused with their reasons"

# unit_kb is a multiple of the device's logical block size: a 4Kn disk
# (a loop device with 4096-byte sectors) refuses 2 KiB units, in a table
# and in a message, and takes 4 and 8.
f4=$(mktemp /tmp/azlxt.XXXXXX)
dmx_files+=("$f4")
truncate -s 16M "$f4" || fail "truncate $f4"
loop4k=$(losetup -f --show --sector-size 4096 "$f4") || fail "losetup --sector-size 4096"
dmx_loops+=("$loop4k")
len4=$(dmx_sectors "$loop4k")
e4="unit_kb: not a multiple of the device's logical block size"
mark=$(dmx_kmsg_mark)
if echo "0 $len4 azlx $loop4k 0 100 10 unit_kb=2" | dmsetup create azlxt-4k 2>/dev/null; then
	fail "unit_kb=2 on a device with 4096-byte sectors was accepted"
fi
[[ "$(dmx_kmsg_since "$mark")" == *"azlx: $e4"* ]] || fail "unit_kb=2 on a 4Kn device: no '$e4' in the kernel log"
dmx_create azlxt-4k "$len4" "$loop4k" 0 100 10 unit_kb=4
mark=$(dmx_kmsg_mark)
dmsetup message azlxt-4k 0 set unit_kb=6 2>/dev/null && fail "message unit_kb=6 on a 4Kn device accepted"
[[ "$(dmx_kmsg_since "$mark")" == *"message rejected: $e4"* ]] ||
	fail "message unit_kb=6 on a 4Kn device: no '$e4' in the kernel log"
assert_match "$(dmx_table azlxt-4k)" " unit_kb=4$" "table after a refused unit_kb"
dmsetup message azlxt-4k 0 set unit_kb=8 || fail "message unit_kb=8 on a 4Kn device"
assert_match "$(dmx_table azlxt-4k)" " unit_kb=8$" "table after unit_kb=8"
dmsetup remove azlxt-4k || fail "remove azlxt-4k"

# A live mapping with I/O in flight: bad reloads and messages change nothing.
dmx_create azlxt-a "$len" "$loop" 2048 400 40
"$DMX_IO" pattern write /dev/mapper/azlxt-a --seed 7 --gen 1 --bytes 16M >/dev/null ||
	fail "pattern write"
before=$(dmx_table azlxt-a)
"$DMX_IO" load /dev/mapper/azlxt-a --rw randread --qd 4 --secs 6 --span 16M >/tmp/azlxt-load.out &
load=$!
for t in "${bad_tables[@]}"; do
	params=${t%%|*}
	if echo "0 $len azlx $params" | dmsetup reload azlxt-a 2>/dev/null; then
		fail "reload with '$params' was accepted"
	fi
done
dmsetup info azlxt-a | grep -q 'Tables present: *LIVE$' ||
	fail "a refused reload left an inactive table: $(dmsetup info azlxt-a)"
assert_eq "$(dmx_table azlxt-a)" "$before" "table after refused reloads"

# Malformed messages: "message|errno text|reason in the kernel log".
bad_msgs=(
	"frobnicate|Invalid argument|unknown message (expected set, budget"
	"set|Invalid argument|set: expected key=value"
	"set iops|Invalid argument|option without '='"
	"set iops=0|Invalid argument|iops: must be greater than 0"
	"set iops=-4|Invalid argument|iops: must not be negative"
	"set iops=4x|Invalid argument|iops: not a decimal integer"
	"set iops=+500|Invalid argument|iops: not a decimal integer"
	"budget 100 +10|Invalid argument|mbps: not a decimal integer"
	"fraction +90|Invalid argument|fraction: not a decimal integer"
	"set mbps=1000001|Invalid argument|mbps: too large (max 1000000)"
	"set colour=red|Invalid argument|unknown key (expected iops"
	"set iops=500 iops=600|Invalid argument|iops: given twice"
	"set burst_iops=300|Invalid argument|burst_iops: must exceed iops"
	"set fraction=90 unit_kb=abc|Invalid argument|unit_kb: not a decimal integer"
	"budget 100|Invalid argument|budget: expected <iops> <mbps>"
	"budget 100 ten|Invalid argument|mbps: not a decimal integer"
	"budget 0 10|Invalid argument|iops: must be greater than 0"
	"fraction|Invalid argument|fraction: expected <percent>"
	"fraction 0|Invalid argument|fraction: must be greater than 0"
	"fraction 101|Invalid argument|fraction: too large (max 100)"
	"critical|Invalid argument|critical: expected <path>"
	"critical relative|Invalid argument|critical: a cgroup path must start with '/'"
	"critical /azlxt-none|No such file or directory|critical: no such cgroup"
	"critical /azlxt-c1:/azlxt-none|No such file or directory|critical: no such cgroup"
	"cap|Invalid argument|cap: expected <path>:<iops> ... or none"
	"cap /azlxt-c1|Invalid argument|cap: expected <cgroup path>:<iops>"
	"cap /azlxt-c1:5 /azlxt-c2:0|Invalid argument|cap: iops must be greater than 0"
	"set cap=/azlxt-none:5|No such file or directory|cap: no such cgroup"
)
mark=$(dmx_kmsg_mark)
for t in "${bad_msgs[@]}"; do
	IFS='|' read -r msg errno reason <<<"$t"
	# shellcheck disable=SC2086  # the message is several words
	if out=$(dmsetup message azlxt-a 0 $msg 2>&1); then
		fail "message '$msg' was accepted"
	fi
	[[ "$out" == *"$errno"* ]] || fail "dmsetup's error for message '$msg': $out"
	[ "$(dmx_table azlxt-a)" = "$before" ] || fail "message '$msg' changed the table"
done
log=$(dmx_kmsg_since "$mark")
for t in "${bad_msgs[@]}"; do
	IFS='|' read -r msg errno reason <<<"$t"
	[[ "$log" == *"message rejected: $reason"* ]] ||
		fail "message '$msg': no '$reason' in the kernel log"
done
echo "${#bad_msgs[@]} malformed messages refused with their reasons"
wait $load || fail "I/O during the refused reloads and messages: $(cat /tmp/azlxt-load.out)"
rm -f /tmp/azlxt-load.out
assert_eq "$(dmx_field azlxt-a state)" pacing "state"

# Valid messages take effect at once.
dmsetup message azlxt-a 0 budget 300 30 || fail "message budget"
assert_eq "$(dmx_table azlxt-a)" "$majmin 2048 300 30" "table after budget"
dmsetup message azlxt-a 0 fraction 90 || fail "message fraction"
dmsetup message azlxt-a 0 set burst_iops=1000 burst_mbps=60 burst_secs=10 max_wait_ms=200 ||
	fail "message set"
assert_eq "$(dmx_table azlxt-a)" \
	"$majmin 2048 300 30 burst_iops=1000 burst_mbps=60 burst_secs=10 fraction=90 max_wait_ms=200" \
	"table after set"
# Bursting switched on live starts with an empty credit (the disk is not
# new) that fills from unused baseline: far from the full 7000 units.
credit=$(dmx_field azlxt-a credit)
[ "${credit%/*}" -lt 1000 ] || fail "credit after enabling bursting live: $credit"
dmsetup message azlxt-a 0 critical "/azlxt-c1:/azlxt-c2" || fail "message critical"
assert_match "$(dmx_table azlxt-a)" " critical=/azlxt-c1 critical=/azlxt-c2$" "critical cgroups"
dmsetup message azlxt-a 0 set critical=/azlxt-c2 burst_iops=0 burst_mbps=0 fraction=95 ||
	fail "message set critical"
assert_eq "$(dmx_table azlxt-a)" "$majmin 2048 300 30 max_wait_ms=200 critical=/azlxt-c2" \
	"table after set critical"
# A cgroup can go while it is configured: the target keeps its reference.
dmsetup message azlxt-a 0 critical /azlxt-c1 || fail "message critical /azlxt-c1"
rmdir "$crit" || fail "rmdir $crit"
"$DMX_IO" load /dev/mapper/azlxt-a --rw randread --secs 0.5 --span 16M >/dev/null ||
	fail "I/O after the critical cgroup was removed"
assert_match "$(dmx_table azlxt-a)" " critical=/azlxt-c1$" "a removed critical cgroup"
dmsetup message azlxt-a 0 critical none || fail "message critical none"
assert_eq "$(dmx_table azlxt-a)" "$majmin 2048 300 30 max_wait_ms=200" "table after critical none"
dmsetup message azlxt-a 0 cap /azlxt-c2:20 /:1000 || fail "message cap"
assert_eq "$(dmx_table azlxt-a)" "$majmin 2048 300 30 max_wait_ms=200 cap=/azlxt-c2:20 cap=/:1000" \
	"table after cap"
dmsetup message azlxt-a 0 set cap=none || fail "message set cap=none"
assert_eq "$(dmx_table azlxt-a)" "$majmin 2048 300 30 max_wait_ms=200" "table after cap none"
dmsetup message azlxt-a 0 clear_stats || fail "message clear_stats"
assert_eq "$(dmx_field azlxt-a dispatched)" 0/0/0/0 "dispatched after clear_stats"

"$DMX_IO" pattern verify /dev/mapper/azlxt-a --seed 7 --gen 1 --bytes 16M ||
	fail "data written before the refused changes"
# The offset maps where it says: the same bytes 1 MiB into the loop device.
"$DMX_IO" pattern verify "$loop" --offset 1M --seed 7 --gen 1 --bytes 16M >/dev/null ||
	fail "data at offset 2048 sectors of $loop"
dmsetup remove azlxt-a || fail "remove"
rmmod dm_azlx || fail "rmmod dm_azlx after the last mapping"
echo "interfaces and bad input: ok"
