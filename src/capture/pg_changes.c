/* pg_changes: turns decoded pgoutput messages into published change events. */
#include "capture/pg_source.h"
#include "core/envelope.h"
#include "core/log.h"

#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Microseconds between the Unix epoch and PostgreSQL's (2000-01-01). */
#define PG_EPOCH_OFFSET_US 946684800000000LL
#define HEARTBEAT_PREFIX   "spoke_heartbeat"

static void table_release(struct pg_table *t)
{
	free(t->schema);
	free(t->name);
	free(t->topic);
	free(t->key_cols);
	free(t->actions);
	memset(t, 0, sizeof(*t));
}

void pg_changes_reset(struct pg_source *src)
{
	for (size_t i = 0; i < src->ntables; i++)
		table_release(&src->tables[i]);
	src->ntables = 0;
}

void pg_changes_free(struct pg_source *src)
{
	pg_changes_reset(src);
	free(src->tables);
	src->tables = NULL;
}

static struct pg_table *find_table(struct pg_source *src, uint32_t oid)
{
	for (size_t i = 0; i < src->ntables; i++)
		if (src->tables[i].oid == oid)
			return &src->tables[i];
	return NULL;
}

/* Returns the (emptied) entry for OID, adding one when needed. */
static struct pg_table *table_slot(struct pg_source *src, uint32_t oid)
{
	struct pg_table *t = find_table(src, oid), *grown;

	if (t) {
		/* a Relation message may come mid-transaction: its event counts carry on */
		uint64_t gen = t->gen, count = t->count;

		table_release(t);
		t->gen = gen;
		t->count = count;
		return t;
	}
	grown = realloc(src->tables, (src->ntables + 1) * sizeof(*grown));
	if (!grown)
		return NULL;
	src->tables = grown;
	t = &grown[src->ntables++];
	memset(t, 0, sizeof(*t));
	return t;
}

/* Picks the key columns: the primary key, else the replica identity columns. */
static int choose_key(struct pg_source *src, struct pg_table *t, const char *const *names,
                      const bool *flagged, char *err, size_t errlen)
{
	char **pk = NULL;
	int npk = 0, rc = 0;

	if (pgcat_primary_key(src->meta, t->oid, &pk, &npk, err, errlen) < 0)
		return -1;
	t->key_cols = calloc((size_t)t->ncols + 1, sizeof(int));
	if (!t->key_cols)
		rc = -1;
	for (int c = 0; rc == 0 && c < t->ncols; c++) {
		bool in_pk = false;

		for (int k = 0; k < npk; k++)
			in_pk = in_pk || strcmp(pk[k], names[c]) == 0;
		if (npk ? in_pk : flagged && flagged[c])
			t->key_cols[t->nkey++] = c;
	}
	for (int k = 0; k < npk; k++)
		free(pk[k]);
	free(pk);
	if (rc < 0)
		snprintf(err, errlen, "out of memory");
	return rc;
}

struct pg_table *pg_table_build(struct pg_source *src, uint32_t oid, const char *schema,
                                const char *table, const char *const *names, const bool *flagged,
                                int ncols, char *err, size_t errlen)
{
	struct pg_table *t = table_slot(src, oid);

	if (!t) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	t->oid = oid;
	t->ncols = ncols;
	t->schema = strdup(schema);
	t->name = strdup(table);
	publisher_topic(src->pub, schema, table, &src->topic);
	t->topic = strdup(src->topic.data);
	t->actions = calloc((size_t)ncols + 1, sizeof(*t->actions));
	if (!t->schema || !t->name || !t->topic || !t->actions) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	for (int c = 0; c < ncols; c++)
		t->actions[c] = colfilter_action(src->filter, schema, table, names[c]);
	if (choose_key(src, t, names, flagged, err, errlen) < 0)
		return NULL;
	return t;
}

