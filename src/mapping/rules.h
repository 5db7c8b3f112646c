/*
 * rules: the mapping rules of appliers, loaded from JSON files (schemas/rules.schema.json), and
 * what one rule makes of one change event: a row operation for its target table.
 *
 * A rule file holds {"rules": [RULE, ...]} (and optionally "$schema"). A RULE:
 *   name      unique among all the applier's rules (the dead-letter header spoke.rule)
 *   description  optional text for people
 *   topics    topic names or fnmatch patterns ("erp.public.*"); "topic": one name also works
 *   target    a [target NAME] of the configuration
 *   table     target table ("schema.table" allowed)
 *   key       target key columns (each also in columns), required unless mode is insert
 *   columns   {"target_column": "expression", ...}
 *   where     optional expression; the change is skipped unless it is true
 *   mode      "upsert" (default) or "insert" (append every change as a new row)
 *   delete    "delete" (default), "ignore", or {"soft": {"column": "expression", ...}}
 * Ops: c, r, u upsert (or insert); d per "delete" (insert mode: inserted, unless ignore);
 * t (truncate) and m (messages) are skipped; a tombstone is skipped.
 *
 * A rule for an HTTP target has "http" instead of table, key, columns, mode and delete:
 *   "http": {
 *     "create": {"method": "POST", "path": "/contacts", "body": {"email": "after.email"}},
 *     "update": {"method": "PUT", "path": "/contacts/{remote_id}", "body": {...}},
 *     "upsert": {...}   shorthand for create and update when they are the same request
 *     "delete": {"method": "DELETE", "path": "/contacts/{remote_id}"},  (absent: deletes are
 *               ignored)
 *     "id_from": "/id"  JSON pointer to the remote id in a create's answer (optional)
 *     "on_conflict": "dead_letter" (default) or "update": what a 409 answer to a create does
 *   }
 * A path is text with {expression} parts (their values percent-encoded; "{{" and "}}" are
 * literal braces) and {remote_id}, the id the remote system gave the change's key. A body is
 * any JSON: its strings are expressions, other values literal (a literal string is "'text'");
 * a null expression value gives JSON null, a number a JSON number, text a JSON string. A
 * request without "body" sends none. "where" applies as for table rules.
 */
#ifndef SPOKE_RULES_H
#define SPOKE_RULES_H

#include "mapping/event.h"
#include "mapping/expr.h"

#include <stdbool.h>

enum rule_mode { RULE_UPSERT, RULE_INSERT };
enum rule_delete { RULE_DELETE, RULE_SOFT_DELETE, RULE_IGNORE_DELETE };

struct rule_col {
	char *name;
	char *src; /* the expression's text, for messages */
	struct expr *expr;
	bool key; /* one of the rule's key columns */
};

/* The requests of an HTTP rule, by operation. */
enum http_kind { HTTP_CREATE, HTTP_UPDATE, HTTP_DELETE, HTTP_NKINDS };

struct http_tmpl; /* a compiled path or body template (rules_http.c) */

struct http_call {
	char *method;                  /* NULL: the rule makes no request of this kind */
	struct http_tmpl *path, *body; /* body NULL: no body */
};

struct rule_http {
	struct http_call call[HTTP_NKINDS];
	char *id_from;        /* JSON pointer into a create's answer, or NULL */
	bool conflict_update; /* on_conflict "update": a 409 to a create becomes an update */
};

struct rule {
	char *name;
	char *file; /* the file it came from */
	char **topics;
	int ntopics;
	char *target;
	char *table;
	struct rule_col *cols; /* key columns first, in "key" order, then the rest in file order */
	int ncols;
	int nkey;
	struct rule_col *where; /* NULL: every change */
	enum rule_mode mode;
	enum rule_delete del;
	struct rule_col *soft; /* soft delete: columns set */
	int nsoft;
	struct rule_http *http; /* an HTTP rule (table, cols, key NULL/0), or NULL */
};

struct ruleset {
	struct rule *rules;
	int n;
};

