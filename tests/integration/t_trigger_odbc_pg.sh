#!/usr/bin/env bash
# trigger_odbc_pg: PostgreSQL captured through triggers over the PostgreSQL Unicode ODBC driver
# (dialect auto -> postgresql, from SQL_DBMS_NAME): setup, the snapshot of an existing row, then
# insert / update / delete of common types (numeric, timestamptz, boolean, bytea, ...) reach
# Kafka exactly as the dialect writes them, with a tombstone after the delete and valid
# events; a session marked with set_config('spoke.origin') is not captured. Then the gaps: a
# seq taken by a transaction that commits after a larger one is held open (the larger one is
# published first, the checkpoint stays below the gap), published when it commits, and the
# checkpoint passes both; a rolled-back transaction's gap is closed by the database's proof
# (pg_current_snapshot) although gap_timeout is an hour. Teardown removes triggers, functions
# and changelog.
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# shellcheck source-path=SCRIPTDIR source=odbclib.sh
source "$SPOKE_ROOT/tests/integration/odbclib.sh"

setup_odbc
start_pg
start_broker pg.public.t:2
pgc="Driver={PostgreSQL Unicode};Server=127.0.0.1;Port=$PG_PORT;Database=postgres;Uid=postgres;"
pg_sql <<'SQL'
CREATE TABLE public.t (id int PRIMARY KEY, big bigint, price numeric(18,4), name varchar(100),
  notes text, made date, updated timestamp(6), at timestamptz, active boolean, photo bytea);
INSERT INTO public.t VALUES (1, 9007199254740993, 19.9000, 'Zoë ✓', 'first', '2026-11-23',
  '2026-11-23 10:00:00.123456', '2026-11-23 10:00:00.123456+01', true, '\x00ff10');
SQL
odbc_conf pg "$pgc" public.t dialect=auto gap_timeout=1h spoke.log_level=debug

assert_eq "$("$SPOKE" setup -c "$CONF" --print | sed -n 1p)" "-- spoke setup for source pg (postgresql dialect)" \
	"dialect picked from SQL_DBMS_NAME"
"$SPOKE" setup -c "$CONF"
"$SPOKE" setup -c "$CONF" # a second run is safe
assert_eq "$(pg_sql "SELECT tgname FROM pg_trigger WHERE tgrelid = 'public.t'::regclass ORDER BY 1" | tr '\n' ' ')" \
	"spoke_t_del spoke_t_ins spoke_t_upd " "triggers made by setup"
spawn capture "$SPOKE" capture -c "$CONF"
wait_for -t 20 kafka_count_ge pg.public.t 1

# ---- types, through ODBC writes
odbc_sql "$pgc" "INSERT INTO public.t VALUES (2, -9223372036854775808, 0.5, 'B', NULL, NULL, NULL, NULL, false, '\\x')"
odbc_sql "$pgc" "UPDATE public.t SET big = 9223372036854775807, price = 12345678901234.5678, name = 'Zoë ✓✓', notes = NULL, updated = '2026-11-24 08:30:00.5', at = '2026-11-24 23:30:00-02', active = false, photo = '\\xff' WHERE id = 1"
odbc_sql "$pgc" "DELETE FROM public.t WHERE id = 2"
# a session marked as spoke's own (one isql session: the setting holds for the INSERT)
odbc_sql "$pgc" "SELECT set_config('spoke.origin', 'spoke', false)
INSERT INTO public.t (id, name) VALUES (99, 'echo')" >/dev/null
# a sentinel from an ordinary session: once it is in Kafka, the marked write would be too
odbc_sql "$pgc" "INSERT INTO public.t (id, name) VALUES (3, 'sentinel')"
wait_for -t 20 kafka_count_ge pg.public.t 6

summary pg.public.t >"$T_DIR/summary.txt"
info "events:"$'\n'"$(cat "$T_DIR/summary.txt")"
first='{"id":1,"big":9007199254740993,"price":"19.9000","name":"Zoë ✓","notes":"first","made":"2026-11-23","updated":"2026-11-23T10:00:00.123456","at":"2026-11-23T09:00:00.123456Z","active":true,"photo":"AP8Q"}'
second='{"id":2,"big":-9223372036854775808,"price":"0.5000","name":"B","notes":null,"made":null,"updated":null,"at":null,"active":false,"photo":""}'
updated='{"id":1,"big":9223372036854775807,"price":"12345678901234.5678","name":"Zoë ✓✓","notes":null,"made":"2026-11-23","updated":"2026-11-24T08:30:00.5","at":"2026-11-25T01:30:00Z","active":false,"photo":"/w=="}'
sentinel='{"id":3,"big":null,"price":null,"name":"sentinel","notes":null,"made":null,"updated":null,"at":null,"active":null,"photo":null}'
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
assert_eq "$(pg_sql "SELECT name FROM public.t WHERE id = 99")" echo "the marked session's row"
assert_eq "$(kafka_count pg.public.t)" 6 "messages"
assert_eq "$(kafka_read pg.public.t | jq -r 'select(. != null) | .source.connector' | sort -u)" odbc "connector"
validate pg.public.t
sentinel_seq=$(kafka_read pg.public.t | jq -r 'select(.after.id == 3) | .source.seq')
wait_for -t 20 low_water_ge "$sentinel_seq"

