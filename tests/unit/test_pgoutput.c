/* Unit tests for capture/pgoutput: hand-built messages of every type, truncations, errors. */
#include "unit.h"
#include "capture/pgoutput.h"
#include "core/buf.h"

#include <stdlib.h>

/* ---- building messages --------------------------------------------------------------------- */

struct msg {
	unsigned char b[8192];
	size_t n;
};

static void m_u8(struct msg *m, uint8_t v)
{
	m->b[m->n++] = v;
}

static void m_u16(struct msg *m, uint16_t v)
{
	m_u8(m, (uint8_t)(v >> 8));
	m_u8(m, (uint8_t)v);
}

static void m_u32(struct msg *m, uint32_t v)
{
	m_u16(m, (uint16_t)(v >> 16));
	m_u16(m, (uint16_t)v);
}

static void m_u64(struct msg *m, uint64_t v)
{
	m_u32(m, (uint32_t)(v >> 32));
	m_u32(m, (uint32_t)v);
}

static void m_str(struct msg *m, const char *s)
{
	size_t n = strlen(s) + 1;

	memcpy(m->b + m->n, s, n);
	m->n += n;
}

/* A text value ('t', length, bytes). */
static void m_text(struct msg *m, const char *s)
{
	m_u8(m, 't');
	m_u32(m, (uint32_t)strlen(s));
	memcpy(m->b + m->n, s, strlen(s));
	m->n += strlen(s);
}

/* Relation OID with columns "name:typeoid[:key]" given as NAMES. */
static struct msg relation(uint32_t oid, const char *name, char ident, int ncols,
                           const char *const *cols, const uint32_t *types, const bool *keys)
{
	struct msg m = {.n = 0};

	m_u8(&m, 'R');
	m_u32(&m, oid);
	m_str(&m, "public");
	m_str(&m, name);
	m_u8(&m, (uint8_t)ident);
	m_u16(&m, (uint16_t)ncols);
	for (int i = 0; i < ncols; i++) {
		m_u8(&m, keys[i]);
		m_str(&m, cols[i]);
		m_u32(&m, types[i]);
		m_u32(&m, (uint32_t)-1);
	}
	return m;
}

/* The relation most tests use: public.t (16384) with id int4 key, v text, doc text. */
static struct msg relation_t(void)
{
	static const char *const cols[] = {"id", "v", "doc"};
	static const uint32_t types[] = {23, 25, 25};
	static const bool keys[] = {true, false, false};

	return relation(16384, "t", 'd', 3, cols, types, keys);
}

static struct msg begin_msg(void)
{
	struct msg m = {.n = 0};

	m_u8(&m, 'B');
	m_u64(&m, 0x16B3748ull);
	m_u64(&m, 817300000000000ull);
	m_u32(&m, 7651);
	return m;
}

static struct msg commit_msg(void)
{
	struct msg m = {.n = 0};

	m_u8(&m, 'C');
	m_u8(&m, 0);
	m_u64(&m, 0x16B3748ull);
	m_u64(&m, 0x16B3778ull);
	m_u64(&m, 817300000000000ull);
	return m;
}

static struct msg insert_msg(void)
{
	struct msg m = {.n = 0};

	m_u8(&m, 'I');
	m_u32(&m, 16384);
	m_u8(&m, 'N');
	m_u16(&m, 3);
	m_text(&m, "42");
	m_u8(&m, 'n');
	m_text(&m, "");
	return m;
}

/* Update with an optional old tuple of kind OLD ('K', 'O' or 0) and an unchanged doc. */
static struct msg update_msg(char old)
{
	struct msg m = {.n = 0};

	m_u8(&m, 'U');
	m_u32(&m, 16384);
	if (old) {
		m_u8(&m, (uint8_t)old);
		m_u16(&m, 3);
		m_text(&m, "41");
		if (old == 'K') {
			m_u8(&m, 'n');
			m_u8(&m, 'n');
		} else {
			m_text(&m, "old v");
			m_text(&m, "old doc");
		}
	}
	m_u8(&m, 'N');
	m_u16(&m, 3);
	m_text(&m, "42");
	m_text(&m, "new v");
	m_u8(&m, 'u');
	return m;
}

