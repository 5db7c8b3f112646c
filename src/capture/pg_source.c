/* pg_source: runs one PostgreSQL source: slot and snapshot hand-over, streaming, feedback. */
#include "capture/pg_source.h"
#include "capture/capture.h"
#include "capture/pgconn.h"
#include "core/envelope.h"
#include "core/log.h"
#include "core/signals.h"
#include "core/statefile.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define WAIT_MS           100
#define BACKOFF_MAX_MS    30000
#define SLOT_BUSY_WAIT_MS 30000

/* The slot as pg_replication_slots shows it. */
struct slot_state {
	bool exists;
	bool active;
	int pid;
	char plugin[64];
};

static int query_slot(struct pg_source *src, struct slot_state *st, char *err, size_t errlen)
{
	const char *params[1] = {conf_str(src->sec, "slot")};
	PGresult *res = pgconn_exec(src->meta,
	                            "SELECT active, coalesce(active_pid, 0), coalesce(plugin, '') "
	                            "FROM pg_replication_slots WHERE slot_name = $1",
	                            params, 1, err, errlen);

	if (!res)
		return -1;
	memset(st, 0, sizeof(*st));
	st->exists = PQntuples(res) == 1;
	if (st->exists) {
		st->active = PQgetvalue(res, 0, 0)[0] == 't';
		st->pid = atoi(PQgetvalue(res, 0, 1));
		snprintf(st->plugin, sizeof(st->plugin), "%s", PQgetvalue(res, 0, 2));
	}
	PQclear(res);
	return 0;
}

/*
 * Waits (bounded) for the slot to be free: after a kill -9 the old walsender may hold it for
 * a moment. A slot held longer belongs to another reader: that is an error.
 */
static int wait_slot_free(struct pg_source *src, struct slot_state *st, char *err, size_t errlen)
{
	int waited = 0;

	for (;;) {
		if (query_slot(src, st, err, errlen) < 0)
			return -1;
		if (!st->exists || !st->active)
			break;
		if (waited >= SLOT_BUSY_WAIT_MS || signals_stop_requested()) {
			snprintf(err, errlen,
			         "slot %s is in use by process %d: another spoke or consumer reads "
			         "it; stop that process (SELECT pg_terminate_backend(%d)) or give "
			         "this source another slot",
			         conf_str(src->sec, "slot"), st->pid, st->pid);
			return -1;
		}
		usleep(500 * 1000);
		waited += 500;
	}
	if (st->exists && strcmp(st->plugin, "pgoutput") != 0) {
		snprintf(err, errlen,
		         "slot %s uses plugin %s, not pgoutput: drop it or use another slot",
		         conf_str(src->sec, "slot"), st->plugin);
		return -1;
	}
	return 0;
}

static int drop_slot(struct pg_source *src, char *err, size_t errlen)
{
	const char *params[1] = {conf_str(src->sec, "slot")};
	PGresult *res =
	    pgconn_exec(src->meta, "SELECT pg_drop_replication_slot($1)", params, 1, err, errlen);

	PQclear(res);
	return res ? 0 : -1;
}

/* The state file records whether the snapshot of this slot finished. */
static void state_name(const struct pg_source *src, char *out, size_t outlen)
{
	snprintf(out, outlen, "%s.snapshot", src->name);
}

/* What the state file says of this slot's snapshot: "" (never started), "running", "done". */
static const char *snapshot_status(const struct pg_source *src)
{
	char name[128], err[256], prefix[300];
	char *text = NULL;
	const char *status = "";

	state_name(src, name, sizeof(name));
	if (statefile_read(conf_str(config_find(src->cfg, "spoke", NULL), "state_dir"), name, &text,
	                   err, sizeof(err)) <= 0)
		return status;
	snprintf(prefix, sizeof(prefix), "slot=%s\nsnapshot=", conf_str(src->sec, "slot"));
	if (strncmp(text, prefix, strlen(prefix)) == 0)
		status = strcmp(text + strlen(prefix), "done\n") == 0 ? "done" : "running";
	free(text);
	return status;
}

