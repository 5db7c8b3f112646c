-- The demo's web shop on MariaDB, shaped like PrestaShop: products with their price including
-- VAT, stock, customers, orders and order lines. spoke writes product and stock_available
-- (from the ERP) and the orders' state; it captures customer, orders and order_detail.
CREATE TABLE product (
  reference varchar(64) PRIMARY KEY,
  name varchar(255),
  price_tax_incl decimal(12,2),
  active tinyint(1) NOT NULL DEFAULT 1
);
CREATE TABLE stock_available (
  reference varchar(64) PRIMARY KEY,
  quantity int NOT NULL DEFAULT 0
);
CREATE TABLE customer (
  id_customer int AUTO_INCREMENT PRIMARY KEY,
  firstname varchar(64) NOT NULL,
  lastname varchar(64) NOT NULL,
  email varchar(128) NOT NULL,
  newsletter tinyint(1) NOT NULL DEFAULT 0,
  date_add datetime NOT NULL DEFAULT CURRENT_TIMESTAMP
);
CREATE TABLE orders (
  id_order int AUTO_INCREMENT PRIMARY KEY,
  id_customer int NOT NULL DEFAULT 0,
  reference varchar(32) NOT NULL DEFAULT '',
  total_paid decimal(12,2) NOT NULL DEFAULT 0,
  current_state varchar(32) NOT NULL DEFAULT 'payment accepted',
  date_add datetime NOT NULL DEFAULT CURRENT_TIMESTAMP
);
CREATE TABLE order_detail (
  id_order_detail int AUTO_INCREMENT PRIMARY KEY,
  id_order int NOT NULL,
  product_reference varchar(64) NOT NULL,
  product_quantity int NOT NULL,
  unit_price_tax_incl decimal(12,2) NOT NULL
);
