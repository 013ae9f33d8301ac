#!/usr/bin/env python3
"""results.py - write RESULTS.md from one results folder (`make results`).

    python3 scripts/results.py [--out FILE] [--anchors FILE] [--] [RUN]

RUN is a results folder (default $RUN, else results/latest, resolved to the
folder it points at, so that links name a real run). FILE defaults to
RESULTS.md; the anchors default to $ANCHORS, else ../shared/ANCHORS.md
relative to the repository, and the reference column is left out, with a
note, when that file is absent.

Everything in the document comes from RUN: the machine from machine.json,
the charts from RUN/charts/ (linked relative to FILE), every number from the
CSVs, the verdicts from scripts/lessons.py and scripts/targets.py, and which
model is the suite's and which mirrors which from models/models.tsv. A run
is checked against its contracts first (lessons.Run): a damaged one gets one
line naming the file, the line and the damage, exit status 2, and FILE is
left as it was.

The words are not here: every sentence, heading and table header is a
block of scripts/results.txt, filled with figures by say(); every table is
drawn by table(). This file only computes. To add a section: a function
returning its lines, its sentences in results.txt, a line in write().
"""
import argparse
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import models  # noqa: E402
from lessons import (Run, BadRun, check_all, check_shapes, fmt_n, fmt_s, speedup_rows,  # noqa: E402
                     at_cores, measured, gil_speedup_pairs, sweep_pairs, comparable, backend_pairs,
                     MIN_INTERVALS, MIN_RUN_S)
from targets import check_targets, MET, MISSED, NOT_MEASURED as TARGET_NOT_MEASURED  # noqa: E402

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TEXT_FILE = os.path.join(REPO, "scripts", "results.txt")


# --- the words and the one table renderer -------------------------------------

def load_text(path=TEXT_FILE):
    """{key: text} from results.txt's [key] blocks."""
    blocks, key = {}, None
    with open(path) as f:
        for line in f:
            m = re.match(r"^\[([\w.]+)\]$", line.rstrip("\n"))
            if m:
                key = m.group(1)
                blocks[key] = []
            elif key is not None:
                blocks[key].append(line.rstrip("\n"))
            elif line.strip() and not line.startswith("#"):
                raise SystemExit("results.py: %s: text before the first [key]" % path)
    return {k: "\n".join(v).strip("\n") for k, v in blocks.items()}


TEXT = load_text()


def say(key, **figs):
    """The sentence KEY of results.txt with its figures filled in."""
    return TEXT[key].format(**figs)


def table(key, rows, **figs):
    """A Markdown table: the header row is results.txt's block KEY (cells
    split at "|"; or KEY is the list of cells), ROWS lists of cells."""
    head = key if isinstance(key, list) else [c.strip() for c in say(key, **figs).split("|")]
    out = ["| %s |" % " | ".join(head), "|" + " --- |" * len(head)]
    out += ["| %s |" % " | ".join(str(c) for c in r) for r in rows]
    return out + [""]


def template_rows(key, **figs):
    """The rows of a "|" block, each filled in: [[cell, ...], ...]."""
    return [[c.strip() for c in line.format(**figs).split("|")] for line in TEXT[key].split("\n")]


def n_fmt(n):
    return "{:,}".format(int(n))


def gb(kb):
    return "%.2f GB" % (kb * 1024 / 1e9)


# --- which models a CSV holds, and why one is missing --------------------------

def models_of(run, name, side="suite"):
    """The models of NAME.csv in table order, of SIDE (None: both)."""
    have = {r["model"] for r in run.rows(name) or []}
    return [m for m in models.MODELS if m in have and (side is None or models.get(m, "side") == side)]


def why_absent(run, model, suite):
    """Why MODEL has no rows in SUITE.csv."""
    absent = (run.machine.get("not_built") or {}).get(model)
    if isinstance(absent, dict):
        return say("why.not_installed" if not absent.get("installed") else "why.not_built",
                   tool=absent.get("tool"), model=models.get(model, "binary"))
    if suite not in models.get(model, "suites") + ("sleepers",):
        return say("why.not_listed", suite=suite)
    built = run.machine.get("models")
    if built is not None and model not in built:
        return say("why.not_built", model=models.get(model, "binary"))
    return say("why.no_rows", suite=suite)


def absent_models(run, name, side="suite"):
    have = models_of(run, name, side)
    return [say("absent", model=m, why=why_absent(run, m, name))
            for m in models.names(**({"side": side} if side else {}))
            if m not in have and name in models.get(m, "suites")]


def at_largest(rows):
    return max(rows, key=lambda r: r["tasks"])


def wait_ms(run, name):
    return run.rows(name)[0]["ms"]


# --- what each chart says, from its data ---------------------------------------

def say_fanout(run, name):
    d = wait_ms(run, name) / 1000
    parts = []
    for m in models_of(run, name):
        r = at_largest(run.select(name, model=m))
        if models.get(m, "fanout") == "one":
            parts.append(say("io.one", model=m, t=fmt_s(r["median_s"]), n=r["tasks"],
                             x=r["median_s"] / (r["tasks"] * d)))
        else:
            parts.append(say("io.many", model=m, n=n_fmt(r["tasks"]), t=fmt_s(r["median_s"]),
                             x=r["median_s"] / d))
    return " ".join([say("io.wall", d_ms=fmt_n(d * 1000), parts="; ".join(parts))] + absent_models(run, name))


