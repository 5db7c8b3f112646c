/* Unit tests for mapping/rules: loading (every problem, with its line) and what rules make of events. */
#include "unit.h"
#include "core/log.h"
#include "mapping/rules.h"

#include <stdlib.h>
#include <unistd.h>

#define MAX_FILES 4

/* A temporary directory for rule files, and what the last load logged. */
struct fixture {
	char dir[64];
	char log[96];
	char *files[MAX_FILES];
	int nfiles;
	char out[4096];
};

static void fx_init(struct fixture *fx)
{
	memset(fx, 0, sizeof(*fx));
	snprintf(fx->dir, sizeof(fx->dir), "/tmp/spoke-rules-XXXXXX");
	if (!mkdtemp(fx->dir))
		abort();
	snprintf(fx->log, sizeof(fx->log), "%s/log", fx->dir);
}

/* Writes TEXT to the file NAME of the fixture; the path is in fx->files[fx->nfiles - 1]. */
static void fx_file(struct fixture *fx, const char *name, const char *text)
{
	size_t n = strlen(fx->dir) + strlen(name) + 2;
	char *path = malloc(n);
	FILE *f;

	if (!path || fx->nfiles == MAX_FILES)
		abort();
	snprintf(path, n, "%s/%s", fx->dir, name);
	f = fopen(path, "w");
	if (!f)
		abort();
	fputs(text, f);
	fclose(f);
	fx->files[fx->nfiles++] = path;
}

/* Copies the log into fx->out, without timestamps and with the directory left out of paths. */
static void fx_read_log(struct fixture *fx)
{
	char line[1024], *p;
	size_t used = 0, dlen = strlen(fx->dir);
	FILE *f = fopen(fx->log, "r");

	fx->out[0] = '\0';
	while (f && fgets(line, sizeof(line), f)) {
		p = strchr(line, ' ') ? strchr(line, ' ') + 1 : line; /* after the timestamp */
		for (char *d; (d = strstr(p, fx->dir)) != NULL;)
			memmove(d, d + dlen + 1, strlen(d + dlen + 1) + 1);
		used += (size_t)snprintf(fx->out + used, sizeof(fx->out) - used, "%s", p);
		if (used >= sizeof(fx->out))
			break;
	}
	if (f)
		fclose(f);
	unlink(fx->log);
}

/* Loads the fixture's files into RS; what was logged is in fx->out. Returns the problems. */
static int fx_load(struct fixture *fx, struct ruleset *rs,
                   bool (*target_exists)(void *arg, const char *name))
{
	char err[256];
	int problems;

	log_open_file(fx->log, err, sizeof(err));
	problems = ruleset_load(rs, fx->files, fx->nfiles, target_exists, NULL);
	log_open_file(NULL, err, sizeof(err));
	fx_read_log(fx);
	return problems;
}

static void fx_done(struct fixture *fx)
{
	for (int i = 0; i < fx->nfiles; i++) {
		unlink(fx->files[i]);
		free(fx->files[i]);
	}
	unlink(fx->log);
	rmdir(fx->dir);
}

/* Loads one file holding TEXT; returns the log (and the problems in *problems). */
static const char *load_one(struct fixture *fx, const char *text, int *problems)
{
	struct ruleset rs;

	fx_init(fx);
	fx_file(fx, "r.json", text);
	*problems = fx_load(fx, &rs, NULL);
	ruleset_free(&rs);
	fx_done(fx);
	return fx->out;
}

