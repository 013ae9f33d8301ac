/*
 * net_co.c - the net workload's client on the coroutine loop (see net.h):
 * net_exchange again, with each wait in poll() replaced by the loop's
 * co_wait_fd, which parks the task until the descriptor is ready or the
 * request's deadline passes, so thousands of requests wait at once in one
 * thread.
 */
#include "net.h"

#include <errno.h>
#include <sys/socket.h>
#include <unistd.h>

#include "coro.h"
#include "http.h"

/* Record a failure (a cancellation is no failure) and pass err on. */
static int fail(const char *call, long i, const struct sockaddr_in *to, int err)
{
	if (err != -ECANCELED)
		net_report(call, i, to, -err);
	return err;
}

/* After a call failed with errno: 0 to retry it once fd is ready, else -errno. */
static int park(int fd, int events, int64_t deadline)
{
	if (errno == EINTR)
		return 0;
	if (errno != EAGAIN && errno != EWOULDBLOCK)
		return -errno;
	return co_wait_fd(fd, events, deadline);
}

static int connect_by(int fd, const struct sockaddr_in *to, int64_t deadline)
{
	int err = net_connect_begin(fd, to);

	if (err == -EINPROGRESS && (err = co_wait_fd(fd, CO_WRITABLE, deadline)) == 0)
		err = net_connect_end(fd);
	return err;
}

int net_co_exchange(int fd, const struct sockaddr_in *to, long i, long ms)
{
	char req[HTTP_HEAD_MAX], got[NET_ANSWER_MAX];
	size_t len = http_request_text(req, i, ms), n = 0, sent = 0;
	int64_t deadline = net_deadline(ms);
	ssize_t r;
	int err;

	if (net_given_up())
		return fail("connect", i, to, -ETIMEDOUT);
	if ((err = connect_by(fd, to, deadline)) != 0)
		return fail("connect", i, to, err);
	while (sent < len) {
		if ((r = send(fd, req + sent, len - sent, MSG_NOSIGNAL)) >= 0)
			sent += (size_t)r;
		else if ((err = park(fd, CO_WRITABLE, deadline)) != 0)
			return fail("send", i, to, err);
	}
	/* Read to end of file; an answer filling the buffer is too long. */
	while (n < sizeof got) {
		if ((r = read(fd, got + n, sizeof got - n)) == 0)
			break;
		if (r > 0)
			n += (size_t)r;
		else if ((err = park(fd, CO_READABLE, deadline)) != 0)
			return fail("read", i, to, err);
	}
	if (n == sizeof got || !http_answer_ok(got, n, i, ms))
		return fail("answer", i, to, -EPROTO);
	net_completed();
	return 0;
}
