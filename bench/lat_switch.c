/*
 * lat_switch - what one context switch costs, for each way of switching.
 *
 *   build/bench/lat_switch [--scale smoke|quick|full] [--only MECHANISM]
 *
 * CSV on stdout, one row per mechanism and placement:
 *   mechanism,placement,round_trips,median_ns,p10_ns,p90_ns,min_ns,max_ns,
 *   vol_switches_per_round_trip
 *
 * Mechanisms: bare (bench/bare_switch_x86_64.S: push the callee-saved
 * registers, swap the stack pointer, `ret`; x86-64 only), bare_jmp (the
 * same, leaving by `pop; jmp` as co_switch does: a `ret` onto another stack
 * is mispredicted every time, a jump is not; the floor of co_switch's
 * shape; x86-64 only), bare_jmp_fpu (bare_jmp that also stores MXCSR and
 * the x87 control word and loads the other side's, always, as
 * jump_fcontext does: what the FPU words cost on this CPU; x86-64 only),
 * coro (the coroutine runtime's own switch,
 * co_switch, between two contexts made with co_ctx_make; it also saves and
 * restores MXCSR and the x87 control word, which the bare ones leave out),
 * coro_compare and coro_load (the same co_switch held to each of its two
 * MXCSR paths, compare first and load always, of which it takes one by the
 * CPU's vendor: both rows show whether that was the faster here; x86-64
 * only),
 * boost_fcontext (Boost.Context's jump_fcontext between two contexts made
 * with make_fcontext, the outside reference: the same work as co_switch,
 * six registers, MXCSR and the x87 control word, leaving by jmp; left out,
 * with a note on stderr, where the build found no libboost_context),
 * coro_copy (two tasks of the runtime on the copy stack
 * taking turns with co_yield: each switch goes through the scheduler, copies
 * the live parts of both stacks out and in, and each round of the run queue
 * ends with a non-blocking epoll_wait, as an asyncio loop does), swapcontext
 * (glibc, which also saves the signal mask with a system call),
 * thread_futex, thread_cond, thread_pipe (two threads of one process),
 * proc_pipe, proc_futex (two processes, the futex word in shared memory),
 * and perf_pipe: `perf bench sched pipe -T`, the outside reference, when
 * perf runs here (its rows are left out, with a note on stderr, when not).
 * Placements: none (both contexts in one thread), one-cpu (both pinned to
 * the same CPU), two-cpus (pinned to different CPUs; left out on one CPU),
 * unpinned (the scheduler decides). Pinned to two CPUs, every hand-off
 * wakes a task on the other CPU, often an idle one: an inter-processor
 * interrupt, and in a virtual machine the hypervisor has to run the halted
 * vCPU again (tens of microseconds here, against about 1.3 us on one CPU).
 * Unpinned, Linux's wake-affine heuristic tends to pull the woken task to
 * the waker's CPU, so the pair mostly behaves like one-cpu, with
 * occasional migrations and cross-CPU wake-ups widening the spread.
 *
 * How switches are counted. Every mechanism is a ping-pong between two
 * parties: a round trip is A handing control to B and B handing it back,
 * which is TWO switches. A sample times a batch of round trips and divides
 * by twice their number: every *_ns column is ns PER SWITCH, including the
 * hand-off's own work (futex or pipe system calls, condvar locking); none
 * of it is subtracted. After a warm-up batch, the samples give the median,
 * p10, p90, min and max; round_trips is how many round trips were timed in
 * all. vol_switches_per_round_trip is the voluntary context switches
 * (getrusage ru_nvcsw, RUSAGE_THREAD of both parties, over the timed
 * batches) per round trip. Each round trip has two switches, but only a
 * switch where a task blocks is voluntary: on two CPUs both parties block
 * once per round trip (2); on one CPU the woken party often preempts the
 * waker before it blocks (an involuntary switch, not counted), so the
 * figure lies between 1 and 2. It is empty where the kernel sees no switch
 * (bare, bare_jmp, coro, swapcontext: one thread).
 *
 * Other tools count differently, which is why their figures differ:
 *   lmbench lat_ctx passes a token around a ring of P processes through
 *     pipes, divides the time of a lap by P (one hop, one switch) and then
 *     subtracts the cost of a pipe write and read measured inside one
 *     process: its figure is the switch without the pipe work.
 *   tsuna/contextswitch (timectxsw) ping-pongs two processes on a futex,
 *     with sched_yield calls in the loop, and divides the time by four per
 *     iteration: for one round trip it counts 4 switches where we count 2.
 *   perf bench sched pipe passes an int back and forth through two pipes
 *     between two processes (-T: threads); usecs/op is per loop iteration,
 *     one round trip, two switches and four pipe calls. It pins nothing
 *     itself (affinity is inherited), so the perf_pipe rows run it with one
 *     CPU allowed or with all; we report usecs/op * 1000 / 2 per switch,
 *     one sample per perf run, and its getrusage counts (children, perf's
 *     start-up included) per round trip.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/futex.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <ucontext.h>
#include <unistd.h>

#include "bench.h"
#include "child.h"
#include "coro.h"

enum mechanism {
	M_BARE, M_BARE_JMP, M_BARE_JMP_FPU, M_CORO, M_CORO_COMPARE, M_CORO_LOAD, M_BOOST_FCONTEXT, M_CORO_COPY, M_SWAPCONTEXT, M_THREAD_FUTEX,
	M_THREAD_COND, M_THREAD_PIPE, M_PROC_PIPE, M_PROC_FUTEX, M_PERF_PIPE, M_COUNT
};
static const char *const mech_names[] = {
	"bare", "bare_jmp", "bare_jmp_fpu", "coro", "coro_compare", "coro_load", "boost_fcontext", "coro_copy", "swapcontext", "thread_futex",
	"thread_cond", "thread_pipe", "proc_pipe", "proc_futex", "perf_pipe", "all", NULL
};
enum placement { P_ONE_CPU, P_TWO_CPUS, P_UNPINNED };
static const char *const place_names[] = { "one-cpu", "two-cpus", "unpinned" };

/* How much to time: round trips per sample, and samples. */
struct plan {
	long per_sample;
	int samples;
};

