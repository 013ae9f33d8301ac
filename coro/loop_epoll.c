/*
 * loop_epoll.c - the readiness backend, and the only file that knows epoll.
 *
 * A descriptor call is the idea itself: try it; on EAGAIN watch the
 * descriptor (epoll_ctl), park the task until epoll_wait says it is ready,
 * stop watching (epoll_ctl again) and retry. Time is a timerfd in the same
 * epoll set, armed at the earliest deadline (epoll_wait's own timeout is in
 * whole milliseconds; the timerfd's is in ns, so no timer fires late by up
 * to 1 ms, and none early). The loop speaks CO_READABLE/CO_WRITABLE; they
 * are translated here.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "coro_impl.h"

struct fd_waiters {
	struct co_task *reader, *writer;
	int registered;             /* events epoll watches now */
	bool persistent;            /* a watch() for the loop's lifetime */
};

static _Thread_local struct {
	int epfd;
	int timer_fd;
	int64_t timer_armed;        /* its deadline, or CO_FOREVER */
	struct fd_waiters *fds;
	int nfds;
} E;

static int epoll_open(char *why, size_t len)
{
	struct epoll_event ev = { .events = EPOLLIN };

	E.epfd = epoll_create1(EPOLL_CLOEXEC);
	if (E.epfd < 0) {
		snprintf(why, len, "epoll_create1: %s", strerror(errno));
		return -errno;
	}
	E.timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	ev.data.fd = E.timer_fd;
	if (E.timer_fd < 0 || epoll_ctl(E.epfd, EPOLL_CTL_ADD, E.timer_fd, &ev) != 0) {
		int err = errno;
		snprintf(why, len, "%s: %s", E.timer_fd < 0 ? "timerfd_create" : "epoll_ctl",
			 strerror(err));
		if (E.timer_fd >= 0)
			close(E.timer_fd);
		close(E.epfd);
		return -err;
	}
	E.timer_armed = CO_FOREVER;
	E.fds = NULL;
	E.nfds = 0;
	return 0;
}

static void epoll_close(void)
{
	close(E.timer_fd);
	close(E.epfd);
	free(E.fds);
	E.fds = NULL;
	E.nfds = 0;
}

static uint32_t to_epoll(int events)
{
	return (events & CO_READABLE ? EPOLLIN : 0) | (events & CO_WRITABLE ? EPOLLOUT : 0);
}

static int grow(int fd)
{
	if (fd < E.nfds)
		return 0;
	int n = fd + 64;
	struct fd_waiters *f = realloc(E.fds, (size_t)n * sizeof *f);
	if (f == NULL)
		return -ENOMEM;
	memset(f + E.nfds, 0, (size_t)(n - E.nfds) * sizeof *f);
	E.fds = f;
	E.nfds = n;
	return 0;
}

/* Make epoll watch fd for what its waiters want now. */
static int resync(int fd)
{
	struct fd_waiters *w = &E.fds[fd];
	int want = (w->reader || w->persistent ? CO_READABLE : 0) | (w->writer ? CO_WRITABLE : 0);
	struct epoll_event ev = { .events = to_epoll(want), .data.fd = fd };
	int op = w->registered == 0 ? EPOLL_CTL_ADD : want == 0 ? EPOLL_CTL_DEL : EPOLL_CTL_MOD;

	if (w->registered == want)
		return 0;
	CO_COUNT(EPOLL_CTL);
	if (epoll_ctl(E.epfd, op, fd, &ev) != 0)
		return -errno;
	w->registered = want;
	return 0;
}

static int epoll_watch(int fd)
{
	int err = fd < 0 ? -EBADF : grow(fd);

	if (err)
		return err;
	E.fds[fd].persistent = true;
	return resync(fd);
}

static struct co_task **slot_of(struct fd_waiters *w, int events)
{
	return events == CO_READABLE ? &w->reader : &w->writer;
}

/* Park the running task until fd is ready for events (one direction), or deadline. */
static int wait_ready(int fd, int events, int64_t deadline)
{
	struct co_task *t = co_loop.current;
	int err = fd < 0 ? -EBADF : grow(fd);

	if (err)
		return err;
	if (events != CO_READABLE && events != CO_WRITABLE)
		return -EINVAL;
	struct co_task **slot = slot_of(&E.fds[fd], events);
	if (*slot)
		return -EBUSY;
	*slot = t;
	if ((err = resync(fd)) != 0) {
		*slot = NULL;
		return err;
	}
	t->fd = fd;
	t->fd_events = events;
	co_loop.fd_waits++;
	return co_park(CO_PARK_FD, deadline);
}

