/* jsoncheck: strict RFC 8259 syntax checks for JSON texts that are embedded as they are. */
#ifndef SPOKE_JSONCHECK_H
#define SPOKE_JSONCHECK_H

#include "core/buf.h"

#include <stdbool.h>
#include <stddef.h>

/* Reusable state: the open brackets of the text being checked. Zero-initialise it. */
struct jsoncheck {
	char *stack;
	size_t cap;
};

#define JSONCHECK_INIT                                                                             \
	{                                                                                          \
		NULL, 0                                                                            \
	}

/* Frees the memory; the struct may be used again. */
void jsoncheck_release(struct jsoncheck *j);

/*
 * Checks that S (N bytes) is exactly one JSON text (any value, surrounding whitespace allowed),
 * without recursion, so any nesting depth is fine. Returns 1 when it is, 0 when it is not (*AT
 * is where it went wrong; N when it ended too early), -1 when out of memory. UTF-8 is not
 * checked: PostgreSQL only hands out valid text.
 */
int jsoncheck_text(struct jsoncheck *j, const char *s, size_t n, size_t *at);

/*
 * Appends S (N bytes), a text jsoncheck_text() accepted, without the whitespace between its
 * tokens: the same JSON value on one line.
 */
void jsoncheck_append_compact(struct buf *out, const char *s, size_t n);

/* True when S (N bytes) is exactly one JSON number; otherwise *AT is where it went wrong. */
bool jsoncheck_number(const char *s, size_t n, size_t *at);

#endif
