#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Tests of azlxnet tune against what real nodes hold, on fake trees
# (mkfake.sh): --root confines every path (symlinks pointing out of the tree
# are neither read nor written, with openat2(2) and with the fallback for
# kernels without it); VF interrupts mapped to queues by their names (mana,
# mlx5, mlx4); irqbalance; disruptive items; the plan's speed on the
# 64-vCPU node.
# No root, no module, no network. TAP on stdout.
#
# Usage: tune-node.sh PATH-TO-AZLXNET

set -u

AZ=${1:?usage: tune-node.sh PATH-TO-AZLXNET}
DIR=$(cd "$(dirname "$0")" && pwd)
FIX=$DIR/fixtures
TIMEOUT=20

source "$(dirname "$0")/clilib.sh"
source "$(dirname "$0")/tunelib.sh"
clilib_init tune-node

# ---- --root is a jail -------------------------------------------------------------

# outside NAME VALUE: a file in $OUT, next to (not in) the fake tree; prints its path
outside() {
	printf '%s\n' "$2" >"$OUT/$1"
	touch -d '2001-02-03 04:05:06' "$OUT/$1"
	echo "$OUT/$1"
}

# escape ROOT REL TARGET KIND: replaces ROOT/REL with a symlink to the file
# TARGET outside ROOT, absolute (KIND abs) or by enough ".." (KIND dotdot)
escape() {
	local r=$1 rel=$2 target=$3 up="" i depth
	rm -rf "${r:?}/$rel"
	if [ "$4" = abs ]; then
		ln -s "$target" "$r/$rel"
		return
	fi
	depth=$(($(tr -cd / <<<"$rel$r" | wc -c) + 2))
	for ((i = 0; i < depth; i++)); do up+="../"; done
	ln -s "$up${target#/}" "$r/$rel"
}

# unchanged FILE VALUE: FILE still holds VALUE, with its old mtime
unchanged() {
	expect_eq "$(cat "$1")" "$2"
	expect_eq "$(stat -c %Y "$1")" "$(date -d '2001-02-03 04:05:06' +%s)"
}

# A detect read (DMI vendor), a plan read (a sysctl's current value) and the
# configuration file, each a symlink out of the tree: none is read.
jail_read() {	# jail_read abs|dotdot
	local r vendor conf
	r=$(fake azure-2)
	OUT=$(mktemp -d "$tmp/outside.XXXXXX")
	vendor=$(outside vendor "Outside Vendor Ltd")
	escape "$r" sys/class/dmi/id/sys_vendor "$vendor" "$1"
	escape "$r" proc/sys/net/core/somaxconn "$(outside somaxconn 31337)" "$1"
	conf=$(outside azlxnet.conf "$(printf '[tune]\nprofile = latency')")
	mkdir -p "$r/etc/azlxnet"
	escape "$r" etc/azlxnet/azlxnet.conf "$conf" "$1"
	run -j detect --root "$r"
	expect_rc 0
	[[ "$out" != *"Outside Vendor"* ]] || fail "detect read $vendor through a symlink"
	jq_eq .platform.azure false
	run -j tune --dry-run --root "$r" --no-imds
	expect_rc 0
	[[ "$out" != *31337* ]] || fail "the plan read a sysctl outside the root"
	jq_eq .profile '"aks"'
	expect_eq "$(item kernel net.core.somaxconn)" '"items: 0"'
	jq_eq '[.notes[] | select(test("net.core.somaxconn: left out"))] | length' 1
}

# An attribute apply writes (a sysctl, a disk's queue) and the state
# directory, symlinks out of the tree: nothing outside is written.
jail_write() {	# jail_write abs|dotdot
	local r sysctl nr state
	r=$(fake azure-2)
	OUT=$(mktemp -d "$tmp/outside.XXXXXX")
	sysctl=$(outside somaxconn 4096)
	nr=$(outside nr_requests 256)
	escape "$r" proc/sys/net/core/somaxconn "$sysctl" "$1"
	escape "$r" sys/class/block/sda/queue/nr_requests "$nr" "$1"
	state=$OUT/state
	mkdir -p "$state" "$r/var/lib"
	escape "$r" var/lib/azlxnet "$state" "$1"
	run -j tune --root "$r" --no-imds
	expect_rc 0
	unchanged "$sysctl" 4096
	unchanged "$nr" 256
	expect_eq "$(ls -A "$state")" ""
	# the rest was applied, and the state kept inside the tree
	expect_eq "$(cat "$r/sys/class/block/sda/queue/read_ahead_kb")" 768
	[ -n "$(find "$r" -name tune.json)" ] || fail "no state file in the tree"
	run -j revert --root "$r"
	expect_rc 0
	unchanged "$sysctl" 4096
	unchanged "$nr" 256
}

