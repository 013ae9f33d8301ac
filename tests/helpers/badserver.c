/*
 * badserver - a net server that misbehaves, for testing clients' deadlines.
 *
 *   badserver silent|noclose|backlog [--ms D]
 *
 * Listens on 127.0.0.1 and a free port, prints "badserver: listening on
 * 127.0.0.1:P" on stdout, then:
 *   silent   accepts every connection and never answers nor closes;
 *   noclose  reads each request and answers it right away with the right
 *            answer for delay D (default 100), then never closes;
 *   backlog  listens with a backlog of 0 and never accepts, so after the
 *            first connection or two (the kernel's queue) the handshake of
 *            every other one never completes.
 * Holds every connection until killed, or for 300 s at most (alarm), so a
 * test that forgets it leaves nothing for long.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
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

/* Read one line (up to 63 bytes) from fd into buf; its length. */
static size_t read_line(int fd, char *buf)
{
	size_t got = 0;

	while (got < 63) {
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
			 strcmp(argv[1], "backlog"))) {
		fprintf(stderr, "usage: badserver silent|noclose|backlog [--ms D]\n");
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
		char line[64], answer[64];
		long i;
		int fd = accept(lfd, NULL, NULL);

		if (fd < 0)
			continue;
		if (strcmp(argv[1], "noclose") == 0 && read_line(fd, line) > 0 &&
		    sscanf(line, "task %ld", &i) == 1) {
			int n = snprintf(answer, sizeof answer, "done %ld %ld\n", i, ms);
			if (write(fd, answer, (size_t)n) != n)
				close(fd);
		}
	}
}
