#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# azlxnet as a chained CNI plugin, driven the way a container runtime drives
# the chains of Documentation/examples/10-azlxnet.conflist (the reference
# ptp plugin with host-local IPAM, then azlxnet) and 10-azlxnet-bridge
# (bridge, then azlxnet): VERSION probes with empty variables; ADD with the
# runtime's CNI_ARGS gives working pods on the fast path, in 1.0.0 and in
# 0.3.1; CHECK passes (and fails once the endpoint is gone); GC (CNI 1.1.0)
# removes exactly the attachments not listed; STATUS; DEL with the cached
# result, without one after a failed ADD, with a broken prevResult, a path
# that is no namespace and a namespace that is gone, cleans up from the
# host side; bad input gets CNI errors and changes nothing.

source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/cni_lib.sh"
require_root
require_cmd azlxnet jq ip bpftool
[ -x /opt/cni/bin/ptp ] || skip "reference CNI plugins not installed (/opt/cni/bin/ptp)"
[ -x /opt/cni/bin/bridge ] || skip "reference CNI plugins not installed (/opt/cni/bin/bridge)"
STATE=/run/azlxnet/cni
tmp=$(mktemp -d)
# The shipped examples, without their uplink (this VM has no NIC).
PTP=$tmp/10-azlxnet.conflist
BRIDGE=$tmp/10-azlxnet-bridge.conflist
PTP031=$tmp/10-azlxnet-031.conflist
for f in 10-azlxnet 10-azlxnet-bridge; do
	jq 'del(.plugins[] | select(.type == "azlxnet") | .uplink)' \
		"$(dirname "$0")/$f.conflist" >"$tmp/$f.conflist" || fail "reading $f.conflist"
done
# each network its own subnet: both examples have the same
jq '.plugins[0].ipam.ranges = [[{subnet: "10.244.2.0/24"}], [{subnet: "fd00:10:244:2::/64"}]]' \
	"$BRIDGE" >"$tmp/b" && mv "$tmp/b" "$BRIDGE" || fail "renumbering the bridge conflist"
# the ptp chain as a 0.3.1 configuration, its own network and subnet
jq '.cniVersion = "0.3.1" | .name = "azlxnet-031" |
    .plugins[0].ipam.ranges = [[{subnet: "10.244.3.0/24"}], [{subnet: "fd00:10:244:3::/64"}]]' \
	"$PTP" >"$PTP031" || fail "making a 0.3.1 conflist"
had_module=0
mod_loaded && had_module=1
cleanup()
{
	local r ns
	for r in "$tmp"/result.*; do
		[ -f "$r" ] || continue
		ns=${r##*.}
		CONFLIST=$(cat "$tmp/conflist.$ns") chain DEL "$ns" "$r" >/dev/null 2>&1
	done
	for ns in azc1 azc2 azc3 azc4 azb1; do ip netns del $ns 2>/dev/null; done
	ip link del cni0 2>/dev/null
	rm -rf "$tmp" /var/lib/cni/networks/azlxnet /var/lib/cni/networks/azlxnet-bridge \
		/var/lib/cni/networks/azlxnet-031
	[ $had_module = 1 ] && ! mod_loaded && modprobe $MOD
	return 0
}
trap cleanup EXIT

# add NS: ADD through $CONFLIST, the result cached in $tmp/result.NS
add()
{
	local ns=$1
	ip netns add "$ns" || fail "netns $ns"
	printf '%s' "$CONFLIST" >"$tmp/conflist.$ns"
	chain ADD "$ns" >"$tmp/result.$ns" || fail "ADD $ns: $(cat "$tmp/result.$ns")"
	jq -e '.cniVersion and (.ips | length >= 1) and (.interfaces | length >= 1)' \
		"$tmp/result.$ns" >/dev/null || fail "ADD result of $ns: $(cat "$tmp/result.$ns")"
}

# The fast path's state: endpoints (without counters) and attachment records.
endpoints()
{
	azlxnet -j pod show | jq -S '[.[] | {host_ifindex, host_ifname, addresses, pod_mac, host_mac}]'
}
records()
{
	local f
	for f in "$STATE"/*; do
		[ -f "$f" ] && printf '%s %s\n' "${f##*/}" "$(cat "$f")"
	done
	return 0
}
state()
{
	endpoints
	records
}
# endpoint_of ADDR: the endpoint that has ADDR (0 or 1 of them)
endpoint_of()
{
	azlxnet -j pod show | jq -c --arg a "$1" '[.[] | select(.addresses | index($a))]'
}

sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1

# VERSION, as libcni probes each plugin: empty variables, the version on stdin.
for CONFLIST in "$PTP" "$BRIDGE" "$PTP031"; do
	v=$(jq -r .cniVersion "$CONFLIST")
	for type in $(jq -r '.plugins[].type' "$CONFLIST"); do
		out=$(CNI_COMMAND=VERSION CNI_CONTAINERID= CNI_NETNS=dummy CNI_IFNAME= CNI_ARGS= \
			"$(PATH=$CNI_PATH command -v "$type")" <<<"{\"cniVersion\":\"$v\"}") ||
			fail "VERSION of $type: $out"
		jq -e --arg v "$v" '.supportedVersions | index($v)' <<<"$out" >/dev/null ||
			fail "$type does not support $v: $out"
	done
done
out=$(CNI_COMMAND=VERSION CNI_CONTAINERID= CNI_NETNS= CNI_IFNAME= CNI_ARGS= azlxnet </dev/null)
assert_eq "$(jq -c .supportedVersions <<<"$out")" '["0.3.0","0.3.1","0.4.0","1.0.0","1.1.0"]' \
	"azlxnet's supported versions"

# ADD, as the runtime does for two pods of the ptp chain and one of the bridge chain.
CONFLIST=$PTP
add azc1
add azc2
CONFLIST=$BRIDGE
add azb1
CONFLIST=$PTP
ip1=$(pod_ip "$tmp/result.azc1") ip2=$(pod_ip "$tmp/result.azc2") ipb=$(pod_ip "$tmp/result.azb1")
echo "pods: azc1 $ip1, azc2 $ip2, azb1 $ipb"
for a in "$ip1" "$ip2" "$ipb"; do
	assert_eq "$(endpoint_of "$a" | jq length)" 1 "the endpoint of $a"
done
peer=$(endpoint_of "$ip1" | jq '.[0].stats.redirect_peer')
ip netns exec azc1 ping -c 3 -i 0.2 -W 2 "$ip2" >/dev/null || fail "ping azc1 -> azc2"
peer2=$(endpoint_of "$ip1" | jq '.[0].stats.redirect_peer')
[ $((peer2 - peer)) -ge 3 ] || fail "the CNI-added pods are not on the fast path ($peer -> $peer2)"
# one record per attachment, with its network and host side
for ns in azc1 azc2 azb1; do
	[ -f "$STATE/cid-$ns:eth0" ] || fail "no record of $ns: $(ls "$STATE")"
done
assert_eq "$(jq -r .network "$STATE/cid-azb1:eth0")" azlxnet-bridge "azb1's record's network"
assert_eq "$(jq -c .host_ifindex "$STATE/cid-azc2:eth0")" \
	"$(endpoint_of "$ip2" | jq '.[0].host_ifindex')" "azc2's record's host ifindex"

# A 0.3.1 chain: the result in 0.3.1's shape, the pod on the fast path.
CONFLIST=$PTP031
add azc3
jq -e '.cniVersion == "0.3.1" and (.ips | length == 2) and
       all(.ips[]; (.version == "4" or .version == "6") and .interface == 1)' \
	"$tmp/result.azc3" >/dev/null || fail "0.3.1 result: $(cat "$tmp/result.azc3")"
ip3=$(pod_ip "$tmp/result.azc3")
assert_eq "$(endpoint_of "$ip3" | jq length)" 1 "the endpoint of the 0.3.1 pod"
chain CHECK azc3 "$tmp/result.azc3" >"$tmp/out" && fail "CHECK with 0.3.1 passed"
assert_eq "$(jq -r .code "$tmp/out")" 1 "CHECK with 0.3.1"
chain DEL azc3 "$tmp/result.azc3" >"$tmp/out" || fail "DEL azc3: $(cat "$tmp/out")"
rm -f "$tmp/result.azc3"
assert_eq "$(endpoint_of "$ip3" | jq length)" 0 "the endpoint of the 0.3.1 pod after DEL"
[ -e "$STATE/cid-azc3:eth0" ] && fail "azc3's record outlived DEL"
CONFLIST=$PTP

