/*
 * co_model.h - the task bodies and the run that models/coro.c (one loop)
 * and models/mn.c (W loops, coro/sched.c) share: the io, cpu and net
 * workloads as coroutines, the main task that spawns and gathers them, and
 * the JSON extras every coroutine model reports.
 */
#ifndef CM_CO_MODEL_H
#define CM_CO_MODEL_H

#include "cli.h"
#include "coro.h"
#include "run.h"

/*
 * Run cli's workload as one task per unit on the loop(s) cfg describes,
 * record each finished task in run, and fill *st from co_stats. 0, or the
 * exit status (3: out of memory) after a line on stderr.
 */
int co_model_run(const struct cli *cli, struct run *run, const struct co_config *cfg,
		 struct co_stats *st);

/* The extras both report: syscalls (and per task), switches, stack peaks. */
void co_model_extras(struct run *run, const struct co_stats *st, long tasks);

#endif
