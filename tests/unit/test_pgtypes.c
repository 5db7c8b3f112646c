/* Unit tests for capture/pgtypes (with pgarray and jsoncheck): every class, edges, rejects. */
#include "unit.h"
#include "capture/jsoncheck.h"
#include "capture/pgtypes.h"

#include <stdlib.h>

/*
 * Converts S (a C string) as type OID; returns the JSON, or "ERR <message>". The converter sees
 * an exactly sized copy without the NUL, so that reading past the end shows under the
 * sanitizers and valgrind.
 */
static const char *conv(struct pgtypes *t, struct buf *b, uint32_t oid, const char *s)
{
	size_t n = strlen(s);
	char err[256], *copy = malloc(n ? n : 1);
	int rc;

	memcpy(copy, s, n);
	buf_reset(b);
	rc = pgtypes_append_json(t, b, oid, copy, n, err, sizeof(err));
	free(copy);
	if (rc < 0) {
		buf_reset(b);
		buf_adds(b, "ERR ");
		buf_adds(b, err);
	}
	return b->data ? b->data : "";
}

/* True when converting S as OID fails. */
static bool rejects(struct pgtypes *t, struct buf *b, uint32_t oid, const char *s)
{
	return strncmp(conv(t, b, oid, s), "ERR ", 4) == 0;
}

TEST(pgtypes_integers)
{
	struct pgtypes *t = pgtypes_new(NULL, NULL);
	struct buf b = BUF_INIT;

	CHECK_STR(conv(t, &b, 21, "-32768"), "-32768");
	CHECK_STR(conv(t, &b, 23, "2147483647"), "2147483647");
	CHECK_STR(conv(t, &b, 20, "-9223372036854775808"), "-9223372036854775808");
	CHECK_STR(conv(t, &b, 20, "9223372036854775807"), "9223372036854775807");
	CHECK_STR(conv(t, &b, 26, "4294967295"), "4294967295");
	CHECK_STR(conv(t, &b, 23, "0"), "0");
	CHECK_STR(conv(t, &b, 23, "12x"),
	          "ERR pgtypes: int4 value of 3 bytes is not an integer: unexpected 'x' at byte 2");
	CHECK_STR(conv(t, &b, 20, ""),
	          "ERR pgtypes: int8 value of 0 bytes is not an integer: it ends too early");
	CHECK(rejects(t, &b, 23, "-"));
	CHECK(rejects(t, &b, 23, "01"));
	CHECK(rejects(t, &b, 23, "+1"));
	CHECK(rejects(t, &b, 23, "1.5"));
	CHECK(rejects(t, &b, 23, " 1"));
	CHECK(rejects(t, &b, 23, "1 "));
	CHECK(rejects(t, &b, 23, "1e3"));
	pgtypes_free(t);
	buf_release(&b);
}

TEST(pgtypes_floats_and_numeric)
{
	struct pgtypes *t = pgtypes_new(NULL, NULL);
	struct buf b = BUF_INIT;

	CHECK_STR(conv(t, &b, 701, "1.5"), "1.5");
	CHECK_STR(conv(t, &b, 701, "-0"), "-0");
	CHECK_STR(conv(t, &b, 701, "1e+308"), "1e+308");
	CHECK_STR(conv(t, &b, 701, "1.7976931348623157e+308"), "1.7976931348623157e+308");
	CHECK_STR(conv(t, &b, 701, "5e-324"), "5e-324");
	CHECK_STR(conv(t, &b, 700, "3.4028235e+38"), "3.4028235e+38");
	CHECK_STR(conv(t, &b, 701, "NaN"), "\"NaN\"");
	CHECK_STR(conv(t, &b, 700, "Infinity"), "\"Infinity\"");
	CHECK_STR(conv(t, &b, 701, "-Infinity"), "\"-Infinity\"");
	CHECK(rejects(t, &b, 701, "nan"));
	CHECK(rejects(t, &b, 701, "inf"));
	CHECK(rejects(t, &b, 701, "1."));
	CHECK(rejects(t, &b, 701, ".5"));
	CHECK(rejects(t, &b, 701, "1e"));
	CHECK(rejects(t, &b, 701, "1e+"));
	CHECK(rejects(t, &b, 701, "0x10"));
	CHECK(rejects(t, &b, 701, ""));

	CHECK_STR(conv(t, &b, 1700, "1234567890123456789012345678901234567890.0123456789"),
	          "\"1234567890123456789012345678901234567890.0123456789\"");
	CHECK_STR(conv(t, &b, 1700, "-0.50"), "\"-0.50\"");
	CHECK_STR(conv(t, &b, 1700, "0"), "\"0\"");
	CHECK_STR(conv(t, &b, 1700, "NaN"), "\"NaN\"");
	CHECK_STR(conv(t, &b, 1700, "-Infinity"), "\"-Infinity\"");
	CHECK_STR(
	    conv(t, &b, 1700, "1e5"),
	    "ERR pgtypes: numeric value of 3 bytes is not a numeric: unexpected 'e' at byte 1");
	CHECK(rejects(t, &b, 1700, "1."));
	CHECK(rejects(t, &b, 1700, "abc"));
	CHECK(rejects(t, &b, 1700, "1\"2"));
	pgtypes_free(t);
	buf_release(&b);
}

