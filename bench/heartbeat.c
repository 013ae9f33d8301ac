/*
 * heartbeat - does an event loop stay responsive while a CPU job runs?
 * (The "bot freezes while it draws a picture" lesson.)
 *
 *   build/bench/heartbeat [--scale smoke|quick|full]
 *
 * An event loop runs a heartbeat that should tick every 10 ms. On its first
 * tick it starts a CPU job (sum of squares sized to last about job seconds
 * here) in one of four ways, and keeps ticking until the job is done:
 *
 *   inline:       the job runs on the loop itself; nothing ticks until it ends
 *   thread_gil:   the job runs on a worker thread under the new GIL (5 ms
 *                 switch interval); the loop holds the lock while it runs
 *                 callbacks and drops it while it waits in epoll_wait, as
 *                 asyncio's selector does, so every tick first waits for a
 *                 drop request to be honoured (asyncio.to_thread)
 *   thread_nogil: the same worker thread with no lock
 *   process:      a fork()ed worker computes the job and writes the answer
 *                 to a pipe the loop watches (a to_process offload)
 *
 * The loop is a minimal private one (epoll, a timerfd for the heartbeat, an
 * eventfd or pipe for "job done"); it stands in for the project's coroutine
 * loop, which had no to_thread when this was written. A tick's lag is how
 * late it ran after its due time; ticks that passed unrun while the loop was
 * late count as missed. Every job's result is checked against the formula.
 *
 *   smoke: job 0.2 s   quick: job 1 s   full: job 3 s   (one run per mode)
 *
 * CSV: mode,job_s,ticks,missed,lag_p50_ms,lag_p99_ms,lag_max_ms
 * (job_s: the job's wall time as the loop saw it, start to done).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/prctl.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include "gil.h"
#include "measure.h"
#include "scale.h"

#define PERIOD_NS 10000000ull     /* the heartbeat: every 10 ms */
#define MAX_TICKS 4096

enum mode { INLINE, THREAD_GIL, THREAD_NOGIL, PROCESS, NMODES };
static const char *const mode_names[] = { "inline", "thread_gil", "thread_nogil", "process" };

struct job {
	uint64_t n;              /* sum k*k for k < n */
	u128 result;
	struct gil_thread t;     /* the worker's view of the lock */
	int done_fd;             /* written once when the result is ready */
};

struct loop {
	int ep, timer_fd, done_fd;
	struct gil *gil;
	struct gil_thread t;     /* the loop thread's view of the lock */
	uint64_t due;            /* when the next tick is due */
	double lag_ms[MAX_TICKS];
	size_t ticks;
	long missed;
};

static void die(const char *call, int err)
{
	fprintf(stderr, "heartbeat: %s: %s\n", call, strerror(err));
	exit(3);
}

/* Iterations of the cpu kernel that take about `secs` here. */
static uint64_t calibrate(double secs)
{
	const uint64_t probe = 20000000;
	uint64_t t0 = now_ns();

	sink_u64((uint64_t)wl_sum_squares_range(0, probe));
	double per_iter = (double)(now_ns() - t0) / (double)probe;
	return (uint64_t)(secs * 1e9 / per_iter);
}

static void *job_thread(void *arg)
{
	struct job *j = arg;
	uint64_t one = 1;

	gil_take(&j->t);
	j->result = gil_sum_squares(&j->t, 0, j->n);
	gil_drop(&j->t);
	if (write(j->done_fd, &one, sizeof one) != sizeof one)
		die("write eventfd", errno);
	return NULL;
}

/* The to_process offload: the child computes and writes the 16-byte answer. */
static pid_t job_process(struct job *j, int *read_fd)
{
	int fd[2];
	pid_t parent = getpid();

	if (pipe2(fd, O_CLOEXEC) != 0)
		die("pipe2", errno);
	pid_t pid = fork();
	if (pid < 0)
		die("fork", errno);
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent)
			_exit(1);
		u128 v = wl_sum_squares_range(0, j->n);
		_exit(write(fd[1], &v, sizeof v) == sizeof v ? 0 : 1);
	}
	close(fd[1]);
	*read_fd = fd[0];
	return pid;
}

static void watch(struct loop *l, int fd)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.fd = fd };

	if (epoll_ctl(l->ep, EPOLL_CTL_ADD, fd, &ev) != 0)
		die("epoll_ctl", errno);
}

/* One heartbeat: its lag, and the ticks that passed while it was late. */
static void tick(struct loop *l)
{
	uint64_t now = now_ns(), expirations;

	if (read(l->timer_fd, &expirations, sizeof expirations) < 0 && errno != EAGAIN)
		die("read timerfd", errno);
	if (now < l->due)
		return;
	uint64_t late = now - l->due, skipped = late / PERIOD_NS;
	if (l->ticks < MAX_TICKS)
		l->lag_ms[l->ticks++] = (double)late / 1e6;
	l->missed += (long)skipped;
	l->due += (skipped + 1) * PERIOD_NS;
}

/*
 * Wait for events with the lock dropped (a blocking call), then take it
 * back to run callbacks. Returns true when the job's done_fd fired.
 */
static bool poll_once(struct loop *l)
{
	struct epoll_event ev[4];
	bool done = false;

	gil_drop(&l->t);
	int n = epoll_wait(l->ep, ev, 4, -1);
	gil_take(&l->t);
	if (n < 0 && errno != EINTR)
		die("epoll_wait", errno);
	for (int k = 0; k < n; k++) {
		if (ev[k].data.fd == l->timer_fd)
			tick(l);
		else if (ev[k].data.fd == l->done_fd)
			done = true;
	}
	return done;
}

