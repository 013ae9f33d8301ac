/* Unit tests for lib/bench.c: the benchmark programs' command line. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <cmocka.h>

#include "bench.h"

static const char *const colours[] = { "red", "blue", NULL };

/* Parse a NULL-terminated argument list with a numeric and a choice option. */
static enum cli_status parse(enum bench_scale *scale, long long *num, long long *col, ...)
{
	char *argv[16] = { "bench" };
	int argc = 1;
	va_list ap;
	const struct cli_extra extras[] = {
		{ "count", "a number", 1, 100, NULL, num },
		{ "colour", "a choice", 0, 0, colours, col },
		{ NULL, NULL, 0, 0, NULL, NULL },
	};

	va_start(ap, col);
	for (char *a; (a = va_arg(ap, char *)) != NULL && argc < 15;)
		argv[argc++] = a;
	va_end(ap);
	return bench_parse(argc, argv, "bench", "usage: bench\n", extras, scale);
}

static void test_defaults_and_values(void **state)
{
	enum bench_scale scale = SCALE_FULL;
	long long num = 7, col = 0;
	(void)state;

	assert_int_equal(parse(&scale, &num, &col, NULL), CLI_RUN);
	assert_int_equal(scale, SCALE_QUICK);
	assert_true(num == 7 && col == 0);
	assert_int_equal(parse(&scale, &num, &col, "--scale", "smoke", "--count=100",
			       "--colour", "blue", NULL), CLI_RUN);
	assert_int_equal(scale, SCALE_SMOKE);
	assert_true(num == 100 && col == 1);
	assert_int_equal(parse(&scale, &num, &col, "--scale=full", NULL), CLI_RUN);
	assert_int_equal(scale, SCALE_FULL);
}

static void test_bad_input(void **state)
{
	enum bench_scale scale;
	long long num = 7, col = 0;
	(void)state;

	assert_int_equal(parse(&scale, &num, &col, "--scale", "huge", NULL), CLI_BAD);
	assert_int_equal(parse(&scale, &num, &col, "--count", "0", NULL), CLI_BAD);
	assert_int_equal(parse(&scale, &num, &col, "--count", "101", NULL), CLI_BAD);
	assert_int_equal(parse(&scale, &num, &col, "--count", "5x", NULL), CLI_BAD);
	assert_int_equal(parse(&scale, &num, &col, "--colour", "green", NULL), CLI_BAD);
	assert_int_equal(parse(&scale, &num, &col, "--count", NULL), CLI_BAD);
	assert_int_equal(parse(&scale, &num, &col, "--nope", "1", NULL), CLI_BAD);
	assert_int_equal(parse(&scale, &num, &col, "smoke", NULL), CLI_BAD);
	assert_true(num == 7 && col == 0);
}

static void test_self_dir(void **state)
{
	char dir[4096];
	(void)state;

	assert_int_equal(bench_self_dir(dir, sizeof dir), 0);
	assert_true(dir[0] == '/');
	assert_int_equal(bench_self_dir(dir, 2), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults_and_values),
		cmocka_unit_test(test_bad_input),
		cmocka_unit_test(test_self_dir),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