static struct msg delete_msg(char old)
{
	struct msg m = {.n = 0};

	m_u8(&m, 'D');
	m_u32(&m, 16384);
	m_u8(&m, (uint8_t)old);
	m_u16(&m, 3);
	m_text(&m, "42");
	m_u8(&m, 'n');
	m_u8(&m, 'n');
	return m;
}

static struct msg truncate_msg(void)
{
	struct msg m = {.n = 0};

	m_u8(&m, 'T');
	m_u32(&m, 2);
	m_u8(&m, 3);
	m_u32(&m, 16384);
	m_u32(&m, 16390);
	return m;
}

static struct msg message_msg(void)
{
	struct msg m = {.n = 0};

	m_u8(&m, 'M');
	m_u8(&m, 1);
	m_u64(&m, 0x16B3760ull);
	m_str(&m, "spoke");
	m_u32(&m, 5);
	memcpy(m.b + m.n, "a\0b\nc", 5);
	m.n += 5;
	return m;
}

static struct msg origin_msg(void)
{
	struct msg m = {.n = 0};

	m_u8(&m, 'O');
	m_u64(&m, 0x1234);
	m_str(&m, "upstream");
	return m;
}

static struct msg type_msg(void)
{
	struct msg m = {.n = 0};

	m_u8(&m, 'Y');
	m_u32(&m, 16500);
	m_str(&m, "public");
	m_str(&m, "mood");
	return m;
}

/* ---- recording callbacks ------------------------------------------------------------------- */

struct rec {
	struct buf log;
	const struct pgoutput *d;
	int fail_on; /* message type whose callback returns -1, or 0 */
	bool quiet;  /* ... without writing err */
};

static void log_tuple(struct buf *b, const struct pgo_tuple *t)
{
	buf_addc(b, '[');
	for (int i = 0; i < t->ncols; i++) {
		const struct pgo_value *v = &t->vals[i];

		if (i)
			buf_addc(b, ',');
		if (v->kind == PGO_TEXT || v->kind == PGO_BINARY)
			buf_addf(b, "%c:%.*s", v->kind, (int)v->len, v->data);
		else
			buf_addc(b, (char)v->kind);
	}
	buf_addc(b, ']');
}

static int stop(struct rec *r, char type, char *err, size_t errlen)
{
	if (r->fail_on != type)
		return 0;
	if (!r->quiet)
		snprintf(err, errlen, "callback says no to %c", type);
	return -1;
}

static int rec_begin(void *arg, uint64_t final_lsn, int64_t ts, uint32_t xid, char *err,
                     size_t errlen)
{
	struct rec *r = arg;

	buf_addf(&r->log, "begin %llX %lld %u;", (unsigned long long)final_lsn, (long long)ts, xid);
	return stop(r, 'B', err, errlen);
}

static int rec_commit(void *arg, uint64_t commit_lsn, uint64_t end_lsn, int64_t ts, char *err,
                      size_t errlen)
{
	struct rec *r = arg;

	buf_addf(&r->log, "commit %llX %llX %lld;", (unsigned long long)commit_lsn,
	         (unsigned long long)end_lsn, (long long)ts);
	return stop(r, 'C', err, errlen);
}

static int rec_origin(void *arg, uint64_t lsn, const char *name, char *err, size_t errlen)
{
	struct rec *r = arg;

	buf_addf(&r->log, "origin %llX %s;", (unsigned long long)lsn, name);
	return stop(r, 'O', err, errlen);
}

static int rec_relation(void *arg, const struct pgo_relation *rel, char *err, size_t errlen)
{
	struct rec *r = arg;

	buf_addf(&r->log, "relation %u %s.%s %c", rel->oid, rel->schema, rel->name, rel->replident);
	for (int i = 0; i < rel->ncols; i++)
		buf_addf(&r->log, " %s:%u:%d%s", rel->cols[i].name, rel->cols[i].type_oid,
		         rel->cols[i].typmod, rel->cols[i].key ? ":key" : "");
	buf_adds(&r->log, rel == pgoutput_relation(r->d, rel->oid) ? " cached;" : " NOT CACHED;");
	return stop(r, 'R', err, errlen);
}

