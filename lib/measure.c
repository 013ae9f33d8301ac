/* measure.c - clock, sample summaries and pinning (see measure.h). */
#define _GNU_SOURCE
#include "measure.h"

#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

double percentile_sorted(const double *v, size_t n, double pct)
{
	if (n == 0)
		return 0;
	double pos = pct / 100.0 * (double)(n - 1);
	size_t lo = (size_t)pos;
	if (lo + 1 >= n)
		return v[n - 1];
	return v[lo] + (pos - (double)lo) * (v[lo + 1] - v[lo]);
}

void summarize(double *v, size_t n, struct summary *out)
{
	double total = 0;

	memset(out, 0, sizeof *out);
	if (n == 0)
		return;
	qsort(v, n, sizeof *v, cmp_double);
	for (size_t i = 0; i < n; i++)
		total += v[i];
	out->n = n;
	out->min = v[0];
	out->max = v[n - 1];
	out->mean = total / (double)n;
	out->p10 = percentile_sorted(v, n, 10);
	out->median = percentile_sorted(v, n, 50);
	out->p90 = percentile_sorted(v, n, 90);
	out->p99 = percentile_sorted(v, n, 99);
}

int pin_to_cpu(int cpu)
{
	cpu_set_t set;

	if (cpu < 0) {
		CPU_ZERO(&set);
		for (int i = 0; i < CPU_SETSIZE; i++)
			CPU_SET(i, &set);
		/* Ask for every CPU; the kernel trims it to the allowed ones. */
		sched_setaffinity(0, sizeof set, &set);
		return 0;
	}
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return pthread_setaffinity_np(pthread_self(), sizeof set, &set);
}

int cpus_allowed(void)
{
	cpu_set_t set;

	if (sched_getaffinity(0, sizeof set, &set) != 0)
		return 0;
	return CPU_COUNT(&set);
}
