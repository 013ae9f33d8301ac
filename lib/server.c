/* server.c - the frame every server model shares (see server.h). */
#define _GNU_SOURCE
#include "server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "child.h"
#include "cli.h"
#include "http.h"
#include "measure.h"
#include "net.h"
#include "netserver.h"

struct stats {
	atomic_long held, peak, served, refused;
};

static struct stats local_stats;
static struct stats *S = &local_stats;

void server_held(int delta)
{
	long now = atomic_fetch_add(&S->held, delta) + delta, peak = atomic_load(&S->peak);

	while (now > peak && !atomic_compare_exchange_weak(&S->peak, &peak, now))
		;
}

void server_served(void)
{
	atomic_fetch_add(&S->served, 1);
}

void server_refused(void)
{
	atomic_fetch_add(&S->refused, 1);
}

void server_refuse(int fd)
{
	static const char busy[] = "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n"
				   "Connection: close\r\n\r\n";

	(void)!send(fd, busy, sizeof busy - 1, MSG_NOSIGNAL | MSG_DONTWAIT);
	close(fd);
	server_refused();
}

/* ---- children: recorded by pid so that a stop kills and reaps each ---- */

#define PID_SLOTS (1 << 22)        /* PID_MAX_LIMIT on 64-bit Linux */
static pthread_mutex_t kids_lock = PTHREAD_MUTEX_INITIALIZER;
static unsigned char *kids;        /* kids[pid]: a live child */
static sigset_t stop_signals;

pid_t server_fork(void)
{
	pid_t pid;

	pthread_mutex_lock(&kids_lock);
	if (kids == NULL && (kids = calloc(PID_SLOTS, 1)) == NULL) {
		pthread_mutex_unlock(&kids_lock);
		errno = ENOMEM;
		return -1;
	}
	pid = child_fork();
	if (pid == 0) {
		pthread_sigmask(SIG_UNBLOCK, &stop_signals, NULL);
		return 0;
	}
	if (pid > 0 && pid < PID_SLOTS)
		kids[pid] = 1;
	pthread_mutex_unlock(&kids_lock);
	return pid;
}

static void reap_ended(void)
{
	pid_t pid;

	pthread_mutex_lock(&kids_lock);
	while ((pid = waitpid(-1, NULL, WNOHANG)) > 0)
		if (pid < PID_SLOTS && kids != NULL)
			kids[pid] = 0;
	pthread_mutex_unlock(&kids_lock);
}

/* Kill and reap every child; kids_lock stays held, so no new one starts. */
static void stop_children(void)
{
	pthread_mutex_lock(&kids_lock);
	for (pid_t p = 1; kids != NULL && p < PID_SLOTS; p++)
		if (kids[p])
			kill(p, SIGTERM);
	for (pid_t p = 1; kids != NULL && p < PID_SLOTS; p++)
		if (kids[p])
			while (waitpid(p, NULL, 0) < 0 && errno == EINTR)
				;
}

/* The signal thread: reap ended children; at SIGTERM or SIGINT report and exit. */
static void *signal_thread(void *arg)
{
	const char *model = arg;
	int sig = 0;

	for (;;) {
		if (sigwait(&stop_signals, &sig) != 0)
			continue;
		if (sig == SIGCHLD) {
			reap_ended();
			continue;
		}
		stop_children();
		printf("{\"server\":\"%s\",\"held_peak\":%ld,\"served\":%ld,\"refused\":%ld}\n",
		       model, atomic_load(&S->peak), atomic_load(&S->served),
		       atomic_load(&S->refused));
		fflush(stdout);
		_exit(0);
	}
}

/* ---- one connection, blocking ---- */

/* Wait until fd is readable or deadline (ns): 0, or -1. Lock released meanwhile. */
static int wait_readable(int fd, int64_t deadline, const struct server_hooks *h, void *ctx)
{
	int r;

	do {
		int64_t left = deadline - (int64_t)now_ns();
		struct pollfd p = { .fd = fd, .events = POLLIN };
		if (left <= 0)
			return -1;
		if (h && h->release)
			h->release(ctx);
		r = poll(&p, 1, (int)((left + 999999) / 1000000));
		if (h && h->acquire)
			h->acquire(ctx);
	} while (r == 0 || (r < 0 && errno == EINTR));
	return r > 0 ? 0 : -1;
}

