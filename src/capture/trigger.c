/* trigger: capture from a changelog table written by triggers (MariaDB/MySQL, any ODBC database). */
#include "capture/trigger.h"
#include "capture/capture.h"
#include "capture/jsoncheck.h"
#include "core/envelope.h"
#include "core/log.h"
#include "core/signals.h"
#include "core/statefile.h"

#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define GAP_FIRST_MS 10000 /* a gap open this long is reported, */
#define GAP_SAY_MS   30000 /* and again this often while it lasts */

#define BACKOFF_MAX_MS 30000
/*
 * Proofs run at most this often: MariaDB refreshes information_schema.innodb_trx only when it
 * has not been read for 100 ms, so polling it faster would keep reading a stale list.
 */
#define PROOF_INTERVAL_MS 500
/* How often the reader checks that the triggers are still there. */
#define TRIGGER_CHECK_MS 30000
/* After a purge failed (a lock held by an application's open transaction), the next try. */
#define PURGE_RETRY_MS 5000
/* While the reader is behind, delivered changelog rows are deleted every this many batches. */
#define PURGE_BATCHES 10

enum {
	COL_SEQ,
	COL_TX,
	COL_SCHEMA,
	COL_TABLE,
	COL_OP,
	COL_PK,
	COL_BEFORE,
	COL_AFTER,
	COL_AT,
	NCOLS
};

static void state_name(const struct trig_source *src, char *out, size_t outlen)
{
	snprintf(out, outlen, "%s.trigger", src->name);
}

int trigger_connect(struct trig_source *src, char *err, size_t errlen)
{
	const char *want =
	    strcmp(src->connector, "mysql") == 0 ? "mysql" : conf_str(src->sec, "dialect");

	src->db = db_open(src->sec, err, errlen);
	if (!src->db)
		return -1;
	src->dialect = strcmp(want, "auto") == 0 ? dialect_for_product(db_product(src->db))
	                                         : dialect_find(want);
	if (!src->dialect) {
		snprintf(err, errlen,
		         "no trigger dialect for database product '%s': set dialect = mysql, "
		         "postgresql, sqlite or sqlserver",
		         db_product(src->db));
		return -1;
	}
	if (src->dialect->reader_session &&
	    db_exec(src->db, src->dialect->reader_session, err, errlen) < 0)
		return -1;
	return 0;
}

/*
 * Checks that a changelog value is one JSON text and appends it compacted to OUT (NULL stays
 * NULL). A malformed row stops capture: it is never skipped.
 */
static const char *json_value(struct trig_source *src, const char *what, const char *text,
                              uint64_t seq, struct buf *out, char *err, size_t errlen)
{
	size_t at = 0;
	int ok;

	buf_reset(out);
	if (!text)
		return NULL;
	ok = jsoncheck_text(&src->jc, text, strlen(text), &at);
	if (ok == 1) {
		jsoncheck_append_compact(out, text, strlen(text));
		return out->data;
	}
	snprintf(err, errlen,
	         "changelog row seq %" PRIu64 ": %s is not valid JSON (at byte %zu); it was not "
	         "skipped: repair or delete the row, then restart",
	         seq, what, at);
	return NULL;
}

/* Replaces masked columns and drops excluded ones in the JSON object in OUT (in place). */
static int filter_columns(struct trig_source *src, const char *schema, const char *table,
                          struct buf *out, char *err, size_t errlen)
{
	json_error_t jerr;
	json_t *obj = out->len ? json_loadb(out->data, out->len, 0, &jerr) : NULL;
	const char *name;
	json_t *val;
	void *tmp;
	char *text;

