/* pg_catalog: what capture asks PostgreSQL's catalogs: keys, types, publication tables. */
#ifndef SPOKE_PG_CATALOG_H
#define SPOKE_PG_CATALOG_H

#include "capture/pgtypes.h"

#include <libpq-fe.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Fills NAMES (caller frees each and the array) with the primary-key columns of table OID in
 * key order; for a table without one, its replica identity columns (the index of REPLICA
 * IDENTITY USING INDEX, every column under FULL), as pgoutput flags them, so that snapshot and
 * stream key its rows alike. *N is 0 when there are none. Returns 0 or -1 with err filled.
 */
int pgcat_primary_key(PGconn *conn, uint32_t relid, char ***names, int *n, char *err,
                      size_t errlen);

/* A pgtypes lookup: ARG is a struct pgcat_types. Resolves enums, domains, arrays of them. */
struct pgcat_types {
	PGconn *conn;
	struct pgtypes *types;
};
int pgcat_lookup_type(void *arg, uint32_t oid, struct pgtype_info *info, char *err, size_t errlen);

/* The OID of SCHEMA.TABLE, or 0 when there is none. */
uint32_t pgcat_relid(PGconn *conn, const char *schema, const char *table);

#endif
