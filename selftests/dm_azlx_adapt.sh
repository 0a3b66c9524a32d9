#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# dm-azlx's closed loop (lat_target_us) over a disk whose completions slow
# down as a throttled Azure disk's do: dm-delay with 0 ms, then 250 ms,
# then 0 ms again, under a 60 ms target.
#   - fast completions: the window stays whole (window_pct=100), nothing is
#     judged slow, the burst credit stays;
#   - one period of slow completions (a stall) halves the window and leaves
#     the credit;
#   - slow completions: the window halves down to 1/64 (window_pct 2, the
#     status window at its floor of 4 units) and the credit goes to 0;
#   - fast again: the window grows back to 100;
#   - without a target the same slow disk leaves the window whole and
#     nothing is timed; lat_target_us round-trips through the table line.

source "$(dirname "$0")/dm_azlx_lib.sh"
dmx_init
dmsetup targets | grep -q '^delay' || modprobe dm-delay || skip "no dm-delay"

adapt_cleanup()
{
	kill "${load:-}" 2>/dev/null
	wait 2>/dev/null
	dmsetup remove --force azlxt-ad >/dev/null 2>&1
	dmsetup remove --force azlxt-slow >/dev/null 2>&1
	dmx_cleanup
}
trap adapt_cleanup EXIT

dmx_loop loop 64
len=$(dmx_sectors "$loop")
echo "0 $len delay $loop 0 0" | dmsetup create azlxt-slow || fail "dm-delay"
dev=/dev/mapper/azlxt-ad
d=$(mktemp -d)

# delay MS: the disk's completions take MS more from now on
delay()
{
	dmsetup suspend azlxt-slow &&
		echo "0 $len delay $loop 0 $1" | dmsetup load azlxt-slow &&
		dmsetup resume azlxt-slow || fail "dm-delay $1 ms"
}

# reads QD SECS: random 4 KiB reads in the background
reads()
{
	"$DMX_IO" load "$dev" --rw randread --bs 4k --qd "$1" --secs "$2" --span 32M \
		--seed 1 >"$d/out" 2>&1 &
	load=$!
}

# stop: end the background reads; a target that stops dispatching leaves
# them in D state, which is a failure, not a hang
stop()
{
	local i
	kill "$load" 2>/dev/null
	for ((i = 0; i < 100 * ${AZLXNET_TIMEOUT_SCALE:-1}; i++)); do
		kill -0 "$load" 2>/dev/null || break
		sleep 0.1
	done
	kill -0 "$load" 2>/dev/null && fail "reads stuck in the target: $(dmsetup status azlxt-ad)"
	wait "$load" 2>/dev/null
}

# await EXPR SECS WHAT: poll the status until EXPR (over $st, $w, $cr)
# holds, for up to SECS seconds (times AZLXNET_TIMEOUT_SCALE)
await()
{
	local i n=$(($2 * 10 * ${AZLXNET_TIMEOUT_SCALE:-1}))
	for ((i = 0; i < n; i++)); do
		st=$(dmsetup status azlxt-ad)
		[[ "$st" =~ " window_pct="([0-9]+) ]] || fail "no window_pct in: $st"
		w=${BASH_REMATCH[1]}
		[[ "$st" =~ " credit="(-?[0-9]+)/ ]] || fail "no credit in: $st"
		cr=${BASH_REMATCH[1]}
		eval "$1" && return 0
		sleep 0.1
	done
	fail "$3 (after $2 s: $st)"
}

# 2000 IOPS, bursts of 4000 with a full credit; a 100 ms window (380 units
# at the burst rate), a 60 ms target
dmx_create azlxt-ad "$len" /dev/mapper/azlxt-slow 0 2000 100 burst_iops=4000 \
	credit_pct=100 inflight_ms=100 lat_target_us=60000
assert_eq "$(dmx_table azlxt-ad | grep -o 'lat_target_us=[0-9]*')" "lat_target_us=60000" \
	"lat_target_us in the table line"
assert_eq "$(dmx_field azlxt-ad window_pct)" 100 "the window at rest"
cred0=$(dmx_credit azlxt-ad)

