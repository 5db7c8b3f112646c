#!/usr/bin/env bash
# pg_reconnect: capture survives its walsender being terminated and PostgreSQL restarting: it
# reconnects with backoff and every change committed around the outages reaches Kafka.
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

start_pg
start_broker erp.public.t:4
pg_sql "CREATE TABLE t (id int PRIMARY KEY, v text)"
cat >"$T_DIR/spoke.conf" <<EOF2
[spoke]
state_dir = $T_DIR/state
[kafka]
bootstrap.servers = $BROKERS
[source erp]
type = postgres
conninfo = $PG_CONNINFO
tables = public.t
status_interval = 1s
EOF2
"$SPOKE" setup -c "$T_DIR/spoke.conf"
spawn capture "$SPOKE" capture -c "$T_DIR/spoke.conf"
pid=$SPAWNED_PID
pg_sql "INSERT INTO t SELECT g, 'a' FROM generate_series(1, 100) g"
wait_for -t 20 kafka_count_ge erp.public.t 100

# 1. the walsender is terminated
pg_sql "SELECT pg_terminate_backend(active_pid) FROM pg_replication_slots WHERE slot_name = 'spoke_erp'" >/dev/null
pg_sql "INSERT INTO t SELECT g, 'b' FROM generate_series(101, 200) g"
wait_for -t 30 kafka_count_ge erp.public.t 200

# 2. PostgreSQL restarts (immediate shutdown, as a crash would)
stop_pg
pg_restart_rows=300
start_pg
pg_sql "INSERT INTO t SELECT g, 'c' FROM generate_series(201, $pg_restart_rows) g"
wait_for -t 60 kafka_count_ge erp.public.t "$pg_restart_rows"
kill -0 "$pid" || fail "capture exited instead of reconnecting"
assert_contains "$(cat "$T_DIR/capture.log")" "reconnecting in"

# every id is there (duplicates are allowed, gaps are not)
ids=$(kafka_read erp.public.t | jq -r 'select(.op == "c" or .op == "r") | .after.id' | sort -n | uniq | wc -l)
assert_eq "$ids" "$pg_restart_rows" "distinct ids published"
stop_spawned capture
