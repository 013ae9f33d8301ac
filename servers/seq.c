/*
 * servers/seq - the iterative server: accept one connection, serve it until
 * it closes, accept the next. Every other client waits in the kernel's
 * backlog meanwhile: the baseline every other server model is measured
 * against.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "net.h"
#include "server.h"

static int serve(int lfd, const struct server_opts *o)
{
	for (;;) {
		int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);

		if (fd >= 0)
			server_conn(fd, o, NULL, NULL);
		else if (errno != EINTR && errno != ECONNABORTED && !net_exhausted(errno))
			return fprintf(stderr, "seq: accept: %s\n", strerror(errno)), -1;
	}
}

int main(int argc, char **argv)
{
	return server_main(argc, argv, "seq", false, serve);
}
