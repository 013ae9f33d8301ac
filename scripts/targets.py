"""targets.py - the figures the project set itself, checked against a run.

Each part of the suite was built to reach figures (the coroutine switch
within 1.8x of a bare switch that leaves the same way, a million sleeping
coroutines in under 2 s, ...). Each is checked here from one results
folder by the rule shown, ratios taken within the run: "met", "missed", or
"not measured" when the rows are not there. results.py prints the table
("Targets, checked"); tests/cli/harness.bats flips every verdict on an
altered fixture.

    TARGETS: (key, target, rule, check); check(run) -> (verdict, evidence)

To add a target: one row in TARGETS (its key, the target and the rule as a
reader should read them) and its check, a function of the run returning
(verdict, evidence); the lookups below (switch_ns, measured, ratio_target)
make most checks a line or two. Then a fixture figure that meets it and a
set_cell in harness.bats that moves it past.
"""
from lessons import at_cores, backend_pairs, fmt_n, fmt_s, interleaved_speedups, measured, speedup_rows

MET = "met"
MISSED = "missed"
NOT_MEASURED = "not measured"


def switch_ns(run, mechanism, **match):
    """lat_switch's median ns per switch of MECHANISM, or None."""
    return measured(run, "lat_switch", "median_ns", mechanism=mechanism, **match)


def verdict(ok):
    return MET if ok else MISSED


def ratio_target(mine, other, limit):
    """A check: MINE's median ns per switch at most LIMIT x OTHER's
    (lat_switch mechanisms)."""
    def check(run):
        a, b = switch_ns(run, mine), switch_ns(run, other)
        if a is None or not b:
            return NOT_MEASURED, "no %s or %s row in lat_switch.csv" % (mine, other)
        return verdict(a <= limit * b), "%s %s ns, %s %s ns: %.3gx" % (mine, fmt_n(a), other, fmt_n(b), a / b)
    return check


def switch_vs_swapcontext(run):
    coro, swap = switch_ns(run, "coro"), switch_ns(run, "swapcontext")
    if not coro or swap is None:
        return NOT_MEASURED, "no coro or swapcontext row in lat_switch.csv"
    return (verdict(swap >= 15 * coro),
            "swapcontext %s ns, co_switch %s ns: %.3gx" % (fmt_n(swap), fmt_n(coro), swap / coro))


def pingpong_vs_perf(run):
    mine = switch_ns(run, "thread_futex", placement="one-cpu")
    perf = switch_ns(run, "perf_pipe", placement="one-cpu")
    if mine is None or not perf:
        return NOT_MEASURED, "no pinned thread_futex or perf_pipe row (perf missing or not allowed here)"
    ratio = mine / perf
    text = "thread futex ping-pong %s ns, perf bench sched pipe -T %s ns per switch: %.3gx" % (
        fmt_n(mine), fmt_n(perf), ratio)
    unpinned = switch_ns(run, "thread_futex", placement="unpinned")
    if unpinned is not None:
        text += "; unpinned %s ns (wake-ups that cross CPUs)" % fmt_n(unpinned)
    return verdict(0.5 <= ratio <= 2.0), text


def largest_common_n(run, name, a, b):
    """The largest n at which both (model, variant) pairs have a row."""
    ns = [set(r["n"] for r in run.select(name, model=m, variant=v)) for m, v in (a, b)]
    common = ns[0] & ns[1]
    return max(common) if common else None


def creation(run):
    coro, thread = ("coro", "copy"), ("thread", "default_stack")
    n = largest_common_n(run, "cost_create", coro, thread)
    if n is None:
        return NOT_MEASURED, "no coro copy and thread default_stack rows at one N in cost_create.csv"
    c = measured(run, "cost_create", "median_ns", model="coro", variant="copy", n=n)
    t = measured(run, "cost_create", "median_ns", model="thread", variant="default_stack", n=n)
    return verdict(t >= 20 * c), "at N = %s: coroutine %s ns, thread %s ns: %.3gx" % (
        fmt_n(n), fmt_n(c), fmt_n(t), t / c)


def memory(run):
    c = measured(run, "mem_task", "bytes_per_task", model="coro", variant="copy", metric="rss")
    t = measured(run, "mem_task", "bytes_per_task", model="thread", variant="default_stack", metric="rss")
    if not c or t is None:
        return NOT_MEASURED, "no coro copy or thread default_stack row in mem_task.csv"
    return verdict(t >= 10 * c), "coroutine (copy stack) %s bytes, thread (default stack) %s bytes: %.3gx" % (
        fmt_n(c), fmt_n(t), t / c)