def say_io_overhead(run):
    d = wait_ms(run, "io") / 1000
    costs = []
    for m in models_of(run, "io"):
        if models.get(m, "fanout") != "one":
            r = at_largest(run.select("io", model=m))
            costs.append((max(r["median_s"] - d, 0) / r["tasks"] * 1e6, m, r["tasks"]))
    if not costs:
        return say("overhead.none")
    costs.sort()
    text = say("overhead.text", parts="; ".join(
        say("overhead.part", model=m, us=fmt_n(c), n=n_fmt(n)) for c, m, n in costs))
    if len(costs) > 1 and costs[0][0] > 0:
        text += " " + say("overhead.spread", low=costs[0][1], x=costs[-1][0] / costs[0][0], high=costs[-1][1])
    return text


def suite_seq():
    """The suite's sequential model (the table's suite row of fanout one)."""
    return models.names(side="suite", fanout="one")[0]


def say_cpu(run):
    seq_name = suite_seq()
    if not run.select("cpu", model=seq_name):
        return say("cpu.no_seq")
    seq = run.select("cpu", model=seq_name)[0]
    parts = []
    for m in models_of(run, "cpu"):
        if m == seq_name:
            continue
        speedups, _ = speedup_rows(run, m, m)
        w, s = at_cores(run, speedups)
        if w is not None:
            best_w = max(speedups, key=lambda k: speedups[k])
            parts.append(say("cpu.part", model=m, s=s, w=w, best=speedups[best_w], best_w=best_w))
    text = say("cpu.text", seq=seq_name, t=fmt_s(seq["median_s"]), tasks=seq["tasks"], n=n_fmt(seq["n"]),
               cores=run.cores, parts="; ".join(parts) or say("cpu.no_parallel"))
    return " ".join([text] + absent_models(run, "cpu"))


def best_switch(run, mech):
    rows = run.select("lat_switch", mechanism=mech)
    return min(rows, key=lambda r: r["median_ns"]) if rows else None


def say_switch(run):
    coro, jmp, bare = best_switch(run, "coro"), best_switch(run, "bare_jmp"), best_switch(run, "bare")
    boost, swap = best_switch(run, "boost_fcontext"), best_switch(run, "swapcontext")
    out = []
    if coro and jmp:
        out.append(say("switch.coro", coro=fmt_n(coro["median_ns"]), x=coro["median_ns"] / jmp["median_ns"],
                       jmp=fmt_n(jmp["median_ns"]), diff=fmt_n(coro["median_ns"] - jmp["median_ns"])))
    if coro:
        out.append(say("switch.boost", boost=fmt_n(boost["median_ns"]), x=coro["median_ns"] / boost["median_ns"])
                   if boost else say("switch.no_boost"))
    fpu = best_switch(run, "bare_jmp_fpu")
    if fpu and jmp:
        out.append(say("switch.fpu", fpu=fmt_n(fpu["median_ns"]), x=fpu["median_ns"] / jmp["median_ns"],
                       diff=fmt_n(fpu["median_ns"] - jmp["median_ns"])))
    cmp, load = best_switch(run, "coro_compare"), best_switch(run, "coro_load")
    if cmp and load:
        faster = "comparing first" if cmp["median_ns"] < load["median_ns"] else "loading always"
        out.append(say("switch.paths", cmp=fmt_n(cmp["median_ns"]), load=fmt_n(load["median_ns"]),
                       cpu=run.machine.get("cpu_model", "?"), faster=faster))
    if bare:
        out.append(say("switch.ret", bare=fmt_n(bare["median_ns"])))
    if coro and swap:
        out.append(say("switch.swap", swap=fmt_n(swap["median_ns"]), x=swap["median_ns"] / coro["median_ns"]))
    for placement in ("one-cpu", "two-cpus"):
        rows = run.select("lat_switch", mechanism="thread_futex", placement=placement)
        if rows:
            out.append(say("switch.futex", placement=placement, ns=fmt_n(rows[0]["median_ns"])))
    return " ".join(out) or say("switch.none")


def largest_per_model(rows, col):
    """Each model's row at its largest n (the cheapest of ties)."""
    best = {}
    for r in rows:
        b = best.get(r["model"])
        if b is None or r["n"] > b["n"] or (r["n"] == b["n"] and r[col] < b[col]):
            best[r["model"]] = r
    return best


def say_create_mem(run):
    create = largest_per_model(run.rows("cost_create"), "median_ns")
    # Processes share pages: their PSS is the honest figure when present.
    mem_rows = [r for r in run.rows("mem_task") if not (
        r["model"] == "process" and r["metric"] != "pss"
        and run.select("mem_task", model="process", variant=r["variant"], metric="pss"))]
    mem = largest_per_model(mem_rows, "bytes_per_task")
    return " ".join([
        say("create.text", parts="; ".join(say("create.part", model=m, variant=r["variant"], n=n_fmt(r["n"]),
                                               value=fmt_n(r["median_ns"])) for m, r in create.items())),
        say("mem.text", parts="; ".join(say("mem.part", model=m, variant=r["variant"], n=n_fmt(r["n"]),
                                            value=fmt_n(r["bytes_per_task"])) for m, r in mem.items()))])


