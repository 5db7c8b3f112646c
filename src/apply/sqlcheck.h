/* sqlcheck: spoke check's look at a database target's live schema for one rule's table. */
#ifndef SPOKE_SQLCHECK_H
#define SPOKE_SQLCHECK_H

#include "apply/target.h"
#include "capture/dialect.h"
#include "db/db.h"

/*
 * The check_table of target.h for database DB speaking D, named TARGET in messages: the table
 * exists, has every column, and KEY is its primary key or a unique index (MySQL: a warning when
 * other unique indexes exist, as ON DUPLICATE KEY UPDATE matches any of them).
 */
int sqlcheck_table(struct db *db, const struct dialect *d, const char *target, const char *table,
                   char *const *cols, int ncols, char *const *key, int nkey,
                   target_report_fn report, void *arg, char *err, size_t errlen);

#endif
