-- Dates, times and timestamps with and without fractions, infinities, BC and large years.
CREATE TABLE times (
	id int PRIMARY KEY,
	d date, t time, ts timestamp, tstz timestamptz, ts0 timestamp(0), tstz3 timestamptz(3)
);
CREATE PUBLICATION cases FOR TABLE times;
