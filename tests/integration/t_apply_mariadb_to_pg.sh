#!/usr/bin/env bash
# apply_mariadb_to_pg: shop customers on MariaDB (trigger capture) become ERP partners on
# PostgreSQL: renamed table and columns, computed values, a "where" filter and a lookup of the
# ERP's country id by ISO code. After inserts, updates and deletes the ERP table holds
# exactly what the rules say, row for row.
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

start_pg
start_mariadb
start_broker shop.shop.customer:4 erp.dlq:1
my_sql <<'SQL'
CREATE DATABASE shop CHARACTER SET utf8mb4;
CREATE TABLE shop.customer (id_customer int PRIMARY KEY, firstname varchar(50),
  lastname varchar(50), email varchar(100), country char(2), newsletter boolean,
  birthday date, created datetime(6), active boolean NOT NULL DEFAULT true);
SQL
pg_sql <<'SQL'
CREATE TABLE country (id int PRIMARY KEY, code char(2) UNIQUE);
INSERT INTO country VALUES (1, 'FR'), (2, 'BE'), (3, 'DE');
CREATE TABLE res_partner (shop_id int PRIMARY KEY, name text NOT NULL, email text,
  country_id int REFERENCES country, opt_in boolean, birthdate date, since timestamp,
  email_hash text);
SQL
cat >"$T_DIR/erp.json" <<'EOF2'
{"rules": [{
  "name": "partners", "topics": ["shop.shop.customer"], "target": "erp",
  "table": "res_partner", "key": ["shop_id"],
  "where": "after.active",
  "columns": {
    "shop_id": "after.id_customer",
    "name": "trim(concat(after.firstname, ' ', upper(after.lastname)))",
    "email": "lower(trim(after.email))",
    "country_id": "lookup('erp', 'country', 'code', after.country, 'id')",
    "opt_in": "coalesce(after.newsletter, false)",
    "birthdate": "date(after.birthday)",
    "since": "datetime(after.created)",
    "email_hash": "sha256(lower(trim(after.email)))"}
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
[target erp]
type = postgres
conninfo = $PG_CONNINFO
[applier erp]
rules = erp.json
dead_letter_topic = erp.dlq
batch_timeout = 50ms
EOF2
"$SPOKE" setup -c "$T_DIR/spoke.conf"
my_sql <<'SQL'
INSERT INTO shop.customer (id_customer, firstname, lastname, email, country, newsletter,
  birthday, created)
WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < 40)
SELECT i, CONCAT('Ann', i), CONCAT('Lee', i), CONCAT(' Ann', i, '@Example.COM '),
  ELT(1 + i % 4, 'FR', 'BE', 'DE', 'XX'), i % 2, DATE_ADD('1980-01-01', INTERVAL i DAY),
  '2026-11-23 10:00:00.123456' FROM s;
SQL
# the first 40 customers arrive through the snapshot, the rest as changes
spawn run "$SPOKE" run -c "$T_DIR/spoke.conf"
partners_ge()
{
	(($(pg_sql "SELECT count(*) FROM res_partner") >= $1))
}
wait_for -t 30 partners_ge 40
my_sql <<'SQL'
UPDATE shop.customer SET lastname = 'Müller', newsletter = NULL WHERE id_customer = 1;
UPDATE shop.customer SET email = 'NEW@x.org' WHERE id_customer % 5 = 0;
UPDATE shop.customer SET active = false WHERE id_customer = 7;
DELETE FROM shop.customer WHERE id_customer IN (2, 3);
INSERT INTO shop.customer (id_customer, firstname, lastname, email, active)
  VALUES (50, NULL, 'Solo', NULL, true), (51, 'Hidden', 'X', 'h@x', false);
SQL
erp_rows()
{
	pg_sql "SELECT shop_id, name, coalesce(email, '-'), coalesce(country_id::text, '-'),
	  coalesce(opt_in::text, '-'), coalesce(birthdate::text, '-'), coalesce(since::text, '-'),
	  coalesce(email_hash, '-') FROM res_partner ORDER BY shop_id"
}
# customer 7 was applied while active; the change that made it inactive is filtered out
expected_rows()
{
	my_sql "SELECT id_customer, TRIM(CONCAT_WS('', firstname, ' ', UPPER(lastname))),
	  COALESCE(LOWER(TRIM(email)), '-'),
	  COALESCE(ELT(FIELD(country, 'FR', 'BE', 'DE'), '1', '2', '3'), '-'),
	  CASE WHEN newsletter IS NULL OR newsletter = 0 THEN 'false' ELSE 'true' END,
	  COALESCE(birthday, '-'), COALESCE(DATE_FORMAT(created, '%Y-%m-%d %H:%i:%s.%f'), '-'),
	  COALESCE(SHA2(LOWER(TRIM(email)), 256), '-')
	  FROM shop.customer WHERE active OR id_customer = 7 ORDER BY id_customer"
}
same_rows()
{
	diff <(expected_rows) <(erp_rows)
}
wait_for -t 60 same_rows
assert_eq "$(pg_sql "SELECT name FROM res_partner WHERE shop_id = 1")" "Ann1 MÜLLER" "UTF-8 upper"
assert_eq "$(pg_sql "SELECT count(*) FROM res_partner WHERE shop_id IN (2, 3, 51)")" 0 \
	"deleted and filtered customers"
assert_eq "$(pg_sql "SELECT country_id IS NULL FROM res_partner WHERE shop_id = 11")" t \
	"unknown country: lookup gives null"
assert_eq "$(kafka_count erp.dlq)" 0 "dead letters"
stop_spawned run
