#!/usr/bin/env python3
"""py_threads - threading, under CPython's real GIL. Twin of models/threads.c.

  one per task (default): thread i runs task i.
  --workers W: W threads take task indices from a shared counter until none
    are left (what a ThreadPoolExecutor does).
  --switch-interval-us U: sys.setswitchinterval(U / 1e6); CPython's default
    is 5000 (5 ms). The JSON reports the interval used.

Each task stores its record in its own slot; the main thread adds the slots
up after joining. If starting thread k fails, the started ones finish and
are joined, and the run exits with status 3.
"""
import itertools
import sys
import threading

import common

EXTRAS = (common.Extra("switch-interval-us",
                       "GIL switch interval in us, 1..1000000 (default 5000)",
                       1, 1000000, 5000),)


def start_threads(count, target, args_of):
    """Start count threads; return (started threads, the error that stopped them)."""
    threads = []
    for k in range(count):
        t = threading.Thread(target=target, args=args_of(k))
        try:
            t.start()
        except RuntimeError as err:     # "can't start new thread"
            return threads, err
        threads.append(t)
    return threads, None


def main():
    cli = common.parse("py_threads", EXTRAS)
    interval_us = cli.opts["switch-interval-us"]
    sys.setswitchinterval(interval_us / 1e6)
    pool = cli.workers > 0
    want = min(cli.workers, cli.tasks) if pool else cli.tasks
    records = [None] * cli.tasks
    counter, stop = itertools.count(), threading.Event()

    def one(i):
        records[i] = common.timed(common.run_task, cli, i)

    def worker():
        for i in counter:               # next() on a count is atomic under the GIL
            if i >= cli.tasks or stop.is_set():
                return
            one(i)

    run = common.Run(cli, want if pool else 0)
    run.extra("switch_interval_us", interval_us)
    threads, err = start_threads(want, worker if pool else one,
                                 (lambda k: ()) if pool else (lambda k: (k,)))
    if err is not None:
        stop.set()
        run.short("workers" if pool else "tasks", len(threads), want, err)
    for t in threads:
        t.join()
    for i, rec in enumerate(records):
        if rec is not None:
            run.task_done(i, rec)
    return run.finish()


if __name__ == "__main__":
    sys.exit(main())
