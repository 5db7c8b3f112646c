# shellcheck shell=bash
# odbclib.sh: helpers shared by the trigger-capture tests through ODBC (t_trigger_odbc_*.sh,
# t_trigger_errors.sh); source it after lib.sh.
#
#   odbc_conf NAME CONNECTION TABLES [KEY=VALUE ...]
#                              writes $T_DIR/spoke.conf: state dir $T_DIR/state, Kafka on
#                              $BROKERS (127.0.0.1:9 before start_broker), and [source NAME] of
#                              type odbc with that connection string and tables, poll_interval
#                              50ms; each KEY=VALUE adds or replaces a key of the source
#                              (spoke.KEY=VALUE: of [spoke], e.g. spoke.log_level=debug).
#                              Exports CONF and SOURCE (NAME).
#   summary TOPIC              one line per message, stably sorted by key (so a key's messages
#                              keep their order): KEY TAB OP TAB SNAPSHOT TAB {"before":..,
#                              "after":..} with before and after exactly as published (no JSON
#                              parser between: big numbers and key order are the raw text), or
#                              KEY TAB tombstone for a null value.
#   low_water                  the low_water of $T_DIR/state/$SOURCE.trigger (empty when none).
#   low_water_ge N             true when that low_water is at least N (for wait_for).
#   validate TOPIC             validates every message of TOPIC with validate_events.py under
#                              Debian's python3 (tombstones counted); prints its verdict.
#   fifo_session NAME CMD...   spawns CMD as NAME reading SQL from the FIFO $T_DIR/NAME.sql and
#                              opens it read-write on file descriptor FD_NAME (a variable named
#                              by NAME, upper case, e.g. FD_A for a), so the client neither
#                              blocks nor sees an end of input: echo "SQL" >&"$FD_A".
#   session_says NAME TEXT     waits (10 s) until $T_DIR/NAME.log contains TEXT.

odbc_conf()
{
	local name=$1 conn=$2 tables=$3 kv key
	shift 3
	local -A extra=()
	local order=() spoke=()
	for kv in "$@"; do
		key=${kv%%=*}
		if [[ $key == spoke.* ]]; then
			spoke+=("${key#spoke.} = ${kv#*=}")
			continue
		fi
		[[ -v "extra[$key]" ]] || order+=("$key")
		extra[$key]=${kv#*=}
	done
	CONF=$T_DIR/spoke.conf
	SOURCE=$name
	export CONF SOURCE
	{
		printf '[spoke]\nstate_dir = %s\n' "$T_DIR/state"
		((${#spoke[@]} == 0)) || printf '%s\n' "${spoke[@]}"
		printf '[kafka]\nbootstrap.servers = %s\n' "${BROKERS:-127.0.0.1:9}"
		printf '[source %s]\ntype = odbc\nconnection = %s\ntables = %s\n' "$name" "$conn" "$tables"
		[[ -v "extra[poll_interval]" ]] || printf 'poll_interval = 50ms\n'
		for key in "${order[@]}"; do
			printf '%s = %s\n' "$key" "${extra[$key]}"
		done
	} >"$CONF"
}

summary()
{
	kafka_consume "$1" -f '%k\t%s\n' | perl -ne '
		chomp;
		my ($k, $v) = split /\t/, $_, 2;
		if (!defined $v || $v eq "") { print "$k\ttombstone\n"; next }
		$v =~ /^(\{"before":.*),"source":\{.*?"snapshot":"(\w+)".*"op":"(\w)","ts_ms":\d+,"transaction":/
			or die "unexpected event: $v\n";
		print "$k\t$3\t$2\t$1}\n";' | LC_ALL=C sort -s -t $'\t' -k1,1
}

low_water()
{
	sed -n 's/^low_water=//p' "$T_DIR/state/$SOURCE.trigger" 2>/dev/null || true
}

low_water_ge()
{
	local lw
	lw=$(low_water)
	[[ -n $lw ]] && ((lw >= $1))
}

validate()
{
	kafka_read "$1" >"$T_DIR/$1.values"
	/usr/bin/python3 "$SPOKE_ROOT/tests/integration/validate_events.py" "$T_DIR/$1.values" ||
		fail "events of $1 are not valid change events"
}

fifo_session()
{
	local name=$1 fd var
	shift
	var=FD_${name^^}
	mkfifo "$T_DIR/$name.sql"
	exec {fd}<>"$T_DIR/$name.sql" # read-write first, so neither end blocks
	printf -v "$var" '%s' "$fd"
	# shellcheck disable=SC2016 # expanded by the inner shell
	spawn "$name" sh -c 'f=$1; shift; exec "$@" <"$f"' sh "$T_DIR/$name.sql" "$@"
}

session_says()
{
	wait_for -t 10 grep -qF -- "$2" "$T_DIR/$1.log"
}
