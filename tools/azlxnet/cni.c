// SPDX-License-Identifier: GPL-2.0-only
/*
 * The CNI plugin mode: a chained plugin after ptp or bridge (CNI 0.3.0 to
 * 1.1.0, https://github.com/containernetworking/cni/blob/main/SPEC.md).
 *
 * ADD takes the container interface of prevResult (the one named
 * CNI_IFNAME with a sandbox) and the addresses that point at it, puts the
 * pod on the fast path and passes prevResult on as its result, in the shape
 * of the configuration's version. DEL removes
 * the pod, by its interface while the namespace exists, else by the
 * addresses of prevResult; nothing to remove is success. CHECK verifies
 * the pod's state. Errors go to stdout as CNI error objects, exit status 1.
 */
#include <net/if.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statfs.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <linux/magic.h>

#include <bpf/bpf.h>
#include <json-c/json.h>

#include "azlxnet.h"
#include "cni.h"
#include "cni_state.h"
#include "datapath.h"
#include "netns.h"
#include "pod.h"
#include "print.h"
#include "uplink.h"

/* Where the fast path pins its maps: bpffs (AZLXNET_PIN_DIR's parent). */
#define AZLX_CNI_BPFFS	"/sys/fs/bpf"

/* Oldest first: an index compares versions. */
static const char *const azlx_cni_versions[] = { "0.3.0", "0.3.1", "0.4.0", "1.0.0", "1.1.0" };

#define AZLX_CNI_NVERSIONS	(sizeof(azlx_cni_versions) / sizeof(azlx_cni_versions[0]))

/* The index of version @v, or -1 when it is not supported. */
static int azlx_cni_version_idx(const char *v)
{
	size_t i;

	for (i = 0; i < AZLX_CNI_NVERSIONS; i++) {
		if (!strcmp(v, azlx_cni_versions[i]))
			return (int)i;
	}
	return -1;
}

/* @v (supported) is @min or later. */
bool azlx_cni_version_ge(const char *v, const char *min)
{
	return azlx_cni_version_idx(v) >= azlx_cni_version_idx(min);
}

const char *azlx_cni_code_msg(int code)
{
	switch (code) {
	case AZLX_CNI_ERR_VERSION:
		return "incompatible CNI version";
	case AZLX_CNI_ERR_FIELD:
		return "unsupported field in network configuration";
	case AZLX_CNI_ERR_CONTAINER:
		return "container unknown or does not exist";
	case AZLX_CNI_ERR_ENV:
		return "invalid necessary environment variables";
	case AZLX_CNI_ERR_IO:
		return "I/O failure";
	case AZLX_CNI_ERR_DECODE:
		return "failed to decode content";
	case AZLX_CNI_ERR_CONFIG:
		return "invalid network configuration";
	case AZLX_CNI_ERR_AGAIN:
		return "try again later";
	case AZLX_CNI_ERR_UNAVAILABLE:
		return "plugin not available";
	case AZLX_CNI_ERR_FASTPATH:
		return "the fast path could not be changed";
	case AZLX_CNI_ERR_ADDR_IN_USE:
		return "address in use by another pod";
	case AZLX_CNI_ERR_LINK:
		return "unsuitable pod interface";
	case AZLX_CNI_ERR_CHECK:
		return "pod not on the fast path as expected";
	case AZLX_CNI_ERR_NAME_IN_USE:
		return "interface name in use";
	case AZLX_CNI_ERR_KIT_CHECK:
		return "pod network not as the result says";
	default:
		return "error";
	}
}

void azlx_cni_print(FILE *out, json_object *doc)
{
	fprintf(out, "%s\n", json_object_to_json_string_ext(doc, JSON_C_TO_STRING_PLAIN |
							     JSON_C_TO_STRING_NOSLASHESCAPE));
	fflush(out);
}

int azlx_cni_error(FILE *out, const char *version, int code, const char *fmt, ...)
{
	json_object *doc;
	char *details;
	va_list ap;

	va_start(ap, fmt);
	if (vasprintf(&details, fmt, ap) < 0)
		details = NULL;
	va_end(ap);
	doc = json_object_new_object();
	if (doc) {
		json_object_object_add(doc, "cniVersion",
				       json_object_new_string(version ? version : AZLX_CNI_VERSION));
		json_object_object_add(doc, "code", json_object_new_int(code));
		json_object_object_add(doc, "msg", json_object_new_string(azlx_cni_code_msg(code)));
		if (details)
			json_object_object_add(doc, "details", json_object_new_string(details));
		azlx_cni_print(out, doc);
		json_object_put(doc);
	}
	free(details);
	return 1;
}

