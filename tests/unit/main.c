/* unit main: runs every registered unit test (or those whose name contains an argument). */
#include "unit.h"

#include <stdlib.h>

#define MAX_TESTS 1024

static struct unit_test tests[MAX_TESTS];
static size_t ntests;

void unit_register(const char *name, void (*fn)(bool *failed))
{
	if (ntests == MAX_TESTS) {
		fprintf(stderr, "unit: more than %d tests; raise MAX_TESTS\n", MAX_TESTS);
		abort();
	}
	tests[ntests].name = name;
	tests[ntests].fn = fn;
	ntests++;
}

static bool selected(const char *name, int argc, char **argv)
{
	if (argc < 2)
		return true;
	for (int i = 1; i < argc; i++)
		if (strstr(name, argv[i]))
			return true;
	return false;
}

int main(int argc, char **argv)
{
	int passed = 0, failed = 0;

	for (size_t i = 0; i < ntests; i++) {
		bool f = false;

		if (!selected(tests[i].name, argc, argv))
			continue;
		tests[i].fn(&f);
		printf("%s unit/%s\n", f ? "FAIL" : "ok  ", tests[i].name);
		fflush(stdout);
		if (f)
			failed++;
		else
			passed++;
	}
	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
