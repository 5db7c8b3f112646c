/*
 * rules_http: the HTTP rules of rule files (rules.h): loading "http" (requests with path and
 * body templates compiled once) and rendering the requests one change makes.
 */
#include "mapping/rules_impl.h"

#include "core/buf.h"
#include "core/suggest.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char *const http_fields[] = {"create", "update",  "upsert",
                                          "delete", "id_from", "on_conflict"};
static const char *const call_fields[] = {"method", "path", "body"};
static const char *const methods[] = {"POST", "PUT", "PATCH", "DELETE"};
static const char *const kind_names[] = {"create", "update", "delete"};
static const char *const table_fields[] = {"table", "key", "columns", "mode", "delete"};

/* A path piece: literal text, an expression (percent-encoded when rendered) or the remote id. */
struct piece {
	char *text; /* the literal, or the expression's source */
	struct expr *expr;
	bool remote_id;
};

/* A path (pieces) or a body (doc, whose strings are the expressions, in document order). */
struct http_tmpl {
	struct piece *pieces;
	int npieces;
	json_t *doc;
	struct expr **exprs;
	int nexprs, cap;
	int refs; /* upsert: create and update share it */
};

static void tmpl_free(struct http_tmpl *t)
{
	if (!t || --t->refs > 0)
		return;
	for (int i = 0; i < t->npieces; i++) {
		free(t->pieces[i].text);
		expr_free(t->pieces[i].expr);
	}
	free(t->pieces);
	for (int i = 0; i < t->nexprs; i++)
		expr_free(t->exprs[i]);
	free(t->exprs);
	json_decref(t->doc);
	free(t);
}

void rules_free_http(struct rule_http *h)
{
	if (!h)
		return;
	for (int k = 0; k < HTTP_NKINDS; k++) {
		free(h->call[k].method);
		tmpl_free(h->call[k].path);
		tmpl_free(h->call[k].body);
	}
	free(h->id_from);
	free(h);
}

/* ------------------------------------------------------------------ paths */

static struct piece *add_piece(struct http_tmpl *t)
{
	struct piece *p = realloc(t->pieces, (size_t)(t->npieces + 1) * sizeof(*p));

	if (!p)
		return NULL;
	t->pieces = p;
	memset(&p[t->npieces], 0, sizeof(*p));
	return &p[t->npieces++];
}

/* Where the '}' closing the expression at S is (quotes skipped), or NULL. */
static const char *closing(const char *s)
{
	char quote = 0;

	for (; *s; s++) {
		if (quote && *s == quote)
			quote = 0;
		else if (!quote && (*s == '\'' || *s == '"'))
			quote = *s;
		else if (!quote && *s == '}')
			return s;
	}
	return NULL;
}

/* Adds the {...} part of LEN bytes at S (without braces); false when reported. */
static bool add_expr_piece(struct loader *ld, const struct place *at, const char *part,
                           struct http_tmpl *t, const char *s, size_t len)
{
	struct piece *p = add_piece(t);
	char err[512];
	size_t from = strspn(s, " \t"), to = len;

	while (to > from && (s[to - 1] == ' ' || s[to - 1] == '\t'))
		to--;
	if (!p || !(p->text = strndup(s + from, to - from))) {
		rules_report(ld, at, part, "out of memory");
		return false;
	}
	if (strcmp(p->text, "remote_id") == 0) {
		p->remote_id = true;
		return true;
	}
	if (!(p->expr = expr_compile(p->text, err, sizeof(err)))) {
		rules_report(ld, at, part, "{%s}: %s", p->text, err);
		return false;
	}
	return true;
}

/* Appends literal byte C to the last piece, or a new literal piece. */
static bool add_literal(struct http_tmpl *t, char c)
{
	struct piece *p = t->npieces ? &t->pieces[t->npieces - 1] : NULL;
	size_t len;
	char *grown;

	if (!p || p->expr || p->remote_id)
		if (!(p = add_piece(t)))
			return false;
	len = p->text ? strlen(p->text) : 0;
	if (!(grown = realloc(p->text, len + 2)))
		return false;
	grown[len] = c;
	grown[len + 1] = '\0';
	p->text = grown;
	return true;
}

