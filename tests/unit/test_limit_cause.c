/* Unit tests for lib/limit_cause.c: naming the limit behind a failure. */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "limit_cause.h"

static const struct machine_limits here = { 32768, 65530 };

static void test_errno_and_state(void **state)
{
	(void)state;
	assert_string_equal(limit_cause(&here, EMFILE, 100, 300), "open_files");
	assert_string_equal(limit_cause(&here, ENFILE, 100, 300), "open_files");
	/* glibc's EAGAIN for a stack it could not map, next to the map limit */
	assert_string_equal(limit_cause(&here, EAGAIN, 65520, 300), "max_map_count");
	assert_string_equal(limit_cause(&here, ENOMEM, 65530, 300), "max_map_count");
	assert_string_equal(limit_cause(&here, EAGAIN, 40000, 32500), "pid_max");
	assert_string_equal(limit_cause(&here, ENOMEM, 40000, 32500), "memory");
	/* EAGAIN far from both limits: an rlimit, say */
	assert_string_equal(limit_cause(&here, EAGAIN, 100, 300), "other");
	assert_string_equal(limit_cause(&here, EINVAL, 65530, 32768), "other");
}

static void test_unknown_limits(void **state)
{
	const struct machine_limits unknown = { -1, -1 };
	(void)state;
	assert_string_equal(limit_cause(&unknown, EAGAIN, 70000, 40000), "other");
	assert_string_equal(limit_cause(&unknown, ENOMEM, 70000, 40000), "memory");
}

static void test_projection(void **state)
{
	long proj;
	(void)state;
	/* 31744 guarded coroutines peaked at 63520 mappings: 32768 would not fit */
	assert_string_equal(limit_cause_projected(&here, 31744, 63520, 150, 32768, &proj),
			    "max_map_count");
	assert_true(proj > 65530 && proj < 65600);
	/* 30000 processes, machine near pid_max */
	assert_string_equal(limit_cause_projected(&here, 30000, 200, 30300, 32768, &proj),
			    "pid_max");
	assert_string_equal(limit_cause_projected(&here, 1000, 200, 300, 2000, &proj), "memory");
	assert_string_equal(limit_cause_projected(&here, 0, 0, 0, 8, &proj), "memory");
	assert_true(proj == -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_errno_and_state),
		cmocka_unit_test(test_unknown_limits),
		cmocka_unit_test(test_projection),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
