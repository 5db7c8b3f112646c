/* expr_func: the functions of the expression language, one table row each. */
#include "mapping/expr_impl.h"

#include "core/suggest.h"

#include <locale.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <wctype.h>

/* ---- helpers ---- */

static int arg_text(struct call *c, int i, const char **s, size_t *len)
{
	return val_to_text(c->ev, c->node->kids[i], &c->args[i], s, len);
}

static int arg_num(struct call *c, int i, struct decimal *d)
{
	return val_to_num(c->ev, c->node->kids[i], &c->args[i], d);
}

/* Room for N bytes of a result in the arena, or NULL (reported) when out of memory. */
static char *result_space(struct call *c, size_t n)
{
	char *p = arena_alloc(c->ev->ctx->arena, n);

	if (!p)
		eval_oom(c->ev, c->node);
	return p;
}

/* A decimal operation's result, or its failure reported at the call. */
static int num_result(struct call *c, int rc, const struct decimal *d, struct val *out)
{
	if (rc < 0)
		return eval_fail(c->ev, c->node, "decimal overflow");
	val_num(out, d);
	return 0;
}

static bool is_continuation(char c)
{
	return ((unsigned char)c & 0xC0) == 0x80;
}

/* Characters (not bytes) in S. */
static size_t utf8_count(const char *s, size_t len)
{
	size_t n = 0;

	for (size_t i = 0; i < len; i++)
		n += !is_continuation(s[i]);
	return n;
}

/* The byte offset of character number CH (0-based) in S; LEN when there are fewer. */
static size_t utf8_offset(const char *s, size_t len, size_t ch)
{
	size_t i = 0;

	for (; i < len; i++)
		if (!is_continuation(s[i]) && ch-- == 0)
			return i;
	return len;
}

/* ---- control ---- */

static int fn_if(struct call *c, struct val *out)
{
	const struct node *cond = c->node->kids[0];
	struct val v;

	if (eval_node(c->ev, cond, &v) < 0 || val_check_bool(c->ev, cond, &v) < 0)
		return -1;
	return eval_node(c->ev, c->node->kids[val_is_true(&v) ? 1 : 2], out);
}

static int fn_coalesce(struct call *c, struct val *out)
{
	for (int i = 0; i < c->nargs; i++) {
		if (eval_node(c->ev, c->node->kids[i], out) < 0)
			return -1;
		if (out->type != VAL_NULL)
			return 0;
	}
	val_null(out);
	return 0;
}

/* ---- text ---- */

static int fn_concat(struct call *c, struct val *out)
{
	size_t total = 0, len;
	const char *s;
	char *p;

	for (int i = 0; i < c->nargs; i++) {
		if (c->args[i].type == VAL_NULL)
			continue;
		if (arg_text(c, i, &s, &len) < 0)
			return -1;
		val_text_ref(&c->args[i], s, len);
		total += len;
	}
	if (!(p = result_space(c, total + 1)))
		return -1;
	val_text_ref(out, p, total);
	for (int i = 0; i < c->nargs; i++) {
		if (c->args[i].type == VAL_NULL)
			continue;
		memcpy(p, c->args[i].text, c->args[i].len);
		p += c->args[i].len;
	}
	*p = '\0';
	return 0;
}

/*
 * The C.UTF-8 character classes, for case changes beyond ASCII without touching the process's
 * locale. Created once, never changed (NULL when the system lacks it: ASCII only then).
 */
static locale_t utf8_locale(void)
{
	static locale_t loc;
	static bool tried;

	if (!tried) {
		tried = true;
		loc = newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t)0);
	}
	return loc;
}

/* Decodes the UTF-8 character at S (LEFT bytes): its code point and length, or -1. */
static long utf8_decode(const unsigned char *s, size_t left, size_t *n)
{
	int extra = s[0] < 0x80             ? 0
	            : (s[0] & 0xE0) == 0xC0 ? 1
	            : (s[0] & 0xF0) == 0xE0 ? 2
	            : (s[0] & 0xF8) == 0xF0 ? 3
	                                    : -1;
	long cp = extra == 0   ? s[0]
	          : extra == 1 ? s[0] & 0x1F
	          : extra == 2 ? s[0] & 0x0F
	                       : s[0] & 0x07;

	if (extra < 0 || (size_t)extra >= left)
		return -1;
	for (int i = 1; i <= extra; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return -1;
		cp = (cp << 6) | (s[i] & 0x3F);
	}
	*n = (size_t)extra + 1;
	return cp;
}

