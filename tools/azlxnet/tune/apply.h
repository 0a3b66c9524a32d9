/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * azlxnet tune, apply.c: lock, state file, apply with rollback, revert.
 */
#ifndef __AZLXNET_TUNE_APPLY_H
#define __AZLXNET_TUNE_APPLY_H

#include "plan.h"

#define AZLX_STATE_DIR		"/var/lib/azlxnet"
#define AZLX_STATE_FILE		"tune.json"
#define AZLX_LOCK_FILE		"tune.lock"
/* Test hook: the Nth change of an apply (1-based) fails with EIO. */
#define AZLX_FAULT_ENV		"AZLXNET_TUNE_FAIL_AT"
/* Test hook: restoring these paths (':'-separated; a device for ethtool) fails. */
#define AZLX_RESTORE_FAULT_ENV	"AZLXNET_TUNE_RESTORE_FAIL_AT"
/*
 * Test hook: apply kills itself (SIGKILL) at its Nth step (1-based); the
 * steps: each state file written, and in place; each value written.
 */
#define AZLX_KILL_ENV		"AZLXNET_TUNE_KILL_AT"

struct azlx_state_ctx {
	char	dir[512];	/* host path, for messages (and used without in_root) */
	char	in_root[256];	/* its path under --root ("" for a host path) */
	int	dir_fd;		/* the directory, while locked */
	int	lock_fd;
};

/* One recorded value, and what it is now. */
struct azlx_recorded {
	const char	*name;		/* "eth0 channels combined" */
	const char	*kind;		/* file, ethtool, module, conffile */
	const char	*path;		/* file, or the net device (ethtool) */
	const char	*setting;	/* ethtool's, else NULL */
	const char	*prior, *new;	/* NULL: absent */
	char		*now;		/* NULL: absent or unreadable */
	char		error[256];	/* why it is unreadable */
	bool		conffile;
	bool		unreadable;
	bool		holds;		/* now is new */
	bool		is_prior;	/* now is prior */
};

struct azlx_record {
	struct azlx_recorded	*v;	/* in the order they were recorded */
	int			n;
	bool			exists;	/* the state file */
	void			*priv;
};

/*
 * The state in @dir, without the lock (to look, never to change). @in_root:
 * the directory's path under --root, opened inside it (@dir then only
 * names it in messages); NULL: @dir is a host path.
 */
void azlx_state_at(struct azlx_state_ctx *s, const char *dir, const char *in_root);
/* Reads the state and each value now; changes nothing. An exit code (printed). */
int azlx_record_read(const struct azlx_state_ctx *s, struct azlx_record *r);
void azlx_record_free(struct azlx_record *r);

/*
 * Takes the lock in @dir (created if missing; @in_root as for
 * azlx_state_at); an exit code (printed).
 */
int azlx_state_lock(struct azlx_state_ctx *s, const char *dir, const char *in_root);
void azlx_state_unlock(struct azlx_state_ctx *s);
/*
 * Applies the changing items of @p: checks that every item's device still
 * exists, records each prior value in the state file before changing it,
 * and on any failure undoes this run's changes and keeps the state as it
 * was (with what could not be undone). Returns an exit code (printed);
 * *@applied counts the changes.
 */
int azlx_apply(struct azlx_state_ctx *s, const struct azlx_plan *p, int *applied);
/*
 * Restores every recorded value and removes the state; what cannot be
 * restored stays in it. An exit code (printed); *@restored counts.
 */
int azlx_revert(struct azlx_state_ctx *s, int *restored);

#endif /* __AZLXNET_TUNE_APPLY_H */
