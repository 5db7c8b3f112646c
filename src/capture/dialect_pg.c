/*
 * dialect_pg: trigger capture for PostgreSQL (over ODBC, where logical decoding is not an
 * option). One plpgsql function per trigger builds JSON with row_to_json; appliers set
 * spoke.origin; gaps are proven with pg_current_snapshot(). Needs PostgreSQL 13 or later.
 */
#include "capture/dialect_impl.h"

#include <stdio.h>
#include <string.h>

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/*
 * format_type() names (columns_query resolves domains to their base type). NATURAL ones are
 * written by to_json as the logical decoding path writes them: numbers, booleans, ISO dates
 * and timestamps (fraction without trailing zeros), json embedded, strings. Arrays go through
 * to_json too (elements of numeric, timestamptz and bytea then differ from the logical path);
 * any other type is its text form.
 */
static const struct dtype pg_types[] = {
    {"smallint", DCOL_NATURAL},
    {"integer", DCOL_NATURAL},
    {"bigint", DCOL_NATURAL},
    {"oid", DCOL_NATURAL},
    {"real", DCOL_NATURAL},
    {"double precision", DCOL_NATURAL},
    {"numeric", DCOL_DECIMAL},
    {"boolean", DCOL_NATURAL},
    {"date", DCOL_NATURAL},
    {"time without time zone", DCOL_NATURAL},
    {"timestamp without time zone", DCOL_NATURAL},
    {"timestamp with time zone", DCOL_TIMESTAMPTZ},
    {"json", DCOL_NATURAL},
    {"jsonb", DCOL_NATURAL},
    {"bytea", DCOL_BINARY},
    {"text", DCOL_NATURAL},
    {"character varying", DCOL_NATURAL},
    {"character", DCOL_NATURAL},
    {"uuid", DCOL_NATURAL},
    {"interval", DCOL_TEXT_FORM},
};

static void pg_quote(struct buf *out, const char *ident)
{
	buf_addc(out, '"');
	for (; *ident; ident++) {
		if (*ident == '"')
			buf_addc(out, '"');
		buf_addc(out, *ident);
	}
	buf_addc(out, '"');
}

/*
 * A string literal read the same whatever standard_conforming_strings says (a function body is
 * parsed under the setting of the session that runs it): text with a backslash is an E'' literal.
 */
static void pg_literal(struct buf *out, const char *s)
{
	if (!strchr(s, '\\')) {
		dialect_add_literal(out, "", s);
		return;
	}
	buf_adds(out, "E'");
	for (; *s; s++) {
		if (*s == '\'' || *s == '\\')
			buf_addc(out, *s);
		buf_addc(out, *s);
	}
	buf_addc(out, '\'');
}

static bool pg_is_array(const char *type)
{
	size_t n = type ? strlen(type) : 0;

	return n > 2 && strcmp(type + n - 2, "[]") == 0;
}

/* Appends the value for column C whose reference is REF (NEW."c"). */
static void pg_value(struct buf *out, const struct dialect_column *c, const char *ref)
{
	enum dcol cls = dialect_class(pg_types, NELEM(pg_types), c->type, DCOL_TEXT_FORM);

	if (pg_is_array(c->type))
		cls = DCOL_NATURAL;
	switch (cls) {
	case DCOL_DECIMAL:
	case DCOL_TEXT_FORM: /* interval: ISO 8601, see pg_function */
		dialect_add_expr(out, "CAST({x} AS text)", ref);
		break;
	case DCOL_TIMESTAMPTZ: /* to_json of the UTC time is ISO with a T; infinity stays */
		dialect_add_expr(
		    out,
		    "CASE WHEN isfinite({x}) THEN (to_json({x} AT TIME ZONE 'UTC') #>> "
		    "'{}') || 'Z' ELSE CAST({x} AS text) END",
		    ref);
		break;
	case DCOL_BINARY: /* encode() breaks lines every 76 characters */
		dialect_add_expr(out, "translate(encode({x}, 'base64'), chr(10), '')", ref);
		break;
	default:
		buf_adds(out, ref);
		break;
	}
}

/*
 * Appends (SELECT row_to_json(j.*)::text FROM (SELECT value AS "col", ...) AS j): the JSON
 * object of T's columns (key columns only when KEYS) of ROW, keys in column order, one column
 * a line after INDENT. NULL for the key of a table without a primary key.
 */
