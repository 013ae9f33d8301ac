#!/usr/bin/env bats
# The benchmark harness: a smoke run end to end (default flavour only: it
# times the default build), Ctrl-C, the charts and the verdicts on fixtures
# (tests/fixtures/run agrees with every lesson and GIL comparison,
# tests/fixtures/contradicts with none). Which model is which comes from
# models/models.tsv (scripts/models.sh), as in the harness itself.

load common
. scripts/models.sh

FIXTURES=tests/fixtures
TIDY=model,workload,tasks,workers,ms,n,runs,median_s,mean_s,stddev_s,min_s,max_s,user_s,system_s

# verdict_of MD TEXT: the bold verdict of the table row of MD that starts
# with TEXT (a lesson, target or comparison).
verdict_of() {
	grep -F "| $2" "$1" | head -n 1 | sed -n 's/.*| \*\*\(.*\)\*\* |$/\1/p'
}

# valid_chart FILE: an SVG that parses as XML, or a PNG with its signature.
valid_chart() {
	case $1 in
	*.svg) python3 -c 'import sys, xml.etree.ElementTree as E; r = E.parse(sys.argv[1]).getroot(); sys.exit(not r.tag.endswith("svg"))' "$1" ;;
	*.png) [ "$(head -c 8 "$1" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ] ;;
	esac
}

LESSONS="sum_vs_longest gil_no_speedup procs_speed_up switch_cost more_tasks loop_stall few_waits old_gil_battle fewer_syscalls c10k server_freeze mn_both"
GIL_SHAPES="gil_cpu_shape gil_sweep_shape"

# python_built: the smoke run had a Python model (bench.sh's own test).
python_built() {
	command -v python3 >/dev/null || return 1
	for m in $(models_where 'f("lang") == "python"'); do
		[ -x "$BUILD/$(model_get "$m" binary)" ] && return 0
	done
	return 1
}

# built MODEL: its program is in the build.
built() {
	[ -x "$BUILD/$(model_get "$1" binary)" ]
}

# csv_models DIR SUITE: the models with rows in DIR/SUITE.csv, space-separated
# between spaces (" a b ").
csv_models() {
	echo " $(awk -F, 'NR > 1 { print $1 }' "$1/$2.csv" | sort -u | tr '\n' ' ')"
}

# contract NAME: the CSV header bench.sh expects of a program or a suite.
contract() {
	case $1 in
	io | cpu | net) echo "$TIDY" ;;
	*) sed -n "s/^header_$1=//p" scripts/bench.sh ;;
	esac
}

setup_file() {
	export SMOKE_DIR="$BATS_FILE_TMPDIR/results"
	[ "$FLAVOUR" = default ] || return 0
	# No RESULTS_MD: a run kept elsewhere writes RESULTS.md beside it, and
	# the repository's is left alone (its checksum before and after).
	md5sum RESULTS.md >"$BATS_FILE_TMPDIR/repo.md5" 2>/dev/null
	PROFILE=smoke RESULTS_DIR="$SMOKE_DIR" sh scripts/bench.sh >"$BATS_FILE_TMPDIR/smoke.log" 2>&1
	echo $? >"$BATS_FILE_TMPDIR/smoke.status"
	if md5sum -c --status "$BATS_FILE_TMPDIR/repo.md5" 2>/dev/null && [ -s "$SMOKE_DIR/RESULTS.md" ]; then
		echo "RESULTS.md written to RESULTS_DIR: $SMOKE_DIR/RESULTS.md" >"$BATS_FILE_TMPDIR/smoke.where"
	else
		echo "RESULTS.md not where it belongs" >"$BATS_FILE_TMPDIR/smoke.where"
	fi
}

# A test that fails while a run it started still goes on must not leave it
# running: it would outlive the test and trip the next one's process checks.
teardown() {
	if [ -n "${bench_pid:-}" ]; then
		kill -TERM "$bench_pid" 2>/dev/null
		wait "$bench_pid" 2>/dev/null
	fi
	return 0
}

smoke_only() {
	[ "$FLAVOUR" = default ] || skip "the harness times the default build only"
}

@test "a smoke run completes, names its files and points latest at itself" {
	smoke_only
	cat "$BATS_FILE_TMPDIR/smoke.log"
	[ "$(cat "$BATS_FILE_TMPDIR/smoke.status")" = 0 ]
	run=$(readlink "$SMOKE_DIR/latest")
	[ -n "$run" ]
	[ -f "$SMOKE_DIR/$run/complete" ]
	[ ! -e "$SMOKE_DIR/$run/INCOMPLETE" ]
	[ "$(jq -r .complete "$SMOKE_DIR/$run/machine.json")" = true ]
	[ "$(jq -r .profile "$SMOKE_DIR/$run/machine.json")" = smoke ]
	for key in cpu_model cpus_usable kernel compiler cflags pid_max max_map_count open_files perf_counters \
		affinity transparent_hugepage not_built; do
		jq -e "has(\"$key\")" "$SMOKE_DIR/$run/machine.json" >/dev/null
	done
	for tool in go node libuv; do
		jq -e ".tools | has(\"$tool\")" "$SMOKE_DIR/$run/machine.json" >/dev/null
	done
	# A model of the table that was not built is named with its tool.
	for m in $(models_where 1); do
		built "$m" && continue
		[ "$(jq -r ".not_built.$m.tool" "$SMOKE_DIR/$run/machine.json")" = "$(model_get "$m" tool)" ]
		[ "$(jq -r ".not_built.$m.installed" "$SMOKE_DIR/$run/machine.json")" = \
			"$(tool_installed "$(model_get "$m" tool)" && echo true || echo false)" ]
	done
	# The first step is the table's first io model.
	grep -q "^\[1/[0-9]*\] io fan-out: $(models_where 'has("suites", "io")' | head -n 1), N = 1 \.\. " "$BATS_FILE_TMPDIR/smoke.log"
	grep -q "$SMOKE_DIR/$run/io.csv" "$BATS_FILE_TMPDIR/smoke.log"
	! ls -d "$SMOKE_DIR"/incomplete-* 2>/dev/null
}