/* Compiles PATH into T; false when a problem was reported. */
static bool parse_path(struct loader *ld, const struct place *at, const char *part,
                       struct http_tmpl *t, const char *path)
{
	for (const char *s = path; *s; s++) {
		const char *end;
		if ((s[0] == '{' && s[1] == '{') || (s[0] == '}' && s[1] == '}')) {
			if (!add_literal(t, *s++))
				return false;
		} else if (*s == '}') {
			rules_report(ld, at, part,
			             "a '}' without its '{' (write '}}' for a brace)");
			return false;
		} else if (*s != '{') {
			if (!add_literal(t, *s))
				return false;
		} else if (!(end = closing(s + 1))) {
			rules_report(ld, at, part, "'{' without its '}' (write '{{' for a brace)");
			return false;
		} else if (!add_expr_piece(ld, at, part, t, s + 1, (size_t)(end - s - 1))) {
			return false;
		} else {
			s = end;
		}
	}
	return true;
}

static bool uses_remote_id(const struct http_tmpl *t)
{
	for (int i = 0; t && i < t->npieces; i++)
		if (t->pieces[i].remote_id)
			return true;
	return false;
}

/* ------------------------------------------------------------------ bodies */

/* Compiles every string of V (at any depth) into T, in document order. */
static bool compile_body(struct loader *ld, const struct place *at, const char *part,
                         struct http_tmpl *t, json_t *v)
{
	char err[512];
	const char *name;
	json_t *m;
	size_t i;
	bool ok = true;

	if (json_is_object(v)) {
		json_object_foreach(v, name, m) ok = compile_body(ld, at, part, t, m) && ok;
	} else if (json_is_array(v)) {
		json_array_foreach(v, i, m) ok = compile_body(ld, at, part, t, m) && ok;
	} else if (json_is_string(v)) {
		struct expr **grown =
		    t->nexprs == t->cap
		        ? realloc(t->exprs, (size_t)(2 * t->cap + 4) * sizeof(*grown))
		        : t->exprs;
		if (!grown) {
			rules_report(ld, at, part, "out of memory");
			return false;
		}
		if (t->nexprs == t->cap)
			t->cap = 2 * t->cap + 4;
		t->exprs = grown;
		if (!(t->exprs[t->nexprs] = expr_compile(json_string_value(v), err, sizeof(err)))) {
			rules_report(ld, at, part, "\"%s\": %s%s", json_string_value(v), err,
			             strstr(json_string_value(v), "remote_id")
			                 ? " (remote_id only goes in a path, as {remote_id})"
			                 : "");
			return false;
		}
		t->nexprs++;
	}
	return ok;
}

/* ------------------------------------------------------------------ loading */

static struct http_tmpl *new_tmpl(struct loader *ld, const struct place *at)
{
	struct http_tmpl *t = calloc(1, sizeof(*t));

	if (!t)
		rules_report(ld, at, NULL, "out of memory");
	else
		t->refs = 1;
	return t;
}

/* The method of V ("post" is POST); NULL when reported. */
static char *load_method(struct loader *ld, const struct place *p, const char *label, json_t *v)
{
	struct place at = rules_at_key(p, "method");
	const char *s = json_string_value(v), *near;
	char up[16];

	if (!s) {
		rules_report(ld, v ? &at : p, NULL, "%s needs 'method': POST, PUT, PATCH or DELETE",
		             label);
		return NULL;
	}
	for (size_t i = 0; i < NELEM(methods); i++)
		if (strcasecmp(s, methods[i]) == 0)
			return strdup(methods[i]);
	snprintf(up, sizeof(up), "%.15s", s);
	for (char *c = up; *c; c++)
		*c = (char)(*c >= 'a' && *c <= 'z' ? *c - 32 : *c);
	near = suggest_nearest(up, methods, NELEM(methods));
	rules_report(ld, &at, NULL, "method '%s' is not POST, PUT, PATCH or DELETE%s%s%s", s,
	             near ? "; did you mean '" : "", near ? near : "", near ? "'?" : "");
	return NULL;
}

/* Reads one request {"method", "path", "body"} (at P, named LABEL) into CALL. */
static void load_call(struct loader *ld, const struct place *p, const char *label, json_t *obj,
                      struct http_call *call)
{
	json_t *path = json_object_get(obj, "path"), *body = json_object_get(obj, "body");
	struct place at = rules_at_key(p, "path");
	char part[64];

