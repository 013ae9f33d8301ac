/*
 * gil.c - the new (CPython 3.2+), old (Python 2) and absent GIL (see gil.h).
 *
 * Lock order: mutex, then switch_mutex. drop_request and last_holder are
 * atomics because the holder reads them outside any mutex: the first at
 * every check point, the second while it waits for the hand-over.
 */
#include "gil.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

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
	atomic_init(&g->last_holder, NULL);
	atomic_init(&g->drop_request, false);
	atomic_init(&g->forced_drops, 0);
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
	t->ticks_left = g->ticks;
}

static struct timespec deadline_after(uint64_t ns)
{
	uint64_t at = now_ns() + ns;

	return (struct timespec){ .tv_sec = (time_t)(at / 1000000000u),
				  .tv_nsec = (long)(at % 1000000000u) };
}

/*
 * New lock, called with mutex held while the lock is taken: wait one switch
 * interval at a time; when a whole interval passed with the same holder, ask
 * it to drop. A switch in between means someone else is being served, so
 * the wait starts over without asking.
 */
static void wait_new(struct gil *g)
{
	while (g->locked) {
		unsigned long seen = g->switch_number;
		struct timespec until = deadline_after(g->interval_ns);
		int err = pthread_cond_timedwait(&g->cond, &g->mutex, &until);

		if (err != 0 && err != ETIMEDOUT)
			check(err, "pthread_cond_timedwait");
		if (err == ETIMEDOUT)
			g->timeouts++;
		else if (g->locked)
			g->failed_wakeups++;
		if (err == ETIMEDOUT && g->locked && g->switch_number == seen) {
			atomic_store_explicit(&g->drop_request, true, memory_order_relaxed);
			g->drop_requests++;
		}
	}
}

/* Old lock: wait as long as it takes; no one is ever asked to let go. */
static void wait_old(struct gil *g)
{
	while (g->locked) {
		check(pthread_cond_wait(&g->cond, &g->mutex), "pthread_cond_wait");
		if (g->locked)
			g->failed_wakeups++;
	}
}

/*
 * Mark the lock taken by t (mutex held). A change of holder is a handoff;
 * it is announced on switch_cond for a dropper waiting in gil_drop.
 */
static void become_holder(struct gil *g, struct gil_thread *t)
{
	check(pthread_mutex_lock(&g->switch_mutex), "pthread_mutex_lock");
	g->locked = true;
	if (atomic_load_explicit(&g->last_holder, memory_order_relaxed) != t) {
		atomic_store_explicit(&g->last_holder, t, memory_order_relaxed);
		g->switch_number++;
	}
	check(pthread_cond_signal(&g->switch_cond), "pthread_cond_signal");
	check(pthread_mutex_unlock(&g->switch_mutex), "pthread_mutex_unlock");
	/* Whoever asked has been served (or it is us): the request is spent. */
	atomic_store_explicit(&g->drop_request, false, memory_order_relaxed);
}

void gil_take(struct gil_thread *t)
{
	struct gil *g = t->gil;

	if (g->mode == GIL_NONE)
		return;
	uint64_t start = now_ns();
	check(pthread_mutex_lock(&g->mutex), "pthread_mutex_lock");
	if (g->mode == GIL_NEW)
		wait_new(g);
	else
		wait_old(g);
	become_holder(g, t);
	check(pthread_mutex_unlock(&g->mutex), "pthread_mutex_unlock");
	t->wait_ns += now_ns() - start;
	t->takes++;
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

void gil_drop(struct gil_thread *t)
{
	struct gil *g = t->gil;

	if (g->mode == GIL_NONE)
		return;
	check(pthread_mutex_lock(&g->mutex), "pthread_mutex_lock");
	if (!g->locked || atomic_load_explicit(&g->last_holder, memory_order_relaxed) != t) {
		fprintf(stderr, "gil: gil_drop by a thread that does not hold the lock\n");
		abort();
	}
	/* Read before unlocking: a waiter that takes the lock clears the request. */
	bool asked = atomic_load_explicit(&g->drop_request, memory_order_relaxed);
	g->locked = false;
	check(pthread_cond_signal(&g->cond), "pthread_cond_signal");
	check(pthread_mutex_unlock(&g->mutex), "pthread_mutex_unlock");
	if (g->mode == GIL_NEW && asked) {
		atomic_fetch_add_explicit(&g->forced_drops, 1, memory_order_relaxed);
		wait_for_switch(g, t);
	}
}

void gil_yield(struct gil_thread *t)
{
	t->ticks_left = t->gil->ticks;
	gil_drop(t);
	gil_take(t);
}

u128 gil_sum_squares(struct gil_thread *t, uint64_t lo, uint64_t hi)
{
	u128 sum = 0;

	while (lo < hi) {
		uint64_t end = hi - lo > GIL_TICK_ITERS ? lo + GIL_TICK_ITERS : hi;
		sum += wl_sum_squares_range(lo, end);
		lo = end;
		gil_check(t);
	}
	return sum;
}

void gil_stats(struct gil *g, struct gil_stats *out)
{
	check(pthread_mutex_lock(&g->mutex), "pthread_mutex_lock");
	out->handoffs = g->switch_number;
	out->timeouts = g->timeouts;
	out->drop_requests = g->drop_requests;
	out->failed_wakeups = g->failed_wakeups;
	check(pthread_mutex_unlock(&g->mutex), "pthread_mutex_unlock");
	out->forced_drops = atomic_load(&g->forced_drops);
}
