#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# dm-azlx per-cgroup caps changed while I/O runs: writers of patterned data
# in two capped cgroups and one uncapped (root) cgroup, 50 IOPS budget,
# while the caps are changed by messages every 0.2 s (new values, a cgroup
# added or dropped, all removed, set with other keys). Every message
# succeeds, the writers finish without error, every region reads back byte
# for byte, and the counters agree: the bytes dispatched are exactly the
# bytes written (no bio lost or sent twice), one unit per bio dispatched
# (the target cuts writes into bios of at most a unit), some bios waited
# for a cap, and nothing is held at the end.

source "$(dirname "$0")/dm_azlx_lib.sh"
dmx_init

dmx_loop loop 64
len=$(dmx_sectors "$loop")
dev=/dev/mapper/azlxt-cc
dmx_cgroup cga azlxt-cca
dmx_cgroup cgb azlxt-ccb
region=$((12 << 20))

# any writer still running
alive()
{
	local p

	for p; do
		kill -0 "$p" 2>/dev/null && return 0
	done
	return 1
}

dmx_create azlxt-cc "$len" "$loop" 0 50 5 cap=/azlxt-cca:20
pids=()
for i in 0 1 2; do
	cg=(/sys/fs/cgroup "$cga" "$cgb")
	dmx_in_cgroup "${cg[$i]}" "$DMX_IO" pattern write $dev --seed 41 --gen $((i + 1)) \
		--bytes $region --offset $((i * region)) --threads 4 --fsync-every 4 \
		>/tmp/azlxt-cc.$i 2>&1 &
	pids+=($!)
done
steps=(
	"cap /azlxt-cca:20 /azlxt-ccb:30"
	"cap /azlxt-ccb:10"
	"cap none"
	"cap /azlxt-cca:60 /azlxt-ccb:5"
	"set iops=40 cap=/azlxt-ccb:40 cap=/azlxt-cca:15"
	"cap /azlxt-cca:100"
	"budget 50 5"
	"cap /azlxt-ccb:25 /azlxt-cca:25"
)
n=0
while [ $n -lt 40 ] && alive "${pids[@]}"; do
	# shellcheck disable=SC2086  # a message is several words
	dmsetup message azlxt-cc 0 ${steps[$((n % ${#steps[@]}))]} ||
		fail "message '${steps[$((n % ${#steps[@]}))]}' during the writes"
	n=$((n + 1))
	sleep 0.2
done
[ $n -ge ${#steps[@]} ] || fail "only $n cap changes ran while writing"
echo "$n cap changes while writing; $(dmx_status azlxt-cc)"
dmsetup message azlxt-cc 0 cap none || fail "message cap none"
dmsetup message azlxt-cc 0 budget 100000 10000 || fail "message budget"
# at that budget the rest takes well under a second: a writer still
# waiting after 30 s (scaled on slower kernels) waits for a lost bio
for _ in $(seq $((300 * ${AZLXNET_TIMEOUT_SCALE:-1}))); do
	alive "${pids[@]}" || break
	sleep 0.1
done
! alive "${pids[@]}" || fail "writers still waiting 30 s after the caps were lifted: $(dmx_status azlxt-cc)"
for i in 0 1 2; do
	wait "${pids[$i]}" || fail "writer $i: $(cat /tmp/azlxt-cc.$i)"
	echo "writer $i: $(cat /tmp/azlxt-cc.$i)"
	rm -f /tmp/azlxt-cc.$i
done
st=$(dmx_status azlxt-cc)
echo "after the writes: $st"
assert_eq "$(dmx_field azlxt-cc queued)" 0/0/0/0 "queued at the end"
assert_eq "$(dmx_field azlxt-cc capped | cut -d/ -f1)" 0 "held for a cap at the end"
[ "$(dmx_field azlxt-cc capped | cut -d/ -f2)" -gt 0 ] || fail "no bio waited for a cap"
assert_eq "$(dmx_field azlxt-cc bytes)" $((3 * region)) "bytes dispatched for the bytes written"
bios=$(dmx_field azlxt-cc dispatched | awk -F/ '{ print $1 + $2 + $3 + $4 }')
assert_eq "$(dmx_field azlxt-cc units)" "$bios" "units for $bios bios of at most one unit"
for i in 0 1 2; do
	"$DMX_IO" pattern verify $dev --seed 41 --gen $((i + 1)) --bytes $region \
		--offset $((i * region)) || fail "region $i after the cap changes"
done
dmsetup remove azlxt-cc || fail "remove"
echo "capchurn: ok"
