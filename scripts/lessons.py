#!/usr/bin/env python3
"""lessons.py - the classic concurrency lessons, checked against one run.

    python3 scripts/lessons.py RUN     one line per lesson: id, verdict, evidence

Each lesson states its rule in words (shown in RESULTS.md) and a check that
applies exactly that rule to the run's CSVs. A verdict is "confirmed",
"not confirmed on this machine", or "not measured" when the data the rule
needs are not in the run. Thresholds are generous on purpose: a verdict
must not flip on noise, only on a different machine or a different model.
The lessons are about the suite's own models (side "suite" in
models/models.tsv); the reference models sit in the same CSVs and are left
out of them.

Then the comparisons of the real GIL (CPython, the py_* models and
models/python/gil_sweep.py) with the emulated one (lib/gil.c), in GIL_SHAPES:
"match", "do not match on this machine", or "not measured", by the same
kind of stated rule. They print after the lessons, in the same format.
To add a lesson: one row of LESSONS (or GIL_SHAPES for a comparison of the
real GIL with the emulated one): its id, the claim and the rule as a reader
should read them, and its check, a function of the run returning
(verdict, evidence) by exactly that rule, "not measured" with the reason
when its rows are missing. measured(), speedup_rows() and at_cores() are
the usual look-ups; models.py says which model is whose. RESULTS.md shows
the row by itself; tests/cli/harness.bats wants a fixture row that
confirms it (tests/fixtures/run) and one that does not (contradicts/).

Also the loader of a results folder (class Run) that results.py and
targets.py share. A results folder is untrusted input: Run checks
machine.json and every CSV against its contract (the headers in
scripts/bench.sh) and raises BadRun, one line naming the file, the line and
what is wrong, before any figure is computed.
"""
import csv
import io
import math
import json
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import models  # noqa: E402

CONFIRMED = "confirmed"
NOT_CONFIRMED = "not confirmed on this machine"
NOT_MEASURED = "not measured"
MATCH = "match"
NO_MATCH = "do not match on this machine"
# The emulated GIL's figures against the real one's: a ratio Python / C in
# these bounds counts as the same. Generous on purpose, like the lessons'
# thresholds: what they must catch is a different shape (threads that do
# speed up under one of the two, a real GIL that ignores its switch
# interval), not noise.
SPEEDUP_RATIO = (2 / 3, 1.5)
HANDOFF_RATIO = (1 / 3, 3.0)
# A sweep point compares only when its run lasted this many intervals, and
# this long: in a shorter run the rate counts the hand-offs of starting and
# joining the threads (milliseconds of scheduling), not the interval's.
# (gil_sweep --scale smoke's runs last about 8 ms: too short, on purpose.)
MIN_INTERVALS = 10
MIN_RUN_S = 0.05


BENCH_SH = os.path.join(os.path.dirname(os.path.abspath(__file__)), "bench.sh")
# The columns that hold words; every other column holds a number.
TEXT_COLUMNS = {"model", "workload", "mechanism", "placement", "variant", "stopped_by", "detail",
                "stack_mode", "lock", "mode", "metric", "server", "load", "role", "backend", "steal"}
# The columns a row may leave empty: the tidy CSVs' ms (cpu) and n (io, net),
# their stddev_s where a point ran once (hyperfine has none for one run),
# lat_switch's switches per round trip (counted for the kernel rows only).
# serve.csv's latencies are empty when wrk got no answer at all.
MAY_BE_EMPTY = {"ms", "n", "stddev_s", "vol_switches_per_round_trip", "detail", "p50_ms", "p99_ms", "max_ms"}
# Times and rates the figures divide by: a zero is damage, not a measurement.
POSITIVE = {"median_s", "median_ns", "mean_s", "wall_s"}
# The CSVs whose first column names a model of models/models.tsv.
MODEL_CSVS = {"io", "cpu", "net", "sleepers"}
MACHINE_NUMBERS = ("cpus_usable", "cpus_online", "mem_kb", "pid_max", "threads_max", "max_map_count")
MACHINE_OBJECTS = ("open_files", "tools", "not_built")


class BadRun(Exception):
    """A results folder that breaks its contract: the message names the
    file, the line and what is wrong."""