# CHECK passes; once the endpoint is gone it fails with a CNI error.
chain CHECK azc1 "$tmp/result.azc1" >"$tmp/out" || fail "CHECK azc1: $(cat "$tmp/out")"
azlxnet pod del --ip "$ip1" || fail "removing azc1's endpoint by hand"
chain CHECK azc1 "$tmp/result.azc1" >"$tmp/out" && fail "CHECK passed without the endpoint"
jq -e '.code >= 1 and (.msg | length > 0)' "$tmp/out" >/dev/null ||
	fail "CHECK failure is not a CNI error: $(cat "$tmp/out")"
echo "CHECK without the endpoint: $(cat "$tmp/out")"
# azlxnet's ADD again, with the cached result, puts it back
out=$(run_plugin ADD azc1 azlxnet "$(plugin_conf 1 "$tmp/result.azc1")") ||
	fail "azlxnet ADD azc1 again: $out"
assert_eq "$(endpoint_of "$ip1" | jq length)" 1 "azc1's endpoint, back"

# Bad input: CNI errors with the spec's codes, at once, and nothing changes.
before=$(state)
bad()
{
	local code=$1 what=$2 out
	shift 2
	out=$("$@") && fail "$what succeeded: $out"
	[ -n "$out" ] || fail "$what: no output (a timeout?)"
	assert_eq "$(jq -r .code <<<"$out")" "$code" "CNI error code for $what"
	jq -e '.msg | length > 0' <<<"$out" >/dev/null || fail "$what: no msg in $out"
	echo "$what: $out"
}
good=$(plugin_conf 1 "$tmp/result.azc2")
mkfifo "$tmp/fifo"
mkdir "$tmp/dir"
: >"$tmp/file"
bad 6 "malformed JSON" run_plugin ADD azc2 azlxnet '{"cniVersion": "1.0.0", "name": '
bad 7 "ADD without prevResult" run_plugin ADD azc2 azlxnet "$(jq -c 'del(.prevResult)' <<<"$good")"
bad 1 "an unsupported cniVersion" run_plugin ADD azc2 azlxnet "$(jq -c '.cniVersion = "9.9.9"' <<<"$good")"
bad 4 "a missing CNI_NETNS" env -u CNI_NETNS CNI_COMMAND=ADD CNI_CONTAINERID=x CNI_IFNAME=eth0 \
	"$(command -v azlxnet)" <<<"$good"
for f in "$tmp/fifo" "$tmp/dir" "$tmp/file" /dev/null; do
	for cmd in ADD CHECK; do
		bad 4 "$cmd with CNI_NETNS=$f" timeout 10 env CNI_COMMAND=$cmd CNI_CONTAINERID=cid-azc2 \
			CNI_NETNS="$f" CNI_IFNAME=eth0 "$(command -v azlxnet)" <<<"$good"
	done
done
bad 7 "GC without valid attachments" env CNI_COMMAND=GC azlxnet <<<'{"cniVersion":"1.1.0","name":"azlxnet","type":"azlxnet"}'
bad 7 "GC with a malformed list" env CNI_COMMAND=GC azlxnet \
	<<<'{"cniVersion":"1.1.0","name":"azlxnet","type":"azlxnet","cni.dev/valid-attachments":[{"ifname":"eth0"}]}'
bad 1 "GC with cniVersion 1.0.0" env CNI_COMMAND=GC azlxnet \
	<<<'{"cniVersion":"1.0.0","name":"azlxnet","type":"azlxnet","cni.dev/valid-attachments":[]}'
assert_eq "$(state)" "$before" "endpoints and records after the bad requests"
[ -p "$tmp/fifo" ] || fail "the FIFO is gone"

# STATUS (CNI 1.1.0): ready; an uplink that is not there is code 50.
out=$(CNI_COMMAND=STATUS azlxnet <<<'{"cniVersion":"1.1.0","name":"azlxnet","type":"azlxnet"}') ||
	fail "STATUS: $out"
assert_eq "$out" "" "STATUS output"
bad 50 "STATUS with a missing uplink" env CNI_COMMAND=STATUS azlxnet \
	<<<'{"cniVersion":"1.1.0","name":"azlxnet","type":"azlxnet","uplink":"azlxnoeth0"}'

