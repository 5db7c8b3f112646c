/*
 * rowgroup: row operations of one shape (same table, kind, columns and unchanged ones) that a
 * database target sends as one multi-row statement. Values are copied, as they outlive the
 * event they came from. A key seen twice ends the group: one statement must not upsert a row
 * twice (PostgreSQL refuses it).
 */
#ifndef SPOKE_ROWGROUP_H
#define SPOKE_ROWGROUP_H

#include "core/buf.h"
#include "mapping/rules.h"

#include <stdbool.h>
#include <stddef.h>

#define ROWGROUP_MAX_ROWS   1000
#define ROWGROUP_MAX_PARAMS 30000 /* under SQLite's 32766 and PostgreSQL's 65535 */

struct rowgroup {
	char *sig;          /* the one-row statement of the group's shape */
	struct rowop shape; /* kind, rule, columns; unchanged copied */
	int nrows;
	struct buf data;     /* the values, each NUL-terminated */
	size_t *off;         /* per value: offset in data, or SIZE_MAX for NULL */
	const char **params; /* filled by rowgroup_params */
	int nvals, cap;
	int slots[2 * ROWGROUP_MAX_ROWS]; /* key hash table: row + 1, 0 empty */
};

/* True when OP with one-row statement SIG and values VALS (op->n, in op order) can join G. */
bool rowgroup_fits(const struct rowgroup *g, const char *sig, const struct rowop *op,
                   const char *const *vals);
/* Adds the row (starting a new group when G is empty). Returns 0, or -1 out of memory. */
int rowgroup_add(struct rowgroup *g, const char *sig, const struct rowop *op,
                 const char *const *vals);
/* The values of every row, row after row (valid until the next add or reset); NULL: no memory. */
const char *const *rowgroup_params(struct rowgroup *g);
/* Empties the group, keeping its memory. */
void rowgroup_reset(struct rowgroup *g);
void rowgroup_release(struct rowgroup *g);

#endif
