#!/usr/bin/env bash
# tail: `spoke tail` prints the change stream for people (op, key, values; what an update
# changed) and as JSON lines for machines; SOURCE.TABLE names a source's topic; without
# --from-beginning only new changes; it joins no consumer group.
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

start_broker shop.shop.customer:1 other:1
cat >"$T_DIR/spoke.conf" <<EOF2
[kafka]
bootstrap.servers = $BROKERS
[source shop]
type = mysql
database = shop
tables = shop.customer
EOF2
{
	printf '%s\t%s\n' '{"id":7}' '{"before":null,"after":{"id":7,"email":"ann@x.org","total":19.90},"op":"c","source":{"ts_ms":1795490069123}}'
	printf '%s\t%s\n' '{"id":7}' '{"before":{"id":7,"email":"ann@x.org","total":19.90},"after":{"id":7,"email":"o'"'"'neil@x.org","total":19.90},"op":"u","source":{"ts_ms":1795490070000}}'
	printf '%s\t%s\n' '{"id":7}' '{"before":{"id":7,"email":"o'"'"'neil@x.org","total":19.90},"after":null,"op":"d","source":{"ts_ms":1795490071000}}'
	printf '%s\t%s\n' '{"id":8}' 'not json'
} >"$T_DIR/msgs.txt"
kafka_produce shop.shop.customer -K $'\t' -l "$T_DIR/msgs.txt"

out=$("$SPOKE" tail -c "$T_DIR/spoke.conf" shop.customer --from-beginning --count 4)
info "$out"
assert_eq "$out" "2026-11-24 03:14:29.123 shop.shop.customer[0]@0 c {\"id\":7} id=7 email='ann@x.org' total=19.9
2026-11-24 03:14:30.000 shop.shop.customer[0]@1 u {\"id\":7} email: 'ann@x.org' -> 'o''neil@x.org'
2026-11-24 03:14:31.000 shop.shop.customer[0]@2 d {\"id\":7} id=7 email='o''neil@x.org' total=19.9
- shop.shop.customer[0]@3 (not a change event: not JSON: line 1 column 3: invalid token near 'not')" "text"

json=$("$SPOKE" tail -c "$T_DIR/spoke.conf" 'shop.shop.*' -b -n 4 --format json)
assert_eq "$(jq -c '[.topic, .partition, .offset, .key.id, (if (.value | type) == "object" then .value.op else .value end)]' <<<"$json" | tr '\n' ' ')" \
	'["shop.shop.customer",0,0,7,"c"] ["shop.shop.customer",0,1,7,"u"] ["shop.shop.customer",0,2,7,"d"] ["shop.shop.customer",0,3,8,"not json"] ' "json"
assert_contains "$json" '"total":19.90' # the value as Kafka holds it, exact

# Without --from-beginning: only what comes after the start.
"$SPOKE" tail -c "$T_DIR/spoke.conf" -n 1 >"$T_DIR/new.txt" 2>"$T_DIR/tail.err" &
tail_pid=$!
sleep 2
printf '%s\t%s\n' '{"id":9}' '{"before":null,"after":{"id":9},"op":"r"}' >"$T_DIR/one.txt"
kafka_produce shop.shop.customer -K $'\t' -l "$T_DIR/one.txt"
wait "$tail_pid" || fail "spoke tail: $(cat "$T_DIR/tail.err")"
assert_eq "$(cat "$T_DIR/new.txt")" '- shop.shop.customer[0]@4 r {"id":9} id=9' "only the new change"

rc=0
err=$("$SPOKE" tail -c "$T_DIR/spoke.conf" nosuch.topic -n 1 2>&1) || rc=$?
assert_eq "$rc" 1 "exit status for a missing topic"
assert_contains "$err" "no topic matches nosuch.topic (topics: "
assert_contains "$err" "shop.shop.customer"