static size_t utf8_encode(long cp, char *out)
{
	if (cp < 0x80) {
		out[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (char)(0xC0 | (cp >> 6));
		out[1] = (char)(0x80 | (cp & 0x3F));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (char)(0xE0 | (cp >> 12));
		out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
		out[2] = (char)(0x80 | (cp & 0x3F));
		return 3;
	}
	out[0] = (char)(0xF0 | (cp >> 18));
	out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
	out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
	out[3] = (char)(0x80 | (cp & 0x3F));
	return 4;
}

/* One character in the other case (Unicode simple case mapping); ASCII without the locale. */
static long change_char(long cp, bool up)
{
	locale_t loc = cp >= 0x80 ? utf8_locale() : (locale_t)0;

	if (loc)
		return (long)(up ? towupper_l((wint_t)cp, loc) : towlower_l((wint_t)cp, loc));
	if (up && cp >= 'a' && cp <= 'z')
		return cp - 'a' + 'A';
	if (!up && cp >= 'A' && cp <= 'Z')
		return cp - 'A' + 'a';
	return cp;
}

/*
 * upper() and lower(): Unicode simple case mapping, character by character ('é' -> 'É');
 * bytes that are not UTF-8 are kept as they are.
 */
static int change_case(struct call *c, struct val *out, bool up)
{
	const char *s;
	size_t len, n, used = 0;
	char *p;

	if (arg_text(c, 0, &s, &len) < 0 || !(p = result_space(c, 2 * len + 1)))
		return -1;
	for (size_t i = 0; i < len; i += n) {
		long cp = utf8_decode((const unsigned char *)s + i, len - i, &n);
		if (cp < 0) {
			p[used++] = s[i];
			n = 1;
			continue;
		}
		used += utf8_encode(change_char(cp, up), p + used);
	}
	p[used] = '\0';
	val_text_ref(out, p, used);
	return 0;
}

static int fn_upper(struct call *c, struct val *out)
{
	return change_case(c, out, true);
}

static int fn_lower(struct call *c, struct val *out)
{
	return change_case(c, out, false);
}

static int fn_trim(struct call *c, struct val *out)
{
	const char *s;
	size_t len, start = 0;

	if (arg_text(c, 0, &s, &len) < 0)
		return -1;
	while (start < len && strchr(" \t\r\n\f\v", s[start]) && s[start])
		start++;
	while (len > start && strchr(" \t\r\n\f\v", s[len - 1]) && s[len - 1])
		len--;
	return val_text_copy(c->ev, c->node, out, s + start, len - start);
}

/*
 * substr(s, start[, len]): characters start .. start + len - 1, counted from 1, as in SQL: a
 * start before 1 counts the missing positions against len; past the end gives ''.
 */
static int fn_substr(struct call *c, struct val *out)
{
	int64_t start, count = INT64_MAX, end, n;
	const char *s;
	size_t len, from, to;

	if (arg_text(c, 0, &s, &len) < 0 ||
	    val_to_int(c->ev, c->node->kids[1], &c->args[1], "substr's start", &start) < 0)
		return -1;
	if (c->nargs == 3 &&
	    val_to_int(c->ev, c->node->kids[2], &c->args[2], "substr's length", &count) < 0)
		return -1;
	if (count < 0)
		return eval_fail(c->ev, c->node->kids[2], "substr's length must not be negative");
	if (__builtin_add_overflow(start, count, &end))
		end = INT64_MAX;
	n = (int64_t)utf8_count(s, len);
	if (start < 1)
		start = 1;
	if (end > n + 1)
		end = n + 1;
	if (end <= start)
		return val_text_copy(c->ev, c->node, out, "", 0);
	from = utf8_offset(s, len, (size_t)(start - 1));
	to = utf8_offset(s, len, (size_t)(end - 1));
	return val_text_copy(c->ev, c->node, out, s + from, to - from);
}

static int fn_replace(struct call *c, struct val *out)
{
	const char *s, *from, *to, *hit, *at;
	size_t len, lf, lt, hits = 0, rest;
	char *p;

	if (arg_text(c, 0, &s, &len) < 0 || arg_text(c, 1, &from, &lf) < 0 ||
	    arg_text(c, 2, &to, &lt) < 0)
		return -1;
	if (lf == 0)
		return val_text_copy(c->ev, c->node, out, s, len);
	for (at = s; (hit = memmem(at, len - (size_t)(at - s), from, lf)); at = hit + lf)
		hits++;
	if (!(p = result_space(c, len - hits * lf + hits * lt + 1)))
		return -1;
	val_text_ref(out, p, len - hits * lf + hits * lt);
	for (at = s; (hit = memmem(at, len - (size_t)(at - s), from, lf)); at = hit + lf) {
		memcpy(p, at, (size_t)(hit - at));
		p += hit - at;
		memcpy(p, to, lt);
		p += lt;
	}
	rest = len - (size_t)(at - s);
	memcpy(p, at, rest);
	p[rest] = '\0';
	return 0;
}

static int fn_length(struct call *c, struct val *out)
{
	struct decimal d;
	const char *s;
	size_t len;

	if (arg_text(c, 0, &s, &len) < 0)
		return -1;
	decimal_from_int(&d, (int64_t)utf8_count(s, len));
	val_num(out, &d);
	return 0;
}

static int fn_sha256(struct call *c, struct val *out)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	const char *s;
	size_t len;
	char *p;

	if (arg_text(c, 0, &s, &len) < 0)
		return -1;
	if (!EVP_Digest(s, len, md, &mdlen, EVP_sha256(), NULL))
		return eval_fail(c->ev, c->node, "sha256 failed");
	if (!(p = result_space(c, 2 * mdlen + 1)))
		return -1;
	for (unsigned int i = 0; i < mdlen; i++) {
		p[2 * i] = hex[md[i] >> 4];
		p[2 * i + 1] = hex[md[i] & 15];
	}
	p[2 * mdlen] = '\0';
	val_text_ref(out, p, 2 * mdlen);
	return 0;
}

