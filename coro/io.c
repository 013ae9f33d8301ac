/*
 * io.c - descriptor calls for tasks, each the idea itself: try the call; on
 * EAGAIN park the task until the loop sees the descriptor ready; retry.
 * Descriptors must be non-blocking, or the whole loop blocks in the call.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "coro_impl.h"

int co_nonblock(int fd)
{
	int flags = fcntl(fd, F_GETFL);

	if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0)
		return -errno;
	return 0;
}

int co_wait_fd(int fd, int events, int64_t deadline)
{
	int err;

	if (!co_usable("co_wait_fd"))
		return -EPERM;
	if ((err = co_fd_watch(co_loop.current, fd, events)) != 0)
		return err;
	return co_park(CO_PARK_FD, deadline);
}

/*
 * After a call on fd failed with errno: 0 to try it again (it was
 * interrupted, or fd is ready now), else the error to return (-errno, or
 * what parking the task gave, such as -ECANCELED).
 */
static int retry_when_ready(int fd, int events)
{
	if (errno == EINTR)
		return 0;
	if (errno != EAGAIN && errno != EWOULDBLOCK)
		return -errno;
	return co_wait_fd(fd, events, CO_FOREVER);
}

ssize_t co_read(int fd, void *buf, size_t n)
{
	for (;;) {
		ssize_t r = read(fd, buf, n);
		if (r >= 0)
			return r;
		int err = retry_when_ready(fd, CO_READABLE);
		if (err)
			return err;
	}
}

/* One write; a socket peer that has gone gives -EPIPE, not SIGPIPE. */
static ssize_t write_some(int fd, const void *buf, size_t n)
{
	ssize_t r = send(fd, buf, n, MSG_NOSIGNAL);

	if (r < 0 && errno == ENOTSOCK)
		r = write(fd, buf, n);
	return r;
}

ssize_t co_write(int fd, const void *buf, size_t n)
{
	size_t done = 0;

	while (done < n) {
		ssize_t r = write_some(fd, (const char *)buf + done, n - done);
		if (r >= 0) {
			done += (size_t)r;
			continue;
		}
		int err = retry_when_ready(fd, CO_WRITABLE);
		if (err)
			return err;
	}
	return (ssize_t)n;
}

int co_accept(int fd, struct sockaddr *addr, socklen_t *len)
{
	for (;;) {
		int c = accept4(fd, addr, len, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (c >= 0)
			return c;
		int err = retry_when_ready(fd, CO_READABLE);
		if (err)
			return err;
	}
}

int co_connect(int fd, const struct sockaddr *addr, socklen_t len)
{
	int soerr = 0, err;
	socklen_t sl = sizeof soerr;

	if (connect(fd, addr, len) == 0)
		return 0;
	if (errno != EINPROGRESS && errno != EINTR)
		return -errno;
	if ((err = co_wait_fd(fd, CO_WRITABLE, CO_FOREVER)) != 0)
		return err;
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) != 0)
		return -errno;
	return -soerr;
}
