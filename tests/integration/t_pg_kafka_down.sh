#!/usr/bin/env bash
# pg_kafka_down: while Kafka does not answer (the broker process is stopped with SIGSTOP),
# capture keeps the slot's position where Kafka's acknowledgements left it; when Kafka answers
# again every change is delivered and the position moves on. Nothing is dropped to make progress.
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
status_interval = 200ms
EOF2
"$SPOKE" setup -c "$T_DIR/spoke.conf"
spawn capture "$SPOKE" capture -c "$T_DIR/spoke.conf"
pg_sql "INSERT INTO t VALUES (0, 'before')"
wait_for -t 20 kafka_count_ge erp.public.t 1
confirmed() { pg_sql "SELECT confirmed_flush_lsn FROM pg_replication_slots WHERE slot_name = 'spoke_erp'"; }
lsn_ge() { [ "$(pg_sql "SELECT '$(confirmed)'::pg_lsn >= '$1'::pg_lsn")" = t ]; }
wait_for -t 20 lsn_ge "$(pg_sql "SELECT pg_current_wal_lsn()")"

broker_pid=$(cat "$T_DIR/broker.pid")
kill -STOP "$broker_pid"
held=$(confirmed)
pg_sql "INSERT INTO t SELECT g, 'while down' FROM generate_series(1, 2000) g"
end=$(pg_sql "SELECT pg_current_wal_lsn()")
# for a few status intervals the position must not pass the undelivered changes
for _ in 1 2 3 4 5 6 7 8 9 10; do
	now=$(confirmed)
	[ "$(pg_sql "SELECT '$now'::pg_lsn < '$end'::pg_lsn")" = t ] ||
		fail "confirmed $now passed $end while Kafka was down (held at $held)"
	kill -0 "$SPAWNED_PID" || fail "capture exited while Kafka was down"
	pg_sql "SELECT pg_sleep(0.2)" >/dev/null
done
kill -CONT "$broker_pid"
wait_for -t 60 kafka_count_ge erp.public.t 2001
wait_for -t 30 lsn_ge "$end"
assert_eq "$(kafka_read erp.public.t | jq -r '.after.id' | sort -n | uniq | wc -l)" 2001 "distinct rows delivered"
stop_spawned capture