static int azlx_cni_err(FILE *out, const char *version, const struct azlx_err *e)
{
	return azlx_cni_error(out, version, e->cni_code ? e->cni_code : AZLX_CNI_ERR_FASTPATH,
			      "%s", e->msg[0] ? e->msg : strerror(e->err));
}

int azlx_cni_version(FILE *out)
{
	json_object *doc, *v;
	size_t i;

	doc = json_object_new_object();
	v = json_object_new_array();
	if (!doc || !v) {
		json_object_put(doc);
		json_object_put(v);
		return azlx_cni_error(out, NULL, AZLX_CNI_ERR_IO, "out of memory");
	}
	json_object_object_add(doc, "cniVersion", json_object_new_string(AZLX_CNI_VERSION));
	for (i = 0; i < AZLX_CNI_NVERSIONS; i++)
		json_object_array_add(v, json_object_new_string(azlx_cni_versions[i]));
	json_object_object_add(doc, "supportedVersions", v);
	azlx_cni_print(out, doc);
	json_object_put(doc);
	return 0;
}

json_object *azlx_json_get(json_object *obj, const char *key, json_type type)
{
	json_object *v;

	if (!json_object_object_get_ex(obj, key, &v) || !json_object_is_type(v, type))
		return NULL;
	return v;
}

bool azlx_json_has(json_object *obj, const char *key)
{
	return json_object_object_get_ex(obj, key, NULL);
}

const char *azlx_cni_supported(const char *v)
{
	int i = azlx_cni_version_idx(v);

	return i < 0 ? NULL : azlx_cni_versions[i];
}

/* Removes the keys of @keys (NULL-terminated) from every object of array @arr. */
static void azlx_json_array_del(json_object *arr, const char *const *keys)
{
	size_t i, n = arr ? json_object_array_length(arr) : 0;
	const char *const *k;

	for (i = 0; i < n; i++) {
		json_object *it = json_object_array_get_idx(arr, i);

		if (!json_object_is_type(it, json_type_object))
			continue;
		for (k = keys; *k; k++)
			json_object_object_del(it, *k);
	}
}

json_object *azlx_cni_result_convert(json_object *res, const char *version)
{
	/* what 1.1.0 added, to interfaces and to routes */
	static const char *const iface_new[] = { "mtu", "socketPath", "pciID", NULL };
	static const char *const route_new[] = { "mtu", "advmss", "priority", "table",
						 "scope", NULL };
	static const char *const ip_version[] = { "version", NULL };
	json_object *out = NULL, *ips;
	size_t i, n;

	if (!azlx_cni_supported(version) || json_object_deep_copy(res, &out, NULL) || !out)
		return NULL;
	json_object_object_add(out, "cniVersion", json_object_new_string(version));
	if (!azlx_cni_version_ge(version, "1.1.0")) {
		azlx_json_array_del(azlx_json_get(out, "interfaces", json_type_array), iface_new);
		azlx_json_array_del(azlx_json_get(out, "routes", json_type_array), route_new);
	}
	ips = azlx_json_get(out, "ips", json_type_array);
	if (azlx_cni_version_ge(version, "1.0.0")) {
		/* 1.0.0 dropped "version" */
		azlx_json_array_del(ips, ip_version);
		return out;
	}
	/* before 1.0.0 each address says its family */
	n = ips ? json_object_array_length(ips) : 0;
	for (i = 0; i < n; i++) {
		json_object *it = json_object_array_get_idx(ips, i), *a;

		if (!json_object_is_type(it, json_type_object))
			continue;
		a = azlx_json_get(it, "address", json_type_string);
		if (!a)
			continue;
		json_object_object_add(it, "version", json_object_new_string(
				       strchr(json_object_get_string(a), ':') ? "6" : "4"));
	}
	return out;
}

/* Names as the kernel takes them (dev_valid_name()). */
bool azlx_cni_ifname_ok(const char *s)
{
	size_t i, len = strlen(s);

	if (!len || len >= IFNAMSIZ || !strcmp(s, ".") || !strcmp(s, ".."))
		return false;
	for (i = 0; i < len; i++) {
		if (s[i] == '/' || s[i] == ':' || s[i] == ' ' || (s[i] >= '\t' && s[i] <= '\r'))
			return false;
	}
	return true;
}

/* As libcni's skel checks it: [a-zA-Z0-9][a-zA-Z0-9_.-]* */
bool azlx_cni_containerid_ok(const char *s)
{
	size_t i;

	for (i = 0; s[i]; i++) {
		char c = s[i];
		bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			     (c >= '0' && c <= '9');

		if (!alnum && (!i || (c != '_' && c != '.' && c != '-')))
			return false;
	}
	return i > 0;
}

