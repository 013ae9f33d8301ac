"""net.py - the net workload for the Python models: the HTTP subset of
lib/http.h, a blocking and an asyncio client, and the private server.

    client -> server   GET /sleep?ms=<d>&task=<i>, Connection: close
    server             waits d ms
    server -> client   200, body "done <i> <d>\\n", then closes the connection

A client reads to end of file and accepts only a 200 whose body is exactly
the one it expects (and matches its Content-Length). Without
--connect a model starts a private server (slowserver.py) in a fork()ed
child on 127.0.0.1 and a free port, as the C models do (lib/netserver.h);
the listening socket is made before the fork, so the port is known in the
parent.

No request waits forever: each has a deadline (--timeout-ms, default
10 * d + 5000 ms) over connect, send and read; after a first expiry the
run has failed, and requests that start later give up at once. A failed
request reports nothing where it happens: the first failure is kept and
every one counted (a child process hands its record to the parent:
take_record, merge), and finish() prints one line for the run, as
lib/net.c does.
"""
import asyncio
import errno
import os
import resource
import socket
import sys
import threading
import time

import slowserver

ANSWER_MAX = 1024
ADDR_RANGE = "HOST:PORT, HOST an IPv4 address or localhost, PORT 1..65535"
EXHAUSTED = slowserver.EXHAUSTED + (errno.EADDRNOTAVAIL,)


def default_timeout_ms(ms):
    return 10 * ms + 5000


class _Record:
    """This process's requests: the first failure (call, task, addr, errno),
    how many failed and completed, and whether one timed out."""

    def __init__(self):
        self.first, self.failed, self.completed, self.given_up = None, 0, 0, False


_lock = threading.Lock()
_rec = _Record()
_timeout_s = None               # None: default_timeout_ms of each request's d


def setup(timeout_ms):
    global _timeout_s
    _timeout_s = timeout_ms / 1000


def _deadline(ms):
    return time.monotonic() + (_timeout_s if _timeout_s is not None
                               else default_timeout_ms(ms) / 1000)


def _left(deadline):
    """Seconds left before deadline; TimeoutError once none are."""
    left = deadline - time.monotonic()
    if left <= 0:
        raise TimeoutError
    return left


def fail(call, task, addr, err):
    """Record task's failed call (an errno value): kept if it is the first."""
    with _lock:
        _rec.failed += 1
        _rec.given_up |= err == errno.ETIMEDOUT
        if _rec.first is None:
            _rec.first = (call, task, tuple(addr), err)
    return 0


def _completed():
    with _lock:
        _rec.completed += 1
    return 1


def take_record():
    """This process's record as a tuple, cleared but for given_up (for a
    child to send after each task)."""
    global _rec
    with _lock:
        rec, _rec = _rec, _Record()
        _rec.given_up = rec.given_up
    return rec.first, rec.failed, rec.completed


def merge(record):
    """Add a record from take_record (a child's) to this process's."""
    first, failed, completed = record
    with _lock:
        if _rec.first is None:
            _rec.first = first
        _rec.failed += failed
        _rec.completed += completed


def finish(model, tasks):
    """0 if no request failed; else print the first failure once, with the
    count, and return the exit status: 3 out of a resource, else 1."""
    first, failed, completed = take_record()
    if first is None:
        return 0
    call, task, addr, err = first
    if err == errno.ETIMEDOUT:
        print("%s: request %d: no answer within %g s (%d of %d completed)"
              % (model, task, _timeout_s, completed, tasks), file=sys.stderr)
        return 1
    print("%s: net: task %d: %s %s:%d: %s (%d of %d requests failed)"
          % (model, task, call, addr[0], addr[1], os.strerror(err), failed, tasks),
          file=sys.stderr)
    return 3 if err in EXHAUSTED else 1


def parse_addr(text):
    """"HOST:PORT" -> (host, port), or None if text is not of that form."""
    host, colon, port = text.rpartition(":")
    host = "127.0.0.1" if host == "localhost" else host
    if not colon or not host or not slowserver.digits(port) or len(port) > 5:
        return None
    try:
        socket.inet_pton(socket.AF_INET, host)
    except (OSError, ValueError):              # ValueError: NUL, surrogates
        return None
    return (host, int(port)) if 1 <= int(port) <= 65535 else None


def request_text(i, ms):
    return (b"GET /sleep?ms=%d&task=%d HTTP/1.1\r\nHost: localhost\r\n"
            b"Connection: close\r\n\r\n" % (ms, i))


