/* Unit tests for capture/checkpoint: confirmed positions move only across acknowledged work. */
#include "unit.h"
#include "capture/checkpoint.h"

#include <stdint.h>
#include <stdlib.h>

TEST(checkpoint_ordered_acks)
{
	struct checkpoint *c = checkpoint_new(100);
	uint64_t t1, t2;

	CHECK_INT(checkpoint_confirmed(c), 100);
	CHECK(checkpoint_idle(c));
	t1 = checkpoint_begin(c);
	CHECK(!checkpoint_idle(c));
	checkpoint_add(c, t1);
	checkpoint_add(c, t1);
	checkpoint_end(c, t1, 200);
	CHECK_INT(checkpoint_confirmed(c), 100);
	checkpoint_ack(c, t1);
	CHECK_INT(checkpoint_confirmed(c), 100);
	checkpoint_ack(c, t1);
	CHECK_INT(checkpoint_confirmed(c), 200);
	CHECK(checkpoint_idle(c));
	CHECK_INT(checkpoint_pending(c), 0);
	t2 = checkpoint_begin(c);
	CHECK(t2 > t1);
	checkpoint_add(c, t2);
	checkpoint_ack(c, t2); /* acknowledged before the transaction ends */
	CHECK_INT(checkpoint_confirmed(c), 200);
	CHECK(!checkpoint_idle(c));
	checkpoint_end(c, t2, 300);
	CHECK_INT(checkpoint_confirmed(c), 300);
	CHECK(checkpoint_idle(c));
	checkpoint_free(c);
}

TEST(checkpoint_out_of_order_acks)
{
	struct checkpoint *c = checkpoint_new(0);
	uint64_t t[3];

	for (int i = 0; i < 3; i++) {
		t[i] = checkpoint_begin(c);
		checkpoint_add(c, t[i]);
		checkpoint_add(c, t[i]);
		checkpoint_end(c, t[i], (uint64_t)(i + 1) * 10);
	}
	CHECK_INT(checkpoint_pending(c), 3);
	/* The later transactions finish first: nothing may be confirmed past t[0]. */
	checkpoint_ack(c, t[2]);
	checkpoint_ack(c, t[1]);
	checkpoint_ack(c, t[2]);
	checkpoint_ack(c, t[1]);
	CHECK_INT(checkpoint_confirmed(c), 0);
	checkpoint_ack(c, t[0]);
	CHECK_INT(checkpoint_confirmed(c), 0);
	CHECK(!checkpoint_idle(c));
	checkpoint_ack(c, t[0]);
	CHECK_INT(checkpoint_confirmed(c), 30);
	CHECK(checkpoint_idle(c));
	CHECK_INT(checkpoint_pending(c), 0);
	checkpoint_free(c);
}

TEST(checkpoint_middle_done_first)
{
	struct checkpoint *c = checkpoint_new(0);
	uint64_t a = checkpoint_begin(c), b, d;

	checkpoint_add(c, a);
	checkpoint_end(c, a, 10);
	b = checkpoint_begin(c);
	checkpoint_add(c, b);
	checkpoint_end(c, b, 20);
	d = checkpoint_begin(c);
	checkpoint_add(c, d);
	checkpoint_end(c, d, 30);
	checkpoint_ack(c, b); /* b done, between two stuck transactions */
	CHECK_INT(checkpoint_confirmed(c), 0);
	checkpoint_ack(c, a);
	CHECK_INT(checkpoint_confirmed(c), 20);
	checkpoint_ack(c, d);
	CHECK_INT(checkpoint_confirmed(c), 30);
	CHECK(checkpoint_idle(c));
	checkpoint_free(c);
}

TEST(checkpoint_empty_transactions)
{
	struct checkpoint *c = checkpoint_new(5);
	uint64_t t = checkpoint_begin(c);

	CHECK(!checkpoint_idle(c)); /* open, even with nothing in it yet */
	checkpoint_end(c, t, 50);
	CHECK_INT(checkpoint_confirmed(c), 50);
	CHECK(checkpoint_idle(c));
	/* A position behind the confirmed one never moves it back. */
	t = checkpoint_begin(c);
	checkpoint_end(c, t, 40);
	CHECK_INT(checkpoint_confirmed(c), 50);
	checkpoint_free(c);
}

