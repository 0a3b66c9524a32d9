// SPDX-License-Identifier: GPL-2.0-only
/*
 * Run-time configuration: the driver-name lists that say which net devices
 * are synthetic NICs and which are their VFs. Set as module parameters (at
 * load, from /etc/modprobe.d, or later through sysfs) or with the generic
 * netlink config-set operation; both go through one parser and one setter.
 *
 * The lists are read on the control path only (netdevice notifier, netlink),
 * never per packet, so a mutex is all they need.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/ctype.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/mutex.h>
#include <linux/string.h>

#include "azlxnet.h"

static DEFINE_MUTEX(azlxnet_config_lock);

static struct azlxnet_drvlist azlxnet_drvlists[AZLXNET_DRV_NLISTS] = {
	[AZLXNET_DRV_SYNTHETIC] = {
		.n	= 1,
		.name	= { "hv_netvsc" },
	},
	[AZLXNET_DRV_VF] = {
		.n	= 3,
		.name	= { "mana", "mlx5_core", "mlx4_en" },
	},
};

/* The kernel's isalnum() takes Latin-1 letters too: stay within ASCII. */
static bool azlxnet_driver_char_ok(char c)
{
	return (isascii(c) && isalnum(c)) || c == '_' || c == '-' || c == '.';
}

/**
 * azlxnet_drvlist_parse - parse a comma-separated driver-name list
 * @val: the list
 * @len: its length
 * @list: filled on success, untouched on error
 * @extack: receives the reason on error
 * @attr: attribute to blame in @extack, or NULL
 *
 * The empty list is valid. Names are 1 to AZLXNET_DRIVER_NAMSIZ - 1
 * characters from [A-Za-z0-9_.-], at most AZLXNET_DRIVERS_MAX of them, each
 * once.
 *
 * Return: 0 or -EINVAL.
 */
int azlxnet_drvlist_parse(const char *val, size_t len,
			  struct azlxnet_drvlist *list,
			  struct netlink_ext_ack *extack,
			  const struct nlattr *attr)
{
	struct azlxnet_drvlist new = {};
	const char *p = val;
	unsigned int i;

	if (len > AZLXNET_DRIVERS_MAX_LEN) {
		NL_SET_ERR_MSG_ATTR(extack, attr, "driver list too long");
		return -EINVAL;
	}

	while (len) {
		const char *end = memchr(p, ',', len);
		size_t n = end ? end - p : len;

		if (!n) {
			NL_SET_ERR_MSG_ATTR(extack, attr, "empty driver name in list");
			return -EINVAL;
		}
		if (n >= AZLXNET_DRIVER_NAMSIZ) {
			NL_SET_ERR_MSG_ATTR(extack, attr, "driver name too long");
			return -EINVAL;
		}
		for (i = 0; i < n; i++) {
			if (!azlxnet_driver_char_ok(p[i])) {
				NL_SET_ERR_MSG_ATTR(extack, attr,
						    "invalid character in driver name");
				return -EINVAL;
			}
		}
		if (new.n == AZLXNET_DRIVERS_MAX) {
			NL_SET_ERR_MSG_ATTR(extack, attr, "too many drivers in list");
			return -EINVAL;
		}
		memcpy(new.name[new.n], p, n);
		for (i = 0; i < new.n; i++) {
			if (!strcmp(new.name[i], new.name[new.n])) {
				NL_SET_ERR_MSG_ATTR(extack, attr,
						    "duplicate driver name in list");
				return -EINVAL;
			}
		}
		new.n++;

		if (!end)
			break;
		len -= n + 1;
		p = end + 1;
		if (!len) {
			NL_SET_ERR_MSG_ATTR(extack, attr, "empty driver name in list");
			return -EINVAL;
		}
	}

	*list = new;
	return 0;
}

static bool azlxnet_drvlist_has(const struct azlxnet_drvlist *list,
				const char *driver)
{
	unsigned int i;

	for (i = 0; i < list->n; i++)
		if (!strcmp(list->name[i], driver))
			return true;
	return false;
}

