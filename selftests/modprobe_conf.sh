#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# The boot path: "modprobe azlxnet" from the depmod'ed module tree takes its
# options from /etc/modprobe.d/azlxnet.conf. modinfo describes the module.

source "$(dirname "$0")/lib.sh"
require_root
conf=/etc/modprobe.d/azlxnet.conf
saved=
cleanup()
{
	cleanup_module
	if [ -n "$saved" ]; then mv "$saved" $conf; else rm -f $conf; fi
}
trap cleanup EXIT
if [ -e $conf ]; then
	saved=$(mktemp)
	cp $conf "$saved"
fi

mod_unload
mkdir -p /etc/modprobe.d
cat >$conf <<CONF
# written by modprobe_conf.sh
options azlxnet synthetic_drivers=bonding,team vf_drivers=dummy,veth
CONF

modprobe azlxnet || fail "modprobe azlxnet"
mod_loaded || fail "not live after modprobe"
assert_eq "$(param synthetic_drivers)" "bonding,team" "synthetic_drivers from $conf"
assert_eq "$(param vf_drivers)" "dummy,veth" "vf_drivers from $conf"
modprobe -r azlxnet || fail "modprobe -r"
[ ! -d $SYSMOD ] || fail "still loaded after modprobe -r"

# Command-line options add to the file's (the last one wins).
modprobe azlxnet vf_drivers=mana || fail "modprobe with an option"
assert_eq "$(param vf_drivers)" "mana" "command-line vf_drivers"
assert_eq "$(param synthetic_drivers)" "bonding,team" "file synthetic_drivers kept"
modprobe -r azlxnet || fail "modprobe -r"

# modinfo: description, version, license, both parameters with types.
info=$(modinfo azlxnet) || fail "modinfo"
version=$(modinfo -F version azlxnet)
assert_match "$version" '^[0-9]+\.[0-9]+\.[0-9]+' "modinfo version"
assert_eq "$(modinfo -F license azlxnet)" "GPL" "modinfo license"
assert_match "$(modinfo -F description azlxnet)" 'azlxnet' "modinfo description"
assert_match "$info" 'parm: +synthetic_drivers:.*\(string\)' "modinfo synthetic_drivers"
assert_match "$info" 'parm: +vf_drivers:.*\(string\)' "modinfo vf_drivers"

# The loaded module reports the same version as modinfo.
modprobe azlxnet || fail "modprobe"
assert_eq "$(cat $SYSMOD/version)" "$version" "sysfs version"
echo "modprobe.d options applied; modinfo complete"
