-- spoke:create_changelog
CREATE TABLE "spoke_changelog" (
	"seq" bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	"tx" bigint,
	"schema_name" text NOT NULL,
	"table_name" text NOT NULL,
	"op" char(1) NOT NULL,
	"pk" text,
	"before" text,
	"after" text,
	"changed_at" timestamptz NOT NULL
)
-- spoke:create_changelog
COMMENT ON TABLE "spoke_changelog" IS 'spoke-managed: row changes written by triggers'
-- spoke:create_triggers
CREATE OR REPLACE FUNCTION "app"."spoke_every_type_ins"() RETURNS trigger LANGUAGE plpgsql
SET search_path FROM CURRENT
SET intervalstyle = 'iso_8601'
AS $spoke1$
BEGIN
	-- spoke-managed: made by spoke setup, dropped by spoke teardown
	IF coalesce(current_setting('spoke.origin', true), '') = '' THEN
		INSERT INTO "spoke_changelog" ("tx", "schema_name", "table_name", "op", "pk", "before", "after", "changed_at")
		VALUES (txid_current(), 'app', 'every_type', 'c',
			(SELECT CAST(row_to_json(j.*) AS text) FROM (SELECT
				NEW."id" AS "id",
				NEW."code" AS "code") AS j),
			NULL,
			(SELECT CAST(row_to_json(j.*) AS text) FROM (SELECT
				NEW."id" AS "id",
				NEW."code" AS "code",
				NEW."i_small" AS "i_small",
				NEW."i_big" AS "i_big",
				NEW."f_real" AS "f_real",
				NEW."f_double" AS "f_double",
				CAST(NEW."n_num" AS text) AS "n_num",
				CAST(NEW."n_free" AS text) AS "n_free",
				NEW."b_bool" AS "b_bool",
				NEW."d_date" AS "d_date",
				NEW."t_time" AS "t_time",
				CAST(NEW."t_timetz" AS text) AS "t_timetz",
				NEW."ts" AS "ts",
				NEW."ts_0" AS "ts_0",
				CASE WHEN isfinite(NEW."tstz") THEN (to_json(NEW."tstz" AT TIME ZONE 'UTC') #>> '{}') || 'Z' ELSE CAST(NEW."tstz" AS text) END AS "tstz",
				CAST(NEW."iv" AS text) AS "iv",
				NEW."s_varchar" AS "s_varchar",
				NEW."s_char" AS "s_char",
				NEW."u_uuid" AS "u_uuid",
				CAST(NEW."e_enum" AS text) AS "e_enum",
				NEW."j_json" AS "j_json",
				NEW."j_jsonb" AS "j_jsonb",
				translate(encode(NEW."bin", 'base64'), chr(10), '') AS "bin",
				NEW."arr" AS "arr",
				NEW."it's ""odd"" \ $spoke$" AS "it's ""odd"" \ $spoke$") AS j),
			statement_timestamp());
	END IF;
	RETURN NULL;
END
$spoke1$
-- spoke:create_triggers
CREATE TRIGGER "spoke_every_type_ins" AFTER INSERT ON "app"."every_type" FOR EACH ROW EXECUTE FUNCTION "app"."spoke_every_type_ins"()
-- spoke:create_triggers
CREATE OR REPLACE FUNCTION "app"."spoke_every_type_upd"() RETURNS trigger LANGUAGE plpgsql
SET search_path FROM CURRENT
SET intervalstyle = 'iso_8601'
AS $spoke1$
BEGIN
	-- spoke-managed: made by spoke setup, dropped by spoke teardown
	IF coalesce(current_setting('spoke.origin', true), '') = '' THEN
		INSERT INTO "spoke_changelog" ("tx", "schema_name", "table_name", "op", "pk", "before", "after", "changed_at")
		VALUES (txid_current(), 'app', 'every_type', 'u',
			(SELECT CAST(row_to_json(j.*) AS text) FROM (SELECT
				NEW."id" AS "id",
				NEW."code" AS "code") AS j),
			(SELECT CAST(row_to_json(j.*) AS text) FROM (SELECT
				OLD."id" AS "id",
				OLD."code" AS "code",
				OLD."i_small" AS "i_small",
				OLD."i_big" AS "i_big",
				OLD."f_real" AS "f_real",
				OLD."f_double" AS "f_double",
				CAST(OLD."n_num" AS text) AS "n_num",
				CAST(OLD."n_free" AS text) AS "n_free",
				OLD."b_bool" AS "b_bool",
				OLD."d_date" AS "d_date",
				OLD."t_time" AS "t_time",
				CAST(OLD."t_timetz" AS text) AS "t_timetz",
				OLD."ts" AS "ts",
				OLD."ts_0" AS "ts_0",
				CASE WHEN isfinite(OLD."tstz") THEN (to_json(OLD."tstz" AT TIME ZONE 'UTC') #>> '{}') || 'Z' ELSE CAST(OLD."tstz" AS text) END AS "tstz",
				CAST(OLD."iv" AS text) AS "iv",
				OLD."s_varchar" AS "s_varchar",
				OLD."s_char" AS "s_char",
				OLD."u_uuid" AS "u_uuid",
				CAST(OLD."e_enum" AS text) AS "e_enum",
				OLD."j_json" AS "j_json",
				OLD."j_jsonb" AS "j_jsonb",
				translate(encode(OLD."bin", 'base64'), chr(10), '') AS "bin",
				OLD."arr" AS "arr",
				OLD."it's ""odd"" \ $spoke$" AS "it's ""odd"" \ $spoke$") AS j),
			(SELECT CAST(row_to_json(j.*) AS text) FROM (SELECT
				NEW."id" AS "id",
				NEW."code" AS "code",
				NEW."i_small" AS "i_small",
				NEW."i_big" AS "i_big",
				NEW."f_real" AS "f_real",
				NEW."f_double" AS "f_double",
				CAST(NEW."n_num" AS text) AS "n_num",
				CAST(NEW."n_free" AS text) AS "n_free",
				NEW."b_bool" AS "b_bool",
				NEW."d_date" AS "d_date",
				NEW."t_time" AS "t_time",
				CAST(NEW."t_timetz" AS text) AS "t_timetz",
				NEW."ts" AS "ts",
				NEW."ts_0" AS "ts_0",
				CASE WHEN isfinite(NEW."tstz") THEN (to_json(NEW."tstz" AT TIME ZONE 'UTC') #>> '{}') || 'Z' ELSE CAST(NEW."tstz" AS text) END AS "tstz",
				CAST(NEW."iv" AS text) AS "iv",
				NEW."s_varchar" AS "s_varchar",
				NEW."s_char" AS "s_char",
				NEW."u_uuid" AS "u_uuid",
				CAST(NEW."e_enum" AS text) AS "e_enum",
				NEW."j_json" AS "j_json",
				NEW."j_jsonb" AS "j_jsonb",
				translate(encode(NEW."bin", 'base64'), chr(10), '') AS "bin",
				NEW."arr" AS "arr",
				NEW."it's ""odd"" \ $spoke$" AS "it's ""odd"" \ $spoke$") AS j),
			statement_timestamp());
	END IF;
	RETURN NULL;
END
$spoke1$
-- spoke:create_triggers
CREATE TRIGGER "spoke_every_type_upd" AFTER UPDATE ON "app"."every_type" FOR EACH ROW EXECUTE FUNCTION "app"."spoke_every_type_upd"()
-- spoke:create_triggers
CREATE OR REPLACE FUNCTION "app"."spoke_every_type_del"() RETURNS trigger LANGUAGE plpgsql
SET search_path FROM CURRENT
SET intervalstyle = 'iso_8601'
AS $spoke1$
BEGIN
	-- spoke-managed: made by spoke setup, dropped by spoke teardown
	IF coalesce(current_setting('spoke.origin', true), '') = '' THEN
		INSERT INTO "spoke_changelog" ("tx", "schema_name", "table_name", "op", "pk", "before", "after", "changed_at")
		VALUES (txid_current(), 'app', 'every_type', 'd',
			(SELECT CAST(row_to_json(j.*) AS text) FROM (SELECT
				OLD."id" AS "id",
				OLD."code" AS "code") AS j),
			(SELECT CAST(row_to_json(j.*) AS text) FROM (SELECT
				OLD."id" AS "id",
				OLD."code" AS "code",
				OLD."i_small" AS "i_small",
				OLD."i_big" AS "i_big",
				OLD."f_real" AS "f_real",
				OLD."f_double" AS "f_double",
				CAST(OLD."n_num" AS text) AS "n_num",
				CAST(OLD."n_free" AS text) AS "n_free",
				OLD."b_bool" AS "b_bool",
				OLD."d_date" AS "d_date",
				OLD."t_time" AS "t_time",
				CAST(OLD."t_timetz" AS text) AS "t_timetz",
				OLD."ts" AS "ts",
				OLD."ts_0" AS "ts_0",
				CASE WHEN isfinite(OLD."tstz") THEN (to_json(OLD."tstz" AT TIME ZONE 'UTC') #>> '{}') || 'Z' ELSE CAST(OLD."tstz" AS text) END AS "tstz",
				CAST(OLD."iv" AS text) AS "iv",
				OLD."s_varchar" AS "s_varchar",
				OLD."s_char" AS "s_char",
				OLD."u_uuid" AS "u_uuid",
				CAST(OLD."e_enum" AS text) AS "e_enum",
				OLD."j_json" AS "j_json",
				OLD."j_jsonb" AS "j_jsonb",
				translate(encode(OLD."bin", 'base64'), chr(10), '') AS "bin",
				OLD."arr" AS "arr",
				OLD."it's ""odd"" \ $spoke$" AS "it's ""odd"" \ $spoke$") AS j),
			NULL,
			statement_timestamp());
	END IF;
	RETURN NULL;
END
$spoke1$
-- spoke:create_triggers
CREATE TRIGGER "spoke_every_type_del" AFTER DELETE ON "app"."every_type" FOR EACH ROW EXECUTE FUNCTION "app"."spoke_every_type_del"()
-- spoke:select_rows
SELECT (SELECT CAST(row_to_json(j.*) AS text) FROM (SELECT
	r."id" AS "id",
	r."code" AS "code") AS j),
(SELECT CAST(row_to_json(j.*) AS text) FROM (SELECT
	r."id" AS "id",
	r."code" AS "code",
	r."i_small" AS "i_small",
	r."i_big" AS "i_big",
	r."f_real" AS "f_real",
	r."f_double" AS "f_double",
	CAST(r."n_num" AS text) AS "n_num",
	CAST(r."n_free" AS text) AS "n_free",
	r."b_bool" AS "b_bool",
	r."d_date" AS "d_date",
	r."t_time" AS "t_time",
	CAST(r."t_timetz" AS text) AS "t_timetz",
	r."ts" AS "ts",
	r."ts_0" AS "ts_0",
	CASE WHEN isfinite(r."tstz") THEN (to_json(r."tstz" AT TIME ZONE 'UTC') #>> '{}') || 'Z' ELSE CAST(r."tstz" AS text) END AS "tstz",
	CAST(r."iv" AS text) AS "iv",
	r."s_varchar" AS "s_varchar",
	r."s_char" AS "s_char",
	r."u_uuid" AS "u_uuid",
	CAST(r."e_enum" AS text) AS "e_enum",
	r."j_json" AS "j_json",
	r."j_jsonb" AS "j_jsonb",
	translate(encode(r."bin", 'base64'), chr(10), '') AS "bin",
	r."arr" AS "arr",
	r."it's ""odd"" \ $spoke$" AS "it's ""odd"" \ $spoke$") AS j)
FROM "app"."every_type" AS r
-- spoke:mark_session
SELECT set_config('spoke.origin', 'spoke', false)
-- spoke:columns_query
SELECT a.attname, format_type(x.ty, NULL), CASE WHEN x.ty = 'numeric'::regtype AND x.tm >= 4 THEN (x.tm - 4) & 65535 WHEN x.ty IN ('timestamp'::regtype, 'timestamptz'::regtype, 'time'::regtype, 'timetz'::regtype, 'interval'::regtype) THEN CASE WHEN x.tm >= 0 THEN x.tm & 65535 ELSE 6 END ELSE 0 END, CASE WHEN EXISTS (SELECT 1 FROM pg_index i WHERE i.indrelid = c.oid AND i.indisprimary AND a.attnum = ANY (i.indkey)) THEN '1' ELSE '0' END FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace JOIN pg_attribute a ON a.attrelid = c.oid JOIN pg_type t ON t.oid = a.atttypid CROSS JOIN LATERAL (SELECT CASE WHEN t.typtype = 'd' THEN t.typbasetype ELSE a.atttypid END AS ty, CASE WHEN t.typtype = 'd' THEN t.typtypmod ELSE a.atttypmod END AS tm) AS x WHERE n.nspname = ? AND c.relname = ? AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum
-- spoke:triggers_query
SELECT t.tgname, p.prosrc FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace JOIN pg_proc p ON p.oid = t.tgfoid WHERE n.nspname = ? AND c.relname = ? AND NOT t.tgisinternal AND t.tgname LIKE 'spoke!_%' ESCAPE '!' ORDER BY t.tgname
-- spoke:max_seq_query
SELECT coalesce(max("seq"), 0) FROM "spoke_changelog"
-- spoke:read_query
SELECT "seq", "tx", "schema_name", "table_name", "op", "pk", "before", "after", to_char("changed_at" AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US') FROM "spoke_changelog" WHERE "seq" > CAST(? AS bigint) ORDER BY "seq" LIMIT CAST(? AS bigint)
-- spoke:purge_query
DELETE FROM "spoke_changelog" WHERE "seq" <= CAST(? AS bigint)
-- spoke:gap_mark_query
SELECT CAST(pg_current_xact_id() AS text)
-- spoke:gap_proof_query
SELECT CASE WHEN pg_snapshot_xmin(pg_current_snapshot()) >= CAST(? AS xid8) THEN '1' ELSE '0' END
-- spoke:begin_snapshot
BEGIN ISOLATION LEVEL REPEATABLE READ
-- spoke:drop_triggers
DROP TRIGGER IF EXISTS "spoke_every_type_ins" ON "app"."every_type"
-- spoke:drop_triggers
DROP FUNCTION IF EXISTS "app"."spoke_every_type_ins"()
-- spoke:drop_triggers
DROP TRIGGER IF EXISTS "spoke_every_type_upd" ON "app"."every_type"
-- spoke:drop_triggers
DROP FUNCTION IF EXISTS "app"."spoke_every_type_upd"()
-- spoke:drop_triggers
DROP TRIGGER IF EXISTS "spoke_every_type_del" ON "app"."every_type"
-- spoke:drop_triggers
DROP FUNCTION IF EXISTS "app"."spoke_every_type_del"()
-- spoke:drop_changelog
DROP TABLE IF EXISTS "spoke_changelog"
