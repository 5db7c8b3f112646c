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

/*
 * librdkafka's log callback (rd_kafka_conf_set_log_cb): its lines go to our logger, component
 * "kafka", in syslog levels (0-3 error, 4 warning, 5 notice, 6 info, 7 debug).
 */
void kconf_on_log(const rd_kafka_t *rk, int level, const char *fac, const char *buf);

#endif