static int rec_type(void *arg, uint32_t oid, const char *schema, const char *name, char *err,
                    size_t errlen)
{
	struct rec *r = arg;

	buf_addf(&r->log, "type %u %s.%s;", oid, schema, name);
	return stop(r, 'Y', err, errlen);
}

static int rec_insert(void *arg, const struct pgo_relation *rel, const struct pgo_tuple *newtup,
                      char *err, size_t errlen)
{
	struct rec *r = arg;

	buf_addf(&r->log, "insert %s ", rel->name);
	log_tuple(&r->log, newtup);
	buf_addc(&r->log, ';');
	return stop(r, 'I', err, errlen);
}

static int rec_update(void *arg, const struct pgo_relation *rel, const struct pgo_tuple *old,
                      char oldkind, const struct pgo_tuple *newtup, char *err, size_t errlen)
{
	struct rec *r = arg;

	buf_addf(&r->log, "update %s ", rel->name);
	if (old) {
		buf_addf(&r->log, "%c", oldkind);
		log_tuple(&r->log, old);
	} else {
		buf_addf(&r->log, "%s", oldkind ? "KIND WITHOUT TUPLE" : "-");
	}
	buf_addc(&r->log, ' ');
	log_tuple(&r->log, newtup);
	buf_addc(&r->log, ';');
	return stop(r, 'U', err, errlen);
}

static int rec_delete(void *arg, const struct pgo_relation *rel, const struct pgo_tuple *old,
                      char oldkind, char *err, size_t errlen)
{
	struct rec *r = arg;

	buf_addf(&r->log, "delete %s %c", rel->name, oldkind);
	log_tuple(&r->log, old);
	buf_addc(&r->log, ';');
	return stop(r, 'D', err, errlen);
}

static int rec_truncate(void *arg, int nrels, const struct pgo_relation *const *rels,
                        uint8_t options, char *err, size_t errlen)
{
	struct rec *r = arg;

	buf_addf(&r->log, "truncate %d", options);
	for (int i = 0; i < nrels; i++)
		buf_addf(&r->log, " %s", rels[i]->name);
	buf_addc(&r->log, ';');
	return stop(r, 'T', err, errlen);
}

static int rec_message(void *arg, uint64_t lsn, bool transactional, const char *prefix,
                       const char *content, uint32_t len, char *err, size_t errlen)
{
	struct rec *r = arg;

	buf_addf(&r->log, "message %llX %d %s %u:", (unsigned long long)lsn, transactional, prefix,
	         len);
	for (uint32_t i = 0; i < len; i++)
		buf_addf(&r->log, "%02x", (unsigned char)content[i]);
	buf_addc(&r->log, ';');
	return stop(r, 'M', err, errlen);
}

static const struct pgo_callbacks recording = {
    .begin = rec_begin,
    .commit = rec_commit,
    .origin = rec_origin,
    .relation = rec_relation,
    .type = rec_type,
    .insert = rec_insert,
    .update = rec_update,
    .delete = rec_delete,
    .truncate = rec_truncate,
    .message = rec_message,
};

/*
 * Decodes the first LEN bytes of M from an exactly sized copy (so that any read past the end
 * is caught by the sanitizers and valgrind). Returns the log (reset first), or "ERR <message>".
 */
static const char *decode_n(struct pgoutput *d, struct rec *r, const struct msg *m, size_t len)
{
	char *copy = malloc(len ? len : 1);
	char err[512];
	int rc;

	memcpy(copy, m->b, len);
	buf_reset(&r->log);
	r->d = d;
	rc = pgoutput_decode(d, copy, len, &recording, r, err, sizeof(err));
	free(copy);
	if (rc < 0) {
		buf_reset(&r->log);
		buf_adds(&r->log, "ERR ");
		buf_adds(&r->log, err);
	}
	return r->log.data ? r->log.data : "";
}

static const char *decode(struct pgoutput *d, struct rec *r, const struct msg *m)
{
	return decode_n(d, r, m, m->n);
}

/* ---- tests --------------------------------------------------------------------------------- */

