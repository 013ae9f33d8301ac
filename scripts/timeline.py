#!/usr/bin/env python3
"""timeline.py - draw per-task timelines in the terminal, for the demos.

    timeline.py [--title TEXT] [--record BASE] SECTION=KIND=FILE...

Each FILE is a timeline CSV as the models write it with CM_TIMELINE
(task,start_s,end_s,worker,cpu; task may be a number or a label). Every
section is drawn on one shared time axis: one row per task (rows with the
same task label share a line), a bar from its start to its end, and the
worker that ran it: T1, T2... for KIND thread, P1, P2... for process, then
the CPU it started on. At most 100 columns; colour by worker when stdout is
a terminal and NO_COLOR is unset, a different fill character per worker
otherwise. Below each section: its span (first start to last end) and the
number of distinct workers.

--record BASE (with --title TEXT, the chart's title) also writes BASE.csv (section,task,start_s,end_s,worker,cpu,
row,worker_index) and draws it with plots/gantt.gp as BASE.svg and
BASE.png. Exit status: 0, 1 if recording failed, 2 on bad usage or input.
"""
import csv
import math
import os
import shutil
import subprocess
import sys

PREFIX = {"thread": "T", "process": "P", "loop": "T"}
FILLS = "#=%@*+o"
COLOURS = (32, 34, 33, 35, 36, 31, 37)
LABEL_W, WORKER_W = 24, 12


def load(spec):
    """SECTION=KIND=FILE -> (section, kind, rows of (task, start, end, worker, cpu))."""
    try:
        section, kind, path = spec.split("=", 2)
    except ValueError:
        sys.exit("timeline.py: '%s': expected SECTION=KIND=FILE" % spec)
    if kind not in PREFIX:
        sys.exit("timeline.py: %s: kind '%s' (accepted: %s)" % (spec, kind, "|".join(PREFIX)))
    rows = []
    try:
        with open(path, newline="") as f:
            for r in csv.DictReader(f):
                rows.append((r["task"], float(r["start_s"]), float(r["end_s"]),
                             r["worker"], r["cpu"]))
    except (OSError, KeyError, ValueError) as err:
        sys.exit("timeline.py: reading %s: %s" % (path, err))
    return section, kind, rows


def worker_names(kind, rows):
    """Map each worker id to T1, T2... in order of first start."""
    names = {}
    for _, _, _, worker, _ in sorted(rows, key=lambda r: r[1]):
        names.setdefault(worker, "%s%d" % (PREFIX[kind], len(names) + 1))
    return names


def task_label(task):
    return "task %s" % task if task.isdigit() else task


class Painter:
    def __init__(self, colour, width, tmax):
        self.colour, self.width, self.tmax = colour, width, tmax

    def cells(self, start, end):
        """First and last column a bar from start to end covers (at least one)."""
        a = min(self.width - 1, int(start / self.tmax * self.width))
        b = max(a, min(self.width - 1, math.ceil(end / self.tmax * self.width) - 1))
        return a, b

    def paint(self, segments):
        """segments: (start, end, worker_index) -> the bar text."""
        line = [None] * self.width
        for start, end, w in segments:
            a, b = self.cells(start, end)
            for c in range(a, b + 1):
                line[c] = w
        out = []
        for w in line:
            if w is None:
                out.append(" ")
            elif self.colour:
                out.append("\033[%dm\u2588\033[0m" % COLOURS[w % len(COLOURS)])
            else:
                out.append(FILLS[w % len(FILLS)])
        return "".join(out)

    def axis(self):
        ticks = [" "] * self.width
        labels = [" "] * (self.width + 8)
        for k in range(5):
            col = min(self.width - 1, round(k * (self.width - 1) / 4))
            ticks[col] = "|"
            text = "%.2f s" % (self.tmax * k / 4)
            at = max(0, min(col - len(text) // 2, self.width + 8 - len(text)))
            labels[at:at + len(text)] = text
        pad = " " * (LABEL_W + 1)
        return pad + "".join(ticks) + "\n" + pad + "".join(labels).rstrip()


def draw(sections, colour, columns):
    """Print every section on one axis; return the recorded rows."""
    tmax = max((r[2] for _, _, rows in sections for r in rows), default=0) or 1e-9
    width = max(20, min(100, columns) - LABEL_W - WORKER_W - 3)
    p = Painter(colour, width, tmax)
    recorded, rowno = [], 0
    for section, kind, rows in sections:
        names = worker_names(kind, rows)
        index = {w: k for k, w in enumerate(names)}
        print(section)
        for task in dict.fromkeys(r[0] for r in rows):
            mine = [r for r in rows if r[0] == task]
            workers = {names[r[3]] for r in mine}
            cpus = {r[4] for r in mine}
            who = (workers.pop() if len(workers) == 1 else "%d thr" % len(workers))
            who += " cpu" + (cpus.pop() if len(cpus) == 1 else "*")
            bar = p.paint([(r[1], r[2], index[r[3]]) for r in mine])
            print("%-*s|%s| %s" % (LABEL_W, " " + task_label(task)[:LABEL_W - 1], bar, who))
            recorded += [(section, task_label(task), r[1], r[2], names[r[3]], r[4], rowno, index[r[3]])
                         for r in mine]
            rowno += 1
        if rows:
            span = max(r[2] for r in rows) - min(r[1] for r in rows)
            print("%-*s span %.3f s, tasks %d, workers %d" % (
                LABEL_W, "", span, len(set(r[0] for r in rows)), len(names)))
    print(p.axis())
    return recorded


def record(base, title, rows):
    """Write base.csv and draw base.svg and base.png with gnuplot; 0 or 1."""
    # Labels lose their commas, so that awk -F, and gnuplot read every field.
    rows = [(r[0].replace(",", ";"), r[1].replace(",", ";")) + r[2:] for r in rows]
    with open(base + ".csv", "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["section", "task", "start_s", "end_s", "worker", "cpu", "row",
                    "worker_index"])
        for r in rows:
            w.writerow([r[0], r[1], "%.6f" % r[2], "%.6f" % r[3]] + list(r[4:]))
    if shutil.which("gnuplot") is None:
        print("timeline.py: gnuplot not found: %s.svg and .png not drawn" % base,
              file=sys.stderr)
        return 1
    gp = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "plots", "gantt.gp")
    # As arguments, never as gnuplot code: a title or path with quotes stays text.
    done = subprocess.run(["gnuplot", "-c", gp, base + ".csv", base, title])
    if done.returncode != 0:
        print("timeline.py: gnuplot %s: exit %d" % (gp, done.returncode), file=sys.stderr)
        return 1
    print("recorded %s.csv, %s.svg, %s.png" % (base, base, base))
    return 0


def main(argv):
    title, base, specs = "", None, []
    while argv:
        arg = argv.pop(0)
        if arg in ("--title", "--record") and argv:
            value = argv.pop(0)
            title, base = (value, base) if arg == "--title" else (title, value)
        elif arg.startswith("--"):
            print("timeline.py: %s: unknown option (accepted: --title, --record)" % arg,
                  file=sys.stderr)
            return 2
        else:
            specs.append(arg)
    if not specs:
        print("usage: timeline.py [--title TEXT] [--record BASE] SECTION=KIND=FILE...",
              file=sys.stderr)
        return 2
    sections = [load(s) for s in specs]
    colour = sys.stdout.isatty() and not os.environ.get("NO_COLOR")
    columns = shutil.get_terminal_size((100, 24)).columns
    rows = draw(sections, colour, columns)
    return record(base, title, rows) if base else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
