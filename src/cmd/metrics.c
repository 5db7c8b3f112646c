/*
 * spoke metrics: the HTTP listener of metrics_listen (libmicrohttpd): /metrics in Prometheus
 * text format and /health (200, or 503 with the reasons as JSON), both made of the overview
 * (cmd/overview.h) of the configuration. `spoke run` runs it as one more process; with
 * separate capture and apply services, run it on its own.
 */
#include "cmd/cmd.h"
#include "cmd/overview.h"
#include "core/buf.h"
#include "core/config.h"
#include "core/log.h"
#include "core/signals.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const struct command *self(void);

/* ------------------------------------------------------------------ Prometheus text */

/* Appends V as a label value: backslash, double quote and newline escaped. */
static void add_label(struct buf *b, const char *v)
{
	for (; v && *v; v++) {
		if (*v == '\\' || *v == '"')
			buf_addc(b, '\\');
		if (*v == '\n')
			buf_adds(b, "\\n");
		else
			buf_addc(b, *v);
	}
}

static void family(struct buf *b, const char *name, const char *type, const char *help)
{
	buf_addf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* One sample NAME{KEY="LABEL"[,K2="L2"]} V; V a JSON number (or a boolean: 1/0). */
static void sample(struct buf *b, const char *name, const char *key, const char *label,
                   const char *key2, const char *label2, json_t *v)
{
	if (!json_is_number(v) && !json_is_boolean(v))
		return;
	buf_addf(b, "%s{%s=\"", name, key);
	add_label(b, label);
	if (key2) {
		buf_addf(b, "\",%s=\"", key2);
		add_label(b, label2);
	}
	buf_adds(b, "\"} ");
	if (json_is_boolean(v))
		buf_adds(b, json_is_true(v) ? "1" : "0");
	else if (json_is_integer(v))
		buf_addf(b, "%lld", (long long)json_integer_value(v));
	else
		buf_addf(b, "%.3f", json_real_value(v));
	buf_addc(b, '\n');
}

/* A family with one sample per entry of LIST (label KEY = the entry's name) of FIELD. */
static void per_entry(struct buf *b, json_t *list, const char *key, const char *name,
                      const char *type, const char *field, const char *help)
{
	json_t *o;
	size_t i;

	family(b, name, type, help);
	json_array_foreach(list, i, o)
	    sample(b, name, key, json_string_value(json_object_get(o, "name")), NULL, NULL,
	           json_object_get(o, field));
}

/* spoke_up and spoke_healthy of sources and appliers. */
static void add_up(struct buf *b, json_t *all)
{
	static const char *const kinds[] = {"sources", "source", "appliers", "applier"};
	json_t *o;
	size_t i;

	family(b, "spoke_up", "gauge", "1 when the process of the source or applier is running.");
	for (int k = 0; k < 4; k += 2)
		json_array_foreach(json_object_get(all, kinds[k]), i, o)
		{
			json_t *up = json_boolean(
			    strcmp(json_string_value(json_object_get(o, "state")), "running") == 0);
			sample(b, "spoke_up", "kind", kinds[k + 1], "name",
			       json_string_value(json_object_get(o, "name")), up);
			json_decref(up);
		}
	family(b, "spoke_healthy", "gauge", "1 when it runs and reaches what it reads and writes.");
	for (int k = 0; k < 4; k += 2)
		json_array_foreach(json_object_get(all, kinds[k]), i, o) sample(
		    b, "spoke_healthy", "kind", kinds[k + 1], "name",
		    json_string_value(json_object_get(o, "name")), json_object_get(o, "healthy"));
}

/*
 * FAMILY{ENTITY=name, KEY=member, op=op} count for each entry of LIST: its FIELD holds
 * {member: {op: count}} (changes per topic and op of sources, per rule and op of appliers).
 */
static void add_by_op(struct buf *b, json_t *list, const char *entity, const char *field,
                      const char *key, const char *family_name, const char *help)
{
	const char *member, *op;
	json_t *o, *per, *n;
	size_t i;

	family(b, family_name, "counter", help);
	json_array_foreach(list, i, o)
	{
		json_object_foreach(json_object_get(o, field), member, per)
		{
			json_object_foreach(per, op, n)
			{
				buf_addf(b, "%s{%s=\"", family_name, entity);
				add_label(b, json_string_value(json_object_get(o, "name")));
				buf_addf(b, "\",%s=\"", key);
				add_label(b, member);
				buf_addf(b, "\",op=\"%s\"} %lld\n", op,
				         (long long)json_integer_value(n));
			}
		}
	}
}

static void add_partitions(struct buf *b, json_t *appliers)
{
	json_t *o, *p;
	size_t i, k;
	char part[16];

	family(b, "spoke_applier_partition_lag", "gauge",
	       "Messages of a partition not applied yet (high watermark - next offset).");
	json_array_foreach(appliers, i, o)
	{
		json_array_foreach(json_object_get(o, "partitions"), k, p)
		{
			struct buf label = BUF_INIT;
			add_label(&label, json_string_value(json_object_get(p, "topic")));
			snprintf(part, sizeof(part), "%d",
			         (int)json_integer_value(json_object_get(p, "partition")));
			buf_addf(b, "spoke_applier_partition_lag{applier=\"");
			add_label(b, json_string_value(json_object_get(o, "name")));
			buf_addf(b, "\",topic=\"%s\",partition=\"%s\"} %lld\n",
			         label.data ? label.data : "", part,
			         (long long)json_integer_value(json_object_get(p, "lag")));
			buf_release(&label);
		}
	}
}

/* The families with one sample per source or applier: its FIELD in the overview. */
static const struct {
	bool applier; /* else a source */
	const char *name, *type, *field, *help;
} simple[] = {
    {false, "spoke_source_changes_total", "counter", "changes",
     "Changes the source published to Kafka since its process started."},
    {false, "spoke_source_lag_milliseconds", "gauge", "lag_ms",
     "Milliseconds between the last change's commit and its publication."},
    {false, "spoke_source_lag_bytes", "gauge", "lag_bytes",
     "WAL bytes the server has written past the slot's confirmed position."},
    {false, "spoke_source_retained_wal_bytes", "gauge", "retained_wal_bytes",
     "WAL bytes the server keeps for the slot."},
    {false, "spoke_source_open_gaps", "gauge", "gaps",
     "Changelog gaps of a trigger source waiting for a late commit."},
    {false, "spoke_source_kafka_queue", "gauge", "kafka_queue",
     "Messages handed to Kafka and not acknowledged yet."},
    {false, "spoke_source_problems_total", "counter", "problems",
     "Warnings and errors the source logged (reconnects among them)."},
    {true, "spoke_applier_applied_total", "counter", "applied",
     "Changes applied since the applier's process started."},
    {true, "spoke_applier_dead_letters_total", "counter", "dead_letters",
     "Changes sent to the dead-letter topic since the process started."},
    {true, "spoke_applier_problems_total", "counter", "problems",
     "Warnings and errors the applier logged (retries among them)."},
};

static void render_metrics(json_t *all, struct buf *b)
{
	json_t *src = json_object_get(all, "sources"), *app = json_object_get(all, "appliers");

	add_up(b, all);
	for (size_t i = 0; i < sizeof(simple) / sizeof(simple[0]); i++)
		per_entry(b, simple[i].applier ? app : src,
		          simple[i].applier ? "applier" : "source", simple[i].name, simple[i].type,
		          simple[i].field, simple[i].help);
	add_by_op(b, src, "source", "topics", "topic", "spoke_source_table_changes_total",
	          "Changes the source published, per topic (one topic per table) and op.");
	add_by_op(b, app, "applier", "rules", "rule", "spoke_applier_rule_changes_total",
	          "Changes applied, per rule and op (c create, u update, d delete, r snapshot).");
	add_partitions(b, app);
}

/* ------------------------------------------------------------------ /health */

/* Appends why entry O of KIND is not healthy to REASONS, if it is not. */
static void check_health(json_t *reasons, const char *kind, json_t *o)
{
	const char *name = json_string_value(json_object_get(o, "name"));
	const char *state = json_string_value(json_object_get(o, "state"));
	const char *why = json_string_value(json_object_get(o, "unhealthy_reason"));
	const char *dberr = json_string_value(json_object_get(o, "database_error"));
	char line[1200];

	if (strcmp(state, "running") != 0)
		snprintf(line, sizeof(line), "%s %s is %s", kind, name, state);
	else if (json_is_false(json_object_get(o, "healthy")))
		snprintf(line, sizeof(line), "%s %s: %s", kind, name, why ? why : "unhealthy");
	else if (dberr)
		snprintf(line, sizeof(line), "%s %s: %s", kind, name, dberr);
	else
		return;
	json_array_append_new(reasons, json_string(line));
}

/* {"status": "ok"} or {"status": "unhealthy", "reasons": [...]}; *OK says which. */
static json_t *health(json_t *all, bool *ok)
{
	json_t *reasons = json_array(), *o;
	size_t i;

	json_array_foreach(json_object_get(all, "sources"), i, o)
	    check_health(reasons, "source", o);
	json_array_foreach(json_object_get(all, "appliers"), i, o)
	    check_health(reasons, "applier", o);
	*ok = json_array_size(reasons) == 0;
	if (*ok) {
		json_decref(reasons);
		return json_pack("{ss}", "status", "ok");
	}
	return json_pack("{ssso}", "status", "unhealthy", "reasons", reasons);
}

/* ------------------------------------------------------------------ the listener */

static enum MHD_Result respond(struct MHD_Connection *conn, unsigned status, const char *type,
                               const char *body)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(
	    strlen(body), (void *)(uintptr_t)body, MHD_RESPMEM_MUST_COPY);
	enum MHD_Result rc;

	if (!r)
		return MHD_NO;
	MHD_add_response_header(r, "Content-Type", type);
	rc = MHD_queue_response(conn, status, r);
	MHD_destroy_response(r);
	return rc;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version, const char *data,
                                  size_t *size, void **state)
{
	const struct config *cfg = cls;
	struct buf b = BUF_INIT;
	enum MHD_Result rc;
	bool ok = true;

	(void)version, (void)data, (void)size, (void)state;
	if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0)
		return respond(conn, 405, "text/plain", "GET only\n");
	if (strcmp(url, "/metrics") != 0 && strcmp(url, "/health") != 0)
		return respond(conn, 404, "text/plain", "/metrics or /health\n");
	json_t *all = overview_gather(cfg);
	if (strcmp(url, "/metrics") == 0) {
		render_metrics(all, &b);
	} else {
		json_t *h = health(all, &ok);
		buf_add_json(&b, h);
		buf_addc(&b, '\n');
		json_decref(h);
	}
	json_decref(all);
	rc = respond(conn, ok ? 200 : 503,
	             strcmp(url, "/metrics") == 0 ? "text/plain; version=0.0.4; charset=utf-8"
	                                          : "application/json",
	             buf_ok(&b) ? b.data : "out of memory\n");
	buf_release(&b);
	return rc;
}

