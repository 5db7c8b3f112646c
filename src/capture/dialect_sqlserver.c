/*
 * dialect_sqlserver: trigger capture for SQL Server 2016 and later (over ODBC). Statement
 * triggers read the inserted and deleted tables and build JSON per row with FOR JSON PATH;
 * appliers set SESSION_CONTEXT(N'spoke_origin'); gaps are proven with
 * sys.dm_tran_active_transactions. Not run against a server in this project's tests: its
 * golden SQL (tests/cases/dialect/sqlserver) is the only check.
 */
#include "capture/dialect_impl.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/*
 * Type names as TYPE_NAME() gives them. Everything else is left to FOR JSON: numbers, bit as
 * true/false, binary types as base64, date as "2026-11-23", strings (uniqueidentifier too).
 * xml is cast to text; CLR types are refused by FOR JSON: their text form is ToString().
 */
static const struct dtype sv_types[] = {
    {"decimal", DCOL_DECIMAL},
    {"numeric", DCOL_DECIMAL},
    {"money", DCOL_MONEY},
    {"smallmoney", DCOL_MONEY},
    {"time", DCOL_TIME},
    {"datetime2", DCOL_DATETIME},
    {"datetime", DCOL_DATETIME},
    {"smalldatetime", DCOL_DATETIME},
    {"datetimeoffset", DCOL_TIMESTAMPTZ},
    {"xml", DCOL_STRING},
    {"geometry", DCOL_TEXT_FORM},
    {"geography", DCOL_TEXT_FORM},
    {"hierarchyid", DCOL_TEXT_FORM},
};

static void sv_quote(struct buf *out, const char *ident)
{
	buf_addc(out, '[');
	for (; *ident; ident++) {
		if (*ident == ']')
			buf_addc(out, ']');
		buf_addc(out, *ident);
	}
	buf_addc(out, ']');
}

/* Appends the FOR JSON value for column C whose reference is REF (i.[c], d.[c]). */
static void sv_value(struct buf *out, const struct dialect_column *c, const char *ref)
{
	switch (dialect_class(sv_types, NELEM(sv_types), c->type, DCOL_NATURAL)) {
	case DCOL_DECIMAL:
		dialect_add_expr(out, "CONVERT(varchar(48), {x})", ref);
		break;
	case DCOL_MONEY: /* style 2: all four decimals, no thousands separators */
		dialect_add_expr(out, "CONVERT(varchar(48), {x}, 2)", ref);
		break;
	case DCOL_TIME:
		dialect_add_expr(out, "CONVERT(varchar(16), {x})", ref);
		break;
	case DCOL_DATETIME: /* style 121 has every digit of the scale; T replaces the blank */
		dialect_add_expr(out, "STUFF(CONVERT(varchar(27), {x}, 121), 11, 1, 'T')", ref);
		break;
	case DCOL_TIMESTAMPTZ:
		dialect_add_expr(out,
		                 "CASE WHEN {x} IS NULL THEN NULL ELSE STUFF(CONVERT(varchar(27), "
		                 "CAST(SWITCHOFFSET({x}, '+00:00') AS ",
		                 ref);
		buf_addf(out, "datetime2(%d)", c->scale < 0 || c->scale > 7 ? 7 : c->scale);
		buf_adds(out, "), 121), 11, 1, 'T') + 'Z' END");
		break;
	case DCOL_STRING:
		dialect_add_expr(out, "CAST({x} AS nvarchar(max))", ref);
		break;
	case DCOL_TEXT_FORM:
		dialect_add_expr(out, "{x}.ToString()", ref);
		break;
	default:
		buf_adds(out, ref);
		break;
	}
}

/*
 * Appends (SELECT value AS [col], ... FOR JSON PATH, WITHOUT_ARRAY_WRAPPER,
 * INCLUDE_NULL_VALUES) over T's columns (key columns only when KEYS) of ROW. NULL for the key
 * of a table without a primary key. A column name with a dot would nest (FOR JSON PATH).
 */
