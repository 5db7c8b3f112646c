/* pgoutput: decodes the messages of PostgreSQL's pgoutput plugin (protocol version 1). */
#include "capture/pgoutput.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A column of the Relation message being parsed; NAME points into the message. */
struct colscratch {
	const char *name;
	uint32_t type_oid;
	int32_t typmod;
	bool key;
};

/*
 * Invariants: rels is an open-addressing table of nslots entries (a power of two, or 0 when
 * empty), NULL marking a free slot, holding nrels relations (at most half the slots). Each
 * relation is one allocation: the struct, then its columns, then their strings. The value
 * arrays, the column scratch and the truncate list only grow; they are reused by every message.
 */
struct pgoutput {
	struct pgo_relation **rels;
	size_t nslots, nrels;
	struct pgo_value *vals[2]; /* [0] old tuple, [1] new tuple */
	size_t valcap[2];
	struct colscratch *cols; /* Relation message being parsed */
	size_t colcap;
	const struct pgo_relation **trunc;
	size_t trunccap;
};

/* A cursor over one message. Every read checks the bounds first. */
struct rd {
	const unsigned char *p;
	size_t len, off;
	const char *msg; /* "Insert", ... */
	char type;
	const char *tuple; /* "new tuple", ... while reading a tuple, else NULL */
	int col;           /* column being read, or -1 */
	char *err;
	size_t errlen;
};

/* Writes "pgoutput: <msg> message ('T') at offset N[, <tuple> column C]: <detail>"; returns -1. */
__attribute__((format(printf, 2, 3))) static int fail(struct rd *r, const char *fmt, ...)
{
	char detail[256], where[64] = "";
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(detail, sizeof(detail), fmt, ap);
	va_end(ap);
	if (r->col >= 0)
		snprintf(where, sizeof(where), ", %s column %d", r->tuple ? r->tuple : "relation",
		         r->col + 1);
	else if (r->tuple)
		snprintf(where, sizeof(where), ", %s", r->tuple);
	snprintf(r->err, r->errlen, "pgoutput: %s message ('%c') at offset %zu%s: %s", r->msg,
	         r->type, r->off, where, detail);
	return -1;
}

/* Checks that N more bytes are there to read WHAT. */
static int need(struct rd *r, size_t n, const char *what)
{
	if (r->len - r->off >= n)
		return 0;
	fail(r, "truncated: %s needs %zu bytes, %zu left", what, n, r->len - r->off);
	return -1;
}

static int rd_u8(struct rd *r, const char *what, uint8_t *v)
{
	if (need(r, 1, what) < 0)
		return -1;
	*v = r->p[r->off++];
	return 0;
}

static int rd_u16(struct rd *r, const char *what, uint16_t *v)
{
	const unsigned char *p = r->p + r->off;

	if (need(r, 2, what) < 0)
		return -1;
	*v = (uint16_t)((unsigned)p[0] << 8 | p[1]);
	r->off += 2;
	return 0;
}

static int rd_u32(struct rd *r, const char *what, uint32_t *v)
{
	const unsigned char *p = r->p + r->off;

	if (need(r, 4, what) < 0)
		return -1;
	*v = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
	r->off += 4;
	return 0;
}

static int rd_u64(struct rd *r, const char *what, uint64_t *v)
{
	uint32_t hi, lo;

	if (need(r, 8, what) < 0 || rd_u32(r, what, &hi) < 0 || rd_u32(r, what, &lo) < 0)
		return -1;
	*v = (uint64_t)hi << 32 | lo;
	return 0;
}

/* A NUL-terminated string; *S points into the message (its NUL is inside the message). */
static int rd_str(struct rd *r, const char *what, const char **s)
{
	const unsigned char *nul = memchr(r->p + r->off, '\0', r->len - r->off);

	if (!nul) {
		fail(r, "truncated: %s has no terminating NUL", what);
		return -1;
	}
	*s = (const char *)(r->p + r->off);
	r->off = (size_t)(nul - r->p) + 1;
	return 0;
}

/* The message must end here. */
static int rd_end(struct rd *r)
{
	if (r->off == r->len)
		return 0;
	return fail(r, "%zu unexpected bytes after the end of the message", r->len - r->off);
}

