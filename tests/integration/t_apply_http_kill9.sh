#!/usr/bin/env bash
# apply_http_kill9: 3,000 changes of 100 customers to an HTTP API, the applier kill -9'd three
# times mid-run: every change was answered 2xx at least once (nothing lost), every repeated
# request carries the Idempotency-Key of its first attempt (and requests sharing a key are
# identical), and each customer's requests went one at a time and, repeats left out, arrived
# in the order of the changes.
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
# The fixture honours Idempotency-Key as the API should: a create repeated after a kill gets
# the id of its first answer, so later updates of that customer keep their path.
http_default '{"status": 201, "body": {"id": "c-{{n}}"}, "delay_ms": 2, "idempotent": true}'
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
http_requests >"$T_DIR/requests.json"
reqs=$(<"$T_DIR/requests.json")
total=$(jq length <<<"$reqs")
info "$total requests for $N changes, $(jq '[.[] | select(.replayed)] | length' <<<"$reqs") repeats"
((total >= N)) || fail "fewer requests than changes"
assert_eq "$(jq '[.[] | select(.status < 300) | .body | fromjson | .n] | unique | [length, min, max] | join(" ")' -r <<<"$reqs")" \
	"$N 1 $N" "changes answered 2xx"
# Requests that share an Idempotency-Key are repeats of one request: same method, path and
# body.
assert_eq "$(jq -c '[group_by(.headers["idempotency-key"])[] | select(map([.method, .path, .body]) | unique | length > 1) | .[0].headers["idempotency-key"]]' <<<"$reqs")" \
	"[]" "keys whose requests differ"
assert_eq "$(jq '[.[] | select(.headers["idempotency-key"] | test("^[0-9a-f]+$") | not)] | length' <<<"$reqs")" \
	0 "requests without a hex Idempotency-Key"
# Each change's request (by its n and method) always carried one Idempotency-Key, and no two
# changes shared one.
assert_eq "$(jq -c '[group_by([(.body | fromjson | .n), .method])[] | map(.headers["idempotency-key"]) | unique | length] | unique' <<<"$reqs")" \
	"[1]" "one Idempotency-Key per change and request"
assert_eq "$(jq '[.[].headers["idempotency-key"]] | unique | length' <<<"$reqs")" \
	"$(jq '[.[] | [(.body | fromjson | .n), .method]] | unique | length' <<<"$reqs")" \
	"no key shared by two changes"
# Per customer, the changes answered 2xx in arrival order, repeats (an Idempotency-Key seen
# before) left out, strictly increase: nothing reordered.
unordered=$(jq -c '[reduce (.[] | select(.status < 300)) as $r ({seen: {}, out: []};
		if .seen[$r.headers["idempotency-key"]] then . else
		.seen[$r.headers["idempotency-key"]] = true | .out += [$r.body | fromjson]
		end) | .out | group_by(.id)[] | {id: .[0].id, n: map(.n)} |
		select([range(1; .n | length) as $i | .n[$i - 1] < .n[$i]] | all | not) | .id]' <<<"$reqs")
assert_eq "$unordered" "[]" "customers whose changes arrived out of order"
# One request of a customer at a time: each arrives after the one before it was answered,
# which took the fixture's delay_ms at least.
overlapping=$(jq -c '[group_by(.body | fromjson | .id)[] | sort_by(.n) |
		select([range(1; length) as $i | .[$i].time - .[$i - 1].time >= 0.002] | all | not) |
		.[0].body | fromjson | .id]' <<<"$reqs")
assert_eq "$overlapping" "[]" "customers with two requests in flight at once"
