#!/usr/bin/env bash
# apply_http_kill9: 3,000 changes of 100 customers to an HTTP API, the applier kill -9'd three
# times mid-run: every change was answered 2xx at least once (nothing lost), every repeated
# request carries the Idempotency-Key of its first attempt, and each customer's requests,
# repeats left out, arrived in the order of the changes.
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

N=3000
start_http
start_broker shop.customer:4
cat >"$T_DIR/crm.json" <<'EOF2'
{"rules": [{
  "name": "contacts", "topics": ["shop.customer"], "target": "crm",
  "http": {
    "create": {"method": "POST", "path": "/contacts", "body": {"id": "after.id", "n": "after.n"}},
    "update": {"method": "PUT", "path": "/contacts/{remote_id}", "body": {"id": "after.id", "n": "after.n"}},
    "id_from": "/id"
  }
}]}
EOF2
cat >"$T_DIR/spoke.conf" <<EOF2
[spoke]
state_dir = $T_DIR/state
[kafka]
bootstrap.servers = $BROKERS
[target crm]
type = http
base_url = $HTTP_URL
max_in_flight = 8
[applier crm]
rules = crm.json
batch_size = 200
batch_timeout = 50ms
EOF2
http_default '{"status": 201, "body": {"id": "c-{{n}}"}, "delay_ms": 2}'
awk -v n=$N 'BEGIN { for (i = 1; i <= n; i++)
	printf "{\"id\":%d}\t{\"before\":null,\"after\":{\"id\":%d,\"n\":%d},\"op\":\"u\",\"source\":{\"table\":\"customer\",\"seq\":%d}}\n", i % 100, i % 100, i, i }' \
	>"$T_DIR/changes.txt"
kafka_produce shop.customer -K $'\t' -l "$T_DIR/changes.txt"

answered_ge()
{
	(($(http_requests | jq '[.[] | select(.status < 300)] | length') >= $1))
}
all_answered()
{
	local n
	n=$(http_requests | jq '[.[] | select(.status < 300) | .body | fromjson | .n] | unique | length')
	[[ $n == "$N" ]] || {
		echo "$n of $N changes answered"
		return 1
	}
}
for round in 1 2 3; do
	spawn apply "$SPOKE" apply -c "$T_DIR/spoke.conf"
	wait_for -t 120 answered_ge $((round * N / 4))
	kill -KILL "$SPAWNED_PID"
	wait_exit apply || true
	info "round $round: killed after $(http_requests | jq length) requests"
done
spawn apply "$SPOKE" apply -c "$T_DIR/spoke.conf"
wait_for -t 180 all_answered
sleep 1
stop_spawned apply
reqs=$(http_requests)
total=$(jq length <<<"$reqs")
info "$total requests for $N changes"
((total >= N)) || fail "fewer requests than changes"
# Each change's request (by its n and method) always carried one Idempotency-Key, and no two
# changes shared one.
assert_eq "$(jq '[group_by([(.body | fromjson | .n), .method])[] | map(.headers["idempotency-key"]) | unique | length] | unique' <<<"$reqs")" \
	"[
  1
]" "one Idempotency-Key per change and request"
assert_eq "$(jq '[.[].headers["idempotency-key"]] | unique | length' <<<"$reqs")" \
	"$(jq '[.[] | [(.body | fromjson | .n), .method]] | unique | length' <<<"$reqs")" \
	"no key shared by two changes"
# Per customer, the changes answered 2xx in arrival order, repeats left out, increase.
order=$(jq '[reduce (.[] | select(.status < 300)) as $r ({seen: {}, out: []};
		if .seen[$r.headers["idempotency-key"]] then . else
		.seen[$r.headers["idempotency-key"]] = true | .out += [$r.body | fromjson]
		end) | .out | group_by(.id)[] | map(.n) | . == sort] | all' <<<"$reqs")
assert_eq "$order" true "each customer's changes in order"
