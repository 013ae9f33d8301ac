/* Unit tests for lib/cli.c: what the option parser accepts and rejects. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <cmocka.h>

#include "cli.h"

#define ARGC(a) ((int)(sizeof(a) / sizeof((a)[0])))

static enum cli_status parse(int argc, char **argv, struct cli *out)
{
	return cli_parse(argc, argv, "test", NULL, out);
}

static void test_defaults(void **state)
{
	char *cpu[] = { "test", "cpu" }, *io[] = { "test", "io" };
	struct cli c;
	(void)state;
	assert_int_equal(parse(ARGC(cpu), cpu, &c), CLI_RUN);
	assert_int_equal(c.wl.kind, WL_CPU);
	assert_int_equal(c.wl.tasks, 20);
	assert_true(c.wl.n == 10000000);
	assert_int_equal(c.workers, 0);
	assert_false(c.json);
	assert_int_equal(parse(ARGC(io), io, &c), CLI_RUN);
	assert_int_equal(c.wl.tasks, 100);
	assert_int_equal(c.wl.ms, 100);
}

static void test_all_options(void **state)
{
	char *argv[] = { "test", "--json", "io", "--tasks", "7", "--ms=0", "--workers", "3",
			 "--n", "4294967296" };
	struct cli c;
	(void)state;
	assert_int_equal(parse(ARGC(argv), argv, &c), CLI_RUN);
	assert_int_equal(c.wl.kind, WL_IO);
	assert_int_equal(c.wl.tasks, 7);
	assert_int_equal(c.wl.ms, 0);
	assert_int_equal(c.workers, 3);
	assert_true(c.wl.n == (UINT64_C(1) << 32));
	assert_true(c.json);
}

static void test_rejects(void **state)
{
	char *bad[][4] = {
		{ "test", "cpu", "--tasks", "0" },
		{ "test", "cpu", "--tasks", "-1" },
		{ "test", "cpu", "--tasks", "abc" },
		{ "test", "cpu", "--tasks", "5x" },
		{ "test", "cpu", "--tasks", "" },
		{ "test", "cpu", "--tasks", "99999999999999999999999" },
		{ "test", "cpu", "--n", "4294967297" },
		{ "test", "io", "--ms", "-5" },
		{ "test", "io", "--workers", "0" },
		{ "test", "cpu", "--bogus", "1" },
		{ "test", "gpu", "--tasks", "1" },
		{ "test", "cpu", "io", "--json" },
	};
	struct cli c;
	(void)state;
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		assert_int_equal(parse(4, bad[i], &c), CLI_BAD);
}

static void test_missing(void **state)
{
	char *no_value[] = { "test", "cpu", "--tasks" };
	char *no_workload[] = { "test", "--tasks", "3" };
	struct cli c;
	(void)state;
	assert_int_equal(parse(ARGC(no_value), no_value, &c), CLI_BAD);
	assert_int_equal(parse(ARGC(no_workload), no_workload, &c), CLI_BAD);
}

static void test_extras(void **state)
{
	static const char *const modes[] = { "new", "old", "none", NULL };
	long long mode = 0, interval = 5000;
	const struct cli_extra extras[] = {
		{ "gil", "lock kind", 0, 0, modes, &mode },
		{ "switch-interval-us", "interval", 1, 1000000, NULL, &interval },
		{ NULL, NULL, 0, 0, NULL, NULL },
	};
	char *ok[] = { "test", "cpu", "--gil", "old", "--switch-interval-us", "50" };
	char *bad[] = { "test", "cpu", "--gil", "older" };
	struct cli c;
	(void)state;
	assert_int_equal(cli_parse(ARGC(ok), ok, "test", extras, &c), CLI_RUN);
	assert_int_equal(mode, 1);
	assert_int_equal(interval, 50);
	assert_int_equal(cli_parse(ARGC(bad), bad, "test", extras, &c), CLI_BAD);
}

static void test_number(void **state)
{
	long long v;
	(void)state;
	assert_int_equal(cli_number("42", 1, 100, &v), 0);
	assert_int_equal(v, 42);
	assert_int_equal(cli_number("100", 1, 100, &v), 0);
	assert_int_equal(cli_number("101", 1, 100, &v), -1);
	assert_int_equal(cli_number(" 4", 1, 100, &v), -1);
	assert_int_equal(cli_number("+4", 1, 100, &v), -1);
	assert_int_equal(cli_number("4.0", 1, 100, &v), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_all_options),
		cmocka_unit_test(test_rejects),
		cmocka_unit_test(test_missing),
		cmocka_unit_test(test_extras),
		cmocka_unit_test(test_number),
	};
	/* The parser reports on stderr by design; keep test output readable. */
	if (freopen("/dev/null", "w", stderr) == NULL)
		return 1;
	return cmocka_run_group_tests_name("cli", tests, NULL, NULL);
}
