/* cli.c - strict option parsing shared by every model (see cli.h). */
#include "cli.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "net.h"

/*
 * Before main: open /dev/null onto 0, 1 and 2 where they are closed (see
 * cli.h). open() takes the lowest free descriptor, so going up from 0 fills
 * exactly the holes. If /dev/null cannot be opened there is nothing better.
 */
__attribute__((constructor)) static void std_fds_open(void)
{
	for (int fd = 0; fd <= 2; fd++)
		if (fcntl(fd, F_GETFD) < 0 && errno == EBADF &&
		    open("/dev/null", O_RDWR) < 0)
			return;
}

int cli_number(const char *text, long long min, long long max, long long *out)
{
	long long v = 0;

	if (text == NULL || *text == '\0')
		return -1;
	for (const char *c = text; *c; c++) {
		if (*c < '0' || *c > '9')
			return -1;
		if (v > (LLONG_MAX - (*c - '0')) / 10)
			return -1;
		v = v * 10 + (*c - '0');
	}
	if (v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

const char *cli_shown(const char *text, char buf[CLI_SHOWN_MAX])
{
	size_t n = 0;

	for (const unsigned char *c = (const unsigned char *)text; *c; c++) {
		if (n >= CLI_SHOWN_MAX - 8) {
			strcpy(buf + n, "...");
			return buf;
		}
		if (*c == '\t' || *c == '\n')
			n += (size_t)sprintf(buf + n, "\\%c", *c == '\t' ? 't' : 'n');
		else if (*c < 0x20 || *c == 0x7f)
			n += (size_t)sprintf(buf + n, "\\x%02x", *c);
		else
			buf[n++] = (char)*c;
	}
	buf[n] = '\0';
	return buf;
}

static void usage(const char *model, const struct cli_extra *extras)
{
	printf("usage: %s <workload> [--tasks T] [--n N] [--ms D] [--workers W]"
	       " [--connect HOST:PORT] [--timeout-ms T] [--json]", model);
	for (const struct cli_extra *e = extras; e && e->name; e++)
		printf(" [--%s X]", e->name);
	printf("\n\n"
	       "  cpu          task i sums k*k for 0 <= k < N + i, exactly\n"
	       "  io           task i waits D ms\n"
	       "  net          task i asks a server over TCP, which answers after D ms\n"
	       "  --tasks T    number of tasks, 1..%ld (default: cpu 20, io and net 100)\n"
	       "  --n N        cpu size, 1..%lld (default 10000000)\n"
	       "  --ms D       io wait or net server delay in ms, 0..%ld (default 100)\n"
	       "  --workers W  a pool of W workers, 1..%ld (default: one per task)\n"
	       "  --connect HOST:PORT\n"
	       "               net: use the slowserver there (its --ms must equal D);\n"
	       "               default: start a private one on 127.0.0.1\n"
	       "  --timeout-ms T\n"
	       "               net: give up a request with no answer after T ms,\n"
	       "               1..%ld (default 10 * D + 5000)\n"
	       "  --json       print one JSON object instead of a summary\n",
	       CLI_MAX_TASKS, CLI_MAX_N, CLI_MAX_MS, CLI_MAX_WORKERS, CLI_MAX_TIMEOUT_MS);
	for (const struct cli_extra *e = extras; e && e->name; e++)
		printf("  --%-11s %s\n", e->name, e->help);
	printf("\nExit status: 0 verified; 1 the run failed (a wrong result, a request that\n"
	       "failed, was refused or got no answer in time, a report not written);\n"
	       "2 bad usage; 3 out of a resource (threads, processes, descriptors, memory).\n");
}

void cli_range_text(const struct cli_extra *e, char *buf, size_t len)
{
	if (e->choices == NULL) {
		snprintf(buf, len, "%lld..%lld", e->min, e->max);
		return;
	}
	buf[0] = '\0';
	for (const char *const *c = e->choices; *c; c++) {
		strncat(buf, *c, len - strlen(buf) - 1);
		if (c[1])
			strncat(buf, "|", len - strlen(buf) - 1);
	}
}

static int choice_index(const char *const *choices, const char *text)
{
	for (int i = 0; choices[i]; i++)
		if (strcmp(choices[i], text) == 0)
			return i;
	return -1;
}

/* Check one value against an option's range; print the one-line complaint. */
int cli_take(const char *model, const struct cli_extra *e, const char *text)
{
	char range[256], shown[CLI_SHOWN_MAX];
	long long v;

	if (e->choices) {
		int i = choice_index(e->choices, text);
		if (i >= 0) {
			*e->value = i;
			return 0;
		}
	} else if (cli_number(text, e->min, e->max, &v) == 0) {
		*e->value = v;
		return 0;
	}
	cli_range_text(e, range, sizeof range);
	fprintf(stderr, "%s: --%s: invalid value '%s' (accepted: %s)\n",
		model, e->name, cli_shown(text, shown), range);
	return -1;
}

#define ADDR_RANGE "HOST:PORT, HOST an IPv4 address or localhost, PORT 1..65535"

/* --connect, the one option whose value is an address rather than a number. */
static int take_connect(const char *model, const char *text, struct cli *out)
{
	char shown[CLI_SHOWN_MAX];

	if (net_parse_addr(text, false, &out->wl.server) == 0) {
		out->connect = text;
		return 0;
	}
	fprintf(stderr, "%s: --connect: invalid value '%s' (accepted: %s)\n", model,
		cli_shown(text, shown), ADDR_RANGE);
	return -1;
}

const struct cli_extra *cli_find(const struct cli_extra *table, const char *name, size_t len)
{
	for (const struct cli_extra *e = table; e && e->name; e++)
		if (strlen(e->name) == len && strncmp(e->name, name, len) == 0)
			return e;
	return NULL;
}

enum cli_status cli_parse(int argc, char **argv, const char *model,
			  const struct cli_extra *extras, struct cli *out)
{
	long long tasks = 0, n = 10000000, ms = 100, workers = 0, timeout = 0, kind = -1;
	const struct cli_extra common[] = {
		{ "tasks", NULL, 1, CLI_MAX_TASKS, NULL, &tasks },
		{ "n", NULL, 1, CLI_MAX_N, NULL, &n },
		{ "ms", NULL, 0, CLI_MAX_MS, NULL, &ms },
		{ "workers", NULL, 1, CLI_MAX_WORKERS, NULL, &workers },
		{ "timeout-ms", NULL, 1, CLI_MAX_TIMEOUT_MS, NULL, &timeout },
		{ NULL, NULL, 0, 0, NULL, NULL },
	};
	const struct cli_extra kinds = { "workload", NULL, 0, 0, wl_names, NULL };
	char names[64], shown[CLI_SHOWN_MAX];
	bool json = false;

	out->connect = NULL;
	memset(&out->wl.server, 0, sizeof out->wl.server);
	cli_range_text(&kinds, names, sizeof names);
	for (int i = 1; i < argc; i++) {
		const char *arg = argv[i];

		if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
			usage(model, extras);
			return CLI_DONE;
		}
		if (strcmp(arg, "--json") == 0) {
			json = true;
			continue;
		}
		if (strncmp(arg, "--", 2) != 0) {
			if (kind >= 0) {
				fprintf(stderr, "%s: workload: unexpected argument '%s' (accepted: one of %s)\n",
					model, cli_shown(arg, shown), names);
				return CLI_BAD;
			}
			kind = choice_index(wl_names, arg);
			if (kind < 0) {
				fprintf(stderr, "%s: workload: unknown workload '%s' (accepted: %s)\n",
					model, cli_shown(arg, shown), names);
				return CLI_BAD;
			}
			continue;
		}
		/* --name value, or --name=value */
		const char *name = arg + 2, *eq = strchr(name, '=');
		size_t len = eq ? (size_t)(eq - name) : strlen(name);
		bool addr = len == 7 && strncmp(name, "connect", 7) == 0;
		const struct cli_extra *e = cli_find(common, name, len);
		if (e == NULL)
			e = cli_find(extras, name, len);
		if (e == NULL && !addr) {
			char opt[CLI_SHOWN_MAX];
			snprintf(opt, sizeof opt, "%.*s", (int)(len + 2), arg);
			fprintf(stderr, "%s: %s: unknown option (try --help)\n", model,
				cli_shown(opt, shown));
			return CLI_BAD;
		}
		const char *value = eq ? eq + 1 : (i + 1 < argc ? argv[++i] : NULL);
		if (value == NULL) {
			char range[128];
			if (addr)
				snprintf(range, sizeof range, "%s", ADDR_RANGE);
			else
				cli_range_text(e, range, sizeof range);
			fprintf(stderr, "%s: --%.*s: missing value (accepted: %s)\n", model,
				(int)len, name, range);
			return CLI_BAD;
		}
		if (addr ? take_connect(model, value, out) : cli_take(model, e, value))
			return CLI_BAD;
	}
	if (kind < 0) {
		fprintf(stderr, "%s: workload: missing (accepted: %s)\n", model, names);
		return CLI_BAD;
	}
	if (out->connect && kind != WL_NET) {
		fprintf(stderr, "%s: --connect: '%s' is for the net workload only (accepted: net)\n",
			model, out->connect);
		return CLI_BAD;
	}
	if (timeout && kind != WL_NET) {
		fprintf(stderr, "%s: --timeout-ms: '%lld' is for the net workload only (accepted: net)\n",
			model, timeout);
		return CLI_BAD;
	}
	out->model = model;
	out->wl.kind = (enum wl_kind)kind;
	out->wl.tasks = tasks ? (long)tasks : (kind == WL_CPU ? 20 : 100);
	out->wl.n = (uint64_t)n;
	out->wl.ms = (long)ms;
	out->workers = (long)workers;
	out->timeout_ms = timeout ? (long)timeout : NET_TIMEOUT_MS(out->wl.ms);
	out->json = json;
	return CLI_RUN;
}
