/*
 * dialect_mysql: trigger capture for MariaDB and MySQL. Row triggers build JSON with
 * JSON_OBJECT; appliers set @spoke_origin; gaps are proven with information_schema.INNODB_TRX.
 * tx is NULL: neither server has a cheap transaction id (INNODB_TRX is a cache, see below).
 */
#include "capture/dialect_impl.h"

#include <string.h>

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* DATA_TYPE values (columns_query turns tinyint(1) and bit(1) into "boolean"). */
static const struct dtype my_types[] = {
    {"decimal", DCOL_DECIMAL},
    {"numeric", DCOL_DECIMAL},
    {"boolean", DCOL_BOOL},
    {"bit", DCOL_BITS},
    {"datetime", DCOL_DATETIME},
    {"timestamp", DCOL_TIMESTAMPTZ},
    {"binary", DCOL_BINARY},
    {"varbinary", DCOL_BINARY},
    {"tinyblob", DCOL_BINARY},
    {"blob", DCOL_BINARY},
    {"mediumblob", DCOL_BINARY},
    {"longblob", DCOL_BINARY},
    {"char", DCOL_STRING},
    {"varchar", DCOL_STRING},
    {"tinytext", DCOL_STRING},
    {"text", DCOL_STRING},
    {"mediumtext", DCOL_STRING},
    {"longtext", DCOL_STRING},
    {"enum", DCOL_STRING},
    {"set", DCOL_STRING},
    {"geometry", DCOL_TEXT_FORM},
    {"point", DCOL_TEXT_FORM},
    {"linestring", DCOL_TEXT_FORM},
    {"polygon", DCOL_TEXT_FORM},
    {"multipoint", DCOL_TEXT_FORM},
    {"multilinestring", DCOL_TEXT_FORM},
    {"multipolygon", DCOL_TEXT_FORM},
    {"geometrycollection", DCOL_TEXT_FORM},
};

static void my_quote(struct buf *out, const char *ident)
{
	buf_addc(out, '`');
	for (; *ident; ident++) {
		if (*ident == '`')
			buf_addc(out, '`');
		buf_addc(out, *ident);
	}
	buf_addc(out, '`');
}

/*
 * A string literal that means the same under every sql_mode: a backslash is an escape unless
 * NO_BACKSLASH_ESCAPES is set (triggers keep the mode they were created with), so text with one
 * is written as a utf8mb4 hex literal.
 */
static void my_literal(struct buf *out, const char *s)
{
	if (!strchr(s, '\\')) {
		dialect_add_literal(out, "", s);
		return;
	}
	buf_adds(out, "_utf8mb4 X'");
	for (; *s; s++)
		buf_addf(out, "%02X", (unsigned char)*s);
	buf_addc(out, '\'');
}

/* "%Y-%m-%dT%H:%i:%s" and SCALE digits of fraction, as the column's own text form has them. */
static void my_datetime(struct buf *out, const char *src, int scale)
{
	if (scale <= 0) {
		buf_adds(out, "DATE_FORMAT(");
		buf_adds(out, src);
		buf_adds(out, ", '%Y-%m-%dT%H:%i:%s')");
		return;
	}
	buf_adds(out, "LEFT(DATE_FORMAT(");
	buf_adds(out, src);
	buf_addf(out, ", '%%Y-%%m-%%dT%%H:%%i:%%s.%%f'), %d)", 20 + (scale > 6 ? 6 : scale));
}

/*
 * A TIMESTAMP is a point in time shown in the session's time zone: its UTC form is computed
 * from UNIX_TIMESTAMP (exact, no time zone tables needed). The zero timestamp stays zero.
 */
static void my_timestamp(struct buf *out, const char *ref, int scale)
{
	struct buf src = BUF_INIT;

	dialect_add_expr(&src,
	                 "IF(UNIX_TIMESTAMP({x}) = 0, {x}, TIMESTAMP'1970-01-01 00:00:00' + "
	                 "INTERVAL UNIX_TIMESTAMP({x}) * 1000000 MICROSECOND)",
	                 ref);
	buf_adds(out, "CONCAT(");
	my_datetime(out, src.data ? src.data : "NULL", scale);
	buf_adds(out, ", 'Z')");
	if (!buf_ok(&src))
		out->failed = true;
	buf_release(&src);
}

