/*
 * rules: loads mapping rule files and checks every rule (rules.h has the format). Each problem
 * is logged once, as "FILE:LINE: rule 'name': reason".
 */
#include "mapping/rules.h"

#include "core/buf.h"
#include "core/log.h"
#include "core/suggest.h"
#include "mapping/jsonpos.h"

#include <errno.h>
#include <fnmatch.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define COMPONENT     "rules"
#define MAX_FILE_SIZE (16L << 20)
#define MAX_STEPS     6
#define NELEM(a)      (sizeof(a) / sizeof((a)[0]))

static const char *const file_fields[] = {"$schema", "rules"};
static const char *const rule_fields[] = {"name",   "description", "topics", "topic",
                                          "target", "table",       "key",    "columns",
                                          "where",  "mode",        "delete"};
static const char *const delete_fields[] = {"soft"};
static const char *const modes[] = {"upsert", "insert"};
static const char *const deletes[] = {"delete", "ignore"};

/* One rule file as read. Its text stays until the load ends, for the lines of messages. */
struct src {
	const char *path;
	char *text;
	size_t len;
};

/* Where a loaded rule came from; parallel to the ruleset's rules. */
struct origin {
	const struct src *src;
	size_t index; /* in the file's "rules" */
};

struct loader {
	struct ruleset *rs;
	struct origin *origins;
	int cap;
	bool (*target_exists)(void *arg, const char *name);
	void *arg;
	int problems;
};

/*
 * What a message is about: a file, or one of its rules (NAME NULL until known), and the path
 * from the document's top to the part concerned (for its line).
 */
struct place {
	const struct src *src;
	bool in_rule;
	size_t index;
	const char *name;
	struct jsonpos_step steps[MAX_STEPS];
	size_t nsteps;
};

/* ---- messages ---- */

/* Logs one problem: "FILE:LINE: [LABEL[, PART]: ]message". PART may be NULL. */
static void report(struct loader *ld, const struct place *p, const char *part, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void report(struct loader *ld, const struct place *p, const char *part, const char *fmt, ...)
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

/* P with one more step: member KEY. */
static struct place at_key(const struct place *p, const char *key)
{
	struct place q = *p;

	if (q.nsteps < MAX_STEPS)
		q.steps[q.nsteps++] = (struct jsonpos_step){key, 0};
	return q;
}

/* P with one more step: element I. */
static struct place at_index(const struct place *p, size_t i)
{
	struct place q = *p;

	if (q.nsteps < MAX_STEPS)
		q.steps[q.nsteps++] = (struct jsonpos_step){NULL, i};
	return q;
}

static const char *kind_of(const json_t *j)
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

/* Reports every member of OBJ not in FIELDS, with the likely one it misspells. */
static void check_fields(struct loader *ld, const struct place *p, json_t *obj,
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
		struct place at = at_key(p, key);
		size_t i;

		for (i = 0; i < n && strcmp(key, fields[i]) != 0; i++)
			;
		if (i < n)
			continue;
		near = suggest_nearest(key, fields, n);
		if (near)
			report(ld, &at, NULL, "unknown field '%s'; did you mean '%s'?", key, near);
		else
			report(ld, &at, NULL, "unknown field '%s' (known: %s)", key, known);
	}
}

/* ---- fields ---- */

/* The non-empty string member FIELD of OBJ, or NULL (reported: WHAT says what it is for). */
static const char *string_field(struct loader *ld, const struct place *p, json_t *obj,
                                const char *field, const char *what)
{
	json_t *v = json_object_get(obj, field);
	struct place at = at_key(p, field);

	if (!v) {
		report(ld, p, NULL, "missing '%s': %s", field, what);
		return NULL;
	}
	if (!json_is_string(v)) {
		report(ld, &at, NULL, "'%s' must be a string, not %s", field, kind_of(v));
		return NULL;
	}
	if (json_string_length(v) == 0) {
		report(ld, &at, NULL, "'%s' is empty", field);
		return NULL;
	}
	return json_string_value(v);
}

