/* offmap: the next offset to apply per (topic, partition), as a target stored it. */
#ifndef SPOKE_OFFMAP_H
#define SPOKE_OFFMAP_H

#include <stdint.h>

struct offmap_entry {
	char *topic;
	int part;
	int64_t next;
};

/* A small array (one entry per partition an applier reads); zero-initialise it. */
struct offmap {
	struct offmap_entry *e;
	int n, cap;
};

/* The next offset of TOPIC/PART, or -1 when none is stored (start at the beginning). */
int64_t offmap_get(const struct offmap *m, const char *topic, int part);
/* Sets it. Returns 0, or -1 when out of memory. */
int offmap_set(struct offmap *m, const char *topic, int part, int64_t next);
/* Forgets every entry, keeping the memory. */
void offmap_clear(struct offmap *m);
void offmap_release(struct offmap *m);

#endif
