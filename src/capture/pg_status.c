/* pg_status: what spoke status shows of a PostgreSQL source's slot, read from the server. */
#include "capture/capture.h"
#include "capture/pgconn.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>

/*
 * The slot's confirmed position, how far the server is ahead of it (lag_bytes) and how much
 * WAL it keeps for it (retained_wal_bytes), and whether a capture is reading it (active).
 */
int pg_status(const struct config *cfg, const struct conf_section *sec, json_t *out, char *err,
              size_t errlen)
{
	static const char sql[] =
	    "SELECT active, confirmed_flush_lsn::text, "
	    "pg_wal_lsn_diff(pg_current_wal_lsn(), confirmed_flush_lsn)::bigint, "
	    "pg_wal_lsn_diff(pg_current_wal_lsn(), restart_lsn)::bigint "
	    "FROM pg_replication_slots WHERE slot_name = $1";
	const char *params[1] = {conf_str(sec, "slot")};
	PGconn *conn = pgconn_open(conf_str(sec, "conninfo"), conf_str(sec, "password"), "status",
	                           false, err, errlen);
	PGresult *res = conn ? pgconn_exec(conn, sql, params, 1, err, errlen) : NULL;
	int rc = -1;

	(void)cfg;
	if (res && PQntuples(res) == 0)
		snprintf(err, errlen, "slot %s does not exist: run spoke setup", params[0]);
	else if (res) {
		json_object_set_new(out, "slot_active",
		                    json_boolean(PQgetvalue(res, 0, 0)[0] == 't'));
		json_object_set_new(out, "position", json_string(PQgetvalue(res, 0, 1)));
		json_object_set_new(out, "lag_bytes",
		                    json_integer(strtoll(PQgetvalue(res, 0, 2), NULL, 10)));
		json_object_set_new(out, "retained_wal_bytes",
		                    json_integer(strtoll(PQgetvalue(res, 0, 3), NULL, 10)));
		rc = 0;
	}
	PQclear(res);
	if (conn)
		PQfinish(conn);
	return rc;
}
