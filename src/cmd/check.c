/*
 * spoke check: checks a configuration and its appliers' rules, or rule files alone, and shows
 * what rules make of one change event.
 */
#include "apply/applier.h"
#include "apply/livecheck.h"
#include "cmd/cmd.h"
#include "core/buf.h"
#include "core/config.h"
#include "core/log.h"
#include "mapping/event.h"
#include "mapping/rules.h"

#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define COMPONENT      "check"
#define MAX_RULE_FILES 256
#define MAX_INPUT      (16L << 20)

struct opts {
	const char *config, *event, *topic, *key;
	char *rules[MAX_RULE_FILES];
	int nrules;
	bool offline;
};

static const struct command *self(void);

static const char *plural(int n)
{
	return n == 1 ? "" : "s";
}

/* ---- with a configuration ---- */

/* One problem found in a target's live schema: an error or a warning, on its own line. */
static void report_live(void *arg, bool error, const char *msg)
{
	(void)arg;
	log_msg(error ? LOG_ERROR : LOG_WARN, COMPONENT, NULL, "%s", msg);
}

/*
 * Checks one applier's rules: files, fields, expressions, targets, then (unless OFFLINE) the
 * live schemas of the targets. Returns the problems.
 */
static int check_applier(const struct config *cfg, const struct conf_section *sec, bool offline,
                         int *nrules)
{
	struct ruleset rs;
	int problems = applier_load_rules(cfg, sec, &rs);

	*nrules += rs.n;
	/* Then, when the rules are sound, against the live schemas of reachable targets. */
	if (!problems && !offline)
		problems = livecheck_rules(cfg, &rs, report_live, NULL);
	ruleset_free(&rs);
	return problems;
}

static int run_config(const char *path, bool offline)
{
	struct config *cfg = cmd_load_config(path);
	int problems = 0, nrules = 0, nappliers = 0;
	char err[256];

	if (!cfg)
		return EXIT_FAIL;
	/* A person runs check: its findings go to the terminal, whatever log_file says. */
	if (log_open_file(NULL, err, sizeof(err)) < 0)
		log_error(COMPONENT, "%s", err);
	for (; config_section(cfg, "applier", (size_t)nappliers); nappliers++)
		problems += check_applier(cfg, config_section(cfg, "applier", (size_t)nappliers),
		                          offline, &nrules);
	if (!problems)
		printf("%s: %d applier%s, %d rule%s, ok\n", path, nappliers, plural(nappliers),
		       nrules, plural(nrules));
	config_free(cfg);
	return problems ? EXIT_FAIL : EXIT_OK;
}

/* ---- an event ---- */

/* Reads the whole file PATH into B. Returns 0, or -1 (logged). */
static int read_file(const char *path, struct buf *b)
{
	FILE *f = fopen(path, "rb");
	char chunk[8192];
	size_t n;
	int rc = 0;

	if (!f) {
		log_error(COMPONENT, "%s: %s", path, strerror(errno));
		return -1;
	}
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0 && b->len <= MAX_INPUT)
		buf_add(b, chunk, n);
	if (ferror(f) || b->len > MAX_INPUT || !buf_ok(b)) {
		log_error(COMPONENT, "%s: %s", path,
		          ferror(f)            ? strerror(errno)
		          : b->len > MAX_INPUT ? "too large"
		                               : "out of memory");
		rc = -1;
	}
	fclose(f);
	return rc;
}

/* True when B holds the JSON literal null (a tombstone, as a file can show one). */
static bool is_null_text(const struct buf *b)
{
	size_t i = 0, end = b->len;

	while (i < end && isspace((unsigned char)b->data[i]))
		i++;
	while (end > i && isspace((unsigned char)b->data[end - 1]))
		end--;
	return end - i == 4 && memcmp(b->data + i, "null", 4) == 0;
}

/* The event's default topic, "<source.name>.<source.schema or db>.<source.table>", or NULL. */
static const char *event_topic(const struct event *ev, char *out, size_t size)
{
	json_t *src = json_object_get(ev->payload, "source");
	const char *name = json_string_value(json_object_get(src, "name"));
	const char *schema = json_string_value(json_object_get(src, "schema"));
	const char *table = json_string_value(json_object_get(src, "table"));

	if (!schema || !schema[0])
		schema = json_string_value(json_object_get(src, "db"));
	if (!name || !schema || !table)
		return NULL;
	snprintf(out, size, "%s.%s.%s", name, schema, table);
	return out;
}

