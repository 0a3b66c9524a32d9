#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# azlxnet as the main CNI plugin, "mode": "azlxkit"
# (Documentation/examples/10-azlxnet-kit.conflist), driven the way a
# container runtime drives it, with Debian's host-local for addresses, at
# CNI 0.4.0 (with "fastpath": false) and 1.0.0 (the fast path, the
# default): ADD gives two pods an azlxkit pair each, with their addresses
# and link-local gateways, and the result says so; with the fast path, each
# pod is on it (azlxnet_from_kit on the peer's end, "pod show" says
# azlxkit). Ping and TCP between the pods and to the host, IPv4 and IPv6,
# counted on the pairs: without the fast path through the primaries, with
# it straight into the other pod (the kit's redirect_pod). CHECK passes,
# and fails once a route is gone or the pod is off the fast path; a second
# ADD of an attachment is refused and changes nothing; a failure after IPAM
# (an address twice; the fast path without bpffs) undoes
# everything, the address and the fast path state included; DEL twice, and
# with the namespace gone, leaves no link, route, record, lease or fast
# path entry. At 1.1.0: STATUS, and GC removes exactly the attachment the
# runtime no longer lists (with its lease and fast path state), not another
# network's pair nor one made by hand; STATUS without the module is code 50.

source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/cni_lib.sh"
require_root
require_cmd azlxnet jq ip ping
[ -x /opt/cni/bin/host-local ] || skip "reference CNI plugins not installed (/opt/cni/bin/host-local)"
dir=$(cd "$(dirname "$0")" && pwd)
NC=$dir/netcheck
STATE=/run/azlxnet/cni-kit
NET=azlxnet-kit
HOST4=10.250.0.1
HOST6=fd00:250::1
tmp=$(mktemp -d)
had_module=0
mod_loaded && had_module=1
bgpid=
cleanup()
{
	local r ns
	[ -n "$bgpid" ] && kill "$bgpid" 2>/dev/null
	grep -q '^azkhide /sys/fs/bpf ' /proc/mounts && umount /sys/fs/bpf
	for r in "$tmp"/result.*; do
		[ -f "$r" ] || continue
		ns=${r##*.}
		CONFLIST=$(cat "$tmp/conflist.$ns") chain DEL "$ns" "$r" >/dev/null 2>&1
	done
	for ns in azk1 azk2 azk3 azk4 azko; do ip netns del $ns 2>/dev/null; done
	ip link del azkhost 2>/dev/null
	ip link del azkforeign 2>/dev/null
	rm -rf "$tmp" /var/lib/cni/networks/$NET /var/lib/cni/networks/$NET-other
	if [ $had_module = 1 ]; then
		mod_loaded || modprobe $MOD
	else
		cleanup_module
	fi
	return 0
}
trap cleanup EXIT
mod_loaded || modprobe $MOD || fail "modprobe $MOD"

# The shipped example, and the same for each version and a second network.
jq '.' "$dir/10-azlxnet-kit.conflist" >"$tmp/kit.conflist" || fail "reading the example conflist"
for v in 0.4.0 1.0.0 1.1.0; do
	jq --arg v "$v" '.cniVersion = $v' "$tmp/kit.conflist" >"$tmp/kit-$v.conflist"
done
jq '.plugins[0].fastpath = false' "$tmp/kit-0.4.0.conflist" >"$tmp/out" &&
	mv "$tmp/out" "$tmp/kit-0.4.0.conflist" || fail "the 0.4.0 conflist"
jq '.cniVersion = "1.1.0" | .name = "azlxnet-kit-other" |
    .plugins[0].ipam.ranges = [[{subnet: "10.244.9.0/24"}]]' \
	"$tmp/kit.conflist" >"$tmp/other.conflist"

# The host's own addresses, for traffic to the host.
ip link add azkhost type dummy && ip link set azkhost up &&
	ip addr add $HOST4/32 dev azkhost && ip addr add $HOST6/128 dev azkhost nodad ||
	fail "host addresses"
sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1

# kit CMD NS [RESULT-FILE]: run the plugin as the runtime runs the list's
# only plugin ($CONF, its configuration; RESULT-FILE as prevResult)
kit()
{
	local conf=$CONF
	[ -n "${3:-}" ] && conf=$(jq -c --slurpfile p "$3" '. + {prevResult: $p[0]}' <<<"$CONF")
	run_plugin "$1" "$2" azlxnet "$conf"
}
# use CONFLIST: the list to run, $CONF its plugin's configuration
use()
{
	CONFLIST=$1
	CONF=$(plugin_conf 0)
}
# add NS: ADD, the result cached in $tmp/result.NS
add()
{
	local ns=$1
	ip netns add "$ns" || fail "netns $ns"
	printf '%s' "$CONFLIST" >"$tmp/conflist.$ns"
	kit ADD "$ns" >"$tmp/result.$ns" || fail "ADD $ns: $(cat "$tmp/result.$ns")"
}
# del NS: DEL with the cached result
del()
{
	kit DEL "$1" "$tmp/result.$1" >"$tmp/out" || fail "DEL $1: $(cat "$tmp/out")"
	[ -s "$tmp/out" ] && fail "DEL $1 printed $(cat "$tmp/out")"
	return 0
}
# host_of NS: the pair's primary, from the result
host_of()
{
	jq -r '.interfaces[0].name' "$tmp/result.$1"
}
# state: what the plugin and host-local keep, the node's routes to pods and
# the fast path's pods
state()
{
	kit_links
	azlxnet -j pod show 2>/dev/null | jq -r '.[] | "pod \(.host_ifname)"' 
	ls "$STATE" 2>/dev/null
	hl_leases $NET
	ip route show | grep -v "^10.250\|^default" || true
	ip -6 route show | grep "^fd00:10:244" || true
}
# bad CODE WHAT CMD...: a CNI error with CODE on stdout, exit status 1
bad()
{
	local code=$1 what=$2 out
	shift 2
	out=$("$@") && fail "$what succeeded: $out"
	assert_eq "$(jq -r .code <<<"$out")" "$code" "CNI error code for $what"
	jq -e '.msg | length > 0' <<<"$out" >/dev/null || fail "$what: no msg in $out"
	echo "$what: $out"
}
# kstat NS COUNTER: an ethtool counter of eth0 (the azlxkit peer) in NS
kstat()
{
	ip netns exec "$1" "$dir/kit_prog" stats eth0 | awk -v c="$2" '$1 == c { print $2 }'
}
# ping_via NS DST N: N pings from NS to DST. To the host they leave NS by
# $h1 (rx here). To azk2, without the fast path, they cross $h1 and reach
# azk2 by $h2 (tx here); with it ($fp = 1), azk1's and azk2's programs put
# requests and replies straight into the other pod, and neither primary
# sees them.
ping_via()
{
	local rx1 tx2 k1 k2
	rx1=$(link_ctr "$h1" rx) tx2=$(link_ctr "$h2" tx)
	k1=$(kstat azk1 redirect_pod) k2=$(kstat azk2 redirect_pod)
	ip netns exec "$1" ping -c "$3" -i 0.2 -W 2 "$2" >/dev/null || fail "ping $1 -> $2"
	case $2 in
	"$a2" | "$b2")
		if [ "$fp" = 1 ]; then
			assert_eq $(($(kstat azk1 redirect_pod) - k1)) "$3" "azk1's redirects into azk2 ($2)"
			assert_eq $(($(kstat azk2 redirect_pod) - k2)) "$3" "azk2's redirects into azk1 ($2)"
			[ $(($(link_ctr "$h1" rx) - rx1)) -lt "$3" ] ||
				fail "the pings to $2 crossed $h1 on the fast path"
		else
			[ $(($(link_ctr "$h1" rx) - rx1)) -ge "$3" ] ||
				fail "the pings to $2 did not cross $h1"
			[ $(($(link_ctr "$h2" tx) - tx2)) -ge "$3" ] ||
				fail "the pings to $2 did not cross $h2"
		fi ;;
	*)
		[ $(($(link_ctr "$h1" rx) - rx1)) -ge "$3" ] || fail "the pings to $2 did not cross $h1" ;;
	esac
}

