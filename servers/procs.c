/*
 * servers/procs - a fork()ed process per connection (the classic Unix
 * server, inetd, Python's ForkingTCPServer), or with --workers W that many
 * processes forked up front, each accepting from the one listening socket
 * it inherited (the pre-fork model of Apache's prefork and gunicorn).
 *
 * A child per connection costs a fork and a process slot (pid_max); a
 * connection that gets no process is refused (a 503) and counted. The
 * counters live in a shared mapping, so children count into the parent's.
 * server_fork records each child: SIGTERM kills and reaps them all.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "net.h"
#include "server.h"

/* A pre-forked worker: accept and serve, one connection at a time, until killed. */
static void worker(int lfd, const struct server_opts *o)
{
	for (;;) {
		int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);

		if (fd >= 0)
			server_conn(fd, o, NULL, NULL);
		else if (net_exhausted(errno))
			usleep(1000);
	}
}

static int prefork(int lfd, const struct server_opts *o)
{
	for (long i = 0; i < o->workers; i++) {
		pid_t pid = server_fork();
		if (pid == 0)
			worker(lfd, o);
		if (pid < 0) {
			fprintf(stderr, "procs: fork for worker %ld of %ld: %s\n", i + 1, o->workers,
				strerror(errno));
			return -1;
		}
	}
	for (;;)
		pause();
}

static int serve(int lfd, const struct server_opts *o)
{
	if (o->workers > 0)
		return prefork(lfd, o);
	for (;;) {
		int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
		pid_t pid;

		if (fd < 0) {
			if (net_exhausted(errno))
				usleep(1000);
			continue;
		}
		if ((pid = server_fork()) == 0) {
			close(lfd);
			server_conn(fd, o, NULL, NULL);
			_exit(0);
		}
		if (pid < 0)
			server_refuse(fd);
		else
			close(fd);
	}
}

int main(int argc, char **argv)
{
	return server_main(argc, argv, "procs", true, serve);
}
