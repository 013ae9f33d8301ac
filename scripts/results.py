#!/usr/bin/env python3
"""results.py - write RESULTS.md from one results folder (`make results`).

    python3 scripts/results.py [--out FILE] [--anchors FILE] [RUN]

RUN is a results folder (default results/latest, resolved to the folder it
points at, so that links name a real run). FILE defaults to RESULTS.md; the
anchors default to $ANCHORS, else ../shared/ANCHORS.md relative to the
repository, and the reference column is left out, with a note, when that
file is absent.

Everything in the document comes from RUN: the machine from machine.json,
the charts from RUN/charts/ (linked relative to FILE, so they show on GitHub
once the run folder is committed), every number in the prose from the CSVs,
and the lessons' verdicts from scripts/lessons.py. A chart or figure whose
data are missing is reported as not measured, with the reason.

The Python reference models' rows (py_*) share io.csv, cpu.csv and net.csv
with the C models; charts 1-3 and 8 and the lessons read the C rows only,
and two sections set Python beside C: "C beside Python" (each model beside
its C twin, each language's speedup over its own sequential model) and "The
real GIL beside the emulated one" (scripts/lessons.py's GIL_SHAPES).
The section "Targets, checked" holds the figures the issues set (scripts/targets.py).
"""
import argparse
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lessons import (Run, check_all, check_shapes, fmt_n, fmt_s, speedup_rows, at_cores, measured,  # noqa: E402
                     is_py, gil_speedup_pairs, sweep_pairs, comparable, MIN_INTERVALS, MIN_RUN_S)
from targets import check_targets, MET, MISSED, NOT_MEASURED as TARGET_NOT_MEASURED  # noqa: E402

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# Why a chart's data may be missing: what has to land or run for it.
MISSING = {
    "io": "the io fan-out suite is not in this run",
    "cpu": "the cpu suite is not in this run",
    "lat_switch": "build/bench/lat_switch (issue 5, the microbenchmarks) has not landed",
    "cost_create": "build/bench/cost_create (issue 5) has not landed",
    "mem_task": "build/bench/mem_task (issue 5) has not landed",
    "limits": "build/bench/limits (issue 5) has not landed",
    "gil": "the GIL experiments (issue 4: gil_scaling, gil_sweep, gil_convoy, heartbeat) have not landed",
    "net": "no model accepts the net workload yet (issue 3)",
    "python": "no Python model (py_*) is in this run: python3 was not there when it was made",
    "gil_real": ("this run has neither py_threads and gil rows (with py_seq and seq) in cpu.csv "
                 "nor both gil_sweep.csv and py_gil_sweep.csv"),
}
MODEL_MISSING = {
    "coro": "the coroutine model (issue 3) has not landed",
    "gil": "the gil model (issue 4) has not landed",
}


def n_fmt(n):
    return "{:,}".format(int(n))


def at_largest(rows):
    return max(rows, key=lambda r: r["tasks"])


def models_of(run, name, python=False):
    """The models of NAME.csv in first-seen order: the C ones, or with
    PYTHON the Python ones (py_*). Charts 1-3 and 8 are the C models';
    Python's rows are read only beside their C twins."""
    seen = []
    for r in run.rows(name) or []:
        if r["model"] not in seen and is_py(r["model"]) == python:
            seen.append(r["model"])
    return seen


def absent_models(run, name, wanted):
    """Sentences for the models of WANTED that are not in NAME.csv: either
    not built when the run was made (machine.json "models"), or built but
    left out of this suite."""
    have = models_of(run, name)
    built = run.machine.get("models")
    out = []
    for m in wanted:
        if m in have:
            continue
        if built is not None and m in built:
            why = ("build/%s does not accept the net workload yet" % m if name == "net"
                   else "no %s sizes for it in scripts/profiles.sh" % name)
        else:
            why = MODEL_MISSING.get(m, "build/%s was not there" % m)
        out.append("Not measured: %s: %s." % (m, why))
    return out


# --- what each chart says, from its data ------------------------------------

def say_io_wall(run, name="io"):
    rows = run.rows(name)
    d = rows[0]["ms"] / 1000
    parts = []
    for m in models_of(run, name):
        r = at_largest(run.select(name, model=m))
        if m == "seq":
            parts.append("seq took %s for %d waits, %.2f x the sum N·d"
                         % (fmt_s(r["median_s"]), r["tasks"], r["median_s"] / (r["tasks"] * d)))
        else:
            parts.append("%s ran N = %s in %s (%.2f x d)"
                         % (m, n_fmt(r["tasks"]), fmt_s(r["median_s"]), r["median_s"] / d))
    text = "Each task waits d = %g ms. At the largest N measured: %s." % (d * 1000, "; ".join(parts))
    return " ".join([text] + absent_models(run, name, ["seq", "threads", "procs", "gil", "coro"]))


