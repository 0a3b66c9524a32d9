# SPDX-License-Identifier: GPL-2.0-only
#
# Helpers of the tune suites (tune.sh, tune-node.sh), sourced after
# clilib.sh: fake node trees and plan items. Needs $DIR (this folder),
# $tmp (clilib_init) and, for item, the plan JSON in $out.

# item OBJECT SETTING: [current, new, reason] of that plan item (JSON)
item() {
	printf '%s' "$out" | jq -c --arg o "$1" --arg s "$2" \
		'[.items[] | select(.object == $o and .setting == $s) | [.current, .new, .reason]] | if length == 1 then .[0] else "items: \(length)" end'
}

fake() {	# fake TYPE: a fresh tree; prints its path
	local d p=$tmp/pristine-$1
	# mkfake.sh once per type (its links are relative), a copy per test
	if [ ! -d "$p" ]; then
		"$DIR/mkfake.sh" "$1" "$p.new" >/dev/null && mv "$p.new" "$p" || return 1
	fi
	d=$(mktemp -d "$tmp/$1.XXXXXX") && chmod 755 "$d" || return 1
	cp -a "$p" "$d/root" || return 1
	echo "$d/root"
}
