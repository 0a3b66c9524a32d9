#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# genl_fuzz with azlxnet.ko freshly loaded (see genl_fuzz.c): 10000 random
# and malformed requests as root, then 1000 as nobody, where config-set must
# always get EPERM. Every request must be answered as the spec says and each
# pass leaves the configuration as it found it. A bond with a dummy under it
# and a veth pair give the config-sets devices to track and drop. Then the
# module must unload cleanly, and the kernel log must show no splat.
#
# The requests follow from a seed. AZLXNET_FUZZ_SEED chooses it: unset or
# empty, a fixed one (make check sends the same requests every run, so a
# failure replays); "random", a new one per run (the debug-kernel run); a
# number, that one (replaying a failure). The seed and the replay command
# are printed at the start and with a failure.

source "$(dirname "$0")/lib.sh"
require_root
dir=$(dirname "$0")
links=(azfz-bond azfz-dummy azfz-veth0)

# shellcheck disable=SC2317  # invoked by trap
cleanup()
{
	local l

	cleanup_module
	for l in "${links[@]}"; do
		ip link del "$l" 2>/dev/null
	done
	return 0
}
trap cleanup EXIT

# The fixed seed of make check.
FIXED_SEED=20261204

seed=${AZLXNET_FUZZ_SEED:-}
case $seed in
'') seed=$FIXED_SEED how="fixed" ;;
random) seed=$(od -An -N4 -tu4 /dev/urandom | tr -d ' ') how="random" ;;
*[!0-9]* | ???????????????????*)
	fail "AZLXNET_FUZZ_SEED='$seed': expected 'random' or a number below 10^18" ;;
*) seed=$((10#$seed)) how="from AZLXNET_FUZZ_SEED" ;;
esac
[[ "$seed" =~ ^[0-9]+$ ]] || fail "no seed from /dev/urandom"
if [ -n "${VMTEST_KERNEL:-}" ]; then
	replay="scripts/vmtest --kernel $VMTEST_KERNEL --"
	replay+=" 'AZLXNET_FUZZ_SEED=$seed /selftests/run_kselftest.sh -t genl_fuzz.sh'"
else
	replay="AZLXNET_FUZZ_SEED=$seed $0"
fi
echo "seed $seed ($how); replay: $replay"

mark="genl_fuzz.sh: start $$.$RANDOM"
[ -w /dev/kmsg ] && echo "$mark" >/dev/kmsg

mod_unload
modprobe azlxnet || fail "modprobe azlxnet"

# No default bond0 if bonding loads here: only the bond made below.
[ -d /sys/module/bonding ] || modprobe bonding max_bonds=0 2>/dev/null
if command -v ip >/dev/null &&
	ip link add azfz-bond type bond 2>/dev/null &&
	ip link add azfz-dummy type dummy &&
	ip link set azfz-dummy master azfz-bond &&
	ip link add azfz-veth0 type veth peer name azfz-veth1 &&
	ip link set azfz-bond up && ip link set azfz-dummy up &&
	ip link set azfz-veth0 up; then
	echo "devices for config-set: azfz-bond (bonding) over azfz-dummy, azfz-veth0/1"
else
	echo "no bond, dummy or veth: config-set has no devices to track"
fi

# Both passes run whatever the first found; the verdict comes at the end.
failed=()
"$dir/genl_fuzz" -s "$seed" 10000 || failed+=("genl_fuzz as root")
"$dir/genl_fuzz" -u -s "$seed" 1000 || failed+=("genl_fuzz as nobody")

assert_eq "$(cat $SYSMOD/refcnt)" 0 "refcnt after the requests"
mod_unload

if [ -w /dev/kmsg ] && command -v dmesg >/dev/null; then
	splat=$(dmesg | sed -n "\\|$mark|,\$p" |
		grep -E '\<(BUG|WARNING|Oops)\>|Call Trace|general protection|Kernel panic')
	[ -z "$splat" ] || fail "kernel log during the test:"$'\n'"$splat"
fi
[ ${#failed[@]} -eq 0 ] ||
	fail "$(printf '%s, ' "${failed[@]}" | sed 's/, $//') (seed $seed; replay: $replay)"
exit 0
