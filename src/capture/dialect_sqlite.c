/*
 * dialect_sqlite: trigger capture for SQLite (over ODBC). Row triggers build JSON with
 * json_object from the values as stored (SQLite types values, not columns); appliers attach an
 * in-memory database named spoke_origin, which the triggers look for; gaps cannot happen.
 * Tables of the main database only: a trigger may only write tables of its own database, and
 * tx is NULL (SQLite has no transaction id).
 */
#include "capture/dialect_impl.h"

#include <string.h>

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* json_object takes at most SQLITE_MAX_FUNCTION_ARG (127 by default) arguments. */
#define PAIRS_PER_OBJECT 60

/*
 * Declared type names, lower case, without "(...)". Everything else is written as stored:
 * integers and reals as numbers, text as strings. SQLite types values, not columns, so a BLOB
 * value can sit in any column: in a binary column (declared BLOB, *BINARY, or without a type)
 * it becomes base64, in any other its SQL literal text X'0102' (quote()), which keeps the
 * triggers of ordinary columns small (SQLite compiles them into every statement that fires
 * them).
 */
static const struct dtype sl_types[] = {
    {"bool", DCOL_BOOL},       {"boolean", DCOL_BOOL},      {"decimal", DCOL_DECIMAL},
    {"numeric", DCOL_DECIMAL}, {"datetime", DCOL_DATETIME}, {"timestamp", DCOL_DATETIME},
};

/*
 * Base64 of the blob {x} in plain SQL (SQLite has no such function): json_each over an array
 * of ceil(n / 3) zeros numbers the 3-byte groups; a byte's value is its position in a blob of
 * the 256 byte values (instr and substr count bytes in blobs), three bytes make a 24-bit
 * number and that number four characters of the alphabet ('=' past the end). About 0.4 s per
 * MB; hex() and text digits instead take four times as long.
 */
#define B64_ALPHABET "'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'"
#define BYTES                                                                                      \
	"X'"                                                                                       \
	"000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F202122232425262728292A2B" \
	"2C2D2E2F303132333435363738393A3B3C3D3E3F404142434445464748494A4B4C4D4E4F5051525354555657" \
	"58595A5B5C5D5E5F606162636465666768696A6B6C6D6E6F707172737475767778797A7B7C7D7E7F80818283" \
	"8485868788898A8B8C8D8E8F909192939495969798999A9B9C9D9E9FA0A1A2A3A4A5A6A7A8A9AAABACADAEAF" \
	"B0B1B2B3B4B5B6B7B8B9BABBBCBDBEBFC0C1C2C3C4C5C6C7C8C9CACBCCCDCECFD0D1D2D3D4D5D6D7D8D9DADB" \
	"DCDDDEDFE0E1E2E3E4E5E6E7E8E9EAEBECEDEEEFF0F1F2F3F4F5F6F7F8F9FAFBFCFDFEFF'"
#define BYTE(i) "(instr(" BYTES ", substr({x}, j.key * 3 + " #i ", 1)) - 1)"
#define CHAR(n) "substr(" B64_ALPHABET ", " n " + 1, 1)"
/* clang-format off */
static const char sl_base64[] =
	"(SELECT coalesce(group_concat("
		CHAR("(n >> 18)") " || " CHAR("((n >> 12) & 63)") " || "
		"CASE WHEN r < 2 THEN '=' ELSE " CHAR("((n >> 6) & 63)") " END || "
		"CASE WHEN r < 3 THEN '=' ELSE " CHAR("(n & 63)") " END, ''), '') "
	"FROM (SELECT length({x}) - j.key * 3 AS r, "
		"(" BYTE(1) " << 16) | (" BYTE(2) " << 8) | " BYTE(3) " AS n "
	"FROM json_each('[' || substr(replace(hex(zeroblob((length({x}) + 2) / 3)), '00', ',0'), 2) "
		"|| ']') AS j ORDER BY j.key))";
/* clang-format on */

static void sl_quote(struct buf *out, const char *ident)
{
	buf_addc(out, '"');
	for (; *ident; ident++) {
		if (*ident == '"')
			buf_addc(out, '"');
		buf_addc(out, *ident);
	}
	buf_addc(out, '"');
}

