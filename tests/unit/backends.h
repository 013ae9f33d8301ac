/*
 * backends.h - run a test file's cmocka group once per loop backend (epoll,
 * then uring), so every test of descriptors and timers covers both. Where
 * uring cannot run (a build without liburing, qemu-user, io_uring disabled)
 * its pass is left out with one line saying why. CM_TEST_BACKENDS=epoll
 * leaves it out too: valgrind 3.19 keeps its one-thread-at-a-time lock
 * while a thread sleeps in io_uring_enter, so a to_thread worker never runs
 * and the loop waits for it for ever (a 20-line program, one thread in
 * io_uring_enter and one writing the eventfd it polls, hangs the same way).
 */
#ifndef CM_TEST_BACKENDS_H
#define CM_TEST_BACKENDS_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "coro.h"

/* The backend the group runs on now: every co_run of the file passes it. */
static enum co_backend_kind backend;

/* Whether the group runs on backend k too: epoll always; another backend
 * when it works here and CM_TEST_BACKENDS does not say "epoll". */
static inline int backend_wanted(enum co_backend_kind k, const char *prog)
{
	const char *only = getenv("CM_TEST_BACKENDS");

	if (k == CO_BACKEND_EPOLL)
		return 1;
	if (only && strcmp(only, "epoll") == 0) {
		printf("# %s: %s pass left out (CM_TEST_BACKENDS=epoll)\n", prog,
		       co_backend_names[k]);
		return 0;
	}
	return co_backend_usable(k, prog) == 0;
}

#define run_on_each_backend(prog, tests) ({                                           \
	int failed_ = 0;                                                              \
	for (backend = CO_BACKEND_EPOLL; co_backend_names[backend]; backend++)        \
		if (backend_wanted(backend, prog))                                     \
			failed_ += cmocka_run_group_tests_name(co_backend_names[backend],    \
							       tests, NULL, NULL);           \
	failed_;                                                                      \
})

#endif
