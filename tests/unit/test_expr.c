/* Unit tests for mapping/expr: syntax, operators, null semantics, functions, paths, errors. */
#include "unit.h"
#include "mapping/expr.h"

#include <jansson.h>
#include <stdlib.h>

static const char event_json[] =
    "{\"op\": \"u\", \"ts_ms\": 1700000000123,"
    " \"before\": {\"id\": 7, \"price\": \"19.90\", \"name\": \"old\"},"
    " \"after\": {\"id\": 7, \"price\": \"19.90\", \"name\": \"Widget\", \"qty\": 3,"
    "   \"ratio\": 0.1, \"big\": 1e300, \"active\": true, \"note\": null, \"nul\": \"a\\u0000b\","
    "   \"attrs\": {\"color\": \"red\", \"size\": {\"w\": 2, \"r\": 19.9}}, \"tags\": [\"a\", 1],"
    "   \"Unit Price\": \"4.50\", \"doc\": null, \"Name\": \"upper\"},"
    " \"source\": {\"table\": \"products\", \"schema\": \"public\", \"ts_ms\": 1700000000000},"
    " \"unchanged\": [\"doc\"]}";

/*
 * Renders V for comparison: null, true, false, numbers as they format, text in single quotes.
 */
static void render(const struct val *v, char *out, size_t size)
{
	char num[DECIMAL_TEXT_MAX];

	switch (v->type) {
	case VAL_NULL:
		snprintf(out, size, "null");
		break;
	case VAL_BOOL:
		snprintf(out, size, "%s", v->b ? "true" : "false");
		break;
	case VAL_NUM:
		decimal_format(&v->num, num);
		snprintf(out, size, "%s", num);
		break;
	case VAL_TEXT:
		snprintf(out, size, "'%s'", v->text);
		break;
	}
}

/*
 * Compiles SRC and evaluates it against PAYLOAD (JSON, or NULL for the standard event).
 * Returns the rendered result, or "error: " and the message, in a buffer reused by each call.
 */
static const char *eval_in(const char *src, const char *payload)
{
	static char out[512];
	char err[256] = "";
	struct expr_ctx ctx = {0};
	struct expr *e = expr_compile(src, err, sizeof(err));
	json_t *p = json_loads(payload ? payload : event_json, JSON_ALLOW_NUL, NULL),
	       *key = json_pack("{si}", "id", 7);
	struct val v;

	if (!e) {
		snprintf(out, sizeof(out), "error: %s", err);
		goto out;
	}
	ctx.payload = p;
	ctx.key = key;
	ctx.topic = "erp.public.products";
	if (expr_eval(e, &ctx, &v, err, sizeof(err)) < 0)
		snprintf(out, sizeof(out), "error: %s", err);
	else
		render(&v, out, sizeof(out));
out:
	expr_ctx_release(&ctx);
	expr_free(e);
	json_decref(p);
	json_decref(key);
	return out;
}

static const char *ev(const char *src)
{
	return eval_in(src, NULL);
}

TEST(expr_literals)
{
	CHECK_STR(ev("12"), "12");
	CHECK_STR(ev("19.90"), "19.9");
	CHECK_STR(ev("1e3"), "1000");
	CHECK_STR(ev("2.5E-2"), "0.025");
	CHECK_STR(ev("'it''s'"), "'it's'");
	CHECK_STR(ev("''"), "''");
	CHECK_STR(ev("true"), "true");
	CHECK_STR(ev("FALSE"), "false");
	CHECK_STR(ev("Null"), "null");
	CHECK_STR(ev("  ( 7 )  "), "7");
}

TEST(expr_arithmetic_is_exact)
{
	CHECK_STR(ev("19.90 * 1.2"), "23.88");
	CHECK_STR(ev("0.1 + 0.2"), "0.3");
	CHECK_STR(ev("10 / 3"), "3.3333333333333333");
	CHECK_STR(ev("1 - 3"), "-2");
	CHECK_STR(ev("-5 + 2"), "-3");
	CHECK_STR(ev("- -1"), "1");
	CHECK_STR(ev("-(2 * 3)"), "-6");
	CHECK_STR(ev("1 + 2 * 3"), "7");
	CHECK_STR(ev("(1 + 2) * 3"), "9");
	CHECK_STR(ev("10 - 2 - 3"), "5");
	CHECK_STR(ev("24 / 4 / 2"), "3");
	CHECK_STR(ev("-2 * -2"), "4");
	CHECK_STR(ev("'19.90' * 2"), "39.8");
	CHECK_STR(ev("after.price * 1.2"), "23.88");
	CHECK_STR(ev("after.qty * after.price"), "59.7");
	CHECK_STR(ev("after.ratio + 0.2"), "0.3");
	CHECK_STR(ev("null + 1"), "null");
	CHECK_STR(ev("1 * null"), "null");
	CHECK_STR(ev("-null"), "null");
	CHECK_STR(ev("1 / 0"), "error: column 3: division by zero");
	CHECK_STR(ev("'abc' + 1"), "error: column 1: cannot use 'abc' as a number");
	CHECK_STR(ev("1 + 'abc'"), "error: column 5: cannot use 'abc' as a number");
	CHECK_STR(ev("1 + after.name"), "error: column 5: cannot use 'Widget' as a number");
	CHECK_STR(ev("true + 1"), "error: column 1: cannot use true as a number");
	CHECK_STR(ev("-'x'"), "error: column 2: cannot use 'x' as a number");
	CHECK_STR(ev("170141183460469231731687303715884105727 + 1"),
	          "error: column 41: decimal overflow");
	CHECK_STR(ev("1e30 * 1e30"), "error: column 6: decimal overflow");
	CHECK_STR(ev("-(-170141183460469231731687303715884105727 - 1)"),
	          "error: column 44: decimal overflow");
}

