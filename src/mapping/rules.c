/*
 * rules: loads mapping rule files and checks every rule (rules.h has the format). Each problem
 * is logged once, as "FILE:LINE: rule 'name': reason"; rules_rule.c reads the fields of a rule.
 */
#include "mapping/rules_impl.h"

#include "core/buf.h"
#include "core/log.h"
#include "core/suggest.h"

#include <errno.h>
#include <fnmatch.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define COMPONENT     "rules"
#define MAX_FILE_SIZE (16L << 20)

static const char *const file_fields[] = {"$schema", "rules"};

/* ---- messages ---- */

void rules_report(struct loader *ld, const struct place *p, const char *part, const char *fmt, ...)
{
	char msg[1024], label[300] = "";
	int line = jsonpos_line(p->src->text, p->src->len, p->steps, p->nsteps);
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (p->in_rule && p->name)
		snprintf(label, sizeof(label), "rule '%.200s'%s%.80s: ", p->name, part ? ", " : "",
		         part ? part : "");
	else if (p->in_rule)
		snprintf(label, sizeof(label), "rules[%zu]%s%.80s: ", p->index, part ? ", " : "",
		         part ? part : "");
	log_error(COMPONENT, "%s:%d: %s%s", p->src->path, line, label, msg);
	ld->problems++;
}

struct place rules_at_key(const struct place *p, const char *key)
{
	struct place q = *p;

	if (q.nsteps < MAX_STEPS)
		q.steps[q.nsteps++] = (struct jsonpos_step){key, 0};
	return q;
}

struct place rules_at_index(const struct place *p, size_t i)
{
	struct place q = *p;

	if (q.nsteps < MAX_STEPS)
		q.steps[q.nsteps++] = (struct jsonpos_step){NULL, i};
	return q;
}

const char *rules_kind_of(const json_t *j)
{
	switch (json_typeof(j)) {
	case JSON_OBJECT:
		return "an object";
	case JSON_ARRAY:
		return "an array";
	case JSON_STRING:
		return "a string";
	case JSON_INTEGER:
	case JSON_REAL:
		return "a number";
	case JSON_TRUE:
	case JSON_FALSE:
		return "a boolean";
	case JSON_NULL:
		break;
	}
	return "null";
}

void rules_check_fields(struct loader *ld, const struct place *p, json_t *obj,
                        const char *const *fields, size_t n)
{
	const char *key, *near;
	char known[256];
	size_t used = 0;
	json_t *v;

	known[0] = '\0';
	for (size_t i = 0; i < n && used < sizeof(known); i++)
		used += (size_t)snprintf(known + used, sizeof(known) - used, "%s%s", i ? ", " : "",
		                         fields[i]);
	json_object_foreach(obj, key, v)
	{
		struct place at = rules_at_key(p, key);
		size_t i;

		for (i = 0; i < n && strcmp(key, fields[i]) != 0; i++)
			;
		if (i < n)
			continue;
		near = suggest_nearest(key, fields, n);
		if (near)
			rules_report(ld, &at, NULL, "unknown field '%s'; did you mean '%s'?", key,
			             near);
		else
			rules_report(ld, &at, NULL, "unknown field '%s' (known: %s)", key, known);
	}
}

/* ---- files ---- */

static void load_doc(struct loader *ld, const struct src *src, json_t *doc)
{
	struct place p = {src, false, 0, NULL, {{NULL, 0}}, 0}, at = rules_at_key(&p, "rules");
	json_t *rules = json_object_get(doc, "rules"), *v;
	size_t i;

	if (!json_is_object(doc)) {
		rules_report(ld, &p, NULL, "expected {\"rules\": [...]}, not %s",
		             rules_kind_of(doc));
		return;
	}
	rules_check_fields(ld, &p, doc, file_fields, NELEM(file_fields));
	if (!rules) {
		rules_report(ld, &p, NULL, "missing 'rules': the list of rules");
		return;
	}
	if (!json_is_array(rules)) {
		rules_report(ld, &at, NULL, "'rules' must be an array, not %s",
		             rules_kind_of(rules));
		return;
	}
	json_array_foreach(rules, i, v) rules_load_rule(ld, src, i, v);
}

