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
# A run folder holds machine.json, raw/steps.tsv (each step's kind, what and seconds), raw/<suite>-<model>.json (hyperfine's
# export), the tidy CSVs io.csv, cpu.csv and net.csv (TIDY_HEADER: one row per
# hyperfine benchmark, times in s, workers 0 meaning one per task), one
# <program>.csv per microbenchmark or experiment, and charts/.
#
# The models come from models/models.tsv (scripts/models.sh reads it): a
# model joins each suite of its "suites" column when its program
# BUILD/<binary> is there, with the io and net sizes of its fanout and the
# cpu sizes of its language (scripts/profiles.sh). A model whose fanout is
# "one" runs the cpu list on one worker (its language's sequential
# baseline); the others run it at each W. Every model whose fanout is
# "loop", the suite's (coro, mn) and the reference ones alike, also runs its
# io once at SLEEPERS_N x SLEEPERS_MS (sleepers.csv: its own wall time and
# peak RSS, the million-sleepers headline; one loop, M:N and Go in one CSV of
# one run). A program in build/bench/ joins as a CSV step; the Python
# programs that are not models (models/python/gil_sweep.py, the real GIL's
# twin of bench/gil_sweep) join when a Python model is built. A program in
# BUILD/ that is not in the table is refused; a table row whose program is
# absent is recorded in machine.json ("not_built": its tool, and whether
# that tool is installed) and RESULTS.md says "not measured: <tool> not
# installed" (or that it was not built). Nothing missing is faked.
#
# RESULTS.md goes to RESULTS_MD: by default the repository's RESULTS.md when
# RESULTS_DIR is the default (results), else RESULTS_DIR/RESULTS.md, so that
# a run kept elsewhere never rewrites the repository's file.
#
# To add a model: its source and one row in models/models.tsv (README:
# Adding a model). To add a program: put its name in BENCH_PROGRAMS (a
# Python one in PY_PROGRAMS, with its script in script_<name>) and its CSV
# header in header_<name>. Then a chart (scripts/plots.sh), its sentences
# (scripts/results.txt) and any lesson it decides (LESSONS in
# scripts/lessons.py).
set -u
cd "$(dirname "$0")/.." || exit 1
root=$(pwd)

PROFILE=${PROFILE:-quick}
RESULTS_DIR=${RESULTS_DIR:-results}
if [ "$RESULTS_DIR" = results ]; then
	RESULTS_MD=${RESULTS_MD:-RESULTS.md}
else
	RESULTS_MD=${RESULTS_MD:-$RESULTS_DIR/RESULTS.md}
fi
BUILD=${BUILD:-build}
. scripts/profiles.sh
. scripts/models.sh
# The interpreter the Makefile's py_* wrappers run, for the Python programs
# that are not models (the same rule as the Makefile's PYTHON).
PYTHON=${PYTHON:-$(python3 -c 'import sys; print(sys.executable)' 2>/dev/null)}

