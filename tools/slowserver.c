/*
 * slowserver - the net workload's server on its own (HTTP, lib/http.h).
 *
 *   build/slowserver [--port P] [--ms D] [--host A] [--idle-ms L]
 *                    [--backend epoll|uring]
 *
 * Listens on A:P (default 127.0.0.1, port 7000; port 0 picks a free one),
 * prints "slowserver: listening on A:P ms D" once it accepts connections,
 * and answers `GET /sleep?ms=X` after X ms (`/sleep` alone: after D,
 * default 100) and `GET /cpu?n=N` at once, every connection on a coroutine
 * of one loop (on epoll, or on io_uring with --backend uring; where io_uring
 * cannot run, one line says why, exit 3), kept open between requests. A
 * connection silent for L ms (default 10000) is closed; a bad request gets
 * a 400 and is closed. Runs until killed; build/servers/coro is the same
 * loop with its counters.
 * Point a model at it with `build/<model> net --connect A:P --ms D`.
 *
 * Exit status: 2 bad usage, 3 cannot listen or a fatal loop error.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "net.h"
#include "netserver.h"

static int bad(const char *option, const char *value, const char *accepted)
{
	char shown[CLI_SHOWN_MAX];

	if (value == NULL)
		fprintf(stderr, "slowserver: --%s: missing value (accepted: %s)\n", option,
			accepted);
	else
		fprintf(stderr, "slowserver: --%s: invalid value '%s' (accepted: %s)\n", option,
			cli_shown(value, shown), accepted);
	return 2;
}

static void usage(void)
{
	printf("usage: slowserver [--port P] [--ms D] [--host A] [--idle-ms L] [--backend B]\n\n"
	       "  --port P     TCP port, 0..65535 (default 7000; 0: any free port)\n"
	       "  --ms D       delay of a /sleep that names none, 0..%ld (default 100)\n"
	       "  --host A     IPv4 address to listen on (default 127.0.0.1)\n"
	       "  --idle-ms L  close a connection silent for L ms, 1..%ld (default %ld);\n"
	       "               a request line is at most %d bytes\n"
	       "  --backend B  the loop's backend: epoll or uring (default epoll)\n",
	       CLI_MAX_MS, CLI_MAX_TIMEOUT_MS, NETSERVER_IDLE_MS, NET_LINE_MAX);
}

/* Parse argv into *addr, *ms, *idle, *backend; 0 to run, 1 after --help, 2 after a complaint. */
static int parse(int argc, char **argv, struct sockaddr_in *addr, long long *ms,
		 long long *idle, enum co_backend_kind *backend)
{
	long long port = 7000;

	memset(addr, 0, sizeof *addr);
	addr->sin_family = AF_INET;
	addr->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	for (int i = 1; i < argc; i += 2) {
		const char *opt = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;

		if (strcmp(opt, "--help") == 0 || strcmp(opt, "-h") == 0) {
			usage();
			return 1;
		}
		if (strcmp(opt, "--port") == 0) {
			if (cli_number(val, 0, 65535, &port) != 0)
				return bad("port", val, "0..65535");
		} else if (strcmp(opt, "--ms") == 0) {
			if (cli_number(val, 0, CLI_MAX_MS, ms) != 0)
				return bad("ms", val, "0..600000");
		} else if (strcmp(opt, "--idle-ms") == 0) {
			if (cli_number(val, 1, CLI_MAX_TIMEOUT_MS, idle) != 0)
				return bad("idle-ms", val, "1..86400000");
		} else if (strcmp(opt, "--backend") == 0) {
			if (val && strcmp(val, "epoll") == 0)
				*backend = CO_BACKEND_EPOLL;
			else if (val && strcmp(val, "uring") == 0)
				*backend = CO_BACKEND_URING;
			else
				return bad("backend", val, "epoll|uring");
		} else if (strcmp(opt, "--host") == 0) {
			if (val == NULL || inet_pton(AF_INET, val, &addr->sin_addr) != 1)
				return bad("host", val, "an IPv4 address");
		} else {
			char shown[CLI_SHOWN_MAX];
			fprintf(stderr, "slowserver: %s: unknown option (try --help)\n",
				cli_shown(opt, shown));
			return 2;
		}
	}
	addr->sin_port = htons((uint16_t)port);
	return 0;
}

int main(int argc, char **argv)
{
	struct sockaddr_in addr;
	char text[NET_LINE_MAX];
	long long ms = 100, idle = NETSERVER_IDLE_MS;
	long lim;
	enum co_backend_kind backend = CO_BACKEND_EPOLL;
	int lfd, st = parse(argc, argv, &addr, &ms, &idle, &backend);

	if (st != 0)
		return st == 1 ? 0 : st;
	if (co_backend_usable(backend, "slowserver") != 0)
		return 3;
	lim = net_raise_nofile();
	if (lim < 0)
		fprintf(stderr, "slowserver: raising RLIMIT_NOFILE: %s (going on)\n",
			strerror((int)-lim));
	lfd = netserver_listen(&addr);
	if (lfd < 0)
		return 3;
	printf("slowserver: listening on %s ms %lld\n", net_addr_str(&addr, text), ms);
	if (fflush(stdout) != 0) {
		fprintf(stderr, "slowserver: writing to stdout: %s\n", strerror(errno));
		return 1;
	}
	return netserver_serve(lfd, (long)ms, (long)idle, backend, 0) == 0 ? 0 : 3;
}