# VERSION as libcni probes: what the chained mode says too.
out=$(CNI_COMMAND=VERSION azlxnet <<<'{"cniVersion":"1.0.0"}') || fail "VERSION: $out"
assert_eq "$(jq -c .supportedVersions <<<"$out")" '["0.3.0","0.3.1","0.4.0","1.0.0","1.1.0"]' \
	"supported versions"

for v in 0.4.0 1.0.0; do
	echo "# CNI $v"
	fp=0
	[ $v = 1.0.0 ] && fp=1
	use "$tmp/kit-$v.conflist"
	add azk1
	add azk2
	r1=$tmp/result.azk1 r2=$tmp/result.azk2
	h1=$(host_of azk1) h2=$(host_of azk2)
	# the result: both ends, the addresses on the pod's with the link-local gateways
	jq -e --arg v "$v" '.cniVersion == $v and (.interfaces | length == 2) and
		(.interfaces[0].name | test("^azk[0-9a-f]{12}$")) and (.interfaces[0].sandbox == null) and
		.interfaces[1] == {name: "eth0", sandbox: "/var/run/netns/azk1"} and
		(.ips | length == 2) and all(.ips[]; .interface == 1) and
		([.ips[].gateway] | sort == ["169.254.1.1", "fe80::1"]) and
		([.routes[] | "\(.dst) \(.gw)"] | sort == ["0.0.0.0/0 169.254.1.1", "::/0 fe80::1"]) and
		if $v == "0.4.0" then all(.ips[]; .version == (if (.address | test(":")) then "6" else "4" end))
		else all(.ips[]; has("version") | not) end' \
		"$r1" >/dev/null || fail "ADD result at $v: $(cat "$r1")"
	a1=$(pod_ip "$r1") a2=$(pod_ip "$r2") b1=$(pod_ip "$r1" 6) b2=$(pod_ip "$r2" 6)
	echo "pods: azk1 $a1 $b1 ($h1), azk2 $a2 $b2 ($h2)"
	assert_eq "$(kit_links)" "$(printf '%s\n' "$h1" "$h2" | sort)" "azlxkit links on the host"
	[ -f "$STATE/cid-azk1:eth0" ] || fail "no record of azk1: $(ls "$STATE")"
	assert_eq "$(hl_leases $NET | wc -l)" 4 "host-local leases"
	if [ $fp = 1 ]; then
		assert_eq "$(azlxnet -j pod show | jq -r 'map("\(.host_ifname)=\(.device) \(.addresses | sort | join(","))") | sort | join(" ")')" \
			"$(printf '%s\n' "$h1=azlxkit $a1,$b1" "$h2=azlxkit $a2,$b2" | sort | paste -sd' ')" \
			"the pods on the fast path"
		assert_match "$(azlxnet -j kit prog show "$h1" | jq -r '.[0].peer.name')" "^azlxnet_from_ki" \
			"the program on $h1's peer"
	else
		assert_eq "$(azlxnet -j pod show 2>/dev/null | jq length)" 0 "pods on the fast path"
		assert_eq "$(azlxnet -j kit prog show "$h1" | jq -r '.[0].peer')" null \
			"the program on $h1's peer"
	fi
	echo "ADD and its result: ok [${SECONDS} s]"

	if [ $v = 1.0.0 ]; then
		# what the result says is what is there: the pair, L3, the peer in
		# the pod with the addresses, routes through the gateways, and the
		# host's routes to the pods through the primaries
		assert_eq "$(azlxnet -j kit show "$h1" | jq -r '.[0] | "\(.mode) \(.policy) \(.peer.policy)"')" \
			"l3 forward forward" "$h1's mode and policies"
		assert_eq "$(ip -n azk1 -d -o link show eth0 | grep -o 'azlxkit')" azlxkit "azk1's eth0 kind"
		assert_eq "$(ip -n azk1 -o addr show dev eth0 scope global | awk '{ print $4 }' | LC_ALL=C sort | tr '\n' ' ')" \
			"$(jq -r '[.ips[].address] | sort | join(" ")' "$r1") " "azk1's addresses"
		assert_match "$(ip -n azk1 route show default)" "^default via 169.254.1.1 dev eth0 .*onlink" \
			"azk1's IPv4 default route"
		assert_match "$(ip -n azk1 -6 route show default)" "^default via fe80::1 dev eth0 .*onlink" \
			"azk1's IPv6 default route"
		assert_match "$(ip route show "$a1")" "^$a1 dev $h1 " "the host's route to $a1"
		assert_match "$(ip -6 route show "$b2")" "^$b2 dev $h2 " "the host's route to $b2"
		# traffic, counted on the pairs
		for dst in "$a2" "$b2" $HOST4 $HOST6; do
			ping_via azk1 "$dst" 3
		done
		ping -c 2 -i 0.2 -W 2 "$b1" >/dev/null || fail "ping host -> $b1"
		for dst in "$a2" "$b2" $HOST4 $HOST6; do
			case $dst in
			"$a2" | "$b2") srv=(ip netns exec azk2 "$NC") ;;
			*) srv=("$NC") ;;
			esac
			tx1=$(link_ctr "$h1" tx) k2=$(kstat azk2 redirect_pod)
			"${srv[@]}" serve tcp "$dst" 5001 1 &
			bgpid=$!
			sleep 0.5
			ip netns exec azk1 "$NC" send tcp "$dst" 5001 "hello $dst" ||
				fail "TCP azk1 -> $dst"
			wait $bgpid || fail "TCP server on $dst"
			bgpid=
			case $dst in
			"$a2" | "$b2")
				[ $(($(kstat azk2 redirect_pod) - k2)) -ge 3 ] ||
					fail "TCP from $dst to azk1 did not go straight into azk1" ;;
			*)
				[ $(($(link_ctr "$h1" tx) - tx1)) -ge 3 ] ||
					fail "TCP from $dst to azk1 did not cross $h1" ;;
			esac
		done
		echo "ping and TCP azk1 -> azk2 and the host, IPv4 and IPv6: ok [${SECONDS} s]"
	else
		ping_via azk1 "$a2" 2
		ping_via azk1 "$b2" 2
		echo "ping azk1 -> azk2, IPv4 and IPv6: ok [${SECONDS} s]"
	fi

	# CHECK passes; without a route in the pod, or the host's, it fails
	kit CHECK azk1 "$r1" >"$tmp/out" || fail "CHECK azk1: $(cat "$tmp/out")"
	assert_eq "$(cat "$tmp/out")" "" "CHECK's output"
	ip -n azk1 route del default || fail "removing azk1's default route"
	kit CHECK azk1 "$r1" >"$tmp/out" && fail "CHECK passed without the default route"
	assert_eq "$(jq -r .code "$tmp/out")" 105 "CHECK without the route"
	echo "CHECK without the route: $(cat "$tmp/out")"
	if [ $v = 1.0.0 ]; then
		ip route del "$a2/32" || fail "removing the host's route to $a2"
		kit CHECK azk2 "$r2" >"$tmp/out" && fail "CHECK passed without the host's route"
		assert_eq "$(jq -r .code "$tmp/out")" 105 "CHECK without the host's route"
		# ADD again for an attachment that has its pair: refused, nothing changes
		before=$(state)
		bad 104 "a second ADD of azk1" kit ADD azk1
		assert_eq "$(state)" "$before" "the node after the second ADD"
		# off the fast path: CHECK says so
		ip route add "$a2/32" dev "$h2" || fail "the host's route to $a2 back"
		azlxnet pod del --netns azk2 --ifname eth0 || fail "pod del azk2"
		bad 103 "CHECK of a pod off the fast path" kit CHECK azk2 "$r2"
	fi
	echo "CHECK: ok [${SECONDS} s]"

	# DEL twice; DEL after the namespace is gone
	del azk1
	del azk1
	rm -f "$r1"
	ip netns del azk2
	del azk2
	rm -f "$r2"
	ip netns del azk1
	assert_eq "$(state)" "" "links, records, leases and routes after DEL"
	echo "DEL: ok [${SECONDS} s]"
