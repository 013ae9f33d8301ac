/*
 * forkrace - does child_fork (lib/child.h) close the race it is for?
 *
 *   forkrace
 *
 * Linked with -Wl,--wrap=prctl, so that child_fork's prctl(PR_SET_PDEATHSIG)
 * runs 200 ms late: the window in which a parent killed right after fork()
 * used to leave its child running for ever. A middle process calls
 * child_fork and exits at once, inside that window; this process, a child
 * subreaper, inherits the orphan. child_fork must make it exit by itself
 * (getppid() is no longer its parent): exit 0 if it did within 2 s; exit 1
 * (after killing it) if it was still running.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "child.h"

int __real_prctl(int option, ...);

int __wrap_prctl(int option, unsigned long arg2)
{
	nanosleep(&(struct timespec){ 0, 200000000 }, NULL);
	return __real_prctl(option, arg2);
}

int main(void)
{
	pid_t middle, orphan, pid = 0;
	int st, fd[2];

	if (prctl(PR_SET_CHILD_SUBREAPER, 1) != 0) {
		perror("forkrace: prctl(PR_SET_CHILD_SUBREAPER)");
		return 2;
	}
	if (pipe(fd) != 0 || (middle = fork()) < 0) {
		perror("forkrace: pipe or fork");
		return 2;
	}
	if (middle == 0) {
		pid = child_fork();
		if (pid == 0)
			for (;;)
				pause();    /* the orphan, if child_fork let it live */
		_exit(write(fd[1], &pid, sizeof pid) == sizeof pid ? 0 : 1);
	}
	waitpid(middle, NULL, 0);
	if (read(fd[0], &pid, sizeof pid) != sizeof pid || pid <= 0) {
		fprintf(stderr, "forkrace: child_fork failed\n");
		return 2;
	}
	for (int tries = 0; tries < 200; tries++) {
		orphan = waitpid(-1, &st, WNOHANG);
		if (orphan > 0) {
			printf("forkrace: the orphan exited by itself (status %d)\n",
			       WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
			return 0;
		}
		nanosleep(&(struct timespec){ 0, 10000000 }, NULL);
	}
	printf("forkrace: the orphan of a parent killed right after fork is still running\n");
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	return 1;
}
