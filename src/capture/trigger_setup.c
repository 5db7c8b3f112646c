/* trigger_setup: the changelog table and triggers of a trigger source (setup, teardown, --print). */
#include "capture/capture.h"
#include "capture/trigger.h"
#include "core/log.h"
#include "core/statefile.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int trigger_split_table(const char *entry, char *schema, size_t slen, char *table, size_t tlen,
                        char *err, size_t errlen)
{
	const char *dot = strchr(entry, '.');

	if (!dot || dot == entry || !dot[1] || strchr(dot + 1, '.') || strcmp(dot + 1, "*") == 0) {
		snprintf(
		    err, errlen,
		    "tables entry '%s' must be database.table (trigger sources list each table)",
		    entry);
		return -1;
	}
	snprintf(schema, slen, "%.*s", (int)(dot - entry), entry);
	snprintf(table, tlen, "%s", dot + 1);
	return 0;
}

/* Runs the statements, or prints them (OUT) in a form the database's own client accepts. */
static int run_statements(struct trig_source *src, const struct stmt_list *l, FILE *out, char *err,
                          size_t errlen)
{
	bool mysql = strcmp(src->dialect->name, "mysql") == 0;
	bool mssql = strcmp(src->dialect->name, "sqlserver") == 0;

	for (size_t i = 0; i < l->n; i++) {
		if (out) {
			const char *s = l->stmts[i];
			size_t len = strlen(s);
			bool has_semi = len && s[len - 1] == ';';

			fprintf(out, "%s%s\n", s,
			        mysql      ? "\n$$"
			        : mssql    ? "\nGO"
			        : has_semi ? ""
			                   : ";");
			continue;
		}
		if (db_exec(src->db, l->stmts[i], err, errlen) < 0)
			return -1;
		log_sdebug("setup", src->name, "%s", l->stmts[i]);
	}
	return 0;
}

/* Refuses a trigger of ours' names that spoke did not make. */
static int on_trigger(void *arg, int ncols, const char *const *vals, const size_t *lens, char *err,
                      size_t errlen)
{
	(void)arg;
	(void)lens;
	if (ncols >= 2 && vals[0] && (!vals[1] || !strstr(vals[1], "spoke-managed"))) {
		snprintf(
		    err, errlen,
		    "trigger %s exists and was not made by spoke: rename or drop it, or capture "
		    "this table another way",
		    vals[0]);
		return -1;
	}
	return 0;
}

/* Appends the statements for one table: its triggers, replacing spoke's own older ones. */
static int table_statements(struct trig_source *src, const char *entry, bool create,
                            struct stmt_list *l, char *err, size_t errlen)
{
	char schema[256], table[256];
	const char *params[2] = {schema, table};
	struct trig_columns c;
	struct dialect_table t;
	bool has_key = false;
	int rc = -1;

	if (trigger_split_table(entry, schema, sizeof(schema), table, sizeof(table), err, errlen) <
	        0 ||
	    trigger_columns(src, schema, table, &c, err, errlen) < 0)
		return -1;
	for (int i = 0; i < c.n; i++)
		has_key = has_key || c.cols[i].key;
	if (c.n == 0)
		snprintf(err, errlen, "table %s does not exist", entry);
	else if (create && !has_key)
		snprintf(err, errlen,
		         "table %s has no primary key: its changes could not be told apart in "
		         "Kafka; add a primary key",
		         entry);
	else if (db_query(src->db, src->dialect->triggers_query, params, 2, on_trigger, NULL, err,
	                  errlen) == 0)
		rc = 0;
	if (rc == 0) {
		t = (struct dialect_table){schema, table, c.cols, c.n};
		src->dialect->drop_triggers(&t, l);
		if (create)
			src->dialect->create_triggers(&t, conf_str(src->sec, "changelog"), l);
	}
	trigger_columns_release(&c);
	return rc;
}