/* Declared BLOB, BINARY, VARBINARY(16), or no type at all (BLOB affinity). */
static bool sl_is_binary(const char *type)
{
	return !type || !*type || strstr(type, "blob") || strstr(type, "binary");
}

/* The value of {x} by its declared type, for values that are not blobs. */
static const char *sl_template(const struct dialect_column *c)
{
	switch (dialect_class(sl_types, NELEM(sl_types), c->type, DCOL_NATURAL)) {
	case DCOL_BOOL:
		return "CASE WHEN typeof({x}) IN ('integer', 'real') THEN json(CASE WHEN {x} THEN "
		       "'true' ELSE 'false' END) ELSE {x} END";
	case DCOL_DECIMAL:
		return "CAST({x} AS TEXT)";
	case DCOL_DATETIME: /* stored text "2026-11-23 10:00:00.123" gets its T */
		return "CASE WHEN {x} GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9] "
		       "[0-9][0-9]:*' THEN substr({x}, 1, 10) || 'T' || substr({x}, 12) ELSE {x} "
		       "END";
	default:
		return "{x}";
	}
}

/* Appends the json_object value for column C whose reference is REF (NEW."c"). */
static void sl_value(struct buf *out, const struct dialect_column *c, const char *ref)
{
	dialect_add_expr(out, "CASE typeof({x}) WHEN 'blob' THEN ", ref);
	dialect_add_expr(out, sl_is_binary(c->type) ? sl_base64 : "quote({x})", ref);
	buf_adds(out, " ELSE ");
	dialect_add_expr(out, sl_template(c), ref);
	buf_adds(out, " END");
}

/* Appends json_object(...) of columns FROM..TO of T (keys only when KEYS) of ROW. */
static void sl_chunk(struct buf *out, const struct dialect_table *t, const char *row, bool keys,
                     int from, int to, const char *indent)
{
	struct buf ref = BUF_INIT;
	bool first = true;

	buf_adds(out, "json_object(");
	for (int i = from; i < to; i++) {
		if (keys && !t->cols[i].key)
			continue;
		buf_adds(out, first ? "\n" : ",\n");
		buf_adds(out, indent);
		first = false;
		buf_reset(&ref);
		dialect_add_ref(&ref, sl_quote, row, t->cols[i].name);
		dialect_add_literal(out, "", t->cols[i].name);
		buf_adds(out, ", ");
		sl_value(out, &t->cols[i], buf_ok(&ref) ? ref.data : "NULL");
	}
	buf_addc(out, ')');
	if (!buf_ok(&ref))
		out->failed = true;
	buf_release(&ref);
}

/* The number of pairs of T's object (key columns only when KEYS). */
static int sl_pairs(const struct dialect_table *t, bool keys)
{
	return keys ? dialect_nkeys(t) : t->ncols;
}

/* The index after the column that ends the chunk of PAIRS_PER_OBJECT pairs starting at FROM. */
static int sl_chunk_end(const struct dialect_table *t, bool keys, int from)
{
	int pairs = 0, i;

	for (i = from; i < t->ncols && pairs < PAIRS_PER_OBJECT; i++)
		pairs += !keys || t->cols[i].key;
	return i;
}

/*
 * Appends the JSON object of T's columns (key columns only when KEYS) of ROW: one json_object,
 * or for wide tables several joined as text ("{a}" "{b}" -> "{a,b}"). NULL for the key of a
 * table without a primary key.
 */
static void sl_object(struct buf *out, const struct dialect_table *t, const char *row, bool keys,
                      const char *indent)
{
	int n = sl_pairs(t, keys), chunks = (n + PAIRS_PER_OBJECT - 1) / PAIRS_PER_OBJECT, from = 0;

	if (n == 0 && keys) {
		buf_adds(out, "NULL");
		return;
	}
	if (chunks <= 1) {
		sl_chunk(out, t, row, keys, 0, t->ncols, indent);
		return;
	}
	buf_adds(out, "(SELECT '{'");
	for (int k = 0; k < chunks; k++)
		buf_addf(out, " || %ssubstr(c%d, 2, length(c%d) - 2)", k ? "',' || " : "", k, k);
	buf_adds(out, " || '}' FROM (SELECT ");
	for (int k = 0; k < chunks; k++) {
		int to = k == chunks - 1 ? t->ncols : sl_chunk_end(t, keys, from);

		buf_adds(out, k ? ",\n" : "");
		buf_adds(out, k ? indent : "");
		sl_chunk(out, t, row, keys, from, to, indent);
		buf_addf(out, " AS c%d", k);
		from = to;
	}
	buf_adds(out, "))");
}

