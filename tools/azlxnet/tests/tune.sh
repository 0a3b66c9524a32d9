#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Tests of azlxnet tune (plan, apply, revert, show, detect) and disk show on
# fake sysfs/procfs trees (mkfake.sh) of three nodes: every plan item checked
# for its current value, new value and reason; apply, a second run, revert
# compared byte for byte; injected failures rolled back, failed restores kept,
# an apply killed at every step; bad configuration and IMDS input.
# No root, no module, no network. TAP on stdout.
#
# Usage: tune.sh PATH-TO-AZLXNET

set -u

AZ=${1:?usage: tune.sh PATH-TO-AZLXNET}
DIR=$(cd "$(dirname "$0")" && pwd)
FIX=$DIR/fixtures
# the data files the tool reads when run from its build directory
DATA=$(cd "$DIR/../data" && pwd)
TIMEOUT=20

source "$(dirname "$0")/clilib.sh"
source "$(dirname "$0")/tunelib.sh"
clilib_init tune

# expect_item OBJECT SETTING CURRENT NEW REASON-SUBSTRING
expect_item() {
	local got cur new reason
	got=$(item "$1" "$2")
	cur=$(printf '%s' "$got" | jq -r '.[0] // "null"' 2>/dev/null) || fail "$1 $2: $got"
	new=$(printf '%s' "$got" | jq -r '.[1]')
	reason=$(printf '%s' "$got" | jq -r '.[2]')
	[ "$cur" = "$3" ] || fail "$1 $2: current '$cur', expected '$3'"
	[ "$new" = "$4" ] || fail "$1 $2: new '$new', expected '$4'"
	expect_has "$reason" "$5"
}

expect_no_item() {
	expect_eq "$(item "$1" "$2")" '"items: 0"'
}


# snapshot DIR: every file's path, link target, mode and content
snapshot() {
	(cd "$1" && find . -path ./var/lib/azlxnet -prune -o -printf '%p %y %l %m\n' | LC_ALL=C sort &&
		find . -path ./var/lib/azlxnet -prune -o -type f -print0 | LC_ALL=C sort -z |
		xargs -0 sha256sum)
}

same_tree() {	# same_tree SNAPSHOT DIR
	snapshot "$2" >"$tmp/snap.now"
	diff -u "$1" "$tmp/snap.now" >"$tmp/snap.diff" ||
		fail "tree differs from its snapshot: $(head -40 "$tmp/snap.diff")"
}

# ---- plans ----------------------------------------------------------------------

test_plan_azure2_no_imds() {
	local r
	r=$(fake azure-2)
	run -j tune plan --root "$r" --no-imds
	expect_rc 0
	jq_eq .profile '"aks"'
	jq_eq .changes 25
	jq_eq '[.items[] | select(.change)] | length' 25
	# NIC: two channels on two vCPUs already; LRO off on a forwarding node
	expect_item eth0 "channels combined" 2 2 "one channel per usable vCPU (netvsc: up to 64"
	expect_item eth0 "features rx-lro" on off "this node forwards"
	expect_no_item eth0 "rings rx"
	expect_no_item enP30832s1 "features rx-lro"
	expect_item enP30832s1 "channels combined" 2 2 "VF's RSS"
	expect_item eth0 "rx-0/rps_cpus" 0 0 "RPS off"
	expect_item eth0 "tx-0/xps_cpus" 0 1 "CPU i -> queue i mod N"
	expect_item eth0 "tx-1/xps_cpus" 0 2 "CPU i -> queue i mod N"
	expect_item enP30832s1 "tx-1/xps_cpus" 0 2 "CPU i -> queue i mod N"
	# VMBus: channels spread, the storvsc ones after netvsc's
	expect_item "eth0 000d3a6e" "channel 14 cpu" 0 0 "irqbalance cannot see them"
	expect_item "eth0 000d3a6e" "channel 15 cpu" 0 1 "spread netvsc channels"
	expect_item "host0 f8b3781a" "channel 14 cpu" 0 0 "spread storvsc channels"
	expect_item "host1 f8b3781b" "channel 14 cpu" 0 1 "spread storvsc channels"
	# the VF's queue interrupts follow the synthetic channels; mana_hwc stays
	expect_no_item enP30832s1 "irq 24 affinity"
	expect_item enP30832s1 "irq 25 affinity" 0-1 0 "VF queue 0 (mana_q0@pci:7870:00:00.0): on the CPU of synthetic channel N"
	expect_item enP30832s1 "irq 26 affinity" 0-1 1 "VF queue 1"
	# sysctls: at least the profile's values
	expect_item kernel net.core.somaxconn 4096 16384 "AKS-allowed; at least aks"
	expect_item kernel net.ipv4.tcp_tw_reuse 2 1 "exactly aks"
	expect_item kernel net.ipv4.neigh.default.gc_thresh3 1024 16384 "neighbour table"
	expect_no_item kernel net.core.rmem_max
	# disks: no IMDS, so the OS disk is AKS's default P10 for 2 vCPUs
	expect_item sda queue/scheduler none mq-deadline "Azure Disk CSI perf profile"
	expect_item sda device/queue_depth 2048 70 "3500 IOPS (P10) x 20 ms"
	expect_item sda queue/nr_requests 256 140 "2 x queue depth 70"
	expect_item sda queue/read_ahead_kb 128 768 "170 MB/s x 5.0 ms"
	expect_item sda queue/max_sectors_kb 1024 512 "<= 512"
	expect_item sdb queue/scheduler none mq-deadline "Azure Disk CSI"
	expect_no_item sdb device/queue_depth
	expect_no_item sda1 queue/scheduler
	jq_eq '[.notes[] | select(test("no IMDS data"))] | length' 1
	jq_eq '[.notes[] | select(test("sdb: budget unknown: local resource disk"))] | length' 1
}

test_plan_azure2_text() {
	local r
	r=$(fake azure-2)
	run tune plan --root "$r" --no-imds
	expect_rc 0
	expect_has "$out" "profile aks: 25 change(s), 8 setting(s) already as planned"
	expect_has "$out" "AREA    OBJECT"
	expect_has "$(grep 'sda  *device/queue_depth' "$tmp/out")" "2048"
	expect_has "$(grep 'sda  *device/queue_depth' "$tmp/out")" "70"
	expect_has "$out" "note: no IMDS data"
}

test_plan_azure2_imds() {
	local r
	r=$(fake azure-2)
	run -j tune plan --root "$r" --imds-file "$FIX/imds-azure-2.json"
	expect_rc 0
	# a D2s_v3 moves at most 3200 IOPS: below the P10's burst
	expect_item sda device/queue_depth 2048 64 "3200 IOPS (P10, VM cap) x 20 ms"
	expect_item sda queue/read_ahead_kb 128 256 "48 MB/s x 5.0 ms"
	jq_eq '[.notes[] | select(test("IMDS"))] | length' 0
	run -j disk show --root "$r" --imds-file "$FIX/imds-azure-2.json"
	expect_rc 0
	jq_eq '.vm | [.size, .iops, .mbps, .burst_iops]' '["Standard_D2s_v3",3200,48,null]'
	expect_has "$(printf '%s' "$out" | jq -r .vm.source)" "azure-vms.tsv:"
	jq_eq '.disks[0] | [.name,.kind,.tier,.iops,.mbps,.burst_iops,.burst_mbps,.iops_unit_kib]' \
		'["sda","os","P10",500,100,3500,170,256]'
	jq_eq '.disks[0].origin | [.from, .url, .read]' \
		'["data","https://learn.microsoft.com/en-us/azure/virtual-machines/disks-scalability-targets","2026-11-29"]'
	expect_has "$(printf '%s' "$out" | jq -r '.disks[0].source')" "Premium SSD P10 (128 GiB): $DATA/azure-disks.tsv:"
	expect_has "$(printf '%s' "$out" | jq -r '.disks[0].source')" "; type and size from $FIX/imds-azure-2.json"
	jq_eq '.disks[1] | [.name,.kind,.lun,.tier]' '["sdb","resource",1,null]'
}

