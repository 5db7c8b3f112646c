#!/usr/bin/env bash
# pg_changes: each kind of streamed change becomes the documented events, in order:
# insert; update without and with a primary-key change (delete of the old key with before,
# its tombstone, create of the new key); delete then tombstone; truncate (op "t"); REPLICA
# IDENTITY FULL (complete before on update and delete); an unchanged TOAST column (absent from
# after and named in "unchanged"; filled from the old row under REPLICA IDENTITY FULL); the
# transaction block of a multi-statement transaction. Every event validates against
# schemas/change-event.schema.json.
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# shellcheck source=pglib.sh
source "$LIB_DIR/pglib.sh"

start_pg
# one partition for item: the order of all its events can be checked, not only per key
start_broker erp.public.item:1 erp.public.item_full:1 erp.public.doc:1 erp.public.doc_full:1
pg_sql <<'SQL'
CREATE TABLE item (id int PRIMARY KEY, name text NOT NULL, qty int);
CREATE TABLE item_full (id int PRIMARY KEY, name text, qty int);
ALTER TABLE item_full REPLICA IDENTITY FULL;
CREATE TABLE doc (id int PRIMARY KEY, body text, n int);
ALTER TABLE doc ALTER COLUMN body SET STORAGE EXTERNAL;
CREATE TABLE doc_full (id int PRIMARY KEY, body text, n int);
ALTER TABLE doc_full ALTER COLUMN body SET STORAGE EXTERNAL;
ALTER TABLE doc_full REPLICA IDENTITY FULL;
SQL
pg_conf tables=public.item,public.item_full,public.doc,public.doc_full
"$SPOKE" setup -c "$CONF" 2>"$T_DIR/setup.log"
capture_start
wait_streaming

# item: every kind of change, one statement (one transaction) each, except the first
pg_sql <<'SQL'
BEGIN;
INSERT INTO item VALUES (1, 'one', 10);
INSERT INTO item_full VALUES (1, 'f-one', 1);
INSERT INTO item VALUES (2, 'two', 20);
INSERT INTO item VALUES (3, 'three', 30);
UPDATE item SET qty = 11 WHERE id = 1;
COMMIT;
UPDATE item SET name = 'TWO', qty = 21 WHERE id = 2;
UPDATE item SET id = 30, qty = 31 WHERE id = 3;
DELETE FROM item WHERE id = 1;
TRUNCATE item;
INSERT INTO item VALUES (4, 'four', NULL);
UPDATE item_full SET qty = 2 WHERE id = 1;
DELETE FROM item_full WHERE id = 1;
SQL
# doc, doc_full: a TOAST value (16,000 characters, stored out of line), then an update of n
pg_sql <<'SQL'
INSERT INTO doc SELECT 1, string_agg(md5(random()::text), '') FROM generate_series(1, 500);
INSERT INTO doc_full SELECT 1, string_agg(md5(random()::text), '') FROM generate_series(1, 500);
UPDATE doc SET n = 1 WHERE id = 1;
UPDATE doc_full SET n = 1 WHERE id = 1;
SQL
body=$(pg_sql "SELECT body FROM doc WHERE id = 1")
body_full=$(pg_sql "SELECT body FROM doc_full WHERE id = 1")
assert_eq "${#body}" 16000 "length of the TOAST value"
for t in doc doc_full; do
	toast=$(pg_sql "SELECT reltoastrelid::regclass FROM pg_class WHERE oid = 'public.$t'::regclass")
	(($(pg_sql "SELECT count(*) FROM $toast") > 0)) || fail "$t.body is not stored out of line"
done
caught_up

for t in item item_full doc doc_full; do
	events "erp.public.$t" >"$T_DIR/$t.events"
done
for t in item item_full doc doc_full; do
	kafka_read "erp.public.$t"
done >"$T_DIR/all-values.txt"
validate "$T_DIR/all-values.txt"

# summary KEY OP BEFORE AFTER of each event (a tombstone: KEY null), in partition order
summary()
{
	jq -c '[.k, (.v | if . == null then null else .op, .before, .after end)]' "$T_DIR/$1.events"
}

info "item events:"$'\n'"$(summary item)"
assert_eq "$(summary item)" \
	'[{"id":1},"c",null,{"id":1,"name":"one","qty":10}]
