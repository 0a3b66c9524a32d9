#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Command-line tests of azlxnet pod, azlxnet fastpath and the CNI plugin
# mode that need neither root nor BPF: grammar, usage errors and exit
# codes, errors found before anything changes, CNI errors on stdout. TAP on
# stdout.
#
# Usage: cli-pod.sh PATH-TO-AZLXNET

set -u

AZ=${1:?usage: cli-pod.sh PATH-TO-AZLXNET}
TIMEOUT=20
PIN_DIR=/sys/fs/bpf/azlxnet

source "$(dirname "$0")/clilib.sh"
clilib_init cli-pod

# cni INPUT VAR=VALUE...: runs the tool as a CNI plugin, INPUT on stdin
cni() {
	local input=$1

	shift
	rc=0
	printf '%s' "$input" | timeout "$TIMEOUT" env -u CNI_COMMAND -u CNI_CONTAINERID \
		-u CNI_NETNS -u CNI_IFNAME -u CNI_ARGS -u CNI_PATH "$@" "$AZ" \
		>"$tmp/out" 2>"$tmp/err" || rc=$?
	out=$(cat "$tmp/out")
	err=$(cat "$tmp/err")
}


# The CNI error object on stdout with code $1, exit status 1, nothing on stderr.
expect_cni_error() {
	expect_rc 1
	jq_eq .code "$1"
	jq_eq '.msg | length > 0' true
	jq_eq '.cniVersion | type' '"string"'
	expect_eq "$(printf '%s\n' "$out" | wc -l)" 1
}

# What ptp with host-local gives, and a configuration chaining azlxnet after it.
PREV='{"cniVersion":"1.0.0","interfaces":[{"name":"veth1","mac":"6a:d6:b4:f3:a1:a5"},{"name":"eth0","mac":"ba:a8:63:5d:43:11","sandbox":"/var/run/netns/c1"}],"ips":[{"interface":1,"address":"10.244.1.2/24","gateway":"10.244.1.1"},{"interface":1,"address":"fd00:10:244:1::2/64","gateway":"fd00:10:244:1::1"}],"routes":[{"dst":"0.0.0.0/0"}],"dns":{}}'
CONF='{"cniVersion":"1.0.0","name":"azlxnet-test","type":"azlxnet","prevResult":'$PREV'}'
ENV=(CNI_CONTAINERID=c0ffee CNI_IFNAME=eth0 CNI_PATH=/opt/cni/bin)

test_pod_help() {
	run pod help
	expect_rc 0
	expect_has "$out" "Usage: azlxnet pod add --netns NS --ifname IF --ip ADDR[,ADDR6] [ --mac MAC ]"
	expect_has "$out" "azlxnet pod del { --netns NS --ifname IF | --ip ADDR[,ADDR6] }"
	expect_has "$out" "azlxnet pod show"
	local help=$out
	run pod add help
	expect_rc 0
	expect_eq "$out" "$help"
	run fastpath help
	expect_rc 0
	expect_has "$out" "Usage: azlxnet fastpath enable DEV"
	expect_has "$out" "azlxnet fastpath disable DEV"
	expect_has "$out" "azlxnet fastpath show"
	run help
	expect_has "$out" "fastpath"
	expect_has "$out" "pod"
}

