/*
 * net_backends - readiness against completion: the system calls one net
 * request costs, and the wall time of N at once, on the loop's epoll and
 * io_uring backends, for the client (the coro model's fan-out) and for the
 * slow server.
 *
 *   build/bench/net_backends [--scale smoke|quick|full]
 *
 * CSV on stdout: role,backend,tasks,ms,wall_s,syscalls_per_request,
 *   epoll_wait,epoll_ctl,io_uring_enter,read,write,accept,connect,close,other
 *   role     client: N requests fan out from one loop on `backend` to a slow
 *            server on epoll; server: the slow server's loop on `backend`
 *            answers N requests from a client on epoll (one side changes
 *            at a time, so each row is that side's cost)
 *   wall_s   from the client's first spawn to its last request collected
 *            (median of the repetitions)
 *   syscalls_per_request, and each kind: the measured side's loop's own
 *            count (co_stats, checked against strace -c by the tests)
 *            divided by N, averaged over the repetitions
 * Client and server are fresh forked processes for every case. Requests
 * wait d = 100 ms at the server. Cases: smoke, N = 100 and 1,000, once;
 * quick, 1,000 and 10,000, and full, 1,000, 3,000 and 10,000, three times
 * each after a warm-up (one run of 10,000 in this VM drifted 1.1x-1.2x
 * from the next: a wall-time target needs the median). Where io_uring cannot run, its rows are left
 * out with one line on stderr saying why.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench.h"
#include "coro.h"
#include "net.h"
#include "netserver.h"

#define DELAY_MS 100

enum role { CLIENT, SERVER };
static const char *const role_names[] = { "client", "server" };

/* What a child sends back through its pipe. */
struct outcome {
	double wall_s;
	uint64_t syscalls[CO_SYS_KINDS];
};

static struct sockaddr_in server_addr;   /* the case's server */

static int one_request(void *arg, intptr_t *value)
{
	long i = (long)(intptr_t)arg;
	int fd = net_socket(), err;

	(void)value;
	if (fd < 0)
		return fd;
	err = net_co_exchange(fd, &server_addr, i, DELAY_MS);
	co_close(fd);
	return err;
}

/* The client's main task: N requests at once, gathered. */
static int fan_out(void *arg, intptr_t *value)
{
	long tasks = (long)(intptr_t)arg;
	co_tid *id = calloc((size_t)tasks, sizeof *id);
	int err = id ? 0 : -ENOMEM;
	long started = 0;

	(void)value;
	while (err == 0 && started < tasks) {
		err = co_spawn(&id[started], one_request, (void *)(intptr_t)started);
		started += err == 0;
	}
	int gathered = id ? co_gather(id, (size_t)started, NULL, NULL) : 0;
	free(id);
	return err ? err : gathered;
}

/* In a child: run fn, send what it measured down fd, exit 0 if it worked. */
static void child(int fd, int (*fn)(long, enum co_backend_kind), long tasks,
		  enum co_backend_kind backend)
{
	struct outcome o = { 0 };
	struct co_stats st;
	uint64_t t0 = now_ns();
	int err = fn(tasks, backend);

	o.wall_s = (double)(now_ns() - t0) / 1e9;
	co_stats(&st);
	memcpy(o.syscalls, st.syscalls, sizeof o.syscalls);
	_exit(err == 0 && write(fd, &o, sizeof o) == (ssize_t)sizeof o ? 0 : 1);
}

static int lfd;   /* the case's listening socket, inherited by the server child */

static int run_client(long tasks, enum co_backend_kind backend)
{
	const struct co_config cfg = { .stack = CO_STACK_AUTO, .backend = backend };

	close(lfd);
	return co_run(fan_out, (void *)(intptr_t)tasks, NULL, &cfg);
}

static int run_server(long tasks, enum co_backend_kind backend)
{
	return netserver_serve(lfd, DELAY_MS, NETSERVER_IDLE_MS, backend, tasks);
}

static pid_t start(int *rfd, int (*fn)(long, enum co_backend_kind), long tasks,
		   enum co_backend_kind backend)
{
	int pfd[2];
	pid_t pid;

	if (pipe(pfd) != 0)
		return -1;
	fflush(stdout);
	if ((pid = fork()) == 0) {
		close(pfd[0]);
		child(pfd[1], fn, tasks, backend);
	}
	close(pfd[1]);
	*rfd = pfd[0];
	return pid;
}

