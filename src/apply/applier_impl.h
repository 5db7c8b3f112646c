/* applier_impl: what applier.c (targets, Kafka, the loop) and batch.c (one batch) share. */
#ifndef SPOKE_APPLIER_IMPL_H
#define SPOKE_APPLIER_IMPL_H

#include "apply/lcache.h"
#include "apply/offmap.h"
#include "apply/target.h"
#include "core/runstate.h"
#include "kafka/consumer.h"
#include "kafka/producer.h"
#include "mapping/rules.h"

#define BACKOFF_MAX_MS 30000

/* One target the rules write to or look up in. */
struct tstate {
	const struct conf_section *sec;
	const struct target_ops *ops;
	struct target *t; /* NULL while disconnected */
	struct offmap stored;
	bool writes; /* some rule writes here (lookup-only targets keep no offsets) */
	bool in_tx;
};

/* A (message, rule) that went to the dead-letter topic; rule -1: the whole message. */
struct dead {
	int msg, rule;
};

struct applier {
	const struct config *cfg;
	const struct conf_section *sec;
	const char *name;
	struct ruleset rs;
	int *rule_ts; /* rule index -> tstate index */
	struct tstate *ts;
	int nts;
	struct consumer *cons;
	struct producer *dlq;
	const char *dlq_topic;
	bool stop_on_error;
	int batch_size, batch_ms;
	rd_kafka_message_t **batch;
	int nbatch;
	struct offmap reach; /* what the range in hand reaches, per partition */
	struct dead *dead;
	int ndead, deadcap;
	struct expr_ctx ctx;
	struct event ev;
	struct rowop op;
	struct lcache cache;
	struct tstate *failed_ts; /* the target of the last transient failure */
	bool fatal;
	bool single;       /* the range in hand is one message: rows go one statement each */
	bool group_failed; /* a lookup's flush of waiting rows failed */
	int delay_ms;
	unsigned long long applied, dead_letters;
	struct runstate *status; /* for spoke status */
	/* Changes applied per rule and op (c u d r, other): of the attempt in hand, and in all. */
	unsigned long long (*tally)[5], (*totals)[5];
};

/* applier.c: targets. */
enum target_status tstate_begin(struct applier *a, struct tstate *s, char *err, size_t errlen);
void tstate_disconnect(struct tstate *s);
void tstate_store_offset(void *arg, const char *topic, int part, int64_t next);
/* Rolls back every open transaction and forgets cached lookups (they may be rolled back). */
void applier_rollback(struct applier *a);

/* Writes the applier's run state for spoke status when a second passed since the last. */
void applier_write_status(struct applier *a);

/* batch.c */
const char *batch_topic(const rd_kafka_message_t *m);
/*
 * Applies the batch until every message is applied or dead-lettered, tells Kafka (for
 * monitoring) and empties it. Returns 0, or -1 on a stop or a failure the applier cannot get
 * past (a->fatal).
 */
int batch_apply(struct applier *a);

#endif