static int mark_snapshot(const struct pg_source *src, const char *status, char *err, size_t errlen)
{
	char name[128], text[300];

	state_name(src, name, sizeof(name));
	snprintf(text, sizeof(text), "slot=%s\nsnapshot=%s\n", conf_str(src->sec, "slot"), status);
	return statefile_write(conf_str(config_find(src->cfg, "spoke", NULL), "state_dir"), name,
	                       text, err, errlen);
}

static PGconn *open_conn(struct pg_source *src, bool replication, char *err, size_t errlen)
{
	char app[128];

	snprintf(app, sizeof(app), "spoke-%s", src->name);
	return pgconn_open(conf_str(src->sec, "conninfo"), src->password, app, replication, err,
	                   errlen);
}

/*
 * While the slot is being created (the server waits for every transaction that holds a
 * transaction id to end): says so, naming the oldest such sessions.
 */
static void slot_waiting(void *arg, int secs)
{
	static const char sql[] =
	    "SELECT pid, coalesce(usename, ''), coalesce(application_name, ''), "
	    "coalesce(state, ''), extract(epoch FROM now() - xact_start)::bigint "
	    "FROM pg_stat_activity WHERE backend_xid IS NOT NULL AND pid <> pg_backend_pid() "
	    "ORDER BY xact_start LIMIT 3";
	struct pg_source *src = arg;
	char err[256], list[700] = "";
	PGresult *res = src->meta ? pgconn_exec(src->meta, sql, NULL, 0, err, sizeof(err)) : NULL;
	size_t len = 0;

	for (int i = 0; res && i < PQntuples(res) && len < sizeof(list); i++)
		len += (size_t)snprintf(list + len, sizeof(list) - len,
		                        "%spid %s (user %s, application '%s', %s, for %ss)",
		                        i ? "; " : ": ", PQgetvalue(res, i, 0),
		                        PQgetvalue(res, i, 1), PQgetvalue(res, i, 2),
		                        PQgetvalue(res, i, 3), PQgetvalue(res, i, 4));
	PQclear(res);
	log_swarn("capture", src->name,
	          "creating slot %s: still waiting after %ds for the transactions that were "
	          "running to end%s (they must commit or roll back; nothing is lost meanwhile)",
	          conf_str(src->sec, "slot"), secs, list);
}

/* Connects the catalog session, retrying with backoff while the server cannot be reached. */
static int connect_meta(struct pg_source *src)
{
	char err[1024];
	int backoff = 1000;

	while (!signals_stop_requested()) {
		src->meta = open_conn(src, false, err, sizeof(err));
		if (src->meta)
			return 0;
		log_serror("capture", src->name,
		           "cannot connect to PostgreSQL: %s; retrying in %ds", err,
		           backoff / 1000);
		signals_backoff(&backoff, BACKOFF_MAX_MS);
	}
	return -1;
}

/* Checks what capture needs and setup makes: logical WAL and the publication. */
static int preflight(struct pg_source *src, char *err, size_t errlen)
{
	const char *params[1] = {conf_str(src->sec, "publication")};
	PGresult *res = pgconn_exec(src->meta, "SHOW wal_level", NULL, 0, err, errlen);
	bool logical = res && strcmp(PQgetvalue(res, 0, 0), "logical") == 0;

	if (res && !logical)
		snprintf(err, errlen,
		         "wal_level is %s: set wal_level = logical in postgresql.conf and restart "
		         "PostgreSQL",
		         PQgetvalue(res, 0, 0));
	PQclear(res);
	if (!logical)
		return -1;
	res = pgconn_exec(src->meta, "SELECT 1 FROM pg_publication WHERE pubname = $1", params, 1,
	                  err, errlen);
	if (res && PQntuples(res) == 0)
		snprintf(err, errlen,
		         "publication %s does not exist: run spoke setup -c %s --source %s",
		         params[0], src->cfg->path, src->name);
	logical = res && PQntuples(res) == 1;
	PQclear(res);
	return logical ? 0 : -1;
}

