/*
 * Unit tests for lib/net.c and lib/netserver.c: --connect values, the
 * protocol's text, and whole requests over loopback, to a hand-made server
 * on a thread and to the private server a model starts.
 */
#include <stdlib.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <pthread.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"
#include "coro.h"
#include "http.h"
#include "backends.h"
#include "co_test.h"
#include "net.h"
#include "netserver.h"

/*
 * qemu-user 7.2 (Debian 12) hangs in any new thread or forked child on the
 * test host; the aarch64 flavour of scripts/test.sh sets CM_QEMU_USER, and
 * the round trips (a server thread or a forked server) are skipped there.
 */
static void skip_under_qemu(void)
{
	if (getenv("CM_QEMU_USER"))
		skip();
}

static void test_parse_addr(void **state)
{
	static const char *const bad[] = {
		"", ":", "127.0.0.1", "127.0.0.1:", ":80", "127.0.0.1:0", "127.0.0.1:65536",
		"127.0.0.1:-1", "127.0.0.1:8o", "127.0.0.1: 80", "256.0.0.1:80", "1.2.3:80",
		"example.org:80", "[::1]:80", "127.0.0.1:80:80", "127.0.0.1:99999999999999999999",
	};
	struct sockaddr_in a;
	char text[NET_LINE_MAX];
	(void)state;
	assert_int_equal(net_parse_addr("127.0.0.1:8080", false, &a), 0);
	assert_int_equal(a.sin_family, AF_INET);
	assert_int_equal(ntohs(a.sin_port), 8080);
	assert_string_equal(net_addr_str(&a, text), "127.0.0.1:8080");
	assert_int_equal(net_parse_addr("localhost:1", false, &a), 0);
	assert_string_equal(net_addr_str(&a, text), "127.0.0.1:1");
	assert_int_equal(net_parse_addr("10.1.2.3:65535", false, &a), 0);
	assert_int_equal(ntohs(a.sin_port), 65535);
	assert_int_equal(net_parse_addr("127.0.0.1:0", true, &a), 0);
	assert_int_equal(net_parse_addr(NULL, false, &a), -1);
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		if (net_parse_addr(bad[i], false, &a) != -1)
			fail_msg("accepted '%s'", bad[i]);
	}
}

static void test_connect_option(void **state)
{
	char *ok[] = { "test", "net", "--connect", "127.0.0.1:7000" };
	char *eq[] = { "test", "--connect=localhost:9", "net" };
	char *bad[] = { "test", "net", "--connect", "127.0.0.1" };
	char *missing[] = { "test", "net", "--connect" };
	char *not_net[] = { "test", "io", "--connect", "127.0.0.1:7000" };
	char *plain[] = { "test", "net" };
	struct cli c;
	(void)state;
	assert_int_equal(cli_parse(4, ok, "test", NULL, &c), CLI_RUN);
	assert_int_equal(c.wl.kind, WL_NET);
	assert_string_equal(c.connect, "127.0.0.1:7000");
	assert_int_equal(ntohs(c.wl.server.sin_port), 7000);
	assert_int_equal(c.wl.tasks, 100);
	assert_int_equal(cli_parse(3, eq, "test", NULL, &c), CLI_RUN);
	assert_int_equal(ntohs(c.wl.server.sin_port), 9);
	assert_int_equal(cli_parse(4, bad, "test", NULL, &c), CLI_BAD);
	assert_int_equal(cli_parse(3, missing, "test", NULL, &c), CLI_BAD);
	assert_int_equal(cli_parse(4, not_net, "test", NULL, &c), CLI_BAD);
	assert_int_equal(cli_parse(2, plain, "test", NULL, &c), CLI_RUN);
	assert_null(c.connect);
}