def say_io_overhead(run):
    rows = run.rows("io")
    d = rows[0]["ms"] / 1000
    costs = []
    for m in models_of(run, "io"):
        if m == "seq":
            continue
        r = at_largest(run.select("io", model=m))
        costs.append((max(r["median_s"] - d, 0) / r["tasks"] * 1e6, m, r["tasks"]))
    if not costs:
        return "Only seq was measured: no concurrent model to show."
    costs.sort()
    text = "Beyond the wait itself, at each model's largest N a task costs: %s." % "; ".join(
        "%s %s µs (N = %s)" % (m, fmt_n(c), n_fmt(n)) for c, m, n in costs)
    if len(costs) > 1 and costs[0][0] > 0:
        text += " The cheapest, %s, is %.0fx below the dearest, %s." % (
            costs[0][1], costs[-1][0] / costs[0][0], costs[-1][1])
    return text


def say_cpu(run):
    if not run.select("cpu", model="seq"):     # only Python's rows: see chart 9
        return "Not measured: cpu.csv has no seq row, so no C speedup."
    seq = run.select("cpu", model="seq")[0]
    parts = []
    for m in models_of(run, "cpu"):
        if m == "seq":
            continue
        speedups, _ = speedup_rows(run, m, m)
        w, s = at_cores(run, speedups)
        if w is not None:
            best_w = max(speedups, key=lambda k: speedups[k])
            parts.append("%s %.2fx at W = %d (best %.2fx at W = %d)" % (m, s, w, speedups[best_w], best_w))
    text = ("seq takes %s for %d tasks of n = %s. On %d CPUs: %s. The ideal is min(cores, W)."
            % (fmt_s(seq["median_s"]), seq["tasks"], n_fmt(seq["n"]), run.cores,
               "; ".join(parts) or "no parallel model measured"))
    return " ".join([text] + absent_models(run, "cpu", ["threads", "procs", "gil"]))


def say_switch(run):
    def best(mech):
        rows = run.select("lat_switch", mechanism=mech)
        return min(rows, key=lambda r: r["median_ns"]) if rows else None
    bare, coro, swap = best("bare"), best("coro"), best("swapcontext")
    out = []
    if coro and bare:
        out.append("The coroutine switch costs %s ns, %.2fx the bare switch (%s ns)."
                   % (fmt_n(coro["median_ns"]), coro["median_ns"] / bare["median_ns"], fmt_n(bare["median_ns"])))
        jmp = best("bare_jmp")
        if jmp:
            out.append("It leaves by pop; jmp, not ret (a ret onto another stack is mispredicted every time):"
                       " a bare switch that does the same costs %s ns, and the %s ns between that and"
                       " co_switch are the MXCSR and x87 control words it saves."
                       % (fmt_n(jmp["median_ns"]), fmt_n(coro["median_ns"] - jmp["median_ns"])))
    if coro and swap:
        out.append("glibc swapcontext costs %s ns, %.0fx the coroutine switch."
                   % (fmt_n(swap["median_ns"]), swap["median_ns"] / coro["median_ns"]))
    for placement in ("one-cpu", "two-cpus"):
        rows = run.select("lat_switch", mechanism="thread_futex", placement=placement)
        if rows:
            out.append("Two threads through a futex, %s: %s ns per switch." % (placement, fmt_n(rows[0]["median_ns"])))
    return " ".join(out) or "No coroutine, bare or thread rows to compare."


def say_create_mem(run):
    out = []
    for name, col, what, unit in (("cost_create", "median_ns", "Creating and finishing a task costs", "ns"),
                                  ("mem_task", "bytes_per_task", "Memory per waiting task", "bytes")):
        best = {}
        # Processes share pages: their PSS is the honest figure when present.
        rows = [r for r in run.rows(name) if not (
            name == "mem_task" and r["model"] == "process" and r["metric"] != "pss"
            and run.select(name, model="process", variant=r["variant"], metric="pss"))]
        for r in rows:
            if r["model"] not in best or r["n"] > best[r["model"]]["n"] or (
                    r["n"] == best[r["model"]]["n"] and r[col] < best[r["model"]][col]):
                best[r["model"]] = r
        out.append("%s: %s." % (what, "; ".join(
            "%s (%s, N = %s) %s %s" % (m, r["variant"], n_fmt(r["n"]), fmt_n(r[col]), unit)
            for m, r in best.items())))
    return " ".join(out)