test_plan_azure64() {
	local r n
	r=$(fake azure-64)
	run -j tune plan --root "$r" --imds-file "$FIX/imds-azure-64.json"
	expect_rc 0
	# NICs: 64 channels (netvsc's maximum), the RX ring raised, queues 8-63 to come
	for n in eth0 eth1 enP1s1 enP2s2; do
		expect_item $n "channels combined" 8 64 "per usable vCPU"
		expect_item $n "rx-63/rps_cpus" null 00000000,00000000 "RPS off"
		expect_no_item $n "rx-64/rps_cpus"
	done
	expect_item eth0 "rings rx" 1024 2048 "AKS raises the RX ring to 2048"
	expect_no_item enP1s1 "rings rx"
	expect_item eth0 "tx-0/xps_cpus" 00000000,00000000 00000000,00000001 "CPU i -> queue i mod N"
	expect_item eth1 "tx-63/xps_cpus" null 80000000,00000000 "CPU i -> queue i mod N"
	# VMBus: eth1's device is on NUMA node 1: CPUs 32-63
	expect_item "eth0 000d3a6e" "channel 21 cpu" 7 7 "spread netvsc"
	expect_item "eth1 000d3a6e" "channel 14 cpu" 0 32 "NUMA-local"
	expect_item "eth1 000d3a6e" "channel 21 cpu" 7 39 "NUMA-local"
	expect_no_item enP2s2 "irq 56 affinity"
	expect_item enP2s2 "irq 57 affinity" 0-63 32 "synthetic channel N"
	expect_item enP2s2 "irq 64 affinity" 0-63 39 "synthetic channel N"
	# disks: budgets from IMDS, queue depth = IOPS x 20 ms, read-ahead from MB/s
	expect_item nvme0n1 queue/nr_requests 1023 140 "2 x queue depth 70"
	expect_item nvme0n1 queue/io_timeout 30000 240000 "retries remote I/O for up to 120 s"
	expect_item nvme0n1 queue/scheduler none none "NVMe"
	expect_item nvme0n2 queue/nr_requests 1023 200 "queue depth 100"
	expect_item nvme0n2 queue/read_ahead_kb 128 1024 "200 MB/s"
	expect_item nvme0n3 queue/nr_requests 1023 140 "queue depth 70"
	expect_item nvme0n3 queue/read_ahead_kb 128 768 "170 MB/s"
	expect_item nvme0n4 queue/nr_requests 1023 32 "queue depth 12"
	expect_item nvme0n4 queue/read_ahead_kb 128 768 "150 MB/s"
	expect_item nvme0n5 queue/nr_requests 1023 200 "queue depth 100"
	expect_item nvme0n6 queue/nr_requests 1023 800 "queue depth 400"
	expect_item nvme0n6 queue/read_ahead_kb 128 4096 "1000 MB/s"
	expect_item nvme0n7 queue/nr_requests 1023 32 "queue depth 10"
	expect_item nvme0n7 queue/read_ahead_kb 128 256 "60 MB/s"
	expect_item nvme0n8 queue/nr_requests 1023 300 "queue depth 150"
	expect_item nvme0n9 queue/nr_requests 1023 140 "queue depth 70"
	expect_item nvme0n9 queue/max_sectors_kb 512 512 "<= 512"
	# the local NVMe temp disk: no budget, no timeout change
	expect_item nvme1n1 queue/scheduler none none "NVMe"
	expect_no_item nvme1n1 queue/io_timeout
	expect_no_item nvme1n1 queue/nr_requests
	run -j disk show --root "$r" --imds-file "$FIX/imds-azure-64.json"
	expect_rc 0
	jq_eq '[.disks[] | [.name, .kind, .lun, .tier, .iops, .mbps, .burst_iops, .burst_mbps]]' \
		'[["nvme0n1","os",null,"P15",1100,125,3500,170],["nvme0n2","data",0,"P30",5000,200,5000,200],["nvme0n3","data",1,"P20",2300,150,3500,170],["nvme0n4","data",2,"E15",500,60,600,150],["nvme0n5","data",3,"PremiumV2",5000,200,5000,200],["nvme0n6","data",4,"Ultra",20000,1000,20000,1000],["nvme0n7","data",5,"S30",500,60,500,60],["nvme0n8","data",6,"P50",7500,250,7500,250],["nvme0n9","data",7,"P4",120,25,3500,170],["nvme1n1","resource",null,null,null,null,null,null]]'
	jq_eq '.disks[6].iops_unit_kib' null
	jq_eq '[.disks[4].origin.from, .disks[5].origin.from, .disks[0].origin.from]' '["imds","imds","data"]'
}

test_plan_azure64_reserved() {
	local r
	r=$(fake azure-64)
	mkdir -p "$r/etc/azlxnet"
	printf '[tune]\nreserved_cpus = 0-3\n' >"$r/etc/azlxnet/azlxnet.conf"
	run -j tune plan --root "$r" --no-imds
	expect_rc 0
	# 60 usable vCPUs: 60 channels, and no channel or IRQ on CPUs 0-3
	expect_item eth0 "channels combined" 8 60 "per usable vCPU"
	expect_item "eth0 000d3a6e" "channel 14 cpu" 0 4 "spread"
	jq_eq '[.items[] | select(.area == "vmbus" or .area == "irq") | .new | tonumber | select(. < 4)] | length' 0
	expect_item eth0 "tx-0/xps_cpus" 00000000,00000000 00000000,00000010 "CPU i"
}

test_plan_plain() {
	local r
	r=$(fake plain)
	run -j tune plan --root "$r"
	expect_rc 0
	jq_eq '[.items[].area] | unique' '["sysctl"]'
	expect_item kernel net.core.somaxconn 4096 16384 "AKS-allowed"
	expect_no_item sda queue/scheduler
	expect_no_item eth0 "channels combined"
	jq_eq '[.notes[] | select(test("not an Azure VM"))] | length' 1
	run -j tune detect --root "$r"
	expect_rc 0
	jq_eq '.platform | [.hyperv, .azure, .vmbus, .cpuid_vendor]' '[false,false,false,null]'
	jq_eq '.disks | [.[] | [.name, .azure, .kind]]' '[["sda",false,"unknown"]]'
}

test_profiles() {
	local r
	r=$(fake azure-2)
	run -j tune plan --root "$r" --no-imds --profile latency
	expect_rc 0
	jq_eq .profile '"latency"'
	expect_item sda device/queue_depth 2048 35 "x 10 ms"
	expect_item sda queue/read_ahead_kb 128 256 "x 2.5 ms"
	expect_item sda queue/max_sectors_kb 1024 256 "at most 256 KiB"
	expect_item kernel net.core.netdev_max_backlog 1000 4096 "at least latency"
	run -j tune plan --root "$r" --no-imds --profile throughput
	expect_rc 0
	expect_item sda device/queue_depth 2048 175 "x 50 ms"
	expect_item sda queue/read_ahead_kb 128 1536 "x 10.0 ms"
	expect_item kernel net.core.rmem_max 212992 16777216 "at least throughput"
	run tune plan --root "$r" --profile fast
	expect_rc 2
	expect_eq "$err" 'Error: unknown profile "fast" (aks, latency or throughput)'
}

test_detect_azure64() {
	local r
	r=$(fake azure-64)
	run -j tune detect --root "$r"
	expect_rc 0
	jq_eq '.platform | [.hyperv, .azure, .vmbus, .sys_vendor]' '[true,true,true,"Microsoft Corporation"]'
	jq_eq '.cpus | [.online, .numa_nodes, .nodes]' '[64,2,["0-31","32-63"]]'
	jq_eq '.features | [.btf, .netkit, .io_cgroup, .iocost]' '[true,true,true,true]'
	jq_eq '[.nics[] | [.synthetic.name, .synthetic.driver, .vf.name, .vf.driver, .vf.numa_node]]' \
		'[["eth0","hv_netvsc","enP1s1","mana",0],["eth1","hv_netvsc","enP2s2","mana",1]]'
	jq_eq '[.vmbus[] | [.class, .name, .numa_node, (.channels | length)]]' \
		'[["netvsc","eth0",0,8],["netvsc","eth1",1,8]]'
	jq_eq '[.disks[] | "\(.name):\(.kind):\(.lun)"] | join(" ")' \
		'"nvme0n1:os:null nvme0n2:data:0 nvme0n3:data:1 nvme0n4:data:2 nvme0n5:data:3 nvme0n6:data:4 nvme0n7:data:5 nvme0n8:data:6 nvme0n9:data:7 nvme1n1:resource:null"'
	run tune detect --root "$r"
	expect_rc 0
	expect_has "$out" "hyper-v: yes, azure: yes, vmbus: yes"
	expect_has "$out" "cpus: 64 (0-63), 2 NUMA node(s)"
}

# ---- apply and revert -------------------------------------------------------------

# roundtrip TYPE ARGS...: apply, check values, second run, revert, compare
roundtrip() {
	local type=$1 r snap
	shift
	r=$(fake "$type")
	snap=$tmp/snap.$type
	snapshot "$r" >"$snap"
	run -j tune apply --root "$r" --state-dir "$tmp/state.$type" "$@"
	expect_rc 0
	applied=$(printf '%s' "$out" | jq .applied)
	[ "$applied" -gt 0 ] || fail "nothing applied"
	state=$(cat "$tmp/state.$type/tune.json")
	expect_eq "$(printf '%s' "$state" | jq '.entries | length')" "$applied"
	# every planned value is now in the tree
	printf '%s' "$out" | jq -r '.items[] | select(.change and .path != null) | "\(.path)\t\(.new)"' |
	while IFS=$'\t' read -r path new; do
		v=$(cat "$r$path")
		case "$path" in
		*/scheduler) expect_has "$v" "[$new]" ;;
		*) [ "$v" = "$new" ] || [ "$(printf '%s' "$v" | tr -d ',0')" = "$(printf '%s' "$new" | tr -d ',0')" ] ||
			fail "$path: '$v', expected '$new'" ;;
		esac
	done
	# a second run changes nothing and says so
	run tune apply --root "$r" --state-dir "$tmp/state.$type" "$@"
	expect_rc 0
	expect_has "$out" "profile aks: 0 change(s)"
	expect_has "$out" "nothing to change"
	expect_has "$out" "applied 0 change(s)"
	expect_eq "$(cat "$tmp/state.$type/tune.json")" "$state"
	run -j tune revert --root "$r" --state-dir "$tmp/state.$type"
	expect_rc 0
	jq_eq .restored "$applied"
	[ ! -e "$tmp/state.$type/tune.json" ] || fail "state left after revert"
	same_tree "$snap" "$r"
	run tune revert --root "$r" --state-dir "$tmp/state.$type"
	expect_rc 0
	expect_eq "$out" "restored 0 value(s): nothing was recorded"
}

test_apply_revert_azure2() {
	roundtrip azure-2 --no-imds
	expect_eq "$applied" 25
}

test_apply_revert_azure64() {
	roundtrip azure-64 --imds-file "$FIX/imds-azure-64.json"
}

test_apply_state_default_dir() {
	local r
	r=$(fake azure-2)
	run tune apply --root "$r" --no-imds
	expect_rc 0
	expect_has "$out" "prior values in $(cd "$r" && pwd -P)/var/lib/azlxnet"
	expect_eq "$(jq -r '.entries[] | select(.path == "/sys/class/block/sda/queue/nr_requests") | [.prior, .new] | join(" ")' \
		"$r/var/lib/azlxnet/tune.json")" "256 140"
	expect_eq "$(cat "$r/sys/class/block/sda/queue/nr_requests")" 140
	expect_eq "$(cat "$r/sys/class/block/sda/queue/scheduler")" "none [mq-deadline] kyber"
	expect_eq "$(cat "$r/ethtool/eth0/features.rx-lro")" off
	# a later run with other values keeps the first prior value
	run tune apply --root "$r" --no-imds --profile latency
	expect_rc 0
	expect_eq "$(cat "$r/sys/class/block/sda/queue/nr_requests")" 70
	expect_eq "$(jq -r '[.entries[] | select(.path == "/sys/class/block/sda/queue/nr_requests")] | length' \
		"$r/var/lib/azlxnet/tune.json")" 1
	expect_eq "$(jq -r '.entries[] | select(.path == "/sys/class/block/sda/queue/nr_requests") | .prior' \
		"$r/var/lib/azlxnet/tune.json")" 256
	run tune revert --root "$r"
	expect_rc 0
	expect_eq "$(cat "$r/sys/class/block/sda/queue/nr_requests")" 256
	expect_eq "$(cat "$r/sys/class/block/sda/queue/scheduler")" "[none] mq-deadline kyber"
	[ ! -e "$r/var/lib/azlxnet/tune.json" ] || fail "state left"
}