/* Appends the JSON_OBJECT value for column C, whose reference is REF (NEW.`c`, OLD.`c`). */
static void my_value(struct buf *out, const struct dialect_column *c, const char *ref)
{
	switch (dialect_class(my_types, NELEM(my_types), c->type, DCOL_NATURAL)) {
	case DCOL_STRING: /* one charset for all: mixed ones fail or mangle in JSON_OBJECT */
		dialect_add_expr(out, "CONVERT({x} USING utf8mb4)", ref);
		break;
	case DCOL_DECIMAL:
		dialect_add_expr(out, "CAST({x} AS CHAR)", ref);
		break;
	case DCOL_BOOL:
		dialect_add_expr(out,
		                 "CASE WHEN {x} IS NULL THEN NULL WHEN {x} <> 0 THEN "
		                 "JSON_EXTRACT('true', '$') ELSE JSON_EXTRACT('false', '$') END",
		                 ref);
		break;
	case DCOL_BITS:
		dialect_add_expr(out, "{x} + 0", ref);
		break;
	case DCOL_DATETIME:
		my_datetime(out, ref, c->scale);
		break;
	case DCOL_TIMESTAMPTZ:
		my_timestamp(out, ref, c->scale);
		break;
	case DCOL_BINARY: /* TO_BASE64 breaks lines every 76 characters */
		dialect_add_expr(out, "REPLACE(TO_BASE64({x}), CHAR(10 USING ascii), '')", ref);
		break;
	case DCOL_TEXT_FORM:
		dialect_add_expr(out, "ST_AsText({x})", ref);
		break;
	default: /* integers, float, double, year, date, time, json */
		buf_adds(out, ref);
		break;
	}
}

/*
 * Appends JSON_OBJECT('col', value, ...) over the columns of T (the key columns only when
 * KEYS) of ROW ("NEW", "OLD", a table alias), one pair a line after INDENT. A key object of a
 * table without a primary key is NULL.
 */
static void my_object(struct buf *out, const struct dialect_table *t, const char *row, bool keys,
                      const char *indent)
{
	struct buf ref = BUF_INIT;
	bool first = true;

	if (keys && dialect_nkeys(t) == 0) {
		buf_adds(out, "NULL");
		return;
	}
	buf_adds(out, "JSON_OBJECT(");
	for (int i = 0; i < t->ncols; i++) {
		if (keys && !t->cols[i].key)
			continue;
		buf_adds(out, first ? "\n" : ",\n");
		buf_adds(out, indent);
		first = false;
		buf_reset(&ref);
		dialect_add_ref(&ref, my_quote, row, t->cols[i].name);
		my_literal(out, t->cols[i].name);
		buf_adds(out, ", ");
		my_value(out, &t->cols[i], buf_ok(&ref) ? ref.data : "NULL");
	}
	buf_addc(out, ')');
	if (!buf_ok(&ref))
		out->failed = true;
	buf_release(&ref);
}

static void my_create_changelog(const char *changelog, struct stmt_list *out)
{
	struct buf b = BUF_INIT;

	buf_adds(&b, "CREATE TABLE ");
	dialect_add_name(&b, my_quote, changelog);
	buf_adds(&b, " (\n"
	             "\t`seq` BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,\n"
	             "\t`tx` BIGINT NULL,\n"
	             "\t`schema_name` VARCHAR(64) NOT NULL,\n"
	             "\t`table_name` VARCHAR(64) NOT NULL,\n"
	             "\t`op` CHAR(1) NOT NULL,\n"
	             "\t`pk` LONGTEXT NULL,\n"
	             "\t`before` LONGTEXT NULL,\n"
	             "\t`after` LONGTEXT NULL,\n"
	             "\t`changed_at` DATETIME(6) NOT NULL COMMENT 'UTC'\n"
	             ") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin "
	             "COMMENT='spoke-managed: row changes written by triggers'");
	dialect_push(out, &b);
	buf_release(&b);
}

