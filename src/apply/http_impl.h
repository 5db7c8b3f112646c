/*
 * http_impl: what httptarget.c (the target's ops, its changes and their store) and httpsend.c
 * (the requests, through libcurl's multi interface) share. Not for use elsewhere.
 *
 * The changes of the open transaction are kept in order in t->ch. A change waits until the
 * change before it with the same rule and key (prev) is finished, so one key's requests go
 * one at a time, in order; other keys' go alongside, up to max_in_flight. A finished change
 * remembers what it did to the id map (effect); the commit writes those effects and the
 * offsets to the store in one transaction. A rollback keeps the finished changes, so that
 * applying the same change again (the batch is retried without a dead letter) sends nothing.
 */
#ifndef SPOKE_HTTP_IMPL_H
#define SPOKE_HTTP_IMPL_H

#include "apply/httpauth.h"
#include "apply/idstore.h"
#include "apply/offmap.h"
#include "apply/target.h"
#include "core/buf.h"

#include <curl/curl.h>

enum hstate {
	H_WAITING, /* for the change before it with the same key, or for the rate limit */
	H_RUNNING, /* its request is on the wire */
	H_BACKOFF, /* waiting to retry until not_before */
	H_DONE,
	H_FAILED, /* for good: fail_* say why; the applier dead-letters it */
};

enum heffect { EFF_NONE, EFF_PUT, EFF_DEL }; /* on the id map */

struct hchange {
	/* what it is */
	char *topic;
	int part;
	int64_t offset;
	int msg, rule; /* as in struct target_change */
	const struct rule *r;
	char *key;  /* the event's key (rowop keytext) */
	char *idem; /* hex digest identifying the change, the base of Idempotency-Key */
	bool del, update_op;
	char *method[HTTP_NKINDS], *path[HTTP_NKINDS], *body[HTTP_NKINDS];
	int prev; /* index of the previous change with the same rule and key, or -1 */
	/* how it goes */
	enum hstate state;
	int kind; /* the request being made (enum http_kind) */
	int attempts;
	bool reauthed; /* already sent again after a 401 */
	bool conflict; /* a create answered 409 (on_conflict = update): it goes as the update */
	bool reported; /* its failure went to the applier */
	long long not_before;
	enum heffect effect;
	char *remote_id; /* EFF_PUT: the id */
	/* its request on the wire */
	CURL *easy;
	struct curl_slist *hdrs;
	struct buf answer;
	long long retry_after; /* ms, from the answer; -1 when absent */
	unsigned auth_gen;
	/* H_FAILED */
	int fail_status;
	char *fail_err, *fail_body;
};

struct target {
	char *name, *applier, *base_url;
	const struct conf_section *sec;
	struct idstore *store; /* NULL when opened for spoke check */
	struct httpauth *auth;
	CURLM *multi;
	struct curl_slist *headers; /* the configured ones, "Name: value" */
	int max_in_flight, running;
	long long interval_us, next_send_us; /* rate limit */
	long long paused_until;              /* after a transient failure: no request before */
	long long warned_us;                 /* when a retry was last logged */
	int unwarned;                        /* retries not logged since */
	struct hchange **ch; /* each allocated alone: a transfer points at its change */
	int n, cap;
	int first_open;      /* changes before it are finished */
	int *slots;          /* (rule, key) -> index of its last change, -1: empty */
	size_t nslots;       /* a power of two above 2 * cap */
	struct offmap saved; /* offsets to store at commit */
};

/* httptarget.c */
/* The remote id for C: the last effect of the changes before it with its key, else the store
 * (1 with *id malloc'd, 0 when none, -1 with err on a store failure). */
int http_remote_id(struct target *t, const struct hchange *c, char **id, char *err, size_t errlen);
void http_fail(struct target *t, struct hchange *c, int status, const char *body, const char *fmt,
               ...) __attribute__((format(printf, 5, 6)));

/* Lowercase hex of the SHA-256 of the NPARTS strings (each with its NUL). */
void http_digest(const char *const *parts, int nparts, char out[65]);

/* httpsend.c */
long long http_now_us(void);
/* Starts what can start, moves transfers along, finishes what is answered; with WAIT_US > 0
 * first waits up to that long for something to happen. Returns 0, or -1 (err) when libcurl
 * itself fails. */
int http_pump(struct target *t, long long wait_us, char *err, size_t errlen);
/* Drops C's transfer, if any. */
void http_cancel(struct target *t, struct hchange *c);

#endif