test_dry_run_changes_nothing() {
	local r
	r=$(fake azure-64)
	snapshot "$r" >"$tmp/snap"
	run tune plan --root "$r" --imds-file "$FIX/imds-azure-64.json"
	expect_rc 0
	same_tree "$tmp/snap" "$r"
	[ ! -e "$r/var/lib/azlxnet" ] || fail "dry run created the state directory"
}

test_injected_failure_rolls_back() {
	local r n
	r=$(fake azure-64)
	snapshot "$r" >"$tmp/snap"
	for n in 1 2 150 306; do
		rc=0
		AZLXNET_TUNE_FAIL_AT=$n timeout "$TIMEOUT" "$AZ" tune apply --root "$r" \
			--imds-file "$FIX/imds-azure-64.json" >"$tmp/out" 2>"$tmp/err" || rc=$?
		out=$(cat "$tmp/out")
		err=$(cat "$tmp/err")
		expect_rc 1
		expect_has "$err" "failure injected by AZLXNET_TUNE_FAIL_AT=$n"
		if [ $n = 1 ]; then
			expect_has "$err" "eth0 channels combined"
			expect_has "$err" "; nothing was changed"
		else
			expect_has "$err" "; every change of this run was rolled back"
		fi
		same_tree "$tmp/snap" "$r"
		[ ! -e "$r/var/lib/azlxnet/tune.json" ] || fail "state left after a rollback"
	done
}

# fullsnap DIR: like snapshot, the state directory included
fullsnap() {
	(cd "$1" && find . -printf '%p %y %l %m\n' | LC_ALL=C sort &&
		find . -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum)
}

# revert --dry-run lists what it would restore and changes nothing: not the
# tree, not the state.
test_revert_dry_run_changes_nothing() {
	local r st
	r=$(fake azure-2)
	st=$tmp/st.dry
	run tune apply --root "$r" --state-dir "$st" --no-imds
	expect_rc 0
	{ fullsnap "$r"; fullsnap "$st"; } >"$tmp/snap"
	run tune revert --dry-run --root "$r" --state-dir "$st"
	{ fullsnap "$r"; fullsnap "$st"; } >"$tmp/snap.now"
	diff -u "$tmp/snap" "$tmp/snap.now" >"$tmp/snap.diff" ||
		fail "revert --dry-run changed something: $(head -40 "$tmp/snap.diff")"
	expect_rc 0
	expect_has "$out" "would restore 25 value(s); the state is kept"
	expect_has "$(grep 'sda queue/nr_requests' "$tmp/out")" "140 -> 256"
	expect_has "$(grep 'eth0 features rx-lro' "$tmp/out")" "off -> on"
	run -j tune revert --dry-run --root "$r" --state-dir "$st"
	expect_rc 0
	jq_eq '[.dry_run, .restored, (.entries | length)]' '[true,25,25]'
	jq_eq '.entries[] | select(.name == "sda queue/nr_requests") | [.now, .prior]' '["140","256"]'
	{ fullsnap "$r"; fullsnap "$st"; } >"$tmp/snap.now"
	diff -u "$tmp/snap" "$tmp/snap.now" >"$tmp/snap.diff" ||
		fail "revert --dry-run -j changed something: $(head -40 "$tmp/snap.diff")"
	# nothing recorded: nothing created either
	r=$(fake azure-2)
	run tune revert --dry-run --root "$r" --state-dir "$tmp/st.none"
	expect_rc 0
	expect_eq "$out" "would restore 0 value(s): nothing was recorded"
	[ ! -e "$tmp/st.none" ] || fail "revert --dry-run created the state directory"
}

# revert needs only the state: a broken configuration does not block it.
test_revert_ignores_broken_config() {
	local r
	r=$(fake azure-2)
	snapshot "$r" >"$tmp/snap"
	run tune apply --root "$r" --no-imds
	expect_rc 0
	mkdir -p "$r/etc/azlxnet"
	printf '[disks]\nqueue_dept = x\n' >"$r/etc/azlxnet/azlxnet.conf"
	run tune revert --root "$r"
	expect_rc 0
	expect_eq "$out" "restored 25 value(s); state removed"
	expect_eq "$err" ""
	rm -r "$r/etc/azlxnet"
	same_tree "$tmp/snap" "$r"
	[ ! -e "$r/var/lib/azlxnet/tune.json" ] || fail "state left"
}

# A revert that cannot restore a value keeps exactly that one in the state;
# the next revert restores it.
test_revert_keeps_unrestored() {
	local r st nr=/sys/class/block/sda/queue/nr_requests
	local xps=/sys/class/net/eth0/queues/tx-1/xps_cpus
	r=$(fake azure-2)
	st=$tmp/st.keep
	snapshot "$r" >"$tmp/snap"
	run tune apply --root "$r" --state-dir "$st" --no-imds
	expect_rc 0
	# nr_requests cannot be written (a directory where the file was);
	# xps_cpus fails by the test hook
	mv "$r$nr" "$tmp/nr_requests"
	mkdir "$r$nr"
	rc=0
	AZLXNET_TUNE_RESTORE_FAIL_AT=$xps timeout "$TIMEOUT" "$AZ" tune revert --root "$r" \
		--state-dir "$st" >"$tmp/out" 2>"$tmp/err" || rc=$?
	out=$(cat "$tmp/out")
	err=$(cat "$tmp/err")
	expect_rc 1
	expect_has "$err" "Warning: sda queue/nr_requests: cannot restore \"256\": writing \"256\" to $nr: Is a directory"
	expect_has "$err" "Warning: eth0 tx-1/xps_cpus: cannot restore \"0\": $xps: failure injected by AZLXNET_TUNE_RESTORE_FAIL_AT"
	expect_has "$err" "Error: 2 of 25 recorded value(s) could not be restored (kept in $st/tune.json)"
	expect_eq "$(jq -c '[.entries[] | [.path, .prior, .new]]' "$st/tune.json")" \
		"[[\"$xps\",\"0\",\"2\"],[\"$nr\",\"256\",\"140\"]]"
	expect_eq "$(cat "$r$xps")" 2
	expect_eq "$(cat "$r/sys/class/block/sda/queue/read_ahead_kb")" 128
	rmdir "$r$nr"
	mv "$tmp/nr_requests" "$r$nr"
	expect_eq "$(cat "$r$nr")" 140
	run tune revert --root "$r" --state-dir "$st"
	expect_rc 0
	expect_eq "$out" "restored 2 value(s); state removed"
	same_tree "$tmp/snap" "$r"
	[ ! -e "$st/tune.json" ] || fail "state left"
}

# A rollback that cannot restore a value keeps it in the state for revert.
test_rollback_keeps_unrestored() {
	local r st xps=/sys/class/net/eth0/queues/tx-0/xps_cpus
	r=$(fake azure-2)
	st=$tmp/st.rb
	snapshot "$r" >"$tmp/snap"
	rc=0
	AZLXNET_TUNE_FAIL_AT=6 AZLXNET_TUNE_RESTORE_FAIL_AT=$xps timeout "$TIMEOUT" "$AZ" tune apply \
		--root "$r" --state-dir "$st" --no-imds >"$tmp/out" 2>"$tmp/err" || rc=$?
	out=$(cat "$tmp/out")
	err=$(cat "$tmp/err")
	expect_rc 1
	expect_has "$err" "Warning: eth0 tx-0/xps_cpus: cannot restore \"0\": $xps: failure injected by AZLXNET_TUNE_RESTORE_FAIL_AT"
	expect_has "$err" "failure injected by AZLXNET_TUNE_FAIL_AT=6; 1 change(s) could not be rolled back (kept in $st/tune.json for \"azlxnet tune revert\")"
	expect_eq "$(jq -c '[.entries[] | [.path, .prior, .new]]' "$st/tune.json")" \
		"[[\"$xps\",\"0\",\"1\"]]"
	expect_eq "$(cat "$r$xps")" 1
	run tune revert --root "$r" --state-dir "$st"
	expect_rc 0
	expect_eq "$out" "restored 1 value(s); state removed"
	same_tree "$tmp/snap" "$r"
}

# An apply killed (SIGKILL) at any step leaves a state from which revert
# restores the tree byte for byte.
test_apply_killed_at_every_step() {
	local r st n=0 kills=0 snap
	r=$(fake azure-2)
	st=$tmp/st.kill
	snap=$tmp/snap.kill
	snapshot "$r" >"$snap"
	while :; do
		n=$((n + 1))
		[ $n -le 500 ] || fail "apply still killed at step $n"
		rc=0
		AZLXNET_TUNE_KILL_AT=$n timeout "$TIMEOUT" "$AZ" tune apply --root "$r" \
			--state-dir "$st" --no-imds >"$tmp/out" 2>"$tmp/err" || rc=$?
		out=$(cat "$tmp/out")
		err=$(cat "$tmp/err")
		[ $rc -eq 0 ] && break
		[ $rc -eq 137 ] || fail "step $n: exit code $rc, expected 137 (SIGKILL)"
		kills=$((kills + 1))
		if [ -e "$st/tune.json" ]; then
			jq -e '.entries | length > 0' "$st/tune.json" >/dev/null ||
				fail "step $n: state not valid: $(cat "$st/tune.json")"
		fi
		run tune revert --root "$r" --state-dir "$st"
		expect_rc 0
		same_tree "$snap" "$r" || { echo "after SIGKILL at step $n"; return 1; }
		[ ! -e "$st/tune.json" ] || fail "step $n: state left after revert"
	done
	# the steps: the prior values recorded (state written, state in place),
	# each of the 25 values written, the final state (written, in place)
	[ $kills -eq 29 ] || fail "apply was interrupted $kills time(s), expected 29"
	expect_has "$out" "applied 25 change(s)"
	run tune revert --root "$r" --state-dir "$st"
	expect_rc 0
	same_tree "$snap" "$r"
}