TEST(expr_concat_operator)
{
	CHECK_STR(ev("'a' || 'b'"), "'ab'");
	CHECK_STR(ev("'a' || null"), "null");
	CHECK_STR(ev("null || 'a'"), "null");
	CHECK_STR(ev("'n=' || 5.50 || '/' || true"), "'n=5.5/true'");
	CHECK_STR(ev("after.name || ' (' || after.attrs.color || ')'"), "'Widget (red)'");
	CHECK_STR(ev("'a' || 1 + 2"), "'a3'");
}

TEST(expr_comparisons)
{
	CHECK_STR(ev("1 = 1.0"), "true");
	CHECK_STR(ev("'19.90' = 19.9"), "true");
	CHECK_STR(ev("after.price > 19.8"), "true");
	CHECK_STR(ev("2 < '10'"), "true");
	CHECK_STR(ev("'2' < '10'"), "false");
	CHECK_STR(ev("'abc' < 'abd'"), "true");
	CHECK_STR(ev("'b' > 'abc'"), "true");
	CHECK_STR(ev("'ab' < 'abc'"), "true");
	CHECK_STR(ev("'abc' = 'abc'"), "true");
	CHECK_STR(ev("1 <> 2"), "true");
	CHECK_STR(ev("1 != 1"), "false");
	CHECK_STR(ev("2 <= 2"), "true");
	CHECK_STR(ev("3 >= 4"), "false");
	CHECK_STR(ev("-1 < 0"), "true");
	CHECK_STR(ev("true = true"), "true");
	CHECK_STR(ev("false < true"), "true");
	CHECK_STR(ev("after.active = true"), "true");
	CHECK_STR(ev("null = null"), "null");
	CHECK_STR(ev("1 = null"), "null");
	CHECK_STR(ev("after.note <> 'x'"), "null");
	CHECK_STR(ev("'abc' = 1"), "error: column 7: cannot compare 'abc' with 1");
	CHECK_STR(ev("true = 1"), "error: column 6: cannot compare true with 1");
	CHECK_STR(ev("'true' = true"), "error: column 8: cannot compare 'true' with true");
	CHECK_STR(ev("op = 'u'"), "true");
}

TEST(expr_three_valued_logic)
{
	CHECK_STR(ev("true and true"), "true");
	CHECK_STR(ev("true and false"), "false");
	CHECK_STR(ev("true and null"), "null");
	CHECK_STR(ev("null and true"), "null");
	CHECK_STR(ev("false and null"), "false");
	CHECK_STR(ev("null and false"), "false");
	CHECK_STR(ev("false or false"), "false");
	CHECK_STR(ev("true or null"), "true");
	CHECK_STR(ev("null or true"), "true");
	CHECK_STR(ev("null or false"), "null");
	CHECK_STR(ev("null or null"), "null");
	CHECK_STR(ev("not true"), "false");
	CHECK_STR(ev("not null"), "null");
	CHECK_STR(ev("NOT 1 = 2"), "true");
	CHECK_STR(ev("true or false and false"), "true");
	CHECK_STR(ev("not false and false"), "false");
	CHECK_STR(ev("false and 1 / 0 = 1"), "false");
	CHECK_STR(ev("true or 'x'"), "true");
	CHECK_STR(ev("1 and true"), "error: column 1: expected true or false, not 1");
	CHECK_STR(ev("true and 'x'"), "error: column 10: expected true or false, not 'x'");
	CHECK_STR(ev("not 'x'"), "error: column 5: expected true or false, not 'x'");
}

TEST(expr_is_null)
{
	CHECK_STR(ev("null is null"), "true");
	CHECK_STR(ev("1 is null"), "false");
	CHECK_STR(ev("1 is not null"), "true");
	CHECK_STR(ev("after.note IS NULL"), "true");
	CHECK_STR(ev("after.missing is null"), "true");
	CHECK_STR(ev("after.name is not null and after.qty > 2"), "true");
	CHECK_STR(ev("not after.note is null"), "false");
	CHECK_STR(ev("1 = 2 is null"), "false");
}

TEST(expr_case)
{
	CHECK_STR(ev("case when 1 > 2 then 'a' when 2 > 1 then 'b' else 'c' end"), "'b'");
	CHECK_STR(ev("case when false then 1 end"), "null");
	CHECK_STR(ev("case when null then 1 else 2 end"), "2");
	CHECK_STR(ev("CASE WHEN after.qty >= 3 THEN 'many' ELSE 'few' END"), "'many'");
	CHECK_STR(ev("case when true then 1 else 1 / 0 end"), "1");
	CHECK_STR(ev("case when 5 then 1 end"), "error: column 11: expected true or false, not 5");
	CHECK_STR(ev("1 + case when true then 2 end * 3"), "7");
}