def sleepers(tasks, wall_s, rss_gb=None):
    def check(run):
        rows = run.select("coro_scale", model="coro", tasks=tasks, ms=1000)
        if not rows:
            return NOT_MEASURED, "no case of %s tasks in coro_scale.csv" % fmt_n(tasks)
        best = min(rows, key=lambda r: r["wall_s"])
        gb = best["max_rss_kb"] * 1024 / 1e9
        ok = best["wall_s"] < wall_s and (rss_gb is None or gb < rss_gb)
        return verdict(ok), "%s stacks: %s, %.2f GB peak RSS" % (best["stack_mode"], fmt_s(best["wall_s"]), gb)
    return check


def coro_scale_row(run, model, mode, tasks, ms):
    """coro_scale's row of MODEL (coro, uv) in stack MODE ('-' for uv), or None."""
    rows = run.select("coro_scale", model=model, stack_mode=mode, tasks=tasks, ms=ms)
    return rows[0] if rows else None


def copy_task_bytes(run):
    c = measured(run, "mem_task", "bytes_per_task", model="coro", variant="copy", metric="rss")
    if c is None:
        return NOT_MEASURED, "no coro copy row in mem_task.csv"
    return verdict(c <= 250), "%s bytes per sleeping copy coroutine" % fmt_n(c)


def million_rss(run):
    rows = [coro_scale_row(run, "coro", m, 1000000, 1000) for m in ("auto", "copy")]
    if None in rows:
        return NOT_MEASURED, "no coro auto and copy rows of 1,000,000 tasks in coro_scale.csv"
    mb = [r["max_rss_kb"] * 1024 / 1e6 for r in rows]
    return verdict(max(mb) < 300), "auto %.0f MB, copy %.0f MB peak RSS" % (mb[0], mb[1])


def million_vs_uv(run):
    uv = coro_scale_row(run, "uv", "-", 1000000, 1000)
    rows = [coro_scale_row(run, "coro", m, 1000000, 1000) for m in ("auto", "copy")]
    if uv is None or None in rows or not uv["wall_s"]:
        return NOT_MEASURED, "no libuv row (build/uv not built) or no coro auto and copy rows of 1,000,000 tasks"
    r = [x["wall_s"] / uv["wall_s"] for x in rows]
    return verdict(max(r) <= 0.8), "auto %s, copy %s, libuv %s: %.2fx, %.2fx" % (
        fmt_s(rows[0]["wall_s"]), fmt_s(rows[1]["wall_s"]), fmt_s(uv["wall_s"]), r[0], r[1])


def overhead_vs_uv(run):
    uv = coro_scale_row(run, "uv", "-", 10000, 100)
    co = coro_scale_row(run, "coro", "auto", 10000, 100)
    if uv is None or co is None:
        return NOT_MEASURED, "no libuv row (build/uv not built) or no coro auto row of 10,000 x 100 ms"
    a, b = co["wall_s"] - 0.1, uv["wall_s"] - 0.1
    return verdict(a <= b), "coro (auto) %.1f ms above d, libuv %.1f ms" % (a * 1e3, b * 1e3)


def net_requests(run):
    rows = run.select("net", model="coro", tasks=10000, ms=100)
    if not rows:
        return NOT_MEASURED, "no coro row at N = 10,000, d = 100 ms in net.csv"
    return verdict(rows[0]["median_s"] < 1.0), "coro, median of %d runs: %s" % (
        rows[0]["runs"], fmt_s(rows[0]["median_s"]))


def gil_fan_out(run):
    """gil beside py_threads on the io and net fan-outs at N = 1,000 and 10,000."""
    points, missing = [], []
    for suite in ("io", "net"):
        for n in (1000, 10000):
            g = run.select(suite, model="gil", tasks=n, workers=0)
            p = run.select(suite, model="py_threads", tasks=n, workers=0)
            if g and p and g[0]["ms"] == p[0]["ms"]:
                points.append((suite, n, g[0]["median_s"], p[0]["median_s"]))
            else:
                missing.append("%s N = %s" % (suite, fmt_n(n)))
    if not points:
        return NOT_MEASURED, "no gil and py_threads rows at N = 1,000 or 10,000 in io.csv or net.csv"
    text = "; ".join("%s N = %s: gil %s, py_threads %s, %.2fx" % (suite, fmt_n(n), fmt_s(g), fmt_s(p), g / p)
                     for suite, n, g, p in points)
    if missing:
        text += "; not measured: " + ", ".join(missing)
    return verdict(all(g <= 1.5 * p for _, _, g, p in points)), text


