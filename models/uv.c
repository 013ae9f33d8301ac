/*
 * uv - libuv: callbacks on one event loop, no coroutines. A task is a
 * handle and the functions the loop calls when something happens to it;
 * there is no stack to come back to, so a task's state lives in a struct
 * that every callback receives (the "done callbacks" of the asyncio
 * lessons, with nothing else).
 *
 *   io:  one uv_timer per task, all started at once: T waits of d take
 *        about d, and a waiting task costs one timer in the loop's heap.
 *   net: one uv_tcp per task: connect, write the request, read to end of
 *        file, each step a callback; plus one uv_timer per request, its
 *        deadline (--timeout-ms, default 10*d + 5000 ms). Failures are
 *        recorded and counted as lib/net.c does (net_report), and the run's
 *        one line is printed at the end. After a first expiry no more
 *        requests start. If a socket cannot be had, none start either:
 *        "started k of T tasks: Too many open files", exit 3, as coro.c.
 *   cpu: uv_queue_work: each task's sum runs on libuv's thread pool and
 *        its total comes back to the loop in a callback. The pool has 4
 *        threads unless UV_THREADPOOL_SIZE says otherwise (libuv reads it
 *        once, at the first work request); --workers W sets it to W
 *        (libuv caps it at 1024).
 *   --workers W, io and net: W chains of callbacks, each starting the next
 *        task from a shared counter when its task ends.
 *
 * Every handle is closed before the loop ends, and the loop is closed
 * after the report, so leaked_fds counts what the model itself left open.
 * CM_TIMELINE=FILE records each task (lib/timeline.h): io and net tasks
 * all on the loop's thread, cpu tasks on the pool's threads.
 * JSON extra: threadpool (cpu: the pool's size).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "cli.h"
#include "http.h"
#include "net.h"
#include "netserver.h"
#include "run.h"
#include "timeline.h"

#define UV_POOL_MAX 1024   /* libuv's own cap on UV_THREADPOOL_SIZE */

static uv_loop_t loop;
static struct cli cli;
static struct run run;
static long next_task;     /* io and net: the next task index to start */
static bool stop_starting; /* net: out of sockets, start no more */

/* ---- io: a timer per task ---- */

struct io_task {
	uv_timer_t timer;
	long i;                /* the task it is waiting for */
	bool chain;            /* a pool's: reused for the next task */
};

static void io_fired(uv_timer_t *t)
{
	struct io_task *w = t->data;

	tl_task_end(w->i);
	run_task_done(&run, w->i, 1);
	if (w->chain && next_task < cli.wl.tasks) {
		w->i = next_task++;
		tl_task_start(w->i);
		uv_timer_start(t, io_fired, (uint64_t)cli.wl.ms, 0);
		return;
	}
	uv_close((uv_handle_t *)t, NULL);
}

/* chains == 0: one timer per task; else `chains` timers, each reused. */
static void io_start(struct io_task *tasks, long chains)
{
	long count = chains ? chains : cli.wl.tasks;

	/* Timers count from the loop's cached time: bring it up to date first. */
	uv_update_time(&loop);
	for (long k = 0; k < count; k++) {
		tasks[k] = (struct io_task){ .i = k, .chain = chains > 0 };
		uv_timer_init(&loop, &tasks[k].timer);
		tasks[k].timer.data = &tasks[k];
		tl_task_start(k);
		uv_timer_start(&tasks[k].timer, io_fired, (uint64_t)cli.wl.ms, 0);
	}
	next_task = count;
}

/* ---- cpu: a work request per task on libuv's pool ---- */

struct cpu_task {
	uv_work_t work;
	long i;
	u128 value;
};

static void cpu_work(uv_work_t *w)
{
	struct cpu_task *t = w->data;

	t->value = tl_run_task(&cli.wl, t->i);
}

static void cpu_done(uv_work_t *w, int status)
{
	struct cpu_task *t = w->data;

	if (status == 0)
		run_task_done(&run, t->i, t->value);
}

