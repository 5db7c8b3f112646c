/* runstate: a process's live state for spoke status, in state_dir/run (see runstate.h). */
#include "core/runstate.h"

#include "core/envelope.h"
#include "core/log.h"
#include "core/statefile.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define STALE_MS 45000 /* longer than any backoff (30 s) */

struct runstate {
	char *dir, *path, *tmp;
	json_t *fields;
	long long started_ms, written_ms;
	unsigned long long counted; /* runstate_count: the count at its last call, */
	long long counted_ms;       /* and when */
	bool failed;                /* a write failed (logged once) */
};

struct runstate *runstate_new(const char *state_dir, const char *kind, const char *name)
{
	struct runstate *r = calloc(1, sizeof(*r));

	if (!r || asprintf(&r->dir, "%s/run", state_dir) < 0 ||
	    asprintf(&r->path, "%s/%s-%s.json", r->dir, kind, name) < 0 ||
	    asprintf(&r->tmp, "%s.tmp", r->path) < 0 || !(r->fields = json_object())) {
		runstate_free(r);
		return NULL;
	}
	r->started_ms = envelope_now_ms();
	return r;
}

json_t *runstate_fields(struct runstate *r)
{
	return r ? r->fields : NULL;
}

/* The document to write: the fields, then what every process says. */
static json_t *document(struct runstate *r, const char *state)
{
	json_t *doc = json_copy(r->fields);
	long long when;
	const char *problem = log_last_problem(&when);

	if (!doc)
		return NULL;
	json_object_set_new(doc, "state", json_string(state));
	json_object_set_new(doc, "pid", json_integer(getpid()));
	json_object_set_new(doc, "started_ms", json_integer(r->started_ms));
	json_object_set_new(doc, "updated_ms", json_integer(envelope_now_ms()));
	json_object_set_new(doc, "last_problem", problem ? json_string(problem) : json_null());
	json_object_set_new(doc, "last_problem_ms", problem ? json_integer(when) : json_null());
	json_object_set_new(doc, "problems", json_integer((json_int_t)log_problem_count()));
	if (!json_object_get(doc, "healthy"))
		json_object_set_new(doc, "healthy", json_true());
	return doc;
}

static void write_state(struct runstate *r, const char *state)
{
	json_t *doc = document(r, state);
	char err[512];
	int rc = -1;

	if (doc && statefile_ensure_dir(r->dir, err, sizeof(err)) == 0) {
		rc = json_dump_file(doc, r->tmp, JSON_COMPACT);
		if (rc == 0 && rename(r->tmp, r->path) < 0)
			rc = -1;
		if (rc < 0)
			snprintf(err, sizeof(err), "cannot write %s: %s", r->path, strerror(errno));
	}
	json_decref(doc);
	if (rc < 0 && !r->failed)
		log_warn("status", "%s; spoke status will not show this process", err);
	r->failed = r->failed || rc < 0;
}

bool runstate_due(const struct runstate *r)
{
	return r && envelope_now_ms() - r->written_ms >= 1000;
}

void runstate_count(struct runstate *r, const char *name, const char *rate_name,
                    unsigned long long count)
{
	long long now = envelope_now_ms();

	if (!r)
		return;
	if (r->counted_ms && now > r->counted_ms)
		json_object_set_new(r->fields, rate_name,
		                    json_real((double)(count - r->counted) * 1000.0 /
		                              (double)(now - r->counted_ms)));
	r->counted = count;
	r->counted_ms = now;
	json_object_set_new(r->fields, name, json_integer((json_int_t)count));
}

void runstate_write(struct runstate *r, bool force)
{
	long long now = envelope_now_ms();

	if (!r || (!force && now - r->written_ms < 1000))
		return;
	r->written_ms = now;
	write_state(r, "running");
}

void runstate_health(struct runstate *r, bool healthy, const char *reason)
{
	json_t *f = runstate_fields(r);
	bool was = !f || !json_is_false(json_object_get(f, "healthy"));

	if (!f)
		return;
	json_object_set_new(f, "healthy", json_boolean(healthy));
	if (healthy)
		json_object_del(f, "unhealthy_reason");
	else
		json_object_set_new(f, "unhealthy_reason",
		                    json_string(reason ? reason : "unknown"));
	if (was != healthy || !healthy)
		runstate_write(r, true); /* at once: it may not write again for a while */
}

void runstate_free(struct runstate *r)
{
	if (!r)
		return;
	if (r->fields && r->path)
		write_state(r, "stopped");
	json_decref(r->fields);
	free(r->dir);
	free(r->path);
	free(r->tmp);
	free(r);
}

json_t *runstate_read(const char *state_dir, const char *kind, const char *name)
{
	char path[4096];
	json_t *doc;

	snprintf(path, sizeof(path), "%s/run/%s-%s.json", state_dir, kind, name);
	if (!(doc = json_load_file(path, 0, NULL)) || !json_is_object(doc)) {
		json_decref(doc);
		return NULL;
	}
	const char *state = json_string_value(json_object_get(doc, "state"));
	pid_t pid = (pid_t)json_integer_value(json_object_get(doc, "pid"));
	long long age = envelope_now_ms() - json_integer_value(json_object_get(doc, "updated_ms"));
	bool alive = pid > 0 && (kill(pid, 0) == 0 || errno == EPERM);

	if (!state || strcmp(state, "running") == 0)
		json_object_set_new(doc, "state",
		                    json_string(!alive           ? "stopped"
		                                : age > STALE_MS ? "unresponsive"
		                                                 : "running"));
	return doc;
}