static void pg_object(struct buf *out, const struct dialect_table *t, const char *row, bool keys,
                      const char *indent)
{
	struct buf ref = BUF_INIT;
	bool first = true;

	if (keys && dialect_nkeys(t) == 0) {
		buf_adds(out, "NULL");
		return;
	}
	buf_adds(out, "(SELECT CAST(row_to_json(j.*) AS text) FROM (SELECT");
	for (int i = 0; i < t->ncols; i++) {
		if (keys && !t->cols[i].key)
			continue;
		buf_adds(out, first ? "\n" : ",\n");
		buf_adds(out, indent);
		first = false;
		buf_reset(&ref);
		dialect_add_ref(&ref, pg_quote, row, t->cols[i].name);
		pg_value(out, &t->cols[i], buf_ok(&ref) ? ref.data : "NULL");
		buf_adds(out, " AS ");
		pg_quote(out, t->cols[i].name);
	}
	buf_adds(out, ") AS j)");
	if (!buf_ok(&ref))
		out->failed = true;
	buf_release(&ref);
}

static void pg_create_changelog(const char *changelog, struct stmt_list *out)
{
	struct buf b = BUF_INIT;

	buf_adds(&b, "CREATE TABLE ");
	dialect_add_name(&b, pg_quote, changelog);
	buf_adds(&b, " (\n"
	             "\t\"seq\" bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,\n"
	             "\t\"tx\" bigint,\n"
	             "\t\"schema_name\" text NOT NULL,\n"
	             "\t\"table_name\" text NOT NULL,\n"
	             "\t\"op\" char(1) NOT NULL,\n"
	             "\t\"pk\" text,\n"
	             "\t\"before\" text,\n"
	             "\t\"after\" text,\n"
	             "\t\"changed_at\" timestamptz NOT NULL\n"
	             ")");
	if (dialect_push(out, &b)) {
		buf_adds(&b, "COMMENT ON TABLE ");
		dialect_add_name(&b, pg_quote, changelog);
		buf_adds(&b, " IS 'spoke-managed: row changes written by triggers'");
		dialect_push(out, &b);
	}
	buf_release(&b);
}

static void pg_drop_changelog(const char *changelog, struct stmt_list *out)
{
	struct buf b = BUF_INIT;

	buf_adds(&b, "DROP TABLE IF EXISTS ");
	dialect_add_name(&b, pg_quote, changelog);
	dialect_push(out, &b);
	buf_release(&b);
}

/* The function body of one trigger. */
static void pg_body(struct buf *b, const struct dialect_table *t, const char *changelog,
                    const struct dialect_event *e)
{
	buf_adds(b, "\nBEGIN\n"
	            "\t-- spoke-managed: made by spoke setup, dropped by spoke teardown\n"
	            "\tIF coalesce(current_setting('spoke.origin', true), '') = '' THEN\n"
	            "\t\tINSERT INTO ");
	dialect_add_name(b, pg_quote, changelog);
	buf_adds(b, " (\"tx\", \"schema_name\", \"table_name\", \"op\", \"pk\", \"before\", "
	            "\"after\", \"changed_at\")\n\t\tVALUES (txid_current(), ");
	pg_literal(b, t->schema);
	buf_adds(b, ", ");
	pg_literal(b, t->name);
	buf_addf(b, ", '%c',\n\t\t\t", e->op);
	pg_object(b, t, e->op == 'd' ? "OLD" : "NEW", true, "\t\t\t\t");
	buf_adds(b, ",\n\t\t\t");
	if (e->op == 'c')
		buf_adds(b, "NULL");
	else
		pg_object(b, t, "OLD", false, "\t\t\t\t");
	buf_adds(b, ",\n\t\t\t");
	if (e->op == 'd')
		buf_adds(b, "NULL");
	else
		pg_object(b, t, "NEW", false, "\t\t\t\t");
	buf_adds(b, ",\n\t\t\tstatement_timestamp());\n\tEND IF;\n\tRETURN NULL;\nEND\n");
}

/* A dollar-quote tag that BODY does not contain: $spoke$, else $spoke1$, $spoke2$, ... */
static void pg_tag(char *tag, size_t n, const char *body)
{
	snprintf(tag, n, "$spoke$");
	for (int i = 1; body && strstr(body, tag); i++)
		snprintf(tag, n, "$spoke%d$", i);
}

