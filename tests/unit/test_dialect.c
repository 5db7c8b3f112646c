/*
 * Unit tests for capture/dialect: every dialect fills every field, quoting, markers, format
 * strings and placeholders, wide and keyless tables, and the generated SQL for a sample table
 * of every type against tests/cases/dialect/<dialect>/expected.sql (UPDATE_GOLDEN=1 rewrites).
 */
#include "unit.h"
#include "capture/dialect.h"
#include "capture/dialect_impl.h"

#include <stdlib.h>

#define CASES_DIR "tests/cases/dialect"
#define NELEM(a)  (sizeof(a) / sizeof((a)[0]))

static const char *const names[] = {"mysql", "postgresql", "sqlite", "sqlserver"};

/*
 * The sample tables: as each database's columns_query describes the tables of
 * tests/cases/dialect/<dialect>/table.sql (the integration test t_dialect_sql checks that).
 */
static const struct dialect_column my_cols[] = {
    {"id", "int", 0, true},
    {"code", "varchar", 0, true},
    {"i_tiny", "tinyint", 0, false},
    {"i_big", "bigint", 0, false},
    {"i_ubig", "bigint", 0, false},
    {"f_float", "float", 0, false},
    {"f_double", "double", 0, false},
    {"n_dec", "decimal", 3, false},
    {"b_bool", "boolean", 0, false},
    {"b_bit", "boolean", 0, false},
    {"bits", "bit", 0, false},
    {"d_date", "date", 0, false},
    {"t_time", "time", 3, false},
    {"dt_0", "datetime", 0, false},
    {"dt_3", "datetime", 3, false},
    {"dt_6", "datetime", 6, false},
    {"ts_0", "timestamp", 0, false},
    {"ts_6", "timestamp", 6, false},
    {"y_year", "year", 0, false},
    {"s_char", "char", 0, false},
    {"s_text", "text", 0, false},
    {"s_latin", "varchar", 0, false},
    {"s_gbk", "varchar", 0, false},
    {"s_enum", "enum", 0, false},
    {"s_set", "set", 0, false},
    {"j_json", "longtext", 0, false},
    {"bin_var", "varbinary", 0, false},
    {"bin_blob", "blob", 0, false},
    {"bin_fixed", "binary", 0, false},
    {"g_point", "point", 0, false},
    {"it's \"odd\" \\ `x`", "varchar", 0, false},
};

static const struct dialect_column pg_cols[] = {
    {"id", "integer", 0, true},
    {"code", "text", 0, true},
    {"i_small", "smallint", 0, false},
    {"i_big", "bigint", 0, false},
    {"f_real", "real", 0, false},
    {"f_double", "double precision", 0, false},
    {"n_num", "numeric", 3, false},
    {"n_free", "numeric", 0, false},
    {"b_bool", "boolean", 0, false},
    {"d_date", "date", 0, false},
    {"t_time", "time without time zone", 3, false},
    {"t_timetz", "time with time zone", 6, false},
    {"ts", "timestamp without time zone", 6, false},
    {"ts_0", "timestamp without time zone", 0, false},
    {"tstz", "timestamp with time zone", 6, false},
    {"iv", "interval", 6, false},
    {"s_varchar", "character varying", 0, false},
    {"s_char", "character", 0, false},
    {"u_uuid", "uuid", 0, false},
    {"e_enum", "app.mood", 0, false},
    {"j_json", "json", 0, false},
    {"j_jsonb", "jsonb", 0, false},
    {"bin", "bytea", 0, false},
    {"arr", "integer[]", 0, false},
    {"it's \"odd\" \\ $spoke$", "text", 0, false},
};

static const struct dialect_column sl_cols[] = {
    {"id", "integer", 0, true},         {"code", "text", 0, true},
    {"i_int", "int", 0, false},         {"f_real", "real", 0, false},
    {"n_dec", "decimal", 0, false},     {"b_bool", "boolean", 0, false},
    {"d_date", "date", 0, false},       {"dt", "datetime", 0, false},
    {"ts", "timestamp", 0, false},      {"s_text", "text", 0, false},
    {"s_varchar", "varchar", 0, false}, {"bin", "blob", 0, false},
    {"anything", "", 0, false},         {"it's \"odd\"", "text", 0, false},
};

