/*
 * Golden cases for capture/pgoutput + capture/pgtypes: pgoutput streams recorded from a real
 * PostgreSQL (tests/cases/pgoutput/<case>/input.hex, see the README there) are decoded and
 * printed one line per message, then compared with the case's expected.txt.
 * UPDATE_GOLDEN=1 writes expected.txt from the actual output instead.
 */
#include "unit.h"
#include "capture/jsoncheck.h"
#include "capture/pgoutput.h"
#include "capture/pgtypes.h"
#include "core/buf.h"

#include <dirent.h>
#include <sys/stat.h>
#include <stdint.h>
#include <stdlib.h>

#define CASES_DIR  "tests/cases/pgoutput"
#define MAX_TYPES  64
#define MAX_CASES  64
#define LONG_VALUE 160 /* longer JSON values are printed as their size and hash */

/* A type the stream or types.txt told us about. KIND: 'e' enum, 'd' domain, 'a' array, 0. */
struct custom_type {
	uint32_t oid;
	char kind;
	uint32_t arg; /* domain: base type; array: element type */
	char name[128];
};

struct printer {
	struct buf out; /* the printed lines */
	struct buf val; /* one value's JSON */
	struct pgtypes *types;
	struct jsoncheck json;
	struct custom_type custom[MAX_TYPES];
	int ncustom;
};

static struct custom_type *custom(struct printer *p, uint32_t oid, bool add)
{
	for (int i = 0; i < p->ncustom; i++)
		if (p->custom[i].oid == oid)
			return &p->custom[i];
	if (!add || p->ncustom == MAX_TYPES)
		return NULL;
	p->custom[p->ncustom] = (struct custom_type){.oid = oid};
	return &p->custom[p->ncustom++];
}

/* The lookup a real caller would run as SQL on pg_type, answered from types.txt. */
static int lookup(void *arg, uint32_t oid, struct pgtype_info *info, char *err, size_t errlen)
{
	struct printer *p = arg;
	const struct custom_type *c = custom(p, oid, false);

	switch (c ? c->kind : 0) {
	case 'e':
		info->cls = PGT_STRING;
		return 0;
	case 'a':
		info->cls = PGT_ARRAY;
		info->elem_oid = c->arg;
		return 0;
	case 'd':
		return pgtypes_info(p->types, c->arg, info, err, errlen);
	default:
		info->cls = PGT_TEXT_FORM;
		return 0;
	}
}

static uint32_t fnv1a(const char *s, size_t n)
{
	uint32_t h = 2166136261u;

	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)s[i]) * 16777619u;
	return h;
}

/* Prints one value of type OID as its JSON (checked to be valid JSON). */
static void print_value(struct printer *p, uint32_t oid, const char *data, size_t len)
{
	char err[256];
	size_t at;

	buf_reset(&p->val);
	if (pgtypes_append_json(p->types, &p->val, oid, data, len, err, sizeof(err)) < 0) {
		buf_addf(&p->out, "!error(%s)", err);
		return;
	}
	if (jsoncheck_text(&p->json, p->val.data, p->val.len, &at) != 1)
		buf_addf(&p->out, "!invalid-json-at-%zu:", at);
	if (p->val.len > LONG_VALUE)
		buf_addf(&p->out, "<json %zu bytes fnv1a %08x>", p->val.len,
		         fnv1a(p->val.data, p->val.len));
	else
		buf_add(&p->out, p->val.data, p->val.len);
}