# listing DIR: every entry under DIR (itself included), with its type,
# size, mode, mtime and link target, and every file's content
listing() {
	(cd "$1" && find . -printf '%p %y %s %m %T@ %l\n' | sort &&
		find . -type f -print0 | sort -z | xargs -0 -r sha256sum)
}

# tree ROOT: the files and symlinks of the tree (the state's own left out)
tree() {
	(cd "$1" && find . \( -type f -o -type l \) ! -name tune.json ! -name tune.lock \
		-printf '%p %y %s %m %l\n' | sort &&
		find . -type f ! -name tune.json ! -name tune.lock -print0 | sort -z |
		xargs -0 -r sha256sum)
}

# The state directory (LINK var/lib/azlxnet) or its parent (var/lib) a
# symlink out of the tree: apply keeps the state inside the tree, where the
# symlink resolves from the root, and writes nothing outside; revert
# restores the tree.
jail_state() {	# jail_state abs|dotdot LINK
	local r want before outside
	r=$(fake azure-2)
	OUT=$(mktemp -d "$tmp/outside.XXXXXX")
	mkdir -p "$OUT/state" "$r/var/lib"
	touch -d '2001-02-03 04:05:06' "$OUT/state" "$OUT"
	escape "$r" "$2" "$OUT/state" "$1"
	want=$r$OUT/state
	[ "$2" = var/lib ] && want+=/azlxnet
	outside=$(listing "$OUT")
	before=$(tree "$r")
	run -j tune apply --root "$r" --no-imds
	expect_eq "$(listing "$OUT")" "$outside"
	expect_rc 0
	jq_eq .state_dir "\"$want\""
	[ -f "$want/tune.json" ] || fail "no state file in $want"
	run -j tune show --root "$r"
	expect_rc 0
	jq_eq .state "\"$want/tune.json\""
	run -j tune revert --root "$r"
	expect_eq "$(listing "$OUT")" "$outside"
	expect_rc 0
	[ ! -e "$want/tune.json" ] || fail "revert left $want/tune.json"
	expect_eq "$(tree "$r")" "$before"
}

# The state directory's own files symlinks out of the tree (the lock, the
# state file, the temporary file): none is created, written or read
# through; apply and revert fail, saying so.
jail_state_files() {	# jail_state_files abs|dotdot
	local r st outside before f
	r=$(fake azure-2)
	OUT=$(mktemp -d "$tmp/outside.XXXXXX")
	st=$r/var/lib/azlxnet
	mkdir -p "$st"
	touch -d '2001-02-03 04:05:06' "$OUT"
	before=$(tree "$r")
	for f in tune.lock tune.json.tmp; do
		escape "$r" "var/lib/azlxnet/$f" "$OUT/$f" "$1"
		outside=$(listing "$OUT")
		run -j tune apply --root "$r" --no-imds
		expect_eq "$(listing "$OUT")" "$outside"
		expect_rc 1
		expect_has "$out$err" "$st/"
		rm -f "$st/$f"
		expect_eq "$(tree "$r")" "$before"
	done
	# a recorded state outside: revert does not restore from it
	run -j tune apply --root "$r" --no-imds
	expect_rc 0
	mv "$st/tune.json" "$OUT/tune.json"
	touch -d '2001-02-03 04:05:06' "$OUT" "$OUT/tune.json"
	escape "$r" var/lib/azlxnet/tune.json "$OUT/tune.json" "$1"
	outside=$(listing "$OUT")
	run -j tune revert --root "$r"
	expect_eq "$(listing "$OUT")" "$outside"
	expect_rc 1
	expect_has "$out$err" "state file $st/tune.json"
	expect_eq "$(cat "$r/sys/class/block/sda/queue/read_ahead_kb")" 768
}

test_jail_state_absolute() {
	jail_state abs var/lib/azlxnet
	jail_state abs var/lib
}

test_jail_state_dotdot() {
	jail_state dotdot var/lib/azlxnet
	jail_state dotdot var/lib
}

test_jail_state_files() {
	jail_state_files abs
	jail_state_files dotdot
}

test_jail_state_fallback() {
	export AZLXNET_TUNE_NO_OPENAT2=1
	jail_state abs var/lib/azlxnet
	jail_state dotdot var/lib
	jail_state_files abs
}

test_jail_read_absolute() {
	jail_read abs
}