TEST(pgtypes_bool_and_strings)
{
	struct pgtypes *t = pgtypes_new(NULL, NULL);
	struct buf b = BUF_INIT;

	CHECK_STR(conv(t, &b, 16, "t"), "true");
	CHECK_STR(conv(t, &b, 16, "f"), "false");
	CHECK(rejects(t, &b, 16, "true"));
	CHECK(rejects(t, &b, 16, ""));
	CHECK_STR(conv(t, &b, 25, "say \"hi\"\\\n\t\x01"), "\"say \\\"hi\\\"\\\\\\n\\t\\u0001\"");
	CHECK_STR(conv(t, &b, 25, ""), "\"\"");
	CHECK_STR(conv(t, &b, 1043, "caf\xc3\xa9"), "\"caf\xc3\xa9\"");
	CHECK_STR(conv(t, &b, 1042, "ab   "), "\"ab   \"");
	CHECK_STR(conv(t, &b, 2950, "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"),
	          "\"a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11\"");
	CHECK_STR(conv(t, &b, 1186, "P1Y2M3DT4H5M6.789S"), "\"P1Y2M3DT4H5M6.789S\"");
	CHECK_STR(conv(t, &b, 869, "::1"), "\"::1\"");
	CHECK_STR(conv(t, &b, 790, "$1,234.56"), "\"$1,234.56\"");
	CHECK_STR(conv(t, &b, 1266, "10:00:00.5+02"), "\"10:00:00.5+02\"");
	CHECK_STR(conv(t, &b, 600, "(1.5,-2)"), "\"(1.5,-2)\"");
	/* a type nobody knows, without a lookup: its text form */
	CHECK_STR(conv(t, &b, 99999, "some \"text\""), "\"some \\\"text\\\"\"");
	pgtypes_free(t);
	buf_release(&b);
}