done

# A failure after IPAM (its result has an address twice: the second add
# fails) undoes everything: the pair, the record and the lease.
mkdir "$tmp/bin"
cat >"$tmp/bin/dup-ipam" <<'EOS'
#!/bin/bash
echo "$CNI_COMMAND $CNI_CONTAINERID" >>"${0%/*}/calls"
out=$(/opt/cni/bin/host-local) || { echo "$out"; exit 1; }
if [ "$CNI_COMMAND" = ADD ]; then jq -c '.ips += .ips' <<<"$out"; else echo "$out"; fi
EOS
chmod +x "$tmp/bin/dup-ipam"
jq '.plugins[0].ipam.type = "dup-ipam" | .plugins[0].fastpath = false' "$tmp/kit-1.0.0.conflist" \
	>"$tmp/dup.conflist"
use "$tmp/dup.conflist"
ip netns add azk4
CNI_PATH=$tmp/bin:$CNI_PATH kit ADD azk4 >"$tmp/out" && fail "ADD with a doubled address passed"
echo "ADD with a doubled address: $(cat "$tmp/out")"
assert_eq "$(cat "$tmp/bin/calls")" "$(printf 'ADD cid-azk4\nDEL cid-azk4')" "IPAM calls of the failed ADD"
assert_eq "$(state)" "" "the node after the failed ADD"
assert_eq "$(ip -n azk4 -o link show | wc -l)" 1 "links in azk4 after the failed ADD (lo)"
# The fast path cannot be set up (bpffs hidden under a tmpfs): the pair,
# its addresses and routes were there when it failed; everything goes.
use "$tmp/kit-1.0.0.conflist"
mount -t tmpfs azkhide /sys/fs/bpf || fail "hiding bpffs"
kit ADD azk4 >"$tmp/out"
rc=$?
umount /sys/fs/bpf || fail "bpffs back"
[ $rc -ne 0 ] || fail "ADD without bpffs passed: $(cat "$tmp/out")"
assert_eq "$(jq -r .code "$tmp/out")" 100 "CNI error code of ADD without bpffs"
echo "ADD without bpffs: $(cat "$tmp/out")"
assert_eq "$(state)" "" "the node after the failed ADD"
assert_eq "$(ip -n azk4 -o link show | wc -l)" 1 "links in azk4 after the failed ADD (lo)"
ip netns del azk4
echo "the failed ADDs undone [${SECONDS} s]"

