/* netserver.c - the slow server and a model's private copy (see netserver.h). */
#define _GNU_SOURCE
#include "netserver.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "child.h"
#include "coro.h"
#include "http.h"
#include "net.h"
#include "server.h"
#include "workload.h"

int netserver_listen(struct sockaddr_in *addr)
{
	char text[NET_LINE_MAX];
	socklen_t len = sizeof *addr;
	int one = 1, fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0) {
		fprintf(stderr, "%s: socket: %s\n", program_invocation_short_name, strerror(errno));
		return -errno;
	}
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	/* The kernel silently caps the backlog at net.core.somaxconn. */
	if (bind(fd, (struct sockaddr *)addr, sizeof *addr) != 0 || listen(fd, 65535) != 0 ||
	    getsockname(fd, (struct sockaddr *)addr, &len) != 0) {
		int err = errno;
		fprintf(stderr, "%s: listen on %s: %s\n", program_invocation_short_name,
			net_addr_str(addr, text), strerror(err));
		close(fd);
		return -err;
	}
	return fd;
}

/* One connection, owned by its task. */
struct conn {
	int fd;
	long ms, idle_ms;
};

/*
 * Read until buf holds a whole request head, within idle_ms: http_parse's
 * result (its length, or -1 for a 400), or 0 when the client hung up or
 * stayed silent past the limit.
 */
static long read_head(int fd, char *buf, size_t *got, struct http_req *r, long idle_ms)
{
	int64_t deadline = co_now() + idle_ms * CO_MS;
	long used;

	while ((used = http_parse(buf, *got, r)) == 0) {
		ssize_t n = co_read_by(fd, buf + *got, HTTP_HEAD_MAX - *got, deadline);
		if (n <= 0)
			return 0;
		*got += (size_t)n;
	}
	return used;
}

/*
 * A connection's task: each request in turn, a /sleep on the loop's timers,
 * a /cpu computed right here, on the loop's one thread (every other
 * connection waits meanwhile: the lesson of a CPU-bound task on a loop).
 */
static int serve_conn(void *arg, intptr_t *value)
{
	struct conn *c = arg;
	char buf[HTTP_HEAD_MAX], answer[HTTP_ANSWER_MAX];
	size_t got = 0;
	struct http_req r;
	long used;

	(void)value;
	server_held(1);
	while ((used = read_head(c->fd, buf, &got, &r, c->idle_ms)) != 0) {
		long ms = r.ms >= 0 ? r.ms : c->ms;
		u128 sum;
		if (used < 0) {
			co_write(c->fd, HTTP_BAD_REQUEST, sizeof HTTP_BAD_REQUEST - 1);
			server_refused();
			break;
		}
		sum = r.kind == HTTP_CPU ? wl_sum_squares_range(0, r.n) : 0;
		if (r.kind == HTTP_SLEEP && co_sleep(co_now() + ms * CO_MS) != 0)
			break;
		if (co_write(c->fd, answer, http_answer(answer, &r, ms, sum)) < 0)
			break;
		server_served();
		got -= (size_t)used;
		memmove(buf, buf + used, got);
		if (!r.keep_alive)
			break;
	}
	co_close(c->fd);
	server_held(-1);
	free(c);
	return 0;
}

struct listener {
	int lfd;
	long ms, idle_ms;
	long requests, served;      /* stop after that many (0: never) */
	co_tid *ids;                /* then: the tasks to wait for */
};

/* Start a task serving fd (detached unless l keeps it); on failure fd is closed. */
static void spawn_conn(struct listener *l, int fd)
{
	struct conn *c = malloc(sizeof *c);
	co_tid id;

	if (c != NULL) {
		*c = (struct conn){ fd, l->ms, l->idle_ms };
		if (co_spawn(&id, serve_conn, c) == 0) {
			if (l->ids)
				l->ids[l->served++] = id;
			else
				co_detach(id);
			return;
		}
	}
	free(c);
	co_close(fd);
	server_refused();
}

/*
 * The loop's first task: accept forever, a task per connection. Running out
 * of descriptors or memory is waited out (1 ms at a time): connections in
 * progress finish and close, and the backlog is accepted then.
 */
