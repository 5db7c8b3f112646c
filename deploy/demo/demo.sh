#!/usr/bin/env bash
# demo: spoke's main job on one machine. Starts, in a temporary directory, an ERP on
# PostgreSQL (schemas/demo/erp.sql), a web shop on MariaDB (schemas/demo/shop.sql), a CRM
# reached by HTTP (a small fixture), `spoke broker`, then `spoke setup` and `spoke run` with
# deploy/demo/spoke.conf and the rules in rules/, and plays a short story, saying what changed
# where and how long it took. Then it waits for you to try your own changes until Ctrl-C, and
# removes everything it started.
#   deploy/demo/demo.sh           (make demo)
#   deploy/demo/demo.sh --once    (make demo ARGS=--once): the story, every outcome checked;
#                                 exit 0 when all are as expected, 1 otherwise.
# shellcheck source-path=SCRIPTDIR source=../../tests/integration/lib.sh
once=0
case ${1:-} in
--once) once=1 ;;
"") ;;
*)
	echo "usage: $0 [--once]" >&2
	exit 2
	;;
esac
T_DIR=${T_DIR:-} # the harness picks a temporary directory
source "$(dirname "${BASH_SOURCE[0]}")/../../tests/integration/lib.sh"
DEMO=$SPOKE_ROOT/deploy/demo

say()
{
	printf '%s\n' "$*"
}

# ------------------------------------------------------------------ the servers

say "== Starting an ERP (PostgreSQL), a shop (MariaDB), a CRM (HTTP) and Kafka (spoke broker)"
start_pg
start_mariadb
start_http
start_broker erp.public.product:2 erp.public.pricelist_item:2 erp.public.stock_quant:2 \
	erp.public.sale_order:2 shop.shop.customer:2 shop.shop.orders:2 shop.shop.order_detail:2 \
	to_shop.dlq:1 to_erp.dlq:1 to_crm.dlq:1
pg_sql "CREATE DATABASE erp"
PG_DB=erp pg_sql <"$SPOKE_ROOT/schemas/demo/erp.sql" >/dev/null
my_sql "CREATE DATABASE shop CHARACTER SET utf8mb4"
MY_DB=shop my_sql <"$SPOKE_ROOT/schemas/demo/shop.sql"
http_default '{"status": 201, "body": {"id": "crm-{{n}}"}}'

export DEMO_DIR=$T_DIR DEMO_PG_PORT=$PG_PORT DEMO_MY_SOCKET=$MY_SOCKET DEMO_BROKERS=$BROKERS
export DEMO_CRM_URL=$HTTP_URL DEMO_CRM_TOKEN=demo-crm-token DEMO_METRICS_PORT
DEMO_METRICS_PORT=$(free_port)
CONF=$DEMO/spoke.conf
"$SPOKE" setup -c "$CONF" >"$T_DIR/setup.log" 2>&1 || fail "spoke setup: $(cat "$T_DIR/setup.log")"
spawn run "$SPOKE" run -c "$CONF"

erp()
{
	PG_DB=erp pg_sql "$1"
}
shop()
{
	MY_DB=shop my_sql "$1"
}
contacts()
{
	http_requests | jq -c '[.[] | select(.path | startswith("/contacts"))]'
}

# ------------------------------------------------------------------ the story

# step TEXT CHECK [ARG...]: waits until CHECK holds (it just changed something), then says
# TEXT with how long it took.
step_start=0
act()
{
	step_start=$(date +%s%N)
}
step()
{
	local text=$1
	shift
	wait_for -t 60 "$@"
	say "   $text  ($((($(date +%s%N) - step_start) / 1000000)) ms)"
}

shop_products()
{
	[[ $(shop "SELECT count(*) FROM product WHERE price_tax_incl IS NOT NULL") == 3 ]] &&
		[[ $(shop "SELECT count(*) FROM stock_available") == 3 ]]
}
act
say "== The ERP's catalogue reaches the shop (initial snapshot)"
step "3 products, their prices with VAT and their stock are in the shop" shop_products
say "$(shop "SELECT CONCAT('   ', p.reference, ': ', p.name, ', ', p.price_tax_incl, ' EUR incl. VAT, ', s.quantity, ' in stock') FROM product p JOIN stock_available s USING (reference) ORDER BY 1")"

say "== 1. The ERP changes the price of the oak chair: 49.90 -> 54.90 without VAT"
act
erp "UPDATE pricelist_item SET list_price = 54.90 WHERE product_id = (SELECT id FROM product WHERE sku = 'CHAIR-01')"
price_is()
{
	[[ $(shop "SELECT price_tax_incl FROM product WHERE reference = 'CHAIR-01'") == "$1" ]]
}
step "the shop shows 65.88 EUR incl. VAT (54.90 * 1.2, exact)" price_is 65.88

