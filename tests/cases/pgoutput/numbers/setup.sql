-- Integer, float and numeric columns at their edges.
CREATE TABLE nums (
	id int PRIMARY KEY,
	i2 int2, i4 int4, i8 int8, o oid,
	f4 float4, f8 float8,
	n numeric, n2 numeric(12, 2)
);
CREATE PUBLICATION cases FOR TABLE nums;
