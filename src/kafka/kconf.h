/* kconf: builds librdkafka configuration from the [kafka] section, with spoke's fixed settings. */
#ifndef SPOKE_KCONF_H
#define SPOKE_KCONF_H

#include "core/config.h"

#include <librdkafka/rdkafka.h>
#include <stddef.h>

/*
 * Returns a new rd_kafka_conf_t with every [kafka] key passed to rd_kafka_conf_set unchanged.
 * A key librdkafka refuses, or one that would break "nothing lost" (acks other than all,
 * enable.idempotence=false), gives NULL and "FILE:LINE: [kafka] KEY: reason" in err.
 * CFG may be NULL (no [kafka] section). The caller owns the result.
 */
rd_kafka_conf_t *kconf_new(const struct config *cfg, char *err, size_t errlen);

#endif
