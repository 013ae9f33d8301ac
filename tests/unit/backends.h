/*
 * backends.h - run a test file's cmocka group once per loop backend (epoll,
 * then uring), so every test of descriptors and timers covers both. Where
 * uring cannot run (a build without liburing, qemu-user, io_uring disabled)
 * its pass is left out with one line saying why.
 */
#ifndef CM_TEST_BACKENDS_H
#define CM_TEST_BACKENDS_H

#include "coro.h"

/* The backend the group runs on now: every co_run of the file passes it. */
static enum co_backend_kind backend;

#define run_on_each_backend(prog, tests) ({                                           \
	int failed_ = 0;                                                              \
	for (backend = CO_BACKEND_EPOLL; co_backend_names[backend]; backend++)        \
		if (backend == CO_BACKEND_EPOLL || co_backend_usable(backend, prog) == 0) \
			failed_ += cmocka_run_group_tests_name(co_backend_names[backend],    \
							       tests, NULL, NULL);           \
	failed_;                                                                      \
})

#endif