/* lookup() here: spoke check does not connect to targets. */
static int no_lookup(void *arg, const char *target, const char *table, const char *key_column,
                     const char *key, const char *result_column, const char **out, bool *transient,
                     char *err, size_t errlen)
{
	(void)arg, (void)table, (void)key_column, (void)key, (void)result_column, (void)out;
	*transient = false;
	snprintf(err, errlen, "needs the live target '%s' (spoke check does not connect to it)",
	         target);
	return -1;
}

/* Reads the event (and key) files of O into EV. Returns 0, or -1 (logged). */
static int load_event(const struct opts *o, struct event *ev)
{
	struct buf value = BUF_INIT, key = BUF_INIT;
	char err[512];
	int rc = -1;

	if (read_file(o->event, &value) < 0 || (o->key && read_file(o->key, &key) < 0))
		goto out;
	if (event_parse(ev, o->key ? (key.data ? key.data : "") : NULL, key.len,
	                is_null_text(&value) ? NULL
	                : value.data         ? value.data
	                                     : "",
	                value.len, err, sizeof(err)) < 0) {
		log_error(COMPONENT, "%s: %s", o->event, err);
		goto out;
	}
	rc = 0;
out:
	buf_release(&value);
	buf_release(&key);
	return rc;
}

static const char *op_name(enum rowop_kind kind)
{
	static const char *const names[] = {"skip", "upsert", "insert", "delete", "update"};

	return names[kind];
}

/* Why rule R skipped event EV. */
static const char *skip_reason(const struct rule *r, const struct event *ev)
{
	switch (ev->op) {
	case 0:
		return "tombstone";
	case 't':
		return "truncate";
	case 'm':
		return "logical decoding message";
	case 'd':
		if (r->del == RULE_IGNORE_DELETE || (r->http && !r->http->call[HTTP_DELETE].method))
			return "delete ignored";
		break;
	default:
		break;
	}
	return "where is not true";
}

/* V as the JSON a target's parameter reads: a string, or null. */
static json_t *param_json(struct expr_ctx *ctx, const struct val *v)
{
	const char *s = val_to_param(ctx, v, "true", "false");
	json_t *j = s ? json_string(s) : json_null();

	return j ? j : json_string("(not UTF-8)");
}

/* Adds "key", "values" and "unchanged" of OP to OBJ. */
static void add_values(json_t *obj, struct expr_ctx *ctx, const struct rowop *op)
{
	json_t *key = json_object(), *values = json_object(), *unchanged = json_array();

	for (int i = 0; i < op->n; i++) {
		json_object_set_new(i < op->nkey ? key : values, op->cols[i],
		                    param_json(ctx, &op->vals[i]));
		if (op->unchanged[i])
			json_array_append_new(unchanged, json_string(op->cols[i]));
	}
	json_object_set_new(obj, "key", key);
	if (op->kind != ROWOP_DELETE)
		json_object_set_new(obj, "values", values);
	else
		json_decref(values);
	if (json_array_size(unchanged))
		json_object_set_new(obj, "unchanged", unchanged);
	else
		json_decref(unchanged);
}

/* The path of an HTTP request as people write it: {remote_id} where the id goes. */
static json_t *shown_path(const char *path)
{
	struct buf b;
	json_t *j;

	buf_init(&b);
	for (const char *p = path; *p; p++)
		if (*p == ROWOP_REMOTE_ID)
			buf_adds(&b, "{remote_id}");
		else
			buf_addc(&b, *p);
	j = json_string(buf_ok(&b) ? b.data : "(out of memory)");
	buf_release(&b);
	return j;
}

/* Stand-ins for the bodies of requests in the printed line (see splice_bodies). */
static const char *const BODY_MARKS[] = {"@@spoke-body-0@@", "@@spoke-body-1@@",
                                         "@@spoke-body-2@@"};