# CNI 1.1.0 (host-local has 1.0.0: it gets 1.0.0): STATUS; GC removes the
# attachment the runtime no longer lists, and only that.
use "$tmp/kit-1.1.0.conflist"
out=$(CNI_COMMAND=STATUS azlxnet <<<"$CONF") || fail "STATUS: $out"
assert_eq "$out" "" "STATUS output"
add azk1
add azk3
use "$tmp/other.conflist"
add azko
use "$tmp/kit-1.1.0.conflist"
azlxnet kit add azkforeign peer azkforeignp || fail "a pair by hand"
h1=$(host_of azk1) h3=$(host_of azk3) ho=$(host_of azko)
want_pods=$(printf '%s\n' "$h1" "$ho" | sort)
want_links=$(kit_links | grep -vx "$h3")
want_leases=$(hl_leases $NET | grep -vxF -e "$(pod_ip "$tmp/result.azk3")" \
	-e "$(pod_ip "$tmp/result.azk3" 6)")
want_other=$(hl_leases $NET-other)
out=$(CNI_COMMAND=GC azlxnet <<<"$(jq -c '. + {"cni.dev/valid-attachments":
	[{containerID: "cid-azk1", ifname: "eth0"}, {containerID: "cid-azko", ifname: "eth0"}]}' \
	<<<"$CONF")") || fail "GC: $out"