static int accept_loop(void *arg, intptr_t *value)
{
	struct listener *l = arg;

	(void)value;
	while (l->requests == 0 || l->served < l->requests) {
		int fd = co_accept(l->lfd, NULL, NULL);

		if (fd >= 0) {
			spawn_conn(l, fd);
		} else if (net_exhausted(-fd) || fd == -ECONNABORTED) {
			co_sleep(co_now() + CO_MS);
		} else {
			fprintf(stderr, "%s: accept: %s\n", program_invocation_short_name,
				strerror(-fd));
			return fd;
		}
	}
	return co_gather(l->ids, (size_t)l->served, NULL, NULL);
}

/*
 * Copy stacks: a connection's task has a few hundred bytes of live stack,
 * while a guarded stack of its own costs an mmap, an mprotect and a page
 * fault to set up and a TLB-flushing munmap to drop (about 77 us a task on
 * this VM, measured: 0.77 s to spawn 10,000), which made the server, not
 * the delay, the limit on 10,000 concurrent requests.
 */
int netserver_serve(int lfd, long ms, long idle_ms, enum co_backend_kind backend,
		    long requests)
{
	const struct co_config cfg = { .stack = CO_STACK_COPY, .backend = backend };
	struct listener l = { lfd, ms, idle_ms, requests, 0, NULL };
	int err = co_nonblock(lfd);

	if (err != 0) {
		fprintf(stderr, "%s: fcntl(O_NONBLOCK) on the listening socket: %s\n",
			program_invocation_short_name, strerror(-err));
		return err;
	}
	if (requests > 0 && (l.ids = calloc((size_t)requests, sizeof *l.ids)) == NULL)
		return -ENOMEM;
	err = co_run(accept_loop, &l, NULL, &cfg);
	free(l.ids);
	return err;
}

/* In the forked child (dies with the model): serve forever. */
static void child_main(int lfd, long ms)
{
	int null = open("/dev/null", O_RDWR | O_CLOEXEC);

	/* Hold no copy of the model's stdin or stdout: a reader of the model's
	 * output must see its end of file when the model exits. */
	if (null >= 0) {
		dup2(null, STDIN_FILENO);
		dup2(null, STDOUT_FILENO);
	}
	_exit(netserver_serve(lfd, ms, NETSERVER_IDLE_MS, CO_BACKEND_EPOLL, 0) == 0 ? 0 : 1);
}

static int start_private(struct cli *cli, struct netserver *s)
{
	struct sockaddr_in *addr = &cli->wl.server;
	int lfd;

	memset(addr, 0, sizeof *addr);
	addr->sin_family = AF_INET;
	addr->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	lfd = netserver_listen(addr);
	if (lfd < 0)
		return 3;
	fflush(NULL);
	s->pid = child_fork();
	if (s->pid < 0) {
		fprintf(stderr, "%s: fork for the net server: %s\n", cli->model, strerror(errno));
		s->pid = 0;
		close(lfd);
		return 3;
	}
	if (s->pid == 0)
		child_main(lfd, cli->wl.ms);
	close(lfd);
	return 0;
}

int netserver_open(struct cli *cli, struct netserver *s)
{
	long lim;

	s->pid = 0;
	if (cli->wl.kind != WL_NET)
		return 0;
	lim = net_raise_nofile();
	if (lim < 0)
		fprintf(stderr, "%s: raising RLIMIT_NOFILE: %s (going on)\n", cli->model,
			strerror((int)-lim));
	if (net_client_init(cli->wl.tasks, cli->timeout_ms) != 0)
		fprintf(stderr, "%s: mmap for the request record: %s (going on)\n", cli->model,
			strerror(errno));
	/* Nobody answering is a failed run, not a lack of resources. */
	if (cli->connect)
		return net_probe(cli->model, &cli->wl.server) == 0 ? 0 : 1;
	return start_private(cli, s);
}

void netserver_close(struct netserver *s)
{
	if (s->pid <= 0)
		return;
	kill(s->pid, SIGKILL);
	while (waitpid(s->pid, NULL, 0) < 0 && errno == EINTR)
		;
	s->pid = 0;
}
