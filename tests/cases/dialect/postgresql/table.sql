-- The sample table of expected.sql (test_dialect.c describes it as columns.txt).
CREATE SCHEMA app;
CREATE TYPE app.mood AS ENUM ('sad', 'happy');
CREATE TABLE app.every_type (
	id integer NOT NULL,
	code text NOT NULL,
	i_small smallint,
	i_big bigint,
	f_real real,
	f_double double precision,
	n_num numeric(12, 3),
	n_free numeric,
	b_bool boolean,
	d_date date,
	t_time time(3),
	t_timetz timetz,
	ts timestamp,
	ts_0 timestamp(0),
	tstz timestamptz,
	iv interval,
	s_varchar varchar(10),
	s_char char(5),
	u_uuid uuid,
	e_enum app.mood,
	j_json json,
	j_jsonb jsonb,
	bin bytea,
	arr integer[],
	"it's ""odd"" \ $spoke$" text,
	PRIMARY KEY (id, code)
);