TEST(expr_paths)
{
	CHECK_STR(ev("after.name"), "'Widget'");
	CHECK_STR(ev("after.price"), "'19.90'");
	CHECK_STR(ev("after.qty"), "3");
	CHECK_STR(ev("after.ratio"), "0.1");
	CHECK_STR(ev("after.active"), "true");
	CHECK_STR(ev("after.note"), "null");
	CHECK_STR(ev("after.missing"), "null");
	CHECK_STR(ev("after.Name"), "'upper'");
	CHECK_STR(ev("after.attrs.color"), "'red'");
	CHECK_STR(ev("after.attrs.size.w"), "2");
	CHECK_STR(ev("after.attrs.size"), "'{\"w\":2,\"r\":19.9}'");
	CHECK_STR(ev("after.attrs"), "'{\"color\":\"red\",\"size\":{\"w\":2,\"r\":19.9}}'");
	CHECK_STR(ev("after.tags"), "'[\"a\",1]'");
	CHECK_STR(ev("after.name.x"), "null");
	CHECK_STR(ev("after.attrs.nothing.deeper"), "null");
	CHECK_STR(ev("after.\"Unit Price\""), "'4.50'");
	CHECK_STR(ev("after . \"Unit Price\" * 2"), "9");
	CHECK_STR(ev("length(after.nul)"), "3");
	CHECK_STR(ev("before.name"), "'old'");
	CHECK_STR(ev("key.id"), "7");
	CHECK_STR(ev("key.other"), "null");
	CHECK_STR(ev("op"), "'u'");
	CHECK_STR(ev("source.table"), "'products'");
	CHECK_STR(ev("source.ts_ms"), "1700000000000");
	CHECK_STR(ev("ts_ms"), "1700000000123");
	CHECK_STR(ev("topic"), "'erp.public.products'");
	CHECK_STR(ev("after.end"), "null");
	CHECK_STR(ev("after.big"), "error: column 1: the number 1e+300 does not fit a decimal");
	CHECK_STR(eval_in("after.x", "{\"op\": \"c\", \"after\": {\"x\": 1.5e-7}}"), "0.00000015");
	CHECK_STR(eval_in("after.x", "{\"op\": \"c\", \"after\": {\"x\": 123456789.123}}"),
	          "123456789.123");
	CHECK_STR(eval_in("after.x", "{\"op\": \"c\", \"after\": {\"x\": -9007199254740993}}"),
	          "-9007199254740993");
	CHECK_STR(eval_in("after.x", "{\"op\": \"c\", \"after\": null}"), "null");
	CHECK_STR(eval_in("source.table", "{\"op\": \"c\"}"), "null");
}

TEST(expr_delete_reads_before)
{
	const char *del =
	    "{\"op\": \"d\", \"before\": {\"id\": 7, \"name\": \"gone\"}, \"after\": null}";

	CHECK_STR(eval_in("after.name", del), "'gone'");
	CHECK_STR(eval_in("before.name", del), "'gone'");
	CHECK_STR(eval_in("op", del), "'d'");
	CHECK_STR(
	    eval_in("after.name", "{\"op\": \"u\", \"before\": {\"name\": \"b\"}, \"after\": {}}"),
	    "null");
}

/* Evaluates SRC against the standard event and returns ctx.read_unchanged. */
static bool reads_unchanged(const char *src, const char *payload)
{
	char err[256];
	struct expr_ctx ctx = {0};
	struct expr *e = expr_compile(src, err, sizeof(err));
	json_t *p = json_loads(payload ? payload : event_json, JSON_ALLOW_NUL, NULL);
	struct val v;
	bool r;

	ctx.payload = p;
	if (!e || expr_eval(e, &ctx, &v, err, sizeof(err)) < 0)
		fprintf(stderr, "  %s: %s\n", src, err);
	r = ctx.read_unchanged;
	expr_ctx_release(&ctx);
	expr_free(e);
	json_decref(p);
	return r;
}

TEST(expr_unchanged_detection)
{
	CHECK(reads_unchanged("after.doc", NULL));
	CHECK(reads_unchanged("coalesce(after.doc, 'x')", NULL));
	CHECK(reads_unchanged("after.doc.inner", NULL));
	CHECK(!reads_unchanged("after.name", NULL));
	CHECK(!reads_unchanged("before.doc", NULL));
	CHECK(!reads_unchanged("if(true, 1, after.doc)", NULL));
	CHECK(!reads_unchanged("after.doc", "{\"op\": \"u\", \"after\": {\"doc\": null}}"));
	CHECK(!reads_unchanged("after.doc",
	                       "{\"op\": \"d\", \"before\": {}, \"unchanged\": [\"doc\"]}"));
}

TEST(expr_control_functions)
{
	CHECK_STR(ev("if(true, 1, 1 / 0)"), "1");
	CHECK_STR(ev("if(false, 1 / 0, 2)"), "2");
	CHECK_STR(ev("if(null, 1, 2)"), "2");
	CHECK_STR(ev("IF(after.qty > 2, 'many', 'few')"), "'many'");
	CHECK_STR(ev("if('x', 1, 2)"), "error: column 4: expected true or false, not 'x'");
	CHECK_STR(ev("coalesce(null, after.missing, 'z', 1 / 0)"), "'z'");
	CHECK_STR(ev("coalesce(null)"), "null");
	CHECK_STR(ev("coalesce(after.note, after.name)"), "'Widget'");
	CHECK_STR(ev("concat('a', null, 1.50, true)"), "'a1.5true'");
	CHECK_STR(ev("concat(null)"), "''");
	CHECK_STR(ev("concat(1,2,3,4,5,6,7,8,9,10)"), "'12345678910'");
}

