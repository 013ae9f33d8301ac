/*
 * coro - every task is a coroutine on one loop in one thread (coro/coro.h):
 * the C twin of asyncio.gather.
 *
 *   io:  task i sleeps d ms on the loop (co_sleep); while it sleeps, the
 *        others start, so T tasks take about d, not T * d, and a million
 *        fit (--stack auto moves to copy stacks past 64 tasks).
 *   cpu: task i computes its sum without ever suspending, so the tasks run
 *        one after another on the one thread: no speedup over seq, which is
 *        the point.
 *   net: task i connects, sends its request and reads the answer with the
 *        loop's co_connect, co_write and co_read (lib/net_co.c), parking on
 *        EAGAIN, so ten thousand requests wait at once in one thread. The
 *        main task opens task i's socket before spawning it, so running out
 *        of descriptors stops the spawning: "started k of T tasks: Too many
 *        open files", exit 3. The server is private (lib/netserver.h)
 *        unless --connect names one.
 *
 * --stack guarded|copy|auto picks the coroutine stacks (trade-off in
 * coro/coro.h); --backend epoll|uring how the loop asks the kernel
 * (readiness or completion; the private server stays on epoll, so both
 * meet the same server). Where uring cannot run, one line says why, exit 3. If spawning task k fails (guarded stacks past
 * vm.max_map_count, or memory), no more are spawned, the started ones
 * finish and are collected, and the run exits with status 3.
 * JSON extras: stack, backend, switches, guarded_stacks and copy_tasks
 * (peaks), syscalls (the loop's system calls by kind, and their total) and
 * syscalls_per_task (the same divided by the tasks). The task bodies are
 * lib/co_model.c's, shared with models/mn.c, this model on W loops.
 */
#include <stdio.h>

#include "cli.h"
#include "co_model.h"
#include "coro.h"
#include "netserver.h"
#include "run.h"
#include "timeline.h"

int main(int argc, char **argv)
{
	long long stack = CO_STACK_AUTO, backend = CO_BACKEND_EPOLL;
	const struct cli_extra extras[] = {
		{ "stack", "coroutine stacks: guarded, copy or auto (default auto)",
		  0, 0, co_stack_names, &stack },
		{ "backend", "how the loop asks the kernel: epoll or uring (default epoll)",
		  0, 0, co_backend_names, &backend },
		{ 0 },
	};
	struct cli cli;
	struct run run;
	struct co_stats st;

	switch (cli_parse(argc, argv, "coro", extras, &cli)) {
	case CLI_DONE: return 0;
	case CLI_BAD: return 2;
	case CLI_RUN: break;
	}
	if (cli.workers > 0) {
		fprintf(stderr, "coro: --workers %ld: not used by this model (one loop thread "
			"runs every task)\n", cli.workers);
		return 2;
	}
	if (co_backend_usable((enum co_backend_kind)backend, "coro") != 0)
		return 3;
	struct netserver server;
	int err = netserver_open(&cli, &server);
	if (err != 0)
		return err;
	struct co_config cfg = { .stack = (enum co_stack_mode)stack,
				 .backend = (enum co_backend_kind)backend };
	if ((err = co_model_run(&cli, &run, &cfg, &st)) != 0) {
		netserver_close(&server);
		return err;
	}
	run_extra_str(&run, "stack", co_stack_names[stack]);
	run_extra_str(&run, "backend", co_backend_names[backend]);
	co_model_extras(&run, &st, cli.wl.tasks);
	tl_finish(cli.model);

	int status = run_finish(&run);
	netserver_close(&server);
	return status;
}
