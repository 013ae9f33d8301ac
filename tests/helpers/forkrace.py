"""forkrace.py - does slowserver.die_with_parent close the race it is for?
The Python twin of forkrace.c:

    python3 tests/helpers/forkrace.py

die_with_parent's prctl(PR_SET_PDEATHSIG) is made 200 ms late, the window in
which a parent killed right after fork() used to leave its child running
for ever. A middle process forks and exits at once, inside that window; this
process, a child subreaper, inherits the orphan, which must exit by itself.
Exit 0 if it did within 2 s; 1 (after killing it) if it was still running.
"""
import ctypes
import os
import sys
import time
import types

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..",
                                "models", "python"))
import slowserver  # noqa: E402  (found via the path above)

PR_SET_CHILD_SUBREAPER = 36
libc = ctypes.CDLL(None)


class LateLibc:
    def prctl(self, *args):
        time.sleep(0.2)
        return libc.prctl(*args)


def main():
    libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    slowserver.ctypes = types.SimpleNamespace(CDLL=lambda name: LateLibc())
    r, w = os.pipe()
    middle = os.fork()
    if middle == 0:
        parent = os.getpid()
        pid = os.fork()
        if pid == 0:
            slowserver.die_with_parent(parent)
            while True:
                time.sleep(1)           # the orphan, if die_with_parent let it live
        os.write(w, b"%d" % pid)
        os._exit(0)
    os.waitpid(middle, 0)
    pid = int(os.read(r, 32))
    for _ in range(200):
        done, status = os.waitpid(-1, os.WNOHANG)
        if done:
            print("forkrace.py: the orphan exited by itself (status %d)"
                  % os.waitstatus_to_exitcode(status))
            return 0
        time.sleep(0.01)
    print("forkrace.py: the orphan of a parent killed right after fork is still running")
    os.kill(pid, 9)
    os.waitpid(pid, 0)
    return 1


if __name__ == "__main__":
    sys.exit(main())
