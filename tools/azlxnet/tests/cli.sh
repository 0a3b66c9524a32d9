#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Command-line tests of azlxnet on a host without the module: grammar,
# prefix matching, help, JSON, error path and exit codes. Fake sysfs trees
# (AZLXNET_SYSFS) stand in for a loaded module. TAP on stdout.
#
# Usage: cli.sh PATH-TO-AZLXNET
#   AZLXNET_VERSION   the version the binary was built with (default 0.1.0)

set -u

AZ=${1:?usage: cli.sh PATH-TO-AZLXNET}
VERSION=${AZLXNET_VERSION:-0.1.0}
SRCTREE=$(cd "$(dirname "$0")/../../.." && pwd)
API=$(sed -n 's/^#define AZLXNET_API_VERSION[[:space:]]*\([0-9]*\).*/\1/p' \
	"$SRCTREE/kmod/include/uapi/linux/azlxnet.h")
TIMEOUT=20
NOT_LOADED='azlxnet module is not loaded (generic netlink family "azlxnet" not found)'

source "$(dirname "$0")/clilib.sh"
clilib_init cli


# A sysfs tree with azlxnet loaded, as the kernel shows it.
fake_sysfs_loaded() {
	local m=$tmp/sys/module/azlxnet

	mkdir -p "$m/parameters"
	echo live >"$m/initstate"
	echo 0.1.0 >"$m/version"
	echo 0123456789ABCDEF0123456 >"$m/srcversion"
	echo 2 >"$m/refcnt"
	echo OE >"$m/taint"
	echo hv_netvsc >"$m/parameters/synthetic_drivers"
	echo mana,mlx5_core,mlx4_en >"$m/parameters/vf_drivers"
	echo "$tmp/sys"
}

fake_sysfs_empty() {
	mkdir -p "$tmp/empty/module"
	echo "$tmp/empty"
}

# A modules directory holding a stand-in azlxnet.ko (only its .modinfo),
# indexed by depmod(8) as for a real kernel.
fake_modules_dir() {
	local root=$tmp/root release=9.9.9-azlxnet-test
	local d=$root/lib/modules/$release

	[ -n "${AZLXNET_FAKE_KO:-}" ] || skip "AZLXNET_FAKE_KO not set"
	mkdir -p "$d/extra"
	cp "$AZLXNET_FAKE_KO" "$d/extra/azlxnet.ko"
	PATH=$PATH:/sbin:/usr/sbin depmod -b "$root" "$release" >/dev/null 2>&1 ||
		skip "depmod cannot index the fake module"
	[ -s "$d/modules.dep.bin" ] || skip "depmod wrote no modules.dep.bin"
	echo "$d"
}

real_module_loaded() {
	[ -d /sys/module/azlxnet ]
}

test_help_lists_objects() {
	run help
	expect_rc 0
	expect_has "$out" "Usage: azlxnet [ OPTIONS ] OBJECT { COMMAND | help }"
	expect_has "$out" "OBJECT := { config |"
	for o in disk fastpath module monitor nic pod status tune version; do
		expect_has "$out" " $o "
	done
	expect_has "$out" "-j[son]"
	expect_eq "$err" ""
	local help=$out
	run -h
	expect_rc 0
	expect_eq "$out" "$help"
	run he
	expect_eq "$out" "$help"
}

test_help_every_level() {
	run module help
	expect_rc 0
	expect_has "$out" "Usage: azlxnet module load [ PARAM=VALUE ]..."
	expect_has "$out" "azlxnet module unload"
	expect_has "$out" "azlxnet module show"
	run config help
	expect_rc 0
	expect_has "$out" "azlxnet config set [ synthetic-drivers LIST ] [ vf-drivers LIST ]"
	expect_has "$out" "azlxnet config show"
	run status help
	expect_rc 0
	expect_has "$out" "Usage: azlxnet status"
	run version help
	expect_rc 0
	expect_has "$out" "Usage: azlxnet version"
	run mod h
	expect_rc 0
	expect_has "$out" "azlxnet module load"
	run nic help
	expect_rc 0
	expect_has "$out" "Usage: azlxnet nic show [ DEV ]"
	run nic show help
	expect_rc 0
	expect_has "$out" "Usage: azlxnet nic show [ DEV ]"
	run monitor help
	expect_rc 0
	expect_has "$out" "Usage: azlxnet monitor [ -c COUNT ]"
	run mon h
	expect_rc 0
	expect_has "$out" "Usage: azlxnet monitor"
}

