/*
 * coro_impl.h - the runtime's private structures, shared by the stack files
 * (stack_mode.c, stack.c, copy_stack.c, overflow.c, fiber.c), loop.c
 * (scheduler), timer.c, the backends loop_epoll.c and loop_uring.c
 * (descriptor calls and waiting), task.c (the task API), offload.c and io.c.
 */
#ifndef CO_CORO_IMPL_H
#define CO_CORO_IMPL_H

#include <pthread.h>
#include <stdbool.h>
#include "coro.h"

/* CO_ASAN, CO_TSAN: built with that sanitizer (gcc and clang spell it differently). */
#if defined(__SANITIZE_ADDRESS__)
#define CO_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define CO_ASAN 1
#endif
#endif
#if defined(__SANITIZE_THREAD__)
#define CO_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define CO_TSAN 1
#endif
#endif

/* Why a parked task was woken; the suspension point returns it. */
enum co_park { CO_PARK_NONE, CO_PARK_SLEEP, CO_PARK_FD, CO_PARK_TASKS, CO_PARK_JOB };

struct co_stack {                   /* one guarded mapping */
	char *map;                  /* guard page first, then the stack */
	size_t size;                /* usable bytes above the guard page */
	struct co_stack *next;      /* in the pool */
	unsigned valgrind_id;
};

struct co_watch;                    /* a task waiting for another (task.c) */
struct co_callback;

/*
 * A task's record. Its size is a sleeping copy task's largest cost after
 * its saved stack (coro.h's byte table), so fields used in different phases
 * of a life share space: fn until it starts, the uring call it waits in
 * afterwards; deadline and wake while it is alive, done_seq and status once
 * it is done; a task has a guarded stack or a saved copy.
 */
struct co_task {
	struct co_ctx ctx;
	co_tid id;
	union {
		co_fn fn;               /* not started: read once, by co_task_main */
		void *op;               /* CO_PARK_FD on uring: the call in flight */
	};
	void *arg;
	intptr_t value;
	struct co_task *next;       /* run queue link */
	union {
		struct co_stack *stack; /* guarded: its own stack */
		char *saved;            /* copy: the saved live part of the shared one */
	};
	struct co_watch *watchers;  /* woken when this task finishes */
	struct co_callback *callbacks;
	struct co_group *group;
	union {
		int64_t deadline;       /* parked: CO_FOREVER, no timer */
		uint64_t done_seq;      /* done: finishing order, for as_completed */
	};
	union {
		int wake;               /* alive: what the suspension point returns */
		int status;             /* done: fn's status */
	};
	uint32_t timer_pos;         /* timed: heap index or ring position (timer.c) */
	int fd;                     /* CO_PARK_FD on epoll: the descriptor */
	uint32_t wait_epoch;        /* CO_PARK_TASKS: which wait is current */
	uint32_t saved_len;         /* copy: bytes saved, in a co_block_size(saved_len) block */
	uint8_t park;               /* enum co_park; CO_PARK_NONE: runnable or running */
	uint8_t home;               /* loops > 1: the loop it runs or last ran (parked) on */
	/* The thread that runs it, or its home loop's while it is parked (sched.c). */
	bool copy_mode : 1, started : 1, timed : 1, in_ring : 1;
	uint8_t fd_events : 2;
	/* Written by other threads, under the runtime lock alone: a byte of their
	 * own (the zero-width field makes it another memory location, C11 3.14). */
	uint8_t : 0;
	bool done : 1, detached : 1, cancel_pending : 1;
	bool waking : 1;            /* loops > 1: in its home loop's inbox (sched.c) */
	bool ending : 1;            /* its done callbacks have run */
#ifdef CO_TSAN
	void *tsan_fiber;
#endif
};

/* A descriptor call, as io.c hands it to the backend. */
enum co_call_kind { CO_CALL_READ, CO_CALL_WRITE, CO_CALL_ACCEPT, CO_CALL_CONNECT,
		    CO_CALL_CLOSE, CO_CALL_POLL };

struct co_call {
	enum co_call_kind kind;
	int fd;
	void *buf;                  /* read, write: the bytes */
	size_t len;
	struct sockaddr *addr;      /* accept (out), connect (in) */
	socklen_t *addr_len;        /* accept: in and out */
	socklen_t conn_len;         /* connect */
	int events;                 /* poll: CO_READABLE or CO_WRITABLE */
	int64_t deadline;           /* -ETIMEDOUT after it; CO_FOREVER: none */
};

