/*
 * target: where an applier writes: a database (sqltarget.c) or an HTTP API (httptarget.c).
 * Each kind is a small ops struct in the table of target.c. A target applies row operations inside a
 * transaction together with the applier's consumed offsets, so that a crash at any point
 * leaves it as if each change was applied exactly once.
 */
#ifndef SPOKE_TARGET_H
#define SPOKE_TARGET_H

#include "core/config.h"
#include "mapping/rules.h"

#include <stdint.h>

/* What a failed call means for the caller. */
enum target_status {
	TARGET_OK = 0,
	TARGET_PERMANENT = -1, /* this change can never succeed: dead letter */
	TARGET_TRANSIENT = -2, /* retry after reopening (lost connection, deadlock, ...) */
};

/* Receives one problem found by check_table: an error, or a warning. */
typedef void (*target_report_fn)(void *arg, bool error, const char *msg);

/* Receives one stored offset: the next offset to apply of TOPIC's partition PART. */
typedef void (*target_offset_fn)(void *arg, const char *topic, int part, int64_t next);

struct target;

/* The change a row operation comes from. */
struct target_change {
	const char *topic;
	int partition;
	int64_t offset;
	int msg, rule; /* its index in the batch, and its rule's in the ruleset */
};

/*
 * A failure a target can pin on one change: msg and rule of its target_change (msg -1 when it
 * cannot, as for a statement of several rows), and what an HTTP API answered.
 */
struct target_fail {
	int msg, rule;
	int http_status;      /* 0: no answer */
	char http_body[1025]; /* the first 1 kB of the answer */
};

struct target_ops {
	/*
	 * Connects to the target of section SEC for the applier APPLIER: marks the session so
	 * capture skips its writes, creates what it keeps its offsets in when missing (with
	 * APPLIER NULL: connects only, for check_table). NULL with
	 * err filled (naming the target, never a secret) and *transient set when a retry may help.
	 */
	struct target *(*open)(const struct config *cfg, const struct conf_section *sec,
	                       const char *applier, bool *transient, char *err, size_t errlen);
	/* Calls FN for every offset stored for the applier. */
	enum target_status (*load_offsets)(struct target *t, target_offset_fn fn, void *arg,
	                                   char *err, size_t errlen);
	enum target_status (*begin)(struct target *t, char *err, size_t errlen);
	/*
	 * Applies OP of change CH (values rendered in CTX's arena), or keeps it to send with
	 * others: a failure may then be reported by a later apply or by flush, for a group of
	 * changes or (FAIL->msg set) for the one change it concerns.
	 */
	enum target_status (*apply)(struct target *t, const struct rowop *op, struct expr_ctx *ctx,
	                            const struct target_change *ch, struct target_fail *fail,
	                            char *err, size_t errlen);
	/* Sends what apply kept; FAIL as for apply. */
	enum target_status (*flush)(struct target *t, struct target_fail *fail, char *err,
	                            size_t errlen);
	/* Stores NEXT as the next offset of TOPIC/PART, in the open transaction. */
	enum target_status (*save_offset)(struct target *t, const char *topic, int part,
	                                  int64_t next, char *err, size_t errlen);
	enum target_status (*commit)(struct target *t, char *err, size_t errlen);
	/* Ends the open transaction without its changes; a no-op without one. */
	void (*rollback)(struct target *t);
	/* lookup() of the rules language (expr.h's contract), in the open transaction if any. */
	int (*lookup)(struct target *t, const char *table, const char *key_column, const char *key,
	              const char *result_column, struct expr_ctx *ctx, const char **out,
	              bool *transient, char *err, size_t errlen);
	/*
	 * spoke check: reports through REPORT what would stop writing columns COLS of TABLE with
	 * key KEY (NKEY may be 0): a missing table or column, a key that is not unique. Returns
	 * the number of errors reported, or -1 when the check itself failed (err filled).
	 */
	int (*check_table)(struct target *t, const char *table, char *const *cols, int ncols,
	                   char *const *key, int nkey, target_report_fn report, void *arg,
	                   char *err, size_t errlen);
	void (*close)(struct target *t);
};

/* The operations for target type TYPE, or NULL. */
const struct target_ops *target_ops_for(const char *type);

/* SQL databases: postgres, mysql, odbc (sqltarget.c). */
extern const struct target_ops sql_target_ops;
/* HTTP APIs (httptarget.c). */
extern const struct target_ops http_target_ops;

#endif
