/*
 * cli.h - the command line every model speaks:
 *
 *   build/<model> <cpu|io|net> [--tasks T] [--n N] [--ms D] [--workers W]
 *                 [--connect HOST:PORT] [--timeout-ms T] [--json]
 *
 * --connect sends the net workload's requests to a running slowserver; without
 * it a model starts a private one (lib/netserver.h). --timeout-ms is each
 * request's deadline (default 10 * D + 5000 ms; see net.h). Both are refused
 * for the other workloads.
 * Parsing is strict: a number is ASCII digits only (no sign, no whitespace),
 * and a bad value gets one line on stderr naming the option, the value and
 * the accepted range, and the model exits with status 2 before running
 * anything. A model with options of its own passes them as a table of
 * cli_extra entries; they are parsed and checked the same way.
 *
 * Every program linking this file starts with descriptors 0, 1 and 2 open:
 * a constructor opens /dev/null onto any that is closed, as daemons do, so
 * that no socket or pipe the program makes can land there (a model's
 * private server would take descriptor 0, and then lose it to dup2).
 */
#ifndef CM_CLI_H
#define CM_CLI_H

#include <stdbool.h>
#include "workload.h"

#define CLI_MAX_TASKS 10000000L
#define CLI_MAX_N     (1LL << 32)
#define CLI_MAX_MS    600000L
#define CLI_MAX_WORKERS 1000000L
#define CLI_MAX_TIMEOUT_MS 86400000L   /* a day */

/* An option of a model's own: a number in [min, max], or one of choices. */
struct cli_extra {
	const char *name;            /* without the leading "--" */
	const char *help;            /* one line for --help */
	long long min, max;          /* numeric range, when choices is NULL */
	const char *const *choices;  /* NULL-terminated, or NULL for a number */
	long long *value;            /* in: default; out: the number or choice index */
};

struct cli {
	const char *model;
	struct wl_params wl;
	long workers;                /* 0: one per task */
	const char *connect;         /* net: --connect text (address in wl.server), or NULL */
	long timeout_ms;             /* net: each request's deadline, in ms */
	bool json;
};

enum cli_status { CLI_RUN, CLI_DONE, CLI_BAD };

/*
 * Parse argv into *out. CLI_RUN: go ahead. CLI_DONE: --help was printed,
 * exit 0. CLI_BAD: the one-line message was printed, exit 2.
 * extras may be NULL.
 */
enum cli_status cli_parse(int argc, char **argv, const char *model,
			  const struct cli_extra *extras, struct cli *out);

/*
 * text as a message can show it on one line: control bytes escaped (\t,
 * \n, \xNN) and at most CLI_SHOWN_MAX - 8 bytes of it, then "...". Into buf;
 * returns buf.
 */
#define CLI_SHOWN_MAX 128
const char *cli_shown(const char *text, char buf[CLI_SHOWN_MAX]);

/* The accepted values of e as text: "min..max" or "a|b|c". */
void cli_range_text(const struct cli_extra *e, char *buf, size_t len);

/* The entry of table named name[0..len), or NULL. table may be NULL. */
const struct cli_extra *cli_find(const struct cli_extra *table, const char *name, size_t len);

/*
 * Store text into *e->value if it is accepted; otherwise print the one-line
 * complaint ("<prog>: --<name>: invalid value '<text>' (accepted: ...)")
 * and return -1.
 */
int cli_take(const char *prog, const struct cli_extra *e, const char *text);

/*
 * Parse text as a base-10 integer in [min, max]: ASCII digits only, no sign,
 * no whitespace. 0 on success, -1 if not.
 */
int cli_number(const char *text, long long min, long long max, long long *out);

#endif
