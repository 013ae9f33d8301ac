#!/usr/bin/env python3
"""lessons.py - the classic concurrency lessons, checked against one run.

    python3 scripts/lessons.py RUN     one line per lesson: id, verdict, evidence

Each lesson states its rule in words (shown in RESULTS.md) and a check that
applies exactly that rule to the run's CSVs. A verdict is "confirmed",
"not confirmed on this machine", or "not measured" when the data the rule
needs are not in the run. Thresholds are generous on purpose: a verdict
must not flip on noise, only on a different machine or a different model.
Also the loader of a results folder (class Run) that results.py shares.
"""
import csv
import json
import os
import sys

CONFIRMED = "confirmed"
NOT_CONFIRMED = "not confirmed on this machine"
NOT_MEASURED = "not measured"


def number(text):
    """text as an int or float when it is one, else text unchanged."""
    try:
        return int(text)
    except ValueError:
        pass
    try:
        return float(text)
    except ValueError:
        return text


class Run:
    """A results folder: machine.json and the CSVs it holds."""

    def __init__(self, path):
        self.path = path
        with open(os.path.join(path, "machine.json")) as f:
            self.machine = json.load(f)
        self.cores = int(self.machine.get("cpus_usable") or 1)
        self._cache = {}

    def rows(self, name):
        """The rows of NAME.csv as dicts of numbers/strings; None if absent."""
        if name not in self._cache:
            path = os.path.join(self.path, name + ".csv")
            if not os.path.exists(path) or os.path.getsize(path) == 0:
                self._cache[name] = None
            else:
                with open(path, newline="") as f:
                    self._cache[name] = [{k: number(v) for k, v in r.items()}
                                         for r in csv.DictReader(f)]
        return self._cache[name]

    def select(self, name, **match):
        """Rows of NAME.csv whose columns equal every match; [] if absent."""
        return [r for r in self.rows(name) or []
                if all(r.get(k) == v for k, v in match.items())]


def fmt_s(x):
    return "%.3g s" % x


def fmt_n(x):
    """A figure for prose: 3 significant digits, thousands separated."""
    return "{:,.0f}".format(x) if abs(x) >= 1000 else "%.3g" % x


def speedup_rows(run, model_cpu, model_scaling):
    """{workers: speedup} from cpu.csv (MODEL_CPU against seq's median) or,
    failing that, from gil_scaling.csv (MODEL_SCALING's own column)."""
    seq = run.select("cpu", model="seq")
    rows = run.select("cpu", model=model_cpu)
    if seq and rows:
        return {r["workers"]: seq[0]["median_s"] / r["median_s"] for r in rows}, "cpu.csv"
    rows = run.select("gil_scaling", model=model_scaling)
    if rows:
        return {r["workers"]: r["speedup"] for r in rows}, "gil_scaling.csv"
    return {}, None


def at_cores(run, speedups):
    """(W, speedup) at W = the core count, or the largest W > 1 below it."""
    ws = [w for w in speedups if 1 < w <= run.cores]
    if not ws:
        return None, None
    w = max(ws)
    return w, speedups[w]


def sum_vs_longest(run):
    seq = [r for r in run.select("io", model="seq") if r["tasks"] >= 2]
    if not seq:
        return NOT_MEASURED, "io.csv has no seq row with N >= 2"
    s = max(seq, key=lambda r: r["tasks"])
    n, d = s["tasks"], s["ms"] / 1000
    best = None
    for r in run.rows("io") or []:
        if r["model"] != "seq" and r["tasks"] >= n:
            if best is None or (r["tasks"], r["median_s"]) < (best["tasks"], best["median_s"]):
                best = r
    if best is None:
        return NOT_MEASURED, "io.csv has no concurrent model at N >= %d" % n
    seq_ratio = s["median_s"] / (n * d)
    conc_ratio = best["median_s"] / d
    evidence = ("seq, %d waits of %g ms: %s = %.2f x the sum; %s, %d waits: %s = %.2f x the longest"
                % (n, d * 1000, fmt_s(s["median_s"]), seq_ratio, best["model"],
                   best["tasks"], fmt_s(best["median_s"]), conc_ratio))
    ok = seq_ratio >= 0.9 and conc_ratio <= 1.5
    return (CONFIRMED if ok else NOT_CONFIRMED), evidence


