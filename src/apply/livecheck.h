/*
 * livecheck: spoke check's second half: the rules of an applier against the live schemas of
 * their targets (tables, columns, keys, lookups), for every target that is reachable.
 */
#ifndef SPOKE_LIVECHECK_H
#define SPOKE_LIVECHECK_H

#include "apply/target.h"
#include "core/config.h"
#include "mapping/rules.h"

/*
 * Checks every rule of RS. REPORT receives each problem (error or warning); an unreachable
 * target is a warning (its checks are skipped). Returns the number of errors.
 */
int livecheck_rules(const struct config *cfg, const struct ruleset *rs, target_report_fn report,
                    void *arg);

#endif
