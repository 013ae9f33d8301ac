/*
 * gil_sweep - how the new GIL's switch interval trades throughput for
 * hand-offs.
 *
 *   build/bench/gil_sweep [--scale smoke|quick|full]
 *
 * 2 and 4 CPU-bound threads (a pool over the sum-of-squares list, T = 20
 * tasks of N + i) under the new GIL, with the switch interval set from
 * 0.05 ms to 50 ms. A shorter interval hands the lock over more often
 * (more fairness, more lock traffic); a longer one lets a holder run longer.
 *
 *   smoke: N = 1,000,000,  intervals 50, 5000, 50000 us, 3 repetitions
 *   quick: N = 10,000,000, intervals 50, 500, 5000 us, 3 repetitions
 *   full:  N = 40,000,000, 10 intervals 50..50000 us, 5 repetitions
 *
 * Repetitions are interleaved across cases; one untimed run warms up.
 * Every run verifies its exact total. CSV:
 * threads,interval_us,median_s,tasks_per_s,handoffs,handoffs_per_s
 * (medians over the repetitions; handoffs_per_s is the median of each
 * run's hand-offs divided by its wall time).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gil.h"
#include "gil_pool.h"
#include "measure.h"
#include "bench.h"

#define MAX_REPS 5
static const long thread_counts[] = { 2, 4 };
static const long all_intervals[] = { 50, 100, 200, 500, 1000, 2000, 5000, 10000, 20000, 50000 };
static const long smoke_intervals[] = { 50, 5000, 50000 };
/* Two decades in steps of 10x: the slope, in a third of the time. */
static const long quick_intervals[] = { 50, 500, 5000 };

struct sample {
	double secs, handoffs, handoffs_per_s;
};

/* One timed run; exits 1 unless the total is exact, 3 if threads fail. */
static struct sample run_once(const struct wl_params *wl, long threads, long interval_us,
			      u128 want)
{
	u128 value[64];
	bool done[64] = { false };
	struct gil g;
	struct gil_stats st;
	int err = gil_init(&g, GIL_NEW, interval_us, 1);

	if (err != 0) {
		fprintf(stderr, "gil_sweep: gil_init: %s\n", strerror(err));
		exit(3);
	}
	struct gil_pool p = { .gil = &g, .wl = wl, .workers = threads,
			      .value = value, .done = done };
	uint64_t t0 = now_ns();
	if ((err = gil_pool_run(&p, gil_pool_thread)) != 0) {
		fprintf(stderr, "gil_sweep: pthread_create: %s\n", strerror(err));
		exit(3);
	}
	double secs = (double)(now_ns() - t0) / 1e9;
	gil_stats(&g, &st);
	gil_destroy(&g);
	long finished;
	if (gil_pool_total(&p, &finished) != want) {
		fprintf(stderr, "gil_sweep: %ld threads, interval %ld us: wrong total\n",
			threads, interval_us);
		exit(1);
	}
	return (struct sample){ secs, (double)st.handoffs, (double)st.handoffs / secs };
}

int main(int argc, char **argv)
{
	enum bench_scale scale;

	switch (bench_parse(argc, argv, "gil_sweep",
			    "usage: gil_sweep [--scale smoke|quick|full]\n\n"
			    "Throughput and hand-offs of 2 and 4 CPU threads under the new GIL\n"
			    "with switch intervals from 0.05 ms to 50 ms.", NULL, &scale)) {
	case CLI_DONE: return 0;
	case CLI_BAD: return 2;
	case CLI_RUN: break;
	}
	static const uint64_t sizes[] = { 1000000, 10000000, 40000000 };
	static const int reps_for[] = { 3, 3, 5 };
	struct wl_params wl = { .kind = WL_CPU, .tasks = 20, .n = sizes[scale] };
	const long *intervals = scale == SCALE_SMOKE ? smoke_intervals :
				scale == SCALE_QUICK ? quick_intervals : all_intervals;
	int nint = scale == SCALE_SMOKE ? 3 : scale == SCALE_QUICK ? 3 : 10, reps = reps_for[scale];
	u128 want = wl_expected_total(&wl);
	struct sample s[2][10][MAX_REPS];

	run_once(&wl, 2, 5000, want);
	for (int r = 0; r < reps; r++)
		for (int t = 0; t < 2; t++)
			for (int i = 0; i < nint; i++)
				s[t][i][r] = run_once(&wl, thread_counts[t], intervals[i], want);

	printf("threads,interval_us,median_s,tasks_per_s,handoffs,handoffs_per_s\n");
	for (int t = 0; t < 2; t++)
		for (int i = 0; i < nint; i++) {
			double secs[MAX_REPS], hand[MAX_REPS], rate[MAX_REPS];
			struct summary a, b, c;
			for (int r = 0; r < reps; r++) {
				secs[r] = s[t][i][r].secs;
				hand[r] = s[t][i][r].handoffs;
				rate[r] = s[t][i][r].handoffs_per_s;
			}
			summarize(secs, (size_t)reps, &a);
			summarize(hand, (size_t)reps, &b);
			summarize(rate, (size_t)reps, &c);
			printf("%ld,%ld,%.6f,%.3f,%.0f,%.3f\n", thread_counts[t], intervals[i],
			       a.median, (double)wl.tasks / a.median, b.median, c.median);
		}
	return 0;
}
