/*
 * gaps: the positions of a trigger source. Changelog rows carry an ascending seq, but a seq
 * taken by a transaction that commits late becomes visible after larger ones: until its row
 * appears, or the database proves nothing can still write it, it is an open gap, and the
 * low-water mark (the durable checkpoint) never passes it.
 *
 * Invariants: every seq <= low_water is delivered or proven empty; gaps are sorted, disjoint,
 * all > low_water and < read_through.
 */
#ifndef SPOKE_GAPS_H
#define SPOKE_GAPS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A run of missing seqs, first..last; a late row splits it, its seq then "filling". */
struct gap {
	uint64_t first, last;
	int64_t seen_ms; /* when it was first seen open (wall clock, ms) */
	char mark[64];   /* the database's gap mark taken when it was seen */
	uint64_t ticket; /* 0: open; else (first == last) the ticket carrying its late row */
};

struct gaps;

/* LOW_WATER: the durable checkpoint; reading resumes above it. */
struct gaps *gaps_new(uint64_t low_water);
void gaps_free(struct gaps *g);

/* Highest seq read so far (the reader asks for rows above it). */
uint64_t gaps_read_through(const struct gaps *g);
/* How many gaps are open (waiting for a late row or the proof that none will come). */
size_t gaps_count(const struct gaps *g);
/* The durable checkpoint as last computed by gaps_settle(). */
uint64_t gaps_low_water(const struct gaps *g);

/*
 * A row with SEQ was read by the main query (SEQ > read_through): the seqs skipped between
 * become open gaps with MARK and NOW_MS. Returns 0, or -1 when out of memory.
 */
int gaps_read(struct gaps *g, uint64_t seq, const char *mark, int64_t now_ms);
/*
 * Gives MARK to the gaps read without one (gaps_read with MARK NULL): the reader takes the mark
 * after the query that revealed them, so every transaction that could fill them began before it.
 */
void gaps_mark_new(struct gaps *g, const char *mark);
/* Whether SEQ is an open gap (its late row must be published). */
bool gaps_is_open(const struct gaps *g, uint64_t seq);
/*
 * The late row of gap seq SEQ went out with TICKET; that seq closes once TICKET is confirmed.
 * Returns 0, or -1 when out of memory.
 */
int gaps_filling(struct gaps *g, uint64_t seq, uint64_t ticket);
/* The open run starting at FIRST is proven empty (or timed out): it closes now. */
void gaps_close(struct gaps *g, uint64_t first);
/* Rows up to SEQ read by the main query were published in batch TICKET. */
int gaps_batch(struct gaps *g, uint64_t ticket, uint64_t seq);

/*
 * Moves the low-water mark given CONFIRMED, the publisher's highest ticket below which every
 * ticket is acknowledged: filled gaps whose ticket is confirmed close, acknowledged batches
 * count. Returns true when the low-water mark moved.
 */
bool gaps_settle(struct gaps *g, uint64_t confirmed);

/* The open gaps (not being filled), for proofs and timeouts; borrowed, valid until a change. */
const struct gap *gaps_list(const struct gaps *g, size_t *n);

/*
 * Writes the state as text: "low_water=N\ngap=FIRST-LAST SEEN_MS MARK\n...", and reads it back
 * (gaps_load returns NULL with err filled for malformed text).
 */
char *gaps_dump(const struct gaps *g);
struct gaps *gaps_load(const char *text, char *err, size_t errlen);

#endif
