/*
 * batch: one batch of an applier: every message through every rule that reads it, one
 * transaction per target with the offsets the batch reaches, dead letters for what can never
 * succeed, retries for what may (see applier.h).
 */
#include "apply/applier_impl.h"

#include "core/log.h"
#include "core/signals.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define COMPONENT "apply"

/* Outcome of one attempt at a range of the batch. */
enum attempt {
	ATTEMPT_OK,
	ATTEMPT_TRANSIENT,
	ATTEMPT_PERMANENT, /* message fail_msg, rule fail_rule cannot be applied */
	ATTEMPT_GROUP,     /* a statement or commit for several messages failed for good */
};

struct failure {
	int msg, rule;
	char err[1024];
	int http_status; /* 0, or what an HTTP API answered (with the start of its body) */
	char http_body[sizeof(((struct target_fail *)0)->http_body)];
};

static bool is_dead(const struct applier *a, int msg, int rule)
{
	for (int i = 0; i < a->ndead; i++)
		if (a->dead[i].msg == msg && (a->dead[i].rule == rule || a->dead[i].rule == -1))
			return true;
	return false;
}

const char *batch_topic(const rd_kafka_message_t *m)
{
	return rd_kafka_topic_name(m->rkt);
}

/* ------------------------------------------------------------------ one batch */

/*
 * What a target's failed call ST means for the attempt: a permanent failure it pinned on one
 * change (TF) is that change's, one it could not pin is the group's, and with GROUP_OK false
 * (one message in hand) the message's.
 */
static enum attempt target_failed(enum target_status st, const struct target_fail *tf,
                                  bool group_ok, struct failure *f)
{
	if (st == TARGET_TRANSIENT)
		return ATTEMPT_TRANSIENT;
	if (tf->msg >= 0) {
		f->msg = tf->msg;
		f->rule = tf->rule;
		f->http_status = tf->http_status;
		snprintf(f->http_body, sizeof(f->http_body), "%s", tf->http_body);
		return ATTEMPT_PERMANENT;
	}
	return group_ok ? ATTEMPT_GROUP : ATTEMPT_PERMANENT;
}

/* Applies rule R to the parsed message I (a->ev). */
static enum attempt apply_rule(struct applier *a, int i, int r, struct failure *f)
{
	const struct rule *rule = &a->rs.rules[r];
	struct tstate *s = &a->ts[a->rule_ts[r]];
	const rd_kafka_message_t *m = a->batch[i];
	const struct target_change ch = {batch_topic(m), (int)m->partition, m->offset, i, r};
	struct target_fail tf = {.msg = -1};
	char err[900];

	if (m->offset < offmap_get(&s->stored, batch_topic(m), (int)m->partition))
		return ATTEMPT_OK; /* this target has it already */
	a->ctx.transient = false;
	if (rule_eval(rule, &a->ev, &a->ctx, &a->op, err, sizeof(err)) < 0) {
		snprintf(f->err, sizeof(f->err), "rule %s: %s", rule->name, err);
		if (a->group_failed) /* a lookup sent waiting rows first, and they failed */
			return ATTEMPT_GROUP;
		return a->ctx.transient ? ATTEMPT_TRANSIENT : ATTEMPT_PERMANENT;
	}
	if (a->op.kind == ROWOP_SKIP)
		return ATTEMPT_OK;
	enum target_status st = tstate_begin(a, s, f->err, sizeof(f->err));
	if (st == TARGET_OK)
		st = s->ops->apply(s->t, &a->op, &a->ctx, &ch, &tf, f->err, sizeof(f->err));
	if (st == TARGET_OK && a->single)
		st = s->ops->flush(s->t, &tf, f->err, sizeof(f->err));
	if (st == TARGET_TRANSIENT)
		a->failed_ts = s;
	if (st == TARGET_OK) {
		const char *ops = "cudr", *at = a->ev.op ? strchr(ops, a->ev.op) : NULL;
		a->tally[r][at ? at - ops : 4]++;
		return ATTEMPT_OK;
	}
	/* Unpinned, it may be a row of an earlier change, sent with this one. */
	return target_failed(st, &tf, !a->single, f);
}