/* LINE (JSON from jansson) with each quoted body mark replaced by its body's text in OP. */
static char *splice_bodies(const char *line, const struct rowop *op)
{
	struct buf b;
	size_t marklen = strlen(BODY_MARKS[0]) + 2;

	buf_init(&b);
	for (const char *p = line; *p;) {
		int k = strncmp(p, "\"@@spoke-body-", 14) == 0 ? p[14] - '0' : -1;
		if (k >= 0 && k < HTTP_NKINDS && op->req[k].body) {
			buf_adds(&b, op->req[k].body);
			p += marklen;
		} else {
			buf_addc(&b, *p++);
		}
	}
	if (!buf_ok(&b)) {
		buf_release(&b);
		return NULL;
	}
	return b.data;
}

/* Adds "requests" (each rendered request: method, path, body) and "key" of OP to OBJ. */
static void add_requests(json_t *obj, const struct rowop *op)
{
	static const char *const kinds[] = {"create", "update", "delete"};
	json_t *reqs = json_object();

	for (int k = 0; k < HTTP_NKINDS; k++) {
		const struct http_req *q = &op->req[k];
		if (!q->method)
			continue;
		json_t *one = json_pack("{ssso}", "method", q->method, "path", shown_path(q->path));
		if (one && q->body) /* a mark, replaced by the body's own text (exact decimals) */
			json_object_set_new(one, "body", json_string(BODY_MARKS[k]));
		json_object_set_new(reqs, kinds[k], one);
	}
	json_object_set_new(obj, "requests", reqs);
	json_object_set_new(obj, "key", json_string(op->keytext));
}

/* Prints OP as one JSON line. */
static void print_rowop(struct expr_ctx *ctx, const struct event *ev, const struct rowop *op)
{
	const struct rule *r = op->rule;
	json_t *obj = json_pack("{ssss}", "rule", r->name, "target", r->target);
	char *line;

	if (!obj)
		return;
	if (r->table)
		json_object_set_new(obj, "table", json_string(r->table));
	json_object_set_new(obj, "op", json_string(op_name(op->kind)));
	if (op->kind == ROWOP_SKIP)
		json_object_set_new(obj, "reason", json_string(skip_reason(r, ev)));
	else if (r->http)
		add_requests(obj, op);
	else
		add_values(obj, ctx, op);
	line = json_dumps(obj, JSON_COMPACT);
	if (line && r->http) {
		char *spliced = splice_bodies(line, op);
		free(line);
		line = spliced;
	}
	if (line)
		printf("%s\n", line);
	free(line);
	json_decref(obj);
}

/* Runs every rule of RS that reads the event's topic. Returns the number of failed rules. */
static int apply_rules(const struct ruleset *rs, const struct event *ev, const char *topic)
{
	struct expr_ctx ctx = {.payload = ev->payload, .key = ev->key, .topic = topic};
	struct rowop op = {0};
	char err[1024];
	int failed = 0, matched = 0;

	ctx.lookup = no_lookup;
	for (int i = 0; i < rs->n; i++) {
		if (!rule_matches(&rs->rules[i], topic))
			continue;
		matched++;
		if (rule_eval(&rs->rules[i], ev, &ctx, &op, err, sizeof(err)) < 0) {
			log_error(COMPONENT, "rule '%s', %s", rs->rules[i].name, err);
			failed++;
		} else {
			print_rowop(&ctx, ev, &op);
		}
		expr_ctx_reset(&ctx);
	}
	if (!matched)
		log_warn(COMPONENT, "no rule reads topic '%s'", topic);
	rowop_release(&op);
	expr_ctx_release(&ctx);
	return failed;
}

static int run_event(const struct opts *o, const struct ruleset *rs)
{
	struct event ev = {0};
	char buf[512];
	const char *topic;
	int failed;

	if (load_event(o, &ev) < 0)
		return EXIT_FAIL;
	topic = o->topic ? o->topic : event_topic(&ev, buf, sizeof(buf));
	if (!topic) {
		log_error(COMPONENT,
		          "%s: no source.name, source.schema and source.table to make its "
		          "topic of: give --topic NAME",
		          o->event);
		event_release(&ev);
		return EXIT_FAIL;
	}
	failed = apply_rules(rs, &ev, topic);
	event_release(&ev);
	return failed ? EXIT_FAIL : EXIT_OK;
}

/* ---- rule files alone ---- */