/* Makes *P (an array of SIZE-byte items with capacity *CAP) hold at least N items. */
static int grow(void **p, size_t *cap, size_t n, size_t size)
{
	size_t c = *cap ? *cap : 16;
	void *q;

	if (n <= *cap)
		return 0;
	while (c < n)
		c *= 2;
	if (c > SIZE_MAX / size)
		return -1;
	q = realloc(*p, c * size);
	if (!q)
		return -1;
	*p = q;
	*cap = c;
	return 0;
}

/* ---- relation cache ------------------------------------------------------------------------ */

static size_t slot_of(uint32_t oid, size_t nslots)
{
	uint32_t h = oid * 2654435761u;

	return (size_t)(h ^ h >> 16) & (nslots - 1);
}

/* The slot holding OID, or the free slot where it would go. Requires nslots > 0. */
static struct pgo_relation **find_slot(struct pgo_relation **rels, size_t nslots, uint32_t oid)
{
	size_t i = slot_of(oid, nslots);

	while (rels[i] && rels[i]->oid != oid)
		i = (i + 1) & (nslots - 1);
	return &rels[i];
}

const struct pgo_relation *pgoutput_relation(const struct pgoutput *d, uint32_t oid)
{
	if (!d->nslots)
		return NULL;
	return *find_slot(d->rels, d->nslots, oid);
}

/* Doubles the table (or makes the first one). */
static int rehash(struct pgoutput *d)
{
	size_t n = d->nslots ? d->nslots * 2 : 64;
	struct pgo_relation **rels = calloc(n, sizeof(*rels));

	if (!rels)
		return -1;
	for (size_t i = 0; i < d->nslots; i++)
		if (d->rels[i])
			*find_slot(rels, n, d->rels[i]->oid) = d->rels[i];
	free(d->rels);
	d->rels = rels;
	d->nslots = n;
	return 0;
}

/* Puts REL in the cache, freeing the relation it replaces. Takes ownership of REL. */
static int cache_put(struct pgoutput *d, struct pgo_relation *rel)
{
	struct pgo_relation **slot;

	if ((d->nrels + 1) * 2 > d->nslots && rehash(d) < 0) {
		free(rel);
		return -1;
	}
	slot = find_slot(d->rels, d->nslots, rel->oid);
	if (*slot)
		free(*slot);
	else
		d->nrels++;
	*slot = rel;
	return 0;
}

struct pgoutput *pgoutput_new(void)
{
	return calloc(1, sizeof(struct pgoutput));
}

void pgoutput_free(struct pgoutput *d)
{
	if (!d)
		return;
	for (size_t i = 0; i < d->nslots; i++)
		free(d->rels[i]);
	free(d->rels);
	free(d->vals[0]);
	free(d->vals[1]);
	free(d->cols);
	free(d->trunc);
	free(d);
}

/* ---- messages ------------------------------------------------------------------------------ */

/* Calls a callback's result through: on -1, makes sure err says something. */
static int callback_done(struct rd *r, int rc, const char *name)
{
	if (rc == 0)
		return 0;
	if (r->errlen && !r->err[0])
		snprintf(r->err, r->errlen, "pgoutput: the %s callback stopped decoding", name);
	return -1;
}

static int dec_begin(struct pgoutput *d, struct rd *r, const struct pgo_callbacks *cb, void *arg)
{
	uint64_t final_lsn, ts;
	uint32_t xid;

	(void)d;
	if (rd_u64(r, "final LSN", &final_lsn) < 0 || rd_u64(r, "commit timestamp", &ts) < 0 ||
	    rd_u32(r, "xid", &xid) < 0 || rd_end(r) < 0)
		return -1;
	if (!cb->begin)
		return 0;
	return callback_done(r, cb->begin(arg, final_lsn, (int64_t)ts, xid, r->err, r->errlen),
	                     "begin");
}

static int dec_commit(struct pgoutput *d, struct rd *r, const struct pgo_callbacks *cb, void *arg)
{
	uint64_t commit_lsn, end_lsn, ts;
	uint8_t flags;

	(void)d;
	if (rd_u8(r, "flags", &flags) < 0 || rd_u64(r, "commit LSN", &commit_lsn) < 0 ||
	    rd_u64(r, "end LSN", &end_lsn) < 0 || rd_u64(r, "commit timestamp", &ts) < 0 ||
	    rd_end(r) < 0)
		return -1;
	if (!cb->commit)
		return 0;
	return callback_done(
	    r, cb->commit(arg, commit_lsn, end_lsn, (int64_t)ts, r->err, r->errlen), "commit");
}

