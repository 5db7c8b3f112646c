/*
 * httptarget: the HTTP API targets of appliers (type = http): each change becomes the request
 * its rule renders (create, update or delete), sent by httpsend.c; the remote ids the API gives
 * and the applier's offsets are kept in an idstore (SQLite) under state_dir, written together
 * at each commit. See http_impl.h for how changes are ordered and kept.
 */
#include "apply/http_impl.h"

#include "core/log.h"
#include "core/signals.h"
#include "core/statefile.h"

#include <openssl/evp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#define FLUSH_WAIT_US 200000
#define STOP_GRACE_US 5000000
#define FAIL_BODY_MAX 1024

/* ------------------------------------------------------------------ the (rule, key) index */

static size_t key_hash(int rule, const char *key)
{
	size_t h = 1469598103934665603ULL ^ (size_t)rule;

	for (const unsigned char *p = (const unsigned char *)key; *p; p++)
		h = (h ^ *p) * 1099511628211ULL;
	return h;
}

/* Links change I to the last change with its rule and key, and makes it the last. */
static void index_link(struct target *t, int i)
{
	struct hchange *c = t->ch[i];
	size_t mask = t->nslots - 1, s = key_hash(c->rule, c->key) & mask;

	c->prev = -1;
	for (; t->slots[s] >= 0; s = (s + 1) & mask) {
		const struct hchange *o = t->ch[t->slots[s]];
		if (o->rule == c->rule && strcmp(o->key, c->key) == 0) {
			c->prev = t->slots[s];
			break;
		}
	}
	t->slots[s] = i;
}

/* Rebuilds the index for the changes in t->ch (after some were removed, or it grew). */
static int index_rebuild(struct target *t)
{
	size_t want = 16;

	while (want < 2 * (size_t)t->cap)
		want *= 2;
	if (want != t->nslots) {
		int *slots = realloc(t->slots, want * sizeof(*slots));
		if (!slots)
			return -1;
		t->slots = slots;
		t->nslots = want;
	}
	memset(t->slots, 0xff, t->nslots * sizeof(*t->slots)); /* -1 */
	for (int i = 0; i < t->n; i++)
		index_link(t, i);
	return 0;
}

/* The change CH of RULE with KEY kept from an earlier attempt, or NULL. */
static struct hchange *find_kept(struct target *t, const struct target_change *ch, const char *key)
{
	size_t mask = t->nslots - 1, s = key_hash(ch->rule, key) & mask;

	for (; t->nslots && t->slots[s] >= 0; s = (s + 1) & mask) {
		struct hchange *c = t->ch[t->slots[s]];
		if (c->rule != ch->rule || strcmp(c->key, key) != 0)
			continue;
		for (; c; c = c->prev >= 0 ? t->ch[c->prev] : NULL)
			if (c->offset == ch->offset && c->part == ch->partition &&
			    strcmp(c->topic, ch->topic) == 0)
				return c;
		return NULL;
	}
	return NULL;
}

/* ------------------------------------------------------------------ changes */

static void change_free(struct target *t, struct hchange *c)
{
	http_cancel(t, c);
	free(c->topic);
	free(c->key);
	free(c->idem);
	for (int k = 0; k < HTTP_NKINDS; k++) {
		free(c->method[k]);
		free(c->path[k]);
		free(c->body[k]);
	}
	free(c->remote_id);
	free(c->fail_err);
	free(c->fail_body);
	buf_release(&c->answer);
	free(c);
}

/* Removes the changes KEEP says no to, keeping the others in order. */
static void changes_filter(struct target *t, bool (*keep)(struct target *t, struct hchange *c))
{
	int out = 0;

	for (int i = 0; i < t->n; i++) {
		if (keep(t, t->ch[i]))
			t->ch[out++] = t->ch[i];
		else
			change_free(t, t->ch[i]);
	}
	t->n = out;
	t->first_open = 0;
	index_rebuild(t); /* it only shrinks: cannot fail */
}

static bool is_finished(struct target *t, struct hchange *c)
{
	(void)t;
	return c->state == H_DONE || c->state == H_FAILED;
}

void http_digest(const char *const *parts, int nparts, char out[65])
{
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	unsigned char sum[EVP_MAX_MD_SIZE];
	unsigned len = 0;

	out[0] = '\0';
	if (md && EVP_DigestInit_ex(md, EVP_sha256(), NULL)) {
		for (int i = 0; i < nparts; i++)
			EVP_DigestUpdate(md, parts[i], strlen(parts[i]) + 1); /* with its NUL */
		EVP_DigestFinal_ex(md, sum, &len);
	}
	for (unsigned i = 0; i < len && i < 32; i++)
		snprintf(out + 2 * i, 3, "%02x", sum[i]);
	EVP_MD_CTX_free(md);
}

