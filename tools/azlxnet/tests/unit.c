// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests of the tool's pure logic: command matching, module parameter
 * parsing, the print layer, extended ACK parsing, argument parsing.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>
#include <libkmod.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <linux/azlxnet.h>

#include "azlxnet.h"
#include "azlxnet-user.h"
#include "cmd.h"
#include "config.h"
#include "modparam.h"
#include "nlerr.h"
#include "print.h"
#include "status.h"
#include "sysfs.h"
#include "tap.h"
#include "helpers.h"

/* main.c is not linked in */
struct azlx_opts azlx_opts;

static int azlx_test_fn(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	return 0;
}

static const struct azlx_cmd test_cmds[] = {
	{ "show",	azlx_test_fn },
	{ "set",	azlx_test_fn },
	{ "settle",	azlx_test_fn },
	{ "module",	azlx_test_fn },
	{ "monitor",	azlx_test_fn },
	{ "help",	azlx_test_fn },
	{ NULL,		NULL },
};

static void test_cmd_match_exact(void)
{
	char cands[64];

	CHECK(azlx_cmd_match(test_cmds, "show", cands, sizeof(cands)) == 0);
	CHECK(azlx_cmd_match(test_cmds, "monitor", cands, sizeof(cands)) == 4);
	CHECK(azlx_cmd_match(test_cmds, "help", cands, sizeof(cands)) == 5);
}

static void test_cmd_match_prefix(void)
{
	CHECK(azlx_cmd_match(test_cmds, "sh", NULL, 0) == 0);
	CHECK(azlx_cmd_match(test_cmds, "mod", NULL, 0) == 3);
	CHECK(azlx_cmd_match(test_cmds, "mon", NULL, 0) == 4);
	CHECK(azlx_cmd_match(test_cmds, "h", NULL, 0) == 5);
	CHECK(azlx_cmd_match(test_cmds, "sett", NULL, 0) == 2);
}

static void test_cmd_match_exact_beats_prefix(void)
{
	/* "set" is also a prefix of "settle": the exact name wins */
	CHECK(azlx_cmd_match(test_cmds, "set", NULL, 0) == 1);
}

static void test_cmd_match_ambiguous(void)
{
	char cands[64];

	CHECK(azlx_cmd_match(test_cmds, "s", cands, sizeof(cands)) == AZLX_MATCH_AMBIGUOUS);
	CHECK_STR(cands, "show, set, settle");
	CHECK(azlx_cmd_match(test_cmds, "se", cands, sizeof(cands)) == AZLX_MATCH_AMBIGUOUS);
	CHECK_STR(cands, "set, settle");
	CHECK(azlx_cmd_match(test_cmds, "mo", cands, sizeof(cands)) == AZLX_MATCH_AMBIGUOUS);
	CHECK_STR(cands, "module, monitor");
	/* a short buffer truncates, never overflows */
	CHECK(azlx_cmd_match(test_cmds, "s", cands, 6) == AZLX_MATCH_AMBIGUOUS);
	CHECK_STR(cands, "show,");
}

static void test_cmd_match_none(void)
{
	char cands[64];

	CHECK(azlx_cmd_match(test_cmds, "x", cands, sizeof(cands)) == AZLX_MATCH_NONE);
	CHECK(azlx_cmd_match(test_cmds, "", cands, sizeof(cands)) == AZLX_MATCH_NONE);
	CHECK(azlx_cmd_match(test_cmds, "shows", cands, sizeof(cands)) == AZLX_MATCH_NONE);
	CHECK(cands[0] == '\0');
}

static void test_cmd_is_help(void)
{
	CHECK(azlx_is_help("help"));
	CHECK(azlx_is_help("he"));
	CHECK(azlx_is_help("h"));
	CHECK(!azlx_is_help(""));
	CHECK(!azlx_is_help("helpme"));
	CHECK(!azlx_is_help("show"));
}

static void test_cmd_lookup_usage_error(void)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);

	CHECK(out);
	azlx_print_init(out, true, false);
	CHECK(!azlx_cmd_lookup(test_cmds, "mo", "command", "azlxnet x"));
	fflush(out);
	CHECK_STR(buf, "{\"error\":\"ambiguous command \\\"mo\\\" for \\\"azlxnet x\\\": module, monitor\"}\n");
	fclose(out);
	free(buf);
}