def say_limits(run):
    return say("limits.text", parts="; ".join(
        say("limits.part", model=r["model"], variant=r["variant"], n=n_fmt(r["max_n"]),
            why=say("limits.cap") if r["stopped_by"] == "none" else say("limits.stopped", what=r["stopped_by"]))
        for r in run.rows("limits")))


def say_gil(run):
    out = []
    if run.rows("gil_scaling"):
        parts = []
        for m in ("threads", "gil_new", "gil_old", "procs"):
            w, s = at_cores(run, {r["workers"]: r["speedup"] for r in run.select("gil_scaling", model=m)})
            if w is not None:
                parts.append("%s %.2fx" % (m, s))
        out.append(say("gil.scaling", cores=run.cores, parts=", ".join(parts)))
    if run.rows("gil_convoy"):
        out.append(say("gil.convoy", parts=", ".join("%s %s ops/s" % (r["lock"], fmt_n(r["ops_per_s"]))
                                                     for r in run.select("gil_convoy", cpu_threads=1))))
    if run.rows("heartbeat"):
        out.append(say("gil.heartbeat", parts=", ".join("%s %s ms" % (r["mode"], fmt_n(r["lag_max_ms"]))
                                                        for r in run.rows("heartbeat"))))
    if run.rows("gil_sweep"):
        rows = run.rows("gil_sweep")
        lo, hi = min(rows, key=lambda r: r["interval_us"]), max(rows, key=lambda r: r["interval_us"])
        out.append(say("gil.sweep", lo=fmt_n(lo["interval_us"]), lo_rate=fmt_n(lo["handoffs_per_s"]),
                       hi=fmt_n(hi["interval_us"]), hi_rate=fmt_n(hi["handoffs_per_s"])))
    return " ".join(out)


# --- the suite beside the runtimes ---------------------------------------------

def iterations(r):
    """Loop iterations of a cpu row: the sum of n + i for i < tasks."""
    t = r["tasks"]
    return t * r["n"] + t * (t - 1) // 2


def startup(run, model):
    """MODEL's fixed cost, start-up to exit, in s: its io median at N = 1
    less the one wait; None when not measured."""
    rows = run.select("io", model=model, tasks=1)
    return max(rows[0]["median_s"] - rows[0]["ms"] / 1000, 0) if rows else None


def per_iteration(run, model, subtract_startup):
    """(row, ns per loop iteration, start-up subtracted in s or None) of
    MODEL's sequential cpu row; (None, None, None) when absent."""
    rows = run.select("cpu", model=model)
    if not rows:
        return None, None, None
    r = rows[0]
    start = startup(run, model) if subtract_startup else None
    busy = r["median_s"] - (start or 0)
    if busy <= 0:           # start-up noise larger than the work: use the whole
        busy, start = r["median_s"], None
    return r, busy / iterations(r) * 1e9, start


def cpu_cost_sentences(run):
    """For each reference model of fanout one (a language's sequential
    model), its cost per loop iteration beside the suite's."""
    seq = suite_seq()
    c, cns, _ = per_iteration(run, seq, False)
    out = []
    for ref in models.names(side="reference", fanout="one"):
        p, pns, start = per_iteration(run, ref, True)
        if c is None or p is None:
            continue
        out.append(say("runtimes.cpu_cost", seq=seq, t_seq=fmt_s(c["median_s"]), tasks_seq=c["tasks"],
                       n_seq=n_fmt(c["n"]), ns_seq=fmt_n(cns), ref=ref, t_ref=fmt_s(p["median_s"]),
                       tasks_ref=p["tasks"], n_ref=n_fmt(p["n"]), ns_ref=fmt_n(pns),
                       startup=say("runtimes.startup", t=fmt_s(start)) if start is not None
                       else say("runtimes.startup_in"), x=pns / cns))
    return out


def largest_common(run, name, a, b):
    """(N, A's row, B's row) at the largest N both models ran, or None."""
    ar = {r["tasks"]: r for r in run.select(name, model=a)}
    br = {r["tasks"]: r for r in run.select(name, model=b)}
    common = [n for n in ar if n in br]
    return (max(common), ar[max(common)], br[max(common)]) if common else None


def fanout_pairs(run, name):
    """[(suite model, its twin, N, suite row, twin row)] for every reference
    model whose twin ran NAME beside it."""
    out = []
    for s in models.suite_models():
        for ref in models.twins_of(s, "twin"):
            got = largest_common(run, name, s, ref)
            if got:
                out.append((s, ref) + got)
    return out


def say_runtimes(run):
    out = cpu_cost_sentences(run)
    for name in ("io", "net"):
        parts = [say("runtimes.pair", suite_model=s, t_suite=fmt_s(sr["median_s"]), model=ref,
                     t_model=fmt_s(rr["median_s"]), x=rr["median_s"] / sr["median_s"], n=n_fmt(n))
                 for s, ref, n, sr, rr in fanout_pairs(run, name)]
        if parts:
            out.append(say("runtimes.fanout", suite=name, parts="; ".join(parts)))
    return " ".join(out + [say("runtimes.link")])


