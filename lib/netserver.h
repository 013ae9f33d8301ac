/*
 * netserver.h - the slow server of the net workload (protocol in http.h),
 * and the private copy a model starts when no --connect is given.
 *
 * The server runs on the coroutine loop: one coroutine accepts, and each
 * connection gets a coroutine of its own that reads a request (lib/http.h),
 * sleeps d ms on the loop (or computes a /cpu sum on it), writes the answer
 * and reads the next one, until the client closes or asks to. Ten thousand
 * connections are ten thousand small coroutines in one thread. A client
 * gets idle_ms from the accept (or its last answer) to send a whole request
 * head; one silent past that is hung up on, and a malformed or oversized
 * request gets a 400 and is hung up on, so idle or hostile connections
 * cannot hold descriptors for ever. Counts go to server.h's counters.
 *
 * A model's private server is a fork()ed child, not a thread of the model:
 *   - the model's own figures (user_s, sys_s, context switches, descriptors)
 *     stay its own: the child is reaped only after the report is printed;
 *   - the child has its own descriptor table, so a model that runs out of
 *     descriptors cannot starve the server it waits on (nor the reverse);
 *   - the coroutine loop lives in the child, apart from any loop of the model.
 * The parent creates the listening socket before forking, so the port is
 * known (and any error reported) in the parent with no pipe back. The child
 * cannot outlive the model (child_fork); Ctrl-C reaches both through the
 * terminal's process group; netserver_close kills and reaps it. Call
 * netserver_open before starting threads or a loop of the model's.
 */
#ifndef CM_NETSERVER_H
#define CM_NETSERVER_H

#include <netinet/in.h>
#include <sys/types.h>

#include "cli.h"
#include "coro.h"

/* How long a connection may stay silent before its request (slowserver --idle-ms). */
#define NETSERVER_IDLE_MS 10000L

struct netserver {
	pid_t pid;      /* the private server, or 0 */
};

/*
 * A listening TCP socket on *addr (port 0: any free port; the port chosen
 * is written back), close-on-exec, with the largest backlog the kernel
 * allows (net.core.somaxconn caps it). Descriptor, or -errno (printed).
 */
int netserver_listen(struct sockaddr_in *addr);

/*
 * Serve requests on listening socket lfd, a /sleep naming no delay answered
 * after ms milliseconds, a connection silent for idle_ms closed,
 * on a loop with that backend, until a fatal error (returned as -errno,
 * printed), or, when requests > 0, until that many connections have been
 * served (then 0; co_stats holds the loop's counts). Accept failing for
 * lack of descriptors is not fatal: the server waits for connections in
 * progress to close and accepts again.
 */
int netserver_serve(int lfd, long ms, long idle_ms, enum co_backend_kind backend,
		    long requests);

/*
 * Prepare a model's run of the net workload (nothing for cpu and io): raise
 * the open-files limit, set up the client's record and deadline
 * (net_client_init), then either check that the --connect server answers
 * or start a private server on 127.0.0.1 with delay cli->wl.ms and put its
 * address in cli->wl.server. Returns 0, or the exit status after printing
 * why: 1 nobody answers at --connect, 3 out of a resource.
 */
int netserver_open(struct cli *cli, struct netserver *s);

/* Stop and reap the private server, if any. Call after run_finish. */
void netserver_close(struct netserver *s);

#endif
