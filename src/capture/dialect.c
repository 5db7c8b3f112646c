/* dialect: the table of trigger-capture dialects, lookups, statement lists and shared helpers. */
#include "capture/dialect_impl.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* One row per database; the dialect files fill them in. */
static const struct dialect *const dialects[] = {
    &dialect_mysql,
    &dialect_postgresql,
    &dialect_sqlite,
    &dialect_sqlserver,
};

/* SQL_DBMS_NAME values (and driver product names) and the dialect each one speaks. */
static const struct {
	const char *product;
	const char *dialect;
} products[] = {
    {"MariaDB", "mysql"},
    {"MySQL", "mysql"},
    {"PostgreSQL", "postgresql"},
    {"SQLite", "sqlite"},
    {"Microsoft SQL Server", "sqlserver"},
};

const struct dialect_event dialect_events[3] = {
    {"ins", "INSERT", 'c'},
    {"upd", "UPDATE", 'u'},
    {"del", "DELETE", 'd'},
};

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

const struct dialect *dialect_find(const char *name)
{
	for (size_t i = 0; name && i < NELEM(dialects); i++)
		if (strcmp(dialects[i]->name, name) == 0)
			return dialects[i];
	return NULL;
}

/* A product matches when it starts with a known name (case aside): "MySQL Community" too. */
const struct dialect *dialect_for_product(const char *product)
{
	for (size_t i = 0; product && i < NELEM(products); i++)
		if (strncasecmp(product, products[i].product, strlen(products[i].product)) == 0)
			return dialect_find(products[i].dialect);
	return NULL;
}

void stmt_list_release(struct stmt_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->stmts[i]);
	free(l->stmts);
	l->stmts = NULL;
	l->n = 0;
}

bool dialect_push(struct stmt_list *l, struct buf *b)
{
	char **stmts = NULL;
	char *copy = NULL;

	if (buf_ok(b) && b->data) {
		copy = strdup(b->data);
		stmts = realloc(l->stmts, (l->n + 1) * sizeof(*stmts));
	}
	buf_reset(b);
	if (stmts)
		l->stmts = stmts;
	if (!copy || !stmts) {
		free(copy);
		stmt_list_release(l);
		return false;
	}
	l->stmts[l->n++] = copy;
	return true;
}

enum dcol dialect_class(const struct dtype *types, size_t n, const char *type, enum dcol dflt)
{
	for (size_t i = 0; type && i < n; i++)
		if (strcmp(types[i].name, type) == 0)
			return types[i].cls;
	return dflt;
}

/* Quotes the first N bytes of S with QUOTE (which takes a NUL-terminated name). */
static void add_quoted_part(struct buf *out, dialect_quote_fn quote, const char *s, size_t n)
{
	struct buf part = BUF_INIT;

	buf_add(&part, s, n);
	if (buf_ok(&part))
		quote(out, part.data ? part.data : "");
	else
		out->failed = true;
	buf_release(&part);
}

void dialect_add_name(struct buf *out, dialect_quote_fn quote, const char *name)
{
	const char *dot = strchr(name, '.');

	if (dot) {
		add_quoted_part(out, quote, name, (size_t)(dot - name));
		buf_addc(out, '.');
		name = dot + 1;
	}
	quote(out, name);
}

void dialect_quote_name(const struct dialect *d, struct buf *out, const char *name)
{
	dialect_add_name(out, d->quote_ident, name);
}

const char *dialect_base_name(const char *name)
{
	const char *dot = strchr(name, '.');

	return dot ? dot + 1 : name;
}

void dialect_add_trigger_name(struct buf *out, dialect_quote_fn quote,
                              const struct dialect_table *t, const char *suffix)
{
	struct buf name = BUF_INIT;

	buf_addf(&name, "spoke_%s_%s", t->name, suffix);
	if (buf_ok(&name))
		quote(out, name.data);
	else
		out->failed = true;
	buf_release(&name);
}

void dialect_add_literal(struct buf *out, const char *prefix, const char *s)
{
	buf_adds(out, prefix);
	buf_addc(out, '\'');
	for (; *s; s++) {
		if (*s == '\'')
			buf_addc(out, '\'');
		buf_addc(out, *s);
	}
	buf_addc(out, '\'');
}

void dialect_add_ref(struct buf *out, dialect_quote_fn quote, const char *row, const char *column)
{
	if (*row) {
		buf_adds(out, row);
		buf_addc(out, '.');
	}
	quote(out, column);
}

void dialect_add_expr(struct buf *out, const char *tmpl, const char *ref)
{
	const char *p;

	while ((p = strstr(tmpl, "{x}")) != NULL) {
		buf_add(out, tmpl, (size_t)(p - tmpl));
		buf_adds(out, ref);
		tmpl = p + 3;
	}
	buf_adds(out, tmpl);
}

int dialect_nkeys(const struct dialect_table *t)
{
	int n = 0;

	for (int i = 0; i < t->ncols; i++)
		n += t->cols[i].key;
	return n;
}

void dialect_select_rows(struct buf *out, const struct dialect_table *t, dialect_object_fn object,
                         dialect_quote_fn quote)
{
	buf_adds(out, "SELECT ");
	object(out, t, "r", true, "\t");
	buf_adds(out, ",\n");
	object(out, t, "r", false, "\t");
	buf_adds(out, "\nFROM ");
	quote(out, t->schema);
	buf_addc(out, '.');
	quote(out, t->name);
	buf_adds(out, " AS r");
}