static cpu_set_t start_mask;   /* the affinity we were started with */
static int cpu_a, cpu_b = -1;  /* the first two CPUs we may use */

static void die(const char *call, int err)
{
	fprintf(stderr, "lat_switch: %s: %s\n", call, strerror(err));
	exit(1);
}

/* Pin the calling thread to cpu, or give it back its starting mask (cpu < 0). */
static void place_self(int cpu)
{
	int err = cpu < 0 ? (sched_setaffinity(0, sizeof start_mask, &start_mask) ? errno : 0)
			  : pin_to_cpu(cpu);
	if (err)
		die("sched_setaffinity", err);
}

static long vol_switches(void)
{
	struct rusage ru;

	getrusage(RUSAGE_THREAD, &ru);
	return ru.ru_nvcsw;
}

static void print_row(const char *mech, const char *place, long round_trips, double *ns,
		      int n, double vol)
{
	struct summary s;

	summarize(ns, (size_t)n, &s);
	printf("%s,%s,%ld", mech, place, round_trips);
	bench_print_spread(stdout, &s);
	if (vol >= 0)
		printf(",%.2f\n", vol);
	else
		printf(",\n");
	fflush(stdout);
}

/*
 * User-space switches: both contexts in one thread. ping() switches to the
 * partner, which counts the round trip and switches straight back. Each has
 * its own timed loop so that no indirect call sits in the measured path.
 */
static uint64_t served;        /* round trips the partner context served */

#define TIME_BATCH(k, switch_stmt)                                   \
	({                                                           \
		uint64_t t0_ = now_ns();                             \
		for (long i_ = 0; i_ < (k); i_++)                    \
			switch_stmt;                                 \
		(double)(now_ns() - t0_) / (2.0 * (double)(k));     \
	})

