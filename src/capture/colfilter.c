/* colfilter: columns a source never publishes (exclude_columns) or publishes masked (mask_columns). */
#include "capture/colfilter.h"
#include "core/config.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct rule {
	char *schema, *table, *column;
	enum col_action action;
};

struct colfilter {
	struct rule *rules;
	size_t n;
};

/* Splits "schema.table.column[:how]" into a rule; false when it has another shape. */
static bool parse_entry(const char *entry, bool masking, struct rule *r)
{
	char *copy = strdup(entry), *how, *d1, *d2;

	if (!copy)
		return false;
	how = strchr(copy, ':');
	if (how)
		*how++ = '\0';
	d1 = strchr(copy, '.');
	d2 = d1 ? strchr(d1 + 1, '.') : NULL;
	if (!d1 || !d2 || strchr(d2 + 1, '.') || d1 == copy || d2 == d1 + 1 || !d2[1] ||
	    (how && !masking)) {
		free(copy);
		return false;
	}
	r->action = !masking                             ? COL_EXCLUDE
	            : !how || strcmp(how, "sha256") == 0 ? COL_SHA256
	            : strcmp(how, "redact") == 0         ? COL_REDACT
	                                                 : COL_KEEP;
	*d1 = *d2 = '\0';
	r->schema = copy;
	r->table = d1 + 1;
	r->column = d2 + 1;
	if (r->action == COL_KEEP) {
		free(copy);
		return false;
	}
	return true;
}

static int add_entries(struct colfilter *f, char *const *list, size_t n, bool masking, char *err,
                       size_t errlen)
{
	for (size_t i = 0; i < n; i++) {
		if (!parse_entry(list[i], masking, &f->rules[f->n])) {
			snprintf(err, errlen, "%s entry '%s' is not schema.table.column%s",
			         masking ? "mask_columns" : "exclude_columns", list[i],
			         masking ? "[:sha256|:redact]" : "");
			return -1;
		}
		f->n++;
	}
	return 0;
}

struct colfilter *colfilter_new(char *const *exclude, size_t nexclude, char *const *mask,
                                size_t nmask, char *err, size_t errlen)
{
	struct colfilter *f = calloc(1, sizeof(*f));

	if (f)
		f->rules = calloc(nexclude + nmask + 1, sizeof(*f->rules));
	if (!f || !f->rules) {
		snprintf(err, errlen, "out of memory");
		colfilter_free(f);
		return NULL;
	}
	if (add_entries(f, exclude, nexclude, false, err, errlen) < 0 ||
	    add_entries(f, mask, nmask, true, err, errlen) < 0) {
		colfilter_free(f);
		return NULL;
	}
	return f;
}

struct colfilter *colfilter_for_source(const struct conf_section *sec, char *err, size_t errlen)
{
	size_t nex, nmask;
	char *const *ex = conf_list(sec, "exclude_columns", &nex);
	char *const *mask = conf_list(sec, "mask_columns", &nmask);

	return colfilter_new(ex, nex, mask, nmask, err, errlen);
}

void colfilter_free(struct colfilter *f)
{
	if (!f)
		return;
	for (size_t i = 0; i < f->n; i++)
		free(f->rules[i].schema);
	free(f->rules);
	free(f);
}

enum col_action colfilter_action(const struct colfilter *f, const char *schema, const char *table,
                                 const char *column)
{
	for (size_t i = 0; f && i < f->n; i++) {
		const struct rule *r = &f->rules[i];

		if (strcmp(r->column, column) == 0 && strcmp(r->table, table) == 0 &&
		    strcmp(r->schema, schema) == 0)
			return r->action;
	}
	return COL_KEEP;
}

bool colfilter_has_table(const struct colfilter *f, const char *schema, const char *table)
{
	for (size_t i = 0; f && i < f->n; i++)
		if (strcmp(f->rules[i].table, table) == 0 &&
		    strcmp(f->rules[i].schema, schema) == 0)
			return true;
	return false;
}

void colfilter_mask(enum col_action action, const char *text, size_t len, struct buf *out)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	char digest[2 * EVP_MAX_MD_SIZE + 1];

	if (action != COL_SHA256 || !EVP_Digest(text, len, md, &mdlen, EVP_sha256(), NULL)) {
		buf_adds(out, "\"****\"");
		return;
	}
	for (unsigned int i = 0; i < mdlen; i++) {
		digest[2 * i] = hex[md[i] >> 4];
		digest[2 * i + 1] = hex[md[i] & 15];
	}
	buf_add_json_string(out, digest, 2 * mdlen);
}
