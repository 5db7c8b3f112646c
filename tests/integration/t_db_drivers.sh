#!/usr/bin/env bash
# db_drivers: spoke's database drivers (src/db) through tests/integration/dbcheck against real
# servers: MariaDB and PostgreSQL natively, and ODBC with SQLite3, PostgreSQL Unicode and
# MariaDB Unicode. Every type reads back as the exact text written, parameters carry NULL,
# quotes and backslashes, a 1 MB value round-trips, a rolled-back transaction leaves nothing, and
# failures (unreachable server, bad password, unknown database, missing ODBC driver, killed
# connection) say where and why without the password. Failures are told apart: duplicate keys
# are permanent; deadlocks, lock waits, busy SQLite files and lost connections are transient.
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# dbcheck is built beside the spoke binary under test (build/default, build/sanitize).
DBCHECK=${DBCHECK:-$(dirname "$(readlink -f "$SPOKE")")/dbcheck}
[[ -x $DBCHECK ]] || skip "no dbcheck binary at $DBCHECK (make build/default/dbcheck)"
CONF=$T_DIR/db.conf
PW='p}w;d=x' # braces and semicolons must survive ODBC's connection string

# dbc NAME STEP...: dbcheck on [source NAME]; prints the rows.
dbc()
{
	"$DBCHECK" "$CONF" "$@"
}

# dbc_err NAME STEP...: dbcheck must fail; prints its error.
dbc_err()
{
	local out rc=0
	out=$("$DBCHECK" "$CONF" "$@" 2>&1 >/dev/null) || rc=$?
	((rc == 1)) || fail "dbcheck $1 exited with $rc, want 1 (error: $out)"
	printf '%s\n' "$out"
}

# source NAME KEY=VALUE...: appends a [source NAME] section to the configuration.
source_section()
{
	local name=$1
	shift
	printf '\n[source %s]\n' "$name" >>"$CONF"
	printf '%s\n' "$@" >>"$CONF"
}

# target NAME KEY=VALUE...: appends a [target NAME] section to the configuration.
target_section()
{
	local name=$1
	shift
	printf '\n[target %s]\n' "$name" >>"$CONF"
	printf '%s\n' "$@" >>"$CONF"
}

setup_odbc
printf '\n[Broken]\nDriver=/nonexistent/libbroken.so\n' >>"$ODBCSYSINI/odbcinst.ini"
cat >"$T_DIR/pg_hba.conf" <<-'HBA'
	local all all trust
	host all postgres 127.0.0.1/32 trust
	host all all 127.0.0.1/32 scram-sha-256
HBA
start_pg "hba_file='$T_DIR/pg_hba.conf'" max_prepared_transactions=5 deadlock_timeout=100ms
pg_sql "create role spoke login password '$PW'; grant create on schema public to spoke"
pg_sql "create database native owner spoke"
start_mariadb
my_sql "create database dbt default character set utf8mb4"
my_sql "create user 'spoke'@'%' identified by '$PW'; grant all on dbt.* to 'spoke'@'%'"
dead=$(free_port)

: >"$CONF"
myc="Driver={MariaDB Unicode};Server=127.0.0.1;Port=$MY_PORT;Database=dbt;Uid=spoke;"
pgc="Driver={PostgreSQL Unicode};Server=127.0.0.1;Port=$PG_PORT;Database=postgres;"
source_section my type=mysql host=127.0.0.1 "port=$MY_PORT" user=root database=dbt tables=dbt.*
source_section lite type=odbc "connection=Driver={SQLite3};Database=$T_DIR/lite.sqlite;" tables=main.*
source_section pg type=odbc "connection=${pgc}Uid=spoke;" "password=$PW" tables=public.*
source_section myo type=odbc "connection=$myc" "password=$PW" tables=dbt.*
# Connections that must fail, and two that must work: socket, password with a native client.
source_section my_sock type=mysql "socket=$MY_SOCKET" user=root database=dbt tables=dbt.*
source_section my_pw type=mysql "port=$MY_PORT" user=spoke "password=$PW" database=dbt tables=dbt.*
source_section my_dead type=mysql "port=$dead" user=root database=dbt tables=dbt.*
source_section my_badpw type=mysql "port=$MY_PORT" user=spoke password=wrong-secret-1 database=dbt \
	tables=dbt.*
