/* bench.c - command line and CSV helpers of the benchmark programs (see bench.h). */
#include "bench.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *const scale_names[] = { "smoke", "quick", "full", NULL };

static void usage(const char *usage_text, const struct cli_extra *scale,
		  const struct cli_extra *extras)
{
	char range[256];

	fputs(usage_text, stdout);
	printf("\nOptions:\n");
	cli_range_text(scale, range, sizeof range);
	printf("  --%-12s %s (%s)\n", scale->name, scale->help, range);
	for (const struct cli_extra *e = extras; e && e->name; e++) {
		cli_range_text(e, range, sizeof range);
		printf("  --%-12s %s (%s)\n", e->name, e->help, range);
	}
	printf("  --%-12s this text\n", "help");
}

enum cli_status bench_parse(int argc, char **argv, const char *name, const char *usage_text,
			    const struct cli_extra *extras, enum bench_scale *scale)
{
	long long chosen = SCALE_QUICK;
	const struct cli_extra scale_table[] = {
		{ "scale", "size of the run: smoke seconds, quick < 1 min, full minutes",
		  0, 0, scale_names, &chosen },
		{ NULL, NULL, 0, 0, NULL, NULL },
	};
	const struct cli_extra *scale_opt = &scale_table[0];

	for (int i = 1; i < argc; i++) {
		const char *arg = argv[i];

		if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
			usage(usage_text, scale_opt, extras);
			return CLI_DONE;
		}
		if (strncmp(arg, "--", 2) != 0) {
			char shown[CLI_SHOWN_MAX];
			fprintf(stderr, "%s: %s: unexpected argument (try --help)\n", name,
				cli_shown(arg, shown));
			return CLI_BAD;
		}
		const char *opt = arg + 2, *eq = strchr(opt, '=');
		size_t len = eq ? (size_t)(eq - opt) : strlen(opt);
		const struct cli_extra *e = cli_find(scale_table, opt, len);
		if (e == NULL)
			e = cli_find(extras, opt, len);
		if (e == NULL) {
			char shown[CLI_SHOWN_MAX], text[CLI_SHOWN_MAX];
			snprintf(text, sizeof text, "%.*s", (int)(len + 2), arg);
			fprintf(stderr, "%s: %s: unknown option (try --help)\n", name,
				cli_shown(text, shown));
			return CLI_BAD;
		}
		const char *value = eq ? eq + 1 : (i + 1 < argc ? argv[++i] : NULL);
		if (value == NULL) {
			fprintf(stderr, "%s: --%s: missing value\n", name, e->name);
			return CLI_BAD;
		}
		if (cli_take(name, e, value) != 0)
			return CLI_BAD;
	}
	*scale = (enum bench_scale)chosen;
	return CLI_RUN;
}

void bench_print_spread(FILE *f, const struct summary *s)
{
	fprintf(f, ",%.1f,%.1f,%.1f,%.1f,%.1f", s->median, s->p10, s->p90, s->min, s->max);
}

int bench_self_dir(char *buf, size_t len)
{
	ssize_t n = readlink("/proc/self/exe", buf, len - 1);

	if (n < 0)
		return -1;
	if ((size_t)n == len - 1) {   /* perhaps cut short */
		errno = ENAMETOOLONG;
		return -1;
	}
	buf[n] = '\0';
	char *slash = strrchr(buf, '/');
	if (slash == NULL) {
		errno = ENOENT;
		return -1;
	}
	*slash = '\0';
	return 0;
}
