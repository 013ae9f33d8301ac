/*
 * orphans - run a command and report the descendants it left behind.
 *
 *   orphans CMD [ARG...]
 *
 * This process becomes a child subreaper (PR_SET_CHILD_SUBREAPER), so any
 * process CMD started and did not reap is re-parented here instead of to
 * init. After CMD exits, every such process is counted (a zombie or a
 * process still running after a grace period), killed and reaped. Prints
 * "stray children: N" on stderr and exits with CMD's exit status.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int count_strays(void)
{
	int strays = 0;

	for (int tries = 0; tries < 100; tries++) {
		pid_t p = waitpid(-1, NULL, WNOHANG);
		if (p > 0) {
			strays++;
			tries = 0;
		} else if (p < 0) {
			return strays;   /* ECHILD: nothing left */
		} else {
			nanosleep(&(struct timespec){ 0, 10000000 }, NULL);
		}
	}
	/* Still running after a second: count them as strays, then end them. */
	kill(-getpid(), SIGKILL);
	return strays + 1;
}

int main(int argc, char **argv)
{
	int st;
	pid_t child;

	if (argc < 2) {
		fprintf(stderr, "usage: orphans CMD [ARG...]\n");
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
		execvp(argv[1], argv + 1);
		perror("orphans: execvp");
		_exit(127);
	}
	while (waitpid(child, &st, 0) < 0 && errno == EINTR)
		;
	fprintf(stderr, "stray children: %d\n", count_strays());
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}
