#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# The Kubernetes node scripts (tools/azlxnet/k8s/) against a fake host root:
# files in place with the right content and mode, written by rename (no
# temporary file left, a changed file is a new inode), nothing rewritten on
# a second run, the node's own CNI configuration untouched, errors that
# change nothing; cleanup removes exactly what init installed. And the
# manifests in Documentation/examples/kubernetes/ parsed with python3-yaml,
# with the fields a node agent needs. TAP on stdout.
#
# Usage: k8s.sh PATH-TO-AZLXNET

set -u

AZ=${1:?usage: k8s.sh PATH-TO-AZLXNET}
TIMEOUT=30
top=$(cd "$(dirname "$0")/../../.." && pwd)
INIT=$top/tools/azlxnet/k8s/azlxnet-node-init
CLEANUP=$top/tools/azlxnet/k8s/azlxnet-node-cleanup
K8S=$top/Documentation/examples/kubernetes

source "$(dirname "$0")/clilib.sh"
clilib_init k8s

# A fresh fake node before each test: the host's CNI directories with the
# node's own conflist, a fake azlxnet (logs its arguments) and modprobe.
before_each() {
	rm -rf "$tmp/host" "$tmp/bin" "$tmp/log"
	mkdir -p "$tmp/host/opt/cni/bin" "$tmp/host/etc/cni/net.d" "$tmp/bin" \
		"$tmp/state"
	cat >"$tmp/host/etc/cni/net.d/10-azure.conflist" <<-'EOF'
	{
	  "cniVersion": "0.3.0",
	  "name": "azure",
	  "plugins": [
	    { "type": "azure-vnet", "mode": "transparent", "ipam": { "type": "azure-vnet-ipam" } },
	    { "type": "portmap", "capabilities": { "portMappings": true } }
	  ]
	}
	EOF
	echo "bridge plugin" >"$tmp/host/opt/cni/bin/bridge"
	cat >"$tmp/bin/azlxnet" <<-EOF
	#!/bin/bash
	echo "azlxnet \$*" >>"$tmp/log"
	exit \${FAKE_AZLXNET_RC:-0}
	EOF
	cat >"$tmp/bin/modprobe" <<-EOF
	#!/bin/bash
	echo "modprobe \$*" >>"$tmp/log"
	[ -z "\${FAKE_MODPROBE_ERR:-}" ] && exit 0
	echo "\$FAKE_MODPROBE_ERR" >&2
	exit 1
	EOF
	chmod 755 "$tmp/bin/azlxnet" "$tmp/bin/modprobe"
	: >"$tmp/log"
	primary_sum=$(sha256sum <"$tmp/host/etc/cni/net.d/10-azure.conflist")
}

# node SCRIPT VAR=VALUE...: run a node script on the fake node
node() {
	local script=$1

	shift
	rc=0
	timeout "$TIMEOUT" env HOST_ROOT="$tmp/host" AZLXNET="$tmp/bin/azlxnet" \
		MODPROBE="$tmp/bin/modprobe" AZLXNET_CNI_WAIT=2 \
		AZLXNET_STATE_DIR="$tmp/state" "$@" "$script" \
		>"$tmp/out" 2>"$tmp/err" </dev/null || rc=$?
	out=$(cat "$tmp/out")
	err=$(cat "$tmp/err")
}

conf=05-azlxnet.conflist
cnid() { printf '%s' "$tmp/host/etc/cni/net.d"; }
bind() { printf '%s' "$tmp/host/opt/cni/bin"; }

# no temporary file left in either directory, and the node's conflist as
# it was
clean_dirs() {
	local left

	left=$(find "$(cnid)" "$(bind)" -name '.*' -type f)
	[ -z "$left" ] || fail "temporary files left: $left"
	expect_eq "$(sha256sum <"$(cnid)/10-azure.conflist")" "$primary_sum"
}

