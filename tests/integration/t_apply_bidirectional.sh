#!/usr/bin/env bash
# apply_bidirectional: an ERP on PostgreSQL and a shop on MariaDB replicate products both ways
# (logical decoding on one side, triggers on the other, an applier each way). A change made
# on either side reaches the other once and stops there: the appliers' sessions are marked
# (replication origin spoke_<applier>, @spoke_origin), so capture does not send it back.
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

start_pg
start_mariadb
start_broker erp.public.product:2 shop.shop.ps_product:2
pg_sql "CREATE TABLE product (code text PRIMARY KEY, name text NOT NULL, price numeric(12,2))"
my_sql <<'SQL'
CREATE DATABASE shop CHARACTER SET utf8mb4;
CREATE TABLE shop.ps_product (reference varchar(32) PRIMARY KEY, name varchar(100) NOT NULL,
  price decimal(12,2));
SQL
cat >"$T_DIR/to_shop.json" <<'EOF2'
{"rules": [{"name": "erp_products", "topics": ["erp.public.product"], "target": "shop",
  "table": "ps_product", "key": ["reference"],
  "columns": {"reference": "after.code", "name": "after.name", "price": "after.price"}}]}
EOF2
cat >"$T_DIR/to_erp.json" <<'EOF2'
{"rules": [{"name": "shop_products", "topics": ["shop.shop.ps_product"], "target": "erp",
  "table": "product", "key": ["code"],
  "columns": {"code": "after.reference", "name": "after.name", "price": "after.price"}}]}
EOF2
cat >"$T_DIR/spoke.conf" <<EOF2
[spoke]
state_dir = $T_DIR/state
[kafka]
bootstrap.servers = $BROKERS
[source erp]
type = postgres
conninfo = $PG_CONNINFO
tables = public.product
[source shop]
type = mysql
socket = $MY_SOCKET
user = root
database = shop
tables = shop.ps_product
poll_interval = 50ms
[target erp]
type = postgres
conninfo = $PG_CONNINFO
[target shop]
type = mysql
socket = $MY_SOCKET
user = root
database = shop
[applier to_shop]
rules = to_shop.json
batch_timeout = 50ms
[applier to_erp]
rules = to_erp.json
batch_timeout = 50ms
EOF2
PG_DB=postgres pg_sql "ALTER TABLE product REPLICA IDENTITY FULL" # deletes by code
"$SPOKE" setup -c "$T_DIR/spoke.conf" 2>"$T_DIR/setup.log"
spawn run "$SPOKE" run -c "$T_DIR/spoke.conf"
erp_has()
{
	[[ $(pg_sql "SELECT name || ' ' || price FROM product WHERE code = '$1'") == "$2" ]]
}
shop_has()
{
	[[ $(my_sql "SELECT CONCAT(name, ' ', price) FROM shop.ps_product WHERE reference = '$1'") == "$2" ]]
}
pg_sql "INSERT INTO product VALUES ('E1', 'From ERP', 10.50)"
wait_for -t 30 shop_has E1 "From ERP 10.50"
my_sql "INSERT INTO shop.ps_product VALUES ('S1', 'From shop', 7.25)"
wait_for -t 30 erp_has S1 "From shop 7.25"
my_sql "UPDATE shop.ps_product SET price = 11.00 WHERE reference = 'E1'"
wait_for -t 30 erp_has E1 "From ERP 11.00"
pg_sql "UPDATE product SET name = 'Renamed in ERP' WHERE code = 'S1'"
wait_for -t 30 shop_has S1 "Renamed in ERP 7.25"
# sentinels from both sides: once they arrived, any echo would have arrived before them
pg_sql "INSERT INTO product VALUES ('E2', 'sentinel', 1)"
my_sql "INSERT INTO shop.ps_product VALUES ('S2', 'sentinel', 2)"
wait_for -t 30 shop_has E2 "sentinel 1.00"
wait_for -t 30 erp_has S2 "sentinel 2.00"
sleep 1
# each topic holds the changes made on its own side only: nothing travelled back (E1 may
# have been read by the ERP's first snapshot: op r counts as c)
erp_events=$(kafka_consume erp.public.product -f '%k %s\n' | jq -Rrc 'split(" ") | .[1:] | join(" ") | fromjson | "\(.op | sub("r"; "c")) \(.after.code)"' | sort)
shop_events=$(kafka_consume shop.shop.ps_product -f '%k %s\n' | jq -Rrc 'split(" ") | .[1:] | join(" ") | fromjson | "\(.op | sub("r"; "c")) \(.after.reference)"' | sort)
info "erp topic: $erp_events"
info "shop topic: $shop_events"
assert_eq "$erp_events" $'c E1\nc E2\nu S1' "changes captured in the ERP"
assert_eq "$shop_events" $'c S1\nc S2\nu E1' "changes captured in the shop"
stop_spawned run
