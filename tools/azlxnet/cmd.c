// SPDX-License-Identifier: GPL-2.0-only
/*
 * Command lookup with prefix matching.
 */
#include <string.h>

#include "azlxnet.h"
#include "cmd.h"
#include "print.h"

static void azlx_cands_add(char *cands, size_t len, const char *name)
{
	size_t used;

	if (!cands || !len)
		return;
	used = strlen(cands);
	if (used)
		strncat(cands, ", ", len - used - 1);
	used = strlen(cands);
	strncat(cands, name, len - used - 1);
}

int azlx_cmd_match(const struct azlx_cmd *cmds, const char *word,
		   char *cands, size_t cands_len)
{
	size_t wlen = strlen(word);
	int found = AZLX_MATCH_NONE;
	int i;

	if (cands && cands_len)
		cands[0] = '\0';
	if (!wlen)
		return AZLX_MATCH_NONE;

	for (i = 0; cmds[i].name; i++) {
		if (!strcmp(cmds[i].name, word))
			return i;
	}

	for (i = 0; cmds[i].name; i++) {
		if (strncmp(cmds[i].name, word, wlen))
			continue;
		if (found == AZLX_MATCH_NONE) {
			found = i;
			continue;
		}
		if (found >= 0)
			azlx_cands_add(cands, cands_len, cmds[found].name);
		azlx_cands_add(cands, cands_len, cmds[i].name);
		found = AZLX_MATCH_AMBIGUOUS;
	}
	return found;
}

const struct azlx_cmd *azlx_cmd_lookup(const struct azlx_cmd *cmds, const char *word,
				       const char *what, const char *where)
{
	char cands[256];
	int i;

	i = azlx_cmd_match(cmds, word, cands, sizeof(cands));
	if (i >= 0)
		return &cmds[i];
	if (i == AZLX_MATCH_AMBIGUOUS)
		azlx_error(AZLX_EXIT_USAGE, "ambiguous %s \"%s\" for \"%s\": %s",
			   what, word, where, cands);
	else
		azlx_error(AZLX_EXIT_USAGE, "unknown %s \"%s\" for \"%s\" (try \"%s help\")",
			   what, word, where, where);
	return NULL;
}

int azlx_cmd_run(const struct azlx_cmd *cmds, int argc, char **argv, const char *where)
{
	const struct azlx_cmd *cmd;

	cmd = azlx_cmd_lookup(cmds, argv[0], "command", where);
	if (!cmd)
		return AZLX_EXIT_USAGE;
	return cmd->fn(argc - 1, argv + 1);
}

int azlx_is_help(const char *word)
{
	size_t len = strlen(word);

	return len && !strncmp("help", word, len);
}
