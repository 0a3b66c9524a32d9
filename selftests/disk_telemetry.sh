#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Disk latency telemetry (bpf/disklat.bpf.c, "azlxnet disk telemetry|top"):
# - "telemetry on" pins the links and maps, is idempotent, "off" unpins
#   them and the programs go; bad words are usage errors that change nothing;
# - a known number of O_DIRECT reads and writes of known sizes from a test
#   cgroup, on the Azure SCSI stand-in and on the NVMe disk, is counted
#   exactly per disk (requests, bytes, the histogram) and under the cgroup;
# - "disk top -j -c 2" prints two JSON lines with the I/O running, with
#   the pinned maps or, when the telemetry is off, a load of its own; under
#   a dm-azlx pacer, its budget, dispatch and queues.

source "$(dirname "$0")/lib.sh"
require_root
require_cmd azlxnet jq dd bpftool stat

PIN=/sys/fs/bpf/azlxnet/disk
CG=/sys/fs/cgroup/azlxt-disktel
bg=
io_enabled=

# descendants PID: every process below PID
descendants()
{
	local p
	for p in $(pgrep -P "$1"); do
		echo "$p"
		descendants "$p"
	done
}

# stop_bg: ends the background readers: the subshell, its loops, their dd.
# The loops start a new dd whenever one ends: stop everything first (until
# no new process appears), then kill it, so that no dd keeps the device open.
stop_bg()
{
	local all new p
	[ -n "$bg" ] || return 0
	all=$bg
	while :; do
		kill -STOP $all 2>/dev/null
		new=$(for p in $all; do descendants "$p"; done | sort -u)
		new=$(comm -13 <(tr ' ' '\n' <<<"$all" | sort -u) <(printf '%s\n' $new | sed '/^$/d'))
		[ -n "$new" ] || break
		all="$all $new"
	done
	kill -KILL $all 2>/dev/null
	wait "$bg" 2>/dev/null
	for p in $all; do
		while kill -0 "$p" 2>/dev/null; do sleep 0.1; done
	done
	bg=
}

cleanup()
{
	stop_bg
	dmsetup remove --force azlxt-tel >/dev/null 2>&1
	azlxnet disk telemetry off >/dev/null 2>&1
	rmdir "$CG" 2>/dev/null
	[ -n "$io_enabled" ] && echo -io >/sys/fs/cgroup/cgroup.subtree_control 2>/dev/null
	return 0
}
trap cleanup EXIT