static void sv_object(struct buf *out, const struct dialect_table *t, const char *row, bool keys,
                      const char *indent)
{
	struct buf ref = BUF_INIT;
	bool first = true;

	if (keys && dialect_nkeys(t) == 0) {
		buf_adds(out, "NULL");
		return;
	}
	buf_adds(out, "(SELECT");
	for (int i = 0; i < t->ncols; i++) {
		if (keys && !t->cols[i].key)
			continue;
		buf_adds(out, first ? "\n" : ",\n");
		buf_adds(out, indent);
		first = false;
		buf_reset(&ref);
		dialect_add_ref(&ref, sv_quote, row, t->cols[i].name);
		sv_value(out, &t->cols[i], buf_ok(&ref) ? ref.data : "NULL");
		buf_adds(out, " AS ");
		sv_quote(out, t->cols[i].name);
	}
	buf_adds(out, "\n");
	buf_adds(out, indent);
	buf_adds(out, "FOR JSON PATH, WITHOUT_ARRAY_WRAPPER, INCLUDE_NULL_VALUES)");
	if (!buf_ok(&ref))
		out->failed = true;
	buf_release(&ref);
}

static void sv_create_changelog(const char *changelog, struct stmt_list *out)
{
	struct buf b = BUF_INIT;

	buf_adds(&b, "CREATE TABLE ");
	dialect_add_name(&b, sv_quote, changelog);
	buf_adds(&b, " (\n"
	             "\t[seq] bigint IDENTITY(1, 1) NOT NULL PRIMARY KEY, -- spoke-managed\n"
	             "\t[tx] bigint NULL,\n"
	             "\t[schema_name] nvarchar(128) NOT NULL,\n"
	             "\t[table_name] nvarchar(128) NOT NULL,\n"
	             "\t[op] char(1) NOT NULL,\n"
	             "\t[pk] nvarchar(max) NULL,\n"
	             "\t[before] nvarchar(max) NULL,\n"
	             "\t[after] nvarchar(max) NULL,\n"
	             "\t[changed_at] datetime2(6) NOT NULL -- UTC\n"
	             ")");
	dialect_push(out, &b);
	buf_release(&b);
}

static void sv_drop_changelog(const char *changelog, struct stmt_list *out)
{
	struct buf b = BUF_INIT;

	buf_adds(&b, "DROP TABLE IF EXISTS ");
	dialect_add_name(&b, sv_quote, changelog);
	dialect_push(out, &b);
	buf_release(&b);
}

/* The rows of one INSERT: op OP, key and after image from AFTER (or BEFORE), from FROM. */
struct sv_rows {
	char op;
	const char *before, *after; /* "d", "i" or NULL */
	const char *from;           /* "inserted AS i", ... */
};

static void sv_insert(struct buf *b, const struct dialect_table *t, const char *changelog,
                      const struct sv_rows *r)
{
	buf_adds(b, "\tINSERT INTO ");
	dialect_add_name(b, sv_quote, changelog);
	buf_adds(b, " ([tx], [schema_name], [table_name], [op], [pk], [before], [after], "
	            "[changed_at])\n\tSELECT CURRENT_TRANSACTION_ID(), ");
	dialect_add_literal(b, "N", t->schema);
	buf_adds(b, ", ");
	dialect_add_literal(b, "N", t->name);
	buf_addf(b, ", '%c',\n\t\t", r->op);
	sv_object(b, t, r->after ? r->after : r->before, true, "\t\t\t");
	buf_adds(b, ",\n\t\t");
	if (r->before)
		sv_object(b, t, r->before, false, "\t\t\t");
	else
		buf_adds(b, "NULL");
	buf_adds(b, ",\n\t\t");
	if (r->after)
		sv_object(b, t, r->after, false, "\t\t\t");
	else
		buf_adds(b, "NULL");
	buf_adds(b, ",\n\t\tSYSUTCDATETIME()\n\tFROM ");
	buf_adds(b, r->from);
}

/* Appends "d.[k1] = i.[k1] AND d.[k2] = i.[k2]" over the key columns of T. */
static void sv_key_match(struct buf *b, const struct dialect_table *t)
{
	bool first = true;

	for (int i = 0; i < t->ncols; i++) {
		if (!t->cols[i].key)
			continue;
		buf_adds(b, first ? "" : " AND ");
		first = false;
		dialect_add_ref(b, sv_quote, "d", t->cols[i].name);
		buf_adds(b, " = ");
		dialect_add_ref(b, sv_quote, "i", t->cols[i].name);
	}
}

/*
 * An UPDATE statement's rows are paired by primary key: pairs are updates; a deleted row
 * without a partner (its key changed) is a delete and an inserted one a create, which is how
 * a key change is published anyway. Without a primary key every row is a delete and a create.
 */
