-- The demo's ERP on PostgreSQL, shaped like Odoo: products, a price list, stock, partners,
-- sales orders and their lines, invoices. spoke captures product, pricelist_item,
-- stock_quant and sale_order (to the shop), and writes res_partner, sale_order and
-- sale_order_line (from the shop).
CREATE TABLE product (
  id serial PRIMARY KEY,
  sku text NOT NULL UNIQUE,
  name text NOT NULL,
  active boolean NOT NULL DEFAULT true
);
CREATE TABLE pricelist_item (
  product_id int PRIMARY KEY REFERENCES product,
  list_price numeric(12,2) NOT NULL,  -- without VAT
  vat_rate numeric(5,3) NOT NULL DEFAULT 0.200
);
CREATE TABLE stock_quant (
  product_id int PRIMARY KEY REFERENCES product,
  quantity int NOT NULL
);
CREATE TABLE res_partner (
  id serial PRIMARY KEY,
  shop_customer_id int UNIQUE,
  name text NOT NULL,
  email text,
  newsletter boolean
);
CREATE TABLE sale_order (
  id serial PRIMARY KEY,
  shop_order_id int NOT NULL UNIQUE,
  shop_customer_id int,
  reference text,
  amount_total numeric(12,2),
  state text NOT NULL DEFAULT 'sale'   -- sale, shipped, done, cancel
);
CREATE TABLE sale_order_line (
  id serial PRIMARY KEY,
  shop_line_id int NOT NULL UNIQUE,
  shop_order_id int NOT NULL,          -- the order, by the shop's id: lines may come first
  sku text NOT NULL,
  quantity int NOT NULL,
  price_unit numeric(12,2)
);
CREATE TABLE account_invoice (
  id serial PRIMARY KEY,
  sale_order_id int REFERENCES sale_order,
  amount numeric(12,2),
  state text NOT NULL DEFAULT 'draft'
);

INSERT INTO product (sku, name) VALUES
  ('CHAIR-01', 'Oak chair'), ('TABLE-01', 'Oak table'), ('LAMP-01', 'Desk lamp');
INSERT INTO pricelist_item (product_id, list_price)
  SELECT id, CASE sku WHEN 'CHAIR-01' THEN 49.90 WHEN 'TABLE-01' THEN 299.00 ELSE 19.90 END
  FROM product;
INSERT INTO stock_quant (product_id, quantity)
  SELECT id, CASE sku WHEN 'CHAIR-01' THEN 12 WHEN 'TABLE-01' THEN 4 ELSE 30 END FROM product;
