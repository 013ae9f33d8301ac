#!/usr/bin/env python3
"""slowserver - the net workload's server on asyncio (protocol in net.py and
lib/net.h), twin of build/slowserver; and the process hygiene every Python
model shares with the C programs (std_fds, die_with_parent).

    slowserver.py [--port P] [--ms D] [--host A] [--idle-ms L]

Listens on A:P (default 127.0.0.1:7000; port 0 picks a free one), prints
"slowserver: listening on A:P ms D", and answers each request D ms after
reading it (default 100), every connection a task on one loop. A connection
that has not sent its request line (at most 48 bytes) within L ms of being
accepted (default 10000) is closed. Runs until killed. Exit status: 2 bad
usage, 3 cannot listen.
"""
import asyncio
import ctypes
import errno
import os
import socket
import sys

LINE_MAX = 48
IDLE_MS = 10000
MAX_IDLE_MS = 86400000
EXHAUSTED = (errno.EMFILE, errno.ENFILE, errno.ENOBUFS, errno.ENOMEM)
_PR_SET_PDEATHSIG = 1


def std_fds():
    """Open /dev/null onto descriptors 0, 1 and 2 where they are closed, as
    the C programs do before main (lib/cli.h): otherwise the first socket
    made would land there. Call before making any descriptor."""
    for fd in (0, 1, 2):
        try:
            os.fstat(fd)
        except OSError:
            os.set_inheritable(os.open(os.devnull, os.O_RDWR), True)  # lowest free: fd
    for name, fd, mode in (("stdin", 0, "r"), ("stdout", 1, "w"), ("stderr", 2, "w")):
        if getattr(sys, name) is None:    # closed when Python started
            setattr(sys, name, open(fd, mode, closefd=False))


def die_with_parent(parent):
    """In a child forked by process parent: ask for SIGKILL when it dies
    (PR_SET_PDEATHSIG), then exit at once if it already has: one killed
    between the fork and the prctl would otherwise leave this child running."""
    ctypes.CDLL(None).prctl(_PR_SET_PDEATHSIG, 9, 0, 0, 0)
    if os.getppid() != parent:
        os._exit(1)


def stdout_lost(prog, err):
    """Say that stdout could not be written, and point descriptor 1 at
    /dev/null so that the interpreter's last flush cannot fail again."""
    print("%s: writing the report: %s" % (prog, err.strerror or err), file=sys.stderr)
    os.dup2(os.open(os.devnull, os.O_WRONLY), 1)


def listen(host, port):
    """A listening TCP socket with the largest backlog the kernel allows."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(65535)
    except OSError:
        sock.close()
        raise
    return sock


def digits(text):
    """Is text a number as every model reads one: ASCII digits only?"""
    return bool(text) and all("0" <= c <= "9" for c in text)


def shown(text):
    """text as a message can show it on one line (lib/cli.c's cli_shown):
    unprintable characters escaped, at most 120 of them, then "..."."""
    out = "".join(c if c.isprintable() else repr(c)[1:-1] for c in text[:121])
    return out[:120] + "..." if len(out) > 120 else out


def task_index(line):
    """The task index in a request line "task <i>\\n", or None."""
    text = line[5:-1].decode("ascii", "replace")
    if (line.startswith(b"task ") and line.endswith(b"\n") and digits(text)
            and len(text) < 9 and int(text) <= 10000000):
        return int(text)
    return None


async def read_request(loop, conn):
    """The request line, up to LINE_MAX bytes (b"" at a hang-up)."""
    line = b""
    while not line.endswith(b"\n") and len(line) < LINE_MAX:
        chunk = await loop.sock_recv(conn, LINE_MAX - len(line))
        if not chunk:
            break
        line += chunk
    return line


async def answer(loop, conn, ms, idle_ms, closed):
    """Read one request on conn within idle_ms, wait ms, answer, close;
    closed is set after."""
    try:
        i = task_index(await asyncio.wait_for(read_request(loop, conn), idle_ms / 1000))
        if i is not None:
            await asyncio.sleep(ms / 1000)
            await loop.sock_sendall(conn, b"done %d %d\n" % (i, ms))
    except (OSError, asyncio.TimeoutError):
        pass                            # gone, or silent too long: nothing to answer
    finally:
        conn.close()
        closed.set()


async def serve(sock, ms, idle_ms=IDLE_MS):
    """Answer every connection on sock after ms milliseconds, forever. Out of
    descriptors, accept waits until a connection closes (or 50 ms), then
    tries again, as the C server does."""
    loop = asyncio.get_running_loop()
    sock.setblocking(False)
    closed, tasks = asyncio.Event(), set()
    while True:
        try:
            conn, _ = await loop.sock_accept(sock)
        except OSError as err:
            if err.errno not in EXHAUSTED:
                raise
            closed.clear()
            try:
                await asyncio.wait_for(closed.wait(), 0.05)
            except asyncio.TimeoutError:
                pass
            continue
        conn.setblocking(False)
        task = asyncio.create_task(answer(loop, conn, ms, idle_ms, closed))
        tasks.add(task)                 # keep a reference until it is done
        task.add_done_callback(tasks.discard)


def bad(option, text, accepted):
    what = "missing value" if text is None else "invalid value '%s'" % shown(text)
    print("slowserver: --%s: %s (accepted: %s)" % (option, what, accepted), file=sys.stderr)
    sys.exit(2)


def number(option, text, lo, hi):
    if text is not None and digits(text) and len(text.lstrip("0")) < 20 and lo <= int(text) <= hi:
        return int(text)
    return bad(option, text, "%d..%d" % (lo, hi))


def address(text):
    try:
        socket.inet_pton(socket.AF_INET, text)
        return text
    except (OSError, TypeError, ValueError):    # ValueError: NUL, surrogates
        return bad("host", text, "an IPv4 address")


def main(argv):
    std_fds()
    host, port, ms, idle_ms = "127.0.0.1", 7000, 100, IDLE_MS
    while argv:
        opt = argv.pop(0)
        value = argv.pop(0) if argv else None
        if opt == "--port":
            port = number("port", value, 0, 65535)
        elif opt == "--ms":
            ms = number("ms", value, 0, 600000)
        elif opt == "--idle-ms":
            idle_ms = number("idle-ms", value, 1, MAX_IDLE_MS)
        elif opt == "--host":
            host = address(value)
        else:
            print("slowserver: %s: unknown option (accepted: --port, --ms, --host, --idle-ms)"
                  % shown(opt), file=sys.stderr)
            return 2
    try:
        sock = listen(host, port)
    except OSError as err:
        print("slowserver: listen %s:%d: %s" % (host, port, err.strerror), file=sys.stderr)
        return 3
    try:
        print("slowserver: listening on %s:%d ms %d" % (*sock.getsockname(), ms), flush=True)
    except OSError as err:
        stdout_lost("slowserver", err)
        return 1
    try:
        asyncio.run(serve(sock, ms, idle_ms))
    except KeyboardInterrupt:
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
