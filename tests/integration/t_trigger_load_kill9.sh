#!/usr/bin/env bash
# trigger_load_kill9: 4 concurrent writer sessions commit ~100,000 row changes to a MariaDB table
# captured through triggers, in small transactions (inserts and updates of each writer's own id
# range; every tenth transaction rolled back); spoke capture is killed with SIGKILL three times
# during the load, each time after it checkpointed something new since the kill before, and
# started again. At the end every committed change is in Kafka: folded by key, the last event of
# every row equals the row's final state in the table, every committed insert has its op c event
# (duplicates are allowed, losses are not), nothing of a rolled-back transaction was published,
# and the checkpoint stands at the changelog's highest seq with the changelog purged.
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

WRITERS=4
TXS=5560 # per writer; every tenth rolled back: 5,004 committed transactions of 5 changes
start_mariadb
# ~330 bytes an event, 100,000 events and the ones resent after each kill: 32 partitions of ~5 MiB
start_broker shop.shop.t:32
my_sql <<'SQL'
CREATE DATABASE shop;
CREATE TABLE shop.t (id int PRIMARY KEY, w int NOT NULL, n int NOT NULL, v varchar(40) NOT NULL);
CREATE TABLE shop.progress (w int PRIMARY KEY, changes int NOT NULL);
INSERT INTO shop.progress VALUES (0, 0), (1, 0), (2, 0), (3, 0);
SQL
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
"$SPOKE" setup -c "$T_DIR/spoke.conf" 2>"$T_DIR/setup.log"

# One writer's session: transactions of 3 inserts (new ids of its range) and 2 updates (a row
# of this transaction and one of the transaction committed before, so that consecutive changes
# of a row come from consecutive transactions and their order in Kafka matters), each also
# counting its changes in progress (not captured); every tenth ends in ROLLBACK, and its ids are
# used again by the next one.
writer_sql()
{
	local w=$1 tx next=1 old end
	local base=$(((w + 1) * 1000000))
	for ((tx = 1; tx <= TXS; tx++)); do
		old=$((next > 1 ? base + next - 3 : base + next + 1))
		end=COMMIT
		((tx % 10 != 5)) || end=ROLLBACK
		printf '%s\n' "BEGIN;" \
			"INSERT INTO t VALUES ($((base + next)), $w, 0, 'i$tx'), ($((base + next + 1)), $w, 0, 'i$tx'), ($((base + next + 2)), $w, 0, 'i$tx');" \
			"UPDATE t SET n = n + 1, v = 'u$tx' WHERE id = $((base + next));" \
			"UPDATE t SET n = n + 1, v = 'u$tx' WHERE id = $old;" \
			"UPDATE progress SET changes = changes + 5 WHERE w = $w;" \
			"$end;" \
			"DO SLEEP(0.003);"
		[[ $end == ROLLBACK ]] || next=$((next + 3))
	done
}
for ((w = 0; w < WRITERS; w++)); do
	writer_sql "$w" >"$T_DIR/writer$w.sql"
done
total=$((WRITERS * (TXS - TXS / 10) * 5))

low_water() { sed -n 's/^low_water=//p' "$T_DIR/state/shop.trigger"; }
low_water_gt() { (($(low_water) > $1)); }
loaded() { my_sql "SELECT SUM(changes) FROM shop.progress"; }
loaded_ge() { (($(loaded) >= $1)); }

spawn capture0 "$SPOKE" capture -c "$T_DIR/spoke.conf"
pid=$SPAWNED_PID
wait_for -t 20 test -f "$T_DIR/state/shop.trigger"
for ((w = 0; w < WRITERS; w++)); do
	# shellcheck disable=SC2016 # expanded by the inner shell
	spawn "writer$w" sh -c 'exec mariadb --no-defaults -uroot --socket="$1" -N -B shop <"$2"' \
		sh "$MY_SOCKET" "$T_DIR/writer$w.sql"
done

