/* limit_cause.c - name the limit behind a failed creation (see limit_cause.h). */
#include "limit_cause.h"

#include <errno.h>

static int near(long value, long limit, long margin)
{
	return limit > 0 && value >= limit - margin;
}

const char *limit_cause(const struct machine_limits *m, int err, long maps, long tasks)
{
	if (err == EMFILE || err == ENFILE)
		return "open_files";
	if ((err == EAGAIN || err == ENOMEM) && near(maps, m->max_map_count, LIMIT_MAPS_MARGIN))
		return "max_map_count";
	if (err == EAGAIN && near(tasks, m->pid_max, LIMIT_TASKS_MARGIN))
		return "pid_max";
	if (err == ENOMEM)
		return "memory";
	return "other";
}

const char *limit_cause_projected(const struct machine_limits *m, long ok, long ok_maps,
				  long ok_tasks, long bad, long *proj_maps)
{
	*proj_maps = ok > 0 ? ok_maps * bad / ok : -1;
	if (ok <= 0)
		return "memory";
	if (near(*proj_maps, m->max_map_count, 0))
		return "max_map_count";
	if (near(ok_tasks + (bad - ok), m->pid_max, LIMIT_TASKS_MARGIN))
		return "pid_max";
	return "memory";
}