/*
 * Loads every rule of the NFILES files into RS (zero-initialised). Every problem is logged as
 * one line naming the file and where in it: JSON syntax ("FILE:LINE:COL: ..."), unknown fields
 * with a suggestion, wrong types, missing fields, a key column not in columns, duplicate rule
 * names, expression errors ("FILE: rule 'products', column 'price': column 9: unknown function
 * 'rund' (did you mean 'round'?)"). Returns the number of problems (0: RS is ready; else RS
 * is left empty). TARGET_EXISTS (may be NULL: targets are not checked) says whether a target
 * name is configured; it is asked about every rule's target and every lookup() whose target is
 * a literal.
 */
int ruleset_load(struct ruleset *rs, char *const *files, int nfiles,
                 bool (*target_exists)(void *arg, const char *name), void *arg);
void ruleset_free(struct ruleset *rs);
/*
 * Calls FN for every expression of rule R (where, columns, soft columns, HTTP templates); stops
 * at the first non-zero result and returns it, else 0.
 */
int rule_visit_exprs(const struct rule *r, int (*fn)(void *arg, const struct expr *e), void *arg);
/* True when rule R reads TOPIC. */
bool rule_matches(const struct rule *r, const char *topic);

enum rowop_kind {
	ROWOP_SKIP,   /* nothing to do (where false, ignored delete, truncate, tombstone) */
	ROWOP_UPSERT, /* insert, or update the row with the same key */
	ROWOP_INSERT, /* append */
	ROWOP_DELETE, /* delete by key */
	ROWOP_UPDATE, /* soft delete: update the soft columns of the row with the key */
};

/*
 * The operation one rule makes of one event. cols/vals: for UPSERT and INSERT every column
 * (key columns first); for DELETE the key columns; for UPDATE the key columns then the soft
 * columns. nkey: how many leading entries are the key. unchanged[i]: the column read a value
 * the source did not send (TOAST): an upsert leaves it out of its update part. Arrays are
 * owned by the rowop and reused; cols point into the rule. A value's text lives in the
 * expr_ctx arena or, when read straight from the event, in the event's JSON: use the values
 * (or their val_to_param() copies) before expr_ctx_reset() and event_release().
 */
/*
 * ROWOP_REMOTE_ID stands for the remote id in a rendered HTTP path: the target replaces each
 * one with the percent-encoded id it stored for the key (a rendered value never holds it:
 * it is percent-encoded as %01).
 */
#define ROWOP_REMOTE_ID '\x01'

/* One request an HTTP rule makes, rendered (text in the expr_ctx arena). */
struct http_req {
	const char *method; /* NULL: the rule has no request of this kind */
	const char *path;   /* with ROWOP_REMOTE_ID where {remote_id} stood */
	const char *body;   /* compact JSON, or NULL for no body */
};

struct rowop {
	enum rowop_kind kind;
	const struct rule *rule;
	int n, nkey;
	const char **cols;
	struct val *vals;
	bool *unchanged;
	int cap;
	/*
	 * HTTP rules: kind is ROWOP_UPSERT (c, r, u), ROWOP_DELETE (d) or ROWOP_SKIP, n is 0.
	 * req[HTTP_CREATE] and req[HTTP_UPDATE] are rendered for an upsert, req[HTTP_DELETE] for
	 * a delete (the others' method NULL). update_op: the event was an update ('u'), sent as
	 * one when no remote id is known and the rule has no id_from. keytext: the event's key
	 * as compact JSON with sorted members (the id map's key; requests with the same keytext
	 * keep their order). position: compact JSON with sorted members of the event's op and
	 * source without "version", identifying the change across redeliveries (for
	 * Idempotency-Key); NULL when the event has no source.
	 */
	struct http_req req[HTTP_NKINDS];
	bool update_op;
	const char *keytext;
	const char *position;
};

/*
 * Evaluates rule R for event EV in CTX (whose payload/key/topic the caller has set from EV).
 * Returns 0, or -1 with err naming the column and the problem ("column 'price': column 7:
 * cannot use 'abc' as a number"); ctx->transient says whether a retry may help.
 */
int rule_eval(const struct rule *r, const struct event *ev, struct expr_ctx *ctx, struct rowop *op,
              char *err, size_t errlen);
void rowop_release(struct rowop *op);

#endif