test_init_installs_plugin_and_chained_conflist() {
	node "$INIT" AZLXNET_TUNE_PROFILE=aks
	expect_rc 0
	cmp "$tmp/bin/azlxnet" "$(bind)/azlxnet" || fail "plugin binary differs"
	expect_eq "$(stat -c %a "$(bind)/azlxnet")" 755
	expect_eq "$(stat -c %a "$(cnid)/$conf")" 644
	# the node's chain, unchanged, with azlxnet at its end
	expect_eq "$(jq -c '.plugins | map(.type)' "$(cnid)/$conf")" \
		'["azure-vnet","portmap","azlxnet"]'
	expect_eq "$(jq -c '.plugins[2]' "$(cnid)/$conf")" '{"type":"azlxnet","uplink":"eth0"}'
	expect_eq "$(jq -c 'del(.plugins[2])' "$(cnid)/$conf")" \
		"$(jq -c . "$(cnid)/10-azure.conflist")"
	# ours sorts first: the runtime picks it
	expect_eq "$(ls "$(cnid)" | head -n 1)" "$conf"
	clean_dirs
	expect_eq "$(cat "$tmp/log")" "modprobe azlxnet
azlxnet tune apply --profile aks"
	expect_has "$out" "installed $(bind)/azlxnet"
	expect_has "$out" "azlxnet chained after 10-azure.conflist"
}

test_init_twice_changes_nothing() {
	local before after

	node "$INIT"
	expect_rc 0
	before=$(stat -c '%i %Y' "$(bind)/azlxnet" "$(cnid)/$conf")
	sleep 1.1
	node "$INIT"
	expect_rc 0
	after=$(stat -c '%i %Y' "$(bind)/azlxnet" "$(cnid)/$conf")
	expect_eq "$after" "$before"
	expect_has "$out" "unchanged $(bind)/azlxnet"
	expect_has "$out" "unchanged $(cnid)/$conf"
	# never chained twice, even from a conflist that already has it
	expect_eq "$(jq '[.plugins[] | select(.type == "azlxnet")] | length' "$(cnid)/$conf")" 1
	clean_dirs
}

test_init_replaces_by_rename() {
	local ino

	node "$INIT"
	expect_rc 0
	ino=$(stat -c %i "$(cnid)/$conf")
	node "$INIT" AZLXNET_UPLINK=eth1
	expect_rc 0
	expect_eq "$(jq -r '.plugins[2].uplink' "$(cnid)/$conf")" eth1
	[ "$(stat -c %i "$(cnid)/$conf")" != "$ino" ] ||
		fail "the conflist was rewritten in place (same inode)"
	clean_dirs
}

test_init_does_not_chain_twice() {
	# a node conflist that already chains azlxnet is taken as it is
	jq '.plugins += [{"type": "azlxnet", "uplink": "eth9"}]' \
		"$(cnid)/10-azure.conflist" >"$tmp/chained"
	mv "$tmp/chained" "$(cnid)/10-azure.conflist"
	primary_sum=$(sha256sum <"$(cnid)/10-azure.conflist")
	node "$INIT"
	expect_rc 0
	cmp "$(cnid)/10-azure.conflist" "$(cnid)/$conf" ||
		fail "azlxnet chained into a conflist that has it: $(cat "$(cnid)/$conf")"
	clean_dirs
}

test_init_converts_single_plugin_conf() {
	rm "$(cnid)/10-azure.conflist"
	echo '{"cniVersion":"0.4.0","name":"k","type":"bridge","bridge":"cni0"}' \
		>"$(cnid)/10-kubenet.conf"
	node "$INIT"
	expect_rc 0
	expect_eq "$(jq -c . "$(cnid)/$conf")" \
		'{"cniVersion":"0.4.0","name":"k","plugins":[{"type":"bridge","bridge":"cni0"},{"type":"azlxnet","uplink":"eth0"}]}'
}

test_init_waits_then_fails_without_a_node_conflist() {
	rm "$(cnid)/10-azure.conflist"
	node "$INIT"
	expect_rc 1
	expect_has "$err" "no CNI configuration in $(cnid) after 2 s"
	# the binary is in place (it comes first); no configuration names it
	expect_eq "$(ls -A "$(cnid)")" ""
}