source_section my_nodb type=mysql "port=$MY_PORT" user=root database=nope tables=dbt.*
source_section pg_dead type=odbc "connection=${pgc/$PG_PORT/$dead}Uid=postgres;" tables=public.*
source_section pg_badpw type=odbc "connection=${pgc}Uid=spoke;" password=wrong-secret-2 tables=public.*
source_section pg_nodb type=odbc "connection=${pgc/postgres;/nope;}Uid=postgres;" tables=public.*
source_section myo_badpw type=odbc "connection=$myc" password=wrong-secret-3 tables=dbt.*
source_section no_driver type=odbc "connection=Driver={NoSuch Driver};Database=x;" tables=main.*
source_section broken_driver type=odbc "connection=Driver={Broken};Database=x;" tables=main.*
source_section lite_busy type=odbc "connection=Driver={SQLite3};Database=$T_DIR/lite.sqlite;Timeout=100;" \
	tables=main.*
# PostgreSQL through libpq, as SQL targets use it.
pgn="host=127.0.0.1 port=$PG_PORT dbname=native"
target_section pgn type=postgres "conninfo=$pgn user=spoke" "password=$PW"
target_section pgn_a type=postgres "conninfo=$pgn user=spoke application_name=spoke_a" "password=$PW"
target_section pgn_opts type=postgres \
	"conninfo=$pgn user=spoke application_name=mine options='-c search_path=elsewhere'" "password=$PW"
target_section pgn_dead type=postgres "conninfo=host=127.0.0.1 port=$dead dbname=native user=spoke" \
	password=wrong-secret-4
target_section pgn_badpw type=postgres "conninfo=$pgn user=spoke" password=wrong-secret-5
target_section pgn_nodb type=postgres "conninfo=host=127.0.0.1 port=$PG_PORT dbname=nope user=postgres"
target_section pgn_uri type=postgres "conninfo=postgresql://spoke:uri-secret-6@127.0.0.1:$dead/native"

info "products"
assert_eq "$(dbc my @product)" MariaDB
assert_eq "$(dbc lite @product)" SQLite
assert_eq "$(dbc pg @product)" PostgreSQL
assert_eq "$(dbc myo @product)" MariaDB
assert_eq "$(dbc pgn @product)" PostgreSQL

# The same rows on every backend: ints, decimal, unicode, quotes and backslash, date, time,
# boolean, binary (00 ff 10), double; then a row of NULLs, all through parameters.
TRICKY=$'it\'s "q" \\ back? \nline 2'
ROW1=$'-42\t9007199254740993\t-12345.6789\tZoë ✓\tit\'s "q" \\\\ back? \\nline 2\t2026-11-23\t'
ROW1+=$'2026-11-23 10:00:00.123456\t1\t\\x00ff10\t0.1'
ROW2=$'\\N\t\\N\t\\N\t\\N\t\\N\t\\N\t\\N\t\\N\t\\N\t\\N'
COLS="i, b, d, s, t, dt, ts, f, bin, fl"

