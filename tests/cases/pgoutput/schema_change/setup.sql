-- Columns added and dropped mid-stream, truncates, logical decoding messages.
CREATE TABLE evolving (id int PRIMARY KEY, a text);
CREATE TABLE other (id serial PRIMARY KEY, v text);
CREATE PUBLICATION cases FOR TABLE evolving, other;