TEST(pgtypes_dates_and_times)
{
	struct pgtypes *t = pgtypes_new(NULL, NULL);
	struct buf b = BUF_INIT;

	CHECK_STR(conv(t, &b, 1082, "2026-11-23"), "\"2026-11-23\"");
	CHECK_STR(conv(t, &b, 1082, "infinity"), "\"infinity\"");
	CHECK_STR(conv(t, &b, 1082, "-infinity"), "\"-infinity\"");
	CHECK_STR(conv(t, &b, 1082, "0044-03-15 BC"), "\"0044-03-15 BC\"");
	CHECK_STR(conv(t, &b, 1082, "5874897-12-31"), "\"5874897-12-31\"");
	CHECK(rejects(t, &b, 1082, "2026-1-23"));
	CHECK(rejects(t, &b, 1082, "23.11.2026"));
	CHECK(rejects(t, &b, 1082, "2026-11-23x"));
	CHECK(rejects(t, &b, 1082, "Infinity"));

	CHECK_STR(conv(t, &b, 1083, "10:00:00"), "\"10:00:00\"");
	CHECK_STR(conv(t, &b, 1083, "10:00:00.123456"), "\"10:00:00.123456\"");
	CHECK_STR(conv(t, &b, 1083, "24:00:00"), "\"24:00:00\"");
	CHECK(rejects(t, &b, 1083, "10:00"));
	CHECK(rejects(t, &b, 1083, "10:00:00.1234567"));
	CHECK(rejects(t, &b, 1083, "10:00:00."));

	CHECK_STR(conv(t, &b, 1114, "2026-11-23 10:00:00"), "\"2026-11-23T10:00:00\"");
	CHECK_STR(conv(t, &b, 1114, "2026-11-23 10:00:00.123456"),
	          "\"2026-11-23T10:00:00.123456\"");
	CHECK_STR(conv(t, &b, 1114, "294276-12-31 23:59:59.999999"),
	          "\"294276-12-31T23:59:59.999999\"");
	CHECK_STR(conv(t, &b, 1114, "infinity"), "\"infinity\"");
	CHECK_STR(conv(t, &b, 1114, "0044-03-15 12:00:00 BC"), "\"0044-03-15 12:00:00 BC\"");
	CHECK(rejects(t, &b, 1114, "2026-11-23T10:00:00"));
	CHECK(rejects(t, &b, 1114, "2026-11-23 10:00:00+00"));
	CHECK(rejects(t, &b, 1114, "2026-11-23"));

	CHECK_STR(conv(t, &b, 1184, "2026-11-23 10:00:00.123456+00"),
	          "\"2026-11-23T10:00:00.123456Z\"");
	CHECK_STR(conv(t, &b, 1184, "2026-11-23 10:00:00+00"), "\"2026-11-23T10:00:00Z\"");
	CHECK_STR(conv(t, &b, 1184, "2026-11-23 10:00:00+00:00"), "\"2026-11-23T10:00:00Z\"");
	CHECK_STR(conv(t, &b, 1184, "1900-01-01 00:00:00+00:00:00"), "\"1900-01-01T00:00:00Z\"");
	CHECK_STR(conv(t, &b, 1184, "-infinity"), "\"-infinity\"");
	CHECK_STR(conv(t, &b, 1184, "0044-03-15 12:00:00+00 BC"), "\"0044-03-15 12:00:00+00 BC\"");
	CHECK_STR(conv(t, &b, 1184, "2026-11-23 10:00:00+05:30"),
	          "ERR pgtypes: timestamptz value of 25 bytes is not a timestamp at UTC offset +00 "
	          "(session TimeZone UTC): unexpected '+' at byte 19");
	CHECK(rejects(t, &b, 1184, "2026-11-23 10:00:00-08"));
	CHECK(rejects(t, &b, 1184, "2026-11-23 10:00:00+00:00:01"));
	CHECK(rejects(t, &b, 1184, "2026-11-23 10:00:00"));
	CHECK(rejects(t, &b, 1184, "2026-11-23 10:00:00+0"));
	CHECK(rejects(t, &b, 1184, "2026-11-23 10:00:00+00x"));
	pgtypes_free(t);
	buf_release(&b);
}