@test "the smoke run has every expected CSV with its contract header" {
	smoke_only
	dir="$SMOKE_DIR/$(readlink "$SMOKE_DIR/latest")"
	expected="io cpu net"
	for prog in $(sed -n 's/^BENCH_PROGRAMS="\(.*\)"/\1/p' scripts/bench.sh); do
		[ -x "$BUILD/bench/$prog" ] && expected="$expected $prog"
	done
	if python_built; then
		expected="$expected $(sed -n 's/^PY_PROGRAMS="\(.*\)"/\1/p' scripts/bench.sh)"
	fi
	for name in $expected; do
		echo "checking $name.csv"
		[ "$(head -n 1 "$dir/$name.csv")" = "$(contract "$name")" ]
		[ "$(wc -l <"$dir/$name.csv")" -ge 2 ]
	done
	# Every io row of every model: a median between min and max, d as asked.
	awk -F, 'NR > 1 && !($11 <= $8 && $8 <= $12 && $5 == 20) { bad = 1 } END { exit bad }' "$dir/io.csv"
	[ -f "$dir/raw/io-threads.json" ]
	jq -e '.results | length > 0' "$dir/raw/io-threads.json" >/dev/null
}

@test "the smoke run has every built model of the table in each of its suites" {
	smoke_only
	dir="$SMOKE_DIR/$(readlink "$SMOKE_DIR/latest")"
	for suite in io cpu net; do
		have=$(csv_models "$dir" "$suite")
		echo "$suite: $have"
		for m in $(models_where "has(\"suites\", \"$suite\")"); do
			built "$m" || continue
			[[ "$have" == *" $m "* ]]
		done
	done
	# Every model in the CSVs is a row of the table.
	for m in $(csv_models "$dir" io) $(csv_models "$dir" cpu) $(csv_models "$dir" net); do
		[ -n "$(model_get "$m" name)" ]
	done
}

@test "the smoke run's sleepers step: each event loop once, the suite's too, its own wall and peak RSS" {
	smoke_only
	dir="$SMOKE_DIR/$(readlink "$SMOKE_DIR/latest")"
	loops=$(models_where 'f("fanout") == "loop" && has("suites", "io")' | while read -r m; do
		if built "$m"; then echo "$m"; fi; done)
	# One loop and M:N are among them, in the same CSV as the runtimes.
	[[ " $(echo $loops) " == *" coro "* ]]
	[[ " $(echo $loops) " == *" mn "* ]]
	[ "$(head -n 1 "$dir/sleepers.csv")" = "$(contract sleepers)" ]
	for m in $loops; do
		echo "sleepers: $m"
		[ "$(grep -c "^$m,10000,100," "$dir/sleepers.csv")" -eq 1 ]
	done
	# Every case slept (wall >= d) and has a peak RSS.
	awk -F, 'NR > 1 && !($4 >= $3 / 1000 && $5 > 0) { print "bad: " $0; bad = 1 } END { exit bad }' "$dir/sleepers.csv"
}

@test "the smoke run's cpu rows carry their language's sizes" {
	smoke_only
	dir="$SMOKE_DIR/$(readlink "$SMOKE_DIR/latest")"
	have=$(csv_models "$dir" cpu)
	echo "cpu: $have"
	# No cpu speedup is asked of one thread's event loop: the table lists no cpu suite for it.
	for m in $(models_where '!has("suites", "cpu")'); do
		[[ "$have" != *" $m "* ]]
	done
	for m in $have; do
		lang=$(model_get "$m" lang)
		want=$(PROFILE=smoke LANG_="$lang" sh -c '. scripts/profiles.sh; eval "echo \${CPU_N_$LANG_:-$CPU_N}"')
		echo "$m ($lang): n = $want"
		[ -z "$(awk -F, -v m="$m" -v n="$want" 'NR > 1 && $1 == m && $6 != n' "$dir/cpu.csv")" ]
	done
	if python_built; then
		[ "$(jq -r .python "$dir/machine.json")" = "$(python3 -c 'import platform; print(platform.python_version())')" ]
	fi
}

@test "the smoke run's coro_scale and py_gil_sweep rows are well formed" {
	smoke_only
	dir="$SMOKE_DIR/$(readlink "$SMOKE_DIR/latest")"
	[ -x "$BUILD/bench/coro_scale" ] || skip "no coro_scale built"
	# Every case slept (wall >= d) and has a peak RSS; every stack mode ran.
	awk -F, 'NR > 1 { modes[$2] = 1; if (!($4 >= $3 / 1000 && $5 > 0 && $1 > 0)) { print "bad: " $0; bad = 1 } }
		END { exit bad || !(("guarded" in modes) && ("copy" in modes) && ("auto" in modes)) }' "$dir/coro_scale.csv"
	python_built || skip "no Python models built"
	# 2 and 4 threads at gil_sweep's smoke intervals, hand-offs counted.
	[ "$(cut -d, -f1,2 "$dir/py_gil_sweep.csv" | tail -n +2 | tr '\n' ' ')" = "2,50 2,5000 2,50000 4,50 4,5000 4,50000 " ]
	awk -F, 'NR > 1 && !($3 > 0 && $5 >= 1 && $6 > 0) { print "bad: " $0; bad = 1 } END { exit bad }' "$dir/py_gil_sweep.csv"
	# The interval matters: 2 threads hand over more often at 50 us than at 50 ms.
	awk -F, '$1 == 2 && $2 == 50 { fast = $6 } $1 == 2 && $2 == 50000 { slow = $6 }
		END { exit !(fast > slow) }' "$dir/py_gil_sweep.csv"
}

