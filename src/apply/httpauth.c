/* httpauth: authentication of an HTTP target's requests (see httpauth.h). */
#include "apply/httpauth.h"

#include "core/buf.h"
#include "core/log.h"
#include "core/version.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define TOKEN_ANSWER_MAX (64 * 1024)

enum auth_mode { AUTH_NONE, AUTH_BEARER, AUTH_BASIC, AUTH_OAUTH2 };

struct httpauth {
	const struct conf_section *sec;
	enum auth_mode mode;
	const char *name;   /* the target's */
	char *token;        /* bearer: the configured token; oauth2: the current access token */
	time_t refresh_at;  /* oauth2: when to fetch a new token */
	unsigned gen;       /* bumped with every new token */
	time_t quiet_until; /* after a failed fetch: no new one before then */
	char failure[512];  /* why the last fetch failed */
};

/* The value of KEY, or NULL with err saying the mode needs it. */
static const char *needed(const struct httpauth *a, const char *key, char *err, size_t errlen)
{
	const char *v = conf_str(a->sec, key);

	if (!v || !*v)
		snprintf(err, errlen, "target %s: auth = %s needs %s", a->name,
		         conf_str(a->sec, "auth"), key);
	return v && *v ? v : NULL;
}

struct httpauth *httpauth_new(const struct conf_section *sec, char *err, size_t errlen)
{
	static const char *const modes[] = {"none", "bearer", "basic", "oauth2"};
	struct httpauth *a = calloc(1, sizeof(*a));
	const char *mode = conf_str(sec, "auth");
	bool ok = true;

	if (!a) {
		snprintf(err, errlen, "target %s: out of memory", sec->name);
		return NULL;
	}
	a->sec = sec;
	a->name = sec->name;
	for (int i = 0; i < 4; i++)
		if (strcmp(mode, modes[i]) == 0)
			a->mode = (enum auth_mode)i;
	if (a->mode == AUTH_BEARER)
		ok = needed(a, "token", err, errlen) && (a->token = strdup(conf_str(sec, "token")));
	else if (a->mode == AUTH_BASIC)
		ok = needed(a, "user", err, errlen) && needed(a, "password", err, errlen);
	else if (a->mode == AUTH_OAUTH2)
		ok = needed(a, "token_url", err, errlen) && needed(a, "client_id", err, errlen) &&
		     needed(a, "client_secret", err, errlen);
	if (!ok) {
		httpauth_free(a);
		return NULL;
	}
	return a;
}

void httpauth_free(struct httpauth *a)
{
	if (!a)
		return;
	if (a->mode == AUTH_OAUTH2 && a->token)
		log_forget_secret(a->token);
	free(a->token);
	free(a);
}

void httpauth_set_common(const struct conf_section *sec, CURL *e)
{
	long timeout = (long)conf_num(sec, "timeout");
	const char *ca = conf_str(sec, "tls_ca_file");

	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, timeout);
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, timeout < 10000 ? timeout : 10000L);
	curl_easy_setopt(e, CURLOPT_USERAGENT, "spoke/" SPOKE_VERSION);
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
	if (ca && *ca)
		curl_easy_setopt(e, CURLOPT_CAINFO, ca);
	if (!conf_flag(sec, "tls_verify")) {
		curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 0L);
		curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 0L);
	}
}

static size_t collect(char *p, size_t size, size_t n, void *arg)
{
	struct buf *b = arg;

	if (b->len + size * n > TOKEN_ANSWER_MAX)
		return 0;
	buf_add(b, p, size * n);
	return buf_ok(b) ? size * n : 0;
}

/* The form body of the token request: grant_type and, when set, scope. */
static char *token_form(CURL *e, const struct conf_section *sec)
{
	const char *scope = conf_str(sec, "scope");
	char *esc = scope && *scope ? curl_easy_escape(e, scope, 0) : NULL;
	size_t n = 64 + (esc ? strlen(esc) : 0);
	char *form = malloc(n);

	if (form)
		snprintf(form, n, "grant_type=client_credentials%s%s", esc ? "&scope=" : "",
		         esc ? esc : "");
	curl_free(esc);
	return form;
}

/* Keeps TOK as the access token, to renew when a tenth of LIFE (at most a minute) is left. */
static int keep_token(struct httpauth *a, const char *tok, json_int_t life, char *err,
                      size_t errlen)
{
	char *copy = strdup(tok);

	if (!copy) {
		snprintf(err, errlen, "target %s: out of memory", a->name);
		return -1;
	}
	if (a->token)
		log_forget_secret(a->token);
	free(a->token);
	a->token = copy;
	log_add_secret(copy);
	life = life > 0 ? life : 3600; /* unsaid: an hour */
	a->refresh_at = time(NULL) + life - (life / 10 < 60 ? life / 10 : 60);
	a->gen++;
	return 0;
}

