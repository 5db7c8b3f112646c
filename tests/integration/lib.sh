# shellcheck shell=bash
# lib.sh: helpers for spoke's integration tests; every tests/integration/t_*.sh sources it first.
#
# A test starts what it needs by calling the functions below. Everything it started is stopped
# when the script exits, fails or is interrupted (EXIT/INT/TERM trap), by PID, in reverse order.
# All servers listen on 127.0.0.1 only.
#
# Directories
#   SPOKE_TEST_TMP  run-wide temp dir (made by tests/run; made here and removed on success when a
#                   script runs on its own). Server templates live in $SPOKE_TEST_TMP/templates.
#   T_DIR           this test's own dir under it; logs of everything started land here.
#   SPOKE           absolute path of the spoke binary (default: ./spoke in the repo root).
#   SPOKE_ROOT      the repository root.
#
# Servers (NAME defaults to pg / my; a second call with another NAME starts a second server and
# the variables then describe that one; calling again with a stopped NAME restarts it on its port
# with its data)
#   start_pg [NAME] [SETTING=VALUE ...]   PostgreSQL 15, wal_level=logical, slots/senders 20, fsync
#                                         off; SETTING=VALUE lines go to its postgresql.conf.
#                                         Exports PG_HOST=127.0.0.1 PG_PORT PGUSER=postgres
#                                         PG_CONNINFO PG_DIR (its dir; socket and server.log there).
#   stop_pg [NAME]                        immediate shutdown.
#   pg_sql [SQL]                          psql on $PG_PORT, database ${PG_DB:-postgres}; SQL from the
#                                         argument or stdin; rows one a line, columns tab-separated.
#   start_mariadb [NAME] [--option ...]   MariaDB 10.11 with ROW binlog (FULL image and metadata),
#                                         root without password. Exports MY_HOST=127.0.0.1 MY_PORT
#                                         MY_SOCKET MY_DIR (error.log there).
#   stop_mariadb [NAME]                   SIGKILL (the data is thrown away anyway).
#   my_sql [SQL]                          mariadb client as root over $MY_SOCKET, database ${MY_DB:-}
#                                         (none by default); -N -B output (tab-separated).
#   setup_odbc                            private ODBCSYSINI/ODBCINI in $T_DIR/odbc with drivers
#                                         [PostgreSQL Unicode], [MariaDB Unicode], [SQLite3].
#                                         Exports ODBCSYSINI ODBCINI.
#   odbc_sql CONNSTR SQL                  runs SQL with isql; rows one a line, tab-separated; fails
#                                         on any ODBC error.
#   start_broker [TOPIC:PARTITIONS ...] [other spoke broker options]
#                                         `spoke broker` (log: $T_DIR/broker.log); each TOPIC:P
#                                         becomes --topic TOPIC:P, other arguments (--brokers 3,
#                                         --partitions 8) pass unchanged. Waits up to 10 s for
#                                         its bootstrap file. Exports BROKERS.
#   stop_broker                           SIGTERM; a non-zero exit (crash, sanitizer) fails the test.
#   start_http                            tests/integration/httpfix.py (log: $T_DIR/http.log).
#                                         Exports HTTP_PORT HTTP_URL.
#   http_script JSON                      replaces the fixture's response script (a JSON list).
#   http_default JSON                     sets the response used when no script entry matches.
#   http_requests                         prints the recorded requests as a JSON list.
#   http_reset                            clears requests and script; default back to 200 {}.
#   spawn NAME CMD [ARG...]               runs CMD in the background (output: $T_DIR/NAME.log),
#                                         stopped at exit; sets SPAWNED_PID.
#   stop_spawned NAME                     SIGTERM, then SIGKILL after 10 s; returns its exit status.
#   wait_exit NAME [SECONDS]              waits for a spawned process to end by itself; returns its
#                                         exit status (fails the test on timeout).
#
# Kafka (kcat on $BROKERS, each call bounded by ${KAFKA_TIMEOUT:-30} s)
#   kafka_count TOPIC          number of messages from the beginning to the end of all partitions.
#   kafka_count_ge TOPIC N     true when TOPIC holds at least N messages: wait_for kafka_count_ge T N
#   kafka_read TOPIC           message values, one a line.
#   kafka_read_kv TOPIC        key TAB value, one message a line.
#   kafka_read_json TOPIC      kcat -J envelopes (topic, partition, offset, key, payload, headers).
#   kafka_consume TOPIC [kcat option ...]   the same read with your own options (e.g. -f '%p %s\n').
#   kafka_produce TOPIC [kcat option ...]   produces the lines of stdin.
#
# Assertions and waiting
#   fail MSG                   prints MSG with the caller's line and exits 1.
#   skip MSG                   the test is skipped (exit 77) with MSG as the reason.
#   assert_eq GOT WANT [MSG]   exact string comparison.
#   assert_contains TEXT PART [MSG]
#   wait_for [-t SECONDS] CMD [ARG...]  runs CMD until it succeeds, up to SECONDS (default
#                              ${WAIT_TIMEOUT:-10}); fails the test on timeout. CMD must not call fail.
#   free_port                  prints a currently unused 127.0.0.1 port below the ephemeral range.
#   info MSG                   a timestamped line in the test log.
#
# A test script: `source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"`, then plain bash under
# set -euo pipefail; a failing command ends the test and names its line. Exit 77 (skip) marks
# it skipped. It also runs on its own: `bash tests/integration/t_smoke_pg.sh` (KEEP=1 keeps its
# temp dir). Variables read: SPOKE, PGBIN, MARIADBD, PYTHON, TMPDIR, KEEP, WAIT_TIMEOUT,
# KAFKA_TIMEOUT, PG_DB, MY_DB.

