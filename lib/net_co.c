/*
 * net_co.c - the net workload's client on the coroutine loop (see net.h):
 * net_exchange again, with each blocking call replaced by the loop's call
 * that parks the task on EAGAIN, so thousands of requests wait at once in
 * one thread.
 */
#include "net.h"

#include <errno.h>

#include "coro.h"

/* Report a failure (a cancellation is no failure) and pass err on. */
static int fail(const char *call, long i, const struct sockaddr_in *to, int err)
{
	if (err != -ECANCELED)
		net_report(call, i, to, -err);
	return err;
}

int net_co_exchange(int fd, const struct sockaddr_in *to, long i, long ms)
{
	char req[NET_LINE_MAX], got[NET_LINE_MAX];
	size_t len = net_request_text(req, i), n = 0;
	ssize_t r;
	int err;

	if ((err = co_nonblock(fd)) != 0 ||
	    (err = co_connect(fd, (const struct sockaddr *)to, sizeof *to)) != 0)
		return fail("connect", i, to, err);
	if ((r = co_write(fd, req, len)) < 0)
		return fail("send", i, to, (int)r);
	/* Read to end of file; an answer filling the buffer is too long. */
	while ((r = co_read(fd, got + n, sizeof got - n)) > 0)
		if ((n += (size_t)r) == sizeof got)
			break;
	if (r < 0)
		return fail("read", i, to, (int)r);
	if (r > 0 || !net_answer_ok(got, n, i, ms))
		return fail("answer (does the server's --ms match?)", i, to, -EPROTO);
	return 0;
}
