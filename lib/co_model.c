/*
 * co_model.c - the coroutine models' task bodies (see co_model.h).
 *
 *   io:  task i sleeps d ms (co_sleep); while it sleeps the others start.
 *   cpu: task i computes its sum without ever suspending.
 *   net: task i connects, sends its request and reads the answer with
 *        co_connect, co_write and co_read (lib/net_co.c). The main task
 *        opens task i's socket before spawning it, so running out of
 *        descriptors stops the spawning: "started k of T tasks: Too many
 *        open files", exit 3.
 * If spawning task k fails (guarded stacks past vm.max_map_count, or
 * memory), no more are spawned, the started ones finish and are
 * collected, and the run exits with status 3.
 */
#include "co_model.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net.h"
#include "timeline.h"

struct shared {
	const struct wl_params *wl;
	u128 *value;           /* value[i]: task i's result */
	bool *done;            /* done[i]: task i finished */
	int *fd;               /* net: fd[i], task i's socket, opened by the main task */
	struct run *run;
	long started;
};

static struct shared S;

static int one_task(void *arg, intptr_t *unused)
{
	long i = (long)(intptr_t)arg;
	int err = 0;

	(void)unused;
	tl_task_start(i);
	if (S.wl->kind == WL_NET) {
		err = net_co_exchange(S.fd[i], &S.wl->server, i, S.wl->ms);
		co_close(S.fd[i]);
		if (err == -ECANCELED)
			return err;
		S.value[i] = err == 0;
		S.done[i] = true;
		tl_task_end(i);
		return 0;
	}
	if (S.wl->kind == WL_IO)
		err = co_sleep(co_now() + S.wl->ms * CO_MS);
	if (err)
		return err;
	S.value[i] = S.wl->kind == WL_IO ? 1 : wl_run_task(S.wl, i);
	S.done[i] = true;
	tl_task_end(i);
	return 0;
}

/* The main task: spawn every task, then gather them all. */
static int fan_out(void *arg, intptr_t *unused)
{
	co_tid *id = arg;
	long tasks = S.wl->tasks;
	int err = 0;

	(void)unused;
	for (S.started = 0; S.started < tasks; S.started++) {
		long i = S.started;
		if (S.wl->kind == WL_NET && (err = S.fd[i] = net_socket()) < 0)
			break;
		err = co_spawn(&id[i], one_task, (void *)(intptr_t)i);
		if (err) {
			if (S.wl->kind == WL_NET)
				co_close(S.fd[i]);
			break;
		}
	}
	if (err)
		run_shortfall(S.run, "tasks", S.started, tasks, -err);
	return co_gather(id, (size_t)S.started, NULL, NULL);
}

int co_model_run(const struct cli *cli, struct run *run, const struct co_config *cfg,
		 struct co_stats *st)
{
	long tasks = cli->wl.tasks;
	co_tid *id = calloc((size_t)tasks, sizeof *id);
	int err;

	S = (struct shared){ .wl = &cli->wl, .run = run };
	S.value = calloc((size_t)tasks, sizeof *S.value);
	S.done = calloc((size_t)tasks, sizeof *S.done);
	S.fd = calloc((size_t)tasks, sizeof *S.fd);
	if (!id || !S.value || !S.done || !S.fd) {
		fprintf(stderr, "%s: calloc for %ld tasks: out of memory\n", cli->model, tasks);
		free(id);
		free(S.value);
		free(S.done);
		free(S.fd);
		return 3;
	}
	run_begin(run, cli);
	tl_begin(tasks);
	err = co_run(fan_out, id, NULL, cfg);
	if (err && err != -ENOMEM)
		fprintf(stderr, "%s: co_run: %s\n", cli->model, strerror(-err));
	for (long i = 0; i < tasks; i++)
		if (S.done[i])
			run_task_done(run, i, S.value[i]);
	co_stats(st);
	free(S.fd);
	free(id);
	free(S.value);
	free(S.done);
	return 0;
}

/* The loop's system calls by kind as a JSON object, each divided by per. */
static void syscalls_json(const struct co_stats *st, double per, char *buf, size_t len)
{
	uint64_t total = 0;
	size_t n = 0;

	for (int k = 0; k < CO_SYS_KINDS; k++) {
		n += (size_t)snprintf(buf + n, len - n, "%s\"%s\":%.6g", k ? "," : "{",
				      co_sys_names[k], (double)st->syscalls[k] / per);
		total += st->syscalls[k];
	}
	snprintf(buf + n, len - n, ",\"total\":%.6g}", (double)total / per);
}

void co_model_extras(struct run *run, const struct co_stats *st, long tasks)
{
	char sys[300];

	syscalls_json(st, 1, sys, sizeof sys);
	run_extra_json(run, "syscalls", sys);
	syscalls_json(st, (double)tasks, sys, sizeof sys);
	run_extra_json(run, "syscalls_per_task", sys);
	run_extra_int(run, "switches", (long long)st->switches);
	run_extra_int(run, "guarded_stacks", st->guarded_live_max);
	run_extra_int(run, "copy_tasks", st->copy_live_max);
}
