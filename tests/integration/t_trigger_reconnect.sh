#!/usr/bin/env bash
# trigger_reconnect: a trigger source survives its database restarting (killed and started
# again): capture reconnects with backoff and every change committed around the outage reaches
# Kafka; SIGTERM then flushes, stores the checkpoint and exits 0.
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

start_mariadb
start_broker shop.shop.t:4
my_sql "CREATE DATABASE shop; CREATE TABLE shop.t (id int PRIMARY KEY, v varchar(20))"
cat >"$T_DIR/spoke.conf" <<EOF2
[spoke]
state_dir = $T_DIR/state
[kafka]
bootstrap.servers = $BROKERS
[source shop]
type = mysql
host = 127.0.0.1
port = $MY_PORT
user = root
database = shop
tables = shop.t
poll_interval = 50ms
EOF2
"$SPOKE" setup -c "$T_DIR/spoke.conf"
spawn capture "$SPOKE" capture -c "$T_DIR/spoke.conf"
pid=$SPAWNED_PID
MY_DB=shop my_sql "INSERT INTO shop.t SELECT seq, 'a' FROM seq_1_to_100"
wait_for -t 20 kafka_count_ge shop.shop.t 100

stop_mariadb
wait_for -t 30 grep -q 'reconnecting in' "$T_DIR/capture.log"
start_mariadb
MY_DB=shop my_sql "INSERT INTO shop.t SELECT seq, 'b' FROM seq_101_to_200"
wait_for -t 60 kafka_count_ge shop.shop.t 200
kill -0 "$pid" || fail "capture exited instead of reconnecting"
assert_eq "$(kafka_read shop.shop.t | jq -r '.after.id' | sort -n | uniq | wc -l)" 200 "distinct ids"

rc=0
stop_spawned capture || rc=$?
assert_eq "$rc" 0 "exit status after SIGTERM"
# 200 changelog rows were written (seq 1..200): all delivered, checkpointed and purged
assert_eq "$(sed -n 's/^low_water=//p' "$T_DIR/state/shop.trigger")" 200 "checkpoint after SIGTERM"
assert_eq "$(my_sql "SELECT COUNT(*) FROM shop.spoke_changelog")" 0 "changelog rows left"
