#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# dm-azlx discard and zero-out through a start offset: a target at 1.5 MiB
# into a loop device over tmpfs (which discards by punching holes, so a
# discarded range reads back as zeros). Patterned data is written through
# the target in six ranges and before and after the target on the loop
# device; then BLKDISCARD and BLKZEROOUT each clear one range, neither
# aligned to 1 MiB. Exactly those ranges read back as zeros, through the
# target and on the loop device at the offset; the ranges around them and
# the data outside the target are unchanged, and both requests went
# through the target (dispatched). Reads and writes misaligned by a sector
# through the offset cost ceil(size / unit) each.

source "$(dirname "$0")/dm_azlx_lib.sh"
dmx_init

dmx_loop loop 32
start=3072				# sectors: 1.5 MiB
len=32768				# 16 MiB
base=$((start * 512))
dev=/dev/mapper/azlxt-d
K=1024
M=$((1 << 20))
# target-relative ranges: offset bytes; 2 is discarded, 3 zeroed
offs=(0 $M $((M + 64 * K)) $((2 * M)) $((3 * M - 64 * K)) $((3 * M)))
lens=($M $((64 * K)) $((M - 64 * K)) $((M - 64 * K)) $((64 * K)) $M)
after=$((base + len * 512))

pat()
{
	"$DMX_IO" pattern "$1" "$2" --seed 51 --gen "$3" --offset "$4" --bytes "$5" >/dev/null
}

# bios dispatched by the target, all classes
dispatched()
{
	dmx_field azlxt-d dispatched | awk -F/ '{ print $1 + $2 + $3 + $4 }'
}

# Outside the target, on the loop device: before its start and after its end.
pat write "$loop" 100 0 "$base" || fail "write before the target"
pat write "$loop" 101 "$after" $((4 * M)) || fail "write after the target"
dmx_create azlxt-d $len "$loop" $start 100 10
for i in "${!offs[@]}"; do
	pat write $dev $((i + 1)) "${offs[$i]}" "${lens[$i]}" || fail "write range $i"
done

d0=$(dispatched)
"$DMX_IO" discard $dev --offset "${offs[2]}" --bytes "${lens[2]}" || fail "discard"
d1=$(dispatched)
[ "$d1" -gt "$d0" ] || fail "the discard did not go through the target ($d0 -> $d1 dispatched)"
"$DMX_IO" zeroout $dev --offset "${offs[3]}" --bytes "${lens[3]}" || fail "zeroout"
d2=$(dispatched)
[ "$d2" -gt "$d1" ] || fail "the zero-out did not go through the target ($d1 -> $d2 dispatched)"
echo "discard: $((d1 - d0)) bios, zero-out: $((d2 - d1)) bios dispatched; $(dmx_status azlxt-d)"

# where: the device and the offset of the target's sector 0 on it
for where in "$dev 0" "$loop $base"; do
	read -r d o <<<"$where"
	for i in 0 1 4 5; do
		pat verify "$d" $((i + 1)) $((o + offs[i])) "${lens[$i]}" ||
			fail "range $i (${lens[$i]} bytes at ${offs[$i]}) changed, on $d"
	done
	"$DMX_IO" zeros "$d" --offset $((o + offs[2])) --bytes "${lens[2]}" ||
		fail "the discarded range is not zeros, on $d"
	"$DMX_IO" zeros "$d" --offset $((o + offs[3])) --bytes "${lens[3]}" ||
		fail "the zeroed range is not zeros, on $d"
done
pat verify "$loop" 100 0 "$base" || fail "data before the target changed"
pat verify "$loop" 101 "$after" $((4 * M)) || fail "data after the target changed"

# Accounting through the offset, with I/O misaligned by a sector to the
# unit: each bio costs ceil(size / 256 KiB) whatever its offset, on the
# target or on the device (dm_azlx_pacing checks aligned offsets).
# "op bytes@bytes units"
dmsetup message azlxt-d 0 budget 100000 100000 || fail "message budget"
acct=("read $((128 * K))@$((192 * K + 512)) 1" "write $((128 * K))@$((192 * K + 512)) 1"
	"read 512@$((256 * K - 512)) 1" "read $((257 * K))@$((255 * K)) 2"
	"write $((300 * K))@$((100 * K + 512)) 2" "read $M@$((64 * K + 512)) 4"
	"write $M@$((64 * K + 512)) 4")
for a in "${acct[@]}"; do
	read -r op io want <<<"$a"
	size=${io%@*} off=${io#*@}
	u0=$(dmx_field azlxt-d units)
	if [ "$op" = read ]; then
		dd if=$dev of=/dev/null bs="$size" count=1 skip="$off" iflag=direct,skip_bytes \
			status=none || fail "dd $a"
	else
		dd if=/dev/zero of=$dev bs="$size" count=1 seek="$off" oflag=direct,seek_bytes \
			status=none || fail "dd $a"
	fi
	assert_eq $(($(dmx_field azlxt-d units) - u0)) "$want" \
		"units charged for a $op of $size bytes at $off (ceil(size / 256 KiB))"
done
echo "${#acct[@]} misaligned reads and writes through the offset charged ceil(size / unit)"
dmsetup remove azlxt-d || fail "remove"
echo "discard: ok"
