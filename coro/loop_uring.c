/*
 * loop_uring.c - the completion backend, and the only file that knows
 * io_uring. A descriptor call is not tried by the task: it is written into
 * the submission ring (one SQE), the task parks, and the loop's next
 * io_uring_enter hands every call prepared during that turn to the kernel
 * at once and waits; each result comes back as a completion (CQE) that
 * wakes its task with the call's return value. One system call per turn,
 * however many calls the tasks made, where epoll needs the call itself plus
 * an epoll_ctl on each side of every wait.
 *
 * Time stays in the loop's timers (timer.c): the earliest deadline becomes
 * the timeout of that same io_uring_enter (IORING_FEAT_EXT_ARG, Linux 5.11),
 * so timers cost no system call of their own. The other way, one
 * IORING_OP_TIMEOUT per sleeping task, was measured on the 2-vCPU test VM
 * (`coro io --tasks 100000 --ms 100 --stack copy`, 3 runs each, a noisy
 * machine): the loop's timer heap 0.30-0.35 s wall, 0.02 s system time, 1-4
 * enters in all; kernel timeouts 0.42-0.47 s, 0.10 s system time, 37-38
 * enters (a completion per sleep, reaped a ring's worth at a time, plus a
 * submission per sleep and a cancellation per early wake-up). The loop's
 * timers are also what epoll uses, so both backends time the same way and
 * what they differ in is the descriptor calls.
 *
 * Cancelling (or timing out) a task parked in a call cancels the call
 * (IORING_OP_ASYNC_CANCEL) and the task stays parked until the kernel has
 * let go of it (its buffers are in use until then), then sees -ECANCELED
 * (or -ETIMEDOUT). A call prepared but not yet submitted is just turned
 * into a no-op.
 *
 * Copy-stack tasks: a parked copy task's stack is overwritten by the next
 * copy task, so a buffer on it cannot be handed to the kernel. Their reads
 * and writes go through a heap buffer copied in at submission and out on
 * completion, when the task's stack is back; addresses are always copied.
 *
 * Where the time went, against epoll (bench/net_backends, N = 10,000
 * requests of 100 ms, on the 2-vCPU VM shared with other jobs, so compared
 * as the measured side's CPU time, user + system from wait4, median of
 * 6-10 interleaved runs; wall times there swing by 20% from run to run):
 *
 *   - Completion interrupts. A socket call the kernel cannot finish at once
 *     waits on a poll, and when data comes its completion is task work for
 *     the loop's thread; by default the kernel interrupts the thread (an
 *     IPI) to run it. IORING_SETUP_COOP_TASKRUN (Linux 5.19) lets it wait
 *     for the loop's next io_uring_enter instead, and TASKRUN_FLAG sets
 *     IORING_SQ_TASKRUN in the shared ring when some is waiting, so a loop
 *     whose tasks are always runnable still enters for it. The server's CPU
 *     time against epoll's went from 1.21x to 1.00-1.04x; the client's
 *     stayed at 0.92-0.98x. DEFER_TASKRUN (with SINGLE_ISSUER, Linux 6.1)
 *     was measured too: server 1.03-1.04x, client 0.93-0.98x, no better, and
 *     it posts nothing until the loop asks, so it is not used. An older
 *     kernel refuses a flag (EINVAL) and the ring is made without it.
 *   - The server's accepts. A one-shot accept is a call per connection,
 *     and the accepting task's next accept goes in only at the next turn:
 *     a turn, so an io_uring_enter, per connection, 1.9 per request in all.
 *     A multishot accept (Linux 5.19) stays armed and completes once per
 *     connection; a co_accept without an address takes the next one from
 *     the backend's queue without parking, as epoll's accept4 takes it from
 *     the backlog. 1.18 enters per request instead of 1.97 (with the flags
 *     above; `net_backends --scale quick`, both changes: 0.67-0.77 instead
 *     of 1.40-1.50); CPU time the same within the noise (1.04x against
 *     1.03x). The queue holds at most ACCEPT_QUEUE_MAX (the kernel's
 *     default somaxconn): past that the multishot is cancelled and the rest
 *     wait in the backlog until a task asks again. co_close of the listening
 *     socket stops it and closes what it holds, as does the loop's end. Its
 *     price: a listening socket must be closed with co_close (or after the
 *     loop), since close(2) leaves the armed accept holding the socket,
 *     still listening.
 *   - Submitting and waiting are one io_uring_enter
 *     (io_uring_submit_and_wait_timeout), and a turn with runnable tasks
 *     enters only with calls to hand in or completions held for it: the
 *     client makes 0.002-0.01 enters per request.
 *     With 4096 SQEs a 10,000-connection fan-out submits early twice per
 *     wave; 16,384 was measured (client CPU 0.93x epoll's against 0.98x for
 *     4096 in the same runs, inside the 0.92-0.98x that 4096 itself spans
 *     from run to run), so the ring stays at 4096.
 *   - Not taken: closing without parking, the close's result lost, for
 *     server CPU 1.01x against 1.04x, within the noise. What is left of the
 *     difference is per call: the bounce buffers (malloc, and page faults
 *     as 10,000 of them grow the heap) and five parks per request where
 *     epoll's direct calls park twice, each a copy task's stack saved and
 *     restored.
 *
 * Wall time, `net_backends --scale quick` alternated with the build before
 * these changes, 10 runs each, uring/epoll at N = 10,000 (median of the
 * per-run ratios; walls 1.1-1.5 s on the loaded VM against 0.44 s idle):
 * client 1.05x before, 0.94x after; server 1.00x and 1.00x.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "coro_impl.h"

#ifdef CO_HAVE_URING           /* the Makefile found liburing for this target */
#include <liburing.h>
#include <poll.h>
#include <stdlib.h>
#include <unistd.h>