static const struct dialect_column sv_cols[] = {
    {"id", "int", 0, true},
    {"code", "nvarchar", 0, true},
    {"i_tiny", "tinyint", 0, false},
    {"i_big", "bigint", 0, false},
    {"f_real", "real", 0, false},
    {"f_float", "float", 0, false},
    {"n_dec", "decimal", 3, false},
    {"m_money", "money", 4, false},
    {"b_bit", "bit", 0, false},
    {"d_date", "date", 0, false},
    {"t_time", "time", 3, false},
    {"dt2", "datetime2", 6, false},
    {"dt", "datetime", 3, false},
    {"sdt", "smalldatetime", 0, false},
    {"dto", "datetimeoffset", 7, false},
    {"s_nvarchar", "nvarchar", 0, false},
    {"s_varchar", "varchar", 0, false},
    {"u_guid", "uniqueidentifier", 0, false},
    {"bin", "varbinary", 0, false},
    {"x_xml", "xml", 0, false},
    {"g_geo", "geography", 0, false},
    {"it's [odd]", "nvarchar", 0, false},
};

/* The sample table of dialect NAME. */
static struct dialect_table sample(const char *name)
{
	struct dialect_table t = {"app", "every_type", my_cols, (int)NELEM(my_cols)};

	if (strcmp(name, "postgresql") == 0) {
		t.cols = pg_cols;
		t.ncols = (int)NELEM(pg_cols);
	} else if (strcmp(name, "sqlite") == 0) {
		t.schema = "main";
		t.cols = sl_cols;
		t.ncols = (int)NELEM(sl_cols);
	} else if (strcmp(name, "sqlserver") == 0) {
		t.schema = "dbo";
		t.cols = sv_cols;
		t.ncols = (int)NELEM(sv_cols);
	}
	return t;
}

/*
 * Appends FMT with its "%s" replaced by ARG, "%%" by "%": printf's reading, without a
 * non-literal format. Returns false for any other directive (the field is then no format).
 */
static bool format_one(struct buf *out, const char *fmt, const char *arg)
{
	int seen = 0;

	for (; *fmt; fmt++) {
		if (*fmt != '%') {
			buf_addc(out, *fmt);
		} else if (fmt[1] == '%') {
			buf_addc(out, '%');
			fmt++;
		} else if (fmt[1] == 's') {
			buf_adds(out, arg);
			seen++;
			fmt++;
		} else {
			return false;
		}
	}
	return seen == 1;
}

static int count_char(const char *s, char c)
{
	int n = 0;

	for (; s && *s; s++)
		n += *s == c;
	return n;
}

/* Appends "-- spoke:LABEL\nSQL\n". */
static void add_block(struct buf *out, const char *label, const char *sql)
{
	buf_addf(out, "-- spoke:%s\n%s\n", label, sql ? sql : "(null)");
}

static void add_list(struct buf *out, const char *label, struct stmt_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		add_block(out, label, l->stmts[i]);
	stmt_list_release(l);
}

/* A query with the quoted changelog in place of its %s. */
static void add_format(struct buf *out, const struct dialect *d, const char *label, const char *fmt)
{
	struct buf name = BUF_INIT, sql = BUF_INIT;

	dialect_quote_name(d, &name, "spoke_changelog");
	if (!format_one(&sql, fmt, name.data))
		buf_adds(&sql, "(not a format with one %s)");
	add_block(out, label, sql.data);
	buf_release(&name);
	buf_release(&sql);
}