# The Azure disk stand-ins scripts/vmtest attaches: SCSI (vendor Msft), NVMe.
scsi= nvme=
for d in /sys/block/sd*; do
	[ -e "$d/device/vendor" ] || continue
	case "$(cat "$d/device/vendor")" in Msft*) scsi=${d##*/} ;; esac
done
for d in /sys/block/nvme*n1; do
	[ -e "$d" ] && nvme=${d##*/}
done
[ -n "$scsi" ] || skip "no SCSI disk of vendor Msft (VMTEST_DISKS)"
[ -n "$nvme" ] || skip "no NVMe disk (VMTEST_DISKS)"
echo "disks: $scsi (SCSI), $nvme (NVMe)"

progs_loaded()
{
	bpftool prog show 2>/dev/null | grep -c 'name azlxnet_dl_' || true
}

# Programs are freed an RCU grace period after their last link.
wait_progs_gone()
{
	local i
	for i in $(seq 1 50); do
		[ "$(progs_loaded)" = 0 ] && return 0
		sleep 0.1
	done
	fail "$1: the telemetry programs are still loaded: $(bpftool prog show | grep azlxnet_dl_)"
}

state()
{
	azlxnet -j disk telemetry show | jq -r '.telemetry.on'
}

# 1. Off at the start; bad words are usage errors naming the word.
azlxnet disk telemetry off >/dev/null || fail "telemetry off at the start"
assert_eq "$(state)" false "telemetry at the start"
assert_eq "$(azlxnet disk telemetry)" \
	'disk telemetry: off ("azlxnet disk telemetry on" starts it)' "telemetry alone"
err=$(azlxnet disk telemetry sideways 2>&1 >/dev/null)
assert_eq "$?" 2 "exit status of telemetry sideways"
assert_match "$err" '"sideways"' "the error names the word"
err=$(azlxnet disk telemetry on now 2>&1 >/dev/null)
assert_eq "$?" 2 "exit status of telemetry on now"
assert_match "$err" '"now"' "the error names the extra word"
[ ! -e $PIN ] || fail "a refused command made $PIN"
assert_eq "$(state)" false "telemetry after refused commands"

# 2. On, pinned, idempotent.
out=$(azlxnet -j disk telemetry on) || fail "telemetry on"
assert_eq "$(jq -c '[.on, .changed, .pin_dir]' <<<"$out")" "[true,true,\"$PIN\"]" "telemetry on"
for f in link_rq_issue link_rq_complete azlxnet_dl_disk azlxnet_dl_cgrp; do
	[ -e $PIN/$f ] || fail "$PIN/$f is not pinned"
done
assert_eq "$(progs_loaded)" 2 "programs loaded"
assert_match "$(azlxnet disk telemetry on)" 'disk telemetry: on \(already\)' "telemetry on again"
assert_eq "$(azlxnet -j disk telemetry on | jq -c '[.on, .changed]')" '[true,false]' "on again, -j"
assert_eq "$(progs_loaded)" 2 "programs loaded after on twice"
azlxnet disk telemetry sideways >/dev/null 2>&1
assert_eq "$?" 2 "exit status of telemetry sideways while on"
assert_eq "$(state)" true "telemetry after a refused command"
assert_eq "$(ls $PIN | wc -l)" 4 "pins after a refused command"

# 3. Known I/O from a test cgroup: O_DIRECT, synchronous (one request in
#    flight at a time, so nothing merges), sizes below every max_sectors_kb.
# A bio is charged to the cgroup of its blkcg: the io controller must be
# enabled down to the test cgroup, else it is the root's.
if ! grep -qw io /sys/fs/cgroup/cgroup.subtree_control; then
	grep -qw io /sys/fs/cgroup/cgroup.controllers || skip "no io controller (CONFIG_BLK_CGROUP)"
	echo +io >/sys/fs/cgroup/cgroup.subtree_control || fail "cannot enable the io controller"
	io_enabled=1
fi
mkdir "$CG" || fail "mkdir $CG"
cgid=$(stat -c %i "$CG")
io()
{
	(
		echo "$BASHPID" >"$CG/cgroup.procs" || exit 1
		# SCSI: 20 reads of 4 KiB, 10 writes of 64 KiB
		dd if=/dev/"$scsi" of=/dev/null bs=4096 count=20 skip=100 iflag=direct status=none &&
		dd if=/dev/zero of=/dev/"$scsi" bs=65536 count=10 seek=100 oflag=direct status=none &&
		# NVMe: 8 reads of 16 KiB, 6 writes of 128 KiB
		dd if=/dev/"$nvme" of=/dev/null bs=16384 count=8 skip=10 iflag=direct status=none &&
		dd if=/dev/zero of=/dev/"$nvme" bs=131072 count=6 seek=10 oflag=direct status=none
	) || fail "the test I/O failed"
}
io
show=$(azlxnet -j disk telemetry show) || fail "telemetry show"
echo "$show" | jq -c '.telemetry.disks[] | {disk, r: .read.requests, rb: .read.bytes,
	w: .write.requests, wb: .write.bytes, o: .other.requests, p50: .read.p50_us}'
echo "$show" | jq -c '.telemetry.cgroups[] | {disk, cgroup_id, cgroup, r: .read.requests,
	w: .write.requests, o: .other.requests}'

