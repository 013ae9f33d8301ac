/* net.c - the net workload's protocol and blocking client (see net.h). */
#define _GNU_SOURCE
#include "net.h"

#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cli.h"
#include "http.h"
#include "measure.h"

int net_parse_addr(const char *text, bool allow_zero, struct sockaddr_in *out)
{
	const char *colon = text ? strrchr(text, ':') : NULL;
	char host[INET_ADDRSTRLEN];
	long long port;
	size_t len;

	if (colon == NULL)
		return -1;
	len = (size_t)(colon - text);
	if (len == 0 || len >= sizeof host)
		return -1;
	memcpy(host, text, len);
	host[len] = '\0';
	if (strcmp(host, "localhost") == 0)
		strcpy(host, "127.0.0.1");
	if (cli_number(colon + 1, allow_zero ? 0 : 1, 65535, &port) != 0)
		return -1;
	memset(out, 0, sizeof *out);
	out->sin_family = AF_INET;
	out->sin_port = htons((uint16_t)port);
	return inet_pton(AF_INET, host, &out->sin_addr) == 1 ? 0 : -1;
}

char *net_addr_str(const struct sockaddr_in *a, char *buf)
{
	char host[INET_ADDRSTRLEN];

	inet_ntop(AF_INET, &a->sin_addr, host, sizeof host);
	snprintf(buf, NET_LINE_MAX, "%s:%u", host, ntohs(a->sin_port));
	return buf;
}

long net_raise_nofile(void)
{
	struct rlimit lim;

	if (getrlimit(RLIMIT_NOFILE, &lim) != 0)
		return -errno;
	if (lim.rlim_cur < lim.rlim_max) {
		lim.rlim_cur = lim.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &lim) != 0)
			return -errno;
	}
	return (long)lim.rlim_cur;
}

/*
 * The run's record of requests, in a shared mapping (net_client_init) so
 * that fork()ed children count into the parent's copy; `local` until then.
 */
struct client {
	long tasks;
	long timeout_ms;            /* 0: NET_TIMEOUT_MS of each request's d */
	atomic_long completed, failed;
	atomic_bool given_up;       /* a request timed out */
	atomic_flag claimed;        /* the first failure took `first` */
	struct {
		char call[48];
		long task;
		int err;
		struct sockaddr_in to;
	} first;
};

static struct client local = { .claimed = ATOMIC_FLAG_INIT };
static struct client *C = &local;

int net_client_init(long tasks, long timeout_ms)
{
	struct client *c = mmap(NULL, sizeof *c, PROT_READ | PROT_WRITE,
				MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	local.tasks = tasks;
	local.timeout_ms = timeout_ms;
	if (c == MAP_FAILED)
		return -errno;
	memcpy(c, &local, sizeof *c);
	C = c;
	return 0;
}

int64_t net_deadline(long ms)
{
	long t = C->timeout_ms ? C->timeout_ms : NET_TIMEOUT_MS(ms);

	return (int64_t)now_ns() + (int64_t)t * 1000000;
}

bool net_given_up(void)
{
	return atomic_load(&C->given_up);
}

void net_completed(void)
{
	atomic_fetch_add(&C->completed, 1);
}

void net_report(const char *call, long task, const struct sockaddr_in *to, int err)
{
	atomic_fetch_add(&C->failed, 1);
	if (err == ETIMEDOUT)
		atomic_store(&C->given_up, true);
	if (atomic_flag_test_and_set(&C->claimed))
		return;
	snprintf(C->first.call, sizeof C->first.call, "%s", call);
	C->first.task = task;
	C->first.err = err;
	C->first.to = *to;
}

int net_client_finish(const char *model)
{
	long failed = atomic_load(&C->failed), n = C->tasks;
	char addr[NET_LINE_MAX];

	if (failed == 0)
		return 0;
	if (C->first.err == ETIMEDOUT) {
		fprintf(stderr, "%s: request %ld: no answer within %g s (%ld of %ld completed)\n",
			model, C->first.task, (double)C->timeout_ms / 1000,
			atomic_load(&C->completed), n);
		return 1;
	}
	fprintf(stderr, "%s: net: task %ld: %s %s: %s (%ld of %ld requests failed)\n", model,
		C->first.task, C->first.call, net_addr_str(&C->first.to, addr),
		strerror(C->first.err), failed, n);
	return net_exhausted(C->first.err) ? 3 : 1;
}

int net_socket(void)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	return fd < 0 ? -errno : fd;
}

