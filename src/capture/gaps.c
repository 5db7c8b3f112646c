/*
 * gaps: the positions of a trigger source: the low-water mark, read-through position, open gaps
 * and the batches waiting for Kafka's acknowledgement.
 */
#include "capture/gaps.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct batch {
	uint64_t ticket;
	uint64_t seq;
};

struct gaps {
	uint64_t low_water;
	uint64_t read_through;
	uint64_t acked; /* highest seq of an acknowledged batch */
	struct gap *gaps;
	size_t ngaps, capgaps;
	struct gap *prior; /* open gaps of the previous run (from the state file): their times */
	size_t nprior;
	struct batch *batches;
	size_t head, nbatches, capbatches; /* FIFO: batches[head .. head + nbatches) */
};

struct gaps *gaps_new(uint64_t low_water)
{
	struct gaps *g = calloc(1, sizeof(*g));

	if (g)
		g->low_water = g->read_through = g->acked = low_water;
	return g;
}

void gaps_free(struct gaps *g)
{
	if (!g)
		return;
	free(g->gaps);
	free(g->prior);
	free(g->batches);
	free(g);
}

uint64_t gaps_read_through(const struct gaps *g)
{
	return g->read_through;
}

size_t gaps_count(const struct gaps *g)
{
	return g->ngaps;
}

uint64_t gaps_low_water(const struct gaps *g)
{
	return g->low_water;
}

/* Makes room for one more gap at index I (shifting the tail). */
static struct gap *insert_at(struct gaps *g, size_t i)
{
	if (g->ngaps == g->capgaps) {
		size_t cap = g->capgaps ? g->capgaps * 2 : 16;
		struct gap *grown = realloc(g->gaps, cap * sizeof(*grown));

		if (!grown)
			return NULL;
		g->gaps = grown;
		g->capgaps = cap;
	}
	memmove(&g->gaps[i + 1], &g->gaps[i], (g->ngaps - i) * sizeof(g->gaps[0]));
	g->ngaps++;
	return &g->gaps[i];
}

/* A gap seen before a restart keeps its first sighting (so gap_timeout is not extended). */
static void recall(const struct gaps *g, struct gap *gap)
{
	for (size_t i = 0; i < g->nprior; i++) {
		if (g->prior[i].first <= gap->first && gap->first <= g->prior[i].last) {
			gap->seen_ms = g->prior[i].seen_ms;
			snprintf(gap->mark, sizeof(gap->mark), "%s", g->prior[i].mark);
			return;
		}
	}
}

int gaps_read(struct gaps *g, uint64_t seq, const char *mark, int64_t now_ms)
{
	if (seq > g->read_through + 1) {
		struct gap *gap = insert_at(g, g->ngaps);

		if (!gap)
			return -1;
		memset(gap, 0, sizeof(*gap));
		gap->first = g->read_through + 1;
		gap->last = seq - 1;
		gap->seen_ms = now_ms;
		snprintf(gap->mark, sizeof(gap->mark), "%s", mark ? mark : "");
		recall(g, gap);
	}
	if (seq > g->read_through)
		g->read_through = seq;
	return 0;
}

void gaps_mark_new(struct gaps *g, const char *mark)
{
	for (size_t i = 0; i < g->ngaps; i++)
		if (!g->gaps[i].mark[0])
			snprintf(g->gaps[i].mark, sizeof(g->gaps[i].mark), "%s", mark);
}

/* Index of the gap holding SEQ, or -1 (binary search: gaps are sorted and disjoint). */
static long find(const struct gaps *g, uint64_t seq)
{
	size_t lo = 0, hi = g->ngaps;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (g->gaps[mid].last < seq)
			lo = mid + 1;
		else if (g->gaps[mid].first > seq)
			hi = mid;
		else
			return (long)mid;
	}
	return -1;
}

bool gaps_is_open(const struct gaps *g, uint64_t seq)
{
	long i = find(g, seq);

	return i >= 0 && g->gaps[i].ticket == 0;
}

/* Splits the open run at I around SEQ so that SEQ has a gap of its own; returns its index. */
static long isolate(struct gaps *g, size_t i, uint64_t seq)
{
	struct gap copy = g->gaps[i];

	if (copy.first < seq) {
		struct gap *left = insert_at(g, i);

		if (!left)
			return -1;
		*left = copy;
		left->last = seq - 1;
		i++;
		g->gaps[i].first = seq;
	}
	if (copy.last > seq) {
		struct gap *right = insert_at(g, i + 1);

		if (!right)
			return -1;
		*right = copy;
		right->first = seq + 1;
		g->gaps[i].last = seq;
	}
	return (long)i;
}