/* What the configuration says that matters here. */
struct azlx_cni_conf {
	const char		*version;	/* supported */
	const char		*name;		/* of the network */
	const char		*uplink;	/* or NULL */
	json_object		*doc;		/* the whole configuration */
	json_object		*prev;		/* prevResult, or NULL */
	int			iface;		/* index of CNI_IFNAME in prevResult, or -1 */
	struct azlx_addrs	addrs;		/* of that interface */
};

/*
 * The container interface of prevResult and its addresses. Returns 0 or,
 * with the reason in @e, -EINVAL.
 */
static int azlx_cni_prev(struct azlx_cni_conf *c, const char *ifname, struct azlx_err *e)
{
	json_object *ifaces, *ips, *it, *v;
	struct azlx_err why = { 0 };
	bool any_index = false;
	size_t i, n;

	c->iface = -1;
	memset(&c->addrs, 0, sizeof(c->addrs));
	if (azlx_json_has(c->prev, "interfaces")) {
		ifaces = azlx_json_get(c->prev, "interfaces", json_type_array);
		if (!ifaces)
			return azlx_fail(e, EINVAL, "prevResult: \"interfaces\" is not an array");
		n = json_object_array_length(ifaces);
		for (i = 0; i < n && c->iface < 0; i++) {
			const char *name, *sandbox;

			it = json_object_array_get_idx(ifaces, i);
			if (!json_object_is_type(it, json_type_object))
				return azlx_fail(e, EINVAL, "prevResult: interfaces[%zu] is not an "
						 "object", i);
			v = azlx_json_get(it, "name", json_type_string);
			name = v ? json_object_get_string(v) : NULL;
			v = azlx_json_get(it, "sandbox", json_type_string);
			sandbox = v ? json_object_get_string(v) : NULL;
			if (name && sandbox && sandbox[0] && !strcmp(name, ifname))
				c->iface = (int)i;
		}
	}

	if (!azlx_json_has(c->prev, "ips"))
		return 0;
	ips = azlx_json_get(c->prev, "ips", json_type_array);
	if (!ips)
		return azlx_fail(e, EINVAL, "prevResult: \"ips\" is not an array");
	n = json_object_array_length(ips);
	for (i = 0; i < n; i++) {
		it = json_object_array_get_idx(ips, i);
		if (json_object_is_type(it, json_type_object) && azlx_json_has(it, "interface"))
			any_index = true;
	}
	for (i = 0; i < n; i++) {
		it = json_object_array_get_idx(ips, i);
		if (!json_object_is_type(it, json_type_object))
			return azlx_fail(e, EINVAL, "prevResult: ips[%zu] is not an object", i);
		v = azlx_json_get(it, "address", json_type_string);
		if (!v)
			return azlx_fail(e, EINVAL, "prevResult: ips[%zu] has no \"address\"", i);
		/* the addresses of our interface; without any index, all of them */
		if (any_index) {
			json_object *idx = azlx_json_get(it, "interface", json_type_int);

			if (!idx || c->iface < 0 || json_object_get_int(idx) != c->iface)
				continue;
		}
		if (azlx_addrs_add(&c->addrs, json_object_get_string(v), &why))
			return azlx_fail(e, EINVAL, "prevResult: ips[%zu]: %s", i, why.msg);
	}
	return 0;
}

/* Reads and checks the configuration; on error, prints it and returns 1. */
static int azlx_cni_conf_read(const struct azlx_cni_env *env, json_object *doc,
			      struct azlx_cni_conf *c, FILE *out)
{
	bool del = !strcmp(env->command, "DEL");
	struct azlx_err e = { 0 };
	json_object *v;

