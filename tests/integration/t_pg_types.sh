#!/usr/bin/env bash
# pg_types: every type of DESIGN.md's type table becomes its documented JSON, both through the
# snapshot (op "r", values read with SELECT) and through streaming (op "c", values decoded from
# pgoutput). One table per type (id, v); one row per case; the "after" object of each event is
# compared with the expected JSON written below: after `jq -S -c` on both sides, and byte for
# byte in the raw event text (so digits jq would round, like int8 extremes, count too).
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# shellcheck source=pglib.sh
source "$LIB_DIR/pglib.sh"

# table|column type|SQL literal|expected JSON of v (compact, as spoke writes it)
mapfile -t CASES <<'CASES'
int2|int2|32767|32767
int2|int2|-32768|-32768
int4|int4|2147483647|2147483647
int4|int4|-2147483648|-2147483648
int8|int8|9223372036854775807|9223372036854775807
int8|int8|-9223372036854775808|-9223372036854775808
float4|float4|1.5|1.5
float4|float4|-0.25|-0.25
float4|float4|'NaN'|"NaN"
float4|float4|'Infinity'|"Infinity"
float4|float4|'-Infinity'|"-Infinity"
float8|float8|0.1|0.1
float8|float8|1e300|1e+300
float8|float8|1e-5|1e-05
float8|float8|'NaN'|"NaN"
float8|float8|'Infinity'|"Infinity"
float8|float8|'-Infinity'|"-Infinity"
numeric|numeric|'12345678901234567890.123456789012345678'|"12345678901234567890.123456789012345678"
numeric|numeric|-0.000001|"-0.000001"
numeric|numeric|1e-20|"0.00000000000000000001"
numeric|numeric|'NaN'|"NaN"
numeric|numeric|'Infinity'|"Infinity"
numeric2|numeric(10,2)|19.9|"19.90"
bool|boolean|true|true
bool|boolean|false|false
text|text|E'quote " backslash \\ tab \t newline \n ctl \x01 unicode é € 😀'|"quote \" backslash \\ tab \t newline \n ctl \u0001 unicode é € 😀"
text|text|''|""
varchar|varchar(20)|'abc'|"abc"
char|char(5)|'ab'|"ab   "
uuid|uuid|'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'|"a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"
enum|mood|'happy'|"happy"
inet|inet|'192.168.0.1/24'|"192.168.0.1/24"
inet|inet|'::1'|"::1"
interval|interval|'1 day 2 hours'|"P1DT2H"
interval|interval|'1 year 2 months 3 days 04:05:06.5'|"P1Y2M3DT4H5M6.5S"
interval|interval|'-1 day'|"P-1D"
date|date|'2026-11-23'|"2026-11-23"
date|date|'infinity'|"infinity"
time|time|'10:00:00.123456'|"10:00:00.123456"
time|time|'23:59:59'|"23:59:59"
ts|timestamp|'2026-11-23 10:00:00.123456'|"2026-11-23T10:00:00.123456"
ts|timestamp|'2026-11-23 10:00:00'|"2026-11-23T10:00:00"
ts|timestamp|'infinity'|"infinity"
ts|timestamp|'-infinity'|"-infinity"
tstz|timestamptz|'2026-11-23 12:00:00.5+02'|"2026-11-23T10:00:00.5Z"
tstz|timestamptz|'2026-01-01 00:30:00-05:30'|"2026-01-01T06:00:00Z"
tstz|timestamptz|'infinity'|"infinity"
tstz|timestamptz|'-infinity'|"-infinity"
json|json|'{"b": [1, 2.50, null], "a": "x y"}'|{"b":[1,2.50,null],"a":"x y"}
json|json|'"str"'|"str"
jsonb|jsonb|'{"b": [1, 2.50, null], "a": {"c": true}}'|{"a":{"c":true},"b":[1,2.50,null]}
jsonb|jsonb|'[]'|[]
bytea|bytea|'\x00ff10'|"AP8Q"
bytea|bytea|''|""
int4arr|int4[]|'{1,2,NULL}'|[1,2,null]
int4arr|int4[]|'{}'|[]
int4arr2|int4[][]|'{{1,2},{3,NULL}}'|[[1,2],[3,null]]
textarr|text[]|'{"a b",NULL,"c\"d","","NULL"}'|["a b",null,"c\"d","","NULL"]
numarr|numeric[]|'{1.50,NaN,NULL}'|["1.50","NaN",null]
float8arr|float8[]|'{NaN,1.5,-Infinity}'|["NaN",1.5,"-Infinity"]
boolarr|boolean[]|'{t,f}'|[true,false]
tstzarr|timestamptz[]|'{"2026-11-23 10:00:00+00",infinity}'|["2026-11-23T10:00:00Z","infinity"]
enumarr|mood[]|'{happy,sad}'|["happy","sad"]
jsonbarr|jsonb[]|ARRAY['{"a": 1}'::jsonb, 'null'::jsonb]|[{"a":1},null]
domain|price|12.3|"12.30"
point|point|'(1,2)'|"(1,2)"
CASES

