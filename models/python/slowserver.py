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
import socket
import sys

LINE_MAX = 48


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


async def serve(sock, ms):
    """Answer every connection on sock after ms milliseconds, forever."""
    async def one(reader, writer):
        try:
            line = await reader.readline()
            parts = line.split()
            if (line.endswith(b"\n") and len(line) < LINE_MAX and len(parts) == 2
                    and parts[0] == b"task" and parts[1].isdigit()):
                await asyncio.sleep(ms / 1000)
                writer.write(b"done %d %d\n" % (int(parts[1]), ms))
                await writer.drain()
        except OSError:
            pass                        # the client went away: nothing to answer
        finally:
            writer.close()

    server = await asyncio.start_server(one, sock=sock, backlog=65535)
    async with server:
        await server.serve_forever()


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
