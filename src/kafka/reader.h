/*
 * reader: reads topics outside any consumer group, for `spoke tail`: every partition of the
 * topics that match, from the beginning or from their end, committing nothing.
 */
#ifndef SPOKE_READER_H
#define SPOKE_READER_H

#include "core/config.h"

#include <librdkafka/rdkafka.h>
#include <stdbool.h>

struct reader;

/*
 * Assigns every partition of the topics whose names match one of the NPATTERNS PATTERNS
 * (names, or fnmatch patterns), at their first offset (FROM_BEGINNING) or their end. Kafka
 * settings come from [kafka] of CFG. NULL with err filled when Kafka cannot be asked or no
 * topic matches (err then lists the topics there are).
 */
struct reader *reader_new(const struct config *cfg, char *const *patterns, int npatterns,
                          bool from_beginning, char *err, size_t errlen);
/* The next message within TIMEOUT_MS, or NULL (errors are logged). Destroy it after use. */
rd_kafka_message_t *reader_poll(struct reader *r, int timeout_ms);
/* Accepts NULL. */
void reader_free(struct reader *r);

#endif