# disk_field DISK JQ: a field of a disk in the snapshot
disk_field()
{
	jq -r --arg d "$1" ".telemetry.disks[] | select(.disk == \$d) | $2" <<<"$show"
}
# cg_field DISK JQ: a field of the test cgroup on DISK
cg_field()
{
	jq -r --arg d "$1" --arg p "/${CG##*/}" \
		".telemetry.cgroups[] | select(.disk == \$d and .cgroup == \$p) | $2" <<<"$show"
}
check_disk()
{
	local d=$1 nr=$2 br=$3 nw=$4 bw=$5 slots

	assert_eq "$(disk_field "$d" .read.requests)" "$nr" "$d: reads"
	assert_eq "$(disk_field "$d" .read.bytes)" "$((nr * br))" "$d: bytes read"
	assert_eq "$(disk_field "$d" .write.requests)" "$nw" "$d: writes"
	assert_eq "$(disk_field "$d" .write.bytes)" "$((nw * bw))" "$d: bytes written"
	# 256 KiB units: every one of these is one unit
	assert_eq "$(disk_field "$d" .read.units)" "$nr" "$d: read units"
	slots=$(disk_field "$d" '[.read.hist_us[].count] | add')
	assert_eq "$slots" "$nr" "$d: reads in the histogram"
	[ "$(disk_field "$d" .read.lat_sum_ns)" -gt 0 ] || fail "$d: no read latency"
	[ "$(disk_field "$d" .read.p50_us)" -gt 0 ] || fail "$d: no p50"
	assert_eq "$(disk_field "$d" .major):$(disk_field "$d" .minor)" \
		"$(cat /sys/block/"$d"/dev)" "$d: major:minor"
	assert_eq "$(cg_field "$d" .cgroup_id)" "$cgid" "$d: the test cgroup's id"
	assert_eq "$(cg_field "$d" .read.requests)" "$nr" "$d: reads of the test cgroup"
	assert_eq "$(cg_field "$d" .read.bytes)" "$((nr * br))" "$d: bytes read by the test cgroup"
	assert_eq "$(cg_field "$d" .write.requests)" "$nw" "$d: writes of the test cgroup"
	assert_eq "$(cg_field "$d" .write.bytes)" "$((nw * bw))" \
		"$d: bytes written by the test cgroup"
}
check_disk "$scsi" 20 4096 10 65536
check_disk "$nvme" 8 16384 6 131072
text=$(azlxnet disk telemetry show)
assert_match "$text" "^disk telemetry: on" "telemetry show, text"
assert_match "$text" "cgroup $cgid /${CG##*/}" "telemetry show names the cgroup"

# The same I/O again adds exactly as much.
io
show=$(azlxnet -j disk telemetry show)
check_disk "$scsi" 40 4096 20 65536
check_disk "$nvme" 16 16384 12 131072

# 4. disk top with I/O running: two JSON lines, one per interval.
(
	echo "$BASHPID" >"$CG/cgroup.procs"
	while :; do
		dd if=/dev/"$nvme" of=/dev/null bs=4096 count=50 iflag=direct status=none
	done
) &
bg=$!
top=$(azlxnet -j disk top -c 2 --interval 1) || fail "disk top"
echo "$top"
assert_eq "$(wc -l <<<"$top")" 2 "lines of disk top -j -c 2"
while read -r line; do
	jq -e . >/dev/null <<<"$line" || fail "not JSON: $line"
	assert_eq "$(jq -r .telemetry <<<"$line")" pinned "disk top used the pinned maps"
	ms=$(jq -r .interval_ms <<<"$line")
	[ "$ms" -ge 900 ] && [ "$ms" -le 3000 ] || fail "interval_ms $ms"
	n=$(jq -r --arg d "$nvme" '.disks[] | select(.disk == $d) | .requests' <<<"$line")
	[ "${n:-0}" -gt 0 ] || fail "disk top saw no reads on $nvme: $line"
	jq -e --arg d "$nvme" '.disks[] | select(.disk == $d) |
		.read_iops > 0 and .p50_us > 0 and .p99_us >= .p50_us and .bytes == .requests * 4096
		and .pacer == null and .budget_pct == null and
		(.verdict | IN("idle", "no-budget", "slow"))' >/dev/null <<<"$line" ||
		fail "implausible fields for $nvme: $line"
done <<<"$top"
text=$(azlxnet disk top -c 1 --interval 0.5) || fail "disk top, text"
assert_match "$text" "^DISK +IOPS +MB/s +P50\(us\) +P99\(us\) +BUDGET% +VERDICT" "disk top header"
assert_match "$text" "$nvme +[0-9]+" "disk top line of $nvme"
err=$(azlxnet disk top --interval 0 2>&1 >/dev/null)
assert_eq "$?" 2 "exit status of disk top --interval 0"
assert_match "$err" "interval" "the error names the option"

