#!/usr/bin/env python3
"""py_asyncio - one event loop, one thread. Twin of the C coro model.

  one per task (default): asyncio.gather of T tasks. io tasks await
    asyncio.sleep and net tasks the loop's streams, and overlap; cpu tasks
    compute without ever suspending,
    so they run back to back on the one thread (no speedup: the lesson).
  --workers W: W worker tasks take task indices from a shared counter.
"""
import asyncio
import errno
import itertools
import os
import sys
import time

import common
import net


async def task(cli, i):
    """Task i's record; an io task suspends on the loop while it waits."""
    tid, cpu = common.where()
    start = time.monotonic_ns()
    if cli.kind == "cpu":
        value = common.sum_squares(cli.n + i)
    elif cli.kind == "net":
        value = await net.request_async(cli.addr, i, cli.ms)
    else:
        await asyncio.sleep(cli.ms / 1000)
        value = 1
    return value, start, time.monotonic_ns(), tid, cpu


async def fan_out(cli, run, workers):
    records = [None] * cli.tasks
    counter = itertools.count()

    async def one(i):
        records[i] = await task(cli, i)

    async def worker():
        for i in counter:
            if i >= cli.tasks:
                return
            await one(i)

    try:
        if workers:
            await asyncio.gather(*(worker() for _ in range(workers)))
        else:
            await asyncio.gather(*(one(i) for i in range(cli.tasks)))
    except MemoryError:
        run.short("workers" if workers else "tasks", sum(r is not None for r in records),
                  cli.tasks, OSError(errno.ENOMEM, os.strerror(errno.ENOMEM)))
    for i, rec in enumerate(records):
        if rec is not None:
            run.task_done(i, rec)


def main():
    cli = common.parse("py_asyncio")
    workers = min(cli.workers, cli.tasks) if cli.workers else 0
    server = net.Server(cli)
    run = common.Run(cli, workers)
    asyncio.run(fan_out(cli, run, workers))
    status = run.finish()
    server.close()
    return status


if __name__ == "__main__":
    sys.exit(main())