/* Collect a child's outcome; 0, or -1 after a line on stderr. */
static int finish(pid_t pid, int rfd, struct outcome *o, const char *what)
{
	ssize_t n = read(rfd, o, sizeof *o);
	int status = 0;

	close(rfd);
	if (pid > 0)
		waitpid(pid, &status, 0);
	if (pid < 0 || n != (ssize_t)sizeof *o || !WIFEXITED(status) || WEXITSTATUS(status)) {
		fprintf(stderr, "net_backends: the %s failed (status %#x)\n", what, status);
		return -1;
	}
	return 0;
}

/* One case: both processes, the measured side on backend. */
static int run_case(enum role role, enum co_backend_kind backend, long tasks,
		    struct outcome *measured)
{
	enum co_backend_kind sb = role == SERVER ? backend : CO_BACKEND_EPOLL;
	enum co_backend_kind cb = role == CLIENT ? backend : CO_BACKEND_EPOLL;
	struct outcome so, co;
	int srfd, crfd;

	memset(&server_addr, 0, sizeof server_addr);
	server_addr.sin_family = AF_INET;
	server_addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((lfd = netserver_listen(&server_addr)) < 0)
		return -1;
	pid_t sp = start(&srfd, run_server, tasks, sb);
	close(lfd);
	lfd = -1;
	pid_t cp = start(&crfd, run_client, tasks, cb);
	int cerr = finish(cp, crfd, &co, "client");
	if (cerr && sp > 0)
		kill(sp, SIGKILL);
	int serr = finish(sp, srfd, &so, "server");
	if (cerr || serr)
		return -1;
	*measured = role == CLIENT ? co : so;
	measured->wall_s = co.wall_s;
	return 0;
}

static int compare_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* reps runs of a case: one CSV row. */
static int row(enum role role, enum co_backend_kind backend, long tasks, int reps)
{
	double walls[8], kinds[CO_SYS_KINDS] = { 0 }, total = 0;
	struct outcome o;

	for (int r = 0; r < reps; r++) {
		if (run_case(role, backend, tasks, &o) != 0)
			return -1;
		walls[r] = o.wall_s;
		for (int k = 0; k < CO_SYS_KINDS; k++)
			kinds[k] += (double)o.syscalls[k] / (double)tasks / reps;
	}
	qsort(walls, (size_t)reps, sizeof *walls, compare_double);
	for (int k = 0; k < CO_SYS_KINDS; k++)
		total += kinds[k];
	printf("%s,%s,%ld,%d,%.3f,%.3f", role_names[role], co_backend_names[backend], tasks,
	       DELAY_MS, walls[reps / 2], total);
	for (int k = 0; k < CO_SYS_KINDS; k++)
		printf(",%.3f", kinds[k]);
	printf("\n");
	fflush(stdout);
	return 0;
}

#define HEADER "role,backend,tasks,ms,wall_s,syscalls_per_request,epoll_wait,epoll_ctl," \
	"io_uring_enter,read,write,accept,connect,close,other"

int main(int argc, char **argv)
{
	static const long smoke[] = { 100, 1000, 0 }, quick[] = { 1000, 10000, 0 },
			  full[] = { 1000, 3000, 10000, 0 };
	enum bench_scale scale;
	struct outcome warm;

	switch (bench_parse(argc, argv, "net_backends",
			    "usage: net_backends [--scale smoke|quick|full]\n\n"
			    "N net requests of 100 ms on each loop backend, client and server;\n"
			    "CSV on stdout:\n" HEADER, NULL, &scale)) {
	case CLI_DONE: return 0;
	case CLI_BAD: return 2;
	case CLI_RUN: break;
	}
	const long *sizes = scale == SCALE_SMOKE ? smoke : scale == SCALE_QUICK ? quick : full;
	int reps = scale == SCALE_SMOKE ? 1 : 3;
	bool uring = co_backend_usable(CO_BACKEND_URING, "net_backends") == 0;
	long lim = net_raise_nofile();

	if (lim >= 0 && lim < 2 * sizes[0] + 64)
		fprintf(stderr, "net_backends: open files limit %ld: the larger cases may fail\n", lim);
	printf("%s\n", HEADER);
	if (scale != SCALE_SMOKE && run_case(CLIENT, CO_BACKEND_EPOLL, sizes[0], &warm) != 0)
		return 1;
	for (const long *n = sizes; *n; n++)
		for (int role = CLIENT; role <= SERVER; role++)
			for (int b = CO_BACKEND_EPOLL; b <= CO_BACKEND_URING; b++)
				if ((b == CO_BACKEND_EPOLL || uring) &&
				    row((enum role)role, (enum co_backend_kind)b, *n, reps) != 0)
					return 1;
	return 0;
}