static void test_modparam_args_ok(void)
{
	char *argv[] = { "synthetic_drivers=hv_netvsc", "vf_drivers=a b", "x-y=", "n=1=2" };
	char err[128] = "", *opts;

	CHECK(!azlx_modparams_parse_args(NULL, 4, argv, &opts, err, sizeof(err)));
	CHECK_STR(opts, "synthetic_drivers=hv_netvsc vf_drivers=\"a b\" x-y= n=1=2");
	free(opts);

	CHECK(!azlx_modparams_parse_args(NULL, 0, argv, &opts, err, sizeof(err)));
	CHECK_STR(opts, "");
	free(opts);
}

static void test_modparam_args_syntax(void)
{
	char *bad[][1] = { { "bogus" }, { "=1" }, { "a.b=1" }, { "a b=1" },
			   { "v=\"x\"" } };
	const char *why[] = { "\"bogus\" is not PARAM=VALUE",
			      "invalid parameter name \"\"",
			      "invalid parameter name \"a.b\"",
			      "invalid parameter name \"a b\"",
			      "value of \"v\" contains a '\"'" };
	char err[128], *opts = (char *)1;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		CHECK(azlx_modparams_parse_args(NULL, 1, bad[i], &opts, err, sizeof(err)) == -EINVAL);
		CHECK(opts == NULL);
		CHECK_STR(err, why[i]);
	}
}

static void azlx_declare(struct azlx_modparams *p)
{
	azlx_modparams_init(p);
	CHECK(!azlx_modparams_add_info(p, "parm", "synthetic_drivers:Synthetic NIC drivers"));
	CHECK(!azlx_modparams_add_info(p, "parmtype", "synthetic_drivers:charp"));
	CHECK(!azlx_modparams_add_info(p, "parmtype", "vf_drivers:charp"));
}

static void test_modparam_args_declared(void)
{
	char *ok[] = { "vf-drivers=mana", "synthetic_drivers=" };
	char *bad[] = { "vf_drivers=mana", "bogus=1" };
	struct azlx_modparams p;
	char err[256], *opts;

	azlx_declare(&p);
	/* '-' and '_' are the same to the kernel; the module's spelling is sent */
	CHECK(!azlx_modparams_parse_args(&p, 2, ok, &opts, err, sizeof(err)));
	CHECK_STR(opts, "vf_drivers=mana synthetic_drivers=");
	free(opts);

	CHECK(azlx_modparams_parse_args(&p, 2, bad, &opts, err, sizeof(err)) == -EINVAL);
	CHECK_STR(err, "unknown parameter \"bogus\" (azlxnet declares: synthetic_drivers, vf_drivers)");
	azlx_modparams_free(&p);

	azlx_modparams_init(&p);
	CHECK(azlx_modparams_parse_args(&p, 1, bad, &opts, err, sizeof(err)) == -EINVAL);
	CHECK_STR(err, "unknown parameter \"vf_drivers\" (azlxnet declares: none)");
}

static void test_modparam_add_info(void)
{
	struct azlx_modparams p;
	struct azlx_modparam *mp;

	azlx_declare(&p);
	CHECK(!azlx_modparams_add_info(&p, "version", "0.1.0"));
	CHECK(!azlx_modparams_add_info(&p, "parm", "vf_drivers:VF drivers: a list"));
	CHECK(azlx_modparams_add_info(&p, "parm", "no colon") == -EINVAL);
	CHECK(azlx_modparams_add_info(&p, "parm", ":empty name") == -EINVAL);
	CHECK(p.n == 2);

	mp = azlx_modparams_find(&p, "synthetic-drivers", strlen("synthetic-drivers"));
	CHECK(mp);
	CHECK_STR(mp->name, "synthetic_drivers");
	CHECK_STR(mp->type, "charp");
	CHECK_STR(mp->desc, "Synthetic NIC drivers");
	mp = azlx_modparams_find(&p, "vf_drivers", strlen("vf_drivers"));
	CHECK(mp);
	CHECK_STR(mp->type, "charp");
	/* only the first ':' separates the name */
	CHECK_STR(mp->desc, "VF drivers: a list");
	CHECK(!azlx_modparams_find(&p, "vf", 2));
	azlx_modparams_free(&p);
	CHECK(p.n == 0 && !p.v);
}

