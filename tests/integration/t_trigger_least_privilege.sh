#!/usr/bin/env bash
# trigger_least_privilege: after `spoke setup` by an administrator, deploy/sql/mariadb-source.sql
# gives a capture user all it needs (read the tables and the changelog, purge it, see the
# triggers, prove gaps) and no more: it takes the snapshot, streams changes, purges the
# changelog, and cannot write the captured tables.
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

start_mariadb
start_broker shop.shop.customer:1
my_sql "CREATE DATABASE shop; CREATE TABLE shop.customer (id int PRIMARY KEY, email varchar(50));
	INSERT INTO shop.customer VALUES (1, 'a@x')"
write_conf()
{
	cat >"$T_DIR/spoke.conf" <<EOF2
[spoke]
state_dir = $T_DIR/state
[kafka]
bootstrap.servers = $BROKERS
[source shop]
type = mysql
socket = $MY_SOCKET
user = $1
database = shop
tables = shop.customer
poll_interval = 50ms
EOF2
}
write_conf root
"$SPOKE" setup -c "$T_DIR/spoke.conf"
sed "s/'localhost' IDENTIFIED BY 'change-me'/'localhost' IDENTIFIED BY 'capture-pw-5'/" \
	"$LIB_DIR/../../deploy/sql/mariadb-source.sql" | my_sql
write_conf spoke_capture
printf 'password_file = capture.pw\n' >>"$T_DIR/spoke.conf"
printf 'capture-pw-5\n' >"$T_DIR/capture.pw"
spawn capture "$SPOKE" capture -c "$T_DIR/spoke.conf"
wait_for -t 30 kafka_count_ge shop.shop.customer 1
my_sql "INSERT INTO shop.customer VALUES (2, 'b@x'); UPDATE shop.customer SET email = 'c@x' WHERE id = 1"
wait_for -t 30 kafka_count_ge shop.shop.customer 3
purged()
{
	[[ $(my_sql "SELECT count(*) FROM shop.spoke_changelog") == 0 ]]
}
wait_for -t 30 purged
stop_spawned capture
assert_eq "$(kafka_consume shop.shop.customer -f '%s\n' | jq -r '"\(.op) \(.after.id)"' | tr '\n' ',')" \
	"r 1,c 2,u 1," "snapshot and changes"
if grep -q "ERROR\|denied" "$T_DIR/capture.log"; then
	fail "capture hit a missing privilege: $(grep "ERROR\|denied" "$T_DIR/capture.log")"
fi
rc=0
mariadb --no-defaults -uspoke_capture -pcapture-pw-5 --socket="$MY_SOCKET" \
	-e "INSERT INTO shop.customer VALUES (9, 'no')" 2>/dev/null || rc=$?
[[ $rc != 0 ]] || fail "the capture user may write the captured table"
