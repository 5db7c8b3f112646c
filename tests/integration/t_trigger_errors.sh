#!/usr/bin/env bash
# trigger_errors: trigger capture through ODBC (PostgreSQL Unicode driver) fails clearly, naming
# the object and the fix, with a non-zero exit, and skips nothing: an unreachable server (setup
# fails; capture keeps retrying with backoff, naming the server), a missing or unloadable ODBC
# driver (named, with the odbcinst.ini searched), a table without a primary key and a trigger
# of spoke's name that spoke did not make (setup refused, nothing changed), the changelog
# missing at start or dropped while capturing (which table, and to run spoke setup; setup then
# makes a new changelog and drops the old checkpoint, so nothing written to the new one is
# skipped), and a changelog row whose JSON is malformed (capture stops naming its seq, the
# checkpoint stays below it, a restart stops there again, and once the row is repaired it is
# published in order).
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# shellcheck source-path=SCRIPTDIR source=odbclib.sh
source "$SPOKE_ROOT/tests/integration/odbclib.sh"

setup_odbc
start_pg
start_broker pg.public.t:1
pgc="Driver={PostgreSQL Unicode};Server=127.0.0.1;Port=$PG_PORT;Database=postgres;Uid=postgres;"
pg_sql <<'SQL'
CREATE TABLE t (id int PRIMARY KEY, v text);
CREATE TABLE nokey (a int, b text);
CREATE TABLE other (id int PRIMARY KEY);
CREATE FUNCTION audit() RETURNS trigger LANGUAGE plpgsql AS $$BEGIN RETURN NULL; END$$;
CREATE TRIGGER spoke_other_ins AFTER INSERT ON other FOR EACH ROW EXECUTE FUNCTION audit();
INSERT INTO t VALUES (1, 'one');
SQL

# expect_fail NAME CMD...: CMD must exit non-zero; its output is in $T_DIR/NAME.out, and in OUT.
expect_fail()
{
	local name=$1 rc=0
	shift
	"$@" >"$T_DIR/$name.out" 2>&1 || rc=$?
	OUT=$(<"$T_DIR/$name.out")
	info "$name: exit $rc: $OUT"
	((rc != 0)) || fail "$name: exit status 0: $OUT"
}

# no_spoke_objects: nothing of spoke's exists in the database
no_spoke_objects()
{
	assert_eq "$(pg_sql "SELECT count(*) FROM pg_trigger WHERE tgname LIKE 'spoke%' AND tgname <> 'spoke_other_ins'")" 0 "spoke triggers"
	assert_eq "$(pg_sql "SELECT to_regclass('spoke_changelog') IS NULL")" t "no changelog"
}

# ---- an unreachable server, through a DSN of the private odbc.ini
down=$(free_port)
cat >>"$ODBCINI" <<EOF
[down]
Driver = PostgreSQL Unicode
Servername = 127.0.0.1
Port = $down
Database = postgres
Username = postgres
EOF
odbc_conf pg "DSN=down" public.t
expect_fail setup_down "$SPOKE" setup -c "$CONF"
assert_contains "$OUT" "ERROR setup[pg]: odbc DSN=down: [08001] connection to server at \"127.0.0.1\", port $down failed: Connection refused"
assert_contains "$OUT" "; nothing was changed"
# capture keeps trying, with a growing pause, and says why each time
spawn capture_down "$SPOKE" capture -c "$CONF"
pid=$SPAWNED_PID
retried() { grep -q "retrying in 2s" "$T_DIR/capture_down.log"; }
wait_for -t 15 retried
kill -0 "$pid" 2>/dev/null || fail "capture gave up on an unreachable server"
assert_eq "$(grep -c "WARN capture\[pg\]: cannot connect to the database: odbc DSN=down: \[08001\] connection to server at \"127.0.0.1\", port $down failed: Connection refused.*; retrying in [12]s" "$T_DIR/capture_down.log")" 2 \
	"retries logged, naming the server"
rc=0
stop_spawned capture_down || rc=$?
assert_eq "$rc" 0 "exit status of capture stopped while retrying"
# the same through MariaDB's driver, with the server in the connection string
odbc_conf shop "Driver={MariaDB Unicode};Server=127.0.0.1;Port=$down;Database=shop;Uid=root;" shop.t
expect_fail setup_down_my "$SPOKE" setup -c "$CONF"
assert_contains "$OUT" "ERROR setup[shop]: odbc Driver={MariaDB Unicode};Server=127.0.0.1;Port=$down;Database=shop: [HY000] "
assert_contains "$OUT" "Can't connect to server on '127.0.0.1'"
assert_contains "$OUT" "; nothing was changed"

