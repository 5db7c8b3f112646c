/* rules_rule: reads one rule of a rule file, field by field, into a struct rule (rules.h). */
#include "mapping/rules_impl.h"

#include "core/suggest.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const rule_fields[] = {"name",   "description", "topics", "topic",
                                          "target", "table",       "key",    "columns",
                                          "where",  "mode",        "delete", "http"};
static const char *const delete_fields[] = {"soft"};
static const char *const modes[] = {"upsert", "insert"};
static const char *const deletes[] = {"delete", "ignore"};

/* ---- fields ---- */

/* The non-empty string member FIELD of OBJ, or NULL (reported: WHAT says what it is for). */
static const char *string_field(struct loader *ld, const struct place *p, json_t *obj,
                                const char *field, const char *what)
{
	json_t *v = json_object_get(obj, field);
	struct place at = rules_at_key(p, field);

	if (!v) {
		rules_report(ld, p, NULL, "missing '%s': %s", field, what);
		return NULL;
	}
	if (!json_is_string(v)) {
		rules_report(ld, &at, NULL, "'%s' must be a string, not %s", field,
		             rules_kind_of(v));
		return NULL;
	}
	if (json_string_length(v) == 0) {
		rules_report(ld, &at, NULL, "'%s' is empty", field);
		return NULL;
	}
	return json_string_value(v);
}

/* A copy of S, or NULL (reported) when memory is out. */
static char *dup_str(struct loader *ld, const struct place *p, const char *s)
{
	char *d = s ? strdup(s) : NULL;

	if (s && !d)
		rules_report(ld, p, NULL, "out of memory");
	return d;
}

static void load_name(struct loader *ld, struct place *p, json_t *obj, struct rule *r)
{
	struct place at;

	p->name = string_field(ld, p, obj, "name", "the rule's name, unique among the applier's");
	at = rules_at_key(p, "name");
	r->name = dup_str(ld, &at, p->name);
	if (!r->name)
		return;
	for (int i = 0; i < ld->rs->n - 1; i++) {
		const struct origin *o = &ld->origins[i];
		struct jsonpos_step first[] = {{"rules", 0}, {NULL, o->index}, {"name", 0}};

		if (ld->rs->rules[i].name && strcmp(ld->rs->rules[i].name, r->name) == 0) {
			rules_report(ld, &at, NULL, "name already used at %s:%d", o->src->path,
			             jsonpos_line(o->src->text, o->src->len, first, NELEM(first)));
			return;
		}
	}
}

/* Reads "topic" (one name) into R. */
static void load_topic(struct loader *ld, const struct place *p, json_t *obj, struct rule *r)
{
	struct place at = rules_at_key(p, "topic");
	const char *one = string_field(ld, p, obj, "topic", "");

	if (one && (r->topics = calloc(1, sizeof(char *))) != NULL)
		r->ntopics = (r->topics[0] = dup_str(ld, &at, one)) != NULL;
}

/* Reads "topics" (names or patterns) or "topic" into R. */
static void load_topics(struct loader *ld, const struct place *p, json_t *obj, struct rule *r)
{
	json_t *list = json_object_get(obj, "topics"), *v;
	struct place at = rules_at_key(p, "topics");
	size_t i;

	if (list && json_object_get(obj, "topic")) {
		at = rules_at_key(p, "topic");
		rules_report(ld, &at, NULL, "give 'topics' or 'topic', not both");
		return;
	}
	if (!list && json_object_get(obj, "topic")) {
		load_topic(ld, p, obj, r);
		return;
	}
	if (!list) {
		rules_report(ld, p, NULL, "missing 'topics': the topic names or patterns it reads");
		return;
	}
	if (!json_is_array(list) || json_array_size(list) == 0) {
		rules_report(ld, &at, NULL,
		             "'topics' must be a non-empty array of topic names, not %s",
		             json_is_array(list) ? "an empty one" : rules_kind_of(list));
		return;
	}
	if (!(r->topics = calloc(json_array_size(list), sizeof(char *))))
		return;
	json_array_foreach(list, i, v)
	{
		struct place el = rules_at_index(&at, i);

		if (!json_is_string(v) || json_string_length(v) == 0)
			rules_report(ld, &el, NULL,
			             "'topics[%zu]' must be a topic name or pattern, not %s", i,
			             json_is_string(v) ? "an empty string" : rules_kind_of(v));
		else
			r->topics[r->ntopics++] = dup_str(ld, &el, json_string_value(v));
	}
}