def uring_vs_epoll(column, bound, what):
    """io_uring's COLUMN at most BOUND x epoll's, client and server, N = 10,000."""
    def check(run):
        pairs = backend_pairs(run, 10000)
        if len(pairs) < 2:
            return NOT_MEASURED, "no epoll and io_uring rows at N = 10,000 for the client and the server in net_backends.csv"
        return verdict(all(u[column] <= bound * e[column] for _, _, e, u in pairs)), "; ".join(
            "%s: epoll %.3g, io_uring %.3g %s (%.3gx)" % (role, e[column], u[column], what, u[column] / e[column])
            for role, _, e, u in pairs)
    return check


def mn_cpu(run):
    """mn's cpu speedup at W = cores against threads', both over seq (cpu.csv)."""
    if run.cores < 2:
        return NOT_MEASURED, "one CPU: no model can speed up here"
    mn, src = interleaved_speedups(run, "mn")
    th, th_src = interleaved_speedups(run, "threads")
    if th_src != src:
        mn, src = speedup_rows(run, "mn", None)
        th, _ = speedup_rows(run, "threads", None)
    w, _ = at_cores(run, {k: v for k, v in mn.items() if k in th})
    if w is None:
        return NOT_MEASURED, "no mn and threads rows at a common 1 < W <= %d (the core count) in gil_scaling.csv or cpu.csv" % run.cores
    return verdict(mn[w] >= 0.9 * th[w]), "W = %d: mn %.2fx, threads %.2fx over seq: %.2f (%s)" % (
        w, mn[w], th[w], mn[w] / th[w], src)


def sleepers_row(run, model, tasks=1000000, ms=1000):
    rows = run.select("sleepers", model=model, tasks=tasks, ms=ms)
    return rows[0] if rows else None


def mn_million(run):
    """mn's 1,000,000 sleepers of 1 s against one loop (coro) and Go (sleepers.csv)."""
    mn, coro, go = (sleepers_row(run, m) for m in ("mn", "coro", "go"))
    if mn is None or coro is None or go is None:
        return NOT_MEASURED, "no mn, coro and go rows of 1,000,000 x 1 s in sleepers.csv (go not built, or a smaller profile)"
    w, r, g = mn["wall_s"] / coro["wall_s"], mn["max_rss_kb"] / coro["max_rss_kb"], mn["wall_s"] / go["wall_s"]
    return verdict(w <= 1.25 and r <= 1.2 and g <= 0.5), (
        "mn %s, %s peak RSS; one loop (coro) %s, %s; go %s: wall %.2fx, RSS %.2fx one loop's, wall %.2fx go's"
        % (fmt_s(mn["wall_s"]), gb(mn["max_rss_kb"]), fmt_s(coro["wall_s"]), gb(coro["max_rss_kb"]),
           fmt_s(go["wall_s"]), w, r, g))


def gb(kb):
    return "%.2f GB" % (kb * 1024 / 1e9)


def mn_uneven(run):
    """Uneven work on 2 loops: stealing on against off (mn_uneven.csv)."""
    if run.cores < 2:
        return NOT_MEASURED, "one CPU: two loops cannot run at once here"
    on = run.select("mn_uneven", steal="on", loops=2)
    off = run.select("mn_uneven", steal="off", loops=2)
    if not on or not off:
        return NOT_MEASURED, "no steal on and off rows at 2 loops in mn_uneven.csv"
    a, b = on[0], off[0]
    return verdict(b["median_s"] >= 1.8 * a["median_s"]), (
        "%d tasks on 2 loops, median of %d: stealing on %s (%s steals), off %s: %.2fx"
        % (a["tasks"], a["runs"], fmt_s(a["median_s"]), fmt_n(a["steals"]), fmt_s(b["median_s"]),
           b["median_s"] / a["median_s"]))


def mn_net(run):
    """10,000 net requests of 100 ms: mn against one loop (net.csv)."""
    mn = run.select("net", model="mn", tasks=10000, ms=100)
    coro = run.select("net", model="coro", tasks=10000, ms=100)
    if not mn or not coro:
        return NOT_MEASURED, "no mn and coro rows at N = 10,000, d = 100 ms in net.csv"
    a, b = mn[0]["median_s"], coro[0]["median_s"]
    return verdict(a <= 1.1 * b), "mn %s, one loop (coro) %s: %.2fx" % (fmt_s(a), fmt_s(b), a / b)


