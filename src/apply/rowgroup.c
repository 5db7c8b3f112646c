/* rowgroup: rows of one shape sent as one statement (see rowgroup.h). */
#include "apply/rowgroup.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static const char *value(const struct rowgroup *g, int i)
{
	return g->off[i] == SIZE_MAX ? NULL : g->data.data + g->off[i];
}

static bool same(const char *a, const char *b)
{
	return a && b ? strcmp(a, b) == 0 : a == b;
}

#define NSLOTS (2 * ROWGROUP_MAX_ROWS)

/* FNV-1a over the key values (a NULL hashes apart from every text). */
static size_t key_hash(const char *const *vals, int nkey)
{
	uint64_t h = 1469598103934665603ULL;

	for (int k = 0; k < nkey; k++) {
		for (const char *p = vals[k] ? vals[k] : ""; *p; p++)
			h = (h ^ (unsigned char)*p) * 1099511628211ULL;
		h = (h ^ (vals[k] ? 0x1fU : 0x1eU)) * 1099511628211ULL;
	}
	return (size_t)(h % NSLOTS);
}

static bool row_has_key(const struct rowgroup *g, int r, const char *const *vals)
{
	for (int k = 0; k < g->shape.nkey; k++)
		if (!same(value(g, r * g->shape.n + k), vals[k]))
			return false;
	return true;
}

/* The slot of key VALS: where its row is, or the empty slot where it would go. */
static int *key_slot(struct rowgroup *g, const char *const *vals)
{
	size_t i = key_hash(vals, g->shape.nkey);

	while (g->slots[i] && !row_has_key(g, g->slots[i] - 1, vals))
		i = (i + 1) % NSLOTS;
	return &g->slots[i];
}

/* True when some row of G has the key VALS[0..nkey-1]. */
static bool has_key(const struct rowgroup *g, const char *const *vals)
{
	return g->shape.nkey > 0 && *key_slot((struct rowgroup *)(uintptr_t)g, vals) != 0;
}

bool rowgroup_fits(const struct rowgroup *g, const char *sig, const struct rowop *op,
                   const char *const *vals)
{
	if (g->nrows == 0)
		return true;
	return g->nrows < ROWGROUP_MAX_ROWS && g->nvals + op->n <= ROWGROUP_MAX_PARAMS &&
	       strcmp(g->sig, sig) == 0 && (op->kind == ROWOP_INSERT || !has_key(g, vals));
}

/* Starts the group's shape from OP. */
static int start(struct rowgroup *g, const char *sig, const struct rowop *op)
{
	bool *unchanged = realloc(g->shape.unchanged, (size_t)op->n * sizeof(*unchanged));
	char *s = strdup(sig);

	if (!unchanged || !s) {
		free(s);
		if (unchanged)
			g->shape.unchanged = unchanged;
		return -1;
	}
	free(g->sig);
	g->sig = s;
	memcpy(unchanged, op->unchanged, (size_t)op->n * sizeof(*unchanged));
	g->shape = *op;
	g->shape.unchanged = unchanged;
	g->shape.vals = NULL;
	g->shape.cap = 0;
	return 0;
}

static int reserve(struct rowgroup *g, int n)
{
	if (g->nvals + n <= g->cap)
		return 0;
	int cap = g->cap ? g->cap : 256;
	while (cap < g->nvals + n)
		cap *= 2;
	size_t *off = realloc(g->off, (size_t)cap * sizeof(*off));
	if (!off)
		return -1;
	g->off = off;
	const char **p = realloc(g->params, (size_t)cap * sizeof(*p));
	if (!p)
		return -1;
	g->params = p;
	g->cap = cap;
	return 0;
}

int rowgroup_add(struct rowgroup *g, const char *sig, const struct rowop *op,
                 const char *const *vals)
{
	if ((g->nrows == 0 && start(g, sig, op) < 0) || reserve(g, op->n) < 0)
		return -1;
	for (int i = 0; i < op->n; i++) {
		g->off[g->nvals + i] = vals[i] ? g->data.len : SIZE_MAX;
		if (vals[i])
			buf_add(&g->data, vals[i], strlen(vals[i]) + 1);
	}
	if (!buf_ok(&g->data))
		return -1;
	if (op->kind != ROWOP_INSERT && op->nkey > 0)
		*key_slot(g, vals) = g->nrows + 1;
	g->nvals += op->n;
	g->nrows++;
	return 0;
}

const char *const *rowgroup_params(struct rowgroup *g)
{
	for (int i = 0; i < g->nvals; i++)
		g->params[i] = value(g, i);
	return g->params;
}

void rowgroup_reset(struct rowgroup *g)
{
	if (g->nrows)
		memset(g->slots, 0, sizeof(g->slots));
	g->nrows = 0;
	g->nvals = 0;
	buf_reset(&g->data);
}

void rowgroup_release(struct rowgroup *g)
{
	free(g->sig);
	free(g->shape.unchanged);
	free(g->off);
	free(g->params);
	buf_release(&g->data);
	memset(g, 0, sizeof(*g));
}
