/* pgtypes: converts PostgreSQL values (text output) to JSON by type OID, per DESIGN.md's table. */
#ifndef SPOKE_PGTYPES_H
#define SPOKE_PGTYPES_H

#include "core/buf.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * How a type's values become JSON. Built-in OIDs are known; other types (enums, domains,
 * arrays of them, extension types) are resolved once through a lookup the caller supplies.
 */
enum pgtype_class {
	PGT_UNKNOWN = 0, /* not resolved yet */
	PGT_INTEGER,     /* int2, int4, int8, oid: JSON number as written */
	PGT_FLOAT,       /* float4, float8: number; NaN and +-Infinity as strings */
	PGT_NUMERIC,     /* numeric: string of the exact digits */
	PGT_BOOL,        /* true / false */
	PGT_STRING,      /* text, varchar, char, uuid, enum, inet, interval, name, ...: string */
	PGT_DATE,        /* "2026-11-23" */
	PGT_TIME,        /* "10:00:00.123456" */
	PGT_TIMESTAMP,   /* "2026-11-23T10:00:00.123456" */
	PGT_TIMESTAMPTZ, /* "2026-11-23T10:00:00.123456Z" (UTC) */
	PGT_JSON,        /* json, jsonb: embedded, whitespace between tokens removed */
	PGT_BYTEA,       /* base64 string */
	PGT_ARRAY,       /* JSON array of the element type */
	PGT_TEXT_FORM,   /* anything else: its text form as a string */
};

struct pgtype_info {
	enum pgtype_class cls;
	uint32_t elem_oid; /* PGT_ARRAY: the element type */
};

/*
 * Resolves a type that is not built in: fills info (domains resolve to their base type's class,
 * enums to PGT_STRING, arrays to PGT_ARRAY with elem_oid). Returns 0, or -1 with err filled.
 * It may call pgtypes_info() on the same struct pgtypes (e.g. for a domain's base type; keep
 * the struct in ARG); nesting deeper than 8 lookups is reported as a cycle. Results are cached
 * for the life of the struct; a failed lookup is not cached and is asked again next time.
 */
typedef int (*pgtypes_lookup_fn)(void *arg, uint32_t oid, struct pgtype_info *info, char *err,
                                 size_t errlen);

struct pgtypes;

/* LOOKUP may be NULL: unknown types then use PGT_TEXT_FORM. Returns NULL when out of memory. */
struct pgtypes *pgtypes_new(pgtypes_lookup_fn lookup, void *arg);
/* Accepts NULL. */
void pgtypes_free(struct pgtypes *t);

/*
 * Appends the JSON form of TEXT (LEN bytes, PostgreSQL's text output of a value of type OID)
 * to OUT. Expects the session settings spoke's connections use: DateStyle ISO, TimeZone UTC,
 * bytea_output hex, extra_float_digits 3, IntervalStyle iso_8601. Returns 0, or -1 with err
 * filled when the lookup fails or the text cannot be parsed as that type (never guesses); OUT
 * is then left as it was. NULL values are the caller's: it writes null itself. The error names
 * the type and the offending byte's position, never the value.
 */
int pgtypes_append_json(struct pgtypes *t, struct buf *out, uint32_t oid, const char *text,
                        size_t len, char *err, size_t errlen);

/* The conversion class of OID, resolving it if needed. Returns 0, or -1 with err filled. */
int pgtypes_info(struct pgtypes *t, uint32_t oid, struct pgtype_info *info, char *err,
                 size_t errlen);

#endif
