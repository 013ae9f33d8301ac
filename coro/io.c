/*
 * io.c - descriptor calls for tasks. Each is written down as a struct
 * co_call and handed to the loop's backend, which makes it its own way
 * (loop_epoll.c: try, park on EAGAIN until ready, retry; loop_uring.c:
 * submit, park until it completes). co_call_now is the call itself, for a
 * backend that makes it from user space; it counts what it makes.
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

/* One write; a socket peer that has gone gives -EPIPE, not SIGPIPE. */
static ssize_t write_some(int fd, const void *buf, size_t n)
{
	ssize_t r = send(fd, buf, n, MSG_NOSIGNAL);

	if (r < 0 && errno == ENOTSOCK) {
		CO_COUNT(WRITE);
		r = write(fd, buf, n);
	}
	return r;
}

ssize_t co_call_now(const struct co_call *c)
{
	ssize_t r = -1;

	switch (c->kind) {
	case CO_CALL_READ:
		CO_COUNT(READ);
		r = read(c->fd, c->buf, c->len);
		break;
	case CO_CALL_WRITE:
		CO_COUNT(WRITE);
		r = write_some(c->fd, c->buf, c->len);
		break;
	case CO_CALL_ACCEPT:
		CO_COUNT(ACCEPT);
		r = accept4(c->fd, c->addr, c->addr_len, SOCK_NONBLOCK | SOCK_CLOEXEC);
		break;
	case CO_CALL_CONNECT:
		CO_COUNT(CONNECT);
		r = connect(c->fd, c->addr, c->conn_len);
		break;
	case CO_CALL_CLOSE:
		CO_COUNT(CLOSE);
		r = close(c->fd);
		break;
	case CO_CALL_POLL:
		errno = EINVAL;
		break;
	}
	return r < 0 ? -errno : r;
}

int co_connect_result(int fd)
{
	int soerr = 0;
	socklen_t sl = sizeof soerr;

	CO_COUNT(OTHER);
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) != 0)
		return -errno;
	return -soerr;
}

static ssize_t call(const char *name, const struct co_call *c)
{
	if (!co_usable(name))
		return -EPERM;
	return co_loop.backend->call(c);
}

int co_wait_fd(int fd, int events, int64_t deadline)
{
	struct co_call c = { .kind = CO_CALL_POLL, .fd = fd, .events = events,
			     .deadline = deadline };

	if (events != CO_READABLE && events != CO_WRITABLE)
		return -EINVAL;
	return (int)call("co_wait_fd", &c);
}

ssize_t co_read_by(int fd, void *buf, size_t n, int64_t deadline)
{
	struct co_call c = { .kind = CO_CALL_READ, .fd = fd, .buf = buf, .len = n,
			     .deadline = deadline };

	return call("co_read", &c);
}

ssize_t co_read(int fd, void *buf, size_t n)
{
	return co_read_by(fd, buf, n, CO_FOREVER);
}

ssize_t co_write(int fd, const void *buf, size_t n)
{
	return co_write_by(fd, buf, n, CO_FOREVER);
}

ssize_t co_write_by(int fd, const void *buf, size_t n, int64_t deadline)
{
	size_t done = 0;

	while (done < n) {
		struct co_call c = { .kind = CO_CALL_WRITE, .fd = fd,
				     .buf = (char *)buf + done, .len = n - done,
				     .deadline = deadline };
		ssize_t r = call("co_write", &c);
		if (r < 0)
			return r;
		done += (size_t)r;
	}
	return (ssize_t)n;
}

int co_accept(int fd, struct sockaddr *addr, socklen_t *len)
{
	struct co_call c = { .kind = CO_CALL_ACCEPT, .fd = fd, .addr = addr, .addr_len = len,
			     .deadline = CO_FOREVER };

	return (int)call("co_accept", &c);
}

int co_connect(int fd, const struct sockaddr *addr, socklen_t len)
{
	return co_connect_by(fd, addr, len, CO_FOREVER);
}

int co_connect_by(int fd, const struct sockaddr *addr, socklen_t len, int64_t deadline)
{
	struct co_call c = { .kind = CO_CALL_CONNECT, .fd = fd,
			     .addr = (struct sockaddr *)addr, .conn_len = len,
			     .deadline = deadline };

	return (int)call("co_connect", &c);
}

int co_close(int fd)
{
	struct co_call c = { .kind = CO_CALL_CLOSE, .fd = fd, .deadline = CO_FOREVER };

	return (int)call("co_close", &c);
}
