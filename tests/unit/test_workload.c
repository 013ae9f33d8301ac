/* Unit tests for lib/workload.c: exact sums, chunking, decimal output. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "workload.h"

static void assert_u128_equal(u128 got, u128 want)
{
	char g[40], w[40];
	assert_string_equal(wl_u128_str(got, g), wl_u128_str(want, w));
}

/* The reference values quoted in the issue and in shared/ANCHORS.md. */
static void test_known_values(void **state)
{
	char buf[40];
	(void)state;
	assert_string_equal(wl_u128_str(wl_sum_squares_formula(1000), buf), "332833500");
	assert_string_equal(wl_u128_str(wl_sum_squares_formula(10000000), buf),
			    "333333283333335000000");
	assert_string_equal(wl_u128_str(wl_sum_squares_formula(10000019), buf),
			    "333335183336755002109");
}

static void test_loop_matches_formula(void **state)
{
	const uint64_t ns[] = { 0, 1, 2, 3, 7, 1000, 65536, 999983, 10000000 };
	(void)state;
	for (size_t i = 0; i < sizeof ns / sizeof ns[0]; i++)
		assert_u128_equal(wl_sum_squares_range(0, ns[i]), wl_sum_squares_formula(ns[i]));
}

/* Near 2^32 the square stops fitting in 64 bits; check a window across it. */
static void test_range_across_2_pow_32(void **state)
{
	const uint64_t lo = (UINT64_C(1) << 32) - 5000, hi = (UINT64_C(1) << 32) + 5000;
	(void)state;
	assert_u128_equal(wl_sum_squares_range(lo, hi),
			  wl_sum_squares_formula(hi) - wl_sum_squares_formula(lo));
	assert_u128_equal(wl_sum_squares_range(hi - 1, hi), (u128)(hi - 1) * (hi - 1));
}

static void test_chunks_add_up(void **state)
{
	const uint64_t n = 1234567, chunk = 1000;
	u128 sum = 0;
	(void)state;
	for (uint64_t lo = 0; lo < n; lo += chunk)
		sum += wl_sum_squares_range(lo, lo + chunk < n ? lo + chunk : n);
	assert_u128_equal(sum, wl_sum_squares_range(0, n));
	assert_u128_equal(wl_sum_squares_range(5, 5), 0);
	assert_u128_equal(wl_sum_squares_range(9, 3), 0);
}

static void test_default_total(void **state)
{
	struct wl_params p = { .kind = WL_CPU, .tasks = 20, .n = 10000000 };
	char buf[40];
	(void)state;
	assert_string_equal(wl_u128_str(wl_expected_total(&p), buf), "6666684666689500010830");
	p.kind = WL_IO;
	assert_u128_equal(wl_expected_total(&p), 20);
}

static void test_run_task(void **state)
{
	struct wl_params p = { .kind = WL_CPU, .tasks = 3, .n = 100, .ms = 0 };
	(void)state;
	assert_u128_equal(wl_run_task(&p, 2), wl_sum_squares_formula(102));
	p.kind = WL_IO;
	assert_u128_equal(wl_run_task(&p, 0), 1);
}

static void test_decimal(void **state)
{
	char buf[40];
	(void)state;
	assert_string_equal(wl_u128_str(0, buf), "0");
	assert_string_equal(wl_u128_str(~(u128)0, buf),
			    "340282366920938463463374607431768211455");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_known_values),
		cmocka_unit_test(test_loop_matches_formula),
		cmocka_unit_test(test_range_across_2_pow_32),
		cmocka_unit_test(test_chunks_add_up),
		cmocka_unit_test(test_default_total),
		cmocka_unit_test(test_run_task),
		cmocka_unit_test(test_decimal),
	};
	return cmocka_run_group_tests_name("workload", tests, NULL, NULL);
}
