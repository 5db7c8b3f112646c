#!/usr/bin/env bash
# trigger_mysql: a MariaDB shop captured through triggers (libmysqlclient): setup, snapshot, then
# insert / update / delete of common types reach Kafka as documented; a session marked as
# spoke's is not captured; teardown removes triggers and changelog.
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

start_mariadb
start_broker shop.shop.product:4
my_sql <<'SQL'
CREATE DATABASE shop CHARACTER SET utf8mb4;
CREATE TABLE shop.product (id int PRIMARY KEY, big bigint, price decimal(18,4), name varchar(100),
  notes text, made date, updated datetime(6), active boolean, photo blob);
INSERT INTO shop.product VALUES (1, 9007199254740993, 19.9000, 'Zoë ✓', 'first', '2026-11-23',
  '2026-11-23 10:00:00.123456', true, x'00ff10');
SQL
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
tables = shop.product
poll_interval = 50ms
EOF2
"$SPOKE" setup -c "$T_DIR/spoke.conf"
"$SPOKE" setup -c "$T_DIR/spoke.conf" # a second run is safe
spawn capture "$SPOKE" capture -c "$T_DIR/spoke.conf"
wait_for -t 20 kafka_count_ge shop.shop.product 1
my_sql <<'SQL'
INSERT INTO shop.product VALUES (2, NULL, 0.5000, 'B', NULL, NULL, NULL, false, NULL);
UPDATE shop.product SET price = 21.0000, name = 'Zoë ✓✓' WHERE id = 1;
DELETE FROM shop.product WHERE id = 2;
SET @spoke_origin = 'spoke'; INSERT INTO shop.product (id, name) VALUES (99, 'echo');
SQL
# a sentinel from an ordinary session: once it is in Kafka, the marked write would be too
my_sql "INSERT INTO shop.product (id, name) VALUES (3, 'sentinel')"
wait_for -t 20 kafka_count_ge shop.shop.product 6
kafka_read_kv shop.shop.product >"$T_DIR/events.txt"
info "$(cat "$T_DIR/events.txt")"
jq -c --raw-input 'split("\t") | [.[0], (.[1] | if . == "" then null else fromjson | {op, after: (.after | if . then del(.big) else . end), before: (.before | if . then {id, price} else . end), snapshot: .source.snapshot, connector: .source.connector} end)]' <"$T_DIR/events.txt" >"$T_DIR/summary.txt"
info "$(cat "$T_DIR/summary.txt")"
# jq reads numbers as doubles: the exact bigint is checked in the raw text
assert_contains "$(cat "$T_DIR/events.txt")" '"big":9007199254740993,'
first='{"id":1,"price":"19.9000","name":"Zoë ✓","notes":"first","made":"2026-11-23","updated":"2026-11-23T10:00:00.123456","active":true,"photo":"AP8Q"}'
all=$(cat "$T_DIR/summary.txt")
assert_contains "$all" "[\"{\\\"id\\\":1}\",{\"op\":\"r\",\"after\":$first,\"before\":null,\"snapshot\":\"last\",\"connector\":\"mysql\"}]"
assert_contains "$all" '"op":"c","after":{"id":2,"price":"0.5000","name":"B","notes":null,"made":null,"updated":null,"active":false,"photo":null}'
assert_contains "$all" '"op":"u"'
assert_contains "$all" '"price":"21.0000","name":"Zoë ✓✓"'
assert_contains "$all" '"before":{"id":1,"price":"19.9000"}'
assert_contains "$all" '"op":"d","after":null,"before":{"id":2,"price":"0.5000"}'
# per key, in order: create, delete, tombstone
assert_eq "$(grep -F '["{\"id\":2}"' "$T_DIR/summary.txt" | jq -c '.[1].op')" $'"c"\n"d"\nnull' "events of id 2"
# the marked session's insert is in the table but never in Kafka
assert_eq "$(my_sql "SELECT name FROM shop.product WHERE id = 99")" echo
assert_eq "$(grep -c '"id":99' "$T_DIR/events.txt" || true)" 0 "events of the marked session"
assert_eq "$(kafka_count shop.shop.product)" 6 "events"
# every event is a valid change event
kafka_read shop.shop.product | /usr/bin/python3 "$SPOKE_ROOT/tests/integration/validate_events.py"
stop_spawned capture
"$SPOKE" teardown -c "$T_DIR/spoke.conf"
assert_eq "$(my_sql "SELECT COUNT(*) FROM information_schema.triggers WHERE trigger_schema = 'shop'")" 0 "triggers left"
