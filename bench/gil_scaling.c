/*
 * gil_scaling - what a global lock does to CPU-bound threads.
 *
 *   build/bench/gil_scaling [--scale smoke|quick|full]
 *
 * The sum-of-squares list (task i sums k*k for 0 <= k < N + i, T tasks) on
 * 1, 2, 4 and 8 workers, five ways: seq (one plain loop, the baseline),
 * threads with no lock, threads under the new GIL (CPython 3.2+, 5 ms switch
 * interval), threads under the old GIL (Python 2, release every 100
 * bytecodes' worth of iterations, lib/gil.h)
 * fork()ed worker processes, and coroutines on W scheduler threads that
 * steal from each other (mn: coro/sched.c, the tasks spawned by one main
 * task, as build/mn does). Every run verifies its exact total.
 *
 *   smoke: T = 20, N = 1,000,000,  3 repetitions (a few seconds)
 *   quick: T = 20, N = 10,000,000, 3 repetitions (about 0.12 s a run here)
 *   full:  T = 20, N = 40,000,000, 7 repetitions (about 0.5 s a run here)
 *
 * Repetitions are interleaved (every case once, then again) so that a noisy
 * moment on a shared machine hits every case alike; one untimed seq run
 * warms up first. CSV:
 *   model,workers,median_s,min_s,max_s,speedup,handoffs,failed_wakeups
 * with speedup = seq's median / this median, both from this run, and the
 * lock's counters (medians over the repetitions; 0 without a lock):
 * handoffs, the times the lock changed hands, and failed_wakeups, the
 * times a waiter was woken and found the lock taken again. Under the old
 * GIL on two cores every release wakes the other thread, which mostly
 * loses the race: Python 2's battle, counted.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "coro.h"
#include "gil.h"
#include "gil_pool.h"
#include "measure.h"
#include "bench.h"

enum model { SEQ, THREADS, GIL_NEW_T, GIL_OLD_T, PROCS, MN, NMODELS };
static const char *const model_names[] = { "seq", "threads", "gil_new", "gil_old", "procs", "mn" };
static const long worker_counts[] = { 1, 2, 4, 8 };
#define NWORKERS 4
#define MAX_REPS 7

/* Where the workers put their values; shared memory, so children can too. */
struct slots {
	u128 *value;
	bool *done;
	atomic_long *next;
	size_t bytes;
};

static void die(const char *call, int err)
{
	fprintf(stderr, "gil_scaling: %s: %s\n", call, strerror(err));
	exit(3);
}

