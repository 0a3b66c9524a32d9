#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# dm-azlx suspend with bios queued at 10 IOPS (64 writers of patterned data,
# each extent cut into 256 KiB bios: at least 64 bios queued). At that
# budget the queue holds several seconds of I/O; a suspend must not wait
# for the budget:
#   1. dmsetup suspend returns within 2 s (AZLXNET_TIMEOUT_SCALE times that
#      on a slower kernel) with nothing left queued; nothing passes the
#      device while it is suspended; after resume the writers finish and
#      the data reads back byte for byte;
#   2. the same with --noflush, the writers in a cgroup capped at 5 IOPS so
#      that bios are held by the cap as well as by the budget.

source "$(dirname "$0")/dm_azlx_lib.sh"
dmx_init

dmx_loop loop 64
len=$(dmx_sectors "$loop")
dev=/dev/mapper/azlxt-s
bytes=32M
sc=${AZLXNET_TIMEOUT_SCALE:-1}
bound=$((2 * sc))
dmx_cgroup capped azlxt-scap

# suspend_queued GEN CGROUP SUSPEND-ARGS...
suspend_queued()
{
	local gen=$1 cg=$2 t0 t1 q n d0 writer
	shift 2
	dmx_in_cgroup "$cg" "$DMX_IO" pattern write $dev --seed 31 --gen "$gen" --bytes $bytes \
		--threads 64 >/tmp/azlxt-s.out 2>&1 &
	writer=$!
	for n in $(seq 100); do
		q=$(($(dmx_field azlxt-s queued | awk -F/ '{ print $1 + $2 + $3 + $4 }') +
		     $(dmx_field azlxt-s capped | cut -d/ -f1)))
		[ "$q" -ge 64 ] && break
		sleep 0.1
	done
	[ "$q" -ge 64 ] || fail "only $q bios held after 10 s: $(dmx_status azlxt-s)"
	echo "held before the suspend: $q bios; $(dmx_status azlxt-s)"
	t0=$("$DMX_IO" now)
	dmsetup suspend "$@" azlxt-s || fail "dmsetup suspend $*"
	t1=$("$DMX_IO" now)
	awk -v a="$t0" -v b="$t1" -v m="$bound" 'BEGIN {
		printf "dmsetup suspend%s with %s bios held: %.3f s (bound %d s)\n", ARGV[1], ARGV[2], b - a, m
		exit !(b - a <= m)
	}' "${*:+ $*}" "$q" || fail "suspend${*:+ $*} took longer than $bound s: it waited for the budget"
	assert_eq "$(dmx_field azlxt-s queued)" 0/0/0/0 "queued once suspended"
	assert_eq "$(dmx_field azlxt-s capped | cut -d/ -f1)" 0 "held for a cap once suspended"
	assert_eq "$(dmx_field azlxt-s state)" bypass "state while suspended"
	kill -0 $writer 2>/dev/null || fail "the writers finished before the resume"
	d0=$(dmx_field azlxt-s dispatched)
	sleep 1
	assert_eq "$(dmx_field azlxt-s dispatched)" "$d0" "dispatched while suspended"
	dmsetup resume azlxt-s || fail "resume"
	assert_eq "$(dmx_field azlxt-s state)" pacing "state after the resume"
	# the rest at full speed
	dmsetup message azlxt-s 0 budget 100000 10000 || fail "message budget"
	dmsetup message azlxt-s 0 cap none || fail "message cap none"
	wait $writer || fail "writers across the suspend: $(cat /tmp/azlxt-s.out)"
	rm -f /tmp/azlxt-s.out
	assert_eq "$(dmx_field azlxt-s bytes)" $((32 << 20)) "bytes dispatched (each once)"
	"$DMX_IO" pattern verify $dev --seed 31 --gen "$gen" --bytes $bytes ||
		fail "data written across the suspend $*"
	"$DMX_IO" pattern verify "$loop" --seed 31 --gen "$gen" --bytes $bytes >/dev/null ||
		fail "data written across the suspend $*, on $loop"
}

# 1. Plain suspend, the writers in the root cgroup.
dmx_create azlxt-s "$len" "$loop" 0 10 10
suspend_queued 1 /sys/fs/cgroup
dmsetup remove azlxt-s || fail "remove"

# 2. --noflush, the writers in a capped cgroup.
dmx_create azlxt-s "$len" "$loop" 0 10 10 cap=/azlxt-scap:5
suspend_queued 2 "$capped" --noflush
capped_n=$(dmx_field azlxt-s capped)
[ "${capped_n#*/}" -gt 0 ] || fail "no bio waited for the cap (capped=$capped_n)"
dmsetup remove azlxt-s || fail "remove"
echo "suspend: ok"
