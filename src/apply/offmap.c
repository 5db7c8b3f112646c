/* offmap: per-partition offsets (see offmap.h). Linear: an applier reads tens of partitions. */
#include "apply/offmap.h"

#include <stdlib.h>
#include <string.h>

static struct offmap_entry *find(const struct offmap *m, const char *topic, int part)
{
	for (int i = 0; i < m->n; i++)
		if (m->e[i].part == part && strcmp(m->e[i].topic, topic) == 0)
			return &m->e[i];
	return NULL;
}

int64_t offmap_get(const struct offmap *m, const char *topic, int part)
{
	const struct offmap_entry *e = find(m, topic, part);

	return e ? e->next : -1;
}

int offmap_set(struct offmap *m, const char *topic, int part, int64_t next)
{
	struct offmap_entry *e = find(m, topic, part);

	if (e) {
		e->next = next;
		return 0;
	}
	if (m->n == m->cap) {
		int cap = m->cap ? 2 * m->cap : 16;
		e = realloc(m->e, (size_t)cap * sizeof(*e));
		if (!e)
			return -1;
		m->e = e;
		m->cap = cap;
	}
	e = &m->e[m->n];
	if (!(e->topic = strdup(topic)))
		return -1;
	e->part = part;
	e->next = next;
	m->n++;
	return 0;
}

void offmap_clear(struct offmap *m)
{
	for (int i = 0; i < m->n; i++)
		free(m->e[i].topic);
	m->n = 0;
}

void offmap_release(struct offmap *m)
{
	offmap_clear(m);
	free(m->e);
	m->e = NULL;
	m->cap = 0;
}
