/* child.c - a child that dies with its parent (see child.h). */
#include "child.h"

#include <signal.h>
#include <sys/prctl.h>
#include <unistd.h>

pid_t child_fork(void)
{
	pid_t parent = getpid(), pid = fork();

	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent)
			_exit(1);
	}
	return pid;
}
