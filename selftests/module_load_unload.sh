#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Load and unload each module $CYCLES times (25; AZLXNET_LOAD_CYCLES
# overrides), with users in between:
#
# azlxnet.ko, loaded with parameters: every load shows the parameters given
# and finds the stand-in NIC pair (a bond over a dummy). An events listener
# ("azlxnet monitor") gets the VF leave and join the cycle makes, and learns
# of the unload. A pinned BPF program calling the kfunc holds the module:
# unloading it fails with EAGAIN; once the pin is gone the refcount returns
# to 0 and the module unloads. Afterwards /sys/module/azlxnet is gone.
#
# dm-azlx.ko: a table over a loop device carries patterned writes, read back
# and verified through it; while it exists the module cannot be unloaded;
# once it is removed the module unloads and /sys/module/dm_azlx is gone.
#
# At the end nothing is left: no dm devices, no pins, no listener, neither
# module. Bad azlxnet parameter values are refused at load and through sysfs
# and change nothing. (vmtest scans dmesg for splats after the run.)

source "$(dirname "$0")/dm_azlx_lib.sh"
dir=$(cd "$(dirname "$0")" && pwd)
require_cmd azlxnet ip dmsetup losetup
tmp=$(mktemp -d)
pin=/sys/fs/bpf/azlu_kfunc_probe
bond=azlu-b0
vf=azlu-v0
monpid=
DMMOD=dm_azlx
DMSYS=/sys/module/$DMMOD

cleanup()
{
	if [ -n "$monpid" ]; then
		kill "$monpid" 2>/dev/null
		wait "$monpid" 2>/dev/null
	fi
	rm -f "$pin"
	ip link del $bond 2>/dev/null
	ip link del $vf 2>/dev/null
	dmx_cleanup
	cleanup_module
	rm -rf "$tmp"
	return 0
}

dmx_init
trap cleanup EXIT
[ -d /sys/fs/bpf ] && grep -q ' /sys/fs/bpf bpf ' /proc/mounts || skip "no bpffs on /sys/fs/bpf"
[ -r /sys/kernel/btf/vmlinux ] || skip "kernel without BTF (no kfuncs)"
CYCLES=${AZLXNET_LOAD_CYCLES:-25}

# wait_for SECONDS CMD...: poll CMD every 50 ms; generous, since a slow
# (debug, emulated, loaded) kernel only takes longer, it never fails faster.
wait_for()
{
	local n=$(($1 * 20))

	shift
	while ! "$@"; do
		n=$((n - 1))
		[ $n -gt 0 ] || return 1
		sleep 0.05
	done
}

refcnt_is() { [ "$(cat "/sys/module/$1/refcnt" 2>/dev/null)" = "$2" ]; }
lines_at_least() { [ "$(wc -l <"$1")" -ge "$2" ]; }
# not "kill -0": an exited child answers it until it is reaped
monitor_running()
{
	local st

	st=$(cut -d' ' -f3 "/proc/$monpid/stat" 2>/dev/null)
	[ -n "$st" ] && [ "$st" != Z ]
}

# unload_refused MODULE WHY: the kernel refuses to unload MODULE (EAGAIN:
# someone holds a reference) and the module stays live.
unload_refused()
{
	local out

	out=$("$dir/kfunc_test" unload "$1") && fail "$2: $1 unloaded while in use"
	assert_match "$out" '^(EAGAIN|EBUSY)$' "$2: unloading $1 in use"
	[ "$(cat "/sys/module/$1/initstate" 2>/dev/null)" = live ] ||
		fail "$2: $1 is not live after a refused unload"
}

pins0=$(ls /sys/fs/bpf)
dm0=$(dmsetup ls)
ko=$(mod_path)
mod_unload
nic_setup
ip link add $bond type bond mode active-backup || fail "creating bond $bond"
ip link add $vf type dummy || fail "creating dummy $vf"
ip link set $vf master $bond || fail "enslaving $vf"
ip link set $bond up || fail "bond up"
B=$(ifindex $bond)
V=$(ifindex $vf)