static void test_protocol_text(void **state)
{
	char buf[HTTP_HEAD_MAX];
	struct http_req r;
	const char *cpu = "GET /cpu?n=10 HTTP/1.1\r\nHost: x\r\n\r\n";
	(void)state;
	size_t len = http_request_text(buf, 42, 100);
	assert_string_equal(buf, "GET /sleep?ms=100&task=42 HTTP/1.1\r\nHost: localhost\r\n"
				 "Connection: close\r\n\r\n");
	assert_int_equal(http_parse(buf, len, &r), (long)len);
	assert_int_equal(r.kind, HTTP_SLEEP);
	assert_int_equal(r.task, 42);
	assert_int_equal(r.ms, 100);
	assert_false(r.keep_alive);
	assert_int_equal(http_parse(buf, len - 1, &r), 0);   /* more to come */
	assert_int_equal(http_parse(cpu, strlen(cpu), &r), (long)strlen(cpu));
	assert_int_equal(r.kind, HTTP_CPU);
	assert_true(r.keep_alive);
	assert_int_equal(r.n, 10);
	assert_int_equal(r.ms, -1);
	http_answer(buf, &r, 0, 285);
	assert_string_equal(buf, "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
				 "Content-Length: 4\r\n\r\n285\n");
	static const char *bad[] = {
		"POST /sleep HTTP/1.1\r\n\r\n", "GET /sleep?ms=-1 HTTP/1.1\r\n\r\n",
		"GET /sleep?ms=+1 HTTP/1.1\r\n\r\n", "GET /sleep?x=1 HTTP/1.1\r\n\r\n",
		"GET /cpu?ms=1 HTTP/1.1\r\n\r\n", "GET /sleep HTTP/2.0\r\n\r\n",
		"GET /sleep HTTP/1.1\r\nno colon\r\n\r\n", "GET sleep HTTP/1.1\r\n\r\n",
		"GET /sleep HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello",
		"GET /sleep?ms=1&task=00000000000000000000000001 HTTP/1.1\r\n\r\n",
	};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
		if (http_parse(bad[i], strlen(bad[i]), &r) != -1)
			fail_msg("accepted: %s", bad[i]);
	memset(buf, 'a', sizeof buf);
	assert_int_equal(http_parse(buf, NET_LINE_MAX, &r), -1);   /* a line too long */
	assert_int_equal(http_parse("GET /nope HTTP/1.0\r\n\r\n", 22, &r), 22);
	assert_int_equal(r.kind, HTTP_NOT_FOUND);
	const char *ok = "HTTP/1.1 200 OK\r\nContent-Length: 12\r\n\r\ndone 42 100\n";
	assert_true(http_answer_ok(ok, strlen(ok), 42, 100));
	assert_false(http_answer_ok(ok, strlen(ok) - 1, 42, 100));
	assert_false(http_answer_ok(ok, strlen(ok), 43, 100));
	assert_false(http_answer_ok(ok, strlen(ok), 42, 10));
	const char *liar = "HTTP/1.1 200 OK\r\nContent-Length: 11\r\n\r\ndone 42 100\n";
	assert_false(http_answer_ok(liar, strlen(liar), 42, 100));
	const char *notok = "HTTP/1.1 404 Not Found\r\n\r\ndone 42 100\n";
	assert_false(http_answer_ok(notok, strlen(notok), 42, 100));
	assert_true(net_exhausted(EMFILE) && net_exhausted(ENFILE));
	assert_false(net_exhausted(ECONNREFUSED) || net_exhausted(EPROTO));
}

/* A one-connection server on a thread: answers the request with `answer`. */
struct fake {
	int lfd;
	const char *answer;   /* NULL: the right answer for ms 7; else this body in a 200 */
	long seen;            /* the task index it read */
};

static void *fake_server(void *arg)
{
	struct fake *f = arg;
	char buf[HTTP_HEAD_MAX];
	struct http_req r;
	int fd = accept(f->lfd, NULL, NULL);
	ssize_t n = read(fd, buf, sizeof buf);

	f->seen = n > 0 && http_parse(buf, (size_t)n, &r) == n ? r.task : -1;
	if (f->answer == NULL)
		n = (ssize_t)http_answer(buf, &r, 7, 0);
	else
		n = snprintf(buf, sizeof buf, "HTTP/1.1 200 OK\r\n\r\n%s", f->answer);
	if (write(fd, buf, (size_t)n) != n)
		f->seen = -2;
	close(fd);
	return NULL;
}

/* One request to a fake server answering `answer`; net_request's result. */
static int ask_fake(const char *answer, long task, long *seen)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	struct fake f = { .answer = answer };
	pthread_t t;
	int err;

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	f.lfd = netserver_listen(&a);
	assert_true(f.lfd >= 0);
	assert_int_not_equal(ntohs(a.sin_port), 0);
	assert_int_equal(pthread_create(&t, NULL, fake_server, &f), 0);
	err = net_request(&a, task, 7);
	pthread_join(t, NULL);
	close(f.lfd);
	*seen = f.seen;
	return err;
}

static void test_loopback_round_trip(void **state)
{
	long seen;
	(void)state;
	skip_under_qemu();
	assert_int_equal(ask_fake(NULL, 12345, &seen), 0);
	assert_int_equal(seen, 12345);
	assert_int_equal(ask_fake("done 3 7\n", 4, &seen), -EPROTO);
	assert_int_equal(ask_fake("done 4 8\n", 4, &seen), -EPROTO);
	assert_int_equal(ask_fake("done 4 7", 4, &seen), -EPROTO);
	assert_int_equal(ask_fake("done 4 7\nmore", 4, &seen), -EPROTO);
	assert_int_equal(ask_fake("done 4 7\n", 4, &seen), 0);
}

