#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# "azlxnet config set" goes through the admin-only netlink operation: a good
# change shows in sysfs; a bad one is refused with the kernel's extack text
# and changes nothing; without CAP_NET_ADMIN it is refused with EPERM.
# "azlxnet module load/unload" go through libkmod with validated parameters.

source "$(dirname "$0")/lib.sh"
require_root
require_cmd azlxnet jq
trap cleanup_module EXIT

mod_unload
azlxnet module load synthetic_drivers=bonding || fail "azlxnet module load"
mod_loaded || fail "module load did not load the module"
assert_eq "$(param synthetic_drivers)" bonding "module load passed the parameter"
out=$(azlxnet module load no_such_param=1 2>&1) && fail "load accepted an unknown parameter"
assert_eq "$?" 2 "exit code for an unknown parameter"
assert_match "$out" 'no_such_param' "unknown parameter named in the error"

azlxnet config set synthetic-drivers bonding,team vf-drivers dummy,veth ||
	fail "config set"
assert_eq "$(param synthetic_drivers)" bonding,team "config set synthetic_drivers"
assert_eq "$(param vf_drivers)" dummy,veth "config set vf_drivers"
assert_eq "$(azlxnet -j config show | jq -c .vf_drivers)" '["dummy","veth"]' "config show"

out=$(azlxnet config set vf-drivers 'veth,,dummy' 2>&1) && fail "bad list accepted"
assert_eq "$?" 1 "exit code for a refused change"
assert_match "$out" '^Error: .*empty driver name in list' "extack text shown"
assert_eq "$(param vf_drivers)" dummy,veth "vf_drivers after a refused change"

# A driver in both lists, with the list the kernel blames named.
out=$(azlxnet config set vf-drivers veth,team 2>&1) && fail "overlapping lists accepted"
assert_eq "$?" 1 "exit code for overlapping lists"
assert_eq "$out" \
	"Error: vf-drivers: driver in both synthetic-drivers and vf-drivers (config-set failed: invalid argument)" \
	"error for overlapping lists"
assert_eq "$(param vf_drivers)" dummy,veth "vf_drivers after overlapping lists"
assert_eq "$(param synthetic_drivers)" bonding,team "synthetic_drivers after overlapping lists"

out=$(setpriv --reuid=65534 --regid=65534 --clear-groups azlxnet config set vf-drivers veth 2>&1) &&
	fail "unprivileged config set succeeded"
assert_match "$out" '^Error: .*(not permitted|CAP_NET_ADMIN)' "EPERM message"
assert_eq "$(param vf_drivers)" dummy,veth "vf_drivers after an unprivileged attempt"

azlxnet module unload || fail "azlxnet module unload"
[ ! -d $SYSMOD ] || fail "module unload left the module loaded"
