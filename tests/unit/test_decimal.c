/* Unit tests for mapping/decimal: parsing, formatting, exact arithmetic, rounding, overflow. */
#include "unit.h"
#include "mapping/decimal.h"

#include <stdint.h>

/* Formats D into a buffer that lives until the next call with the same SLOT. */
static const char *fmt(const struct decimal *d, int slot)
{
	static char bufs[4][DECIMAL_TEXT_MAX];

	decimal_format(d, bufs[slot]);
	return bufs[slot];
}

/* Parses S, or returns "bad" when it is not a number. */
static const char *roundtrip(const char *s)
{
	struct decimal d;

	if (decimal_parse(&d, s, strlen(s)) < 0)
		return "bad";
	return fmt(&d, 0);
}

enum op { ADD, SUB, MUL, DIV };

/* A OP B formatted, "overflow" or "zero" (division by zero). */
static const char *calc(const char *a, enum op op, const char *b)
{
	struct decimal x, y, r;
	int rc;

	if (decimal_parse(&x, a, strlen(a)) < 0 || decimal_parse(&y, b, strlen(b)) < 0)
		return "bad";
	rc = op == ADD   ? decimal_add(&r, &x, &y)
	     : op == SUB ? decimal_sub(&r, &x, &y)
	     : op == MUL ? decimal_mul(&r, &x, &y)
	                 : decimal_div(&r, &x, &y);
	if (rc == -2)
		return "zero";
	if (rc < 0)
		return "overflow";
	return fmt(&r, 1);
}

static const char *rounded(const char *a, int digits)
{
	struct decimal x, r;

	if (decimal_parse(&x, a, strlen(a)) < 0)
		return "bad";
	if (decimal_round(&r, &x, digits) < 0)
		return "overflow";
	return fmt(&r, 2);
}

#define BIG  "170141183460469231731687303715884105727" /* 2^127 - 1 */
#define TINY "0.000000000000000000000000000001"        /* 10^-30 */

TEST(decimal_parse_and_format)
{
	CHECK_STR(roundtrip("0"), "0");
	CHECK_STR(roundtrip("-0"), "0");
	CHECK_STR(roundtrip("19.90"), "19.9");
	CHECK_STR(roundtrip("+5"), "5");
	CHECK_STR(roundtrip("-5.000"), "-5");
	CHECK_STR(roundtrip("007.50"), "7.5");
	CHECK_STR(roundtrip("0.001"), "0.001");
	CHECK_STR(roundtrip(".5"), "0.5");
	CHECK_STR(roundtrip("5."), "5");
	CHECK_STR(roundtrip("1e3"), "1000");
	CHECK_STR(roundtrip("2.5E-2"), "0.025");
	CHECK_STR(roundtrip("-1.5e+2"), "-150");
	CHECK_STR(roundtrip("0e999999999"), "0");
	CHECK_STR(roundtrip("1000e-3"), "1");
	CHECK_STR(roundtrip(BIG), BIG);
	CHECK_STR(roundtrip("-" BIG), "-" BIG);
	CHECK_STR(roundtrip(TINY), TINY);
	CHECK_STR(roundtrip("1.50000000000000000000000000000000000000000000000"), "1.5");
	CHECK_STR(roundtrip("1e38"), "100000000000000000000000000000000000000");
	CHECK_STR(roundtrip("170141183460469231731687303715884105728"), "bad");
	CHECK_STR(roundtrip("1e39"), "bad");
	CHECK_STR(roundtrip("0.0000000000000000000000000000001"), "bad");
	CHECK_STR(roundtrip(""), "bad");
	CHECK_STR(roundtrip("-"), "bad");
	CHECK_STR(roundtrip("."), "bad");
	CHECK_STR(roundtrip("1e"), "bad");
	CHECK_STR(roundtrip("1e+"), "bad");
	CHECK_STR(roundtrip(" 1"), "bad");
	CHECK_STR(roundtrip("1 "), "bad");
	CHECK_STR(roundtrip("1.2.3"), "bad");
	CHECK_STR(roundtrip("abc"), "bad");
	CHECK_STR(roundtrip("0x10"), "bad");
	CHECK_STR(roundtrip("--1"), "bad");
}

TEST(decimal_parse_takes_a_length)
{
	struct decimal d;
	char out[DECIMAL_TEXT_MAX];

	CHECK_INT(decimal_parse(&d, "12.5abc", 4), 0);
	CHECK_INT(decimal_format(&d, out), 4);
	CHECK_STR(out, "12.5");
	decimal_from_int(&d, INT64_MIN);
	decimal_format(&d, out);
	CHECK_STR(out, "-9223372036854775808");
}

TEST(decimal_add_sub)
{
	CHECK_STR(calc("0.1", ADD, "0.2"), "0.3");
	CHECK_STR(calc("19.90", ADD, "0.10"), "20");
	CHECK_STR(calc("1", SUB, "1.000001"), "-0.000001");
	CHECK_STR(calc("-5", ADD, "5"), "0");
	CHECK_STR(calc(BIG, ADD, "1"), "overflow");
	CHECK_STR(calc("-" BIG, SUB, "1"), "overflow");
	CHECK_STR(calc(BIG, SUB, BIG), "0");
	/* the aligned terms overflow, the exact sum fits */
	CHECK_STR(calc("20000000000000000000000000000000000000", ADD,
	               "-16999999999999999999999999999999999999.9"),
	          "3000000000000000000000000000000000000.1");
	CHECK_STR(calc("100000000000000000000000000000000000000", ADD, TINY), "overflow");
}

