/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Module parameters: what the module declares (modinfo "parm" and
 * "parmtype"), their current values, and the PARAM=VALUE words of
 * "azlxnet module load" turned into the options string given to the kernel.
 */
#ifndef __AZLXNET_MODPARAM_H
#define __AZLXNET_MODPARAM_H

#include <stdbool.h>
#include <stddef.h>

struct azlx_modparam {
	char	*name;
	char	*type;		/* modinfo parmtype, or NULL */
	char	*desc;		/* modinfo parm, or NULL */
	char	*value;		/* current value (sysfs), or NULL */
};

struct azlx_modparams {
	struct azlx_modparam	*v;
	size_t			n;
	size_t			cap;
};

void azlx_modparams_init(struct azlx_modparams *p);
void azlx_modparams_free(struct azlx_modparams *p);

/* Lookup as the kernel does: '-' and '_' are the same in names. */
struct azlx_modparam *azlx_modparams_find(const struct azlx_modparams *p,
					  const char *name, size_t len);
/* The entry for @name, added at the end if missing; NULL if out of memory. */
struct azlx_modparam *azlx_modparams_get(struct azlx_modparams *p, const char *name,
					 size_t len);

/*
 * Records one modinfo key/value pair: "parm" is "name:description",
 * "parmtype" is "name:type"; other keys are ignored. Returns 0, -EINVAL for
 * a malformed value, -ENOMEM.
 */
int azlx_modparams_add_info(struct azlx_modparams *p, const char *key, const char *value);

/* [A-Za-z0-9_-]+, the characters of a C identifier plus '-'. */
bool azlx_modparam_name_valid(const char *name, size_t len);

/*
 * Checks that every word is NAME=VALUE with a valid NAME and a VALUE the
 * kernel's parser can take (no '"'), and, when @declared is not NULL, that
 * NAME is a parameter the module declares. On success *@options is the
 * options string (VALUEs with blanks are quoted; free() it) and 0 is
 * returned; otherwise -EINVAL with the reason in @err.
 */
int azlx_modparams_parse_args(const struct azlx_modparams *declared, int argc,
			      char **argv, char **options, char *err, size_t err_len);

#endif /* __AZLXNET_MODPARAM_H */
