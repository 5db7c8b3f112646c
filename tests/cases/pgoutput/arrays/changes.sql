INSERT INTO arrs VALUES (1,
	'{1,2}', '{{1,2},{3,4}}', '{-9223372036854775808,NULL,9223372036854775807}',
	'{NaN,Infinity,-0,1.5}', '{1e308,-Infinity,5e-324}', '{1.10,NaN,-0.5}', '{t,f,NULL}',
	ARRAY['a,b', 'say "hi"', E'back\\slash', '', 'NULL', NULL, '{braces}', ' spaced ', E'\u00e9', 'null'],
	'{x,y}', '{ab,"a c"}', '{a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11}',
	'{2026-11-23,infinity,"0044-03-15 BC"}', '{10:00:00,10:00:00.5}',
	'{"2026-11-23 10:00:00","2026-11-23 10:00:00.123456",infinity}',
	'{"2026-11-23 10:00:00+00","2026-11-23 12:00:00.5+02",-infinity}',
	ARRAY['{"a": [1, "x,y"]}'::json, '[]', 'null', NULL],
	ARRAY['{"a": {"b": "c\"d"}}'::jsonb, '"s"', '1.5'],
	ARRAY['\x'::bytea, '\x0102ff', NULL], '{"1 day","-00:00:01"}', '{192.168.0.1,::1}',
	'{10.0.0.0/8}', '{0,4294967295}', '{pg_catalog,"with space"}', '{"(1,2)","(3.5,-4)"}',
	'{(1,1),(0,0);(3,3),(2,2)}', '{"[1,5)",empty}');
INSERT INTO arrs VALUES (2, '{}', '[0:1]={7,8}', '[-2:-1][1:2]={{1,2},{3,4}}', '{}', '{}', '{}',
	'{}', '{}', '{}', '{}', '{}', '{}', '{}', '{}', '{}', '{}', '{}', '{}', '{}', '{}', '{}', '{}',
	'{}', '{}', '{}', '{}');
INSERT INTO arrs (id, t, i4, n) VALUES (3, '{{"a",NULL},{"",c}}', '{{{1},{2}},{{3},{4}}}',
	'{{1,2},{3,4}}');
INSERT INTO arrs (id, t) VALUES (4, ARRAY[E'line\nbreak', E'tab\there', E'quote"and\\back', '"', '\']);
INSERT INTO arrs (id, i4) VALUES (5, '{{{{{{1}}}}}}');
INSERT INTO arrs (id, t) VALUES (6, '{NULL}');
INSERT INTO arrs (id) VALUES (7);