TEST(rules_load_key_columns_first)
{
	struct fixture fx;
	struct ruleset rs;

	fx_init(&fx);
	fx_file(&fx, "r.json",
	        "{\"$schema\": \"../schemas/rules.schema.json\", \"rules\": [{\"name\": \"p\",\n"
	        " \"topics\": [\"erp.public.*\", \"erp.x.y\"], \"target\": \"shop\", \"table\":"
	        " \"s.t\",\n \"key\": [\"ref\", \"id\"], \"description\": \"products\",\n"
	        " \"columns\": {\"a\": \"1\", \"id\": \"after.id\", \"b\": \"2\", \"ref\": "
	        "\"after.ref\"},\n \"where\": \"op = 'c'\", \"delete\": {\"soft\": {\"gone\": "
	        "\"true\"}}}]}\n");
	CHECK_INT(fx_load(&fx, &rs, NULL), 0);
	CHECK_STR(fx.out, "");
	CHECK_INT(rs.n, 1);
	if (rs.n == 1) {
		struct rule *r = &rs.rules[0];

		CHECK_STR(r->name, "p");
		CHECK_STR(r->file, fx.files[0]);
		CHECK_INT(r->ntopics, 2);
		CHECK_STR(r->target, "shop");
		CHECK_STR(r->table, "s.t");
		CHECK_INT(r->ncols, 4);
		CHECK_INT(r->nkey, 2);
		CHECK_STR(r->cols[0].name, "ref");
		CHECK_STR(r->cols[1].name, "id");
		CHECK_STR(r->cols[2].name, "a");
		CHECK_STR(r->cols[3].name, "b");
		CHECK(r->cols[0].key && r->cols[1].key && !r->cols[2].key && !r->cols[3].key);
		CHECK_STR(r->cols[1].src, "after.id");
		CHECK(r->where != NULL && r->where->expr != NULL);
		CHECK_INT(r->mode, RULE_UPSERT);
		CHECK_INT(r->del, RULE_SOFT_DELETE);
		CHECK_INT(r->nsoft, 1);
		CHECK_STR(r->soft[0].name, "gone");
		CHECK(rule_matches(r, "erp.public.article"));
		CHECK(rule_matches(r, "erp.x.y"));
		CHECK(!rule_matches(r, "erp.x.z"));
		CHECK(!rule_matches(r, "shop.public.article"));
	}
	ruleset_free(&rs);
	CHECK_INT(rs.n, 0);
	fx_done(&fx);
}

TEST(rules_load_topic_and_insert_mode_without_key)
{
	struct fixture fx;
	struct ruleset rs;

	fx_init(&fx);
	fx_file(&fx, "r.json",
	        "{\"rules\": [{\"name\": \"log\", \"topic\": \"erp.public.article\", \"target\": "
	        "\"t\", \"table\": \"log\", \"mode\": \"insert\", \"columns\": {\"x\": \"op\"},"
	        " \"delete\": \"ignore\"}]}");
	CHECK_INT(fx_load(&fx, &rs, NULL), 0);
	CHECK_INT(rs.n, 1);
	if (rs.n == 1) {
		CHECK_INT(rs.rules[0].ntopics, 1);
		CHECK_STR(rs.rules[0].topics[0], "erp.public.article");
		CHECK_INT(rs.rules[0].mode, RULE_INSERT);
		CHECK_INT(rs.rules[0].del, RULE_IGNORE_DELETE);
		CHECK_INT(rs.rules[0].nkey, 0);
	}
	ruleset_free(&rs);
	fx_done(&fx);
}

