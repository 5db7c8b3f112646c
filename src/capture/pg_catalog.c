/* pg_catalog: what capture asks PostgreSQL's catalogs: keys, types, publication tables. */
#include "capture/pg_catalog.h"
#include "capture/pgconn.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int pgcat_primary_key(PGconn *conn, uint32_t relid, char ***names, int *n, char *err, size_t errlen)
{
	/* the primary key; without one, the replica identity (USING INDEX, or FULL: every column) */
	static const char sql[] =
	    "WITH r AS (SELECT c.oid, c.relreplident, EXISTS (SELECT 1 FROM pg_index p "
	    "  WHERE p.indrelid = c.oid AND p.indisprimary) AS has_pk "
	    "  FROM pg_class c WHERE c.oid = $1::oid), "
	    "k AS (SELECT k.attnum, k.ord FROM r JOIN pg_index i ON i.indrelid = r.oid "
	    "  CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, ord) "
	    "  WHERE i.indisprimary "
	    "  OR (NOT r.has_pk AND r.relreplident = 'i' AND i.indisreplident) "
	    "  UNION ALL SELECT a.attnum, a.attnum::bigint FROM r JOIN pg_attribute a "
	    "  ON a.attrelid = r.oid WHERE NOT r.has_pk AND r.relreplident = 'f' "
	    "  AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = '') "
	    "SELECT a.attname FROM k JOIN pg_attribute a ON a.attrelid = $1::oid "
	    "AND a.attnum = k.attnum ORDER BY k.ord";
	char oid[16];
	const char *params[1] = {oid};
	PGresult *res;

	*names = NULL;
	*n = 0;
	snprintf(oid, sizeof(oid), "%u", relid);
	res = pgconn_exec(conn, sql, params, 1, err, errlen);
	if (!res)
		return -1;
	*names = calloc((size_t)PQntuples(res) + 1, sizeof(char *));
	if (!*names) {
		PQclear(res);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (int i = 0; i < PQntuples(res); i++)
		(*names)[(*n)++] = strdup(PQgetvalue(res, i, 0));
	PQclear(res);
	return 0;
}

int pgcat_lookup_type(void *arg, uint32_t oid, struct pgtype_info *info, char *err, size_t errlen)
{
	static const char sql[] = "SELECT typtype, typbasetype, typelem, typcategory "
	                          "FROM pg_type WHERE oid = $1::oid";
	struct pgcat_types *ct = arg;
	char text[16];
	const char *params[1] = {text};
	PGresult *res;
	char typtype, category;
	uint32_t base, elem;

	snprintf(text, sizeof(text), "%u", oid);
	res = pgconn_exec(ct->conn, sql, params, 1, err, errlen);
	if (!res)
		return -1;
	if (PQntuples(res) != 1) {
		PQclear(res);
		snprintf(err, errlen, "type %u is not in pg_type", oid);
		return -1;
	}
	typtype = PQgetvalue(res, 0, 0)[0];
	base = (uint32_t)strtoul(PQgetvalue(res, 0, 1), NULL, 10);
	elem = (uint32_t)strtoul(PQgetvalue(res, 0, 2), NULL, 10);
	category = PQgetvalue(res, 0, 3)[0];
	PQclear(res);
	memset(info, 0, sizeof(*info));
	if (typtype == 'd')
		return pgtypes_info(ct->types, base, info, err, errlen);
	if (typtype == 'e') {
		info->cls = PGT_STRING;
	} else if (category == 'A' && elem) {
		info->cls = PGT_ARRAY;
		info->elem_oid = elem;
	} else {
		info->cls = PGT_TEXT_FORM;
	}
	return 0;
}

uint32_t pgcat_relid(PGconn *conn, const char *schema, const char *table)
{
	const char *params[2] = {schema, table};
	char err[256];
	PGresult *res =
	    pgconn_exec(conn,
	                "SELECT c.oid FROM pg_class c JOIN pg_namespace n "
	                "ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relname = $2",
	                params, 2, err, sizeof(err));
	uint32_t oid = 0;

	if (res && PQntuples(res) == 1)
		oid = (uint32_t)strtoul(PQgetvalue(res, 0, 0), NULL, 10);
	PQclear(res);
	return oid;
}