def say_gil_real(run):
    out = []
    pairs, src = gil_speedup_pairs(run)
    if pairs:
        w, p, c, _ = max((x for x in pairs if x[0] <= run.cores), default=pairs[0])
        out.append(say("gil_real.speedup", w=w, p=p, c=c, src=src))
    for t in (2, 4):
        py = run.select("py_gil_sweep", threads=t, interval_us=5000)
        c = run.select("gil_sweep", threads=t, interval_us=5000)
        if py and c:
            out.append(say("gil_real.handoffs", threads=t, py=fmt_n(py[0]["handoffs_per_s"]),
                           c=fmt_n(c[0]["handoffs_per_s"])))
            break
    return " ".join(out + [say("gil_real.link")])


def serve_at_largest(run):
    """(C, {server: row}) of serve.csv's sleep rows at the largest C."""
    rows = run.select("serve", load="sleep")
    c = max(r["connections"] for r in rows)
    return c, {r["server"]: r for r in rows if r["connections"] == c}


def ms_of(x):
    return "-" if x is None else fmt_n(x) + " ms"


def say_serve_rps(run):
    c, at = serve_at_largest(run)
    ideal = next(iter(at.values()))["ideal_rps"]
    parts = [say("serve.rps_part", server=s, rps=fmt_n(r["rps"]), pct="%.0f" % (100 * r["rps"] / ideal),
                 held=fmt_n(r["held_peak"]), refused=fmt_n(r["refused"])) for s, r in at.items()]
    return say("serve.rps", d_ms=fmt_n(next(iter(at.values()))["ms"]), c=fmt_n(c), ideal=fmt_n(ideal),
               parts="; ".join(parts))


def say_serve_p99(run):
    c, at = serve_at_largest(run)
    return say("serve.p99", d_ms=fmt_n(next(iter(at.values()))["ms"]), c=fmt_n(c),
               parts=", ".join("%s %s" % (s, ms_of(r["p99_ms"])) for s, r in at.items()))


def say_serve_mixed(run):
    rows = run.select("serve", load="mixed")
    if not rows:
        return say("not_measured", why=say("missing.serve"))
    return say("serve.mixed", c=fmt_n(rows[0]["connections"]),
               parts=", ".join("%s %s" % (r["server"], ms_of(r["p99_ms"])) for r in rows))


def say_backends(run):
    pairs = backend_pairs(run)
    if not pairs:
        return say("backends.none")
    return say("backends.text", d_ms=fmt_n(pairs[0][2]["ms"]), parts="; ".join(
        say("backends.part", role=role, n=fmt_n(n), e_sc="%.3g" % e["syscalls_per_request"],
            e_wall=fmt_s(e["wall_s"]), u_sc="%.3g" % u["syscalls_per_request"], u_wall=fmt_s(u["wall_s"]))
        for role, n, e, u in pairs))


def say_mn_speedup(run):
    mn, _ = speedup_rows(run, "mn", None)
    w, _ = at_cores(run, mn)
    if w is None or 1 not in mn:
        return say("mn.no_w", w=run.cores)
    parts = []
    for m in ("threads", "procs", "mn", "go"):
        speedups, _ = speedup_rows(run, m, None)
        if w in speedups:
            parts.append(say("mn.part", model=m, s=speedups[w]))
    return say("mn.text", cores=run.cores, w=w, parts=", ".join(parts), one=mn[1])


def say_mn_uneven(run):
    on, off = run.select("mn_uneven", steal="on"), run.select("mn_uneven", steal="off")
    if not on or not off:
        return say("uneven.none")
    a, b = on[0], off[0]
    return say("uneven.text", runs=a["runs"], on=fmt_s(a["median_s"]), steals=fmt_n(a["steals"]),
               share_on=a["busiest_share"], off=fmt_s(b["median_s"]), x=b["median_s"] / a["median_s"])


# (chart file, what it needs, what it says)
CHARTS = [
    ("io_wall", ["io"], lambda run: say_fanout(run, "io")),
    ("io_overhead", ["io"], say_io_overhead),
    ("cpu_speedup", ["cpu"], say_cpu),
    ("switch", ["lat_switch"], say_switch),
    ("create_mem", ["cost_create", "mem_task"], say_create_mem),
    ("limits", ["limits"], say_limits),
    ("gil", ["gil"], say_gil),
    ("net_wall", ["net"], lambda run: say_fanout(run, "net")),
    ("runtimes", ["runtimes"], say_runtimes),
    ("gil_real", ["gil_real"], say_gil_real),
    ("net_backends", ["net_backends"], say_backends),
    ("serve_rps", ["serve"], say_serve_rps),
    ("serve_p99", ["serve"], say_serve_p99),
    ("serve_mixed", ["serve"], say_serve_mixed),
    ("mn_speedup", ["mn_cpu"], say_mn_speedup),
    ("mn_uneven", ["mn_uneven"], say_mn_uneven),
]
GIL_CSVS = ("gil_scaling", "gil_sweep", "gil_convoy", "heartbeat")


