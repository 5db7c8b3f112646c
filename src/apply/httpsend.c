/*
 * httpsend: the requests of an HTTP target, through libcurl's multi interface: which request a
 * change makes (create, update or delete, by what the id map knows), the request itself
 * (Idempotency-Key, auth, headers), and what its answer means: done, a retry after a backoff
 * (429, 5xx, timeouts, lost connections; Retry-After honoured), or a failure for good.
 */
#include "apply/http_impl.h"

#include "core/log.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define ANSWER_MAX         (1024 * 1024) /* kept of an answer; the rest is read and dropped */
#define SCAN_MAX           1024          /* waiting changes looked at per pump */
#define BACKOFF_MIN_MS     500
#define BACKOFF_MAX_MS     30000
#define RETRY_AFTER_MAX_MS 3600000LL

static const char *const kind_names[] = {"create", "update", "delete"};

long long http_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* ------------------------------------------------------------------ the answer */

static size_t on_body(char *p, size_t size, size_t n, void *arg)
{
	struct hchange *c = arg;
	size_t len = size * n;

	if (c->answer.len < ANSWER_MAX)
		buf_add(&c->answer, p,
		        len < ANSWER_MAX - c->answer.len ? len : ANSWER_MAX - c->answer.len);
	return len;
}

/* Milliseconds a Retry-After value asks for: seconds, or an HTTP date. */
static long long retry_after_ms(const char *v)
{
	char *end;
	long long secs = strtoll(v, &end, 10);

	if (end == v) {
		time_t when = curl_getdate(v, NULL);
		secs = when < 0 ? -1 : (long long)(when - time(NULL));
		if (when < 0)
			return -1;
	}
	secs = secs < 0 ? 0 : secs;
	return secs * 1000 > RETRY_AFTER_MAX_MS ? RETRY_AFTER_MAX_MS : secs * 1000;
}

static size_t on_header(char *p, size_t size, size_t n, void *arg)
{
	struct hchange *c = arg;
	size_t len = size * n;
	char value[128];

	if (len > 12 && len < 12 + sizeof(value) && strncasecmp(p, "retry-after:", 12) == 0) {
		size_t from = 12, to = len;
		while (from < to && (p[from] == ' ' || p[from] == '\t'))
			from++;
		while (to > from && (p[to - 1] == '\r' || p[to - 1] == '\n' || p[to - 1] == ' '))
			to--;
		snprintf(value, sizeof(value), "%.*s", (int)(to - from), p + from);
		c->retry_after = retry_after_ms(value);
	}
	return len;
}