# tune show: what was applied and whether it still holds.
test_show_drift() {
	local r st nr=/sys/class/block/sda/queue/nr_requests
	r=$(fake azure-2)
	st=$tmp/st.show
	run tune show --root "$r" --state-dir "$st"
	expect_rc 0
	expect_eq "$out" "nothing was recorded in $st"
	[ ! -e "$st" ] || fail "show created the state directory"
	run tune apply --root "$r" --state-dir "$st" --no-imds
	expect_rc 0
	{ fullsnap "$r"; fullsnap "$st"; } >"$tmp/snap"
	run tune show --root "$r" --state-dir "$st"
	expect_rc 0
	expect_has "$out" "25 value(s) recorded in $st/tune.json, 0 drifted"
	expect_has "$out" "NAME"
	expect_has "$(grep 'sda queue/nr_requests' "$tmp/out")" "256"
	expect_has "$(grep 'sda queue/nr_requests' "$tmp/out")" "140"
	expect_has "$(grep 'sda queue/nr_requests' "$tmp/out")" "holds"
	echo 99 >"$r$nr"
	run tune show --root "$r" --state-dir "$st"
	expect_rc 0
	expect_has "$out" "25 value(s) recorded in $st/tune.json, 1 drifted"
	expect_has "$(grep 'sda queue/nr_requests' "$tmp/out")" "drift"
	run -j tune show --root "$r" --state-dir "$st"
	expect_rc 0
	jq_eq '[(.entries | length), .drifted]' '[25,1]'
	jq_eq '[.entries[] | select(.drift) | [.name, .path, .prior, .new, .now]]' \
		"[[\"sda queue/nr_requests\",\"$nr\",\"256\",\"140\",\"99\"]]"
	jq_eq '.entries[] | select(.name == "eth0 features rx-lro") | [.kind, .device, .setting, .now, .drift]' \
		'["ethtool","eth0","features rx-lro","off",false]'
	echo 140 >"$r$nr"
	{ fullsnap "$r"; fullsnap "$st"; } >"$tmp/snap.now"
	diff -u "$tmp/snap" "$tmp/snap.now" >"$tmp/snap.diff" ||
		fail "show changed something: $(head -40 "$tmp/snap.diff")"
}

# One grammar: tune plan, apply, revert, show, detect; the old spellings work
# with a warning naming the new one.
test_cli_grammar() {
	local r plan
	r=$(fake azure-2)
	run -j tune plan --root "$r" --no-imds
	expect_rc 0
	expect_eq "$err" ""
	plan=$out
	jq_eq .changes 25
	run -j tune --dry-run --root "$r" --no-imds
	expect_rc 0
	expect_eq "$out" "$plan"
	expect_eq "$err" 'Warning: "azlxnet tune --dry-run" is deprecated: use "azlxnet tune plan"'
	run -j detect --root "$r"
	expect_rc 0
	expect_eq "$err" 'Warning: "azlxnet detect" is deprecated: use "azlxnet tune detect"'
	jq_eq .platform.azure true
	run -j tune detect --root "$r"
	expect_rc 0
	expect_eq "$err" ""
	jq_eq .platform.azure true
	snapshot "$r" >"$tmp/snap"
	run tune --root "$r" --no-imds
	expect_rc 0
	expect_eq "$err" 'Warning: "azlxnet tune" is deprecated: use "azlxnet tune apply"'
	expect_has "$out" "applied 25 change(s)"
	run revert --dry-run --root "$r"
	expect_rc 0
	expect_eq "$err" 'Warning: "azlxnet revert" is deprecated: use "azlxnet tune revert"'
	expect_has "$out" "would restore 25 value(s); the state is kept"
	run revert --root "$r"
	expect_rc 0
	expect_eq "$out" "restored 25 value(s); state removed"
	same_tree "$tmp/snap" "$r"
	# abbreviations, as for every object
	run -j tun pl --root "$r" --no-imds
	expect_rc 0
	expect_eq "$out" "$plan"
	run tune frob
	expect_rc 2
	expect_eq "$err" 'Error: unknown command "frob" for "azlxnet tune" (try "azlxnet tune help")'
	run tune plan extra
	expect_rc 2
	expect_eq "$err" 'Error: "tune plan" takes no argument: "extra"'
	run tune help
	expect_rc 0
	expect_has "$out" "Usage: azlxnet tune plan [ --profile PROFILE ] [ --persist ] [ --all ]"
	expect_has "$out" "       azlxnet tune apply [ --profile PROFILE ] [ --persist ] [ --all ]"
	expect_has "$out" "       azlxnet tune revert [ --dry-run ] [ --root DIR ] [ --state-dir DIR ]"
	expect_has "$out" "       azlxnet tune show [ --root DIR ] [ --state-dir DIR ]"
	expect_has "$out" "       azlxnet tune detect [ --config FILE ] [ --imds-file FILE | --no-imds ]"
	run tune revert help
	expect_rc 0
	expect_eq "$out" "Usage: azlxnet tune revert [ --dry-run ] [ --root DIR ] [ --state-dir DIR ]"
}

# Every option is checked per command: one a command does not take is a
# usage error, never ignored.
test_cli_options_per_command() {
	local r cmd opt want
	r=$(fake azure-2)
	run tune apply --root "$r" --state-dir "$tmp/st.opt" --no-imds
	expect_rc 0
	{ fullsnap "$r"; fullsnap "$tmp/st.opt"; } >"$tmp/snap"
	while IFS='|' read -r cmd opt want; do
		# shellcheck disable=SC2086
		run $cmd $opt --root "$r" --state-dir "$tmp/st.opt"
		expect_rc 2
		case $cmd in
		tune\ *) expect_eq "$err" "Error: $want" ;;
		*) expect_eq "$err" "Warning: \"azlxnet $cmd\" is deprecated: use \"azlxnet tune $cmd\"
Error: $want" ;;
		esac
	done <<'EOT'
tune revert|--profile aks|option "--profile" is not for "tune revert"
tune revert|--persist|option "--persist" is not for "tune revert"
tune revert|--all|option "--all" is not for "tune revert"
tune revert|--imds-file x.json|option "--imds-file" is not for "tune revert"
tune revert|--no-imds|option "--no-imds" is not for "tune revert"
tune revert|--config x.conf|option "--config" is not for "tune revert"
revert|--profile aks|option "--profile" is not for "tune revert"
revert|-profile aks|option "-profile" is not for "tune revert"
tune show|--dry-run|option "--dry-run" is not for "tune show"
tune show|--all|option "--all" is not for "tune show"
tune detect|--all|option "--all" is not for "tune detect"
tune detect|--profile aks|option "--profile" is not for "tune detect"
detect|--state-dir x|option "--state-dir" is not for "tune detect"
tune apply|--dry-run|option "--dry-run" is not for "tune apply" (use "tune plan")
tune plan|--dry-run|option "--dry-run" is not for "tune plan"
EOT
	run tune plan --root "$r" --state-dir "$tmp/st.opt"
	expect_rc 2
	expect_eq "$err" 'Error: option "--state-dir" is not for "tune plan"'
	run tune detect --root "$r" --state-dir "$tmp/st.opt"
	expect_rc 2
	expect_eq "$err" 'Error: option "--state-dir" is not for "tune detect"'
	run -j tune revert --persist --root "$r" --state-dir "$tmp/st.opt"
	expect_rc 2
	jq_eq .error '"option \"--persist\" is not for \"tune revert\""'
	run status --dry-run
	expect_rc 2
	expect_eq "$err" 'Error: option "--dry-run" is only for "tune" and "disk"'
	{ fullsnap "$r"; fullsnap "$tmp/st.opt"; } >"$tmp/snap.now"
	diff -u "$tmp/snap" "$tmp/snap.now" >"$tmp/snap.diff" ||
		fail "a refused command changed something: $(head -40 "$tmp/snap.diff")"
}

# As an unprivileged user (root passes file modes): a read-only file midway.
test_unwritable_file_rolls_back() {
	local r as=()
	r=$(fake azure-2)
	if [ "$(id -u)" -eq 0 ]; then
		command -v setpriv >/dev/null || { echo "needs setpriv"; exit 4; }
		chown -R 65534:65534 "$r"
		as=(setpriv --reuid=65534 --regid=65534 --clear-groups)
	fi
	chmod 0444 "$r/sys/class/block/sda/queue/read_ahead_kb"
	snapshot "$r" >"$tmp/snap"
	rc=0
	timeout "$TIMEOUT" "${as[@]}" "$AZ" tune apply --root "$r" --no-imds >"$tmp/out" 2>"$tmp/err" || rc=$?
	out=$(cat "$tmp/out")
	err=$(cat "$tmp/err")
	expect_rc 1
	expect_eq "$err" 'Error: sda queue/read_ahead_kb: writing "768" to /sys/class/block/sda/queue/read_ahead_kb: Permission denied; every change of this run was rolled back'
	same_tree "$tmp/snap" "$r"
	[ ! -e "$r/var/lib/azlxnet/tune.json" ] || fail "state left after a rollback"
}

