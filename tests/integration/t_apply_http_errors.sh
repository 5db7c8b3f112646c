#!/usr/bin/env bash
# apply_http_errors: how an HTTP target answers an API's refusals. 503 twice then 200: sent
# three times with one Idempotency-Key, delivered once. 429 with Retry-After: 1: the retry
# waits at least a second. 400: a dead letter with the status and the answer in headers, and
# the next change is delivered; the first kilobyte of a long answer. 401 with an OAuth2
# token: one new token, the request repeated with it. 404 and 410 to a delete: done, the id
# forgotten. 409 to a create: a dead letter, or with on_conflict "update" the update to the
# id in the 409 answer (through a second target, with basic auth and percent-encoded paths).
# No secret in the log or a dead letter.
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

start_http
start_broker shop.customer:1 shop.vip:1 crm.dlq:1
cat >"$T_DIR/crm.json" <<'EOF2'
{"rules": [{
  "name": "contacts", "topics": ["shop.customer"], "target": "crm",
  "http": {
    "create": {"method": "POST", "path": "/contacts", "body": {"email": "after.email"}},
    "update": {"method": "PUT", "path": "/contacts/{remote_id}", "body": {"email": "after.email"}},
    "delete": {"method": "DELETE", "path": "/contacts/{remote_id}"},
    "id_from": "/id"
  }
}, {
  "name": "vips", "topics": ["shop.vip"], "target": "vip",
  "http": {
    "create": {"method": "POST", "path": "/vips/{after.region}", "body": {"email": "after.email"}},
    "update": {"method": "PATCH", "path": "/vips/{remote_id}", "body": {"email": "after.email"}},
    "id_from": "/data/id",
    "on_conflict": "update"
  }
}]}
EOF2
printf 'client-secret-77\n' >"$T_DIR/crm.secret"
cat >"$T_DIR/spoke.conf" <<EOF2
[spoke]
state_dir = $T_DIR/state
[kafka]
bootstrap.servers = $BROKERS
[target crm]
type = http
base_url = $HTTP_URL
auth = oauth2
token_url = $HTTP_URL/oauth/token
client_id = spoke
client_secret_file = crm.secret
scope = contacts
timeout = 2s
[target vip]
type = http
base_url = $HTTP_URL/v2
auth = basic
user = spoke
password = pw-secret-99
headers = X-Api-Key: key-secret-42, X-Other: 1
[applier crm]
rules = crm.json
dead_letter_topic = crm.dlq
batch_timeout = 50ms
EOF2
http_default '{"status": 201, "body": {"id": "c-{{n}}"}}'
http_script '[
	{"match": {"path": "/oauth/token"}, "body": {"access_token": "tok-first-1", "expires_in": 3600}},
	{"match": {"path": "/contacts"}, "status": 503, "body": "busy"},
	{"match": {"path": "/contacts"}, "status": 503, "body": "busy"},
	{"match": {"path": "/contacts"}, "status": 200, "body": {"id": "c-first"}}
]'
# produce ID [SEQ]: a create of customer ID at changelog position SEQ (default ID).
produce()
{
	printf '{"id":%s}\t{"before":null,"after":{"id":%s,"email":"e%s@x.org"},"op":"c","source":{"table":"customer","seq":%s}}\n' \
		"$1" "$1" "$1" "${2:-$1}" >"$T_DIR/msg.txt"
	kafka_produce shop.customer -K $'\t' -l "$T_DIR/msg.txt"
}
# produce_update ID SEQ: an update of customer ID, its email now u<ID>@x.org.
produce_update()
{
	printf '{"id":%s}\t{"before":null,"after":{"id":%s,"email":"u%s@x.org"},"op":"u","source":{"table":"customer","seq":%s}}\n' \
		"$1" "$1" "$1" "$2" >"$T_DIR/msg.txt"
	kafka_produce shop.customer -K $'\t' -l "$T_DIR/msg.txt"
}
# produce_delete ID SEQ: a delete of customer ID.
produce_delete()
{
	printf '{"id":%s}\t{"before":{"id":%s,"email":"e%s@x.org"},"after":null,"op":"d","source":{"table":"customer","seq":%s}}\n' \
		"$1" "$1" "$1" "$2" >"$T_DIR/msg.txt"
	kafka_produce shop.customer -K $'\t' -l "$T_DIR/msg.txt"
}
contacts()
{
	http_requests | jq -c '[.[] | select(.path == "/contacts")]'
}
# delivered EMAIL: a 2xx answered the create of EMAIL.
delivered()
{
	[[ $(contacts | jq --arg e "$1" '[.[] | select(.status < 300 and (.body | fromjson | .email) == $e)] | length') == 1 ]]
}