static void test_private_server(void **state)
{
	char *argv[] = { "test", "net", "--ms", "20" };
	struct netserver s;
	struct cli c;
	int st;
	(void)state;
	skip_under_qemu();
	assert_int_equal(cli_parse(4, argv, "test", NULL, &c), CLI_RUN);
	assert_int_equal(netserver_open(&c, &s), 0);
	assert_true(s.pid > 0);
	for (long i = 0; i < 3; i++)
		assert_int_equal(net_request(&c.wl.server, i, 20), 0);
	/* The request names its delay: another --ms is waited for as asked. */
	assert_int_equal(net_request(&c.wl.server, 5, 21), 0);
	pid_t pid = s.pid;
	netserver_close(&s);
	assert_int_equal(s.pid, 0);
	assert_int_equal(waitpid(pid, &st, WNOHANG), -1);   /* already reaped */
	/* Nothing listens there any more. */
	assert_int_equal(net_request(&c.wl.server, 0, 20), -ECONNREFUSED);
	assert_int_equal(net_probe("test", &c.wl.server), -ECONNREFUSED);
}

/* The server on this pass's backend, told to stop after 3 requests, does. */
static void test_server_serves_a_count_then_returns(void **state)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	int lfd, st;
	pid_t pid;
	(void)state;
	skip_under_qemu();
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	lfd = netserver_listen(&a);
	assert_true(lfd >= 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		alarm(10);          /* a server that does not stop fails, not hangs */
		_exit(netserver_serve(lfd, 20, NETSERVER_IDLE_MS, backend, 3) == 0 ? 0 : 1);
	}
	close(lfd);
	for (long i = 0; i < 3; i++)
		assert_int_equal(net_request(&a, i, 20), 0);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
	assert_int_equal(net_request(&a, 3, 20), -ECONNREFUSED);
}

struct co_ask {
	const struct sockaddr_in *to;
	long i, ms;
};

static int co_ask_one(void *arg, intptr_t *value)
{
	const struct co_ask *a = arg;
	int fd = net_socket(), err;

	*value = a->i;
	if (fd < 0)
		return fd;
	err = net_co_exchange(fd, a->to, a->i, a->ms);
	close(fd);
	return err;
}

#define CO_ASKS 200

/* On the loop: CO_ASKS requests at once, then one more of another delay. */
static int co_ask_all(void *arg, intptr_t *value)
{
	static struct co_ask asks[CO_ASKS + 1];
	co_tid ids[CO_ASKS];
	intptr_t values[CO_ASKS];
	int errs[CO_ASKS], err;

	for (long i = 0; i <= CO_ASKS; i++)
		asks[i] = (struct co_ask){ arg, i, i < CO_ASKS ? 300 : 301 };
	for (long i = 0; i < CO_ASKS; i++)
		assert_int_equal(co_spawn(&ids[i], co_ask_one, &asks[i]), 0);
	int64_t t0 = co_now();
	assert_int_equal(co_gather(ids, CO_ASKS, values, errs), 0);
	/* All at once: far less than CO_ASKS * 300 ms (60 s), even under TSan. */
	assert_true(co_now() - t0 < 20 * CO_S);
	for (long i = 0; i < CO_ASKS; i++) {
		assert_int_equal(errs[i], 0);
		assert_int_equal(values[i], i);
	}
	err = co_ask_one(&asks[CO_ASKS], value);
	return err;
}

static void test_coroutine_client(void **state)
{
	char *argv[] = { "test", "net", "--ms", "300" };
	struct netserver s;
	struct cli c;
	(void)state;
	skip_under_qemu();
	assert_int_equal(cli_parse(4, argv, "test", NULL, &c), CLI_RUN);
	assert_int_equal(netserver_open(&c, &s), 0);
	assert_int_equal(co_run(co_ask_all, &c.wl.server, NULL, &(struct co_config){ .backend = backend }), 0);
	netserver_close(&s);
}

static void test_open_with_connect(void **state)
{
	char *up[] = { "test", "net", "--connect", "" };
	char addr[NET_LINE_MAX];
	struct sockaddr_in a = { .sin_family = AF_INET };
	struct netserver s;
	struct cli c;
	int lfd;
	(void)state;
	skip_under_qemu();
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	lfd = netserver_listen(&a);
	assert_true(lfd >= 0);
	up[3] = net_addr_str(&a, addr);
	assert_int_equal(cli_parse(4, up, "test", NULL, &c), CLI_RUN);
	assert_int_equal(netserver_open(&c, &s), 0);
	assert_int_equal(s.pid, 0);          /* no private server */
	close(lfd);
	assert_int_equal(netserver_open(&c, &s), 1);   /* nobody there now: the run fails */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		CO_TEST(test_parse_addr),
		CO_TEST(test_connect_option),
		CO_TEST(test_protocol_text),
		CO_TEST(test_loopback_round_trip),
		CO_TEST(test_private_server),
		CO_TEST(test_server_serves_a_count_then_returns),
		CO_TEST(test_coroutine_client),
		CO_TEST(test_open_with_connect),
	};
	/* Failures are reported on stderr by design; keep test output readable. */
	if (freopen("/dev/null", "w", stderr) == NULL)
		return 1;
	return run_on_each_backend("test_net", tests);
}