TEST(expr_text_functions)
{
	/* Unicode case mapping: é -> É, À -> à, ü -> Ü; invalid UTF-8 bytes are kept */
	CHECK_STR(ev("upper('abc\xc3\xa9 m\xc3\xbcller')"), "'ABC\xc3\x89 M\xc3\x9cLLER'");
	CHECK_STR(ev("lower('\xc3\x80"
	             "BC')"),
	          "'\xc3\xa0"
	          "bc'");
	CHECK_STR(ev("upper('a\xff')"), "'A\xff'");
	CHECK_STR(ev("upper(null)"), "null");
	CHECK_STR(ev("upper(1.50)"), "'1.5'");
	CHECK_STR(ev("trim('  a b \t')"), "'a b'");
	CHECK_STR(ev("trim('   ')"), "''");
	CHECK_STR(ev("substr('h\xc3\xa9llo', 2, 3)"), "'\xc3\xa9ll'");
	CHECK_STR(ev("substr('hello', 0, 3)"), "'he'");
	CHECK_STR(ev("substr('hello', 4)"), "'lo'");
	CHECK_STR(ev("substr('hello', 10)"), "''");
	CHECK_STR(ev("substr('hello', -1, 3)"), "'h'");
	CHECK_STR(ev("substr('hello', 2, 0)"), "''");
	CHECK_STR(ev("substr('hello', '2', '2')"), "'el'");
	CHECK_STR(ev("substr('hello', 1, 9223372036854775807)"), "'hello'");
	CHECK_STR(ev("substr('hello', null)"), "null");
	CHECK_STR(ev("substr('hello', 99999999999999999999999)"), "''");
	CHECK_STR(ev("substr('hello', -5, 7)"), "'h'");
	CHECK_STR(ev("substr('hello', 2, 99999999999999999999999)"), "'ello'");
	CHECK_STR(ev("substr('hello', 2, -1)"),
	          "error: column 20: substr's length must not be negative");
	CHECK_STR(ev("substr('hello', 1.5)"),
	          "error: column 17: substr's start must be a whole number, not 1.5");
	CHECK_STR(ev("replace('a-b-c', '-', '+')"), "'a+b+c'");
	CHECK_STR(ev("replace('aaa', 'aa', 'b')"), "'ba'");
	CHECK_STR(ev("replace('abc', '', 'x')"), "'abc'");
	CHECK_STR(ev("replace('abc', 'b', '')"), "'ac'");
	CHECK_STR(ev("replace('abc', 'x', 'y')"), "'abc'");
	CHECK_STR(ev("replace('ab', 'ab', 'xyz')"), "'xyz'");
	CHECK_STR(ev("length('h\xc3\xa9llo')"), "5");
	CHECK_STR(ev("length('')"), "0");
	CHECK_STR(ev("length(12.50)"), "4");
	CHECK_STR(ev("length(null)"), "null");
	CHECK_STR(ev("sha256('abc')"),
	          "'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad'");
	CHECK_STR(ev("sha256(12.50) = sha256('12.5')"), "true");
	CHECK_STR(ev("sha256(null)"), "null");
}

TEST(expr_number_functions)
{
	CHECK_STR(ev("round(2.5)"), "3");
	CHECK_STR(ev("round(-2.5)"), "-3");
	CHECK_STR(ev("round(2.4)"), "2");
	CHECK_STR(ev("round(1234.5, -2)"), "1200");
	CHECK_STR(ev("round(2.345, 2)"), "2.35");
	CHECK_STR(ev("round(after.price)"), "20");
	CHECK_STR(ev("round(1.5, 1000000)"), "1.5");
	CHECK_STR(ev("round(15, -1000000)"), "0");
	CHECK_STR(ev("round(null, 2)"), "null");
	CHECK_STR(ev("round(1, 2.5)"),
	          "error: column 10: round's digits must be a whole number, not 2.5");
	CHECK_STR(ev("round('x')"), "error: column 7: cannot use 'x' as a number");
	CHECK_STR(ev("round(170141183460469231731687303715884105727, -1)"),
	          "error: column 1: decimal overflow");
	CHECK_STR(ev("floor(-2.5)"), "-3");
	CHECK_STR(ev("floor('2.7')"), "2");
	CHECK_STR(ev("ceil(-2.5)"), "-2");
	CHECK_STR(ev("ceil(2.1)"), "3");
	CHECK_STR(ev("abs(-3.5)"), "3.5");
	CHECK_STR(ev("abs(4)"), "4");
	CHECK_STR(ev("abs(null)"), "null");
}

