#!/bin/sh
# demo.sh - the classroom demos, what `make demo` runs.
#
#   sh scripts/demo.sh [NAME...]
#
# Environment (make passes its variables of the same names through):
#   DEMO=NAME     run that demo only (default: every demo, in order)
#   LIST=1        list the demos and exit
#   RECORD=1      also write each demo's timeline as CSV and draw it as a
#                 Gantt chart, SVG and PNG (plots/gantt.gp), in $RECORD_DIR
#                 (default results/demos) as NAME-<UTC time>.{csv,svg,png}
#   DEMO_FAST=1   every wait and job ten times shorter (CI)
#   BUILD=dir     where the programs are (default build)
#   NO_COLOR=1    no colour, even on a terminal
#
# Each demo says what it will show, runs programs of the suite with
# CM_TIMELINE set (lib/timeline.h) so that every task records its start, end,
# thread or process and CPU, draws the timelines on one time axis
# (scripts/timeline.py), then states the lesson with the figures just
# measured. Each takes under 10 s. Exit status: 0, 1 if a demo failed, 2 on
# bad usage.
set -u
# DEMO is a list of names, never a pattern: no globbing (DEMO='*').
set -f
cd "$(dirname "$0")/.." || exit 1

BUILD=${BUILD:-build}
# The interpreter itself, not a shim in front of it (a pyenv shim costs 0.3 s a call).
PY=${PYTHON:-$(python3 -c 'import sys; print(sys.executable)')}
RECORD_DIR=${RECORD_DIR:-results/demos}
DEMOS="await gather wait_for blocking gil bot switch mn"
scale=1 div=1
if [ "${DEMO_FAST:-}" = 1 ]; then
	scale=0.1 div=10
fi

title() {
	case $1 in
	await) echo "1. awaiting one after another vs spawning, then gathering" ;;
	gather) echo "2. gather returns in spawn order, as_completed in completion order" ;;
	wait_for) echo "3. wait_for cancels on timeout; waiting for the first leaves the rest pending" ;;
	blocking) echo "4. a coroutine that computes without suspending blocks every other task" ;;
	gil) echo "5. the sum-of-squares list: threads, threads under the GIL, processes" ;;
	bot) echo "6. the freezing bot: a heartbeat while a CPU job runs" ;;
	switch) echo "7. what a context switch costs: coroutine, thread, process" ;;
	mn) echo "8. cheap tasks and every core: one loop, W loops, a task that moves" ;;
	*) return 1 ;;
	esac
}

# say TEXT...: a paragraph for the class.
say() {
	printf '%s\n' "$*" | fold -s -w 96
}

# run_tl CSV PROGRAM ARGS...: run a program of the suite, its timeline to CSV,
# its stdout to CSV.out; complain and fail if it fails.
run_tl() {
	out=$1
	shift
	if ! CM_TIMELINE=$out "$@" >"$out.out" 2>"$out.err"; then
		echo "demo: '$*' failed (exit $?):" >&2
		cat "$out.err" "$out.out" >&2
		return 1
	fi
}

# span CSV: seconds from the first start to the last end.
span() {
	awk -F, 'NR > 1 { if (min == "" || $2 < min) min = $2; if ($3 > max) max = $3 }
		END { printf "%.3f", max - min }' "$1"
}

# start_of CSV TASK / end_of CSV TASK: when that task started / ended.
start_of() { awk -F, -v t="$2" '$1 == t { printf "%.3f", $2 }' "$1"; }
end_of() { awk -F, -v t="$2" '$1 == t { printf "%.3f", $3 }' "$1"; }

# ratio A B: A / B to two decimals.
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }'; }

# draw NAME SECTION=KIND=FILE...: the timeline, and with RECORD=1 its files.
draw() {
	name=$1
	shift
	set -- --title "demo $(title "$name")" "$@"
	if [ "${RECORD:-}" = 1 ]; then
		mkdir -p "$RECORD_DIR" || return 1
		set -- --record "$RECORD_DIR/$name-$(date -u +%Y%m%dT%H%M%SZ)" "$@"
	fi
	echo
	"$PY" scripts/timeline.py "$@"
}

# has PROGRAM: is that program of the suite built (other branches add some)?
has() { [ -x "$BUILD/$1" ]; }

# The demos. Each runs in $tmp, a fresh directory.
. scripts/demos.sh

usage() {
	echo "usage: make demo [DEMO=name] [LIST=1] [RECORD=1] [DEMO_FAST=1]  (demos: $DEMOS)" >&2
	exit 2
}

if [ "${LIST:-}" = 1 ]; then
	for d in $DEMOS; do
		printf '%-10s %s\n' "$d" "$(title "$d")"
	done
	exit 0
fi
chosen=${DEMO:-$*}
[ -n "$chosen" ] || chosen=$DEMOS
for d in $chosen; do
	title "$d" >/dev/null || { echo "demo: '$d': no such demo (accepted: $DEMOS)" >&2; usage; }
done

tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT TERM
failed=0
for d in $chosen; do
	mkdir -p "$tmp/$d"
	echo "=== demo $(title "$d")"
	t0=$(date +%s.%N)
	if ! ("demo_$d" "$tmp/$d"); then
		echo "demo $d: FAILED" >&2
		failed=1
	fi
	# Each demo is sized for under 10 s; saying how long it took lets a
	# teacher see a loaded machine before the class does.
	awk -v a="$t0" -v b="$(date +%s.%N)" -v d="$d" \
		'BEGIN { printf "(demo %s took %.1f s%s)\n", d, b - a, (b - a > 10 ? ": over its 10 s budget, the machine may be busy" : "") }'
	echo
done
exit $failed