#if defined(__x86_64__)
void bare_switch(void **save_sp, void *next_sp);
void bare_jmp_switch(void **save_sp, void *next_sp);
void bare_jmp_fpu_switch(void **save_sp, void *next_sp);
static void *bare_main_sp, *bare_partner_sp;

static void bare_partner(void)
{
	for (;;) {
		served++;
		bare_switch(&bare_partner_sp, bare_main_sp);
	}
}

static void bare_jmp_partner(void)
{
	for (;;) {
		served++;
		bare_jmp_switch(&bare_partner_sp, bare_main_sp);
	}
}

static void bare_jmp_fpu_partner(void)
{
	for (;;) {
		served++;
		bare_jmp_fpu_switch(&bare_partner_sp, bare_main_sp);
	}
}

/*
 * Lay out a fresh stack the way bare_switch pops it: six zeroed register
 * slots, then the return address, partner, 16-byte aligned so that
 * partner starts as if called. partner never returns. With fpu, one slot
 * more below the registers: this thread's MXCSR and x87 control word.
 */
static void bare_start(char *stack, size_t size, void (*partner)(void), bool fpu)
{
	uintptr_t top = ((uintptr_t)stack + size) & ~(uintptr_t)15;
	void **sp = (void **)(top - 16);

	*sp = (void *)(uintptr_t)partner;
	sp -= 6;
	memset(sp, 0, 6 * sizeof *sp);
	if (fpu) {
		sp--;
		__asm__ volatile("stmxcsr %0\n\tfnstcw %1" : "=m"(*(uint32_t *)sp),
				 "=m"(*(uint16_t *)((char *)sp + 4)));
	}
	bare_partner_sp = sp;
}
#endif

static struct co_ctx coro_main_ctx, coro_partner_ctx;

static void coro_partner(void *arg)
{
	(void)arg;
	for (;;) {
		served++;
		co_switch(&coro_partner_ctx, &coro_main_ctx);
	}
}

#if defined(CM_BOOST_CONTEXT)
/*
 * Boost.Context's C ABI (boost/context/detail/fcontext.hpp, extern "C"):
 * jump_fcontext switches to `to` and returns, once something jumps back,
 * the context it came from and the pointer passed; make_fcontext lays out a
 * context on [sp - size, sp) that starts in fn.
 */
typedef void *fcontext_t;
struct transfer_t {
	fcontext_t fctx;
	void *data;
};
struct transfer_t jump_fcontext(fcontext_t const to, void *vp);
fcontext_t make_fcontext(void *sp, size_t size, void (*fn)(struct transfer_t));

static fcontext_t boost_partner_ctx;

static void boost_partner(struct transfer_t t)
{
	for (;;) {
		served++;
		t = jump_fcontext(t.fctx, NULL);
	}
}
#endif

static ucontext_t uc_main, uc_partner;

static void uc_partner_fn(void)
{
	for (;;) {
		served++;
		swapcontext(&uc_partner, &uc_main);
	}
}

static void uc_start(char *stack, size_t size)
{
	if (getcontext(&uc_partner) != 0)
		die("getcontext", errno);
	uc_partner.uc_stack.ss_sp = stack;
	uc_partner.uc_stack.ss_size = size;
	uc_partner.uc_link = NULL;
	makecontext(&uc_partner, uc_partner_fn, 0);
}

/*
 * Clear MXCSR's exception flags before a batch. They are sticky: the
 * measuring context may have done inexact arithmetic (PE set) after its
 * partner was made, and a switch that keeps MXCSR whole per context
 * (co_switch, jump_fcontext, swapcontext) then changes it at every switch,
 * which costs about 100 ns on the Intel development VM. With the flags
 * equal, each row measures its switch's own work.
 */
static void clear_fp_flags(void)
{
#if defined(__x86_64__)
	unsigned mxcsr;

	__asm__ volatile("stmxcsr %0" : "=m"(mxcsr));
	mxcsr &= ~0x3fu;
	__asm__ volatile("ldmxcsr %0" : : "m"(mxcsr));
#endif
}

