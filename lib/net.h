/*
 * net.h - the net workload: its wire protocol and its client, blocking
 * (net.c) and on the coroutine loop (net_co.c).
 *
 * Each task makes one HTTP request (lib/http.h) on its own TCP connection to
 * a slow server (lib/netserver.h), `GET /sleep?ms=<d>&task=<i>` with
 * `Connection: close`; the server answers after d ms with the body
 * "done <i> <d>\n" and closes. The client reads to end of file (at most
 * NET_ANSWER_MAX bytes) and accepts only a 200 with exactly that body, so a
 * server that answers another task or another delay is a wrong result.
 *
 * Deadlines: no request waits forever. Each one gets timeout_ms from its
 * start (net_client_init; default NET_TIMEOUT_MS(d), generous beside the d
 * a request should take), counted on CLOCK_MONOTONIC across connect, send
 * and read, so a server that never accepts (a full backlog), accepts and
 * never answers, or answers and never closes costs one deadline, then
 * -ETIMEDOUT. After a first expiry the run has failed: requests that start
 * later give up at once instead of each waiting out a deadline of its own.
 *
 * Errors: every call returns 0 (or a descriptor) on success and -errno on
 * failure; a wrong answer is -EPROTO, no answer in time -ETIMEDOUT. Failures
 * are not printed where they happen: the first one is kept, naming the call,
 * the task and the address, and every one is counted, in a record shared
 * with children forked after net_client_init. net_client_finish prints that
 * one line once for the whole run (10,000 failing tasks, threads or
 * processes, print one line) and picks the exit status: net_exhausted()
 * says which errors mean "out of a resource" (exit 3, like a failing fork)
 * rather than "the request went wrong" (exit 1).
 */
#ifndef CM_NET_H
#define CM_NET_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define NET_LINE_MAX 48        /* a request line, CRLF included */
#define NET_ANSWER_MAX 1024     /* an answer, head and body */

/* The default deadline of one request to a server that waits ms. */
#define NET_TIMEOUT_MS(ms) (10L * (ms) + 5000)

/*
 * Parse "HOST:PORT": HOST an IPv4 address in dotted form or "localhost",
 * PORT 1..65535 (0 too when allow_zero: "any free port", for a server).
 * 0 on success, -1 if text is not of that form.
 */
int net_parse_addr(const char *text, bool allow_zero, struct sockaddr_in *out);

/* "a.b.c.d:port" into buf (NET_LINE_MAX bytes). Returns buf. */
char *net_addr_str(const struct sockaddr_in *a, char *buf);

/*
 * Raise the soft RLIMIT_NOFILE to the hard limit, so that thousands of
 * connections fit. Returns the soft limit now in force, or -errno.
 */
long net_raise_nofile(void);

/*
 * The run's client side: `tasks` requests, each given up after timeout_ms.
 * Call once before starting threads or children (netserver_open does). 0, or
 * -errno (the record stays process-local: children's failures are lost).
 * Without it (unit tests) a request's deadline is NET_TIMEOUT_MS(its d).
 */
int net_client_init(long tasks, long timeout_ms);

/*
 * When every request has ended: 0 if none failed; else print the first
 * failure once, with the count, and return the exit status (3 if it was
 * running out of a resource, else 1). A deadline reads
 *   <model>: request <i>: no answer within <X> s (<k> of <N> completed)
 * any other failure
 *   <model>: net: task <i>: <call> <address>: <error> (<f> of <N> requests failed)
 */
int net_client_finish(const char *model);

/* The absolute deadline (CLOCK_MONOTONIC ns) of a request starting now. */
int64_t net_deadline(long ms);

/* Has a request of this run already timed out (so new ones give up)? */
bool net_given_up(void);

/* Count a request answered right. */
void net_completed(void);

/* A non-blocking TCP socket, close-on-exec. Descriptor, or -errno. */
int net_socket(void);

/*
 * Start connecting non-blocking fd to `to`: 0 connected, -EINPROGRESS
 * (wait until fd is writable, then net_connect_end), or -errno.
 */
int net_connect_begin(int fd, const struct sockaddr_in *to);

/* How a pending connect on fd ended, once it is writable: 0 or -errno. */
int net_connect_end(int fd);

/*
 * On socket fd (from net_socket): connect to `to`, send task i's request,
 * read the answer to end of file and check it is task i's answer with delay
 * ms, waiting in poll() for at most the request's deadline. fd stays open
 * (the caller closes it). 0, or -errno (-EPROTO: wrong answer, -ETIMEDOUT:
 * none in time).
 */
int net_exchange(int fd, const struct sockaddr_in *to, long i, long ms);

/*
 * net_exchange for a task on the coroutine loop (net_co.c): connect, write
 * and read park the task instead of the thread, until the deadline.
 * -ECANCELED if the task is cancelled meanwhile (not a failure).
 */
int net_co_exchange(int fd, const struct sockaddr_in *to, long i, long ms);

/* One whole task: net_socket, net_exchange, close. 0 or -errno. */
int net_request(const struct sockaddr_in *to, long i, long ms);

/* Connect to `to` and hang up: is a server there? 0 or -errno (printed). */
int net_probe(const char *model, const struct sockaddr_in *to);

/* Record a failed call (errno value err) of task i: kept if it is the first. */
void net_report(const char *call, long task, const struct sockaddr_in *to, int err);

/* Is err running out of descriptors, buffers, memory or local ports? */
bool net_exhausted(int err);

#endif
