INSERT INTO customs VALUES (1, 'happy', '{sad,NULL,"very \"happy\""}', 42, '{1,2}',
	'a@example.com', 19.90, 7);
INSERT INTO customs VALUES (2, NULL, '{}', NULL, NULL, NULL, NULL, NULL);
UPDATE customs SET m = 'ok', pr = 0 WHERE id = 1;
