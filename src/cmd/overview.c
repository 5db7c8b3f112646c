/* overview: what is known of every source and applier of a configuration (see overview.h). */
#include "cmd/overview.h"

#include "capture/capture.h"
#include "core/runstate.h"

#include <string.h>

/* What is known of [KIND NAME]: its run state (or "never started") and, for a source, the
 * database's view. */
static json_t *one(const struct config *cfg, const struct conf_section *sec, const char *kind)
{
	const char *dir = conf_str(config_find(cfg, "spoke", NULL), "state_dir");
	json_t *o = runstate_read(dir, kind, sec->name);
	char err[512];

	if (!o)
		o = json_pack("{ss}", "state", "never started");
	json_object_set_new(o, "name", json_string(sec->name));
	if (strcmp(kind, "source") == 0) {
		const struct source_ops *ops = capture_ops(conf_str(sec, "type"));
		json_object_set_new(o, "type", json_string(conf_str(sec, "type")));
		if (ops && ops->status && ops->status(cfg, sec, o, err, sizeof(err)) < 0)
			json_object_set_new(o, "database_error", json_string(err));
	}
	return o;
}

json_t *overview_gather(const struct config *cfg)
{
	json_t *all = json_pack("{s:[],s:[]}", "sources", "appliers");
	const struct conf_section *sec;

	for (size_t i = 0; (sec = config_section(cfg, "source", i)); i++)
		json_array_append_new(json_object_get(all, "sources"), one(cfg, sec, "source"));
	for (size_t i = 0; (sec = config_section(cfg, "applier", i)); i++)
		json_array_append_new(json_object_get(all, "appliers"), one(cfg, sec, "applier"));
	return all;
}
