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
struct rowop {
	enum rowop_kind kind;
	const struct rule *rule;
	int n, nkey;
	const char **cols;
	struct val *vals;
	bool *unchanged;
	int cap;
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
