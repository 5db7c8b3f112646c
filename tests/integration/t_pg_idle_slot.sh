#!/usr/bin/env bash
# pg_idle_slot: with writes only to a table outside the publication, the slot does not pin WAL:
# while capture runs (status_interval = 1s), its confirmed_flush_lsn moves past the LSN of
# those writes, and after a checkpoint (which logs the running transactions decoding restarts
# from) its restart_lsn moves too. Nothing is published for those writes.
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# shellcheck source=pglib.sh
source "$LIB_DIR/pglib.sh"

start_pg
start_broker erp.public.t:1
pg_sql <<'SQL'
CREATE TABLE t (id int PRIMARY KEY);
CREATE TABLE other (id serial PRIMARY KEY, v text);
INSERT INTO t VALUES (1);
SQL
pg_conf status_interval=1s
"$SPOKE" setup -c "$CONF" 2>"$T_DIR/setup.log"
capture_start
wait_streaming
start=$(slot_confirmed)
restart=$(pg_sql "SELECT restart_lsn FROM pg_replication_slots")

# three rounds of writes to the other table, each of which the slot must pass
for round in 1 2 3; do
	pg_sql "INSERT INTO other (v) SELECT repeat('x', 100) FROM generate_series(1, 1000)"
	pg_sql "UPDATE other SET v = 'round $round'"
	lsn=$(wal_lsn)
	t0=$(_lib_now_ms)
	wait_for -t 15 confirmed_ge "$lsn"
	info "round $round: writes up to $lsn, confirmed $(slot_confirmed) after $(($(_lib_now_ms) - t0)) ms"
done
lsn_ge "$(slot_confirmed)" "$start" || fail "confirmed_flush_lsn went back"
[[ $(slot_confirmed) != "$start" ]] || fail "confirmed_flush_lsn did not move"
# a checkpoint logs the running transactions: decoding may restart from there, so the slot
# releases the WAL before it
pg_sql "CHECKPOINT"
lsn=$(wal_lsn)
wait_for -t 15 confirmed_ge "$lsn"
restart_after() { [[ $(pg_sql "SELECT restart_lsn > '$1' FROM pg_replication_slots") == t ]]; }
wait_for -t 15 restart_after "$restart"
info "slot: restart_lsn $restart -> $(pg_sql "SELECT restart_lsn FROM pg_replication_slots"), confirmed_flush_lsn $start -> $(slot_confirmed); current WAL $(wal_lsn)"
assert_eq "$(kafka_count erp.public.t)" 1 "events published (the snapshot's row only)"
stop_spawned capture
