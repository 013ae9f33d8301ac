/*
 * net_co.c - the net workload's client on the coroutine loop (see net.h):
 * net_exchange again, with each blocking call replaced by the loop's call
 * (co_connect_by, co_write_by, co_read_by), which parks the task until the
 * call is done or the request's deadline passes, so thousands of requests
 * wait at once in one thread, on either of the loop's backends.
 */
#include "net.h"

#include <errno.h>

#include "coro.h"
#include "http.h"

/* Record a failure (a cancellation is no failure) and pass err on. */
static int fail(const char *call, long i, const struct sockaddr_in *to, int err)
{
	if (err != -ECANCELED)
		net_report(call, i, to, -err);
	return err;
}

int net_co_exchange(int fd, const struct sockaddr_in *to, long i, long ms)
{
	char req[HTTP_HEAD_MAX], got[NET_ANSWER_MAX];
	size_t len = http_request_text(req, i, ms), n = 0;
	int64_t deadline = net_deadline(ms);
	ssize_t r;
	int err;

	if (net_given_up())
		return fail("connect", i, to, -ETIMEDOUT);
	if ((err = co_connect_by(fd, (const struct sockaddr *)to, sizeof *to, deadline)) != 0)
		return fail("connect", i, to, err);
	if ((r = co_write_by(fd, req, len, deadline)) < 0)
		return fail("send", i, to, (int)r);
	/* Read to end of file; an answer filling the buffer is too long. */
	while (n < sizeof got) {
		if ((r = co_read_by(fd, got + n, sizeof got - n, deadline)) == 0)
			break;
		if (r < 0)
			return fail("read", i, to, (int)r);
		n += (size_t)r;
	}
	if (n == sizeof got || !http_answer_ok(got, n, i, ms))
		return fail("answer", i, to, -EPROTO);
	net_completed();
	return 0;
}
