// SPDX-License-Identifier: GPL-2.0-only
/*
 * The Azure Instance Metadata Service: compute.vmSize and
 * compute.storageProfile, fetched with libcurl or read from a file. IMDS
 * writes most numbers as strings ("diskSizeGB": "128"): both are accepted.
 *
 * libcurl (with its TLS, LDAP, SSH... dependencies) is loaded only when
 * IMDS is asked: it would double the memory every other command starts with.
 */
#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <curl/curl.h>
#include <json-c/json.h>


#include "imds.h"

#define AZLX_IMDS_MAX_BODY	(1 << 20)
#define AZLX_IMDS_MAX_RETRY_S	5

/* An optional member of @obj, of the given type; NULL if absent or null. */
static json_object *azlx_j(json_object *obj, const char *key)
{
	json_object *v;

	if (!obj || !json_object_object_get_ex(obj, key, &v))
		return NULL;
	return json_object_is_type(v, json_type_null) ? NULL : v;
}

/*
 * A non-negative integer given as a number or a decimal string; "" counts
 * as absent (-1). Returns 0 or -EINVAL with the field named in @err.
 */
static int azlx_j_long(json_object *obj, const char *key, const char *where, long *out,
		       char *err, size_t err_len)
{
	json_object *v = azlx_j(obj, key);
	const char *s;
	char *end;

	*out = -1;
	if (!v)
		return 0;
	if (json_object_is_type(v, json_type_int)) {
		int64_t x = json_object_get_int64(v);

		if (x < 0 || x > 1L << 40)
			goto bad;
		*out = (long)x;
		return 0;
	}
	if (!json_object_is_type(v, json_type_string))
		goto bad;
	s = json_object_get_string(v);
	if (!*s)
		return 0;
	errno = 0;
	*out = strtol(s, &end, 10);
	if (errno || *end || *out < 0 || s[0] == '-' || s[0] == '+' || s[0] == ' ')
		goto bad;
	return 0;
bad:
	azlx_strf(err, err_len, "%s.%s: not a non-negative integer: %s", where, key,
		 json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN));
	return -EINVAL;
}

static int azlx_j_str(json_object *obj, const char *key, const char *where, char *out,
		      size_t len, char *err, size_t err_len)
{
	json_object *v = azlx_j(obj, key);

	out[0] = '\0';
	if (!v)
		return 0;
	if (!json_object_is_type(v, json_type_string)) {
		azlx_strf(err, err_len, "%s.%s: not a string: %s", where, key,
			 json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN));
		return -EINVAL;
	}
	azlx_strf(out, len, "%s", json_object_get_string(v));
	return 0;
}

static bool azlx_j_bool(json_object *obj, const char *key)
{
	json_object *v = azlx_j(obj, key);

	if (!v)
		return false;
	if (json_object_is_type(v, json_type_boolean))
		return json_object_get_boolean(v);
	return json_object_is_type(v, json_type_string) &&
	       !strcasecmp(json_object_get_string(v), "true");
}

static int azlx_imds_disk(json_object *o, const char *where, struct azlx_imds_disk *d,
			  char *err, size_t err_len)
{
	json_object *md, *diff;
	char opt[32];
	long bps;
	int ret;

	memset(d, 0, sizeof(*d));
	d->lun = -1;
	if (!json_object_is_type(o, json_type_object)) {
		azlx_strf(err, err_len, "%s: not an object", where);
		return -EINVAL;
	}
	ret = azlx_j_long(o, "diskSizeGB", where, &d->size_gb, err, err_len);
	if (!ret)
		ret = azlx_j_str(o, "caching", where, d->caching, sizeof(d->caching), err, err_len);
	if (ret)
		return ret;
	md = azlx_j(o, "managedDisk");
	if (md && !json_object_is_type(md, json_type_object)) {
		azlx_strf(err, err_len, "%s.managedDisk: not an object", where);
		return -EINVAL;
	}
	if (md) {
		char w[96];

		azlx_strf(w, sizeof(w), "%s.managedDisk", where);
		ret = azlx_j_str(md, "storageAccountType", w, d->type, sizeof(d->type),
				 err, err_len);
		if (ret)
			return ret;
	}
	d->ultra = azlx_j_bool(o, "isUltraDisk") || !strncmp(d->type, "UltraSSD", 8);
	/*
	 * The provisioned IOPS and bytes/s: "only populated for Ultra Disks"
	 * (empty strings otherwise), from api-version 2021-05-01 on; see
	 * AZLX_IMDS_DOC. Premium SSD v2 gets them where IMDS fills them in.
	 */
	ret = azlx_j_long(o, "opsPerSecondThrottle", where, &d->iops, err, err_len);
	if (!ret)
		ret = azlx_j_long(o, "bytesPerSecondThrottle", where, &bps, err, err_len);
	if (ret)
		return ret;
	d->mbps = bps > 0 ? bps / 1000000 : -1;
	diff = azlx_j(o, "diffDiskSettings");
	if (diff && json_object_is_type(diff, json_type_object) &&
	    !azlx_j_str(diff, "option", where, opt, sizeof(opt), err, err_len) && opt[0])
		d->ephemeral = true;
	return 0;
}

