/*
 * limit_cause.h - which machine limit explains a failure to create one more
 * task (bench/limits). Names are the stopped_by column's: "pid_max",
 * "max_map_count", "open_files", "memory", "other".
 */
#ifndef CM_LIMIT_CAUSE_H
#define CM_LIMIT_CAUSE_H

/* The machine's limits (-1: unknown). */
struct machine_limits {
	long pid_max;           /* kernel.pid_max: threads and processes share it */
	long max_map_count;     /* vm.max_map_count: mappings per process */
};

/* Margins: "near" a limit. Other tasks come and go while we count. */
#define LIMIT_MAPS_MARGIN 16
#define LIMIT_TASKS_MARGIN 512

/*
 * Creation failed with errno err while this process had `maps` mappings and
 * the machine `tasks` tasks. EMFILE/ENFILE: open_files; EAGAIN or ENOMEM
 * near max_map_count: max_map_count (glibc reports a thread stack it could
 * not map as EAGAIN); EAGAIN near pid_max: pid_max; ENOMEM: memory.
 */
const char *limit_cause(const struct machine_limits *m, int err, long maps, long tasks);

/*
 * An attempt at `bad` tasks was killed before it could count; the one at
 * `ok` (> 0) succeeded with ok_maps mappings and ok_tasks machine tasks at
 * its peak. Project both linearly to bad: the limit they would cross, else
 * memory. *proj_maps gets the projected mappings.
 */
const char *limit_cause_projected(const struct machine_limits *m, long ok, long ok_maps,
				  long ok_tasks, long bad, long *proj_maps);

#endif