static void my_drop_changelog(const char *changelog, struct stmt_list *out)
{
	struct buf b = BUF_INIT;

	buf_adds(&b, "DROP TABLE IF EXISTS ");
	dialect_add_name(&b, my_quote, changelog);
	dialect_push(out, &b);
	buf_release(&b);
}

/* The INSERT of one trigger, with the before image from OLD and the after image from NEW. */
static void my_insert(struct buf *b, const struct dialect_table *t, const char *changelog,
                      const struct dialect_event *e)
{
	buf_adds(b, "\tINSERT INTO ");
	dialect_add_name(b, my_quote, changelog);
	buf_adds(b, " (`tx`, `schema_name`, `table_name`, `op`, `pk`, `before`, `after`, "
	            "`changed_at`)\n\tVALUES (NULL, ");
	my_literal(b, t->schema);
	buf_adds(b, ", ");
	my_literal(b, t->name);
	buf_addf(b, ", '%c',\n\t\t", e->op);
	my_object(b, t, e->op == 'd' ? "OLD" : "NEW", true, "\t\t\t");
	buf_adds(b, ",\n\t\t");
	if (e->op == 'c')
		buf_adds(b, "NULL");
	else
		my_object(b, t, "OLD", false, "\t\t\t");
	buf_adds(b, ",\n\t\t");
	if (e->op == 'd')
		buf_adds(b, "NULL");
	else
		my_object(b, t, "NEW", false, "\t\t\t");
	buf_adds(b, ",\n\t\tUTC_TIMESTAMP(6));\n");
}

/*
 * One statement per trigger, a bare IF as the body (no BEGIN ... END needed). The marker is a
 * string literal, not a comment: the mariadb and mysql clients strip comments unless started
 * with --comments, and a DBA may feed them `spoke setup --print`.
 */
static void my_create_triggers(const struct dialect_table *t, const char *changelog,
                               struct stmt_list *out)
{
	struct buf b = BUF_INIT;

	for (size_t i = 0; i < NELEM(dialect_events); i++) {
		const struct dialect_event *e = &dialect_events[i];

		buf_adds(&b, "CREATE TRIGGER ");
		my_quote(&b, t->schema);
		buf_addc(&b, '.');
		dialect_add_trigger_name(&b, my_quote, t, e->suffix);
		buf_addf(&b, " AFTER %s ON ", e->when);
		my_quote(&b, t->schema);
		buf_addc(&b, '.');
		my_quote(&b, t->name);
		buf_adds(&b, " FOR EACH ROW\n"
		             "IF @spoke_origin IS NULL AND 'spoke-managed' IS NOT NULL THEN\n");
		my_insert(&b, t, changelog, e);
		buf_adds(&b, "END IF");
		if (!dialect_push(out, &b))
			break;
	}
	buf_release(&b);
}

static void my_drop_triggers(const struct dialect_table *t, struct stmt_list *out)
{
	struct buf b = BUF_INIT;

	for (size_t i = 0; i < NELEM(dialect_events); i++) {
		buf_adds(&b, "DROP TRIGGER IF EXISTS ");
		my_quote(&b, t->schema);
		buf_addc(&b, '.');
		dialect_add_trigger_name(&b, my_quote, t, dialect_events[i].suffix);
		if (!dialect_push(out, &b))
			break;
	}
	buf_release(&b);
}

static void my_select_rows(const struct dialect_table *t, struct buf *out)
{
	dialect_select_rows(out, t, my_object, my_quote);
}

/*
 * Gap proof. INNODB_TRX lists every started InnoDB transaction with its start time in whole
 * seconds (session time zone). The mark is UNIX_TIMESTAMP() (whole seconds, no time zone), and
 * a transaction counts as "running at the mark" when it started up to one second after it, so
 * one begun in the mark's second is never missed. The reader's own connection is left out.
 * Caveats, both on the safe side or rare: INNODB_TRX is a cache refreshed only when nobody read
 * it for 0.1 s (a tool polling it faster keeps it stale); the back-conversion of trx_started is
 * ambiguous in the hour a DST clock goes back (run the reader's session at time_zone '+00:00').
 * Needs the PROCESS privilege.
 */
