/*
 * server.h - what every server model shares (servers/<model>.c), so that
 * each model's file shows only how it fans connections out.
 *
 *   build/servers/<model> [--port P] [--host A] [--ms D] [--idle-ms L] [--workers W]
 *
 * server_main parses those options, raises the open-files limit, listens on
 * A:P (default 127.0.0.1:7000; 0 any free port), prints
 * "<model>: listening on A:P" and calls the model's serve(). Requests are
 * the HTTP subset of http.h; D is the delay of a /sleep naming none.
 *
 * Counters, in a shared mapping so that fork()ed children count into the
 * same ones: connections held now and at the peak, requests served, and
 * connections refused (a 400, or no thread or process to serve them).
 *
 * SIGTERM and SIGINT are blocked in every thread and taken by one thread of
 * server_main's (sigwait): it kills and reaps every child made with
 * server_fork, prints the counters as one JSON line on stdout
 *   {"server":"<model>","held_peak":P,"served":S,"refused":R}
 * and exits 0; the kernel closes every descriptor. The same thread reaps
 * children as they end (SIGCHLD), so none stays a zombie.
 */
#ifndef CM_SERVER_H
#define CM_SERVER_H

#include <netinet/in.h>
#include <stdbool.h>
#include <sys/types.h>

#include "workload.h"

struct server_opts {
	const char *model;
	long ms;          /* delay of a /sleep without ms= */
	long idle_ms;     /* a connection silent this long is closed */
	long workers;     /* 0: one thread or process per connection */
};

/*
 * Hooks around a blocking connection's waits, for a model whose threads
 * hold a lock while they run (gil): release before each wait, acquire
 * after; sum computes a /cpu answer. NULL members: nothing, and the plain sum.
 */
struct server_hooks {
	void (*release)(void *ctx);
	void (*acquire)(void *ctx);
	u128 (*sum)(void *ctx, uint64_t n);
};

/*
 * Run the server model: serve(lfd, opts) with the listening socket lfd
 * (blocking). workers_ok: does the model take --workers? Returns the exit
 * status: 2 bad usage, 3 cannot listen or serve() failed.
 */
int server_main(int argc, char **argv, const char *model, bool workers_ok,
		int (*serve)(int lfd, const struct server_opts *o));

/* Serve connection fd until it closes, blocking; fd is closed. hooks may be NULL. */
void server_conn(int fd, const struct server_opts *o, const struct server_hooks *h, void *ctx);

/* Count a connection accepted (+1) or closed (-1): held now and its peak. */
void server_held(int delta);
void server_served(void);
void server_refused(void);

/* Refuse connection fd (no thread or process for it): a 503 if it fits, close, count. */
void server_refuse(int fd);

/*
 * fork() a child that serves and _exit()s, with the signals server_main
 * blocked given back their default; the parent records it so that SIGTERM
 * kills and reaps it. As fork() returns.
 */
pid_t server_fork(void);

#endif