TEST(pgtypes_json)
{
	struct pgtypes *t = pgtypes_new(NULL, NULL);
	struct buf b = BUF_INIT, deep = BUF_INIT;

	CHECK_STR(conv(t, &b, 114, "{\"a\": [1, 2.5, {\"b\": null}], \"s\": \"x\\\"y \\u00e9\"}"),
	          "{\"a\":[1,2.5,{\"b\":null}],\"s\":\"x\\\"y \\u00e9\"}");
	CHECK_STR(conv(t, &b, 114, "  [1,\n   2]\t "), "[1,2]");
	CHECK_STR(conv(t, &b, 3802, "\"a  b\""), "\"a  b\"");
	CHECK_STR(conv(t, &b, 3802, "null"), "null");
	CHECK_STR(conv(t, &b, 3802, "-1.5e-7"), "-1.5e-7");
	CHECK_STR(conv(t, &b, 3802, "{}"), "{}");
	CHECK_STR(conv(t, &b, 114, "{\"a\":1,\"a\":2}"), "{\"a\":1,\"a\":2}");
	CHECK_STR(conv(t, &b, 114, "{\"k\\\\\": \"\\\\\"}"), "{\"k\\\\\":\"\\\\\"}");
	for (int i = 0; i < 10000; i++)
		buf_adds(&deep, "[{\"a\":");
	buf_adds(&deep, "1");
	for (int i = 0; i < 10000; i++)
		buf_adds(&deep, "}]");
	buf_reset(&b);
	CHECK_INT(pgtypes_append_json(t, &b, 3802, deep.data, deep.len, NULL, 0), 0);
	CHECK_INT(b.len, deep.len);
	CHECK_STR(conv(t, &b, 114, "{\"a\":}"),
	          "ERR pgtypes: json value of 6 bytes is not JSON: unexpected '}' at byte 5");
	CHECK(rejects(t, &b, 114, "{a:1}"));
	CHECK(rejects(t, &b, 114, "[1,]"));
	CHECK(rejects(t, &b, 114, "[1 2]"));
	CHECK(rejects(t, &b, 114, "tru"));
	CHECK(rejects(t, &b, 114, "\"\x01\""));
	CHECK(rejects(t, &b, 114, "\"\\x\""));
	CHECK(rejects(t, &b, 114, "\"\\u12g4\""));
	CHECK(rejects(t, &b, 114, "01"));
	CHECK(rejects(t, &b, 114, "{\"a\":1}}"));
	CHECK(rejects(t, &b, 114, "[1]]"));
	CHECK(rejects(t, &b, 114, "[1}"));
	CHECK(rejects(t, &b, 114, "{\"a\" 1}"));
	CHECK(rejects(t, &b, 114, "1 2"));
	CHECK(rejects(t, &b, 114, ""));
	CHECK(rejects(t, &b, 114, "  "));
	CHECK(rejects(t, &b, 114, "["));
	CHECK(rejects(t, &b, 114, "\"abc"));
	CHECK(rejects(t, &b, 114, "NaN"));
	pgtypes_free(t);
	buf_release(&b);
	buf_release(&deep);
}

TEST(pgtypes_bytea)
{
	struct pgtypes *t = pgtypes_new(NULL, NULL);
	struct buf b = BUF_INIT, hex = BUF_INIT, want = BUF_INIT;
	unsigned char bytes[1000];

	CHECK_STR(conv(t, &b, 17, "\\x"), "\"\"");
	CHECK_STR(conv(t, &b, 17, "\\x00ff10"), "\"AP8Q\"");
	CHECK_STR(conv(t, &b, 17, "\\x00FF1a2B"), "\"AP8aKw==\"");
	CHECK_STR(conv(t, &b, 17, "\\x0a"), "\"Cg==\"");
	/* longer than one conversion chunk: must equal the one-shot encoding */
	buf_adds(&hex, "\\x");
	for (size_t i = 0; i < sizeof(bytes); i++) {
		bytes[i] = (unsigned char)(i * 7 + 3);
		buf_addf(&hex, "%02x", bytes[i]);
	}
	buf_addc(&want, '"');
	buf_add_base64(&want, bytes, sizeof(bytes));
	buf_addc(&want, '"');
	CHECK_STR(conv(t, &b, 17, hex.data), want.data);
	CHECK_STR(
	    conv(t, &b, 17, "\\x0"),
	    "ERR pgtypes: bytea value of 3 bytes is not hex bytea (\\x..., bytea_output hex): "
	    "it ends too early");
	CHECK(rejects(t, &b, 17, "\\xzz"));
	CHECK(rejects(t, &b, 17, "\\x0g"));
	CHECK(rejects(t, &b, 17, "abc"));
	CHECK(rejects(t, &b, 17, "\\000"));
	CHECK(rejects(t, &b, 17, ""));
	pgtypes_free(t);
	buf_release(&b);
	buf_release(&hex);
	buf_release(&want);
}