def say_limits(run):
    return "Largest N reached: %s." % "; ".join(
        "%s/%s %s (%s)" % (r["model"], r["variant"], n_fmt(r["max_n"]),
                           "the search cap" if r["stopped_by"] == "none" else "stopped by " + r["stopped_by"])
        for r in run.rows("limits"))


def say_gil(run):
    out = []
    if run.rows("gil_scaling"):
        parts = []
        for m in ("threads", "gil_new", "gil_old", "procs"):
            w, s = at_cores(run, {r["workers"]: r["speedup"] for r in run.select("gil_scaling", model=m)})
            if w is not None:
                parts.append("%s %.2fx" % (m, s))
        out.append("CPU speedup over seq at W = the core count (%d): %s." % (run.cores, ", ".join(parts)))
    if run.rows("gil_convoy"):
        parts = ["%s %s ops/s" % (r["lock"], fmt_n(r["ops_per_s"])) for r in run.select("gil_convoy", cpu_threads=1)]
        out.append("An I/O thread beside one CPU thread: %s (1 / 5 ms = 200 ops/s)." % ", ".join(parts))
    if run.rows("heartbeat"):
        parts = ["%s %s ms" % (r["mode"], fmt_n(r["lag_max_ms"])) for r in run.rows("heartbeat")]
        out.append("Worst heartbeat lag while the CPU job runs: %s." % ", ".join(parts))
    if run.rows("gil_sweep"):
        rows = run.rows("gil_sweep")
        lo, hi = min(rows, key=lambda r: r["interval_us"]), max(rows, key=lambda r: r["interval_us"])
        out.append("The sweep runs from %s µs (%s handoffs/s) to %s µs (%s handoffs/s)." % (
            fmt_n(lo["interval_us"]), fmt_n(lo["handoffs_per_s"]), fmt_n(hi["interval_us"]), fmt_n(hi["handoffs_per_s"])))
    return " ".join(out)


# --- C beside Python ---------------------------------------------------------

# Each Python model and the C model it mirrors.
TWINS = [("seq", "py_seq"), ("threads", "py_threads"), ("procs", "py_procs"), ("coro", "py_asyncio")]


def python_version(run):
    v = run.machine.get("python")
    return "Python %s" % v if v else "Python (version not recorded)"


def iterations(r):
    """Loop iterations of a cpu row: the sum of n + i for i < tasks."""
    t = r["tasks"]
    return t * r["n"] + t * (t - 1) // 2


def py_startup(run):
    """py_seq's fixed cost, start-up to exit, in s: its io median at N = 1
    less the one wait; None when not measured."""
    rows = run.select("io", model="py_seq", tasks=1)
    return max(rows[0]["median_s"] - rows[0]["ms"] / 1000, 0) if rows else None


def per_iteration(run, model):
    """(row, ns per loop iteration, start-up subtracted in s or None) of the
    sequential cpu row of MODEL; (None, None, None) when absent."""
    rows = run.select("cpu", model=model)
    if not rows:
        return None, None, None
    r = rows[0]
    start = py_startup(run) if is_py(model) else None
    busy = r["median_s"] - (start or 0)
    if busy <= 0:           # start-up noise larger than the work: use the whole
        busy, start = r["median_s"], None
    return r, busy / iterations(r) * 1e9, start


def largest_common(run, name, c, py):
    """(N, C row, Python row) at the largest N both models ran, or None."""
    cr = {r["tasks"]: r for r in run.select(name, model=c)}
    pr = {r["tasks"]: r for r in run.select(name, model=py)}
    common = [n for n in cr if n in pr]
    if not common:
        return None
    n = max(common)
    return n, cr[n], pr[n]


def cpu_cost_sentence(run):
    c, cns, _ = per_iteration(run, "seq")
    p, pns, start = per_iteration(run, "py_seq")
    if c is None or p is None:
        return None
    text = ("The cpu list one after another: seq %s for %d tasks of n = %s (%s ns per loop "
            "iteration); py_seq %s for %d tasks of n = %s (%s ns per iteration%s): Python takes "
            "%.0fx as long per iteration."
            % (fmt_s(c["median_s"]), c["tasks"], n_fmt(c["n"]), fmt_n(cns),
               fmt_s(p["median_s"]), p["tasks"], n_fmt(p["n"]), fmt_n(pns),
               " once its start-up is taken off: %s, py_seq's io median at N = 1 less d" % fmt_s(start)
               if start is not None else ", start-up included",
               pns / cns))
    return text


