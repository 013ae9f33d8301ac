/*
 * measure.h - what every benchmark program shares: a nanosecond monotonic
 * clock, a summary of repeated samples (median and spread), CPU pinning,
 * and a sink that keeps the compiler from deleting measured work.
 */
#ifndef CM_MEASURE_H
#define CM_MEASURE_H

#include <stddef.h>
#include <stdint.h>

/* CLOCK_MONOTONIC in nanoseconds. */
uint64_t now_ns(void);

struct summary {
	size_t n;
	double min, p10, median, p90, p99, max, mean;
};

/* Summarise v[0..n) (sorted in place). n == 0 gives all zeros. */
void summarize(double *v, size_t n, struct summary *out);

/* Linear-interpolated percentile (0..100) of an already sorted array. */
double percentile_sorted(const double *v, size_t n, double pct);

/*
 * Pin the calling thread to one CPU (cpu >= 0) or leave it free (cpu < 0).
 * Returns 0, or an errno value (EINVAL when that CPU is not available).
 */
int pin_to_cpu(int cpu);

/* How many CPUs this process may run on. */
int cpus_allowed(void);

/* Store v where the compiler must assume it is read. */
static inline void sink_u64(uint64_t v)
{
	__asm__ volatile("" : : "r"(v) : "memory");
}

#endif