test_jail_read_dotdot() {
	jail_read dotdot
}

test_jail_write_absolute() {
	jail_write abs
}

test_jail_write_dotdot() {
	jail_write dotdot
}

# Without openat2(2) (kernels before 5.6): the same confinement.
test_jail_fallback() {
	export AZLXNET_TUNE_NO_OPENAT2=1
	jail_read abs
	jail_read dotdot
	jail_write abs
	jail_write dotdot
}

# Symlinks inside the tree are sysfs's own (class links, device/driver):
# absolute ones resolve from the root, as on the node.
inner_links() {
	local r
	r=$(fake azure-2)
	mkdir -p "$r/sys/devices/vmbus/net"
	mv "$r/sys/class/net/eth0" "$r/sys/devices/vmbus/net/eth0"
	ln -s /sys/devices/vmbus/net/eth0 "$r/sys/class/net/eth0"
	mkdir -p "$r/sys/devices/virtual/dmi"
	mv "$r/sys/class/dmi/id" "$r/sys/devices/virtual/dmi/id"
	ln -s ../../devices/virtual/dmi/id "$r/sys/class/dmi/id"
	run -j detect --root "$r"
	expect_rc 0
	jq_eq .platform.azure true
	jq_eq '[.nics[] | [.synthetic.name, .synthetic.driver, .vf.name, .vf.driver]]' \
		'[["eth0","hv_netvsc","enP30832s1","mana"]]'
	run -j tune --root "$r" --no-imds
	expect_rc 0
	jq_eq '[.items[] | select(.object == "eth0" and .setting == "tx-1/xps_cpus") | .new]' '["2"]'
	expect_eq "$(cat "$r/sys/devices/vmbus/net/eth0/queues/tx-1/xps_cpus")" 2
}

test_jail_inner_links() {
	inner_links
}

test_jail_inner_links_fallback() {
	export AZLXNET_TUNE_NO_OPENAT2=1
	inner_links
}

# ---- VF interrupts ----------------------------------------------------------------

# new OBJECT SETTING: the planned value of that item, "none" if there is none
new() {
	printf '%s' "$out" | jq -r --arg o "$1" --arg s "$2" \
		'[.items[] | select(.object == $o and .setting == $s) | .new] | if length == 1 then .[0] elif length == 0 then "none" else "items: \(length)" end'
}

# vf_irqs VMBUS-OBJECT VF CONTROL-IRQ IRQ...: the IRQ of VF queue N (the
# Nth IRQ given) gets the CPU planned for synthetic channel N (relid 14+N);
# the control IRQ is left alone
vf_irqs() {
	local chan=$1 vf=$2 ctl=$3 q=0 irq cpu
	shift 3
	expect_eq "$(new "$vf" "irq $ctl affinity")" none
	for irq in "$@"; do
		cpu=$(new "$chan" "channel $((14 + q)) cpu")
		[ "$cpu" != none ] || fail "no plan for channel $((14 + q))"
		expect_eq "$(new "$vf" "irq $irq affinity")" "$cpu"
		q=$((q + 1))
	done
	jq_eq "[.items[] | select(.area == \"irq\" and .object == \"$vf\")] | length" $#
}

test_vf_irqs_mana() {
	local r
	r=$(fake azure-2)
	run -j tune --dry-run --root "$r" --no-imds
	expect_rc 0
	vf_irqs "eth0 000d3a6e" enP30832s1 24 25 26
	expect_has "$(item enP30832s1 "irq 26 affinity")" "VF queue 1 (mana_q1@pci:7870:00:00.0)"
	r=$(fake azure-64)
	run -j tune --dry-run --root "$r" --no-imds
	expect_rc 0
	vf_irqs "eth0 000d3a6e" enP1s1 40 41 42 43 44 45 46 47 48
	vf_irqs "eth1 000d3a6e" enP2s2 56 57 58 59 60 61 62 63 64
	expect_eq "$(new enP2s2 "irq 57 affinity")" 32
}

# mlx5 and mlx4: IRQ numbers out of vector order, the control EQ first
test_vf_irqs_mlx5() {
	local r
	r=$(fake azure-4-mlx5)
	run -j tune --dry-run --root "$r" --no-imds
	expect_rc 0
	vf_irqs "eth0 000d3a6e" enP4660s1 30 34 33 32 31
	run -j detect --root "$r"
	expect_rc 0
	jq_eq '.nics[0].vf.irqs | map("\(.irq):\(.queue)") | join(" ")' '"30:null 31:3 32:2 33:1 34:0"'
}

