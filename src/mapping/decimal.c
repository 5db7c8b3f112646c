/* decimal: exact decimal arithmetic on a checked 128-bit mantissa and a scale. */
#include "mapping/decimal.h"

#include <string.h>

typedef unsigned __int128 u128;
typedef __int128 i128;

#define I128_MAX   ((i128)(~(u128)0 >> 1))
#define WIDE_LIMBS 12
#define MAX_POW10  38 /* the largest power of ten a signed 128-bit integer holds */

/*
 * An unsigned integer of WIDE_LIMBS 32-bit limbs, least significant first. It holds every
 * intermediate value below: a product of two mantissas (< 2^254), a dividend scaled up by at
 * most 10^60 (< 2^327), a mantissa scaled up by at most 10^30 for a comparison.
 */
struct wide {
	uint32_t w[WIDE_LIMBS];
};

/* 10^K for K in 0 .. MAX_POW10. */
static u128 pow10_u128(int k)
{
	u128 p = 1;

	while (k-- > 0)
		p *= 10;
	return p;
}

static u128 magnitude(i128 v)
{
	return v < 0 ? (u128)0 - (u128)v : (u128)v;
}

static void wide_set(struct wide *x, u128 v)
{
	memset(x, 0, sizeof(*x));
	for (int i = 0; i < 4; i++) {
		x->w[i] = (uint32_t)v;
		v >>= 32;
	}
}

/* X *= M; false when the product does not fit (X is then garbage). */
static bool wide_mul_small(struct wide *x, uint32_t m)
{
	uint64_t carry = 0;

	for (int i = 0; i < WIDE_LIMBS; i++) {
		uint64_t t = (uint64_t)x->w[i] * m + carry;

		x->w[i] = (uint32_t)t;
		carry = t >> 32;
	}
	return carry == 0;
}

static bool wide_mul_pow10(struct wide *x, int k)
{
	for (; k >= 9; k -= 9)
		if (!wide_mul_small(x, 1000000000u))
			return false;
	return wide_mul_small(x, (uint32_t)pow10_u128(k));
}

/* X /= D; returns the remainder. */
static uint32_t wide_div_small(struct wide *x, uint32_t d)
{
	uint64_t rem = 0;

	for (int i = WIDE_LIMBS - 1; i >= 0; i--) {
		uint64_t cur = (rem << 32) | x->w[i];

		x->w[i] = (uint32_t)(cur / d);
		rem = cur % d;
	}
	return (uint32_t)rem;
}

/* X += Y; false on a carry out of the top limb. */
static bool wide_add(struct wide *x, const struct wide *y)
{
	uint64_t carry = 0;

	for (int i = 0; i < WIDE_LIMBS; i++) {
		uint64_t t = (uint64_t)x->w[i] + y->w[i] + carry;

		x->w[i] = (uint32_t)t;
		carry = t >> 32;
	}
	return carry == 0;
}

/* X -= Y, where X >= Y. */
static void wide_sub(struct wide *x, const struct wide *y)
{
	int64_t borrow = 0;

	for (int i = 0; i < WIDE_LIMBS; i++) {
		int64_t t = (int64_t)x->w[i] - y->w[i] - borrow;

		borrow = t < 0;
		x->w[i] = (uint32_t)(t + (borrow ? (int64_t)1 << 32 : 0));
	}
}

static int wide_cmp(const struct wide *x, const struct wide *y)
{
	for (int i = WIDE_LIMBS - 1; i >= 0; i--)
		if (x->w[i] != y->w[i])
			return x->w[i] < y->w[i] ? -1 : 1;
	return 0;
}

static bool wide_get(const struct wide *x, u128 *out)
{
	u128 v = 0;

	for (int i = 4; i < WIDE_LIMBS; i++)
		if (x->w[i])
			return false;
	for (int i = 3; i >= 0; i--)
		v = (v << 32) | x->w[i];
	*out = v;
	return true;
}