set -euo pipefail
shopt -s inherit_errexit

LIB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
SPOKE_ROOT=$(cd "$LIB_DIR/../.." && pwd -P)
SPOKE=${SPOKE:-$SPOKE_ROOT/spoke}
PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
MARIADBD=${MARIADBD:-/usr/sbin/mariadbd}
PYTHON=${PYTHON:-python3}
export SPOKE SPOKE_ROOT

# Loopback traffic must never go through a proxy.
unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY all_proxy ALL_PROXY
export no_proxy=127.0.0.1,localhost NO_PROXY=127.0.0.1,localhost

_LIB_OWN_TMP=0
if [[ -z ${SPOKE_TEST_TMP:-} ]]; then
	SPOKE_TEST_TMP=$(mktemp -d "${TMPDIR:-/tmp}/spoke-test.XXXXXX")
	chmod 755 "$SPOKE_TEST_TMP"
	_LIB_OWN_TMP=1
fi
T_NAME=$(basename "$0" .sh)
T_NAME=${T_NAME#t_}
T_DIR=${T_DIR:-$SPOKE_TEST_TMP/$T_NAME}
mkdir -p "$T_DIR"
chmod 755 "$T_DIR"
export SPOKE_TEST_TMP T_DIR

# Messages of fail/assert and of the exit trap go to the script's original stderr, also when
# they happen inside a redirected command.
exec {_LIB_STDERR}>&2
_LIB_STOPS=()   # "function arg" entries run in reverse order at exit
_LIB_LATE_RC=0  # set by a stop function that found a problem (a crashed broker)

# ---------------------------------------------------------------------------------------------
# Messages, assertions, waiting

info()
{
	printf '[%(%H:%M:%S)T] %s\n' -1 "$*"
}

# Sets _LIB_WHERE to the first caller outside this file, as "file:line". (A variable, not
# output: a command substitution inside the ERR trap would end the script.)
_lib_where()
{
	local i
	_LIB_WHERE='?'
	for ((i = 1; i < ${#BASH_SOURCE[@]}; i++)); do
		if [[ ${BASH_SOURCE[i]} != "${BASH_SOURCE[0]}" ]]; then
			_LIB_WHERE=${BASH_SOURCE[i]##*/}:${BASH_LINENO[i - 1]}
			return 0
		fi
	done
}

fail()
{
	_lib_where
	printf 'FAIL at %s: %s\n' "$_LIB_WHERE" "$*" >&"$_LIB_STDERR"
	exit 1
}

skip()
{
	printf '%s\n' "$*" >"$T_DIR/skip-reason"
	printf 'SKIP: %s\n' "$*" >&"$_LIB_STDERR"
	exit 77
}

assert_eq()
{
	local got=$1 want=$2 msg=${3:-values differ}
	if [[ $got != "$want" ]]; then
		_lib_where
		printf 'FAIL at %s: %s\n  got:  %q\n  want: %q\n' "$_LIB_WHERE" "$msg" "$got" "$want" >&"$_LIB_STDERR"
		exit 1
	fi
}

assert_contains()
{
	local text=$1 part=$2 msg=${3:-text lacks the expected part}
	if [[ $text != *"$part"* ]]; then
		_lib_where
		printf 'FAIL at %s: %s\n  text: %q\n  part: %q\n' "$_LIB_WHERE" "$msg" "$text" "$part" >&"$_LIB_STDERR"
		exit 1
	fi
}

# Milliseconds since the epoch, without a fork.
_lib_now_ms()
{
	local t=${EPOCHREALTIME//[!0-9]/}
	printf '%s' $((10#$t / 1000))
}

# "1.5" -> 1500
_lib_seconds_to_ms()
{
	local s=$1 int frac
	int=${s%%.*}
	if [[ $s == *.* ]]; then frac=${s#*.}000; else frac=000; fi
	printf '%s' $((10#${int:-0} * 1000 + 10#${frac:0:3}))
}

wait_for()
{
	local secs=${WAIT_TIMEOUT:-10} deadline delays=(0.01 0.02 0.05 0.1) i=0
	if [[ ${1:-} == -t ]]; then
		secs=$2
		shift 2
	fi
	deadline=$(($(_lib_now_ms) + $(_lib_seconds_to_ms "$secs")))
	until "$@" >"$T_DIR/.wait_for.out" 2>&1; do
		if (($(_lib_now_ms) >= deadline)); then
			_lib_where
			printf 'FAIL at %s: timed out after %ss waiting for: %s\n' "$_LIB_WHERE" "$secs" "$*" >&"$_LIB_STDERR"
			sed 's/^/  | /' "$T_DIR/.wait_for.out" | tail -n 20 >&"$_LIB_STDERR"
			exit 1
		fi
		sleep "${delays[i]}"
		((i == ${#delays[@]} - 1)) || i=$((i + 1))
	done
}

# Size of FILE in bytes (0 when missing).
_lib_size()
{
	local st
	st=$(stat -c %s "$1" 2>/dev/null) || st=0
	printf '%s' "$st"
}

# True while PID exists and is not a zombie.
_lib_alive()
{
	local stat
	{ read -r stat <"/proc/$1/stat"; } 2>/dev/null || return 1
	stat=${stat##*) }
	[[ ${stat:0:1} != Z ]]
}

# _lib_stop_pid PID SIGNAL SECONDS: sends SIGNAL, waits up to SECONDS, then SIGKILL.
_lib_stop_pid()
{
	local pid=$1 sig=$2 secs=$3 deadline
	_lib_alive "$pid" || return 0
	kill "-$sig" "$pid" 2>/dev/null || true
	deadline=$(($(_lib_now_ms) + secs * 1000))
	while _lib_alive "$pid"; do
		if (($(_lib_now_ms) >= deadline)); then
			printf 'lib: PID %s ignored SIG%s for %ss; sending SIGKILL\n' "$pid" "$sig" "$secs" >&2
			kill -KILL "$pid" 2>/dev/null || true
			deadline=$(($(_lib_now_ms) + 5000))
			sig=KILL
		fi
		sleep 0.01
	done
}

_lib_check_name()
{
	[[ $1 =~ ^[A-Za-z0-9_-]+$ ]] || fail "bad instance name '$1' (letters, digits, _ and - only)"
}

_lib_at_exit()
{
	_LIB_STOPS+=("$*")
}

# ---------------------------------------------------------------------------------------------
# Traps

_lib_on_err()
{
	local rc=$1 line=$2 cmd=$3
	# Report once, in the script's own shell (not again from subshells and substitutions).
	local here=${BASH_SOURCE[1]##*/}:$line from=''
	[[ $BASHPID == "$$" ]] || return 0
	_lib_where
	[[ $_LIB_WHERE == "$here" ]] || from=" (in a call from $_LIB_WHERE)"
	printf 'error: exit status %s at %s%s: %s\n' "$rc" "$here" "$from" "$cmd" >&"$_LIB_STDERR"
}

_lib_on_exit()
{
	local rc=$? i entry parts
	trap '' INT TERM
	set +e
	exec 2>&"$_LIB_STDERR"
	for ((i = ${#_LIB_STOPS[@]} - 1; i >= 0; i--)); do
		entry=${_LIB_STOPS[i]}
		read -r -a parts <<<"$entry"
		"${parts[@]}"
	done
	if ((rc == 0 && _LIB_LATE_RC != 0)); then
		rc=$_LIB_LATE_RC
	fi
	if ((rc != 0 && rc != 77)); then
		printf 'test failed (exit status %s); its files are in %s\n' "$rc" "$T_DIR" >&2
	fi
	if ((_LIB_OWN_TMP)); then
		if [[ ${KEEP:-} != 1 ]] && ((rc == 0 || rc == 77)); then
			rm -rf "$SPOKE_TEST_TMP"
		else
			printf 'kept %s\n' "$SPOKE_TEST_TMP" >&2
		fi
	fi
	exit "$rc"
}

set -E
trap '_lib_on_err "$?" "$LINENO" "$BASH_COMMAND"' ERR
trap _lib_on_exit EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---------------------------------------------------------------------------------------------
# Users, ports, templates

_lib_root()
{
	[[ $EUID -eq 0 ]]
}

# _lib_as USER CMD...: runs CMD as USER when we are root, else as we are.
_lib_as()
{
	local user=$1
	shift
	if _lib_root; then
		setpriv --reuid="$user" --regid="$user" --init-groups -- "$@"
	else
		"$@"
	fi
}

# Sets _LIB_AS to the command prefix that runs a command as USER (empty when not root). Used
# for background servers: `"${_LIB_AS[@]}" server &` leaves the server's own PID in $!, since
# setpriv execs it.
_lib_as_prefix()
{
	_LIB_AS=()
	if _lib_root; then
		_LIB_AS=(setpriv --reuid="$1" --regid="$1" --init-groups --)
	fi
}

# Makes DIR owned by USER when root, and checks USER can reach it.
_lib_own_dir()
{
	local user=$1 dir=$2
	mkdir -p "$dir"
	if _lib_root; then
		chown "$user:" "$dir"
		if ! _lib_as "$user" test -w "$dir"; then
			fail "user $user cannot write $dir; point TMPDIR at a directory other users can search"
		fi
	fi
}

# Ports are taken below the kernel's ephemeral range, so outgoing connections and the
# mock broker (which uses ephemeral ports) never hold them. Servers retry with another port
# when the bind fails anyway.
free_port()
{
	local low=32768 lo hi p tries
	if [[ -r /proc/sys/net/ipv4/ip_local_port_range ]]; then
		read -r low _ </proc/sys/net/ipv4/ip_local_port_range
	fi
	hi=$((low > 20000 ? low : 60000))
	lo=$((hi > 30000 ? hi - 12000 : 10000))
	for ((tries = 0; tries < 200; tries++)); do
		p=$((lo + SRANDOM % (hi - lo)))
		mkdir -p "$SPOKE_TEST_TMP/ports"
		mkdir "$SPOKE_TEST_TMP/ports/$p" 2>/dev/null || continue
		if ! (: <>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
			printf '%s\n' "$p"
			return 0
		fi
	done
	fail "no free port found"
}

# _lib_template NAME BUILDER: builds $SPOKE_TEST_TMP/templates/NAME once per run by calling
# BUILDER DIR (DIR is a fresh directory that is renamed into place when BUILDER succeeds).
_lib_template()
{
	local name=$1 builder=$2 tdir=$SPOKE_TEST_TMP/templates
	mkdir -p "$tdir"
	chmod 755 "$tdir"
	(
		flock -w 300 9 || fail "timed out waiting for the $name template lock"
		if [[ ! -d $tdir/$name ]]; then
			rm -rf "$tdir/$name.new"
			mkdir "$tdir/$name.new"
			"$builder" "$tdir/$name.new"
			mv "$tdir/$name.new" "$tdir/$name"
		fi
	) 9>"$tdir/$name.lock"
}

# ---------------------------------------------------------------------------------------------
# PostgreSQL

_lib_pg_build_template()
{
	local dir=$1 conf
	_lib_own_dir postgres "$dir"
	chmod 700 "$dir"
	if ! (cd "$dir" && _lib_as postgres "$PGBIN/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 \
		--locale=C.UTF-8 --no-sync) >"$dir/initdb.log" 2>&1; then
		cat "$dir/initdb.log" >&2
		fail "initdb failed"
	fi
	conf="$dir/data/postgresql.conf"
	cat >>"$conf" <<-'CONF'
		# spoke test harness
		listen_addresses = '127.0.0.1'
		wal_level = logical
		max_replication_slots = 20
		max_wal_senders = 20
		fsync = off
	CONF
	# 15.19+ only loads listed output plugins; older 15.x refuse the setting.
	if "$PGBIN/postgres" --describe-config 2>/dev/null | grep -q '^output_plugin_libraries'; then
		if [[ -e $("$PGBIN/pg_config" --pkglibdir 2>/dev/null)/wal2json.so ]]; then
			echo "output_plugin_libraries = 'pgoutput, test_decoding, wal2json'" >>"$conf"
		fi
	fi
}

# shellcheck disable=SC2120  # arguments are optional
start_pg()
{
	local name=pg settings=() a dir port pid attempt deadline off
	for a in "$@"; do
		if [[ $a == *=* ]]; then settings+=("$a"); else name=$a; fi
	done
	_lib_check_name "$name"
	dir=$T_DIR/$name
	if [[ ! -d $dir/data ]]; then
		_lib_template pg _lib_pg_build_template
		_lib_own_dir postgres "$dir"
		chmod 700 "$dir"
		cp -a "$SPOKE_TEST_TMP/templates/pg/data" "$dir/data"
		printf '%s\n' "unix_socket_directories = '$dir'" >>"$dir/data/postgresql.conf"
		_lib_at_exit stop_pg "$name"
	fi
	for a in "${settings[@]}"; do
		printf '%s\n' "${a%%=*} = ${a#*=}" >>"$dir/data/postgresql.conf"
	done
	if [[ -f $dir/pid ]] && _lib_alive "$(<"$dir/pid")"; then
		fail "start_pg: $name is already running"
	fi
	for ((attempt = 1; ; attempt++)); do
		if [[ -f $dir/port ]]; then port=$(<"$dir/port"); else port=$(free_port); fi
		off=$(_lib_size "$dir/server.log")
		_lib_as_prefix postgres
		"${_LIB_AS[@]}" "$PGBIN/postgres" -D "$dir/data" -p "$port" \
			>>"$dir/server.log" 2>&1 </dev/null &
		pid=$!
		echo "$pid" >"$dir/pid"
		deadline=$(($(_lib_now_ms) + 20000))
		while ! "$PGBIN/pg_isready" -q -h 127.0.0.1 -p "$port" -U postgres -d postgres -t 1 >/dev/null 2>&1; do
			if ! _lib_alive "$pid"; then
				break
			fi
			if (($(_lib_now_ms) >= deadline)); then
				tail -n 20 "$dir/server.log" >&2
				fail "PostgreSQL $name did not accept connections within 20 s"
			fi
			sleep 0.02
		done
		if _lib_alive "$pid"; then
			echo "$port" >"$dir/port"
			break
		fi
		if [[ ! -f $dir/port ]] && ((attempt < 5)) &&
			tail -c "+$((off + 1))" "$dir/server.log" | grep -q 'Address already in use'; then
			info "port $port was taken; trying another"
			continue
		fi
		tail -n 20 "$dir/server.log" >&2
		fail "PostgreSQL $name exited while starting (log: $dir/server.log)"
	done
	PG_HOST=127.0.0.1
	PG_PORT=$port
	PGUSER=postgres
	PG_DIR=$dir
	PG_CONNINFO="host=127.0.0.1 port=$port user=postgres dbname=postgres"
	export PG_HOST PG_PORT PGUSER PG_DIR PG_CONNINFO
}

# shellcheck disable=SC2120  # arguments are optional
stop_pg()
{
	local name=${1:-pg} dir
	dir=$T_DIR/$name
	[[ -f $dir/pid ]] || return 0
	_lib_stop_pid "$(<"$dir/pid")" QUIT 10
	rm -f "$dir/pid"
}

pg_sql()
{
	local args=(-X -q -v ON_ERROR_STOP=1 -At -F $'\t' -h "${PG_HOST:-127.0.0.1}" -p "$PG_PORT"
		-U postgres -d "${PG_DB:-postgres}")
	if (($#)); then
		PGCONNECT_TIMEOUT=5 "$PGBIN/psql" "${args[@]}" -c "$1"
	else
		PGCONNECT_TIMEOUT=5 "$PGBIN/psql" "${args[@]}" -f -
	fi
}

# ---------------------------------------------------------------------------------------------
# MariaDB

_lib_my_build_template()
{
	local dir=$1 user=()
	_lib_own_dir mysql "$dir"
	if _lib_root; then user=(--user=mysql); fi
	if ! (cd "$dir" && mariadb-install-db --no-defaults "${user[@]}" --datadir="$dir/data" \
		--auth-root-authentication-method=normal --skip-test-db --skip-name-resolve) \
		>"$dir/install.log" 2>&1; then
		cat "$dir/install.log" >&2
		fail "mariadb-install-db failed"
	fi
}

_lib_my_ping()
{
	mariadb-admin --no-defaults --socket="$1" -uroot --connect-timeout=1 ping >/dev/null 2>&1
}

# shellcheck disable=SC2120  # arguments are optional
start_mariadb()
{
	local name=my opts=() a dir port pid attempt deadline off
	for a in "$@"; do
		if [[ $a == -* ]]; then opts+=("$a"); else name=$a; fi
	done
	_lib_check_name "$name"
	dir=$T_DIR/$name
	if [[ ! -d $dir/data ]]; then
		_lib_template mariadb _lib_my_build_template
		_lib_own_dir mysql "$dir"
		cp -a "$SPOKE_TEST_TMP/templates/mariadb/data" "$dir/data"
		_lib_at_exit stop_mariadb "$name"
	fi
	(("${#dir}" < 90)) || fail "MariaDB socket path too long under $dir; use a shorter TMPDIR"
	if [[ -f $dir/pid ]] && _lib_alive "$(<"$dir/pid")"; then
		fail "start_mariadb: $name is already running"
	fi
	for ((attempt = 1; ; attempt++)); do
		if [[ -f $dir/port ]]; then port=$(<"$dir/port"); else port=$(free_port); fi
		off=$(_lib_size "$dir/error.log")
		_lib_as_prefix mysql
		"${_LIB_AS[@]}" "$MARIADBD" --no-defaults --datadir="$dir/data" --socket="$dir/mysqld.sock" \
			--port="$port" --bind-address=127.0.0.1 --skip-name-resolve \
			--pid-file="$dir/mysqld.pid" --log-error="$dir/error.log" --server-id=1 \
			--log-bin="$dir/data/binlog" --binlog-format=ROW --binlog-row-image=FULL \
			--binlog-row-metadata=FULL --innodb-flush-log-at-trx-commit=2 --sync-binlog=0 \
			"${opts[@]}" >>"$dir/stdout.log" 2>&1 </dev/null &
		pid=$!
		disown "$pid" # no "Killed" notice from bash when stop_mariadb kills it
		echo "$pid" >"$dir/pid"
		deadline=$(($(_lib_now_ms) + 30000))
		while ! _lib_my_ping "$dir/mysqld.sock"; do
			if ! _lib_alive "$pid"; then
				break
			fi
			if (($(_lib_now_ms) >= deadline)); then
				tail -n 20 "$dir/error.log" >&2
				fail "MariaDB $name did not answer ping within 30 s"
			fi
			sleep 0.02
		done
		if _lib_alive "$pid"; then
			echo "$port" >"$dir/port"
			break
		fi
		if [[ ! -f $dir/port ]] && ((attempt < 5)) &&
			tail -c "+$((off + 1))" "$dir/error.log" | grep -q 'Address already in use\|Bind on TCP/IP port'; then
			info "port $port was taken; trying another"
			continue
		fi
		tail -n 20 "$dir/error.log" "$dir/stdout.log" >&2
		fail "MariaDB $name exited while starting (log: $dir/error.log)"
	done
	MY_HOST=127.0.0.1
	MY_PORT=$port
	MY_SOCKET=$dir/mysqld.sock
	MY_DIR=$dir
	export MY_HOST MY_PORT MY_SOCKET MY_DIR
}

# shellcheck disable=SC2120  # arguments are optional
stop_mariadb()
{
	local name=${1:-my} dir
	dir=$T_DIR/$name
	[[ -f $dir/pid ]] || return 0
	_lib_stop_pid "$(<"$dir/pid")" KILL 10
	rm -f "$dir/pid"
}

my_sql()
{
	local args=(--no-defaults -uroot --socket="$MY_SOCKET" --connect-timeout=5 -N -B)
	[[ -z ${MY_DB:-} ]] || args+=(-D "$MY_DB")
	if (($#)); then
		mariadb "${args[@]}" -e "$1"
	else
		mariadb "${args[@]}"
	fi
}

# ---------------------------------------------------------------------------------------------
# ODBC

# Prints the path of an ODBC driver library found under /usr/lib/*/odbc/.
_lib_odbc_driver()
{
	local f
	for f in /usr/lib/*/odbc/"$1" /usr/lib/odbc/"$1"; do
		if [[ -e $f ]]; then
			printf '%s\n' "$f"
			return 0
		fi
	done
	fail "ODBC driver $1 not found under /usr/lib/*/odbc/"
}

setup_odbc()
{
	local dir=$T_DIR/odbc pg my lite
	pg=$(_lib_odbc_driver psqlodbcw.so)
	my=$(_lib_odbc_driver libmaodbc.so)
	lite=$(_lib_odbc_driver libsqlite3odbc.so)
	mkdir -p "$dir"
	cat >"$dir/odbcinst.ini" <<-INI
		[PostgreSQL Unicode]
		Description=PostgreSQL ODBC driver (Unicode)
		Driver=$pg

		[MariaDB Unicode]
		Description=MariaDB Connector/ODBC (Unicode)
		Driver=$my

		[SQLite3]
		Description=SQLite3 ODBC driver
		Driver=$lite
	INI
	: >"$dir/odbc.ini"
	ODBCSYSINI=$dir
	ODBCINI=$dir/odbc.ini
	export ODBCSYSINI ODBCINI
}

odbc_sql()
{
	local conn=$1 sql=$2 out err
	[[ -n ${ODBCSYSINI:-} ]] || fail "odbc_sql: call setup_odbc first"
	out=$T_DIR/.odbc.out
	err=$T_DIR/.odbc.err
	# isql -b exits 0 after a failed statement; its error lines are what tell.
	if ! printf '%s\n' "$sql" | isql -b -x0x09 -k "$conn" >"$out" 2>"$err" || [[ -s $err ]] ||
		grep -q '^\[ISQL\]ERROR\|^\[[0-9A-Z]\{5\}\]' "$out"; then
		cat "$out" "$err" >&2
		return 1
	fi
	cat "$out"
}

# ---------------------------------------------------------------------------------------------
# Background processes

spawn()
{
	local name=$1
	shift
	_lib_check_name "$name"
	"$@" >"$T_DIR/$name.log" 2>&1 </dev/null &
	SPAWNED_PID=$!
	echo "$SPAWNED_PID" >"$T_DIR/$name.pid"
	_lib_at_exit _lib_stop_spawned_quiet "$name"
}

stop_spawned()
{
	local name=$1 pid rc=0
	[[ -f $T_DIR/$name.pid ]] || return 0
	pid=$(<"$T_DIR/$name.pid")
	_lib_stop_pid "$pid" TERM 10
	rm -f "$T_DIR/$name.pid"
	wait "$pid" 2>/dev/null || rc=$?
	return "$rc"
}

_lib_stop_spawned_quiet()
{
	stop_spawned "$1" || true
}

wait_exit()
{
	local name=$1 secs=${2:-${WAIT_TIMEOUT:-10}} pid rc=0 deadline
	[[ -f $T_DIR/$name.pid ]] || fail "wait_exit: $name was not spawned or already stopped"
	pid=$(<"$T_DIR/$name.pid")
	deadline=$(($(_lib_now_ms) + $(_lib_seconds_to_ms "$secs")))
	while _lib_alive "$pid"; do
		if (($(_lib_now_ms) >= deadline)); then
			tail -n 20 "$T_DIR/$name.log" >&2
			fail "$name still running after ${secs}s"
		fi
		sleep 0.02
	done
	rm -f "$T_DIR/$name.pid"
	wait "$pid" 2>/dev/null || rc=$?
	return "$rc"
}

# ---------------------------------------------------------------------------------------------
# spoke broker and Kafka

start_broker()
{
	local args=() a pid bf=$T_DIR/broker.bootstrap deadline
	[[ -x $SPOKE ]] || fail "spoke binary not found at $SPOKE (build it, or set SPOKE)"
	[[ ! -f $T_DIR/broker.pid ]] || fail "start_broker: a broker is already running"
	for a in "$@"; do
		if [[ $a != -* && $a == *:* ]]; then args+=(--topic "$a"); else args+=("$a"); fi
	done
	rm -f "$bf"
	"$SPOKE" broker "${args[@]}" --bootstrap-file "$bf" >"$T_DIR/broker.log" 2>&1 </dev/null &
	pid=$!
	echo "$pid" >"$T_DIR/broker.pid"
	_lib_at_exit stop_broker
	deadline=$(($(_lib_now_ms) + 10000))
	until [[ -s $bf ]]; do
		if ! _lib_alive "$pid"; then
			tail -n 20 "$T_DIR/broker.log" >&2
			fail "spoke broker exited while starting (log: $T_DIR/broker.log)"
		fi
		if (($(_lib_now_ms) >= deadline)); then
			tail -n 20 "$T_DIR/broker.log" >&2
			fail "spoke broker wrote no bootstrap file within 10 s"
		fi
		sleep 0.01
	done
	BROKERS=$(<"$bf")
	BROKERS=${BROKERS//[[:space:]]/}
	export BROKERS
}

stop_broker()
{
	local pid rc=0
	[[ -f $T_DIR/broker.pid ]] || return 0
	pid=$(<"$T_DIR/broker.pid")
	_lib_stop_pid "$pid" TERM 10
	rm -f "$T_DIR/broker.pid"
	wait "$pid" 2>/dev/null || rc=$?
	# 0 is a clean exit; 143 means it died of the SIGTERM itself. Anything else is a crash.
	if ((rc != 0 && rc != 143)); then
		printf 'spoke broker exited with status %s (log: %s/broker.log)\n' "$rc" "$T_DIR" >&2
		tail -n 20 "$T_DIR/broker.log" >&2
		_LIB_LATE_RC=1
	fi
	return 0
}

_lib_kcat()
{
	[[ -n ${BROKERS:-} ]] || fail "no broker: call start_broker first"
	timeout -k 2 "${KAFKA_TIMEOUT:-30}" kcat -b "$BROKERS" "$@"
}

# Reads TOPIC from the beginning to the current end of every partition. A short fetch wait
# makes kcat notice the end at once instead of after the broker's default 500 ms.
kafka_consume()
{
	local topic=$1
	shift
	_lib_kcat -C -t "$topic" -o beginning -e -q -X fetch.wait.max.ms=10 "$@"
}

kafka_count()
{
	kafka_consume "$1" -f '%o\n' | wc -l
}

# kafka_count_ge TOPIC N: true when TOPIC holds at least N messages (for wait_for).
kafka_count_ge()
{
	[ "$(kafka_count "$1")" -ge "$2" ]
}

kafka_read()
{
	kafka_consume "$1" -f '%s\n'
}

kafka_read_kv()
{
	kafka_consume "$1" -f '%k\t%s\n'
}

kafka_read_json()
{
	kafka_consume "$1" -J
}

kafka_produce()
{
	local topic=$1
	shift
	_lib_kcat -P -t "$topic" "$@"
}

# ---------------------------------------------------------------------------------------------
# HTTP fixture

start_http()
{
	local pf=$T_DIR/http.port pid deadline
	[[ ! -f $T_DIR/http.pid ]] || fail "start_http: the fixture is already running"
	rm -f "$pf"
	"$PYTHON" "$LIB_DIR/httpfix.py" --port-file "$pf" >"$T_DIR/http.log" 2>&1 </dev/null &
	pid=$!
	echo "$pid" >"$T_DIR/http.pid"
	_lib_at_exit stop_http
	deadline=$(($(_lib_now_ms) + 10000))
	until [[ -s $pf ]]; do
		if ! _lib_alive "$pid"; then
			tail -n 20 "$T_DIR/http.log" >&2
			fail "httpfix.py exited while starting (log: $T_DIR/http.log)"
		fi
		(($(_lib_now_ms) < deadline)) || fail "httpfix.py wrote no port file within 10 s"
		sleep 0.01
	done
	HTTP_PORT=$(<"$pf")
	HTTP_URL=http://127.0.0.1:$HTTP_PORT
	export HTTP_PORT HTTP_URL
}

stop_http()
{
	[[ -f $T_DIR/http.pid ]] || return 0
	_lib_stop_pid "$(<"$T_DIR/http.pid")" TERM 5
	rm -f "$T_DIR/http.pid"
}

_lib_http_control()
{
	[[ -n ${HTTP_URL:-} ]] || fail "no HTTP fixture: call start_http first"
	curl -fsS --noproxy '*' --max-time 10 "$@"
}

http_script()
{
	_lib_http_control -X POST -H 'Content-Type: application/json' --data-binary "$1" \
		"$HTTP_URL/_fixture/script" >/dev/null
}

http_default()
{
	_lib_http_control -X POST -H 'Content-Type: application/json' --data-binary "$1" \
		"$HTTP_URL/_fixture/default" >/dev/null
}

http_requests()
{
	_lib_http_control "$HTTP_URL/_fixture/requests"
}

http_reset()
{
	_lib_http_control -X POST "$HTTP_URL/_fixture/reset" >/dev/null
}