stop_bg

# 5. Under a dm-azlx pacer (100 IOPS, 95 % dispatched): disk top shows its
#    budget, dispatch and queues, and the disk at its budget.
if modprobe dm-mod 2>/dev/null && modinfo dm-azlx >/dev/null 2>&1 && command -v dmsetup >/dev/null; then
	export DM_DISABLE_UDEV=1
	echo "0 $(cat /sys/block/"$nvme"/size) azlx /dev/$nvme 0 100 100" |
		dmsetup create azlxt-tel || fail "dmsetup create azlxt-tel"
	# four readers: the pacer always has some waiting
	(
		echo "$BASHPID" >"$CG/cgroup.procs"
		for i in 1 2 3 4; do
			while :; do
				dd if=/dev/mapper/azlxt-tel of=/dev/null bs=4096 count=200 \
					skip=$((i * 1000)) iflag=direct status=none
			done &
		done
		wait
	) &
	bg=$!
	sleep 1
	top=$(azlxnet -j disk top -c 2 --interval 1) || fail "disk top with a pacer"
	echo "$top"
	line=$(tail -n 1 <<<"$top")
	jq -e --arg d "$nvme" '.disks[] | select(.disk == $d) |
		.pacer.name == "azlxt-tel" and .pacer.budget_iops == 100 and
		.pacer.budget_mbps == 100 and .pacer.fraction == 95 and
		.pacer.state == "pacing" and (.pacer.queued | has("critical", "read", "write", "async")) and
		.budget_pct >= 50 and .budget_pct <= 110 and .utilisation_pct >= 50 and
		.requests >= 16 and
		if .utilisation_pct >= 90 then .verdict | IN("at-budget", "throttled")
		else .verdict | IN("ok", "slow") end' >/dev/null <<<"$line" ||
		fail "disk top with a pacer: $line"
	text=$(azlxnet disk top -c 1 --interval 1)
	assert_match "$text" "$nvme +[0-9]+ +[0-9.]+ +[0-9]+ +[0-9]+ +[0-9]+ +[a-z-]+ +[0-9]+/[0-9]+/[0-9]+/[0-9]+" \
		"disk top line of a paced disk"
	stop_bg
	dmsetup remove azlxt-tel || fail "dmsetup remove azlxt-tel"
else
	echo "no dm-azlx here: disk top with a pacer not tested"
fi

# 6. Off: the pins and the programs go; off again is no error.
assert_eq "$(azlxnet -j disk telemetry off | jq -c '[.on, .changed]')" '[false,true]' "telemetry off"
[ ! -e $PIN ] || fail "$PIN is still there: $(ls $PIN)"
wait_progs_gone "after off"
assert_match "$(azlxnet disk telemetry off)" 'disk telemetry: off \(already\)' "off again"
azlxnet disk telemetry sideways >/dev/null 2>&1
assert_eq "$?" 2 "exit status of telemetry sideways while off"
[ ! -e $PIN ] || fail "a refused command made $PIN"

# 7. disk top while off loads the programs for its own run, and says so.
(
	while :; do
		dd if=/dev/"$nvme" of=/dev/null bs=4096 count=50 iflag=direct status=none
	done
) &
bg=$!
errf=$(mktemp)
top=$(azlxnet -j disk top -c 1 --interval 1 2>"$errf")
err=$(cat "$errf")
rm -f "$errf"
assert_match "$err" "loading it for this run only" "disk top says it loads the programs"
assert_eq "$(jq -r .telemetry <<<"$top")" private "disk top's own load"
n=$(jq -r --arg d "$nvme" '.disks[] | select(.disk == $d) | .requests' <<<"$top")
[ "${n:-0}" -gt 0 ] || fail "disk top (own load) saw no reads on $nvme: $top"
stop_bg
[ ! -e $PIN ] || fail "disk top pinned something"
wait_progs_gone "after disk top"
assert_eq "$(state)" false "telemetry after disk top"
echo "ok"