# ---- a seq committed after a larger one: session A takes one and waits in its transaction
fifo_session a "$PGBIN/psql" -X -q -At -h 127.0.0.1 -p "$PG_PORT" -U postgres -d postgres
echo "BEGIN; INSERT INTO public.t (id, name) VALUES (10, 'late'); SELECT 'a-open ' || max(seq) || ' ' || txid_current() FROM spoke_changelog;" >&"$FD_A"
session_says a a-open
read -r seq_a tx_a < <(sed -n 's/^a-open //p' "$T_DIR/a.log")
# session B commits a larger seq, which is published while A is open
odbc_sql "$pgc" "INSERT INTO public.t (id, name) VALUES (11, 'early')"
seq_b=$(pg_sql "SELECT seq FROM spoke_changelog WHERE pk = '{\"id\":11}'")
info "A holds seq $seq_a, B committed seq $seq_b"
((seq_b > seq_a)) || fail "B's seq $seq_b is not above A's $seq_a"
wait_for -t 20 kafka_count_ge pg.public.t 7
assert_eq "$(kafka_read pg.public.t | jq -r 'select(.after.id >= 10) | .after.name')" early "B published while A is open"
# capture has looked at the gap and found A's transaction running (twice, 500 ms apart) ...
held()
{
	(($(grep -c "gap from seq $seq_a (mark [0-9]*): a transaction that may fill it is open" "$T_DIR/capture.log") >= 2))
}
wait_for -t 20 held
# ... and kept the checkpoint below it (B is acknowledged, its row not purged)
lw=$(low_water)
((lw < seq_a)) || fail "checkpoint $lw passed the open gap $seq_a"
assert_eq "$(pg_sql "SELECT count(*) FROM spoke_changelog WHERE seq = $seq_b")" 1 "B's row kept while the gap is open"
echo "COMMIT; SELECT 'a-committed';" >&"$FD_A"
session_says a a-committed
wait_for -t 20 kafka_count_ge pg.public.t 8
assert_eq "$(kafka_read pg.public.t | jq -r 'select(.after.id >= 10) | "\(.after.name) \(.source.seq)"' | tr '\n' ' ')" \
	"early $seq_b late $seq_a " "A published after B, with its own seq"
# the transaction block of A's event is A's transaction id
assert_eq "$(kafka_read pg.public.t | jq -r 'select(.after.id == 10) | .transaction.id')" "$tx_a" "transaction id of A"
wait_for -t 20 low_water_ge "$seq_b"

# ---- a rolled-back transaction leaves a gap that only a proof can close (gap_timeout is 1h)
echo "BEGIN; INSERT INTO public.t (id, name) VALUES (12, 'rolled back'); SELECT 'c-open ' || max(seq) FROM spoke_changelog;" >&"$FD_A"
session_says a c-open
seq_c=$(sed -n 's/^c-open //p' "$T_DIR/a.log")
odbc_sql "$pgc" "INSERT INTO public.t (id, name) VALUES (13, 'after')"
seq_d=$(pg_sql "SELECT seq FROM spoke_changelog WHERE pk = '{\"id\":13}'")
info "C holds seq $seq_c, D committed seq $seq_d"
wait_for -t 20 kafka_count_ge pg.public.t 9
held_c()
{
	(($(grep -c "gap from seq $seq_c (mark [0-9]*): a transaction that may fill it is open" "$T_DIR/capture.log") >= 2))
}
wait_for -t 20 held_c
lw=$(low_water)
((lw < seq_c)) || fail "checkpoint $lw passed the gap $seq_c of a transaction still open"
started=$(_lib_now_ms)
echo "ROLLBACK; SELECT 'c-gone';" >&"$FD_A"
session_says a c-gone
wait_for -t 30 low_water_ge "$seq_d"
info "gap of the rolled-back transaction closed by proof after $(($(_lib_now_ms) - started)) ms (gap_timeout 1h)"
grep -q "gap $seq_c-$seq_c proven empty" "$T_DIR/capture.log" || fail "the gap was not closed by the proof"
! grep -q 'after gap_timeout' "$T_DIR/capture.log" || fail "a gap was closed by gap_timeout"
assert_eq "$(kafka_read pg.public.t | jq -r 'select(. != null) | .after.id // .before.id' | sort -n | tr '\n' ' ')" \
	"1 1 2 2 3 10 11 13 " "published rows (never 12 or 99)"
assert_eq "$(kafka_count pg.public.t)" 9 "messages"
validate pg.public.t
purged() { [[ $(pg_sql "SELECT count(*) FROM spoke_changelog WHERE seq <= $seq_d") == 0 ]]; }
wait_for -t 20 purged
rc=0
stop_spawned capture || rc=$?
assert_eq "$rc" 0 "exit status after SIGTERM"
stop_spawned a || true

"$SPOKE" teardown -c "$CONF"
assert_eq "$(pg_sql "SELECT count(*) FROM pg_trigger WHERE tgname LIKE 'spoke%'")" 0 "triggers left"
assert_eq "$(pg_sql "SELECT count(*) FROM pg_proc WHERE proname LIKE 'spoke%'")" 0 "trigger functions left"
assert_eq "$(pg_sql "SELECT to_regclass('public.spoke_changelog') IS NULL")" t "changelog left"
