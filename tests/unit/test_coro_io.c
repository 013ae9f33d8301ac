/*
 * Unit tests for the descriptor calls (coro/io.c): read and write over a
 * socketpair bigger than the socket buffers (so both sides park), a task
 * blocked in co_read is reached by cancel, co_wait_fd times out,
 * accept/connect over loopback TCP, a cancelled read takes no data, and a
 * listening socket taken by several accepts, a cancel and a co_close while
 * connections wait leaves no descriptor open (io_uring holds accepted ones
 * for the next co_accept).
 * Every test runs on each backend (backends.h).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <cmocka.h>
#include <dirent.h>

#include "coro.h"
#include "backends.h"
#include "co_test.h"

#define BIG (4 << 20)   /* far past a socket buffer: the writer must park */

static void run_both(co_fn body)
{
	const enum co_stack_mode modes[] = { CO_STACK_GUARDED, CO_STACK_COPY };
	for (size_t m = 0; m < 2; m++) {
		struct co_config cfg = { .stack = modes[m], .backend = backend };
		intptr_t v = 0;
		assert_int_equal(co_run(body, NULL, &v, &cfg), 0);
		assert_int_equal(v, 1);
	}
}

static int writer(void *arg, intptr_t *value)
{
	int fd = (int)(intptr_t)arg;
	unsigned char *buf = malloc(BIG);
	for (size_t i = 0; i < BIG; i++)
		buf[i] = (unsigned char)(i * 7);
	*value = co_write(fd, buf, BIG);
	free(buf);
	close(fd);
	return 0;
}

static int socketpair_body(void *arg, intptr_t *value)
{
	int sv[2];
	co_tid w;
	intptr_t wrote = 0;
	size_t got = 0, bad = 0;
	unsigned char *buf = malloc(65536);
	(void)arg;
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	assert_int_equal(co_nonblock(sv[0]), 0);
	assert_int_equal(co_nonblock(sv[1]), 0);
	assert_int_equal(co_spawn(&w, writer, (void *)(intptr_t)sv[1]), 0);
	for (;;) {
		ssize_t n = co_read(sv[0], buf, 65536);
		assert_true(n >= 0);
		if (n == 0)
			break;
		for (ssize_t i = 0; i < n; i++, got++)
			bad += buf[i] != (unsigned char)(got * 7);
	}
	assert_int_equal(co_join(w, &wrote), 0);
	assert_int_equal(wrote, BIG);
	assert_int_equal(got, BIG);
	assert_int_equal(bad, 0);
	close(sv[0]);
	free(buf);
	*value = 1;
	return 0;
}

static void test_read_write_over_a_socketpair(void **state)
{
	(void)state;
	run_both(socketpair_body);
}

static int blocked_reader(void *arg, intptr_t *value)
{
	char c;
	*value = co_read((int)(intptr_t)arg, &c, 1);
	return (int)*value;
}

static int cancel_fd_body(void *arg, intptr_t *value)
{
	int sv[2];
	co_tid r;
	intptr_t v = 0;
	(void)arg;
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv), 0);
	assert_int_equal(co_spawn(&r, blocked_reader, (void *)(intptr_t)sv[0]), 0);
	assert_int_equal(co_sleep(co_now() + 2 * CO_MS), 0);
	assert_int_equal(co_cancel(r), 0);
	assert_int_equal(co_join(r, &v), -ECANCELED);
	assert_int_equal(v, -ECANCELED);
	/* The descriptor can be waited on again afterwards. */
	assert_int_equal(co_wait_fd(sv[0], CO_READABLE, co_now() + 2 * CO_MS), -ETIMEDOUT);
	assert_int_equal(write(sv[1], "x", 1), 1);
	assert_int_equal(co_wait_fd(sv[0], CO_READABLE, co_now() + 5 * CO_S), 0);
	close(sv[0]);
	close(sv[1]);
	*value = 1;
	return 0;
}

