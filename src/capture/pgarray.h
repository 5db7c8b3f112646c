/* pgarray: turns PostgreSQL array literals (array_out's text form) into JSON arrays. */
#ifndef SPOKE_PGARRAY_H
#define SPOKE_PGARRAY_H

#include "core/buf.h"

#include <stddef.h>

/* PostgreSQL's MAXDIM: an array literal nests at most this deep. */
#define PGARRAY_MAXDIM 6

/*
 * Appends the JSON form of one non-NULL element: S (N bytes, unescaped, not NUL-terminated)
 * to OUT. Returns 0, or -1 with err filled.
 */
typedef int (*pgarray_elem_fn)(void *arg, struct buf *out, const char *s, size_t n, char *err,
                               size_t errlen);

/*
 * Appends to OUT the JSON array for the array literal S (N bytes) as array_out writes it:
 * an optional dimension decoration "[lo:hi]...=" (dropped), nested braces (at most
 * PGARRAY_MAXDIM deep, every element at the same depth), elements separated by DELIM (',' for
 * all types but box), double-quoted elements with backslash escapes, unquoted NULL as null.
 * Whitespace around elements is skipped as array_in does. Each non-NULL element goes to ELEM
 * unescaped; SCRATCH is where escaped elements are unescaped (ELEM must not use it).
 * Returns 0, or -1 with err filled (ELEM's own message when ELEM failed); OUT may then hold a
 * partial array, which the caller discards.
 */
int pgarray_to_json(struct buf *out, const char *s, size_t n, char delim, struct buf *scratch,
                    pgarray_elem_fn elem, void *arg, char *err, size_t errlen);

#endif