/* A copy of S, or NULL (reported) when memory is out. */
static char *dup_str(struct loader *ld, const struct place *p, const char *s)
{
	char *d = s ? strdup(s) : NULL;

	if (s && !d)
		report(ld, p, NULL, "out of memory");
	return d;
}

static void load_name(struct loader *ld, struct place *p, json_t *obj, struct rule *r)
{
	struct place at;

	p->name = string_field(ld, p, obj, "name", "the rule's name, unique among the applier's");
	at = at_key(p, "name");
	r->name = dup_str(ld, &at, p->name);
	if (!r->name)
		return;
	for (int i = 0; i < ld->rs->n - 1; i++) {
		const struct origin *o = &ld->origins[i];
		struct jsonpos_step first[] = {{"rules", 0}, {NULL, o->index}, {"name", 0}};

		if (ld->rs->rules[i].name && strcmp(ld->rs->rules[i].name, r->name) == 0) {
			report(ld, &at, NULL, "name already used at %s:%d", o->src->path,
			       jsonpos_line(o->src->text, o->src->len, first, NELEM(first)));
			return;
		}
	}
}

/* Reads "topic" (one name) into R. */
static void load_topic(struct loader *ld, const struct place *p, json_t *obj, struct rule *r)
{
	struct place at = at_key(p, "topic");
	const char *one = string_field(ld, p, obj, "topic", "");

	if (one && (r->topics = calloc(1, sizeof(char *))) != NULL)
		r->ntopics = (r->topics[0] = dup_str(ld, &at, one)) != NULL;
}

/* Reads "topics" (names or patterns) or "topic" into R. */
static void load_topics(struct loader *ld, const struct place *p, json_t *obj, struct rule *r)
{
	json_t *list = json_object_get(obj, "topics"), *v;
	struct place at = at_key(p, "topics");
	size_t i;

	if (list && json_object_get(obj, "topic")) {
		at = at_key(p, "topic");
		report(ld, &at, NULL, "give 'topics' or 'topic', not both");
		return;
	}
	if (!list && json_object_get(obj, "topic")) {
		load_topic(ld, p, obj, r);
		return;
	}
	if (!list) {
		report(ld, p, NULL, "missing 'topics': the topic names or patterns it reads");
		return;
	}
	if (!json_is_array(list) || json_array_size(list) == 0) {
		report(ld, &at, NULL, "'topics' must be a non-empty array of topic names, not %s",
		       json_is_array(list) ? "an empty one" : kind_of(list));
		return;
	}
	if (!(r->topics = calloc(json_array_size(list), sizeof(char *))))
		return;
	json_array_foreach(list, i, v)
	{
		struct place el = at_index(&at, i);

		if (!json_is_string(v) || json_string_length(v) == 0)
			report(ld, &el, NULL,
			       "'topics[%zu]' must be a topic name or pattern, not %s", i,
			       json_is_string(v) ? "an empty string" : kind_of(v));
		else
			r->topics[r->ntopics++] = dup_str(ld, &el, json_string_value(v));
	}
}

/* Reads "mode": upsert (the default) or insert. */
static void load_mode(struct loader *ld, const struct place *p, json_t *obj, struct rule *r)
{
	json_t *v = json_object_get(obj, "mode");
	struct place at = at_key(p, "mode");
	const char *s = json_string_value(v), *near;

	r->mode = RULE_UPSERT;
	if (!v)
		return;
	if (!s) {
		report(ld, &at, NULL, "'mode' must be \"upsert\" or \"insert\", not %s",
		       kind_of(v));
		return;
	}
	if (strcmp(s, "insert") == 0) {
		r->mode = RULE_INSERT;
		return;
	}
	if (strcmp(s, "upsert") == 0)
		return;
	near = suggest_nearest(s, modes, NELEM(modes));
	report(ld, &at, NULL, "mode '%s' is not upsert or insert%s%s%s", s,
	       near ? "; did you mean '" : "", near ? near : "", near ? "'?" : "");
}

/* ---- expressions and columns ---- */

