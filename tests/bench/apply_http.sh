#!/usr/bin/env bash
# bench apply_http: requests/s an applier sends to an HTTP API (the test fixture answering 200
# after DELAY ms, as a remote API would) with max_in_flight 1 and 32, and their ratio, side by
# side with curl --parallel sending the same number of requests 32 at a time (what the fixture
# can take). Rates come from the fixture's arrival times of the first and last request.
# Usage: tests/bench/apply_http.sh [REQUESTS] [DELAY_MS]   (defaults 5000, 5)
# shellcheck source-path=SCRIPTDIR source=../integration/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../integration/lib.sh"

n=${1:-5000}
delay=${2:-5}
start_http
start_broker bench.customer:8
http_default "{\"status\": 200, \"body\": {\"id\": \"c-{{n}}\"}, \"delay_ms\": $delay}"
# one topic, a key per customer
awk -v n="$n" 'BEGIN { for (i = 1; i <= n; i++)
	printf "{\"id\":%d}\t{\"before\":null,\"after\":{\"id\":%d,\"email\":\"c%d@example.com\"},\"op\":\"c\",\"source\":{\"seq\":%d}}\n", i, i, i, i }' \
	>"$T_DIR/events.txt"
kafka_produce bench.customer -K $'\t' -l "$T_DIR/events.txt"
cat >"$T_DIR/rules.json" <<'JSON'
{"rules": [{"name": "contacts", "topics": ["bench.customer"], "target": "crm",
  "http": {"create": {"method": "POST", "path": "/contacts",
                      "body": {"email": "after.email", "source": "'shop'"}},
           "id_from": "/id"}}]}
JSON

# rate PREFIX: requests/s of the requests under PREFIX, from the fixture's arrival times.
rate()
{
	http_requests | jq --arg p "$1" '[.[] | select(.path | startswith($p)) | .time] |
		if length > 1 then (length - 1) / (max - min) else 0 end'
}
# answered PREFIX: requests under PREFIX answered so far, from the fixture's log (asking the
# fixture for its requests would hold it up while it copies them).
answered()
{
	grep -c " \"POST $1[^ ]* HTTP/1.1\" 200 " "$T_DIR/http.log" || true
}

curl -s --no-progress-meter --noproxy '*' --parallel --parallel-max 32 -o /dev/null -X POST \
	-H 'Content-Type: application/json' -d '{"email":"c@example.com","source":"shop"}' \
	"$HTTP_URL/ref/[1-$n]"
ref=$(rate /ref/)

declare -A rates
for flight in 1 32; do
	cat >"$T_DIR/spoke-$flight.conf" <<CONF
[spoke]
log_level = warn
state_dir = $T_DIR/state-$flight
[kafka]
bootstrap.servers = $BROKERS
[target crm]
type = http
base_url = $HTTP_URL/f$flight
max_in_flight = $flight
[applier bench$flight]
rules = rules.json
batch_size = 1000
CONF
	spawn "apply$flight" "$SPOKE" apply -c "$T_DIR/spoke-$flight.conf"
	until [ "$(answered "/f$flight/")" -ge "$n" ]; do
		kill -0 "$SPAWNED_PID" 2>/dev/null || fail "spoke apply exited early: $(tail -n 5 "$T_DIR/apply$flight.log")"
		sleep 0.2
	done
	stop_spawned "apply$flight"
	rates[$flight]=$(rate "/f$flight/")
done
reqs=$(http_requests)
for flight in 1 32; do
	assert_eq "$(jq --arg p "/f$flight/" '[.[] | select(.path | startswith($p)) | .headers["idempotency-key"]] |
		[length, (unique | length)] | join(" ")' -r <<<"$reqs")" "$n $n" \
		"max_in_flight $flight: requests, distinct changes"
done
awk -v n="$n" -v d="$delay" -v ref="$ref" -v one="${rates[1]}" -v many="${rates[32]}" 'BEGIN {
	printf "%d requests, the fixture answering after %d ms:\n", n, d;
	printf "curl --parallel, 32 at a time (reference): %7.0f requests/s\n", ref;
	printf "spoke apply, max_in_flight 1:              %7.0f requests/s (%.2fx the reference)\n", one, one / ref;
	printf "spoke apply, max_in_flight 32:             %7.0f requests/s (%.2fx the reference)\n", many, many / ref;
	printf "ratio max_in_flight 32 / 1: %.1fx\n", many / one;
}'