TIDY_HEADER=model,workload,tasks,workers,ms,n,runs,median_s,mean_s,stddev_s,min_s,max_s,user_s,system_s
# The microbenchmarks and experiments, in run order, with their CSV headers:
# contracts fixed in the project brief; a program printing another header
# fails its step.
BENCH_PROGRAMS="lat_switch cost_create mem_task limits coro_scale gil_scaling gil_sweep gil_convoy heartbeat net_backends mn_uneven"
header_lat_switch=mechanism,placement,round_trips,median_ns,p10_ns,p90_ns,min_ns,max_ns,vol_switches_per_round_trip
header_cost_create=model,variant,n,median_ns,p10_ns,p90_ns,min_ns,max_ns
header_mem_task=model,variant,n,bytes_per_task,total_kb,metric,faults_per_task
header_limits=model,variant,max_n,stopped_by,detail
header_coro_scale=tasks,stack_mode,ms,wall_s,max_rss_kb,bytes_per_task,minflt,model
header_gil_scaling=model,workers,median_s,min_s,max_s,speedup,handoffs,failed_wakeups
header_gil_sweep=threads,interval_us,median_s,tasks_per_s,handoffs,handoffs_per_s
header_gil_convoy=lock,cpu_threads,ops,ops_per_s,p50_us,p99_us,max_us
header_heartbeat=mode,job_s,ticks,missed,lag_p50_ms,lag_p99_ms,lag_max_ms
header_net_backends=role,backend,tasks,ms,wall_s,syscalls_per_request,epoll_wait,epoll_ctl,io_uring_enter,read,write,accept,connect,close,other
header_mn_uneven=steal,loops,tasks,runs,median_s,min_s,max_s,steals,migrations,busiest_share
# The sleepers step's own CSV (one row per model, from its --json report).
header_sleepers=model,tasks,ms,wall_s,max_rss_kb
# The serve step's CSV (scripts/serve.sh: one row per server and load):
# load sleep or mixed, connections C, the /sleep delay ms, wrk's duration_s,
# requests, rps and its ideal C/d, latency p50/p99/max in ms, wrk's error
# counts, then the server's own held_peak, served and refused.
header_serve=server,load,connections,ms,duration_s,requests,rps,ideal_rps,p50_ms,p99_ms,max_ms,err_connect,err_read,err_write,err_status,err_timeout,held_peak,served,refused
# The Python programs that are not models: run with $PYTHON when the Python
# models are built; the same --scale and the same CSV contract.
PY_PROGRAMS="py_gil_sweep"
script_py_gil_sweep=models/python/gil_sweep.py
header_py_gil_sweep=threads,interval_us,median_s,tasks_per_s,handoffs,handoffs_per_s

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
	trap '' INT TERM HUP QUIT
	stop_child
	say "bench: interrupted by SIG$1 during $step"
	[ -n "$run" ] && mark_incomplete "interrupted by SIG$1 during $step"
	exit 130
}
trap 'on_signal INT' INT
trap 'on_signal TERM' TERM
trap 'on_signal HUP' HUP
trap 'on_signal QUIT' QUIT

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

# built MODEL: its program is in BUILD/.
built() {
	[ -x "$BUILD/$(model_get "$1" binary)" ]
}

# The measuring steps, one per line: "io MODEL", "cpu MODEL", "net MODEL",
# "sleepers MODEL", "serve SERVER" (each built row of models/servers.tsv,
# when wrk is installed), "prog NAME", "pyprog NAME", then "plots". Writing
# RESULTS.md is the last step, after the run is committed.
plan_steps() {
	for suite in io cpu net; do
		for model in $(models_where "has(\"suites\", \"$suite\")"); do
			built "$model" && echo "$suite $model"
		done
	done
	for model in $(models_where 'f("fanout") == "loop" && has("suites", "io")'); do
		built "$model" && echo "sleepers $model"
	done
	if command -v wrk >/dev/null 2>&1; then
		for server in $(MODELS_TSV=models/servers.tsv models_where 1); do
			[ -x "$BUILD/$(MODELS_TSV=models/servers.tsv model_get "$server" binary)" ] &&
				echo "serve $server"
		done
	fi
	for prog in $BENCH_PROGRAMS; do
		[ -x "$BUILD/bench/$prog" ] && echo "prog $prog"
	done
	if python_built; then
		for prog in $PY_PROGRAMS; do
			echo "pyprog $prog"
		done
	fi
	echo plots
}

# python_built: a Python model is built (and so its interpreter is there).
python_built() {
	[ -n "$PYTHON" ] || return 1
	for model in $(models_where 'f("lang") == "python"'); do
		built "$model" && return 0
	done
	return 1
}

# size VAR MODEL: the profile's VAR for MODEL: VAR_<lang>_<fanout>, else
# VAR_<fanout> (io and net lists), or VAR_<lang>, else VAR (cpu sizes).
size() {
	lang=$(model_get "$2" lang) fanout=$(model_get "$2" fanout)
	for v in "$1_${lang}_$fanout" "$1_$fanout" "$1_$lang" "$1"; do
		eval "val=\${$v:-}"
		[ -n "$val" ] && { echo "$val"; return; }
	done
}

