/*
 * Unit tests of the HTTP target (httptarget.c, httpsend.c, httpauth.c) against a scripted
 * HTTP server in this process (libmicrohttpd on 127.0.0.1): which request each change makes,
 * order within a key, retries, Retry-After, failures pinned on their change, 409 and 401
 * handling, and what a rollback keeps.
 */
#include "unit.h"

#include "apply/idstore.h"
#include "apply/target.h"
#include "core/config.h"

#include <microhttpd.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

#define MAX_SCRIPT 16
#define MAX_LOG    64

/* ------------------------------------------------------------------ the server */

struct answer {
	const char *method, *prefix; /* which requests it answers (NULL: any) */
	int status;
	const char *body; /* "%d" becomes the request's number */
	const char *retry_after;
};

struct seen {
	char method[8], path[128], idem[80], auth[80], body[256];
	double at;
	int status;
};

struct server {
	pthread_mutex_t mu;
	struct MHD_Daemon *d;
	int port;
	struct answer script[MAX_SCRIPT];
	int nscript;
	struct seen log[MAX_LOG];
	int nlog;
};

struct upload {
	char body[256];
	size_t len;
};

static double now_s(void)
{
	struct timeval tv;

	gettimeofday(&tv, NULL);
	return (double)tv.tv_sec + tv.tv_usec / 1e6;
}

static bool fits(const struct answer *a, const char *method, const char *url)
{
	return (!a->method || strcmp(a->method, method) == 0) &&
	       (!a->prefix || strncmp(url, a->prefix, strlen(a->prefix)) == 0);
}

/* Takes the first script entry for the request, or the default: 200 {"id":"c-N"}. */
static struct answer take_answer(struct server *s, const char *method, const char *url)
{
	struct answer a = {NULL, NULL, 200, "{\"id\":\"c-%d\"}", NULL};

	for (int i = 0; i < s->nscript; i++)
		if (fits(&s->script[i], method, url)) {
			a = s->script[i];
			memmove(&s->script[i], &s->script[i + 1],
			        (size_t)(s->nscript - i - 1) * sizeof(a));
			s->nscript--;
			break;
		}
	return a;
}

static void record(struct server *s, struct MHD_Connection *conn, const char *method,
                   const char *url, const struct upload *up, int status)
{
	const char *idem = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Idempotency-Key");
	const char *auth = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Authorization");
	struct seen *e = &s->log[s->nlog < MAX_LOG ? s->nlog++ : MAX_LOG - 1];

	snprintf(e->method, sizeof(e->method), "%s", method);
	snprintf(e->path, sizeof(e->path), "%s", url);
	snprintf(e->idem, sizeof(e->idem), "%s", idem ? idem : "");
	snprintf(e->auth, sizeof(e->auth), "%s", auth ? auth : "");
	snprintf(e->body, sizeof(e->body), "%.*s", (int)up->len, up->body);
	e->at = now_s();
	e->status = status;
}

/* BODY into OUT with "%d" replaced by N. */
static void fill_body(char *out, size_t size, const char *body, int n)
{
	const char *at = body ? strstr(body, "%d") : NULL;

	if (at)
		snprintf(out, size, "%.*s%d%s", (int)(at - body), body, n, at + 2);
	else
		snprintf(out, size, "%s", body ? body : "");
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version, const char *data,
                                  size_t *size, void **state)
{
	struct server *s = cls;
	struct upload *up = *state;
	char body[256];

	(void)version;
	if (!up) {
		*state = calloc(1, sizeof(*up));
		return *state ? MHD_YES : MHD_NO;
	}
	if (*size) {
		size_t n = *size < sizeof(up->body) - up->len ? *size : sizeof(up->body) - up->len;
		memcpy(up->body + up->len, data, n);
		up->len += n;
		*size = 0;
		return MHD_YES;
	}
	pthread_mutex_lock(&s->mu);
	struct answer a = take_answer(s, method, url);
	fill_body(body, sizeof(body), a.body, s->nlog + 1);
	record(s, conn, method, url, up, a.status);
	pthread_mutex_unlock(&s->mu);
	struct MHD_Response *r =
	    MHD_create_response_from_buffer(strlen(body), body, MHD_RESPMEM_MUST_COPY);
	if (a.retry_after)
		MHD_add_response_header(r, "Retry-After", a.retry_after);
	enum MHD_Result rc = MHD_queue_response(conn, (unsigned)a.status, r);
	MHD_destroy_response(r);
	return rc;
}

