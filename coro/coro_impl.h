/*
 * coro_impl.h - the runtime's private structures, shared by context.c (stacks
 * and fibers), loop.c (scheduler, timers), the backends loop_epoll.c and
 * loop_uring.c (descriptor calls and waiting), task.c (the task API),
 * offload.c and io.c.
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

struct co_task {
	struct co_ctx ctx;
	co_tid id;
	co_fn fn;
	void *arg;
	int status;                 /* fn's status once done */
	intptr_t value;
	bool done, detached, cancel_pending, copy_mode, started;
	uint64_t done_seq;          /* finishing order, for as_completed */

	/* Parking */
	enum co_park park;          /* CO_PARK_NONE: runnable or running */
	int wake;                   /* what the suspension point returns */
	int64_t deadline;           /* CO_FOREVER: no timer */
	long heap_index;            /* in the timer heap, or -1 */
	union {                     /* CO_PARK_FD: what the backend waits on */
		struct {
			int fd;     /* epoll: the descriptor */
			int fd_events;
		};
		void *op;           /* uring: the call in flight */
	};
	uint64_t wait_epoch;        /* CO_PARK_TASKS: which wait is current */
	struct co_task *next;       /* run queue link */

	/* Stack: guarded, or the saved live part of the shared copy stack */
	struct co_stack *stack;
	char *saved;
	size_t saved_len, saved_cap;
	void *tsan_fiber;

	struct co_watch *watchers;  /* woken when this task finishes */
	struct co_callback *callbacks;
	struct co_group *group;
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

extern const struct co_backend co_epoll_backend, co_uring_backend;

#define CO_ARENA_CLASSES 32

struct co_arena {                   /* arena.c */
	struct co_block *free[CO_ARENA_CLASSES];
	struct co_arena_chunk *chunks;
	char *cur, *end;
};

struct co_loop {
	int state;                  /* CO_LOOP_* */
	struct co_config cfg;
	struct co_ctx sched;        /* the scheduler's context (co_run's stack) */
	struct co_task *current;
	struct co_task *runq_head, *runq_tail;
	long runnable;

	struct co_task **heap;      /* timers: min-heap on (deadline, id) */
	long heap_len, heap_cap;

	struct co_task **slots;     /* task table: id = gen << 32 | slot */
	uint32_t *gens;
	long nslots, slots_cap;
	long *free_slots;
	long nfree;
	long unfinished;            /* tasks spawned and not yet done */
	uint64_t done_seq;

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
bool co_usable(const char *call);                 /* prints misuse; false if so */
int co_park(enum co_park why, int64_t deadline);  /* suspend the current task */
void co_ready(struct co_task *t, int wake);       /* unpark t with that result */
void co_enqueue(struct co_task *t);
void co_timer_add(struct co_task *t);
void co_timer_del(struct co_task *t);
#define CO_COUNT(kind) (co_loop.stats.syscalls[CO_SYS_##kind]++)

/* arena.c */
void *co_alloc(size_t n);                         /* zeroed */
void co_free(void *p, size_t n);
size_t co_block_size(size_t n);
void co_arena_teardown(void);

/* io.c */
ssize_t co_call_now(const struct co_call *c);     /* the call itself, -errno */
int co_connect_result(int fd);                    /* SO_ERROR after a connect */

/* context.c */
int co_stack_setup(void);
void co_stack_teardown(void);
int co_task_stack(struct co_task *t);             /* pick mode, get a stack */
void co_task_unstack(struct co_task *t);
void co_switch_in(struct co_task *t);             /* scheduler -> t */
void co_switch_out(struct co_task *t, bool exiting);   /* t -> scheduler */
void co_fiber_started(void);                      /* first thing in a task */

/* task.c */
void co_task_main(void *task);                    /* every task's entry */
struct co_task *co_task_lookup(co_tid id);
void co_task_free(struct co_task *t);
void co_cancel_all(void);
void co_tasks_teardown(void);
int co_spawn_main(co_tid *id, co_fn fn, void *arg);

/* offload.c */
void co_offload_drain(void);                      /* completions -> tasks */
bool co_offload_fd(int fd);                       /* is it the eventfd? */
void co_offload_teardown(void);

#endif
