#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# make check-debug's command in the debug kernel's VM: the whole suite
# (run_kselftest.sh; AZLXNET_TIMEOUT_SCALE and AZLXNET_FUZZ_SEED pass
# through), then a kmemleak scan. TAP on stdout; the scan's result is
#   ok|not ok N debug: kmemleak: ...
# and fails when a reported leak has one of our modules in its backtrace, or
# an address in module space that no loaded module owns any more (the module
# that allocated it was unloaded: the tests unload ours). Other reports are
# listed and do not fail. Exit status: 0 when both passed.
set -u

dir=$(cd "$(dirname "$0")" && pwd)
km=/sys/kernel/debug/kmemleak

"$dir/run_kselftest.sh"
rc=$?
n=$(grep -vc '^#' "$dir/tests.list")
n=$((n + 1))

if [ ! -w $km ]; then
	echo "not ok $n debug: kmemleak: no $km (CONFIG_DEBUG_KMEMLEAK, debugfs)"
	exit 1
fi
# An object must be older than 5 s to be reported; two scans, as the
# kmemleak documentation advises, so that transient references are gone.
sleep 6
echo scan >$km
sleep 6
echo scan >$km
report=$(cat $km)
if [ -z "$report" ]; then
	echo "ok $n debug: kmemleak: no leak"
	exit $rc
fi
# One record per leak: "unreferenced object ..." up to the next.
ours=$(printf '%s\n' "$report" | awk '
	/^unreferenced object/ { if (rec != "" && hit) n++; rec = $0; hit = 0; next }
	{ rec = rec "\n" $0 }
	/\[(azlxnet|dm_azlx)\]/ { hit = 1 }
	/\[<ffffffff[a-f][0-9a-f]+>\] 0xffffffff[a-f][0-9a-f]+$/ { hit = 1 }
	END { if (rec != "" && hit) n++; print n + 0 }')
all=$(printf '%s\n' "$report" | grep -c '^unreferenced object')
printf '%s\n' "$report" | sed 's/^/# /'
if [ "$ours" -gt 0 ]; then
	echo "not ok $n debug: kmemleak: $ours of $all leaks have our modules (or an unloaded module) in their backtrace"
	exit 1
fi
echo "ok $n debug: kmemleak: none of the $all leaks reported involves our modules (listed above)"
exit $rc