# ---- a driver odbcinst.ini does not list, and one whose library is missing
odbc_conf pg "Driver={PostgreSQL Nonesuch};Server=127.0.0.1;Port=$PG_PORT;Database=postgres;Uid=postgres;" public.t
expect_fail setup_nodriver "$SPOKE" setup -c "$CONF"
assert_contains "$OUT" "ODBC driver 'PostgreSQL Nonesuch' is not installed: $ODBCSYSINI/odbcinst.ini has no [PostgreSQL Nonesuch] section"
spawn capture_nodriver "$SPOKE" capture -c "$CONF"
said() { grep -qF "$2" "$T_DIR/$1.log"; }
wait_for -t 10 said capture_nodriver "cannot connect to the database: odbc Driver={PostgreSQL Nonesuch};Server=127.0.0.1;Port=$PG_PORT;Database=postgres: ODBC driver 'PostgreSQL Nonesuch' is not installed: $ODBCSYSINI/odbcinst.ini has no [PostgreSQL Nonesuch] section"
stop_spawned capture_nodriver || true
printf '\n[Broken]\nDriver = %s\n' "$T_DIR/no-such-dir/libnothing.so" >>"$ODBCSYSINI/odbcinst.ini"
odbc_conf pg "Driver={Broken};Server=127.0.0.1;" public.t
expect_fail setup_broken "$SPOKE" setup -c "$CONF"
assert_contains "$OUT" "ODBC driver 'Broken' cannot be loaded (drivers are listed in $ODBCSYSINI/odbcinst.ini)"
assert_contains "$OUT" "$T_DIR/no-such-dir/libnothing.so"

# ---- a table without a primary key: refused, and nothing is made for the other tables either
odbc_conf pg "$pgc" "public.t, public.nokey"
expect_fail setup_nokey "$SPOKE" setup -c "$CONF"
assert_contains "$OUT" "ERROR setup[pg]: table public.nokey has no primary key: its changes could not be told apart in Kafka; add a primary key; nothing was changed"
no_spoke_objects

# ---- a trigger named like spoke's that spoke did not make: refused, and left alone
odbc_conf pg "$pgc" "public.t, public.other"
expect_fail setup_foreign "$SPOKE" setup -c "$CONF"
assert_contains "$OUT" "ERROR setup[pg]: trigger spoke_other_ins exists and was not made by spoke: rename or drop it, or capture this table another way; nothing was changed"
assert_eq "$(pg_sql "SELECT p.proname FROM pg_trigger t JOIN pg_proc p ON p.oid = t.tgfoid WHERE t.tgname = 'spoke_other_ins'")" audit "the foreign trigger is untouched"
no_spoke_objects

# ---- the changelog missing when capture starts
odbc_conf pg "$pgc" public.t
"$SPOKE" setup -c "$CONF"
pg_sql "DROP TABLE spoke_changelog"
expect_fail capture_nochangelog timeout 20 "$SPOKE" capture -c "$CONF"
assert_contains "$OUT" "ERROR capture[pg]: cannot read the changelog table spoke_changelog ("
assert_contains "$OUT" 'relation "spoke_changelog" does not exist'
assert_contains "$OUT" "): create it and the triggers with spoke setup -c $CONF --source pg"
[[ ! -e $T_DIR/state/pg.trigger ]] || fail "a checkpoint was stored without a changelog"
# meanwhile a write to the captured table fails instead of going unrecorded
if pg_sql "INSERT INTO t VALUES (2, 'lost?')" 2>"$T_DIR/write.err"; then
	fail "a write succeeded while the triggers had no changelog to write to"
fi
assert_contains "$(cat "$T_DIR/write.err")" 'relation "spoke_changelog" does not exist'
"$SPOKE" setup -c "$CONF"

