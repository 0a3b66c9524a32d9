# SPDX-License-Identifier: GPL-2.0-only
#
# Shared by the tool's command-line test scripts (cli.sh, cli-pod.sh,
# tune.sh): a private temporary directory, running the tool, the checks and
# the TAP runner. Source it after setting AZ (the tool) and TIMEOUT.
#
#   clilib_init NAME      $tmp, removed on exit
#   run ARGS...           the tool; sets rc, out (stdout), err (stderr)
#   expect_rc, expect_eq, expect_has, jq_eq, fail, skip
#   run_tests             runs test_<name> for each name in TESTS, as TAP;
#                         calls before_each (if defined) before each test

clilib_init() {
	tmp=$(mktemp -d "/tmp/azlxnet-$1.XXXXXX")
	chmod 755 "$tmp"
	trap 'rm -rf "$tmp"' EXIT
}

# run ARGS...: runs the tool; sets rc, out (stdout) and err (stderr)
run() {
	rc=0
	timeout "$TIMEOUT" "$AZ" "$@" >"$tmp/out" 2>"$tmp/err" </dev/null || rc=$?
	out=$(cat "$tmp/out")
	err=$(cat "$tmp/err")
}

fail() {
	echo "$*"
	echo "exit code: $rc"
	echo "stdout: ${out:0:3000}"
	echo "stderr: $err"
	return 1
}

expect_rc() {
	[ "$rc" -eq "$1" ] || fail "exit code $rc, expected $1"
}

expect_eq() {
	[ "$1" = "$2" ] || fail "got '$1', expected '$2'"
}

expect_has() {
	case "$1" in
	*"$2"*) ;;
	*) fail "'$2' not found in '${1:0:2000}'" ;;
	esac
}

# jq_eq FILTER VALUE: FILTER applied to stdout (which must be JSON) gives VALUE
jq_eq() {
	local v

	v=$(printf '%s' "$out" | jq -c -e "$1" 2>&1) || [ "$v" = false ] || [ "$v" = null ] ||
		fail "jq '$1' failed on stdout: $v"
	expect_eq "$v" "$2"
}

skip() {
	echo "$*" >&2
	exit 4
}

run_tests() {
	local t r n=0 failed=0

	echo "TAP version 13"
	echo "1..${#TESTS[@]}"
	for t in "${TESTS[@]}"; do
		n=$((n + 1))
		if declare -F before_each >/dev/null; then
			before_each
		fi
		# set -e inside the subshell: the first failed check ends the test
		# (not in an "||" list, where bash would ignore set -e)
		( set -e; "test_$t" ) >"$tmp/diag" 2>&1
		r=$?
		if [ "$r" -eq 0 ]; then
			echo "ok $n - $t"
		elif [ "$r" -eq 4 ]; then
			echo "ok $n - $t # SKIP $(tail -n 1 "$tmp/diag")"
		else
			sed 's/^/# /' "$tmp/diag"
			echo "not ok $n - $t"
			failed=$((failed + 1))
		fi
	done
	echo "# $((n - failed)) passed, $failed failed"
	[ "$failed" -eq 0 ]
}
