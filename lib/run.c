/* run.c - timing, verification and the report every model prints (see run.h). */
#define _GNU_SOURCE
#include "run.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>

#include "net.h"
#include "timeline.h"

/* Entries of /proc/self/fd, less the one opendir itself holds. */
static int open_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	int n = 0;

	if (d == NULL)
		return -1;
	while (readdir(d) != NULL)
		n++;
	closedir(d);
	return n - 3;   /* ".", ".." and the directory's own descriptor */
}

void run_begin(struct run *r, const struct cli *cli)
{
	memset(r, 0, sizeof *r);
	r->cli = cli;
	r->workers = cli->workers;
	r->fds_at_start = open_fds();
	r->start_ns = now_ns();
}

void run_task_done(struct run *r, long i, u128 value)
{
	(void)i;
	r->total += value;
	r->done++;
}

void run_shortfall(struct run *r, const char *what, long started, long wanted, int err)
{
	snprintf(r->shortfall, sizeof r->shortfall, "%s: started %ld of %ld %s: %s",
		 r->cli->model, started, wanted, what, strerror(err));
}

static struct run_extra *extra_slot(struct run *r, const char *key)
{
	if (r->nextras == RUN_MAX_EXTRAS)
		return NULL;
	r->extras[r->nextras].key = key;
	return &r->extras[r->nextras++];
}

void run_extra_int(struct run *r, const char *key, long long v)
{
	struct run_extra *e = extra_slot(r, key);
	if (e)
		snprintf(e->text, sizeof e->text, "%lld", v);
}

void run_extra_num(struct run *r, const char *key, double v)
{
	struct run_extra *e = extra_slot(r, key);
	if (e)
		snprintf(e->text, sizeof e->text, "%.9g", v);
}

void run_extra_str(struct run *r, const char *key, const char *v)
{
	struct run_extra *e = extra_slot(r, key);
	if (e)
		snprintf(e->text, sizeof e->text, "\"%s\"", v);
}

void run_extra_json(struct run *r, const char *key, const char *json)
{
	struct run_extra *e = extra_slot(r, key);
	if (e)
		snprintf(e->text, sizeof e->text, "%s", json);
}

static double tv_s(struct timeval tv)
{
	return (double)tv.tv_sec + (double)tv.tv_usec / 1e6;
}

/* Own usage plus that of every reaped child. */
static void usage_totals(double *user, double *sys, long *rss, long *vol, long *invol)
{
	struct rusage self, kids;

	getrusage(RUSAGE_SELF, &self);
	getrusage(RUSAGE_CHILDREN, &kids);
	*user = tv_s(self.ru_utime) + tv_s(kids.ru_utime);
	*sys = tv_s(self.ru_stime) + tv_s(kids.ru_stime);
	*rss = self.ru_maxrss > kids.ru_maxrss ? self.ru_maxrss : kids.ru_maxrss;
	*vol = self.ru_nvcsw + kids.ru_nvcsw;
	*invol = self.ru_nivcsw + kids.ru_nivcsw;
}

static void print_json(const struct run *r, double wall, const char *result, bool ok)
{
	const struct wl_params *w = &r->cli->wl;
	double user, sys;
	long rss, vol, invol;

	usage_totals(&user, &sys, &rss, &vol, &invol);
	printf("{\"model\":\"%s\",\"workload\":\"%s\",\"tasks\":%ld,\"workers\":%ld,"
	       "\"n\":%llu,\"ms\":%ld,\"cpus\":%d,"
	       "\"wall_s\":%.6f,\"user_s\":%.6f,\"sys_s\":%.6f,\"max_rss_kb\":%ld,"
	       "\"ctx_voluntary\":%ld,\"ctx_involuntary\":%ld,"
	       "\"completed\":%ld,\"result\":\"%s\",\"ok\":%s,\"leaked_fds\":%d",
	       r->cli->model, wl_names[w->kind], w->tasks, r->workers,
	       (unsigned long long)w->n, w->ms, cpus_allowed(),
	       wall, user, sys, rss, vol, invol, r->done, result, ok ? "true" : "false",
	       open_fds() - r->fds_at_start);
	for (int i = 0; i < r->nextras; i++)
		printf(",\"%s\":%s", r->extras[i].key, r->extras[i].text);
	printf("}\n");
}

static void print_summary(const struct run *r, double wall, const char *result, bool ok)
{
	const struct wl_params *w = &r->cli->wl;

	printf("%s %s: %ld tasks", r->cli->model, wl_names[w->kind], w->tasks);
	if (r->workers)
		printf(" on %ld workers", r->workers);
	printf(", %.3f s, result %s, %s\n", wall, result, ok ? "ok" : "NOT OK");
}

int run_finish(struct run *r)
{
	double wall = (double)(now_ns() - r->start_ns) / 1e9;
	u128 want = wl_expected_total(&r->cli->wl);
	bool complete = r->done == r->cli->wl.tasks && !r->failed;
	bool ok = complete && r->total == want && r->shortfall[0] == '\0';
	char got[40], expect[40];
	int status = r->shortfall[0] ? 3 : 0;

	wl_u128_str(r->total, got);
	wl_u128_str(want, expect);
	/* One line on stderr says why a run failed: what ran short, the first
	 * failed request (net_client_finish), or the totals. */
	if (status)
		fprintf(stderr, "%s\n", r->shortfall);
	else if (r->cli->wl.kind == WL_NET && (status = net_client_finish(r->cli->model)) != 0)
		ok = false;
	else if (!ok)
		fprintf(stderr, "%s: result %s from %ld of %ld tasks, expected %s\n",
			r->cli->model, got, r->done, r->cli->wl.tasks, expect);
	if (r->cli->json)
		print_json(r, wall, got, ok);
	else
		print_summary(r, wall, got, ok);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "%s: writing the report: %s\n", r->cli->model, strerror(errno));
		return status ? status : 1;
	}
	if (status)
		return status;
	/* A timeline asked for and not written (tl_finish said why) fails the run. */
	return ok && !tl_failed() ? 0 : 1;
}
