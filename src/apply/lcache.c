/* lcache: lookup() results, open addressing with linear probing (see lcache.h). */
#include "apply/lcache.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* FNV-1a. */
static size_t hash(const char *s)
{
	uint64_t h = 1469598103934665603ULL;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return (size_t)(h % LCACHE_SLOTS);
}

static struct lcache_slot *probe(const struct lcache *c, const char *key)
{
	size_t i = hash(key);

	while (c->slots[i].key && strcmp(c->slots[i].key, key) != 0)
		i = (i + 1) % LCACHE_SLOTS;
	return &c->slots[i];
}

bool lcache_get(struct lcache *c, const char *key, const char **value)
{
	struct lcache_slot *s = c->slots ? probe(c, key) : NULL;

	if (!s || !s->key) {
		c->misses++;
		return false;
	}
	c->hits++;
	*value = s->value;
	return true;
}

void lcache_put(struct lcache *c, const char *key, const char *value)
{
	if (!c->slots && !(c->slots = calloc(LCACHE_SLOTS, sizeof(*c->slots))))
		return;
	if (c->n >= LCACHE_SLOTS / 4 * 3)
		lcache_clear(c);
	struct lcache_slot *s = probe(c, key);
	if (s->key)
		return;
	char *k = strdup(key), *v = value ? strdup(value) : NULL;
	if (!k || (value && !v)) {
		free(k);
		free(v);
		return;
	}
	s->key = k;
	s->value = v;
	c->n++;
}

void lcache_clear(struct lcache *c)
{
	for (size_t i = 0; c->slots && c->n && i < LCACHE_SLOTS; i++) {
		if (!c->slots[i].key)
			continue;
		free(c->slots[i].key);
		free(c->slots[i].value);
		c->slots[i].key = c->slots[i].value = NULL;
		c->n--;
	}
}

void lcache_release(struct lcache *c)
{
	lcache_clear(c);
	free(c->slots);
	c->slots = NULL;
}
