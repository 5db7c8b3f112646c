#!/usr/bin/env bash
# smoke_odbc: the three ODBC drivers of the private odbcinst.ini work through unixODBC:
# SQLite3 on a file, PostgreSQL Unicode and MariaDB Unicode against the harness's servers.
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

setup_odbc
assert_eq "$(odbcinst -q -d | sort | tr '\n' ' ')" "[MariaDB Unicode] [PostgreSQL Unicode] [SQLite3] " \
	"drivers of the private odbcinst.ini"

# SQLite3 on a file; the file also answers through the sqlite3 shell.
db=$T_DIR/smoke.sqlite
lite="Driver={SQLite3};Database=$db;"
odbc_sql "$lite" "create table t (id integer primary key, v text)"
odbc_sql "$lite" "insert into t values (1, 'héllo'), (2, 'two')"
assert_eq "$(odbc_sql "$lite" "select id, v from t order by id")" $'1\théllo\n2\ttwo' "SQLite3 rows"
assert_eq "$(sqlite3 "$db" "select group_concat(v, ',') from t")" "héllo,two" "written to the file"

start_pg
pg_sql "create table t (id int primary key, v text); insert into t values (1, 'héllo'), (2, 'two')"
pgc="Driver={PostgreSQL Unicode};Server=127.0.0.1;Port=$PG_PORT;Database=postgres;Uid=postgres;"
assert_eq "$(odbc_sql "$pgc" "select id, v from t order by id")" $'1\théllo\n2\ttwo' "PostgreSQL rows"
odbc_sql "$pgc" "insert into t values (3, 'three')"
assert_eq "$(pg_sql "select v from t where id = 3")" three "PostgreSQL insert through ODBC"

start_mariadb
my_sql "create database smoke; create table smoke.t (id int primary key, v varchar(20)) default charset utf8mb4"
my_sql "insert into smoke.t values (1, 'héllo'), (2, 'two')"
myc="Driver={MariaDB Unicode};Server=127.0.0.1;Port=$MY_PORT;Database=smoke;Uid=root;"
assert_eq "$(odbc_sql "$myc" "select id, v from t order by id")" $'1\théllo\n2\ttwo' "MariaDB rows"
odbc_sql "$myc" "insert into t values (3, 'three')"
assert_eq "$(my_sql "select v from smoke.t where id = 3")" three "MariaDB insert through ODBC"

# A failing statement is reported as a failure.
if odbc_sql "$lite" "select nope from missing" 2>/dev/null; then
	fail "odbc_sql did not report an SQL error"
fi
