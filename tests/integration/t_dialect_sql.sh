#!/usr/bin/env bash
# dialect_sql: the trigger-capture SQL of src/capture/dialect_*.c, as the golden files
# tests/cases/dialect/<dialect>/expected.sql hold it (test_dialect.c keeps them equal to what
# the code generates), on a real MariaDB, PostgreSQL and SQLite: the changelog and triggers
# apply; columns_query describes the sample table as columns.txt does; the row changes of
# changes.sql leave exactly the changelog rows of changelog.jsonl (pk, before, after as JSON,
# compared with jq -S; big numbers also as text); a session marked with mark_session and a
# rolled-back transaction write nothing; the reader's queries, the gap proof (against an open
# transaction), select_rows, purge and the drops work. Then the same through spoke's own
# drivers (tests/integration/dbcheck, when built): MariaDB natively, PostgreSQL and SQLite over
# ODBC, statements sent whole and parameters bound as text. SQL Server has no server here.
#
# UPDATE_GOLDEN=1 rewrites changelog.jsonl from the actual rows (read every line before
# committing it).
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

CASES=$SPOKE_ROOT/tests/cases/dialect

# stmts DIALECT LABELS TERM: the statements of expected.sql labelled with one of LABELS
# (comma-separated), each followed by a line TERM (a client's statement terminator).
stmts()
{
	awk -v want=",$2," -v term="$3" '
		/^-- spoke:/ { if (on) print term; on = index(want, "," substr($0, 10) ",") > 0; next }
		on { print }
		END { if (on) print term }' "$CASES/$1/expected.sql"
}

# query DIALECT LABEL: the one statement labelled LABEL.
query()
{
	stmts "$1" "$2" "" | sed '$d'
}

# numbered SQL PREFIX: SQL with its i-th '?' replaced by PREFIX<i> ($1 for psql, ?1 for sqlite3).
numbered()
{
	P=$2 perl -pe 'my $n = 0; s/\?/$ENV{P} . ++$n/ge' <<<"$1"
}

# normalize: "op TAB pk TAB before TAB after" lines (NULL for SQL NULL) become one JSON object
# a line, keys sorted; a value that is not valid JSON fails the test.
normalize()
{
	local op pk before after
	while IFS=$'\t' read -r op pk before after; do
		[[ $pk == NULL ]] && pk=null
		[[ $before == NULL ]] && before=null
		[[ $after == NULL ]] && after=null
		jq -S -c -n --arg op "$op" --argjson pk "$pk" --argjson before "$before" \
			--argjson after "$after" '{op: $op, pk: $pk, before: $before, after: $after}' ||
			fail "changelog row ($op) is not valid JSON: pk=$pk before=$before after=$after"
	done
}

# check_changelog DIALECT ROWS: ROWS (normalize's input) against changelog.jsonl.
check_changelog()
{
	local want=$CASES/$1/changelog.jsonl got=$T_DIR/$1.changelog.jsonl
	normalize <<<"$2" >"$got"
	if [[ ${UPDATE_GOLDEN:-} == 1 ]]; then
		cp "$got" "$want"
		return
	fi
	diff -u "$want" "$got" >&2 || fail "$1: changelog rows differ from changelog.jsonl"
}

# check_columns DIALECT ROWS: columns_query's rows (tab-separated) against columns.txt.
check_columns()
{
	assert_eq "$(tr '\t' '|' <<<"$2")" "$(<"$CASES/$1/columns.txt")" "$1: columns_query"
}

# check_triggers DIALECT OUTPUT: triggers_query found the three triggers, each body with the
# marker (bodies span lines, so names and markers are counted, not rows).
check_triggers()
{
	assert_eq "$(grep -o 'spoke_every_type_[a-z]*' <<<"$2" | sort -u | tr '\n' ' ')" \
		"spoke_every_type_del spoke_every_type_ins spoke_every_type_upd " "$1: triggers_query names"
	assert_eq "$(grep -o 'spoke-managed' <<<"$2" | wc -l)" 3 "$1: every trigger body has the marker"
}