TEST(pgtypes_arrays)
{
	struct pgtypes *t = pgtypes_new(NULL, NULL);
	struct buf b = BUF_INIT;

	CHECK_STR(conv(t, &b, 1007, "{1,2,3}"), "[1,2,3]");
	CHECK_STR(conv(t, &b, 1007, "{}"), "[]");
	CHECK_STR(conv(t, &b, 1007, "{{1,2},{3,4}}"), "[[1,2],[3,4]]");
	CHECK_STR(conv(t, &b, 1007, "{NULL,1,null}"), "[null,1,null]");
	CHECK_STR(conv(t, &b, 1007, "[0:1]={1,2}"), "[1,2]");
	CHECK_STR(conv(t, &b, 1016, "[-2:-1][1:2]={{1,2},{3,4}}"), "[[1,2],[3,4]]");
	CHECK_STR(conv(t, &b, 1007, "{ 1 , 2 }"), "[1,2]");
	CHECK_STR(conv(t, &b, 1007, "{{{{{{1}}}}}}"), "[[[[[[1]]]]]]");
	CHECK_STR(conv(t, &b, 1009,
	               "{\"a,b\",\"say \\\"hi\\\"\",\"back\\\\slash\",\"\",NULL,\"NULL\",plain}"),
	          "[\"a,b\",\"say \\\"hi\\\"\",\"back\\\\slash\",\"\",null,\"NULL\",\"plain\"]");
	CHECK_STR(conv(t, &b, 1009, "{{\"a\",NULL},{\"\",c}}"), "[[\"a\",null],[\"\",\"c\"]]");
	CHECK_STR(conv(t, &b, 1009, "{\"{x}\",\" y \",a b ,a\\,b,\\NULL}"),
	          "[\"{x}\",\" y \",\"a b\",\"a,b\",\"NULL\"]");
	CHECK_STR(conv(t, &b, 1009, "{\"line\nbreak\"}"), "[\"line\\nbreak\"]");
	CHECK_STR(conv(t, &b, 1022, "{NaN,Infinity,-0,1.5,1e+308}"),
	          "[\"NaN\",\"Infinity\",-0,1.5,1e+308]");
	CHECK_STR(conv(t, &b, 1231, "{1.10,NaN}"), "[\"1.10\",\"NaN\"]");
	CHECK_STR(conv(t, &b, 1000, "{t,f,NULL}"), "[true,false,null]");
	CHECK_STR(conv(t, &b, 1185, "{\"2026-11-23 10:00:00+00\",infinity}"),
	          "[\"2026-11-23T10:00:00Z\",\"infinity\"]");
	CHECK_STR(conv(t, &b, 3807, "{\"{\\\"a\\\": 1}\",\"[1, 2]\",NULL,null}"),
	          "[{\"a\":1},[1,2],null,null]");
	CHECK_STR(conv(t, &b, 199, "{\"\\\"s\\\"\",\"null\"}"), "[\"s\",null]");
	CHECK_STR(conv(t, &b, 1001, "{\"\\\\x0102\",NULL,\"\\\\x\"}"), "[\"AQI=\",null,\"\"]");
	CHECK_STR(conv(t, &b, 1182, "{2026-11-23,infinity,\"0044-03-15 BC\"}"),
	          "[\"2026-11-23\",\"infinity\",\"0044-03-15 BC\"]");
	CHECK_STR(conv(t, &b, 1020, "{(1,1),(0,0);(3,3),(2,2)}"),
	          "[\"(1,1),(0,0)\",\"(3,3),(2,2)\"]");
	pgtypes_free(t);
	buf_release(&b);
}

