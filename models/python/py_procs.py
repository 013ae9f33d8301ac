#!/usr/bin/env python3
"""py_procs - multiprocessing (fork start method). Twin of models/procs.c.

  one per task (default): a multiprocessing.Process per task.
  --workers W: a multiprocessing.Pool of W processes (imap_unordered, one
    task at a time, so the pool takes tasks as they come free).

One-per-task children send their record through one pipe; each record is
a single small write, so records from many children never interleave. The
parent reads until every write end is closed (EOF), then joins every child;
a child that exits non-zero marks the run failed. Children die with the
parent, even one killed right after the fork (slowserver.die_with_parent).
Each task's record carries its process's net failures (net.take_record),
so the parent prints one line for all of them. If starting child k fails,
the started ones finish, are read and joined, and the run exits with
status 3.
"""
import multiprocessing
import os
import sys

import common
import net

ctx = multiprocessing.get_context("fork")


def child(cli, i, conn, parent):
    common.die_with_parent(parent)
    rec = common.timed(common.run_task, cli, i)
    conn.send((i, rec, net.take_record()))
    conn.close()


def pool_task(args):
    cli, i = args
    rec = common.timed(common.run_task, cli, i)
    return i, rec, net.take_record()


def one_per_task(cli, run):
    reader, writer = ctx.Pipe(duplex=False)
    procs, parent = [], os.getpid()
    for i in range(cli.tasks):
        p = ctx.Process(target=child, args=(cli, i, writer, parent))
        try:
            p.start()
        except OSError as err:
            run.short("tasks", len(procs), cli.tasks, err)
            break
        procs.append(p)
    writer.close()
    seen = set()
    while True:
        try:
            i, rec, failures = reader.recv()
        except EOFError:
            break
        net.merge(failures)
        if i in seen:
            run.failed = True
            continue
        seen.add(i)
        run.task_done(i, rec)
    reader.close()
    for p in procs:
        p.join()
        run.failed |= p.exitcode != 0


def pooled(cli, run, workers):
    try:
        pool = ctx.Pool(workers, initializer=common.die_with_parent, initargs=(os.getpid(),))
    except OSError as err:
        run.short("workers", 0, workers, err)
        return
    with pool:
        for i, rec, failures in pool.imap_unordered(pool_task,
                                                    ((cli, i) for i in range(cli.tasks))):
            net.merge(failures)
            run.task_done(i, rec)
        pool.close()
        pool.join()


def main():
    cli = common.parse("py_procs")
    pool = cli.workers > 0
    want = min(cli.workers, cli.tasks) if pool else cli.tasks
    server = net.Server(cli)         # before the results pipe: it holds no end of it
    run = common.Run(cli, want if pool else 0)
    if pool:
        pooled(cli, run, want)
    else:
        one_per_task(cli, run)
    status = run.finish()
    server.close()
    return status


if __name__ == "__main__":
    sys.exit(main())