int azlx_imds_parse(const char *json, size_t len, struct azlx_imds *m,
		    char *err, size_t err_len)
{
	json_object *doc, *compute, *sp, *os, *data, *rd;
	struct json_tokener *tok;
	enum json_tokener_error jerr;
	size_t i;
	int ret = -EINVAL;

	memset(m, 0, sizeof(*m));
	m->resource_mb = -1;
	tok = json_tokener_new();
	if (!tok) {
		azlx_strf(err, err_len, "out of memory");
		return -ENOMEM;
	}
	doc = json_tokener_parse_ex(tok, json, (int)len);
	jerr = json_tokener_get_error(tok);
	if (!doc || jerr != json_tokener_success) {
		azlx_strf(err, err_len, "not valid JSON: %s at offset %zu",
			 jerr == json_tokener_continue ? "truncated document" :
			 json_tokener_error_desc(jerr), (size_t)json_tokener_get_parse_end(tok));
		goto out_tok;
	}
	if ((size_t)json_tokener_get_parse_end(tok) < len &&
	    strspn(json + json_tokener_get_parse_end(tok), " \t\r\n") !=
	    len - json_tokener_get_parse_end(tok)) {
		azlx_strf(err, err_len, "not valid JSON: data after the document at offset %zu",
			 (size_t)json_tokener_get_parse_end(tok));
		goto out_doc;
	}
	if (!json_object_is_type(doc, json_type_object)) {
		azlx_strf(err, err_len, "the document is not an object");
		goto out_doc;
	}
	compute = azlx_j(doc, "compute");
	if (!compute || !json_object_is_type(compute, json_type_object)) {
		azlx_strf(err, err_len, "compute: %s", compute ? "not an object" : "missing");
		goto out_doc;
	}
	if (azlx_j_str(compute, "vmSize", "compute", m->vm_size, sizeof(m->vm_size),
		       err, err_len))
		goto out_doc;
	sp = azlx_j(compute, "storageProfile");
	if (!sp || !json_object_is_type(sp, json_type_object)) {
		azlx_strf(err, err_len, "compute.storageProfile: %s",
			 sp ? "not an object" : "missing");
		goto out_doc;
	}
	os = azlx_j(sp, "osDisk");
	if (os) {
		if (azlx_imds_disk(os, "compute.storageProfile.osDisk", &m->os, err, err_len))
			goto out_doc;
		m->has_os = true;
	}
	data = azlx_j(sp, "dataDisks");
	if (data && !json_object_is_type(data, json_type_array)) {
		azlx_strf(err, err_len, "compute.storageProfile.dataDisks: not an array");
		goto out_doc;
	}
	for (i = 0; data && i < json_object_array_length(data); i++) {
		char where[96];
		long lun;

		azlx_strf(where, sizeof(where), "compute.storageProfile.dataDisks[%zu]", i);
		if (m->ndata == AZLX_IMDS_MAX_DISKS) {
			azlx_strf(err, err_len, "%s: more than %d data disks", where,
				 AZLX_IMDS_MAX_DISKS);
			goto out_doc;
		}
		if (azlx_imds_disk(json_object_array_get_idx(data, i), where,
				   &m->data[m->ndata], err, err_len))
			goto out_doc;
		if (azlx_j_long(json_object_array_get_idx(data, i), "lun", where, &lun,
				err, err_len))
			goto out_doc;
		if (lun < 0 || lun > 63) {
			azlx_strf(err, err_len, "%s.lun: %s", where,
				 lun < 0 ? "missing" : "out of range (0-63)");
			goto out_doc;
		}
		m->data[m->ndata++].lun = (int)lun;
	}
	rd = azlx_j(sp, "resourceDisk");
	if (rd && json_object_is_type(rd, json_type_object) &&
	    azlx_j_long(rd, "size", "compute.storageProfile.resourceDisk", &m->resource_mb,
			err, err_len))
		goto out_doc;
	m->valid = true;
	ret = 0;
out_doc:
	json_object_put(doc);
out_tok:
	json_tokener_free(tok);
	return ret;
}