# check_read DIALECT ROWS: read_query(after 1, limit 2) gave seq 2 and 3 with UTC changed_at.
check_read()
{
	assert_eq "$(cut -f 1 <<<"$2" | tr '\n' ' ')" "2 3 " "$1: read_query seq > 1, limit 2"
	cut -f 9 <<<"$2" | grep -qvx '[0-9]\{4\}-[0-9][0-9]-[0-9][0-9] [0-9:]\{8\}\.[0-9]\{6\}' &&
		fail "$1: changed_at not YYYY-MM-DD HH:MM:SS.ffffff: $(cut -f 9 <<<"$2")"
	return 0
}

# check_snapshot DIALECT ROW: select_rows' row of id 1 is the after image of its last change.
check_snapshot()
{
	local pk row want
	IFS=$'\t' read -r pk row <<<"$2"
	want=$(tail -n 3 "$T_DIR/$1.changelog.jsonl" | head -n 1 | jq -S -c '[.pk, .after]')
	assert_eq "$(jq -S -c -n --argjson pk "$pk" --argjson row "$row" '[$pk, $row]')" "$want" \
		"$1: select_rows as the triggers write rows"
}

# A client reading statements from a fifo, to hold a transaction open: bg_open NAME CMD...
bg_open()
{
	local name=$1
	shift
	rm -f "$T_DIR/$name.fifo"
	mkfifo "$T_DIR/$name.fifo"
	# shellcheck disable=SC2016  # expanded by the inner bash
	spawn "$name" bash -c 'exec "$@" <"$0"' "$T_DIR/$name.fifo" "$@"
	exec {BG_FD}>"$T_DIR/$name.fifo"
}

bg_close()
{
	exec {BG_FD}>&-
	wait_exit "$1"
}

# ---------------------------------------------------------------------------------------------
# Through spoke's drivers

DBCHECK=${DBCHECK:-$(dirname "$(readlink -f "$SPOKE")")/dbcheck}
CONF=$T_DIR/db.conf

dbc()
{
	"$DBCHECK" "$CONF" "$@"
}

# drv_stmts DIALECT LABELS: the statements with these labels into the array DRV, one each.
drv_stmts()
{
	mapfile -d '' DRV < <(awk -v want=",$2," '
		/^-- spoke:/ { if (on) printf "%s\0", s; s = ""; on = index(want, "," substr($0, 10) ",") > 0; next }
		on { s = s (s == "" ? "" : "\n") $0 }
		END { if (on) printf "%s\0", s }' "$CASES/$1/expected.sql")
}

# drivers_check NAME DIALECT SCHEMA TABLE: [source NAME] holds the sample table (TABLE as DML
# names it) and no changelog; setup, capture, the reader's queries and teardown through it.
drivers_check()
{
	local name=$1 d=$2 schema=$3 t=$4 count="SELECT COUNT(*) FROM spoke_changelog"
	drv_stmts "$d" create_changelog,create_triggers
	dbc "$name" "${DRV[@]}"
	# dbcheck writes a backslash as \\
	assert_eq "$(dbc "$name" "$(query "$d" columns_query)" -- "$schema" every_type |
		tr '\t' '|' | sed 's/\\\\/\\/g')" "$(<"$CASES/$d/columns.txt")" \
		"$name: columns_query through the driver"
	check_triggers "$name" "$(dbc "$name" "$(query "$d" triggers_query)" -- "$schema" every_type)"
	dbc "$name" "$(query "$d" mark_session)" "INSERT INTO $t (id, code) VALUES (1, 'M')" \
		"UPDATE $t SET code = 'N' WHERE id = 1" "DELETE FROM $t WHERE id = 1"
	assert_eq "$(dbc "$name" "$count")" 0 "$name: a marked connection writes no changelog row"
	dbc "$name" "INSERT INTO $t (id, code) VALUES (?, ?)" -- 1 A -- \
		"INSERT INTO $t (id, code) VALUES (?, ?)" -- 2 B -- "UPDATE $t SET code = ? WHERE id = ?" -- C 2
	assert_eq "$(dbc "$name" "$(query "$d" read_query)" -- 1 2 | cut -f 1,5 | tr '\n\t' ' :')" \
		"2:c 3:u " "$name: read_query with bound after_seq and limit"
	assert_eq "$(dbc "$name" "$(query "$d" max_seq_query)")" 3 "$name: max_seq_query"
	assert_eq "$(dbc "$name" "$(query "$d" begin_snapshot)" "$(query "$d" max_seq_query)" COMMIT)" 3 \
		"$name: max_seq_query in begin_snapshot's transaction"
	assert_eq "$(dbc "$name" "$(query "$d" gap_proof_query)" -- \
		"$(dbc "$name" "$(query "$d" gap_mark_query)")")" 1 "$name: gap proof, nothing open"
	assert_eq "$(dbc "$name" "$(query "$d" select_rows)" | wc -l)" 2 "$name: select_rows"
	dbc "$name" "$(query "$d" purge_query)" -- 2
	assert_eq "$(dbc "$name" "$count")" 1 "$name: purge_query"
	drv_stmts "$d" drop_triggers,drop_changelog
	dbc "$name" "${DRV[@]}" "INSERT INTO $t (id, code) VALUES (3, 'D')"
}