/* Time one user-space mechanism in this thread; one row, placement none. */
static void run_user(enum mechanism m, struct plan p)
{
	static char stack[64 * 1024] __attribute__((aligned(16)));
	double *ns = calloc((size_t)p.samples, sizeof *ns);
	long k = p.per_sample;
#if defined(__x86_64__)
	unsigned char picked = co_switch_load_always;

	if (m == M_CORO_COMPARE || m == M_CORO_LOAD)
		co_switch_load_always = m == M_CORO_LOAD;
#endif

	if (ns == NULL)
		die("calloc", ENOMEM);
	served = 0;
	for (int s = -1; s < p.samples; s++) {   /* s == -1: the warm-up */
		double v = 0;
		clear_fp_flags();
		switch (m) {
#if defined(__x86_64__)
		case M_BARE:
			if (s < 0)
				bare_start(stack, sizeof stack, bare_partner, false);
			v = TIME_BATCH(k, bare_switch(&bare_main_sp, bare_partner_sp));
			break;
		case M_BARE_JMP:
			if (s < 0)
				bare_start(stack, sizeof stack, bare_jmp_partner, false);
			v = TIME_BATCH(k, bare_jmp_switch(&bare_main_sp, bare_partner_sp));
			break;
		case M_BARE_JMP_FPU:
			if (s < 0)
				bare_start(stack, sizeof stack, bare_jmp_fpu_partner, true);
			v = TIME_BATCH(k, bare_jmp_fpu_switch(&bare_main_sp, bare_partner_sp));
			break;
#endif
		case M_CORO:
		case M_CORO_COMPARE:
		case M_CORO_LOAD:
			if (s < 0)
				co_ctx_make(&coro_partner_ctx, stack, sizeof stack, coro_partner, NULL);
			v = TIME_BATCH(k, co_switch(&coro_main_ctx, &coro_partner_ctx));
			break;
#if defined(CM_BOOST_CONTEXT)
		case M_BOOST_FCONTEXT:
			if (s < 0)
				boost_partner_ctx = make_fcontext(stack + sizeof stack, sizeof stack,
								  boost_partner);
			v = TIME_BATCH(k, boost_partner_ctx = jump_fcontext(boost_partner_ctx, NULL).fctx);
			break;
#endif
		case M_SWAPCONTEXT:
			if (s < 0)
				uc_start(stack, sizeof stack);
			v = TIME_BATCH(k, swapcontext(&uc_main, &uc_partner));
			break;
		default:
			abort();
		}
		if (s >= 0)
			ns[s] = v;
	}
	sink_u64(served);
	if (served != (uint64_t)k * (uint64_t)(p.samples + 1)) {
		fprintf(stderr, "lat_switch: %s: partner served %llu of %ld round trips\n",
			mech_names[m], (unsigned long long)served, k * (p.samples + 1));
		exit(1);
	}
	print_row(mech_names[m], "none", k * p.samples, ns, p.samples, -1);
	free(ns);
#if defined(__x86_64__)
	co_switch_load_always = picked;
#endif
}

/* coro_copy: the measuring task and its partner, both on the copy stack. */
struct copy_run {
	struct plan p;
	double *ns;
	int stop;
};

static int copy_partner(void *arg, intptr_t *value)
{
	struct copy_run *r = arg;

	(void)value;
	while (!r->stop) {
		served++;
		co_yield();
	}
	return 0;
}

static int copy_main(void *arg, intptr_t *value)
{
	struct copy_run *r = arg;
	long k = r->p.per_sample;
	co_tid partner;
	int err = co_spawn(&partner, copy_partner, r);

	(void)value;
	if (err)
		return err;
	for (int s = -1; s < r->p.samples; s++) {   /* s == -1: the warm-up */
		double v = TIME_BATCH(k, co_yield());
		if (s >= 0)
			r->ns[s] = v;
	}
	r->stop = 1;
	return co_join(partner, NULL);
}