	if (!json_is_object(obj)) {
		rules_report(ld, p, NULL, "%s must be {\"method\", \"path\", \"body\"}, not %s",
		             label, rules_kind_of(obj));
		return;
	}
	rules_check_fields(ld, p, obj, call_fields, NELEM(call_fields));
	call->method = load_method(ld, p, label, json_object_get(obj, "method"));
	snprintf(part, sizeof(part), "%s path", label);
	if (!json_is_string(path) || json_string_value(path)[0] != '/')
		rules_report(ld, path ? &at : p, NULL, "%s needs 'path': text starting with '/'",
		             label);
	else if ((call->path = new_tmpl(ld, &at)))
		parse_path(ld, &at, part, call->path, json_string_value(path));
	at = rules_at_key(p, "body");
	snprintf(part, sizeof(part), "%s body", label);
	if (body && (call->body = new_tmpl(ld, &at)) && (call->body->doc = json_deep_copy(body)))
		compile_body(ld, &at, part, call->body, call->body->doc);
}

/* Reads the requests of H (the "http" object) into RH. */
static void load_calls(struct loader *ld, const struct place *p, json_t *h, struct rule_http *rh)
{
	static const char *const labels[] = {"http.create", "http.update", "http.delete"};
	json_t *upsert = json_object_get(h, "upsert");
	struct place at;

	for (int k = 0; k < HTTP_NKINDS; k++) {
		json_t *v = json_object_get(h, kind_names[k]);
		at = rules_at_key(p, kind_names[k]);
		if (v)
			load_call(ld, &at, labels[k], v, &rh->call[k]);
	}
	if (!upsert)
		return;
	at = rules_at_key(p, "upsert");
	if (json_object_get(h, "create") || json_object_get(h, "update")) {
		rules_report(ld, &at, NULL, "give 'upsert' or 'create'/'update', not both");
		return;
	}
	load_call(ld, &at, "http.upsert", upsert, &rh->call[HTTP_CREATE]);
	rh->call[HTTP_UPDATE] = rh->call[HTTP_CREATE];
	rh->call[HTTP_UPDATE].method =
	    rh->call[HTTP_CREATE].method ? strdup(rh->call[HTTP_CREATE].method) : NULL;
	if (rh->call[HTTP_UPDATE].path)
		rh->call[HTTP_UPDATE].path->refs++;
	if (rh->call[HTTP_UPDATE].body)
		rh->call[HTTP_UPDATE].body->refs++;
}

/* Reads "id_from" and "on_conflict". */
static void load_options(struct loader *ld, const struct place *p, json_t *h, struct rule_http *rh)
{
	json_t *id = json_object_get(h, "id_from"), *oc = json_object_get(h, "on_conflict");
	struct place at = rules_at_key(p, "id_from");
	const char *s = json_string_value(oc);

	if (id &&
	    (!json_is_string(id) || (json_string_length(id) && json_string_value(id)[0] != '/')))
		rules_report(ld, &at, NULL,
		             "'id_from' must be a JSON pointer such as \"/id\" or \"/data/id\"");
	else if (id && !(rh->id_from = strdup(json_string_value(id))))
		rules_report(ld, &at, NULL, "out of memory");
	at = rules_at_key(p, "on_conflict");
	if (oc && (!s || (strcmp(s, "update") != 0 && strcmp(s, "dead_letter") != 0)))
		rules_report(ld, &at, NULL, "'on_conflict' must be \"dead_letter\" or \"update\"");
	rh->conflict_update = s && strcmp(s, "update") == 0;
}

/* The checks across the parts of RH. */
static void check_http(struct loader *ld, const struct place *p, json_t *h,
                       const struct rule_http *rh)
{
	struct place at;

	if (!rh->call[HTTP_CREATE].method && !rh->call[HTTP_UPDATE].method &&
	    !rh->call[HTTP_DELETE].method && !json_object_get(h, "upsert"))
		rules_report(ld, p, NULL,
		             "'http' needs at least one of create, update, upsert, delete");
	at = rules_at_key(p, "create");
	if (uses_remote_id(rh->call[HTTP_CREATE].path) && json_object_get(h, "create"))
		rules_report(ld, &at, NULL, "http.create path: a create has no remote id yet");
	else if (uses_remote_id(rh->call[HTTP_CREATE].path))
		rules_report(ld, p, NULL,
		             "http.upsert path uses {remote_id}, which a create does not have yet: "
		             "give create and update");
	for (int k = 0; k < HTTP_NKINDS && !rh->id_from; k++)
		if (uses_remote_id(rh->call[k].path))
			rules_report(
			    ld, p, NULL,
			    "http.%s path: {remote_id} needs id_from: where a create's answer "
			    "holds the id",
			    kind_names[k]);
	at = rules_at_key(p, "id_from");
	if (rh->id_from && !rh->call[HTTP_CREATE].method)
		rules_report(ld, &at, NULL,
		             "'id_from' needs a create (or upsert): ids come from its answer");
	at = rules_at_key(p, "on_conflict");
	if (rh->conflict_update && !rh->call[HTTP_UPDATE].method)
		rules_report(ld, &at, NULL, "on_conflict \"update\" needs an update (or upsert)");
}

