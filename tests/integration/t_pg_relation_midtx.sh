#!/usr/bin/env bash
# pg_relation_midtx: a Relation message in the middle of a transaction (DDL inside it) does not
# restart the table's data_collection_order: it keeps counting within the transaction.
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

start_pg
start_broker erp.public.t:1
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
EOF2
"$SPOKE" setup -c "$T_DIR/spoke.conf"
spawn capture "$SPOKE" capture -c "$T_DIR/spoke.conf"
wait_for -t 20 grep -q 'streaming from slot' "$T_DIR/capture.log"
pg_sql "BEGIN; INSERT INTO t VALUES (1, 'a'); ALTER TABLE t ADD COLUMN w int; INSERT INTO t VALUES (2, 'b', 7); COMMIT"
wait_for -t 20 kafka_count_ge erp.public.t 2
got=$(kafka_read erp.public.t | jq -r '"\(.after.id) \(.transaction.total_order) \(.transaction.data_collection_order)"' | tr '\n' ',')
assert_eq "$got" "1 1 1,2 2 2," "id, total_order, data_collection_order"
stop_spawned capture
