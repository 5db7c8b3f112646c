#!/usr/bin/env bash
# bench trigger_capture: what trigger capture costs and delivers on MariaDB, side by side in one
# run:
#   writes  the same workload on the same table without triggers and with spoke's triggers
#           (spoke setup): ROWS single-row INSERT transactions from 4 concurrent clients, and one
#           ROWS-row INSERT; rows/s and the ratio with / without. The runs without triggers go
#           once before and once after the ones with triggers (triggers dropped meanwhile) and
#           the better counts, so a cold or warm server cannot flatter the triggers.
#   reader  spoke capture draining a changelog of ROWS rows (from the multi-row INSERT) into
#           Kafka, until its checkpoint, stored once Kafka acknowledged every row, reaches the
#           changelog's highest seq; against kcat -P producing as many JSON messages of the same
#           size to the same broker with the same guarantees (acks=all, idempotence), before
#           and after spoke, the better run counting; rows/s and the ratio.
# Usage: tests/bench/trigger_capture.sh [ROWS]   (default 100000)
# shellcheck source-path=SCRIPTDIR source=../integration/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../integration/lib.sh"

rows=${1:-100000}
CLIENTS=4
start_mariadb --max-allowed-packet=1G
# the mock broker keeps ~5 MiB per partition: room for ~400-byte events (and kcat's two runs)
start_broker "bench.bench.item:$((rows / 4000 + 8))" "bench.reference:$((rows / 2000 + 8))"
my_sql <<'SQL'
CREATE DATABASE bench;
CREATE TABLE bench.item (id bigint PRIMARY KEY, sku varchar(32) NOT NULL, price decimal(12,2),
                         qty int, updated_at datetime(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6));
SQL
cat >"$T_DIR/spoke.conf" <<CONF
[spoke]
state_dir = $T_DIR/state
log_level = warn
[kafka]
bootstrap.servers = $BROKERS
[source bench]
type = mysql
socket = $MY_SOCKET
user = root
database = bench
tables = bench.item
snapshot = never
poll_interval = 20ms
CONF

now() { date +%s.%N; }
mariadb_bench() { mariadb --no-defaults -uroot --socket="$MY_SOCKET" --max-allowed-packet=1G -N -B bench; }

# The workloads, written once: CLIENTS files of single-row INSERTs (autocommit: one transaction
# each) over disjoint id ranges, and one file holding a single ROWS-row INSERT.
per=$((rows / CLIENTS))
for ((c = 0; c < CLIENTS; c++)); do
	awk -v from=$((c * per + 1)) -v to=$(((c + 1) * per)) 'BEGIN {
		for (i = from; i <= to; i++)
			printf "INSERT INTO item (id, sku, price, qty) VALUES (%d, \"SKU-%d\", %d.%02d, %d);\n", i, i, i % 10000, i % 100, i % 50
	}' >"$T_DIR/single$c.sql"
done
awk -v n=$((per * CLIENTS)) 'BEGIN {
	printf "INSERT INTO item (id, sku, price, qty) VALUES\n"
	for (i = 1; i <= n; i++)
		printf "(%d, \"SKU-%d\", %d.%02d, %d)%s\n", i, i, i % 10000, i % 100, i % 50, i < n ? "," : ";"
}' >"$T_DIR/multi.sql"
rows=$((per * CLIENTS))

# single: seconds for the CLIENTS concurrent single-row writers; multi: for the one INSERT.
single()
{
	local t0 t1 c pids=()
	t0=$(now)
	for ((c = 0; c < CLIENTS; c++)); do
		mariadb_bench <"$T_DIR/single$c.sql" &
		pids+=($!)
	done
	for c in "${pids[@]}"; do
		wait "$c" || fail "a single-row writer failed"
	done
	t1=$(now)
	awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }'
}
multi()
{
	local t0 t1
	t0=$(now)
	mariadb_bench <"$T_DIR/multi.sql"
	t1=$(now)
	awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }'
}
count_is() { assert_eq "$(my_sql "SELECT COUNT(*) FROM bench.item")" "$1" "rows in bench.item"; }
empty() { my_sql "TRUNCATE bench.item"; }
drop_triggers() { my_sql "DROP TRIGGER bench.spoke_item_ins; DROP TRIGGER bench.spoke_item_upd; DROP TRIGGER bench.spoke_item_del"; }
# the better of two times (one before and one after the other side's run)
better() { awk -v a="$1" -v b="$2" 'BEGIN { print (a < b ? a : b) }'; }

info "writes without triggers"
s_plain1=$(single)
count_is "$rows"
empty
m_plain1=$(multi)
count_is "$rows"
empty
info "spoke setup: changelog and triggers"
"$SPOKE" setup -c "$T_DIR/spoke.conf" 2>"$T_DIR/setup.log"
info "writes with triggers"
s_trig=$(single)
count_is "$rows"
assert_eq "$(my_sql "SELECT COUNT(*) FROM bench.spoke_changelog")" "$rows" "changelog rows"
empty
my_sql "TRUNCATE bench.spoke_changelog"
drop_triggers
info "writes without triggers, again (the better of both runs counts)"
s_plain2=$(single)
empty
m_plain2=$(multi)
empty
"$SPOKE" setup -c "$T_DIR/spoke.conf" 2>>"$T_DIR/setup.log"
m_trig=$(multi)
count_is "$rows"
max_seq=$(my_sql "SELECT MAX(seq) FROM bench.spoke_changelog")
assert_eq "$(my_sql "SELECT COUNT(*) FROM bench.spoke_changelog")" "$rows" "changelog rows"
s_plain=$(better "$s_plain1" "$s_plain2")
m_plain=$(better "$m_plain1" "$m_plain2")

