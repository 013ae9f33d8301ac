/*
 * heartbeat - does an event loop stay responsive while a CPU job runs?
 * (The "bot freezes while it draws a picture" lesson.)
 *
 *   build/bench/heartbeat [--scale smoke|quick|full]
 *
 * On the project's coroutine loop (coro/coro.h) a heartbeat task should tick
 * every 10 ms. The main task lets it tick once, then runs a CPU job (sum of
 * squares, sized to last about job seconds here) in one of four ways, and
 * waits for it; the heartbeat keeps trying to tick meanwhile:
 *
 *   inline:       the main task computes the job itself: the loop is stuck
 *                 and nothing ticks until it ends
 *   thread_gil:   co_to_thread (asyncio.to_thread) runs the job on a pool
 *                 thread under the new GIL (5 ms switch interval, lib/gil.h);
 *                 the heartbeat, being Python code, must take the lock for
 *                 each tick and drops it before it sleeps, so every tick
 *                 first waits for a drop request to be honoured
 *   thread_nogil: the same pool thread with no lock
 *   process:      co_to_process forks a worker that computes the job; the
 *                 loop waits on its pipe
 *
 * A tick's lag is how late it ran after its due time (taken once it holds
 * the lock, when it has one); ticks whose time passed while it was late
 * count as missed. The ticks from the job's start to the first one after
 * its end are reported, so inline's one late tick is included. Every job's
 * sum is checked against the closed formula.
 *
 *   smoke: job 0.2 s   quick: job 0.5 s   full: job 3 s   (one run per mode)
 *
 * CSV: mode,job_s,ticks,missed,lag_p50_ms,lag_p99_ms,lag_max_ms
 * (job_s: the job's wall time as the main task saw it, start to done).
 */
#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "coro.h"
#include "gil.h"
#include "measure.h"
#include "bench.h"

#define PERIOD_NS (10 * CO_MS)
#define MAX_TICKS 4096

enum mode { INLINE, THREAD_GIL, THREAD_NOGIL, PROCESS, NMODES };
static const char *const mode_names[] = { "inline", "thread_gil", "thread_nogil", "process" };

/* One run's shared state; on the heap, as co_to_thread's argument must be. */
struct bench {
	enum mode mode;
	struct gil gil;
	uint64_t n;              /* the job: sum k*k for k < n */
	u128 result;             /* the job's sum (inline, threads) */
	bool ok;                 /* the job's sum was exact */
	struct gil_thread job_t; /* the pool thread's view of the lock */
	struct gil_thread beat_t;/* the heartbeat's view of the lock */
	atomic_bool stop;        /* the heartbeat should end */
	bool measuring;          /* record ticks (from the job's start) */
	bool job_done;           /* the next tick is the last one recorded */
	double lag_ms[MAX_TICKS];
	size_t ticks;
	long missed;
	double job_s;
};

static void die(const char *call, int err)
{
	fprintf(stderr, "heartbeat: %s: %s\n", call, strerror(err));
	exit(3);
}

/* Iterations of the cpu kernel that take about `secs` here. */
static uint64_t calibrate(double secs)
{
	const uint64_t probe = 20000000;
	uint64_t t0 = now_ns();

	sink_u64((uint64_t)wl_sum_squares_range(0, probe));
	double per_iter = (double)(now_ns() - t0) / (double)probe;
	return (uint64_t)(secs * 1e9 / per_iter);
}

/* The heartbeat: tick at absolute due times, noting how late each ran. */
static int heartbeat(void *arg, intptr_t *value)
{
	struct bench *b = arg;
	int64_t due = co_now() + PERIOD_NS;

	(void)value;
	while (!atomic_load(&b->stop)) {
		int err = co_sleep(due);
		if (err != 0)
			return err;
		gil_take(&b->beat_t);
		int64_t late = co_now() - due, skipped = late / PERIOD_NS;
		if (b->measuring && b->ticks < MAX_TICKS) {
			b->lag_ms[b->ticks++] = (double)late / 1e6;
			b->missed += (long)skipped;
			b->measuring = !b->job_done;
		}
		gil_drop(&b->beat_t);
		due += (skipped + 1) * PERIOD_NS;
	}
	return 0;
}