	memset(c, 0, sizeof(*c));
	c->iface = -1;
	if (!json_object_is_type(doc, json_type_object))
		return azlx_cni_error(out, NULL, AZLX_CNI_ERR_DECODE,
				      "the network configuration is not a JSON object");
	v = azlx_json_get(doc, "cniVersion", json_type_string);
	if (!v)
		return azlx_cni_error(out, NULL, AZLX_CNI_ERR_CONFIG,
				      "\"cniVersion\" is missing or not a string");
	c->version = azlx_cni_supported(json_object_get_string(v));
	if (!c->version)
		return azlx_cni_error(out, NULL, AZLX_CNI_ERR_VERSION,
				      "CNI version %s is not supported (supported: 0.3.0, 0.3.1, "
				      "0.4.0, 1.0.0, 1.1.0)",
				      json_object_get_string(v));
	c->doc = doc;
	if (!strcmp(env->command, "CHECK") && !azlx_cni_version_ge(c->version, "0.4.0"))
		return azlx_cni_error(out, c->version, AZLX_CNI_ERR_VERSION,
				      "CHECK needs cniVersion 0.4.0 or later, not %s", c->version);
	if ((!strcmp(env->command, "GC") || !strcmp(env->command, "STATUS")) &&
	    !azlx_cni_version_ge(c->version, "1.1.0"))
		return azlx_cni_error(out, c->version, AZLX_CNI_ERR_VERSION,
				      "%s needs cniVersion 1.1.0 or later, not %s", env->command,
				      c->version);
	v = azlx_json_get(doc, "name", json_type_string);
	if (!v)
		return azlx_cni_error(out, c->version, AZLX_CNI_ERR_CONFIG,
				      "\"name\" is missing or not a string");
	c->name = json_object_get_string(v);
	if (!azlx_json_get(doc, "type", json_type_string))
		return azlx_cni_error(out, c->version, AZLX_CNI_ERR_CONFIG,
				      "\"type\" is missing or not a string");
	if (azlx_json_has(doc, "uplink")) {
		v = azlx_json_get(doc, "uplink", json_type_string);
		if (!v || !azlx_cni_ifname_ok(json_object_get_string(v)))
			return azlx_cni_error(out, c->version, AZLX_CNI_ERR_CONFIG,
					      "\"uplink\" is not an interface name");
		c->uplink = json_object_get_string(v);
	}
	if (azlx_json_has(doc, "prevResult")) {
		c->prev = azlx_json_get(doc, "prevResult", json_type_object);
		/* DEL cleans up with what it has */
		if (!c->prev && !del)
			return azlx_cni_error(out, c->version, AZLX_CNI_ERR_CONFIG,
					      "\"prevResult\" is not an object");
	}
	/* the node, not an attachment */
	if (!strcmp(env->command, "GC") || !strcmp(env->command, "STATUS"))
		return 0;

	/* the environment */
	if (!env->containerid || !azlx_cni_containerid_ok(env->containerid))
		return azlx_cni_error(out, c->version, AZLX_CNI_ERR_ENV,
				      "CNI_CONTAINERID is %s", env->containerid ?
				      "not a valid container ID" : "not set");
	if (!env->ifname || !azlx_cni_ifname_ok(env->ifname))
		return azlx_cni_error(out, c->version, AZLX_CNI_ERR_ENV, "CNI_IFNAME is %s",
				      env->ifname ? "not a valid interface name" : "not set");
	if (!strcmp(env->command, "ADD") && strlen(env->containerid) > AZLX_CNI_CONTAINERID_MAX)
		return azlx_cni_error(out, c->version, AZLX_CNI_ERR_ENV,
				      "CNI_CONTAINERID is longer than %d characters",
				      AZLX_CNI_CONTAINERID_MAX);
	if (!env->path)
		return azlx_cni_error(out, c->version, AZLX_CNI_ERR_ENV, "CNI_PATH is not set");
	if (!del && (!env->netns || !env->netns[0]))
		return azlx_cni_error(out, c->version, AZLX_CNI_ERR_ENV,
				      "CNI_NETNS is not set");

	if (!c->prev) {
		if (!del)
			return azlx_cni_error(out, c->version, AZLX_CNI_ERR_CONFIG,
					      "no prevResult: azlxnet is a chained plugin, "
					      "after ptp or bridge");
		return 0;
	}
	if (azlx_cni_prev(c, env->ifname, &e)) {
		if (!del)
			return azlx_cni_error(out, c->version, AZLX_CNI_ERR_CONFIG, "%s", e.msg);
		/* a broken prevResult gives DEL no address */
		memset(&c->addrs, 0, sizeof(c->addrs));
		return 0;
	}
	if (!del && c->iface < 0)
		return azlx_cni_error(out, c->version, AZLX_CNI_ERR_CONFIG,
				      "prevResult has no interface %s in a sandbox", env->ifname);
	if (!del && !c->addrs.n)
		return azlx_cni_error(out, c->version, AZLX_CNI_ERR_CONFIG,
				      "prevResult has no address for %s", env->ifname);
	return 0;
}