static void on_done(void *cls, struct MHD_Connection *conn, void **state,
                    enum MHD_RequestTerminationCode why)
{
	(void)cls, (void)conn, (void)why;
	free(*state);
	*state = NULL;
}

static bool server_start(struct server *s)
{
	memset(s, 0, sizeof(*s));
	pthread_mutex_init(&s->mu, NULL);
	s->d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION, 0,
	                        NULL, NULL, on_request, s, MHD_OPTION_NOTIFY_COMPLETED, on_done, s,
	                        MHD_OPTION_END);
	const union MHD_DaemonInfo *info =
	    s->d ? MHD_get_daemon_info(s->d, MHD_DAEMON_INFO_BIND_PORT) : NULL;
	s->port = info ? info->port : 0;
	return s->port > 0;
}

static void server_stop(struct server *s)
{
	if (s->d)
		MHD_stop_daemon(s->d);
	pthread_mutex_destroy(&s->mu);
}

static void script(struct server *s, struct answer a)
{
	pthread_mutex_lock(&s->mu);
	s->script[s->nscript++] = a;
	pthread_mutex_unlock(&s->mu);
}

/* ------------------------------------------------------------------ the target */

struct fixture {
	struct server srv;
	char dir[64], conf[128];
	struct config *cfg;
	struct target *t;
	struct rule rule;
	struct rule_http http;
	struct target_fail fail;
	char err[1024], rule_name[16], id_from[8];
};

static void ignore(void *arg, const char *msg)
{
	(void)arg;
	fprintf(stderr, "  config: %s\n", msg);
}

/* A target crm on the fixture's server with EXTRA config lines, and rule "contacts". */
static bool fixture_open(struct fixture *fx, const char *extra, bool conflict_update)
{
	bool transient;
	FILE *f;

	memset(fx, 0, sizeof(*fx));
	snprintf(fx->dir, sizeof(fx->dir), "/tmp/spoke-http-XXXXXX");
	if (!server_start(&fx->srv) || !mkdtemp(fx->dir))
		return false;
	snprintf(fx->conf, sizeof(fx->conf), "%s/spoke.conf", fx->dir);
	if (!(f = fopen(fx->conf, "w")))
		return false;
	fprintf(f,
	        "[spoke]\nstate_dir = %s\n[target crm]\ntype = http\nbase_url = "
	        "http://127.0.0.1:%d/\n%s",
	        fx->dir, fx->srv.port, strstr(extra, "max_in_flight") ? "" : "max_in_flight = 4\n");
	for (const char *p = extra; *p; p++) /* PORT: the server's */
		if (strncmp(p, "PORT", 4) == 0)
			fprintf(f, "%d", fx->srv.port), p += 3;
		else
			fputc(*p, f);
	fclose(f);
	snprintf(fx->id_from, sizeof(fx->id_from), "/id");
	snprintf(fx->rule_name, sizeof(fx->rule_name), "contacts");
	fx->http.id_from = fx->id_from;
	fx->http.conflict_update = conflict_update;
	fx->rule.name = fx->rule_name;
	fx->rule.http = &fx->http;
	fx->cfg = config_load(fx->conf, ignore, NULL);
	fx->t = fx->cfg ? http_target_ops.open(fx->cfg, config_find(fx->cfg, "target", "crm"),
	                                       "tocrm", &transient, fx->err, sizeof(fx->err))
	                : NULL;
	if (!fx->t)
		fprintf(stderr, "  open: %s\n", fx->err);
	return fx->t != NULL;
}

static void fixture_close(struct fixture *fx)
{
	char cmd[128];

	if (fx->t)
		http_target_ops.close(fx->t);
	config_free(fx->cfg);
	server_stop(&fx->srv);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", fx->dir);
	if (system(cmd) != 0)
		fprintf(stderr, "  could not remove %s\n", fx->dir);
}