static void test_cancel_reaches_a_task_blocked_on_a_descriptor(void **state)
{
	(void)state;
	run_both(cancel_fd_body);
}

/* Yield once, then read a byte: a cancel can come between the two. */
static int yielding_reader(void *arg, intptr_t *value)
{
	char c;
	assert_int_equal(co_yield(), 0);
	*value = co_read((int)(intptr_t)arg, &c, 1);
	return (int)*value;
}

/*
 * A cancelled read takes nothing: whether the cancel came before the read
 * was made (the reader was runnable, between its yield and its read) or
 * while it waited, the byte written afterwards is still there for the next
 * reader.
 */
static int cancelled_read_takes_nothing(void *arg, intptr_t *value)
{
	int sv[2];
	co_tid r;
	char c = 0;
	(void)arg;
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv), 0);
	for (int late = 0; late < 2; late++) {
		assert_int_equal(co_spawn(&r, yielding_reader, (void *)(intptr_t)sv[0]), 0);
		assert_int_equal(co_yield(), 0);     /* the reader runs to its yield */
		if (late)
			assert_int_equal(co_sleep(co_now() + 2 * CO_MS), 0);
		assert_int_equal(co_cancel(r), 0);
		assert_int_equal(co_join(r, NULL), -ECANCELED);
		assert_int_equal(write(sv[1], &"xy"[late], 1), 1);
		assert_int_equal(co_wait_fd(sv[0], CO_READABLE, co_now() + CO_S), 0);
		assert_int_equal(co_read(sv[0], &c, 1), 1);
		assert_int_equal(c, "xy"[late]);
	}
	close(sv[0]);
	close(sv[1]);
	*value = 1;
	return 0;
}

static void test_a_cancelled_read_takes_nothing(void **state)
{
	(void)state;
	run_both(cancelled_read_takes_nothing);
}

/* A read given up at its deadline is -ETIMEDOUT and takes nothing either. */
static int read_by_body(void *arg, intptr_t *value)
{
	int sv[2];
	char c = 0;
	(void)arg;
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv), 0);
	int64_t t0 = co_now();
	assert_int_equal(co_read_by(sv[0], &c, 1, t0 + 5 * CO_MS), -ETIMEDOUT);
	assert_true(co_now() >= t0 + 5 * CO_MS);
	assert_int_equal(write(sv[1], "z", 1), 1);
	assert_int_equal(co_read_by(sv[0], &c, 1, co_now() + CO_S), 1);
	assert_int_equal(c, 'z');
	close(sv[0]);
	close(sv[1]);
	*value = 1;
	return 0;
}

static void test_read_by_gives_up_at_its_deadline(void **state)
{
	(void)state;
	run_both(read_by_body);
}

static int echo_once(void *arg, intptr_t *value)
{
	int lfd = (int)(intptr_t)arg, c;
	char buf[16];
	ssize_t n;
	c = co_accept(lfd, NULL, NULL);
	if (c < 0)
		return c;
	n = co_read(c, buf, sizeof buf);
	if (n > 0)
		n = co_write(c, buf, (size_t)n);
	close(c);
	*value = n;
	return n < 0 ? (int)n : 0;
}

static int tcp_body(void *arg, intptr_t *value)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof a;
	int lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	int cfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	char buf[16] = { 0 };
	co_tid srv;
	(void)arg;
	assert_true(lfd >= 0 && cfd >= 0);
	assert_int_equal(bind(lfd, (struct sockaddr *)&a, sizeof a), 0);
	assert_int_equal(getsockname(lfd, (struct sockaddr *)&a, &len), 0);
	assert_int_equal(listen(lfd, 16), 0);
	assert_int_equal(co_spawn(&srv, echo_once, (void *)(intptr_t)lfd), 0);
	assert_int_equal(co_connect(cfd, (struct sockaddr *)&a, sizeof a), 0);
	assert_int_equal(co_write(cfd, "hello", 5), 5);
	assert_int_equal(co_read(cfd, buf, sizeof buf), 5);
	assert_string_equal(buf, "hello");
	assert_int_equal(co_join(srv, NULL), 0);
	close(cfd);
	close(lfd);
	*value = 1;
	return 0;
}

