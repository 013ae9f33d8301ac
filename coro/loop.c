/*
 * loop.c - the scheduler: a FIFO run queue, timers of absolute
 * CLOCK_MONOTONIC deadlines (timer.c; a timerfd armed at the earliest one,
 * so they fire with sub-millisecond precision and never early), descriptor
 * waits through the backend (loop_epoll.c), and co_run, which owns it all.
 *
 * Tasks switch only to the scheduler and back (as in libtask): the
 * scheduler runs on co_run's own stack, which is what lets copy-mode tasks
 * share one stack.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "coro_impl.h"

_Thread_local struct co_loop co_loop;

const char *const co_stack_names[] = { "auto", "guarded", "copy", NULL };

int64_t co_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * CO_S + ts.tv_nsec;
}

/* Misuse check at every entry point: the loop must run on this thread. */
bool co_usable(const char *call)
{
	if (co_loop.state == CO_LOOP_RUNNING && co_loop.current)
		return true;
	if (co_loop.state == CO_LOOP_DONE)
		fprintf(stderr, "%s: the loop has shut down (called after co_run returned)\n", call);
	else if (co_loop.state == CO_LOOP_NONE)
		fprintf(stderr, "%s: no loop runs on this thread (called from another thread, "
			"or before co_run)\n", call);
	else
		fprintf(stderr, "%s: called outside a task\n", call);
	return false;
}

/* ---- Run queue ---- */

void co_enqueue(struct co_task *t)
{
	t->next = NULL;
	if (co_loop.runq_tail)
		co_loop.runq_tail->next = t;
	else
		co_loop.runq_head = t;
	co_loop.runq_tail = t;
	co_loop.runnable++;
}

static struct co_task *dequeue(void)
{
	struct co_task *t = co_loop.runq_head;

	co_loop.runq_head = t->next;
	if (co_loop.runq_head == NULL)
		co_loop.runq_tail = NULL;
	co_loop.runnable--;
	return t;
}

/* ---- Parking and waking ---- */

static void unpark(struct co_task *t)
{
	if (t->timed)
		co_timer_del(t);
	if (t->park == CO_PARK_FD)
		co_fd_unwatch(t);
	t->park = CO_PARK_NONE;
}

/* Make parked task t runnable; its suspension point returns wake. */
void co_ready(struct co_task *t, int wake)
{
	if (t->park == CO_PARK_NONE)
		return;
	unpark(t);
	t->wake = wake;
	co_enqueue(t);
}

/* A cancel was pending at co_park: undo what the caller registered. */
static __attribute__((noinline, cold)) int park_cancelled(struct co_task *t, enum co_park why)
{
	t->park = why;
	t->cancel_pending = false;
	unpark(t);
	return -ECANCELED;
}

/*
 * Suspend the running task until co_ready (or the deadline: 0 for a sleep,
 * -ETIMEDOUT otherwise). A pending cancel is delivered instead, at once.
 * The caller has registered whatever will wake it. The cancel path is a
 * function of its own so that this frame, which every parked task keeps
 * (and a copy task saves), holds one register.
 */
int co_park(enum co_park why, int64_t deadline)
{
	struct co_task *t = co_loop.current;

	if (t->cancel_pending)
		return park_cancelled(t, why);
	t->park = why;
	t->deadline = deadline;
	if (deadline != CO_FOREVER)
		co_timer_add(t);
	co_switch_out(t, false);
	return t->wake;
}

/* ---- Descriptors ---- */

static struct co_task **fd_slot(struct co_fd_waiters *w, int events)
{
	return events == CO_READABLE ? &w->reader : &w->writer;
}

static int fd_resync(int fd)
{
	struct co_fd_waiters *w = &co_loop.fds[fd];
	int want = (w->reader ? CO_READABLE : 0) | (w->writer ? CO_WRITABLE : 0);
	int err = co_backend_set(co_loop.backend, fd, w->registered, want);

	if (err == 0)
		w->registered = want;
	return err;
}

/* Register t as fd's one reader or one writer (events is one of them). */
int co_fd_watch(struct co_task *t, int fd, int events)
{
	if (fd < 0 || (events != CO_READABLE && events != CO_WRITABLE))
		return -EINVAL;
	if (fd >= co_loop.nfds) {
		int n = fd + 64;
		struct co_fd_waiters *f = realloc(co_loop.fds, (size_t)n * sizeof *f);
		if (f == NULL)
			return -ENOMEM;
		memset(f + co_loop.nfds, 0, (size_t)(n - co_loop.nfds) * sizeof *f);
		co_loop.fds = f;
		co_loop.nfds = n;
	}
	struct co_task **slot = fd_slot(&co_loop.fds[fd], events);
	if (*slot)
		return -EBUSY;
	*slot = t;
	int err = fd_resync(fd);
	if (err) {
		*slot = NULL;
		return err;
	}
	t->fd = fd;
	t->fd_events = events;
	co_loop.fd_waits++;
	return 0;
}

void co_fd_unwatch(struct co_task *t)
{
	*fd_slot(&co_loop.fds[t->fd], t->fd_events) = NULL;
	/* A descriptor closed meanwhile has left epoll already: nothing to undo. */
	if (fd_resync(t->fd) != 0)
		co_loop.fds[t->fd].registered = 0;
	co_loop.fd_waits--;
}