@test "every chart of the smoke run is a valid SVG and PNG, and RESULTS.md shows it" {
	smoke_only
	name=$(readlink "$SMOKE_DIR/latest")
	dir="$SMOKE_DIR/$name"
	charts="io_wall io_overhead cpu_speedup net_wall"
	python_built && charts="$charts runtimes gil_real"
	built mn && charts="$charts mn_speedup"
	[ -x "$BUILD/bench/mn_uneven" ] && charts="$charts mn_uneven"
	for chart in $charts; do
		echo "chart $chart"
		[ -f "$dir/charts/$chart.svg" ]
		[ -f "$dir/charts/$chart.png" ]
	done
	for f in "$dir"/charts/*; do
		echo "checking $f"
		valid_chart "$f"
	done
	md="$SMOKE_DIR/RESULTS.md"
	grep -q "from the run \`$name\`" "$md"
	grep -q "($name/charts/io_wall.svg)" "$md"
	for section in "The lessons, checked" "The real GIL beside the emulated one" \
		"The suite beside the runtimes you would use instead" "Targets, checked" \
		"Headline: the suite beside the runtimes"; do
		grep -qxF "## $section" "$md"
	done
	# coro_scale --scale smoke runs 10,000 tasks only: no figure for a million.
	grep -q "^| 1,000,000 coroutines each sleeping 1 s | not measured |" "$md"
	[ "$(verdict_of "$md" "1,000,000 coroutines sleeping 1 s")" = "not measured" ]
	# Twelve lessons, each with a verdict.
	[ "$(sed -n '/^## The lessons, checked/,$p' "$md" | grep -cE '\*\*(confirmed|not confirmed on this machine|not measured)\*\* \|$')" -eq 12 ]
	# The smoke run has no million sleepers: the M:N lesson says why.
	[[ "$(grep -F '| An M:N scheduler gets both' "$md")" == *"| **not measured** |" ]]
	if python_built; then
		grep -q "($name/charts/runtimes.svg)" "$md"
		grep -q "($name/charts/gil_real.svg)" "$md"
		# The cpu comparison has a verdict from the smoke data; the sweep's
		# row is there (gil_sweep --scale smoke's 8 ms runs are too short to
		# compare: "not measured", unless this machine is far slower).
		[[ "$(verdict_of "$md" "CPU scaling")" =~ ^(match|do\ not\ match\ on\ this\ machine)$ ]]
		[[ "$(verdict_of "$md" "Switch interval")" =~ ^(match|do\ not\ match\ on\ this\ machine|not\ measured)$ ]]
	fi
}

# stopped_by SIGNAL: start a quick run, send SIGNAL once hyperfine runs, and
# check what it leaves: no stray processes, the run kept incomplete, latest
# and the earlier run untouched, no RESULTS.md.
stopped_by() {
	results="$BATS_TEST_TMPDIR/results"
	mkdir -p "$results/earlier-run"
	echo '{"complete": true}' >"$results/earlier-run/machine.json"
	ln -s earlier-run "$results/latest"
	before=$(cd "$results" && find earlier-run latest | sort | xargs ls -ld --time-style=+%s | md5sum)
	# bats starts background jobs with SIGINT and SIGQUIT ignored, which a
	# shell cannot trap.
	PROFILE=quick RESULTS_DIR="$results" RESULTS_MD="$BATS_TEST_TMPDIR/R.md" \
		env --default-signal=INT,QUIT sh scripts/bench.sh >"$BATS_TEST_TMPDIR/log" 2>&1 &
	bench_pid=$!
	seen=no
	for _ in $(seq 100); do
		if pgrep -f "hyperfine.*$results" >/dev/null; then
			seen=yes
			break
		fi
		sleep 0.2
	done
	# A moment for hyperfine to start a model, not so long that its step
	# can end: the signal must land mid-step.
	sleep 0.3
	kill -"$1" $bench_pid
	status=0
	wait $bench_pid || status=$?
	bench_pid=
	[ "$seen" = yes ]
	cat "$BATS_TEST_TMPDIR/log"
	[ "$status" -eq 130 ]
	sleep 0.5
	# ("run !": under set -e a plain "! cmd" before the last line never fails.)
	run ! pgrep -af "$results"
	run ! pgrep -af "$PWD/$BUILD/($(models_where 1 | paste -sd '|')) "
	inc=$(ls -d "$results"/incomplete-*)
	grep -q "interrupted by SIG$1 during \[" "$inc/INCOMPLETE"
	[ "$(jq -r .complete "$inc/machine.json")" = false ]
	[ ! -e "$inc/complete" ]
	[ "$(readlink "$results/latest")" = earlier-run ]
	[ ! -e "$BATS_TEST_TMPDIR/R.md" ]
	rm -rf "$inc"
	after=$(cd "$results" && find earlier-run latest | sort | xargs ls -ld --time-style=+%s | md5sum)
	[ "$before" = "$after" ]
}

@test "Ctrl-C stops a run: no stray processes, run kept incomplete, latest and earlier runs untouched" {
	smoke_only
	stopped_by INT
}

@test "SIGHUP (the terminal closed) stops a run as Ctrl-C does" {
	smoke_only
	stopped_by HUP
}

@test "SIGQUIT stops a run as Ctrl-C does" {
	smoke_only
	stopped_by QUIT
}

@test "a real folder named latest is refused before measuring, nothing left behind" {
	results="$BATS_TEST_TMPDIR/results"
	mkdir -p "$results/latest"
	run --separate-stderr env PROFILE=smoke RESULTS_DIR="$results" sh scripts/bench.sh
	[ "$status" -eq 2 ]
	[ "$(printf '%s\n' "$stderr" | wc -l)" -eq 1 ]
	[[ "$stderr" == *"$results/latest is a real file or folder"* ]]
	[ "$(ls -A "$results")" = latest ]
}

@test "a program in the build that the table does not know is refused, named" {
	. scripts/models.sh
	b="$BATS_TEST_TMPDIR/build"
	mkdir -p "$b"
	for m in $(models_where 1); do
		printf '#!/bin/sh\n' >"$b/$(model_get "$m" binary)"
		chmod +x "$b/$(model_get "$m" binary)"
	done
	cp "$BUILD/slowserver" "$b/" 2>/dev/null || printf '#!/bin/sh\n' >"$b/slowserver"
	chmod +x "$b/slowserver"
	run models_check_built "$b"
	[ "$status" -eq 0 ]
	printf '#!/bin/sh\n' >"$b/rust_tokio"
	chmod +x "$b/rust_tokio"
	run --separate-stderr models_check_built "$b"
	[ "$status" -eq 2 ]
	[ "$(printf '%s\n' "$stderr" | wc -l)" -eq 1 ]
	[[ "$stderr" == *"$b/rust_tokio is not in models/models.tsv"* ]]
}

@test "RESULTS.md follows RESULTS_DIR: the smoke run kept elsewhere wrote its own" {
	smoke_only
	[ -s "$SMOKE_DIR/RESULTS.md" ]
	grep -q "^RESULTS.md written to RESULTS_DIR: $SMOKE_DIR/RESULTS.md$" "$BATS_FILE_TMPDIR/smoke.where"
}

@test "an unknown PROFILE is refused before anything runs" {
	run env PROFILE=huge RESULTS_DIR="$BATS_TEST_TMPDIR/r" sh scripts/bench.sh
	[ "$status" -eq 2 ]
	[[ "$output" == *"PROFILE: unknown profile 'huge' (accepted: smoke|quick|full)"* ]]
	[ ! -e "$BATS_TEST_TMPDIR/r" ]
}

@test "every chart draws from the fixture run as a valid SVG and PNG" {
	cp -r "$FIXTURES/run" "$BATS_TEST_TMPDIR/run"
	run sh scripts/plots.sh "$BATS_TEST_TMPDIR/run"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" != *"left out"* ]]
	for chart in io_wall io_overhead cpu_speedup switch create_mem limits gil net_wall runtimes gil_real mn_speedup mn_uneven; do
		valid_chart "$BATS_TEST_TMPDIR/run/charts/$chart.svg"
		valid_chart "$BATS_TEST_TMPDIR/run/charts/$chart.png"
	done
}

@test "a chart whose CSV is missing is left out and RESULTS.md says not measured" {
	cp -r "$FIXTURES/run" "$BATS_TEST_TMPDIR/run"
	rm "$BATS_TEST_TMPDIR/run/lat_switch.csv" "$BATS_TEST_TMPDIR/run/net.csv"
	run sh scripts/plots.sh "$BATS_TEST_TMPDIR/run"
	[ "$status" -eq 0 ]
	[[ "$output" == *"switch: left out, lat_switch.csv is not in this run"* ]]
	[ ! -e "$BATS_TEST_TMPDIR/run/charts/switch.svg" ]
	[ ! -e "$BATS_TEST_TMPDIR/run/charts/net_wall.svg" ]
	python3 scripts/results.py --out "$BATS_TEST_TMPDIR/R.md" "$BATS_TEST_TMPDIR/run"
	md="$BATS_TEST_TMPDIR/R.md"
	# Charts 4 and 8: no image, a "Not measured" line instead.
	for chart in switch net_wall; do
		! grep -q "charts/$chart.svg" "$md"
	done
	[ "$(sed -n '/^### 4\./,/^### 5\./p' "$md" | grep -c '^Not measured: ')" -eq 1 ]
	[ "$(sed -n '/^### 8\./,/^### 9\./p' "$md" | grep -c '^Not measured: ')" -eq 1 ]
	[ "$(verdict_of "$md" "An event loop's task switch")" = "not measured" ]
}

# suite_only DIR: DIR's io, cpu and net CSVs without the reference models' rows.
suite_only() {
	for f in io cpu net; do
		awk -F, -v refs=" $(models_where 'f("side") == "reference"' | tr '\n' ' ') " \
			'NR == 1 || index(refs, " " $1 " ") == 0' "$FIXTURES/run/$f.csv" >"$1/$f.csv"
	done
}

@test "without the reference rows the runtimes charts are left out and RESULTS.md says why" {
	cp -r "$FIXTURES/run" "$BATS_TEST_TMPDIR/run"
	suite_only "$BATS_TEST_TMPDIR/run"
	rm "$BATS_TEST_TMPDIR/run/py_gil_sweep.csv" "$BATS_TEST_TMPDIR/run/sleepers.csv"
	run sh scripts/plots.sh "$BATS_TEST_TMPDIR/run"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"runtimes: left out"* ]]
	[[ "$output" == *"gil_real: left out"* ]]
	[ ! -e "$BATS_TEST_TMPDIR/run/charts/runtimes.svg" ]
	[ ! -e "$BATS_TEST_TMPDIR/run/charts/gil_real.png" ]
	# The suite's charts do not change: the same models as before.
	[ -s "$BATS_TEST_TMPDIR/run/charts/io_wall.svg" ]
	python3 scripts/results.py --out "$BATS_TEST_TMPDIR/R.md" "$BATS_TEST_TMPDIR/run"
	md="$BATS_TEST_TMPDIR/R.md"
	[ "$(sed -n '/^### 9\./,/^### 10\./p' "$md" | grep -c '^Not measured: ')" -eq 1 ]
	# the two GIL comparisons, and the fan-out target (against py_threads)
	# and, without sleepers.csv, the M:N lesson and its million-sleepers target
	[ "$(grep -c '| \*\*not measured\*\* |$' "$md")" -eq 5 ]
	[ "$(grep -c '\*\*confirmed\*\*' "$md")" -eq 11 ]
}

@test "the reference rows (a third and fourth language among them) leave the lessons' verdicts as they were" {
	cp -r "$FIXTURES/run" "$BATS_TEST_TMPDIR/suite"
	suite_only "$BATS_TEST_TMPDIR/suite"
	for lang in go node; do
		[ "$(awk -F, -v m="$(models_where "f(\"lang\") == \"$lang\"" | head -n 1)" '$1 == m' "$FIXTURES/run/io.csv" | wc -l)" -gt 0 ]
	done
	run python3 scripts/lessons.py "$FIXTURES/run"
	[ "$status" -eq 0 ]
	with=$(printf '%s\n' "$output" | grep -E "^($(echo $LESSONS | tr ' ' '|'))	")
	run python3 scripts/lessons.py "$BATS_TEST_TMPDIR/suite"
	without=$(printf '%s\n' "$output" | grep -E "^($(echo $LESSONS | tr ' ' '|'))	")
	[ "$(printf '%s\n' "$with" | wc -l)" -eq 12 ]
	[ "$with" = "$without" ]
}

@test "a reference model's rows never enter the suite's charts and lessons" {
	cp -r "$FIXTURES/run" "$BATS_TEST_TMPDIR/run"
	sh scripts/plots.sh "$BATS_TEST_TMPDIR/run" >/dev/null
	# The suite's charts have the suite's models only; runtimes' has both.
	# (gnuplot titles each series in the SVG.)
	for chart in io_wall io_overhead cpu_speedup net_wall; do
		for m in $(models_where 'f("side") == "reference"'); do
			run ! grep -q "<title>$m</title>" "$BATS_TEST_TMPDIR/run/charts/$chart.svg"
		done
		grep -q '<title>threads</title>' "$BATS_TEST_TMPDIR/run/charts/$chart.svg"
	done
	for m in threads py_threads go node uv; do
		grep -q "<title>$m</title>" "$BATS_TEST_TMPDIR/run/charts/runtimes.svg"
	done
	grep -q '<title>py_threads (real GIL)</title>' "$BATS_TEST_TMPDIR/run/charts/gil_real.svg"
	grep -q '<title>CPython, 2 CPU threads</title>' "$BATS_TEST_TMPDIR/run/charts/gil_real.svg"
	# A reference model faster than every suite model would win
	# sum_vs_longest if it were counted: it is not.
	printf 'go,io,8,0,100,,5,0.0101,0.0101,0,0.01,0.011,0,0\n' >>"$BATS_TEST_TMPDIR/run/io.csv"
	run python3 scripts/lessons.py "$BATS_TEST_TMPDIR/run"
	printf '%s\n' "$output" | grep -q "^sum_vs_longest	confirmed	.*; coro, 10 waits"
	# Each language's speedup is over its own sequential run: py_threads'
	# over py_seq (0.97x; over C's seq it would be 0.82x), go's over its own W = 1.
	python3 scripts/results.py --out "$BATS_TEST_TMPDIR/R.md" "$BATS_TEST_TMPDIR/run"
	[ "$(speedup_cell "$BATS_TEST_TMPDIR/R.md" "py_threads over py_seq" 2)" = 0.97x ]
	[ "$(speedup_cell "$BATS_TEST_TMPDIR/R.md" "go over its W = 1" 2)" = 1.96x ]
	[ "$(speedup_cell "$BATS_TEST_TMPDIR/R.md" "uv over seq" 2)" = 1.91x ]
}

# speedup_cell MD COLUMN W: the cell of the speedups table (the one whose
# header starts "| W |" and names COLUMN) in the row of W.
speedup_cell() {
	awk -F' \\| ' -v col="$2" -v w="$3" '
		{ sub(/ \|$/, "") }
		/^\| W \|/ { c = 0; for (i = 1; i <= NF; i++) if ($i == col) c = i; next }
		c && $1 == "| " w { print $c; exit }' "$1"
}

@test "plots and results refuse a folder that is not a run" {
	run sh scripts/plots.sh "$BATS_TEST_TMPDIR"
	[ "$status" -eq 2 ]
	[[ "$output" == *"machine.json missing"* ]]
	run python3 scripts/results.py "$BATS_TEST_TMPDIR"
	[ "$status" -eq 2 ]
	[[ "$output" == *"not a results folder"* ]]
}

@test "every lesson is confirmed on the fixture run and flips on the contradicting one" {
	run python3 scripts/lessons.py "$FIXTURES/run"
	[ "$status" -eq 0 ]
	confirmed=$output
	run python3 scripts/lessons.py "$FIXTURES/contradicts"
	contradicted=$output
	for id in $LESSONS; do
		echo "lesson $id"
		printf '%s\n' "$confirmed" | grep -q "^$id	confirmed	"
		printf '%s\n' "$contradicted" | grep -q "^$id	not confirmed on this machine	"
	done
	for id in $GIL_SHAPES; do
		echo "comparison $id"
		printf '%s\n' "$confirmed" | grep -q "^$id	match	"
		printf '%s\n' "$contradicted" | grep -q "^$id	do not match on this machine	"
	done
	[ "$(printf '%s\n' "$confirmed" | wc -l)" -eq 14 ]
}

@test "each GIL comparison flips alone when only its own data contradict it" {
	for f in py_gil_sweep gil_sweep cpu; do
		rm -rf "$BATS_TEST_TMPDIR/run"
		cp -r "$FIXTURES/run" "$BATS_TEST_TMPDIR/run"
		case $f in
		# The emulation made to ignore its interval, as contradicts/ makes CPython.
		gil_sweep) awk -F, -v OFS=, 'NR > 1 { $6 = 15000 } 1' "$FIXTURES/run/gil_sweep.csv" >"$BATS_TEST_TMPDIR/run/gil_sweep.csv" ;;
		*) cp "$FIXTURES/contradicts/$f.csv" "$BATS_TEST_TMPDIR/run/$f.csv" ;;
		esac
		run python3 scripts/lessons.py "$BATS_TEST_TMPDIR/run"
		echo "$f: $output"
		case $f in
		cpu) want="gil_cpu_shape" ;;
		*) want="gil_sweep_shape" ;;
		esac
		[ "$(printf '%s\n' "$output" | grep -c "	do not match on this machine	")" -eq 1 ]
		printf '%s\n' "$output" | grep -q "^$want	do not match on this machine	"
	done
}

@test "a sweep point compares only where both runs lasted 10 intervals and 50 ms" {
	cp -r "$FIXTURES/run" "$BATS_TEST_TMPDIR/run"
	sweep=$BATS_TEST_TMPDIR/run/py_gil_sweep.csv
	# CPython far off at 50 ms, where its 0.2 s runs last 4 intervals: not compared.
	awk -F, -v OFS=, '$2 == 50000 { $6 = 5000 } 1' "$FIXTURES/run/py_gil_sweep.csv" >"$sweep"
	run python3 scripts/lessons.py "$BATS_TEST_TMPDIR/run"
	printf '%s\n' "$output" | grep -q "^gil_sweep_shape	match	"
	# The same rows in runs of 1 s (20 intervals of 50 ms; so the C ones too): compared.
	awk -F, -v OFS=, 'NR > 1 { $3 = 1.0 } $2 == 50000 { $6 = 5000 } 1' "$FIXTURES/run/py_gil_sweep.csv" >"$sweep"
	awk -F, -v OFS=, 'NR > 1 { $3 = 1.0 } 1' "$FIXTURES/run/gil_sweep.csv" >"$BATS_TEST_TMPDIR/run/gil_sweep.csv"
	run python3 scripts/lessons.py "$BATS_TEST_TMPDIR/run"
	echo "$output"
	printf '%s\n' "$output" | grep -q "^gil_sweep_shape	do not match on this machine	.*50,000 µs 299"
	# Emulated runs of 40 ms, as gil_sweep --scale smoke's are shorter still: none compared.
	awk -F, -v OFS=, 'NR > 1 { $3 = 0.04 } 1' "$FIXTURES/run/gil_sweep.csv" >"$BATS_TEST_TMPDIR/run/gil_sweep.csv"
	run python3 scripts/lessons.py "$BATS_TEST_TMPDIR/run"
	printf '%s\n' "$output" | grep -q "^gil_sweep_shape	not measured	no interval where both sweeps' runs lasted 10 intervals and 0.05 s or more"
}

@test "each lesson flips alone when only its own data contradict it" {
	for f in io cpu gil_scaling lat_switch limits heartbeat net_backends sleepers; do
		rm -rf "$BATS_TEST_TMPDIR/run"
		cp -r "$FIXTURES/run" "$BATS_TEST_TMPDIR/run"
		cp "$FIXTURES/contradicts/$f.csv" "$BATS_TEST_TMPDIR/run/$f.csv"
		[ "$f" = cpu ] && rm "$BATS_TEST_TMPDIR/run/gil_scaling.csv"
		run python3 scripts/lessons.py "$BATS_TEST_TMPDIR/run"
		echo "$f: $output"
		flipped=$(printf '%s\n' "$output" | grep -c "	not confirmed on this machine	" || true)
		case $f in
		io) [ "$flipped" -eq 2 ] ;;   # sum_vs_longest and few_waits
		cpu) [ "$flipped" -eq 3 ] ;;  # gil_no_speedup, procs_speed_up and mn_both
		gil_scaling) [ "$flipped" -eq 1 ] ;;  # old_gil_battle (cpu.csv comes first for the rest)
		*) [ "$flipped" -eq 1 ] ;;
		esac
	done
}

# set_cell CSV KEY COLUMN VALUE: in the rows whose first columns read KEY
# (e.g. "coro,none"), put VALUE in COLUMN (a 1-based number).
set_cell() {
	awk -F, -v OFS=, -v key="$2" -v col="$3" -v val="$4" \
		'index($0, key ",") == 1 { $col = val } { print }' "$1" >"$1.new" && mv "$1.new" "$1"
}

# targets_of RUN: one line per target: key, verdict, evidence (tab-separated).
targets_of() {
	python3 -c 'import sys; sys.path.insert(0, "scripts"); import lessons, targets
for row in targets.check_targets(lessons.Run(sys.argv[1])): print(row[0], row[3], row[4], sep="\t")' "$1"
}

@test "each target is met on the fixture run and missed when its own figure moves past it" {
	t="$BATS_TEST_TMPDIR/t"
	cp -r "$FIXTURES/run" "$t"
	targets_of "$t" >"$t.before"
	[ "$(grep -c '	met	' "$t.before")" -eq 20 ] || { cat "$t.before"; return 1; }
	# Just past each limit: 1.81x bare_jmp and 1.04x boost_fcontext;
	# swapcontext 11x; ping-pong 0.26x perf; creation 12x; memory 6x and
	# 2,050 bytes; 2.1 s and 1.31 s (0.93x libuv); 1.2 s; 317 MB; 0.2 s
	# for 10,000 x 100 ms (libuv 0.106 s); gil io at 10,000 1.51x py_threads.
	set_cell "$t/lat_switch.csv" coro,none 4 13.0
	set_cell "$t/lat_switch.csv" swapcontext,none 4 150
	set_cell "$t/lat_switch.csv" perf_pipe,one-cpu 4 5000
	set_cell "$t/cost_create.csv" coro,copy,10000 4 1750
	set_cell "$t/mem_task.csv" coro,copy 4 2050
	set_cell "$t/coro_scale.csv" 1000000,auto 4 2.1
	set_cell "$t/coro_scale.csv" 1000000,copy 4 2.2
	set_cell "$t/coro_scale.csv" 100000,copy 4 1.31
	set_cell "$t/coro_scale.csv" 100000,auto 4 1.32
	set_cell "$t/net.csv" coro,net,10000 8 1.2
	set_cell "$t/coro_scale.csv" 1000000,copy 5 310000
	set_cell "$t/coro_scale.csv" 10000,auto 4 0.2
	set_cell "$t/io.csv" gil,io,10000 8 3.1
	# io_uring's client at 0.51x epoll's system calls and 1.11x its wall.
	set_cell "$t/net_backends.csv" client,uring,10000 6 5.62
	set_cell "$t/net_backends.csv" client,uring,10000 5 0.811
	# M:N: 0.898x threads' speedup at W = 2; a million sleepers in 1.255x
	# one loop's wall; stealing 1.79x; 10,000 requests 1.108x one loop's
	# (coro's 1.2 s above).
	set_cell "$t/cpu.csv" mn,cpu,8,2 8 0.206
	set_cell "$t/sleepers.csv" mn,1000000 4 1.82
	set_cell "$t/mn_uneven.csv" on,2 5 0.66
	set_cell "$t/net.csv" mn,net,10000 8 1.33
	targets_of "$t" >"$t.after"
	[ "$(grep -c '	missed	' "$t.after")" -eq 20 ] || { cat "$t.after"; return 1; }
	# With no rows, none is judged.
	rm "$t"/*.csv
	targets_of "$t" >"$t.none"
	[ "$(grep -c '	not measured	' "$t.none")" -eq 20 ]
}

@test "with no data every lesson is not measured" {
	mkdir -p "$BATS_TEST_TMPDIR/empty"
	cp "$FIXTURES/run/machine.json" "$BATS_TEST_TMPDIR/empty/"
	run python3 scripts/lessons.py "$BATS_TEST_TMPDIR/empty"
	[ "$status" -eq 0 ]
	[ "$(printf '%s\n' "$output" | grep -c "	not measured	")" -eq 14 ]
}

# row_of MD FIRST-CELL: the table row of MD whose first cell is FIRST-CELL.
row_of() {
	grep -F "| $2 |" "$1" | head -n 1
}

@test "RESULTS.md from the fixture run: numbers from the data, anchors with their sources" {
	cp -r "$FIXTURES/run" "$BATS_TEST_TMPDIR/run"
	sh scripts/plots.sh "$BATS_TEST_TMPDIR/run" >/dev/null
	python3 scripts/results.py --anchors "$FIXTURES/ANCHORS.md" --out "$BATS_TEST_TMPDIR/R.md" "$BATS_TEST_TMPDIR/run"
	md="$BATS_TEST_TMPDIR/R.md"
	# The switch against its floor, bare_jmp: 12.1 / 7.2 = 1.68x.
	[[ "$(sed -n '/^### 4\./,/^### 5\./p' "$md")" == *"12.1 ns, 1.68x"*"(7.2 ns)"* ]]
	# What the FPU words cost on the bare switch: 11.8 / 7.2 = 1.64x, 4.6 ns.
	[[ "$(sed -n '/^### 4\./,/^### 5\./p' "$md")" == *" 11.8 ns, 1.64x bare_jmp"*" take 4.6 ns,"* ]]
	# Its two MXCSR paths, each held: the figures and which was faster.
	[[ "$(sed -n '/^### 4\./,/^### 5\./p' "$md")" == *" 12.2 ns "*" 13.4 ns "*"faster here comparing first"* ]]
	[ "$(row_of "$md" "glibc swapcontext")" = "| glibc swapcontext | 218 ns per switch | 999 ns per switch | fixture source A |" ]
	[ "$(row_of "$md" "I/O ops per second beside a CPU thread, new GIL")" = "| I/O ops per second beside a CPU thread, new GIL | 196 per second | Convoy effect: at most 200 times a second (fixture bullet, continued on a second line). | fixture source C. |" ]
	grep -q "(run/charts/gil.svg)" "$md"
	[ "$(grep -c '\*\*confirmed\*\*' "$md")" -eq 12 ]
	# The suite beside the runtimes, from the fixture's rows.
	grep -q "(run/charts/runtimes.svg)" "$md"
	[[ "$(cat "$md")" == *"29.8 ns per iteration"*"0.082 s"*"66x"* ]]
	[ "$(row_of "$md" "io | threads | py_threads")" = "| io | threads | py_threads | 10,000 | 0.46 s | 2.05 s | 4.46x |" ]
	[ "$(row_of "$md" "net | coro | py_asyncio")" = "| net | coro | py_asyncio | 10,000 | 0.21 s | 1.9 s | 9.04x |" ]
	[ "$(row_of "$md" "io | coro | go")" = "| io | coro | go | 100,000 | 0.19 s | 0.24 s | 1.26x |" ]
	[ "$(row_of "$md" "net | coro | uv")" = "| net | coro | uv | 10,000 | 0.21 s | 0.215 s | 1.02x |" ]
	[ "$(row_of "$md" "threads | go")" = "| threads | go | 2 | 0.231 | 0.237 | 1.03x |" ]
	[ "$(row_of "$md" "procs | node")" = "| procs | node | 2 | 0.237 | 32.5 | 136.84x |" ]
	[ "$(row_of "$md" "py_asyncio, 100,000 tasks each waiting 0.1 s")" = "| py_asyncio, 100,000 tasks each waiting 0.1 s | 2.3 s | 2.17 s (fixture row) | fixture source D |" ]
	# The headline: a million sleepers, 10,000 requests, the cpu list at W = 2.
	[ "$(row_of "$md" "uv | 1,000,000")" = "| uv | 1,000,000 | 2.26 s | 0.16 GB |" ]
	[ "$(row_of "$md" "coro (auto stacks) | 1,000,000")" = "| coro (auto stacks) | 1,000,000 | 1.4 s | 0.30 GB |" ]
	grep -q "coro (auto stacks) leads on wall time (1.4 s); the fastest reference model, uv, takes 1.62x" "$md"
	[ "$(row_of "$md" "go | 0.23 s")" = "| go | 0.23 s | 2.30 |" ]
	[ "$(row_of "$md" "node | 8 x 1,500,000")" = "| node | 8 x 1,500,000 | 0.39 s | 1.90x | node, W = 1 | 32.5 |" ]
	# The real GIL beside the emulated one: the tables, how close, the verdicts.
	grep -q "(run/charts/gil_real.svg)" "$md"
	[ "$(row_of "$md" "2 | 5,000")" = "| 2 | 5,000 | 185 | 178 | 200 | 1.04 |" ]
	[[ "$(row_of "$md" "2 | 50,000")" == "| 2 | 50,000 | 20 | 16.7 | 20 | not compared "* ]]
	[[ "$(cat "$md")" == *"1.00 to 1.00 times gil's over W = 2, 4, 8"*"0.81 to 1.08 times the emulation's at the 12 points"* ]]
	[ "$(grep -c '| \*\*match\*\* |$' "$md")" -eq 2 ]
	# coro_scale in the headline table, beside the Python reference.
	[ "$(row_of "$md" "1,000,000 coroutines each sleeping 1 s")" = "| 1,000,000 coroutines each sleeping 1 s | auto stacks 1.4 s, 0.30 GB peak RSS; copy stacks 1.73 s, 0.29 GB peak RSS | 27.7 s wall, 1.2 GB peak RSS (fixture row) | fixture source D |" ]
	# Every target met, by its rule, with the measured evidence.
	[ "$(grep -c '| \*\*met\*\* |$' "$md")" -eq 20 ]
	[[ "$(grep -F "1.8x of a bare switch" "$md")" == *"| coro 12.1 ns, bare_jmp 7.2 ns: 1.68x | "*" | **met** |" ]]
	# No bookkeeping in what a reader sees.
	run ! grep -nE '\(#[0-9]|issue [0-9]|has not landed' "$md"
	# The contradicting run: the verdicts and the targets turn.
	cp -r "$FIXTURES/contradicts" "$BATS_TEST_TMPDIR/contra"
	python3 scripts/results.py --anchors "$FIXTURES/ANCHORS.md" --out "$BATS_TEST_TMPDIR/C.md" "$BATS_TEST_TMPDIR/contra"
	[ "$(grep -c '| \*\*do not match on this machine\*\* |$' "$BATS_TEST_TMPDIR/C.md")" -eq 2 ]
	[ "$(grep -c '| \*\*missed\*\* |$' "$BATS_TEST_TMPDIR/C.md")" -eq 12 ]
	python3 scripts/results.py --anchors "$BATS_TEST_TMPDIR/none.md" --out "$md" "$BATS_TEST_TMPDIR/run"
	grep -q "The reference column is left out" "$md"
	run ! grep -q "| reference | source |" "$md"
}

@test "the headline says so when the suite's coroutines do not lead at a million sleepers" {
	cp -r "$FIXTURES/run" "$BATS_TEST_TMPDIR/run"
	set_cell "$BATS_TEST_TMPDIR/run/coro_scale.csv" 1000000,auto 4 3.0
	set_cell "$BATS_TEST_TMPDIR/run/coro_scale.csv" 1000000,copy 4 3.2
	# (and the suite's own io runs of a million, one loop and M:N)
	set_cell "$BATS_TEST_TMPDIR/run/sleepers.csv" coro,1000000 4 3.1
	set_cell "$BATS_TEST_TMPDIR/run/sleepers.csv" mn,1000000 4 3.3
	python3 scripts/results.py --out "$BATS_TEST_TMPDIR/R.md" "$BATS_TEST_TMPDIR/run"
	run ! grep -q "leads on wall time" "$BATS_TEST_TMPDIR/R.md"
	grep -q "do not lead: uv takes 2.26 s against coro's 3 s (1.33x)" "$BATS_TEST_TMPDIR/R.md"
}

@test "a reference model whose tool is not installed is reported, never skipped in silence" {
	cp -r "$FIXTURES/run" "$BATS_TEST_TMPDIR/run"
	for f in io cpu net sleepers; do
		grep -v '^go,' "$FIXTURES/run/$f.csv" >"$BATS_TEST_TMPDIR/run/$f.csv"
	done
	jq '.not_built = {"go": {"tool": "go", "installed": false}}' "$FIXTURES/run/machine.json" >"$BATS_TEST_TMPDIR/run/machine.json"
	python3 scripts/results.py --out "$BATS_TEST_TMPDIR/R.md" "$BATS_TEST_TMPDIR/run"
	grep -qF "Not measured: go: go not installed." "$BATS_TEST_TMPDIR/R.md"
	# Installed, yet not built: said so, not blamed on the tool.
	jq '.not_built = {"go": {"tool": "go", "installed": true}}' "$FIXTURES/run/machine.json" >"$BATS_TEST_TMPDIR/run/machine.json"
	python3 scripts/results.py --out "$BATS_TEST_TMPDIR/R.md" "$BATS_TEST_TMPDIR/run"
	grep -qF "Not measured: go: build/go was not built." "$BATS_TEST_TMPDIR/R.md"
}

@test "the smoke run's serve step: every built server at each C and the mixed load" {
	smoke_only
	command -v wrk >/dev/null || skip "wrk not installed"
	dir="$SMOKE_DIR/$(readlink "$SMOKE_DIR/latest")"
	[ "$(head -n 1 "$dir/serve.csv")" = "$(contract serve)" ]
	cs=$(PROFILE=smoke sh -c '. scripts/profiles.sh; echo "$SERVE_C"' | tr , ' ')
	for s in $(MODELS_TSV=models/servers.tsv models_where 1); do
		[ -x "$BUILD/$(MODELS_TSV=models/servers.tsv model_get "$s" binary)" ] || continue
		for c in $cs; do
			echo "serve: $s at C = $c"
			[ "$(grep -c "^$s,sleep,$c,100," "$dir/serve.csv")" -eq 1 ]
		done
		[ "$(grep -c "^$s,mixed," "$dir/serve.csv")" -eq 1 ]
	done
	# The loop holds all 10 connections, refuses none, and answers no sooner than d.
	awk -F, '$1 == "coro" && $2 == "sleep" && $3 == 10 { seen = 1
		if (!($6 > 0 && $9 >= 100 && $17 == 10 && $19 == 0)) { print "bad: " $0; bad = 1 } }
		END { exit bad || !seen }' "$dir/serve.csv"
}

@test "the M:N figures: charts and sentences from the data, not measured with the reason" {
	cp -r "$FIXTURES/run" "$BATS_TEST_TMPDIR/run"
	sh scripts/plots.sh "$BATS_TEST_TMPDIR/run" >/dev/null
	python3 scripts/results.py --out "$BATS_TEST_TMPDIR/R.md" "$BATS_TEST_TMPDIR/run"
	md="$BATS_TEST_TMPDIR/R.md"
	grep -q "(run/charts/mn_speedup.svg)" "$md"
	grep -q "(run/charts/mn_uneven.svg)" "$md"
	for m in threads procs mn go; do
		grep -q "<title>$m</title>" "$BATS_TEST_TMPDIR/run/charts/mn_speedup.svg"
	done
	grep -q "<title>one loop (mn at W = 1)</title>" "$BATS_TEST_TMPDIR/run/charts/mn_speedup.svg"
	# 0.36 / 0.186 over seq; on 0.56 s against off 1.18 s.
	grep -q "threads 1.95x, procs 1.89x, mn 1.94x, go 1.96x. One loop, mn at W = 1, gets 0.99x" "$md"
	grep -q "with stealing on 0.56 s (35 tasks stolen, the busiest loop started 54% of them), with stealing off 1.18 s (one loop ran them all): stealing made it 2.11x faster" "$md"
	[ "$(row_of "$md" "mn (its io, once)")" = "| mn (its io, once) | 1,000,000 | 1.55 s | 0.32 GB |" ]
	# Without mn's rows and mn_uneven.csv: both charts left out, said so.
	grep -v '^mn,' "$FIXTURES/run/cpu.csv" >"$BATS_TEST_TMPDIR/run/cpu.csv"
	rm "$BATS_TEST_TMPDIR/run/mn_uneven.csv" "$BATS_TEST_TMPDIR/run/charts/mn_"*
	run sh scripts/plots.sh "$BATS_TEST_TMPDIR/run"
	[[ "$output" == *"mn_speedup: left out, cpu.csv has no mn rows"* ]]
	[[ "$output" == *"mn_uneven: left out, mn_uneven.csv is not in this run"* ]]
	python3 scripts/results.py --out "$md" "$BATS_TEST_TMPDIR/run"
	[ "$(sed -n '/^### 15\./,/^### 16\./p' "$md" | grep -c '^Not measured: cpu.csv has no rows of mn')" -eq 1 ]
	[ "$(sed -n '/^### 16\./,/^## /p' "$md" | grep -c '^Not measured: build/bench/mn_uneven was not')" -eq 1 ]
	run python3 scripts/lessons.py "$BATS_TEST_TMPDIR/run"
	printf '%s\n' "$output" | grep -q "^mn_both	not measured	no mn rows with 1 < W <= 2 in gil_scaling.csv or cpu.csv"
	targets_of "$BATS_TEST_TMPDIR/run" >"$BATS_TEST_TMPDIR/t"
	grep -q "^mn_cpu	not measured	no mn and threads rows at a common 1 < W <= 2" "$BATS_TEST_TMPDIR/t"
	grep -q "^mn_uneven	not measured	no steal on and off rows" "$BATS_TEST_TMPDIR/t"
	# One CPU: no verdict on using every core.
	jq '.cpus_usable = 1' "$FIXTURES/run/machine.json" >"$BATS_TEST_TMPDIR/run/machine.json"
	cp "$FIXTURES/run/cpu.csv" "$BATS_TEST_TMPDIR/run/cpu.csv"
	run python3 scripts/lessons.py "$BATS_TEST_TMPDIR/run"
	printf '%s\n' "$output" | grep -q "^mn_both	not measured	one CPU"
	targets_of "$BATS_TEST_TMPDIR/run" >"$BATS_TEST_TMPDIR/t"
	grep -q "^mn_cpu	not measured	one CPU" "$BATS_TEST_TMPDIR/t"
	grep -q "^mn_uneven	not measured	one CPU" "$BATS_TEST_TMPDIR/t"
	# mn and threads in gil_scaling.csv, their runs interleaved: read first.
	cp "$FIXTURES/run/machine.json" "$BATS_TEST_TMPDIR/run/machine.json"
	printf 'mn,1,0.36,0.35,0.37,1.00,0,0\nmn,2,0.30,0.29,0.31,1.20,0,0\n' >>"$BATS_TEST_TMPDIR/run/gil_scaling.csv"
	targets_of "$BATS_TEST_TMPDIR/run" >"$BATS_TEST_TMPDIR/t"
	grep -q "^mn_cpu	missed	W = 2: mn 1.20x, threads 1.95x over seq: 0.62 (gil_scaling.csv)" "$BATS_TEST_TMPDIR/t"
	run python3 scripts/lessons.py "$BATS_TEST_TMPDIR/run"
	printf '%s\n' "$output" | grep -q "^mn_both	not confirmed on this machine	mn at W = 2 on 2 CPUs: 1.20x over seq, ideal 2 (gil_scaling.csv)"
}