test_init_refuses_a_broken_node_conflist() {
	echo '{"cniVersion":"1.0.0","name":"x","plugins":' >"$(cnid)/10-azure.conflist"
	primary_sum=$(sha256sum <"$(cnid)/10-azure.conflist")
	node "$INIT"
	expect_rc 1
	expect_has "$err" "10-azure.conflist: cannot chain azlxnet into it"
	[ ! -e "$(cnid)/$conf" ] || fail "a conflist was written from a broken one"
	clean_dirs
}

test_init_refuses_a_name_that_would_not_be_picked() {
	mv "$(cnid)/10-azure.conflist" "$(cnid)/00-azure.conflist"
	node "$INIT"
	expect_rc 1
	expect_has "$err" "05-azlxnet.conflist does not sort before 00-azure.conflist"
	[ ! -e "$(cnid)/$conf" ] || fail "a conflist was written that the runtime would not use"
	node "$INIT" AZLXNET_CNI_CONF_NAME=00-0-azlxnet.conflist
	expect_rc 0
	expect_eq "$(ls "$(cnid)" | head -n 1)" 00-0-azlxnet.conflist
}

test_init_conflist_mode() {
	echo '{"cniVersion":"1.0.0","name":"pods","plugins":[{"type":"ptp"},{"type":"azlxnet","uplink":"eth0"}]}' \
		>"$tmp/given"
	node "$INIT" AZLXNET_CNI_MODE=conflist AZLXNET_CNI_CONFLIST="$tmp/given"
	expect_rc 0
	cmp "$tmp/given" "$(cnid)/$conf" || fail "the given conflist was not installed as it is"
	# one without the azlxnet plugin is refused, the installed one kept
	echo '{"cniVersion":"1.0.0","name":"pods","plugins":[{"type":"ptp"}]}' >"$tmp/bad"
	node "$INIT" AZLXNET_CNI_MODE=conflist AZLXNET_CNI_CONFLIST="$tmp/bad"
	expect_rc 1
	expect_has "$err" "not a conflist with an azlxnet plugin"
	cmp "$tmp/given" "$(cnid)/$conf" || fail "the installed conflist changed"
	clean_dirs
}

test_init_bad_settings_change_nothing() {
	node "$INIT" AZLXNET_CNI_MODE=bogus
	expect_rc 1
	expect_has "$err" "AZLXNET_CNI_MODE: 'bogus' is not chain, conflist or none"
	node "$INIT" AZLXNET_MODULE=maybe
	expect_rc 1
	expect_has "$err" "AZLXNET_MODULE: 'maybe' is not load, require or skip"
	node "$INIT" CNI_CONF_DIR="$tmp/nowhere"
	expect_rc 1
	expect_has "$err" "$tmp/nowhere: no such directory"
	expect_eq "$(ls -A "$(bind)")" bridge
	expect_eq "$(ls -A "$(cnid)")" 10-azure.conflist
	expect_eq "$(cat "$tmp/log")" ""
}

test_init_module_missing_is_reported_not_fatal() {
	node "$INIT" FAKE_MODPROBE_ERR="modprobe: FATAL: Module azlxnet not found in directory /lib/modules/6.6.0"
	expect_rc 0
	expect_has "$out" "install the azlxnet-dkms package on the node"
	expect_has "$out" "the fast path works without them"
	[ -e "$(cnid)/$conf" ] || fail "CNI not installed after a module that could not load"
	# "require" makes it fatal, before anything is installed
	before_each
	node "$INIT" AZLXNET_MODULE=require FAKE_MODPROBE_ERR="modprobe: ERROR: could not insert 'azlxnet': Key was rejected by service"
	expect_rc 1
	expect_has "$err" "refused the module's signature"
	expect_eq "$(ls -A "$(bind)")" bridge
	[ ! -e "$(cnid)/$conf" ] || fail "CNI installed although the module was required"
}