/* The .modinfo of a real ELF object, read by libkmod as for azlxnet.ko. */
static void test_modparam_modinfo_libkmod(void)
{
	const char *path = getenv("AZLXNET_FAKE_KO");
	struct kmod_list *info = NULL, *l;
	struct azlx_modparams p;
	struct kmod_module *mod;
	struct kmod_ctx *ctx;
	struct azlx_modparam *mp;
	int n = 0;

	if (!path) {
		printf("# AZLXNET_FAKE_KO not set\n");
		exit(1);
	}
	ctx = kmod_new(NULL, NULL);
	CHECK(ctx);
	kmod_set_log_priority(ctx, 0);
	CHECK(!kmod_module_new_from_path(ctx, path, &mod));
	CHECK_STR(kmod_module_get_name(mod), "azlxnet");
	CHECK(kmod_module_get_info(mod, &info) > 0);

	azlx_modparams_init(&p);
	kmod_list_foreach(l, info) {
		CHECK(azlx_modparams_add_info(&p, kmod_module_info_get_key(l),
					      kmod_module_info_get_value(l)) == 0);
		n++;
	}
	CHECK(n >= 9);
	CHECK(p.n == 3);
	mp = azlx_modparams_find(&p, "debug_level", strlen("debug_level"));
	CHECK(mp && mp->type && !mp->desc);
	CHECK_STR(mp->type, "uint");
	mp = azlx_modparams_find(&p, "vf_drivers", strlen("vf_drivers"));
	CHECK(mp);
	CHECK_STR(mp->desc, "Comma-separated VF drivers");

	azlx_modparams_free(&p);
	kmod_module_info_free_list(info);
	kmod_module_unref(mod);
	kmod_unref(ctx);
}

static void print_sample(void)
{
	azlx_print_open_object(NULL);
	azlx_print_string(AZLX_PRINT_ANY, "name", "name %s\n", "azlxnet");
	azlx_print_bool(AZLX_PRINT_JSON, "loaded", NULL, true);
	azlx_print_uint(AZLX_PRINT_ANY, "refcnt", "refcnt %llu\n", 3);
	azlx_print_int(AZLX_PRINT_ANY, "delta", "delta %lld\n", -2);
	azlx_print_string(AZLX_PRINT_TEXT, NULL, "text only %s\n", "x");
	azlx_print_null("path");
	azlx_print_open_array("drivers");
	azlx_print_string(AZLX_PRINT_ANY, NULL, "%s", "mana");
	azlx_print_string(AZLX_PRINT_ANY, NULL, " %s", "mlx5_core");
	azlx_print_close_array();
	azlx_print_text("\n");
	azlx_print_open_object("kfuncs");
	azlx_print_bool(AZLX_PRINT_ANY, "available", "kfuncs %s\n", false);
	azlx_print_string(AZLX_PRINT_ANY, "error", "error \"%s\"\n", "a \"quoted\"/path");
	azlx_print_close_object();
	azlx_print_close_object();
	azlx_print_flush();
}

static void test_print_json(void)
{
	struct capture c;

	capture_start(&c, true, false);
	print_sample();
	CHECK_STR(capture_end(&c),
		  "{\"name\":\"azlxnet\",\"loaded\":true,\"refcnt\":3,\"delta\":-2,"
		  "\"path\":null,\"drivers\":[\"mana\",\"mlx5_core\"],"
		  "\"kfuncs\":{\"available\":false,\"error\":\"a \\\"quoted\\\"/path\"}}\n");
	capture_free(&c);
}

