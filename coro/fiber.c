/*
 * fiber.c - the switch between the scheduler and a task, with the tools
 * told: ASan must know which stack it lands on (or it reports the other
 * stack's frames as overflows), TSan which fiber runs. In a plain build
 * this is the bookkeeping around co_switch and nothing else.
 */
#include "annotate.h"

void co_fiber_setup(void)
{
#ifdef CO_TSAN
	co_loop.sched_tsan_fiber = __tsan_get_current_fiber();
#endif
}

void co_switch_in(struct co_task *t)
{
	struct co_stack *s;
#ifdef CO_ASAN
	void *fake = NULL;
#endif

	if (t->copy_mode)
		co_copy_in(t);      /* may make this loop's copy stack (a stolen task) */
	s = t->copy_mode ? co_loop.shared : t->stack;
	t->started = true;
	co_loop.current = t;
	co_loop.stats.switches++;
#ifdef CO_ASAN
	__sanitizer_start_switch_fiber(&fake, co_stack_lo(s), s->size);
#else
	(void)s;
#endif
#ifdef CO_TSAN
	__tsan_switch_to_fiber(t->tsan_fiber, 0);
#endif
	co_switch(&co_loop.sched, &t->ctx);
#ifdef CO_ASAN
	__sanitizer_finish_switch_fiber(fake, NULL, NULL);
#endif
	co_loop.current = NULL;
}

#ifdef CO_ASAN
/* Back on a scheduler's stack's task: perhaps another thread's, so learn it afresh. */
static __attribute__((noinline)) void fiber_back(void *fake)
{
	struct co_loop *l = co_me();

	__sanitizer_finish_switch_fiber(fake, (const void **)&l->sched_fiber_bottom,
					&l->sched_fiber_size);
}
#endif

void co_switch_out(struct co_task *t, bool exiting)
{
#ifdef CO_ASAN
	void *fake = NULL;
	__sanitizer_start_switch_fiber(exiting ? NULL : &fake, co_loop.sched_fiber_bottom,
				       co_loop.sched_fiber_size);
#else
	(void)exiting;
#endif
#ifdef CO_TSAN
	__tsan_switch_to_fiber(co_loop.sched_tsan_fiber, 0);
#endif
	co_switch(&t->ctx, &co_loop.sched);
	/* Perhaps on another thread now (sched.c): co_loop's address is stale. */
#ifdef CO_ASAN
	fiber_back(fake);
#endif
}

/* The first thing a task does: learn (for ASan) the stack it came from. */
void co_fiber_started(void)
{
#ifdef CO_ASAN
	__sanitizer_finish_switch_fiber(NULL, (const void **)&co_loop.sched_fiber_bottom,
					&co_loop.sched_fiber_size);
#endif
}
