/* pg_stream: the replication connection: slots, START_REPLICATION, CopyData, status updates. */
#include "capture/pg_stream.h"
#include "capture/pgconn.h"
#include "core/signals.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/select.h>
#include <sys/time.h>
#include <time.h>

#define WAIT_REPORT_S 10 /* how often a long wait is reported */

/* Microseconds between the Unix epoch and PostgreSQL's (2000-01-01). */
#define PG_EPOCH_OFFSET_US 946684800000000LL

struct pg_stream {
	PGconn *conn;
	char *copybuf; /* the last message, freed on the next read */
};

struct pg_stream *pg_stream_new(PGconn *conn)
{
	struct pg_stream *s = calloc(1, sizeof(*s));

	if (!s) {
		PQfinish(conn);
		return NULL;
	}
	s->conn = conn;
	return s;
}

void pg_stream_free(struct pg_stream *s)
{
	if (!s)
		return;
	if (s->copybuf)
		PQfreemem(s->copybuf);
	PQfinish(s->conn);
	free(s);
}

bool pg_lsn_parse(const char *text, uint64_t *lsn)
{
	unsigned hi, lo;
	int used = 0;

	if (sscanf(text, "%X/%X%n", &hi, &lo, &used) != 2 || text[used])
		return false;
	*lsn = ((uint64_t)hi << 32) | lo;
	return true;
}

static uint64_t get_u64(const char *p)
{
	uint64_t v = 0;

	for (int i = 0; i < 8; i++)
		v = (v << 8) | (unsigned char)p[i];
	return v;
}

static void put_u64(char *p, uint64_t v)
{
	for (int i = 7; i >= 0; i--) {
		p[i] = (char)(v & 0xff);
		v >>= 8;
	}
}

static int64_t pg_now_us(void)
{
	struct timeval tv;

	gettimeofday(&tv, NULL);
	return (int64_t)tv.tv_sec * 1000000 + tv.tv_usec - PG_EPOCH_OFFSET_US;
}

/* Quotes an identifier for a replication command (slot and publication names). */
static void quote_ident(const char *in, char *out, size_t outlen)
{
	size_t o = 0;

	if (outlen < 3)
		return;
	out[o++] = '"';
	for (; *in && o + 3 < outlen; in++) {
		if (*in == '"')
			out[o++] = '"';
		out[o++] = *in;
	}
	out[o++] = '"';
	out[o] = '\0';
}

/* Cancels the command running on CONN (a stop while it waits). */
static void cancel(PGconn *conn)
{
	PGcancel *c = PQgetCancel(conn);
	char why[256];

	if (c) {
		PQcancel(c, why, sizeof(why));
		PQfreeCancel(c);
	}
}

/*
 * Runs SQL on S's connection; while the server has not answered, calls WAITING(ARG, seconds)
 * every WAIT_REPORT_S seconds. A stop request cancels the command.
 */
static PGresult *exec_waiting(struct pg_stream *s, const char *sql,
                              void (*waiting)(void *arg, int secs), void *arg, char *err,
                              size_t errlen)
{
	time_t start = time(NULL), next = start + WAIT_REPORT_S;
	PGresult *res, *last = NULL;

	if (!PQsendQuery(s->conn, sql)) {
		pgconn_error(s->conn, err, errlen);
		return NULL;
	}
	while (PQisBusy(s->conn)) {
		fd_set rd;
		struct timeval tv = {1, 0};
		FD_ZERO(&rd);
		FD_SET(PQsocket(s->conn), &rd);
		if (select(PQsocket(s->conn) + 1, &rd, NULL, NULL, &tv) < 0 && errno != EINTR)
			break;
		if (!PQconsumeInput(s->conn))
			break;
		if (signals_stop_requested())
			cancel(s->conn);
		if (waiting && time(NULL) >= next) {
			waiting(arg, (int)(time(NULL) - start));
			next = time(NULL) + WAIT_REPORT_S;
		}
	}
	while ((res = PQgetResult(s->conn)) != NULL) {
		PQclear(last);
		last = res;
	}
	if (last &&
	    (PQresultStatus(last) == PGRES_TUPLES_OK || PQresultStatus(last) == PGRES_COMMAND_OK))
		return last;
	if (last && PQresultErrorMessage(last)[0]) {
		snprintf(err, errlen, "%s", PQresultErrorMessage(last));
		pgconn_oneline(err);
	} else {
		pgconn_error(s->conn, err, errlen);
	}
	PQclear(last);
	return NULL;
}

int pg_stream_create_slot(struct pg_stream *s, const char *slot, char *snapshot_name,
                          size_t snapshot_len, uint64_t *consistent,
                          void (*waiting)(void *arg, int secs), void *arg, char *err, size_t errlen)
{
	char q[512], sql[700];
	PGresult *res;

	quote_ident(slot, q, sizeof(q));
	snprintf(sql, sizeof(sql), "CREATE_REPLICATION_SLOT %s LOGICAL pgoutput (SNAPSHOT '%s')", q,
	         snapshot_name ? "export" : "nothing");
	res = exec_waiting(s, sql, waiting, arg, err, errlen);
	if (!res)
		return -1;
	if (PQntuples(res) != 1 || PQnfields(res) < 3 ||
	    !pg_lsn_parse(PQgetvalue(res, 0, 1), consistent)) {
		snprintf(err, errlen, "unexpected answer to CREATE_REPLICATION_SLOT");
		PQclear(res);
		return -1;
	}
	if (snapshot_name)
		snprintf(snapshot_name, snapshot_len, "%s", PQgetvalue(res, 0, 2));
	PQclear(res);
	return 0;
}

