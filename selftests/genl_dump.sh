#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# The consistency flag of the nic-get dump (see genl_test.c, "dump"): 60
# dummies as synthetic NICs make a dump of several rounds; unchanged, no
# message says NLM_F_DUMP_INTR; with a NIC added between two rounds, the
# first message filled after the change says it, and no other does. The
# same again with a NIC removed. Then the tool's nic show (which dumps
# again on the flag) lists every NIC.

source "$(dirname "$0")/lib.sh"
require_root
require_cmd ip jq azlxnet
N=60
cleanup()
{
	ip link del azgd-new 2>/dev/null
	for i in $(seq 0 $((N - 1))); do echo "link del azgd$i"; done |
		ip -batch - 2>/dev/null
	cleanup_module
	return 0
}
trap cleanup EXIT

mod_unload
modprobe azlxnet synthetic_drivers=dummy vf_drivers=veth || fail "modprobe azlxnet"
for i in $(seq 0 $((N - 1))); do echo "link add azgd$i type dummy"; done |
	ip -batch - || fail "creating $N dummies"

# dummy0 too, if loading dummy made it
n=$(ip -o link show type dummy | grep -c .)
[ "$n" -ge $N ] || fail "only $n dummies"
"$(dirname "$0")/genl_test" dump "$n" "ip link add azgd-new type dummy" ||
	fail "genl_test dump with a NIC added"
"$(dirname "$0")/genl_test" dump $((n + 1)) "ip link del azgd-new" ||
	fail "genl_test dump with a NIC removed"
assert_eq "$(azlxnet -j nic show | jq '[.[].ifname | select(startswith("azgd"))] | length')" \
	"$N" "NICs in nic show"
assert_eq "$(cat $SYSMOD/refcnt)" 0 "refcnt after the dumps"
mod_unload
exit 0
