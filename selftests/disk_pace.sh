#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# azlxnet disk pace / unpace / show on the VM's Azure disk stand-ins (a SCSI
# disk that says Msft / Virtual Disk, an NVMe disk): the mapping has the
# table the budget asks for, data goes through it unchanged and is counted
# in units, bad input and a disk in use are refused with nothing created,
# an open mapping is not removed, and unpace removes it. The burst credit:
# none for a new mapping without a record (after a reboot), --credit, and
# what "disk record" and "disk unpace" wrote is what the next mapping of the
# disk starts with; the closed-loop status fields absent from an older
# dm-azlx are shown as absent, not zero.

source "$(dirname "$0")/lib.sh"
require_root
require_cmd azlxnet jq dmsetup mke2fs blockdev cmp

export DM_DISABLE_UDEV=1
CONF=/etc/azlxnet/azlxnet.conf
CREDIT_DIR=/var/lib/azlxnet/disk
SLICE=/sys/fs/cgroup/system.slice
made_slice=
mnt=

azure_standin_disks

cleanup()
{
	[ -n "$mnt" ] && umount "$mnt" 2>/dev/null && rmdir "$mnt"
	exec 3<&- 2>/dev/null
	for d in $(dmsetup ls 2>/dev/null | awk '$1 ~ /^azlx/ {print $1}'); do
		dmsetup remove --force "$d" >/dev/null 2>&1
	done
	azlxnet disk telemetry off >/dev/null 2>&1
	[ -n "$made_slice" ] && rmdir "$SLICE" 2>/dev/null
	rm -f "$CONF" /tmp/azlxt-pat /tmp/azlxt-back
	rm -rf "$CREDIT_DIR"
	return 0
}
trap cleanup EXIT

modinfo -F filename dm-mod >/dev/null 2>&1 || skip "no device-mapper (dm-mod)"
modinfo -F filename dm-azlx >/dev/null 2>&1 || fail "dm-azlx.ko is not installed for $(uname -r)"
# pace loads device-mapper (libkmod) and the kernel loads the target
modprobe -r dm-azlx dm-mod 2>/dev/null
mkdir -p /etc/azlxnet
rm -f "$CONF"
rm -rf "$CREDIT_DIR"

# run EXPECTED-RC ARGS...: azlxnet's stdout in $out, stderr in $err
run()
{
	local want=$1 rc
	shift
	out=$(azlxnet "$@" 2>/tmp/azlxt-err)
	rc=$?
	err=$(cat /tmp/azlxt-err)
	[ "$rc" = "$want" ] || fail "azlxnet $*: exit $rc, expected $want (stderr: $err)"
}

mappings() { dmsetup ls 2>/dev/null | awk '$1 ~ /^azlx-/ {print $1}' | sort | tr '\n' ' '; }
status_field() { dmsetup status "$1" | tr ' ' '\n' | sed -n "s/^$2=//p"; }

sectors=$(blockdev --getsz "/dev/$msft")
devno=$(cat "/sys/class/block/$msft/dev")
name=azlx-$msft

# --- an explicit budget, no critical cgroups ----------------------------------
run 0 disk pace "$msft" --budget 2000,100 --critical none
assert_match "$out" "^$name paces $msft: 2000 IOPS / 100 MB/s" "pace output"
assert_eq "$(dmsetup table "$name")" "0 $sectors azlx $devno 0 2000 100" "table"
[ -b "/dev/mapper/$name" ] || fail "/dev/mapper/$name is not a block device"
[ -d /sys/module/dm_mod ] && [ -d /sys/module/dm_azlx ] || fail "dm-mod and dm-azlx are not loaded"
echo "pace: $(dmsetup table "$name")"

# the disk's latency telemetry, from now on (disk show prints it)
run 0 disk telemetry on
# data through the mapping: 8 x 256 KiB written, read back, also from the disk
dd if=/dev/urandom of=/tmp/azlxt-pat bs=256K count=8 status=none
dd if=/tmp/azlxt-pat of="/dev/mapper/$name" bs=256K oflag=direct status=none ||
	fail "write through $name"
dd if="/dev/mapper/$name" of=/tmp/azlxt-back bs=256K count=8 iflag=direct status=none ||
	fail "read through $name"
cmp -s /tmp/azlxt-pat /tmp/azlxt-back || fail "data read through $name differs"
dd if="/dev/$msft" of=/tmp/azlxt-back bs=256K count=8 iflag=direct status=none
cmp -s /tmp/azlxt-pat /tmp/azlxt-back || fail "data on $msft differs (offset?)"
# 16 I/Os of one unit each, 4 MiB: exactly what the target counted
units=$(status_field "$name" units)
bytes=$(status_field "$name" bytes)
assert_eq "$units" 16 "units dispatched"
assert_eq "$bytes" $((16 * 262144)) "bytes dispatched"

