/* connstr: finds the secret parts of libpq conninfo strings and ODBC connection strings. */
#ifndef SPOKE_CONNSTR_H
#define SPOKE_CONNSTR_H

#include <stddef.h>

/*
 * Finds the next password value in the connection string at S: a "password=" or "pwd="
 * (any case) parameter, space- or ';'-separated, its value plain, 'quoted' (libpq, with \' and
 * \\ escapes) or {braced} (ODBC). Sets *start and *len to the value (quotes included) and
 * returns a pointer just past it, or NULL when there is none.
 */
const char *connstr_next_secret(const char *s, const char **start, size_t *len);
/* Copies IN to OUT with every password value replaced by "<redacted>"; OUT is always terminated. */
void connstr_redact(const char *in, char *out, size_t outlen);

#endif
