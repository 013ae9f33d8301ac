"""models.py - the table of models (models/models.tsv) for the Python scripts.

lessons.py, results.py and targets.py ask this module which models are the
suite's, which language each speaks, what it mirrors and what it is
measured against; none of them tests a name's prefix. The columns are
described at the top of models/models.tsv; scripts/models.sh is the sh
reader of the same file.
"""
import os
import sys

TABLE = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                     "models", "models.tsv")
COLUMNS = ("name", "lang", "side", "twin", "cpu_twin", "suites", "fanout", "tool", "source", "binary")
LANGS = ("c", "python", "go", "node")
SIDES = ("suite", "reference")
FANOUTS = ("one", "thread", "lock", "proc", "loop")
SUITES = ("io", "cpu", "net")


class TableError(Exception):
    """models.tsv breaks its own rules (one line, naming the row)."""


def _check(row, line):
    where = "%s line %d (%s)" % (TABLE, line, row.get("name"))
    for col, allowed in (("lang", LANGS), ("side", SIDES), ("fanout", FANOUTS)):
        if row[col] not in allowed:
            raise TableError("%s: %s '%s' (accepted: %s)" % (where, col, row[col], "|".join(allowed)))
    for s in row["suites"]:
        if s not in SUITES:
            raise TableError("%s: suite '%s' (accepted: %s)" % (where, s, "|".join(SUITES)))


def _rows(path, columns):
    """(line number, {column: cell}) for each row of the table at PATH, whose
    header must be COLUMNS; TableError otherwise."""
    header = None
    with open(path) as f:
        for line, text in enumerate(f, 1):
            text = text.rstrip("\n")
            if not text or text.startswith("#"):
                continue
            cells = text.split("\t")
            if header is None:
                header = cells
                if tuple(header) != columns:
                    raise TableError("%s line %d: the header is not %s" % (path, line, " ".join(columns)))
                continue
            if len(cells) != len(header):
                raise TableError("%s line %d: %d fields, the header has %d" % (path, line, len(cells), len(header)))
            yield line, dict(zip(header, cells))


def load(path=TABLE):
    """{name: row} in table order; a row's suites is a tuple."""
    rows = {}
    for line, row in _rows(path, COLUMNS):
        row["suites"] = tuple(row["suites"].split(","))
        _check(row, line)
        rows[row["name"]] = row
    return rows


SERVERS_TABLE = os.path.join(os.path.dirname(TABLE), "servers.tsv")
SERVER_COLUMNS = ("name", "model", "fanout", "pool", "tool", "source", "binary")


def load_servers(path=SERVERS_TABLE):
    """models/servers.tsv, the server models, as {name: row} in table order."""
    rows = {}
    for line, row in _rows(path, SERVER_COLUMNS):
        if row["fanout"] not in FANOUTS:
            raise TableError("%s line %d (%s): fanout '%s' (accepted: %s)"
                             % (path, line, row["name"], row["fanout"], "|".join(FANOUTS)))
        rows[row["name"]] = row
    return rows


try:
    MODELS = load()
    SERVERS = load_servers()
except (OSError, TableError) as e:
    # Every script that reads the table stops here, in one line.
    print("%s: %s" % (os.path.basename(sys.argv[0]), e), file=sys.stderr)
    sys.exit(2)


def names(**match):
    """The models whose columns equal every MATCH, in table order."""
    return [n for n, r in MODELS.items() if all(r[k] == v for k, v in match.items())]


def known(name):
    return name in MODELS


def get(name, col):
    return MODELS[name][col] if name in MODELS else None


def suite_models():
    """The suite's own models: the ones the lessons and charts 1-8 read."""
    return names(side="suite")


def is_suite(name):
    return get(name, "side") == "suite"


def baseline(name):
    """The model a cpu speedup of NAME is over: its language's sequential
    model (fanout one), or None when the language has none (the speedup is
    then over NAME's own W = 1 row)."""
    lang = get(name, "lang")
    seqs = names(lang=lang, fanout="one") if lang else []
    return seqs[0] if seqs else None


def twins_of(suite_model, col):
    """The reference models whose COL (twin or cpu_twin) is SUITE_MODEL."""
    return [n for n, r in MODELS.items() if r["side"] == "reference" and r[col] == suite_model]