static int on_relation(void *arg, const struct pgo_relation *rel, char *err, size_t errlen)
{
	struct pg_source *src = arg;
	const char **names = calloc((size_t)rel->ncols + 1, sizeof(*names));
	bool *flagged = calloc((size_t)rel->ncols + 1, sizeof(*flagged));
	struct pg_table *t = NULL;

	for (int c = 0; names && flagged && c < rel->ncols; c++) {
		names[c] = rel->cols[c].name;
		flagged[c] = rel->cols[c].key;
	}
	if (names && flagged)
		t = pg_table_build(src, rel->oid, rel->schema, rel->name, names, flagged,
		                   rel->ncols, err, errlen);
	else
		snprintf(err, errlen, "out of memory");
	free(names);
	free(flagged);
	if (!t)
		return -1;
	log_sdebug("capture", src->name, "relation %s.%s: %d columns", rel->schema, rel->name,
	           rel->ncols);
	return 0;
}

/* Appends one column value as JSON (masked when the filter says so). */
static int render_value(struct pg_source *src, const struct pg_table *t,
                        const struct pgo_relation *rel, int c, const struct pgo_value *v,
                        struct buf *out, char *err, size_t errlen)
{
	char why[256];

	if (v->kind == PGO_NULL) {
		buf_adds(out, "null");
		return 0;
	}
	if (t->actions[c] == COL_SHA256 || t->actions[c] == COL_REDACT) {
		colfilter_mask(t->actions[c], v->data, v->len, out);
		return 0;
	}
	if (pgtypes_append_json(src->types, out, rel->cols[c].type_oid, v->data, v->len, why,
	                        sizeof(why)) < 0) {
		snprintf(err, errlen, "table %s.%s column %s: %s", t->schema, t->name,
		         rel->cols[c].name, why);
		return -1;
	}
	return 0;
}

/* The value of column C: from TUP, or from FILL when TUP has it as unchanged TOAST. */
static const struct pgo_value *value_of(const struct pgo_tuple *tup, const struct pgo_tuple *fill,
                                        int c)
{
	const struct pgo_value *v = c < tup->ncols ? &tup->vals[c] : NULL;

	if ((!v || v->kind == PGO_UNCHANGED) && fill && c < fill->ncols &&
	    fill->vals[c].kind != PGO_UNCHANGED)
		return &fill->vals[c];
	return v;
}

/*
 * Writes TUP as a JSON object into OUT. Excluded columns are left out; unchanged TOAST values
 * (not filled from FILL) are left out and named in UNCHANGED (a JSON array, when not NULL).
 * KEYS_ONLY writes only the replica identity columns (an old key tuple).
 */
static int render_tuple(struct pg_source *src, const struct pg_table *t,
                        const struct pgo_relation *rel, const struct pgo_tuple *tup,
                        const struct pgo_tuple *fill, bool keys_only, struct buf *out,
                        struct buf *unchanged, char *err, size_t errlen)
{
	bool first = true;

	buf_reset(out);
	buf_addc(out, '{');
	for (int c = 0; c < rel->ncols && c < t->ncols; c++) {
		const struct pgo_value *v = value_of(tup, fill, c);

		if (t->actions[c] == COL_EXCLUDE || (keys_only && !rel->cols[c].key) || !v)
			continue;
		if (v->kind == PGO_UNCHANGED) {
			if (unchanged) {
				buf_addc(unchanged, unchanged->len > 1 ? ',' : '[');
				buf_add_json_string(unchanged, rel->cols[c].name,
				                    strlen(rel->cols[c].name));
			}
			continue;
		}
		if (!first)
			buf_addc(out, ',');
		first = false;
		buf_add_json_string(out, rel->cols[c].name, strlen(rel->cols[c].name));
		buf_addc(out, ':');
		if (render_value(src, t, rel, c, v, out, err, errlen) < 0)
			return -1;
	}
	buf_addc(out, '}');
	return 0;
}

/* Writes the message key {"pk":value,...} of TUP; an empty OUT means the table has no key. */
static int render_key(struct pg_source *src, const struct pg_table *t,
                      const struct pgo_relation *rel, const struct pgo_tuple *tup,
                      const struct pgo_tuple *fill, struct buf *out, char *err, size_t errlen)
{
	buf_reset(out);
	for (int k = 0; k < t->nkey; k++) {
		int c = t->key_cols[k];
		const struct pgo_value *v = value_of(tup, fill, c);

		if (!v || v->kind == PGO_UNCHANGED) {
			snprintf(err, errlen,
			         "table %s.%s: key column %s has no value in the change", t->schema,
			         t->name, rel->cols[c].name);
			return -1;
		}
		buf_addc(out, k ? ',' : '{');
		buf_add_json_string(out, rel->cols[c].name, strlen(rel->cols[c].name));
		buf_addc(out, ':');
		if (render_value(src, t, rel, c, v, out, err, errlen) < 0)
			return -1;
	}
	if (t->nkey)
		buf_addc(out, '}');
	return 0;
}

