/* config_value: turns the text of one configuration value into its effective, typed form. */
#ifndef SPOKE_CONFIG_VALUE_H
#define SPOKE_CONFIG_VALUE_H

#include "core/config.h"

/* Trims blanks at both ends in place; returns the first non-blank character. */
char *conf_trim(char *s);
/*
 * Expands ${NAME} and ${NAME:-default} from the environment and $$ to $. Returns a new string,
 * or NULL with the reason in err.
 */
char *conf_expand_env(const char *in, char *err, size_t errlen);
/*
 * Reads a secret file: its content less trailing line ends (at most 64 KiB). Returns a new
 * string, or NULL with the reason in err (missing, unreadable, a directory, empty).
 */
char *conf_read_file(const char *path, char *err, size_t errlen);
/* True when WORD is one of CHOICES ("a|b|c"). */
bool conf_in_choices(const char *choices, const char *word);
/* Writes "a, b or c" for "a|b|c". */
void conf_choices_text(const char *choices, char *out, size_t outlen);
/*
 * Parses val->text by the key's type into val->num, val->flag or val->list, checking limits.
 * Returns false with the reason in err, worded to follow "key = 'text' ".
 */
bool conf_parse_value(const struct conf_key *key, struct conf_value *val, char *err, size_t errlen);

#endif