test_no_object_is_usage_error() {
	run
	expect_rc 2
	expect_eq "$out" ""
	expect_has "$err" "Usage: azlxnet"
}

test_unknown_object() {
	run frobnicate
	expect_rc 2
	expect_eq "$out" ""
	expect_eq "$err" 'Error: unknown object "frobnicate" for "azlxnet" (try "azlxnet help")'
}

test_unknown_command() {
	run module frob
	expect_rc 2
	expect_eq "$err" 'Error: unknown command "frob" for "azlxnet module" (try "azlxnet module help")'
}

test_unknown_option() {
	run -x version
	expect_rc 2
	expect_eq "$out" ""
	expect_eq "$err" 'Error: unknown option "-x" (try "azlxnet help")'
	run --frob version
	expect_rc 2
	expect_eq "$err" 'Error: unknown option "--frob" (try "azlxnet help")'
}

test_ambiguous_prefix() {
	run config s
	expect_rc 2
	expect_eq "$out" ""
	expect_eq "$err" 'Error: ambiguous command "s" for "azlxnet config": show, set'
	run -j config s
	expect_rc 2
	jq_eq .error '"ambiguous command \"s\" for \"azlxnet config\": show, set"'
}

test_prefix_matching() {
	run version
	local full=$out
	run ver
	expect_rc 0
	expect_eq "$out" "$full"
	run v
	expect_rc 0
	expect_eq "$out" "$full"
	AZLXNET_SYSFS=$(fake_sysfs_empty) run -j module show
	full=$out
	AZLXNET_SYSFS=$(fake_sysfs_empty) run -j mod sh
	expect_rc 0
	expect_eq "$out" "$full"
}

test_version_text() {
	run version
	expect_rc 0
	expect_eq "$out" "azlxnet $VERSION (api $API)"
	expect_eq "$err" ""
	run -V
	expect_rc 0
	expect_eq "$out" "azlxnet $VERSION (api $API)"
}

test_version_json() {
	run -j version
	expect_rc 0
	jq_eq . "{\"version\":\"$VERSION\",\"api_version\":$API}"
	jq_eq '.version' "\"$VERSION\""
	jq_eq '.api_version' "$API"
	# options may follow the command
	run version -j
	expect_rc 0
	jq_eq '.api_version' "$API"
	run -json version
	jq_eq '.version' "\"$VERSION\""
}

test_pretty_json() {
	run -p version
	expect_rc 0
	[ "$(printf '%s\n' "$out" | wc -l)" -gt 1 ] || fail "not pretty-printed"
	jq_eq . "{\"version\":\"$VERSION\",\"api_version\":$API}"
}

test_status_not_loaded() {
	real_module_loaded && skip "azlxnet is loaded on this host"
	run status
	expect_rc 3
	expect_eq "$out" ""
	expect_eq "$err" "Error: $NOT_LOADED"
}

test_status_not_loaded_json() {
	real_module_loaded && skip "azlxnet is loaded on this host"
	run -j status
	expect_rc 3
	expect_eq "$err" ""
	jq_eq . "$(jq -cn --arg e "$NOT_LOADED" '{error: $e}')"
}

test_config_not_loaded() {
	real_module_loaded && skip "azlxnet is loaded on this host"
	run config show
	expect_rc 3
	expect_eq "$err" "Error: $NOT_LOADED"
	run -j config
	expect_rc 3
	jq_eq .error "$(jq -cn --arg e "$NOT_LOADED" '$e')"
	# arguments are checked before the kernel is asked
	run config set vf-drivers mana
	expect_rc 3
}

