#!/usr/bin/env bash
# pg_memory: one transaction inserting 1,000,000 narrow rows, captured while it streams: the
# capture process's peak RSS (VmHWM of /proc/PID/status) stays under 64 MB, and Kafka holds
# exactly 1,000,000 messages for it (the idempotent producer neither loses nor repeats one).
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# shellcheck source=pglib.sh
source "$LIB_DIR/pglib.sh"

ROWS=1000000
LIMIT_KB=$((64 * 1024))
start_pg
# ~330 bytes an event: 128 partitions of ~5 MiB keep all 1,000,000
start_broker erp.public.t:128
pg_sql "CREATE TABLE t (id int PRIMARY KEY, v int NOT NULL)"
pg_conf
"$SPOKE" setup -c "$CONF" 2>"$T_DIR/setup.log"
capture_start
pid=$CAPTURE_PID
wait_streaming

hwm() { awk '/^VmHWM:/ { print $2 }' "/proc/$pid/status"; }
rss() { awk '/^VmRSS:/ { print $2 }' "/proc/$pid/status"; }
info "before the transaction: VmHWM $(hwm) kB"
t0=$(_lib_now_ms)
pg_sql "INSERT INTO t SELECT g, g FROM generate_series(1, $ROWS) g"
lsn=$(wal_lsn)
info "committed $ROWS rows in $(($(_lib_now_ms) - t0)) ms (commit at or before $lsn)"
t1=$(_lib_now_ms)
deadline=$((t1 + 120000))
until confirmed_ge "$lsn"; do
	_lib_alive "$pid" || fail "capture exited: $(tail -n 5 "$T_DIR/capture.log")"
	(($(_lib_now_ms) < deadline)) || fail "capture did not confirm the transaction within 120 s"
	info "VmRSS $(rss) kB, VmHWM $(hwm) kB, slot confirmed $(slot_confirmed)"
	sleep 1
done
peak=$(hwm)
secs=$((($(_lib_now_ms) - t1) / 1000))
info "the transaction reached Kafka ${secs}s after its commit; peak RSS (VmHWM) of capture: $((peak / 1024)) MB ($peak kB)"
if ldd "$SPOKE" 2>/dev/null | grep -q libasan; then
	info "AddressSanitizer build: its shadow memory and quarantine make RSS meaningless; not checked"
else
	((peak < LIMIT_KB)) || fail "peak RSS $peak kB is not under $LIMIT_KB kB"
fi
count=$(KAFKA_TIMEOUT=120 kafka_count erp.public.t)
assert_eq "$count" "$ROWS" "messages in Kafka"
stop_spawned capture