/* The text at JSON pointer PTR (RFC 6901) in DOC: a string, or a number as text. */
static char *at_pointer(json_t *doc, const char *ptr)
{
	json_t *v = doc;
	char tok[256];

	while (v && *ptr == '/') {
		size_t n = 0;
		for (ptr++; *ptr && *ptr != '/' && n + 1 < sizeof(tok); ptr++)
			tok[n++] = *ptr == '~' && ptr[1] == '1'   ? (ptr++, '/')
			           : *ptr == '~' && ptr[1] == '0' ? (ptr++, '~')
			                                          : *ptr;
		tok[n] = '\0';
		v = json_is_array(v) ? json_array_get(v, strtoul(tok, NULL, 10))
		                     : json_object_get(v, tok);
	}
	if (json_is_string(v))
		return strdup(json_string_value(v));
	if (json_is_integer(v)) {
		char num[32];
		snprintf(num, sizeof(num), "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		return strdup(num);
	}
	return NULL;
}

/* The remote id in C's answer, at the rule's id_from. */
static char *answer_id(const struct hchange *c)
{
	json_t *doc = json_loadb(c->answer.data ? c->answer.data : "", c->answer.len, 0, NULL);
	char *id = doc ? at_pointer(doc, c->r->http->id_from) : NULL;

	json_decref(doc);
	return id;
}

/* ------------------------------------------------------------------ starting */

void http_cancel(struct target *t, struct hchange *c)
{
	if (c->easy) {
		curl_multi_remove_handle(t->multi, c->easy);
		curl_easy_cleanup(c->easy);
		t->running--;
	}
	c->easy = NULL;
	curl_slist_free_all(c->hdrs);
	c->hdrs = NULL;
}

/*
 * The request C makes now, given whether a remote id is KNOWN; -1 when it has none to make (an
 * update of a rule without one, or of a key the API has without one).
 */
static int pick_kind(const struct hchange *c, bool known)
{
	const struct rule_http *h = c->r->http;

	if (c->del)
		return HTTP_DELETE;
	if (c->conflict || known || (!h->id_from && c->update_op))
		return c->method[HTTP_UPDATE] ? HTTP_UPDATE : -1;
	if (c->method[HTTP_CREATE])
		return HTTP_CREATE;
	return c->method[HTTP_UPDATE] ? HTTP_UPDATE : -1;
}

/* BASE_URL + C's path, with ID (percent-encoded) for the remote id; NULL when out of memory. */
static char *request_url(struct target *t, const struct hchange *c, CURL *e, const char *id)
{
	char *esc = id ? curl_easy_escape(e, id, 0) : NULL;
	struct buf url;

	buf_init(&url);
	buf_adds(&url, t->base_url);
	for (const char *p = c->path[c->kind]; *p; p++)
		if (*p != ROWOP_REMOTE_ID)
			buf_addc(&url, *p);
		else
			buf_adds(&url, esc ? esc : "");
	curl_free(esc);
	if (!buf_ok(&url)) {
		buf_release(&url);
		return NULL;
	}
	return url.data;
}

/* The request's headers: the configured ones, then Accept, Content-Type, Idempotency-Key. */
static struct curl_slist *request_headers(struct target *t, const struct hchange *c)
{
	struct curl_slist *h = NULL, *l;
	char key[128], hex[65];
	const char *parts[] = {c->idem, kind_names[c->kind]};

	http_digest(parts, 2, hex);
	snprintf(key, sizeof(key), "Idempotency-Key: %s", hex);
	for (struct curl_slist *s = t->headers; s; s = s->next)
		if (!(l = curl_slist_append(h, s->data)))
			goto fail;
		else
			h = l;
	const char *ours[] = {"Accept: application/json", "Expect:", key,
	                      c->body[c->kind] ? "Content-Type: application/json" : NULL};
	for (size_t i = 0; i < sizeof(ours) / sizeof(ours[0]) && ours[i]; i++)
		if (!(l = curl_slist_append(h, ours[i])))
			goto fail;
		else
			h = l;
	return h;
fail:
	curl_slist_free_all(h);
	return NULL;
}

/* Sets up C's transfer to URL; -1 when out of memory or the token endpoint failed (err). */
static int request_setup(struct target *t, struct hchange *c, CURL *e, const char *url, char *err,
                         size_t errlen)
{
	const char *body = c->body[c->kind];

	if (!(c->hdrs = request_headers(t, c))) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (httpauth_prepare(t->auth, e, &c->hdrs, &c->auth_gen, err, errlen) < 0)
		return -1;
	httpauth_set_common(t->sec, e);
	curl_easy_setopt(e, CURLOPT_URL, url);
	curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, c->method[c->kind]);
	if (body || strcmp(c->method[c->kind], "DELETE") != 0) {
		curl_easy_setopt(e, CURLOPT_POSTFIELDS, body ? body : "");
		curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE, (long)(body ? strlen(body) : 0));
	}
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, c->hdrs);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, c);
	curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(e, CURLOPT_HEADERDATA, c);
	curl_easy_setopt(e, CURLOPT_PRIVATE, c);
	return 0;
}

/* The path of C's request as messages show it: the URL without base_url. */
static const char *shown_path(const struct target *t, CURL *e)
{
	char *url = NULL;

	curl_easy_getinfo(e, CURLINFO_EFFECTIVE_URL, &url);
	return url && strlen(url) >= strlen(t->base_url) ? url + strlen(t->base_url) : "";
}

