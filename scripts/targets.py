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
from lessons import backend_pairs, fmt_n, fmt_s, measured

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
        rows = run.select("coro_scale", tasks=tasks, ms=1000)
        if not rows:
            return NOT_MEASURED, "no case of %s tasks in coro_scale.csv" % fmt_n(tasks)
        best = min(rows, key=lambda r: r["wall_s"])
        gb = best["max_rss_kb"] * 1024 / 1e9
        ok = best["wall_s"] < wall_s and (rss_gb is None or gb < rss_gb)
        return verdict(ok), "%s stacks: %s, %.2f GB peak RSS" % (best["stack_mode"], fmt_s(best["wall_s"]), gb)
    return check


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
    ("gil_fan_out", "The emulated GIL on an io and net fan-out within 1.5x of CPython's threads at N = 1,000 and 10,000",
     "io.csv, net.csv: gil median <= 1.5 x py_threads median at every such N both measured (the rest named)",
     gil_fan_out),
    ("uring_syscalls", "io_uring: at most half the system calls per request of epoll, N = 10,000",
     "net_backends, client and server at N = 10,000: io_uring's syscalls_per_request <= 0.5 x epoll's",
     uring_vs_epoll("syscalls_per_request", 0.5, "system calls per request")),
    ("uring_wall", "io_uring: wall time no worse than epoll's, N = 10,000",
     "net_backends, client and server at N = 10,000: io_uring's wall_s <= 1.1 x epoll's (the 0.1 is noise)",
     uring_vs_epoll("wall_s", 1.1, "s wall")),
]


def check_targets(run):
    """[(key, target, rule, verdict, evidence)] in TARGETS order."""
    return [(key, target, rule) + check(run) for key, target, rule, check in TARGETS]
