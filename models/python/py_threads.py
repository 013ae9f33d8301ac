#!/usr/bin/env python3
"""py_threads - threading, under CPython's real GIL. Twin of models/threads.c.

  one per task (default): thread i runs task i.
  --workers W: W threads take task indices from a shared counter until none
    are left (what a ThreadPoolExecutor does).
  --switch-interval-us U: sys.setswitchinterval(U / 1e6); CPython's default
    is 5000 (5 ms). The JSON reports the interval used.

Each task stores its record in its own slot; the main thread adds the slots
up after joining. If starting thread k fails, the started ones finish and
are joined, and the run exits with status 3. net, one per task: the main
thread opens task k's socket before it starts thread k (as threads.c does),
so running out of descriptors is met, and reported, in the same place.
"""
import itertools
import socket
import sys
import threading

import common
import net

EXTRAS = (common.Extra("switch-interval-us",
                       "GIL switch interval in us, 1..1000000 (default 5000)",
                       1, 1000000, 5000),)


def start_threads(count, target, args_of):
    """Start count threads; return (started threads, the error that stopped them)."""
    threads = []
    for k in range(count):
        try:
            t = threading.Thread(target=target, args=args_of(k))
            t.start()
        except (RuntimeError, OSError) as err:    # "can't start new thread", EMFILE
            return threads, err
        threads.append(t)
    return threads, None


def task_args(cli, k):
    """Thread k's arguments, one per task: (k, its socket for net, else None)."""
    if cli.kind != "net":
        return k, None
    return k, socket.socket(socket.AF_INET, socket.SOCK_STREAM)


def main():
    cli = common.parse("py_threads", EXTRAS)
    interval_us = cli.opts["switch-interval-us"]
    sys.setswitchinterval(interval_us / 1e6)
    pool = cli.workers > 0
    want = min(cli.workers, cli.tasks) if pool else cli.tasks
    records = [None] * cli.tasks
    counter, stop = itertools.count(), threading.Event()

    def one(i, sock=None):
        if sock is None:
            records[i] = common.timed(common.run_task, cli, i)
            return
        with sock:
            records[i] = common.timed(net.exchange, sock, cli.addr, i, cli.ms)

    def worker():
        for i in counter:               # next() on a count is atomic under the GIL
            if i >= cli.tasks or stop.is_set():
                return
            one(i)

    server = net.Server(cli)
    run = common.Run(cli, want if pool else 0)
    run.extra("switch_interval_us", interval_us)
    threads, err = start_threads(want, worker if pool else one,
                                 (lambda k: ()) if pool else (lambda k: task_args(cli, k)))
    if err is not None:
        stop.set()
        run.short("workers" if pool else "tasks", len(threads), want, err)
    for t in threads:
        t.join()
    for i, rec in enumerate(records):
        if rec is not None:
            run.task_done(i, rec)
    status = run.finish()
    server.close()
    return status


if __name__ == "__main__":
    sys.exit(main())