# metrics: an absent source is a gauge at 0, never an error
test_metrics_not_loaded() {
	real_module_loaded && skip "azlxnet is loaded on this host"
	run metrics
	expect_rc 0
	expect_eq "$err" ""
	expect_has "$out" '# TYPE azlxnet_source_up gauge'
	expect_has "$out" 'azlxnet_source_up{source="nic"} 0'
	expect_eq "$(grep -c '^azlxnet_source_up{' <<<"$out")" 5
	expect_eq "$(grep -c '^azlxnet_nic_' <<<"$out")" 0
	if command -v promtool >/dev/null; then
		promtool check metrics <<<"$out" || fail "promtool check metrics"
	fi
	# prefix matching: "me" is metrics
	run me
	expect_rc 0
	expect_has "$out" 'azlxnet_build_info{version="'"$VERSION"'"} 1'
}

test_metrics_usage() {
	run metrics sideways
	expect_rc 2
	expect_eq "$err" 'Error: "metrics" takes no argument: "sideways"'
	run -j metrics
	expect_rc 2
	jq_eq .error '"\"metrics\" writes Prometheus text, not JSON: no -j"'
	run metrics --textfile "$tmp" --listen 9400
	expect_rc 2
	expect_eq "$err" "Error: --textfile and --listen exclude each other"
	for a in 0 65536 x :9400 localhost:9400 127.0.0.1: '[::1]' ::1:9400; do
		run metrics --listen "$a"
		expect_rc 2
		expect_has "$err" "Error: --listen: invalid"
	done
	run nic show --listen 9400
	expect_rc 2
	expect_eq "$err" 'Error: option "--listen" is only for "metrics"'
	run metrics --textfile
	expect_rc 2
	run metrics help
	expect_rc 0
	expect_has "$out" "Usage: azlxnet metrics [ --textfile DIR | --listen [ ADDR: ]PORT ]"
}

test_metrics_textfile() {
	mkdir "$tmp/tf"
	run metrics --textfile "$tmp/tf"
	expect_rc 0
	expect_eq "$out" ""
	expect_eq "$(ls -A "$tmp/tf")" azlxnet.prom
	expect_eq "$(stat -c %a "$tmp/tf/azlxnet.prom")" 644
	expect_has "$(cat "$tmp/tf/azlxnet.prom")" 'azlxnet_source_up{source="nic"}'
	# again: replaced, nothing else left
	run metrics --textfile "$tmp/tf"
	expect_rc 0
	expect_eq "$(ls -A "$tmp/tf")" azlxnet.prom
	run metrics --textfile "$tmp/missing"
	expect_rc 1
	expect_has "$err" "Error: $tmp/missing: No such file or directory"
}

# http PORT METHOD PATH: the server's whole answer (run it in a subshell)
metrics_http() {
	# a server that closes before the request is sent: EPIPE, not SIGPIPE
	trap '' PIPE
	exec 3<>"/dev/tcp/127.0.0.1/$1" || return 1
	printf '%s %s HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n' "$2" "$3" >&3
	timeout 10 cat <&3
	exec 3<&-
}

test_metrics_listen() {
	local port=$((20000 + $$ % 20000)) pid i r

	"$AZ" metrics --listen "$port" 2>"$tmp/listen.err" &
	pid=$!
	for i in $(seq 1 100); do
		(exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
		kill -0 $pid 2>/dev/null || { cat "$tmp/listen.err"; fail "metrics --listen exited"; }
		sleep 0.1
	done
	r=$(metrics_http "$port" GET /metrics) || fail "GET /metrics: no answer"
	expect_has "$(head -n 1 <<<"$r")" "HTTP/1.1 200"
	expect_has "$r" "Content-Type: text/plain; version=0.0.4; charset=utf-8"
	expect_has "$r" 'azlxnet_source_up{source="nic"}'
	r=$(metrics_http "$port" GET /metrics/x) || fail "GET /metrics/x: no answer"
	expect_has "$(head -n 1 <<<"$r")" "HTTP/1.1 404"
	r=$(metrics_http "$port" DELETE /metrics) || fail "DELETE /metrics: no answer"
	expect_has "$(head -n 1 <<<"$r")" "HTTP/1.1 405"
	expect_has "$r" "Allow: GET, HEAD"
	r=$(metrics_http "$port" HEAD /metrics) || fail "HEAD /metrics: no answer"
	expect_has "$(head -n 1 <<<"$r")" "HTTP/1.1 200"
	# a request line past the memory limit is refused, the server lives on
	r=$(metrics_http "$port" GET "/$(printf 'a%.0s' $(seq 1 20000))" 2>/dev/null || true)
	case "$r" in
	"" | "HTTP/1.1 4"*) ;;	# refused, or the connection closed while it was sent
	*) fail "a 20000-byte request line: $(head -n 1 <<<"$r")" ;;
	esac
	r=$(metrics_http "$port" GET /metrics) || fail "GET /metrics: no answer"
	expect_has "$(head -n 1 <<<"$r")" "HTTP/1.1 200"
	kill $pid
	i=0
	wait $pid || i=$?
	expect_eq "$i" 0
	expect_eq "$(cat "$tmp/listen.err")" "Note: serving /metrics on $port"
}

