/*
 * dialect_impl: what the dialect files (dialect_mysql.c, dialect_pg.c, dialect_sqlite.c,
 * dialect_sqlserver.c) share with dialect.c. Private to them: callers use dialect.h.
 */
#ifndef SPOKE_DIALECT_IMPL_H
#define SPOKE_DIALECT_IMPL_H

#include "capture/dialect.h"

extern const struct dialect dialect_mysql, dialect_postgresql, dialect_sqlite, dialect_sqlserver;

/*
 * How the values of a column become JSON (DESIGN.md "Types"). Each dialect maps its catalog's
 * type names to one of these; what each means in SQL is the dialect's business.
 */
enum dcol {
	DCOL_NATURAL,     /* the database's JSON function already writes it as spoke wants */
	DCOL_STRING,      /* character data: a JSON string */
	DCOL_DECIMAL,     /* a string of the exact digits */
	DCOL_MONEY,       /* fixed-point currency: a string of the exact digits */
	DCOL_BOOL,        /* true / false */
	DCOL_BITS,        /* a bit string (MySQL BIT(n), n > 1): its number */
	DCOL_TIME,        /* "10:00:00.123456" */
	DCOL_DATETIME,    /* a local date-time: "2026-11-23T10:00:00.123456" */
	DCOL_TIMESTAMPTZ, /* a point in time: "2026-11-23T10:00:00.123456Z", in UTC */
	DCOL_BINARY,      /* base64 */
	DCOL_TEXT_FORM,   /* anything else: its text form as a string */
};

/* One row of a dialect's type table: a catalog type name (lower case) and its class. */
struct dtype {
	const char *name;
	enum dcol cls;
};

/* The class of TYPE in TYPES (N rows, exact names), or DFLT when it is not listed. */
enum dcol dialect_class(const struct dtype *types, size_t n, const char *type, enum dcol dflt);

/* The three triggers of a table: name suffix, event keyword, changelog op. */
struct dialect_event {
	const char *suffix; /* "ins", "upd", "del" */
	const char *when;   /* "INSERT", "UPDATE", "DELETE" */
	char op;            /* 'c', 'u', 'd' */
};

extern const struct dialect_event dialect_events[3];

/* A quoting function of a dialect (its quote_ident). */
typedef void (*dialect_quote_fn)(struct buf *out, const char *ident);

/*
 * Appends B's text to L as a new statement and resets B. When memory runs out (here or
 * earlier in B), L is released instead, so that it ends empty (see dialect.h), and the result
 * is false: the caller must then stop adding to L.
 */
bool dialect_push(struct stmt_list *l, struct buf *b);

/* Appends NAME quoted with QUOTE; "schema.name" (split at the first dot) as two quoted parts. */
void dialect_add_name(struct buf *out, dialect_quote_fn quote, const char *name);
/* The part of NAME after its first dot, or NAME itself. */
const char *dialect_base_name(const char *name);
/* Appends the trigger name spoke_<table>_<suffix> of T, quoted with QUOTE. */
void dialect_add_trigger_name(struct buf *out, dialect_quote_fn quote,
                              const struct dialect_table *t, const char *suffix);
/* A dialect's JSON object builder: ROW's columns (only the key columns with KEYS) as JSON. */
typedef void (*dialect_object_fn)(struct buf *out, const struct dialect_table *t, const char *row,
                                  bool keys, const char *indent);

/*
 * Writes the snapshot query of every dialect: "SELECT <pk JSON>, <row JSON> FROM schema.table
 * AS r", the JSON built by OBJECT exactly as the triggers build it.
 */
void dialect_select_rows(struct buf *out, const struct dialect_table *t, dialect_object_fn object,
                         dialect_quote_fn quote);

/* Appends S as a standard SQL string literal (quotes doubled) after PREFIX ("", "N", "E"). */
void dialect_add_literal(struct buf *out, const char *prefix, const char *s);
/* Appends ROW.<COLUMN quoted with QUOTE>, or just the quoted column when ROW is "". */
void dialect_add_ref(struct buf *out, dialect_quote_fn quote, const char *row, const char *column);
/* Appends TMPL with every "{x}" replaced by REF. */
void dialect_add_expr(struct buf *out, const char *tmpl, const char *ref);
/* The number of key columns of T. */
int dialect_nkeys(const struct dialect_table *t);

#endif
