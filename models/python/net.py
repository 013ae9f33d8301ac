"""net.py - the net workload for the Python models: the protocol of
lib/net.h, a blocking and an asyncio client, and the private server.

    client -> server   "task <i>\\n"
    server             waits d ms
    server -> client   "done <i> <d>\\n", then closes the connection

A client reads to end of file and accepts only exactly the answer it
expects, d included, so a model's --ms must equal the server's. A failed
request reports nothing (the run's total comes up short, exit 1); the first
failure in a process is printed once, naming the call, the task and the
address. Without --connect a model starts a private server
(slowserver.py) in a fork()ed child on 127.0.0.1 and a free port, as the C
models do (lib/netserver.h); the listening socket is made before the fork,
so the port is known in the parent.
"""
import asyncio
import errno
import os
import resource
import socket
import sys
import threading

import slowserver

LINE_MAX = 48
ADDR_RANGE = "HOST:PORT, HOST an IPv4 address or localhost, PORT 1..65535"

_said = threading.Lock()


def parse_addr(text):
    """"HOST:PORT" -> (host, port), or None if text is not of that form."""
    host, colon, port = text.rpartition(":")
    host = "127.0.0.1" if host == "localhost" else host
    if not colon or not host or not port.isdigit() or port != port.strip():
        return None
    try:
        socket.inet_pton(socket.AF_INET, host)
    except OSError:
        return None
    return (host, int(port)) if 1 <= int(port) <= 65535 else None


def report(call, task, addr, err):
    """Print the first failed call of this process; the rest are silent."""
    if not _said.acquire(blocking=False):
        return
    who = "task %d: " % task if task >= 0 else ""
    print("%s: net: %s%s %s:%d: %s" % (os.path.basename(sys.argv[0]).removesuffix(".py"), who, call, addr[0],
                                       addr[1], os.strerror(err)), file=sys.stderr)


def answer(i, ms):
    return b"done %d %d\n" % (i, ms)


def exchange(sock, addr, i, ms):
    """On the blocking socket: connect, ask for task i, check the answer; 1 or 0."""
    call = "connect"
    try:
        sock.connect(addr)
        call = "send"
        sock.sendall(b"task %d\n" % i)
        call, got = "read", b""
        while len(got) < LINE_MAX:
            chunk = sock.recv(LINE_MAX - len(got))
            if not chunk:
                break
            got += chunk
    except OSError as err:
        report(call, i, addr, err.errno or errno.EIO)
        return 0
    if got != answer(i, ms):
        report("answer (does the server's --ms match?)", i, addr, errno.EPROTO)
        return 0
    return 1


def request(addr, i, ms):
    """One whole task on a socket of its own: 1 if answered right, else 0."""
    try:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    except OSError as err:
        report("socket", i, addr, err.errno)
        return 0
    with sock:
        return exchange(sock, addr, i, ms)


async def request_async(addr, i, ms):
    """The same task on the running asyncio loop."""
    call = "connect"
    try:
        reader, writer = await asyncio.open_connection(*addr)
        try:
            call = "send"
            writer.write(b"task %d\n" % i)
            await writer.drain()
            call = "read"
            got = await reader.read(LINE_MAX)
            while got and len(got) < LINE_MAX:
                more = await reader.read(LINE_MAX - len(got))
                if not more:
                    break
                got += more
        finally:
            writer.close()
    except OSError as err:
        report(call, i, addr, err.errno or errno.EIO)
        return 0
    if got != answer(i, ms):
        report("answer (does the server's --ms match?)", i, addr, errno.EPROTO)
        return 0
    return 1


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
        if cli.connect:
            self._probe(cli)
        else:
            self._start(cli)

    def _probe(self, cli):
        try:
            socket.create_connection(cli.addr).close()
        except OSError as err:
            report("connect", -1, cli.addr, err.errno or errno.EIO)
            sys.exit(3)

    def _start(self, cli):
        try:
            lsock = slowserver.listen("127.0.0.1", 0)
        except OSError as err:
            print("%s: net: listen 127.0.0.1:0: %s" % (cli.model, err.strerror),
                  file=sys.stderr)
            sys.exit(3)
        cli.addr = lsock.getsockname()
        sys.stdout.flush()
        self.pid = os.fork()
        if self.pid == 0:
            slowserver.die_with_parent()
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
