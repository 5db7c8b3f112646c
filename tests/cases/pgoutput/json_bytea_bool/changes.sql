INSERT INTO docs VALUES (1, '{"a": [1, 2.5, {"b": null}], "s": "x\"y\\n\u00e9"}',
	'{"a": [1, 2.5, {"b": null}], "s": "x\"y\\n\u00e9"}', '\x', true);
INSERT INTO docs VALUES (2, E'  [1,\n   2]  ', '"just a string"', '\x00ff10deadbeef', false);
INSERT INTO docs VALUES (3, '{"deep": [[[[[[[[[[{}]]]]]]]]]]}', 'null', decode(repeat('ab', 500), 'hex'), NULL);
INSERT INTO docs VALUES (4, NULL, NULL, NULL, NULL);
INSERT INTO docs VALUES (5, '-1.5e-7', '{"z": 1, "a": 2, "a": 3}', 'hello'::bytea, true);
INSERT INTO docs VALUES (6, '{"a":1,"a":2}', '[]', '\x0a0b0c', false);