def has_data(run, need):
    if need == "gil":
        return any(run.rows(n) for n in GIL_CSVS)
    if need == "runtimes":
        return any(models_of(run, n, "reference") for n in ("io", "cpu", "net"))
    if need == "mn_cpu":
        return bool(run.select("cpu", model="mn"))
    if need == "gil_real":
        return (all(run.select("cpu", model=m) for m in ("seq", "gil", "py_seq", "py_threads"))
                or bool(run.rows("gil_sweep") and run.rows("py_gil_sweep")))
    return bool(run.rows(need))


def charts_section(run, link_base):
    out = [say("charts.title"), ""]
    for name, needs, text in CHARTS:
        title = say("chart." + name)
        out += ["### " + title, ""]
        missing = [n for n in needs if not has_data(run, n)]
        if missing:
            out += [say("not_measured", why="; ".join(say("missing." + n) for n in missing)), ""]
            continue
        if not os.path.exists(os.path.join(run.path, "charts", name + ".svg")):
            out += [say("chart.not_drawn", run=link_base), ""]
        else:
            out += [say("chart.image", title=title, path=link_base + "/charts/" + name), ""]
        out += [text(run), ""]
    return out


# --- the headline: a million sleepers, 10,000 requests, the cpu list ------------

def sleeper_rows(run):
    """[(label, model, tasks, ms, wall_s, max_rss_kb)] of every sleep case:
    coro_scale's (the suite's coroutines, per stack mode) and sleepers.csv's."""
    out = [("coro (%s stacks)" % r["stack_mode"], "coro", r["tasks"], r["ms"], r["wall_s"], r["max_rss_kb"])
           for r in run.select("coro_scale", model="coro")]
    out += [(say("headline.sleeper_suite", model=r["model"]) if models.is_suite(r["model"]) else r["model"],
             r["model"], r["tasks"], r["ms"], r["wall_s"], r["max_rss_kb"])
            for r in run.rows("sleepers") or []]
    return out


def headline_sleepers(run):
    """The largest case (1,000,000 sleeps of 1 s in quick and full) that
    the suite or a reference model ran, every model that ran it, a verdict."""
    rows = sleeper_rows(run)
    if not rows:
        return [say("headline.no_sleepers"), ""]
    n, ms = max((r[2], r[3]) for r in rows)
    at_n = sorted(([r[0], r[1], r[4], r[5]] for r in rows if (r[2], r[3]) == (n, ms)), key=lambda r: r[2])
    out = [say("headline.sleepers", n=n_fmt(n), ms=n_fmt(ms)), ""]
    out += table("table.sleepers", [(label, n_fmt(n), fmt_s(w), gb(kb)) for label, _, w, kb in at_n])
    suite = [r for r in at_n if models.is_suite(r[1])]
    refs = [r for r in at_n if not models.is_suite(r[1])]
    if suite and refs:
        s, r = suite[0], refs[0]
        if s[2] <= r[2]:
            out += [say("headline.leads", n=n_fmt(n), best=s[0], t=fmt_s(s[2]), ref=r[0], x=r[2] / s[2]), ""]
        else:
            out += [say("headline.trails", n=n_fmt(n), ref=r[0], t_ref=fmt_s(r[2]), t=fmt_s(s[2]),
                        x=s[2] / r[2]), ""]
    have = {r[1] for r in rows}
    absent = [say("absent", model=m, why=why_absent(run, m, "sleepers"))
              for m in models.names(fanout="loop") if m not in have and "io" in models.get(m, "suites")]
    if absent:
        out += [" ".join(absent), ""]
    others = {}
    for label, _, t, t_ms, w, kb in rows:
        if (t, t_ms) != (n, ms) and (label not in others or (t, t_ms) > others[label][:2]):
            others[label] = (t, t_ms, w, kb)
    if others:
        out += [say("headline.sleepers_other", parts="; ".join(
            say("headline.sleepers_case", model=label, n=n_fmt(t), ms=n_fmt(t_ms), t=fmt_s(w), rss=gb(kb))
            for label, (t, t_ms, w, kb) in others.items())), ""]
    return out


def headline_net(run):
    rows = sorted(run.select("net", tasks=10000, ms=100), key=lambda r: r["median_s"])
    if not rows:
        return [say("headline.no_net", profile=run.machine.get("profile", "?")), ""]
    return [say("headline.net"), ""] + table("table.net", [
        (r["model"], fmt_s(r["median_s"]), "%.2f" % (r["median_s"] / 0.1)) for r in rows])


def headline_cpu(run):
    rows = []
    for m in models_of(run, "cpu", None):
        if models.get(m, "fanout") == "one":
            continue
        r = run.select("cpu", model=m, workers=run.cores)
        speedups, _ = speedup_rows(run, m, m)
        if r and run.cores in speedups:
            r = r[0]
            base = models.baseline(m) or "%s, W = 1" % m
            rows.append((m, "%d x %s" % (r["tasks"], n_fmt(r["n"])), fmt_s(r["median_s"]),
                         "%.2fx" % speedups[run.cores], base, fmt_n(r["median_s"] / iterations(r) * 1e9)))
    if not rows:
        return [say("headline.no_cpu", cores=run.cores), ""]
    return [say("headline.cpu", cores=run.cores), ""] + table("table.cpu", rows)