# check_types NAME DDL BINARY [ROW1]: BINARY is the SQL expression of the bytes 00 ff 10; ROW1
# what the first row reads as, when not $ROW1.
check_types()
{
	local name=$1 ddl=$2 bin=$3 sel="select $COLS from types" row1=${4:-$ROW1}
	info "$name: types"
	dbc "$name" "$ddl" \
		"insert into types (id, $COLS) values (?, ?, ?, ?, ?, ?, ?, ?, ?, $bin, ?)" \
		-- 1 -42 9007199254740993 -12345.6789 'Zoë ✓' "$TRICKY" 2026-11-23 \
		'2026-11-23 10:00:00.123456' 1 0.1 -- \
		"insert into types (id, $COLS) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)" \
		-- 2 '\N' '\N' '\N' '\N' '\N' '\N' '\N' '\N' '\N' '\N'
	assert_eq "$(dbc "$name" "$sel order by id")" "$row1"$'\n'"$ROW2" "$name: rows, no parameters"
	assert_eq "$(dbc "$name" "$sel where id = ?" -- 1 -- "$sel where id = ?" -- 2)" \
		"$row1"$'\n'"$ROW2" "$name: rows, selected with parameters"
}

check_types my "create table types (id int primary key, i int, b bigint, d decimal(18,4),
	s varchar(50), t text, dt date, ts datetime(6), f boolean, bin blob, fl double)" "x'00ff10'"
check_types lite "create table types (id int primary key, i int, b bigint, d decimal(18,4),
	s varchar(50), t text, dt date, ts datetime, f boolean, bin blob, fl double)" "x'00ff10'"
check_types pg "create table types (id int primary key, i int, b bigint, d numeric(18,4),
	s varchar(50), t text, dt date, ts timestamp(6), f boolean, bin bytea, fl float8)" \
	"'\\x00ff10'::bytea"
my_sql "drop table dbt.types"
check_types myo "create table types (id int primary key, i int, b bigint, d decimal(18,4),
	s varchar(50), t text, dt date, ts datetime(6), f boolean, bin blob, fl double)" "x'00ff10'"
# libpq gives PostgreSQL's own text forms: a boolean reads t.
check_types pgn "create table types (id int primary key, i int, b bigint, d numeric(18,4),
	s varchar(50), t text, dt date, ts timestamp(6), f boolean, bin bytea, fl float8)" \
	"'\\x00ff10'::bytea" "${ROW1/$'\t1\t'/$'\tt\t'}"

# 1 MB of mixed ASCII and multi-byte text, in and out in one value.
big='Zoë ✓ 0123456789 abcdefghij '
for _ in {1..15}; do big+=$big; done
printf '%s' "$big" >"$T_DIR/big.txt"
want=$(printf '%s\n' "$big" | sha256sum)
for name in my lite pg myo pgn; do
	info "$name: a value of ${#big} characters"
	case $name in
	my | myo) type=longtext ;;
	*) type=text ;;
	esac
	[[ $name != myo ]] || my_sql "drop table dbt.big"
	dbc "$name" "create table big (id int primary key, v $type)" \
		"insert into big (id, v) values (?, ?)" -- 1 "@file=$T_DIR/big.txt"
	assert_eq "$(dbc "$name" "select v from big where id = ?" -- 1 | sha256sum)" "$want" \
		"$name: 1 MB value read with parameters"
	assert_eq "$(dbc "$name" "select v from big" | sha256sum)" "$want" \
		"$name: 1 MB value read without parameters"
done

for name in my lite pg myo pgn; do
	info "$name: transactions and statements without rows"
	[[ $name != myo ]] || my_sql "drop table dbt.tx"
	got=$(dbc "$name" "create table tx (id int primary key)" @begin \
		"insert into tx (id) values (?)" -- 1 -- "select count(*) from tx" @rollback \
		"select count(*) from tx")
	assert_eq "$got" $'1\n0' "$name: own row seen inside, gone after rollback"
	dbc "$name" @begin "insert into tx (id) values (?)" -- 2 -- @commit
	dbc "$name" @begin "insert into tx (id) values (3)" # closed without commit
	dbc "$name" @begin "insert into tx (id) values (4)" @rollback "insert into tx (id) values (5)"
	dbc "$name" "update tx set id = id where id = ?" -- 999 -- "delete from tx where id = 999"
	assert_eq "$(dbc "$name" "select id from tx order by id")" $'2\n5' "$name: committed rows only"
	err=$(dbc_err "$name" "select id from tx where id = ? and id = ?" -- 1)
	assert_contains "$err" "statement has 2 placeholders, 1 parameters given"
	err=$(dbc_err "$name" "select nope from tx")
	[[ $err != *"(connection lost)"* ]] || fail "$name: an SQL error is not a lost connection: $err"