/* Everything D generates for the sample table, in the order a setup and a reader use it. */
static void dump(const struct dialect *d, struct buf *out)
{
	struct dialect_table t = sample(d->name);
	struct stmt_list l = {NULL, 0};
	struct buf rows = BUF_INIT;

	d->create_changelog("spoke_changelog", &l);
	add_list(out, "create_changelog", &l);
	d->create_triggers(&t, "spoke_changelog", &l);
	add_list(out, "create_triggers", &l);
	d->select_rows(&t, &rows);
	add_block(out, "select_rows", rows.data);
	buf_release(&rows);
	add_block(out, "mark_session", d->mark_session);
	add_block(out, "columns_query", d->columns_query);
	add_block(out, "triggers_query", d->triggers_query);
	add_format(out, d, "max_seq_query", d->max_seq_query);
	add_format(out, d, "read_query", d->read_query);
	add_format(out, d, "purge_query", d->purge_query);
	add_block(out, "gap_mark_query", d->gap_mark_query);
	add_block(out, "gap_proof_query", d->gap_proof_query);
	add_block(out, "begin_snapshot", d->begin_snapshot);
	d->drop_triggers(&t, &l);
	add_list(out, "drop_triggers", &l);
	d->drop_changelog("spoke_changelog", &l);
	add_list(out, "drop_changelog", &l);
}

/* "name|type|scale|key" lines of the sample table, as columns_query returns them. */
static void dump_columns(const struct dialect_table *t, struct buf *out)
{
	for (int i = 0; i < t->ncols; i++)
		buf_addf(out, "%s|%s|%d|%d\n", t->cols[i].name, t->cols[i].type, t->cols[i].scale,
		         t->cols[i].key ? 1 : 0);
}

static int read_file(const char *path, struct buf *b)
{
	char chunk[65536];
	FILE *f = fopen(path, "rb");
	size_t n;

	buf_reset(b);
	if (!f)
		return -1;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		buf_add(b, chunk, n);
	fclose(f);
	return buf_ok(b) ? 0 : -1;
}

static bool write_file(const char *path, const struct buf *b)
{
	FILE *f = fopen(path, "wb");
	bool ok = f && fwrite(b->data, 1, b->len, f) == b->len;

	return f && fclose(f) == 0 && ok;
}

/* Prints the first line where GOT and WANT differ. */
static void show_difference(const char *path, const char *got, const char *want)
{
	int line = 1;
	size_t i = 0, start = 0;

	while (got[i] && got[i] == want[i]) {
		if (got[i] == '\n') {
			line++;
			start = i + 1;
		}
		i++;
	}
	fprintf(stderr, "  %s differs at line %d (UPDATE_GOLDEN=1 rewrites it)\n", path, line);
	fprintf(stderr, "    got:  %.*s\n", (int)strcspn(got + start, "\n"), got + start);
	fprintf(stderr, "    want: %.*s\n", (int)strcspn(want + start, "\n"), want + start);
}

/* Compares GOT with the file NAME of DIALECT's case directory, or rewrites it. */
static bool golden(const char *dialect, const char *name, const struct buf *got)
{
	struct buf want = BUF_INIT;
	char path[256];
	bool ok;

	snprintf(path, sizeof(path), "%s/%s/%s", CASES_DIR, dialect, name);
	if (getenv("UPDATE_GOLDEN") && strcmp(getenv("UPDATE_GOLDEN"), "1") == 0)
		return write_file(path, got);
	if (read_file(path, &want) < 0) {
		fprintf(stderr, "  cannot read %s (run from the repository root)\n", path);
		buf_release(&want);
		return false;
	}
	ok = strcmp(got->data ? got->data : "", want.data ? want.data : "") == 0;
	if (!ok)
		show_difference(path, got->data ? got->data : "", want.data ? want.data : "");
	buf_release(&want);
	return ok;
}

TEST(dialect_golden_sql)
{
	for (size_t i = 0; i < NELEM(names); i++) {
		const struct dialect *d = dialect_find(names[i]);
		struct dialect_table t = sample(names[i]);
		struct buf sql = BUF_INIT, cols = BUF_INIT;

		CHECK(d != NULL);
		if (!d)
			continue;
		dump(d, &sql);
		dump_columns(&t, &cols);
		CHECK(buf_ok(&sql));
		CHECK(golden(names[i], "expected.sql", &sql));
		CHECK(golden(names[i], "columns.txt", &cols));
		buf_release(&sql);
		buf_release(&cols);
	}
}