/* Interleaved: a later transaction ends (empty) while an earlier one is still open. */
TEST(checkpoint_empty_behind_open)
{
	struct checkpoint *c = checkpoint_new(0);
	uint64_t a = checkpoint_begin(c), b = checkpoint_begin(c);

	checkpoint_add(c, a);
	checkpoint_end(c, b, 20);
	CHECK_INT(checkpoint_confirmed(c), 0);
	CHECK_INT(checkpoint_pending(c), 2);
	checkpoint_end(c, a, 10);
	CHECK_INT(checkpoint_pending(c), 1); /* b merged into the ended a */
	CHECK_INT(checkpoint_confirmed(c), 0);
	checkpoint_ack(c, a);
	CHECK_INT(checkpoint_confirmed(c), 20);
	CHECK(checkpoint_idle(c));
	checkpoint_free(c);
}

TEST(checkpoint_empties_behind_stuck_stay_small)
{
	struct checkpoint *c = checkpoint_new(0);
	uint64_t stuck = checkpoint_begin(c), t = 0;
	size_t most = 0;

	checkpoint_add(c, stuck);
	checkpoint_end(c, stuck, 1);
	for (uint64_t i = 0; i < 1000000; i++) {
		t = checkpoint_begin(c);
		if (checkpoint_pending(c) > most)
			most = checkpoint_pending(c);
		checkpoint_end(c, t, 2 + i);
		if (checkpoint_pending(c) > most)
			most = checkpoint_pending(c);
	}
	CHECK(most <= 2);
	CHECK_INT(checkpoint_confirmed(c), 0);
	/* A real transaction behind them still works, and is found by its ticket. */
	t = checkpoint_begin(c);
	checkpoint_add(c, t);
	checkpoint_end(c, t, 5000000);
	CHECK_INT(checkpoint_pending(c), 2);
	checkpoint_ack(c, stuck);
	CHECK_INT(checkpoint_confirmed(c), 1000001);
	checkpoint_ack(c, t);
	CHECK_INT(checkpoint_confirmed(c), 5000000);
	CHECK(checkpoint_idle(c));
	checkpoint_free(c);
}

/* Acknowledged transactions behind a stuck one merge too, so the ring does not grow. */
TEST(checkpoint_acked_behind_stuck_stay_small)
{
	struct checkpoint *c = checkpoint_new(0);
	uint64_t stuck = checkpoint_begin(c);
	size_t most = 0;

	checkpoint_add(c, stuck);
	checkpoint_end(c, stuck, 1);
	for (uint64_t i = 0; i < 100000; i++) {
		uint64_t t = checkpoint_begin(c);

		checkpoint_add(c, t);
		checkpoint_add(c, t);
		checkpoint_end(c, t, 2 + i);
		checkpoint_ack(c, t);
		checkpoint_ack(c, t);
		if (checkpoint_pending(c) > most)
			most = checkpoint_pending(c);
	}
	CHECK(most <= 2);
	CHECK_INT(checkpoint_confirmed(c), 0);
	checkpoint_ack(c, stuck);
	CHECK_INT(checkpoint_confirmed(c), 100001);
	checkpoint_free(c);
}

TEST(checkpoint_advance_idle_only_when_idle)
{
	struct checkpoint *c = checkpoint_new(100);
	uint64_t t;

	CHECK(checkpoint_advance_idle(c, 150));
	CHECK_INT(checkpoint_confirmed(c), 150);
	CHECK(!checkpoint_advance_idle(c, 150)); /* not ahead */
	CHECK(!checkpoint_advance_idle(c, 120));
	CHECK_INT(checkpoint_confirmed(c), 150);
	t = checkpoint_begin(c);
	CHECK(!checkpoint_advance_idle(c, 500)); /* a transaction is open */
	checkpoint_add(c, t);
	checkpoint_end(c, t, 200);
	CHECK(!checkpoint_advance_idle(c, 500)); /* a message is in flight */
	CHECK_INT(checkpoint_confirmed(c), 150);
	checkpoint_ack(c, t);
	CHECK_INT(checkpoint_confirmed(c), 200);
	CHECK(checkpoint_advance_idle(c, 500));
	CHECK_INT(checkpoint_confirmed(c), 500);
	checkpoint_free(c);
}