done

info "native MariaDB: socket, password, failures"
assert_eq "$(dbc my_sock "select @@port")" "$MY_PORT" "connection over the socket"
assert_eq "$(dbc my_pw "select current_user()")" "spoke@%" "password with } and ;"
err=$(dbc_err my_dead "select 1")
assert_contains "$err" "mysql 127.0.0.1:$dead: " "unreachable server named"
err=$(dbc_err my_badpw "select 1")
assert_contains "$err" "mysql 127.0.0.1:$MY_PORT: Access denied for user 'spoke'"
[[ $err != *wrong-secret-1* && $err != *'***'* ]] || fail "password in the error: $err"
err=$(dbc_err my_nodb "select 1")
assert_contains "$err" "Unknown database 'nope'"
err=$(dbc_err my "KILL CONNECTION_ID()")
assert_contains "$err" "(connection lost)" "a killed connection is lost"

info "ODBC: failures"
err=$(dbc_err pg_dead "select 1")
assert_contains "$err" "Server=127.0.0.1;Port=$dead;" "unreachable server named"
assert_contains "$err" "Connection refused"
err=$(dbc_err pg_badpw "select 1")
assert_contains "$err" 'password authentication failed for user "spoke"'
[[ $err != *wrong-secret-2* && $err != *'***'* ]] || fail "password in the error: $err"
err=$(dbc_err pg_nodb "select 1")
assert_contains "$err" 'database "nope" does not exist'
err=$(dbc_err myo_badpw "select 1")
assert_contains "$err" "Access denied for user 'spoke'"
[[ $err != *wrong-secret-3* && $err != *'***'* ]] || fail "password in the error: $err"
err=$(dbc_err no_driver "select 1")
assert_contains "$err" \
	"ODBC driver 'NoSuch Driver' is not installed: $ODBCSYSINI/odbcinst.ini has no [NoSuch Driver] section"
err=$(dbc_err broken_driver "select 1")
assert_contains "$err" "ODBC driver 'Broken' cannot be loaded (drivers are listed in $ODBCSYSINI/odbcinst.ini)"
assert_contains "$err" "/nonexistent/libbroken.so"
err=$(dbc_err pg "select pg_terminate_backend(pg_backend_pid())")
assert_contains "$err" "(connection lost)" "a terminated backend is lost"
err=$(dbc_err myo "KILL CONNECTION_ID()")
assert_contains "$err" "(connection lost)" "a killed connection is lost"

info "native PostgreSQL: placeholders, session, failures"
# '?' inside strings, identifiers, dollar quotes and comments is text; the others are parameters.
sql=$'select \'it\'\'s ?\' as "a?b", ?::text, $q$ ? $q$, E\'\\\' ?\' /* ? */ -- ?\n, ?::int'
assert_eq "$(dbc pgn "$sql" -- "$TRICKY" '\N')" \
	$'it\'s ?\tit\'s "q" \\\\ back? \\nline 2\t ? \t\' ?\t\\N' "placeholders beside quoted '?'"
assert_eq "$(dbc pgn "show application_name" "show TimeZone")" $'spoke\nUTC'
assert_eq "$(dbc pgn_opts "show application_name" "show search_path" "show DateStyle")" \
	$'mine\nelsewhere\nISO, MDY' "application_name and options of the conninfo kept"
