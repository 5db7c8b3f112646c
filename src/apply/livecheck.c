/* livecheck: rules against their targets' live schemas (see livecheck.h). */
#include "apply/livecheck.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_TARGETS 64

/* The targets opened so far (NULL entries: unreachable, already reported). */
struct livecheck {
	const struct config *cfg;
	target_report_fn report;
	void *arg;
	const char *names[MAX_TARGETS];
	const struct target_ops *ops[MAX_TARGETS];
	struct target *t[MAX_TARGETS];
	int n, errors;
	const struct rule *rule; /* the rule being checked, for lookups */
};

/* The open target NAME, or NULL when it cannot be checked (reported once). */
static struct target *open_target(struct livecheck *lc, const char *name,
                                  const struct target_ops **ops)
{
	char err[1024], msg[1200];
	bool transient;

	for (int i = 0; i < lc->n; i++)
		if (strcmp(lc->names[i], name) == 0) {
			*ops = lc->ops[i];
			return lc->t[i];
		}
	const struct conf_section *sec = config_find(lc->cfg, "target", name);
	if (!sec || lc->n == MAX_TARGETS)
		return NULL; /* an unknown target was reported when the rules loaded */
	int i = lc->n++;
	lc->names[i] = name;
	lc->ops[i] = target_ops_for(conf_str(sec, "type"));
	lc->t[i] = lc->ops[i] && lc->ops[i]->check_table
	               ? lc->ops[i]->open(lc->cfg, sec, NULL, &transient, err, sizeof(err))
	               : NULL;
	if (lc->ops[i] && lc->ops[i]->check_table && !lc->t[i]) {
		snprintf(msg, sizeof(msg), "%s; rules were not checked against it", err);
		lc->report(lc->arg, false, msg);
	}
	*ops = lc->ops[i];
	return lc->t[i];
}

/* Problems carry the rule they concern: "FILE: rule 'name': ...". */
static void rule_report(void *arg, bool error, const char *msg)
{
	struct livecheck *lc = arg;
	char line[1400];

	snprintf(line, sizeof(line), "%s: rule '%s': %s", lc->rule->file, lc->rule->name, msg);
	lc->report(lc->arg, error, line);
}

static void check(struct livecheck *lc, const char *target, const char *table, char *const *cols,
                  int ncols, char *const *key, int nkey)
{
	const struct target_ops *ops;
	struct target *t = open_target(lc, target, &ops);
	char err[1024], msg[1200];

	if (!t)
		return;
	int errors =
	    ops->check_table(t, table, cols, ncols, key, nkey, rule_report, lc, err, sizeof(err));
	if (errors < 0) {
		snprintf(msg, sizeof(msg), "target %s: cannot read the schema of %s: %s", target,
		         table, err);
		rule_report(lc, true, msg);
		errors = 1;
	}
	lc->errors += errors;
}

static int visit_lookup(void *arg, const char *target, const char *table, const char *key_column,
                        const char *result_column)
{
	struct livecheck *lc = arg;
	char *cols[2];

	if (!target || !table || !key_column || !result_column)
		return 0; /* computed names: nothing to check before running */
	cols[0] = (char *)(uintptr_t)key_column;
	cols[1] = (char *)(uintptr_t)result_column;
	check(lc, target, table, cols, 2, NULL, 0);
	return 0;
}

static int visit_expr(void *arg, const struct expr *e)
{
	return expr_visit_lookups(e, visit_lookup, arg);
}

static void check_rule(struct livecheck *lc, const struct rule *r)
{
	int n = r->ncols + r->nsoft;
	char **cols = calloc((size_t)n + 1, sizeof(*cols));
	const struct target_ops *ops;

	if (!cols)
		return;
	lc->rule = r;
	for (int i = 0; i < r->ncols; i++)
		cols[i] = r->cols[i].name;
	for (int i = 0; i < r->nsoft; i++)
		cols[r->ncols + i] = r->soft[i].name;
	if (r->http) /* an API has no schema: opening it checks its credentials */
		open_target(lc, r->target, &ops);
	else
		check(lc, r->target, r->table, cols, n, cols, r->mode == RULE_INSERT ? 0 : r->nkey);
	free(cols);
	rule_visit_exprs(r, visit_expr, lc);
}

int livecheck_rules(const struct config *cfg, const struct ruleset *rs, target_report_fn report,
                    void *arg)
{
	struct livecheck lc = {.cfg = cfg, .report = report, .arg = arg};

	for (int i = 0; i < rs->n; i++)
		check_rule(&lc, &rs->rules[i]);
	for (int i = 0; i < lc.n; i++)
		if (lc.t[i])
			lc.ops[i]->close(lc.t[i]);
	return lc.errors;
}