TEST(rules_load_reports_every_problem_with_its_line)
{
	struct fixture fx;
	int problems;
	const char *log = load_one(&fx,
	                           "{\"rules\": [\n"
	                           "  {\"name\": \"p\",\n"
	                           "   \"topics\": [\"a\", 3],\n"
	                           "   \"target\": \"shop\",\n"
	                           "   \"colums\": {},\n"
	                           "   \"key\": [\"id\"],\n"
	                           "   \"mode\": \"insrt\",\n"
	                           "   \"delete\": {\"sfot\": {}}\n"
	                           "  },\n"
	                           "  {\"name\": \"q\", \"topics\": \"a\", \"target\": \"t\",\n"
	                           "   \"table\": \"t\", \"key\": [\"id\", \"id\", \"nme\"],\n"
	                           "   \"columns\": {\"id\": \"after.id\", \"name\": \"uper(x)\",\n"
	                           "     \"n\": 1}, \"where\": \"after.a +\"}\n"
	                           "]}\n",
	                           &problems);

	CHECK_STR(
	    log,
	    "ERROR rules: r.json:5: rule 'p': unknown field 'colums'; did you mean 'columns'?\n"
	    "ERROR rules: r.json:3: rule 'p': 'topics[1]' must be a topic name or pattern, "
	    "not a number\n"
	    "ERROR rules: r.json:2: rule 'p': missing 'table': the target table (or \"http\": "
	    "requests to an API)\n"
	    "ERROR rules: r.json:7: rule 'p': mode 'insrt' is not upsert or insert; did you "
	    "mean 'insert'?\n"
	    "ERROR rules: r.json:2: rule 'p': missing 'columns': {\"target_column\": "
	    "\"expression\", ...}\n"
	    "ERROR rules: r.json:8: rule 'p': unknown field 'sfot'; did you mean 'soft'?\n"
	    "ERROR rules: r.json:8: rule 'p': a soft delete needs 'soft': a non-empty object "
	    "of columns to set\n"
	    "ERROR rules: r.json:10: rule 'q': 'topics' must be a non-empty array of topic "
	    "names, not a string\n"
	    "ERROR rules: r.json:11: rule 'q': key column 'id' is listed twice\n"
	    "ERROR rules: r.json:11: rule 'q': key column 'nme' is not in 'columns'; did you "
	    "mean 'name'?\n"
	    "ERROR rules: r.json:12: rule 'q', column 'name': column 1: unknown function "
	    "'uper' (did you mean 'upper'?)\n"
	    "ERROR rules: r.json:13: rule 'q', column 'n': must be an expression in a string, "
	    "not a number (write \"1\")\n"
	    "ERROR rules: r.json:13: rule 'q', where: column 10: unexpected end of expression\n");
	CHECK_INT(problems, 13);
}

TEST(rules_load_json_syntax_and_file_errors)
{
	struct fixture fx;
	int problems;

	CHECK_STR(load_one(&fx, "{\"rules\": [\n  {\"name\": \"a\",}\n]}", &problems),
	          "ERROR rules: r.json:2:16: string or '}' expected near '}'\n");
	CHECK_INT(problems, 1);
	CHECK_STR(load_one(&fx, "{\"rules\": [{\"name\": \"a\", \"name\": \"b\"}]}", &problems),
	          "ERROR rules: r.json:1:31: duplicate object key near '\"name\"'\n");
	CHECK_STR(load_one(&fx, " \n", &problems),
	          "ERROR rules: r.json: empty file; expected {\"rules\": [...]}\n");
	CHECK_STR(load_one(&fx, "[]", &problems),
	          "ERROR rules: r.json:1: expected {\"rules\": [...]}, not an array\n");
	CHECK_STR(load_one(&fx, "{\"rule\": []}", &problems),
	          "ERROR rules: r.json:1: unknown field 'rule'; did you mean 'rules'?\n"
	          "ERROR rules: r.json:1: missing 'rules': the list of rules\n");
	CHECK_STR(load_one(&fx, "{\"rules\": [\"x\"]}", &problems),
	          "ERROR rules: r.json:1: rules[0]: a rule must be an object, not a string\n");
	CHECK_INT(problems, 1);
}

TEST(rules_load_duplicate_names_across_files)
{
	struct fixture fx;
	struct ruleset rs;
	const char *rule = "{\"rules\": [\n{\"name\": \"p\", \"topic\": \"a\", \"target\": \"t\", "
	                   "\"table\": \"t\", \"key\": [\"id\"], \"columns\": {\"id\": \"1\"}}]}";

	fx_init(&fx);
	fx_file(&fx, "a.json", rule);
	fx_file(&fx, "b.json", rule);
	CHECK_INT(fx_load(&fx, &rs, NULL), 1);
	CHECK_STR(fx.out, "ERROR rules: b.json:2: rule 'p': name already used at a.json:2\n");
	CHECK_INT(rs.n, 0);
	CHECK(rs.rules == NULL);
	fx_done(&fx);
}

static bool shop_and_erp(void *arg, const char *name)
{
	(void)arg;
	return strcmp(name, "shop") == 0 || strcmp(name, "erp") == 0;
}

