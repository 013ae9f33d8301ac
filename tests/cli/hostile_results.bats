#!/usr/bin/env bats
# A results folder is untrusted input. Each damaged or crafted copy of the
# fixture run must give `make results` one line on stderr naming the file,
# the line and the damage, exit status 2, no traceback, RESULTS.md as it
# was; `make plots` must draw or refuse without running anything a CSV or a
# path says. Make variables reach the scripts as one value each.

load common

setup() {
	REPO=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
	FIXTURES=$REPO/tests/fixtures
	R="$BATS_TEST_TMPDIR/run"
	cp -r "$FIXTURES/run" "$R"
	MD="$BATS_TEST_TMPDIR/R.md"
	echo "the previous RESULTS.md" >"$MD"
	cd "$BATS_TEST_TMPDIR" || return 1
}

# default_only: a test that makes the default build (make demo, make bench).
default_only() {
	[ "$FLAVOUR" = default ] || skip "it builds the default flavour"
}

# refused WANT: make results on $R must exit 2 with one stderr line holding
# WANT (and the file's name), no traceback, and leave $MD as it was.
refused() {
	run --separate-stderr make -s -C "$REPO" results RUN="$R" RESULTS_MD="$MD"
	echo "status $status; stderr: $stderr"
	[ "$status" -eq 2 ]
	# make's own "make: ***" (make[1] under make test) is not the program's.
	[ "$(printf '%s\n' "$stderr" | grep -vcE '^make(\[[0-9]+\])?: \*\*\*')" -eq 1 ]
	[[ "$stderr" == *"$WANT"* ]]
	[[ "$stderr" != *Traceback* ]]
	[ "$(cat "$MD")" = "the previous RESULTS.md" ]
}

# set_field FILE LINE COLUMN VALUE: put VALUE in COLUMN (1-based) of LINE.
set_field() {
	awk -F, -v OFS=, -v l="$2" -v c="$3" -v v="$4" 'NR == l { $c = v } 1' "$1" >"$1.new"
	mv "$1.new" "$1"
}

@test "results: a word where a median belongs" {
	set_field "$R/io.csv" 3 8 fast
	WANT="io.csv line 3: median_s is 'fast', not a number" refused
}

@test "results: a zero median" {
	set_field "$R/cpu.csv" 2 8 0
	WANT="cpu.csv line 2: median_s is 0 (a time must be above 0)" refused
}

@test "results: a zero switch time" {
	set_field "$R/lat_switch.csv" 2 4 0.0
	WANT="lat_switch.csv line 2: median_ns is 0.0" refused
}

@test "results: nan and inf are not figures" {
	set_field "$R/net.csv" 4 8 nan
	WANT="net.csv line 4: median_s is 'nan', not a finite number" refused
	cp "$FIXTURES/run/net.csv" "$R/net.csv"
	set_field "$R/coro_scale.csv" 2 4 inf
	WANT="coro_scale.csv line 2: wall_s is 'inf', not a finite number" refused
}

@test "results: an empty cell where a number belongs" {
	set_field "$R/limits.csv" 2 3 ""
	WANT="limits.csv line 2: max_n is empty" refused
}

@test "results: an extra CSV column" {
	sed -i '1s/$/,extra/; 2,$s/$/,1/' "$R/heartbeat.csv"
	WANT="heartbeat.csv line 1: the header is not the contract (extra: extra)" refused
}

@test "results: a missing CSV column" {
	cut -d, -f1-13 "$FIXTURES/run/io.csv" >"$R/io.csv"
	WANT="io.csv line 1: the header is not the contract (missing: system_s)" refused
}

@test "results: a row with fewer fields than the header" {
	echo "coro,io,7" >>"$R/io.csv"
	WANT="io.csv line $(wc -l <"$R/io.csv"): 3 fields, the header has 14" refused
}

@test "results: a binary CSV" {
	head -c 300 /dev/urandom >"$R/mem_task.csv"
	printf '\377\000' >>"$R/mem_task.csv"
	WANT="mem_task.csv: not text" refused
}

@test "results: a NUL byte in a CSV" {
	printf 'model,variant,n,bytes_per_task,total_kb,metric\ncoro\000,copy,1,1,1,rss\n' >"$R/mem_task.csv"
	WANT="mem_task.csv: not text (a NUL byte" refused
}

@test "results: a model the table does not know (the crafted gnuplot line among them)" {
	set_field "$R/io.csv" 2 1 "x'; system(\"touch owned\"); y='"
	WANT="io.csv line 2: model 'x'; system(\"touch owned\"); y='' is not in models/models.tsv" refused
	[ ! -e owned ]
	[ ! -e "$REPO/owned" ]
}

@test "results: an empty machine.json" {
	: >"$R/machine.json"
	WANT="machine.json: not valid JSON (empty)" refused
}