/* The ring grows past its first size with many open transactions, wrapped around. */
TEST(checkpoint_growth_keeps_order)
{
	struct checkpoint *c = checkpoint_new(0);
	uint64_t t[1000];

	/* Rotate the ring so that it wraps before it grows. */
	for (int i = 0; i < 10; i++)
		checkpoint_end(c, checkpoint_begin(c), 1);
	for (int i = 0; i < 1000; i++) {
		t[i] = checkpoint_begin(c);
		checkpoint_add(c, t[i]);
		checkpoint_end(c, t[i], (uint64_t)i + 10);
	}
	CHECK_INT(checkpoint_pending(c), 1000);
	for (int i = 999; i >= 1; i--)
		checkpoint_ack(c, t[i]);
	CHECK_INT(checkpoint_confirmed(c), 1);
	CHECK_INT(checkpoint_pending(c), 1);
	checkpoint_ack(c, t[0]);
	CHECK_INT(checkpoint_confirmed(c), 1009);
	checkpoint_free(c);
}

/* A reference model: every transaction kept, confirmed recomputed from scratch. */
struct model_tx {
	uint64_t ticket, pending, position;
	bool ended;
};

struct model {
	struct model_tx *tx;
	size_t n, done_prefix;
	uint64_t confirmed;
};

static uint64_t model_confirmed(struct model *m)
{
	while (m->done_prefix < m->n && m->tx[m->done_prefix].ended &&
	       m->tx[m->done_prefix].pending == 0) {
		if (m->tx[m->done_prefix].position > m->confirmed)
			m->confirmed = m->tx[m->done_prefix].position;
		m->done_prefix++;
	}
	return m->confirmed;
}

static bool model_idle(const struct model *m)
{
	return m->done_prefix == m->n;
}

/* Picks a transaction index in [done_prefix, n) matching WANT_OPEN / WANT_PENDING, or -1. */
static long model_pick(const struct model *m, int want)
{
	size_t live = m->n - m->done_prefix, start;

	if (live == 0)
		return -1;
	start = m->done_prefix + (size_t)rand() % live;
	for (size_t k = 0; k < live; k++) {
		size_t i = m->done_prefix + (start - m->done_prefix + k) % live;

		if ((want == 0 && !m->tx[i].ended) || (want == 1 && m->tx[i].pending > 0))
			return (long)i;
	}
	return -1;
}

/*
 * One random step on both; returns false when they disagree. Transactions end in random order,
 * but their positions follow their tickets (commit order), with ties, as a source's would.
 */
static bool random_step(struct checkpoint *c, struct model *m)
{
	int op = rand() % 100;
	long i;

	if (op < 15) {
		m->tx[m->n].ticket = checkpoint_begin(c);
		m->n++;
	} else if (op < 50 && (i = model_pick(m, 0)) >= 0) {
		checkpoint_add(c, m->tx[i].ticket);
		m->tx[i].pending++;
	} else if (op < 65 && (i = model_pick(m, 0)) >= 0) {
		m->tx[i].ended = true;
		m->tx[i].position = m->tx[i].ticket * 2 + (uint64_t)(rand() % 3);
		checkpoint_end(c, m->tx[i].ticket, m->tx[i].position);
	} else if (op < 97 && (i = model_pick(m, 1)) >= 0) {
		checkpoint_ack(c, m->tx[i].ticket);
		m->tx[i].pending--;
	} else if (op >= 97) {
		uint64_t to = model_confirmed(m) + (uint64_t)(rand() % 8);
		bool want = model_idle(m) && to > model_confirmed(m);

		if (checkpoint_advance_idle(c, to) != want)
			return false;
		if (want)
			m->confirmed = to;
	}
	return checkpoint_confirmed(c) == model_confirmed(m) &&
	       checkpoint_idle(c) == model_idle(m) &&
	       checkpoint_pending(c) <= m->n - m->done_prefix;
}

TEST(checkpoint_matches_model)
{
	enum { STEPS = 200000 };
	struct model m = {calloc(STEPS, sizeof(struct model_tx)), 0, 0, 0};
	struct checkpoint *c = checkpoint_new(0);

	srand(12345);
	CHECK(m.tx != NULL);
	for (int s = 0; m.tx && s < STEPS; s++) {
		if (!random_step(c, &m)) {
			fprintf(stderr,
			        "  step %d: confirmed %llu (model %llu), idle %d (model %d)\n", s,
			        (unsigned long long)checkpoint_confirmed(c),
			        (unsigned long long)model_confirmed(&m), checkpoint_idle(c),
			        model_idle(&m));
			CHECK(!"checkpoint disagrees with the model");
			break;
		}
	}
	CHECK(m.n > 1000);
	free(m.tx);
	checkpoint_free(c);
}
