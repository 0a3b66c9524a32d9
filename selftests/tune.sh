#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# azlxnet tune on the VM's stand-ins for an Azure node: a bond (hv_netvsc)
# with a veth VF, a SCSI disk that says Msft / Virtual Disk and an NVMe
# disk (scripts/vmtest adds both). Plan, apply, check every value in sysfs,
# run again (nothing to change), show (no drift), revert --dry-run (nothing
# changes), revert (every touched file byte for byte as before), and a
# failure injected midway (everything rolled back).

source "$(dirname "$0")/lib.sh"
require_root
require_cmd azlxnet jq ip modprobe

CONF=/etc/azlxnet/azlxnet.conf
STATE=/var/lib/azlxnet/tune.json

azure_standin_disks
model=$(sed 's/ *$//' "/sys/class/block/$nvme/device/model")

cleanup()
{
	azlxnet tune revert >/dev/null 2>&1
	ip link del azt_syn0 2>/dev/null
	ip link del azt_vf0 2>/dev/null
	rm -f "$CONF" "$STATE"
	cleanup_module
}
trap cleanup EXIT

mod_unload
nic_setup
modprobe azlxnet synthetic_drivers=bonding vf_drivers=veth || fail "modprobe azlxnet"
# the scheduler the plan wants, where the kernel has it as a module
modprobe -q mq-deadline 2>/dev/null
ip link add azt_syn0 type bond mode active-backup || fail "bond"
ip link add azt_vf0 numtxqueues 4 numrxqueues 4 type veth peer name azt_vf0p || fail "veth"
ip link set azt_vf0 master azt_syn0 || fail "enslave"
mkdir -p /etc/azlxnet
cat >"$CONF" <<EOC
[nic]
synthetic_drivers = bonding
vf_drivers = veth
[disk]
nvme_models = $model
[disk lun0]
tier = P10
EOC

# snapshot: every file the plan touches, byte for byte, and the ethtool
# settings as the kernel reports them
plan=$(azlxnet -j tune plan) || fail "tune plan"
mapfile -t paths < <(printf '%s' "$plan" | jq -r '.items[] | select(.path != null) | .path' | sort -u)
snapshot()
{
	local p
	for p in "${paths[@]}"; do
		printf '%s: ' "$p"
		od -An -c "$p" | tr -s ' \n' ' '
		echo
	done
	azlxnet -j tune plan | jq -c '.items[] | select(.path == null) | [.object, .setting, .current]'
	ls /sys/class/net/azt_vf0/queues
}
before=$(snapshot)

item()
{
	printf '%s' "$plan" | jq -r --arg o "$1" --arg s "$2" \
		'.items[] | select(.object == $o and .setting == $s) | "\(.current) -> \(.new)"'
}
ncpu=$(nproc)
assert_eq "$(item azt_vf0 'channels rx')" "4 -> $ncpu" "plan: veth rx channels"
assert_eq "$(item azt_vf0 'channels tx')" "4 -> $ncpu" "plan: veth tx channels"
assert_eq "$(item "$msft" device/queue_depth)" "$(cat "/sys/class/block/$msft/device/queue_depth") -> 70" \
	"plan: P10 queue depth (3500 IOPS x 20 ms)"
assert_eq "$(item "$msft" queue/read_ahead_kb)" "$(cat "/sys/class/block/$msft/queue/read_ahead_kb") -> 768" \
	"plan: P10 read-ahead"
assert_eq "$(item "$nvme" queue/io_timeout)" "$(cat "/sys/class/block/$nvme/queue/io_timeout") -> 240000" \
	"plan: Azure NVMe timeout"
assert_eq "$(item kernel net.ipv4.tcp_tw_reuse)" "$(cat /proc/sys/net/ipv4/tcp_tw_reuse) -> 1" "plan: tcp_tw_reuse"
changes=$(printf '%s' "$plan" | jq .changes)
[ "$changes" -ge 10 ] || fail "only $changes changes planned"

# apply: every value is in sysfs, every prior value in the state file
out=$(azlxnet -j tune apply) || fail "tune apply"
assert_eq "$(printf '%s' "$out" | jq .applied)" "$changes" "changes applied"
assert_eq "$(jq '.entries | length' "$STATE")" "$changes" "entries in the state file"
while IFS=$'\t' read -r path new; do
	v=$(cat "$path")
	case "$path" in
	*/scheduler) assert_match "$v" "\[$new\]" "$path" ;;
	*_cpus) assert_eq "$(printf '%s' "$v" | tr -d , | sed 's/^0*//')" \
		"$(printf '%s' "$new" | tr -d , | sed 's/^0*//')" "$path" ;;
	*) assert_eq "$v" "$new" "$path" ;;
	esac
done < <(printf '%s' "$out" | jq -r '.items[] | select(.change and .path != null) | "\(.path)\t\(.new)"')
assert_eq "$(ls /sys/class/net/azt_vf0/queues | grep -c '^rx-')" "$ncpu" "veth rx queues after tune"
assert_eq "$(cat "/sys/class/block/$msft/device/queue_depth")" 70 "queue_depth"
assert_eq "$(cat "/sys/class/block/$nvme/queue/io_timeout")" 240000 "io_timeout"

# a second run changes nothing and says so
sum=$(md5sum <"$STATE")
out=$(azlxnet tune apply) || fail "second tune apply"
assert_match "$out" "profile aks: 0 change\(s\)" "second run"
assert_match "$out" "nothing to change" "second run"
assert_match "$out" "applied 0 change\(s\)" "second run"
assert_eq "$(md5sum <"$STATE")" "$sum" "state file after the second run"

# show: every value recorded, none drifted
out=$(azlxnet -j tune show) || fail "tune show"
assert_eq "$(printf '%s' "$out" | jq -c '[.recorded, .drifted]')" "[$changes,0]" "tune show"

# revert --dry-run lists every value and changes nothing
tuned=$(snapshot)
out=$(azlxnet tune revert --dry-run) || fail "tune revert --dry-run"
assert_match "$out" "would restore $changes value\(s\); the state is kept" "revert --dry-run"
assert_eq "$(md5sum <"$STATE")" "$sum" "state file after revert --dry-run"
[ "$(snapshot)" = "$tuned" ] || fail "revert --dry-run changed something"

# revert restores everything exactly
out=$(azlxnet tune revert) || fail "tune revert"
assert_eq "$out" "restored $changes value(s); state removed" "revert"
[ ! -e "$STATE" ] || fail "state file left after revert"
after=$(snapshot)
[ "$before" = "$after" ] || fail "not restored: $(diff <(echo "$before") <(echo "$after") | head -20)"

# a failure midway: everything this run changed is rolled back
half=$((changes / 2))
out=$(AZLXNET_TUNE_FAIL_AT=$half azlxnet tune apply 2>&1) && fail "tune apply with an injected failure succeeded"
assert_match "$out" "failure injected by AZLXNET_TUNE_FAIL_AT=$half; every change of this run was rolled back" \
	"rollback message"
[ ! -e "$STATE" ] || fail "state file left after a rollback"
after=$(snapshot)
[ "$before" = "$after" ] || fail "not rolled back: $(diff <(echo "$before") <(echo "$after") | head -20)"
echo "tune: $changes changes planned, applied, checked, re-run, shown, reverted and rolled back"