/*
 * The identity of change CH of OP: its rule, its source position (or, without one, its Kafka
 * coordinates) and its key. The same change redelivered gets the same one.
 */
static char *change_identity(const struct rowop *op, const struct target_change *ch)
{
	char coords[600], hex[65];

	snprintf(coords, sizeof(coords), "kafka %s/%d/%lld", ch->topic, ch->partition,
	         (long long)ch->offset);
	const char *parts[] = {op->rule->name, op->position ? op->position : coords, op->keytext};
	http_digest(parts, 3, hex);
	return strdup(hex);
}

static bool dup_into(char **dst, const char *src)
{
	*dst = src ? strdup(src) : NULL;
	return !src || *dst;
}

/* Appends change CH of OP as a new waiting change. */
static int change_add(struct target *t, const struct rowop *op, const struct target_change *ch)
{
	if (t->n == t->cap) {
		int cap = t->cap ? 2 * t->cap : 64;
		struct hchange **grown = realloc(t->ch, (size_t)cap * sizeof(*grown));
		if (!grown)
			return -1;
		t->ch = grown;
		t->cap = cap;
		if (index_rebuild(t) < 0)
			return -1;
	}
	struct hchange *c = calloc(1, sizeof(*c));
	bool ok = true;

	if (!c)
		return -1;
	buf_init(&c->answer);
	c->retry_after = -1;
	c->part = ch->partition;
	c->offset = ch->offset;
	c->msg = ch->msg;
	c->rule = ch->rule;
	c->r = op->rule;
	c->del = op->kind == ROWOP_DELETE;
	c->update_op = op->update_op;
	ok = dup_into(&c->topic, ch->topic) && dup_into(&c->key, op->keytext) &&
	     (c->idem = change_identity(op, ch)) != NULL;
	for (int k = 0; ok && k < HTTP_NKINDS; k++)
		ok = dup_into(&c->method[k], op->req[k].method) &&
		     dup_into(&c->path[k], op->req[k].path) &&
		     dup_into(&c->body[k], op->req[k].body);
	if (!ok) {
		change_free(t, c);
		return -1;
	}
	t->ch[t->n] = c;
	index_link(t, t->n++);
	return 0;
}

void http_fail(struct target *t, struct hchange *c, int status, const char *body, const char *fmt,
               ...)
{
	char msg[900];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	free(c->fail_err);
	free(c->fail_body);
	c->fail_body = body ? strndup(body, FAIL_BODY_MAX) : NULL;
	if (asprintf(&c->fail_err, "target %s: %s", t->name, msg) < 0)
		c->fail_err = NULL;
	c->fail_status = status;
	c->state = H_FAILED;
}

int http_remote_id(struct target *t, const struct hchange *c, char **id, char *err, size_t errlen)
{
	*id = NULL;
	for (const struct hchange *p = c; p; p = p->prev >= 0 ? t->ch[p->prev] : NULL) {
		if (p->effect == EFF_PUT)
			return (*id = strdup(p->remote_id)) ? 1 : -1;
		if (p->effect == EFF_DEL)
			return 0;
	}
	return idstore_get(t->store, t->applier, c->r->name, c->key, id, err, errlen);
}

/* Pins C's failure on its change for the applier. */
static enum target_status pin(struct hchange *c, struct target_fail *fail, char *err, size_t errlen)
{
	fail->msg = c->msg;
	fail->rule = c->rule;
	fail->http_status = c->fail_status;
	snprintf(fail->http_body, sizeof(fail->http_body), "%s", c->fail_body ? c->fail_body : "");
	snprintf(err, errlen, "%s", c->fail_err ? c->fail_err : "out of memory");
	c->reported = true;
	return TARGET_PERMANENT;
}

/* ------------------------------------------------------------------ opening */

static struct target *http_open(const struct config *cfg, const struct conf_section *sec,
                                const char *applier, bool *transient, char *err, size_t errlen);

/* Reads the configured headers ("Name: value"); the values of credential-like ones are
 * secrets. */
static int read_headers(struct target *t, char *err, size_t errlen)
{
	size_t n = 0;
	char *const *list = conf_list(t->sec, "headers", &n);
	struct curl_slist *l;

	for (size_t i = 0; i < n; i++) {
		const char *colon = strchr(list[i], ':');
		if (!colon || colon == list[i]) {
			snprintf(err, errlen, "target %s: headers: '%s' is not \"Name: value\"",
			         t->name, list[i]);
			return -1;
		}
		if (!(l = curl_slist_append(t->headers, list[i]))) {
			snprintf(err, errlen, "target %s: out of memory", t->name);
			return -1;
		}
		t->headers = l;
	}
	return 0;
}

