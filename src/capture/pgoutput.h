/* pgoutput: decodes the messages of PostgreSQL's pgoutput plugin (protocol version 1). */
#ifndef SPOKE_PGOUTPUT_H
#define SPOKE_PGOUTPUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A column of a relation, as the last Relation message described it. */
struct pgo_column {
	char *name;
	uint32_t type_oid;
	int32_t typmod;
	bool key; /* part of the replica identity key (flag 1) */
};

/* A relation (table). Owned by the decoder; valid until the next Relation message for its OID. */
struct pgo_relation {
	uint32_t oid;
	char *schema;
	char *name;
	char replident; /* 'd' default, 'n' nothing, 'f' full, 'i' index */
	int ncols;
	struct pgo_column *cols;
};

enum pgo_kind { PGO_NULL = 'n', PGO_UNCHANGED = 'u', PGO_TEXT = 't', PGO_BINARY = 'b' };

/* One value of a tuple. DATA points into the message being decoded (not NUL-terminated). */
struct pgo_value {
	enum pgo_kind kind;
	const char *data;
	uint32_t len;
};

/* A tuple: ncols values in the relation's column order. Valid only during the callback. */
struct pgo_tuple {
	int ncols;
	struct pgo_value *vals;
};

/*
 * What the decoder calls, one callback per message. Each returns 0 to go on or -1 to stop
 * decoding (pgoutput_decode then returns -1 and leaves err as the callback wrote it in
 * pgoutput_decode's err buffer, passed as the last two arguments; left empty, it becomes "the X
 * callback stopped decoding"). NULL callbacks are skipped. Strings and tuples point into the
 * message and are valid only during the callback.
 * LSNs are 64-bit positions; timestamps are PostgreSQL microseconds since 2000-01-01.
 */
struct pgo_callbacks {
	int (*begin)(void *arg, uint64_t final_lsn, int64_t commit_ts, uint32_t xid, char *err,
	             size_t errlen);
	int (*commit)(void *arg, uint64_t commit_lsn, uint64_t end_lsn, int64_t commit_ts,
	              char *err, size_t errlen);
	int (*origin)(void *arg, uint64_t origin_lsn, const char *name, char *err, size_t errlen);
	int (*relation)(void *arg, const struct pgo_relation *rel, char *err, size_t errlen);
	int (*type)(void *arg, uint32_t oid, const char *schema, const char *name, char *err,
	            size_t errlen);
	int (*insert)(void *arg, const struct pgo_relation *rel, const struct pgo_tuple *newtup,
	              char *err, size_t errlen);
	/* OLD is NULL unless the message carried one; OLDKIND is 'K' (key only), 'O' (whole old row) or 0. */
	int (*update)(void *arg, const struct pgo_relation *rel, const struct pgo_tuple *old,
	              char oldkind, const struct pgo_tuple *newtup, char *err, size_t errlen);
	int (*delete)(void *arg, const struct pgo_relation *rel, const struct pgo_tuple *old,
	              char oldkind, char *err, size_t errlen);
	/* OPTIONS: bit 1 CASCADE, bit 2 RESTART IDENTITY. */
	int (*truncate)(void *arg, int nrels, const struct pgo_relation *const *rels,
	                uint8_t options, char *err, size_t errlen);
	int (*message)(void *arg, uint64_t lsn, bool transactional, const char *prefix,
	               const char *content, uint32_t len, char *err, size_t errlen);
};

struct pgoutput;

struct pgoutput *pgoutput_new(void);
/* Frees the decoder and its relation cache. Accepts NULL. */
void pgoutput_free(struct pgoutput *d);

/*
 * Decodes one pgoutput message (the payload of an XLogData CopyData message, after its 25-byte
 * header) and calls the matching callback. A truncated or unknown message, or an Insert/Update/
 * Delete for a relation that was never described, is an error: returns -1 with the reason in
 * err (message type, offset, and the tuple column when in one). Never skips a change.
 * The whole message is checked before its callback runs: a bad message calls nothing and
 * leaves the relation cache as it was. Reads exactly LEN bytes of DATA (no NUL needed).
 */
int pgoutput_decode(struct pgoutput *d, const char *data, size_t len,
                    const struct pgo_callbacks *cb, void *arg, char *err, size_t errlen);

/* The relation described for OID, or NULL. Borrowed. */
const struct pgo_relation *pgoutput_relation(const struct pgoutput *d, uint32_t oid);

#endif