int pg_publish(struct pg_source *src, uint64_t ticket, struct pg_table *t, const char *key,
               const char *value, char op, char *err, size_t errlen)
{
	size_t keylen = key ? strlen(key) : 0;
	char why[512];

	if (publisher_send(src->pub, ticket, t->topic, op, keylen ? key : NULL, keylen, value,
	                   strlen(value), why, sizeof(why)) < 0 ||
	    (op == 'd' && src->tombstones &&
	     publisher_send(src->pub, ticket, t->topic, 0, keylen ? key : NULL, keylen, NULL, 0,
	                    why, sizeof(why)) < 0)) {
		snprintf(err, errlen, "table %s.%s key %s: %s", t->schema, t->name,
		         keylen ? key : "(none)", why);
		return -1;
	}
	return 0;
}

/* Sends the transaction topic's BEGIN record before the transaction's first event. */
static int send_tx_begin(struct pg_source *src, char *err, size_t errlen)
{
	struct pg_txn *x = &src->txn;

	if (!src->tx_topic || x->begin_sent)
		return 0;
	x->begin_sent = true;
	buf_reset(&src->value);
	buf_addf(&src->value,
	         "{\"status\":\"BEGIN\",\"id\":\"%s\",\"event_count\":null,"
	         "\"data_collections\":null,\"ts_ms\":%lld}",
	         x->id, (long long)x->ts_ms);
	buf_reset(&src->old_key);
	buf_addf(&src->old_key, "{\"id\":\"%s\"}", x->id);
	return publisher_send(src->pub, x->ticket, publisher_tx_topic(src->pub), 0,
	                      src->old_key.data, src->old_key.len, src->value.data, src->value.len,
	                      err, errlen);
}

/* Sends the END record: the event count, in all and per table. */
static int send_tx_end(struct pg_source *src, char *err, size_t errlen)
{
	struct pg_txn *x = &src->txn;
	bool first = true;

	if (!src->tx_topic || !x->begin_sent)
		return 0;
	buf_reset(&src->value);
	buf_addf(&src->value, "{\"status\":\"END\",\"id\":\"%s\",\"event_count\":%llu,", x->id,
	         (unsigned long long)x->total);
	buf_adds(&src->value, "\"data_collections\":[");
	for (size_t i = 0; i < src->ntables; i++) {
		const struct pg_table *t = &src->tables[i];

		if (t->gen != x->gen || !t->count)
			continue;
		buf_addf(&src->value, "%s{\"data_collection\":\"%s.%s\",\"event_count\":%llu}",
		         first ? "" : ",", t->schema, t->name, (unsigned long long)t->count);
		first = false;
	}
	buf_addf(&src->value, "],\"ts_ms\":%lld}", (long long)x->ts_ms);
	buf_reset(&src->old_key);
	buf_addf(&src->old_key, "{\"id\":\"%s\"}", x->id);
	return publisher_send(src->pub, x->ticket, publisher_tx_topic(src->pub), 0,
	                      src->old_key.data, src->old_key.len, src->value.data, src->value.len,
	                      err, errlen);
}

/*
 * Publishes one event of the current transaction: BEFORE/AFTER are JSON objects or NULL,
 * UNCHANGED a JSON array or NULL, KEY the message key (empty: none).
 */
