#!/usr/bin/env bats
# The benchmark harness: a smoke run end to end (default flavour only: it
# times the default build), Ctrl-C, the charts and the verdicts on fixtures
# (tests/fixtures/run agrees with every lesson and GIL comparison,
# tests/fixtures/contradicts with none).

load common

FIXTURES=tests/fixtures
TIDY=model,workload,tasks,workers,ms,n,runs,median_s,mean_s,stddev_s,min_s,max_s,user_s,system_s

# valid_chart FILE: an SVG that parses as XML, or a PNG with its signature.
valid_chart() {
	case $1 in
	*.svg) python3 -c 'import sys, xml.etree.ElementTree as E; r = E.parse(sys.argv[1]).getroot(); sys.exit(not r.tag.endswith("svg"))' "$1" ;;
	*.png) [ "$(head -c 8 "$1" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ] ;;
	esac
}

LESSONS="sum_vs_longest gil_no_speedup procs_speed_up switch_cost more_tasks loop_stall few_waits"
GIL_SHAPES="gil_cpu_shape gil_sweep_shape"

# python_built: the smoke run had the Python models (bench.sh's own test).
python_built() {
	command -v python3 >/dev/null && [ -x "$BUILD/py_threads" ]
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
	PROFILE=smoke RESULTS_DIR="$SMOKE_DIR" RESULTS_MD="$SMOKE_DIR/RESULTS.md" \
		sh scripts/bench.sh >"$BATS_FILE_TMPDIR/smoke.log" 2>&1
	echo $? >"$BATS_FILE_TMPDIR/smoke.status"
}

smoke_only() {
	[ "$FLAVOUR" = default ] || skip "the harness times the default build only"
}

@test "a smoke run completes, names its files and points latest at itself" {
	smoke_only
	cat "$BATS_FILE_TMPDIR/smoke.log"
	[ "$(cat "$BATS_FILE_TMPDIR/smoke.status")" = 0 ]
	run=$(readlink "$SMOKE_DIR/latest")
	[ -n "$run" ] && [ -f "$SMOKE_DIR/$run/complete" ] && [ ! -e "$SMOKE_DIR/$run/INCOMPLETE" ]
	[ "$(jq -r .complete "$SMOKE_DIR/$run/machine.json")" = true ]
	[ "$(jq -r .profile "$SMOKE_DIR/$run/machine.json")" = smoke ]
	for key in cpu_model cpus_usable kernel compiler cflags pid_max max_map_count open_files perf_counters affinity; do
		jq -e "has(\"$key\")" "$SMOKE_DIR/$run/machine.json" >/dev/null
	done
	grep -q "^\[1/[0-9]*\] io fan-out: seq, N = 1 \.\. " "$BATS_FILE_TMPDIR/smoke.log"
	grep -q "$SMOKE_DIR/$run/io.csv" "$BATS_FILE_TMPDIR/smoke.log"
	! ls -d "$SMOKE_DIR"/incomplete-* 2>/dev/null
}

@test "the smoke run has every expected CSV with its contract header" {
	smoke_only
	dir="$SMOKE_DIR/$(readlink "$SMOKE_DIR/latest")"
	expected="io cpu"
	for model in seq threads procs gil coro; do
		[ -x "$BUILD/$model" ] && "$BUILD/$model" net --tasks 1 --ms 1 >/dev/null 2>&1 && expected="$expected net" && break
	done
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
	[ -f "$dir/raw/io-threads.json" ] && jq -e '.results | length > 0' "$dir/raw/io-threads.json" >/dev/null
}