static const char my_gap_proof[] =
    "SELECT CASE WHEN EXISTS (SELECT 1 FROM information_schema.INNODB_TRX "
    "WHERE UNIX_TIMESTAMP(trx_started) <= CAST(? AS SIGNED) + 1 "
    "AND trx_mysql_thread_id <> CONNECTION_ID()) THEN '0' ELSE '1' END";

static const char my_columns[] =
    "SELECT COLUMN_NAME, CASE WHEN COLUMN_TYPE IN ('tinyint(1)', 'bit(1)') THEN 'boolean' "
    "ELSE LOWER(DATA_TYPE) END, COALESCE(CASE WHEN DATA_TYPE IN ('decimal', 'numeric') "
    "THEN NUMERIC_SCALE ELSE DATETIME_PRECISION END, 0), "
    "CASE WHEN COLUMN_KEY = 'PRI' THEN '1' ELSE '0' END "
    "FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? "
    "ORDER BY ORDINAL_POSITION";

static const char my_triggers[] =
    "SELECT TRIGGER_NAME, ACTION_STATEMENT FROM information_schema.TRIGGERS "
    "WHERE EVENT_OBJECT_SCHEMA = ? AND EVENT_OBJECT_TABLE = ? "
    "AND TRIGGER_NAME LIKE 'spoke!_%' ESCAPE '!' ORDER BY TRIGGER_NAME";

static const char my_read[] =
    "SELECT `seq`, `tx`, `schema_name`, `table_name`, `op`, `pk`, `before`, `after`, "
    "CAST(`changed_at` AS CHAR) FROM %s WHERE `seq` > CAST(? AS SIGNED) ORDER BY `seq` LIMIT ?";

/*
 * begin_snapshot needs REPEATABLE READ: under READ COMMITTED the server ignores WITH
 * CONSISTENT SNAPSHOT (with a warning) and every statement reads afresh.
 */
const struct dialect dialect_mysql = {
    .name = "mysql",
    .create_changelog = my_create_changelog,
    .drop_changelog = my_drop_changelog,
    .create_triggers = my_create_triggers,
    .drop_triggers = my_drop_triggers,
    .mark_session = "SET @spoke_origin = 'spoke'",
    .columns_query = my_columns,
    .triggers_query = my_triggers,
    .max_seq_query = "SELECT COALESCE(MAX(`seq`), 0) FROM %s",
    .read_query = my_read,
    .purge_query = "DELETE FROM %s WHERE `seq` <= CAST(? AS SIGNED)",
    .gap_mark_query = "SELECT UNIX_TIMESTAMP()",
    .gap_proof_query = my_gap_proof,
    .select_rows = my_select_rows,
    .begin_snapshot = "START TRANSACTION WITH CONSISTENT SNAPSHOT",
    .reader_session = "SET SESSION innodb_lock_wait_timeout = 1",
    .quote_ident = my_quote,
    .upsert = UPSERT_ON_DUPLICATE,
    .bool_true = "1",
    .bool_false = "0",
    .offsets_ddl =
        "CREATE TABLE IF NOT EXISTS spoke_offsets "
        "(applier varchar(200) NOT NULL, topic varchar(249) NOT NULL, part integer NOT NULL, "
        "next_offset bigint NOT NULL, PRIMARY KEY (applier, topic, part)) ENGINE=InnoDB",
    .current_schema_query = "SELECT DATABASE()",
    .unique_query = "SELECT INDEX_NAME, COLUMN_NAME FROM information_schema.STATISTICS WHERE "
                    "TABLE_SCHEMA = ? AND TABLE_NAME = ? AND NON_UNIQUE = 0 ORDER BY INDEX_NAME, "
                    "SEQ_IN_INDEX",
};