spawn apply "$SPOKE" apply -c "$T_DIR/spoke.conf"

info "503 twice, then 200"
produce 1
wait_for -t 30 delivered e1@x.org
reqs=$(contacts)
assert_eq "$(jq -r 'map(.status) | join(",")' <<<"$reqs")" "503,503,200" "answers"
assert_eq "$(jq -r '[.[].headers["idempotency-key"]] | unique | length' <<<"$reqs")" 1 "one Idempotency-Key"
assert_eq "$(jq -r '[.[].body] | unique | length' <<<"$reqs")" 1 "one body"

info "connections closed without an answer, then a timeout: retried, the update waits"
# (libcurl itself sends a request again at once when a reused connection turns out closed;
# the second closed connection is spoke's to retry, after a backoff)
http_script '[{"match": {"path": "/contacts"}, "drop": true}, {"match": {"path": "/contacts"}, "drop": true},
	{"match": {"path": "/contacts"}, "delay_ms": 2500, "status": 201, "body": {"id": "c-late"}}]'
produce 11
produce_update 11 12
updated()
{
	[[ $(http_requests | jq '[.[] | select(.method == "PUT" and .status < 300)] | length') == 1 ]]
}
wait_for -t 30 updated
reqs=$(http_requests | jq -c '[.[] | select((.path | startswith("/contacts")) and
	((.body | fromjson | .email) | IN("e11@x.org", "u11@x.org")))]')
info "$(jq -c 'map([.n, .method, .path, .status, .time])' <<<"$reqs")"
assert_eq "$(jq -r 'map("\(.method) \(.status)") | join(",")' <<<"$reqs")" \
	"POST null,POST null,POST 201,POST 201,PUT 201" "requests"
assert_eq "$(jq -r '.[4].path' <<<"$reqs")" "/contacts/c-$(jq '.[3].n' <<<"$reqs")" "the update goes to the id answered"
assert_eq "$(jq -r '.[0:4] | map(.headers["idempotency-key"]) | unique | length' <<<"$reqs")" 1 \
	"one Idempotency-Key for the create"
jq -e '.[2].time - .[1].time >= 0.25' <<<"$reqs" >/dev/null ||
	fail "the request after a closed connection came $(jq '.[2].time - .[1].time' <<<"$reqs") s after it: no backoff"
jq -e '.[3].time - .[2].time >= 2.0' <<<"$reqs" >/dev/null ||
	fail "the request after the 2 s timeout came $(jq '.[3].time - .[2].time' <<<"$reqs") s after the slow one"
assert_eq "$(kafka_count crm.dlq)" 0 "dead letters after a closed connection and a timeout"

info "429 with Retry-After: 1"
http_script '[{"match": {"path": "/contacts"}, "status": 429, "headers": {"Retry-After": "1"}}]'
produce 2
wait_for -t 30 delivered e2@x.org
reqs=$(contacts | jq -c '[.[] | select((.body | fromjson | .email) == "e2@x.org")]')
assert_eq "$(jq -r 'map(.status) | join(",")' <<<"$reqs")" "429,201" "answers"
jq -e '.[1].time - .[0].time >= 1.0' <<<"$reqs" >/dev/null ||
	fail "the retry came $(jq '.[1].time - .[0].time' <<<"$reqs") s after the 429"