def say_python(run):
    out = []
    cpu = cpu_cost_sentence(run)
    if cpu:
        out.append(cpu)
    for name in ("io", "net"):
        parts = []
        for c, py in TWINS:
            got = largest_common(run, name, c, py)
            if got:
                n, cr, pr = got
                parts.append("%s %s, %s %s (%.1fx) at N = %s" % (
                    c, fmt_s(cr["median_s"]), py, fmt_s(pr["median_s"]),
                    pr["median_s"] / cr["median_s"], n_fmt(n)))
        if parts:
            out.append("%s fan-out at the largest N both ran: %s." % (name, "; ".join(parts)))
    if not out:
        return "No Python model shares a workload with a C model in this run."
    return " ".join(out) + " Details in [C beside Python](#c-beside-python)."


def say_gil_real(run):
    out = []
    pairs, src = gil_speedup_pairs(run)
    if pairs:
        w, p, c, r = max((x for x in pairs if x[0] <= run.cores), default=pairs[0])
        out.append("At W = %d: py_threads %.2fx over py_seq, gil %.2fx over seq (%s)." % (w, p, c, src))
    for t in (2, 4):
        py = run.select("py_gil_sweep", threads=t, interval_us=5000)
        c = run.select("gil_sweep", threads=t, interval_us=5000)
        if py and c:
            out.append("At the default 5 ms interval, %d threads: CPython %s hand-offs/s, emulated %s."
                       % (t, fmt_n(py[0]["handoffs_per_s"]), fmt_n(c[0]["handoffs_per_s"])))
            break
    return " ".join(out + ["Ratios and verdicts in "
                           "[the real GIL beside the emulated one](#the-real-gil-beside-the-emulated-one)."])


# (chart file, title, the CSVs it needs, what it says)
CHARTS = [
    ("io_wall", "1. io fan-out: wall time against N", ["io"], say_io_wall),
    ("io_overhead", "2. io fan-out: overhead per task", ["io"], say_io_overhead),
    ("cpu_speedup", "3. CPU: speedup over sequential", ["cpu"], say_cpu),
    ("switch", "4. Context switch cost", ["lat_switch"], say_switch),
    ("create_mem", "5. Creation cost and memory per task", ["cost_create", "mem_task"], say_create_mem),
    ("limits", "6. Where each model stops", ["limits"], say_limits),
    ("gil", "7. The GIL", ["gil"], say_gil),
    ("net_wall", "8. net fan-out: wall time against N", ["net"], lambda run: say_io_wall(run, "net")),
    ("python", "9. C beside Python: the same workloads", ["python"], say_python),
    ("gil_real", "10. The real GIL beside the emulated one", ["gil_real"], say_gil_real),
]
GIL_CSVS = ("gil_scaling", "gil_sweep", "gil_convoy", "heartbeat")


def has_data(run, need):
    if need == "gil":
        return any(run.rows(n) for n in GIL_CSVS)
    if need == "python":
        return any(models_of(run, n, python=True) for n in ("io", "cpu", "net"))
    if need == "gil_real":
        return (all(run.select("cpu", model=m) for m in ("seq", "gil", "py_seq", "py_threads"))
                or bool(run.rows("gil_sweep") and run.rows("py_gil_sweep")))
    return bool(run.rows(need))


def charts_section(run, link_base):
    out = ["## The charts", ""]
    for name, title, needs, say in CHARTS:
        out += ["### " + title, ""]
        missing = [n for n in needs if not has_data(run, n)]
        svg = os.path.join(run.path, "charts", name + ".svg")
        if missing:
            out += ["Not measured: %s." % "; ".join(MISSING[n] for n in missing), ""]
            continue
        if not os.path.exists(svg):
            out += ["The chart was not drawn: run `make plots RUN=%s`." % run.path, ""]
        else:
            rel = link_base + "/charts/" + name
            out += ["![%s](%s.svg)" % (title, rel), "", "[PNG](%s.png)" % rel, ""]
        out += [say(run), ""]
    return out


# --- reference figures ------------------------------------------------------

def read_anchors(path):
    """[(section, cells)] for every table row and bullet of ANCHORS.md (a
    bullet's indented continuation lines joined to it)."""
    rows, section = [], ""
    with open(path) as f:
        for raw in f:
            line = raw.strip()
            if line.startswith("#"):
                section = line.lstrip("#").strip()
            elif line.startswith("|") and not re.match(r"^\|[\s|:-]+\|$", line):
                rows.append((section, [c.strip() for c in line.strip("|").split("|")]))
            elif line.startswith("- "):
                rows.append((section, [line[2:]]))
            elif raw.startswith("  ") and line and rows and len(rows[-1][1]) == 1:
                rows[-1][1][0] += " " + line
    return rows


