/* pgtypes: converts PostgreSQL values (text output) to JSON by type OID, per DESIGN.md's table. */
#include "capture/pgtypes.h"
#include "capture/jsoncheck.h"
#include "capture/pgarray.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Lookups may resolve a domain's base type through pgtypes_info(); this bounds the nesting. */
#define MAX_LOOKUP_DEPTH 8

/*
 * The built-in types spoke knows, sorted by OID (PostgreSQL 15's pg_type.dat). Types without a
 * JSON form of their own (geometry, ranges, system types) are listed as PGT_TEXT_FORM so that
 * their arrays need no lookup either.
 */
static const struct builtin {
	uint32_t oid;
	const char *name;
	enum pgtype_class cls;
	uint32_t elem;
} builtins[] = {
    {16, "bool", PGT_BOOL, 0},
    {17, "bytea", PGT_BYTEA, 0},
    {18, "char", PGT_STRING, 0},
    {19, "name", PGT_STRING, 0},
    {20, "int8", PGT_INTEGER, 0},
    {21, "int2", PGT_INTEGER, 0},
    {22, "int2vector", PGT_TEXT_FORM, 0},
    {23, "int4", PGT_INTEGER, 0},
    {25, "text", PGT_STRING, 0},
    {26, "oid", PGT_INTEGER, 0},
    {27, "tid", PGT_TEXT_FORM, 0},
    {28, "xid", PGT_TEXT_FORM, 0},
    {29, "cid", PGT_TEXT_FORM, 0},
    {30, "oidvector", PGT_TEXT_FORM, 0},
    {114, "json", PGT_JSON, 0},
    {142, "xml", PGT_STRING, 0},
    {143, "xml[]", PGT_ARRAY, 142},
    {199, "json[]", PGT_ARRAY, 114},
    {271, "xid8[]", PGT_ARRAY, 5069},
    {600, "point", PGT_TEXT_FORM, 0},
    {601, "lseg", PGT_TEXT_FORM, 0},
    {602, "path", PGT_TEXT_FORM, 0},
    {603, "box", PGT_TEXT_FORM, 0},
    {604, "polygon", PGT_TEXT_FORM, 0},
    {628, "line", PGT_TEXT_FORM, 0},
    {629, "line[]", PGT_ARRAY, 628},
    {650, "cidr", PGT_STRING, 0},
    {651, "cidr[]", PGT_ARRAY, 650},
    {700, "float4", PGT_FLOAT, 0},
    {701, "float8", PGT_FLOAT, 0},
    {718, "circle", PGT_TEXT_FORM, 0},
    {719, "circle[]", PGT_ARRAY, 718},
    {774, "macaddr8", PGT_STRING, 0},
    {775, "macaddr8[]", PGT_ARRAY, 774},
    {790, "money", PGT_STRING, 0},
    {791, "money[]", PGT_ARRAY, 790},
    {829, "macaddr", PGT_STRING, 0},
    {869, "inet", PGT_STRING, 0},
    {1000, "bool[]", PGT_ARRAY, 16},
    {1001, "bytea[]", PGT_ARRAY, 17},
    {1002, "char[]", PGT_ARRAY, 18},
    {1003, "name[]", PGT_ARRAY, 19},
    {1005, "int2[]", PGT_ARRAY, 21},
    {1006, "int2vector[]", PGT_ARRAY, 22},
    {1007, "int4[]", PGT_ARRAY, 23},
    {1009, "text[]", PGT_ARRAY, 25},
    {1010, "tid[]", PGT_ARRAY, 27},
    {1011, "xid[]", PGT_ARRAY, 28},
    {1012, "cid[]", PGT_ARRAY, 29},
    {1013, "oidvector[]", PGT_ARRAY, 30},
    {1014, "bpchar[]", PGT_ARRAY, 1042},
    {1015, "varchar[]", PGT_ARRAY, 1043},
    {1016, "int8[]", PGT_ARRAY, 20},
    {1017, "point[]", PGT_ARRAY, 600},
    {1018, "lseg[]", PGT_ARRAY, 601},
    {1019, "path[]", PGT_ARRAY, 602},
    {1020, "box[]", PGT_ARRAY, 603},
    {1021, "float4[]", PGT_ARRAY, 700},
    {1022, "float8[]", PGT_ARRAY, 701},
    {1027, "polygon[]", PGT_ARRAY, 604},
    {1028, "oid[]", PGT_ARRAY, 26},
    {1040, "macaddr[]", PGT_ARRAY, 829},
    {1041, "inet[]", PGT_ARRAY, 869},
    {1042, "bpchar", PGT_STRING, 0},
    {1043, "varchar", PGT_STRING, 0},
    {1082, "date", PGT_DATE, 0},
    {1083, "time", PGT_TIME, 0},
    {1114, "timestamp", PGT_TIMESTAMP, 0},
    {1115, "timestamp[]", PGT_ARRAY, 1114},
    {1182, "date[]", PGT_ARRAY, 1082},
    {1183, "time[]", PGT_ARRAY, 1083},
    {1184, "timestamptz", PGT_TIMESTAMPTZ, 0},
    {1185, "timestamptz[]", PGT_ARRAY, 1184},
    {1186, "interval", PGT_STRING, 0},
    {1187, "interval[]", PGT_ARRAY, 1186},
    {1231, "numeric[]", PGT_ARRAY, 1700},
    {1266, "timetz", PGT_STRING, 0},
    {1270, "timetz[]", PGT_ARRAY, 1266},
    {1560, "bit", PGT_STRING, 0},
    {1561, "bit[]", PGT_ARRAY, 1560},
    {1562, "varbit", PGT_STRING, 0},
    {1563, "varbit[]", PGT_ARRAY, 1562},
    {1700, "numeric", PGT_NUMERIC, 0},
    {2205, "regclass", PGT_TEXT_FORM, 0},
    {2206, "regtype", PGT_TEXT_FORM, 0},
    {2210, "regclass[]", PGT_ARRAY, 2205},
    {2211, "regtype[]", PGT_ARRAY, 2206},
    {2950, "uuid", PGT_STRING, 0},
    {2951, "uuid[]", PGT_ARRAY, 2950},
    {3220, "pg_lsn", PGT_TEXT_FORM, 0},
    {3221, "pg_lsn[]", PGT_ARRAY, 3220},
    {3614, "tsvector", PGT_STRING, 0},
    {3615, "tsquery", PGT_STRING, 0},
    {3643, "tsvector[]", PGT_ARRAY, 3614},
    {3645, "tsquery[]", PGT_ARRAY, 3615},
    {3802, "jsonb", PGT_JSON, 0},
    {3807, "jsonb[]", PGT_ARRAY, 3802},
    {3904, "int4range", PGT_TEXT_FORM, 0},
    {3905, "int4range[]", PGT_ARRAY, 3904},
    {3906, "numrange", PGT_TEXT_FORM, 0},
    {3907, "numrange[]", PGT_ARRAY, 3906},
    {3908, "tsrange", PGT_TEXT_FORM, 0},
    {3909, "tsrange[]", PGT_ARRAY, 3908},
    {3910, "tstzrange", PGT_TEXT_FORM, 0},
    {3911, "tstzrange[]", PGT_ARRAY, 3910},
    {3912, "daterange", PGT_TEXT_FORM, 0},
    {3913, "daterange[]", PGT_ARRAY, 3912},
    {3926, "int8range", PGT_TEXT_FORM, 0},
    {3927, "int8range[]", PGT_ARRAY, 3926},
    {4072, "jsonpath", PGT_STRING, 0},
    {4073, "jsonpath[]", PGT_ARRAY, 4072},
    {5069, "xid8", PGT_TEXT_FORM, 0},
};

