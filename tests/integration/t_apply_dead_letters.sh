#!/usr/bin/env bash
# apply_dead_letters: a message that is not JSON, one a rule cannot evaluate and one the target
# refuses (a CHECK constraint) each land in the dead-letter topic with the headers that say
# why and where they came from; every message after them is applied, in order.
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

start_pg
start_broker erp.public.item:1 shop.dlq:1
pg_sql "CREATE TABLE item (id int PRIMARY KEY, name text NOT NULL, qty int CHECK (qty >= 0))"
cat >"$T_DIR/items.json" <<'EOF2'
{"rules": [{
  "name": "items",
  "topics": ["erp.public.item"],
  "target": "erp",
  "table": "item",
  "key": ["id"],
  "columns": {"id": "after.id", "name": "upper(after.name)", "qty": "number(after.qty)"}
}]}
EOF2
cat >"$T_DIR/spoke.conf" <<EOF2
[kafka]
bootstrap.servers = $BROKERS
[target erp]
type = postgres
conninfo = $PG_CONNINFO
[applier shop]
rules = items.json
batch_size = 100
batch_timeout = 50ms
dead_letter_topic = shop.dlq
EOF2
ev()
{
	printf '{"id":%s}\t{"before":null,"after":{"id":%s,"name":"%s","qty":%s},"op":"c","source":{"table":"item"}}\n' "$1" "$1" "$2" "$3"
}
{
	ev 1 first 5
	printf '{"id":2}\tthis is not JSON\n'
	ev 3 bad '"abc"'
	ev 4 negative -1
	ev 5 last 7
	ev 1 again 6
} >"$T_DIR/messages.txt"
kafka_produce erp.public.item -K $'\t' -l "$T_DIR/messages.txt"
spawn apply "$SPOKE" apply -c "$T_DIR/spoke.conf"
rows()
{
	pg_sql "SELECT id, name, qty FROM item ORDER BY id" | tr '\t\n' ' ;'
}
has_all()
{
	[[ $(rows) == "1 AGAIN 6;5 LAST 7;" ]]
}
wait_for -t 30 has_all
wait_for -t 10 kafka_count_ge shop.dlq 3
stop_spawned apply
dlq=$(kafka_consume shop.dlq -f '%o|%k|%s|%h\n')
info "$dlq"
assert_eq "$(kafka_count shop.dlq)" 3 "dead letters"
line0=$(sed -n 1p <<<"$dlq")
line1=$(sed -n 2p <<<"$dlq")
line2=$(sed -n 3p <<<"$dlq")
assert_contains "$line0" '|{"id":2}|this is not JSON|spoke.error=not JSON'
assert_contains "$line0" 'spoke.rule=,spoke.topic=erp.public.item,spoke.partition=0,spoke.offset=1'
assert_contains "$line1" 'spoke.error=rule items: column '"'"'qty'"'"
assert_contains "$line1" "'abc'"
assert_contains "$line1" 'spoke.rule=items,spoke.topic=erp.public.item,spoke.partition=0,spoke.offset=2'
assert_contains "$line2" 'spoke.error=target erp: item:'
assert_contains "$line2" 'check constraint'
assert_contains "$line2" 'spoke.rule=items,spoke.topic=erp.public.item,spoke.partition=0,spoke.offset=3'
# the target's offsets passed every message, dead letters included
assert_eq "$(pg_sql "SELECT topic, part, next_offset FROM spoke_offsets WHERE applier = 'shop'")" \
	$'erp.public.item\t0\t6' "stored offsets"
# a restart applies nothing again and sends no dead letter twice
spawn apply2 "$SPOKE" apply -c "$T_DIR/spoke.conf"
sleep 2
stop_spawned apply2
assert_eq "$(kafka_count shop.dlq)" 3 "dead letters after a restart"
assert_eq "$(rows)" "1 AGAIN 6;5 LAST 7;" "rows after a restart"