def contracts():
    """{csv name: [columns]} from scripts/bench.sh (TIDY_HEADER for the
    suites, header_<name> for each program)."""
    out = {}
    with open(BENCH_SH) as f:
        for line in f:
            m = re.match(r"^(TIDY_HEADER|header_(\w+))=([\w,]+)$", line.strip())
            if m and m.group(1) == "TIDY_HEADER":
                for suite in ("io", "cpu", "net"):
                    out[suite] = m.group(3).split(",")
            elif m:
                out[m.group(2)] = m.group(3).split(",")
    return out


CONTRACTS = contracts()


def cell(where, col, text):
    """TEXT of column COL as the contract reads it: a word, a finite number,
    or None when empty and allowed; BadRun otherwise."""
    if col in TEXT_COLUMNS:
        return text
    if text == "":
        if col in MAY_BE_EMPTY:
            return None
        raise BadRun("%s: %s is empty (a number belongs there)" % (where, col))
    try:
        value = int(text) if re.fullmatch(r"-?[0-9]+", text) else float(text)
    except ValueError:
        raise BadRun("%s: %s is '%s', not a number" % (where, col, text[:40])) from None
    if not math.isfinite(value):
        raise BadRun("%s: %s is '%s', not a finite number" % (where, col, text[:40]))
    if col in POSITIVE and value <= 0:
        raise BadRun("%s: %s is %s (a time must be above 0)" % (where, col, text))
    return value


def read_machine(path):
    """machine.json as a dict, its numbers numbers; BadRun otherwise."""
    try:
        with open(path, "rb") as f:
            data = f.read()
        m = json.loads(data.decode("utf-8"))
    except UnicodeDecodeError:
        raise BadRun("%s: not text (binary data)" % path) from None
    except ValueError as e:
        raise BadRun("%s: not valid JSON (%s)" % (path, "empty" if not data.strip() else e)) from None
    if not isinstance(m, dict):
        raise BadRun("%s: a JSON %s, not an object" % (path, type(m).__name__.replace("list", "array")))
    for key in MACHINE_NUMBERS:
        v = m.get(key)
        if v is not None and (isinstance(v, bool) or not isinstance(v, (int, float))):
            raise BadRun("%s: %s is %s, not a number" % (path, key, json.dumps(v)[:40]))
    for key in MACHINE_OBJECTS:
        if key in m and not isinstance(m[key], dict):
            raise BadRun("%s: %s is %s, not an object" % (path, key, json.dumps(m[key])[:40]))
    if not isinstance(m.get("models", []), list):
        raise BadRun("%s: models is not an array" % path)
    return m


def read_csv(path, name):
    """The rows of the CSV at PATH as dicts, checked against NAME's
    contract; BadRun at the first line that breaks it."""
    with open(path, "rb") as f:
        data = f.read()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise BadRun("%s: not text (binary data at byte %d)" % (path, e.start)) from None
    if "\0" in text:
        raise BadRun("%s: not text (a NUL byte at byte %d)" % (path, text.index("\0")))
    lines = list(csv.reader(io.StringIO(text, newline="")))
    header, want = lines[0], CONTRACTS.get(name)
    if want is not None and header != want:
        extra = [c for c in header if c not in want]
        missing = [c for c in want if c not in header]
        raise BadRun("%s line 1: the header is not the contract (%s)" % (path, "; ".join(
            x for x in ("extra: " + ",".join(extra) if extra else "",
                        "missing: " + ",".join(missing) if missing else "",
                        "" if extra or missing else "columns out of order") if x)))
    rows = []
    for i, cells in enumerate(lines[1:], 2):
        where = "%s line %d" % (path, i)
        if len(cells) != len(header):
            raise BadRun("%s: %d fields, the header has %d" % (where, len(cells), len(header)))
        row = {col: cell(where, col, text) for col, text in zip(header, cells)}
        if name in MODEL_CSVS and not models.known(row["model"]):
            raise BadRun("%s: model '%s' is not in models/models.tsv" % (where, row["model"][:40]))
        if name == "serve" and row["server"] not in models.SERVERS:
            raise BadRun("%s: server '%s' is not in models/servers.tsv" % (where, row["server"][:40]))
        rows.append(row)
    return rows