static void loop_open(struct loop *l, struct gil *g)
{
	struct itimerspec every = { .it_interval = { 0, (long)PERIOD_NS } };

	memset(l, 0, sizeof *l);
	l->gil = g;
	gil_thread_init(&l->t, g);
	if ((l->ep = epoll_create1(EPOLL_CLOEXEC)) < 0)
		die("epoll_create1", errno);
	l->timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (l->timer_fd < 0)
		die("timerfd_create", errno);
	/* Absolute, so the loop's due times and the timer's agree exactly. */
	l->due = now_ns() + PERIOD_NS;
	every.it_value.tv_sec = (time_t)(l->due / 1000000000u);
	every.it_value.tv_nsec = (long)(l->due % 1000000000u);
	if (timerfd_settime(l->timer_fd, TFD_TIMER_ABSTIME, &every, NULL) != 0)
		die("timerfd_settime", errno);
	watch(l, l->timer_fd);
}

static void loop_close(struct loop *l)
{
	close(l->timer_fd);
	close(l->ep);
}

/* Start the job the way mode m says; on return it runs (or, inline, ran). */
static void job_start(enum mode m, struct job *j, struct loop *l, pthread_t *tid, pid_t *pid)
{
	int err;

	switch (m) {
	case INLINE:
		j->result = wl_sum_squares_range(0, j->n);
		break;
	case THREAD_GIL:
	case THREAD_NOGIL:
		if ((j->done_fd = eventfd(0, EFD_CLOEXEC)) < 0)
			die("eventfd", errno);
		l->done_fd = j->done_fd;
		watch(l, l->done_fd);
		gil_thread_init(&j->t, l->gil);
		if ((err = pthread_create(tid, NULL, job_thread, j)) != 0)
			die("pthread_create", err);
		break;
	case PROCESS:
		*pid = job_process(j, &l->done_fd);
		watch(l, l->done_fd);
		break;
	case NMODES:
		break;
	}
}

/* Collect the offloaded job's answer and its thread or process. */
static void job_finish(enum mode m, struct job *j, struct loop *l, pthread_t tid, pid_t pid)
{
	int st;

	if (m == THREAD_GIL || m == THREAD_NOGIL) {
		pthread_join(tid, NULL);
		close(j->done_fd);
	} else if (m == PROCESS) {
		if (read(l->done_fd, &j->result, sizeof j->result) != sizeof j->result)
			die("read job pipe", errno ? errno : EIO);
		close(l->done_fd);
		while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
			;
	}
}

/*
 * One mode: start the loop, let the heartbeat tick once, start the job,
 * tick until it is done and once more, then print the row. Exits 1 if the
 * job's sum is wrong.
 */
static void run_mode(enum mode m, uint64_t n)
{
	struct gil g;
	struct loop l;
	struct job j = { .n = n, .done_fd = -1 };
	pthread_t tid = 0;
	pid_t pid = 0;
	int err;

	if ((err = gil_init(&g, m == THREAD_GIL ? GIL_NEW : GIL_NONE, 5000, 100)) != 0)
		die("gil_init", err);
	loop_open(&l, &g);
	l.done_fd = -1;
	gil_take(&l.t);
	while (l.ticks == 0)
		poll_once(&l);
	l.ticks = 0;
	l.missed = 0;

	uint64_t t0 = now_ns();
	job_start(m, &j, &l, &tid, &pid);
	bool done = m == INLINE;
	while (!done)
		done = poll_once(&l);
	double job_s = (double)(now_ns() - t0) / 1e9;
	size_t seen = l.ticks;
	while (l.ticks == seen)   /* the first tick after the job: inline's late one */
		poll_once(&l);
	job_finish(m, &j, &l, tid, pid);
	gil_drop(&l.t);
	loop_close(&l);
	gil_destroy(&g);

	if (j.result != wl_sum_squares_formula(n)) {
		fprintf(stderr, "heartbeat: %s: the job's sum is wrong\n", mode_names[m]);
		exit(1);
	}
	struct summary s;
	summarize(l.lag_ms, l.ticks, &s);
	printf("%s,%.3f,%zu,%ld,%.3f,%.3f,%.3f\n", mode_names[m], job_s, l.ticks, l.missed,
	       s.median, s.p99, s.max);
	fflush(stdout);
}

int main(int argc, char **argv)
{
	enum scale scale;

	switch (scale_parse(argc, argv, "heartbeat",
			    "usage: heartbeat [--scale smoke|quick|full]\n\n"
			    "Lag of a 10 ms heartbeat on an event loop while a CPU job runs inline,\n"
			    "on a thread under the GIL, on a thread without it, in a process.",
			    &scale)) {
	case CLI_DONE: return 0;
	case CLI_BAD: return 2;
	case CLI_RUN: break;
	}
	static const double job_secs[] = { 0.2, 1.0, 3.0 };
	uint64_t n = calibrate(job_secs[scale]);

	printf("mode,job_s,ticks,missed,lag_p50_ms,lag_p99_ms,lag_max_ms\n");
	for (int m = 0; m < NMODES; m++)
		run_mode((enum mode)m, n);
	return 0;
}
