/* config: the INI configuration (libinih), validated against one key table per section type. */
#ifndef SPOKE_CONFIG_H
#define SPOKE_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

enum conf_type {
	CONF_STRING,
	CONF_SECRET,   /* never printed; may come from KEY_file or ${ENV} */
	CONF_INT,      /* whole number within min..max */
	CONF_BOOL,     /* true/false, yes/no, on/off, 1/0 */
	CONF_DURATION, /* "200ms", "5s", "10m"; stored in milliseconds within min..max */
	CONF_SIZE,     /* "1MiB"; stored in bytes within min..max */
	CONF_ENUM,     /* one of choices ("a|b|c") */
	CONF_LIST,     /* comma-separated, blanks trimmed */
};

enum {
	CONF_REQUIRED = 1 << 0, /* must be set (for the section types the key applies to) */
	CONF_CONNSTR = 1 << 1,  /* libpq conninfo or ODBC string: password=/pwd= parts are secret */
};

/* One key of a section type. The table drives parsing, validation, `spoke config` and docs. */
struct conf_key {
	const char *name;
	enum conf_type type;
	const char *def; /* default, as written in a file; "{name}" is the section's name */
	long long min, max;
	const char *choices; /* CONF_ENUM: "a|b|c" */
	unsigned flags;
	const char *types; /* "postgres|mysql": the section types it applies to; NULL: all */
	const char *help;
};

/* A section type: [spoke], [kafka], [source NAME], ... */
struct conf_section_def {
	const char *kind;
	bool named;       /* [kind NAME] */
	bool passthrough; /* keys are not checked here ([kafka]: they go to librdkafka as is) */
	const struct conf_key *keys;
	size_t nkeys;
	const char *help;
};

/* The section types spoke knows, in the order `spoke config` prints them. */
extern const struct conf_section_def config_sections[];
extern const size_t config_nsections;

/* A value as loaded: the effective text (after ${ENV} and KEY_file) and its typed form. */
struct conf_value {
	char *text; /* NULL when neither set nor defaulted */
	int line;   /* 0 when defaulted */
	bool from_file;
	char *file; /* KEY_file path, for printing */
	long long num;
	bool flag;
	char **list;
	size_t nlist;
};

/* A [kafka]-style key = value pair kept in file order. */
struct conf_pair {
	char *name;
	char *value;
	int line;
};

struct conf_section {
	const struct conf_section_def *def;
	char *name; /* NULL for unnamed sections */
	int line;
	struct conf_value *values; /* def->nkeys of them, in table order */
	struct conf_pair *pairs;   /* passthrough sections only */
	size_t npairs;
};

struct config {
	char *path;
	char *dir; /* directory of the file: relative KEY_file paths are resolved against it */
	struct conf_section *sections;
	size_t nsections;
};

/* Called once per problem found, with "FILE:LINE: reason" (or "FILE: reason"). */
typedef void (*config_report_fn)(void *arg, const char *message);

/*
 * Loads and checks PATH. Every problem is passed to REPORT (all of them, not only the first).
 * Returns the configuration, or NULL when there was any problem. Secret values are registered
 * with the logger so they never reach a log line. Free with config_free().
 */
struct config *config_load(const char *path, config_report_fn report, void *arg);
void config_free(struct config *cfg);

/* The I-th section of KIND (0-based), or NULL. Borrowed. */
const struct conf_section *config_section(const struct config *cfg, const char *kind, size_t i);
/* The section [KIND NAME] (NAME NULL for unnamed), or NULL. Borrowed. */
const struct conf_section *config_find(const struct config *cfg, const char *kind,
                                       const char *name);

/* Typed accessors; the key must be in the section's table (asserted). Borrowed results. */
const char *conf_str(const struct conf_section *sec, const char *key);
long long conf_num(const struct conf_section *sec, const char *key);
bool conf_flag(const struct conf_section *sec, const char *key);
char *const *conf_list(const struct conf_section *sec, const char *key, size_t *n);
/* True when the key was written in the file (not defaulted). */
bool conf_is_set(const struct conf_section *sec, const char *key);
/* The line a key was set on, or the section's line when defaulted. */
int conf_line(const struct conf_section *sec, const char *key);

/* True for [kafka] property names that carry secrets (sasl.password, ssl.key.password, ...). */
bool config_kafka_key_is_secret(const char *name);

/* Writes the effective configuration as INI, with every secret redacted. */
void config_print(const struct config *cfg, FILE *out);
/* Writes the reference of every section and key: type, default, limits and help. */
void config_print_keys(FILE *out);
/* The same reference as markdown tables, one per section (the README's). */
void config_print_keys_markdown(FILE *out);

#endif
