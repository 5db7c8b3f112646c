/* Unit tests for mapping/jsonpos: the line of a member or element in a JSON text. */
#include "unit.h"
#include "mapping/jsonpos.h"

static const char doc[] = "{\n"
                          "  \"a\": \"}{][\\\" ,\",\n"
                          "  \"caf\\u00e9\": [1,\n"
                          "    {\"x\": \"\\\\\"},\n"
                          "    [\n"
                          "      2], \"q\\\"k\"],\n"
                          "  \"rules\": [{\"name\": \"p\"}, {\n"
                          "    \"name\": \"q\",\n"
                          "    \"columns\": {\"b\": 1, \"price\":\n"
                          "      \"x\"}}]\n"
                          "}\n";

static int line_of(const struct jsonpos_step *path, size_t n)
{
	return jsonpos_line(doc, sizeof(doc) - 1, path, n);
}

TEST(jsonpos_lines)
{
	const struct jsonpos_step a[] = {{"a", 0}};
	const struct jsonpos_step cafe[] = {{"caf\xc3\xa9", 0}, {NULL, 3}};
	const struct jsonpos_step price[] = {{"rules", 0}, {NULL, 1}, {"columns", 0}, {"price", 0}};
	const struct jsonpos_step rule1[] = {{"rules", 0}, {NULL, 1}};
	const struct jsonpos_step nested[] = {{"caf\xc3\xa9", 0}, {NULL, 2}, {NULL, 0}};
	const struct jsonpos_step missing[] = {{"rules", 0}, {NULL, 1}, {"nothing", 0}};
	const struct jsonpos_step past[] = {{"rules", 0}, {NULL, 7}};

	CHECK_INT(line_of(NULL, 0), 1);
	CHECK_INT(line_of(a, 1), 2);
	CHECK_INT(line_of(cafe, 1), 3);
	CHECK_INT(line_of(cafe, 2), 6);
	CHECK_INT(line_of(nested, 3), 6);
	CHECK_INT(line_of(rule1, 2), 7);
	CHECK_INT(line_of(price, 4), 9);
	CHECK_INT(line_of(missing, 3), 7); /* the deepest step found: the rule */
	CHECK_INT(line_of(past, 2), 7);    /* no such element: the array's member */
	CHECK_INT(jsonpos_line("\n\n  {}", 6, NULL, 0), 3);
}
