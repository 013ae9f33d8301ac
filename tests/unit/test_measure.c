/* Unit tests for lib/measure.c: sample summaries. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "measure.h"

static void test_summary(void **state)
{
	double v[] = { 5, 1, 4, 2, 3 };
	struct summary s;
	(void)state;
	summarize(v, 5, &s);
	assert_true(s.n == 5);
	assert_true(s.min == 1 && s.max == 5 && s.median == 3 && s.mean == 3);
	assert_true(s.p10 > 1.39 && s.p10 < 1.41);
	assert_true(s.min <= s.p10 && s.p10 <= s.median && s.median <= s.p90 && s.p90 <= s.max);
}

static void test_even_and_empty(void **state)
{
	double v[] = { 10, 20 };
	struct summary s;
	(void)state;
	summarize(v, 2, &s);
	assert_true(s.median == 15);
	summarize(v, 0, &s);
	assert_true(s.n == 0 && s.median == 0);
}

static void test_clock_moves(void **state)
{
	uint64_t a = now_ns(), b = now_ns();
	(void)state;
	assert_true(b >= a);
	assert_true(cpus_allowed() >= 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_summary),
		cmocka_unit_test(test_even_and_empty),
		cmocka_unit_test(test_clock_moves),
	};
	return cmocka_run_group_tests_name("measure", tests, NULL, NULL);
}
