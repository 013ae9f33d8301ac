#!/usr/bin/env python3
"""wait_for - demo 3: wait_for cancels on timeout; waiting for the first
completed leaves the others pending.

wait_for section: a task that would wait 2 s is given 1 s (times --scale);
wait_for raises TimeoutError, and the task sees CancelledError where it
waits and runs its cleanup. first_completed section: three tasks of 0.5, 1
and 1.5 s; asyncio.wait(FIRST_COMPLETED) returns after the first, the other
two are still pending and go on running until the caller gathers them.
"""
import asyncio
import time

import lesson


async def slow(log, seconds, outcome):
    start = time.monotonic_ns()
    try:
        await asyncio.sleep(seconds)
        outcome.append("finished")
    except asyncio.CancelledError:
        outcome.append("cancelled")
        raise
    finally:
        log.add("slow (%.2g s) %s" % (seconds, outcome[-1]), start, time.monotonic_ns())


async def timeout_demo(log, scale):
    outcome = []
    start = time.monotonic_ns()
    try:
        await asyncio.wait_for(slow(log, 2 * scale, outcome), timeout=1 * scale)
        result = "no timeout"
    except asyncio.TimeoutError:
        result = "TimeoutError"
    log.mark("caller: " + result)
    print("wait_for: %s after %.3f s, task %s" % (result, log.since(time.monotonic_ns())
                                                  - log.since(start), outcome[-1]))


async def sleeper(log, name, seconds):
    start = time.monotonic_ns()
    await asyncio.sleep(seconds)
    log.add("%s (%.2g s)" % (name, seconds), start, time.monotonic_ns())
    return name


async def first_demo(log, scale):
    tasks = [asyncio.create_task(sleeper(log, n, s * scale))
             for n, s in (("A", 0.5), ("B", 1.0), ("C", 1.5))]
    done, pending = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    log.mark("caller: wait returned")
    print("first_completed: done %d (%s), pending %d at %.3f s"
          % (len(done), ",".join(t.result() for t in done), len(pending),
             log.since(time.monotonic_ns())))
    await asyncio.gather(*pending)
    print("pending ones finished by %.3f s" % log.since(time.monotonic_ns()))


def main():
    a = lesson.args(__doc__)
    for section, fn in (("wait_for", timeout_demo), ("first_completed", first_demo)):
        log = lesson.Log()
        asyncio.run(fn(log, a.scale))
        log.write(a.out, section)


if __name__ == "__main__":
    main()
