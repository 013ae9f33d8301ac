/*
 * servers/threads - a thread per connection (the classic threaded server,
 * Python's ThreadingTCPServer), or with --workers W a fixed pool of W
 * threads, each accepting from the one listening socket and serving its
 * connection to the end before it takes the next.
 *
 * A thread per connection holds as many clients as the machine has threads
 * (pid_max, max_map_count: a stack and its guard are two mappings, memory);
 * a connection that gets no thread is refused (a 503) and counted. A pool
 * never runs out, but holds only W clients at once: the rest wait in the
 * kernel's backlog.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "net.h"
#include "server.h"

/* A connection's thread needs a few KiB; 256 KiB leaves room and spares mappings. */
#define STACK_BYTES (256 * 1024)

static const struct server_opts *opts;

static void *conn_thread(void *arg)
{
	server_conn((int)(intptr_t)arg, opts, NULL, NULL);
	return NULL;
}

/* Accept forever: each connection to a new thread, or served here (a pool's worker). */
static _Noreturn void accept_forever(int lfd)
{
	pthread_attr_t attr;

	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, STACK_BYTES);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	for (;;) {
		int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
		pthread_t t;

		if (fd < 0) {
			if (net_exhausted(errno))
				usleep(1000);   /* wait for connections to close */
			continue;
		}
		if (opts->workers > 0)
			server_conn(fd, opts, NULL, NULL);
		else if (pthread_create(&t, &attr, conn_thread, (void *)(intptr_t)fd) != 0)
			server_refuse(fd);
	}
}

static void *pool_worker(void *arg)
{
	accept_forever((int)(intptr_t)arg);
}

static int serve(int lfd, const struct server_opts *o)
{
	opts = o;
	for (long i = 1; i < o->workers; i++) {
		pthread_t t;
		int err = pthread_create(&t, NULL, pool_worker, (void *)(intptr_t)lfd);
		if (err != 0) {
			fprintf(stderr, "threads: pthread_create for worker %ld of %ld: %s\n", i + 1,
				o->workers, strerror(err));
			return -1;
		}
	}
	accept_forever(lfd);
}

int main(int argc, char **argv)
{
	return server_main(argc, argv, "threads", true, serve);
}
