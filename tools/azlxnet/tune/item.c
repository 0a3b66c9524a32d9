// SPDX-License-Identifier: GPL-2.0-only
/*
 * The values of azlxnet tune's items: reading an item's current value
 * (sysfs/procfs under the root, ethtool, the module, a configuration file)
 * and comparing two values of its type. The rules (plan.c) decide; this
 * reads and compares; planprint.c prints.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "azlxnet.h"

#include "ethtool.h"
#include "item.h"

static void azlx_fold(const char *s, char *out, size_t len)
{
	size_t o = 0;
	bool blank = false;

	for (; *s && o + 1 < len; s++) {
		if (*s == ' ' || *s == '\t' || *s == '\n') {
			blank = o > 0;
			continue;
		}
		if (blank && o + 2 < len)
			out[o++] = ' ';
		blank = false;
		out[o++] = *s;
	}
	out[o] = '\0';
}

bool azlx_value_equal(int type, const char *a, const char *b)
{
	struct azlx_cpuset x, y;
	char fa[256], fb[256];
	char *ea, *eb;
	long va, vb;

	switch (type) {
	case AZLX_VT_INT:
		va = strtol(a, &ea, 10);
		vb = strtol(b, &eb, 10);
		return ea != a && eb != b && va == vb;
	case AZLX_VT_CPULIST:
		return !azlx_cpulist_parse(a, &x) && !azlx_cpulist_parse(b, &y) &&
		       azlx_cpuset_equal(&x, &y);
	case AZLX_VT_CPUMASK:
		return !azlx_cpumask_parse(a, &x) && !azlx_cpumask_parse(b, &y) &&
		       azlx_cpuset_equal(&x, &y);
	default:
		azlx_fold(a, fa, sizeof(fa));
		azlx_fold(b, fb, sizeof(fb));
		return !strcmp(fa, fb);
	}
}

/* The bracketed word of "[none] mq-deadline kyber" into @out. */
int azlx_selector(const char *raw, char *out, size_t len)
{
	const char *o = strchr(raw, '['), *c;

	if (!o || !(c = strchr(o, ']')))
		return -EINVAL;
	azlx_strf(out, len, "%.*s", (int)(c - o - 1), o + 1);
	return 0;
}

bool azlx_selector_offers(const char *raw, const char *word)
{
	char buf[512], *tok, *save = NULL;

	azlx_strf(buf, sizeof(buf), "%s", raw);
	for (tok = strtok_r(buf, " []", &save); tok; tok = strtok_r(NULL, " []", &save))
		if (!strcmp(tok, word))
			return true;
	return false;
}

int azlx_item_read(const struct azlx_item *it, char *buf, size_t len, char *err, size_t err_len)
{
	struct azlx_ethtool e;
	char raw[512];
	int ret;

	switch (it->kind) {
	case AZLX_ITEM_FILE:
		ret = azlx_fs_read(it->path, raw, sizeof(raw));
		if (ret < 0) {
			azlx_strf(err, err_len, "%s: %s", it->path, strerror(-ret));
			return ret;
		}
		if (it->value_type == AZLX_VT_SELECTOR) {
			if (azlx_selector(raw, buf, len)) {
				azlx_strf(err, err_len, "%s: no [selected] entry in \"%s\"",
					 it->path, raw);
				return -EINVAL;
			}
			return 0;
		}
		azlx_strf(buf, len, "%s", raw);
		return 0;
	case AZLX_ITEM_ETHTOOL:
		ret = azlx_ethtool_get(it->path, &e, err, err_len);
		if (ret)
			return ret;
		if (!e.v[it->eth].supported) {
			azlx_strf(err, err_len, "%s: %s not reported", it->path,
				 azlx_eth_setting_name(it->eth));
			return -EOPNOTSUPP;
		}
		if (it->eth == AZLX_ETH_LRO)
			azlx_strf(buf, len, "%s", e.v[it->eth].cur ? "on" : "off");
		else
			azlx_strf(buf, len, "%lu", e.v[it->eth].cur);
		return 0;
	case AZLX_ITEM_MODULE:
		azlx_strf(buf, len, "%s", azlx_fs_is_dir("/sys/module/" AZLX_MODULE_NAME) ?
			 "loaded" : "not loaded");
		return 0;
	case AZLX_ITEM_CONFFILE: {
		char *content = azlx_fs_read_all(it->path, NULL);

		if (!content) {
			if (errno != ENOENT) {
				azlx_strf(err, err_len, "%s: %s", it->path, strerror(errno));
				return -errno;
			}
			azlx_strf(buf, len, "absent");
			return 0;
		}
		azlx_strf(buf, len, "%s", !it->content || strcmp(content, it->content) ?
			 "other content" : "as planned");
		free(content);
		return 0;
	}
	}
	return -EINVAL;
}