test_lock_excludes_concurrent_runs() {
	local r pid lock
	command -v flock >/dev/null || { echo "needs flock"; exit 4; }
	r=$(fake azure-2)
	lock=$r/var/lib/azlxnet/tune.lock
	mkdir -p "$r/var/lib/azlxnet"
	snapshot "$r" >"$tmp/snap"
	# another run holds the lock (the sleep does not inherit it)
	( exec 9>"$lock" && flock 9 && sleep 30 9>&- ) &
	pid=$!
	for _ in $(seq 50); do
		flock -n "$lock" true 2>/dev/null || break
		sleep 0.1
	done
	run tune apply --root "$r" --no-imds
	kill "$pid"
	wait "$pid" 2>/dev/null || true
	expect_rc 1
	expect_eq "$err" "Error: another azlxnet tune or revert is running (it holds $(cd "$r" && pwd -P)/var/lib/azlxnet/tune.lock)"
	run tune revert --root "$r"
	expect_rc 0
	expect_eq "$out" "restored 0 value(s): nothing was recorded"
	same_tree "$tmp/snap" "$r"
}

test_module_not_loaded_under_root() {
	local r
	r=$(fake azure-2)
	rm -rf "$r/sys/module/azlxnet"
	run -j tune plan --root "$r" --no-imds
	expect_rc 0
	expect_item azlxnet state "not loaded" loaded "synthetic_drivers=hv_netvsc vf_drivers=mana,mlx5_core,mlx4_en"
	snapshot "$r" >"$tmp/snap"
	run tune apply --root "$r" --no-imds
	expect_rc 1
	expect_eq "$err" "Error: azlxnet state: modules cannot be loaded under --root; nothing was changed"
	same_tree "$tmp/snap" "$r"
}

test_persist_modprobe_conf() {
	local r
	r=$(fake azure-2)
	mkdir -p "$r/etc/azlxnet"
	printf '[nic]\nvf_drivers = mana\n' >"$r/etc/azlxnet/azlxnet.conf"
	snapshot "$r" >"$tmp/snap"
	run -j tune apply --root "$r" --no-imds --persist --state-dir "$tmp/st"
	expect_rc 0
	expect_item azlxnet modprobe.d absent "as planned" "--persist"
	expect_item azlxnet vf_drivers mana,mlx5_core,mlx4_en mana "set in /etc/azlxnet/azlxnet.conf:2"
	expect_eq "$(cat "$r/etc/modprobe.d/azlxnet.conf" | tail -n 1)" "options azlxnet synthetic_drivers=hv_netvsc vf_drivers=mana"
	expect_eq "$(cat "$r/sys/module/azlxnet/parameters/vf_drivers")" mana
	run tune revert --root "$r" --state-dir "$tmp/st"
	expect_rc 0
	[ ! -e "$r/etc/modprobe.d/azlxnet.conf" ] || fail "modprobe.d file left"
	same_tree "$tmp/snap" "$r"
}

# A reboot resets what tune wrote to sysfs and procfs: a state file from an
# earlier boot restores only the configuration files it wrote.
test_state_from_earlier_boot() {
	local r
	r=$(fake azure-2)
	run tune apply --root "$r" --no-imds --persist
	expect_rc 0
	expect_eq "$(jq -r .boot_id "$r/var/lib/azlxnet/tune.json")" 5b1c7e0a-3f4d-4a8e-9d2b-6c1f0e9a7d31
	[ -e "$r/etc/modprobe.d/azlxnet.conf" ] || fail "no modprobe.d file"
	echo 0f9e8d7c-6b5a-4938-8271-605f4e3d2c1b >"$r/proc/sys/kernel/random/boot_id"
	run tune revert --root "$r"
	expect_rc 0
	expect_eq "$out" "restored 1 value(s); state removed"
	expect_has "$err" "is from an earlier boot: only its configuration files are kept"
	[ ! -e "$r/etc/modprobe.d/azlxnet.conf" ] || fail "modprobe.d file left"
	# what the kernel would have reset is not written back
	expect_eq "$(cat "$r/sys/class/block/sda/queue/nr_requests")" 140
	[ ! -e "$r/var/lib/azlxnet/tune.json" ] || fail "state left"
}

# ---- configuration -------------------------------------------------------------------

# bad_conf TEXT ERROR: the config is refused with ERROR and nothing changes
bad_conf() {
	local r
	r=$(fake azure-2)
	mkdir -p "$r/etc/azlxnet"
	printf '%b' "$1" >"$r/etc/azlxnet/azlxnet.conf"
	snapshot "$r" >"$tmp/snap"
	run tune apply --root "$r" --no-imds
	expect_rc 1
	expect_eq "$err" "Error: /etc/azlxnet/azlxnet.conf:$2"
	expect_eq "$out" ""
	same_tree "$tmp/snap" "$r"
	run -j tune plan --root "$r" --no-imds
	expect_rc 1
	expect_eq "$(printf '%s' "$out" | jq -r .error)" "/etc/azlxnet/azlxnet.conf:$2"
}

test_conf_unknown_key() {
	bad_conf '[tune]\nprofile = aks\n\n[disk]\nqueue_dept = 64\n' \
		'5: [disk] queue_dept: unknown key'
}

test_conf_unknown_section() {
	bad_conf '# comment\n[disks]\nqueue_depth = 64\n' \
		'3: [disks]: unknown section (tune, imds, nic, vm, disk, disk NAME, sysctl, module, azure)'
}

test_conf_wrong_type() {
	bad_conf '[nic]\nchannels = many\n' '2: [nic] channels: "many" is not an integer'
	bad_conf '[nic]\nlro = maybe\n' '2: [nic] lro: "maybe" is not a boolean (yes or no)'
	bad_conf '[tune]\nreserved_cpus = 0-x\n' '2: [tune] reserved_cpus: "0-x" is not a CPU list (e.g. 0-1,4)'
}

test_conf_out_of_range() {
	bad_conf '[disk lun3]\nqueue_depth = 5000\n' '2: [disk lun3] queue_depth: 5000 is out of range (1-1024)'
	bad_conf '[nic]\nchannels = 65\n' '2: [nic] channels: 65 is out of range (1-64)'
	bad_conf '[sysctl]\nnet.ipv4.ip_local_port_range = 60000 1000\n' \
		'2: [sysctl] net.ipv4.ip_local_port_range: "60000 1000" is not a port range "LOW HIGH" (1024-65535)'
}

test_conf_bad_values() {
	bad_conf '[sysctl]\nkernel.panic = 1\n' '2: [sysctl] kernel.panic: not a sysctl AKS allows on nodes'
	bad_conf '[tune]\nprofile = turbo\n' '2: [tune] profile: unknown profile "turbo" (aks, latency or throughput)'
	bad_conf '[disk]\nscheduler = cfq\n' '2: [disk] scheduler: unknown scheduler "cfq" (none, mq-deadline, kyber or bfq)'
	bad_conf '[disk os]\ntier = P99\n' "2: [disk os] tier: unknown tier \"P99\" (not in $DATA/azure-disks.tsv)"
	bad_conf '[disk os]\ntier = X10\n' '2: [disk os] tier: unknown tier "X10" (Premium SSD P1-P80, Standard SSD E1-E80, Standard HDD S4-S80)'
	bad_conf '[azure]\ndisks = azure-disks.tsv\n' '2: [azure] disks: "azure-disks.tsv" is not an absolute path'
	bad_conf 'profile = aks\n' '1: [] profile: outside of any section'
	bad_conf '[tune]\nthis line has no equals sign\n' '2: syntax error (expected [section] or key = value)'
}

test_conf_overrides() {
	local r
	r=$(fake azure-2)
	mkdir -p "$r/etc/azlxnet"
	cat >"$r/etc/azlxnet/azlxnet.conf" <<-'EOC'
	# node tuning
	[tune]
	profile = latency

	[disk os]
	queue_depth = 32
	tier = P30

	[disk]
	read_ahead_kb = 512

	[sysctl]
	net.core.somaxconn = 8192
	net.ipv4.ip_local_port_range = 1024 65000

	[nic]
	lro = on
	xps = no
	EOC
	run -j tune plan --root "$r"
	expect_rc 0
	jq_eq .profile '"latency"'
	expect_item sda device/queue_depth 2048 32 "set in /etc/azlxnet/azlxnet.conf:6"
	expect_item sda queue/nr_requests 256 64 "2 x queue depth 32"
	expect_item sda queue/read_ahead_kb 128 512 "set in /etc/azlxnet/azlxnet.conf:10"
	expect_item sdb queue/read_ahead_kb 128 512 "set in /etc/azlxnet/azlxnet.conf:10"
	expect_item kernel net.core.somaxconn 4096 8192 "set in /etc/azlxnet/azlxnet.conf:13"
	expect_item kernel net.ipv4.ip_local_port_range "32768	60999" "1024 65000" "conf:14"
	expect_item eth0 "features rx-lro" on on "set in /etc/azlxnet/azlxnet.conf:17"
	expect_no_item eth0 "tx-0/xps_cpus"
	# --profile wins over the file
	run -j tune plan --root "$r" --profile throughput
	jq_eq .profile '"throughput"'
	run -j disk show --root "$r"
	jq_eq '.disks[0] | [.tier, .iops, .origin.from]' '["P30",5000,"data"]'
	expect_has "$(printf '%s' "$out" | jq -r '.disks[0].source')" "; tier set in /etc/azlxnet/azlxnet.conf:7"
	# and a file given on the command line
	printf '[disk]\nmax_sectors_kb = 128\n' >"$tmp/other.conf"
	run -j tune plan --root "$r" --config "$tmp/other.conf"
	expect_item sda queue/max_sectors_kb 1024 128 "set in $tmp/other.conf:2"
	run tune plan --root "$r" --config "$tmp/missing.conf"
	expect_rc 1
	expect_eq "$err" "Error: $tmp/missing.conf: No such file or directory"
}

# ---- IMDS ---------------------------------------------------------------------------

bad_imds() {	# bad_imds FIXTURE ERROR
	local r
	r=$(fake azure-2)
	snapshot "$r" >"$tmp/snap"
	run tune apply --root "$r" --imds-file "$FIX/$1"
	expect_rc 1
	expect_eq "$err" "Error: --imds-file $2"
	same_tree "$tmp/snap" "$r"
}