test_init_tune_failure_fails_the_step() {
	node "$INIT" AZLXNET_TUNE_PROFILE=latency FAKE_AZLXNET_RC=1
	expect_rc 1
	expect_has "$err" "azlxnet tune apply --profile latency failed"
	node "$INIT" AZLXNET_TUNE_PROFILE=off
	expect_rc 0
	expect_eq "$(grep -c tune "$tmp/log")" 1
}

test_cleanup_removes_what_init_installed() {
	node "$INIT"
	expect_rc 0
	echo '{"version":1,"entries":[]}' >"$tmp/state/tune.json"
	node "$CLEANUP"
	expect_rc 0
	[ ! -e "$(cnid)/$conf" ] || fail "conflist left"
	[ ! -e "$(bind)/azlxnet" ] || fail "plugin left"
	expect_eq "$(ls -A "$(bind)")" bridge
	expect_eq "$(ls -A "$(cnid)")" 10-azure.conflist
	expect_eq "$(tail -n 1 "$tmp/log")" "azlxnet tune revert --state-dir $tmp/state"
	clean_dirs
	# again: nothing to do, success, nothing run
	rm "$tmp/state/tune.json"
	: >"$tmp/log"
	node "$CLEANUP" AZLXNET_UNLOAD=1
	expect_rc 0
	expect_has "$out" "unchanged: no $(cnid)/$conf"
	expect_has "$out" "unchanged: no $(bind)/azlxnet"
	expect_eq "$(cat "$tmp/log")" "modprobe -r azlxnet"
}

test_cleanup_keeps_what_is_not_its_own() {
	node "$INIT"
	expect_rc 0
	# a conflist under our name that is not ours stays
	echo '{"cniVersion":"1.0.0","name":"other","plugins":[{"type":"ptp"}]}' >"$(cnid)/$conf"
	# and another configuration still naming azlxnet keeps the binary
	echo '{"cniVersion":"1.0.0","name":"b","plugins":[{"type":"azlxnet"}]}' \
		>"$(cnid)/20-other.conflist"
	node "$CLEANUP"
	expect_rc 1
	expect_has "$err" "does not configure azlxnet: not ours, left alone"
	expect_has "$err" "kept: still configured in 20-other.conflist"
	[ -e "$(cnid)/$conf" ] || fail "removed a conflist that is not ours"
	[ -e "$(bind)/azlxnet" ] || fail "removed the plugin a configuration still names"
}