/* ---- numbers ---- */

static int fn_round(struct call *c, struct val *out)
{
	struct decimal x, r;
	int64_t digits = 0;

	if (arg_num(c, 0, &x) < 0)
		return -1;
	if (c->nargs == 2 &&
	    val_to_int(c->ev, c->node->kids[1], &c->args[1], "round's digits", &digits) < 0)
		return -1;
	if (digits > 1000)
		digits = 1000;
	if (digits < -1000)
		digits = -1000;
	return num_result(c, decimal_round(&r, &x, (int)digits), &r, out);
}

static int fn_floor(struct call *c, struct val *out)
{
	struct decimal x, r;

	if (arg_num(c, 0, &x) < 0)
		return -1;
	return num_result(c, decimal_floor(&r, &x), &r, out);
}

static int fn_ceil(struct call *c, struct val *out)
{
	struct decimal x, r;

	if (arg_num(c, 0, &x) < 0)
		return -1;
	return num_result(c, decimal_ceil(&r, &x), &r, out);
}

static int fn_abs(struct call *c, struct val *out)
{
	struct decimal x, zero;

	if (arg_num(c, 0, &x) < 0)
		return -1;
	if (x.mant >= 0) {
		val_num(out, &x);
		return 0;
	}
	decimal_from_int(&zero, 0);
	return num_result(c, decimal_sub(&x, &zero, &x), &x, out);
}

/* ---- conversions ---- */

static int fn_number(struct call *c, struct val *out)
{
	struct decimal d;

	if (c->args[0].type == VAL_BOOL) {
		decimal_from_int(&d, c->args[0].b);
		val_num(out, &d);
		return 0;
	}
	if (arg_num(c, 0, &d) < 0)
		return -1;
	val_num(out, &d);
	return 0;
}

static int fn_text(struct call *c, struct val *out)
{
	const char *s;
	size_t len;

	if (arg_text(c, 0, &s, &len) < 0)
		return -1;
	val_text_ref(out, s, len);
	return 0;
}

/* True when text V is WORD, ignoring ASCII case. */
static bool text_is(const struct val *v, const char *word)
{
	return v->len == strlen(word) && strncasecmp(v->text, word, v->len) == 0;
}