class Run:
    """A results folder: machine.json and the CSVs it holds, checked."""

    def __init__(self, path):
        self.path = path
        self.machine = read_machine(os.path.join(path, "machine.json"))
        self.cores = max(int(self.machine.get("cpus_usable") or 1), 1)
        self._cache = {}

    def rows(self, name):
        """The rows of NAME.csv as dicts of numbers/strings; None if absent."""
        if name not in self._cache:
            path = os.path.join(self.path, name + ".csv")
            if not os.path.exists(path) or os.path.getsize(path) == 0:
                self._cache[name] = None
            else:
                self._cache[name] = read_csv(path, name)
        return self._cache[name]

    def check(self):
        """Read every CSV the contracts name: BadRun at the first damage."""
        for name in CONTRACTS:
            self.rows(name)

    def select(self, name, **match):
        """Rows of NAME.csv whose columns equal every match; [] if absent."""
        return [r for r in self.rows(name) or []
                if all(r.get(k) == v for k, v in match.items())]


def measured(run, name, col, **match):
    """The smallest COL of NAME's rows whose columns equal MATCH, or None."""
    rows = run.select(name, **match)
    return min(r[col] for r in rows) if rows else None


def fmt_s(x):
    return "%.3g s" % x


def fmt_n(x):
    """A figure for prose: 3 significant digits, thousands separated."""
    return "{:,.0f}".format(x) if abs(x) >= 1000 else "%.3g" % x


def speedup_rows(run, model_cpu, model_scaling):
    """{workers: speedup} from cpu.csv (MODEL_CPU against its language's
    sequential model, models.baseline; for a language without one, against
    its own W = 1 row) or, failing that, from gil_scaling.csv
    (MODEL_SCALING's own column)."""
    rows = run.select("cpu", model=model_cpu)
    base = models.baseline(model_cpu)
    seq = run.select("cpu", model=base) if base else [r for r in rows if r["workers"] == 1]
    if seq and rows:
        return {r["workers"]: seq[0]["median_s"] / r["median_s"] for r in rows}, "cpu.csv"
    rows = run.select("gil_scaling", model=model_scaling)
    if rows:
        return {r["workers"]: r["speedup"] for r in rows}, "gil_scaling.csv"
    return {}, None


def interleaved_speedups(run, model):
    """({workers: speedup}, source) of MODEL: from gil_scaling.csv, where
    every model's runs are interleaved in one program (a slow moment of the
    machine hits all alike), else from cpu.csv (speedup_rows)."""
    rows = run.select("gil_scaling", model=model)
    if rows:
        return {r["workers"]: r["speedup"] for r in rows}, "gil_scaling.csv"
    return speedup_rows(run, model, None)


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
        if r["model"] != "seq" and models.is_suite(r["model"]) and r["tasks"] >= n:
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


def servers_of(fanout, pool=False):
    """The suite's server models (models/servers.tsv, whose client model is
    a suite model) of FANOUT: one per connection, or with pool=True the pools."""
    return [n for n, r in models.SERVERS.items()
            if r["fanout"] == fanout and (r["pool"] != "-") == pool and models.is_suite(r["model"])]


def c10k(run):
    sleep = run.select("serve", load="sleep")
    if not sleep:
        return NOT_MEASURED, "serve.csv lacks sleep rows"
    c = max(r["connections"] for r in sleep)
    at = {r["server"]: r for r in sleep if r["connections"] == c}
    loops = [at[s] for s in servers_of("loop") if s in at]
    threads = [at[s] for s in servers_of("thread") if s in at]
    if c < 10000 or not loops or not threads:
        return NOT_MEASURED, ("serve.csv has no loop and thread-per-connection rows at C >= 10,000 "
                              "(largest C: %s)" % fmt_n(c))
    loop = max(loops, key=lambda r: r["rps"])
    thread = max(threads, key=lambda r: r["rps"])

    def holds(r, rps_floor):
        return r["held_peak"] >= 0.99 * c and r["refused"] == 0 and r["rps"] >= rps_floor

    evidence = ("C = %s, ideal %s/s: %s held %s, %s/s, refused %s; %s held %s, %s/s, refused %s"
                % (fmt_n(c), fmt_n(loop["ideal_rps"]), loop["server"], fmt_n(loop["held_peak"]),
                   fmt_n(loop["rps"]), fmt_n(loop["refused"]), thread["server"],
                   fmt_n(thread["held_peak"]), fmt_n(thread["rps"]), fmt_n(thread["refused"])))
    ok = holds(loop, 0.2 * loop["ideal_rps"]) and not holds(thread, 0.5 * loop["rps"])
    return (CONFIRMED if ok else NOT_CONFIRMED), evidence


