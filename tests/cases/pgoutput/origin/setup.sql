-- A transaction replayed from another node carries an Origin message.
CREATE TABLE t (id int PRIMARY KEY);
CREATE PUBLICATION cases FOR TABLE t;
SELECT pg_replication_origin_create('upstream');