test_imds_malformed() {
	bad_imds imds-malformed.json \
		'compute.storageProfile.dataDisks[0].lun: not a non-negative integer: "zero"'
}

test_imds_truncated() {
	bad_imds imds-truncated.json 'not valid JSON: truncated document at offset 300'
}

test_imds_unexpected() {
	bad_imds imds-unexpected.json 'compute.storageProfile.dataDisks: not an array'
	bad_imds imds-not-object.json 'the document is not an object'
	bad_imds imds-bad-size.json \
		'compute.storageProfile.osDisk.diskSizeGB: not a non-negative integer: -5'
}

test_imds_missing_file() {
	bad_imds no-such.json "$FIX/no-such.json: No such file or directory"
}

test_imds_extra_fields_accepted() {
	local r
	r=$(fake azure-2)
	run -j disk show --root "$r" --imds-file "$FIX/imds-extra-fields.json"
	expect_rc 0
	jq_eq '.disks[0] | [.tier, .burst_iops]' '["P10",3500]'
}

# ---- command line --------------------------------------------------------------------

test_cli_usage() {
	run tune help
	expect_rc 0
	expect_has "$out" "Usage: azlxnet tune plan [ --profile PROFILE ] [ --persist ] [ --all ]"
	run tune revert help
	expect_rc 0
	expect_has "$out" "Usage: azlxnet tune revert [ --dry-run ] [ --root DIR ] [ --state-dir DIR ]"
	run disk help
	expect_rc 0
	expect_has "$out" "Usage: azlxnet disk show"
	run status --dry-run
	expect_rc 2
	expect_eq "$err" 'Error: option "--dry-run" is only for "tune" and "disk"'
	run tune plan extra
	expect_rc 2
	expect_eq "$err" 'Error: "tune plan" takes no argument: "extra"'
	run tune plan --root "$tmp/nonexistent"
	expect_rc 2
	expect_eq "$err" "Error: --root $tmp/nonexistent: No such file or directory"
	run -j tun pla --root "$(fake plain)"
	expect_rc 0
	jq_eq .profile '"aks"'
}

# disk pace --dry-run: the table from each disk's budget; bad input refused.
test_disk_pace_dry_run() {
	local r sz
	r=$(fake azure-64)
	snapshot "$r" >"$tmp/snap"
	run -j disk pace nvme0n1 --dry-run --root "$r" --imds-file "$FIX/imds-azure-64.json"
	expect_rc 0
	sz=$(cat "$r/sys/class/block/nvme0n1/size")
	jq_eq .table "\"0 $sz azlx 259:0 0 1100 125 burst_iops=3500 burst_mbps=170 lat_target_us=50000\""
	jq_eq '[.name,.disk,.iops,.mbps,.burst_iops,.burst_mbps,.unit_kb,.fraction,.critical,.dry_run,.device]' \
		'["azlx-nvme0n1","nvme0n1",1100,125,3500,170,256,95,"none",true,null]'
	# no bursting on a P30; Standard HDD counts 16 KiB units
	run -j disk pace /dev/nvme0n2 --dry-run --root "$r" --imds-file "$FIX/imds-azure-64.json"
	expect_rc 0
	jq_eq .table "\"0 $(cat "$r/sys/class/block/nvme0n2/size") azlx 259:1 0 5000 200\""
	run -j disk pace nvme0n7 --dry-run --root "$r" --imds-file "$FIX/imds-azure-64.json" \
		--fraction 80 --name os-paced
	expect_rc 0
	jq_eq .table "\"0 $(cat "$r/sys/class/block/nvme0n7/size") azlx 259:6 0 500 60 fraction=80\""
	jq_eq .name '"os-paced"'
	# an explicit budget wins; a default critical cgroup when system.slice exists
	mkdir -p "$r/sys/fs/cgroup/system.slice/kubelet.service"
	run disk pace nvme0n3 --dry-run --root "$r" --no-imds --budget 300,20,900,40
	expect_rc 0
	expect_has "$out" "table: 0 $(cat "$r/sys/class/block/nvme0n3/size") azlx 259:2 0 300 20 burst_iops=900 burst_mbps=40 lat_target_us=50000 critical=/system.slice"
	run disk pace nvme0n3 --dry-run --root "$r" --no-imds --budget 300,20 \
		--critical /system.slice/kubelet.service:/system.slice
	expect_rc 0
	expect_has "$out" "azlx 259:2 0 300 20 critical=/system.slice/kubelet.service:/system.slice"
	# a budget that is not known
	run disk pace nvme1n1 --dry-run --root "$r" --imds-file "$FIX/imds-azure-64.json"
	expect_rc 1
	expect_eq "$err" "Error: nvme1n1: budget unknown: local resource disk: give it (--budget IOPS,MBPS)"
	rmdir "$r/sys/fs/cgroup/system.slice/kubelet.service" "$r/sys/fs/cgroup/system.slice"
	rmdir "$r/sys/fs/cgroup" 2>/dev/null || true
	rmdir "$r/sys/fs" 2>/dev/null || true
	same_tree "$tmp/snap" "$r"
}

test_disk_pace_bad_input() {
	local r a
	r=$(fake azure-64)
	snapshot "$r" >"$tmp/snap"
	while IFS='|' read -r a want; do
		# shellcheck disable=SC2086
		run disk pace $a --dry-run --root "$r" --no-imds
		expect_rc 2
		expect_eq "$err" "Error: $want"
	done <<'EOT'
nvme0n3 --budget 0,20|--budget: IOPS: 0 is out of range (1 to 100000000)
nvme0n3 --budget 100|--budget: expected auto or IOPS,MBPS[,BURST_IOPS,BURST_MBPS]
nvme0n3 --budget 100,20,30|--budget: expected auto or IOPS,MBPS[,BURST_IOPS,BURST_MBPS]
nvme0n3 --budget 100,20,90,30|--budget: the burst (90,30) must exceed the baseline (100,20)
nvme0n3 --budget 1e3,20|--budget: IOPS: "1e3" is not a number
nvme0n3 --budget 100,+20|--budget: MBPS: "+20" is not a number
nvme0n3 --budget 100,2000000|--budget: MBPS: 2000000 is out of range (1 to 1000000)
nvme0n3 --budget 100,20 --fraction 0|--fraction: 0 is out of range (1 to 100)
nvme0n3 --budget 100,20 --fraction 95%|--fraction: "95%" is not a number
nvme0n3 --budget 100,20 --critical system.slice|--critical: "system.slice": a cgroup path starts with '/' ("/system.slice")
nvme0n3 --budget 100,20 --critical /a/../b|--critical: "/a/../b": a cgroup path starts with '/' ("/system.slice")
nvme0n3 --budget 100,20 --name a/b|--name: "a/b": letters, digits, '.', '_', '-' and '+' only
nvme0n3 --budget 100,20 --interval 1|option "--interval" is only for "disk top"
nvme0n3 --budget 100,20 --lat-target -1|--lat-target: "-1" is not a number
nvme0n3 --budget 100,20 --lat-target +5|--lat-target: "+5" is not a number
nvme0n3 --budget 100,20 --lat-target 2ms|--lat-target: "2ms" is not a number
nvme0n3 --budget 100,20 --lat-target 10000001|--lat-target: 10000001 is out of range (0 to 10000000)
nvme0n3 --budget 100,20 --lat-target 99999999999999999999|--lat-target: "99999999999999999999" is not a number
nvme0n3 --budget 100,20,900,40 --credit 101|--credit: 101 is out of range (0 to 100)
nvme0n3 --budget 100,20,900,40 --credit -1|--credit: "-1" is not a number
nvme0n3 --budget 100,20,900,40 --credit 5%|--credit: "5%" is not a number
nvme0n3 --budget 100,20 --profile aks|option "--profile" is not for "disk pace"
/etc/passwd --budget 100,20|/etc/passwd: not a block device (expected sdb or /dev/sdb)
../sda --budget 100,20|"../sda": not a block device name
EOT
	run disk pace nvme0n3 --dry-run --root "$r" --no-imds --budget 100,20 --critical /nope
	expect_rc 1
	expect_eq "$err" "Error: --critical: /nope: no such cgroup"
	run disk pace nosuch --dry-run --root "$r" --no-imds --budget 100,20
	expect_rc 1
	expect_eq "$err" "Error: nosuch: no such block device"
	run disk pace nvme0n3 --root "$r" --budget 100,20
	expect_rc 2
	expect_eq "$err" "Error: --root: only with --dry-run"
	run disk pace --dry-run --root "$r"
	expect_rc 2
	expect_eq "$err" "Error: \"disk pace\" needs a device (sdb, /dev/sdb)"
	run disk show --budget 1,1 --root "$r"
	expect_rc 2
	expect_eq "$err" "Error: option \"--budget\" is not for \"disk show\""
	run disk show --lat-target 1000 --root "$r"
	expect_rc 2
	expect_eq "$err" "Error: option \"--lat-target\" is not for \"disk show\""
	run disk unpace sdb --credit 10
	expect_rc 2
	expect_eq "$err" "Error: option \"--credit\" is not for \"disk unpace\""
	run disk record sdb --lat-target 10
	expect_rc 2
	expect_eq "$err" "Error: option \"--lat-target\" is not for \"disk record\""
	run disk record
	expect_rc 2
	expect_eq "$err" "Error: \"disk record\" needs a mapping or device (azlx-sdb, sdb)"
	run disk record a b
	expect_rc 2
	expect_eq "$err" "Error: \"disk record NAME\" takes no argument: \"b\""
	# an empty value (--lat-target "")
	run disk pace nvme0n3 --dry-run --root "$r" --no-imds --budget 100,20 --lat-target ""
	expect_rc 2
	expect_eq "$err" "Error: --lat-target: \"\" is not a number"
	[ ! -e "$r/var/lib/azlxnet/disk" ] || fail "pace made $r/var/lib/azlxnet/disk"
	run nic show --budget 1,1
	expect_rc 2
	expect_eq "$err" "Error: option \"--budget\" is only for \"disk\""
	same_tree "$tmp/snap" "$r"
}