TARGETS = [
    ("switch_floor", "One coroutine switch within 1.8x of a bare switch that leaves by pop; jmp as it does",
     "lat_switch: coro median <= 1.8 x bare_jmp median", ratio_target("coro", "bare_jmp", 1.8)),
    ("switch_boost", "The coroutine switch no dearer than Boost.Context's jump_fcontext",
     "lat_switch: coro median <= 1.0 x boost_fcontext median", ratio_target("coro", "boost_fcontext", 1.0)),
    ("switch_swapcontext", "The coroutine switch at least 15x cheaper than swapcontext",
     "lat_switch: swapcontext median >= 15 x coro median", switch_vs_swapcontext),
    ("pingpong_perf", "Pinned thread ping-pong within 0.5x-2x of perf bench sched pipe -T, pinned",
     "lat_switch: thread_futex one-cpu / perf_pipe one-cpu in [0.5, 2]", pingpong_vs_perf),
    ("create", "Coroutine creation at least 20x cheaper than thread creation",
     "cost_create, largest common N: thread default_stack >= 20 x coro copy", creation),
    ("memory", "Memory per coroutine at least 10x below a thread with a default stack",
     "mem_task: thread default_stack bytes_per_task >= 10 x coro copy's", memory),
    ("million", "1,000,000 coroutines sleeping 1 s: under 2 s and 1.2 GB peak RSS",
     "coro_scale, fastest stack mode: wall < 2 s and max RSS < 1.2 GB", sleepers(1000000, 2.0, 1.2)),
    ("hundred_k", "100,000 coroutines sleeping 1 s: under 1.3 s",
     "coro_scale, fastest stack mode: wall < 1.3 s", sleepers(100000, 1.3)),
    ("net", "10,000 concurrent net requests, d = 100 ms: under 1 s",
     "net.csv: coro at N = 10,000, d = 100 ms, median < 1 s", net_requests),
    ("task_bytes", "A sleeping copy-stack coroutine in at most 250 bytes",
     "mem_task: coro copy bytes_per_task (rss) <= 250", copy_task_bytes),
    ("million_rss", "1,000,000 coroutines sleeping 1 s in under 300 MB, auto and copy stacks",
     "coro_scale, coro at 1,000,000 x 1 s: max RSS < 300 MB in auto and in copy", million_rss),
    ("million_uv", "1,000,000 coroutines sleeping 1 s in at most 0.8x libuv's wall time",
     "coro_scale, 1,000,000 x 1 s: coro auto and copy wall_s <= 0.8 x uv's", million_vs_uv),
    ("overhead_uv", "10,000 sleeps of 100 ms: the loop's time beyond d no more than libuv's",
     "coro_scale, 10,000 x 100 ms (medians of 5 runs): coro auto wall_s - d <= uv wall_s - d", overhead_vs_uv),
    ("gil_fan_out", "The emulated GIL on an io and net fan-out within 1.5x of CPython's threads at N = 1,000 and 10,000",
     "io.csv, net.csv: gil median <= 1.5 x py_threads median at every such N both measured (the rest named)",
     gil_fan_out),
    ("uring_syscalls", "io_uring: at most half the system calls per request of epoll, N = 10,000",
     "net_backends, client and server at N = 10,000: io_uring's syscalls_per_request <= 0.5 x epoll's",
     uring_vs_epoll("syscalls_per_request", 0.5, "system calls per request")),
    ("uring_wall", "io_uring: wall time no worse than epoll's, N = 10,000",
     "net_backends, client and server at N = 10,000: io_uring's wall_s <= 1.1 x epoll's (the 0.1 is noise)",
     uring_vs_epoll("wall_s", 1.1, "s wall")),
    ("mn_cpu", "M:N: the cpu list at W = cores at least 0.9x the threads model's speedup",
     "gil_scaling.csv (every model's runs interleaved in one program), else cpu.csv; W = the core count "
     "(>= 2; else the largest W below it both ran): mn's speedup over seq >= 0.9 x threads'", mn_cpu),
    ("mn_million", "M:N: 1,000,000 tasks sleeping 1 s within 1.25x of one loop's wall and 1.2x its peak RSS, at most 0.5x Go's wall",
     "sleepers.csv, 1,000,000 x 1 s, mn at W = cores: wall <= 1.25 x coro's, max RSS <= 1.2 x coro's, wall <= 0.5 x go's",
     mn_million),
    ("mn_uneven", "M:N: uneven work spawned from one task at least 1.8x faster with stealing than without, on 2 loops",
     "mn_uneven.csv, 2 loops, >= 2 CPUs: steal off median >= 1.8 x steal on median", mn_uneven),
    ("mn_net", "M:N: 10,000 net requests of 100 ms no slower than one loop",
     "net.csv, N = 10,000, d = 100 ms: mn median <= 1.1 x coro's (the 0.1 is noise)", mn_net),
]


def check_targets(run):
    """[(key, target, rule, verdict, evidence)] in TARGETS order."""
    return [(key, target, rule) + check(run) for key, target, rule, check in TARGETS]