static int emit(struct pg_source *src, struct pg_table *t, char op, const char *before,
                const char *after, const char *unchanged, const struct buf *key, char *err,
                size_t errlen)
{
	struct pg_txn *x = &src->txn;
	struct envelope e;

	if (send_tx_begin(src, err, errlen) < 0)
		return -1;
	if (t->gen != x->gen) {
		t->gen = x->gen;
		t->count = 0;
	}
	memset(&e, 0, sizeof(e));
	e.op = op;
	e.before = before;
	e.after = after;
	e.unchanged = unchanged;
	e.source = (struct envelope_source){
	    "postgresql",     src->name, x->ts_ms, "false", PQdb(src->meta),
	    t->schema,        t->name,   x->xid,   true,    src->msg_lsn,
	    src->prev_commit, false,     0};
	e.ts_ms = envelope_now_ms();
	e.tx_block_id = x->id;
	e.total_order = ++x->total;
	e.data_collection_order = ++t->count;
	buf_reset(&src->value);
	envelope_write(&src->value, &e);
	if (!buf_ok(&src->value)) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	return pg_publish(src, x->ticket, t, key->len ? key->data : NULL, src->value.data, op, err,
	                  errlen);
}

/* The table of REL for a change, or an error when the relation was never described. */
static struct pg_table *change_table(struct pg_source *src, const struct pgo_relation *rel,
                                     char *err, size_t errlen)
{
	struct pg_table *t = find_table(src, rel->oid);

	if (!t)
		snprintf(err, errlen, "change for %s.%s before its Relation message", rel->schema,
		         rel->name);
	return t;
}

/* Closes the unchanged list into a JSON array, or returns NULL when it is empty. */
static const char *unchanged_json(struct buf *u)
{
	if (!u->len)
		return NULL;
	buf_addc(u, ']');
	return u->data;
}

static int on_insert(void *arg, const struct pgo_relation *rel, const struct pgo_tuple *newtup,
                     char *err, size_t errlen)
{
	struct pg_source *src = arg;
	struct pg_table *t = change_table(src, rel, err, errlen);

	if (!t)
		return -1;
	if (src->txn.skip)
		return 0;
	buf_reset(&src->unchanged);
	if (render_tuple(src, t, rel, newtup, NULL, false, &src->after, &src->unchanged, err,
	                 errlen) < 0 ||
	    render_key(src, t, rel, newtup, NULL, &src->key, err, errlen) < 0)
		return -1;
	return emit(src, t, 'c', NULL, src->after.data, unchanged_json(&src->unchanged), &src->key,
	            err, errlen);
}

/* True when the key columns of OLD and NEW differ (a primary-key change). */
static bool key_changed(const struct pg_table *t, const struct pgo_tuple *old,
                        const struct pgo_tuple *newtup)
{
	for (int k = 0; k < t->nkey; k++) {
		int c = t->key_cols[k];
		const struct pgo_value *a = &old->vals[c], *b = &newtup->vals[c];

		if (a->kind == PGO_UNCHANGED || b->kind == PGO_UNCHANGED)
			continue;
		if (a->kind != b->kind || a->len != b->len || memcmp(a->data, b->data, a->len) != 0)
			return true;
	}
	return false;
}

/*
 * A key-only old row ('K') carries the replica identity columns. When they are not the message
 * key's columns (REPLICA IDENTITY USING INDEX on another index than the primary key) the key of
 * the delete is unknown: stop with the fix rather than publish a wrong key.
 */
static int old_key_check(const struct pg_table *t, const struct pgo_relation *rel, char oldkind,
                         char *err, size_t errlen)
{
	for (int k = 0; oldkind == 'K' && k < t->nkey; k++) {
		if (!rel->cols[t->key_cols[k]].key) {
			snprintf(
			    err, errlen,
			    "table %s.%s: its old rows carry the replica identity index, not the "
			    "primary key (%s), so deletes and key changes cannot be keyed: run "
			    "ALTER TABLE %s.%s REPLICA IDENTITY DEFAULT (or FULL)",
			    t->schema, t->name, rel->cols[t->key_cols[k]].name, t->schema, t->name);
			return -1;
		}
	}
	return 0;
}

