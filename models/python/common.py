"""common.py - what the Python reference models share with each other and,
line for line, with the C models: the command line (lib/cli.c), the
workloads (lib/workload.c), the report and exit status (lib/run.c) and the
per-task timeline (lib/timeline.c).

    py_<model>.py <cpu|io|net> [--tasks T] [--n N] [--ms D] [--workers W]
                  [--connect HOST:PORT] [--timeout-ms T] [--json]

Bad input gets the same one-line message as the C models and exit status 2,
never a traceback: a number is ASCII digits only (no sign, no whitespace,
no other script's digits). The JSON object has the same keys; "result" is
the exact decimal total (Python ints are exact, so the cpu sums match the C
unsigned __int128 ones). Exit status: 0 verified; 1 the run failed (a wrong
result, a request that failed, was refused or got no answer in time, a
report or timeline not written); 2 bad usage; 3 out of a resource.
CM_TIMELINE=FILE writes task,start_s,end_s,worker,cpu as the C models do.
Importing this module first opens /dev/null onto closed descriptors 0-2
(slowserver.std_fds), as the C programs do.
"""
import ctypes
import json
import os
import resource
import sys
import threading
import time

import net
import slowserver
from slowserver import die_with_parent, shown  # noqa: F401  (for the models' children)

slowserver.std_fds()

WORKLOADS = ("cpu", "io", "net")
MAX_TASKS = 10000000
MAX_N = 1 << 32
MAX_MS = 600000
MAX_WORKERS = 1000000
MAX_TIMEOUT_MS = 86400000

_libc = ctypes.CDLL(None, use_errno=True)


class Extra:
    """A model's own numeric option, checked like the common ones."""

    def __init__(self, name, help_text, lo, hi, default):
        self.name, self.help, self.lo, self.hi = name, help_text, lo, hi
        self.default = default


class Bad(Exception):
    """Bad usage: the message is the one line to print before exit 2."""


def _usage(model, extras):
    opts = "".join(" [--%s X]" % e.name for e in extras)
    print("usage: %s <workload> [--tasks T] [--n N] [--ms D] [--workers W]"
          " [--connect HOST:PORT] [--timeout-ms T] [--json]%s" % (model, opts))
    print()
    print("  cpu          task i sums k*k for 0 <= k < N + i, exactly")
    print("  io           task i waits D ms")
    print("  net          task i asks a server over TCP, which answers after D ms")
    print("  --tasks T    number of tasks, 1..%d (default: cpu 20, io and net 100)" % MAX_TASKS)
    print("  --n N        cpu size, 1..%d (default 10000000)" % MAX_N)
    print("  --ms D       io wait or net server delay in ms, 0..%d (default 100)" % MAX_MS)
    print("  --workers W  a pool of W workers, 1..%d (default: one per task)" % MAX_WORKERS)
    print("  --connect HOST:PORT")
    print("               net: use the slowserver there (its --ms must equal D);")
    print("               default: start a private one on 127.0.0.1")
    print("  --timeout-ms T")
    print("               net: give up a request with no answer after T ms,")
    print("               1..%d (default 10 * D + 5000)" % MAX_TIMEOUT_MS)
    print("  --json       print one JSON object instead of a summary")
    for e in extras:
        print("  --%-11s %s" % (e.name, e.help))
    print()
    print("Exit status: 0 verified; 1 the run failed (a wrong result, a request that")
    print("failed, was refused or got no answer in time, a report not written);")
    print("2 bad usage; 3 out of a resource (threads, processes, descriptors, memory).")


def _number(model, name, text, lo, hi):
    """text as a base-10 integer in [lo, hi], as cli_number accepts it: ASCII
    digits only (and never handed to int() when too long to be in range)."""
    if slowserver.digits(text) and len(text.lstrip("0")) < 20 and lo <= int(text) <= hi:
        return int(text)
    raise Bad("%s: --%s: invalid value '%s' (accepted: %d..%d)"
              % (model, name, shown(text), lo, hi))


