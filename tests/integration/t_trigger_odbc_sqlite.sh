#!/usr/bin/env bash
# trigger_odbc_sqlite: a SQLite file database captured through the SQLite3 ODBC driver of the
# private odbcinst.ini (dialect auto -> sqlite): setup (twice), the snapshot of an existing row,
# then insert / update / delete of common types reach Kafka exactly as the dialect writes them
# (connector "odbc"), a tombstone follows the delete, every event is a valid change event, a
# session marked with ATTACH DATABASE ':memory:' AS spoke_origin is not captured, the
# checkpoint passes everything and the changelog is purged; teardown removes triggers,
# changelog and state.
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# shellcheck source-path=SCRIPTDIR source=odbclib.sh
source "$SPOKE_ROOT/tests/integration/odbclib.sh"

setup_odbc
start_broker lite.main.product:2
db=$T_DIR/shop.sqlite
lite="Driver={SQLite3};Database=$db;"
# SQLite keeps a DECIMAL as an integer or a real (15 significant digits): exact decimals live
# in a TEXT column. Date-times are the text the application stored.
odbc_sql "$lite" "CREATE TABLE product (id INTEGER PRIMARY KEY, big BIGINT, price DECIMAL(18,4), exact TEXT, name VARCHAR(100), notes TEXT, made DATE, updated DATETIME, active BOOLEAN, photo BLOB)"
odbc_sql "$lite" "INSERT INTO product VALUES (1, 9007199254740993, 19.90, '12345678901234567890.0123', 'Zoë ✓', 'first', '2026-11-23', '2026-11-23 10:00:00.123456', 1, x'00ff10')"
odbc_conf lite "$lite" main.product

"$SPOKE" setup -c "$CONF"
"$SPOKE" setup -c "$CONF" # a second run is safe
assert_eq "$(sqlite3 "$db" "SELECT name FROM sqlite_master WHERE name LIKE 'spoke%' ORDER BY name" | tr '\n' ' ')" \
	"spoke_changelog spoke_product_del spoke_product_ins spoke_product_upd " "objects made by setup"
spawn capture "$SPOKE" capture -c "$CONF"
wait_for -t 20 kafka_count_ge lite.main.product 1

odbc_sql "$lite" "INSERT INTO product VALUES (2, -9223372036854775808, 20, NULL, 'B', NULL, NULL, NULL, 0, x'')"
odbc_sql "$lite" "UPDATE product SET big = 9223372036854775807, price = 0.5, exact = '0.10', name = 'Zoë ✓✓', notes = NULL, updated = '2026-11-24 08:30:00.5', active = 0, photo = x'ff' WHERE id = 1"
odbc_sql "$lite" "DELETE FROM product WHERE id = 2"
# a session marked as spoke's own (one isql session: the ATTACH holds for the INSERT)
odbc_sql "$lite" "ATTACH DATABASE ':memory:' AS spoke_origin
INSERT INTO product (id, name) VALUES (99, 'echo')"
# a sentinel from an ordinary session: once it is in Kafka, the marked write would be too
odbc_sql "$lite" "INSERT INTO product (id, name) VALUES (3, 'sentinel')"
wait_for -t 20 kafka_count_ge lite.main.product 6

summary lite.main.product >"$T_DIR/summary.txt"
info "events:"$'\n'"$(cat "$T_DIR/summary.txt")"
first='{"id":1,"big":9007199254740993,"price":"19.9","exact":"12345678901234567890.0123","name":"Zoë ✓","notes":"first","made":"2026-11-23","updated":"2026-11-23T10:00:00.123456","active":true,"photo":"AP8Q"}'
second='{"id":2,"big":-9223372036854775808,"price":"20","exact":null,"name":"B","notes":null,"made":null,"updated":null,"active":false,"photo":""}'
updated='{"id":1,"big":9223372036854775807,"price":"0.5","exact":"0.10","name":"Zoë ✓✓","notes":null,"made":"2026-11-23","updated":"2026-11-24T08:30:00.5","active":false,"photo":"/w=="}'
sentinel='{"id":3,"big":null,"price":null,"exact":null,"name":"sentinel","notes":null,"made":null,"updated":null,"active":null,"photo":null}'
want=$(
	cat <<EOF
{"id":1}	r	last	{"before":null,"after":$first}
{"id":1}	u	false	{"before":$first,"after":$updated}
{"id":2}	c	false	{"before":null,"after":$second}
{"id":2}	d	false	{"before":$second,"after":null}
{"id":2}	tombstone
{"id":3}	c	false	{"before":null,"after":$sentinel}
EOF
)
assert_eq "$(cat "$T_DIR/summary.txt")" "$want" "events, per key in order"
# the marked session's insert is in the table, never in the changelog or Kafka
assert_eq "$(sqlite3 "$db" "SELECT name FROM product WHERE id = 99")" echo "the marked session's row"
assert_eq "$(kafka_count lite.main.product)" 6 "messages"
assert_eq "$(kafka_read lite.main.product | jq -r 'select(. != null) | .source.connector' | sort -u)" odbc "connector"
validate lite.main.product

# everything delivered: the checkpoint reaches the last seq and the changelog is purged
last=$(sqlite3 "$db" "SELECT seq FROM sqlite_sequence WHERE name = 'spoke_changelog'")
assert_eq "$last" 4 "changelog seqs taken (3 changes and the sentinel)"
wait_for -t 20 low_water_ge "$last"
changelog_empty() { [[ $(sqlite3 "$db" "SELECT count(*) FROM spoke_changelog") == 0 ]]; }
wait_for -t 20 changelog_empty
rc=0
stop_spawned capture || rc=$?
assert_eq "$rc" 0 "exit status after SIGTERM"

"$SPOKE" teardown -c "$CONF"
assert_eq "$(sqlite3 "$db" "SELECT count(*) FROM sqlite_master WHERE name LIKE 'spoke%'")" 0 "triggers and changelog left"
[[ ! -e $T_DIR/state/lite.trigger ]] || fail "teardown left the state file"
odbc_sql "$lite" "INSERT INTO product (id, name) VALUES (4, 'after teardown')"
assert_eq "$(sqlite3 "$db" "SELECT count(*) FROM product")" 4 "writes work without the triggers"