TEST(expr_conversions)
{
	CHECK_STR(ev("number('19.90')"), "19.9");
	CHECK_STR(ev("number('-1e2')"), "-100");
	CHECK_STR(ev("number(true)"), "1");
	CHECK_STR(ev("number(false)"), "0");
	CHECK_STR(ev("number(5)"), "5");
	CHECK_STR(ev("number(null)"), "null");
	CHECK_STR(ev("number('abc')"), "error: column 8: cannot use 'abc' as a number");
	CHECK_STR(ev("number(' 1')"), "error: column 8: cannot use ' 1' as a number");
	CHECK_STR(ev("text(19.90)"), "'19.9'");
	CHECK_STR(ev("text(0.001)"), "'0.001'");
	CHECK_STR(ev("text(true)"), "'true'");
	CHECK_STR(ev("text('x')"), "'x'");
	CHECK_STR(ev("text(null)"), "null");
	CHECK_STR(ev("bool('yes')"), "true");
	CHECK_STR(ev("bool('F')"), "false");
	CHECK_STR(ev("bool('True')"), "true");
	CHECK_STR(ev("bool('t')"), "true");
	CHECK_STR(ev("bool('no')"), "false");
	CHECK_STR(ev("bool('0')"), "false");
	CHECK_STR(ev("bool(1)"), "true");
	CHECK_STR(ev("bool(0.0)"), "false");
	CHECK_STR(ev("bool(false)"), "false");
	CHECK_STR(ev("bool(null)"), "null");
	CHECK_STR(ev("bool('maybe')"), "error: column 6: cannot use 'maybe' as a bool");
	CHECK_STR(ev("bool(2)"), "error: column 6: cannot use 2 as a bool");
}

TEST(expr_dates)
{
	CHECK_STR(ev("date('2026-11-23T10:00:00.123456Z')"), "'2026-11-23'");
	CHECK_STR(ev("date('2026-11-23 10:00:00')"), "'2026-11-23'");
	CHECK_STR(ev("date('2026-11-23')"), "'2026-11-23'");
	CHECK_STR(ev("date(1700000000123)"), "'2023-11-14'");
	CHECK_STR(ev("date('1700000000123')"), "'2023-11-14'");
	CHECK_STR(ev("date(ts_ms)"), "'2023-11-14'");
	CHECK_STR(ev("date('2026-11-23T23:30:00-05:00')"), "'2026-11-24'");
	CHECK_STR(ev("date('2024-02-29')"), "'2024-02-29'");
	CHECK_STR(ev("date(null)"), "null");
	CHECK_STR(ev("date('2026-02-29')"), "error: column 6: cannot use '2026-02-29' as a date");
	CHECK_STR(ev("date('nope')"), "error: column 6: cannot use 'nope' as a date");
	CHECK_STR(ev("date(true)"), "error: column 6: cannot use true as a date");
	CHECK_STR(ev("datetime('2026-11-23T10:00:00.123456Z')"), "'2026-11-23 10:00:00.123456'");
	CHECK_STR(ev("datetime('2026-11-23T10:00:00.5Z')"), "'2026-11-23 10:00:00.500000'");
	CHECK_STR(ev("datetime('2026-11-23T10:00:00+02:00')"), "'2026-11-23 08:00:00'");
	CHECK_STR(ev("datetime('2026-11-23 10:00:00+0530')"), "'2026-11-23 04:30:00'");
	CHECK_STR(ev("datetime('2026-11-23 10:00:00+00')"), "'2026-11-23 10:00:00'");
	CHECK_STR(ev("datetime('2026-11-23t10:00z')"), "'2026-11-23 10:00:00'");
	CHECK_STR(ev("datetime('2026-11-23')"), "'2026-11-23 00:00:00'");
	CHECK_STR(ev("datetime(1700000000123)"), "'2023-11-14 22:13:20.123000'");
	CHECK_STR(ev("datetime(-1)"), "'1969-12-31 23:59:59.999000'");
	CHECK_STR(ev("datetime(0.0015)"), "'1970-01-01 00:00:00.000002'");
	CHECK_STR(ev("datetime('2026-11-23T10:00:00.1234565Z')"), "'2026-11-23 10:00:00.123457'");
	CHECK_STR(ev("datetime('2026-12-31T23:59:59.9999996Z')"), "'2027-01-01 00:00:00'");
	CHECK_STR(ev("datetime('0001-01-01T00:00:00Z')"), "'0001-01-01 00:00:00'");
	CHECK_STR(ev("datetime('9999-12-31T23:59:59.999999Z')"), "'9999-12-31 23:59:59.999999'");
	CHECK_STR(ev("datetime('9999-12-31T23:59:59-01:00')"),
	          "error: column 10: cannot use '9999-12-31T23:59:59-01:00' as a date-time");
	CHECK_STR(ev("datetime('2026-11-23T24:00:00')"),
	          "error: column 10: cannot use '2026-11-23T24:00:00' as a date-time");
	CHECK_STR(ev("datetime('2026-11-23T10:00:00.')"),
	          "error: column 10: cannot use '2026-11-23T10:00:00.' as a date-time");
	CHECK_STR(ev("datetime('2026-11-23T10:00:00 ')"),
	          "error: column 10: cannot use '2026-11-23T10:00:00 ' as a date-time");
	CHECK_STR(ev("datetime(1e20)"),
	          "error: column 10: cannot use 100000000000000000000 as a date-time");
}

TEST(expr_now)
{
	char s[64];

	snprintf(s, sizeof(s), "%s", ev("now()"));
	CHECK(s[0] == '\'' && strlen(s) >= 21 && s[11] == ' ');
	CHECK_STR(ev("length(now()) >= 19 and substr(now(), 11, 1) = ' '"), "true");
	CHECK_STR(ev("date(now()) = date(datetime(now()))"), "true");
}

