/*
 * offload.c - blocking work away from the loop. co_to_thread hands a job to
 * a small pool of worker threads (made on first use); a finished job goes
 * on a done list and an eventfd write wakes the loop, which resumes the
 * waiting task. co_to_process forks a child per job and reads the outcome
 * from a pipe on the loop.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include "coro_impl.h"

struct co_job {
	co_fn fn;
	void *arg;
	int status;
	intptr_t value;
	co_tid task;
	struct co_job *next;
};

struct co_offload {
	pthread_mutex_t mu;
	pthread_cond_t cv;          /* signalled when todo gets a job, or stop */
	struct co_job *todo, *todo_tail, *done;
	bool stop;
	int efd;                    /* eventfd: "the done list has jobs" */
	int nthreads;
	pthread_t threads[];
};

static void *worker(void *arg)
{
	struct co_offload *o = arg;
	const uint64_t one = 1;

	pthread_mutex_lock(&o->mu);
	for (;;) {
		while (o->todo == NULL && !o->stop)
			pthread_cond_wait(&o->cv, &o->mu);
		if (o->todo == NULL)
			break;
		struct co_job *j = o->todo;
		o->todo = j->next;
		pthread_mutex_unlock(&o->mu);
		j->status = j->fn(j->arg, &j->value);
		pthread_mutex_lock(&o->mu);
		j->next = o->done;
		o->done = j;
		if (write(o->efd, &one, sizeof one) < 0)
			perror("co_to_thread: write to eventfd");
	}
	pthread_mutex_unlock(&o->mu);
	return NULL;
}

/*
 * Start the pool: an eventfd on the loop and cfg.threads workers (as many
 * as start, at least one). 0, or the negative errno of the call that
 * failed, named on stderr; nothing is left behind then.
 */
static int pool_start(void)
{
	int n = co_loop.cfg.threads > 0 ? co_loop.cfg.threads : 4;
	struct co_offload *o = calloc(1, sizeof *o + (size_t)n * sizeof(pthread_t));
	const char *call;
	int err;

	if (o == NULL)
		return -ENOMEM;
	call = "pthread_mutex_init";
	if ((err = -pthread_mutex_init(&o->mu, NULL)) != 0)
		goto err_free;
	call = "pthread_cond_init";
	if ((err = -pthread_cond_init(&o->cv, NULL)) != 0)
		goto err_mutex;
	call = "eventfd";
	if ((o->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) < 0) {
		err = -errno;
		goto err_cond;
	}
	call = "adding the eventfd to the loop";
	if ((err = co_loop.backend->watch(o->efd)) != 0)
		goto err_efd;
	co_loop.offload = o;
	call = "pthread_create";
	for (; o->nthreads < n; o->nthreads++) {
		err = -pthread_create(&o->threads[o->nthreads], NULL, worker, o);
		if (err && o->nthreads == 0)
			goto err_efd;
		if (err) {
			fprintf(stderr, "co_to_thread: %s: %s (%d of %d workers)\n", call,
				strerror(-err), o->nthreads, n);
			break;
		}
	}
	return 0;
err_efd:
	close(o->efd);
	co_loop.offload = NULL;
err_cond:
	pthread_cond_destroy(&o->cv);
err_mutex:
	pthread_mutex_destroy(&o->mu);
err_free:
	fprintf(stderr, "co_to_thread: %s: %s\n", call, strerror(-err));
	free(o);
	return err;
}

bool co_offload_fd(int fd)
{
	return co_loop.offload && fd == co_loop.offload->efd;
}

/* On the loop: resume the task of every finished job. */
void co_offload_drain(void)
{
	struct co_offload *o = co_loop.offload;
	struct co_job *j;
	uint64_t count;

	if (read(o->efd, &count, sizeof count) < 0 && errno != EAGAIN)
		perror("co_to_thread: read from eventfd");
	pthread_mutex_lock(&o->mu);
	j = o->done;
	o->done = NULL;
	pthread_mutex_unlock(&o->mu);
	co_lock(&co_loop);              /* the task table is shared between loops */
	for (; j; j = j->next) {
		co_ready(co_task_lookup(j->task), 0);
		co_loop.jobs--;
	}
	co_unlock(&co_loop);
}

