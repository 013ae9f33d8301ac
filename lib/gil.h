/*
 * gil.h - a global interpreter lock that behaves like CPython's, so that C
 * threads can be made to contend the way Python threads do.
 *
 * Three modes:
 *
 *   new  (CPython 3.2+, Python/ceval_gil.c): a mutex and a condition
 *        variable guard a "locked" flag. A thread that wants the lock waits
 *        at most one switch interval at a time; if the lock is still held and
 *        has not changed hands meanwhile, it sets a drop request. The holder
 *        looks at the request at each check point (one relaxed atomic load)
 *        and drops the lock; with forced switching the dropper then waits
 *        until another thread has taken it, so it cannot take it straight back.
 *   old  (Python 2): the holder releases and re-takes the lock every K
 *        bytecodes ("ticks", sys.setcheckinterval, default 100); no drop
 *        request, no forced switch. The releasing thread usually wins the
 *        race to re-take it: the waiter, woken on the other core, finds the
 *        lock taken again (a failed wake-up) and sleeps. Every release pays
 *        a wake-up that buys nothing, which is why two CPU-bound threads on
 *        two cores ran slower than one.
 *   none: no lock at all (threads in a language without a GIL).
 *
 * A thread's life under the lock, as a Python thread's:
 *
 *   struct gil_thread t;
 *   gil_thread_init(&t, &gil);
 *   gil_take(&t);                       start of the thread
 *   ... sum = gil_sum_squares(&t, lo, hi);   CPU work with check points
 *   ... gil_drop(&t); block(); gil_take(&t);  a blocking call (time.sleep)
 *   gil_drop(&t);                       end of the thread
 *
 * Check points in the cpu kernel (wl_sum_squares_range), check_iters apart:
 *   new: every GIL_TICK_ITERS iterations. At about 0.6 ns an iteration on
 *        the development machine a chunk of 4096 lasts about 2.5 us, so the
 *        holder notices a drop request within a few microseconds, as CPython
 *        notices it within a few bytecodes.
 *   old: every K * GIL_BYTECODE_ITERS iterations, the time K bytecodes take,
 *        and each one releases the lock.
 * GIL_BYTECODE_ITERS is how many kernel iterations last as long as one
 * bytecode of the same loop in Python: bench/gil_bytecode_rate.py measured
 * 6.9-7.5 ns a bytecode with python3.11 on the development machine (9
 * bytecodes an iteration of `for i in range(n): s += i * i`, 62-68 ns),
 * the kernel 0.7-0.9 ns an iteration: 8 to 11 iterations a bytecode, so
 * 100 bytecodes are about 1,000 iterations, about 0.75 us. (Python 2
 * counted "ticks", and a few cheap opcodes such as LOAD_FAST did not tick,
 * so its 100 ticks were somewhat more bytecodes than 100; its bytecodes
 * were slower, too. Here a tick is a bytecode of this Python.)
 */
#ifndef CM_GIL_H
#define CM_GIL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "workload.h"

#define GIL_TICK_ITERS 4096
#define GIL_BYTECODE_ITERS 10

/* Order matches gil_mode_names, so a cli_extra choice index is a mode. */
enum gil_mode { GIL_NEW, GIL_OLD, GIL_NONE };

/* "new", "old", "none", NULL-terminated. */
extern const char *const gil_mode_names[];

struct gil_thread;

struct gil {
	enum gil_mode mode;
	uint64_t interval_ns;          /* new: how long a waiter waits before asking */
	long ticks;                    /* old: bytecodes between releases */
	uint64_t check_iters;          /* kernel iterations between check points */

	pthread_mutex_t mutex;         /* new: guards locked, timeouts, drop_requests */
	pthread_cond_t cond;           /* new: signalled when the lock is dropped */
	bool locked;
	atomic_ulong switch_number;    /* times the lock changed hands */

	pthread_mutex_t switch_mutex;  /* forced switching: guards the hand-over */
	pthread_cond_t switch_cond;    /* signalled when a thread takes the lock */
	_Atomic(struct gil_thread *) last_holder;

	atomic_bool drop_request;      /* the eval breaker the holder polls */
	atomic_ulong forced_drops;     /* drops caused by a drop request */
	unsigned long timeouts;        /* new: a waiter's interval ran out */
	unsigned long drop_requests;   /* new: a waiter set drop_request */
	atomic_ulong failed_wakeups;   /* a waiter woke and found the lock taken */
	atomic_long waiting;           /* threads waiting for the lock now */
	atomic_long max_waiting;       /* the most that ever waited at once */

	atomic_int old_word;           /* old: 1 while held (the semaphore's count, inverted) */
};

/* One thread's view of the lock; only its own thread touches it. */
struct gil_thread {
	struct gil *gil;
	uint64_t wait_ns;              /* total time spent waiting in gil_take */
	unsigned long takes;           /* how often it took the lock */
};

struct gil_stats {
	unsigned long handoffs;        /* the lock passed to a different thread */
	unsigned long forced_drops;    /* a holder dropped because it was asked */
	unsigned long timeouts;        /* a waiter's timed wait ran out */
	unsigned long drop_requests;   /* a waiter asked the holder to drop */
	unsigned long failed_wakeups;  /* a waiter woke to find the lock held again */
	long max_waiting;              /* the most threads that waited at once */
};

/*
 * Set up the lock, not held. interval_us (new) and ticks (old) must be >= 1
 * (smaller values are taken as 1).
 * Returns 0 or the errno value of the pthread call that failed.
 */
int gil_init(struct gil *g, enum gil_mode mode, long interval_us, long ticks);
void gil_destroy(struct gil *g);

void gil_thread_init(struct gil_thread *t, struct gil *g);

/* Block until the calling thread holds the lock (no-op in mode none). */
void gil_take(struct gil_thread *t);

/*
 * Release the lock the calling thread holds. Under the new lock, if a drop
 * was requested, wait until another thread has taken it (forced switching).
 */
void gil_drop(struct gil_thread *t);

/* Drop and take again: what a check point does when it must give way. */
void gil_yield(struct gil_thread *t);

/*
 * A check point: under the new lock cheap unless a drop was asked for;
 * under the old one the release every K bytecodes.
 */
static inline void gil_check(struct gil_thread *t)
{
	struct gil *g = t->gil;

	if (g->mode == GIL_OLD ||
	    (g->mode == GIL_NEW &&
	     atomic_load_explicit(&g->drop_request, memory_order_relaxed)))
		gil_yield(t);
}

/* wl_sum_squares_range(lo, hi) in chunks of check_iters, a check point after each. */
u128 gil_sum_squares(struct gil_thread *t, uint64_t lo, uint64_t hi);

/* Counters so far (safe to call while threads run). */
void gil_stats(struct gil *g, struct gil_stats *out);

#endif
