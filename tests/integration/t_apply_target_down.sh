#!/usr/bin/env bash
# apply_target_down: the target PostgreSQL stops in the middle of a run and comes back. The
# applier says once per attempt which target it cannot reach and retries with backoff; once
# the server is back every change is applied exactly once (an insert-only audit table has no
# duplicate and no gap) and nothing went to the dead-letter topic.
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

N=30000
start_pg
start_broker erp.public.stock:4 audit.dlq:1
pg_sql "CREATE TABLE audit (n int NOT NULL, qty int NOT NULL)"
cat >"$T_DIR/audit.json" <<'EOF2'
{"rules": [{"name": "stock_audit", "topics": ["erp.public.stock"], "target": "erp",
  "table": "audit", "mode": "insert", "columns": {"n": "after.n", "qty": "after.qty"}}]}
EOF2
cat >"$T_DIR/spoke.conf" <<EOF2
[kafka]
bootstrap.servers = $BROKERS
[target erp]
type = postgres
conninfo = $PG_CONNINFO password=s3cret-never-shown connect_timeout=2
[applier audit]
rules = audit.json
batch_size = 200
dead_letter_topic = audit.dlq
EOF2
awk -v n=$N 'BEGIN { for (i = 1; i <= n; i++)
	printf "{\"id\":%d}\t{\"before\":null,\"after\":{\"id\":%d,\"n\":%d,\"qty\":%d},\"op\":\"u\"}\n", i % 101, i % 101, i, i % 7 }' \
	>"$T_DIR/changes.txt"
kafka_produce erp.public.stock -K $'\t' -l "$T_DIR/changes.txt"
audited()
{
	pg_sql "SELECT count(*) FROM audit"
}
audited_ge()
{
	(($(audited) >= $1))
}
log_has()
{
	grep -q "$1" "$T_DIR/apply.log"
}
spawn apply "$SPOKE" apply -c "$T_DIR/spoke.conf"
wait_for -t 60 audited_ge 2000
stop_pg
wait_for -t 30 log_has "retrying in"
sleep 2
start_pg
wait_for -t 120 audited_ge $N
sleep 1
stop_spawned apply
assert_eq "$(pg_sql "SELECT count(*), count(DISTINCT n), min(n), max(n) FROM audit")" \
	$'30000\t30000\t1\t30000' "rows, distinct changes, first, last"
assert_eq "$(kafka_count audit.dlq)" 0 "dead letters"
grep "WARN" "$T_DIR/apply.log" | head -3 >&2 || true
assert_contains "$(grep -m1 'retrying in' "$T_DIR/apply.log")" "target erp"
if grep -q "s3cret-never-shown" "$T_DIR/apply.log"; then
	fail "the password appeared in the log"
fi