/* Applies every rule that reads message I. */
static enum attempt apply_message(struct applier *a, int i, struct failure *f)
{
	const rd_kafka_message_t *m = a->batch[i];
	enum attempt res = ATTEMPT_OK;
	char err[512];

	f->msg = i;
	f->rule = -1;
	f->http_status = 0;
	if (is_dead(a, i, -1))
		return ATTEMPT_OK;
	if (event_parse(&a->ev, m->key, m->key_len, m->payload, m->payload ? m->len : 0, err,
	                sizeof(err)) < 0) {
		snprintf(f->err, sizeof(f->err), "%s", err);
		return ATTEMPT_PERMANENT;
	}
	a->ctx.payload = a->ev.payload;
	a->ctx.key = a->ev.key;
	a->ctx.topic = batch_topic(m);
	for (int r = 0; r < a->rs.n && res == ATTEMPT_OK; r++) {
		if (!rule_matches(&a->rs.rules[r], batch_topic(m)) || is_dead(a, i, r))
			continue;
		f->rule = r;
		res = apply_rule(a, i, r, f);
	}
	event_release(&a->ev);
	expr_ctx_reset(&a->ctx);
	return res;
}

/* a->reach: the next offset of each partition after messages FROM..TO-1. */
static int range_reach(struct applier *a, int from, int to)
{
	offmap_clear(&a->reach);
	for (int i = from; i < to; i++) {
		const rd_kafka_message_t *m = a->batch[i];
		if (m->offset + 1 > offmap_get(&a->reach, batch_topic(m), (int)m->partition) &&
		    offmap_set(&a->reach, batch_topic(m), (int)m->partition, m->offset + 1) < 0)
			return -1;
	}
	return 0;
}

/* Sends the rows every target keeps for a multi-row statement. */
static enum attempt flush_all(struct applier *a, struct failure *f)
{
	for (int k = 0; k < a->nts; k++) {
		struct tstate *s = &a->ts[k];
		struct target_fail tf = {.msg = -1};
		enum target_status st =
		    s->in_tx ? s->ops->flush(s->t, &tf, f->err, sizeof(f->err)) : TARGET_OK;
		if (st == TARGET_TRANSIENT)
			a->failed_ts = s;
		if (st != TARGET_OK)
			return target_failed(st, &tf, true, f);
	}
	return ATTEMPT_OK;
}

/* Writes, in each writing target's transaction, the offsets the range FROM..TO-1 reaches. */
static enum attempt save_offsets(struct applier *a, struct failure *f)
{
	for (int k = 0; k < a->nts; k++) {
		struct tstate *s = &a->ts[k];
		for (int i = 0; s->writes && i < a->reach.n; i++) {
			const struct offmap_entry *e = &a->reach.e[i];
			if (e->next <= offmap_get(&s->stored, e->topic, e->part))
				continue; /* nothing new for this target */
			enum target_status st = tstate_begin(a, s, f->err, sizeof(f->err));
			if (st == TARGET_OK)
				st = s->ops->save_offset(s->t, e->topic, e->part, e->next, f->err,
				                         sizeof(f->err));
			if (st != TARGET_OK)
				return st == TARGET_TRANSIENT ? ATTEMPT_TRANSIENT : ATTEMPT_GROUP;
		}
	}
	return ATTEMPT_OK;
}

/* Waits until every dead letter is acknowledged by Kafka (before offsets may pass them). */
static enum attempt flush_dead_letters(struct applier *a, struct failure *f)
{
	while (a->dlq && producer_in_flight(a->dlq) > 0) {
		if (producer_fatal(a->dlq)) {
			snprintf(f->err, sizeof(f->err), "dead-letter topic %s: %s", a->dlq_topic,
			         producer_fatal(a->dlq));
			a->fatal = true;
			return ATTEMPT_TRANSIENT;
		}
		if (signals_stop_requested()) {
			snprintf(f->err, sizeof(f->err),
			         "stopping before Kafka acknowledged the "
			         "dead letters");
			return ATTEMPT_TRANSIENT;
		}
		producer_flush(a->dlq, 1000);
	}
	return ATTEMPT_OK;
}

