#!/usr/bin/env python3
"""py_seq - the Python baseline: each task runs to completion before the next.

The io and net workloads take T * d ("await one after another"); the cpu
workload the sum of every task's time. Twin of models/seq.c.
"""
import sys

import common
import net


def main():
    cli = common.parse("py_seq")
    server = net.Server(cli)
    run = common.Run(cli, 1 if cli.workers else 0)
    for i in range(cli.tasks):
        run.task_done(i, common.timed(common.run_task, cli, i))
    status = run.finish()
    server.close()
    return status


if __name__ == "__main__":
    sys.exit(main())
