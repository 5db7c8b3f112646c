-- json and jsonb embedded as they are, bytea as base64, booleans.
CREATE TABLE docs (id int PRIMARY KEY, j json, jb jsonb, b bytea, flag bool);
CREATE PUBLICATION cases FOR TABLE docs;