/* Reads the file at SRC->path into SRC->text. Returns 0, or -1 with err. */
static int read_src(struct src *src, char *err, size_t errlen)
{
	FILE *f = fopen(src->path, "rb");
	struct buf b = BUF_INIT;
	char chunk[8192];
	size_t n;

	if (!f) {
		snprintf(err, errlen, "%s", strerror(errno));
		return -1;
	}
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0 && b.len <= MAX_FILE_SIZE)
		buf_add(&b, chunk, n);
	if (ferror(f))
		snprintf(err, errlen, "%s", strerror(errno));
	else if (b.len > MAX_FILE_SIZE)
		snprintf(err, errlen, "larger than %ld MiB", MAX_FILE_SIZE >> 20);
	else if (!buf_ok(&b))
		snprintf(err, errlen, "out of memory");
	fclose(f);
	if (err[0]) {
		buf_release(&b);
		return -1;
	}
	src->text = b.data;
	src->len = b.len;
	return 0;
}

static void load_file(struct loader *ld, struct src *src)
{
	char err[256] = "";
	json_error_t jerr;
	json_t *doc;

	if (read_src(src, err, sizeof(err)) < 0) {
		log_error(COMPONENT, "%s: cannot read: %s", src->path, err);
		ld->problems++;
		return;
	}
	if (strspn(src->text ? src->text : "", " \t\r\n") == src->len) {
		log_error(COMPONENT, "%s: empty file; expected {\"rules\": [...]}", src->path);
		ld->problems++;
		return;
	}
	doc = json_loadb(src->text ? src->text : "", src->len, JSON_REJECT_DUPLICATES, &jerr);
	if (!doc) {
		log_error(COMPONENT, "%s:%d:%d: %s", src->path, jerr.line, jerr.column, jerr.text);
		ld->problems++;
		return;
	}
	load_doc(ld, src, doc);
	json_decref(doc);
}

/* ---- targets ---- */

/* The targets rules name that are configured: the candidates of "did you mean". */
struct targets {
	struct loader *ld;
	const char **known;
	size_t n, cap;
	const struct place *at; /* while reporting: the expression's place and part */
	const char *part;
};

static bool target_ok(const struct targets *t, const char *name)
{
	return !name || t->ld->target_exists(t->ld->arg, name);
}

/* Remembers NAME when it is configured. */
static void note_target(struct targets *t, const char *name)
{
	const char **more;

	if (!name || !target_ok(t, name))
		return;
	for (size_t i = 0; i < t->n; i++)
		if (strcmp(t->known[i], name) == 0)
			return;
	if (t->n == t->cap) {
		more = realloc(t->known, (t->cap ? 2 * t->cap : 8) * sizeof(*more));
		if (!more)
			return;
		t->known = more;
		t->cap = t->cap ? 2 * t->cap : 8;
	}
	t->known[t->n++] = name;
}

static void report_target(struct targets *t, const struct place *at, const char *part,
                          const char *what, const char *name)
{
	const char *near = suggest_nearest(name, t->known, t->n);

	rules_report(t->ld, at, part, "%s '%s' is not configured (no [target %s])%s%s%s", what,
	             name, name, near ? "; did you mean '" : "", near ? near : "",
	             near ? "'?" : "");
}

static int note_lookup(void *arg, const char *target, const char *table, const char *key_column,
                       const char *result_column)
{
	(void)table, (void)key_column, (void)result_column;
	note_target(arg, target);
	return 0;
}

static int check_lookup(void *arg, const char *target, const char *table, const char *key_column,
                        const char *result_column)
{
	struct targets *t = arg;

	(void)table, (void)key_column, (void)result_column;
	if (!target_ok(t, target))
		report_target(t, t->at, t->part, "lookup target", target);
	return 0;
}

/* The place of rule I of the ruleset. */
static struct place rule_place(const struct loader *ld, int i)
{
	const struct origin *o = &ld->origins[i];

	return (struct place){
	    o->src, true, o->index, ld->rs->rules[i].name, {{"rules", 0}, {NULL, o->index}}, 2};
}