static void sl_create_changelog(const char *changelog, struct stmt_list *out)
{
	struct buf b = BUF_INIT;

	buf_adds(&b, "CREATE TABLE ");
	dialect_add_name(&b, sl_quote, changelog);
	buf_adds(&b, " (\n"
	             "\t\"seq\" INTEGER PRIMARY KEY AUTOINCREMENT, -- spoke-managed\n"
	             "\t\"tx\" INTEGER,\n"
	             "\t\"schema_name\" TEXT NOT NULL,\n"
	             "\t\"table_name\" TEXT NOT NULL,\n"
	             "\t\"op\" CHAR(1) NOT NULL,\n"
	             "\t\"pk\" TEXT,\n"
	             "\t\"before\" TEXT,\n"
	             "\t\"after\" TEXT,\n"
	             "\t\"changed_at\" TEXT NOT NULL -- UTC, milliseconds\n"
	             ")");
	dialect_push(out, &b);
	buf_release(&b);
}

static void sl_drop_changelog(const char *changelog, struct stmt_list *out)
{
	struct buf b = BUF_INIT;

	buf_adds(&b, "DROP TABLE IF EXISTS ");
	dialect_add_name(&b, sl_quote, changelog);
	dialect_push(out, &b);
	buf_release(&b);
}

/* The INSERT of one trigger; a trigger names tables without their schema. */
static void sl_insert(struct buf *b, const struct dialect_table *t, const char *changelog,
                      const struct dialect_event *e)
{
	buf_adds(b, "\tINSERT INTO ");
	sl_quote(b, dialect_base_name(changelog));
	buf_adds(b, " (\"tx\", \"schema_name\", \"table_name\", \"op\", \"pk\", \"before\", "
	            "\"after\", \"changed_at\")\n\tVALUES (NULL, ");
	dialect_add_literal(b, "", t->schema);
	buf_adds(b, ", ");
	dialect_add_literal(b, "", t->name);
	buf_addf(b, ", '%c',\n\t\t", e->op);
	sl_object(b, t, e->op == 'd' ? "OLD" : "NEW", true, "\t\t\t");
	buf_adds(b, ",\n\t\t");
	if (e->op == 'c')
		buf_adds(b, "NULL");
	else
		sl_object(b, t, "OLD", false, "\t\t\t");
	buf_adds(b, ",\n\t\t");
	if (e->op == 'd')
		buf_adds(b, "NULL");
	else
		sl_object(b, t, "NEW", false, "\t\t\t");
	buf_adds(b, ",\n\t\tstrftime('%Y-%m-%d %H:%M:%f', 'now'));\n");
}

/*
 * The origin check: a trigger of the main database cannot name a TEMP table (temp.x is refused
 * when the trigger is created, an unqualified name is looked up in main), but it can read the
 * connection's list of attached databases. With PRAGMA trusted_schema=OFF that table-valued
 * pragma is refused inside triggers: writes to captured tables then fail loudly.
 */
static void sl_create_triggers(const struct dialect_table *t, const char *changelog,
                               struct stmt_list *out)
{
	struct buf b = BUF_INIT;

	for (size_t i = 0; i < NELEM(dialect_events); i++) {
		const struct dialect_event *e = &dialect_events[i];

		buf_adds(&b, "CREATE TRIGGER ");
		sl_quote(&b, t->schema);
		buf_addc(&b, '.');
		dialect_add_trigger_name(&b, sl_quote, t, e->suffix);
		buf_addf(&b, " AFTER %s ON ", e->when);
		sl_quote(&b, t->name);
		buf_adds(&b,
		         " FOR EACH ROW\nWHEN NOT EXISTS (SELECT 1 FROM pragma_database_list "
		         "WHERE name = 'spoke_origin')\nBEGIN\n"
		         "\t/* spoke-managed: made by spoke setup, dropped by spoke teardown */\n");
		sl_insert(&b, t, changelog, e);
		buf_adds(&b, "END");
		if (!dialect_push(out, &b))
			break;
	}
	buf_release(&b);
}