/* Compiles the expression V into C (reported, naming PART, when it is not one). */
static void compile_col(struct loader *ld, const struct place *at, const char *part, json_t *v,
                        struct rule_col *c)
{
	char err[512], *hint;

	if (!json_is_string(v)) {
		hint =
		    json_is_object(v) || json_is_array(v) ? NULL : json_dumps(v, JSON_ENCODE_ANY);
		report(ld, at, part, "must be an expression in a string, not %s%s%s%s", kind_of(v),
		       hint ? " (write \"" : "", hint ? hint : "", hint ? "\")" : "");
		free(hint);
		return;
	}
	c->src = dup_str(ld, at, json_string_value(v));
	if (!c->src)
		return;
	c->expr = expr_compile(c->src, err, sizeof(err));
	if (!c->expr)
		report(ld, at, part, "%s", err);
}

/* Adds column NAME (expression V) to the END of the NCOLS columns in COLS. */
static void add_col(struct loader *ld, const struct place *at, struct rule_col *cols, int *ncols,
                    const char *name, json_t *v, bool key)
{
	struct rule_col *c = &cols[(*ncols)++];
	char part[200];

	snprintf(part, sizeof(part), "column '%.180s'", name);
	c->key = key;
	c->name = dup_str(ld, at, name);
	compile_col(ld, at, part, v, c);
}

static bool has_col(const struct rule_col *cols, int n, const char *name)
{
	for (int i = 0; i < n; i++)
		if (cols[i].name && strcmp(cols[i].name, name) == 0)
			return true;
	return false;
}

/* The column names of COLUMNS, for suggestions (borrowed strings; free the array). */
static const char **column_names(json_t *columns, size_t *n)
{
	const char **names = calloc(json_object_size(columns) + 1, sizeof(char *));
	const char *name;
	json_t *v;

	*n = 0;
	if (names)
		json_object_foreach(columns, name, v) names[(*n)++] = name;
	return names;
}

/* Adds key column I of KEY (the array), which must be one of COLUMNS, to R (at rule P). */
static void add_key(struct loader *ld, const struct place *p, json_t *key, size_t i,
                    json_t *columns, struct rule *r)
{
	struct place keys = at_key(p, "key"), at = at_index(&keys, i), cols = at_key(p, "columns"),
	             col;
	const char *name = json_string_value(json_array_get(key, i)), *near;
	const char **names;
	size_t n;

	if (!name) {
		report(ld, &at, NULL, "'key[%zu]' must be a column name, not %s", i,
		       kind_of(json_array_get(key, i)));
		return;
	}
	if (!json_object_get(columns, name)) {
		names = column_names(columns, &n);
		near = names ? suggest_nearest(name, names, n) : NULL;
		report(ld, &at, NULL, "key column '%s' is not in 'columns'%s%s%s", name,
		       near ? "; did you mean '" : "", near ? near : "", near ? "'?" : "");
		free(names);
		return;
	}
	if (has_col(r->cols, r->ncols, name)) {
		report(ld, &at, NULL, "key column '%s' is listed twice", name);
		return;
	}
	col = at_key(&cols, name);
	add_col(ld, &col, r->cols, &r->ncols, name, json_object_get(columns, name), true);
}

/* Reads "key" (or says it is missing) and adds its columns to R, first. */
static void load_key(struct loader *ld, const struct place *p, json_t *obj, json_t *columns,
                     struct rule *r)
{
	json_t *key = json_object_get(obj, "key");
	struct place at = at_key(p, "key");

	if (!key) {
		if (r->mode != RULE_INSERT)
			report(ld, p, NULL,
			       "missing 'key': the target's key columns (needed unless mode is "
			       "insert)");
		return;
	}
	if (!json_is_array(key) || json_array_size(key) == 0) {
		report(ld, &at, NULL, "'key' must be a non-empty array of column names, not %s",
		       json_is_array(key) ? "an empty one" : kind_of(key));
		return;
	}
	for (size_t i = 0; i < json_array_size(key); i++)
		add_key(ld, p, key, i, columns, r);
	r->nkey = r->ncols;
}