TEST(pgoutput_transaction_messages)
{
	struct pgoutput *d = pgoutput_new();
	struct rec r = {.log = BUF_INIT};
	struct msg m;

	m = begin_msg();
	CHECK_STR(decode(d, &r, &m), "begin 16B3748 817300000000000 7651;");
	m = commit_msg();
	CHECK_STR(decode(d, &r, &m), "commit 16B3748 16B3778 817300000000000;");
	m = origin_msg();
	CHECK_STR(decode(d, &r, &m), "origin 1234 upstream;");
	m = type_msg();
	CHECK_STR(decode(d, &r, &m), "type 16500 public.mood;");
	m = message_msg();
	CHECK_STR(decode(d, &r, &m), "message 16B3760 1 spoke 5:6100620a63;");
	m.b[1] = 0;
	CHECK_STR(decode(d, &r, &m), "message 16B3760 0 spoke 5:6100620a63;");
	pgoutput_free(d);
	buf_release(&r.log);
}

TEST(pgoutput_relation_cached)
{
	struct pgoutput *d = pgoutput_new();
	struct rec r = {.log = BUF_INIT};
	struct msg m = relation_t();
	const struct pgo_relation *rel;

	CHECK(pgoutput_relation(d, 16384) == NULL);
	CHECK_STR(decode(d, &r, &m),
	          "relation 16384 public.t d id:23:-1:key v:25:-1 doc:25:-1 cached;");
	rel = pgoutput_relation(d, 16384);
	CHECK(rel != NULL);
	if (rel) {
		CHECK_INT(rel->ncols, 3);
		CHECK_STR(rel->cols[2].name, "doc");
		CHECK(rel->cols[0].key && !rel->cols[1].key);
	}
	CHECK(pgoutput_relation(d, 16385) == NULL);
	pgoutput_free(d);
	pgoutput_free(NULL);
	buf_release(&r.log);
}

TEST(pgoutput_changes)
{
	struct pgoutput *d = pgoutput_new();
	struct rec r = {.log = BUF_INIT};
	struct msg m = relation_t(), m2;

	decode(d, &r, &m);
	m = insert_msg();
	CHECK_STR(decode(d, &r, &m), "insert t [t:42,n,t:];");
	m = update_msg(0);
	CHECK_STR(decode(d, &r, &m), "update t - [t:42,t:new v,u];");
	m = update_msg('K');
	CHECK_STR(decode(d, &r, &m), "update t K[t:41,n,n] [t:42,t:new v,u];");
	m = update_msg('O');
	CHECK_STR(decode(d, &r, &m), "update t O[t:41,t:old v,t:old doc] [t:42,t:new v,u];");
	m = delete_msg('K');
	CHECK_STR(decode(d, &r, &m), "delete t K[t:42,n,n];");
	m = delete_msg('O');
	CHECK_STR(decode(d, &r, &m), "delete t O[t:42,n,n];");
	/* a binary value is framed like a text one */
	m = insert_msg();
	m.b[8] = 'b';
	CHECK_STR(decode(d, &r, &m), "insert t [b:42,n,t:];");
	/* truncate needs every relation described */
	m = truncate_msg();
	CHECK_STR(decode(d, &r, &m), "ERR pgoutput: Truncate message ('T') at offset 14: relation "
	                             "OID 16390 was never described by a Relation message");
	m2 = relation(16390, "u", 'f', 0, NULL, NULL, NULL);
	CHECK_STR(decode(d, &r, &m2), "relation 16390 public.u f cached;");
	CHECK_STR(decode(d, &r, &m), "truncate 3 t u;");
	pgoutput_free(d);
	buf_release(&r.log);
}