/*
 * A backend: the only code that knows how the kernel is asked. Entries:
 *   open    make the kernel objects; 0, or -errno with why[0..len) filled
 *   close   undo open
 *   watch   report fd readable through poll for as long as the loop runs
 *           (offload's eventfd)
 *   poll    wait until something happens or co_now() >= deadline (0: do
 *           not wait); wake the tasks whose calls are done (co_ready) and
 *           put each watched descriptor found readable in fds[], returning
 *           how many (at most max)
 *   call    make c for the running task, parking it as needed: the call's
 *           result (>= 0) or a negative errno
 *   release t, parked in call, is woken early (cancelled, timed out): true
 *           if it may run now, false if the kernel still holds its call (the
 *           backend will co_ready it again once the call is over); always
 *           true for a call made in this turn, not yet handed to the kernel
 *           (a cancel pending at co_park)
 */
struct co_backend {
	int (*open)(char *why, size_t len);
	void (*close)(void);
	int (*watch)(int fd);
	int (*poll)(int *fds, int max, int64_t deadline);
	ssize_t (*call)(const struct co_call *c);
	bool (*release)(struct co_task *t);
};

struct co_timers {                  /* timer.c */
	struct co_task **ring;      /* deadlines added in order */
	uint32_t head, tail, ring_cap;
	int64_t ring_last;          /* the deadline added last to the ring */
	struct co_task **heap;      /* the others: a min-heap on (deadline, id) */
	uint32_t heap_len, heap_cap;
	long live;                  /* timers in either */
};

extern const struct co_backend co_epoll_backend, co_uring_backend;

#define CO_ARENA_CLASSES 64

struct co_arena {                   /* arena.c */
	struct co_block *free[CO_ARENA_CLASSES];
	struct co_arena_chunk *chunks;
	char *cur, *end;
	char *populated;            /* the newest chunk is prefaulted up to here */
};

/*
 * What the loops of one co_run share (sched.c). With one loop it is only
 * the task table, and nothing is locked.
 */
struct co_rt {
	bool mt;                    /* more than one loop: take mu */
	bool steal;
	int nloops;
	pthread_mutex_t mu;         /* the runtime lock (sched.c: what it guards) */
	struct co_loop *loops[CO_LOOPS_MAX];
	int idle;                   /* loops asleep or about to be (atomic) */
	int stuck;                  /* of those, loops with no timer, descriptor or job (atomic) */
	long unstuck;               /* times a loop stopped counting in stuck (atomic) */
	long guarded_live;          /* guarded stacks, all loops (atomic) */
	bool draining;              /* loop 0 waits for every task, not main */
	bool stop;                  /* every task is done: loops end (atomic) */
	co_tid main_id;

	struct co_task **slots;     /* task table: id = gen << 32 | slot */
	uint32_t *gens;
	long nslots, slots_cap;
	long *free_slots;
	long nfree;
	long unfinished;            /* tasks spawned and not yet done (atomic reads) */
	uint64_t done_seq;
	bool main_done;             /* (atomic) */
};

struct co_loop {
	int state;                  /* CO_LOOP_* */
	struct co_rt *rt;
	bool mt;                    /* rt->mt */
	int index;                  /* in rt->loops */
	int lock_depth;             /* this thread's holds of rt->mu */
	bool requeue;               /* the task that just switched out yielded */
	bool ended;                 /* it ended (loops > 1: still to be marked done) */
	pthread_mutex_t mu;         /* loops > 1: runq, pinq, inbox */
	struct co_task *pinq_head, *pinq_tail;   /* runnable here only */
	long pinned;
	struct co_task *inbox;      /* woken from another loop, to unpark here */
	long stealable;             /* tasks in runq (atomic reads) */
	int sleeping;               /* in (or going to) a blocking poll (atomic) */
	int wake_fd;                /* eventfd: wakes this loop's poll */
	struct co_config cfg;
	struct co_ctx sched;        /* the scheduler's context (co_run's stack) */
	struct co_task *current;
	struct co_task *runq_head, *runq_tail;
	long runnable;

	struct co_timers timers;

	const struct co_backend *backend;
	long fd_waits;              /* tasks parked on descriptors */
	long jobs;                  /* co_to_thread/co_to_process in flight */

	struct co_chunk *chunks;    /* guarded stacks are carved from these */
	int chunk_used;             /* stacks carved from the newest chunk */
	struct co_stack *pool;      /* guarded stacks for reuse */
	long guarded_limit;         /* from vm.max_map_count */
	long guarded_live, copy_live;
	struct co_stack *shared;    /* the copy-mode stack */
	struct co_task *shared_owner;
	size_t saved_bytes;         /* blocks held by saved copy stacks */

	struct co_offload *offload; /* thread pool, made on first use */
	void *sched_fiber_bottom;   /* ASan's idea of co_run's stack */
	size_t sched_fiber_size;
	void *sched_tsan_fiber;

	struct co_arena arena;
	struct co_stats stats;
};

enum { CO_LOOP_NONE, CO_LOOP_RUNNING, CO_LOOP_DONE };

extern _Thread_local struct co_loop co_loop;