# GC (CNI 1.1.0), as a runtime that forgot azc2: azc2's endpoint, counters,
# program and record go; azc1 (listed) and azb1 (another network) stay.
host2=$(endpoint_of "$ip2" | jq -r '.[0].host_ifname')
[ "$(ingress_progs "$host2")" = 1 ] || fail "no program on $host2"
want=$(endpoints | jq --arg a "$ip2" 'map(select(.addresses | index($a) | not))')
want_rec=$(records | grep -v '^cid-azc2:eth0 ')
out=$(CNI_COMMAND=GC CNI_PATH=$CNI_PATH azlxnet <<<'{"cniVersion":"1.1.0","name":"azlxnet",
	"type":"azlxnet","cni.dev/valid-attachments":[{"containerID":"cid-azc1","ifname":"eth0"}]}') ||
	fail "GC: $out"
assert_eq "$out" "" "GC output"
assert_eq "$(endpoints)" "$want" "endpoints after GC"
assert_eq "$(records)" "$want_rec" "records after GC"
assert_eq "$(ingress_progs "$host2")" 0 "programs on $host2 after GC"
ip link show "$host2" >/dev/null || fail "GC removed $host2 (ptp's)"
echo "GC: azc2 removed, azc1 and azb1 kept"

# A failed ADD: the runtime calls DEL without prevResult, and nothing of
# the other pods changes.
CONFLIST=$tmp/bad-uplink.conflist
jq '(.plugins[] | select(.type == "azlxnet")).uplink = "azlxnoeth0"' "$PTP" >"$CONFLIST"
before=$(state)
ip netns add azc4 || fail "netns azc4"
chain ADD azc4 >"$tmp/out" && fail "ADD with a missing uplink succeeded"
chain DEL azc4 >"$tmp/out" || fail "DEL without prevResult after a failed ADD: $(cat "$tmp/out")"
assert_eq "$(state)" "$before" "endpoints and records after the failed ADD and its DEL"
[ -n "$(ip -n azc4 link show eth0 2>/dev/null)" ] && fail "ptp's DEL left eth0 in azc4"
CONFLIST=$PTP

# DEL of azlxnet with a prevResult that is not one and a CNI_NETNS that is a
# FIFO: azc1 goes by its record, from the host side, and nothing else.
want=$(endpoints | jq --arg a "$ip1" 'map(select(.addresses | index($a) | not))')
want_rec=$(records | grep -v '^cid-azc1:eth0 ')
out=$(CNI_COMMAND=DEL CNI_CONTAINERID=cid-azc1 CNI_NETNS=$tmp/fifo CNI_IFNAME=eth0 CNI_ARGS= \
	timeout 10 azlxnet <<<"$(plugin_conf 1 | jq -c '.prevResult = {"ips": 7}')") ||
	fail "DEL with a FIFO and a broken prevResult: $out"
assert_eq "$out" "" "DEL output"
assert_eq "$(endpoints)" "$want" "endpoints after DEL by the record"
assert_eq "$(records)" "$want_rec" "records after DEL by the record"
chain DEL azc1 "$tmp/result.azc1" >"$tmp/out" || fail "DEL azc1: $(cat "$tmp/out")"
rm -f "$tmp/result.azc1"

# The namespace is gone (and the pod's veth with it): DEL with the cached result.
ip netns del azb1
CONFLIST=$BRIDGE
chain DEL azb1 "$tmp/result.azb1" >"$tmp/out" || fail "DEL azb1 without its netns: $(cat "$tmp/out")"
assert_eq "$(endpoint_of "$ipb" | jq length)" 0 "azb1's endpoint after DEL"
[ -e "$STATE/cid-azb1:eth0" ] && fail "azb1's record outlived DEL"
CONFLIST=$PTP

# DEL cleans up; a second DEL succeeds, and so does one with the fast path
# off and azlxnet.ko unloaded.
chain DEL azc2 "$tmp/result.azc2" >"$tmp/out" || fail "DEL azc2: $(cat "$tmp/out")"
assert_eq "$(endpoints)" "[]" "endpoints after DEL"
assert_eq "$(records)" "" "records after DEL"
assert_eq "$(azlxnet -j fastpath show | jq .pinned)" false "maps pinned after the last DEL"
chain DEL azc2 "$tmp/result.azc2" >"$tmp/out" || fail "second DEL azc2: $(cat "$tmp/out")"
mod_unload
chain DEL azc2 "$tmp/result.azc2" >"$tmp/out" || fail "DEL without the module: $(cat "$tmp/out")"
rm -f "$tmp/result.azc2"
echo "DEL: ok"
