#!/usr/bin/env python3
"""gather_order - demo 2: gather returns in spawn order, as_completed in
completion order.

Three tasks, spawned as A, B, C, wait 1.5, 0.5 and 1.0 s (times --scale).
asyncio.gather hands back all three results at once, when the last one is
done, in spawn order; asyncio.as_completed hands each over as it finishes.
Sections: gather, as_completed; each has a row per task and a row per
result the caller received ("got X").
"""
import asyncio
import time

import lesson

WAITS = (("A", 1.5), ("B", 0.5), ("C", 1.0))


async def task(log, name, seconds):
    start = time.monotonic_ns()
    await asyncio.sleep(seconds)
    log.add("%s waits %.2g s" % (name, seconds), start, time.monotonic_ns())
    return name


async def with_gather(log, scale):
    names = await asyncio.gather(*(task(log, n, s * scale) for n, s in WAITS))
    for name in names:
        log.mark("got " + name)
    return names


async def with_as_completed(log, scale):
    names = []
    tasks = [asyncio.create_task(task(log, n, s * scale)) for n, s in WAITS]
    for next_done in asyncio.as_completed(tasks):
        names.append(await next_done)
        log.mark("got " + names[-1])
    return names


def main():
    a = lesson.args(__doc__)
    for section, fn in (("gather", with_gather), ("as_completed", with_as_completed)):
        log = lesson.Log()
        names = asyncio.run(fn(log, a.scale))
        log.write(a.out, section)
        print("%s order: %s" % (section, ",".join(names)))


if __name__ == "__main__":
    main()
