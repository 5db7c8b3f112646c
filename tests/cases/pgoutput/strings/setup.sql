-- Types that become JSON strings: text-like, network, interval, xml, money, bit strings, search.
CREATE TABLE strs (
	id int PRIMARY KEY,
	t text, vc varchar(20), bp char(5), c "char", nm name, u uuid,
	ip inet, net cidr, mac macaddr, mac8 macaddr8, iv interval, x xml, m money,
	b bit(4), vb varbit, tsv tsvector, tsq tsquery, tz timetz, pt point
);
CREATE PUBLICATION cases FOR TABLE strs;
