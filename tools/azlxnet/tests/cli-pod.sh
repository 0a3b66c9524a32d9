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
	expect_eq "$out" '{"cniVersion":"1.1.0","supportedVersions":["0.3.0","0.3.1","0.4.0","1.0.0","1.1.0"]}'
	expect_eq "$err" ""
	cni '' CNI_COMMAND=VERSION
	expect_rc 0
	jq_eq .supportedVersions '["0.3.0","0.3.1","0.4.0","1.0.0","1.1.0"]'
}

test_cni_errors() {
	cni '{"cniVersion": "1.0.0", "name": ' CNI_COMMAND=ADD "${ENV[@]}" CNI_NETNS=/var/run/netns/x
	expect_cni_error 6
	jq_eq .details '"cannot parse the network configuration: unexpected end of input"'
	cni "$(jq -c 'del(.prevResult)' <<<"$CONF")" CNI_COMMAND=ADD "${ENV[@]}" CNI_NETNS=/x
	expect_cni_error 7
	cni "$(jq -c '.cniVersion = "9.9.9"' <<<"$CONF")" CNI_COMMAND=ADD "${ENV[@]}" CNI_NETNS=/x
	expect_cni_error 1
	jq_eq .cniVersion '"1.1.0"'
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

# CNI_NETNS that is not a namespace: a CNI error at once, the file is never
# opened for reading (a FIFO would block) and stays as it was.
test_cni_netns_not_a_namespace() {
	local f cmd

	mkfifo "$tmp/fifo"
	mkdir "$tmp/dir"
	printf 'x' >"$tmp/file"
	for f in "$tmp/fifo" "$tmp/dir" "$tmp/file" /dev/null /proc/self/ns/mnt; do
		for cmd in ADD CHECK; do
			rc=0
			printf '%s' "$CONF" | timeout 5 env CNI_COMMAND=$cmd "${ENV[@]}" \
				CNI_NETNS="$f" "$AZ" >"$tmp/out" 2>"$tmp/err" || rc=$?
			out=$(cat "$tmp/out")
			err=$(cat "$tmp/err")
			[ "$rc" -ne 124 ] || fail "$cmd with CNI_NETNS=$f did not return"
			expect_cni_error 4
			jq_eq .details "\"$f is not a network namespace\""
		done
	done
	# untouched
	[ -p "$tmp/fifo" ] || fail "the FIFO is gone"
	expect_eq "$(cat "$tmp/file")" x
}

# DEL after a failure: whatever CNI_NETNS and prevResult are, it returns at
# once, succeeds and prints nothing.
test_cni_del_bad_input() {
	local f prev

	mkfifo "$tmp/fifo-del"
	for f in "$tmp/fifo-del" /dev/null /nonexistent/ns /proc/self/ns/net /etc/passwd/x; do
		for prev in '' ',"prevResult":[]' ',"prevResult":{"ips":{}}' \
			',"prevResult":{"interfaces":[7]}'; do
			rc=0
			printf '%s' '{"cniVersion":"0.3.1","name":"n","type":"azlxnet"'"$prev}" |
				timeout 5 env CNI_COMMAND=DEL "${ENV[@]}" CNI_NETNS="$f" "$AZ" \
				>"$tmp/out" 2>"$tmp/err" || rc=$?
			out=$(cat "$tmp/out")
			err=$(cat "$tmp/err")
			[ "$rc" -ne 124 ] || fail "DEL with CNI_NETNS=$f$prev did not return"
			expect_rc 0
			expect_eq "$out" ""
		done
	done
	[ -p "$tmp/fifo-del" ] || fail "the FIFO is gone"
}

# GC and STATUS (CNI 1.1.0): bad input is refused before anything is read.
test_cni_gc_status_errors() {
	local conf='{"cniVersion":"1.1.0","name":"n","type":"azlxnet"}'

	cni "$conf" CNI_COMMAND=GC CNI_PATH=/opt/cni/bin
	expect_cni_error 7
	jq_eq .details '"\"cni.dev/valid-attachments\" is missing"'
	cni "$(jq -c '."cni.dev/valid-attachments" = [{"containerID": "a"}]' <<<"$conf")" \
		CNI_COMMAND=GC CNI_PATH=/opt/cni/bin
	expect_cni_error 7
	cni "$(jq -c '.cniVersion = "1.0.0" | ."cni.dev/valid-attachments" = []' <<<"$conf")" \
		CNI_COMMAND=GC CNI_PATH=/opt/cni/bin
	expect_cni_error 1
	jq_eq .details '"GC needs cniVersion 1.1.0 or later, not 1.0.0"'
	cni "$(jq -c '.cniVersion = "0.4.0"' <<<"$conf")" CNI_COMMAND=STATUS
	expect_cni_error 1
	# an uplink that does not exist: not ready
	cni "$(jq -c '.uplink = "azlxnoeth0"' <<<"$conf")" CNI_COMMAND=STATUS
	expect_cni_error 50
	jq_eq .msg '"plugin not available"'
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

# The main plugin mode ("mode": "azlxkit"): a stand-in IPAM plugin in
# $tmp/bin that logs each call (command, container, interface) to
# $tmp/calls and its stdin to $tmp/stdin.CMD, and answers as
# $FAKE_IPAM_<CMD> says (a JSON text; exit status 1 when it has "code").
KCONF='{"cniVersion":"1.0.0","name":"kit","type":"azlxnet","mode":"azlxkit","ipam":{"type":"fake-ipam","subnet":"10.9.0.0/24"}}'
fake_ipam() {
	mkdir -p "$tmp/bin"
	cat >"$tmp/bin/fake-ipam" <<'EOS'
#!/bin/bash
d=${0%/*}/..
echo "$CNI_COMMAND ${CNI_CONTAINERID-unset} ${CNI_IFNAME-unset} ${CNI_NETNS-unset}" >>"$d/calls"
cat >"$d/stdin.$CNI_COMMAND"
var=FAKE_IPAM_$CNI_COMMAND
printf '%s\n' "${!var:-}"
case ${!var:-} in *'"code"'*) exit 1 ;; esac
exit 0
EOS
	chmod +x "$tmp/bin/fake-ipam"
	rm -f "$tmp/calls"
}
KENV=(CNI_CONTAINERID=c0ffee CNI_IFNAME=eth0)

# Bad input: the documented code, and the IPAM plugin is never called.
test_kit_bad_input() {
	local p="CNI_PATH=$tmp/bin"

	fake_ipam
	cni "$(jq -c '.mode = "netkit"' <<<"$KCONF")" CNI_COMMAND=ADD "${KENV[@]}" "$p" CNI_NETNS=/x
	expect_cni_error 7
	expect_has "$out" 'unknown \"mode\" netkit'
	cni "$(jq -c '.mode = 1' <<<"$KCONF")" CNI_COMMAND=DEL "${KENV[@]}" "$p"
	expect_cni_error 7
	cni "$(jq -c 'del(.ipam)' <<<"$KCONF")" CNI_COMMAND=ADD "${KENV[@]}" "$p" CNI_NETNS=/x
	expect_cni_error 7
	jq_eq .details '"mode azlxkit needs \"ipam\" with a \"type\""'
	cni "$(jq -c 'del(.ipam)' <<<"$KCONF")" CNI_COMMAND=DEL "${KENV[@]}" "$p"
	expect_cni_error 7
	cni "$(jq -c '.ipam = {"subnet": "10.0.0.0/8"}' <<<"$KCONF")" CNI_COMMAND=ADD \
		"${KENV[@]}" "$p" CNI_NETNS=/x
	expect_cni_error 7
	cni "$(jq -c '.ipam.type = "../bin/fake-ipam"' <<<"$KCONF")" CNI_COMMAND=ADD \
		"${KENV[@]}" "$p" CNI_NETNS=/x
	expect_cni_error 7
	cni "$(jq -c '.ipam.type = "host-local-nope"' <<<"$KCONF")" CNI_COMMAND=ADD \
		"${KENV[@]}" "$p" CNI_NETNS=/x
	expect_cni_error 7
	expect_has "$out" 'IPAM plugin \"host-local-nope\" is not in CNI_PATH'
	cni "$(jq -c '.mtu = 20' <<<"$KCONF")" CNI_COMMAND=ADD "${KENV[@]}" "$p" CNI_NETNS=/x
	expect_cni_error 7
	cni "$(jq -c '.cniVersion = "0.2.0"' <<<"$KCONF")" CNI_COMMAND=ADD "${KENV[@]}" "$p" \
		CNI_NETNS=/x
	expect_cni_error 1
	cni "$(jq -c '.cniVersion = "1.0"' <<<"$KCONF")" CNI_COMMAND=DEL "${KENV[@]}" "$p"
	expect_cni_error 1
	cni "$(jq -c 'del(.cniVersion)' <<<"$KCONF")" CNI_COMMAND=ADD "${KENV[@]}" "$p" \
		CNI_NETNS=/x
	expect_cni_error 7
	cni "$(jq -c 'del(.name)' <<<"$KCONF")" CNI_COMMAND=ADD "${KENV[@]}" "$p" CNI_NETNS=/x
	expect_cni_error 7
	cni "$KCONF" CNI_COMMAND=ADD "${KENV[@]}" "$p"
	expect_cni_error 4
	jq_eq .details '"CNI_NETNS is not set"'
	cni "$KCONF" CNI_COMMAND=ADD CNI_IFNAME=eth0 "$p" CNI_NETNS=/x
	expect_cni_error 4
	cni "$KCONF" CNI_COMMAND=ADD CNI_CONTAINERID=c0ffee CNI_IFNAME=eth0/1 "$p" CNI_NETNS=/x
	expect_cni_error 4
	cni "$KCONF" CNI_COMMAND=ADD "${KENV[@]}" CNI_NETNS=/x
	expect_cni_error 4
	jq_eq .details '"CNI_PATH is not set"'
	cni "$(jq -c '.cniVersion = "0.3.1"' <<<"$KCONF")" CNI_COMMAND=CHECK "${KENV[@]}" "$p" \
		CNI_NETNS=/x
	expect_cni_error 1
	cni "$KCONF" CNI_COMMAND=CHECK "${KENV[@]}" "$p" CNI_NETNS=/x
	expect_cni_error 7
	jq_eq .details '"CHECK needs \"prevResult\""'
	cni "$(jq -c '."cni.dev/valid-attachments" = []' <<<"$KCONF")" CNI_COMMAND=GC "$p"
	expect_cni_error 1
	cni "$(jq -c '.cniVersion = "1.1.0"' <<<"$KCONF")" CNI_COMMAND=GC "$p"
	expect_cni_error 7
	jq_eq .details '"\"cni.dev/valid-attachments\" is missing"'
	cni "$KCONF" CNI_COMMAND=STATUS "$p"
	expect_cni_error 1
	cni "$(jq -c '.fastpath = "yes"' <<<"$KCONF")" CNI_COMMAND=ADD "${KENV[@]}" "$p" CNI_NETNS=/x
	expect_cni_error 7
	jq_eq .details '"\"fastpath\" is not true or false"'
	cni "$(jq -c '.uplink = "up/0"' <<<"$KCONF")" CNI_COMMAND=ADD "${KENV[@]}" "$p" CNI_NETNS=/x
	expect_cni_error 7
	jq_eq .details '"\"uplink\" is not an interface name"'
	cni "$(jq -c '.fastpath = false | .uplink = "eth0"' <<<"$KCONF")" CNI_COMMAND=ADD \
		"${KENV[@]}" "$p" CNI_NETNS=/x
	expect_cni_error 7
	expect_has "$out" 'needs the fast path'
	# the uplink and the namespace are checked before IPAM is asked
	cni "$(jq -c '.uplink = "nonexistent0"' <<<"$KCONF")" CNI_COMMAND=ADD "${KENV[@]}" "$p" \
		CNI_NETNS=/nonexistent/ns
	expect_cni_error 7
	jq_eq .details '"uplink nonexistent0: no such device"'
	cni "$KCONF" CNI_COMMAND=ADD "${KENV[@]}" "$p" CNI_NETNS=/nonexistent/ns
	expect_cni_error 3
	[ ! -e "$tmp/calls" ] || fail "the IPAM plugin was called: $(cat "$tmp/calls")"
}

# DEL delegates to the IPAM plugin: the same configuration on its stdin,
# the runtime's environment, CNI_COMMAND=DEL; its error is DEL's error.
test_kit_del_delegates() {
	local conf

	fake_ipam
	conf=$(jq -c '.extra = {"x": [1, 2]}' <<<"$KCONF")
	cni "$conf" CNI_COMMAND=DEL "${KENV[@]}" CNI_PATH="/nonexistent:$tmp/bin" CNI_ARGS=a=b
	expect_rc 0
	expect_eq "$out" ""
	expect_eq "$(cat "$tmp/calls")" "DEL c0ffee eth0 unset"
	expect_eq "$(cat "$tmp/stdin.DEL")" "$conf"
	FAKE_IPAM_DEL='{"cniVersion":"0.4.0","code":11,"msg":"try again later","details":"busy"}' \
		cni "$conf" CNI_COMMAND=DEL "${KENV[@]}" CNI_PATH="$tmp/bin" CNI_NETNS=/var/run/netns/p
	expect_cni_error 11
	jq_eq .cniVersion '"1.0.0"'
	jq_eq .details '"busy"'
	expect_eq "$(tail -n 1 "$tmp/calls")" "DEL c0ffee eth0 /var/run/netns/p"
	# an IPAM plugin that fails without an error object
	FAKE_IPAM_DEL='oops' cni "$conf" CNI_COMMAND=DEL "${KENV[@]}" CNI_PATH="$tmp/bin"
	expect_cni_error 6
	# 1.1.0 to a plugin that stops at 1.0.0: the same, as 1.0.0
	fake_ipam
	conf=$(jq -c '.cniVersion = "1.1.0"' <<<"$conf")
	FAKE_IPAM_VERSION='{"cniVersion":"1.0.0","supportedVersions":["0.3.1","1.0.0"]}' \
		cni "$conf" CNI_COMMAND=DEL "${KENV[@]}" CNI_PATH="$tmp/bin"
	expect_rc 0
	expect_eq "$(cut -d' ' -f1 "$tmp/calls" | tr '\n' ' ')" "VERSION DEL "
	expect_eq "$(jq -cS . "$tmp/stdin.DEL")" "$(jq -cS '.cniVersion = "1.0.0"' <<<"$conf")"
	# and one that has no version of ours: code 1, no DEL
	fake_ipam
	FAKE_IPAM_VERSION='{"cniVersion":"0.2.0","supportedVersions":["0.1.0","0.2.0"]}' \
		cni "$conf" CNI_COMMAND=DEL "${KENV[@]}" CNI_PATH="$tmp/bin"
	expect_cni_error 1
	expect_eq "$(cut -d' ' -f1 "$tmp/calls")" "VERSION"
}

# GC and STATUS ask the IPAM plugin only when it speaks CNI 1.1.0.
test_kit_gc_status_ipam_version() {
	local conf

	conf=$(jq -c '.cniVersion = "1.1.0" | ."cni.dev/valid-attachments" = []' <<<"$KCONF")
	fake_ipam
	FAKE_IPAM_VERSION='{"cniVersion":"1.0.0","supportedVersions":["0.4.0","1.0.0"]}' \
		cni "$conf" CNI_COMMAND=GC CNI_PATH="$tmp/bin"
	expect_rc 0
	expect_eq "$out" ""
	expect_eq "$(cut -d' ' -f1 "$tmp/calls")" "VERSION"
	expect_eq "$(cat "$tmp/stdin.VERSION")" '{"cniVersion":"1.1.0"}'
	fake_ipam
	FAKE_IPAM_VERSION='{"cniVersion":"1.1.0","supportedVersions":["1.0.0","1.1.0"]}' \
		cni "$conf" CNI_COMMAND=GC CNI_PATH="$tmp/bin"
	expect_rc 0
	expect_eq "$(cut -d' ' -f1 "$tmp/calls" | tr '\n' ' ')" "VERSION GC "
	expect_eq "$(cat "$tmp/stdin.GC")" "$conf"
	# without azlxnet.ko (never on the build host) STATUS is code 50 and
	# asks no one
	[ -d /sys/module/azlxnet ] && skip "azlxnet.ko is loaded here"
	fake_ipam
	cni "$conf" CNI_COMMAND=STATUS CNI_PATH="$tmp/bin"
	expect_cni_error 50
	jq_eq .details '"azlxnet.ko is not loaded"'
	[ ! -e "$tmp/calls" ] || fail "STATUS called the IPAM plugin: $(cat "$tmp/calls")"
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
	cni_netns_not_a_namespace
	cni_del_bad_input
	cni_gc_status_errors
	cni_del_nothing
	cni_needs_no_args
	kit_bad_input
	kit_del_delegates
	kit_gc_status_ipam_version
)

run_tests