static int dec_origin(struct pgoutput *d, struct rd *r, const struct pgo_callbacks *cb, void *arg)
{
	uint64_t lsn;
	const char *name;

	(void)d;
	if (rd_u64(r, "origin LSN", &lsn) < 0 || rd_str(r, "origin name", &name) < 0 ||
	    rd_end(r) < 0)
		return -1;
	if (!cb->origin)
		return 0;
	return callback_done(r, cb->origin(arg, lsn, name, r->err, r->errlen), "origin");
}

static int dec_type(struct pgoutput *d, struct rd *r, const struct pgo_callbacks *cb, void *arg)
{
	uint32_t oid;
	const char *schema, *name;

	(void)d;
	if (rd_u32(r, "type OID", &oid) < 0 || rd_str(r, "type schema", &schema) < 0 ||
	    rd_str(r, "type name", &name) < 0 || rd_end(r) < 0)
		return -1;
	if (!cb->type)
		return 0;
	return callback_done(r, cb->type(arg, oid, schema, name, r->err, r->errlen), "type");
}

static int dec_message(struct pgoutput *d, struct rd *r, const struct pgo_callbacks *cb, void *arg)
{
	uint8_t flags;
	uint64_t lsn;
	const char *prefix, *content;
	uint32_t len;

	(void)d;
	if (rd_u8(r, "flags", &flags) < 0 || rd_u64(r, "LSN", &lsn) < 0 ||
	    rd_str(r, "prefix", &prefix) < 0 || rd_u32(r, "content length", &len) < 0 ||
	    need(r, len, "content") < 0)
		return -1;
	content = (const char *)(r->p + r->off);
	r->off += len;
	if (rd_end(r) < 0)
		return -1;
	if (!cb->message)
		return 0;
	return callback_done(
	    r, cb->message(arg, lsn, flags & 1, prefix, content, len, r->err, r->errlen),
	    "message");
}

/* Reads the columns of a Relation message into d->cols; *STRBYTES gets their names' size. */
static int rd_columns(struct pgoutput *d, struct rd *r, int ncols, size_t *strbytes)
{
	if (grow((void **)&d->cols, &d->colcap, (size_t)ncols, sizeof(*d->cols)) < 0)
		return fail(r, "out of memory for %d columns", ncols);
	for (int i = 0; i < ncols; i++) {
		struct colscratch *c = &d->cols[i];
		uint8_t flags;
		uint32_t typmod;

		r->col = i;
		if (rd_u8(r, "column flags", &flags) < 0 ||
		    rd_str(r, "column name", &c->name) < 0 ||
		    rd_u32(r, "column type OID", &c->type_oid) < 0 ||
		    rd_u32(r, "column type modifier", &typmod) < 0)
			return -1;
		c->typmod = (int32_t)typmod;
		c->key = flags & 1;
		*strbytes += strlen(c->name) + 1;
	}
	r->col = -1;
	return 0;
}

/* Copies S into *POOL and returns the copy. */
static char *pool_copy(char **pool, const char *s)
{
	size_t n = strlen(s) + 1;
	char *p = memcpy(*pool, s, n);

	*pool += n;
	return p;
}

/* One allocation holding the relation, its columns (from d->cols) and all the strings. */
static struct pgo_relation *new_relation(const struct pgoutput *d, uint32_t oid, const char *schema,
                                         const char *name, char replident, int ncols,
                                         size_t strbytes)
{
	size_t colsoff = (sizeof(struct pgo_relation) + _Alignof(struct pgo_column) - 1) /
	                 _Alignof(struct pgo_column) * _Alignof(struct pgo_column);
	size_t pooloff = colsoff + (size_t)ncols * sizeof(struct pgo_column);
	char *block = malloc(pooloff + strbytes + strlen(schema) + strlen(name) + 2);
	struct pgo_relation *rel = (struct pgo_relation *)(void *)block;
	char *pool = block + pooloff;

	if (!block)
		return NULL;
	rel->oid = oid;
	rel->schema = pool_copy(&pool, schema);
	rel->name = pool_copy(&pool, name);
	rel->replident = replident;
	rel->ncols = ncols;
	rel->cols = (struct pgo_column *)(void *)(block + colsoff);
	for (int i = 0; i < ncols; i++) {
		rel->cols[i].name = pool_copy(&pool, d->cols[i].name);
		rel->cols[i].type_oid = d->cols[i].type_oid;
		rel->cols[i].typmod = d->cols[i].typmod;
		rel->cols[i].key = d->cols[i].key;
	}
	return rel;
}

