/*
 * co_test.h - cmocka tests whose assertions run inside coroutine tasks.
 *
 * A cmocka assertion that fails longjmps straight back to the test runner.
 * Inside a task that is out of co_run, past the loop's own cleanup: the
 * loop stays marked running, and every later co_run on the thread would be
 * refused ("a loop already runs on this thread"), one failure showing as
 * many. CO_TEST gives a test a teardown that finds such a loop and forgets
 * it, so that the next test starts a loop of its own. What the abandoned
 * loop holds (its descriptors, stacks and records) is left: the run has
 * failed anyway.
 */
#ifndef CO_TEST_H
#define CO_TEST_H

#include <stdio.h>

#include "coro_impl.h"

static int co_test_forget_loop(void **state)
{
	(void)state;
	if (co_loop.state == CO_LOOP_RUNNING) {
		fprintf(stderr, "(the test failed inside a task; its loop is forgotten)\n");
		co_loop.state = CO_LOOP_NONE;
	}
	return 0;
}

#define CO_TEST(f) cmocka_unit_test_teardown(f, co_test_forget_loop)

#endif
