/*
 * scale.h - the command line every benchmark program speaks:
 *
 *   build/bench/NAME [--scale smoke|quick|full] [--help]
 *
 * smoke finishes in a few seconds (CI runs it), quick (the default) in well
 * under a minute, full in a few minutes at most. A bad option gets one line
 * on stderr naming it and what is accepted; the program then exits 2.
 */
#ifndef CM_SCALE_H
#define CM_SCALE_H

#include "cli.h"

enum scale { SCALE_SMOKE, SCALE_QUICK, SCALE_FULL };

/* "smoke", "quick", "full", NULL-terminated. */
extern const char *const scale_names[];

/*
 * Parse argv into *out. CLI_RUN: go ahead. CLI_DONE: usage (the program's
 * own text, then the common options) was printed, exit 0. CLI_BAD: the
 * one-line message was printed, exit 2.
 */
enum cli_status scale_parse(int argc, char **argv, const char *prog, const char *usage,
			    enum scale *out);

#endif