# disk show: the pacer, with the status the target reports
run 0 -j disk show --no-imds
p=$(printf '%s' "$out" | jq -c ".pacers[] | select(.name == \"$name\")")
[ -n "$p" ] || fail "disk show -j: no pacer $name: $out"
assert_eq "$(jq -r .disk <<<"$p")" "$msft" "show: disk"
assert_eq "$(jq -r .iops <<<"$p")" 2000 "show: iops"
assert_eq "$(jq -r .mbps <<<"$p")" 100 "show: mbps"
assert_eq "$(jq -r .units <<<"$p")" 16 "show: units"
assert_eq "$(jq -r .state <<<"$p")" pacing "show: state"
assert_eq "$(jq -r .inflight <<<"$p")/$(jq -r .inflight_max <<<"$p")" 0/38 "show: in-flight window"
assert_eq "$(jq -r .critical <<<"$p")" none "show: critical"
assert_eq "$(printf '%s' "$out" | jq -r ".disks[] | select(.name == \"$msft\") | .pacers[0]")" \
	"$name" "show: the disk lists its pacer"
run 0 disk show --no-imds
assert_match "$out" "paced by $name" "show text"
# without root: the budgets, and the pacers said to need root
out=$(setpriv --reuid=65534 --regid=65534 --clear-groups azlxnet disk show --no-imds 2>&1) ||
	fail "disk show as nobody: $out"
assert_match "$out" "pacers: unknown \\(device-mapper needs root\\)" "disk show as nobody"
# the telemetry saw the same bytes reach the disk below the mapping
t=$(printf '%s' "$(azlxnet -j disk show --no-imds)" | jq -c ".telemetry.disks[] | select(.disk == \"$msft\")")
[ -n "$t" ] || fail "disk show -j: no telemetry for $msft"
assert_eq "$(jq -r .write.bytes <<<"$t")" $((8 * 262144)) "telemetry: bytes written to $msft"
assert_eq "$(jq -r .read.bytes <<<"$t")" $((16 * 262144)) "telemetry: bytes read from $msft"
run 0 disk telemetry off

# --- refused, nothing created or changed -----------------------------------
before=$(mappings)
table=$(dmsetup table "$name")
check_unchanged()
{
	assert_eq "$(mappings)" "$before" "$1: mappings changed"
	assert_eq "$(dmsetup table "$name")" "$table" "$1: table changed"
}
run 1 disk pace "$msft" --budget 500,100
assert_match "$err" "$msft is already paced by $name" "pace twice"
check_unchanged "pace twice"
for args in "--budget 0,100" "--budget 500" "--budget 500,100,400,200" "--budget x,1" \
	"--budget 500,-1" "--budget 500,100,600,200,7" "--fraction 0" "--fraction 101" \
	"--fraction 9x" "--critical system.slice" "--name bad/name" "--root /"; do
	# shellcheck disable=SC2086
	run 2 disk pace "$nvme" $args
	assert_match "$err" "^Error: " "pace $args: message"
	check_unchanged "pace $args"
done
run 1 disk pace "$nvme" --budget 500,100 --critical /no/such/cgroup
assert_match "$err" "no such cgroup" "missing critical cgroup"
echo "0 8 linear /dev/$nvme 0" | dmsetup create azlxt-zero || fail "dmsetup create azlxt-zero"
run 1 disk pace "$nvme" --budget 500,100 --name azlxt-zero
assert_match "$err" "a device-mapper device named azlxt-zero exists" "name taken"
dmsetup remove azlxt-zero
run 1 disk pace nosuchdisk --budget 500,100
assert_match "$err" "nosuchdisk: no such block device" "missing device"
run 2 disk pace
run 2 disk pace "$nvme" extra
run 2 disk unpace
# no budget known for a disk that is not Azure's (no nvme_models in the config)
run 1 disk pace "$nvme" --no-imds
assert_match "$err" "not an Azure disk: give its budget" "auto budget on a non-Azure disk"
# a mounted disk
mke2fs -q -F -t ext4 "/dev/$nvme" || fail "mke2fs $nvme"
mnt=$(mktemp -d)
mount "/dev/$nvme" "$mnt" || fail "mount $nvme"
run 1 disk pace "$nvme" --budget 500,100
assert_match "$err" "$nvme is in use" "pace a mounted disk"
check_unchanged "pace a mounted disk"
umount "$mnt" && rmdir "$mnt"
mnt=