int gaps_filling(struct gaps *g, uint64_t seq, uint64_t ticket)
{
	long i = find(g, seq);

	if (i < 0)
		return 0;
	i = isolate(g, (size_t)i, seq);
	if (i < 0)
		return -1;
	g->gaps[i].ticket = ticket;
	return 0;
}

static void remove_at(struct gaps *g, size_t i)
{
	memmove(&g->gaps[i], &g->gaps[i + 1], (g->ngaps - i - 1) * sizeof(g->gaps[0]));
	g->ngaps--;
}

void gaps_close(struct gaps *g, uint64_t first)
{
	long i = find(g, first);

	if (i >= 0 && g->gaps[i].first == first && g->gaps[i].ticket == 0)
		remove_at(g, (size_t)i);
}

int gaps_batch(struct gaps *g, uint64_t ticket, uint64_t seq)
{
	if (g->head + g->nbatches == g->capbatches) {
		if (g->head > 0) {
			memmove(g->batches, g->batches + g->head,
			        g->nbatches * sizeof(*g->batches));
			g->head = 0;
		} else {
			size_t cap = g->capbatches ? g->capbatches * 2 : 16;
			struct batch *grown = realloc(g->batches, cap * sizeof(*grown));

			if (!grown)
				return -1;
			g->batches = grown;
			g->capbatches = cap;
		}
	}
	g->batches[g->head + g->nbatches].ticket = ticket;
	g->batches[g->head + g->nbatches].seq = seq;
	g->nbatches++;
	return 0;
}

bool gaps_settle(struct gaps *g, uint64_t confirmed)
{
	uint64_t candidate;

	for (size_t i = g->ngaps; i-- > 0;)
		if (g->gaps[i].ticket && g->gaps[i].ticket <= confirmed)
			remove_at(g, i);
	while (g->nbatches && g->batches[g->head].ticket <= confirmed) {
		g->acked = g->batches[g->head].seq;
		g->head++;
		g->nbatches--;
	}
	candidate = g->acked;
	if (g->ngaps && g->gaps[0].first - 1 < candidate)
		candidate = g->gaps[0].first - 1;
	if (candidate <= g->low_water)
		return false;
	g->low_water = candidate;
	return true;
}

const struct gap *gaps_list(const struct gaps *g, size_t *n)
{
	*n = g->ngaps;
	return g->gaps;
}

char *gaps_dump(const struct gaps *g)
{
	size_t size = 64 + g->ngaps * 128;
	char *out = malloc(size);
	size_t used;

	if (!out)
		return NULL;
	used = (size_t)snprintf(out, size, "low_water=%" PRIu64 "\n", g->low_water);
	for (size_t i = 0; i < g->ngaps && used < size; i++)
		used += (size_t)snprintf(out + used, size - used,
		                         "gap=%" PRIu64 "-%" PRIu64 " %lld %s\n", g->gaps[i].first,
		                         g->gaps[i].last, (long long)g->gaps[i].seen_ms,
		                         g->gaps[i].mark);
	return out;
}

/* Parses one "gap=FIRST-LAST SEEN_MS MARK" line into the remembered gaps of G. */
static int load_gap(struct gaps *g, const char *line)
{
	unsigned long long first, last;
	long long seen;
	int used = 0;
	struct gap *grown, *gap;

	if (sscanf(line, "gap=%llu-%llu %lld %n", &first, &last, &seen, &used) != 3 || !used ||
	    first <= g->low_water || last < first)
		return -1;
	grown = realloc(g->prior, (g->nprior + 1) * sizeof(*grown));
	if (!grown)
		return -1;
	g->prior = grown;
	gap = &grown[g->nprior++];
	memset(gap, 0, sizeof(*gap));
	gap->first = first;
	gap->last = last;
	gap->seen_ms = seen;
	snprintf(gap->mark, sizeof(gap->mark), "%s", line + used);
	return 0;
}

/*
 * Reading starts again above the low-water mark: rows above it are read and sent again, and the
 * gaps found again keep the first sighting remembered here.
 */
struct gaps *gaps_load(const char *text, char *err, size_t errlen)
{
	unsigned long long lw;
	char *copy = strdup(text), *save = NULL, *line;
	struct gaps *g = NULL;
	int n = 0;

	if (!copy || sscanf(text, "low_water=%llu", &lw) != 1 || !(g = gaps_new(lw)))
		goto bad;
	for (line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save), n++)
		if (n > 0 && load_gap(g, line) < 0)
			goto bad;
	free(copy);
	return g;
bad:
	snprintf(err, errlen, "malformed trigger checkpoint state (line %d)", n + 1);
	free(copy);
	gaps_free(g);
	return NULL;
}