static void test_accept_connect_over_loopback(void **state)
{
	(void)state;
	run_both(tcp_body);
}

#define CLIENTS 5
#define ACCEPTED 3

/* Accept ACCEPTED connections, read a byte from each, close it. */
static int accept_some(void *arg, intptr_t *value)
{
	int lfd = (int)(intptr_t)arg;
	char b;

	for (int i = 0; i < ACCEPTED; i++) {
		int c = co_accept(lfd, NULL, NULL);
		if (c < 0)
			return c;
		if (co_read(c, &b, 1) != 1)
			return -EPROTO;
		co_close(c);
		++*value;
	}
	return 0;
}

static int accept_one(void *arg, intptr_t *value)
{
	int c = co_accept((int)(intptr_t)arg, NULL, NULL);

	*value = c;
	return c < 0 ? c : 0;
}

static int listener_body(void *arg, intptr_t *value)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof a;
	int lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0), cfd[CLIENTS];
	intptr_t got = 0;
	co_tid srv, late;
	(void)arg;
	assert_true(lfd >= 0);
	assert_int_equal(bind(lfd, (struct sockaddr *)&a, sizeof a), 0);
	assert_int_equal(getsockname(lfd, (struct sockaddr *)&a, &len), 0);
	assert_int_equal(listen(lfd, 16), 0);
	/* A task waiting in co_accept with nothing to accept is cancelled. */
	assert_int_equal(co_spawn(&late, accept_one, (void *)(intptr_t)lfd), 0);
	co_sleep(co_now() + CO_MS);
	assert_int_equal(co_cancel(late), 0);
	assert_int_equal(co_join(late, NULL), -ECANCELED);
	assert_int_equal(co_spawn(&srv, accept_some, (void *)(intptr_t)lfd), 0);
	for (int i = 0; i < CLIENTS; i++) {
		cfd[i] = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
		assert_true(cfd[i] >= 0);
		assert_int_equal(co_connect(cfd[i], (struct sockaddr *)&a, sizeof a), 0);
		assert_int_equal(co_write(cfd[i], "x", 1), 1);
	}
	assert_int_equal(co_join(srv, &got), 0);
	assert_int_equal(got, ACCEPTED);
	/* The two left wait in the backlog, or accepted and held: one more
	 * co_accept takes one, co_close of the listener drops the other. */
	assert_int_equal(co_spawn(&late, accept_one, (void *)(intptr_t)lfd), 0);
	assert_int_equal(co_join(late, &got), 0);
	assert_true(got >= 0);
	co_close((int)got);
	assert_int_equal(co_close(lfd), 0);
	for (int i = 0; i < CLIENTS; i++)
		close(cfd[i]);
	*value = 1;
	return 0;
}

static int open_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	int n = 0;

	assert_non_null(d);
	while (readdir(d))
		n++;
	closedir(d);
	return n;
}

static void test_a_listener_closed_while_connections_wait_leaves_none_open(void **state)
{
	(void)state;
	int before = open_fds();
	run_both(listener_body);
	assert_int_equal(open_fds(), before);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		CO_TEST(test_read_write_over_a_socketpair),
		CO_TEST(test_cancel_reaches_a_task_blocked_on_a_descriptor),
		CO_TEST(test_accept_connect_over_loopback),
		CO_TEST(test_a_cancelled_read_takes_nothing),
		CO_TEST(test_read_by_gives_up_at_its_deadline),
		CO_TEST(test_a_listener_closed_while_connections_wait_leaves_none_open),
	};
	return run_on_each_backend("test_coro_io", tests);
}