static void cpu_start(struct cpu_task *tasks)
{
	for (long i = 0; i < cli.wl.tasks; i++) {
		tasks[i] = (struct cpu_task){ .i = i };
		tasks[i].work.data = &tasks[i];
		uv_queue_work(&loop, &tasks[i].work, cpu_work, cpu_done);
	}
}

/* The pool's size: --workers, else UV_THREADPOOL_SIZE, else libuv's 4. */
static long pool_size(void)
{
	char text[24];
	long long size = 4;

	if (cli.workers) {
		size = cli.workers < UV_POOL_MAX ? cli.workers : UV_POOL_MAX;
		snprintf(text, sizeof text, "%lld", size);
		setenv("UV_THREADPOOL_SIZE", text, 1);
	} else if (getenv("UV_THREADPOOL_SIZE")) {
		size = atoll(getenv("UV_THREADPOOL_SIZE"));
		size = size < 1 ? 1 : size > UV_POOL_MAX ? UV_POOL_MAX : size;
	}
	return (long)size;
}

/* ---- net: a socket and a deadline timer per request ---- */

enum outcome { PENDING, ANSWERED, FAILED, LATE, EXHAUSTED };

struct request {
	uv_tcp_t tcp;
	uv_timer_t deadline;
	uv_connect_t connect;
	uv_write_t write;
	long i;
	bool chain;            /* a pool's: start the next task when this one ends */
	int open_handles;      /* closed when both tcp and deadline are */
	enum outcome outcome;
	char out[HTTP_HEAD_MAX], got[NET_ANSWER_MAX];
	size_t got_len;
};

static void net_start(struct request *r, long i);

/* Both handles closed: record the outcome, and go on if a pool's chain. */
static void net_closed(uv_handle_t *h)
{
	struct request *r = h->data;

	if (--r->open_handles > 0)
		return;
	if (r->outcome == ANSWERED)
		run_task_done(&run, r->i, 1);
	if (r->chain && !stop_starting && !net_given_up() && next_task < cli.wl.tasks)
		net_start(r, next_task++);
}

/*
 * End request r (once): record a failure (err a libuv error, -errno), and
 * close its handles. A request that ran out of sockets is the shortfall's.
 */
static void net_end(struct request *r, enum outcome how, const char *call, int err)
{
	if (r->outcome != PENDING)
		return;
	r->outcome = how;
	tl_task_end(r->i);
	if (how == ANSWERED)
		net_completed();
	else if (how == LATE)
		net_report(call, r->i, &cli.wl.server, ETIMEDOUT);
	else if (how == FAILED)
		net_report(call, r->i, &cli.wl.server, -err);
	uv_close((uv_handle_t *)&r->tcp, net_closed);
	uv_close((uv_handle_t *)&r->deadline, net_closed);
}

/* The deadline's line names no call: it says how many requests completed. */
static void net_late(uv_timer_t *t)
{
	net_end(t->data, LATE, "request", 0);
}

static void net_alloc(uv_handle_t *h, size_t hint, uv_buf_t *buf)
{
	struct request *r = h->data;

	(void)hint;
	*buf = uv_buf_init(r->got + r->got_len, (unsigned)(sizeof r->got - r->got_len));
}

static void net_read(uv_stream_t *s, ssize_t n, const uv_buf_t *buf)
{
	struct request *r = s->data;

	(void)buf;
	if (n == UV_EOF) {
		if (http_answer_ok(r->got, r->got_len, r->i, cli.wl.ms))
			net_end(r, ANSWERED, NULL, 0);
		else
			net_end(r, FAILED, "answer", -EPROTO);
	} else if (n < 0) {
		net_end(r, FAILED, "read", (int)n);
	} else if ((r->got_len += (size_t)n) == sizeof r->got) {
		net_end(r, FAILED, "answer", -EPROTO);
	}
}

static void net_written(uv_write_t *w, int status)
{
	if (status < 0 && status != UV_ECANCELED)
		net_end(w->data, FAILED, "send", status);
}

