/*
 * coro.h - a coroutine runtime: a hand-written context switch, an event loop
 * with timers on epoll or io_uring, and asyncio-style tasks. Every exported
 * name starts with co_.
 *
 *   static int hello(void *arg, intptr_t *value)
 *   {
 *           co_sleep(co_now() + 100 * CO_MS);      // other tasks run meanwhile
 *           *value = 42;
 *           return 0;
 *   }
 *   ...
 *   intptr_t v;
 *   int err = co_run(hello, NULL, &v, NULL);       // 0, v == 42
 *
 * Errors: every call returns 0 (or a count / id, where it says) or a negative
 * errno value: -ECANCELED (the calling task was cancelled: clean up and
 * return), -ETIMEDOUT, -ESRCH (no such task: never spawned, or already
 * collected), -EPERM (misuse: called outside a task, from a thread that does
 * not run the loop, or after shutdown; a one-line message names the call),
 * -ENOMEM, or what a system call failed with. A task's function returns
 * its own status in the same convention and its result through *value.
 *
 * Tasks are cooperative: a task runs until it reaches a suspension point
 * (co_yield, co_sleep, co_join and the other waits, co_read/co_write/...,
 * co_to_thread). Cancellation is delivered there, once, as -ECANCELED.
 *
 * Stacks (struct co_config.stack):
 *   guarded  each task gets its own mmap'd stack (default 64 KiB) under a
 *            PROT_NONE guard page; an overflow prints "coroutine stack
 *            overflow in task <id> (stack <size> KiB)" and aborts. A switch
 *            costs only the register save. But each stack is two mappings
 *            (vm.max_map_count, 65530 here, stops it near 32,000 tasks) and
 *            at least one touched 4 KiB page.
 *   copy     all copy tasks run on one shared guarded stack; when another
 *            task needs it, the live part of the owner's stack (typically a
 *            few hundred bytes) is copied to the heap, and copied back when
 *            the owner resumes. Memory per task is what it really uses, so a
 *            million tasks fit, but a switch into a different copy task
 *            costs a memcpy of both live parts, and a pointer to a suspended
 *            copy task's stack variable is NOT valid from another task, a
 *            done callback or a co_to_thread worker: share heap memory.
 *   auto     guarded while fewer than co_config.guarded_max (default
 *            CO_GUARDED_MAX, 64) guarded stacks are live, copy beyond that:
 *            a program of a few tasks gets guarded stacks, a fan-out pays
 *            for few. A fresh guarded stack costs a mapping split, a page
 *            fault and its share of the unmapping, about 9 us in this VM:
 *            10,000 sleepers used 16 ms of CPU with 1,024 guarded (the old
 *            default), 7-8 ms with 64, 7 ms with all copy (perf stat).
 *   Guarded stacks are reused from a pool and unmapped only when co_run
 *   returns (munmap flushes the TLB); at most (vm.max_map_count -
 *   CO_MAPS_SPARE) / 2 are made, so that malloc and threads keep mappings
 *   to work with; past that co_spawn fails with -ENOMEM.
 *   The runtime's own records (tasks, the saved parts of copy stacks) come
 *   from 4 MiB chunks prefaulted 256 KiB ahead of use (coro/arena.c),
 *   reused, and returned when co_run returns.
 *
 * Where a sleeping copy task's bytes go, counted by the runtime (co_mem)
 * and set beside the resident memory by build/bench/mem_task --report parts
 * --scale full (1,000,000 tasks in co_sleep, slopes per task):
 *
 *   part            bytes  what
 *   task record       112  struct co_task, one arena block (was 192)
 *   saved stack        96  its live stack at co_sleep, one arena block: the
 *                          switch frame (64), co_park and co_task_main (16
 *                          each); was 160
 *   timer entry         8  a pointer in the timer ring (timer.c)
 *   id table           12  its slot (8) and generation (4)
 *   sum               228  resident memory measured beside it: 230 (was 370)
 *   arena chunks        0  records and saved stacks live in them; at most
 *                          256 KiB prefaulted ahead is a fixed cost
 *   model arrays       25  build/coro's own (models/coro.c: id 8, result 16,
 *                          done 1; net adds fd 4)
 * build/coro io --tasks 1000000 --ms 1000 peaks at 292 bytes per task
 * (bench/coro_scale): the sum, the model's arrays, and its task function's
 * frame (32) in every saved stack. A task that suspends deeper saves more;
 * a guarded task holds a 4 KiB page of stack at least.
 *
 * Threads: with co_config.loops = 1 (the default) the loop and every task
 * run on the thread that called co_run; only co_to_thread's function runs
 * elsewhere. With loops = W > 1, co_run starts W - 1 more scheduler threads
 * and tasks run on all W (coro/sched.c explains the scheduler): the API is
 * the same, but a task may resume on another thread after any suspension
 * point, so a task must not keep a pointer to a thread-local variable, or
 * its thread id, across one.
 */