# ---- a malformed changelog row stops capture at its seq; nothing after it is confirmed
spawn capture "$SPOKE" capture -c "$CONF"
wait_for -t 20 kafka_count_ge pg.public.t 1 # the snapshot of row 1
pg_sql "INSERT INTO t VALUES (2, 'two')"
wait_for -t 20 kafka_count_ge pg.public.t 2
good=$(kafka_read pg.public.t | jq -r 'select(.after.id == 2) | .source.seq')
wait_for -t 20 low_water_ge "$good"
bad=$(pg_sql "INSERT INTO spoke_changelog (tx, schema_name, table_name, op, pk, before, after, changed_at)
	VALUES (txid_current(), 'public', 't', 'c', '{\"id\":7}', NULL, 'not json', now()) RETURNING seq")
pg_sql "INSERT INTO t VALUES (8, 'after the bad row')"
rc=0
wait_exit capture 20 || rc=$?
((rc != 0)) || fail "capture exited 0 after a malformed changelog row"
msg="ERROR capture[pg]: changelog row seq $bad: after is not valid JSON (at byte 0); it was not skipped: repair or delete the row, then restart"
assert_eq "$(grep -cF "$msg" "$T_DIR/capture.log")" 1 "the error names the seq"
lw=$(low_water)
((lw < bad)) || fail "checkpoint $lw passed the malformed row $bad"
assert_eq "$(pg_sql "SELECT seq FROM spoke_changelog ORDER BY seq" | tr '\n' ' ')" "$bad $((bad + 1)) " "the bad row and the one after it are kept"
assert_eq "$(kafka_count pg.public.t)" 2 "nothing after the bad row published"
# a restart stops at the same row
expect_fail capture_again timeout 20 "$SPOKE" capture -c "$CONF"
assert_contains "$OUT" "$msg"
assert_eq "$(low_water)" "$lw" "checkpoint after the restart"
# repaired, the row and the one after it are published in order
pg_sql "UPDATE spoke_changelog SET after = '{\"id\":7,\"v\":\"repaired\"}' WHERE seq = $bad"
spawn capture2 "$SPOKE" capture -c "$CONF"
wait_for -t 20 kafka_count_ge pg.public.t 4
assert_eq "$(kafka_read pg.public.t | jq -c '[.op, .after.id, .source.seq]' | tr '\n' ' ')" \
	"[\"r\",1,0] [\"c\",2,$good] [\"c\",7,$bad] [\"c\",8,$((bad + 1))] " "events in order"
wait_for -t 20 low_water_ge $((bad + 1))

# ---- the changelog dropped while capturing: capture stops and says so; setup makes a new one
pg_sql "DROP TABLE spoke_changelog"
rc=0
wait_exit capture2 20 || rc=$?
((rc != 0)) || fail "capture exited 0 after its changelog was dropped"
assert_contains "$(cat "$T_DIR/capture2.log")" "ERROR capture[pg]: cannot read the changelog table spoke_changelog ("
assert_contains "$(cat "$T_DIR/capture2.log")" "): create it and the triggers with spoke setup -c $CONF --source pg"
assert_eq "$("$SPOKE" setup -c "$CONF" --print | sed -n 2p)" \
	"-- the changelog is new: remove $T_DIR/state/pg.trigger before capture starts" "setup --print"
"$SPOKE" setup -c "$CONF" 2>"$T_DIR/resetup.log"
assert_contains "$(cat "$T_DIR/resetup.log")" "WARN setup[pg]: the changelog is new: removed $T_DIR/state/pg.trigger, the checkpoint of the old one; capture starts afresh"
# the new changelog numbers from 1 again: its first row lies below the old checkpoint
pg_sql "INSERT INTO t VALUES (9, 'into the new changelog')"
assert_eq "$(pg_sql "SELECT seq FROM spoke_changelog")" 1 "seq of the new changelog"
spawn capture3 "$SPOKE" capture -c "$CONF"
streaming() { said capture3 "reading the changelog after seq" || said capture3 "resuming after seq"; }
wait_for -t 20 streaming
assert_contains "$(cat "$T_DIR/capture3.log")" "reading the changelog after seq 1" \
	"a new snapshot up to the new changelog's seq 1, not the old checkpoint"
pg_sql "INSERT INTO t VALUES (10, 'while capturing')"
wait_for -t 20 kafka_count_ge pg.public.t 9
# a new snapshot (the rows of t: 1, 2, 8, 9; one of them "last"), then the change made after it
kafka_read pg.public.t | tail -n 5 >"$T_DIR/after-resetup.txt"
assert_eq "$(jq -c '[.op, .after.id]' "$T_DIR/after-resetup.txt" | sort | tr '\n' ' ')" \
	'["c",10] ["r",1] ["r",2] ["r",8] ["r",9] ' "events after the new setup"
assert_eq "$(jq -r .source.snapshot "$T_DIR/after-resetup.txt" | tr '\n' ' ')" \
	'true true true last false ' "snapshot flags"
assert_eq "$(kafka_count pg.public.t)" 9 "messages"
validate pg.public.t
rc=0
stop_spawned capture3 || rc=$?
assert_eq "$rc" 0 "exit status after SIGTERM"