	if (!obj || !json_is_object(obj)) {
		json_decref(obj);
		return 0;
	}
	json_object_foreach_safe(obj, tmp, name, val)
	{
		enum col_action a = colfilter_action(src->filter, schema, table, name);
		char *plain = json_is_string(val) ? NULL : json_dumps(val, JSON_ENCODE_ANY);
		const char *v = plain ? plain : json_string_value(val);

		if (a == COL_EXCLUDE) {
			json_object_del(obj, name);
		} else if (a != COL_KEEP && v) {
			buf_reset(&src->scratch);
			colfilter_mask(a, v, strlen(v), &src->scratch);
			json_object_set_new(
			    obj, name, json_stringn(src->scratch.data + 1, src->scratch.len - 2));
		}
		free(plain);
	}
	text = json_dumps(obj, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(obj);
	if (!text) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	buf_reset(out);
	buf_adds(out, text);
	free(text);
	return 0;
}

/* AT, the changelog row's UTC time ("2026-11-24 10:00:01.250000"), for the source's lag. */
static void note_change_time(struct trig_source *src, const char *at)
{
	struct tm tm = {0};
	int frac = 0, n = 0;

	if (!at || sscanf(at, "%d-%d-%d%*c%d:%d:%d%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
	                  &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &n) != 6)
		return;
	if (at[n] == '.')
		for (int i = 1, scale = 100; i <= 3 && at[n + i] >= '0' && at[n + i] <= '9';
		     i++, scale /= 10)
			frac += (at[n + i] - '0') * scale;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	publisher_source_time(src->pub, (int64_t)timegm(&tm) * 1000 + frac);
}

int trigger_publish_row(struct trig_source *src, const char *const *vals, const char *snapshot,
                        char *err, size_t errlen)
{
	uint64_t seq = strtoull(vals[COL_SEQ], NULL, 10);
	char op = snapshot[0] == 'f' ? vals[COL_OP][0] : 'r';
	struct envelope e;
	char txid[64];
	size_t keylen;

	const char *pk, *before, *after;

	err[0] = '\0';
	pk = json_value(src, "pk", vals[COL_PK], seq, &src->pk, err, errlen);
	before = json_value(src, "before", vals[COL_BEFORE], seq, &src->before, err, errlen);
	after = json_value(src, "after", vals[COL_AFTER], seq, &src->after, err, errlen);
	if (err[0])
		return -1;
	if (colfilter_has_table(src->filter, vals[COL_SCHEMA], vals[COL_TABLE]) &&
	    (filter_columns(src, vals[COL_SCHEMA], vals[COL_TABLE], &src->pk, err, errlen) < 0 ||
	     filter_columns(src, vals[COL_SCHEMA], vals[COL_TABLE], &src->before, err, errlen) <
	         0 ||
	     filter_columns(src, vals[COL_SCHEMA], vals[COL_TABLE], &src->after, err, errlen) < 0))
		return -1;
	if (op != 'c' && op != 'u' && op != 'd' && op != 'r') {
		snprintf(err, errlen, "changelog row seq %" PRIu64 ": unknown op '%s'", seq,
		         vals[COL_OP]);
		return -1;
	}
	snprintf(txid, sizeof(txid), "%s", vals[COL_TX] ? vals[COL_TX] : vals[COL_SEQ]);
	memset(&e, 0, sizeof(e));
	e.op = op;
	e.before = op == 'u' || op == 'd' ? before : NULL;
	e.after = op != 'd' ? after : NULL;
	e.source = (struct envelope_source){src->connector,
	                                    src->name,
	                                    envelope_now_ms(),
	                                    snapshot,
	                                    vals[COL_SCHEMA],
	                                    vals[COL_SCHEMA],
	                                    vals[COL_TABLE],
	                                    -1,
	                                    false,
	                                    0,
	                                    0,
	                                    true,
	                                    seq};
	e.ts_ms = envelope_now_ms();
	e.tx_block_id = op == 'r' ? NULL : txid;
	e.total_order = e.data_collection_order = 1;
	buf_reset(&src->value);
	envelope_write(&src->value, &e);
	publisher_topic(src->pub, vals[COL_SCHEMA], vals[COL_TABLE], &src->topic);
	keylen = pk ? strlen(pk) : 0;
	if (op != 'r')
		note_change_time(src, vals[COL_AT]);
	if (publisher_send(src->pub, src->position - 1, src->topic.data, op, pk, keylen,
	                   src->value.data, src->value.len, err, errlen) < 0 ||
	    (op == 'd' && src->tombstones &&
	     publisher_send(src->pub, src->position - 1, src->topic.data, 0, pk, keylen, NULL, 0,
	                    err, errlen) < 0))
		return -1;
	return 0;
}

/* A row at or below read_through is new only as the late row of an open gap: it is published. */
static int fill_row(struct trig_source *src, uint64_t seq, const char *const *vals, char *err,
                    size_t errlen)
{
	if (!gaps_is_open(src->gaps, seq))
		return 0;
	log_sdebug("capture", src->name, "gap %" PRIu64 " filled by a late commit", seq);
	if (trigger_publish_row(src, vals, "false", err, errlen) < 0)
		return -1;
	src->rows++;
	return gaps_filling(src->gaps, seq, src->position) < 0 ? -1 : 0;
}

/*
 * Row callback of the read query, rows in seq order: late rows of open gaps first (at or below
 * read_through), then new rows above it (ignored by a gap-fill read).
 */
static int on_row(void *arg, int ncols, const char *const *vals, const size_t *lens, char *err,
                  size_t errlen)
{
	struct trig_source *src = arg;
	uint64_t seq;

	(void)lens;
	if (ncols < NCOLS || !vals[COL_SEQ]) {
		snprintf(err, errlen, "the changelog query returned %d columns, not %d", ncols,
		         NCOLS);
		return -1;
	}
	seq = strtoull(vals[COL_SEQ], NULL, 10);
	if (seq <= gaps_read_through(src->gaps))
		return fill_row(src, seq, vals, err, errlen);
	if (src->filling)
		return 0;
	/* a row that cannot be published is not read: the checkpoint must not pass it */
	if (trigger_publish_row(src, vals, "false", err, errlen) < 0)
		return -1;
	if (gaps_read(src->gaps, seq, NULL, envelope_now_ms()) < 0) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	src->last_seq = seq;
	src->rows++;
	return 0;
}

const char *trigger_changelog_sql(const struct trig_source *src, const char *fmt, struct buf *out)
{
	const char *mark = strstr(fmt, "%s");

	buf_reset(out);
	if (!mark) {
		buf_adds(out, fmt);
		return out->data;
	}
	buf_add(out, fmt, (size_t)(mark - fmt));
	dialect_quote_name(src->dialect, out, conf_str(src->sec, "changelog"));
	buf_adds(out, mark + 2);
	return out->data;
}

static const char *changelog_sql(struct trig_source *src, const char *fmt)
{
	return trigger_changelog_sql(src, fmt, &src->sql);
}

/*
 * Runs one query of the read loop as one batch: LIMIT rows above FROM (only late rows of open
 * gaps when FILL). Returns the rows it published or -1.
 */
static int read_batch(struct trig_source *src, const char *fmt, uint64_t from, uint64_t limit,
                      bool fill, char *err, size_t errlen)
{
	char a[32], b[32];
	const char *params[2] = {a, b};

	snprintf(a, sizeof(a), "%" PRIu64, from);
	snprintf(b, sizeof(b), "%" PRIu64, limit);
	src->position = publisher_begin(src->pub) + 1;
	src->rows = 0;
	src->last_seq = 0;
	src->filling = fill;
	int rc = db_query(src->db, changelog_sql(src, fmt), params, 2, on_row, src, err, errlen);

	/*
	 * The batch ends even when the query failed half-way (a lost connection): the rows it did
	 * publish are accounted for, and later batches are not held back by an open one.
	 */
	publisher_end(src->pub, src->position - 1, src->position);
	if (src->last_seq && gaps_batch(src->gaps, src->position, src->last_seq) < 0) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	return rc < 0 ? -1 : src->rows;
}

/* Copies the first column of the first row into the caller's buffer (ARG: struct buf *). */
static int first_value(void *arg, int ncols, const char *const *vals, const size_t *lens, char *err,
                       size_t errlen)
{
	struct buf *out = arg;

	(void)lens;
	(void)err;
	(void)errlen;
	if (ncols > 0 && vals[0] && !out->len)
		buf_adds(out, vals[0]);
	return 0;
}

/* Runs SQL (one optional parameter) and returns its first value in src->scratch. */
static int query_value(struct trig_source *src, const char *sql, const char *param, char *err,
                       size_t errlen)
{
	const char *params[1] = {param};

	buf_reset(&src->scratch);
	if (db_query(src->db, sql, params, param ? 1 : 0, first_value, &src->scratch, err, errlen) <
	    0)
		return -1;
	if (!src->scratch.len)
		buf_adds(&src->scratch, "");
	return 0;
}

/* Gives the gaps found by the last read the database's mark, taken now (after that read). */
static int mark_new_gaps(struct trig_source *src, char *err, size_t errlen)
{
	size_t n;
	const struct gap *list = gaps_list(src->gaps, &n);
	bool unmarked = false;

	for (size_t i = 0; i < n; i++)
		unmarked = unmarked || !list[i].mark[0];
	if (!unmarked)
		return 0;
	if (!src->dialect->gap_mark_query) {
		gaps_mark_new(src->gaps, "-");
		return 0;
	}
	if (query_value(src, src->dialect->gap_mark_query, NULL, err, errlen) < 0)
		return -1;
	gaps_mark_new(src->gaps, src->scratch.len ? src->scratch.data : "-");
	return 0;
}

/*
 * Closes the open gaps that can no longer be filled: proven by the database (no transaction
 * that was running when the gap was seen is still running), or, where it cannot prove it, after
 * gap_timeout. A last read after the proof publishes a row that committed just before it.
 */
static int close_proven_gaps(struct trig_source *src, char *err, size_t errlen)
{
	size_t n;
	const struct gap *list = gaps_list(src->gaps, &n);
	uint64_t first = 0;
	char mark[64] = "";
	bool proven = false;
	int64_t now = envelope_now_ms();

	for (size_t i = 0; i < n && !first; i++)
		if (!list[i].ticket)
			first = list[i].first, snprintf(mark, sizeof(mark), "%s", list[i].mark);
	if (!first)
		return 0;
	if (src->dialect->gap_proof_query) {
		if (now < src->next_proof_ms)
			return 0;
		src->next_proof_ms = now + PROOF_INTERVAL_MS;
		if (query_value(src, src->dialect->gap_proof_query, mark, err, errlen) < 0)
			return -1;
		proven = strcmp(src->scratch.data, "1") == 0;
		log_sdebug("capture", src->name, "gap from seq %" PRIu64 " (mark %s): %s", first,
		           mark,
		           proven ? "proven empty" : "a transaction that may fill it is open");
	}
	if (!proven)
		return 0;
	/* nothing can write these seqs now: one more read catches a commit just before the proof */
	if (read_batch(src, src->dialect->read_query, first - 1,
	               gaps_read_through(src->gaps) - first + 1, true, err, errlen) < 0)
		return -1;
	list = gaps_list(src->gaps, &n);
	for (size_t i = n; i-- > 0;)
		if (!list[i].ticket && strcmp(list[i].mark, mark) == 0) {
			log_sdebug("capture", src->name, "gap %" PRIu64 "-%" PRIu64 " proven empty",
			           list[i].first, list[i].last);
			gaps_close(src->gaps, list[i].first);
			list = gaps_list(src->gaps, &n);
		}
	return 0;
}

/* Where the database cannot prove a gap empty, it closes after gap_timeout, loudly. */
/* Says, while it lasts, that the oldest open gap holds the checkpoint back. */
static void report_gap_wait(struct trig_source *src)
{
	size_t n;
	const struct gap *list = gaps_list(src->gaps, &n), *g = NULL;
	int64_t now = envelope_now_ms();

	for (size_t i = 0; i < n && !g; i++)
		g = list[i].ticket ? NULL : &list[i];
	if (!g || now - g->seen_ms < GAP_FIRST_MS || now - src->gap_said_ms < GAP_SAY_MS)
		return;
	src->gap_said_ms = now;
	log_sinfo("capture", src->name,
	          "waiting %llds for seq %" PRIu64 "-%" PRIu64
	          ": a transaction took it and has not committed; later changes are published, "
	          "the checkpoint stays before it (closed after gap_timeout, %llds)",
	          (long long)((now - g->seen_ms) / 1000), g->first, g->last,
	          (long long)(src->gap_timeout_ms / 1000));
}

static void expire_gaps(struct trig_source *src)
{
	size_t n;
	const struct gap *list = gaps_list(src->gaps, &n);
	int64_t now = envelope_now_ms();

	for (size_t i = n; i-- > 0;) {
		if (list[i].ticket || now - list[i].seen_ms < src->gap_timeout_ms)
			continue;
		log_swarn("capture", src->name,
		          "gap %" PRIu64 "-%" PRIu64
		          " in %s held open %llds with no row and no way "
		          "to prove it empty: closing it after gap_timeout; a transaction still "
		          "open that long would be lost",
		          list[i].first, list[i].last, conf_str(src->sec, "changelog"),
		          (long long)((now - list[i].seen_ms) / 1000));
		gaps_close(src->gaps, list[i].first);
		list = gaps_list(src->gaps, &n);
	}
}

/* Shows the durable position and the open gaps in spoke status. */
static void show_position(struct trig_source *src)
{
	json_t *f = publisher_status(src->pub);
	char pos[32];

	snprintf(pos, sizeof(pos), "seq %" PRIu64, gaps_low_water(src->gaps));
	json_object_set_new(f, "position", json_string(pos));
	json_object_set_new(f, "gaps", json_integer((json_int_t)gaps_count(src->gaps)));
}

/*
 * Moves the low-water mark and stores it durably, then deletes the delivered changelog rows: at
 * once when the reader has caught up (CAUGHT_UP, or stopping), else each time the mark passes a
 * multiple of PURGE_BATCHES batches. A DELETE costs more than its rows (MariaDB walks the index
 * from its start over the rows deleted before and not yet cleaned up), so a reader that is behind
 * does not spend a DELETE on every batch.
 */
static int checkpoint_and_purge(struct trig_source *src, bool caught_up, char *err, size_t errlen)
{
	uint64_t before = gaps_low_water(src->gaps);
	uint64_t step = (uint64_t)src->batch_size * PURGE_BATCHES;
	char name[128], upto[32];
	const char *params[1] = {upto};
	size_t ngaps;
	char *state;
	int rc;

	if (!gaps_settle(src->gaps, publisher_confirmed(src->pub)))
		return 0;
	state = gaps_dump(src->gaps);
	if (!state) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	state_name(src, name, sizeof(name));
	rc = statefile_write(src->state_dir, name, state, err, errlen);
	free(state);
	if (rc < 0)
		return -1;
	show_position(src);
	if (!caught_up && gaps_low_water(src->gaps) / step == before / step)
		return 0;
	/*
	 * While a gap is open, a transaction may hold the seq right above the checkpoint: the
	 * DELETE would wait for its lock (InnoDB next-key locking) and stall the reader. Purge
	 * once the gaps are closed; until then the delivered rows just stay a little longer.
	 */
	gaps_list(src->gaps, &ngaps);
	if (ngaps || envelope_now_ms() < src->next_purge_ms)
		return 0;
	snprintf(upto, sizeof(upto), "%" PRIu64, gaps_low_water(src->gaps));
	if (db_query(src->db, changelog_sql(src, src->dialect->purge_query), params, 1, NULL, NULL,
	             err, errlen) == 0)
		return 0;
	if (db_lost(src->db))
		return -1;
	/* rows not purged are harmless: they are at or below the checkpoint and never re-read */
	src->next_purge_ms = envelope_now_ms() + PURGE_RETRY_MS;
	log_swarn("capture", src->name,
	          "could not purge delivered changelog rows: %s; trying again later", err);
	return 0;
}

/*
 * One turn of the reader: late rows of open gaps and new rows, proofs, checkpoint. Returns the
 * rows read or -1. One query reads both, from the first open gap on (gaps already filled wait
 * only for Kafka), in one snapshot and in seq order: a late row can thus never go out after a
 * newer change of the same row, which committed after it.
 */
static int poll_once(struct trig_source *src, char *err, size_t errlen)
{
	size_t n;
	const struct gap *list = gaps_list(src->gaps, &n);
	uint64_t from = gaps_read_through(src->gaps);
	int rows;

	for (size_t i = 0; i < n; i++) {
		if (!list[i].ticket) {
			from = list[i].first - 1;
			break;
		}
	}
	rows = read_batch(src, src->dialect->read_query, from,
	                  gaps_read_through(src->gaps) - from + (uint64_t)src->batch_size, false,
	                  err, errlen);
	if (rows < 0 || mark_new_gaps(src, err, errlen) < 0)
		return -1;
	report_gap_wait(src);
	if (src->dialect->gap_proof_query) {
		if (close_proven_gaps(src, err, errlen) < 0)
			return -1;
	} else {
		expire_gaps(src);
	}
	publisher_poll(src->pub, 0);
	if (publisher_failure(src->pub)) {
		snprintf(err, errlen, "%s", publisher_failure(src->pub));
		return -1;
	}
	return checkpoint_and_purge(src, rows < src->batch_size, err, errlen) < 0 ? -1 : rows;
}

static void backoff_sleep(int *backoff)
{
	for (int slept = 0; slept < *backoff && !signals_stop_requested(); slept += 100)
		usleep(100 * 1000);
	*backoff = *backoff * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : *backoff * 2;
}

/* Checks the changelog is there (a query on it): says how to repair when it is not. */
static int count_spoke_trigger(void *arg, int ncols, const char *const *vals, const size_t *lens,
                               char *err, size_t errlen)
{
	int *n = arg;

	(void)lens;
	(void)err;
	(void)errlen;
	if (ncols >= 2 && vals[1] && strstr(vals[1], "spoke-managed"))
		(*n)++;
	return 0;
}

/*
 * Checks that every captured table still has its three triggers: a dropped trigger would let
 * changes go by unrecorded, so capture stops and says how to repair it.
 */
static int check_triggers(struct trig_source *src, char *err, size_t errlen)
{
	size_t n;
	char *const *tables = conf_list(src->sec, "tables", &n);

	for (size_t i = 0; i < n; i++) {
		char schema[256], table[256];
		const char *params[2] = {schema, table};
		int found = 0;

		if (trigger_split_table(tables[i], schema, sizeof(schema), table, sizeof(table),
		                        err, errlen) < 0 ||
		    db_query(src->db, src->dialect->triggers_query, params, 2, count_spoke_trigger,
		             &found, err, errlen) < 0)
			return -1;
		if (found < 3) {
			snprintf(
			    err, errlen,
			    "table %s has %d of its 3 spoke triggers: its changes are not being "
			    "recorded; recreate them with spoke setup -c %s --source %s",
			    tables[i], found, src->cfg->path, src->name);
			return -1;
		}
	}
	src->next_trigger_check_ms = envelope_now_ms() + TRIGGER_CHECK_MS;
	return 0;
}

static int preflight(struct trig_source *src, char *err, size_t errlen)
{
	char why[512];

	if (query_value(src, changelog_sql(src, src->dialect->max_seq_query), NULL, why,
	                sizeof(why)) == 0)
		return check_triggers(src, err, errlen);
	snprintf(err, errlen,
	         "cannot read the changelog table %s (%s): create it and the triggers with "
	         "spoke setup -c %s --source %s",
	         conf_str(src->sec, "changelog"), why, src->cfg->path, src->name);
	return -1;
}

/* Reads until a stop (0), a fatal error (-1) or a lost connection (1). */
static int read_loop(struct trig_source *src, char *err, size_t errlen)
{
	publisher_health(src->pub, true, NULL);
	while (!signals_stop_requested()) {
		int rows = envelope_now_ms() >= src->next_trigger_check_ms &&
		                   check_triggers(src, err, errlen) < 0
		               ? -1
		               : poll_once(src, err, errlen);

		if (rows < 0)
			return db_lost(src->db) ? 1 : -1;
		if (rows < src->batch_size) {
			for (int64_t slept = 0; slept < src->poll_ms && !signals_stop_requested();
			     slept += 20) {
				publisher_poll(src->pub, 20);
			}
		}
		signals_service();
	}
	return 0;
}

/* Connects, checks, reads; reconnects with backoff when the database goes away. */
static int run_with_reconnect(struct trig_source *src, char *err, size_t errlen)
{
	int backoff = 1000;

	for (;;) {
		int rc = src->db ? 0 : trigger_connect(src, err, errlen);

		if (rc == 0 && (rc = preflight(src, err, errlen)) < 0)
			return -1;
		if (rc == 0 && (rc = trigger_snapshot_if_needed(src, err, errlen)) < 0)
			return -1;
		if (rc == 0) {
			rc = read_loop(src, err, errlen);
			if (rc < 0) /* a changelog dropped meanwhile is named as such */
				preflight(src, err, errlen);
			if (rc <= 0)
				return rc;
		}
		if (signals_stop_requested())
			return 0;
		/* rc < 0 here: the connection could not be made; 1: it was lost */
		log_swarn("capture", src->name, "%s: %s; %s in %ds",
		          rc < 0 ? "cannot connect to the database" : "database connection lost",
		          err, rc < 0 ? "retrying" : "reconnecting", backoff / 1000);
		char why[1200];
		snprintf(why, sizeof(why), "%s: %s",
		         rc < 0 ? "cannot connect to the database" : "database connection lost",
		         err);
		publisher_health(src->pub, false, why);
		db_close(src->db);
		src->db = NULL;
		backoff_sleep(&backoff);
	}
}

/* Loads the stored checkpoint and open gaps (none yet: the snapshot decides). */
static int load_state(struct trig_source *src, char *err, size_t errlen)
{
	char name[128];
	char *text = NULL;
	int rc;

	state_name(src, name, sizeof(name));
	rc = statefile_read(src->state_dir, name, &text, err, errlen);
	if (rc <= 0)
		return rc;
	src->gaps = gaps_load(text, err, errlen);
	free(text);
	if (!src->gaps)
		return -1;
	log_sinfo("capture", src->name, "resuming after seq %" PRIu64, gaps_low_water(src->gaps));
	return 0;
}

static int init_source(struct trig_source *src, const struct config *cfg,
                       const struct conf_section *sec, char *err, size_t errlen)
{
	memset(src, 0, sizeof(*src));
	src->cfg = cfg;
	src->sec = sec;
	src->name = sec->name;
	src->connector = conf_str(sec, "type");
	src->state_dir = conf_str(config_find(cfg, "spoke", NULL), "state_dir");
	src->tombstones = conf_flag(sec, "tombstones");
	src->poll_ms = conf_num(sec, "poll_interval");
	src->gap_timeout_ms = conf_num(sec, "gap_timeout");
	src->batch_size = (int)conf_num(sec, "batch_size");
	src->filter = colfilter_for_source(sec, err, errlen);
	if (!src->filter || load_state(src, err, errlen) < 0)
		return -1;
	src->pub = publisher_new(cfg, sec, 0, err, errlen);
	return src->pub ? 0 : -1;
}

/* SIGTERM: everything sent is acknowledged, the checkpoint stored. */
static int finish(struct trig_source *src)
{
	char err[1024];
	int rc = publisher_drain(src->pub, err, sizeof(err));

	if (rc < 0)
		log_swarn("capture", src->name, "%s", err);
	if (src->gaps && src->db && checkpoint_and_purge(src, true, err, sizeof(err)) < 0)
		log_swarn("capture", src->name, "%s", err);
	if (src->gaps)
		log_sinfo("capture", src->name, "stopped; checkpoint at seq %" PRIu64,
		          gaps_low_water(src->gaps));
	return rc;
}

int trigger_source_run(const struct config *cfg, const struct conf_section *sec)
{
	struct trig_source src;
	char err[2048] = "";
	int rc = -1;

	if (init_source(&src, cfg, sec, err, sizeof(err)) == 0)
		rc = run_with_reconnect(&src, err, sizeof(err));
	if (rc < 0 && err[0])
		log_serror("capture", sec->name, "%s", err);
	if (src.pub && finish(&src) < 0 && rc == 0)
		rc = -1;
	publisher_free(src.pub);
	gaps_free(src.gaps);
	colfilter_free(src.filter);
	db_close(src.db);
	buf_release(&src.sql);
	buf_release(&src.topic);
	buf_release(&src.value);
	buf_release(&src.scratch);
	buf_release(&src.pk);
	buf_release(&src.before);
	buf_release(&src.after);
	jsoncheck_release(&src.jc);
	return rc;
}
