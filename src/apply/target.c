/* target: the table of target kinds (see target.h). */
#include "apply/target.h"

#include <string.h>

static const struct {
	const char *type;
	const struct target_ops *ops;
} kinds[] = {
    {"postgres", &sql_target_ops},
    {"mysql", &sql_target_ops},
    {"odbc", &sql_target_ops},
    {"http", &http_target_ops},
};

const struct target_ops *target_ops_for(const char *type)
{
	for (size_t i = 0; type && i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (strcmp(kinds[i].type, type) == 0)
			return kinds[i].ops;
	return NULL;
}
