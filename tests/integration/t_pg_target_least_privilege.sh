#!/usr/bin/env bash
# pg_target_least_privilege: deploy/sql/postgres-target.sql gives an applier's role what a
# PostgreSQL target needs and no more: changes are applied exactly as with a superuser, with
# the replication origin set, and the role cannot touch other tables.
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

start_pg
start_broker erp.public.item:1
pg_sql "CREATE TABLE stock (id int PRIMARY KEY, qty int); CREATE TABLE secret (x int)"
psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$PG_PORT" -U postgres -d postgres \
	-v role=spoke_apply -v password=apply-pw-31 \
	-f "$LIB_DIR/../../deploy/sql/postgres-target.sql"
cat >"$T_DIR/stock.json" <<'EOF2'
{"rules": [{"name": "stock", "topics": ["erp.public.item"], "target": "shop", "table": "stock",
  "key": ["id"], "columns": {"id": "after.id", "qty": "after.qty"}}]}
EOF2
printf 'apply-pw-31\n' >"$T_DIR/apply.pw"
cat >"$T_DIR/spoke.conf" <<EOF2
[spoke]
state_dir = $T_DIR/state
[kafka]
bootstrap.servers = $BROKERS
[target shop]
type = postgres
conninfo = host=127.0.0.1 port=$PG_PORT dbname=postgres user=spoke_apply
password_file = apply.pw
[applier shop]
rules = stock.json
batch_timeout = 50ms
EOF2
{
	printf '{"id":1}\t{"before":null,"after":{"id":1,"qty":5},"op":"c"}\n'
	printf '{"id":2}\t{"before":null,"after":{"id":2,"qty":7},"op":"c"}\n'
	printf '{"id":1}\t{"before":{"id":1,"qty":5},"after":{"id":1,"qty":6},"op":"u"}\n'
	printf '{"id":2}\t{"before":{"id":2,"qty":7},"after":null,"op":"d"}\n'
} >"$T_DIR/msgs.txt"
kafka_produce erp.public.item -K $'\t' -l "$T_DIR/msgs.txt"
spawn apply "$SPOKE" apply -c "$T_DIR/spoke.conf"
applied()
{
	[[ $(pg_sql "SELECT string_agg(id || '=' || qty, ',') FROM stock") == "1=6" ]] &&
		[[ $(pg_sql "SELECT next_offset FROM spoke_offsets WHERE applier = 'shop'") == 4 ]]
}
wait_for -t 30 applied
assert_eq "$(pg_sql "SELECT roname FROM pg_replication_origin")" "spoke_shop" "replication origin"
stop_spawned apply
if grep -q "ERROR\|denied" "$T_DIR/apply.log"; then
	fail "the applier hit a missing privilege: $(grep "ERROR\|denied" "$T_DIR/apply.log")"
fi
rc=0
PGPASSWORD=apply-pw-31 psql -X -q -h 127.0.0.1 -p "$PG_PORT" -U spoke_apply -d postgres \
	-c "INSERT INTO secret VALUES (1)" 2>/dev/null || rc=$?
[[ $rc != 0 ]] || fail "the applier's role may write another table"