#if __has_include(<valgrind/memcheck.h>)
#include <valgrind/memcheck.h>
#else
#define VALGRIND_MAKE_MEM_DEFINED(p, n) ((void)(p), (void)(n))
#endif

#define RING_ENTRIES 4096       /* a full ring is submitted early, not lost */
#define WATCH_TAG 1u            /* odd user_data: a watched descriptor, fd << 1 | 1 */
#define ACCEPTOR_TAG 2u         /* an acceptor's address | 2 (it is 8-aligned) */
#define ACCEPT_QUEUE_MAX 4096   /* unclaimed connections held: the kernel's own somaxconn */

struct uop;

/* A listening socket's multishot accept and what it has accepted. */
struct acceptor {
	int fd;
	bool armed;                 /* the multishot accept is in the kernel */
	bool cancelling;            /* asked to stop (a full queue, a close) */
	bool closing;               /* co_close'd: what still comes is closed */
	int err;                    /* the multishot ended with this; for the next caller */
	int *queue;                 /* accepted, nobody has asked for them yet */
	unsigned head, count, cap;
	struct uop *first, *last;   /* tasks waiting in co_accept, in order */
	struct acceptor *next;
};

/* One call in flight, owned by its parked task. */
struct uop {
	struct co_task *task;
	struct co_call call;
	struct io_uring_sqe *sqe;   /* until submitted */
	uint64_t batch;             /* the batch it was prepared in */
	int res;                    /* the completion's result */
	bool done;                  /* the kernel has let go of it */
	bool released;              /* woken early: the task returns t->wake */
	bool as_write;              /* a send refused with ENOTSOCK, now a write */
	char *bounce;               /* copy tasks: the bytes, off the shared stack */
	struct sockaddr_storage addr;
	socklen_t addr_len;
	struct acceptor *acc;       /* waiting in acc's queue, not in the kernel */
	struct uop *next_wait;
};

static _Thread_local struct {
	struct io_uring ring;
	uint64_t batch;             /* submissions so far: a call of this batch is not in */
	struct acceptor *acceptors;
	bool multishot_accept;      /* the kernel has it (Linux 5.19) */
} U;