[{"id":2},"c",null,{"id":2,"name":"two","qty":20}]
[{"id":3},"c",null,{"id":3,"name":"three","qty":30}]
[{"id":1},"u",null,{"id":1,"name":"one","qty":11}]
[{"id":2},"u",null,{"id":2,"name":"TWO","qty":21}]
[{"id":3},"d",{"id":3},null]
[{"id":3},null]
[{"id":30},"c",null,{"id":30,"name":"three","qty":31}]
[{"id":1},"d",{"id":1},null]
[{"id":1},null]
[null,"t",null,null]
[{"id":4},"c",null,{"id":4,"name":"four","qty":null}]' "item: events in order"

# the multi-statement transaction: one transaction id, total_order 1..5 across both tables,
# data_collection_order 1..4 for item and 1 for item_full; the next transactions start at 1 again
tx=$(jq -r 'select(.v != null) | .v | [.transaction.id, .transaction.total_order, .transaction.data_collection_order, .source.table, .after.id // .before.id] | @tsv' \
	"$T_DIR/item.events" "$T_DIR/item_full.events")
first_tx=$(jq -r 'select(.v != null) | .v.transaction.id' "$T_DIR/item.events" | head -n 1)
info "transaction blocks (id, total_order, data_collection_order, table, row):"$'\n'"$tx"
assert_eq "$(awk -F '\t' -v id="$first_tx" '$1 == id { print $2, $3, $4, $5 }' <<<"$tx" | sort -n)" \
	"1 1 item 1
2 1 item_full 1
3 2 item 2
4 3 item 3
5 4 item 1" "the multi-statement transaction's block"
assert_eq "$(awk -F '\t' -v id="$first_tx" '$1 != id { print $2, $3 }' <<<"$tx" | sort | uniq -c | tr -s ' \n' ' ')" \
	" 7 1 1 1 2 2 " "the other transactions: one event each (1 1), the key change two (1 1, 2 2)"
# the block id is "txId:commit LSN", the commit after each of its changes
jq -e -s 'map(select(.v != null) | .v | (.transaction.id | split(":")) as [$x, $c]
	| $x == (.source.txId | tostring) and ($c | tonumber) > .source.lsn) | all' \
	"$T_DIR/item.events" "$T_DIR/item_full.events" >/dev/null ||
	fail "transaction.id is not \"txId:commit LSN\" with the commit after the change"
# the source LSN (of the change) never goes back along the partition
jq -e -s 'map(select(.v != null) | .v.source.lsn) | . == sort' "$T_DIR/item.events" >/dev/null ||
	fail "source.lsn goes back along the partition"

info "item_full events:"$'\n'"$(summary item_full)"
assert_eq "$(summary item_full)" \
	'[{"id":1},"c",null,{"id":1,"name":"f-one","qty":1}]
[{"id":1},"u",{"id":1,"name":"f-one","qty":1},{"id":1,"name":"f-one","qty":2}]
[{"id":1},"d",{"id":1,"name":"f-one","qty":2},null]
[{"id":1},null]' "item_full (REPLICA IDENTITY FULL): complete before on update and delete"

# doc: the insert carries the body; the update leaves it out and names it in unchanged
doc=$(jq -c 'select(.v.op == "c") | .v.after' "$T_DIR/doc.events")
assert_eq "$doc" "{\"id\":1,\"body\":\"$body\",\"n\":null}" "doc: insert"
assert_eq "$(jq -c 'select(.v.op == "u") | [.v.before, .v.after, .v.unchanged]' "$T_DIR/doc.events")" \
	'[null,{"id":1,"n":1},["body"]]' "doc: update leaving the TOAST column unchanged"
assert_eq "$(jq -c '.k' "$T_DIR/doc.events" | sort -u)" '{"id":1}' "doc: keys"
assert_eq "$(wc -l <"$T_DIR/doc.events")" 2 "doc: events"
# the raw update event: no placeholder, no null for body
raw=$(kafka_read erp.public.doc | grep '"op":"u"')
[[ $raw != *'"body"':* ]] || fail "doc: the update event has a body value: $raw"
[[ $raw != *unchanged-toast* && $raw != *__debezium* ]] || fail "doc: placeholder in $raw"

# doc_full: the unchanged TOAST value is filled from the old row (REPLICA IDENTITY FULL)
assert_eq "$(jq -c 'select(.v.op == "u") | [.v.before, .v.after, (.v | has("unchanged"))]' "$T_DIR/doc_full.events")" \
	"[{\"id\":1,\"body\":\"$body_full\",\"n\":null},{\"id\":1,\"body\":\"$body_full\",\"n\":1},false]" \
	"doc_full: update under REPLICA IDENTITY FULL"
stop_spawned capture