@test "results: a truncated machine.json" {
	head -c 200 "$FIXTURES/run/machine.json" >"$R/machine.json"
	WANT="machine.json: not valid JSON" refused
}

@test "results: a JSON array for machine.json" {
	echo '[1, 2]' >"$R/machine.json"
	WANT="machine.json: a JSON array, not an object" refused
}

@test "results: a string where machine.json has a number" {
	jq '.cpus_usable = "two"' "$FIXTURES/run/machine.json" >"$R/machine.json"
	WANT='machine.json: cpus_usable is "two", not a number' refused
}

@test "results: a number where machine.json has an object" {
	jq '.open_files = 5' "$FIXTURES/run/machine.json" >"$R/machine.json"
	WANT="machine.json: open_files is 5, not an object" refused
}

@test "lessons.py refuses a damaged run the same way" {
	set_field "$R/gil_sweep.csv" 2 6 many
	run --separate-stderr python3 "$REPO/scripts/lessons.py" "$R"
	[ "$status" -eq 2 ]
	[ "$(printf '%s\n' "$stderr" | wc -l)" -eq 1 ]
	[[ "$stderr" == *"gil_sweep.csv line 2: handoffs_per_s is 'many', not a number"* ]]
}

@test "plots: a crafted model name in a CSV is data, never gnuplot code" {
	set_field "$R/io.csv" 2 1 "x'; system(\"touch owned\"); y='"
	set_field "$R/cost_create.csv" 2 2 "v'; system(\"touch owned2\"); w='"
	run make -s -C "$REPO" plots RUN="$R"
	echo "$output"
	[ "$status" -eq 0 ]
	[ ! -e owned ]
	[ ! -e owned2 ]
	[ ! -e "$REPO/owned" ]
	[ ! -e "$REPO/owned2" ]
	[ -s "$R/charts/io_wall.svg" ]
}

@test "plots and results: a run path with a quote, spaces and ';' in it" {
	odd="$BATS_TEST_TMPDIR/runs/a b; it's"
	mkdir -p "$(dirname "$odd")"
	mv "$R" "$odd"
	run make -s -C "$REPO" plots "RUN=$odd"
	echo "$output"
	[ "$status" -eq 0 ]
	for chart in io_wall cpu_speedup switch runtimes gil_real; do
		[ -s "$odd/charts/$chart.svg" ]
		[ -s "$odd/charts/$chart.png" ]
	done
	run make -s -C "$REPO" results "RUN=$odd" "RESULTS_MD=$MD"
	[ "$status" -eq 0 ]
	grep -q "^## The lessons, checked" "$MD"
}

@test "make results: RUN with a ';' runs nothing and names the folder" {
	run --separate-stderr make -s -C "$REPO" results 'RUN=x; touch owned' RESULTS_MD="$MD"
	[ "$status" -eq 2 ]
	[[ "$stderr" == *"x; touch owned: not a results folder"* ]]
	[ ! -e owned ]
	[ ! -e "$REPO/owned" ]
}

@test "make plots: RUN with a command substitution runs nothing" {
	# ($$ is make's way to write one $: the script sees $(touch owned).)
	run --separate-stderr make -s -C "$REPO" plots 'RUN=$$(touch owned)'
	[ "$status" -eq 2 ]
	[[ "$stderr" == *'$(touch owned): no such results folder'* ]]
	[ ! -e owned ]
	[ ! -e "$REPO/owned" ]
}

@test "make results: RUN that starts with a dash is a folder, not an option" {
	run --separate-stderr make -s -C "$REPO" results 'RUN=--out=/tmp/hijack' RESULTS_MD="$MD"
	[ "$status" -eq 2 ]
	[[ "$stderr" == *"--out=/tmp/hijack: not a results folder"* ]]
	[ ! -e /tmp/hijack ]
}

@test "make demo: DEMO='*' is a name, not a glob" {
	default_only
	run --separate-stderr make -s -C "$REPO" demo 'DEMO=*'
	[ "$status" -eq 2 ]
	[[ "$stderr" == *"demo: '*': no such demo"* ]]
}

@test "make demo: DEMO with a ';' runs nothing" {
	default_only
	run --separate-stderr make -s -C "$REPO" demo 'DEMO=x; touch owned'
	[ "$status" -eq 2 ]
	[ ! -e owned ]
	[ ! -e "$REPO/owned" ]
}

@test "make bench: RESULTS_DIR with a quote and ';' is one folder" {
	default_only
	odd="$BATS_TEST_TMPDIR/r; it's"
	mkdir -p "$odd/latest"
	# A real folder named latest stops the run before it measures: enough
	# to see the whole value arrive as one path.
	run --separate-stderr make -s -C "$REPO" bench "RESULTS_DIR=$odd" PROFILE=smoke
	[ "$status" -ne 0 ]
	[[ "$stderr" == *"$odd/latest is a real file or folder"* ]]
	[ ! -e "$odd/latest.new" ]
}
