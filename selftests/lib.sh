# SPDX-License-Identifier: GPL-2.0-only
#
# Shared helpers for the azlxnet shell selftests. Source it; it sets -u.
# Exit codes follow kselftest: 0 pass, 1 fail, 4 skip.

set -u

ksft_skip=4
MOD=azlxnet
SYSMOD=/sys/module/$MOD

fail()
{
	echo "FAIL: $*" >&2
	exit 1
}

skip()
{
	echo "SKIP: $*" >&2
	exit $ksft_skip
}

# assert_eq ACTUAL EXPECTED WHAT
assert_eq()
{
	[ "$1" = "$2" ] || fail "$3: expected '$2', got '$1'"
}

# assert_match TEXT REGEX WHAT
assert_match()
{
	printf '%s' "$1" | grep -qE -- "$2" || fail "$3: '$1' does not match /$2/"
}

# wait_ready WHAT PID FILE...: wait until a background helper started
# with AZLXNET_READY=FILE has created FILE (set up, SIGTERM handled); fail
# if it exits first or takes 30 s (times AZLXNET_TIMEOUT_SCALE).
wait_ready()
{
	local what=$1 pid=$2 f i
	shift 2
	for f in "$@"; do
		for ((i = 0; ; i++)); do
			[ -e "$f" ] && break
			kill -0 "$pid" 2>/dev/null || fail "$what exited before it was ready"
			[ "$i" -lt $((300 * ${AZLXNET_TIMEOUT_SCALE:-1})) ] ||
				fail "$what not ready after $((30 * ${AZLXNET_TIMEOUT_SCALE:-1})) s"
			sleep 0.1
		done
	done
}

require_root()
{
	[ "$(id -u)" -eq 0 ] || skip "needs root"
}

require_cmd()
{
	local c
	for c in "$@"; do
		command -v "$c" >/dev/null || skip "needs $c"
	done
}

# Path of azlxnet.ko from the depmod'ed tree of the running kernel.
mod_path()
{
	modinfo -F filename $MOD 2>/dev/null || fail "$MOD is not installed for $(uname -r)"
}

mod_loaded()
{
	[ -d $SYSMOD ] && [ "$(cat $SYSMOD/initstate 2>/dev/null)" = live ]
}

# BPF programs that called a kfunc pin the module until they are freed,
# an RCU grace period after their last user: allow a few seconds.
mod_unload()
{
	local i
	for i in $(seq 1 50); do
		[ -d $SYSMOD ] || return 0
		rmmod $MOD 2>/dev/null && break
		sleep 0.1
	done
	[ ! -d $SYSMOD ] || fail "cannot unload $MOD (refcnt $(cat $SYSMOD/refcnt 2>/dev/null))"
}

param()
{
	cat "$SYSMOD/parameters/$1"
}

# Leave no module behind, whatever the test did.
cleanup_module()
{
	[ -d $SYSMOD ] && rmmod $MOD 2>/dev/null
	return 0
}

# The NIC model's stand-ins: a bond for the synthetic NIC (hv_netvsc), dummy
# or veth devices for the VF (mana, mlx5_core), as in Documentation/nic-model.rst.
NIC_PARAMS="synthetic_drivers=bonding vf_drivers=dummy,veth"

# Bonds only where the test makes them: no default bond0.
nic_setup()
{
	if [ ! -d /sys/module/bonding ]; then
		modprobe bonding max_bonds=0 || fail "modprobe bonding"
	fi
	ip link del bond0 2>/dev/null
	return 0
}

ifindex()
{
	cat "/sys/class/net/$1/ifindex" 2>/dev/null || fail "no device $1"
}

# nic_json DEV: azlxnet -j nic show DEV
nic_json()
{
	azlxnet -j nic show "$1" || fail "azlxnet nic show $1"
}

# nic_field DEV JQ-FILTER
nic_field()
{
	nic_json "$1" | jq -r "$2"
}

# kfunc_tx IFINDEX: what bpf_azlxnet_tx_ifindex() answers, via BPF_PROG_TEST_RUN
kfunc_tx()
{
	"$(dirname "$0")/nic_test" tx "$1" || fail "nic_test tx $1"
}

# azure_standin_disks: the disks scripts/vmtest adds (VMTEST_DISKS) into
# $msft (a SCSI disk that says Msft / Virtual Disk) and $nvme (an NVMe
# namespace); skips the test without them.
azure_standin_disks()
{
	local d
	msft=
	nvme=
	for d in /sys/class/block/sd*; do
		[ -e "$d/device/vendor" ] || continue
		if [ "$(tr -d ' ' <"$d/device/vendor")" = Msft ]; then
			msft=${d##*/}
			break
		fi
	done
	for d in /sys/class/block/nvme*n1; do
		[ -e "$d" ] && nvme=${d##*/} && break
	done
	[ -n "$msft" ] || skip "no Msft Virtual Disk (scripts/vmtest adds one: VMTEST_DISKS)"
	[ -n "$nvme" ] || skip "no NVMe disk (scripts/vmtest adds one: VMTEST_DISKS)"
}

# ingress_progs DEV: BPF programs on DEV's ingress, tc filters and tcx links
ingress_progs()
{
	bpftool net show dev "$1" | grep -cE '(clsact|tcx)/ingress'
}

# The netvsc-like stand-in (selftests/netvsc_sim, a test-only module): a
# netvsc_sim device claims the device with its MAC as its VF, as hv_netvsc
# does. SIM_PARAMS are azlxnet's parameters for it; the bond stays listed.
SIM_PARAMS="synthetic_drivers=bonding,netvsc_sim vf_drivers=dummy,veth"
SIM_MAC=02:00:00:00:0a:01

# sim_setup [PARAM=VALUE...]: (re)load netvsc_sim with these parameters
sim_setup()
{
	sim_unload
	modprobe netvsc_sim "$@" || fail "modprobe netvsc_sim $*"
}

sim_unload()
{
	[ ! -d /sys/module/netvsc_sim ] || rmmod netvsc_sim ||
		fail "cannot unload netvsc_sim"
}

# sim_param NAME [VALUE]: read or set a netvsc_sim parameter
sim_param()
{
	if [ $# -gt 1 ]; then
		echo "$2" >"/sys/module/netvsc_sim/parameters/$1" || fail "setting netvsc_sim $1=$2"
	else
		cat "/sys/module/netvsc_sim/parameters/$1"
	fi
}

# tx_packets DEV [NETNS]: DEV's tx_packets counter
tx_packets()
{
	if [ $# -gt 1 ]; then
		ip netns exec "$2" cat "/sys/class/net/$1/statistics/tx_packets"
	else
		cat "/sys/class/net/$1/statistics/tx_packets"
	fi || fail "no tx_packets for $1"
}

# master_of DEV [NETNS]: the name of DEV's master ("null" if none), as ip prints it
master_of()
{
	ip ${2:+-n "$2"} -j link show dev "$1" | jq -r '.[0].master // "null"'
}
