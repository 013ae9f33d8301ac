#!/usr/bin/env bats
# The benchmark harness: a smoke run end to end (default flavour only: it
# times the default build), Ctrl-C, the charts and the verdicts on fixtures.

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
	for name in $expected; do
		echo "checking $name.csv"
		[ "$(head -n 1 "$dir/$name.csv")" = "$(contract "$name")" ]
		[ "$(wc -l <"$dir/$name.csv")" -ge 2 ]
	done
	# Every io row of every model: a median between min and max, d as asked.
	awk -F, 'NR > 1 && !($11 <= $8 && $8 <= $12 && $5 == 20) { bad = 1 } END { exit bad }' "$dir/io.csv"
	[ -f "$dir/raw/io-threads.json" ] && jq -e '.results | length > 0' "$dir/raw/io-threads.json" >/dev/null
}

@test "every chart of the smoke run is a valid SVG and PNG, and RESULTS.md shows it" {
	smoke_only
	name=$(readlink "$SMOKE_DIR/latest")
	dir="$SMOKE_DIR/$name"
	for chart in io_wall io_overhead cpu_speedup; do
		[ -f "$dir/charts/$chart.svg" ] && [ -f "$dir/charts/$chart.png" ]
	done
	for f in "$dir"/charts/*; do
		echo "checking $f"
		valid_chart "$f"
	done
	grep -q "from the run \`$name\`" "$SMOKE_DIR/RESULTS.md"
	grep -q "($name/charts/io_wall.svg)" "$SMOKE_DIR/RESULTS.md"
	grep -q "^## The lessons, checked" "$SMOKE_DIR/RESULTS.md"
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
	! pgrep -af "$results"
	! pgrep -af "$PWD/$BUILD/(seq|threads|procs|gil|coro) "
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
	for chart in io_wall io_overhead cpu_speedup switch create_mem limits gil net_wall; do
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
	for id in sum_vs_longest gil_no_speedup procs_speed_up switch_cost more_tasks loop_stall few_waits; do
		echo "lesson $id"
		printf '%s\n' "$confirmed" | grep -q "^$id	confirmed	"
		printf '%s\n' "$contradicted" | grep -q "^$id	not confirmed on this machine	"
	done
	[ "$(printf '%s\n' "$confirmed" | wc -l)" -eq 7 ]
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

@test "with no data every lesson is not measured" {
	mkdir -p "$BATS_TEST_TMPDIR/empty"
	cp "$FIXTURES/run/machine.json" "$BATS_TEST_TMPDIR/empty/"
	run python3 scripts/lessons.py "$BATS_TEST_TMPDIR/empty"
	[ "$status" -eq 0 ]
	[ "$(printf '%s\n' "$output" | grep -c "	not measured	")" -eq 7 ]
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
	python3 scripts/results.py --anchors "$BATS_TEST_TMPDIR/none.md" --out "$md" "$BATS_TEST_TMPDIR/run"
	grep -q "The reference column is left out" "$md"
	! grep -q "| reference | source |" "$md"
}
