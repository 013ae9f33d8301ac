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
"""
import argparse
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lessons import Run, check_all, fmt_n, fmt_s, speedup_rows, at_cores  # noqa: E402

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
}
MODEL_MISSING = {
    "coro": "the coroutine model (issue 3) has not landed",
    "gil": "the gil model (issue 4) has not landed",
}


def n_fmt(n):
    return "{:,}".format(int(n))


def at_largest(rows):
    return max(rows, key=lambda r: r["tasks"])


def models_of(run, name):
    seen = []
    for r in run.rows(name) or []:
        if r["model"] not in seen:
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
]
GIL_CSVS = ("gil_scaling", "gil_sweep", "gil_convoy", "heartbeat")


def has_data(run, need):
    if need == "gil":
        return any(run.rows(n) for n in GIL_CSVS)
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


def measured(run, name, col, **match):
    rows = run.select(name, **match)
    return min(r[col] for r in rows) if rows else None


def io_at(run, model, tasks, ms):
    rows = run.select("io", model=model, tasks=tasks, ms=ms)
    return rows[0]["median_s"] if rows else None


def speedup_at_cores(run, model_cpu, model_scaling):
    w, s = at_cores(run, speedup_rows(run, model_cpu, model_scaling)[0])
    return s if s is None else "%.2fx (W = %d)" % (s, w)


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
            fig, src = anchor(anchors, key)
            out.append("| %s | %s | %s | %s |" % (what, cell, fig or "-", src or "-"))
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