# Sections for dbcheck: MariaDB natively, PostgreSQL and SQLite through their ODBC drivers.
drivers_config()
{
	setup_odbc
	cat >"$CONF" <<-CONF
		[source my]
		type = mysql
		socket = $MY_SOCKET
		user = root
		database = app
		tables = app.*

		[source pg]
		type = odbc
		connection = Driver={PostgreSQL Unicode};Server=127.0.0.1;Port=$PG_PORT;Database=postgres;Uid=postgres;
		tables = app.*

		[source lite]
		type = odbc
		connection = Driver={SQLite3};Database=$T_DIR/odbc.sqlite;
		tables = main.*
	CONF
}

test_drivers()
{
	if [[ ! -x $DBCHECK ]]; then
		info "no dbcheck at $DBCHECK (make build/default/dbcheck): drivers not checked"
		return
	fi
	info "through spoke's drivers"
	drivers_config
	my_sql "DROP DATABASE app; CREATE DATABASE app"
	my <"$CASES/mysql/table.sql"
	drivers_check my mysql app every_type
	pg_sql "DROP SCHEMA app CASCADE"
	pg_sql <"$CASES/postgresql/table.sql"
	drivers_check pg postgresql app app.every_type
	dbc lite "$(grep -v '^--' "$CASES/sqlite/table.sql")"
	drivers_check lite sqlite main every_type
}

# ---------------------------------------------------------------------------------------------
# MariaDB

my()
{
	mariadb --no-defaults -uroot --socket="$MY_SOCKET" --connect-timeout=5 -N -B -r \
		--default-character-set=utf8mb4 -D app "$@"
}

my_trx_open()
{
	[[ $(my -e 'SELECT COUNT(*) FROM information_schema.INNODB_TRX WHERE trx_rows_modified > 0') == 1 ]]
}

# my_prepared SQL VALUE...: SQL run as a prepared statement with text parameters (the SQL
# travels as a hex literal, so no quoting can change it).
my_prepared()
{
	local hex set='' using='' i=0 v
	hex=$(printf '%s' "$1" | xxd -p | tr -d '\n')
	shift
	for v in "$@"; do
		i=$((i + 1))
		set+="SET @p$i = '$v'; "
		using+="${using:+, }@p$i"
	done
	my -e "$set SET @q = CONVERT(X'$hex' USING utf8mb4); PREPARE q FROM @q;
		EXECUTE q${using:+ USING $using}"
}

my_count()
{
	my -e "SELECT COUNT(*) FROM spoke_changelog"
}

