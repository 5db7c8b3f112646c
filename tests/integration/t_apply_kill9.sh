#!/usr/bin/env bash
# apply_kill9: exactly once. 100,000 changes go through an applier into an insert-only audit
# table while the applier is killed with SIGKILL three times; afterwards the table holds each
# change exactly once: no duplicate, no gap. The applier's memory stays bounded.
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

N=100000
start_pg
start_broker erp.public.stock:8
pg_sql "CREATE TABLE audit (n int NOT NULL, op text NOT NULL, qty numeric NOT NULL)"
cat >"$T_DIR/audit.json" <<'EOF2'
{"rules": [{
  "name": "stock_audit",
  "topics": ["erp.public.stock"],
  "target": "erp",
  "table": "audit",
  "mode": "insert",
  "columns": {"n": "after.n", "op": "op", "qty": "after.qty * 1.2"}
}]}
EOF2
cat >"$T_DIR/spoke.conf" <<EOF2
[kafka]
bootstrap.servers = $BROKERS
[target erp]
type = postgres
conninfo = $PG_CONNINFO
[applier audit]
rules = audit.json
batch_size = 500
EOF2
# keys spread over the partitions; each change carries its sequence number n
awk -v n=$N 'BEGIN { for (i = 1; i <= n; i++)
	printf "{\"id\":%d}\t{\"before\":null,\"after\":{\"id\":%d,\"n\":%d,\"qty\":\"%d.5\"},\"op\":\"u\"}\n", i % 997, i % 997, i, i }' \
	>"$T_DIR/changes.txt"
kafka_produce erp.public.stock -K $'\t' -l "$T_DIR/changes.txt"
assert_eq "$(kafka_count erp.public.stock)" "$N" "changes in Kafka"
audited()
{
	pg_sql "SELECT count(*) FROM audit"
}
audited_ge()
{
	(($(audited) >= $1))
}
for round in 1 2 3; do
	spawn apply "$SPOKE" apply -c "$T_DIR/spoke.conf"
	wait_for -t 120 audited_ge $((round * N / 4))
	kill -KILL "$SPAWNED_PID"
	wait_exit apply || true
	info "round $round: killed at $(audited) rows"
done
spawn apply "$SPOKE" apply -c "$T_DIR/spoke.conf"
wait_for -t 180 audited_ge $N
sleep 1 # anything beyond N would be a duplicate
# bounded memory: batches and the consumer's prefetch queue are capped, whatever the backlog
hwm=$(awk '/VmHWM/ {print $2}' "/proc/$SPAWNED_PID/status")
info "peak RSS of the last run: $((hwm / 1024)) MB"
if ldd "$SPOKE" 2>/dev/null | grep -q libasan; then
	info "AddressSanitizer build: RSS is not meaningful; not checked"
else
	((hwm < 128 * 1024)) || fail "the applier's peak RSS was $((hwm / 1024)) MB"
fi
stop_spawned apply
assert_eq "$(pg_sql "SELECT count(*), count(DISTINCT n), min(n), max(n) FROM audit")" \
	$'100000\t100000\t1\t100000' "rows, distinct changes, first, last"
assert_eq "$(pg_sql "SELECT qty FROM audit WHERE n = 7")" "9" "qty * 1.2, exact"
assert_eq "$(pg_sql "SELECT sum(next_offset) FROM spoke_offsets WHERE applier = 'audit'")" "$N" \
	"stored offsets"