static int azlx_cni_add(const struct azlx_cni_env *env, const struct azlx_cni_conf *c,
			const struct azlx_cni_ops *ops, FILE *out)
{
	struct azlx_err e = { 0 }, undo = { 0 };
	struct azlx_cni_record rec;
	struct azlx_pod_req req;
	struct azlx_pod_row row;
	json_object *res;

	/* a wrong uplink changes nothing */
	if (c->uplink && !if_nametoindex(c->uplink))
		return azlx_cni_error(out, c->version, AZLX_CNI_ERR_CONFIG,
				      "uplink %s: no such device", c->uplink);
	memset(&req, 0, sizeof(req));
	req.netns = env->netns;
	req.ifname = env->ifname;
	req.addrs = c->addrs;
	if (ops->add(&req, &row, &e))
		return azlx_cni_err(out, c->version, &e);
	/* on once for all pods: only when it is not yet */
	if (c->uplink && ops->uplink_check(c->uplink, &undo) &&
	    ops->uplink_enable(c->uplink, &e)) {
		/* all or nothing */
		ops->del_link(env->netns, env->ifname, &undo);
		return azlx_cni_err(out, c->version, &e);
	}

	/* prevResult is the result, in the configuration's version */
	res = azlx_cni_result_convert(c->prev, c->version);
	if (!res) {
		ops->del_link(env->netns, env->ifname, &undo);
		return azlx_cni_error(out, c->version, AZLX_CNI_ERR_IO, "out of memory");
	}
	/* what GC and DEL go by when the rest is gone */
	if (ops->state_dir) {
		memset(&rec, 0, sizeof(rec));
		snprintf(rec.network, sizeof(rec.network), "%s", c->name);
		snprintf(rec.containerid, sizeof(rec.containerid), "%s", env->containerid);
		snprintf(rec.ifname, sizeof(rec.ifname), "%s", env->ifname);
		rec.host_ifindex = row.host_ifindex;
		snprintf(rec.host_ifname, sizeof(rec.host_ifname), "%s", row.host_ifname);
		rec.addrs = c->addrs;
		if (azlx_cni_record_write(ops->state_dir, &rec, &e)) {
			json_object_put(res);
			ops->del_link(env->netns, env->ifname, &undo);
			return azlx_cni_error(out, c->version, AZLX_CNI_ERR_IO, "%s", e.msg);
		}
	}
	azlx_cni_print(out, res);
	json_object_put(res);
	return 0;
}

/* A failure that says the namespace or the interface is not there (any more). */
static bool azlx_cni_gone(const struct azlx_err *e)
{
	return e->cni_code == AZLX_CNI_ERR_CONTAINER || e->cni_code == AZLX_CNI_ERR_LINK ||
	       e->cni_code == AZLX_CNI_ERR_ENV;
}

/*
 * DEL takes whatever the runtime has left: the pod by its interface while
 * the namespace is there, else by the attachment's record and the
 * addresses of prevResult, from the host side. What is not there is
 * success; the record goes once the fast path state has.
 */
static int azlx_cni_del(const struct azlx_cni_env *env, const struct azlx_cni_conf *c,
			const struct azlx_cni_ops *ops, FILE *out)
{
	struct azlx_cni_record rec;
	struct azlx_err e = { 0 };
	bool have_rec = false;

	if (ops->state_dir) {
		struct azlx_err why = { 0 };

		have_rec = !azlx_cni_record_read(ops->state_dir, env->containerid, env->ifname,
						  &rec, &why);
	}
	if (env->netns && env->netns[0]) {
		if (!ops->del_link(env->netns, env->ifname, &e))
			goto done;
		if (!azlx_cni_gone(&e))
			goto err;
		memset(&e, 0, sizeof(e));
	}
	if (have_rec && ops->del_record(&rec, &e))
		goto err;
	if (c->addrs.n && ops->del_addrs(&c->addrs, &e))
		goto err;
done:
	/* an ID too long for a record name never had one */
	if (ops->state_dir && strlen(env->containerid) <= AZLX_CNI_CONTAINERID_MAX &&
	    azlx_cni_record_remove(ops->state_dir, env->containerid, env->ifname, &e))
		return azlx_cni_error(out, c->version, AZLX_CNI_ERR_IO, "%s", e.msg);
	return 0;
err:
	/* without bpffs there is no state to remove */
	if (e.err == ENOTSUP)
		goto done;
	return azlx_cni_err(out, c->version, &e);
}

static int azlx_cni_check(const struct azlx_cni_env *env, const struct azlx_cni_conf *c,
			  const struct azlx_cni_ops *ops, FILE *out)
{
	struct azlx_err e = { 0 };
	struct azlx_pod_req req;

	memset(&req, 0, sizeof(req));
	req.netns = env->netns;
	req.ifname = env->ifname;
	req.addrs = c->addrs;
	if (ops->check(&req, &e))
		return azlx_cni_err(out, c->version, &e);
	if (c->uplink && ops->uplink_check(c->uplink, &e))
		return azlx_cni_err(out, c->version, &e);
	return 0;
}