/* Reads "columns" and "key": R's columns, key columns first in key order. */
static void load_columns(struct loader *ld, const struct place *p, json_t *obj, struct rule *r)
{
	json_t *columns = json_object_get(obj, "columns"), *v;
	struct place at = at_key(p, "columns");
	const char *name;

	if (!columns) {
		report(ld, p, NULL, "missing 'columns': {\"target_column\": \"expression\", ...}");
		return;
	}
	if (!json_is_object(columns) || json_object_size(columns) == 0) {
		report(ld, &at, NULL, "'columns' must be a non-empty object, not %s",
		       json_is_object(columns) ? "an empty one" : kind_of(columns));
		return;
	}
	r->cols = calloc(json_object_size(columns), sizeof(*r->cols));
	if (!r->cols) {
		report(ld, &at, NULL, "out of memory");
		return;
	}
	load_key(ld, p, obj, columns, r);
	json_object_foreach(columns, name, v)
	{
		struct place col = at_key(&at, name);

		if (name[0] == '\0')
			report(ld, &col, NULL, "a column has an empty name");
		else if (!has_col(r->cols, r->nkey, name))
			add_col(ld, &col, r->cols, &r->ncols, name, v, false);
	}
}

static void load_where(struct loader *ld, const struct place *p, json_t *obj, struct rule *r)
{
	json_t *v = json_object_get(obj, "where");
	struct place at = at_key(p, "where");

	if (!v)
		return;
	r->where = calloc(1, sizeof(*r->where));
	if (!r->where)
		report(ld, &at, NULL, "out of memory");
	else
		compile_col(ld, &at, "where", v, r->where);
}

/* Reads {"soft": {"column": "expression", ...}}. */
static void load_soft(struct loader *ld, const struct place *p, json_t *del, struct rule *r)
{
	json_t *soft = json_object_get(del, "soft"), *v;
	struct place at = at_key(p, "soft");
	const char *name;

	check_fields(ld, p, del, delete_fields, NELEM(delete_fields));
	r->del = RULE_SOFT_DELETE;
	if (!soft || !json_is_object(soft) || json_object_size(soft) == 0) {
		report(ld, soft ? &at : p, NULL,
		       "a soft delete needs 'soft': a non-empty object of columns to set");
		return;
	}
	if (r->mode == RULE_INSERT)
		report(ld, p, NULL,
		       "a soft delete needs mode upsert (insert mode appends deletes)");
	r->soft = calloc(json_object_size(soft), sizeof(*r->soft));
	if (!r->soft)
		return;
	json_object_foreach(soft, name, v)
	{
		struct place col = at_key(&at, name);

		if (has_col(r->cols, r->nkey, name))
			report(ld, &col, NULL, "soft delete column '%s' is a key column", name);
		else
			add_col(ld, &col, r->soft, &r->nsoft, name, v, false);
	}
}

/* Reads "delete": "delete" (the default), "ignore" or {"soft": {...}}. */
static void load_delete(struct loader *ld, const struct place *p, json_t *obj, struct rule *r)
{
	json_t *v = json_object_get(obj, "delete");
	struct place at = at_key(p, "delete");
	const char *s = json_string_value(v), *near;

	r->del = RULE_DELETE;
	if (!v || (s && strcmp(s, "delete") == 0))
		return;
	if (s && strcmp(s, "ignore") == 0) {
		r->del = RULE_IGNORE_DELETE;
		return;
	}
	if (json_is_object(v)) {
		load_soft(ld, &at, v, r);
		return;
	}
	near = s ? suggest_nearest(s, deletes, NELEM(deletes)) : NULL;
	if (s && near)
		report(ld, &at, NULL,
		       "delete '%s' is not delete, ignore or {\"soft\": {...}}; did "
		       "you mean '%s'?",
		       s, near);
	else if (s)
		report(ld, &at, NULL, "delete '%s' is not delete, ignore or {\"soft\": {...}}", s);
	else
		report(ld, &at, NULL,
		       "'delete' must be \"delete\", \"ignore\" or {\"soft\": {...}}, not %s",
		       kind_of(v));
}

