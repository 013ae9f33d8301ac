/*
 * mn_uneven - what work stealing buys: 64 CPU tasks of uneven size, all
 * spawned by one task on one loop, run on 2 scheduler loops (coro/sched.c)
 * with stealing on and with stealing off.
 *
 *   build/bench/mn_uneven [--scale smoke|quick|full]
 *
 * CSV on stdout: steal,loops,tasks,runs,median_s,min_s,max_s,steals,migrations,busiest_share
 *   steal          on: an idle loop takes half of a busy loop's run queue;
 *                  off: each loop runs only what lands on it
 *   median_s ...   wall time of one case, from co_run to its return (the
 *                  second loop's start and stop included), over `runs`
 *   steals         tasks taken from another loop's run queue, median per run
 *   migrations     resumes on another loop than the last, median per run
 *   busiest_share  the share of the tasks the busiest loop started (1: one
 *                  loop ran everything), median per run
 *
 * The work. Task i sums k*k for k < n_i, n_i = BASE x w_i, the weights
 * w_i = 1 + (37 i mod 64) a shuffle of 1..64: the largest task is 64 times
 * the smallest and they come in no order, so no split fixed in advance
 * (every other task to each loop, the first half to one) is even; the sum
 * is checked against the closed formula. The main task spawns them all,
 * then gathers them: every task lands on the main task's loop, so with
 * stealing off that loop runs them all one after another, and with it on
 * the second loop steals what it can reach and the two finish together.
 * The ideal is 2x on 2 free CPUs; on one CPU both are the same.
 *
 * After one untimed run, the two modes alternate run by run (on, off, on,
 * off...), so that a noisy neighbour slows both alike, and the median of 5
 * sets a slowed run aside (3 were not enough on this shared 2-vCPU VM: a
 * run of 0.84 s against a median of 0.56 s). BASE: smoke 250,000 (one loop about
 * 0.25 s here), once; quick 600,000 (one loop about 0.6 s; 3 runs of each
 * mode and the untimed one: about 3.5 s); full 2,000,000 with 7 runs.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>

#include "bench.h"
#include "coro.h"
#include "workload.h"

#define TASKS 64
#define LOOPS 2
#define MAX_RUNS 8
#define HEADER "steal,loops,tasks,runs,median_s,min_s,max_s,steals,migrations,busiest_share"

static uint64_t base;

static uint64_t weight(long i)
{
	return 1 + (uint64_t)((37 * i) % TASKS);
}

static int one_task(void *arg, intptr_t *value)
{
	long i = (long)(intptr_t)arg;
	uint64_t n = base * weight(i);

	(void)value;
	return wl_sum_squares_range(0, n) == wl_sum_squares_formula(n) ? 0 : -EPROTO;
}

/* The main task: spawn every task on this loop, then gather them. */
static int spawn_all(void *arg, intptr_t *value)
{
	co_tid id[TASKS];
	long started = 0;
	int err = 0;

	(void)arg;
	(void)value;
	while (err == 0 && started < TASKS) {
		err = co_spawn(&id[started], one_task, (void *)(intptr_t)started);
		started += err == 0;
	}
	int gathered = co_gather(id, (size_t)started, NULL, NULL);
	return err ? err : gathered;
}

struct sample {
	double wall_s, steals, migrations, share;
};

static int run_once(bool steal, struct sample *out)
{
	struct co_config cfg = { .loops = LOOPS, .no_steal = !steal };
	struct co_stats st;
	uint64_t t0 = now_ns();
	int err = co_run(spawn_all, NULL, NULL, &cfg);

	out->wall_s = (double)(now_ns() - t0) / 1e9;
	if (err != 0) {
		fprintf(stderr, "mn_uneven: a run with stealing %s failed: %s\n",
			steal ? "on" : "off", err == -EPROTO ? "a wrong sum" : "the runtime");
		return 1;
	}
	co_stats(&st);
	uint64_t most = 0, all = 0;
	for (int k = 0; k < st.loops && k < CO_LOOPS_MAX; k++) {
		all += st.tasks_per_loop[k];
		most = st.tasks_per_loop[k] > most ? st.tasks_per_loop[k] : most;
	}
	out->steals = (double)st.steals;
	out->migrations = (double)st.migrations;
	out->share = all ? (double)most / (double)all : 0;
	return 0;
}

static double median_of(struct sample *s, int runs, size_t field)
{
	double v[MAX_RUNS];
	struct summary sum;

	for (int r = 0; r < runs; r++)
		v[r] = *(double *)((char *)&s[r] + field);
	summarize(v, (size_t)runs, &sum);
	return sum.median;
}

static void row(bool steal, struct sample *s, int runs)
{
	double wall[MAX_RUNS];
	struct summary w;

	for (int r = 0; r < runs; r++)
		wall[r] = s[r].wall_s;
	summarize(wall, (size_t)runs, &w);
	printf("%s,%d,%d,%d,%.4f,%.4f,%.4f,%.0f,%.0f,%.3f\n", steal ? "on" : "off", LOOPS, TASKS,
	       runs, w.median, w.min, w.max, median_of(s, runs, offsetof(struct sample, steals)),
	       median_of(s, runs, offsetof(struct sample, migrations)),
	       median_of(s, runs, offsetof(struct sample, share)));
}

int main(int argc, char **argv)
{
	enum bench_scale scale;
	struct sample on[MAX_RUNS], off[MAX_RUNS];

	switch (bench_parse(argc, argv, "mn_uneven",
			    "usage: mn_uneven [--scale smoke|quick|full]\n\n"
			    "64 CPU tasks of uneven size spawned by one task, on 2 loops,\n"
			    "work stealing on and off; CSV on stdout:\n" HEADER, NULL, &scale)) {
	case CLI_DONE: return 0;
	case CLI_BAD: return 2;
	case CLI_RUN: break;
	}
	base = scale == SCALE_SMOKE ? 250000 : scale == SCALE_QUICK ? 600000 : 2000000;
	int runs = scale == SCALE_SMOKE ? 1 : scale == SCALE_QUICK ? 3 : 7;

	printf("%s\n", HEADER);
	fflush(stdout);
	/* A first co_run pays for what later ones reuse (the loops' arenas
	 * faulted in, the allocator's arenas of the new threads): untimed. */
	if (run_once(true, &on[0]) != 0)
		return 1;
	for (int r = 0; r < runs; r++)
		if (run_once(true, &on[r]) != 0 || run_once(false, &off[r]) != 0)
			return 1;
	row(true, on, runs);
	row(false, off, runs);
	return 0;
}
