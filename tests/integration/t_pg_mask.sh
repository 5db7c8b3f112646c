#!/usr/bin/env bash
# pg_mask: mask_columns (sha256, redact) and exclude_columns, in snapshot rows and in streamed
# inserts, updates and deletes (REPLICA IDENTITY FULL, so before carries the columns too): no
# clear value appears anywhere in the topic's raw bytes, the sha256 form is the hex SHA-256 of
# the value's text, redact gives "****", excluded columns are absent. A password given through
# ${ENV} in conninfo (password authentication, checked by the server) never appears in spoke's
# logs, at debug level, on success or on failure, nor in `spoke config`.
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# shellcheck source=pglib.sh
source "$LIB_DIR/pglib.sh"

PASSWORD='Pw-7c1e9f3a-hush'
start_pg
start_broker erp.public.customer:1
# the role spoke must give its password (scram) on 127.0.0.1, for SQL and for replication
{
	printf 'host all spoke 127.0.0.1/32 scram-sha-256\nhost replication spoke 127.0.0.1/32 scram-sha-256\n'
	cat "$PG_DIR/data/pg_hba.conf"
} >"$T_DIR/pg_hba.conf"
cat "$T_DIR/pg_hba.conf" >"$PG_DIR/data/pg_hba.conf"
pg_sql <<SQL
SELECT pg_reload_conf();
SET password_encryption = 'scram-sha-256';
CREATE ROLE spoke LOGIN REPLICATION PASSWORD '$PASSWORD';
GRANT CREATE ON DATABASE postgres TO spoke;
CREATE TABLE customer (id int PRIMARY KEY, email text, iban text, note text, name text);
ALTER TABLE customer OWNER TO spoke;
ALTER TABLE customer REPLICA IDENTITY FULL;
INSERT INTO customer VALUES
	(1, 'alice@example.com', 'DE89370400440532013000', 'private-note-alice', 'Alice'),
	(3, NULL, NULL, NULL, 'Nobody');
SQL
PGPASSWORD=nope "$PGBIN/psql" -X -w -h 127.0.0.1 -p "$PG_PORT" -U spoke -d postgres -c 'SELECT 1' \
	>/dev/null 2>&1 && fail "the server lets spoke in without its password"

# shellcheck disable=SC2016  # ${SPOKE_PG_PASSWORD} is for spoke to expand
pg_conf 'conninfo=host=127.0.0.1 port='"$PG_PORT"' user=spoke dbname=postgres password=${SPOKE_PG_PASSWORD}' \
	tables=public.customer \
	'mask_columns=public.customer.email:sha256, public.customer.iban:redact' \
	exclude_columns=public.customer.note
sed -i 's/^\[spoke\]$/[spoke]\nlog_level = debug/' "$CONF"

# a wrong password: refused, and not printed either
rc=0
SPOKE_PG_PASSWORD=Wrong-0b5d-guess "$SPOKE" setup -c "$CONF" 2>"$T_DIR/setup-wrong.log" || rc=$?
assert_eq "$rc" 1 "setup with a wrong password"
assert_contains "$(cat "$T_DIR/setup-wrong.log")" 'password authentication failed for user "spoke"'
grep -F 'Wrong-0b5d-guess' "$T_DIR/setup-wrong.log" && fail "the wrong password is in the setup log"

export SPOKE_PG_PASSWORD=$PASSWORD
"$SPOKE" config -c "$CONF" >"$T_DIR/config.out" 2>&1
"$SPOKE" setup -c "$CONF" 2>"$T_DIR/setup.log"
capture_start
wait_streaming
pg_sql <<'SQL'
INSERT INTO customer VALUES (2, 'bob@example.org', 'FR7630006000011234567890189', 'private-note-bob', 'Bob');
UPDATE customer SET name = 'Bobby' WHERE id = 2;
UPDATE customer SET email = 'alice.new@example.net', note = 'private-note-alice-2' WHERE id = 1;
DELETE FROM customer WHERE id = 1;
SQL
caught_up
stop_spawned capture

events erp.public.customer >"$T_DIR/customer.events"
kafka_read erp.public.customer >"$T_DIR/values.txt"
validate "$T_DIR/values.txt"
# the raw bytes: keys, values and headers as kcat gives them
{
	kafka_consume erp.public.customer -f '%k\t%s\t%h\n'
	kafka_read_json erp.public.customer
} >"$T_DIR/raw.txt"
for clear in alice@example.com alice.new@example.net bob@example.org DE89370400440532013000 \
	FR7630006000011234567890189 private-note; do
	if grep -F -- "$clear" "$T_DIR/raw.txt"; then
		fail "the clear value $clear is in the topic"
	fi
done
grep -F '"note"' "$T_DIR/raw.txt" && fail "the excluded column note is in the topic"

sha() { printf '%s' "$1" | sha256sum | cut -d ' ' -f 1; }
a=$(sha alice@example.com)
a2=$(sha alice.new@example.net)
b=$(sha bob@example.org)
got=$(jq -c '[.k, (.v | if . == null then null else .op, .before, .after end)]' "$T_DIR/customer.events")
info "events:"$'\n'"$got"
assert_eq "$got" \
	"[{\"id\":1},\"r\",null,{\"id\":1,\"email\":\"$a\",\"iban\":\"****\",\"name\":\"Alice\"}]
[{\"id\":3},\"r\",null,{\"id\":3,\"email\":null,\"iban\":null,\"name\":\"Nobody\"}]
[{\"id\":2},\"c\",null,{\"id\":2,\"email\":\"$b\",\"iban\":\"****\",\"name\":\"Bob\"}]
[{\"id\":2},\"u\",{\"id\":2,\"email\":\"$b\",\"iban\":\"****\",\"name\":\"Bob\"},{\"id\":2,\"email\":\"$b\",\"iban\":\"****\",\"name\":\"Bobby\"}]
[{\"id\":1},\"u\",{\"id\":1,\"email\":\"$a\",\"iban\":\"****\",\"name\":\"Alice\"},{\"id\":1,\"email\":\"$a2\",\"iban\":\"****\",\"name\":\"Alice\"}]
[{\"id\":1},\"d\",{\"id\":1,\"email\":\"$a2\",\"iban\":\"****\",\"name\":\"Alice\"},null]
[{\"id\":1},null]" "masked events"

# the password: nowhere in what spoke printed
for f in config.out setup.log capture.log; do
	[[ -s $T_DIR/$f ]] || fail "$f is empty"
	if grep -F -- "$PASSWORD" "$T_DIR/$f"; then
		fail "the password is in $f"
	fi
done
assert_contains "$(cat "$T_DIR/config.out")" "password=<redacted>" "spoke config hides the password"
grep -q '^DEBUG' "$T_DIR/capture.log" || fail "capture did not log at debug level"
grep -F -- "$PASSWORD" "$T_DIR/raw.txt" && fail "the password is in the topic"
true
