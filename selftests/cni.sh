#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# azlxnet as a chained CNI plugin, driven the way a container runtime drives
# the chain of Documentation/examples/10-azlxnet.conflist (the reference ptp
# plugin with host-local IPAM, then azlxnet): ADD gives working pods on the
# fast path, CHECK passes (and fails once the endpoint is gone), DEL cleans
# up and a second DEL succeeds; malformed JSON, a missing prevResult, a wrong
# cniVersion and missing environment get CNI errors and change nothing.

source "$(dirname "$0")/lib.sh"
require_root
require_cmd azlxnet jq ip
export CNI_PATH=/opt/cni/bin:/usr/bin:/usr/sbin
[ -x /opt/cni/bin/ptp ] || skip "reference CNI plugins not installed (/opt/cni/bin/ptp)"
tmp=$(mktemp -d)
# The shipped example, without its uplink (this VM has no NIC).
CONFLIST=$tmp/10-azlxnet.conflist
jq 'del(.plugins[] | select(.type == "azlxnet") | .uplink)' \
	"$(dirname "$0")/10-azlxnet.conflist" >"$CONFLIST" || fail "reading the example conflist"
cleanup()
{
	for n in 1 2; do
		[ -f "$tmp/result$n" ] && chain DEL azc$n "$tmp/result$n" >/dev/null 2>&1
		ip netns del azc$n 2>/dev/null
	done
	rm -rf "$tmp" /var/lib/cni/networks/azlxnet
}
trap cleanup EXIT

# plugin_conf INDEX [PREVRESULT-FILE]: the runtime's per-plugin config
plugin_conf()
{
	jq -c --argjson i "$1" --slurpfile prev "${2:-/dev/null}" '
		.plugins[$i] + {name: .name, cniVersion: .cniVersion}
		+ (if ($prev | length) > 0 then {prevResult: $prev[0]} else {} end)' "$CONFLIST"
}

# run_plugin CMD NS TYPE CONF: exec a plugin as a runtime does
run_plugin()
{
	local cmd=$1 ns=$2 type=$3 conf=$4 bin
	bin=$(PATH=$CNI_PATH command -v "$type") || fail "no plugin $type in $CNI_PATH"
	CNI_COMMAND=$cmd CNI_CONTAINERID=cid-$ns CNI_NETNS=/var/run/netns/$ns \
		CNI_IFNAME=eth0 CNI_ARGS= "$bin" <<<"$conf"
}

# chain CMD NS [RESULT-FILE]: run the whole list (DEL in reverse)
chain()
{
	local cmd=$1 ns=$2 res=${3:-} n i order prev conf out
	prev=$tmp/prev.$ns
	n=$(jq '.plugins | length' "$CONFLIST")
	order=$(seq 0 $((n - 1)))
	[ "$cmd" = DEL ] && order=$(seq $((n - 1)) -1 0)
	rm -f "$prev"
	[ -n "$res" ] && [ "$cmd" != ADD ] && cp "$res" "$prev"
	for i in $order; do
		if [ -f "$prev" ]; then conf=$(plugin_conf "$i" "$prev"); else conf=$(plugin_conf "$i"); fi
		out=$(run_plugin "$cmd" "$ns" "$(jq -r ".plugins[$i].type" "$CONFLIST")" "$conf") ||
			{ echo "$out"; return 1; }
		[ "$cmd" = ADD ] && printf '%s' "$out" >"$prev"
	done
	[ "$cmd" = ADD ] && cat "$prev"
	return 0
}

pod_ip()
{
	jq -r '.ips[] | select(.address | test("\\.")) | .address | split("/")[0]' "$1"
}

for n in 1 2; do ip netns add azc$n || fail "netns azc$n"; done
sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1