void co_offload_teardown(void)
{
	struct co_offload *o = co_loop.offload;

	if (o == NULL)
		return;
	pthread_mutex_lock(&o->mu);
	o->stop = true;
	pthread_cond_broadcast(&o->cv);
	pthread_mutex_unlock(&o->mu);
	for (int i = 0; i < o->nthreads; i++)
		pthread_join(o->threads[i], NULL);
	close(o->efd);
	pthread_mutex_destroy(&o->mu);
	pthread_cond_destroy(&o->cv);
	free(o);
	co_loop.offload = NULL;
}

int co_to_thread(co_fn fn, void *arg, intptr_t *value)
{
	struct co_task *t = co_loop.current;
	struct co_job *j;
	int err;

	if (!co_usable("co_to_thread"))
		return -EPERM;
	if (co_take_cancel())
		return -ECANCELED;
	if (co_loop.offload == NULL && (err = pool_start()) != 0)
		return err;
	if ((j = calloc(1, sizeof *j)) == NULL)
		return -ENOMEM;
	*j = (struct co_job){ .fn = fn, .arg = arg, .task = t->id };
	pthread_mutex_lock(&co_loop.offload->mu);
	if (co_loop.offload->todo)
		co_loop.offload->todo_tail->next = j;
	else
		co_loop.offload->todo = j;
	co_loop.offload->todo_tail = j;
	pthread_cond_signal(&co_loop.offload->cv);
	pthread_mutex_unlock(&co_loop.offload->mu);
	co_loop.jobs++;

	co_park(CO_PARK_JOB, CO_FOREVER);   /* no cancel pending: waits for the job */
	/* Perhaps on another loop's thread now (coro/sched.c): t only, no co_loop. */
	err = j->status;
	if (value)
		*value = j->value;
	free(j);
	if (co_take_cancel())
		return -ECANCELED;
	return err;
}

/* The child's side: run the job, send {status, value}, exit. */
static void child_run(int wfd, co_fn fn, void *arg) __attribute__((noreturn));
static void child_run(int wfd, co_fn fn, void *arg)
{
	struct { int status; intptr_t value; } r;

	memset(&r, 0, sizeof r);        /* the padding goes down the pipe too */
	r.status = fn(arg, &r.value);
	_exit(write(wfd, &r, sizeof r) == (ssize_t)sizeof r ? 0 : 1);
}

int co_to_process(co_fn fn, void *arg, intptr_t *value)
{
	struct { int status; intptr_t value; } r;
	int pfd[2], wstatus;
	ssize_t got = 0;
	pid_t pid;

	if (!co_usable("co_to_process"))
		return -EPERM;
	if (pipe2(pfd, O_CLOEXEC | O_NONBLOCK) != 0)
		return -errno;
	fflush(NULL);                   /* or the child would flush our buffers too */
	pid = fork();
	if (pid < 0) {
		int err = -errno;
		close(pfd[0]);
		close(pfd[1]);
		return err;
	}
	if (pid == 0)
		child_run(pfd[1], fn, arg);
	close(pfd[1]);
	while ((size_t)got < sizeof r) {
		ssize_t n = co_read(pfd[0], (char *)&r + got, sizeof r - (size_t)got);
		if (n <= 0) {
			if (n < 0)
				kill(pid, SIGKILL);
			got = n < 0 ? n : -EIO;
			break;
		}
		got += n;
	}
	close(pfd[0]);
	while (waitpid(pid, &wstatus, 0) < 0 && errno == EINTR)
		;
	if (got < 0) {
		if (got == -EIO)
			fprintf(stderr, "co_to_process: child %d ended without a result (wait status %#x)\n",
				(int)pid, wstatus);
		return (int)got;
	}
	if (value)
		*value = r.value;
	return r.status;
}
