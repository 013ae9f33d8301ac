/* http.c - the HTTP subset of the net workload and the servers (see http.h). */
#define _GNU_SOURCE
#include "http.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "cli.h"
#include "workload.h"

/* The number text[0..len) into *out, within [0, max]: 0, or -1. */
static int number(const char *text, size_t len, long long max, long long *out)
{
	char digits[24];

	if (len == 0 || len >= sizeof digits)
		return -1;
	memcpy(digits, text, len);
	digits[len] = '\0';
	return cli_number(digits, 0, max, out);
}

/* One "key=value" of the query (p[0..len)) into r: 0, or -1 if unknown or bad. */
static int query_param(const char *p, size_t len, struct http_req *r)
{
	const char *eq = memchr(p, '=', len);
	size_t klen = eq ? (size_t)(eq - p) : len, vlen = eq ? len - klen - 1 : 0;
	long long v;

	if (eq == NULL)
		return -1;
	if (klen == 4 && memcmp(p, "task", 4) == 0 && number(eq + 1, vlen, CLI_MAX_TASKS, &v) == 0)
		r->task = (long)v;
	else if (klen == 2 && memcmp(p, "ms", 2) == 0 && r->kind == HTTP_SLEEP &&
		 number(eq + 1, vlen, CLI_MAX_MS, &v) == 0)
		r->ms = (long)v;
	else if (klen == 1 && p[0] == 'n' && r->kind == HTTP_CPU &&
		 number(eq + 1, vlen, CLI_MAX_N, &v) == 0)
		r->n = (uint64_t)v;
	else
		return -1;
	return 0;
}

/* The request target t[0..len) ("/path?query") into r: 0, or -1. */
static int target(const char *t, size_t len, struct http_req *r)
{
	const char *q = memchr(t, '?', len), *end = t + len;
	size_t plen = q ? (size_t)(q - t) : len;

	if (plen == 6 && memcmp(t, "/sleep", 6) == 0)
		r->kind = HTTP_SLEEP;
	else if (plen == 4 && memcmp(t, "/cpu", 4) == 0)
		r->kind = HTTP_CPU;
	else
		return t[0] == '/' ? (r->kind = HTTP_NOT_FOUND, 0) : -1;
	for (const char *p = q ? q + 1 : end; p < end;) {
		const char *amp = memchr(p, '&', (size_t)(end - p));
		const char *stop = amp ? amp : end;
		if (query_param(p, (size_t)(stop - p), r) != 0)
			return -1;
		p = amp ? amp + 1 : end;
	}
	return 0;
}

/* "GET <target> HTTP/1.x" (line[0..len), CRLF excluded) into r: 0, or -1. */
static int request_line(const char *line, size_t len, struct http_req *r)
{
	const char *sp;

	if (len < 14 || memcmp(line, "GET /", 5) != 0)
		return -1;
	sp = memchr(line + 4, ' ', len - 4);
	if (sp == NULL || (size_t)(line + len - sp) != 9 || memcmp(sp + 1, "HTTP/1.", 7) != 0 ||
	    (sp[8] != '0' && sp[8] != '1'))
		return -1;
	r->keep_alive = sp[8] == '1';
	return target(line + 4, (size_t)(sp - line - 4), r);
}

/* Does header line h[0..len) name `name` with a value equal to `value` (either case)? */
static bool header_is(const char *h, size_t len, const char *name, const char *value)
{
	size_t n = strlen(name), v = strlen(value);
	const char *p = h + n + 1;

	if (len <= n || strncasecmp(h, name, n) != 0 || h[n] != ':')
		return false;
	while (p < h + len && (*p == ' ' || *p == '\t'))
		p++;
	return (size_t)(h + len - p) == v && strncasecmp(p, value, v) == 0;
}

