#!/usr/bin/env bash
# pg_sigterm_restart: SIGTERM flushes Kafka, confirms the position of the last change (with
# status_interval = 1h, that final status update is the only one) and exits 0; a restart
# streams from there without a new snapshot (no op "r"), with every change made while spoke
# was down and nothing sent twice. SIGTERM while Kafka's queue is full, in the middle of a
# transaction, also exits 0 after flushing, and the next start sends that transaction again.
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# shellcheck source=pglib.sh
source "$LIB_DIR/pglib.sh"

start_pg
# t: one partition, so offsets count the events and follow the changes
start_broker erp.public.t:1 erp.public.big:4
pg_sql <<'SQL'
CREATE TABLE t (id int PRIMARY KEY, v text);
INSERT INTO t SELECT g, 'snap' FROM generate_series(1, 100) g;
CREATE TABLE big (id int PRIMARY KEY);
SQL
pg_conf status_interval=1h tables=public.t,public.big
"$SPOKE" setup -c "$CONF" 2>"$T_DIR/setup.log"

# messages in the (one-partition) topic: the offset after the last one
kafka_end() { kafka_consume erp.public.t -o -1 -f '%o\n' | awk '{ n = $1 + 1 } END { print n + 0 }'; }
kafka_end_ge() { (($(kafka_end) >= $1)); }
# the end LSN of the last transaction the probe slot (test_decoding) sees
last_commit_end() { pg_sql "SELECT lsn FROM pg_logical_slot_peek_changes('probe', NULL, NULL) WHERE data LIKE 'COMMIT%' ORDER BY lsn DESC LIMIT 1"; }
insert_lsn() { pg_sql "SELECT pg_current_wal_insert_lsn()"; }

# 1. snapshot, then changes in several transactions; SIGTERM once Kafka has them all
capture_start capture1
wait_streaming capture1
pg_sql "SELECT 'probe', pg_create_logical_replication_slot('probe', 'test_decoding')" >/dev/null
pg_sql <<'SQL'
INSERT INTO t SELECT g, 'one' FROM generate_series(101, 150) g;
UPDATE t SET v = 'two' WHERE id <= 10;
DELETE FROM t WHERE id = 11;
BEGIN;
INSERT INTO t VALUES (151, 'three');
UPDATE t SET v = 'three' WHERE id = 12;
COMMIT;
SQL
# 100 r + 50 c + 10 u + 1 d + 1 tombstone + 2
wait_for -t 20 kafka_end_ge 164
before=$(slot_confirmed)
last=$(last_commit_end)
rc=0
stop_spawned capture1 || rc=$?
assert_eq "$rc" 0 "capture exit status after SIGTERM"
after=$(slot_confirmed)
wal=$(insert_lsn)
info "slot confirmed $before before SIGTERM, $after after; last commit ends at $last; WAL at $wal"
assert_contains "$(cat "$T_DIR/capture1.log")" "INFO capture[erp]: stopped; confirmed $after"
if [[ $wal == "$last" ]]; then
	assert_eq "$after" "$last" "confirmed_flush_lsn after SIGTERM (the end of the last change)"
else
	# other WAL after the last change (a checkpoint's running-transactions record): a keepalive
	# may carry the slot past it, never beyond what the server has
	lsn_ge "$after" "$last" || fail "confirmed $after is before the last change ($last)"
	lsn_ge "$wal" "$after" || fail "confirmed $after is beyond the WAL ($wal)"
fi
assert_eq "$(kafka_end)" 164 "events in Kafka after the stop"

# 2. changes while spoke is down, then a restart: no snapshot, nothing repeated, nothing lost
pg_sql <<'SQL'
INSERT INTO t VALUES (152, 'down');
UPDATE t SET v = 'down' WHERE id = 13;
DELETE FROM t WHERE id = 14;
SQL
capture_start capture2
wait_streaming capture2
wait_for -t 20 kafka_end_ge 168
grep -F snapshot "$T_DIR/capture2.log" && fail "the restart took a snapshot"
events erp.public.t >"$T_DIR/t.events"
assert_eq "$(jq -r '.v.op // "tombstone"' "$T_DIR/t.events" | sort | uniq -c | tr -s ' \n' ' ')" \
	" 52 c 2 d 100 r 2 tombstone 12 u " "events after the restart (none repeated)"
assert_eq "$(jq -c 'select(.o >= 164) | [.k.id, .v.op // null, .v.after.v // null]' "$T_DIR/t.events")" \
	'[152,"c","down"]
[13,"u","down"]
[14,"d",null]
[14,null,null]' "the changes made while spoke was down"

# 3. SIGTERM while Kafka's queue is full: linger.ms = 2000 holds the first 1,000 messages of a
# 5,000-row transaction in a queue of 1,000 while capture waits for room. Capture exits 0
# (nothing failed: it was asked to stop), flushes what was queued, leaves the slot before the
# transaction, and the next start sends the transaction again, in full.
stop_spawned capture2
pg_conf status_interval=1s tables=public.t,public.big
sed -i 's/^\[kafka\]$/[kafka]\nlinger.ms = 2000\nqueue.buffering.max.messages = 1000/' "$CONF"
capture_start capture3
wait_streaming capture3
before=$(slot_confirmed)
pg_sql "INSERT INTO big SELECT g FROM generate_series(1, 5000) g"
big_end=$(last_commit_end)
sent() { [[ $(pg_sql "SELECT sent_lsn >= '$big_end' FROM pg_stat_replication WHERE application_name = 'spoke-erp'") == t ]]; }
wait_for sent
rc=0
stop_spawned capture3 || rc=$?
flushed=$(kafka_count erp.public.big)
info "SIGTERM during the transaction (ends at $big_end): $flushed of its 5,000 events flushed to Kafka; slot confirmed $before before, $(slot_confirmed) after"
tail -n 3 "$T_DIR/capture3.log"
assert_eq "$rc" 0 "capture exit status after SIGTERM with Kafka's queue full"
if grep -E '^(ERROR|WARN)' "$T_DIR/capture3.log"; then
	fail "capture logged an error or warning on SIGTERM"
fi
# the stop found the queue full (with room, no message waits 2 s for linger.ms) and flushed it
assert_eq "$flushed" 1000 "events flushed to Kafka at SIGTERM (a full queue)"
confirmed_ge "$big_end" && fail "the slot passed a transaction Kafka does not have in full"
pg_conf status_interval=1s tables=public.t,public.big
capture_start capture4
wait_streaming capture4
caught_up 30
kafka_read erp.public.big >"$T_DIR/big.values"
assert_eq "$(jq -r '.after.id' "$T_DIR/big.values" | sort -u | wc -l)" 5000 "rows of the transaction in Kafka"
assert_eq "$(jq -r 'select(.op != "c")' "$T_DIR/big.values")" "" "events of big other than creates"
info "events of the transaction: $(wc -l <"$T_DIR/big.values") (those flushed at SIGTERM are sent again)"
assert_eq "$(kafka_read erp.public.t | jq -r 'select(.op == "r") | .after.id' | wc -l)" 100 "snapshot reads (op r) in all"
stop_spawned capture4