static void fd_ready(const struct co_event *ev)
{
	struct co_fd_waiters *w;

	if (ev->fd >= co_loop.nfds)
		return;
	w = &co_loop.fds[ev->fd];
	if ((ev->events & CO_READABLE) && w->reader)
		co_ready(w->reader, 0);
	if ((ev->events & CO_WRITABLE) && w->writer)
		co_ready(w->writer, 0);
}

/* ---- One turn of the loop ---- */

static void arm_timer(void)
{
	struct co_task *first = co_timer_first();
	int64_t next = first ? first->deadline : CO_FOREVER;
	struct itimerspec its = { 0 };

	if (next == co_loop.timer_armed)
		return;
	if (next != CO_FOREVER) {
		its.it_value.tv_sec = next / CO_S;
		its.it_value.tv_nsec = next % CO_S;
	}
	if (timerfd_settime(co_loop.timer_fd, TFD_TIMER_ABSTIME, &its, NULL) != 0) {
		fprintf(stderr, "coro: timerfd_settime at %lld ns: %s\n", (long long)next,
			strerror(errno));
		abort();
	}
	co_loop.timer_armed = next;
}

static void fire_timers(void)
{
	int64_t now = co_now();

	struct co_task *t;

	while ((t = co_timer_first()) != NULL && t->deadline <= now)
		co_ready(t, t->park == CO_PARK_SLEEP ? 0 : -ETIMEDOUT);
}

/* Wait for descriptors, timers or offload completions (block: as long as needed). */
static void poll_once(bool block)
{
	struct co_event ev[256];
	uint64_t ticks;

	arm_timer();
	int n = co_backend_poll(co_loop.backend, ev, 256, block ? -1 : 0);
	for (int i = 0; i < n; i++) {
		if (ev[i].fd == co_loop.timer_fd) {
			if (read(co_loop.timer_fd, &ticks, sizeof ticks) < 0)
				co_loop.timer_armed = CO_FOREVER - 1;   /* re-arm next turn */
			else
				co_loop.timer_armed = CO_FOREVER;
		} else if (co_offload_fd(ev[i].fd)) {
			co_offload_drain();
		} else {
			fd_ready(&ev[i]);
		}
	}
	fire_timers();
}

/* Run each task that is runnable now once (new arrivals wait a turn). */
static void run_ready(void)
{
	for (long n = co_loop.runnable; n > 0; n--) {
		struct co_task *t = dequeue();
		co_switch_in(t);
		if (t->done) {
			co_task_unstack(t);
			if (t->detached)
				co_task_free(t);
		}
	}
}

static void turn(void)
{
	run_ready();
	if (co_loop.unfinished == 0)
		return;
	if (co_loop.runnable == 0 && co_loop.timers.live == 0 && co_loop.fd_waits == 0 &&
	    co_loop.jobs == 0) {
		fprintf(stderr, "co_run: %ld tasks wait for each other and nothing can wake "
			"them; cancelling them\n", co_loop.unfinished);
		co_cancel_all();
		return;
	}
	poll_once(co_loop.runnable == 0);
}

/* ---- co_run ---- */

static int loop_open(const struct co_config *cfg)
{
	memset(&co_loop, 0, sizeof co_loop);
	if (cfg)
		co_loop.cfg = *cfg;
	co_loop.timer_armed = CO_FOREVER;
	co_loop.backend = co_backend_new();
	if (co_loop.backend < 0)
		return co_loop.backend;
	co_loop.timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (co_loop.timer_fd < 0) {
		fprintf(stderr, "co_run: timerfd_create: %s\n", strerror(errno));
		close(co_loop.backend);
		return -errno;
	}
	int err = co_backend_set(co_loop.backend, co_loop.timer_fd, 0, CO_READABLE);
	if (err == 0)
		err = co_stack_setup();
	if (err) {
		close(co_loop.timer_fd);
		close(co_loop.backend);
		return err;
	}
	co_loop.state = CO_LOOP_RUNNING;
	return 0;
}

static void loop_close(void)
{
	co_tasks_teardown();
	co_offload_teardown();
	co_stack_teardown();
	co_arena_teardown();
	close(co_loop.timer_fd);
	close(co_loop.backend);
	co_timers_teardown();
	free(co_loop.fds);
	co_loop.state = CO_LOOP_DONE;
}

int co_run(co_fn main, void *arg, intptr_t *value, const struct co_config *cfg)
{
	co_tid id;
	int err;

	if (co_loop.state == CO_LOOP_RUNNING) {
		fprintf(stderr, "co_run: a loop already runs on this thread\n");
		return -EPERM;
	}
	err = loop_open(cfg);
	if (err)
		return err;
	err = co_spawn_main(&id, main, arg);
	if (err) {
		loop_close();
		return err;
	}
	struct co_task *m = co_task_lookup(id);
	while (!m->done)
		turn();
	err = m->status;
	if (value)
		*value = m->value;
	co_cancel_all();
	while (co_loop.unfinished > 0)
		turn();
	loop_close();
	return err;
}

void co_stats(struct co_stats *out)
{
	*out = co_loop.stats;
}