#ifndef CO_CORO_H
#define CO_CORO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/socket.h>

/* Mappings of vm.max_map_count that guarded stacks leave to the rest. */
#define CO_MAPS_SPARE 4096

/* Guarded stacks that auto mode gives before it moves to copy stacks. */
#define CO_GUARDED_MAX 64

/* ---- The raw context switch (switch_<arch>.S, context.c) ---- */

/* A suspended context: its registers live on its own stack, at sp. */
struct co_ctx {
	void *sp;
};

/*
 * Save the running context into *from and resume *to. Each context keeps
 * its own callee-saved registers and its own floating-point control and
 * status (x86-64: MXCSR whole and the x87 control word; aarch64: FPCR and
 * FPSR), as each thread does. Only the x87 status flags carry over from
 * one context to the next: x86-64 code does its floating point in SSE.
 */
void co_switch(struct co_ctx *from, struct co_ctx *to);

#if defined(__x86_64__)
/* How co_switch treats MXCSR, 1: load always, 0: compare first; the same
 * effect. Set before main by the CPU's vendor (context.c); a test or a
 * benchmark may set it while no other thread switches. */
extern unsigned char co_switch_load_always;
#endif

/*
 * Make *ctx so that the first co_switch to it runs fn(arg) on
 * [stack, stack + size), with the floating-point control and status of the
 * calling thread. fn must never return (it switches away for good);
 * if it does, the process aborts with a message.
 */
void co_ctx_make(struct co_ctx *ctx, void *stack, size_t size,
		 void (*fn)(void *), void *arg);

/* ---- Time: absolute CLOCK_MONOTONIC deadlines in ns ---- */

#define CO_US 1000LL
#define CO_MS 1000000LL
#define CO_S  1000000000LL
#define CO_FOREVER (-1LL)       /* a deadline that never passes */

int64_t co_now(void);

/* ---- The loop ---- */

enum co_stack_mode { CO_STACK_AUTO, CO_STACK_GUARDED, CO_STACK_COPY };
extern const char *const co_stack_names[];   /* "auto", "guarded", "copy", NULL */

/*
 * How the loop talks to the kernel (struct co_config.backend):
 *   epoll  readiness: the kernel says a descriptor is ready (epoll_wait), the
 *          task then makes the call itself; every watch is an epoll_ctl.
 *   uring  completion: the call itself goes into io_uring's submission ring
 *          and its result comes back on the completion ring; one
 *          io_uring_enter per turn of the loop submits them all and waits.
 * The API and its results are the same on both (a cancelled call is still
 * -ECANCELED); what differs is how many system calls they cost (co_stats).
 */
enum co_backend_kind { CO_BACKEND_EPOLL, CO_BACKEND_URING };
extern const char *const co_backend_names[]; /* "epoll", "uring", NULL */

/*
 * Can this process run a loop on backend k? 0, or a negative errno after
 * one line on stderr, prefixed by prog, naming why not (io_uring disabled
 * by kernel.io_uring_disabled, a kernel without it, a seccomp filter, a
 * build without liburing) and suggesting --backend epoll.
 */
int co_backend_usable(enum co_backend_kind k, const char *prog);

/* The system calls the loop makes, counted by kind (co_stats.syscalls). */
enum co_sys {
	CO_SYS_EPOLL_WAIT, CO_SYS_EPOLL_CTL, CO_SYS_IO_URING_ENTER, CO_SYS_READ,
	CO_SYS_WRITE, CO_SYS_ACCEPT, CO_SYS_CONNECT, CO_SYS_CLOSE,
	CO_SYS_OTHER,               /* timerfd_settime, getsockopt */
	CO_SYS_KINDS
};
extern const char *const co_sys_names[];     /* "epoll_wait", ..., "other", NULL */