/* Creates the slot exporting a snapshot, publishes the snapshot, waits until Kafka has it all. */
static int take_snapshot(struct pg_source *src, struct slot_state *st, char *err, size_t errlen)
{
	char snapshot[128];
	uint64_t consistent = 0;
	PGconn *conn;

	if (st->exists && drop_slot(src, err, errlen) < 0)
		return -1;
	if (mark_snapshot(src, "running", err, errlen) < 0)
		return -1;
	conn = open_conn(src, true, err, errlen);
	if (!conn)
		return -1;
	src->stream = pg_stream_new(conn);
	log_sinfo("capture", src->name, "creating slot %s (waits for running transactions to end)",
	          conf_str(src->sec, "slot"));
	if (!src->stream || pg_stream_create_slot(src->stream, conf_str(src->sec, "slot"), snapshot,
	                                          sizeof(snapshot), &consistent, slot_waiting, src,
	                                          err, errlen) < 0)
		return -1;
	if (pg_snapshot_run(src, snapshot, consistent, err, errlen) < 0 ||
	    publisher_drain(src->pub, err, errlen) < 0)
		return -1;
	log_sinfo("capture", src->name, "snapshot complete: %llu events acknowledged by Kafka",
	          (unsigned long long)publisher_count(src->pub));
	return mark_snapshot(src, "done", err, errlen);
}

/* Decides between a snapshot and streaming from the slot, and starts the stream. */
static int start_capture(struct pg_source *src, char *err, size_t errlen)
{
	const char *mode = conf_str(src->sec, "snapshot");
	const char *status;
	struct slot_state st;
	bool snap;

	if (preflight(src, err, errlen) < 0 || wait_slot_free(src, &st, err, errlen) < 0)
		return -1;
	status = snapshot_status(src);
	snap = strcmp(mode, "always") == 0 ||
	       (strcmp(mode, "initial") == 0 && !(st.exists && strcmp(status, "done") == 0));
	if (snap && strcmp(status, "running") == 0)
		log_swarn("capture", src->name,
		          "the last snapshot never finished: taking it again");
	else if (snap && strcmp(status, "done") == 0)
		log_swarn("capture", src->name,
		          "slot %s is gone: taking a new snapshot so that nothing is missed",
		          conf_str(src->sec, "slot"));
	else if (snap)
		log_sinfo("capture", src->name, "first start: taking the initial snapshot");
	if (snap)
		return take_snapshot(src, &st, err, errlen);
	if (!st.exists) {
		uint64_t at = 0;
		PGconn *conn = open_conn(src, true, err, errlen);

		src->stream = conn ? pg_stream_new(conn) : NULL;
		if (!src->stream ||
		    pg_stream_create_slot(src->stream, conf_str(src->sec, "slot"), NULL, 0, &at,
		                          slot_waiting, src, err, errlen) < 0)
			return -1;
		log_swarn("capture", src->name,
		          "created slot %s at " LSN_FMT " without a snapshot (snapshot = never)",
		          conf_str(src->sec, "slot"), LSN_ARGS(at));
	}
	return 0;
}

/* Opens the replication stream (when not open yet) and starts it from the slot's position. */
static int open_stream(struct pg_source *src, char *err, size_t errlen)
{
	if (!src->stream) {
		PGconn *conn = open_conn(src, true, err, errlen);

		if (!conn)
			return -1;
		src->stream = pg_stream_new(conn);
		if (!src->stream) {
			snprintf(err, errlen, "out of memory");
			return -1;
		}
	}
	pg_changes_reset(src);
	if (src->txn.open) {
		/*
		 * The connection broke inside a transaction: it ends here with no position to
		 * confirm (the slot sends it again whole), so later transactions are not held back.
		 */
		publisher_end(src->pub, src->txn.ticket, 0);
		src->txn.open = false;
	}
	if (pg_stream_start(src->stream, conf_str(src->sec, "slot"),
	                    conf_str(src->sec, "publication"), 0, err, errlen) < 0)
		return -1;
	log_sinfo("capture", src->name, "streaming from slot %s (publication %s)",
	          conf_str(src->sec, "slot"), conf_str(src->sec, "publication"));
	return 0;
}

