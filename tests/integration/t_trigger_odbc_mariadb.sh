#!/usr/bin/env bash
# trigger_odbc_mariadb: MariaDB captured through triggers over the MariaDB Unicode ODBC driver
# (dialect auto -> mysql, from SQL_DBMS_NAME): setup, the snapshot of an existing row, then
# insert / update / delete of common types reach Kafka exactly as the dialect writes them
# (connector "odbc"), with a tombstone after the delete and valid events; a session marked
# with SET @spoke_origin is not captured; a seq committed after a larger one is held open and
# published when it commits, and a rolled-back transaction's gap is closed by the proof
# (innodb_trx) although gap_timeout is an hour; teardown removes triggers and changelog.
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# shellcheck source-path=SCRIPTDIR source=odbclib.sh
source "$SPOKE_ROOT/tests/integration/odbclib.sh"

setup_odbc
start_mariadb
start_broker shop.shop.product:2
myc="Driver={MariaDB Unicode};Server=127.0.0.1;Port=$MY_PORT;Database=shop;Uid=root;"
my_sql <<'SQL'
CREATE DATABASE shop CHARACTER SET utf8mb4;
CREATE TABLE shop.product (id int PRIMARY KEY, big bigint, price decimal(18,4), name varchar(100),
  notes text, made date, updated datetime(6), active boolean, photo blob);
INSERT INTO shop.product VALUES (1, 9007199254740993, 19.9000, 'Zoë ✓', 'first', '2026-11-23',
  '2026-11-23 10:00:00.123456', true, x'00ff10');
SQL
odbc_conf shop "$myc" shop.product dialect=auto gap_timeout=1h spoke.log_level=debug

assert_eq "$("$SPOKE" setup -c "$CONF" --print | sed -n 1p)" "-- spoke setup for source shop (mysql dialect)" \
	"dialect picked from SQL_DBMS_NAME"
"$SPOKE" setup -c "$CONF"
"$SPOKE" setup -c "$CONF" # a second run is safe
assert_eq "$(my_sql "SELECT TRIGGER_NAME FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = 'shop' ORDER BY 1" | tr '\n' ' ')" \
	"spoke_product_del spoke_product_ins spoke_product_upd " "triggers made by setup"
spawn capture "$SPOKE" capture -c "$CONF"
wait_for -t 20 kafka_count_ge shop.shop.product 1

# ---- types, through ODBC writes
odbc_sql "$myc" "INSERT INTO product VALUES (2, -9223372036854775808, 0.5, 'B', NULL, NULL, NULL, false, x'')"
odbc_sql "$myc" "UPDATE product SET big = 9223372036854775807, price = 12345678901234.5678, name = 'Zoë ✓✓', notes = NULL, updated = '2026-11-24 08:30:00.5', active = false, photo = x'ff' WHERE id = 1"
odbc_sql "$myc" "DELETE FROM product WHERE id = 2"
# a session marked as spoke's own (one isql session: the variable holds for the INSERT)
odbc_sql "$myc" "SET @spoke_origin = 'spoke'
INSERT INTO product (id, name) VALUES (99, 'echo')"
# a sentinel from an ordinary session: once it is in Kafka, the marked write would be too
odbc_sql "$myc" "INSERT INTO product (id, name) VALUES (3, 'sentinel')"
wait_for -t 20 kafka_count_ge shop.shop.product 6

summary shop.shop.product >"$T_DIR/summary.txt"
info "events:"$'\n'"$(cat "$T_DIR/summary.txt")"
first='{"id":1,"big":9007199254740993,"price":"19.9000","name":"Zoë ✓","notes":"first","made":"2026-11-23","updated":"2026-11-23T10:00:00.123456","active":true,"photo":"AP8Q"}'
second='{"id":2,"big":-9223372036854775808,"price":"0.5000","name":"B","notes":null,"made":null,"updated":null,"active":false,"photo":""}'
updated='{"id":1,"big":9223372036854775807,"price":"12345678901234.5678","name":"Zoë ✓✓","notes":null,"made":"2026-11-23","updated":"2026-11-24T08:30:00.500000","active":false,"photo":"/w=="}'
sentinel='{"id":3,"big":null,"price":null,"name":"sentinel","notes":null,"made":null,"updated":null,"active":null,"photo":null}'
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
assert_eq "$(my_sql "SELECT name FROM shop.product WHERE id = 99")" echo "the marked session's row"
assert_eq "$(kafka_count shop.shop.product)" 6 "messages"
assert_eq "$(kafka_read shop.shop.product | jq -r 'select(. != null) | .source.connector' | sort -u)" odbc "connector"
validate shop.shop.product
sentinel_seq=$(kafka_read shop.shop.product | jq -r 'select(.after.id == 3) | .source.seq')
wait_for -t 20 low_water_ge "$sentinel_seq"

