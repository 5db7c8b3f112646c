/* buf: a growable byte buffer, reused across changes (reset, not freed), with JSON helpers. */
#ifndef SPOKE_BUF_H
#define SPOKE_BUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Invariants: data is NUL-terminated at len whenever data != NULL; cap > len. A buffer that
 * ran out of memory sets failed and ignores further appends (check buf_ok() once at the end).
 */
struct buf {
	char *data;
	size_t len, cap;
	bool failed;
};

#define BUF_INIT                                                                                   \
	{                                                                                          \
		NULL, 0, 0, false                                                                  \
	}

void buf_init(struct buf *b);
/* Frees the memory; the buffer may be used again after buf_init(). */
void buf_release(struct buf *b);
/* Empties the buffer, keeping its memory (per-change scratch). */
void buf_reset(struct buf *b);
bool buf_ok(const struct buf *b);

void buf_add(struct buf *b, const void *p, size_t n);
void buf_adds(struct buf *b, const char *s);
void buf_addc(struct buf *b, char c);
void buf_addf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Appends S (N bytes) as a quoted JSON string, escaping as RFC 8259 requires. */
void buf_add_json_string(struct buf *b, const char *s, size_t n);
/* Appends J (a json_t *) as compact JSON: members in their order, reals in their shortest
 * exact form (0.1 is 0.1, never 0.10000000000000001). */
struct json_t;
void buf_add_json(struct buf *b, struct json_t *j);
/* The shortest "%.Ng" text of D that reads back as D. */
void buf_real_text(double d, char *out, size_t size);
/* Appends the standard base64 encoding of P (N bytes), unquoted. */
void buf_add_base64(struct buf *b, const void *p, size_t n);

#endif