test_nic_not_loaded() {
	real_module_loaded && skip "azlxnet is loaded on this host"
	run nic show
	expect_rc 3
	expect_eq "$out" ""
	expect_eq "$err" "Error: $NOT_LOADED"
	# the object alone shows; DEV by name or ifindex (lo is always there)
	run nic
	expect_rc 3
	run n sh lo
	expect_rc 3
	expect_eq "$err" "Error: $NOT_LOADED"
	run nic show 1
	expect_rc 3
	run -j nic show
	expect_rc 3
	expect_eq "$err" ""
	jq_eq . "$(jq -cn --arg e "$NOT_LOADED" '{error: $e}')"
}

test_nic_show_no_such_device() {
	# a device that does not exist needs no module to be reported
	run nic show azlx-nosuch0
	expect_rc 1
	expect_eq "$out" ""
	expect_eq "$err" "Error: no such device azlx-nosuch0"
	run -j nic show 4000000000
	expect_rc 1
	jq_eq . '{"error":"no such device 4000000000"}'
	run nic show 0
	expect_rc 1
	expect_eq "$err" "Error: no such device 0"
	run nic show a-name-much-longer-than-ifnamsiz
	expect_rc 1
}

test_nic_show_usage() {
	run nic show lo eth0
	expect_rc 2
	expect_eq "$out" ""
	expect_eq "$err" 'Error: "nic show" takes at most one DEV: "eth0"'
	run -j nic show a b c
	expect_rc 2
	jq_eq .error '"\"nic show\" takes at most one DEV: \"b\""'
	run nic frob
	expect_rc 2
	expect_eq "$err" 'Error: unknown command "frob" for "azlxnet nic" (try "azlxnet nic help")'
}

test_monitor_not_loaded() {
	real_module_loaded && skip "azlxnet is loaded on this host"
	run monitor
	expect_rc 3
	expect_eq "$out" ""
	expect_eq "$err" "Error: $NOT_LOADED"
	run -j monitor -c 1
	expect_rc 3
	expect_eq "$err" ""
	jq_eq . "$(jq -cn --arg e "$NOT_LOADED" '{error: $e}')"
	# the count may come before the object, as --count, or glued
	run --count=2 monitor
	expect_rc 3
	run monitor -c5
	expect_rc 3
}

test_monitor_usage() {
	run monitor extra
	expect_rc 2
	expect_eq "$out" ""
	expect_eq "$err" 'Error: "monitor" takes no argument: "extra"'
	run monitor -c 0
	expect_rc 2
	expect_eq "$err" 'Error: invalid COUNT "0" (a positive integer)'
	run monitor -c x
	expect_rc 2
	run monitor -c -3
	expect_rc 2
	run monitor -c 18446744073709551616
	expect_rc 2
	run -j monitor -c
	expect_rc 2
	jq_eq .error '"option \"-c\" needs an argument"'
	run status -c 1
	expect_rc 2
	expect_eq "$err" 'Error: option "-c" is only for "monitor" and "disk top"'
	# "m" could be module or monitor
	run m
	expect_rc 2
	expect_eq "$err" 'Error: ambiguous object "m" for "azlxnet": metrics, module, monitor'
}