# disk pace --lat-target: the table's lat_target_us, none for 0
test_disk_pace_lat_target() {
	local r sz
	r=$(fake azure-64)
	sz=$(cat "$r/sys/class/block/nvme0n3/size")
	run -j disk pace nvme0n3 --dry-run --root "$r" --no-imds --budget 300,20 --critical none \
		--lat-target 2000 --fraction 90
	expect_rc 0
	jq_eq .table "\"0 $sz azlx 259:2 0 300 20 fraction=90 lat_target_us=2000\""
	jq_eq .lat_target_us 2000
	run disk pace nvme0n3 --dry-run --root "$r" --no-imds --budget 300,20 --critical none \
		--lat-target 10000000
	expect_rc 0
	expect_has "$out" ", latency target 10000000 us"
	expect_has "$out" "table: 0 $sz azlx 259:2 0 300 20 lat_target_us=10000000"
	run -j disk pace nvme0n3 --dry-run --root "$r" --no-imds --budget 300,20 --critical none \
		--lat-target 0
	expect_rc 0
	jq_eq .table "\"0 $sz azlx 259:2 0 300 20\""
	jq_eq .lat_target_us 0
	# by default: 50 ms where the budget bursts, none where it does not
	run -j disk pace nvme0n3 --dry-run --root "$r" --no-imds --budget 300,20 --critical none
	expect_rc 0
	jq_eq .table "\"0 $sz azlx 259:2 0 300 20\""
	run -j disk pace nvme0n3 --dry-run --root "$r" --no-imds --budget 300,20,900,40 \
		--critical none
	expect_rc 0
	jq_eq .table "\"0 $sz azlx 259:2 0 300 20 burst_iops=900 burst_mbps=40 lat_target_us=50000\""
	jq_eq .lat_target_us 50000
	run -j disk pace nvme0n3 --dry-run --root "$r" --no-imds --budget 300,20,900,40 \
		--critical none --lat-target 0
	expect_rc 0
	jq_eq .table "\"0 $sz azlx 259:2 0 300 20 burst_iops=900 burst_mbps=40\""
}

# credit_file NAME TIME PCT [BUDGET]: a credit state file in the fake root $r
credit_file() {
	mkdir -p "$r/var/lib/azlxnet/disk"
	printf 'version=1\ndisk=nvme0n3\nmapping=azlx-nvme0n3\nbudget=%s\nburst_secs=1800\ncredit_pct=%s\ntime=%s\n' \
		"${4:-500,100,3500,170}" "$3" "$2" >"$r/var/lib/azlxnet/disk/$1.credit"
}

# disk pace starts from the recorded credit, refilled at the baseline since
test_disk_pace_credit_file() {
	local r sz now f
	r=$(fake azure-64)
	sz=$(cat "$r/sys/class/block/nvme0n3/size")
	f=/var/lib/azlxnet/disk/nvme0n3.credit
	pace() {
		run -j disk pace nvme0n3 --dry-run --root "$r" --no-imds \
			--budget 500,100,3500,170 --critical none "$@"
	}
	# none recorded: none (the module's default), after a reboot too
	pace
	expect_rc 0
	expect_eq "$err" ""
	jq_eq .table "\"0 $sz azlx 259:2 0 500 100 burst_iops=3500 burst_mbps=170 lat_target_us=50000\""
	jq_eq '[.credit_pct, .credit_source]' "[0,\"none recorded in $f\"]"
	# 20 % an hour and a half ago: + 500 x 5400 / (3000 x 1800) = 50 %
	now=$(date +%s)
	credit_file nvme0n3 $((now - 5400)) 20
	pace
	expect_rc 0
	expect_eq "$err" ""
	jq_eq .table "\"0 $sz azlx 259:2 0 500 100 burst_iops=3500 burst_mbps=170 credit_pct=70 lat_target_us=50000\""
	jq_eq .credit_pct 70
	expect_has "$(jq -r .credit_source <<<"$out")" "20% recorded in $f 54"
	run disk pace nvme0n3 --dry-run --root "$r" --no-imds --budget 500,100,3500,170 \
		--critical none
	expect_has "$out" "credit: 70% (20% recorded in $f 54"
	# just now: as recorded
	credit_file nvme0n3 "$now" 20
	pace
	jq_eq .credit_pct 20
	# at most a full bucket
	credit_file nvme0n3 $((now - 5400)) 90
	pace
	jq_eq .table "\"0 $sz azlx 259:2 0 500 100 burst_iops=3500 burst_mbps=170 credit_pct=100 lat_target_us=50000\""
	# --credit wins over the file, 0 included
	pace --credit 33
	jq_eq '[.credit_pct, .credit_source]' '[33,"--credit"]'
	jq_eq .table "\"0 $sz azlx 259:2 0 500 100 burst_iops=3500 burst_mbps=170 credit_pct=33 lat_target_us=50000\""
	pace --credit 0
	jq_eq .table "\"0 $sz azlx 259:2 0 500 100 burst_iops=3500 burst_mbps=170 lat_target_us=50000\""
	# another budget: ignored, said on stderr, pace still succeeds
	credit_file nvme0n3 $((now - 5400)) 20 500,100,3000,170
	pace
	expect_rc 0
	expect_eq "$err" "Warning: burst credit: $f: for another budget (500,100,3000,170 over 1800 s, not 500,100,3500,170 over 1800 s): ignored"
	jq_eq '[.credit_pct, .credit_source]' "[0,\"$f ignored\"]"
	jq_eq .table "\"0 $sz azlx 259:2 0 500 100 burst_iops=3500 burst_mbps=170 lat_target_us=50000\""
	# from the future: ignored
	credit_file nvme0n3 $((now + 3600)) 20
	pace
	expect_rc 0
	expect_has "$err" "Warning: burst credit: $f: written 3"
	expect_has "$err" "s in the future: ignored"
	jq_eq .credit_pct 0
	# malformed: ignored
	printf 'version=1\ncredit_pct=lots\n' >"$r$f"
	pace
	expect_rc 0
	expect_eq "$err" "Warning: burst credit: $f: line 2: credit_pct: \"lots\": ignored"
	jq_eq .credit_pct 0
	: >"$r$f"
	pace
	expect_rc 0
	expect_eq "$err" "Warning: burst credit: $f: no version: ignored"
	# no bursting: no credit, the file not read
	run -j disk pace nvme0n3 --dry-run --root "$r" --no-imds --budget 500,100 --critical none
	expect_rc 0
	expect_eq "$err" ""
	jq_eq '[.credit_pct, .table]' "[null,\"0 $sz azlx 259:2 0 500 100\"]"
	run -j disk pace nvme0n3 --dry-run --root "$r" --no-imds --budget 500,100 --credit 5
	expect_rc 0
	expect_eq "$err" "Warning: --credit: the budget of nvme0n3 does not burst: no credit to start with"
	# the disk's WWID names the file when it has one
	printf 'eui.0025 38b5:71b4\n' >"$r/sys/class/block/nvme0n3/wwid"
	credit_file eui.0025_38b5_71b4 $((now - 5400)) 10
	pace
	expect_rc 0
	expect_eq "$err" ""
	jq_eq .credit_pct 60
	expect_has "$(jq -r .credit_source <<<"$out")" "/var/lib/azlxnet/disk/eui.0025_38b5_71b4.credit"
	# pace only reads it
	[ "$(ls "$r/var/lib/azlxnet/disk")" = "$(printf 'eui.0025_38b5_71b4.credit\nnvme0n3.credit')" ] ||
		fail "files in $r/var/lib/azlxnet/disk: $(ls "$r/var/lib/azlxnet/disk")"
}

# ---- Azure facts: the data files ----------------------------------------------------

# imds_with JQ-FILTER: imds-azure-64.json changed by the filter, as a file; prints its path
imds_with() {
	local f
	f=$(mktemp "$tmp/imds.XXXXXX.json")
	jq "$1" "$FIX/imds-azure-64.json" >"$f" || return 1
	echo "$f"
}

ddisk() {	# ddisk LUN: the jq path of data disk LUN
	echo ".compute.storageProfile.dataDisks[] | select(.lun == \"$1\")"
}

test_budget_standard_ssd_over_4tib() {
	local r f
	r=$(fake azure-64)
	f=$(imds_with "($(ddisk 2)).diskSizeGB = \"8192\"")
	run -j disk show --root "$r" --imds-file "$f"
	expect_rc 0
	# E60: 2000 IOPS / 400 MB/s, not E50's 500 / 60
	jq_eq '.disks[3] | [.name, .tier, .iops, .mbps, .burst_iops, .origin.from]' \
		'["nvme0n4","E60",2000,400,2000,"data"]'
	f=$(imds_with "($(ddisk 2)).diskSizeGB = \"32767\" | ($(ddisk 5)).diskSizeGB = \"16384\"")
	run -j disk show --root "$r" --imds-file "$f"
	jq_eq '[.disks[3], .disks[6]] | map([.tier, .iops, .mbps])' '[["E80",6000,750],["S70",2000,500]]'
}

test_budget_unknown_size_and_sku() {
	local r f
	r=$(fake azure-64)
	f=$(imds_with ".compute.vmSize = \"Standard_X1\" | ($(ddisk 0)).diskSizeGB = \"40000\" | ($(ddisk 1)).managedDisk.storageAccountType = \"PremiumV9_LRS\"")
	run -j disk show --root "$r" --imds-file "$f"
	expect_rc 0
	# a Premium SSD larger than P80 is not a P80; an unknown SKU is no row at all
	jq_eq '[.disks[1], .disks[2]] | map([.tier, .iops])' '[[null,null],[null,null]]'
	jq_eq '.vm | [.size, .iops, .mbps, .origin.from]' '["Standard_X1",null,null,"unknown"]'
	jq_eq .vm.source "\"unknown: VM size Standard_X1 is not in $DATA/azure-vms.tsv\""
	jq_eq .disks[1].source "\"unknown: Premium_LRS of 40000 GiB: larger than the largest size in $DATA/azure-disks.tsv (P80, 32767 GiB) ($f)\""
	jq_eq .disks[2].source "\"unknown: disk type \\\"PremiumV9_LRS\\\" is not in $DATA/azure-disks.tsv ($f)\""
	run -j tune plan --root "$r" --imds-file "$f"
	expect_rc 0
	jq_eq '[.notes[] | select(test("^nvme0n2: budget unknown: Premium_LRS of 40000 GiB"))] | length' 1
	jq_eq '[.notes[] | select(test("^nvme0n1: the VM.s disk cap: unknown: VM size Standard_X1 is not in"))] | length' 1
	expect_no_item nvme0n2 queue/nr_requests
	expect_no_item nvme0n3 queue/nr_requests
}