TEST(pgoutput_relation_replaced)
{
	static const char *const cols[] = {"id", "v", "doc", "added"};
	static const uint32_t types[] = {23, 25, 25, 1700};
	static const bool keys[] = {true, false, false, false};
	struct pgoutput *d = pgoutput_new();
	struct rec r = {.log = BUF_INIT};
	struct msg m = relation_t(), ins4 = {.n = 0};

	decode(d, &r, &m);
	/* ADD COLUMN: the next change comes after a new Relation message with four columns */
	m = relation(16384, "t", 'f', 4, cols, types, keys);
	CHECK_STR(decode(d, &r, &m), "relation 16384 public.t f id:23:-1:key v:25:-1 doc:25:-1 "
	                             "added:1700:-1 cached;");
	m_u8(&ins4, 'I');
	m_u32(&ins4, 16384);
	m_u8(&ins4, 'N');
	m_u16(&ins4, 4);
	m_text(&ins4, "1");
	m_text(&ins4, "v");
	m_u8(&ins4, 'u');
	m_text(&ins4, "1.5");
	CHECK_STR(decode(d, &r, &ins4), "insert t [t:1,t:v,u,t:1.5];");
	m = insert_msg();
	CHECK_STR(decode(d, &r, &m), "ERR pgoutput: Insert message ('I') at offset 8, new tuple: 3 "
	                             "columns, but relation public.t has 4");
	/* DROP COLUMN: back to three */
	m = relation_t();
	decode(d, &r, &m);
	m = insert_msg();
	CHECK_STR(decode(d, &r, &m), "insert t [t:42,n,t:];");
	/* many relations: the cache grows and keeps them all */
	for (uint32_t oid = 20000; oid < 21000; oid++) {
		m = relation(oid, "many", 'd', 1, cols, types, keys);
		decode(d, &r, &m);
	}
	for (uint32_t oid = 20000; oid < 21000; oid++)
		CHECK(pgoutput_relation(d, oid) && pgoutput_relation(d, oid)->oid == oid);
	CHECK(pgoutput_relation(d, 16384) && pgoutput_relation(d, 16384)->ncols == 3);
	pgoutput_free(d);
	buf_release(&r.log);
}

/* Every proper prefix of every message is rejected, calls nothing and changes nothing. */
TEST(pgoutput_truncated_messages_rejected)
{
	struct pgoutput *d = pgoutput_new();
	struct rec r = {.log = BUF_INIT};
	struct msg rel = relation_t(), u = relation(16390, "u", 'd', 0, NULL, NULL, NULL);
	const struct msg all[] = {
	    begin_msg(),    commit_msg(),    origin_msg(),    type_msg(),      insert_msg(),
	    update_msg(0),  update_msg('K'), update_msg('O'), delete_msg('K'), delete_msg('O'),
	    truncate_msg(), message_msg(),   relation_t(),
	};

	decode(d, &r, &rel);
	decode(d, &r, &u);
	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
		CHECK(strncmp(decode(d, &r, &all[i]), "ERR", 3) != 0);
		for (size_t len = 0; len < all[i].n; len++) {
			const char *got = decode_n(d, &r, &all[i], len);

			if (strncmp(got, "ERR pgoutput: ", 14) != 0) {
				fprintf(stderr, "  message %zu (%c), %zu of %zu bytes: %s\n", i,
				        all[i].b[0], len, all[i].n, got);
				*unit_failed = true;
			}
		}
		/* one byte too many is as wrong */
		{
			struct msg longer = all[i];

			longer.b[longer.n++] = 0;
			CHECK(strncmp(decode(d, &r, &longer), "ERR pgoutput: ", 14) == 0);
		}
	}
	/* the failed Relation messages left the cached one alone */
	CHECK(pgoutput_relation(d, 16384) && pgoutput_relation(d, 16384)->ncols == 3);
	pgoutput_free(d);
	buf_release(&r.log);
}