test_config_set_usage() {
	run config set
	expect_rc 2
	expect_has "$err" 'Error: "config set" needs synthetic-drivers LIST and/or vf-drivers LIST'
	run config set bogus x
	expect_rc 2
	expect_eq "$err" 'Error: unknown keyword "bogus" for "azlxnet config set" (try "azlxnet config set help")'
	run config set vf
	expect_rc 2
	expect_eq "$err" 'Error: vf-drivers needs a LIST ("" for none)'
	run config set vf a vf b
	expect_rc 2
	expect_eq "$err" 'Error: vf-drivers given twice'
}

test_kit_usage() {
	run kit add
	expect_rc 2
	expect_eq "$err" 'Error: "azlxnet kit add" needs a NAME'
	run kit add azk0
	expect_rc 2
	expect_eq "$err" 'Error: "azlxnet kit add" needs "peer PEER"'
	run kit add azk0 peer
	expect_rc 2
	expect_eq "$err" 'Error: "peer" needs a value'
	run kit add azk0 peer eth0 mode l4
	expect_rc 2
	expect_eq "$err" 'Error: invalid MODE "l4" (l3 or l2)'
	run kit add azk0 peer eth0 pol pass
	expect_rc 2
	expect_eq "$err" 'Error: invalid POLICY "pass" (forward or drop)'
	run kit add azk0 peer eth0 p x
	expect_rc 2
	expect_has "$err" 'Error: ambiguous keyword "p" for "azlxnet kit add": peer, policy, peer-policy'
	run kit add azk0 peer eth0 mtu 0
	expect_rc 2
	expect_eq "$err" 'Error: invalid MTU "0"'
	run kit add azk0 peer eth0 peer eth1
	expect_rc 2
	expect_eq "$err" 'Error: "peer" given twice'
	run kit add abcdefghijklmnop peer eth0
	expect_rc 2
	expect_eq "$err" 'Error: invalid NAME "abcdefghijklmnop"'
	run kit set azk0 mode l2
	expect_rc 2
	expect_eq "$err" 'Error: "mode" is fixed at creation'
	run kit set azk0
	expect_rc 2
	expect_has "$err" 'needs "policy" or "peer-policy"'
	run kit del
	expect_rc 2
	run kit show a b
	expect_rc 2
	run kit help
	expect_rc 0
	expect_has "$out" 'azlxnet kit add NAME peer PEER'
	run kit add help
	expect_rc 0
	expect_has "$out" 'azlxnet kit add NAME peer PEER'
}

test_kit_prog_usage() {
	run kit prog attach
	expect_rc 2
	expect_eq "$err" 'Error: "azlxnet kit prog attach" needs NAME and END'
	run kit prog attach azk0 both pinned /sys/fs/bpf/x
	expect_rc 2
	expect_eq "$err" 'Error: invalid END "both" (primary or peer)'
	run kit prog attach azk0 peer
	expect_rc 2
	expect_eq "$err" 'Error: "azlxnet kit prog attach" needs "pinned PATH" or "id PROG_ID"'
	run kit prog attach azk0 peer id 12x
	expect_rc 2
	expect_eq "$err" 'Error: invalid PROG_ID "12x"'
	run kit prog attach azk0 peer id 12 pinned /sys/fs/bpf/x
	expect_rc 2
	expect_eq "$err" 'Error: "pinned" given twice'
	run kit prog attach azk0 peer id 12 expected 0x1
	expect_rc 2
	expect_eq "$err" 'Error: invalid expected PROG_ID "0x1"'
	run kit prog attach azk0 peer id 12 expected
	expect_rc 2
	expect_eq "$err" 'Error: "expected" needs a value'
	run kit prog attach azk0 peer id 12 replace 3
	expect_rc 2
	expect_has "$err" 'unknown keyword "replace"'
	run kit prog detach azk0 primary id 12
	expect_rc 2
	expect_eq "$err" 'Error: "azlxnet kit prog detach" takes no "id"'
	run kit prog attach azlx-nosuch0 peer id 12
	expect_rc 1
	expect_eq "$err" 'Error: no device "azlx-nosuch0"'
	run kit prog show a b
	expect_rc 2
	run kit prog help
	expect_rc 0
	expect_has "$out" 'azlxnet kit prog attach NAME END { pinned PATH | id PROG_ID }'
	run kit prog attach help
	expect_rc 0
	expect_has "$out" 'azlxnet kit prog detach NAME END [ expected PROG_ID ]'
	run kit help
	expect_has "$out" 'azlxnet kit prog { attach | detach | show | help }'
}