# --- unpace: refused while open, then removed --------------------------------
exec 3<"/dev/mapper/$name"
run 1 disk unpace "$name"
assert_match "$err" "$name is in use" "unpace while open"
check_unchanged "unpace while open"
exec 3<&-
run 1 disk unpace azlx-nosuch
assert_match "$err" "no dm-azlx mapping" "unpace a missing mapping"
run 0 disk unpace "$msft"
assert_match "$out" "removed $name \\($msft: 16 units" "unpace output"
[ -z "$(mappings)" ] || fail "mappings left after unpace: $(mappings)"
[ -e "/dev/mapper/$name" ] && fail "/dev/mapper/$name left after unpace"

# --- the budget from the configuration, the default critical cgroups --------
if [ ! -d "$SLICE" ]; then
	mkdir "$SLICE" || fail "mkdir $SLICE"
	made_slice=1
fi
cat >"$CONF" <<EOC
[disk lun0]
tier = P10
EOC
run 0 -j disk pace "/dev/$msft" --no-imds --fraction 90
assert_eq "$(jq -r .iops <<<"$out")/$(jq -r .burst_iops <<<"$out")" 500/3500 "P10 budget"
assert_eq "$(dmsetup table "$name")" \
	"0 $sectors azlx $devno 0 500 100 burst_iops=3500 burst_mbps=170 fraction=90 lat_target_us=50000 critical=/system.slice" \
	"P10 table"
assert_eq "$(jq -r .device <<<"$out")" "/dev/mapper/$name" "device"
# --dry-run shows the same and creates nothing
run 0 disk unpace "/dev/$msft"
run 0 -j disk pace "$msft" --no-imds --fraction 90 --dry-run
assert_eq "$(jq -r .table <<<"$out")" \
	"0 $sectors azlx $devno 0 500 100 burst_iops=3500 burst_mbps=170 fraction=90 lat_target_us=50000 critical=/system.slice" \
	"dry-run table"
[ -z "$(mappings)" ] || fail "--dry-run created $(mappings)"
rm -f "$CONF"

# --- the burst credit, carried from a mapping to the next --------------------
P10="--budget 500,100,3500,170 --critical none"
rm -rf "$CREDIT_DIR"
# credit_pct of the target's credit=IOS/BYTES, the smaller of the two
credit_pct_now()
{
	local c=${1%/*} b=${1#*/} u y
	u=$((c * 100 / (3000 * 1800)))
	y=$((b * 100 / (70 * 1800 * 1000000)))
	echo $((u < y ? u : y))
}
# no record (a node that booted): no credit, whatever Azure's bucket holds
# shellcheck disable=SC2086
run 0 -j disk pace "$msft" $P10
assert_eq "$(jq -r .credit_pct <<<"$out")" 0 "credit without a record"
assert_eq "$(dmsetup table "$name")" "0 $sectors azlx $devno 0 500 100 burst_iops=3500 burst_mbps=170 lat_target_us=50000" \
	"table without a record"
# (what the baseline left unused since is credit already: 0 % of a full one)
c=$(status_field "$name" credit)
assert_eq "$(credit_pct_now "$c")" 0 "no credit without a record ($c)"
run 0 disk unpace "$name"
# --credit: the table's credit_pct, the target's credit that share
# shellcheck disable=SC2086
run 0 -j disk pace "$msft" $P10 --credit 40
assert_eq "$(dmsetup table "$name")" \
	"0 $sectors azlx $devno 0 500 100 burst_iops=3500 burst_mbps=170 credit_pct=40 lat_target_us=50000" "--credit 40"
c=$(status_field "$name" credit)
assert_eq "$(credit_pct_now "$c")" 40 "credit of --credit 40 ($c)"
run 0 -j disk show --no-imds
p=$(printf '%s' "$out" | jq -c ".pacers[] | select(.name == \"$name\")")
assert_eq "$(jq -c '[.credit_pct, .lat_target_us]' <<<"$p")" "[40,50000]" \
	"show: credit_pct, lat_target_us (50 ms: the default where the budget bursts)"
# the closed loop's fields: absent from an older target, present from 1.3
if [ -n "$(status_field "$name" window_pct)" ]; then
	# no I/O since: the loop has nothing to judge
	assert_eq "$(jq -r .window_pct <<<"$p")" "$(status_field "$name" window_pct)" "show: window"
	assert_eq "$(jq -r .timed <<<"$p")" "$(status_field "$name" timed)" "show: timed"
