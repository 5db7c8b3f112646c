#!/usr/bin/env bash
# pg_snapshot_concurrent: the first start snapshots 100,000 rows while another connection keeps
# inserting, updating, deleting and changing keys in small transactions, before, during and
# after the snapshot. Folding the topic by key (last value per key; a delete or tombstone
# removes the key) gives exactly the table; along the way every key's events make sense
# (no create of a present key, no update or delete of an absent one, every update moves v
# forward): nothing missed or doubled across the snapshot/stream hand-over.
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# shellcheck source=pglib.sh
source "$LIB_DIR/pglib.sh"

ROWS=100000
start_pg
# ~380 bytes an event, ~130,000 events: 16 partitions of ~5 MiB keep them all
start_broker erp.public.t:16
pg_sql <<SQL
CREATE TABLE t (id int PRIMARY KEY, v int NOT NULL, s text);
INSERT INTO t SELECT g, 0, 'row-' || g FROM generate_series(1, $ROWS) g;
CREATE TABLE stop_writer (at timestamptz);
CREATE TABLE writer_progress (n int);
INSERT INTO writer_progress VALUES (0);
-- One transaction per iteration: an insert, updates (v only grows), a delete, a key change.
-- Stops when stop_writer has a row, or after 20,000 iterations.
CREATE PROCEDURE writer() LANGUAGE plpgsql AS \$\$
DECLARE
	i int;
BEGIN
	FOR i IN 1..20000 LOOP
		EXIT WHEN EXISTS (SELECT 1 FROM stop_writer);
		INSERT INTO t VALUES ($ROWS + i, 0, 'new-' || i);
		UPDATE t SET v = v + 1, s = 'upd-' || i
			WHERE id IN ((i * 37) % $ROWS + 1, (i * 7919) % $ROWS + 1);
		UPDATE t SET v = v + 1000 WHERE id = $ROWS + i - 1;
		DELETE FROM t WHERE id = (i * 131) % $ROWS + 1;
		UPDATE t SET id = 2 * $ROWS + i, v = v + 1 WHERE id = (i * 53) % $ROWS + 1;
		UPDATE writer_progress SET n = i;
		COMMIT;
		PERFORM pg_sleep(0.001);
	END LOOP;
END
\$\$;
SQL
pg_conf
"$SPOKE" setup -c "$CONF" 2>"$T_DIR/setup.log"

progress() { pg_sql "SELECT n FROM writer_progress"; }
progress_ge() { (($(progress) >= $1)); }
snapshot_done() { log_has capture 'snapshot complete'; }

spawn writer "$PGBIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$PG_HOST" -p "$PG_PORT" -U postgres \
	-d postgres -c 'CALL writer()'
writer_pid=$SPAWNED_PID
wait_for -t 20 progress_ge 100
capture_start
wait_for -t 60 snapshot_done
_lib_alive "$writer_pid" || fail "the writer ended before the snapshot did"
at_snapshot=$(progress)
info "snapshot done; the writer is at iteration $at_snapshot"
wait_for -t 30 progress_ge $((at_snapshot + 300))
pg_sql "INSERT INTO stop_writer VALUES (now())"
wait_exit writer 30 || fail "the writer failed: $(cat "$T_DIR/writer.log")"
iterations=$(progress)
info "the writer stopped after $iterations transactions"
caught_up 60
grep -F 'public.t:' "$T_DIR/capture.log" | sed 's/^/  /'

events erp.public.t >"$T_DIR/t.events"
info "$(wc -l <"$T_DIR/t.events") messages; ops: $(jq -r '.v.op // "tombstone"' "$T_DIR/t.events" | sort | uniq -c | tr -s ' \n' ' ')"
assert_eq "$(jq -r 'select(.v.source.snapshot == "last") | .v.op' "$T_DIR/t.events")" r \
	"exactly one event is the snapshot's last"
(($(jq -r 'select(.v.op == "r") | .p' "$T_DIR/t.events" | wc -l) >= ROWS)) ||
	fail "fewer snapshot reads than rows before the writer started"

# Fold by key, in partition order (all events of a key are in one partition), checking each
# step; the problems go to fold.bad, the folded rows to fold.out.
jq -r '[(.k | tojson), (.v.op // "tombstone"), (.v.after.v // "" | tostring), (.v.after | tojson)] | @tsv' \
	"$T_DIR/t.events" | awk -F '\t' -v badfile="$T_DIR/fold.bad" '
	function bad(msg) { if (nbad++ < 20) print msg >badfile }
	{
		k = $1; op = $2; cur = (k in rows); prev = last[k]
		if (op == "tombstone") {
			if (prev != "d") bad("tombstone after " (prev == "" ? "nothing" : prev) " for " k)
			delete rows[k]
		} else if (op == "r" || op == "c") {
			if (cur) bad(op " of present key " k)
			if (op == "r" && prev != "") bad("r after " prev " for " k)
			rows[k] = $4; val[k] = $3 + 0
		} else if (op == "u") {
			if (!cur) bad("u of absent key " k)
			else if ($3 + 0 <= val[k]) bad("u of " k " does not move v: " val[k] " -> " $3)
			rows[k] = $4; val[k] = $3 + 0
		} else if (op == "d") {
			if (!cur) bad("d of absent key " k)
			delete rows[k]
		} else {
			bad("unexpected op " op " for " k)
		}
		last[k] = op
	}
	END { for (k in rows) print rows[k]; exit nbad > 0 }' >"$T_DIR/fold.out" || {
	cat "$T_DIR/fold.bad" >&2
	fail "the events of some keys do not follow each other (see above)"
}
jq -S -c . "$T_DIR/fold.out" | sort >"$T_DIR/folded.txt"
pg_sql "SELECT row_to_json(t) FROM t" | jq -S -c . | sort >"$T_DIR/table.txt"
info "table: $(wc -l <"$T_DIR/table.txt") rows; folded topic: $(wc -l <"$T_DIR/folded.txt") keys"
if ! diff -u "$T_DIR/table.txt" "$T_DIR/folded.txt" >"$T_DIR/fold.diff"; then
	head -n 40 "$T_DIR/fold.diff" >&2
	fail "the folded topic differs from the table (- table, + topic)"
fi
stop_spawned capture
