#!/usr/bin/env python3
"""switch_bars.py - demo 7's table: what one switch costs, side by side.

    switch_bars.py LAT_SWITCH.csv

Reads build/bench/lat_switch's CSV (mechanism,placement,...,median_ns,...)
and prints, for a coroutine (the runtime's "coro" row, else "bare_jmp": the
hand-written switch that leaves by pop; jmp as co_switch does, the floor a
coroutine switch is measured against), glibc swapcontext, two
threads and two processes handing over through a futex (one CPU and two
CPUs), the median ns per switch with a bar on a log scale, then the lesson:
how many coroutine switches one thread or process switch costs.
Exit status: 0, 2 on bad usage or a CSV without the coroutine row.
"""
import csv
import math
import sys

ROWS = (("coro", "none", "coroutine (the loop's switch)"),
        ("bare_jmp", "none", "coroutine floor (bare_jmp)"),
        ("swapcontext", "none", "ucontext (glibc swapcontext)"),
        ("thread_futex", "one-cpu", "threads, futex, one CPU"),
        ("thread_futex", "two-cpus", "threads, futex, two CPUs"),
        ("proc_futex", "one-cpu", "processes, futex, one CPU"),
        ("proc_futex", "two-cpus", "processes, futex, two CPUs"))
WIDTH = 50


def main(argv):
    if len(argv) != 1:
        print("usage: switch_bars.py LAT_SWITCH.csv", file=sys.stderr)
        return 2
    with open(argv[0], newline="") as f:
        ns = {(r["mechanism"], r["placement"]): float(r["median_ns"])
              for r in csv.DictReader(f)}
    shown = [(label, ns[(m, p)]) for m, p, label in ROWS if (m, p) in ns]
    if ("coro", "none") in ns:
        shown = [s for s in shown if not s[0].startswith("coroutine floor")]
    coro = ns.get(("coro", "none"), ns.get(("bare_jmp", "none")))
    if coro is None or not shown:
        print("switch_bars.py: %s: no coro or bare_jmp row" % argv[0], file=sys.stderr)
        return 2
    top = math.log10(max(v for _, v in shown))
    for label, v in shown:
        cells = max(1, round(WIDTH * math.log10(max(v, 1.0)) / top))
        print("  %-30s %10.1f ns |%s" % (label, v, "#" * cells))
    print("  (bars on a log scale; median ns per switch, build/bench/lat_switch)")
    if ("coro", "none") not in ns:
        print("  (no coro row in this build: bare_jmp, the floor, stands in for a coroutine's)")
    print()
    for key, what in ((("thread_futex", "one-cpu"), "a thread switch"),
                      (("proc_futex", "one-cpu"), "a process switch")):
        if key in ns:
            print("%s on one CPU costs %.0f coroutine switches." % (what.capitalize(),
                                                                   ns[key] / coro))
    if ("thread_futex", "two-cpus") in ns:
        cross = ns[("thread_futex", "two-cpus")]
        print("Across CPUs a thread hand-over costs %.0f coroutine switches (%.1f us):"
              " the wake-up crosses CPUs." % (cross / coro, cross / 1000))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