int azlx_cni_valid_attachments(json_object *doc, struct azlx_cni_attachment **v, size_t *n,
			       struct azlx_err *e)
{
	const char *key = "cni.dev/valid-attachments";
	json_object *list, *it, *id, *ifn;
	size_t i, len;

	*v = NULL;
	*n = 0;
	/* libcni also passes it under the name an early draft of 1.1.0 had */
	if (!azlx_json_has(doc, key) && azlx_json_has(doc, "cni.dev/attachments"))
		key = "cni.dev/attachments";
	if (!azlx_json_has(doc, key))
		return azlx_fail(e, EINVAL, "\"cni.dev/valid-attachments\" is missing");
	list = azlx_json_get(doc, key, json_type_array);
	if (!list)
		return azlx_fail(e, EINVAL, "\"%s\" is not an array", key);
	len = json_object_array_length(list);
	if (!len)
		return 0;
	*v = calloc(len, sizeof(**v));
	if (!*v)
		return azlx_fail(e, ENOMEM, "out of memory");
	for (i = 0; i < len; i++) {
		it = json_object_array_get_idx(list, i);
		id = json_object_is_type(it, json_type_object) ?
		     azlx_json_get(it, "containerID", json_type_string) : NULL;
		ifn = json_object_is_type(it, json_type_object) ?
		      azlx_json_get(it, "ifname", json_type_string) : NULL;
		if (!id || !ifn) {
			free(*v);
			*v = NULL;
			return azlx_fail(e, EINVAL, "\"%s\"[%zu] is not an object with "
					 "\"containerID\" and \"ifname\" strings", key, i);
		}
		(*v)[i].containerid = json_object_get_string(id);
		(*v)[i].ifname = json_object_get_string(ifn);
	}
	*n = len;
	return 0;
}

/*
 * GC: the fast path state of every attachment of this network that ADD
 * recorded and the runtime no longer lists goes, with its record. Nothing
 * else is touched: not other networks' attachments, not pods added by
 * hand. Carries on past a failure and reports the first.
 */
static int azlx_cni_gc(const struct azlx_cni_conf *c, const struct azlx_cni_ops *ops, FILE *out)
{
	struct azlx_err e = { 0 }, first = { 0 };
	struct azlx_cni_attachment *valid;
	struct azlx_cni_record *recs = NULL;
	size_t nvalid, nrecs = 0, i, j;

	if (azlx_cni_valid_attachments(c->doc, &valid, &nvalid, &e))
		return azlx_cni_error(out, c->version, e.err == ENOMEM ? AZLX_CNI_ERR_IO :
				      AZLX_CNI_ERR_CONFIG, "%s", e.msg);
	if (ops->state_dir && azlx_cni_records(ops->state_dir, &recs, &nrecs, &e)) {
		free(valid);
		return azlx_cni_error(out, c->version, AZLX_CNI_ERR_IO, "%s", e.msg);
	}
	for (i = 0; i < nrecs; i++) {
		const struct azlx_cni_record *r = &recs[i];

		if (strcmp(r->network, c->name))
			continue;
		for (j = 0; j < nvalid; j++) {
			if (!strcmp(valid[j].containerid, r->containerid) &&
			    !strcmp(valid[j].ifname, r->ifname))
				break;
		}
		if (j < nvalid)
			continue;
		memset(&e, 0, sizeof(e));
		if ((ops->del_record(r, &e) && e.err != ENOTSUP) ||
		    azlx_cni_record_remove(ops->state_dir, r->containerid, r->ifname, &e)) {
			if (!first.msg[0])
				first = e;
		}
	}
	free(recs);
	free(valid);
	if (first.msg[0])
		return azlx_cni_err(out, c->version, &first);
	return 0;
}

/* STATUS: ready for ADD, or code 50. */
static int azlx_cni_status(const struct azlx_cni_conf *c, const struct azlx_cni_ops *ops,
			   FILE *out)
{
	struct azlx_err e = { 0 };

	if (ops->status(c->uplink, &e))
		return azlx_cni_error(out, c->version, AZLX_CNI_ERR_UNAVAILABLE, "%s", e.msg);
	return 0;
}