static void azlxnet_config_replace(const struct azlxnet_drvlist *lists[AZLXNET_DRV_NLISTS])
{
	int i;

	lockdep_assert_held(&azlxnet_config_lock);
	for (i = 0; i < AZLXNET_DRV_NLISTS; i++)
		if (lists[i])
			azlxnet_drvlists[i] = *lists[i];
}

/*
 * Set once the module has checked the lists it was loaded with: from then
 * on every change, parameter or netlink, is checked against the other list.
 * Under azlxnet_config_lock.
 */
static bool azlxnet_config_live;

/* The first driver in both lists, or NULL. */
static const char *azlxnet_config_shared(const struct azlxnet_drvlist *synth,
					 const struct azlxnet_drvlist *vf)
{
	unsigned int i;

	for (i = 0; i < synth->n; i++)
		if (azlxnet_drvlist_has(vf, synth->name[i]))
			return synth->name[i];
	return NULL;
}

/**
 * azlxnet_config_set_disjoint - replace driver lists unless they would overlap
 * @lists: new list per id, NULL to keep the current one
 * @attrs: the attribute each new list came from, to blame in @extack (NULL
 *	for a module parameter)
 * @extack: receives the reason on error
 *
 * A device is a synthetic NIC or a VF, never both: a driver may be in one
 * list only. The lists as they would be after the change (the new ones and
 * the ones kept) are checked under the same lock as the change itself, so
 * two requests cannot each add one half of an overlap.
 *
 * Module parameters given at load are set one at a time, before init, each
 * against the other's default: they are not checked here then (a valid
 * swap would be refused) but together, by azlxnet_config_init().
 *
 * Return: 0, or -EINVAL with nothing changed.
 */
int azlxnet_config_set_disjoint(const struct azlxnet_drvlist *lists[AZLXNET_DRV_NLISTS],
				const struct nlattr *const attrs[AZLXNET_DRV_NLISTS],
				struct netlink_ext_ack *extack)
{
	const struct azlxnet_drvlist *synth, *vf;
	int err = 0;

	mutex_lock(&azlxnet_config_lock);
	synth = lists[AZLXNET_DRV_SYNTHETIC] ?: &azlxnet_drvlists[AZLXNET_DRV_SYNTHETIC];
	vf = lists[AZLXNET_DRV_VF] ?: &azlxnet_drvlists[AZLXNET_DRV_VF];
	if (azlxnet_config_live && azlxnet_config_shared(synth, vf)) {
		/* the VF list if it is new, else the synthetic one */
		NL_SET_ERR_MSG_ATTR(extack, attrs[AZLXNET_DRV_VF] ?:
				    attrs[AZLXNET_DRV_SYNTHETIC],
				    "driver in both synthetic-drivers and vf-drivers");
		err = -EINVAL;
		goto out_unlock;
	}
	azlxnet_config_replace(lists);
out_unlock:
	mutex_unlock(&azlxnet_config_lock);
	return err;
}

/**
 * azlxnet_config_init - check the lists the module was loaded with
 *
 * Return: 0, or -EINVAL (the load fails) if synthetic_drivers and
 * vf_drivers name the same driver.
 */
int azlxnet_config_init(void)
{
	const char *shared;
	int err = 0;

	mutex_lock(&azlxnet_config_lock);
	shared = azlxnet_config_shared(&azlxnet_drvlists[AZLXNET_DRV_SYNTHETIC],
				       &azlxnet_drvlists[AZLXNET_DRV_VF]);
	if (shared) {
		pr_err("driver %s is in both synthetic_drivers and vf_drivers\n", shared);
		err = -EINVAL;
	} else {
		azlxnet_config_live = true;
	}
	mutex_unlock(&azlxnet_config_lock);
	return err;
}