static void test_print_json_pretty(void)
{
	json_object *doc, *v;
	struct capture c;

	capture_start(&c, true, true);
	print_sample();
	capture_end(&c);
	CHECK(strchr(c.buf, '\n') < c.buf + c.len - 1);	/* several lines */
	doc = json_tokener_parse(c.buf);
	CHECK(doc);
	CHECK(json_object_object_get_ex(doc, "kfuncs", &v));
	CHECK(json_object_object_get_ex(v, "available", &v));
	CHECK(!json_object_get_boolean(v));
	CHECK(json_object_object_get_ex(doc, "drivers", &v));
	CHECK(json_object_array_length(v) == 2);
	json_object_put(doc);
	capture_free(&c);
}

static void test_print_text(void)
{
	struct capture c;

	capture_start(&c, false, false);
	print_sample();
	CHECK_STR(capture_end(&c),
		  "name azlxnet\nrefcnt 3\ndelta -2\ntext only x\nmana mlx5_core\n"
		  "kfuncs no\nerror \"a \"quoted\"/path\"\n");
	capture_free(&c);
}

static void test_print_empty_document(void)
{
	struct capture c;

	/* nothing printed: nothing written, unless the command asks for {} */
	capture_start(&c, true, false);
	azlx_print_flush();
	CHECK(!c.len || !capture_end(&c)[0]);
	azlx_print_begin();
	azlx_print_flush();
	CHECK_STR(capture_end(&c), "{}\n");
	capture_free(&c);
}

static void test_print_error_json(void)
{
	struct capture c;

	capture_start(&c, true, false);
	azlx_print_string(AZLX_PRINT_ANY, "half", "%s", "done");
	CHECK(azlx_error(AZLX_EXIT_NOMOD, "module %s is %s", "azlxnet", "gone") == AZLX_EXIT_NOMOD);
	/* the half-built document is dropped: flush writes nothing more */
	azlx_print_flush();
	CHECK_STR(capture_end(&c), "{\"error\":\"module azlxnet is gone\"}\n");
	capture_free(&c);

	capture_start(&c, true, false);
	CHECK(azlx_error_op(AZLX_EXIT_ERR, "config-set", EINVAL, "bad name",
			    "%s (%s failed: %s)", "bad name", "config-set",
			    "invalid argument") == AZLX_EXIT_ERR);
	CHECK_STR(capture_end(&c),
		  "{\"error\":\"bad name (config-set failed: invalid argument)\","
		  "\"operation\":\"config-set\",\"errno\":\"EINVAL\",\"extack\":\"bad name\"}\n");
	capture_free(&c);
}

static void test_print_error_text(void)
{
	char buf[256] = "";
	struct capture c;
	FILE *tmp = tmpfile();
	ssize_t n;

	CHECK(tmp);
	fflush(stderr);
	CHECK(dup2(fileno(tmp), STDERR_FILENO) == STDERR_FILENO);
	capture_start(&c, false, false);
	CHECK(azlx_error(AZLX_EXIT_USAGE, "unknown object \"%s\"", "x") == AZLX_EXIT_USAGE);
	azlx_warn("careful");
	fflush(stderr);
	CHECK(pread(fileno(tmp), buf, sizeof(buf) - 1, 0) > 0);
	n = strlen(buf);
	CHECK(n > 0);
	CHECK_STR(buf, "Error: unknown object \"x\"\nWarning: careful\n");
	/* nothing on stdout */
	CHECK(!c.len || !capture_end(&c)[0]);
	capture_free(&c);
	fclose(tmp);
}

static void test_extack_capped(void)
{
	const char msg[] = "invalid driver name";
	struct azlx_extack ext;
	__u32 offs = 28;
	struct nlbuf b;

	nlbuf_error(&b, -EINVAL, NLM_F_CAPPED | NLM_F_ACK_TLVS, 40, false);
	nlbuf_attr(&b, NLMSGERR_ATTR_MSG, msg, sizeof(msg));
	nlbuf_attr(&b, NLMSGERR_ATTR_OFFS, &offs, sizeof(offs));
	nlbuf_end(&b);

	CHECK(!azlx_extack_parse(&b.nlh, &ext));
	CHECK(ext.error == -EINVAL);
	CHECK_STR(ext.msg, "invalid driver name");
	CHECK(ext.has_offs && ext.offs == 28);
}