static void sl_drop_triggers(const struct dialect_table *t, struct stmt_list *out)
{
	struct buf b = BUF_INIT;

	for (size_t i = 0; i < NELEM(dialect_events); i++) {
		buf_adds(&b, "DROP TRIGGER IF EXISTS ");
		sl_quote(&b, t->schema);
		buf_addc(&b, '.');
		dialect_add_trigger_name(&b, sl_quote, t, dialect_events[i].suffix);
		if (!dialect_push(out, &b))
			break;
	}
	buf_release(&b);
}

static void sl_select_rows(const struct dialect_table *t, struct buf *out)
{
	dialect_select_rows(out, t, sl_object, sl_quote);
}

/* The parameters come in through a subquery: pragma_table_info takes (table, schema). */
static const char sl_columns[] =
    "SELECT p.name, lower(trim(CASE WHEN instr(p.type, '(') > 0 THEN substr(p.type, 1, "
    "instr(p.type, '(') - 1) ELSE p.type END)), 0, CASE WHEN p.pk > 0 THEN '1' ELSE '0' END "
    "FROM (SELECT ? AS s, ? AS t) AS q, pragma_table_info(q.t, q.s) AS p ORDER BY p.cid";

static const char sl_triggers[] =
    "SELECT m.name, m.sql FROM (SELECT ? AS s, ? AS t) AS q, sqlite_master AS m "
    "WHERE q.s = 'main' AND m.type = 'trigger' AND m.tbl_name = q.t "
    "AND m.name LIKE 'spoke!_%' ESCAPE '!' ORDER BY m.name";

static const char sl_read[] =
    "SELECT \"seq\", \"tx\", \"schema_name\", \"table_name\", \"op\", \"pk\", \"before\", "
    "\"after\", \"changed_at\" || '000' FROM %s WHERE \"seq\" > CAST(? AS INTEGER) "
    "ORDER BY \"seq\" LIMIT CAST(? AS INTEGER)";

/*
 * No gap can be filled later: SQLite has one writer at a time, so a reader only ever sees a
 * committed prefix of seq, and a seq of a transaction that rolled back is taken again by the
 * next writer (AUTOINCREMENT's counter rolls back with it). The proof is always "1" (the
 * subquery only takes the mark parameter).
 */
const struct dialect dialect_sqlite = {
    .name = "sqlite",
    .create_changelog = sl_create_changelog,
    .drop_changelog = sl_drop_changelog,
    .create_triggers = sl_create_triggers,
    .drop_triggers = sl_drop_triggers,
    .mark_session = "ATTACH DATABASE ':memory:' AS spoke_origin",
    .columns_query = sl_columns,
    .triggers_query = sl_triggers,
    .max_seq_query = "SELECT coalesce(max(\"seq\"), 0) FROM %s",
    .read_query = sl_read,
    .purge_query = "DELETE FROM %s WHERE \"seq\" <= CAST(? AS INTEGER)",
    .gap_mark_query = "SELECT '0'",
    .gap_proof_query = "SELECT '1' FROM (SELECT ? AS mark)",
    .select_rows = sl_select_rows,
    .begin_snapshot = "BEGIN",
    .quote_ident = sl_quote,
    .upsert = UPSERT_ON_CONFLICT,
    .bool_true = "1",
    .bool_false = "0",
    .offsets_ddl = "CREATE TABLE IF NOT EXISTS spoke_offsets "
                   "(applier varchar(200) NOT NULL, topic varchar(249) NOT NULL, part integer NOT "
                   "NULL, next_offset bigint NOT NULL, PRIMARY KEY (applier, topic, part))",
    .current_schema_query = "SELECT 'main'",
    .unique_query = "SELECT l.name, i.name FROM (SELECT ? AS s, ? AS t) AS q, "
                    "pragma_index_list(q.t, q.s) AS l, pragma_index_info(l.name, q.s) AS i "
                    "WHERE l.\"unique\" = 1 ORDER BY l.name, i.seqno",
};