/* Parses "HOST:PORT" (IPv4) into SA. */
static bool parse_listen(const char *text, struct sockaddr_in *sa)
{
	const char *colon = strrchr(text, ':');
	char host[64];

	memset(sa, 0, sizeof(*sa));
	if (!colon || (size_t)(colon - text) >= sizeof(host))
		return false;
	snprintf(host, sizeof(host), "%.*s", (int)(colon - text), text);
	sa->sin_family = AF_INET;
	sa->sin_port = htons((uint16_t)atoi(colon + 1));
	return atoi(colon + 1) > 0 && atoi(colon + 1) < 65536 &&
	       inet_pton(AF_INET, host, &sa->sin_addr) == 1;
}

int metrics_serve(const struct config *cfg)
{
	const char *listen = conf_str(config_find(cfg, "spoke", NULL), "metrics_listen");
	struct sockaddr_in sa;
	struct MHD_Daemon *d = NULL;

	if (!listen || strcmp(listen, "off") == 0)
		return 0;
	if (!parse_listen(listen, &sa))
		log_warn("metrics",
		         "metrics_listen = %s is not IPv4ADDRESS:PORT: /metrics and "
		         "/health are off",
		         listen);
	else if (!(d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD, 0, NULL, NULL, on_request,
	                                (void *)(uintptr_t)cfg, MHD_OPTION_SOCK_ADDR, &sa,
	                                MHD_OPTION_CONNECTION_TIMEOUT, 10u, MHD_OPTION_END)))
		log_warn("metrics", "cannot listen on %s (in use?): /metrics and /health are off",
		         listen);
	else
		log_info("metrics", "serving /metrics and /health on http://%s", listen);
	while (!signals_stop_requested()) {
		usleep(200 * 1000);
		signals_service();
	}
	if (d)
		MHD_stop_daemon(d);
	return 0;
}