else
	assert_eq "$(jq -c '[.window_pct, .timed, .slow, .shrinks, .grows]' <<<"$p")" \
		"[null,null,null,null,null]" "show: no window fields from this dm-azlx"
	echo "this dm-azlx reports no closed-loop status fields"
fi
azlxnet disk show --no-imds | sed -n "/^  $name /,/capped:/p"
# some I/O through it, then record it (the shutdown hook's command)
dd if="/dev/mapper/$name" of=/dev/null bs=256K count=64 iflag=direct status=none ||
	fail "read through $name"
sleep 1
run 0 -j disk record "$msft"
rec=$(jq -r .credit_pct <<<"$out")
file=$(jq -r .credit_file <<<"$out")
case "$rec" in 39 | 40) ;; *) fail "record: credit $rec%, expected 39 or 40: $out" ;; esac
assert_match "$file" "^$CREDIT_DIR/[A-Za-z0-9._-]+\\.credit\$" "record: file name"
[ -f "$file" ] || fail "record: no $file"
assert_eq "$(stat -c %a "$file")" 644 "record: file mode"
assert_eq "$(sed -n 's/^credit_pct=//p' "$file")" "$rec" "record: credit_pct in $file"
assert_eq "$(sed -n 's/^budget=//p' "$file")" 500,100,3500,170 "record: budget in $file"
t=$(sed -n 's/^time=//p' "$file")
[ $(($(date +%s) - t)) -ge 0 ] && [ $(($(date +%s) - t)) -le 5 ] || fail "record: time $t"
[ -z "$(find "$CREDIT_DIR" -name '*.tmp')" ] || fail "record left a temporary file"
[ "$(dmsetup table "$name")" ] || fail "record removed the mapping"
# unpace records it too; the next mapping starts from it (plus seconds of refill)
run 0 -j disk unpace "$msft"
rec=$(jq -r .credit_pct <<<"$out")
assert_eq "$(jq -r .credit_file <<<"$out")" "$file" "unpace: the same file"
assert_eq "$(sed -n 's/^credit_pct=//p' "$file")" "$rec" "unpace: credit_pct in $file"
# shellcheck disable=SC2086
run 0 -j disk pace "$msft" $P10
pct=$(jq -r .credit_pct <<<"$out")
[ "$pct" -ge "$rec" ] && [ "$pct" -le $((rec + 1)) ] ||
	fail "pace after unpace: credit $pct%, recorded $rec%"
assert_match "$(jq -r .credit_source <<<"$out")" "^$rec% recorded in $file [0-9]+ s ago\$" \
	"pace: credit source"
assert_eq "$(dmsetup table "$name")" \
	"0 $sectors azlx $devno 0 500 100 burst_iops=3500 burst_mbps=170 credit_pct=$pct lat_target_us=50000" \
	"table from the record"
c=$(status_field "$name" credit)
assert_eq "$(credit_pct_now "$c")" "$pct" "credit of the new mapping ($c)"
run 0 disk unpace "$msft"
# a record for another budget is ignored with a warning; pace succeeds
run 0 -j disk pace "$msft" --budget 500,100,3000,170 --critical none
assert_match "$err" "^Warning: burst credit: $file: for another budget" "other budget: warning"
assert_eq "$(jq -r .credit_pct <<<"$out")" 0 "other budget: no credit"
run 0 -j disk record "$name"
assert_eq "$(sed -n 's/^budget=//p' "$file")" 500,100,3000,170 "record: the new budget"
run 0 disk unpace "$name"
# no bursting: nothing to record, the record left as it was
cp "$file" /tmp/azlxt-back
run 0 disk pace "$msft" --budget 500,100 --critical none
run 0 disk record "$name"
assert_match "$out" "no burst credit to record" "record without bursting"
run 0 disk unpace "$name"
cmp -s "$file" /tmp/azlxt-back || fail "a mapping without bursting changed $file"
# --lat-target 0 is no key; a bad value is refused with nothing created
run 0 -j disk pace "$msft" --budget 500,100 --critical none --lat-target 0
assert_eq "$(dmsetup table "$name")" "0 $sectors azlx $devno 0 500 100" "--lat-target 0"
run 0 disk unpace "$name"
for v in -1 +5 10000001 x; do
	run 2 disk pace "$msft" --budget 500,100 --lat-target "$v"
	assert_match "$err" "^Error: --lat-target: " "--lat-target $v"
	[ -z "$(mappings)" ] || fail "--lat-target $v created $(mappings)"
done
run 1 disk record azlx-nosuch
assert_match "$err" "no dm-azlx mapping" "record a missing mapping"
echo "ok"