static bool pg_has_interval(const struct dialect_table *t)
{
	for (int i = 0; i < t->ncols; i++)
		if (t->cols[i].type && strcmp(t->cols[i].type, "interval") == 0)
			return true;
	return false;
}

/*
 * CREATE FUNCTION for one trigger. An unqualified changelog is found with the search_path of
 * setup (SET ... FROM CURRENT), not with whatever the writing session has; intervals are
 * written in ISO 8601 as the logical decoding path writes them.
 */
static void pg_function(struct buf *b, const struct dialect_table *t, const char *changelog,
                        const struct dialect_event *e)
{
	struct buf body = BUF_INIT;
	char tag[32];

	pg_body(&body, t, changelog, e);
	pg_tag(tag, sizeof(tag), body.data);
	buf_adds(b, "CREATE OR REPLACE FUNCTION ");
	pg_quote(b, t->schema);
	buf_addc(b, '.');
	dialect_add_trigger_name(b, pg_quote, t, e->suffix);
	buf_adds(b, "() RETURNS trigger LANGUAGE plpgsql\n");
	if (!strchr(changelog, '.'))
		buf_adds(b, "SET search_path FROM CURRENT\n");
	if (pg_has_interval(t))
		buf_adds(b, "SET intervalstyle = 'iso_8601'\n");
	buf_addf(b, "AS %s", tag);
	buf_adds(b, body.data ? body.data : "");
	buf_adds(b, tag);
	if (!buf_ok(&body))
		b->failed = true;
	buf_release(&body);
}

static void pg_create_triggers(const struct dialect_table *t, const char *changelog,
                               struct stmt_list *out)
{
	struct buf b = BUF_INIT;

	for (size_t i = 0; i < NELEM(dialect_events); i++) {
		const struct dialect_event *e = &dialect_events[i];

		pg_function(&b, t, changelog, e);
		if (!dialect_push(out, &b))
			break;
		buf_adds(&b, "CREATE TRIGGER ");
		dialect_add_trigger_name(&b, pg_quote, t, e->suffix);
		buf_addf(&b, " AFTER %s ON ", e->when);
		pg_quote(&b, t->schema);
		buf_addc(&b, '.');
		pg_quote(&b, t->name);
		buf_adds(&b, " FOR EACH ROW EXECUTE FUNCTION ");
		pg_quote(&b, t->schema);
		buf_addc(&b, '.');
		dialect_add_trigger_name(&b, pg_quote, t, e->suffix);
		buf_adds(&b, "()");
		if (!dialect_push(out, &b))
			break;
	}
	buf_release(&b);
}

static void pg_drop_triggers(const struct dialect_table *t, struct stmt_list *out)
{
	struct buf b = BUF_INIT;

	for (size_t i = 0; i < NELEM(dialect_events); i++) {
		buf_adds(&b, "DROP TRIGGER IF EXISTS ");
		dialect_add_trigger_name(&b, pg_quote, t, dialect_events[i].suffix);
		buf_adds(&b, " ON ");
		pg_quote(&b, t->schema);
		buf_addc(&b, '.');
		pg_quote(&b, t->name);
		if (!dialect_push(out, &b))
			break;
		buf_adds(&b, "DROP FUNCTION IF EXISTS ");
		pg_quote(&b, t->schema);
		buf_addc(&b, '.');
		dialect_add_trigger_name(&b, pg_quote, t, dialect_events[i].suffix);
		buf_adds(&b, "()");
		if (!dialect_push(out, &b))
			break;
	}
	buf_release(&b);
}

/* The reader should run it with IntervalStyle iso_8601, as the trigger functions do. */
static void pg_select_rows(const struct dialect_table *t, struct buf *out)
{
	dialect_select_rows(out, t, pg_object, pg_quote);
}