# csv_step NAME COMMAND...: run COMMAND > NAME.csv and hold its header to
# the contract in header_NAME.
# (csv, not name: name is the run folder's.)
csv_step() {
	csv=$1
	shift
	in_group "$@" >"$run/$csv.csv" ||
		die "$step: $* failed (status $?)"
	eval "want=\$header_$csv"
	got=$(head -n 1 "$run/$csv.csv")
	[ "$got" = "$want" ] ||
		die "$step: $csv.csv header is '$got', the contract is '$want'"
}

run_step() {
	kind=$1 what=$2
	bin="$root/$BUILD/$(model_get "$what" binary)"
	case $kind in
	io | net)
		ns=$(size "$(echo "$kind" | tr a-z A-Z)_N" "$what")
		[ "$kind" = io ] && ms=$IO_MS || ms=$NET_MS
		say "$step $kind fan-out: $what, N = $(first "$ns") .. $(last "$ns"), d = $ms ms"
		hyperfine_step "$kind" "$what" "tasks=$ns" "$kind - 0 $ms -" \
			"$bin $kind --tasks {tasks} --ms $ms" ;;
	cpu)
		# Each language its own sizes: Python's loop is ~100x C's.
		tasks=$(size CPU_TASKS "$what") n=$(size CPU_N "$what") workers=$(size CPU_WORKERS "$what")
		if [ "$(model_get "$what" fanout)" = one ]; then
			say "$step cpu: $what, $tasks tasks of n = $n, one worker"
			hyperfine_step cpu "$what" "tasks=$tasks" "cpu - 1 - $n" \
				"$bin cpu --tasks {tasks} --n $n"
		else
			say "$step cpu speedup: $what, W = $(first "$workers") .. $(last "$workers"), $tasks tasks of n = $n"
			hyperfine_step cpu "$what" "workers=$workers" "cpu $tasks - - $n" \
				"$bin cpu --tasks $tasks --n $n --workers {workers}"
		fi ;;
	sleepers)
		# Once, not under hyperfine: a million tasks take seconds, and
		# the model's own report has its wall time and peak RSS.
		n=$(size SLEEPERS_N "$what")
		say "$step sleepers: $what io --tasks $n --ms $SLEEPERS_MS, once"
		in_group "$bin" io --tasks "$n" --ms "$SLEEPERS_MS" --json >"$run/raw/sleepers-$what.json" ||
			die "$step: $what io --tasks $n --ms $SLEEPERS_MS failed"
		[ -f "$run/sleepers.csv" ] || echo "$header_sleepers" >"$run/sleepers.csv"
		jq -r --arg model "$what" --argjson ms "$SLEEPERS_MS" '
			if ([.tasks, .wall_s, .max_rss_kb] | map(type == "number") | all)
			then [$model, .tasks, $ms, .wall_s, .max_rss_kb] | map(tostring) | join(",")
			else error("its report lacks tasks, wall_s or max_rss_kb") end' \
			"$run/raw/sleepers-$what.json" >>"$run/sleepers.csv" ||
			die "$step: $run/raw/sleepers-$what.json: not a report with tasks, wall_s and max_rss_kb" ;;
	serve)
		say "$step serve: wrk on $what, C = $(first "$SERVE_C") .. $(last "$SERVE_C"), d = $SERVE_MS ms, then the mixed load"
		[ -f "$run/serve.csv" ] || echo "$header_serve" >"$run/serve.csv"
		export SERVE_C SERVE_SECONDS SERVE_MS SERVE_TIMEOUT_S SERVE_MIXED_C SERVE_CPU_N
		in_group sh scripts/serve.sh "$what" "$BUILD" >>"$run/serve.csv" ||
			die "$step: serving with $what failed" ;;
	prog)
		say "$step $what --scale $PROFILE > $what.csv"
		csv_step "$what" "$root/$BUILD/bench/$what" --scale "$PROFILE" ;;
	pyprog)
		eval "script=\$script_$what"
		say "$step $script --scale $PROFILE > $what.csv"
		csv_step "$what" "$PYTHON" "$root/$script" --scale "$PROFILE" ;;
	plots)
		say "$step charts"
		in_group sh scripts/plots.sh "$run" || die "$step: drawing the charts failed" ;;
	esac
}

