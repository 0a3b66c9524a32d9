// SPDX-License-Identifier: GPL-2.0-only
/*
 * Printing azlxnet tune's plan: the text table of changes and notes, or
 * JSON with every item.
 */
#include <string.h>

#include "print.h"

#include "planprint.h"

void azlx_plan_print(const struct azlx_plan *p, bool all)
{
	int i, changes = azlx_plan_changes(p), disruptive = azlx_plan_disruptive(p);
	int w_area = 4, w_obj = 6, w_set = 7, w_cur = 7, w_new = 3;

	for (i = 0; i < p->n; i++) {
		const struct azlx_item *it = &p->items[i];
		int l;

		if (!all && !it->change)
			continue;
#define W(w, s) do { l = (int)strlen(s); if (l > (w)) (w) = l; } while (0)
		W(w_area, it->area);
		W(w_obj, it->object);
		W(w_set, it->setting);
		W(w_cur, it->cur_known ? it->cur : "-");
		W(w_new, it->new);
#undef W
	}
	if (w_cur > 24)
		w_cur = 24;
	if (w_new > 24)
		w_new = 24;

	azlx_print_open_object(NULL);
	azlx_print_string(AZLX_PRINT_ANY, "profile", "profile %s: ", azlx_profile_name(p->profile));
	azlx_print_uint(AZLX_PRINT_ANY, "changes", "%llu change(s), ", changes);
	azlx_print_uint(AZLX_PRINT_ANY, "unchanged", "%llu setting(s) already as planned\n",
			p->n - changes);
	azlx_print_uint(AZLX_PRINT_JSON, "disruptive", NULL, disruptive);
	if (disruptive)
		azlx_print_text("%d disruptive change(s): netvsc detaches the NIC to change its channels or ring, a VF re-creates its queues; traffic stops or takes the synthetic path for a moment (--no-disruptive leaves them out)\n",
				disruptive);
	if (!changes)
		azlx_print_text("nothing to change\n");
	else
		azlx_print_text("%-*s  %-*s  %-*s  %-*s  %-*s  %s\n", w_area, "AREA", w_obj, "OBJECT",
				w_set, "SETTING", w_cur, "CURRENT", w_new, "NEW", "REASON");
	azlx_print_open_array("items");
	for (i = 0; i < p->n; i++) {
		const struct azlx_item *it = &p->items[i];

		if (!all && !it->change && !azlx_print_is_json())
			continue;
		if (!changes && !azlx_print_is_json())
			continue;
		azlx_print_open_object(NULL);
		azlx_print_text("%-*s  %-*s  %-*s  %-*.*s  %-*.*s  %s%s\n", w_area, it->area, w_obj,
				it->object, w_set, it->setting, w_cur, w_cur,
				it->cur_known ? it->cur : "-", w_new, w_new, it->new, it->reason,
				it->change && it->disruption ? " [disruptive]" : "");
		azlx_print_string(AZLX_PRINT_JSON, "area", NULL, it->area);
		azlx_print_string(AZLX_PRINT_JSON, "object", NULL, it->object);
		azlx_print_string(AZLX_PRINT_JSON, "setting", NULL, it->setting);
		azlx_print_string(AZLX_PRINT_JSON, "path", NULL,
				  it->kind == AZLX_ITEM_FILE || it->kind == AZLX_ITEM_CONFFILE ?
				  it->path : NULL);
		azlx_print_string(AZLX_PRINT_JSON, "current", NULL, it->cur_known ? it->cur : NULL);
		azlx_print_string(AZLX_PRINT_JSON, "new", NULL, it->new);
		azlx_print_bool(AZLX_PRINT_JSON, "change", NULL, it->change);
		azlx_print_bool(AZLX_PRINT_JSON, "disruptive", NULL, it->disruption != NULL);
		azlx_print_string(AZLX_PRINT_JSON, "disruption", NULL, it->disruption);
		azlx_print_string(AZLX_PRINT_JSON, "rule", NULL, it->rule);
		azlx_print_string(AZLX_PRINT_JSON, "reason", NULL, it->reason);
		azlx_print_close_object();
	}
	azlx_print_close_array();
	azlx_print_open_array("notes");
	for (i = 0; i < p->nnotes; i++)
		azlx_print_string(AZLX_PRINT_ANY, NULL, "note: %s\n", p->notes[i]);
	azlx_print_close_array();
	azlx_print_close_object();
}
