/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Command tables with prefix matching, as in ip(8) and bpftool(8): a word
 * selects the entry it names exactly, else the only entry it is a prefix of;
 * a prefix of several entries is ambiguous, a usage error naming them.
 */
#ifndef __AZLXNET_CMD_H
#define __AZLXNET_CMD_H

#include <stddef.h>

struct azlx_cmd {
	const char	*name;
	int		(*fn)(int argc, char **argv);	/* NULL for keywords */
};

enum azlx_match {
	AZLX_MATCH_NONE		= -1,
	AZLX_MATCH_AMBIGUOUS	= -2,
};

/*
 * Index of @word in the NULL-terminated table @cmds, or AZLX_MATCH_NONE /
 * AZLX_MATCH_AMBIGUOUS. On ambiguity @cands (if not NULL) receives the
 * candidates as "a, b, c".
 */
int azlx_cmd_match(const struct azlx_cmd *cmds, const char *word,
		   char *cands, size_t cands_len);

/*
 * Looks @word up and prints the usage error when it matches nothing or is
 * ambiguous: @what is "object", "command" or "keyword", @where the words
 * before it ("azlxnet module"). Returns the entry or NULL.
 */
const struct azlx_cmd *azlx_cmd_lookup(const struct azlx_cmd *cmds, const char *word,
				       const char *what, const char *where);

/*
 * Runs the command named by argv[0] with the words after it; @where as
 * above. Returns the exit code.
 */
int azlx_cmd_run(const struct azlx_cmd *cmds, int argc, char **argv, const char *where);

/* True if @word is a prefix of "help" (so "h", "he", ... ask for help). */
int azlx_is_help(const char *word);

#endif /* __AZLXNET_CMD_H */