void rules_load_http(struct loader *ld, const struct place *p, json_t *obj, struct rule *r)
{
	json_t *h = json_object_get(obj, "http");
	struct place at = rules_at_key(p, "http");

	for (size_t i = 0; i < NELEM(table_fields); i++)
		if (json_object_get(obj, table_fields[i])) {
			struct place f = rules_at_key(p, table_fields[i]);
			rules_report(ld, &f, NULL, "'%s' does not go with 'http'", table_fields[i]);
		}
	if (!json_is_object(h)) {
		rules_report(ld, &at, NULL, "'http' must be an object of requests, not %s",
		             rules_kind_of(h));
		return;
	}
	if (!(r->http = calloc(1, sizeof(*r->http)))) {
		rules_report(ld, &at, NULL, "out of memory");
		return;
	}
	rules_check_fields(ld, &at, h, http_fields, NELEM(http_fields));
	load_calls(ld, &at, h, r->http);
	load_options(ld, &at, h, r->http);
	check_http(ld, &at, h, r->http);
}

/* ------------------------------------------------------------------ rendering */

/* Evaluates E into V; on failure err names PART and SRC. */
static int eval_part(const struct expr *e, struct expr_ctx *ctx, struct val *v, const char *part,
                     const char *src, char *err, size_t errlen)
{
	char msg[512];

	if (expr_eval(e, ctx, v, msg, sizeof(msg)) == 0)
		return 0;
	snprintf(err, errlen, "%s, \"%s\": %s", part, src, msg);
	return -1;
}

/* Appends S percent-encoded: all but A-Z a-z 0-9 - . _ ~ as %XX. */
static void add_encoded(struct buf *b, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";

	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
		    (*p >= '0' && *p <= '9') || strchr("-._~", *p)) {
			buf_addc(b, (char)*p);
		} else {
			buf_addc(b, '%');
			buf_addc(b, hex[*p >> 4]);
			buf_addc(b, hex[*p & 15]);
		}
	}
}

static int render_path(const struct http_tmpl *t, struct expr_ctx *ctx, const char *part,
                       struct buf *b, char *err, size_t errlen)
{
	struct val v;

	for (int i = 0; i < t->npieces; i++) {
		const struct piece *p = &t->pieces[i];
		if (p->remote_id) {
			buf_addc(b, ROWOP_REMOTE_ID);
			continue;
		}
		if (!p->expr) {
			buf_adds(b, p->text);
			continue;
		}
		if (eval_part(p->expr, ctx, &v, part, p->text, err, errlen) < 0)
			return -1;
		if (v.type == VAL_NULL) {
			snprintf(err, errlen, "%s: {%s} is null", part, p->text);
			return -1;
		}
		add_encoded(b, val_to_param(ctx, &v, "true", "false"));
	}
	return 0;
}

/* Appends V as JSON: null, true/false, a number in plain decimal text, a string. */
static void add_value(struct buf *b, struct expr_ctx *ctx, const struct val *v)
{
	if (v->type == VAL_NULL)
		buf_adds(b, "null");
	else if (v->type == VAL_BOOL)
		buf_adds(b, v->b ? "true" : "false");
	else if (v->type == VAL_NUM)
		buf_adds(b, val_to_param(ctx, v, "true", "false"));
	else
		buf_add_json_string(b, v->text, v->len);
}

/* Appends the body template's part V rendered; *NEXT counts the expressions used. */
static int render_json(const struct http_tmpl *t, json_t *v, int *next, struct expr_ctx *ctx,
                       const char *part, struct buf *b, char *err, size_t errlen)
{
	const char *name;
	json_t *m;
	size_t i;
	int rc = 0;
	struct val val;

	if (json_is_object(v)) {
		bool first = true;
		buf_addc(b, '{');
		json_object_foreach(v, name, m)
		{
			if (!first)
				buf_addc(b, ',');
			first = false;
			buf_add_json_string(b, name, strlen(name));
			buf_addc(b, ':');
			rc = rc ? rc : render_json(t, m, next, ctx, part, b, err, errlen);
		}
		buf_addc(b, '}');
	} else if (json_is_array(v)) {
		buf_addc(b, '[');
		json_array_foreach(v, i, m)
		{
			if (i)
				buf_addc(b, ',');
			rc = rc ? rc : render_json(t, m, next, ctx, part, b, err, errlen);
		}
		buf_addc(b, ']');
	} else if (json_is_string(v)) {
		rc = eval_part(t->exprs[(*next)++], ctx, &val, part, json_string_value(v), err,
		               errlen);
		if (rc == 0)
			add_value(b, ctx, &val);
	} else {
		buf_add_json(b, v); /* a literal */
	}
	return rc;
}

