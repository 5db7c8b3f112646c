#!/usr/bin/env bash
# smoke_mariadb: the harness's MariaDB 10.11 answers SQL over its socket and over TCP, and logs
# row events (ROW format, FULL image and metadata) to its binlog.
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

start_mariadb

my_sql "create database smoke"
my_sql "create table smoke.t (id int primary key, v varchar(50)) default charset utf8mb4"
my_sql "insert into smoke.t values (1, 'héllo wörld'), (2, 'two')"
assert_eq "$(my_sql "select v from smoke.t where id = 1")" "héllo wörld" "UTF-8 value round trip"
assert_eq "$(MY_DB=smoke my_sql "select count(*), sum(id) from t")" $'2\t3' "row count"

assert_eq "$(my_sql "select @@log_bin, @@binlog_format, @@binlog_row_image, @@binlog_row_metadata")" \
	$'1\tROW\tFULL\tFULL' "binlog settings"
assert_eq "$(my_sql "select @@port")" "$MY_PORT" "port"
assert_eq "$(my_sql "select @@bind_address")" 127.0.0.1 "bind address"

# Over TCP as root without a password (what spoke's MariaDB reader does).
got=$(mariadb --no-defaults --protocol=TCP -h "$MY_HOST" -P "$MY_PORT" -uroot -N -B \
	-e "select v from smoke.t where id = 2")
assert_eq "$got" two "query over TCP"

# The insert is in the binlog as a row event.
binlog=$(my_sql "show master status" | cut -f 1)
[[ $binlog == binlog.* ]] || fail "unexpected binlog file name '$binlog'"
events=$(my_sql "show binlog events in '$binlog'" | cut -f 3 | sort | uniq -c | awk '{print $2 "=" $1}' | tr '\n' ' ')
assert_contains "$events" "Write_rows_v1=1" "one Write_rows event for the insert"
assert_contains "$events" "Table_map=1" "one Table_map event"
