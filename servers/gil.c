/*
 * servers/gil - a thread per connection under the emulated GIL (lib/gil.h):
 * the shape of a Python threaded server. A thread holds the lock while it
 * parses and answers, and drops it around every wait (poll, sleep, send),
 * as CPython drops the GIL around blocking calls; a /cpu sum runs holding
 * it, with a check point every 4096 iterations, so the other connections
 * get the lock only at the new GIL's switch interval (5 ms).
 *
 * The accept loop is a Python thread too, as in socketserver's
 * ThreadingMixIn: it holds the lock except inside accept(), starts each
 * connection's thread holding it, and then waits (lock dropped, as
 * Event.wait does) until the new thread says it runs, as Thread.start()
 * does. Threads so start one at a time. Started all at once, without the
 * lock, 10,000 connections put thousands of waiters on the lock together
 * (see lib/gil_pool.h): one wrk run at C = 10,000 took 4 s in one try and
 * 90 s in another, threads draining a few hundred a second.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "gil.h"
#include "net.h"
#include "server.h"

#define STACK_BYTES (256 * 1024)

static struct gil lock;
static const struct server_opts *opts;
static sem_t started;              /* posted by a new thread once it holds the lock */

static void take(void *t)
{
	gil_take(t);
}

static void drop(void *t)
{
	gil_drop(t);
}

static u128 sum(void *t, uint64_t n)
{
	return gil_sum_squares(t, 0, n);
}

static const struct server_hooks under_gil = { drop, take, sum };

static void *conn_thread(void *arg)
{
	struct gil_thread t;

	gil_thread_init(&t, &lock);
	gil_take(&t);
	sem_post(&started);
	server_conn((int)(intptr_t)arg, opts, &under_gil, &t);
	gil_drop(&t);
	return NULL;
}

static int serve(int lfd, const struct server_opts *o)
{
	pthread_attr_t attr;
	struct gil_thread main_t;
	int err = gil_init(&lock, GIL_NEW, 5000, 100);

	if (err != 0) {
		fprintf(stderr, "gil: gil_init: %s\n", strerror(err));
		return -1;
	}
	if (sem_init(&started, 0, 0) != 0) {
		fprintf(stderr, "gil: sem_init: %s\n", strerror(errno));
		return -1;
	}
	opts = o;
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, STACK_BYTES);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	gil_thread_init(&main_t, &lock);
	gil_take(&main_t);
	for (;;) {
		gil_drop(&main_t);
		int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
		gil_take(&main_t);
		pthread_t th;

		if (fd < 0) {
			if (net_exhausted(errno))
				usleep(1000);
			continue;
		}
		if (pthread_create(&th, &attr, conn_thread, (void *)(intptr_t)fd) != 0) {
			server_refuse(fd);
			continue;
		}
		gil_drop(&main_t);
		while (sem_wait(&started) != 0 && errno == EINTR)
			;
		gil_take(&main_t);
	}
}

int main(int argc, char **argv)
{
	return server_main(argc, argv, "gil", false, serve);
}