TEST(decimal_mul)
{
	CHECK_STR(calc("19.90", MUL, "1.2"), "23.88");
	CHECK_STR(calc("-3", MUL, "0.5"), "-1.5");
	CHECK_STR(calc("0", MUL, BIG), "0");
	CHECK_STR(calc(BIG, MUL, "2"), "overflow");
	CHECK_STR(calc("10000000000000000000", MUL, "100000000000000000000"),
	          "overflow"); /* 10^39 */
	CHECK_STR(calc("1000000000000000000", MUL, "100000000000000000000"),
	          "100000000000000000000000000000000000000");
	/* scale 60 is rounded (half away from zero) to 30 */
	CHECK_STR(calc(TINY, MUL, TINY), "0");
	CHECK_STR(calc("0.000000000000000005", MUL, "0.0000000000001"),
	          "0.000000000000000000000000000001");
	CHECK_STR(calc("-0.000000000000000005", MUL, "0.0000000000001"),
	          "-0.000000000000000000000000000001");
	CHECK_STR(calc("0.000000000000000004", MUL, "0.0000000000001"), "0");
	/* the full product has 56 digits; rounded to scale 30 it fits */
	CHECK_STR(calc("0.1234567890123456789012345678", MUL, "0.1234567890123456789012345678"),
	          "0.01524157875323883675049535154");
	CHECK_STR(calc("12345678901234567.123456789", MUL, "12345678901234567.123456789"),
	          "overflow");
}

TEST(decimal_div)
{
	CHECK_STR(calc("10", DIV, "3"), "3.3333333333333333");
	CHECK_STR(calc("20", DIV, "3"), "6.6666666666666667");
	CHECK_STR(calc("-20", DIV, "3"), "-6.6666666666666667");
	CHECK_STR(calc("10", DIV, "4"), "2.5");
	CHECK_STR(calc("1", DIV, "0"), "zero");
	CHECK_STR(calc("0", DIV, "0.000"), "zero");
	CHECK_STR(calc("23.88", DIV, "1.2"), "19.9");
	CHECK_STR(calc(TINY, DIV, "2"), "0.000000000000000000000000000001");
	CHECK_STR(calc(TINY, DIV, "3"), "0");
	CHECK_STR(calc(BIG, DIV, TINY), "overflow");
	CHECK_STR(calc("1", DIV, TINY), "1000000000000000000000000000000");
	CHECK_STR(calc(BIG, DIV, "-1"), "-" BIG);
	CHECK_STR(calc(BIG, DIV, "0.5"), "overflow");
	CHECK_STR(calc("1000000000000000000000", DIV, "0.000000000000000000001"), "overflow");
}

TEST(decimal_round_floor_ceil)
{
	struct decimal x, r;
	char out[DECIMAL_TEXT_MAX];

	CHECK_STR(rounded("2.5", 0), "3");
	CHECK_STR(rounded("-2.5", 0), "-3");
	CHECK_STR(rounded("2.49", 0), "2");
	CHECK_STR(rounded("0.45", 0), "0");
	CHECK_STR(rounded("1234.5", -2), "1200");
	CHECK_STR(rounded("1250", -2), "1300");
	CHECK_STR(rounded("-1250", -2), "-1300");
	CHECK_STR(rounded("19.999", 2), "20");
	CHECK_STR(rounded("1.005", 2), "1.01");
	CHECK_STR(rounded("1.5", 5), "1.5");
	CHECK_STR(rounded("123", -40), "0");
	CHECK_STR(rounded("123", -1000000), "0");
	CHECK_STR(rounded(BIG, -1), "overflow");
	CHECK_STR(rounded("99999999999999999999999999999999999999", -38),
	          "100000000000000000000000000000000000000");
	decimal_parse(&x, "-2.5", 4);
	decimal_floor(&r, &x);
	decimal_format(&r, out);
	CHECK_STR(out, "-3");
	decimal_ceil(&r, &x);
	decimal_format(&r, out);
	CHECK_STR(out, "-2");
	decimal_parse(&x, "2.000001", 8);
	decimal_ceil(&r, &x);
	decimal_format(&r, out);
	CHECK_STR(out, "3");
	decimal_floor(&r, &x);
	decimal_format(&r, out);
	CHECK_STR(out, "2");
}

TEST(decimal_cmp_and_int)
{
	struct decimal a, b;
	int64_t v = 0;

	decimal_parse(&a, "1.10", 4);
	decimal_parse(&b, "1.1", 3);
	CHECK_INT(decimal_cmp(&a, &b), 0);
	decimal_parse(&b, "-2", 2);
	CHECK_INT(decimal_cmp(&a, &b), 1);
	CHECK_INT(decimal_cmp(&b, &a), -1);
	decimal_parse(&a, "-2.000000000000000000000000000001", 33);
	CHECK_INT(decimal_cmp(&a, &b), -1);
	decimal_parse(&a, BIG, strlen(BIG));
	decimal_parse(&b, "0.1", 3);
	CHECK_INT(decimal_cmp(&a, &b), 1);
	CHECK(!decimal_is_zero(&b));
	decimal_parse(&b, "0.000", 5);
	CHECK(decimal_is_zero(&b));
	decimal_parse(&a, "42.0", 4);
	CHECK_INT(decimal_to_int64(&a, &v), 0);
	CHECK_INT(v, 42);
	decimal_parse(&a, "42.5", 4);
	CHECK_INT(decimal_to_int64(&a, &v), -1);
	decimal_parse(&a, "9223372036854775808", 19);
	CHECK_INT(decimal_to_int64(&a, &v), -1);
}