def anchor(anchors, key):
    """(figure, source) of the first anchor row whose first cell holds KEY.
    Figures the file says were measured here are credited to the development
    machine, as ANCHORS.md describes it."""
    for section, cells in anchors:
        if key.lower() not in cells[0].lower():
            continue
        if len(cells) >= 3:
            src = cells[2]
        elif len(cells) == 2:
            src = section
        else:
            m = re.search(r"Source: (.*)$", cells[0])
            return (cells[0][:m.start()].strip() if m else cells[0]), (m.group(1) if m else section)
        if src == "measured here":
            src = "ANCHORS.md: measured on the development machine"
        elif "measured here" in src:
            src = "ANCHORS.md: " + src
        return cells[1], src
    return None, None


def io_at(run, model, tasks, ms):
    rows = run.select("io", model=model, tasks=tasks, ms=ms)
    return rows[0]["median_s"] if rows else None


def speedup_at_cores(run, model_cpu, model_scaling):
    w, s = at_cores(run, speedup_rows(run, model_cpu, model_scaling)[0])
    return s if s is None else "%.2fx (W = %d)" % (s, w)


def coro_scale_at(run, tasks):
    """coro_scale's cases of TASKS coroutines sleeping 1 s: each stack mode's
    wall and peak RSS (GB, 10^9 bytes), fastest first. Whether they meet
    their targets is scripts/targets.py's to say."""
    rows = sorted(run.select("coro_scale", model="coro", tasks=tasks, ms=1000), key=lambda r: r["wall_s"])
    return "; ".join("%s stacks %s, %.2f GB peak RSS" % (r["stack_mode"], fmt_s(r["wall_s"]),
                                                         r["max_rss_kb"] * 1024 / 1e9)
                     for r in rows) or None


def headline_rows(run):
    """(what, measured text or None, anchor key)"""
    def ns(v):
        return None if v is None else fmt_n(v) + " ns per switch"

    def trip(v):
        return None if v is None else "%.3g us per round trip (2 switches)" % (2 * v / 1000)

    def secs(v):
        return None if v is None else fmt_s(v)
    return [
        ("bare switch (push callee-saved, swap rsp)", ns(measured(run, "lat_switch", "median_ns", mechanism="bare")),
         "hand-written x86-64 switch"),
        ("bare switch leaving by pop; jmp", ns(measured(run, "lat_switch", "median_ns", mechanism="bare_jmp")), None),
        ("coroutine switch", ns(measured(run, "lat_switch", "median_ns", mechanism="coro")), "libaco switch"),
        ("glibc swapcontext", ns(measured(run, "lat_switch", "median_ns", mechanism="swapcontext")), "glibc swapcontext"),
        ("thread switch, futex, one CPU", ns(measured(run, "lat_switch", "median_ns", mechanism="thread_futex", placement="one-cpu")),
         "tsuna/contextswitch"),
        ("perf bench sched pipe, one CPU", trip(measured(run, "lat_switch", "median_ns", mechanism="perf_pipe", placement="one-cpu")),
         "perf bench sched pipe, both tasks pinned"),
        ("perf bench sched pipe, unpinned", trip(measured(run, "lat_switch", "median_ns", mechanism="perf_pipe", placement="unpinned")),
         "perf bench sched pipe, unpinned"),
        ("process switch, pipe, one CPU", ns(measured(run, "lat_switch", "median_ns", mechanism="proc_pipe", placement="one-cpu")),
         "lmbench lat_ctx"),
        ("threads under the new GIL, CPU list", speedup_at_cores(run, "gil", "gil_new"), "same, 4 threads (GIL)"),
        ("processes, CPU list", speedup_at_cores(run, "procs", "procs"), "multiprocessing.Pool()"),
        ("1,000 threads each waiting 0.1 s", secs(io_at(run, "threads", 1000, 100)), "1,000 threads each sleeping"),
        ("10,000 threads each waiting 0.1 s", secs(io_at(run, "threads", 10000, 100)), "10,000 threads each sleeping"),
        ("10,000 coroutines each waiting 0.1 s", secs(io_at(run, "coro", 10000, 100)), "asyncio.gather of 10,000 sleeps"),
        ("100,000 coroutines each waiting 0.1 s", secs(io_at(run, "coro", 100000, 100)), "asyncio.gather of 100,000 sleeps"),
        ("1,000,000 coroutines each sleeping 1 s", coro_scale_at(run, 1000000),
         "asyncio.gather of 1,000,000 sleeps"),
        ("100,000 coroutines each sleeping 1 s", coro_scale_at(run, 100000), None),
        ("I/O ops per second beside a CPU thread, new GIL",
         None if not run.select("gil_convoy", lock="new", cpu_threads=1)
         else fmt_n(run.select("gil_convoy", lock="new", cpu_threads=1)[0]["ops_per_s"]) + " per second",
         "Convoy effect"),
    ]