/* One header line h[0..len) into r: 0, or -1 (no colon, or a body announced). */
static int header(const char *h, size_t len, struct http_req *r)
{
	if (memchr(h, ':', len) == NULL)
		return -1;
	if (header_is(h, len, "Content-Length", "0"))
		return 0;
	if ((len > 15 && strncasecmp(h, "Content-Length:", 15) == 0) ||
	    (len > 18 && strncasecmp(h, "Transfer-Encoding:", 18) == 0))
		return -1;
	if (header_is(h, len, "Connection", "close"))
		r->keep_alive = false;
	else if (header_is(h, len, "Connection", "keep-alive"))
		r->keep_alive = true;
	return 0;
}

long http_parse(const char *buf, size_t len, struct http_req *r)
{
	const char *end = memmem(buf, len, "\r\n\r\n", 4), *eol;
	size_t line_cap = len < NET_LINE_MAX ? len : NET_LINE_MAX;

	/* The request line is capped on its own: a long one is refused at once. */
	eol = memmem(buf, line_cap, "\r\n", 2);
	if (eol == NULL)
		return len >= NET_LINE_MAX ? -1 : 0;
	if (end == NULL)
		return len >= HTTP_HEAD_MAX ? -1 : 0;
	if (end + 4 - buf > HTTP_HEAD_MAX)
		return -1;
	*r = (struct http_req){ .ms = -1 };
	if (request_line(buf, (size_t)(eol - buf), r) != 0)
		return -1;
	for (const char *h = eol + 2; h < end + 2; h = eol + 2) {
		eol = memmem(h, (size_t)(end + 2 - h), "\r\n", 2);
		if (header(h, (size_t)(eol - h), r) != 0)
			return -1;
	}
	return end + 4 - buf;
}

size_t http_answer(char *buf, const struct http_req *r, long ms, u128 sum)
{
	char body[64], text[40];
	const char *status = "200 OK";

	if (r->kind == HTTP_SLEEP) {
		snprintf(body, sizeof body, "done %ld %ld\n", r->task, ms);
	} else if (r->kind == HTTP_CPU) {
		snprintf(body, sizeof body, "%s\n", wl_u128_str(sum, text));
	} else {
		status = "404 Not Found";
		strcpy(body, "not found: try /sleep?ms=D or /cpu?n=N\n");
	}
	return (size_t)snprintf(buf, HTTP_ANSWER_MAX,
				"HTTP/1.1 %s\r\nContent-Type: text/plain\r\nContent-Length: %zu\r\n%s\r\n%s",
				status, strlen(body), r->keep_alive ? "" : "Connection: close\r\n", body);
}

size_t http_request_text(char *buf, long i, long ms)
{
	return (size_t)snprintf(buf, HTTP_HEAD_MAX,
				"GET /sleep?ms=%ld&task=%ld HTTP/1.1\r\nHost: localhost\r\n"
				"Connection: close\r\n\r\n", ms, i);
}

/* The value of header `name` in head[0..len) as a number, or -1 if absent or bad. */
static long long header_number(const char *head, size_t len, const char *name)
{
	size_t n = strlen(name);
	long long v;

	for (const char *h = head; h < head + len;) {
		const char *eol = memmem(h, (size_t)(head + len - h), "\r\n", 2);
		const char *stop = eol ? eol : head + len, *p = h + n + 1;
		if ((size_t)(stop - h) > n && strncasecmp(h, name, n) == 0 && h[n] == ':') {
			while (p < stop && *p == ' ')
				p++;
			return number(p, (size_t)(stop - p), 1LL << 40, &v) == 0 ? v : -1;
		}
		h = stop + 2;
	}
	return -1;
}

bool http_answer_ok(const char *got, size_t len, long i, long ms)
{
	const char *end = memmem(got, len, "\r\n\r\n", 4);
	char want[64];
	size_t wlen = (size_t)snprintf(want, sizeof want, "done %ld %ld\n", i, ms), blen;
	long long clen;

	if (end == NULL || len < 12 || (memcmp(got, "HTTP/1.1 200", 12) != 0 &&
					memcmp(got, "HTTP/1.0 200", 12) != 0))
		return false;
	blen = len - (size_t)(end + 4 - got);
	clen = header_number(got, (size_t)(end + 2 - got), "Content-Length");
	return (clen < 0 || (size_t)clen == blen) && blen == wlen && memcmp(end + 4, want, wlen) == 0;
}