static void test_extack_uncapped(void)
{
	const char msg[] = "string too long";
	struct azlx_extack ext;
	struct nlbuf b;

	/* a 29-byte request is echoed in full, padded to 32 */
	nlbuf_error(&b, -ERANGE, NLM_F_ACK_TLVS, 29, true);
	CHECK(b.len == NLMSG_HDRLEN + sizeof(struct nlmsgerr) + 16);
	nlbuf_attr(&b, NLMSGERR_ATTR_MSG, msg, sizeof(msg));
	nlbuf_end(&b);

	CHECK(!azlx_extack_parse(&b.nlh, &ext));
	CHECK(ext.error == -ERANGE);
	CHECK_STR(ext.msg, "string too long");
	CHECK(!ext.has_offs);
}

static void test_extack_no_tlvs(void)
{
	const char msg[] = "not to be read";
	struct azlx_extack ext;
	struct nlbuf b;

	/* TLV bytes without NLM_F_ACK_TLVS are not TLVs */
	nlbuf_error(&b, -EPERM, NLM_F_CAPPED, 20, false);
	nlbuf_attr(&b, NLMSGERR_ATTR_MSG, msg, sizeof(msg));
	nlbuf_end(&b);
	CHECK(!azlx_extack_parse(&b.nlh, &ext));
	CHECK(ext.error == -EPERM);
	CHECK(!ext.msg);

	/* a plain ACK */
	nlbuf_error(&b, 0, NLM_F_CAPPED, 20, false);
	nlbuf_end(&b);
	CHECK(!azlx_extack_parse(&b.nlh, &ext));
	CHECK(ext.error == 0 && !ext.msg);
}

static void test_extack_malformed(void)
{
	const char unterminated[4] = { 'a', 'b', 'c', 'd' };
	struct azlx_extack ext;
	struct nlattr *nla;
	struct nlbuf b;

	/* too short for a nlmsgerr */
	nlbuf_error(&b, -EINVAL, 0, 20, false);
	b.nlh.nlmsg_len = NLMSG_HDRLEN + 8;
	CHECK(azlx_extack_parse(&b.nlh, &ext) == -EINVAL);

	/* a message without its NUL is ignored */
	nlbuf_error(&b, -EINVAL, NLM_F_CAPPED | NLM_F_ACK_TLVS, 20, false);
	nlbuf_attr(&b, NLMSGERR_ATTR_MSG, unterminated, sizeof(unterminated));
	nlbuf_end(&b);
	CHECK(!azlx_extack_parse(&b.nlh, &ext));
	CHECK(!ext.msg && ext.error == -EINVAL);

	/* an attribute claiming more than the message holds */
	nlbuf_error(&b, -EINVAL, NLM_F_CAPPED | NLM_F_ACK_TLVS, 20, false);
	nla = nlbuf_put(&b, NULL, NLA_HDRLEN);
	nla->nla_type = NLMSGERR_ATTR_MSG;
	nla->nla_len = 200;
	nlbuf_end(&b);
	CHECK(!azlx_extack_parse(&b.nlh, &ext));
	CHECK(!ext.msg);

	/* an echoed request longer than the error message itself */
	nlbuf_error(&b, -EINVAL, NLM_F_ACK_TLVS, 400, false);
	nlbuf_end(&b);
	CHECK(!azlx_extack_parse(&b.nlh, &ext));
	CHECK(!ext.msg);

	/* a wrong-sized offset */
	nlbuf_error(&b, -EINVAL, NLM_F_CAPPED | NLM_F_ACK_TLVS, 20, false);
	nlbuf_attr(&b, NLMSGERR_ATTR_OFFS, "ab", 2);
	nlbuf_end(&b);
	CHECK(!azlx_extack_parse(&b.nlh, &ext));
	CHECK(!ext.has_offs);
}

