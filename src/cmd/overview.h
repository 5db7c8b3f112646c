/*
 * overview: what is known of every source and applier of a configuration, for spoke status and
 * /metrics: each one's run state (core/runstate.h: "state" running, stopped, unresponsive or
 * "never started", counts, lag, health) and, for a source, what its database says (a
 * PostgreSQL slot's position, lag and retained WAL; "database_error" when it cannot be asked).
 */
#ifndef SPOKE_OVERVIEW_H
#define SPOKE_OVERVIEW_H

#include "core/config.h"

#include <jansson.h>

/* {"sources": [...], "appliers": [...]}, each entry with "name" (and "type" for sources). */
json_t *overview_gather(const struct config *cfg);

#endif
