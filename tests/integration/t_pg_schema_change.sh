#!/usr/bin/env bash
# pg_schema_change: ADD COLUMN and DROP COLUMN while capture streams, without a restart: the
# events after each change have the table's new shape (also when the DDL and the change share
# a transaction), and the capture process is the one that was started.
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# shellcheck source=pglib.sh
source "$LIB_DIR/pglib.sh"

start_pg
start_broker erp.public.t:1
pg_sql "CREATE TABLE t (id int PRIMARY KEY, a text)"
pg_conf
"$SPOKE" setup -c "$CONF" 2>"$T_DIR/setup.log"
capture_start
pid=$CAPTURE_PID
wait_streaming

pg_sql <<'SQL'
INSERT INTO t VALUES (1, 'x');
ALTER TABLE t ADD COLUMN b int DEFAULT 7;
INSERT INTO t VALUES (2, 'y', 8);
UPDATE t SET a = 'x2' WHERE id = 1;
BEGIN;
ALTER TABLE t ADD COLUMN c timestamptz;
INSERT INTO t VALUES (3, 'z', 9, '2026-11-23 10:00:00+00');
COMMIT;
ALTER TABLE t DROP COLUMN a;
INSERT INTO t VALUES (4, 10, NULL);
UPDATE t SET b = 11 WHERE id = 2;
DELETE FROM t WHERE id = 3;
ALTER TABLE t DROP COLUMN c, ADD COLUMN a text DEFAULT 'new';
INSERT INTO t (id, b) VALUES (5, 12);
SQL
caught_up
events erp.public.t >"$T_DIR/t.events"
kafka_read erp.public.t >"$T_DIR/values.txt"
validate "$T_DIR/values.txt"
got=$(jq -c 'select(.v != null) | [.v.op, (.v.after // .v.before)]' "$T_DIR/t.events")
info "events:"$'\n'"$got"
assert_eq "$got" \
	'["c",{"id":1,"a":"x"}]
["c",{"id":2,"a":"y","b":8}]
["u",{"id":1,"a":"x2","b":7}]
["c",{"id":3,"a":"z","b":9,"c":"2026-11-23T10:00:00Z"}]
["c",{"id":4,"b":10,"c":null}]
["u",{"id":2,"b":11,"c":null}]
["d",{"id":3}]
["c",{"id":5,"b":12,"a":"new"}]' "events before and after each schema change"
assert_eq "$(pg_sql "SELECT row_to_json(t) FROM t ORDER BY id")" \
	'{"id":1,"b":7,"a":"new"}
{"id":2,"b":11,"a":"new"}
{"id":4,"b":10,"a":"new"}
{"id":5,"b":12,"a":"new"}' "the table at the end"
_lib_alive "$pid" || fail "capture exited: $(tail -n 5 "$T_DIR/capture.log")"
assert_eq "$(log_count capture 'streaming from slot')" 1 "capture streamed without restarting"
if grep -E '^(WARN|ERROR)' "$T_DIR/capture.log" | grep -v 'snapshot never finished'; then
	fail "capture logged warnings or errors"
fi
stop_spawned capture