# ---- a seq committed after a larger one: session A takes one and waits in its transaction
fifo_session a mariadb --no-defaults -uroot --socket="$MY_SOCKET" -N -B --unbuffered shop
echo "BEGIN; INSERT INTO product (id, name) VALUES (10, 'late'); SELECT 'a-open', MAX(seq) FROM spoke_changelog;" >&"$FD_A"
session_says a a-open
seq_a=$(sed -n 's/^a-open\t//p' "$T_DIR/a.log")
odbc_sql "$myc" "INSERT INTO product (id, name) VALUES (11, 'early')"
wait_for -t 20 kafka_count_ge shop.shop.product 7
seq_b=$(kafka_read shop.shop.product | jq -r 'select(.after.id == 11) | .source.seq')
info "A holds seq $seq_a, B committed seq $seq_b"
((seq_b > seq_a)) || fail "B's seq $seq_b is not above A's $seq_a"
assert_eq "$(kafka_read shop.shop.product | jq -r 'select(.after.id >= 10) | .after.name')" early "B published while A is open"
held()
{
	(($(grep -c "gap from seq $1 (mark [0-9]*): a transaction that may fill it is open" "$T_DIR/capture.log") >= 2))
}
wait_for -t 20 held "$seq_a"
lw=$(low_water)
((lw < seq_a)) || fail "checkpoint $lw passed the open gap $seq_a"
echo "COMMIT; SELECT 'a-committed';" >&"$FD_A"
session_says a a-committed
wait_for -t 20 kafka_count_ge shop.shop.product 8
assert_eq "$(kafka_read shop.shop.product | jq -r 'select(.after.id >= 10) | "\(.after.name) \(.source.seq)"' | tr '\n' ' ')" \
	"early $seq_b late $seq_a " "A published after B, with its own seq"
wait_for -t 20 low_water_ge "$seq_b"

# ---- a rolled-back transaction's gap is closed by the proof (gap_timeout is 1h)
echo "BEGIN; INSERT INTO product (id, name) VALUES (12, 'rolled back'); SELECT 'c-open', MAX(seq) FROM spoke_changelog;" >&"$FD_A"
session_says a c-open
seq_c=$(sed -n 's/^c-open\t//p' "$T_DIR/a.log")
odbc_sql "$myc" "INSERT INTO product (id, name) VALUES (13, 'after')"
wait_for -t 20 kafka_count_ge shop.shop.product 9
seq_d=$(kafka_read shop.shop.product | jq -r 'select(.after.id == 13) | .source.seq')
info "C holds seq $seq_c, D committed seq $seq_d"
wait_for -t 20 held "$seq_c"
lw=$(low_water)
((lw < seq_c)) || fail "checkpoint $lw passed the gap $seq_c of a transaction still open"
started=$(_lib_now_ms)
echo "ROLLBACK; SELECT 'c-gone';" >&"$FD_A"
session_says a c-gone
wait_for -t 30 low_water_ge "$seq_d"
info "gap of the rolled-back transaction closed by proof after $(($(_lib_now_ms) - started)) ms (gap_timeout 1h)"
grep -q "gap $seq_c-$seq_c proven empty" "$T_DIR/capture.log" || fail "the gap was not closed by the proof"
! grep -q 'after gap_timeout' "$T_DIR/capture.log" || fail "a gap was closed by gap_timeout"
assert_eq "$(kafka_read shop.shop.product | jq -r 'select(. != null) | .after.id // .before.id' | sort -n | tr '\n' ' ')" \
	"1 1 2 2 3 10 11 13 " "published rows (never 12 or 99)"
assert_eq "$(kafka_count shop.shop.product)" 9 "messages"
purged() { [[ $(my_sql "SELECT COUNT(*) FROM shop.spoke_changelog WHERE seq <= $seq_d") == 0 ]]; }
wait_for -t 20 purged
rc=0
stop_spawned capture || rc=$?
assert_eq "$rc" 0 "exit status after SIGTERM"
stop_spawned a || true

"$SPOKE" teardown -c "$CONF"
assert_eq "$(my_sql "SELECT COUNT(*) FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = 'shop'")" 0 "triggers left"
assert_eq "$(my_sql "SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = 'shop' AND TABLE_NAME = 'spoke_changelog'")" 0 "changelog left"
