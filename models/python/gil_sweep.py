#!/usr/bin/env python3
"""gil_sweep.py - the real GIL's switch interval against its hand-offs: the
Python twin of bench/gil_sweep.c (which measures the emulated new GIL).

    python3 models/python/gil_sweep.py [--scale smoke|quick|full]   (default quick)

2 and 4 CPU-bound threads (a pool over the sum-of-squares list, T = 20 tasks
of N + i, taken from a shared counter as gil_sweep.c's pool does) under
sys.setswitchinterval(U) for the same intervals U as gil_sweep.c. CPython
keeps no count of GIL hand-offs that a program can read, so the threads
count them themselves: every CHUNK iterations a thread compares the shared
"last thread seen running" with itself; when it differs, another thread has
held the GIL since this one last looked, which is one hand-off to this
thread. gil.c counts the same event (a take by a thread other than the last
holder, the very first take included).

    smoke: N = 100,000,   intervals 50, 5000, 50000 us, 3 repetitions
    quick: N = 300,000,   intervals 50, 500, 5000 us, 3 repetitions
    full:  N = 1,000,000, 10 intervals 50..50000 us, 5 repetitions

N is smaller than gil_sweep.c's (1, 10, 40 million) because a Python loop
iteration costs about 100 times a C one; each run still lasts many switch
intervals at all but the longest intervals. Repetitions are interleaved
across cases and one untimed run warms up, as in gil_sweep.c. Every run
checks its total against n(n-1)(2n-1)/6. CSV on stdout, gil_sweep.c's:
threads,interval_us,median_s,tasks_per_s,handoffs,handoffs_per_s
(medians over the repetitions; handoffs_per_s is the median of each run's
hand-offs divided by its wall time).

Exit status: 0 done, 1 a wrong total, 2 bad usage (one line on stderr naming
the option, the value and what is accepted), 3 a thread could not start.
"""
import itertools
import statistics
import sys
import threading
import time

PROG = "gil_sweep.py"
SCALES = ("smoke", "quick", "full")
THREAD_COUNTS = (2, 4)
ALL_INTERVALS = (50, 100, 200, 500, 1000, 2000, 5000, 10000, 20000, 50000)
SIZES = {  # scale: (N, intervals in us, repetitions)
    "smoke": (100000, (50, 5000, 50000), 3),
    "quick": (300000, (50, 500, 5000), 3),
    "full": (1000000, ALL_INTERVALS, 5),
}
TASKS = 20
# Iterations between two looks at the shared "last seen" cell. At about 40 ns
# an iteration a chunk lasts about 10 us, a fifth of the shortest interval:
# a thread that gets the GIL for one interval finishes at least one chunk and
# so is seen. (The GIL itself switches at the interpreter's own check points,
# which come every few bytecodes; the chunk only paces the counting, as
# GIL_TICK_ITERS paces gil.c's check points.)
CHUNK = 256

USAGE = """usage: %s [--scale smoke|quick|full]

Throughput and hand-offs of 2 and 4 CPU threads under CPython's real GIL
(sys.setswitchinterval) with switch intervals from 0.05 ms to 50 ms.
Options:
  --scale        size of the run: smoke seconds, quick < 1 min, full minutes (smoke|quick|full)
  --help         this text""" % PROG


def bad(text):
    print("%s: %s" % (PROG, text), file=sys.stderr)
    sys.exit(2)


def parse(argv):
    """The scale named by argv, or exit: 0 after --help, 2 on bad usage."""
    scale, i = "quick", 0              # gil_sweep.c's default too
    while i < len(argv):
        arg = argv[i]
        i += 1
        if arg in ("--help", "-h"):
            print(USAGE)
            sys.exit(0)
        name, eq, value = arg.partition("=")
        if name != "--scale":
            if arg.startswith("-"):
                bad("%s: unknown option (accepted: --scale smoke|quick|full, --help)" % name)
            bad("'%s': unexpected argument (accepted: --scale smoke|quick|full, --help)" % arg)
        if not eq:
            if i == len(argv):
                bad("--scale: missing value (accepted: smoke|quick|full)")
            value = argv[i]
            i += 1
        if value not in SCALES:
            bad("--scale: invalid value '%s' (accepted: smoke|quick|full)" % value)
        scale = value
    return scale


class Shared:
    """What the threads of one run share: the last thread that looked, and
    the task counter. An attribute read or write is atomic under the GIL, so
    no lock guards them (a lock would be a hand-off point of its own, which
    the count would then see)."""

    def __init__(self):
        self.last = None
        self.counter = itertools.count()


def square_sum_counting(shared, me, n):
    """Sum of k*k for 0 <= k < n, looking at shared.last every CHUNK
    iterations; returns (sum, hand-offs this thread saw)."""
    total, seen = 0, 0
    for lo in range(0, n, CHUNK):
        total += sum(k * k for k in range(lo, min(lo + CHUNK, n)))
        if shared.last != me:
            shared.last = me
            seen += 1
    return total, seen


def pooled(shared, me, n, results, counts):
    """A pool thread: take task indices from the shared counter until none
    are left. next() on an itertools.count is one C call, atomic under the
    GIL, so the pool needs no lock either."""
    seen = 0
    for i in shared.counter:
        if i >= TASKS:
            break
        value, s = square_sum_counting(shared, me, n + i)
        results.append((i, value))
        seen += s
    counts[me] = seen


def run_once(threads, interval_us, n, want):
    """One timed run: (seconds, hand-offs); exits 1 on a wrong total, 3 when
    a thread cannot start."""
    sys.setswitchinterval(interval_us / 1e6)
    shared, results, counts = Shared(), [], {}
    t0 = time.perf_counter()
    pool = []
    for k in range(threads):
        t = threading.Thread(target=pooled, args=(shared, k, n, results, counts))
        try:
            t.start()
        except RuntimeError as err:
            print("%s: starting thread %d of %d: %s" % (PROG, k + 1, threads, err),
                  file=sys.stderr)
            sys.exit(3)
        pool.append(t)
    for t in pool:
        t.join()
    secs = time.perf_counter() - t0
    sys.setswitchinterval(0.005)
    got = sorted(results)
    if [i for i, _ in got] != list(range(TASKS)) or sum(v for _, v in got) != want:
        print("%s: %d threads, interval %d us: wrong total" % (PROG, threads, interval_us),
              file=sys.stderr)
        sys.exit(1)
    return secs, sum(counts.values())


def formula(n):
    return n * (n - 1) * (2 * n - 1) // 6


def main(argv):
    scale = parse(argv)
    n, intervals, reps = SIZES[scale]
    want = sum(formula(n + i) for i in range(TASKS))
    run_once(2, 5000, n, want)                  # warm-up, not reported
    samples = {(t, u): [] for t in THREAD_COUNTS for u in intervals}
    for _ in range(reps):
        for t in THREAD_COUNTS:
            for u in intervals:
                samples[(t, u)].append(run_once(t, u, n, want))
    print("threads,interval_us,median_s,tasks_per_s,handoffs,handoffs_per_s")
    for t in THREAD_COUNTS:
        for u in intervals:
            runs = samples[(t, u)]
            secs = statistics.median(s for s, _ in runs)
            hand = statistics.median(h for _, h in runs)
            rate = statistics.median(h / s for s, h in runs)
            print("%d,%d,%.6f,%.3f,%.0f,%.3f" % (t, u, secs, TASKS / secs, hand, rate))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
