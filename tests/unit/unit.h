/* unit: a small test framework for spoke's pure-C unit tests. */
#ifndef SPOKE_UNIT_H
#define SPOKE_UNIT_H

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

struct unit_test {
	const char *name;
	void (*fn)(bool *failed);
};

void unit_register(const char *name, void (*fn)(bool *failed));

/* Defines and registers a test. Inside, use CHECK / CHECK_STR / CHECK_INT. */
#define TEST(name)                                                                                 \
	static void test_##name(bool *unit_failed);                                                \
	__attribute__((constructor)) static void register_##name(void)                             \
	{                                                                                          \
		unit_register(#name, test_##name);                                                 \
	}                                                                                          \
	static void test_##name(bool *unit_failed)

#define CHECK(expr)                                                                                \
	do {                                                                                       \
		if (!(expr)) {                                                                     \
			fprintf(stderr, "  %s:%d: CHECK(%s) failed\n", __FILE__, __LINE__, #expr); \
			*unit_failed = true;                                                       \
		}                                                                                  \
	} while (0)

#define CHECK_STR(got, want)                                                                       \
	do {                                                                                       \
		const char *g_ = (got), *w_ = (want);                                              \
		if (!g_ || !w_ ? g_ != w_ : strcmp(g_, w_) != 0) {                                 \
			fprintf(stderr, "  %s:%d: %s\n    got:  %s\n    want: %s\n", __FILE__,     \
			        __LINE__, #got, g_ ? g_ : "(null)", w_ ? w_ : "(null)");           \
			*unit_failed = true;                                                       \
		}                                                                                  \
	} while (0)

#define CHECK_INT(got, want)                                                                       \
	do {                                                                                       \
		long long g_ = (long long)(got), w_ = (long long)(want);                           \
		if (g_ != w_) {                                                                    \
			fprintf(stderr, "  %s:%d: %s = %lld, want %lld\n", __FILE__, __LINE__,     \
			        #got, g_, w_);                                                     \
			*unit_failed = true;                                                       \
		}                                                                                  \
	} while (0)

#endif
