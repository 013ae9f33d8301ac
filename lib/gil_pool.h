/*
 * gil_pool.h - run a workload's task list on threads that hold a GIL
 * (lib/gil.h) while they run, the way Python threads do. Shared by the gil
 * model and the GIL benchmarks so that both measure the same thing.
 *
 * Threads: one per task (workers == 0) or a pool of `workers` taking task
 * indices from a shared counter. Each thread takes the lock when it starts
 * and drops it when it ends. A cpu task runs in chunks with a check point
 * after each (gil_sum_squares); every other workload (io, net) is a
 * blocking call, so the lock is dropped around it and taken back after, as
 * time.sleep and socket calls do in CPython.
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
	int err;                /* pthread_create's error when started < wanted */
	uint64_t wait_ns;       /* time every thread spent waiting for the lock */
	uint64_t wait_max_ns;   /* the longest total of one thread */
	unsigned long takes;    /* times a thread took the lock */
};

/*
 * Run every task, join every thread, fill the out fields. If a thread
 * cannot be started, no more are; the started ones finish (a pool takes no
 * new tasks) and are joined. Returns 0, or ENOMEM / pthread_create's error.
 */
int gil_pool_run(struct gil_pool *p);

/* Sum of value[i] over the finished tasks, and how many finished. */
u128 gil_pool_total(const struct gil_pool *p, long *done);

#endif
