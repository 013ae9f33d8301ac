/*
 * bench.h - the command line and CSV output every benchmark program in
 * bench/ shares:
 *
 *   build/bench/NAME [--scale smoke|quick|full] [own options] [--help]
 *
 * --scale picks the size of the run (smoke: a few seconds, for CI; quick,
 * the default: well under a minute; full: a few minutes). Options of a
 * program's own are struct cli_extra entries (see cli.h), parsed and
 * checked the same way as the models' options: a bad value gets one line on
 * stderr naming the option, the value and the accepted range, exit 2.
 */
#ifndef CM_BENCH_H
#define CM_BENCH_H

#include <stdio.h>
#include "cli.h"
#include "measure.h"

enum bench_scale { SCALE_SMOKE, SCALE_QUICK, SCALE_FULL };

/*
 * Parse argv. usage is printed for --help, followed by one line per
 * option. *scale gets the --scale choice (default quick). Returns CLI_RUN,
 * CLI_DONE (help printed: exit 0) or CLI_BAD (message printed: exit 2).
 */
enum cli_status bench_parse(int argc, char **argv, const char *name, const char *usage,
			    const struct cli_extra *extras, enum bench_scale *scale);

/* Print ",median,p10,p90,min,max" of s (no newline), one decimal each. */
void bench_print_spread(FILE *f, const struct summary *s);

/* The directory this executable lives in, into buf; 0 or -1 (errno set). */
int bench_self_dir(char *buf, size_t len);

#endif