test_vf_irqs_mlx4() {
	local r
	r=$(fake azure-4-mlx4)
	run -j tune --dry-run --root "$r" --no-imds
	expect_rc 0
	jq_eq '[.items[] | select(.object == "enP4660s1" and .setting == "channels combined")] | length' 1
	vf_irqs "eth0 000d3a6e" enP4660s1 30 34 33 32 31
}

# Names the tool does not know (mana before 6.2 named every vector
# "mana_intr"), or no /proc/interrupts: the VF's IRQs left alone, said so.
test_vf_irqs_unknown() {
	local r
	r=$(fake azure-2)
	sed -i 's/mana_[a-z0-9]*@pci:7870:00:00.0/mana_intr/' "$r/proc/interrupts"
	run -j tune --dry-run --root "$r" --no-imds
	expect_rc 0
	jq_eq '[.items[] | select(.area == "irq")] | length' 0
	jq_eq '[.notes[] | select(test("enP30832s1: 3 VF interrupt\\(s\\) left alone: names not known"))] | length' 1
	rm "$r/proc/interrupts"
	run -j tune --dry-run --root "$r" --no-imds
	expect_rc 0
	jq_eq '[.items[] | select(.area == "irq")] | length' 0
	jq_eq '[.notes[] | select(test("enP30832s1: VF interrupts left alone: /proc/interrupts"))] | length' 1
}

# ---- irqbalance ----------------------------------------------------------------------

# irqbalance running: it would move the VF's IRQs back within seconds, so
# the plan leaves them to it and says so; [nic] irq_affinity = yes insists.
test_irqbalance() {
	local r
	r=$(fake azure-2)
	mkdir -p "$r/proc/1" "$r/proc/812" "$r/proc/self"
	echo systemd >"$r/proc/1/comm"
	echo irqbalance >"$r/proc/812/comm"
	run -j detect --root "$r"
	expect_rc 0
	jq_eq .irqbalance 812
	run -j tune --dry-run --root "$r" --no-imds
	expect_rc 0
	jq_eq '[.items[] | select(.area == "irq")] | length' 0
	jq_eq '[.notes[] | select(test("^enP30832s1: VF interrupts left to irqbalance \\(pid 812\\)"))] | length' 1
	# the VMBus channels, which irqbalance cannot see, are still planned
	expect_eq "$(new "eth0 000d3a6e" "channel 15 cpu")" 1
	mkdir -p "$r/etc/azlxnet"
	printf '[nic]\nirq_affinity = yes\n' >"$r/etc/azlxnet/azlxnet.conf"
	run -j tune --dry-run --root "$r" --no-imds
	expect_rc 0
	expect_eq "$(new enP30832s1 "irq 26 affinity")" 1
	jq_eq '[.notes[] | select(test("^enP30832s1: irqbalance \\(pid 812\\) runs: it may move these interrupts again"))] | length' 1
	# not running: no note, the IRQs planned
	rm -r "$r/proc/812" "$r/etc/azlxnet/azlxnet.conf"
	run -j detect --root "$r"
	jq_eq .irqbalance null
	run -j tune --dry-run --root "$r" --no-imds
	jq_eq '[.notes[] | select(test("irqbalance"))] | length' 0
	expect_eq "$(new enP30832s1 "irq 26 affinity")" 1
}

# ---- disruptive items -----------------------------------------------------------------

# netvsc detaches the NIC to change its channels or ring, mana and mlx5
# re-create the VF's queues: such items are marked, in the plan and in
# apply's output, and --no-disruptive leaves them out.
test_disruptive_marked() {
	local r
	r=$(fake azure-64)
	run -j tune --dry-run --root "$r" --no-imds
	expect_rc 0
	jq_eq '[.items[] | select(.disruptive) | "\(.object) \(.setting)"] | join(",")' \
		'"eth0 channels combined,eth0 rings rx,enP1s1 channels combined,eth1 channels combined,eth1 rings rx,enP2s2 channels combined"'
	jq_eq '[.items[] | select(.object == "eth0" and .setting == "rings rx") | .disruption][0]' \
		'"netvsc detaches the NIC to change it: traffic stops for a moment"'
	jq_eq '[.items[] | select(.object == "enP1s1" and .setting == "channels combined") | .disruption][0]' \
		'"the VF re-creates its queues: traffic takes the synthetic path for a moment"'
	jq_eq '[.items[] | select(.disruptive | not) | .disruption] | unique' '[null]'
	jq_eq .disruptive 6
	run tune --dry-run --root "$r" --no-imds
	expect_rc 0
	expect_has "$(grep -E '^nic +eth0 +rings rx ' "$tmp/out")" "[disruptive]"
	[[ "$(grep -E '^nic +eth0 +features rx-lro' "$tmp/out")" != *disruptive* ]] || fail "LRO marked"
	expect_has "$out" "6 disruptive change(s): netvsc detaches the NIC"
	# apply says so too, without asking
	run -j tune --root "$r" --no-imds --state-dir "$tmp/st.marked" </dev/null
	expect_rc 0
	jq_eq '[.items[] | select(.disruptive and .change)] | length' 6
	r=$(fake azure-64)
	run tune --root "$r" --no-imds --state-dir "$tmp/st.marked2" </dev/null
	expect_rc 0
	expect_has "$(grep -E '^nic +eth0 +channels combined ' "$tmp/out")" "[disruptive]"
	expect_has "$out" "6 disruptive change(s)"
	expect_has "$out" "applied "
}

