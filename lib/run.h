/*
 * run.h - what every model does around its fan-out: time it, add up the
 * task values, verify the total, report, and pick the exit status.
 *
 *   struct run r;
 *   run_begin(&r, &cli);
 *   ... fan out; run_task_done(&r, i, value) for each finished task ...
 *   ... on exhaustion: run_shortfall(&r, "tasks", k, T, errno) ...
 *   return run_finish(&r);
 *
 * Exit status: 0 verified; 1 wrong or missing results, a failed request
 * (net.h: its one line is printed here) or a report or timeline not
 * written; 3 out of a resource (a shortfall, or requests out of descriptors).
 * With --json the report is one JSON object on stdout with the keys the
 * harness reads: model, workload, tasks, workers, wall_s, user_s, sys_s,
 * max_rss_kb, ctx_voluntary, ctx_involuntary (getrusage, children included),
 * completed, result, ok, leaked_fds (descriptors open at the end that were
 * not open at the start), plus any extras a model adds.
 */
#ifndef CM_RUN_H
#define CM_RUN_H

#include <stdbool.h>
#include <stdint.h>
#include "cli.h"
#include "measure.h"
#include "workload.h"

#define RUN_MAX_EXTRAS 16

struct run_extra {
	const char *key;
	char text[640];  /* already formatted as a JSON value */
};

struct run {
	const struct cli *cli;
	uint64_t start_ns;
	u128 total;             /* sum of task values */
	long done;              /* tasks that reported */
	bool failed;            /* a task failed (e.g. a child exited non-zero) */
	char shortfall[160];    /* set when the model ran out of a resource */
	long workers;           /* the workers actually used (0: one per task) */
	int fds_at_start;       /* open descriptors at run_begin, to catch leaks */
	struct run_extra extras[RUN_MAX_EXTRAS];
	int nextras;
};

void run_begin(struct run *r, const struct cli *cli);

/* Record task i's value. Not thread-safe: call from one thread. */
void run_task_done(struct run *r, long i, u128 value);

/*
 * Record that creating workers stopped at `started` of `wanted` (`what` is
 * "tasks" or "workers") because of errno value err. The model must still
 * let the started ones finish and join or reap them before run_finish.
 */
void run_shortfall(struct run *r, const char *what, long started, long wanted, int err);

/* Extra JSON keys a model reports beside the common ones. */
void run_extra_int(struct run *r, const char *key, long long v);
void run_extra_num(struct run *r, const char *key, double v);
void run_extra_str(struct run *r, const char *key, const char *v);
void run_extra_json(struct run *r, const char *key, const char *json);   /* as is */

/* Verify, print the report, and return the exit status. */
int run_finish(struct run *r);

#endif