static void run_coro_copy(struct plan p)
{
	struct copy_run r = { p, calloc((size_t)p.samples, sizeof(double)), 0 };
	const struct co_config cfg = { .stack = CO_STACK_COPY };
	long k = p.per_sample;

	if (r.ns == NULL)
		die("calloc", ENOMEM);
	served = 0;
	int err = co_run(copy_main, &r, NULL, &cfg);
	if (err)
		die("co_run", -err);
	sink_u64(served);
	if (served != (uint64_t)k * (uint64_t)(p.samples + 1)) {
		fprintf(stderr, "lat_switch: coro_copy: partner served %llu of %ld round trips\n",
			(unsigned long long)served, k * (p.samples + 1));
		exit(1);
	}
	print_row("coro_copy", "none", k * p.samples, r.ns, p.samples, -1);
	free(r.ns);
}

/*
 * Kernel switches: two threads or two processes. The shared state lives in
 * a MAP_SHARED page so the same code serves both. The partner serves
 * `total` round trips and counts its voluntary switches from the end of
 * the warm-up on.
 */
struct pingpong {
	enum mechanism m;
	int futex_flags;        /* FUTEX_PRIVATE_FLAG between threads */
	atomic_int turn;        /* futex: 1 while the partner has the turn */
	pthread_mutex_t mu;     /* cond: guards cturn */
	pthread_cond_t cv;
	int cturn;
	int ab[2], ba[2];       /* pipe: A to B, B to A */
	long total, warm;
	int partner_cpu;        /* -1: unpinned */
	long partner_served;
	long partner_vol;
};

static void futex_call(atomic_int *word, int op, int val, int flags)
{
	if (syscall(SYS_futex, word, op | flags, val, NULL, NULL, 0) < 0 && errno != EAGAIN &&
	    errno != EINTR)
		die(op == FUTEX_WAIT ? "futex(FUTEX_WAIT)" : "futex(FUTEX_WAKE)", errno);
}

/* Give the turn to `to` and wake the other side. */
static void futex_give(struct pingpong *pp, int to)
{
	atomic_store(&pp->turn, to);
	futex_call(&pp->turn, FUTEX_WAKE, 1, pp->futex_flags);
}

/* Sleep while the turn is `busy` (the other side has it). */
static void futex_await(struct pingpong *pp, int busy)
{
	while (atomic_load(&pp->turn) == busy)
		futex_call(&pp->turn, FUTEX_WAIT, busy, pp->futex_flags);
}

static void cond_give(struct pingpong *pp, int to)
{
	pthread_mutex_lock(&pp->mu);
	pp->cturn = to;
	pthread_cond_signal(&pp->cv);
	pthread_mutex_unlock(&pp->mu);
}

static void cond_await(struct pingpong *pp, int busy)
{
	pthread_mutex_lock(&pp->mu);
	while (pp->cturn == busy)
		pthread_cond_wait(&pp->cv, &pp->mu);
	pthread_mutex_unlock(&pp->mu);
}

static void pipe_put(int fd)
{
	char c = 'x';

	if (write(fd, &c, 1) != 1)
		die("write", errno);
}

static void pipe_take(int fd)
{
	char c;
	ssize_t n = read(fd, &c, 1);

	if (n != 1)
		die("read", n < 0 ? errno : EPIPE);
}

/* One round trip from A's side: give B the turn, wait until it is back. */
static void ping(struct pingpong *pp)
{
	switch (pp->m) {
	case M_THREAD_FUTEX: case M_PROC_FUTEX: futex_give(pp, 1); futex_await(pp, 1); break;
	case M_THREAD_COND: cond_give(pp, 1); cond_await(pp, 1); break;
	default: pipe_put(pp->ab[1]); pipe_take(pp->ba[0]); break;
	}
}

