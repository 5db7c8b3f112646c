/*
 * applier: the consumer loop of an applier (see applier.h). A batch is applied message by
 * message, rule by rule; each target gets one transaction per batch that also stores the
 * offsets the batch reaches, so the target, not Kafka, says where to resume. A message already
 * applied to a target (its offset is below what the target stored) is skipped for it: after a
 * crash between two targets' commits, each target resumes where it stands.
 */
#include "apply/applier.h"

#include "apply/applier_impl.h"
#include "core/log.h"
#include "core/signals.h"
#include "kafka/kconf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define COMPONENT "apply"

static struct tstate *find_ts(struct applier *a, const char *name)
{
	for (int i = 0; i < a->nts; i++)
		if (strcmp(a->ts[i].sec->name, name) == 0)
			return &a->ts[i];
	return NULL;
}

/* ------------------------------------------------------------------ targets */

static enum target_status tstate_connect(struct applier *a, struct tstate *s, char *err,
                                         size_t errlen)
{
	bool transient;

	if (s->t)
		return TARGET_OK;
	s->t = s->ops->open(a->cfg, s->sec, a->name, &transient, err, errlen);
	if (!s->t)
		return transient ? TARGET_TRANSIENT : TARGET_PERMANENT;
	log_sinfo(COMPONENT, a->name, "connected to target %s", s->sec->name);
	return TARGET_OK;
}

void tstate_disconnect(struct tstate *s)
{
	if (s->t)
		s->ops->close(s->t);
	s->t = NULL;
	s->in_tx = false;
}

enum target_status tstate_begin(struct applier *a, struct tstate *s, char *err, size_t errlen)
{
	enum target_status st = tstate_connect(a, s, err, errlen);

	if (st == TARGET_OK && !s->in_tx && (st = s->ops->begin(s->t, err, errlen)) == TARGET_OK)
		s->in_tx = true;
	if (st == TARGET_TRANSIENT)
		a->failed_ts = s;
	return st;
}

void applier_rollback(struct applier *a)
{
	for (int i = 0; i < a->nts; i++) {
		if (a->ts[i].in_tx && a->ts[i].t)
			a->ts[i].ops->rollback(a->ts[i].t);
		a->ts[i].in_tx = false;
	}
	lcache_clear(&a->cache);
}

void tstate_store_offset(void *arg, const char *topic, int part, int64_t next)
{
	struct tstate *s = arg;

	if (offmap_set(&s->stored, topic, part, next) < 0)
		log_error(COMPONENT, "out of memory keeping offsets");
}

/* Reads every writing target's stored offsets, reconnecting as needed (until a stop). */
static int load_all_offsets(struct applier *a)
{
	char err[1024];

	for (int i = 0; i < a->nts; i++) {
		struct tstate *s = &a->ts[i];
		enum target_status st;
		int delay = 500;
		while (s->writes) {
			offmap_clear(&s->stored);
			st = tstate_connect(a, s, err, sizeof(err));
			if (st == TARGET_OK)
				st = s->ops->load_offsets(s->t, tstate_store_offset, s, err,
				                          sizeof(err));
			if (st == TARGET_OK)
				break;
			tstate_disconnect(s);
			log_swarn(COMPONENT, a->name, "%s; retrying", err);
			if (st == TARGET_PERMANENT || signals_stop_requested())
				return -1;
			signals_backoff(&delay, BACKOFF_MAX_MS);
		}
	}
	return 0;
}

/* ------------------------------------------------------------------ lookups */

