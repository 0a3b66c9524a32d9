#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# make check-debug's command in the debug kernel's VM: the whole suite
# (run_kselftest.sh; AZLXNET_TIMEOUT_SCALE and AZLXNET_FUZZ_SEED pass
# through; arguments too, e.g. -t fault_injection.sh), then a kmemleak scan.
# TAP on stdout; the scan's result is
#   ok|not ok N debug: kmemleak: ...
# and fails when a reported leak has one of our modules in its backtrace, or
# an address in module space that no loaded module owns any more (the module
# that allocated it was unloaded: the tests unload ours), unless it is one
# of the kernel's own leaks listed in known[] below (with the reason). Other
# reports are listed and do not fail. Exit status: 0 when both passed.
set -u

dir=$(cd "$(dirname "$0")" && pwd)
km=/sys/kernel/debug/kmemleak

"$dir/run_kselftest.sh" "$@"
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
# Leaks of the kernel's own that our tests provoke, with the reason; a
# record matching every pattern of an entry (awk regexes, "&&"-separated)
# is listed as allowed, not charged to us.
known=(
	'sysfs_slab_add && kobject_set_name_vargs|mm/slub.c: sysfs_slab_add() does not kobject_put() when kobject_init_and_add() fails (fault injection in a kmem_cache_create() of our init), so the kobject name leaks'
)
# One record per leak: "unreferenced object ..." up to the next. Ours: a
# frame in azlxnet or dm_azlx, or an address no symbol covers any more
# (printed bare, or as "[<addr>] 0xaddr" on older kernels): module space.
verdicts=$(printf '%s\n' "$report" | awk -v known="$(printf '%s\n' "${known[@]}")" '
	BEGIN { nk = split(known, k, "\n") }
	function judge(   i, j, np, pats, ok) {
		if (rec == "") return
		if (!hit) { print "other"; return }
		for (i = 1; i <= nk; i++) {
			np = split(substr(k[i], 1, index(k[i], "|") - 1), pats, / *&& */)
			ok = 1
			for (j = 1; j <= np; j++) if (rec !~ pats[j]) ok = 0
			if (ok) { print "known " substr(k[i], index(k[i], "|") + 1); return }
		}
		print "ours"
	}
	/^unreferenced object/ { judge(); rec = $0; hit = 0; next }
	{ rec = rec "\n" $0 }
	/\[(azlxnet|dm_azlx)\]/ { hit = 1 }
	/^ +(\[<[0-9a-f]+>\] )?0xffffffff[a-f][0-9a-f]+$/ { hit = 1 }
	END { judge() }')
ours=$(grep -c '^ours$' <<<"$verdicts")
grep '^known ' <<<"$verdicts" | sort | uniq -c | sed 's/^ *\([0-9]*\) known /# allowed: \1 leak(s): /'
all=$(printf '%s\n' "$report" | grep -c '^unreferenced object')
printf '%s\n' "$report" | sed 's/^/# /'
if [ "$ours" -gt 0 ]; then
	echo "not ok $n debug: kmemleak: $ours of $all leaks have our modules (or an unloaded module) in their backtrace and are not known kernel leaks"
	exit 1
fi
echo "ok $n debug: kmemleak: none of the $all leaks reported is ours (listed above)"
exit $rc
