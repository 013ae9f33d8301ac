/*
 * http.h - the wire protocol of the net workload and of every server model:
 * a small subset of HTTP/1.1, so that curl, a browser and wrk talk to the
 * suite's servers as the suite's own clients do.
 *
 *   GET /sleep?ms=D[&task=I]   answer after D ms (no ms: the server's own
 *                              delay, its --ms) with the body "done I D\n"
 *   GET /cpu?n=N[&task=I]      answer with the body "<sum of k*k, k < N>\n",
 *                              computed there and then (N <= 2^32)
 *
 * I defaults to 0. Every answer carries Content-Length; the connection stays
 * open for the next request (keep-alive, HTTP/1.1's default) unless the
 * request says `Connection: close` or is HTTP/1.0 without keep-alive. An
 * unknown path gets a 404 and the connection stays. A malformed request, a
 * request line longer than NET_LINE_MAX bytes (CRLF included), a head longer
 * than HTTP_HEAD_MAX, or a request with a body gets a 400 and the connection
 * is closed. Only ASCII digits are numbers (cli_number).
 *
 * The net workload's clients send one request per connection with
 * `Connection: close` and read to end of file (http_request_text); they
 * accept only a 200 whose body is exactly the one they expect
 * (http_answer_ok), so a wrong task or delay is a wrong result.
 */
#ifndef CM_HTTP_H
#define CM_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "net.h"
#include "workload.h"

#define HTTP_HEAD_MAX   2048   /* a request's head, request line included */
#define HTTP_ANSWER_MAX 512    /* the longest answer a server writes */

enum http_kind { HTTP_SLEEP, HTTP_CPU, HTTP_NOT_FOUND };

struct http_req {
	enum http_kind kind;
	long ms;          /* sleep: the delay; -1 when the request named none */
	long task;        /* the task index echoed in the body */
	uint64_t n;       /* cpu: the bound of the sum */
	bool keep_alive;  /* another request may follow on the connection */
};

/*
 * Parse the request head at the start of buf[0..len). Returns its length
 * (the bytes to drop before the next request) when a whole head is there,
 * 0 when more bytes are needed, -1 when the request gets a 400 (malformed,
 * oversized, or with a body).
 */
long http_parse(const char *buf, size_t len, struct http_req *r);

/*
 * The answer to r into buf (HTTP_ANSWER_MAX bytes): for a sleep the delay
 * `ms` really waited, for a cpu request its `sum` (the server computes it,
 * so that the model decides where that work runs); its length.
 */
size_t http_answer(char *buf, const struct http_req *r, long ms, u128 sum);

/* The 400 answer (which closes the connection); its text. */
#define HTTP_BAD_REQUEST "HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain\r\n" \
	"Content-Length: 12\r\nConnection: close\r\n\r\nbad request\n"

/* The net client's request for task i sleeping ms, into buf (HTTP_HEAD_MAX); its length. */
size_t http_request_text(char *buf, long i, long ms);

/* Is got[0..len) a 200 whose body is exactly task i's answer for delay ms? */
bool http_answer_ok(const char *got, size_t len, long i, long ms);

#endif
