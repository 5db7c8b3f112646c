/*
 * applier: consumes change topics and applies mapping rules to targets, exactly once per
 * change: a batch of messages goes into one transaction per target together with the offsets
 * it reaches; a change that cannot succeed goes to the dead-letter topic, with the reason in
 * headers, before the offsets pass it.
 */
#ifndef SPOKE_APPLIER_H
#define SPOKE_APPLIER_H

#include "core/config.h"
#include "mapping/rules.h"

/*
 * Runs the applier of section SEC until a stop is requested (returns 0) or a failure it cannot
 * get past without losing data (-1, logged): on_error = stop and a change that cannot be
 * applied, rules that do not load, an offset deleted by retention. Transient failures (a
 * target or Kafka unreachable, deadlocks) are retried with backoff for as long as they last.
 */
int applier_run(const struct config *cfg, const struct conf_section *sec);

/*
 * Loads the rules of the [applier] section APPLIER into RS: its "rules" files, relative paths
 * taken from the configuration file's directory, every target checked against the [target]
 * sections. Returns the number of problems, each logged on its own line (0: RS is ready; free
 * it with ruleset_free()).
 */
int applier_load_rules(const struct config *cfg, const struct conf_section *applier,
                       struct ruleset *rs);

#endif
