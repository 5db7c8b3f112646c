/* expr_arena: the chunked bump allocator behind compiled expressions and evaluated values. */
#include "mapping/expr_impl.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define ARENA_FIRST     4096       /* the first chunk's size */
#define ARENA_MAX_CHUNK (1 << 20)  /* chunks double up to this (a bigger request gets its own) */
#define ARENA_KEEP      (4u << 20) /* bytes of chunks a reset keeps for the next event */

struct chunk {
	struct chunk *next;
	size_t size, used;
	max_align_t data[]; /* size bytes */
};

/*
 * Invariants: chunks are listed from head; cur is the chunk being filled; the chunks after cur
 * are empty (kept by a reset). next_size is the size of the next chunk to allocate.
 */
struct expr_arena {
	struct chunk *head, *cur;
	size_t next_size;
};

struct expr_arena *arena_new(void)
{
	struct expr_arena *a = calloc(1, sizeof(*a));

	if (a)
		a->next_size = ARENA_FIRST;
	return a;
}

void arena_free(struct expr_arena *a)
{
	struct chunk *c, *next;

	if (!a)
		return;
	for (c = a->head; c; c = next) {
		next = c->next;
		free(c);
	}
	free(a);
}

void arena_reset(struct expr_arena *a)
{
	struct chunk **link = &a->head, *c;
	size_t kept = 0;

	while ((c = *link)) {
		if (kept + c->size <= ARENA_KEEP) {
			kept += c->size;
			c->used = 0;
			link = &c->next;
		} else {
			*link = c->next;
			free(c);
		}
	}
	a->cur = a->head;
}

/* Adds a chunk of at least N bytes after cur and makes it cur. */
static struct chunk *add_chunk(struct expr_arena *a, size_t n)
{
	size_t size = n > a->next_size ? n : a->next_size;
	struct chunk *c = malloc(sizeof(*c) + size);

	if (!c)
		return NULL;
	c->size = size;
	c->used = 0;
	if (a->cur) {
		c->next = a->cur->next;
		a->cur->next = c;
	} else {
		c->next = a->head;
		a->head = c;
	}
	a->cur = c;
	if (a->next_size < ARENA_MAX_CHUNK)
		a->next_size *= 2;
	return c;
}

void *arena_alloc(struct expr_arena *a, size_t n)
{
	size_t align = _Alignof(max_align_t);
	struct chunk *c = a->cur;
	void *p;

	if (n > SIZE_MAX / 2)
		return NULL;
	n = (n + align - 1) / align * align;
	if (n == 0)
		n = align;
	if (c && c->size - c->used < n && c->next && c->next->size >= n)
		c = a->cur = c->next;
	if (!c || c->size - c->used < n)
		c = add_chunk(a, n);
	if (!c)
		return NULL;
	p = (char *)c->data + c->used;
	c->used += n;
	return p;
}

char *arena_strdup(struct expr_arena *a, const char *s, size_t len)
{
	char *p = arena_alloc(a, len + 1);

	if (!p)
		return NULL;
	if (len)
		memcpy(p, s, len);
	p[len] = '\0';
	return p;
}

bool arena_owns(const struct expr_arena *a, const void *p)
{
	uintptr_t x = (uintptr_t)p;

	for (const struct chunk *c = a->head; c; c = c->next) {
		uintptr_t start = (uintptr_t)c->data;

		if (x >= start && x < start + c->size)
			return true;
	}
	return false;
}

struct expr_arena *ctx_arena(struct expr_ctx *ctx)
{
	if (!ctx->arena)
		ctx->arena = arena_new();
	return ctx->arena;
}

char *expr_ctx_strdup(struct expr_ctx *ctx, const char *s, size_t len)
{
	struct expr_arena *a = ctx_arena(ctx);

	return a ? arena_strdup(a, s, len) : NULL;
}

void expr_ctx_reset(struct expr_ctx *ctx)
{
	if (ctx->arena)
		arena_reset(ctx->arena);
	ctx->read_unchanged = false;
	ctx->transient = false;
}

void expr_ctx_release(struct expr_ctx *ctx)
{
	arena_free(ctx->arena);
	ctx->arena = NULL;
}