/* Commits every open transaction; a committed target's offsets are then what it stored. */
static enum attempt commit_all(struct applier *a, struct failure *f)
{
	for (int k = 0; k < a->nts; k++) {
		struct tstate *s = &a->ts[k];
		if (!s->in_tx)
			continue;
		enum target_status st = s->ops->commit(s->t, f->err, sizeof(f->err));
		s->in_tx = false;
		if (st == TARGET_TRANSIENT)
			a->failed_ts = s;
		if (st != TARGET_OK)
			return st == TARGET_TRANSIENT ? ATTEMPT_TRANSIENT : ATTEMPT_GROUP;
		for (int i = 0; i < a->reach.n; i++) {
			const struct offmap_entry *e = &a->reach.e[i];
			if (e->next > offmap_get(&s->stored, e->topic, e->part))
				tstate_store_offset(s, e->topic, e->part, e->next);
		}
	}
	return ATTEMPT_OK;
}

/* One attempt at messages FROM..TO-1 of the batch, in one transaction per target. */
static enum attempt attempt_range(struct applier *a, int from, int to, struct failure *f)
{
	enum attempt res = ATTEMPT_OK;

	a->single = to - from == 1;
	a->group_failed = false;
	memset(a->tally, 0, (size_t)a->rs.n * sizeof(*a->tally));
	f->http_status = 0;
	if (range_reach(a, from, to) < 0) {
		snprintf(f->err, sizeof(f->err), "out of memory");
		return ATTEMPT_TRANSIENT;
	}
	for (int i = from; i < to && res == ATTEMPT_OK; i++)
		res = apply_message(a, i, f);
	if (res == ATTEMPT_OK)
		res = flush_all(a, f);
	if (res == ATTEMPT_OK)
		res = save_offsets(a, f);
	if (res == ATTEMPT_OK)
		res = flush_dead_letters(a, f);
	if (res == ATTEMPT_OK)
		res = commit_all(a, f);
	if (res != ATTEMPT_OK)
		applier_rollback(a);
	for (int r = 0; res == ATTEMPT_OK && r < a->rs.n; r++)
		for (int k = 0; k < 5; k++)
			a->totals[r][k] += a->tally[r][k];
	return res;
}

/* ------------------------------------------------------------------ dead letters */

static void add_header(rd_kafka_headers_t *h, const char *name, const char *value)
{
	rd_kafka_header_add(h, name, -1, value, -1);
}

/* Sends message I to the dead-letter topic with why in headers, and remembers it. */
static int dead_letter(struct applier *a, const struct failure *f)
{
	const rd_kafka_message_t *m = a->batch[f->msg];
	rd_kafka_headers_t *h = rd_kafka_headers_new(7);
	char part[16], off[24], err[512], why[1024], status[16], body[sizeof(f->http_body)];
	int rc;

	snprintf(why, sizeof(why), "%s", f->err);
	log_scrub(why, sizeof(why));
	snprintf(part, sizeof(part), "%d", (int)m->partition);
	snprintf(off, sizeof(off), "%lld", (long long)m->offset);
	add_header(h, "spoke.error", why);
	add_header(h, "spoke.rule", f->rule >= 0 ? a->rs.rules[f->rule].name : "");
	add_header(h, "spoke.topic", batch_topic(m));
	add_header(h, "spoke.partition", part);
	add_header(h, "spoke.offset", off);
	if (f->http_status) {
		snprintf(status, sizeof(status), "%d", f->http_status);
		snprintf(body, sizeof(body), "%s", f->http_body);
		log_scrub(body, sizeof(body));
		add_header(h, "spoke.http.status", status);
		add_header(h, "spoke.http.body", body);
	}
	rc = producer_send_headers(a->dlq, a->dlq_topic, m->key, m->key_len, m->payload,
	                           m->payload ? m->len : 0, h, 0, err, sizeof(err));
	rd_kafka_headers_destroy(h);
	if (rc < 0) {
		log_serror(COMPONENT, a->name, "dead-letter topic %s: %s", a->dlq_topic, err);
		return -1;
	}
	log_swarn(COMPONENT, a->name, "%s [%d] offset %s%s%s: %s: sent to %s", batch_topic(m),
	          (int)m->partition, off, f->rule >= 0 ? ", rule " : "",
	          f->rule >= 0 ? a->rs.rules[f->rule].name : "", why, a->dlq_topic);
	if (a->ndead == a->deadcap) {
		int cap = a->deadcap ? 2 * a->deadcap : 16;
		struct dead *d = realloc(a->dead, (size_t)cap * sizeof(*d));
		if (!d)
			return -1;
		a->dead = d;
		a->deadcap = cap;
	}
	a->dead[a->ndead++] = (struct dead){f->msg, f->rule};
	a->dead_letters++;
	return 0;
}