/* The job on a pool thread, holding the lock as Python code would. */
static int job_thread(void *arg, intptr_t *value)
{
	struct bench *b = arg;

	gil_take(&b->job_t);
	b->result = gil_sum_squares(&b->job_t, 0, b->n);
	gil_drop(&b->job_t);
	*value = 0;
	return 0;
}

/*
 * The job in a child process: only an intptr_t comes back, so the child
 * checks the sum itself and returns the verdict and the low 64 bits.
 */
static int job_process(void *arg, intptr_t *value)
{
	struct bench *b = arg;
	u128 v = wl_sum_squares_range(0, b->n);

	*value = (intptr_t)(uint64_t)v;
	return v == wl_sum_squares_formula(b->n) ? 0 : -EDOM;
}

/* Run the job the way b->mode says; 0, or the offload's error. */
static int run_job(struct bench *b)
{
	intptr_t low = 0;
	int err = 0;

	switch (b->mode) {
	case INLINE:
		b->result = wl_sum_squares_range(0, b->n);
		break;
	case THREAD_GIL:
	case THREAD_NOGIL:
		err = co_to_thread(job_thread, b, &low);
		break;
	case PROCESS:
		/* -EDOM: the child found its sum wrong; any other error is the offload's */
		err = co_to_process(job_process, b, &low);
		b->ok = err == 0 && (uint64_t)low == (uint64_t)wl_sum_squares_formula(b->n);
		return err == -EDOM ? 0 : err;
	case NMODES:
		break;
	}
	b->ok = b->result == wl_sum_squares_formula(b->n);
	return err;
}

/* The main task: one tick to settle, the job, the first tick after it. */
static int bench_main(void *arg, intptr_t *value)
{
	struct bench *b = arg;
	co_tid beat;
	int err;

	(void)value;
	if ((err = co_spawn(&beat, heartbeat, b)) != 0)
		return err;
	co_sleep(co_now() + PERIOD_NS + 5 * CO_MS);
	b->measuring = true;
	int64_t t0 = co_now();
	if ((err = run_job(b)) != 0)
		die(b->mode == PROCESS ? "co_to_process" : "co_to_thread", -err);
	b->job_s = (double)(co_now() - t0) / 1e9;
	b->job_done = true;
	while (b->measuring)
		co_sleep(co_now() + CO_MS);
	atomic_store(&b->stop, true);
	return co_join(beat, NULL);
}

static void run_mode(enum mode m, uint64_t n)
{
	struct bench *b = calloc(1, sizeof *b);
	int err;

	if (b == NULL)
		die("calloc", ENOMEM);
	b->mode = m;
	b->n = n;
	if ((err = gil_init(&b->gil, m == THREAD_GIL ? GIL_NEW : GIL_NONE, 5000, 100)) != 0)
		die("gil_init", err);
	gil_thread_init(&b->job_t, &b->gil);
	gil_thread_init(&b->beat_t, &b->gil);
	if ((err = co_run(bench_main, b, NULL, NULL)) != 0)
		die("co_run", -err);
	gil_destroy(&b->gil);
	if (!b->ok) {
		fprintf(stderr, "heartbeat: %s: the job's sum is wrong\n", mode_names[m]);
		exit(1);
	}
	struct summary s;
	summarize(b->lag_ms, b->ticks, &s);
	printf("%s,%.3f,%zu,%ld,%.3f,%.3f,%.3f\n", mode_names[m], b->job_s, b->ticks,
	       b->missed, s.median, s.p99, s.max);
	fflush(stdout);
	free(b);
}

int main(int argc, char **argv)
{
	enum bench_scale scale;

	switch (bench_parse(argc, argv, "heartbeat",
			    "usage: heartbeat [--scale smoke|quick|full]\n\n"
			    "Lag of a 10 ms heartbeat on the coroutine loop while a CPU job runs\n"
			    "inline, on a thread under the GIL, on a thread without it, in a process.",
			    NULL, &scale)) {
	case CLI_DONE: return 0;
	case CLI_BAD: return 2;
	case CLI_RUN: break;
	}
	static const double job_secs[] = { 0.2, 0.5, 3.0 };
	uint64_t n = calibrate(job_secs[scale]);

	printf("mode,job_s,ticks,missed,lag_p50_ms,lag_p99_ms,lag_max_ms\n");
	for (int m = 0; m < NMODES; m++)
		run_mode((enum mode)m, n);
	return 0;
}
