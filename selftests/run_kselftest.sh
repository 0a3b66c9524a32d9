#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Run the azlxnet selftests, kselftest style: TAP 13 on stdout, one process
# per test, each under the timeout from ./settings (timeout=N, or
# timeout.<test>=N for one test).
#
#   run_kselftest.sh [-t TEST]... [-l]
#
# -t runs only the named tests; -l lists them. Exit status: 0 when every test
# passed or was skipped, 1 otherwise. A skipped test's result line carries the
# reason it gave (its last "SKIP: ..." line).
#
# AZLXNET_TIMEOUT_SCALE=N multiplies every timeout (an integer; the debug
# kernel, with KASAN and lockdep under emulation, runs several times slower).
set -u

dir=$(cd "$(dirname "$0")" && pwd)
cd "$dir" || exit 1

timeout=$(sed -n 's/^timeout=//p' settings 2>/dev/null)
: "${timeout:=120}"
scale=${AZLXNET_TIMEOUT_SCALE:-1}
[[ "$scale" =~ ^[1-9][0-9]*$ ]] || { echo "AZLXNET_TIMEOUT_SCALE must be a positive integer" >&2; exit 2; }
mapfile -t all < <(grep -v '^#' tests.list)

only=()
while getopts "t:l" opt; do
	case $opt in
	t) only+=("$OPTARG") ;;
	l) printf '%s\n' "${all[@]}"; exit 0 ;;
	*) echo "usage: $0 [-t TEST]... [-l]" >&2; exit 2 ;;
	esac
done
if [ ${#only[@]} -gt 0 ]; then
	for t in "${only[@]}"; do
		printf '%s\n' "${all[@]}" | grep -qxF "$t" || { echo "no test '$t'" >&2; exit 2; }
	done
	tests=("${only[@]}")
else
	tests=("${all[@]}")
fi

kmsg()
{
	[ -w /dev/kmsg ] && echo "azlxnet-selftests: $*" >/dev/kmsg
	return 0
}

outf=$(mktemp "${TMPDIR:-/tmp}/ksft.XXXXXX") || exit 1
trap 'rm -f "$outf"' EXIT

echo "TAP version 13"
echo "1..${#tests[@]}"
n=0 failed=0
for t in "${tests[@]}"; do
	n=$((n + 1))
	echo "# selftests: azlxnet: $t"
	kmsg "start $t"
	start=$(date +%s)
	# settings: timeout=N for all, timeout.<test>=N for one
	limit=$(sed -n "s/^timeout\.$t=//p" settings 2>/dev/null)
	limit=$((${limit:-$timeout} * scale))
	timeout "$limit" "./$t" 2>&1 | tee "$outf" | sed -u 's/^/# /'
	rc=${PIPESTATUS[0]}
	why=$(sed -n 's/^SKIP: //p' "$outf" | tail -n 1)
	secs=$(($(date +%s) - start))
	kmsg "end $t rc=$rc"
	case $rc in
	0)   echo "ok $n selftests: azlxnet: $t # ${secs}s" ;;
	4)   echo "ok $n selftests: azlxnet: $t # SKIP${why:+ $why}" ;;
	124|143) echo "not ok $n selftests: azlxnet: $t # TIMEOUT ${limit}s"; failed=1 ;;
	*)   echo "not ok $n selftests: azlxnet: $t # exit=$rc"; failed=1 ;;
	esac
done
exit $failed