int pg_stream_start(struct pg_stream *s, const char *slot, const char *publication, uint64_t start,
                    char *err, size_t errlen)
{
	char qslot[512], qpub[512], lit[1100], sql[2048];
	PGresult *res;
	size_t o = 0;

	quote_ident(slot, qslot, sizeof(qslot));
	quote_ident(publication, qpub, sizeof(qpub));
	/* publication_names is a string literal holding the quoted name */
	for (const char *p = qpub; *p && o + 2 < sizeof(lit); p++) {
		if (*p == '\'')
			lit[o++] = '\'';
		lit[o++] = *p;
	}
	lit[o] = '\0';
	snprintf(sql, sizeof(sql),
	         "START_REPLICATION SLOT %s LOGICAL " LSN_FMT
	         " (proto_version '1', publication_names '%s', messages 'true')",
	         qslot, LSN_ARGS(start), lit);
	res = PQexec(s->conn, sql);
	if (PQresultStatus(res) != PGRES_COPY_BOTH) {
		pgconn_error(s->conn, err, errlen);
		PQclear(res);
		return -1;
	}
	PQclear(res);
	return 0;
}

/* Waits for the socket to become readable, up to TIMEOUT_MS. */
static int wait_readable(PGconn *conn, int timeout_ms)
{
	int fd = PQsocket(conn);
	fd_set rfds;
	struct timeval tv = {timeout_ms / 1000, (timeout_ms % 1000) * 1000};
	int rc;

	if (fd < 0)
		return -1;
	FD_ZERO(&rfds);
	FD_SET(fd, &rfds);
	rc = select(fd + 1, &rfds, NULL, NULL, &tv);
	return rc < 0 && errno != EINTR ? -1 : 0;
}

/* Fills MSG from the CopyData message in s->copybuf (LEN bytes). */
static int parse_message(struct pg_stream *s, int len, struct pg_stream_msg *msg, char *err,
                         size_t errlen)
{
	const char *p = s->copybuf;

	memset(msg, 0, sizeof(*msg));
	msg->kind = p[0];
	if (p[0] == 'w' && len >= 25) {
		msg->wal_start = get_u64(p + 1);
		msg->wal_end = get_u64(p + 9);
		msg->data = p + 25;
		msg->len = (size_t)len - 25;
		return 1;
	}
	if (p[0] == 'k' && len >= 18) {
		msg->wal_end = get_u64(p + 1);
		msg->reply_requested = p[17] != 0;
		return 1;
	}
	snprintf(err, errlen, "unexpected replication message '%c' of %d bytes", p[0], len);
	return -1;
}

/* The stream ended: collects the final result to say why. */
static int stream_ended(struct pg_stream *s, char *err, size_t errlen)
{
	PGresult *res = PQgetResult(s->conn);

	if (res && PQresultStatus(res) != PGRES_COMMAND_OK && PQresultErrorMessage(res)[0]) {
		snprintf(err, errlen, "replication stream ended: %s", PQresultErrorMessage(res));
		pgconn_oneline(err);
	} else
		pgconn_error(s->conn, err, errlen);
	if (!err[0])
		snprintf(err, errlen, "the server ended the replication stream");
	PQclear(res);
	while ((res = PQgetResult(s->conn)) != NULL)
		PQclear(res);
	return -1;
}

int pg_stream_next(struct pg_stream *s, int timeout_ms, struct pg_stream_msg *msg, char *err,
                   size_t errlen)
{
	int len;

	if (s->copybuf) {
		PQfreemem(s->copybuf);
		s->copybuf = NULL;
	}
	len = PQgetCopyData(s->conn, &s->copybuf, 1);
	if (len == 0) {
		if (wait_readable(s->conn, timeout_ms) < 0 || !PQconsumeInput(s->conn)) {
			pgconn_error(s->conn, err, errlen);
			return -1;
		}
		len = PQgetCopyData(s->conn, &s->copybuf, 1);
		if (len == 0)
			return 0;
	}
	if (len == -1)
		return stream_ended(s, err, errlen);
	if (len < 0) {
		pgconn_error(s->conn, err, errlen);
		return -1;
	}
	return parse_message(s, len, msg, err, errlen);
}

int pg_stream_feedback(struct pg_stream *s, uint64_t written, uint64_t flushed, char *err,
                       size_t errlen)
{
	char reply[34];

	reply[0] = 'r';
	put_u64(reply + 1, written);
	put_u64(reply + 9, flushed);
	put_u64(reply + 17, flushed);
	put_u64(reply + 25, (uint64_t)pg_now_us());
	reply[33] = 0;
	if (PQputCopyData(s->conn, reply, sizeof(reply)) <= 0 || PQflush(s->conn) < 0) {
		pgconn_error(s->conn, err, errlen);
		return -1;
	}
	return 0;
}
