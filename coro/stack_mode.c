/*
 * stack_mode.c - the stack-mode policy (coro.h): which stack a new task
 * gets, guarded or copy, and what happens to it when the task ends; and the
 * setup and teardown of everything stacks need for one loop.
 */
#include <errno.h>
#include <stdlib.h>

#include "annotate.h"

#define SHARED_MIN_KIB 256         /* the copy stack is at least this big */

int co_stack_setup(void)
{
	int err = co_overflow_setup();

	if (err)
		return err;
	co_loop.guarded_limit = co_guarded_limit();
	co_fiber_setup();
	return 0;
}

void co_stack_teardown(void)
{
	co_stacks_unmap();
	if (co_loop.shared) {
		co_stack_free_alone(co_loop.shared);
		co_loop.shared = NULL;
	}
	co_overflow_teardown();
}

static size_t guarded_size(void)
{
	return (co_loop.cfg.stack_kib ? co_loop.cfg.stack_kib : 64) * 1024;
}

int co_shared_stack(void)
{
	if (co_loop.shared == NULL) {
		size_t kib = co_loop.cfg.stack_kib > SHARED_MIN_KIB ? co_loop.cfg.stack_kib
								    : SHARED_MIN_KIB;
		co_loop.shared = co_stack_alone(kib * 1024);
		if (co_loop.shared == NULL)
			return -ENOMEM;
	}
	return 0;
}

/*
 * Guarded stacks live now: with several loops one count for all, since a
 * task's stack may go back on another loop than the one that gave it.
 */
long *co_guarded_count(void)
{
	return co_loop.mt ? &co_loop.rt->guarded_live : &co_loop.guarded_live;
}

static int use_copy(struct co_task *t)
{
	if (co_shared_stack() != 0)
		return -ENOMEM;
	t->copy_mode = true;
	if (++co_loop.copy_live > co_loop.stats.copy_live_max)
		co_loop.stats.copy_live_max = co_loop.copy_live;
	return 0;
}

/* Give a new task a stack per the configured mode; 0 or -ENOMEM. */
int co_task_stack(struct co_task *t)
{
	enum co_stack_mode mode = co_loop.cfg.stack;
	long max = co_loop.cfg.guarded_max ? co_loop.cfg.guarded_max : CO_GUARDED_MAX;

	if (mode == CO_STACK_COPY ||
	    (mode == CO_STACK_AUTO && __atomic_load_n(co_guarded_count(), __ATOMIC_RELAXED) >= max))
		return use_copy(t);
	t->stack = co_stack_get(guarded_size());
	if (t->stack == NULL)
		return mode == CO_STACK_AUTO ? use_copy(t) : -ENOMEM;
	long live = __atomic_add_fetch(co_guarded_count(), 1, __ATOMIC_RELAXED);
	if (live > co_loop.stats.guarded_live_max)
		co_loop.stats.guarded_live_max = live;
	co_ctx_make(&t->ctx, co_stack_lo(t->stack), t->stack->size, co_task_main, t);
#ifdef CO_TSAN
	t->tsan_fiber = __tsan_create_fiber(0);
#endif
	return 0;
}

/* Return a finished (or never started) task's stack; a second call does nothing. */
void co_task_unstack(struct co_task *t)
{
	if (t->copy_mode) {
		if (co_loop.shared_owner == t)
			co_loop.shared_owner = NULL;
		co_loop.copy_live--;
		if (t->saved)
			co_loop.saved_bytes -= co_block_size(t->saved_len);
		co_free(t->saved, t->saved_len);
	} else if (t->stack) {
		co_stack_put(t->stack);
		__atomic_sub_fetch(co_guarded_count(), 1, __ATOMIC_RELAXED);
	}
#ifdef CO_TSAN
	if (t->tsan_fiber)
		__tsan_destroy_fiber(t->tsan_fiber);
	t->tsan_fiber = NULL;
#endif
	t->copy_mode = false;
	t->stack = NULL;            /* and saved, its other half */
	t->saved_len = 0;
}