# Three kills while the writers run: once they committed 20%, 45% and 70% of the changes, each
# once the capture running then has checkpointed past the checkpoint of the kill before (so it
# published something new, and every restart resumes from another position).
lw=0
i=0
for pct in 20 45 70; do
	wait_for -t 60 loaded_ge $((total * pct / 100))
	wait_for -t 30 low_water_gt "$lw"
	lw=$(low_water)
	kill -KILL "$pid"
	rc=0
	wait_exit "capture$i" 10 || rc=$?
	assert_eq "$rc" 137 "capture$i died of SIGKILL"
	at=$(loaded)
	((at < total)) || fail "the writers had finished before kill -9 number $((i + 1))"
	info "kill -9 number $((i + 1)): $at of $total changes committed, checkpoint at seq $lw"
	i=$((i + 1))
	spawn "capture$i" "$SPOKE" capture -c "$T_DIR/spoke.conf"
	pid=$SPAWNED_PID
done
for ((w = 0; w < WRITERS; w++)); do
	wait_exit "writer$w" 60 || fail "writer $w failed: $(cat "$T_DIR/writer$w.log")"
done
assert_eq "$(loaded)" "$total" "changes committed by the writers"
grep -q "resuming after seq" "$T_DIR/capture$i.log" || fail "capture$i did not resume from the checkpoint"

# A last change, alone: inside its transaction the changelog's highest seq is its own.
last=$(my_sql "BEGIN; INSERT INTO shop.t VALUES (0, -1, 0, 'last'); SELECT MAX(seq) FROM shop.spoke_changelog; COMMIT;")
wait_for -t 30 low_water_gt $((last - 1))
assert_eq "$(low_water)" "$last" "checkpoint at the changelog's highest seq"
changelog_empty() { [[ $(my_sql "SELECT COUNT(*) FROM shop.spoke_changelog") == 0 ]]; }
wait_for -t 10 changelog_empty
kill -0 "$pid" || fail "capture$i exited: $(tail -n 5 "$T_DIR/capture$i.log")"

# Fold the topic by key: the last event of a key (highest offset of its partition) must be the
# row's final state.
kafka_consume shop.shop.t -f '%p\t%o\t%s\n' >"$T_DIR/events.txt"
jq -r -R 'split("\t") as [$p, $o, $v] | ($v | fromjson) as $e
	| [$e.after.id, ($o | tonumber), $e.op, $e.after.w, $e.after.n, $e.after.v] | @tsv' \
	<"$T_DIR/events.txt" >"$T_DIR/event-rows.txt"
sort -k1,1n -k2,2n "$T_DIR/event-rows.txt" |
	awk -F '\t' -v OFS='\t' '$1 != id && NR > 1 { print row } { id = $1; row = $1 OFS $4 OFS $5 OFS $6 } END { print row }' \
		>"$T_DIR/folded.txt"
my_sql "SELECT id, w, n, v FROM shop.t ORDER BY id" >"$T_DIR/table.txt"
awk -F '\t' '$3 == "c" { print $1 }' "$T_DIR/event-rows.txt" | LC_ALL=C sort -u >"$T_DIR/created.txt"
cut -f1 "$T_DIR/table.txt" | LC_ALL=C sort >"$T_DIR/table-ids.txt"
events=$(wc -l <"$T_DIR/event-rows.txt")
info "events: $events for $((total + 1)) committed changes; rows: $(wc -l <"$T_DIR/table.txt"); resent (duplicates): $((events - total - 1))"
if ! diff "$T_DIR/table.txt" "$T_DIR/folded.txt" >"$T_DIR/fold.diff"; then
	head -n 20 "$T_DIR/fold.diff" >&2
	fail "the last event of a key differs from the row ($(grep -c '^<' "$T_DIR/fold.diff" || true) rows; first ones above)"
fi
missing=$(LC_ALL=C comm -23 "$T_DIR/table-ids.txt" "$T_DIR/created.txt" | wc -l)
((missing == 0)) || fail "$missing committed inserts have no op c event in Kafka"
assert_eq "$(LC_ALL=C comm -13 "$T_DIR/table-ids.txt" "$T_DIR/created.txt" | wc -l)" 0 "op c events of rows not in the table (rolled back)"
((events >= total + 1)) || fail "$events events for $((total + 1)) committed changes"
stop_spawned "capture$i"
