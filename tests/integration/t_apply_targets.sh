#!/usr/bin/env bash
# apply_targets: one topic fans out to a SQLite database through ODBC and to MariaDB. Events
# come from another producer in Debezium's format, with and without the schema/payload
# wrapper. Upserts, an update with an unchanged (TOAST) column that must keep its value, a
# key change (delete + create), soft and hard deletes; booleans, exact decimals, dates and
# UTF-8 arrive as the rules say. Both sessions are marked so trigger capture would skip them.
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

start_mariadb
setup_odbc
start_broker erp.public.product:2 apply.dlq:1
db=$T_DIR/shop.db
lite="Driver={SQLite3};Database=$db;"
odbc_sql "$lite" "CREATE TABLE product (ref TEXT PRIMARY KEY, name TEXT, price DECIMAL(12,2), active BOOLEAN, notes TEXT, made DATE, deleted INTEGER DEFAULT 0)"
my_sql <<'SQL'
CREATE DATABASE shop CHARACTER SET utf8mb4;
CREATE TABLE shop.ps_product (reference varchar(32) PRIMARY KEY, name varchar(100),
  price decimal(12,2), active boolean, notes text, made date);
SQL
cat >"$T_DIR/rules.json" <<'EOF2'
{"rules": [
 {"name": "to_sqlite", "topics": ["erp.public.*"], "target": "lite", "table": "product",
  "key": ["ref"],
  "columns": {"ref": "after.code", "name": "after.name", "price": "after.price * 1.2",
              "active": "after.active", "notes": "after.notes", "made": "date(after.made)"},
  "delete": {"soft": {"deleted": "1"}}},
 {"name": "to_mariadb", "topics": ["erp.public.product"], "target": "shop",
  "table": "ps_product", "key": ["reference"],
  "columns": {"reference": "after.code", "name": "after.name", "price": "after.price",
              "active": "after.active", "notes": "after.notes", "made": "after.made"}}
]}
EOF2
cat >"$T_DIR/spoke.conf" <<EOF2
[kafka]
bootstrap.servers = $BROKERS
[target lite]
type = odbc
connection = $lite
[target shop]
type = mysql
socket = $MY_SOCKET
user = root
database = shop
[applier apply]
rules = rules.json
batch_timeout = 50ms
EOF2
row()
{
	printf '{"code":"%s","name":"%s","price":"%s","active":%s,"notes":"%s","made":"%s"}' "$@"
}
{
	printf '{"code":"A1"}\t{"before":null,"after":%s,"op":"c","source":{"table":"product"}}\n' \
		"$(row A1 'Chaise Zoë ✓' 19.90 true 'long notes' 2026-11-23)"
	printf '{"code":"B2"}\t{"schema":{"type":"struct"},"payload":{"before":null,"after":%s,"op":"r"}}\n' \
		"$(row B2 Table 100.05 false '' 2026-01-02)"
	# notes is an unchanged TOAST value: absent from after and listed in unchanged
	printf '{"code":"A1"}\t{"before":null,"after":{"code":"A1","name":"Chaise 2","price":"21.00","active":false,"made":"2026-11-24"},"unchanged":["notes"],"op":"u"}\n'
	# key change: delete of C3's old key, then create of the new one
	printf '{"code":"C3"}\t{"before":null,"after":%s,"op":"c"}\n' "$(row C3 Lamp 1.10 true x 2026-02-03)"
	printf '{"code":"C3"}\t{"before":{"code":"C3"},"after":null,"op":"d"}\n'
	printf '{"code":"C3"}\t\n'
	printf '{"code":"D4"}\t{"before":null,"after":%s,"op":"c"}\n' "$(row D4 Lamp 1.10 true x 2026-02-03)"
} >"$T_DIR/events.txt"
kafka_produce erp.public.product -K $'\t' -Z -l "$T_DIR/events.txt"
spawn apply "$SPOKE" apply -c "$T_DIR/spoke.conf"
lite_rows()
{
	odbc_sql "$lite" "SELECT ref, name, price, active, coalesce(notes, '-'), made, deleted FROM product ORDER BY ref"
}
my_rows()
{
	my_sql "SELECT reference, name, price, active, COALESCE(notes, '-'), made FROM shop.ps_product ORDER BY reference"
}
all_in()
{
	[[ $(lite_rows | wc -l) -ge 4 && $(my_rows | wc -l) -ge 3 ]] &&
		[[ $(lite_rows) == *$'C3\tLamp\t1.32\t1\tx\t2026-02-03\t1'* ]]
}
wait_for -t 30 all_in
info "$(lite_rows)"
info "$(my_rows)"
assert_eq "$(lite_rows)" $'A1\tChaise 2\t25.2\t0\tlong notes\t2026-11-24\t0
B2\tTable\t120.06\t0\t\t2026-01-02\t0
C3\tLamp\t1.32\t1\tx\t2026-02-03\t1
D4\tLamp\t1.32\t1\tx\t2026-02-03\t0' "SQLite rows"
assert_eq "$(my_rows)" $'A1\tChaise 2\t21.00\t0\tlong notes\t2026-11-24
B2\tTable\t100.05\t0\t\t2026-01-02
D4\tLamp\t1.10\t1\tx\t2026-02-03' "MariaDB rows"
assert_eq "$(kafka_count apply.dlq)" 0 "dead letters"
stop_spawned apply