TEST(pgtypes_arrays_rejected)
{
	struct pgtypes *t = pgtypes_new(NULL, NULL);
	struct buf b = BUF_INIT;
	static const char *const bad[] = {
	    "",         "1,2",      "{1,2",      "{1,,2}",
	    "{1,}",     "{,1}",     "{{1},2}",   "{1,{2}}",
	    "{\"a}",    "{a\"b}",   "{1}x",      "{1}}",
	    "[1:2={1}", "[1:2]{1}", "[a:2]={1}", "{{{{{{{1}}}}}}}",
	    "{1 2}",    "{\\}",     "{{1},{2}",  "}",
	    "{",        " ",        "{{}",       "{1}{2}",
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		bool rejected = rejects(t, &b, 1007, bad[i]);

		if (!rejected)
			fprintf(stderr, "  accepted int4[] %s as %s\n", bad[i], b.data);
		CHECK(rejected);
	}
	CHECK_STR(
	    conv(t, &b, 1007, "{1,x}"),
	    "ERR pgtypes: int4[] element of 1 bytes is not an integer: unexpected 'x' at byte 0");
	CHECK_STR(
	    conv(t, &b, 1007, "{1,2"),
	    "ERR pgtypes: int4[] value of 4 bytes: array literal ends after 4 bytes: expected '}'");
	CHECK_STR(
	    conv(t, &b, 1007, "{1,{2}}"),
	    "ERR pgtypes: int4[] value of 7 bytes: array literal: unexpected '{' at byte 3: a "
	    "sub-array where the other items are elements");
	CHECK_STR(conv(t, &b, 1009, "{\"a\"b}"),
	          "ERR pgtypes: text[] value of 6 bytes: array literal: unexpected 'b' at byte 4: "
	          "expected ',' or '}'");
	/* an element that needs a second pass over the JSON checker inside an array */
	CHECK(rejects(t, &b, 3807, "{\"{\\\"a\\\": }\"}"));
	pgtypes_free(t);
	buf_release(&b);
}

TEST(pgtypes_error_leaves_output_unchanged)
{
	struct pgtypes *t = pgtypes_new(NULL, NULL);
	struct buf b = BUF_INIT;
	char err[256];

	buf_adds(&b, "{\"x\":");
	CHECK_INT(pgtypes_append_json(t, &b, 1007, "{1,2,x}", 7, err, sizeof(err)), -1);
	CHECK_STR(b.data, "{\"x\":");
	CHECK_INT(pgtypes_append_json(t, &b, 17, "\\x00zz", 6, err, sizeof(err)), -1);
	CHECK_STR(b.data, "{\"x\":");
	CHECK_INT(pgtypes_append_json(t, &b, 1007, "{1,2}", 5, err, sizeof(err)), 0);
	CHECK_STR(b.data, "{\"x\":[1,2]");
	pgtypes_free(t);
	buf_release(&b);
}

/* A lookup answering for a few made-up OIDs, counting its calls. */
struct fake_catalog {
	struct pgtypes *t;
	int calls;
};

enum {
	POSINT = 70000, /* domain over int4 */
	MOOD,           /* enum */
	MOOD_ARRAY,     /* mood[] */
	POSINT_ARRAY,   /* posint[] */
	SMALL_POSINT,   /* domain over posint */
	BROKEN,         /* lookup fails */
	SILLY,          /* lookup answers nonsense */
	LOOP,           /* domain over itself */
	PRICE,          /* domain over numeric */
	HSTORE,         /* extension type: text form */
};

static int fake_lookup(void *arg, uint32_t oid, struct pgtype_info *info, char *err, size_t errlen)
{
	struct fake_catalog *c = arg;

	c->calls++;
	switch (oid) {
	case POSINT:
		return pgtypes_info(c->t, 23, info, err, errlen);
	case SMALL_POSINT:
		return pgtypes_info(c->t, POSINT, info, err, errlen);
	case PRICE:
		return pgtypes_info(c->t, 1700, info, err, errlen);
	case LOOP:
		return pgtypes_info(c->t, LOOP, info, err, errlen);
	case MOOD:
		info->cls = PGT_STRING;
		return 0;
	case MOOD_ARRAY:
		*info = (struct pgtype_info){PGT_ARRAY, MOOD};
		return 0;
	case POSINT_ARRAY:
		*info = (struct pgtype_info){PGT_ARRAY, POSINT};
		return 0;
	case SILLY:
		*info = (struct pgtype_info){PGT_ARRAY, 0};
		return 0;
	case BROKEN:
		snprintf(err, errlen, "catalog query failed");
		return -1;
	default:
		info->cls = PGT_TEXT_FORM;
		return 0;
	}
}

