/*
 * net.h - the net workload: its wire protocol and its client, blocking
 * (net.c) and on the coroutine loop (net_co.c).
 *
 * Each task makes one request on its own TCP connection to a slow server
 * (lib/netserver.h) that answers after d ms:
 *
 *   client -> server   "task <i>\n"          i: the task index, decimal
 *   server             waits d ms, its own delay (slowserver --ms)
 *   server -> client   "done <i> <d>\n"      then closes the connection
 *
 * The client reads to end of file and accepts only exactly the answer it
 * expects, d included: a model's --ms must equal the server's --ms, so the
 * "ms" a model reports is always the delay its tasks really met. A line
 * longer than NET_LINE_MAX bytes is a protocol error.
 *
 * Errors: every call returns 0 (or a descriptor) on success and -errno on
 * failure; a wrong answer is -EPROTO. The first failing call in a process is
 * printed once on stderr, naming the call, the task and the address, so a
 * run of 10,000 failing tasks prints one line. net_exhausted() says which
 * errors mean "out of a resource" (exit 3, like a failing fork) rather than
 * "the request went wrong" (exit 1).
 */
#ifndef CM_NET_H
#define CM_NET_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>

#define NET_LINE_MAX 48

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

/* The request for task i into buf (NET_LINE_MAX bytes); returns its length. */
size_t net_request_text(char *buf, long i);

/* The answer to task i from a server that waits ms; returns its length. */
size_t net_answer_text(char *buf, long i, long ms);

/* Task index from a request line of len bytes (newline included); -1 if bad. */
long net_parse_request(const char *buf, size_t len);

/* Is got[0..len) exactly the answer to task i with delay ms? */
bool net_answer_ok(const char *got, size_t len, long i, long ms);

/* A blocking TCP socket, close-on-exec. Descriptor, or -errno. */
int net_socket(void);

/*
 * On the blocking socket fd: connect to `to`, send task i's request, read
 * the answer to end of file and check it is task i's answer with delay ms.
 * fd stays open (the caller closes it). 0, or -errno (-EPROTO: wrong answer).
 */
int net_exchange(int fd, const struct sockaddr_in *to, long i, long ms);

/*
 * net_exchange for a task on the coroutine loop (net_co.c): fd is made
 * non-blocking, and connect, write and read park the task instead of the
 * thread. -ECANCELED if the task is cancelled meanwhile (not printed).
 */
int net_co_exchange(int fd, const struct sockaddr_in *to, long i, long ms);

/* One whole task: net_socket, net_exchange, close. 0 or -errno. */
int net_request(const struct sockaddr_in *to, long i, long ms);

/* Connect to `to` and hang up: is a server there? 0 or -errno (printed). */
int net_probe(const struct sockaddr_in *to);

/* Report a failed call once per process (the rest are counted silently). */
void net_report(const char *call, long task, const struct sockaddr_in *to, int err);

/* Is err running out of descriptors, buffers, memory or local ports? */
bool net_exhausted(int err);

#endif
