#!/usr/bin/env bash
# pg_errors: what goes wrong says what is wrong, names the object and how to fix it, and exits 1:
# setup on a table without primary key (nothing is changed); a table in `tables` that does not
# exist; a server with wal_level = replica (setup and capture); capture before setup (no
# publication); the slot read by another process (pg_recvlogical): capture waits up to 30 s for
# it, then names the process.
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# shellcheck source=pglib.sh
source "$LIB_DIR/pglib.sh"

start_pg
start_broker
pg_sql <<'SQL'
CREATE TABLE ok (id int PRIMARY KEY);
CREATE TABLE nokey (a int, b text);
SQL

# run_spoke NAME ARGS...: runs spoke, its stderr in NAME.log; prints its exit status
run_spoke()
{
	local name=$1 rc=0
	shift
	timeout 30 "$SPOKE" "$@" 2>"$T_DIR/$name.log" >/dev/null || rc=$?
	echo "$rc"
}
nothing_made()
{
	assert_eq "$(pg_sql "SELECT (SELECT count(*) FROM pg_publication) + (SELECT count(*) FROM pg_replication_slots)")" 0 \
		"$1: publications and slots made"
}

# 1. a table without a primary key
pg_conf tables=public.ok,public.nokey
assert_eq "$(run_spoke setup-nokey setup -c "$CONF")" 1 "setup exit status (no primary key)"
info "$(cat "$T_DIR/setup-nokey.log")"
assert_contains "$(cat "$T_DIR/setup-nokey.log")" \
	"ERROR setup[erp]: table public.nokey has no primary key (nor replica identity): once published, PostgreSQL refuses its UPDATEs and DELETEs; add a primary key, or run ALTER TABLE public.nokey REPLICA IDENTITY FULL"
assert_contains "$(cat "$T_DIR/setup-nokey.log")" "ERROR setup[erp]: 1 table problem(s); nothing was changed"
nothing_made "setup on a table without primary key"

# 2. a table that does not exist
pg_conf tables=public.ok,public.nope
assert_eq "$(run_spoke setup-nope setup -c "$CONF")" 1 "setup exit status (unknown table)"
info "$(cat "$T_DIR/setup-nope.log")"
assert_contains "$(cat "$T_DIR/setup-nope.log")" "ERROR setup[erp]: table public.nope does not exist"
assert_contains "$(cat "$T_DIR/setup-nope.log")" "nothing was changed"
nothing_made "setup with an unknown table"

# 3. capture before setup: no publication
pg_conf tables=public.ok
assert_eq "$(run_spoke capture-nopub capture -c "$CONF")" 1 "capture exit status (no publication)"
info "$(cat "$T_DIR/capture-nopub.log")"
assert_contains "$(cat "$T_DIR/capture-nopub.log")" \
	"ERROR capture[erp]: publication spoke_erp does not exist: run spoke setup -c $CONF --source erp"
nothing_made "capture without publication"

# 4. the slot read by pg_recvlogical: capture waits 30 s for it (the wal_level checks below run
# meanwhile), then names the process
"$SPOKE" setup -c "$CONF" 2>"$T_DIR/setup.log"
spawn recvlogical "$PGBIN/pg_recvlogical" -d "$PG_CONNINFO" -S spoke_erp --start -f /dev/null \
	-o proto_version=1 -o publication_names=spoke_erp
slot_active() { [[ $(pg_sql "SELECT active FROM pg_replication_slots WHERE slot_name = 'spoke_erp'") == t ]]; }
wait_for -t 10 slot_active
holder=$(pg_sql "SELECT active_pid FROM pg_replication_slots WHERE slot_name = 'spoke_erp'")
busy_started=$(_lib_now_ms)
capture_start capture-busy
pg1_port=$PG_PORT

# 5. wal_level = replica: setup and capture both refuse, with the fix
start_pg pg2 wal_level=replica
pg_sql "CREATE TABLE ok (id int PRIMARY KEY)"
pg_conf tables=public.ok
assert_eq "$(run_spoke setup-replica setup -c "$CONF")" 1 "setup exit status (wal_level replica)"
info "$(cat "$T_DIR/setup-replica.log")"
assert_contains "$(cat "$T_DIR/setup-replica.log")" \
	"ERROR setup[erp]: wal_level is replica: set wal_level = logical in postgresql.conf and restart PostgreSQL"
nothing_made "setup on wal_level = replica"
assert_eq "$(run_spoke capture-replica capture -c "$CONF")" 1 "capture exit status (wal_level replica)"
info "$(cat "$T_DIR/capture-replica.log")"
assert_contains "$(cat "$T_DIR/capture-replica.log")" \
	"ERROR capture[erp]: wal_level is replica: set wal_level = logical in postgresql.conf and restart PostgreSQL"
stop_pg pg2
PG_PORT=$pg1_port

# back to 4.
rc=0
wait_exit capture-busy 45 || rc=$?
waited=$((($(_lib_now_ms) - busy_started) / 1000))
info "$(cat "$T_DIR/capture-busy.log")"
assert_eq "$rc" 1 "capture exit status (slot in use)"
assert_contains "$(cat "$T_DIR/capture-busy.log")" \
	"ERROR capture[erp]: slot spoke_erp is in use by process $holder: another spoke or consumer reads it; stop that process (SELECT pg_terminate_backend($holder)) or give this source another slot"
((waited >= 25)) || fail "capture gave up on the busy slot after ${waited}s, before its 30 s"
info "capture waited ${waited}s for the busy slot"
slot_active || fail "pg_recvlogical lost the slot"
stop_spawned recvlogical || true