test_budget_premium_v2_sources() {
	local r f
	r=$(fake azure-64)
	# IMDS's opsPerSecondThrottle / bytesPerSecondThrottle
	run -j disk show --root "$r" --imds-file "$FIX/imds-azure-64.json"
	jq_eq '.disks[4] | [.tier, .iops, .mbps, .origin.from, .origin.url]' \
		'["PremiumV2",5000,200,"imds","https://learn.microsoft.com/en-us/azure/virtual-machines/instance-metadata-service"]'
	# without them: unknown, with what to do about it
	f=$(imds_with "($(ddisk 3)).opsPerSecondThrottle = \"\" | ($(ddisk 3)).bytesPerSecondThrottle = \"\"")
	run -j disk show --root "$r" --imds-file "$f"
	jq_eq '.disks[4] | [.tier, .iops, .origin.from]' '[null,null,"unknown"]'
	expect_has "$(printf '%s' "$out" | jq -r '.disks[4].source')" \
		"Premium SSD v2: IOPS and MB/s are provisioned per disk and IMDS did not report them"
	# then the configuration's
	mkdir -p "$r/etc/azlxnet"
	printf '[disk lun3]\niops = 6000\nmbps = 250\n' >"$r/etc/azlxnet/azlxnet.conf"
	run -j disk show --root "$r" --imds-file "$f"
	jq_eq '.disks[4] | [.tier, .iops, .mbps, .origin.from, .origin.line]' '["configured",6000,250,"config",2]'
	# IMDS's own numbers win over the configuration's
	run -j disk show --root "$r" --imds-file "$FIX/imds-azure-64.json"
	jq_eq '.disks[4] | [.iops, .origin.from]' '[5000,"imds"]'
}

test_detect_shows_sources() {
	local r
	r=$(fake azure-64)
	run -j tune detect --root "$r" --imds-file "$FIX/imds-azure-64.json"
	expect_rc 0
	jq_eq '.vm | [.size, .iops, .burst_iops, .origin.from, .origin.url]' \
		'["Standard_D64s_v5",80000,80000,"data","https://learn.microsoft.com/en-us/azure/virtual-machines/dv5-dsv5-series"]'
	jq_eq '[.budgets[] | [.name, .tier, .origin.from]]' \
		'[["nvme0n1","P15","data"],["nvme0n2","P30","data"],["nvme0n3","P20","data"],["nvme0n4","E15","data"],["nvme0n5","PremiumV2","imds"],["nvme0n6","Ultra","imds"],["nvme0n7","S30","data"],["nvme0n8","P50","data"],["nvme0n9","P4","data"],["nvme1n1",null,"unknown"]]'
	jq_eq '.budgets[1] | [.od_burst_iops, .od_burst_mbps, .origin.file, .origin.read]' \
		"[30000,1000,\"$DATA/azure-disks.tsv\",\"2026-11-29\"]"
	run tune detect --root "$r" --imds-file "$FIX/imds-azure-64.json"
	expect_rc 0
	expect_has "$out" "vm: Standard_D64s_v5, cap 80000 IOPS / 1735 MB/s (burst 80000 / 3000)"
	expect_has "$out" "  nvme0n2 P30: 5000 IOPS / 200 MB/s, burst 5000 / 200, on-demand burst 30000 / 1000, IOPS of 256 KiB
    from Premium SSD P30 (1024 GiB): $DATA/azure-disks.tsv:"
	expect_has "$out" "  nvme1n1: unknown
    from unknown: local resource disk"
	# no IMDS: the OS disk is what AKS creates by default, and says so
	run -j tune detect --root "$r" --no-imds
	jq_eq '.budgets[0] | [.tier, .origin.from]' '["P30","assumed"]'
	expect_has "$(printf '%s' "$out" | jq -r '.budgets[0].source')" \
		"assumed P30: AKS's default OS disk for 64 vCPUs (no IMDS): $DATA/aks-os-disks.tsv:"
}

test_data_file_locations() {
	local r d
	r=$(fake azure-2)
	d=$tmp/data.env
	mkdir -p "$d"
	cp "$DATA"/*.tsv "$d/"
	sed -i 's/^Premium\tP10\t128\t500\t/Premium\tP10\t128\t555\t/' "$d/azure-disks.tsv"
	# $AZLXNET_DATA_DIR
	AZLXNET_DATA_DIR=$d run -j disk show --root "$r" --imds-file "$FIX/imds-azure-2.json"
	jq_eq '.disks[0] | [.tier, .iops, .origin.file]' "[\"P10\",555,\"$d/azure-disks.tsv\"]"
	# the configuration's [azure] wins; its paths are the host's, never under --root
	mkdir -p "$r/etc/azlxnet"
	printf '[azure]\ndisks = %s\n' "$DATA/azure-disks.tsv" >"$r/etc/azlxnet/azlxnet.conf"
	AZLXNET_DATA_DIR=$d run -j disk show --root "$r" --imds-file "$FIX/imds-azure-2.json"
	jq_eq '.disks[0] | [.iops, .origin.file]' "[500,\"$DATA/azure-disks.tsv\"]"
}

bad_data() {	# bad_data SED-SCRIPT ERROR: azure-disks.tsv changed so, refused
	local r d
	r=$(fake azure-64)
	d=$(mktemp -d "$tmp/data.XXXXXX")
	cp "$DATA"/*.tsv "$d/"
	sed -i "$1" "$d/azure-disks.tsv"
	AZLXNET_DATA_DIR=$d run -j tune plan --root "$r" --imds-file "$FIX/imds-azure-64.json"
	expect_rc 0
	expect_eq "$err" "Warning: $d/azure-disks.tsv:$2: disk budgets from it are unknown"
	jq_eq "[.notes[] | select(test(\"^nvme0n[0-9]: budget unknown: \"))] | length" 7
	jq_eq "[.notes[] | select(contains(\"$d/azure-disks.tsv:${2%%:*}:\"))] | length >= 7" true
	expect_no_item nvme0n1 queue/nr_requests
	# provisioned disks do not need the file
	expect_item nvme0n5 queue/nr_requests 1023 200 "queue depth 100"
}

test_data_file_malformed() {
	local hl
	hl=$(grep -n '^family' "$DATA/azure-disks.tsv" | cut -d: -f1)
	bad_data "$((hl + 6))s/\t500\t100\t/\t5x0\t100\t/" "$((hl + 6)): iops: \"5x0\" is not a number"
	bad_data "$((hl + 2))s/\t120\t25\t/\t120\t/" "$((hl + 2)): 11 fields, expected 12 (tab-separated)"
	bad_data "${hl}s/unit_kib/unit/" \
		"$hl: expected the header \"family tier max_gib iops mbps burst_iops burst_mbps od_burst_iops od_burst_mbps unit_kib source read\""
	bad_data "$((hl + 2))s/\t8\t/\t2\t/" "$((hl + 2)): max_gib 2: not above P1's 4 (line $((hl + 1)))"
	bad_data "$((hl + 3))s/\tP3\t/\tP2\t/" "$((hl + 3)): tier P2 again (line $((hl + 2)))"
	bad_data "$((hl + 1))s/https:/http:/" "$((hl + 1)): source: \"http://learn.microsoft.com/en-us/azure/virtual-machines/disks-scalability-targets\" is not an https:// URL"
	bad_data "$((hl + 1))s/2026-11-29/yesterday/" "$((hl + 1)): read: \"yesterday\" is not a date (YYYY-MM-DD or YYYY-MM) or \"unconfirmed\""
	bad_data "$((hl + 1))s/\t3500\t170\t/\t3500\t-\t/" "$((hl + 1)): a burst needs both IOPS and MB/s, or neither"
	bad_data "$((hl + 1))s/\$/\r/" "$((hl + 1)): carriage return (DOS line ending)"
	bad_data "$((hl + 1))s/\t25\t/\t\t/" "$((hl + 1)): column mbps is empty"
}

TESTS=(
	plan_azure2_no_imds
	plan_azure2_text
	plan_azure2_imds
	plan_azure64
	plan_azure64_reserved
	plan_plain
	profiles
	detect_azure64
	apply_revert_azure2
	apply_revert_azure64
	apply_state_default_dir
	dry_run_changes_nothing
	injected_failure_rolls_back
	revert_dry_run_changes_nothing
	revert_ignores_broken_config
	revert_keeps_unrestored
	rollback_keeps_unrestored
	apply_killed_at_every_step
	show_drift
	unwritable_file_rolls_back
	lock_excludes_concurrent_runs
	module_not_loaded_under_root
	persist_modprobe_conf
	state_from_earlier_boot
	conf_unknown_key
	conf_unknown_section
	conf_wrong_type
	conf_out_of_range
	conf_bad_values
	conf_overrides
	imds_malformed
	imds_truncated
	imds_unexpected
	imds_missing_file
	imds_extra_fields_accepted
	cli_usage
	cli_grammar
	cli_options_per_command
	disk_pace_dry_run
	disk_pace_bad_input
	disk_pace_lat_target
	disk_pace_credit_file
	budget_standard_ssd_over_4tib
	budget_unknown_size_and_sku
	budget_premium_v2_sources
	detect_shows_sources
	data_file_locations
	data_file_malformed
)

run_tests