static int do_lookup(void *arg, const char *target, const char *table, const char *key_column,
                     const char *key, const char *result_column, const char **out, bool *transient,
                     char *err, size_t errlen)
{
	struct applier *a = arg;
	struct tstate *s = find_ts(a, target);
	struct target_fail fail = {.msg = -1};
	char ck[2048];

	*transient = false;
	if (!s) {
		snprintf(err, errlen, "lookup: no target named '%s' in the configuration", target);
		return -1;
	}
	snprintf(ck, sizeof(ck), "%s\x1f%s\x1f%s\x1f%s\x1f%s", target, table, key_column,
	         result_column, key);
	if (lcache_get(&a->cache, ck, out)) {
		*out = *out ? expr_ctx_strdup(&a->ctx, *out, strlen(*out)) : NULL;
		return 1;
	}
	enum target_status st = tstate_connect(a, s, err, errlen);
	/* The lookup must see the rows this batch wrote: send what the target keeps first. */
	if (st == TARGET_OK && s->in_tx &&
	    (st = s->ops->flush(s->t, &fail, err, errlen)) != TARGET_OK) {
		a->group_failed = true;
		*transient = st == TARGET_TRANSIENT;
		if (*transient)
			a->failed_ts = s;
		return -1;
	}
	int found = st == TARGET_OK ? s->ops->lookup(s->t, table, key_column, key, result_column,
	                                             &a->ctx, out, transient, err, errlen)
	                            : -1;
	if (st != TARGET_OK)
		*transient = st == TARGET_TRANSIENT;
	if (found < 0 && *transient)
		a->failed_ts = s;
	if (found == 1)
		lcache_put(&a->cache, ck, *out);
	return found;
}

/* ------------------------------------------------------------------ rebalances */

/* Each partition starts at the lowest offset its writing targets stored (or the beginning). */
static void on_assign(void *arg, rd_kafka_topic_partition_list_t *parts)
{
	struct applier *a = arg;

	if (load_all_offsets(a) < 0)
		a->fatal = true;
	for (int i = 0; i < parts->cnt; i++) {
		rd_kafka_topic_partition_t *p = &parts->elems[i];
		int64_t start = -1;
		bool first = true;
		for (int k = 0; k < a->nts; k++) {
			if (!a->ts[k].writes)
				continue;
			int64_t next = offmap_get(&a->ts[k].stored, p->topic, (int)p->partition);
			if (first || next < start)
				start = next;
			first = false;
		}
		p->offset = start < 0 ? RD_KAFKA_OFFSET_BEGINNING : start;
	}
}

/* Before partitions go away, what the batch holds of them (and of the others) is applied. */
static void on_revoke(void *arg, const rd_kafka_topic_partition_list_t *parts)
{
	struct applier *a = arg;

	(void)parts;
	if (batch_apply(a) < 0)
		a->fatal = true;
}

/* ------------------------------------------------------------------ setup and loop */

/* ARG (the configuration) has a [target NAME]. */
static bool target_configured(void *arg, const char *name)
{
	const struct config *const *cfg = arg;

	return config_find(*cfg, "target", name) != NULL;
}

/* PATH resolved against DIR when it is relative (a new string), or NULL when memory is out. */
static char *resolve(const char *dir, const char *path)
{
	size_t n = strlen(dir) + strlen(path) + 2;
	char *out;

	if (path[0] == '/' || strcmp(dir, ".") == 0)
		return strdup(path);
	out = malloc(n);
	if (out)
		snprintf(out, n, "%s/%s", dir, path);
	return out;
}

/* The type of [target NAME], or NULL. */
static const char *target_type(const struct config *cfg, const char *name)
{
	const struct conf_section *sec = name ? config_find(cfg, "target", name) : NULL;

	return sec ? conf_str(sec, "type") : NULL;
}

struct kind_check {
	const struct config *cfg;
	const struct rule *rule;
	int problems;
};

static int lookup_not_api(void *arg, const char *target, const char *table, const char *key_column,
                          const char *result_column)
{
	struct kind_check *kc = arg;
	const char *type = target_type(kc->cfg, target);

	(void)table, (void)key_column, (void)result_column;
	if (type && strcmp(type, "http") == 0) {
		log_error("config",
		          "%s: rule '%s': lookup() in target %s, an HTTP API: lookups read a "
		          "database target",
		          kc->rule->file, kc->rule->name, target);
		kc->problems++;
	}
	return 0;
}

