INSERT INTO strs VALUES (1,
	E'quote " backslash \\ newline \n tab \t cr \r bell \x07 end', 'varchar', 'ab', 'x', 'a name',
	'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '192.168.0.1/24', '10.0.0.0/8', '08:00:2b:01:02:03',
	'08:00:2b:01:02:03:04:05', '1 year 2 months 3 days 04:05:06.789', '<a b="c">d &amp; e</a>',
	'1234.56', B'1010', B'10101', 'a fat cat sat', 'fat & (rat | cat)', '10:00:00.5+02', '(1.5,-2)');
INSERT INTO strs VALUES (2, '', '', '', '', '', NULL, '::1', '2001:db8::/32', NULL, NULL,
	'-1 days -00:00:01', NULL, '-0.01', B'0000', B'', '', NULL, '00:00:00-08:30', NULL);
INSERT INTO strs (id, t, vc) VALUES (3, E'unicode: \u00e9 \u20ac \U0001F600 \u4e2d', 'NULL');
INSERT INTO strs (id, t) VALUES (4, NULL);