/* Sleep ms, the lock released. */
static void sleep_ms(long ms, const struct server_hooks *h, void *ctx)
{
	struct timespec t = { ms / 1000, (ms % 1000) * 1000000 };

	if (h && h->release)
		h->release(ctx);
	while (nanosleep(&t, &t) != 0 && errno == EINTR)
		;
	if (h && h->acquire)
		h->acquire(ctx);
}

static bool write_all(int fd, const char *buf, size_t len, const struct server_hooks *h,
		      void *ctx)
{
	bool ok = true;

	if (h && h->release)
		h->release(ctx);
	while (len > 0 && ok) {
		ssize_t w = send(fd, buf, len, MSG_NOSIGNAL);
		if (w > 0) {
			buf += w;
			len -= (size_t)w;
		}
		ok = w > 0 || (w < 0 && errno == EINTR);
	}
	if (h && h->acquire)
		h->acquire(ctx);
	return ok;
}

/*
 * Read until buf holds a whole request head (http_parse's result: its
 * length, or -1 for a 400); 0 when the client hung up or stayed silent
 * past the idle limit.
 */
static long read_head(int fd, char *buf, size_t *got, struct http_req *r,
		      const struct server_opts *o, const struct server_hooks *h, void *ctx)
{
	int64_t deadline = (int64_t)now_ns() + o->idle_ms * 1000000LL;
	long used;

	while ((used = http_parse(buf, *got, r)) == 0) {
		ssize_t n;
		if (wait_readable(fd, deadline, h, ctx) != 0)
			return 0;
		n = read(fd, buf + *got, HTTP_HEAD_MAX - *got);
		if (n > 0)
			*got += (size_t)n;
		else if (n == 0 || errno != EINTR)
			return 0;
	}
	return used;
}

void server_conn(int fd, const struct server_opts *o, const struct server_hooks *h, void *ctx)
{
	char buf[HTTP_HEAD_MAX], answer[HTTP_ANSWER_MAX];
	size_t got = 0;
	struct http_req r;
	long used;

	server_held(1);
	while ((used = read_head(fd, buf, &got, &r, o, h, ctx)) != 0) {
		long ms = r.ms >= 0 ? r.ms : o->ms;
		u128 sum = 0;
		if (used < 0) {
			write_all(fd, HTTP_BAD_REQUEST, sizeof HTTP_BAD_REQUEST - 1, h, ctx);
			server_refused();
			break;
		}
		if (r.kind == HTTP_SLEEP)
			sleep_ms(ms, h, ctx);
		else if (r.kind == HTTP_CPU)
			sum = h && h->sum ? h->sum(ctx, r.n) : wl_sum_squares_range(0, r.n);
		if (!write_all(fd, answer, http_answer(answer, &r, ms, sum), h, ctx))
			break;
		server_served();
		got -= (size_t)used;
		memmove(buf, buf + used, got);
		if (!r.keep_alive)
			break;
	}
	close(fd);
	server_held(-1);
}

/* ---- the command line ---- */

static int bad(const char *model, const char *option, const char *value, const char *accepted)
{
	char shown[CLI_SHOWN_MAX];

	if (value == NULL)
		fprintf(stderr, "%s: --%s: missing value (accepted: %s)\n", model, option, accepted);
	else
		fprintf(stderr, "%s: --%s: invalid value '%s' (accepted: %s)\n", model, option,
			cli_shown(value, shown), accepted);
	return 2;
}

static void usage(const char *model, bool workers_ok)
{
	printf("usage: servers/%s [--port P] [--host A] [--ms D] [--idle-ms L]%s\n\n"
	       "  --port P     TCP port, 0..65535 (default 7000; 0: any free port)\n"
	       "  --host A     IPv4 address to listen on (default 127.0.0.1)\n"
	       "  --ms D       delay of a /sleep that names none, 0..%ld (default 100)\n"
	       "  --idle-ms L  close a connection silent for L ms, 1..%ld (default %ld)\n",
	       model, workers_ok ? " [--workers W]" : "", CLI_MAX_MS, CLI_MAX_TIMEOUT_MS,
	       NETSERVER_IDLE_MS);
	if (workers_ok)
		printf("  --workers W  a fixed pool of W, 1..%ld (default: one per connection)\n",
		       CLI_MAX_WORKERS);
}