/* ---- rules and files ---- */

/* A new zeroed rule at the end of the ruleset, with its origin; NULL when memory is out. */
static struct rule *new_rule(struct loader *ld, const struct src *src, size_t index)
{
	struct ruleset *rs = ld->rs;

	if (rs->n == ld->cap) {
		int cap = ld->cap ? 2 * ld->cap : 16;
		struct rule *rules = realloc(rs->rules, (size_t)cap * sizeof(*rules));
		struct origin *origins =
		    rules ? realloc(ld->origins, (size_t)cap * sizeof(*origins)) : NULL;

		if (rules)
			rs->rules = rules;
		if (!origins)
			return NULL;
		ld->origins = origins;
		ld->cap = cap;
	}
	ld->origins[rs->n] = (struct origin){src, index};
	memset(&rs->rules[rs->n], 0, sizeof(rs->rules[0]));
	return &rs->rules[rs->n++];
}

static void load_rule(struct loader *ld, const struct src *src, size_t index, json_t *obj)
{
	struct place p = {src, true, index, NULL, {{"rules", 0}, {NULL, index}}, 2}, desc;
	struct rule *r;

	if (!json_is_object(obj)) {
		report(ld, &p, NULL, "a rule must be an object, not %s", kind_of(obj));
		return;
	}
	r = new_rule(ld, src, index);
	if (!r) {
		report(ld, &p, NULL, "out of memory");
		return;
	}
	r->file = dup_str(ld, &p, src->path);
	load_name(ld, &p, obj, r);
	check_fields(ld, &p, obj, rule_fields, NELEM(rule_fields));
	load_topics(ld, &p, obj, r);
	r->target = dup_str(ld, &p, string_field(ld, &p, obj, "target", "a [target NAME]"));
	r->table = dup_str(ld, &p, string_field(ld, &p, obj, "table", "the target table"));
	desc = at_key(&p, "description");
	if (json_object_get(obj, "description") &&
	    !json_is_string(json_object_get(obj, "description")))
		report(ld, &desc, NULL, "'description' must be a string");
	load_mode(ld, &p, obj, r);
	load_columns(ld, &p, obj, r);
	load_where(ld, &p, obj, r);
	load_delete(ld, &p, obj, r);
}

static void load_doc(struct loader *ld, const struct src *src, json_t *doc)
{
	struct place p = {src, false, 0, NULL, {{NULL, 0}}, 0}, at = at_key(&p, "rules");
	json_t *rules = json_object_get(doc, "rules"), *v;
	size_t i;

	if (!json_is_object(doc)) {
		report(ld, &p, NULL, "expected {\"rules\": [...]}, not %s", kind_of(doc));
		return;
	}
	check_fields(ld, &p, doc, file_fields, NELEM(file_fields));
	if (!rules) {
		report(ld, &p, NULL, "missing 'rules': the list of rules");
		return;
	}
	if (!json_is_array(rules)) {
		report(ld, &at, NULL, "'rules' must be an array, not %s", kind_of(rules));
		return;
	}
	json_array_foreach(rules, i, v) load_rule(ld, src, i, v);
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

	report(t->ld, at, part, "%s '%s' is not configured (no [target %s])%s%s%s", what, name,
	       name, near ? "; did you mean '" : "", near ? near : "", near ? "'?" : "");
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
	struct place at = at_key(p, field);
	char part[200];

	if (!c->expr)
		return;
	if (sub)
		at = at_key(&at, sub);
	if (c->name)
		at = at_key(&at, c->name);
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
		struct place p = rule_place(ld, i), at = at_key(&p, "target");

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
	}
	free(rs->rules);
	memset(rs, 0, sizeof(*rs));
}

bool rule_matches(const struct rule *r, const char *topic)
{
	for (int i = 0; i < r->ntopics; i++)
		if (fnmatch(r->topics[i], topic, 0) == 0)
			return true;
	return false;
}