/* {"col":value,...} without unchanged values, then " unchanged=[...]" when there were any. */
static void print_tuple(struct printer *p, const struct pgo_relation *rel,
                        const struct pgo_tuple *t)
{
	bool first = true, any_unchanged = false;

	buf_addc(&p->out, '{');
	for (int i = 0; i < t->ncols; i++) {
		const struct pgo_value *v = &t->vals[i];

		if (v->kind == PGO_UNCHANGED) {
			any_unchanged = true;
			continue;
		}
		if (!first)
			buf_addc(&p->out, ',');
		first = false;
		buf_add_json_string(&p->out, rel->cols[i].name, strlen(rel->cols[i].name));
		buf_addc(&p->out, ':');
		if (v->kind == PGO_NULL)
			buf_adds(&p->out, "null");
		else if (v->kind == PGO_BINARY)
			buf_addf(&p->out, "\"<binary %u bytes>\"", v->len);
		else
			print_value(p, rel->cols[i].type_oid, v->data, v->len);
	}
	buf_addc(&p->out, '}');
	if (!any_unchanged)
		return;
	buf_adds(&p->out, " unchanged=[");
	first = true;
	for (int i = 0; i < t->ncols; i++) {
		if (t->vals[i].kind != PGO_UNCHANGED)
			continue;
		if (!first)
			buf_addc(&p->out, ',');
		first = false;
		buf_add_json_string(&p->out, rel->cols[i].name, strlen(rel->cols[i].name));
	}
	buf_addc(&p->out, ']');
}

static int on_begin(void *arg, uint64_t final_lsn, int64_t commit_ts, uint32_t xid, char *err,
                    size_t errlen)
{
	struct printer *p = arg;

	(void)final_lsn, (void)commit_ts, (void)xid, (void)err, (void)errlen;
	buf_adds(&p->out, "begin\n");
	return 0;
}

static int on_commit(void *arg, uint64_t commit_lsn, uint64_t end_lsn, int64_t commit_ts, char *err,
                     size_t errlen)
{
	struct printer *p = arg;

	(void)commit_lsn, (void)end_lsn, (void)commit_ts, (void)err, (void)errlen;
	buf_adds(&p->out, "commit\n");
	return 0;
}

static int on_origin(void *arg, uint64_t origin_lsn, const char *name, char *err, size_t errlen)
{
	struct printer *p = arg;

	(void)err, (void)errlen;
	buf_addf(&p->out, "origin %s lsn=%X/%X\n", name, (unsigned)(origin_lsn >> 32),
	         (unsigned)origin_lsn);
	return 0;
}

static int on_type(void *arg, uint32_t oid, const char *schema, const char *name, char *err,
                   size_t errlen)
{
	struct printer *p = arg;
	struct custom_type *c = custom(p, oid, true);

	(void)err, (void)errlen;
	if (c)
		snprintf(c->name, sizeof(c->name), "%s.%s", schema, name);
	buf_addf(&p->out, "type %s.%s\n", schema, name);
	return 0;
}

static int on_relation(void *arg, const struct pgo_relation *rel, char *err, size_t errlen)
{
	struct printer *p = arg;

	(void)err, (void)errlen;
	buf_addf(&p->out, "relation %s.%s replident=%c", rel->schema, rel->name, rel->replident);
	for (int i = 0; i < rel->ncols; i++) {
		const struct pgo_column *col = &rel->cols[i];
		const struct custom_type *c = custom(p, col->type_oid, false);

		if (c && c->name[0])
			buf_addf(&p->out, " %s:%s", col->name, c->name);
		else
			buf_addf(&p->out, " %s:%u", col->name, col->type_oid);
		if (col->typmod != -1)
			buf_addf(&p->out, "(%d)", col->typmod);
		if (col->key)
			buf_adds(&p->out, ":key");
	}
	buf_addc(&p->out, '\n');
	return 0;
}

static int on_insert(void *arg, const struct pgo_relation *rel, const struct pgo_tuple *newtup,
                     char *err, size_t errlen)
{
	struct printer *p = arg;

	(void)err, (void)errlen;
	buf_addf(&p->out, "insert %s.%s ", rel->schema, rel->name);
	print_tuple(p, rel, newtup);
	buf_addc(&p->out, '\n');
	return 0;
}

static int on_update(void *arg, const struct pgo_relation *rel, const struct pgo_tuple *old,
                     char oldkind, const struct pgo_tuple *newtup, char *err, size_t errlen)
{
	struct printer *p = arg;

	(void)err, (void)errlen;
	buf_addf(&p->out, "update %s.%s ", rel->schema, rel->name);
	if (old) {
		buf_addf(&p->out, "old=%c ", oldkind);
		print_tuple(p, rel, old);
		buf_addc(&p->out, ' ');
	}
	buf_adds(&p->out, "new=");
	print_tuple(p, rel, newtup);
	buf_addc(&p->out, '\n');
	return 0;
}