static const char *disabled_reason(void)
{
	static char text[80];
	FILE *f = fopen("/proc/sys/kernel/io_uring_disabled", "r");
	int v = -1;

	if (f) {
		if (fscanf(f, "%d", &v) != 1)
			v = -1;
		fclose(f);
	}
	if (v > 0)
		snprintf(text, sizeof text, "kernel.io_uring_disabled is %d", v);
	else
		snprintf(text, sizeof text, "a seccomp filter or security policy forbids it");
	return text;
}

/*
 * Setup flags, newest first, each tried until the kernel takes one:
 * COOP_TASKRUN and TASKRUN_FLAG (Linux 5.19) post a finished socket call's
 * completion at the loop's next system call instead of interrupting the
 * thread with an IPI for it; SUBMIT_ALL (5.18) keeps submitting past a
 * call that fails at once.
 */
static const unsigned setup_flags[] = {
	IORING_SETUP_SUBMIT_ALL | IORING_SETUP_COOP_TASKRUN | IORING_SETUP_TASKRUN_FLAG,
	IORING_SETUP_SUBMIT_ALL,
	0,
};

static int uring_open(char *why, size_t len)
{
	struct io_uring_params p;
	int err = -EINVAL;

	for (size_t i = 0; err == -EINVAL && i < sizeof setup_flags / sizeof *setup_flags; i++) {
		memset(&p, 0, sizeof p);
		p.flags = setup_flags[i];
		err = io_uring_queue_init_params(RING_ENTRIES, &U.ring, &p);
	}
	if (err == -ENOSYS) {
		snprintf(why, len, "io_uring_setup: %s (a kernel without io_uring, or a "
			 "seccomp filter)", strerror(-err));
	} else if (err == -EPERM) {
		snprintf(why, len, "io_uring_setup: %s (%s)", strerror(-err), disabled_reason());
	} else if (err) {
		snprintf(why, len, "io_uring_setup: %s", strerror(-err));
	} else if (!(p.features & IORING_FEAT_EXT_ARG)) {
		io_uring_queue_exit(&U.ring);
		snprintf(why, len, "io_uring here lacks timeouts on io_uring_enter "
			 "(IORING_FEAT_EXT_ARG, Linux 5.11)");
		err = -ENOSYS;
	}
	U.batch = 0;
	U.acceptors = NULL;
	U.multishot_accept = false;
	if (err == 0) {
		struct io_uring_probe *probe = io_uring_get_probe_ring(&U.ring);
		/* Multishot accept came with IORING_OP_SOCKET, in Linux 5.19. */
		U.multishot_accept = probe && io_uring_opcode_supported(probe, IORING_OP_SOCKET);
		io_uring_free_probe(probe);
	}
	return err;
}

static void acceptors_drain(void);

static void uring_close(void)
{
	acceptors_drain();
	io_uring_queue_exit(&U.ring);
}

/*
 * Hand the prepared calls to the kernel without waiting; the kernel also
 * posts the completions it has kept for the loop's next system call
 * (COOP_TASKRUN).
 */
static void submit(void)
{
	CO_COUNT(IO_URING_ENTER);
	U.batch++;
	int r = io_uring_submit_and_get_events(&U.ring);
	if (r < 0 && r != -EINTR && r != -EAGAIN && r != -EBUSY) {
		fprintf(stderr, "coro: io_uring_enter (submit): %s\n", strerror(-r));
		abort();
	}
}

/* A free SQE; a full ring is submitted first. */
static struct io_uring_sqe *get_sqe(void)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(&U.ring);

	if (sqe == NULL) {
		submit();
		sqe = io_uring_get_sqe(&U.ring);
	}
	if (sqe == NULL) {
		fprintf(stderr, "coro: io_uring submission ring full after a submit\n");
		abort();
	}
	return sqe;
}

static void arm_watch(int fd)
{
	struct io_uring_sqe *sqe = get_sqe();

	io_uring_prep_poll_add(sqe, fd, POLLIN);
	io_uring_sqe_set_data64(sqe, (uint64_t)fd << 1 | WATCH_TAG);
}

/* A one-shot poll, armed again each time it fires (complete()). */
static int uring_watch(int fd)
{
	arm_watch(fd);
	return 0;
}

