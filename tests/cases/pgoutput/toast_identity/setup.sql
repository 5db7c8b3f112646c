-- TOASTed values left unchanged by updates, key-only and full old tuples, key changes.
CREATE TABLE articles (id int PRIMARY KEY, title text, body text);
ALTER TABLE articles ALTER COLUMN body SET STORAGE EXTERNAL;
CREATE TABLE full_rows (id int, v text, big text);
ALTER TABLE full_rows REPLICA IDENTITY FULL;
ALTER TABLE full_rows ALTER COLUMN big SET STORAGE EXTERNAL;
CREATE TABLE by_index (a int NOT NULL, b int NOT NULL, v text);
CREATE UNIQUE INDEX by_index_ab ON by_index (a, b);
ALTER TABLE by_index REPLICA IDENTITY USING INDEX by_index_ab;
CREATE TABLE two_keys (k1 int, k2 text, v text, PRIMARY KEY (k1, k2));
CREATE PUBLICATION cases FOR TABLE articles, full_rows, by_index, two_keys;