def _parse(argv, model, extras):
    ranges = {"tasks": (1, MAX_TASKS), "n": (1, MAX_N), "ms": (0, MAX_MS),
              "workers": (1, MAX_WORKERS), "timeout-ms": (1, MAX_TIMEOUT_MS)}
    ranges.update({e.name: (e.lo, e.hi) for e in extras})
    values = {"tasks": 0, "n": 10000000, "ms": 100, "workers": 0, "connect": None,
              "timeout-ms": 0}
    values.update({e.name: e.default for e in extras})
    names, kind, as_json, i = "|".join(WORKLOADS), None, False, 0
    while i < len(argv):
        arg = argv[i]
        i += 1
        if arg in ("--help", "-h"):
            _usage(model, extras)
            return None
        if arg == "--json":
            as_json = True
            continue
        if not arg.startswith("--"):
            if kind is not None:
                raise Bad("%s: workload: unexpected argument '%s' (accepted: one of %s)"
                          % (model, shown(arg), names))
            if arg not in WORKLOADS:
                raise Bad("%s: workload: unknown workload '%s' (accepted: %s)"
                          % (model, shown(arg), names))
            kind = arg
            continue
        name, eq, value = arg[2:].partition("=")
        if name not in ranges and name != "connect":
            raise Bad("%s: --%s: unknown option (try --help)" % (model, shown(name)))
        accepted = net.ADDR_RANGE if name == "connect" else "%d..%d" % ranges[name]
        if not eq:
            if i == len(argv):
                raise Bad("%s: --%s: missing value (accepted: %s)" % (model, name, accepted))
            value = argv[i]
            i += 1
        if name == "connect":
            if net.parse_addr(value) is None:
                raise Bad("%s: --connect: invalid value '%s' (accepted: %s)"
                          % (model, shown(value), accepted))
            values[name] = value
        else:
            values[name] = _number(model, name, value, *ranges[name])
    if kind is None:
        raise Bad("%s: workload: missing (accepted: %s)" % (model, names))
    if values["connect"] is not None and kind != "net":
        raise Bad("%s: --connect: '%s' is for the net workload only (accepted: net)"
                  % (model, values["connect"]))
    if values["timeout-ms"] and kind != "net":
        raise Bad("%s: --timeout-ms: '%d' is for the net workload only (accepted: net)"
                  % (model, values["timeout-ms"]))
    return kind, values, as_json


class Cli:
    """The parsed command line: model, kind, tasks, n, ms, workers, json,
    connect (the --connect text or None), addr (net: the server's (host,
    port), set by net.Server when private), timeout_ms (net: each request's
    deadline) and opts (a model's own options)."""

    def __init__(self, model, kind, values, as_json):
        self.model, self.kind, self.json = model, kind, as_json
        self.tasks = values.pop("tasks") or (20 if kind == "cpu" else 100)
        self.n, self.ms = values.pop("n"), values.pop("ms")
        self.workers = values.pop("workers")
        self.connect = values.pop("connect")
        self.timeout_ms = values.pop("timeout-ms") or net.default_timeout_ms(self.ms)
        self.addr = net.parse_addr(self.connect) if self.connect else None
        self.opts = values


def parse(model, extras=()):
    """Parse sys.argv; print help and exit 0, or print one line and exit 2."""
    try:
        parsed = _parse(sys.argv[1:], model, extras)
    except Bad as bad:
        print(bad, file=sys.stderr)
        sys.exit(2)
    if parsed is None:
        sys.exit(0)
    return Cli(model, *parsed)


# The workloads (lib/workload.c).

def sum_squares(n):
    """Sum of k*k for 0 <= k < n by a real loop, the way the lesson writes it."""
    return sum(k * k for k in range(n))


def sum_squares_formula(n):
    return n * (n - 1) * (2 * n - 1) // 6


def run_task(cli, i):
    """Task i's value: cpu, its sum; io, 1 once the wait has passed; net, 1
    once the server's answer came back right, else 0."""
    if cli.kind == "cpu":
        return sum_squares(cli.n + i)
    if cli.kind == "net":
        return net.request(cli.addr, i, cli.ms)
    time.sleep(cli.ms / 1000)
    return 1


def expected_total(cli):
    if cli.kind != "cpu":
        return cli.tasks
    return sum(sum_squares_formula(cli.n + i) for i in range(cli.tasks))


# The per-task timeline (lib/timeline.c).

def where():
    """(kernel thread id, CPU) of the caller."""
    return threading.get_native_id(), _libc.sched_getcpu()


def timed(fn, *args):
    """fn(*args) as a record (value, start_ns, end_ns, tid, cpu)."""
    tid, cpu = where()
    start = time.monotonic_ns()
    value = fn(*args)
    return value, start, time.monotonic_ns(), tid, cpu


def write_timeline(path, rows, t0):
    """Write rows of (task, start_ns, end_ns, tid, cpu) as a timeline CSV with
    times in seconds since t0; raises OSError."""
    with open(path, "w") as f:
        f.write("task,start_s,end_s,worker,cpu\n")
        for task, start, end, tid, cpu in rows:
            f.write("%s,%.6f,%.6f,%d,%d\n" % (task, (start - t0) / 1e9, (end - t0) / 1e9,
                                              tid, cpu))


