/*
 * checkpoint: which source positions may be confirmed. Transactions (or trigger batches) enter
 * in source order; each has messages in flight; the confirmed position moves only across
 * transactions whose every message was acknowledged, in order.
 */
#ifndef SPOKE_CHECKPOINT_H
#define SPOKE_CHECKPOINT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct checkpoint;

/*
 * START is the position already confirmed (nothing before it will be seen again). Returns NULL
 * when out of memory. Misuse (an unknown ticket, an add after the end, more acks than adds) is
 * a bug in the caller and fails an assert.
 */
struct checkpoint *checkpoint_new(uint64_t start);
/* Accepts NULL. */
void checkpoint_free(struct checkpoint *c);

/*
 * Opens the next transaction; returns its ticket (given to checkpoint_add/_ack/_end). Tickets
 * increase. Memory grows with the transactions not yet done, not with finished ones waiting
 * behind an ended, stuck one (they are merged into it). Aborts when out of memory.
 */
uint64_t checkpoint_begin(struct checkpoint *c);
/* One more message of transaction TICKET is in flight. */
void checkpoint_add(struct checkpoint *c, uint64_t ticket);
/*
 * Transaction TICKET has no more messages; once they are all acknowledged, POSITION (e.g. the
 * commit's end LSN) may be confirmed. An empty transaction is done at once.
 */
void checkpoint_end(struct checkpoint *c, uint64_t ticket, uint64_t position);
/* One message of transaction TICKET was acknowledged by Kafka. */
void checkpoint_ack(struct checkpoint *c, uint64_t ticket);

/* The highest position every earlier transaction is done up to; it never decreases. */
uint64_t checkpoint_confirmed(const struct checkpoint *c);
/* True when no transaction is open or has messages in flight. */
bool checkpoint_idle(const struct checkpoint *c);
/*
 * Confirms POSITION directly (a keepalive's walEnd, a proven-empty gap) when the checkpoint is
 * idle and POSITION is ahead; returns whether it moved.
 */
bool checkpoint_advance_idle(struct checkpoint *c, uint64_t position);
/* Transactions tracked (open or waiting for acknowledgements). */
size_t checkpoint_pending(const struct checkpoint *c);

#endif
