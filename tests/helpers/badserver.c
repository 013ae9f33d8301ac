/*
 * badserver - a net server that misbehaves, for testing clients' deadlines.
 *
 *   badserver silent|noclose|wrong|backlog [--ms D]
 *
 * Listens on 127.0.0.1 and a free port, prints "badserver: listening on
 * 127.0.0.1:P" on stdout, then:
 *   silent   accepts every connection and never answers nor closes;
 *   noclose  reads each request (GET /sleep?ms=..&task=I, lib/http.h) and
 *            answers it right away with a 200 and the right body for
 *            delay D (default 100), then never closes;
 *   wrong    the same answer, for delay D + 1, then closes: a wrong result;
 *   backlog  listens with a backlog of 0 and never accepts, so after the
 *            first connection or two (the kernel's queue) the handshake of
 *            every other one never completes.
 * Holds every connection until killed, or for 300 s at most (alarm), so a
 * test that forgets it leaves nothing for long.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static void die(const char *call)
{
	perror(call);
	exit(2);
}

/* Read the rest of a request head (through its blank line) from fd. */
static void skip_head(int fd)
{
	char c;
	unsigned tail = 0;   /* the last four bytes */

	while ((tail & 0xffffffffu) != 0x0d0a0d0au && read(fd, &c, 1) == 1)
		tail = tail << 8 | (unsigned char)c;
}

/* Read one line (up to 127 bytes) from fd into buf; its length. */
static size_t read_line(int fd, char *buf)
{
	size_t got = 0;

	while (got < 127) {
		ssize_t r = read(fd, buf + got, 1);
		if (r <= 0 || buf[got++] == '\n')
			break;
	}
	buf[got] = '\0';
	return got;
}

int main(int argc, char **argv)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t len = sizeof a;
	long ms = argc == 4 && strcmp(argv[2], "--ms") == 0 ? atol(argv[3]) : 100;
	int lfd, one = 1;

	if (argc < 2 || (strcmp(argv[1], "silent") && strcmp(argv[1], "noclose") &&
			 strcmp(argv[1], "wrong") && strcmp(argv[1], "backlog"))) {
		fprintf(stderr, "usage: badserver silent|noclose|wrong|backlog [--ms D]\n");
		return 2;
	}
	alarm(300);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((lfd = socket(AF_INET, SOCK_STREAM, 0)) < 0)
		die("socket");
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	if (bind(lfd, (struct sockaddr *)&a, sizeof a) != 0 ||
	    listen(lfd, strcmp(argv[1], "backlog") == 0 ? 0 : 4096) != 0 ||
	    getsockname(lfd, (struct sockaddr *)&a, &len) != 0)
		die("listen");
	printf("badserver: listening on 127.0.0.1:%u\n", ntohs(a.sin_port));
	fflush(stdout);
	if (strcmp(argv[1], "backlog") == 0)
		for (;;)
			pause();
	for (;;) {
		char line[128], answer[128], body[64];
		bool wrong = strcmp(argv[1], "wrong") == 0;
		long i, d;
		int fd = accept(lfd, NULL, NULL);

		if (fd < 0)
			continue;
		if (strcmp(argv[1], "silent") != 0 && read_line(fd, line) > 0 &&
		    sscanf(line, "GET /sleep?ms=%ld&task=%ld ", &d, &i) == 2) {
			int b;
			skip_head(fd);
			b = snprintf(body, sizeof body, "done %ld %ld\n", i, ms + wrong);
			int n = snprintf(answer, sizeof answer,
					 "HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s", b, body);
			if (write(fd, answer, (size_t)n) != n || wrong)
				close(fd);
		}
	}
}