test_module_load_bogus() {
	run module load bogus
	expect_rc 2
	expect_eq "$out" ""
	expect_eq "$err" 'Error: "bogus" is not PARAM=VALUE'
	run -j module load 'a.b=1'
	expect_rc 2
	jq_eq .error '"invalid parameter name \"a.b\""'
	run module load 'x="y"'
	expect_rc 2
	expect_has "$err" 'contains a'
}

test_module_show_json_host() {
	real_module_loaded && skip "azlxnet is loaded on this host"
	run -j module show
	expect_rc 0
	expect_eq "$err" ""
	jq_eq .name '"azlxnet"'
	jq_eq .loaded false
	jq_eq .state null
	jq_eq .refcnt null
	jq_eq '.parameters | type' '"array"'
	jq_eq 'keys' '["loaded","name","parameters","path","refcnt","srcversion","state","taint","version"]'
	# options after the command too
	run module show -j
	expect_rc 0
	jq_eq .loaded false
}

test_module_show_text_not_loaded() {
	AZLXNET_SYSFS=$(fake_sysfs_empty) run module show
	expect_rc 0
	expect_has "$out" "module: azlxnet"
	expect_has "$out" "state: not loaded"
	case "$out" in
	*refcnt*) fail "refcnt shown for a module that is not loaded" ;;
	esac
}

test_module_show_loaded_json() {
	AZLXNET_SYSFS=$(fake_sysfs_loaded) run -j module show
	expect_rc 0
	jq_eq .loaded true
	jq_eq .state '"live"'
	jq_eq .version '"0.1.0"'
	jq_eq .srcversion '"0123456789ABCDEF0123456"'
	jq_eq .refcnt 2
	jq_eq .taint '"OE"'
	jq_eq '.parameters | map(.name) | sort' '["synthetic_drivers","vf_drivers"]'
	jq_eq '.parameters[] | select(.name == "vf_drivers") | .value' '"mana,mlx5_core,mlx4_en"'
	jq_eq '.parameters[] | select(.name == "synthetic_drivers") | .value' '"hv_netvsc"'
	jq_eq '.parameters[0] | keys' '["description","name","type","value"]'
}

test_module_show_loaded_text() {
	AZLXNET_SYSFS=$(fake_sysfs_loaded) run module show
	expect_rc 0
	expect_has "$out" "state: live"
	expect_has "$out" "version: 0.1.0"
	expect_has "$out" "refcnt: 2"
	expect_has "$out" "taint: OE"
	expect_has "$out" "synthetic_drivers = hv_netvsc"
	expect_has "$out" "vf_drivers = mana,mlx5_core,mlx4_en"
}

test_module_load_already_loaded() {
	local sys
	sys=$(fake_sysfs_loaded)
	AZLXNET_SYSFS=$sys run module load
	expect_rc 0
	expect_eq "$out" ""
	expect_eq "$err" "Note: azlxnet is already loaded"
	AZLXNET_SYSFS=$sys run -j module load
	expect_rc 0
	jq_eq . '{"loaded":true,"already_loaded":true}'
	# parameters would be ignored: refuse
	AZLXNET_SYSFS=$sys run -j module load synthetic_drivers=bond
	expect_rc 1
	jq_eq .errno '"EEXIST"'
	jq_eq .operation '"load"'
	expect_has "$out" "already loaded: parameters not applied"
}