TEST(rules_load_checks_targets)
{
	struct fixture fx;
	struct ruleset rs;

	fx_init(&fx);
	fx_file(&fx, "r.json",
	        "{\"rules\": [\n"
	        "{\"name\": \"a\", \"topic\": \"x\", \"target\": \"shop\", \"table\": \"t\",\n"
	        " \"key\": [\"id\"], \"columns\": {\"id\": \"1\"}},\n"
	        "{\"name\": \"b\", \"topic\": \"x\", \"target\": \"shpo\", \"table\": \"t\",\n"
	        " \"key\": [\"id\"], \"columns\": {\"id\":\n"
	        "   \"lookup('crm', 't', 'k', after.id, 'r')\"}}]}");
	CHECK_INT(fx_load(&fx, &rs, shop_and_erp), 2);
	CHECK_STR(fx.out,
	          "ERROR rules: r.json:4: rule 'b': target 'shpo' is not configured (no "
	          "[target shpo]); did you mean 'shop'?\n"
	          "ERROR rules: r.json:5: rule 'b', column 'id': lookup target 'crm' is not "
	          "configured (no [target crm])\n");
	fx_done(&fx);
	/* Offline (no callback), targets are not checked. */
	fx_init(&fx);
	fx_file(&fx, "r.json",
	        "{\"rules\": [{\"name\": \"b\", \"topic\": \"x\", \"target\": \"nowhere\", "
	        "\"table\": \"t\", \"key\": [\"id\"], \"columns\": {\"id\": \"1\"}}]}");
	CHECK_INT(fx_load(&fx, &rs, NULL), 0);
	ruleset_free(&rs);
	fx_done(&fx);
}

TEST(rules_load_unreadable_file)
{
	struct ruleset rs;
	char path[] = "/nonexistent/rules.json", err[256];
	char *files[] = {path};

	log_open_file("/dev/null", err, sizeof(err));
	CHECK_INT(ruleset_load(&rs, files, 1, NULL, NULL), 1);
	log_open_file(NULL, err, sizeof(err));
	CHECK_INT(rs.n, 0);
}

/* ---- rule_eval ---- */

static const char rules_text[] =
    "{\"rules\": [\n"
    "{\"name\": \"up\", \"topic\": \"t\", \"target\": \"x\", \"table\": \"p\", \"key\": [\"id\"],\n"
    " \"columns\": {\"price\": \"after.price * 1.2\", \"id\": \"after.id\", \"doc\": \"after.doc\","
    "\n \"ok\": \"after.price > 10\"},\n"
    " \"where\": \"after.id <> 99\"},\n"
    "{\"name\": \"soft\", \"topic\": \"t\", \"target\": \"x\", \"table\": \"p\", \"key\": "
    "[\"id\"],\n"
    " \"columns\": {\"id\": \"after.id\", \"name\": \"after.name\"},\n"
    " \"delete\": {\"soft\": {\"gone\": \"true\", \"was\": \"after.name\"}}},\n"
    "{\"name\": \"ign\", \"topic\": \"t\", \"target\": \"x\", \"table\": \"p\", \"key\": "
    "[\"id\"],\n"
    " \"columns\": {\"id\": \"after.id\"}, \"delete\": \"ignore\"},\n"
    "{\"name\": \"log\", \"topic\": \"t\", \"target\": \"x\", \"table\": \"l\", \"mode\": "
    "\"insert\",\n"
    " \"columns\": {\"op\": \"op\", \"id\": \"after.id\"}}\n"
    "]}\n";

/* Renders OP: "upsert id=7 | price=23.88 doc=null*" (* unchanged), or the error. */
static void render(struct expr_ctx *ctx, const struct rowop *op, char *out, size_t size)
{
	static const char *const kinds[] = {"skip", "upsert", "insert", "delete", "update"};
	size_t used = (size_t)snprintf(out, size, "%s", kinds[op->kind]);

	for (int i = 0; i < op->n && used < size; i++) {
		const char *v = val_to_param(ctx, &op->vals[i], "true", "false");

		used += (size_t)snprintf(out + used, size - used, "%s %s=%s%s",
		                         i == op->nkey && i ? " |" : "", op->cols[i],
		                         v ? v : "null", op->unchanged[i] ? "*" : "");
	}
}