TEST(dialect_fills_every_field)
{
	for (size_t i = 0; i < NELEM(names); i++) {
		const struct dialect *d = dialect_find(names[i]);
		const char *fields[] = {d ? d->mark_session : NULL,   d ? d->columns_query : NULL,
		                        d ? d->triggers_query : NULL, d ? d->max_seq_query : NULL,
		                        d ? d->read_query : NULL,     d ? d->purge_query : NULL,
		                        d ? d->gap_mark_query : NULL, d ? d->gap_proof_query : NULL,
		                        d ? d->begin_snapshot : NULL};

		CHECK(d != NULL);
		if (!d)
			continue;
		CHECK_STR(d->name, names[i]);
		CHECK(d->create_changelog && d->drop_changelog && d->create_triggers);
		CHECK(d->drop_triggers && d->select_rows && d->quote_ident);
		for (size_t f = 0; f < NELEM(fields); f++)
			CHECK(fields[f] && *fields[f]);
	}
	CHECK(dialect_find("oracle") == NULL);
	CHECK(dialect_find(NULL) == NULL);
}

TEST(dialect_for_product_names)
{
	CHECK_STR(dialect_for_product("MariaDB")->name, "mysql");
	CHECK_STR(dialect_for_product("MySQL")->name, "mysql");
	CHECK_STR(dialect_for_product("PostgreSQL")->name, "postgresql");
	CHECK_STR(dialect_for_product("SQLite")->name, "sqlite");
	CHECK_STR(dialect_for_product("Microsoft SQL Server")->name, "sqlserver");
	CHECK_STR(dialect_for_product("mariadb")->name, "mysql");
	CHECK(dialect_for_product("Oracle") == NULL);
	CHECK(dialect_for_product("") == NULL);
	CHECK(dialect_for_product(NULL) == NULL);
}

/* Quotes NAME with dialect D (qualified names split at the first dot). */
static void check_quote(bool *unit_failed, const char *d, const char *name, const char *want)
{
	struct buf b = BUF_INIT;

	dialect_quote_name(dialect_find(d), &b, name);
	CHECK_STR(b.data, want);
	buf_release(&b);
}

TEST(dialect_quote_ident_escapes)
{
	check_quote(unit_failed, "mysql", "a`b\"c", "`a``b\"c`");
	check_quote(unit_failed, "postgresql", "a\"b`c", "\"a\"\"b`c\"");
	check_quote(unit_failed, "sqlite", "a\"\"b", "\"a\"\"\"\"b\"");
	check_quote(unit_failed, "sqlserver", "a]b[c", "[a]]b[c]");
	check_quote(unit_failed, "mysql", "shop.spoke_changelog", "`shop`.`spoke_changelog`");
	check_quote(unit_failed, "postgresql", "s.t.u", "\"s\".\"t.u\"");
	check_quote(unit_failed, "sqlserver", "", "[]");
}

/* Every trigger statement names its trigger and carries the marker and the origin check. */
TEST(dialect_triggers_marked)
{
	static const char *const origin[] = {"@spoke_origin IS NULL", "'spoke.origin'",
	                                     "'spoke_origin'", "SESSION_CONTEXT(N'spoke_origin')"};

	for (size_t i = 0; i < NELEM(names); i++) {
		const struct dialect *d = dialect_find(names[i]);
		struct dialect_table t = sample(names[i]);
		struct stmt_list l = {NULL, 0};
		int triggers = 0;

		d->create_triggers(&t, "spoke_changelog", &l);
		CHECK(l.n >= 3);
		for (size_t s = 0; s < l.n; s++) {
			if (!strstr(l.stmts[s], "spoke-managed"))
				continue;
			triggers++;
			CHECK(strstr(l.stmts[s], origin[i]) != NULL);
		}
		CHECK_INT(triggers, 3);
		CHECK(strstr(l.stmts[0], "spoke_every_type_ins") != NULL);
		CHECK(strstr(l.stmts[l.n - 1], "spoke_every_type_del") != NULL);
		stmt_list_release(&l);
		CHECK(strstr(d->mark_session, "spoke") != NULL);
	}
}