/* Applies change OFFSET of key ID: op 'c', 'u' or 'd', as rule "contacts" renders it. */
static enum target_status change(struct fixture *fx, int offset, int id, char op)
{
	char key[32], body[64];
	struct rowop r = {.rule = &fx->rule};
	struct target_change ch = {"shop.customers", 0, offset, offset, 0};

	snprintf(key, sizeof(key), "{\"id\":%d}", id);
	snprintf(body, sizeof(body), "{\"n\":%d}", offset);
	r.keytext = key;
	r.update_op = op == 'u';
	r.kind = op == 'd' ? ROWOP_DELETE : ROWOP_UPSERT;
	if (op == 'd') {
		r.req[HTTP_DELETE] = (struct http_req){"DELETE", "/contacts/\x01", NULL};
	} else {
		r.req[HTTP_CREATE] = (struct http_req){"POST", "/contacts", body};
		r.req[HTTP_UPDATE] = (struct http_req){"PUT", "/contacts/\x01", body};
	}
	fx->fail = (struct target_fail){.msg = -1};
	return http_target_ops.apply(fx->t, &r, NULL, &ch, &fx->fail, fx->err, sizeof(fx->err));
}

static enum target_status flush(struct fixture *fx)
{
	fx->fail = (struct target_fail){.msg = -1};
	return http_target_ops.flush(fx->t, &fx->fail, fx->err, sizeof(fx->err));
}

/* Saves offsets up to NEXT and commits. */
static enum target_status commit(struct fixture *fx, int64_t next)
{
	enum target_status st =
	    http_target_ops.save_offset(fx->t, "shop.customers", 0, next, fx->err, sizeof(fx->err));
	return st == TARGET_OK ? http_target_ops.commit(fx->t, fx->err, sizeof(fx->err)) : st;
}

/* The requests seen, as "METHOD PATH STATUS" joined by ", ". */
static const char *seen(struct fixture *fx, char *out, size_t size)
{
	size_t len = 0;

	out[0] = '\0';
	pthread_mutex_lock(&fx->srv.mu);
	for (int i = 0; i < fx->srv.nlog && len < size; i++)
		len += (size_t)snprintf(out + len, size - len, "%s%s %s %d", i ? ", " : "",
		                        fx->srv.log[i].method, fx->srv.log[i].path,
		                        fx->srv.log[i].status);
	pthread_mutex_unlock(&fx->srv.mu);
	return out;
}

/* ------------------------------------------------------------------ tests */

TEST(http_create_update_delete_in_order_with_the_remote_id)
{
	struct fixture fx;
	char log[1024], put[64], del[64], *id = NULL;
	int create = -1;

	CHECK(fixture_open(&fx, "", false));
	CHECK_INT(change(&fx, 0, 7, 'c'), TARGET_OK);
	CHECK_INT(change(&fx, 1, 7, 'u'), TARGET_OK);
	CHECK_INT(change(&fx, 2, 8, 'c'), TARGET_OK);
	CHECK_INT(change(&fx, 3, 7, 'u'), TARGET_OK);
	CHECK_INT(change(&fx, 4, 7, 'd'), TARGET_OK);
	CHECK_INT(flush(&fx), TARGET_OK);
	CHECK_INT(commit(&fx, 5), TARGET_OK);
	seen(&fx, log, sizeof(log));
	/* Key 7's create (its body says n 0) got the id c-<its request number>; key 8's goes
	 * alongside, in either order. */
	for (int i = 0; i < fx.srv.nlog; i++)
		if (strcmp(fx.srv.log[i].body, "{\"n\":0}") == 0)
			create = i;
	CHECK(create >= 0 && strcmp(fx.srv.log[create].method, "POST") == 0);
	snprintf(put, sizeof(put), "PUT /contacts/c-%d 200", create + 1);
	snprintf(del, sizeof(del), "DELETE /contacts/c-%d 200", create + 1);
	/* Key 7's requests in order, with the id key 7's create was given. */
	const char *put1 = strstr(log, put);
	const char *put2 = put1 ? strstr(put1 + 1, put) : NULL;
	const char *gone = put2 ? strstr(put2, del) : NULL;
	CHECK(put1 && put2 && gone);
	CHECK(create >= 0 && strstr(log, put) > strstr(log, "POST /contacts 200"));
	CHECK_INT(fx.srv.nlog, 5);
	for (int i = 0; i < fx.srv.nlog; i++)
		for (int j = i + 1; j < fx.srv.nlog; j++)
			CHECK(strcmp(fx.srv.log[i].idem, fx.srv.log[j].idem) != 0);
	CHECK_INT(strlen(fx.srv.log[0].idem), 64);
	http_target_ops.close(fx.t);
	fx.t = NULL;
	/* The store kept key 8's id and forgot key 7's (deleted). */
	char path[128];
	snprintf(path, sizeof(path), "%s/http-crm.sqlite", fx.dir);
	struct idstore *st = idstore_open(path, fx.err, sizeof(fx.err));
	CHECK(st != NULL);
	CHECK_INT(idstore_get(st, "tocrm", "contacts", "{\"id\":7}", &id, fx.err, sizeof(fx.err)),
	          0);
	CHECK_INT(idstore_get(st, "tocrm", "contacts", "{\"id\":8}", &id, fx.err, sizeof(fx.err)),
	          1);
	CHECK(id && strncmp(id, "c-", 2) == 0);
	free(id);
	idstore_close(st);
	fixture_close(&fx);
}

