#!/usr/bin/env bash
# bench pg_capture: rows/s of `spoke capture` (pgoutput -> JSON -> Kafka, every message
# acknowledged) against pg_recvlogical (pgoutput -> /dev/null), side by side in one run, both
# draining the same ROWS-row transaction from their own slot of the same publication.
# Usage: tests/bench/pg_capture.sh [ROWS]   (default 1000000)
# shellcheck source-path=SCRIPTDIR source=../integration/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../integration/lib.sh"

rows=${1:-1000000}
start_pg pg "logical_decoding_work_mem=64MB"
# the mock broker keeps ~5 MiB per partition: enough partitions for ~450 bytes x ROWS
start_broker bench.public.item:128
pg_sql <<'SQL'
CREATE TABLE item (id bigint PRIMARY KEY, sku text NOT NULL, price numeric(12,2), qty int,
                   updated_at timestamptz NOT NULL DEFAULT now());
CREATE PUBLICATION bench FOR TABLE item;
SELECT pg_create_logical_replication_slot('bench_spoke', 'pgoutput');
SELECT pg_create_logical_replication_slot('bench_recv', 'pgoutput');
SELECT pg_create_logical_replication_slot('bench_recv2', 'pgoutput');
SQL
pg_sql "INSERT INTO item (id, sku, price, qty) SELECT g, 'SKU-' || g, (g % 10000) / 100.0, g % 50
        FROM generate_series(1, $rows) g"
end_lsn=$(pg_sql "SELECT pg_current_wal_insert_lsn()")

now() { date +%s.%N; }

# pg_recvlogical: the reference, binary pgoutput to /dev/null until the end position. It runs
# before and after spoke (on slots of its own) and its better time counts, so the order of the
# runs (a cold or warm cache) cannot flatter spoke.
recvlogical()
{
	"${PGBIN:-/usr/lib/postgresql/15/bin}/pg_recvlogical" -d "$PG_CONNINFO" -S "$1" \
		--start -E "$end_lsn" -o proto_version=1 -o publication_names=bench -f /dev/null
}
t0=$(now)
recvlogical bench_recv
t1=$(now)

cat >"$T_DIR/spoke.conf" <<CONF
[spoke]
state_dir = $T_DIR/state
log_level = warn
[kafka]
bootstrap.servers = $BROKERS
[source bench]
type = postgres
conninfo = $PG_CONNINFO
tables = public.item
publication = bench
slot = bench_spoke
snapshot = never
status_interval = 100ms
CONF
confirmed() { pg_sql "SELECT confirmed_flush_lsn >= '$end_lsn' FROM pg_replication_slots WHERE slot_name = 'bench_spoke'"; }
t2=$(now)
spawn capture "$SPOKE" capture -c "$T_DIR/spoke.conf"
pid=$SPAWNED_PID
peak=0
until [ "$(confirmed)" = t ]; do
	kill -0 "$pid" 2>/dev/null || fail "spoke capture exited early: $(cat "$T_DIR/capture.log")"
	hwm=$(awk '/VmHWM/ {print $2}' "/proc/$pid/status" 2>/dev/null || echo 0)
	[ "${hwm:-0}" -gt "$peak" ] && peak=$hwm
	sleep 0.05
done
t3=$(now)
# read back before spoke stops: the confirmed position must already cover every message
count=$(kafka_count bench.public.item)
stop_spawned capture
t4=$(now)
recvlogical bench_recv2
t5=$(now)
if awk -v a="$t0" -v b="$t1" -v c="$t4" -v d="$t5" 'BEGIN { exit !(d - c < b - a) }'; then
	t0=$t4 t1=$t5
fi
assert_eq "$count" "$rows" "messages in Kafka"

awk -v rows="$rows" -v a="$t0" -v b="$t1" -v c="$t2" -v d="$t3" -v peak="$peak" 'BEGIN {
	ref = rows / (b - a); ours = rows / (d - c);
	printf "pg_recvlogical (pgoutput v1 -> /dev/null): %8.0f rows/s (%.2f s)\n", ref, b - a;
	printf "spoke capture (pgoutput -> Kafka, acked):  %8.0f rows/s (%.2f s), peak RSS %.1f MB\n", ours, d - c, peak / 1024;
	printf "ratio spoke / pg_recvlogical: %.2fx\n", ours / ref;
}'
