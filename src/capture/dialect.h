/*
 * dialect: the SQL of trigger capture for each database: the changelog table, the triggers that
 * write each row change into it as JSON (with the database's own JSON functions), the session
 * mark that appliers set so triggers skip their writes, the proof that a gap can no longer be
 * filled, and the reader's queries. One row per database in the table of dialect.c.
 */
#ifndef SPOKE_DIALECT_H
#define SPOKE_DIALECT_H

#include "core/buf.h"

#include <stdbool.h>
#include <stddef.h>

/* A column of a captured table, as the database's catalog describes it. */
struct dialect_column {
	const char *name;
	const char
	    *type; /* the catalog's type name, lower case: "decimal", "datetime", "varchar" */
	int scale; /* decimals / fractional seconds where it matters, else 0 */
	bool key;  /* part of the primary key */
};

struct dialect_table {
	const char *schema; /* MySQL: the database; SQLite: "main" */
	const char *name;
	const struct dialect_column *cols;
	int ncols;
};

/*
 * A list of SQL statements, each complete and runnable on its own through the driver (MySQL
 * trigger bodies hold semicolons: send them whole, never through a client's DELIMITER
 * splitting). Zero-initialise it. The generators below append to it; when memory runs out they
 * release it instead, so an empty list after a call means failure (every generator appends at
 * least one statement).
 */
struct stmt_list {
	char **stmts;
	size_t n;
};

/* Frees the statements; the list is empty (and reusable) afterwards. Accepts a zeroed list. */
void stmt_list_release(struct stmt_list *l);

/* How a database says "insert, or update the row with the same key" (appliers). */
enum dialect_upsert {
	UPSERT_ON_CONFLICT,  /* INSERT ... ON CONFLICT (key) DO UPDATE SET c = excluded.c */
	UPSERT_ON_DUPLICATE, /* INSERT ... ON DUPLICATE KEY UPDATE c = VALUES(c) */
	UPSERT_MERGE,        /* MERGE INTO t USING (SELECT ...) ON key WHEN MATCHED ... */
};

struct dialect {
	const char *name; /* mysql, postgresql, sqlite, sqlserver (the dialect = key) */
	/*
	 * Statements that create the changelog table CHANGELOG (in the current schema/database)
	 * with columns seq (ascending, assigned at insert), tx, schema_name, table_name, op
	 * ('c','u','d'), pk, before, after (JSON text), changed_at, and its supporting objects.
	 * CHANGELOG is unquoted: a name, or schema.name (split at the first dot; each part is
	 * quoted here). Triggers resolve an unqualified name in the table's database (MySQL), the
	 * search_path at setup (PostgreSQL), main (SQLite; it cannot be qualified there), and by the
	 * trigger's name resolution (SQL Server): qualify it when tables live elsewhere.
	 */
	void (*create_changelog)(const char *changelog, struct stmt_list *out);
	void (*drop_changelog)(const char *changelog, struct stmt_list *out);
	/*
	 * Statements that create the AFTER INSERT, UPDATE and DELETE triggers of T, named
	 * spoke_<table>_ins/_upd/_del, writing pk/before/after as JSON objects: decimals as strings
	 * of their exact digits, dates "2026-11-23", date-times "2026-11-23T10:00:00.123456",
	 * booleans true/false where the database has them, binary as base64, NULL as null. Each
	 * trigger skips sessions marked by mark_session. Each trigger body carries the marker
	 * comment "spoke-managed" so setup can tell its own triggers from others' (MySQL: a string
	 * literal, as its clients strip comments). pk is NULL for a table without a primary key;
	 * an update that changes the key has pk from the new row (SQL Server: a delete and a
	 * create, as its statement triggers cannot pair the rows).
	 */
	void (*create_triggers)(const struct dialect_table *t, const char *changelog,
	                        struct stmt_list *out);
	void (*drop_triggers)(const struct dialect_table *t, struct stmt_list *out);
	/* The statement an applier runs on its session so triggers skip its writes. */
	const char *mark_session;
	/*
	 * Query listing the columns of one table: params (schema, table); rows (name, type,
	 * scale, is_key as "1"/"0") in column order.
	 */
	const char *columns_query;
	/* Query listing triggers named spoke_<table>_%: params (schema, table); rows (name, body). */
	const char *triggers_query;
	/* Query returning one row (seq text) with the highest seq in the changelog (%s: changelog). */
	const char *max_seq_query;
	/*
	 * Query reading changes: params (after_seq, limit); rows (seq, tx, schema_name, table_name,
	 * op, pk, before, after, changed_at) ordered by seq. %s: changelog (quoted by the caller).
	 * changed_at is text "YYYY-MM-DD HH:MM:SS.ffffff" in UTC in every dialect (SQLite keeps
	 * milliseconds: the last three digits are 0). tx is NULL where the database has no cheap
	 * transaction id (MySQL, SQLite).
	 */
	const char *read_query;
	/* Deletes delivered rows: params (up_to_seq). %s: changelog. */
	const char *purge_query;
	/*
	 * Gap proof: GAP_MARK_QUERY (no params) returns one row with a text mark taken now (a
	 * timestamp, a snapshot xmax); GAP_PROOF_QUERY (param: that mark) returns one row "1" when no
	 * transaction that was running at the mark is still running, "0" otherwise. NULL when the
	 * database offers no proof (gap_timeout then applies).
	 */
	const char *gap_mark_query;
	const char *gap_proof_query;
	/*
	 * Writes "SELECT <pk JSON>, <row JSON> FROM <table>" for T, the JSON built exactly as the
	 * triggers build pk and after, so snapshot rows and changes look alike. NULL until the
	 * dialect supports snapshots.
	 */
	void (*select_rows)(const struct dialect_table *t, struct buf *out);
	/* Statement starting a consistent read (snapshot and high-water mark in one view). */
	const char *begin_snapshot;
	/*
	 * Run once on the reader's session (may be NULL): a short lock wait, so that purging
	 * delivered rows never stalls the reader behind an application's open transaction.
	 */
	const char *reader_session;
	/* Quotes an identifier into OUT (backticks, double quotes, brackets). */
	void (*quote_ident)(struct buf *out, const char *ident);
	/* Appliers: the upsert form, and how a boolean parameter is written. */
	enum dialect_upsert upsert;
	const char *bool_true, *bool_false;
	/* Appliers: creates spoke_offsets (applier, topic, part, next_offset) when missing. */
	const char *offsets_ddl;
	/* spoke check: one row, the schema an unqualified table name resolves to. */
	const char *current_schema_query;
	/*
	 * spoke check: the unique indexes and constraints of a table: params (schema, table); rows
	 * (index name, column name) ordered by index, then column position in it.
	 */
	const char *unique_query;
};

/*
 * Appends NAME (unquoted; "schema.name" is split at its first dot) quoted with D's quote_ident:
 * the changelog for the %s of the queries above.
 */
void dialect_quote_name(const struct dialect *d, struct buf *out, const char *name);

/* The dialect called NAME, or NULL. */
const struct dialect *dialect_find(const char *name);
/* The dialect for a database product name from the driver ("MariaDB", "MySQL", ...), or NULL. */
const struct dialect *dialect_for_product(const char *product);

#endif
