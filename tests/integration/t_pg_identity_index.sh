#!/usr/bin/env bash
# pg_identity_index: a table whose REPLICA IDENTITY is an index other than its primary key
# cannot key its deletes: setup refuses it with the fix, and capture (if the identity is changed
# later) stops at the first delete with the fix instead of publishing a wrong key.
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

start_pg
start_broker
pg_sql <<'SQL'
CREATE TABLE p (id int PRIMARY KEY, code text NOT NULL UNIQUE, v int);
ALTER TABLE p REPLICA IDENTITY USING INDEX p_code_key;
INSERT INTO p VALUES (1, 'a', 1), (2, 'b', 2);
SQL
cat >"$T_DIR/spoke.conf" <<EOF2
[spoke]
state_dir = $T_DIR/state
[kafka]
bootstrap.servers = $BROKERS
[source erp]
type = postgres
conninfo = $PG_CONNINFO
tables = public.p
EOF2
rc=0
"$SPOKE" setup -c "$T_DIR/spoke.conf" 2>"$T_DIR/setup.err" || rc=$?
assert_eq "$rc" 1 "setup exit status"
assert_contains "$(cat "$T_DIR/setup.err")" "table public.p has REPLICA IDENTITY USING INDEX on an index other than its primary key"
assert_contains "$(cat "$T_DIR/setup.err")" 'ALTER TABLE public.p REPLICA IDENTITY DEFAULT'
assert_eq "$(pg_sql "SELECT count(*) FROM pg_publication")" 0 "publications created"

# set up with a sane identity, then changed behind spoke's back
pg_sql "ALTER TABLE p REPLICA IDENTITY DEFAULT"
"$SPOKE" setup -c "$T_DIR/spoke.conf"
pg_sql "ALTER TABLE p REPLICA IDENTITY USING INDEX p_code_key"
spawn capture "$SPOKE" capture -c "$T_DIR/spoke.conf"
wait_for -t 20 kafka_count_ge erp.public.p 2
pg_sql "DELETE FROM p WHERE id = 1"
rc=0
wait_exit capture 30 || rc=$?
assert_eq "$rc" 1 "capture exit status"
assert_contains "$(cat "$T_DIR/capture.log")" 'table public.p: its old rows carry the replica identity index, not the primary key (id)'
assert_eq "$(kafka_count erp.public.p)" 2 "events (the delete was not published with a wrong key)"