static int visit_lookup_kinds(void *arg, const struct expr *e)
{
	return expr_visit_lookups(e, lookup_not_api, arg);
}

/*
 * Each rule has the shape its target's type needs (requests for an API, a table otherwise),
 * and looks up in databases only.
 */
static int check_rule_kinds(const struct config *cfg, const struct ruleset *rs)
{
	struct kind_check kc = {cfg, NULL, 0};
	int problems = 0;

	for (int i = 0; i < rs->n; i++) {
		const struct rule *r = &rs->rules[i];
		kc.rule = r;
		rule_visit_exprs(r, visit_lookup_kinds, &kc);
		const char *type = target_type(cfg, r->target);
		bool api = type && strcmp(type, "http") == 0;
		if (!type || api == (r->http != NULL))
			continue;
		log_error("config",
		          api ? "%s: rule '%s': target %s is an HTTP API (type = http): give the "
		                "rule \"http\" requests instead of table and columns"
		              : "%s: rule '%s': target %s is a database (type = %s): give the rule "
		                "table, key and columns instead of \"http\"",
		          r->file, r->name, r->target, type);
		problems++;
	}
	return problems + kc.problems;
}

int applier_load_rules(const struct config *cfg, const struct conf_section *applier,
                       struct ruleset *rs)
{
	size_t n = 0;
	char *const *list = conf_list(applier, "rules", &n);
	char **paths = calloc(n ? n : 1, sizeof(char *));
	int problems = 0;

	memset(rs, 0, sizeof(*rs));
	for (size_t i = 0; paths && i < n; i++)
		if (!(paths[i] = resolve(cfg->dir, list[i])))
			problems++;
	if (!paths || problems) {
		log_serror("config", applier->name, "out of memory");
		problems = 1;
	} else {
		problems = ruleset_load(rs, paths, (int)n, target_configured, &cfg);
		if (problems == 0 && (problems = check_rule_kinds(cfg, rs)) > 0)
			ruleset_free(rs);
	}
	for (size_t i = 0; paths && i < n; i++)
		free(paths[i]);
	free(paths);
	return problems;
}

static int add_target(struct applier *a, const char *name, bool writes)
{
	struct tstate *s = find_ts(a, name);
	const struct conf_section *sec = config_find(a->cfg, "target", name);

	if (!s) {
		if (!sec)
			return -1;
		s = &a->ts[a->nts++];
		s->sec = sec;
		if (!(s->ops = target_ops_for(conf_str(sec, "type")))) {
			log_serror(COMPONENT, a->name,
			           "target %s: type %s cannot be applied to yet", name,
			           conf_str(sec, "type"));
			return -1;
		}
	}
	s->writes |= writes;
	return (int)(s - a->ts);
}

static int visit_lookup(void *arg, const char *target, const char *table, const char *key_column,
                        const char *result_column)
{
	(void)table;
	(void)key_column;
	(void)result_column;
	return target && add_target(arg, target, false) < 0 ? -1 : 0;
}

static int visit_expr(void *arg, const struct expr *e)
{
	return expr_visit_lookups(e, visit_lookup, arg);
}

static int visit_rule_lookups(struct applier *a, const struct rule *rule)
{
	return rule_visit_exprs(rule, visit_expr, a);
}

/* Loads the rules and lists the targets they write to and look up in. */
static int load_rules(struct applier *a)
{
	if (applier_load_rules(a->cfg, a->sec, &a->rs) > 0)
		return -1;
	size_t ntargets = 0;
	while (config_section(a->cfg, "target", ntargets))
		ntargets++;
	a->rule_ts = calloc((size_t)a->rs.n + 1, sizeof(*a->rule_ts));
	a->ts = calloc(ntargets + 1, sizeof(*a->ts));
	a->tally = calloc((size_t)a->rs.n + 1, sizeof(*a->tally));
	a->totals = calloc((size_t)a->rs.n + 1, sizeof(*a->totals));
	if (!a->rule_ts || !a->ts || !a->tally || !a->totals)
		return -1;
	for (int r = 0; r < a->rs.n; r++) {
		const struct rule *rule = &a->rs.rules[r];
		if ((a->rule_ts[r] = add_target(a, rule->target, true)) < 0 ||
		    visit_rule_lookups(a, rule) < 0)
			return -1;
	}
	return 0;
}