/* What the rule named NAME of RS makes of the event VALUE (JSON, or NULL: a tombstone). */
static const char *eval(const struct ruleset *rs, const char *name, const char *value)
{
	static char out[512];
	struct expr_ctx ctx = {0};
	struct rowop op = {0};
	struct event ev;
	char err[256];
	int i;

	for (i = 0; i < rs->n && strcmp(rs->rules[i].name, name) != 0; i++)
		;
	if (i == rs->n)
		return "no such rule";
	if (event_parse(&ev, NULL, 0, value, value ? strlen(value) : 0, err, sizeof(err)) < 0) {
		snprintf(out, sizeof(out), "bad event: %s", err);
		return out;
	}
	ctx.payload = ev.payload;
	ctx.topic = "t";
	if (rule_eval(&rs->rules[i], &ev, &ctx, &op, err, sizeof(err)) < 0)
		snprintf(out, sizeof(out), "error: %s", err);
	else
		render(&ctx, &op, out, sizeof(out));
	rowop_release(&op);
	expr_ctx_release(&ctx);
	event_release(&ev);
	return out;
}

static int load_eval_rules(struct fixture *fx, struct ruleset *rs)
{
	fx_init(fx);
	fx_file(fx, "r.json", rules_text);
	return fx_load(fx, rs, NULL);
}

#define ROW(op, extra)                                                                             \
	"{\"op\": \"" op "\", \"before\": {\"id\": 7, \"name\": \"old\", \"price\": \"5\"},"       \
	" \"after\": {\"id\": 7, \"name\": \"new\", \"price\": \"19.90\"}" extra "}"

TEST(rule_eval_upsert_and_unchanged)
{
	struct fixture fx;
	struct ruleset rs;

	CHECK_INT(load_eval_rules(&fx, &rs), 0);
	CHECK_STR(eval(&rs, "up", ROW("u", ", \"unchanged\": [\"doc\"]")),
	          "upsert id=7 | price=23.88 doc=null* ok=true");
	CHECK_STR(eval(&rs, "up", ROW("c", "")), "upsert id=7 | price=23.88 doc=null ok=true");
	CHECK_STR(eval(&rs, "up", ROW("r", "")), "upsert id=7 | price=23.88 doc=null ok=true");
	/* A delete reads the row as it was: "after" paths read "before". */
	CHECK_STR(eval(&rs, "up", ROW("d", "")), "delete id=7");
	CHECK_STR(eval(&rs, "up", "{\"op\": \"u\", \"after\": {\"id\": 99}}"), "skip");
	CHECK_STR(eval(&rs, "up", "{\"op\": \"u\", \"after\": {\"price\": 1}}"),
	          "skip"); /* a null "where" is not true */
	CHECK_STR(eval(&rs, "up", "{\"op\": \"t\"}"), "skip");
	CHECK_STR(eval(&rs, "up", "{\"op\": \"m\"}"), "skip");
	CHECK_STR(eval(&rs, "up", NULL), "skip");
	ruleset_free(&rs);
	fx_done(&fx);
}

TEST(rule_eval_delete_modes)
{
	struct fixture fx;
	struct ruleset rs;

	CHECK_INT(load_eval_rules(&fx, &rs), 0);
	CHECK_STR(eval(&rs, "soft", ROW("d", "")), "update id=7 | gone=true was=old");
	CHECK_STR(eval(&rs, "soft", ROW("u", "")), "upsert id=7 | name=new");
	CHECK_STR(eval(&rs, "ign", ROW("d", "")), "skip");
	CHECK_STR(eval(&rs, "ign", ROW("c", "")), "upsert id=7");
	CHECK_STR(eval(&rs, "log", ROW("c", "")), "insert op=c id=7");
	CHECK_STR(eval(&rs, "log", ROW("d", "")), "insert op=d id=7");
	CHECK_STR(eval(&rs, "log", "{\"op\": \"c\", \"after\": {}}"), "insert op=c id=null");
	ruleset_free(&rs);
	fx_done(&fx);
}

