#!/bin/sh
# bench.sh - what `make bench` runs: measure every suite whose program
# exists, store the run, draw its charts, write RESULTS.md.
#
#   PROFILE=smoke|quick|full RESULTS_DIR=results RESULTS_MD=RESULTS.md \
#       sh scripts/bench.sh
#
# PROFILE (default quick) picks the sizes in scripts/profiles.sh. Each run
# is measured into RESULTS_DIR/incomplete-<host>-<UTC time>/ and renamed to
# RESULTS_DIR/<host>-<UTC time>/ only when every step has succeeded; then
# RESULTS_DIR/latest is pointed at it. A run is never overwritten, and an
# interrupted or failed one keeps its "incomplete-" name and a file
# INCOMPLETE saying where it stopped. Ctrl-C (or SIGTERM) kills the running
# step's whole process group (hyperfine and the models under it).
#
# A run folder holds machine.json, raw/<suite>-<model>.json (hyperfine's
# export), the tidy CSVs io.csv, cpu.csv and net.csv (TIDY_HEADER: one row per
# hyperfine benchmark, times in s, workers 0 meaning one per task), one
# <program>.csv per microbenchmark or experiment, and charts/.
#
# Suites join when their program exists: a model in build/ (seq, threads,
# procs, gil, coro) joins io and cpu (coro: io only, its cpu tasks run one
# after another by design); a model joins net when `<model> net` runs; a
# program in build/bench/ joins as a CSV step. Nothing missing is faked:
# RESULTS.md says what was not measured and why.
#
# To add a model: put its name in the lists of plan_steps and give it
# IO_N_<model> (and NET_N_<model>) sizes in scripts/profiles.sh. To add a
# program: put its name in BENCH_PROGRAMS and its CSV header in
# header_<name>. Then a chart (scripts/plots.sh), its prose (CHARTS in
# scripts/results.py) and any lesson it decides (LESSONS in scripts/lessons.py).
set -u
cd "$(dirname "$0")/.." || exit 1
root=$(pwd)

PROFILE=${PROFILE:-quick}
RESULTS_DIR=${RESULTS_DIR:-results}
RESULTS_MD=${RESULTS_MD:-RESULTS.md}
BUILD=${BUILD:-build}
. scripts/profiles.sh

TIDY_HEADER=model,workload,tasks,workers,ms,n,runs,median_s,mean_s,stddev_s,min_s,max_s,user_s,system_s
# The microbenchmarks and experiments, in run order, with their CSV headers:
# contracts fixed in the project brief; a program printing another header
# fails its step.
BENCH_PROGRAMS="lat_switch cost_create mem_task limits gil_scaling gil_sweep gil_convoy heartbeat"
header_lat_switch=mechanism,placement,round_trips,median_ns,p10_ns,p90_ns,min_ns,max_ns,vol_switches_per_round_trip
header_cost_create=model,variant,n,median_ns,p10_ns,p90_ns,min_ns,max_ns
header_mem_task=model,variant,n,bytes_per_task,total_kb,metric
header_limits=model,variant,max_n,stopped_by,detail
header_gil_scaling=model,workers,median_s,min_s,max_s,speedup
header_gil_sweep=threads,interval_us,median_s,tasks_per_s,handoffs,handoffs_per_s
header_gil_convoy=lock,cpu_threads,ops,ops_per_s,p50_us,p99_us,max_us
header_heartbeat=mode,job_s,ticks,missed,lag_p50_ms,lag_p99_ms,lag_max_ms

run=""          # the run folder, once made
step=""         # "[i/n] what", for progress and for INCOMPLETE
child=""        # the running step's process group

# say TEXT: a progress line, set apart from hyperfine's own output.
say() {
	printf '%s\n' "$*"
}

die() {
	printf 'bench: %s\n' "$*" >&2
	[ -n "$run" ] && mark_incomplete "$*"
	exit 1
}

mark_incomplete() {
	printf 'incomplete: %s\nstopped at: %s\n' "$1" "$(date -u +%Y-%m-%dT%H:%M:%SZ)" \
		>"$run/INCOMPLETE"
	printf 'bench: the partial run stays in %s (incomplete); %s/latest is unchanged\n' \
		"$run" "$RESULTS_DIR" >&2
}