TEST(http_retries_503_with_the_same_idempotency_key)
{
	struct fixture fx;
	char log[1024];

	CHECK(fixture_open(&fx, "", false));
	script(&fx.srv, (struct answer){NULL, NULL, 503, "busy", NULL});
	script(&fx.srv, (struct answer){NULL, NULL, 503, "busy", NULL});
	CHECK_INT(change(&fx, 0, 1, 'c'), TARGET_OK);
	CHECK_INT(flush(&fx), TARGET_OK);
	CHECK_STR(seen(&fx, log, sizeof(log)),
	          "POST /contacts 503, POST /contacts 503, POST /contacts 200");
	CHECK_STR(fx.srv.log[0].idem, fx.srv.log[2].idem);
	CHECK_STR(fx.srv.log[1].body, "{\"n\":0}");
	fixture_close(&fx);
}

TEST(http_429_waits_for_retry_after)
{
	struct fixture fx;

	CHECK(fixture_open(&fx, "", false));
	script(&fx.srv, (struct answer){NULL, NULL, 429, "", "1"});
	CHECK_INT(change(&fx, 0, 1, 'c'), TARGET_OK);
	CHECK_INT(flush(&fx), TARGET_OK);
	CHECK_INT(fx.srv.nlog, 2);
	CHECK(fx.srv.log[1].at - fx.srv.log[0].at >= 0.99);
	fixture_close(&fx);
}

TEST(http_400_is_pinned_on_its_change_and_others_go_on)
{
	struct fixture fx;

	CHECK(fixture_open(&fx, "", false));
	script(&fx.srv, (struct answer){NULL, NULL, 400, "{\"error\":\"bad email\"}", NULL});
	CHECK_INT(change(&fx, 0, 1, 'c'), TARGET_OK);
	CHECK_INT(change(&fx, 1, 2, 'c'), TARGET_OK);
	CHECK_INT(flush(&fx), TARGET_PERMANENT);
	CHECK_INT(fx.fail.msg, 0);
	CHECK_INT(fx.fail.http_status, 400);
	CHECK_STR(fx.fail.http_body, "{\"error\":\"bad email\"}");
	CHECK(strstr(fx.err, "target crm: POST /contacts answered 400") != NULL);
	CHECK_INT(flush(&fx), TARGET_OK); /* reported once */
	CHECK_INT(fx.srv.nlog, 2);
	/* Applied again after a rollback: the failure stands, nothing is sent again. */
	http_target_ops.rollback(fx.t);
	CHECK_INT(change(&fx, 0, 1, 'c'), TARGET_PERMANENT);
	CHECK_INT(fx.fail.msg, 0);
	CHECK_INT(change(&fx, 1, 2, 'c'), TARGET_OK);
	CHECK_INT(flush(&fx), TARGET_OK);
	CHECK_INT(commit(&fx, 2), TARGET_OK);
	CHECK_INT(fx.srv.nlog, 2);
	fixture_close(&fx);
}

