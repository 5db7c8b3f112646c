-- Row changes of every type, in a session whose time zone is not UTC.
SET time_zone = '+02:00';
INSERT INTO every_type VALUES (1, 'A', -128, -9223372036854775808, 18446744073709551615, 1.1, 0.1,
	-123456789.125, TRUE, b'1', b'1000000001', '2026-11-23', '-838:59:59.5', '2026-11-23 10:00:00',
	'2026-11-23 10:00:00.12', '2026-11-23 10:00:00.123456', '2026-11-23 12:00:00',
	'2026-11-23 12:00:00.000001', 2026, 'ab',
	CONCAT('line1', CHAR(10 USING utf8mb4), 'tab', CHAR(9 USING utf8mb4), '"q" \\ ',
		CHAR(1 USING utf8mb4), ' é😀'),
	'héllo', '中文', 'b', 'x,y', '{"a": [1, 2.50, null], "b": "😀"}', x'00ff10', REPEAT(x'00ff7f', 30),
	x'01020304', ST_GeomFromText('POINT(1 2)'), 'odd');
INSERT INTO every_type (id, code) VALUES (2, 'N');
UPDATE every_type SET n_dec = 0.5, b_bool = FALSE, s_text = NULL WHERE id = 1;
UPDATE every_type SET code = 'B' WHERE id = 2;
DELETE FROM every_type WHERE id = 2;