def gil_no_speedup(run):
    if run.cores < 2:
        return NOT_MEASURED, "one CPU: no model can speed up here"
    speedups, src = speedup_rows(run, "gil", "gil_new")
    w, s = at_cores(run, speedups)
    if w is None:
        return NOT_MEASURED, "no gil rows with 1 < W <= %d in cpu.csv or gil_scaling.csv" % run.cores
    evidence = "threads under the new GIL, W = %d on %d CPUs: %.2fx over seq (%s)" % (
        w, run.cores, s, src)
    return (CONFIRMED if s <= 1.1 else NOT_CONFIRMED), evidence


def procs_speed_up(run):
    if run.cores < 2:
        return NOT_MEASURED, "one CPU: no model can speed up here"
    speedups, src = speedup_rows(run, "procs", "procs")
    w, s = at_cores(run, speedups)
    if w is None:
        return NOT_MEASURED, "no procs rows with 1 < W <= %d in cpu.csv or gil_scaling.csv" % run.cores
    evidence = "processes, W = %d on %d CPUs: %.2fx over seq, ideal %d (%s)" % (
        w, run.cores, s, w, src)
    return (CONFIRMED if s >= 0.75 * w else NOT_CONFIRMED), evidence


def switch_cost(run):
    coro = run.select("lat_switch", mechanism="coro")
    threads = [r for r in run.rows("lat_switch") or []
               if str(r["mechanism"]).startswith("thread_")]
    if not coro or not threads:
        return NOT_MEASURED, "lat_switch.csv lacks coro or thread_* rows"
    c = min(coro, key=lambda r: r["median_ns"])
    t = min(threads, key=lambda r: r["median_ns"])
    ratio = t["median_ns"] / c["median_ns"]
    evidence = ("coroutine switch %s ns; cheapest thread switch %s (%s) %s ns: %.1fx dearer"
                % (fmt_n(c["median_ns"]), t["mechanism"], t["placement"], fmt_n(t["median_ns"]), ratio))
    return (CONFIRMED if ratio >= 10 else NOT_CONFIRMED), evidence


def more_tasks(run):
    rows = run.rows("limits") or []
    coro = [r for r in rows if r["model"] == "coro"]
    others = [r for r in rows if r["model"] in ("thread", "process")]
    if not coro or not others:
        return NOT_MEASURED, "limits.csv lacks coro or thread/process rows"
    c = max(coro, key=lambda r: r["max_n"])
    o = max(others, key=lambda r: r["max_n"])
    if o["stopped_by"] == "none":
        return NOT_MEASURED, ("%s/%s reached the search cap (N = %s) before any limit: "
                              "a larger profile finds it" % (o["model"], o["variant"], fmt_n(o["max_n"])))
    ratio = c["max_n"] / o["max_n"]
    evidence = ("coro/%s reached N = %s (stopped by %s); the best of threads and processes, "
                "%s/%s, N = %s (stopped by %s): %.1fx"
                % (c["variant"], fmt_n(c["max_n"]), c["stopped_by"], o["model"], o["variant"],
                   fmt_n(o["max_n"]), o["stopped_by"], ratio))
    return (CONFIRMED if ratio >= 10 else NOT_CONFIRMED), evidence