TEST(http_rollback_keeps_what_was_answered)
{
	struct fixture fx;
	char log[1024];

	CHECK(fixture_open(&fx, "", false));
	CHECK_INT(change(&fx, 0, 1, 'c'), TARGET_OK);
	CHECK_INT(change(&fx, 1, 1, 'u'), TARGET_OK);
	CHECK_INT(flush(&fx), TARGET_OK);
	http_target_ops.rollback(fx.t);
	CHECK_INT(change(&fx, 0, 1, 'c'), TARGET_OK);
	CHECK_INT(change(&fx, 1, 1, 'u'), TARGET_OK);
	CHECK_INT(change(&fx, 2, 1, 'u'), TARGET_OK);
	CHECK_INT(flush(&fx), TARGET_OK);
	CHECK_INT(commit(&fx, 3), TARGET_OK);
	CHECK_STR(seen(&fx, log, sizeof(log)),
	          "POST /contacts 200, PUT /contacts/c-1 200, PUT /contacts/c-1 200");
	fixture_close(&fx);
}

TEST(http_409_with_on_conflict_update_sends_the_update)
{
	struct fixture fx;
	char log[1024];

	CHECK(fixture_open(&fx, "", true));
	script(&fx.srv, (struct answer){"POST", NULL, 409, "{\"id\":\"x-9\"}", NULL});
	CHECK_INT(change(&fx, 0, 1, 'c'), TARGET_OK);
	CHECK_INT(flush(&fx), TARGET_OK);
	CHECK_STR(seen(&fx, log, sizeof(log)), "POST /contacts 409, PUT /contacts/x-9 200");
	CHECK(strcmp(fx.srv.log[0].idem, fx.srv.log[1].idem) != 0);
	fixture_close(&fx);
}

TEST(http_409_without_on_conflict_is_a_failure)
{
	struct fixture fx;

	CHECK(fixture_open(&fx, "", false));
	script(&fx.srv, (struct answer){"POST", NULL, 409, "exists", NULL});
	CHECK_INT(change(&fx, 0, 1, 'c'), TARGET_OK);
	CHECK_INT(flush(&fx), TARGET_PERMANENT);
	CHECK_INT(fx.fail.http_status, 409);
	fixture_close(&fx);
}

TEST(http_delete_404_is_done_and_unknown_id_is_a_failure)
{
	struct fixture fx;

	CHECK(fixture_open(&fx, "", false));
	script(&fx.srv, (struct answer){"DELETE", NULL, 404, "", NULL});
	CHECK_INT(change(&fx, 0, 1, 'c'), TARGET_OK);
	CHECK_INT(change(&fx, 1, 1, 'd'), TARGET_OK);
	CHECK_INT(flush(&fx), TARGET_OK);
	CHECK_INT(change(&fx, 2, 2, 'd'), TARGET_OK); /* key 2 was never created */
	CHECK_INT(flush(&fx), TARGET_PERMANENT);
	CHECK_INT(fx.fail.msg, 2);
	CHECK(strstr(fx.err, "no remote id is known for key {\"id\":2}") != NULL);
	CHECK_INT(fx.srv.nlog, 2);
	fixture_close(&fx);
}

TEST(http_create_answer_without_id_is_a_failure)
{
	struct fixture fx;

	CHECK(fixture_open(&fx, "", false));
	script(&fx.srv, (struct answer){"POST", NULL, 201, "{\"ok\":true}", NULL});
	CHECK_INT(change(&fx, 0, 1, 'c'), TARGET_OK);
	CHECK_INT(flush(&fx), TARGET_PERMANENT);
	CHECK(strstr(fx.err, "answered 201 without an id at /id") != NULL);
	fixture_close(&fx);
}