/* Tells the server what Kafka has: FLUSHED may be released, never more. */
static int send_feedback(struct pg_source *src, char *err, size_t errlen)
{
	uint64_t flushed = publisher_confirmed(src->pub);
	uint64_t written = src->received > flushed ? src->received : flushed;

	log_sdebug("capture", src->name, "feedback written " LSN_FMT " flushed " LSN_FMT,
	           LSN_ARGS(written), LSN_ARGS(flushed));
	return pg_stream_feedback(src->stream, written, flushed, err, errlen);
}

/* Handles one message of the stream. Returns 0, or -1 for an error that must stop capture. */
static int handle_message(struct pg_source *src, const struct pg_stream_msg *msg, bool *reply,
                          char *err, size_t errlen)
{
	if (msg->kind == 'w') {
		src->msg_lsn = msg->wal_start;
		if (msg->wal_start > src->received)
			src->received = msg->wal_start;
		return pgoutput_decode(src->decoder, msg->data, msg->len, &pg_changes_callbacks,
		                       src, err, errlen);
	}
	/* keepalive: with nothing in flight, everything up to walEnd is ours to confirm */
	if (!src->txn.open && publisher_idle(src->pub))
		publisher_advance_idle(src->pub, msg->wal_end);
	*reply = *reply || msg->reply_requested;
	return 0;
}

static void heartbeat(struct pg_source *src)
{
	char err[512];
	PGresult *res =
	    pgconn_exec(src->meta, "SELECT pg_logical_emit_message(false, 'spoke_heartbeat', '')",
	                NULL, 0, err, sizeof(err));

	if (!res)
		log_swarn("capture", src->name, "heartbeat failed: %s", err);
	PQclear(res);
}

/*
 * Streams until a stop (0), a fatal error (-1, err filled) or a lost connection (1, err
 * filled: the caller reconnects).
 */
static int stream_loop(struct pg_source *src, char *err, size_t errlen)
{
	int64_t status_ms = conf_num(src->sec, "status_interval");
	int64_t beat_ms = conf_num(src->sec, "heartbeat_interval");
	int64_t next_status = envelope_now_ms() + status_ms,
	        next_beat = envelope_now_ms() + beat_ms;

	while (!signals_stop_requested()) {
		struct pg_stream_msg msg;
		bool reply = false;
		int n = pg_stream_next(src->stream, WAIT_MS, &msg, err, errlen);
		int64_t now;

		if (n < 0)
			return 1;
		if (n > 0 && handle_message(src, &msg, &reply, err, errlen) < 0) {
			if (!signals_stop_requested())
				return -1;
			/*
			 * A stop interrupts a send waiting for room in Kafka's queue: an orderly
			 * stop. The transaction stays open, so the position never passes it.
			 */
			log_sinfo(
			    "capture", src->name,
			    "stopped in the middle of a transaction (%s); it is sent again on "
			    "the next start",
			    err);
			return 0;
		}
		publisher_poll(src->pub, 0);
		if (publisher_failure(src->pub)) {
			snprintf(err, errlen, "%s", publisher_failure(src->pub));
			return -1;
		}
		now = envelope_now_ms();
		if (reply || now >= next_status) {
			if (send_feedback(src, err, errlen) < 0)
				return 1;
			next_status = now + status_ms;
		}
		if (beat_ms > 0 && now >= next_beat) {
			heartbeat(src);
			next_beat = now + beat_ms;
		}
		signals_service();
	}
	return 0;
}

static int init_source(struct pg_source *src, const struct config *cfg,
                       const struct conf_section *sec, char *err, size_t errlen)
{
	memset(src, 0, sizeof(*src));
	src->cfg = cfg;
	src->sec = sec;
	src->name = sec->name;
	src->password = conf_str(sec, "password");
	src->tombstones = conf_flag(sec, "tombstones");
	src->tx_topic = conf_flag(sec, "transaction_topic");
	src->skip_origins = conf_list(sec, "skip_origins", &src->nskip);
	src->filter = colfilter_for_source(sec, err, errlen);
	if (!src->filter)
		return -1;
	src->type_lookup.conn = NULL;
	src->types = pgtypes_new(pgcat_lookup_type, &src->type_lookup);
	src->type_lookup.types = src->types;
	src->decoder = pgoutput_new();
	if (!src->types || !src->decoder) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	src->pub = publisher_new(cfg, sec, 0, err, errlen);
	return src->pub ? 0 : -1;
}