static void slots_map(struct slots *s, long tasks)
{
	s->bytes = (size_t)tasks * (sizeof *s->value + sizeof *s->done) + sizeof *s->next;
	void *m = mmap(NULL, s->bytes, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (m == MAP_FAILED)
		die("mmap", errno);
	s->value = m;  /* u128 first: mmap's page alignment suits it */
	s->done = (bool *)(s->value + tasks);
	s->next = (atomic_long *)(((uintptr_t)(s->done + tasks) + 7) & ~(uintptr_t)7);
	s->bytes += 8;
}

/* Worker processes taking task indices from the shared counter. */
static void run_procs(const struct wl_params *wl, long workers, struct slots *s)
{
	pid_t parent = getpid(), pid[8];

	for (long k = 0; k < workers; k++) {
		pid[k] = fork();
		if (pid[k] < 0)
			die("fork", errno);
		if (pid[k] == 0) {
			prctl(PR_SET_PDEATHSIG, SIGKILL);
			if (getppid() != parent)
				_exit(1);
			for (long i; (i = atomic_fetch_add(s->next, 1)) < wl->tasks;) {
				s->value[i] = wl_run_task(wl, i);
				s->done[i] = true;
			}
			_exit(0);
		}
	}
	for (long k = 0; k < workers; k++) {
		int st;
		while (waitpid(pid[k], &st, 0) < 0 && errno == EINTR)
			;
	}
}

/* The lock's counters of the last run (0 without a lock). */
static struct gil_stats last_stats;

/* Threads under a lock of the given mode (GIL_NONE: plain threads). */
static void run_threads(const struct wl_params *wl, long workers, enum gil_mode mode,
			struct slots *s)
{
	struct gil g;
	int err = gil_init(&g, mode, 5000, 100);

	if (err != 0)
		die("gil_init", err);
	struct gil_pool p = { .gil = &g, .wl = wl, .workers = workers,
			      .value = s->value, .done = s->done };
	if ((err = gil_pool_run(&p, gil_pool_thread)) != 0)
		die("pthread_create", err);
	gil_stats(&g, &last_stats);
	gil_destroy(&g);
}

/* mn: task i sums its list on whichever loop runs it. */
static const struct wl_params *mn_wl;
static struct slots *mn_slots;

static int mn_task(void *arg, intptr_t *value)
{
	long i = (long)(intptr_t)arg;

	(void)value;
	mn_slots->value[i] = wl_run_task(mn_wl, i);
	mn_slots->done[i] = true;
	return 0;
}

static int mn_main(void *arg, intptr_t *value)
{
	long tasks = mn_wl->tasks;
	co_tid *id = calloc((size_t)tasks, sizeof *id);
	int err = id ? 0 : -ENOMEM;

	(void)arg;
	(void)value;
	for (long i = 0; i < tasks && err == 0; i++)
		err = co_spawn(&id[i], mn_task, (void *)(intptr_t)i);
	if (err == 0)
		err = co_gather(id, (size_t)tasks, NULL, NULL);
	free(id);
	return err;
}

static void run_mn(const struct wl_params *wl, long workers, struct slots *s)
{
	struct co_config cfg = { .loops = (int)workers };
	int err;

	mn_wl = wl;
	mn_slots = s;
	if ((err = co_run(mn_main, NULL, NULL, &cfg)) != 0)
		die("co_run", -err);
}

/* One timed run of model m on `workers`; exits 1 unless the total is exact. */
static double run_once(enum model m, long workers, const struct wl_params *wl, u128 want)
{
	struct slots s;
	slots_map(&s, wl->tasks);
	last_stats = (struct gil_stats){ 0 };
	uint64_t t0 = now_ns();

	switch (m) {
	case SEQ:
		for (long i = 0; i < wl->tasks; i++) {
			s.value[i] = wl_run_task(wl, i);
			s.done[i] = true;
		}
		break;
	case THREADS: run_threads(wl, workers, GIL_NONE, &s); break;
	case GIL_NEW_T: run_threads(wl, workers, GIL_NEW, &s); break;
	case GIL_OLD_T: run_threads(wl, workers, GIL_OLD, &s); break;
	case PROCS: run_procs(wl, workers, &s); break;
	case MN: run_mn(wl, workers, &s); break;
	case NMODELS: break;
	}
	double secs = (double)(now_ns() - t0) / 1e9;
	u128 total = 0;
	for (long i = 0; i < wl->tasks; i++)
		total += s.done[i] ? s.value[i] : 0;
	munmap(s.value, s.bytes);
	if (total != want) {
		char got[40], exp[40];
		fprintf(stderr, "gil_scaling: %s on %ld workers: total %s, expected %s\n",
			model_names[m], workers, wl_u128_str(total, got), wl_u128_str(want, exp));
		exit(1);
	}
	return secs;
}

int main(int argc, char **argv)
{
	enum bench_scale scale;

	switch (bench_parse(argc, argv, "gil_scaling",
			    "usage: gil_scaling [--scale smoke|quick|full]\n\n"
			    "CPU scaling of seq, threads, threads under the new and old GIL,\n"
			    "processes and M:N coroutines on 1, 2, 4 and 8 workers.", NULL, &scale)) {
	case CLI_DONE: return 0;
	case CLI_BAD: return 2;
	case CLI_RUN: break;
	}
	static const uint64_t sizes[] = { 1000000, 10000000, 40000000 };
	static const int reps_for[] = { 3, 3, 7 };
	struct wl_params wl = { .kind = WL_CPU, .tasks = 20, .n = sizes[scale] };
	int reps = reps_for[scale];
	u128 want = wl_expected_total(&wl);
	double t[NMODELS][NWORKERS][MAX_REPS];
	double handoffs[NMODELS][NWORKERS][MAX_REPS], failed[NMODELS][NWORKERS][MAX_REPS];

	run_once(SEQ, 1, &wl, want);
	for (int r = 0; r < reps; r++)
		for (int m = 0; m < NMODELS; m++)
			for (int w = 0; w < (m == SEQ ? 1 : NWORKERS); w++) {
				t[m][w][r] = run_once((enum model)m, worker_counts[w], &wl, want);
				handoffs[m][w][r] = (double)last_stats.handoffs;
				failed[m][w][r] = (double)last_stats.failed_wakeups;
			}

	struct summary seq, s, h, f;
	summarize(t[SEQ][0], (size_t)reps, &seq);
	printf("model,workers,median_s,min_s,max_s,speedup,handoffs,failed_wakeups\n");
	for (int m = 0; m < NMODELS; m++)
		for (int w = 0; w < (m == SEQ ? 1 : NWORKERS); w++) {
			summarize(t[m][w], (size_t)reps, &s);
			summarize(handoffs[m][w], (size_t)reps, &h);
			summarize(failed[m][w], (size_t)reps, &f);
			printf("%s,%ld,%.6f,%.6f,%.6f,%.3f,%.0f,%.0f\n", model_names[m],
			       worker_counts[w], s.median, s.min, s.max, seq.median / s.median,
			       h.median, f.median);
		}
	return 0;
}
