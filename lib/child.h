/*
 * child.h - fork a child that cannot outlive its parent.
 *
 * PR_SET_PDEATHSIG asks the kernel for SIGKILL when the parent dies, but
 * only from the moment the child sets it: a parent killed between fork()
 * and the prctl() leaves the child running, re-parented to init. So the
 * child compares getppid() with the parent's pid taken before the fork,
 * after the prctl(): if they differ, the parent has already gone and the
 * child exits at once.
 */
#ifndef CM_CHILD_H
#define CM_CHILD_H

#include <sys/types.h>

/*
 * fork(), and in the child ask for SIGKILL when the parent (the calling
 * thread) dies, or _exit(1) if it already has. Returns as fork does.
 */
pid_t child_fork(void);

#endif