def anchors_shown(path):
    return os.path.relpath(path, REPO).replace(os.sep, "/")


def headline_section(run, anchors_path):
    out = ["## Headline figures", ""]
    anchors = read_anchors(anchors_path) if os.path.exists(anchors_path) else None
    if anchors is None:
        out += ["(The reference column is left out: %s is not there.)" % anchors_shown(anchors_path), "",
                "| what | measured here |", "| --- | --- |"]
    else:
        out += ["Reference figures from `%s`; absolute times differ between machines, ratios compare."
                % anchors_shown(anchors_path), "",
                "| what | measured here | reference | source |", "| --- | --- | --- | --- |"]
    for what, value, key in headline_rows(run):
        cell = value if value is not None else "not measured"
        if anchors is None:
            out.append("| %s | %s |" % (what, cell))
        else:
            fig, src = anchor(anchors, key) if key else (None, None)
            out.append("| %s | %s | %s | %s |" % (what, cell, fig or "-", src or "-"))
    return out + [""]


# --- the sections on Python ---------------------------------------------------

def cell_s(row):
    return fmt_s(row["median_s"]) if row else "not measured"


def python_section(run, anchors):
    out = ["## C beside Python", ""]
    if not has_data(run, "python"):
        return out + ["Not measured: %s." % MISSING["python"], ""]
    out += ["The Python reference models (`models/python/`, %s, standard library only) run the "
            "same workloads with the same command line; their rows are in the same CSVs. Each is "
            "set beside the C model it mirrors: %s. Each language's speedups are over its own "
            "sequential model, with the cpu sizes of scripts/profiles.sh (Python's list is smaller)."
            % (python_version(run), ", ".join("%s and %s" % (c, p) for c, p in TWINS)), ""]
    cpu = cpu_cost_sentence(run)
    if cpu:
        out += [cpu, ""]
    ws = sorted({r["workers"] for r in run.rows("cpu") or [] if r["model"] != "seq" and r["model"] != "py_seq"})
    cols = [m for m in ("threads", "py_threads", "procs", "py_procs", "gil") if run.select("cpu", model=m)]
    if ws and cols:
        out += ["| W | %s |" % " | ".join("%s over %s" % (m, "py_seq" if is_py(m) else "seq") for m in cols),
                "| --- |" + " --- |" * len(cols)]
        for w in ws:
            cells = []
            for m in cols:
                sp = speedup_rows(run, m, None)[0]
                cells.append("%.2fx" % sp[w] if w in sp else "-")
            out.append("| %d | %s |" % (w, " | ".join(cells)))
        out.append("")
    rows = []
    for name in ("io", "net"):
        for c, py in TWINS:
            got = largest_common(run, name, c, py)
            if got:
                n, cr, pr = got
                rows.append("| %s | %s, %s | %s | %s | %s | %.2fx |" % (
                    name, c, py, n_fmt(n), fmt_s(cr["median_s"]), fmt_s(pr["median_s"]),
                    pr["median_s"] / cr["median_s"]))
    if rows:
        d = {name: run.rows(name)[0]["ms"] for name in ("io", "net") if run.rows(name)}
        out += ["Fan-out at the largest N both models of a pair ran (d = %s):" % ", ".join(
            "%s ms for %s" % (fmt_n(v), k) for k, v in d.items()), "",
                "| suite | C, Python | N | C | Python | Python / C |",
                "| --- | --- | --- | --- | --- | --- |"] + rows + [""]
    out += python_anchor_rows(run, anchors)
    return out


def python_anchor_rows(run, anchors):
    """The Python models beside ANCHORS.md's figures for the lessons' own
    Python programs."""
    def io(model, n):
        rows = run.select("io", model=model, tasks=n, ms=100)
        return fmt_s(rows[0]["median_s"]) if rows else None

    def speedup(model):
        w, s = at_cores(run, speedup_rows(run, model, None)[0])
        return None if w is None else "%.2fx over py_seq (W = %d)" % (s, w)
    rows = [
        ("py_threads, 1,000 threads each waiting 0.1 s", io("py_threads", 1000), "1,000 threads each sleeping"),
        ("py_threads, 10,000 threads each waiting 0.1 s", io("py_threads", 10000), "10,000 threads each sleeping"),
        ("py_asyncio, 10,000 tasks each waiting 0.1 s", io("py_asyncio", 10000), "asyncio.gather of 10,000 sleeps"),
        ("py_asyncio, 100,000 tasks each waiting 0.1 s", io("py_asyncio", 100000), "asyncio.gather of 100,000 sleeps"),
        ("py_threads, the cpu list on threads (real GIL)", speedup("py_threads"), "same, 4 threads (GIL)"),
        ("py_procs, the cpu list on a process pool", speedup("py_procs"), "multiprocessing.Pool()"),
    ]
    out = ["Beside the reference figures for the lessons' own Python programs%s:" % (
        "" if anchors is None else " (`ANCHORS.md`; other sizes or machines: compare the shape)"), ""]
    if anchors is None:
        out += ["| what | measured here |", "| --- | --- |"]
    else:
        out += ["| what | measured here | reference | source |", "| --- | --- | --- | --- |"]
    for what, value, key in rows:
        cell = value or "not measured"
        if anchors is None:
            out.append("| %s | %s |" % (what, cell))
        else:
            fig, src = anchor(anchors, key)
            out.append("| %s | %s | %s | %s |" % (what, cell, fig or "-", src or "-"))
    return out + [""]


