/*
 * workload.h - the three workloads every model runs, defined once.
 *
 *   cpu: task i computes the exact sum of k*k for 0 <= k < n_i, n_i = N + i.
 *        The sum passes 2^64 at n = 10^7, so it is kept in unsigned __int128.
 *   io:  task i waits d ms, then reports one completed task.
 *   net: task i sends a request over TCP to a server that answers after
 *        d ms (protocol in net.h), checks the answer, and reports one
 *        completed task; a failed request reports nothing.
 *
 * A model only decides *how* tasks are fanned out; what a task does and how
 * the total is checked lives here, so every model verifies the same thing.
 */
#ifndef CM_WORKLOAD_H
#define CM_WORKLOAD_H

#include <stdbool.h>
#include <stdint.h>
#include <netinet/in.h>

typedef unsigned __int128 u128;

enum wl_kind { WL_CPU, WL_IO, WL_NET };

struct wl_params {
	enum wl_kind kind;
	long tasks;     /* T */
	uint64_t n;     /* N: task i sums over [0, N + i) */
	long ms;        /* d: how long an io task waits, or the net server */
	struct sockaddr_in server;   /* net: where the requests go */
};

/* Sum of k*k for lo <= k < hi, by a real loop with either compiler. */
u128 wl_sum_squares_range(uint64_t lo, uint64_t hi);

/* The same sum from the closed formula n(n-1)(2n-1)/6 (valid for n < 2^42). */
u128 wl_sum_squares_formula(uint64_t n);

/*
 * Task i's value: cpu, its sum; io, 1 once the wait has passed; net, 1 once
 * the answer came back right, 0 if the request failed (see net.h).
 */
u128 wl_run_task(const struct wl_params *p, long i);

/* Sleep for ms milliseconds against an absolute deadline (EINTR-safe). */
void wl_sleep_ms(long ms);

/* What the sum of every task's value must be. */
u128 wl_expected_total(const struct wl_params *p);

/* Decimal text of v; buf needs 40 bytes. Returns buf. */
char *wl_u128_str(u128 v, char buf[40]);

/* Workload names indexed by enum wl_kind, NULL-terminated. */
extern const char *const wl_names[];

#endif
