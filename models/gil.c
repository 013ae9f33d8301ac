/*
 * gil - POSIX threads that must hold a CPython-style global lock to run
 * (lib/gil.h), the C twin of Python threads:
 *
 *   build/gil cpu|io|net [--tasks T] [--n N] [--ms D] [--workers W]
 *             [--connect HOST:PORT] [--json]
 *             [--gil new|old|none] [--switch-interval-us U] [--ticks K]
 *
 * Threads are started as in models/threads.c: one per task, or a pool of W
 * taking task indices from a shared counter; lib/gil_pool.c starts them the
 * way Python's threading does (the main thread holds the lock and starts
 * one thread at a time). Each thread runs python_thread below: it takes
 * the lock when it starts, runs its tasks holding it, and drops it when it
 * ends, as a Python thread does.
 *
 *   cpu: the kernel runs in chunks with a check point after each (every
 *        4,096 iterations under the new lock, every K bytecodes' worth under
 *        the old), so the holder gives way when it must.
 *   io, net: a blocking call (a wait, a request's socket round trip to the
 *        slow server): the lock is dropped around it and taken back after,
 *        as time.sleep and socket calls do in CPython. net starts a private
 *        server unless --connect names one (lib/netserver.h); each request
 *        opens its own socket, so running out of descriptors shows as failed
 *        requests (exit 3, with how many failed: lib/net.h), not as a
 *        shortfall.
 *
 * If pthread_create fails, no more threads are started, the started ones
 * finish and are joined, and the run exits with status 3.
 *
 * --gil new (default) is CPython 3.2+'s lock with --switch-interval-us U
 * (default 5000, sys.getswitchinterval() = 0.005); old is Python 2's, which
 * releases and re-takes the lock every --ticks K bytecodes (default 100,
 * sys.setcheckinterval's default; a bytecode is GIL_BYTECODE_ITERS kernel
 * iterations, see lib/gil.h); none runs with no lock.
 *
 * JSON adds: gil, switch_interval_us, ticks, tick_iters (kernel iterations
 * between check points), handoffs (the lock
 * changed hands), forced_drops (a holder dropped because a waiter asked),
 * timeouts (a waiter's switch interval ran out), drop_requests (a waiter
 * asked the holder to drop), failed_wakeups (a waiter woke to find the lock
 * held again), max_waiting (the most threads that waited at once), wait_s (time all threads spent waiting for the lock),
 * wait_max_s (the longest total of one thread) and takes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "gil.h"
#include "gil_pool.h"
#include "netserver.h"
#include "run.h"
#include "timeline.h"

/*
 * A Python thread: it must hold the lock to run. gil_worker_run keeps it
 * except where the task blocks (io, net), or where a check point gives way.
 */
static void *python_thread(void *arg)
{
	struct gil_worker *w = arg;
	long i;

	gil_take(&w->t);            /* the new thread's first act */
	gil_worker_started(w);      /* Thread.start() in the main thread returns */
	while ((i = gil_worker_next(w)) >= 0)
		gil_worker_run(w, i);
	gil_drop(&w->t);            /* the thread's last act */
	return NULL;
}

/* The lock's counters and the threads' waiting, as JSON extras. */
static void report_lock(struct run *run, struct gil *g, const struct gil_pool *p,
			long long interval_us, long long ticks)
{
	struct gil_stats st;

	gil_stats(g, &st);
	run_extra_str(run, "gil", gil_mode_names[g->mode]);
	run_extra_int(run, "switch_interval_us", interval_us);
	run_extra_int(run, "ticks", ticks);
	run_extra_int(run, "tick_iters", (long long)g->check_iters);
	run_extra_int(run, "handoffs", (long long)st.handoffs);
	run_extra_int(run, "forced_drops", (long long)st.forced_drops);
	run_extra_int(run, "timeouts", (long long)st.timeouts);
	run_extra_int(run, "drop_requests", (long long)st.drop_requests);
	run_extra_int(run, "failed_wakeups", (long long)st.failed_wakeups);
	run_extra_int(run, "max_waiting", (long long)st.max_waiting);
	run_extra_num(run, "wait_s", (double)p->wait_ns / 1e9);
	run_extra_num(run, "wait_max_s", (double)p->wait_max_ns / 1e9);
	run_extra_int(run, "takes", (long long)p->takes);
}

int main(int argc, char **argv)
{
	long long mode = GIL_NEW, interval_us = 5000, ticks = 100;
	const struct cli_extra extras[] = {
		{ "gil", "new (CPython 3.2+, default), old (Python 2) or none",
		  0, 0, gil_mode_names, &mode },
		{ "switch-interval-us", "new lock: switch interval in us, 1..10000000 (default 5000)",
		  1, 10000000, NULL, &interval_us },
		{ "ticks", "old lock: bytecodes between releases, 1..1000000 (default 100)",
		  1, 1000000, NULL, &ticks },
		{ NULL, NULL, 0, 0, NULL, NULL },
	};
	struct cli cli;
	struct run run;
	struct gil g;
	struct netserver server;
	int err, status;

	switch (cli_parse(argc, argv, "gil", extras, &cli)) {
	case CLI_DONE: return 0;
	case CLI_BAD: return 2;
	case CLI_RUN: break;
	}
	if (cli.workers > cli.wl.tasks)
		cli.workers = cli.wl.tasks;
	if ((status = netserver_open(&cli, &server)) != 0)
		return status;
	long tasks = cli.wl.tasks;
	struct gil_pool p = { .gil = &g, .wl = &cli.wl, .workers = cli.workers };
	p.value = calloc((size_t)tasks, sizeof *p.value);
	p.done = calloc((size_t)tasks, sizeof *p.done);
	if (!p.value || !p.done) {
		fprintf(stderr, "gil: calloc for %ld tasks: out of memory\n", tasks);
		status = 3;
		goto out_free;
	}
	if ((err = gil_init(&g, (enum gil_mode)mode, (long)interval_us, (long)ticks)) != 0) {
		fprintf(stderr, "gil: gil_init: %s\n", strerror(err));
		status = 3;
		goto out_free;
	}
	run_begin(&run, &cli);
	tl_begin(tasks);

	err = gil_pool_run(&p, python_thread);
	if (err != 0)
		run_shortfall(&run, cli.workers > 0 ? "workers" : "tasks", p.started,
			      p.wanted, err);
	for (long i = 0; i < tasks; i++)
		if (p.done[i])
			run_task_done(&run, i, p.value[i]);
	report_lock(&run, &g, &p, interval_us, ticks);
	tl_finish(cli.model);

	status = run_finish(&run);
	gil_destroy(&g);
out_free:
	free(p.value);
	free(p.done);
	netserver_close(&server);
	return status;
}
