/*
 * gil_pool.h - start, feed and join threads that hold a GIL (lib/gil.h)
 * while they run, the way Python's threading module does. The gil model
 * (models/gil.c) and the GIL benchmarks run their threads through it.
 *
 * Threads: one per task (workers == 0) or a pool of `workers` taking task
 * indices from a shared counter. The body of a thread is the caller's
 * (models/gil.c shows it): take the lock, say it runs, run tasks, drop it.
 *
 * Starting, as CPython does: the main thread holds the lock while it starts
 * threads, and Thread.start() waits until the new thread says it runs
 * (threading.py's _started event), so at most the main thread and the new
 * one contend at start. Starting every thread at once instead puts
 * thousands of waiters on the lock together; under the new lock each wakes
 * once a switch interval, and the lock's own mutex then drowns in
 * timed-out waits (gil_stats' timeouts).
 */
#ifndef CM_GIL_POOL_H
#define CM_GIL_POOL_H

#include <stdbool.h>
#include <stdint.h>

#include "gil.h"
#include "workload.h"

struct gil_pool {
	/* in */
	struct gil *gil;
	const struct wl_params *wl;
	long workers;           /* 0: one thread per task */
	u128 *value;            /* wl->tasks slots: task i's value */
	bool *done;             /* wl->tasks slots, false on entry: task i finished */
	/* out */
	long wanted, started;   /* threads asked for and started */
	int err;                /* the error that stopped the start, when started < wanted */
	uint64_t wait_ns;       /* time every thread (main included) waited for the lock */
	uint64_t wait_max_ns;   /* the longest total of one thread */
	unsigned long takes;    /* times a thread took the lock */
};

/* One thread of a pool, as its body sees it. */
struct gil_worker {
	struct gil_pool *p;
	struct gil_thread t;    /* this thread's hold on the lock */
	long first;             /* one per task: the task to run */
	bool ran_first;
	struct gil_start *start;
};

/*
 * Run every task on threads running body(worker), join every thread, fill
 * the out fields. If a thread cannot be started, no more are; the started
 * ones finish (a pool takes no new tasks) and are joined. Returns 0, or
 * ENOMEM / the error of pthread_create or sem_init.
 */
int gil_pool_run(struct gil_pool *p, void *(*body)(void *worker));

/* The body's steps. Call gil_worker_started once, holding the lock. */
void gil_worker_started(struct gil_worker *w);
/* The next task to run, or -1 when there is none. */
long gil_worker_next(struct gil_worker *w);
/* Run task i holding the lock: cpu with check points, io and net dropping
 * it around the blocking call as time.sleep and socket calls do. */
void gil_worker_run(struct gil_worker *w, long i);

/* The benchmarks' body: models/gil.c's python_thread, the same four steps. */
void *gil_pool_thread(void *worker);

/* Sum of value[i] over the finished tasks, and how many finished. */
u128 gil_pool_total(const struct gil_pool *p, long *done);

#endif