static int on_delete(void *arg, const struct pgo_relation *rel, const struct pgo_tuple *old,
                     char oldkind, char *err, size_t errlen)
{
	struct printer *p = arg;

	(void)err, (void)errlen;
	buf_addf(&p->out, "delete %s.%s old=%c ", rel->schema, rel->name, oldkind);
	print_tuple(p, rel, old);
	buf_addc(&p->out, '\n');
	return 0;
}

static int on_truncate(void *arg, int nrels, const struct pgo_relation *const *rels,
                       uint8_t options, char *err, size_t errlen)
{
	struct printer *p = arg;

	(void)err, (void)errlen;
	buf_adds(&p->out, "truncate");
	for (int i = 0; i < nrels; i++)
		buf_addf(&p->out, "%c%s.%s", i ? ',' : ' ', rels[i]->schema, rels[i]->name);
	buf_addf(&p->out, " options=%u\n", options);
	return 0;
}

static int on_message(void *arg, uint64_t lsn, bool transactional, const char *prefix,
                      const char *content, uint32_t len, char *err, size_t errlen)
{
	struct printer *p = arg;
	bool printable = true;

	(void)lsn, (void)err, (void)errlen;
	for (uint32_t i = 0; i < len; i++)
		printable = printable && content[i] >= 0x20 && content[i] < 0x7f;
	buf_addf(&p->out, "message transactional=%d prefix=%s content=", transactional, prefix);
	if (printable) {
		buf_add_json_string(&p->out, content, len);
	} else {
		buf_adds(&p->out, "hex:");
		for (uint32_t i = 0; i < len; i++)
			buf_addf(&p->out, "%02x", (unsigned char)content[i]);
	}
	buf_addc(&p->out, '\n');
	return 0;
}

static const struct pgo_callbacks printing = {
    .begin = on_begin,
    .commit = on_commit,
    .origin = on_origin,
    .relation = on_relation,
    .type = on_type,
    .insert = on_insert,
    .update = on_update,
    .delete = on_delete,
    .truncate = on_truncate,
    .message = on_message,
};

/* Reads PATH into B (which it resets). Returns -1 when it cannot be read. */
static int read_file(const char *path, struct buf *b)
{
	char chunk[65536];
	FILE *f = fopen(path, "rb");
	size_t n;

	buf_reset(b);
	if (!f)
		return -1;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		buf_add(b, chunk, n);
	fclose(f);
	return buf_ok(b) ? 0 : -1;
}

/* Loads types.txt lines "OID enum", "OID domain BASE", "OID array ELEM" when there is one. */
static void load_types(struct printer *p, const char *dir)
{
	char path[512], kind[16];
	unsigned oid, arg;
	FILE *f;

	snprintf(path, sizeof(path), "%s/types.txt", dir);
	f = fopen(path, "r");
	if (!f)
		return;
	while (fscanf(f, "%u %15s", &oid, kind) == 2) {
		struct custom_type *c = custom(p, oid, true);

		arg = 0;
		if (strcmp(kind, "enum") != 0 && fscanf(f, "%u", &arg) != 1)
			break;
		if (c) {
			c->kind = kind[0] == 'e' ? 'e' : kind[0] == 'd' ? 'd' : 'a';
			c->arg = arg;
		}
	}
	fclose(f);
}