/* Name, type (domains as their base type), scale, key, in column order. */
static const char pg_columns[] =
    "SELECT a.attname, format_type(x.ty, NULL), "
    "CASE WHEN x.ty = 'numeric'::regtype AND x.tm >= 4 THEN (x.tm - 4) & 65535 "
    "WHEN x.ty IN ('timestamp'::regtype, 'timestamptz'::regtype, 'time'::regtype, "
    "'timetz'::regtype, 'interval'::regtype) THEN CASE WHEN x.tm >= 0 THEN x.tm & 65535 ELSE 6 "
    "END ELSE 0 END, "
    "CASE WHEN EXISTS (SELECT 1 FROM pg_index i WHERE i.indrelid = c.oid AND i.indisprimary "
    "AND a.attnum = ANY (i.indkey)) THEN '1' ELSE '0' END "
    "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
    "JOIN pg_attribute a ON a.attrelid = c.oid JOIN pg_type t ON t.oid = a.atttypid "
    "CROSS JOIN LATERAL (SELECT CASE WHEN t.typtype = 'd' THEN t.typbasetype ELSE a.atttypid END "
    "AS ty, CASE WHEN t.typtype = 'd' THEN t.typtypmod ELSE a.atttypmod END AS tm) AS x "
    "WHERE n.nspname = ? AND c.relname = ? AND a.attnum > 0 AND NOT a.attisdropped "
    "ORDER BY a.attnum";

/* The body of each trigger is its function's source. */
static const char pg_triggers[] =
    "SELECT t.tgname, p.prosrc FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
    "JOIN pg_namespace n ON n.oid = c.relnamespace JOIN pg_proc p ON p.oid = t.tgfoid "
    "WHERE n.nspname = ? AND c.relname = ? AND NOT t.tgisinternal "
    "AND t.tgname LIKE 'spoke!_%' ESCAPE '!' ORDER BY t.tgname";

static const char pg_read[] =
    "SELECT \"seq\", \"tx\", \"schema_name\", \"table_name\", \"op\", \"pk\", \"before\", "
    "\"after\", to_char(\"changed_at\" AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US') FROM %s "
    "WHERE \"seq\" > CAST(? AS bigint) ORDER BY \"seq\" LIMIT CAST(? AS bigint)";

/*
 * Gap proof: a seq is taken by a transaction that already has an xid (the row change that
 * fired the trigger came first). The mark is a fresh xid (pg_current_xact_id() assigns one,
 * larger than every xid handed out before), so once the oldest running xid has reached it,
 * every transaction that could still fill a gap has ended. The snapshot's xmax would not do:
 * it is the latest completed xid + 1, and a transaction running with a newer xid is below
 * no mark taken from it. The mark query must run outside a read-only transaction.
 */
const struct dialect dialect_postgresql = {
    .name = "postgresql",
    .create_changelog = pg_create_changelog,
    .drop_changelog = pg_drop_changelog,
    .create_triggers = pg_create_triggers,
    .drop_triggers = pg_drop_triggers,
    .mark_session = "SELECT set_config('spoke.origin', 'spoke', false)",
    .columns_query = pg_columns,
    .triggers_query = pg_triggers,
    .max_seq_query = "SELECT coalesce(max(\"seq\"), 0) FROM %s",
    .read_query = pg_read,
    .purge_query = "DELETE FROM %s WHERE \"seq\" <= CAST(? AS bigint)",
    .gap_mark_query = "SELECT CAST(pg_current_xact_id() AS text)",
    .gap_proof_query = "SELECT CASE WHEN pg_snapshot_xmin(pg_current_snapshot()) >= "
                       "CAST(? AS xid8) THEN '1' ELSE '0' END",
    .select_rows = pg_select_rows,
    .begin_snapshot = "BEGIN ISOLATION LEVEL REPEATABLE READ",
    .reader_session = "SET lock_timeout = '1s'",
    .quote_ident = pg_quote,
    .upsert = UPSERT_ON_CONFLICT,
    .bool_true = "true",
    .bool_false = "false",
    .offsets_ddl = "CREATE TABLE IF NOT EXISTS spoke_offsets "
                   "(applier varchar(200) NOT NULL, topic varchar(249) NOT NULL, part integer NOT "
                   "NULL, next_offset bigint NOT NULL, PRIMARY KEY (applier, topic, part))",
    .current_schema_query = "SELECT current_schema()",
    .unique_query = "SELECT i.indexrelid::regclass::text, a.attname FROM pg_index i "
                    "JOIN pg_class c ON c.oid = i.indrelid JOIN pg_namespace n ON n.oid = "
                    "c.relnamespace CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(num, "
                    "pos) JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = k.num "
                    "WHERE n.nspname = ? AND c.relname = ? AND i.indisunique AND i.indpred IS "
                    "NULL ORDER BY 1, k.pos",
};
