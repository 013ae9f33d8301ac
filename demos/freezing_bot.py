#!/usr/bin/env python3
"""freezing_bot - demo 6: a bot's heartbeat while it draws a picture.

An asyncio loop runs a heartbeat that should tick every 10 ms while a CPU
job of about 1 s (times --scale; the pure-Python sum of squares, sized by a
short calibration) runs three ways:
  inline:  called straight from a coroutine: the loop cannot run the
           heartbeat until the job returns (the bot freezes);
  thread:  asyncio.to_thread: the job holds the GIL, the loop thread gets it
           back at most every switch interval (5 ms), so ticks come late;
  process: run_in_executor on a one-process pool: the loop is free.
Each section's timeline has the job's row and a heartbeat row with a mark
per tick; the findings line per mode gives ticks, missed ticks and the lag
(tick time minus the time it was due) p50, p99 and max, in ms.
"""
import asyncio
import concurrent.futures
import multiprocessing
import os
import time

import lesson
from lesson import common

TICK_S = 0.010


def job(n):
    """The CPU job, timed where it runs: (value, start_ns, end_ns, tid, cpu)."""
    return common.timed(common.sum_squares, n)


def calibrate(seconds):
    """n such that sum_squares(n) takes about `seconds` here."""
    n, t0 = 200000, time.perf_counter()
    common.sum_squares(n)
    return max(1000, int(n * seconds / (time.perf_counter() - t0)))


async def heartbeat(log, stop, lags):
    due = time.monotonic()
    while not stop.is_set():
        due += TICK_S
        await asyncio.sleep(max(0.0, due - time.monotonic()))
        now = time.monotonic_ns()
        lags.append(now / 1e9 - due)
        log.add("heartbeat", now, now + 1000000)
        if lags[-1] > TICK_S:       # late: the next tick is due from now on
            due = now / 1e9


async def run_mode(mode, n, log, pool):
    stop, lags = asyncio.Event(), []
    beat = asyncio.create_task(heartbeat(log, stop, lags))
    await asyncio.sleep(3 * TICK_S)           # a few ticks before the job
    if mode == "inline":
        rec = job(n)
    elif mode == "thread":
        rec = await asyncio.to_thread(job, n)
    else:
        rec = await asyncio.get_running_loop().run_in_executor(pool, job, n)
    log.add("job (%s)" % mode, rec[1], rec[2], rec[3:])
    stop.set()
    await beat
    return rec, lags


def report(mode, rec, lags):
    job_s = (rec[2] - rec[1]) / 1e9
    ms = sorted(x * 1000 for x in lags)
    pick = lambda q: ms[min(len(ms) - 1, int(q * len(ms)))]
    expected = int(job_s / TICK_S)
    during = sum(1 for x in lags if x >= 0)
    print("%s: job %.3f s, ticks %d, missed %d, lag_p50_ms %.1f, lag_p99_ms %.1f, "
          "lag_max_ms %.1f" % (mode, job_s, during, max(0, expected + 3 - during),
                               pick(0.5), pick(0.99), ms[-1]))


def main():
    a = lesson.args(__doc__)
    n = calibrate(1.0 * a.scale)
    ctx = multiprocessing.get_context("fork")
    with concurrent.futures.ProcessPoolExecutor(1, mp_context=ctx,
                                                initializer=common.die_with_parent,
                                                initargs=(os.getpid(),)) as pool:
        pool.submit(abs, 1).result()          # start the worker before timing
        for mode in ("inline", "thread", "process"):
            log = lesson.Log()
            rec, lags = asyncio.run(run_mode(mode, n, log, pool))
            log.write(a.out, mode)
            report(mode, rec, lags)


if __name__ == "__main__":
    main()