static void net_connected(uv_connect_t *c, int status)
{
	struct request *r = c->data;
	uv_buf_t buf = uv_buf_init(r->out, (unsigned)http_request_text(r->out, r->i, cli.wl.ms));

	if (status == UV_ECANCELED)
		return;
	if (status < 0) {
		net_end(r, FAILED, "connect", status);
		return;
	}
	uv_write(&r->write, (uv_stream_t *)&r->tcp, &buf, 1, net_written);
	uv_read_start((uv_stream_t *)&r->tcp, net_alloc, net_read);
}

/* Start task i's request in r; out of sockets, stop starting any. */
static void net_start(struct request *r, long i)
{
	bool chain = r->chain;
	int err;

	*r = (struct request){ .i = i, .chain = chain, .open_handles = 2 };
	r->tcp.data = r->deadline.data = r->connect.data = r->write.data = r;
	uv_tcp_init(&loop, &r->tcp);
	uv_timer_init(&loop, &r->deadline);
	/* A fan-out of thousands takes a while: count this one's deadline from now. */
	uv_update_time(&loop);
	tl_task_start(i);
	uv_timer_start(&r->deadline, net_late, (uint64_t)cli.timeout_ms, 0);
	err = uv_tcp_connect(&r->connect, &r->tcp, (const struct sockaddr *)&cli.wl.server,
			     net_connected);
	if (err == 0)
		return;
	if (net_exhausted(-err)) {
		if (!stop_starting)
			run_shortfall(&run, "tasks", i, cli.wl.tasks, -err);
		stop_starting = true;
	}
	net_end(r, net_exhausted(-err) ? EXHAUSTED : FAILED, "connect", err);
}

/* chains == 0: every request at once; else `chains` chains of requests. */
static void net_fan_out(struct request *reqs, long chains)
{
	long count = chains ? chains : cli.wl.tasks;

	next_task = count;
	for (long k = 0; k < count && !stop_starting; k++) {
		reqs[k].chain = chains > 0;
		net_start(&reqs[k], k);
	}
}

/*
 * The loop opens a descriptor of its own with its first stream (/dev/null,
 * held in reserve for accept's EMFILE trick) and closes it in
 * uv_loop_close. Open it now, before the count at run_begin, so that it is
 * not counted as leaked.
 */
static void reserve_loop_fds(void)
{
	uv_tcp_t tcp;

	uv_tcp_init(&loop, &tcp);
	uv_close((uv_handle_t *)&tcp, NULL);
	uv_run(&loop, UV_RUN_NOWAIT);
}

int main(int argc, char **argv)
{
	struct netserver server;
	void *slots;
	int status;

	switch (cli_parse(argc, argv, "uv", NULL, &cli)) {
	case CLI_DONE: return 0;
	case CLI_BAD: return 2;
	case CLI_RUN: break;
	}
	long tasks = cli.wl.tasks;
	long chains = cli.workers < tasks ? cli.workers : tasks;
	size_t size = cli.wl.kind == WL_IO ? sizeof(struct io_task)
		      : cli.wl.kind == WL_NET ? sizeof(struct request) : sizeof(struct cpu_task);
	slots = calloc((size_t)(chains && cli.wl.kind != WL_CPU ? chains : tasks), size);
	if (slots == NULL) {
		fprintf(stderr, "uv: calloc for %ld tasks: out of memory\n", tasks);
		return 3;
	}
	if ((status = netserver_open(&cli, &server)) != 0) {
		free(slots);
		return status;
	}
	uv_loop_init(&loop);
	reserve_loop_fds();
	cli.workers = chains;
	run_begin(&run, &cli);
	tl_begin(tasks);
	if (cli.wl.kind == WL_CPU) {
		run_extra_int(&run, "threadpool", pool_size());
		cpu_start(slots);
	} else if (cli.wl.kind == WL_IO) {
		io_start(slots, chains);
	} else {
		net_fan_out(slots, chains);
	}
	uv_run(&loop, UV_RUN_DEFAULT);
	tl_finish(cli.model);
	status = run_finish(&run);
	uv_loop_close(&loop);
	netserver_close(&server);
	free(slots);
	return status;
}