test_mariadb()
{
	local rows mark
	info "MariaDB"
	start_mariadb
	my_sql "CREATE DATABASE app"
	my <"$CASES/mysql/table.sql"
	check_columns mysql "$(my_prepared "$(query mysql columns_query)" app every_type)"
	# The client needs DELIMITER for trigger bodies; spoke sends each statement whole.
	{ echo 'DELIMITER $$'; stmts mysql create_changelog,create_triggers '$$'; } | my
	check_triggers mysql "$(my_prepared "$(query mysql triggers_query)" app every_type)"

	my <"$CASES/mysql/changes.sql"
	# shellcheck disable=SC2016  # backticks quote identifiers
	rows=$(my -e 'SELECT op, pk, `before`, `after` FROM spoke_changelog ORDER BY seq')
	check_changelog mysql "$rows"
	assert_contains "$rows" '"i_big": -9223372036854775808, "i_ubig": 18446744073709551615' \
		"mysql: 64-bit integers exact"
	assert_contains "$rows" '"j_json": {"a": [1, 2.50, null], "b": "😀"}' "mysql: json embedded"
	assert_eq "$(my -e 'SELECT COUNT(*) FROM spoke_changelog WHERE tx IS NULL')" 5 "mysql: tx NULL"

	check_read mysql "$(my_prepared "$(query mysql read_query)" 1 2)"
	assert_eq "$(my -e "$(query mysql max_seq_query)")" 5 "mysql: max_seq_query"
	check_snapshot mysql "$(stmts mysql select_rows ';' | my)"

	my -e "$(query mysql mark_session); INSERT INTO every_type (id, code) VALUES (3, 'M');
		UPDATE every_type SET i_tiny = 1 WHERE id = 3; DELETE FROM every_type WHERE id = 3"
	assert_eq "$(my_count)" 5 "mysql: a marked session writes no changelog row"
	my -e "BEGIN; INSERT INTO every_type (id, code) VALUES (4, 'R'); ROLLBACK"
	assert_eq "$(my_count)" 5 "mysql: a rolled-back transaction leaves no row"

	# A transaction holding a seq, open across the mark: no proof until it ends.
	bg_open my_bg mariadb --no-defaults -uroot --socket="$MY_SOCKET" -D app
	echo "BEGIN; INSERT INTO every_type (id, code) VALUES (5, 'G');" >&"$BG_FD"
	wait_for my_trx_open
	mark=$(my -e "$(query mysql gap_mark_query)")
	assert_eq "$(my_prepared "$(query mysql gap_proof_query)" "$mark")" 0 "mysql: no proof while open"
	echo "COMMIT;" >&"$BG_FD"
	bg_close my_bg
	sleep 0.2 # INNODB_TRX is a cache, refreshed after 0.1 s without readers
	assert_eq "$(my_prepared "$(query mysql gap_proof_query)" "$mark")" 1 "mysql: proof after it ended"

	my_prepared "$(query mysql purge_query)" 3
	assert_eq "$(my -e 'SELECT COUNT(*), MIN(seq) FROM spoke_changelog')" $'3\t4' "mysql: purge_query"
	{ echo 'DELIMITER $$'; stmts mysql drop_triggers,drop_changelog '$$'; } | my
	my -e "INSERT INTO every_type (id, code) VALUES (6, 'D')"
	assert_eq "$(my -e "SHOW TABLES LIKE 'spoke%'")" "" "mysql: changelog dropped"
}

# ---------------------------------------------------------------------------------------------
# PostgreSQL

# pg_prepared SQL VALUE...: SQL run as a prepared statement with varchar parameters (as ODBC
# binds them).
pg_prepared()
{
	local sql types='' vals='' v
	sql=$(numbered "$1" '$')
	shift
	for v in "$@"; do
		types+="${types:+, }varchar"
		vals+="${vals:+, }'$v'"
	done
	pg_sql "PREPARE q${types:+($types)} AS $sql; EXECUTE q${vals:+($vals)}"
}

