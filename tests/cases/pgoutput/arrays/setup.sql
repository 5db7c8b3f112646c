-- Arrays of the built-in types: nesting, NULLs, quoting and escapes, empty, lower bounds.
CREATE TABLE arrs (
	id int PRIMARY KEY,
	i2 int2[], i4 int4[], i8 int8[], f4 float4[], f8 float8[], n numeric[], b bool[],
	t text[], vc varchar[], bp char(3)[], u uuid[], d date[], tm time[], ts timestamp[],
	tstz timestamptz[], j json[], jb jsonb[], by bytea[], iv interval[], ip inet[], net cidr[],
	o oid[], nm name[], pts point[], bx box[], r int4range[]
);
CREATE PUBLICATION cases FOR TABLE arrs;