static void test_extack_attr_type(void)
{
	struct nlmsghdr hdr = { .nlmsg_type = 0x20 };
	struct genlmsghdr genl = { .cmd = AZLXNET_CMD_CONFIG_SET, .version = 1 };
	size_t vf_offs;
	struct nlbuf b;

	memset(&b, 0, sizeof(b));
	nlbuf_put(&b, &hdr, sizeof(hdr));
	nlbuf_put(&b, &genl, sizeof(genl));
	nlbuf_attr(&b, AZLXNET_A_INFO_SYNTHETIC_DRIVERS, "hv_netvsc", 10);
	vf_offs = b.len;
	nlbuf_attr(&b, AZLXNET_A_INFO_VF_DRIVERS, "bad name", 9);
	nlbuf_end(&b);

	CHECK(azlx_extack_attr_type(&b.nlh, NLMSG_HDRLEN + GENL_HDRLEN) ==
	      AZLXNET_A_INFO_SYNTHETIC_DRIVERS);
	CHECK(azlx_extack_attr_type(&b.nlh, vf_offs) == AZLXNET_A_INFO_VF_DRIVERS);
	CHECK_STR(azlx_info_attr_name(azlx_extack_attr_type(&b.nlh, vf_offs)), "vf-drivers");
	CHECK(azlx_extack_attr_type(&b.nlh, 4) == -1);
	CHECK(azlx_extack_attr_type(&b.nlh, b.len) == -1);
	CHECK(azlx_extack_attr_type(&b.nlh, b.len - 2) == -1);
	CHECK(azlx_extack_attr_type(&b.nlh, 0xffffffffu) == -1);
	CHECK(!azlx_info_attr_name(0));
	CHECK(!azlx_info_attr_name(AZLXNET_A_INFO_MAX + 1));
	/* the spec's max-len, plus the NUL libnl counts */
	CHECK(azlx_info_policy[AZLXNET_A_INFO_VF_DRIVERS].type == NLA_STRING);
	CHECK(azlx_info_policy[AZLXNET_A_INFO_VF_DRIVERS].maxlen == AZLXNET_DRIVERS_MAX_LEN + 1);
}

static void test_nl_strerror(void)
{
	CHECK_STR(azlx_nl_strerror(EPERM), "operation not permitted (needs CAP_NET_ADMIN)");
	CHECK(strstr(azlx_nl_strerror(EOPNOTSUPP), "not supported"));
	CHECK_STR(azlx_nl_strerror(EINVAL), "invalid argument");
	CHECK_STR(azlx_nl_strerror(ENOSPC), strerror(ENOSPC));
}

static void test_config_parse_set(void)
{
	char *argv1[] = { "synthetic-drivers", "hv_netvsc", "vf-drivers", "" };
	char *argv2[] = { "v", "mana,mlx5_core" };
	struct azlx_config_args a;
	struct capture c;

	capture_start(&c, true, false);
	CHECK(azlx_config_parse_set(4, argv1, &a) == AZLX_EXIT_OK);
	CHECK_STR(a.synthetic_drivers, "hv_netvsc");
	CHECK_STR(a.vf_drivers, "");
	CHECK(azlx_config_parse_set(2, argv2, &a) == AZLX_EXIT_OK);
	CHECK(!a.synthetic_drivers);
	CHECK_STR(a.vf_drivers, "mana,mlx5_core");
	CHECK(!c.len || !capture_end(&c)[0]);
	capture_free(&c);
}

static void test_config_parse_set_errors(void)
{
	char *dup[] = { "vf", "a", "vf-drivers", "b" };
	char *missing[] = { "synthetic" };
	char *unknown[] = { "bogus", "x" };
	struct azlx_config_args a;
	struct capture c;

	capture_start(&c, true, false);
	CHECK(azlx_config_parse_set(0, NULL, &a) == AZLX_EXIT_USAGE);
	CHECK(strstr(capture_end(&c), "needs synthetic-drivers LIST"));
	capture_free(&c);

	capture_start(&c, true, false);
	CHECK(azlx_config_parse_set(4, dup, &a) == AZLX_EXIT_USAGE);
	CHECK_STR(capture_end(&c), "{\"error\":\"vf-drivers given twice\"}\n");
	capture_free(&c);

	capture_start(&c, true, false);
	CHECK(azlx_config_parse_set(1, missing, &a) == AZLX_EXIT_USAGE);
	CHECK_STR(capture_end(&c),
		  "{\"error\":\"synthetic-drivers needs a LIST (\\\"\\\" for none)\"}\n");
	capture_free(&c);

	capture_start(&c, true, false);
	CHECK(azlx_config_parse_set(2, unknown, &a) == AZLX_EXIT_USAGE);
	CHECK(strstr(capture_end(&c), "unknown keyword \\\"bogus\\\""));
	capture_free(&c);
}