for i in $(seq 1 "$CYCLES"); do
	synth="bonding,team$i"
	vfdrv="dummy,veth,vf-$i"
	insmod "$ko" synthetic_drivers="$synth" vf_drivers="$vfdrv" ||
		fail "insmod #$i"
	mod_loaded || fail "load #$i: initstate is not live"
	assert_eq "$(param synthetic_drivers)" "$synth" "load #$i synthetic_drivers"
	assert_eq "$(param vf_drivers)" "$vfdrv" "load #$i vf_drivers"
	assert_eq "$(cat $SYSMOD/refcnt)" 0 "load #$i refcnt"

	# A listener on the events group gets the leave and the join.
	azlxnet monitor >"$tmp/events" 2>"$tmp/monitor.err" &
	monpid=$!
	wait_for 30 grep -q listening "$tmp/monitor.err" ||
		fail "cycle #$i: monitor did not start: $(cat "$tmp/monitor.err")"
	ip link set $vf nomaster || fail "cycle #$i: releasing $vf"
	ip link set $vf master $bond || fail "cycle #$i: enslaving $vf"
	wait_for 30 lines_at_least "$tmp/events" 2 ||
		fail "cycle #$i: expected 2 events, got: $(cat "$tmp/events")"
	assert_match "$(sed -n 1p "$tmp/events")" "^vf-leave $bond \\(ifindex $B\\): vf none" \
		"cycle #$i: first event"
	assert_match "$(sed -n 2p "$tmp/events")" \
		"^vf-join $bond \\(ifindex $B\\): vf $vf \\(ifindex $V, dummy\\), state up" \
		"cycle #$i: second event"

	# A pinned program that calls the kfunc holds the module.
	out=$("$dir/kfunc_test" pin "$pin") || fail "cycle #$i: kfunc_test pin: $out"
	[ "$(cat $SYSMOD/refcnt)" -gt 0 ] || fail "cycle #$i: refcnt 0 with a pinned program"
	unload_refused $MOD "cycle #$i"
	monitor_running || fail "cycle #$i: the listener ended while the module is loaded"

	# Unpinned, the program goes an RCU grace period later, then the module.
	rm "$pin" || fail "cycle #$i: unpinning"
	wait_for 30 refcnt_is $MOD 0 ||
		fail "cycle #$i: refcnt $(cat $SYSMOD/refcnt) after unpinning"
	out=$("$dir/kfunc_test" unload $MOD) || fail "cycle #$i: unload after unpinning: $out"
	[ ! -d $SYSMOD ] || fail "unload #$i: $SYSMOD still exists"

	# The listener is told the family went away and stops.
	wait_for 30 eval '! monitor_running' || fail "cycle #$i: the listener missed the unload"
	wait "$monpid"
	rc=$?
	monpid=
	assert_eq "$rc" 3 "cycle #$i: listener's exit status after the unload"
	assert_match "$(cat "$tmp/monitor.err")" "azlxnet module was unloaded" \
		"cycle #$i: listener's message"
	assert_eq "$(wc -l <"$tmp/events")" 2 "cycle #$i: events"
done
echo "azlxnet: $CYCLES load/unload cycles with a listener and a pinned kfunc program"

# dm-azlx: each load carries a table with I/O through it.
dmko=$(modinfo -F filename dm-azlx) || fail "dm-azlx.ko is not installed"
[ -d $DMSYS ] && { rmmod $DMMOD || fail "dm-azlx loaded and in use before the test"; }
dmx_loop loop 16
len=$(dmx_sectors "$loop")
dm=/dev/mapper/azlxt-u
bytes=$((2 << 20))
for i in $(seq 1 "$CYCLES"); do
	insmod "$dmko" || fail "insmod dm-azlx #$i"
	assert_eq "$(cat $DMSYS/initstate)" live "load dm-azlx #$i initstate"
	assert_eq "$(cat $DMSYS/refcnt)" 0 "load dm-azlx #$i refcnt"
	dmx_create azlxt-u "$len" "$loop" 0 100000 10000
	assert_eq "$(cat $DMSYS/refcnt)" 1 "cycle #$i: refcnt with a table"
	"$DMX_IO" pattern write $dm --seed "$i" --gen 1 --bytes $bytes --threads 2 \
		>/dev/null || fail "cycle #$i: pattern write"
	"$DMX_IO" pattern verify $dm --seed "$i" --gen 1 --bytes $bytes --threads 2 \
		>/dev/null || fail "cycle #$i: pattern verify"
	# The target counted what went through it: written and read back.
	moved=$(dmx_field azlxt-u bytes)
	[ "$moved" -ge $((2 * bytes)) ] ||
		fail "cycle #$i: the target passed $moved bytes, expected at least $((2 * bytes))"
	unload_refused $DMMOD "cycle #$i"
	dmsetup remove azlxt-u || fail "cycle #$i: dmsetup remove"
	assert_eq "$(cat $DMSYS/refcnt)" 0 "cycle #$i: refcnt after the table went"
	rmmod $DMMOD || fail "rmmod dm-azlx #$i"
	[ ! -d $DMSYS ] || fail "unload dm-azlx #$i: $DMSYS still exists"