/**
 * azlxnet_config_format - print a driver list, comma separated
 * @id: which list
 * @buf: destination, always NUL-terminated
 * @size: size of @buf
 *
 * Return: the length of the list as printed, without the NUL.
 */
int azlxnet_config_format(enum azlxnet_drvlist_id id, char *buf, size_t size)
{
	const struct azlxnet_drvlist *list = &azlxnet_drvlists[id];
	unsigned int i;
	int len = 0;

	if (!size)
		return 0;
	buf[0] = '\0';
	mutex_lock(&azlxnet_config_lock);
	for (i = 0; i < list->n; i++)
		len += scnprintf(buf + len, size - len, "%s%s", i ? "," : "",
				 list->name[i]);
	mutex_unlock(&azlxnet_config_lock);
	return len;
}

/**
 * azlxnet_config_match - is @driver in list @id?
 * @id: which list
 * @driver: driver name, as ethtool reports it
 */
bool azlxnet_config_match(enum azlxnet_drvlist_id id, const char *driver)
{
	const struct azlxnet_drvlist *list = &azlxnet_drvlists[id];
	bool found = false;
	unsigned int i;

	mutex_lock(&azlxnet_config_lock);
	for (i = 0; i < list->n && !found; i++)
		found = !strcmp(list->name[i], driver);
	mutex_unlock(&azlxnet_config_lock);
	return found;
}

/* Module parameters: sysfs and modprobe front ends of the same lists. */

static int azlxnet_param_drivers_set(const char *val,
				     const struct kernel_param *kp)
{
	const struct azlxnet_drvlist *lists[AZLXNET_DRV_NLISTS] = {};
	const struct nlattr *const attrs[AZLXNET_DRV_NLISTS] = {};
	enum azlxnet_drvlist_id id = *(const int *)kp->arg;
	struct netlink_ext_ack extack = {};
	size_t len = strlen(val);
	struct azlxnet_drvlist list;
	int err;

	/* "echo list >parameters/x" writes a trailing newline. */
	if (len && val[len - 1] == '\n')
		len--;
	err = azlxnet_drvlist_parse(val, len, &list, &extack, NULL);
	if (err) {
		pr_err("%s: %s\n", kp->name, extack._msg);
		return err;
	}
	lists[id] = &list;
	err = azlxnet_config_set_disjoint(lists, attrs, &extack);
	if (err) {
		pr_err("%s: %s\n", kp->name, extack._msg);
		return err;
	}
	/* Before init (parameters given at load) there is nothing to rescan. */
	azlxnet_nic_rescan();
	return 0;
}

static int azlxnet_param_drivers_get(char *buf, const struct kernel_param *kp)
{
	enum azlxnet_drvlist_id id = *(const int *)kp->arg;
	int len;

	len = azlxnet_config_format(id, buf, PAGE_SIZE - 1);
	buf[len++] = '\n';
	buf[len] = '\0';
	return len;
}

static const struct kernel_param_ops azlxnet_param_drivers_ops = {
	.set	= azlxnet_param_drivers_set,
	.get	= azlxnet_param_drivers_get,
};

static const int azlxnet_param_synthetic = AZLXNET_DRV_SYNTHETIC;
static const int azlxnet_param_vf = AZLXNET_DRV_VF;

module_param_cb(synthetic_drivers, &azlxnet_param_drivers_ops,
		(void *)&azlxnet_param_synthetic, 0644);
__MODULE_PARM_TYPE(synthetic_drivers, "string");
MODULE_PARM_DESC(synthetic_drivers,
		 "Comma-separated drivers of synthetic NICs (default: hv_netvsc)");

module_param_cb(vf_drivers, &azlxnet_param_drivers_ops,
		(void *)&azlxnet_param_vf, 0644);
__MODULE_PARM_TYPE(vf_drivers, "string");
MODULE_PARM_DESC(vf_drivers,
		 "Comma-separated drivers of accelerated-networking VFs (default: mana,mlx5_core,mlx4_en)");
