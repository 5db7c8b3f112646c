#!/usr/bin/env bash
# metrics: `spoke run` serves /metrics (checked with the Prometheus client's own text-format
# parser; every metric of deploy/grafana's dashboard is there) and /health on metrics_listen; /health turns 503, naming the source, while its
# PostgreSQL is stopped, and 200 again once it is back.
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
source "$LIB_DIR/pglib.sh"

start_pg
start_broker erp.public.item:2
pg_sql "CREATE TABLE item (id int PRIMARY KEY, qty int)"
pg_sql "CREATE TABLE stock (id int PRIMARY KEY, qty int)"
cat >"$T_DIR/stock.json" <<'EOF2'
{"rules": [{"name": "stock", "topics": ["erp.public.item"], "target": "erp", "table": "stock",
  "key": ["id"], "columns": {"id": "after.id", "qty": "after.qty"}}]}
EOF2
port=$(free_port)
pg_conf tables=public.item
sed -i "s|^\[spoke\]$|[spoke]\nmetrics_listen = 127.0.0.1:$port|" "$CONF"
cat >>"$CONF" <<EOF2
[target erp]
type = postgres
conninfo = $PG_CONNINFO
[applier stock]
rules = stock.json
batch_timeout = 50ms
EOF2
"$SPOKE" setup -c "$CONF"
spawn run "$SPOKE" run -c "$CONF"
pg_sql "INSERT INTO item SELECT i, i FROM generate_series(1, 20) i"
URL=http://127.0.0.1:$port
health()
{
	curl -s --noproxy '*' -o "$T_DIR/health.json" -w '%{http_code}' "$URL/health"
}
healthy()
{
	[[ $(health) == 200 ]] || {
		cat "$T_DIR/health.json"
		return 1
	}
}
applied_all()
{
	[[ $(pg_sql "SELECT count(*) FROM stock") == 20 ]]
}
wait_for -t 60 applied_all
wait_for -t 30 healthy
assert_eq "$(cat "$T_DIR/health.json")" '{"status":"ok"}' "health body"

# scrape: /metrics read by the Prometheus client's own parser, as "name{labels} value" lines.
scrape()
{
	curl -fsS --noproxy '*' "$URL/metrics" >"$T_DIR/metrics.txt"
	/usr/bin/python3 - "$T_DIR/metrics.txt" >"$T_DIR/samples.txt" <<'PY'
import sys
from prometheus_client.parser import text_string_to_metric_families
for family in text_string_to_metric_families(open(sys.argv[1]).read()):
    for s in family.samples:
        labels = ",".join("%s=%s" % kv for kv in sorted(s.labels.items()))
        print("%s{%s} %g" % (s.name, labels, s.value))
PY
}
# the processes write what they say of themselves once a second
all_shown()
{
	scrape && grep -q '^spoke_applier_applied_total{applier=stock} 20$' "$T_DIR/samples.txt" &&
		[[ $(grep -c '^spoke_applier_partition_lag{.*} 0$' "$T_DIR/samples.txt") == 2 ]]
}
wait_for -t 30 all_shown
info "$(cat "$T_DIR/samples.txt")"
samples=$(cat "$T_DIR/samples.txt")
assert_contains "$samples" "spoke_up{kind=source,name=erp} 1"
assert_contains "$samples" "spoke_up{kind=applier,name=stock} 1"
assert_contains "$samples" "spoke_healthy{kind=source,name=erp} 1"
assert_contains "$samples" "spoke_source_table_changes_total{op=r,source=erp,topic=erp.public.item} 20"
assert_contains "$samples" "spoke_applier_rule_changes_total{applier=stock,op=r,rule=stock} 20"
assert_contains "$samples" "spoke_applier_applied_total{applier=stock} 20"
assert_contains "$samples" "spoke_applier_dead_letters_total{applier=stock} 0"
assert_contains "$samples" "spoke_applier_partition_lag{applier=stock,partition=0,topic=erp.public.item} 0"
grep -q '^spoke_source_retained_wal_bytes{source=erp} [0-9]' <<<"$samples" || fail "retained WAL"
grep -q '^spoke_source_lag_bytes{source=erp} [0-9]' <<<"$samples" || fail "slot lag"
assert_eq "$(curl -s --noproxy '*' -o /dev/null -w '%{http_code}' "$URL/nothing")" 404 "unknown path"
# Every metric the Grafana dashboard graphs is one /metrics has.
for name in $(grep -o 'spoke_[a-z_]*' "$LIB_DIR/../../deploy/grafana/spoke-dashboard.json" | sort -u); do
	grep -q "^# TYPE $name " "$T_DIR/metrics.txt" || fail "the dashboard uses $name, which /metrics lacks"
done

stop_pg
unhealthy()
{
	[[ $(health) == 503 ]]
}
wait_for -t 60 unhealthy
info "$(cat "$T_DIR/health.json")"
assert_eq "$(jq -r .status "$T_DIR/health.json")" unhealthy "status"
assert_contains "$(jq -r '.reasons | join("\n")' "$T_DIR/health.json")" "source erp"
start_pg
wait_for -t 90 healthy
stop_spawned run
