/*
 * Unit tests for the timers (coro/timer.c): deadlines that arrive in order
 * (the ring), out of order (the heap) and mixed fire earliest first and
 * never early; a timer removed early (a cancelled sleeper) leaves no trace
 * in the order; the ring survives growth while its head has moved.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <errno.h>
#include <stdlib.h>
#include <cmocka.h>

#include "coro.h"

#define MAXT 3000

static int64_t deadline_of[MAXT], woke_at[MAXT];
static int order[MAXT], norder;

static int sleeper(void *arg, intptr_t *value)
{
	int i = (int)(intptr_t)arg;
	int err = co_sleep(deadline_of[i]);

	*value = err;
	if (err == 0) {
		woke_at[i] = co_now();
		order[norder++] = i;
	}
	return err == -ECANCELED ? 0 : err;
}

struct plan {
	int n;
	int64_t (*offset)(int i);      /* task i's deadline after t0 */
	int cancel_every;              /* cancel tasks i % k == 1 (0: none) */
};

static int plan_main(void *arg, intptr_t *value)
{
	const struct plan *p = arg;
	static co_tid id[MAXT];
	int64_t t0 = co_now();

	(void)value;
	norder = 0;
	for (int i = 0; i < p->n; i++) {
		deadline_of[i] = t0 + p->offset(i);
		if (co_spawn(&id[i], sleeper, (void *)(intptr_t)i) != 0)
			return -1;
	}
	co_yield();                     /* every sleeper has its timer now */
	for (int i = 0; p->cancel_every && i < p->n; i++)
		if (i % p->cancel_every == 1)
			co_cancel(id[i]);
	return co_gather(id, (size_t)p->n, NULL, NULL);
}

/* Run the plan; check every uncancelled task woke, in deadline order, not early. */
static void check(const struct plan *p)
{
	int expected = 0;

	assert_int_equal(co_run(plan_main, (void *)p, NULL, NULL), 0);
	for (int i = 0; i < p->n; i++)
		expected += !(p->cancel_every && i % p->cancel_every == 1);
	assert_int_equal(norder, expected);
	for (int k = 0; k < norder; k++) {
		int i = order[k];
		assert_true(woke_at[i] >= deadline_of[i]);
		if (k > 0)
			assert_true(deadline_of[order[k - 1]] <= deadline_of[i]);
	}
}

static int64_t in_order(int i) { return 2 * CO_MS + i * 2 * CO_US; }
static int64_t reversed(int i) { return 8 * CO_MS - i * 2 * CO_US; }

/* Rising, with every fifth one earlier than all so far: ring and heap mixed. */
static int64_t mixed(int i)
{
	return i % 5 == 4 ? 1 * CO_MS + (MAXT - i) * CO_US / 2 : 3 * CO_MS + i * 2 * CO_US;
}

/* Equal deadlines in runs: ties, and the ring's "no earlier than the last". */
static int64_t steps(int i) { return 2 * CO_MS + (i / 100) * 100 * CO_US; }

static void test_in_order_deadlines(void **state)
{
	const struct plan p = { 2000, in_order, 0 };
	(void)state;
	check(&p);
}

static void test_reversed_deadlines(void **state)
{
	const struct plan p = { 2000, reversed, 0 };
	(void)state;
	check(&p);
}

static void test_mixed_deadlines(void **state)
{
	const struct plan p = { MAXT, mixed, 0 };
	(void)state;
	check(&p);
}

static void test_equal_deadlines(void **state)
{
	const struct plan p = { MAXT, steps, 0 };
	(void)state;
	check(&p);
}

static void test_cancelled_timers_leave_holes_only(void **state)
{
	const struct plan in = { MAXT, in_order, 3 };
	const struct plan mix = { MAXT, mixed, 2 };
	(void)state;
	check(&in);
	check(&mix);
}

/*
 * The ring wraps: a first wave fires and moves the head, a second wave,
 * bigger than the ring's first size, makes it grow while wrapped.
 */
static int wave(int n, int64_t base)
{
	static co_tid id[MAXT];

	for (int i = 0; i < n; i++) {
		deadline_of[i] = base + i * CO_US;
		if (co_spawn(&id[i], sleeper, (void *)(intptr_t)i) != 0)
			return -1;
	}
	return co_gather(id, (size_t)n, NULL, NULL);
}

static int waves_main(void *arg, intptr_t *value)
{
	(void)arg;
	(void)value;
	norder = 0;
	if (wave(200, co_now() + CO_MS) != 0)
		return -1;
	for (int k = 0; k < norder; k++)
		if (order[k] != k)
			return -2;
	norder = 0;
	if (wave(MAXT, co_now() + CO_MS) != 0)
		return -3;
	for (int k = 0; k < norder; k++)
		if (order[k] != k)
			return -4;
	return norder == MAXT ? 0 : -5;
}

static void test_ring_wraps_and_grows(void **state)
{
	(void)state;
	assert_int_equal(co_run(waves_main, NULL, NULL, NULL), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_in_order_deadlines),
		cmocka_unit_test(test_reversed_deadlines),
		cmocka_unit_test(test_mixed_deadlines),
		cmocka_unit_test(test_equal_deadlines),
		cmocka_unit_test(test_cancelled_timers_leave_holes_only),
		cmocka_unit_test(test_ring_wraps_and_grows),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