/* %s only where the changelog goes, and as many '?' as the contract has parameters. */
TEST(dialect_formats_and_placeholders)
{
	for (size_t i = 0; i < NELEM(names); i++) {
		const struct dialect *d = dialect_find(names[i]);
		struct buf b = BUF_INIT;

		CHECK(format_one(&b, d->max_seq_query, "x") &&
		      count_char(d->max_seq_query, '?') == 0);
		CHECK(format_one(&b, d->read_query, "x") && count_char(d->read_query, '?') == 2);
		CHECK(format_one(&b, d->purge_query, "x") && count_char(d->purge_query, '?') == 1);
		CHECK_INT(count_char(d->columns_query, '?'), 2);
		CHECK_INT(count_char(d->triggers_query, '?'), 2);
		CHECK_INT(count_char(d->gap_mark_query, '?'), 0);
		CHECK_INT(count_char(d->gap_proof_query, '?'), 1);
		CHECK_INT(count_char(d->mark_session, '?'), 0);
		CHECK(strstr(d->columns_query, "%s") == NULL &&
		      strstr(d->triggers_query, "%s") == NULL);
		buf_release(&b);
	}
}

/* A table without a primary key has a NULL pk; a qualified changelog is qualified. */
TEST(dialect_keyless_table_and_qualified_changelog)
{
	static const struct dialect_column cols[] = {{"v", "text", 0, false}};
	static const char *const want[] = {"`audit`.`log`", "\"audit\".\"log\"", "\"log\"",
	                                   "[audit].[log]"};
	struct dialect_table t = {"app", "nokey", cols, 1};

	for (size_t i = 0; i < NELEM(names); i++) {
		const struct dialect *d = dialect_find(names[i]);
		struct stmt_list l = {NULL, 0};
		struct buf rows = BUF_INIT;

		d->create_triggers(&t, "audit.log", &l);
		CHECK(l.n >= 3);
		for (size_t s = 0; s < l.n; s++)
			if (strstr(l.stmts[s], "spoke-managed")) {
				CHECK(strstr(l.stmts[s], want[i]) != NULL);
				CHECK(strstr(l.stmts[s], "search_path") == NULL);
			}
		stmt_list_release(&l);
		d->select_rows(&t, &rows);
		CHECK(strncmp(rows.data, "SELECT NULL,", 12) == 0);
		buf_release(&rows);
	}
}

/* SQLite's json_object takes at most 127 arguments: wide tables join several objects. */
TEST(dialect_wide_table)
{
	struct dialect_column cols[150];
	char names_buf[150][8];
	struct dialect_table t = {"main", "wide", cols, 150};
	struct buf b = BUF_INIT;

	for (int i = 0; i < 150; i++) {
		snprintf(names_buf[i], sizeof(names_buf[i]), "c%d", i);
		cols[i] = (struct dialect_column){names_buf[i], "integer", 0, i == 0 || i == 149};
	}
	dialect_find("sqlite")->select_rows(&t, &b);
	CHECK(strstr(b.data, "SELECT json_object(\n\t'c0'") != NULL);
	CHECK(strstr(b.data, "'c149', CASE") != NULL);
	CHECK(strstr(b.data,
	             "(SELECT '{' || substr(c0, 2, length(c0) - 2) || ',' || substr(c1, 2, "
	             "length(c1) - 2) || ',' || substr(c2, 2, length(c2) - 2) || '}'") != NULL);
	CHECK(strstr(b.data, " AS c3") == NULL);
	buf_release(&b);
}

TEST(dialect_stmt_list_release)
{
	struct stmt_list l = {NULL, 0};

	stmt_list_release(&l);
	dialect_find("mysql")->drop_changelog("x", &l);
	CHECK_INT(l.n, 1);
	CHECK_STR(l.stmts[0], "DROP TABLE IF EXISTS `x`");
	stmt_list_release(&l);
	CHECK(l.stmts == NULL && l.n == 0);
}

/* Out of memory in a statement's buffer empties the list, which callers read as failure. */
TEST(dialect_push_failure_releases_list)
{
	struct stmt_list l = {NULL, 0};
	struct buf b = BUF_INIT;

	buf_adds(&b, "SELECT 1");
	CHECK(dialect_push(&l, &b));
	CHECK_INT(l.n, 1);
	CHECK_INT(b.len, 0);
	buf_adds(&b, "SELECT 2");
	b.failed = true;
	CHECK(!dialect_push(&l, &b));
	CHECK(l.n == 0 && l.stmts == NULL);
	buf_release(&b);
}
