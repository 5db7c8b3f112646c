#!/usr/bin/env bash
# trigger_purge_lock: an application transaction holding the changelog seq just above the
# checkpoint does not stall the reader: purging delivered rows waits at most a moment, and
# changes committed meanwhile are published while that transaction stays open.
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
my_sql "INSERT INTO shop.t VALUES (1, 'first')"
wait_for -t 20 kafka_count_ge shop.shop.t 1

mkfifo "$T_DIR/a.sql"
exec 3<>"$T_DIR/a.sql"
# shellcheck disable=SC2016 # expanded by the inner shell
spawn session_a sh -c 'exec mariadb --no-defaults -uroot --socket="$1" -N -B --unbuffered shop <"$2"' \
	sh "$MY_SOCKET" "$T_DIR/a.sql"
echo "BEGIN; INSERT INTO t VALUES (2, 'held'); SELECT 'a-open';" >&3
wait_for -t 10 grep -q a-open "$T_DIR/session_a.log"
for i in 3 4 5; do
	my_sql "INSERT INTO shop.t VALUES ($i, 'meanwhile')"
done
# published while the transaction holding seq 2 stays open
wait_for -t 20 kafka_count_ge shop.shop.t 4
echo "COMMIT; SELECT 'a-done';" >&3
wait_for -t 10 grep -q a-done "$T_DIR/session_a.log"
wait_for -t 20 kafka_count_ge shop.shop.t 5
exec 3>&-
assert_eq "$(kafka_read shop.shop.t | jq -r '.after.id' | sort -n | tr '\n' ' ')" "1 2 3 4 5 " "published ids"
stop_spawned capture