# The manifests: YAML that parses, and the fields the node agent needs.
test_manifests() {
	rc=0
	python3 - "$K8S" "$INIT" "$CLEANUP" <<-'EOF' || fail "manifest check failed"
	import os, re, sys, yaml

	k8s, init, cleanup = sys.argv[1:4]
	docs = {}
	for f in sorted(os.listdir(k8s)):
	    if f.endswith(".yaml"):
	        for d in yaml.safe_load_all(open(os.path.join(k8s, f))):
	            docs[(d["kind"], d["metadata"]["name"])] = d
	errors = []
	def check(cond, what):
	    if not cond:
	        errors.append(what)

	cm = docs[("ConfigMap", "azlxnet")]["data"]
	scripts = {"azlxnet-node-init": open(init).read(),
	           "azlxnet-node-cleanup": open(cleanup).read()}
	for name, script_name in (("azlxnet", "azlxnet-node-init"),
	                          ("azlxnet-cleanup", "azlxnet-node-cleanup")):
	    ds = docs[("DaemonSet", name)]
	    spec = ds["spec"]["template"]["spec"]
	    check(ds["metadata"]["namespace"] == "kube-system", f"{name}: namespace")
	    check(ds["spec"]["selector"]["matchLabels"].items() <=
	          ds["spec"]["template"]["metadata"]["labels"].items(), f"{name}: selector")
	    check(spec.get("hostNetwork") is True, f"{name}: hostNetwork")
	    check(spec.get("priorityClassName") == "system-node-critical", f"{name}: priority")
	    check({"operator": "Exists"} in spec.get("tolerations", []), f"{name}: tolerations")
	    check(spec.get("nodeSelector", {}).get("kubernetes.io/os") == "linux", f"{name}: linux")
	    vols = {v["name"]: v for v in spec["volumes"]}
	    (ic,) = spec["initContainers"]
	    check(ic["securityContext"].get("privileged") is True, f"{name}: init privileged")
	    check(ic["command"] == [f"/usr/libexec/azlxnet/{script_name}"], f"{name}: init command")
	    mounts = {m["mountPath"]: m for m in ic["volumeMounts"]}
	    for path, host in (("/host/opt/cni/bin", "/opt/cni/bin"),
	                       ("/host/etc/cni/net.d", "/etc/cni/net.d"),
	                       ("/lib/modules", "/lib/modules"),
	                       ("/var/lib/azlxnet", "/var/lib/azlxnet")):
	        m = mounts.get(path)
	        check(m is not None, f"{name}: init mounts {path}")
	        if m:
	            check(vols[m["name"]]["hostPath"]["path"] == host,
	                  f"{name}: {path} is the host's {host}")
	    check(mounts.get("/lib/modules", {}).get("readOnly") is True,
	          f"{name}: /lib/modules read-only")
	    # every variable given is one the script reads, every ConfigMap key exists
	    for e in ic.get("env", []):
	        check(re.search(r"\$\{?" + e["name"] + r"\b", scripts[script_name]),
	              f"{name}: {script_name} does not read {e['name']}")
	        ref = e.get("valueFrom", {}).get("configMapKeyRef")
	        if ref:
	            check(ref["name"] == "azlxnet" and ref["key"] in cm,
	                  f"{name}: ConfigMap key {ref['key']}")
	    images = {c["image"] for c in spec["initContainers"] + spec["containers"]}
	    check(len(images) == 1, f"{name}: one image")
	    for c in spec["containers"]:
	        sc = c.get("securityContext", {})
	        check(not sc.get("privileged"), f"{name}/{c['name']}: not privileged")
	        check(sc.get("allowPrivilegeEscalation") is False, f"{name}/{c['name']}: no escalation")
	        check("memory" in c.get("resources", {}).get("limits", {}), f"{name}/{c['name']}: memory limit")

	ds = docs[("DaemonSet", "azlxnet")]["spec"]["template"]["spec"]
	cmds = {c["name"]: c["command"] for c in ds["containers"]}
	check(cmds.get("monitor", [])[1:] == ["-j", "monitor"], "monitor container")
	check(cmds.get("metrics", [])[1:2] == ["metrics"], "metrics container")
	check(cm["tune-profile"] in ("aks", "latency", "throughput", "off"), "tune profile")
	check(cm["cni-mode"] in ("chain", "conflist", "none"), "cni-mode")
	check(cm["module"] in ("load", "require", "skip"), "module")
	# no preStop hook anywhere: reverting is the cleanup DaemonSet's job
	check("preStop" not in open(os.path.join(k8s, "azlxnet.yaml")).read(), "no preStop")
	for e in errors:
	    print("manifest:", e)
	sys.exit(1 if errors else 0)
	EOF
	# the image installs the scripts where the manifests run them
	expect_has "$(cat "$K8S/Containerfile")" "tools/azlxnet/k8s/azlxnet-node-init"
	expect_has "$(cat "$K8S/Containerfile")" "/out/usr/libexec/azlxnet/"
}

TESTS=(init_installs_plugin_and_chained_conflist init_twice_changes_nothing
	init_replaces_by_rename init_does_not_chain_twice init_converts_single_plugin_conf
	init_waits_then_fails_without_a_node_conflist init_refuses_a_broken_node_conflist
	init_refuses_a_name_that_would_not_be_picked init_conflist_mode
	init_bad_settings_change_nothing init_module_missing_is_reported_not_fatal
	init_tune_failure_fails_the_step cleanup_removes_what_init_installed
	cleanup_keeps_what_is_not_its_own manifests)
run_tests
