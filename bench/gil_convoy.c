/*
 * gil_convoy - the convoy effect: an I/O thread stuck behind CPU threads.
 *
 *   build/bench/gil_convoy [--scale smoke|quick|full]
 *
 * One I/O thread does many short blocking operations, each a 0.1 ms wait
 * (time.sleep(0.0001)): drop the lock, wait, take the lock back. Meanwhile
 * 1 or 2 CPU threads run the chunked sum-of-squares kernel without end.
 * Per case: operations done, operations per second and the latency of one
 * operation (drop, wait, re-take) at p50, p99 and max.
 *
 *   lock none:  threads with no lock; only the CPU scheduler is in the way
 *   lock new:   CPython 3.2+ GIL, 5 ms switch interval. Each re-take waits
 *               for a drop request, so about one interval per operation:
 *               at most ~200 operations a second
 *   lock old:   Python 2 GIL, release every 100 bytecodes; the CPU thread
 *               usually wins the race to re-take, so the I/O thread starves
 *   lock procs: the CPU work in fork()ed processes, the I/O thread alone
 *
 *   smoke: 20 operations per case, at most 1 s a case
 *   quick: 200 operations per case, at most 4 s a case
 *   full:  1000 operations per case, at most 15 s a case
 *
 * When a case reaches its time limit the CPU work stops, the operation in
 * flight completes and counts, and the row reports how many were done.
 * Three unrecorded operations warm up each case. CSV:
 * lock,cpu_threads,ops,ops_per_s,p50_us,p99_us,max_us
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "gil.h"
#include "measure.h"
#include "bench.h"

#define WAIT_NS 100000     /* one blocking operation: 0.1 ms */
#define WARMUP 3
#define BURST (1u << 18)   /* CPU iterations between looks at the clock */

enum lock { LOCK_NONE, LOCK_NEW, LOCK_OLD, LOCK_PROCS };
static const char *const lock_names[] = { "none", "new", "old", "procs" };

struct cpu_thread {
	pthread_t tid;
	struct gil_thread t;
	const atomic_bool *stop;
	uint64_t deadline_ns;
};

static void die(const char *call, int err)
{
	fprintf(stderr, "gil_convoy: %s: %s\n", call, strerror(err));
	exit(3);
}

/* A CPU-bound thread under the lock, until told to stop or out of time. */
static void *cpu_main(void *arg)
{
	struct cpu_thread *c = arg;
	u128 sum = 0;

	gil_take(&c->t);
	while (!atomic_load_explicit(c->stop, memory_order_relaxed) && now_ns() < c->deadline_ns)
		sum += gil_sum_squares(&c->t, 0, BURST);
	gil_drop(&c->t);
	sink_u64((uint64_t)sum);
	return NULL;
}

/* CPU-bound children that spin until killed (and die with the parent). */
static void fork_spinners(pid_t *pid, long n)
{
	pid_t parent = getpid();

	for (long k = 0; k < n; k++) {
		if ((pid[k] = fork()) < 0)
			die("fork", errno);
		if (pid[k] == 0) {
			prctl(PR_SET_PDEATHSIG, SIGKILL);
			if (getppid() != parent)
				_exit(1);
			for (;;)
				sink_u64((uint64_t)wl_sum_squares_range(0, BURST));
		}
	}
}

static void wait_ns(uint64_t ns)
{
	struct timespec d = { .tv_sec = 0, .tv_nsec = (long)ns };

	while (nanosleep(&d, &d) != 0 && errno == EINTR)
		;
}

/*
 * The I/O loop, run by a thread that holds the lock: up to `ops` operations,
 * stopping once the deadline has passed. Returns how many were recorded.
 */
static size_t io_loop(struct gil_thread *io, double *lat_us, size_t ops, uint64_t deadline)
{
	size_t done = 0;

	for (size_t k = 0; k < ops + WARMUP && now_ns() < deadline; k++) {
		uint64_t t0 = now_ns();
		gil_drop(io);
		wait_ns(WAIT_NS);
		gil_take(io);
		/* The operation in flight at the limit counts even in the warm-up:
		 * under a starving lock it is the only one, and the point. */
		uint64_t t1 = now_ns();
		if (k >= WARMUP || t1 >= deadline)
			lat_us[done++] = (double)(t1 - t0) / 1e3;
	}
	return done;
}

/* One case; prints its row. */
static void run_case(enum lock lock, long cpus, size_t ops, uint64_t limit_ns, double *lat_us)
{
	static const enum gil_mode mode_of[] = { GIL_NONE, GIL_NEW, GIL_OLD, GIL_NONE };
	struct cpu_thread c[2];
	struct gil g;
	struct gil_thread io;
	atomic_bool stop = false;
	pid_t pid[2];
	int err;

	if ((err = gil_init(&g, mode_of[lock], 5000, 100)) != 0)
		die("gil_init", err);
	gil_thread_init(&io, &g);
	gil_take(&io);
	uint64_t start = now_ns(), deadline = start + limit_ns;
	for (long k = 0; k < cpus && lock != LOCK_PROCS; k++) {
		c[k] = (struct cpu_thread){ .stop = &stop, .deadline_ns = deadline };
		gil_thread_init(&c[k].t, &g);
		if ((err = pthread_create(&c[k].tid, NULL, cpu_main, &c[k])) != 0)
			die("pthread_create", err);
	}
	if (lock == LOCK_PROCS)
		fork_spinners(pid, cpus);

	uint64_t t0 = now_ns();
	size_t done = io_loop(&io, lat_us, ops, deadline);
	double secs = (double)(now_ns() - t0) / 1e9;

	atomic_store(&stop, true);
	gil_drop(&io);
	for (long k = 0; k < cpus; k++) {
		if (lock != LOCK_PROCS) {
			pthread_join(c[k].tid, NULL);
			continue;
		}
		kill(pid[k], SIGKILL);
		while (waitpid(pid[k], NULL, 0) < 0 && errno == EINTR)
			;
	}
	gil_destroy(&g);

	struct summary s;
	summarize(lat_us, done, &s);
	printf("%s,%ld,%zu,%.1f,%.1f,%.1f,%.1f\n", lock_names[lock], cpus, done,
	       (double)done / secs, s.median, s.p99, s.max);
	fflush(stdout);
}

int main(int argc, char **argv)
{
	enum bench_scale scale;

	switch (bench_parse(argc, argv, "gil_convoy",
			    "usage: gil_convoy [--scale smoke|quick|full]\n\n"
			    "Latency and rate of 0.1 ms blocking operations in one thread while\n"
			    "1 or 2 CPU threads run: no lock, new GIL, old GIL, CPU in processes.",
			    NULL, &scale)) {
	case CLI_DONE: return 0;
	case CLI_BAD: return 2;
	case CLI_RUN: break;
	}
	static const size_t ops_for[] = { 20, 200, 1000 };
	static const uint64_t limit_s[] = { 1, 4, 15 };
	size_t ops = ops_for[scale];
	double *lat_us = calloc(ops, sizeof *lat_us);
	if (lat_us == NULL)
		die("calloc", ENOMEM);

	printf("lock,cpu_threads,ops,ops_per_s,p50_us,p99_us,max_us\n");
	for (int lock = LOCK_NONE; lock <= LOCK_PROCS; lock++)
		for (long cpus = 1; cpus <= 2; cpus++)
			run_case((enum lock)lock, cpus, ops, limit_s[scale] * 1000000000u, lat_us);
	free(lat_us);
	return 0;
}
