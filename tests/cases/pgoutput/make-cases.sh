#!/usr/bin/env bash
# make-cases.sh: regenerates the pgoutput golden inputs from a real, throwaway PostgreSQL 15.
#
# usage: tests/cases/pgoutput/make-cases.sh [CASE...]
#
# For each case directory (all of them, or the ones named), runs setup.sql in a fresh database,
# creates a pgoutput slot, runs changes.sql, and reads the slot back through
# pg_logical_slot_get_binary_changes() into input.hex (one message a line, in hex), with the
# session settings spoke's connections use. Custom types (enums, domains, arrays of them) are
# described in types.txt for the test's type lookup. expected.txt is not written here: review
# the new input, then run
#     UPDATE_GOLDEN=1 build/default/unit-tests pgoutput_cases
# and review the diff of expected.txt.
#
# environment: PGBIN (default /usr/lib/postgresql/15/bin). The server listens on 127.0.0.1 on a
# free port, lives in a temporary directory, and is stopped (by its PID) and removed at exit.
set -euo pipefail
shopt -s nullglob

PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
TMP=$(mktemp -d "${TMPDIR:-/tmp}/pgoutput-cases.XXXXXX")
PG_PID=

# The server refuses to run as root: run it (and initdb) as postgres then.
as_server_user()
{
	if ((EUID == 0)); then
		runuser -u postgres -- "$@"
	else
		"$@"
	fi
}

cleanup()
{
	local i
	if [[ -n $PG_PID ]] && kill -0 "$PG_PID" 2>/dev/null; then
		kill -INT "$PG_PID" 2>/dev/null || true # fast shutdown
		for ((i = 0; i < 100; i++)); do
			kill -0 "$PG_PID" 2>/dev/null || break
			sleep 0.1
		done
		kill -KILL "$PG_PID" 2>/dev/null || true
	fi
	rm -rf "$TMP"
}
trap cleanup EXIT

free_port()
{
	local p tries
	for ((tries = 0; tries < 100; tries++)); do
		p=$((20000 + RANDOM % 20000))
		if ! (: <>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
			echo "$p"
			return 0
		fi
	done
	echo "make-cases: no free port found" >&2
	return 1
}

start_server()
{
	local i
	((EUID == 0)) && chown postgres "$TMP"
	as_server_user "$PGBIN/initdb" -A trust --no-sync -U postgres -E UTF8 --locale=C \
		-D "$TMP/data" >"$TMP/initdb.log"
	PORT=$(free_port)
	cat >>"$TMP/data/postgresql.conf" <<-CONF
		listen_addresses = '127.0.0.1'
		port = $PORT
		unix_socket_directories = '$TMP'
		wal_level = logical
		max_replication_slots = 4
		max_wal_senders = 4
		fsync = off
		lc_monetary = 'C'
	CONF
	as_server_user "$PGBIN/postgres" -D "$TMP/data" >"$TMP/server.log" 2>&1 </dev/null &
	for ((i = 0; i < 200; i++)); do
		if [[ -f $TMP/data/postmaster.pid ]]; then
			PG_PID=$(head -n 1 "$TMP/data/postmaster.pid")
			if "$PGBIN/pg_isready" -q -h 127.0.0.1 -p "$PORT" -U postgres -d postgres; then
				return 0
			fi
		fi
		sleep 0.1
	done
	cat "$TMP/server.log" >&2
	echo "make-cases: PostgreSQL did not start" >&2
	return 1
}

# sql DB [psql options...]: runs stdin (or -c) in DB, stopping at the first error.
sql()
{
	local db=$1
	shift
	"$PGBIN/psql" -X -q -At -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$PORT" -U postgres -d "$db" "$@"
}

# The types a case's tables use that the test cannot know: enums, domains, arrays of them.
TYPES_SQL="
SELECT t.oid || ' ' || CASE WHEN t.typtype = 'e' THEN 'enum'
                            WHEN t.typtype = 'd' THEN 'domain ' || t.typbasetype
                            ELSE 'array ' || t.typelem END
FROM pg_type t
LEFT JOIN pg_type e ON e.oid = t.typelem AND t.typcategory = 'A'
WHERE t.typnamespace = 'public'::regnamespace
  AND (t.typtype IN ('e', 'd') OR e.typtype IN ('e', 'd'))
ORDER BY t.oid"

# The settings pgtypes expects (the text output functions run in this session).
PEEK_SQL="
SET TimeZone = 'UTC';
SET DateStyle = 'ISO';
SET extra_float_digits = 3;
SET bytea_output = 'hex';
SET IntervalStyle = 'iso_8601';
SELECT encode(data, 'hex')
FROM pg_logical_slot_get_binary_changes('spoke_case', NULL, NULL, 'proto_version', '1',
                                        'publication_names', 'cases', 'messages', 'true')"

make_case()
{
	local dir=$1 name db
	name=$(basename "$dir")
	db=case_${name}
	echo "case $name"
	sql postgres -c "CREATE DATABASE $db"
	sql "$db" -f "$dir/setup.sql" >/dev/null
	sql "$db" -c "SELECT 1 FROM pg_create_logical_replication_slot('spoke_case', 'pgoutput')" >/dev/null
	sql "$db" -f "$dir/changes.sql" >/dev/null
	sql "$db" <<<"$PEEK_SQL" >"$dir/input.hex"
	sql "$db" -c "SELECT pg_drop_replication_slot('spoke_case')" >/dev/null
	sql "$db" -c "$TYPES_SQL" >"$TMP/types.txt"
	if [[ -s $TMP/types.txt ]]; then
		cp "$TMP/types.txt" "$dir/types.txt"
	else
		rm -f "$dir/types.txt"
	fi
	sql postgres -c "DROP DATABASE $db"
	echo "  $(wc -l <"$dir/input.hex") messages"
}

main()
{
	local dirs=() d
	if (($#)); then
		for d in "$@"; do dirs+=("$HERE/$d"); done
	else
		for d in "$HERE"/*/setup.sql; do dirs+=("${d%/setup.sql}"); done
	fi
	start_server
	for d in "${dirs[@]}"; do
		[[ -f $d/setup.sql && -f $d/changes.sql ]] || {
			echo "make-cases: $d has no setup.sql and changes.sql" >&2
			return 1
		}
		make_case "$d"
	done
}

main "$@"
