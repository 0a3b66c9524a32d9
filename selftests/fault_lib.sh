# SPDX-License-Identifier: GPL-2.0-only
#
# Fault injection helpers (failslab, fail_page_alloc) for the selftests that
# fail our modules' allocations. Source it after lib.sh; fi_require skips
# the test on a kernel without fault injection (Debian's cloud kernels: make
# check-debug runs these tests on the debug kernel).

FI_DBG=/sys/kernel/debug

fi_require()
{
	[ -d $FI_DBG/failslab ] && [ -e /proc/self/fail-nth ] ||
		skip "no fault injection in this kernel (CONFIG_FAILSLAB, CONFIG_FAULT_INJECTION_DEBUG_FS): make check-debug runs this"
	[ -e $FI_DBG/failslab/require-start ] ||
		skip "no CONFIG_FAULT_INJECTION_STACKTRACE_FILTER"
}

# fi_set ATTR KEY VALUE: one fault-injection setting.
fi_set()
{
	echo "$3" >"$FI_DBG/$1/$2" || fail "cannot set $1/$2 to $3"
}

# fi_reset: no injection anywhere, no filter.
fi_reset()
{
	local a
	for a in failslab fail_page_alloc; do
		fi_set $a probability 0
		fi_set $a interval 1
		fi_set $a times -1
		fi_set $a task-filter N
		fi_set $a require-start 0
		fi_set $a require-end 0xffffffffffffffff
		fi_set $a stacktrace-depth 32
		fi_set $a verbose 2
		fi_set $a ignore-gfp-wait Y
	done
	fi_set fail_page_alloc min-order 1
}

# fi_range ATTR START END: fail only where the stack has [START, END) (hex).
fi_range()
{
	fi_set "$1" require-start "$2"
	fi_set "$1" require-end "$3"
}

# module_range MOD: "START END" of a loaded module's memory (/proc/modules),
# in hex (bash arithmetic is signed: printf %x gives the unsigned value).
module_range()
{
	local name size addr
	while read -r name size _ _ _ addr _; do
		[ "$name" = "$1" ] || continue
		printf '%#x %#x\n' "$addr" $((addr + size))
	done </proc/modules
}