# ADD, as the runtime does for two pods.
for n in 1 2; do
	chain ADD azc$n >"$tmp/result$n" || fail "ADD azc$n: $(cat "$tmp/result$n")"
	jq -e '.cniVersion and (.ips | length >= 1) and (.interfaces | length >= 1)' \
		"$tmp/result$n" >/dev/null || fail "ADD result of azc$n: $(cat "$tmp/result$n")"
done
ip1=$(pod_ip "$tmp/result1") ip2=$(pod_ip "$tmp/result2")
echo "pods: azc1 $ip1, azc2 $ip2"
assert_eq "$(azlxnet -j pod show | jq --arg a "$ip2" '[.[] | select(.addresses | index($a))] | length')" 1 \
	"azc2's endpoint"
peer=$(azlxnet -j pod show | jq --arg a "$ip1" '[.[] | select(.addresses | index($a)) | .stats.redirect_peer] | first')
ip netns exec azc1 ping -c 3 -i 0.2 -W 2 "$ip2" >/dev/null || fail "ping azc1 -> azc2"
peer2=$(azlxnet -j pod show | jq --arg a "$ip1" '[.[] | select(.addresses | index($a)) | .stats.redirect_peer] | first')
[ $((peer2 - peer)) -ge 3 ] || fail "the CNI-added pods are not on the fast path ($peer -> $peer2)"

# CHECK passes; once the endpoint is gone it fails with a CNI error.
chain CHECK azc1 "$tmp/result1" >"$tmp/out" || fail "CHECK azc1: $(cat "$tmp/out")"
azlxnet pod del --ip "$ip1" || fail "removing azc1's endpoint by hand"
chain CHECK azc1 "$tmp/result1" >"$tmp/out" && fail "CHECK passed without the endpoint"
jq -e '.code >= 1 and (.msg | length > 0)' "$tmp/out" >/dev/null ||
	fail "CHECK failure is not a CNI error: $(cat "$tmp/out")"
echo "CHECK without the endpoint: $(cat "$tmp/out")"

# Bad input: CNI errors with the spec's codes, and nothing changes.
endpoints()
{
	azlxnet -j pod show | jq -S '[.[] | {host_ifindex, addresses, pod_mac, host_mac}]'
}
before=$(endpoints)
bad()
{
	local code=$1 what=$2 out
	shift 2
	out=$("$@") && fail "$what succeeded: $out"
	assert_eq "$(jq -r .code <<<"$out")" "$code" "CNI error code for $what"
	jq -e '.msg | length > 0' <<<"$out" >/dev/null || fail "$what: no msg in $out"
	echo "$what: $out"
}
good=$(plugin_conf 1 "$tmp/result2")
bad 6 "malformed JSON" run_plugin ADD azc2 azlxnet '{"cniVersion": "1.0.0", "name": '
bad 7 "ADD without prevResult" run_plugin ADD azc2 azlxnet "$(jq -c 'del(.prevResult)' <<<"$good")"
bad 1 "an unsupported cniVersion" run_plugin ADD azc2 azlxnet "$(jq -c '.cniVersion = "9.9.9"' <<<"$good")"
bad 4 "a missing CNI_NETNS" env -u CNI_NETNS CNI_COMMAND=ADD CNI_CONTAINERID=x CNI_IFNAME=eth0 \
	"$(command -v azlxnet)" <<<"$good"
assert_eq "$(endpoints)" "$before" "endpoints after the bad requests"

# DEL cleans up; a second DEL succeeds.
for n in 1 2; do
	chain DEL azc$n "$tmp/result$n" >"$tmp/out" || fail "DEL azc$n: $(cat "$tmp/out")"
done
assert_eq "$(azlxnet -j pod show | jq --arg a "$ip2" '[.[] | select(.addresses | index($a))] | length')" 0 \
	"azc2's endpoint after DEL"
for n in 1 2; do
	chain DEL azc$n "$tmp/result$n" >"$tmp/out" || fail "second DEL azc$n: $(cat "$tmp/out")"
	rm -f "$tmp/result$n"
done
echo "DEL twice: ok"