pg_trx_open()
{
	[[ $(pg_sql "SELECT count(*) FROM pg_stat_activity
		WHERE backend_xid IS NOT NULL AND pid <> pg_backend_pid()") == 1 ]]
}

pg_count()
{
	pg_sql "SELECT count(*) FROM spoke_changelog"
}

test_postgresql()
{
	local rows mark
	info "PostgreSQL"
	start_pg
	pg_sql <"$CASES/postgresql/table.sql"
	check_columns postgresql "$(pg_prepared "$(query postgresql columns_query)" app every_type)"
	stmts postgresql create_changelog,create_triggers ';' | pg_sql
	check_triggers postgresql "$(pg_prepared "$(query postgresql triggers_query)" app every_type)"

	pg_sql <"$CASES/postgresql/changes.sql"
	rows=$(pg_sql "SELECT op, coalesce(pk, 'NULL'), coalesce(before, 'NULL'),
		coalesce(after, 'NULL') FROM spoke_changelog ORDER BY seq")
	check_changelog postgresql "$rows"
	assert_contains "$rows" '"i_big":-9223372036854775808' "postgresql: 64-bit integers exact"
	assert_contains "$rows" '"j_json":{"a": [1, 2.50, null]}' "postgresql: json embedded"
	assert_eq "$(pg_sql "SELECT count(DISTINCT tx) FROM spoke_changelog")" 5 "postgresql: tx"

	check_read postgresql "$(pg_prepared "$(query postgresql read_query)" 1 2)"
	assert_eq "$(pg_sql "$(query postgresql max_seq_query)")" 5 "postgresql: max_seq_query"
	check_snapshot postgresql "$({
		echo 'SET intervalstyle = iso_8601;'
		stmts postgresql select_rows ';'
	} | pg_sql)"

	pg_sql "$(query postgresql mark_session); INSERT INTO app.every_type (id, code) VALUES (3, 'M');
		UPDATE app.every_type SET i_small = 1 WHERE id = 3; DELETE FROM app.every_type WHERE id = 3"
	assert_eq "$(pg_count)" 5 "postgresql: a marked session writes no changelog row"
	pg_sql "BEGIN; INSERT INTO app.every_type (id, code) VALUES (4, 'R'); ROLLBACK"
	assert_eq "$(pg_count)" 5 "postgresql: a rolled-back transaction leaves no row"

	bg_open pg_bg "$PGBIN/psql" -X -q -h 127.0.0.1 -p "$PG_PORT" -U postgres -d postgres
	echo "BEGIN; INSERT INTO app.every_type (id, code) VALUES (5, 'G');" >&"$BG_FD"
	wait_for pg_trx_open
	mark=$(pg_sql "$(query postgresql gap_mark_query)")
	assert_eq "$(pg_prepared "$(query postgresql gap_proof_query)" "$mark")" 0 \
		"postgresql: no proof while open"
	echo "COMMIT;" >&"$BG_FD"
	bg_close pg_bg
	assert_eq "$(pg_prepared "$(query postgresql gap_proof_query)" "$mark")" 1 \
		"postgresql: proof after it ended"

	pg_prepared "$(query postgresql purge_query)" 3
	assert_eq "$(pg_sql "SELECT count(*), min(seq) FROM spoke_changelog")" $'3\t4' \
		"postgresql: purge_query"
	stmts postgresql drop_triggers,drop_changelog ';' | pg_sql
	pg_sql "INSERT INTO app.every_type (id, code) VALUES (6, 'D')"
	assert_eq "$(pg_sql "SELECT count(*) FROM pg_proc WHERE proname LIKE 'spoke%'")" 0 \
		"postgresql: trigger functions dropped"
}

# ---------------------------------------------------------------------------------------------
# SQLite

lite()
{
	sqlite3 -bail -batch -separator $'\t' -nullvalue NULL "$T_DIR/app.db" "$@"
}

# lite_prepared SQL VALUE...: SQL with numbered parameters bound by the shell.
lite_prepared()
{
	local sql i=0 args=() v
	sql=$(numbered "$1" '?')
	shift
	for v in "$@"; do
		i=$((i + 1))
		args+=(".parameter set ?$i '$v'")
	done
	lite "${args[@]}" "$sql"
}

lite_count()
{
	lite "SELECT count(*) FROM spoke_changelog"
}

test_sqlite()
{
	local rows
	info "SQLite $(sqlite3 --version | cut -d ' ' -f 1)"
	lite <"$CASES/sqlite/table.sql"
	check_columns sqlite "$(lite_prepared "$(query sqlite columns_query)" main every_type)"
	stmts sqlite create_changelog,create_triggers ';' | lite
	check_triggers sqlite "$(lite_prepared "$(query sqlite triggers_query)" main every_type)"

	lite <"$CASES/sqlite/changes.sql"
	rows=$(lite "SELECT op, pk, before, after FROM spoke_changelog ORDER BY seq")
	check_changelog sqlite "$rows"
	assert_contains "$rows" '"i_int":-9223372036854775808' "sqlite: 64-bit integers exact"
	assert_eq "$(lite "SELECT count(*) FROM spoke_changelog WHERE tx IS NULL")" 5 "sqlite: tx NULL"

	check_read sqlite "$(lite_prepared "$(query sqlite read_query)" 1 2)"
	assert_eq "$(lite "$(query sqlite max_seq_query)")" 5 "sqlite: max_seq_query"
	check_snapshot sqlite "$(lite "$(query sqlite select_rows)")"

	lite "$(query sqlite mark_session)" "INSERT INTO every_type (id, code) VALUES (3, 'M')" \
		"UPDATE every_type SET i_int = 1 WHERE id = 3" "DELETE FROM every_type WHERE id = 3"
	assert_eq "$(lite_count)" 5 "sqlite: a marked session writes no changelog row"
	lite "BEGIN" "INSERT INTO every_type (id, code) VALUES (4, 'R')" "ROLLBACK"
	assert_eq "$(lite_count)" 5 "sqlite: a rolled-back transaction leaves no row"
	# Base64 of every length around a 3-byte group, and of a large blob, against base64(1).
	local n got
	for n in 0 1 2 3 4 5 6 56 57 58 100000; do
		lite "INSERT INTO every_type (id, code, bin) VALUES (100 + $n, 'b', randomblob($n))"
		got=$(lite "SELECT json_extract(after, '\$.bin') FROM spoke_changelog
			ORDER BY seq DESC LIMIT 1")
		assert_eq "$got" "$(lite "SELECT hex(bin) FROM every_type WHERE id = 100 + $n" |
			xxd -r -p | base64 -w 0)" "sqlite: base64 of $n bytes"
	done
	lite "DELETE FROM spoke_changelog WHERE seq > 5"

	assert_eq "$(lite_prepared "$(query sqlite gap_proof_query)" "$(lite "$(query sqlite \
		gap_mark_query)")")" 1 "sqlite: a gap is always proven"
	lite_prepared "$(query sqlite purge_query)" 3
	assert_eq "$(lite "SELECT count(*), min(seq) FROM spoke_changelog")" $'2\t4' "sqlite: purge_query"
	stmts sqlite drop_triggers,drop_changelog ';' | lite
	lite "INSERT INTO every_type (id, code) VALUES (6, 'D')"
	assert_eq "$(lite "SELECT count(*) FROM sqlite_master WHERE name LIKE 'spoke%'")" 0 \
		"sqlite: triggers and changelog dropped"
	# With trusted_schema off SQLite refuses the pragma in the triggers: writes fail, loudly.
	stmts sqlite create_changelog,create_triggers ';' | lite
	if lite "PRAGMA trusted_schema = OFF" "INSERT INTO every_type (id, code) VALUES (7, 'T')" \
		2>/dev/null; then
		fail "sqlite: expected a write to fail under trusted_schema = OFF"
	fi
}

test_mariadb
test_postgresql
test_sqlite
test_drivers