err=$(dbc_err pgn "select 1" @begin "select 1 from types where id = ?" -- x -- "select 2")
assert_contains "$err" 'invalid input syntax for type integer: "x"'
assert_contains "$err" "sqlstate=22P02 transient=no"
# A statement failed inside the transaction: its COMMIT is a rollback, and says so.
err=$(dbc_err pgn @begin "insert into tx (id) values (6)" @try "select nope" @commit)
assert_contains "$err" "tried: postgres 127.0.0.1:$PG_PORT/native: ERROR: column \"nope\" does not exist"
assert_contains "$err" "sqlstate=42703 transient=no"
assert_contains "$err" "COMMIT rolled the transaction back: a statement in it had failed"
assert_eq "$(dbc pgn "select count(*) from tx where id = 6")" 0 "nothing of it committed"
err=$(dbc_err pgn @begin @begin)
assert_contains "$err" "a transaction is already open"
err=$(dbc_err pgn "copy tx to stdout")
assert_contains "$err" "COPY is not supported"
assert_eq "$(dbc pgn "select 1")" 1 "the connection works after a refused COPY"

err=$(dbc_err pgn_dead "select 1")
assert_contains "$err" "postgres 127.0.0.1:$dead/native: " "unreachable server named"
assert_contains "$err" "Connection refused"
[[ $err != *wrong-secret-4* ]] || fail "password in the error: $err"
err=$(dbc_err pgn_uri "select 1")
assert_contains "$err" "postgres 127.0.0.1:$dead/native: " "unreachable server named (URI)"
[[ $err != *uri-secret-6* ]] || fail "password in the error: $err"
err=$(dbc_err pgn_badpw "select 1")
assert_contains "$err" "postgres 127.0.0.1:$PG_PORT/native: "
assert_contains "$err" 'password authentication failed for user "spoke"'
[[ $err != *wrong-secret-5* && $err != *'***'* ]] || fail "password in the error: $err"
err=$(dbc_err pgn_nodb "select 1")
assert_contains "$err" 'database "nope" does not exist'

info "permanent and transient failures"
dbc pgn "create table uq (id int primary key)" "insert into uq (id) values (1)"
err=$(dbc_err pgn "insert into uq (id) values (?)" -- 1)
assert_contains "$err" 'duplicate key value violates unique constraint "uq_pkey"'
assert_contains "$err" "sqlstate=23505 transient=no" "a duplicate key is permanent"
[[ $err != *"(connection lost)"* ]] || fail "a duplicate key is not a lost connection: $err"
for name in my myo; do
	[[ $name != myo ]] || my_sql "drop table dbt.uq"
	dbc "$name" "create table uq (id int primary key)" "insert into uq (id) values (1)"
	err=$(dbc_err "$name" "insert into uq (id) values (?)" -- 1)
	assert_contains "$err" "Duplicate entry '1'"
	assert_contains "$err" "sqlstate=23000 transient=no" "$name: a duplicate key is permanent"
done

# A prepared transaction holds a row lock without a session: lock waits fail the same every time.
dbc pgn "create table lk (id int primary key, v int)" "insert into lk values (1, 0), (2, 0)"
PG_DB=native pg_sql "begin; update lk set v = 9 where id = 1; prepare transaction 'hold'"
err=$(dbc_err pgn "select v from lk where id = ? for update nowait" -- 1)
assert_contains "$err" 'could not obtain lock on row in relation "lk"'
assert_contains "$err" "sqlstate=55P03 transient=yes" "NOWAIT on a locked row is transient"
out=$(dbc pgn "set lock_timeout = '100ms'" @begin "update lk set v = 1 where id = 2" \
	@try "update lk set v = 1 where id = 1" @rollback "select v from lk order by id" 2>&1)
assert_contains "$out" "canceling statement due to lock timeout"
assert_contains "$out" "sqlstate=55P03 transient=yes" "a lock timeout is transient"
assert_contains "$out" $'\n0\n0' "the session goes on after its rollback"
PG_DB=native pg_sql "rollback prepared 'hold'"
assert_eq "$(dbc pgn "update lk set v = 1 where id = 1" "select v from lk order by id")" \
	$'1\n0' "the retry succeeds once the lock is gone"