def headline_section(run):
    return ([say("headline.title"), "", say("headline.intro"), ""]
            + headline_sleepers(run) + headline_net(run) + headline_cpu(run))


# --- reference figures (ANCHORS.md) --------------------------------------------

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
            src = say("anchors.own")
        elif "measured here" in src:
            src = say("anchors.own_prefix", src=src)
        return cells[1], src
    return None, None


def anchor_table(rows, anchors):
    """ROWS of (what, measured text or None, anchor key) as a table, with
    the reference and its source when ANCHORS were read."""
    cells = []
    for what, value, key in rows:
        cell = value if value is not None else TARGET_NOT_MEASURED
        if anchors is None:
            cells.append((what, cell))
        else:
            fig, src = anchor(anchors, key) if key else (None, None)
            cells.append((what, cell, fig or "-", src or "-"))
    return table("table.anchors_none" if anchors is None else "table.anchors", cells)


def io_at(run, model, tasks, ms):
    rows = run.select("io", model=model, tasks=tasks, ms=ms)
    return fmt_s(rows[0]["median_s"]) if rows else None


def speedup_at_cores(run, model_cpu, model_scaling, over=""):
    w, s = at_cores(run, speedup_rows(run, model_cpu, model_scaling)[0])
    return None if s is None else "%.2fx%s (W = %d)" % (s, over, w)


def coro_scale_at(run, tasks):
    """coro_scale's cases of TASKS coroutines sleeping 1 s: each stack mode's
    wall and peak RSS, fastest first."""
    rows = sorted(run.select("coro_scale", model="coro", tasks=tasks, ms=1000), key=lambda r: r["wall_s"])
    return "; ".join("%s stacks %s, %s peak RSS" % (r["stack_mode"], fmt_s(r["wall_s"]), gb(r["max_rss_kb"]))
                     for r in rows) or None


def anchor_rows(run):
    """(what, measured text or None, anchor key)"""
    def ns(mech, **match):
        v = measured(run, "lat_switch", "median_ns", mechanism=mech, **match)
        return None if v is None else fmt_n(v) + " ns per switch"

    def trip(placement):
        v = measured(run, "lat_switch", "median_ns", mechanism="perf_pipe", placement=placement)
        return None if v is None else "%.3g us per round trip (2 switches)" % (2 * v / 1000)
    convoy = run.select("gil_convoy", lock="new", cpu_threads=1)
    return [
        ("bare switch leaving by pop; jmp (the floor)", ns("bare_jmp"), None),
        ("bare switch leaving by ret", ns("bare"), "hand-written x86-64 switch"),
        ("coroutine switch", ns("coro"), "libaco switch"),
        ("Boost.Context jump_fcontext", ns("boost_fcontext"), None),
        ("glibc swapcontext", ns("swapcontext"), "glibc swapcontext"),
        ("thread switch, futex, one CPU", ns("thread_futex", placement="one-cpu"), "tsuna/contextswitch"),
        ("perf bench sched pipe, one CPU", trip("one-cpu"), "perf bench sched pipe, both tasks pinned"),
        ("perf bench sched pipe, unpinned", trip("unpinned"), "perf bench sched pipe, unpinned"),
        ("process switch, pipe, one CPU", ns("proc_pipe", placement="one-cpu"), "lmbench lat_ctx"),
        ("threads under the new GIL, CPU list", speedup_at_cores(run, "gil", "gil_new"), "same, 4 threads (GIL)"),
        ("processes, CPU list", speedup_at_cores(run, "procs", "procs"), "multiprocessing.Pool()"),
        ("1,000 threads each waiting 0.1 s", io_at(run, "threads", 1000, 100), "1,000 threads each sleeping"),
        ("10,000 threads each waiting 0.1 s", io_at(run, "threads", 10000, 100), "10,000 threads each sleeping"),
        ("10,000 coroutines each waiting 0.1 s", io_at(run, "coro", 10000, 100), "asyncio.gather of 10,000 sleeps"),
        ("100,000 coroutines each waiting 0.1 s", io_at(run, "coro", 100000, 100),
         "asyncio.gather of 100,000 sleeps"),
        ("1,000,000 coroutines each sleeping 1 s", coro_scale_at(run, 1000000), "asyncio.gather of 1,000,000 sleeps"),
        ("100,000 coroutines each sleeping 1 s", coro_scale_at(run, 100000), None),
        ("I/O ops per second beside a CPU thread, new GIL",
         fmt_n(convoy[0]["ops_per_s"]) + " per second" if convoy else None, "Convoy effect"),
    ]


def python_anchor_rows(run):
    """The Python models beside ANCHORS.md's figures for the lessons' own
    Python programs."""
    return [
        ("py_threads, 1,000 threads each waiting 0.1 s", io_at(run, "py_threads", 1000, 100),
         "1,000 threads each sleeping"),
        ("py_threads, 10,000 threads each waiting 0.1 s", io_at(run, "py_threads", 10000, 100),
         "10,000 threads each sleeping"),
        ("py_asyncio, 10,000 tasks each waiting 0.1 s", io_at(run, "py_asyncio", 10000, 100),
         "asyncio.gather of 10,000 sleeps"),
        ("py_asyncio, 100,000 tasks each waiting 0.1 s", io_at(run, "py_asyncio", 100000, 100),
         "asyncio.gather of 100,000 sleeps"),
        ("py_threads, the cpu list on threads (real GIL)", speedup_at_cores(run, "py_threads", None, " over py_seq"),
         "same, 4 threads (GIL)"),
        ("py_procs, the cpu list on a process pool", speedup_at_cores(run, "py_procs", None, " over py_seq"),
         "multiprocessing.Pool()"),
    ]


