#!/usr/bin/env bash
# apply_check: `spoke check -c` validates the rules against the live schemas of reachable
# targets: a missing table or column (with a suggestion), a key that is neither the primary
# key nor a unique index, lookup columns; a warning for a MariaDB table with other unique
# indexes (ON DUPLICATE KEY UPDATE matches any of them); an unreachable target is a warning,
# not an error. Sound rules pass.
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

start_pg
start_mariadb
pg_sql <<'SQL'
CREATE SCHEMA erp;
CREATE TABLE erp.partner (id int PRIMARY KEY, email text UNIQUE, name text, country_id int);
CREATE TABLE country (id int PRIMARY KEY, code text);
SQL
my_sql <<'SQL'
CREATE DATABASE shop;
CREATE TABLE shop.product (id int PRIMARY KEY, reference varchar(32) UNIQUE, name varchar(50));
SQL
write_conf()
{
	cat >"$T_DIR/spoke.conf" <<EOF2
[target erp]
type = postgres
conninfo = $PG_CONNINFO
[target shop]
type = mysql
socket = $MY_SOCKET
user = root
database = shop
[target gone]
type = postgres
conninfo = host=127.0.0.1 port=$(free_port) user=nobody password=hunter2secret connect_timeout=2
[applier a]
rules = rules.json
EOF2
}
write_conf
cat >"$T_DIR/rules.json" <<'EOF2'
{"rules": [
 {"name": "partners", "topic": "shop.shop.customer", "target": "erp", "table": "erp.partner",
  "key": ["email"],
  "columns": {"email": "after.email", "name": "after.name",
              "country_id": "lookup('erp', 'country', 'code', after.country, 'id')"}},
 {"name": "products", "topic": "erp.public.product", "target": "shop", "table": "product",
  "key": ["reference"], "columns": {"reference": "after.code", "name": "after.name"}},
 {"name": "offline", "topic": "x", "target": "gone", "table": "t", "key": ["id"],
  "columns": {"id": "after.id"}}
]}
EOF2
out=$("$SPOKE" check -c "$T_DIR/spoke.conf" 2>&1) || fail "sound rules: $out"
info "$out"
assert_contains "$out" "WARN check: $T_DIR/rules.json: rule 'products': target shop: product has 2 unique indexes"
assert_contains "$out" "WARN check: target gone: postgres 127.0.0.1:"
assert_contains "$out" "; rules were not checked against it"
assert_contains "$out" "spoke.conf: 1 applier, 3 rules, ok"
[[ $out != *hunter2secret* ]] || fail "the password of an unreachable target was printed"

cat >"$T_DIR/rules.json" <<'EOF2'
{"rules": [
 {"name": "partners", "topic": "shop.shop.customer", "target": "erp", "table": "erp.partner",
  "key": ["name"],
  "columns": {"name": "after.name", "emial": "after.email",
              "country_id": "lookup('erp', 'country', 'iso', after.country, 'id')"}},
 {"name": "missing", "topic": "x", "target": "erp", "table": "nothere", "key": ["id"],
  "columns": {"id": "after.id"}}
]}
EOF2
rc=0
out=$("$SPOKE" check -c "$T_DIR/spoke.conf" 2>&1) || rc=$?
info "$out"
assert_eq "$rc" 1 "exit status"
r="ERROR check: $T_DIR/rules.json: rule"
assert_contains "$out" "$r 'partners': target erp: table erp.partner has no column 'emial' (did you mean 'email'?)"
assert_contains "$out" "$r 'partners': target erp: the rule's key (name) is neither the primary key nor a unique index of erp.partner"
assert_contains "$out" "$r 'partners': target erp: table country has no column 'iso'"
assert_contains "$out" "$r 'missing': target erp: table nothere does not exist"

# An HTTP API target: spoke check gets an OAuth2 token, which shows whether the credentials
# work; a refusal is a warning naming the target, never the secret. A lookup in an HTTP rule's
# body is checked against its database target.
start_http
write_conf
cat >>"$T_DIR/spoke.conf" <<EOF2
[target crm]
type = http
base_url = $HTTP_URL
auth = oauth2
token_url = $HTTP_URL/oauth/token
client_id = spoke
client_secret = very-secret-client-9
EOF2
cat >"$T_DIR/rules.json" <<'EOF2'
{"rules": [
 {"name": "contacts", "topic": "shop.shop.customer", "target": "crm",
  "http": {"create": {"method": "POST", "path": "/contacts",
                      "body": {"country": "lookup('erp', 'country', 'isocode', after.country, 'id')"}}}}
]}
EOF2
http_script '[{"match": {"path": "/oauth/token"}, "status": 401, "body": {"error": "invalid_client"}}]'
rc=0
out=$("$SPOKE" check -c "$T_DIR/spoke.conf" 2>&1) || rc=$?
info "$out"
assert_eq "$rc" 1 "exit status"
assert_contains "$out" "WARN check: target crm: token_url answered 401: invalid_client (check client_id, client_secret and scope); rules were not checked against it"
assert_contains "$out" "$r 'contacts': target erp: table country has no column 'isocode'"
[[ $out != *very-secret-client-9* ]] || fail "the client secret was printed"
http_script '[{"match": {"path": "/oauth/token"}, "body": {"access_token": "tok-check-1", "expires_in": 60}}]'
sed -i "s/'isocode'/'code'/" "$T_DIR/rules.json"
out=$("$SPOKE" check -c "$T_DIR/spoke.conf" 2>&1) || fail "sound HTTP rules: $out"
assert_contains "$out" "spoke.conf: 1 applier, 1 rule, ok"
assert_eq "$(http_requests | jq '[.[] | select(.path == "/oauth/token")] | length')" 2 "token requests"