/* An update that changed the key: a delete of the old key (and its tombstone), a create. */
static int emit_key_change(struct pg_source *src, struct pg_table *t,
                           const struct pgo_relation *rel, const struct pgo_tuple *old,
                           char oldkind, const struct pgo_tuple *newtup, char *err, size_t errlen)
{
	if (render_tuple(src, t, rel, old, NULL, oldkind == 'K', &src->before, NULL, err, errlen) <
	        0 ||
	    render_key(src, t, rel, old, NULL, &src->old_key, err, errlen) < 0 ||
	    emit(src, t, 'd', src->before.data, NULL, NULL, &src->old_key, err, errlen) < 0)
		return -1;
	buf_reset(&src->unchanged);
	if (render_tuple(src, t, rel, newtup, oldkind == 'O' ? old : NULL, false, &src->after,
	                 &src->unchanged, err, errlen) < 0 ||
	    render_key(src, t, rel, newtup, old, &src->key, err, errlen) < 0)
		return -1;
	return emit(src, t, 'c', NULL, src->after.data, unchanged_json(&src->unchanged), &src->key,
	            err, errlen);
}

static int on_update(void *arg, const struct pgo_relation *rel, const struct pgo_tuple *old,
                     char oldkind, const struct pgo_tuple *newtup, char *err, size_t errlen)
{
	struct pg_source *src = arg;
	struct pg_table *t = change_table(src, rel, err, errlen);
	const struct pgo_tuple *fill = oldkind == 'O' ? old : NULL;

	if (!t)
		return -1;
	if (src->txn.skip)
		return 0;
	if (old && old_key_check(t, rel, oldkind, err, errlen) < 0)
		return -1;
	if (old && key_changed(t, old, newtup))
		return emit_key_change(src, t, rel, old, oldkind, newtup, err, errlen);
	buf_reset(&src->unchanged);
	if ((fill &&
	     render_tuple(src, t, rel, old, NULL, false, &src->before, NULL, err, errlen) < 0) ||
	    render_tuple(src, t, rel, newtup, fill, false, &src->after, &src->unchanged, err,
	                 errlen) < 0 ||
	    render_key(src, t, rel, newtup, old, &src->key, err, errlen) < 0)
		return -1;
	return emit(src, t, 'u', fill ? src->before.data : NULL, src->after.data,
	            unchanged_json(&src->unchanged), &src->key, err, errlen);
}

static int on_delete(void *arg, const struct pgo_relation *rel, const struct pgo_tuple *old,
                     char oldkind, char *err, size_t errlen)
{
	struct pg_source *src = arg;
	struct pg_table *t = change_table(src, rel, err, errlen);

	if (!t)
		return -1;
	if (src->txn.skip)
		return 0;
	if (!old) {
		snprintf(err, errlen,
		         "delete on %s.%s carries no old row: give the table a primary key or "
		         "REPLICA IDENTITY FULL",
		         t->schema, t->name);
		return -1;
	}
	if (old_key_check(t, rel, oldkind, err, errlen) < 0 ||
	    render_tuple(src, t, rel, old, NULL, oldkind == 'K', &src->before, NULL, err, errlen) <
	        0 ||
	    render_key(src, t, rel, old, NULL, &src->key, err, errlen) < 0)
		return -1;
	return emit(src, t, 'd', src->before.data, NULL, NULL, &src->key, err, errlen);
}

static int on_truncate(void *arg, int nrels, const struct pgo_relation *const *rels,
                       uint8_t options, char *err, size_t errlen)
{
	struct pg_source *src = arg;

	(void)options;
	if (src->txn.skip)
		return 0;
	buf_reset(&src->key);
	for (int i = 0; i < nrels; i++) {
		struct pg_table *t = change_table(src, rels[i], err, errlen);

		if (!t || emit(src, t, 't', NULL, NULL, NULL, &src->key, err, errlen) < 0)
			return -1;
	}
	return 0;
}

static void txn_open(struct pg_source *src, uint64_t final_lsn, int64_t ts_ms, uint32_t xid)
{
	struct pg_txn *x = &src->txn;

	x->open = true;
	x->skip = false;
	x->ticket = publisher_begin(src->pub);
	x->final_lsn = final_lsn;
	x->ts_ms = ts_ms;
	x->xid = xid;
	x->total = 0;
	x->gen++;
	x->begin_sent = false;
	snprintf(x->id, sizeof(x->id), "%u:%llu", xid, (unsigned long long)final_lsn);
}