static void sv_update_body(struct buf *b, const struct dialect_table *t, const char *changelog)
{
	struct sv_rows u = {'u', "d", "i", NULL}, d = {'d', "d", NULL, NULL},
	               c = {'c', NULL, "i", NULL};
	struct buf from = BUF_INIT;
	bool keys = dialect_nkeys(t) > 0;

	if (keys) {
		buf_adds(&from, "inserted AS i JOIN deleted AS d ON ");
		sv_key_match(&from, t);
		u.from = from.data ? from.data : "";
		sv_insert(b, t, changelog, &u);
		buf_adds(b, ";\n");
		buf_reset(&from);
	}
	buf_adds(&from, "deleted AS d");
	if (keys) {
		buf_adds(&from, " WHERE NOT EXISTS (SELECT 1 FROM inserted AS i WHERE ");
		sv_key_match(&from, t);
		buf_adds(&from, ")");
	}
	d.from = from.data ? from.data : "";
	sv_insert(b, t, changelog, &d);
	buf_adds(b, ";\n");
	buf_reset(&from);
	buf_adds(&from, "inserted AS i");
	if (keys) {
		buf_adds(&from, " WHERE NOT EXISTS (SELECT 1 FROM deleted AS d WHERE ");
		sv_key_match(&from, t);
		buf_adds(&from, ")");
	}
	c.from = from.data ? from.data : "";
	sv_insert(b, t, changelog, &c);
	buf_adds(b, ";\n");
	if (!buf_ok(&from))
		b->failed = true;
	buf_release(&from);
}

static void sv_trigger(struct buf *b, const struct dialect_table *t, const char *changelog,
                       const struct dialect_event *e)
{
	static const struct sv_rows ins = {'c', NULL, "i", "inserted AS i"},
	                            del = {'d', "d", NULL, "deleted AS d"};

	buf_adds(b, "CREATE TRIGGER ");
	sv_quote(b, t->schema);
	buf_addc(b, '.');
	dialect_add_trigger_name(b, sv_quote, t, e->suffix);
	buf_adds(b, " ON ");
	sv_quote(b, t->schema);
	buf_addc(b, '.');
	sv_quote(b, t->name);
	buf_addf(b, " AFTER %s AS\nBEGIN\n", e->when);
	buf_adds(b, "\t/* spoke-managed: made by spoke setup, dropped by spoke teardown */\n"
	            "\tSET NOCOUNT ON;\n"
	            "\tIF SESSION_CONTEXT(N'spoke_origin') IS NOT NULL\n"
	            "\t\tRETURN;\n");
	if (e->op == 'u') {
		sv_update_body(b, t, changelog);
	} else {
		sv_insert(b, t, changelog, e->op == 'c' ? &ins : &del);
		buf_adds(b, ";\n");
	}
	buf_adds(b, "END");
}

static void sv_create_triggers(const struct dialect_table *t, const char *changelog,
                               struct stmt_list *out)
{
	struct buf b = BUF_INIT;

	for (size_t i = 0; i < NELEM(dialect_events); i++) {
		sv_trigger(&b, t, changelog, &dialect_events[i]);
		if (!dialect_push(out, &b))
			break;
	}
	buf_release(&b);
}

static void sv_drop_triggers(const struct dialect_table *t, struct stmt_list *out)
{
	struct buf b = BUF_INIT;

	for (size_t i = 0; i < NELEM(dialect_events); i++) {
		buf_adds(&b, "DROP TRIGGER IF EXISTS ");
		sv_quote(&b, t->schema);
		buf_addc(&b, '.');
		dialect_add_trigger_name(&b, sv_quote, t, dialect_events[i].suffix);
		if (!dialect_push(out, &b))
			break;
	}
	buf_release(&b);
}

static void sv_select_rows(const struct dialect_table *t, struct buf *out)
{
	dialect_select_rows(out, t, sv_object, sv_quote);
}

/* CLR types (system_type_id 240) are named by their user_type_id; alias types by their base. */
static const char sv_columns[] =
    "SELECT c.name, LOWER(TYPE_NAME(CASE WHEN c.system_type_id = 240 THEN c.user_type_id "
    "ELSE c.system_type_id END)), c.scale, CASE WHEN EXISTS (SELECT 1 FROM sys.indexes AS ix "
    "JOIN sys.index_columns AS ic ON ic.object_id = ix.object_id AND ic.index_id = ix.index_id "
    "WHERE ix.object_id = c.object_id AND ix.is_primary_key = 1 AND ic.column_id = c.column_id) "
    "THEN '1' ELSE '0' END FROM sys.columns AS c "
    "WHERE c.object_id = OBJECT_ID(QUOTENAME(?) + N'.' + QUOTENAME(?)) ORDER BY c.column_id";