def loop_stall(run):
    inline = run.select("heartbeat", mode="inline")
    if not inline:
        return NOT_MEASURED, "heartbeat.csv lacks the inline row"
    i = inline[0]
    job_ms = i["job_s"] * 1000
    off = [r for r in run.rows("heartbeat") if r["mode"] in ("process", "thread_nogil")]
    evidence = "CPU job of %.3g s inline on the loop: heartbeat lag up to %s ms" % (
        i["job_s"], fmt_n(i["lag_max_ms"]))
    ok = i["lag_max_ms"] >= 0.5 * job_ms
    if off:
        o = min(off, key=lambda r: r["lag_max_ms"])
        evidence += "; offloaded (%s): %s ms" % (o["mode"], fmt_n(o["lag_max_ms"]))
        ok = ok and o["lag_max_ms"] <= 0.1 * i["lag_max_ms"]
    return (CONFIRMED if ok else NOT_CONFIRMED), evidence


def few_waits(run):
    threads = {r["tasks"]: r for r in run.select("io", model="threads")}
    coro = {r["tasks"]: r for r in run.select("io", model="coro")}
    common = [n for n in threads if n in coro and n <= 100]
    if not common:
        return NOT_MEASURED, "io.csv lacks threads and coro rows at a common N <= 100"
    n = max(common)
    t, c = threads[n], coro[n]
    ratio = t["median_s"] / c["median_s"]
    evidence = "N = %d waits of %g ms: threads %s, coro %s: %.3fx" % (
        n, t["ms"], fmt_s(t["median_s"]), fmt_s(c["median_s"]), ratio)
    return (CONFIRMED if ratio <= 1.1 else NOT_CONFIRMED), evidence


# (id, the claim, the rule in words, the check)
LESSONS = [
    ("sum_vs_longest",
     "Awaiting one wait after another takes the sum of the waits; concurrent tasks take the longest.",
     "seq at its largest N >= 2 takes >= 0.9 x N*d, and the fastest concurrent model at the "
     "smallest N at or above it takes <= 1.5 x d (io.csv).",
     sum_vs_longest),
    ("gil_no_speedup",
     "Threads do not speed up CPU work under a GIL.",
     "With >= 2 CPUs, the gil model (new GIL) at W = the core count is at most 1.1x faster than "
     "seq (cpu.csv, else gil_scaling.csv).",
     gil_no_speedup),
    ("procs_speed_up",
     "Processes do speed up CPU work.",
     "With >= 2 CPUs, procs at W = the core count reach >= 0.75 x W over seq "
     "(cpu.csv, else gil_scaling.csv).",
     procs_speed_up),
    ("switch_cost",
     "An event loop's task switch is far cheaper than a thread switch.",
     "The cheapest thread_* switch in lat_switch.csv costs >= 10x the coroutine switch.",
     switch_cost),
    ("more_tasks",
     "An event loop runs far more concurrent tasks than threads or processes.",
     "The coroutine model's largest N in limits.csv is >= 10x the best of threads and processes "
     "(not measured when those reached the search cap instead of a limit).",
     more_tasks),
    ("loop_stall",
     "A CPU-bound task on the loop stalls every other task.",
     "With the job inline, the heartbeat's worst lag is >= half the job's length, and (when "
     "measured) the best offloaded mode's worst lag is <= a tenth of that (heartbeat.csv).",
     loop_stall),
    ("few_waits",
     "For a few short I/O waits, threads do as well as the event loop.",
     "At the largest N <= 100 both measured, threads take <= 1.1x the coroutine model's time (io.csv).",
     few_waits),
]


def check_all(run):
    """[(id, claim, rule, verdict, evidence)] for every lesson."""
    out = []
    for lid, claim, rule, check in LESSONS:
        verdict, evidence = check(run)
        out.append((lid, claim, rule, verdict, evidence))
    return out


def main(argv):
    if len(argv) != 2 or argv[1].startswith("-"):
        print("usage: lessons.py RUN", file=sys.stderr)
        return 2
    try:
        run = Run(argv[1])
    except OSError as e:
        print("lessons.py: %s: %s" % (argv[1], e.strerror), file=sys.stderr)
        return 2
    for lid, _, _, verdict, evidence in check_all(run):
        print("%s\t%s\t%s" % (lid, verdict, evidence))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