/* Parses @in whole: one JSON value and nothing but blanks after it. */
static json_object *azlx_cni_parse(const char *in, size_t len, char *why, size_t why_len)
{
	struct json_tokener *tok;
	json_object *doc;
	size_t used, i;

	if (memchr(in, '\0', len)) {
		snprintf(why, why_len, "NUL byte in the input");
		return NULL;
	}
	tok = json_tokener_new();
	if (!tok) {
		snprintf(why, why_len, "out of memory");
		return NULL;
	}
	doc = json_tokener_parse_ex(tok, in, (int)len);
	if (!doc) {
		enum json_tokener_error jerr = json_tokener_get_error(tok);

		snprintf(why, why_len, "%s", jerr == json_tokener_continue ?
			 "unexpected end of input" : json_tokener_error_desc(jerr));
		json_tokener_free(tok);
		return NULL;
	}
	used = json_tokener_get_parse_end(tok);
	json_tokener_free(tok);
	for (i = used; i < len; i++) {
		if (in[i] != ' ' && in[i] != '\t' && in[i] != '\n' && in[i] != '\r') {
			snprintf(why, why_len, "trailing data after the JSON value");
			json_object_put(doc);
			return NULL;
		}
	}
	return doc;
}

int azlx_cni_run(const struct azlx_cni_env *env, const char *in, size_t len,
		 const struct azlx_cni_ops *ops, FILE *out)
{
	struct azlx_cni_conf c;
	json_object *doc;
	char why[128];
	int ret;

	if (!env->command || !env->command[0])
		return azlx_cni_error(out, NULL, AZLX_CNI_ERR_ENV, "CNI_COMMAND is not set");
	if (!strcmp(env->command, "VERSION"))
		return azlx_cni_version(out);
	if (strcmp(env->command, "ADD") && strcmp(env->command, "DEL") &&
	    strcmp(env->command, "CHECK") && strcmp(env->command, "GC") &&
	    strcmp(env->command, "STATUS"))
		return azlx_cni_error(out, NULL, AZLX_CNI_ERR_ENV,
				      "CNI_COMMAND \"%s\" is not supported (ADD, DEL, CHECK, GC, "
				      "STATUS, VERSION)", env->command);

	doc = azlx_cni_parse(in, len, why, sizeof(why));
	if (!doc)
		return azlx_cni_error(out, NULL, AZLX_CNI_ERR_DECODE,
				      "cannot parse the network configuration: %s", why);
	/* the main plugin mode has its own configuration */
	if (json_object_is_type(doc, json_type_object) && azlx_json_has(doc, "mode")) {
		ret = azlx_cni_kit_run(env, doc, in, len, ops, out);
		json_object_put(doc);
		return ret;
	}
	ret = azlx_cni_conf_read(env, doc, &c, out);
	if (!ret) {
		if (!strcmp(env->command, "ADD"))
			ret = azlx_cni_add(env, &c, ops, out);
		else if (!strcmp(env->command, "DEL"))
			ret = azlx_cni_del(env, &c, ops, out);
		else if (!strcmp(env->command, "GC"))
			ret = azlx_cni_gc(&c, ops, out);
		else if (!strcmp(env->command, "STATUS"))
			ret = azlx_cni_status(&c, ops, out);
		else
			ret = azlx_cni_check(env, &c, ops, out);
	}
	json_object_put(doc);
	return ret;
}

/* The node */

static int azlx_cni_node_del_link(const char *netns, const char *ifname, struct azlx_err *e)
{
	struct azlx_pod_removed r;
	int err, fd;

	/* whatever keeps the namespace from opening, DEL goes by the host side */
	fd = azlx_netns_open(netns, e);
	if (fd < 0) {
		if (!e->cni_code)
			e->cni_code = AZLX_CNI_ERR_CONTAINER;
		return fd;
	}
	close(fd);
	err = azlx_pod_del_link(netns, ifname, &r, e);
	azlx_pod_removed_free(&r);
	return err;
}

static int azlx_cni_node_del_addrs(const struct azlx_addrs *a, struct azlx_err *e)
{
	struct azlx_pod_removed r;
	int err;

	err = azlx_pod_del_addrs(a, true, &r, e);
	azlx_pod_removed_free(&r);
	return err;
}

static int azlx_cni_node_uplink_enable(const char *dev, struct azlx_err *e)
{
	struct azlx_uplink u;

	return azlx_uplink_enable(dev, &u, e);
}

static bool azlx_cni_rec_has(const struct azlx_cni_record *r, const struct azlxnet_ep_key *k)
{
	size_t i;

	for (i = 0; i < r->addrs.n; i++) {
		if (!memcmp(&r->addrs.key[i], k, sizeof(*k)))
			return true;
	}
	return false;
}

/*
 * Only what is still the attachment's: an address that now points at
 * another host ifindex belongs to another pod, and a host ifindex that now
 * has another name is another interface.
 */
