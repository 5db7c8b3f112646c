/*
 * decimal: exact decimal numbers for the rules language: a checked 128-bit integer mantissa
 * and a scale (value = mant / 10^scale). Every operation is exact or fails: overflow is an
 * error, never a wrap or a rounding nobody asked for. Division, the one operation that cannot
 * always be exact, keeps DECIMAL_DIV_SCALE fractional digits (or as many as the operand with
 * the larger scale has, when that is more), rounded half away from zero. A product with more
 * than DECIMAL_MAX_SCALE fractional digits is rounded the same way to DECIMAL_MAX_SCALE.
 * Results carry no trailing fractional zeros (1.50 * 2 is stored as 3, scale 0).
 */
#ifndef SPOKE_DECIMAL_H
#define SPOKE_DECIMAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DECIMAL_MAX_SCALE 30
#define DECIMAL_DIV_SCALE 16

struct decimal {
	__int128 mant;
	int scale; /* 0 .. DECIMAL_MAX_SCALE */
};

/*
 * Parses S (LEN bytes): an optional sign, digits, an optional fraction, an optional exponent
 * ("1e3", "2.5E-2": JSON numbers). No blanks. Returns 0, or -1 when S is not a number or does
 * not fit.
 */
int decimal_parse(struct decimal *out, const char *s, size_t len);
void decimal_from_int(struct decimal *out, int64_t v);
/*
 * Writes D in plain notation without trailing fractional zeros ("23.88", "-5", "0.001") into
 * OUT (at least DECIMAL_TEXT_MAX bytes). Returns the length.
 */
#define DECIMAL_TEXT_MAX 64
size_t decimal_format(const struct decimal *d, char *out);

/* Each returns 0, or -1 on overflow (or division by zero: decimal_div returns -2). */
int decimal_add(struct decimal *out, const struct decimal *a, const struct decimal *b);
int decimal_sub(struct decimal *out, const struct decimal *a, const struct decimal *b);
int decimal_mul(struct decimal *out, const struct decimal *a, const struct decimal *b);
int decimal_div(struct decimal *out, const struct decimal *a, const struct decimal *b);
/* Rounds to DIGITS fractional digits (may be negative: tens, hundreds), half away from zero. */
int decimal_round(struct decimal *out, const struct decimal *a, int digits);
int decimal_floor(struct decimal *out, const struct decimal *a);
int decimal_ceil(struct decimal *out, const struct decimal *a);
/* Sets *OUT to D when D is a whole number within int64_t; else returns -1. */
int decimal_to_int64(const struct decimal *d, int64_t *out);
/* -1, 0, 1 as A <, =, > B (exact, whatever the scales). */
int decimal_cmp(const struct decimal *a, const struct decimal *b);
bool decimal_is_zero(const struct decimal *a);

#endif