int azlx_imds_load_file(const char *path, struct azlx_imds *m, char *err, size_t err_len)
{
	char *buf = NULL;
	size_t len = 0, n;
	FILE *f;
	int ret;

	f = fopen(path, "re");
	if (!f) {
		ret = -errno;
		azlx_strf(err, err_len, "%s: %s", path, strerror(errno));
		return ret;
	}
	buf = malloc(AZLX_IMDS_MAX_BODY + 1);
	if (!buf) {
		fclose(f);
		return -ENOMEM;
	}
	while ((n = fread(buf + len, 1, AZLX_IMDS_MAX_BODY + 1 - len, f)) > 0)
		len += n;
	fclose(f);
	if (len > AZLX_IMDS_MAX_BODY) {
		free(buf);
		azlx_strf(err, err_len, "%s: larger than %d bytes", path, AZLX_IMDS_MAX_BODY);
		return -EFBIG;
	}
	ret = azlx_imds_parse(buf, len, m, err, err_len);
	free(buf);
	if (!ret)
		azlx_strf(m->source, sizeof(m->source), "%s", path);
	return ret;
}

struct azlx_body {
	char	*buf;
	size_t	len;
	bool	too_big;
};

static size_t azlx_curl_write(char *data, size_t size, size_t nmemb, void *arg)
{
	struct azlx_body *b = arg;
	size_t n = size * nmemb;
	char *nb;

	if (b->len + n > AZLX_IMDS_MAX_BODY) {
		b->too_big = true;
		return 0;
	}
	nb = realloc(b->buf, b->len + n + 1);
	if (!nb)
		return 0;
	b->buf = nb;
	memcpy(b->buf + b->len, data, n);
	b->len += n;
	b->buf[b->len] = '\0';
	return n;
}

/* The libcurl functions used, from dlopen() */
static struct {
	CURLcode		(*global_init)(long flags);
	void			(*global_cleanup)(void);
	CURL			*(*easy_init)(void);
	CURLcode		(*easy_setopt)(CURL *c, CURLoption opt, ...);
	CURLcode		(*easy_perform)(CURL *c);
	CURLcode		(*easy_getinfo)(CURL *c, CURLINFO info, ...);
	const char		*(*easy_strerror)(CURLcode rc);
	void			(*easy_cleanup)(CURL *c);
	struct curl_slist	*(*slist_append)(struct curl_slist *l, const char *s);
	void			(*slist_free_all)(struct curl_slist *l);
} azlx_curl;

static int azlx_curl_load(char *err, size_t err_len)
{
	static const char *const names[] = {
		"curl_global_init", "curl_global_cleanup", "curl_easy_init",
		"curl_easy_setopt", "curl_easy_perform", "curl_easy_getinfo",
		"curl_easy_strerror", "curl_easy_cleanup", "curl_slist_append",
		"curl_slist_free_all",
	};
	void **slots = (void **)&azlx_curl;
	void *lib;
	size_t i;

	_Static_assert(sizeof(azlx_curl) == sizeof(names) / sizeof(names[0]) * sizeof(void *),
		       "one name per libcurl function");
	if (azlx_curl.global_init)
		return 0;
	lib = dlopen("libcurl.so.4", RTLD_NOW | RTLD_LOCAL);
	if (!lib) {
		snprintf(err, err_len, "cannot load libcurl: %s", dlerror());
		return -ENOENT;
	}
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		slots[i] = dlsym(lib, names[i]);
		if (!slots[i]) {
			snprintf(err, err_len, "libcurl has no %s", names[i]);
			memset(&azlx_curl, 0, sizeof(azlx_curl));
			dlclose(lib);
			return -ENOENT;
		}
	}
	return 0;
}

