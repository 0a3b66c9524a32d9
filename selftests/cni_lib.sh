# SPDX-License-Identifier: GPL-2.0-only
#
# Driving a CNI chain the way a container runtime does (source after
# lib.sh). The caller sets CONFLIST (the network configuration list) and
# tmp (a scratch directory); pods are network namespaces NS with their
# interface eth0 and container ID cid-NS.

export CNI_PATH=/opt/cni/bin:/usr/bin:/usr/sbin

# cni_conflist SRC DST: the shipped example SRC without its uplink (the VMs
# have no NIC) into DST
cni_conflist()
{
	jq 'del(.plugins[] | select(.type == "azlxnet") | .uplink)' "$1" >"$2" ||
		fail "reading the example conflist $1"
}

# plugin_conf INDEX [PREVRESULT-FILE]: the runtime's per-plugin config
plugin_conf()
{
	jq -c --argjson i "$1" --slurpfile prev "${2:-/dev/null}" '
		.plugins[$i] + {name: .name, cniVersion: .cniVersion}
		+ (if ($prev | length) > 0 then {prevResult: $prev[0]} else {} end)' "$CONFLIST"
}

# run_plugin CMD NS TYPE CONF: exec a plugin as a runtime (kubelet's CRI) does
run_plugin()
{
	local cmd=$1 ns=$2 type=$3 conf=$4 bin
	bin=$(PATH=$CNI_PATH command -v "$type") || fail "no plugin $type in $CNI_PATH"
	CNI_COMMAND=$cmd CNI_CONTAINERID=cid-$ns CNI_NETNS=/var/run/netns/$ns CNI_IFNAME=eth0 \
		CNI_ARGS="IgnoreUnknown=1;K8S_POD_NAMESPACE=ns;K8S_POD_NAME=$ns;K8S_POD_INFRA_CONTAINER_ID=cid-$ns" \
		timeout 60 "$bin" <<<"$conf"
}

# chain CMD NS [RESULT-FILE]: run the whole list (DEL in reverse); ADD
# prints the last plugin's result
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

# pod_ip RESULT-FILE [4|6]: the pod's address of that family (4), no prefix
pod_ip()
{
	jq -r --argjson v6 "$([ "${2:-4}" = 6 ] && echo true || echo false)" \
		'.ips[] | select((.address | test(":")) == $v6) | .address | split("/")[0]' "$1"
}

# pod_gw RESULT-FILE 4|6: the gateway of that family
pod_gw()
{
	jq -r --argjson v6 "$([ "$2" = 6 ] && echo true || echo false)" \
		'.ips[] | select((.address | test(":")) == $v6) | .gateway // empty' "$1"
}

# ep_stat ADDR FIELD: a counter of the endpoint that owns ADDR
ep_stat()
{
	azlxnet -j pod show |
		jq --arg a "$1" --arg f "$2" '[.[] | select(.addresses | index($a)) | .stats[$f]] | first // 0'
}

# hl_leases NETWORK: the addresses host-local has handed out in NETWORK,
# one a line, sorted (its other files are the lock and last_reserved_ip.N)
hl_leases()
{
	local f
	for f in /var/lib/cni/networks/"$1"/*; do
		[ -f "$f" ] || continue
		case "${f##*/}" in lock | last_reserved_ip.*) continue ;; esac
		echo "${f##*/}"
	done | sort
}

# link_ctr DEV rx|tx: the packet counter of DEV (here), as "ip -s link" has it
link_ctr()
{
	local n
	n=$(<"/sys/class/net/$1/statistics/$2_packets") || fail "counters of $1"
	echo "$n"
}

# kit_links: the azlxkit devices of this namespace, a name a line, sorted
kit_links()
{
	ip -o link show type azlxkit | sed -n 's/^[0-9]*: \([^:@]*\)[:@].*/\1/p' | sort
}
