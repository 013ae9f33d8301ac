/*
 * arena.c - small blocks for the runtime's own records (tasks, the saved
 * parts of copy stacks, watches), carved from 4 MiB chunks. A million
 * tasks need about 210 MB of such records; in a VM, faulting that in page
 * by page costs about 3 us a page, prefaulting it in bulk (MADV_POPULATE_
 * WRITE) about half. It is prefaulted 256 KiB at a time, just ahead of the
 * blocks handed out, not a whole chunk at once: populating a chunk up
 * front took 1.7 ms and 4 MiB at the start of every loop, however few its
 * tasks. Where the kernel lacks it (before 5.14) the pages fault one by
 * one, as any. Freed blocks go on a free list per size class (16-byte
 * steps up to 1 KiB) and are reused; chunks go back when co_run returns.
 * Under ASan, blocks come from malloc, so that its checks still apply.
 *
 * No transparent huge pages (MADV_HUGEPAGE), though this machine has them
 * in madvise mode: they cut the faults of 1,000,000 sleepers from 74,500
 * to 15,300, but the run used more CPU, not less (median 614 ms against
 * 455 of six runs each, perf stat): a 2 MiB page is zeroed whole at its
 * first touch.
 */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "coro_impl.h"

#define STEP 16
#define MAX_BLOCK (CO_ARENA_CLASSES * STEP)
#define CHUNK (4u << 20)
#define PREFAULT (256u << 10)

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
/* Prefault the next PREFAULT bytes of the newest chunk; failing, they fault when touched. */
static void prefault(struct co_arena *a)
{
	madvise(a->populated, PREFAULT, MADV_POPULATE_WRITE);
	a->populated += PREFAULT;
}

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
						MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (c == MAP_FAILED)
			return NULL;
		a->populated = (char *)c;
		prefault(a);
		c->next = a->chunks;
		a->chunks = c;
		a->cur = (char *)(c + 1);
		a->end = (char *)c + CHUNK;
		a->cur += (STEP - (uintptr_t)a->cur % STEP) % STEP;
	}
	void *p = a->cur;
	a->cur += size;
	if (a->cur > a->populated)
		prefault(a);
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