def answer_ok(got, i, ms):
    """Is got a 200 whose body is exactly task i's answer for delay ms?"""
    head, sep, body = got.partition(b"\r\n\r\n")
    if not sep or not (head.startswith(b"HTTP/1.1 200") or head.startswith(b"HTTP/1.0 200")):
        return False
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length" and value.strip() != b"%d" % len(body):
            return False
    return body == b"done %d %d\n" % (i, ms)


def _errno(err):
    return errno.ETIMEDOUT if isinstance(err, TimeoutError) else err.errno or errno.EIO


def exchange(sock, addr, i, ms):
    """On the blocking socket: connect, ask for task i, check the answer by
    the request's deadline; 1 or 0."""
    if _rec.given_up:
        return fail("connect", i, addr, errno.ETIMEDOUT)
    deadline, call = _deadline(ms), "connect"
    try:
        sock.settimeout(_left(deadline))
        sock.connect(addr)
        call = "send"
        sock.settimeout(_left(deadline))
        sock.sendall(request_text(i, ms))
        call, got = "read", b""
        while len(got) < ANSWER_MAX:
            sock.settimeout(_left(deadline))
            chunk = sock.recv(ANSWER_MAX - len(got))
            if not chunk:
                break
            got += chunk
    except OSError as err:                     # TimeoutError is one
        return fail(call, i, addr, _errno(err))
    if not answer_ok(got, i, ms):
        return fail("answer", i, addr, errno.EPROTO)
    return _completed()


def request(addr, i, ms):
    """One whole task on a socket of its own: 1 if answered right, else 0."""
    try:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    except OSError as err:
        return fail("socket", i, addr, err.errno)
    with sock:
        return exchange(sock, addr, i, ms)


async def _ask(addr, i, ms, where):
    """Connect, send and read to end of file on the running loop; the answer.
    where[0] names the call in progress."""
    reader, writer = await asyncio.open_connection(*addr)
    try:
        where[0] = "send"
        writer.write(request_text(i, ms))
        await writer.drain()
        where[0], got = "read", b""
        while len(got) < ANSWER_MAX:
            more = await reader.read(ANSWER_MAX - len(got))
            if not more:
                break
            got += more
        return got
    finally:
        writer.close()


async def request_async(addr, i, ms):
    """The same task on the running asyncio loop, by its deadline."""
    if _rec.given_up:
        return fail("connect", i, addr, errno.ETIMEDOUT)
    where = ["connect"]
    try:
        got = await asyncio.wait_for(_ask(addr, i, ms, where), _left(_deadline(ms)))
    except OSError as err:                     # asyncio.TimeoutError is TimeoutError
        return fail(where[0], i, addr, _errno(err))
    if not answer_ok(got, i, ms):
        return fail("answer", i, addr, errno.EPROTO)
    return _completed()


def raise_nofile(model):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    try:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    except (OSError, ValueError) as err:
        print("%s: raising RLIMIT_NOFILE: %s (going on)" % (model, err), file=sys.stderr)


class Server:
    """The net workload's server for one run: the --connect one, checked, or a
    private one in a child process. close() kills and reaps the child."""

    def __init__(self, cli):
        self.pid = 0
        if cli.kind != "net":
            return
        raise_nofile(cli.model)
        setup(cli.timeout_ms)
        if cli.connect:
            self._probe(cli)
        else:
            self._start(cli)

    def _probe(self, cli):
        """Nobody answering at --connect is a failed run (exit 1)."""
        try:
            socket.create_connection(cli.addr, timeout=_timeout_s).close()
        except OSError as err:
            print("%s: net: connect %s:%d: %s" % (cli.model, cli.addr[0], cli.addr[1],
                                                   os.strerror(_errno(err))), file=sys.stderr)
            sys.exit(1)

    def _start(self, cli):
        try:
            lsock = slowserver.listen("127.0.0.1", 0)
        except OSError as err:
            print("%s: net: listen 127.0.0.1:0: %s" % (cli.model, err.strerror),
                  file=sys.stderr)
            sys.exit(3)
        cli.addr = lsock.getsockname()
        sys.stdout.flush()
        parent = os.getpid()
        self.pid = os.fork()
        if self.pid == 0:
            slowserver.die_with_parent(parent)
            try:
                asyncio.run(slowserver.serve(lsock, cli.ms))
            finally:
                os._exit(3)
        lsock.close()

    def close(self):
        if self.pid:
            os.kill(self.pid, 9)
            os.waitpid(self.pid, 0)
            self.pid = 0
