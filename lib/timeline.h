/*
 * timeline.h - per-task start and end times, for the demos' timelines.
 *
 * When the environment variable CM_TIMELINE names a file, every task run
 * through tl_run_task records when it started and ended, which thread ran
 * it (its kernel thread id: a process's id for its main thread) and on
 * which CPU it started (sched_getcpu). tl_finish writes the records as CSV:
 *
 *   task,start_s,end_s,worker,cpu
 *
 * seconds since tl_begin, one row per task that ran, in task order. Without
 * CM_TIMELINE every call here does nothing beyond running the task.
 *
 * The records live in one pre-allocated array with a slot per task, in a
 * shared anonymous mapping: a task writes only its own slot, so threads need
 * no lock, and children fork()ed after tl_begin write straight into the
 * parent's copy. The parent reads the slots after joining or reaping.
 *
 * A model needs three lines:
 *   tl_begin(cli.wl.tasks);             after run_begin, before fanning out
 *   v = tl_run_task(&cli.wl, i);        in place of wl_run_task
 *   tl_finish(cli.model);               before run_finish, after joining
 * A model that runs a task some other way (a coroutine on the loop) calls
 * tl_task_start(i) and tl_task_end(i) around it instead of tl_run_task.
 */
#ifndef CM_TIMELINE_H
#define CM_TIMELINE_H

#include "workload.h"

/* Allocate a slot per task if CM_TIMELINE is set; 0, or -1 (message printed). */
int tl_begin(long tasks);

/* Mark task i started / ended on the calling thread. */
void tl_task_start(long i);
void tl_task_end(long i);

/* wl_run_task(p, i) between tl_task_start(i) and tl_task_end(i). */
u128 tl_run_task(const struct wl_params *p, long i);

/* Write the CSV to $CM_TIMELINE and free the slots; 0, or -1 (message printed). */
int tl_finish(const char *model);

/* Did tl_begin or tl_finish fail (the run then fails: run_finish)? */
bool tl_failed(void);

#endif
