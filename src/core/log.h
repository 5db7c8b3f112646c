/* log: one line per event with level, component and scope; secrets are scrubbed from every line. */
#ifndef SPOKE_LOG_H
#define SPOKE_LOG_H

#include <stdbool.h>
#include <stddef.h>

enum log_level { LOG_ERROR, LOG_WARN, LOG_INFO, LOG_DEBUG };

/* Parses "error", "warn", "info" or "debug". Returns false for anything else. */
bool log_level_parse(const char *name, enum log_level *out);
const char *log_level_name(enum log_level level);
void log_set_level(enum log_level level);
bool log_enabled(enum log_level level);

/*
 * Sends log lines to PATH (appended, with timestamps) instead of stderr; NULL goes back to
 * stderr. The path is copied. Returns -1 and fills err when the file cannot be opened.
 */
int log_open_file(const char *path, char *err, size_t errlen);
/* Reopens the log file (after logrotate moved it); called from the main loop on SIGHUP. */
int log_reopen(char *err, size_t errlen);
/* Closes the log file and forgets every registered secret. */
void log_shutdown(void);

/*
 * Registers a secret value (password, token): from now on every occurrence of it in a log line,
 * and in text passed to log_scrub(), is replaced by "***". The value is copied. Values shorter
 * than 3 bytes are not registered (they would mangle every line).
 */
void log_add_secret(const char *secret);
/*
 * The last warning or error this process logged ("WARN apply[shop]: ..."; secrets scrubbed)
 * and when (*WHEN_MS, epoch milliseconds), or NULL when there was none.
 */
const char *log_last_problem(long long *when_ms);
/* How many warnings and errors this process logged. */
unsigned long long log_problem_count(void);
/* Unregisters SECRET (an access token that was replaced, so the list does not grow forever). */
void log_forget_secret(const char *secret);
/* Replaces every registered secret in BUF (NUL-terminated, capacity SIZE) in place. */
void log_scrub(char *buf, size_t size);

/*
 * Writes one line: "LEVEL component[scope]: message". SCOPE may be NULL. Lines to stderr carry
 * no timestamp (journald adds one); lines to a log file start with an ISO-8601 UTC timestamp.
 */
void log_msg(enum log_level level, const char *component, const char *scope, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

#define log_error(comp, ...)         log_msg(LOG_ERROR, comp, NULL, __VA_ARGS__)
#define log_warn(comp, ...)          log_msg(LOG_WARN, comp, NULL, __VA_ARGS__)
#define log_info(comp, ...)          log_msg(LOG_INFO, comp, NULL, __VA_ARGS__)
#define log_debug(comp, ...)         log_msg(LOG_DEBUG, comp, NULL, __VA_ARGS__)
#define log_serror(comp, scope, ...) log_msg(LOG_ERROR, comp, scope, __VA_ARGS__)
#define log_swarn(comp, scope, ...)  log_msg(LOG_WARN, comp, scope, __VA_ARGS__)
#define log_sinfo(comp, scope, ...)  log_msg(LOG_INFO, comp, scope, __VA_ARGS__)
#define log_sdebug(comp, scope, ...) log_msg(LOG_DEBUG, comp, scope, __VA_ARGS__)

#endif
