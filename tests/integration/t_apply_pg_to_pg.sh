#!/usr/bin/env bash
# apply_pg_to_pg: an ERP on PostgreSQL feeds a shop database on PostgreSQL through capture,
# Kafka and an applier whose rules rename tables and columns, compute values (exact decimal
# VAT, concatenation, if), filter with "where", look the category label up in the target and
# soft-delete. After a mixed workload the shop holds exactly what the rules say, row for row.
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# shellcheck source=pglib.sh
source "$LIB_DIR/pglib.sh"

start_pg
start_broker erp.public.category:2 erp.public.product:4 shop.dlq:1
pg_sql "CREATE DATABASE erp"
pg_sql "CREATE DATABASE shop"
PG_DB=erp pg_sql <<'SQL'
CREATE TABLE category (id int PRIMARY KEY, name text NOT NULL);
CREATE TABLE product (id int PRIMARY KEY, code text NOT NULL, name text NOT NULL,
  list_price numeric(12,2) NOT NULL, qty int NOT NULL, sale_ok boolean NOT NULL,
  categ_id int REFERENCES category);
INSERT INTO category VALUES (1, 'Chairs'), (2, 'Tables'), (3, 'Lamps');
SQL
PG_DB=shop pg_sql <<'SQL'
CREATE TABLE shop_category (erp_id int PRIMARY KEY, label text);
CREATE TABLE shop_product (erp_id int PRIMARY KEY, reference text, title text,
  price_ttc numeric(12,2), category text, stock_status text, deleted boolean DEFAULT false);
CREATE TABLE price_log (reference text, price numeric(12,2), op text);
SQL
cat >"$T_DIR/shop.json" <<'EOF2'
{"rules": [
 {"name": "categories", "topics": ["erp.public.category"], "target": "shop",
  "table": "shop_category", "key": ["erp_id"],
  "columns": {"erp_id": "after.id", "label": "upper(after.name)"}},
 {"name": "products", "topics": ["erp.public.product"], "target": "shop",
  "table": "shop_product", "key": ["erp_id"],
  "where": "after.sale_ok",
  "columns": {
    "erp_id": "after.id",
    "reference": "after.code",
    "title": "concat(after.name, ' (', after.code, ')')",
    "price_ttc": "round(after.list_price * 1.2, 2)",
    "category": "lookup('shop', 'shop_category', 'erp_id', after.categ_id, 'label')",
    "stock_status": "if(after.qty > 0, 'instock', 'outofstock')"},
  "delete": {"soft": {"deleted": "true"}}},
 {"name": "price_log", "topics": ["erp.public.product"], "target": "shop",
  "table": "price_log", "mode": "insert", "delete": "ignore",
  "where": "op = 'u' and before.list_price != after.list_price",
  "columns": {"reference": "after.code", "price": "after.list_price", "op": "op"}}
]}
EOF2
pg_conf "conninfo=$PG_CONNINFO dbname=erp" tables=public.category,public.product
PG_CONNINFO_ERP="$PG_CONNINFO dbname=erp"
sed -i "s|^conninfo = .*|conninfo = $PG_CONNINFO_ERP|" "$CONF"
cat >>"$CONF" <<EOF2
[target shop]
type = postgres
conninfo = $PG_CONNINFO dbname=shop
[applier shop]
rules = shop.json
dead_letter_topic = shop.dlq
batch_timeout = 50ms
EOF2
PG_DB=erp pg_sql "ALTER TABLE product REPLICA IDENTITY FULL" # price_log reads before
"$SPOKE" setup -c "$CONF" 2>"$T_DIR/setup.log"
spawn run "$SPOKE" run -c "$CONF"
categories_in()
{
	[[ $(PG_DB=shop pg_sql "SELECT count(*) FROM shop_category") == 3 ]]
}
wait_for -t 30 categories_in
# the workload: inserts, price and stock updates, a category move, a rename, deletes
PG_DB=erp pg_sql <<'SQL'
INSERT INTO product SELECT i, 'P' || i, 'Product ' || i, 10 + i * 0.95, i % 4, i % 5 <> 0,
  1 + i % 3 FROM generate_series(1, 60) i;
UPDATE product SET list_price = 19.90 WHERE id = 1;
UPDATE product SET list_price = list_price + 1 WHERE id % 7 = 0;
UPDATE product SET qty = qty + 10 WHERE id % 4 = 0;
UPDATE product SET categ_id = 3 WHERE id BETWEEN 10 AND 14;
UPDATE product SET name = 'Chaise ''Zoë'' ✓' WHERE id = 2;
CREATE TABLE gone AS SELECT * FROM product WHERE id IN (3, 4, 5, 6); -- not captured
DELETE FROM product WHERE id IN (3, 4, 5, 6);
INSERT INTO product VALUES (61, 'P61', 'Late', 5.55, 0, true, 2);
SQL
shop_rows()
{
	PG_DB=shop pg_sql "SELECT erp_id, reference, title, price_ttc, category, stock_status, deleted
	  FROM shop_product ORDER BY erp_id"
}
# what the rules say: live sale_ok products, and soft-deleted ones as they were last seen
expected_rows()
{
	PG_DB=erp pg_sql "SELECT p.id, p.code, p.name || ' (' || p.code || ')',
	  round(p.list_price * 1.2, 2), upper(c.name),
	  CASE WHEN p.qty > 0 THEN 'instock' ELSE 'outofstock' END, p.deleted
	  FROM (SELECT *, false AS deleted FROM product UNION ALL SELECT *, true FROM gone) p
	  JOIN category c ON c.id = p.categ_id WHERE p.sale_ok ORDER BY 1"
}
same_rows()
{
	diff <(expected_rows) <(shop_rows)
}
wait_for -t 60 same_rows
assert_eq "$(PG_DB=shop pg_sql "SELECT price_ttc FROM shop_product WHERE erp_id = 1")" "23.88" \
	"19.90 * 1.2"
assert_eq "$(PG_DB=shop pg_sql "SELECT title FROM shop_product WHERE erp_id = 2")" \
	"Chaise 'Zoë' ✓ (P2)" "text with quotes and UTF-8"
# price_log: one row per real price change (id 1 and the multiples of 7, none for deletes)
assert_eq "$(PG_DB=shop pg_sql "SELECT count(*) FROM price_log")" \
	"$(PG_DB=erp pg_sql "SELECT count(*) FROM product WHERE id = 1 OR id % 7 = 0")" "price_log rows"
assert_eq "$(PG_DB=shop pg_sql "SELECT reference, price, op FROM price_log WHERE reference = 'P1'")" \
	$'P1\t19.90\tu' "price_log of P1"
assert_eq "$(kafka_count shop.dlq)" 0 "dead letters"
stop_spawned run