@test "the smoke run has the Python models beside the C ones, each cpu list its own size" {
	smoke_only
	python_built || skip "no Python models built"
	dir="$SMOKE_DIR/$(readlink "$SMOKE_DIR/latest")"
	eval "$(PROFILE=smoke sh -c '. scripts/profiles.sh; echo CPU_N=$CPU_N PY_CPU_N=$PY_CPU_N PY_CPU_TASKS=$PY_CPU_TASKS')"
	models() { awk -F, 'NR > 1 { print $1 }' "$dir/$1.csv" | sort -u | tr '\n' ' '; }
	echo "io: $(models io); cpu: $(models cpu); net: $(models net)"
	for m in py_seq py_threads py_procs py_asyncio; do
		[[ " $(models io)" == *" $m "* ]]
		[[ " $(models net)" == *" $m "* ]]
	done
	for m in py_seq py_threads py_procs; do
		[[ " $(models cpu)" == *" $m "* ]]
	done
	# No cpu speedup is asked of one thread's event loop, in either language.
	[[ " $(models cpu)" != *" py_asyncio "* ]] && [[ " $(models cpu)" != *" coro "* ]]
	# Python's rows carry Python's sizes, C's rows C's.
	awk -F, -v c="$CPU_N" -v p="$PY_CPU_N" -v t="$PY_CPU_TASKS" 'NR > 1 {
		py = $1 ~ /^py_/
		if ((py && ($6 != p || $3 != t)) || (!py && $6 != c)) { print "wrong size: " $0; bad = 1 } }
		END { exit bad }' "$dir/cpu.csv"
	[ "$(jq -r .python "$dir/machine.json")" = "$(python3 -c 'import platform; print(platform.python_version())')" ]
	jq -e '.models | index("py_threads")' "$dir/machine.json" >/dev/null
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
	charts="io_wall io_overhead cpu_speedup"
	python_built && charts="$charts python gil_real"
	for chart in $charts; do
		[ -f "$dir/charts/$chart.svg" ] && [ -f "$dir/charts/$chart.png" ]
	done
	for f in "$dir"/charts/*; do
		echo "checking $f"
		valid_chart "$f"
	done
	md="$SMOKE_DIR/RESULTS.md"
	grep -q "from the run \`$name\`" "$md"
	grep -q "($name/charts/io_wall.svg)" "$md"
	grep -q "^## The lessons, checked" "$md"
	grep -q "^## The real GIL beside the emulated one" "$md"
	grep -q "^## C beside Python" "$md"
	grep -q "^## Targets, checked" "$md"
	# coro_scale --scale smoke runs 10,000 tasks only: the headline and the
	# targets say so.
	grep -q "^| 1,000,000 coroutines each sleeping 1 s | not measured |" "$md"
	grep -q "^| 1,000,000 coroutines sleeping 1 s: under 2 s and 1.2 GB peak RSS (#3) | no case of 1,000,000 tasks in coro_scale.csv | .* | \*\*not measured\*\* |$" "$md"
	if python_built; then
		grep -q "($name/charts/python.svg)" "$md"
		grep -q "($name/charts/gil_real.svg)" "$md"
		grep -q "^| W | py_threads over py_seq | gil over seq | ratio |" "$md"
		# The cpu comparison has a verdict from the smoke data; the sweep's
		# row is there (gil_sweep --scale smoke's 8 ms runs are too short to
		# compare: "not measured", unless this machine is far slower).
		grep -Eq '^\| CPU scaling: .* \| \*\*(match|do not match on this machine)\*\* \|$' "$md"
		grep -Eq '^\| Switch interval: .* \| \*\*(match|do not match on this machine|not measured)\*\* \|$' "$md"
	fi
}

@test "Ctrl-C stops a run: no stray processes, run kept incomplete, latest and earlier runs untouched" {
	smoke_only
	results="$BATS_TEST_TMPDIR/results"
	mkdir -p "$results/earlier-run"
	echo '{"complete": true}' >"$results/earlier-run/machine.json"
	ln -s earlier-run "$results/latest"
	before=$(cd "$results" && find earlier-run latest | sort | xargs ls -ld --time-style=+%s | md5sum)
	# bats starts background jobs with SIGINT ignored, which a shell cannot trap.
	PROFILE=quick RESULTS_DIR="$results" RESULTS_MD="$BATS_TEST_TMPDIR/R.md" \
		env --default-signal=INT sh scripts/bench.sh >"$BATS_TEST_TMPDIR/log" 2>&1 &
	pid=$!
	for _ in $(seq 100); do
		pgrep -f "hyperfine.*$results" >/dev/null && break
		sleep 0.2
	done
	sleep 2
	pgrep -f "$results" >/dev/null
	kill -INT $pid
	status=0
	wait $pid || status=$?
	cat "$BATS_TEST_TMPDIR/log"
	[ "$status" -eq 130 ]
	sleep 0.5
	# ("run !": under set -e a plain "! cmd" before the last line never fails.)
	run ! pgrep -af "$results"
	run ! pgrep -af "$PWD/$BUILD/(seq|threads|procs|gil|coro) "
	inc=$(ls -d "$results"/incomplete-*)
	grep -q "interrupted by SIGINT during \[" "$inc/INCOMPLETE"
	[ "$(jq -r .complete "$inc/machine.json")" = false ]
	[ ! -e "$inc/complete" ]
	[ "$(readlink "$results/latest")" = earlier-run ]
	[ ! -e "$BATS_TEST_TMPDIR/R.md" ]
	rm -rf "$inc"
	after=$(cd "$results" && find earlier-run latest | sort | xargs ls -ld --time-style=+%s | md5sum)
	[ "$before" = "$after" ]
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
	for chart in io_wall io_overhead cpu_speedup switch create_mem limits gil net_wall python gil_real; do
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
	grep -q "Not measured: build/bench/lat_switch" "$BATS_TEST_TMPDIR/R.md"
	grep -q "Not measured: no model accepts the net workload" "$BATS_TEST_TMPDIR/R.md"
	grep -q "| An event loop's task switch is far cheaper than a thread switch. | .* | \*\*not measured\*\* |" "$BATS_TEST_TMPDIR/R.md"
}

@test "without the Python rows the C-beside-Python charts are left out and RESULTS.md says why" {
	cp -r "$FIXTURES/run" "$BATS_TEST_TMPDIR/run"
	for f in io cpu net; do
		grep -v '^py_' "$FIXTURES/run/$f.csv" >"$BATS_TEST_TMPDIR/run/$f.csv"
	done
	rm "$BATS_TEST_TMPDIR/run/py_gil_sweep.csv"
	run sh scripts/plots.sh "$BATS_TEST_TMPDIR/run"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"python: left out, no Python model (py_*) has rows"* ]]
	[[ "$output" == *"gil_real: left out, this run has neither"* ]]
	[ ! -e "$BATS_TEST_TMPDIR/run/charts/python.svg" ] && [ ! -e "$BATS_TEST_TMPDIR/run/charts/gil_real.png" ]
	# The C charts do not change: the same models as before.
	[ -s "$BATS_TEST_TMPDIR/run/charts/io_wall.svg" ]
	python3 scripts/results.py --out "$BATS_TEST_TMPDIR/R.md" "$BATS_TEST_TMPDIR/run"
	md="$BATS_TEST_TMPDIR/R.md"
	grep -q "^Not measured: no Python model (py_\*) is in this run" "$md"
	[ "$(grep -c '| \*\*not measured\*\* |$' "$md")" -eq 2 ]
	[ "$(grep -c '\*\*confirmed\*\*' "$md")" -eq 7 ]
}

@test "a Python model's rows never enter the C charts and lessons" {
	cp -r "$FIXTURES/run" "$BATS_TEST_TMPDIR/run"
	sh scripts/plots.sh "$BATS_TEST_TMPDIR/run" >/dev/null
	# The C charts' series are the C models only; python's has both. (gnuplot
	# titles each series in the SVG; enhanced text would make py_seq "pyseq".)
	for chart in io_wall io_overhead cpu_speedup net_wall; do
		run ! grep -q '<title>py' "$BATS_TEST_TMPDIR/run/charts/$chart.svg"
		grep -q '<title>threads</title>' "$BATS_TEST_TMPDIR/run/charts/$chart.svg"
	done
	grep -q '<title>py_threads</title>' "$BATS_TEST_TMPDIR/run/charts/python.svg"
	grep -q '<title>threads</title>' "$BATS_TEST_TMPDIR/run/charts/python.svg"
	grep -q '<title>py_threads (real GIL)</title>' "$BATS_TEST_TMPDIR/run/charts/gil_real.svg"
	grep -q '<title>CPython, 2 CPU threads</title>' "$BATS_TEST_TMPDIR/run/charts/gil_real.svg"
	# A Python model faster than every C one would win sum_vs_longest if it were
	# counted: it is not.
	printf 'py_asyncio,io,8,0,100,,5,0.0101,0.0101,0,0.01,0.011,0,0\n' >>"$BATS_TEST_TMPDIR/run/io.csv"
	run python3 scripts/lessons.py "$BATS_TEST_TMPDIR/run"
	printf '%s\n' "$output" | grep -q "^sum_vs_longest	confirmed	.*; coro, 10 waits"
	# py_threads' speedup is over py_seq: with C's seq as the base it would be 0.82x.
	python3 scripts/results.py --out "$BATS_TEST_TMPDIR/R.md" "$BATS_TEST_TMPDIR/run"
	grep -q "^| 2 | 1.95x | 0.97x | 1.89x | 1.69x | 0.97x |" "$BATS_TEST_TMPDIR/R.md"
	grep -q "^| 2 | 0.97x | 0.97x | 1.00 |" "$BATS_TEST_TMPDIR/R.md"
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
	[ "$(printf '%s\n' "$confirmed" | wc -l)" -eq 9 ]
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
	for f in io cpu gil_scaling lat_switch limits heartbeat; do
		rm -rf "$BATS_TEST_TMPDIR/run"
		cp -r "$FIXTURES/run" "$BATS_TEST_TMPDIR/run"
		cp "$FIXTURES/contradicts/$f.csv" "$BATS_TEST_TMPDIR/run/$f.csv"
		[ "$f" = cpu ] && rm "$BATS_TEST_TMPDIR/run/gil_scaling.csv"
		run python3 scripts/lessons.py "$BATS_TEST_TMPDIR/run"
		echo "$f: $output"
		flipped=$(printf '%s\n' "$output" | grep -c "	not confirmed on this machine	" || true)
		case $f in
		io) [ "$flipped" -eq 2 ] ;;   # sum_vs_longest and few_waits
		cpu) [ "$flipped" -eq 2 ] ;;  # gil_no_speedup and procs_speed_up
		gil_scaling) [ "$flipped" -eq 0 ] ;;  # cpu.csv comes first
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
	[ "$(grep -c '	met	' "$t.before")" -eq 8 ] || { cat "$t.before"; return 1; }
	# Just past each limit: 1.13x bare; swapcontext 11x; ping-pong 0.26x
	# perf; creation 12x; memory 6x; 2.1 s and 1.31 s; 1.2 s.
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
	targets_of "$t" >"$t.after"
	[ "$(grep -c '	missed	' "$t.after")" -eq 8 ] || { cat "$t.after"; return 1; }
	# With no rows, none is judged.
	rm "$t"/*.csv
	targets_of "$t" >"$t.none"
	[ "$(grep -c '	not measured	' "$t.none")" -eq 8 ]
}

@test "with no data every lesson is not measured" {
	mkdir -p "$BATS_TEST_TMPDIR/empty"
	cp "$FIXTURES/run/machine.json" "$BATS_TEST_TMPDIR/empty/"
	run python3 scripts/lessons.py "$BATS_TEST_TMPDIR/empty"
	[ "$status" -eq 0 ]
	[ "$(printf '%s\n' "$output" | grep -c "	not measured	")" -eq 9 ]
}

@test "RESULTS.md from the fixture run: numbers from the data, anchors with their sources" {
	cp -r "$FIXTURES/run" "$BATS_TEST_TMPDIR/run"
	sh scripts/plots.sh "$BATS_TEST_TMPDIR/run" >/dev/null
	python3 scripts/results.py --anchors "$FIXTURES/ANCHORS.md" --out "$BATS_TEST_TMPDIR/R.md" "$BATS_TEST_TMPDIR/run"
	md="$BATS_TEST_TMPDIR/R.md"
	grep -q "The coroutine switch costs 12.1 ns, 1.05x the bare switch (11.5 ns)" "$md"
	grep -q "| glibc swapcontext | 218 ns per switch | 999 ns per switch | fixture source A |" "$md"
	grep -q "| I/O ops per second beside a CPU thread, new GIL | 196 per second | Convoy effect: at most 200 times a second (fixture bullet, continued on a second line). | fixture source C. |" "$md"
	grep -q "(run/charts/gil.svg)" "$md"
	[ "$(grep -c '\*\*confirmed\*\*' "$md")" -eq 7 ]
	# C beside Python, from the fixture's rows.
	grep -q "(run/charts/python.svg)" "$md"
	grep -q "(29.8 ns per iteration once its start-up is taken off: 0.082 s, py_seq's io median at N = 1 less d): Python takes 66x as long per iteration" "$md"
	grep -q "^| io | threads, py_threads | 10,000 | 0.46 s | 2.05 s | 4.46x |$" "$md"
	grep -q "^| net | coro, py_asyncio | 10,000 | 0.21 s | 1.9 s | 9.04x |$" "$md"
	grep -q "^| py_asyncio, 100,000 tasks each waiting 0.1 s | 2.3 s | 2.17 s (fixture row) | fixture source D |$" "$md"
	# The real GIL beside the emulated one: the tables, how close, the verdicts.
	grep -q "(run/charts/gil_real.svg)" "$md"
	grep -q "^| 2 | 5,000 | 185 | 178 | 200 | 1.04 |$" "$md"
	grep -q "^| 2 | 50,000 | 20 | 16.7 | 20 | not compared (a run shorter than 10 intervals or 0.05 s) |$" "$md"
	grep -q "^How closely the shapes match: py_threads' speedup is 1.00 to 1.00 times gil's over W = 2, 4, 8; CPython's hand-offs per second are 0.81 to 1.08 times the emulation's at the 12 points compared (50 to 10,000 µs).$" "$md"
	[ "$(grep -c '| \*\*match\*\* |$' "$md")" -eq 2 ]
	# coro_scale in the headline table, beside the Python reference.
	grep -q "^| 1,000,000 coroutines each sleeping 1 s | auto stacks 1.4 s, 0.40 GB peak RSS; copy stacks 1.73 s, 0.40 GB peak RSS | 27.7 s wall, 1.2 GB peak RSS (fixture row) | fixture source D |$" "$md"
	grep -q "^| 100,000 coroutines each sleeping 1 s | auto stacks 1.04 s, .* | - | - |$" "$md"
	# Every target met, by its rule, with the measured evidence.
	[ "$(grep -c '| \*\*met\*\* |$' "$md")" -eq 8 ]
	grep -q "^| One coroutine switch within 1.1x of a bare switch (#3, #5) | co_switch 12.1 ns, bare 11.5 ns: 1.05x | lat_switch: coro median <= 1.1 x bare median | \*\*met\*\* |$" "$md"
	# The contradicting run: the verdicts and the targets turn.
	cp -r "$FIXTURES/contradicts" "$BATS_TEST_TMPDIR/contra"
	python3 scripts/results.py --anchors "$FIXTURES/ANCHORS.md" --out "$BATS_TEST_TMPDIR/C.md" "$BATS_TEST_TMPDIR/contra"
	[ "$(grep -c '| \*\*do not match on this machine\*\* |$' "$BATS_TEST_TMPDIR/C.md")" -eq 2 ]
	[ "$(grep -c '| \*\*missed\*\* |$' "$BATS_TEST_TMPDIR/C.md")" -eq 4 ]
	python3 scripts/results.py --anchors "$BATS_TEST_TMPDIR/none.md" --out "$md" "$BATS_TEST_TMPDIR/run"
	grep -q "The reference column is left out" "$md"
	! grep -q "| reference | source |" "$md"
}
