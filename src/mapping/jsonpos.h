/* jsonpos: the line where a member or element sits in a JSON text, for messages about files. */
#ifndef SPOKE_JSONPOS_H
#define SPOKE_JSONPOS_H

#include <stddef.h>

/* One step of a path: an object member (KEY) or, when KEY is NULL, an array element (INDEX). */
struct jsonpos_step {
	const char *key;
	size_t index;
};

/*
 * The 1-based line in TEXT (LEN bytes, JSON that jansson accepted without duplicate keys) of
 * the value N steps down PATH: for an object member the line of its key, for an array element
 * the line where it starts, for N = 0 the line where the document starts. When the path breaks
 * off (no such member), the line of the deepest step found; 1 when none is.
 */
int jsonpos_line(const char *text, size_t len, const struct jsonpos_step *path, size_t n);

#endif