TEST(pgtypes_lookup)
{
	struct fake_catalog cat = {NULL, 0};
	struct buf b = BUF_INIT;
	struct pgtype_info info;
	char err[256];

	cat.t = pgtypes_new(fake_lookup, &cat);
	CHECK_STR(conv(cat.t, &b, POSINT, "42"), "42");
	CHECK_STR(conv(cat.t, &b, POSINT, "43"), "43");
	CHECK_INT(cat.calls, 1);
	CHECK(rejects(cat.t, &b, POSINT, "4x"));
	CHECK_STR(conv(cat.t, &b, SMALL_POSINT, "7"), "7");
	CHECK_STR(conv(cat.t, &b, PRICE, "19.90"), "\"19.90\"");
	CHECK_STR(conv(cat.t, &b, MOOD, "very \"happy\""), "\"very \\\"happy\\\"\"");
	CHECK_STR(conv(cat.t, &b, MOOD_ARRAY, "{sad,NULL,\"very \\\"happy\\\"\"}"),
	          "[\"sad\",null,\"very \\\"happy\\\"\"]");
	CHECK_STR(conv(cat.t, &b, POSINT_ARRAY, "{1,2}"), "[1,2]");
	CHECK_STR(conv(cat.t, &b, HSTORE, "\"a\"=>\"1\""), "\"\\\"a\\\"=>\\\"1\\\"\"");
	cat.calls = 0;
	CHECK_STR(conv(cat.t, &b, MOOD_ARRAY, "{ok}"), "[\"ok\"]");
	CHECK_STR(conv(cat.t, &b, SMALL_POSINT, "8"), "8");
	CHECK_INT(cat.calls, 0);
	CHECK_INT(pgtypes_info(cat.t, MOOD_ARRAY, &info, err, sizeof(err)), 0);
	CHECK_INT(info.cls, PGT_ARRAY);
	CHECK_INT(info.elem_oid, MOOD);
	CHECK_INT(pgtypes_info(cat.t, 1007, &info, err, sizeof(err)), 0);
	CHECK_INT(info.cls, PGT_ARRAY);
	CHECK_INT(info.elem_oid, 23);
	CHECK_INT(cat.calls, 0);

	/* failures are reported and not cached */
	CHECK_STR(conv(cat.t, &b, BROKEN, "x"), "ERR catalog query failed");
	CHECK_STR(conv(cat.t, &b, BROKEN, "x"), "ERR catalog query failed");
	CHECK_INT(cat.calls, 2);
	CHECK_STR(conv(cat.t, &b, SILLY, "x"),
	          "ERR pgtypes: type 70006: lookup returned class 12, element 0");
	CHECK_STR(conv(cat.t, &b, LOOP, "1"),
	          "ERR pgtypes: type 70007: lookups nested 8 deep (a cycle?)");
	CHECK_STR(conv(cat.t, &b, 0, "1"), "ERR pgtypes: type OID 0 is not a type");
	pgtypes_free(cat.t);
	buf_release(&b);
}

TEST(pgtypes_many_types_cached)
{
	struct fake_catalog cat = {NULL, 0};
	struct buf b = BUF_INIT;

	cat.t = pgtypes_new(fake_lookup, &cat);
	for (uint32_t oid = 100000; oid < 103000; oid++)
		CHECK_STR(conv(cat.t, &b, oid, "v"), "\"v\"");
	CHECK_INT(cat.calls, 3000);
	for (uint32_t oid = 100000; oid < 103000; oid++)
		CHECK_STR(conv(cat.t, &b, oid, "w"), "\"w\"");
	CHECK_INT(cat.calls, 3000);
	pgtypes_free(cat.t);
	pgtypes_free(NULL);
	buf_release(&b);
}

TEST(pgtypes_jsoncheck_numbers)
{
	size_t at;

	CHECK(jsoncheck_number("0", 1, &at));
	CHECK(jsoncheck_number("-0.0e-0", 7, &at));
	CHECK(jsoncheck_number("123E+45", 7, &at));
	CHECK(!jsoncheck_number("-", 1, &at));
	CHECK_INT(at, 1);
	CHECK(!jsoncheck_number("00", 2, &at));
	CHECK_INT(at, 1);
	CHECK(!jsoncheck_number("1.e5", 4, &at));
	CHECK_INT(at, 2);
}
