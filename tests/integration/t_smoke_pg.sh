#!/usr/bin/env bash
# smoke_pg: the harness's PostgreSQL 15 starts with logical decoding, answers SQL over TCP,
# accepts replication connections, decodes with pgoutput and keeps its data across a restart.
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

start_pg

pg_sql "create table t (id int primary key, v text)"
pg_sql "insert into t values (1, 'héllo wörld'), (2, 'tab	and ''quote''')"
assert_eq "$(pg_sql "select v from t where id = 1")" "héllo wörld" "UTF-8 value round trip"
assert_eq "$(pg_sql "select count(*), sum(id) from t")" $'2\t3' "row count"

assert_eq "$(pg_sql "show wal_level")" logical "wal_level"
assert_eq "$(pg_sql "show max_replication_slots")" 20 "max_replication_slots"
assert_eq "$(pg_sql "show max_wal_senders")" 20 "max_wal_senders"
assert_eq "$(pg_sql "show listen_addresses")" 127.0.0.1 "listen_addresses"
assert_eq "$(pg_sql "select inet_server_addr()")" 127.0.0.1 "connected over TCP to 127.0.0.1"

# pgoutput: one inserting transaction decodes to Begin, Relation, Insert, Commit.
assert_eq "$(pg_sql "select slot_name from pg_create_logical_replication_slot('smoke', 'pgoutput')")" \
	smoke "create a logical slot"
assert_eq "$(pg_sql "select plugin, slot_type, database from pg_replication_slots")" \
	$'pgoutput\tlogical\tpostgres' "the slot uses pgoutput"
pg_sql "create publication smoke_pub for table t"
pg_sql "insert into t values (3, 'three')"
assert_eq "$(pg_sql "select string_agg(chr(get_byte(data, 0)), '')
	from pg_logical_slot_peek_binary_changes('smoke', NULL, NULL,
		'proto_version', '1', 'publication_names', 'smoke_pub')")" BRIC "pgoutput message types"

# A replication connection over TCP (what spoke's PostgreSQL reader opens).
sysid=$("$PGBIN/psql" -X -At "$PG_CONNINFO replication=database" -c "IDENTIFY_SYSTEM" | cut -d '|' -f 1)
assert_eq "$sysid" "$(pg_sql "select system_identifier from pg_control_system()")" "IDENTIFY_SYSTEM"

# Restart on the same port with the same data.
port=$PG_PORT
stop_pg
if pg_sql "select 1" 2>/dev/null; then fail "server still answers after stop_pg"; fi
start_pg
assert_eq "$PG_PORT" "$port" "port kept across restart"
assert_eq "$(pg_sql "select v from t where id = 3")" three "data kept across restart"
assert_eq "$(pg_sql "select count(*) from pg_replication_slots where slot_name = 'smoke'")" 1 "slot kept"