# stop_child: end the running step's process group: TERM, then KILL what is
# left after a grace period, then reap the leader. (dash's kill takes a
# process group as -PGID after the signal, and rejects "--".)
stop_child() {
	[ -n "$child" ] || return 0
	kill -TERM "-$child" 2>/dev/null
	i=0
	while kill -0 "-$child" 2>/dev/null && [ $i -lt 20 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	kill -KILL "-$child" 2>/dev/null
	wait "$child" 2>/dev/null
	child=""
}

on_signal() {
	trap '' INT TERM
	stop_child
	say "bench: interrupted by SIG$1 during $step"
	[ -n "$run" ] && mark_incomplete "interrupted by SIG$1 during $step"
	exit 130
}
trap 'on_signal INT' INT
trap 'on_signal TERM' TERM

# in_group CMD...: run CMD as the leader of a new process group (setsid) in
# the background and wait for it, so that a signal reaches this shell's trap
# and stop_child can end everything CMD started. Returns CMD's status.
in_group() {
	setsid "$@" </dev/null &
	child=$!
	wait "$child"
	status=$?
	child=""
	return $status
}

# first/last of a comma list, for the progress line.
first() { echo "${1%%,*}"; }
last() { echo "${1##*,}"; }

# hyperfine_step SUITE MODEL LIST TIDY_FIELDS COMMAND: time COMMAND for each
# value of {tasks} or {workers} (LIST "name=a,b,c"), export the raw JSON and
# append one tidy row per value to SUITE.csv. TIDY_FIELDS gives the fixed
# columns as "workload tasks workers ms n" (- where the list sets it).
hyperfine_step() {
	suite=$1 model=$2 list=$3 fixed=$4 cmd=$5
	raw="$run/raw/$suite-$model.json"
	in_group hyperfine -N --style basic --warmup "$WARMUP" \
		--min-runs "$RUNS_MIN" --max-runs "$RUNS_MAX" \
		--export-json "$raw" -L "${list%%=*}" "${list#*=}" "$cmd" ||
		die "$step: hyperfine failed (a model exited non-zero): $cmd"
	set -- $fixed
	[ -f "$run/$suite.csv" ] || echo "$TIDY_HEADER" >"$run/$suite.csv"
	jq -r --arg model "$model" --arg workload "$1" --arg tasks "$2" \
		--arg workers "$3" --arg ms "$4" --arg n "$5" '
		def cell: if . == null or . == "-" then "" else tostring end;
		.results[] |
		[$model, $workload, (.parameters.tasks // $tasks),
		 (.parameters.workers // $workers), $ms, $n, (.times | length),
		 .median, .mean, .stddev, .min, .max, .user, .system]
		| map(cell) | join(",")' "$raw" >>"$run/$suite.csv" ||
		die "$step: jq could not read $raw"
}

# The measuring steps, one per line: "io MODEL", "cpu MODEL", "net MODEL",
# "prog NAME", then "plots". Writing RESULTS.md is the last step, after the
# run is committed.
plan_steps() {
	for model in seq threads procs gil coro; do
		[ -x "$BUILD/$model" ] || continue
		eval "[ -n \"\${IO_N_$model:-}\" ]" && echo "io $model"
	done
	for model in seq threads procs gil; do
		[ -x "$BUILD/$model" ] && echo "cpu $model"
	done
	for model in seq threads procs gil coro; do
		[ -x "$BUILD/$model" ] || continue
		# A model takes part when it accepts the net workload.
		timeout 10 "$BUILD/$model" net --tasks 1 --ms 1 >/dev/null 2>&1 &&
			echo "net $model"
	done
	for prog in $BENCH_PROGRAMS; do
		[ -x "$BUILD/bench/$prog" ] && echo "prog $prog"
	done
	echo plots
}

run_step() {
	kind=$1 what=$2
	bin="$root/$BUILD/$what"
	case $kind in
	io)
		eval "ns=\$IO_N_$what"
		say "$step io fan-out: $what, N = $(first "$ns") .. $(last "$ns"), d = $IO_MS ms"
		hyperfine_step io "$what" "tasks=$ns" "io - 0 $IO_MS -" \
			"$bin io --tasks {tasks} --ms $IO_MS" ;;
	cpu)
		if [ "$what" = seq ]; then
			say "$step cpu: seq, $CPU_TASKS tasks of n = $CPU_N, one worker"
			hyperfine_step cpu seq "tasks=$CPU_TASKS" "cpu - 1 - $CPU_N" \
				"$bin cpu --tasks {tasks} --n $CPU_N"
		else
			say "$step cpu speedup: $what, W = $(first "$CPU_WORKERS") .. $(last "$CPU_WORKERS"), $CPU_TASKS tasks of n = $CPU_N"
			hyperfine_step cpu "$what" "workers=$CPU_WORKERS" "cpu $CPU_TASKS - - $CPU_N" \
				"$bin cpu --tasks $CPU_TASKS --n $CPU_N --workers {workers}"
		fi ;;
	net)
		eval "ns=\${NET_N_$what:-}"
		[ -n "$ns" ] || { say "$step net fan-out: $what has no sizes in scripts/profiles.sh, left out"; return; }
		say "$step net fan-out: $what, N = $(first "$ns") .. $(last "$ns"), d = $NET_MS ms"
		hyperfine_step net "$what" "tasks=$ns" "net - 0 $NET_MS -" \
			"$bin net --tasks {tasks} --ms $NET_MS" ;;
	prog)
		say "$step $what --scale $PROFILE > $what.csv"
		in_group "$root/$BUILD/bench/$what" --scale "$PROFILE" >"$run/$what.csv" ||
			die "$step: $BUILD/bench/$what --scale $PROFILE failed (status $?)"
		eval "want=\$header_$what"
		got=$(head -n 1 "$run/$what.csv")
		[ "$got" = "$want" ] ||
			die "$step: $what.csv header is '$got', the contract is '$want'" ;;
	plots)
		say "$step charts"
		in_group sh scripts/plots.sh "$run" || die "$step: drawing the charts failed" ;;
	esac
}

