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

mod_unload()
{
	if [ -d $SYSMOD ]; then
		rmmod $MOD || fail "rmmod $MOD"
	fi
	[ ! -d $SYSMOD ] || fail "$SYSMOD still exists after rmmod"
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
