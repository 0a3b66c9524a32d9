#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# "azlxnet metrics" on a node with every source (Documentation/metrics.rst):
# - with nothing there (no module, no fast path, no pacer, telemetry off,
#   no tune state) it succeeds with azlxnet_source_up 0 for each source and
#   no series of theirs, and promtool accepts the output;
# - with the module and a NIC with its VF, two pods on the fast path, a
#   dm-azlx pacer, the telemetry on and a tune state, promtool accepts it
#   and the values are the kernel's: VF joins as nic-get reports them, the
#   pings sent counted on the pod and its path, the pacer's dispatched bios
#   as dmsetup status has them, the reads of a disk in its histogram,
#   tune show's drift;
# - --textfile writes DIR/azlxnet.prom with nothing else left in DIR;
#   --listen serves GET /metrics on 127.0.0.1, 404 and 405 otherwise; bad
#   options exit 2.

source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/fastpath_lib.sh"
require_root
require_cmd azlxnet jq promtool dmsetup dd

TUNE_DIR=/var/lib/azlxnet
TEXTDIR=
srv=
made_tune_dir=

cleanup()
{
	[ -n "$srv" ] && kill "$srv" 2>/dev/null && wait "$srv" 2>/dev/null
	[ -n "$TEXTDIR" ] && rm -rf "$TEXTDIR"
	dmsetup remove --force azlxt-metrics >/dev/null 2>&1
	azlxnet disk telemetry off >/dev/null 2>&1
	rm -f $TUNE_DIR/tune.json
	[ -n "$made_tune_dir" ] && rmdir $TUNE_DIR 2>/dev/null
	[ -n "${somaxconn:-}" ] && sysctl -qw net.core.somaxconn="$somaxconn"
	fp_cleanup
	for h in 1 2; do azlxnet pod del --ip 10.0.1.$((h + 1)) >/dev/null 2>&1; done
	cleanup_module
}
trap cleanup EXIT

# check_promtool TEXT WHAT: promtool's linter accepts TEXT
check_promtool()
{
	local out
	out=$(promtool check metrics <<<"$1" 2>&1) || fail "$2: promtool check metrics: $out"
}