static const char http_rules[] =
    "{\"rules\": [{\"name\": \"c\", \"topic\": \"t\", \"target\": \"x\", \"http\": {\n"
    " \"create\": {\"method\": \"post\", \"path\": \"/c/{after.email}\",\n"
    "            \"body\": {\"p\": \"number(after.price) * 1.2\", \"a\": [\"'x'\", \"null\", "
    "true],\n"
    "                     \"o\": {\"n\": \"after.name\"}}},\n"
    " \"update\": {\"method\": \"PUT\", \"path\": \"/c/{remote_id}/{{v}}\"},\n"
    " \"id_from\": \"/id\"}}]}\n";

/* What HTTP rule "c" makes of VALUE with KEY: "upsert key | METHOD PATH BODY | ..." (the
 * remote id shown as #), or the error. */
static const char *eval_http(const struct ruleset *rs, const char *key, const char *value)
{
	static char out[1024];
	struct expr_ctx ctx = {0};
	struct rowop op = {0};
	struct event ev;
	char err[256];
	size_t used;

	if (event_parse(&ev, key, key ? strlen(key) : 0, value, strlen(value), err, sizeof(err)) <
	    0)
		return "bad event";
	ctx.payload = ev.payload;
	ctx.key = ev.key;
	if (rule_eval(&rs->rules[0], &ev, &ctx, &op, err, sizeof(err)) < 0) {
		snprintf(out, sizeof(out), "error: %s", err);
	} else {
		used = (size_t)snprintf(out, sizeof(out), "%s %s %s",
		                        op.kind == ROWOP_SKIP     ? "skip"
		                        : op.kind == ROWOP_DELETE ? "delete"
		                                                  : "upsert",
		                        op.keytext ? op.keytext : "-",
		                        op.position ? op.position : "-");
		for (int k = 0; k < HTTP_NKINDS && used < sizeof(out); k++)
			if (op.req[k].method)
				used += (size_t)snprintf(
				    out + used, sizeof(out) - used, " | %s %s %s", op.req[k].method,
				    op.req[k].path, op.req[k].body ? op.req[k].body : "-");
		for (char *p = out; *p; p++)
			*p = *p == ROWOP_REMOTE_ID ? '#' : *p;
	}
	rowop_release(&op);
	expr_ctx_release(&ctx);
	event_release(&ev);
	return out;
}

TEST(rule_eval_http_requests)
{
	struct fixture fx;
	struct ruleset rs;

	fx_init(&fx);
	fx_file(&fx, "r.json", http_rules);
	CHECK_INT(fx_load(&fx, &rs, NULL), 0);
	CHECK_STR(
	    eval_http(&rs, "{\"z\":1,\"a\":2}",
	              "{\"op\": \"c\", \"after\": {\"email\": \"a b/é@x\", \"price\": \"19.90\","
	              " \"name\": \"N\\\"\"}, \"source\": {\"version\": \"9\", \"seq\": 5}}"),
	    "upsert {\"a\":2,\"z\":1} {\"op\":\"c\",\"source\":{\"seq\":5}}"
	    " | POST /c/a%20b%2F%C3%A9%40x "
	    "{\"p\":23.88,\"a\":[\"x\",null,true],\"o\":{\"n\":\"N\\\"\"}}"
	    " | PUT /c/#/{v} -");
	/* No position field in source: no position; a null in a path is an error. */
	CHECK_STR(eval_http(&rs, "{\"id\":1}",
	                    "{\"op\": \"u\", \"after\": {}, \"source\": {\"table\": \"t\"}}"),
	          "error: http.create path: {after.email} is null");
	CHECK_STR(eval_http(&rs, "{\"id\":1}", "{\"op\": \"d\", \"before\": {\"email\": \"e\"}}"),
	          "skip - -");
	CHECK_STR(eval_http(&rs, NULL, "{\"op\": \"c\", \"after\": {\"email\": \"e\"}}"),
	          "error: the change has no key: an HTTP rule needs one to address and order its "
	          "requests");
	ruleset_free(&rs);
	fx_done(&fx);
}