#define NBUILTINS (sizeof(builtins) / sizeof(builtins[0]))
#define BOX_OID   603 /* the one built-in type whose array delimiter is ';' */

/* A resolved type in the cache. */
struct cached {
	uint32_t oid;
	struct pgtype_info info;
};

/*
 * Invariants: cache is an open-addressing table of nslots entries (a power of two, or 0),
 * oid 0 marking a free slot, holding n resolved types (at most half the slots). The scratch
 * buffers are reused by every value.
 */
struct pgtypes {
	pgtypes_lookup_fn lookup;
	void *arg;
	struct cached *cache;
	size_t nslots, n;
	int depth;             /* lookups under way */
	struct buf elem;       /* an array element, unescaped */
	struct jsoncheck json; /* reused to check json and jsonb texts */
};

static const struct builtin *builtin(uint32_t oid)
{
	size_t lo = 0, hi = NBUILTINS;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (builtins[mid].oid == oid)
			return &builtins[mid];
		if (builtins[mid].oid < oid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* The type's name for messages: "int4", or "type 16385". */
static const char *type_name(uint32_t oid, char *tmp, size_t tmplen)
{
	const struct builtin *b = builtin(oid);

	if (b)
		return b->name;
	snprintf(tmp, tmplen, "type %u", oid);
	return tmp;
}

/* ---- cache --------------------------------------------------------------------------------- */

static size_t slot_of(uint32_t oid, size_t nslots)
{
	uint32_t h = oid * 2654435761u;

	return (size_t)(h ^ h >> 16) & (nslots - 1);
}

static struct cached *find_slot(struct cached *cache, size_t nslots, uint32_t oid)
{
	size_t i = slot_of(oid, nslots);

	while (cache[i].oid && cache[i].oid != oid)
		i = (i + 1) & (nslots - 1);
	return &cache[i];
}

/* Remembers OID's INFO. Out of memory only costs a later lookup, so it is not an error. */
static void cache_put(struct pgtypes *t, uint32_t oid, const struct pgtype_info *info)
{
	struct cached *c;

	if ((t->n + 1) * 2 > t->nslots) {
		size_t n = t->nslots ? t->nslots * 2 : 128;
		struct cached *cache = calloc(n, sizeof(*cache));

		if (!cache)
			return;
		for (size_t i = 0; i < t->nslots; i++)
			if (t->cache[i].oid)
				*find_slot(cache, n, t->cache[i].oid) = t->cache[i];
		free(t->cache);
		t->cache = cache;
		t->nslots = n;
	}
	c = find_slot(t->cache, t->nslots, oid);
	if (!c->oid)
		t->n++;
	c->oid = oid;
	c->info = *info;
}

struct pgtypes *pgtypes_new(pgtypes_lookup_fn lookup, void *arg)
{
	struct pgtypes *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	t->lookup = lookup;
	t->arg = arg;
	buf_init(&t->elem);
	return t;
}

void pgtypes_free(struct pgtypes *t)
{
	if (!t)
		return;
	free(t->cache);
	buf_release(&t->elem);
	jsoncheck_release(&t->json);
	free(t);
}

/* Asks the caller's lookup about OID and checks what it says. */
static int ask_lookup(struct pgtypes *t, uint32_t oid, struct pgtype_info *info, char *err,
                      size_t errlen)
{
	int rc;

	if (t->depth >= MAX_LOOKUP_DEPTH) {
		snprintf(err, errlen, "pgtypes: type %u: lookups nested %d deep (a cycle?)", oid,
		         t->depth);
		return -1;
	}
	if (errlen)
		err[0] = '\0';
	*info = (struct pgtype_info){PGT_UNKNOWN, 0};
	t->depth++;
	rc = t->lookup(t->arg, oid, info, err, errlen);
	t->depth--;
	if (rc < 0) {
		if (errlen && !err[0])
			snprintf(err, errlen, "pgtypes: type %u: lookup failed", oid);
		return -1;
	}
	if (info->cls <= PGT_UNKNOWN || info->cls > PGT_TEXT_FORM ||
	    (info->cls == PGT_ARRAY && (!info->elem_oid || info->elem_oid == oid))) {
		snprintf(err, errlen, "pgtypes: type %u: lookup returned class %d, element %u", oid,
		         (int)info->cls, info->elem_oid);
		return -1;
	}
	return 0;
}

int pgtypes_info(struct pgtypes *t, uint32_t oid, struct pgtype_info *info, char *err,
                 size_t errlen)
{
	const struct builtin *b;

	if (t->nslots) {
		const struct cached *c = find_slot(t->cache, t->nslots, oid);

		if (c->oid) {
			*info = c->info;
			return 0;
		}
	}
	if (!oid) {
		snprintf(err, errlen, "pgtypes: type OID 0 is not a type");
		return -1;
	}
	b = builtin(oid);
	if (b)
		*info = (struct pgtype_info){b->cls, b->elem};
	else if (!t->lookup)
		*info = (struct pgtype_info){PGT_TEXT_FORM, 0};
	else if (ask_lookup(t, oid, info, err, errlen) < 0)
		return -1;
	cache_put(t, oid, info);
	return 0;
}

/* ---- checking text forms ------------------------------------------------------------------- */

/* A cursor over a value's text. On failure, i is where the text went wrong. */
struct scan {
	const char *s;
	size_t n, i;
};

static bool sc_char(struct scan *c, char ch)
{
	if (c->i >= c->n || c->s[c->i] != ch)
		return false;
	c->i++;
	return true;
}

/* MIN to MAX decimal digits. */
static bool sc_digits(struct scan *c, size_t min, size_t max)
{
	size_t start = c->i;

	while (c->i < c->n && c->i - start < max && c->s[c->i] >= '0' && c->s[c->i] <= '9')
		c->i++;
	return c->i - start >= min;
}

static bool sc_end(const struct scan *c)
{
	return c->i == c->n;
}

static bool is(const char *s, size_t n, const char *lit)
{
	return n == strlen(lit) && memcmp(s, lit, n) == 0;
}

/* -?(0|[1-9][0-9]*): an integer as PostgreSQL writes it, and a valid JSON number. */
static bool sc_integer(struct scan *c)
{
	sc_char(c, '-');
	if (sc_char(c, '0'))
		return true;
	if (c->i >= c->n || c->s[c->i] < '1' || c->s[c->i] > '9')
		return false;
	return sc_digits(c, 1, SIZE_MAX);
}

/* YYYY-MM-DD (the year has four or more digits). */
static bool sc_date(struct scan *c)
{
	return sc_digits(c, 4, 9) && sc_char(c, '-') && sc_digits(c, 2, 2) && sc_char(c, '-') &&
	       sc_digits(c, 2, 2);
}

/* HH:MM:SS with an optional fraction of one to six digits. */
static bool sc_time(struct scan *c)
{
	if (!sc_digits(c, 2, 2) || !sc_char(c, ':') || !sc_digits(c, 2, 2) || !sc_char(c, ':') ||
	    !sc_digits(c, 2, 2))
		return false;
	return !sc_char(c, '.') || sc_digits(c, 1, 6);
}

/* " BC" at the end, consumed when present. */
static bool sc_bc(struct scan *c)
{
	if (c->n - c->i != 3 || memcmp(c->s + c->i, " BC", 3) != 0)
		return false;
	c->i = c->n;
	return true;
}

/* A UTC offset "+HH[:MM[:SS]]"; *ZERO tells whether it is +00. */
static bool sc_offset(struct scan *c, bool *zero)
{
	size_t start = c->i;

	if (!sc_char(c, '+') && !sc_char(c, '-'))
		return false;
	if (!sc_digits(c, 2, 2))
		return false;
	if (sc_char(c, ':') && (!sc_digits(c, 2, 2) || (sc_char(c, ':') && !sc_digits(c, 2, 2))))
		return false;
	*zero = true;
	for (size_t k = start + 1; k < c->i; k++)
		if (c->s[k] != '0' && c->s[k] != ':')
			*zero = false;
	return true;
}

/* ---- converters ---------------------------------------------------------------------------- */

/* Why a text was rejected: where, and what it should have been. */
struct bad {
	size_t at;
	const char *want;
};

/* Appends the JSON of S (N bytes), or returns false with *BAD filled. */
typedef bool (*conv_fn)(struct pgtypes *t, struct buf *out, const char *s, size_t n,
                        struct bad *bad);

static bool reject(struct bad *bad, size_t at, const char *want)
{
	bad->at = at;
	bad->want = want;
	return false;
}

/* Appends S as a JSON string known to need no escaping. */
static void add_plain_string(struct buf *out, const char *s, size_t n)
{
	buf_addc(out, '"');
	buf_add(out, s, n);
	buf_addc(out, '"');
}

static bool is_special_float(const char *s, size_t n)
{
	return is(s, n, "NaN") || is(s, n, "Infinity") || is(s, n, "-Infinity");
}

static bool is_infinity(const char *s, size_t n)
{
	return is(s, n, "infinity") || is(s, n, "-infinity");
}

static bool conv_integer(struct pgtypes *t, struct buf *out, const char *s, size_t n,
                         struct bad *bad)
{
	struct scan c = {s, n, 0};

	(void)t;
	if (!sc_integer(&c) || !sc_end(&c))
		return reject(bad, c.i, "an integer");
	buf_add(out, s, n);
	return true;
}

static bool conv_float(struct pgtypes *t, struct buf *out, const char *s, size_t n, struct bad *bad)
{
	size_t at;

	(void)t;
	if (is_special_float(s, n)) {
		add_plain_string(out, s, n);
		return true;
	}
	if (!jsoncheck_number(s, n, &at))
		return reject(bad, at, "a floating-point number");
	buf_add(out, s, n);
	return true;
}

static bool conv_numeric(struct pgtypes *t, struct buf *out, const char *s, size_t n,
                         struct bad *bad)
{
	struct scan c = {s, n, 0};

	(void)t;
	if (!is_special_float(s, n)) {
		sc_char(&c, '-');
		if (!sc_digits(&c, 1, SIZE_MAX) ||
		    (sc_char(&c, '.') && !sc_digits(&c, 1, SIZE_MAX)))
			return reject(bad, c.i, "a numeric");
		if (!sc_end(&c))
			return reject(bad, c.i, "a numeric");
	}
	add_plain_string(out, s, n);
	return true;
}

static bool conv_bool(struct pgtypes *t, struct buf *out, const char *s, size_t n, struct bad *bad)
{
	(void)t;
	if (is(s, n, "t"))
		buf_add(out, "true", 4);
	else if (is(s, n, "f"))
		buf_add(out, "false", 5);
	else
		return reject(bad, n == 1 ? 0 : 1, "a boolean (t or f)");
	return true;
}

static bool conv_string(struct pgtypes *t, struct buf *out, const char *s, size_t n,
                        struct bad *bad)
{
	(void)t;
	(void)bad;
	buf_add_json_string(out, s, n);
	return true;
}

static bool conv_date(struct pgtypes *t, struct buf *out, const char *s, size_t n, struct bad *bad)
{
	struct scan c = {s, n, 0};

	(void)t;
	if (!is_infinity(s, n) && (!sc_date(&c) || (!sc_bc(&c) && !sc_end(&c))))
		return reject(bad, c.i, "a date (YYYY-MM-DD, DateStyle ISO)");
	add_plain_string(out, s, n);
	return true;
}

static bool conv_time(struct pgtypes *t, struct buf *out, const char *s, size_t n, struct bad *bad)
{
	struct scan c = {s, n, 0};

	(void)t;
	if (!sc_time(&c) || !sc_end(&c))
		return reject(bad, c.i, "a time (HH:MM:SS[.ffffff])");
	add_plain_string(out, s, n);
	return true;
}

/* "2026-11-23 10:00:00.5" becomes "2026-11-23T10:00:00.5"; BC and infinities stay as written. */
static bool conv_timestamp(struct pgtypes *t, struct buf *out, const char *s, size_t n,
                           struct bad *bad)
{
	struct scan c = {s, n, 0};
	size_t date_end;

	(void)t;
	if (is_infinity(s, n)) {
		add_plain_string(out, s, n);
		return true;
	}
	if (!sc_date(&c) || (date_end = c.i, !sc_char(&c, ' ')) || !sc_time(&c))
		return reject(bad, c.i,
		              "a timestamp (YYYY-MM-DD HH:MM:SS[.ffffff], DateStyle ISO)");
	if (sc_bc(&c)) {
		add_plain_string(out, s, n);
		return true;
	}
	if (!sc_end(&c))
		return reject(bad, c.i,
		              "a timestamp (YYYY-MM-DD HH:MM:SS[.ffffff], DateStyle ISO)");
	buf_addc(out, '"');
	buf_add(out, s, date_end);
	buf_addc(out, 'T');
	buf_add(out, s + date_end + 1, n - date_end - 1);
	buf_addc(out, '"');
	return true;
}

/* "2026-11-23 10:00:00.5+00" becomes "2026-11-23T10:00:00.5Z"; any other offset is an error. */
static bool conv_timestamptz(struct pgtypes *t, struct buf *out, const char *s, size_t n,
                             struct bad *bad)
{
	static const char want[] = "a timestamp with time zone (DateStyle ISO)";
	struct scan c = {s, n, 0};
	size_t date_end, time_end;
	bool zero = false;

	(void)t;
	if (is_infinity(s, n)) {
		add_plain_string(out, s, n);
		return true;
	}
	if (!sc_date(&c) || (date_end = c.i, !sc_char(&c, ' ')) || !sc_time(&c))
		return reject(bad, c.i, want);
	time_end = c.i;
	if (!sc_offset(&c, &zero))
		return reject(bad, c.i, want);
	if (!zero)
		return reject(bad, time_end,
		              "a timestamp at UTC offset +00 (session TimeZone UTC)");
	if (sc_bc(&c)) {
		add_plain_string(out, s, n);
		return true;
	}
	if (!sc_end(&c))
		return reject(bad, c.i, want);
	buf_addc(out, '"');
	buf_add(out, s, date_end);
	buf_addc(out, 'T');
	buf_add(out, s + date_end + 1, time_end - date_end - 1);
	buf_add(out, "Z\"", 2);
	return true;
}

static bool conv_json(struct pgtypes *t, struct buf *out, const char *s, size_t n, struct bad *bad)
{
	size_t at;
	int rc = jsoncheck_text(&t->json, s, n, &at);

	if (rc < 0)
		return reject(bad, n, "checkable JSON (out of memory)");
	if (rc == 0)
		return reject(bad, at, "JSON");
	jsoncheck_append_compact(out, s, n);
	return true;
}

static int hex_value(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

/* "\x0a0b" becomes the base64 string of bytes 0a 0b, encoded a chunk at a time. */
static bool conv_bytea(struct pgtypes *t, struct buf *out, const char *s, size_t n, struct bad *bad)
{
	static const char want[] = "hex bytea (\\x..., bytea_output hex)";
	unsigned char chunk[768]; /* a multiple of 3: no padding between chunks */
	size_t k = 0;

	(void)t;
	if (n < 2 || s[0] != '\\' || s[1] != 'x')
		return reject(bad, n && s[0] == '\\' ? 1 : 0, want);
	if (n % 2)
		return reject(bad, n, want);
	buf_addc(out, '"');
	for (size_t i = 2; i < n; i += 2) {
		int hi = hex_value(s[i]), lo = hex_value(s[i + 1]);

		if (hi < 0 || lo < 0)
			return reject(bad, hi < 0 ? i : i + 1, want);
		chunk[k++] = (unsigned char)(hi << 4 | lo);
		if (k == sizeof(chunk)) {
			buf_add_base64(out, chunk, k);
			k = 0;
		}
	}
	buf_add_base64(out, chunk, k);
	buf_addc(out, '"');
	return true;
}

static const conv_fn converters[] = {
    [PGT_INTEGER] = conv_integer,
    [PGT_FLOAT] = conv_float,
    [PGT_NUMERIC] = conv_numeric,
    [PGT_BOOL] = conv_bool,
    [PGT_STRING] = conv_string,
    [PGT_DATE] = conv_date,
    [PGT_TIME] = conv_time,
    [PGT_TIMESTAMP] = conv_timestamp,
    [PGT_TIMESTAMPTZ] = conv_timestamptz,
    [PGT_JSON] = conv_json,
    [PGT_BYTEA] = conv_bytea,
    [PGT_ARRAY] = NULL,
    [PGT_TEXT_FORM] = conv_string,
};

/* ---- entry points -------------------------------------------------------------------------- */

/* Says why S (N bytes) is not a value of OID (an element of ARRAY_OID when not 0). */
static int bad_value(uint32_t oid, uint32_t array_oid, const char *s, size_t n, const struct bad *b,
                     char *err, size_t errlen)
{
	char tmp[32], what[48], where[64];
	unsigned char ch = b->at < n ? (unsigned char)s[b->at] : 0;

	if (array_oid)
		snprintf(what, sizeof(what), "%s element", type_name(array_oid, tmp, sizeof(tmp)));
	else
		snprintf(what, sizeof(what), "%s value", type_name(oid, tmp, sizeof(tmp)));
	if (b->at >= n)
		snprintf(where, sizeof(where), "it ends too early");
	else if (ch >= 0x20 && ch < 0x7f)
		snprintf(where, sizeof(where), "unexpected '%c' at byte %zu", ch, b->at);
	else
		snprintf(where, sizeof(where), "unexpected byte 0x%02x at byte %zu", ch, b->at);
	snprintf(err, errlen, "pgtypes: %s of %zu bytes is not %s: %s", what, n, b->want, where);
	return -1;
}

/* Appends the JSON of a non-array value of class CLS. */
static int convert(struct pgtypes *t, struct buf *out, enum pgtype_class cls, uint32_t oid,
                   uint32_t array_oid, const char *s, size_t n, char *err, size_t errlen)
{
	struct bad b = {0, ""};
	conv_fn fn = cls > PGT_UNKNOWN && cls <= PGT_TEXT_FORM ? converters[cls] : NULL;
	char tmp[32];

	if (!fn) {
		snprintf(err, errlen, "pgtypes: %s: class %d cannot be an array element",
		         type_name(oid, tmp, sizeof(tmp)), (int)cls);
		return -1;
	}
	if (fn(t, out, s, n, &b))
		return 0;
	return bad_value(oid, array_oid, s, n, &b, err, errlen);
}

/* What an array's element callback needs. */
struct elemctx {
	struct pgtypes *t;
	enum pgtype_class cls;
	uint32_t oid, array_oid;
};

static int convert_elem(void *arg, struct buf *out, const char *s, size_t n, char *err,
                        size_t errlen)
{
	const struct elemctx *e = arg;

	return convert(e->t, out, e->cls, e->oid, e->array_oid, s, n, err, errlen);
}

static int convert_array(struct pgtypes *t, struct buf *out, uint32_t oid, uint32_t elem_oid,
                         const char *s, size_t n, char *err, size_t errlen)
{
	struct pgtype_info ei;
	struct elemctx e = {t, PGT_UNKNOWN, elem_oid, oid};
	char tmp[32], msg[256];

	if (pgtypes_info(t, elem_oid, &ei, err, errlen) < 0)
		return -1;
	e.cls = ei.cls;
	if (pgarray_to_json(out, s, n, elem_oid == BOX_OID ? ';' : ',', &t->elem, convert_elem, &e,
	                    err, errlen) == 0)
		return 0;
	if (errlen && strncmp(err, "pgarray: ", 9) == 0) {
		snprintf(msg, sizeof(msg), "%s", err + 9);
		snprintf(err, errlen, "pgtypes: %s value of %zu bytes: %s",
		         type_name(oid, tmp, sizeof(tmp)), n, msg);
	}
	return -1;
}

int pgtypes_append_json(struct pgtypes *t, struct buf *out, uint32_t oid, const char *text,
                        size_t len, char *err, size_t errlen)
{
	struct pgtype_info info;
	size_t mark = out->len;
	int rc;

	if (pgtypes_info(t, oid, &info, err, errlen) < 0)
		return -1;
	if (info.cls == PGT_ARRAY)
		rc = convert_array(t, out, oid, info.elem_oid, text, len, err, errlen);
	else
		rc = convert(t, out, info.cls, oid, 0, text, len, err, errlen);
	if (rc < 0 && out->len > mark) {
		out->len = mark;
		out->data[mark] = '\0';
	}
	return rc;
}