/* OUT = A * B (schoolbook on 32-bit limbs). */
static void wide_mul(struct wide *out, u128 a, u128 b)
{
	struct wide x, y;

	wide_set(&x, a);
	wide_set(&y, b);
	memset(out, 0, sizeof(*out));
	for (int i = 0; i < 4; i++) {
		uint64_t carry = 0;

		for (int j = 0; j < 4; j++) {
			uint64_t t = (uint64_t)x.w[i] * y.w[j] + out->w[i + j] + carry;

			out->w[i + j] = (uint32_t)t;
			carry = t >> 32;
		}
		out->w[i + 4] = (uint32_t)carry;
	}
}

/* Q = N / D, *REM = N % D, for 0 < D <= 2^127 (so that the running remainder never overflows). */
static void wide_div(struct wide *q, const struct wide *n, u128 d, u128 *rem)
{
	u128 r = 0;

	memset(q, 0, sizeof(*q));
	for (int i = WIDE_LIMBS * 32 - 1; i >= 0; i--) {
		r = (r << 1) | ((n->w[i / 32] >> (i % 32)) & 1);
		if (r >= d) {
			r -= d;
			q->w[i / 32] |= (uint32_t)1 << (i % 32);
		}
	}
	*rem = r;
}

/* X = X / 10^K, the magnitude rounded half away from zero. */
static void wide_round_pow10(struct wide *x, int k)
{
	struct wide one;
	uint32_t r = 0;

	for (int i = 0; i < k; i++)
		r = wide_div_small(x, 10);
	if (r >= 5) {
		wide_set(&one, 1);
		wide_add(x, &one);
	}
}

static void normalize(struct decimal *d)
{
	if (d->mant == 0) {
		d->scale = 0;
		return;
	}
	while (d->scale > 0 && d->mant % 10 == 0) {
		d->mant /= 10;
		d->scale--;
	}
}

/* OUT = +-M / 10^SCALE; -1 when M does not fit the signed mantissa. */
static int make(struct decimal *out, bool neg, u128 m, int scale)
{
	if (m > (u128)I128_MAX)
		return -1;
	out->mant = neg ? -(i128)m : (i128)m;
	out->scale = scale;
	normalize(out);
	return 0;
}

/*
 * OUT = +-X / 10^SCALE. Trailing fractional zeros are dropped first, so a value that fits is
 * stored even when X at SCALE does not. -1 when the value does not fit.
 */
static int from_wide(struct decimal *out, bool neg, struct wide *x, int scale)
{
	u128 m;

	while (!(wide_get(x, &m) && m <= (u128)I128_MAX) && scale > 0) {
		struct wide t = *x;

		if (wide_div_small(&t, 10) != 0)
			return -1;
		*x = t;
		scale--;
	}
	if (!wide_get(x, &m))
		return -1;
	return make(out, neg, m, scale);
}

void decimal_from_int(struct decimal *out, int64_t v)
{
	out->mant = v;
	out->scale = 0;
}

/* The I-th digit of the digits of S at INT (NINT of them) followed by those at FRAC. */
static int digit_at(const char *intp, size_t nint, const char *frac, size_t i)
{
	return (i < nint ? intp[i] : frac[i - nint]) - '0';
}

static size_t skip_digits(const char *s, size_t len, size_t i)
{
	while (i < len && s[i] >= '0' && s[i] <= '9')
		i++;
	return i;
}

/* Parses "e[+-]digits" at S[*I]; the exponent is capped far beyond anything that can fit. */
static int parse_exponent(const char *s, size_t len, size_t *i, long *exp)
{
	bool neg = false;
	size_t start;

	*exp = 0;
	if (*i == len || (s[*i] != 'e' && s[*i] != 'E'))
		return 0;
	(*i)++;
	if (*i < len && (s[*i] == '+' || s[*i] == '-'))
		neg = s[(*i)++] == '-';
	start = *i;
	for (; *i < len && s[*i] >= '0' && s[*i] <= '9'; (*i)++)
		if (*exp < 1000000)
			*exp = *exp * 10 + (s[*i] - '0');
	if (*i == start)
		return -1;
	if (neg)
		*exp = -*exp;
	return 0;
}

/* OUT = M * 10^E (E may be negative: a scale). */
static int place(struct decimal *out, bool neg, u128 m, long e)
{
	struct wide x;

	if (e < -DECIMAL_MAX_SCALE || e > MAX_POW10)
		return -1;
	if (e < 0)
		return make(out, neg, m, (int)-e);
	wide_set(&x, m);
	if (!wide_mul_pow10(&x, (int)e))
		return -1;
	return from_wide(out, neg, &x, 0);
}