test_pod_usage_errors() {
	local args

	while IFS='|' read -r args msg; do
		# shellcheck disable=SC2086
		run $args
		expect_rc 2
		expect_eq "$out" ""
		expect_eq "$err" "Error: $msg"
	done <<-'EOF'
	pod add|"pod add" needs --netns, --ifname and --ip
	pod add --netns x --ifname eth0|"pod add" needs --netns, --ifname and --ip
	pod add --netns x --ifname eth0 --ip 10.1.0.5 extra|"pod add" takes options, not "extra" (try "azlxnet pod help")
	pod add --netns x --ifname eth0 --ip 10.1.0.5,10.1.0.6|more than one IPv4 address (10.1.0.6)
	pod add --netns x --ifname eth0 --ip 10.1.0.5/33|invalid prefix length in "10.1.0.5/33"
	pod add --netns x --ifname eth0 --ip fe80::1|fe80::1 is not a pod address (link-local)
	pod add --netns x --ifname eth0 --ip 10.1.0.5 --mac 02:00:00:00:00|invalid MAC "02:00:00:00:00"
	pod del|"pod del" needs --netns and --ifname, or --ip
	pod del --netns x|"pod del" needs --netns and --ifname, or --ip
	pod del --ip 10.1.0.5 --netns x|"pod del" takes either --netns and --ifname, or --ip
	pod del --ip 10.1.0.5 --mac 02:00:00:00:00:01|"pod del" takes no --mac
	pod del --ip nope|invalid address "nope"
	pod show --ip 10.1.0.5|"pod show" takes no option: "--ip"
	pod show x|"pod show" takes no argument: "x"
	pod frob|unknown command "frob" for "azlxnet pod" (try "azlxnet pod help")
	nic show --netns x|option "--netns" is only for "pod"
	fastpath enable|"fastpath enable" needs a DEV
	fastpath enable a b|"fastpath enable" takes one DEV: "b"
	fastpath disable|"fastpath disable" needs a DEV
	fastpath show x|"fastpath show" takes no argument: "x"
	fastpath frob|unknown command "frob" for "azlxnet fastpath" (try "azlxnet fastpath help")
	pod add --netns|option "--netns" needs an argument
	EOF
}

test_pod_usage_json() {
	run -j pod add --netns x --ifname eth0 --ip 10.1.0.5,10.1.0.6
	expect_rc 2
	jq_eq .error '"more than one IPv4 address (10.1.0.6)"'
	expect_eq "$err" ""
}

# Errors found before anything changes: the namespace and the interface.
test_pod_add_no_netns() {
	run pod add --netns azlxnet-test-no-such-netns --ifname eth0 --ip 10.1.0.5
	expect_rc 1
	expect_eq "$err" 'Error: no network namespace "azlxnet-test-no-such-netns" (in /var/run/netns or /run/netns)'
	run pod add --netns /nonexistent/ns --ifname eth0 --ip 10.1.0.5
	expect_rc 1
	expect_eq "$err" "Error: cannot open network namespace /nonexistent/ns: No such file or directory"
	run -j pod add --netns /dev/null --ifname eth0 --ip 10.1.0.5
	expect_rc 1
	jq_eq .error '"/dev/null is not a network namespace"'
	run pod add --netns /proc/self/ns/net --ifname eth0 --ip 10.1.0.5
	expect_rc 1
	expect_eq "$err" "Error: /proc/self/ns/net is the current network namespace, not a pod's"
	run pod del --netns /nonexistent/ns --ifname eth0
	expect_rc 1
	expect_has "$err" "cannot open network namespace /nonexistent/ns"
}

test_prefix_matching() {
	run po hel
	expect_rc 0
	expect_has "$out" "azlxnet pod add"
	run fast he
	expect_rc 0
	expect_has "$out" "azlxnet fastpath enable"
}

test_fastpath_no_device() {
	run fastpath enable azlxnoeth0
	expect_rc 1
	expect_eq "$err" "Error: no such device azlxnoeth0"
	run -j fastpath disable azlxnoeth0
	expect_rc 1
	jq_eq .error '"no such device azlxnoeth0"'
	# a device may be called "h" or "he": only "help" itself is help
	for dev in h he; do
		[ -e /sys/class/net/$dev ] && continue
		run fastpath enable $dev
		expect_rc 1
		expect_eq "$err" "Error: no such device $dev"
		run fastpath disable $dev
		expect_rc 1
		expect_eq "$err" "Error: no such device $dev"
	done
}

# Read-only, and only where the fast path has no state and bpffs is readable.
test_show_empty() {
	[ -e "$PIN_DIR" ] && skip "$PIN_DIR exists: the fast path is on here"
	[ -d /sys/fs/bpf ] && ! [ -x /sys/fs/bpf ] && skip "/sys/fs/bpf is not searchable"
	run -j pod show
	expect_rc 0
	expect_eq "$out" "[]"
	run pod
	expect_rc 0
	expect_eq "$out" ""
	run -j fastpath show
	expect_rc 0
	jq_eq 'del(.tool_identity, .attach)' \
		'{"pin_dir":"/sys/fs/bpf/azlxnet","identity":null,"pinned":false,"pods":0,"stale":null,"counters_since":null,"uplinks":[],"programs":[]}'
	jq_eq '.tool_identity | test("^l[0-9]+-[0-9a-f]{16}$")' true
	jq_eq '.attach | test("^(tcx|tc)$")' true
	run fastpath
	expect_rc 0
	expect_has "$out" "maps: none (the fast path is off)"
}

