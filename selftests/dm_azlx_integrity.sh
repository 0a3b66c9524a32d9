#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# dm-azlx data integrity with pacing active (the queues hold bios): patterned
# data of mixed sizes (512 B to 4 MiB, 8 writers, periodic fdatasync) reads
# back byte for byte
#   1. plainly, through the target and through the loop device at the offset;
#   2. while the table is reloaded, suspended and resumed, and changed by
#      messages, over and over (the counters carry over reloads);
#   3. when the mapping is removed with I/O in flight: removal is refused
#      while the device is open, a deferred removal completes after the
#      last close, and nothing is lost;
# and ext4 on top: files fsync'd while pacing survive a crash (a copy of the
# disk taken right after the fsyncs, then mounted) and a remount; the
# journal commits of those fsyncs (REQ_META) are dispatched as critical;
# and swap on the target: its writes (REQ_SWAP) are critical.

source "$(dirname "$0")/dm_azlx_lib.sh"
dmx_init

dmx_loop loop 160
disk=$dmx_file
len=$(($(dmx_sectors "$loop") - 2048))
dev=/dev/mapper/azlxt-i
bytes=48M

pattern()
{
	"$DMX_IO" pattern "$@" --seed 11 --bytes $bytes
}

# 1. Plain. 300 IOPS / 40 MB/s: 8 writers queue in the target.
dmx_create azlxt-i "$len" "$loop" 2048 300 40
pattern write $dev --gen 1 --threads 8 --fsync-every 4 || fail "write gen 1"
delayed=$(dmx_field azlxt-i delayed)
[ "$delayed" != 0/0/0/0 ] || fail "no bio waited in the target (delayed=$delayed)"
pattern verify $dev --gen 1 || fail "verify gen 1"
pattern verify "$loop" --offset 1M --gen 1 >/dev/null || fail "verify gen 1 on $loop"
[ "$(dmx_field azlxt-i flushes)" -gt 0 ] || fail "no flush passed"

# 2. Churn while writing generation 2, at budgets that keep it busy for a
# few seconds: on a kernel that runs AZLXNET_TIMEOUT_SCALE times slower
# (the debug kernel) a churn step takes that much longer, so the budgets
# are that much lower and the writer runs that much longer.
sc=${AZLXNET_TIMEOUT_SCALE:-1}
b()
{
	local v=$(($1 / sc))

	echo $((v > 0 ? v : 1))
}
dmsetup message azlxt-i 0 budget "$(b 150)" "$(b 15)" || fail "message budget"
units0=$(dmx_field azlxt-i units)
pattern write $dev --gen 2 --threads 8 --fsync-every 4 >/tmp/azlxt-w.out 2>&1 &
writer=$!
n=0
while kill -0 $writer 2>/dev/null; do
	case $((n % 4)) in
	0) echo "0 $len azlx $loop 2048 $(b 200) $(b 20) fraction=90" | dmsetup reload azlxt-i &&
		dmsetup resume azlxt-i ;;
	1) dmsetup suspend azlxt-i && dmsetup resume azlxt-i ;;
	2) dmsetup message azlxt-i 0 set iops="$(b 250)" mbps="$(b 25)" burst_iops=800 \
		unit_kb=128 ;;
	3) echo "0 $len azlx $loop 2048 $(b 150) $(b 15)" | dmsetup reload azlxt-i &&
		dmsetup suspend --nolockfs azlxt-i && dmsetup resume azlxt-i ;;
	esac || fail "churn step $n"
	n=$((n + 1))
done
wait $writer || fail "write gen 2 under churn: $(cat /tmp/azlxt-w.out)"
rm -f /tmp/azlxt-w.out
[ $n -ge 4 ] || fail "only $n churn steps ran while writing"
echo "$n reloads, suspends and messages while writing"
units=$(dmx_field azlxt-i units)
[ "$units" -gt "$units0" ] || fail "units did not carry over the reloads ($units0 -> $units)"
assert_eq "$(dmx_field azlxt-i state)" pacing "state after the churn"
assert_eq "$(dmx_field azlxt-i queued)" 0/0/0/0 "queued after the churn"
pattern verify $dev --gen 2 || fail "verify gen 2"

# 3. Removal with I/O in flight, at 10 MB/s (scaled as above) so the writer
# takes seconds.
dmsetup message azlxt-i 0 budget "$(b 100)" "$(b 10)" || fail "message budget"
pattern write $dev --gen 3 --threads 8 >/tmp/azlxt-w.out 2>&1 &
writer=$!
sleep 1
if out=$(dmsetup remove azlxt-i 2>&1); then
	fail "removal of a mapping in use succeeded"
fi
assert_match "$out" "busy" "refused removal"
[ "$(dmx_field azlxt-i queued)" != 0/0/0/0 ] ||
	echo "note: nothing was queued at the refused removal"
dmsetup remove --deferred azlxt-i || fail "deferred removal"
kill -0 $writer 2>/dev/null || fail "the writer ended before the deferred removal"
wait $writer || fail "write gen 3 across the removal: $(cat /tmp/azlxt-w.out)"
rm -f /tmp/azlxt-w.out
for _ in $(seq 50); do
	dmsetup info azlxt-i >/dev/null 2>&1 || break
	sleep 0.1
done
! dmsetup info azlxt-i >/dev/null 2>&1 || fail "deferred removal did not happen"
pattern verify "$loop" --offset 1M --gen 3 || fail "verify gen 3 on $loop"