/* B's side of one round trip: wait for the turn, give it back. */
static void pong(struct pingpong *pp)
{
	switch (pp->m) {
	case M_THREAD_FUTEX: case M_PROC_FUTEX: futex_await(pp, 0); futex_give(pp, 0); break;
	case M_THREAD_COND: cond_await(pp, 0); cond_give(pp, 0); break;
	default: pipe_take(pp->ab[0]); pipe_put(pp->ba[1]); break;
	}
}

static void *partner_main(void *arg)
{
	struct pingpong *pp = arg;
	long vol0 = 0;

	place_self(pp->partner_cpu);
	for (long i = 0; i < pp->total; i++) {
		if (i == pp->warm)
			vol0 = vol_switches();
		pong(pp);
		pp->partner_served++;
	}
	pp->partner_vol = vol_switches() - vol0;
	return NULL;
}

static bool is_proc(enum mechanism m)
{
	return m == M_PROC_PIPE || m == M_PROC_FUTEX;
}

static bool uses_pipes(enum mechanism m)
{
	return m == M_THREAD_PIPE || m == M_PROC_PIPE;
}

/* Shared state for one ping-pong of `total` round trips, `warm` untimed. */
static struct pingpong *pingpong_new(enum mechanism m, long total, long warm, int partner_cpu)
{
	struct pingpong *pp = mmap(NULL, sizeof *pp, PROT_READ | PROT_WRITE,
				   MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	if (pp == MAP_FAILED)
		die("mmap", errno);
	memset(pp, 0, sizeof *pp);
	pp->m = m;
	pp->futex_flags = is_proc(m) ? 0 : FUTEX_PRIVATE_FLAG;
	pp->total = total;
	pp->warm = warm;
	pp->partner_cpu = partner_cpu;
	atomic_init(&pp->turn, 0);
	pthread_mutex_init(&pp->mu, NULL);
	pthread_cond_init(&pp->cv, NULL);
	if (uses_pipes(m) && (pipe(pp->ab) != 0 || pipe(pp->ba) != 0))
		die("pipe", errno);
	return pp;
}

static void pingpong_free(struct pingpong *pp)
{
	if (uses_pipes(pp->m)) {
		close(pp->ab[0]);
		close(pp->ab[1]);
		close(pp->ba[0]);
		close(pp->ba[1]);
	}
	pthread_cond_destroy(&pp->cv);
	pthread_mutex_destroy(&pp->mu);
	munmap(pp, sizeof *pp);
}

/* Start B: a thread (*tid), or a child process (its pid is returned). */
static pid_t partner_start(struct pingpong *pp, pthread_t *tid)
{
	if (!is_proc(pp->m)) {
		int err = pthread_create(tid, NULL, partner_main, pp);
		if (err)
			die("pthread_create", err);
		return 0;
	}
	/* Never outlive the benchmark, whatever stops it. */
	pid_t pid = child_fork();
	if (pid < 0)
		die("fork", errno);
	if (pid == 0) {
		partner_main(pp);
		_exit(0);
	}
	return pid;
}

static void partner_stop(pid_t pid, pthread_t tid)
{
	int status;

	if (pid == 0) {
		pthread_join(tid, NULL);
		return;
	}
	if (waitpid(pid, &status, 0) != pid)
		die("waitpid", errno);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		fprintf(stderr, "lat_switch: partner process %d failed (status 0x%x)\n", pid, status);
		exit(1);
	}
}

