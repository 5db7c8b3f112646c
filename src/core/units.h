/* units: parsing and printing of the value kinds people write in config files and options. */
#ifndef SPOKE_UNITS_H
#define SPOKE_UNITS_H

#include <stdbool.h>
#include <stddef.h>

/* Parses a whole decimal integer (optional sign, no junk). */
bool units_parse_int(const char *text, long long *out);
/* Parses true/false, yes/no, on/off, 1/0 (any case). */
bool units_parse_bool(const char *text, bool *out);
/*
 * Parses a duration into milliseconds: one or more NUMBER UNIT parts, units ms, s, m, h, d
 * ("200ms", "5s", "1m30s"). A bare number is refused: the unit must be said.
 */
bool units_parse_duration(const char *text, long long *ms);
/* Parses a size into bytes: NUMBER with an optional unit B, k/K/KB/KiB, M/MB/MiB, G/GB/GiB (x1024). */
bool units_parse_size(const char *text, long long *bytes);
/* Writes a duration in the largest exact unit ("90s" -> "90s", 600000 -> "10m"). */
void units_format_duration(long long ms, char *out, size_t outlen);
/* Writes a size in the largest exact unit ("64MiB"). */
void units_format_size(long long bytes, char *out, size_t outlen);

#endif