static int run_rules(const struct opts *o)
{
	struct ruleset rs;
	int rc = EXIT_OK;

	if (ruleset_load(&rs, o->rules, o->nrules, NULL, NULL) > 0)
		return EXIT_FAIL;
	if (o->event) {
		rc = run_event(o, &rs);
	} else {
		for (int i = 0; i < o->nrules; i++) {
			int n = 0;

			for (int j = 0; j < rs.n; j++)
				n += strcmp(rs.rules[j].file, o->rules[i]) == 0;
			printf("%s: %d rule%s, ok\n", o->rules[i], n, plural(n));
		}
	}
	ruleset_free(&rs);
	return rc;
}

/* Reads the options into O. Returns -1 (usage error), 1 (help shown) or 0. */
static int parse_opts(int argc, char **argv, struct opts *o)
{
	static const struct option longopts[] = {
	    {"config", required_argument, NULL, 'c'}, {"rules", required_argument, NULL, 'r'},
	    {"event", required_argument, NULL, 'e'},  {"topic", required_argument, NULL, 't'},
	    {"key", required_argument, NULL, 'k'},    {"offline", no_argument, NULL, 'o'},
	    {"help", no_argument, NULL, 'h'},         {NULL, 0, NULL, 0},
	};
	int opt;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "c:r:e:t:k:h", longopts, NULL)) != -1) {
		if (opt == 'c')
			o->config = optarg;
		else if (opt == 'r' && o->nrules < MAX_RULE_FILES)
			o->rules[o->nrules++] = optarg;
		else if (opt == 'e')
			o->event = optarg;
		else if (opt == 't')
			o->topic = optarg;
		else if (opt == 'k')
			o->key = optarg;
		else if (opt == 'o')
			o->offline = true;
		else if (opt == 'h')
			return 1;
		else
			return -1;
	}
	if (optind != argc || !o->config == !o->nrules || ((o->topic || o->key) && !o->event) ||
	    (o->config && o->event) || (o->offline && !o->config))
		return -1;
	return 0;
}

static int run(int argc, char **argv)
{
	struct opts o = {0};
	int rc = parse_opts(argc, argv, &o);

	if (rc < 0)
		return cmd_usage_error(self());
	if (rc > 0)
		return cmd_print_help(self());
	return o.config ? run_config(o.config, o.offline) : run_rules(&o);
}

const struct command cmd_check_def = {
    "check",
    "check a configuration and its rules, or try rules on a change event",
    "check -c FILE [--offline] | check -r RULES [-r RULES...] [-e EVENT [-t TOPIC] [-k KEY]]",
    "  -c, --config FILE   check the configuration and the rules of every applier, with\n"
    "                      each target named in a rule checked against [target] sections,\n"
    "                      then against the live schema of each target that is reachable:\n"
    "                      tables, columns, keys (primary key or unique index), lookups\n"
    "      --offline       with --config: do not connect to targets\n"
    "  -r, --rules FILE    check a rule file without a configuration (repeat for several);\n"
    "                      targets are not checked\n"
    "  -e, --event FILE    with --rules: run every rule that reads the event's topic on the\n"
    "                      change event in FILE (a message value as Kafka carries it; a\n"
    "                      file holding null is a tombstone)\n"
    "  -t, --topic NAME    the event's topic (default: its source's name, schema and table\n"
    "                      joined by dots, as capture names topics)\n"
    "  -k, --key FILE      the event's message key (JSON)\n"
    "  -h, --help          show this help\n\n"
    "Every problem is reported on its own line, as FILE:LINE: rule 'NAME': reason, and the\n"
    "exit code is 1. Without problems, check prints a summary line per configuration or rule\n"
    "file. With --event, each rule prints one JSON line: the row operation it makes,\n"
    "  "
    "{\"rule\":...,\"target\":...,\"table\":...,\"op\":\"upsert\",\"key\":{...},\"values\":{...}}\n"
    "op is upsert, insert, delete (key only), update (a soft delete: key and the columns it\n"
    "sets) or skip (with \"reason\"); \"unchanged\" lists columns that read a value the source\n"
    "did not send. Values are shown as a target receives them: text, or null. lookup() needs\n"
    "a live target, so a rule that calls it fails here.\n",
    run,
};

static const struct command *self(void)
{
	return &cmd_check_def;
}
