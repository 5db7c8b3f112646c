#!/usr/bin/env bash
# pg_keys: the message key is the same, byte for byte, in the snapshot and in the stream (so a
# row's events land on one partition and a per-key fold or compaction sees one key): a
# composite primary key; without a primary key, the replica identity (USING INDEX: the index's
# columns; FULL: every column).
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# shellcheck source=pglib.sh
source "$LIB_DIR/pglib.sh"

start_pg
start_broker erp.public.comp:1 erp.public.uidx:1 erp.public.fullrow:1
pg_sql <<'SQL'
CREATE TABLE comp (b text, a int, v text, PRIMARY KEY (a, b));
CREATE TABLE uidx (code text NOT NULL, v int);
CREATE UNIQUE INDEX uidx_code ON uidx (code);
ALTER TABLE uidx REPLICA IDENTITY USING INDEX uidx_code;
CREATE TABLE fullrow (a int, b text);
ALTER TABLE fullrow REPLICA IDENTITY FULL;
INSERT INTO comp VALUES ('x', 1, 'one'), ('y', 2, 'two');
INSERT INTO uidx VALUES ('x', 1), ('y', 2);
INSERT INTO fullrow VALUES (1, 'one'), (2, 'two');
SQL
pg_conf tables=public.comp,public.uidx,public.fullrow
"$SPOKE" setup -c "$CONF" 2>"$T_DIR/setup.log"
capture_start
wait_streaming
pg_sql <<'SQL'
UPDATE comp SET v = 'uno' WHERE a = 1;
DELETE FROM comp WHERE a = 2;
UPDATE uidx SET v = 10 WHERE code = 'x';
DELETE FROM uidx WHERE code = 'y';
DELETE FROM fullrow WHERE a = 2;
SQL
caught_up

# events TOPIC: "raw key<TAB>op" per message (a tombstone: op "-"), in order
kv() { kafka_read_kv "$1" | jq -R -r 'split("\t") | [.[0], (.[1] | if . == "" then "-" else fromjson.op end)] | @tsv'; }
for t in comp uidx fullrow; do
	kv "erp.public.$t" >"$T_DIR/$t.kv"
	info "$t:"$'\n'"$(cat "$T_DIR/$t.kv")"
done
# comp: whatever the order of the columns in the key, a row's key is the same bytes each time
key() { sed -n "$1p" "$T_DIR/comp.kv" | cut -f 1; }
assert_eq "$(cut -f 2 "$T_DIR/comp.kv" | tr '\n' ' ')" "r r u d - " "comp: ops"
assert_eq "$(key 1 | jq -S -c .)" '{"a":1,"b":"x"}' "comp: the key of row (1, x)"
assert_eq "$(key 2 | jq -S -c .)" '{"a":2,"b":"y"}' "comp: the key of row (2, y)"
assert_eq "$(key 3)" "$(key 1)" "comp: the key of row (1, x) in the update"
assert_eq "$(key 4)" "$(key 2)" "comp: the key of row (2, y) in the delete"
assert_eq "$(key 5)" "$(key 2)" "comp: the key of row (2, y) in the tombstone"

assert_eq "$(cat "$T_DIR/uidx.kv")" \
	'{"code":"x"}	r
{"code":"y"}	r
{"code":"x"}	u
{"code":"y"}	d
{"code":"y"}	-' "uidx: keyed by the replica identity index, in the snapshot and the stream"
assert_eq "$(cat "$T_DIR/fullrow.kv")" \
	'{"a":1,"b":"one"}	r
{"a":2,"b":"two"}	r
{"a":2,"b":"two"}	d
{"a":2,"b":"two"}	-' "fullrow: keyed by every column (REPLICA IDENTITY FULL), in the snapshot and the stream"
stop_spawned capture
