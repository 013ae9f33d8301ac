#!/usr/bin/env python3
"""gil_bytecode_rate.py - how long one CPython bytecode of the cpu workload's
loop takes here: the figure that sets the old GIL's check interval
(GIL_BYTECODE_ITERS in lib/gil.h; Python 2 released its lock every 100
bytecodes).

    python3 bench/gil_bytecode_rate.py [--n N]      (default N = 3,000,000)

The loop is the workload's own, `for i in range(n): s += i * i`; dis counts
the bytecodes of one iteration (FOR_ITER through the backward jump), the
median of 5 timed runs gives the time of one iteration. CSV on stdout:
python,bytecodes_per_iter,ns_per_iter,ns_per_bytecode,us_per_100_bytecodes
Compare ns_per_bytecode with the C kernel's ns per iteration (build/seq cpu
--tasks 1 --json: wall_s / n) to get the iterations one bytecode lasts.
"""
import dis
import platform
import statistics
import sys
import time


def loop(n):
    s = 0
    for i in range(n):
        s += i * i
    return s


def bytecodes_per_iteration(fn):
    """Instructions from FOR_ITER to the jump back to it, both included."""
    ops = list(dis.get_instructions(fn))
    start = next(k for k, op in enumerate(ops) if op.opname == "FOR_ITER")
    end = max(k for k, op in enumerate(ops) if op.opname.startswith("JUMP"))
    return end - start + 1


def main():
    n = 3000000
    args = sys.argv[1:]
    if args[:1] == ["--n"] and len(args) == 2 and args[1].isascii() and args[1].isdigit() \
            and 1000 <= int(args[1]) <= 10**9:
        n = int(args[1])
    elif args[:1] == ["--n"]:
        print("gil_bytecode_rate.py: --n: invalid value '%s' (accepted: 1000..1000000000)"
              % (args[1] if len(args) > 1 else ""), file=sys.stderr)
        return 2
    elif args:
        print("gil_bytecode_rate.py: unknown option '%s' (accepted: --n N)" % args[0],
              file=sys.stderr)
        return 2
    if loop(1000) != 1000 * 999 * 1999 // 6:
        return 1
    times = []
    for _ in range(5):
        t0 = time.perf_counter()
        loop(n)
        times.append(time.perf_counter() - t0)
    per_iter = statistics.median(times) / n * 1e9
    ops = bytecodes_per_iteration(loop)
    print("python,bytecodes_per_iter,ns_per_iter,ns_per_bytecode,us_per_100_bytecodes")
    print("%s,%d,%.2f,%.2f,%.3f" % (platform.python_version(), ops, per_iter,
                                    per_iter / ops, per_iter / ops * 100 / 1000))
    return 0


if __name__ == "__main__":
    sys.exit(main())