assert_eq "$out" "" "GC output"
assert_eq "$(kit_links)" "$want_links" "azlxkit links after GC"
assert_eq "$(azlxnet -j pod show | jq -r '.[].host_ifname' | sort)" "$want_pods" \
	"pods on the fast path after GC"
assert_eq "$(hl_leases $NET)" "$want_leases" "leases after GC"
assert_eq "$(hl_leases $NET-other)" "$want_other" "the other network's leases after GC"
assert_eq "$(hl_leases $NET | wc -l)" 2 "azk1's leases after GC"
[ -e "$STATE/cid-azk3:eth0" ] && fail "azk3's record outlived GC"
[ -n "$(ip -n azk3 link show eth0 2>/dev/null)" ] && fail "azk3's eth0 outlived GC"
kit CHECK azk1 "$tmp/result.azk1" >"$tmp/out" || fail "CHECK azk1 after GC: $(cat "$tmp/out")"
rm -f "$tmp/result.azk3"
echo "GC: only the unlisted attachment went [${SECONDS} s]"
del azk1
rm -f "$tmp/result.azk1"
CONF=$(CONFLIST=$tmp/other.conflist plugin_conf 0) kit DEL azko "$tmp/result.azko" >"$tmp/out" ||
	fail "DEL azko: $(cat "$tmp/out")"
rm -f "$tmp/result.azko"
ip link del azkforeign
assert_eq "$(state)" "" "the node after the 1.1.0 round"
assert_eq "$(hl_leases $NET-other)" "" "the other network's leases"

# STATUS without the module: code 50, and STATUS did not load it
mod_unload
bad 50 "STATUS without azlxnet.ko" env CNI_COMMAND=STATUS azlxnet <<<"$CONF"
mod_loaded && fail "STATUS loaded the module"
echo "ok [${SECONDS} s]"