# kcat: ROWS messages shaped like spoke's events of this table (key and envelope, same size
# give or take a few bytes), to its own topic, with spoke's delivery guarantees.
awk -v n="$rows" 'BEGIN {
	for (i = 1; i <= n; i++)
		printf "{\"id\":%d}\t{\"before\":null,\"after\":{\"id\":%d,\"sku\":\"SKU-%d\",\"price\":\"%d.%02d\",\"qty\":%d,\"updated_at\":\"2026-01-01T10:00:00.000000\"},\"source\":{\"version\":\"0.1.0\",\"connector\":\"mysql\",\"name\":\"bench\",\"ts_ms\":1767261600000,\"snapshot\":\"false\",\"db\":\"bench\",\"schema\":\"bench\",\"table\":\"item\",\"seq\":%d},\"op\":\"c\",\"ts_ms\":1767261600000,\"transaction\":{\"id\":\"%d\",\"total_order\":1,\"data_collection_order\":1}}\n", i, i, i, i % 10000, i % 100, i % 50, i, i
}' >"$T_DIR/reference.txt"
kcat_run()
{
	local t0 t1
	t0=$(now)
	kcat -b "$BROKERS" -P -t bench.reference -K $'\t' -X enable.idempotence=true -X acks=all \
		-X partitioner=murmur2_random <"$T_DIR/reference.txt" || fail "kcat -P failed"
	t1=$(now)
	awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }'
}
info "kcat -P"
k1=$(kcat_run)

info "spoke capture draining $rows changelog rows"
low_water() { sed -n 's/^low_water=//p' "$T_DIR/state/bench.trigger" 2>/dev/null || true; }
t0=$(now)
spawn capture "$SPOKE" capture -c "$T_DIR/spoke.conf"
pid=$SPAWNED_PID
peak=0
first_lw=0 # the first checkpoint after the start, and when it was seen
until [ "$(low_water)" = "$max_seq" ]; do
	kill -0 "$pid" 2>/dev/null || fail "spoke capture exited early: $(cat "$T_DIR/capture.log")"
	hwm=$(awk '/VmHWM/ {print $2}' "/proc/$pid/status" 2>/dev/null || echo 0)
	[ "${hwm:-0}" -gt "$peak" ] && peak=$hwm
	lw=$(low_water)
	if ((first_lw == 0 && ${lw:-0} > 0)); then
		first_lw=$lw
		t_first=$(now)
	fi
	sleep 0.02
done
t1=$(now)
spoke_s=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')
((first_lw > 0 && first_lw < max_seq)) || t_first=$t0 first_lw=0
# after the first checkpoint: without the process start and the first fetch of topic metadata
steady=$(awk -v a="$t_first" -v b="$t1" -v n=$((max_seq - first_lw)) 'BEGIN { printf "%.0f", n / (b - a) }')
stop_spawned capture
info "kcat -P, again (the better of both runs counts)"
k2=$(kcat_run)
kcat_s=$(better "$k1" "$k2")

assert_eq "$(kafka_count bench.reference)" $((2 * rows)) "messages kcat produced"
kafka_consume bench.bench.item -f '%S\n' >"$T_DIR/sizes.txt"
assert_eq "$(wc -l <"$T_DIR/sizes.txt")" "$rows" "messages in Kafka"
assert_eq "$(my_sql "SELECT COUNT(*) FROM bench.spoke_changelog")" 0 "changelog rows left (purged)"
spoke_size=$(awk '{ s += $1 } END { printf "%.0f", s / NR }' "$T_DIR/sizes.txt")
kcat_size=$(awk -F '\t' '{ s += length($2) } END { printf "%.0f", s / NR }' "$T_DIR/reference.txt")

awk -v rows="$rows" -v clients="$CLIENTS" -v sp="$s_plain" -v st="$s_trig" -v mp="$m_plain" \
	-v mt="$m_trig" -v ks="$kcat_s" -v ss="$spoke_s" -v peak="$peak" -v ssz="$spoke_size" \
	-v ksz="$kcat_size" -v steady="$steady" 'BEGIN {
	printf "%-36s %18s %20s %13s\n", "MariaDB writes, " rows " rows", "without triggers", "with spoke triggers", "with/without";
	printf "  %-34s %11.0f rows/s %13.0f rows/s %12.2fx\n", clients " clients, single-row INSERTs", rows / sp, rows / st, sp / st;
	printf "  %-34s %11.0f rows/s %13.0f rows/s %12.2fx\n", "one " rows "-row INSERT", rows / mp, rows / mt, mp / mt;
	printf "Reader, %d rows to Kafka (acks=all, idempotent) until every one is acknowledged\n", rows;
	printf "  %-34s %11.0f rows/s (%.2f s)\n", "kcat -P, " ksz "-byte JSON lines", rows / ks, ks;
	printf "  %-34s %11.0f rows/s (%.2f s), peak RSS %.1f MB\n", "spoke capture, " ssz "-byte events", rows / ss, ss, peak / 1024;
	printf "  %-34s %11.0f rows/s\n", "  after its first checkpoint", steady;
	printf "  ratio spoke / kcat: %.2fx\n", ks / ss;
}'