struct co_config {
	enum co_stack_mode stack;   /* default CO_STACK_AUTO */
	size_t stack_kib;           /* guarded stack size; 0: 64 */
	long guarded_max;           /* auto: guarded stacks before copy; 0: CO_GUARDED_MAX */
	int threads;                /* co_to_thread pool size; 0: 4 */
	enum co_backend_kind backend;   /* default CO_BACKEND_EPOLL */
	int loops;                  /* scheduler threads (sched.c); 0 or 1: one loop */
	bool no_steal;              /* loops > 1: idle loops do not steal (a measurement) */
};

/* The most scheduler threads co_config.loops may ask for. */
#define CO_LOOPS_MAX 64

struct co_stats {
	uint64_t switches;          /* switches into tasks */
	uint64_t spawned;
	uint64_t copy_bytes;        /* bytes copied out and in by copy stacks */
	long guarded_live_max;      /* peak guarded stacks at once */
	long copy_live_max;         /* peak copy tasks at once */
	uint64_t syscalls[CO_SYS_KINDS];   /* made by the loop and co_read etc. */
	/* loops > 1 (sched.c); after co_run returns, the sums over every loop */
	int loops;                  /* scheduler threads that ran */
	uint64_t steals;            /* tasks taken from another loop's run queue */
	uint64_t migrations;        /* resumes on another loop than the task last ran on */
	uint64_t xwakeups;          /* wake-ups sent to a task parked on another loop */
	uint64_t tasks_per_loop[CO_LOOPS_MAX];   /* tasks started by each loop */
};

typedef int (*co_fn)(void *arg, intptr_t *value);
typedef uint64_t co_tid;        /* a task id; 0 is never a task */

/*
 * Run main(arg) as the first task on a new loop, until it returns; then
 * cancel the tasks still alive and run until they have finished; then shut
 * the loop down. Returns main's status and stores its value in *value
 * (value and cfg may be NULL). One loop per thread at a time.
 */
int co_run(co_fn main, void *arg, intptr_t *value, const struct co_config *cfg);

/*
 * Counters of the last (or the running) loop of this thread; after a
 * co_run with loops > 1 returns, the sums over all its loops.
 */
void co_stats(struct co_stats *out);

/*
 * What the running loop of this thread holds for its tasks now, in bytes,
 * by part (mem.c; all zero outside a running loop). The parts are what the
 * runtime allocated and touched; bench/mem_task --report parts sets their
 * slopes beside that of the resident memory.
 */
struct co_mem {
	long tasks;                 /* alive: spawned and not collected */
	size_t records;             /* their task records, as allocated */
	size_t saved_stacks;        /* copy tasks' saved stacks, as allocated */
	size_t timers;              /* timer entries in use, holes included */
	size_t task_table;          /* id table entries in use */
};
void co_mem(struct co_mem *out);

/* ---- Tasks (task.c) ---- */

/* Start fn(arg) as a new task, runnable after the caller's next suspension. */
int co_spawn(co_tid *id, co_fn fn, void *arg);

/* The running task's id (0 outside a task). */
co_tid co_self(void);

/* Let every other runnable task run once, then continue. */
int co_yield(void);

/* Suspend until co_now() >= deadline (never earlier). */
int co_sleep(int64_t deadline);

/*
 * Wait for task id to finish, collect it (the id becomes invalid) and return
 * its status; *value (may be NULL) gets its value. Collecting a task twice,
 * or joining a detached one, is -ESRCH with a message.
 */
int co_join(co_tid id, intptr_t *value);

/* Free task id when it finishes; it can no longer be joined. */
int co_detach(co_tid id);

/* Deliver -ECANCELED at the task's next (or current) suspension point. */
int co_cancel(co_tid id);

/*
 * Join ids[0..n) in spawn order (asyncio.gather): values[i] and errs[i] get
 * task i's value and status (either may be NULL). Returns the first
 * non-zero status in that order, or 0; every task is collected but the
 * caller itself, should it be among ids (its errs[i] is -EDEADLK).
 */
int co_gather(const co_tid *ids, size_t n, intptr_t *values, int *errs);

/*
 * Wait until at least one of ids[0..n) has finished (or deadline passed:
 * -ETIMEDOUT); return the index of the one that finished first. Nothing is
 * collected or cancelled: the others stay pending.
 */
int co_wait_first(const co_tid *ids, size_t n, int64_t deadline);

/*
 * as_completed, one step: wait for the earliest-finished task of
 * ids[0..*n), remove it from the array (the rest keep their order), store
 * it in *done and decrement *n. The caller then co_join()s it.
 */
