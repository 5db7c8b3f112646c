#!/usr/bin/env bash
# trigger_dropped_trigger: a captured table whose spoke trigger was dropped is not silently
# half-captured: capture stops, names the table and says to run spoke setup; after setup it
# runs again.
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

start_mariadb
start_broker
my_sql "CREATE DATABASE shop; CREATE TABLE shop.t (id int PRIMARY KEY, v varchar(20))"
cat >"$T_DIR/spoke.conf" <<EOF2
[spoke]
state_dir = $T_DIR/state
[kafka]
bootstrap.servers = $BROKERS
[source shop]
type = mysql
socket = $MY_SOCKET
user = root
database = shop
tables = shop.t
EOF2
"$SPOKE" setup -c "$T_DIR/spoke.conf"
my_sql "DROP TRIGGER shop.spoke_t_upd"
rc=0
"$SPOKE" capture -c "$T_DIR/spoke.conf" 2>"$T_DIR/capture.err" || rc=$?
assert_eq "$rc" 1 "capture exit status"
assert_contains "$(cat "$T_DIR/capture.err")" "table shop.t has 2 of its 3 spoke triggers: its changes are not being recorded; recreate them with spoke setup"
"$SPOKE" setup -c "$T_DIR/spoke.conf"
spawn capture "$SPOKE" capture -c "$T_DIR/spoke.conf"
wait_for -t 20 grep -q 'reading the changelog after seq' "$T_DIR/capture.log"
my_sql "INSERT INTO shop.t VALUES (1, 'a'); UPDATE shop.t SET v = 'b' WHERE id = 1"
wait_for -t 20 kafka_count_ge shop.shop.t 2
stop_spawned capture
