/*
 * copy_stack.c - copy stacks (coro.h): every copy task runs on one shared
 * stack; at a switch into a copy task the live part of the stack's owner
 * is saved to the heap and the newcomer's saved part copied back.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "annotate.h"

static char *shared_top(void)
{
	return co_stack_lo(co_loop.shared) + co_loop.shared->size;
}

/*
 * Copy the live part [sp, top) of the suspended owner to its heap buffer,
 * a new one when the length moves to another block size: a task keeps a
 * block no bigger than its last save needs.
 */
static void copy_out(struct co_task *o)
{
	size_t len = (size_t)(shared_top() - (char *)o->ctx.sp);

	if (o->saved == NULL || co_block_size(len) != co_block_size(o->saved_len)) {
		/* The whole block: a later save of another length in the same
		 * class reuses it (co_alloc under ASan gives just what it is asked). */
		char *p = co_alloc(co_block_size(len));
		if (p == NULL) {
			fprintf(stderr, "coro: co_alloc of %zu bytes to save task %llu's stack failed\n",
				len, (unsigned long long)o->id);
			abort();
		}
		if (o->saved)
			co_loop.saved_bytes -= co_block_size(o->saved_len);
		co_free(o->saved, o->saved_len);
		o->saved = p;
		co_loop.saved_bytes += co_block_size(len);
	}
#ifdef CO_ASAN
	/* Its frames' redzones are poisoned; the copy is a plain save. */
	__asan_unpoison_memory_region(o->ctx.sp, len);
#endif
	memcpy(o->saved, o->ctx.sp, len);
	o->saved_len = (uint32_t)len;
	co_loop.stats.copy_bytes += len;
}

void co_copy_in(struct co_task *t)
{
	struct co_task *o = co_loop.shared_owner;

	if (o == t)
		return;
	/* A task stolen before it started: this loop's copy stack may be new. */
	if (co_shared_stack() != 0) {
		fprintf(stderr, "coro: no memory for a copy stack to start task %llu on\n",
			(unsigned long long)t->id);
		abort();
	}
	if (o)
		copy_out(o);
#ifdef CO_ASAN
	__asan_unpoison_memory_region(co_stack_lo(co_loop.shared), co_loop.shared->size);
#endif
	if (t->started) {
		VALGRIND_MAKE_MEM_UNDEFINED(shared_top() - t->saved_len, t->saved_len);
		memcpy(shared_top() - t->saved_len, t->saved, t->saved_len);
		co_loop.stats.copy_bytes += t->saved_len;
	} else {
		co_ctx_make(&t->ctx, co_stack_lo(co_loop.shared), co_loop.shared->size,
			    co_task_main, t);
#ifdef CO_TSAN
		t->tsan_fiber = __tsan_create_fiber(0);
#endif
	}
	co_loop.shared_owner = t;
}
