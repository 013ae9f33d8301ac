/*
 * gil.c - the new (CPython 3.2+), old (Python 2) and absent GIL (see gil.h).
 *
 * New lock: mutex, then switch_mutex. drop_request and last_holder are
 * atomics because the holder reads them outside any mutex: the first at
 * every check point, the second while it waits for the hand-over.
 * Old lock: a semaphore of one, as Python 2 used on Linux.
 */
#include "gil.h"

#include <errno.h>
#include <linux/futex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "measure.h"

const char *const gil_mode_names[] = { "new", "old", "none", NULL };

/* A pthread call that cannot fail on a valid lock failed: stop loudly. */
static void check(int err, const char *call)
{
	if (err != 0) {
		fprintf(stderr, "gil: %s: %s\n", call, strerror(err));
		abort();
	}
}

/* Condition variable timed on CLOCK_MONOTONIC, like now_ns(). */
static int cond_init_monotonic(pthread_cond_t *c)
{
	pthread_condattr_t attr;
	int err = pthread_condattr_init(&attr);

	if (err != 0)
		return err;
	err = pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	if (err == 0)
		err = pthread_cond_init(c, &attr);
	pthread_condattr_destroy(&attr);
	return err;
}

int gil_init(struct gil *g, enum gil_mode mode, long interval_us, long ticks)
{
	int err;

	memset(g, 0, sizeof *g);
	g->mode = mode;
	g->interval_ns = (uint64_t)(interval_us > 0 ? interval_us : 1) * 1000;
	g->ticks = ticks > 0 ? ticks : 1;
	g->check_iters = mode == GIL_OLD ? (uint64_t)g->ticks * GIL_BYTECODE_ITERS
					 : GIL_TICK_ITERS;
	atomic_init(&g->last_holder, NULL);
	atomic_init(&g->drop_request, false);
	atomic_init(&g->forced_drops, 0);
	atomic_init(&g->switch_number, 0);
	atomic_init(&g->failed_wakeups, 0);
	atomic_init(&g->old_word, 0);
	atomic_init(&g->waiting, 0);
	atomic_init(&g->max_waiting, 0);
	if ((err = pthread_mutex_init(&g->mutex, NULL)) != 0)
		return err;
	if ((err = pthread_mutex_init(&g->switch_mutex, NULL)) != 0)
		goto err_mutex;
	if ((err = cond_init_monotonic(&g->cond)) != 0)
		goto err_switch_mutex;
	if ((err = cond_init_monotonic(&g->switch_cond)) != 0)
		goto err_cond;
	return 0;
err_cond:
	pthread_cond_destroy(&g->cond);
err_switch_mutex:
	pthread_mutex_destroy(&g->switch_mutex);
err_mutex:
	pthread_mutex_destroy(&g->mutex);
	return err;
}

void gil_destroy(struct gil *g)
{
	pthread_cond_destroy(&g->switch_cond);
	pthread_cond_destroy(&g->cond);
	pthread_mutex_destroy(&g->switch_mutex);
	pthread_mutex_destroy(&g->mutex);
}

void gil_thread_init(struct gil_thread *t, struct gil *g)
{
	memset(t, 0, sizeof *t);
	t->gil = g;
}

static struct timespec deadline_after(uint64_t ns)
{
	uint64_t at = now_ns() + ns;

	return (struct timespec){ .tv_sec = (time_t)(at / 1000000000u),
				  .tv_nsec = (long)(at % 1000000000u) };
}

/* A thread starts waiting for the lock: keep the peak. */
static void enter_wait(struct gil *g)
{
	long now = atomic_fetch_add(&g->waiting, 1) + 1;
	long peak = atomic_load_explicit(&g->max_waiting, memory_order_relaxed);

	while (now > peak &&
	       !atomic_compare_exchange_weak(&g->max_waiting, &peak, now))
		;
}

/*
 * New lock, called with mutex held while the lock is taken: wait one switch
 * interval at a time; when a whole interval passed with the same holder, ask
 * it to drop. A switch in between means someone else is being served, so
 * the wait starts over without asking.
 */
static void wait_new(struct gil *g)
{
	if (!g->locked)
		return;
	enter_wait(g);
	while (g->locked) {
		unsigned long seen = atomic_load_explicit(&g->switch_number, memory_order_relaxed);
		struct timespec until = deadline_after(g->interval_ns);
		int err = pthread_cond_timedwait(&g->cond, &g->mutex, &until);

		if (err != 0 && err != ETIMEDOUT)
			check(err, "pthread_cond_timedwait");
		if (err == ETIMEDOUT)
			g->timeouts++;
		else if (g->locked)
			atomic_fetch_add_explicit(&g->failed_wakeups, 1, memory_order_relaxed);
		if (err == ETIMEDOUT && g->locked &&
		    atomic_load_explicit(&g->switch_number, memory_order_relaxed) == seen) {
			atomic_store_explicit(&g->drop_request, true, memory_order_relaxed);
			g->drop_requests++;
		}
	}
	atomic_fetch_sub(&g->waiting, 1);
}

/* t holds the lock: a change of holder is a handoff. */
static void note_holder(struct gil *g, struct gil_thread *t)
{
	if (atomic_load_explicit(&g->last_holder, memory_order_relaxed) != t) {
		atomic_store_explicit(&g->last_holder, t, memory_order_relaxed);
		atomic_fetch_add_explicit(&g->switch_number, 1, memory_order_relaxed);
	}
}

/*
 * New lock: mark it taken by t (mutex held). The handoff is announced on
 * switch_cond for a dropper waiting in gil_drop.
 */