# 1. fast: nothing slow, the window and the credit stay
reads 8 2
wait "$load" || fail "reads: $(cat "$d/out")"
timed=$(dmx_field azlxt-ad timed)
echo "fast disk: timed=$timed slow=$(dmx_field azlxt-ad slow) $(cat "$d/out")"
[ "$timed" -ge 100 ] || fail "only $timed completions timed"
assert_eq "$(dmx_field azlxt-ad shrinks)" 0 "no period judged slow on a fast disk"
assert_eq "$(dmx_field azlxt-ad window_pct)" 100 "the window on a fast disk"
cr=$(dmx_credit azlxt-ad)
[ "$cr" -gt $((cred0 / 2)) ] || fail "the credit fell from $cred0 to $cr on a fast disk"

# 2. a stall: one period of slow completions halves the window, and
# leaves the credit (a throttled host stays slow)
delay 250
shrinks=$(dmx_field azlxt-ad shrinks)
reads 16 0.1
wait "$load" || fail "reads: $(cat "$d/out")"
st=$(dmsetup status azlxt-ad)
echo "a stall: $st"
assert_eq "$(dmx_field azlxt-ad shrinks)" $((shrinks + 1)) "periods judged slow after a stall"
assert_eq "$(dmx_field azlxt-ad window_pct)" 50 "the window after a stall"
cr=$(dmx_credit azlxt-ad)
[ "$cr" -gt $((cred0 / 2)) ] || fail "a stall ended the credit estimate ($cred0 -> $cr)"

# 3. slow: the window shrinks to its floor, the credit goes
reads 32 30
await '((w <= 2 && cr == 0))' 15 "the window did not shrink to 1/64 with no credit"
echo "slow disk: $st"
[[ "$st" =~ " inflight="[0-9]+/([0-9]+) ]] || fail "no inflight in: $st"
assert_eq "${BASH_REMATCH[1]}" 4 "the window's floor: 4 units"
[ "$(dmx_field azlxt-ad shrinks)" -ge 6 ] || fail "fewer than 6 shrinks to reach 1/64"
# at most 4 at the disk, and a bio per CPU past the edge (lock-free path)
sleep 2
[[ "$(dmsetup status azlxt-ad)" =~ " inflight="([0-9]+)/ ]] || fail "no inflight"
[ "${BASH_REMATCH[1]}" -le $((4 + $(nproc))) ] || fail "${BASH_REMATCH[1]} units at the disk past a 4-unit window"
stop

# 4. fast again: the window grows back
delay 0
g0=$(dmx_field azlxt-ad grows)
reads 8 30
await '((w == 100))' 20 "the window did not grow back"
echo "fast again: $st"
g=$(dmx_field azlxt-ad grows)
[ $((g - g0)) -ge 15 ] || fail "the window grew back in $((g - g0)) steps (1/16 each: 15 at least)"
stop

# 5. no target: the same slow disk leaves the window whole
dmsetup message azlxt-ad 0 set lat_target_us=0 || fail "message lat_target_us=0"
dmx_table azlxt-ad | grep -q lat_target_us && fail "lat_target_us=0 left in the table line"
assert_eq "$(dmx_field azlxt-ad window_pct)" 100 "the window without a target"
timed=$(dmx_field azlxt-ad timed)
shrinks=$(dmx_field azlxt-ad shrinks)
delay 250
reads 32 3
wait "$load" || fail "reads: $(cat "$d/out")"
assert_eq "$(dmx_field azlxt-ad timed)" "$timed" "completions timed without a target"
assert_eq "$(dmx_field azlxt-ad shrinks)" "$shrinks" "periods judged slow without a target"
assert_eq "$(dmx_field azlxt-ad window_pct)" 100 "the window on a slow disk without a target"

# bad values change nothing
for v in -1 +5 10000001 1x; do
	dmsetup message azlxt-ad 0 set lat_target_us=$v 2>/dev/null &&
		fail "lat_target_us=$v accepted"
done
dmx_table azlxt-ad | grep -q lat_target_us && fail "a refused lat_target_us changed the table"
rm -rf "$d"
echo "ok"