static int dec_relation(struct pgoutput *d, struct rd *r, const struct pgo_callbacks *cb, void *arg)
{
	uint32_t oid;
	const char *schema, *name;
	uint8_t replident;
	uint16_t ncols;
	size_t strbytes = 0;
	struct pgo_relation *rel;

	if (rd_u32(r, "relation OID", &oid) < 0 || rd_str(r, "schema", &schema) < 0 ||
	    rd_str(r, "relation name", &name) < 0 || rd_u8(r, "replica identity", &replident) < 0)
		return -1;
	if (!replident || !strchr("dnfi", replident))
		return fail(r, "unknown replica identity 0x%02x", replident);
	if (rd_u16(r, "column count", &ncols) < 0)
		return -1;
	if (ncols > INT16_MAX)
		return fail(r, "column count %u is negative", ncols);
	if (rd_columns(d, r, ncols, &strbytes) < 0 || rd_end(r) < 0)
		return -1;
	rel = new_relation(d, oid, schema, name, (char)replident, ncols, strbytes);
	if (!rel || cache_put(d, rel) < 0)
		return fail(r, "out of memory for relation %s.%s", schema, name);
	if (!cb->relation)
		return 0;
	return callback_done(r, cb->relation(arg, rel, r->err, r->errlen), "relation");
}

/* Reads a relation OID and finds its cached description. */
static int rd_relation(struct pgoutput *d, struct rd *r, const struct pgo_relation **rel)
{
	uint32_t oid;

	if (rd_u32(r, "relation OID", &oid) < 0)
		return -1;
	*rel = pgoutput_relation(d, oid);
	if (!*rel)
		return fail(r, "relation OID %u was never described by a Relation message", oid);
	return 0;
}

/* Reads one TupleData into d->vals[WHICH]. The column count must match REL's. */
static int rd_tuple(struct pgoutput *d, struct rd *r, const struct pgo_relation *rel, int which,
                    struct pgo_tuple *t)
{
	uint16_t n;
	uint8_t kind;
	struct pgo_value *v;

	if (rd_u16(r, "column count", &n) < 0)
		return -1;
	if (n != rel->ncols)
		return fail(r, "%u columns, but relation %s.%s has %d", n, rel->schema, rel->name,
		            rel->ncols);
	if (grow((void **)&d->vals[which], &d->valcap[which], n, sizeof(*v)) < 0)
		return fail(r, "out of memory for %u values", n);
	v = d->vals[which];
	for (r->col = 0; r->col < n; r->col++, v++) {
		if (rd_u8(r, "value kind", &kind) < 0)
			return -1;
		v->kind = (enum pgo_kind)kind;
		v->data = NULL;
		v->len = 0;
		if (kind == 'n' || kind == 'u')
			continue;
		if (kind != 't' && kind != 'b')
			return fail(r, "unknown value kind 0x%02x", kind);
		if (rd_u32(r, "value length", &v->len) < 0 || need(r, v->len, "value") < 0)
			return -1;
		v->data = (const char *)(r->p + r->off);
		r->off += v->len;
	}
	t->ncols = n;
	t->vals = d->vals[which];
	r->col = -1;
	r->tuple = NULL;
	return 0;
}

/* Reads the tuple marker (one of WANT) and the tuple after it. */
static int rd_marked_tuple(struct pgoutput *d, struct rd *r, const struct pgo_relation *rel,
                           const char *want, char *marker, struct pgo_tuple *t)
{
	uint8_t m;

	if (rd_u8(r, "tuple marker", &m) < 0)
		return -1;
	if (!m || !strchr(want, m))
		return fail(r, "tuple marker 0x%02x is not one of '%s'", m, want);
	*marker = (char)m;
	r->tuple = m == 'N' ? "new tuple" : m == 'K' ? "key tuple" : "old tuple";
	return rd_tuple(d, r, rel, m == 'N', t);
}

static int dec_insert(struct pgoutput *d, struct rd *r, const struct pgo_callbacks *cb, void *arg)
{
	const struct pgo_relation *rel;
	struct pgo_tuple newtup;
	char m;

	if (rd_relation(d, r, &rel) < 0 || rd_marked_tuple(d, r, rel, "N", &m, &newtup) < 0 ||
	    rd_end(r) < 0)
		return -1;
	if (!cb->insert)
		return 0;
	return callback_done(r, cb->insert(arg, rel, &newtup, r->err, r->errlen), "insert");
}

