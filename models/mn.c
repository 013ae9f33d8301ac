/*
 * mn - every task is a coroutine, and the coroutines run on W scheduler
 * threads that steal work from each other (coro/sched.c): the M:N twin of
 * models/coro.c, the model of Go's goroutines and Tokio's tasks.
 *
 *   io:  task i sleeps d ms; a million fit, as on one loop (past 64 tasks
 *        they are copy-stack tasks, which stay on the loop they started
 *        on; they spread over the loops while still unstarted).
 *   cpu: task i computes its sum without suspending; the main task spawns
 *        them all on loop 0 and the idle loops steal them, so W loops give
 *        up to W times the speed of one: cheap tasks and every core.
 *   net: as coro's, over W loops (a task woken from a descriptor wait
 *        resumes on the loop that watched it).
 *
 * --workers W: scheduler threads, 1..CO_LOOPS_MAX (default: the online CPU
 * count); --steal on|off (off: each loop runs what lands on it, to measure
 * what stealing buys); --stack, --backend as coro's. The task bodies are
 * lib/co_model.c's, shared with coro.
 * JSON extras: coro's, and loops, steal, steals (tasks taken from another
 * loop), migrations (resumes on another loop than the last), xwakeups
 * (wake-ups sent to a task parked on another loop) and tasks_per_loop.
 */
#include <stdio.h>
#include <unistd.h>

#include "cli.h"
#include "co_model.h"
#include "coro.h"
#include "netserver.h"
#include "run.h"
#include "timeline.h"

static const char *const on_off[] = { "on", "off", NULL };

static void per_loop_json(const struct co_stats *st, char *buf, size_t len)
{
	size_t n = 0;

	for (int k = 0; k < st->loops && n < len; k++)
		n += (size_t)snprintf(buf + n, len - n, "%s%llu", k ? "," : "[",
				      (unsigned long long)st->tasks_per_loop[k]);
	if (n < len)
		snprintf(buf + n, len - n, "]");
}

int main(int argc, char **argv)
{
	long long stack = CO_STACK_AUTO, backend = CO_BACKEND_EPOLL, steal = 0;
	const struct cli_extra extras[] = {
		{ "stack", "coroutine stacks: guarded, copy or auto (default auto)",
		  0, 0, co_stack_names, &stack },
		{ "backend", "how the loops ask the kernel: epoll or uring (default epoll)",
		  0, 0, co_backend_names, &backend },
		{ "steal", "idle loops take work from busy ones: on or off (default on)",
		  0, 0, on_off, &steal },
		{ 0 },
	};
	struct cli cli;
	struct run run;
	struct co_stats st;
	char buf[600];

	switch (cli_parse(argc, argv, "mn", extras, &cli)) {
	case CLI_DONE: return 0;
	case CLI_BAD: return 2;
	case CLI_RUN: break;
	}
	if (cli.workers > CO_LOOPS_MAX) {
		fprintf(stderr, "mn: --workers: invalid value '%ld' (accepted: 1..%d)\n",
			cli.workers, CO_LOOPS_MAX);
		return 2;
	}
	if (cli.workers == 0) {
		long cpus = sysconf(_SC_NPROCESSORS_ONLN);
		cli.workers = cpus < 1 ? 1 : cpus > CO_LOOPS_MAX ? CO_LOOPS_MAX : cpus;
	}
	if (co_backend_usable((enum co_backend_kind)backend, "mn") != 0)
		return 3;
	struct netserver server;
	int err = netserver_open(&cli, &server);
	if (err != 0)
		return err;
	struct co_config cfg = { .stack = (enum co_stack_mode)stack,
				 .backend = (enum co_backend_kind)backend,
				 .loops = (int)cli.workers, .no_steal = steal == 1 };
	if ((err = co_model_run(&cli, &run, &cfg, &st)) != 0) {
		netserver_close(&server);
		return err;
	}
	run_extra_str(&run, "stack", co_stack_names[stack]);
	run_extra_str(&run, "backend", co_backend_names[backend]);
	co_model_extras(&run, &st, cli.wl.tasks);
	run_extra_int(&run, "loops", st.loops);
	run_extra_str(&run, "steal", on_off[steal]);
	run_extra_int(&run, "steals", (long long)st.steals);
	run_extra_int(&run, "migrations", (long long)st.migrations);
	run_extra_int(&run, "xwakeups", (long long)st.xwakeups);
	per_loop_json(&st, buf, sizeof buf);
	run_extra_json(&run, "tasks_per_loop", buf);
	tl_finish(cli.model);

	int status = run_finish(&run);
	netserver_close(&server);
	return status;
}
