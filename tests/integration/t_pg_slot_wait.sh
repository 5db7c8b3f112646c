#!/usr/bin/env bash
# pg_slot_wait: creating the slot waits for the transactions that were running to end; while
# it waits, capture says so every 10 s and names the oldest of them (pid, user, application),
# then goes on by itself once they end: the row they wrote is in the snapshot.
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
source "$LIB_DIR/pglib.sh"

start_pg
start_broker erp.public.t:1
pg_sql "CREATE TABLE t (id int PRIMARY KEY)"
pg_conf tables=public.t
"$SPOKE" setup -c "$CONF"
# A transaction with an id, open for 14 s.
PGAPPNAME=long-report pg_sql "BEGIN; INSERT INTO t VALUES (1); SELECT pg_sleep(14); COMMIT;" \
	>/dev/null 2>&1 &
holder=$!
sleep 1
capture_start
waiting()
{
	log_has capture "still waiting after 1"
}
wait_for -t 20 waiting
assert_contains "$(cat "$T_DIR/capture.log")" "application 'long-report'"
wait "$holder"
wait_for -t 30 kafka_count_ge erp.public.t 1
assert_eq "$(kafka_consume erp.public.t -f '%k\n')" '{"id":1}' "the row of the transaction"
