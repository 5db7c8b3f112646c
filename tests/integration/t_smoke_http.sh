#!/usr/bin/env bash
# smoke_http: the HTTP fixture answers from its script (status, headers, {{n}} in bodies, delays,
# request matching), falls back to its default, serves requests concurrently, repeats its
# answer to a repeated Idempotency-Key when asked to and records what it received.
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

start_http

# call METHOD PATH [JSON]: sets STATUS, SECS (time taken), RETRY (Retry-After) and BODY.
call()
{
	local data=() out
	[[ $# -lt 3 ]] || data=(-H 'Content-Type: application/json' -H 'X-Api-Key: k-123' --data-binary "$3")
	out=$(curl -sS --noproxy '*' --max-time 10 -X "$1" "${data[@]}" -D "$T_DIR/headers" \
		-o "$T_DIR/body" -w '%{http_code} %{time_total}' "$HTTP_URL$2")
	STATUS=${out% *}
	SECS=${out#* }
	RETRY=$(tr -d '\r' <"$T_DIR/headers" | sed -n 's/^retry-after: //Ip')
	BODY=$(<"$T_DIR/body")
}

count_requests()
{
	[[ $(http_requests | jq length) == "$1" ]]
}

http_script '[
	{"status": 503, "headers": {"Retry-After": "1"}, "body": "busy"},
	{"status": 201, "body": "{\"id\":\"{{n}}\"}", "delay_ms": 300,
	 "match": {"method": "POST", "path_prefix": "/contacts"}}
]'

call POST /contacts '{"name":"Ann"}'
assert_eq "$STATUS|$RETRY|$BODY" "503|1|busy" "first answer"

# The remaining entry wants a POST under /contacts: a GET gets the default.
call GET /other
assert_eq "$STATUS|$RETRY|$BODY" "200||{}" "unmatched request gets the default"

call POST '/contacts/x?dry=1' '{"name":"Bob"}'
assert_eq "$STATUS|$BODY" '201|{"id":"3"}' "second scripted answer, {{n}} replaced"
awk -v s="$SECS" 'BEGIN { exit !(s >= 0.3 && s < 2) }' || fail "delay_ms 300 took ${SECS}s"
assert_eq "$(curl -fsS --noproxy '*' "$HTTP_URL/_fixture/script")" "[]" "script consumed"

http_default '{"status": 204}'
call DELETE /contacts/3
assert_eq "$STATUS|$BODY" "204|" "new default"

# A slow answer does not hold up another request.
http_script '[{"match": {"path_prefix": "/slow"}, "delay_ms": 800, "body": "slow"}]'
curl -sS --noproxy '*' --max-time 10 -o "$T_DIR/slow" "$HTTP_URL/slow" &
slow_pid=$!
wait_for -t 5 count_requests 5
call GET /fast
assert_eq "$STATUS" 204 "fast request"
awk -v s="$SECS" 'BEGIN { exit !(s < 0.5) }' || fail "the fast request took ${SECS}s behind the slow one"
wait "$slow_pid"
assert_eq "$(<"$T_DIR/slow")" slow "slow answer"

reqs=$(http_requests)
assert_eq "$(jq -r 'map("\(.n) \(.method) \(.path) \(.query) \(.status)") | join(",")' <<<"$reqs")" \
	"1 POST /contacts  503,2 GET /other  200,3 POST /contacts/x dry=1 201,4 DELETE /contacts/3  204,5 GET /slow  200,6 GET /fast  204" \
	"recorded requests"
assert_eq "$(jq -r '.[0].body' <<<"$reqs")" '{"name":"Ann"}' "recorded body"
assert_eq "$(jq -r '.[2].headers | "\(.["x-api-key"]) \(.["content-type"])"' <<<"$reqs")" \
	"k-123 application/json" "recorded headers"
assert_eq "$(jq '[.[].time] | . == sort and all(. > 1e9)' <<<"$reqs")" true "arrival times"

# "drop" closes the connection without an answer.
http_script '[{"drop": true}]'
rc=0
curl -sS --noproxy '*' --max-time 10 -o /dev/null "$HTTP_URL/dropped" 2>/dev/null || rc=$?
assert_eq "$rc" 52 "curl's exit status for an empty reply"
assert_eq "$(http_requests | jq -c '.[6] | [.path, .status]')" '["/dropped",null]' "dropped request recorded"

# "idempotent": a repeated Idempotency-Key gets its first 2xx answer again.
http_default '{"status": 201, "body": {"id": "c-{{n}}"}, "idempotent": true}'
# post [KEY]: POST /contacts with Idempotency-Key KEY (none without it); prints the answer.
post()
{
	local hdr=()
	[[ -z ${1:-} ]] || hdr=(-H "Idempotency-Key: $1")
	curl -sS --noproxy '*' --max-time 10 -X POST "${hdr[@]}" "$HTTP_URL/contacts"
	echo
}
answers=$(post k1; post k2; post k1; post; post)
assert_eq "${answers//$'\n'/ }" '{"id": "c-8"} {"id": "c-9"} {"id": "c-8"} {"id": "c-11"} {"id": "c-12"}' \
	"answers to repeated Idempotency-Keys"
assert_eq "$(http_requests | jq -c '[.[7:][] | [.n, .status, .replayed]]')" \
	'[[8,201,false],[9,201,false],[10,201,true],[11,201,false],[12,201,false]]' "replays recorded"

http_reset
assert_eq "$(http_requests)" "[]" "reset clears requests"
call GET /again
assert_eq "$STATUS|$BODY" "200|{}" "reset restores the default"