def server_freeze(run):
    mixed = {r["server"]: r for r in run.select("serve", load="mixed") if r["p99_ms"] is not None}
    loops = [mixed[s] for s in servers_of("loop") if s in mixed]
    others = [mixed[s] for s in servers_of("thread") + servers_of("proc") if s in mixed]
    if not loops or not others:
        return NOT_MEASURED, "serve.csv lacks mixed rows of a loop and of a thread or process server"
    loop = min(loops, key=lambda r: r["p99_ms"])
    best = min(others, key=lambda r: r["p99_ms"])
    ratio = loop["p99_ms"] / best["p99_ms"]
    evidence = ("mixed load, C = %s, d = %s ms: p99 %s %s ms, %s %s ms: %.2fx"
                % (fmt_n(loop["connections"]), fmt_n(loop["ms"]), loop["server"],
                   fmt_n(loop["p99_ms"]), best["server"], fmt_n(best["p99_ms"]), ratio))
    return (CONFIRMED if ratio >= 1.3 else NOT_CONFIRMED), evidence


def old_gil_battle(run):
    if run.cores < 2:
        return NOT_MEASURED, "one CPU: two threads cannot fight over the lock from two cores"
    old = run.select("gil_scaling", model="gil_old", workers=2)
    seq = run.select("gil_scaling", model="seq")
    if not old or not seq:
        return NOT_MEASURED, "gil_scaling.csv lacks the seq or the gil_old W = 2 row"
    o, q = old[0], seq[0]
    slower = o["median_s"] / q["median_s"]
    evidence = ("old GIL, 2 threads on %d CPUs: %s against seq's %s, %.2fx slower; "
                "%s handoffs, %s wake-ups that found the lock taken again"
                % (run.cores, fmt_s(o["median_s"]), fmt_s(q["median_s"]), slower,
                   fmt_n(o["handoffs"]), fmt_n(o["failed_wakeups"])))
    ok = slower >= 1.3 and o["failed_wakeups"] > 0
    return (CONFIRMED if ok else NOT_CONFIRMED), evidence


def backend_pairs(run, tasks=None):
    """[(role, N, epoll row, io_uring row)] from net_backends.csv, client then
    server, at N = TASKS, or at the largest N where both backends were measured."""
    out = []
    for role in ("client", "server"):
        by = {}
        for r in run.select("net_backends", role=role):
            by.setdefault(r["tasks"], {})[r["backend"]] = r
        both = [n for n, b in by.items() if "epoll" in b and "uring" in b and tasks in (None, n)]
        if both:
            n = max(both)
            out.append((role, n, by[n]["epoll"], by[n]["uring"]))
    return out


def fewer_syscalls(run):
    pairs = backend_pairs(run)
    if len(pairs) < 2:
        return NOT_MEASURED, "net_backends.csv lacks epoll and io_uring rows for the client and the server"
    evidence = "; ".join("%s at N = %s: epoll %.3g, io_uring %.3g system calls per request" % (
        role, fmt_n(n), e["syscalls_per_request"], u["syscalls_per_request"]) for role, n, e, u in pairs)
    ok = all(u["syscalls_per_request"] <= 0.5 * e["syscalls_per_request"] for _, _, e, u in pairs)
    return (CONFIRMED if ok else NOT_CONFIRMED), evidence


