#!/usr/bin/env bash
# pg_least_privilege: deploy/sql/postgres-source.sql gives a role all a PostgreSQL source needs
# and no more (REPLICATION, CONNECT, SELECT on the table, a publication its owner created):
# `spoke setup` as that role creates the slot and keeps the publication; capture streams the
# snapshot and the changes.
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
source "$LIB_DIR/pglib.sh"

start_pg
start_broker erp.public.item:1
pg_sql "CREATE TABLE item (id int PRIMARY KEY, qty int); INSERT INTO item VALUES (1, 5)"
psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$PG_PORT" -U postgres -d postgres \
	-v role=spoke_capture -v password=capture-pw-77 -v publication=spoke_erp \
	-f "$LIB_DIR/../../deploy/sql/postgres-source.sql"
assert_eq "$(pg_sql "SELECT rolsuper, rolreplication, rolcreatedb FROM pg_roles WHERE rolname = 'spoke_capture'")" \
	$'f\tt\tf' "a replication role, nothing more"
printf 'capture-pw-77\n' >"$T_DIR/capture.pw"
pg_conf "conninfo=host=127.0.0.1 port=$PG_PORT dbname=postgres user=spoke_capture" \
	tables=public.item password_file=capture.pw
"$SPOKE" setup -c "$CONF" 2>"$T_DIR/setup.log" || fail "setup: $(cat "$T_DIR/setup.log")"
assert_contains "$(cat "$T_DIR/setup.log")" "publication spoke_erp lists the tables already; kept"
capture_start
wait_for -t 30 kafka_count_ge erp.public.item 1
pg_sql "INSERT INTO item VALUES (2, 7); UPDATE item SET qty = 6 WHERE id = 1"
wait_for -t 30 kafka_count_ge erp.public.item 3
assert_eq "$(kafka_consume erp.public.item -f '%s\n' | jq -r '"\(.op) \(.after.id) \(.after.qty)"' | tr '\n' ',')" \
	"r 1 5,c 2 7,u 1 6," "snapshot and changes"
stop_spawned capture
if grep -q capture-pw-77 "$T_DIR/capture.log" "$T_DIR/setup.log"; then
	fail "the password was logged"
fi
