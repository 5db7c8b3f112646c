#!/usr/bin/env bash
# pg_kill9: a table of 8,000 rows (the snapshot) grows to 200,000 through a background writer's
# transactions of 4,000 rows; spoke capture is killed with SIGKILL three times at different
# moments of the load and started again each time. At the end every committed row is in Kafka: the ids of the op c/r events cover every
# id of the table (duplicates are allowed, losses are not).
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# shellcheck source=pglib.sh
source "$LIB_DIR/pglib.sh"

ROWS=200000
BATCH=4000
start_pg
# ~330 bytes an event, 200,000 events and as many resent ones: 64 partitions of ~5 MiB
start_broker erp.public.t:64
pg_sql <<SQL
CREATE TABLE t (id int PRIMARY KEY, batch int NOT NULL);
INSERT INTO t SELECT g, 0 FROM generate_series(1, 8000) g;
CREATE TABLE loaded (n int);
INSERT INTO loaded VALUES (8000);
CREATE PROCEDURE load() LANGUAGE plpgsql AS \$\$
DECLARE
	b int;
BEGIN
	FOR b IN 1..($ROWS - 8000) / $BATCH LOOP
		INSERT INTO t SELECT g, b FROM generate_series(8000 + (b - 1) * $BATCH + 1, 8000 + b * $BATCH) g;
		UPDATE loaded SET n = 8000 + b * $BATCH;
		COMMIT;
		PERFORM pg_sleep(0.15);
	END LOOP;
END
\$\$;
SQL
pg_conf
"$SPOKE" setup -c "$CONF" 2>"$T_DIR/setup.log"

capture_start capture0
wait_streaming capture0
spawn writer "$PGBIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$PG_HOST" -p "$PG_PORT" -U postgres \
	-d postgres -c 'CALL load()'
# Three kills at different moments: when the writer has committed 30,000, 100,000 and 150,000
# rows, each once the capture running then has confirmed more than the one before it (so
# every restart resumes from another position).
loaded() { pg_sql "SELECT n FROM loaded"; }
loaded_ge() { (($(loaded) >= $1)); }
confirmed_gt() { [[ $(pg_sql "SELECT confirmed_flush_lsn > '$1' FROM pg_replication_slots WHERE slot_name = '$PG_SLOT'") == t ]]; }
i=0
confirmed=$(slot_confirmed)
for at in 30000 100000 150000; do
	wait_for -t 60 loaded_ge "$at"
	((i == 0)) || wait_for -t 60 confirmed_gt "$confirmed"
	confirmed=$(slot_confirmed)
	kill -KILL "$CAPTURE_PID"
	rc=0
	wait_exit "capture$i" 10 || rc=$?
	assert_eq "$rc" 137 "capture$i died of SIGKILL"
	info "kill -9 number $((i + 1)): $(loaded) rows committed, slot confirmed $confirmed"
	i=$((i + 1))
	capture_start "capture$i"
done
wait_exit writer 60 || fail "the writer failed: $(cat "$T_DIR/writer.log")"
assert_eq "$(loaded)" "$ROWS" "rows committed by the writer"
caught_up 60
wait_streaming capture3
assert_eq "$(log_count capture3 'snapshot')" 0 "the restarts streamed from the slot without a new snapshot"

kafka_read erp.public.t >"$T_DIR/values.txt"
jq -r 'select(.op == "c" or .op == "r") | .after.id' "$T_DIR/values.txt" | LC_ALL=C sort >"$T_DIR/ids-all.txt"
LC_ALL=C sort -u "$T_DIR/ids-all.txt" >"$T_DIR/ids.txt"
pg_sql "SELECT id FROM t" | LC_ALL=C sort >"$T_DIR/table-ids.txt"
info "events: $(wc -l <"$T_DIR/values.txt"); distinct ids: $(wc -l <"$T_DIR/ids.txt"); resent (duplicates): $(($(wc -l <"$T_DIR/ids-all.txt") - $(wc -l <"$T_DIR/ids.txt")))"
missing=$(LC_ALL=C comm -23 "$T_DIR/table-ids.txt" "$T_DIR/ids.txt" | wc -l)
if ((missing)); then
	LC_ALL=C comm -23 "$T_DIR/table-ids.txt" "$T_DIR/ids.txt" | sort -n | head -n 10 >&2
	fail "$missing committed rows are missing from Kafka (first ones above)"
fi
assert_eq "$(LC_ALL=C comm -13 "$T_DIR/table-ids.txt" "$T_DIR/ids.txt" | wc -l)" 0 "ids in Kafka that are not in the table"
stop_spawned capture3