/* Time one kernel mechanism at one placement; one row. */
static void run_kernel(enum mechanism m, enum placement pl, struct plan p)
{
	int mine = pl == P_UNPINNED ? -1 : cpu_a;
	int theirs = pl == P_ONE_CPU ? cpu_a : pl == P_TWO_CPUS ? cpu_b : -1;
	long k = p.per_sample, total = k * (p.samples + 1), vol0 = 0;
	double *ns = calloc((size_t)p.samples, sizeof *ns);
	pthread_t tid = 0;

	if (ns == NULL)
		die("calloc", ENOMEM);
	place_self(mine);
	struct pingpong *pp = pingpong_new(m, total, k, theirs);
	pid_t pid = partner_start(pp, &tid);
	for (int s = -1; s < p.samples; s++) {   /* s == -1: the warm-up */
		if (s == 0)
			vol0 = vol_switches();
		uint64_t t0 = now_ns();
		for (long i = 0; i < k; i++)
			ping(pp);
		if (s >= 0)
			ns[s] = (double)(now_ns() - t0) / (2.0 * (double)k);
	}
	long vol = vol_switches() - vol0;
	partner_stop(pid, tid);
	place_self(-1);
	if (pp->partner_served != total) {
		fprintf(stderr, "lat_switch: %s: partner served %ld of %ld round trips\n",
			mech_names[m], pp->partner_served, total);
		exit(1);
	}
	sink_u64((uint64_t)pp->partner_served);
	print_row(mech_names[m], place_names[pl], k * p.samples, ns, p.samples,
		  (double)(vol + pp->partner_vol) / (double)(k * p.samples));
	pingpong_free(pp);
	free(ns);
}

/*
 * One run of `perf bench sched pipe -T -l loops`, allowed only cpu (or the
 * starting mask, cpu < 0). Returns ns per switch, or -1 with *why set when
 * perf is missing, fails, or prints no usecs/op line.
 */
static double perf_once(long loops, int cpu, const char **why)
{
	char out[4096], arg[32];
	int fds[2], status;
	size_t got = 0;
	ssize_t n;

	if (pipe(fds) != 0)
		die("pipe", errno);
	snprintf(arg, sizeof arg, "%ld", loops);
	pid_t pid = fork();
	if (pid < 0)
		die("fork", errno);
	if (pid == 0) {
		place_self(cpu);
		dup2(fds[1], STDOUT_FILENO);
		int devnull = open("/dev/null", O_WRONLY);
		if (devnull >= 0)
			dup2(devnull, STDERR_FILENO);
		close(fds[0]);
		execlp("perf", "perf", "bench", "sched", "pipe", "-T", "-l", arg, (char *)NULL);
		_exit(127);
	}
	close(fds[1]);
	while (got < sizeof out - 1 && (n = read(fds[0], out + got, sizeof out - 1 - got)) > 0)
		got += (size_t)n;
	out[got] = '\0';
	close(fds[0]);
	if (waitpid(pid, &status, 0) != pid)
		die("waitpid", errno);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		*why = WIFEXITED(status) && WEXITSTATUS(status) == 127 ? "perf not found"
								       : "perf exited with an error";
		return -1;
	}
	for (char *line = strtok(out, "\n"); line; line = strtok(NULL, "\n"))
		if (strstr(line, "usecs/op"))
			return strtod(line, NULL) * 1000.0 / 2.0;
	*why = "no usecs/op in perf's output";
	return -1;
}

/* The perf_pipe row for one placement (none when perf does not run here). */
static int run_perf(enum placement pl, struct plan p)
{
	long loops = 4 * p.per_sample;
	double *ns = calloc((size_t)p.samples, sizeof *ns);
	const char *why = "";
	struct rusage r0, r1;

	if (ns == NULL)
		die("calloc", ENOMEM);
	getrusage(RUSAGE_CHILDREN, &r0);
	for (int s = 0; s < p.samples; s++) {
		ns[s] = perf_once(loops, pl == P_ONE_CPU ? cpu_a : -1, &why);
		if (ns[s] < 0) {
			fprintf(stderr, "lat_switch: perf_pipe: %s; perf_pipe rows left out\n", why);
			free(ns);
			return -1;
		}
	}
	getrusage(RUSAGE_CHILDREN, &r1);
	print_row("perf_pipe", place_names[pl], loops * p.samples, ns, p.samples,
		  (double)(r1.ru_nvcsw - r0.ru_nvcsw) / (double)(loops * p.samples));
	free(ns);
	return 0;
}