/* ------------------------------------------------------------------ the batch */

/* After a transient failure: wait, and drop the connection that failed. */
static int recover(struct applier *a, const struct failure *f)
{
	log_swarn(COMPONENT, a->name, "%s; retrying in %d ms", f->err, a->delay_ms);
	if (a->failed_ts)
		tstate_disconnect(a->failed_ts);
	a->failed_ts = NULL;
	if (a->fatal)
		return -1;
	runstate_health(a->status, false, f->err); /* shows in status and /health meanwhile */
	signals_backoff(&a->delay_ms, BACKOFF_MAX_MS);
	return signals_stop_requested() ? -1 : 0;
}

/* A change that can never succeed: dead letter, or stop (on_error = stop). */
static int refuse(struct applier *a, const struct failure *f)
{
	const rd_kafka_message_t *m = a->batch[f->msg];

	if (a->stop_on_error) {
		log_serror(COMPONENT, a->name,
		           "%s [%d] offset %lld: %s (on_error = stop: fix the cause, or set "
		           "on_error = dead_letter, and restart)",
		           batch_topic(m), (int)m->partition, (long long)m->offset, f->err);
		a->fatal = true;
		return -1;
	}
	return dead_letter(a, f);
}

/*
 * Applies messages FROM..TO-1 until they are all applied or dead-lettered. When a commit fails
 * for good without saying which change caused it (a deferred constraint), the messages are
 * applied one per transaction to find it. Returns 0, or -1 on a stop or a fatal failure.
 */
static int apply_range(struct applier *a, int from, int to)
{
	struct failure f;

	for (;;) {
		enum attempt res = attempt_range(a, from, to, &f);
		if (res == ATTEMPT_OK) {
			a->delay_ms = 500;
			runstate_health(a->status, true, NULL);
			return 0;
		}
		if (res == ATTEMPT_TRANSIENT) {
			if (recover(a, &f) < 0)
				return -1;
		} else if (res == ATTEMPT_PERMANENT) {
			if (refuse(a, &f) < 0)
				return -1;
		} else if (to - from > 1) {
			for (int i = from; i < to; i++)
				if (apply_range(a, i, i + 1) < 0)
					return -1;
			return 0;
		} else {
			f.msg = from;
			f.rule = -1;
			f.http_status = 0;
			if (refuse(a, &f) < 0)
				return -1;
		}
	}
}

int batch_apply(struct applier *a)
{
	int rc = a->nbatch ? apply_range(a, 0, a->nbatch) : 0;

	if (rc == 0 && a->nbatch && range_reach(a, 0, a->nbatch) == 0)
		for (int i = 0; i < a->reach.n; i++)
			consumer_commit(a->cons, a->reach.e[i].topic, a->reach.e[i].part,
			                a->reach.e[i].next);
	for (int i = 0; i < a->nbatch; i++)
		rd_kafka_message_destroy(a->batch[i]);
	if (rc == 0)
		a->applied += (unsigned long long)(a->nbatch - a->ndead);
	a->nbatch = 0;
	a->ndead = 0;
	return rc;
}