assert_eq "$(jq -r '[.[].headers["idempotency-key"]] | unique | length' <<<"$reqs")" 1 "one Idempotency-Key"
assert_eq "$(kafka_count crm.dlq)" 0 "dead letters after the 503s and the 429"

info "400: a dead letter, the next change goes on"
# The next change is of the same key (no id known: a create again), so it is sent after the
# refused one: the 400 is that one's answer.
http_script '[{"match": {"path": "/contacts"}, "status": 400, "body": {"error": "email refused"}}]'
produce 3
produce_update 3 4
wait_for -t 30 delivered u3@x.org
wait_for -t 10 kafka_count_ge crm.dlq 1
dlq=$(kafka_consume crm.dlq -f '%k|%s|%h\n')
info "$dlq"
assert_eq "$(kafka_count crm.dlq)" 1 "dead letters"
assert_contains "$dlq" '{"id":3}|{"before":null,"after":{"id":3,"email":"e3@x.org"},"op":"c",'
assert_contains "$dlq" "spoke.http.status=400"
assert_contains "$dlq" 'spoke.http.body={"error": "email refused"}'
assert_contains "$dlq" "spoke.error=target crm: POST /contacts answered 400"
assert_contains "$dlq" "spoke.rule=contacts,spoke.topic=shop.customer,spoke.partition=0,spoke.offset=4,"
dl=$(kafka_read_json crm.dlq | jq -c 'select(.offset == 0)')
assert_eq "$(jq -r '.headers | [.[range(0; length; 2)]] | map(select(startswith("spoke."))) | join(",")' <<<"$dl")" \
	"spoke.error,spoke.rule,spoke.topic,spoke.partition,spoke.offset,spoke.http.status,spoke.http.body" \
	"dead-letter headers"

