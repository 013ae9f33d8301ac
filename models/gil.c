/*
 * gil - POSIX threads that must hold a CPython-style global lock to run
 * (lib/gil.h), the C twin of Python threads:
 *
 *   build/gil cpu|io [--tasks T] [--n N] [--ms D] [--workers W] [--json]
 *             [--gil new|old|none] [--switch-interval-us U] [--ticks K]
 *
 * Threads are started as in models/threads.c: one per task, or a pool of W
 * taking task indices from a shared counter. Each thread takes the lock when
 * it starts and drops it when it ends, as a Python thread does.
 *
 *   cpu: the kernel runs in chunks of GIL_TICK_ITERS iterations with a check
 *        point after each, so the holder gives way when it must.
 *   any other workload is a blocking call: the lock is dropped around it and
 *        taken back after, as time.sleep and socket calls do in CPython.
 *
 * --gil new (default) is CPython 3.2+'s lock with --switch-interval-us U
 * (default 5000, sys.getswitchinterval() = 0.005); old is Python 2's, which
 * releases and re-takes the lock every --ticks K check points (default 100,
 * sys.setcheckinterval's default); none runs with no lock.
 *
 * JSON adds: gil, switch_interval_us, ticks, tick_iters, handoffs (the lock
 * changed hands), forced_drops (a holder dropped because a waiter asked),
 * wait_s (time all threads spent waiting for the lock), wait_max_s (the
 * longest total of one thread) and takes.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "gil.h"
#include "run.h"

struct shared {
	const struct wl_params *wl;
	struct gil gil;
	u128 *value;           /* value[i]: task i's result */
	bool *done;            /* done[i]: task i finished */
	atomic_long next;      /* pool: the next task index to take */
	atomic_bool stop;      /* pool: creation failed, take no more tasks */
	bool pool;
};

struct worker {
	struct shared *s;
	long first;            /* one per task: the task to run */
	struct gil_thread t;
};

/* Task i, run by a thread that holds the lock; it still holds it after. */
static u128 run_task_locked(struct gil_thread *t, const struct wl_params *wl, long i)
{
	if (wl->kind == WL_CPU)
		return gil_sum_squares(t, 0, wl->n + (uint64_t)i);
	gil_drop(t);
	u128 v = wl_run_task(wl, i);
	gil_take(t);
	return v;
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	struct shared *s = w->s;

	gil_take(&w->t);
	if (!s->pool) {
		s->value[w->first] = run_task_locked(&w->t, s->wl, w->first);
		s->done[w->first] = true;
	}
	while (s->pool && !atomic_load(&s->stop)) {
		long i = atomic_fetch_add(&s->next, 1);
		if (i >= s->wl->tasks)
			break;
		s->value[i] = run_task_locked(&w->t, s->wl, i);
		s->done[i] = true;
	}
	gil_drop(&w->t);
	return NULL;
}

/* Start `want` workers; return how many started (*err: pthread_create's). */
static long start_workers(pthread_t *tid, struct worker *w, long want, struct shared *s,
			  int *err)
{
	for (long k = 0; k < want; k++) {
		w[k].s = s;
		w[k].first = k;
		gil_thread_init(&w[k].t, &s->gil);
		*err = pthread_create(&tid[k], NULL, worker_main, &w[k]);
		if (*err != 0)
			return k;
	}
	return want;
}

/* The lock's counters and the workers' waiting, as JSON extras. */
static void report_lock(struct run *run, struct shared *s, const struct worker *w,
			long started, long long interval_us, long long ticks)
{
	struct gil_stats st;
	uint64_t wait = 0, wait_max = 0;
	unsigned long takes = 0;

	gil_stats(&s->gil, &st);
	for (long k = 0; k < started; k++) {
		wait += w[k].t.wait_ns;
		wait_max = w[k].t.wait_ns > wait_max ? w[k].t.wait_ns : wait_max;
		takes += w[k].t.takes;
	}
	run_extra_str(run, "gil", gil_mode_names[s->gil.mode]);
	run_extra_int(run, "switch_interval_us", interval_us);
	run_extra_int(run, "ticks", ticks);
	run_extra_int(run, "tick_iters", GIL_TICK_ITERS);
	run_extra_int(run, "handoffs", (long long)st.handoffs);
	run_extra_int(run, "forced_drops", (long long)st.forced_drops);
	run_extra_num(run, "wait_s", (double)wait / 1e9);
	run_extra_num(run, "wait_max_s", (double)wait_max / 1e9);
	run_extra_int(run, "takes", (long long)takes);
}

int main(int argc, char **argv)
{
	long long mode = GIL_NEW, interval_us = 5000, ticks = 100;
	const struct cli_extra extras[] = {
		{ "gil", "new (CPython 3.2+, default), old (Python 2) or none",
		  0, 0, gil_mode_names, &mode },
		{ "switch-interval-us", "new lock: switch interval in us, 1..10000000 (default 5000)",
		  1, 10000000, NULL, &interval_us },
		{ "ticks", "old lock: check points between releases, 1..1000000 (default 100)",
		  1, 1000000, NULL, &ticks },
		{ NULL, NULL, 0, 0, NULL, NULL },
	};
	struct cli cli;
	struct run run;
	int err = 0;

	switch (cli_parse(argc, argv, "gil", extras, &cli)) {
	case CLI_DONE: return 0;
	case CLI_BAD: return 2;
	case CLI_RUN: break;
	}
	long tasks = cli.wl.tasks;
	bool pool = cli.workers > 0;
	long want = pool ? (cli.workers < tasks ? cli.workers : tasks) : tasks;
	struct shared s = { .wl = &cli.wl, .pool = pool };
	if ((err = gil_init(&s.gil, (enum gil_mode)mode, (long)interval_us, (long)ticks)) != 0) {
		fprintf(stderr, "gil: gil_init: %s\n", strerror(err));
		return 3;
	}
	s.value = calloc((size_t)tasks, sizeof *s.value);
	s.done = calloc((size_t)tasks, sizeof *s.done);
	pthread_t *tid = calloc((size_t)want, sizeof *tid);
	struct worker *w = calloc((size_t)want, sizeof *w);
	if (!s.value || !s.done || !tid || !w) {
		fprintf(stderr, "gil: calloc for %ld tasks: out of memory\n", tasks);
		return 3;
	}
	cli.workers = pool ? want : 0;
	run_begin(&run, &cli);

	long started = start_workers(tid, w, want, &s, &err);
	if (started < want) {
		atomic_store(&s.stop, true);
		run_shortfall(&run, pool ? "workers" : "tasks", started, want, err);
	}
	for (long k = 0; k < started; k++)
		pthread_join(tid[k], NULL);
	for (long i = 0; i < tasks; i++)
		if (s.done[i])
			run_task_done(&run, i, s.value[i]);
	report_lock(&run, &s, w, started, interval_us, ticks);

	int status = run_finish(&run);
	gil_destroy(&s.gil);
	free(s.value);
	free(s.done);
	free(tid);
	free(w);
	return status;
}