/* Write op's call into a fresh SQE. */
static void prepare(struct uop *op)
{
	const struct co_call *c = &op->call;
	void *buf = op->bounce ? op->bounce : c->buf;
	unsigned len = c->len > INT_MAX ? INT_MAX : (unsigned)c->len;   /* one call, at most */
	struct io_uring_sqe *sqe = get_sqe();

	switch (c->kind) {
	case CO_CALL_READ:
		io_uring_prep_read(sqe, c->fd, buf, len, (uint64_t)-1);
		break;
	case CO_CALL_WRITE:
		if (op->as_write)
			io_uring_prep_write(sqe, c->fd, buf, len, (uint64_t)-1);
		else
			io_uring_prep_send(sqe, c->fd, buf, len, MSG_NOSIGNAL);
		break;
	case CO_CALL_ACCEPT:
		io_uring_prep_accept(sqe, c->fd, (struct sockaddr *)&op->addr, &op->addr_len,
				     SOCK_NONBLOCK | SOCK_CLOEXEC);
		break;
	case CO_CALL_CONNECT:
		io_uring_prep_connect(sqe, c->fd, (struct sockaddr *)&op->addr, op->addr_len);
		break;
	case CO_CALL_CLOSE:
		io_uring_prep_close(sqe, c->fd);
		break;
	case CO_CALL_POLL:
		io_uring_prep_poll_add(sqe, c->fd, c->events == CO_READABLE ? POLLIN : POLLOUT);
		break;
	}
	io_uring_sqe_set_data(sqe, op);
	op->sqe = sqe;
	op->batch = U.batch;
}

/* Copy what the call needs off a stack that may not stay put. */
static int stage(struct uop *op, const struct co_call *c)
{
	bool bytes = c->kind == CO_CALL_READ || c->kind == CO_CALL_WRITE;

	op->call = *c;
	if (c->kind == CO_CALL_CONNECT) {
		if (c->conn_len > sizeof op->addr)
			return -EINVAL;
		memcpy(&op->addr, c->addr, c->conn_len);
		op->addr_len = c->conn_len;
	} else if (c->kind == CO_CALL_ACCEPT) {
		op->addr_len = c->addr_len ? *c->addr_len : 0;
		if (op->addr_len > sizeof op->addr)
			op->addr_len = sizeof op->addr;
	}
	if (bytes && op->task->copy_mode && c->len > 0) {
		if ((op->bounce = malloc(c->len)) == NULL)
			return -ENOMEM;
		if (c->kind == CO_CALL_WRITE)
			memcpy(op->bounce, c->buf, c->len);
	}
	return 0;
}

/* The task is back on its own stack: hand it what the kernel wrote. */
static void unstage(struct uop *op)
{
	const struct co_call *c = &op->call;

	if (c->kind == CO_CALL_READ && op->res > 0) {
		if (op->bounce)
			memcpy(c->buf, op->bounce, (size_t)op->res);
		VALGRIND_MAKE_MEM_DEFINED(c->buf, (size_t)op->res);
	} else if (c->kind == CO_CALL_ACCEPT && op->res >= 0 && c->addr_len) {
		socklen_t n = op->addr_len < *c->addr_len ? op->addr_len : *c->addr_len;
		memcpy(c->addr, &op->addr, n);
		*c->addr_len = op->addr_len;
	}
}

/* Submit one call and park until it is over; the task's result. */
static ssize_t submit_and_park(const struct co_call *c)
{
	struct uop *op = co_alloc(sizeof *op);
	ssize_t r;

	if (op == NULL)
		return -ENOMEM;
	op->task = co_loop.current;
	if ((r = stage(op, c)) == 0) {
		prepare(op);
		op->task->op = op;
		co_loop.fd_waits++;
		r = co_park(CO_PARK_FD, c->deadline);
		if (!op->released) {
			unstage(op);
		} else if (op->call.kind == CO_CALL_ACCEPT && op->res >= 0) {
			close(op->res);   /* accepted as the cancel came: nobody wants it */
		}
		op->task->op = NULL;
	}
	free(op->bounce);
	co_free(op, sizeof *op);
	return r;
}

/* ---- Multishot accept ---- */