/* Visits the lookups of C (at P, member FIELD/SUB/NAME) with FN. */
static void visit_col(struct targets *t, const struct place *p, const char *field, const char *sub,
                      const struct rule_col *c, expr_lookup_visit_fn fn)
{
	struct place at = rules_at_key(p, field);
	char part[200];

	if (!c->expr)
		return;
	if (sub)
		at = rules_at_key(&at, sub);
	if (c->name)
		at = rules_at_key(&at, c->name);
	if (c->name)
		snprintf(part, sizeof(part), "column '%.180s'", c->name);
	else
		snprintf(part, sizeof(part), "where");
	t->at = &at;
	t->part = part;
	expr_visit_lookups(c->expr, fn, t);
}

static void visit_rule(struct targets *t, int i, expr_lookup_visit_fn fn)
{
	const struct rule *r = &t->ld->rs->rules[i];
	struct place p = rule_place(t->ld, i);

	for (int j = 0; j < r->ncols; j++)
		visit_col(t, &p, "columns", NULL, &r->cols[j], fn);
	if (r->where)
		visit_col(t, &p, "where", NULL, r->where, fn);
	for (int j = 0; j < r->nsoft; j++)
		visit_col(t, &p, "delete", "soft", &r->soft[j], fn);
}

/* Checks that every rule's target and every lookup's target is configured. */
static void check_targets(struct loader *ld)
{
	struct targets t = {ld, NULL, 0, 0, NULL, NULL};

	for (int i = 0; i < ld->rs->n; i++) {
		note_target(&t, ld->rs->rules[i].target);
		visit_rule(&t, i, note_lookup);
	}
	for (int i = 0; i < ld->rs->n; i++) {
		struct place p = rule_place(ld, i), at = rules_at_key(&p, "target");

		if (!target_ok(&t, ld->rs->rules[i].target))
			report_target(&t, &at, NULL, "target", ld->rs->rules[i].target);
		visit_rule(&t, i, check_lookup);
	}
	free(t.known);
}

/* ---- the ruleset ---- */

int ruleset_load(struct ruleset *rs, char *const *files, int nfiles,
                 bool (*target_exists)(void *arg, const char *name), void *arg)
{
	struct loader ld = {rs, NULL, 0, target_exists, arg, 0};
	struct src *srcs = calloc(nfiles > 0 ? (size_t)nfiles : 1, sizeof(*srcs));

	memset(rs, 0, sizeof(*rs));
	if (!srcs) {
		log_error(COMPONENT, "out of memory");
		return 1;
	}
	for (int i = 0; i < nfiles; i++) {
		srcs[i].path = files[i];
		load_file(&ld, &srcs[i]);
	}
	if (target_exists)
		check_targets(&ld);
	for (int i = 0; i < nfiles; i++)
		free(srcs[i].text);
	free(srcs);
	free(ld.origins);
	if (ld.problems)
		ruleset_free(rs);
	return ld.problems;
}

static void free_cols(struct rule_col *cols, int n)
{
	for (int i = 0; i < n; i++) {
		free(cols[i].name);
		free(cols[i].src);
		expr_free(cols[i].expr);
	}
	free(cols);
}

void ruleset_free(struct ruleset *rs)
{
	for (int i = 0; i < rs->n; i++) {
		struct rule *r = &rs->rules[i];

		free(r->name);
		free(r->file);
		for (int j = 0; j < r->ntopics; j++)
			free(r->topics[j]);
		free(r->topics);
		free(r->target);
		free(r->table);
		free_cols(r->cols, r->ncols);
		free_cols(r->where, r->where ? 1 : 0);
		free_cols(r->soft, r->nsoft);
		rules_free_http(r->http);
	}
	free(rs->rules);
	memset(rs, 0, sizeof(*rs));
}

int rule_visit_exprs(const struct rule *r, int (*fn)(void *arg, const struct expr *e), void *arg)
{
	int rc = r->where ? fn(arg, r->where->expr) : 0;

	for (int c = 0; rc == 0 && c < r->ncols; c++)
		rc = fn(arg, r->cols[c].expr);
	for (int c = 0; rc == 0 && c < r->nsoft; c++)
		rc = fn(arg, r->soft[c].expr);
	return rc ? rc : rules_visit_http(r->http, fn, arg);
}

bool rule_matches(const struct rule *r, const char *topic)
{
	for (int i = 0; i < r->ntopics; i++)
		if (fnmatch(r->topics[i], topic, 0) == 0)
			return true;
	return false;
}