static int on_begin(void *arg, uint64_t final_lsn, int64_t commit_ts, uint32_t xid, char *err,
                    size_t errlen)
{
	struct pg_source *src = arg;

	if (src->txn.open) {
		snprintf(err, errlen, "Begin inside an open transaction");
		return -1;
	}
	txn_open(src, final_lsn, (commit_ts + PG_EPOCH_OFFSET_US) / 1000, xid);
	log_sdebug("capture", src->name, "transaction %u (commit at " LSN_FMT ") begins", xid,
	           LSN_ARGS(final_lsn));
	return 0;
}

static int on_commit(void *arg, uint64_t commit_lsn, uint64_t end_lsn, int64_t commit_ts, char *err,
                     size_t errlen)
{
	struct pg_source *src = arg;

	(void)commit_ts; /* the same as Begin's, kept in ms in txn.ts_ms */
	if (!src->txn.open) {
		snprintf(err, errlen, "Commit without Begin");
		return -1;
	}
	if (send_tx_end(src, err, errlen) < 0)
		return -1;
	publisher_end(src->pub, src->txn.ticket, end_lsn);
	publisher_source_time(src->pub, src->txn.ts_ms);
	src->txn.open = false;
	src->prev_commit = commit_lsn;
	return 0;
}

static int on_origin(void *arg, uint64_t origin_lsn, const char *name, char *err, size_t errlen)
{
	struct pg_source *src = arg;

	(void)origin_lsn;
	(void)err;
	(void)errlen;
	for (size_t i = 0; i < src->nskip; i++)
		if (fnmatch(src->skip_origins[i], name, 0) == 0)
			src->txn.skip = true;
	return 0;
}

/* A logical decoding message becomes an op "m" event on PREFIX.message. */
static int on_message(void *arg, uint64_t lsn, bool transactional, const char *prefix,
                      const char *content, uint32_t len, char *err, size_t errlen)
{
	struct pg_source *src = arg;
	bool standalone = !src->txn.open;
	struct pg_table t;
	struct envelope e;
	char empty[1] = "";
	int rc;

	if (strcmp(prefix, HEARTBEAT_PREFIX) == 0 || (transactional && src->txn.skip))
		return 0;
	if (standalone)
		txn_open(src, lsn, envelope_now_ms(), 0);
	memset(&t, 0, sizeof(t));
	buf_reset(&src->topic);
	buf_addf(&src->topic, "%s.message", publisher_prefix(src->pub));
	t.topic = src->topic.data;
	t.schema = t.name = empty;
	buf_reset(&src->after);
	buf_adds(&src->after, "{\"prefix\":");
	buf_add_json_string(&src->after, prefix, strlen(prefix));
	buf_adds(&src->after, ",\"content\":\"");
	buf_add_base64(&src->after, content, len);
	buf_adds(&src->after, "\"}");
	buf_reset(&src->key);
	buf_adds(&src->key, "{\"prefix\":");
	buf_add_json_string(&src->key, prefix, strlen(prefix));
	buf_addc(&src->key, '}');
	memset(&e, 0, sizeof(e));
	e.op = 'm';
	e.message = src->after.data;
	e.source = (struct envelope_source){"postgresql",
	                                    src->name,
	                                    src->txn.ts_ms,
	                                    "false",
	                                    PQdb(src->meta),
	                                    "",
	                                    "",
	                                    transactional ? (int64_t)src->txn.xid : -1,
	                                    true,
	                                    lsn,
	                                    src->prev_commit,
	                                    false,
	                                    0};
	e.ts_ms = envelope_now_ms();
	e.tx_block_id = transactional ? src->txn.id : NULL;
	e.total_order = transactional ? ++src->txn.total : 0;
	buf_reset(&src->value);
	envelope_write(&src->value, &e);
	rc = pg_publish(src, src->txn.ticket, &t, src->key.data, src->value.data, 'm', err, errlen);
	if (standalone) {
		publisher_end(src->pub, src->txn.ticket, lsn);
		src->txn.open = false;
	}
	return rc;
}

const struct pgo_callbacks pg_changes_callbacks = {
    .begin = on_begin,
    .commit = on_commit,
    .origin = on_origin,
    .relation = on_relation,
    .insert = on_insert,
    .update = on_update,
    .delete = on_delete,
    .truncate = on_truncate,
    .message = on_message,
};
