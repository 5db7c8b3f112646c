-- Row changes of every type, in a session whose settings differ from the defaults.
SET timezone = 'Europe/Berlin';
SET datestyle = 'SQL, DMY';
SET intervalstyle = 'postgres';
SET search_path = pg_catalog;
INSERT INTO app.every_type VALUES (1, 'A', -32768, -9223372036854775808, 1.1, 0.1, -123456789.125,
	1e-20, true, '2026-11-23', '10:00:00.5', '10:00:00+02', '2026-11-23 10:00:00.123456',
	'2026-11-23 10:00:00', '2026-11-23 11:00:00.5+01', '1 day 2 hours', 'ab', 'ab',
	'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', 'happy', '{"a": [1, 2.50, null]}',
	'{"b": "😀", "a": 1}', decode(repeat('00ff7f', 30), 'hex'), '{1,2,NULL}',
	E'line1\ntab\t"q" \\ \x01 é😀');
INSERT INTO app.every_type (id, code, f_double, tstz, d_date, ts)
	VALUES (2, 'N', 'NaN', 'infinity', '-infinity', 'infinity');
UPDATE app.every_type SET n_num = 0.5, b_bool = false, j_jsonb = NULL WHERE id = 1;
UPDATE app.every_type SET code = 'B' WHERE id = 2;
DELETE FROM app.every_type WHERE id = 2;
