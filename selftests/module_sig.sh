#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Signed modules on a kernel that enforces module signatures: make
# check-debug's own boot of the debug kernel with module.sig_enforce=1 (the
# kernel trusts the project's test key, and our modules are signed with it);
# skips on a kernel that does not enforce signatures. scripts/vmtest packs
# copies of azlxnet.ko in /usr/lib/azlxnet/test/sig/ (see
# scripts/tests/sign/prepare-vm): unsigned.ko, untrusted.ko (signed with a
# key the kernel does not trust) and tampered.ko (a byte changed after
# signing).
#  1. The signed modules load, and the kernel does not mark them unsigned
#     (no E in their taint).
#  2. Each copy is refused with the kernel's error, and the kernel log says
#     why: unsigned and untrusted with EKEYREJECTED ("Loading of unsigned
#     module is rejected", "Loading of module with unavailable key is
#     rejected"), tampered with EKEYREJECTED (the signature does not verify).
#  3. With a copy installed as the modules tree's azlxnet.ko, "azlxnet module
#     load" fails with the kernel's errno text and "azlxnet status" says that
#     signatures are enforced and whether the installed module is signed.
#  4. With azlxnet.ko refused, "azlxnet fastpath enable" still works, with
#     the programs without the kfunc, and says so.

source "$(dirname "$0")/lib.sh"
require_root
require_cmd azlxnet modprobe insmod rmmod ip jq bpftool dmesg
SIG=/usr/lib/azlxnet/test/sig
up=azms-up0
tmp=$(mktemp -d)
installed=

[ "$(cat /sys/module/module/parameters/sig_enforce 2>/dev/null)" = Y ] ||
	skip "the kernel does not enforce module signatures (boot with module.sig_enforce=1)"
for c in unsigned untrusted tampered; do
	[ -f "$SIG/$c.ko" ] || fail "no $SIG/$c.ko (scripts/tests/sign/prepare-vm makes it)"
done

cleanup()
{
	azlxnet fastpath disable $up >/dev/null 2>&1
	ip link del $up 2>/dev/null
	[ -z "$installed" ] || cp "$tmp/azlxnet.ko" "$installed"
	rm -rf "$tmp"
	cleanup_module
	rmmod dm_azlx 2>/dev/null
	return 0
}
trap cleanup EXIT

# kmsg_mark / kmsg_since: the kernel log lines since the mark.
kmsg_mark() { kmsg_n=$(dmesg | wc -l); }
kmsg_since() { dmesg | tail -n +$((kmsg_n + 1)); }

# refused KO ERRTEXT KMSG-REGEX WHAT: insmod KO fails with the kernel's
# ERRTEXT and the kernel log says KMSG-REGEX (empty: prints what it says).
refused()
{
	local ko=$1 errtext=$2 kmsg=$3 what=$4 out log
	kmsg_mark
	if out=$(insmod "$ko" 2>&1); then
		fail "$what: insmod $ko succeeded on a kernel that enforces signatures"
	fi
	log=$(kmsg_since)
	echo "$what: insmod: $out"
	echo "$what: kernel log: ${log:-(nothing)}"
	assert_match "$out" "$errtext" "$what: insmod's error"
	[ -z "$kmsg" ] || assert_match "$log" "$kmsg" "$what: the kernel log"
	! mod_loaded || fail "$what: $MOD is loaded after a refused insmod"
}

# 1. The signed modules load.
mod_unload
modprobe $MOD || fail "modprobe $MOD (signed with the test key)"
mod_loaded || fail "$MOD is not live after modprobe"
taint=$(cat $SYSMOD/taint)
echo "$MOD taint: $taint"
[[ "$taint" != *E* ]] || fail "$MOD is marked unsigned (taint $taint)"
modprobe dm-azlx || fail "modprobe dm-azlx (signed with the test key)"
[[ "$(cat /sys/module/dm_azlx/taint)" != *E* ]] || fail "dm_azlx is marked unsigned"
rmmod dm_azlx || fail "rmmod dm_azlx"
mod_unload

# 2. The copies are refused.
refused "$SIG/unsigned.ko" 'Key was rejected by service' \
	'Loading of unsigned module is rejected' "unsigned"
refused "$SIG/untrusted.ko" 'Key was rejected by service' \
	'Loading of module with unavailable key is rejected' "untrusted key"
refused "$SIG/tampered.ko" 'Key was rejected by service' '' "tampered"

# 3. The tool, with each copy installed as the node's azlxnet.ko.
installed=$(modinfo -F filename $MOD) || fail "$MOD is not installed for $(uname -r)"
cp "$installed" "$tmp/azlxnet.ko"
for c in unsigned tampered; do
	cp "$SIG/$c.ko" "$installed"
	out=$(azlxnet module load 2>&1)
	assert_eq "$?" 1 "$c: azlxnet module load's exit status"
	echo "$c: azlxnet module load: $out"
	assert_match "$out" "^Error: cannot load azlxnet: Key was rejected by service \(the kernel refused the module's signature" \
		"$c: azlxnet module load"
	assert_eq "$(azlxnet -j module load 2>&1 | jq -r .errno)" EKEYREJECTED "$c: module load's errno"
	out=$(azlxnet status 2>&1)
	assert_eq "$?" 3 "$c: azlxnet status's exit status"
	echo "$c: azlxnet status: $out"
	if [ $c = unsigned ]; then
		assert_match "$out" "module signature enforcement is on \(module.sig_enforce\) and $installed is not signed: the kernel refuses it" \
			"$c: azlxnet status"
	else
		assert_match "$out" "module signature enforcement is on \(module.sig_enforce\); $installed is signed by \"$(modinfo -F signer "$SIG/$c.ko")\" \(key $(modinfo -F sig_key "$SIG/$c.ko"), sha[0-9]+\): if the kernel refuses it, it does not trust that key .* or the module changed after signing" \
			"$c: azlxnet status"
	fi
	! mod_loaded || fail "$c: $MOD is loaded"
done

# 4. The fast path without the module.
ip link add $up type dummy || fail "ip link add $up"
ip link set $up up
out=$(azlxnet fastpath enable $up) || fail "fastpath enable $up without the module: $out"
echo "fastpath enable: $out"
assert_match "$out" "^fast path enabled on $up \(ifindex [0-9]+\), without the azlxnet.ko kfunc \(the module is not loaded\): off-node traffic takes the synthetic NIC$" \
	"fastpath enable's text without the module"
assert_eq "$(azlxnet -j fastpath enable $up | jq -r '[.changed, .programs] | @tsv')" \
	"false	fastpath_nomod" "fastpath enable again: unchanged, the programs without the kfunc"
assert_eq "$(ingress_progs $up)" 1 "programs on $up's ingress"
assert_match "$(azlxnet fastpath show)" "uplink $up \(ifindex [0-9]+\): azlxnet_to_pod" "fastpath show"
azlxnet fastpath disable $up >/dev/null || fail "fastpath disable $up"
assert_eq "$(ingress_progs $up)" 0 "programs on $up's ingress after disable"
echo "ok: signed modules load; unsigned, untrusted and tampered ones are refused"
exit 0
