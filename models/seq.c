/*
 * seq - the baseline: every task runs to completion before the next starts.
 *
 * Nothing overlaps, so the io and net workloads take T * d (the "await one
 * after another" lesson) and the cpu workload takes the sum of every task's
 * time.
 * Every other model is measured against this one.
 */
#include <stddef.h>

#include "cli.h"
#include "netserver.h"
#include "run.h"
#include "timeline.h"

int main(int argc, char **argv)
{
	struct cli cli;
	struct run run;
	struct netserver server;
	int status;

	switch (cli_parse(argc, argv, "seq", NULL, &cli)) {
	case CLI_DONE: return 0;
	case CLI_BAD: return 2;
	case CLI_RUN: break;
	}
	/* A pool of W sequential workers is still one worker. */
	cli.workers = cli.workers ? 1 : 0;
	if ((status = netserver_open(&cli, &server)) != 0)
		return status;
	run_begin(&run, &cli);
	tl_begin(cli.wl.tasks);
	for (long i = 0; i < cli.wl.tasks; i++)
		run_task_done(&run, i, tl_run_task(&cli.wl, i));
	tl_finish(cli.model);
	status = run_finish(&run);
	netserver_close(&server);
	return status;
}