TEST(expr_keywords_and_functions_ignore_case)
{
	CHECK_STR(ev("UPPER('a') || Lower('B')"), "'Ab'");
	CHECK_STR(ev("TRUE AND NOT FALSE"), "true");
	CHECK_STR(ev("1 IS NOT NULL"), "true");
	CHECK_STR(ev("Case When true Then 1 End"), "1");
}

/* Compiles SRC and returns the error, or "ok". */
static const char *compile_error(const char *src)
{
	static char err[256];
	struct expr *e = expr_compile(src, err, sizeof(err));

	if (e) {
		expr_free(e);
		return "ok";
	}
	return err;
}

TEST(expr_compile_errors)
{
	CHECK_STR(compile_error("upper(after.name"),
	          "column 17: expected ',' or ')', found end of expression");
	CHECK_STR(compile_error("uper(after.name)"),
	          "column 1: unknown function 'uper' (did you mean 'upper'?)");
	CHECK_STR(compile_error("1 + upper(uper(after.name))"),
	          "column 11: unknown function 'uper' (did you mean 'upper'?)");
	CHECK_STR(compile_error("rund(1)"),
	          "column 1: unknown function 'rund' (did you mean 'round'?)");
	CHECK_STR(compile_error("frobnicate(1)"), "column 1: unknown function 'frobnicate'");
	CHECK_STR(compile_error("round(1, 2, 3)"), "column 1: round takes 1 or 2 arguments, not 3");
	CHECK_STR(compile_error("1 + round(1, 2, 3)"),
	          "column 5: round takes 1 or 2 arguments, not 3");
	CHECK_STR(compile_error("if(true, 1)"), "column 1: if takes 3 arguments, not 2");
	CHECK_STR(compile_error("upper()"), "column 1: upper takes 1 argument, not 0");
	CHECK_STR(compile_error("now(1)"), "column 1: now takes no arguments, not 1");
	CHECK_STR(compile_error("coalesce()"),
	          "column 1: coalesce takes at least 1 argument, not 0");
	CHECK_STR(compile_error("lookup(1, 2, 3, 4)"), "column 1: lookup takes 5 arguments, not 4");
	CHECK_STR(compile_error("'abc"), "column 1: unterminated string");
	CHECK_STR(compile_error("1 + 'it''s"), "column 5: unterminated string");
	CHECK_STR(compile_error("after.\"x"), "column 7: unterminated quoted name");
	CHECK_STR(compile_error("after.\"\""), "column 7: empty quoted name");
	CHECK_STR(compile_error("1 +"), "column 4: unexpected end of expression");
	CHECK_STR(compile_error("(1 + 2))"), "column 8: unexpected ')'");
	CHECK_STR(compile_error("(1 + 2"), "column 7: expected ')', found end of expression");
	CHECK_STR(compile_error("1 2"), "column 3: unexpected '2'");
	CHECK_STR(compile_error("round(1,)"), "column 9: unexpected ')'");
	CHECK_STR(compile_error("round(,1)"), "column 7: unexpected ','");
	CHECK_STR(compile_error(""), "column 1: empty expression");
	CHECK_STR(compile_error("   "), "column 1: empty expression");
	CHECK_STR(compile_error(NULL), "column 1: empty expression");
	CHECK_STR(
	    compile_error("foo.x"),
	    "column 1: unknown name 'foo' (a name starts with after, before, key, source, op, "
	    "ts_ms or topic)");
	CHECK_STR(compile_error("price * 2"),
	          "column 1: unknown name 'price' (did you mean 'after.price'?)");
	CHECK_STR(compile_error("\"Unit Price\""),
	          "column 1: unknown name 'Unit Price' (did you mean 'after.\"Unit Price\"'?)");
	CHECK_STR(compile_error("aftr.x"), "column 1: unknown name 'aftr' (did you mean 'after'?)");
	CHECK_STR(compile_error("now"), "column 1: unknown name 'now' (did you mean 'now()'?)");
	CHECK_STR(compile_error("after"), "column 1: 'after' needs a name after it: after.<name>");
	CHECK_STR(compile_error("op.x"), "column 1: 'op' has no fields");
	CHECK_STR(compile_error("after."),
	          "column 7: expected a name after '.', found end of expression");
	CHECK_STR(compile_error("after.1"), "column 7: expected a name after '.', found '1'");
	CHECK_STR(compile_error("1 == 1"), "column 3: unexpected '==' (equality is '=')");
	CHECK_STR(compile_error("'a' | 'b'"),
	          "column 5: unexpected '|' (text is joined with '||')");
	CHECK_STR(compile_error("1 # 2"), "column 3: unexpected character '#'");
	CHECK_STR(compile_error("case 1 then 2 end"), "column 6: expected 'when', found '1'");
	CHECK_STR(compile_error("case when true then 1"),
	          "column 22: expected 'when', 'else' or 'end', found end of expression");
	CHECK_STR(compile_error("case when true 1 end"), "column 16: expected 'then', found '1'");
	CHECK_STR(compile_error("case when true then 1 else 2"),
	          "column 29: expected 'end', found end of expression");
	CHECK_STR(compile_error("1 is 5"), "column 6: expected 'null' or 'not null', found '5'");
	CHECK_STR(compile_error("1 is not 5"), "column 10: expected 'null', found '5'");
	CHECK_STR(compile_error("and"), "column 1: unexpected 'and'");
	CHECK_STR(compile_error("1 + then"), "column 5: unexpected 'then'");
	CHECK_STR(compile_error("99999999999999999999999999999999999999999"),
	          "column 1: number '99999999999999999999999999999999999999999' does not fit a "
	          "decimal (at most 38 digits, 30 after the point)");
	/* columns count characters, not bytes */
	CHECK_STR(compile_error("'\xc3\xa9\xc3\xa9' || 'x"), "column 9: unterminated string");
	CHECK_STR(compile_error("upper(after.name) + lower(after.name) + round(1,2,3,4)"),
	          "column 41: round takes 1 or 2 arguments, not 4");
}

