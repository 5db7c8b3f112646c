#!/usr/bin/env bash
# bench apply_http: requests/s an applier sends to an HTTP API (the test fixture answering
# after DELAY ms, as a remote API would) with max_in_flight 1 and 32, side by side with
# curl --parallel sending the same number of requests 32 at a time (what the fixture can take).
# Usage: tests/bench/apply_http.sh [REQUESTS] [DELAY_MS]   (defaults 3000, 5)
# shellcheck source-path=SCRIPTDIR source=../integration/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../integration/lib.sh"

n=${1:-3000}
delay=${2:-5}
start_http
start_broker bench.customer:8
http_default "{\"status\": 201, \"body\": {\"id\": \"c-{{n}}\"}, \"delay_ms\": $delay}"
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
count()
{
	http_requests | jq --arg p "$1" '[.[] | select((.path | startswith($p)) and .status < 300)] | length'
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
	until [ "$(count "/f$flight/")" -ge "$n" ]; do
		kill -0 "$SPAWNED_PID" 2>/dev/null || fail "spoke apply exited early"
		sleep 0.2
	done
	stop_spawned "apply$flight"
	rates[$flight]=$(rate "/f$flight/")
done
awk -v n="$n" -v d="$delay" -v ref="$ref" -v one="${rates[1]}" -v many="${rates[32]}" 'BEGIN {
	printf "%d requests, the fixture answering after %d ms:\n", n, d;
	printf "curl --parallel, 32 at a time (reference): %7.0f requests/s\n", ref;
	printf "spoke apply, max_in_flight 1:              %7.0f requests/s (%.2fx the reference)\n", one, one / ref;
	printf "spoke apply, max_in_flight 32:             %7.0f requests/s (%.2fx the reference, %.1fx max_in_flight 1)\n", many, many / ref, many / one;
}'