/* Takes the access token and its lifetime from the token endpoint's answer ANS. */
static int take_token(struct httpauth *a, long status, const struct buf *ans, char *err,
                      size_t errlen)
{
	json_t *j = json_loadb(ans->data ? ans->data : "", ans->len, 0, NULL);
	const char *tok = json_string_value(json_object_get(j, "access_token"));
	const char *why = json_string_value(json_object_get(j, "error_description"));
	int rc = -1;

	if (!why)
		why = json_string_value(json_object_get(j, "error"));
	if (status / 100 == 2 && tok && *tok)
		rc = keep_token(a, tok, json_integer_value(json_object_get(j, "expires_in")), err,
		                errlen);
	else
		snprintf(err, errlen,
		         "target %s: token_url answered %ld%s%s (check client_id, client_secret "
		         "and scope)",
		         a->name, status, why ? ": " : (tok ? "" : " without access_token"),
		         why ? why : "");
	json_decref(j);
	return rc;
}

/* Fetches a new access token from token_url. */
static int fetch_token(struct httpauth *a, char *err, size_t errlen)
{
	CURL *e = curl_easy_init();
	struct buf ans;
	char *form = e ? token_form(e, a->sec) : NULL;
	struct curl_slist *h = curl_slist_append(NULL, "Accept: application/json");
	long status = 0;
	CURLcode rc = CURLE_OUT_OF_MEMORY;
	int out = -1;

	buf_init(&ans);
	if (e && form && h) {
		httpauth_set_common(a->sec, e);
		curl_easy_setopt(e, CURLOPT_URL, conf_str(a->sec, "token_url"));
		curl_easy_setopt(e, CURLOPT_HTTPAUTH, CURLAUTH_BASIC);
		curl_easy_setopt(e, CURLOPT_USERNAME, conf_str(a->sec, "client_id"));
		curl_easy_setopt(e, CURLOPT_PASSWORD, conf_str(a->sec, "client_secret"));
		curl_easy_setopt(e, CURLOPT_POSTFIELDS, form);
		curl_easy_setopt(e, CURLOPT_HTTPHEADER, h);
		curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, collect);
		curl_easy_setopt(e, CURLOPT_WRITEDATA, &ans);
		rc = curl_easy_perform(e);
		curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &status);
	}
	if (rc != CURLE_OK)
		snprintf(err, errlen, "target %s: token_url: %s", a->name, curl_easy_strerror(rc));
	else
		out = take_token(a, status, &ans, err, errlen);
	buf_release(&ans);
	curl_slist_free_all(h);
	free(form);
	if (e)
		curl_easy_cleanup(e);
	return out;
}

/* Fetches a token, unless one failed less than a second ago (every request would ask). */
static int renew(struct httpauth *a, char *err, size_t errlen)
{
	if (time(NULL) < a->quiet_until) {
		snprintf(err, errlen, "%s", a->failure);
		return -1;
	}
	if (fetch_token(a, a->failure, sizeof(a->failure)) == 0)
		return 0;
	a->quiet_until = time(NULL) + 1;
	snprintf(err, errlen, "%s", a->failure);
	return -1;
}

int httpauth_prepare(struct httpauth *a, CURL *e, struct curl_slist **hdrs, unsigned *gen,
                     char *err, size_t errlen)
{
	struct buf line;
	struct curl_slist *added;

	*gen = a->gen;
	if (a->mode == AUTH_NONE)
		return 0;
	if (a->mode == AUTH_BASIC) {
		curl_easy_setopt(e, CURLOPT_HTTPAUTH, CURLAUTH_BASIC);
		curl_easy_setopt(e, CURLOPT_USERNAME, conf_str(a->sec, "user"));
		curl_easy_setopt(e, CURLOPT_PASSWORD, conf_str(a->sec, "password"));
		return 0;
	}
	if (a->mode == AUTH_OAUTH2 && (!a->token || time(NULL) >= a->refresh_at) &&
	    renew(a, err, errlen) < 0)
		return -1;
	*gen = a->gen;
	buf_init(&line);
	buf_addf(&line, "Authorization: Bearer %s", a->token);
	added = buf_ok(&line) ? curl_slist_append(*hdrs, line.data) : NULL;
	memset(line.data, 0, line.len);
	buf_release(&line);
	if (!added) {
		snprintf(err, errlen, "target %s: out of memory", a->name);
		return -1;
	}
	*hdrs = added;
	return 0;
}

bool httpauth_refused(struct httpauth *a, unsigned gen)
{
	if (a->mode != AUTH_OAUTH2)
		return false;
	if (gen == a->gen)
		a->refresh_at = 0; /* fetch anew before the next request */
	return true;
}