static const char sv_triggers[] =
    "SELECT tr.name, m.definition FROM sys.triggers AS tr JOIN sys.sql_modules AS m "
    "ON m.object_id = tr.object_id WHERE tr.parent_id = OBJECT_ID(QUOTENAME(?) + N'.' + "
    "QUOTENAME(?)) AND tr.name LIKE N'spoke!_%' ESCAPE N'!' ORDER BY tr.name";

static const char sv_read[] =
    "SELECT [seq], [tx], [schema_name], [table_name], [op], [pk], [before], [after], "
    "CONVERT(varchar(26), [changed_at], 121) FROM %s WHERE [seq] > CAST(? AS bigint) "
    "ORDER BY [seq] OFFSET 0 ROWS FETCH NEXT CAST(? AS bigint) ROWS ONLY";

/*
 * Gap proof: transaction_begin_time is the server's local time (datetime, 3 ms steps); the
 * mark is GETDATE() as text, and a session transaction that began up to one second after it
 * counts as running at the mark. The reader's own session is left out. Needs VIEW SERVER STATE
 * (VIEW SERVER PERFORMANCE STATE on 2022); local time makes the hour after a DST change back
 * unsafe, so run the server in UTC or a zone without DST.
 */
static const char sv_gap_proof[] =
    "SELECT CASE WHEN EXISTS (SELECT 1 FROM sys.dm_tran_active_transactions AS a "
    "JOIN sys.dm_tran_session_transactions AS s ON s.transaction_id = a.transaction_id "
    "WHERE s.session_id <> @@SPID AND a.transaction_begin_time <= "
    "DATEADD(second, 1, CONVERT(datetime2(3), ?, 121))) THEN '0' ELSE '1' END";

/*
 * begin_snapshot needs ALLOW_SNAPSHOT_ISOLATION ON in the database; the snapshot starts with
 * the first read, and the isolation level stays set on the session after the transaction.
 */
const struct dialect dialect_sqlserver = {
    .name = "sqlserver",
    .create_changelog = sv_create_changelog,
    .drop_changelog = sv_drop_changelog,
    .create_triggers = sv_create_triggers,
    .drop_triggers = sv_drop_triggers,
    .mark_session = "EXEC sp_set_session_context N'spoke_origin', N'spoke'",
    .columns_query = sv_columns,
    .triggers_query = sv_triggers,
    .max_seq_query = "SELECT COALESCE(MAX([seq]), 0) FROM %s",
    .read_query = sv_read,
    .purge_query = "DELETE FROM %s WHERE [seq] <= CAST(? AS bigint)",
    .gap_mark_query = "SELECT CONVERT(varchar(23), GETDATE(), 121)",
    .gap_proof_query = sv_gap_proof,
    .select_rows = sv_select_rows,
    .begin_snapshot = "SET TRANSACTION ISOLATION LEVEL SNAPSHOT; BEGIN TRANSACTION",
    .reader_session = "SET LOCK_TIMEOUT 1000",
    .quote_ident = sv_quote,
    .upsert = UPSERT_MERGE,
    .bool_true = "1",
    .bool_false = "0",
    .offsets_ddl = "IF OBJECT_ID(N'spoke_offsets', N'U') IS NULL CREATE TABLE spoke_offsets "
                   "(applier varchar(200) NOT NULL, topic varchar(249) NOT NULL, part integer NOT "
                   "NULL, next_offset bigint NOT NULL, PRIMARY KEY (applier, topic, part))",
    .current_schema_query = "SELECT SCHEMA_NAME()",
    .unique_query = "SELECT i.name, c.name FROM sys.indexes i JOIN sys.index_columns ic ON "
                    "ic.object_id = i.object_id AND ic.index_id = i.index_id JOIN sys.columns c "
                    "ON c.object_id = ic.object_id AND c.column_id = ic.column_id JOIN sys.tables "
                    "t ON t.object_id = i.object_id JOIN sys.schemas s ON s.schema_id = "
                    "t.schema_id WHERE s.name = ? AND t.name = ? AND i.is_unique = 1 AND "
                    "ic.is_included_column = 0 ORDER BY i.name, ic.key_ordinal",
};
