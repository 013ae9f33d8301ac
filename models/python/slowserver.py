#!/usr/bin/env python3
"""slowserver - the net workload's server on asyncio (protocol in net.py and
lib/net.h), twin of build/slowserver.

    slowserver.py [--port P] [--ms D] [--host A]

Listens on A:P (default 127.0.0.1:7000; port 0 picks a free one), prints
"slowserver: listening on A:P ms D", and answers each request D ms after
reading it (default 100), every connection a task on one loop. Runs until
killed. Exit status: 2 bad usage, 3 cannot listen.
"""
import asyncio
import ctypes
import errno
import socket
import sys

LINE_MAX = 48
EXHAUSTED = (errno.EMFILE, errno.ENFILE, errno.ENOBUFS, errno.ENOMEM)


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


def die_with_parent():
    """Ask for SIGKILL when the parent dies (PR_SET_PDEATHSIG)."""
    ctypes.CDLL(None).prctl(1, 9, 0, 0, 0)


def task_index(line):
    """The task index in a request line "task <i>\\n", or None."""
    parts = line.split()
    if (line.endswith(b"\n") and len(parts) == 2 and parts[0] == b"task"
            and parts[1].isdigit()):
        return int(parts[1])
    return None


async def answer(loop, conn, ms, closed):
    """Read one request on conn, wait ms, answer, close; closed is set after."""
    try:
        line = b""
        while not line.endswith(b"\n") and len(line) < LINE_MAX:
            chunk = await loop.sock_recv(conn, LINE_MAX - len(line))
            if not chunk:
                break
            line += chunk
        i = task_index(line)
        if i is not None:
            await asyncio.sleep(ms / 1000)
            await loop.sock_sendall(conn, b"done %d %d\n" % (i, ms))
    except OSError:
        pass                            # the client went away: nothing to answer
    finally:
        conn.close()
        closed.set()


async def serve(sock, ms):
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
        task = asyncio.create_task(answer(loop, conn, ms, closed))
        tasks.add(task)                 # keep a reference until it is done
        task.add_done_callback(tasks.discard)


def number(option, text, lo, hi):
    if text is not None and text.isdigit() and lo <= int(text) <= hi:
        return int(text)
    what = "missing value" if text is None else "invalid value '%s'" % text
    print("slowserver: --%s: %s (accepted: %d..%d)" % (option, what, lo, hi), file=sys.stderr)
    sys.exit(2)


def main(argv):
    host, port, ms = "127.0.0.1", 7000, 100
    while argv:
        opt = argv.pop(0)
        value = argv.pop(0) if argv else None
        if opt == "--port":
            port = number("port", value, 0, 65535)
        elif opt == "--ms":
            ms = number("ms", value, 0, 600000)
        elif opt == "--host" and value is not None:
            host = value
        else:
            print("slowserver: %s: unknown option (accepted: --port, --ms, --host)" % opt,
                  file=sys.stderr)
            return 2
    try:
        sock = listen(host, port)
    except OSError as err:
        print("slowserver: listen %s:%d: %s" % (host, port, err.strerror), file=sys.stderr)
        return 3
    print("slowserver: listening on %s:%d ms %d" % (*sock.getsockname(), ms), flush=True)
    asyncio.run(serve(sock, ms))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