/* The task is woken (ready, cancelled or timed out): stop watching for it. */
static bool epoll_release(struct co_task *t)
{
	*slot_of(&E.fds[t->fd], t->fd_events) = NULL;
	/* A descriptor closed meanwhile has left epoll already: nothing to undo. */
	if (resync(t->fd) != 0)
		E.fds[t->fd].registered = 0;
	co_loop.fd_waits--;
	return true;
}

/* Is the call's failure (errno) one to wait out? Then the direction to wait for. */
static int would_block(const struct co_call *c, ssize_t r)
{
	if (c->kind == CO_CALL_CONNECT)   /* interrupted, it goes on in the background */
		return r == -EINPROGRESS || r == -EINTR ? CO_WRITABLE : 0;
	if (r != -EAGAIN && r != -EWOULDBLOCK)
		return 0;
	return c->kind == CO_CALL_WRITE ? CO_WRITABLE : CO_READABLE;
}

/* Try the call; on EAGAIN wait until fd is ready and try again. */
static ssize_t epoll_call(const struct co_call *c)
{
	int events, err;
	ssize_t r;

	if (c->kind == CO_CALL_POLL)
		return wait_ready(c->fd, c->events, c->deadline);
	if (c->kind == CO_CALL_CLOSE && c->fd >= 0 && c->fd < E.nfds)
		E.fds[c->fd] = (struct fd_waiters){ 0 };   /* closing takes it out of epoll */
	while ((r = co_call_now(c)) < 0) {
		if (r == -EINTR && c->kind != CO_CALL_CONNECT && c->kind != CO_CALL_CLOSE)
			continue;
		if ((events = would_block(c, r)) == 0)
			return r;
		if ((err = wait_ready(c->fd, events, c->deadline)) != 0)
			return err;
		if (c->kind == CO_CALL_CONNECT)
			return co_connect_result(c->fd);
	}
	return r;
}

static void arm_timer(int64_t deadline)
{
	struct itimerspec its = { 0 };

	if (deadline == E.timer_armed)
		return;
	if (deadline != CO_FOREVER) {
		its.it_value.tv_sec = deadline / CO_S;
		its.it_value.tv_nsec = deadline % CO_S;
	}
	CO_COUNT(OTHER);
	if (timerfd_settime(E.timer_fd, TFD_TIMER_ABSTIME, &its, NULL) != 0) {
		fprintf(stderr, "coro: timerfd_settime at %lld ns: %s\n", (long long)deadline,
			strerror(errno));
		abort();
	}
	E.timer_armed = deadline;
}

static void timer_fired(void)
{
	uint64_t ticks;

	CO_COUNT(READ);
	if (read(E.timer_fd, &ticks, sizeof ticks) < 0)
		E.timer_armed = CO_FOREVER - 1;   /* re-arm next turn */
	else
		E.timer_armed = CO_FOREVER;
}

/*
 * Wait until deadline (0: not at all) and wake the tasks whose descriptors
 * are ready. An error or hang-up wakes both directions: the task's own call
 * then reports it.
 */
static int epoll_poll(int *fds, int max, int64_t deadline)
{
	struct epoll_event raw[256];
	int n, found = 0;

	if (deadline != 0)
		arm_timer(deadline);
	CO_COUNT(EPOLL_WAIT);
	n = epoll_wait(E.epfd, raw, 256, deadline == 0 ? 0 : -1);
	if (n < 0) {
		if (errno == EINTR)
			return 0;
		fprintf(stderr, "coro: epoll_wait on %d: %s\n", E.epfd, strerror(errno));
		abort();
	}
	for (int i = 0; i < n; i++) {
		uint32_t e = raw[i].events;
		int fd = raw[i].data.fd;
		struct fd_waiters *w = fd < E.nfds ? &E.fds[fd] : NULL;

		if (fd == E.timer_fd) {
			timer_fired();
			continue;
		}
		if (w && w->persistent && found < max)
			fds[found++] = fd;
		if (w && w->reader && (e & (EPOLLIN | EPOLLHUP | EPOLLERR)))
			co_ready(w->reader, 0);
		if (w && w->writer && (e & (EPOLLOUT | EPOLLHUP | EPOLLERR)))
			co_ready(w->writer, 0);
	}
	return found;
}

const struct co_backend co_epoll_backend = {
	.open = epoll_open,
	.close = epoll_close,
	.watch = epoll_watch,
	.poll = epoll_poll,
	.call = epoll_call,
	.release = epoll_release,
};
