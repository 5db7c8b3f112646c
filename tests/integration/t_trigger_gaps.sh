#!/usr/bin/env bash
# trigger_gaps: a changelog seq taken by a transaction that commits late is held open as a gap:
# the checkpoint does not pass it, its row is published when it commits, and a rolled-back
# transaction's gap is closed by the database's proof (innodb_trx), not by gap_timeout.
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

start_mariadb
start_broker shop.shop.t:2
my_sql "CREATE DATABASE shop; CREATE TABLE shop.t (id int PRIMARY KEY, v varchar(20))"
cat >"$T_DIR/spoke.conf" <<EOF2
[spoke]
state_dir = $T_DIR/state
[kafka]
bootstrap.servers = $BROKERS
[source shop]
type = mysql
socket = $MY_SOCKET
user = root
database = shop
tables = shop.t
poll_interval = 50ms
gap_timeout = 1h
EOF2
"$SPOKE" setup -c "$T_DIR/spoke.conf"
spawn capture "$SPOKE" capture -c "$T_DIR/spoke.conf"
wait_for -t 20 test -f "$T_DIR/state/shop.trigger"
low_water() { sed -n 's/^low_water=//p' "$T_DIR/state/shop.trigger"; }
low_water_ge() { [ "$(low_water)" -ge "$1" ]; }

# session A takes a seq and holds its transaction open (a client fed through a pipe)
mkfifo "$T_DIR/a.sql"
exec 3<>"$T_DIR/a.sql" # opened read-write first, so neither end blocks
# shellcheck disable=SC2016 # expanded by the inner shell
spawn session_a sh -c 'exec mariadb --no-defaults -uroot --socket="$1" -N -B --unbuffered shop <"$2"' \
	sh "$MY_SOCKET" "$T_DIR/a.sql"
echo "BEGIN; INSERT INTO t VALUES (1, 'late'); SELECT 'a-open';" >&3
wait_for -t 10 grep -q a-open "$T_DIR/session_a.log"
seq_a=$(my_sql "SELECT MAX(seq) FROM shop.spoke_changelog" || true)
info "A holds seq ${seq_a:-?} (invisible to other sessions)"
# session B commits a larger seq
my_sql "INSERT INTO shop.t VALUES (2, 'early')"
wait_for -t 20 kafka_count_ge shop.shop.t 1
assert_eq "$(kafka_read shop.shop.t | jq -r '.after.id')" 2 "B is published while A is open"
sleep_ms=0
while [ "$sleep_ms" -lt 1000 ]; do # the checkpoint must stay below A's seq meanwhile
	b_seq=$(my_sql "SELECT seq FROM shop.spoke_changelog WHERE table_name = 't' ORDER BY seq DESC LIMIT 1")
	[ "$(low_water)" -lt "$b_seq" ] || fail "checkpoint $(low_water) passed the open gap before B ($b_seq)"
	sleep 0.1
	sleep_ms=$((sleep_ms + 100))
done
# a gap open 10 s is reported while it lasts
said() { grep -q "for seq [0-9]*-[0-9]*: a transaction took it and has not committed" "$T_DIR/capture.log"; }
wait_for -t 20 said
[ "$(low_water)" -lt "$b_seq" ] || fail "checkpoint $(low_water) passed the open gap before B ($b_seq)"
# A commits: its change is published and the checkpoint moves past both
echo "COMMIT; SELECT 'a-done';" >&3
wait_for -t 10 grep -q a-done "$T_DIR/session_a.log"
wait_for -t 20 kafka_count_ge shop.shop.t 2
wait_for -t 20 low_water_ge "$b_seq"
# the purge that follows the checkpoint must be done before the next transaction takes a seq:
# MariaDB's DELETE up to the checkpoint would wait for the lock of that transaction's row
purged_to() { [ "$(my_sql "SELECT COUNT(*) FROM shop.spoke_changelog WHERE seq <= $1")" = 0 ]; }
wait_for -t 20 purged_to "$b_seq"

# a rolled-back transaction leaves a gap that only a proof can close (gap_timeout is 1h)
echo "BEGIN; INSERT INTO t VALUES (3, 'rolled back'); SELECT 'c-open';" >&3
wait_for -t 10 grep -q c-open "$T_DIR/session_a.log"
my_sql "INSERT INTO shop.t VALUES (4, 'after')"
wait_for -t 20 kafka_count_ge shop.shop.t 3
d_seq=$(my_sql "SELECT MAX(seq) FROM shop.spoke_changelog")
[ "$(low_water)" -lt "$d_seq" ] || fail "checkpoint passed a gap whose transaction is still open"
started=$(date +%s)
echo "ROLLBACK; SELECT 'c-gone';" >&3
wait_for -t 10 grep -q c-gone "$T_DIR/session_a.log"
wait_for -t 30 low_water_ge "$d_seq"
info "gap of the rolled-back transaction closed by proof after $(($(date +%s) - started))s (gap_timeout 1h)"
exec 3>&-
assert_eq "$(kafka_read shop.shop.t | jq -r '.after.id' | sort | tr '\n' ' ')" "1 2 4 " "published ids"
wait_for -t 10 purged_to "$d_seq" # the changelog rows up to the checkpoint are purged
stop_spawned capture