/* argv into *addr and *o: 0 to run, 1 after --help, 2 after a complaint. */
static int parse(int argc, char **argv, bool workers_ok, struct sockaddr_in *addr,
		 struct server_opts *o)
{
	const char *m = o->model;
	long long port = 7000, v;

	addr->sin_family = AF_INET;
	addr->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	for (int i = 1; i < argc; i += 2) {
		const char *opt = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;
		char shown[CLI_SHOWN_MAX];
		if (strcmp(opt, "--help") == 0 || strcmp(opt, "-h") == 0) {
			usage(m, workers_ok);
			return 1;
		}
		if (strcmp(opt, "--port") == 0) {
			if (cli_number(val, 0, 65535, &port) != 0)
				return bad(m, "port", val, "0..65535");
		} else if (strcmp(opt, "--ms") == 0) {
			if (cli_number(val, 0, CLI_MAX_MS, &v) != 0)
				return bad(m, "ms", val, "0..600000");
			o->ms = (long)v;
		} else if (strcmp(opt, "--idle-ms") == 0) {
			if (cli_number(val, 1, CLI_MAX_TIMEOUT_MS, &v) != 0)
				return bad(m, "idle-ms", val, "1..86400000");
			o->idle_ms = (long)v;
		} else if (strcmp(opt, "--workers") == 0 && workers_ok) {
			if (cli_number(val, 1, CLI_MAX_WORKERS, &v) != 0)
				return bad(m, "workers", val, "1..1000000");
			o->workers = (long)v;
		} else if (strcmp(opt, "--host") == 0) {
			if (val == NULL || inet_pton(AF_INET, val, &addr->sin_addr) != 1)
				return bad(m, "host", val, "an IPv4 address");
		} else {
			fprintf(stderr, "%s: %s: unknown option (try --help)\n", m, cli_shown(opt, shown));
			return 2;
		}
	}
	addr->sin_port = htons((uint16_t)port);
	return 0;
}

/* The counters in a shared mapping, the signals blocked, the signal thread started. */
static int setup(const char *model)
{
	struct stats *s = mmap(NULL, sizeof *s, PROT_READ | PROT_WRITE,
			       MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	pthread_t t;
	int err;

	if (s == MAP_FAILED) {
		fprintf(stderr, "%s: mmap for the counters: %s\n", model, strerror(errno));
		return -1;
	}
	S = s;
	sigemptyset(&stop_signals);
	sigaddset(&stop_signals, SIGTERM);
	sigaddset(&stop_signals, SIGINT);
	sigaddset(&stop_signals, SIGCHLD);
	pthread_sigmask(SIG_BLOCK, &stop_signals, NULL);
	if ((err = pthread_create(&t, NULL, signal_thread, (void *)model)) != 0) {
		fprintf(stderr, "%s: pthread_create for the signal thread: %s\n", model,
			strerror(err));
		return -1;
	}
	return 0;
}

int server_main(int argc, char **argv, const char *model, bool workers_ok,
		int (*serve)(int lfd, const struct server_opts *o))
{
	struct server_opts o = { .model = model, .ms = 100, .idle_ms = NETSERVER_IDLE_MS };
	struct sockaddr_in addr = { 0 };
	char text[NET_LINE_MAX];
	long lim;
	int lfd, st = parse(argc, argv, workers_ok, &addr, &o);

	if (st != 0)
		return st == 1 ? 0 : st;
	program_invocation_short_name = (char *)model;
	if ((lim = net_raise_nofile()) < 0)
		fprintf(stderr, "%s: raising RLIMIT_NOFILE: %s (going on)\n", model,
			strerror((int)-lim));
	if ((lfd = netserver_listen(&addr)) < 0)
		return 3;
	if (setup(model) != 0)
		return 3;
	printf("%s: listening on %s\n", model, net_addr_str(&addr, text));
	if (fflush(stdout) != 0) {
		fprintf(stderr, "%s: writing to stdout: %s\n", model, strerror(errno));
		return 1;
	}
	return serve(lfd, &o) == 0 ? 0 : 3;
}
