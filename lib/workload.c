/* workload.c - the cpu, io and net workloads (see workload.h). */
#include "workload.h"

#include <errno.h>
#include <time.h>

#include "net.h"

/*
 * clang -O2 recognises "sum of i*i" and replaces the loop by a closed formula,
 * which would make the cpu workload cost nothing. The empty asm claims to
 * change k on every iteration, so neither compiler can reason about the
 * sequence; it emits no instruction, so the loop is as fast as a plain one.
 *
 * The loop is two instructions a cycle, so its place relative to 64-byte
 * lines changes its speed by as much as 1.8x on the development machine (AMD
 * EPYC): an inlined copy in one place and an out-of-line one in another ran
 * 25% apart in the same program.
 * noinline keeps one copy that every caller runs (wl_run_task and the GIL's
 * chunked kernel alike), and aligned(64) puts it at the same offset in every
 * program, so models and benchmarks compare the same machine code.
 */
__attribute__((noinline, aligned(64)))
u128 wl_sum_squares_range(uint64_t lo, uint64_t hi)
{
	const uint64_t small = UINT64_C(1) << 32;  /* below it k*k fits in 64 bits */
	u128 sum = 0;
	uint64_t k = lo;

	for (; k < hi && k < small; k++) {
		__asm__ volatile("" : "+r"(k));
		sum += k * k;
	}
	for (; k < hi; k++) {
		__asm__ volatile("" : "+r"(k));
		sum += (u128)k * k;
	}
	return sum;
}

u128 wl_sum_squares_formula(uint64_t n)
{
	if (n == 0)
		return 0;
	/* Divide the 2 and the 3 out of the factors first so nothing overflows. */
	u128 a = n, b = n - 1, c = 2 * (u128)n - 1;

	if (a % 2 == 0)
		a /= 2;
	else
		b /= 2;
	if (a % 3 == 0)
		a /= 3;
	else if (b % 3 == 0)
		b /= 3;
	else
		c /= 3;
	return a * b * c;
}

void wl_sleep_ms(long ms)
{
	struct timespec until;

	clock_gettime(CLOCK_MONOTONIC, &until);
	until.tv_sec += ms / 1000;
	until.tv_nsec += (ms % 1000) * 1000000L;
	if (until.tv_nsec >= 1000000000L) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000L;
	}
	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &until, NULL) == EINTR)
		;
}

u128 wl_run_task(const struct wl_params *p, long i)
{
	if (p->kind == WL_CPU)
		return wl_sum_squares_range(0, p->n + (uint64_t)i);
	if (p->kind == WL_NET)
		return net_request(&p->server, i, p->ms) == 0;
	wl_sleep_ms(p->ms);
	return 1;
}

u128 wl_expected_total(const struct wl_params *p)
{
	if (p->kind != WL_CPU)
		return (u128)p->tasks;
	u128 total = 0;
	for (long i = 0; i < p->tasks; i++)
		total += wl_sum_squares_formula(p->n + (uint64_t)i);
	return total;
}

char *wl_u128_str(u128 v, char buf[40])
{
	char tmp[40];
	int len = 0;

	do {
		tmp[len++] = (char)('0' + (int)(v % 10));
		v /= 10;
	} while (v != 0);
	for (int i = 0; i < len; i++)
		buf[i] = tmp[len - 1 - i];
	buf[len] = '\0';
	return buf;
}

const char *const wl_names[] = { "cpu", "io", "net", NULL };
