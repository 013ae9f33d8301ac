/*
 * orphans - run a command and report the descendants it left behind.
 *
 *   orphans [--kill-after-us U] CMD [ARG...]
 *
 * This process becomes a child subreaper (PR_SET_CHILD_SUBREAPER), so any
 * process CMD started and did not reap is re-parented here instead of to
 * init. After CMD exits, every such process is counted (a zombie, or a
 * process still running after a grace period of a second), killed and
 * reaped. Prints "stray children: N" on stderr and exits with CMD's exit
 * status (128 + the signal if a signal ended it).
 *
 * --kill-after-us U sends CMD SIGKILL U microseconds after it starts (the
 * parent killed at a chosen moment, such as right after a fork). Zombies
 * are then no strays (a killed parent cannot reap): only processes still
 * running after the grace period count.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void sleep_us(long us)
{
	struct timespec ts = { us / 1000000, (us % 1000000) * 1000 };

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

/* SIGKILL every process whose parent is this one; how many there were. */
static int kill_running(void)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	int n = 0;

	if (d == NULL)
		return 0;
	while ((e = readdir(d)) != NULL) {
		char path[300], buf[512], *paren;
		int ppid;
		FILE *f;

		if (e->d_name[0] < '0' || e->d_name[0] > '9')
			continue;
		snprintf(path, sizeof path, "/proc/%s/stat", e->d_name);
		if ((f = fopen(path, "r")) == NULL)
			continue;
		/* "pid (comm) state ppid ...": comm may hold spaces and ')'. */
		if (fgets(buf, sizeof buf, f) != NULL && (paren = strrchr(buf, ')')) != NULL &&
		    sscanf(paren + 1, " %*c %d", &ppid) == 1 && ppid == getpid()) {
			kill(atoi(e->d_name), SIGKILL);
			n++;
		}
		fclose(f);
	}
	closedir(d);
	return n;
}

/*
 * Reap whatever exits (a stray each if count_zombies); once a second has
 * passed with nothing to reap, the children left are running: count, kill
 * and reap them.
 */
static int count_strays(bool count_zombies)
{
	int strays = 0;

	for (int idle = 0; idle < 100;) {
		pid_t p = waitpid(-1, NULL, WNOHANG);
		if (p > 0) {
			strays += count_zombies;
			idle = 0;
		} else if (p < 0) {
			return strays;   /* ECHILD: nothing left */
		} else {
			sleep_us(10000);
			idle++;
		}
	}
	strays += kill_running();
	while (waitpid(-1, NULL, 0) > 0 || errno == EINTR)
		;
	return strays;
}

int main(int argc, char **argv)
{
	long kill_us = -1;
	int st, first = 1;
	pid_t child;

	if (argc > 2 && strcmp(argv[1], "--kill-after-us") == 0) {
		kill_us = atol(argv[2]);
		first = 3;
	}
	if (argc <= first) {
		fprintf(stderr, "usage: orphans [--kill-after-us U] CMD [ARG...]\n");
		return 2;
	}
	if (prctl(PR_SET_CHILD_SUBREAPER, 1) != 0) {
		perror("orphans: prctl(PR_SET_CHILD_SUBREAPER)");
		return 2;
	}
	child = fork();
	if (child < 0) {
		perror("orphans: fork");
		return 2;
	}
	if (child == 0) {
		execvp(argv[first], argv + first);
		perror("orphans: execvp");
		_exit(127);
	}
	if (kill_us >= 0) {
		sleep_us(kill_us);
		kill(child, SIGKILL);
	}
	while (waitpid(child, &st, 0) < 0 && errno == EINTR)
		;
	fprintf(stderr, "stray children: %d\n", count_strays(kill_us < 0));
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}
