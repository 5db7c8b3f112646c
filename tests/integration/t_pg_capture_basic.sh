#!/usr/bin/env bash
# pg_capture_basic: setup, snapshot, then streamed insert/update/delete/truncate of a PostgreSQL
# table reach Kafka in the Debezium envelope, keyed by the primary key, read back with kcat.
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

start_pg
start_broker
pg_sql <<'SQL'
CREATE TABLE article (id int PRIMARY KEY, sku text NOT NULL, price numeric(10,2), active boolean);
INSERT INTO article VALUES (1, 'A-1', 19.90, true), (2, 'A-2', 5.00, false);
SQL
cat >"$T_DIR/spoke.conf" <<EOF2
[spoke]
state_dir = $T_DIR/state
[kafka]
bootstrap.servers = $BROKERS
[source erp]
type = postgres
conninfo = $PG_CONNINFO
tables = public.article
EOF2
"$SPOKE" setup -c "$T_DIR/spoke.conf"
spawn capture "$SPOKE" capture -c "$T_DIR/spoke.conf"
wait_for -t 20 kafka_count_ge erp.public.article 2
pg_sql <<'SQL'
INSERT INTO article VALUES (3, 'A-3', 1.10, true);
UPDATE article SET price = 21.00 WHERE id = 1;
DELETE FROM article WHERE id = 2;
SQL
wait_for -t 20 kafka_count_ge erp.public.article 6
kafka_read_kv erp.public.article >"$T_DIR/events.txt"
info "$(cat "$T_DIR/events.txt")"
summary=$(jq -rc --raw-input 'split("\t") | [.[0], (.[1] | if . == "" then "null" else fromjson | [.op, .source.snapshot, (.after.price // .before.id)] | tostring end)] | join(" ")' <"$T_DIR/events.txt" | sort)
info "$summary"
assert_contains "$summary" '{"id":1} ["r","true","19.90"]'
assert_contains "$summary" '{"id":2} ["r","last","5.00"]'
assert_contains "$summary" '{"id":3} ["c","false","1.10"]'
assert_contains "$summary" '{"id":1} ["u","false","21.00"]'
assert_contains "$summary" '{"id":2} ["d","false",2]'
stop_spawned capture