# Tools first (a gnuplot from another package will do), then the build:
# measuring a stale build would be dishonest.
need=""
for tool in hyperfine:hyperfine gnuplot:gnuplot-nox jq:jq python3:python3 setsid:util-linux; do
	command -v "${tool%%:*}" >/dev/null 2>&1 || need="$need ${tool#*:}"
done
if [ -n "$need" ]; then
	# shellcheck disable=SC2086
	sh scripts/deps.sh $need || exit 1
fi
make -s BUILD="$BUILD" all || die "make failed"

# The run folder: mkdir fails rather than reuse a name, so a second run in the
# same second takes the next free suffix and nothing is overwritten.
mkdir -p "$RESULTS_DIR" || die "mkdir $RESULTS_DIR failed"
name="$(hostname)-$(date -u +%Y%m%dT%H%M%SZ)"
suffix=""
i=1
while ! mkdir "$RESULTS_DIR/incomplete-$name$suffix" 2>/dev/null ||
	[ -e "$RESULTS_DIR/$name$suffix" ]; do
	i=$((i + 1))
	suffix="-$i"
	[ $i -lt 100 ] || die "cannot make a new run folder in $RESULTS_DIR"
done
name="$name$suffix"
run="$RESULTS_DIR/incomplete-$name"
mkdir -p "$run/raw" "$run/charts"
echo "incomplete: running since $(date -u +%Y-%m-%dT%H:%M:%SZ)" >"$run/INCOMPLETE"
started=$(date -u +%Y-%m-%dT%H:%M:%SZ)
sh scripts/machine.sh "$PROFILE" "$BUILD" |
	jq --arg started "$started" '. + {complete: false, started_utc: $started}' \
		>"$run/machine.json" || die "machine.sh failed"

steps=$(plan_steps)
# Which models and programs were there: RESULTS.md tells "not landed" from
# "left out of a suite" by this.
models=$(for m in seq threads procs gil coro; do [ -x "$BUILD/$m" ] && printf '%s ' "$m"; done)
programs=$(for p in $BENCH_PROGRAMS; do [ -x "$BUILD/bench/$p" ] && printf '%s ' "$p"; done)
jq --arg models "$models" --arg programs "$programs" \
	'.models = ($models | split(" ") | map(select(. != ""))) |
	 .programs = ($programs | split(" ") | map(select(. != "")))' \
	"$run/machine.json" >"$run/machine.json.new" && mv "$run/machine.json.new" "$run/machine.json"
total=$(($(printf '%s\n' "$steps" | wc -l) + 1))
say "bench: PROFILE=$PROFILE, $total steps, into $run"
n_step=0
printf '%s\n' "$steps" >"$run/.steps"
while read -r kind what; do
	n_step=$((n_step + 1))
	step="[$n_step/$total]"
	run_step "$kind" "$what"
done <"$run/.steps"
rm -f "$run/.steps"

# Commit the run: mark it complete, give it its final name, point latest at it.
finished=$(date -u +%Y-%m-%dT%H:%M:%SZ)
jq --arg finished "$finished" '.complete = true | .finished_utc = $finished' \
	"$run/machine.json" >"$run/machine.json.new" && mv "$run/machine.json.new" "$run/machine.json"
rm -f "$run/INCOMPLETE"
: >"$run/complete"
mv "$run" "$RESULTS_DIR/$name" || die "mv $run $RESULTS_DIR/$name failed"
run="$RESULTS_DIR/$name"
ln -sfn "$name" "$RESULTS_DIR/latest.new" && mv -fT "$RESULTS_DIR/latest.new" "$RESULTS_DIR/latest"
step="[$total/$total]"
say "$step RESULTS.md"
python3 scripts/results.py --out "$RESULTS_MD" "$run" ||
	{ echo "bench: results.py failed; the run $run is complete, rerun make results" >&2; exit 1; }

say "bench: done in $(($(date +%s) - $(date -d "$started" +%s))) s. Files written:"
say "  $RESULTS_MD"
find "$run" -type f | sort | sed 's/^/  /'
