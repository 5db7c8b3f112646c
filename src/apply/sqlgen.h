/*
 * sqlgen: the SQL statements an applier runs on a database target, in the target's dialect:
 * upsert, insert, delete and update of one row, with '?' placeholders (values always travel as
 * parameters), identifiers quoted by the dialect.
 */
#ifndef SPOKE_SQLGEN_H
#define SPOKE_SQLGEN_H

#include "capture/dialect.h"
#include "core/buf.h"
#include "mapping/rules.h"

/*
 * Writes into OUT (reset first) the statement for row operation OP (not ROWOP_SKIP) on TABLE
 * ("name" or "schema.name"), and into ORDER (room for op->n entries) the index in op->vals of
 * each placeholder, in order. Columns with op->unchanged set are left out of an upsert's update
 * part (an upsert whose every non-key column is left out only inserts). Returns the number of
 * placeholders, or -1 when OUT ran out of memory.
 */
int sqlgen_rowop(const struct dialect *d, const char *table, const struct rowop *op,
                 struct buf *out, int *order);

/*
 * True when OP's statement can carry several rows (inserts, and upserts except MERGE): rows of
 * one shape then go to the database in one statement.
 */
bool sqlgen_groupable(const struct dialect *d, const struct rowop *op);
/*
 * Writes into OUT the statement of sqlgen_rowop for OP (groupable) with NROWS rows of values:
 * the placeholders are row after row, each in op->vals order. Returns 0, or -1 out of memory.
 */
int sqlgen_rows(const struct dialect *d, const char *table, const struct rowop *op, int nrows,
                struct buf *out);

#endif
