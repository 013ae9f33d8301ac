/*
 * loop_epoll.c - the poll backend, and the only file that knows epoll.
 * The loop speaks CO_READABLE/CO_WRITABLE; they are translated here.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>

#include "coro_impl.h"

int co_backend_new(void)
{
	int fd = epoll_create1(EPOLL_CLOEXEC);

	if (fd < 0) {
		fprintf(stderr, "co_run: epoll_create1: %s\n", strerror(errno));
		return -errno;
	}
	return fd;
}

static uint32_t to_epoll(int events)
{
	return (events & CO_READABLE ? EPOLLIN : 0) | (events & CO_WRITABLE ? EPOLLOUT : 0);
}

/* Change what fd is watched for from old_events to new_events (0: none). */
int co_backend_set(int backend, int fd, int old_events, int new_events)
{
	struct epoll_event ev = { .events = to_epoll(new_events), .data.fd = fd };
	int op = old_events == 0 ? EPOLL_CTL_ADD
		 : new_events == 0 ? EPOLL_CTL_DEL : EPOLL_CTL_MOD;

	if (old_events == new_events)
		return 0;
	if (epoll_ctl(backend, op, fd, &ev) != 0)
		return -errno;
	return 0;
}

/*
 * Wait up to timeout_ms (-1: until something happens) and fill ev[] with
 * ready descriptors; returns how many. An error or hang-up wakes both
 * directions: the task's own read or write then reports it.
 */
int co_backend_poll(int backend, struct co_event *ev, int max, int timeout_ms)
{
	struct epoll_event raw[256];
	int n;

	if (max > 256)
		max = 256;
	n = epoll_wait(backend, raw, max, timeout_ms);
	if (n < 0) {
		if (errno == EINTR)
			return 0;
		fprintf(stderr, "coro: epoll_wait on %d: %s\n", backend, strerror(errno));
		abort();
	}
	for (int i = 0; i < n; i++) {
		uint32_t e = raw[i].events;
		ev[i].fd = raw[i].data.fd;
		ev[i].events = (e & (EPOLLIN | EPOLLHUP | EPOLLERR) ? CO_READABLE : 0) |
			       (e & (EPOLLOUT | EPOLLHUP | EPOLLERR) ? CO_WRITABLE : 0);
	}
	return n;
}
