#!/usr/bin/env bash
# pg_sigterm_snapshot: SIGTERM in the middle of the initial snapshot is an orderly stop (exit 0,
# no error); the next start takes the snapshot again, completely, then streams.
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# shellcheck source=pglib.sh
source "$LIB_DIR/pglib.sh"

ROWS=100000
start_pg
# ~330 bytes an event, up to twice 100,000 snapshot reads: 32 partitions of ~5 MiB
start_broker erp.public.t:32
pg_sql "CREATE TABLE t (id int PRIMARY KEY, v text);
        INSERT INTO t SELECT g, 'row-' || g FROM generate_series(1, $ROWS) g"
pg_conf
"$SPOKE" setup -c "$CONF" 2>"$T_DIR/setup.log"

capture_start capture1
wait_for -t 20 log_has capture1 'reading 1 table(s)'
rc=0
stop_spawned capture1 || rc=$?
cat "$T_DIR/capture1.log"
assert_eq "$rc" 0 "capture exit status after SIGTERM during the snapshot"
assert_contains "$(cat "$T_DIR/capture1.log")" \
	"INFO capture[erp]: stopped while starting: snapshot interrupted; it starts again on the next start"
if grep -E '^(ERROR|WARN)' "$T_DIR/capture1.log"; then
	fail "capture logged an error or warning on SIGTERM"
fi
log_has capture1 'snapshot complete' && fail "the snapshot finished before SIGTERM: the test stopped nothing"
first=$(kafka_count erp.public.t)
info "$first of $ROWS rows published before SIGTERM"

capture_start capture2
wait_streaming capture2
assert_contains "$(cat "$T_DIR/capture2.log")" "WARN capture[erp]: the last snapshot never finished: taking it again"
pg_sql "INSERT INTO t VALUES (0, 'after')"
caught_up
kafka_read erp.public.t >"$T_DIR/values.txt"
assert_eq "$(jq -r 'select(.op == "r") | .after.id' "$T_DIR/values.txt" | sort -u | wc -l)" "$ROWS" "rows read by the snapshots"
assert_eq "$(jq -r 'select(.source.snapshot == "last") | .after.id' "$T_DIR/values.txt" | wc -l)" 1 "events marked as the snapshot's last"
assert_eq "$(jq -c 'select(.op != "r") | [.op, .after]' "$T_DIR/values.txt")" '["c",{"id":0,"v":"after"}]' "streamed events"
info "$(wc -l <"$T_DIR/values.txt") events: $first from the interrupted snapshot, $ROWS from the second, 1 streamed"
stop_spawned capture2
