/*
 * runstate: what a running capture or applier process shows of itself, for `spoke status`:
 * a small JSON file state_dir/run/KIND-NAME.json, rewritten at most once a second (a temporary
 * file renamed over it; monitoring data, so not fsynced). The process sets its own fields
 * (counts, position, lag, partitions, healthy); each write adds pid, started_ms, updated_ms,
 * state, the count of warnings and errors logged (problems) and the last one (last_problem,
 * last_problem_ms).
 */
#ifndef SPOKE_RUNSTATE_H
#define SPOKE_RUNSTATE_H

#include <jansson.h>
#include <stdbool.h>

struct runstate;

/* Starts the file of KIND ("source", "applier") NAME under STATE_DIR; NULL when out of memory. */
struct runstate *runstate_new(const char *state_dir, const char *kind, const char *name);
/* The fields this process sets (borrowed: set members on it). NULL for a NULL runstate. */
json_t *runstate_fields(struct runstate *r);
/* True when a second passed since the last write: time to set the fields and write. */
bool runstate_due(const struct runstate *r);
/*
 * Sets field NAME to COUNT and RATE_NAME to its increase per second since the last call (one
 * counted field per process: changes of a source, changes applied of an applier).
 */
void runstate_count(struct runstate *r, const char *name, const char *rate_name,
                    unsigned long long count);
/*
 * Writes the file when a second passed since the last write, or always with FORCE. A failure
 * (a read-only state_dir) is logged once; capture and apply go on without it.
 */
void runstate_write(struct runstate *r, bool force);
/*
 * Says whether the process does its work (healthy) or why not (REASON: "lost the connection
 * to ..."), for /health; written at once. Accepts NULL.
 */
void runstate_health(struct runstate *r, bool healthy, const char *reason);
/* Writes the file a last time with state "stopped", and frees. Accepts NULL. */
void runstate_free(struct runstate *r);

/*
 * Reads the file of KIND NAME: a new JSON object with "state" set to "running" (its process is
 * alive and wrote within the last 45 s), "stopped" or "unresponsive"; NULL when there is none.
 */
json_t *runstate_read(const char *state_dir, const char *kind, const char *name);

#endif