def anchors_section(run, anchors, anchors_path):
    shown = os.path.relpath(anchors_path, REPO).replace(os.sep, "/")
    out = [say("anchors.title"), ""]
    out += [say("anchors.none" if anchors is None else "anchors.intro", path=shown), ""]
    return out + anchor_table(anchor_rows(run), anchors)


# --- the suite beside the runtimes, in full ------------------------------------

def version(run, tool):
    v = (run.machine.get("python") if tool == "python" else (run.machine.get("tools") or {}).get(tool))
    return v or "not recorded"


def beside_section(run, anchors):
    out = [say("beside.title"), ""]
    if not has_data(run, "runtimes"):
        return out + [say("beside.none", why=say("missing.runtimes")), ""]
    pairs = ["%s beside %s" % (ref, s) for s in models.suite_models() for ref in models.twins_of(s, "twin")]
    out += [say("beside.intro", python=version(run, "python"), go=version(run, "go"),
                node=version(run, "node"), libuv=version(run, "libuv"), pairs=", ".join(pairs)), ""]
    absent = [say("absent", model=m, why=why_absent(run, m, models.get(m, "suites")[0]))
              for m in models.names(side="reference") if not any(
                  run.select(s, model=m) for s in models.get(m, "suites"))]
    if absent:
        out += [" ".join(absent), ""]
    out += [s for c in cpu_cost_sentences(run) for s in (c, "")]
    rows = [(name, s, ref, n_fmt(n), fmt_s(sr["median_s"]), fmt_s(rr["median_s"]),
             "%.2fx" % (rr["median_s"] / sr["median_s"]))
            for name in ("io", "net") for s, ref, n, sr, rr in fanout_pairs(run, name)]
    if rows:
        d = ", ".join("%s ms for %s" % (fmt_n(wait_ms(run, n)), n) for n in ("io", "net") if run.rows(n))
        out += [say("beside.fanout", d=d), ""] + table("table.beside_fanout", rows)
    out += beside_cpu(run)
    out += beside_speedups(run)
    out += [say("beside.python_anchors", note="" if anchors is None else say("beside.python_anchors_note")), ""]
    return out + anchor_table(python_anchor_rows(run), anchors)


def ns_per_iteration(run, model, w):
    """MODEL's ns per loop iteration at W workers (its one-worker row for a
    sequential model), or None."""
    rows = run.select("cpu", model=model) if models.get(model, "fanout") == "one" else \
        run.select("cpu", model=model, workers=w)
    return rows[0]["median_s"] / iterations(rows[0]) * 1e9 if rows else None


def beside_cpu(run):
    rows = []
    for s in models.suite_models():
        for ref in models.twins_of(s, "cpu_twin"):
            w = 1 if models.get(s, "fanout") == "one" else run.cores
            a, b = ns_per_iteration(run, s, w), ns_per_iteration(run, ref, w)
            if a and b:
                rows.append((s, ref, w, fmt_n(a), fmt_n(b), "%.2fx" % (b / a)))
    return [say("beside.cpu", cores=run.cores), ""] + table("table.beside_cpu", rows) if rows else []


def beside_speedups(run):
    cols = [m for m in models_of(run, "cpu", None) if models.get(m, "fanout") != "one"]
    speedups = {m: speedup_rows(run, m, None)[0] for m in cols}
    cols = [m for m in cols if speedups[m]]
    ws = sorted({w for m in cols for w in speedups[m]})
    if not cols:
        return []
    head = ["W"] + [say("beside.speedup_col", model=m, base=models.baseline(m) or say("beside.own_w1"))
                    for m in cols]
    rows = [[w] + ["%.2fx" % speedups[m][w] if w in speedups[m] else "-" for m in cols] for w in ws]
    return [say("beside.speedups"), ""] + table(head, rows)