def mn_both(run):
    if run.cores < 2:
        return NOT_MEASURED, "one CPU: no scheduler can use every core here"
    speedups, src = interleaved_speedups(run, "mn")
    w, s = at_cores(run, speedups)
    if w is None:
        return NOT_MEASURED, "no mn rows with 1 < W <= %d in gil_scaling.csv or cpu.csv" % run.cores
    mn = run.select("sleepers", model="mn", tasks=1000000, ms=1000)
    coro = run.select("sleepers", model="coro", tasks=1000000, ms=1000)
    if not mn or not coro:
        return NOT_MEASURED, "no mn and coro rows of 1,000,000 sleepers of 1 s in sleepers.csv (a smaller profile)"
    m, c = mn[0]["wall_s"], coro[0]["wall_s"]
    evidence = ("mn at W = %d on %d CPUs: %.2fx over seq, ideal %d (%s); 1,000,000 sleepers of 1 s: "
                "mn %s, one loop (coro) %s, %.2fx" % (w, run.cores, s, w, src, fmt_s(m), fmt_s(c), m / c))
    return (CONFIRMED if s >= 0.75 * w and m <= 1.5 * c else NOT_CONFIRMED), evidence


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
    ("old_gil_battle",
     "Under Python 2's GIL, two CPU-bound threads on two cores run slower than one after another "
     "(Beazley: 1.8x): every release wakes the other thread, which finds the lock taken again.",
     "With >= 2 CPUs, gil_old at W = 2 takes >= 1.3x seq's median, and its waiters woke to find the "
     "lock taken (failed_wakeups > 0; gil_scaling.csv).",
     old_gil_battle),
    ("fewer_syscalls",
     "Completion-based I/O needs fewer system calls than readiness-based I/O.",
     "At the largest N measured, the io_uring loop makes at most half the system calls per request "
     "of the epoll loop, for the client and for the server alike (net_backends.csv).",
     fewer_syscalls),
    ("c10k",
     "A thread per connection stops where the machine's threads stop; the loop holds 10,000 connections.",
     "At the largest C in serve.csv (at least 10,000), the loop server holds >= 99% of C, refuses "
     "none and answers >= 0.2 x C/d requests per second, while the best thread-per-connection "
     "server fails one of: holding >= 99% of C, refusing none, answering >= half the loop's rate.",
     c10k),
    ("server_freeze",
     "One CPU-heavy request delays every connection on a single loop, not on threads or processes.",
     "Under the mixed load (1 request in 100 a /cpu), the loop server's p99 is >= 1.3x the best "
     "p99 of the thread- and process-per-connection servers (serve.csv).",
     server_freeze),
    ("mn_both",
     "An M:N scheduler gets both: the loop's cheap tasks and every core.",
     "With >= 2 CPUs, mn at W = the core count (or the largest W below it) reaches >= 0.75 x W over seq (gil_scaling.csv, its runs interleaved with the other models', else cpu.csv), and its "
     "1,000,000 sleepers of 1 s take <= 1.5x one loop's (coro's) wall (sleepers.csv).",
     mn_both),
]


def check_all(run):
    """[(id, claim, rule, verdict, evidence)] for every lesson."""
    out = []
    for lid, claim, rule, check in LESSONS:
        verdict, evidence = check(run)
        out.append((lid, claim, rule, verdict, evidence))
    return out


# --- the real GIL beside the emulated one -----------------------------------

def within(ratio, bounds):
    return bounds[0] <= ratio <= bounds[1]


def gil_speedup_pairs(run):
    """[(W, py_threads' speedup over py_seq, gil's over seq, ratio)] at every
    W >= 2 both have (gil from cpu.csv, else gil_scaling.csv's gil_new), and
    the source of gil's figures. W = 1 is left out: one thread says nothing
    about a lock."""
    py, _ = speedup_rows(run, "py_threads", None)
    c, src = speedup_rows(run, "gil", "gil_new")
    pairs = [(w, py[w], c[w], py[w] / c[w]) for w in sorted(py) if w >= 2 and w in c and c[w] > 0]
    return pairs, src


def gil_cpu_shape(run):
    pairs, src = gil_speedup_pairs(run)
    if not pairs:
        return NOT_MEASURED, ("cpu.csv lacks py_threads and py_seq rows, or gil rows (cpu.csv or "
                              "gil_scaling.csv), at a common W >= 2")
    evidence = "py_threads / gil speedup (%s): %s" % (src, "; ".join(
        "W = %d: %.2fx / %.2fx = %.2f" % (w, p, c, r) for w, p, c, r in pairs))
    ok = all(within(r, SPEEDUP_RATIO) for _, _, _, r in pairs)
    return (MATCH if ok else NO_MATCH), evidence


def comparable(r):
    """A sweep row whose runs lasted long enough to measure the interval."""
    return r["median_s"] >= max(MIN_RUN_S, MIN_INTERVALS * r["interval_us"] / 1e6)


