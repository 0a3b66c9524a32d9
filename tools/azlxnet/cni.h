/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The CNI plugin mode (CNI specification 0.3.0 to 1.1.0): with CNI_COMMAND
 * in its environment and no argument, azlxnet is a chained plugin that puts
 * the pod the previous plugin (ptp, bridge) made on the fast path.
 */
#ifndef __AZLXNET_CNI_H
#define __AZLXNET_CNI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include <json-c/json.h>

#include "cni_state.h"
#include "datapath.h"
#include "pod.h"

/* The newest version, of the VERSION answer and of errors without another */
#define AZLX_CNI_VERSION	"1.1.0"
/* STATUS: the plugin cannot serve ADD (CNI 1.1.0) */
#define AZLX_CNI_ERR_UNAVAILABLE	50
/* ADD in mode azlxkit: the pair's host name or CNI_IFNAME is taken */
#define AZLX_CNI_ERR_NAME_IN_USE	104
/* CHECK in mode azlxkit: the pair, an address or a route is not as the result says */
#define AZLX_CNI_ERR_KIT_CHECK		105
/* Largest network configuration read from stdin. */
#define AZLX_CNI_INPUT_MAX	(4 << 20)

/* The CNI_* environment variables (NULL when unset). */
struct azlx_cni_env {
	const char	*command;
	const char	*containerid;
	const char	*netns;
	const char	*ifname;
	const char	*args;
	const char	*path;
};

/*
 * What ADD, DEL and CHECK do to the node; tests stand in their own. Each
 * returns 0 or a negative errno with @e filled (and its CNI code, if
 * specific).
 */
struct azlx_cni_ops {
	/* on success @row has the host side */
	int	(*add)(const struct azlx_pod_req *req, struct azlx_pod_row *row,
		       struct azlx_err *e);
	/* the pod of @ifname in @netns; code 3 when either is gone */
	int	(*del_link)(const char *netns, const char *ifname, struct azlx_err *e);
	/* the pods of @a whose host side is gone */
	int	(*del_addrs)(const struct azlx_addrs *a, struct azlx_err *e);
	int	(*check)(const struct azlx_pod_req *req, struct azlx_err *e);
	int	(*uplink_enable)(const char *dev, struct azlx_err *e);
	int	(*uplink_check)(const char *dev, struct azlx_err *e);
	/*
	 * What ADD put on the fast path for attachment @r: its addresses
	 * while they still point at its host ifindex, the counters and our
	 * program there; nothing to remove is success.
	 */
	int	(*del_record)(const struct azlx_cni_record *r, struct azlx_err *e);
	/* STATUS: 0 when ADD can work (with @uplink, or NULL) */
	int	(*status)(const char *uplink, struct azlx_err *e);
	/* the attachment records (cni_state.h), or NULL for none */
	const char	*state_dir;
};

extern const struct azlx_cni_ops azlx_cni_node_ops;

/*
 * Runs CNI command @env->command (ADD, DEL, CHECK, GC, STATUS or VERSION)
 * on the network configuration @in (@len bytes), writing the result or the
 * error object to @out. Returns the exit status: 0, or 1 after an error.
 */
int azlx_cni_run(const struct azlx_cni_env *env, const char *in, size_t len,
		 const struct azlx_cni_ops *ops, FILE *out);

/* Reads the environment and stdin, runs against the node. */
int azlx_cni_main(void);

/*
 * A copy of result @res in the shape of CNI version @version (supported):
 * its cniVersion, ips[] with "version" ("4", "6") before 1.0.0 and without
 * it from 1.0.0, and without 1.1.0's fields before 1.1.0. NULL on failure.
 */
json_object *azlx_cni_result_convert(json_object *res, const char *version);

/* An entry of GC's cni.dev/valid-attachments (pointing into the document). */
struct azlx_cni_attachment {
	const char	*containerid;
	const char	*ifname;
};

/*
 * The valid attachments of GC's configuration @doc ("cni.dev/attachments",
 * the name of a draft, when the other is missing) into *@v (to free), *@n
 * of them. Missing or malformed: -EINVAL, and nothing may be removed.
 */
int azlx_cni_valid_attachments(json_object *doc, struct azlx_cni_attachment **v, size_t *n,
			       struct azlx_err *e);

/* The message of a CNI error code ("invalid network configuration"). */
const char *azlx_cni_code_msg(int code);

/* What the modes share (cni.c) */

/* The error object on @out; returns the exit status (1). */
int azlx_cni_error(FILE *out, const char *version, int code, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* @doc as one line on @out */
void azlx_cni_print(FILE *out, json_object *doc);
/* @obj's member @key if it has that type, else NULL; whether it has @key */
json_object *azlx_json_get(json_object *obj, const char *key, json_type type);
bool azlx_json_has(json_object *obj, const char *key);
/* The VERSION answer on @out; returns the exit status. */
int azlx_cni_version(FILE *out);
/* @v as a supported version (static storage), or NULL. */
const char *azlx_cni_supported(const char *v);
/* Supported version @v is @min or later. */
bool azlx_cni_version_ge(const char *v, const char *min);
/* CNI_IFNAME and CNI_CONTAINERID as the kernel and libcni take them. */
bool azlx_cni_ifname_ok(const char *s);
bool azlx_cni_containerid_ok(const char *s);

/*
 * The main plugin mode, "mode": "azlxkit" (cni_kit.c): runs @env->command
 * (not VERSION) for the parsed configuration @doc, whose text @in (@len
 * bytes) goes to the IPAM plugin as it came; the fast path through @ops.
 * Returns the exit status.
 */
int azlx_cni_kit_run(const struct azlx_cni_env *env, json_object *doc, const char *in,
		     size_t len, const struct azlx_cni_ops *ops, FILE *out);

#endif /* __AZLXNET_CNI_H */
