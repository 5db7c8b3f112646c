# shellcheck shell=bash
# pglib.sh: helpers shared by the PostgreSQL capture tests (t_pg_*.sh); source it after lib.sh.
#
#   pg_conf [KEY=VALUE ...]    writes $T_DIR/spoke.conf: state dir, log to stderr, Kafka on
#                              $BROKERS, and [source erp] (type postgres, conninfo $PG_CONNINFO,
#                              tables public.t, status_interval 1s); each KEY=VALUE adds or
#                              replaces a key of [source erp]. Exports CONF.
#   capture_start [NAME]       spawns `spoke capture -c $CONF` as NAME (default capture);
#                              sets CAPTURE_PID.
#   log_has NAME TEXT          true when $T_DIR/NAME.log contains TEXT (for wait_for).
#   log_count NAME TEXT        how many lines of $T_DIR/NAME.log contain TEXT.
#   wait_streaming [NAME] [N]  waits (20 s) until NAME's log holds N (default 1) "streaming
#                              from slot" lines.
#   slot_confirmed [SLOT]      the slot's confirmed_flush_lsn (default spoke_erp).
#   wal_lsn                    pg_current_wal_lsn().
#   lsn_ge A B                 true when LSN A >= LSN B.
#   confirmed_ge LSN [SLOT]    true when the slot's confirmed_flush_lsn >= LSN (for wait_for).
#   caught_up [SECS]           waits until the slot confirmed the current WAL position, i.e.
#                              Kafka acknowledged every change committed so far.
#   events TOPIC               one JSON object per message, in partition and offset order:
#                              {"p":partition,"o":offset,"k":key,"v":value} (key and value
#                              parsed; a tombstone has "v":null).
#   validate FILE              validates the events (one value a line, empty: tombstone) with
#                              validate_events.py under Debian's python3; fails the test on the
#                              first invalid one.

PG_SLOT=spoke_erp

# shellcheck disable=SC2120  # arguments are optional
pg_conf()
{
	local kv key
	local -A extra=()
	local order=()
	for kv in "$@"; do
		key=${kv%%=*}
		[[ -v "extra[$key]" ]] || order+=("$key")
		extra[$key]=${kv#*=}
	done
	CONF=$T_DIR/spoke.conf
	export CONF
	{
		printf '[spoke]\nstate_dir = %s\n' "$T_DIR/state"
		printf '[kafka]\nbootstrap.servers = %s\n' "$BROKERS"
		printf '[source erp]\ntype = postgres\n'
		[[ -v "extra[conninfo]" ]] || printf 'conninfo = %s\n' "$PG_CONNINFO"
		[[ -v "extra[tables]" ]] || printf 'tables = public.t\n'
		[[ -v "extra[status_interval]" ]] || printf 'status_interval = 1s\n'
		for key in "${order[@]}"; do
			printf '%s = %s\n' "$key" "${extra[$key]}"
		done
	} >"$CONF"
}

# shellcheck disable=SC2120  # arguments are optional
capture_start()
{
	local name=${1:-capture}
	spawn "$name" "$SPOKE" capture -c "$CONF"
	# shellcheck disable=SC2034  # for the tests
	CAPTURE_PID=$SPAWNED_PID
}

log_has()
{
	grep -qF -- "$2" "$T_DIR/$1.log"
}

log_count()
{
	grep -cF -- "$2" "$T_DIR/$1.log" || true
}

_pglib_streaming_n()
{
	(($(log_count "$1" 'streaming from slot') >= $2))
}

# shellcheck disable=SC2120  # arguments are optional
wait_streaming()
{
	local name=${1:-capture} n=${2:-1}
	wait_for -t 20 _pglib_streaming_n "$name" "$n"
}

# shellcheck disable=SC2120  # arguments are optional
slot_confirmed()
{
	pg_sql "SELECT confirmed_flush_lsn FROM pg_replication_slots WHERE slot_name = '${1:-$PG_SLOT}'"
}

wal_lsn()
{
	pg_sql "SELECT pg_current_wal_lsn()"
}

lsn_ge()
{
	[[ $(pg_sql "SELECT '$1'::pg_lsn >= '$2'::pg_lsn") == t ]]
}

confirmed_ge()
{
	[[ $(pg_sql "SELECT coalesce(confirmed_flush_lsn >= '$1'::pg_lsn, false)
	             FROM pg_replication_slots WHERE slot_name = '${2:-$PG_SLOT}'") == t ]]
}

# shellcheck disable=SC2120  # arguments are optional
caught_up()
{
	local lsn
	lsn=$(wal_lsn)
	wait_for -t "${1:-30}" confirmed_ge "$lsn"
}

events()
{
	kafka_read_json "$1" |
		jq -c '{p: .partition, o: .offset, k: (.key | if . == null then null else fromjson end),
		        v: (.payload | if . == null then null else fromjson end)}' |
		jq -s -c 'sort_by(.p, .o) | .[]'
}

validate()
{
	local out
	if ! out=$(/usr/bin/python3 "$LIB_DIR/validate_events.py" "$1" 2>&1); then
		fail "schema validation of $1: $out"
	fi
	info "schema: $out"
}