# ext4 on top, paced. Files written and fsync'd; the disk is copied at once,
# as a crash would leave it, then the file system is unmounted, mounted again
# and both copies are checked.
command -v mke2fs >/dev/null || skip "needs mke2fs"
dmx_create azlxt-i "$len" "$loop" 2048 300 30
mke2fs -q -t ext4 -F $dev || fail "mke2fs"
mnt=$(mktemp -d /tmp/azlxt-mnt.XXXXXX)
mount -t ext4 $dev "$mnt" || fail "mount"
sizes=(512 4096 65536 1048576 3145728 4194304 1)
for i in "${!sizes[@]}"; do
	head -c "${sizes[$i]}" /dev/urandom >"/tmp/azlxt-f$i"
done
dmsetup message azlxt-i 0 clear_stats || fail "message clear_stats"
for i in "${!sizes[@]}"; do
	dd if="/tmp/azlxt-f$i" of="$mnt/f$i" bs=1M conv=fsync status=none || fail "write f$i"
done
# The table has no critical cgroup: the journal commits of the fsyncs
# (jbd2 writes REQ_META) are critical by their flags, at least one each.
jc=$(dmx_class azlxt-i dispatched critical)
[ "$jc" -ge "${#sizes[@]}" ] ||
	fail "critical dispatches for ${#sizes[@]} fsyncs on ext4: $jc (jbd2 commits are REQ_META)"
echo "ext4: $jc critical bios (journal, metadata) for ${#sizes[@]} fsyncs; dispatched=$(dmx_field azlxt-i dispatched)"
crash=$(mktemp /tmp/azlxt-crash.XXXXXX)
dmx_files+=("$crash")
cp --sparse=always "$disk" "$crash" || fail "copy the disk"
# Written but not fsync'd: not expected in the crash copy.
head -c 100000 /dev/urandom >"$mnt/late"
umount "$mnt" || fail "umount"
mount -t ext4 $dev "$mnt" || fail "remount"
for i in "${!sizes[@]}"; do
	cmp -s "/tmp/azlxt-f$i" "$mnt/f$i" || fail "f$i differs after remount"
done
[ -s "$mnt/late" ] || fail "a file written before umount is missing after remount"
umount "$mnt" || fail "umount"
dmsetup remove azlxt-i || fail "remove"
crashloop=$(losetup -f --show -o 1048576 "$crash") || fail "losetup the crash copy"
dmx_loops+=("$crashloop")
mount -t ext4 "$crashloop" "$mnt" || fail "mount the crash copy (journal replay)"
for i in "${!sizes[@]}"; do
	cmp -s "/tmp/azlxt-f$i" "$mnt/f$i" || fail "fsync'd f$i lost or differs in the crash copy"
done
umount "$mnt"
rmdir "$mnt"
rm -f /tmp/azlxt-f*

# Swap on the target: a cgroup over its memory.high pushes its pages out;
# swap writes (REQ_SWAP) are critical though no cgroup is, none lands in
# the write or async class, and the pages read back intact. The swap is on
# a RAM disk (brd), not on the loop device: a loop device charges the page
# cache of its backing file to the cgroup that wrote, so swapping out to a
# file on tmpfs allocates memory in the cgroup being reclaimed (and tmpfs
# pages can go to swap themselves): the job can stall for good.
modprobe brd rd_nr=1 rd_size=98304 || fail "modprobe brd"
[ -b /dev/ram0 ] || fail "brd made no /dev/ram0"
swap_cleanup()
{
	swapoff /dev/mapper/azlxt-s 2>/dev/null
	dmx_cleanup
	rmmod brd 2>/dev/null
	return 0
}
trap swap_cleanup EXIT
dmx_create azlxt-s 196608 /dev/ram0 0 100000 100000
# zswap would keep such pages compressed in memory, off the device
zsw=/sys/module/zswap/parameters/enabled
[ ! -w $zsw ] || echo N >$zsw || fail "cannot turn zswap off"
mkswap /dev/mapper/azlxt-s >/dev/null || fail "mkswap"
swapon /dev/mapper/azlxt-s || fail "swapon"
root=/sys/fs/cgroup
grep -qw memory $root/cgroup.subtree_control || echo +memory >$root/cgroup.subtree_control ||
	fail "cannot enable the memory controller"
mkdir -p $root/azlxt-swap || fail "mkdir $root/azlxt-swap"
dmx_cgroups+=("$root/azlxt-swap")
# memory.high, not memory.max: reclaimed and throttled, never OOM-killed
# while swap writeback is slow (emulation, a loaded host)
echo 6M >$root/azlxt-swap/memory.high || fail "memory.high"
dmsetup message azlxt-s 0 clear_stats || fail "message clear_stats"
# 16 MiB of 'a' in one buffer, then its checksum: the buffer is swapped
# out while it fills and in again when it is written out.
want=$(head -c 16777216 /dev/zero | tr '\0' a | md5sum)
got=$(dmx_in_cgroup $root/azlxt-swap bash -c \
	"head -c 16777216 /dev/zero | tr '\\0' a | dd bs=16M count=1 iflag=fullblock status=none | md5sum") ||
	fail "the swapping job failed"
swapoff /dev/mapper/azlxt-s || fail "swapoff"
assert_eq "$got" "$want" "16 MiB through swap on the target"
crit=$(dmx_class azlxt-s dispatched critical)
echo "swap: dispatched=$(dmx_field azlxt-s dispatched)"
[ "$crit" -gt 0 ] || fail "no swap bio dispatched as critical: $(dmx_field azlxt-s dispatched)"
assert_eq "$(dmx_class azlxt-s dispatched write)/$(dmx_class azlxt-s dispatched async)" 0/0 \
	"swap writes outside the critical class"
dmsetup remove azlxt-s || fail "remove azlxt-s"
rmmod brd || fail "rmmod brd"
echo "integrity: ok"
