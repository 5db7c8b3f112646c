/*
 * lcache: the bounded cache of lookup() results of one applier. Only found rows are kept
 * (a missing row may appear at any time); it is emptied when full and when a batch rolls back
 * (it may hold values of the rolled-back transaction).
 */
#ifndef SPOKE_LCACHE_H
#define SPOKE_LCACHE_H

#include <stdbool.h>
#include <stddef.h>

#define LCACHE_SLOTS 8192 /* holds up to 3/4 of this many results */

struct lcache_slot {
	char *key;   /* target \x1f table \x1f key_column \x1f result_column \x1f key */
	char *value; /* NULL: the row's value is SQL NULL */
};

struct lcache {
	struct lcache_slot *slots; /* LCACHE_SLOTS, allocated on first put */
	size_t n;
	unsigned long long hits, misses;
};

/*
 * Finds a cached result: true and *value (borrowed, NULL for SQL NULL) when present. KEY is
 * made by lcache_key.
 */
bool lcache_get(struct lcache *c, const char *key, const char **value);
/* Caches KEY -> VALUE (copied). Out of memory only means not cached. */
void lcache_put(struct lcache *c, const char *key, const char *value);
void lcache_clear(struct lcache *c);
void lcache_release(struct lcache *c);

#endif
