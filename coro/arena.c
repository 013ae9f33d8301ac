/*
 * arena.c - small blocks for the runtime's own records (tasks, the saved
 * parts of copy stacks, watches), carved from 4 MiB chunks that are mapped
 * with MAP_POPULATE. A million tasks need about 400 MB of such records; in
 * a VM, faulting that in page by page costs seconds, populating it costs a
 * fraction of one. Freed blocks go on a free list per size class (16-byte
 * steps up to 1 KiB) and are reused; chunks go back when co_run returns.
 * Under ASan, blocks come from malloc, so that its checks still apply.
 */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "coro_impl.h"

#define STEP 16
#define MAX_BLOCK (CO_ARENA_CLASSES * STEP)
#define CHUNK (4u << 20)

struct co_block {
	struct co_block *next;
};

struct co_arena_chunk {
	struct co_arena_chunk *next;
};

/*
 * The size of the block co_alloc(n) returns: n rounded up to a STEP within
 * the classes, to a power of two beyond them (from malloc), so that a
 * saved stack whose length moves a little keeps its block.
 */
size_t co_block_size(size_t n)
{
	size_t size = MAX_BLOCK;

	if (n <= MAX_BLOCK)
		return (n + STEP - 1) / STEP * STEP;
	while (size < n)
		size *= 2;
	return size;
}

#ifdef CO_ASAN
void *co_alloc(size_t n)
{
	return calloc(1, n);
}

void co_free(void *p, size_t n)
{
	(void)n;
	free(p);
}

void co_arena_teardown(void)
{
}
#else
/* A zeroed block of at least n bytes, or NULL. */
void *co_alloc(size_t n)
{
	struct co_arena *a = &co_loop.arena;
	size_t size = co_block_size(n);
	struct co_block **list;

	if (size > MAX_BLOCK)
		return calloc(1, size);
	list = &a->free[size / STEP - 1];
	if (*list) {
		struct co_block *b = *list;
		*list = b->next;
		memset(b, 0, size);
		return b;
	}
	if (a->end - a->cur < (ptrdiff_t)size) {
		struct co_arena_chunk *c = mmap(NULL, CHUNK, PROT_READ | PROT_WRITE,
						MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
		if (c == MAP_FAILED)
			return NULL;
		c->next = a->chunks;
		a->chunks = c;
		a->cur = (char *)(c + 1);
		a->end = (char *)c + CHUNK;
		a->cur += (STEP - (uintptr_t)a->cur % STEP) % STEP;
	}
	void *p = a->cur;
	a->cur += size;
	return p;
}

/* Give back a block that co_alloc(n) returned. */
void co_free(void *p, size_t n)
{
	size_t size = co_block_size(n);
	struct co_block *b = p;

	if (p == NULL)
		return;
	if (size > MAX_BLOCK) {
		free(p);
		return;
	}
	b->next = co_loop.arena.free[size / STEP - 1];
	co_loop.arena.free[size / STEP - 1] = b;
}

void co_arena_teardown(void)
{
	while (co_loop.arena.chunks) {
		struct co_arena_chunk *c = co_loop.arena.chunks;
		co_loop.arena.chunks = c->next;
		munmap(c, CHUNK);
	}
}
#endif
