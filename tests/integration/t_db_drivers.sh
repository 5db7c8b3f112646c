#!/usr/bin/env bash
# db_drivers: spoke's database drivers (src/db) through tests/integration/dbcheck against real
# servers: MariaDB natively, and ODBC with SQLite3, PostgreSQL Unicode and MariaDB Unicode.
# Every type reads back as the exact text written, parameters carry NULL, quotes and
# backslashes, a 1 MB value round-trips, a rolled-back transaction leaves nothing, and failures
# (unreachable server, bad password, unknown database, missing ODBC driver, killed connection)
# say where and why without the password.
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

setup_odbc
printf '\n[Broken]\nDriver=/nonexistent/libbroken.so\n' >>"$ODBCSYSINI/odbcinst.ini"
cat >"$T_DIR/pg_hba.conf" <<-'HBA'
	local all all trust
	host all postgres 127.0.0.1/32 trust
	host all all 127.0.0.1/32 scram-sha-256
HBA
start_pg "hba_file='$T_DIR/pg_hba.conf'"
pg_sql "create role spoke login password '$PW'; grant create on schema public to spoke"
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

info "products"
assert_eq "$(dbc my @product)" MariaDB
assert_eq "$(dbc lite @product)" SQLite
assert_eq "$(dbc pg @product)" PostgreSQL
assert_eq "$(dbc myo @product)" MariaDB

# The same rows on every backend: ints, decimal, unicode, quotes and backslash, date, time,
# boolean, binary (00 ff 10), double; then a row of NULLs, all through parameters.
TRICKY=$'it\'s "q" \\ back? \nline 2'
ROW1=$'-42\t9007199254740993\t-12345.6789\tZoë ✓\tit\'s "q" \\\\ back? \\nline 2\t2026-11-23\t'
ROW1+=$'2026-11-23 10:00:00.123456\t1\t\\x00ff10\t0.1'
ROW2=$'\\N\t\\N\t\\N\t\\N\t\\N\t\\N\t\\N\t\\N\t\\N\t\\N'
COLS="i, b, d, s, t, dt, ts, f, bin, fl"

# check_types NAME DDL BINARY: BINARY is the SQL expression of the bytes 00 ff 10.
check_types()
{
	local name=$1 ddl=$2 bin=$3 sel="select $COLS from types"
	info "$name: types"
	dbc "$name" "$ddl" \
		"insert into types (id, $COLS) values (?, ?, ?, ?, ?, ?, ?, ?, ?, $bin, ?)" \
		-- 1 -42 9007199254740993 -12345.6789 'Zoë ✓' "$TRICKY" 2026-11-23 \
		'2026-11-23 10:00:00.123456' 1 0.1 -- \
		"insert into types (id, $COLS) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)" \
		-- 2 '\N' '\N' '\N' '\N' '\N' '\N' '\N' '\N' '\N' '\N'
	assert_eq "$(dbc "$name" "$sel order by id")" "$ROW1"$'\n'"$ROW2" "$name: rows, no parameters"
	assert_eq "$(dbc "$name" "$sel where id = ?" -- 1 -- "$sel where id = ?" -- 2)" \
		"$ROW1"$'\n'"$ROW2" "$name: rows, selected with parameters"
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

# 1 MB of mixed ASCII and multi-byte text, in and out in one value.
big='Zoë ✓ 0123456789 abcdefghij '
for _ in {1..15}; do big+=$big; done
printf '%s' "$big" >"$T_DIR/big.txt"
want=$(printf '%s\n' "$big" | sha256sum)
for name in my lite pg myo; do
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

for name in my lite pg myo; do
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
