# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=bash
#
# Shared helpers for the azlxnet scripts. Source it, do not run it:
#
#   . "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
#
# Only defines azlxnet_* functions; sets no shell options and no globals.

# azlxnet_resolve_abi SUITE
# Print the ABI name (e.g. 6.1.0-56-cloud-amd64) that the linux-headers-cloud-amd64
# metapackage of SUITE depends on, or nothing when the suite's package list is
# unavailable. Needs up-to-date apt lists.
azlxnet_resolve_abi() {
	local suite=$1
	apt-cache show "linux-headers-cloud-amd64/$suite" 2>/dev/null |
		sed -n 's/^Depends: //p' | tr ',' '\n' |
		sed -n 's/^ *linux-headers-\([0-9][^ ]*-cloud-amd64\).*/\1/p' | head -n1
}

# azlxnet_target_suites TARGET
# The Debian suites a target kernel comes from, in order of preference.
azlxnet_target_suites() {
	case "$1" in
	6.1) echo "bookworm-security bookworm" ;;
	6.12) echo "bookworm-backports" ;;
	*) return 1 ;;
	esac
}

# azlxnet_installed_abi TARGET
# Newest ABI of TARGET with an installed /usr/src/linux-headers-<abi> tree.
azlxnet_installed_abi() {
	local d
	for d in /usr/src/linux-headers-"$1".*-cloud-amd64; do
		[ -f "$d/.config" ] && printf '%s\n' "${d#/usr/src/linux-headers-}"
	done | sort -V | tail -n1
}

# azlxnet_kernel_abi TARGET
# Print the ABI name for TARGET (6.1 or 6.12). Order: the AZLXNET_KVER_6_1 /
# AZLXNET_KVER_6_12 environment override, the apt metapackage of the target's
# suites (as install-deps resolves it), then the newest installed headers tree.
# Returns 1 (printing nothing) if none of these gives an answer, 2 for an
# unknown target.
azlxnet_kernel_abi() {
	local target=$1 var abi suite suites
	suites=$(azlxnet_target_suites "$target") || return 2
	var=AZLXNET_KVER_${target//./_}
	abi=${!var:-}
	if [ -z "$abi" ]; then
		for suite in $suites; do
			abi=$(azlxnet_resolve_abi "$suite")
			[ -n "$abi" ] && break
		done
	fi
	[ -n "$abi" ] || abi=$(azlxnet_installed_abi "$target")
	[ -n "$abi" ] || return 1
	printf '%s\n' "$abi"
}

# azlxnet_cache_dir
# Root of the download/build cache (outside the source tree).
azlxnet_cache_dir() {
	printf '%s\n' "${AZLXNET_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/azlxnet}"
}
