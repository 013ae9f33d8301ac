"""lesson.py - what the Python demo scripts share: their command line,
a record of when each task ran, and the timeline files they leave.

    <demo>.py [--scale F] --out DIR

--scale multiplies every wait and job length (DEMO_FAST=1 passes 0.1).
Each demo writes one timeline CSV per section into DIR (the format of
models/python/common.py and lib/timeline.h, with labels for tasks) and
prints its findings as "key: value" lines for scripts/demo.sh.
"""
import argparse
import os
import re
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..",
                                "models", "python"))
import common  # noqa: E402  (the models' shared module, found via the path above)


class _Parser(argparse.ArgumentParser):
    """Bad usage is one line, as in every program of the suite, and exit 2."""

    def error(self, message):
        self.exit(2, "%s: %s (try --help)\n" % (self.prog, message))


def _scale(text):
    """A decimal of ASCII digits (float() would take "nan" and other scripts' digits)."""
    if not re.fullmatch(r"[0-9]+(\.[0-9]+)?", text) or not 0.001 <= float(text) <= 10:
        raise argparse.ArgumentTypeError("invalid value '%s' (accepted: 0.001..10)" % text)
    return float(text)


def args(doc):
    p = _Parser(description=doc.splitlines()[0])
    p.add_argument("--scale", type=_scale, default=1.0, help="multiply every time by F")
    p.add_argument("--out", required=True, help="directory for the timeline CSVs")
    a = p.parse_args()
    if not os.path.isdir(a.out):
        p.error("--out: '%s' is not a directory" % a.out)
    return a


class Log:
    """Rows (label, start_ns, end_ns, tid, cpu) for one section's timeline."""

    def __init__(self, t0=None):
        self.t0 = t0 if t0 is not None else time.monotonic_ns()
        self.rows = []

    def add(self, label, start, end=None, where=None):
        tid, cpu = where or common.where()
        self.rows.append((label, start, end if end is not None else start, tid, cpu))

    def mark(self, label):
        """A point event now, drawn as the shortest bar."""
        self.add(label, time.monotonic_ns())

    def since(self, t):
        return (t - self.t0) / 1e9

    def write(self, out, section):
        """DIR/section.csv, rows in order of their start."""
        rows = sorted(self.rows, key=lambda r: r[1])
        common.write_timeline(os.path.join(out, section + ".csv"), rows, self.t0)