int decimal_parse(struct decimal *out, const char *s, size_t len)
{
	size_t i = 0, int0, nint, frac0, nfrac = 0, n, last;
	bool neg = false;
	long exp;
	u128 m = 0;

	if (i < len && (s[i] == '+' || s[i] == '-'))
		neg = s[i++] == '-';
	int0 = i;
	i = skip_digits(s, len, i);
	nint = i - int0;
	frac0 = i;
	if (i < len && s[i] == '.') {
		frac0 = ++i;
		i = skip_digits(s, len, i);
		nfrac = i - frac0;
	}
	if (nint + nfrac == 0 || parse_exponent(s, len, &i, &exp) < 0 || i != len)
		return -1;
	n = nint + nfrac;
	for (last = n; last > 0 && digit_at(s + int0, nint, s + frac0, last - 1) == 0; last--)
		;
	if (last == 0) {
		decimal_from_int(out, 0);
		return 0;
	}
	for (size_t j = 0; j < last; j++) {
		int d = digit_at(s + int0, nint, s + frac0, j);

		if (m > ((~(u128)0) - (u128)d) / 10)
			return -1;
		m = m * 10 + (u128)d;
	}
	/* value = digits[0 .. last) * 10^(exp + zeros dropped - digits after the point) */
	return place(out, neg, m, exp + (long)(n - last) - (long)nfrac);
}

size_t decimal_format(const struct decimal *d, char *out)
{
	char digits[48]; /* least significant first */
	u128 m = magnitude(d->mant);
	int n = 0, skip = 0;
	size_t len = 0;

	do {
		digits[n++] = (char)('0' + (int)(m % 10));
		m /= 10;
	} while (m);
	while (n <= d->scale)
		digits[n++] = '0';
	while (skip < d->scale && digits[skip] == '0')
		skip++;
	if (d->mant < 0)
		out[len++] = '-';
	for (int i = n - 1; i >= d->scale; i--)
		out[len++] = digits[i];
	if (skip < d->scale) {
		out[len++] = '.';
		for (int i = d->scale - 1; i >= skip; i--)
			out[len++] = digits[i];
	}
	out[len] = '\0';
	return len;
}

/* OUT = A + B, or A - B when NEGATE_B. */
static int add_signed(struct decimal *out, const struct decimal *a, const struct decimal *b,
                      bool negate_b)
{
	int s = a->scale > b->scale ? a->scale : b->scale;
	bool an = a->mant < 0, bn = (b->mant < 0) != negate_b;
	i128 x, y, r;
	struct wide wx, wy;

	if (!__builtin_mul_overflow(a->mant, (i128)pow10_u128(s - a->scale), &x) &&
	    !__builtin_mul_overflow(b->mant, (i128)pow10_u128(s - b->scale), &y) &&
	    !(negate_b ? __builtin_sub_overflow(x, y, &r) : __builtin_add_overflow(x, y, &r)) &&
	    r != -I128_MAX - 1) {
		out->mant = r;
		out->scale = s;
		normalize(out);
		return 0;
	}
	/* The slow way, exact in wide magnitudes: the sum may fit where the aligned terms do not. */
	wide_set(&wx, magnitude(a->mant));
	wide_set(&wy, magnitude(b->mant));
	wide_mul_pow10(&wx, s - a->scale);
	wide_mul_pow10(&wy, s - b->scale);
	if (an == bn) {
		wide_add(&wx, &wy);
		return from_wide(out, an, &wx, s);
	}
	if (wide_cmp(&wx, &wy) >= 0) {
		wide_sub(&wx, &wy);
		return from_wide(out, an, &wx, s);
	}
	wide_sub(&wy, &wx);
	return from_wide(out, bn, &wy, s);
}

int decimal_add(struct decimal *out, const struct decimal *a, const struct decimal *b)
{
	return add_signed(out, a, b, false);
}

int decimal_sub(struct decimal *out, const struct decimal *a, const struct decimal *b)
{
	return add_signed(out, a, b, true);
}