static int azlx_cni_node_del_record(const struct azlx_cni_record *r, struct azlx_err *e)
{
	struct azlx_ep_list eps = { 0 };
	char name[IF_NAMESIZE], a[INET6_ADDRSTRLEN];
	bool same_link, still_used = false;
	struct azlx_dp dp;
	size_t i;
	int err;

	azlx_dp_init(&dp);
	err = azlx_dp_lock(&dp, e);
	if (err == -ENOTSUP)
		return 0;	/* no bpffs, no state */
	if (err)
		goto out;
	err = azlx_dp_state(&dp, e);
	if (err == -ENOENT) {
		err = 0;
		goto tidy;
	}
	if (!err)
		err = azlx_dp_endpoints(&dp, &eps, e);
	for (i = 0; !err && i < eps.n; i++) {
		if (eps.v[i].ep.host_ifindex != r->host_ifindex)
			continue;
		if (!azlx_cni_rec_has(r, &eps.v[i].key)) {
			still_used = true;
			continue;
		}
		err = azlx_dp_ep_del(&dp, &eps.v[i].key);
		if (err == -ENOENT)
			err = 0;
		if (err)
			err = azlx_fail(e, -err, "cannot remove endpoint %s: %s",
					azlx_ep_key_fmt(&eps.v[i].key, a, sizeof(a)),
					strerror(-err));
	}
	if (err)
		goto out;
	same_link = if_indextoname(r->host_ifindex, name) && !strcmp(name, r->host_ifname);
	if (same_link && !still_used) {
		err = azlx_tc_detach_kind((int)r->host_ifindex, AZLX_TC_FROM_POD, NULL, e);
		if (err)
			goto out;
	}
	/* the counter slot of what no endpoint uses goes */
	if (!still_used)
		azlx_dp_host_del(&dp, r->host_ifindex);
tidy:
	azlx_dp_tidy(&dp);
out:
	azlx_ep_list_free(&eps);
	azlx_dp_close(&dp);
	return err;
}

static int azlx_cni_node_status(const char *uplink, struct azlx_err *e)
{
	struct statfs sfs;

	if (statfs(AZLX_CNI_BPFFS, &sfs))
		return azlx_fail(e, errno, "cannot access %s: %s", AZLX_CNI_BPFFS,
				 strerror(errno));
	if ((unsigned long)sfs.f_type != BPF_FS_MAGIC)
		return azlx_fail(e, ENOTSUP, "bpffs is not mounted at %s", AZLX_CNI_BPFFS);
	if (uplink && !if_nametoindex(uplink))
		return azlx_fail(e, ENODEV, "uplink %s: no such device", uplink);
	return 0;
}

const struct azlx_cni_ops azlx_cni_node_ops = {
	.add		= azlx_pod_add,
	.del_link	= azlx_cni_node_del_link,
	.del_addrs	= azlx_cni_node_del_addrs,
	.check		= azlx_pod_check,
	.uplink_enable	= azlx_cni_node_uplink_enable,
	.uplink_check	= azlx_uplink_check,
	.del_record	= azlx_cni_node_del_record,
	.status		= azlx_cni_node_status,
	.state_dir	= AZLX_CNI_STATE_DIR,
};

int azlx_cni_main(void)
{
	struct azlx_cni_env env = {
		.command	= getenv("CNI_COMMAND"),
		.containerid	= getenv("CNI_CONTAINERID"),
		.netns		= getenv("CNI_NETNS"),
		.ifname		= getenv("CNI_IFNAME"),
		.args		= getenv("CNI_ARGS"),
		.path		= getenv("CNI_PATH"),
	};
	size_t len = 0, cap = 0;
	char *in = NULL, *p;
	ssize_t n;
	int ret;

	/* VERSION may come without input */
	for (;;) {
		if (len == cap) {
			cap = cap ? 2 * cap : 4096;
			if (cap > AZLX_CNI_INPUT_MAX + 1)
				cap = AZLX_CNI_INPUT_MAX + 1;
			p = len == cap ? NULL : realloc(in, cap);
			if (!p) {
				free(in);
				if (len == cap)
					return azlx_cni_error(stdout, NULL, AZLX_CNI_ERR_IO,
							      "the network configuration is larger "
							      "than %d bytes", AZLX_CNI_INPUT_MAX);
				return azlx_cni_error(stdout, NULL, AZLX_CNI_ERR_IO, "out of memory");
			}
			in = p;
		}
		n = read(STDIN_FILENO, in + len, cap - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int err = errno;

			free(in);
			if (env.command && !strcmp(env.command, "VERSION"))
				return azlx_cni_version(stdout);
			return azlx_cni_error(stdout, NULL, AZLX_CNI_ERR_IO,
					      "cannot read stdin: %s", strerror(err));
		}
		if (!n)
			break;
		len += (size_t)n;
	}
	ret = azlx_cni_run(&env, in ? in : "", len, &azlx_cni_node_ops, stdout);
	free(in);
	return ret;
}
