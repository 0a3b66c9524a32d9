#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# An event the module cannot build reaches its listeners as ENOBUFS, and
# "azlxnet monitor" says so and reads the state again. Needs fault
# injection (the debug kernel of make check-debug; the cloud kernels skip).
#
# A bond stands in for the synthetic NIC and a dummy for its VF. With every
# slab and page allocation under azlxnet's text failing in one "ip link set
# VF down" (task filter), the vf-down event cannot be allocated: the
# monitor must print a "lost" record, then a "state" record of the NIC
# showing the VF down (what the lost event would have said), and nothing
# else; then, without injection, "ip link set VF up" is an ordinary vf-up
# event on the same, still running, monitor.

source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/fault_lib.sh"
require_root
require_cmd azlxnet jq ip
fi_require
tmp=$(mktemp -d)
monpid=
cleanup()
{
	fi_reset 2>/dev/null
	[ -n "$monpid" ] && kill "$monpid" 2>/dev/null
	ip link del azlb0 2>/dev/null
	ip link del azlv0 2>/dev/null
	cleanup_module
	rm -rf "$tmp"
	return 0
}
trap cleanup EXIT
fi_reset

mod_unload
nic_setup
modprobe azlxnet $NIC_PARAMS || fail "modprobe azlxnet"
ip link add azlb0 type bond mode active-backup || fail "creating bond azlb0"
ip link add azlv0 type dummy || fail "creating dummy azlv0"
ip link set azlv0 master azlb0 || fail "enslaving azlv0"
ip link set azlb0 up
ip link set azlv0 up
B=$(ifindex azlb0) V=$(ifindex azlv0)
assert_eq "$(nic_field azlb0 .vf_state)" up "VF state before the test"

azlxnet -j monitor >"$tmp/events" 2>"$tmp/monitor.err" &
monpid=$!
end=$((SECONDS + 20))
while [ $SECONDS -lt $end ] && ! grep -q listening "$tmp/monitor.err"; do
	sleep 0.05
done
grep -q listening "$tmp/monitor.err" || fail "monitor did not start: $(cat "$tmp/monitor.err")"

# wait_lines N: until the monitor has printed N lines (10 s at most)
wait_lines()
{
	local end=$((SECONDS + 10))
	while [ $SECONDS -lt $end ]; do
		[ "$(wc -l <"$tmp/events")" -ge "$1" ] && break
		sleep 0.05
	done
	sleep 0.3	# and nothing more may follow
	[ "$(wc -l <"$tmp/events")" -eq "$1" ] ||
		fail "expected $1 monitor lines, got: $(cat "$tmp/events"; cat "$tmp/monitor.err")"
}

# Every allocation under azlxnet's text fails, in this task only.
read -r s e <<<"$(module_range azlxnet)"
[ -n "${e:-}" ] || fail "azlxnet is not in /proc/modules"
for a in failslab fail_page_alloc; do
	fi_set $a ignore-gfp-wait N
	fi_set $a task-filter Y
	fi_set $a probability 100
	fi_set $a verbose 1
	fi_range $a "$s" "$e"
done
fi_set fail_page_alloc min-order 0
bash -c 'echo 1 >/proc/self/make-it-fail && exec ip link set azlv0 down' ||
	fail "ip link set azlv0 down under fault injection"
fi_reset
assert_eq "$(nic_field azlb0 .vf_state)" down "VF state after the failed event"

wait_lines 2
cat "$tmp/events"
l1=$(sed -n 1p "$tmp/events") l2=$(sed -n 2p "$tmp/events")
jq -e . >/dev/null <<<"$l1" || fail "first monitor line is not JSON: '$l1'"
assert_eq "$(jq -r .event <<<"$l1")" lost "first line after the failed event"
assert_match "$(jq -r .time_ns <<<"$l1")" '^[1-9][0-9]*$' "time_ns of the lost record"
assert_eq "$(jq -r .event <<<"$l2")" state "second line: the state read again"
assert_eq "$(jq -r .ifindex <<<"$l2")" "$B" "state record's ifindex"
assert_eq "$(jq -r .vf_state <<<"$l2")" down "state record's vf_state"
assert_eq "$(jq -r .vf.ifindex <<<"$l2")" "$V" "state record's VF"
assert_eq "$(jq -r .tx_ifindex <<<"$l2")" "$B" "state record's tx_ifindex"
grep -q 'Error' "$tmp/monitor.err" && fail "monitor reported an error: $(cat "$tmp/monitor.err")"
kill -0 "$monpid" 2>/dev/null || fail "monitor exited: $(cat "$tmp/monitor.err")"

# The monitor goes on: the next event arrives as usual.
ip link set azlv0 up || fail "ip link set azlv0 up"
wait_lines 3
l3=$(sed -n 3p "$tmp/events")
echo "$l3"
assert_eq "$(jq -r .event <<<"$l3")" vf-up "event after the lost one"
assert_eq "$(jq -r .tx_ifindex <<<"$l3")" "$V" "vf-up's tx_ifindex"

kill "$monpid"
wait "$monpid"
rc=$?
monpid=
assert_eq "$rc" 0 "monitor's exit status on SIGTERM"
ip link del azlb0
ip link del azlv0
mod_unload
exit 0
