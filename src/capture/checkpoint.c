/* checkpoint: tracks transactions in flight in source order and the position safe to confirm. */
#include "capture/checkpoint.h"

#include <assert.h>
#include <stdlib.h>

#define CHECKPOINT_MIN_CAP 16

/* One transaction (or several merged, see settle_tail()). */
struct entry {
	uint64_t ticket;   /* the ticket checkpoint_begin() gave it */
	uint64_t pending;  /* messages added and not yet acknowledged */
	uint64_t position; /* confirmable once done; valid when ended */
	bool ended;
};

/*
 * A ring of entries in ticket order: the oldest at ring[head], the i-th at
 * ring[(head + i) & (cap - 1)]; cap is a power of two. Tickets increase along the ring but may
 * skip numbers where entries were merged away, so a ticket is found by trying its natural slot
 * (ticket - first ticket) and falling back to a binary search. Entries move when the ring
 * grows: code never keeps a pointer to one across checkpoint_begin().
 *
 * Invariants between calls: the head entry is never done (ended with nothing pending), so
 * count == 0 exactly when the checkpoint is idle; confirmed never decreases.
 */
struct checkpoint {
	struct entry *ring;
	size_t cap, head, count;
	uint64_t next_ticket;
	uint64_t confirmed;
};

static struct entry *at(const struct checkpoint *c, size_t i)
{
	return &c->ring[(c->head + i) & (c->cap - 1)];
}

static bool done(const struct entry *e)
{
	return e->ended && e->pending == 0;
}

struct checkpoint *checkpoint_new(uint64_t start)
{
	struct checkpoint *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->ring = calloc(CHECKPOINT_MIN_CAP, sizeof(*c->ring));
	if (!c->ring) {
		free(c);
		return NULL;
	}
	c->cap = CHECKPOINT_MIN_CAP;
	c->confirmed = start;
	return c;
}

void checkpoint_free(struct checkpoint *c)
{
	if (!c)
		return;
	free(c->ring);
	free(c);
}

/* Doubles the ring, unrolling it so the oldest entry lands at index 0. */
static void grow(struct checkpoint *c)
{
	struct entry *ring = malloc(2 * c->cap * sizeof(*ring));

	/*
	 * The contract has no way to report failure here, and a lost transaction would break
	 * "nothing lost": running out of memory while tracking in-flight work is fatal.
	 */
	if (!ring)
		abort();
	for (size_t i = 0; i < c->count; i++)
		ring[i] = *at(c, i);
	free(c->ring);
	c->ring = ring;
	c->cap *= 2;
	c->head = 0;
}

uint64_t checkpoint_begin(struct checkpoint *c)
{
	struct entry *e;

	if (c->count == c->cap)
		grow(c);
	e = at(c, c->count++);
	e->ticket = c->next_ticket++;
	e->pending = 0;
	e->position = 0;
	e->ended = false;
	return e->ticket;
}

/* The entry of TICKET, which must be tracked (a ticket not tracked is a caller's bug). */
static struct entry *find(const struct checkpoint *c, uint64_t ticket)
{
	size_t lo = 0, hi = c->count;
	uint64_t first;

	assert(c->count > 0 && "checkpoint: unknown ticket");
	first = at(c, 0)->ticket;
	assert(ticket >= first && "checkpoint: unknown ticket");
	/* Tickets are distinct and increasing, so TICKET sits at index ticket - first or lower. */
	if (ticket - first < hi) {
		hi = (size_t)(ticket - first) + 1;
		if (at(c, hi - 1)->ticket == ticket)
			return at(c, hi - 1);
	}
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		struct entry *e = at(c, mid);

		if (e->ticket == ticket)
			return e;
		if (e->ticket < ticket)
			lo = mid + 1;
		else
			hi = mid;
	}
	assert(!"checkpoint: unknown ticket");
	return NULL;
}

/* Pops done transactions off the head, confirming their positions. */
static void settle_head(struct checkpoint *c)
{
	while (c->count > 0 && done(at(c, 0))) {
		const struct entry *e = at(c, 0);

		if (e->position > c->confirmed)
			c->confirmed = e->position;
		c->head = (c->head + 1) & (c->cap - 1);
		c->count--;
	}
}

/*
 * Merges a done transaction at the tail into its predecessor when that one has ended: the
 * predecessor takes the later position and the tail entry goes. Safe because the merged
 * transaction has nothing left in flight and no ticket of it is used again (adds and acks after
 * its end are bugs). Its position was confirmable exactly when the predecessor's is: the
 * predecessor is before it in order, and once the predecessor is done nothing separates the
 * two. So confirming the later position when the predecessor is done is what the unmerged
 * entries would have done, one step sooner. Without this, a stuck transaction followed by a
 * quiet stream of empty ones (other databases' traffic in the WAL) would grow the ring forever.
 * An open predecessor cannot take it: its own position is not known yet.
 */
static void settle_tail(struct checkpoint *c)
{
	while (c->count >= 2 && done(at(c, c->count - 1)) && at(c, c->count - 2)->ended) {
		struct entry *last = at(c, c->count - 1), *prev = at(c, c->count - 2);

		if (last->position > prev->position)
			prev->position = last->position;
		c->count--;
	}
}

static void settle(struct checkpoint *c)
{
	settle_head(c);
	settle_tail(c);
}

void checkpoint_add(struct checkpoint *c, uint64_t ticket)
{
	struct entry *e = find(c, ticket);

	assert(!e->ended && "checkpoint: message added to an ended transaction");
	e->pending++;
}

void checkpoint_end(struct checkpoint *c, uint64_t ticket, uint64_t position)
{
	struct entry *e = find(c, ticket);

	assert(!e->ended && "checkpoint: transaction ended twice");
	e->ended = true;
	e->position = position;
	settle(c);
}

void checkpoint_ack(struct checkpoint *c, uint64_t ticket)
{
	struct entry *e = find(c, ticket);

	assert(e->pending > 0 && "checkpoint: more acknowledgements than messages");
	e->pending--;
	if (e->ended && e->pending == 0)
		settle(c);
}

uint64_t checkpoint_confirmed(const struct checkpoint *c)
{
	return c->confirmed;
}

bool checkpoint_idle(const struct checkpoint *c)
{
	return c->count == 0;
}

bool checkpoint_advance_idle(struct checkpoint *c, uint64_t position)
{
	if (c->count > 0 || position <= c->confirmed)
		return false;
	c->confirmed = position;
	return true;
}

size_t checkpoint_pending(const struct checkpoint *c)
{
	return c->count;
}