static int dec_update(struct pgoutput *d, struct rd *r, const struct pgo_callbacks *cb, void *arg)
{
	const struct pgo_relation *rel;
	struct pgo_tuple oldtup, newtup;
	char m, oldkind = 0;

	if (rd_relation(d, r, &rel) < 0 || rd_marked_tuple(d, r, rel, "KON", &m, &newtup) < 0)
		return -1;
	if (m != 'N') {
		oldkind = m;
		oldtup = newtup;
		if (rd_marked_tuple(d, r, rel, "N", &m, &newtup) < 0)
			return -1;
	}
	if (rd_end(r) < 0)
		return -1;
	if (!cb->update)
		return 0;
	return callback_done(
	    r, cb->update(arg, rel, oldkind ? &oldtup : NULL, oldkind, &newtup, r->err, r->errlen),
	    "update");
}

static int dec_delete(struct pgoutput *d, struct rd *r, const struct pgo_callbacks *cb, void *arg)
{
	const struct pgo_relation *rel;
	struct pgo_tuple oldtup;
	char m;

	if (rd_relation(d, r, &rel) < 0 || rd_marked_tuple(d, r, rel, "KO", &m, &oldtup) < 0 ||
	    rd_end(r) < 0)
		return -1;
	if (!cb->delete)
		return 0;
	return callback_done(r, cb->delete (arg, rel, &oldtup, m, r->err, r->errlen), "delete");
}

static int dec_truncate(struct pgoutput *d, struct rd *r, const struct pgo_callbacks *cb, void *arg)
{
	uint32_t n;
	uint8_t options;

	if (rd_u32(r, "relation count", &n) < 0 || rd_u8(r, "options", &options) < 0)
		return -1;
	if (n > (r->len - r->off) / 4)
		return fail(r, "truncated: %u relation OIDs need %llu bytes, %zu left", n,
		            (unsigned long long)n * 4, r->len - r->off);
	if (grow((void **)&d->trunc, &d->trunccap, n ? n : 1, sizeof(*d->trunc)) < 0)
		return fail(r, "out of memory for %u relations", n);
	for (uint32_t i = 0; i < n; i++)
		if (rd_relation(d, r, &d->trunc[i]) < 0)
			return -1;
	if (rd_end(r) < 0)
		return -1;
	if (!cb->truncate)
		return 0;
	return callback_done(r, cb->truncate(arg, (int)n, d->trunc, options, r->err, r->errlen),
	                     "truncate");
}

typedef int (*decode_fn)(struct pgoutput *d, struct rd *r, const struct pgo_callbacks *cb,
                         void *arg);

/* The messages of protocol version 1, the row changes first (they are most of the stream). */
static const struct {
	char type;
	const char *name;
	decode_fn fn;
} messages[] = {
    {'I', "Insert", dec_insert},   {'U', "Update", dec_update}, {'D', "Delete", dec_delete},
    {'B', "Begin", dec_begin},     {'C', "Commit", dec_commit}, {'R', "Relation", dec_relation},
    {'Y', "Type", dec_type},       {'O', "Origin", dec_origin}, {'T', "Truncate", dec_truncate},
    {'M', "Message", dec_message},
};

int pgoutput_decode(struct pgoutput *d, const char *data, size_t len,
                    const struct pgo_callbacks *cb, void *arg, char *err, size_t errlen)
{
	struct rd r = {.p = (const unsigned char *)data,
	               .len = len,
	               .off = 1,
	               .col = -1,
	               .err = err,
	               .errlen = errlen};

	if (errlen)
		err[0] = '\0';
	if (len == 0) {
		snprintf(err, errlen, "pgoutput: empty message");
		return -1;
	}
	for (size_t i = 0; i < sizeof(messages) / sizeof(messages[0]); i++) {
		if (messages[i].type != data[0])
			continue;
		r.msg = messages[i].name;
		r.type = data[0];
		return messages[i].fn(d, &r, cb, arg);
	}
	snprintf(err, errlen, "pgoutput: unknown message type 0x%02x ('%c') at offset 0",
	         (unsigned char)data[0], data[0] >= 0x20 && data[0] < 0x7f ? data[0] : '?');
	return -1;
}