info "422 with a long answer: its first kilobyte in the dead letter"
long=$(printf 'x%.0s' {1..3000})
http_script "[{\"match\": {\"path\": \"/contacts\"}, \"status\": 422, \"body\": \"$long\"}]"
produce 6
wait_for -t 30 kafka_count_ge crm.dlq 2
body=$(kafka_read_json crm.dlq | jq -r 'select(.offset == 1) | .headers as $h |
	[range(0; $h | length; 2) | select($h[.] == "spoke.http.body") | $h[. + 1]] | .[0]')
assert_eq "$(kafka_read_json crm.dlq | jq -r 'select(.offset == 1) | .key')" '{"id":6}' "dead letter's key"
((${#body} >= 1000 && ${#body} <= 1024)) || fail "spoke.http.body holds ${#body} bytes of a 3000-byte answer"
assert_eq "$body" "${long:0:${#body}}" "spoke.http.body is the answer's beginning"

info "401: a new token, the request again"
http_script '[{"match": {"path": "/contacts"}, "status": 401},
	{"match": {"path": "/oauth/token"}, "body": {"access_token": "tok-second-2", "expires_in": 3600}}]'
produce 5
wait_for -t 30 delivered e5@x.org
reqs=$(contacts | jq -c '[.[] | select((.body | fromjson | .email) == "e5@x.org")]')
assert_eq "$(jq -r 'map("\(.status) \(.headers.authorization)") | join(",")' <<<"$reqs")" \
	"401 Bearer tok-first-1,201 Bearer tok-second-2" "requests"
tokens=$(http_requests | jq -c '[.[] | select(.path == "/oauth/token")]')
assert_eq "$(jq length <<<"$tokens")" 2 "token requests"
assert_eq "$(jq -r '.[0].body' <<<"$tokens")" "grant_type=client_credentials&scope=contacts" "token request"
assert_eq "$(jq -r '.[0].headers.authorization' <<<"$tokens")" \
	"Basic $(printf 'spoke:client-secret-77' | base64)" "client credentials"

info "404 and 410 to deletes: done, the remote ids forgotten"
http_script '[{"match": {"method": "DELETE"}, "status": 404, "body": {"error": "no such contact"}},
	{"match": {"method": "DELETE"}, "status": 410}]'
produce_delete 1 101
produce_delete 2 102
deletes()
{
	http_requests | jq -c '[.[] | select(.method == "DELETE")]'
}
deletes_are()
{
	[[ $(deletes | jq length) == "$1" ]]
}
wait_for -t 30 deletes_are 2
c2=/contacts/c-$(contacts | jq '[.[] | select(.status < 300 and (.body | fromjson | .email) == "e2@x.org")][0].n')
assert_eq "$(deletes | jq -r 'map(.path) | sort | join(" ")')" "$(printf '%s\n' /contacts/c-first "$c2" | sort | paste -sd ' ')" \
	"deletes go to the remote ids"
assert_eq "$(deletes | jq -r 'map(.status) | sort | join(",")')" "404,410" "answers to the deletes"
# the id is forgotten: customer 1 created again is a create, not an update
produce 1 103
created_again()
{
	[[ $(contacts | jq '[.[] | select(.method == "POST" and (.body | fromjson | .email) == "e1@x.org" and .status == 201)] | length') == 1 ]]
}
wait_for -t 30 created_again
assert_eq "$(http_requests | jq '[.[] | select(.method == "PUT")] | length')" 1 "updates (customer 11's only)"

info "409 to a create: a dead letter"
http_script '[{"match": {"path": "/contacts"}, "status": 409, "body": {"error": "duplicate email"}}]'
produce 7
produce_update 7 8
wait_for -t 30 delivered u7@x.org
wait_for -t 10 kafka_count_ge crm.dlq 3
assert_eq "$(kafka_count crm.dlq)" 3 "dead letters"
dlq=$(kafka_consume crm.dlq -f '%o|%k|%h\n' | grep '^2|')
assert_contains "$dlq" '2|{"id":7}|'
assert_contains "$dlq" "spoke.http.status=409"
assert_contains "$dlq" 'spoke.http.body={"error": "duplicate email"}'

info "409 with on_conflict update: the update to the id the 409 answered"
http_script '[{"match": {"path_prefix": "/v2/vips"}, "status": 409, "body": {"data": {"id": "v-9"}}}]'
printf '{"id":1}\t{"before":null,"after":{"id":1,"email":"vip1@x.org","region":"Île de France/Nord"},"op":"c","source":{"table":"vip","seq":201}}\n' \
	>"$T_DIR/msg.txt"
kafka_produce shop.vip -K $'\t' -l "$T_DIR/msg.txt"
vips()
{
	http_requests | jq -c '[.[] | select(.path | startswith("/v2/"))]'
}
vips_are()
{
	[[ $(vips | jq length) == "$1" ]]
}
wait_for -t 30 vips_are 2
reqs=$(vips)
assert_eq "$(jq -r 'map("\(.method) \(.path) \(.status) \(.body)") | join(", ")' <<<"$reqs")" \
	'POST /v2/vips/%C3%8Ele%20de%20France%2FNord 409 {"email":"vip1@x.org"}, PATCH /v2/vips/v-9 201 {"email":"vip1@x.org"}' \
	"create, conflict, update"
assert_eq "$(jq -r 'map("\(.headers.authorization) \(.headers["x-api-key"]) \(.headers["x-other"])") | unique | join(",")' <<<"$reqs")" \
	"Basic $(printf 'spoke:pw-secret-99' | base64) key-secret-42 1" "basic auth and configured headers"
assert_eq "$(jq -r '[.[].headers["idempotency-key"]] | unique | length' <<<"$reqs")" 2 \
	"Idempotency-Keys of the create and the update"
sleep 0.5
assert_eq "$(kafka_count crm.dlq)" 3 "dead letters"

stop_spawned apply
for secret in client-secret-77 tok-first-1 tok-second-2 pw-secret-99 key-secret-42; do
	if grep -q -- "$secret" "$T_DIR/apply.log" || kafka_consume crm.dlq -f '%h' | grep -q -- "$secret"; then
		fail "$secret appears in the log or a dead letter"
	fi
done