static struct acceptor *acceptor_of(int fd, bool make)
{
	struct acceptor *a;

	for (a = U.acceptors; a; a = a->next)
		if (a->fd == fd && !a->closing)
			return a;
	if (!make || (a = calloc(1, sizeof *a)) == NULL)
		return NULL;
	a->fd = fd;
	a->next = U.acceptors;
	U.acceptors = a;
	return a;
}

static void acceptor_free(struct acceptor *a)
{
	struct acceptor **p = &U.acceptors;

	while (*p != a)
		p = &(*p)->next;
	*p = a->next;
	free(a->queue);
	free(a);
}

static void acceptor_arm(struct acceptor *a)
{
	struct io_uring_sqe *sqe = get_sqe();

	io_uring_prep_multishot_accept(sqe, a->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	io_uring_sqe_set_data64(sqe, (uint64_t)(uintptr_t)a | ACCEPTOR_TAG);
	a->armed = true;
	a->cancelling = false;
}

static void acceptor_cancel(struct acceptor *a)
{
	if (!a->armed || a->cancelling)
		return;
	struct io_uring_sqe *sqe = get_sqe();
	io_uring_prep_cancel64(sqe, (uint64_t)(uintptr_t)a | ACCEPTOR_TAG, 0);
	io_uring_sqe_set_data64(sqe, 0);
	a->cancelling = true;
}

/* Hold an accepted descriptor for the next caller; false if it cannot be held. */
static bool acceptor_hold(struct acceptor *a, int fd)
{
	if (a->count == a->cap) {
		unsigned cap = a->cap ? 2 * a->cap : 64;
		int *q = malloc(cap * sizeof *q);
		if (q == NULL)
			return false;
		for (unsigned i = 0; i < a->count; i++)
			q[i] = a->queue[(a->head + i) % a->cap];
		free(a->queue);
		a->queue = q;
		a->cap = cap;
		a->head = 0;
	}
	a->queue[(a->head + a->count++) % a->cap] = fd;
	if (a->count >= ACCEPT_QUEUE_MAX)
		acceptor_cancel(a);     /* nobody takes them: leave the rest in the backlog */
	return true;
}

static int acceptor_pop(struct acceptor *a)
{
	int fd = a->queue[a->head];

	a->head = (a->head + 1) % a->cap;
	a->count--;
	return fd;
}

/* Hand res (a descriptor or an error) to the first waiting task. */
static bool acceptor_deliver(struct acceptor *a, int res)
{
	struct uop *op = a->first;

	if (op == NULL)
		return false;
	a->first = op->next_wait;
	if (a->first == NULL)
		a->last = NULL;
	op->res = res;
	op->done = true;
	co_ready(op->task, res);
	return true;
}

static void close_now(int fd)
{
	CO_COUNT(CLOSE);
	close(fd);
}

/* A completion of a's multishot accept. */
static void acceptor_complete(struct acceptor *a, const struct io_uring_cqe *cqe)
{
	bool more = cqe->flags & IORING_CQE_F_MORE;

	if (!more)
		a->armed = false;
	if (cqe->res >= 0) {
		if (a->closing || (!acceptor_deliver(a, cqe->res) && !acceptor_hold(a, cqe->res)))
			close_now(cqe->res);
	} else if (!more && !a->closing && cqe->res != -ECANCELED && !acceptor_deliver(a, cqe->res)) {
		a->err = cqe->res;
	}
	if (!more && a->closing)
		acceptor_free(a);
	else if (!more && a->first)     /* stopped with tasks still waiting */
		acceptor_arm(a);
}

/* co_accept without an address: from a's queue, or wait for the next one. */
static ssize_t acceptor_call(struct acceptor *a, const struct co_call *c)
{
	struct uop *op;
	ssize_t r;

	if (a->count > 0)
		return acceptor_pop(a);
	if (a->err) {
		r = a->err;
		a->err = 0;
		return r;
	}
	if ((op = co_alloc(sizeof *op)) == NULL)
		return -ENOMEM;
	op->task = co_loop.current;
	op->call = *c;
	op->acc = a;
	if (a->last)
		a->last->next_wait = op;
	else
		a->first = op;
	a->last = op;
	if (!a->armed)
		acceptor_arm(a);
	op->task->op = op;
	co_loop.fd_waits++;
	r = co_park(CO_PARK_FD, c->deadline);
	op->task->op = NULL;
	co_free(op, sizeof *op);
	return r;
}

/* A waiting task woken early: out of the queue, nothing in the kernel to wait for. */
static void acceptor_leave(struct uop *op)
{
	struct acceptor *a = op->acc;
	struct uop **p = &a->first, *prev = NULL;

	while (*p && *p != op) {
		prev = *p;
		p = &(*p)->next_wait;
	}
	if (*p) {
		*p = op->next_wait;
		if (a->last == op)
			a->last = prev;
	}
	op->done = true;
}

/* co_close of a listening socket: stop its accept, close what it holds. */
static void acceptor_close(struct acceptor *a)
{
	while (a->count > 0)
		close_now(acceptor_pop(a));
	while (acceptor_deliver(a, -EBADF))
		;
	a->closing = true;
	if (a->armed)
		acceptor_cancel(a);
	else
		acceptor_free(a);
}

/* The loop ends: every multishot accept stopped, every held descriptor closed. */
static void acceptors_drain(void)
{
	struct io_uring_cqe *cqe;
	unsigned head, seen;

	for (struct acceptor *a = U.acceptors, *next; a; a = next) {
		next = a->next;
		acceptor_close(a);
	}
	while (U.acceptors) {
		CO_COUNT(IO_URING_ENTER);
		int r = io_uring_submit_and_wait(&U.ring, 1);
		if (r < 0 && r != -EINTR && r != -EAGAIN && r != -EBUSY)
			break;
		seen = 0;
		io_uring_for_each_cqe(&U.ring, head, cqe) {
			uint64_t data = io_uring_cqe_get_data64(cqe);
			if ((data & (WATCH_TAG | ACCEPTOR_TAG)) == ACCEPTOR_TAG)
				acceptor_complete((struct acceptor *)(uintptr_t)(data & ~(uint64_t)ACCEPTOR_TAG), cqe);
			seen++;
		}
		io_uring_cq_advance(&U.ring, seen);
	}
}

static ssize_t uring_call(const struct co_call *c)
{
	struct co_call ready = { .kind = CO_CALL_POLL, .fd = c->fd, .deadline = c->deadline };
	ssize_t r, err;

	if (c->kind == CO_CALL_ACCEPT && c->addr == NULL && U.multishot_accept) {
		struct acceptor *a = acceptor_of(c->fd, true);
		if (a)
			return acceptor_call(a, c);
	}
	if (c->kind == CO_CALL_CLOSE) {
		struct acceptor *a = acceptor_of(c->fd, false);
		if (a)
			acceptor_close(a);
	}
	for (;;) {
		r = submit_and_park(c);
		if (c->kind == CO_CALL_POLL)
			return r > 0 ? 0 : r;
		/* Kernels that will not wait on an O_NONBLOCK descriptor say so. */
		if (r == -EAGAIN && c->kind != CO_CALL_CLOSE && c->kind != CO_CALL_CONNECT) {
			ready.events = c->kind == CO_CALL_WRITE ? CO_WRITABLE : CO_READABLE;
		} else if (r == -EINPROGRESS && c->kind == CO_CALL_CONNECT) {
			ready.events = CO_WRITABLE;
		} else {
			return r;
		}
		if ((err = submit_and_park(&ready)) < 0)
			return err;
		if (c->kind == CO_CALL_CONNECT)
			return co_connect_result(c->fd);
	}
}

static bool uring_release(struct co_task *t)
{
	struct uop *op = t->op;

	if (op->acc) {
		if (!op->done) {
			acceptor_leave(op);
			op->released = true;
		}
		co_loop.fd_waits--;
		return true;
	}
	if (!op->done && !op->released) {
		op->released = true;
		if (op->batch == U.batch) {         /* never went in: undo it here */
			io_uring_prep_nop(op->sqe);
			io_uring_sqe_set_data64(op->sqe, 0);
			op->sqe = NULL;
			op->res = -ECANCELED;
			op->done = true;
		} else {
			struct io_uring_sqe *sqe = get_sqe();
			io_uring_prep_cancel(sqe, op, 0);
			io_uring_sqe_set_data64(sqe, 0);
		}
	}
	if (!op->done)
		return false;
	co_loop.fd_waits--;
	return true;
}

/* Wait (or not, deadline 0) for completions; counts the enter it makes. */
static void wait_completions(int64_t deadline)
{
	int64_t left = deadline == CO_FOREVER ? 3600 * CO_S : deadline - co_now();
	struct __kernel_timespec ts = { .tv_sec = left / CO_S, .tv_nsec = left % CO_S };
	struct io_uring_cqe *cqe;
	bool pending = io_uring_sq_ready(&U.ring) > 0;
	int r;

	/* Not waiting: enter only with calls to hand in, or completions that the
	 * kernel holds until the loop enters (TASKRUN_FLAG says so), since tasks
	 * that are always runnable would never see them otherwise. */
	if (deadline == 0 || left <= 0) {
		if (pending || (IO_URING_READ_ONCE(*U.ring.sq.kflags) & IORING_SQ_TASKRUN))
			submit();
		return;
	}
	/* liburing enters (once: it is given a timeout) unless there is nothing to
	 * submit and a completion is already there. */
	if (pending || io_uring_cq_ready(&U.ring) == 0)
		CO_COUNT(IO_URING_ENTER);
	U.batch++;
	r = io_uring_submit_and_wait_timeout(&U.ring, &cqe, 1, &ts, NULL);
	if (r < 0 && r != -ETIME && r != -EINTR && r != -EAGAIN && r != -EBUSY) {
		fprintf(stderr, "coro: io_uring_enter (wait): %s\n", strerror(-r));
		abort();
	}
}

/* One completion: wake the task whose call it ends, or report a watch. */
static void complete(struct io_uring_cqe *cqe, int *fds, int max, int *found)
{
	uint64_t data = io_uring_cqe_get_data64(cqe);
	struct uop *op = (struct uop *)(uintptr_t)data;

	if (data == 0)
		return;                     /* a cancellation or a no-op */
	if ((data & (WATCH_TAG | ACCEPTOR_TAG)) == ACCEPTOR_TAG) {
		acceptor_complete((struct acceptor *)(uintptr_t)(data & ~(uint64_t)ACCEPTOR_TAG), cqe);
		return;
	}
	if (data & WATCH_TAG) {         /* a poll fails only on a descriptor gone: let it go */
		if (cqe->res > 0 && *found < max)
			fds[(*found)++] = (int)(data >> 1);
		if (cqe->res > 0)
			arm_watch((int)(data >> 1));
		return;
	}
	if (cqe->res == -ENOTSOCK && op->call.kind == CO_CALL_WRITE && !op->as_write &&
	    !op->released) {
		op->as_write = true;        /* a pipe or a file: send(2) refused it */
		prepare(op);
		return;
	}
	op->res = cqe->res;
	op->done = true;
	op->sqe = NULL;
	co_ready(op->task, op->released ? op->task->wake : op->res);
}

static int uring_poll(int *fds, int max, int64_t deadline)
{
	struct io_uring_cqe *cqe;
	unsigned head, seen = 0;
	int found = 0;

	wait_completions(deadline);
	io_uring_for_each_cqe(&U.ring, head, cqe) {
		complete(cqe, fds, max, &found);
		seen++;
	}
	io_uring_cq_advance(&U.ring, seen);
	return found;
}

const struct co_backend co_uring_backend = {
	.open = uring_open,
	.close = uring_close,
	.watch = uring_watch,
	.poll = uring_poll,
	.call = uring_call,
	.release = uring_release,
};

#else /* built without liburing */

static int uring_missing(char *why, size_t len)
{
	snprintf(why, len, "built without liburing (install liburing-dev and rebuild)");
	return -ENOSYS;
}

const struct co_backend co_uring_backend = { .open = uring_missing };

#endif