int decimal_mul(struct decimal *out, const struct decimal *a, const struct decimal *b)
{
	bool neg = (a->mant < 0) != (b->mant < 0);
	int scale = a->scale + b->scale;
	struct wide x;

	wide_mul(&x, magnitude(a->mant), magnitude(b->mant));
	if (scale > DECIMAL_MAX_SCALE) {
		wide_round_pow10(&x, scale - DECIMAL_MAX_SCALE);
		scale = DECIMAL_MAX_SCALE;
	}
	return from_wide(out, neg, &x, scale);
}

/*
 * A / B = (|A.mant| * 10^(S + B.scale - A.scale) / |B.mant|) / 10^S, where S, the scale kept,
 * is at least DECIMAL_DIV_SCALE and at least the operands' own.
 */
int decimal_div(struct decimal *out, const struct decimal *a, const struct decimal *b)
{
	bool neg = (a->mant < 0) != (b->mant < 0);
	int s = DECIMAL_DIV_SCALE;
	u128 d = magnitude(b->mant), n128, r;
	struct wide n, q, one;

	if (b->mant == 0)
		return -2;
	if (a->scale > s)
		s = a->scale;
	if (b->scale > s)
		s = b->scale;
	wide_set(&n, magnitude(a->mant));
	wide_mul_pow10(&n, s + b->scale - a->scale);
	if (wide_get(&n, &n128)) {
		wide_set(&q, n128 / d);
		r = n128 % d;
	} else {
		wide_div(&q, &n, d, &r);
	}
	if (r >= d - r) {
		wide_set(&one, 1);
		wide_add(&q, &one);
	}
	return from_wide(out, neg, &q, s);
}

int decimal_round(struct decimal *out, const struct decimal *a, int digits)
{
	bool neg = a->mant < 0;
	u128 m = magnitude(a->mant), p;
	struct wide x;
	int k;

	if (digits >= a->scale) {
		*out = *a;
		return 0;
	}
	if (digits < -2 * MAX_POW10)
		digits = -2 * MAX_POW10;
	k = a->scale - digits;
	if (k > MAX_POW10) {
		m = 0; /* |mant| < 2^127 < 5 * 10^38: less than half of 10^k */
	} else {
		p = pow10_u128(k);
		m = m / p + (m % p >= p - m % p);
	}
	if (digits >= 0 || m == 0)
		return make(out, neg, m, digits > 0 ? digits : 0);
	wide_set(&x, m);
	if (-digits > MAX_POW10 || !wide_mul_pow10(&x, -digits))
		return -1;
	return from_wide(out, neg, &x, 0);
}

/* Rounds A to a whole number towards minus infinity (DIR -1) or plus infinity (DIR 1). */
static int to_whole(struct decimal *out, const struct decimal *a, int dir)
{
	i128 p, q, r;

	if (a->scale == 0) {
		*out = *a;
		return 0;
	}
	p = (i128)pow10_u128(a->scale);
	q = a->mant / p;
	r = a->mant % p;
	if (r != 0 && (r > 0) == (dir > 0))
		q += dir;
	out->mant = q;
	out->scale = 0;
	return 0;
}

int decimal_floor(struct decimal *out, const struct decimal *a)
{
	return to_whole(out, a, -1);
}

int decimal_ceil(struct decimal *out, const struct decimal *a)
{
	return to_whole(out, a, 1);
}

int decimal_cmp(const struct decimal *a, const struct decimal *b)
{
	bool an = a->mant < 0, bn = b->mant < 0;
	int s = a->scale > b->scale ? a->scale : b->scale, c;
	struct wide x, y;

	if (an != bn)
		return an ? -1 : 1;
	wide_set(&x, magnitude(a->mant));
	wide_set(&y, magnitude(b->mant));
	wide_mul_pow10(&x, s - a->scale);
	wide_mul_pow10(&y, s - b->scale);
	c = wide_cmp(&x, &y);
	return an ? -c : c;
}

bool decimal_is_zero(const struct decimal *a)
{
	return a->mant == 0;
}

int decimal_to_int64(const struct decimal *d, int64_t *out)
{
	i128 p = (i128)pow10_u128(d->scale);

	if (d->mant % p != 0 || d->mant / p < INT64_MIN || d->mant / p > INT64_MAX)
		return -1;
	*out = (int64_t)(d->mant / p);
	return 0;
}