test_module_unload_not_loaded() {
	AZLXNET_SYSFS=$(fake_sysfs_empty) run module unload
	expect_rc 3
	expect_eq "$err" "Error: azlxnet module is not loaded"
	AZLXNET_SYSFS=$(fake_sysfs_empty) run -j module unload
	expect_rc 3
	jq_eq .error '"azlxnet module is not loaded"'
}

test_module_show_installed_json() {
	local mods
	mods=$(fake_modules_dir) || exit $?
	AZLXNET_MODULES_DIR=$mods AZLXNET_SYSFS=$(fake_sysfs_empty) run -j module show
	expect_rc 0
	jq_eq .loaded false
	jq_eq .path "\"$mods/extra/azlxnet.ko\""
	# not loaded: the versions are the file's
	jq_eq .version '"0.1.0"'
	jq_eq .srcversion '"0123456789ABCDEF0123456"'
	jq_eq '.parameters | map(.name)' '["synthetic_drivers","vf_drivers","debug_level"]'
	jq_eq '.parameters[0]' \
		'{"name":"synthetic_drivers","value":null,"type":"charp","description":"Comma-separated synthetic NIC drivers"}'
	jq_eq '.parameters[2].type' '"uint"'
	jq_eq '.parameters[2].description' null
}

test_module_show_installed_loaded_text() {
	local mods
	mods=$(fake_modules_dir) || exit $?
	AZLXNET_MODULES_DIR=$mods AZLXNET_SYSFS=$(fake_sysfs_loaded) run module show
	expect_rc 0
	expect_has "$out" "path: $mods/extra/azlxnet.ko"
	expect_has "$out" "  synthetic_drivers = hv_netvsc (charp)"
	expect_has "$out" "    Comma-separated synthetic NIC drivers"
	expect_has "$out" "  debug_level (uint)"
}

test_module_load_unknown_param() {
	local mods
	mods=$(fake_modules_dir) || exit $?
	AZLXNET_MODULES_DIR=$mods AZLXNET_SYSFS=$(fake_sysfs_empty) run module load vf-drivers=mana bogus=1
	expect_rc 2
	expect_eq "$out" ""
	expect_eq "$err" 'Error: unknown parameter "bogus" (azlxnet declares: synthetic_drivers, vf_drivers, debug_level)'
	# declared parameters pass; the module being loaded stops it there
	AZLXNET_MODULES_DIR=$mods AZLXNET_SYSFS=$(fake_sysfs_loaded) run -j module load vf-drivers=mana
	expect_rc 1
	jq_eq .errno '"EEXIST"'
}

test_module_load_not_installed() {
	mkdir -p "$tmp/root/lib/modules/none"
	AZLXNET_MODULES_DIR=$tmp/root/lib/modules/none AZLXNET_SYSFS=$(fake_sysfs_empty) \
		run module load vf_drivers=mana
	expect_rc 3
	expect_eq "$err" "Error: azlxnet module not found in $tmp/root/lib/modules/none (is it installed? try dkms status)"
}

# A sysfs tree without azlxnet, of a kernel that enforces module signatures
# (module.sig_enforce=1) or is locked down (Secure Boot).
fake_sysfs_sig() {
	mkdir -p "$tmp/empty/module/module/parameters" "$tmp/empty/kernel/security"
	echo "$1" >"$tmp/empty/module/module/parameters/sig_enforce"
	echo "${2:-[none] integrity confidentiality}" >"$tmp/empty/kernel/security/lockdown"
	echo "$tmp/empty"
}

# sign_fake_ko KO: sign KO with a throwaway key (CN "azlxnet cli test").
sign_fake_ko() {
	local sf
	sf=$(ls /usr/src/linux-headers-*/scripts/sign-file 2>/dev/null | head -n1)
	[ -n "$sf" ] || skip "no kernel headers with scripts/sign-file"
	command -v openssl >/dev/null || skip "no openssl"
	openssl req -new -nodes -x509 -days 2 -batch -subj "/CN=azlxnet cli test" \
		-newkey rsa:2048 -keyout "$tmp/k.pem" -out "$tmp/c.pem" >/dev/null 2>&1 ||
		fail "openssl cannot make a key"
	"$sf" sha256 "$tmp/k.pem" "$tmp/c.pem" "$1" || fail "sign-file failed"
}