def gil_real_section(run):
    out = ["## The real GIL beside the emulated one", "",
           "CPython's own GIL (%s: py_threads, and `models/python/gil_sweep.py` for the sweep) "
           "beside `lib/gil.c`'s emulation of the new GIL (the gil model, `bench/gil_sweep`). "
           "The verdicts are computed by `scripts/lessons.py` by the rules shown." % python_version(run), ""]
    pairs, src = gil_speedup_pairs(run)
    if pairs:
        out += ["CPU scaling (gil's figures from %s):" % src, "",
                "| W | py_threads over py_seq | gil over seq | ratio |", "| --- | --- | --- | --- |"]
        out += ["| %d | %.2fx | %.2fx | %.2f |" % p for p in pairs]
        out.append("")
    c = {(r["threads"], r["interval_us"]): r for r in run.rows("gil_sweep") or []}
    py = {(r["threads"], r["interval_us"]): r for r in run.rows("py_gil_sweep") or []}
    keys = sorted(set(c) | set(py))
    if keys and c and py:
        out += ["Hand-offs per second against the switch interval (a point compares only where both "
                "runs lasted %d intervals and %g s or more; shorter runs count the threads' start-up):"
                % (MIN_INTERVALS, MIN_RUN_S), "",
                "| threads | interval (µs) | CPython hand-offs/s | emulated hand-offs/s | 10^6 / interval | ratio |",
                "| --- | --- | --- | --- | --- | --- |"]
        for k in keys:
            p, e = py.get(k), c.get(k)
            if p and e and comparable(p) and comparable(e) and e["handoffs_per_s"] > 0:
                ratio = "%.2f" % (p["handoffs_per_s"] / e["handoffs_per_s"])
            elif p and e:
                ratio = "not compared (a run shorter than %d intervals or %g s)" % (MIN_INTERVALS, MIN_RUN_S)
            else:
                ratio = "-"
            out.append("| %d | %s | %s | %s | %s | %s |" % (
                k[0], n_fmt(k[1]), fmt_n(p["handoffs_per_s"]) if p else "-",
                fmt_n(e["handoffs_per_s"]) if e else "-", fmt_n(1e6 / k[1]), ratio))
        out.append("")
    close = []
    if pairs:
        rs = [p[3] for p in pairs]
        close.append("py_threads' speedup is %.2f to %.2f times gil's over W = %s" % (
            min(rs), max(rs), ", ".join(str(p[0]) for p in pairs)))
    sweep = sweep_pairs(run)
    if sweep:
        rs = [p[4] for p in sweep]
        close.append("CPython's hand-offs per second are %.2f to %.2f times the emulation's at the "
                     "%d points compared (%s to %s µs)" % (
                         min(rs), max(rs), len(sweep), n_fmt(min(p[1] for p in sweep)),
                         n_fmt(max(p[1] for p in sweep))))
    if close:
        out += ["How closely the shapes match: %s." % "; ".join(close), ""]
    out += ["| comparison | measured evidence | rule | verdict |", "| --- | --- | --- | --- |"]
    for _, claim, rule, verdict, evidence in check_shapes(run):
        out.append("| %s | %s | %s | **%s** |" % (claim, evidence, rule, verdict))
    return out + [""]


# --- the document -------------------------------------------------------------