/*
 * Builds every statement of setup (CREATE) or teardown, checking tables first. *NEW_CHANGELOG
 * tells whether setup creates the changelog (it did not exist).
 */
static int build_statements(struct trig_source *src, bool create, struct stmt_list *l,
                            bool *new_changelog, char *err, size_t errlen)
{
	size_t n;
	char *const *tables = conf_list(src->sec, "tables", &n);
	bool changelog_exists;
	struct buf sql = BUF_INIT;
	char why[256];

	trigger_changelog_sql(src, src->dialect->max_seq_query, &sql);
	changelog_exists = db_query(src->db, sql.data, NULL, 0, NULL, NULL, why, sizeof(why)) == 0;
	buf_release(&sql);
	*new_changelog = create && !changelog_exists;
	if (*new_changelog)
		src->dialect->create_changelog(conf_str(src->sec, "changelog"), l);
	for (size_t i = 0; i < n; i++)
		if (table_statements(src, tables[i], create, l, err, errlen) < 0)
			return -1;
	if (!create && changelog_exists)
		src->dialect->drop_changelog(conf_str(src->sec, "changelog"), l);
	return 0;
}

static int setup_or_teardown(const struct config *cfg, const struct conf_section *sec, FILE *out,
                             bool create)
{
	struct trig_source src;
	struct stmt_list l = {NULL, 0};
	char err[1024] = "", name[128];
	const char *state_dir = conf_str(config_find(cfg, "spoke", NULL), "state_dir");
	bool started = false, new_changelog = false;
	char *old_state = NULL;
	int rc = -1;

	memset(&src, 0, sizeof(src));
	src.cfg = cfg;
	src.sec = sec;
	src.name = sec->name;
	src.connector = conf_str(sec, "type");
	snprintf(name, sizeof(name), "%s.trigger", sec->name);
	if (trigger_connect(&src, err, sizeof(err)) < 0 ||
	    build_statements(&src, create, &l, &new_changelog, err, sizeof(err)) < 0 ||
	    (new_changelog && statefile_read(state_dir, name, &old_state, err, sizeof(err)) < 0))
		goto out;
	if (out)
		fprintf(out, "-- spoke %s for source %s (%s dialect)%s\n",
		        create ? "setup" : "teardown", sec->name, src.dialect->name,
		        strcmp(src.dialect->name, "mysql") == 0 ? "\nDELIMITER $$" : "");
	/* a new changelog counts seq afresh: the checkpoint of an old one would skip its rows */
	if (out && old_state)
		fprintf(out, "-- the changelog is new: remove %s/%s before capture starts\n",
		        state_dir, name);
	started = !out;
	if (run_statements(&src, &l, out, err, sizeof(err)) < 0)
		goto out;
	if (out && strcmp(src.dialect->name, "mysql") == 0)
		fprintf(out, "DELIMITER ;\n");
	if (!out && (!create || old_state) &&
	    statefile_remove(state_dir, name, err, sizeof(err)) < 0)
		goto out;
	if (!out && old_state)
		log_swarn("setup", sec->name,
		          "the changelog is new: removed %s/%s, the checkpoint of the old one; "
		          "capture starts afresh",
		          state_dir, name);
	rc = 0;
	if (!out)
		log_sinfo(create ? "setup" : "teardown", sec->name,
		          "%s: changelog %s and triggers on %s", create ? "ready" : "removed",
		          conf_str(sec, "changelog"), conf_str(sec, "tables"));
out:
	if (rc < 0)
		log_serror(create ? "setup" : "teardown", sec->name, "%s%s", err,
		           started ? "" : "; nothing was changed");
	stmt_list_release(&l);
	db_close(src.db);
	free(old_state);
	return rc;
}

int trigger_setup(const struct config *cfg, const struct conf_section *sec, FILE *out)
{
	return setup_or_teardown(cfg, sec, out, true);
}

int trigger_teardown(const struct config *cfg, const struct conf_section *sec, FILE *out)
{
	return setup_or_teardown(cfg, sec, out, false);
}
