#!/usr/bin/env bash
# apply_http: shop customers on MariaDB (trigger capture) become CRM contacts through an HTTP
# API (the fixture): a create, an update and a delete of one customer hit POST /contacts,
# PUT /contacts/<id the POST answered> and DELETE /contacts/<id>, in order, with the bodies
# the rule renders and three distinct Idempotency-Keys; the id survives a restart of spoke.
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

start_mariadb
start_http
start_broker shop.shop.customer:2 crm.dlq:1
my_sql <<'SQL'
CREATE DATABASE shop CHARACTER SET utf8mb4;
CREATE TABLE shop.customer (id_customer int PRIMARY KEY, firstname varchar(50),
  lastname varchar(50), email varchar(100), newsletter boolean, total decimal(10,2));
SQL
cat >"$T_DIR/crm.json" <<'EOF2'
{"rules": [{
  "name": "contacts", "topics": ["shop.shop.customer"], "target": "crm",
  "where": "after.email is not null",
  "http": {
    "create": {"method": "POST", "path": "/contacts",
               "body": {"email": "lower(after.email)", "name": "concat(after.firstname, ' ', upper(after.lastname))",
                        "source": "'shop'", "newsletter": "bool(after.newsletter)", "total": "number(after.total) * 1.2"}},
    "update": {"method": "PUT", "path": "/contacts/{remote_id}",
               "body": {"email": "lower(after.email)", "total": "number(after.total) * 1.2"}},
    "delete": {"method": "DELETE", "path": "/contacts/{remote_id}"},
    "id_from": "/id"
  }
}]}
EOF2
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
tables = shop.customer
poll_interval = 50ms
[target crm]
type = http
base_url = $HTTP_URL/
auth = bearer
token = \${CRM_TOKEN}
headers = X-Tenant: acme
[applier crm]
rules = crm.json
dead_letter_topic = crm.dlq
batch_timeout = 50ms
EOF2
export CRM_TOKEN=tok-crm-secret-1
http_default '{"status": 201, "body": {"id": "c-{{n}}"}}'
"$SPOKE" setup -c "$T_DIR/spoke.conf"
spawn run "$SPOKE" run -c "$T_DIR/spoke.conf"

requests()
{
	http_requests | jq -c "[.[] | select(.path | startswith(\"/contacts\"))]"
}
count_is()
{
	local n
	n=$(requests | jq length)
	[[ $n == "$1" ]] || {
		echo "$n requests, waiting for $1"
		return 1
	}
}

my_sql "INSERT INTO shop.customer VALUES (1, 'Ann', 'Lée', 'Ann@Example.com', 1, 19.90)"
wait_for -t 30 count_is 1
my_sql "UPDATE shop.customer SET email = 'ann@new.example', total = 100.10 WHERE id_customer = 1"
wait_for -t 30 count_is 2
my_sql "DELETE FROM shop.customer WHERE id_customer = 1"
wait_for -t 30 count_is 3
reqs=$(requests)
info "$reqs"
assert_eq "$(jq -r 'map("\(.method) \(.path) \(.status)") | join(", ")' <<<"$reqs")" \
	"POST /contacts 201, PUT /contacts/c-1 201, DELETE /contacts/c-1 201" "requests in order"
assert_eq "$(jq -c '.[0].body | fromjson' <<<"$reqs")" \
	'{"email":"ann@example.com","name":"Ann LÉE","source":"shop","newsletter":true,"total":23.88}' "create body"
assert_eq "$(jq -c '.[1].body | fromjson' <<<"$reqs")" '{"email":"ann@new.example","total":120.12}' "update body"
assert_eq "$(jq -r '.[2].body' <<<"$reqs")" "" "a delete without body"
assert_eq "$(jq -r '[.[].headers["idempotency-key"]] | unique | map(length) | join(",")' <<<"$reqs")" \
	"64,64,64" "three distinct Idempotency-Keys"
assert_eq "$(jq '[.[].headers["idempotency-key"] | select(test("^[0-9a-f]+$"))] | length' <<<"$reqs")" \
	3 "hexadecimal Idempotency-Keys"
assert_eq "$(jq -r '[.[].headers.authorization] | unique | join(",")' <<<"$reqs")" \
	"Bearer tok-crm-secret-1" "bearer token sent"
assert_eq "$(jq -r '[.[].headers["x-tenant"]] | unique | join(",")' <<<"$reqs")" "acme" "configured header"
assert_eq "$(jq -r 'map(.headers["content-type"] // "none") | join(",")' <<<"$reqs")" \
	"application/json,application/json,none" "content types"

# Another customer, then a restart: its update goes to the id stored before the restart.
my_sql "INSERT INTO shop.customer VALUES (2, 'Bob', 'Ray', 'bob@example.com', 0, 5)"
wait_for -t 30 count_is 4
stop_spawned run
spawn run2 "$SPOKE" run -c "$T_DIR/spoke.conf"
my_sql "UPDATE shop.customer SET total = 6 WHERE id_customer = 2"
wait_for -t 60 count_is 5
assert_eq "$(requests | jq -r '.[4] | "\(.method) \(.path) \(.body)"')" \
	'PUT /contacts/c-4 {"email":"bob@example.com","total":7.2}' "update after a restart"
# spoke status shows the trigger source's position and gaps, and the applier.
shown()
{
	"$SPOKE" status -c "$T_DIR/spoke.conf" --json | jq -e '.sources[0].position == "seq 5" and
		.sources[0].gaps == 0 and .sources[0].state == "running" and .sources[0].lag_ms >= 0 and
		.appliers[0].state == "running" and .appliers[0].dead_letters == 0' >/dev/null
}
wait_for -t 20 shown
stop_spawned run2
assert_eq "$(kafka_count crm.dlq)" 0 "no dead letters"
if grep -q "tok-crm-secret-1" "$T_DIR/run.log" "$T_DIR/run2.log"; then
	fail "the token appears in a log"
fi
