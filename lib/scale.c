/* scale.c - the benchmark programs' command line (see scale.h). */
#include "scale.h"

#include <stdio.h>
#include <string.h>

const char *const scale_names[] = { "smoke", "quick", "full", NULL };

static int scale_index(const char *text)
{
	for (int i = 0; scale_names[i]; i++)
		if (strcmp(scale_names[i], text) == 0)
			return i;
	return -1;
}

enum cli_status scale_parse(int argc, char **argv, const char *prog, const char *usage,
			    enum scale *out)
{
	*out = SCALE_QUICK;
	for (int i = 1; i < argc; i++) {
		const char *arg = argv[i], *value = NULL;

		if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
			printf("%s\n  --scale S    smoke, quick (default) or full\n"
			       "\nOutput: CSV on stdout, one header line, one row per case.\n"
			       "Exit status: 0 done, 1 a result did not verify, 2 bad usage,\n"
			       "3 out of a resource.\n", usage);
			return CLI_DONE;
		}
		if (strcmp(arg, "--scale") == 0)
			value = i + 1 < argc ? argv[++i] : "";
		else if (strncmp(arg, "--scale=", 8) == 0)
			value = arg + 8;
		if (value == NULL) {
			fprintf(stderr, "%s: %s: unknown option (accepted: --scale smoke|quick|full, --help)\n",
				prog, arg);
			return CLI_BAD;
		}
		int s = scale_index(value);
		if (s < 0) {
			fprintf(stderr, "%s: --scale: invalid value '%s' (accepted: smoke|quick|full)\n",
				prog, value);
			return CLI_BAD;
		}
		*out = (enum scale)s;
	}
	return CLI_RUN;
}
