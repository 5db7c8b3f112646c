#!/usr/bin/env bash
# status: `spoke status` shows each source's and applier's state, position and lag from what
# their processes write to state_dir/run and what PostgreSQL says of the slot; a dead letter
# shows as the applier's last problem; --json carries the same for machines.
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
source "$LIB_DIR/pglib.sh"

start_pg
start_broker erp.public.item:2 shop.dlq:1
pg_sql "CREATE DATABASE erp"
pg_sql "CREATE DATABASE shop"
PG_DB=erp pg_sql "CREATE TABLE item (id int PRIMARY KEY, qty int)"
PG_DB=shop pg_sql "CREATE TABLE stock (id int PRIMARY KEY, qty int CHECK (qty >= 0))"
cat >"$T_DIR/shop.json" <<'EOF2'
{"rules": [{"name": "stock", "topics": ["erp.public.item"], "target": "shop", "table": "stock",
  "key": ["id"], "columns": {"id": "after.id", "qty": "after.qty"}}]}
EOF2
pg_conf "conninfo=$PG_CONNINFO dbname=erp" tables=public.item
cat >>"$CONF" <<EOF2
[target shop]
type = postgres
conninfo = $PG_CONNINFO dbname=shop
[applier shop]
rules = shop.json
dead_letter_topic = shop.dlq
batch_timeout = 50ms
EOF2
"$SPOKE" setup -c "$CONF"

status_json()
{
	"$SPOKE" status -c "$CONF" --json
}
json=$(status_json)
info "$json"
assert_eq "$(jq -r '[.sources[0] | .name, .type, .state, .slot_active] | join(" ")' <<<"$json")" \
	"erp postgres never started false" "source before the start"
jq -e '.sources[0].position | test("^[0-9A-F]+/[0-9A-F]+$")' <<<"$json" >/dev/null ||
	fail "no slot position: $json"
assert_eq "$(jq -r '.appliers[0] | "\(.name) \(.state)"' <<<"$json")" "shop never started" \
	"applier before the start"

PG_DB=erp pg_sql "INSERT INTO item SELECT i, i FROM generate_series(1, 50) i" # the snapshot
spawn run "$SPOKE" run -c "$CONF"
# caught_up CHANGES APPLIED DEAD: the source published CHANGES, the applier applied APPLIED and
# dead-lettered DEAD, and no partition lags.
caught_up()
{
	json=$(status_json)
	jq -e --argjson c "$1" --argjson a "$2" --argjson d "$3" '.sources[0].state == "running" and
		.sources[0].changes == $c and .appliers[0].state == "running" and
		.appliers[0].applied == $a and .appliers[0].dead_letters == $d and
		(.appliers[0].partitions | length) == 2 and
		all(.appliers[0].partitions[]; .lag == 0)' <<<"$json" >/dev/null || {
		echo "$json"
		return 1
	}
}
wait_for -t 60 caught_up 50 50 0
PG_DB=erp pg_sql "UPDATE item SET qty = -1 WHERE id = 7" # refused by the shop: a dead letter
wait_for -t 60 caught_up 51 50 1
info "$json"
assert_eq "$(jq -r '.sources[0].slot_active' <<<"$json")" true "slot in use"
jq -e '.sources[0].lag_ms >= 0 and .sources[0].retained_wal_bytes >= 0 and .sources[0].lag_bytes >= 0' \
	<<<"$json" >/dev/null || fail "source lag fields: $json"
assert_contains "$(jq -r '.appliers[0].last_problem' <<<"$json")" "sent to shop.dlq"
assert_eq "$(jq -r '.appliers[0].group' <<<"$json")" "spoke-shop" "group"

table=$("$SPOKE" status -c "$CONF")
info "$table"
assert_contains "$table" "SOURCE  TYPE      STATE    POSITION"
assert_contains "$table" "APPLIER  STATE    APPLIED"
grep -Eq '^erp +postgres +running +[0-9A-F]+/[0-9A-F]+ ' <<<"$table" || fail "source row"
grep -Eq '^shop +running +[0-9]+ .* 1 +0 +[0-9]+s ago: WARN apply\[shop\]' <<<"$table" || fail "applier row"

stop_spawned run
json=$(status_json)
assert_eq "$(jq -r '[.sources[0].state, .appliers[0].state] | join(" ")' <<<"$json")" \
	"stopped stopped" "after the stop"
assert_eq "$(jq -r '.sources[0].slot_active' <<<"$json")" false "slot free"
