/*
 * event: one Kafka message read as a change event: spoke's own envelope, or Debezium's from
 * any producer, with or without the {"schema":..., "payload":...} wrapper (value and key alike).
 */
#ifndef SPOKE_EVENT_H
#define SPOKE_EVENT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct event {
	json_t *value;   /* the decoded value (owned), NULL for a tombstone */
	json_t *payload; /* borrowed from value: the object with before/after/op/source */
	json_t *keyval;  /* the decoded key (owned), may be NULL */
	json_t *key;     /* borrowed: the key's fields (payload of a wrapped key), or NULL */
	char op;         /* 'c' 'u' 'd' 'r' 't' 'm'; 0 for a tombstone */
};

/*
 * Decodes the message VALUE (VLEN bytes, NULL for a tombstone) and KEY (NULL when absent).
 * Returns 0, or -1 with err saying what is wrong, for a person: "not JSON: line 1 column 5:
 * ...", "no \"op\" field", "op 'x' is not one of c u d r t m", "\"after\" is not an object".
 * A key that is not JSON is kept as no key (some producers send text keys).
 */
int event_parse(struct event *ev, const char *key, size_t klen, const char *value, size_t vlen,
                char *err, size_t errlen);
/* Frees what event_parse decoded; the struct may be parsed into again. Accepts a zeroed one. */
void event_release(struct event *ev);

#endif