int co_next_completed(co_tid *ids, size_t *n, co_tid *done);

/*
 * Join task id, but give up at deadline: then cancel it, wait for its
 * cleanup to finish, collect it and return -ETIMEDOUT.
 */
int co_wait_for(co_tid id, int64_t deadline, intptr_t *value);

/*
 * Called once when a task finishes (status, value as joined), on its own
 * stack just after its function returns; it must not suspend.
 */
typedef void (*co_done_fn)(co_tid id, int status, intptr_t value, void *data);

/* Add a done callback; if the task has already finished, it runs now. */
int co_on_done(co_tid id, co_done_fn fn, void *data);

/*
 * A task group (asyncio.TaskGroup): co_group_wait waits for every task
 * spawned into the group; the first task to fail (status other than 0 or
 * -ECANCELED) gets the rest cancelled, and so is a task spawned into the
 * group after that (with several loops a member may fail while its owner
 * is still spawning). co_group_wait collects every task,
 * frees the group and returns that first failure, or 0. If the waiting task
 * itself is cancelled, the group's tasks are cancelled too and it returns
 * -ECANCELED once they have finished. The group owns its tasks: do not
 * join or detach them yourself. A task of the group that waits for it gets
 * -EDEADLK, and the group is left for its owner to wait for.
 */
struct co_group;
int co_group_new(struct co_group **g);
int co_group_spawn(struct co_group *g, co_tid *id, co_fn fn, void *arg);
int co_group_wait(struct co_group *g);

/* ---- Blocking work elsewhere (offload.c) ---- */

/*
 * Run fn(arg, value) on a pool thread while other tasks go on; returns fn's
 * status. A cancel arriving meanwhile cannot stop fn: it is delivered as
 * -ECANCELED once fn has finished (so arg stays valid until then).
 */
int co_to_thread(co_fn fn, void *arg, intptr_t *value);

/*
 * Run fn(arg, value) in a forked child process (it sees a copy of memory);
 * its status and value come back through a pipe and the child is reaped.
 * If the task is cancelled meanwhile the child is killed: -ECANCELED.
 */
int co_to_process(co_fn fn, void *arg, intptr_t *value);

/*
 * ---- Descriptors (io.c) ----
 * On epoll a call is tried at once and the task parks on EAGAIN until the
 * descriptor is ready; on uring the call is submitted and the task parks
 * until it completes. Buffers must stay valid until the call returns (a
 * copy-stack task's stack buffers are bounced through the heap on uring).
 */

/* fd must be non-blocking (co_nonblock sets O_NONBLOCK). */
int co_nonblock(int fd);

/* Read up to n bytes: the count (0 at end of file) or a negative errno. */
ssize_t co_read(int fd, void *buf, size_t n);


/* Write all n bytes (retrying partial writes): n or a negative errno. */
ssize_t co_write(int fd, const void *buf, size_t n);

/*
 * Accept a connection as a non-blocking descriptor, or a negative errno.
 * On uring, an accept without addr keeps one multishot accept armed on fd
 * (coro/loop_uring.c): close such a listener with co_close, which disarms it
 * and closes the connections it holds; a plain close(2) leaves it listening.
 */
int co_accept(int fd, struct sockaddr *addr, socklen_t *len);

/* Connect non-blocking fd, waiting for the handshake: 0 or a negative errno. */
int co_connect(int fd, const struct sockaddr *addr, socklen_t len);

/*
 * The same, giving up at deadline (an absolute co_now() time): -ETIMEDOUT.
 * A write given up may have written part of buf.
 */
ssize_t co_read_by(int fd, void *buf, size_t n, int64_t deadline);
ssize_t co_write_by(int fd, const void *buf, size_t n, int64_t deadline);
int co_connect_by(int fd, const struct sockaddr *addr, socklen_t len, int64_t deadline);

/* Close fd (no task may be waiting on it): 0 or a negative errno. */
int co_close(int fd);

/*
 * Wait until fd is readable (events CO_READABLE) or writable (CO_WRITABLE),
 * one direction per call, or until deadline (-ETIMEDOUT). On epoll one
 * task at a time may wait for each direction of a descriptor (else -EBUSY).
 */
#define CO_READABLE 1
#define CO_WRITABLE 2
int co_wait_fd(int fd, int events, int64_t deadline);

#endif
