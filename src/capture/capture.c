/* capture: the capture sources spoke knows, one row per database kind, and how to run one. */
#include "capture/capture.h"

#include <string.h>

static const struct source_ops sources[] = {
    {"postgres", pg_source_run, pg_setup, pg_teardown, pg_status},
    {"mysql", trigger_source_run, trigger_setup, trigger_teardown, NULL},
    {"odbc", trigger_source_run, trigger_setup, trigger_teardown, NULL},
};

const struct source_ops *capture_ops(const char *type)
{
	for (size_t i = 0; i < sizeof(sources) / sizeof(sources[0]); i++)
		if (strcmp(sources[i].type, type) == 0)
			return &sources[i];
	return NULL;
}