/* Reads "mode": upsert (the default) or insert. */
static void load_mode(struct loader *ld, const struct place *p, json_t *obj, struct rule *r)
{
	json_t *v = json_object_get(obj, "mode");
	struct place at = rules_at_key(p, "mode");
	const char *s = json_string_value(v), *near;

	r->mode = RULE_UPSERT;
	if (!v)
		return;
	if (!s) {
		rules_report(ld, &at, NULL, "'mode' must be \"upsert\" or \"insert\", not %s",
		             rules_kind_of(v));
		return;
	}
	if (strcmp(s, "insert") == 0) {
		r->mode = RULE_INSERT;
		return;
	}
	if (strcmp(s, "upsert") == 0)
		return;
	near = suggest_nearest(s, modes, NELEM(modes));
	rules_report(ld, &at, NULL, "mode '%s' is not upsert or insert%s%s%s", s,
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
		rules_report(ld, at, part, "must be an expression in a string, not %s%s%s%s",
		             rules_kind_of(v), hint ? " (write \"" : "", hint ? hint : "",
		             hint ? "\")" : "");
		free(hint);
		return;
	}
	c->src = dup_str(ld, at, json_string_value(v));
	if (!c->src)
		return;
	c->expr = expr_compile(c->src, err, sizeof(err));
	if (!c->expr)
		rules_report(ld, at, part, "%s", err);
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
	struct place keys = rules_at_key(p, "key"), at = rules_at_index(&keys, i),
	             cols = rules_at_key(p, "columns"), col;
	const char *name = json_string_value(json_array_get(key, i)), *near;
	const char **names;
	size_t n;

	if (!name) {
		rules_report(ld, &at, NULL, "'key[%zu]' must be a column name, not %s", i,
		             rules_kind_of(json_array_get(key, i)));
		return;
	}
	if (!json_object_get(columns, name)) {
		names = column_names(columns, &n);
		near = names ? suggest_nearest(name, names, n) : NULL;
		rules_report(ld, &at, NULL, "key column '%s' is not in 'columns'%s%s%s", name,
		             near ? "; did you mean '" : "", near ? near : "", near ? "'?" : "");
		free(names);
		return;
	}
	if (has_col(r->cols, r->ncols, name)) {
		rules_report(ld, &at, NULL, "key column '%s' is listed twice", name);
		return;
	}
	col = rules_at_key(&cols, name);
	add_col(ld, &col, r->cols, &r->ncols, name, json_object_get(columns, name), true);
}

/* Reads "key" (or says it is missing) and adds its columns to R, first. */
static void load_key(struct loader *ld, const struct place *p, json_t *obj, json_t *columns,
                     struct rule *r)
{
	json_t *key = json_object_get(obj, "key");
	struct place at = rules_at_key(p, "key");