/* Renders request K of rule R into OP->req[K] (text in the arena). */
static int render_call(const struct rule *r, int k, struct expr_ctx *ctx, struct rowop *op,
                       char *err, size_t errlen)
{
	const struct http_call *c = &r->http->call[k];
	struct buf b;
	char part[32];
	int next = 0, rc;

	if (!c->method)
		return 0;
	buf_init(&b);
	snprintf(part, sizeof(part), "http.%s path", kind_names[k]);
	rc = render_path(c->path, ctx, part, &b, err, errlen);
	op->req[k].path = rc == 0 && buf_ok(&b) ? expr_ctx_strdup(ctx, b.data, b.len) : NULL;
	buf_reset(&b);
	snprintf(part, sizeof(part), "http.%s body", kind_names[k]);
	if (rc == 0 && c->body)
		rc = render_json(c->body, c->body->doc, &next, ctx, part, &b, err, errlen);
	op->req[k].body =
	    rc == 0 && c->body && buf_ok(&b) ? expr_ctx_strdup(ctx, b.data, b.len) : NULL;
	if (rc == 0 && (!op->req[k].path || (c->body && !op->req[k].body))) {
		snprintf(err, errlen, "out of memory");
		rc = -1;
	}
	buf_release(&b);
	op->req[k].method = rc == 0 ? c->method : NULL;
	return rc;
}

/* JSON of V (compact, sorted members) in the arena; NULL when out of memory. */
static const char *arena_json(struct expr_ctx *ctx, json_t *v)
{
	char *s = json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
	const char *out = s ? expr_ctx_strdup(ctx, s, strlen(s)) : NULL;

	free(s);
	return out;
}

/* The change's place in its source, {"op", "source" without "version"}, or NULL. */
static const char *position(const struct event *ev, struct expr_ctx *ctx)
{
	static const char *const fields[] = {"lsn", "seq", "change_lsn", "commit_lsn",
	                                     "pos", "scn", "gtid"};
	json_t *src = json_object_get(ev->payload, "source"), *copy, *pos;
	char op[2] = {ev->op, '\0'};
	bool has = false;
	const char *out;

	for (size_t i = 0; json_is_object(src) && i < NELEM(fields); i++)
		has = has || json_object_get(src, fields[i]);
	if (!has || !(copy = json_copy(src)))
		return NULL;
	json_object_del(copy, "version"); /* the same change, whatever spoke's version */
	pos = json_pack("{s:s,s:o}", "op", op, "source", copy);
	out = pos ? arena_json(ctx, pos) : NULL;
	json_decref(pos);
	return out;
}

int rules_eval_http(const struct rule *r, const struct event *ev, struct expr_ctx *ctx,
                    struct rowop *op, char *err, size_t errlen)
{
	bool del = ev->op == 'd';

	op->update_op = ev->op == 'u';
	if (!ev->key) {
		snprintf(err, errlen,
		         "the change has no key: an HTTP rule needs one to address and order its "
		         "requests");
		return -1;
	}
	if (!(op->keytext = arena_json(ctx, ev->key))) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	op->position = position(ev, ctx);
	for (int k = 0; k < HTTP_NKINDS; k++)
		if ((k == HTTP_DELETE) == del && render_call(r, k, ctx, op, err, errlen) < 0)
			return -1;
	op->kind = del ? ROWOP_DELETE : ROWOP_UPSERT;
	return 0;
}

int rules_visit_http(const struct rule_http *h, int (*fn)(void *arg, const struct expr *e),
                     void *arg)
{
	int rc = 0;

	for (int k = 0; h && k < HTTP_NKINDS && rc == 0; k++) {
		const struct http_tmpl *path = h->call[k].path, *body = h->call[k].body;
		for (int i = 0; path && i < path->npieces && rc == 0; i++)
			rc = path->pieces[i].expr ? fn(arg, path->pieces[i].expr) : 0;
		for (int i = 0; body && i < body->nexprs && rc == 0; i++)
			rc = fn(arg, body->exprs[i]);
	}
	return rc;
}