TEST(http_oauth2_token_refreshed_once_on_401)
{
	struct fixture fx;
	char log[1024];

	CHECK(fixture_open(&fx,
	                   "auth = oauth2\ntoken_url = http://127.0.0.1:PORT/token\nclient_id = "
	                   "spoke\nclient_secret = s3cret-value\n",
	                   false));
	script(&fx.srv, (struct answer){"POST", "/token", 200,
	                                "{\"access_token\":\"tok-1\",\"expires_in\":3600}", NULL});
	script(&fx.srv, (struct answer){"POST", "/contacts", 401, "", NULL});
	script(&fx.srv, (struct answer){"POST", "/token", 200,
	                                "{\"access_token\":\"tok-2\",\"expires_in\":3600}", NULL});
	CHECK_INT(change(&fx, 0, 1, 'c'), TARGET_OK);
	CHECK_INT(flush(&fx), TARGET_OK);
	CHECK_STR(seen(&fx, log, sizeof(log)),
	          "POST /token 200, POST /contacts 401, POST /token 200, POST /contacts 200");
	CHECK(strncmp(fx.srv.log[0].auth, "Basic ", 6) == 0);
	CHECK_STR(fx.srv.log[1].auth, "Bearer tok-1");
	CHECK_STR(fx.srv.log[3].auth, "Bearer tok-2");
	CHECK_STR(fx.srv.log[2].body, "grant_type=client_credentials");
	fixture_close(&fx);
}

TEST(http_oauth2_token_renewed_before_it_expires)
{
	struct fixture fx;

	CHECK(fixture_open(&fx,
	                   "auth = oauth2\ntoken_url = http://127.0.0.1:PORT/token\nclient_id = "
	                   "spoke\nclient_secret = s3cret-value\n",
	                   false));
	script(&fx.srv, (struct answer){"POST", "/token", 200,
	                                "{\"access_token\":\"tok-a\",\"expires_in\":1}", NULL});
	script(&fx.srv, (struct answer){"POST", "/token", 200,
	                                "{\"access_token\":\"tok-b\",\"expires_in\":3600}", NULL});
	CHECK_INT(change(&fx, 0, 1, 'c'), TARGET_OK);
	CHECK_INT(flush(&fx), TARGET_OK);
	usleep(1100 * 1000);
	CHECK_INT(change(&fx, 1, 2, 'c'), TARGET_OK);
	CHECK_INT(flush(&fx), TARGET_OK);
	CHECK_INT(fx.srv.nlog, 4);
	CHECK_STR(fx.srv.log[1].auth, "Bearer tok-a");
	CHECK_STR(fx.srv.log[2].path, "/token");
	CHECK_STR(fx.srv.log[3].auth, "Bearer tok-b");
	fixture_close(&fx);
}

TEST(http_rate_limit_spaces_requests)
{
	struct fixture fx;

	CHECK(fixture_open(&fx, "rate_limit = 20\n", false));
	for (int i = 0; i < 10; i++)
		CHECK_INT(change(&fx, i, i, 'c'), TARGET_OK);
	CHECK_INT(flush(&fx), TARGET_OK);
	CHECK_INT(fx.srv.nlog, 10);
	CHECK(fx.srv.log[9].at - fx.srv.log[0].at >= 0.40); /* 9 gaps of 50 ms */
	fixture_close(&fx);
}

TEST(http_retry_after_holds_back_other_keys_too)
{
	struct fixture fx;

	CHECK(fixture_open(&fx, "max_in_flight = 1\n", false));
	script(&fx.srv, (struct answer){NULL, NULL, 429, "", "1"});
	CHECK_INT(change(&fx, 0, 1, 'c'), TARGET_OK);
	CHECK_INT(change(&fx, 1, 2, 'c'), TARGET_OK);
	CHECK_INT(flush(&fx), TARGET_OK);
	CHECK_INT(fx.srv.nlog, 3);
	CHECK(fx.srv.log[1].at - fx.srv.log[0].at >= 0.99);
	CHECK(fx.srv.log[2].at - fx.srv.log[0].at >= 0.99);
	fixture_close(&fx);
}

TEST(http_auth_settings_checked_at_open)
{
	struct fixture fx;

	CHECK(!fixture_open(&fx, "auth = oauth2\nclient_id = spoke\n", false));
	CHECK_STR(fx.err, "target crm: auth = oauth2 needs token_url");
	fixture_close(&fx);
	CHECK(!fixture_open(&fx, "auth = bearer\n", false));
	CHECK_STR(fx.err, "target crm: auth = bearer needs token");
	fixture_close(&fx);
	CHECK(!fixture_open(&fx, "headers = X-Api-Key abc\n", false));
	CHECK_STR(fx.err, "target crm: headers: 'X-Api-Key abc' is not \"Name: value\"");
	fixture_close(&fx);
}