test_no_disruptive() {
	local r
	r=$(fake azure-64)
	run -j tune --dry-run --root "$r" --no-imds --no-disruptive
	expect_rc 0
	jq_eq '[.items[] | select(.disruptive)] | length' 0
	jq_eq '[.items[] | select(.area == "nic" and (.setting | test("^(channels|rings)")))] | length' 0
	jq_eq '[.notes[] | select(test("^eth0 channels combined: left out \\(--no-disruptive\\): netvsc detaches"))] | length' 1
	# the queues stay 8: no RPS/XPS item for queues that will not come
	jq_eq '[.items[] | select(.object == "eth0" and .setting == "tx-8/xps_cpus")] | length' 0
	jq_eq '[.items[] | select(.object == "eth0" and .setting == "tx-7/xps_cpus") | .new][0]' \
		'"80808080,80808080"'
	# and applied so: channels and ring as they were
	run -j tune --root "$r" --no-imds --no-disruptive --state-dir "$tmp/st.nodisr"
	expect_rc 0
	expect_eq "$(cat "$r/ethtool/eth0/channels.combined")" 8
	expect_eq "$(cat "$r/ethtool/eth0/rings.rx")" 1024
	expect_eq "$(cat "$r/ethtool/eth0/features.rx-lro")" off
}

# ---- speed -------------------------------------------------------------------------

# tune --dry-run on the 64-vCPU node: under 50 ms and 10 MiB, the best of 5
# runs (a loaded machine slows some), with the plain build (not ASan's).
test_plan_speed_azure64() {
	local r plain=$AZ i t0 t1 ms rss best_ms=999999 best_rss=999999999
	# the ASan build is DIR.san/azlxnet, the plain one DIR
	case "$AZ" in
	*.san/*) plain=${AZ%.san/*} ;;
	esac
	[ -x "$plain" ] || fail "no plain build at $plain"
	[ -x /usr/bin/time ] || fail "needs /usr/bin/time (Debian package time)"
	r=$(fake azure-64)
	for i in 1 2 3 4 5; do
		t0=${EPOCHREALTIME/[.,]/}
		/usr/bin/time -f %M -o "$tmp/rss" "$plain" -j tune --dry-run --root "$r" \
			--imds-file "$FIX/imds-azure-64.json" >"$tmp/out" 2>"$tmp/err" ||
			fail "run $i: $(cat "$tmp/err")"
		t1=${EPOCHREALTIME/[.,]/}
		ms=$(((t1 - t0) / 1000))
		rss=$(tail -n 1 "$tmp/rss")
		[ "$ms" -lt "$best_ms" ] && best_ms=$ms
		[ "$rss" -lt "$best_rss" ] && best_rss=$rss
		echo "run $i: $ms ms, $rss KiB"
	done
	out=$(cat "$tmp/out")
	jq_eq '.items | length > 300' true
	[ "$best_ms" -lt 50 ] || fail "tune --dry-run took $best_ms ms at best (limit 50)"
	[ "$best_rss" -lt 10240 ] || fail "tune --dry-run used $best_rss KiB at best (limit 10240)"
}

TESTS=(
	jail_read_absolute
	jail_read_dotdot
	jail_write_absolute
	jail_write_dotdot
	jail_fallback
	jail_state_absolute
	jail_state_dotdot
	jail_state_files
	jail_state_fallback
	jail_inner_links
	jail_inner_links_fallback
	vf_irqs_mana
	vf_irqs_mlx5
	vf_irqs_mlx4
	vf_irqs_unknown
	disruptive_marked
	no_disruptive
	irqbalance
	plan_speed_azure64
)

run_tests