# Tools first (a gnuplot from another package will do), then the build:
# measuring a stale build would be dishonest.
need=""
for tool in hyperfine:hyperfine gnuplot:gnuplot-nox jq:jq python3:python3 setsid:util-linux wrk:wrk; do
	command -v "${tool%%:*}" >/dev/null 2>&1 || need="$need ${tool#*:}"
done
if [ -n "$need" ]; then
	# shellcheck disable=SC2086
	sh scripts/deps.sh $need || exit 1
fi
# What the run measures (make measured: no tests, no demos), one job per CPU.
make -s -j"$(getconf _NPROCESSORS_ONLN 2>/dev/null || echo 1)" BUILD="$BUILD" measured || die "make failed"
models_check_built "$BUILD" || exit 2
# latest is ours to replace only when it is a link (or absent).
if [ -e "$RESULTS_DIR/latest" ] && [ ! -L "$RESULTS_DIR/latest" ]; then
	echo "bench: $RESULTS_DIR/latest is a real file or folder, not the link to the newest run: move it away" >&2
	exit 2
fi

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
# Which models and programs were there: RESULTS.md tells "not installed"
# from "left out of a suite" by this ("not_built": each absent model's tool).
models=$(for m in $(models_where 1); do built "$m" && printf '%s ' "$m"; done)
absent=$(for m in $(models_where 1); do
	built "$m" && continue
	tool=$(model_get "$m" tool)
	tool_installed "$tool" && installed=true || installed=false
	printf '%s=%s=%s ' "$m" "$tool" "$installed"
done)
programs=$(for p in $BENCH_PROGRAMS; do [ -x "$BUILD/bench/$p" ] && printf '%s ' "$p"; done)
python_built && programs="$programs$PY_PROGRAMS"
# The Python version goes with the run: the real GIL's figures depend on it.
pyver=""
python_built && pyver=$("$PYTHON" -c 'import platform; print(platform.python_version())')
jq --arg models "$models" --arg absent "$absent" --arg programs "$programs" --arg python "$pyver" \
	'.models = ($models | split(" ") | map(select(. != ""))) |
	 .not_built = ($absent | split(" ") | map(select(. != "") | split("=") |
		{(.[0]): {tool: .[1], installed: (.[2] == "true")}}) | add // {}) |
	 .programs = ($programs | split(" ") | map(select(. != ""))) |
	 .python = (if $python == "" then null else $python end)' \
	"$run/machine.json" >"$run/machine.json.new" && mv "$run/machine.json.new" "$run/machine.json"
total=$(($(printf '%s\n' "$steps" | wc -l) + 1))
say "bench: PROFILE=$PROFILE, $total steps, into $run"
n_step=0
printf '%s\n' "$steps" >"$run/.steps"
while read -r kind what; do
	n_step=$((n_step + 1))
	step="[$n_step/$total]"
	t0=$(date +%s)
	run_step "$kind" "$what"
	# Where the run's time goes, step by step (raw/steps.tsv): the profiles'
	# time budgets are kept by reading it.
	secs=$(($(date +%s) - t0))
	printf '%s\t%s\t%s\n' "$kind" "$what" "$secs" >>"$run/raw/steps.tsv"
	say "$step done in $secs s"
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
ln -sfn "$name" "$RESULTS_DIR/latest.new" && mv -fT "$RESULTS_DIR/latest.new" "$RESULTS_DIR/latest" ||
	{ rm -f "$RESULTS_DIR/latest.new"; echo "bench: cannot point $RESULTS_DIR/latest at $name" >&2; exit 1; }
step="[$total/$total]"
say "$step RESULTS.md"
python3 scripts/results.py --out "$RESULTS_MD" "$run" ||
	{ echo "bench: results.py failed; the run $run is complete, rerun make results" >&2; exit 1; }

say "bench: done in $(($(date +%s) - $(date -d "$started" +%s))) s. Files written:"
say "  $RESULTS_MD"
find "$run" -type f | sort | sed 's/^/  /'
