/*
 * idstore: what an HTTP target must remember across restarts, in one SQLite file per target
 * under state_dir: the remote id the API gave each key of each rule (so updates and deletes
 * address the right resource) and the applier's offsets, written in one transaction per batch.
 *
 * Why SQLite: the map grows with the number of keys, not with a batch, so it must live on disk
 * (bounded memory); a commit must be atomic with the offsets (a crash between "POST answered
 * with id 42" and "offset stored" may only repeat the request, whose Idempotency-Key makes the
 * API answer the same id); several appliers may share a target (SQLite locks the file). The
 * file is in WAL mode with synchronous=FULL: a commit survives kill -9 and power loss.
 *
 * Every function returns 0 (or 1, see idstore_get) on success, -1 with err filled naming the
 * file and SQLite's message. Strings are NUL-terminated UTF-8.
 */
#ifndef SPOKE_IDSTORE_H
#define SPOKE_IDSTORE_H

#include <stddef.h>
#include <stdint.h>

struct idstore;

/* Opens (creating the file and its tables when missing) the store at PATH. */
struct idstore *idstore_open(const char *path, char *err, size_t errlen);
void idstore_close(struct idstore *s);

/* A write transaction: begin, then get/put/del/save_offset, then commit or rollback. */
int idstore_begin(struct idstore *s, char *err, size_t errlen);
int idstore_commit(struct idstore *s, char *err, size_t errlen);
/* A no-op outside a transaction. */
void idstore_rollback(struct idstore *s);

/*
 * The remote id stored for KEY of rule RULE of applier APPLIER: 1 with *id (malloc'd; free it)
 * when there is one, 0 when not (*id NULL), -1 on failure.
 */
int idstore_get(struct idstore *s, const char *applier, const char *rule, const char *key,
                char **id, char *err, size_t errlen);
/* Stores ID for KEY (replacing any). */
int idstore_put(struct idstore *s, const char *applier, const char *rule, const char *key,
                const char *id, char *err, size_t errlen);
/* Forgets KEY's id (no error when there is none). */
int idstore_del(struct idstore *s, const char *applier, const char *rule, const char *key,
                char *err, size_t errlen);

/* Stores NEXT as the next offset of TOPIC's partition PART for APPLIER. */
int idstore_save_offset(struct idstore *s, const char *applier, const char *topic, int part,
                        int64_t next, char *err, size_t errlen);
/* Calls FN for every offset stored for APPLIER. */
int idstore_load_offsets(struct idstore *s, const char *applier,
                         void (*fn)(void *arg, const char *topic, int part, int64_t next),
                         void *arg, char *err, size_t errlen);

#endif