/* The first two CPUs of the starting mask, into cpu_a and cpu_b. */
static void find_cpus(void)
{
	if (sched_getaffinity(0, sizeof start_mask, &start_mask) != 0)
		die("sched_getaffinity", errno);
	cpu_a = -1;
	for (int c = 0; c < CPU_SETSIZE; c++) {
		if (!CPU_ISSET(c, &start_mask))
			continue;
		if (cpu_a < 0)
			cpu_a = c;
		else if (cpu_b < 0)
			cpu_b = c;
	}
}

static const char usage_text[] =
	"usage: lat_switch [--scale smoke|quick|full] [--only MECHANISM]\n"
	"\n"
	"Nanoseconds per context switch, for user-space switches and for threads\n"
	"and processes ping-ponging through a futex, a condition variable or a pipe,\n"
	"pinned to one CPU, to two, or unpinned. A round trip is two switches.\n"
	"CSV on stdout: mechanism,placement,round_trips,median_ns,p10_ns,p90_ns,\n"
	"min_ns,max_ns,vol_switches_per_round_trip\n";

int main(int argc, char **argv)
{
	long long only = M_COUNT;   /* "all" */
	const struct cli_extra extras[] = {
		{ "only", "one mechanism, or all (default)", 0, 0, mech_names, &only },
		{ NULL, NULL, 0, 0, NULL, NULL },
	};
	/* The kernel rows cost tens of us a switch across CPUs: fewer round trips. */
	static const struct plan kernel_plans[] = { { 100, 5 }, { 500, 9 }, { 5000, 21 } };
	static const struct plan user_plans[] = { { 10000, 5 }, { 100000, 11 }, { 500000, 21 } };
	enum bench_scale scale;

	switch (bench_parse(argc, argv, "lat_switch", usage_text, extras, &scale)) {
	case CLI_DONE: return 0;
	case CLI_BAD: return 2;
	case CLI_RUN: break;
	}
	struct plan kp = kernel_plans[scale];
	struct plan up = user_plans[scale];

	find_cpus();
	printf("mechanism,placement,round_trips,median_ns,p10_ns,p90_ns,min_ns,max_ns,"
	       "vol_switches_per_round_trip\n");
	fflush(stdout);   /* before any fork */
	for (int m = 0; m < M_COUNT; m++) {
		if (only != M_COUNT && only != m)
			continue;
		if (m == M_CORO_COPY) {
			run_coro_copy(up);
			continue;
		}
		if (m == M_BARE || m == M_BARE_JMP || m == M_BARE_JMP_FPU || m == M_CORO ||
		    m == M_CORO_COMPARE || m == M_CORO_LOAD || m == M_BOOST_FCONTEXT ||
		    m == M_SWAPCONTEXT) {
#if !defined(__x86_64__)
			if (m == M_BARE || m == M_BARE_JMP || m == M_BARE_JMP_FPU ||
			    m == M_CORO_COMPARE || m == M_CORO_LOAD) {
				fprintf(stderr, "lat_switch: %s: x86-64 only; row left out\n", mech_names[m]);
				continue;
			}
#endif
#if !defined(CM_BOOST_CONTEXT)
			if (m == M_BOOST_FCONTEXT) {
				fprintf(stderr, "lat_switch: boost_fcontext: not measured: built without "
					"libboost_context (libboost-context-dev); row left out\n");
				continue;
			}
#endif
			run_user((enum mechanism)m, up);
			continue;
		}
		for (int pl = 0; pl < 3; pl++) {
			if (pl == P_TWO_CPUS && (cpu_b < 0 || m == M_PERF_PIPE)) {
				if (cpu_b < 0)
					fprintf(stderr, "lat_switch: %s: one CPU only; two-cpus left out\n",
						mech_names[m]);
				continue;
			}
			if (m == M_PERF_PIPE) {
				if (run_perf((enum placement)pl, kp) != 0)
					break;
			} else {
				run_kernel((enum mechanism)m, (enum placement)pl, kp);
			}
		}
	}
	return 0;
}