/* Every topic the rules read, once. */
static char **rule_topics(const struct applier *a, int *n)
{
	int cap = 0;
	char **out;

	for (int r = 0; r < a->rs.n; r++)
		cap += a->rs.rules[r].ntopics;
	if (!(out = calloc((size_t)cap + 1, sizeof(*out))))
		return NULL;
	*n = 0;
	for (int r = 0; r < a->rs.n; r++)
		for (int t = 0; t < a->rs.rules[r].ntopics; t++) {
			char *topic = a->rs.rules[r].topics[t];
			bool seen = false;
			for (int i = 0; i < *n && !seen; i++)
				seen = strcmp(out[i], topic) == 0;
			if (!seen)
				out[(*n)++] = topic;
		}
	return out;
}

static void dlq_ack(void *arg, uint64_t opaque, rd_kafka_resp_err_t err)
{
	(void)arg;
	(void)opaque;
	(void)err; /* failures are logged by the producer; in-flight counts tell flush */
}

static int start_kafka(struct applier *a)
{
	char err[1024];
	const struct consumer_hooks hooks = {on_assign, on_revoke, a};
	rd_kafka_conf_t *conf = kconf_new(a->cfg, err, sizeof(err));
	int ntopics;
	char **topics = rule_topics(a, &ntopics);

	if (conf && topics)
		a->dlq = producer_new(conf, dlq_ack, a, err, sizeof(err));
	if (a->dlq && topics)
		a->cons = consumer_new(a->cfg, conf_str(a->sec, "group"), topics, ntopics, &hooks,
		                       err, sizeof(err));
	free(topics);
	if (!a->cons) {
		log_serror(COMPONENT, a->name, "%s", topics ? err : "out of memory");
		return -1;
	}
	return 0;
}

static int now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int)((ts.tv_sec % 1000000) * 1000 + ts.tv_nsec / 1000000);
}

/* ---------------------------------------------------------------- spoke status */

/* Adds partition TOPIC/PART to the status: the next offset every target holds, and the lag. */
static void add_partition(void *arg, const char *topic, int part, int64_t high)
{
	struct applier *a = arg;
	json_t *parts = json_object_get(runstate_fields(a->status), "partitions");
	int64_t next = -1;

	for (int k = 0; k < a->nts; k++)
		if (a->ts[k].writes) {
			int64_t n = offmap_get(&a->ts[k].stored, topic, part);
			next = next < 0 || n < next ? n : next;
		}
	json_array_append_new(parts,
	                      json_pack("{s:s,s:i,s:I,s:I,s:I}", "topic", topic, "partition", part,
	                                "next", (json_int_t)next, "high", (json_int_t)high, "lag",
	                                (json_int_t)(high >= 0 && next >= 0 ? high - next : -1)));
}

/* {"rule": {"c": n, "u": n, ...}} of the changes applied (ops with none left out). */
static json_t *rule_counts(const struct applier *a)
{
	static const char *const ops[] = {"c", "u", "d", "r", "other"};
	json_t *all = json_object();

	for (int r = 0; all && r < a->rs.n; r++) {
		json_t *per = json_object();
		for (int k = 0; per && k < 5; k++)
			if (a->totals[r][k])
				json_object_set_new(per, ops[k],
				                    json_integer((json_int_t)a->totals[r][k]));
		json_object_set_new(all, a->rs.rules[r].name, per);
	}
	return all;
}

