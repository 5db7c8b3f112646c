/* envelope: writes the Debezium-compatible change event (value) as JSON, straight into a buffer. */
#include "core/envelope.h"

#include "core/version.h"

#include <assert.h>
#include <string.h>
#include <time.h>

/* Appends a string literal without measuring it at run time. */
#define ADD_LITERAL(b, lit) buf_add((b), "" lit, sizeof(lit) - 1)

/* Appends V in decimal. Hand-rolled: this runs several times per change, printf is slow. */
static void add_u64(struct buf *b, uint64_t v)
{
	char digits[20];
	size_t n = sizeof(digits);

	do {
		digits[--n] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	buf_add(b, digits + n, sizeof(digits) - n);
}

static void add_i64(struct buf *b, int64_t v)
{
	if (v < 0) {
		buf_addc(b, '-');
		add_u64(b, -(uint64_t)v);
		return;
	}
	add_u64(b, (uint64_t)v);
}

/* Appends S as a JSON string, or null when S is NULL. */
static void add_string(struct buf *b, const char *s)
{
	if (s)
		buf_add_json_string(b, s, strlen(s));
	else
		ADD_LITERAL(b, "null");
}

/* Appends JSON, a complete JSON value written by the caller, or null when it is NULL. */
static void add_raw(struct buf *b, const char *json)
{
	if (json)
		buf_adds(b, json);
	else
		ADD_LITERAL(b, "null");
}

/*
 * PostgreSQL: "lsn" and Debezium's "sequence", a string holding a JSON array of two decimal
 * strings. An invalid (0) previous LSN is written as null inside it, as Debezium does.
 * Trigger sources: "seq", the changelog row's number.
 */
static void add_position(struct buf *b, const struct envelope_source *s)
{
	if (s->has_lsn) {
		ADD_LITERAL(b, ",\"lsn\":");
		add_u64(b, s->lsn);
		ADD_LITERAL(b, ",\"sequence\":\"[");
		if (s->prev_lsn) {
			ADD_LITERAL(b, "\\\"");
			add_u64(b, s->prev_lsn);
			ADD_LITERAL(b, "\\\"");
		} else {
			ADD_LITERAL(b, "null");
		}
		ADD_LITERAL(b, ",\\\"");
		add_u64(b, s->lsn);
		ADD_LITERAL(b, "\\\"]\"");
	}
	if (s->has_seq) {
		ADD_LITERAL(b, ",\"seq\":");
		add_u64(b, s->seq);
	}
}

static void add_source(struct buf *b, const struct envelope_source *s)
{
	ADD_LITERAL(b, "\"source\":{\"version\":\"" SPOKE_VERSION "\",\"connector\":");
	add_string(b, s->connector);
	ADD_LITERAL(b, ",\"name\":");
	add_string(b, s->name);
	ADD_LITERAL(b, ",\"ts_ms\":");
	add_i64(b, s->ts_ms);
	ADD_LITERAL(b, ",\"snapshot\":");
	add_string(b, s->snapshot);
	ADD_LITERAL(b, ",\"db\":");
	add_string(b, s->db);
	ADD_LITERAL(b, ",\"schema\":");
	add_string(b, s->schema);
	ADD_LITERAL(b, ",\"table\":");
	add_string(b, s->table);
	ADD_LITERAL(b, ",\"txId\":");
	if (s->tx_id < 0)
		ADD_LITERAL(b, "null");
	else
		add_i64(b, s->tx_id);
	add_position(b, s);
	buf_addc(b, '}');
}

static void add_transaction(struct buf *b, const struct envelope *e)
{
	ADD_LITERAL(b, "\"transaction\":");
	if (!e->tx_block_id) {
		ADD_LITERAL(b, "null");
		return;
	}
	ADD_LITERAL(b, "{\"id\":");
	add_string(b, e->tx_block_id);
	ADD_LITERAL(b, ",\"total_order\":");
	add_u64(b, e->total_order);
	ADD_LITERAL(b, ",\"data_collection_order\":");
	add_u64(b, e->data_collection_order);
	buf_addc(b, '}');
}

void envelope_write(struct buf *out, const struct envelope *e)
{
	assert(e->op && strchr("cudrtm", e->op));
	buf_addc(out, '{');
	if (e->op != 'm') {
		ADD_LITERAL(out, "\"before\":");
		add_raw(out, e->before);
		ADD_LITERAL(out, ",\"after\":");
		add_raw(out, e->after);
		if (e->unchanged) {
			ADD_LITERAL(out, ",\"unchanged\":");
			buf_adds(out, e->unchanged);
		}
		buf_addc(out, ',');
	}
	add_source(out, &e->source);
	ADD_LITERAL(out, ",\"op\":\"");
	buf_addc(out, e->op);
	ADD_LITERAL(out, "\",\"ts_ms\":");
	add_i64(out, e->ts_ms);
	if (e->op == 'm') {
		ADD_LITERAL(out, ",\"message\":");
		add_raw(out, e->message);
	}
	buf_addc(out, ',');
	add_transaction(out, e);
	buf_addc(out, '}');
}

void envelope_write_message(struct buf *out, const char *prefix, const void *content, size_t len)
{
	ADD_LITERAL(out, "{\"prefix\":");
	buf_add_json_string(out, prefix, strlen(prefix));
	ADD_LITERAL(out, ",\"content\":\"");
	buf_add_base64(out, content, len);
	ADD_LITERAL(out, "\"}");
}

int64_t envelope_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}