done
echo "dm-azlx: $CYCLES load/unload cycles with I/O through a table"

# Nothing is left behind.
assert_eq "$(dmsetup ls)" "$dm0" "dm devices at the end"
[ ! -e "$pin" ] || fail "$pin is left"
assert_eq "$(ls /sys/fs/bpf)" "$pins0" "pins in /sys/fs/bpf at the end"
[ ! -e /sys/kernel/btf/$MOD ] || fail "/sys/kernel/btf/$MOD is left"
[ ! -d $SYSMOD ] && [ ! -d $DMSYS ] || fail "a module is left loaded"
echo "nothing left: no azlx dm devices, no pins, no module BTF, neither module"

# Defaults, exactly as documented.
insmod "$ko" || fail "insmod without parameters"
assert_eq "$(param synthetic_drivers)" "hv_netvsc" "default synthetic_drivers"
assert_eq "$(param vf_drivers)" "mana,mlx5_core,mlx4_en" "default vf_drivers"

# Parameters are writable at run time; a bad value is refused (EINVAL) and
# leaves the old one.
echo "bonding" >$SYSMOD/parameters/synthetic_drivers || fail "sysfs write"
assert_eq "$(param synthetic_drivers)" "bonding" "sysfs-written synthetic_drivers"
echo "" >$SYSMOD/parameters/vf_drivers || fail "writing an empty list"
assert_eq "$(param vf_drivers)" "" "empty vf_drivers"
for bad in "a,,b" "bad name" ",x" "x," "a,a" "$(printf 'v\xe9th')" "$(printf 'd%s,' $(seq 1 9))" \
	   "$(printf '%040d' 0)"; do
	if echo "$bad" 2>/dev/null >$SYSMOD/parameters/synthetic_drivers; then
		fail "sysfs accepted synthetic_drivers='$bad'"
	fi
	assert_eq "$(param synthetic_drivers)" "bonding" "after rejecting '$bad'"
done
# A driver is in one list only: a write that would put it in both is
# refused (EINVAL, logged) and changes neither list.
echo "dummy,veth" >$SYSMOD/parameters/vf_drivers || fail "writing vf_drivers"
for w in "vf_drivers=mana,bonding" "synthetic_drivers=team,veth"; do
	out=$( (echo "${w#*=}" >"$SYSMOD/parameters/${w%%=*}") 2>&1) &&
		fail "sysfs accepted the overlapping $w"
	assert_match "$out" "Invalid argument" "error of the overlapping $w"
	assert_eq "$(param synthetic_drivers),$(param vf_drivers)" "bonding,dummy,veth" \
		"lists after refusing $w"
	dmesg | tail -n 5 | grep -q "azlxnet: ${w%%=*}: driver in both synthetic-drivers and vf-drivers" ||
		fail "the refusal of $w was not logged"
done
rmmod $MOD || fail "rmmod"

# At load the parameters are checked together, not one at a time against
# the other's default: moving mana from one list to the other is valid...
insmod "$ko" synthetic_drivers=mana vf_drivers=hv_netvsc || fail "insmod with the lists swapped"
assert_eq "$(param synthetic_drivers),$(param vf_drivers)" "mana,hv_netvsc" "swapped lists"
rmmod $MOD || fail "rmmod"
# ... and a driver in both fails the load, with nothing left registered.
if insmod "$ko" synthetic_drivers=dummy vf_drivers=veth,dummy 2>/dev/null; then
	fail "insmod accepted dummy in both lists"
fi
[ ! -d $SYSMOD ] || fail "module present after a load refused for overlapping lists"
dmesg | tail -n 5 | grep -q 'azlxnet: driver dummy is in both synthetic_drivers and vf_drivers' ||
	fail "the refused overlapping load did not log the reason"

# A bad value at load time fails the load and leaves nothing loaded.
if insmod "$ko" vf_drivers="not/a/driver" 2>/dev/null; then
	fail "insmod accepted vf_drivers=not/a/driver"
fi
[ ! -d $SYSMOD ] || fail "module present after a refused load"
dmesg | grep -q 'azlxnet: vf_drivers: invalid character in driver name' ||
	fail "refused load did not log the reason"
echo "bad values refused with the reason logged"