def sweep_pairs(run):
    """[(threads, interval_us, Python's hand-offs/s, C's, ratio)] at every
    (threads, interval) both sweeps ran and both runs were comparable()."""
    c = {(r["threads"], r["interval_us"]): r for r in run.rows("gil_sweep") or []}
    out = []
    for r in run.rows("py_gil_sweep") or []:
        key = (r["threads"], r["interval_us"])
        if key in c and comparable(r) and comparable(c[key]) and c[key]["handoffs_per_s"] > 0:
            out.append(key + (r["handoffs_per_s"], c[key]["handoffs_per_s"],
                              r["handoffs_per_s"] / c[key]["handoffs_per_s"]))
    return sorted(out)


def log_slope(points):
    """The least-squares slope of log(y) against log(x): -1 is y ~ 1/x."""
    xs = [math.log(x) for x, _ in points]
    ys = [math.log(y) for _, y in points]
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    sxx = sum((x - mx) ** 2 for x in xs)
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sxx if sxx else None


def gil_sweep_shape(run):
    if not run.rows("gil_sweep") or not run.rows("py_gil_sweep"):
        return NOT_MEASURED, "gil_sweep.csv or py_gil_sweep.csv is not in the run"
    pairs = sweep_pairs(run)
    if not pairs:
        return NOT_MEASURED, ("no interval where both sweeps' runs lasted %d intervals and "
                              "%g s or more (larger profiles run longer)" % (MIN_INTERVALS, MIN_RUN_S))
    parts = []
    for t in sorted({p[0] for p in pairs}):
        mine = [p for p in pairs if p[0] == t]
        text = "%d threads: %s" % (t, ", ".join(
            "%s µs %.2f" % (fmt_n(u), r) for _, u, _, _, r in mine))
        if len(mine) >= 2:
            # (+ 0.0 turns a rounded -0.00 into 0.00)
            text += " (log-log slope: CPython %.2f, emulated %.2f)" % (
                round(log_slope([(u, p) for _, u, p, _, _ in mine]), 2) + 0.0,
                round(log_slope([(u, c) for _, u, _, c, _ in mine]), 2) + 0.0)
        parts.append(text)
    evidence = "hand-offs/s, CPython / emulated, per interval: " + "; ".join(parts)
    ok = all(within(r, HANDOFF_RATIO) for *_, r in pairs)
    return (MATCH if ok else NO_MATCH), evidence


# (id, the claim, the rule in words, the check)
GIL_SHAPES = [
    ("gil_cpu_shape",
     "CPU scaling: threads under the real GIL (py_threads) speed up as little as under the "
     "emulated one (gil).",
     "At every W >= 2 both measured, py_threads' speedup over py_seq divided by gil's over seq "
     "is within %.2f..%.2f (cpu.csv; gil from gil_scaling.csv when cpu.csv has none)."
     % SPEEDUP_RATIO,
     gil_cpu_shape),
    ("gil_sweep_shape",
     "Switch interval: CPython hands the GIL over as often as the emulation at each interval.",
     "At every thread count and interval both sweeps ran, where both runs lasted >= %d intervals "
     "and >= %g s, CPython's hand-offs per second divided by the emulation's are within %.2f..%.2f "
     "(py_gil_sweep.csv, gil_sweep.csv)." % ((MIN_INTERVALS, MIN_RUN_S) + HANDOFF_RATIO),
     gil_sweep_shape),
]


def check_shapes(run):
    """[(id, claim, rule, verdict, evidence)] for every GIL comparison."""
    return [(gid, claim, rule) + check(run) for gid, claim, rule, check in GIL_SHAPES]


def main(argv):
    if len(argv) != 2 or argv[1].startswith("-"):
        print("usage: lessons.py RUN", file=sys.stderr)
        return 2
    try:
        run = Run(argv[1])
        run.check()
    except OSError as e:
        print("lessons.py: %s: %s" % (e.filename or argv[1], e.strerror), file=sys.stderr)
        return 2
    except BadRun as e:
        print("lessons.py: %s" % e, file=sys.stderr)
        return 2
    for lid, _, _, verdict, evidence in check_all(run) + check_shapes(run):
        print("%s\t%s\t%s" % (lid, verdict, evidence))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