/* Writes the applier's run state when it is due: counts, rate, each partition's lag. */
void applier_write_status(struct applier *a)
{
	json_t *f = runstate_fields(a->status);

	if (!f || !runstate_due(a->status))
		return;
	runstate_count(a->status, "applied", "applied_per_s", a->applied);
	json_object_set_new(f, "dead_letters", json_integer((json_int_t)a->dead_letters));
	json_object_set_new(f, "partitions", json_array());
	consumer_partitions(a->cons, add_partition, a);
	json_object_set_new(f, "rules", rule_counts(a));
	runstate_write(a->status, true);
}

/* Polls messages into the batch until it is full or BATCH_MS passed since its first one. */
static void fill_batch(struct applier *a)
{
	int start = now_ms();

	while (a->nbatch < a->batch_size && !signals_stop_requested() && !a->fatal) {
		int left = a->nbatch ? a->batch_ms - (now_ms() - start) : 1000;
		if (left <= 0)
			break;
		applier_write_status(a);
		rd_kafka_message_t *m = consumer_poll(a->cons, left > 1000 ? 1000 : left);
		if (consumer_fatal(a->cons)) {
			log_serror(COMPONENT, a->name, "%s", consumer_fatal(a->cons));
			a->fatal = true;
		}
		if (!m)
			continue;
		if (!a->nbatch)
			start = now_ms();
		a->batch[a->nbatch++] = m;
	}
	producer_poll(a->dlq, 0);
	signals_service();
}

static void applier_release(struct applier *a)
{
	consumer_free(a->cons); /* revokes: applies what the batch still holds */
	for (int i = 0; i < a->nbatch; i++)
		rd_kafka_message_destroy(a->batch[i]);
	if (a->dlq) {
		producer_flush(a->dlq, 5000);
		producer_free(a->dlq);
	}
	for (int i = 0; a->ts && i < a->nts; i++) {
		applier_rollback(a);
		tstate_disconnect(&a->ts[i]);
		offmap_release(&a->ts[i].stored);
	}
	free(a->ts);
	free(a->rule_ts);
	free(a->tally);
	free(a->totals);
	free(a->batch);
	free(a->dead);
	offmap_release(&a->reach);
	rowop_release(&a->op);
	event_release(&a->ev);
	expr_ctx_release(&a->ctx);
	lcache_release(&a->cache);
	ruleset_free(&a->rs);
	runstate_free(a->status);
}

int applier_run(const struct config *cfg, const struct conf_section *sec)
{
	struct applier a = {.cfg = cfg, .sec = sec, .name = sec->name, .delay_ms = 500};
	int rc = -1;

	a.dlq_topic = conf_str(sec, "dead_letter_topic");
	a.stop_on_error = strcmp(conf_str(sec, "on_error"), "stop") == 0;
	a.batch_size = (int)conf_num(sec, "batch_size");
	a.batch_ms = (int)conf_num(sec, "batch_timeout");
	a.ctx.lookup = do_lookup;
	a.ctx.lookup_arg = &a;
	if (!(a.batch = calloc((size_t)a.batch_size, sizeof(*a.batch))) || load_rules(&a) < 0 ||
	    load_all_offsets(&a) < 0 || start_kafka(&a) < 0)
		goto out;
	log_sinfo(COMPONENT, a.name, "applying %d rule(s) to %d target(s), group %s", a.rs.n, a.nts,
	          conf_str(sec, "group"));
	a.status =
	    runstate_new(conf_str(config_find(cfg, "spoke", NULL), "state_dir"), "applier", a.name);
	json_object_set_new(runstate_fields(a.status), "group",
	                    json_string(conf_str(sec, "group")));
	while (!signals_stop_requested() && !a.fatal) {
		fill_batch(&a);
		if (a.nbatch && batch_apply(&a) < 0)
			a.fatal = a.fatal || !signals_stop_requested();
		applier_write_status(&a);
	}
	if (!a.fatal && batch_apply(&a) == 0)
		rc = 0;
	log_sinfo(COMPONENT, a.name, "%s: %llu change(s) applied, %llu dead letter(s)",
	          rc == 0 ? "stopped" : "failed", a.applied, a.dead_letters);
out:
	applier_release(&a);
	return rc;
}