static int hex_digit(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Decodes one hex line into an exactly sized allocation, so that overreads are caught. */
static char *unhex(const char *line, size_t n, size_t *len)
{
	char *msg = malloc(n / 2 ? n / 2 : 1);

	if (!msg || n % 2)
		goto fail;
	for (size_t i = 0; i < n; i += 2) {
		int hi = hex_digit(line[i]), lo = hex_digit(line[i + 1]);

		if (hi < 0 || lo < 0)
			goto fail;
		msg[i / 2] = (char)(hi << 4 | lo);
	}
	*len = n / 2;
	return msg;
fail:
	free(msg);
	return NULL;
}

/* Decodes every line of INPUT, printing into p->out. */
static void decode_all(struct printer *p, const struct buf *input)
{
	struct pgoutput *d = pgoutput_new();
	const char *line = input->data ? input->data : "";
	char err[256];

	while (*line) {
		const char *eol = strchr(line, '\n');
		size_t n = eol ? (size_t)(eol - line) : strlen(line), len = 0;
		char *msg = unhex(line, n, &len);

		if (!msg)
			buf_adds(&p->out, "!bad hex line\n");
		else if (pgoutput_decode(d, msg, len, &printing, p, err, sizeof(err)) < 0)
			buf_addf(&p->out, "!decode error: %s\n", err);
		free(msg);
		line += n + (eol ? 1 : 0);
	}
	pgoutput_free(d);
}

/* Prints where GOT and WANT first differ. */
static void show_difference(const char *name, const char *got, const char *want)
{
	int line = 1;
	size_t i = 0, start = 0;

	while (got[i] && got[i] == want[i]) {
		if (got[i] == '\n') {
			line++;
			start = i + 1;
		}
		i++;
	}
	fprintf(stderr, "  case %s differs at line %d (UPDATE_GOLDEN=1 rewrites it)\n", name, line);
	fprintf(stderr, "    got:  %.*s\n", (int)strcspn(got + start, "\n"), got + start);
	fprintf(stderr, "    want: %.*s\n", (int)strcspn(want + start, "\n"), want + start);
}

/* Runs one case; false when its output differs from expected.txt. */
static bool run_case(const char *name)
{
	struct printer p = {.out = BUF_INIT, .val = BUF_INIT, .json = JSONCHECK_INIT};
	struct buf input = BUF_INIT, want = BUF_INIT;
	char dir[256], path[512];
	bool ok = false;

	snprintf(dir, sizeof(dir), "%s/%s", CASES_DIR, name);
	snprintf(path, sizeof(path), "%s/input.hex", dir);
	if (read_file(path, &input) < 0) {
		fprintf(stderr, "  cannot read %s\n", path);
		goto out;
	}
	load_types(&p, dir);
	p.types = pgtypes_new(lookup, &p);
	decode_all(&p, &input);
	snprintf(path, sizeof(path), "%s/expected.txt", dir);
	if (getenv("UPDATE_GOLDEN") && strcmp(getenv("UPDATE_GOLDEN"), "1") == 0) {
		FILE *f = fopen(path, "wb");

		ok = f && fwrite(p.out.data, 1, p.out.len, f) == p.out.len;
		ok = f && fclose(f) == 0 && ok;
		goto out;
	}
	if (read_file(path, &want) < 0) {
		fprintf(stderr, "  cannot read %s\n", path);
		goto out;
	}
	ok = strcmp(p.out.data ? p.out.data : "", want.data ? want.data : "") == 0;
	if (!ok)
		show_difference(name, p.out.data ? p.out.data : "", want.data ? want.data : "");
out:
	pgtypes_free(p.types);
	jsoncheck_release(&p.json);
	buf_release(&p.out);
	buf_release(&p.val);
	buf_release(&input);
	buf_release(&want);
	return ok;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

TEST(pgoutput_cases)
{
	char *names[MAX_CASES];
	size_t n = 0;
	struct dirent *e;
	DIR *d = opendir(CASES_DIR);

	if (!d) {
		fprintf(stderr, "  cannot open %s (run from the repository root)\n", CASES_DIR);
		*unit_failed = true;
		return;
	}
	while ((e = readdir(d)) && n < MAX_CASES) {
		char path[512];
		struct stat st;

		snprintf(path, sizeof(path), "%s/%s", CASES_DIR, e->d_name);
		if (e->d_name[0] != '.' && stat(path, &st) == 0 && S_ISDIR(st.st_mode))
			names[n++] = strdup(e->d_name);
	}
	closedir(d);
	qsort(names, n, sizeof(names[0]), by_name);
	CHECK(n >= 9);
	for (size_t i = 0; i < n; i++) {
		if (!run_case(names[i]))
			*unit_failed = true;
		free(names[i]);
	}
}