TEST(rule_eval_errors_name_the_column)
{
	struct fixture fx;
	struct ruleset rs;

	CHECK_INT(load_eval_rules(&fx, &rs), 0);
	CHECK_STR(eval(&rs, "up", "{\"op\": \"c\", \"after\": {\"id\": 1, \"price\": \"abc\"}}"),
	          "error: column 'price': column 1: cannot use 'abc' as a number");
	CHECK_STR(eval(&rs, "up", "{\"op\": \"c\", \"after\": {\"id\": null, \"price\": 1}}"),
	          "skip"); /* where: null <> 99 is null */
	CHECK_STR(eval(&rs, "soft", "{\"op\": \"c\", \"after\": {\"name\": \"x\"}}"),
	          "error: key column 'id' is null");
	CHECK_STR(eval(&rs, "soft", "{\"op\": \"d\", \"before\": null}"),
	          "error: key column 'id' is null");
	ruleset_free(&rs);
	fx_done(&fx);
}

/* ---- the schema and the examples ---- */

#define SCHEMA_PATH "schemas/rules.schema.json"

/* Checks that every member of OBJ is a property of the schema definition DEF. */
static bool declared(json_t *obj, json_t *def, const char *where)
{
	json_t *props = json_object_get(def, "properties"), *v;
	const char *key;
	bool ok = true;

	json_object_foreach(obj, key, v)
	{
		if (!json_object_get(props, key)) {
			fprintf(stderr, "  %s: '%s' is not in %s\n", where, key, SCHEMA_PATH);
			ok = false;
		}
	}
	return ok;
}

/* True when the loader knows every field in PROPS (wrong values, but no "unknown field"). */
static bool schema_fields_known(json_t *props, bool *unit_failed)
{
	const char *key;
	json_t *v;
	bool ok = true;

	json_object_foreach(props, key, v)
	{
		struct fixture fx;
		struct ruleset rs;
		json_t *doc = json_pack("{s[{sssi}]}", "rules", "name", "x", key, 12345);
		char *text = json_dumps(doc, 0);

		fx_init(&fx);
		fx_file(&fx, "r.json", text);
		CHECK(fx_load(&fx, &rs, NULL) > 0);
		if (strstr(fx.out, "unknown field")) {
			fprintf(stderr, "  the loader does not know '%s'\n", key);
			ok = false;
		}
		fx_done(&fx);
		free(text);
		json_decref(doc);
	}
	return ok;
}

TEST(rules_examples_load_and_match_the_schema)
{
	json_t *schema = json_load_file(SCHEMA_PATH, 0, NULL);
	json_t *rule_def = json_object_get(json_object_get(schema, "$defs"), "rule");
	char path[] = "rules/examples/erp-to-shop.json";
	char *files[] = {path};
	json_t *doc = json_load_file(path, 0, NULL), *r;
	struct ruleset rs;
	size_t i;

	CHECK(schema != NULL && rule_def != NULL && doc != NULL);
	CHECK(declared(doc, schema, path));
	json_array_foreach(json_object_get(doc, "rules"), i, r) CHECK(declared(r, rule_def, path));
	CHECK(json_object_size(json_object_get(rule_def, "properties")) > 0);
	CHECK(schema_fields_known(json_object_get(rule_def, "properties"), unit_failed));
	CHECK_INT(ruleset_load(&rs, files, 1, NULL, NULL), 0);
	CHECK_INT(rs.n, 3);
	ruleset_free(&rs);
	json_decref(doc);
	/* The HTTP example, and the fields of an HTTP rule's "http". */
	char http_path[] = "rules/examples/shop-to-crm.json";
	files[0] = http_path;
	doc = json_load_file(http_path, 0, NULL);
	CHECK(doc != NULL && declared(doc, schema, http_path));
	json_array_foreach(json_object_get(doc, "rules"), i, r)
	    CHECK(declared(r, rule_def, http_path));
	CHECK_INT(ruleset_load(&rs, files, 1, NULL, NULL), 0);
	CHECK_INT(rs.n, 2);
	CHECK(rs.n == 2 && rs.rules[1].http && rs.rules[1].http->call[HTTP_UPDATE].method);
	ruleset_free(&rs);
	json_decref(doc);
	json_decref(schema);
}