static int run(int argc, char **argv)
{
	const char *path = NULL;
	int opt;

	if ((opt = cmd_config_only(argc, argv, self(), &path)) >= 0)
		return opt;
	struct config *cfg = cmd_load_config(path);
	if (!cfg)
		return EXIT_FAIL;
	signals_install();
	int rc = metrics_serve(cfg);
	config_free(cfg);
	return rc == 0 ? EXIT_OK : EXIT_FAIL;
}

const struct command cmd_metrics_def = {
    "metrics",
    "serve /metrics (Prometheus) and /health on metrics_listen",
    "metrics -c FILE",
    "  -c, --config FILE   the configuration file\n"
    "  -h, --help          show this help\n\n"
    "Serves, on [spoke] metrics_listen (default 127.0.0.1:9187; off: nothing), /metrics in\n"
    "Prometheus text format (per source: up, healthy, changes, changes per table and op, lag,\n"
    "slot lag and retained WAL, open gaps, Kafka queue, problems; per applier: up,\n"
    "healthy, applied, applied per rule and op, dead letters, lag per partition, problems)\n"
    "and /health: 200 {\"status\": \"ok\"} when every source and applier runs and reaches\n"
    "its databases, else 503 with the reasons. `spoke run` runs it itself; run it beside\n"
    "separate capture and apply services.\n",
    run,
};

static const struct command *self(void)
{
	return &cmd_metrics_def;
}
