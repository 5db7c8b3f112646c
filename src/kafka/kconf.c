/* kconf: builds librdkafka configuration from the [kafka] section, with spoke's fixed settings. */
#include "kafka/kconf.h"

#include "core/log.h"
#include "core/suggest.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Properties spoke relies on for "nothing lost"; a user may repeat them but not weaken them. */
static const struct {
	const char *name;
	const char *allowed; /* "|"-framed list of the values accepted */
	const char *why;
} pinned[] = {
    {"acks", "|all|-1|",
     "spoke needs acks=all: a change is confirmed only once every replica has it"},
    {"request.required.acks", "|all|-1|", "spoke needs acks=all"},
    {"enable.idempotence", "|true|",
     "spoke needs enable.idempotence=true so retries do not duplicate"},
};

static const char *pinned_problem(const char *name, const char *value)
{
	char framed[64];

	for (size_t i = 0; i < sizeof(pinned) / sizeof(pinned[0]); i++) {
		if (strcmp(pinned[i].name, name) != 0)
			continue;
		snprintf(framed, sizeof(framed), "|%s|", value);
		if (!strstr(pinned[i].allowed, framed))
			return pinned[i].why;
	}
	return NULL;
}

/*
 * Appends "; did you mean 'X'?" to WHY when NAME is a near miss of a librdkafka property.
 * The property names come from librdkafka's own table (rd_kafka_conf_properties_show).
 */
static void suggest_property(const char *name, char *why, size_t whylen)
{
	char *table = NULL, *save = NULL;
	size_t size = 0, count = 0, len = strlen(why);
	const char *names[1024];
	const char *near;
	FILE *mem = open_memstream(&table, &size);

	if (!mem)
		return;
	rd_kafka_conf_properties_show(mem);
	fclose(mem);
	for (char *line = strtok_r(table, "\n", &save); line && count < 1024;
	     line = strtok_r(NULL, "\n", &save)) {
		char *bar = strchr(line, '|');

		if (!bar || line[0] == '-' || line[0] == ' ')
			continue;
		while (bar > line && bar[-1] == ' ')
			bar--;
		*bar = '\0';
		names[count++] = line;
	}
	near = suggest_nearest(name, names, count);
	if (near)
		snprintf(why + len, whylen - len, "; did you mean '%s'?", near);
	free(table);
}

rd_kafka_conf_t *kconf_new(const struct config *cfg, char *err, size_t errlen)
{
	const struct conf_section *sec = cfg ? config_find(cfg, "kafka", NULL) : NULL;
	rd_kafka_conf_t *conf = rd_kafka_conf_new();
	char why[512];
	rd_kafka_conf_res_t res;

	for (size_t i = 0; sec && i < sec->npairs; i++) {
		const struct conf_pair *pair = &sec->pairs[i];
		const char *bad = pinned_problem(pair->name, pair->value);

		if (bad) {
			snprintf(err, errlen, "%s:%d: [kafka] %s: %s", cfg->path, pair->line,
			         pair->name, bad);
			goto fail;
		}
		res = rd_kafka_conf_set(conf, pair->name, pair->value, why, sizeof(why));
		if (res != RD_KAFKA_CONF_OK) {
			if (res == RD_KAFKA_CONF_UNKNOWN)
				suggest_property(pair->name, why, sizeof(why));
			snprintf(err, errlen, "%s:%d: [kafka] %s: %s", cfg->path, pair->line,
			         pair->name, why);
			goto fail;
		}
	}
	return conf;
fail:
	rd_kafka_conf_destroy(conf);
	return NULL;
}

/*
 * librdkafka's lines, in syslog levels: 0-3 error, 4 warning, 5 notice, 6 info, 7 debug. A
 * connection failure (FAIL) also reaches on_error(), which reports it once, as a warning.
 */
void kconf_on_log(const rd_kafka_t *rk, int level, const char *fac, const char *buf)
{
	enum log_level ours = level <= 3   ? LOG_ERROR
	                      : level == 4 ? LOG_WARN
	                      : level == 5 ? LOG_INFO
	                                   : LOG_DEBUG;

	(void)rk;
	if (strcmp(fac, "FAIL") == 0)
		ours = LOG_DEBUG;
	if (log_enabled(ours))
		log_msg(ours, "kafka", NULL, "librdkafka %s: %s", fac, buf);
}