def gil_real_section(run):
    out = [say("gil_real.title"), "", say("gil_real.intro", python=version(run, "python")), ""]
    pairs, src = gil_speedup_pairs(run)
    if pairs:
        out += [say("gil_real.cpu", src=src), ""]
        out += table("table.gil_real_cpu", [(w, "%.2fx" % p, "%.2fx" % c, "%.2f" % r) for w, p, c, r in pairs])
    c = {(r["threads"], r["interval_us"]): r for r in run.rows("gil_sweep") or []}
    py = {(r["threads"], r["interval_us"]): r for r in run.rows("py_gil_sweep") or []}
    if c and py:
        rows = []
        for k in sorted(set(c) | set(py)):
            p, e = py.get(k), c.get(k)
            if p and e and comparable(p) and comparable(e) and e["handoffs_per_s"] > 0:
                ratio = "%.2f" % (p["handoffs_per_s"] / e["handoffs_per_s"])
            elif p and e:
                ratio = say("gil_real.short", intervals=MIN_INTERVALS, run_s=MIN_RUN_S)
            else:
                ratio = "-"
            rows.append((k[0], n_fmt(k[1]), fmt_n(p["handoffs_per_s"]) if p else "-",
                         fmt_n(e["handoffs_per_s"]) if e else "-", fmt_n(1e6 / k[1]), ratio))
        out += [say("gil_real.sweep", intervals=MIN_INTERVALS, run_s=MIN_RUN_S), ""]
        out += table("table.gil_real_sweep", rows)
    close = []
    if pairs:
        rs = [p[3] for p in pairs]
        close.append(say("gil_real.close_cpu", lo=min(rs), hi=max(rs), ws=", ".join(str(p[0]) for p in pairs)))
    sweep = sweep_pairs(run)
    if sweep:
        rs = [p[4] for p in sweep]
        close.append(say("gil_real.close_sweep", lo=min(rs), hi=max(rs), n=len(sweep),
                         first=n_fmt(min(p[1] for p in sweep)), last=n_fmt(max(p[1] for p in sweep))))
    if close:
        out += [say("gil_real.close", parts="; ".join(close)), ""]
    return out + verdict_table("table.shapes", check_shapes(run))


# --- the document -------------------------------------------------------------

def machine_section(run, name):
    m = run.machine
    files, tools = m.get("open_files") or {}, m.get("tools") or {}
    figs = {k: m.get(k, "?") for k in ("profile", "cpu_model", "cpus_usable", "cpus_online", "affinity",
                                       "pinning", "kernel", "arch", "compiler", "cflags", "pid_max",
                                       "threads_max", "max_map_count", "commit")}
    figs.update(
        name=name, state=say("machine.complete" if m.get("complete") else "machine.incomplete"),
        started=m.get("started_utc", "?"), finished=m.get("finished_utc", "?"),
        loadavg=m.get("loadavg_at_start", "?"), mem_mib=n_fmt(int(m.get("mem_kb") or 0) // 1024),
        files_soft=files.get("soft", "?"), files_hard=files.get("hard", "?"),
        thp=m.get("transparent_hugepage", "not recorded"),
        perf=say("machine.perf_work") if m.get("perf_counters") else
        say("machine.perf_fail", paranoid=m.get("perf_event_paranoid", "?")),
        hyperfine=tools.get("hyperfine", "?"), gnuplot=tools.get("gnuplot", "?"),
        python=version(run, "python"), go=version(run, "go"), node=version(run, "node"),
        libuv=version(run, "libuv"))
    return [say("machine.title"), ""] + table(["", ""], template_rows("table.machine", **figs))


def verdict_table(key, checks):
    return table(key, [(what, evidence, rule, "**%s**" % verdict) for _, what, rule, verdict, evidence in checks])


def targets_section(run):
    return [say("targets.title"), "", say("targets.intro", met=MET, missed=MISSED,
                                          not_measured=TARGET_NOT_MEASURED), ""] + \
        verdict_table("table.targets", check_targets(run))


def lessons_section(run):
    return [say("lessons.title"), "", say("lessons.intro"), ""] + verdict_table("table.lessons", check_all(run))


def write(run_arg, out_path, anchors_path):
    real = os.path.realpath(run_arg)
    run = Run(real)
    run.check()
    out_dir = os.path.dirname(os.path.abspath(out_path))
    link_base = os.path.relpath(real, out_dir).replace(os.sep, "/")
    anchors = read_anchors(anchors_path) if os.path.exists(anchors_path) else None
    doc = [say("title", run=link_base, profile=run.machine.get("profile", "quick")), ""]
    doc += machine_section(run, os.path.basename(real))
    doc += charts_section(run, link_base)
    doc += headline_section(run)
    doc += anchors_section(run, anchors, anchors_path)
    doc += targets_section(run)
    doc += beside_section(run, anchors)
    doc += gil_real_section(run)
    doc += lessons_section(run)
    tmp = out_path + ".new"
    with open(tmp, "w") as f:
        f.write("\n".join(doc))
    os.replace(tmp, out_path)


def main():
    ap = argparse.ArgumentParser(description="write RESULTS.md from a results folder")
    ap.add_argument("run", nargs="?", default=os.environ.get("RUN") or os.path.join(REPO, "results", "latest"))
    ap.add_argument("--out", default=os.path.join(REPO, "RESULTS.md"))
    ap.add_argument("--anchors", default=os.environ.get("ANCHORS") or
                    os.path.join(REPO, "..", "shared", "ANCHORS.md"))
    args = ap.parse_args()
    if not os.path.exists(os.path.join(args.run, "machine.json")):
        print("results.py: %s: not a results folder (no machine.json)" % args.run, file=sys.stderr)
        return 2
    try:
        write(args.run, args.out, os.path.normpath(args.anchors))
    except BadRun as e:
        print("results.py: %s" % e, file=sys.stderr)
        return 2
    except OSError as e:
        print("results.py: %s: %s" % (e.filename, e.strerror), file=sys.stderr)
        return 2
    print("results.py: wrote %s from %s" % (args.out, os.path.realpath(args.run)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