def machine_section(run, name):
    m = run.machine
    state = "complete" if m.get("complete") else "INCOMPLETE (interrupted or failed: figures partial)"
    rows = [
        ("run", "`%s` (%s)" % (name, state)),
        ("profile", m.get("profile")),
        ("measured", "%s to %s (UTC)" % (m.get("started_utc"), m.get("finished_utc", "?"))),
        ("CPU", "%s, %s CPUs usable of %s online (affinity %s)" % (
            m.get("cpu_model"), m.get("cpus_usable"), m.get("cpus_online"), m.get("affinity"))),
        ("pinning", m.get("pinning")),
        ("load average at the start", "%s (1, 5, 15 min; other work makes timings noisy)" % m.get("loadavg_at_start", "?")),
        ("kernel", "%s %s" % (m.get("kernel"), m.get("arch"))),
        ("compiler", "%s; `%s`" % (m.get("compiler"), m.get("cflags"))),
        ("memory", "%s MiB" % n_fmt(int(m.get("mem_kb", 0)) // 1024)),
        ("limits", "pid_max %s, threads-max %s, vm.max_map_count %s, open files %s (hard %s)" % (
            m.get("pid_max"), m.get("threads_max"), m.get("max_map_count"),
            m.get("open_files", {}).get("soft"), m.get("open_files", {}).get("hard"))),
        ("perf counters", "work" if m.get("perf_counters") else
         "do not work here (perf_event_paranoid %s)" % m.get("perf_event_paranoid")),
        ("tools", "%s; %s" % (m.get("tools", {}).get("hyperfine"), m.get("tools", {}).get("gnuplot"))),
        ("source", "commit %s" % m.get("commit")),
    ]
    out = ["## The machine and the run", "", "| | |", "| --- | --- |"]
    out += ["| %s | %s |" % (k, v) for k, v in rows]
    return out + [""]


def targets_section(run):
    out = ["## Targets, checked", "",
           "The figures the project set itself, each checked by `scripts/targets.py` from this run by the "
           "rule shown: \"%s\", \"%s\", or \"%s\" when the rows are not in the run." % (
               MET, MISSED, TARGET_NOT_MEASURED), "",
           "| target | measured | rule | verdict |", "| --- | --- | --- | --- |"]
    for _, target, rule, verdict, evidence in check_targets(run):
        out.append("| %s | %s | %s | **%s** |" % (target, evidence, rule, verdict))
    return out + [""]


def lessons_section(run):
    out = ["## The lessons, checked", "",
           "Each verdict is computed by `scripts/lessons.py` from this run's data by the rule shown: "
           "\"%s\", \"%s\", or \"%s\" when the data are not in the run." % (
               "confirmed", "not confirmed on this machine", "not measured"), "",
           "| claim | measured evidence | rule | verdict |", "| --- | --- | --- | --- |"]
    for _, claim, rule, verdict, evidence in check_all(run):
        out.append("| %s | %s | %s | **%s** |" % (claim, evidence, rule, verdict))
    return out + [""]


def write(run_arg, out_path, anchors_path):
    real = os.path.realpath(run_arg)
    run = Run(real)
    name = os.path.basename(real)
    out_dir = os.path.dirname(os.path.abspath(out_path))
    link_base = os.path.relpath(real, out_dir).replace(os.sep, "/")
    profile = run.machine.get("profile", "quick")
    doc = ["# Results", "",
           "Generated by `scripts/results.py` from the run `%s`; do not edit by hand." % link_base, "",
           "Reproduce on your machine (writes a new run under results/ and rewrites this file):", "",
           "```sh", "PROFILE=%s make bench" % profile, "```", "",
           "Redraw the charts or rewrite this file from an existing run without measuring: "
           "`make plots RUN=%s`, `make results RUN=%s`." % (link_base, link_base), ""]
    doc += machine_section(run, name)
    doc += charts_section(run, link_base)
    doc += headline_section(run, anchors_path)
    doc += targets_section(run)
    doc += python_section(run, read_anchors(anchors_path) if os.path.exists(anchors_path) else None)
    doc += gil_real_section(run)
    doc += lessons_section(run)
    tmp = out_path + ".new"
    with open(tmp, "w") as f:
        f.write("\n".join(doc))
    os.replace(tmp, out_path)


def main():
    ap = argparse.ArgumentParser(description="write RESULTS.md from a results folder")
    ap.add_argument("run", nargs="?", default=os.path.join(REPO, "results", "latest"))
    ap.add_argument("--out", default=os.path.join(REPO, "RESULTS.md"))
    ap.add_argument("--anchors", default=os.environ.get("ANCHORS") or
                    os.path.join(REPO, "..", "shared", "ANCHORS.md"))
    args = ap.parse_args()
    if not os.path.exists(os.path.join(args.run, "machine.json")):
        print("results.py: %s: not a results folder (no machine.json)" % args.run, file=sys.stderr)
        return 2
    write(args.run, args.out, os.path.normpath(args.anchors))
    print("results.py: wrote %s from %s" % (args.out, os.path.realpath(args.run)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