class Timeline:
    """Records per task when CM_TIMELINE names a file; else does nothing."""

    def __init__(self):
        self.path = os.environ.get("CM_TIMELINE") or None
        self.rows = {}
        self.t0 = time.monotonic_ns()

    def record(self, i, start, end, tid, cpu):
        if self.path:
            self.rows[i] = (start, end, tid, cpu)

    def write(self, model):
        """Write the CSV if asked for; False (message printed) if it could not be."""
        if not self.path:
            return True
        try:
            write_timeline(self.path, ((i,) + self.rows[i] for i in sorted(self.rows)),
                           self.t0)
        except OSError as err:
            print("%s: timeline: writing %s: %s" % (model, self.path, err.strerror or err),
                  file=sys.stderr)
            return False
        return True


# The report and exit status (lib/run.c).

def _open_fds():
    return len(os.listdir("/proc/self/fd")) - 1


class Run:
    """run_begin .. run_finish: timing, verification, report, exit status."""

    def __init__(self, cli, workers):
        self.cli, self.workers = cli, workers
        self.total, self.done, self.failed = 0, 0, False
        self.shortfall, self.extras = "", []
        self.timeline = Timeline()
        self.fds_at_start = _open_fds()
        self.start_ns = time.monotonic_ns()

    def task_done(self, i, record):
        """Add task i's record (value, start_ns, end_ns, tid, cpu)."""
        self.total += record[0]
        self.done += 1
        self.timeline.record(i, *record[1:])

    def short(self, what, started, wanted, err):
        """Creating workers stopped at started of wanted because of err."""
        text = err.strerror if isinstance(err, OSError) and err.strerror else str(err)
        self.shortfall = "%s: started %d of %d %s: %s" % (self.cli.model, started, wanted,
                                                           what, text)

    def extra(self, key, value):
        self.extras.append((key, value))

    def _json(self, wall, ok):
        me = resource.getrusage(resource.RUSAGE_SELF)
        kids = resource.getrusage(resource.RUSAGE_CHILDREN)
        cli = self.cli
        obj = {"model": cli.model, "workload": cli.kind, "tasks": cli.tasks,
               "workers": self.workers, "n": cli.n, "ms": cli.ms,
               "cpus": len(os.sched_getaffinity(0)), "wall_s": round(wall, 6),
               "user_s": round(me.ru_utime + kids.ru_utime, 6),
               "sys_s": round(me.ru_stime + kids.ru_stime, 6),
               "max_rss_kb": max(me.ru_maxrss, kids.ru_maxrss),
               "ctx_voluntary": me.ru_nvcsw + kids.ru_nvcsw,
               "ctx_involuntary": me.ru_nivcsw + kids.ru_nivcsw,
               "completed": self.done, "result": str(self.total), "ok": ok,
               "leaked_fds": _open_fds() - self.fds_at_start}
        obj.update(self.extras)
        return json.dumps(obj, separators=(",", ":"))

    def finish(self):
        """Verify, print the report, return the exit status."""
        wall = (time.monotonic_ns() - self.start_ns) / 1e9
        cli, want = self.cli, expected_total(self.cli)
        ok = (self.done == cli.tasks and not self.failed and self.total == want
              and not self.shortfall)
        written = self.timeline.write(cli.model)
        # One line on stderr says why a run failed: what ran short, the first
        # failed request (net.finish), or the totals.
        status = 3 if self.shortfall else 0
        if self.shortfall:
            print(self.shortfall, file=sys.stderr)
        elif cli.kind == "net" and (status := net.finish(cli.model, cli.tasks)):
            ok = False
        elif not ok:
            print("%s: result %d from %d of %d tasks, expected %d"
                  % (cli.model, self.total, self.done, cli.tasks, want), file=sys.stderr)
        try:
            if cli.json:
                print(self._json(wall, ok))
            else:
                pool = " on %d workers" % self.workers if self.workers else ""
                print("%s %s: %d tasks%s, %.3f s, result %d, %s"
                      % (cli.model, cli.kind, cli.tasks, pool, wall, self.total,
                         "ok" if ok else "NOT OK"))
            sys.stdout.flush()
        except OSError as err:
            slowserver.stdout_lost(cli.model, err)
            return status or 1
        return status or (0 if ok and written else 1)