/* Opens the target's id store, state_dir/http-NAME.sqlite. */
static int open_store(struct target *t, const struct config *cfg, char *err, size_t errlen)
{
	const char *dir = conf_str(config_find(cfg, "spoke", NULL), "state_dir");
	char path[4096];

	if (statefile_ensure_dir(dir, err, errlen) < 0)
		return -1;
	snprintf(path, sizeof(path), "%s/http-%s.sqlite", dir, t->name);
	t->store = idstore_open(path, err, errlen);
	return t->store ? 0 : -1;
}

/* spoke check: an OAuth2 target gets a token, which shows its credentials work. */
static int check_auth(struct target *t, char *err, size_t errlen)
{
	CURL *e = curl_easy_init();
	struct curl_slist *h = NULL;
	unsigned gen;
	int rc = e ? httpauth_prepare(t->auth, e, &h, &gen, err, errlen) : -1;

	curl_slist_free_all(h);
	if (e)
		curl_easy_cleanup(e);
	return rc;
}

static void http_close(struct target *t);

static struct target *http_open(const struct config *cfg, const struct conf_section *sec,
                                const char *applier, bool *transient, char *err, size_t errlen)
{
	struct target *t = calloc(1, sizeof(*t));
	const char *base = conf_str(sec, "base_url");
	long long rate = conf_num(sec, "rate_limit");

	*transient = false;
	curl_global_init(CURL_GLOBAL_DEFAULT);
	if (!t || !(t->name = strdup(sec->name)) ||
	    !(t->applier = strdup(applier ? applier : "")) ||
	    !(t->base_url = strndup(base, strlen(base) - (base[strlen(base) - 1] == '/'))) ||
	    index_rebuild(t) < 0 || !(t->multi = curl_multi_init())) {
		snprintf(err, errlen, "target %s: out of memory", sec->name);
		goto fail;
	}
	t->sec = sec;
	t->max_in_flight = (int)conf_num(sec, "max_in_flight");
	t->interval_us = rate > 0 ? 1000000 / rate : 0;
	if (!(t->auth = httpauth_new(sec, err, errlen)) || read_headers(t, err, errlen) < 0)
		goto fail;
	if (!applier) {
		*transient = check_auth(t, err, errlen) < 0;
		if (*transient)
			goto fail;
		return t;
	}
	if (open_store(t, cfg, err, errlen) < 0)
		goto fail;
	if (!conf_flag(sec, "tls_verify"))
		log_swarn("apply", applier,
		          "target %s: tls_verify = false: the server's "
		          "certificate is not checked",
		          t->name);
	return t;
fail:
	if (t)
		http_close(t);
	else
		curl_global_cleanup();
	return NULL;
}

static void http_close(struct target *t)
{
	for (int i = 0; i < t->n; i++)
		change_free(t, t->ch[i]);
	free(t->ch);
	free(t->slots);
	offmap_release(&t->saved);
	if (t->multi)
		curl_multi_cleanup(t->multi);
	curl_slist_free_all(t->headers);
	httpauth_free(t->auth);
	idstore_close(t->store);
	free(t->name);
	free(t->applier);
	free(t->base_url);
	free(t);
	curl_global_cleanup();
}

/* ------------------------------------------------------------------ the ops */

static enum target_status http_load_offsets(struct target *t, target_offset_fn fn, void *arg,
                                            char *err, size_t errlen)
{
	return idstore_load_offsets(t->store, t->applier, fn, arg, err, errlen) < 0
	           ? TARGET_TRANSIENT
	           : TARGET_OK;
}

static enum target_status http_begin(struct target *t, char *err, size_t errlen)
{
	(void)t;
	(void)err;
	(void)errlen;
	return TARGET_OK;
}

/*
 * Queues change CH (a change applied before in this batch, kept across a rollback, is not sent
 * again: its outcome stands) and gets the requests that can go on their way.
 */
static enum target_status http_apply(struct target *t, const struct rowop *op, struct expr_ctx *ctx,
                                     const struct target_change *ch, struct target_fail *fail,
                                     char *err, size_t errlen)
{
	struct hchange *kept = op->keytext ? find_kept(t, ch, op->keytext) : NULL;

	(void)ctx;
	if (!op->rule->http || !op->keytext) { /* the loader and rule_eval make this impossible */
		snprintf(err, errlen, "target %s: rule %s makes no HTTP request", t->name,
		         op->rule->name);
		return TARGET_PERMANENT;
	}
	if (kept && kept->state == H_FAILED)
		return pin(kept, fail, err, errlen);
	if (!kept && change_add(t, op, ch) < 0) {
		snprintf(err, errlen, "target %s: out of memory", t->name);
		return TARGET_TRANSIENT;
	}
	return http_pump(t, 0, err, errlen) < 0 ? TARGET_TRANSIENT : TARGET_OK;
}