int azlx_imds_fetch(const char *url, long timeout_ms, struct azlx_imds *m,
		    char *err, size_t err_len)
{
	struct curl_slist *hdrs = NULL;
	struct azlx_body body = { 0 };
	curl_off_t retry_after = 0;
	long status = 0;
	CURLcode rc = CURLE_OK;
	CURL *c;
	int attempt, ret = -EIO;

	ret = azlx_curl_load(err, err_len);
	if (ret)
		return ret;
	ret = -EIO;
	if (azlx_curl.global_init(CURL_GLOBAL_NOTHING))
		return -ENOMEM;
	c = azlx_curl.easy_init();
	hdrs = azlx_curl.slist_append(NULL, "Metadata: true");
	if (!c || !hdrs) {
		ret = -ENOMEM;
		goto out;
	}
	azlx_curl.easy_setopt(c, CURLOPT_URL, url);
	azlx_curl.easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
	/* IMDS is link-local: never through a proxy, whatever the environment says */
	azlx_curl.easy_setopt(c, CURLOPT_PROXY, "");
	azlx_curl.easy_setopt(c, CURLOPT_NOPROXY, "*");
	azlx_curl.easy_setopt(c, CURLOPT_TIMEOUT_MS, timeout_ms);
	azlx_curl.easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, timeout_ms);
	azlx_curl.easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	azlx_curl.easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
	azlx_curl.easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http");
	azlx_curl.easy_setopt(c, CURLOPT_WRITEFUNCTION, azlx_curl_write);
	azlx_curl.easy_setopt(c, CURLOPT_WRITEDATA, &body);

	for (attempt = 0; attempt < 2; attempt++) {
		free(body.buf);
		memset(&body, 0, sizeof(body));
		status = 0;
		rc = azlx_curl.easy_perform(c);
		if (rc == CURLE_OK)
			azlx_curl.easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
		if (rc == CURLE_OK && status == 200)
			break;
		if (rc == CURLE_OK && status == 429) {
			/* about 5 requests per second per VM: wait as told */
			retry_after = 1;
			azlx_curl.easy_getinfo(c, CURLINFO_RETRY_AFTER, &retry_after);
			if (retry_after < 1)
				retry_after = 1;
			if (retry_after > AZLX_IMDS_MAX_RETRY_S)
				retry_after = AZLX_IMDS_MAX_RETRY_S;
			if (attempt == 0)
				sleep((unsigned int)retry_after);
		}
	}
	if (rc != CURLE_OK) {
		azlx_strf(err, err_len, "%s", body.too_big ? "reply too large" : azlx_curl.easy_strerror(rc));
		ret = rc == CURLE_OPERATION_TIMEDOUT ? -ETIMEDOUT : -EIO;
		goto out;
	}
	if (status != 200) {
		azlx_strf(err, err_len, "HTTP status %ld%s", status,
			 status == 429 ? " (too many requests)" : "");
		ret = -EIO;
		goto out;
	}
	ret = azlx_imds_parse(body.buf ? body.buf : "", body.len, m, err, err_len);
	if (!ret)
		azlx_strf(m->source, sizeof(m->source), "IMDS");
out:
	free(body.buf);
	azlx_curl.slist_free_all(hdrs);
	if (c)
		azlx_curl.easy_cleanup(c);
	azlx_curl.global_cleanup();
	return ret;
}

const struct azlx_imds_disk *azlx_imds_data_disk(const struct azlx_imds *m, int lun)
{
	int i;

	if (!m || !m->valid)
		return NULL;
	for (i = 0; i < m->ndata; i++)
		if (m->data[i].lun == lun)
			return &m->data[i];
	return NULL;
}