	if (!key) {
		if (r->mode != RULE_INSERT)
			rules_report(
			    ld, p, NULL,
			    "missing 'key': the target's key columns (needed unless mode is "
			    "insert)");
		return;
	}
	if (!json_is_array(key) || json_array_size(key) == 0) {
		rules_report(ld, &at, NULL,
		             "'key' must be a non-empty array of column names, not %s",
		             json_is_array(key) ? "an empty one" : rules_kind_of(key));
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
	struct place at = rules_at_key(p, "columns");
	const char *name;

	if (!columns) {
		rules_report(ld, p, NULL,
		             "missing 'columns': {\"target_column\": \"expression\", ...}");
		return;
	}
	if (!json_is_object(columns) || json_object_size(columns) == 0) {
		rules_report(ld, &at, NULL, "'columns' must be a non-empty object, not %s",
		             json_is_object(columns) ? "an empty one" : rules_kind_of(columns));
		return;
	}
	r->cols = calloc(json_object_size(columns), sizeof(*r->cols));
	if (!r->cols) {
		rules_report(ld, &at, NULL, "out of memory");
		return;
	}
	load_key(ld, p, obj, columns, r);
	json_object_foreach(columns, name, v)
	{
		struct place col = rules_at_key(&at, name);

		if (name[0] == '\0')
			rules_report(ld, &col, NULL, "a column has an empty name");
		else if (!has_col(r->cols, r->nkey, name))
			add_col(ld, &col, r->cols, &r->ncols, name, v, false);
	}
}

static void load_where(struct loader *ld, const struct place *p, json_t *obj, struct rule *r)
{
	json_t *v = json_object_get(obj, "where");
	struct place at = rules_at_key(p, "where");

	if (!v)
		return;
	r->where = calloc(1, sizeof(*r->where));
	if (!r->where)
		rules_report(ld, &at, NULL, "out of memory");
	else
		compile_col(ld, &at, "where", v, r->where);
}

/* Reads {"soft": {"column": "expression", ...}}. */
static void load_soft(struct loader *ld, const struct place *p, json_t *del, struct rule *r)
{
	json_t *soft = json_object_get(del, "soft"), *v;
	struct place at = rules_at_key(p, "soft");
	const char *name;

	rules_check_fields(ld, p, del, delete_fields, NELEM(delete_fields));
	r->del = RULE_SOFT_DELETE;
	if (!soft || !json_is_object(soft) || json_object_size(soft) == 0) {
		rules_report(ld, soft ? &at : p, NULL,
		             "a soft delete needs 'soft': a non-empty object of columns to set");
		return;
	}
	if (r->mode == RULE_INSERT)
		rules_report(ld, p, NULL,
		             "a soft delete needs mode upsert (insert mode appends deletes)");
	r->soft = calloc(json_object_size(soft), sizeof(*r->soft));
	if (!r->soft)
		return;
	json_object_foreach(soft, name, v)
	{
		struct place col = rules_at_key(&at, name);

		if (has_col(r->cols, r->nkey, name))
			rules_report(ld, &col, NULL, "soft delete column '%s' is a key column",
			             name);
		else
			add_col(ld, &col, r->soft, &r->nsoft, name, v, false);
	}
}

/* Reads "delete": "delete" (the default), "ignore" or {"soft": {...}}. */
static void load_delete(struct loader *ld, const struct place *p, json_t *obj, struct rule *r)
{
	json_t *v = json_object_get(obj, "delete");
	struct place at = rules_at_key(p, "delete");
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
		rules_report(ld, &at, NULL,
		             "delete '%s' is not delete, ignore or {\"soft\": {...}}; did "
		             "you mean '%s'?",
		             s, near);
	else if (s)
		rules_report(ld, &at, NULL,
		             "delete '%s' is not delete, ignore or {\"soft\": {...}}", s);
	else
		rules_report(ld, &at, NULL,
		             "'delete' must be \"delete\", \"ignore\" or {\"soft\": {...}}, not %s",
		             rules_kind_of(v));
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

void rules_load_rule(struct loader *ld, const struct src *src, size_t index, json_t *obj)
{
	struct place p = {src, true, index, NULL, {{"rules", 0}, {NULL, index}}, 2}, desc;
	struct rule *r;

	if (!json_is_object(obj)) {
		rules_report(ld, &p, NULL, "a rule must be an object, not %s", rules_kind_of(obj));
		return;
	}
	r = new_rule(ld, src, index);
	if (!r) {
		rules_report(ld, &p, NULL, "out of memory");
		return;
	}
	r->file = dup_str(ld, &p, src->path);
	load_name(ld, &p, obj, r);
	rules_check_fields(ld, &p, obj, rule_fields, NELEM(rule_fields));
	load_topics(ld, &p, obj, r);
	r->target = dup_str(ld, &p, string_field(ld, &p, obj, "target", "a [target NAME]"));
	if (json_object_get(obj, "http")) {
		rules_load_http(ld, &p, obj, r);
		load_where(ld, &p, obj, r);
		return;
	}
	r->table = dup_str(ld, &p,
	                   string_field(ld, &p, obj, "table",
	                                "the target table (or \"http\": requests to an API)"));
	desc = rules_at_key(&p, "description");
	if (json_object_get(obj, "description") &&
	    !json_is_string(json_object_get(obj, "description")))
		rules_report(ld, &desc, NULL, "'description' must be a string");
	load_mode(ld, &p, obj, r);
	load_columns(ld, &p, obj, r);
	load_where(ld, &p, obj, r);
	load_delete(ld, &p, obj, r);
}
