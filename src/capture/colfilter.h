/* colfilter: columns a source never publishes (exclude_columns) or publishes masked (mask_columns). */
#ifndef SPOKE_COLFILTER_H
#define SPOKE_COLFILTER_H

#include "core/buf.h"

#include <stdbool.h>
#include <stddef.h>

enum col_action { COL_KEEP, COL_EXCLUDE, COL_SHA256, COL_REDACT };

struct colfilter;

/*
 * Builds the filter from "schema.table.column" entries (EXCLUDE) and "schema.table.column" or
 * "schema.table.column:sha256|redact" entries (MASK; sha256 when unsaid). Returns NULL with err
 * naming the bad entry.
 */
struct colfilter *colfilter_new(char *const *exclude, size_t nexclude, char *const *mask,
                                size_t nmask, char *err, size_t errlen);
void colfilter_free(struct colfilter *f);

struct conf_section;
/* The filter of a [source] section: its exclude_columns and mask_columns keys. */
struct colfilter *colfilter_for_source(const struct conf_section *sec, char *err, size_t errlen);

/* What to do with SCHEMA.TABLE.COLUMN. F may be NULL (keep everything). */
enum col_action colfilter_action(const struct colfilter *f, const char *schema, const char *table,
                                 const char *column);

/* True when some rule names a column of SCHEMA.TABLE (F may be NULL). */
bool colfilter_has_table(const struct colfilter *f, const char *schema, const char *table);

/*
 * Appends the masked form of TEXT (LEN bytes) as a JSON string: sha256 -> lowercase hex of the
 * SHA-256 of the value's text, redact -> "****". The clear value never reaches OUT.
 */
void colfilter_mask(enum col_action action, const char *text, size_t len, struct buf *out);

#endif