/* loop.c */
struct co_loop *co_me(void);                      /* &co_loop, read afresh (see sched.c) */
bool co_usable(const char *call);                 /* prints misuse; false if so */
int co_park(enum co_park why, int64_t deadline);  /* suspend the current task */
void co_ready(struct co_task *t, int wake);       /* unpark t with that result */
void co_enqueue(struct co_task *t);
void co_run_turn(void);                           /* one turn of this loop */
void co_poll(bool block);                         /* wait for descriptors, timers */
int co_loop_open(const struct co_config *cfg);
void co_loop_close(bool tasks);

/* sched.c: more than one loop */
void co_lock_slow(struct co_loop *l);
void co_unlock_slow(struct co_loop *l);
static inline void co_lock(struct co_loop *l)
{
	if (l->mt)
		co_lock_slow(l);
}
static inline void co_unlock(struct co_loop *l)
{
	if (l->mt)
		co_unlock_slow(l);
}
int co_lock_hold(struct co_loop *l);              /* hold mu; the depth before */
void co_lock_restore(struct co_loop *l, int depth);   /* back to that depth */
void co_lock_drop(struct co_loop *l);             /* let go entirely, to switch */
void co_lock_resume(int depth);                   /* after the switch: hold it again */
void co_sched_enqueue(struct co_loop *l, struct co_task *t, bool pin);
struct co_task *co_sched_dequeue(struct co_loop *l);
void co_sched_after(struct co_loop *l, struct co_task *t);   /* t switched out */
void co_remote_ready(struct co_loop *l, struct co_task *t, int wake);
void co_ready_here(struct co_task *t);            /* unpark t (t->wake set) */
void co_sched_turn(struct co_loop *l);
bool co_sched_wake_fd(struct co_loop *l, int fd); /* fd is l's eventfd: drain it */
void co_sched_notify(struct co_rt *rt);           /* a task finished: loop 0 may care */
int co_run_mt(co_fn main, void *arg, intptr_t *value, const struct co_config *cfg);
#define CO_COUNT(kind) (co_me()->stats.syscalls[CO_SYS_##kind]++)

/* timer.c */
void co_timer_add(struct co_task *t);             /* at t->deadline */
void co_timer_del(struct co_task *t);
struct co_task *co_timer_first(void);             /* earliest, or NULL */
void co_timers_teardown(void);

/* arena.c */
void *co_alloc(size_t n);                         /* zeroed */
void co_free(void *p, size_t n);
size_t co_block_size(size_t n);
void co_arena_teardown(void);

/* io.c */
ssize_t co_call_now(const struct co_call *c);     /* the call itself, -errno */
int co_connect_result(int fd);                    /* SO_ERROR after a connect */

/* stack_mode.c: the stack-mode policy */
int co_stack_setup(void);                         /* for one loop */
void co_stack_teardown(void);
int co_task_stack(struct co_task *t);             /* pick mode, get a stack */
void co_task_unstack(struct co_task *t);
int co_shared_stack(void);                        /* this loop's copy stack, made once */
long *co_guarded_count(void);                     /* guarded stacks live */

/* stack.c: guarded stacks */
size_t co_page_size(void);
char *co_stack_lo(const struct co_stack *s);      /* lowest usable byte */
struct co_stack *co_stack_get(size_t size);       /* pool or chunk; NULL, errno */
void co_stack_put(struct co_stack *s);            /* back to the pool */
struct co_stack *co_stack_alone(size_t size);     /* a mapping of its own */
void co_stack_free_alone(struct co_stack *s);
void co_stacks_unmap(void);                       /* every chunk, the pool */
long co_guarded_limit(void);                      /* from vm.max_map_count */

/* overflow.c: the stack-overflow report */
int co_overflow_setup(void);
void co_overflow_teardown(void);

/* copy_stack.c: make the shared stack t's (save the owner, restore t) */
void co_copy_in(struct co_task *t);

/* fiber.c: the switch, with the sanitizers told */
void co_fiber_setup(void);                        /* the scheduler's fiber */
void co_switch_in(struct co_task *t);             /* scheduler -> t */
void co_switch_out(struct co_task *t, bool exiting);   /* t -> scheduler */
void co_fiber_started(void);                      /* first thing in a task */

/* task.c */
void co_task_main(void *task);                    /* every task's entry */
struct co_task *co_task_lookup(co_tid id);
void co_task_free(struct co_task *t);
void co_cancel_all(void);
void co_cancel_stuck(void);                       /* report, then co_cancel_all */
void co_tasks_teardown(void);
int co_spawn_main(co_tid *id, co_fn fn, void *arg);
bool co_take_cancel(void);                        /* the running task's pending cancel */
void co_task_finished(struct co_task *t);         /* mark done, wake waiters */

/* offload.c */
void co_offload_drain(void);                      /* completions -> tasks */
bool co_offload_fd(int fd);                       /* is it the eventfd? */
void co_offload_teardown(void);

#endif