test_cni_version() {
	cni '{"cniVersion":"1.0.0"}' CNI_COMMAND=VERSION
	expect_rc 0
	expect_eq "$out" '{"cniVersion":"1.0.0","supportedVersions":["0.4.0","1.0.0"]}'
	expect_eq "$err" ""
	cni '' CNI_COMMAND=VERSION
	expect_rc 0
	jq_eq .supportedVersions '["0.4.0","1.0.0"]'
}

test_cni_errors() {
	cni '{"cniVersion": "1.0.0", "name": ' CNI_COMMAND=ADD "${ENV[@]}" CNI_NETNS=/var/run/netns/x
	expect_cni_error 6
	jq_eq .details '"cannot parse the network configuration: unexpected end of input"'
	cni "$(jq -c 'del(.prevResult)' <<<"$CONF")" CNI_COMMAND=ADD "${ENV[@]}" CNI_NETNS=/x
	expect_cni_error 7
	cni "$(jq -c '.cniVersion = "9.9.9"' <<<"$CONF")" CNI_COMMAND=ADD "${ENV[@]}" CNI_NETNS=/x
	expect_cni_error 1
	jq_eq .cniVersion '"1.0.0"'
	cni "$CONF" CNI_COMMAND=ADD "${ENV[@]}"
	expect_cni_error 4
	jq_eq .details '"CNI_NETNS is not set"'
	cni "$CONF" CNI_COMMAND=ADD CNI_IFNAME=eth0 CNI_PATH=/opt/cni/bin CNI_NETNS=/x
	expect_cni_error 4
	jq_eq .details '"CNI_CONTAINERID is not set"'
	cni "$CONF" CNI_COMMAND=FROB "${ENV[@]}"
	expect_cni_error 4
	cni "$(jq -c '.uplink = "azlxnoeth0"' <<<"$CONF")" CNI_COMMAND=ADD "${ENV[@]}" \
		CNI_NETNS=/nonexistent/ns
	expect_cni_error 7
	jq_eq .details '"uplink azlxnoeth0: no such device"'
}

# ADD and CHECK that fail on the namespace, before any change.
test_cni_no_container() {
	cni "$CONF" CNI_COMMAND=ADD "${ENV[@]}" CNI_NETNS=/nonexistent/ns
	expect_cni_error 3
	jq_eq .details '"cannot open network namespace /nonexistent/ns: No such file or directory"'
	cni "$CONF" CNI_COMMAND=ADD "${ENV[@]}" CNI_NETNS=/proc/self/ns/net
	expect_cni_error 102
	cni "$(jq -c '.cniVersion = "0.4.0"' <<<"$CONF")" CNI_COMMAND=CHECK "${ENV[@]}" \
		CNI_NETNS=/nonexistent/ns
	expect_cni_error 3
	jq_eq .cniVersion '"0.4.0"'
}

# DEL with nothing to go by succeeds and prints nothing.
test_cni_del_nothing() {
	cni '{"cniVersion":"1.0.0","name":"n","type":"azlxnet"}' CNI_COMMAND=DEL "${ENV[@]}"
	expect_rc 0
	expect_eq "$out" ""
}

# With arguments the tool is the tool, CNI_COMMAND or not.
test_cni_needs_no_args() {
	cni '' CNI_COMMAND=ADD
	expect_cni_error 6
	rc=0
	CNI_COMMAND=ADD timeout "$TIMEOUT" "$AZ" pod help >"$tmp/out" 2>&1 </dev/null || rc=$?
	out=$(cat "$tmp/out")
	expect_rc 0
	expect_has "$out" "Usage: azlxnet pod add"
}

TESTS=(
	pod_help
	pod_usage_errors
	pod_usage_json
	pod_add_no_netns
	prefix_matching
	fastpath_no_device
	show_empty
	cni_version
	cni_errors
	cni_no_container
	cni_del_nothing
	cni_needs_no_args
)

run_tests