/* Wait until fd is ready for events, or deadline: 0, -ETIMEDOUT or -errno. */
static int wait_ready(int fd, short events, int64_t deadline)
{
	for (;;) {
		int64_t left = deadline - (int64_t)now_ns();
		struct pollfd p = { .fd = fd, .events = events };
		int r;

		if (left <= 0)
			return -ETIMEDOUT;
		r = poll(&p, 1, (int)((left + 999999) / 1000000));
		if (r > 0)
			return 0;   /* ready, or an error the next call will return */
		if (r < 0 && errno != EINTR)
			return -errno;
	}
}

int net_connect_begin(int fd, const struct sockaddr_in *to)
{
	if (connect(fd, (const struct sockaddr *)to, sizeof *to) == 0)
		return 0;
	/* Interrupted, the handshake goes on regardless: wait for it alike. */
	return errno == EINPROGRESS || errno == EINTR ? -EINPROGRESS : -errno;
}

int net_connect_end(int fd)
{
	int soerr = 0;
	socklen_t sl = sizeof soerr;

	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) != 0)
		return -errno;
	return -soerr;
}

/* Connect non-blocking fd to `to` by deadline: 0 or -errno. */
static int connect_by(int fd, const struct sockaddr_in *to, int64_t deadline)
{
	int err = net_connect_begin(fd, to);

	if (err == -EINPROGRESS && (err = wait_ready(fd, POLLOUT, deadline)) == 0)
		err = net_connect_end(fd);
	return err;
}

static int write_all(int fd, const char *buf, size_t len, int64_t deadline)
{
	while (len > 0) {
		ssize_t w = send(fd, buf, len, MSG_NOSIGNAL);
		int err;
		if (w < 0) {
			if (errno != EINTR && errno != EAGAIN)
				return -errno;
			if ((err = wait_ready(fd, POLLOUT, deadline)) != 0)
				return err;
			continue;
		}
		buf += w;
		len -= (size_t)w;
	}
	return 0;
}

/* Read until end of file into buf; the length, or -errno (-EPROTO: too long). */
static ssize_t read_to_eof(int fd, char *buf, size_t cap, int64_t deadline)
{
	size_t got = 0;

	for (;;) {
		ssize_t r = read(fd, buf + got, cap - got);
		int err;
		if (r == 0)
			return (ssize_t)got;
		if (r < 0) {
			if (errno != EINTR && errno != EAGAIN)
				return -errno;
			if ((err = wait_ready(fd, POLLIN, deadline)) != 0)
				return err;
			continue;
		}
		got += (size_t)r;
		if (got == cap)
			return -EPROTO;
	}
}

/* Record task i's failure in call (err < 0) and pass err on. */
static int fail(const char *call, long i, const struct sockaddr_in *to, int err)
{
	net_report(call, i, to, -err);
	return err;
}

int net_exchange(int fd, const struct sockaddr_in *to, long i, long ms)
{
	char req[HTTP_HEAD_MAX], got[NET_ANSWER_MAX];
	size_t len = http_request_text(req, i, ms);
	int64_t deadline = net_deadline(ms);
	ssize_t n;
	int err;

	if (net_given_up())
		return fail("connect", i, to, -ETIMEDOUT);
	if ((err = connect_by(fd, to, deadline)) != 0)
		return fail("connect", i, to, err);
	if ((err = write_all(fd, req, len, deadline)) != 0)
		return fail("send", i, to, err);
	if ((n = read_to_eof(fd, got, sizeof got, deadline)) < 0)
		return fail("read", i, to, (int)n);
	if (!http_answer_ok(got, (size_t)n, i, ms))
		return fail("answer", i, to, -EPROTO);
	net_completed();
	return 0;
}

int net_request(const struct sockaddr_in *to, long i, long ms)
{
	int fd = net_socket(), err;

	if (fd < 0)
		return fail("socket", i, to, fd);
	err = net_exchange(fd, to, i, ms);
	close(fd);
	return err;
}

int net_probe(const char *model, const struct sockaddr_in *to)
{
	char addr[NET_LINE_MAX];
	int fd = net_socket(), err = fd < 0 ? fd : 0;

	if (fd >= 0) {
		err = connect_by(fd, to, net_deadline(0));
		close(fd);
	}
	if (err != 0)
		fprintf(stderr, "%s: net: %s %s: %s\n", model, fd < 0 ? "socket" : "connect",
			net_addr_str(to, addr), strerror(-err));
	return err;
}

bool net_exhausted(int err)
{
	return err == EMFILE || err == ENFILE || err == ENOBUFS || err == ENOMEM ||
	       err == EADDRNOTAVAIL;
}