start_pg
start_broker

# The schema: one table per type, created in the order the cases name them.
declare -A coltype=()
tables=()
for c in "${CASES[@]}"; do
	IFS='|' read -r tab type _ _ <<<"$c"
	if [[ ! -v "coltype[$tab]" ]]; then
		coltype[$tab]=$type
		tables+=("$tab")
	fi
done
{
	echo "CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy');"
	echo "CREATE DOMAIN price AS numeric(10,2) CHECK (VALUE >= 0);"
	for tab in "${tables[@]}"; do
		echo "CREATE TABLE ty_$tab (id int PRIMARY KEY, v ${coltype[$tab]});"
	done
} | pg_sql

# inserts SQL: the cases as rows, ids from BASE + case number; BASE + 999: NULL in every table
rows_sql()
{
	local base=$1 i=0 tab lit
	for c in "${CASES[@]}"; do
		i=$((i + 1))
		IFS='|' read -r tab _ lit _ <<<"$c"
		echo "INSERT INTO ty_$tab VALUES ($((base + i)), $lit);"
	done
	for tab in "${tables[@]}"; do
		echo "INSERT INTO ty_$tab VALUES ($((base + 999)), NULL);"
	done
}

rows_sql 0 | pg_sql
pg_conf tables=public.*
"$SPOKE" setup -c "$CONF" 2>"$T_DIR/setup.log"
capture_start
wait_streaming
rows_sql 1000 | pg_sql
caught_up

# Every event of every type table: values-TABLE.txt, and all of them in values.txt.
: >"$T_DIR/values.txt"
for tab in "${tables[@]}"; do
	kafka_read "erp.public.ty_$tab" >"$T_DIR/values-$tab.txt"
	cat "$T_DIR/values-$tab.txt" >>"$T_DIR/values.txt"
done
validate "$T_DIR/values.txt"
# Expected: one line per row and path, "table op id<TAB>after", the after object as spoke must
# write it. The snapshot read rows 1..N and 999 (op r), streaming got 1001..1000+N and 1999 (op c).
{
	i=0
	for c in "${CASES[@]}"; do
		i=$((i + 1))
		IFS='|' read -r tab _ _ want <<<"$c"
		printf '%s r %s\t{"id":%s,"v":%s}\n' "$tab" "$i" "$i" "$want"
		printf '%s c %s\t{"id":%s,"v":%s}\n' "$tab" "$((1000 + i))" "$((1000 + i))" "$want"
	done
	for tab in "${tables[@]}"; do
		printf '%s r 999\t{"id":999,"v":null}\n%s c 1999\t{"id":1999,"v":null}\n' "$tab" "$tab"
	done
} | sort >"$T_DIR/want-raw.txt"
# Got: the same from the events; the after object cut out of the raw text (it is followed by
# "source", whose values hold no such text here).
for tab in "${tables[@]}"; do
	paste -d '\t' \
		<(jq -r --arg t "$tab" '"\($t) \(.op) \(.after.id)"' "$T_DIR/values-$tab.txt") \
		<(sed -E 's/^\{"before":null,"after":(.*),"source":\{.*$/\1/' "$T_DIR/values-$tab.txt")
done | sort >"$T_DIR/got-raw.txt"

cut -f 1 "$T_DIR/want-raw.txt" >"$T_DIR/want-rows.txt"
cut -f 1 "$T_DIR/got-raw.txt" >"$T_DIR/got-rows.txt"
diff -u "$T_DIR/want-rows.txt" "$T_DIR/got-rows.txt" >&2 ||
	fail "the events are not one per row (table op id)"
# one jq for all lines: the after objects, normalized
jq -S -c . < <(cut -f 2 "$T_DIR/want-raw.txt") >"$T_DIR/want-norm.json" ||
	fail "an expected JSON text of the test is not JSON"
jq -S -c . < <(cut -f 2 "$T_DIR/got-raw.txt") >"$T_DIR/got-norm.json"
paste "$T_DIR/want-rows.txt" "$T_DIR/want-norm.json" >"$T_DIR/want-norm.txt"
paste "$T_DIR/got-rows.txt" "$T_DIR/got-norm.json" >"$T_DIR/got-norm.txt"
diff -u "$T_DIR/want-norm.txt" "$T_DIR/got-norm.txt" >&2 ||
	fail "after objects differ from the documented JSON (jq -S -c; lines: table op id)"
diff -u "$T_DIR/want-raw.txt" "$T_DIR/got-raw.txt" >&2 ||
	fail "after objects differ from the documented JSON byte for byte (lines: table op id)"
info "${#CASES[@]} cases and ${#tables[@]} NULLs of ${#tables[@]} types: snapshot and stream as expected"
stop_spawned capture
