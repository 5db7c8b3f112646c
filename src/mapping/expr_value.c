/* expr_value: values of the expression language and their conversions (number, text, bool). */
#include "mapping/expr_impl.h"

#include <stdio.h>
#include <string.h>

void val_null(struct val *v)
{
	memset(v, 0, sizeof(*v));
	v->type = VAL_NULL;
}

void val_bool(struct val *v, bool b)
{
	val_null(v);
	v->type = VAL_BOOL;
	v->b = b;
}

void val_num(struct val *v, const struct decimal *d)
{
	val_null(v);
	v->type = VAL_NUM;
	v->num = *d;
}

void val_text_ref(struct val *v, const char *s, size_t len)
{
	val_null(v);
	v->type = VAL_TEXT;
	v->text = s;
	v->len = len;
}

int val_text_copy(struct eval *ev, const struct node *n, struct val *v, const char *s, size_t len)
{
	struct expr_arena *a = ctx_arena(ev->ctx);
	char *p = a ? arena_strdup(a, s, len) : NULL;

	if (!p)
		return eval_oom(ev, n);
	val_text_ref(v, p, len);
	return 0;
}

/* Shortens text for a message to at most MAX bytes, not cutting a UTF-8 character. */
static size_t short_len(const char *s, size_t len, size_t max)
{
	if (len <= max)
		return len;
	while (max > 0 && ((unsigned char)s[max] & 0xC0) == 0x80)
		max--;
	return max;
}

void val_describe(const struct val *v, char *buf, size_t size)
{
	char num[DECIMAL_TEXT_MAX];
	size_t n;

	switch (v->type) {
	case VAL_NULL:
		snprintf(buf, size, "null");
		break;
	case VAL_BOOL:
		snprintf(buf, size, "%s", v->b ? "true" : "false");
		break;
	case VAL_NUM:
		decimal_format(&v->num, num);
		snprintf(buf, size, "%s", num);
		break;
	case VAL_TEXT:
		n = short_len(v->text, v->len, 40);
		snprintf(buf, size, "'%.*s%s'", (int)n, v->text, n < v->len ? "..." : "");
		break;
	}
}

int val_to_num(struct eval *ev, const struct node *n, const struct val *v, struct decimal *out)
{
	char what[64];

	if (v->type == VAL_NUM) {
		*out = v->num;
		return 0;
	}
	if (v->type == VAL_TEXT && decimal_parse(out, v->text, v->len) == 0)
		return 0;
	val_describe(v, what, sizeof(what));
	return eval_fail(ev, n, "cannot use %s as a number", what);
}

int val_to_text(struct eval *ev, const struct node *n, const struct val *v, const char **s,
                size_t *len)
{
	char num[DECIMAL_TEXT_MAX];
	struct expr_arena *a;

	switch (v->type) {
	case VAL_TEXT:
		*s = v->text;
		*len = v->len;
		return 0;
	case VAL_BOOL:
		*s = v->b ? "true" : "false";
		*len = strlen(*s);
		return 0;
	case VAL_NUM:
		*len = decimal_format(&v->num, num);
		a = ctx_arena(ev->ctx);
		if (!a || !(*s = arena_strdup(a, num, *len)))
			return eval_oom(ev, n);
		return 0;
	case VAL_NULL:
		break;
	}
	return eval_fail(ev, n, "null where text is needed");
}

int val_check_bool(struct eval *ev, const struct node *n, const struct val *v)
{
	char what[64];

	if (v->type == VAL_BOOL || v->type == VAL_NULL)
		return 0;
	val_describe(v, what, sizeof(what));
	return eval_fail(ev, n, "expected true or false, not %s", what);
}

int val_to_int(struct eval *ev, const struct node *n, const struct val *v, const char *what,
               int64_t *out)
{
	struct decimal d, whole;
	char shown[64];

	if (val_to_num(ev, n, v, &d) < 0)
		return -1;
	if (decimal_to_int64(&d, out) == 0)
		return 0;
	if (decimal_round(&whole, &d, 0) == 0 && decimal_cmp(&whole, &d) == 0) {
		*out =
		    d.mant < 0 ? INT64_MIN : INT64_MAX; /* whole, beyond int64: as far as it goes */
		return 0;
	}
	val_describe(v, shown, sizeof(shown));
	return eval_fail(ev, n, "%s must be a whole number, not %s", what, shown);
}

const char *val_to_param(struct expr_ctx *ctx, const struct val *v, const char *bool_true,
                         const char *bool_false)
{
	char num[DECIMAL_TEXT_MAX];
	struct expr_arena *a = ctx_arena(ctx);
	const char *s;
	size_t len;

	if (!a)
		return NULL;
	switch (v->type) {
	case VAL_NULL:
		return NULL;
	case VAL_BOOL:
		s = v->b ? bool_true : bool_false;
		return arena_strdup(a, s, strlen(s));
	case VAL_NUM:
		len = decimal_format(&v->num, num);
		return arena_strdup(a, num, len);
	case VAL_TEXT:
		if (arena_owns(a, v->text))
			return v->text;
		return arena_strdup(a, v->text, v->len);
	}
	return NULL;
}

bool val_is_true(const struct val *v)
{
	return v->type == VAL_BOOL && v->b;
}