TEST(expr_nesting_is_bounded)
{
	char src[2048];
	size_t n = 0;

	for (int i = 0; i < 300; i++)
		src[n++] = '(';
	src[n++] = '1';
	for (int i = 0; i < 300; i++)
		src[n++] = ')';
	src[n] = '\0';
	CHECK(strstr(compile_error(src), "nested too deeply") != NULL);
	n = 0;
	for (int i = 0; i < 100; i++)
		src[n++] = '(';
	src[n++] = '1';
	for (int i = 0; i < 100; i++)
		src[n++] = ')';
	src[n] = '\0';
	CHECK_STR(compile_error(src), "ok");
	n = 0;
	src[n++] = '1';
	for (int i = 0; i < 400; i++) {
		src[n++] = '+';
		src[n++] = '1';
	}
	src[n] = '\0';
	CHECK(strstr(compile_error(src), "nested too deeply") != NULL);
}

/* ---- lookup ---- */

struct lookup_log {
	int calls;
	char last[256];
};

static int test_lookup(void *arg, const char *target, const char *table, const char *key_column,
                       const char *key, const char *result_column, const char **out,
                       bool *transient, char *err, size_t errlen)
{
	struct lookup_log *log = arg;

	log->calls++;
	snprintf(log->last, sizeof(log->last), "%s/%s/%s=%s/%s", target, table, key_column, key,
	         result_column);
	if (strcmp(key, "down") == 0) {
		*transient = true;
		snprintf(err, errlen, "connection lost");
		return -1;
	}
	if (strcmp(key, "bad") == 0) {
		snprintf(err, errlen, "no such column");
		return -1;
	}
	if (strcmp(key, "7") == 0 || strcmp(key, "true") == 0 || strcmp(key, "7.5") == 0) {
		*out = "Alice";
		return 1;
	}
	if (strcmp(key, "nullrow") == 0) {
		*out = NULL;
		return 1;
	}
	return 0;
}

static const char *eval_lookup(const char *src, struct lookup_log *log, bool *transient)
{
	static char out[512];
	char err[256];
	struct expr_ctx ctx = {0};
	struct expr *e = expr_compile(src, err, sizeof(err));
	json_t *p = json_loads(event_json, JSON_ALLOW_NUL, NULL);
	struct val v;

	ctx.payload = p;
	ctx.lookup = log ? test_lookup : NULL;
	ctx.lookup_arg = log;
	if (!e)
		snprintf(out, sizeof(out), "error: %s", err);
	else if (expr_eval(e, &ctx, &v, err, sizeof(err)) < 0)
		snprintf(out, sizeof(out), "error: %s", err);
	else
		render(&v, out, sizeof(out));
	if (transient)
		*transient = ctx.transient;
	expr_ctx_release(&ctx);
	expr_free(e);
	json_decref(p);
	return out;
}

TEST(expr_lookup)
{
	struct lookup_log log = {0};
	bool transient = false;

	CHECK_STR(eval_lookup("lookup('crm', 'customers', 'id', after.id, 'name')", &log, NULL),
	          "'Alice'");
	CHECK_STR(log.last, "crm/customers/id=7/name");
	CHECK_STR(eval_lookup("upper(lookup('crm', 'c', 'id', 7.50, 'name'))", &log, NULL),
	          "'ALICE'");
	CHECK_STR(log.last, "crm/c/id=7.5/name");
	CHECK_STR(eval_lookup("lookup('crm', 'c', 'flag', true, 'name')", &log, NULL), "'Alice'");
	CHECK_STR(log.last, "crm/c/flag=true/name");
	CHECK_STR(eval_lookup("lookup('crm', 'c', 'id', 'nobody', 'name')", &log, NULL), "null");
	CHECK_STR(eval_lookup("lookup('crm', 'c', 'id', 'nullrow', 'name')", &log, NULL), "null");
	log.calls = 0;
	CHECK_STR(eval_lookup("lookup('crm', 'c', 'id', after.note, 'name')", &log, NULL), "null");
	CHECK_INT(log.calls, 0);
	CHECK_STR(eval_lookup("lookup('crm', 'c', 'id', 'down', 'name')", &log, &transient),
	          "error: column 1: lookup in c: connection lost");
	CHECK(transient);
	CHECK_STR(eval_lookup("lookup('crm', 'c', 'id', 'bad', 'name')", &log, &transient),
	          "error: column 1: lookup in c: no such column");
	CHECK(!transient);
	CHECK_STR(eval_lookup("lookup('crm', 1, 'id', 7, 'name')", &log, NULL),
	          "error: column 15: lookup's table must be text");
	CHECK_STR(eval_lookup("1 + lookup('crm', 'c', 'id', 7, 'name')", NULL, NULL),
	          "error: column 5: lookup() is not available here");
}

