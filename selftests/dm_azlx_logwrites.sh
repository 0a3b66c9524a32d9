#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# dm-azlx keeps flush and FUA semantics while it holds bios. A loop device
# over tmpfs makes every completed write durable, so it cannot see a flush
# completed early or a FUA dropped; dm-log-writes can: stacked under the
# target (loop <- log-writes, its log on a second loop <- azlx), it records
# a completed write only when a flush that covers it completes or, for a
# FUA write, when it completes, so the log replayed to a point is what the
# disk held durably then.
#
# Paced at 100 IOPS / 10 MB/s, 8 writers queue in the target. Each round
# writes a 2 MiB region with patterned data and a mark is made once it is
# acknowledged:
#   - flush rounds: O_DIRECT writes, fdatasync every 2 writes per writer,
#     a final fsync, then the mark;
#   - FUA rounds: O_DSYNC writes through Linux AIO (REQ_FUA, no flush
#     follows), no fsync, then the mark.
# The log replayed to each mark (dm_azlx_io replay) holds every region
# acknowledged before it, byte for byte, and nothing of the next; replayed
# to its end it equals the device.

source "$(dirname "$0")/dm_azlx_lib.sh"
dmx_init
modprobe dm-log-writes || skip "no dm-log-writes module"

dmx_loop data 32
datafile=$dmx_file
dmx_loop log 64
img=$(mktemp /tmp/azlxt-img.XXXXXX)
dmx_files+=("$img")
len=$(dmx_sectors "$data")
dev=/dev/mapper/azlxt-l
region=$((2 << 20))
rounds=(f1 f2 f3 u4 f5 u6 u7 f8)

echo "0 $len log-writes $data $log" | dmsetup create azlxt-lw || fail "create log-writes"
dmx_create azlxt-l "$len" /dev/mapper/azlxt-lw 0 100 10

for i in "${!rounds[@]}"; do
	r=${rounds[$i]}
	args=(--seed 21 --gen $((i + 1)) --bytes $region --offset $((i * region)) --threads 8)
	case $r in
	f*) args+=(--fsync-every 2) ;;
	u*) args+=(--dsync) ;;
	esac
	"$DMX_IO" pattern write $dev "${args[@]}" >/dev/null || fail "round $r: write"
	dmsetup message azlxt-lw 0 mark "$r" || fail "mark $r"
done
echo "through the target: $(dmx_status azlxt-l)"
delayed=$(dmx_field azlxt-l delayed)
[ "$delayed" != 0/0/0/0 ] || fail "no bio waited in the target (delayed=$delayed)"
[ "$(dmx_field azlxt-l flushes)" -gt 0 ] || fail "no flush passed the target"
dmsetup remove azlxt-l || fail "remove azlxt-l"
# log-writes logs what is left and its end mark when it goes
dmsetup remove azlxt-lw || fail "remove azlxt-lw"

for i in "${!rounds[@]}"; do
	r=${rounds[$i]}
	out=$("$DMX_IO" replay "$log" --to "$img" --bytes $((len * 512)) --mark "$r") ||
		fail "replay to $r"
	echo "to $r: $out"
	case $r in
	f*) how="its final fsync" ;;
	u*) how="its O_DSYNC (FUA) writes" ;;
	esac
	for ((j = 0; j <= i; j++)); do
		"$DMX_IO" pattern verify "$img" --seed 21 --gen $((j + 1)) --bytes $region \
			--offset $((j * region)) >/dev/null ||
			fail "log replayed to mark $r, made when $how returned: round ${rounds[$j]}'s data is not all there"
	done
	if [ $((i + 1)) -lt ${#rounds[@]} ]; then
		"$DMX_IO" zeros "$img" --offset $(((i + 1) * region)) --bytes $region ||
			fail "replayed to mark $r: data of the next round, ${rounds[$((i + 1))]}, is in it"
	fi
done
echo "${#rounds[@]} marks: everything acknowledged before each is in the log replayed to it"

out=$("$DMX_IO" replay "$log" --to "$img" --bytes $((len * 512)) --mark dm-log-writes-end) ||
	fail "replay to the end"
echo "to the end: $out"
cmp "$img" "$datafile" || fail "the log replayed to its end differs from the device"
echo "logwrites: ok"
