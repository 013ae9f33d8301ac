#!/usr/bin/env python3
"""slowserver - the net workload's server on asyncio (the HTTP subset of
lib/http.h), twin of build/slowserver; and the process hygiene every Python
model shares with the C programs (std_fds, die_with_parent).

    slowserver.py [--port P] [--ms D] [--host A] [--idle-ms L]

Listens on A:P (default 127.0.0.1:7000; port 0 picks a free one), prints
"slowserver: listening on A:P ms D", and answers `GET /sleep?ms=X` after X
ms (no ms: D, default 100) and `GET /cpu?n=N` at once, every connection a
task on one loop, kept open between requests. A connection silent for L ms
(default 10000) is closed; a bad request, a request line past 48 bytes or a
head past 2048 gets a 400 and is closed. Runs until killed. Exit status: 2 bad
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


HEAD_MAX = 2048
BAD_REQUEST = (b"HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain\r\n"
               b"Content-Length: 12\r\nConnection: close\r\n\r\nbad request\n")
_PARAMS = {"/sleep": {"ms": 600000, "task": 10000000}, "/cpu": {"n": 1 << 32, "task": 10000000}}


def parse_head(head):
    """A request head (through its blank line) as (path, params, keep_alive),
    path None for one that gets a 404; or None for one that gets a 400
    (the HTTP subset of lib/http.h)."""
    lines = head.decode("latin-1").split("\r\n")[:-2]
    parts = lines[0].split(" ")
    if len(parts) != 3 or parts[0] != "GET" or parts[2] not in ("HTTP/1.1", "HTTP/1.0") \
            or not parts[1].startswith("/"):
        return None
    keep = parts[2] == "HTTP/1.1"
    for h in lines[1:]:
        name, colon, value = h.partition(":")
        name, value = name.lower(), value.strip(" \t").lower()
        if not colon or (name in ("content-length", "transfer-encoding") and value != "0"):
            return None
        if name == "connection" and value in ("close", "keep-alive"):
            keep = value == "keep-alive"
    path, _, query = parts[1].partition("?")
    if path not in _PARAMS:
        return None, {}, keep
    params = {}
    for kv in query.split("&") if query else ():
        key, eq, value = kv.partition("=")
        if not eq or key not in _PARAMS[path] or not digits(value) or len(value) > 20 \
                or int(value) > _PARAMS[path][key]:
            return None
        params[key] = int(value)
    return path, params, keep


def answer_text(path, params, ms, keep):
    """The answer to a parsed request, ms the delay waited for a /sleep."""
    if path == "/sleep":
        status, body = "200 OK", b"done %d %d\n" % (params.get("task", 0), ms)
    elif path == "/cpu":
        n = params.get("n", 0)
        status, body = "200 OK", b"%d\n" % (n * (n - 1) * (2 * n - 1) // 6 if n else 0)
    else:
        status, body = "404 Not Found", b"not found: try /sleep?ms=D or /cpu?n=N\n"
    return (b"HTTP/1.1 %s\r\nContent-Type: text/plain\r\nContent-Length: %d\r\n%s\r\n"
            % (status.encode(), len(body), b"" if keep else b"Connection: close\r\n")) + body


async def read_head(loop, conn, buf):
    """Read onto buf (a bytearray) until it holds a whole head; its length,
    -1 if too long (a request line past LINE_MAX, a head past HEAD_MAX),
    0 at a hang-up."""
    while True:
        end, eol = buf.find(b"\r\n\r\n"), buf.find(b"\r\n", 0, LINE_MAX)
        if eol < 0 and len(buf) >= LINE_MAX or end < 0 and len(buf) >= HEAD_MAX \
                or end + 4 > HEAD_MAX:
            return -1
        if end >= 0:
            return end + 4
        chunk = await loop.sock_recv(conn, HEAD_MAX - len(buf))
        if not chunk:
            return 0
        buf += chunk


async def answer(loop, conn, ms, idle_ms, closed):
    """Answer each request on conn in turn (a /sleep after its delay, or ms),
    until the client closes or asks to, or stays silent idle_ms; a bad
    request gets a 400. closed is set after."""
    buf = bytearray()
    try:
        while True:
            used = await asyncio.wait_for(read_head(loop, conn, buf), idle_ms / 1000)
            req = parse_head(bytes(buf[:used])) if used > 0 else None
            if req is None:
                if used != 0:
                    await loop.sock_sendall(conn, BAD_REQUEST)
                break
            path, params, keep = req
            wait = params.get("ms", ms)
            if path == "/sleep":
                await asyncio.sleep(wait / 1000)
            await loop.sock_sendall(conn, answer_text(path, params, wait, keep))
            del buf[:used]
            if not keep:
                break
    except (OSError, asyncio.TimeoutError):
        pass                            # gone, or silent too long
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