my_sql "create table dbt.lk (id int primary key, v int); insert into dbt.lk values (1, 0)"
my_sql "xa start 'hold'; update dbt.lk set v = 9 where id = 1; xa end 'hold'; xa prepare 'hold'"
for name in my myo; do
	err=$(dbc_err "$name" "set innodb_lock_wait_timeout = 1" "update lk set v = 1 where id = ?" -- 1)
	assert_contains "$err" "Lock wait timeout exceeded"
	assert_contains "$err" "transient=yes" "$name: a lock wait timeout is transient"
done
my_sql "xa rollback 'hold'"

# Two sessions update two rows in opposite orders: one of them is the deadlock's victim.
spawn deadlock_a "$DBCHECK" "$CONF" pgn_a @begin "update lk set v = 2 where id = 1" @sleep=1500 \
	"update lk set v = 2 where id = 2" @commit
wait_for pg_sql "select 1 from pg_locks l join pg_stat_activity a using (pid)
	where a.application_name = 'spoke_a' and l.locktype = 'transactionid' and l.granted
	and a.state = 'idle in transaction'"
rc=0
out=$("$DBCHECK" "$CONF" pgn @begin "update lk set v = 3 where id = 2" \
	"update lk set v = 3 where id = 1" @commit 2>&1) || rc=$?
rc_a=0
wait_exit deadlock_a 20 || rc_a=$?
((rc + rc_a == 1)) || fail "want exactly one deadlock victim, got exit statuses $rc and $rc_a"
if ((rc == 0)); then out=$(<"$T_DIR/deadlock_a.log"); fi
assert_contains "$out" "deadlock detected"
assert_contains "$out" "sqlstate=40P01 transient=yes" "a deadlock is transient"

# Backends terminated from another session: one idle between statements (noticed by the next
# one), one in the middle of a statement.
has_victim()
{
	[[ $(pg_sql "select count(*) from pg_stat_activity where application_name = 'spoke_a'
		and $1") == 1 ]]
}
for step in @sleep=3000 "select pg_sleep(30)"; do
	if [[ $step == @* ]]; then where="state = 'idle' and query = 'select 1'"; else
		where="state = 'active' and query like 'select pg_sleep%'"
	fi
	spawn victim "$DBCHECK" "$CONF" pgn_a "select 1" "$step" "select 2"
	wait_for has_victim "$where"
	pg_sql "select pg_terminate_backend(pid) from pg_stat_activity where application_name = 'spoke_a'" \
		>/dev/null
	rc=0
	wait_exit victim 20 || rc=$?
	((rc == 1)) || fail "$step: dbcheck exited with $rc, want 1"
	out=$(<"$T_DIR/victim.log")
	assert_contains "$out" "(connection lost)" "$step: a terminated backend is lost"
	assert_contains "$out" "transient=yes" "$step: a terminated backend is transient"
	! grep -qx 2 "$T_DIR/victim.log" || fail "$step: the statement after the termination ran"
done

# An SQLite file locked by another process: busy, which is transient.
mkfifo "$T_DIR/lock.fifo"
# shellcheck disable=SC2016 # expanded by the inner shell
spawn lock_holder sh -c 'exec sqlite3 "$1" <"$2"' sh "$T_DIR/lite.sqlite" "$T_DIR/lock.fifo"
exec {holder}>"$T_DIR/lock.fifo"
printf 'begin exclusive;\n.print locked\n' >&"$holder"
wait_for grep -q locked "$T_DIR/lock_holder.log"
err=$(dbc_err lite_busy "insert into tx (id) values (?)" -- 7)
assert_contains "$err" "database is locked"
assert_contains "$err" "transient=yes" "a locked SQLite database is transient"
printf 'rollback;\n' >&"$holder"
exec {holder}>&-
wait_exit lock_holder
assert_eq "$(dbc lite_busy "insert into tx (id) values (?)" -- 7 -- "select count(*) from tx where id = 7")" \
	1 "the retry succeeds once the lock is gone"
