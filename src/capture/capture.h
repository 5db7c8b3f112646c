/* capture: the capture sources spoke knows, one row per database kind, and how to run one. */
#ifndef SPOKE_CAPTURE_H
#define SPOKE_CAPTURE_H

#include "core/config.h"

#include <jansson.h>

#include <stdbool.h>
#include <stdio.h>

/*
 * What a kind of source does. Each returns 0, or -1 after logging the reason (once, naming the
 * source and the object). run() returns when a stop was requested (0) or on an error it cannot
 * get past without losing data (-1); transient failures (a restarted server) it retries itself.
 */
struct source_ops {
	const char *type; /* the [source] type = value */
	int (*run)(const struct config *cfg, const struct conf_section *sec);
	/* Creates what capture needs; with OUT set, writes the SQL there instead of running it. */
	int (*setup)(const struct config *cfg, const struct conf_section *sec, FILE *out);
	int (*teardown)(const struct config *cfg, const struct conf_section *sec, FILE *out);
	/*
	 * spoke status: adds what the database says of the source to OUT (a JSON object), or NULL
	 * when the kind has nothing to ask. Returns 0, or -1 with err filled (not logged).
	 */
	int (*status)(const struct config *cfg, const struct conf_section *sec, json_t *out,
	              char *err, size_t errlen);
};

/* The operations for TYPE, or NULL. */
const struct source_ops *capture_ops(const char *type);

/* PostgreSQL logical decoding (pg_source.c, pg_setup.c). */
int pg_source_run(const struct config *cfg, const struct conf_section *sec);
int pg_setup(const struct config *cfg, const struct conf_section *sec, FILE *out);
int pg_teardown(const struct config *cfg, const struct conf_section *sec, FILE *out);
/* The slot: position, lag_bytes, retained_wal_bytes, slot_active (pg_status.c). */
int pg_status(const struct config *cfg, const struct conf_section *sec, json_t *out, char *err,
              size_t errlen);

/* Trigger tables: MariaDB/MySQL (libmysqlclient) and any database through ODBC (trigger*.c). */
int trigger_source_run(const struct config *cfg, const struct conf_section *sec);
int trigger_setup(const struct config *cfg, const struct conf_section *sec, FILE *out);
int trigger_teardown(const struct config *cfg, const struct conf_section *sec, FILE *out);

#endif