# http METHOD PATH [ADDR]: the response of the server on ADDR (127.0.0.1),
# port 9473, headers and body (run it in a subshell)
http()
{
	local body=
	[ "$1" = POST ] && body=x
	# a server that closes before the request is sent: EPIPE, not SIGPIPE
	trap '' PIPE
	exec 3<>"/dev/tcp/${3:-127.0.0.1}/9473" || return 1
	printf '%s %s HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\nContent-Length: %d\r\n\r\n%s' \
		"$1" "$2" ${#body} "$body" >&3
	timeout 10 cat <&3
	exec 3<&-
}

# value TEXT SERIES: the value of the sample whose name and labels are SERIES
value()
{
	awk -v s="$2" 'index($0, s " ") == 1 { print substr($0, length(s) + 2) }' <<<"$1"
}

# 1. Nothing there.
mod_unload
azlxnet disk telemetry off >/dev/null 2>&1
rm -f $TUNE_DIR/tune.json
out=$(azlxnet metrics) || fail "metrics with no source: exit $?"
check_promtool "$out" "no source"
for s in nic fastpath pacer telemetry tune; do
	assert_eq "$(value "$out" "azlxnet_source_up{source=\"$s\"}")" 0 "source $s without it"
done
assert_eq "$(grep -c '^azlxnet_\(nic\|fastpath\|pacer\|disk\|tune\)_' <<<"$out")" 0 \
	"series of absent sources"

# Bad options exit 2; metrics' options are refused elsewhere.
azlxnet metrics --listen 127.0.0.1:0 >/dev/null 2>&1
assert_eq "$?" 2 "exit status of --listen with port 0"
azlxnet metrics --textfile /tmp --listen 9400 >/dev/null 2>&1
assert_eq "$?" 2 "exit status of --textfile with --listen"
azlxnet metrics sideways >/dev/null 2>&1
assert_eq "$?" 2 "exit status of metrics sideways"
azlxnet nic --textfile /tmp >/dev/null 2>&1
assert_eq "$?" 2 "exit status of nic --textfile"

# 2. Every source.
modprobe azlxnet $FP_PARAMS || fail "modprobe azlxnet"
fp_setup
assert_eq "$(nic_field up0 .vf.ifname)" vf0 "the module sees vf0 as up0's VF"
# one more leave and join: the counters are not all 1
ip link set vf0 nomaster || fail "vf0 leaves"
ip link set vf0 master up0 || fail "vf0 joins again"
ip link set up0 type bond primary vf0
azlxnet fastpath enable up0 || fail "fastpath enable up0"
fp_pods_add
# neighbours resolved first: the pings below are all the pod sends to the peer
ip netns exec azp1 ping -c 1 -W 2 10.0.1.3 >/dev/null || fail "first ping 1->2"

# a pacer over the NVMe stand-in, the telemetry on, reads on both disks
nvme=
for d in /sys/block/nvme*n1; do
	[ -e "$d" ] && nvme=${d##*/}
done
[ -n "$nvme" ] || skip "no NVMe disk (VMTEST_DISKS)"
modprobe dm-mod || fail "modprobe dm-mod"
export DM_DISABLE_UDEV=1
echo "0 $(cat /sys/block/"$nvme"/size) azlx /dev/$nvme 0 1000 100" |
	dmsetup create azlxt-metrics || fail "dmsetup create azlxt-metrics"
azlxnet disk telemetry on >/dev/null || fail "disk telemetry on"

# a tune state of one value that holds (as tune apply writes it)
somaxconn=$(sysctl -n net.core.somaxconn)
sysctl -qw net.core.somaxconn=$((somaxconn + 1))
if [ ! -d $TUNE_DIR ]; then
	mkdir -p $TUNE_DIR || fail "mkdir $TUNE_DIR"
	made_tune_dir=1
fi
cat >$TUNE_DIR/tune.json <<EOF
{ "version": 1, "entries": [ { "kind": "file", "name": "net.core.somaxconn",
  "path": "/proc/sys/net/core/somaxconn", "prior": "$somaxconn",
  "new": "$((somaxconn + 1))" } ] }
EOF

before=$(azlxnet metrics) || fail "metrics before"
check_promtool "$before" "every source"
for s in nic fastpath pacer telemetry tune; do
	assert_eq "$(value "$before" "azlxnet_source_up{source=\"$s\"}")" 1 "source $s"
done

ip netns exec azp1 ping -c 5 -i 0.2 -W 2 10.0.1.3 >/dev/null || fail "ping 1->2"
dd if=/dev/mapper/azlxt-metrics of=/dev/null bs=4096 count=20 skip=500 iflag=direct \
	status=none || fail "reads through the pacer"
sysctl -qw net.core.somaxconn="$somaxconn"	# tune's value drifts
after=$(azlxnet metrics) || fail "metrics after"
check_promtool "$after" "every source, after traffic"
echo "$after" | grep -E '^azlxnet_(nic_vf_|fastpath_(pods|packets)|pacer_dispatched|tune_|source)'

# NIC: the module's counters, as nic-get reports them
for c in vf_joins vf_leaves vf_ups vf_downs; do
	assert_eq "$(value "$after" "azlxnet_nic_${c}_total{nic=\"up0\"}")" \
		"$(nic_field up0 ".$c")" "metrics' $c of up0 vs nic show"
done
assert_eq "$(value "$after" 'azlxnet_nic_vf_joins_total{nic="up0"}')" 2 "VF joins of up0"
assert_eq "$(value "$after" 'azlxnet_nic_vf_state{nic="up0",state="up"}')" 1 "vf state up"
assert_eq "$(value "$after" 'azlxnet_nic_tx_via_vf{nic="up0"}')" 1 "up0 sends through vf0"

# Pods: the 5 pings took the peer path; the rest agrees with pod show
p1='pod="azh1",ip="10.0.1.2,fd00:1::2"'
b=$(value "$before" "azlxnet_fastpath_path_packets_total{$p1,path=\"peer\"}")
a=$(value "$after" "azlxnet_fastpath_path_packets_total{$p1,path=\"peer\"}")
assert_eq "$((a - b))" 5 "pings from azp1 on the peer path"
a=$(value "$after" "azlxnet_fastpath_packets_total{$p1,direction=\"from_pod\"}")
b=$(value "$before" "azlxnet_fastpath_packets_total{$p1,direction=\"from_pod\"}")
[ "$((a - b))" -ge 5 ] || fail "packets from azp1: +$((a - b)), not at least 5"
assert_eq "$(value "$after" 'azlxnet_fastpath_pods')" 2 "pods on the fast path"
assert_eq "$(value "$after" 'azlxnet_fastpath_pods_folded')" 0 "pods past the cap"
now=$(azlxnet metrics)
assert_eq "$(value "$now" "azlxnet_fastpath_path_packets_total{$p1,path=\"peer\"}")" \
	"$(pod_stat azh1 redirect_peer)" "peer packets of azp1 vs pod show"

# Pacer: what dmsetup status says the target dispatched
st=$(dmsetup status azlxt-metrics)
disp=$(sed -n 's/.* dispatched=\([0-9/]*\) .*/\1/p' <<<"$st")
m="mapping=\"azlxt-metrics\",disk=\"$nvme\""
i=0
for c in critical read write async; do
	i=$((i + 1))
	assert_eq "$(value "$now" "azlxnet_pacer_dispatched_total{$m,class=\"$c\"}")" \
		"$(cut -d/ -f$i <<<"$disp")" "dispatched $c vs dmsetup status"
done
sum=$(awk -F/ '{ print $1 + $2 + $3 + $4 }' <<<"$disp")
[ "$sum" -ge 20 ] || fail "the pacer dispatched $sum bios, not at least 20"
assert_eq "$(value "$now" "azlxnet_pacer_budget_iops{$m}")" 1000 "the pacer's budget"

# Telemetry: the 20 reads of the disk below, in its histogram
h="disk=\"$nvme\",op=\"read\""
b=$(value "$before" "azlxnet_disk_latency_seconds_count{$h}")
a=$(value "$after" "azlxnet_disk_latency_seconds_count{$h}")
assert_eq "$((a - b))" 20 "reads of $nvme counted"
assert_eq "$(value "$after" "azlxnet_disk_latency_seconds_bucket{$h,le=\"+Inf\"}")" "$a" \
	"+Inf bucket vs count"
awk -v h="azlxnet_disk_latency_seconds_bucket{$h," 'index($0, h) == 1 {
	if ($2 < last) { print "bucket " $1 " below the previous one"; bad = 1 }
	last = $2 } END { exit bad }' <<<"$after" || fail "buckets are not cumulative"
b=$(value "$before" "azlxnet_disk_bytes_total{$h}")
a=$(value "$after" "azlxnet_disk_bytes_total{$h}")
assert_eq "$((a - b))" $((20 * 4096)) "bytes read from $nvme"

# tune: one item, drifted since, as tune show says
assert_eq "$(value "$before" 'azlxnet_tune_items_drifted')" 0 "tune drift before"
assert_eq "$(value "$after" 'azlxnet_tune_items')" 1 "tune items"
assert_eq "$(value "$after" 'azlxnet_tune_items_drifted')" \
	"$(azlxnet -j tune show | jq -r .drifted)" "tune drift vs tune show"
assert_eq "$(value "$after" 'azlxnet_tune_item_drifted{item="net.core.somaxconn",kind="file"}')" \
	1 "the drifted item"

# 3. --textfile: the file and nothing else
TEXTDIR=$(mktemp -d)
azlxnet metrics --textfile "$TEXTDIR" || fail "metrics --textfile"
assert_eq "$(ls -A "$TEXTDIR")" azlxnet.prom "files in the textfile directory"
check_promtool "$(cat "$TEXTDIR/azlxnet.prom")" "the textfile"
assert_eq "$(stat -c %a "$TEXTDIR/azlxnet.prom")" 644 "mode of the textfile"
azlxnet metrics --textfile "$TEXTDIR/missing" 2>/dev/null
assert_eq "$?" 1 "exit status of --textfile into a missing directory"

# 4. --listen: GET /metrics on 127.0.0.1 only
azlxnet metrics --listen 9473 2>/dev/null &
srv=$!
for i in $(seq 1 50); do
	(exec 3<>/dev/tcp/127.0.0.1/9473) 2>/dev/null && break
	kill -0 $srv 2>/dev/null || fail "metrics --listen exited"
	sleep 0.1
done
resp=$(http GET /metrics) || fail "GET /metrics"
assert_match "$(head -n 1 <<<"$resp")" '^HTTP/1.1 200' "GET /metrics status"
assert_match "$resp" 'Content-Type: text/plain; version=0.0.4' "GET /metrics content type"
check_promtool "$(sed '1,/^\r$/d' <<<"$resp")" "GET /metrics"
assert_match "$(sed '1,/^\r$/d' <<<"$resp" | grep -c '^azlxnet_source_up{')" '^5$' \
	"GET /metrics: the sources"
assert_match "$(http GET / | head -n 1)" '^HTTP/1.1 404' "GET /"
assert_match "$(http POST /metrics | head -n 1)" '^HTTP/1.1 405' "POST /metrics"
ip addr add 192.168.77.1/32 dev lo
(http GET /metrics 192.168.77.1) >/dev/null 2>&1 &&
	fail "--listen PORT answers on another address than 127.0.0.1"
ip addr del 192.168.77.1/32 dev lo
kill $srv
wait $srv
assert_eq "$?" 0 "exit status of metrics --listen on SIGTERM"
srv=
echo "ok"