say "== 2. The warehouse counts the lamps: 30 -> 27"
act
erp "UPDATE stock_quant SET quantity = 27 WHERE product_id = (SELECT id FROM product WHERE sku = 'LAMP-01')"
stock_is()
{
	[[ $(shop "SELECT quantity FROM stock_available WHERE reference = 'LAMP-01'") == "$1" ]]
}
step "the shop has 27 lamps available" stock_is 27

say "== 3. Ann registers in the shop"
act
shop "INSERT INTO customer (firstname, lastname, email, newsletter) VALUES ('Ann', 'Lée', ' Ann.Lee@Example.com', 1)"
ann=$(shop "SELECT id_customer FROM customer WHERE firstname = 'Ann'")
partner_is()
{
	[[ $(erp "SELECT name || ' <' || email || '>' FROM res_partner WHERE shop_customer_id = $ann") == "$1" ]]
}
step "the ERP has partner 'Ann LÉE <ann.lee@example.com>'" partner_is "Ann LÉE <ann.lee@example.com>"
crm_contact()
{
	[[ $(contacts | jq -r '.[0] | "\(.method) \(.status) \(.body | fromjson | .email)"') == "POST 201 ann.lee@example.com" ]]
}
step "the CRM has a new contact for ann.lee@example.com (POST /contacts)" crm_contact

say "== 4. Ann orders 2 oak chairs and a lamp"
act
shop "INSERT INTO orders (id_customer, reference, total_paid) VALUES ($ann, 'WEB-1001', 155.64);
	INSERT INTO order_detail (id_order, product_reference, product_quantity, unit_price_tax_incl)
	VALUES (LAST_INSERT_ID(), 'CHAIR-01', 2, 65.88), (LAST_INSERT_ID(), 'LAMP-01', 1, 23.88)"
order=$(shop "SELECT id_order FROM orders WHERE reference = 'WEB-1001'")
erp_order()
{
	[[ $(erp "SELECT o.reference || ' ' || o.amount_total || ' ' || o.state || ' ' || count(l.*) FROM sale_order o JOIN sale_order_line l ON l.shop_order_id = o.shop_order_id WHERE o.shop_order_id = $order GROUP BY o.id") == "WEB-1001 155.64 sale 2" ]]
}
step "the ERP has sales order WEB-1001, 155.64 EUR, 2 lines" erp_order

say "== 5. The ERP ships the order"
act
erp "UPDATE sale_order SET state = 'shipped' WHERE shop_order_id = $order"
shop_state()
{
	[[ $(shop "SELECT current_state FROM orders WHERE id_order = $order") == shipped ]]
}
step "the shop shows order WEB-1001 as shipped" shop_state

# Nothing went to a dead-letter topic, and nothing came back the way it went.
for dlq in to_shop.dlq to_erp.dlq to_crm.dlq; do
	[[ $(kafka_count "$dlq") == 0 ]] || fail "$dlq holds $(kafka_count "$dlq") change(s)"
done
[[ $(erp "SELECT count(*) FROM sale_order") == 1 ]] || fail "sales orders duplicated"
say "== The story is over: every change arrived once, none went to a dead-letter topic."

if ((once)); then
	stop_spawned run
	exit 0
fi

cat <<EOF

== Your turn. spoke keeps running; try your own changes:
   ERP:   $PGBIN/psql -h 127.0.0.1 -p $PG_PORT -U postgres erp
          UPDATE pricelist_item SET list_price = 39.90 WHERE product_id = 3;
   shop:  mariadb --no-defaults -uroot --socket=$MY_SOCKET shop
          INSERT INTO customer (firstname, lastname, email) VALUES ('Bob', 'Ray', 'bob@example.com');
   CRM:   curl -s $HTTP_URL/_fixture/requests | jq
   the stream:   $SPOKE tail -c $CONF
   the state:    $SPOKE status -c $CONF
   metrics:      curl -s http://127.0.0.1:$DEMO_METRICS_PORT/metrics
   (these commands need the DEMO_* variables: $(printf 'export DEMO_DIR=%q DEMO_PG_PORT=%q DEMO_MY_SOCKET=%q DEMO_BROKERS=%q DEMO_CRM_URL=%q DEMO_CRM_TOKEN=%q DEMO_METRICS_PORT=%q' "$DEMO_DIR" "$DEMO_PG_PORT" "$DEMO_MY_SOCKET" "$DEMO_BROKERS" "$DEMO_CRM_URL" "$DEMO_CRM_TOKEN" "$DEMO_METRICS_PORT"))
Ctrl-C stops everything and removes the demo's files.
EOF
trap 'exit 0' INT TERM
while sleep 1; do :; done