static void retry(struct target *t, struct hchange *c, const char *what, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Sends C's request, or finishes C when it has none to make or cannot make it. */
static void start(struct target *t, struct hchange *c)
{
	char err[512], *id = NULL, *url = NULL;
	int known = http_remote_id(t, c, &id, err, sizeof(err));
	CURL *e = NULL;

	if (known < 0) {
		retry(t, c, "the id store", "%s", err);
		return;
	}
	c->kind = pick_kind(c, known == 1);
	if (c->kind < 0) {
		c->state = H_DONE; /* nothing to send */
	} else if (!id && strchr(c->path[c->kind], ROWOP_REMOTE_ID)) {
		http_fail(
		    t, c, 0, NULL,
		    "rule %s: no remote id is known for key %s, so the %s cannot be sent (was "
		    "the record created through this target? its create may be in the "
		    "dead-letter topic)",
		    c->r->name, c->key, kind_names[c->kind]);
	} else if (!(e = curl_easy_init()) || !(url = request_url(t, c, e, id))) {
		retry(t, c, "memory", "out of memory");
	} else if (request_setup(t, c, e, url, err, sizeof(err)) < 0) {
		retry(t, c, NULL, "%s", err);
	} else if (curl_multi_add_handle(t->multi, e) != CURLM_OK) {
		retry(t, c, "libcurl", "cannot add the request");
	} else {
		c->easy = e;
		e = NULL;
		c->retry_after = -1;
		buf_reset(&c->answer);
		c->state = H_RUNNING;
		t->running++;
	}
	if (e)
		curl_easy_cleanup(e);
	if (!c->easy) {
		curl_slist_free_all(c->hdrs);
		c->hdrs = NULL;
	}
	free(url);
	free(id);
}

/* ------------------------------------------------------------------ answers */

/* How long the ATTEMPTS-th retry waits: doubling from 0.5 s up to 30 s, less a random half. */
static long long backoff_ms(int attempts)
{
	long long d = BACKOFF_MIN_MS;

	for (int i = 1; i < attempts && d < BACKOFF_MAX_MS; i++)
		d *= 2;
	d = d > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : d;
	return d / 2 + random() % (d / 2 + 1);
}

/*
 * Logs a retry: at most one line a second per target, saying how many it left out (a failing
 * API answers every change of a batch the same way).
 */
static void log_retry(struct target *t, const char *what, const char *why, long long ms,
                      int attempt)
{
	long long now = http_now_us();
	char more[64] = "";

	if (now - t->warned_us < 1000000) {
		t->unwarned++;
		return;
	}
	if (t->unwarned)
		snprintf(more, sizeof(more), "; %d more like it", t->unwarned);
	t->warned_us = now;
	t->unwarned = 0;
	if (what)
		log_swarn("apply", t->applier,
		          "target %s: %s: %s; retrying in %lld ms (attempt %d%s)", t->name, what,
		          why, ms, attempt, more);
	else
		log_swarn("apply", t->applier, "%s; retrying in %lld ms (attempt %d%s)", why, ms,
		          attempt, more);
}

/*
 * C's request failed in a way a later attempt may not: it waits and goes again. No other
 * request starts before then either, so a failing or throttling API gets at most
 * max_in_flight requests per wait. WHAT (the request, or NULL when WHY names the target)
 * and WHY go to the log.
 */
static void retry(struct target *t, struct hchange *c, const char *what, const char *fmt, ...)
{
	char why[600];
	va_list ap;
	long long ms;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	c->attempts++;
	ms = c->retry_after >= 0 ? c->retry_after : backoff_ms(c->attempts);
	c->retry_after = -1;
	log_retry(t, what, why, ms, c->attempts + 1);
	c->not_before = http_now_us() + ms * 1000;
	c->state = H_BACKOFF;
	if (c->not_before > t->paused_until)
		t->paused_until = c->not_before;
}

/* 408, 425, 429 and server errors (but 501 and 505, which say the request cannot work). */
static bool retryable(long status)
{
	return status == 401 || status == 408 || status == 425 || status == 429 ||
	       (status >= 500 && status != 501 && status != 505);
}

/* C's request was answered STATUS (2xx, or 404/410 to a delete): done, with its effect. */
static void succeeded(struct target *t, struct hchange *c, const char *what, long status)
{
	if (c->kind == HTTP_CREATE && c->r->http->id_from) {
		free(c->remote_id);
		if (!(c->remote_id = answer_id(c))) {
			http_fail(t, c, (int)status, c->answer.data,
			          "%s answered %ld without an id at %s (id_from)", what, status,
			          c->r->http->id_from);
			return;
		}
		c->effect = EFF_PUT;
	} else if (c->kind == HTTP_DELETE) {
		c->effect = EFF_DEL;
	}
	c->state = H_DONE;
}

/* A 409 to a create with on_conflict = update: the id it names, if any, then the update. */
static void conflicted(struct hchange *c)
{
	char *id = c->r->http->id_from ? answer_id(c) : NULL;

	if (id) {
		free(c->remote_id);
		c->remote_id = id;
		c->effect = EFF_PUT;
	}
	c->conflict = true;
	c->state = H_WAITING;
}

/* A 401 that a new token may cure: C goes again at once (once), with the new token. */
static void reauth(struct hchange *c)
{
	c->reauthed = true;
	c->state = H_WAITING;
}

/* What the answer STATUS (or the transfer's failure RES) to C's request means. */
static void answered(struct target *t, struct hchange *c, CURLcode res, long status)
{
	char what[600];

	snprintf(what, sizeof(what), "%s %s", c->method[c->kind], shown_path(t, c->easy));
	if (res != CURLE_OK)
		retry(t, c, what, "%s", curl_easy_strerror(res));
	else if (status / 100 == 2 || (c->kind == HTTP_DELETE && (status == 404 || status == 410)))
		succeeded(t, c, what, status);
	else if (status == 409 && c->kind == HTTP_CREATE && c->r->http->conflict_update)
		conflicted(c);
	else if (status == 401 && !c->reauthed && httpauth_refused(t->auth, c->auth_gen))
		reauth(c);
	else if (retryable(status))
		retry(t, c, what, "answered %ld%s", status,
		      status == 401 ? " (check the target's credentials)" : "");
	else
		http_fail(t, c, (int)status, c->answer.data, "%s answered %ld", what, status);
	http_cancel(t, c);
	buf_release(&c->answer); /* read: a finished change keeps no answer */
	buf_init(&c->answer);
}

/* ------------------------------------------------------------------ the pump */

static bool finished(const struct hchange *c)
{
	return c->state == H_DONE || c->state == H_FAILED;
}

/* C may go now: its key's previous change is finished and its backoff is over. */
static bool ready(const struct target *t, const struct hchange *c, long long now)
{
	if (c->state == H_BACKOFF)
		return now >= c->not_before;
	return c->state == H_WAITING && (c->prev < 0 || finished(t->ch[c->prev]));
}

/* Starts what may start; returns when the next backoff or rate-limit slot is due. */
static long long start_ready(struct target *t, long long now)
{
	long long wake = now + 1000000;
	int scanned = 0;

	while (t->first_open < t->n && finished(t->ch[t->first_open]))
		t->first_open++;
	if (now < t->paused_until) /* an API that failed or asked to wait */
		return t->paused_until < wake ? t->paused_until : wake;
	for (int i = t->first_open; i < t->n && scanned < SCAN_MAX; i++) {
		struct hchange *c = t->ch[i];
		if (finished(c) || c->state == H_RUNNING)
			continue;
		scanned++;
		if (c->state == H_BACKOFF && c->not_before < wake)
			wake = c->not_before;
		if (t->running >= t->max_in_flight || !ready(t, c, now))
			continue;
		if (t->interval_us && now < t->next_send_us) {
			wake = t->next_send_us < wake ? t->next_send_us : wake;
			break;
		}
		t->next_send_us = (now > t->next_send_us ? now : t->next_send_us) + t->interval_us;
		start(t, c);
	}
	return wake;
}

int http_pump(struct target *t, long long wait_us, char *err, size_t errlen)
{
	long long now = http_now_us(), wake = start_ready(t, now);
	int still, left;
	CURLMsg *m;

	if (wait_us > 0) {
		long long until = wake - now < wait_us ? wake - now : wait_us;
		curl_multi_poll(t->multi, NULL, 0, (int)(until > 0 ? until / 1000 : 0), NULL);
	}
	if (curl_multi_perform(t->multi, &still) != CURLM_OK) {
		snprintf(err, errlen, "target %s: libcurl failed", t->name);
		return -1;
	}
	while ((m = curl_multi_info_read(t->multi, &left)) != NULL) {
		struct hchange *c = NULL;
		long status = 0;
		if (m->msg != CURLMSG_DONE)
			continue;
		curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&c);
		curl_easy_getinfo(m->easy_handle, CURLINFO_RESPONSE_CODE, &status);
		answered(t, c, m->data.result, status);
	}
	return 0;
}