TEST(pgoutput_error_messages)
{
	struct pgoutput *d = pgoutput_new();
	struct rec r = {.log = BUF_INIT};
	struct msg m = relation_t();

	decode(d, &r, &m);
	m = insert_msg();
	CHECK_STR(decode_n(d, &r, &m, 3), "ERR pgoutput: Insert message ('I') at offset 1: "
	                                  "truncated: relation OID needs 4 bytes, 2 left");
	CHECK_STR(decode_n(d, &r, &m, 15), "ERR pgoutput: Insert message ('I') at offset 15, new "
	                                   "tuple column 2: truncated: value kind needs 1 bytes, 0 "
	                                   "left");
	CHECK_STR(decode_n(d, &r, &m, 20), "ERR pgoutput: Insert message ('I') at offset 17, new "
	                                   "tuple column 3: truncated: value length needs 4 bytes, "
	                                   "3 left");
	CHECK_STR(decode_n(d, &r, &m, 13),
	          "ERR pgoutput: Insert message ('I') at offset 13, new "
	          "tuple column 1: truncated: value needs 2 bytes, 0 left");
	m.b[5] = 'X';
	CHECK_STR(decode(d, &r, &m), "ERR pgoutput: Insert message ('I') at offset 6: tuple marker "
	                             "0x58 is not one of 'N'");
	m = insert_msg();
	m.b[15] = 'x';
	CHECK_STR(decode(d, &r, &m), "ERR pgoutput: Insert message ('I') at offset 16, new tuple "
	                             "column 2: unknown value kind 0x78");
	m = insert_msg();
	m.b[4] = 0x01; /* relation 16385 */
	CHECK_STR(decode(d, &r, &m), "ERR pgoutput: Insert message ('I') at offset 5: relation OID "
	                             "16385 was never described by a Relation message");
	m = update_msg('K');
	m.b[5] = 'N';
	CHECK_STR(decode(d, &r, &m), "ERR pgoutput: Update message ('U') at offset 17: 21 "
	                             "unexpected bytes after the end of the message");
	m = delete_msg('N');
	CHECK_STR(decode(d, &r, &m), "ERR pgoutput: Delete message ('D') at offset 6: tuple marker "
	                             "0x4e is not one of 'KO'");
	m = relation_t();
	m.b[14] = 'x';
	CHECK_STR(decode(d, &r, &m), "ERR pgoutput: Relation message ('R') at offset 15: unknown "
	                             "replica identity 0x78");
	m = relation_t();
	m.n -= 3;
	CHECK_STR(decode(d, &r, &m), "ERR pgoutput: Relation message ('R') at offset 49, relation "
	                             "column 3: truncated: column type modifier needs 4 bytes, 1 "
	                             "left");
	m = origin_msg();
	m.n--;
	CHECK_STR(decode(d, &r, &m), "ERR pgoutput: Origin message ('O') at offset 9: truncated: "
	                             "origin name has no terminating NUL");
	m = commit_msg();
	m.b[m.n++] = 0;
	CHECK_STR(decode(d, &r, &m), "ERR pgoutput: Commit message ('C') at offset 26: 1 "
	                             "unexpected bytes after the end of the message");
	m = (struct msg){.n = 1, .b = {'S'}};
	CHECK_STR(decode(d, &r, &m), "ERR pgoutput: unknown message type 0x53 ('S') at offset 0");
	m = (struct msg){.n = 3, .b = {0x01, 'B', 'C'}};
	CHECK_STR(decode(d, &r, &m), "ERR pgoutput: unknown message type 0x01 ('?') at offset 0");
	m.n = 0;
	CHECK_STR(decode(d, &r, &m), "ERR pgoutput: empty message");
	m = truncate_msg();
	m.b[1] = 0x40; /* a billion relations in 8 bytes */
	CHECK_STR(decode(d, &r, &m), "ERR pgoutput: Truncate message ('T') at offset 6: truncated: "
	                             "1073741826 relation OIDs need 4294967304 bytes, 8 left");
	pgoutput_free(d);
	buf_release(&r.log);
}

TEST(pgoutput_callback_stops)
{
	struct pgoutput *d = pgoutput_new();
	struct rec r = {.log = BUF_INIT, .fail_on = 'I'};
	struct msg m = relation_t();
	char err[128];

	decode(d, &r, &m);
	m = insert_msg();
	CHECK_STR(decode(d, &r, &m), "ERR callback says no to I");
	r.quiet = true;
	CHECK_STR(decode(d, &r, &m), "ERR pgoutput: the insert callback stopped decoding");
	/* NULL callbacks are skipped */
	CHECK_INT(pgoutput_decode(d, (const char *)m.b, m.n, &(struct pgo_callbacks){0}, NULL, err,
	                          sizeof(err)),
	          0);
	pgoutput_free(d);
	buf_release(&r.log);
}
