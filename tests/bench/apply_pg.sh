#!/usr/bin/env bash
# bench apply_pg: rows/s an applier writes into PostgreSQL (Kafka -> rules -> upserts, in
# batches committed with their offsets) against COPY of the same rows, side by side in one run.
# Usage: tests/bench/apply_pg.sh [ROWS]   (default 200000)
# shellcheck source-path=SCRIPTDIR source=../integration/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../integration/lib.sh"

rows=${1:-200000}
start_pg
start_broker bench.public.item:64
pg_sql <<'SQL'
CREATE TABLE item (id bigint PRIMARY KEY, sku text NOT NULL, price numeric(12,2), qty int);
CREATE TABLE item_copy (id bigint PRIMARY KEY, sku text NOT NULL, price numeric(12,2), qty int);
SQL
awk -v n="$rows" 'BEGIN { for (i = 1; i <= n; i++)
	printf "{\"id\":%d}\t{\"before\":null,\"after\":{\"id\":%d,\"sku\":\"SKU-%d\",\"price\":\"%d.%02d\",\"qty\":%d},\"op\":\"c\"}\n", i, i, i, i % 1000, i % 100, i % 50 }' \
	>"$T_DIR/events.txt"
awk -v n="$rows" 'BEGIN { for (i = 1; i <= n; i++)
	printf "%d\tSKU-%d\t%d.%02d\t%d\n", i, i, i % 1000, i % 100, i % 50 }' >"$T_DIR/rows.tsv"
kafka_produce bench.public.item -K $'\t' -l "$T_DIR/events.txt"
cat >"$T_DIR/rules.json" <<'JSON'
{"rules": [{"name": "items", "topics": ["bench.public.item"], "target": "pg", "table": "item",
  "key": ["id"], "columns": {"id": "after.id", "sku": "after.sku", "price": "after.price",
  "qty": "after.qty"}}]}
JSON
cat >"$T_DIR/spoke.conf" <<CONF
[spoke]
log_level = warn
[kafka]
bootstrap.servers = $BROKERS
[target pg]
type = postgres
conninfo = $PG_CONNINFO
[applier bench]
rules = rules.json
batch_size = 1000
CONF

now() { date +%s.%N; }
t0=$(now)
pg_sql "\\copy item_copy FROM '$T_DIR/rows.tsv'"
t1=$(now)
applied() { pg_sql "SELECT count(*) FROM item"; }
t2=$(now)
spawn apply ${PERF_WRAP:-} "$SPOKE" apply -c "$T_DIR/spoke.conf"
until [ "$(applied)" -gt 0 ]; do sleep 0.01; done
t2b=$(now) # joined the consumer group, first batch committed
until [ "$(applied)" -ge "$rows" ]; do
	kill -0 "$SPAWNED_PID" 2>/dev/null || fail "spoke apply exited early: $(cat "$T_DIR/apply.log")"
	sleep 0.05
done
t3=$(now)
stop_spawned apply
assert_eq "$(pg_sql "SELECT count(*) FROM (SELECT * FROM item EXCEPT SELECT * FROM item_copy) d")" 0 \
	"rows differing from COPY's"
awk -v rows="$rows" -v a="$t0" -v b="$t1" -v c="$t2" -v d="$t3" -v e="$t2b" 'BEGIN {
	ref = rows / (b - a); ours = rows / (d - c); steady = rows / (d - e);
	printf "COPY (psql \\copy, one transaction):                   %8.0f rows/s (%.2f s)\n", ref, b - a;
	printf "spoke apply (Kafka -> rules -> upserts, exactly once): %8.0f rows/s (%.2f s, start included)\n", ours, d - c;
	printf "spoke apply after its first commit (group joined):     %8.0f rows/s (%.2f s)\n", steady, d - e;
	printf "ratio spoke / COPY: %.3fx (%.3fx after the first commit)\n", ours / ref, steady / ref;
}'