/* true/false, t/f, yes/no, 1/0 (any case), and the numbers 1 and 0. */
static int fn_bool(struct call *c, struct val *out)
{
	static const char *const yes[] = {"true", "t", "yes", "1"}, *const no[] = {"false", "f",
	                                                                           "no", "0"};
	const struct val *v = &c->args[0];
	char what[64];
	int64_t i;

	if (v->type == VAL_BOOL) {
		*out = *v;
		return 0;
	}
	if (v->type == VAL_NUM && decimal_to_int64(&v->num, &i) == 0 && (i == 0 || i == 1)) {
		val_bool(out, i == 1);
		return 0;
	}
	for (size_t k = 0; v->type == VAL_TEXT && k < sizeof(yes) / sizeof(yes[0]); k++) {
		if (text_is(v, yes[k]) || text_is(v, no[k])) {
			val_bool(out, text_is(v, yes[k]));
			return 0;
		}
	}
	val_describe(v, what, sizeof(what));
	return eval_fail(c->ev, c->node->kids[0], "cannot use %s as a bool", what);
}

/* ---- lookup ---- */

/*
 * lookup(target, table, key_column, value, result_column): the applier's answer, with the
 * value passed as text ("true"/"false" for booleans). A missing row gives null.
 */
static int fn_lookup(struct call *c, struct val *out)
{
	static const char *const what[] = {"target", "table", "key column", NULL, "result column"};
	struct expr_ctx *ctx = c->ev->ctx;
	const char *key, *res = NULL;
	char err[256] = "";
	bool transient = false;
	int rc;

	if (!ctx->lookup)
		return eval_fail(c->ev, c->node, "lookup() is not available here");
	if (c->args[3].type == VAL_NULL) {
		val_null(out); /* no row has a null key */
		return 0;
	}
	for (int i = 0; i < 5; i++)
		if (what[i] && c->args[i].type != VAL_TEXT)
			return eval_fail(c->ev, c->node->kids[i], "lookup's %s must be text",
			                 what[i]);
	if (!(key = val_to_param(ctx, &c->args[3], "true", "false")))
		return eval_oom(c->ev, c->node);
	rc = ctx->lookup(ctx->lookup_arg, c->args[0].text, c->args[1].text, c->args[2].text, key,
	                 c->args[4].text, &res, &transient, err, sizeof(err));
	if (rc < 0) {
		ctx->transient = transient;
		return eval_fail(c->ev, c->node, "lookup in %s: %s", c->args[1].text,
		                 err[0] ? err : "failed");
	}
	if (rc == 0 || !res)
		val_null(out);
	else
		val_text_ref(out, res, strlen(res));
	return 0;
}

/* ---- the table ---- */

static const struct func funcs[] = {
    {"if", 3, 3, F_LAZY, fn_if},           {"coalesce", 1, -1, F_LAZY, fn_coalesce},
    {"concat", 1, -1, F_NULLS, fn_concat}, {"upper", 1, 1, F_STRICT, fn_upper},
    {"lower", 1, 1, F_STRICT, fn_lower},   {"trim", 1, 1, F_STRICT, fn_trim},
    {"substr", 2, 3, F_STRICT, fn_substr}, {"replace", 3, 3, F_STRICT, fn_replace},
    {"length", 1, 1, F_STRICT, fn_length}, {"round", 1, 2, F_STRICT, fn_round},
    {"floor", 1, 1, F_STRICT, fn_floor},   {"ceil", 1, 1, F_STRICT, fn_ceil},
    {"abs", 1, 1, F_STRICT, fn_abs},       {"number", 1, 1, F_STRICT, fn_number},
    {"text", 1, 1, F_STRICT, fn_text},     {"bool", 1, 1, F_STRICT, fn_bool},
    {"date", 1, 1, F_STRICT, fn_date},     {"datetime", 1, 1, F_STRICT, fn_datetime},
    {"now", 0, 0, F_STRICT, fn_now},       {"sha256", 1, 1, F_STRICT, fn_sha256},
    {"lookup", 5, 5, F_NULLS, fn_lookup},
};
#define NFUNCS (sizeof(funcs) / sizeof(funcs[0]))

const struct func *func_find(const char *name, size_t len)
{
	for (size_t i = 0; i < NFUNCS; i++)
		if (strlen(funcs[i].name) == len && strncasecmp(funcs[i].name, name, len) == 0)
			return &funcs[i];
	return NULL;
}

const char *func_suggest(const char *name)
{
	const char *names[NFUNCS];

	for (size_t i = 0; i < NFUNCS; i++)
		names[i] = funcs[i].name;
	return suggest_nearest(name, names, NFUNCS);
}
