#!/usr/bin/env bash
# pg_reconnect_midtx: the walsender is terminated while a large transaction is being streamed:
# after reconnecting, the transaction is sent again whole and the slot's confirmed position
# moves past it (a half-sent transaction must not hold the checkpoint back forever).
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

start_pg
start_broker erp.public.t:32
pg_sql "CREATE TABLE t (id int PRIMARY KEY, v text)"
cat >"$T_DIR/spoke.conf" <<EOF2
[spoke]
state_dir = $T_DIR/state
log_level = debug
[kafka]
bootstrap.servers = $BROKERS
[source erp]
type = postgres
conninfo = $PG_CONNINFO
tables = public.t
status_interval = 200ms
EOF2
"$SPOKE" setup -c "$T_DIR/spoke.conf"
spawn capture "$SPOKE" capture -c "$T_DIR/spoke.conf"
wait_for -t 20 grep -q 'streaming from slot' "$T_DIR/capture.log"
rows=400000
# Kafka stops answering, so the producer queue (50,000 messages) and then the socket fill up in
# the middle of the (~15 MB) transaction: capture is certainly inside it when its stream is cut
broker_pid=$(cat "$T_DIR/broker.pid")
kill -STOP "$broker_pid"
pg_sql "INSERT INTO t SELECT g, 'x' FROM generate_series(1, $rows) g"
end=$(pg_sql "SELECT pg_current_wal_lsn()")
# capture has received the transaction's first message (its Begin)
wait_for -t 60 grep -q 'transaction [0-9]* (commit at .*) begins' "$T_DIR/capture.log"
pg_sql "SELECT pg_terminate_backend(active_pid) FROM pg_replication_slots WHERE slot_name = 'spoke_erp'" >/dev/null
kill -CONT "$broker_pid"
confirmed_past_end() { [ "$(pg_sql "SELECT confirmed_flush_lsn >= '$end' FROM pg_replication_slots WHERE slot_name = 'spoke_erp'")" = t ]; }
wait_for -t 90 confirmed_past_end
wait_for -t 30 kafka_count_ge erp.public.t "$rows"
assert_eq "$(kafka_read erp.public.t | jq -r '.after.id' | sort -n | uniq | wc -l)" "$rows" "distinct rows delivered"
assert_contains "$(cat "$T_DIR/capture.log")" "reconnecting in"
stop_spawned capture