test_status_not_loaded_sig_unsigned() {
	local mods
	real_module_loaded && skip "azlxnet is loaded on this host"
	mods=$(fake_modules_dir) || exit $?
	AZLXNET_MODULES_DIR=$mods AZLXNET_SYSFS=$(fake_sysfs_sig Y) run status
	expect_rc 3
	expect_eq "$out" ""
	expect_eq "$err" "Error: $NOT_LOADED: module signature enforcement is on (module.sig_enforce) and $mods/extra/azlxnet.ko is not signed: the kernel refuses it; sign it with a key the kernel trusts (make sign, or DKMS's signing) and enroll the key (mokutil --import)"
	AZLXNET_MODULES_DIR=$mods AZLXNET_SYSFS=$(fake_sysfs_sig Y) run -j status
	expect_rc 3
	jq_eq '.error | test("^azlxnet module is not loaded .*: module signature enforcement is on .* is not signed: the kernel refuses it")' true
}

test_status_not_loaded_sig_signed() {
	local mods
	real_module_loaded && skip "azlxnet is loaded on this host"
	mods=$(fake_modules_dir) || exit $?
	sign_fake_ko "$mods/extra/azlxnet.ko"
	AZLXNET_MODULES_DIR=$mods AZLXNET_SYSFS=$(fake_sysfs_sig N "none [integrity] confidentiality") run status
	expect_rc 3
	expect_has "$err" "Error: $NOT_LOADED: the kernel is locked down (Secure Boot); $mods/extra/azlxnet.ko is signed by \"azlxnet cli test\" (key "
	expect_has "$err" ", sha256): if the kernel refuses it, it does not trust that key (enroll it with mokutil --import) or the module changed after signing"
}

test_status_not_loaded_sig_not_enforced() {
	local mods
	real_module_loaded && skip "azlxnet is loaded on this host"
	mods=$(fake_modules_dir) || exit $?
	AZLXNET_MODULES_DIR=$mods AZLXNET_SYSFS=$(fake_sysfs_sig N) run status
	expect_rc 3
	expect_eq "$err" "Error: $NOT_LOADED"
	mkdir -p "$tmp/root/lib/modules/none"
	AZLXNET_MODULES_DIR=$tmp/root/lib/modules/none AZLXNET_SYSFS=$(fake_sysfs_sig Y) run status
	expect_rc 3
	expect_eq "$err" "Error: $NOT_LOADED: module signature enforcement is on (module.sig_enforce), and no azlxnet.ko is installed in $tmp/root/lib/modules/none"
}

test_extra_arguments() {
	run version extra
	expect_rc 2
	expect_eq "$err" 'Error: "version" takes no argument: "extra"'
	run status extra
	expect_rc 2
	run module show extra
	expect_rc 2
	run module unload extra
	expect_rc 2
}

TESTS=(
	help_lists_objects
	help_every_level
	no_object_is_usage_error
	unknown_object
	unknown_command
	unknown_option
	ambiguous_prefix
	prefix_matching
	version_text
	version_json
	pretty_json
	status_not_loaded
	status_not_loaded_json
	config_not_loaded
	nic_not_loaded
	metrics_not_loaded
	metrics_usage
	metrics_textfile
	metrics_listen
	nic_show_no_such_device
	nic_show_usage
	monitor_not_loaded
	monitor_usage
	config_set_usage
	kit_usage
	kit_prog_usage
	module_load_bogus
	module_show_json_host
	module_show_text_not_loaded
	module_show_loaded_json
	module_show_loaded_text
	module_load_already_loaded
	module_unload_not_loaded
	module_show_installed_json
	module_show_installed_loaded_text
	module_load_unknown_param
	module_load_not_installed
	status_not_loaded_sig_unsigned
	status_not_loaded_sig_signed
	status_not_loaded_sig_not_enforced
	extra_arguments
)

before_each() {
	rm -rf "$tmp/sys" "$tmp/empty" "$tmp/root"
}

run_tests
