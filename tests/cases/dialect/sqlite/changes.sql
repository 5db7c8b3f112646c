-- Row changes of every type. SQLite keeps values as given: 19.90 is stored as the real 19.9.
INSERT INTO every_type VALUES (1, 'A', -9223372036854775808, 1.1, 19.90, 1, '2026-11-23',
	'2026-11-23 10:00:00.123', '2026-11-23T10:00:00',
	'line1' || char(10) || 'tab' || char(9) || '"q" \ ' || char(1) || ' é😀', 'ab',
	x'00ff7f00ff7f00ff7f00ff7f00ff7f00ff7f00ff7f00ff7f00ff7f00ff7f00ff7f00ff7f00ff7f00ff7f00ff7f00ff7f00ff7f00ff7f00ff7f00ff7f',
	x'0102', 'odd');
INSERT INTO every_type (id, code, b_bool, bin, n_dec, dt, anything)
	VALUES (2, 'N', 0, x'', 20, 1700000000, 'text in an untyped column');
UPDATE every_type SET n_dec = 0.5, b_bool = 'yes', s_text = NULL, s_varchar = x'41' WHERE id = 1;
UPDATE every_type SET code = 'B' WHERE id = 2;
DELETE FROM every_type WHERE id = 2;
