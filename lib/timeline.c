/* timeline.c - per-task start and end records (see timeline.h). */
#define _GNU_SOURCE
#include "timeline.h"

#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "measure.h"

struct tl_slot {
	uint64_t start_ns, end_ns;   /* end_ns == 0: the task never finished */
	int32_t worker;              /* kernel thread id */
	int32_t cpu;
};

static struct tl_slot *slots;   /* NULL: no timeline wanted */
static long nslots;
static uint64_t t0_ns;
static bool failed;             /* a timeline was asked for and not written */

int tl_begin(long tasks)
{
	const char *path = getenv("CM_TIMELINE");
	size_t len = (size_t)tasks * sizeof *slots;

	if (path == NULL || *path == '\0' || tasks <= 0)
		return 0;
	slots = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (slots == MAP_FAILED) {
		fprintf(stderr, "timeline: mmap of %zu bytes: %s\n", len, strerror(errno));
		slots = NULL;
		failed = true;
		return -1;
	}
	nslots = tasks;
	t0_ns = now_ns();
	return 0;
}

void tl_task_start(long i)
{
	if (slots == NULL || i < 0 || i >= nslots)
		return;
	slots[i].worker = (int32_t)gettid();
	slots[i].cpu = (int32_t)sched_getcpu();
	slots[i].start_ns = now_ns();
}

void tl_task_end(long i)
{
	if (slots == NULL || i < 0 || i >= nslots)
		return;
	slots[i].end_ns = now_ns();
}

u128 tl_run_task(const struct wl_params *p, long i)
{
	tl_task_start(i);
	u128 v = wl_run_task(p, i);
	tl_task_end(i);
	return v;
}

static double rel_s(uint64_t t)
{
	return (double)(t - t0_ns) / 1e9;
}

int tl_finish(const char *model)
{
	const char *path = getenv("CM_TIMELINE");
	int rc = 0;

	if (slots == NULL)
		return 0;
	FILE *f = fopen(path, "w");
	if (f == NULL) {
		fprintf(stderr, "%s: timeline: fopen %s: %s\n", model, path, strerror(errno));
		rc = -1;
	} else {
		fprintf(f, "task,start_s,end_s,worker,cpu\n");
		for (long i = 0; i < nslots; i++)
			if (slots[i].end_ns != 0)
				fprintf(f, "%ld,%.6f,%.6f,%d,%d\n", i, rel_s(slots[i].start_ns),
					rel_s(slots[i].end_ns), slots[i].worker, slots[i].cpu);
		if (fclose(f) != 0) {
			fprintf(stderr, "%s: timeline: writing %s: %s\n", model, path,
				strerror(errno));
			rc = -1;
		}
	}
	munmap(slots, (size_t)nslots * sizeof *slots);
	slots = NULL;
	failed |= rc != 0;
	return rc;
}

bool tl_failed(void)
{
	return failed;
}