static void test_print_drivers(void)
{
	struct capture c;

	capture_start(&c, true, false);
	azlx_print_drivers("vf_drivers", "vf drivers", "mana,,mlx5_core,mlx4_en,");
	azlx_print_drivers("synthetic_drivers", "synthetic drivers", "");
	azlx_print_flush();
	CHECK_STR(capture_end(&c),
		  "{\"vf_drivers\":[\"mana\",\"mlx5_core\",\"mlx4_en\"],\"synthetic_drivers\":[]}\n");
	capture_free(&c);

	capture_start(&c, false, false);
	azlx_print_drivers("vf_drivers", "vf drivers", "mana,mlx5_core,mlx4_en");
	azlx_print_drivers("synthetic_drivers", "synthetic drivers", "");
	CHECK_STR(capture_end(&c),
		  "vf drivers: mana mlx5_core mlx4_en\nsynthetic drivers: none\n");
	capture_free(&c);
}

static void test_sysfs_read(void)
{
	char dir[] = "/tmp/azlxnet-unit-XXXXXX";
	char path[256], buf[16];
	FILE *f;

	CHECK(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/refcnt", dir);
	f = fopen(path, "w");
	CHECK(f);
	fputs("12\n\n", f);
	fclose(f);

	unsetenv(AZLX_SYSFS_ENV);
	CHECK_STR(azlx_sysfs_base(), "/sys");
	CHECK(!azlx_sysfs_is_fake());
	setenv(AZLX_SYSFS_ENV, dir, 1);
	CHECK(azlx_sysfs_is_fake());
	CHECK(azlx_sysfs_read("refcnt", buf, sizeof(buf)) == 2);
	CHECK_STR(buf, "12");
	CHECK(azlx_sysfs_read("missing", buf, sizeof(buf)) == -ENOENT);
	/* a short buffer truncates */
	CHECK(azlx_sysfs_read("refcnt", buf, 2) == 1);
	CHECK_STR(buf, "1");
	unlink(path);
	rmdir(dir);
}

static void status_sample(struct azlx_info_version *ver, struct azlx_info_config *cfg,
			  struct azlx_kfunc_result *kf)
{
	memset(ver, 0, sizeof(*ver));
	memset(cfg, 0, sizeof(*cfg));
	memset(kf, 0, sizeof(*kf));
	strcpy(ver->module_version, "0.1.0");
	ver->api_version = AZLXNET_API_VERSION;
	ver->has_api_version = 1;
	strcpy(cfg->synthetic_drivers, "hv_netvsc");
	strcpy(cfg->vf_drivers, "mana,mlx5_core,mlx4_en");
	kf->available = true;
	kf->api_version = AZLXNET_API_VERSION;
}

#define API	"%d"	/* AZLXNET_API_VERSION in the expected output */

static void test_status_print(void)
{
	struct azlx_info_version ver;
	struct azlx_info_config cfg;
	struct azlx_kfunc_result kf;
	struct capture c;
	char want[512];

	status_sample(&ver, &cfg, &kf);
	capture_start(&c, true, false);
	azlx_status_print(&ver, &cfg, &kf);
	azlx_print_flush();
	snprintf(want, sizeof(want),
		 "{\"module\":{\"loaded\":true,\"version\":\"0.1.0\",\"api_version\":" API "},"
		 "\"config\":{\"synthetic_drivers\":[\"hv_netvsc\"],"
		 "\"vf_drivers\":[\"mana\",\"mlx5_core\",\"mlx4_en\"]},"
		 "\"kfuncs\":{\"available\":true,\"api_version\":" API "}}\n",
		 AZLXNET_API_VERSION, AZLXNET_API_VERSION);
	CHECK_STR(capture_end(&c), want);
	capture_free(&c);

	capture_start(&c, false, false);
	azlx_status_print(&ver, &cfg, &kf);
	snprintf(want, sizeof(want),
		 "module: azlxnet 0.1.0 (api " API ")\n"
		 "synthetic drivers: hv_netvsc\n"
		 "vf drivers: mana mlx5_core mlx4_en\n"
		 "kfuncs: available (api " API ")\n",
		 AZLXNET_API_VERSION, AZLXNET_API_VERSION);
	CHECK_STR(capture_end(&c), want);
	capture_free(&c);

	/* a kfunc API level other than the module's is pointed out */
	kf.api_version = AZLXNET_API_VERSION + 1;
	capture_start(&c, false, false);
	azlx_status_print(&ver, &cfg, &kf);
	CHECK(strstr(capture_end(&c), "(differs from the module's netlink api)"));
	capture_free(&c);
}

static void test_status_print_kfuncs_unavailable(void)
{
	struct azlx_info_version ver;
	struct azlx_info_config cfg;
	struct azlx_kfunc_result kf;
	struct capture c;

	status_sample(&ver, &cfg, &kf);
	kf.available = false;
	kf.err = EPERM;
	strcpy(kf.error, "cannot load the probe: operation not permitted");
	cfg.vf_drivers[0] = '\0';

	capture_start(&c, true, false);
	azlx_status_print(&ver, &cfg, &kf);
	azlx_print_flush();
	CHECK(strstr(capture_end(&c),
		     "\"vf_drivers\":[]},\"kfuncs\":{\"available\":false,"
		     "\"error\":\"cannot load the probe: operation not permitted\"}}\n"));
	capture_free(&c);

	capture_start(&c, false, false);
	azlx_status_print(&ver, &cfg, &kf);
	CHECK(strstr(capture_end(&c),
		     "vf drivers: none\n"
		     "kfuncs: unavailable (cannot load the probe: operation not permitted)\n"));
	capture_free(&c);
}

#define TEST(fn)	{ #fn, fn }

static const struct azlx_test tests[] = {
	TEST(test_cmd_match_exact),
	TEST(test_cmd_match_prefix),
	TEST(test_cmd_match_exact_beats_prefix),
	TEST(test_cmd_match_ambiguous),
	TEST(test_cmd_match_none),
	TEST(test_cmd_is_help),
	TEST(test_cmd_lookup_usage_error),
	TEST(test_modparam_args_ok),
	TEST(test_modparam_args_syntax),
	TEST(test_modparam_args_declared),
	TEST(test_modparam_add_info),
	TEST(test_modparam_modinfo_libkmod),
	TEST(test_print_json),
	TEST(test_print_json_pretty),
	TEST(test_print_text),
	TEST(test_print_empty_document),
	TEST(test_print_error_json),
	TEST(test_print_error_text),
	TEST(test_extack_capped),
	TEST(test_extack_uncapped),
	TEST(test_extack_no_tlvs),
	TEST(test_extack_malformed),
	TEST(test_extack_attr_type),
	TEST(test_nl_strerror),
	TEST(test_config_parse_set),
	TEST(test_config_parse_set_errors),
	TEST(test_print_drivers),
	TEST(test_sysfs_read),
	TEST(test_status_print),
	TEST(test_status_print_kfuncs_unavailable),
};

int main(void)
{
	const struct {
		const struct azlx_test	*v;
		size_t			n;
	} suites[] = {
		{ tests, sizeof(tests) / sizeof(tests[0]) },
		/* tests/unit-nic.c, unit-pod.c, unit-disktel.c and unit-metrics.c */
		{ azlx_nic_tests, azlx_nic_ntests },
		{ azlx_pod_tests, azlx_pod_ntests },
		{ azlx_disktel_tests, azlx_disktel_ntests },
		{ azlx_metrics_tests, azlx_metrics_ntests },
	};
	struct azlx_test *all;
	size_t n = 0, i;
	int ret;

	for (i = 0; i < sizeof(suites) / sizeof(suites[0]); i++)
		n += suites[i].n;
	all = calloc(n, sizeof(*all));
	CHECK(all);
	for (n = 0, i = 0; i < sizeof(suites) / sizeof(suites[0]); i++) {
		memcpy(all + n, suites[i].v, suites[i].n * sizeof(*all));
		n += suites[i].n;
	}
	ret = azlx_tap_run(all, n);
	free(all);
	return ret;
}