static void become_holder(struct gil *g, struct gil_thread *t)
{
	check(pthread_mutex_lock(&g->switch_mutex), "pthread_mutex_lock");
	g->locked = true;
	note_holder(g, t);
	check(pthread_cond_signal(&g->switch_cond), "pthread_cond_signal");
	check(pthread_mutex_unlock(&g->switch_mutex), "pthread_mutex_unlock");
	/* Whoever asked has been served (or it is us): the request is spent. */
	atomic_store_explicit(&g->drop_request, false, memory_order_relaxed);
}

/*
 * Old lock: Python 2's PyThread_acquire_lock, a sem_wait, written out with
 * the futex glibc's semaphore uses so that its wake-ups can be counted. A
 * waiter announces itself, then sleeps while the word says taken; a
 * release wakes one sleeper, which races the releaser to take it back.
 */
static long futex(atomic_int *word, int op, int val)
{
	return syscall(SYS_futex, word, op, val, NULL, NULL, 0);
}

static bool try_take_old(struct gil *g)
{
	int free_word = 0;

	return atomic_compare_exchange_strong(&g->old_word, &free_word, 1);
}

static void take_old(struct gil *g)
{
	bool woken = false;

	if (try_take_old(g))
		return;
	enter_wait(g);
	while (!try_take_old(g)) {
		if (woken)
			atomic_fetch_add_explicit(&g->failed_wakeups, 1, memory_order_relaxed);
		woken = futex(&g->old_word, FUTEX_WAIT_PRIVATE, 1) == 0;
	}
	atomic_fetch_sub(&g->waiting, 1);
}

/* Python 2's PyThread_release_lock, a sem_post: a wake-up whenever anyone waits. */
static void drop_old(struct gil *g)
{
	atomic_store(&g->old_word, 0);
	if (atomic_load(&g->waiting) > 0)
		futex(&g->old_word, FUTEX_WAKE_PRIVATE, 1);
}

void gil_take(struct gil_thread *t)
{
	struct gil *g = t->gil;

	if (g->mode == GIL_NONE)
		return;
	t->takes++;
	/* The old lock is re-taken every 100 bytecodes, mostly uncontended:
	 * there, no clock reads (two would cost more than the take). */
	if (g->mode == GIL_OLD && try_take_old(g)) {
		note_holder(g, t);
		return;
	}
	uint64_t start = now_ns();
	if (g->mode == GIL_OLD) {
		take_old(g);
		note_holder(g, t);
	} else {
		check(pthread_mutex_lock(&g->mutex), "pthread_mutex_lock");
		wait_new(g);
		become_holder(g, t);
		check(pthread_mutex_unlock(&g->mutex), "pthread_mutex_unlock");
	}
	t->wait_ns += now_ns() - start;
}

/*
 * Forced switching: a holder that was asked to drop waits until another
 * thread holds the lock. The asker is still inside gil_take (a waiter only
 * leaves it holding the lock), so the wait always ends.
 */
static void wait_for_switch(struct gil *g, struct gil_thread *t)
{
	check(pthread_mutex_lock(&g->switch_mutex), "pthread_mutex_lock");
	if (atomic_load_explicit(&g->last_holder, memory_order_relaxed) == t) {
		atomic_store_explicit(&g->drop_request, false, memory_order_relaxed);
		while (atomic_load_explicit(&g->last_holder, memory_order_relaxed) == t)
			check(pthread_cond_wait(&g->switch_cond, &g->switch_mutex),
			      "pthread_cond_wait");
	}
	check(pthread_mutex_unlock(&g->switch_mutex), "pthread_mutex_unlock");
}

static void not_holder(void)
{
	fprintf(stderr, "gil: gil_drop by a thread that does not hold the lock\n");
	abort();
}

void gil_drop(struct gil_thread *t)
{
	struct gil *g = t->gil;

	if (g->mode == GIL_NONE)
		return;
	if (atomic_load_explicit(&g->last_holder, memory_order_relaxed) != t)
		not_holder();
	if (g->mode == GIL_OLD) {
		if (atomic_load(&g->old_word) != 1)
			not_holder();
		drop_old(g);
		return;
	}
	check(pthread_mutex_lock(&g->mutex), "pthread_mutex_lock");
	if (!g->locked)
		not_holder();
	/* Read before unlocking: a waiter that takes the lock clears the request. */
	bool asked = atomic_load_explicit(&g->drop_request, memory_order_relaxed);
	g->locked = false;
	check(pthread_cond_signal(&g->cond), "pthread_cond_signal");
	check(pthread_mutex_unlock(&g->mutex), "pthread_mutex_unlock");
	if (asked) {
		atomic_fetch_add_explicit(&g->forced_drops, 1, memory_order_relaxed);
		wait_for_switch(g, t);
	}
}

void gil_yield(struct gil_thread *t)
{
	gil_drop(t);
	gil_take(t);
}

u128 gil_sum_squares(struct gil_thread *t, uint64_t lo, uint64_t hi)
{
	u128 sum = 0;

	while (lo < hi) {
		uint64_t step = t->gil->check_iters;
		uint64_t end = hi - lo > step ? lo + step : hi;
		sum += wl_sum_squares_range(lo, end);
		lo = end;
		gil_check(t);
	}
	return sum;
}

void gil_stats(struct gil *g, struct gil_stats *out)
{
	check(pthread_mutex_lock(&g->mutex), "pthread_mutex_lock");
	out->timeouts = g->timeouts;
	out->drop_requests = g->drop_requests;
	check(pthread_mutex_unlock(&g->mutex), "pthread_mutex_unlock");
	out->handoffs = atomic_load(&g->switch_number);
	out->failed_wakeups = atomic_load(&g->failed_wakeups);
	out->max_waiting = atomic_load(&g->max_waiting);
	out->forced_drops = atomic_load(&g->forced_drops);
}
