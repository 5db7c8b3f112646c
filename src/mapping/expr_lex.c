/* expr_lex: the tokens of the expression language: numbers, 'text', names, "quoted names", operators. */
#include "mapping/expr_impl.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

int lex_column(const char *src, size_t pos)
{
	int col = 1;

	for (size_t i = 0; i < pos; i++)
		if (((unsigned char)src[i] & 0xC0) != 0x80)
			col++;
	return col;
}

bool tok_is_word(const struct token *t, const char *word)
{
	return t->kind == T_IDENT && strlen(word) == t->len &&
	       strncasecmp(t->start, word, t->len) == 0;
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* Names are ASCII letters, digits and '_', and any UTF-8 letter (bytes from 0x80). */
static bool is_name_start(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || (c & 0x80);
}

static bool is_name_char(char c)
{
	return is_name_start(c) || is_digit(c);
}

/* Digits, an optional fraction, an optional exponent: "12", "19.90", "1e3", "2.5E-2". */
static size_t number_length(const char *s)
{
	size_t i = 0, j;

	while (is_digit(s[i]))
		i++;
	if (s[i] == '.' && is_digit(s[i + 1])) {
		i++;
		while (is_digit(s[i]))
			i++;
	}
	if (s[i] == 'e' || s[i] == 'E') {
		j = i + 1;
		if (s[j] == '+' || s[j] == '-')
			j++;
		if (is_digit(s[j])) {
			while (is_digit(s[j]))
				j++;
			i = j;
		}
	}
	return i;
}

/*
 * Reads text quoted with Q ('text' or "name") starting at the opening quote; a doubled quote
 * stands for one. Stores the value in the arena. Returns the source length, or 0 when the
 * closing quote is missing, or (size_t)-1 when out of memory.
 */
static size_t read_quoted(struct lexer *lx, struct token *t, char q)
{
	const char *s = lx->src + lx->pos;
	size_t i = 1, n = 0;
	char *out;

	for (;; i++) {
		if (s[i] == '\0')
			return 0;
		if (s[i] == q && s[i + 1] != q)
			break;
		if (s[i] == q)
			i++;
	}
	out = arena_alloc(lx->arena, i);
	if (!out)
		return (size_t)-1;
	for (size_t j = 1; j < i; j++) {
		out[n++] = s[j];
		if (s[j] == q)
			j++;
	}
	out[n] = '\0';
	t->text = out;
	t->textlen = n;
	return i + 1;
}

static const struct {
	const char *text;
	enum tok_kind kind;
} operators[] = {
    {"||", T_CONCAT}, {"!=", T_NE},   {"<>", T_NE}, {"<=", T_LE},  {">=", T_GE},   {"(", T_LPAREN},
    {")", T_RPAREN},  {",", T_COMMA}, {".", T_DOT}, {"+", T_PLUS}, {"-", T_MINUS}, {"*", T_STAR},
    {"/", T_SLASH},   {"=", T_EQ},    {"<", T_LT},  {">", T_GT},
};

/* Operators, or a message for what looks like one from another language. */
static int lex_operator(struct lexer *lx, struct token *t, char *err, size_t errlen)
{
	const char *s = lx->src + lx->pos;
	unsigned char c = (unsigned char)*s;

	if (strncmp(s, "==", 2) == 0) {
		snprintf(err, errlen, "column %d: unexpected '==' (equality is '=')", t->col);
		return -1;
	}
	for (size_t i = 0; i < sizeof(operators) / sizeof(operators[0]); i++) {
		size_t n = strlen(operators[i].text);

		if (strncmp(s, operators[i].text, n) == 0) {
			t->kind = operators[i].kind;
			t->len = n;
			return 0;
		}
	}
	if (c == '|')
		snprintf(err, errlen, "column %d: unexpected '|' (text is joined with '||')",
		         t->col);
	else if (c > 0x20 && c < 0x7F)
		snprintf(err, errlen, "column %d: unexpected character '%c'", t->col, c);
	else
		snprintf(err, errlen, "column %d: unexpected character 0x%02X", t->col, c);
	return -1;
}

static int lex_quoted(struct lexer *lx, struct token *t, char *err, size_t errlen)
{
	char q = lx->src[lx->pos];
	size_t n = read_quoted(lx, t, q);

	if (n == (size_t)-1) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (n == 0) {
		snprintf(err, errlen, "column %d: unterminated %s", t->col,
		         q == '\'' ? "string" : "quoted name");
		return -1;
	}
	if (q == '"' && t->textlen == 0) {
		snprintf(err, errlen, "column %d: empty quoted name", t->col);
		return -1;
	}
	t->kind = q == '\'' ? T_STR : T_QIDENT;
	t->len = n;
	return 0;
}

int lex_next(struct lexer *lx, struct token *t, char *err, size_t errlen)
{
	const char *s;

	while (strchr(" \t\r\n\f\v", lx->src[lx->pos]) && lx->src[lx->pos])
		lx->pos++;
	s = lx->src + lx->pos;
	memset(t, 0, sizeof(*t));
	t->start = s;
	t->col = lex_column(lx->src, lx->pos);
	if (*s == '\0') {
		t->kind = T_END;
	} else if (is_digit(*s)) {
		t->kind = T_NUM;
		t->len = number_length(s);
	} else if (is_name_start(*s)) {
		t->kind = T_IDENT;
		while (is_name_char(s[t->len]))
			t->len++;
	} else if (*s == '\'' || *s == '"') {
		if (lex_quoted(lx, t, err, errlen) < 0)
			return -1;
	} else if (lex_operator(lx, t, err, errlen) < 0) {
		return -1;
	}
	lx->pos += t->len;
	return 0;
}
