#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Allocation failures in our modules, on a kernel with fault injection (the
# debug kernel of make check-debug; Debian's cloud kernels have none, so the
# test skips there). Each part fails allocations only where the stack shows
# the code under test (failslab/fail_page_alloc require-start/require-end):
#  1. azlxnet's init: every slab allocation made under do_init_module is
#     failed once, in turn (fault_nth module): a failed load says ENOMEM and
#     leaves nothing behind, so the next load works;
#  2. dm-azlx's constructor: every slab allocation under dm-azlx's text is
#     failed once, in turn, while loading a table with cgroups and caps
#     (fault_nth dm): a failed load says ENOMEM and leaves no table;
#  3. the genl fuzzer (genl_fuzz -F) with 10% of azlxnet's slab and page
#     allocations failing: every answer is the predicted one or a clean
#     ENOMEM/ENOBUFS, and the configuration is what the successful requests
#     made it.
# Leaks and splats (a KASAN report on an error path, a lock left held) are
# found by the run's kmemleak scan and kernel log scan (scripts/vmtest tells
# the stack dumps of forced failures from real reports).

source "$(dirname "$0")/dm_azlx_lib.sh"
source "$(dirname "$0")/fault_lib.sh"
dir=$(cd "$(dirname "$0")" && pwd)
fi_require
dmx_init
seed=${AZLXNET_FUZZ_SEED:-20261204}
[ "$seed" != random ] || seed=$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')

# symbol_range SYM: "START END" of a kernel function (up to the next symbol).
symbol_range()
{
	sort /proc/kallsyms | awk -v s="$1" '
		found { printf "0x%s\n", $1; exit }
		$3 == s && $2 ~ /[tT]/ { printf "0x%s ", $1; found = 1 }'
}

cleanup()
{
	fi_reset 2>/dev/null
	dmx_cleanup
	cleanup_module
	return 0
}
trap cleanup EXIT
fi_reset

# 1. azlxnet's init.
mod_unload
read -r s e <<<"$(symbol_range do_init_module)"
[ -n "${e:-}" ] || fail "no do_init_module in /proc/kallsyms"
fi_set failslab ignore-gfp-wait N
fi_range failslab "$s" "$e"
out=$("$dir/fault_nth" module "$(mod_path)" 2>&1)
rc=$?
printf '%s\n' "$out"
[ $rc -eq 0 ] || fail "azlxnet's init under failslab"
assert_match "$out" '^azlxnet: [1-9][0-9]* injection points' "azlxnet: points reached"
[ ! -d $SYSMOD ] || fail "azlxnet is still loaded"
modprobe azlxnet || fail "modprobe azlxnet after the injected failures"
rmmod azlxnet || fail "rmmod azlxnet"
fi_reset

# 2. dm-azlx's constructor.
dmx_loop loop 16
len=$(($(dmx_sectors "$loop") - 2048))
dmx_cgroup c1 azlxt-fi1
dmx_cgroup c2 azlxt-fi2
[ -d /sys/module/dm_azlx ] || modprobe dm-azlx || fail "modprobe dm-azlx"
read -r s e <<<"$(module_range dm_azlx)"
[ -n "${e:-}" ] || fail "dm_azlx is not in /proc/modules"
fi_set failslab ignore-gfp-wait N
fi_range failslab "$s" "$e"
table="$loop 2048 100 10 burst_iops=500 critical=/azlxt-fi1:/azlxt-fi2 cap=/azlxt-fi2:50"
out=$("$dir/fault_nth" dm azlxt-fi "$len" azlx "$table" 2>&1)
rc=$?
printf '%s\n' "$out"
[ $rc -eq 0 ] || fail "dm-azlx's constructor under failslab"
assert_match "$out" 'azlx table: [1-9][0-9]* injection points' "dm-azlx: points reached"
fi_reset
# The target still works: a table loads and data reads back.
dmx_create azlxt-fi "$len" "$table"
head -c 1M /dev/urandom >/tmp/azlxt-fi.data
dd if=/tmp/azlxt-fi.data of=/dev/mapper/azlxt-fi bs=64k oflag=direct status=none ||
	fail "write through azlxt-fi"
cmp -n 1048576 /tmp/azlxt-fi.data /dev/mapper/azlxt-fi || fail "data read back differs"
rm -f /tmp/azlxt-fi.data
dmsetup remove azlxt-fi || fail "remove azlxt-fi"

# 3. The genl fuzzer with azlxnet's allocations failing at random.
modprobe azlxnet || fail "modprobe azlxnet"
read -r s e <<<"$(module_range azlxnet)"
for a in failslab fail_page_alloc; do
	fi_set $a ignore-gfp-wait N
	fi_set $a task-filter Y
	fi_set $a probability 10
	fi_set $a verbose 1
	fi_range $a "$s" "$e"
done
fi_set fail_page_alloc min-order 0
echo "genl_fuzz seed $seed (AZLXNET_FUZZ_SEED=$seed replays it)"
"$dir/genl_fuzz" -F -s "$seed" 2000 || fail "genl_fuzz under fault injection (seed $seed)"
fi_reset
assert_eq "$(cat $SYSMOD/refcnt)" 0 "azlxnet refcnt after the fuzzer"
mod_unload
exit 0