/*
 * Waits until every queued change is done or failed; reports the first failure not reported.
 * Asked to stop, it still waits up to STOP_GRACE_US for the answers (what is left is sent
 * again after the restart).
 */
static enum target_status http_flush(struct target *t, struct target_fail *fail, char *err,
                                     size_t errlen)
{
	long long stop_at = 0;

	for (;;) {
		while (t->first_open < t->n && is_finished(t, t->ch[t->first_open]))
			t->first_open++;
		if (t->first_open == t->n)
			break; /* the pump moves first_open too */
		if (signals_stop_requested() && !stop_at)
			stop_at = http_now_us() + STOP_GRACE_US;
		if (stop_at && http_now_us() >= stop_at) {
			snprintf(err, errlen,
			         "target %s: stopping before every request was answered", t->name);
			return TARGET_TRANSIENT;
		}
		if (http_pump(t, FLUSH_WAIT_US, err, errlen) < 0)
			return TARGET_TRANSIENT;
		signals_service();
	}
	for (int i = 0; i < t->n; i++)
		if (t->ch[i]->state == H_FAILED && !t->ch[i]->reported)
			return pin(t->ch[i], fail, err, errlen);
	return TARGET_OK;
}

static enum target_status http_save_offset(struct target *t, const char *topic, int part,
                                           int64_t next, char *err, size_t errlen)
{
	if (offmap_set(&t->saved, topic, part, next) == 0)
		return TARGET_OK;
	snprintf(err, errlen, "target %s: out of memory", t->name);
	return TARGET_TRANSIENT;
}

/* C's offset is among those saved for this commit. */
static bool is_covered(struct target *t, struct hchange *c)
{
	return c->offset < offmap_get(&t->saved, c->topic, c->part);
}

static bool not_covered(struct target *t, struct hchange *c)
{
	return !is_covered(t, c);
}

/* Writes the effects of the covered changes and the saved offsets, in one transaction. */
static int store_commit(struct target *t, char *err, size_t errlen)
{
	int rc = idstore_begin(t->store, err, errlen);

	for (int i = 0; rc == 0 && i < t->n; i++) {
		struct hchange *c = t->ch[i];
		if (!is_covered(t, c) || c->state != H_DONE)
			continue;
		if (c->effect == EFF_PUT)
			rc = idstore_put(t->store, t->applier, c->r->name, c->key, c->remote_id,
			                 err, errlen);
		else if (c->effect == EFF_DEL)
			rc = idstore_del(t->store, t->applier, c->r->name, c->key, err, errlen);
	}
	for (int i = 0; rc == 0 && i < t->saved.n; i++)
		rc = idstore_save_offset(t->store, t->applier, t->saved.e[i].topic,
		                         t->saved.e[i].part, t->saved.e[i].next, err, errlen);
	if (rc == 0)
		rc = idstore_commit(t->store, err, errlen);
	if (rc < 0)
		idstore_rollback(t->store);
	return rc;
}

static enum target_status http_commit(struct target *t, char *err, size_t errlen)
{
	if (t->saved.n == 0)
		return TARGET_OK;
	if (store_commit(t, err, errlen) < 0)
		return TARGET_TRANSIENT;
	changes_filter(t, not_covered);
	offmap_clear(&t->saved);
	return TARGET_OK;
}

/* Drops the changes not finished (they are sent again when applied again); keeps the rest. */
static void http_rollback(struct target *t)
{
	changes_filter(t, is_finished);
	offmap_clear(&t->saved);
}

static int http_lookup(struct target *t, const char *table, const char *key_column, const char *key,
                       const char *result_column, struct expr_ctx *ctx, const char **out,
                       bool *transient, char *err, size_t errlen)
{
	(void)table, (void)key_column, (void)key, (void)result_column, (void)ctx, (void)out;
	*transient = false;
	snprintf(err, errlen, "lookup: target %s is an HTTP API; lookup() reads a database target",
	         t->name);
	return -1;
}

/* An API has no schema to read: nothing to check beyond opening it (its credentials). */
static int http_check_table(struct target *t, const char *table, char *const *cols, int ncols,
                            char *const *key, int nkey, target_report_fn report, void *arg,
                            char *err, size_t errlen)
{
	(void)t, (void)table, (void)cols, (void)ncols, (void)key, (void)nkey, (void)report;
	(void)arg, (void)err, (void)errlen;
	return 0;
}

const struct target_ops http_target_ops = {
    .open = http_open,
    .load_offsets = http_load_offsets,
    .begin = http_begin,
    .apply = http_apply,
    .flush = http_flush,
    .save_offset = http_save_offset,
    .commit = http_commit,
    .rollback = http_rollback,
    .lookup = http_lookup,
    .check_table = http_check_table,
    .close = http_close,
};