static void release_source(struct pg_source *src)
{
	pg_stream_free(src->stream);
	PQfinish(src->meta);
	pg_changes_free(src);
	pgoutput_free(src->decoder);
	pgtypes_free(src->types);
	colfilter_free(src->filter);
	publisher_free(src->pub);
	buf_release(&src->key);
	buf_release(&src->old_key);
	buf_release(&src->before);
	buf_release(&src->after);
	buf_release(&src->unchanged);
	buf_release(&src->value);
	buf_release(&src->topic);
}

/* Flushes Kafka and confirms the final position (SIGTERM path). */
static int finish(struct pg_source *src)
{
	char err[1024];
	int rc = publisher_drain(src->pub, err, sizeof(err));

	if (rc < 0)
		log_swarn("capture", src->name, "%s", err);
	if (src->stream && send_feedback(src, err, sizeof(err)) == 0)
		log_sinfo("capture", src->name, "stopped; confirmed " LSN_FMT,
		          LSN_ARGS(publisher_confirmed(src->pub)));
	return rc;
}

/* Reconnects the catalog session when the server went away under it. */
static int ensure_meta(struct pg_source *src, char *err, size_t errlen)
{
	PGresult *res = pgconn_exec(src->meta, "SELECT 1", NULL, 0, err, errlen);

	if (res) {
		PQclear(res);
		return 0;
	}
	PQreset(src->meta);
	if (PQstatus(src->meta) == CONNECTION_OK)
		return 0;
	pgconn_error(src->meta, err, errlen);
	return -1;
}

/* Streams, reconnecting with backoff whenever the server goes away. */
static int stream_with_reconnect(struct pg_source *src, char *err, size_t errlen)
{
	int backoff = 1000;

	for (;;) {
		int rc = ensure_meta(src, err, errlen) < 0 ? -2 : open_stream(src, err, errlen);

		if (rc == 0) {
			publisher_health(src->pub, true, NULL);
			rc = stream_loop(src, err, errlen);
			if (rc <= 0)
				return rc;
			backoff = 1000;
		}
		if (signals_stop_requested())
			return 0;
		log_swarn("capture", src->name,
		          "replication connection lost: %s; reconnecting in %ds", err,
		          backoff / 1000);
		char why[1200];
		snprintf(why, sizeof(why), "replication connection lost: %s", err);
		publisher_health(src->pub, false, why);
		/* what was sent is acknowledged before the server resends from the slot */
		if (publisher_drain(src->pub, err, errlen) < 0)
			return -1;
		pg_stream_free(src->stream);
		src->stream = NULL;
		signals_backoff(&backoff, BACKOFF_MAX_MS);
	}
}

int pg_source_run(const struct config *cfg, const struct conf_section *sec)
{
	struct pg_source src;
	char err[2048] = "";
	int rc = -1;

	if (init_source(&src, cfg, sec, err, sizeof(err)) < 0)
		goto out;
	if (connect_meta(&src) < 0) {
		rc = 0; /* stopped while waiting for the server */
		goto out;
	}
	src.type_lookup.conn = src.meta;
	if (start_capture(&src, err, sizeof(err)) < 0) {
		/* asked to stop while starting (a snapshot, a wait for the slot): not a failure */
		if (signals_stop_requested()) {
			log_sinfo("capture", sec->name, "stopped while starting: %s", err);
			rc = 0;
		}
		goto out;
	}
	rc = stream_with_reconnect(&src, err, sizeof(err));
out:
	if (rc < 0 && err[0])
		log_serror("capture", sec->name, "%s", err);
	if (src.pub && finish(&src) < 0 && rc == 0)
		rc = -1;
	release_source(&src);
	return rc;
}