struct visit_log {
	int n;
	char seen[4][128];
	int stop_at;
};

static int visit_cb(void *arg, const char *target, const char *table, const char *key_column,
                    const char *result_column)
{
	struct visit_log *log = arg;

	snprintf(log->seen[log->n], sizeof(log->seen[0]), "%s/%s/%s/%s", target ? target : "?",
	         table ? table : "?", key_column ? key_column : "?",
	         result_column ? result_column : "?");
	return ++log->n == log->stop_at ? 42 : 0;
}

TEST(expr_visit_lookups)
{
	char err[256];
	struct expr *e =
	    expr_compile("concat(lookup('crm', 'customers', 'id', after.id, 'name'),"
	                 " if(true, lookup(after.t, 'x', 'k', lookup('a', 'b', 'c', 1, "
	                 "'d'), 'r'), 'y'))",
	                 err, sizeof(err));
	struct visit_log log = {0};

	CHECK(e != NULL);
	if (!e)
		return;
	CHECK_INT(expr_visit_lookups(e, visit_cb, &log), 0);
	CHECK_INT(log.n, 3);
	CHECK_STR(log.seen[0], "crm/customers/id/name");
	CHECK_STR(log.seen[1], "?/x/k/r");
	CHECK_STR(log.seen[2], "a/b/c/d");
	memset(&log, 0, sizeof(log));
	log.stop_at = 2;
	CHECK_INT(expr_visit_lookups(e, visit_cb, &log), 42);
	CHECK_INT(log.n, 2);
	expr_free(e);
	e = expr_compile("1 + 2", err, sizeof(err));
	memset(&log, 0, sizeof(log));
	CHECK_INT(expr_visit_lookups(e, visit_cb, &log), 0);
	CHECK_INT(log.n, 0);
	expr_free(e);
}

TEST(expr_val_to_param_and_truth)
{
	struct expr_ctx ctx = {0};
	struct val v = {0};
	char err[256];
	struct expr *e = expr_compile("19.90 * 1.2", err, sizeof(err));

	CHECK(expr_eval(e, &ctx, &v, err, sizeof(err)) == 0);
	CHECK_STR(val_to_param(&ctx, &v, "1", "0"), "23.88");
	CHECK(!val_is_true(&v));
	v.type = VAL_BOOL;
	v.b = true;
	CHECK_STR(val_to_param(&ctx, &v, "1", "0"), "1");
	CHECK(val_is_true(&v));
	v.b = false;
	CHECK_STR(val_to_param(&ctx, &v, "true", "false"), "false");
	CHECK(!val_is_true(&v));
	v.type = VAL_NULL;
	CHECK(val_to_param(&ctx, &v, "1", "0") == NULL);
	CHECK(!val_is_true(&v));
	v.type = VAL_TEXT;
	v.text = "abc";
	v.len = 3;
	CHECK_STR(val_to_param(&ctx, &v, "1", "0"), "abc");
	decimal_parse(&v.num, "-0.00100", 8);
	v.type = VAL_NUM;
	CHECK_STR(val_to_param(&ctx, &v, "1", "0"), "-0.001");
	expr_free(e);
	expr_ctx_release(&ctx);
}

TEST(expr_values_outlive_the_event)
{
	struct expr_ctx ctx = {0};
	char err[256], big[10000];
	struct expr *name = expr_compile("after.name", err, sizeof(err));
	struct expr *lit = expr_compile("'literal'", err, sizeof(err));
	struct expr *cat = expr_compile("after.name || after.name", err, sizeof(err));
	struct val a, b, c;
	json_t *p;

	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	/* Many events through one context: the arena is reused and stays bounded. */
	for (int i = 0; i < 200; i++) {
		p = json_pack("{ss s{ss}}", "op", "c", "after", "name", i % 2 ? big : "short");
		ctx.payload = p;
		CHECK(expr_eval(name, &ctx, &a, err, sizeof(err)) == 0);
		CHECK(expr_eval(lit, &ctx, &b, err, sizeof(err)) == 0);
		CHECK(expr_eval(cat, &ctx, &c, err, sizeof(err)) == 0);
		json_decref(p);
		/* the event is gone; the values are still readable */
		CHECK_INT(a.len, i % 2 ? sizeof(big) - 1 : 5);
		CHECK_INT(strlen(a.text), a.len);
		CHECK_STR(b.text, "literal");
		CHECK_INT(c.len, 2 * a.len);
		expr_ctx_reset(&ctx);
	}
	CHECK(expr_ctx_strdup(&ctx, "abc", 2) != NULL);
	CHECK_STR(expr_ctx_strdup(&ctx, "abc", 2), "ab");
	expr_free(name);
	expr_free(lit);
	expr_free(cat);
	expr_ctx_release(&ctx);
	expr_ctx_release(&ctx);
	expr_ctx_reset(&ctx);
	expr_free(NULL);
}
